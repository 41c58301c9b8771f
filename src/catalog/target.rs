//! What the cleanup knows about the target server and the role that will apply the script:
//! assumed from a profile, or read from a live server.

use super::RoleName;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Where the facts come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FactsOrigin {
    /// The profile's assumptions; no server was asked.
    Assumed {
        /// The profile.
        profile: String,
    },
    /// Read from a live server.
    Live {
        /// `server_version` as the server reports it.
        server_version: String,
    },
}

/// The role that applies the script (`psql -f` as this role).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applier {
    /// Its name, when known.
    pub name: Option<RoleName>,
    /// `SUPERUSER`
    pub superuser: bool,
    /// `CREATEROLE`
    pub createrole: bool,
    /// `CREATEDB`
    pub createdb: bool,
    /// `REPLICATION`
    pub replication: bool,
    /// `BYPASSRLS`
    pub bypassrls: bool,
}

/// A role that already exists on the target, and what the applier may do with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingRole {
    /// `SUPERUSER`
    pub superuser: bool,
    /// `REPLICATION`
    pub replication: bool,
    /// `BYPASSRLS`
    pub bypassrls: bool,
    /// The applier holds ADMIN OPTION on it (may grant it; on 16+ may alter it).
    pub admin: bool,
    /// The applier has its privileges (may act `GRANTED BY` it on 16+).
    pub privileges: bool,
}

/// What the target says about one server parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterFact {
    /// `pg_settings.context`
    pub context: String,
    /// The applier may set it (context `user`, or a `SET` privilege on it, or superuser).
    pub settable: bool,
}

/// Facts about the target that decide what a roles script may contain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetFacts {
    /// Where the facts come from.
    pub origin: FactsOrigin,
    /// The major version (13, 17, ...).
    pub server_major: u32,
    /// The applying role.
    pub applier: Applier,
    /// Roles that exist on the target.
    pub roles: BTreeMap<RoleName, ExistingRole>,
    /// The applier may manage every role that is not the provider's own (Azure extends
    /// `azure_pg_admin` this way on every version).
    pub manages_all_roles: bool,
    /// `password_encryption` on the target.
    pub password_encryption: String,
    /// Server parameters by lower-case name, when read from a live server.
    pub parameters: Option<BTreeMap<String, ParameterFact>>,
}

impl TargetFacts {
    /// True when `name` is the applying role itself.
    pub fn is_applier(&self, name: &RoleName) -> bool {
        self.applier.name.as_ref() == Some(name)
    }

    /// The existing role of that name, if the target has it.
    pub fn existing(&self, name: &RoleName) -> Option<&ExistingRole> {
        self.roles.get(name)
    }

    /// Names of existing roles (for messages and tests).
    pub fn role_names(&self) -> BTreeSet<&RoleName> {
        self.roles.keys().collect()
    }

    /// A one-line description for report headers.
    pub fn describe(&self) -> String {
        let who = match &self.applier.name {
            Some(name) => format!("role {}", name.quoted()),
            None => "the administrator".to_owned(),
        };
        let mut attrs = Vec::new();
        for (on, kw) in [
            (self.applier.superuser, "SUPERUSER"),
            (self.applier.createrole, "CREATEROLE"),
            (self.applier.createdb, "CREATEDB"),
            (self.applier.replication, "REPLICATION"),
            (self.applier.bypassrls, "BYPASSRLS"),
        ] {
            if on {
                attrs.push(kw);
            }
        }
        let attrs = if attrs.is_empty() {
            "no role attributes".to_owned()
        } else {
            attrs.join(" ")
        };
        match &self.origin {
            FactsOrigin::Assumed { profile } => format!(
                "assumed by profile {profile}: PostgreSQL {}, applied by {who} with {attrs}",
                self.server_major
            ),
            FactsOrigin::Live { server_version } => {
                format!("live target: PostgreSQL {server_version}, applied by {who} with {attrs}")
            }
        }
    }
}
