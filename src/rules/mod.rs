//! Rules as data: `rules/*.toml`, embedded in the binary, plus a user's own with `--rules DIR`.
//!
//! A file with a `[profile]` table defines a target profile (its assumptions about the target
//! and its own rules); a file without one adds rules that apply under every profile. Every rule
//! has an id, a kind (which check it configures), a severity, a one-line problem, a one-line
//! solution and a source link.

use crate::catalog::{Applier, ExistingRole, FactsOrigin, RoleName, TargetFacts};
use crate::findings::Severity;
use regex::RegexSet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use thiserror::Error;

/// The rule files shipped in the binary.
const EMBEDDED: &[(&str, &str)] = &[
    ("rules/core.toml", include_str!("../../rules/core.toml")),
    (
        "rules/restore.toml",
        include_str!("../../rules/restore.toml"),
    ),
    (
        "rules/community.toml",
        include_str!("../../rules/community.toml"),
    ),
    (
        "rules/azure-flexible.toml",
        include_str!("../../rules/azure-flexible.toml"),
    ),
    (
        "rules/azure-single.toml",
        include_str!("../../rules/azure-single.toml"),
    ),
    (
        "rules/aws-rds.toml",
        include_str!("../../rules/aws-rds.toml"),
    ),
    (
        "rules/gcp-cloudsql.toml",
        include_str!("../../rules/gcp-cloudsql.toml"),
    ),
];

/// Why rules could not be loaded.
#[derive(Debug, Error)]
pub enum RulesError {
    /// A rules file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A rules file is not valid.
    #[error("{file}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// What is wrong, with the line where TOML knows it.
        message: String,
    },
    /// No such profile.
    #[error("unknown profile {name:?} (known: {known})")]
    UnknownProfile {
        /// What was asked for.
        name: String,
        /// The profiles there are.
        known: String,
    },
}

