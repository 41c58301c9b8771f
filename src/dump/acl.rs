//! Privileges as a dump states them: pg_dump writes, per object, the `GRANT` and `REVOKE`
//! statements that turn the object's default privileges (`acldefault`, or for the public schema
//! its initial privileges) into the ones in force. Replaying them over the same starting point
//! gives what a live server's `aclexplode(coalesce(acl, acldefault(kind, owner)))` says.

use super::objects::scan::{Cursor, Kind};
use crate::catalog::{quote_ident, Acl};

/// The kind of object privileges are about, as `acldefault` and `GRANT ... ON` know them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AclKind {
    /// Tables, views, materialized views and foreign tables (`ON TABLE`).
    Table,
    /// Sequences.
    Sequence,
    /// Functions, procedures and aggregates.
    Function,
    /// Schemas.
    Schema,
    /// Types and domains.
    Type,
    /// Procedural languages.
    Language,
}

impl AclKind {
    /// Every privilege the kind has, in `aclexplode`'s words (`ALL` means these).
    pub fn all(self, server_major: u32) -> &'static [&'static str] {
        match self {
            AclKind::Table if server_major >= 17 => &[
                "INSERT",
                "SELECT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
                "MAINTAIN",
            ],
            AclKind::Table => &[
                "INSERT",
                "SELECT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
            ],
            AclKind::Sequence => &["USAGE", "SELECT", "UPDATE"],
            AclKind::Function => &["EXECUTE"],
            AclKind::Schema => &["USAGE", "CREATE"],
            AclKind::Type | AclKind::Language => &["USAGE"],
        }
    }

    /// Whether `acldefault` gives PUBLIC the kind's privileges (functions, types, languages).
    fn public_by_default(self) -> bool {
        matches!(self, AclKind::Function | AclKind::Type | AclKind::Language)
    }

    /// The kind `ALTER DEFAULT PRIVILEGES ... ON TABLES|SEQUENCES|...` names.
    pub fn from_default_object_type(word: &str) -> Option<AclKind> {
        Some(match word.to_ascii_uppercase().as_str() {
            "TABLES" => AclKind::Table,
            "SEQUENCES" => AclKind::Sequence,
            "FUNCTIONS" | "ROUTINES" => AclKind::Function,
            "TYPES" => AclKind::Type,
            "SCHEMAS" => AclKind::Schema,
            _ => return None,
        })
    }
}

/// `acldefault(kind, owner)` exploded: what an object has before any GRANT or REVOKE.
pub fn acl_default(kind: AclKind, owner: &str, server_major: u32) -> Acl {
    let mut acl = Acl::default();
    for privilege in kind.all(server_major) {
        acl.grant(&quote_ident(owner), privilege);
        if kind.public_by_default() {
            acl.grant("PUBLIC", privilege);
        }
    }
    acl
}

/// The privileges pg_dump writes the `public` schema's GRANTs and REVOKEs against: its initial
/// privileges. pg_dump 15 and later take `{owner=UC, =U}` whatever the server (PostgreSQL 15's
/// initial ACL); earlier ones the server's `pg_init_privs`, `{owner=UC, =UC}`.
pub fn public_schema_initial(owner: &str, pg_dump_major: u32) -> Acl {
    let mut acl = Acl::default();
    acl.grant(&quote_ident(owner), "USAGE");
    acl.grant(&quote_ident(owner), "CREATE");
    acl.grant("PUBLIC", "USAGE");
    if pg_dump_major < 15 {
        acl.grant("PUBLIC", "CREATE");
    }
    acl
}

/// One `GRANT` or `REVOKE`, read from its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclChange {
    /// `GRANT` (true) or `REVOKE`.
    pub grant: bool,
    /// `REVOKE GRANT OPTION FOR`: only the grant option goes.
    pub grant_option_only: bool,
    /// `WITH GRANT OPTION`.
    pub with_grant_option: bool,
    /// The privileges (upper case) with the columns they are limited to (empty: the whole
    /// object); `ALL` stays `ALL`.
    pub privileges: Vec<(String, Vec<String>)>,
    /// The grantees, quoted (`PUBLIC` for everyone).
    pub grantees: Vec<String>,
}

