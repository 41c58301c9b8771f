//! Renderers: they print findings, never compute them. Each writes to any `Write`, so tests
//! capture exactly what a user sees.

pub mod rules;

use crate::findings::{Finding, FindingSink, ObjectRef, Severity};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::sync::Arc;

/// Output formats of reporting commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people: diagnostics and a summary table.
    Table,
    /// One JSON document (`{"findings": [...], ...}`).
    Json,
    /// A summary and a table per kind, for pull requests.
    Markdown,
    /// JUnit XML: one test case per checked object, failing at `--fail-on`, for CI systems.
    Junit,
}

/// How many findings of one code the human formats show before summarizing the rest.
const SHOWN_PER_CODE: usize = 20;

/// How many findings a chunk of [`Collected`]'s every-finding list holds.
const CHUNK: usize = 4096;

/// Findings as a report needs them: every one for JSON, or for the human formats only the first
/// few of each severity and code, with counts. A run with hundreds of thousands of findings
/// then holds a few dozen.
#[derive(Debug, Default)]
pub struct Collected {
    /// Every finding in order, when kept: in chunks of [`CHUNK`], so that holding hundreds of
    /// thousands never copies them all into a larger buffer (and never touches twice the memory).
    every: Option<Vec<Vec<Finding>>>,
    /// One per severity and code, in order of first appearance.
    groups: Vec<Group>,
    group_index: HashMap<(Severity, Cow<'static, str>), usize>,
    counts: BTreeMap<CountKey, usize>,
    total: usize,
}

type CountKey = (Reverse<Severity>, Cow<'static, str>, Option<Arc<str>>);

#[derive(Debug)]
struct Group {
    severity: Severity,
    code: Cow<'static, str>,
    shown: Vec<Finding>,
    hidden: usize,
}

impl Collected {
    /// A collector that keeps what `format` prints.
    pub fn for_format(format: Format) -> Collected {
        Collected {
            every: matches!(format, Format::Json | Format::Junit).then(Vec::new),
            ..Collected::default()
        }
    }

    /// A collector that keeps every finding.
    pub fn every() -> Collected {
        Collected::for_format(Format::Json)
    }

    /// How many findings were collected.
    pub fn len(&self) -> usize {
        self.total
    }

    /// No finding was collected.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The highest severity collected, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.counts.keys().next().map(|(severity, _, _)| severity.0)
    }

    /// Every finding in the order collected, when this collector keeps them all.
    pub fn all(&self) -> Option<impl Iterator<Item = &Finding> + Clone> {
        self.every.as_ref().map(|chunks| chunks.iter().flatten())
    }

    /// The groups in reading order: most severe first, then first appearance.
    fn groups(&self) -> Vec<&Group> {
        let mut groups: Vec<&Group> = self.groups.iter().collect();
        groups.sort_by_key(|g| Reverse(g.severity));
        groups
    }

    /// The groups by kind (the code's part before the dot), the kind with the most severe
    /// finding first.
    fn kinds(&self) -> Vec<(&str, Vec<&Group>)> {
        let mut kinds: Vec<(&str, Vec<&Group>)> = Vec::new();
        for group in self.groups() {
            let kind = kind_of(&group.code);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, groups)) => groups.push(group),
                None => kinds.push((kind, vec![group])),
            }
        }
        kinds
    }

    /// Counts one finding in the totals, shown or not.
    fn count(&mut self, severity: Severity, code: Cow<'static, str>, rule: Option<Arc<str>>) {
        self.total += 1;
        *self
            .counts
            .entry((Reverse(severity), code, rule))
            .or_default() += 1;
    }

    /// How many findings of each severity were collected.
    pub fn by_severity(&self) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for ((severity, _, _), n) in &self.counts {
            match severity.0 {
                Severity::Error => counts.errors += n,
                Severity::Warning => counts.warnings += n,
                Severity::Info => counts.info += n,
            }
        }
        counts
    }
}

/// Findings counted by severity (the `summary` of JSON reports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Info.
    pub info: usize,
}

impl FindingSink for Collected {
    fn push(&mut self, finding: Finding) {
        self.count(finding.severity, finding.code.clone(), finding.rule.clone());
        let group = match self
            .group_index
            .get(&(finding.severity, finding.code.clone()))
        {
            Some(&i) => &mut self.groups[i],
            None => {
                self.group_index
                    .insert((finding.severity, finding.code.clone()), self.groups.len());
                self.groups.push(Group {
                    severity: finding.severity,
                    code: finding.code.clone(),
                    shown: Vec::new(),
                    hidden: 0,
                });
                self.groups.last_mut().expect("just pushed")
            }
        };
        if group.shown.len() < SHOWN_PER_CODE {
            match &mut self.every {
                Some(every) => {
                    group.shown.push(finding.clone());
                    keep_in_order(every, finding);
                }
                None => group.shown.push(finding),
            }
        } else {
            group.hidden += 1;
            if let Some(every) = &mut self.every {
                keep_in_order(every, finding);
            }
        }
    }

