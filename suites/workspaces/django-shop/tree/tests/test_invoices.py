from decimal import Decimal

import pytest

from billing.invoices import create_invoice


@pytest.mark.django_db
def test_create_invoice_parses_amounts(customer):
    invoice = create_invoice(customer, [
        {"description": "Consulting", "amount": "$1,200.50"},
        {"description": "Travel", "amount": "99.5"},
    ])
    assert invoice.total == Decimal("1300.00")


@pytest.mark.django_db
def test_create_invoice_rejects_garbage(customer):
    with pytest.raises(ValueError):
        create_invoice(customer, [{"description": "Oops", "amount": "twelve"}])
