//! The schema objects of a dump: the fixture dumps of `fixtures/schema/rich.sql` (written by
//! `scripts/make-schema-fixtures.sh` with pg_dump 15) read into the object model. The expected
//! values were read from the live PostgreSQL 15 database by hand (`format_type`,
//! `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`, `pg_get_triggerdef`,
//! `pg_get_function_*`, `aclexplode`), not from this reader's output. The live tests at the end
//! load rich.sql into throwaway servers, dump them, and check that the dump and the database
//! give equal objects.

mod support;

use pgparity::catalog::{qualified, quote_ident, Acl, Objects};
use pgparity::dump::{DumpCatalog, DumpEntry, ObjectsBuilder, PlainDump, PlainError};
use pgparity::introspect::objects::read_objects;
use pretty_assertions::assert_eq;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{client, Cluster};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/schema")
        .join(name)
}

/// Reads a plain dump from text.
fn read_text(text: &str, file: &str) -> Result<DumpCatalog, PlainError> {
    let dump = PlainDump::new(text.as_bytes(), file)?;
    let mut builder =
        ObjectsBuilder::new(dump.header().server_major(), dump.header().pg_dump_major());
    for entry in dump {
        builder.push(&entry?);
    }
    Ok(builder.finish())
}

/// Reads a plain dump fixture into a catalog.
fn read_plain(name: &str) -> DumpCatalog {
    read_plain_path(&fixture(name))
}

/// Reads a plain dump file into a catalog.
fn read_plain_path(path: &Path) -> DumpCatalog {
    let dump = PlainDump::open(path).expect("the dump opens");
    let mut builder =
        ObjectsBuilder::new(dump.header().server_major(), dump.header().pg_dump_major());
    for entry in dump {
        builder.push(&entry.expect("the dump reads"));
    }
    builder.finish()
}

/// An ACL from `grantee=PRIVILEGE` items.
fn acl(items: &[&str]) -> Acl {
    let mut acl = Acl::default();
    for item in items {
        let (grantee, privilege) = item.split_once('=').expect("grantee=PRIVILEGE");
        acl.grant(grantee, privilege);
    }
    acl
}

const PLAIN_FIXTURES: [&str; 4] = [
    "pg15.sql",
    "pg15-schema.sql",
    "pg15-inserts.sql",
    "pg15-create.sql",
];

#[test]
fn every_statement_of_the_fixture_dumps_is_understood() {
    for name in PLAIN_FIXTURES {
        let catalog = read_plain(name);
        assert_eq!(catalog.not_understood, vec![], "{name}");
        // The foreign table's wrapper and server are the only objects outside the model.
        assert_eq!(
            catalog.outside_model,
            BTreeMap::from([
                ("FOREIGN DATA WRAPPER".to_owned(), 1),
                ("SERVER".to_owned(), 1)
            ]),
            "{name}"
        );
        assert_eq!(catalog.objects.tables.len(), 21, "{name}");
        assert_eq!(catalog.objects.views.len(), 5, "{name}");
        assert_eq!(catalog.objects.sequences.len(), 9, "{name}");
        assert_eq!(catalog.objects.functions.len(), 16, "{name}");
        assert_eq!(catalog.objects.types.len(), 6, "{name}");
        assert_eq!(catalog.objects.publications.len(), 5, "{name}");
        assert_eq!(catalog.objects.event_triggers.len(), 2, "{name}");
        assert_eq!(catalog.objects.default_privileges.len(), 6, "{name}");
        assert_eq!(catalog.objects.languages.len(), 1, "{name}");
        // The four extensions, in their own schema, with none of their objects listed.
        assert_eq!(
            catalog.extensions.keys().collect::<Vec<_>>(),
            ["btree_gist", "citext", "hstore", "pg_trgm"],
            "{name}"
        );
        assert!(catalog
            .extensions
            .values()
            .all(|e| e.schema == "ext" && e.version.is_empty()));
        assert!(!catalog
            .objects
            .functions
            .keys()
            .any(|f| f.starts_with("ext.")));
        assert!(!catalog.objects.types.keys().any(|t| t.starts_with("ext.")));
    }
}

#[test]
fn row_counts_equal_the_true_counts_of_rows_tsv() {
    let truth: BTreeMap<String, u64> = std::fs::read_to_string(fixture("rows.tsv"))
        .unwrap()
        .lines()
        .map(|line| {
            let (table, rows) = line.split_once('\t').expect("table<TAB>rows");
            (table.to_owned(), rows.parse().expect("a count"))
        })
        .collect();
    assert_eq!(truth.len(), 18);
    for name in ["pg15.sql", "pg15-inserts.sql"] {
        let catalog = read_plain(name);
        let counted: BTreeMap<String, u64> = catalog
            .objects
            .tables
            .iter()
            .filter_map(|(key, table)| table.rows.map(|rows| (key.clone(), rows)))
            .collect();
        assert_eq!(counted, truth, "{name}");
        assert_eq!(catalog.large_objects, 2, "{name}");
    }
    // Partitioned and foreign tables have no data of their own.
    let catalog = read_plain("pg15.sql");
    assert_eq!(catalog.objects.tables["app.measurements"].rows, None);
    assert_eq!(catalog.objects.tables["app.legacy_customers"].rows, None);
    assert_eq!(catalog.objects.tables["app.empty_archive"].rows, Some(0));
}

