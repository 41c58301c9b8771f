//! The schema objects of a dump: fixture dumps of `fixtures/schema/rich.sql` read into the
//! object model, checked against values read from the live server by hand.

mod support;

use pgparity::catalog::Objects;
use pgparity::dump::{DumpCatalog, ObjectsBuilder, PlainDump};
use pgparity::introspect::objects::read_objects;
use pretty_assertions::assert_eq;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{client, Cluster};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/schema")
        .join(name)
}

/// Reads a plain dump fixture into a catalog.
fn read_plain(name: &str) -> DumpCatalog {
    let dump = PlainDump::open(&fixture(name)).expect("the fixture opens");
    let mut builder = ObjectsBuilder::new(dump.header().server_major(), dump.header().pg_dump_major());
    for entry in dump {
        builder.push(&entry.expect("the fixture reads"));
    }
    builder.finish()
}

#[test]
fn debug_print() {
    let c = read_plain("pg15.sql");
    for n in &c.not_understood {
        println!("{n:?}");
    }
    println!("{}", serde_json::to_string_pretty(&c.objects).unwrap());
    println!(
        "{:?} {:?} {:?} {}",
        c.database, c.extensions, c.outside_model, c.large_objects
    );
}

#[test]
fn debug_others() {
    for f in ["pg15-schema.sql", "pg15-inserts.sql", "pg15-create.sql"] {
        let c = read_plain(f);
        println!("{f}: {:?} {:?} lo={} nu={:?}", c.database, c.outside_model, c.large_objects, c.not_understood);
        let rows: Vec<_> = c.objects.tables.iter().map(|(k, t)| (k.clone(), t.rows)).collect();
        println!("{rows:?}");
    }
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
/// client of `scripts/fetch-postgres.sh`'s cache for 16.
fn pg_dump_for(major: u32) -> PathBuf {
    if major <= 15 {
        return client("pg_dump");
    }
    let cache =
        std::env::var("PGPARITY_PG_CACHE").unwrap_or_else(|_| "/var/tmp/pgparity-pg".to_owned());
    let path = Path::new(&cache).join(format!("client/{major}/bin/pg_dump"));
    assert!(
        path.is_file(),
        "{} not found: run scripts/fetch-postgres.sh client{major}",
        path.display()
    );
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
        let objects = read_objects(&client, cluster.major)
            .await
            .expect("objects read");
        client.batch_execute("COMMIT").await.unwrap();
        drop(client);
        let _ = driver.await;
        objects
    })
}

/// Reads a plain dump file into a catalog.
fn read_plain_path(path: &Path) -> DumpCatalog {
    let dump = PlainDump::open(path).expect("the dump opens");
    let mut builder = ObjectsBuilder::new(dump.header().server_major(), dump.header().pg_dump_major());
    for entry in dump {
        builder.push(&entry.expect("the dump reads"));
    }
    builder.finish()
}

/// The objects as pretty JSON, one field per line, for a readable diff.
fn json(objects: &Objects) -> String {
    serde_json::to_string_pretty(objects).expect("objects serialize")
}

/// Loads rich.sql into a server of `major`, dumps it with pg_dump (plain with data, and `-s`) and checks that both dumps give the objects the live server gives.
fn dump_and_database_agree(major: u32) {
    let cluster = Cluster::start(major);
    load_rich(&cluster);
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.sql");
    let schema_only = dir.path().join("schema.sql");
    pg_dump(&cluster, &[], &full);
    pg_dump(&cluster, &["-s"], &schema_only);
    let live = live_objects(&cluster);

    // With data: everything but the row counts, which a live read leaves to `verify`.
    let dumped = read_plain_path(&full);
    assert_eq!(dumped.not_understood, vec![], "on {major}");
    let mut objects = dumped.objects;
    for table in objects.tables.values_mut() {
        table.rows = None;
    }
    if let Ok(dir) = std::env::var("PGPARITY_DEBUG_DIR") {
        std::fs::write(format!("{dir}/dump{major}.json"), json(&objects)).unwrap();
        std::fs::write(format!("{dir}/live{major}.json"), json(&live)).unwrap();
    }
    assert_eq!(json(&objects), json(&live), "on {major}");

    // Schema only: no sequence values and no materialized view data either.
    let dumped = read_plain_path(&schema_only);
    assert_eq!(dumped.not_understood, vec![], "on {major}");
    let mut live = live;
    for sequence in live.sequences.values_mut() {
        sequence.last_value = None;
    }
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
fn a_dump_and_the_database_it_was_taken_from_have_equal_objects_on_13() {
    dump_and_database_agree(13);
}
