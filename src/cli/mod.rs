//! Command-line arguments and the commands behind them. Every command is a library call.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use pgparity::catalog::Snapshot;
use pgparity::findings::Severity;
use pgparity::introspect::{load_snapshot, read_snapshot, read_target_facts, ConnSpec};
use pgparity::remediate::{clean_roles, CleanStats};
use pgparity::report::{self, Collected, Format, Report, SeverityCounts};
use pgparity::rules::RuleSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod plan;

/// Checks and repairs PostgreSQL migrations.
#[derive(Debug, Parser)]
#[command(name = "pgparity", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with roles scripts (pg_dumpall --roles-only output).
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Save the catalog of a server (settings, extensions, roles, databases, schema objects) or a dump as JSON.
    Snapshot(SnapshotArgs),
    /// Compare settings, extensions, roles, databases and schema objects of two servers, snapshots or dumps.
    Diff(DiffArgs),
    /// Pre-migration readiness of a source for a target (live, saved, or the profile's).
    Check(CheckArgs),
    /// Verify a restored target: row counts, sequences, statistics, health.
    Verify(VerifyArgs),
    /// Write (or --apply) the script that brings a target database in line with its source.
    Plan(plan::PlanArgs),
    /// Sort the errors of a restore (psql or pg_restore stderr) into harmless and actionable.
    Triage(TriageArgs),
    /// Show the rules pgparity applies.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Subcommand)]
