package com.acme.orders.pricing;

import java.math.BigDecimal;

import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

@Component
public class TaxClient {

    private final RestClient http = RestClient.create("http://tax-service");

    public BigDecimal rateFor(String country) {
        return http.get().uri("/rates/{country}", country).retrieve().body(BigDecimal.class);
    }
}
