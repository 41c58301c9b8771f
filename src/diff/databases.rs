//! Databases of two servers: presence, properties and `ALTER DATABASE .. SET` values. The
//! databases the profile says are not migrated (templates, the provider's own) are left out.

use super::Findings;
use crate::catalog::{quote_ident, quote_literal, Database, Snapshot};
use crate::findings::ObjectRef;

/// `CREATE DATABASE` as the source has it.
pub fn create_database_sql(name: &str, db: &Database) -> String {
    let mut sql = format!(
        "CREATE DATABASE {} WITH OWNER {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}",
        quote_ident(name),
        quote_ident(&db.owner),
        quote_literal(&db.encoding),
        quote_literal(&db.collate),
        quote_literal(&db.ctype)
    );
    if db.locale_provider != "libc" {
        sql.push_str(&format!(" LOCALE_PROVIDER {}", db.locale_provider));
        if let Some(locale) = &db.locale {
            let keyword = if db.locale_provider == "icu" {
                "ICU_LOCALE"
            } else {
                "BUILTIN_LOCALE"
            };
            sql.push_str(&format!(" {keyword} {}", quote_literal(locale)));
        }
    }
    if db.connection_limit != -1 {
        sql.push_str(&format!(" CONNECTION LIMIT {}", db.connection_limit));
    }
    sql.push(';');
    sql
}

pub(super) fn diff_databases(source: &Snapshot, target: &Snapshot, out: &mut Findings<'_>) {
    let policy = out.policy;
    let migrated =
        |name: &str, db: &Database| !db.is_template && policy.not_migrated(name).is_none();
    for (name, s) in &source.databases {
        if !migrated(name, s) {
            continue;
        }
        let object = || ObjectRef::new("database", name.as_str());
        let Some(t) = target.databases.get(name) else {
            let msg = format!(
                "database {} does not exist on the target",
                quote_ident(name)
            );
            out.add_kind("database-missing", object(), msg).fix =
                Some(create_database_sql(name, s));
            continue;
        };
        let mut differences = Vec::new();
        let mut fixes = Vec::new();
        let mut field = |what: &str, a: &str, b: &str| {
            if a != b {
                differences.push(format!("{what} {a} → {b}"));
            }
            a != b
        };
        if field("owner", &s.owner, &t.owner) {
            fixes.push(format!(
                "ALTER DATABASE {} OWNER TO {};",
                quote_ident(name),
                quote_ident(&s.owner)
            ));
        }
        // These are fixed at CREATE DATABASE: a difference means recreating it.
        let recreate = [
            field("encoding", &s.encoding, &t.encoding),
            field("collation", &s.collate, &t.collate),
            field("ctype", &s.ctype, &t.ctype),
            field("locale provider", &s.locale_provider, &t.locale_provider),
            field(
                "locale",
                s.locale.as_deref().unwrap_or("-"),
                t.locale.as_deref().unwrap_or("-"),
            ),
        ]
        .contains(&true);
        if field(
            "connection limit",
            &s.connection_limit.to_string(),
            &t.connection_limit.to_string(),
        ) {
            fixes.push(format!(
                "ALTER DATABASE {} CONNECTION LIMIT {};",
                quote_ident(name),
                s.connection_limit
            ));
        }
        if recreate {
            fixes.push(format!(
                "-- recreate before the restore: DROP DATABASE {}; {}",
                quote_ident(name),
                create_database_sql(name, s)
            ));
        }
        if !differences.is_empty() {
            let msg = format!(
                "database {} differs (source → target): {}",
                quote_ident(name),
                differences.join(", ")
            );
            out.add_kind("database-differs", object(), msg).fix = Some(fixes.join("\n"));
        }
        if let (Some(so), Some(to)) = (
            s.contents.as_ref().and_then(|c| c.objects.as_ref()),
            t.contents.as_ref().and_then(|c| c.objects.as_ref()),
        ) {
            let versions = super::Versions::new(source.server.major, target.server.major);
            super::diff_objects(name, so, to, versions, out);
        }
        for (param, value) in &s.settings {
            let now = t.settings.get(param);
            if now == Some(value) {
                continue;
            }
            let msg = format!(
                "database {}: {param} is {value} on the source, {} on the target",
                quote_ident(name),
                now.map_or("not set", |v| v.as_str())
            );
            out.add_kind(
                "database-differs",
                ObjectRef::new("database-setting", format!("{name}.{param}")),
                msg,
            )
            .set_values(Some(value.clone()), now.cloned())
            .fix = Some(format!(
                "ALTER DATABASE {} SET {} TO {};",
                quote_ident(name),
                quote_ident(param),
                super::setting_value_sql(param, value)
            ));
        }
        for param in t.settings.keys() {
            if !s.settings.contains_key(param) {
                let msg = format!(
                    "database {}: {param} is set only on the target",
                    quote_ident(name)
                );
                out.add_kind(
                    "target-only",
                    ObjectRef::new("database-setting", format!("{name}.{param}")),
                    msg,
                );
            }
        }
    }
    for (name, t) in &target.databases {
        if migrated(name, t) && !source.databases.contains_key(name) {
            let msg = format!("database {} exists only on the target", quote_ident(name));
            out.add_kind(
                "target-only",
                ObjectRef::new("database", name.as_str()),
                msg,
            );
        }
    }
}