#[test]
fn a_schema_only_dump_has_no_rows_sequence_values_or_populated_views() {
    let catalog = read_plain("pg15-schema.sql");
    assert!(catalog.objects.tables.values().all(|t| t.rows.is_none()));
    assert!(catalog
        .objects
        .sequences
        .values()
        .all(|s| s.last_value.is_none()));
    assert!(!catalog.objects.views["app.customer_spend"].populated);
    assert!(catalog.objects.views["app.active_customers"].populated);
    assert_eq!(catalog.large_objects, 0);
    assert_eq!(catalog.database, None);
    assert_eq!(
        read_plain("pg15-create.sql").database.as_deref(),
        Some("richdb")
    );
}

#[test]
fn columns_with_names_that_need_quoting() {
    let catalog = read_plain("pg15.sql");
    let table = &catalog.objects.tables["\"Sales Data\".\"Order Items\""];
    // SELECT attname, format_type(atttypid, atttypmod), attnotnull, pg_get_expr(adbin, adrelid),
    // attidentity, attcollation::regcollation
    let got: Vec<_> = table
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_name.as_str(),
                c.not_null,
                c.default.as_deref(),
                c.identity.as_deref(),
                c.collation.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("id", "integer", true, None, Some("ALWAYS"), None),
            ("order_id", "bigint", true, None, None, None),
            ("a\"b", "text", false, None, None, None),
            ("select", "integer", false, Some("0"), None, None),
            ("order", "integer", false, None, None, None),
            (
                "naïve_tëst",
                "text",
                false,
                None,
                None,
                Some("pg_catalog.\"C\"")
            ),
            ("qty", "app.positive_int", false, None, None, None),
            ("price", "numeric(10,2)", false, None, None, None),
            ("Mixed Case", "boolean", false, None, None, None),
        ]
    );
    assert_eq!(table.owned.owner, "App User");
    assert_eq!(table.owned.comment.as_deref(), Some("lines of an order"));
    assert_eq!(
        table.columns[2].comment.as_deref(),
        Some("a column with a quote")
    );
    assert_eq!(table.columns[5].comment.as_deref(), Some("ünïcödé"));
    let customers = &catalog.objects.tables["app.customers"];
    let generated = customers
        .columns
        .iter()
        .find(|c| c.name == "search_name")
        .unwrap();
    assert_eq!(generated.generated.as_deref(), Some("lower((name)::text)"));
    assert_eq!(generated.default, None);
    assert_eq!(
        customers.columns[0].default.as_deref(),
        Some("nextval('app.customer_seq'::regclass)")
    );
    // Inherited columns come first, in the parent's order; a merged one keeps its own default.
    let view_events = &catalog.objects.tables["app.view_events"];
    let got: Vec<_> = view_events
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_name.as_str(),
                c.not_null,
                c.default.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("event_id", "bigint", true, Some("1")),
            (
                "happened_at",
                "timestamp with time zone",
                true,
                Some("now()")
            ),
            ("payload", "jsonb", false, None),
            ("duration", "interval", false, None),
        ]
    );
    assert_eq!(view_events.inherits, ["app.events"]);
}

