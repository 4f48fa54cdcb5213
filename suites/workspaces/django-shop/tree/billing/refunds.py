from decimal import Decimal, InvalidOperation

from .models import Refund


def _parse_money(raw: str) -> Decimal:
    cleaned = raw.replace(",", "").replace("$", "").strip()
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"not a money amount: {raw!r}") from exc


def issue_refund(invoice, raw_amount: str, reason: str) -> Refund:
    amount = _parse_money(raw_amount)
    if amount > invoice.total:
        raise ValueError("refund exceeds invoice total")
    return Refund.objects.create(invoice=invoice, amount=amount, reason=reason)
