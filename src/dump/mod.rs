//! Reading pg_dump and pg_dumpall text: a streaming lexer, a tokenizer for single statements,
//! recognizers for pg_dump's own statement forms, and redaction of secrets.

pub mod archive;
pub mod entry;
pub mod lexer;
pub mod redact;
pub mod roles;
pub mod tokens;

pub use entry::DumpEntry;
pub use lexer::{Item, LexError, Lexer, Statement};
