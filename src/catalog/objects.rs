//! The schema objects of one database, as a live server's catalogs or a dump describe them.
//!
//! Every definition is kept in the words PostgreSQL itself prints it with, because that is
//! what both inputs can produce: a live server through `format_type`, `pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef` and `pg_get_triggerdef`, and a
//! dump because pg_dump writes the output of those same functions into its statements. Text
//! that differs only in the way one major version prints it is made equal later, by the diff's
//! normalization, never here.
//!
//! Objects are keyed by their qualified name, each part quoted as needed
//! ([`qualified`]): `app.orders`, `"Sales Data"."Order Items"`; functions add their identity
//! arguments: `app.add(integer, integer)`. Objects that belong to an extension are not listed:
//! `CREATE EXTENSION` makes them.

use super::quote_ident;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The schema objects of one database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Objects {
    /// Schemas other than `pg_catalog`, `information_schema` and `pg_toast`, by quoted name.
    pub schemas: BTreeMap<String, Schema>,
    /// Ordinary, partitioned and foreign tables, by qualified name.
    pub tables: BTreeMap<String, Table>,
    /// Views and materialized views, by qualified name.
    pub views: BTreeMap<String, View>,
    /// Sequences, identity sequences included, by qualified name.
    pub sequences: BTreeMap<String, Sequence>,
    /// Functions, procedures and aggregates, by qualified name and identity arguments.
    pub functions: BTreeMap<String, Function>,
    /// Enum, domain, composite and range types, by qualified name.
    pub types: BTreeMap<String, Type>,
    /// Publications, by quoted name.
    pub publications: BTreeMap<String, Publication>,
    /// Event triggers, by quoted name.
    pub event_triggers: BTreeMap<String, EventTrigger>,
    /// `ALTER DEFAULT PRIVILEGES` entries, by [`DefaultPrivileges::key`].
    pub default_privileges: BTreeMap<String, DefaultPrivileges>,
    /// Procedural languages other than `plpgsql` and the internal ones, by quoted name.
    pub languages: BTreeMap<String, Language>,
}

/// What every owned object has: an owner, privileges and a comment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    /// The owning role.
    pub owner: String,
    /// The privileges in force, as a set of `grantee=PRIVILEGES` items ([`Acl`]).
    pub acl: Acl,
    /// `COMMENT ON`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Privileges in force on an object: for each grantee (a quoted role name, or `PUBLIC`), the
/// privilege keywords it holds (`SELECT`, `INSERT`, ...; `*` appended when grantable).
///
/// This is what `aclexplode(coalesce(acl, acldefault(kind, owner)))` says, so an object that
/// was never granted on and one whose grants happen to equal the defaults compare equal; the
/// grantor is not kept (a restore makes the restoring role or the owner the grantor).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Acl(pub BTreeMap<String, BTreeSet<String>>);

impl Acl {
    /// Every `grantee=PRIVILEGE` item, sorted: the unit a diff compares.
    pub fn items(&self) -> BTreeSet<String> {
        self.0
            .iter()
            .flat_map(|(grantee, privileges)| {
                privileges.iter().map(move |p| format!("{grantee}={p}"))
            })
            .collect()
    }

    /// Adds `privilege` (with `*` when grantable) for `grantee`.
    pub fn grant(&mut self, grantee: &str, privilege: &str) {
        self.0
            .entry(grantee.to_owned())
            .or_default()
            .insert(privilege.to_owned());
    }
}

/// A schema.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
}

