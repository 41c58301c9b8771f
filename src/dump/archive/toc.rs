//! The header and the table of contents (pg_backup_archiver.c `ReadHead`, `ReadToc`, and the
//! format's `_ReadExtraToc` in pg_backup_custom.c and pg_backup_directory.c). Reading them never
//! touches the data: `pg_restore -l` reads exactly this much.

use super::error::{ArchiveError, Part};
use super::primitives::{Fault, Primitives, OFFSET_NO_DATA, OFFSET_POS_NOT_SET, OFFSET_POS_SET};
use super::{Compression, DataLocation, DumpTime, TocEntry};
use std::io::Read;
use std::path::Path;

/// The signature every archive (and a directory archive's `toc.dat`) starts with.
pub(crate) const MAGIC: &[u8; 5] = b"PGDMP";

/// The archive versions this build reads: 1.12 (pg_dump 9.0) is the first with separate BLOB
/// entries, 1.16 (pg_dump 17 and 18) the newest.
pub(crate) const MIN_MINOR: u8 = 12;
/// See [`MIN_MINOR`].
pub(crate) const MAX_MINOR: u8 = 16;

/// Header format codes (pg_backup.h `ArchiveFormat`).
pub(crate) const FORMAT_CUSTOM: u8 = 1;
/// A directory archive's `toc.dat` carries the tar code: the two formats share their reader of
/// the table of contents (pg_backup_directory.c, `InitArchiveFmt_Directory`).
pub(crate) const FORMAT_TAR: u8 = 3;

/// Archive versions that changed what the header and the entries hold.
const V1_14: (u8, u8) = (1, 14); // table access method (pg_dump 12)
const V1_15: (u8, u8) = (1, 15); // compression algorithm byte (pg_dump 16)
const V1_16: (u8, u8) = (1, 16); // relkind (pg_dump 17)

/// What the header says.
#[derive(Debug)]
pub(crate) struct Head {
    pub version: (u8, u8, u8),
    pub int_size: u8,
    pub off_size: u8,
    pub format_code: u8,
    pub compression: Compression,
    pub created: DumpTime,
    pub database: String,
    pub server_version: String,
    pub dump_version: String,
}

fn at_least(version: (u8, u8, u8), min: (u8, u8)) -> bool {
    (version.0, version.1) >= min
}

/// Reads the header, magic included.
pub(crate) fn read_head<R: Read>(p: &mut Primitives<R>, file: &Path) -> Result<Head, ArchiveError> {
    let fail = |fault: Fault, field: &'static str| {
        ArchiveError::from_fault(fault, file, Part::Header { field })
    };
    let magic = p
        .bytes(MAGIC.len() as u64)
        .map_err(|f| fail(f, "signature"))?;
    if magic != MAGIC {
        return Err(ArchiveError::NotAnArchive {
            file: file.to_path_buf(),
            reason: "no PGDMP signature".into(),
        });
    }
    let major = p.byte().map_err(|f| fail(f, "version"))?;
    let minor = p.byte().map_err(|f| fail(f, "version"))?;
    // Archives after 1.0 carry a revision byte.
    let rev = if (major, minor) > (1, 0) {
        p.byte().map_err(|f| fail(f, "version"))?
    } else {
        0
    };
    let version = (major, minor, rev);
    if major != 1 || !(MIN_MINOR..=MAX_MINOR).contains(&minor) {
        return Err(ArchiveError::UnsupportedVersion {
            file: file.to_path_buf(),
            version,
        });
    }

    let int_size = p.byte().map_err(|f| fail(f, "integer size"))?;
    // ReadHead refuses more than 32; 0 would make every integer 0.
    if !(1..=32).contains(&int_size) {
        return Err(fail(
            p.corrupt(format!("integer size {int_size}")),
            "integer size",
        ));
    }
    let off_size = p.byte().map_err(|f| fail(f, "offset size"))?;
    if !(1..=32).contains(&off_size) {
        return Err(fail(
            p.corrupt(format!("offset size {off_size}")),
            "offset size",
        ));
    }
    p.set_sizes(int_size, off_size);
    let format_code = p.byte().map_err(|f| fail(f, "format"))?;

    let compression = if at_least(version, V1_15) {
        match p.byte().map_err(|f| fail(f, "compression"))? {
            0 => Compression::None,
            1 => Compression::Gzip,
            2 => Compression::Lz4,
            3 => Compression::Zstd,
            other => {
                return Err(fail(
                    p.corrupt(format!("compression algorithm {other}")),
                    "compression",
                ))
            }
        }
    } else {
        // Before 1.15, a zlib level: 0 none, -1 (Z_DEFAULT_COMPRESSION) or 1..9 gzip.
        match p.int().map_err(|f| fail(f, "compression"))? {
            0 => Compression::None,
            _ => Compression::Gzip,
        }
    };

    let mut tm = [0i32; 7];
    for value in &mut tm {
        *value = p.int32().map_err(|f| fail(f, "creation time"))?;
    }
    let [second, minute, hour, day, month0, year1900, dst] = tm;
    let created = DumpTime {
        year: year1900.saturating_add(1900),
        month: month0.saturating_add(1),
        day,
        hour,
        minute,
        second,
        dst: dst > 0,
    };
    let database = p
        .string()
        .map_err(|f| fail(f, "database name"))?
        .unwrap_or_default();
    let server_version = p
        .string()
        .map_err(|f| fail(f, "server version"))?
        .unwrap_or_default();
    let dump_version = p
        .string()
        .map_err(|f| fail(f, "pg_dump version"))?
        .unwrap_or_default();

    Ok(Head {
        version,
        int_size,
        off_size,
        format_code,
        compression,
        created,
        database,
        server_version,
        dump_version,
    })
}