/// The database of `side` that a diff with a dump compares: a dump's only one; on a server,
/// the one named like the other side's, or else the one its connection string named.
fn compared_database<'s>(side: &'s Snapshot, other: &Snapshot) -> Option<&'s str> {
    if side.dump.is_some() {
        return side.databases.keys().next().map(String::as_str);
    }
    let other_name = if other.dump.is_some() {
        other.databases.keys().next()
    } else {
        other.database.as_ref()
    };
    match other_name.and_then(|name| side.databases.get_key_value(name)) {
        Some((name, _)) => Some(name.as_str()),
        None => side.database.as_deref(),
    }
}

/// A diff where one side (or both) is a dump: a dump tells of one database's objects and
/// extensions, so those of the two compared databases are all there is to compare; plus
/// every statement of a dump that was not understood, whose objects went uncompared.
pub(super) fn diff_with_dump(source: &Snapshot, target: &Snapshot, out: &mut Findings<'_>) {
    for side in [source, target] {
        let Some(dump) = &side.dump else { continue };
        for statement in &dump.not_understood {
            let msg = format!(
                "{} {} ({}) was not understood: {}",
                statement.desc, statement.tag, statement.statement, statement.reason
            );
            out.add_kind(
                "dump-not-understood",
                ObjectRef::new("statement", format!("{}:{}", dump.file, statement.position)),
                msg,
            );
        }
    }
    let (Some(s_name), Some(t_name)) = (
        compared_database(source, target),
        compared_database(target, source),
    ) else {
        return;
    };
    let contents = |side: &'_ Snapshot, name: &str| {
        side.databases.get(name).and_then(|db| db.contents.clone())
    };
    let (Some(s), Some(t)) = (contents(source, s_name), contents(target, t_name)) else {
        return;
    };
    for (name, extension) in &s.extensions {
        if name != "plpgsql" && !t.extensions.contains_key(name) {
            let msg = format!(
                "extension {} (in schema {}) is not installed in database {} of the target",
                quote_ident(name),
                quote_ident(&extension.schema),
                quote_ident(t_name)
            );
            out.add_kind(
                "object-missing",
                ObjectRef::new("extension", name.as_str()),
                msg,
            )
            .fix = Some(format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};",
                quote_ident(name),
                quote_ident(&extension.schema)
            ));
        }
    }
    if let (Some(so), Some(to)) = (&s.objects, &t.objects) {
        let holds_data = |side: &Snapshot| side.dump.as_ref().is_none_or(|d| d.data);
        let versions = super::Versions {
            populated_known: holds_data(source) && holds_data(target),
            ..super::Versions::new(source.server.major, target.server.major)
        };
        super::diff_objects(t_name, so, to, versions, out);
    }
}
