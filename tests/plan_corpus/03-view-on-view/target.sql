CREATE SCHEMA v;
CREATE TABLE v.t (a int, b int);
