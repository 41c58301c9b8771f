CREATE SCHEMA uo;
CREATE UNLOGGED TABLE uo.cache (k text PRIMARY KEY, v text) WITH (fillfactor = 60, autovacuum_enabled = false);
CREATE TABLE uo.plain (x int) WITH (toast_tuple_target = 256);
