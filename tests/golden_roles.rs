//! Golden files: every roles fixture (made by real pg_dumpall, see scripts/make-fixtures.sh)
//! cleaned for every profile, without a live target. The expected SQL and JSON report sit
//! beside each fixture in `expected/`; `PGPARITY_BLESS=1 cargo test --test golden_roles`
//! rewrites them, and the diff is reviewed like code.

mod support;

use pretty_assertions::assert_eq;
use std::path::Path;
use support::{pgparity, repo};

const SOURCES: &[&str] = &[
    "azure-single",
    "azure-flexible",
    "aws-rds",
    "gcp-cloudsql",
    "community",
];
const VARIANTS: &[&str] = &["passwords", "no-passwords"];
const PROFILES: &[&str] = &[
    "azure-flexible",
    "azure-single",
    "aws-rds",
    "gcp-cloudsql",
    "community",
];

fn check(expected: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("PGPARITY_BLESS").is_some() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run PGPARITY_BLESS=1 cargo test --test golden_roles and review it",
            expected.display()
        )
    });
    if want != actual {
        failures.push(expected.display().to_string());
        assert_eq!(want, actual, "{} differs", expected.display());
    }
}

#[test]
fn every_fixture_cleaned_for_every_profile_matches_its_golden_files() {
    let mut failures = Vec::new();
    let mut count = 0;
    for source in SOURCES {
        for variant in VARIANTS {
            let dir = repo().join("fixtures/roles").join(source).join(variant);
            let input = format!("fixtures/roles/{source}/{variant}/roles.sql");
            for profile in PROFILES {
                let output = pgparity()
                    .current_dir(repo())
                    .args([
                        "roles",
                        "clean",
                        &input,
                        "--profile",
                        profile,
                        "--format",
                        "json",
                    ])
                    .output()
                    .unwrap();
                assert!(
                    matches!(output.status.code(), Some(0 | 1)),
                    "{input} --profile {profile}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let sql = String::from_utf8(output.stdout).unwrap();
                let report = String::from_utf8(output.stderr).unwrap();
                for secret in ["SCRAM-SHA-256$", "'md5"] {
                    assert!(
                        !report.contains(secret),
                        "{input} --profile {profile}: the report shows a password hash"
                    );
                }
                let expected = dir.join("expected");
                check(
                    &expected.join(format!("{profile}.sql")),
                    &sql,
                    &mut failures,
                );
                check(
                    &expected.join(format!("{profile}.report.json")),
                    &report,
                    &mut failures,
                );
                count += 1;
            }
        }
    }
    assert_eq!(count, 50);
    assert!(failures.is_empty(), "{failures:?}");
}
