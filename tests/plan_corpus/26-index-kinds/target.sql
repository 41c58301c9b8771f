CREATE SCHEMA ix;
CREATE TABLE ix.t (a int, b text, c int[], d timestamptz, e text COLLATE "C");
CREATE INDEX t_partial ON ix.t (a) WHERE a > 20;
