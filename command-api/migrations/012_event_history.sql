-- An aggregate's event history (the query API's GET /api/orders/:id/events and
-- /api/products/:id/events, and its time travel, ?asOf=): every event of one aggregate from the
-- whole log, outbox_history, in log order, a page at a time.
--
-- One index on each side of the view, so such a read is an ordered index scan of that aggregate's
-- rows in every partition (a Merge Append on position), not a scan of the log. Created on the
-- partitioned parents, they cover every partition, the ones made later included; a partition
-- retention moves from the outbox to the archive takes its index along (ATTACH PARTITION adopts a
-- matching index rather than building one).
CREATE INDEX outbox_aggregate_position_idx ON outbox (aggregatetype, aggregateid, position);
CREATE INDEX events_aggregate_position_idx ON outbox_archive.events (aggregatetype, aggregateid, position);

-- The query API reads the log through the view only: a view runs with its owner's privileges on
-- the tables below it, so it needs neither the archive's schema nor its tables (and still cannot
-- write anything here).
GRANT SELECT ON outbox_history TO shop_query_api;
