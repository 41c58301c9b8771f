//! Renderers: they print findings, never compute them. Each writes to any `Write`, so tests
//! capture exactly what a user sees.

pub mod rules;

use crate::findings::{Finding, Severity};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Output formats of reporting commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people: diagnostics and a summary table.
    Table,
    /// One JSON document (`{"findings": [...], ...}`).
    Json,
    /// A Markdown table, for pull requests.
    Markdown,
}

/// How many findings of one code the human formats show before summarizing the rest.
const SHOWN_PER_CODE: usize = 20;

/// A report: a title, some context lines, extra JSON fields, and findings.
#[derive(Debug, Serialize)]
pub struct Report<'a, X: Serialize> {
    /// What ran, for the human formats.
    #[serde(skip)]
    pub title: String,
    /// Context lines for the human formats (target, counts).
    #[serde(skip)]
    pub context: Vec<String>,
    /// Command-specific fields, flattened into the JSON document.
    #[serde(flatten)]
    pub extra: X,
    /// The findings.
    pub findings: &'a [Finding],
}

/// Writes the report in `format`.
pub fn render<X: Serialize>(
    report: &Report<'_, X>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Table => render_text(report, out),
        Format::Markdown => render_markdown(report, out),
    }
}

/// Findings of each code, in order of first appearance, capped for people to read.
fn grouped<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
) -> Vec<(&'a str, Vec<&'a Finding>, usize)> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        let group = groups.entry(f.code.as_ref()).or_default();
        if group.is_empty() {
            order.push(f.code.as_ref());
        }
        group.push(f);
    }
    order
        .into_iter()
        .map(|code| {
            let mut all = groups.remove(code).unwrap_or_default();
            let hidden = all.len().saturating_sub(SHOWN_PER_CODE);
            all.truncate(SHOWN_PER_CODE);
            (code, all, hidden)
        })
        .collect()
}

fn render_text<X: Serialize>(report: &Report<'_, X>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", report.title)?;
    for line in &report.context {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)?;
    let mut sorted: Vec<&Finding> = report.findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    // Groups only need the first few of each code; the sort is stable, so input order stays.
    for (code, shown, hidden) in grouped(sorted) {
        for f in shown {
            let place = match &f.location {
                Some(loc) => format!("{}:{}: ", loc.file, loc.line),
                None => String::new(),
            };
            let rule = f
                .rule
                .as_deref()
                .map_or(String::new(), |r| format!(" [rule {r}]"));
            writeln!(out, "{place}{}[{}] {}{rule}", f.severity, f.code, f.message)?;
            if let Some(loc) = &f.location {
                writeln!(out, "    {}", first_line(&loc.statement))?;
            }
            if let Some(fix) = &f.fix {
                writeln!(out, "    fix: {fix}")?;
            }
        }
        if hidden > 0 {
            writeln!(
                out,
                "… and {hidden} more {code} (--format json lists every one)"
            )?;
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_table(report.findings))?;
    Ok(())
}

fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first.to_owned()
    }
}

/// One row per finding code: severity, count, rule.
fn summary_table(findings: &[Finding]) -> Table {
    let mut counts: BTreeMap<(std::cmp::Reverse<Severity>, &str, &str), usize> = BTreeMap::new();
    for f in findings {
        let key = (
            std::cmp::Reverse(f.severity),
            f.code.as_ref(),
            f.rule.as_deref().unwrap_or("-"),
        );
        *counts.entry(key).or_default() += 1;
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["severity", "code", "rule", "count"]);
    for ((severity, code, rule), n) in counts {
        table.add_row(vec![
            severity.0.to_string(),
            code.to_owned(),
            rule.to_owned(),
            n.to_string(),
        ]);
    }
    if findings.is_empty() {
        table.add_row(vec!["-", "no findings", "-", "0"]);
    }
    table
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn render_markdown<X: Serialize>(report: &Report<'_, X>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### {}\n", md_cell(&report.title))?;
    for line in &report.context {
        writeln!(out, "- {}", md_cell(line))?;
    }
    writeln!(out)?;
    writeln!(out, "| severity | code | object | line | message |")?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for (code, shown, hidden) in grouped(report.findings) {
        for f in shown {
            let line = f
                .location
                .as_ref()
                .map_or(String::new(), |l| l.line.to_string());
            writeln!(
                out,
                "| {} | `{}` | {} `{}` | {} | {} |",
                f.severity,
                f.code,
                f.object.kind,
                md_cell(&f.object.name),
                line,
                md_cell(&f.message)
            )?;
        }
        if hidden > 0 {
            writeln!(out, "| | `{code}` | | | … and {hidden} more |")?;
        }
    }
    Ok(())
}
