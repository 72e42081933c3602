-- The query API's time travel (GET /api/orders/:id?asOf=, docs/contract.md): it computes an
-- aggregate's read model as it was at a moment by running the projector's own batch statement
-- (shared/src/projection/batch-statement.ts: projection.admit_batch, each
-- projection.apply_<model>, projection.finish_batch) on that aggregate's events, in one
-- transaction it rolls back, against temporary tables that shadow the read models and the
-- bookkeeping (temporary tables come first in name resolution, and these functions name their
-- tables without a schema). So it needs to call those functions and to create temporary tables,
-- nothing more: it still may write no table of this database (its grants, migration 007), and a
-- function that reached a real table would be refused.

GRANT USAGE ON SCHEMA projection TO shop_query_api;
GRANT EXECUTE ON FUNCTION
  projection.admitted(projection.admission),
  projection.admit_batch(uuid[], text[], text[], text[], timestamptz[], bigint[], bigint, uuid[]),
  projection.apply_products(projection.admission, int[], text[], text[], numeric[], int[], timestamptz[]),
  projection.apply_orders(projection.admission, int[], int[], bigint[], timestamptz[], bigint[], int[], int[], bigint[],
    timestamptz[], bigint[], int[], int[], text[], int[], bigint[], bigint[]),
  projection.apply_product_sales(projection.admission, int[], bigint[], bigint[], int[]),
  projection.apply_category_revenue(projection.admission, text[], bigint[], int[]),
  projection.apply_customer_value(projection.admission, int[], bigint[], int[]),
  projection.finish_batch(projection.admission, int[], bigint[], bigint[], text)
TO shop_query_api;

-- Temporary tables in this database (infra/postgres/roles.sql revoked every database privilege from
-- PUBLIC). Its name is configurable (READ_DB_NAME): the current one, which this role owns.
DO $$
BEGIN
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO shop_query_api', current_database());
END
$$;
