//! Custom and directory archives read natively (src/dump/archive), checked against what real
//! pg_dump 15, 16 and 17 wrote and what their pg_restore -l says about it. The fixtures are in
//! fixtures/archives/<flavour>/ (archive, listing.txt, rows.tsv), made by
//! scripts/make-archive-fixtures.sh.

use pgparity::dump::archive::{
    self, Archive, ArchiveError, ArchiveFormat, Compression, DataLocation, Part,
};
use pretty_assertions::assert_eq;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const FLAVOURS: [&str; 13] = [
    "pg15-custom-gzip",
    "pg15-custom-none",
    "pg15-custom-pipe",
    "pg15-dir-gzip",
    "pg15-dir-gzip-j2",
    "pg16-custom-gzip",
    "pg16-dir-none",
    "pg17-custom-lz4",
    "pg17-custom-pipe-zstd",
    "pg17-custom-zstd",
    "pg17-dir-gzip",
    "pg17-dir-lz4",
    "pg17-dir-zstd",
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/archives")
}

/// One flavour: the archive, and what pg_restore and the server said about it.
struct Fixture {
    name: &'static str,
    archive: PathBuf,
    listing: Listing,
    /// SELECT count(*) by (schema, table).
    rows: BTreeMap<(String, String), u64>,
}

/// `pg_restore -l`: the header comment, then one line per entry.
#[derive(Debug, Default)]
struct Listing {
    facts: BTreeMap<String, String>,
    created: String,
    entries: Vec<Listed>,
}

/// `dumpId; tableoid oid desc schema tag owner` (schema `-` when none).
#[derive(Debug, PartialEq, Eq)]
struct Listed {
    dump_id: i32,
    table_oid: String,
    oid: String,
    /// `desc schema tag owner`, which cannot be split: each may hold spaces.
    rest: String,
}

fn parse_listing(text: &str) -> Listing {
    let mut listing = Listing::default();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix(';') {
            let comment = comment.trim();
            if let Some(created) = comment.strip_prefix("Archive created at ") {
                listing.created = created.to_string();
            } else if let Some((key, value)) = comment.split_once(": ") {
                listing.facts.insert(key.to_string(), value.to_string());
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (id, rest) = line.split_once("; ").expect("an entry line");
        let mut parts = rest.splitn(3, ' ');
        listing.entries.push(Listed {
            dump_id: id.parse().expect("a dump id"),
            table_oid: parts.next().expect("table oid").to_string(),
            oid: parts.next().expect("oid").to_string(),
            rest: parts.next().expect("desc schema tag owner").to_string(),
        });
    }
    listing
}

fn fixture(name: &'static str) -> Fixture {
    let dir = fixtures_dir().join(name);
    let archive = if dir.join("archive").is_dir() {
        dir.join("archive")
    } else {
        dir.join("archive.dump")
    };
    let listing = parse_listing(&fs::read_to_string(dir.join("listing.txt")).expect("listing.txt"));
    let rows = fs::read_to_string(dir.join("rows.tsv"))
        .expect("rows.tsv")
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "rows.tsv line {line:?}");
            (
                (fields[0].to_string(), fields[1].to_string()),
                fields[2].parse().expect("a count"),
            )
        })
        .collect();
    Fixture {
        name,
        archive,
        listing,
        rows,
    }
}

fn all_fixtures() -> Vec<Fixture> {
    FLAVOURS.iter().map(|name| fixture(name)).collect()
}

fn open(path: &Path) -> Archive {
    archive::open(path).unwrap_or_else(|e| panic!("{e}"))
}

/// pg_restore -l leaves out the entries it processes itself (ENCODING, STDSTRINGS,
/// SEARCHPATH) and those restored only with --create (pg_backup_archiver.c `_tocEntryRequired`).
fn listed_by_pg_restore(desc: &str) -> bool {
    !matches!(
        desc,
        "ENCODING" | "STDSTRINGS" | "SEARCHPATH" | "DATABASE" | "DATABASE PROPERTIES"
    )
}

/// pg_restore -l replaces newlines in names by spaces (`sanitize_line`).
fn sanitized(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[test]
fn every_flavour_has_its_fixture() {
    let mut found: Vec<String> = fs::read_dir(fixtures_dir())
        .expect("fixtures/archives")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("listing.txt").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, FLAVOURS.to_vec());
}