impl AclChange {
    /// Applies the change to an object's privileges (`columns` false) or, for the privileges
    /// limited to `column`, to that column's.
    pub fn apply(&self, acl: &mut Acl, kind: AclKind, column: Option<&str>, server_major: u32) {
        for (privilege, columns) in &self.privileges {
            let applies = match column {
                None => columns.is_empty(),
                Some(name) => columns.iter().any(|c| c == name),
            };
            if !applies {
                continue;
            }
            let expanded: Vec<&str> = if privilege == "ALL" {
                kind.all(server_major).to_vec()
            } else {
                vec![privilege.as_str()]
            };
            for grantee in &self.grantees {
                for p in &expanded {
                    change_one(acl, grantee, p, self);
                }
            }
        }
        acl.0.retain(|_, privileges| !privileges.is_empty());
    }

    /// The columns any privilege of the change is limited to.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.privileges
            .iter()
            .flat_map(|(_, columns)| columns.iter().map(String::as_str))
    }
}

fn change_one(acl: &mut Acl, grantee: &str, privilege: &str, change: &AclChange) {
    let grantable = format!("{privilege}*");
    let held = acl.0.entry(grantee.to_owned()).or_default();
    if change.grant {
        if change.with_grant_option {
            held.remove(privilege);
            held.insert(grantable);
        } else if !held.contains(&grantable) {
            held.insert(privilege.to_owned());
        }
    } else if change.grant_option_only {
        if held.remove(&grantable) {
            held.insert(privilege.to_owned());
        }
    } else {
        held.remove(privilege);
        held.remove(&grantable);
    }
}

/// Reads the privilege list of a GRANT or REVOKE (`ALL`, `ALL PRIVILEGES`,
/// `SELECT,INSERT`, `SELECT(a),UPDATE(b, c)`), up to `ON`.
pub(crate) fn privilege_list(cursor: &mut Cursor<'_>) -> Option<Vec<(String, Vec<String>)>> {
    let mut privileges = Vec::new();
    loop {
        let tok = cursor.next_tok();
        if tok.kind != Kind::Word {
            return None;
        }
        let mut name = tok.text.to_ascii_uppercase();
        if name == "ALL" {
            cursor.eat_kw("PRIVILEGES");
        }
        if name == "TEMP" {
            name = "TEMPORARY".to_owned();
        }
        let mut columns = Vec::new();
        if cursor.peek().is_punct('(') {
            let group = cursor.group()?;
            for item in super::objects::scan::split_top_level(group) {
                columns.push(Cursor::new(item).ident()?);
            }
        }
        privileges.push((name, columns));
        if !cursor.eat_punct(',') {
            return Some(privileges);
        }
    }
}

/// Reads a grantee list (`TO a, "B c", PUBLIC` after the keyword), quoting each name.
pub(crate) fn grantee_list(cursor: &mut Cursor<'_>) -> Option<Vec<String>> {
    let mut grantees = Vec::new();
    loop {
        cursor.eat_kw("GROUP");
        let tok = cursor.peek();
        let grantee = if tok.is_kw("PUBLIC") {
            cursor.next_tok();
            "PUBLIC".to_owned()
        } else {
            quote_ident(&cursor.ident()?)
        };
        grantees.push(grantee);
        if !cursor.eat_punct(',') {
            return Some(grantees);
        }
    }
}

