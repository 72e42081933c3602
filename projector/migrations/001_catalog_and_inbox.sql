-- Read side. The inbox records every applied event id in the same transaction as the projection,
-- so a redelivered message changes nothing.
CREATE TABLE processed_events (
  event_id     uuid PRIMARY KEY,
  event_type   text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  product_id integer PRIMARY KEY,
  name       text NOT NULL,
  category   text NOT NULL,
  price      numeric(12, 2) NOT NULL,
  stock      integer NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX products_category_idx ON products (category, product_id);