#[test]
fn toc_equals_the_pg_restore_listing() {
    for f in all_fixtures() {
        let archive = open(&f.archive);
        let ours: Vec<Listed> = archive
            .entries
            .iter()
            .filter(|e| listed_by_pg_restore(&e.desc))
            .map(|e| Listed {
                dump_id: e.dump_id,
                table_oid: e.table_oid.clone(),
                oid: e.oid.clone(),
                rest: format!(
                    "{} {} {} {}",
                    e.desc,
                    if e.namespace.is_empty() {
                        "-".to_string()
                    } else {
                        sanitized(&e.namespace)
                    },
                    sanitized(&e.tag),
                    sanitized(&e.owner)
                ),
            })
            .collect();
        assert!(ours.len() > 20, "{}: {} entries", f.name, ours.len());
        assert_eq!(ours, f.listing.entries, "{}", f.name);
        assert_eq!(
            archive.entries.len().to_string(),
            f.listing.facts["TOC Entries"],
            "{}: entries in all, the special ones included",
            f.name
        );
    }
}

#[test]
fn header_facts_equal_the_listing() {
    for f in all_fixtures() {
        let a = open(&f.archive);
        let facts = &f.listing.facts;
        let (major, minor, rev) = a.version;
        assert_eq!(
            format!("{major}.{minor}-{rev}"),
            facts["Dump Version"],
            "{}",
            f.name
        );
        let format = match a.format {
            ArchiveFormat::Custom => "CUSTOM",
            ArchiveFormat::Directory => "DIRECTORY",
        };
        assert_eq!(format, facts["Format"], "{}", f.name);
        // pg_restore 15 prints the zlib level of archives before 1.15, later ones the algorithm.
        let compression = match (minor < 15, a.compression) {
            (true, Compression::None) => "0",
            (true, Compression::Gzip) => "-1",
            (_, Compression::None) => "none",
            (_, Compression::Gzip) => "gzip",
            (_, Compression::Lz4) => "lz4",
            (_, Compression::Zstd) => "zstd",
        };
        assert_eq!(compression, facts["Compression"], "{}", f.name);
        assert_eq!(
            format!("{} bytes", a.int_size),
            facts["Integer"],
            "{}",
            f.name
        );
        assert_eq!(
            format!("{} bytes", a.off_size),
            facts["Offset"],
            "{}",
            f.name
        );
        assert_eq!(a.database, facts["dbname"], "{}", f.name);
        assert_eq!(
            a.server_version, facts["Dumped from database version"],
            "{}",
            f.name
        );
        assert_eq!(
            a.dump_version, facts["Dumped by pg_dump version"],
            "{}",
            f.name
        );
        // "2026-11-22 04:18:11 UTC": pg_restore adds the zone of its own machine.
        assert!(
            f.listing.created.starts_with(&a.created.to_string()),
            "{}: {} vs {}",
            f.name,
            a.created,
            f.listing.created
        );
    }
}

#[test]
fn header_facts_follow_the_pg_dump_that_wrote_them() {
    for f in all_fixtures() {
        let a = open(&f.archive);
        let expected_minor = match &f.name[..4] {
            "pg15" => 14,
            "pg16" => 15,
            _ => 16,
        };
        assert_eq!(a.version, (1, expected_minor, 0), "{}", f.name);
        let directory = f.name.contains("-dir-");
        assert_eq!(
            a.format,
            if directory {
                ArchiveFormat::Directory
            } else {
                ArchiveFormat::Custom
            },
            "{}",
            f.name
        );
        let compression = if f.name.contains("none") {
            Compression::None
        } else if f.name.contains("lz4") {
            Compression::Lz4
        } else if f.name.contains("zstd") {
            Compression::Zstd
        } else {
            Compression::Gzip
        };
        assert_eq!(a.compression, compression, "{}", f.name);
        assert_eq!(a.database, "Sales Archive", "{}", f.name);
        assert_eq!(a.path, f.archive, "{}", f.name);
        assert!(
            a.dump_version.starts_with(&f.name[2..4]),
            "{}: {}",
            f.name,
            a.dump_version
        );
    }
}

