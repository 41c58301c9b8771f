//! The catalog model: one typed, serde-serializable picture of a server (or of what a dump says
//! about one). Every input becomes a [`Catalog`]; every later stage reads one.

pub mod ident;
pub mod objects;
pub mod roles;
pub mod server;
pub mod target;

pub use ident::{quote_ident, quote_literal, RoleName};
pub use objects::{
    qualified, trigger_state, Acl, Column, Constraint, DefaultPrivileges, EventTrigger, Function,
    Index, Language, Objects, Owned, Policy, Publication, Schema, Sequence, Table, Trigger, Type,
    View,
};
pub use roles::{Membership, PasswordKind, Role, RoleAttribute, RoleSetting};
pub use server::{
    AvailableExtension, Database, DatabaseContents, DumpOrigin, Incompatibility,
    InstalledExtension, NotUnderstood, ServerInfo, Setting, Snapshot, Tablespace, SNAPSHOT_FORMAT,
};
pub use target::{Applier, ExistingRole, FactsOrigin, ParameterFact, TargetFacts};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything pgparity knows about one server or dump.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Roles by name.
    pub roles: BTreeMap<RoleName, Role>,
    /// Role memberships (`GRANT role TO member`).
    pub memberships: Vec<Membership>,
    /// `ALTER ROLE ... [IN DATABASE ...] SET` values.
    pub role_settings: Vec<RoleSetting>,
}
