"""Ad-hoc reports for the back office, written as raw SQL for speed."""
from django.db import connection


def _rows(cursor):
    columns = [col[0] for col in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def search_products(term):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM shop_product WHERE name ILIKE '%{term}%' ORDER BY name")
        return _rows(cursor)


def sales_by_category(start, end, order_by="revenue"):
    sql = """
        SELECT c.name AS category, SUM(i.quantity * i.unit_price) AS revenue
        FROM shop_orderitem i
        JOIN shop_product p ON p.id = i.product_id
        JOIN shop_category c ON c.id = p.category_id
        JOIN shop_order o ON o.id = i.order_id
        WHERE o.created_at BETWEEN %s AND %s
        GROUP BY c.name
        ORDER BY """ + order_by + " DESC"
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        return _rows(cursor)


def orders_with_status(status):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM shop_order WHERE status = '%s'" % status)
        return _rows(cursor)


def top_customers(limit=10):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT o.customer_id, COUNT(*) AS orders, SUM(o.total) AS spent
            FROM shop_order o
            GROUP BY o.customer_id
            ORDER BY spent DESC
            LIMIT %s
            """,
            [limit],
        )
        return _rows(cursor)
