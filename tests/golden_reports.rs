//! Golden files for every report format of `check` and for `diff`, on two snapshots that the real
//! `pgparity snapshot` saved of real servers (scripts/make-snapshot-fixtures.sh): a PostgreSQL 13
//! application server and a PostgreSQL 17 target shaped like Azure Flexible Server. The expected
//! reports are in `fixtures/snapshots/expected/`; `PGPARITY_BLESS=1 cargo test --test
//! golden_reports` rewrites them, and the diff is reviewed like code.
//!
//! Beyond equality, each report is checked for what its reader relies on, independently of the
//! golden files: the JSON contract, the findings a migration to Azure must show, the exit codes,
//! well-formed JUnit XML and the Markdown's counts and folded fixes.

mod support;

use pretty_assertions::assert_eq;
use serde_json::Value;
use std::process::Output;
use support::{pgparity, repo};

const SOURCE: &str = "fixtures/snapshots/source-pg13.json";
const TARGET: &str = "fixtures/snapshots/target-pg17.json";
const EXPECTED: &str = "fixtures/snapshots/expected";

/// Runs pgparity from the repository root, so that the paths in reports are repo-relative.
fn run(args: &[&str]) -> Output {
    pgparity().current_dir(repo()).args(args).output().unwrap()
}

/// `check SOURCE TARGET --profile azure-flexible --format FORMAT`, extra arguments after.
fn check(format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        SOURCE,
        TARGET,
        "--profile",
        "azure-flexible",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 report")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Compares a report with its golden file, or rewrites the file under `PGPARITY_BLESS`.
fn golden(file: &str, actual: &str) {
    let expected = repo().join(EXPECTED).join(file);
    if std::env::var_os("PGPARITY_BLESS").is_some() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(&expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&expected).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run PGPARITY_BLESS=1 cargo test --test golden_reports and review it",
            expected.display()
        )
    });
    assert_eq!(want, actual, "{} differs", expected.display());
}

/// The report of a run that found errors: exit code 1, nothing on stderr.
fn failing_report(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    assert_eq!(stderr(output), "");
    stdout(output)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn findings(document: &Value) -> &Vec<Value> {
    document["findings"].as_array().expect("a findings array")
}

/// The findings of one code about one object.
fn about<'a>(document: &'a Value, code: &str, name: &str) -> Vec<&'a Value> {
    findings(document)
        .iter()
        .filter(|f| f["code"] == code && f["object"]["name"] == name)
        .collect()
}

/// The one finding of that code about that object.
fn the<'a>(document: &'a Value, code: &str, name: &str) -> &'a Value {
    match about(document, code, name)[..] {
        [one] => one,
        ref other => panic!("expected one {code} about {name}, found {}", other.len()),
    }
}

fn check_json() -> Value {
    json(&failing_report(&check("json", &[])))
}

#[test]
fn check_table_matches_its_golden_file() {
    golden(
        "check.azure-flexible.table.txt",
        &failing_report(&check("table", &[])),
    );
}

#[test]
fn check_json_matches_its_golden_file() {
    golden(
        "check.azure-flexible.json",
        &failing_report(&check("json", &[])),
    );
}

#[test]
fn check_markdown_matches_its_golden_file() {
    golden(
        "check.azure-flexible.md",
        &failing_report(&check("markdown", &[])),
    );
}

#[test]
fn check_junit_matches_its_golden_file() {
    golden(
        "check.azure-flexible.junit.xml",
        &failing_report(&check("junit", &[])),
    );
}

#[test]
fn diff_json_matches_its_golden_file() {
    let output = run(&[
        "diff",
        SOURCE,
        TARGET,
        "--profile",
        "azure-flexible",
        "--format",
        "json",
    ]);
    golden("diff.azure-flexible.json", &failing_report(&output));
}

