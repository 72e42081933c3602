-- Debezium's signal table (the source signalling channel): a row inserted here is read by
-- Debezium from the WAL like any change, so the table is in its publication
-- (table.include.list). The reconciler inserts `execute-snapshot` signals to have exactly the
-- outbox rows it found missing published again through the normal path (an incremental snapshot
-- filtered on their positions); Debezium writes its snapshot watermarks here too.
CREATE TABLE debezium_signal (
  id   varchar(64) PRIMARY KEY,
  type varchar(32) NOT NULL,
  data text
);
