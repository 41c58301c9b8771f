//! Reading live servers. Every session is read-only (`BEGIN READ ONLY`), named `pgparity`, and
//! bounded by a statement timeout.

pub mod conn;
pub mod contents;
pub mod snapshot;
pub mod target;

pub use conn::{ConnError, ConnSpec};
pub use snapshot::{load_snapshot, read_snapshot, SnapshotError};
pub use target::{read_target_facts, IntrospectError};