/// Which check a rule configures, with the data the check needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RuleKind {
    /// Roles the provider owns: statements about them are dropped.
    ProviderRole {
        /// Exact names.
        #[serde(default)]
        roles: Vec<String>,
        /// Whole-name regular expressions.
        #[serde(default)]
        patterns: Vec<String>,
    },
    /// A role of the user's loses its membership in a provider role.
    ProviderMembership,
    /// Names the target refuses for new roles.
    ReservedName {
        /// Whole-name regular expressions.
        patterns: Vec<String>,
    },
    /// A keyword the applying role may not write is removed.
    AttributeNotSettable,
    /// A role loses a powerful attribute it had on the source.
    AttributeLost,
    /// `GRANTED BY` a role the applier cannot act as is removed.
    GrantedBy,
    /// `CREATE ROLE` of a role that exists is skipped.
    RoleExists,
    /// An existing role the applier may not alter.
    NotAlterable,
    /// Statements about the applying role itself.
    ApplierSelf,
    /// A role setting of a superuser-only parameter.
    SettingNotSettable,
    /// A role setting of a parameter the target lacks.
    SettingUnknownParameter,
    /// A membership the applier may not grant.
    MembershipNotGrantable,
    /// `WITH INHERIT/SET` on a target that lacks them.
    MembershipOptions,
    /// `GRANT ... ON PARAMETER`.
    ParameterPrivilege,
    /// `DROP ROLE` in the script.
    DropRole,
    /// An MD5 hash going to a SCRAM target.
    Md5Password,
    /// A LOGIN role without a password.
    LoginWithoutPassword,
    /// psql meta-commands (`\restrict`).
    MetaCommand,
    /// A statement nothing understands.
    Unrecognized,

    // Readiness and diff of whole servers (`check`, `diff`).
    /// A parameter set differently on the two sides.
    SettingDiffers,
    /// A parameter that differs and needs a server restart to change.
    SettingRestart,
    /// A parameter whose default changed between the two versions; neither side set it.
    SettingDefaultChanged,
    /// A parameter of the source that the target's version does not have.
    SettingRemoved,
    /// Parameters the provider does not let users set.
    SettingNotUserSettable {
        /// Exact names.
        parameters: Vec<String>,
    },
    /// An extension the source uses that the target cannot install.
    ExtensionUnavailable,
    /// The provider's allow-list of extensions.
    ExtensionAllowList {
        /// The parameter that holds the list (`azure.extensions`).
        parameter: String,
        /// The command that sets it; `{value}` is replaced by the list.
        fix: String,
    },
    /// Extensions whose library must be in `shared_preload_libraries`.
    ExtensionPreload {
        /// Exact names.
        extensions: Vec<String>,
    },
    /// The target's default version of an extension is older than the source's.
    ExtensionVersion,
    /// A role of the source that the target lacks.
    RoleMissing,
    /// A role whose attributes differ.
    RoleDiffers,
    /// A membership of the source that the target lacks.
    MembershipMissing,
    /// A role setting (`ALTER ROLE .. SET`) that differs.
    RoleSettingDiffers,
    /// Something on the target that the source lacks.
    TargetOnly,
    /// A database of the source that the target lacks.
    DatabaseMissing,
    /// A database whose properties or settings differ.
    DatabaseDiffers,
    /// Databases that are not migrated.
    DatabaseNotMigrated {
        /// Exact names.
        #[serde(default)]
        databases: Vec<String>,
        /// Whole-name regular expressions.
        #[serde(default)]
        patterns: Vec<String>,
    },
    /// A database whose contents could not be read.
    DatabaseUnread,
    /// The target's major version is older than the source's.
    TargetOlder,
    /// Which pg_dump, pg_dumpall and pg_restore to use.
    DumpClient,
    /// Objects the catalog checks of `pg_upgrade --check` object to.
    UpgradeIncompatible,
    /// Large objects.
    LargeObjects,
    /// Unlogged tables.
    UnloggedTable,
    /// Tables without a primary key.
    NoPrimaryKey,
    /// Tablespaces, which managed targets do not support.
    Tablespace,
    /// A schema object of the source that the target lacks.
    ObjectMissing,
    /// A schema object only the target has.
    ObjectExtra,
    /// A schema object whose definition differs.
    ObjectChanged,
    /// A schema object whose owner differs.
    ObjectOwner,
    /// A schema object whose privileges differ.
    ObjectPrivileges,
    /// A schema object whose comment differs.
    ObjectComment,
    /// A statement of a dump that pgparity did not understand.
    DumpNotUnderstood,
    /// Functions in languages only a superuser may use (`c`, `internal`, untrusted ones).
    UntrustedLanguage,
    /// Event triggers, which need a superuser.
    EventTrigger,
    /// Objects owned by a role the profile drops (the provider's own).
    OwnerDropped,
    /// An error a restore logged (psql or pg_restore) that is expected and needs nothing done.
    RestoreHarmless {
        /// Whole-message regular expressions (the primary message, after `ERROR:`).
        messages: Vec<String>,
        /// When given, the DETAIL line must match one of these too.
        #[serde(default)]
        details: Vec<String>,
        /// Only when the first quoted name in the message is one of the provider's roles.
        #[serde(default)]
        provider_role: bool,
    },
    /// An error a restore logged that needs action; the rule's solution says which.
    RestoreActionable {
        /// Whole-message regular expressions (the primary message, after `ERROR:`).
        messages: Vec<String>,
        /// When given, the DETAIL line must match one of these too.
        #[serde(default)]
        details: Vec<String>,
        /// Only when the first quoted name in the message is one of the provider's roles.
        #[serde(default)]
        provider_role: bool,
    },
}

