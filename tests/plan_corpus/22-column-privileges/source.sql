CREATE SCHEMA cp;
CREATE TABLE cp.t (a int, b int, "C c" int);
GRANT SELECT (a, "C c"), UPDATE (b) ON cp.t TO reader;
GRANT REFERENCES (a) ON cp.t TO "a""b" WITH GRANT OPTION;
