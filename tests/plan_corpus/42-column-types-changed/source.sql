CREATE SCHEMA ty;
CREATE TABLE ty.t (a int[], b jsonb DEFAULT '{}', c numeric(10, 2), d timestamptz(3), e varchar(20) NOT NULL DEFAULT 'x');
INSERT INTO ty.t VALUES ('{1,2}', '{"k": 1}', 1.5, now(), 'y');
