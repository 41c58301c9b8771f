//! The command line as users and CI pipelines meet it: exit codes, one-line errors that name
//! the file and line, nothing half-written, no secrets on the screen.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use support::{pgparity, repo};

const FIXTURE: &str = "fixtures/roles/azure-single/passwords/roles.sql";

fn clean(input: &Path, out: &Path, extra: &[&str]) -> Output {
    pgparity()
        .current_dir(repo())
        .args([
            "roles",
            "clean",
            input.to_str().unwrap(),
            "--profile",
            "azure-flexible",
            "-o",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap()
}

/// Asserts the run failed with exit 2, one stderr line that starts with `prefix`, and that the
/// output folder holds nothing but the input.
fn assert_refused(output: &Output, prefix: &str, dir: &Path) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(
        stderr.starts_with(prefix),
        "expected {prefix:?}, got {stderr}"
    );
    assert!(output.stdout.is_empty());
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("in.sql")],
        "something was left behind"
    );
}

fn refused_input(content: &[u8], prefix_after_path: &str) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.sql");
    std::fs::write(&input, content).unwrap();
    let output = clean(&input, &dir.path().join("out.sql"), &[]);
    let prefix = format!("pgparity: error: {}:{prefix_after_path}", input.display());
    assert_refused(&output, &prefix, dir.path());
}

fn fixture() -> String {
    std::fs::read_to_string(repo().join(FIXTURE)).unwrap()
}

#[test]
fn a_binary_file_is_refused_with_its_line() {
    refused_input(
        b"-- roles\nCREATE ROLE a;\n\x00\x01\x02\xff binary\n",
        "3: not a UTF-8 text file (NUL byte",
    );
}

#[test]
fn a_custom_format_archive_is_refused_by_name() {
    refused_input(
        b"PGDMP\x01\x0e\x00\x04\x08\x01",
        "1: not a UTF-8 text file (this is a pg_dump custom-format archive",
    );
}

#[test]
fn an_unterminated_quote_names_where_it_opened() {
    let text = fixture();
    let cut = text.find("API service").unwrap();
    let line = text[..cut].lines().count();
    refused_input(
        &text.as_bytes()[..cut],
        &format!("{line}: quoted string starting here is never closed"),
    );
}

#[test]
fn an_unterminated_dollar_quote_names_where_it_opened() {
    let text = "CREATE ROLE a;\nCOMMENT ON ROLE a IS $x$never closed\n;\n";
    refused_input(
        text.as_bytes(),
        "2: dollar-quoted string $x$ starting here is never closed",
    );
}

#[test]
fn a_file_cut_inside_a_statement_is_refused() {
    let text = fixture();
    let cut = text.find("CONNECTION LIMIT 20").unwrap();
    let line = text[..cut].lines().count();
    refused_input(
        &text.as_bytes()[..cut],
        &format!("{line}: statement (no terminating ';')"),
    );
}

