//! The `globals` phase: roles the target lacks, role attributes, memberships, role settings,
//! and the settings of the target database. What the applying role may write follows the
//! same rules as `roles clean` (`shared/reference/migration-facts.md` §1.6): the provider's
//! roles are left alone; on 15 and older a non-superuser may not write SUPERUSER, REPLICATION
//! or BYPASSRLS; on 16 and newer it may give only the attributes it has itself, and alter or
//! grant only roles it holds ADMIN OPTION on (which it gets on every role it creates).

use super::sql::{do_if, parameter_name};
use super::{Builder, Phase, PlanError};
use crate::catalog::{quote_ident, quote_literal, PasswordKind, Role, RoleAttribute, RoleName};
use crate::diff::setting_value_sql;
use crate::findings::{Finding, ObjectRef};
use std::collections::{BTreeMap, BTreeSet};

const PHASE: Phase = Phase::Globals;

/// Plans the globals phase; refuses when roles must be created and the applier cannot.
pub fn plan(b: &mut Builder<'_>, _findings: &[Finding]) -> Result<(), PlanError> {
    // A dump holds one database's objects, not the server's roles or settings: with a dump on
    // either side there is nothing to compare, and every target role would look extra.
    if let Some(dump) = b
        .input
        .source
        .dump
        .as_ref()
        .or(b.input.target.dump.as_ref())
    {
        b.manual(
            PHASE,
            "plan.globals-skipped",
            &ObjectRef::new("dump", dump.file.clone()),
            "a dump holds no roles or server settings: restore roles with `pgparity roles clean` \
             of pg_dumpall --roles-only, and give servers (or their snapshots) to plan globals"
                .to_owned(),
        );
        return Ok(());
    }
    let source = &b.input.source.roles;
    let target = &b.input.target.roles;
    let policy = b.input.policy;
    let ours = |name: &RoleName| policy.provider_rule(name).is_none();

    let missing: Vec<&Role> = source
        .roles
        .values()
        .filter(|r| ours(&r.name) && !target.roles.contains_key(&r.name))
        .filter(|r| policy.reserved_rule(&r.name).is_none())
        .collect();
    let applier = &b.input.facts.applier;
    if !missing.is_empty() && !applier.superuser && !applier.createrole {
        let mut roles: Vec<String> = missing.iter().take(5).map(|r| r.name.quoted()).collect();
        if missing.len() > 5 {
            roles.push(format!("and {} more", missing.len() - 5));
        }
        return Err(PlanError::CannotCreateRoles {
            applier: applier
                .name
                .as_ref()
                .map_or("(unnamed)".to_owned(), RoleName::quoted),
            roles: roles.join(", "),
        });
    }
    for role in source.roles.values().filter(|r| ours(&r.name)) {
        if let Some(rule) = policy.reserved_rule(&role.name) {
            if !target.roles.contains_key(&role.name) {
                b.unfixable(
                    PHASE,
                    "role.missing",
                    &role_ref(&role.name),
                    format!("the name is reserved on the target ({})", rule.problem),
                );
            }
        }
    }
    for role in &missing {
        create_role(b, role);
    }
    for (name, role) in &source.roles {
        if !ours(name) {
            continue;
        }
        if let Some(existing) = target.roles.get(name) {
            alter_role(b, role, existing);
        }
    }
    memberships(b);
    role_settings(b);
    database_settings(b);
    target_only(b);
    Ok(())
}

fn role_ref(name: &RoleName) -> ObjectRef {
    ObjectRef::new("role", name.as_str())
}

/// Why the applier may not write this attribute value, if it may not.
fn attribute_refusal(b: &Builder<'_>, attribute: RoleAttribute, value: bool) -> Option<String> {
    let applier = &b.input.facts.applier;
    if applier.superuser {
        return None;
    }
    let major = b.target_major();
    let has = match attribute {
        RoleAttribute::Superuser => false,
        RoleAttribute::Replication => applier.replication,
        RoleAttribute::Bypassrls => applier.bypassrls,
        RoleAttribute::Createdb => applier.createdb,
        RoleAttribute::Createrole => applier.createrole,
        RoleAttribute::Login | RoleAttribute::Inherit => true,
    };
    match attribute {
        RoleAttribute::Superuser => Some("only a superuser may write SUPERUSER".to_owned()),
        RoleAttribute::Replication | RoleAttribute::Bypassrls if major < 16 => Some(format!(
            "only a superuser may write {} on PostgreSQL {major}",
            attribute.keyword_for(value)
        )),
        _ if major >= 16 && !has && value => Some(format!(
            "{} does not have {} itself, so it cannot give it (PostgreSQL 16+)",
            b.actor.label(),
            attribute.keyword()
        )),
        _ => None,
    }
}