enum RolesCommand {
    /// Clean a roles.sql so it applies with `psql -f` on the target, reporting every change.
    Clean(CleanArgs),
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List the rules in force, with reasons and sources.
    List(ListArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// Formats of commands that report findings.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReportFormatArg {
    Table,
    Json,
    Markdown,
    Junit,
}

impl From<ReportFormatArg> for Format {
    fn from(f: ReportFormatArg) -> Format {
        match f {
            ReportFormatArg::Table => Format::Table,
            ReportFormatArg::Json => Format::Json,
            ReportFormatArg::Markdown => Format::Markdown,
            ReportFormatArg::Junit => Format::Junit,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SeverityArg {
    Info,
    Warning,
    Error,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        }
    }
}

#[derive(Debug, Args)]
struct CleanArgs {
    /// The roles script (`pg_dumpall -r` output); `-` reads standard input.
    input: String,
    /// Target profile: azure-flexible, azure-single, aws-rds, gcp-cloudsql, community, or one
    /// from --rules.
    #[arg(long)]
    profile: String,
    /// Connection string of the live target; the cleanup is tailored to its version, the
    /// connecting role's attributes and the roles that exist there. Read-only.
    #[arg(long, conflicts_with = "target_version")]
    target: Option<String>,
    /// Without --target: the target's major version (default: the profile's).
    #[arg(long, value_name = "MAJOR")]
    target_version: Option<u32>,
    /// Write the cleaned SQL here (whole, or not at all) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormatArg,
    /// Write the report here instead of standard error.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: SeverityArg,
    /// A folder of extra rule files (*.toml).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SnapshotArgs {
    /// Connection string of the server (URI or key=value; PG* variables fill the rest), or a
    /// dump to read (plain SQL, custom or directory archive), every table's rows counted.
    server: String,
    /// Write the snapshot here (whole, or not at all) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A folder of extra rule files (*.toml); their provider parameters are read too.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

/// How reporting commands print and when they fail.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormatArg,
    /// Write the report here (whole, or not at all) instead of standard output.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: SeverityArg,
    /// A folder of extra rule files (*.toml).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The source: a connection string, a snapshot file, or a dump (plain SQL, custom or directory archive).
    source: String,
    /// The target: a connection string, a snapshot file, or a dump (plain SQL, custom or directory archive).
    target: String,
    /// Target profile, for its provider roles and parameter rules.
    #[arg(long, default_value = "community")]
    profile: String,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The source: a connection string, a snapshot file, or a dump (plain SQL, custom or directory archive).
    source: String,
    /// The target, when it exists: a connection string, a snapshot file or a dump.
    target: Option<String>,
    /// Target profile: azure-flexible, azure-single, aws-rds, gcp-cloudsql, community, or one
    /// from --rules.
    #[arg(long)]
    profile: String,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The source database: a connection string (the database it names is verified).
    source: String,
    /// The restored target database: a connection string.
    target: String,
    /// Connections per side: tables are counted this many at a time on each side.
    #[arg(long, short = 'j', default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Run ANALYZE on the target's tables that have no planner statistics (writes to the
    /// target; the report lists what ran).
    #[arg(long)]
    analyze: bool,
    /// Compare the planner's row estimates (reltuples) instead of counting: fast, not exact.
    #[arg(long)]
    estimate: bool,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct TriageArgs {
    /// What psql or pg_restore wrote to standard error (`2> errors.log`); `-` reads stdin.
    log: String,
    /// Target profile, for its provider roles and provider-specific errors.
    #[arg(long, default_value = "community")]
    profile: String,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only the rules in force under this profile.
    #[arg(long)]
    profile: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: FormatArg,
    /// A folder of extra rule files (*.toml).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

/// Runs the command; `Err` means exit code 2.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Roles(RolesCommand::Clean(args)) => roles_clean(args),
        Command::Rules(RulesCommand::List(args)) => rules_list(args),
        Command::Snapshot(args) => snapshot(args),
        Command::Diff(args) => diff(args),
        Command::Check(args) => check(args),
        Command::Verify(args) => verify(args),
        Command::Plan(args) => plan::run(args),
        Command::Triage(args) => triage(args),
    }
}

fn snapshot(args: SnapshotArgs) -> Result<ExitCode> {
    let set = RuleSet::load(args.rules.as_deref())?;
    let (snapshot, _) = load_server(&args.server, &set.parameters.provider, true)?;
    let write = |out: &mut dyn Write| -> Result<()> {
        serde_json::to_writer_pretty(&mut *out, &snapshot)?;
        writeln!(out)?;
        Ok(())
    };
    match &args.output {
        Some(path) => write_atomically(path, write)?,
        None => {
            let mut stdout = BufWriter::new(io::stdout().lock());
            write(&mut stdout)?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A server named on the command line: a snapshot file or a dump if one exists at that path
/// (a dump's archived rows counted with `count_rows`), else a connection string.
fn load_server(
    arg: &str,
    provider_parameters: &[String],
    count_rows: bool,
) -> Result<(Snapshot, String)> {
    use pgparity::dump::{input_kind, read_dump, InputKind};
    let path = Path::new(arg);
    if path.exists() {
        let kind = input_kind(path).with_context(|| format!("{arg}: cannot be read"))?;
        return match kind {
            InputKind::Json => Ok((load_snapshot(path)?, format!("snapshot {arg}"))),
            InputKind::Archive | InputKind::Plain => {
                let snapshot = read_dump(path, arg, count_rows)?;
                let format = snapshot.dump.as_ref().map_or("", |d| d.format.as_str());
                let name = format!("{format} dump {arg}");
                Ok((snapshot, name))
            }
        };
    }
    let looks_like_conninfo =
        arg.contains('=') || arg.starts_with("postgres://") || arg.starts_with("postgresql://");
    if !looks_like_conninfo {
        anyhow::bail!(
            "{arg}: no such file, and not a connection string (postgresql://... or key=value)"
        );
    }
    let env = std::env::vars().collect();
    let spec = ConnSpec::parse(arg, &env)?;
    let snapshot = read_snapshot(&spec, provider_parameters)?;
    Ok((snapshot, spec.display))
}

/// [`load_server`] of both sides at once (two servers read concurrently, two snapshot files
/// parsed on two threads); the source's error first when both fail.
fn load_servers(
    source: &str,
    target: &str,
    provider_parameters: &[String],
) -> Result<((Snapshot, String), (Snapshot, String))> {
    let (source, target) = std::thread::scope(|scope| {
        let target = scope.spawn(|| load_server(target, provider_parameters, false));
        let source = load_server(source, provider_parameters, false);
        (source, target.join())
    });
    let target = target.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    Ok((source?, target?))
}

#[derive(serde::Serialize)]
struct ServerExtra {
    command: &'static str,
    source: String,
    target: Option<String>,
    profile: String,
    source_version: String,
    target_version: Option<String>,
    summary: SeverityCounts,
}

fn diff(args: DiffArgs) -> Result<ExitCode> {
    let set = RuleSet::load(args.report.rules.as_deref())?;
    let policy = set.policy(&args.profile)?;
    let (source, target) = load_servers(&args.source, &args.target, &set.parameters.provider)?;
    let ((source, source_name), (target, target_name)) = (source, target);
    let findings = pgparity::diff::diff(&source, &target, &policy);
    let checked = pgparity::diff::checked_objects(&source, &policy);
    let title = format!("pgparity diff {} {}", args.source, args.target);
    server_report(
        "diff",
        title,
        (&source, source_name),
        Some((&target, target_name)),
        &args.profile,
        findings,
        checked,
        &args.report,
    )
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let set = RuleSet::load(args.report.rules.as_deref())?;
    let policy = set.policy(&args.profile)?;
    let ((source, source_name), target) = match &args.target {
        Some(t) => {
            let (source, target) = load_servers(&args.source, t, &set.parameters.provider)?;
            (source, Some(target))
        }
        None => (
            load_server(&args.source, &set.parameters.provider, false)?,
            None,
        ),
    };
    let findings = pgparity::check::check(&source, target.as_ref().map(|(t, _)| t), &policy);
    let checked = pgparity::diff::checked_objects(&source, &policy);
    let title = match &args.target {
        Some(t) => format!(
            "pgparity check {} {t} --profile {}",
            args.source, args.profile
        ),
        None => format!("pgparity check {} --profile {}", args.source, args.profile),
    };
    server_report(
        "check",
        title,
        (&source, source_name),
        target.as_ref().map(|(t, name)| (t, name.clone())),
        &args.profile,
        findings,
        checked,
        &args.report,
    )
}

#[allow(clippy::too_many_arguments)]
fn server_report(
    command: &'static str,
    title: String,
    (source, source_name): (&Snapshot, String),
    target: Option<(&Snapshot, String)>,
    profile: &str,
    findings: Vec<pgparity::findings::Finding>,
    checked: Vec<pgparity::findings::ObjectRef>,
    args: &ReportArgs,
) -> Result<ExitCode> {
    let describe = |s: &Snapshot, name: &str| format!("{name} (PostgreSQL {})", s.server.version);
    let mut context = vec![format!("source: {}", describe(source, &source_name))];
    match &target {
        Some((t, name)) => context.push(format!("target: {}", describe(t, name))),
        None => context.push(format!("target: assumed by profile {profile}")),
    }
    let collected = Collected::from(findings);
    let extra = ServerExtra {
        command,
        source: source_name.clone(),
        target: target.as_ref().map(|(_, name)| name.clone()),
        profile: profile.to_owned(),
        source_version: source.server.version.clone(),
        target_version: target.as_ref().map(|(t, _)| t.server.version.clone()),
        summary: collected.by_severity(),
    };
    emit_report(title, context, extra, &collected, checked, args)
}

/// Writes a report to `--report` or standard output, and says whether the run fails.
fn emit_report<X: serde::Serialize>(
    title: String,
    context: Vec<String>,
    extra: X,
    collected: &Collected,
    checked: Vec<pgparity::findings::ObjectRef>,
    args: &ReportArgs,
) -> Result<ExitCode> {
    let fail_on: Severity = args.fail_on.into();
    let report = Report {
        title,
        context,
        extra,
        findings: collected,
        checked,
        fail_on,
    };
    let format = args.format.into();
    match &args.report {
        Some(path) => write_atomically(path, |out| Ok(report::render(&report, format, out)?))?,
        None => {
            let mut stdout = BufWriter::new(io::stdout().lock());
            report::render(&report, format, &mut stdout)?;
            stdout.flush()?;
        }
    }
    let failed = collected.worst().is_some_and(|w| w >= fail_on);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(serde::Serialize)]
struct VerifyExtra<'a> {
    command: &'static str,
    source: String,
    target: String,
    source_version: String,
    target_version: String,
    /// `exact` (counted) or `estimate` (reltuples).
    rows: &'static str,
    jobs: u16,
    /// False when the run stopped early: then it never passes.
    complete: bool,
    incomplete_reason: Option<&'a str>,
    written: &'a pgparity::verify::Written,
    summary: SeverityCounts,
    tables: &'a [pgparity::verify::TableResult],
}

fn verify(args: VerifyArgs) -> Result<ExitCode> {
    use pgparity::verify::{self, Options};
    use std::io::IsTerminal;
    let env = std::env::vars().collect();
    let spec = |arg: &str, side: &str| -> Result<ConnSpec> {
        if Path::new(arg).exists() {
            anyhow::bail!(
                "{arg}: verify compares live databases; give the {side} as a connection string \
                 (dumps and snapshots hold no row counts yet)"
            );
        }
        Ok(ConnSpec::parse(arg, &env)?)
    };
    let source = spec(&args.source, "source")?;
    let target = spec(&args.target, "target")?;
    let options = Options {
        jobs: args.jobs.into(),
        estimate: args.estimate,
        analyze: args.analyze,
    };
    let progress = if io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} tables, {elapsed}",
            )
            .expect("a valid progress template")
            .progress_chars("=> "),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let outcome = verify::verify(&source, &target, &options, &progress)?;

    let collected = Collected::from(outcome.findings);
    let count = |status: &str| outcome.tables.iter().filter(|t| t.status == status).count();
    let mut context = vec![
        format!(
            "source: {} (PostgreSQL {})",
            source.display, outcome.source_version
        ),
        format!(
            "target: {} (PostgreSQL {})",
            target.display, outcome.target_version
        ),
        if args.estimate {
            "rows: estimated by the planner (reltuples), not counted".to_owned()
        } else {
            format!(
                "rows: counted exactly, one snapshot per side, {} connections per side, in {:.2} s",
                args.jobs,
                outcome.counting.as_secs_f64()
            )
        },
        format!(
            "{} tables: {} equal, {} differ, {} missing on the target, {} only on the target, \
             {} {}",
            outcome.tables.len(),
            count("equal"),
            count("differs"),
            count("missing"),
            count("extra"),
            count("error") + count("not-counted"),
            if args.estimate {
                "without an estimate"
            } else {
                "not counted"
            }
        ),
        match outcome.written.analyzed.len() {
            0 => "wrote nothing to either server".to_owned(),
            n => format!("wrote: ANALYZE on {n} tables of the target"),
        },
    ];
    if let Some(why) = &outcome.incomplete {
        context.insert(0, format!("INCOMPLETE: {why}"));
    }
    let checked = outcome
        .tables
        .iter()
        .map(|t| {
            let kind = if t.kind == "materialized view" {
                "materialized view"
            } else {
                "table"
            };
            pgparity::findings::ObjectRef::new(kind, format!("{}.{}", t.schema, t.name))
        })
        .collect();
    let extra = VerifyExtra {
        command: "verify",
        source: source.display.clone(),
        target: target.display.clone(),
        source_version: outcome.source_version.clone(),
        target_version: outcome.target_version.clone(),
        rows: if args.estimate { "estimate" } else { "exact" },
        jobs: args.jobs,
        complete: outcome.incomplete.is_none(),
        incomplete_reason: outcome.incomplete.as_deref(),
        written: &outcome.written,
        summary: collected.by_severity(),
        tables: &outcome.tables,
    };
    let title = format!("pgparity verify {} {}", source.display, target.display);
    let code = emit_report(title, context, extra, &collected, checked, &args.report)?;
    if let Some(why) = &outcome.incomplete {
        eprintln!("pgparity: error: verification incomplete: {why}");
        return Ok(ExitCode::from(2));
    }
    Ok(code)
}

#[derive(serde::Serialize)]
struct TriageExtra<'a> {
    command: &'static str,
    log: &'a str,
    profile: &'a str,
    summary: &'a pgparity::triage::TriageSummary,
    groups: &'a [pgparity::triage::Group],
}

fn triage(args: TriageArgs) -> Result<ExitCode> {
    use pgparity::triage::{parse_log, Triager};
    let set = RuleSet::load(args.report.rules.as_deref())?;
    let policy = set.policy(&args.profile)?;
    let triager = Triager::new(&policy);
    let log = if args.log == "-" {
        parse_log(io::stdin().lock())
    } else {
        let file = File::open(&args.log).with_context(|| args.log.clone())?;
        parse_log(BufReader::new(file))
    }
    .with_context(|| args.log.clone())?;
    let mut collected = Collected::for_format(args.report.format.into());
    let (summary, groups) = triager.triage(&log, &args.log, &mut collected);
    let mut context = vec![
        format!("profile: {}", args.profile),
        format!(
            "{} lines: {} errors ({} harmless, {} actionable, {} that no rule knows), {} \
             warnings and notices, {} unrecognized lines",
            summary.lines,
            summary.errors,
            summary.harmless,
            summary.actionable,
            summary.unclassified,
            summary.notices,
            summary.unrecognized_lines
        ),
    ];
    if let Some(n) = summary.pg_restore_counted {
        context.push(format!("pg_restore counted {n} errors ignored on restore"));
    }
    for group in groups.iter().take(15) {
        context.push(format!(
            "{:>5} × {} [{}{}]",
            group.count,
            group.message,
            group.class,
            group
                .rule
                .as_deref()
                .map_or(String::new(), |r| format!(", rule {r}"))
        ));
    }
    if groups.len() > 15 {
        context.push(format!(
            "… and {} more kinds (--format json lists every one)",
            groups.len() - 15
        ));
    }
    let extra = TriageExtra {
        command: "triage",
        log: &args.log,
        profile: &args.profile,
        summary: &summary,
        groups: &groups,
    };
    let title = format!("pgparity triage {} --profile {}", args.log, args.profile);
    emit_report(title, context, extra, &collected, Vec::new(), &args.report)
}

fn rules_list(args: ListArgs) -> Result<ExitCode> {
    let set = RuleSet::load(args.rules.as_deref())?;
    let rules = set.rules_for(args.profile.as_deref())?;
    let mut stdout = io::stdout().lock();
    report::rules::render_rules(&rules, args.format.into(), &mut stdout)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct CleanExtra {
    command: &'static str,
    input: String,
    profile: String,
    target: String,
    stats: CleanStats,
}

fn roles_clean(args: CleanArgs) -> Result<ExitCode> {
    let set = RuleSet::load(args.rules.as_deref())?;
    let policy = set.policy(&args.profile)?;
    let facts = match &args.target {
        Some(conninfo) => {
            let env = std::env::vars().collect();
            let spec = ConnSpec::parse(conninfo, &env)?;
            read_target_facts(&spec)?
        }
        None => policy.assumed_target(args.target_version),
    };
    let input: Box<dyn Read + Send> = if args.input == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(&args.input).with_context(|| args.input.clone())?)
    };
    let reader = BufReader::with_capacity(1 << 16, input);

