//! Reading live servers. Every session is read-only (`BEGIN READ ONLY`), named `pgparity`, and
//! bounded by a statement timeout.

pub mod conn;
pub mod contents;
pub mod target;

pub use conn::{ConnError, ConnSpec};
pub use target::{read_target_facts, IntrospectError};
