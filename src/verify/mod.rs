//! Post-restore verification: is the restored target complete and healthy?
//!
//! A short pipeline of its own (DESIGN.md): read both sides' catalogs, count every table's
//! rows on both sides at once (exact, in one snapshot per side, `--jobs` connections per side,
//! largest tables first; or the planner's estimates), compare sequences, find the tables the
//! planner has no statistics for (and `ANALYZE` them when asked), and the state a restore can
//! leave objects in. Everything judged becomes a finding; the per-table results are kept for
//! the report's `tables`.

pub mod catalog;
pub mod count;

use crate::catalog::trigger_state;
use crate::findings::{Finding, ObjectRef, Severity};
use crate::introspect::session::Session;
use crate::introspect::target::block_on;
use crate::introspect::{ConnSpec, IntrospectError};
use catalog::{qualified, QualifiedName, SideCatalog, TableKind};
use count::{Counted, SideCounts, Stop};
use indicatif::ProgressBar;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How to verify.
#[derive(Clone, Debug)]
pub struct Options {
    /// Connections per side.
    pub jobs: usize,
    /// Use the planner's estimates (`reltuples`) instead of counting.
    pub estimate: bool,
    /// Run `ANALYZE` on the target's tables that have no statistics.
    pub analyze: bool,
}

/// How far the estimates of the two sides may differ before it is reported (a fraction of the
/// larger).
const ESTIMATE_TOLERANCE: f64 = 0.1;

/// One table's result, as the JSON report's `tables` lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableResult {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `table`, `partitioned table` or `materialized view`.
    pub kind: &'static str,
    /// Rows on the source (estimated with `--estimate`).
    pub source_rows: Option<u64>,
    /// Rows on the target (estimated with `--estimate`).
    pub target_rows: Option<u64>,
    /// `equal`, `differs`, `missing` (not on the target), `extra` (only on the target),
    /// `error` (not counted: the reason is a finding), `not-counted` (the run stopped first, or
    /// a materialized view holds no data).
    pub status: &'static str,
    /// The target has planner statistics for it after the run.
    pub analyzed: bool,
}

/// What was written to the target (only with `--analyze`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Written {
    /// Tables `ANALYZE` ran on.
    pub analyzed: Vec<String>,
}

/// The outcome of a verification.
#[derive(Debug)]
pub struct Verification {
    /// The source's `server_version`.
    pub source_version: String,
    /// The target's `server_version`.
    pub target_version: String,
    /// Per table, sorted by schema and name.
    pub tables: Vec<TableResult>,
    /// Everything judged.
    pub findings: Vec<Finding>,
    /// What was written to the target.
    pub written: Written,
    /// Why the run stopped before it was done (lost connection, interrupted): then nothing
    /// that was not checked may pass.
    pub incomplete: Option<String>,
    /// Wall time of the counting (or estimating) phase.
    pub counting: Duration,
}

/// Verifies `target` against `source`. `Err` when a side cannot be read at all; a run that
/// starts and is stopped (lost connection, Ctrl-C) returns a verification marked incomplete.
pub fn verify(
    source: &ConnSpec,
    target: &ConnSpec,
    options: &Options,
    progress: &ProgressBar,
) -> Result<Verification, IntrospectError> {
    block_on(source, run(source, target, options, progress))
}

