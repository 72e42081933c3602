-- The broker is a trust boundary (docs/guarantees.md): a message carrying the id of a dead letter
-- is not taken for that event on its word. Applied, a forged copy would put the id in the inbox:
-- the dead letter would count as handled, and the real event, re-driven later, would be skipped
-- as a duplicate. So projection.apply_batch now also refuses, writing nothing, the events whose
-- ids are noted dead letters unless the caller vouches for them (p_vouched): the projector
-- compares such a message with the event's outbox row (screening/outbox-copy.ts) and applies it
-- only if it is that event, parking it otherwise. Re-driven dead letters are rare; every other
-- batch pays one more primary-key probe per event, of a table of a few rows, in the statement it
-- already runs.
--
-- The function gets a new parameter and a second answer, so it is dropped and created again.
-- Whatever EXECUTE grants it had (migration 007 or an operator may have narrowed them) are given
-- to the new one: its ACL is kept for this transaction in a setting, then granted again.
SELECT set_config('projection.apply_batch_acl', coalesce(proacl::text, ''), true)
  FROM pg_proc
 WHERE oid = 'projection.apply_batch(uuid[], text[], text[], text[], timestamptz[], bigint[], int[], text[], text[],
              numeric[], int[], timestamptz[], int[], int[], bigint[], timestamptz[], bigint[], int[], int[], bigint[],
              timestamptz[], bigint[], int[], int[], text[], int[], bigint[], bigint[], int[], bigint[], bigint[], int[],
              text[], bigint[], int[], int[], bigint[], int[], int[], bigint[], bigint[], bigint, text)'::regprocedure;

DROP FUNCTION projection.apply_batch(uuid[], text[], text[], text[], timestamptz[], bigint[], int[], text[], text[],
  numeric[], int[], timestamptz[], int[], int[], bigint[], timestamptz[], bigint[], int[], int[], bigint[],
  timestamptz[], bigint[], int[], int[], text[], int[], bigint[], bigint[], int[], bigint[], bigint[], int[],
  text[], bigint[], int[], int[], bigint[], int[], int[], bigint[], bigint[], bigint, text);

CREATE FUNCTION projection.apply_batch(
  -- the inbox: every event of the batch
  p_event_ids uuid[], p_event_types text[], p_aggregate_types text[], p_aggregate_ids text[],
  p_occurred_ats timestamptz[], p_positions bigint[],
  -- the catalog: the latest state of each product
  p_product_ids int[], p_product_names text[], p_product_categories text[], p_product_prices numeric[],
  p_product_stocks int[], p_product_updated_ats timestamptz[],
  -- orders placed, orders cancelled (items: the quantities summed, for hourly sales)
  p_placed_ids int[], p_placed_customers int[], p_placed_cents bigint[], p_placed_ats timestamptz[], p_placed_items bigint[],
  p_cancelled_ids int[], p_cancelled_customers int[], p_cancelled_cents bigint[], p_cancelled_ats timestamptz[],
  p_cancelled_items bigint[],
  -- the lines of those orders
  p_line_order_ids int[], p_line_product_ids int[], p_line_categories text[], p_line_quantities int[],
  p_line_unit_cents bigint[], p_line_cents bigint[],
  -- additive deltas (negative for cancels)
  p_sales_product_ids int[], p_sales_quantities bigint[], p_sales_cents bigint[], p_sales_orders int[],
  p_category_names text[], p_category_cents bigint[], p_category_orders int[],
  p_customer_ids int[], p_customer_cents bigint[], p_customer_orders int[],
  -- the inbox count of each shard
  p_count_shards int[], p_count_processed bigint[], p_count_max_positions bigint[],
  -- the advisory lock retention takes to raise the pruning watermark, and the channel notified at commit
  p_pruning_lock bigint, p_applied_channel text,
  -- events of the batch whose ids are noted dead letters and that the caller found to be the outbox's own
  p_vouched uuid[],
  -- when not both empty, nothing was written: the events that are not new, and the copies of dead letters to check
  OUT not_new uuid[], OUT unverified uuid[]
) LANGUAGE plpgsql AS $$
DECLARE
  recorded int;
