//! Pre-migration readiness: what stands between this source and a target of the profile's
//! kind. With a live target (or its snapshot), every finding of [`crate::diff::diff`] for
//! settings, extensions, roles and databases, plus the checks here; without one, the profile's
//! assumptions stand in for the target.

use crate::catalog::{quote_ident, Snapshot};
use crate::diff::{self, Findings};
use crate::findings::{Finding, ObjectRef, Severity};
use crate::rules::Policy;

/// Readiness findings for moving `source` to `target` (or to the profile's assumed target).
pub fn check(source: &Snapshot, target: Option<&Snapshot>, policy: &Policy) -> Vec<Finding> {
    let mut out = Findings::new(policy);
    let from = source.server.major;
    let (to, target_superuser) = match target {
        Some(t) => (t.server.major, t.server.superuser),
        None => (
            policy.profile.target.server_major,
            policy.profile.target.superuser,
        ),
    };

    if to < from {
        let msg = format!(
            "the target runs PostgreSQL {to}, older than the source's {from}: a dump of {from} does not restore into {to}"
        );
        out.add_kind("target-older", ObjectRef::new("server", "target"), msg)
            .set_values(Some(from.to_string()), Some(to.to_string()));
    }
    let client = from.max(to);
    let msg = format!(
        "dump and restore with the PostgreSQL {client} clients (pg_dump, pg_dumpall, pg_restore {client}); older ones refuse a newer server"
    );
    out.add_kind("dump-client", ObjectRef::new("server", "clients"), msg)
        .fix = Some(format!(
        "use /usr/lib/postgresql/{client}/bin/pg_dump (or the postgresql-client-{client} package)"
    ));

    if let Some(t) = target {
        diff::diff_into(source, t, true, &mut out);
    } else {
        diff::extension_findings(source, None, true, &mut out);
    }

    databases(source, &mut out);
    roles(source, target_superuser, &mut out);
    objects(source, target_superuser, &mut out);
    incompatibilities(source, to, &mut out);
    if !policy.profile.target.tablespaces {
        tablespaces(source, &mut out);
    }
    out.into_vec()
}

fn databases(source: &Snapshot, out: &mut Findings<'_>) {
    let policy = out.policy;
    for (name, db) in &source.databases {
        let object = || ObjectRef::new("database", name.as_str());
        if let Some(rule) = policy.not_migrated(name) {
            let msg = format!(
                "database {} is not migrated ({})",
                quote_ident(name),
                rule.problem
            );
            out.add(rule, object(), msg);
            continue;
        }
        if db.is_template {
            continue;
        }
        let Some(contents) = &db.contents else {
            let why = db.unread.as_deref().unwrap_or("not read");
            let msg = format!("database {} was not checked: {why}", quote_ident(name));
            out.add_kind("database-unread", object(), msg);
            continue;
        };
        if contents.large_objects > 0 {
            let msg = format!(
                "database {} holds {} large object{}",
                quote_ident(name),
                contents.large_objects,
                if contents.large_objects == 1 { "" } else { "s" }
            );
            out.add_kind("large-objects", object(), msg)
                .set_values(Some(contents.large_objects.to_string()), None);
        }
        for table in &contents.unlogged_tables {
            let msg = format!("{table} in database {} is unlogged", quote_ident(name));
            out.add_kind(
                "unlogged-table",
                ObjectRef::new("table", format!("{name}.{table}")),
                msg,
            );
        }
        for table in &contents.tables_without_primary_key {
            let msg = format!(
                "{table} in database {} has no primary key",
                quote_ident(name)
            );
            out.add_kind(
                "no-primary-key",
                ObjectRef::new("table", format!("{name}.{table}")),
                msg,
            )
            .fix = Some(format!(
                "ALTER TABLE {table} ADD PRIMARY KEY (...);  -- or ALTER TABLE {table} REPLICA IDENTITY FULL;"
            ));
        }
    }
}