#[test]
fn toc_entries_hold_what_pg_dump_wrote() {
    let a = open(&fixture("pg17-custom-zstd").archive);
    let table = a
        .entries
        .iter()
        .find(|e| e.desc == "TABLE" && e.tag == "Order Items")
        .expect("the Order Items table");
    assert_eq!(table.namespace, "Sales Data");
    assert_eq!(table.owner, "app_owner");
    assert_eq!(table.table_am, "heap");
    assert_eq!(table.relkind, Some('r'));
    assert_eq!(table.section, 2);
    assert_eq!(table.table_oid, "1259");
    assert!(
        table
            .defn
            .starts_with("CREATE TABLE \"Sales Data\".\"Order Items\" ("),
        "{}",
        table.defn
    );
    assert!(
        table
            .drop_stmt
            .starts_with("DROP TABLE \"Sales Data\".\"Order Items\""),
        "{}",
        table.drop_stmt
    );
    assert!(!table.had_dumper);
    assert_eq!(table.data, DataLocation::None);

    let data = a
        .entries
        .iter()
        .find(|e| e.desc == "TABLE DATA" && e.tag == "Order Items")
        .expect("its data");
    assert!(data.had_dumper);
    assert_eq!(data.section, 3);
    assert_eq!(data.dependencies, vec![table.dump_id]);
    assert_eq!(
        data.copy_stmt,
        "COPY \"Sales Data\".\"Order Items\" (id, sku, qty) FROM stdin;\n"
    );
    assert!(matches!(data.data, DataLocation::Offset(_)));

    let partitioned = a
        .entries
        .iter()
        .find(|e| e.desc == "TABLE" && e.tag == "measurements")
        .expect("measurements");
    assert_eq!(partitioned.relkind, Some('p'));
    let comment = a
        .entries
        .iter()
        .find(|e| e.desc == "COMMENT")
        .expect("the comment");
    assert_eq!(comment.tag, "TABLE \"naïve\"");
    assert_eq!(
        comment.defn,
        "COMMENT ON TABLE public.\"naïve\" IS 'rows with a newline and a tab';\n"
    );

    // Before 1.16 there is no relkind; before 1.14 no access method (not among the fixtures).
    let a = open(&fixture("pg15-custom-gzip").archive);
    assert!(a.entries.iter().all(|e| e.relkind.is_none()));
    assert!(a.entries.iter().any(|e| e.table_am == "heap"));
}

#[test]
fn data_locations_follow_how_pg_dump_wrote_the_archive() {
    for f in all_fixtures() {
        let a = open(&f.archive);
        for e in &a.entries {
            let has_data = e.desc == "TABLE DATA" || e.desc == "BLOBS";
            assert_eq!(e.had_dumper, has_data, "{}: {} {}", f.name, e.desc, e.tag);
            match (&a.format, f.name.contains("pipe"), has_data) {
                (_, _, false) => assert_eq!(
                    e.data,
                    DataLocation::None,
                    "{}: {} {}",
                    f.name,
                    e.desc,
                    e.tag
                ),
                // Through a pipe pg_dump cannot seek back to write the offsets.
                (ArchiveFormat::Custom, true, true) => {
                    assert_eq!(e.data, DataLocation::Unknown, "{}", f.name)
                }
                (ArchiveFormat::Custom, false, true) => {
                    assert!(
                        matches!(e.data, DataLocation::Offset(at) if at > 1000),
                        "{}: {:?}",
                        f.name,
                        e.data
                    )
                }
                (ArchiveFormat::Directory, _, true) => {
                    let expected = match (e.desc.as_str(), a.version.1) {
                        ("BLOBS", 16) => format!("blobs_{}.toc", e.dump_id),
                        ("BLOBS", _) => "blobs.toc".to_string(),
                        _ => format!("{}.dat", e.dump_id),
                    };
                    assert_eq!(e.data, DataLocation::File(expected), "{}", f.name);
                }
            }
        }
    }
}

#[test]
fn row_counts_equal_select_count() {
    for f in all_fixtures() {
        let a = open(&f.archive);
        let mut counted = BTreeMap::new();
        for e in a.entries.iter().filter(|e| e.desc == "TABLE DATA") {
            let rows = a
                .count_rows(e)
                .unwrap_or_else(|err| panic!("{}: {err}", f.name));
            assert!(counted
                .insert((e.namespace.clone(), e.tag.clone()), rows)
                .is_none());
        }
        assert_eq!(counted, f.rows, "{}", f.name);
    }
}

#[test]
fn the_fixtures_hold_the_cases_they_are_made_for() {
    let f = fixture("pg15-custom-gzip");
    let key = |s: &str, t: &str| (s.to_string(), t.to_string());
    assert_eq!(f.rows[&key("Sales Data", "Order Items")], 300);
    assert_eq!(f.rows[&key("public", "select")], 0);
    assert_eq!(f.rows[&key("public", "naïve")], 4);
    assert_eq!(f.rows[&key("public", "measurements_eu")], 4);
    assert!(
        !f.rows.contains_key(&key("public", "measurements")),
        "a partitioned table has no data of its own"
    );
}

