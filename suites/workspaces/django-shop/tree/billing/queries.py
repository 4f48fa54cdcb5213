"""Raw SQL for the finance dashboard (the ORM version timed out on the big invoice table)."""
from django.db import connection

OVERDUE_INVOICES = """
    SELECT * FROM billing_invoice
    WHERE paid_at IS NULL AND due_date < %s
    ORDER BY due_date
"""

REFUNDS_FOR_INVOICE = "SELECT * FROM billing_refund WHERE invoice_id = %s ORDER BY created_at"

INVOICES_PER_MONTH = """
    SELECT date_trunc('month', issued_at) AS month, COUNT(*) AS invoices
    FROM billing_invoice
    GROUP BY 1
    ORDER BY 1
"""

OPEN_AMOUNT_BY_CUSTOMER = """
    SELECT i.customer_id, SUM(l.amount) AS open_amount
    FROM billing_invoice i
    JOIN billing_invoiceline l ON l.invoice_id = i.id
    WHERE i.paid_at IS NULL
    GROUP BY i.customer_id
"""


def _fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def overdue_invoices(today):
    return _fetch(OVERDUE_INVOICES, [today])


def refunds_for_invoice(invoice_id):
    return _fetch(REFUNDS_FOR_INVOICE, [invoice_id])


def invoices_per_month():
    return _fetch(INVOICES_PER_MONTH)


def open_amount_by_customer():
    return _fetch(OPEN_AMOUNT_BY_CUSTOMER)
