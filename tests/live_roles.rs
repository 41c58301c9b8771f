//! Live: a PostgreSQL 13 source shaped like Azure Single Server, dumped with the real
//! `pg_dumpall -r`, cleaned by `pgparity roles clean --target` against a live target whose
//! administrator has CREATEROLE only, applied with `psql -v ON_ERROR_STOP=1` as that
//! administrator. Every non-provider role must end as it was on the source, except what the
//! report says could not be carried over.

mod support;

use pretty_assertions::assert_eq;
use serde_json::Value;
use std::collections::BTreeSet;
use support::{pgparity, repo, Cluster};

const ADMIN: &str = "flexadmin";

/// Roles the profile treats as Azure's own, and the source's bootstrap superuser, which exists
/// on every target.
fn is_excluded(role: &str) -> bool {
    [
        "azure_superuser",
        "azure_pg_admin",
        "azuresu",
        "replication",
        "azure_ad_admin",
        "azure_ad_user",
        "azure_ad_mfa",
        "postgres",
        ADMIN,
    ]
    .contains(&role)
        || role.starts_with("pg_")
}

fn source_cluster() -> (Cluster, String) {
    let source = Cluster::start(13);
    source.execute_file(&repo().join("fixtures/sources/azure-single.sql"));
    let dump = source.dumpall(&["--roles-only"]);
    (source, dump)
}

/// A target shaped like Azure Flexible Server: Azure's roles exist, and the administrator is a
/// non-superuser with CREATEROLE only (no CREATEDB, REPLICATION or BYPASSRLS).
fn target_cluster(major: u32) -> Cluster {
    let target = Cluster::start(major);
    target.execute(&format!(
        "CREATE ROLE azure_pg_admin NOLOGIN; CREATE ROLE azuresu SUPERUSER LOGIN; \
         CREATE ROLE replication LOGIN REPLICATION; CREATE ROLE {ADMIN} LOGIN CREATEROLE; \
         GRANT azure_pg_admin TO {ADMIN};"
    ));
    target
}

/// Role attributes a restore must carry, one line per role.
fn role_lines(cluster: &Cluster) -> Vec<String> {
    cluster
        .rows(
            "SELECT rolname, rolcanlogin, rolconnlimit, coalesce(rolvaliduntil::text, '-'), rolpassword IS NOT NULL, \
                    rolinherit, coalesce(shobj_description(oid, 'pg_authid'), '-') \
             FROM pg_authid",
        )
        .into_iter()
        .filter(|l| !is_excluded(l.split('|').next().unwrap()))
        .collect()
}

/// Memberships as `role|member|admin`.
fn membership_lines(cluster: &Cluster) -> Vec<String> {
    cluster
        .rows(
            "SELECT r.rolname, m.rolname, a.admin_option FROM pg_auth_members a \
             JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member",
        )
        .into_iter()
        .filter(|l| {
            let mut parts = l.split('|');
            let (role, member) = (parts.next().unwrap(), parts.next().unwrap());
            !(is_excluded(member) || is_excluded(role) && role != "pg_monitor")
        })
        .collect()
}

/// Role settings as `role|setting`.
fn setting_lines(cluster: &Cluster) -> Vec<String> {
    cluster
        .rows(
            "SELECT r.rolname, unnest(s.setconfig) FROM pg_db_role_setting s \
             JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = 0",
        )
        .into_iter()
        .filter(|l| !is_excluded(l.split('|').next().unwrap()))
        .collect()
}

struct Cleaned {
    sql: std::path::PathBuf,
    report: Value,
    _dir: tempfile::TempDir,
}

fn clean_against(dump: &str, target: &Cluster) -> Cleaned {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("roles.sql");
    std::fs::write(&input, dump).unwrap();
    let sql = dir.path().join("cleaned.sql");
    let report = dir.path().join("report.json");
    let output = pgparity()
        .args([
            "roles",
            "clean",
            input.to_str().unwrap(),
            "--profile",
            "azure-flexible",
        ])
        .args([
            "--target",
            &target.conninfo(ADMIN),
            "-o",
            sql.to_str().unwrap(),
        ])
        .args(["--format", "json", "--report", report.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "roles clean failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // psql must be able to read it from a folder the server user may not: keep it readable.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    Cleaned {
        sql,
        report,
        _dir: dir,
    }
}

/// Object names of the findings with this code.
fn reported(report: &Value, code: &str) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["object"]["name"].as_str().unwrap().to_owned())
        .collect()
}

