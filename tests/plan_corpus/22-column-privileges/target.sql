CREATE SCHEMA cp;
CREATE TABLE cp.t (a int, b int, "C c" int);
GRANT UPDATE (a) ON cp.t TO reader;
