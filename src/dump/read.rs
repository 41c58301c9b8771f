//! A dump as a [`Snapshot`]: a plain SQL file, a custom archive or a directory archive read into
//! the same catalog model a live server gives, for the one database it holds. A dump knows
//! nothing of settings, roles or available extensions; [`Snapshot::dump`] says so to whatever
//! compares it.

use super::archive::{self, ArchiveError, ArchiveFormat};
use super::objects::{DumpCatalog, ObjectsBuilder};
use super::plain::{major_of, PlainDump, PlainError};
use crate::catalog::{
    Database, DatabaseContents, DumpOrigin, ServerInfo, Snapshot, SNAPSHOT_FORMAT,
};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use thiserror::Error;

/// Why a dump could not be read.
#[derive(Debug, Error)]
pub enum DumpError {
    /// A plain dump that is not one, or is cut short.
    #[error(transparent)]
    Plain(#[from] PlainError),
    /// An archive that cannot be read.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
}

/// What a file or directory holds, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A custom archive (`PGDMP`) or a directory.
    Archive,
    /// A JSON document: a saved snapshot.
    Json,
    /// Anything else: read as a plain dump (which says so when it is not one).
    Plain,
}

/// Tells an archive and a snapshot from a plain dump by the first bytes of `path`.
pub fn input_kind(path: &Path) -> std::io::Result<InputKind> {
    if path.is_dir() {
        return Ok(InputKind::Archive);
    }
    let mut start = [0u8; 64];
    let mut file = std::fs::File::open(path)?;
    let mut read = 0;
    while read < start.len() {
        let n = file.read(&mut start[read..])?;
        if n == 0 {
            break;
        }
        read += n;
    }
    let start = &start[..read];
    if start.starts_with(b"PGDMP") {
        return Ok(InputKind::Archive);
    }
    let first = start.iter().find(|b| !b.is_ascii_whitespace());
    Ok(if first == Some(&b'{') {
        InputKind::Json
    } else {
        InputKind::Plain
    })
}

/// Reads the dump at `path` (named `name` in messages). Archives' data is decompressed to count
/// rows only with `count_rows`; a plain dump's rows are counted as it is read.
pub fn read_dump(path: &Path, name: &str, count_rows: bool) -> Result<Snapshot, DumpError> {
    if input_kind(path).map_err(|e| {
        PlainError::from(super::LexError::Io {
            file: name.to_owned(),
            source: e,
        })
    })? == InputKind::Archive
    {
        let archive = archive::open(path)?;
        let server_major = major_of(&archive.server_version);
        let dump_major = major_of(&archive.dump_version);
        let mut builder = ObjectsBuilder::new(server_major, dump_major);
        let mut data = false;
        for entry in archive.dump_entries(count_rows)? {
            data |= holds_data(&entry.desc);
            builder.push(&entry);
        }
        let format = match archive.format {
            ArchiveFormat::Custom => "custom",
            ArchiveFormat::Directory => "directory",
        };
        let origin = DumpOrigin {
            file: name.to_owned(),
            format: format.to_owned(),
            dump_version: Some(archive.dump_version.clone()),
            data,
            not_understood: Vec::new(),
        };
        let database = Some(archive.database.clone()).filter(|d| !d.is_empty());
        return Ok(snapshot(
            builder.finish(),
            database,
            &archive.server_version,
            origin,
            name,
        ));
    }
    let mut dump = PlainDump::open(path)?;
    let header = dump.header().clone();
    let mut builder = ObjectsBuilder::new(header.server_major(), header.pg_dump_major());
    let mut data = false;
    for entry in &mut dump {
        let entry = entry?;
        data |= holds_data(&entry.desc);
        builder.push(&entry);
    }
    let origin = DumpOrigin {
        file: name.to_owned(),
        format: "plain".to_owned(),
        dump_version: header.pg_dump_version.clone(),
        data,
        not_understood: Vec::new(),
    };
    let server_version = header.server_version.clone().unwrap_or_default();
    Ok(snapshot(
        builder.finish(),
        None,
        &server_version,
        origin,
        name,
    ))
}

/// An entry that only a dump with data has.
fn holds_data(desc: &str) -> bool {
    matches!(
        desc,
        "TABLE DATA" | "SEQUENCE SET" | "MATERIALIZED VIEW DATA" | "BLOBS" | "LARGE OBJECTS"
    )
}

/// `15.18 (Debian ...)` as `server_version_num` (150018); 9.6 and older's three parts too.
fn version_num(version: &str) -> u32 {
    let numbers: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take_while(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    match numbers.as_slice() {
        [major, minor, ..] if *major >= 10 => major * 10000 + minor,
        [major, minor, patch, ..] => major * 10000 + minor * 100 + patch,
        [major, minor] => major * 10000 + minor * 100,
        [major] => major * 10000,
        [] => 0,
    }
}

fn snapshot(
    catalog: DumpCatalog,
    database: Option<String>,
    server_version: &str,
    mut origin: DumpOrigin,
    name: &str,
) -> Snapshot {
    origin.not_understood = catalog.not_understood;
    // A dump made without -C does not name its database: the file stands in for it, and a
    // diff pairs it with the other side's database anyway.
    let database = catalog.database.or(database).unwrap_or_else(|| {
        Path::new(name)
            .file_stem()
            .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned())
    });
    let objects = catalog.objects;
    let unlogged_tables = objects
        .tables
        .iter()
        .filter(|(_, t)| t.unlogged)
        .map(|(name, _)| name.clone())
        .collect();
    let tables_without_primary_key = objects
        .tables
        .iter()
        .filter(|(_, t)| {
            t.kind != "foreign table" && !t.constraints.values().any(|c| c.kind == "p")
        })
        .map(|(name, _)| name.clone())
        .collect();
    let contents = DatabaseContents {
        extensions: catalog.extensions,
        large_objects: catalog.large_objects,
        unlogged_tables,
        tables_without_primary_key,
        incompatibilities: Vec::new(),
        objects: Some(objects),
    };
    let db = Database {
        owner: String::new(),
        encoding: String::new(),
        collate: String::new(),
        ctype: String::new(),
        locale_provider: "libc".to_owned(),
        locale: None,
        connection_limit: -1,
        is_template: false,
        allow_connections: true,
        tablespace: String::new(),
        acl: None,
        settings: BTreeMap::new(),
        contents: Some(contents),
        unread: None,
    };
    let version_num = version_num(server_version);
    Snapshot {
        pgparity_snapshot: SNAPSHOT_FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        server: ServerInfo {
            version_num,
            version: server_version.to_owned(),
            major: version_num / 10000,
            current_user: String::new(),
            superuser: false,
        },
        settings: BTreeMap::new(),
        provider_settings: BTreeMap::new(),
        available_extensions: BTreeMap::new(),
        roles: Default::default(),
        databases: BTreeMap::from([(database.clone(), db)]),
        tablespaces: BTreeMap::new(),
        database: Some(database),
        dump: Some(origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_server_version_num() {
        assert_eq!(version_num("15.18 (Debian 15.18-0+deb12u1)"), 150018);
        assert_eq!(version_num("17.7"), 170007);
        assert_eq!(version_num("18beta1"), 180000);
        assert_eq!(version_num("9.6.24"), 90624);
        assert_eq!(version_num(""), 0);
    }
}