async fn run(
    source_spec: &ConnSpec,
    target_spec: &ConnSpec,
    options: &Options,
    progress: &ProgressBar,
) -> Result<Verification, IntrospectError> {
    let ((source_leader, source_snapshot), (target_leader, target_snapshot)) =
        tokio::try_join!(count::lead(source_spec), count::lead(target_spec))?;
    let (source, target) = tokio::try_join!(read(&source_leader), read(&target_leader))?;

    let stop = Stop::default();
    let started = std::time::Instant::now();
    let (source_counts, target_counts) = if options.estimate {
        source_leader.close().await;
        target_leader.close().await;
        (SideCounts::default(), SideCounts::default())
    } else {
        let source_jobs = countable(&source);
        let target_jobs = countable(&target);
        progress.set_length((source_jobs.len() + target_jobs.len()) as u64);
        progress.set_message("counting rows");
        let counting = async {
            tokio::join!(
                count::count_side(
                    source_spec,
                    source_leader,
                    source_snapshot,
                    source_jobs,
                    options.jobs,
                    &stop,
                    progress
                ),
                count::count_side(
                    target_spec,
                    target_leader,
                    target_snapshot,
                    target_jobs,
                    options.jobs,
                    &stop,
                    progress
                )
            )
        };
        let interrupt = interrupted(&stop, "interrupted (Ctrl-C)");
        let ((source_counts, source_leader), (target_counts, target_leader)) = tokio::select! {
            both = counting => both,
            _ = interrupt => unreachable!("the interrupt future never completes"),
        };
        source_leader.close().await;
        target_leader.close().await;
        (source_counts, target_counts)
    };
    let counting = started.elapsed();

    let mut analyzed = BTreeMap::new();
    let mut incomplete = source_counts.stopped.or(target_counts.stopped);
    if options.analyze && incomplete.is_none() {
        let missing: Vec<QualifiedName> = target
            .tables
            .iter()
            .filter(|(_, t)| t.kind != TableKind::Partitioned && t.populated && !t.analyzed)
            .map(|(name, _)| name.clone())
            .collect();
        progress.set_length(missing.len() as u64);
        progress.set_position(0);
        progress.set_message("ANALYZE");
        let interrupt = interrupted(&stop, "interrupted (Ctrl-C) during ANALYZE");
        analyzed = tokio::select! {
            done = count::analyze(target_spec, missing, options.jobs, &stop, progress) => {
                done.into_iter().collect()
            }
            _ = interrupt => unreachable!("the interrupt future never completes"),
        };
        incomplete = stop.reason();
    }
    progress.finish_and_clear();

    let judged = judge(
        &source,
        &target,
        &source_counts.counts,
        &target_counts.counts,
        &analyzed,
        options,
        incomplete.is_some(),
    );
    let written = Written {
        analyzed: analyzed
            .iter()
            .filter(|(_, outcome)| outcome.is_ok())
            .map(|(name, _)| qualified(name))
            .collect(),
    };
    Ok(Verification {
        source_version: source.version,
        target_version: target.version,
        tables: judged.tables,
        findings: judged.findings,
        written,
        incomplete,
        counting,
    })
}

/// Stops the run when Ctrl-C arrives; never completes, so it only ever loses a `select!`.
async fn interrupted(stop: &Stop, why: &str) {
    if tokio::signal::ctrl_c().await.is_ok() {
        stop.stop(why.to_owned()).await;
    }
    std::future::pending::<()>().await
}

/// Reads a side's catalogs in its leader's snapshot.
async fn read(session: &Session) -> Result<SideCatalog, IntrospectError> {
    catalog::read_side(session.client())
        .await
        .map_err(IntrospectError::query(session.server(), "catalogs"))
}

/// The tables whose rows are counted on a side, largest first. Partitioned tables hold no rows
/// of their own; a materialized view without data cannot be read.
fn countable(side: &SideCatalog) -> Vec<QualifiedName> {
    let mut tables: Vec<(&QualifiedName, i64)> = side
        .tables
        .iter()
        .filter(|(_, t)| t.kind != TableKind::Partitioned && t.populated)
        .map(|(name, t)| (name, t.bytes))
        .collect();
    tables.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    tables.into_iter().map(|(name, _)| name.clone()).collect()
}

/// The row count of every table of one side: counted, estimated or summed over partitions.
#[derive(Clone, Debug, PartialEq)]
enum Rows {
    Known(u64),
    Failed(String),
    Unknown,
}

