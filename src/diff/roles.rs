//! Roles, memberships and role settings of two servers. The provider's own roles are left out
//! on both sides: they are never missing, and never the target's extras.

use super::Findings;
use crate::catalog::{quote_ident, quote_literal, PasswordKind, Role, RoleAttribute, Snapshot};
use crate::findings::ObjectRef;
use std::collections::BTreeMap;

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `CREATE ROLE` for a role as the source has it (without its password, which is not read).
pub fn create_role_sql(role: &Role) -> String {
    let mut sql = format!("CREATE ROLE {}", role.name.quoted());
    let options = role_options(role);
    if !options.is_empty() {
        sql.push_str(" WITH ");
        sql.push_str(&options.join(" "));
    }
    sql.push(';');
    sql
}

fn role_options(role: &Role) -> Vec<String> {
    let mut options: Vec<String> = RoleAttribute::ALL
        .into_iter()
        .filter(|a| role.attribute(*a) != a.default_value())
        .map(|a| a.keyword_for(role.attribute(a)).to_owned())
        .collect();
    if role.connection_limit != -1 {
        options.push(format!("CONNECTION LIMIT {}", role.connection_limit));
    }
    if let Some(until) = &role.valid_until {
        options.push(format!("VALID UNTIL {}", quote_literal(until)));
    }
    options
}

