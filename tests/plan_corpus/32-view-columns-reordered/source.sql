CREATE SCHEMA w2;
CREATE TABLE w2.t (a int, b text);
CREATE VIEW w2.v AS SELECT b, a FROM w2.t;
GRANT SELECT ON w2.v TO reader;
COMMENT ON VIEW w2.v IS 'b first';
