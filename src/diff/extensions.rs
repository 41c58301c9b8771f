//! Extensions the source uses, against what the target offers: installable at all, at a version
//! not older than the source's, allow-listed where the provider keeps a list, and preloaded
//! where the library needs it.

use super::Findings;
use crate::catalog::Snapshot;
use crate::findings::ObjectRef;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// True when version `a` is older than `b` (`1.10` > `1.9`; non-numeric parts compare as text).
pub fn version_older(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<String> { v.split(['.', '-']).map(str::to_owned).collect() };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order == Ordering::Less;
        }
    }
    pa.len() < pb.len()
}

/// An extension the source uses: the newest version installed and the databases using it.
struct Used {
    version: String,
    databases: Vec<String>,
}

fn used_extensions(source: &Snapshot, out: &Findings<'_>) -> BTreeMap<String, Used> {
    let mut used: BTreeMap<String, Used> = BTreeMap::new();
    for (db, database) in &source.databases {
        if out.policy.not_migrated(db).is_some() {
            continue;
        }
        let Some(contents) = &database.contents else {
            continue;
        };
        for (name, ext) in &contents.extensions {
            if name == "plpgsql" {
                continue;
            }
            let entry = used.entry(name.clone()).or_insert_with(|| Used {
                version: ext.version.clone(),
                databases: Vec::new(),
            });
            if version_older(&entry.version, &ext.version) {
                entry.version = ext.version.clone();
            }
            entry.databases.push(db.clone());
        }
    }
    used
}

fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Findings about the extensions the source uses; without a target, what the profile says
/// must be done on any such target. A diff (`readiness` false) reports a missing preload only
/// where the source preloads the library: a difference, not the source's own omission.
pub fn extension_findings(
    source: &Snapshot,
    target: Option<&Snapshot>,
    readiness: bool,
    out: &mut Findings<'_>,
) {
    let used = used_extensions(source, out);
    if let Some(t) = target {
        availability(&used, t, out);
    }
    allow_list(&used, target, out);
    preload(&used, source, target, readiness, out);
}

fn where_used(u: &Used) -> String {
    format!("database {}", u.databases.join(", "))
}

/// Extensions the target cannot install, or only at an older version.
fn availability(used: &BTreeMap<String, Used>, t: &Snapshot, out: &mut Findings<'_>) {
    for (name, u) in used {
        let object = || ObjectRef::new("extension", name.as_str());
        match t.available_extensions.get(name) {
            None => {
                let msg = format!(
                    "extension {name} {} ({}) is not available on the target (PostgreSQL {})",
                    u.version,
                    where_used(u),
                    t.server.major
                );
                out.add_kind("extension-unavailable", object(), msg)
                    .set_values(Some(u.version.clone()), None);
            }
            Some(available) => {
                let default = available.default_version.as_deref().unwrap_or("");
                let newest = available
                    .versions
                    .iter()
                    .any(|v| !version_older(v, &u.version));
                if !newest {
                    let msg = format!(
                            "extension {name} is {} on the source ({}); the target offers at most {default}",
                            u.version,
                            where_used(u)
                        );
                    out.add_kind("extension-version", object(), msg)
                        .set_values(Some(u.version.clone()), Some(default.to_owned()));
                }
            }
        }
    }
}

/// Extensions missing from the provider's allow-list, if the profile has one.
fn allow_list(used: &BTreeMap<String, Used>, target: Option<&Snapshot>, out: &mut Findings<'_>) {
    let policy = out.policy;
    if let Some((rule, parameter, fix)) = policy.allow_list() {
        let current = target.map(|t| {
            list(
                t.provider_settings
                    .get(parameter)
                    .and_then(|v| v.as_deref()),
            )
        });
        let allowed = current.clone().unwrap_or_default();
        // An extension the target cannot install is extension.unavailable, and the provider
        // refuses it as a value of the allow-list: it is left out of both.
        let installable =
            |name: &str| target.is_none_or(|t| t.available_extensions.contains_key(name));
        let missing: Vec<&String> = used
            .keys()
            .filter(|name| installable(name))
            .filter(|name| !allowed.iter().any(|a| a.eq_ignore_ascii_case(name)))
            .collect();
        let mut value = allowed.clone();
        value.extend(missing.iter().map(|m| m.to_string()));
        let fix = fix.replace("{value}", &value.join(","));
        for name in missing {
            let u = &used[name];
            let msg = match &current {
                Some(list) => format!(
                    "extension {name} ({}) is not allow-listed in {parameter} on the target (now: {})",
                    where_used(u),
                    if list.is_empty() {
                        "empty".to_owned()
                    } else {
                        list.join(",")
                    }
                ),
                None => format!(
                    "extension {name} ({}) must be allow-listed in {parameter} before the restore",
                    where_used(u)
                ),
            };
            out.add(rule, ObjectRef::new("extension", name.as_str()), msg)
                .fix = Some(fix.clone());
        }
    }
}

/// Extensions whose library the target does not preload.
fn preload(
    used: &BTreeMap<String, Used>,
    source: &Snapshot,
    target: Option<&Snapshot>,
    readiness: bool,
    out: &mut Findings<'_>,
) {
    let policy = out.policy;
    // The target's list, when it has one and showed it: shared_preload_libraries is
    // superuser-only, so a reader without pg_read_all_settings does not see it.
    let preload = target
        .and_then(|t| t.settings.get("shared_preload_libraries"))
        .map(|s| list(Some(s.value.as_str())));
    let hidden_from = target
        .filter(|_| preload.is_none())
        .map(|t| &t.server.current_user);
    let loaded = preload.clone().unwrap_or_default();
    let source_loaded = list(
        source
            .settings
            .get("shared_preload_libraries")
            .map(|s| s.value.as_str()),
    );
    let missing: Vec<&String> = used
        .keys()
        .filter(|name| policy.preload_rule(name).is_some() && !loaded.contains(name))
        .filter(|name| readiness || source_loaded.contains(name))
        .collect();
    let mut value = loaded.clone();
    value.extend(missing.iter().map(|m| m.to_string()));
    let fix = format!(
        "{}  # then restart the server",
        policy.parameter_fix("shared_preload_libraries", &value.join(","))
    );
    for name in missing {
        let rule = policy.preload_rule(name).expect("filtered above");
        let u = &used[name];
        let msg = match &preload {
            Some(list) => format!(
                "extension {name} ({}) needs shared_preload_libraries on the target, which has: {}",
                where_used(u),
                if list.is_empty() {
                    "nothing".to_owned()
                } else {
                    list.join(",")
                }
            ),
            None => match hidden_from {
                Some(reader) => format!(
                    "extension {name} ({}) needs {name} in shared_preload_libraries on the target, which does not show its list to {reader}: add it to what is there",
                    where_used(u)
                ),
                None => format!(
                    "extension {name} ({}) needs {name} in shared_preload_libraries on the target",
                    where_used(u)
                ),
            },
        };
        out.add(rule, ObjectRef::new("extension", name.as_str()), msg)
            .fix = Some(fix.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(version_older("1.9", "1.10"));
        assert!(!version_older("1.10", "1.9"));
        assert!(version_older("1.6", "1.6.1"));
        assert!(!version_older("1.6", "1.6"));
        assert!(version_older("3.1.0", "3.4.2"));
    }
}
