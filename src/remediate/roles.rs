//! `roles clean`: rewrites a `pg_dumpall --roles-only` script so that it applies, with
//! `psql -f`, as the target's (usually non-superuser) administrator.
//!
//! The input is streamed statement by statement; each is kept, rewritten with our own quoting,
//! or dropped, and every change becomes a [`Finding`] naming the line, the statement (secrets
//! redacted), the rule and its reason. What a role may do depends on the target's major version
//! and on the applying role's own attributes (`shared/reference/migration-facts.md` §1.6):
//! on 15 and older only superusers may write SUPERUSER, REPLICATION or BYPASSRLS at all; on 16
//! and newer a CREATEROLE role may write REPLICATION, BYPASSRLS and CREATEDB only when it has
//! them, and may alter or grant only roles it holds ADMIN OPTION on (which it gets on every role
//! it creates).

use crate::catalog::{
    quote_literal, ExistingRole, FactsOrigin, PasswordKind, RoleAttribute, RoleName, TargetFacts,
};
use crate::dump::lexer::{Item, LexError, Lexer, Statement};
use crate::dump::redact::redacted;
use crate::dump::roles::{recognize, RoleGrant, RoleOption, RoleStatement, SettingChange};
use crate::findings::{Finding, FindingSink, Location, ObjectRef, Severity};
use crate::rules::{Policy, Rule};
use rustc_hash::FxHashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use thiserror::Error;

/// Why a roles script could not be cleaned.
#[derive(Debug, Error)]
pub enum CleanError {
    /// The input could not be read or split.
    #[error(transparent)]
    Lex(#[from] LexError),
    /// The output could not be written.
    #[error("writing the cleaned script: {0}")]
    Write(#[source] std::io::Error),
    /// The input holds table data: it is a database dump, not a roles script.
    #[error(
        "{file}:{line}: COPY data in a roles script; give the output of pg_dumpall --roles-only"
    )]
    CopyData {
        /// The file.
        file: String,
        /// The COPY statement's line.
        line: u64,
    },
    /// pg_dumpall's header is there but its closing line is not.
    #[error(
        "{file}:{line}: the file ends before pg_dumpall's \"dump complete\" line: it is truncated"
    )]
    Truncated {
        /// The file.
        file: String,
        /// Its last line.
        line: u64,
    },
    /// The applying role cannot create roles at all.
    #[error("the applying role {applier} has neither SUPERUSER nor CREATEROLE on the target; no roles script can be applied as it")]
    CannotCreateRoles {
        /// Who it is.
        applier: String,
    },
}

/// Counts of what happened to the statements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CleanStats {
    /// Statements read.
    pub statements: u64,
    /// Kept as they were.
    pub kept: u64,
    /// Rewritten.
    pub rewritten: u64,
    /// Dropped.
    pub dropped: u64,
    /// psql meta-commands removed.
    pub meta_removed: u64,
}

/// What a cleanup produced besides the script and the findings.
#[derive(Clone, Debug)]
pub struct CleanOutcome {
    /// Counts.
    pub stats: CleanStats,
}

enum Action {
    Keep,
    /// Replaced by the SQL in [`Cleaner::sql`].
    Rewrite,
    Drop,
}

