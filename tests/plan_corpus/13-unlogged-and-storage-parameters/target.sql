CREATE SCHEMA uo;
CREATE TABLE uo.cache (k text PRIMARY KEY, v text);
CREATE TABLE uo.plain (x int) WITH (fillfactor = 90);