#[test]
fn dump_entries_are_the_same_whatever_the_format() {
    let mut by_major: BTreeMap<&str, (&str, Vec<pgparity::dump::DumpEntry>)> = BTreeMap::new();
    for f in all_fixtures() {
        let a = open(&f.archive);
        let entries = a
            .dump_entries(true)
            .unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(entries.len(), a.entries.len());
        for (d, e) in entries.iter().zip(&a.entries) {
            assert_eq!(d.position, e.dump_id as u64);
            assert_eq!(
                (d.desc.as_str(), d.tag.as_str()),
                (e.desc.as_str(), e.tag.as_str())
            );
            assert_eq!(
                d.namespace.as_deref(),
                Some(e.namespace.as_str()).filter(|s| !s.is_empty())
            );
            assert_eq!(
                d.owner.as_deref(),
                Some(e.owner.as_str()).filter(|s| !s.is_empty())
            );
            if e.desc == "TABLE DATA" {
                assert_eq!(d.sql, e.copy_stmt);
                assert_eq!(d.rows, Some(f.rows[&(e.namespace.clone(), e.tag.clone())]));
            } else {
                assert_eq!(d.sql, e.defn);
                assert_eq!(d.rows, None);
            }
        }
        let without_rows: Vec<_> = a
            .dump_entries(false)
            .expect("entries")
            .into_iter()
            .map(|d| d.rows)
            .collect();
        assert!(without_rows.iter().all(Option::is_none));

        let major = &f.name[..4];
        match by_major.get(major) {
            None => {
                by_major.insert(major, (f.name, entries));
            }
            Some((first, theirs)) => assert_eq!(&entries, theirs, "{} vs {first}", f.name),
        }
    }
}

#[test]
fn count_rows_refuses_entries_without_copy_rows() {
    let a = open(&fixture("pg17-dir-zstd").archive);
    for desc in ["BLOBS", "SEQUENCE SET", "TABLE"] {
        let e = a.entries.iter().find(|e| e.desc == desc).expect(desc);
        let err = a.count_rows(e).expect_err(desc);
        assert!(matches!(err, ArchiveError::NoRows { .. }), "{err}");
        assert!(err.to_string().contains("is not table data"), "{err}");
    }
    // --inserts data has no COPY statement.
    let mut inserts = a
        .entries
        .iter()
        .find(|e| e.desc == "TABLE DATA")
        .expect("data")
        .clone();
    inserts.copy_stmt.clear();
    let err = a.count_rows(&inserts).expect_err("INSERT data");
    assert!(
        err.to_string()
            .contains("INSERT statements (pg_dump --inserts)"),
        "{err}"
    );
}

// ---- The reference dump of migration-facts.md §6.2 (pg_dump 15.18, archive 1.14) ----

/// The bytes of an `xxd` dump.
fn unhex(dump: &str) -> Vec<u8> {
    dump.lines()
        .flat_map(|line| {
            let hex = &line[10..49];
            hex.split_whitespace()
                .flat_map(|group| {
                    (0..group.len())
                        .step_by(2)
                        .map(move |i| u8::from_str_radix(&group[i..i + 2], 16).expect("hex"))
                })
                .collect::<Vec<u8>>()
        })
        .collect()
}

fn reference_bytes() -> Vec<u8> {
    let dump = fs::read_to_string(fixtures_dir().join("reference/custom_header_hexdump.txt"))
        .expect("hexdump");
    let bytes = unhex(&dump);
    assert_eq!(bytes.len(), 0xc0);
    bytes
}

