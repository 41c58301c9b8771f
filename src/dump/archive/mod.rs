//! Custom (`pg_dump -Fc`) and directory (`pg_dump -Fd`) archives, read natively, without
//! pg_restore: the header and the table of contents (archive versions 1.12 to 1.16, pg_dump 9.0
//! to 18), and on demand the COPY rows of a table's data, decompressed as a stream (gzip, lz4,
//! zstd) and counted, never held whole.
//!
//! The byte layout is pg_dump's (pg_backup_archiver.c `ReadHead`/`ReadToc`, pg_backup_custom.c,
//! pg_backup_directory.c); `migration-facts.md` §6.2 summarizes it.

mod data;
mod error;
mod primitives;
mod toc;

pub use error::{ArchiveError, Part};

use super::DumpEntry;
use data::BlockScan;
use primitives::Primitives;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How the archive is laid out on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// One file: header, table of contents, then the data blocks (`pg_dump -Fc`).
    Custom,
    /// A directory: `toc.dat` and one file per data entry (`pg_dump -Fd`).
    Directory,
}

/// How the data of the archive is compressed (the table of contents never is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed (`-Z0`, `-Z none`).
    None,
    /// zlib: a bare zlib stream per block in a custom archive, gzip files in a directory.
    Gzip,
    /// LZ4 frames (pg_dump 16 and later).
    Lz4,
    /// Zstandard frames (pg_dump 16 and later).
    Zstd,
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        })
    }
}

/// When the archive was made, in the local time of the machine that ran pg_dump (the header
/// stores a `struct tm`, without its time zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DumpTime {
    /// The year, e.g. 2026.
    pub year: i32,
    /// 1 to 12.
    pub month: i32,
    /// 1 to 31.
    pub day: i32,
    /// 0 to 23.
    pub hour: i32,
    /// 0 to 59.
    pub minute: i32,
    /// 0 to 60.
    pub second: i32,
    /// Daylight saving time was in effect.
    pub dst: bool,
}

impl fmt::Display for DumpTime {
    /// `2026-11-22 04:18:11`, as `pg_restore -l` prints it (without the zone).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Where the data of an entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataLocation {
    /// The entry has no data (schema entries).
    None,
    /// Custom archive: its block starts at this byte.
    Offset(u64),
    /// Custom archive written to a pipe: the entry has a block, but pg_dump could not seek back
    /// to record where; it is found by scanning the blocks.
    Unknown,
    /// Directory archive: the data file as the table of contents names it (`3368.dat`,
    /// `blobs.toc`, `blobs_3376.toc`); compressed files carry a further `.gz`, `.lz4` or `.zst`.
    File(String),
}

/// One entry of the table of contents, as pg_dump wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TocEntry {
    /// Its id; dependencies and data blocks refer to it.
    pub dump_id: i32,
    /// pg_dump had data to write for it (`TABLE DATA`, `BLOBS`).
    pub had_dumper: bool,
    /// The catalog of the object (`1259` is pg_class), decimal; `0` for none.
    pub table_oid: String,
    /// The object's oid, decimal; `0` for none.
    pub oid: String,
    /// Its name, unquoted: `Order Items`, `Order Items Order Items_pkey`, `TABLE "naïve"`.
    pub tag: String,
    /// Its type: `TABLE`, `TABLE DATA`, `INDEX`, `ACL`, `BLOBS`, ...
    pub desc: String,
    /// 1 none, 2 pre-data, 3 data, 4 post-data (pg_backup.h `teSection`).
    pub section: i32,
    /// The SQL that creates it; empty for data entries.
    pub defn: String,
    /// The SQL that drops it.
    pub drop_stmt: String,
    /// The `COPY ... FROM stdin;` of a data entry; empty otherwise and for `--inserts` data.
    pub copy_stmt: String,
    /// Its schema; empty for objects outside schemas.
    pub namespace: String,
    /// Its tablespace; empty for the default.
    pub tablespace: String,
    /// Its table access method (`heap`; archive 1.14 and later); empty otherwise.
    pub table_am: String,
    /// The relkind of a relation (`r`, `p`, `v`, ...; archive 1.16 and later).
    pub relkind: Option<char>,
    /// Its owner; empty when it has none.
    pub owner: String,
    /// The dump ids it depends on.
    pub dependencies: Vec<i32>,
    /// Where its data is.
    pub data: DataLocation,
}

