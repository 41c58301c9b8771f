CREATE SCHEMA k;
CREATE SEQUENCE k.ids;
CREATE FUNCTION k.gen() RETURNS int LANGUAGE sql AS $$ SELECT nextval('k.ids')::int $$;
CREATE FUNCTION k.ok(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 > 0 $$;
CREATE TABLE k.t (id int DEFAULT k.gen() CHECK (k.ok(id)));