/// Cleans the roles script read from `input` (named `file` in messages) for the target
/// described by `target`, under `policy`, writing SQL to `out` and every change and every fact
/// a reviewer must see to `findings`, in input order.
pub fn clean_roles<R: BufRead + Send, W: Write + ?Sized>(
    input: R,
    file: &str,
    policy: &Policy,
    target: &TargetFacts,
    out: &mut W,
    findings: &mut dyn FindingSink,
) -> Result<CleanOutcome, CleanError> {
    if !target.applier.superuser && !target.applier.createrole {
        let applier = target
            .applier
            .name
            .as_ref()
            .map_or("(unnamed)".to_owned(), |n| n.quoted());
        return Err(CleanError::CannotCreateRoles { applier });
    }
    let mut cleaner = Cleaner {
        policy,
        target,
        live: matches!(target.origin, FactsOrigin::Live { .. }),
        roles: Vec::new(),
        index: FxHashMap::default(),
        redacted: None,
        file_shared: Arc::from(file),
        applier_label: match &target.applier.name {
            Some(name) => format!("the applying role {}", name.quoted()),
            None => "the applying role".to_owned(),
        },
        sink: findings,
        pending: None,
        stats: CleanStats::default(),
        sql: String::new(),
        kept_grants: Vec::new(),
    };
    let w = |e| CleanError::Write(e);
    // Statements are written in pieces; one large buffer makes each piece a copy.
    let mut out = std::io::BufWriter::with_capacity(1 << 18, out);
    writeln!(
        out,
        "-- Cleaned by pgparity roles clean, profile {}.",
        policy.profile.header.name
    )
    .map_err(w)?;
    writeln!(out, "-- Target: {}.", target.describe()).map_err(w)?;
    writeln!(
        out,
        "-- Apply with: psql -v ON_ERROR_STOP=1 -f FILE, as the applying role."
    )
    .map_err(w)?;
    writeln!(out).map_err(w)?;

    let (mut header, mut trailer, mut last_line) = (false, false, 0);
    // Reading, splitting and recognizing run on a second thread, ahead of the decisions here;
    // batches keep the channel cheap. Dropping the receiver (on an early error) stops the reader.
    std::thread::scope(|scope| -> Result<(), CleanError> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Vec<Parsed>, LexError>>(8);
        // Batches go back to the reader once cleaned: what they hold is freed on the thread that
        // allocated it, which costs less than freeing it here, and their room is reused.
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<Parsed>>();
        scope.spawn(move || read_ahead(input, file, &sender, &recycled));
        for batch in receiver {
            let batch = batch?;
            for parsed in &batch {
                match parsed {
                    Parsed::Other(Item::Trivia { line, text }) => {
                        header |= text.contains("PostgreSQL database cluster dump\n");
                        trailer |= text.contains("PostgreSQL database cluster dump complete");
                        last_line = line + text.matches('\n').count() as u64;
                        out.write_all(text.as_bytes()).map_err(w)?;
                    }
                    Parsed::Other(Item::Meta { line, text }) => {
                        last_line = *line;
                        if cleaner.meta(*line, text) {
                            write_line(&mut out, text).map_err(w)?;
                        }
                    }
                    Parsed::Other(Item::CopyData { line, .. }) => {
                        return Err(CleanError::CopyData {
                            file: file.to_owned(),
                            line: line - 1,
                        })
                    }
                    Parsed::Other(Item::Statement(_)) => unreachable!("statements are recognized"),
                    Parsed::Statement(stmt, recognized) => {
                        last_line = stmt.line;
                        cleaner.stats.statements += 1;
                        match cleaner.statement(stmt, recognized) {
                            Action::Keep => {
                                cleaner.stats.kept += 1;
                                write_line(&mut out, &stmt.text).map_err(w)?;
                            }
                            Action::Rewrite => {
                                cleaner.stats.rewritten += 1;
                                write_line(&mut out, &cleaner.sql).map_err(w)?;
                            }
                            Action::Drop => cleaner.stats.dropped += 1,
                        }
                    }
                }
            }
            // The reader has stopped when this fails; the batch is then freed here.
            let _ = recycle.send(batch);
        }
        Ok(())
    })?;
    if header && !trailer {
        return Err(CleanError::Truncated {
            file: file.to_owned(),
            line: last_line,
        });
    }
    out.flush().map_err(w)?;
    cleaner.flush();
    Ok(CleanOutcome {
        stats: cleaner.stats,
    })
}

/// Writes `text` and a newline.
fn write_line(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")
}

/// An item of the input, with its statement recognized.
enum Parsed {
    Statement(Statement, RoleStatement),
    Other(Item),
}

/// Lexes and recognizes the input, sending batches until the end, an error, or the receiver
/// going away.
fn read_ahead<R: BufRead>(
    input: R,
    file: &str,
    sender: &std::sync::mpsc::SyncSender<Result<Vec<Parsed>, LexError>>,
    recycled: &std::sync::mpsc::Receiver<Vec<Parsed>>,
) {
    const BATCH: usize = 512;
    let empty_batch = || match recycled.try_recv() {
        Ok(mut batch) => {
            batch.clear();
            batch
        }
        Err(_) => Vec::with_capacity(BATCH),
    };
    let mut batch = empty_batch();
    for item in Lexer::new(input, file) {
        match item {
            Ok(Item::Statement(stmt)) => {
                let recognized = recognize(&stmt.text);
                batch.push(Parsed::Statement(stmt, recognized));
            }
            Ok(other) => batch.push(Parsed::Other(other)),
            Err(e) => {
                let _ = sender.send(Ok(std::mem::take(&mut batch)));
                let _ = sender.send(Err(e));
                return;
            }
        }
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, empty_batch());
            if sender.send(Ok(full)).is_err() {
                return;
            }
        }
    }
    let _ = sender.send(Ok(batch));
}

struct Cleaner<'a, 's> {
    policy: &'a Policy,
    target: &'a TargetFacts,
    /// The facts come from a live server, so its role list is complete.
    live: bool,
    /// Every role the script names, with what the cleanup decided about it.
    roles: Vec<RoleState<'a>>,
    /// Where each role is in `roles`. FxHash costs a fraction of SipHash per lookup; names
    /// crafted to collide could make a script slow to clean, never cleaned wrongly.
    index: FxHashMap<RoleName, usize>,
    /// The redacted text of the statement being cleaned, shared by its findings.
    redacted: Option<(u64, Arc<str>)>,
    /// The input's name, shared by every finding.
    file_shared: Arc<str>,
    /// How messages name the applying role.
    applier_label: String,
    /// Where findings go once complete.
    sink: &'s mut dyn FindingSink,
    /// The latest finding, which its maker may still be completing (fix, values).
    pending: Option<Finding>,
    stats: CleanStats,
    /// The SQL that replaces the statement being cleaned ([`Action::Rewrite`]); one buffer for
    /// all statements.
    sql: String,
    /// The role grants kept from the statement being cleaned; one buffer for all statements.
    kept_grants: Vec<KeptGrant>,
}

