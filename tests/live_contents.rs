//! Live: what `read_contents` finds inside a database whose names need quoting, on
//! PostgreSQL 13 (postfix operators and the `anyarray` array functions still exist) and 17.
//! Every object an upgrade check rejects must be listed once under the right check, and
//! look-alikes that are fine (a `regclass` column, a table with a primary key, an aggregate
//! on the `anycompatible` functions, a table that belongs to an extension) not at all.

mod support;

use pgparity::catalog::{DatabaseContents, Incompatibility, InstalledExtension};
use pgparity::introspect::contents::read_contents;
use pretty_assertions::assert_eq;
use std::collections::BTreeMap;
use support::Cluster;

/// Objects every supported version allows.
const COMMON_SQL: &str = r#"
CREATE SCHEMA "App Schema";
CREATE EXTENSION pg_trgm SCHEMA "App Schema";
CREATE EXTENSION hstore SCHEMA "App Schema";
CREATE TABLE "App Schema".procs (id int PRIMARY KEY, "Handler" regproc, rel regclass);
CREATE INDEX handler_idx ON "App Schema".procs ("Handler");
CREATE MATERIALIZED VIEW "App Schema".proc_names AS SELECT "Handler" FROM "App Schema".procs;
CREATE DOMAIN "App Schema".op_list AS regoperator[];
CREATE TABLE "App Schema".ops (id int PRIMARY KEY, ops "App Schema".op_list);
CREATE TYPE "App Schema".search_conf AS (config regconfig, weight real);
CREATE TABLE "App Schema".searches (id int PRIMARY KEY, conf "App Schema".search_conf);
CREATE TABLE "App Schema".idents (id int PRIMARY KEY, name information_schema.sql_identifier);
CREATE TABLE "App Schema".grants (id int PRIMARY KEY, acl aclitem);
CREATE TABLE "App Schema".seen (id int PRIMARY KEY, entry pg_catalog.pg_config);
CREATE TABLE "App Schema".keyed (id int PRIMARY KEY, owner regrole, kind regtype, rel regclass);
CREATE TABLE "App Schema".no_key (note text);
CREATE TABLE "App Schema".events (at date) PARTITION BY RANGE (at);
CREATE TABLE "App Schema".events_2024 PARTITION OF "App Schema".events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE UNLOGGED TABLE "App Schema".scratch (id int PRIMARY KEY, payload text);
CREATE UNLOGGED TABLE "App Schema".ext_owned (note text);
ALTER EXTENSION hstore ADD TABLE "App Schema".ext_owned;
CREATE CONVERSION "App Schema".latin1_to_utf8 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
SELECT lo_create(0), lo_create(0);
"#;

/// What PostgreSQL 14 removed: postfix operators and the `anyarray`/`anyelement` array
/// functions that aggregates and operators could be built on.
const UP_TO_13_SQL: &str = r#"
CREATE FUNCTION "App Schema".fact(bigint) RETURNS numeric LANGUAGE sql AS 'SELECT 1::numeric';
CREATE OPERATOR "App Schema".!!! (LEFTARG = bigint, FUNCTION = "App Schema".fact);
CREATE AGGREGATE "App Schema".array_accum(anyelement)
    (SFUNC = array_append, STYPE = anyarray, INITCOND = '{}');
CREATE OPERATOR "App Schema".<+> (LEFTARG = anyarray, RIGHTARG = anyelement, FUNCTION = array_append);
"#;

/// The same aggregate and operator as 14 and later write them, which upgrades carry.
const FROM_14_SQL: &str = r#"
CREATE AGGREGATE "App Schema".array_accum(anycompatible)
    (SFUNC = array_append, STYPE = anycompatiblearray, INITCOND = '{}');
CREATE OPERATOR "App Schema".<+>
    (LEFTARG = anycompatiblearray, RIGHTARG = anycompatible, FUNCTION = array_append);
"#;

/// Creates the database `"App DB"` on `cluster`, runs `setup` in it, then reads it in a
/// read-only transaction.
fn read_app_db(cluster: &Cluster, setup: &str) -> DatabaseContents {
    cluster.execute(r#"CREATE DATABASE "App DB""#);
    let conninfo = format!(
        "host={} port={} user=postgres dbname='App DB'",
        cluster.socket_dir.display(),
        cluster.port
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
            .await
            .expect("connects to \"App DB\"");
        let driver = tokio::spawn(connection);
        client.batch_execute(setup).await.expect("setup runs");
        client.batch_execute("BEGIN READ ONLY").await.unwrap();
        let contents = read_contents(&client, &client, cluster.major)
            .await
            .expect("contents read");
        client.batch_execute("COMMIT").await.unwrap();
        drop(client);
        let _ = driver.await;
        // The schema objects are tests/live_objects.rs's.
        DatabaseContents {
            objects: None,
            ..contents
        }
    })
}

