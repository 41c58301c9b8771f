//! Why an archive could not be read: one-line messages that name the file and, for a damaged
//! file, the byte and the field where reading stopped.

use super::primitives::Fault;
use super::Compression;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an archive could not be read.
#[derive(Debug, Error)]
pub enum ArchiveError {
    /// The file is something else: a plain SQL dump, a tar archive, a compressed file, an
    /// empty file, a directory without `toc.dat`.
    #[error("{}: not a pg_dump custom or directory archive ({reason})", file.display())]
    NotAnArchive {
        /// The file or directory.
        file: PathBuf,
        /// What it looks like instead.
        reason: String,
    },
    /// An archive version this build does not read.
    #[error("{}: archive version {}.{}; this build reads 1.12 to 1.16", file.display(), version.0, version.1)]
    UnsupportedVersion {
        /// The file.
        file: PathBuf,
        /// Major, minor and revision from the header.
        version: (u8, u8, u8),
    },
    /// The file ends before what it announces.
    #[error("{}: truncated at byte {at} while reading {part}", file.display())]
    Truncated {
        /// The file.
        file: PathBuf,
        /// Where the file ends (or where a length field points beyond it).
        at: u64,
        /// What was being read.
        part: Part,
    },
    /// A field holds a value no pg_dump writes.
    #[error("{}: corrupt at byte {at} while reading {part}: {detail}", file.display())]
    Corrupt {
        /// The file.
        file: PathBuf,
        /// Where the field ends.
        at: u64,
        /// What was being read.
        part: Part,
        /// What is wrong with it.
        detail: String,
    },
    /// Compressed data that does not decompress.
    #[error("{}: corrupt {compression} data in {part}: {detail}", file.display())]
    Decompress {
        /// The file.
        file: PathBuf,
        /// The compression of the data.
        compression: Compression,
        /// What was being read.
        part: Part,
        /// What the decompressor said.
        detail: String,
    },
    /// The entry has no COPY rows to count.
    #[error("{}: entry {dump_id} ({desc} {tag}) {why}", file.display())]
    NoRows {
        /// The archive.
        file: PathBuf,
        /// The entry's dump id.
        dump_id: i32,
        /// The entry's type.
        desc: String,
        /// The entry's name.
        tag: String,
        /// Why: not table data, no data, or INSERT statements instead of COPY.
        why: &'static str,
    },
    /// A directory archive lacks the data file of an entry.
    #[error("{}: missing (nor with .gz, .lz4 or .zst), the data of entry {dump_id}", file.display())]
    MissingDataFile {
        /// The data file the table of contents names.
        file: PathBuf,
        /// The entry's dump id.
        dump_id: i32,
    },
    /// The system could not read the file.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
}

/// The part of an archive being read, for errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// The header; `field` names the field.
    Header {
        /// `database name`, `compression`, ...
        field: &'static str,
    },
    /// The number of entries at the start of the table of contents.
    TocCount,
    /// A field of a table-of-contents entry.
    TocEntry {
        /// 1-based position of the entry.
        index: u32,
        /// How many entries the table of contents announces.
        count: u32,
        /// `defn`, `owner`, `dependencies`, ...
        field: &'static str,
    },
    /// The data of an entry.
    Data {
        /// The entry's dump id.
        dump_id: i32,
    },
    /// The data blocks of a custom archive written to a pipe, scanned for an entry's block.
    BlockScan {
        /// The dump id looked for.
        dump_id: i32,
    },
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Header { field } => write!(f, "the header (its {field})"),
            Part::TocCount => write!(f, "the table of contents (its entry count)"),
            Part::TocEntry {
                index,
                count,
                field,
            } => {
                write!(
                    f,
                    "the table of contents (entry {index} of {count}, its {field})"
                )
            }
            Part::Data { dump_id } => write!(f, "the data of entry {dump_id}"),
            Part::BlockScan { dump_id } => {
                write!(
                    f,
                    "the data blocks (looking for the block of entry {dump_id})"
                )
            }
        }
    }
}

impl ArchiveError {
    /// The error for a primitive that failed in `part` of `file`.
    pub(crate) fn from_fault(fault: Fault, file: &Path, part: Part) -> Self {
        let file = file.to_path_buf();
        match fault {
            Fault::Truncated { at } => ArchiveError::Truncated { file, at, part },
            Fault::Corrupt { at, detail } => ArchiveError::Corrupt {
                file,
                at,
                part,
                detail,
            },
            Fault::Io(source) => ArchiveError::Io { file, source },
        }
    }

    /// An I/O error on `file`.
    pub(crate) fn io(file: &Path, source: io::Error) -> Self {
        ArchiveError::Io {
            file: file.to_path_buf(),
            source,
        }
    }
}