impl RuleKind {
    /// The kind's name as rule files write it.
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::ProviderRole { .. } => "provider-role",
            RuleKind::ProviderMembership => "provider-membership",
            RuleKind::ReservedName { .. } => "reserved-name",
            RuleKind::AttributeNotSettable => "attribute-not-settable",
            RuleKind::AttributeLost => "attribute-lost",
            RuleKind::GrantedBy => "granted-by",
            RuleKind::RoleExists => "role-exists",
            RuleKind::NotAlterable => "not-alterable",
            RuleKind::ApplierSelf => "applier-self",
            RuleKind::SettingNotSettable => "setting-not-settable",
            RuleKind::SettingUnknownParameter => "setting-unknown-parameter",
            RuleKind::MembershipNotGrantable => "membership-not-grantable",
            RuleKind::MembershipOptions => "membership-options",
            RuleKind::ParameterPrivilege => "parameter-privilege",
            RuleKind::DropRole => "drop-role",
            RuleKind::Md5Password => "md5-password",
            RuleKind::LoginWithoutPassword => "login-without-password",
            RuleKind::MetaCommand => "meta-command",
            RuleKind::Unrecognized => "unrecognized",
            RuleKind::SettingDiffers => "setting-differs",
            RuleKind::SettingRestart => "setting-restart",
            RuleKind::SettingDefaultChanged => "setting-default-changed",
            RuleKind::SettingRemoved => "setting-removed",
            RuleKind::SettingNotUserSettable { .. } => "setting-not-user-settable",
            RuleKind::ExtensionUnavailable => "extension-unavailable",
            RuleKind::ExtensionAllowList { .. } => "extension-allow-list",
            RuleKind::ExtensionPreload { .. } => "extension-preload",
            RuleKind::ExtensionVersion => "extension-version",
            RuleKind::RoleMissing => "role-missing",
            RuleKind::RoleDiffers => "role-differs",
            RuleKind::MembershipMissing => "membership-missing",
            RuleKind::RoleSettingDiffers => "role-setting-differs",
            RuleKind::TargetOnly => "target-only",
            RuleKind::DatabaseMissing => "database-missing",
            RuleKind::DatabaseDiffers => "database-differs",
            RuleKind::DatabaseNotMigrated { .. } => "database-not-migrated",
            RuleKind::DatabaseUnread => "database-unread",
            RuleKind::TargetOlder => "target-older",
            RuleKind::DumpClient => "dump-client",
            RuleKind::UpgradeIncompatible => "upgrade-incompatible",
            RuleKind::LargeObjects => "large-objects",
            RuleKind::UnloggedTable => "unlogged-table",
            RuleKind::NoPrimaryKey => "no-primary-key",
            RuleKind::Tablespace => "tablespace",
            RuleKind::ObjectMissing => "object-missing",
            RuleKind::ObjectExtra => "object-extra",
            RuleKind::ObjectChanged => "object-changed",
            RuleKind::ObjectOwner => "object-owner",
            RuleKind::ObjectPrivileges => "object-privileges",
            RuleKind::ObjectComment => "object-comment",
            RuleKind::DumpNotUnderstood => "dump-not-understood",
            RuleKind::UntrustedLanguage => "untrusted-language",
            RuleKind::EventTrigger => "event-trigger",
            RuleKind::OwnerDropped => "owner-dropped",
            RuleKind::RestoreHarmless { .. } => "restore-harmless",
            RuleKind::RestoreActionable { .. } => "restore-actionable",
        }
    }

    /// The finding code this kind of rule produces (a public interface: never renamed).
    pub fn code(&self) -> &'static str {
        match self {
            RuleKind::ProviderRole { .. } => "role.provider-role",
            RuleKind::ProviderMembership => "role.provider-membership",
            RuleKind::ReservedName { .. } => "role.reserved-name",
            RuleKind::AttributeNotSettable => "role.attribute-not-settable",
            RuleKind::AttributeLost => "role.attribute-lost",
            RuleKind::GrantedBy => "role.granted-by",
            RuleKind::RoleExists => "role.role-exists",
            RuleKind::NotAlterable => "role.not-alterable",
            RuleKind::ApplierSelf => "role.applier-self",
            RuleKind::SettingNotSettable => "role.setting-not-settable",
            RuleKind::SettingUnknownParameter => "role.setting-unknown-parameter",
            RuleKind::MembershipNotGrantable => "role.membership-not-grantable",
            RuleKind::MembershipOptions => "role.membership-options",
            RuleKind::ParameterPrivilege => "role.parameter-privilege",
            RuleKind::DropRole => "role.drop-role",
            RuleKind::Md5Password => "role.md5-password",
            RuleKind::LoginWithoutPassword => "role.login-without-password",
            RuleKind::MetaCommand => "roles.meta-command",
            RuleKind::Unrecognized => "roles.unrecognized",
            RuleKind::SettingDiffers => "setting.differs",
            RuleKind::SettingRestart => "setting.needs-restart",
            RuleKind::SettingDefaultChanged => "setting.default-changed",
            RuleKind::SettingRemoved => "setting.removed",
            RuleKind::SettingNotUserSettable { .. } => "setting.not-user-settable",
            RuleKind::ExtensionUnavailable => "extension.unavailable",
            RuleKind::ExtensionAllowList { .. } => "extension.not-allowlisted",
            RuleKind::ExtensionPreload { .. } => "extension.needs-preload",
            RuleKind::ExtensionVersion => "extension.older-version",
            RuleKind::RoleMissing => "role.missing",
            RuleKind::RoleDiffers => "role.differs",
            RuleKind::MembershipMissing => "membership.missing",
            RuleKind::RoleSettingDiffers => "role-setting.differs",
            RuleKind::TargetOnly => "target.only",
            RuleKind::DatabaseMissing => "database.missing",
            RuleKind::DatabaseDiffers => "database.differs",
            RuleKind::DatabaseNotMigrated { .. } => "database.not-migrated",
            RuleKind::DatabaseUnread => "database.unread",
            RuleKind::TargetOlder => "server.target-older",
            RuleKind::DumpClient => "server.dump-client",
            RuleKind::UpgradeIncompatible => "upgrade.incompatible",
            RuleKind::LargeObjects => "database.large-objects",
            RuleKind::UnloggedTable => "table.unlogged",
            RuleKind::NoPrimaryKey => "table.no-primary-key",
            RuleKind::Tablespace => "tablespace.unsupported",
            RuleKind::ObjectMissing => "object.missing",
            RuleKind::ObjectExtra => "object.extra",
            RuleKind::ObjectChanged => "object.changed",
            RuleKind::ObjectOwner => "object.owner-differs",
            RuleKind::ObjectPrivileges => "object.privileges-differ",
            RuleKind::ObjectComment => "object.comment-differs",
            RuleKind::DumpNotUnderstood => "dump.not-understood",
            RuleKind::UntrustedLanguage => "object.untrusted-language",
            RuleKind::EventTrigger => "object.event-trigger",
            RuleKind::OwnerDropped => "object.owner-dropped",
            RuleKind::RestoreHarmless { .. } => "restore.harmless",
            RuleKind::RestoreActionable { .. } => "restore.actionable",
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: std::sync::Arc<str>,
    /// What it checks.
    #[serde(flatten)]
    pub kind: RuleKind,
    /// How much its findings matter.
    pub severity: Severity,
    /// The problem, in one line.
    pub problem: String,
    /// What pgparity does about it, or what the user should do, in one line.
    pub solution: String,
    /// Where the fact comes from.
    pub source: String,
}

