//! `pgparity triage` over the 42 real logs of `fixtures/triage/` (psql and pg_restore restoring
//! raw and cleaned roles.sql and dumps into targets shaped like each profile; made by
//! `scripts/make-triage-fixtures.sh`). The script also wrote `messages.tsv`: every message of
//! every log, with its lines and a class judged by hand (`CLASSES.md`). Each must be found by
//! triage at those lines and sorted as its class says; no line may be left unexplained.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::{pgparity, repo};

/// A message of `messages.tsv`.
#[derive(Debug)]
struct Message {
    first: u64,
    last: u64,
    class: String,
    text: String,
}

fn messages() -> BTreeMap<String, Vec<Message>> {
    let tsv = std::fs::read_to_string(repo().join("fixtures/triage/messages.tsv")).unwrap();
    let mut by_log: BTreeMap<String, Vec<Message>> = BTreeMap::new();
    for line in tsv.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        by_log
            .entry(fields[0].to_owned())
            .or_default()
            .push(Message {
                first: fields[1].parse().unwrap(),
                last: fields[2].parse().unwrap(),
                class: fields[3].to_owned(),
                text: fields[5].to_owned(),
            });
    }
    by_log
}

/// What triage must make of each class: the finding code and severity it may give.
fn allowed(class: &str) -> &'static [(&'static str, &'static str)] {
    const HARMLESS: &[(&str, &str)] = &[("restore.harmless", "info")];
    const ACTIONABLE: &[(&str, &str)] = &[("restore.actionable", "error")];
    const CONSEQUENCE: &[(&str, &str)] = &[("restore.actionable", "warning")];
    const EITHER: &[(&str, &str)] = &[
        ("restore.harmless", "info"),
        ("restore.actionable", "error"),
    ];
    match class {
        "role-exists"
        | "alter-superuser-role"
        | "admin-back-to-grantor"
        | "owner-extension"
        | "owner-schema"
        | "psql-restrict" => HARMLESS,
        // The fixtures' one case is the administrator itself; another role would keep
        // attributes the source did not give it, so pgparity asks to compare (a warning).
        "alter-own-role" => CONSEQUENCE,
        "alter-role-attribute"
        | "alter-superusers-pre16"
        | "set-parameter"
        | "parameter-privilege"
        | "grant-as-role"
        | "grant-as-role-order"
        | "set-grantor-pre16"
        | "cast-types-not-owned"
        | "extension-not-available"
        | "extension-untrusted"
        | "language-c"
        | "new-owner-schema-privilege"
        | "default-privileges"
        | "event-trigger"
        | "publication-all-tables"
        | "subscription"
        | "tablespace-missing"
        | "role-missing"
        | "dump-newer-than-target" => ACTIONABLE,
        // Harmless for the provider's roles, actionable for the user's.
        "grant-role-no-admin" | "set-role-owner" | "member-of-role-pre16" => EITHER,
        "missing-after-failure" => CONSEQUENCE,
        // psql reads the rows of a failed COPY as commands: `\N` and `\.` are known as that,
        // a syntax error cannot be told from a real one.
        "copy-data-as-sql" => &[
            ("restore.actionable", "warning"),
            ("restore.actionable", "error"),
        ],
        other => panic!("class {other} has no expectation: add it here"),
    }
}

/// Classes that are not errors: warnings (notices) and pg_restore's summary line.
fn not_an_error(class: &str) -> bool {
    matches!(
        class,
        "wal-level-publication"
            | "public-schema-acl"
            | "subscription-not-connected"
            | "errors-ignored"
    )
}

#[test]
fn every_message_of_every_fixture_log_is_found_and_sorted_as_judged() {
    let expected = messages();
    let root = repo().join("fixtures/triage");
    let mut logs = 0;
    let mut checked = 0;
    for profile in [
        "azure-flexible",
        "azure-single",
        "aws-rds",
        "gcp-cloudsql",
        "community",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(profile))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        files.sort();
        for path in files {
            logs += 1;
            let name = format!("{profile}/{}", path.file_name().unwrap().to_str().unwrap());
            let output = pgparity()
                .args(["triage", "--profile", profile, "--format", "json"])
                .arg(&path)
                .output()
                .unwrap();
            let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!("{name}: {e}: {}", String::from_utf8_lossy(&output.stderr))
            });
            let summary = &json["summary"];
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(summary["lines"], text.lines().count(), "{name}");
            assert_eq!(summary["unrecognized_lines"], 0, "{name}: {json:#}");
            assert_eq!(summary["unclassified"], 0, "{name}: {json:#}");

            let mine = expected.get(&name).map(Vec::as_slice).unwrap_or(&[]);
            let errors: Vec<&Message> = mine.iter().filter(|m| !not_an_error(&m.class)).collect();
            let notices = mine
                .iter()
                .filter(|m| not_an_error(&m.class) && m.class != "errors-ignored")
                .count();
            assert_eq!(summary["errors"], errors.len(), "{name}: errors");
            assert_eq!(summary["notices"], notices, "{name}: warnings and notices");
            let findings = json["findings"].as_array().unwrap();
            assert_eq!(
                findings.len(),
                errors.len(),
                "{name}: one finding per error"
            );
            let code = output.status.code().unwrap();
            let actionable = findings.iter().any(|f| f["severity"] == "error");
            assert_eq!(code, if actionable { 1 } else { 0 }, "{name}: exit code");
            for message in errors {
                let found: Vec<&Value> = findings
                    .iter()
                    .filter(|f| {
                        let line = f["location"]["line"].as_u64().unwrap();
                        (message.first..=message.last).contains(&line)
                    })
                    .collect();
                assert_eq!(
                    found.len(),
                    1,
                    "{name}:{}: {message:?} -> {found:#?}",
                    message.first
                );
                let f = found[0];
                let got = (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap());
                assert!(
                    allowed(&message.class).contains(&got),
                    "{name}:{}: {} ({}) sorted as {got:?}: {}",
                    message.first,
                    message.text,
                    message.class,
                    f["message"]
                );
                if got.0 == "restore.harmless" && allowed(&message.class).len() > 1 {
                    assert_eq!(
                        f["rule"], "restore-provider-role-grant",
                        "{name}:{}: only the provider's roles make it harmless",
                        message.first
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(logs, 42);
    assert!(checked > 1000, "{checked} messages checked");
}

#[test]
fn triage_reads_standard_input_and_fails_on_a_missing_file() {
    let log = repo().join("fixtures/triage/azure-flexible/roles-raw.log");
    let output = pgparity()
        .args(["triage", "-", "--profile", "azure-flexible"])
        .stdin(std::fs::File::open(&log).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "actionable errors remain");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("restore-role-attribute"), "{text}");

    let output = pgparity().args(["triage", "no/such.log"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no/such.log"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}