#[test]
fn a_file_cut_between_statements_is_refused_as_truncated() {
    let text = fixture();
    let cut = text.find("--\n-- Role memberships").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.sql");
    std::fs::write(&input, &text[..cut]).unwrap();
    let output = clean(&input, &dir.path().join("out.sql"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ends before pg_dumpall's \"dump complete\" line"),
        "{stderr}"
    );
    assert_refused(
        &output,
        &format!("pgparity: error: {}:", input.display()),
        dir.path(),
    );
}

#[test]
fn a_missing_file_and_an_unknown_profile_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.sql"), "SELECT 1;\n").unwrap();
    let missing = dir.path().join("nope.sql");
    let output = clean(&missing, &dir.path().join("out.sql"), &[]);
    assert_refused(
        &output,
        &format!("pgparity: error: {}: No such file", missing.display()),
        dir.path(),
    );

    let output = pgparity()
        .args(["roles", "clean", FIXTURE, "--profile", "heroku"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "pgparity: error: unknown profile \"heroku\" (known: aws-rds, azure-flexible"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn an_unreachable_target_is_exit_2_without_the_password() {
    let output = pgparity()
        .current_dir(repo())
        .args(["roles", "clean", FIXTURE, "--profile", "azure-flexible"])
        .args([
            "--target",
            "postgresql://admin:Sup3rSecret@127.0.0.1:1/postgres",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("pgparity: error: cannot connect to admin@127.0.0.1:1/postgres"),
        "{stderr}"
    );
    assert!(!stderr.contains("Sup3rSecret"));
    assert!(output.stdout.is_empty());
}

#[test]
fn stdin_works_and_the_report_never_shows_a_password() {
    let mut child = pgparity()
        .current_dir(repo())
        .args(["roles", "clean", "-", "--profile", "azure-flexible"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(fixture().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sql = String::from_utf8(output.stdout).unwrap();
    let report = String::from_utf8(output.stderr).unwrap();
    // The cleaned SQL keeps the hashes (that is its job); the report never shows them.
    assert!(sql.contains("PASSWORD 'md5"));
    assert!(!report.contains("PASSWORD 'md5"), "{report}");
    assert!(report.contains("PASSWORD '***'"));
    assert!(
        report.contains("-:17: warning[role.md5-password]"),
        "{report}"
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    let run = |fail_on: &str| {
        pgparity()
            .current_dir(repo())
            .args([
                "roles",
                "clean",
                FIXTURE,
                "--profile",
                "azure-flexible",
                "--fail-on",
                fail_on,
                "--format",
                "json",
            ])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("error"), Some(0));
    assert_eq!(run("warning"), Some(1));
}

#[test]
fn help_lists_only_commands_that_work() {
    let output = pgparity().arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        commands,
        ["roles", "snapshot", "diff", "check", "verify", "plan", "triage", "rules", "help"]
    );
}

#[test]
fn the_readme_rule_table_is_what_rules_list_prints() {
    let output = pgparity()
        .args(["rules", "list", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README has the rules markers")
        + "<!-- rules:start -->\n".len();
    let end = readme.find("<!-- rules:end -->").unwrap();
    pretty_assertions::assert_eq!(
        &readme[start..end],
        table,
        "regenerate with: pgparity rules list --format markdown"
    );
}

/// Regression: `--report /dev/null` run as root once renamed a temporary file over /dev/null,
/// replacing the device with a regular file. Special files are written in place.
#[test]
fn reports_to_a_named_pipe_keep_it_a_pipe_and_links_stay_links() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let real = dir.path().join("real.sql");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.sql");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let output = pgparity()
        .current_dir(repo())
        .args(["roles", "clean", FIXTURE, "--profile", "azure-flexible"])
        .args([
            "--report",
            fifo.to_str().unwrap(),
            "-o",
            link.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = reader.join().unwrap();
    assert!(report.contains("warning[role.md5-password]"), "{report}");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .starts_with("-- Cleaned by pgparity"));
}

#[test]
fn verify_refuses_a_file_with_one_clear_line() {
    let output = pgparity()
        .args(["verify", "README.md", "host=/nonexistent user=x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "no report on bad input");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "pgparity: error: README.md: verify compares live databases; give the source as a \
         connection string (dumps and snapshots hold no row counts yet)\n"
    );
}

/// `diff` with a dump given as `bad`, against a good one; its exit code and stderr.
fn diff_with_bad_dump(bad: &Path) -> (Option<i32>, String, String) {
    let output = pgparity()
        .current_dir(repo())
        .arg("diff")
        .arg(bad)
        .arg("fixtures/schema/pg15.sql")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn dumps_that_cannot_be_read_are_refused_with_one_line_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let archive = std::fs::read(repo().join("fixtures/schema/pg15.dump")).unwrap();
    let truncated = dir.path().join("truncated.dump");
    std::fs::write(&truncated, &archive[..3000]).unwrap();
    let mut newer = archive.clone();
    newer[6] = 17; // archive version 1.17
    let unknown = dir.path().join("newer.dump");
    std::fs::write(&unknown, &newer).unwrap();
    let not_sql = dir.path().join("notes.sql");
    std::fs::write(&not_sql, "These are my notes, not a dump.\n").unwrap();
    let plain = std::fs::read_to_string(repo().join("fixtures/schema/pg15.sql")).unwrap();
    let cut = dir.path().join("cut.sql");
    let copy = plain.find("COPY ").unwrap();
    std::fs::write(&cut, &plain[..copy + 200]).unwrap();
    let cases = [
        (
            &truncated,
            "truncated at byte 3000 while reading the table of contents",
        ),
        (
            &unknown,
            "archive version 1.17; this build reads 1.12 to 1.16",
        ),
        (&not_sql, "not a pg_dump plain-format dump"),
        (&cut, "never closed"),
    ];
    for (file, expected) in cases {
        let (code, stdout, stderr) = diff_with_bad_dump(file);
        assert_eq!(code, Some(2), "{}: {stderr}", file.display());
        assert_eq!(
            stdout,
            "",
            "nothing on standard output for {}",
            file.display()
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.starts_with(&format!("pgparity: error: {}", file.display())),
            "names the file: {stderr}"
        );
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
}

#[test]
fn a_plain_dump_and_its_custom_and_directory_archives_diff_to_nothing() {
    for other in ["fixtures/schema/pg15.dump", "fixtures/schema/pg15.dir"] {
        let output = pgparity()
            .current_dir(repo())
            .args([
                "diff",
                "fixtures/schema/pg15.sql",
                other,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{other}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["findings"], serde_json::json!([]), "{other}");
    }
}
