CREATE SCHEMA gc;
CREATE TABLE gc.t (price numeric, qty int);
