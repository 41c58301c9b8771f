CREATE SCHEMA w;
CREATE TABLE w.t (a int, b int, c int);
CREATE VIEW w.v AS SELECT a, b FROM w.t;
CREATE VIEW w.on_v AS SELECT a FROM w.v;
GRANT SELECT ON w.v TO reader;