fn rows_by_table(
    side: &SideCatalog,
    counts: &[(QualifiedName, Counted, Duration)],
    estimate: bool,
) -> BTreeMap<QualifiedName, Rows> {
    let mut rows: BTreeMap<QualifiedName, Rows> = BTreeMap::new();
    for (name, info) in &side.tables {
        let value = if estimate {
            match info.estimate {
                Some(e) if info.kind != TableKind::Partitioned => Rows::Known(e.max(0.0) as u64),
                _ => Rows::Unknown,
            }
        } else {
            Rows::Unknown
        };
        rows.insert(name.clone(), value);
    }
    for (name, counted, _) in counts {
        let value = match counted {
            Counted::Rows(n) => Rows::Known(*n),
            Counted::Failed(why) => Rows::Failed(why.clone()),
        };
        rows.insert(name.clone(), value);
    }
    // A partitioned table holds the rows of its partitions, at any depth.
    let partitioned: Vec<&QualifiedName> = side
        .tables
        .iter()
        .filter(|(_, t)| t.kind == TableKind::Partitioned)
        .map(|(name, _)| name)
        .collect();
    for parent in partitioned {
        let mut total = Rows::Known(0);
        for (name, info) in &side.tables {
            if info.kind == TableKind::Partitioned || !descends_from(side, name, parent) {
                continue;
            }
            total = match (total, rows.get(name).cloned().unwrap_or(Rows::Unknown)) {
                (Rows::Known(a), Rows::Known(b)) => Rows::Known(a + b),
                (Rows::Failed(why), _) | (_, Rows::Failed(why)) => Rows::Failed(why),
                _ => Rows::Unknown,
            };
        }
        rows.insert(parent.clone(), total);
    }
    rows
}

fn descends_from(side: &SideCatalog, name: &QualifiedName, ancestor: &QualifiedName) -> bool {
    let mut current = side.tables.get(name).and_then(|t| t.parent.as_ref());
    let mut depth = 0;
    while let Some(parent) = current {
        if parent == ancestor {
            return true;
        }
        depth += 1;
        if depth > 64 {
            return false;
        }
        current = side.tables.get(parent).and_then(|t| t.parent.as_ref());
    }
    false
}

struct Judged {
    tables: Vec<TableResult>,
    findings: Vec<Finding>,
}