/// Reads the tail of a GRANT after its grantees (`WITH GRANT OPTION`, `GRANTED BY x`) or of a
/// REVOKE (`GRANTED BY x`, `CASCADE`, `RESTRICT`); true when `WITH GRANT OPTION` was there and
/// nothing unknown follows.
pub(crate) fn change_tail(cursor: &mut Cursor<'_>) -> Option<bool> {
    let mut with_grant_option = false;
    while !cursor.at_end() {
        if cursor.eat_kws(&["WITH", "GRANT", "OPTION"]) {
            with_grant_option = true;
        } else if cursor.eat_kws(&["GRANTED", "BY"]) {
            cursor.ident()?;
        } else if !(cursor.eat_kw("CASCADE") || cursor.eat_kw("RESTRICT")) {
            return None;
        }
    }
    Some(with_grant_option)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(acl: &Acl) -> Vec<String> {
        acl.items().into_iter().collect()
    }

    fn change(grant: bool, privileges: &[(&str, &[&str])], grantees: &[&str]) -> AclChange {
        AclChange {
            grant,
            grant_option_only: false,
            with_grant_option: false,
            privileges: privileges
                .iter()
                .map(|(p, cols)| {
                    (
                        (*p).to_owned(),
                        cols.iter().map(|c| (*c).to_owned()).collect(),
                    )
                })
                .collect(),
            grantees: grantees.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    #[test]
    fn defaults_follow_acldefault() {
        assert_eq!(
            items(&acl_default(AclKind::Function, "App User", 15)),
            ["\"App User\"=EXECUTE", "PUBLIC=EXECUTE"]
        );
        assert_eq!(items(&acl_default(AclKind::Table, "o", 17)).len(), 8);
        assert_eq!(items(&acl_default(AclKind::Table, "o", 15)).len(), 7);
        assert_eq!(
            items(&acl_default(AclKind::Sequence, "o", 15)),
            ["o=SELECT", "o=UPDATE", "o=USAGE"]
        );
        assert_eq!(
            items(&public_schema_initial("pg_database_owner", 15)),
            [
                "PUBLIC=USAGE",
                "pg_database_owner=CREATE",
                "pg_database_owner=USAGE"
            ]
        );
    }

    #[test]
    fn grants_and_revokes_replay_in_order() {
        let mut acl = acl_default(AclKind::Table, "app_owner", 15);
        change(false, &[("ALL", &[])], &["app_owner"]).apply(&mut acl, AclKind::Table, None, 15);
        assert!(acl.0.is_empty());
        let mut with_option = change(true, &[("SELECT", &[]), ("INSERT", &[])], &["\"App User\""]);
        with_option.with_grant_option = true;
        with_option.apply(&mut acl, AclKind::Table, None, 15);
        change(true, &[("SELECT", &[])], &["\"App User\""]).apply(
            &mut acl,
            AclKind::Table,
            None,
            15,
        );
        assert_eq!(
            items(&acl),
            ["\"App User\"=INSERT*", "\"App User\"=SELECT*"]
        );
        let mut option_only = change(false, &[("INSERT", &[])], &["\"App User\""]);
        option_only.grant_option_only = true;
        option_only.apply(&mut acl, AclKind::Table, None, 15);
        assert_eq!(items(&acl), ["\"App User\"=INSERT", "\"App User\"=SELECT*"]);
    }

    #[test]
    fn column_privileges_apply_to_their_columns_only() {
        let grant = change(
            true,
            &[("SELECT", &["email"]), ("UPDATE", &["email", "name"])],
            &["x"],
        );
        let mut table = Acl::default();
        grant.apply(&mut table, AclKind::Table, None, 15);
        assert!(table.0.is_empty());
        let mut email = Acl::default();
        grant.apply(&mut email, AclKind::Table, Some("email"), 15);
        assert_eq!(items(&email), ["x=SELECT", "x=UPDATE"]);
        let mut name = Acl::default();
        grant.apply(&mut name, AclKind::Table, Some("name"), 15);
        assert_eq!(items(&name), ["x=UPDATE"]);
    }

    #[test]
    fn privilege_and_grantee_lists_are_read() {
        let mut c = Cursor::new("SELECT(\"a\"\"b\"),UPDATE(email) ON TABLE t TO \"App User\", PUBLIC WITH GRANT OPTION;");
        let privileges = privilege_list(&mut c).unwrap();
        assert_eq!(
            privileges,
            vec![
                ("SELECT".to_owned(), vec!["a\"b".to_owned()]),
                ("UPDATE".to_owned(), vec!["email".to_owned()])
            ]
        );
        assert!(c.eat_kws(&["ON", "TABLE"]));
        c.qname().unwrap();
        assert!(c.eat_kw("TO"));
        assert_eq!(grantee_list(&mut c).unwrap(), ["\"App User\"", "PUBLIC"]);
        assert_eq!(change_tail(&mut c), Some(true));
    }
}
