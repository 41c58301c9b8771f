//! `plan`: the script that brings a target database in line with its source, in phases
//! (`globals`, `extensions`, `parameters`, `schema`, and the `pre-data` / `post-data` helpers
//! around a data load).
//!
//! The plan is made from the diff's findings: every statement answers one finding and says so
//! in a comment, every finding the script cannot answer is listed in its header with the
//! reason, and drops of objects that exist only on the target are made only when asked. Names
//! and literals are quoted by [`crate::catalog`]; statements are guarded (`IF NOT EXISTS`,
//! `DO` blocks that check the catalog, `CREATE OR REPLACE`) so that the script can run twice.

mod apply;
mod data;
mod ddl;
mod extensions;
mod globals;
mod nodes;
mod order;
mod parameters;
mod positions;
mod privileges;
mod schema;
mod sql;

pub use apply::{apply, Applied, ApplyFailure, ApplyOutcome};
pub use positions::{fill_positions, read_positions};

use crate::catalog::{quote_ident, RoleName, Snapshot, TargetFacts};
use crate::findings::{Finding, ObjectRef};
use crate::rules::Policy;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, Write};
use thiserror::Error;

/// A part of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Roles, role attributes, memberships, role settings, database settings.
    Globals,
    /// `CREATE EXTENSION`, and what must be done outside SQL for it.
    Extensions,
    /// Server parameters.
    Parameters,
    /// Schema objects, their owners, privileges and comments, sequence positions.
    Schema,
    /// Before a data load: foreign keys dropped, user triggers disabled.
    PreData,
    /// After a data load: the exact inverse of `pre-data`.
    PostData,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 6] = [
        Phase::Globals,
        Phase::Extensions,
        Phase::Parameters,
        Phase::Schema,
        Phase::PreData,
        Phase::PostData,
    ];

    /// The phases a plan has when none is named: the data-load helpers are separate scripts.
    pub const DEFAULT: [Phase; 4] = [
        Phase::Globals,
        Phase::Extensions,
        Phase::Parameters,
        Phase::Schema,
    ];

    /// Its name, as `--phase` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Globals => "globals",
            Phase::Extensions => "extensions",
            Phase::Parameters => "parameters",
            Phase::Schema => "schema",
            Phase::PreData => "pre-data",
            Phase::PostData => "post-data",
        }
    }

    /// What it does, for its header comment.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Globals => "roles, role attributes, memberships, role and database settings",
            Phase::Extensions => "extensions, in dependency order",
            Phase::Parameters => "server parameters, grouped by whether they need a restart",
            Phase::Schema => {
                "schema objects in dependency order, then owners, privileges, default \
                 privileges, comments and sequence positions"
            }
            Phase::PreData => {
                "before a data load: drop foreign keys, disable user triggers (post-data \
                 restores them)"
            }
            Phase::PostData => {
                "after a data load: foreign keys back (NOT VALID, then VALIDATE), triggers \
                 enabled as they were"
            }
        }
    }

    /// The phase of that name.
    pub fn parse(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a statement runs when the plan is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Run {
    /// With its neighbours, in one transaction.
    Transaction,
    /// On its own, outside any transaction block (`ALTER SYSTEM`), or committed before what
    /// follows may use it (`ALTER TYPE ... ADD VALUE`).
    Alone,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    /// One SQL statement (a `DO` block counts as one).
    Sql {
        /// The statement, ending in `;`.
        sql: String,
        /// How it runs.
        run: Run,
    },
    /// Something SQL cannot do (a provider's allow-list, a restart), with the exact command;
    /// written as a comment.
    Manual {
        /// The command or instruction.
        command: String,
    },
}

/// One statement of the plan and the finding it answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Its phase.
    pub phase: Phase,
    /// The code of the finding it answers (`object.missing`).
    pub code: String,
    /// The finding's object.
    pub object: ObjectRef,
    /// What it does.
    #[serde(flatten)]
    pub action: Action,
}

impl Step {
    /// Its SQL, if it is a statement.
    pub fn sql(&self) -> Option<&str> {
        match &self.action {
            Action::Sql { sql, .. } => Some(sql),
            Action::Manual { .. } => None,
        }
    }
}

/// A finding the script does not answer, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unfixable {
    /// The phase it belongs to.
    pub phase: Phase,
    /// The finding's code.
    pub code: String,
    /// The finding's object.
    pub object: ObjectRef,
    /// Why the script cannot fix it.
    pub reason: String,
}