fn table_ref(kind: TableKind, name: &QualifiedName) -> ObjectRef {
    let kind = match kind {
        TableKind::MaterializedView => "materialized view",
        _ => "table",
    };
    ObjectRef::new(kind, format!("{}.{}", name.0, name.1))
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn judge(
    source: &SideCatalog,
    target: &SideCatalog,
    source_counts: &[(QualifiedName, Counted, Duration)],
    target_counts: &[(QualifiedName, Counted, Duration)],
    analyzed: &Analyzed,
    options: &Options,
    incomplete: bool,
) -> Judged {
    let source_rows = rows_by_table(source, source_counts, options.estimate);
    let target_rows = rows_by_table(target, target_counts, options.estimate);
    let mut findings = Vec::new();
    let mut tables = Vec::new();
    let names: BTreeSet<&QualifiedName> =
        source.tables.keys().chain(target.tables.keys()).collect();
    for name in names {
        let (s, t) = (source.tables.get(name), target.tables.get(name));
        let kind = s.or(t).map_or(TableKind::Table, |i| i.kind);
        let object = table_ref(kind, name);
        let shown = qualified(name);
        let sr = source_rows.get(name).cloned().unwrap_or(Rows::Unknown);
        let tr = target_rows.get(name).cloned().unwrap_or(Rows::Unknown);
        let known = |r: &Rows| match r {
            Rows::Known(n) => Some(*n),
            _ => None,
        };
        let status = match (s, t) {
            (Some(_), None) => {
                let rows = known(&sr).map_or(String::new(), |n| format!(" ({})", plural(n, "row")));
                findings.push(
                    Finding::new(
                        "table.missing",
                        Severity::Error,
                        object.clone(),
                        format!(
                            "{} {shown}{rows} is on the source but not on the target",
                            kind.as_str()
                        ),
                    )
                    .values(known(&sr).map(|n| n.to_string()), None),
                );
                "missing"
            }
            (None, Some(_)) => {
                findings.push(Finding::new(
                    "table.extra",
                    Severity::Warning,
                    object.clone(),
                    format!(
                        "{} {shown} is on the target but not on the source",
                        kind.as_str()
                    ),
                ));
                "extra"
            }
            _ => compare_rows(&object, &shown, &sr, &tr, options.estimate, &mut findings),
        };
        tables.push(TableResult {
            schema: name.0.clone(),
            name: name.1.clone(),
            kind: kind.as_str(),
            source_rows: known(&sr),
            target_rows: known(&tr),
            status,
            analyzed: t.is_some_and(|t| t.analyzed) || matches!(analyzed.get(name), Some(Ok(_))),
        });
    }
    if incomplete {
        let left = tables.iter().filter(|t| t.status == "not-counted").count();
        findings.push(Finding::new(
            "verify.incomplete",
            Severity::Error,
            ObjectRef::new("database", target_display(target)),
            format!(
                "the run stopped before it was done ({} not counted on both sides): what was \
                 not checked is not verified",
                plural(left as u64, "table")
            ),
        ));
    }
    statistics(target, &target_rows, analyzed, &mut findings);
    sequences(source, target, &mut findings);
    health(source, target, &mut findings);
    Judged { tables, findings }
}

fn target_display(target: &SideCatalog) -> String {
    format!("target (PostgreSQL {})", target.version)
}

fn compare_rows(
    object: &ObjectRef,
    shown: &str,
    source: &Rows,
    target: &Rows,
    estimate: bool,
    findings: &mut Vec<Finding>,
) -> &'static str {
    match (source, target) {
        (Rows::Failed(why), _) | (_, Rows::Failed(why)) => {
            let side = if matches!(source, Rows::Failed(_)) {
                "source"
            } else {
                "target"
            };
            findings.push(Finding::new(
                "rows.not-counted",
                Severity::Error,
                object.clone(),
                format!("{shown} could not be counted on the {side}: {why}"),
            ));
            "error"
        }
        (Rows::Known(s), Rows::Known(t)) if estimate => {
            let (s, t) = (*s as f64, *t as f64);
            let larger = s.max(t);
            if larger > 0.0 && (s - t).abs() / larger > ESTIMATE_TOLERANCE {
                findings.push(
                    Finding::new(
                        "rows.estimate-differs",
                        Severity::Warning,
                        object.clone(),
                        format!(
                            "the planner estimates {shown} at {s} rows on the source and {t} on \
                             the target (estimates, not counts: `verify` without --estimate counts)"
                        ),
                    )
                    .values(Some(s.to_string()), Some(t.to_string())),
                );
                "differs"
            } else {
                "equal"
            }
        }
        (Rows::Known(s), Rows::Known(t)) if s == t => "equal",
        (Rows::Known(s), Rows::Known(t)) => {
            let difference = if t < s {
                format!("{} fewer", s - t)
            } else {
                format!("{} more", t - s)
            };
            findings.push(
                Finding::new(
                    "rows.differ",
                    Severity::Error,
                    object.clone(),
                    format!(
                        "{shown} has {} on the source and {} on the target ({difference})",
                        plural(*s, "row"),
                        t
                    ),
                )
                .values(Some(s.to_string()), Some(t.to_string())),
            );
            "differs"
        }
        _ => "not-counted",
    }
}

/// What `--analyze` did, per table: how long ANALYZE took, or why it failed.
type Analyzed = BTreeMap<QualifiedName, Result<Duration, String>>;

