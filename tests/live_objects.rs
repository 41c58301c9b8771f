//! Live: schema objects read from 13, 15 and 17, and their diff.
//!
//! One rich schema (every kind of object pgparity reads, names that need quoting, two-level
//! partitioning, inheritance, RLS) is loaded on each version. Reading a server and diffing it
//! with itself gives no object finding; the same schema dumped from 13 with `pg_dump -Fc` and
//! restored into 15 and 17 gives none either; and each of the deliberate single changes in
//! [`CHANGES`], made in its own copy of the restored database, gives exactly the findings it
//! should.

mod support;

use pgparity::catalog::Snapshot;
use std::process::Command;
use support::{client, object_findings, objects, pgparity, Cluster};

const ROLES_SQL: &str = r#"CREATE ROLE "App User" LOGIN; CREATE ROLE reader; CREATE ROLE "a""b";"#;

const SCHEMA_SQL: &str = r#"
CREATE SCHEMA app AUTHORIZATION "App User";
CREATE SCHEMA "Sales Data";
CREATE EXTENSION citext SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1 CONSTRAINT positive CHECK (VALUE > 0);
CREATE TYPE app.addr AS (street text, zip varchar(10) COLLATE "C");
CREATE TYPE app.floatrange AS RANGE (subtype = float8);
CREATE TABLE app.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name app.citext NOT NULL,
    email text COLLATE "C" UNIQUE,
    mood app.mood DEFAULT 'ok',
    n app.posint,
    total numeric(10, 2) DEFAULT 0,
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED,
    tags text[],
    home app.addr,
    created timestamptz DEFAULT now()
);
CREATE TABLE "Sales Data"."Order Items" (
    id serial PRIMARY KEY,
    customer_id bigint REFERENCES app.customers (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    "a""b" int CHECK ("a""b" > 0),
    "select" varchar(40),
    "naïve_tëst" text
);
CREATE INDEX items_partial ON "Sales Data"."Order Items" (lower("select")) WHERE "a""b" > 10;
CREATE INDEX items_include ON "Sales Data"."Order Items" (customer_id) INCLUDE ("a""b");
CREATE TABLE app.bookings (id int PRIMARY KEY, room int, during tsrange,
    EXCLUDE USING gist (during WITH &&));
CREATE TABLE app.refs (id int REFERENCES app.bookings (id) ON UPDATE SET NULL, note text);
ALTER TABLE app.refs ADD CONSTRAINT refs_note_check CHECK (note <> '') NOT VALID;
CREATE TABLE app.events (id int, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (kind);
CREATE TABLE app."events_2024_Click" PARTITION OF app.events_2024 FOR VALUES IN ('click');
CREATE TABLE app.events_default PARTITION OF app.events DEFAULT;
CREATE INDEX ON app.events (at);
ALTER TABLE app.events ADD PRIMARY KEY (id, at, kind);
CREATE TABLE app.base (id int, note text);
CREATE TABLE app.child (extra int) INHERITS (app.base);
ALTER TABLE app.base SET (fillfactor = 70);
CREATE UNLOGGED TABLE app.scratch (x int);
CREATE TABLE app."select" ("order" int);
ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.customers FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON app.customers FOR SELECT TO "App User", reader USING (name = current_user::text);
CREATE POLICY restrict_ins ON app.customers AS RESTRICTIVE FOR INSERT WITH CHECK (total >= 0);
CREATE VIEW app.v_customers WITH (security_barrier) AS
    SELECT id, name FROM app.customers WHERE total > 0 WITH CHECK OPTION;
CREATE MATERIALIZED VIEW app.mv AS SELECT count(*) AS n FROM app.customers;
CREATE UNIQUE INDEX mv_n ON app.mv (n);
CREATE MATERIALIZED VIEW app.mv_empty AS SELECT 1 AS one WITH NO DATA;
CREATE SEQUENCE app.s1 AS integer INCREMENT 5 START 100 MINVALUE 1 MAXVALUE 100000 CACHE 10 CYCLE;
SELECT nextval('app.s1');
CREATE SEQUENCE app.s2 OWNED BY app.scratch.x;
CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT a + b $$;
CREATE FUNCTION app.series(n int, OUT i int, OUT sq int) RETURNS SETOF record
    LANGUAGE sql ROWS 50 AS $$ SELECT g, g * g FROM generate_series(1, n) g $$;
CREATE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = app, public AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION app.plus(integer, integer) RETURNS integer
    LANGUAGE internal IMMUTABLE STRICT AS 'int4pl';
CREATE PROCEDURE app.p(INOUT x int) LANGUAGE plpgsql AS $$ BEGIN x := x + 1; END $$;
CREATE AGGREGATE app.concat_agg(text) (SFUNC = textcat, STYPE = text, INITCOND = '');
CREATE TRIGGER t1 BEFORE INSERT OR UPDATE ON app.customers
    FOR EACH ROW WHEN (NEW.total > 0) EXECUTE FUNCTION app.trg();
CREATE TRIGGER t2 AFTER INSERT ON app.customers FOR EACH STATEMENT EXECUTE FUNCTION app.trg();
ALTER TABLE app.customers DISABLE TRIGGER t2;
CREATE TRIGGER t3 BEFORE UPDATE ON app.events FOR EACH ROW EXECUTE FUNCTION app.trg();
CREATE FUNCTION app.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER audit ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION app.evt();
CREATE PUBLICATION pub_all FOR ALL TABLES;
CREATE PUBLICATION pub_some FOR TABLE app.customers, "Sales Data"."Order Items"
    WITH (publish = 'insert, update');
GRANT USAGE ON SCHEMA app TO reader;
GRANT SELECT ON app.customers TO reader;
GRANT UPDATE (name) ON app.customers TO reader WITH GRANT OPTION;
GRANT SELECT, INSERT ON "Sales Data"."Order Items" TO "a""b";
GRANT USAGE ON SEQUENCE app.s1 TO reader;
REVOKE EXECUTE ON FUNCTION app.add(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.add(integer, integer) TO reader;
GRANT USAGE ON TYPE app.mood TO reader;
ALTER DEFAULT PRIVILEGES FOR ROLE "App User" IN SCHEMA app GRANT SELECT ON TABLES TO reader;
ALTER DEFAULT PRIVILEGES FOR ROLE "App User" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
COMMENT ON SCHEMA app IS 'app schema';
COMMENT ON TABLE app.customers IS 'the customers';
COMMENT ON COLUMN app.customers.name IS 'it''s a name';
COMMENT ON INDEX "Sales Data".items_partial IS 'partial';
COMMENT ON FUNCTION app.add(integer, integer) IS 'adds';
COMMENT ON TYPE app.mood IS 'how it feels';
COMMENT ON CONSTRAINT refs_note_check ON app.refs IS 'not empty';
COMMENT ON TRIGGER t1 ON app.customers IS 'checks';
COMMENT ON POLICY own ON app.customers IS 'own rows';
COMMENT ON VIEW app.v_customers IS 'paying customers';
ALTER TABLE app.customers REPLICA IDENTITY FULL;
ALTER TABLE app.customers OWNER TO "App User";
ALTER TABLE app."select" OWNER TO "a""b";
INSERT INTO app.customers (name, total) VALUES ('a', 1), ('b', 2);
"#;

/// One deliberate change and the findings it must give: (code, object kind, object name).
struct Change {
    sql: &'static str,
    expect: &'static [(&'static str, &'static str, &'static str)],
}

const CHANGES: &[Change] = &[
    Change {
        sql: "ALTER TABLE app.customers ALTER COLUMN created TYPE timestamp",
        expect: &[("object.changed", "column", "app.customers.created")],
    },
    Change {
        sql: "ALTER TABLE app.customers ALTER COLUMN mood SET DEFAULT 'happy'",
        expect: &[("object.changed", "column", "app.customers.mood")],
    },
    Change {
        sql: "ALTER TABLE app.customers ALTER COLUMN total DROP DEFAULT",
        expect: &[("object.changed", "column", "app.customers.total")],
    },
    Change {
        sql: r#"ALTER TABLE "Sales Data"."Order Items" ALTER COLUMN "naïve_tëst" SET NOT NULL"#,
        expect: &[(
            "object.changed",
            "column",
            r#""Sales Data"."Order Items"."naïve_tëst""#,
        )],
    },
    Change {
        sql: "ALTER TABLE app.scratch ADD COLUMN y int",
        expect: &[("object.extra", "column", "app.scratch.y")],
    },
    Change {
        sql: "ALTER TABLE app.child DROP COLUMN extra",
        expect: &[("object.missing", "column", "app.child.extra")],
    },
    Change {
        sql: r#"ALTER TABLE app.customers ALTER COLUMN email TYPE text COLLATE "POSIX""#,
        expect: &[("object.changed", "column", "app.customers.email")],
    },
    Change {
        sql: "ALTER TABLE app.customers ALTER COLUMN id SET GENERATED BY DEFAULT",
        expect: &[("object.changed", "column", "app.customers.id")],
    },
    Change {
        sql: r#"DROP INDEX "Sales Data".items_partial"#,
        expect: &[(
            "object.missing",
            "index",
            r#"items_partial ON "Sales Data"."Order Items""#,
        )],
    },
    Change {
        sql: r#"DROP INDEX "Sales Data".items_include;
                CREATE INDEX items_include ON "Sales Data"."Order Items" (customer_id)"#,
        expect: &[(
            "object.changed",
            "index",
            r#"items_include ON "Sales Data"."Order Items""#,
        )],
    },
    Change {
        sql: "CREATE INDEX scratch_x ON app.scratch (x)",
        expect: &[("object.extra", "index", "scratch_x ON app.scratch")],
    },
    Change {
        sql: "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'app.mv_n'::regclass",
        expect: &[("object.changed", "index", "mv_n ON app.mv")],
    },
    Change {
        sql: r#"ALTER TABLE "Sales Data"."Order Items" DROP CONSTRAINT "Order Items_a""b_check""#,
        expect: &[(
            "object.missing",
            "constraint",
            r#""Order Items_a""b_check" ON "Sales Data"."Order Items""#,
        )],
    },
    Change {
        sql: "ALTER TABLE app.refs DROP CONSTRAINT refs_id_fkey;
              ALTER TABLE app.refs ADD CONSTRAINT refs_id_fkey FOREIGN KEY (id)
                  REFERENCES app.bookings (id) ON UPDATE CASCADE",
        expect: &[("object.changed", "constraint", "refs_id_fkey ON app.refs")],
    },
    Change {
        sql: "ALTER TABLE app.refs VALIDATE CONSTRAINT refs_note_check",
        expect: &[(
            "object.changed",
            "constraint",
            "refs_note_check ON app.refs",
        )],
    },
    Change {
        sql: "CREATE OR REPLACE VIEW app.v_customers WITH (security_barrier) AS
                  SELECT id, name FROM app.customers WHERE total > 1 WITH CHECK OPTION",
        expect: &[("object.changed", "view", "app.v_customers")],
    },
    Change {
        sql: "DROP VIEW app.v_customers",
        expect: &[("object.missing", "view", "app.v_customers")],
    },
    Change {
        sql: "REFRESH MATERIALIZED VIEW app.mv_empty",
        expect: &[("object.changed", "materialized view", "app.mv_empty")],
    },
    Change {
        sql: "ALTER TABLE app.customers DISABLE TRIGGER t1",
        expect: &[("object.changed", "trigger", "t1 ON app.customers")],
    },
    Change {
        sql: "ALTER TABLE app.customers ENABLE REPLICA TRIGGER t2",
        expect: &[("object.changed", "trigger", "t2 ON app.customers")],
    },
    Change {
        sql: "DROP TRIGGER t3 ON app.events",
        expect: &[("object.missing", "trigger", "t3 ON app.events")],
    },
    Change {
        sql: "REVOKE SELECT ON app.customers FROM reader",
        expect: &[("object.privileges-differ", "table", "app.customers")],
    },
    Change {
        sql: "REVOKE UPDATE (name) ON app.customers FROM reader CASCADE",
        expect: &[("object.privileges-differ", "column", "app.customers.name")],
    },
    Change {
        sql: "GRANT EXECUTE ON FUNCTION app.add(integer, integer) TO PUBLIC",
        expect: &[(
            "object.privileges-differ",
            "function",
            "app.add(a integer, b integer)",
        )],
    },
    Change {
        sql: "ALTER TYPE app.mood ADD VALUE 'angry'",
        expect: &[("object.changed", "type", "app.mood")],
    },
    Change {
        sql: "ALTER DOMAIN app.posint DROP CONSTRAINT positive",
        expect: &[("object.changed", "domain", "app.posint")],
    },
    Change {
        sql: "ALTER TYPE app.addr ADD ATTRIBUTE city text",
        expect: &[("object.changed", "type", "app.addr")],
    },
    Change {
        sql: "CREATE OR REPLACE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
                  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT a + b + 0 $$",
        expect: &[(
            "object.changed",
            "function",
            "app.add(a integer, b integer)",
        )],
    },
    Change {
        sql: "ALTER FUNCTION app.add(integer, integer) STABLE",
        expect: &[(
            "object.changed",
            "function",
            "app.add(a integer, b integer)",
        )],
    },
    Change {
        sql: "ALTER FUNCTION app.trg() SECURITY INVOKER",
        expect: &[("object.changed", "function", "app.trg()")],
    },
    Change {
        sql: "DROP PROCEDURE app.p(int)",
        expect: &[("object.missing", "procedure", "app.p(INOUT x integer)")],
    },
    Change {
        sql: "ALTER SEQUENCE app.s1 INCREMENT BY 10",
        expect: &[("object.changed", "sequence", "app.s1")],
    },
    Change {
        // The sequence the table owns follows it.
        sql: "ALTER TABLE app.scratch OWNER TO reader",
        expect: &[
            ("object.owner-differs", "sequence", "app.s2"),
            ("object.owner-differs", "table", "app.scratch"),
        ],
    },
    Change {
        sql: "COMMENT ON TABLE app.customers IS 'other'",
        expect: &[("object.comment-differs", "table", "app.customers")],
    },
    Change {
        sql: "COMMENT ON COLUMN app.customers.name IS NULL",
        expect: &[("object.comment-differs", "column", "app.customers.name")],
    },
    Change {
        sql: "ALTER POLICY own ON app.customers TO reader",
        expect: &[("object.changed", "policy", "own ON app.customers")],
    },
    Change {
        sql: "DROP POLICY restrict_ins ON app.customers",
        expect: &[("object.missing", "policy", "restrict_ins ON app.customers")],
    },
    Change {
        sql: "ALTER TABLE app.customers NO FORCE ROW LEVEL SECURITY",
        expect: &[("object.changed", "table", "app.customers")],
    },
    Change {
        sql: "ALTER TABLE app.customers REPLICA IDENTITY DEFAULT",
        expect: &[("object.changed", "table", "app.customers")],
    },
    Change {
        sql: "ALTER TABLE app.base SET (fillfactor = 50)",
        expect: &[("object.changed", "table", "app.base")],
    },
    Change {
        sql: "ALTER TABLE app.scratch SET LOGGED",
        expect: &[("object.changed", "table", "app.scratch")],
    },
    Change {
        sql: "DROP TABLE app.\"select\"",
        expect: &[("object.missing", "table", "app.\"select\"")],
    },
    Change {
        sql: "CREATE TABLE app.newer (id int PRIMARY KEY)",
        expect: &[("object.extra", "table", "app.newer")],
    },
    Change {
        sql: "ALTER TABLE app.events DETACH PARTITION app.events_default",
        expect: &[("object.changed", "table", "app.events_default")],
    },
    Change {
        sql: "ALTER PUBLICATION pub_some DROP TABLE app.customers",
        expect: &[("object.changed", "publication", "pub_some")],
    },
    Change {
        sql: "ALTER EVENT TRIGGER audit DISABLE",
        expect: &[("object.changed", "event trigger", "audit")],
    },
    Change {
        sql: "ALTER DEFAULT PRIVILEGES FOR ROLE \"App User\" IN SCHEMA app
                  REVOKE SELECT ON TABLES FROM reader",
        expect: &[(
            "object.missing",
            "default privileges",
            "\"App User\" IN app ON TABLES",
        )],
    },
    Change {
        sql: "CREATE SCHEMA extra",
        expect: &[("object.extra", "schema", "extra")],
    },
];

/// Snapshot of a whole server through the CLI, read back.
fn snapshot(cluster: &Cluster, file: &str) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    let output = pgparity()
        .args(["snapshot", &cluster.conninfo("postgres"), "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "snapshot of PostgreSQL {} failed: {}",
        cluster.major,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn load(cluster: &Cluster, db: &str) {
    cluster.execute(ROLES_SQL);
    cluster.execute(&format!("CREATE DATABASE {db}"));
    cluster.execute_in(db, SCHEMA_SQL);
}

/// `pg_dump -Fc` of `db` on `from`, restored with pg_restore into a new `db` on `to`.
fn dump_restore(from: &Cluster, to: &Cluster, db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("dump.fc");
    let dump = Command::new(client("pg_dump"))
        .args(["-Fc", "-d", &from.conninfo_in("postgres", db), "-f"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    to.execute(ROLES_SQL);
    to.execute(&format!("CREATE DATABASE {db}"));
    let restore = Command::new(client("pg_restore"))
        .args(["--exit-on-error", "-d", &to.conninfo_in("postgres", db)])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        restore.status.success(),
        "pg_restore into {}: {}",
        to.major,
        String::from_utf8_lossy(&restore.stderr)
    );
}

#[test]
fn a_server_diffed_with_itself_has_no_object_findings_on_13_15_and_17() {
    for major in [13, 15, 17] {
        let cluster = Cluster::start(major);
        load(&cluster, "app");
        let snap = snapshot(&cluster, "self.json");
        let objects = objects(&snap, "app");
        assert!(objects
            .tables
            .contains_key("\"Sales Data\".\"Order Items\""));
        assert!(
            !objects.functions.keys().any(|f| f.contains("citext")),
            "citext's own functions are the extension's, not listed on {major}"
        );
        assert_eq!(object_findings(&snap, "app", &snap, "app"), vec![]);

        // And through the CLI, comparing the live server with itself.
        let output = pgparity()
            .args([
                "diff",
                &cluster.conninfo("postgres"),
                &cluster.conninfo("postgres"),
            ])
            .args(["--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let object_codes: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["code"].as_str())
            .filter(|c| c.starts_with("object."))
            .collect();
        assert_eq!(object_codes, Vec::<&str>::new(), "on {major}");
        assert_eq!(output.status.code(), Some(0), "on {major}");

        // Its dumps (plain and directory) diff with the live database to nothing
        // (pg_dump 15 dumps servers up to 15).
        if major <= 15 {
            let dir = tempfile::tempdir().unwrap();
            for (format, file) in [("p", "app.sql"), ("d", "app.dir")] {
                let path = dir.path().join(file);
                let dump = Command::new(client("pg_dump"))
                    .args([
                        "-F",
                        format,
                        "-d",
                        &cluster.conninfo_in("postgres", "app"),
                        "-f",
                    ])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(
                    dump.status.success(),
                    "{}",
                    String::from_utf8_lossy(&dump.stderr)
                );
                let output = pgparity()
                    .arg("diff")
                    .arg(&path)
                    .arg(cluster.conninfo_in("postgres", "app"))
                    .args(["--format", "json"])
                    .output()
                    .unwrap();
                let report: serde_json::Value = serde_json::from_slice(&output.stdout)
                    .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
                assert_eq!(
                    report["findings"],
                    serde_json::json!([]),
                    "{file} against the live database on {major}"
                );
                assert_eq!(output.status.code(), Some(0));
            }
        }
    }
}

#[test]
fn a_schema_dumped_from_13_and_restored_into_15_and_17_diffs_to_nothing_and_each_change_is_found() {
    let source = Cluster::start(13);
    load(&source, "app");
    let source_snapshot = snapshot(&source, "source.json");

    let v15 = Cluster::start(15);
    dump_restore(&source, &v15, "app");
    assert_eq!(
        object_findings(&source_snapshot, "app", &snapshot(&v15, "v15.json"), "app"),
        vec![],
        "13 → 15"
    );

    let v17 = Cluster::start(17);
    dump_restore(&source, &v17, "app");
    for (i, change) in CHANGES.iter().enumerate() {
        v17.execute(&format!("CREATE DATABASE c{i} TEMPLATE app"));
        v17.execute_in(&format!("c{i}"), change.sql);
    }
    let target = snapshot(&v17, "v17.json");
    assert_eq!(
        object_findings(&source_snapshot, "app", &target, "app"),
        vec![],
        "13 → 17"
    );
    assert!(CHANGES.len() >= 30);
    let mut wrong = Vec::new();
    for (i, change) in CHANGES.iter().enumerate() {
        let found = object_findings(&source_snapshot, "app", &target, &format!("c{i}"));
        let expected: Vec<(String, String, String)> = change
            .expect
            .iter()
            .map(|(c, k, n)| (c.to_string(), k.to_string(), n.to_string()))
            .collect();
        if found != expected {
            wrong.push(format!(
                "{}\n  expected {expected:?}\n  found    {found:?}",
                change.sql
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn check_names_objects_a_managed_target_cannot_take() {
    let cluster = Cluster::start(15);
    load(&cluster, "app");
    cluster.execute("CREATE ROLE azure_pg_admin");
    cluster.execute_in(
        "app",
        "CREATE TABLE app.provider_owned (x int); \
         ALTER TABLE app.provider_owned OWNER TO azure_pg_admin",
    );
    let output = pgparity()
        .args([
            "check",
            &cluster.conninfo("postgres"),
            "--profile",
            "azure-flexible",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let code = f["code"].as_str().unwrap();
            [
                "object.untrusted-language",
                "object.event-trigger",
                "object.owner-dropped",
            ]
            .contains(&code)
        })
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["object"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("object.event-trigger".to_owned(), "audit".to_owned()),
            (
                "object.owner-dropped".to_owned(),
                "azure_pg_admin".to_owned()
            ),
            (
                "object.untrusted-language".to_owned(),
                "app.plus(integer, integer)".to_owned()
            ),
        ]
    );
}
