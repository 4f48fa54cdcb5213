-- =============================================================================================
-- Migration:   20240301_add_indexes
-- Database:    reporting replica (PostgreSQL 16)
-- Author:      data-platform team
-- Ticket:      DATA-412 "dashboard queries time out on the orders table"
--
-- Apply with:  psql "$REPORTING_URL" -v ON_ERROR_STOP=1 -f db/migrations/20240301_add_indexes.sql
-- Revert with: the DROP INDEX statements at the end of this file (commented out).
--
-- Notes:
--   * CREATE INDEX CONCURRENTLY cannot run inside a transaction block, so this file has no
--     BEGIN/COMMIT. Run it outside any wrapper that adds one.
--   * Each statement is idempotent (IF NOT EXISTS), so a failed run can simply be repeated.
--   * Expect roughly 4 minutes on the production replica (orders: ~38M rows).
-- =============================================================================================

SET lock_timeout = '5s';
SET statement_timeout = 0;
SET maintenance_work_mem = '1GB';

-- ---------------------------------------------------------------------------------------------
-- customers
-- ---------------------------------------------------------------------------------------------

CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_account_id_idx
    ON reporting.customers (account_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_lower_email_idx
    ON reporting.customers (lower(email));

-- ---------------------------------------------------------------------------------------------
-- orders
-- ---------------------------------------------------------------------------------------------

-- The "open orders" dashboard only ever looks at orders that are neither shipped nor cancelled
-- (about 2% of the table), newest first, per account. A partial index keeps that index small
-- enough to stay in memory, where a full index on (account_id, created_at) would not.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_open_by_account_idx
    ON reporting.orders (account_id, created_at DESC)
    INCLUDE (total_cents, status)
    WHERE shipped_at IS NULL
      AND cancelled_at IS NULL
      AND status IN ('pending', 'paid');

-- The dashboard's predicate must imply the index predicate for the planner to use it:
--   WHERE account_id = $1 AND shipped_at IS NULL AND cancelled_at IS NULL
--     AND status IN ('pending', 'paid')
--   ORDER BY created_at DESC LIMIT 50

-- Revenue per day needs all paid orders, so this one is a plain index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at_brin_idx
    ON reporting.orders USING brin (created_at);

ANALYZE reporting.orders;

-- ---------------------------------------------------------------------------------------------
-- order_items
-- ---------------------------------------------------------------------------------------------

CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx
    ON reporting.order_items (order_id);

-- ---------------------------------------------------------------------------------------------
-- Revert
-- ---------------------------------------------------------------------------------------------
-- DROP INDEX CONCURRENTLY IF EXISTS reporting.customers_account_id_idx;
-- DROP INDEX CONCURRENTLY IF EXISTS reporting.customers_lower_email_idx;
-- DROP INDEX CONCURRENTLY IF EXISTS reporting.orders_open_by_account_idx;
-- DROP INDEX CONCURRENTLY IF EXISTS reporting.orders_created_at_brin_idx;
-- DROP INDEX CONCURRENTLY IF EXISTS reporting.order_items_order_id_idx;