/// Why the applier may not alter (or grant, or set for) an existing role, if it may not.
fn alter_refusal(b: &Builder<'_>, name: &RoleName) -> Option<String> {
    let facts = b.input.facts;
    if facts.applier.superuser {
        return None;
    }
    if facts.is_applier(name) {
        return Some(format!("it is {} itself", b.actor.label()));
    }
    if b.actor.created_role(name.as_str()) {
        return None;
    }
    let superuser = facts
        .existing(name)
        .map(|r| r.superuser)
        .or_else(|| b.input.target.roles.roles.get(name).map(|r| r.superuser))
        .unwrap_or(false);
    if superuser {
        return Some("it is a superuser; only a superuser may alter it".to_owned());
    }
    if b.target_major() >= 16
        && !facts.manages_all_roles
        && !facts.existing(name).is_some_and(|r| r.admin)
    {
        return Some(format!(
            "{} holds no ADMIN OPTION on it (PostgreSQL 16+)",
            b.actor.label()
        ));
    }
    None
}

fn create_role(b: &mut Builder<'_>, role: &Role) {
    let object = role_ref(&role.name);
    let mut options = Vec::new();
    for attribute in RoleAttribute::ALL {
        let value = role.attribute(attribute);
        if value == attribute.default_value() {
            continue;
        }
        match attribute_refusal(b, attribute, value) {
            None => options.push(attribute.keyword_for(value).to_owned()),
            Some(why) => b.unfixable(
                PHASE,
                "role.differs",
                &object,
                format!("created without {}: {why}", attribute.keyword_for(value)),
            ),
        }
    }
    if role.connection_limit != -1 {
        options.push(format!("CONNECTION LIMIT {}", role.connection_limit));
    }
    if let Some(until) = &role.valid_until {
        options.push(format!("VALID UNTIL {}", quote_literal(until)));
    }
    let with = if options.is_empty() {
        String::new()
    } else {
        format!(" WITH {}", options.join(" "))
    };
    let sql = do_if(
        &format!(
            "NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {})",
            quote_literal(role.name.as_str())
        ),
        &format!("CREATE ROLE {}{with};", role.name.quoted()),
    );
    b.sql(PHASE, "role.missing", &object, sql);
    if let Some(comment) = &role.comment {
        b.sql(
            PHASE,
            "role.missing",
            &object,
            format!(
                "COMMENT ON ROLE {} IS {};",
                role.name.quoted(),
                quote_literal(comment)
            ),
        );
    }
    if !matches!(role.password, PasswordKind::None | PasswordKind::Unknown) {
        b.unfixable(
            PHASE,
            "role.differs",
            &object,
            format!(
                "its password is not copied (pgparity never reads password hashes): ALTER ROLE {} PASSWORD '...'",
                role.name.quoted()
            ),
        );
    }
    // 16+: the creator becomes a member of what it creates (with ADMIN OPTION).
    if b.target_major() >= 16 && !b.input.facts.applier.superuser {
        if let Some(applier) = &b.input.facts.applier.name {
            b.unfixable(
                PHASE,
                "target.only",
                &ObjectRef::new(
                    "membership",
                    format!("{} -> {}", role.name.as_str(), applier.as_str()),
                ),
                format!(
                    "PostgreSQL {} makes the creating role a member of every role it creates \
                     (with ADMIN OPTION); a plan never revokes a membership of the applying role",
                    b.target_major()
                ),
            );
        }
    }
    b.role_created(role.name.as_str());
}