#[test]
fn reference_header_reads_as_its_listing_says() {
    // The hexdump ends inside the first entry; its header is whole. With the entry count
    // (at byte 0x6a) set to 0 the header alone is a valid archive.
    let mut bytes = reference_bytes();
    bytes.truncate(0x6a);
    bytes.extend_from_slice(&[0, 0, 0, 0, 0]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("appdb.dump");
    fs::write(&path, &bytes).expect("write");
    let a = open(&path);
    // "version 1.14.0 int=4 off=8 fmt=1 comp=('level', -1) tm=[7, 36, 22, 21, 10, 126, 0]
    //  db=appdb server=13.23 pg_dump=15.18 (Debian 15.18-0+deb12u1)"
    let listing = fs::read_to_string(fixtures_dir().join("reference/custom_toc_listing.txt"))
        .expect("listing");
    assert!(listing.starts_with("version 1.14.0 int=4 off=8 fmt=1 comp=('level', -1) tm=[7, 36, 22, 21, 10, 126, 0] db=appdb server=13.23 pg_dump=15.18 (Debian 15.18-0+deb12u1)\n"));
    assert_eq!(a.version, (1, 14, 0));
    assert_eq!((a.int_size, a.off_size), (4, 8));
    assert_eq!(a.format, ArchiveFormat::Custom);
    assert_eq!(a.compression, Compression::Gzip);
    assert_eq!(a.created.to_string(), "2026-11-21 22:36:07");
    assert_eq!(a.database, "appdb");
    assert_eq!(a.server_version, "13.23");
    assert_eq!(a.dump_version, "15.18 (Debian 15.18-0+deb12u1)");
    assert!(a.entries.is_empty());
}

#[test]
fn reference_hexdump_is_truncated_in_the_defn_of_its_first_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("appdb.dump");
    fs::write(&path, reference_bytes()).expect("write");
    let err = archive::open(&path).expect_err("the hexdump stops at byte 192");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: truncated at byte 192 while reading the table of contents (entry 1 of 22, its defn)",
            path.display()
        )
    );
    assert!(matches!(
        err,
        ArchiveError::Truncated {
            at: 192,
            part: Part::TocEntry {
                index: 1,
                count: 22,
                field: "defn"
            },
            ..
        }
    ));
}

// ---- Bad input ----

/// A temporary copy of `bytes` as a file.
fn temp_file(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("archive.dump");
    fs::write(&path, bytes).expect("write");
    path
}

/// Opens and counts everything; every outcome is fine but a panic.
fn read_everything(path: &Path) -> Result<u64, ArchiveError> {
    let a = archive::open(path)?;
    let mut total = 0;
    for e in a.entries.iter().filter(|e| e.desc == "TABLE DATA") {
        total += a.count_rows(e)?;
    }
    a.dump_entries(true)?;
    Ok(total)
}

/// Where the TOC ends: the first data block of a seekable custom archive.
fn data_blocks(a: &Archive, len: u64) -> Vec<(u64, u64)> {
    let mut starts: Vec<u64> = a
        .entries
        .iter()
        .filter_map(|e| match e.data {
            DataLocation::Offset(at) => Some(at),
            _ => None,
        })
        .collect();
    starts.sort_unstable();
    let ends = starts.iter().skip(1).copied().chain([len]);
    starts.iter().copied().zip(ends).collect()
}

