INSERT INTO users (email) VALUES ('ada@acme.dev'), ('grace@acme.dev');
INSERT INTO products (name, price_cents) VALUES ('notebook', 450), ('pen', 120);
