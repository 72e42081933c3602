-- A batch is applied by one function per read model, still in one round trip (docs/architecture.md,
-- "Applying a batch"). The projector lists its read models (src/read-models/index.ts) and calls, in
-- one statement, the inbox's admission, then each read model's function on it, then the
-- bookkeeping's finish:
--
--   SELECT not_new, unverified FROM projection.finish_batch(
--     projection.apply_customer_value(... projection.apply_products(projection.admit_batch(...), ...) ...), ...)
--
-- Postgres evaluates a function's arguments before it calls the function, so the calls run from the
-- innermost out, in the registry's order, on the caller's transaction; being volatile, each sees the
-- writes of those before it (customer value reads the orders just written). Every function takes
-- the admission and hands it on: when the inbox refused the batch (an event not new, or a copy of a
-- dead letter still to be vouched for, migration 008), each does nothing and the caller plans again.
-- Adding a read model is its folder under src/read-models and a migration with its tables and its
-- function of this shape.
--
-- As before (migration 006), the tables are named without a schema and resolve through the
-- caller's search_path: `read`, or `read_rebuild` while a rebuild fills it.

CREATE TYPE projection.admission AS (not_new uuid[], unverified uuid[]);

CREATE FUNCTION projection.admitted(a projection.admission) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT cardinality(a.not_new) = 0 AND cardinality(a.unverified) = 0 $$;

-- The inbox admits a batch whose events are all new, and records them; else it records nothing and
-- names the events that are not new, and the copies of dead letters to check.
CREATE FUNCTION projection.admit_batch(
  p_event_ids uuid[], p_event_types text[], p_aggregate_types text[], p_aggregate_ids text[],
  p_occurred_ats timestamptz[], p_positions bigint[],
  -- the advisory lock retention takes to raise the pruning watermark
  p_pruning_lock bigint,
  -- events of the batch whose ids are noted dead letters and that the caller found to be the outbox's own
  p_vouched uuid[]
) RETURNS projection.admission LANGUAGE plpgsql AS $$
DECLARE
  refused projection.admission;
  recorded int;
