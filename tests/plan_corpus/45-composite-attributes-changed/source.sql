CREATE SCHEMA ct;
CREATE TYPE ct.t AS (a int, b text, c date);