#[test]
fn definitions_are_postgresql_s_own_words() {
    let catalog = read_plain("pg15.sql");
    let o = &catalog.objects;
    let orders = &o.tables["app.orders"];
    assert_eq!(
        orders.constraints["orders_customer_fk"].definition,
        "FOREIGN KEY (customer_id) REFERENCES app.customers(customer_id) ON UPDATE RESTRICT ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
    );
    assert_eq!(orders.constraints["orders_customer_fk"].kind, "f");
    assert_eq!(
        orders.constraints["orders_customer_fk"].comment.as_deref(),
        Some("cascade on delete")
    );
    let payments = &o.tables["app.payments"];
    assert_eq!(
        payments.constraints["payments_order_fk"].definition,
        "FOREIGN KEY (order_id) REFERENCES app.orders(order_id) NOT VALID"
    );
    assert_eq!(
        payments.constraints["payments_amount_positive"].definition,
        "CHECK ((amount > (0)::numeric)) NOT VALID"
    );
    assert_eq!(
        o.tables["app.bookings"].constraints["bookings_no_overlap"].definition,
        "EXCLUDE USING gist (room_id WITH =, during WITH &&)"
    );
    assert_eq!(
        orders.indexes["orders_open_idx"].definition,
        "CREATE INDEX orders_open_idx ON app.orders USING btree (ordered_at) WHERE (status <> 'shipped'::text)"
    );
    assert_eq!(
        o.tables["app.customers"].indexes["customers_name_trgm"].definition,
        "CREATE INDEX customers_name_trgm ON app.customers USING gin (name ext.gin_trgm_ops)"
    );
    assert_eq!(
        o.tables["app.measurements"].indexes["measurements_value_idx"].definition,
        "CREATE INDEX measurements_value_idx ON ONLY app.measurements USING btree (value)"
    );
    let touch = &orders.triggers["orders_touch"];
    assert_eq!(
        touch.definition,
        "CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION app.touch_ordered_at()"
    );
    assert_eq!(touch.enabled, "O");
    assert_eq!(orders.triggers["orders_log"].enabled, "D");
    let customers = &o.tables["app.customers"];
    assert_eq!(customers.triggers["customers_replica"].enabled, "R");
    assert_eq!(customers.triggers["customers_always"].enabled, "A");
    let big_orders = &o.views["app.big_orders"];
    assert_eq!(
        big_orders.definition,
        " SELECT orders.order_id,\n    orders.customer_id,\n    orders.total\n   FROM app.orders\n  WHERE (orders.total > (100)::numeric)"
    );
    assert_eq!(big_orders.options, ["check_option=local"]);
    assert_eq!(
        o.views["app.active_customers"].options,
        ["security_barrier=true"]
    );
    assert!(o.views["app.customer_spend"].populated);
    assert!(!o.views["app.order_stats"].populated);
    assert!(o.views["app.customer_spend"]
        .indexes
        .contains_key("customer_spend_pk"));
    let documents = &o.tables["app.documents"];
    let no_secret = &documents.policies["documents_no_secret"];
    assert_eq!(
        (
            no_secret.command.as_str(),
            no_secret.permissive,
            no_secret.roles.clone()
        ),
        (
            "SELECT",
            false,
            vec!["\"App User\"".to_owned(), "app_reader".to_owned()]
        )
    );
    assert_eq!(no_secret.using.as_deref(), Some("(NOT secret)"));
    let insert = &documents.policies["documents_insert"];
    assert_eq!(insert.command, "INSERT");
    assert_eq!(insert.using, None);
    assert_eq!(
        insert.with_check.as_deref(),
        Some("(owner_name = CURRENT_USER)")
    );
    assert_eq!(documents.policies["documents_owner"].roles, ["PUBLIC"]);
    assert!(documents.row_security && documents.force_row_security);
    assert_eq!(documents.replica_identity, "full");
    assert_eq!(customers.replica_identity, "index customers_code_uk");
    assert_eq!(customers.options, ["fillfactor=80"]);
    let session_cache = &o.tables["app.session_cache"];
    assert!(session_cache.unlogged);
    assert_eq!(session_cache.replica_identity, "nothing");
    // The TOAST table's option is not the table's reloptions.
    assert_eq!(session_cache.options, ["autovacuum_enabled=false"]);
}

