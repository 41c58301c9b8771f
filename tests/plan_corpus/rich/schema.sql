-- The rich schema: every kind of object pgparity reads, names that need quoting, two-level
-- partitioning, inheritance, row security, objects that need a superuser. Run as the
-- superuser in a database where app_owner and "App User" have CREATE.
SET ROLE app_owner;
CREATE SCHEMA shop;
CREATE SCHEMA "Sales Data";
RESET ROLE;
CREATE EXTENSION citext WITH SCHEMA shop;
SET ROLE app_owner;
CREATE TYPE shop.mood AS ENUM ('sad', 'meh', 'ok', 'happy');
CREATE DOMAIN shop.posint AS integer NOT NULL DEFAULT 1 CONSTRAINT posint_positive CHECK (VALUE > 0);
CREATE TYPE shop.address AS (street text, zip varchar(10) COLLATE "C");
CREATE TYPE shop.numspan AS RANGE (subtype = numeric);
CREATE SEQUENCE shop.code_seq START 1000;
CREATE FUNCTION shop.next_code() RETURNS text LANGUAGE sql VOLATILE
    AS $$ SELECT 'C' || nextval('shop.code_seq') $$;
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL DEFAULT shop.next_code() UNIQUE,
    name shop.citext NOT NULL,
    email text COLLATE "C",
    mood shop.mood DEFAULT 'ok',
    score shop.posint,
    balance numeric(12, 2) DEFAULT 0 CHECK (balance >= 0),
    doubled numeric GENERATED ALWAYS AS (balance * 2) STORED,
    tags text[] DEFAULT '{}',
    home shop.address,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE "Sales Data"."Order Items" (
    id serial PRIMARY KEY,
    customer_id bigint REFERENCES shop.customers (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    "a""b" int CHECK ("a""b" > 0),
    "select" varchar(40),
    "naïve_tëst" text,
    qty shop.posint
);
CREATE INDEX items_lower_select ON "Sales Data"."Order Items" (lower("select")) WHERE "a""b" > 10;
CREATE INDEX items_cover ON "Sales Data"."Order Items" (customer_id) INCLUDE ("a""b");
CREATE TABLE shop.rooms (id int PRIMARY KEY, name text UNIQUE);
CREATE TABLE shop.bookings (
    id int PRIMARY KEY,
    room int REFERENCES shop.rooms (id),
    during tsrange,
    EXCLUDE USING gist (during WITH &&)
);
CREATE TABLE shop.notes (id int REFERENCES shop.bookings (id) ON UPDATE SET NULL, body text);
ALTER TABLE shop.notes ADD CONSTRAINT notes_body_check CHECK (body <> '') NOT VALID;
CREATE TABLE shop.events (id int NOT NULL, at date NOT NULL, kind text NOT NULL, payload jsonb)
    PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (kind);
CREATE TABLE shop."events_2024_Click" PARTITION OF shop.events_2024 FOR VALUES IN ('click');
CREATE TABLE shop.events_2024_other PARTITION OF shop.events_2024 DEFAULT;
CREATE TABLE shop.events_default PARTITION OF shop.events DEFAULT;
CREATE INDEX events_at ON shop.events (at);
ALTER TABLE shop.events ADD PRIMARY KEY (id, at, kind);
CREATE TABLE shop.base (id int, note text);
CREATE TABLE shop.child (extra int) INHERITS (shop.base);
ALTER TABLE shop.base SET (fillfactor = 70);
CREATE UNLOGGED TABLE shop.scratch (x int);
CREATE TABLE shop."select" ("order" int, "group" text);
CREATE SEQUENCE shop.s1 AS integer INCREMENT 5 START 100 MINVALUE 1 MAXVALUE 100000 CACHE 10 CYCLE;
SELECT nextval('shop.s1'), nextval('shop.s1');
CREATE SEQUENCE shop.s2 OWNED BY shop.scratch.x;
CREATE FUNCTION shop.add(a integer, b integer DEFAULT 1) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT a + b $$;
CREATE FUNCTION shop.squares(n int, OUT i int, OUT sq int) RETURNS SETOF record
    LANGUAGE sql ROWS 50 AS $$ SELECT g, g * g FROM generate_series(1, n) g $$;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = shop, pg_temp AS $$ BEGIN NEW.created := now(); RETURN NEW; END $$;
CREATE FUNCTION shop.audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE FUNCTION shop.label(m shop.mood) RETURNS text LANGUAGE sql STABLE AS $$ SELECT m::text $$;
CREATE FUNCTION shop.total(c shop.customers) RETURNS numeric LANGUAGE sql AS $$ SELECT c.balance $$;
CREATE PROCEDURE shop.bump(INOUT x int) LANGUAGE plpgsql AS $$ BEGIN x := x + 1; END $$;
CREATE AGGREGATE shop.concat_all(text) (SFUNC = textcat, STYPE = text, INITCOND = '');
INSERT INTO shop.rooms VALUES (1, 'one'), (2, 'two');
INSERT INTO shop.bookings VALUES (1, 1, '[2024-01-01, 2024-01-02)'), (2, 2, '[2024-02-01, 2024-02-02)');
INSERT INTO shop.notes VALUES (1, 'first');
INSERT INTO shop.customers (name, email, balance) VALUES ('ann', 'ann@example.com', 1), ('bob', NULL, 2);
INSERT INTO "Sales Data"."Order Items" (customer_id, "a""b", "select") VALUES (1, 11, 'X'), (2, 3, 'y');
INSERT INTO shop.events VALUES (1, '2024-03-01', 'click', '{}'), (2, '2023-03-01', 'view', NULL);
CREATE TRIGGER touch_row BEFORE INSERT OR UPDATE ON shop.customers
    FOR EACH ROW WHEN (NEW.balance > 0) EXECUTE FUNCTION shop.touch();
CREATE TRIGGER audit_stmt AFTER INSERT ON shop.customers FOR EACH STATEMENT EXECUTE FUNCTION shop.audit();
ALTER TABLE shop.customers DISABLE TRIGGER audit_stmt;
CREATE TRIGGER events_upd BEFORE UPDATE ON shop.events FOR EACH ROW EXECUTE FUNCTION shop.audit();
ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop.customers FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON shop.customers FOR SELECT TO "App User", reader USING (name = current_user::text);
CREATE POLICY no_negative ON shop.customers AS RESTRICTIVE FOR INSERT WITH CHECK (balance >= 0);
CREATE VIEW shop.paying WITH (security_barrier) AS
    SELECT id, name, balance FROM shop.customers WHERE balance > 0 WITH CHECK OPTION;
CREATE VIEW shop.paying_names AS SELECT name FROM shop.paying;
CREATE MATERIALIZED VIEW shop.counts AS SELECT count(*) AS n FROM shop.bookings;
CREATE UNIQUE INDEX counts_n ON shop.counts (n);
CREATE MATERIALIZED VIEW shop.empty_mv AS SELECT 1 AS one WITH NO DATA;
CREATE PUBLICATION pub_some FOR TABLE shop.customers, "Sales Data"."Order Items"
    WITH (publish = 'insert, update');
GRANT USAGE ON SCHEMA shop TO reader;
GRANT CREATE ON SCHEMA shop TO "App User", "a""b";
GRANT SELECT ON shop.customers TO reader;
GRANT UPDATE (name) ON shop.customers TO reader WITH GRANT OPTION;
GRANT SELECT, INSERT ON "Sales Data"."Order Items" TO "a""b";
GRANT USAGE ON SEQUENCE shop.s1 TO reader;
REVOKE EXECUTE ON FUNCTION shop.add(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shop.add(integer, integer) TO reader;
GRANT USAGE ON TYPE shop.mood TO reader;
GRANT SELECT ON shop.paying_names TO "Ünïcode Rôle";
ALTER DEFAULT PRIVILEGES IN SCHEMA shop GRANT SELECT ON TABLES TO reader;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
COMMENT ON SCHEMA shop IS 'the shop';
COMMENT ON TABLE shop.customers IS 'who buys';
COMMENT ON COLUMN shop.customers.name IS 'it''s a name';
COMMENT ON INDEX "Sales Data".items_lower_select IS 'partial';
COMMENT ON FUNCTION shop.add(integer, integer) IS 'adds';
COMMENT ON TYPE shop.mood IS 'how it feels';
COMMENT ON CONSTRAINT notes_body_check ON shop.notes IS 'not empty';
COMMENT ON TRIGGER touch_row ON shop.customers IS 'stamps';
COMMENT ON POLICY own_rows ON shop.customers IS 'own rows';
COMMENT ON VIEW shop.paying IS 'paying customers';
ALTER TABLE shop.customers REPLICA IDENTITY FULL;
RESET ROLE;
-- What only a superuser may make.
CREATE FUNCTION shop.plus(integer, integer) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'int4pl';
CREATE FUNCTION shop.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER ddl_audit ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION shop.on_ddl();
CREATE PUBLICATION pub_all FOR ALL TABLES;
ALTER TABLE shop."select" OWNER TO "a""b";
ALTER TABLE shop.rooms OWNER TO "App User";
