//! The `extensions` phase: `CREATE EXTENSION` for what the target database lacks, in
//! dependency order, and, as comments with the exact command, what SQL cannot do: a provider's
//! allow-list (`az postgres flexible-server parameter set --name azure.extensions ...`) and
//! `shared_preload_libraries` with its restart.

use super::{Builder, Phase};
use crate::catalog::{quote_ident, quote_literal, InstalledExtension};
use crate::findings::{Finding, ObjectRef};
use std::collections::{BTreeMap, BTreeSet};

const PHASE: Phase = Phase::Extensions;

/// Extensions that require others (their control files' `requires`), for the common ones:
/// the snapshot does not hold `requires`, and `CASCADE` would put the required extension in
/// the wrong schema.
const REQUIRES: &[(&str, &[&str])] = &[
    ("address_standardizer_data_us", &["address_standardizer"]),
    ("bool_plperl", &["plperl"]),
    ("bool_plperlu", &["plperlu"]),
    ("earthdistance", &["cube"]),
    ("h3_postgis", &["h3", "postgis"]),
    ("hstore_plperl", &["hstore", "plperl"]),
    ("hstore_plperlu", &["hstore", "plperlu"]),
    ("hstore_plpython3u", &["hstore", "plpython3u"]),
    ("jsonb_plperl", &["plperl"]),
    ("jsonb_plperlu", &["plperlu"]),
    ("jsonb_plpython3u", &["plpython3u"]),
    ("ltree_plpython3u", &["ltree", "plpython3u"]),
    ("pgrouting", &["postgis"]),
    ("postgis_raster", &["postgis"]),
    ("postgis_sfcgal", &["postgis"]),
    ("postgis_tiger_geocoder", &["postgis", "fuzzystrmatch"]),
    ("postgis_topology", &["postgis"]),
];

fn requires(name: &str) -> &'static [&'static str] {
    REQUIRES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, r)| r)
}

/// The names in an order where every extension comes after those it requires.
fn dependency_order<'a>(names: &[&'a String]) -> Vec<&'a String> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut left: Vec<&String> = names.to_vec();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|name| {
            let ready = requires(name)
                .iter()
                .all(|r| done.contains(r) || !names.iter().any(|n| n == r));
            if ready {
                done.insert(name.as_str());
                out.push(*name);
            }
            !ready
        });
        if left.len() == before {
            // Not expected with the table above; keep the rest as they are.
            out.append(&mut left);
        }
    }
    out
}

fn installed<'a>(
    snapshot: &'a crate::catalog::Snapshot,
    database: &str,
) -> BTreeMap<&'a String, &'a InstalledExtension> {
    snapshot
        .databases
        .get(database)
        .and_then(|db| db.contents.as_ref())
        .map(|c| {
            c.extensions
                .iter()
                .filter(|(name, _)| name.as_str() != "plpgsql")
                .collect()
        })
        .unwrap_or_default()
}