/// A remediation plan.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The phases it holds, in order.
    pub phases: Vec<Phase>,
    /// Session settings every run starts with (`search_path`, `check_function_bodies`).
    pub session: Vec<String>,
    /// The statements, phase by phase, in the order they run.
    pub steps: Vec<Step>,
    /// Drops of objects that exist only on the target: in `steps` too when `allow_drop`.
    pub drops: Vec<Step>,
    /// Whether the drops are part of the script.
    pub allow_drop: bool,
    /// What the script cannot fix.
    pub unfixable: Vec<Unfixable>,
    /// The differences the plan answers, each with the statements that answer it as its fix.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// What a plan is made from.
pub struct PlanInput<'a> {
    /// The source server (or its snapshot or dump).
    pub source: &'a Snapshot,
    /// The target server (or its snapshot).
    pub target: &'a Snapshot,
    /// The database of the source whose objects the target database must have.
    pub source_database: &'a str,
    /// The target's database the script runs in.
    pub target_database: &'a str,
    /// The target profile's rules.
    pub policy: &'a Policy,
    /// The target and the role that will apply the script.
    pub facts: &'a TargetFacts,
    /// The phases to plan.
    pub phases: &'a [Phase],
    /// Include drops of objects that exist only on the target.
    pub allow_drop: bool,
}

/// Why no plan could be made: the script would fail, so none is written.
#[derive(Debug, Error)]
pub enum PlanError {
    /// Roles must be created and the applying role cannot.
    #[error(
        "the plan must create roles ({roles}) but the applying role {applier} has neither \
         SUPERUSER nor CREATEROLE on the target; apply it as a role that has, or create them first"
    )]
    CannotCreateRoles {
        /// The applying role, quoted.
        applier: String,
        /// The first roles to create, quoted.
        roles: String,
    },
    /// A side does not have the database.
    #[error("the {side} has no database {database} (it has: {known})")]
    NoDatabase {
        /// `source` or `target`.
        side: &'static str,
        /// The database, quoted.
        database: String,
        /// The databases it has.
        known: String,
    },
    /// A database's objects were not read.
    #[error("the objects of database {database} of the {side} were not read{why}")]
    Unread {
        /// `source` or `target`.
        side: &'static str,
        /// The database, quoted.
        database: String,
        /// Why, when known.
        why: String,
    },
}

/// Which database of each side the plan is about: for a dump its only one; on a server the one
/// its connection string named (`Snapshot::database`), or the other side's namesake.
pub fn compared_databases(source: &Snapshot, target: &Snapshot) -> (String, String) {
    let own = |side: &Snapshot| {
        if side.dump.is_some() {
            return side.databases.keys().next().cloned();
        }
        side.database.clone()
    };
    let s = own(source).or_else(|| own(target)).unwrap_or_default();
    let t = own(target).unwrap_or_else(|| s.clone());
    (s, t)
}

/// Makes the plan of `input`'s phases.
pub fn build(input: &PlanInput<'_>) -> Result<Plan, PlanError> {
    let mut builder = Builder::new(input)?;
    let wanted: BTreeSet<Phase> = input.phases.iter().copied().collect();
    let findings = findings(input, &builder);
    if wanted.contains(&Phase::Globals) {
        globals::plan(&mut builder, &findings)?;
    }
    if wanted.contains(&Phase::Extensions) {
        extensions::plan(&mut builder, &findings);
    }
    if wanted.contains(&Phase::Parameters) {
        parameters::plan(&mut builder, &findings);
    }
    if wanted.contains(&Phase::Schema) {
        schema::plan(&mut builder, &findings);
    }
    if wanted.contains(&Phase::PreData) {
        data::pre_data(&mut builder);
    }
    if wanted.contains(&Phase::PostData) {
        data::post_data(&mut builder);
    }
    let mut plan = builder.finish(input.phases);
    plan.findings = attach_fixes(findings, &plan);
    Ok(plan)
}