/// A parameter removed in some major version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovedParameter {
    /// Its name.
    pub name: String,
    /// The first major without it.
    pub removed_in: u32,
    /// What replaces it, if anything.
    #[serde(default)]
    pub replacement: Option<String>,
}

/// Facts about server parameters that rules use when no live target says better.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterFacts {
    /// Parameters only a superuser may set.
    #[serde(default)]
    pub superuser: Vec<String>,
    /// Parameters removed in some major.
    #[serde(default)]
    pub removed: Vec<RemovedParameter>,
    /// Provider parameters that may exist only as placeholders (`azure.extensions`): a snapshot
    /// reads each with `current_setting(name, true)`.
    #[serde(default)]
    pub provider: Vec<String>,
    /// Parameters that differ between any two servers by nature (paths, ports, versions):
    /// never compared.
    #[serde(default)]
    pub ignored: Vec<String>,
}

/// A profile's assumptions about the target when none is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetAssumptions {
    /// The major version assumed.
    pub server_major: u32,
    /// The applying role's name, where the provider fixes it.
    #[serde(default)]
    pub applier: Option<String>,
    /// The applying role is a superuser.
    #[serde(default)]
    pub superuser: bool,
    /// Its attributes (`CREATEROLE`, `CREATEDB`, `REPLICATION`, `BYPASSRLS`).
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Roles that exist on every such target.
    #[serde(default)]
    pub existing_roles: Vec<String>,
    /// The applier may manage every non-provider role.
    #[serde(default)]
    pub manages_all_roles: bool,
    /// `password_encryption`.
    pub password_encryption: String,
    /// The target supports tablespaces of the user's.
    #[serde(default = "yes")]
    pub tablespaces: bool,
    /// How a server parameter is set there; `{name}`, `{value}` (as it is) and `{literal}` (as
    /// a SQL string literal) are replaced.
    #[serde(default = "alter_system")]
    pub parameter_fix: String,
}

