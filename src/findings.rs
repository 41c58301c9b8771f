//! Findings: the one currency between the stages that judge (rules, diff, cleanup) and the
//! stages that print (reports, remediation).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// How much a finding matters. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to do.
    Info,
    /// A reviewer should look; the migration may lose something.
    Warning,
    /// The migration will fail or lose data unless this is fixed.
    Error,
}

impl Severity {
    /// The lower-case name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity {other:?} (expected info, warning or error)"
            )),
        }
    }
}

/// What a finding is about: a kind (`role`, `membership`, `statement`, ...) and a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// The object kind, lower-case.
    pub kind: Cow<'static, str>,
    /// The object's name, unquoted (memberships: `role -> member`).
    pub name: String,
}

impl ObjectRef {
    /// An object reference.
    pub fn new(kind: &'static str, name: impl Into<String>) -> Self {
        ObjectRef {
            kind: Cow::Borrowed(kind),
            name: name.into(),
        }
    }
}

/// Where in an input file a finding comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The file as the user named it (`-` for standard input).
    pub file: Arc<str>,
    /// The 1-based line where the statement starts.
    pub line: u64,
    /// The statement, with secrets redacted (shared by the findings of one statement).
    pub statement: Arc<str>,
}

/// One thing pgparity found or changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable kebab-case code, for example `role.attribute-not-settable`.
    pub code: Cow<'static, str>,
    /// How much it matters.
    pub severity: Severity,
    /// What it is about.
    pub object: ObjectRef,
    /// One or two sentences a reviewer understands.
    pub message: String,
    /// The value on the source side, where there is one.
    pub source: Option<String>,
    /// The value on the target side, where there is one.
    pub target: Option<String>,
    /// SQL (or a command) that fixes it, where one exists.
    pub fix: Option<String>,
    /// A unified diff of the two sides' definitions, for a changed object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// The rule that made this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Arc<str>>,
    /// Where in the input it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Finding {
    /// A finding with the required fields; the rest are set with the builder methods.
    pub fn new(
        code: &'static str,
        severity: Severity,
        object: ObjectRef,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code: Cow::Borrowed(code),
            severity,
            object,
            message: message.into(),
            source: None,
            target: None,
            fix: None,
            diff: None,
            rule: None,
            location: None,
        }
    }

    /// Records the source and target values.
    pub fn values(mut self, source: Option<String>, target: Option<String>) -> Self {
        self.source = source;
        self.target = target;
        self
    }

    /// Records the source and target values of a finding already made.
    pub fn set_values(&mut self, source: Option<String>, target: Option<String>) -> &mut Self {
        self.source = source;
        self.target = target;
        self
    }

    /// Records the SQL or command that fixes it.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Records the rule that made it.
    pub fn rule(mut self, rule: &Arc<str>) -> Self {
        self.rule = Some(rule.clone());
        self
    }

    /// Records where in the input it comes from.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

/// Where findings go as they are made, so that a long run need not hold them all.
pub trait FindingSink {
    /// Takes one finding.
    fn push(&mut self, finding: Finding);

    /// Counts a finding of this severity, code and rule without its details, and returns true,
    /// when the sink would not keep the details anyway; its maker then need not build them.
    /// Returns false, counting nothing, when the maker must [`push`](FindingSink::push) it.
    fn tally_unkept(
        &mut self,
        severity: Severity,
        code: &'static str,
        rule: Option<&Arc<str>>,
    ) -> bool {
        let _ = (severity, code, rule);
        false
    }
}

impl FindingSink for Vec<Finding> {
    fn push(&mut self, finding: Finding) {
        Vec::push(self, finding);
    }
}