/// Why a grant's `GRANTED BY` cannot stay.
#[derive(Clone, Copy)]
enum GrantorRefusal {
    /// The grantor is a provider role.
    ProviderRole,
    /// On 16+, the applier lacks the grantor's privileges.
    LacksPrivileges,
    /// Before 16, only superusers may name another grantor.
    OnlySuperusers,
}

/// A role the input names: what depends on its name alone (looked up once, not per
/// statement), and what the script and the cleanup do to it.
struct RoleState<'a> {
    name: RoleName,
    /// Its name quoted for SQL, where that differs from the name.
    quoted: Option<Box<str>>,
    /// `LOGIN`, as the script's statements so far leave it.
    login: bool,
    /// The kind of password the script's statements so far give it.
    password: PasswordKind,
    /// The script creates it.
    created: bool,
    /// Its creation was dropped (a reserved name): statements about it would fail.
    unavailable: bool,
    /// The provider rule its name falls under.
    provider: Option<&'a Rule>,
    /// It is the applying role.
    applier: bool,
    /// The target's role of that name.
    existing: Option<&'a ExistingRole>,
}

/// One `GRANT role TO member` as it stays: roles by their place in [`Cleaner::roles`].
#[derive(Clone, Copy)]
struct KeptGrant {
    role: usize,
    member: usize,
    inherit: Option<bool>,
    set: Option<bool>,
    grantor: Option<usize>,
}