BEGIN
  -- Shared: retention raises the watermark exclusively, so it holds until this transaction ends.
  PERFORM pg_advisory_xact_lock_shared(p_pruning_lock);

  -- One probe of the inbox and one of the dead letters per event (both primary keys).
  SELECT coalesce(array_agg(f.id) FILTER (WHERE f.applied OR (f.below_watermark AND NOT f.parked)), '{}'),
         coalesce(array_agg(f.id) FILTER (WHERE NOT f.applied AND f.parked AND f.id <> ALL (coalesce(p_vouched, '{}'))), '{}')
    INTO refused.not_new, refused.unverified
    FROM (SELECT e.id,
                 EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = e.id) AS applied,
                 EXISTS (SELECT 1 FROM dead_letters d WHERE d.event_id = e.id) AS parked,
                 coalesce(e.position <= (SELECT pruned_through FROM inbox_pruning), false) AS below_watermark
            FROM unnest(p_event_ids, p_positions) AS e(id, position)) AS f;
  IF NOT projection.admitted(refused) THEN
    RETURN refused;
  END IF;

  INSERT INTO inbox (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
  SELECT e.id, e.type, e.aggregate_type, e.aggregate_id, e.occurred_at, e.position
    FROM unnest(p_event_ids, p_event_types, p_aggregate_types, p_aggregate_ids, p_occurred_ats, p_positions)
         WITH ORDINALITY AS e(id, type, aggregate_type, aggregate_id, occurred_at, position, n)
   ORDER BY e.n
  ON CONFLICT (event_id) DO NOTHING;
  GET DIAGNOSTICS recorded = ROW_COUNT;
  IF recorded < cardinality(p_event_ids) THEN
    RAISE EXCEPTION 'events of the batch were recorded by another projector meanwhile'
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN refused;
END
$$;

-- products (src/read-models/products): the latest state of each product; an older state never
-- overwrites a newer one.
CREATE FUNCTION projection.apply_products(
  a projection.admission,
  p_ids int[], p_names text[], p_categories text[], p_prices numeric[], p_stocks int[], p_updated_ats timestamptz[]
) RETURNS projection.admission LANGUAGE plpgsql AS $$
BEGIN
  IF projection.admitted(a) AND cardinality(p_ids) > 0 THEN
    INSERT INTO products AS t (product_id, name, category, price, stock, updated_at)
    SELECT * FROM unnest(p_ids, p_names, p_categories, p_prices, p_stocks, p_updated_ats)
    ON CONFLICT (product_id) DO UPDATE
       SET name = EXCLUDED.name, category = EXCLUDED.category, price = EXCLUDED.price,
           stock = EXCLUDED.stock, updated_at = EXCLUDED.updated_at
     WHERE t.updated_at <= EXCLUDED.updated_at;
  END IF;
  RETURN a;
END
$$;

-- orders (src/read-models/orders): the order rows, their lines, and sales per hour.
-- Placements: the order row (a cancel seen first keeps its status), then their hourly sales; then
-- cancels: the status and time, then theirs. Hourly sales are by the UTC hour of placement, read
-- from the orders just written: a placement counts only if its order is not cancelled (a cancel
-- seen first), and a cancel subtracts only from an order whose placement is known, so any
-- interleaving nets out, a placement and its cancel in one batch included. That is why hourly
-- sales belong to this read model: they depend on the order rows between the two steps.
CREATE FUNCTION projection.apply_orders(
  a projection.admission,
  -- orders placed, orders cancelled (items: the quantities summed, for hourly sales)
  p_placed_ids int[], p_placed_customers int[], p_placed_cents bigint[], p_placed_ats timestamptz[], p_placed_items bigint[],
  p_cancelled_ids int[], p_cancelled_customers int[], p_cancelled_cents bigint[], p_cancelled_ats timestamptz[],
  p_cancelled_items bigint[],
  -- the lines of those orders
  p_line_order_ids int[], p_line_product_ids int[], p_line_categories text[], p_line_quantities int[],
  p_line_unit_cents bigint[], p_line_cents bigint[]
) RETURNS projection.admission LANGUAGE plpgsql AS $$
BEGIN
  IF NOT projection.admitted(a) THEN
    RETURN a;
  END IF;
  IF cardinality(p_placed_ids) > 0 THEN
    INSERT INTO orders AS t (order_id, customer_id, status, total, placed_at)
    SELECT o.id, o.customer_id, 'placed', o.cents / 100.0, o.placed_at
      FROM unnest(p_placed_ids, p_placed_customers, p_placed_cents, p_placed_ats) AS o(id, customer_id, cents, placed_at)
    ON CONFLICT (order_id) DO UPDATE SET placed_at = EXCLUDED.placed_at, total = EXCLUDED.total;
    INSERT INTO hourly_sales AS t (hour, revenue, order_count, items_sold)
    SELECT date_trunc('hour', o.placed_at, 'UTC'), sum(d.cents) / 100.0, count(*), sum(d.items)
      FROM unnest(p_placed_ids, p_placed_cents, p_placed_items) AS d(order_id, cents, items)
      JOIN orders o ON o.order_id = d.order_id
     WHERE o.placed_at IS NOT NULL AND o.status = 'placed'
     GROUP BY 1
    ON CONFLICT (hour) DO UPDATE
       SET revenue = t.revenue + EXCLUDED.revenue, order_count = t.order_count + EXCLUDED.order_count,
           items_sold = t.items_sold + EXCLUDED.items_sold;
  END IF;
  IF cardinality(p_cancelled_ids) > 0 THEN
    INSERT INTO orders AS t (order_id, customer_id, status, total, cancelled_at)
    SELECT o.id, o.customer_id, 'cancelled', o.cents / 100.0, o.cancelled_at
      FROM unnest(p_cancelled_ids, p_cancelled_customers, p_cancelled_cents, p_cancelled_ats)
           AS o(id, customer_id, cents, cancelled_at)
    ON CONFLICT (order_id) DO UPDATE SET status = 'cancelled', cancelled_at = EXCLUDED.cancelled_at;
    INSERT INTO hourly_sales AS t (hour, revenue, order_count, items_sold)
    SELECT date_trunc('hour', o.placed_at, 'UTC'), -sum(d.cents) / 100.0, -count(*), -sum(d.items)
      FROM unnest(p_cancelled_ids, p_cancelled_cents, p_cancelled_items) AS d(order_id, cents, items)
      JOIN orders o ON o.order_id = d.order_id
     WHERE o.placed_at IS NOT NULL AND o.status = 'cancelled'
     GROUP BY 1
    ON CONFLICT (hour) DO UPDATE
       SET revenue = t.revenue + EXCLUDED.revenue, order_count = t.order_count + EXCLUDED.order_count,
           items_sold = t.items_sold + EXCLUDED.items_sold;
  END IF;
  -- The lines come with the placement and with the cancel, in case the placement is not seen yet.
  IF cardinality(p_line_order_ids) > 0 THEN
    INSERT INTO order_items (order_id, product_id, category, quantity, unit_price, line_total)
    SELECT l.order_id, l.product_id, l.category, l.quantity, l.unit_cents / 100.0, l.line_cents / 100.0
      FROM unnest(p_line_order_ids, p_line_product_ids, p_line_categories, p_line_quantities, p_line_unit_cents,
                  p_line_cents) AS l(order_id, product_id, category, quantity, unit_cents, line_cents)
    ON CONFLICT (order_id, product_id) DO NOTHING;
  END IF;
  RETURN a;
END
$$;

-- product_sales (src/read-models/product-sales): additive deltas, negative for cancels.
CREATE FUNCTION projection.apply_product_sales(
  a projection.admission, p_product_ids int[], p_quantities bigint[], p_cents bigint[], p_orders int[]
) RETURNS projection.admission LANGUAGE plpgsql AS $$
BEGIN
  IF projection.admitted(a) AND cardinality(p_product_ids) > 0 THEN
    INSERT INTO product_sales AS t (product_id, quantity_sold, revenue, order_count)
    SELECT d.id, d.quantity, d.cents / 100.0, d.orders
      FROM unnest(p_product_ids, p_quantities, p_cents, p_orders) AS d(id, quantity, cents, orders)
    ON CONFLICT (product_id) DO UPDATE
       SET quantity_sold = t.quantity_sold + EXCLUDED.quantity_sold, revenue = t.revenue + EXCLUDED.revenue,
           order_count = t.order_count + EXCLUDED.order_count;
  END IF;
  RETURN a;
END
$$;

-- category_revenue (src/read-models/category-revenue): additive deltas, negative for cancels.
CREATE FUNCTION projection.apply_category_revenue(
  a projection.admission, p_categories text[], p_cents bigint[], p_orders int[]
) RETURNS projection.admission LANGUAGE plpgsql AS $$
BEGIN
  IF projection.admitted(a) AND cardinality(p_categories) > 0 THEN
    INSERT INTO category_revenue AS t (category, revenue, order_count)
    SELECT d.category, d.cents / 100.0, d.orders
      FROM unnest(p_categories, p_cents, p_orders) AS d(category, cents, orders)
    ON CONFLICT (category) DO UPDATE
       SET revenue = t.revenue + EXCLUDED.revenue, order_count = t.order_count + EXCLUDED.order_count;
  END IF;
  RETURN a;
END
$$;

-- customer_value (src/read-models/customer-value): spend and order counts, then the last order
-- date of the customers touched from their projected orders (the newest not cancelled), which
-- stays right however events interleave; so it comes after the orders read model.
CREATE FUNCTION projection.apply_customer_value(
  a projection.admission, p_customer_ids int[], p_cents bigint[], p_orders int[]
) RETURNS projection.admission LANGUAGE plpgsql AS $$
BEGIN
  IF projection.admitted(a) AND cardinality(p_customer_ids) > 0 THEN
    INSERT INTO customer_value AS t (customer_id, total_spent, order_count)
    SELECT d.id, d.cents / 100.0, d.orders
      FROM unnest(p_customer_ids, p_cents, p_orders) AS d(id, cents, orders)
    ON CONFLICT (customer_id) DO UPDATE
       SET total_spent = t.total_spent + EXCLUDED.total_spent, order_count = t.order_count + EXCLUDED.order_count;
    UPDATE customer_value c
       SET last_order_date = (SELECT max(o.placed_at) FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'placed')
     WHERE c.customer_id = ANY (p_customer_ids);
  END IF;
  RETURN a;
END
$$;

-- After the read models: each shard's progress (how many events it applied, the highest position
-- among them), and the notification read-your-writes waits for, delivered at commit (nothing when
-- none listens). Answers the admission: both empty when the batch was applied.
CREATE FUNCTION projection.finish_batch(
  a projection.admission,
  p_shards int[], p_applied bigint[], p_highest_applied bigint[],
  p_applied_channel text,
  OUT not_new uuid[], OUT unverified uuid[]
) LANGUAGE plpgsql AS $$
BEGIN
  not_new := a.not_new;
  unverified := a.unverified;
  IF NOT projection.admitted(a) THEN
    RETURN;
  END IF;
  IF cardinality(p_shards) > 0 THEN
    INSERT INTO shard_progress AS c (shard, applied, highest_applied)
    SELECT * FROM unnest(p_shards, p_applied, p_highest_applied)
    ON CONFLICT (shard) DO UPDATE
       SET applied = c.applied + EXCLUDED.applied, highest_applied = greatest(c.highest_applied, EXCLUDED.highest_applied);
    PERFORM pg_notify(p_applied_channel, '');
  END IF;
END
$$;

-- Applying a batch is the projector's job alone.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA projection FROM PUBLIC;