/// The differences the phases answer: the whole diff's settings, extensions and roles, and
/// the objects of the two compared databases.
fn findings(input: &PlanInput<'_>, builder: &Builder<'_>) -> Vec<Finding> {
    let mut all = Vec::new();
    if input.source.dump.is_none() && input.target.dump.is_none() {
        // Databases and their objects are compared below, for the two compared databases only.
        all.extend(
            crate::diff::diff(input.source, input.target, input.policy)
                .into_iter()
                .filter(|f| {
                    let code = f.code.as_ref();
                    let about_databases = code.starts_with("object.")
                        || code.starts_with("database.")
                        || (code == "target.only"
                            && !["role", "membership", "role-setting"]
                                .contains(&f.object.kind.as_ref()));
                    !about_databases
                }),
        );
    }
    let mut out = crate::diff::Findings::new(input.policy);
    // A schema-only dump does not say whether its materialized views hold data.
    let holds_data = |side: &Snapshot| side.dump.as_ref().is_none_or(|d| d.data);
    let versions = crate::diff::Versions {
        populated_known: holds_data(input.source) && holds_data(input.target),
        ..crate::diff::Versions::new(input.source.server.major, input.target.server.major)
    };
    crate::diff::diff_objects(
        input.target_database,
        builder.source_objects,
        builder.target_objects,
        versions,
        &mut out,
    );
    all.extend(out.into_vec());
    all
}

/// Each finding with the statements that answer it as its `fix`.
fn attach_fixes(findings: Vec<Finding>, plan: &Plan) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut finding| {
            let answers: Vec<&str> = plan
                .steps
                .iter()
                .filter(|s| s.code == finding.code && s.object == finding.object)
                .filter_map(Step::sql)
                .collect();
            if !answers.is_empty() {
                finding.fix = Some(answers.join("\n"));
            }
            finding
        })
        .collect()
}

/// Who applies the plan, and which roles it may act as.
pub(crate) struct Actor<'a> {
    facts: &'a TargetFacts,
    policy: &'a Policy,
    target: &'a Snapshot,
    /// Roles the plan creates (the applier can act as them: see the globals phase).
    created: BTreeSet<String>,
}

impl Actor<'_> {
    /// The applier is a superuser.
    pub fn superuser(&self) -> bool {
        self.facts.applier.superuser
    }

    /// The applier's name, quoted, for messages.
    pub fn label(&self) -> String {
        match &self.facts.applier.name {
            Some(name) => format!("the applying role {}", name.quoted()),
            None => "the applying role".to_owned(),
        }
    }

    /// True when the plan creates `role`.
    pub fn created_role(&self, role: &str) -> bool {
        self.created.contains(role)
    }

    /// True when `role` is the applier.
    pub fn is_applier(&self, role: &str) -> bool {
        self.facts.is_applier(&RoleName::new(role))
    }

    /// Whether the applier may act as `role`: own its objects, make it an owner, alter what
    /// it owns. `None` when it may; else why not.
    pub fn cannot_act_as(&self, role: &str) -> Option<String> {
        let name = RoleName::new(role);
        if self.facts.applier.superuser || self.facts.is_applier(&name) {
            return None;
        }
        if self.created.contains(role) {
            return None;
        }
        let superuser = self
            .facts
            .existing(&name)
            .map(|r| r.superuser)
            .or_else(|| self.target.roles.roles.get(&name).map(|r| r.superuser))
            .unwrap_or(false);
        if superuser {
            return Some(format!(
                "{} is a superuser role, which {} cannot act as",
                quote_ident(role),
                self.label()
            ));
        }
        if self.policy.provider_rule(&name).is_some() {
            return Some(format!("{} is the provider's role", quote_ident(role)));
        }
        match self.facts.existing(&name) {
            Some(existing) if existing.privileges => None,
            Some(_) if self.facts.manages_all_roles => None,
            Some(_) => Some(format!(
                "{} is not a member of {} (GRANT {} TO {} would let it act as the owner)",
                self.label(),
                quote_ident(role),
                quote_ident(role),
                self.facts
                    .applier
                    .name
                    .as_ref()
                    .map_or("the applying role".to_owned(), RoleName::quoted)
            )),
            None if self.target.roles.roles.contains_key(&name)
                || matches!(self.facts.origin, crate::catalog::FactsOrigin::Live { .. }) =>
            {
                Some(format!(
                    "role {} does not exist on the target and the plan does not create it",
                    quote_ident(role)
                ))
            }
            None if self.facts.manages_all_roles => None,
            None => Some(format!(
                "role {} is not known to be one {} can act as",
                quote_ident(role),
                self.label()
            )),
        }
    }
}

/// The plan being made.
pub(crate) struct Builder<'a> {
    pub input: &'a PlanInput<'a>,
    pub actor: Actor<'a>,
    pub source_objects: &'a crate::catalog::Objects,
    pub target_objects: &'a crate::catalog::Objects,
    steps: Vec<Step>,
    drops: Vec<Step>,
    unfixable: Vec<Unfixable>,
    /// Schemas a phase before `schema` created (for an extension), by quoted name.
    pub created_schemas: BTreeSet<String>,
}

