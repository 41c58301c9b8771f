CREATE SCHEMA dm;
CREATE FUNCTION dm.valid(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 ~ '^[A-Z]+$' $$;
CREATE DOMAIN dm.code AS text CHECK (dm.valid(VALUE));
CREATE TABLE dm.t (c dm.code);
