//! pgparity: checks and repairs PostgreSQL migrations.
//!
//! The library follows the pipeline of `DESIGN.md`: inputs ([`dump`], [`introspect`]) become a
//! [`catalog::Catalog`]; [`rules`] say what a target allows; [`remediate`] writes SQL that fixes
//! what can be fixed; everything judged becomes a [`findings::Finding`]; [`report`] prints them.

pub mod catalog;
pub mod check;
pub mod diff;
pub mod dump;
pub mod findings;
pub mod introspect;
pub mod remediate;
pub mod report;
pub mod rules;
pub mod triage;
pub mod verify;