    let format = args.format.into();
    let mut findings = Collected::for_format(format);
    let outcome = match &args.output {
        Some(path) => write_atomically(path, |out| {
            Ok(clean_roles(
                reader,
                &args.input,
                &policy,
                &facts,
                out,
                &mut findings,
            )?)
        })?,
        None => {
            // Held until the end so that bad input leaves nothing half-written on stdout.
            let mut buffer = Vec::new();
            let outcome = clean_roles(
                reader,
                &args.input,
                &policy,
                &facts,
                &mut buffer,
                &mut findings,
            )?;
            let mut stdout = io::stdout().lock();
            stdout.write_all(&buffer)?;
            stdout.flush()?;
            outcome
        }
    };

    let stats = outcome.stats;
    let report = Report {
        title: format!(
            "pgparity roles clean {} --profile {}",
            args.input, args.profile
        ),
        context: vec![
            format!("target: {}", facts.describe()),
            format!(
                "{} statements: {} kept, {} rewritten, {} dropped; {} psql meta-commands removed",
                stats.statements, stats.kept, stats.rewritten, stats.dropped, stats.meta_removed
            ),
        ],
        extra: CleanExtra {
            command: "roles clean",
            input: args.input.clone(),
            profile: args.profile.clone(),
            target: facts.describe(),
            stats,
        },
        findings: &findings,
        checked: Vec::new(),
        fail_on: args.fail_on.into(),
    };
    match &args.report {
        Some(path) => write_atomically(path, |out| Ok(report::render(&report, format, out)?))?,
        None => {
            let mut stderr = BufWriter::new(io::stderr().lock());
            report::render(&report, format, &mut stderr)?;
            stderr.flush()?;
        }
    }
    let fail_on: Severity = args.fail_on.into();
    let failed = findings.worst().is_some_and(|w| w >= fail_on);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes a file whole or not at all: into a temporary file beside it, renamed on success.
/// A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) is written in place,
/// since renaming over it would replace it with a regular file; a symbolic link is followed,
/// so the link stays and its target is replaced.
fn write_atomically<T>(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let shown = || path.display().to_string();
    let path = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).with_context(shown)?
        }
        _ => path.to_path_buf(),
    };
    if let Ok(meta) = std::fs::metadata(&path) {
        if meta.is_dir() {
            anyhow::bail!("{}: is a directory", path.display());
        }
        if !meta.is_file() {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .with_context(shown)?;
            let mut out = BufWriter::new(file);
            let value = write(&mut out)?;
            out.flush().with_context(shown)?;
            return Ok(value);
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "{}: cannot create a file in {}",
            path.display(),
            dir.display()
        )
    })?;
    let mut out = BufWriter::with_capacity(1 << 16, temp);
    let value = write(&mut out)?;
    let temp = out.into_inner().map_err(|e| e.into_error())?;
    temp.persist(&path).with_context(shown)?;
    Ok(value)
}
