//! `pgparity plan SOURCE TARGET --profile P`: the remediation script, written to a file or
//! standard output, or applied to the target with `--apply`.

use super::{load_servers, write_atomically, ReportFormatArg, SeverityArg};
use anyhow::Result;
use clap::Args;
use pgparity::findings::Severity;
use pgparity::introspect::{read_target_facts, ConnSpec};
use pgparity::remediate::plan::{self, Phase, Plan, PlanInput, ScriptHeader};
use pgparity::report::{self, Collected, Report, SeverityCounts};
use pgparity::rules::RuleSet;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(super) struct PlanArgs {
    /// The source: a connection string, a snapshot file, or a dump (plain, custom or directory);
    /// its database (the one the connection string names, or the dump's) is what the target's
    /// must become. A dump holds no roles or settings: the globals phase then has nothing to do.
    source: String,
    /// The target: a connection string (its role is the one that applies the script) or a
    /// snapshot file; the script runs in the database it names.
    target: String,
    /// Target profile: azure-flexible, azure-single, aws-rds, gcp-cloudsql, community, or one
    /// from --rules.
    #[arg(long)]
    profile: String,
    /// Write the script here (whole, or not at all) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only this phase (repeatable): globals, extensions, parameters, schema, pre-data,
    /// post-data. Default: globals, extensions, parameters and schema; pre-data and
    /// post-data (around a data load) are asked for by name.
    #[arg(long, value_name = "NAME", value_parser = parse_phase)]
    phase: Vec<Phase>,
    /// Include drops of objects that exist only on the target (always listed in the header).
    #[arg(long)]
    allow_drop: bool,
    /// Run the plan on the target (a connection string): in one transaction where the
    /// statements allow, stopping at the first error. Without it nothing is written to any
    /// server.
    #[arg(long)]
    apply: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormatArg,
    /// Write the report here instead of standard error (standard output with --apply or -o).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Exit 1 when a difference at or above this severity is left unfixed by the script.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: SeverityArg,
    /// A folder of extra rule files (*.toml).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

fn parse_phase(name: &str) -> Result<Phase, String> {
    Phase::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Phase::ALL.iter().map(|p| p.name()).collect();
        format!("unknown phase {name:?} (known: {})", known.join(", "))
    })
}

#[derive(serde::Serialize)]
struct PlanExtra<'a> {
    command: &'static str,
    source: &'a str,
    target: &'a str,
    profile: &'a str,
    source_database: &'a str,
    target_database: &'a str,
    plan: &'a Plan,
    applied: Option<&'a plan::ApplyOutcome>,
    summary: SeverityCounts,
}

/// A connection string, or `None` when `arg` names a file or folder (a snapshot, a dump).
fn live_spec(arg: &str) -> Result<Option<ConnSpec>> {
    if Path::new(arg).exists() {
        return Ok(None);
    }
    let env = std::env::vars().collect();
    Ok(Some(ConnSpec::parse(arg, &env)?))
}