/// A table: ordinary (`table`), partitioned (`partitioned table`) or `foreign table`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `table`, `partitioned table` or `foreign table`.
    pub kind: String,
    /// `UNLOGGED` (`relpersistence = 'u'`).
    pub unlogged: bool,
    /// `pg_get_partkeydef`, for a partitioned table: `RANGE (logdate)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    /// For a partition: its parent (qualified) and bound (`FOR VALUES FROM (...) TO (...)`,
    /// `DEFAULT`), as `pg_get_expr(relpartbound)` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<(String, String)>,
    /// Inheritance parents (qualified), in `inhseqno` order; partition parents are not here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
    /// `ENABLE ROW LEVEL SECURITY`.
    pub row_security: bool,
    /// `FORCE ROW LEVEL SECURITY`.
    pub force_row_security: bool,
    /// `default`, `nothing`, `full`, or `index <quoted index name>`.
    pub replica_identity: String,
    /// Storage parameters (`reloptions`), as `name=value`, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Columns in ordinal order (dropped columns left out), inherited ones included.
    pub columns: Vec<Column>,
    /// Constraints other than NOT NULL, by quoted name; those a partition inherits from its
    /// parent's constraint are the parent's.
    pub constraints: BTreeMap<String, Constraint>,
    /// Indexes that no constraint owns, by quoted name.
    pub indexes: BTreeMap<String, Index>,
    /// User triggers (not internal ones, not clones on partitions), by quoted name.
    pub triggers: BTreeMap<String, Trigger>,
    /// Row-level security policies, by quoted name.
    pub policies: BTreeMap<String, Policy>,
    /// Rows, where the input says (a dump's data); live servers leave it to `verify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// A table column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Its name, unquoted.
    pub name: String,
    /// `format_type(atttypid, atttypmod)`: `character varying(20)`, `app.mood[]`.
    pub type_name: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `pg_get_expr(adbin)`, for a column default (not a generated column's expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `ALWAYS` or `BY DEFAULT` for an identity column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// The collation (qualified), only when it is not the type's default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Column privileges (only those granted on the column itself).
    #[serde(default, skip_serializing_if = "is_empty_acl")]
    pub acl: Acl,
    /// `COMMENT ON COLUMN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn is_empty_acl(acl: &Acl) -> bool {
    acl.0.is_empty()
}

/// A table constraint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// `p` primary key, `u` unique, `f` foreign key, `c` check, `x` exclusion, `t` trigger.
    pub kind: String,
    /// `pg_get_constraintdef`: `FOREIGN KEY (a) REFERENCES app.t(id) ON DELETE CASCADE NOT VALID`.
    pub definition: String,
    /// `COMMENT ON CONSTRAINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// `pg_get_indexdef`: `CREATE UNIQUE INDEX i ON app.t USING btree (a) WHERE (b > 0)`.
    pub definition: String,
    /// `indisvalid` (a dump's indexes are valid once built).
    pub valid: bool,
    /// `COMMENT ON INDEX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A trigger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// `pg_get_triggerdef(oid, false)`.
    pub definition: String,
    /// `tgenabled`: `O` (origin, the default), `D` disabled, `R` replica, `A` always.
    pub enabled: String,
    /// `COMMENT ON TRIGGER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A row-level security policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// `PERMISSIVE` (false: `RESTRICTIVE`).
    pub permissive: bool,
    /// The roles (quoted; `PUBLIC`), sorted.
    pub roles: Vec<String>,
    /// `pg_get_expr(polqual)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// `pg_get_expr(polwithcheck)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    /// `COMMENT ON POLICY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A view or materialized view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// A materialized view.
    pub materialized: bool,
    /// `pg_get_viewdef(oid)`, without its final `;`.
    pub definition: String,
    /// A materialized view holds data (`relispopulated`; a dump's `MATERIALIZED VIEW DATA`
    /// entry). Always true for a view.
    #[serde(default = "populated_by_default")]
    pub populated: bool,
    /// `reloptions` (`security_barrier=true`, `check_option=local`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Indexes of a materialized view, by quoted name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indexes: BTreeMap<String, Index>,
    /// Rows of a materialized view where the input says; live servers leave it to `verify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

fn populated_by_default() -> bool {
    true
}

/// A sequence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
    /// `OWNED BY` column, as `table.column` (qualified table, quoted column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    /// The identity column it serves, if any (then `owned_by` names the same column).
    pub identity: bool,
    /// `last_value` when `nextval` or `setval(.., true)` has been called, as a dump's
    /// `SEQUENCE SET` says; `None` before, and from live servers, whose sequence values are
    /// data that `verify` reads (reading them opens every sequence: 0.5 s on 10,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_value: Option<i64>,
}

/// A function, procedure or aggregate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `function`, `procedure`, `aggregate` or `window function`.
    pub kind: String,
    /// `pg_get_function_arguments`: names, modes and defaults.
    pub arguments: String,
    /// `pg_get_function_result` (`None` for a procedure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The language (`sql`, `plpgsql`, `c`, `internal`).
    pub language: String,
    /// `IMMUTABLE`, `STABLE` or `VOLATILE`.
    pub volatility: String,
    /// `STRICT`.
    pub strict: bool,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// `LEAKPROOF`.
    pub leakproof: bool,
    /// `SAFE`, `RESTRICTED` or `UNSAFE`.
    pub parallel: String,
    /// `COST`.
    pub cost: String,
    /// `ROWS` of a set-returning function (`0` otherwise).
    pub rows: String,
    /// `SET name TO value` items, as `proconfig` holds them (`search_path=app, public`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<String>,
    /// The body: `prosrc` (for `c`, `obj_file, link_symbol`), or for a `BEGIN ATOMIC` body
    /// `pg_get_function_sqlbody`; for an aggregate its options (`SFUNC = ..., STYPE = ...`).
    pub body: String,
}

