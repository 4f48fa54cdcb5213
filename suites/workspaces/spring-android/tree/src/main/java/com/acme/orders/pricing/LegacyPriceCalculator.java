package com.acme.orders.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Net-to-gross conversion from the 1.x checkout. Superseded by the tax service; still used by the
 * CSV import until that moves over.
 */
@Deprecated
public final class LegacyPriceCalculator {

    private static final BigDecimal VAT = new BigDecimal("0.19");

    private LegacyPriceCalculator() {
    }

    public static BigDecimal gross(BigDecimal net) {
        return net.add(net.multiply(VAT)).setScale(2, RoundingMode.HALF_UP);
    }
}
