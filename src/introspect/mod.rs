//! Reading live servers. Connection strings are resolved as libpq resolves them (`conn.rs`,
//! `conninfo.rs`, `passfile.rs`), connections use TLS as `sslmode` asks (`tls.rs`), and every
//! session is read-only (`BEGIN READ ONLY`), named `pgparity`, and bounded by a statement
//! timeout (`session.rs`).

pub mod conn;
mod conninfo;
pub mod contents;
pub mod objects;
mod passfile;
pub mod session;
pub mod snapshot;
pub mod target;
mod tls;

pub use conn::{ConnError, ConnSpec};
pub use session::{connect, connect_with, Begin, Canceller, Session};
pub use snapshot::{load_snapshot, read_snapshot, SnapshotError};
pub use target::{read_target_facts, IntrospectError};