#[test]
fn partitions_sequences_functions_and_types() {
    let catalog = read_plain("pg15.sql");
    let o = &catalog.objects;
    let level2 = &o.tables["app.measurements_2023"];
    assert_eq!(level2.kind, "partitioned table");
    assert_eq!(level2.partition_key.as_deref(), Some("LIST (region)"));
    assert_eq!(
        level2.partition_of,
        Some((
            "app.measurements".to_owned(),
            "FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')".to_owned()
        ))
    );
    assert_eq!(
        o.tables["app.measurements_2023_us"].partition_of,
        Some((
            "app.measurements_2023".to_owned(),
            "FOR VALUES IN ('us', 'ca')".to_owned()
        ))
    );
    assert_eq!(
        o.tables["app.measurements_2023_other"]
            .partition_of
            .as_ref()
            .map(|p| p.1.as_str()),
        Some("DEFAULT")
    );
    let seq = &o.sequences["app.customer_seq"];
    assert_eq!(
        (
            seq.data_type.as_str(),
            seq.start,
            seq.increment,
            seq.min,
            seq.max,
            seq.cache,
            seq.cycle
        ),
        ("integer", 1000, 5, 1000, 9_999_999, 10, true)
    );
    assert_eq!(seq.last_value, Some(1995));
    assert_eq!(seq.owned_by.as_deref(), Some("app.customers.customer_id"));
    assert_eq!(o.sequences["app.never_used_seq"].last_value, None);
    assert_eq!(o.sequences["app.countdown_seq"].last_value, Some(-5));
    let identity = &o.sequences["\"Sales Data\".\"Order Items_id_seq\""];
    assert!(identity.identity);
    assert_eq!(
        identity.owned_by.as_deref(),
        Some("\"Sales Data\".\"Order Items\".id")
    );
    let split = &o.functions
        ["app.split_name(full_name text, sep text, OUT first_name text, OUT last_name text)"];
    assert_eq!(
        split.arguments,
        "full_name text, sep text DEFAULT ' '::text, OUT first_name text, OUT last_name text"
    );
    assert_eq!(split.result.as_deref(), Some("record"));
    assert_eq!((split.cost.as_str(), split.rows.as_str()), ("10", "0"));
    let orders_for =
        &o.functions["app.orders_for(p_customer integer, OUT order_id bigint, OUT total numeric)"];
    assert_eq!(orders_for.result.as_deref(), Some("SETOF record"));
    assert_eq!(
        (orders_for.volatility.as_str(), orders_for.rows.as_str()),
        ("STABLE", "20")
    );
    let demo = &o.functions["app.settings_demo(double precision, timestamp without time zone)"];
    assert_eq!(
        demo.config,
        ["work_mem=8MB", "search_path=\"Sales Data\", public"]
    );
    assert_eq!(demo.language, "plfake");
    let touch = &o.functions["app.touch_ordered_at()"];
    assert!(touch.security_definer);
    assert_eq!(touch.config, ["search_path=app, pg_temp"]);
    let handler = &o.functions["app.plfake_call_handler()"];
    assert_eq!(handler.body, "$libdir/plpgsql, plpgsql_call_handler");
    assert_eq!(handler.cost, "1");
    let procedure =
        &o.functions["app.archive_orders(IN before timestamp with time zone, INOUT moved integer)"];
    assert_eq!(procedure.kind, "procedure");
    assert_eq!(procedure.result, None);
    let aggregate = &o.functions["app.pipe_concat(text)"];
    assert_eq!(aggregate.kind, "aggregate");
    assert_eq!(
        aggregate.body,
        "SFUNC = app.text_concat_state, STYPE = text, INITCOND = ''"
    );
    assert_eq!(
        o.functions["app.customer_count()"].body,
        "BEGIN ATOMIC\n SELECT count(*) AS count\n    FROM app.customers;\nEND"
    );
    let positive = &o.types["app.positive_int"];
    assert_eq!(
        (
            positive.kind.as_str(),
            positive.base.as_deref(),
            positive.not_null,
            positive.default.as_deref()
        ),
        ("domain", Some("integer"), true, Some("1"))
    );
    let email = &o.types["app.email"];
    assert_eq!(
        email.constraints,
        BTreeMap::from([
            (
                "email_has_at".to_owned(),
                "CHECK ((VALUE OPERATOR(ext.~) '@'::ext.citext))".to_owned()
            ),
            (
                "email_short".to_owned(),
                "CHECK ((length((VALUE)::text) < 200)) NOT VALID".to_owned()
            ),
        ])
    );
    assert_eq!(
        o.types["app.country_code"].default.as_deref(),
        Some("'US'::text")
    );
    assert_eq!(
        o.types["app.mood"].labels,
        ["sad", "ok", "happy", "it's complicated"]
    );
    assert_eq!(
        o.types["app.address"].attributes[2],
        ("zip".to_owned(), "text COLLATE pg_catalog.\"C\"".to_owned())
    );
    assert_eq!(
        o.types["app.floatrange"].base.as_deref(),
        Some("double precision")
    );
}

#[test]
fn privileges_replay_to_what_aclexplode_says() {
    let catalog = read_plain("pg15.sql");
    let o = &catalog.objects;
    // relacl {app_reader=r/app_owner,app_owner=arwd/app_owner,app_writer=ar/app_owner}
    assert_eq!(
        o.tables["app.documents"].owned.acl,
        acl(&[
            "app_owner=INSERT",
            "app_owner=SELECT",
            "app_owner=UPDATE",
            "app_owner=DELETE",
            "app_reader=SELECT",
            "app_writer=INSERT",
            "app_writer=SELECT",
        ])
    );
    // attacl of name {"App User"=r}, of email {"App User"=rw}
    let customers = &o.tables["app.customers"];
    let column_acl = |name: &str| {
        customers
            .columns
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .acl
            .clone()
    };
    assert_eq!(column_acl("name"), acl(&["\"App User\"=SELECT"]));
    assert_eq!(
        column_acl("email"),
        acl(&["\"App User\"=SELECT", "\"App User\"=UPDATE"])
    );
    assert_eq!(column_acl("code"), Acl::default());
    // nspacl {"App User"=UC, app_reader=U, app_writer=C*}
    assert_eq!(
        o.schemas["\"Sales Data\""].owned.acl,
        acl(&[
            "\"App User\"=USAGE",
            "\"App User\"=CREATE",
            "app_reader=USAGE",
            "app_writer=CREATE*"
        ])
    );
    // typacl {app_owner=U, "App User"=U}: PUBLIC revoked
    assert_eq!(
        o.types["app.address"].owned.acl,
        acl(&["app_owner=USAGE", "\"App User\"=USAGE"])
    );
    // No entry in the dump: acldefault (owner and PUBLIC may execute).
    assert_eq!(
        o.functions["app.concat_all(VARIADIC parts text[])"]
            .owned
            .acl,
        acl(&["app_owner=EXECUTE", "PUBLIC=EXECUTE"])
    );
    assert_eq!(
        o.functions["app.add(a integer, b integer)"].owned.acl,
        acl(&["app_owner=EXECUTE", "app_reader=EXECUTE"])
    );
    assert_eq!(
        o.languages["plfake"].owned.acl,
        acl(&["app_owner=USAGE", "app_writer=USAGE"])
    );
    // The public schema pg_dump leaves out, as initdb made it.
    let public = &o.schemas["public"];
    assert_eq!(public.owned.owner, "pg_database_owner");
    assert_eq!(
        public.owned.acl,
        acl(&[
            "pg_database_owner=USAGE",
            "pg_database_owner=CREATE",
            "PUBLIC=USAGE"
        ])
    );
    // pg_default_acl: per schema, only what was granted; for all schemas, the whole ACL.
    let defaults = &o.default_privileges;
    assert_eq!(
        defaults["\"App User\" IN \"Sales Data\" ON TABLES"].acl,
        acl(&["app_writer=INSERT*", "app_writer=SELECT*"])
    );
    assert_eq!(
        defaults["app_owner ON FUNCTIONS"].acl,
        acl(&["app_owner=EXECUTE"])
    );
    assert_eq!(
        defaults["app_owner ON TYPES"].acl,
        acl(&["PUBLIC=USAGE", "app_owner=USAGE", "\"App User\"=USAGE"])
    );
    assert_eq!(
        defaults["\"App User\" ON SCHEMAS"].acl,
        acl(&[
            "app_reader=USAGE",
            "\"App User\"=USAGE",
            "\"App User\"=CREATE"
        ])
    );
}

