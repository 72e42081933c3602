-- Read side. Everything the projector maintains lives in the schema `read`, so a rebuild can
-- build a complete new copy in another schema and swap it in with one rename.
CREATE SCHEMA read;

-- The inbox: every applied event id, written in the same transaction as the projections, so a
-- redelivered message changes nothing. `seq` is the order in which events were applied;
-- `position` the event's position in the outbox (the lag inspector compares the two sides).
CREATE TABLE read.processed_events (
  event_id       uuid PRIMARY KEY,
  event_type     text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id   text NOT NULL,
  occurred_at    timestamptz NOT NULL,
  position       bigint,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX processed_events_occurred_idx ON read.processed_events (occurred_at);
CREATE INDEX processed_events_position_idx ON read.processed_events (position);

-- Events the projector set aside (dead-lettered or parked), so the lag inspector does not count
-- them as still on their way. A re-driven event that is then applied is also in the inbox.
CREATE TABLE read.dead_letters (
  event_id         uuid PRIMARY KEY,
  position         bigint,
  reason           text NOT NULL,
  dead_lettered_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE read.products (
  product_id integer PRIMARY KEY,
  name       text NOT NULL,
  category   text NOT NULL,
  price      numeric(12, 2) NOT NULL,
  stock      integer NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX products_category_idx ON read.products (category, product_id);

-- An order can be known from its cancel before its placement (a re-driven dead letter), so the
-- placement fields may be empty for a while.
CREATE TABLE read.orders (
  order_id     integer PRIMARY KEY,
  customer_id  integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('placed', 'cancelled')),
  total        numeric(16, 2) NOT NULL,
  placed_at    timestamptz,
  cancelled_at timestamptz
);
CREATE INDEX orders_customer_idx ON read.orders (customer_id, placed_at);

CREATE TABLE read.order_items (
  order_id   integer NOT NULL,
  product_id integer NOT NULL,
  category   text NOT NULL,
  quantity   integer NOT NULL,
  unit_price numeric(12, 2) NOT NULL,
  line_total numeric(16, 2) NOT NULL,
  PRIMARY KEY (order_id, product_id)
);

CREATE TABLE read.product_sales (
  product_id    integer PRIMARY KEY,
  quantity_sold bigint NOT NULL,
  revenue       numeric(18, 2) NOT NULL,
  order_count   integer NOT NULL
);

CREATE TABLE read.category_revenue (
  category    text PRIMARY KEY,
  revenue     numeric(18, 2) NOT NULL,
  order_count integer NOT NULL
);

CREATE TABLE read.customer_value (
  customer_id     integer PRIMARY KEY,
  total_spent     numeric(18, 2) NOT NULL,
  order_count     integer NOT NULL,
  last_order_date timestamptz
);

-- One row per UTC hour in which orders were placed (cancels subtract from the hour of placement).
CREATE TABLE read.hourly_sales (
  hour        timestamptz PRIMARY KEY,
  revenue     numeric(18, 2) NOT NULL,
  order_count integer NOT NULL,
  items_sold  bigint NOT NULL
);