/// A custom or directory archive: what its header says and its table of contents. The data is
/// read only when asked for, from the files.
#[derive(Debug)]
pub struct Archive {
    /// The archive file (custom) or directory (directory).
    pub path: PathBuf,
    /// Custom or directory.
    pub format: ArchiveFormat,
    /// Archive version: major, minor, revision (1.14.0 for pg_dump 12 to 15).
    pub version: (u8, u8, u8),
    /// How the data is compressed.
    pub compression: Compression,
    /// Bytes of an integer (4 in practice).
    pub int_size: u8,
    /// Bytes of a file offset (8 in practice).
    pub off_size: u8,
    /// When pg_dump started.
    pub created: DumpTime,
    /// The database dumped.
    pub database: String,
    /// The version of the server dumped, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub server_version: String,
    /// The version of pg_dump, e.g. `17.11 (Debian 17.11-0+deb13u1)`.
    pub dump_version: String,
    /// The table of contents, in archive order.
    pub entries: Vec<TocEntry>,
    /// Custom archives without data offsets: how far the search for data blocks got.
    scan: Mutex<BlockScan>,
}

/// Opens an archive and reads its header and table of contents (not its data): a directory is
/// read through its `toc.dat`, a file must be a custom archive (or a directory's `toc.dat`).
pub fn open(path: &Path) -> Result<Archive, ArchiveError> {
    let meta = std::fs::metadata(path).map_err(|e| ArchiveError::io(path, e))?;
    if meta.is_dir() {
        let toc_file = path.join("toc.dat");
        if !toc_file.is_file() {
            return Err(ArchiveError::NotAnArchive {
                file: path.to_path_buf(),
                reason: "a directory without toc.dat".into(),
            });
        }
        let (head, entries, _) = read_toc_file(&toc_file)?;
        if head.format_code != toc::FORMAT_TAR {
            return Err(format_mismatch(
                &toc_file,
                head.format_code,
                "the toc.dat of a directory archive has 3",
            ));
        }
        return Ok(Archive::new(
            path.to_path_buf(),
            ArchiveFormat::Directory,
            head,
            entries,
            0,
        ));
    }
    let (head, entries, toc_end) = read_toc_file(path)?;
    match head.format_code {
        toc::FORMAT_CUSTOM => Ok(Archive::new(
            path.to_path_buf(),
            ArchiveFormat::Custom,
            head,
            entries,
            toc_end,
        )),
        // A directory archive's toc.dat, given by itself.
        toc::FORMAT_TAR => {
            let dir = path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            Ok(Archive::new(
                dir,
                ArchiveFormat::Directory,
                head,
                entries,
                0,
            ))
        }
        code => Err(format_mismatch(
            path,
            code,
            "a custom archive has 1, a directory's toc.dat 3",
        )),
    }
}

fn format_mismatch(file: &Path, code: u8, expected: &str) -> ArchiveError {
    ArchiveError::Corrupt {
        file: file.to_path_buf(),
        // The format byte follows the signature, the version and the two sizes.
        at: 11,
        part: Part::Header { field: "format" },
        detail: format!("format code {code}; {expected}"),
    }
}

/// Reads the header and the table of contents of `file`; returns where the table ends.
fn read_toc_file(file: &Path) -> Result<(toc::Head, Vec<TocEntry>, u64), ArchiveError> {
    let handle = File::open(file).map_err(|e| ArchiveError::io(file, e))?;
    let len = handle
        .metadata()
        .map_err(|e| ArchiveError::io(file, e))?
        .len();
    let mut reader = BufReader::new(handle);
    let mut start = Vec::with_capacity(512);
    (&mut reader)
        .take(512)
        .read_to_end(&mut start)
        .map_err(|e| ArchiveError::io(file, e))?;
    if !start.starts_with(toc::MAGIC) {
        return Err(ArchiveError::NotAnArchive {
            file: file.to_path_buf(),
            reason: what_it_is(&start).into(),
        });
    }
    let mut p = Primitives::new(start.as_slice().chain(reader), 0, len);
    let head = toc::read_head(&mut p, file)?;
    let entries = toc::read_toc(&mut p, &head, file)?;
    Ok((head, entries, p.pos()))
}

