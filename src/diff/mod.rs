//! Compares two servers kind by kind (settings, extensions, roles and memberships, databases)
//! and turns every difference that matters into a finding. Roles and databases the profile
//! names as the provider's own are never reported as missing.

mod databases;
mod extensions;
mod normalize;
mod objects;
mod roles;
mod settings;

pub use extensions::{extension_findings, version_older};
pub use normalize::{normalized as normalized_definition, Schemas};
pub use objects::{diff_objects, Versions};
pub use settings::{describe_value, normalized, Normalized};

use crate::catalog::Snapshot;
use crate::findings::{Finding, ObjectRef};
use crate::rules::{Policy, Rule};

/// Every difference between `source` and `target` under `policy`, kind by kind.
pub fn diff(source: &Snapshot, target: &Snapshot, policy: &Policy) -> Vec<Finding> {
    let mut out = Findings::new(policy);
    diff_into(source, target, false, &mut out);
    out.into_vec()
}

/// [`diff`], adding to findings being made; with `readiness`, extensions are judged as a
/// migration needs them (see [`extension_findings`]).
pub fn diff_into(source: &Snapshot, target: &Snapshot, readiness: bool, out: &mut Findings<'_>) {
    if source.dump.is_some() || target.dump.is_some() {
        databases::diff_with_dump(source, target, out);
        return;
    }
    settings::diff_settings(source, target, out);
    extensions::extension_findings(source, Some(target), readiness, out);
    roles::diff_roles(source, target, out);
    databases::diff_databases(source, target, out);
}

/// Findings being made under a policy.
pub struct Findings<'p> {
    /// The policy whose rules make them.
    pub policy: &'p Policy,
    list: Vec<Finding>,
}

impl<'p> Findings<'p> {
    /// An empty list.
    pub fn new(policy: &'p Policy) -> Self {
        Findings {
            policy,
            list: Vec::new(),
        }
    }

    /// Adds a finding made by `rule`.
    pub fn add(&mut self, rule: &Rule, object: ObjectRef, message: String) -> &mut Finding {
        let finding = Finding::new(rule.kind.code(), rule.severity, object, message).rule(&rule.id);
        self.list.push(finding);
        self.list.last_mut().expect("just pushed")
    }

    /// Adds a finding made by the policy's rule of `kind` (core rules define every kind).
    pub fn add_kind(&mut self, kind: &str, object: ObjectRef, message: String) -> &mut Finding {
        let policy = self.policy;
        let rule = policy
            .rule(kind)
            .unwrap_or_else(|| panic!("core rules define a {kind} rule"));
        self.add(rule, object, message)
    }

    /// The findings made.
    pub fn into_vec(self) -> Vec<Finding> {
        self.list
    }
}

/// A parameter's value as `ALTER ... SET name TO` takes it: list parameters as stored (their
/// elements are already quoted), anything else as one string literal.
pub fn setting_value_sql(name: &str, value: &str) -> String {
    const LISTS: &[&str] = &[
        "search_path",
        "temp_tablespaces",
        "session_preload_libraries",
        "local_preload_libraries",
        "shared_preload_libraries",
    ];
    if LISTS.contains(&name.to_ascii_lowercase().as_str()) {
        value.to_owned()
    } else {
        crate::catalog::quote_literal(value)
    }
}

/// What a diff or check of `source` looks at: settings, extensions in use, roles, databases
/// and tablespaces (the provider's own and unmigrated ones aside).
pub fn checked_objects(source: &Snapshot, policy: &Policy) -> Vec<ObjectRef> {
    let mut objects = Vec::new();
    for (name, setting) in &source.settings {
        if setting.context != "internal" && !policy.is_ignored_parameter(name) {
            objects.push(ObjectRef::new("setting", name.as_str()));
        }
    }
    let mut extensions = std::collections::BTreeSet::new();
    for (name, db) in &source.databases {
        if db.is_template || policy.not_migrated(name).is_some() {
            continue;
        }
        objects.push(ObjectRef::new("database", name.as_str()));
        if let Some(contents) = &db.contents {
            extensions.extend(contents.extensions.keys().filter(|e| *e != "plpgsql"));
        }
    }
    for name in extensions {
        objects.push(ObjectRef::new("extension", name.as_str()));
    }
    for name in source.roles.roles.keys() {
        if policy.provider_rule(name).is_none() {
            objects.push(ObjectRef::new("role", name.as_str()));
        }
    }
    for name in source.tablespaces.keys() {
        objects.push(ObjectRef::new("tablespace", name.as_str()));
    }
    objects
}