#[test]
fn the_json_report_keeps_the_contract() {
    for document in [
        check_json(),
        json(&failing_report(&run(&[
            "diff", SOURCE, TARGET, "--format", "json",
        ]))),
    ] {
        let list = findings(&document);
        assert!(!list.is_empty());
        for f in list {
            let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            keys.sort_unstable();
            keys.retain(|k| *k != "rule");
            assert_eq!(
                keys,
                ["code", "fix", "message", "object", "severity", "source", "target"],
                "{f}"
            );
            let mut object: Vec<&str> = f["object"]
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.as_str())
                .collect();
            object.sort_unstable();
            assert_eq!(object, ["kind", "name"], "{f}");
            let code = f["code"].as_str().unwrap();
            assert!(
                code.contains('.') && !code.contains(char::is_uppercase),
                "{code}"
            );
            assert!(f["object"]["kind"].is_string() && f["object"]["name"].is_string());
            assert!(!f["message"].as_str().unwrap().is_empty(), "{f}");
            for optional in ["source", "target", "fix"] {
                assert!(f[optional].is_null() || f[optional].is_string(), "{f}");
            }
            assert!(f.get("rule").is_none_or(Value::is_string), "{f}");
        }
        let count = |severity: &str| list.iter().filter(|f| f["severity"] == severity).count();
        assert_eq!(
            count("error") + count("warning") + count("info"),
            list.len(),
            "a severity other than error, warning or info"
        );
        let summary = &document["summary"];
        assert_eq!(summary["errors"], count("error"));
        assert_eq!(summary["warnings"], count("warning"));
        assert_eq!(summary["info"], count("info"));
        assert_eq!(document["source_version"], "13.23");
        assert_eq!(document["target_version"], "17.10");
    }
}

#[test]
fn extensions_say_what_azure_needs_before_the_restore() {
    let report = check_json();

    // hstore is available on 17 but not in azure.extensions ('pg_trgm'): the fix sets the
    // parameter and keeps what is already allowed.
    let hstore = the(&report, "extension.not-allowlisted", "hstore");
    assert_eq!(hstore["severity"], "error");
    let fix = hstore["fix"].as_str().unwrap();
    assert!(
        fix.contains("az postgres flexible-server parameter set"),
        "{fix}"
    );
    assert!(fix.contains("--name azure.extensions"), "{fix}");
    let value = fix
        .split("--value '")
        .nth(1)
        .and_then(|v| v.split('\'').next())
        .unwrap_or_else(|| panic!("no --value in {fix}"));
    let value: Vec<&str> = value.split(',').collect();
    assert!(value.contains(&"pg_trgm"), "{fix}");
    assert!(value.contains(&"hstore"), "{fix}");
    assert!(value.contains(&"pg_stat_statements"), "{fix}");
    assert!(about(&report, "extension.not-allowlisted", "pg_trgm").is_empty());

    let preload = the(&report, "extension.needs-preload", "pg_stat_statements");
    assert_eq!(preload["severity"], "error");
    assert!(preload["fix"]
        .as_str()
        .unwrap()
        .contains("--name shared_preload_libraries"));

    let adminpack = the(&report, "extension.unavailable", "adminpack");
    assert_eq!(adminpack["severity"], "error");
    assert_eq!(adminpack["source"], "2.1");
}

/// Regression: adminpack, which 17 does not have, was also reported not allow-listed, and the
/// fix put it into azure.extensions, a value Azure refuses.
#[test]
fn the_allow_list_leaves_out_extensions_the_target_cannot_install() {
    let report = check_json();
    assert!(about(&report, "extension.not-allowlisted", "adminpack").is_empty());
    for f in findings(&report) {
        if let Some(fix) = f["fix"].as_str() {
            assert!(!fix.contains("adminpack"), "{fix}");
        }
    }
}

/// Regression: read by Azure's admin (no superuser, no pg_read_all_settings) the target shows
/// no superuser-only parameter, and each of them was reported as removed in 17.
#[test]
fn parameters_the_target_hides_from_its_reader_are_not_called_removed() {
    let report = check_json();
    let removed: Vec<&str> = findings(&report)
        .iter()
        .filter(|f| f["code"] == "setting.removed")
        .map(|f| f["object"]["name"].as_str().unwrap())
        .collect();
    for hidden in [
        "shared_preload_libraries",
        "dynamic_library_path",
        "ssl_ciphers",
        "log_filename",
    ] {
        assert!(!removed.contains(&hidden), "{hidden} in {removed:?}");
    }
    assert!(removed.contains(&"vacuum_defer_cleanup_age"), "{removed:?}");
    assert!(removed.contains(&"stats_temp_directory"), "{removed:?}");

    // The source sets it, so it is still reported, with the target's value unknown.
    let preload = the(&report, "setting.needs-restart", "shared_preload_libraries");
    assert_eq!(preload["source"], "pg_stat_statements");
    assert_eq!(preload["target"], Value::Null);
    let message = preload["message"].as_str().unwrap();
    assert!(
        message.contains("does not show it to flexadmin"),
        "{message}"
    );
    let needs = the(&report, "extension.needs-preload", "pg_stat_statements");
    assert!(
        !needs["message"].as_str().unwrap().contains("nothing"),
        "{needs}"
    );
}

