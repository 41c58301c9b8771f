CREATE SCHEMA c;
CREATE TYPE c.pt AS (x float8, y float8);
CREATE TYPE c.span AS RANGE (subtype = int4);
CREATE TABLE c.shapes (id int, at c.pt, s c.span, many c.pt[]);
GRANT USAGE ON TYPE c.pt TO reader;
