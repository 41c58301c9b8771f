//! `GRANT` and `REVOKE` that turn the privileges in force on the target into the source's:
//! on objects, on columns, and as default privileges.

use crate::catalog::{quote_ident, Acl};
use std::collections::{BTreeMap, BTreeSet};

/// The privileges an object has before any `GRANT` (`acldefault`): `kind` is `r` (relations),
/// `s` (sequences), `f` (routines), `T` (types), `n` (schemas) or `l` (languages); `owner` is
/// the owner's quoted name. `MAINTAIN` is the owner's from 17 on.
pub fn default_acl(kind: char, owner: &str, major: u32) -> Acl {
    let mut acl = Acl::default();
    let (owner_privileges, public): (&[&str], &[&str]) = match kind {
        'r' => (
            &[
                "SELECT",
                "INSERT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
            ],
            &[],
        ),
        's' => (&["SELECT", "UPDATE", "USAGE"], &[]),
        'f' => (&["EXECUTE"], &["EXECUTE"]),
        'T' | 'l' => (&["USAGE"], &["USAGE"]),
        'n' => (&["USAGE", "CREATE"], &[]),
        _ => (&[], &[]),
    };
    for privilege in owner_privileges {
        acl.grant(owner, privilege);
    }
    if kind == 'r' && major >= 17 {
        acl.grant(owner, "MAINTAIN");
    }
    for privilege in public {
        acl.grant("PUBLIC", privilege);
    }
    acl
}

/// The `acldefault` kind of a finding's object kind.
pub fn acl_kind(kind: &str) -> Option<char> {
    Some(match kind {
        "table" | "partitioned table" | "foreign table" | "view" | "materialized view" => 'r',
        "sequence" => 's',
        "function" | "procedure" | "aggregate" => 'f',
        "type" | "domain" => 'T',
        "schema" => 'n',
        "language" => 'l',
        _ => return None,
    })
}

/// The object clause of `GRANT ... ON`: `TABLE app.t`, `ROUTINE app.f(integer)`.
pub fn on_clause(kind: &str, name: &str) -> String {
    let keyword = match kind {
        "sequence" => "SEQUENCE",
        "function" | "procedure" | "aggregate" => "ROUTINE",
        "type" => "TYPE",
        "domain" => "DOMAIN",
        "schema" => "SCHEMA",
        "language" => "LANGUAGE",
        "foreign table" => "FOREIGN TABLE",
        _ => "TABLE",
    };
    format!("{keyword} {name}")
}

/// `acl` with `from`'s privileges given to `to` (an owner change moves them so).
pub fn renamed(acl: &Acl, from: &str, to: &str) -> Acl {
    let mut out = Acl::default();
    for (grantee, privileges) in &acl.0 {
        let grantee = if grantee == from { to } else { grantee };
        for privilege in privileges {
            out.grant(grantee, privilege);
        }
    }
    out
}

/// How a set of statements is written: the prefix before `GRANT`/`REVOKE` (`ALTER DEFAULT
/// PRIVILEGES FOR ROLE r`), the object clause, and how a privilege is named (`UPDATE (c)`).
pub struct Target<'a> {
    /// Written before `GRANT` or `REVOKE`, with its trailing space (or empty).
    pub prefix: &'a str,
    /// What follows `ON`.
    pub on: &'a str,
    /// A column, for column privileges.
    pub column: Option<&'a str>,
}

