from decimal import Decimal

from shop.pricing.discounts import apply_percentage, bulk_discount_percent


def test_apply_percentage_rounds_half_up():
    assert apply_percentage(Decimal("10.05"), Decimal("50")) == Decimal("5.03")


def test_bulk_tiers():
    assert bulk_discount_percent(9) == Decimal("0")
    assert bulk_discount_percent(10) == Decimal("5")
    assert bulk_discount_percent(100) == Decimal("15")
