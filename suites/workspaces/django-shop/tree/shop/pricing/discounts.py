from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# (minimum quantity, percent off), checked from the largest tier down
BULK_TIERS = [(100, Decimal("15")), (50, Decimal("10")), (10, Decimal("5"))]

LOYALTY_PERCENT = {"none": Decimal("0"), "silver": Decimal("3"), "gold": Decimal("7")}


@dataclass(frozen=True)
class Coupon:
    code: str
    percent: Decimal
    valid_until: date
    min_subtotal: Decimal = Decimal("0")


def apply_percentage(amount: Decimal, percent: Decimal) -> Decimal:
    """Take `percent` off `amount`, rounded half-up to the cent."""
    if not Decimal("0") <= percent <= Decimal("100"):
        raise ValueError(f"percent out of range: {percent}")
    return (amount * (Decimal("100") - percent) / Decimal("100")).quantize(CENT, rounding=ROUND_HALF_UP)


def bulk_discount_percent(quantity: int) -> Decimal:
    for minimum, percent in BULK_TIERS:
        if quantity >= minimum:
            return percent
    return Decimal("0")


def coupon_applies(coupon: Coupon, subtotal: Decimal, today: date) -> bool:
    return today <= coupon.valid_until and subtotal >= coupon.min_subtotal


def line_total(unit_price: Decimal, quantity: int, loyalty_tier: str = "none") -> Decimal:
    subtotal = unit_price * quantity
    percent = max(bulk_discount_percent(quantity), LOYALTY_PERCENT.get(loyalty_tier, Decimal("0")))
    return apply_percentage(subtotal, percent)


def order_total(lines: list[tuple[Decimal, int]], loyalty_tier: str = "none",
                coupon: Coupon | None = None, today: date | None = None) -> Decimal:
    total = sum((line_total(price, qty, loyalty_tier) for price, qty in lines), Decimal("0"))
    if coupon is not None and coupon_applies(coupon, total, today or date.today()):
        total = apply_percentage(total, coupon.percent)
    return total