/// Plans the extensions phase.
pub fn plan(b: &mut Builder<'_>, findings: &[Finding]) {
    let source = installed(b.input.source, b.input.source_database);
    let target = installed(b.input.target, b.input.target_database);
    let available = &b.input.target.available_extensions;
    let in_this_database = |name: &str| source.keys().any(|n| n.as_str() == name);

    let mut refused = BTreeSet::new();
    for finding in findings {
        let name = finding.object.name.as_str();
        if finding.object.kind != "extension"
            || !in_this_database(name)
            || target.keys().any(|n| n.as_str() == name)
        {
            continue;
        }
        match finding.code.as_ref() {
            "extension.not-allowlisted" | "extension.needs-preload" => {
                let command = match &finding.fix {
                    Some(fix) => format!("{}\n{fix}", finding.message),
                    None => finding.message.clone(),
                };
                b.manual(PHASE, &finding.code, &finding.object, command);
            }
            "extension.unavailable" => {
                refused.insert(name.to_owned());
                b.unfixable(
                    PHASE,
                    &finding.code,
                    &finding.object,
                    format!(
                        "the target cannot install it: install its package there first ({})",
                        finding.message
                    ),
                );
            }
            "extension.older-version" => b.unfixable(
                PHASE,
                &finding.code,
                &finding.object,
                format!(
                    "created at the target's version instead: {}",
                    finding.message
                ),
            ),
            _ => {}
        }
    }

    let missing: Vec<&String> = source
        .keys()
        .filter(|name| !target.contains_key(*name) && !refused.contains(name.as_str()))
        .copied()
        .collect();
    let managed = !b.input.policy.profile.target.superuser;
    for name in dependency_order(&missing) {
        let extension = source[name];
        let object = ObjectRef::new("extension", name.clone());
        if let Some(offer) = available.get(name) {
            let needs_superuser = offer.superuser && !offer.trusted;
            if needs_superuser && !b.actor.superuser() && !managed {
                b.unfixable(
                    PHASE,
                    "object.missing",
                    &object,
                    format!(
                        "it is not trusted: only a superuser may create it, and {} is not one",
                        b.actor.label()
                    ),
                );
                continue;
            }
        }
        let mut sql = format!("CREATE EXTENSION IF NOT EXISTS {}", quote_ident(name));
        let schema = quote_ident(&extension.schema);
        let schema_known = b.source_objects.schemas.get(&schema);
        if let Some(owned) = schema_known {
            if !b.target_objects.schemas.contains_key(&schema) {
                create_schema(b, &schema, &owned.owned.owner);
            }
            sql.push_str(&format!(" WITH SCHEMA {schema}"));
        }
        let offered = available
            .get(name)
            .is_none_or(|offer| offer.versions.contains(&extension.version));
        if offered {
            sql.push_str(&format!(" VERSION {}", quote_literal(&extension.version)));
        }
        sql.push(';');
        b.sql(PHASE, "object.missing", &object, sql);
    }

    for (name, extension) in &source {
        let Some(installed) = target.get(name) else {
            continue;
        };
        let object = ObjectRef::new("extension", name.to_string());
        if installed.schema != extension.schema {
            b.unfixable(
                PHASE,
                "object.changed",
                &object,
                format!(
                    "it is in schema {} on the target, {} on the source: ALTER EXTENSION {} SET \
                     SCHEMA {} moves a relocatable one; others must be dropped and created again",
                    quote_ident(&installed.schema),
                    quote_ident(&extension.schema),
                    quote_ident(name),
                    quote_ident(&extension.schema)
                ),
            );
        }
        if crate::diff::version_older(&installed.version, &extension.version) {
            let offered = available
                .get(*name)
                .is_some_and(|offer| offer.versions.contains(&extension.version));
            if offered || available.is_empty() {
                b.sql(
                    PHASE,
                    "object.changed",
                    &object,
                    format!(
                        "ALTER EXTENSION {} UPDATE TO {};",
                        quote_ident(name),
                        quote_literal(&extension.version)
                    ),
                );
            } else {
                b.unfixable(
                    PHASE,
                    "object.changed",
                    &object,
                    format!(
                        "the target has {} and does not offer {}",
                        installed.version, extension.version
                    ),
                );
            }
        }
    }
    for name in target.keys().filter(|n| !source.contains_key(*n)) {
        b.drop(
            PHASE,
            "object.extra",
            &ObjectRef::new("extension", name.to_string()),
            format!("DROP EXTENSION IF EXISTS {};", quote_ident(name)),
        );
    }
}

/// The schema an extension goes into, created before it (the `schema` phase comes later).
fn create_schema(b: &mut Builder<'_>, schema: &str, owner: &str) {
    if !b.created_schemas.insert(schema.to_owned()) {
        return;
    }
    let object = ObjectRef::new("schema", schema.to_owned());
    b.sql(
        PHASE,
        "object.missing",
        &object,
        format!("CREATE SCHEMA IF NOT EXISTS {schema};"),
    );
    if !b.actor.is_applier(owner) && b.actor.cannot_act_as(owner).is_none() {
        b.sql(
            PHASE,
            "object.missing",
            &object,
            super::ddl::owner("schema", schema, owner),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_extensions_come_first() {
        let names: Vec<String> = [
            "earthdistance",
            "postgis_topology",
            "cube",
            "postgis",
            "citext",
        ]
        .map(String::from)
        .into();
        let refs: Vec<&String> = names.iter().collect();
        let order: Vec<&str> = dependency_order(&refs).iter().map(|s| s.as_str()).collect();
        let at = |n: &str| order.iter().position(|o| *o == n).unwrap();
        assert!(at("cube") < at("earthdistance"));
        assert!(at("postgis") < at("postgis_topology"));
        assert_eq!(order.len(), 5);
    }
}
