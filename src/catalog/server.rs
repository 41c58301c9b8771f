//! A whole server as pgparity saw it: version, settings, extensions, roles, databases and
//! tablespaces, plus per database what a migration must know about its objects. A
//! [`Snapshot`] is what `pgparity snapshot` saves and what `diff` and `check` compare, whether
//! it was just read from a live server or loaded from a file.

use super::{Catalog, Objects};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The snapshot file format this build writes and reads. Bumped when a field changes meaning.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// A server's catalog outside the schema objects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The file format ([`SNAPSHOT_FORMAT`]); its presence marks a file as ours.
    pub pgparity_snapshot: u32,
    /// The pgparity version that wrote it.
    pub tool_version: String,
    /// Version and the role that read it.
    pub server: ServerInfo,
    /// `pg_settings`, by name.
    pub settings: BTreeMap<String, Setting>,
    /// Provider parameters that may be placeholders rather than rows of `pg_settings` (for
    /// example `azure.extensions`), as `current_setting(name, true)` returned them.
    pub provider_settings: BTreeMap<String, Option<String>>,
    /// Extensions the server could install (`pg_available_extensions`), by name.
    pub available_extensions: BTreeMap<String, AvailableExtension>,
    /// Roles, memberships and role settings (never a password hash, only its kind).
    pub roles: Catalog,
    /// Databases, by name.
    pub databases: BTreeMap<String, Database>,
    /// Tablespaces other than `pg_default` and `pg_global`, by name.
    pub tablespaces: BTreeMap<String, Tablespace>,
    /// The database the input is about: the one a connection string named, or a dump's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Set when the snapshot was read from a dump, which tells only of one database's
    /// objects and data: no settings, roles or available extensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dump: Option<DumpOrigin>,
}

/// The dump a snapshot was read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpOrigin {
    /// The file or directory, as the user named it.
    pub file: String,
    /// `plain`, `custom` or `directory`.
    pub format: String,
    /// The pg_dump version that wrote it, where the dump says.
    pub dump_version: Option<String>,
    /// It holds data (not `pg_dump -s`): row counts, sequence values, materialized views'
    /// contents.
    pub data: bool,
    /// Statements that were not understood, so the objects they make are not compared.
    pub not_understood: Vec<NotUnderstood>,
}

/// A statement of a dump that was not understood.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotUnderstood {
    /// The line of a plain dump's statement, or an archive entry's dump id.
    pub position: u64,
    /// The entry's type (`TABLE`, `ACL`, ...).
    pub desc: String,
    /// The entry's name.
    pub tag: String,
    /// The statement (its start).
    pub statement: String,
    /// Why it was not understood.
    pub reason: String,
}

/// Which server and who read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// `server_version_num`, for example 170002.
    pub version_num: u32,
    /// `server_version`, for example `17.2 (Debian 17.2-1)`.
    pub version: String,
    /// The major version: 13, 17.
    pub major: u32,
    /// The role that read the catalogs.
    pub current_user: String,
    /// Whether that role is a superuser (some facts need one: password kinds).
    pub superuser: bool,
}

/// One row of `pg_settings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// Current value, as `pg_settings.setting` shows it (in `unit`s).
    pub value: String,
    /// The unit of `value` (`8kB`, `kB`, `ms`, `s`, `min`), if any.
    pub unit: Option<String>,
    /// `bool`, `enum`, `integer`, `real`, `string`.
    pub vartype: String,
    /// When it can be changed: `postmaster` (restart), `sighup`, `superuser`, `user`, ...
    pub context: String,
    /// Where the value comes from: `default`, `configuration file`, `override`, ...
    pub source: String,
    /// The compiled-in default.
    pub boot_val: Option<String>,
    /// The value a `RESET` returns to.
    pub reset_val: Option<String>,
    /// Changed in the configuration file, waiting for a restart.
    pub pending_restart: bool,
}

/// An extension the server can install.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableExtension {
    /// The version `CREATE EXTENSION` installs.
    pub default_version: Option<String>,
    /// Every installable version.
    pub versions: Vec<String>,
    /// Installing the default version needs a superuser.
    pub superuser: bool,
    /// Trusted: a non-superuser with CREATE on the database may install it (13+).
    pub trusted: bool,
}

/// A database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Database {
    /// Its owner.
    pub owner: String,
    /// Server encoding, for example `UTF8`.
    pub encoding: String,
    /// `LC_COLLATE`.
    pub collate: String,
    /// `LC_CTYPE`.
    pub ctype: String,
    /// `libc`, `icu` or `builtin` (15+; `libc` before).
    pub locale_provider: String,
    /// The ICU or builtin locale, where one is set.
    pub locale: Option<String>,
    /// `-1` for no limit.
    pub connection_limit: i32,
    /// A template database.
    pub is_template: bool,
    /// Accepts connections.
    pub allow_connections: bool,
    /// Its default tablespace.
    pub tablespace: String,
    /// The access privileges, as `datacl` prints them.
    pub acl: Option<String>,
    /// `ALTER DATABASE .. SET` values (for every role).
    pub settings: BTreeMap<String, String>,
    /// What was read inside it; `None` when it does not accept connections or could not be
    /// read (see `unread`).
    pub contents: Option<DatabaseContents>,
    /// Why `contents` is missing, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

/// What was read inside one database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatabaseContents {
    /// Installed extensions, by name.
    pub extensions: BTreeMap<String, InstalledExtension>,
    /// Number of large objects (`pg_largeobject_metadata`).
    pub large_objects: u64,
    /// Unlogged tables, qualified and quoted.
    pub unlogged_tables: Vec<String>,
    /// Ordinary and partitioned tables without a primary key, qualified and quoted.
    pub tables_without_primary_key: Vec<String>,
    /// Objects that block or endanger an upgrade (the catalog checks `pg_upgrade --check` makes).
    pub incompatibilities: Vec<Incompatibility>,
    /// The schema objects; `None` in snapshots written before pgparity read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Objects>,
}

/// An installed extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledExtension {
    /// `extversion`.
    pub version: String,
    /// The schema it lives in.
    pub schema: String,
}

/// One object that an upgrade check objects to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Incompatibility {
    /// Which check: `reg-type-column`, `sql-identifier-column`, `unknown-column`,
    /// `aclitem-column`, `composite-system-type-column`, `with-oids`, `postfix-operator`,
    /// `polymorphic-function`, `encoding-conversion`, `abstime-column`.
    pub check: String,
    /// The object, qualified and quoted (`"s"."t"."c"` for a column).
    pub object: String,
    /// What is wrong with it, for example the column's type.
    pub detail: String,
}

/// A tablespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tablespace {
    /// Its owner.
    pub owner: String,
    /// Its directory.
    pub location: String,
}