/// What a file that is not an archive looks like, from its first bytes.
fn what_it_is(start: &[u8]) -> &'static str {
    if start.is_empty() {
        "an empty file"
    } else if start.starts_with(&[0x1f, 0x8b]) {
        "a gzip-compressed file; decompress it first"
    } else if start.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "a zstd-compressed file; decompress it first"
    } else if start.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        "an lz4-compressed file; decompress it first"
    } else if start.get(257..262) == Some(b"ustar") {
        "a tar archive (pg_dump -Ft), which this build does not read"
    } else if !start.contains(&0) && is_utf8_prefix(start) {
        "a text file; a plain SQL dump is read as text"
    } else {
        "no PGDMP signature"
    }
}

/// `bytes` is UTF-8 but maybe for a character cut at its end.
fn is_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

impl Archive {
    fn new(
        path: PathBuf,
        format: ArchiveFormat,
        head: toc::Head,
        entries: Vec<TocEntry>,
        toc_end: u64,
    ) -> Self {
        Archive {
            path,
            format,
            version: head.version,
            compression: head.compression,
            int_size: head.int_size,
            off_size: head.off_size,
            created: head.created,
            database: head.database,
            server_version: head.server_version,
            dump_version: head.dump_version,
            entries,
            scan: Mutex::new(BlockScan {
                next: toc_end,
                ..BlockScan::default()
            }),
        }
    }

    /// The file holding the table of contents: the archive itself, or a directory's `toc.dat`.
    pub fn toc_file(&self) -> PathBuf {
        match self.format {
            ArchiveFormat::Custom => self.path.clone(),
            ArchiveFormat::Directory => self.path.join("toc.dat"),
        }
    }

    /// The entry with this dump id.
    pub fn entry(&self, dump_id: i32) -> Option<&TocEntry> {
        self.entries.iter().find(|e| e.dump_id == dump_id)
    }

    /// The rows of one `TABLE DATA` entry: its data decompressed as a stream and its COPY text
    /// rows counted (lines before the `\.` terminator or the end of the data).
    pub fn count_rows(&self, entry: &TocEntry) -> Result<u64, ArchiveError> {
        let no_rows = |why| ArchiveError::NoRows {
            file: self.path.clone(),
            dump_id: entry.dump_id,
            desc: entry.desc.clone(),
            tag: entry.tag.clone(),
            why,
        };
        if entry.desc != "TABLE DATA" {
            return Err(no_rows("is not table data"));
        }
        if entry.copy_stmt.is_empty() {
            return Err(no_rows(
                "holds INSERT statements (pg_dump --inserts), not COPY rows",
            ));
        }
        match (self.format, &entry.data) {
            (ArchiveFormat::Custom, DataLocation::Offset(at)) => {
                self.count_custom(entry.dump_id, Some(*at))
            }
            (ArchiveFormat::Custom, DataLocation::Unknown) => {
                self.count_custom(entry.dump_id, None)
            }
            (ArchiveFormat::Directory, DataLocation::File(name)) => {
                self.count_file(entry.dump_id, name)
            }
            _ => Err(no_rows("has no data in the archive")),
        }
    }

    /// Every entry as a format-independent [`DumpEntry`], in archive order; with `count_rows`,
    /// the rows of every `TABLE DATA` entry in COPY form are counted (`--inserts` data has
    /// no count).
    pub fn dump_entries(&self, count_rows: bool) -> Result<Vec<DumpEntry>, ArchiveError> {
        self.entries
            .iter()
            .map(|entry| {
                let rows =
                    if count_rows && entry.desc == "TABLE DATA" && !entry.copy_stmt.is_empty() {
                        Some(self.count_rows(entry)?)
                    } else {
                        None
                    };
                Ok(DumpEntry {
                    rows,
                    ..entry.to_dump_entry()
                })
            })
            .collect()
    }
}

impl TocEntry {
    /// The entry as a [`DumpEntry`], without rows: `sql` is the definition, followed by the
    /// `COPY` statement of a data entry.
    pub fn to_dump_entry(&self) -> DumpEntry {
        let mut sql = self.defn.clone();
        if !self.copy_stmt.is_empty() {
            if !sql.is_empty() && !sql.ends_with('\n') {
                sql.push('\n');
            }
            sql.push_str(&self.copy_stmt);
        }
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        DumpEntry {
            desc: self.desc.clone(),
            tag: self.tag.clone(),
            namespace: non_empty(&self.namespace),
            owner: non_empty(&self.owner),
            sql,
            position: u64::from(self.dump_id.unsigned_abs()),
            rows: None,
        }
    }
}