/// The target's tables without planner statistics, or what `--analyze` did about them.
fn statistics(
    target: &SideCatalog,
    target_rows: &BTreeMap<QualifiedName, Rows>,
    analyzed: &Analyzed,
    findings: &mut Vec<Finding>,
) {
    for (name, info) in &target.tables {
        if info.kind == TableKind::Partitioned || !info.populated || info.analyzed {
            continue;
        }
        let object = table_ref(info.kind, name);
        let shown = qualified(name);
        let finding = match analyzed.get(name) {
            Some(Ok(took)) => Finding::new(
                "table.analyzed",
                Severity::Info,
                object,
                format!(
                    "ANALYZE {shown} ran on the target ({} ms): it had no planner statistics",
                    took.as_millis()
                ),
            ),
            Some(Err(why)) => Finding::new(
                "table.analyze-failed",
                Severity::Warning,
                object,
                format!("ANALYZE {shown} failed on the target: {why}"),
            )
            .fix(format!("ANALYZE {shown};")),
            None => {
                // An empty table has nothing to plan wrongly; the finding is still worth knowing.
                let empty = matches!(target_rows.get(name), Some(Rows::Known(0)));
                let severity = if empty {
                    Severity::Info
                } else {
                    Severity::Warning
                };
                Finding::new(
                    "table.never-analyzed",
                    severity,
                    object,
                    format!(
                        "{shown} has no planner statistics on the target (never analyzed since \
                         the restore): queries may get bad plans until ANALYZE runs (--analyze \
                         does it)"
                    ),
                )
                .fix(format!("ANALYZE {shown};"))
            }
        };
        findings.push(finding);
    }
}

fn sequences(source: &SideCatalog, target: &SideCatalog, findings: &mut Vec<Finding>) {
    for (name, s) in &source.sequences {
        let shown = qualified(name);
        let object = ObjectRef::new("sequence", format!("{}.{}", name.0, name.1));
        let Some(t) = target.sequences.get(name) else {
            findings.push(Finding::new(
                "sequence.missing",
                Severity::Error,
                object,
                format!("sequence {shown} is on the source but not on the target"),
            ));
            continue;
        };
        if !s.readable || !t.readable {
            let side = if s.readable { "target" } else { "source" };
            findings.push(Finding::new(
                "sequence.not-readable",
                Severity::Warning,
                object,
                format!(
                    "sequence {shown} cannot be read on the {side} (no SELECT or USAGE \
                     privilege), so its value was not compared"
                ),
            ));
            continue;
        }
        let Some(source_value) = s.last_value else {
            continue;
        };
        let behind = match t.last_value {
            None => true,
            Some(v) if t.increment >= 0 => v < source_value,
            Some(v) => v > source_value,
        };
        if behind {
            let target_value = t
                .last_value
                .map_or("never used".to_owned(), |v| v.to_string());
            findings.push(
                Finding::new(
                    "sequence.behind",
                    Severity::Error,
                    object,
                    format!(
                        "sequence {shown} is behind on the target ({target_value}; the source \
                         is at {source_value}): the next insert may reuse a key"
                    ),
                )
                .values(
                    Some(source_value.to_string()),
                    t.last_value.map(|v| v.to_string()),
                )
                .fix(format!(
                    "SELECT pg_catalog.setval({}, {source_value}, true);",
                    crate::catalog::quote_literal(&shown)
                )),
            );
        }
    }
}

