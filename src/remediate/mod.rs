//! Remediation: SQL that brings a target in line. So far, the cleaned roles.sql.

pub mod plan;
pub mod roles;

pub use roles::{clean_roles, CleanError, CleanOutcome, CleanStats};