/// Languages only a superuser may create functions in: `c` and `internal` (their code is a
/// library on the server) and the untrusted procedural languages.
const SUPERUSER_LANGUAGES: &[&str] = &[
    "c",
    "internal",
    "plperlu",
    "plpythonu",
    "plpython2u",
    "plpython3u",
    "pltclu",
    "plsh",
];

/// Objects that need what the target's administrator lacks, and objects owned by roles the
/// profile drops.
fn objects(source: &Snapshot, target_superuser: bool, out: &mut Findings<'_>) {
    let policy = out.policy;
    for (db, database) in &source.databases {
        if database.is_template || policy.not_migrated(db).is_some() {
            continue;
        }
        let Some(objects) = database.contents.as_ref().and_then(|c| c.objects.as_ref()) else {
            continue;
        };
        let within = |name: &str| format!("{name} in database {}", quote_ident(db));
        if !target_superuser {
            // An aggregate's `internal` language is PostgreSQL's own bookkeeping.
            for (name, function) in objects
                .functions
                .iter()
                .filter(|(_, f)| f.kind != "aggregate")
            {
                let untrusted = SUPERUSER_LANGUAGES.contains(&function.language.as_str())
                    || objects
                        .languages
                        .get(&quote_ident(&function.language))
                        .is_some_and(|l| !l.trusted);
                if untrusted {
                    let msg = format!(
                        "{} {} is written in {}, which only a superuser may use; the target's administrator is not one",
                        function.kind,
                        within(name),
                        function.language
                    );
                    out.add_kind(
                        "untrusted-language",
                        ObjectRef::new("function", name.clone()),
                        msg,
                    );
                }
            }
            for name in objects.event_triggers.keys() {
                let msg = format!(
                    "event trigger {} needs a superuser to be created; the target's administrator is not one",
                    within(name)
                );
                out.add_kind(
                    "event-trigger",
                    ObjectRef::new("event trigger", name.clone()),
                    msg,
                );
            }
        }
        let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut owned_by = |owner: &str, kind: &str, name: &str| {
            if policy
                .provider_rule(&crate::catalog::RoleName::new(owner))
                .is_some()
            {
                owners
                    .entry(owner.to_owned())
                    .or_default()
                    .push(format!("{kind} {name}"));
            }
        };
        for (name, o) in &objects.schemas {
            owned_by(&o.owned.owner, "schema", name);
        }
        for (name, o) in &objects.tables {
            owned_by(&o.owned.owner, "table", name);
        }
        for (name, o) in &objects.views {
            owned_by(&o.owned.owner, "view", name);
        }
        for (name, o) in &objects.sequences {
            owned_by(&o.owned.owner, "sequence", name);
        }
        for (name, o) in &objects.functions {
            owned_by(&o.owned.owner, &o.kind, name);
        }
        for (name, o) in &objects.types {
            owned_by(&o.owned.owner, "type", name);
        }
        for (owner, list) in owners {
            let msg = format!(
                "{} object{} in database {} belong to {}, a role of the provider that is not migrated: the restoring role will own them ({}{})",
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                quote_ident(db),
                quote_ident(&owner),
                list.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if list.len() > 5 { ", …" } else { "" }
            );
            out.add_kind("owner-dropped", ObjectRef::new("role", owner), msg)
                .set_values(Some(list.len().to_string()), None);
        }
    }
}

fn roles(source: &Snapshot, target_superuser: bool, out: &mut Findings<'_>) {
    let policy = out.policy;
    for (name, role) in &source.roles.roles {
        if policy.provider_rule(name).is_some() {
            continue;
        }
        if let Some(rule) = policy.reserved_rule(name) {
            let msg = format!(
                "role {} has a name the target reserves: {}",
                name.quoted(),
                rule.problem
            );
            out.add(rule, ObjectRef::new("role", name.as_str()), msg);
        }
        if role.superuser && !target_superuser {
            let msg = format!(
                "role {} is a superuser on the source; the target's administrator cannot make it one (it will be NOSUPERUSER)",
                name.quoted()
            );
            out.add_kind("attribute-lost", ObjectRef::new("role", name.as_str()), msg)
                .set_values(Some("SUPERUSER".to_owned()), None);
        }
    }
}

