//! `rules list`: the rules in force, with reasons and sources.

use super::Format;
use crate::rules::Rule;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Row<'a> {
    profile: &'a str,
    #[serde(flatten)]
    rule: &'a Rule,
    code: &'static str,
}

/// Writes the rules (each with the profile it belongs to, or `all`).
pub fn render_rules(
    rules: &[(&str, &Rule)],
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Junit => Err(io::Error::other(
            "rules have no JUnit form: use table, json or markdown",
        )),
        Format::Json => {
            let rows: Vec<Row> = rules
                .iter()
                .map(|(profile, rule)| Row {
                    profile,
                    rule,
                    code: rule.kind.code(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "rules": rows }))?;
            writeln!(out)
        }
        Format::Markdown => {
            writeln!(
                out,
                "| id | profile | finding code | severity | problem | solution | source |"
            )?;
            writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |")?;
            for (profile, rule) in rules {
                writeln!(
                    out,
                    "| `{}` | {} | `{}` | {} | {} | {} | [source]({}) |",
                    rule.id,
                    profile,
                    rule.kind.code(),
                    rule.severity,
                    rule.problem.replace('|', "\\|"),
                    rule.solution.replace('|', "\\|"),
                    rule.source
                )?;
            }
            Ok(())
        }
        Format::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(160);
            table.set_header(vec![
                "id",
                "profile",
                "severity",
                "problem / solution",
                "source",
            ]);
            for (profile, rule) in rules {
                table.add_row(vec![
                    rule.id.to_string(),
                    profile.to_string(),
                    rule.severity.to_string(),
                    format!("{}\n→ {}", rule.problem, rule.solution),
                    rule.source.clone(),
                ]);
            }
            writeln!(out, "{table}")
        }
    }
}