fn incompatibility(check: &str, object: &str, detail: &str) -> Incompatibility {
    Incompatibility {
        check: check.to_owned(),
        object: object.to_owned(),
        detail: detail.to_owned(),
    }
}

fn extension(version: &str, schema: &str) -> InstalledExtension {
    InstalledExtension {
        version: version.to_owned(),
        schema: schema.to_owned(),
    }
}

/// What `COMMON_SQL` must produce on `major`, whose `hstore` and `pg_trgm` have these versions.
fn common_expectation(hstore: &str, pg_trgm: &str) -> DatabaseContents {
    DatabaseContents {
        extensions: BTreeMap::from([
            ("hstore".to_owned(), extension(hstore, "App Schema")),
            ("pg_trgm".to_owned(), extension(pg_trgm, "App Schema")),
            ("plpgsql".to_owned(), extension("1.0", "pg_catalog")),
        ]),
        large_objects: 2,
        unlogged_tables: vec!["\"App Schema\".scratch".to_owned()],
        tables_without_primary_key: vec![
            "\"App Schema\".events".to_owned(),
            "\"App Schema\".events_2024".to_owned(),
            "\"App Schema\".no_key".to_owned(),
        ],
        objects: None,
        incompatibilities: vec![
            incompatibility("aclitem-column", "\"App Schema\".grants.acl", "aclitem"),
            incompatibility(
                "composite-system-type-column",
                "\"App Schema\".seen.entry",
                "pg_config",
            ),
            incompatibility(
                "encoding-conversion",
                "\"App Schema\".latin1_to_utf8",
                "LATIN1 to UTF8",
            ),
            incompatibility(
                "reg-type-column",
                "\"App Schema\".handler_idx.\"Handler\"",
                "regproc",
            ),
            incompatibility(
                "reg-type-column",
                "\"App Schema\".ops.ops",
                "\"App Schema\".op_list uses regoperator",
            ),
            incompatibility(
                "reg-type-column",
                "\"App Schema\".proc_names.\"Handler\"",
                "regproc",
            ),
            incompatibility(
                "reg-type-column",
                "\"App Schema\".procs.\"Handler\"",
                "regproc",
            ),
            incompatibility(
                "reg-type-column",
                "\"App Schema\".searches.conf",
                "\"App Schema\".search_conf uses regconfig",
            ),
            incompatibility(
                "sql-identifier-column",
                "\"App Schema\".idents.name",
                "information_schema.sql_identifier",
            ),
        ],
    }
}

#[test]
fn a_13_database_lists_every_upgrade_blocker_once_and_nothing_else() {
    let cluster = Cluster::start(13);
    let contents = read_app_db(&cluster, &format!("{COMMON_SQL}{UP_TO_13_SQL}"));

    let mut expected = common_expectation("1.7", "1.5");
    expected.incompatibilities.extend([
        incompatibility(
            "polymorphic-function",
            "\"App Schema\".<+>",
            "operator (anyarray, anyelement) with function array_append(anyarray,anyelement)",
        ),
        incompatibility(
            "polymorphic-function",
            "\"App Schema\".array_accum",
            "aggregate (anyelement) with transition function array_append(anyarray,anyelement)",
        ),
        incompatibility(
            "postfix-operator",
            "\"App Schema\".!!!",
            "operator (bigint, NONE)",
        ),
    ]);
    expected.incompatibilities.sort();
    assert_eq!(contents, expected);
}

/// 17 still allows `aclitem`, `sql_identifier` and reg* columns and user conversions: they are
/// reported, and the caller decides which matter for the version jump. The `anycompatible`
/// aggregate and operator are not.
#[test]
fn a_17_database_lists_what_17_still_allows_and_not_the_new_polymorphics() {
    let cluster = Cluster::start(17);
    let contents = read_app_db(&cluster, &format!("{COMMON_SQL}{FROM_14_SQL}"));

    assert_eq!(contents, common_expectation("1.8", "1.6"));
}
