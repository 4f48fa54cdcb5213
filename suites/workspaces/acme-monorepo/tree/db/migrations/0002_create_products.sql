CREATE TABLE products (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    price_cents integer NOT NULL
);