#[test]
fn custom_archives_cut_anywhere_say_truncated_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "pg15-custom-gzip",
        "pg15-custom-none",
        "pg16-custom-gzip",
        "pg17-custom-lz4",
        "pg17-custom-zstd",
    ] {
        let f = fixture(name);
        let bytes = fs::read(&f.archive).expect("read");
        let len = bytes.len() as u64;
        let whole = open(&f.archive);
        let blocks = data_blocks(&whole, len);
        let toc_end = blocks[0].0;
        // Every byte of the header and TOC, every 7th of the data; from the end, so that one
        // file is cut shorter and shorter.
        let path = temp_file(dir.path(), &bytes);
        let file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        let cuts: Vec<u64> = (0..toc_end)
            .chain((toc_end..len).step_by(7))
            .chain([len - 1])
            .collect();
        for &cut in cuts.iter().rev() {
            file.set_len(cut).expect("set_len");
            match archive::open(&path) {
                Err(ArchiveError::Truncated { at, .. }) => {
                    assert!(cut >= 5 && cut < toc_end, "{name} cut at {cut}");
                    assert_eq!(at, cut, "{name} cut at {cut}");
                }
                Err(ArchiveError::NotAnArchive { .. }) => assert!(cut < 5, "{name} cut at {cut}"),
                Err(e) => panic!("{name} cut at {cut}: {e}"),
                Ok(a) => {
                    assert!(cut >= toc_end, "{name} cut at {cut}");
                    for e in a.entries.iter().filter(|e| e.desc == "TABLE DATA") {
                        let DataLocation::Offset(start) = e.data else {
                            panic!("{name}: no offset")
                        };
                        let end = blocks.iter().find(|b| b.0 == start).expect("block").1;
                        let result = a.count_rows(e);
                        if cut >= end {
                            assert_eq!(
                                result.ok(),
                                Some(f.rows[&(e.namespace.clone(), e.tag.clone())]),
                                "{name} cut at {cut}"
                            );
                        } else {
                            let err = result.expect_err("a cut block");
                            assert!(
                                matches!(err, ArchiveError::Truncated { at, part: Part::Data { dump_id }, .. } if at == cut && dump_id == e.dump_id),
                                "{name} cut at {cut}: {err}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_pipe_archive_cut_in_its_data_says_truncated_for_the_blocks_it_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Each pipe archive has a twin written to a file by the same pg_dump: same blocks, with
    // offsets, which tell where the last block (the large objects) starts.
    for (name, twin) in [
        ("pg15-custom-pipe", "pg15-custom-gzip"),
        ("pg17-custom-pipe-zstd", "pg17-custom-zstd"),
    ] {
        let f = fixture(name);
        let bytes = fs::read(&f.archive).expect("read");
        let len = bytes.len() as u64;
        let twin = fixture(twin);
        let twin_len = fs::metadata(&twin.archive).expect("twin").len();
        let twin = open(&twin.archive);
        let blobs = twin
            .entries
            .iter()
            .find(|e| e.desc == "BLOBS")
            .expect("BLOBS");
        let DataLocation::Offset(blobs_at) = blobs.data else {
            panic!("no offset")
        };
        let blobs_start = len - (twin_len - blobs_at);

        let path = temp_file(dir.path(), &bytes);
        let file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        let cuts: Vec<u64> = (len / 2..len).step_by(11).collect();
        for &cut in cuts.iter().rev() {
            file.set_len(cut).expect("set_len");
            let a = open(&path);
            let mut lost = 0;
            for e in a.entries.iter().filter(|e| e.desc == "TABLE DATA") {
                match a.count_rows(e) {
                    Ok(rows) => assert_eq!(
                        rows,
                        f.rows[&(e.namespace.clone(), e.tag.clone())],
                        "{name} cut at {cut}"
                    ),
                    Err(ArchiveError::Truncated { at, .. }) => {
                        assert_eq!(at, cut, "{name} cut at {cut}");
                        lost += 1;
                    }
                    Err(e) => panic!("{name} cut at {cut}: {e}"),
                }
            }
            assert_eq!(
                lost == 0,
                cut >= blobs_start,
                "{name} cut at {cut}, {lost} tables lost"
            );
        }
    }
}

#[test]
fn directory_archives_cut_say_truncated() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "pg15-dir-gzip",
        "pg16-dir-none",
        "pg17-dir-lz4",
        "pg17-dir-zstd",
    ] {
        let f = fixture(name);
        let copy = dir.path().join(name);
        fs::create_dir_all(&copy).expect("mkdir");
        for file in fs::read_dir(&f.archive).expect("read_dir") {
            let file = file.expect("entry").path();
            fs::copy(&file, copy.join(file.file_name().expect("name"))).expect("copy");
        }
        let toc = fs::read(f.archive.join("toc.dat")).expect("toc.dat");
        let toc_file = fs::OpenOptions::new()
            .write(true)
            .open(copy.join("toc.dat"))
            .expect("open");
        for cut in (5..toc.len()).rev() {
            toc_file.set_len(cut as u64).expect("set_len");
            match archive::open(&copy) {
                Err(ArchiveError::Truncated { at, file, .. }) => {
                    assert_eq!(
                        (at, file),
                        (cut as u64, copy.join("toc.dat")),
                        "{name} toc.dat cut at {cut}"
                    )
                }
                other => panic!("{name} toc.dat cut at {cut}: {other:?}"),
            }
        }
        fs::write(copy.join("toc.dat"), &toc).expect("write");

        // The data of the 300-row table, cut.
        let a = open(&copy);
        let e = a
            .entries
            .iter()
            .find(|e| e.tag == "Order Items" && e.desc == "TABLE DATA")
            .expect("data");
        let DataLocation::File(stored) = &e.data else {
            panic!("no file")
        };
        let data_file = fs::read_dir(&copy)
            .expect("read_dir")
            .map(|d| d.expect("entry").path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(stored.as_str()))
            })
            .expect("the data file");
        let data = fs::read(&data_file).expect("read");
        for cut in (0..data.len()).step_by(97) {
            fs::write(&data_file, &data[..cut]).expect("write");
            match a.count_rows(e) {
                Err(ArchiveError::Truncated {
                    file,
                    at,
                    part: Part::Data { dump_id },
                }) => {
                    assert_eq!(
                        (file, at, dump_id),
                        (data_file.clone(), cut as u64, e.dump_id),
                        "{name} cut at {cut}"
                    );
                }
                other => panic!("{name} data cut at {cut}: {other:?}"),
            }
        }
        fs::write(&data_file, &data).expect("write");
        assert_eq!(a.count_rows(e).ok(), Some(300));

        fs::remove_file(&data_file).expect("rm");
        let err = a.count_rows(e).expect_err("missing file");
        assert!(
            matches!(&err, ArchiveError::MissingDataFile { file, .. } if *file == copy.join(stored)),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{}: missing (nor with .gz, .lz4 or .zst), the data of entry {}",
                copy.join(stored).display(),
                e.dump_id
            )
        );
    }
}

#[test]
fn an_unknown_version_is_refused_with_the_versions_this_build_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = fs::read(fixture("pg17-custom-zstd").archive).expect("read");
    for (minor, shown) in [(17u8, "1.17"), (11, "1.11"), (255, "1.255")] {
        bytes[6] = minor;
        let path = temp_file(dir.path(), &bytes);
        let err = archive::open(&path).expect_err("unknown version");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: archive version {shown}; this build reads 1.12 to 1.16",
                path.display()
            )
        );
        assert!(
            matches!(err, ArchiveError::UnsupportedVersion { version: (1, m, 0), .. } if m == minor)
        );
    }
    bytes[5] = 2;
    bytes[6] = 0;
    let path = temp_file(dir.path(), &bytes);
    let err = archive::open(&path).expect_err("version 2.0");
    assert!(
        err.to_string()
            .ends_with("archive version 2.0; this build reads 1.12 to 1.16"),
        "{err}"
    );
}

