CREATE SCHEMA ty;
CREATE TABLE ty.t (a text, b text DEFAULT '{}', c numeric(8, 1), d timestamptz, e varchar(10));
INSERT INTO ty.t VALUES ('{1,2}', '{"k": 1}', 1.5, now(), 'y');