/// Whether an upgrade check applies to a move from `from` to `to`, and how much it matters
/// for a dump and restore (pg_upgrade refuses all of them).
fn applies(check: &str, from: u32, to: u32) -> Option<(Severity, &'static str)> {
    match check {
        "postfix-operator" if from <= 13 && to >= 14 => Some((
            Severity::Error,
            "postfix operators were removed in PostgreSQL 14: CREATE OPERATOR fails on restore",
        )),
        "polymorphic-function" if from <= 13 && to >= 14 => Some((
            Severity::Error,
            "array_append, array_cat and array_prepend take anycompatible types since 14: the aggregate or operator fails on restore; recreate it with anycompatible types",
        )),
        "with-oids" if from <= 11 && to >= 12 => Some((
            Severity::Error,
            "WITH OIDS tables are not supported since 12: ALTER TABLE ... SET WITHOUT OIDS first",
        )),
        "abstime-column" if from <= 11 && to >= 12 => Some((
            Severity::Error,
            "abstime, reltime and tinterval were removed in 12",
        )),
        "encoding-conversion" if from <= 13 && to >= 14 => Some((
            Severity::Warning,
            "user encoding conversions changed signature in 14: recreate the conversion function",
        )),
        "sql-identifier-column" if from <= 11 && to >= 12 => Some((
            Severity::Warning,
            "sql_identifier changed its storage in 12 (pg_upgrade refuses it; dump and restore converts it)",
        )),
        "unknown-column" if from <= 9 && to >= 10 => Some((
            Severity::Warning,
            "columns of type unknown are not allowed since 10",
        )),
        "aclitem-column" if from <= 15 && to >= 16 => Some((
            Severity::Warning,
            "aclitem's storage changed in 16 (pg_upgrade refuses it; dump and restore converts it)",
        )),
        "reg-type-column" if from != to => Some((
            Severity::Warning,
            "reg* values are OIDs: pg_upgrade refuses them, and after a dump and restore they may name other objects",
        )),
        "composite-system-type-column" if from != to => Some((
            Severity::Warning,
            "a system composite type's layout may change between majors (pg_upgrade refuses it)",
        )),
        _ => None,
    }
}

fn incompatibilities(source: &Snapshot, to: u32, out: &mut Findings<'_>) {
    let from = source.server.major;
    for (db, database) in &source.databases {
        let Some(contents) = &database.contents else {
            continue;
        };
        for item in &contents.incompatibilities {
            let Some((severity, why)) = applies(&item.check, from, to) else {
                continue;
            };
            let msg = format!(
                "{} in database {} ({}): {why}",
                item.object,
                quote_ident(db),
                item.detail
            );
            let finding = out.add_kind(
                "upgrade-incompatible",
                ObjectRef::new(item_kind(&item.check), format!("{db}.{}", item.object)),
                msg,
            );
            finding.severity = severity;
            finding.source = Some(item.check.clone());
        }
    }
}

fn item_kind(check: &str) -> &'static str {
    match check {
        "postfix-operator" => "operator",
        "polymorphic-function" => "function",
        "with-oids" => "table",
        "encoding-conversion" => "conversion",
        _ => "column",
    }
}

fn tablespaces(source: &Snapshot, out: &mut Findings<'_>) {
    let policy = out.policy;
    let Some(rule) = policy.rule("tablespace") else {
        return;
    };
    for (name, ts) in &source.tablespaces {
        let msg = format!(
            "tablespace {} ({}) cannot be created on the target; objects in it go to the default tablespace when dumped with --no-tablespaces",
            quote_ident(name),
            ts.location
        );
        out.add(rule, ObjectRef::new("tablespace", name.as_str()), msg)
            .fix = Some("pg_dump --no-tablespaces ...".to_owned());
    }
}