#[test]
fn what_is_not_an_archive_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 511 ASCII bytes then a two-byte character: the first 512 bytes end inside it.
    let cut_character = format!("--{}\nïndex\n", "-".repeat(508));
    assert_eq!(&cut_character.as_bytes()[510..513], b"\n\xc3\xaf");
    let mut tar = vec![0u8; 512];
    tar[257..262].copy_from_slice(b"ustar");
    let cases: [(&[u8], &str); 6] = [
        (
            b"--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n",
            "a text file; a plain SQL dump is read as text",
        ),
        (
            cut_character.as_bytes(),
            "a text file; a plain SQL dump is read as text",
        ),
        (
            &tar,
            "a tar archive (pg_dump -Ft), which this build does not read",
        ),
        (b"", "an empty file"),
        (
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
            "a gzip-compressed file; decompress it first",
        ),
        (&[0, 1, 2, 3, 0xff], "no PGDMP signature"),
    ];
    for (bytes, reason) in cases {
        let path = temp_file(dir.path(), bytes);
        let err = archive::open(&path).expect_err(reason);
        assert_eq!(
            err.to_string(),
            format!(
                "{}: not a pg_dump custom or directory archive ({reason})",
                path.display()
            )
        );
    }
    let err = archive::open(dir.path()).expect_err("a directory without toc.dat");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a pg_dump custom or directory archive (a directory without toc.dat)",
            dir.path().display()
        )
    );
    let missing = dir.path().join("nothing-here");
    assert!(
        matches!(archive::open(&missing), Err(ArchiveError::Io { file, .. }) if file == missing)
    );
}

#[test]
fn a_toc_dat_alone_opens_its_directory() {
    let f = fixture("pg17-dir-lz4");
    let a = open(&f.archive.join("toc.dat"));
    assert_eq!(a.format, ArchiveFormat::Directory);
    assert_eq!(a.path, f.archive);
    let e = a
        .entries
        .iter()
        .find(|e| e.tag == "Order Items" && e.desc == "TABLE DATA")
        .expect("data");
    assert_eq!(a.count_rows(e).ok(), Some(300));
}

#[test]
fn a_directory_archive_cannot_lead_out_of_its_directory() {
    let f = fixture("pg16-dir-none");
    let a = open(&f.archive);
    let mut e = a
        .entries
        .iter()
        .find(|e| e.desc == "TABLE DATA")
        .expect("data")
        .clone();
    for name in ["../../etc/passwd", "..", "/etc/passwd"] {
        e.data = DataLocation::File(name.to_string());
        let err = a.count_rows(&e).expect_err(name);
        assert!(
            err.to_string().contains("is not a plain file name"),
            "{err}"
        );
    }
}