impl<'a> Builder<'a> {
    fn new(input: &'a PlanInput<'a>) -> Result<Builder<'a>, PlanError> {
        let objects = |side: &'a Snapshot, name: &'a str, label: &'static str| {
            let db = side
                .databases
                .get(name)
                .ok_or_else(|| PlanError::NoDatabase {
                    side: label,
                    database: quote_ident(name),
                    known: side
                        .databases
                        .keys()
                        .map(|d| quote_ident(d))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            db.contents
                .as_ref()
                .and_then(|c| c.objects.as_ref())
                .ok_or_else(|| PlanError::Unread {
                    side: label,
                    database: quote_ident(name),
                    why: db
                        .unread
                        .as_ref()
                        .map_or(String::new(), |why| format!(": {why}")),
                })
        };
        Ok(Builder {
            input,
            actor: Actor {
                facts: input.facts,
                policy: input.policy,
                target: input.target,
                created: BTreeSet::new(),
            },
            source_objects: objects(input.source, input.source_database, "source")?,
            target_objects: objects(input.target, input.target_database, "target")?,
            steps: Vec::new(),
            drops: Vec::new(),
            unfixable: Vec::new(),
            created_schemas: BTreeSet::new(),
        })
    }

    /// The target's major version.
    pub fn target_major(&self) -> u32 {
        self.input.target.server.major
    }

    /// The source's major version.
    pub fn source_major(&self) -> u32 {
        self.input.source.server.major
    }

    /// Adds a statement that runs inside the plan's transaction.
    pub fn sql(&mut self, phase: Phase, code: &str, object: &ObjectRef, sql: String) {
        self.push(phase, code, object, sql, Run::Transaction);
    }

    /// Adds a statement that runs on its own.
    pub fn push(&mut self, phase: Phase, code: &str, object: &ObjectRef, sql: String, run: Run) {
        self.steps.push(Step {
            phase,
            code: code.to_owned(),
            object: object.clone(),
            action: Action::Sql { sql, run },
        });
    }

    /// Adds an instruction for what SQL cannot do.
    pub fn manual(&mut self, phase: Phase, code: &str, object: &ObjectRef, command: String) {
        self.steps.push(Step {
            phase,
            code: code.to_owned(),
            object: object.clone(),
            action: Action::Manual { command },
        });
    }

    /// Adds the drop of an object that exists only on the target: listed either way, made
    /// only with `allow_drop`.
    pub fn drop(&mut self, phase: Phase, code: &str, object: &ObjectRef, sql: String) {
        let step = Step {
            phase,
            code: code.to_owned(),
            object: object.clone(),
            action: Action::Sql {
                sql,
                run: Run::Transaction,
            },
        };
        if self.input.allow_drop {
            self.steps.push(step.clone());
        }
        self.drops.push(step);
    }

    /// Records a finding the script does not fix.
    pub fn unfixable(&mut self, phase: Phase, code: &str, object: &ObjectRef, reason: String) {
        let entry = Unfixable {
            phase,
            code: code.to_owned(),
            object: object.clone(),
            reason,
        };
        if !self.unfixable.contains(&entry) {
            self.unfixable.push(entry);
        }
    }