pub(super) fn diff_roles(source: &Snapshot, target: &Snapshot, out: &mut Findings<'_>) {
    let policy = out.policy;
    let ours = |name: &str| {
        policy
            .provider_rule(&crate::catalog::RoleName::new(name))
            .is_none()
    };
    for (name, s) in &source.roles.roles {
        if !ours(name.as_str()) {
            continue;
        }
        let object = || ObjectRef::new("role", name.as_str());
        let Some(t) = target.roles.roles.get(name) else {
            let msg = format!("role {} does not exist on the target", name.quoted());
            out.add_kind("role-missing", object(), msg).fix = Some(create_role_sql(s));
            continue;
        };
        let mut differences = Vec::new();
        let mut alter = Vec::new();
        for attribute in RoleAttribute::ALL {
            let (a, b) = (s.attribute(attribute), t.attribute(attribute));
            if a != b {
                differences.push(format!("{attribute} {} → {}", yes_no(a), yes_no(b)));
                alter.push(attribute.keyword_for(a).to_owned());
            }
        }
        if s.connection_limit != t.connection_limit {
            differences.push(format!(
                "connection limit {} → {}",
                s.connection_limit, t.connection_limit
            ));
            alter.push(format!("CONNECTION LIMIT {}", s.connection_limit));
        }
        if s.valid_until != t.valid_until {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "never".to_owned());
            differences.push(format!(
                "valid until {} → {}",
                show(&s.valid_until),
                show(&t.valid_until)
            ));
            alter.push(format!(
                "VALID UNTIL {}",
                quote_literal(s.valid_until.as_deref().unwrap_or("infinity"))
            ));
        }
        let known = |p: PasswordKind| p != PasswordKind::Unknown;
        if known(s.password) && known(t.password) {
            let (a, b) = (
                s.password != PasswordKind::None,
                t.password != PasswordKind::None,
            );
            if a != b {
                differences.push(format!("password set {} → {}", yes_no(a), yes_no(b)));
            }
        }
        if differences.is_empty() {
            continue;
        }
        let msg = format!(
            "role {} differs (source → target): {}",
            name.quoted(),
            differences.join(", ")
        );
        let finding = out.add_kind("role-differs", object(), msg);
        finding.source = Some(role_options(s).join(" "));
        finding.target = Some(role_options(t).join(" "));
        if !alter.is_empty() {
            finding.fix = Some(format!(
                "ALTER ROLE {} WITH {};",
                name.quoted(),
                alter.join(" ")
            ));
        }
    }
    for name in target.roles.roles.keys() {
        if ours(name.as_str()) && !source.roles.roles.contains_key(name) {
            let msg = format!("role {} exists only on the target", name.quoted());
            out.add_kind("target-only", ObjectRef::new("role", name.as_str()), msg);
        }
    }

    // Memberships by role and member; the grantor is the restoring role's business.
    let key = |m: &crate::catalog::Membership| (m.role.clone(), m.member.clone());
    let theirs: BTreeMap<_, _> = target
        .roles
        .memberships
        .iter()
        .map(|m| (key(m), m))
        .collect();
    let mine: BTreeMap<_, _> = source
        .roles
        .memberships
        .iter()
        .map(|m| (key(m), m))
        .collect();
    for ((role, member), m) in &mine {
        if !ours(role.as_str()) || !ours(member.as_str()) {
            continue;
        }
        let grant = format!(
            "GRANT {} TO {}{};",
            role.quoted(),
            member.quoted(),
            if m.admin_option {
                " WITH ADMIN OPTION"
            } else {
                ""
            }
        );
        let object = || ObjectRef::new("membership", format!("{role} -> {member}"));
        match theirs.get(&(role.clone(), member.clone())) {
            None => {
                let msg = format!(
                    "{} is a member of {}{} on the source, not on the target",
                    member.quoted(),
                    role.quoted(),
                    if m.admin_option {
                        " (with ADMIN OPTION)"
                    } else {
                        ""
                    }
                );
                out.add_kind("membership-missing", object(), msg).fix = Some(grant);
            }
            Some(t) if m.admin_option && !t.admin_option => {
                let msg = format!(
                    "{} is a member of {} with ADMIN OPTION on the source, without it on the target",
                    member.quoted(),
                    role.quoted()
                );
                out.add_kind("membership-missing", object(), msg).fix = Some(grant);
            }
            Some(_) => {}
        }
    }
    for (role, member) in theirs.keys() {
        if ours(role.as_str())
            && ours(member.as_str())
            && !mine.contains_key(&(role.clone(), member.clone()))
        {
            let msg = format!(
                "{} is a member of {} only on the target",
                member.quoted(),
                role.quoted()
            );
            out.add_kind(
                "target-only",
                ObjectRef::new("membership", format!("{role} -> {member}")),
                msg,
            );
        }
    }

    // Role settings by role, database and parameter.
    let settings = |snap: &Snapshot| -> BTreeMap<(String, Option<String>, String), String> {
        snap.roles
            .role_settings
            .iter()
            .map(|s| {
                (
                    (
                        s.role.as_str().to_owned(),
                        s.database.clone(),
                        s.name.clone(),
                    ),
                    s.value.clone(),
                )
            })
            .collect()
    };
    let (mine, theirs) = (settings(source), settings(target));
    for ((role, database, name), value) in &mine {
        if !ours(role) || theirs.get(&(role.clone(), database.clone(), name.clone())) == Some(value)
        {
            continue;
        }
        let scope = match database {
            Some(db) => format!(" IN DATABASE {}", quote_ident(db)),
            None => String::new(),
        };
        let now = theirs.get(&(role.clone(), database.clone(), name.clone()));
        let msg = format!(
            "role {}{scope}: {name} is {value} on the source, {} on the target",
            quote_ident(role),
            now.map_or("not set".to_owned(), |v| v.clone())
        );
        let object = ObjectRef::new("role-setting", format!("{role}.{name}"));
        out.add_kind("role-setting-differs", object, msg)
            .set_values(Some(value.clone()), now.cloned())
            .fix = Some(format!(
            "ALTER ROLE {}{scope} SET {} TO {};",
            quote_ident(role),
            quote_ident(name),
            super::setting_value_sql(name, value)
        ));
    }
    for (role, database, name) in theirs.keys() {
        if ours(role) && !mine.contains_key(&(role.clone(), database.clone(), name.clone())) {
            let msg = format!(
                "role {}: {name} is set only on the target",
                quote_ident(role)
            );
            out.add_kind(
                "target-only",
                ObjectRef::new("role-setting", format!("{role}.{name}")),
                msg,
            );
        }
    }
}