#[test]
fn a_lying_length_is_truncation_not_an_allocation() {
    // The defn length of the first entry says 2 GiB.
    let f = fixture("pg15-custom-none");
    let mut bytes = fs::read(&f.archive).expect("read");
    let whole = open(&f.archive);
    let first = &whole.entries[0];
    let needle = first.defn.as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the defn");
    bytes[at - 4..at].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = temp_file(dir.path(), &bytes);
    let err = archive::open(&path).expect_err("a lying length");
    assert!(
        matches!(err, ArchiveError::Truncated { at, part: Part::TocEntry { index: 1, field: "defn", .. }, .. } if at == bytes.len() as u64),
        "{err}"
    );
}

#[test]
fn corrupt_compressed_data_is_named_with_its_compression() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, compression) in [
        ("pg15-custom-gzip", "gzip"),
        ("pg17-custom-lz4", "lz4"),
        ("pg17-custom-zstd", "zstd"),
    ] {
        let f = fixture(name);
        let a = open(&f.archive);
        let e = a
            .entries
            .iter()
            .find(|e| e.tag == "Order Items" && e.desc == "TABLE DATA")
            .expect("data");
        let DataLocation::Offset(at) = e.data else {
            panic!("no offset")
        };
        let bytes = fs::read(&f.archive).expect("read");
        // Block type, dump id, first chunk length; then the compressed stream.
        let payload = at as usize + 1 + 5 + 5;
        // Its first bytes: the zlib header, the lz4 or zstd magic number.
        let mut garbled = bytes.clone();
        for b in &mut garbled[payload..payload + 4] {
            *b ^= 0x5a;
        }
        let path = temp_file(dir.path(), &garbled);
        let err = open(&path).count_rows(e).expect_err("a garbled stream");
        assert!(
            matches!(err, ArchiveError::Decompress { .. }),
            "{name}: {err}"
        );
        let prefix = format!(
            "{}: corrupt {compression} data in the data of entry {}: ",
            path.display(),
            e.dump_id
        );
        assert!(err.to_string().starts_with(&prefix), "{err}");

        // Within the stream: zlib has a checksum; lz4 and zstd frames as pg_dump writes them
        // have none, so garbled data may decode, with rows off or the terminator lost.
        let mut garbled = bytes.clone();
        for b in &mut garbled[payload + 100..payload + 140] {
            *b ^= 0x5a;
        }
        let path = temp_file(dir.path(), &garbled);
        match open(&path).count_rows(e) {
            Err(ArchiveError::Decompress { .. } | ArchiveError::Corrupt { .. }) => {}
            Ok(rows) if compression != "gzip" => assert_ne!(rows, 0, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..600), header in any::<bool>()) {
        if header {
            // Get past the signature and version check, into the header and TOC.
            bytes.splice(0..0, *b"PGDMP\x01\x0e\x00\x04\x08\x01");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let _ = read_everything(&temp_file(dir.path(), &bytes));
    }

    #[test]
    fn damaged_fixtures_never_panic(
        which in 0usize..5,
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let name = ["pg15-custom-gzip", "pg15-custom-pipe", "pg16-custom-gzip", "pg17-custom-lz4", "pg17-custom-pipe-zstd"][which];
        let mut bytes = fs::read(fixture(name).archive).expect("read");
        let len = cut.index(bytes.len() + 1);
        bytes.truncate(len);
        if !bytes.is_empty() {
            for (at, xor) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= xor;
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let _ = read_everything(&temp_file(dir.path(), &bytes));
    }

    #[test]
    fn damaged_directory_data_never_panics(
        which in 0usize..4,
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let name = ["pg15-dir-gzip", "pg16-dir-none", "pg17-dir-lz4", "pg17-dir-zstd"][which];
        let f = fixture(name);
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<PathBuf> = fs::read_dir(&f.archive).expect("read_dir").map(|e| e.expect("entry").path()).collect();
        // The data of the 300-row table, the largest file but toc.dat.
        let victim = files
            .iter()
            .filter(|p| !p.ends_with("toc.dat"))
            .max_by_key(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .expect("a data file")
            .clone();
        for file in files {
            let mut bytes = fs::read(&file).expect("read");
            if file == victim {
                bytes.truncate(cut.index(bytes.len() + 1));
                if !bytes.is_empty() {
                    for (at, xor) in &flips {
                        let i = at.index(bytes.len());
                        bytes[i] ^= xor;
                    }
                }
            }
            fs::write(dir.path().join(file.file_name().expect("name")), bytes).expect("write");
        }
        let _ = read_everything(dir.path());
    }
}