fn alter_role(b: &mut Builder<'_>, role: &Role, existing: &Role) {
    let object = role_ref(&role.name);
    let mut options = Vec::new();
    let mut refused = Vec::new();
    for attribute in RoleAttribute::ALL {
        let value = role.attribute(attribute);
        if value == existing.attribute(attribute) {
            continue;
        }
        match attribute_refusal(b, attribute, value) {
            None => options.push(attribute.keyword_for(value).to_owned()),
            Some(why) => refused.push(format!("{}: {why}", attribute.keyword_for(value))),
        }
    }
    if role.connection_limit != existing.connection_limit {
        options.push(format!("CONNECTION LIMIT {}", role.connection_limit));
    }
    if role.valid_until != existing.valid_until {
        options.push(format!(
            "VALID UNTIL {}",
            quote_literal(role.valid_until.as_deref().unwrap_or("infinity"))
        ));
    }
    let known = |p: PasswordKind| p != PasswordKind::Unknown;
    if known(role.password)
        && known(existing.password)
        && (role.password == PasswordKind::None) != (existing.password == PasswordKind::None)
    {
        refused.push(format!(
            "its password is not copied (pgparity never reads password hashes): ALTER ROLE {} PASSWORD ...",
            role.name.quoted()
        ));
    }
    if options.is_empty() && refused.is_empty() {
        return;
    }
    if !options.is_empty() {
        if let Some(why) = alter_refusal(b, &role.name) {
            b.unfixable(
                PHASE,
                "role.differs",
                &object,
                format!("{} cannot alter it: {why}", b.actor.label()),
            );
            return;
        }
        b.sql(
            PHASE,
            "role.differs",
            &object,
            format!(
                "ALTER ROLE {} WITH {};",
                role.name.quoted(),
                options.join(" ")
            ),
        );
    }
    for why in refused {
        b.unfixable(PHASE, "role.differs", &object, why);
    }
}

/// True when the role exists on the target or the plan creates it.
fn available(b: &Builder<'_>, name: &RoleName) -> bool {
    b.input.target.roles.roles.contains_key(name) || b.actor.created_role(name.as_str())
}

fn memberships(b: &mut Builder<'_>) {
    let policy = b.input.policy;
    let ours = |name: &RoleName| policy.provider_rule(name).is_none();
    let key = |m: &crate::catalog::Membership| (m.role.clone(), m.member.clone());
    let target: BTreeMap<_, _> = b
        .input
        .target
        .roles
        .memberships
        .iter()
        .map(|m| (key(m), m))
        .collect();
    let mut seen = BTreeSet::new();
    for m in &b.input.source.roles.memberships {
        if !ours(&m.role) || !ours(&m.member) || !seen.insert(key(m)) {
            continue;
        }
        let object = ObjectRef::new(
            "membership",
            format!("{} -> {}", m.role.as_str(), m.member.as_str()),
        );
        let have = target.get(&key(m));
        let admin = m.admin_option
            || b.input
                .source
                .roles
                .memberships
                .iter()
                .any(|o| key(o) == key(m) && o.admin_option);
        if have.is_some_and(|t| t.admin_option || !admin) {
            continue;
        }
        for name in [&m.role, &m.member] {
            if !available(b, name) {
                b.unfixable(
                    PHASE,
                    "membership.missing",
                    &object,
                    format!("role {} is not on the target", name.quoted()),
                );
            }
        }
        if !available(b, &m.role) || !available(b, &m.member) {
            continue;
        }
        if let Some(why) = grant_refusal(b, &m.role) {
            b.unfixable(PHASE, "membership.missing", &object, why);
            continue;
        }
        let mut options = Vec::new();
        if admin {
            options.push("ADMIN OPTION");
        }
        if b.target_major() >= 16 {
            match m.inherit_option {
                Some(true) => options.push("INHERIT TRUE"),
                Some(false) => options.push("INHERIT FALSE"),
                None => {}
            }
            match m.set_option {
                Some(true) => options.push("SET TRUE"),
                Some(false) => options.push("SET FALSE"),
                None => {}
            }
        }
        let with = if options.is_empty() {
            String::new()
        } else {
            format!(" WITH {}", options.join(", "))
        };
        b.sql(
            PHASE,
            "membership.missing",
            &object,
            format!("GRANT {} TO {}{with};", m.role.quoted(), m.member.quoted()),
        );
    }
}

/// Why the applier may not grant (or revoke) membership in `role`, if it may not.
fn grant_refusal(b: &Builder<'_>, role: &RoleName) -> Option<String> {
    let facts = b.input.facts;
    if facts.applier.superuser || b.actor.created_role(role.as_str()) {
        return None;
    }
    if facts.existing(role).is_some_and(|r| r.superuser) {
        return Some(format!(
            "{} is a superuser role; only a superuser may grant it",
            role.quoted()
        ));
    }
    if facts.is_applier(role) && b.target_major() >= 16 {
        return Some("a role holds no ADMIN OPTION on itself (PostgreSQL 16+)".to_owned());
    }
    if facts.existing(role).is_some_and(|r| r.admin) || facts.manages_all_roles {
        return None;
    }
    if b.target_major() < 16 && facts.applier.createrole {
        return None;
    }
    Some(format!(
        "{} holds no ADMIN OPTION on {}",
        b.actor.label(),
        role.quoted()
    ))
}

