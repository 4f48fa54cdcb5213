"""Money in other currencies. Rates are refreshed nightly into the cache by billing.tasks."""
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.cache import cache

BASE = "EUR"
_CACHE_KEY = "fx:rates:{day}"


class UnknownCurrency(LookupError):
    pass


def rates_for(day) -> dict[str, Decimal]:
    rates = cache.get(_CACHE_KEY.format(day=day.isoformat()))
    if rates is None:
        raise LookupError(f"no exchange rates cached for {day}")
    return {code: Decimal(str(rate)) for code, rate in rates.items()}


def to_ccy(amount: Decimal, src: str, dst: str, day, places: int = 2) -> Decimal:
    if src == dst:
        return amount
    rates = rates_for(day)
    try:
        in_base = amount if src == BASE else amount / rates[src]
        out = in_base if dst == BASE else in_base * rates[dst]
    except KeyError as exc:
        raise UnknownCurrency(exc.args[0]) from None
    return out.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
