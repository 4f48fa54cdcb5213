-- Reporting replica: the orders fact table, loaded nightly from the Rails database.
BEGIN;

CREATE TABLE IF NOT EXISTS reporting.orders (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL,
    customer_id   bigint      NOT NULL,
    status        text        NOT NULL,
    total_cents   integer     NOT NULL,
    currency      char(3)     NOT NULL DEFAULT 'EUR',
    created_at    timestamptz NOT NULL,
    shipped_at    timestamptz,
    cancelled_at  timestamptz
);

COMMIT;
