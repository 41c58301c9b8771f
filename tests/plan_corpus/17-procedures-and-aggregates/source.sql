CREATE SCHEMA pa;
CREATE PROCEDURE pa.p(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$;
CREATE FUNCTION pa.acc(s int, v int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT s + v * v $$;
CREATE AGGREGATE pa.sumsq(int) (SFUNC = pa.acc, STYPE = int, INITCOND = '0');
CREATE AGGREGATE pa.cat(text) (SFUNC = textcat, STYPE = text, INITCOND = '', PARALLEL = SAFE);