#[test]
fn publications_and_event_triggers() {
    let catalog = read_plain("pg15.sql");
    let o = &catalog.objects;
    let filtered = &o.publications["pub_filtered"];
    assert_eq!(
        filtered.tables,
        BTreeMap::from([
            ("app.cities".to_owned(), String::new()),
            (
                "app.payments".to_owned(),
                "(payment_id, amount) WHERE ((amount > (10)::numeric))".to_owned()
            ),
        ])
    );
    assert_eq!(filtered.publish, "insert, update, delete, truncate");
    let all = &o.publications["pub_all"];
    assert!(all.all_tables);
    assert_eq!(all.publish, "insert, update");
    let measure = &o.publications["pub_measure"];
    assert!(measure.via_root);
    assert_eq!(measure.publish, "insert");
    assert_eq!(
        o.publications["pub_schema"]
            .schemas
            .iter()
            .collect::<Vec<_>>(),
        ["\"Sales Data\"", "audit"]
    );
    assert_eq!(o.publications["pub_orders"].owned.owner, "app_owner");
    let ddl = &o.event_triggers["audit_ddl"];
    assert_eq!(
        (
            ddl.event.as_str(),
            ddl.function.as_str(),
            ddl.enabled.as_str()
        ),
        ("ddl_command_end", "audit.log_ddl()", "D")
    );
    assert_eq!(ddl.tags, ["ALTER TABLE", "CREATE TABLE"]);
    assert_eq!(o.event_triggers["audit_drop"].enabled, "A");
}