BEGIN
  -- Shared: retention raises the watermark exclusively, so it holds until this transaction ends.
  PERFORM pg_advisory_xact_lock_shared(p_pruning_lock);

  -- One probe of the inbox and one of the dead letters per event (both primary keys).
  SELECT coalesce(array_agg(f.id) FILTER (WHERE f.applied OR (f.below_watermark AND NOT f.parked)), '{}'),
         coalesce(array_agg(f.id) FILTER (WHERE NOT f.applied AND f.parked AND f.id <> ALL (coalesce(p_vouched, '{}'))), '{}')
    INTO not_new, unverified
    FROM (SELECT e.id,
                 EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = e.id) AS applied,
                 EXISTS (SELECT 1 FROM dead_letters d WHERE d.event_id = e.id) AS parked,
                 coalesce(e.position <= (SELECT pruned_through FROM inbox_pruning), false) AS below_watermark
            FROM unnest(p_event_ids, p_positions) AS e(id, position)) AS f;
  IF cardinality(not_new) > 0 OR cardinality(unverified) > 0 THEN
    RETURN;
  END IF;

  INSERT INTO processed_events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
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

  -- Catalog: an older state never overwrites a newer one.
  IF cardinality(p_product_ids) > 0 THEN
    INSERT INTO products AS t (product_id, name, category, price, stock, updated_at)
    SELECT * FROM unnest(p_product_ids, p_product_names, p_product_categories, p_product_prices, p_product_stocks,
                         p_product_updated_ats)
    ON CONFLICT (product_id) DO UPDATE
       SET name = EXCLUDED.name, category = EXCLUDED.category, price = EXCLUDED.price,
           stock = EXCLUDED.stock, updated_at = EXCLUDED.updated_at
     WHERE t.updated_at <= EXCLUDED.updated_at;
  END IF;

  -- Placements: the order row (a cancel seen first keeps its status), then their hourly sales;
  -- then cancels: the status and time, then theirs. Hourly sales are by the UTC hour of placement,
  -- read from the orders just written: a placement counts only if its order is not cancelled (a
  -- cancel seen first), and a cancel subtracts only from an order whose placement is known, so any
  -- interleaving nets out, a placement and its cancel in one batch included.
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

  IF cardinality(p_sales_product_ids) > 0 THEN
    INSERT INTO product_sales AS t (product_id, quantity_sold, revenue, order_count)
    SELECT d.id, d.quantity, d.cents / 100.0, d.orders
      FROM unnest(p_sales_product_ids, p_sales_quantities, p_sales_cents, p_sales_orders) AS d(id, quantity, cents, orders)
    ON CONFLICT (product_id) DO UPDATE
       SET quantity_sold = t.quantity_sold + EXCLUDED.quantity_sold, revenue = t.revenue + EXCLUDED.revenue,
           order_count = t.order_count + EXCLUDED.order_count;
  END IF;
  IF cardinality(p_category_names) > 0 THEN
    INSERT INTO category_revenue AS t (category, revenue, order_count)
    SELECT d.category, d.cents / 100.0, d.orders
      FROM unnest(p_category_names, p_category_cents, p_category_orders) AS d(category, cents, orders)
    ON CONFLICT (category) DO UPDATE
       SET revenue = t.revenue + EXCLUDED.revenue, order_count = t.order_count + EXCLUDED.order_count;
  END IF;
  -- Spend and order counts, then the last order date of the customers touched from their
  -- projected orders (the newest not cancelled), which stays right however events interleave.
  IF cardinality(p_customer_ids) > 0 THEN
    INSERT INTO customer_value AS t (customer_id, total_spent, order_count)
    SELECT d.id, d.cents / 100.0, d.orders
      FROM unnest(p_customer_ids, p_customer_cents, p_customer_orders) AS d(id, cents, orders)
    ON CONFLICT (customer_id) DO UPDATE
       SET total_spent = t.total_spent + EXCLUDED.total_spent, order_count = t.order_count + EXCLUDED.order_count;
    UPDATE customer_value c
       SET last_order_date = (SELECT max(o.placed_at) FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'placed')
     WHERE c.customer_id = ANY (p_customer_ids);
  END IF;

  -- The inbox count of each shard and its highest applied position (a row per shard).
  IF cardinality(p_count_shards) > 0 THEN
    INSERT INTO inbox_counts AS c (bucket, processed, max_position)
    SELECT * FROM unnest(p_count_shards, p_count_processed, p_count_max_positions)
    ON CONFLICT (bucket) DO UPDATE
       SET processed = c.processed + EXCLUDED.processed, max_position = greatest(c.max_position, EXCLUDED.max_position);
  END IF;

  -- Delivered at commit, to the query APIs waiting for a Consistency-Token (nothing when none listens).
  IF cardinality(p_event_ids) > 0 THEN
    PERFORM pg_notify(p_applied_channel, '');
  END IF;
  RETURN;
END
$$;

-- The old function's EXECUTE grants on the new one; nothing to do if it had the defaults (null ACL).
DO $$
DECLARE
  acl constant text := current_setting('projection.apply_batch_acl', true);
  fn constant regprocedure := 'projection.apply_batch(uuid[], text[], text[], text[], timestamptz[], bigint[], int[], text[],
    text[], numeric[], int[], timestamptz[], int[], int[], bigint[], timestamptz[], bigint[], int[], int[], bigint[],
    timestamptz[], bigint[], int[], int[], text[], int[], bigint[], bigint[], int[], bigint[], bigint[], int[],
    text[], bigint[], int[], int[], bigint[], int[], int[], bigint[], bigint[], bigint, text, uuid[])'::regprocedure;
  g record;
BEGIN
  IF coalesce(acl, '') = '' THEN
    RETURN;
  END IF;
  EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
  FOR g IN SELECT a.grantee, a.is_grantable FROM aclexplode(acl::aclitem[]) AS a
            WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> (SELECT proowner FROM pg_proc WHERE oid = fn) LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', fn,
                   CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
                   CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
END
$$;
