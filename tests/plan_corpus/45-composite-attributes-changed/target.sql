CREATE SCHEMA ct;
CREATE TYPE ct.t AS (a int, b varchar(5), gone int);
