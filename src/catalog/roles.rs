//! Roles, memberships and role settings.

use super::RoleName;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A boolean role attribute, as `CREATE ROLE` and `ALTER ROLE` spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RoleAttribute {
    Superuser,
    Inherit,
    Createrole,
    Createdb,
    Login,
    Replication,
    Bypassrls,
}

impl RoleAttribute {
    /// All attributes, in the order pg_dumpall writes them.
    pub const ALL: [RoleAttribute; 7] = [
        RoleAttribute::Superuser,
        RoleAttribute::Inherit,
        RoleAttribute::Createrole,
        RoleAttribute::Createdb,
        RoleAttribute::Login,
        RoleAttribute::Replication,
        RoleAttribute::Bypassrls,
    ];

    /// The positive keyword (`SUPERUSER`); the negative one is this with `NO` in front.
    pub fn keyword(self) -> &'static str {
        match self {
            RoleAttribute::Superuser => "SUPERUSER",
            RoleAttribute::Inherit => "INHERIT",
            RoleAttribute::Createrole => "CREATEROLE",
            RoleAttribute::Createdb => "CREATEDB",
            RoleAttribute::Login => "LOGIN",
            RoleAttribute::Replication => "REPLICATION",
            RoleAttribute::Bypassrls => "BYPASSRLS",
        }
    }

    /// Reads a keyword, positive or `NO`-prefixed, in any case: `Some((attribute, value))`.
    pub fn parse_keyword(word: &str) -> Option<(RoleAttribute, bool)> {
        let (value, bare) = match word.get(..2) {
            Some(no) if no.eq_ignore_ascii_case("NO") => (false, &word[2..]),
            _ => (true, word),
        };
        let attribute = RoleAttribute::ALL
            .into_iter()
            .find(|a| a.keyword().eq_ignore_ascii_case(bare))?;
        Some((attribute, value))
    }

    /// The keyword for a value of this attribute (`NOLOGIN` for `Login, false`).
    pub fn keyword_for(self, value: bool) -> &'static str {
        match (self, value) {
            (RoleAttribute::Superuser, false) => "NOSUPERUSER",
            (RoleAttribute::Inherit, false) => "NOINHERIT",
            (RoleAttribute::Createrole, false) => "NOCREATEROLE",
            (RoleAttribute::Createdb, false) => "NOCREATEDB",
            (RoleAttribute::Login, false) => "NOLOGIN",
            (RoleAttribute::Replication, false) => "NOREPLICATION",
            (RoleAttribute::Bypassrls, false) => "NOBYPASSRLS",
            (attribute, true) => attribute.keyword(),
        }
    }

    /// The default value `CREATE ROLE` gives it (`INHERIT` is on, the rest off).
    pub fn default_value(self) -> bool {
        self == RoleAttribute::Inherit
    }
}

impl fmt::Display for RoleAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// What kind of password a role has. The hash itself is never kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordKind {
    /// No password (or `PASSWORD NULL`, or a dump made with `--no-role-passwords`).
    #[default]
    None,
    /// An `md5...` hash.
    Md5,
    /// A `SCRAM-SHA-256$...` verifier.
    ScramSha256,
    /// A clear-text password, which the server hashes on arrival.
    Plaintext,
    /// Not known: the reader could not see passwords (a non-superuser cannot read `pg_authid`).
    Unknown,
}

impl PasswordKind {
    /// Classifies a password value from `PASSWORD '...'` without keeping it.
    pub fn classify(value: &str) -> PasswordKind {
        let is_md5 = value.len() == 35
            && value.starts_with("md5")
            && value[3..].bytes().all(|b| b.is_ascii_hexdigit());
        if is_md5 {
            PasswordKind::Md5
        } else if value.starts_with("SCRAM-SHA-256$") {
            PasswordKind::ScramSha256
        } else {
            PasswordKind::Plaintext
        }
    }
}