fn health(source: &SideCatalog, target: &SideCatalog, findings: &mut Vec<Finding>) {
    for (name, table) in &target.invalid_indexes {
        let shown = qualified(name);
        let also = if source.invalid_indexes.contains_key(name) {
            " (it is invalid on the source too)"
        } else {
            ""
        };
        findings.push(
            Finding::new(
                "index.invalid",
                Severity::Error,
                ObjectRef::new("index", format!("{}.{}", name.0, name.1)),
                format!(
                    "index {shown} on {} is invalid on the target{also}: queries do not use it, \
                     and a unique index does not enforce uniqueness",
                    crate::catalog::quote_ident(table)
                ),
            )
            .fix(format!("REINDEX INDEX {shown};")),
        );
    }
    for (table, names) in &target.unvalidated_constraints {
        let on_source = source.unvalidated_constraints.get(table);
        for constraint in names {
            if on_source.is_some_and(|s| s.contains(constraint)) {
                continue;
            }
            let shown = qualified(table);
            findings.push(
                Finding::new(
                    "constraint.not-valid",
                    Severity::Warning,
                    ObjectRef::new(
                        "constraint",
                        format!("{}.{}.{constraint}", table.0, table.1),
                    ),
                    format!(
                        "constraint {} on {shown} is NOT VALID on the target but validated on \
                         the source: existing rows were not checked",
                        crate::catalog::quote_ident(constraint)
                    ),
                )
                .fix(format!(
                    "ALTER TABLE {shown} VALIDATE CONSTRAINT {};",
                    crate::catalog::quote_ident(constraint)
                )),
            );
        }
    }
    for (name, info) in &target.tables {
        let source_populated = source.tables.get(name).is_some_and(|s| s.populated);
        if info.kind == TableKind::MaterializedView && !info.populated && source_populated {
            findings.push(
                Finding::new(
                    "matview.not-populated",
                    Severity::Warning,
                    table_ref(info.kind, name),
                    format!(
                        "materialized view {} holds no data on the target (it does on the \
                         source): reading it fails until it is refreshed",
                        qualified(name)
                    ),
                )
                .fix(format!("REFRESH MATERIALIZED VIEW {};", qualified(name))),
            );
        }
    }
    for (key, t) in &target.triggers {
        let Some(s) = source.triggers.get(key) else {
            continue;
        };
        if s.enabled == t.enabled {
            continue;
        }
        let (table, trigger) = key;
        let shown = qualified(table);
        let enable = match s.enabled {
            'D' => "DISABLE TRIGGER",
            'R' => "ENABLE REPLICA TRIGGER",
            'A' => "ENABLE ALWAYS TRIGGER",
            _ => "ENABLE TRIGGER",
        };
        let (code, what) = if t.enabled == 'D' {
            ("trigger.disabled", "disabled on the target")
        } else {
            ("trigger.state-differs", "in another state on the target")
        };
        findings.push(
            Finding::new(
                code,
                Severity::Warning,
                ObjectRef::new("trigger", format!("{}.{}.{trigger}", table.0, table.1)),
                format!(
                    "trigger {} on {shown} is {what} (source: {}, target: {})",
                    crate::catalog::quote_ident(trigger),
                    trigger_state(s.enabled),
                    trigger_state(t.enabled)
                ),
            )
            .values(
                Some(trigger_state(s.enabled).to_owned()),
                Some(trigger_state(t.enabled).to_owned()),
            )
            .fix(format!(
                "ALTER TABLE {shown} {enable} {};",
                crate::catalog::quote_ident(trigger)
            )),
        );
    }
    for (name, s) in &source.extensions {
        let object = ObjectRef::new("extension", name.clone());
        let quoted = crate::catalog::quote_ident(name);
        match target.extensions.get(name) {
            None => findings.push(
                Finding::new(
                    "extension.missing",
                    Severity::Error,
                    object,
                    format!(
                        "extension {quoted} {} is installed on the source, not on the target",
                        s.version
                    ),
                )
                .values(Some(s.version.clone()), None)
                .fix(format!(
                    "CREATE EXTENSION IF NOT EXISTS {quoted} WITH SCHEMA {} VERSION {};",
                    crate::catalog::quote_ident(&s.schema),
                    crate::catalog::quote_literal(&s.version)
                )),
            ),
            Some(t) if t.version != s.version => findings.push(
                Finding::new(
                    "extension.version-differs",
                    Severity::Warning,
                    object,
                    format!(
                        "extension {quoted} is at version {} on the source and {} on the target",
                        s.version, t.version
                    ),
                )
                .values(Some(s.version.clone()), Some(t.version.clone())),
            ),
            Some(_) => {}
        }
    }
    if source.large_objects != target.large_objects {
        findings.push(
            Finding::new(
                "large-objects.count-differs",
                Severity::Error,
                ObjectRef::new("database", "large objects"),
                format!(
                    "{} on the source, {} on the target",
                    plural(source.large_objects, "large object"),
                    target.large_objects
                ),
            )
            .values(
                Some(source.large_objects.to_string()),
                Some(target.large_objects.to_string()),
            ),
        );
    }
}
