//! Reading pg_dump and pg_dumpall text: a streaming lexer, a tokenizer for single statements,
//! recognizers for pg_dump's own statement forms, and redaction of secrets. A plain dump is read
//! as a stream of [`DumpEntry`] values ([`PlainDump`]) and those become the schema objects
//! ([`ObjectsBuilder`]).

pub mod acl;
pub mod archive;
pub mod entry;
pub mod lexer;
pub mod objects;
pub mod plain;
pub mod read;
pub mod redact;
pub mod roles;
pub mod tokens;

pub use entry::DumpEntry;
pub use lexer::{Item, LexError, Lexer, Statement};
pub use objects::{DumpCatalog, NotUnderstood, ObjectsBuilder};
pub use plain::{DumpHeader, PlainDump, PlainError};
pub use read::{input_kind, read_dump, DumpError, InputKind};