/// The statements that make `have` into `want`. Without `maintain`, `MAINTAIN` (17) is left
/// alone: one side's version cannot express it.
pub fn statements(target: &Target<'_>, want: &Acl, have: &Acl, maintain: bool) -> Vec<String> {
    let items = |acl: &Acl| -> BTreeMap<String, BTreeMap<String, bool>> {
        let mut out: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
        for (grantee, privileges) in &acl.0 {
            for privilege in privileges {
                let (name, grantable) = match privilege.strip_suffix('*') {
                    Some(name) => (name, true),
                    None => (privilege.as_str(), false),
                };
                if !maintain && name == "MAINTAIN" {
                    continue;
                }
                out.entry(grantee.clone())
                    .or_default()
                    .insert(name.to_owned(), grantable);
            }
        }
        out
    };
    let (want, have) = (items(want), items(have));
    let name = |privilege: &str| match target.column {
        Some(column) => format!("{privilege} ({})", quote_ident(column)),
        None => privilege.to_owned(),
    };
    let join = |set: &BTreeSet<String>| set.iter().map(|p| name(p)).collect::<Vec<_>>().join(", ");
    let grantees: BTreeSet<&String> = want.keys().chain(have.keys()).collect();
    let mut out = Vec::new();
    let (prefix, on) = (target.prefix, target.on);
    for grantee in grantees {
        let empty = BTreeMap::new();
        let w = want.get(grantee).unwrap_or(&empty);
        let h = have.get(grantee).unwrap_or(&empty);
        let mut grant = BTreeSet::new();
        let mut grant_option = BTreeSet::new();
        let mut revoke_option = BTreeSet::new();
        let mut revoke = BTreeSet::new();
        for (privilege, &grantable) in w {
            match h.get(privilege) {
                None if grantable => {
                    grant_option.insert(privilege.clone());
                }
                None => {
                    grant.insert(privilege.clone());
                }
                Some(false) if grantable => {
                    grant_option.insert(privilege.clone());
                }
                Some(true) if !grantable => {
                    revoke_option.insert(privilege.clone());
                }
                Some(_) => {}
            }
        }
        for privilege in h.keys() {
            if !w.contains_key(privilege) {
                revoke.insert(privilege.clone());
            }
        }
        if !grant.is_empty() {
            out.push(format!(
                "{prefix}GRANT {} ON {on} TO {grantee};",
                join(&grant)
            ));
        }
        if !grant_option.is_empty() {
            out.push(format!(
                "{prefix}GRANT {} ON {on} TO {grantee} WITH GRANT OPTION;",
                join(&grant_option)
            ));
        }
        if !revoke_option.is_empty() {
            out.push(format!(
                "{prefix}REVOKE GRANT OPTION FOR {} ON {on} FROM {grantee} CASCADE;",
                join(&revoke_option)
            ));
        }
        if !revoke.is_empty() {
            out.push(format!(
                "{prefix}REVOKE {} ON {on} FROM {grantee} CASCADE;",
                join(&revoke)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_and_revokes_turn_one_acl_into_the_other() {
        let mut want = Acl::default();
        want.grant("reader", "SELECT");
        want.grant("reader", "UPDATE*");
        want.grant("\"App User\"", "SELECT");
        let mut have = Acl::default();
        have.grant("reader", "UPDATE");
        have.grant("PUBLIC", "SELECT");
        have.grant("\"App User\"", "SELECT*");
        have.grant("\"App User\"", "MAINTAIN");
        let target = Target {
            prefix: "",
            on: "TABLE app.t",
            column: None,
        };
        assert_eq!(
            statements(&target, &want, &have, false),
            [
                "REVOKE GRANT OPTION FOR SELECT ON TABLE app.t FROM \"App User\" CASCADE;",
                "REVOKE SELECT ON TABLE app.t FROM PUBLIC CASCADE;",
                "GRANT SELECT ON TABLE app.t TO reader;",
                "GRANT UPDATE ON TABLE app.t TO reader WITH GRANT OPTION;",
            ]
        );
        let column = Target {
            prefix: "",
            on: "TABLE app.t",
            column: Some("Name"),
        };
        assert_eq!(
            statements(&column, &Acl::default(), &have, true)[0],
            "REVOKE MAINTAIN (\"Name\"), SELECT (\"Name\") ON TABLE app.t FROM \"App User\" CASCADE;"
        );
    }

    #[test]
    fn defaults_are_those_of_acldefault() {
        let acl = default_acl('f', "o", 13);
        assert_eq!(
            acl.items().into_iter().collect::<Vec<_>>(),
            ["PUBLIC=EXECUTE", "o=EXECUTE"]
        );
        assert!(default_acl('r', "o", 17).items().contains("o=MAINTAIN"));
    }
}
