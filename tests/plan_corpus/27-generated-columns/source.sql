CREATE SCHEMA gc;
CREATE TABLE gc.t (price numeric, qty int, total numeric GENERATED ALWAYS AS (price * qty) STORED, note text);
