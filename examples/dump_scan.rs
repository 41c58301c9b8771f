//! Reads a plain-format pg_dump file into the object model and prints what it found: the
//! benchmark's stand-in for `pgparity snapshot DUMP.sql -o out.json` until the CLI reads dumps.
//!
//! Usage: `cargo run --release --example dump_scan -- DUMP.sql`. Exits 2 when the file cannot
//! be read as a dump.

use pgparity::dump::{ObjectsBuilder, PlainDump};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: dump_scan DUMP.sql");
        return ExitCode::from(2);
    };
    let dump = match PlainDump::open(&path) {
        Ok(dump) => dump,
        Err(e) => {
            eprintln!("dump_scan: {e}");
            return ExitCode::from(2);
        }
    };
    let mut builder =
        ObjectsBuilder::new(dump.header().server_major(), dump.header().pg_dump_major());
    let mut entries = 0u64;
    for entry in dump {
        match entry {
            Ok(entry) => {
                entries += 1;
                builder.push(&entry);
            }
            Err(e) => {
                eprintln!("dump_scan: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let catalog = builder.finish();
    let rows: u64 = catalog.objects.tables.values().filter_map(|t| t.rows).sum();
    println!(
        "entries {entries}, tables {}, rows {rows}, views {}, functions {}, not understood {}",
        catalog.objects.tables.len(),
        catalog.objects.views.len(),
        catalog.objects.functions.len(),
        catalog.not_understood.len()
    );
    for n in catalog.not_understood.iter().take(20) {
        eprintln!(
            "not understood at {} ({} {}): {}: {}",
            n.position, n.desc, n.tag, n.reason, n.statement
        );
    }
    ExitCode::SUCCESS
}