/// An enum, domain, composite or range type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Type {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `enum`, `domain`, `composite`, `range` or `base`.
    pub kind: String,
    /// Enum labels in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// A domain's base type, or a range's subtype (`format_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// A domain's `NOT NULL`.
    #[serde(default)]
    pub not_null: bool,
    /// A domain's default (`pg_get_expr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// A domain's collation when it is not the base type's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// A domain's CHECK constraints: quoted name to `pg_get_constraintdef`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraints: BTreeMap<String, String>,
    /// A composite type's attributes, in order: quoted name and `format_type`
    /// (with ` COLLATE x` when not the type's default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<(String, String)>,
}

/// A publication.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// Owner, privileges (none), comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `FOR ALL TABLES`.
    pub all_tables: bool,
    /// The operations published, in order: `insert, update, delete, truncate`.
    pub publish: String,
    /// `publish_via_partition_root`.
    pub via_root: bool,
    /// Tables (qualified), each with its column list and `WHERE` (15+) as pg_dump prints them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, String>,
    /// `TABLES IN SCHEMA` (15+), quoted.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub schemas: BTreeSet<String>,
}

/// An event trigger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTrigger {
    /// Owner, privileges (none), comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `ddl_command_start`, `ddl_command_end`, `sql_drop`, `table_rewrite`, `login`.
    pub event: String,
    /// `WHEN TAG IN (...)` tags, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The function it executes (qualified, with `()`).
    pub function: String,
    /// `O`, `D`, `R` or `A`, as for triggers.
    pub enabled: String,
}

/// One `ALTER DEFAULT PRIVILEGES` entry: privileges given to objects a role creates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultPrivileges {
    /// The creating role (quoted).
    pub role: String,
    /// The schema it is limited to (quoted), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `TABLES`, `SEQUENCES`, `FUNCTIONS`, `TYPES` or `SCHEMAS`.
    pub object_type: String,
    /// The privileges new objects get.
    pub acl: Acl,
}

impl DefaultPrivileges {
    /// `role[ IN schema] ON TYPE`, the key of the entry.
    pub fn key(role: &str, schema: Option<&str>, object_type: &str) -> String {
        match schema {
            Some(schema) => format!("{role} IN {schema} ON {object_type}"),
            None => format!("{role} ON {object_type}"),
        }
    }
}

/// A procedural language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language {
    /// Owner, privileges, comment.
    #[serde(flatten)]
    pub owned: Owned,
    /// `TRUSTED`.
    pub trusted: bool,
}

/// What a trigger's (or event trigger's) `tgenabled` letter means: `O` fires in origin and
/// local sessions (enabled), `D` never, `R` only in replica sessions, `A` always.
pub fn trigger_state(enabled: char) -> &'static str {
    match enabled {
        'D' => "disabled",
        'R' => "replica",
        'A' => "always",
        _ => "enabled",
    }
}

/// `schema.name`, each part quoted only where it must be.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_quote_only_what_needs_it() {
        assert_eq!(qualified("app", "orders"), "app.orders");
        assert_eq!(
            qualified("Sales Data", "Order Items"),
            "\"Sales Data\".\"Order Items\""
        );
        assert_eq!(qualified("app", "a\"b"), "app.\"a\"\"b\"");
        assert_eq!(qualified("app", "select"), "app.\"select\"");
    }

    #[test]
    fn acl_items_name_grantee_and_privilege() {
        let mut acl = Acl::default();
        acl.grant("PUBLIC", "SELECT");
        acl.grant("\"App User\"", "UPDATE*");
        acl.grant("PUBLIC", "INSERT");
        let items: Vec<String> = acl.items().into_iter().collect();
        assert_eq!(
            items,
            ["\"App User\"=UPDATE*", "PUBLIC=INSERT", "PUBLIC=SELECT"]
        );
    }
}
