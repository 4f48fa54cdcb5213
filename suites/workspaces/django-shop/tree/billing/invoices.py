from decimal import Decimal, InvalidOperation

from django.db import transaction

from .models import Invoice, InvoiceLine


def _parse_money(raw: str) -> Decimal:
    cleaned = raw.replace(",", "").replace("$", "").strip()
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"not a money amount: {raw!r}") from exc


@transaction.atomic
def create_invoice(customer, lines: list[dict]) -> Invoice:
    invoice = Invoice.objects.create(customer=customer)
    for line in lines:
        InvoiceLine.objects.create(
            invoice=invoice,
            description=line["description"],
            amount=_parse_money(line["amount"]),
        )
    return invoice