fn round_trip(target_major: u32) {
    let (source, dump) = source_cluster();
    let target = target_cluster(target_major);
    let cleaned = clean_against(&dump, &target);
    assert!(!dump.is_empty());
    let text = std::fs::read_to_string(&cleaned.sql).unwrap();
    assert!(!text.contains("\\restrict"), "meta-commands must be gone");

    let applied = target.psql_file(ADMIN, &cleaned.sql, true);
    let stderr = String::from_utf8_lossy(&applied.stderr);
    assert!(
        applied.status.success() && !stderr.contains("ERROR"),
        "psql failed on PostgreSQL {target_major}:\n{stderr}"
    );

    // Attributes, connection limits, expiry, password presence and comments.
    assert_eq!(
        role_lines(&target),
        role_lines(&source),
        "roles differ on PostgreSQL {target_major}"
    );

    // Memberships (with ADMIN OPTION), except those the report says the admin cannot grant.
    let not_grantable = reported(&cleaned.report, "role.membership-not-grantable");
    let expected: Vec<String> = membership_lines(&source)
        .into_iter()
        .filter(|l| {
            let mut p = l.split('|');
            let key = format!("{} -> {}", p.next().unwrap(), p.next().unwrap());
            !not_grantable.contains(&key)
        })
        .collect();
    assert_eq!(
        membership_lines(&target),
        expected,
        "memberships differ on PostgreSQL {target_major}"
    );

    // Role settings, except those the report says need a superuser.
    let not_settable = reported(&cleaned.report, "role.setting-not-settable");
    assert_eq!(
        not_settable,
        BTreeSet::from(["monitor_user: log_min_duration_statement".to_owned()])
    );
    let expected: Vec<String> = setting_lines(&source)
        .into_iter()
        .filter(|l| !l.starts_with("monitor_user|log_min_duration_statement"))
        .collect();
    assert_eq!(
        setting_lines(&target),
        expected,
        "role settings differ on PostgreSQL {target_major}"
    );

    // The report names what a reviewer must see. The target's bootstrap superuser exists and
    // cannot be altered by the admin; on 16+ an admin without CREATEDB cannot give it away.
    assert!(reported(&cleaned.report, "role.role-exists").contains("postgres"));
    assert!(reported(&cleaned.report, "role.not-alterable").contains("postgres"));
    let lost = reported(&cleaned.report, "role.attribute-lost");
    assert_eq!(
        lost.contains("app_admin"),
        target_major >= 16,
        "attribute-lost: {lost:?}"
    );
    assert!(reported(&cleaned.report, "role.login-without-password").contains("o'brien"));
    assert!(reported(&cleaned.report, "role.md5-password").contains("report_md5"));
}

#[test]
fn azure_single_13_cleaned_for_a_17_target_applies_without_errors_and_keeps_every_role() {
    round_trip(17);
}

#[test]
fn azure_single_13_cleaned_for_a_15_target_applies_without_errors_and_keeps_every_role() {
    round_trip(15);
}

/// Microsoft's documented cleanup, verbatim (how-to-migrate-using-dump-and-restore).
const MICROSOFT_SED: &str = "/azure_superuser/d; /azure_pg_admin/d; /azuresu/d; /^CREATE ROLE replication/d; /^ALTER ROLE replication/d; /^ALTER ROLE/ {s/NOSUPERUSER//; s/NOBYPASSRLS//;}";

#[test]
fn the_documented_sed_cleanup_fails_on_the_same_17_target() {
    let (_source, dump) = source_cluster();
    let target = target_cluster(17);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roles.sql");
    std::fs::write(&file, &dump).unwrap();
    let sed = std::process::Command::new("sed")
        .args(["-i", MICROSOFT_SED, file.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(sed.success());

    let stopped = target.psql_file(ADMIN, &file, true);
    assert!(
        !stopped.status.success(),
        "the sed-cleaned file unexpectedly applied"
    );

    let fresh = target_cluster(17);
    let all = fresh.psql_file(ADMIN, &file, false);
    let stderr = String::from_utf8_lossy(&all.stderr);
    let errors = stderr.lines().filter(|l| l.contains("ERROR:")).count();
    eprintln!("{stderr}");
    assert!(
        errors >= 10,
        "expected the sed output to fail many statements, got {errors}:\n{stderr}"
    );
    assert!(
        stderr.contains("role \"postgres\" already exists"),
        "{stderr}"
    );
    assert!(
        stderr.contains("permission denied to grant privileges as role \"postgres\""),
        "{stderr}"
    );
    // Each failed ALTER ROLE leaves an application role without LOGIN and password.
    let app_api = fresh.rows(
        "SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'app_api'",
    );
    assert_eq!(app_api, vec!["f|f".to_owned()]);
    // And it silently deleted legitimate roles whose names contain a provider role's name.
    let survivors = fresh.rows("SELECT rolname FROM pg_roles WHERE rolname IN ('azure_pg_admin_ro', 'myazuresupport', 'replication_app')");
    assert!(survivors.len() < 3, "sed kept {survivors:?}");
}