/// One role, as `pg_roles` (or a roles.sql) describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// The role's name.
    pub name: RoleName,
    /// `SUPERUSER`
    pub superuser: bool,
    /// `INHERIT`
    pub inherit: bool,
    /// `CREATEROLE`
    pub createrole: bool,
    /// `CREATEDB`
    pub createdb: bool,
    /// `LOGIN`
    pub login: bool,
    /// `REPLICATION`
    pub replication: bool,
    /// `BYPASSRLS`
    pub bypassrls: bool,
    /// `CONNECTION LIMIT`, -1 for none.
    pub connection_limit: i32,
    /// The kind of stored password.
    pub password: PasswordKind,
    /// `VALID UNTIL`, as written.
    pub valid_until: Option<String>,
    /// `COMMENT ON ROLE`.
    pub comment: Option<String>,
}

impl Role {
    /// A role as `CREATE ROLE name` makes it.
    pub fn new(name: RoleName) -> Self {
        Role {
            name,
            superuser: false,
            inherit: true,
            createrole: false,
            createdb: false,
            login: false,
            replication: false,
            bypassrls: false,
            connection_limit: -1,
            password: PasswordKind::None,
            valid_until: None,
            comment: None,
        }
    }

    /// The value of a boolean attribute.
    pub fn attribute(&self, attribute: RoleAttribute) -> bool {
        match attribute {
            RoleAttribute::Superuser => self.superuser,
            RoleAttribute::Inherit => self.inherit,
            RoleAttribute::Createrole => self.createrole,
            RoleAttribute::Createdb => self.createdb,
            RoleAttribute::Login => self.login,
            RoleAttribute::Replication => self.replication,
            RoleAttribute::Bypassrls => self.bypassrls,
        }
    }

    /// Sets a boolean attribute.
    pub fn set_attribute(&mut self, attribute: RoleAttribute, value: bool) {
        let slot = match attribute {
            RoleAttribute::Superuser => &mut self.superuser,
            RoleAttribute::Inherit => &mut self.inherit,
            RoleAttribute::Createrole => &mut self.createrole,
            RoleAttribute::Createdb => &mut self.createdb,
            RoleAttribute::Login => &mut self.login,
            RoleAttribute::Replication => &mut self.replication,
            RoleAttribute::Bypassrls => &mut self.bypassrls,
        };
        *slot = value;
    }
}

/// `GRANT role TO member`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The role granted.
    pub role: RoleName,
    /// The role that receives it.
    pub member: RoleName,
    /// `WITH ADMIN OPTION`
    pub admin_option: bool,
    /// `INHERIT TRUE|FALSE` (PostgreSQL 16+); `None` when not stated.
    pub inherit_option: Option<bool>,
    /// `SET TRUE|FALSE` (PostgreSQL 16+); `None` when not stated.
    pub set_option: Option<bool>,
    /// `GRANTED BY`
    pub grantor: Option<RoleName>,
}

/// `ALTER ROLE role [IN DATABASE db] SET name TO value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSetting {
    /// The role.
    pub role: RoleName,
    /// The database, for `IN DATABASE`.
    pub database: Option<String>,
    /// The parameter name, lower-cased as PostgreSQL stores it.
    pub name: String,
    /// The value as SQL wrote it (a list stays a list: `'app', 'public'`).
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_keywords_round_trip() {
        for attribute in RoleAttribute::ALL {
            for value in [true, false] {
                let word = attribute.keyword_for(value);
                assert_eq!(RoleAttribute::parse_keyword(word), Some((attribute, value)));
                assert_eq!(
                    RoleAttribute::parse_keyword(&word.to_lowercase()),
                    Some((attribute, value))
                );
            }
        }
        assert_eq!(RoleAttribute::parse_keyword("NOTHING"), None);
        assert_eq!(RoleAttribute::parse_keyword("PASSWORD"), None);
    }

    #[test]
    fn passwords_are_classified_not_kept() {
        assert_eq!(
            PasswordKind::classify("md5a3556571e93b0d20722ba62be61e8c2d"),
            PasswordKind::Md5
        );
        assert_eq!(
            PasswordKind::classify("SCRAM-SHA-256$4096:abc=$def=:ghi="),
            PasswordKind::ScramSha256
        );
        assert_eq!(PasswordKind::classify("hunter2"), PasswordKind::Plaintext);
    }
}