    fn tally_unkept(
        &mut self,
        severity: Severity,
        code: &'static str,
        rule: Option<&Arc<str>>,
    ) -> bool {
        if self.every.is_some() {
            return false;
        }
        let Some(&i) = self.group_index.get(&(severity, Cow::Borrowed(code))) else {
            return false;
        };
        let group = &mut self.groups[i];
        if group.shown.len() < SHOWN_PER_CODE {
            return false;
        }
        group.hidden += 1;
        self.count(severity, Cow::Borrowed(code), rule.cloned());
        true
    }
}

/// Appends a finding to the chunks of [`Collected::every`]; the first chunk grows as a run's
/// findings do, the others are made full size.
fn keep_in_order(chunks: &mut Vec<Vec<Finding>>, finding: Finding) {
    if chunks.last().is_none_or(|chunk| chunk.len() == CHUNK) {
        let capacity = if chunks.is_empty() { 0 } else { CHUNK };
        chunks.push(Vec::with_capacity(capacity));
    }
    chunks.last_mut().expect("a chunk with room").push(finding);
}

impl From<Vec<Finding>> for Collected {
    fn from(findings: Vec<Finding>) -> Collected {
        let mut collected = Collected::every();
        for f in findings {
            collected.push(f);
        }
        collected
    }
}

/// The kind of a finding code: `extension` for `extension.unavailable`.
fn kind_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

/// A report: a title, some context lines, extra JSON fields, and findings.
#[derive(Debug)]
pub struct Report<'a, X: Serialize> {
    /// What ran, for the human formats.
    pub title: String,
    /// Context lines for the human formats (target, counts).
    pub context: Vec<String>,
    /// Command-specific fields, flattened into the JSON document.
    pub extra: X,
    /// The findings.
    pub findings: &'a Collected,
    /// Everything that was checked, findings or not (JUnit lists each as a test case).
    pub checked: Vec<ObjectRef>,
    /// The severity at which the run fails (JUnit marks those findings as failures).
    pub fail_on: Severity,
}

/// The JSON document: the command's fields, then `findings`.
#[derive(Serialize)]
struct JsonReport<'a, X: Serialize> {
    #[serde(flatten)]
    extra: &'a X,
    findings: &'a [&'a Finding],
}

/// Writes the report in `format`. JSON needs a collector that kept every finding.
pub fn render<X: Serialize>(
    report: &Report<'_, X>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let findings: Vec<&Finding> = report
                .findings
                .all()
                .ok_or_else(|| {
                    io::Error::other("a JSON report needs every finding (Collected::every)")
                })?
                .collect();
            let document = JsonReport {
                extra: &report.extra,
                findings: &findings,
            };
            // serde_json writes a report in many small pieces; a buffer of our own takes them
            // without a dynamic call each (3.8 million lines for 210,000 findings).
            let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *out);
            serde_json::to_writer_pretty(&mut buffered, &document)?;
            writeln!(buffered)?;
            buffered.flush()
        }
        Format::Table => render_text(report, out),
        Format::Markdown => render_markdown(report, out),
        Format::Junit => render_junit(report, out),
    }
}

fn counts_line(findings: &Collected) -> String {
    let counts = findings.by_severity();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}: {}, {}, {} info",
        plural(findings.len(), "finding"),
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
        counts.info
    )
}

fn render_text<X: Serialize>(report: &Report<'_, X>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", report.title)?;
    for line in &report.context {
        writeln!(out, "  {line}")?;
    }
    writeln!(out, "  {}", counts_line(report.findings))?;
    for (kind, groups) in report.findings.kinds() {
        writeln!(out)?;
        writeln!(out, "== {kind} ==")?;
        for group in groups {
            for f in &group.shown {
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
                    for (i, line) in fix.lines().enumerate() {
                        let lead = if i == 0 { "fix:" } else { "    " };
                        writeln!(out, "    {lead} {line}")?;
                    }
                }
                if let Some(diff) = &f.diff {
                    for line in diff.lines() {
                        writeln!(out, "    {line}")?;
                    }
                }
            }
            if group.hidden > 0 {
                writeln!(
                    out,
                    "… and {} more {} (--format json lists every one)",
                    group.hidden, group.code
                )?;
            }
        }
    }
    writeln!(out)?;
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