/// Why a parameter cannot be set by `ALTER ROLE|DATABASE ... SET`, if it cannot.
fn parameter_refusal(b: &Builder<'_>, name: &str) -> Option<String> {
    let facts = b.input.facts;
    let lower = name.to_ascii_lowercase();
    if !name.contains('.') {
        match &facts.parameters {
            Some(known) => match known.get(&lower) {
                None => {
                    return Some(format!(
                        "PostgreSQL {} has no parameter {name}",
                        b.target_major()
                    ))
                }
                Some(fact) if !fact.settable && !facts.applier.superuser => {
                    return Some(format!(
                        "{name} is a superuser parameter ({} context) and {} may not set it",
                        fact.context,
                        b.actor.label()
                    ))
                }
                Some(_) => {}
            },
            None => {
                if let Some(removed) = b.input.policy.removed_parameter(name, b.target_major()) {
                    return Some(format!(
                        "{name} was removed in PostgreSQL {}",
                        removed.removed_in
                    ));
                }
                if !facts.applier.superuser && b.input.policy.is_superuser_parameter(name) {
                    return Some(format!("{name} is a superuser parameter"));
                }
            }
        }
    }
    None
}

type SettingKey = (RoleName, Option<String>, String);

fn settings_of(snapshot: &crate::catalog::Snapshot) -> BTreeMap<SettingKey, String> {
    snapshot
        .roles
        .role_settings
        .iter()
        .map(|s| {
            (
                (s.role.clone(), s.database.clone(), s.name.clone()),
                s.value.clone(),
            )
        })
        .collect()
}

fn role_settings(b: &mut Builder<'_>) {
    let policy = b.input.policy;
    let source = settings_of(b.input.source);
    let target = settings_of(b.input.target);
    for ((role, database, name), value) in &source {
        if policy.provider_rule(role).is_some()
            || target.get(&(role.clone(), database.clone(), name.clone())) == Some(value)
        {
            continue;
        }
        let object = ObjectRef::new("role-setting", format!("{}.{name}", role.as_str()));
        let code = "role-setting.differs";
        if !available(b, role) {
            b.unfixable(
                PHASE,
                code,
                &object,
                format!("role {} is not on the target", role.quoted()),
            );
            continue;
        }
        let refusal = alter_refusal(b, role).or_else(|| parameter_refusal(b, name));
        let refusal = refusal.or_else(|| {
            database
                .as_ref()
                .filter(|db| !b.input.target.databases.contains_key(*db))
                .map(|db| format!("database {} is not on the target", quote_ident(db)))
        });
        if let Some(why) = refusal {
            b.unfixable(PHASE, code, &object, why);
            continue;
        }
        let scope = database.as_ref().map_or(String::new(), |db| {
            format!(" IN DATABASE {}", quote_ident(db))
        });
        b.sql(
            PHASE,
            code,
            &object,
            format!(
                "ALTER ROLE {}{scope} SET {} TO {};",
                role.quoted(),
                parameter_name(name),
                setting_value_sql(name, value)
            ),
        );
    }
}

fn database_settings(b: &mut Builder<'_>) {
    let (Some(s), Some(t)) = (
        b.input.source.databases.get(b.input.source_database),
        b.input.target.databases.get(b.input.target_database),
    ) else {
        return;
    };
    let database = quote_ident(b.input.target_database);
    let object = |param: &str| {
        ObjectRef::new(
            "database-setting",
            format!("{}.{param}", b.input.target_database),
        )
    };
    let owner_refusal = b.actor.cannot_act_as(&t.owner);
    for (param, value) in &s.settings {
        if t.settings.get(param) == Some(value) {
            continue;
        }
        let refusal = owner_refusal
            .clone()
            .map(|why| {
                format!(
                    "ALTER DATABASE needs its owner {}: {why}",
                    quote_ident(&t.owner)
                )
            })
            .or_else(|| parameter_refusal(b, param));
        match refusal {
            Some(why) => b.unfixable(PHASE, "database.differs", &object(param), why),
            None => b.sql(
                PHASE,
                "database.differs",
                &object(param),
                format!(
                    "ALTER DATABASE {database} SET {} TO {};",
                    parameter_name(param),
                    setting_value_sql(param, value)
                ),
            ),
        }
    }
    for param in t.settings.keys().filter(|p| !s.settings.contains_key(*p)) {
        if owner_refusal.is_none() {
            b.drop(
                PHASE,
                "target.only",
                &object(param),
                format!("ALTER DATABASE {database} RESET {};", parameter_name(param)),
            );
        }
    }
}