#[test]
fn pg_restore_s_script_of_the_archives_reads_like_the_plain_dump() {
    let plain = read_plain("pg15.sql");
    let dir = tempfile::tempdir().unwrap();
    for archive in ["pg15.dump", "pg15.dir"] {
        let script = dir.path().join(format!("{archive}.sql"));
        let output = Command::new(client("pg_restore"))
            .arg("-f")
            .arg(&script)
            .arg(fixture(archive))
            .output()
            .expect("pg_restore runs");
        assert!(
            output.status.success(),
            "pg_restore {archive}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(read_plain_path(&script), plain, "{archive}");
    }
}

/// The major version at the start of a version string (`15.18 (Debian ...)`).
fn major_of(version: &str) -> Option<u32> {
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn the_archives_table_of_contents_gives_the_plain_dump_s_objects() {
    // The archive reader's entries carry no `ALTER ... OWNER TO` (pg_restore writes those from
    // the entry's owner) and no SET statements: the builder must not need them.
    let plain = read_plain("pg15.sql");
    for archive in ["pg15.dump", "pg15.dir"] {
        let archive = pgparity::dump::archive::open(&fixture(archive)).expect("the archive opens");
        let mut builder = ObjectsBuilder::new(
            major_of(&archive.server_version),
            major_of(&archive.dump_version),
        );
        for entry in archive.dump_entries(true).expect("the entries read") {
            builder.push(&entry);
        }
        let mut catalog = builder.finish();
        // An archive always holds its DATABASE entry (pg_restore writes it only with -C).
        assert_eq!(catalog.database.take().as_deref(), Some("richdb"));
        assert_eq!(catalog, plain, "{}", archive.path.display());
    }
}

#[test]
fn every_entry_of_the_archive_reader_s_fixtures_is_understood() {
    // fixtures/archives: one small schema dumped by pg_dump 15, 16 and 17 in every archive
    // flavour (src/dump/archive reads them).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/archives");
    let mut read = 0;
    for flavour in std::fs::read_dir(&root).unwrap() {
        let dir = flavour.unwrap().path();
        let path = if dir.join("archive.dump").is_file() {
            dir.join("archive.dump")
        } else if dir.join("archive/toc.dat").is_file() {
            dir.join("archive")
        } else {
            continue;
        };
        let archive = pgparity::dump::archive::open(&path).expect("the archive opens");
        let mut builder = ObjectsBuilder::new(
            major_of(&archive.server_version),
            major_of(&archive.dump_version),
        );
        for entry in archive.dump_entries(true).expect("the entries read") {
            builder.push(&entry);
        }
        let catalog = builder.finish();
        assert_eq!(catalog.not_understood, vec![], "{}", path.display());
        assert_eq!(catalog.large_objects, 2, "{}", path.display());
        assert!(!catalog.objects.tables.is_empty());
        read += 1;
    }
    assert!(read >= 13, "only {read} archive fixtures");
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

/// The first error reading `text` as a plain dump gives.
fn plain_error(text: &str) -> String {
    match read_text(text, "bad.sql") {
        Ok(_) => panic!("read without an error"),
        Err(e) => e.to_string(),
    }
}

/// The first `lines` lines of the plain fixture with data.
fn head(lines: usize) -> String {
    let text = std::fs::read_to_string(fixture("pg15.sql")).unwrap();
    text.lines().take(lines).map(|l| format!("{l}\n")).collect()
}

/// The 1-based line of the first line of the fixture that starts with `prefix`.
fn line_of(prefix: &str) -> usize {
    let text = std::fs::read_to_string(fixture("pg15.sql")).unwrap();
    text.lines()
        .position(|l| l.starts_with(prefix))
        .expect("the line is there")
        + 1
}

#[test]
fn a_file_that_is_not_a_plain_dump_is_refused_with_file_and_line() {
    assert_eq!(
        plain_error("SELECT 1;\n"),
        "bad.sql:1: a statement before the `-- PostgreSQL database dump` comment: not a pg_dump plain-format dump"
    );
    assert_eq!(
        plain_error("just some words\n"),
        "bad.sql:1: no `-- PostgreSQL database dump` comment: not a pg_dump plain-format dump"
    );
    let archive = std::fs::read(fixture("pg15.dump")).unwrap();
    let err = match PlainDump::new(archive.as_slice(), "pg15.dump") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an archive read as a plain dump"),
    };
    assert_eq!(err, "pg15.dump:1: not a UTF-8 text file (this is a pg_dump custom-format archive, not SQL text)");
    let roles = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/roles/community/passwords/roles.sql"),
    )
    .unwrap();
    assert_eq!(
        plain_error(&roles),
        "bad.sql:2: a pg_dumpall file (it holds several databases): give a dump of one database made by pg_dump"
    );
}

#[test]
fn a_truncated_dump_is_an_error_naming_where() {
    // Inside the COPY block of "Order Items": its data starts on the line after COPY.
    let copy = line_of("COPY \"Sales Data\".\"Order Items\"");
    assert_eq!(
        plain_error(&head(copy + 10)),
        format!("bad.sql:{}: COPY data (no terminating \\. line) starting here is never closed (the file may be truncated): COPY \"Sales Data\".\"Order Items\" (id, order_id, \"a\"\"b\", \"select\", \"order\", \"naïve …", copy + 1)
    );
    // Inside the dollar-quoted body of app.log_statement().
    let function = line_of("CREATE FUNCTION app.log_statement()");
    let err = plain_error(&head(function + 4));
    assert_eq!(
        err,
        format!("bad.sql:{}: dollar-quoted string $_$ starting here is never closed (the file may be truncated): CREATE FUNCTION app.log_statement() RETURNS trigger …", function + 2)
    );
    // Between two statements: pg_dump's closing comment is missing.
    let blob = line_of("SELECT pg_catalog.lo_create('424242');");
    assert_eq!(
        plain_error(&head(blob + 1)),
        format!("bad.sql:{blob}: the dump ends without pg_dump's closing `-- PostgreSQL database dump complete` comment: the file is truncated")
    );
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// pg_dump's opening comment, for dumps made up by the tests.
const DUMP_HEAD: &str = "--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.18\n-- Dumped by pg_dump version 15.18\n\n";
/// pg_dump's closing comment.
const DUMP_TAIL: &str = "\n--\n-- PostgreSQL database dump complete\n--\n";

/// An entry's header.
fn header(name: &str, desc: &str, schema: &str, owner: &str) -> String {
    format!("--\n-- Name: {name}; Type: {desc}; Schema: {schema}; Owner: {owner}\n--\n\n")
}

/// Names of every shape: reserved words, quotes, spaces, upper case, unicode, dots.
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,10}",
        Just("select".to_owned()),
        Just("order".to_owned()),
        Just("user".to_owned()),
        "[A-Za-z \"'.;éü0-9_-]{1,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A schema, table and column named anything come back under the keys `qualified` and
    /// `quote_ident` give, with the names unquoted where the model keeps them so.
    #[test]
    fn names_that_need_quoting_round_trip(schema in any_name(), table in any_name(), column in any_name(), owner in any_name()) {
        let q_schema = quote_ident(&schema);
        let q_table = qualified(&schema, &table);
        let q_column = quote_ident(&column);
        let q_owner = quote_ident(&owner);
        let text = format!(
            "{DUMP_HEAD}{}CREATE SCHEMA {q_schema};\nALTER SCHEMA {q_schema} OWNER TO {q_owner};\n\n{}CREATE TABLE {q_table} (\n    {q_column} integer NOT NULL\n);\nALTER TABLE {q_table} OWNER TO {q_owner};\n\n{}COMMENT ON COLUMN {q_table}.{q_column} IS 'it''s';\n{}GRANT SELECT({q_column}) ON TABLE {q_table} TO {q_owner};\n{DUMP_TAIL}",
            header(&schema, "SCHEMA", "-", &owner),
            header(&table, "TABLE", &schema, &owner),
            header(&format!("COLUMN {table}.{column}"), "COMMENT", &schema, &owner),
            header(&format!("COLUMN {table}.{column}"), "ACL", &schema, &owner),
        );
        let catalog = read_text(&text, "names.sql").expect("the made-up dump reads");
        prop_assert_eq!(catalog.not_understood, vec![]);
        prop_assert_eq!(&catalog.objects.schemas[&q_schema].owned.owner, &owner);
        let t = &catalog.objects.tables[&q_table];
        prop_assert_eq!(&t.owned.owner, &owner);
        prop_assert_eq!(&t.columns[0].name, &column);
        prop_assert_eq!(t.columns[0].comment.as_deref(), Some("it's"));
        prop_assert_eq!(&t.columns[0].acl, &acl(&[&format!("{q_owner}=SELECT")]));
    }

    /// Whatever the entries hold, the builder reads them without panicking, and what it does
    /// not understand it says.
    #[test]
    fn arbitrary_entries_never_panic(entries in prop::collection::vec((entry_desc(), sqlish(), "[a-z \"]{0,8}"), 0..8)) {
        let mut builder = ObjectsBuilder::new(Some(15), Some(15));
        for (position, (desc, sql, tag)) in entries.into_iter().enumerate() {
            builder.push(&DumpEntry {
                desc,
                tag,
                namespace: Some("app".to_owned()),
                owner: Some("o".to_owned()),
                sql,
                position: position as u64,
                rows: None,
            });
        }
        let catalog = builder.finish();
        for n in &catalog.not_understood {
            prop_assert!(!n.reason.is_empty());
        }
    }

    /// Whatever the text, reading it as a plain dump gives entries or an error, never a panic.
    #[test]
    fn arbitrary_text_never_panics(body in sqlish()) {
        let text = format!("{DUMP_HEAD}{}{body}{DUMP_TAIL}", header("t", "TABLE", "app", "o"));
        let _ = read_text(&text, "fuzz.sql");
        let _ = read_text(&body, "fuzz.sql");
    }
}