/// Regression: wal_compression is a bool on 13 and an enum on 17; `off` on both was reported
/// as a changed default.
#[test]
fn a_bool_that_became_an_enum_is_no_difference() {
    let report = check_json();
    assert!(about(&report, "setting.default-changed", "wal_compression").is_empty());
}

#[test]
fn the_postfix_operator_blocks_the_migration() {
    let report = check_json();
    let operator = the(&report, "upgrade.incompatible", "App DB.app.!");
    assert_eq!(operator["severity"], "error");
    assert_eq!(operator["object"]["kind"], "operator");
    assert_eq!(operator["source"], "postfix-operator");
    // A reg* column is worth a look, not a failure.
    let column = the(&report, "upgrade.incompatible", "App DB.app.jobs.handler");
    assert_eq!(column["severity"], "warning");

    // Errors fail the run at the default --fail-on error, and at every level below.
    for fail_on in [&[][..], &["--fail-on", "error"], &["--fail-on", "info"]] {
        let output = check("table", fail_on);
        assert_eq!(output.status.code(), Some(1), "{fail_on:?}");
    }
}

#[test]
fn a_snapshot_diffed_with_itself_has_no_findings() {
    for (snapshot, profile) in [
        (SOURCE, "community"),
        (TARGET, "community"),
        (TARGET, "azure-flexible"),
    ] {
        let args = |format| {
            [
                "diff",
                snapshot,
                snapshot,
                "--profile",
                profile,
                "--format",
                format,
                "--fail-on",
                "info",
            ]
        };
        let output = run(&args("json"));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let document = json(&stdout(&output));
        assert_eq!(findings(&document).len(), 0, "{snapshot} {profile}");
        assert_eq!(
            document["summary"],
            serde_json::json!({"errors": 0, "warnings": 0, "info": 0})
        );

        let output = run(&args("table"));
        assert_eq!(output.status.code(), Some(0));
        let table = stdout(&output);
        assert!(
            table.contains("  0 findings: 0 errors, 0 warnings, 0 info\n"),
            "{table}"
        );
        assert!(table.contains("no findings"), "{table}");
    }
}

#[test]
fn the_junit_report_is_well_formed_with_a_case_per_checked_object() {
    use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
    let xml = failing_report(&check("junit", &[]));
    let report = Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    assert_eq!(
        report.name.as_str(),
        format!("pgparity check {SOURCE} {TARGET} --profile azure-flexible")
    );
    let case = |suite: &str, name: &str| {
        report
            .test_suites
            .iter()
            .find(|s| s.name.as_str() == suite)
            .unwrap_or_else(|| panic!("no suite {suite}"))
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == name)
            .unwrap_or_else(|| panic!("no test case {name}"))
    };

    let operator = case("operator", "operator App DB.app.!");
    match &operator.status {
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Failure,
            ty,
            description,
            ..
        } => {
            assert_eq!(
                ty.as_ref().map(|t| t.as_str()),
                Some("upgrade.incompatible")
            );
            assert!(description
                .as_ref()
                .is_some_and(|d| d.as_str().contains("postfix operators were removed")));
        }
        other => panic!("the postfix operator should fail: {other:?}"),
    }
    // Checked objects without findings pass, with nothing to say.
    for (suite, name) in [
        ("extension", "extension pg_trgm"),
        ("role", "role app_rw"),
        ("setting", "setting max_wal_size"),
    ] {
        let case = case(suite, name);
        assert!(
            matches!(case.status, TestCaseStatus::Success { .. }),
            "{name}: {:?}",
            case.status
        );
        assert!(case.system_out.is_none(), "{name}");
    }
    // Warnings do not fail (--fail-on error) but are shown.
    let table = case("table", "table App DB.app.audit_log");
    assert!(matches!(table.status, TestCaseStatus::Success { .. }));
    assert!(table
        .system_out
        .as_ref()
        .is_some_and(|o| o.as_str().contains("warning[table.no-primary-key]")));

    let failures: usize = report.test_suites.iter().map(|s| s.failures).sum();
    assert_eq!(report.failures, failures);
    assert_eq!(
        failures,
        report
            .test_suites
            .iter()
            .flat_map(|s| &s.test_cases)
            .filter(|c| matches!(c.status, TestCaseStatus::NonSuccess { .. }))
            .count()
    );
}

