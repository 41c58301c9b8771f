//! The schema objects of a dump: fixture dumps of `fixtures/schema/rich.sql` read into the
//! object model, checked against values read from the live server by hand.

use pgparity::dump::{DumpCatalog, ObjectsBuilder, PlainDump};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/schema")
        .join(name)
}

/// Reads a plain dump fixture into a catalog.
fn read_plain(name: &str) -> DumpCatalog {
    let dump = PlainDump::open(&fixture(name)).expect("the fixture opens");
    let mut builder = ObjectsBuilder::new(dump.header().server_major());
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