fn entry_desc() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "TABLE",
        "VIEW",
        "SEQUENCE",
        "SEQUENCE SET",
        "FUNCTION",
        "TYPE",
        "DOMAIN",
        "INDEX",
        "CONSTRAINT",
        "FK CONSTRAINT",
        "TRIGGER",
        "POLICY",
        "ACL",
        "COMMENT",
        "DEFAULT ACL",
        "PUBLICATION",
        "TABLE DATA",
        "SCHEMA",
        "EXTENSION",
        "SERVER",
        "RULE",
        "BLOB",
    ])
    .prop_map(str::to_owned)
}

/// Statements made of the pieces pg_dump's forms are made of, often broken.
fn sqlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("CREATE TABLE app.t (a integer NOT NULL DEFAULT 1, CONSTRAINT c CHECK ((a > 0))) ".to_owned()),
        Just("CREATE VIEW app.v AS\n SELECT 1 ".to_owned()),
        Just("ALTER TABLE ONLY app.t ".to_owned()),
        Just("ADD CONSTRAINT k PRIMARY KEY (a) ".to_owned()),
        Just("ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME app.s START WITH 1) ".to_owned()),
        Just("CREATE FUNCTION app.f(a integer DEFAULT 1, OUT b text) RETURNS SETOF record LANGUAGE sql ".to_owned()),
        Just("GRANT SELECT(a),UPDATE ON TABLE app.t TO PUBLIC WITH GRANT OPTION".to_owned()),
        Just("REVOKE ALL ON FUNCTION app.f(a integer) FROM ".to_owned()),
        Just("COMMENT ON COLUMN app.t.a IS ".to_owned()),
        Just("SELECT pg_catalog.setval('app.s', 1, true)".to_owned()),
        Just("CREATE SEQUENCE app.s AS integer START WITH ".to_owned()),
        Just("OWNER TO ".to_owned()),
        Just("CREATE TYPE app.e AS ENUM (".to_owned()),
        Just("CREATE POLICY p ON app.t AS RESTRICTIVE FOR SELECT TO a USING (".to_owned()),
        Just("ALTER DEFAULT PRIVILEGES FOR ROLE o IN SCHEMA app GRANT ALL ON TABLES TO x".to_owned()),
        Just("BEGIN ATOMIC SELECT 1; END".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("$$".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just(";\n".to_owned()),
        Just("\n--\n-- Name: x; Type: INDEX; Schema: app; Owner: o\n--\n".to_owned()),
        Just("COPY app.t (a) FROM stdin;\n1\n\\.\n".to_owned()),
        "[a-zA-Z_ ,=0-9\"().;:'-]{0,12}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

// ---------------------------------------------------------------------------------------------
// Live: the dump of a database and the database itself give the same objects
// ---------------------------------------------------------------------------------------------

/// Loads `rich.sql` into a new database `richdb` on `cluster`.
fn load_rich(cluster: &Cluster) {
    cluster.execute("CREATE DATABASE richdb");
    let output = Command::new(client("psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(cluster.conninfo_in("postgres", "richdb"))
        .arg("-f")
        .arg(fixture("rich.sql"))
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "rich.sql does not load on PostgreSQL {}: {}",
        cluster.major,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The pg_dump that can dump a server of `major`: the PostgreSQL 15 client up to 15, the 16
/// client of `scripts/fetch-postgres.sh`'s cache for 16, Debian's 17 client that
/// `scripts/make-archive-fixtures.sh` unpacks into the same cache for 17.
fn pg_dump_for(major: u32) -> PathBuf {
    if major <= 15 {
        return client("pg_dump");
    }
    let cache =
        std::env::var("PGPARITY_PG_CACHE").unwrap_or_else(|_| "/var/tmp/pgparity-pg".to_owned());
    let (path, how) = match major {
        16 => (
            "client/16/bin/pg_dump",
            "scripts/fetch-postgres.sh client16",
        ),
        _ => (
            "debian-trixie-client-17/bin/pg_dump",
            "scripts/fetch-postgres.sh client17",
        ),
    };
    let path = Path::new(&cache).join(path);
    assert!(path.is_file(), "{} not found: run {how}", path.display());
    path
}

/// `pg_dump` of `richdb` with `args`, into `file`.
fn pg_dump(cluster: &Cluster, args: &[&str], file: &Path) {
    let output = Command::new(pg_dump_for(cluster.major))
        .args(args)
        .arg("-d")
        .arg(cluster.conninfo_in("postgres", "richdb"))
        .arg("-f")
        .arg(file)
        .output()
        .expect("pg_dump runs");
    assert!(
        output.status.success(),
        "pg_dump {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The objects of `richdb`, read live in a read-only transaction.
fn live_objects(cluster: &Cluster) -> Objects {
    let conninfo = cluster.conninfo_in("postgres", "richdb");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
            .await
            .expect("connects to richdb");
        let driver = tokio::spawn(connection);
        client.batch_execute("BEGIN READ ONLY").await.unwrap();
        // One session twice: read_objects splits its queries over two when it has them.
        let objects = read_objects(&client, &client, cluster.major)
            .await
            .expect("objects read");
        client.batch_execute("COMMIT").await.unwrap();
        drop(client);
        let _ = driver.await;
        objects
    })
}

/// The objects as pretty JSON, one field per line, for a readable diff.
fn json(objects: &Objects) -> String {
    serde_json::to_string_pretty(objects).expect("objects serialize")
}

/// Loads rich.sql into a server of `major`, dumps it with pg_dump (plain with data, and `-s`)
/// and checks that both dumps give the objects the live server gives. With
/// `PGPARITY_DEBUG_DIR` set, both sides are written there as JSON, to diff when they differ.
fn dump_and_database_agree(major: u32) {
    let cluster = Cluster::start(major);
    load_rich(&cluster);
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.sql");
    let schema_only = dir.path().join("schema.sql");
    pg_dump(&cluster, &[], &full);
    pg_dump(&cluster, &["-s"], &schema_only);
    let live = live_objects(&cluster);

    // With data: everything but the row counts and sequence values, which a live read leaves
    // to `verify`.
    let dumped = read_plain_path(&full);
    assert_eq!(dumped.not_understood, vec![], "on {major}");
    let mut objects = dumped.objects;
    for table in objects.tables.values_mut() {
        table.rows = None;
    }
    for sequence in objects.sequences.values_mut() {
        sequence.last_value = None;
    }
    if let Ok(dir) = std::env::var("PGPARITY_DEBUG_DIR") {
        std::fs::write(format!("{dir}/dump{major}.json"), json(&objects)).unwrap();
        std::fs::write(format!("{dir}/live{major}.json"), json(&live)).unwrap();
    }
    assert_eq!(json(&objects), json(&live), "on {major}");

    // Schema only: no materialized view data either.
    let dumped = read_plain_path(&schema_only);
    assert_eq!(dumped.not_understood, vec![], "on {major}");
    let mut live = live;
    for view in live.views.values_mut() {
        view.populated = !view.materialized;
    }
    assert_eq!(json(&dumped.objects), json(&live), "on {major}");
}

#[test]
fn a_dump_and_the_database_it_was_taken_from_have_equal_objects_on_15() {
    dump_and_database_agree(15);
}

#[test]
fn a_dump_and_the_database_it_was_taken_from_have_equal_objects_on_16() {
    dump_and_database_agree(16);
}

#[test]
fn a_dump_and_the_database_it_was_taken_from_have_equal_objects_on_17() {
    dump_and_database_agree(17);
}

#[test]
fn a_dump_and_the_database_it_was_taken_from_have_equal_objects_on_13() {
    dump_and_database_agree(13);
}
