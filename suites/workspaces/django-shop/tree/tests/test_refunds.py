import pytest

from billing.invoices import create_invoice
from billing.refunds import issue_refund


@pytest.mark.django_db
def test_refund_cannot_exceed_total(customer):
    invoice = create_invoice(customer, [{"description": "Widget", "amount": "10.00"}])
    with pytest.raises(ValueError, match="exceeds"):
        issue_refund(invoice, "10.01", "damaged")