/// One row per finding code and rule: severity, count.
fn summary_table(findings: &Collected) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["severity", "code", "rule", "count"]);
    for ((severity, code, rule), n) in &findings.counts {
        table.add_row(vec![
            severity.0.to_string(),
            code.to_string(),
            rule.as_deref().unwrap_or("-").to_owned(),
            n.to_string(),
        ]);
    }
    if findings.is_empty() {
        table.add_row(vec!["-", "no findings", "-", "0"]);
    }
    table
}

/// Text for a Markdown table cell, on one line (GitHub reads `\|` as `|` in code spans too).
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Plain Markdown text (not in a code span): also `&`, `<` and `>` as entities, so that a name
/// or a value such as `<cluster>/ts` is shown, not taken for an HTML tag and dropped.
fn md_text(text: &str) -> String {
    md_cell(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn render_markdown<X: Serialize>(report: &Report<'_, X>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### {}\n", md_text(&report.title))?;
    writeln!(out, "**{}**\n", counts_line(report.findings))?;
    for line in &report.context {
        writeln!(out, "- {}", md_text(line))?;
    }
    for (kind, groups) in report.findings.kinds() {
        writeln!(out, "\n#### {kind}\n")?;
        writeln!(out, "| severity | code | object | message |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        let mut fixes = Vec::new();
        let mut diffs = Vec::new();
        for group in groups {
            for f in &group.shown {
                let place = f
                    .location
                    .as_ref()
                    .map_or(String::new(), |l| format!(" (line {})", l.line));
                writeln!(
                    out,
                    "| {} | `{}` | {} `{}` | {}{place} |",
                    f.severity,
                    f.code,
                    f.object.kind,
                    md_cell(&f.object.name).replace('`', "'"),
                    md_text(&f.message)
                )?;
                if let Some(fix) = &f.fix {
                    fixes.push(format!("-- {} {}\n{fix}", f.object.kind, f.object.name));
                }
                if let Some(diff) = &f.diff {
                    diffs.push(format!("{} {}", f.object.kind, f.object.name));
                    diffs.push(format!("```diff\n{}\n```", diff.replace("```", "` ` `")));
                }
            }
            if group.hidden > 0 {
                writeln!(
                    out,
                    "| | `{}` | | … and {} more (--format json lists every one) |",
                    group.code, group.hidden
                )?;
            }
        }
        if !fixes.is_empty() {
            writeln!(
                out,
                "\n<details><summary>Fixes ({})</summary>\n\n```sql",
                fixes.len()
            )?;
            for fix in fixes {
                writeln!(out, "{}", fix.replace("```", "` ` `"))?;
            }
            writeln!(out, "```\n\n</details>")?;
        }
        if !diffs.is_empty() {
            writeln!(
                out,
                "\n<details><summary>Differences ({})</summary>\n",
                diffs.len() / 2
            )?;
            for pair in diffs.chunks(2) {
                writeln!(out, "{}\n\n{}\n", md_text(&pair[0]), pair[1])?;
            }
            writeln!(out, "</details>")?;
        }
    }
    if report.findings.is_empty() {
        writeln!(out, "\nNo findings.")?;
    }
    Ok(())
}

fn render_junit<X: Serialize>(report: &Report<'_, X>, out: &mut dyn Write) -> io::Result<()> {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
    let findings = report
        .findings
        .all()
        .ok_or_else(|| io::Error::other("a JUnit report needs every finding (Collected::every)"))?;
    // Test cases by kind, then object, in order: the checked objects, then any other object a
    // finding names.
    let mut cases: BTreeMap<String, Vec<(String, Vec<&Finding>)>> = BTreeMap::new();
    let mut add_object = |kind: &str, name: &str| {
        let list = cases.entry(kind.to_owned()).or_default();
        if !list.iter().any(|(n, _)| n == name) {
            list.push((name.to_owned(), Vec::new()));
        }
    };
    for object in &report.checked {
        add_object(&object.kind, &object.name);
    }
    for f in findings.clone() {
        add_object(&f.object.kind, &f.object.name);
    }
    for f in findings {
        if let Some(list) = cases.get_mut(f.object.kind.as_ref()) {
            if let Some((_, mine)) = list.iter_mut().find(|(n, _)| *n == f.object.name) {
                mine.push(f);
            }
        }
    }
    let mut junit = quick_junit::Report::new(report.title.as_str());
    for (kind, objects) in cases {
        let mut suite = TestSuite::new(kind.as_str());
        for (name, found) in objects {
            let failing: Vec<&&Finding> = found
                .iter()
                .filter(|f| f.severity >= report.fail_on)
                .collect();
            let describe = |f: &Finding| {
                let mut text = format!("{}[{}] {}", f.severity, f.code, f.message);
                if let Some(fix) = &f.fix {
                    text.push_str(&format!("\nfix: {fix}"));
                }
                text
            };
            let status = if failing.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(failing[0].message.as_str());
                status.set_type(failing[0].code.as_ref());
                status.set_description(
                    failing
                        .iter()
                        .map(|f| describe(f))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                status
            };
            let mut case = TestCase::new(format!("{kind} {name}"), status);
            case.set_classname(format!("pgparity.{kind}"));
            let below: Vec<String> = found
                .iter()
                .filter(|f| f.severity < report.fail_on)
                .map(|f| describe(f))
                .collect();
            if !below.is_empty() {
                case.set_system_out(below.join("\n"));
            }
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let xml = junit
        .to_string()
        .map_err(|e| io::Error::other(e.to_string()))?;
    out.write_all(xml.as_bytes())?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::ObjectRef;

    fn finding(code: &'static str, severity: Severity, i: usize) -> Finding {
        Finding::new(code, severity, ObjectRef::new("role", format!("r{i}")), "m")
    }

    #[test]
    fn the_human_collector_keeps_a_few_per_group_and_counts_all() {
        let mut c = Collected::for_format(Format::Table);
        for i in 0..1000 {
            c.push(finding("role.a", Severity::Info, i));
        }
        c.push(finding("role.b", Severity::Warning, 0));
        assert_eq!(c.len(), 1001);
        assert_eq!(c.worst(), Some(Severity::Warning));
        assert!(c.all().is_none());
        let groups = c.groups();
        assert_eq!(groups[0].code, "role.b", "most severe first");
        assert_eq!((groups[1].shown.len(), groups[1].hidden), (20, 980));
        assert_eq!(
            groups[1].shown[19].object.name, "r19",
            "first ones, in order"
        );
        let mut text = Vec::new();
        let report = Report {
            title: "t".into(),
            context: vec![],
            extra: (),
            findings: &c,
            checked: Vec::new(),
            fail_on: Severity::Error,
        };
        render(&report, Format::Table, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("… and 980 more role.a"), "{text}");
        assert!(render(&report, Format::Json, &mut Vec::new()).is_err());
    }

    #[test]
    fn the_human_collector_tallies_what_it_would_not_show() {
        let rule: Arc<str> = Arc::from("r");
        let mut c = Collected::for_format(Format::Table);
        assert!(
            !c.tally_unkept(Severity::Info, "role.a", Some(&rule)),
            "an unseen code is shown"
        );
        for i in 0..20 {
            c.push(finding("role.a", Severity::Info, i).rule(&rule));
        }
        assert!(!c.tally_unkept(Severity::Warning, "role.a", Some(&rule)));
        assert!(c.tally_unkept(Severity::Info, "role.a", Some(&rule)));
        assert!(c.tally_unkept(Severity::Info, "role.a", None));
        assert_eq!(c.len(), 22);
        assert_eq!((c.groups()[0].shown.len(), c.groups()[0].hidden), (20, 2));
        let counts: Vec<usize> = c.counts.values().copied().collect();
        assert_eq!(counts, vec![1, 21], "counted under their rule");

        let mut every = Collected::every();
        for i in 0..30 {
            every.push(finding("role.a", Severity::Info, i));
        }
        assert!(!every.tally_unkept(Severity::Info, "role.a", None));
        assert_eq!(every.len(), 30);
    }

    /// Regression: a message holding `<cluster>/...` lost that part on GitHub, which took it for
    /// an HTML tag.
    #[test]
    fn markdown_shows_angle_brackets_in_messages_and_names() {
        let f = Finding::new(
            "tablespace.unsupported",
            Severity::Error,
            ObjectRef::new("role", "<b>|x"),
            "tablespace ts (<cluster>/ts) & more",
        );
        let c = Collected::from(vec![f]);
        let report = Report {
            title: "pgparity check <a>".into(),
            context: vec![],
            extra: (),
            findings: &c,
            checked: Vec::new(),
            fail_on: Severity::Error,
        };
        let mut text = Vec::new();
        render(&report, Format::Markdown, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("### pgparity check &lt;a&gt;\n"), "{text}");
        assert!(
            text.contains("| role `<b>\\|x` | tablespace ts (&lt;cluster&gt;/ts) &amp; more |"),
            "{text}"
        );
    }

    #[test]
    fn the_json_collector_keeps_every_finding_in_order() {
        let n = 2 * CHUNK + 50;
        let findings: Vec<Finding> = (0..n)
            .map(|i| finding("role.a", Severity::Info, i))
            .collect();
        let c = Collected::from(findings.clone());
        assert!(c.all().unwrap().eq(&findings), "across chunks too");
        assert_eq!(c.len(), n);
    }
}