fn yes() -> bool {
    true
}

fn alter_system() -> String {
    "ALTER SYSTEM SET {name} = {literal};".to_owned()
}

/// A profile's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileHeader {
    /// Its name, as `--profile` takes it.
    pub name: String,
    /// What it describes.
    pub title: String,
    /// Where the facts come from.
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    profile: Option<ProfileHeader>,
    target: Option<TargetAssumptions>,
    #[serde(default)]
    rule: Vec<Rule>,
    #[serde(default)]
    parameters: Option<ParameterFacts>,
}

/// A target profile as loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Its header.
    #[serde(flatten)]
    pub header: ProfileHeader,
    /// Its assumptions about the target.
    pub target: TargetAssumptions,
    /// Its own rules.
    pub rules: Vec<Rule>,
}

/// All rules and profiles in force.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    /// Rules that apply under every profile.
    pub core: Vec<Rule>,
    /// Profiles by name.
    pub profiles: BTreeMap<String, Profile>,
    /// Parameter facts.
    pub parameters: ParameterFacts,
}

impl RuleSet {
    /// The embedded rules, plus every `*.toml` in `extra` when given (a profile of the same name
    /// replaces the embedded one).
    pub fn load(extra: Option<&Path>) -> Result<RuleSet, RulesError> {
        let mut set = RuleSet::default();
        for (file, text) in EMBEDDED {
            set.add_file(file, text)?;
        }
        if let Some(dir) = extra {
            let io = |source| RulesError::Io {
                path: dir.display().to_string(),
                source,
            };
            let mut paths: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(io)?
                .into_iter()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                set.add_file(&path.display().to_string(), &text)?;
            }
        }
        set.check_unique_ids()?;
        Ok(set)
    }

    fn add_file(&mut self, file: &str, text: &str) -> Result<(), RulesError> {
        let invalid = |message: String| RulesError::Invalid {
            file: file.to_owned(),
            message,
        };
        let parsed: RuleFile =
            toml::from_str(text).map_err(|e| invalid(one_line(&e.to_string())))?;
        for rule in &parsed.rule {
            compile_patterns(rule).map_err(|e| invalid(format!("rule {}: {e}", rule.id)))?;
        }
        if let Some(parameters) = parsed.parameters {
            self.parameters.superuser.extend(parameters.superuser);
            self.parameters.removed.extend(parameters.removed);
            self.parameters.provider.extend(parameters.provider);
            self.parameters.ignored.extend(parameters.ignored);
        }
        match (parsed.profile, parsed.target) {
            (Some(header), Some(target)) => {
                self.profiles.insert(
                    header.name.clone(),
                    Profile {
                        header,
                        target,
                        rules: parsed.rule,
                    },
                );
            }
            (None, None) => self.core.extend(parsed.rule),
            _ => return Err(invalid("[profile] and [target] go together".to_owned())),
        }
        Ok(())
    }

    fn check_unique_ids(&self) -> Result<(), RulesError> {
        let mut seen = BTreeSet::new();
        let all = self
            .core
            .iter()
            .chain(self.profiles.values().flat_map(|p| p.rules.iter()));
        for rule in all {
            if !seen.insert(&*rule.id) {
                return Err(RulesError::Invalid {
                    file: "rules".to_owned(),
                    message: format!("rule id {:?} is used twice", rule.id),
                });
            }
        }
        Ok(())
    }

    /// The profile of that name.
    pub fn profile(&self, name: &str) -> Result<&Profile, RulesError> {
        self.profiles
            .get(name)
            .ok_or_else(|| RulesError::UnknownProfile {
                name: name.to_owned(),
                known: self.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// The rules in force under a profile (core first), or every rule when `None`.
    pub fn rules_for(&self, profile: Option<&str>) -> Result<Vec<(&str, &Rule)>, RulesError> {
        let mut out: Vec<(&str, &Rule)> = self.core.iter().map(|r| ("all", r)).collect();
        match profile {
            Some(name) => {
                let p = self.profile(name)?;
                out.extend(p.rules.iter().map(|r| (p.header.name.as_str(), r)));
            }
            None => {
                for p in self.profiles.values() {
                    out.extend(p.rules.iter().map(|r| (p.header.name.as_str(), r)));
                }
            }
        }
        Ok(out)
    }

    /// The rules of a profile, compiled for use.
    pub fn policy(&self, profile: &str) -> Result<Policy, RulesError> {
        let p = self.profile(profile)?;
        let rules: Vec<Rule> = self.core.iter().chain(p.rules.iter()).cloned().collect();
        let mut provider_names = BTreeMap::new();
        let mut provider_patterns = Vec::new();
        let mut reserved_patterns = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            match &rule.kind {
                RuleKind::ProviderRole { roles, patterns } => {
                    for name in roles {
                        provider_names.insert(name.clone(), index);
                    }
                    provider_patterns.extend(patterns.iter().map(|pat| (index, anchored(pat))));
                }
                RuleKind::ReservedName { patterns } => {
                    reserved_patterns.extend(patterns.iter().map(|pat| (index, anchored(pat))));
                }
                _ => {}
            }
        }
        let compile = |pats: &[(usize, String)]| {
            RegexSet::new(pats.iter().map(|(_, p)| p)).map_err(|e| RulesError::Invalid {
                file: format!("profile {profile}"),
                message: e.to_string(),
            })
        };
        Ok(Policy {
            profile: p.clone(),
            provider_set: compile(&provider_patterns)?,
            provider_pattern_rules: provider_patterns.iter().map(|(i, _)| *i).collect(),
            reserved_set: compile(&reserved_patterns)?,
            reserved_pattern_rules: reserved_patterns.iter().map(|(i, _)| *i).collect(),
            provider_names,
            rules,
            parameters: self.parameters.clone(),
        })
    }
}

pub(crate) fn anchored(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}

fn compile_patterns(rule: &Rule) -> Result<(), regex::Error> {
    let patterns = match &rule.kind {
        RuleKind::ProviderRole { patterns, .. }
        | RuleKind::ReservedName { patterns }
        | RuleKind::DatabaseNotMigrated { patterns, .. } => patterns,
        RuleKind::RestoreHarmless {
            messages, details, ..
        }
        | RuleKind::RestoreActionable {
            messages, details, ..
        } => {
            RegexSet::new(details.iter().map(|p| anchored(p)))?;
            messages
        }
        _ => return Ok(()),
    };
    RegexSet::new(patterns.iter().map(|p| anchored(p))).map(|_| ())
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A profile's rules, compiled: what the cleanup asks.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The profile.
    pub profile: Profile,
    /// Core rules then the profile's.
    pub rules: Vec<Rule>,
    /// Parameter facts.
    pub parameters: ParameterFacts,
    provider_names: BTreeMap<String, usize>,
    provider_set: RegexSet,
    provider_pattern_rules: Vec<usize>,
    reserved_set: RegexSet,
    reserved_pattern_rules: Vec<usize>,
}

impl Policy {
    /// The provider-role rule that claims this role, if any.
    pub fn provider_rule(&self, name: &RoleName) -> Option<&Rule> {
        if let Some(&i) = self.provider_names.get(name.as_str()) {
            return Some(&self.rules[i]);
        }
        let hit = self
            .provider_set
            .matches(name.as_str())
            .into_iter()
            .next()?;
        Some(&self.rules[self.provider_pattern_rules[hit]])
    }

    /// The reserved-name rule this role's name breaks, if any.
    pub fn reserved_rule(&self, name: &RoleName) -> Option<&Rule> {
        let hit = self
            .reserved_set
            .matches(name.as_str())
            .into_iter()
            .next()?;
        Some(&self.rules[self.reserved_pattern_rules[hit]])
    }

    /// The first rule of a kind (compared by kind name); core rules guarantee one exists for
    /// every kind the cleanup uses.
    pub fn rule(&self, kind: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.kind.name() == kind)
    }

    /// True when the parameter needs a superuser (by the rule data).
    pub fn is_superuser_parameter(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.parameters.superuser.contains(&lower)
    }

    /// The removal of a parameter at or before `major`, if it was removed.
    pub fn removed_parameter(&self, name: &str, major: u32) -> Option<&RemovedParameter> {
        let lower = name.to_ascii_lowercase();
        self.parameters
            .removed
            .iter()
            .find(|r| r.name == lower && r.removed_in <= major)
    }

    /// The rule that keeps a database from being migrated, if one does.
    pub fn not_migrated(&self, database: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| match &rule.kind {
            RuleKind::DatabaseNotMigrated {
                databases,
                patterns,
            } => {
                databases.iter().any(|d| d == database)
                    || patterns.iter().any(|p| {
                        regex::Regex::new(&anchored(p)).is_ok_and(|re| re.is_match(database))
                    })
            }
            _ => false,
        })
    }

    /// The rule that says an extension needs `shared_preload_libraries`, if one does.
    pub fn preload_rule(&self, extension: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| {
            matches!(&rule.kind, RuleKind::ExtensionPreload { extensions }
                if extensions.iter().any(|e| e == extension))
        })
    }

    /// The profile's extension allow-list rule: the rule, its parameter and its fix template.
    pub fn allow_list(&self) -> Option<(&Rule, &str, &str)> {
        self.rules.iter().find_map(|rule| match &rule.kind {
            RuleKind::ExtensionAllowList { parameter, fix } => {
                Some((rule, &parameter[..], &fix[..]))
            }
            _ => None,
        })
    }

    /// The rule that says users may not set this parameter on the target, if one does.
    pub fn not_user_settable(&self, parameter: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| {
            matches!(&rule.kind, RuleKind::SettingNotUserSettable { parameters }
                if parameters.iter().any(|p| p.eq_ignore_ascii_case(parameter)))
        })
    }

    /// True when the parameter is never compared (paths, ports, versions).
    pub fn is_ignored_parameter(&self, name: &str) -> bool {
        self.parameters.ignored.iter().any(|p| p == name)
    }

    /// The command that sets a parameter on the target.
    pub fn parameter_fix(&self, name: &str, value: &str) -> String {
        self.profile
            .target
            .parameter_fix
            .replace("{name}", name)
            .replace("{literal}", &crate::catalog::quote_literal(value))
            .replace("{value}", value)
    }

    /// The target as the profile assumes it, at `major` when given.
    pub fn assumed_target(&self, major: Option<u32>) -> TargetFacts {
        let t = &self.profile.target;
        let has = |attr: &str| t.attributes.iter().any(|a| a.eq_ignore_ascii_case(attr));
        let roles = t
            .existing_roles
            .iter()
            .map(|name| {
                let existing = ExistingRole {
                    superuser: t.applier.as_deref() == Some(name.as_str()) && t.superuser,
                    admin: t.superuser,
                    privileges: t.superuser,
                    ..ExistingRole::default()
                };
                (RoleName::new(name.clone()), existing)
            })
            .collect();
        TargetFacts {
            origin: FactsOrigin::Assumed {
                profile: self.profile.header.name.clone(),
            },
            server_major: major.unwrap_or(t.server_major),
            applier: Applier {
                name: t.applier.clone().map(RoleName::new),
                superuser: t.superuser,
                createrole: t.superuser || has("CREATEROLE"),
                createdb: t.superuser || has("CREATEDB"),
                replication: t.superuser || has("REPLICATION"),
                bypassrls: t.superuser || has("BYPASSRLS"),
            },
            roles,
            manages_all_roles: t.manages_all_roles,
            password_encryption: t.password_encryption.clone(),
            parameters: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_load_and_every_profile_has_its_kinds() {
        let set = RuleSet::load(None).unwrap();
        let names: Vec<_> = set.profiles.keys().cloned().collect();
        assert_eq!(
            names,
            [
                "aws-rds",
                "azure-flexible",
                "azure-single",
                "community",
                "gcp-cloudsql"
            ]
        );
        for name in &names {
            let policy = set.policy(name).unwrap();
            for kind in [
                "attribute-not-settable",
                "attribute-lost",
                "granted-by",
                "role-exists",
                "not-alterable",
                "applier-self",
                "setting-not-settable",
                "setting-unknown-parameter",
                "membership-not-grantable",
                "membership-options",
                "parameter-privilege",
                "drop-role",
                "md5-password",
                "login-without-password",
                "meta-command",
                "unrecognized",
                "reserved-name",
            ] {
                assert!(policy.rule(kind).is_some(), "{name} lacks a {kind} rule");
            }
            if !policy.profile.target.tablespaces {
                assert!(
                    policy.rule("tablespace").is_some(),
                    "{name} refuses tablespaces but has no tablespace rule to say so"
                );
            }
        }
    }

    #[test]
    fn provider_roles_match_whole_names_only() {
        let set = RuleSet::load(None).unwrap();
        let azure = set.policy("azure-flexible").unwrap();
        assert!(azure
            .provider_rule(&RoleName::new("azure_pg_admin"))
            .is_some());
        assert!(azure
            .provider_rule(&RoleName::new("azure_pg_admin_ro"))
            .is_none());
        assert!(azure
            .provider_rule(&RoleName::new("replication_app"))
            .is_none());
        assert!(azure
            .provider_rule(&RoleName::new("myazuresupport"))
            .is_none());
        let rds = set.policy("aws-rds").unwrap();
        assert!(rds.provider_rule(&RoleName::new("rds_superuser")).is_some());
        assert!(rds.provider_rule(&RoleName::new("rdsadmin")).is_some());
        assert!(rds.provider_rule(&RoleName::new("rdsfoo")).is_none());
        assert!(rds.reserved_rule(&RoleName::new("pg_monitor")).is_some());
    }

    #[test]
    fn a_users_rules_folder_adds_profiles_and_bad_files_name_themselves() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[profile]\nname = \"mine\"\ntitle = \"t\"\nsource = \"s\"\n[target]\nserver_major = 16\npassword_encryption = \"scram-sha-256\"\n",
        )
        .unwrap();
        let set = RuleSet::load(Some(dir.path())).unwrap();
        assert!(set.policy("mine").is_ok());

        std::fs::write(
            dir.path().join("bad.toml"),
            "[[rule]]\nid = \"x\"\nkind = \"nope\"\n",
        )
        .unwrap();
        let err = RuleSet::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("bad.toml"), "{err}");
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let err = RuleSet::load(None)
            .unwrap()
            .policy("heroku")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown profile \"heroku\""), "{err}");
        assert!(err.contains("azure-flexible"), "{err}");
    }
}