/// Reads one field after another of entry `index`, naming the field in errors.
struct EntryFields<'a, R> {
    p: &'a mut Primitives<R>,
    file: &'a Path,
    index: u32,
    count: u32,
}

impl<R: Read> EntryFields<'_, R> {
    fn fail(&self, fault: Fault, field: &'static str) -> ArchiveError {
        let part = Part::TocEntry {
            index: self.index,
            count: self.count,
            field,
        };
        ArchiveError::from_fault(fault, self.file, part)
    }

    fn int32(&mut self, field: &'static str) -> Result<i32, ArchiveError> {
        self.p.int32().map_err(|f| self.fail(f, field))
    }

    fn string(&mut self, field: &'static str) -> Result<Option<String>, ArchiveError> {
        self.p.string().map_err(|f| self.fail(f, field))
    }

    /// A string where NULL and empty mean the same.
    fn text(&mut self, field: &'static str) -> Result<String, ArchiveError> {
        Ok(self.string(field)?.unwrap_or_default())
    }

    fn corrupt(&self, field: &'static str, detail: String) -> ArchiveError {
        self.fail(self.p.corrupt(detail), field)
    }
}

/// Reads the table of contents that follows the header.
pub(crate) fn read_toc<R: Read>(
    p: &mut Primitives<R>,
    head: &Head,
    file: &Path,
) -> Result<Vec<TocEntry>, ArchiveError> {
    let count = p
        .int32()
        .map_err(|f| ArchiveError::from_fault(f, file, Part::TocCount))?;
    let count = u32::try_from(count).map_err(|_| {
        ArchiveError::from_fault(
            p.corrupt(format!("entry count {count}")),
            file,
            Part::TocCount,
        )
    })?;
    // The count may lie; the vector grows with what is really there.
    let mut entries = Vec::with_capacity(count.min(4096) as usize);
    for index in 1..=count {
        let mut fields = EntryFields {
            p: &mut *p,
            file,
            index,
            count,
        };
        entries.push(read_entry(&mut fields, head)?);
    }
    Ok(entries)
}

fn read_entry<R: Read>(f: &mut EntryFields<'_, R>, head: &Head) -> Result<TocEntry, ArchiveError> {
    let dump_id = f.int32("dump id")?;
    if dump_id <= 0 {
        return Err(f.corrupt("dump id", format!("dump id {dump_id} out of range")));
    }
    let had_dumper = f.int32("data flag")? != 0;
    let table_oid = f.text("table oid")?;
    let oid = f.text("oid")?;
    let tag = f.text("tag")?;
    let desc = f.text("desc")?;
    let section = f.int32("section")?;
    let defn = f.text("defn")?;
    let drop_stmt = f.text("drop statement")?;
    let copy_stmt = f.text("copy statement")?;
    let namespace = f.text("namespace")?;
    let tablespace = f.text("tablespace")?;
    let table_am = if at_least(head.version, V1_14) {
        f.text("table access method")?
    } else {
        String::new()
    };
    let relkind = if at_least(head.version, V1_16) {
        // pg_dump 17+ writes the relkind character as an int; 0 for entries of no relation.
        match f.int32("relkind")? {
            0 => None,
            code => Some(
                u8::try_from(code)
                    .map(char::from)
                    .map_err(|_| f.corrupt("relkind", format!("relkind {code}")))?,
            ),
        }
    } else {
        None
    };
    let owner = f.text("owner")?;
    // "true" only in archives of tables WITH OIDS (pg_dump 11 and older); pg_restore warns.
    let _with_oids = f.string("with-oids flag")?;

    let mut dependencies = Vec::new();
    while let Some(dep) = f.string("dependencies")? {
        let id = dep.parse::<i32>().map_err(|_| {
            f.corrupt(
                "dependencies",
                format!("dependency {dep:?} is not a dump id"),
            )
        })?;
        dependencies.push(id);
    }

    let data = match head.format_code {
        FORMAT_CUSTOM => match f.p.offset().map_err(|e| f.fail(e, "data offset"))? {
            (OFFSET_POS_SET, pos) => DataLocation::Offset(pos),
            (OFFSET_POS_NOT_SET, _) => DataLocation::Unknown,
            (OFFSET_NO_DATA, _) => DataLocation::None,
            (flag, _) => return Err(f.corrupt("data offset", format!("data offset flag {flag}"))),
        },
        _ => match f.string("data file name")? {
            Some(name) if !name.is_empty() => DataLocation::File(name),
            _ => DataLocation::None,
        },
    };

    Ok(TocEntry {
        dump_id,
        had_dumper,
        table_oid,
        oid,
        tag,
        desc,
        section,
        defn,
        drop_stmt,
        copy_stmt,
        namespace,
        tablespace,
        table_am,
        relkind,
        owner,
        dependencies,
        data,
    })
}
