//! Triage of a restore's `errors.log`: what psql and pg_restore wrote to standard error,
//! parsed into errors (with their DETAIL, HINT, CONTEXT, `LINE n:` and `Command was:` lines),
//! each sorted by the profile's `restore-harmless` / `restore-actionable` rules. Every line of
//! the log is accounted for: part of an error or notice, a pg_restore progress or summary
//! line, blank, or unrecognized, and unrecognized lines are reported, never dropped.

mod parse;

pub use parse::{parse_log, Entry, LineKind, Origin, ParsedLog};

use crate::findings::{Finding, FindingSink, Location, ObjectRef, Severity};
use crate::rules::{Policy, Rule, RuleKind};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// A rule with its patterns compiled.
struct Matcher<'a> {
    rule: &'a Rule,
    harmless: bool,
    provider_role: bool,
    messages: Vec<Regex>,
    details: Vec<Regex>,
}

/// The triage rules of a policy, compiled.
pub struct Triager<'a> {
    policy: &'a Policy,
    matchers: Vec<Matcher<'a>>,
}

/// How many of what, for the report.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct TriageSummary {
    /// Lines in the log.
    pub lines: u64,
    /// Errors (ERROR, FATAL, PANIC) found.
    pub errors: u64,
    /// Of which a rule calls harmless.
    pub harmless: u64,
    /// Of which a rule calls actionable.
    pub actionable: u64,
    /// Of which no rule knows: actionable until someone reads them.
    pub unclassified: u64,
    /// WARNING, NOTICE and INFO messages.
    pub notices: u64,
    /// pg_restore's progress and summary lines, blank lines.
    pub other_lines: u64,
    /// Lines nothing above explains (each is a finding).
    pub unrecognized_lines: u64,
    /// `errors ignored on restore: N` as pg_restore counted them, when it said so.
    pub pg_restore_counted: Option<u64>,
}

/// One group of errors of the same kind, for the report.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Group {
    /// `harmless`, `actionable` or `unclassified`.
    pub class: &'static str,
    /// The rule that sorted them.
    pub rule: Option<Arc<str>>,
    /// The message with names and numbers replaced by placeholders.
    pub message: String,
    /// How many.
    pub count: u64,
    /// Log lines where they start.
    pub lines: Vec<u64>,
    /// What to do (the rule's solution).
    pub hint: Option<String>,
}

impl<'a> Triager<'a> {
    /// Compiles the triage rules of `policy`: the ones about provider roles first, then in
    /// file order (core, then the profile's). Their patterns were checked when the rules were
    /// loaded ([`crate::rules::RuleSet::load`]).
    pub fn new(policy: &'a Policy) -> Triager<'a> {
        let mut matchers = Vec::new();
        for rule in &policy.rules {
            let (messages, details, provider_role, harmless) = match &rule.kind {
                RuleKind::RestoreHarmless {
                    messages,
                    details,
                    provider_role,
                } => (messages, details, *provider_role, true),
                RuleKind::RestoreActionable {
                    messages,
                    details,
                    provider_role,
                } => (messages, details, *provider_role, false),
                _ => continue,
            };
            let compile = |patterns: &[String]| -> Vec<Regex> {
                patterns
                    .iter()
                    .map(|pattern| {
                        Regex::new(&crate::rules::anchored(pattern))
                            .expect("rule patterns are checked when the rules are loaded")
                    })
                    .collect()
            };
            matchers.push(Matcher {
                rule,
                harmless,
                provider_role,
                messages: compile(messages),
                details: compile(details),
            });
        }
        matchers.sort_by_key(|m| !m.provider_role);
        Triager { policy, matchers }
    }

    /// The rule that sorts `entry`, if any.
    fn classify(&self, entry: &Entry) -> Option<&Matcher<'a>> {
        self.matchers.iter().find(|m| {
            m.messages.iter().any(|re| re.is_match(&entry.message))
                && (m.details.is_empty()
                    || entry
                        .detail
                        .as_deref()
                        .is_some_and(|d| m.details.iter().any(|re| re.is_match(d))))
                && (!m.provider_role
                    || first_quoted(&entry.message).is_some_and(|name| {
                        self.policy
                            .provider_rule(&crate::catalog::RoleName::new(name))
                            .is_some()
                    }))
        })
    }