    /// The tables among `tables` (the two of a foreign key) whose forced row security would
    /// hide rows from the applier's checks: forced on either side, and the applier is not a
    /// superuser (who bypasses it).
    pub fn forced_rls(&self, tables: &[&str]) -> Vec<String> {
        if self.actor.superuser() {
            return Vec::new();
        }
        let forced = |name: &str| {
            [self.source_objects, self.target_objects]
                .iter()
                .any(|o| o.tables.get(name).is_some_and(|t| t.force_row_security))
        };
        if !tables.iter().any(|t| forced(t)) {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for table in tables {
            if !out.iter().any(|t| t == table) {
                out.push((*table).to_owned());
            }
        }
        out
    }

    /// Notes that the plan creates `role`, so the applier can act as it.
    pub fn role_created(&mut self, role: &str) {
        self.actor.created.insert(role.to_owned());
    }

    fn finish(self, phases: &[Phase]) -> Plan {
        let mut session = vec![
            "SELECT pg_catalog.set_config('search_path', '', false);".to_owned(),
            "SET check_function_bodies = false;".to_owned(),
            "SET client_min_messages = warning;".to_owned(),
        ];
        // 16+: a CREATEROLE role gets ADMIN OPTION on the roles it creates but neither their
        // privileges nor SET ROLE; objects it creates cannot be given to them without.
        if self.target_major() >= 16
            && !self.actor.superuser()
            && phases.contains(&Phase::Globals)
            && !self.actor.created.is_empty()
        {
            session.push("SET createrole_self_grant = 'set, inherit';".to_owned());
        }
        let mut order: Vec<Phase> = phases.to_vec();
        order.sort();
        order.dedup();
        let mut steps = self.steps;
        // Stable: within a phase, the order the phase made.
        steps.sort_by_key(|s| s.phase);
        Plan {
            phases: order,
            session,
            steps,
            drops: self.drops,
            allow_drop: self.input.allow_drop,
            unfixable: self.unfixable,
            findings: Vec::new(),
        }
    }
}

/// What the script's header says about the two sides.
pub struct ScriptHeader {
    /// The command line that made it.
    pub command: String,
    /// The source, as the user named it, with its version and database.
    pub source: String,
    /// The target likewise, and who applies the script.
    pub target: String,
}

impl Plan {
    /// The statements of the plan, in order.
    pub fn statements(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.sql().is_some())
    }

    /// Writes the script: the header (drops, what is not fixed), the session settings, then
    /// each phase under its header comment, every statement after a comment naming the
    /// finding it answers.
    pub fn write_script(&self, header: &ScriptHeader, out: &mut dyn Write) -> io::Result<()> {
        let c = sql::comment_text;
        writeln!(out, "-- {}", c(&header.command))?;
        writeln!(out, "-- Source: {}", c(&header.source))?;
        writeln!(out, "-- Target: {}", c(&header.target))?;
        writeln!(
            out,
            "-- Phases: {}. Apply with: psql -v ON_ERROR_STOP=1 -f FILE, connected to the target \
             database as the applying role. The script can run twice.",
            self.phases
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        let statements = self.statements().count();
        writeln!(out, "-- {statements} statements.")?;
        writeln!(out, "--")?;
        if self.drops.is_empty() {
            writeln!(
                out,
                "-- Drops of objects that exist only on the target: none."
            )?;
        } else {
            writeln!(
                out,
                "-- Drops of objects that exist only on the target ({}): {}",
                self.drops.len(),
                if self.allow_drop {
                    "made by this script (--allow-drop)"
                } else {
                    "NOT made (give --allow-drop to include them)"
                }
            )?;
            for drop in &self.drops {
                writeln!(
                    out,
                    "--   {} {} {}: {}",
                    drop.code,
                    drop.object.kind,
                    c(&drop.object.name),
                    c(drop.sql().unwrap_or(""))
                )?;
            }
        }
        if self.unfixable.is_empty() {
            writeln!(out, "-- Not fixed by this script: nothing.")?;
        } else {
            writeln!(
                out,
                "-- Not fixed by this script ({}):",
                self.unfixable.len()
            )?;
            for u in &self.unfixable {
                writeln!(
                    out,
                    "--   {} {} {}: {}",
                    u.code,
                    u.object.kind,
                    c(&u.object.name),
                    c(&u.reason)
                )?;
            }
        }
        let manual: Vec<&Step> = self
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::Manual { .. }))
            .collect();
        if !manual.is_empty() {
            writeln!(
                out,
                "-- Outside SQL, before this script ({}): see the phases below.",
                manual.len()
            )?;
        }
        writeln!(out)?;
        for line in &self.session {
            writeln!(out, "{line}")?;
        }
        for phase in &self.phases {
            writeln!(out)?;
            writeln!(
                out,
                "-- ==== Phase {}: {} ====",
                phase.name(),
                phase.title()
            )?;
            let mut any = false;
            for step in self.steps.iter().filter(|s| s.phase == *phase) {
                any = true;
                writeln!(
                    out,
                    "-- {}: {} {}",
                    step.code,
                    step.object.kind,
                    c(&step.object.name)
                )?;
                match &step.action {
                    Action::Sql { sql, .. } => writeln!(out, "{sql}")?,
                    Action::Manual { command } => {
                        for line in command.lines() {
                            writeln!(out, "--   {}", c(line))?;
                        }
                    }
                }
            }
            if !any {
                writeln!(out, "-- nothing to do")?;
            }
        }
        Ok(())
    }
}