pub(super) fn run(args: PlanArgs) -> Result<ExitCode> {
    let set = RuleSet::load(args.rules.as_deref())?;
    let policy = set.policy(&args.profile)?;
    let target_spec = live_spec(&args.target)?;
    if args.apply && target_spec.is_none() {
        anyhow::bail!(
            "{}: --apply needs the target as a connection string, not a snapshot",
            args.target
        );
    }
    let ((mut source, source_name), (mut target, target_name)) =
        load_servers(&args.source, &args.target, &set.parameters.provider)?;
    let facts = match &target_spec {
        Some(spec) => read_target_facts(spec)?,
        None => policy.assumed_target(Some(target.server.major)),
    };
    let (source_db, target_db) = plan::compared_databases(&source, &target);
    // Live snapshots leave sequence values out; the setvals need them.
    if let Some(spec) = live_spec(&args.source)? {
        let positions = plan::read_positions(&spec.for_database(&source_db))?;
        plan::fill_positions(&mut source, &source_db, &positions);
    }
    if let Some(spec) = &target_spec {
        let positions = plan::read_positions(&spec.for_database(&target_db))?;
        plan::fill_positions(&mut target, &target_db, &positions);
    }
    let phases = if args.phase.is_empty() {
        Phase::DEFAULT.to_vec()
    } else {
        args.phase.clone()
    };
    let input = PlanInput {
        source: &source,
        target: &target,
        source_database: &source_db,
        target_database: &target_db,
        policy: &policy,
        facts: &facts,
        phases: &phases,
        allow_drop: args.allow_drop,
    };
    let plan = plan::build(&input)?;

    let mut command = format!(
        "pgparity plan {} {} --profile {}",
        source_name, target_name, args.profile
    );
    for phase in &args.phase {
        command.push_str(&format!(" --phase {phase}"));
    }
    if args.allow_drop {
        command.push_str(" --allow-drop");
    }
    let header = ScriptHeader {
        command,
        source: format!(
            "{source_name}, database {} (PostgreSQL {})",
            pgparity::catalog::quote_ident(&source_db),
            source.server.version
        ),
        target: format!(
            "{target_name}, database {} (PostgreSQL {}); {}",
            pgparity::catalog::quote_ident(&target_db),
            target.server.version,
            facts.describe()
        ),
    };
    let script_to_stdout = args.output.is_none() && !args.apply;
    match &args.output {
        Some(path) => write_atomically(path, |out| Ok(plan.write_script(&header, out)?))?,
        None if script_to_stdout => {
            // Whole or nothing: the script is made in memory, then written.
            let mut buffer = Vec::new();
            plan.write_script(&header, &mut buffer)?;
            let mut stdout = io::stdout().lock();
            stdout.write_all(&buffer)?;
            stdout.flush()?;
        }
        None => {}
    }

    let outcome = match (&target_spec, args.apply) {
        (Some(spec), true) => Some(plan::apply(spec, &plan)?),
        _ => None,
    };

    let format = args.format.into();
    let mut collected = Collected::every();
    for finding in &plan.findings {
        pgparity::findings::FindingSink::push(&mut collected, finding.clone());
    }
    let mut context = vec![
        format!("source: {}", header.source),
        format!("target: {}", header.target),
        format!(
            "{} statements in phases {}; {} drops of target-only objects ({}); {} differences not fixed by the script",
            plan.statements().count(),
            plan.phases.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "),
            plan.drops.len(),
            if plan.allow_drop { "included" } else { "left out: --allow-drop" },
            plan.unfixable.len()
        ),
    ];
    for u in plan.unfixable.iter().take(20) {
        context.push(format!(
            "not fixed: {} {} {}: {}",
            u.code, u.object.kind, u.object.name, u.reason
        ));
    }
    if plan.unfixable.len() > 20 {
        context.push(format!(
            "… and {} more not fixed (--format json lists every one)",
            plan.unfixable.len() - 20
        ));
    }
    match &outcome {
        Some(o) => context.push(match &o.failure {
            None => format!(
                "applied: {} statements in {} transactions",
                o.applied.len(),
                o.transactions
            ),
            Some(f) => format!(
                "applied: {} statements committed; stopped at {} ({} {}): {}; {} statements of its transaction rolled back",
                o.applied.len(),
                f.step.code,
                f.step.object.kind,
                f.step.object.name,
                f.error,
                f.rolled_back
            ),
        }),
        None => context.push("wrote nothing to any server (--apply runs the script)".to_owned()),
    }
    let fail_on: Severity = args.fail_on.into();
    let extra = PlanExtra {
        command: "plan",
        source: &source_name,
        target: &target_name,
        profile: &args.profile,
        source_database: &source_db,
        target_database: &target_db,
        plan: &plan,
        applied: outcome.as_ref(),
        summary: collected.by_severity(),
    };
    let report = Report {
        title: format!(
            "pgparity plan {} {} --profile {}",
            args.source, args.target, args.profile
        ),
        context,
        extra,
        findings: &collected,
        checked: Vec::new(),
        fail_on,
    };
    match &args.report {
        Some(path) => write_atomically(path, |out| Ok(report::render(&report, format, out)?))?,
        None if script_to_stdout => {
            let mut stderr = BufWriter::new(io::stderr().lock());
            report::render(&report, format, &mut stderr)?;
            stderr.flush()?;
        }
        None => {
            let mut stdout = BufWriter::new(io::stdout().lock());
            report::render(&report, format, &mut stdout)?;
            stdout.flush()?;
        }
    }
    if let Some(failure) = outcome.as_ref().and_then(|o| o.failure.as_ref()) {
        anyhow::bail!(
            "applying the plan stopped at a statement answering {} {} {}: {} (statement: {})",
            failure.step.code,
            failure.step.object.kind,
            failure.step.object.name,
            failure.error,
            failure.step.statement.lines().next().unwrap_or("")
        );
    }
    let unfixed_worst = plan
        .findings
        .iter()
        .filter(|f| {
            plan.unfixable
                .iter()
                .any(|u| u.code == f.code && u.object == f.object)
        })
        .map(|f| f.severity)
        .max();
    Ok(if unfixed_worst.is_some_and(|w| w >= fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