    /// Sorts every entry of `log` (read from `file`) into findings, and groups them.
    pub fn triage(
        &self,
        log: &ParsedLog,
        file: &str,
        sink: &mut dyn FindingSink,
    ) -> (TriageSummary, Vec<Group>) {
        let file: Arc<str> = Arc::from(file);
        let mut summary = TriageSummary {
            lines: log.lines,
            pg_restore_counted: log.pg_restore_counted,
            ..TriageSummary::default()
        };
        let mut groups: BTreeMap<(&'static str, String, Option<Arc<str>>), Group> = BTreeMap::new();
        for entry in &log.entries {
            if !entry.is_error() {
                summary.notices += 1;
                continue;
            }
            summary.errors += 1;
            let matched = self.classify(entry);
            let (class, severity, code, rule) = match matched {
                Some(m) if m.harmless => {
                    summary.harmless += 1;
                    ("harmless", Severity::Info, m.rule.kind.code(), Some(m.rule))
                }
                Some(m) => {
                    summary.actionable += 1;
                    (
                        "actionable",
                        m.rule.severity,
                        m.rule.kind.code(),
                        Some(m.rule),
                    )
                }
                None => {
                    summary.unclassified += 1;
                    (
                        "unclassified",
                        Severity::Error,
                        "restore.unclassified",
                        None,
                    )
                }
            };
            let mut message = format!("{}: {}", entry.level, entry.message);
            if let Some(detail) = &entry.detail {
                message.push_str(&format!(" DETAIL: {detail}"));
            }
            match rule {
                Some(r) if class == "harmless" => {
                    message.push_str(&format!(" (harmless: {})", r.problem))
                }
                Some(r) => message.push_str(&format!(" (to do: {})", r.solution)),
                None => message.push_str(
                    " (no rule knows this error: read it, and add a rule with --rules once \
                     you know what it means)",
                ),
            }
            let mut finding = Finding::new(code, severity, entry.object(), message).at(Location {
                file: file.clone(),
                line: entry.line,
                statement: Arc::from(entry.statement_text()),
            });
            if let Some(r) = rule {
                finding = finding.rule(&r.id);
            }
            sink.push(finding);
            let key = (class, normalize(&entry.message), rule.map(|r| r.id.clone()));
            let group = groups.entry(key.clone()).or_insert_with(|| Group {
                class,
                rule: key.2.clone(),
                message: key.1.clone(),
                count: 0,
                lines: Vec::new(),
                hint: rule
                    .filter(|_| class != "harmless")
                    .map(|r| r.solution.clone()),
            });
            group.count += 1;
            group.lines.push(entry.line);
        }
        for (line, kind) in &log.other {
            match kind {
                LineKind::Unrecognized(text) => {
                    summary.unrecognized_lines += 1;
                    sink.push(
                        Finding::new(
                            "restore.unrecognized-line",
                            Severity::Warning,
                            ObjectRef::new("log line", format!("{file}:{line}")),
                            "a line that is neither a psql nor a pg_restore message: read it",
                        )
                        .at(Location {
                            file: file.clone(),
                            line: *line,
                            statement: Arc::from(text.as_str()),
                        }),
                    );
                }
                _ => summary.other_lines += 1,
            }
        }
        let mut groups: Vec<Group> = groups.into_values().collect();
        groups.sort_by(|a, b| {
            class_rank(a.class)
                .cmp(&class_rank(b.class))
                .then(b.count.cmp(&a.count))
                .then_with(|| a.message.cmp(&b.message))
        });
        (summary, groups)
    }
}

fn class_rank(class: &str) -> u8 {
    match class {
        "unclassified" => 0,
        "actionable" => 1,
        _ => 2,
    }
}

/// The first `"quoted"` name in a message, unescaped.
fn first_quoted(message: &str) -> Option<String> {
    let start = message.find('"')? + 1;
    let mut name = String::new();
    let mut chars = message[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                name.push('"');
            } else {
                return Some(name);
            }
        } else {
            name.push(c);
        }
    }
    None
}

/// The message with quoted names as `"…"` and numbers as `N`, so that errors of one kind
/// group together.
pub fn normalize(message: &str) -> String {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""(?:[^"]|"")*""#).expect("valid regex"));
    static NUMBERS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b\d+\b").expect("valid regex"));
    let text = QUOTED.replace_all(message, "\"…\"");
    NUMBERS.replace_all(&text, "N").into_owned()
}