#[test]
fn the_markdown_report_has_the_counts_and_folded_fixes() {
    let markdown = failing_report(&check("markdown", &[]));
    let summary = &check_json()["summary"];
    let (errors, warnings, info) = (
        summary["errors"].as_u64().unwrap(),
        summary["warnings"].as_u64().unwrap(),
        summary["info"].as_u64().unwrap(),
    );
    let counts = format!(
        "**{} findings: {errors} errors, {warnings} warnings, {info} info**",
        errors + warnings + info
    );
    assert!(markdown.contains(&counts), "{counts} not in:\n{markdown}");
    assert!(markdown.starts_with(&format!(
        "### pgparity check {SOURCE} {TARGET} --profile azure-flexible\n"
    )));

    let opened = markdown.matches("<details><summary>Fixes (").count();
    assert!(opened > 0);
    assert_eq!(opened, markdown.matches("</details>").count());
    let extension_fixes = markdown
        .split("#### extension")
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .expect("an extension section with fixes");
    assert!(
        extension_fixes.contains("<details><summary>Fixes (3)</summary>"),
        "{extension_fixes}"
    );
    assert!(extension_fixes.contains("--name azure.extensions"));
    // Every table row has the four columns, whatever the names hold (quotes, `|`, unicode).
    for row in markdown.lines().filter(|l| l.starts_with("| ")) {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 5, "{row}");
    }
    assert!(markdown.contains("| role `Ünïcödé` |"), "{markdown}");
}

/// Asserts a refused run: exit code 2, nothing on stdout, one line on stderr naming `file`.
fn assert_refused(output: &Output, file: &str, why: &str) {
    let stderr = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "{}", stdout(output));
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(
        stderr.starts_with(&format!("pgparity: error: {file}: ")),
        "{file} not named first: {stderr}"
    );
    assert!(stderr.contains(why), "{why:?} not in {stderr}");
}

#[test]
fn a_json_file_that_is_not_a_snapshot_is_refused() {
    // A report of `roles clean`, an easy mistake: JSON, but not a snapshot.
    let report = "fixtures/roles/azure-single/passwords/expected/azure-flexible.report.json";
    assert!(repo().join(report).is_file());
    for args in [
        ["check", report, TARGET, "--profile", "azure-flexible"],
        ["check", SOURCE, report, "--profile", "azure-flexible"],
    ] {
        assert_refused(
            &run(&args),
            report,
            "not a pgparity snapshot (no \"pgparity_snapshot\" format number)",
        );
    }
}

#[test]
fn a_snapshot_of_a_newer_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.json");
    let mut snapshot = json(&std::fs::read_to_string(repo().join(SOURCE)).unwrap());
    snapshot["pgparity_snapshot"] = 99.into();
    std::fs::write(&newer, snapshot.to_string()).unwrap();
    let newer = newer.to_str().unwrap();
    assert_refused(
        &run(&["diff", newer, TARGET, "--format", "json"]),
        newer,
        "snapshot format 99 is newer than this pgparity reads (1); upgrade pgparity",
    );
}

#[test]
fn a_roles_script_as_source_is_refused() {
    let roles = "fixtures/roles/azure-single/passwords/roles.sql";
    assert!(repo().join(roles).is_file());
    // Read as a plain dump, which it is not: the line that gives it away is named.
    assert_refused(
        &run(&["check", roles, "--profile", "azure-flexible"]),
        &format!("{roles}:2"),
        "a pg_dumpall file (it holds several databases): give a dump of one database made by pg_dump",
    );
}