/// Roles, memberships and role settings that exist only on the target: dropped with
/// `--allow-drop`, except the applier, its memberships, superusers and the provider's roles.
fn target_only(b: &mut Builder<'_>) {
    let policy = b.input.policy;
    let ours = |name: &RoleName| policy.provider_rule(name).is_none();
    let source = &b.input.source.roles;
    let target = &b.input.target.roles;
    for (name, role) in &target.roles {
        if !ours(name) || source.roles.contains_key(name) {
            continue;
        }
        let object = role_ref(name);
        if b.input.facts.is_applier(name) {
            b.unfixable(
                PHASE,
                "target.only",
                &object,
                "it is the applying role, which a plan never drops".to_owned(),
            );
            continue;
        }
        if role.superuser {
            b.unfixable(
                PHASE,
                "target.only",
                &object,
                "a superuser role is never dropped by a plan".to_owned(),
            );
            continue;
        }
        if let Some(why) = alter_refusal(b, name) {
            b.unfixable(
                PHASE,
                "target.only",
                &object,
                format!("it cannot be dropped: {why}"),
            );
            continue;
        }
        b.drop(
            PHASE,
            "target.only",
            &object,
            format!("DROP ROLE IF EXISTS {};", name.quoted()),
        );
    }
    let key = |m: &crate::catalog::Membership| (m.role.clone(), m.member.clone());
    let mine: BTreeSet<_> = source.memberships.iter().map(key).collect();
    let mut seen = BTreeSet::new();
    for m in &target.memberships {
        if !ours(&m.role) || !ours(&m.member) || mine.contains(&key(m)) || !seen.insert(key(m)) {
            continue;
        }
        let object = ObjectRef::new(
            "membership",
            format!("{} -> {}", m.role.as_str(), m.member.as_str()),
        );
        let dropped_role = |n: &RoleName| {
            !source.roles.contains_key(n)
                && !b.input.facts.is_applier(n)
                && target.roles.get(n).is_some_and(|r| !r.superuser)
        };
        if b.input.facts.is_applier(&m.member) || b.input.facts.is_applier(&m.role) {
            b.unfixable(
                PHASE,
                "target.only",
                &object,
                "a membership of the applying role is never revoked by a plan".to_owned(),
            );
            continue;
        }
        if b.input.allow_drop && (dropped_role(&m.role) || dropped_role(&m.member)) {
            // Dropping the role ends the membership.
            continue;
        }
        if let Some(why) = grant_refusal(b, &m.role) {
            b.unfixable(
                PHASE,
                "target.only",
                &object,
                format!("it cannot be revoked: {why}"),
            );
            continue;
        }
        b.drop(
            PHASE,
            "target.only",
            &object,
            format!("REVOKE {} FROM {};", m.role.quoted(), m.member.quoted()),
        );
    }
    let mine = settings_of(b.input.source);
    for ((role, database, name), _) in settings_of(b.input.target) {
        if !ours(&role) || mine.contains_key(&(role.clone(), database.clone(), name.clone())) {
            continue;
        }
        if b.input.allow_drop
            && !source.roles.contains_key(&role)
            && !b.input.facts.is_applier(&role)
        {
            continue;
        }
        let object = ObjectRef::new("role-setting", format!("{}.{name}", role.as_str()));
        if let Some(why) = alter_refusal(b, &role) {
            b.unfixable(
                PHASE,
                "target.only",
                &object,
                format!("it cannot be reset: {why}"),
            );
            continue;
        }
        let scope = database.as_ref().map_or(String::new(), |db| {
            format!(" IN DATABASE {}", quote_ident(db))
        });
        b.drop(
            PHASE,
            "target.only",
            &object,
            format!(
                "ALTER ROLE {}{scope} RESET {};",
                role.quoted(),
                parameter_name(&name)
            ),
        );
    }
}