impl<'a> Cleaner<'a, '_> {
    /// Hands the pending finding to the sink.
    fn flush(&mut self) {
        if let Some(finding) = self.pending.take() {
            self.sink.push(finding);
        }
    }

    /// Where a role is in `roles`; a role first named here is added as `CREATE ROLE` would
    /// make it.
    fn id(&mut self, name: &RoleName) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.roles.len();
        let quoted = name.quoted();
        self.roles.push(RoleState {
            name: name.clone(),
            quoted: (quoted != name.as_str()).then(|| quoted.into_boxed_str()),
            login: false,
            password: PasswordKind::None,
            created: false,
            unavailable: false,
            provider: self.policy.provider_rule(name),
            applier: self.target.is_applier(name),
            existing: self.target.existing(name),
        });
        self.index.insert(name.clone(), i);
        i
    }

    /// The role's name, quoted for SQL.
    fn quoted(&self, i: usize) -> &str {
        quoted(&self.roles[i])
    }

    fn major(&self) -> u32 {
        self.target.server_major
    }

    fn v16(&self) -> bool {
        self.major() >= 16
    }

    fn location(&mut self, stmt: &Statement) -> Location {
        let statement = match &self.redacted {
            Some((line, text)) if *line == stmt.line => text.clone(),
            _ => {
                let text: Arc<str> = Arc::from(redacted(&stmt.text).as_ref());
                self.redacted = Some((stmt.line, text.clone()));
                text
            }
        };
        Location {
            file: self.file_shared.clone(),
            line: stmt.line,
            statement,
        }
    }

    /// Records a finding made by `rule`, at the rule's severity. `describe` gives its object
    /// and message; it runs only when the sink keeps the finding's details (a table report
    /// keeps a few of each code and counts the rest), and so does the building of any detail
    /// its maker adds to the returned finding.
    fn report(
        &mut self,
        rule: &Rule,
        stmt: &Statement,
        describe: impl FnOnce(&Self) -> (ObjectRef, String),
    ) -> Option<&mut Finding> {
        self.report_as(rule, rule.severity, stmt, describe)
    }

    /// [`Cleaner::report`] at another severity than the rule's.
    fn report_as(
        &mut self,
        rule: &Rule,
        severity: Severity,
        stmt: &Statement,
        describe: impl FnOnce(&Self) -> (ObjectRef, String),
    ) -> Option<&mut Finding> {
        self.flush();
        let code = rule.kind.code();
        if self.sink.tally_unkept(severity, code, Some(&rule.id)) {
            return None;
        }
        let (object, message) = describe(self);
        let finding = Finding::new(code, severity, object, message)
            .rule(&rule.id)
            .at(self.location(stmt));
        Some(self.pending.insert(finding))
    }

    /// The profile's rule of `kind`.
    fn core_rule(&self, kind: &str) -> &'a Rule {
        self.policy
            .rule(kind)
            .unwrap_or_else(|| panic!("core rules define a {kind} rule"))
    }

    /// Records a finding made by the profile's rule of `kind` (see [`Cleaner::report`]).
    fn report_kind(
        &mut self,
        kind: &str,
        stmt: &Statement,
        describe: impl FnOnce(&Self) -> (ObjectRef, String),
    ) -> Option<&mut Finding> {
        let rule = self.core_rule(kind);
        self.report(rule, stmt, describe)
    }

    /// Decides about a meta-command; true keeps it.
    fn meta(&mut self, line: u64, text: &str) -> bool {
        let stmt = Statement {
            line,
            text: text.to_owned(),
        };
        let command = text.split_whitespace().next().unwrap_or("");
        let object = || ObjectRef::new("meta-command", command);
        if command == "\\restrict" || command == "\\unrestrict" {
            self.stats.meta_removed += 1;
            self.report_kind("meta-command", &stmt, |_| {
                let msg = format!("{command} removed: the cleaned file holds only SQL");
                (object(), msg)
            });
            false
        } else {
            self.report_kind("unrecognized", &stmt, |_| {
                let msg = format!("psql meta-command {command} kept as it is; review it");
                (object(), msg)
            });
            true
        }
    }

    fn statement(&mut self, stmt: &Statement, recognized: &RoleStatement) -> Action {
        match recognized {
            RoleStatement::Create { name, options } => self.create(stmt, name, options),
            RoleStatement::Alter { name, options } => {
                let i = self.id(name);
                self.alter(stmt, i, options, true)
            }
            RoleStatement::Setting { name, change, .. } => self.setting(stmt, name, change),
            RoleStatement::Drop { names, if_exists } => self.drop_roles(stmt, names, *if_exists),
            RoleStatement::Grant(grant) => self.grant(stmt, grant),
            RoleStatement::ParameterGrant {
                parameters,
                grantees,
            } => self.parameter_grant(stmt, parameters, grantees),
            RoleStatement::Comment { name, .. } => self.comment(stmt, name),
            RoleStatement::Session => Action::Keep,
            RoleStatement::Unrecognized => {
                self.report_kind("unrecognized", stmt, |_| {
                    let head: Vec<&str> = stmt.text.split_whitespace().take(3).collect();
                    let msg = "statement not understood; kept as it is, review it before applying";
                    (ObjectRef::new("statement", head.join(" ")), msg.to_owned())
                });
                Action::Keep
            }
        }
    }

    /// The role's name.
    fn name(&self, i: usize) -> &RoleName {
        &self.roles[i].name
    }

    /// A finding's object for the role.
    fn role_ref(&self, i: usize) -> ObjectRef {
        ObjectRef::new("role", self.name(i).as_str())
    }

    /// Drops a statement about a role that no script may touch here; `None` when the role is
    /// ordinary. `what` says what the statement does, for the message.
    fn untouchable(&mut self, stmt: &Statement, i: usize, what: &str) -> Option<Action> {
        let role = &self.roles[i];
        if let Some(rule) = role.provider {
            self.report(rule, stmt, |c| {
                let msg = format!("{what} of provider role {} dropped", c.quoted(i));
                (c.role_ref(i), msg)
            });
        } else if role.applier {
            self.report_kind("applier-self", stmt, |c| {
                let msg = format!("{what} of the applying role {} dropped", c.quoted(i));
                (c.role_ref(i), msg)
            });
        } else if role.unavailable {
            self.report_kind("reserved-name", stmt, |c| {
                let quoted = c.quoted(i);
                let msg = format!("{what} of {quoted} dropped: the role is not created");
                (c.role_ref(i), msg)
            });
        } else {
            return None;
        }
        Some(Action::Drop)
    }

    fn create(&mut self, stmt: &Statement, name: &RoleName, options: &[RoleOption]) -> Action {
        let i = self.id(name);
        if let Some(action) = self.untouchable(stmt, i, "CREATE ROLE") {
            return action;
        }
        if let Some(rule) = self.policy.reserved_rule(name) {
            self.roles[i].unavailable = true;
            self.report(rule, stmt, |c| {
                let msg = format!(
                    "role {} cannot be created: its name is reserved",
                    c.quoted(i)
                );
                (c.role_ref(i), msg)
            });
            return Action::Drop;
        }
        if self.roles[i].existing.is_some() {
            self.report_kind("role-exists", stmt, |c| {
                let msg = format!(
                    "role {} already exists on the target; CREATE ROLE skipped",
                    c.quoted(i)
                );
                (c.role_ref(i), msg)
            });
            if options.is_empty() {
                return Action::Drop;
            }
            return self.alter(stmt, i, options, false);
        }
        self.roles[i].created = true;
        let changed = self.filter_options(stmt, i, options);
        self.after_options(stmt, i, options);
        if !changed {
            return Action::Keep;
        }
        self.rewrite_role("CREATE ROLE", i, options)
    }

    /// `ALTER ROLE ... WITH`; `check_untouchable` is false when called for a skipped CREATE.
    fn alter(
        &mut self,
        stmt: &Statement,
        i: usize,
        options: &[RoleOption],
        check_untouchable: bool,
    ) -> Action {
        if check_untouchable {
            if let Some(action) = self.untouchable(stmt, i, "ALTER ROLE") {
                return action;
            }
        }
        if let Err(why) = self.may_alter(i) {
            self.report_kind("not-alterable", stmt, |c| {
                let msg = format!(
                    "{} cannot alter role {}: {why}; it keeps its attributes on the target",
                    c.applier_label(),
                    c.quoted(i)
                );
                (c.role_ref(i), msg)
            });
            return Action::Drop;
        }
        let changed = self.filter_options(stmt, i, options);
        self.after_options(stmt, i, options);
        if !options.iter().any(|option| self.keeps(option)) {
            return Action::Drop;
        }
        if !changed && check_untouchable {
            return Action::Keep;
        }
        self.rewrite_role("ALTER ROLE", i, options)
    }

    /// Writes `verb name [WITH options];`, without the options the applier may not write, to
    /// [`Cleaner::sql`].
    fn rewrite_role(&mut self, verb: &str, i: usize, options: &[RoleOption]) -> Action {
        let mut sql = std::mem::take(&mut self.sql);
        sql.clear();
        sql.push_str(verb);
        sql.push(' ');
        sql.push_str(self.quoted(i));
        let kept = options.iter().filter(|option| self.keeps(option));
        for (n, option) in kept.enumerate() {
            sql.push_str(if n == 0 { " WITH " } else { " " });
            push_option(&mut sql, option);
        }
        sql.push(';');
        self.sql = sql;
        Action::Rewrite
    }

    fn applier_label(&self) -> &str {
        &self.applier_label
    }

    /// Why the applier may not alter an existing role (or settings, or comments on it).
    fn may_alter(&self, i: usize) -> Result<(), &'static str> {
        let applier = &self.target.applier;
        let role = &self.roles[i];
        if applier.superuser || role.created {
            return Ok(());
        }
        let Some(existing) = role.existing else {
            if self.live {
                return Err("the role does not exist there and this script does not create it");
            }
            return Ok(());
        };
        if existing.superuser {
            return Err("it is a superuser there");
        }
        if self.v16() && !(existing.admin || self.target.manages_all_roles) {
            return Err("it holds no ADMIN OPTION on it (PostgreSQL 16+)");
        }
        if !self.v16() && existing.replication {
            return Err(
                "it has REPLICATION there, which only superusers may alter on 15 and older",
            );
        }
        Ok(())
    }

    fn attribute_settable(&self, attribute: RoleAttribute) -> bool {
        let applier = &self.target.applier;
        if applier.superuser {
            return true;
        }
        match attribute {
            RoleAttribute::Superuser => false,
            RoleAttribute::Replication => self.v16() && applier.replication,
            RoleAttribute::Bypassrls => self.v16() && applier.bypassrls,
            RoleAttribute::Createdb if self.v16() => applier.createdb,
            _ => applier.createrole,
        }
    }

    /// True when the applier may write this option, so a rewrite keeps it.
    fn keeps(&self, option: &RoleOption) -> bool {
        match *option {
            RoleOption::Attribute(attribute, _) => self.attribute_settable(attribute),
            _ => true,
        }
    }

    /// Reports the options the applier may not write, which a rewrite leaves out; true when
    /// there are any. Records the source's LOGIN and password.
    fn filter_options(&mut self, stmt: &Statement, i: usize, options: &[RoleOption]) -> bool {
        let role = &mut self.roles[i];
        for option in options {
            match option {
                RoleOption::Attribute(RoleAttribute::Login, login) => role.login = *login,
                RoleOption::Password(Some(p)) => role.password = PasswordKind::classify(p),
                RoleOption::Password(None) => role.password = PasswordKind::None,
                _ => {}
            }
        }
        let stripped = options.iter().filter(|option| !self.keeps(option)).count();
        if stripped == 0 {
            return false;
        }
        self.report_kind("attribute-not-settable", stmt, |c| {
            let keywords: Vec<&str> = options
                .iter()
                .filter_map(|option| match *option {
                    RoleOption::Attribute(attribute, value) if !c.keeps(option) => {
                        Some(attribute.keyword_for(value))
                    }
                    _ => None,
                })
                .collect();
            let msg = format!(
                "removed {} from role {}: {} may not write {}",
                keywords.join(" "),
                c.quoted(i),
                c.applier_label(),
                if stripped == 1 { "it" } else { "them" }
            );
            (c.role_ref(i), msg)
        });
        for option in options {
            let RoleOption::Attribute(attribute, true) = *option else {
                continue;
            };
            let powerful = !matches!(
                attribute,
                RoleAttribute::Inherit | RoleAttribute::Login | RoleAttribute::Createrole
            );
            if !powerful || self.keeps(option) {
                continue;
            }
            let keyword = attribute.keyword();
            let finding = self.report_kind("attribute-lost", stmt, |c| {
                let msg = format!(
                    "role {} has {keyword} on the source and will not have it on the target",
                    c.quoted(i)
                );
                (c.role_ref(i), msg)
            });
            if let Some(finding) = finding {
                finding.source = Some(keyword.to_owned());
            }
        }
        true
    }

    /// Findings about a role's state once its options are known: passwords.
    fn after_options(&mut self, stmt: &Statement, i: usize, options: &[RoleOption]) {
        let role = &self.roles[i];
        if !role.created {
            return;
        }
        let (login, password) = (role.login, role.password);
        let fix = |c: &Self| format!("ALTER ROLE {} PASSWORD 'new password';", c.quoted(i));
        if login
            && password == PasswordKind::None
            && options.iter().any(|option| {
                matches!(option, RoleOption::Attribute(RoleAttribute::Login, true))
                    && self.keeps(option)
            })
        {
            let finding = self.report_kind("login-without-password", stmt, |c| {
                let msg = format!(
                    "LOGIN role {} has no password in the dump; set one on the target",
                    c.quoted(i)
                );
                (c.role_ref(i), msg)
            });
            if finding.is_some() {
                self.set_fix(fix(self));
            }
        }
        let scram_target = self.target.password_encryption.starts_with("scram");
        if password == PasswordKind::Md5 && scram_target {
            let finding = self.report_kind("md5-password", stmt, |c| {
                let msg = format!("role {} has an MD5 password; the target stores scram-sha-256, so reset it after the restore", c.quoted(i));
                (c.role_ref(i), msg)
            });
            if let Some(finding) = finding {
                finding.source = Some("md5".to_owned());
                finding.target = Some("scram-sha-256".to_owned());
                self.set_fix(fix(self));
            }
        }
    }

    /// Sets the fix of the finding just reported.
    fn set_fix(&mut self, fix: String) {
        if let Some(finding) = &mut self.pending {
            finding.fix = Some(fix);
        }
    }

    fn setting(&mut self, stmt: &Statement, name: &RoleName, change: &SettingChange) -> Action {
        let i = self.id(name);
        if let Some(action) = self.untouchable(stmt, i, "ALTER ROLE ... SET") {
            return action;
        }
        let SettingChange::Set { name: param, value } = change else {
            return self.alterable_or_drop(stmt, i, "ALTER ROLE ... RESET");
        };
        let object = || ObjectRef::new("role-setting", format!("{}: {param}", name.as_str()));
        if let Err(why) = self.may_alter(i) {
            self.report_kind("not-alterable", stmt, |c| {
                let msg = format!(
                    "{} cannot change settings of role {}: {why}",
                    c.applier_label(),
                    c.quoted(i)
                );
                (object(), msg)
            });
            return Action::Drop;
        }
        if let Some(why) = self.parameter_unknown(param) {
            self.report_kind("setting-unknown-parameter", stmt, |c| {
                let msg = format!("setting {param} of role {} dropped: {why}", c.quoted(i));
                (object(), msg)
            });
            return Action::Drop;
        }
        if !self.parameter_settable(param) {
            let finding = self.report_kind("setting-not-settable", stmt, |c| {
                let msg = format!(
                    "setting {param} = {value} of role {} dropped: only a superuser may set {param}",
                    c.quoted(i)
                );
                (object(), msg)
            });
            if let Some(finding) = finding {
                finding.source = Some(value.clone());
            }
            return Action::Drop;
        }
        Action::Keep
    }

    fn alterable_or_drop(&mut self, stmt: &Statement, i: usize, what: &str) -> Action {
        match self.may_alter(i) {
            Ok(()) => Action::Keep,
            Err(why) => {
                self.report_kind("not-alterable", stmt, |c| {
                    let msg = format!(
                        "{what} of role {} dropped: {} cannot alter it: {why}",
                        c.quoted(i),
                        c.applier_label()
                    );
                    (c.role_ref(i), msg)
                });
                Action::Drop
            }
        }
    }

    fn parameter_unknown(&self, param: &str) -> Option<String> {
        if param.contains('.') {
            return None; // an extension's parameter: a placeholder is accepted
        }
        match &self.target.parameters {
            Some(known) => (!known.contains_key(&param.to_ascii_lowercase()))
                .then(|| format!("PostgreSQL {} does not have it", self.major())),
            None => self
                .policy
                .removed_parameter(param, self.major())
                .map(|removed| {
                    let mut why = format!("it was removed in PostgreSQL {}", removed.removed_in);
                    if let Some(new) = &removed.replacement {
                        why.push_str(&format!("; its replacement is {new}"));
                    }
                    why
                }),
        }
    }

    fn parameter_settable(&self, param: &str) -> bool {
        if self.target.applier.superuser {
            return true;
        }
        match &self.target.parameters {
            Some(known) => known
                .get(&param.to_ascii_lowercase())
                .is_none_or(|fact| fact.settable),
            None => !self.policy.is_superuser_parameter(param),
        }
    }

    fn drop_roles(&mut self, stmt: &Statement, names: &[RoleName], if_exists: bool) -> Action {
        let total = names.len();
        let mut kept = Vec::new();
        for name in names {
            let i = self.id(name);
            if self.untouchable(stmt, i, "DROP ROLE").is_some() {
                continue;
            }
            self.report_kind("drop-role", stmt, |c| {
                let msg = format!("the script drops role {} on the target", c.quoted(i));
                (c.role_ref(i), msg)
            });
            kept.push(i);
        }
        if kept.is_empty() {
            return Action::Drop;
        }
        if kept.len() == total {
            return Action::Keep;
        }
        let list: Vec<&str> = kept.iter().map(|&i| self.quoted(i)).collect();
        let exists = if if_exists { "IF EXISTS " } else { "" };
        self.sql = format!("DROP ROLE {exists}{};", list.join(", "));
        Action::Rewrite
    }

    fn grant(&mut self, stmt: &Statement, grant: &RoleGrant) -> Action {
        let single = grant.roles.len() == 1 && grant.members.len() == 1;
        let mut kept = std::mem::take(&mut self.kept_grants);
        kept.clear();
        let mut changed = !single;
        for role in &grant.roles {
            for member in &grant.members {
                match self.grant_pair(stmt, grant, role, member) {
                    Some((pair, pair_changed)) => {
                        changed |= pair_changed;
                        kept.push(pair);
                    }
                    None => changed = true,
                }
            }
        }
        let action = if kept.is_empty() {
            Action::Drop
        } else if !changed {
            Action::Keep
        } else {
            self.sql.clear();
            for (n, pair) in kept.iter().enumerate() {
                if n > 0 {
                    self.sql.push('\n');
                }
                self.push_grant(pair, grant.admin);
            }
            Action::Rewrite
        };
        self.kept_grants = kept;
        action
    }

    /// Appends `GRANT role TO member [WITH options] [GRANTED BY grantor];` to [`Cleaner::sql`].
    fn push_grant(&mut self, pair: &KeptGrant, admin: Option<bool>) {
        let admin = match admin {
            Some(true) => Some("ADMIN OPTION"),
            Some(false) if self.v16() => Some("ADMIN FALSE"),
            _ => None,
        };
        let inherit = pair
            .inherit
            .map(|on| if on { "INHERIT TRUE" } else { "INHERIT FALSE" });
        let set = pair.set.map(|on| if on { "SET TRUE" } else { "SET FALSE" });
        let sql = &mut self.sql;
        sql.push_str("GRANT ");
        sql.push_str(quoted(&self.roles[pair.role]));
        sql.push_str(" TO ");
        sql.push_str(quoted(&self.roles[pair.member]));
        for (n, option) in [admin, inherit, set].into_iter().flatten().enumerate() {
            sql.push_str(if n == 0 { " WITH " } else { ", " });
            sql.push_str(option);
        }
        if let Some(grantor) = pair.grantor {
            sql.push_str(" GRANTED BY ");
            sql.push_str(quoted(&self.roles[grantor]));
        }
        sql.push(';');
    }

    /// One `GRANT role TO member`: the grant as it stays and whether it differs from the
    /// input, or `None` when it is dropped.
    fn grant_pair(
        &mut self,
        stmt: &Statement,
        grant: &RoleGrant,
        role: &RoleName,
        member: &RoleName,
    ) -> Option<(KeptGrant, bool)> {
        let object = || {
            ObjectRef::new(
                "membership",
                format!("{} -> {}", role.as_str(), member.as_str()),
            )
        };
        let (r, m) = (self.id(role), self.id(member));
        let fix = |c: &Self| format!("GRANT {} TO {};", c.quoted(r), c.quoted(m));
        let member_provider = self.roles[m].provider;
        if let Some(rule) = self.roles[r].provider {
            let users_role = member_provider.is_none() && !self.roles[m].applier;
            let membership_rule = users_role
                .then(|| self.policy.rule("provider-membership"))
                .flatten();
            let finding = self.report(membership_rule.unwrap_or(rule), stmt, |c| {
                let msg = format!(
                    "membership of {} in provider role {} dropped",
                    c.quoted(m),
                    c.quoted(r)
                );
                (object(), msg)
            });
            if finding.is_some() && users_role {
                self.set_fix(fix(self));
            }
            return None;
        }
        if let Some(rule) = member_provider {
            self.report(rule, stmt, |c| {
                let msg = format!(
                    "grant of {} to provider role {} dropped",
                    c.quoted(r),
                    c.quoted(m)
                );
                (object(), msg)
            });
            return None;
        }
        for i in [r, m] {
            if self.roles[i].unavailable {
                self.report_kind("reserved-name", stmt, |c| {
                    let msg = format!("GRANT dropped: role {} is not created", c.quoted(i));
                    (object(), msg)
                });
                return None;
            }
        }
        if let Err(why) = self.may_grant(r) {
            let finding = self.report_kind("membership-not-grantable", stmt, |c| {
                let msg = format!(
                    "{} cannot grant {} to {}: {why}",
                    c.applier_label(),
                    c.quoted(r),
                    c.quoted(m)
                );
                (object(), msg)
            });
            if finding.is_some() {
                self.set_fix(fix(self));
            }
            return None;
        }
        let mut changed = false;
        let mut pair = KeptGrant {
            role: r,
            member: m,
            inherit: grant.inherit,
            set: grant.set,
            grantor: None,
        };
        if !self.v16() && (grant.inherit.is_some() || grant.set.is_some()) {
            pair.inherit = None;
            pair.set = None;
            changed = true;
            let mut lost = Vec::new();
            if grant.inherit == Some(false) {
                lost.push("INHERIT FALSE (the member will inherit the role's privileges)");
            }
            if grant.set == Some(false) {
                lost.push("SET FALSE (the member will be able to SET ROLE to it)");
            }
            let lossy = !lost.is_empty();
            let rule = self.core_rule("membership-options");
            let severity = if lossy { rule.severity } else { Severity::Info };
            self.report_as(rule, severity, stmt, |c| {
                let msg = if lossy {
                    format!(
                        "options of {} in {} removed: PostgreSQL {} cannot express {}",
                        c.quoted(m),
                        c.quoted(r),
                        c.major(),
                        lost.join(" or ")
                    )
                } else {
                    format!("INHERIT/SET options of {} in {} removed: PostgreSQL {} has no such options (nothing is lost)", c.quoted(m), c.quoted(r), c.major())
                };
                (object(), msg)
            });
        }
        if let Some(grantor) = &grant.grantor {
            let g = self.id(grantor);
            pair.grantor = Some(g);
            if let Some(refusal) = self.grantor_refused(g) {
                pair.grantor = None;
                changed = true;
                let rule = match self.roles[g].provider {
                    Some(rule) => rule,
                    None => self.core_rule("granted-by"),
                };
                self.report(rule, stmt, |c| {
                    let why = c.explain_grantor(refusal, g);
                    let msg = format!(
                        "GRANTED BY {} removed from the grant of {} to {}: {why}",
                        c.quoted(g),
                        c.quoted(r),
                        c.quoted(m)
                    );
                    (object(), msg)
                });
            }
        }
        Some((pair, changed))
    }

    /// Why the applier may not grant this role, if it may not.
    fn may_grant(&self, i: usize) -> Result<(), &'static str> {
        let applier = &self.target.applier;
        let role = &self.roles[i];
        if applier.superuser {
            return Ok(());
        }
        if role.created {
            // On 16+ the creator holds ADMIN OPTION on what it creates; before, CREATEROLE does.
            return Ok(());
        }
        if role.applier && self.v16() {
            return Err("a role holds no ADMIN OPTION on itself (PostgreSQL 16+)");
        }
        if let Some(existing) = role.existing {
            if existing.superuser {
                return Err("it is a superuser role; only superusers may grant it");
            }
            if existing.admin
                || self.target.manages_all_roles
                || (!self.v16() && applier.createrole)
            {
                return Ok(());
            }
            return Err("it holds no ADMIN OPTION on it");
        }
        if self.target.manages_all_roles || (!self.v16() && applier.createrole) {
            return Ok(());
        }
        if self.live {
            return Err("the role does not exist there and this script does not create it");
        }
        Err("on PostgreSQL 16+ granting needs ADMIN OPTION on the role, which the profile does not assume")
    }

    /// Why a `GRANTED BY` clause cannot stay, if it cannot.
    fn grantor_refused(&self, g: usize) -> Option<GrantorRefusal> {
        let grantor = &self.roles[g];
        if grantor.provider.is_some() {
            return Some(GrantorRefusal::ProviderRole);
        }
        if self.target.applier.superuser || grantor.applier {
            return None;
        }
        if self.v16() {
            let privileged = grantor.existing.is_some_and(|e| e.privileges);
            return (!privileged).then_some(GrantorRefusal::LacksPrivileges);
        }
        Some(GrantorRefusal::OnlySuperusers)
    }

    /// The reason for a refused `GRANTED BY`, for a message.
    fn explain_grantor(&self, refusal: GrantorRefusal, g: usize) -> String {
        match refusal {
            GrantorRefusal::ProviderRole => "it is a provider role".to_owned(),
            GrantorRefusal::LacksPrivileges => format!("{} lacks the privileges of {} (PostgreSQL 16+); the applying role becomes the grantor", self.applier_label(), self.quoted(g)),
            GrantorRefusal::OnlySuperusers => format!("only superusers may name another grantor on PostgreSQL {}; the applying role becomes the grantor", self.major()),
        }
    }

    fn parameter_grant(
        &mut self,
        stmt: &Statement,
        parameters: &[String],
        grantees: &[RoleName],
    ) -> Action {
        let why = if self.major() < 15 {
            Some(format!(
                "PostgreSQL {} has no privileges on parameters",
                self.major()
            ))
        } else if !self.target.applier.superuser {
            Some("only a superuser may grant privileges on parameters".to_owned())
        } else {
            None
        };
        match why {
            Some(why) => {
                self.report_kind("parameter-privilege", stmt, |_| {
                    let names: Vec<String> = grantees.iter().map(RoleName::quoted).collect();
                    let parameters = parameters.join(", ");
                    let msg = format!(
                        "privilege on {parameters} for {} dropped: {why}",
                        names.join(", ")
                    );
                    (ObjectRef::new("parameter-privilege", parameters), msg)
                });
                Action::Drop
            }
            None => Action::Keep,
        }
    }

    fn comment(&mut self, stmt: &Statement, name: &RoleName) -> Action {
        let i = self.id(name);
        if let Some(action) = self.untouchable(stmt, i, "COMMENT ON ROLE") {
            return action;
        }
        self.alterable_or_drop(stmt, i, "COMMENT ON ROLE")
    }
}

/// A role's name quoted for SQL.
fn quoted<'r>(role: &'r RoleState) -> &'r str {
    role.quoted.as_deref().unwrap_or(role.name.as_str())
}

/// Appends an option of `CREATE ROLE` / `ALTER ROLE ... WITH` as SQL.
fn push_option(sql: &mut String, option: &RoleOption) {
    match option {
        RoleOption::Attribute(attribute, value) => sql.push_str(attribute.keyword_for(*value)),
        RoleOption::ConnectionLimit(n) => {
            sql.push_str("CONNECTION LIMIT ");
            sql.push_str(&n.to_string());
        }
        RoleOption::Password(Some(p)) => {
            sql.push_str("PASSWORD ");
            sql.push_str(&quote_literal(p));
        }
        RoleOption::Password(None) => sql.push_str("PASSWORD NULL"),
        RoleOption::ValidUntil(v) => {
            sql.push_str("VALID UNTIL ");
            sql.push_str(&quote_literal(v));
        }
    }
}
