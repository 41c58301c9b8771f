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

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes archive primitives as pg_dump does (intSize 4, offSize 8).
    #[derive(Default)]
    struct Writer(Vec<u8>);

    impl Writer {
        fn byte(&mut self, b: u8) -> &mut Self {
            self.0.push(b);
            self
        }
        fn int(&mut self, v: i32) -> &mut Self {
            self.0.push(u8::from(v < 0));
            self.0.extend_from_slice(&v.unsigned_abs().to_le_bytes());
            self
        }
        fn str(&mut self, s: Option<&str>) -> &mut Self {
            match s {
                None => self.int(-1),
                Some(s) => {
                    self.int(s.len() as i32);
                    self.0.extend_from_slice(s.as_bytes());
                    self
                }
            }
        }
    }

    /// A custom archive of `minor` with one TABLE entry (dump id 203, depending on 7).
    fn archive(minor: u8, compression: i32) -> Vec<u8> {
        let mut w = Writer::default();
        w.0.extend_from_slice(MAGIC);
        w.byte(1)
            .byte(minor)
            .byte(0)
            .byte(4)
            .byte(8)
            .byte(FORMAT_CUSTOM);
        if minor >= 15 {
            w.byte(compression as u8);
        } else {
            w.int(compression);
        }
        for tm in [7, 36, 22, 21, 10, 126, 0] {
            w.int(tm);
        }
        w.str(Some("appdb")).str(Some("13.23")).str(Some("15.18"));
        w.int(1); // entries
        w.int(203)
            .int(0)
            .str(Some("1259"))
            .str(Some("16429"))
            .str(Some("t"))
            .str(Some("TABLE"));
        w.int(2)
            .str(Some("CREATE TABLE app.t ();\n"))
            .str(Some("DROP TABLE app.t;\n"))
            .str(None);
        w.str(Some("app")).str(Some(""));
        if minor >= 14 {
            w.str(Some("heap"));
        }
        if minor >= 16 {
            w.int(i32::from(b'r'));
        }
        w.str(Some("postgres")).str(Some("false"));
        w.str(Some("7")).str(None);
        w.byte(OFFSET_NO_DATA).0.extend_from_slice(&[0; 8]);
        w.0
    }

    fn read(bytes: &[u8]) -> Result<(Head, Vec<TocEntry>), ArchiveError> {
        let mut p = Primitives::new(bytes, 0, bytes.len() as u64);
        let file = Path::new("synthetic.dump");
        let head = read_head(&mut p, file)?;
        let entries = read_toc(&mut p, &head, file)?;
        assert_eq!(p.remaining(), 0, "every byte read");
        Ok((head, entries))
    }

    #[test]
    fn every_version_from_1_12_to_1_16_reads_its_own_fields() {
        for minor in MIN_MINOR..=MAX_MINOR {
            let (head, entries) =
                read(&archive(minor, 1)).unwrap_or_else(|e| panic!("1.{minor}: {e}"));
            assert_eq!(head.version, (1, minor, 0));
            assert_eq!(head.compression, Compression::Gzip, "1.{minor}");
            assert_eq!(head.created.to_string(), "2026-11-21 22:36:07");
            assert_eq!(
                (head.database.as_str(), head.server_version.as_str()),
                ("appdb", "13.23")
            );
            let e = &entries[0];
            assert_eq!(
                (e.dump_id, e.desc.as_str(), e.namespace.as_str()),
                (203, "TABLE", "app")
            );
            assert_eq!(e.copy_stmt, "", "NULL reads as empty");
            assert_eq!(
                e.table_am,
                if minor >= 14 { "heap" } else { "" },
                "1.{minor}"
            );
            assert_eq!(e.relkind, (minor >= 16).then_some('r'), "1.{minor}");
            assert_eq!(
                (e.owner.as_str(), e.dependencies.as_slice()),
                ("postgres", &[7][..])
            );
            assert_eq!(e.data, DataLocation::None);
        }
    }

    #[test]
    fn compression_is_a_zlib_level_before_1_15_and_an_algorithm_after() {
        assert_eq!(
            read(&archive(14, -1)).map(|r| r.0.compression).ok(),
            Some(Compression::Gzip)
        );
        assert_eq!(
            read(&archive(14, 0)).map(|r| r.0.compression).ok(),
            Some(Compression::None)
        );
        assert_eq!(
            read(&archive(14, 9)).map(|r| r.0.compression).ok(),
            Some(Compression::Gzip)
        );
        assert_eq!(
            read(&archive(15, 2)).map(|r| r.0.compression).ok(),
            Some(Compression::Lz4)
        );
        assert_eq!(
            read(&archive(16, 3)).map(|r| r.0.compression).ok(),
            Some(Compression::Zstd)
        );
        assert_eq!(
            read(&archive(16, 0)).map(|r| r.0.compression).ok(),
            Some(Compression::None)
        );
        let err = read(&archive(16, 4)).expect_err("algorithm 4");
        assert_eq!(
            err.to_string(),
            "synthetic.dump: corrupt at byte 12 while reading the header (its compression): compression algorithm 4"
        );
    }

    #[test]
    fn versions_outside_1_12_to_1_16_are_refused() {
        for minor in [0, 11, 17] {
            let err = read(&archive(minor, 1)).expect_err("unsupported");
            assert!(
                matches!(err, ArchiveError::UnsupportedVersion { version: (1, m, _), .. } if m == minor),
                "{err}"
            );
        }
    }

    #[test]
    fn a_dump_id_below_one_is_corrupt() {
        let mut bytes = archive(14, 1);
        let at = bytes
            .windows(5)
            .position(|w| w == [0, 203, 0, 0, 0])
            .expect("dump id");
        bytes[at] = 1; // -203
        let err = read(&bytes).expect_err("negative dump id");
        assert!(
            err.to_string()
                .ends_with("(entry 1 of 1, its dump id): dump id -203 out of range"),
            "{err}"
        );
    }

    #[test]
    fn a_dependency_must_be_a_dump_id() {
        let mut bytes = archive(14, 1);
        let at = bytes
            .windows(6)
            .position(|w| w == [0, 1, 0, 0, 0, b'7'])
            .expect("dependency");
        bytes[at + 5] = b'x';
        let err = read(&bytes).expect_err("a bad dependency");
        assert!(
            err.to_string()
                .ends_with("its dependencies): dependency \"x\" is not a dump id"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_data_offset_flag_is_corrupt() {
        let mut bytes = archive(16, 1);
        let flag = bytes.len() - 9;
        bytes[flag] = 9;
        let err = read(&bytes).expect_err("flag 9");
        assert!(
            err.to_string()
                .ends_with("its data offset): data offset flag 9"),
            "{err}"
        );
    }
}
