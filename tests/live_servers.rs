//! Live: `snapshot`, `diff` and `check` between real servers of different majors. A PostgreSQL
//! 13 source with settings, extensions, roles and databases that a migration must carry, read
//! against PostgreSQL 15 and 17 targets that lack some of them, and against itself.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{pgparity, Cluster};

/// Statements run one by one (ALTER SYSTEM and CREATE DATABASE refuse transaction blocks).
fn run_all(cluster: &Cluster, statements: &[&str]) {
    for sql in statements {
        cluster.execute(sql);
    }
}

fn shape_source(source: &Cluster) {
    run_all(
        source,
        &[
            r#"CREATE ROLE "App User" LOGIN PASSWORD 'app-secret-1' CONNECTION LIMIT 5 VALID UNTIL '2030-01-01 00:00:00+00'"#,
            r#"CREATE ROLE "a""b" NOLOGIN"#,
            r#"GRANT "App User" TO "a""b" WITH ADMIN OPTION"#,
            r#"ALTER ROLE "App User" SET work_mem = '8MB'"#,
            r#"CREATE ROLE "select" LOGIN"#,
            r#"CREATE DATABASE "App DB" OWNER "App User""#,
            "CREATE DATABASE reports",
            "ALTER SYSTEM SET work_mem = '16MB'",
            "ALTER SYSTEM SET vacuum_defer_cleanup_age = 100",
            "SELECT pg_reload_conf()",
        ],
    );
    for sql in [
        "CREATE EXTENSION adminpack",
        "CREATE EXTENSION pg_trgm",
        "CREATE EXTENSION hstore",
        "CREATE EXTENSION pg_stat_statements",
        "CREATE TABLE public.audit_log (at timestamptz, note text)",
        "CREATE UNLOGGED TABLE public.scratch (id int PRIMARY KEY)",
    ] {
        source.execute_in("App DB", sql);
    }
}

fn shape_target(target: &Cluster) {
    run_all(
        target,
        &[
            r#"CREATE ROLE "App User" LOGIN CONNECTION LIMIT 10"#,
            r#"CREATE DATABASE "App DB""#,
        ],
    );
}

/// Runs pgparity with `args` and `--format json`; returns the exit code and the document.
fn json_report(args: &[&str]) -> (i32, Value) {
    let output = pgparity()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("pgparity runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "pgparity {args:?} exited {code}: {stderr}"
    );
    let doc: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("JSON report: {e}\n{stderr}"));
    (code, doc)
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings array")
}

/// The one finding with this code about this object; panics listing what there is.
fn finding<'a>(doc: &'a Value, code: &str, name: &str) -> &'a Value {
    let all = findings(doc);
    let hits: Vec<&Value> = all
        .iter()
        .filter(|f| f["code"] == code && f["object"]["name"] == name)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one {code} about {name}; findings:\n{}",
        all.iter()
            .map(|f| format!("{} {} {}", f["code"], f["object"]["name"], f["message"]))
            .collect::<Vec<_>>()
            .join("\n")
    );
    hits[0]
}

fn has(doc: &Value, code: &str, name: &str) -> bool {
    findings(doc)
        .iter()
        .any(|f| f["code"] == code && f["object"]["name"] == name)
}

#[test]
fn thirteen_diffed_against_seventeen_fifteen_itself_and_its_snapshot() {
    let source = Cluster::start(13);
    let target17 = Cluster::start(17);
    let target15 = Cluster::start(15);
    shape_source(&source);
    shape_target(&target17);
    shape_target(&target15);
    let src = source.conninfo("postgres");

    let (code, doc) = json_report(&["diff", &src, &target17.conninfo("postgres")]);
    assert_eq!(code, 1, "adminpack cannot be installed on 17: an error");
    assert_eq!(doc["source_version"].as_str().unwrap()[..3], *"13.");
    assert_eq!(doc["target_version"].as_str().unwrap()[..3], *"17.");

    let work_mem = finding(&doc, "setting.differs", "work_mem");
    assert_eq!(work_mem["source"], "16MB");
    assert_eq!(work_mem["target"], "4MB");
    assert_eq!(work_mem["fix"], "ALTER SYSTEM SET work_mem = '16MB';");
    let removed = finding(&doc, "setting.removed", "vacuum_defer_cleanup_age");
    assert_eq!(removed["severity"], "warning", "the source sets it");
    let precedence = finding(&doc, "setting.removed", "operator_precedence_warning");
    assert_eq!(
        precedence["severity"], "info",
        "the source leaves it at its default"
    );

    let adminpack = finding(&doc, "extension.unavailable", "adminpack");
    assert_eq!(adminpack["severity"], "error");
    assert!(adminpack["message"].as_str().unwrap().contains("App DB"));
    // The source itself does not preload pg_stat_statements: not a difference (check says it).
    assert!(!has(&doc, "extension.needs-preload", "pg_stat_statements"));
    assert!(!has(&doc, "extension.unavailable", "pg_trgm"));
    assert!(!has(&doc, "extension.needs-preload", "hstore"));

    let app_user = finding(&doc, "role.differs", "App User");
    let message = app_user["message"].as_str().unwrap();
    assert!(message.contains("connection limit 5 → 10"), "{message}");
    assert!(
        message.contains("valid until 2030-01-01 00:00:00+00 → never"),
        "{message}"
    );
    assert!(message.contains("password set yes → no"), "{message}");
    assert_eq!(
        app_user["fix"],
        r#"ALTER ROLE "App User" WITH CONNECTION LIMIT 5 VALID UNTIL '2030-01-01 00:00:00+00';"#
    );
    assert_eq!(
        finding(&doc, "role.missing", "a\"b")["fix"],
        r#"CREATE ROLE "a""b" WITH NOINHERIT;"#.replace(" WITH NOINHERIT", "")
    );
    assert_eq!(
        finding(&doc, "role.missing", "select")["fix"],
        r#"CREATE ROLE "select" WITH LOGIN;"#
    );
    assert_eq!(
        finding(&doc, "membership.missing", "App User -> a\"b")["fix"],
        r#"GRANT "App User" TO "a""b" WITH ADMIN OPTION;"#
    );
    assert_eq!(
        finding(&doc, "role-setting.differs", "App User.work_mem")["fix"],
        r#"ALTER ROLE "App User" SET work_mem TO '8MB';"#
    );
    assert!(finding(&doc, "database.missing", "reports")["fix"]
        .as_str()
        .unwrap()
        .starts_with(
            "CREATE DATABASE reports WITH OWNER postgres TEMPLATE template0 ENCODING 'UTF8'"
        ));
    let app_db = finding(&doc, "database.differs", "App DB");
    assert!(app_db["message"]
        .as_str()
        .unwrap()
        .contains("owner App User → postgres"));
    assert_eq!(
        app_db["fix"],
        r#"ALTER DATABASE "App DB" OWNER TO "App User";"#
    );
    // Never a password, and never a hash, in the report.
    assert!(!doc.to_string().contains("app-secret-1"));
    assert!(!doc.to_string().contains("SCRAM-SHA-256$"));
    // 13 hashes new passwords with md5 by default, 17 with SCRAM: a default that changed.
    let encryption = finding(&doc, "setting.default-changed", "password_encryption");
    assert_eq!(
        (
            &encryption["source"],
            &encryption["target"],
            &encryption["severity"]
        ),
        (
            &Value::from("md5"),
            &Value::from("scram-sha-256"),
            &Value::from("info")
        )
    );

    // 15 still has adminpack and vacuum_defer_cleanup_age; the roles and databases differ alike.
    let (_, doc15) = json_report(&["diff", &src, &target15.conninfo("postgres")]);
    assert!(!has(&doc15, "extension.unavailable", "adminpack"));
    assert!(!has(&doc15, "setting.removed", "vacuum_defer_cleanup_age"));
    assert!(has(
        &doc15,
        "setting.removed",
        "operator_precedence_warning"
    ));
    assert!(has(&doc15, "role.missing", "select"));
    assert!(has(&doc15, "membership.missing", "App User -> a\"b"));

    // The source against itself, and against its own snapshot: nothing.
    let (code, same) = json_report(&["diff", &src, &src]);
    assert_eq!((code, findings(&same).len()), (0, 0), "{same:#}");
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("source.json");
    let status = pgparity()
        .args(["snapshot", &src, "-o", snap.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, saved) = json_report(&["diff", snap.to_str().unwrap(), &src]);
    assert_eq!((code, findings(&saved).len()), (0, 0), "{saved:#}");
    let (code, saved) = json_report(&["diff", &src, snap.to_str().unwrap()]);
    assert_eq!((code, findings(&saved).len()), (0, 0), "{saved:#}");
    assert_snapshot_has_no_secrets(&snap);
}

fn assert_snapshot_has_no_secrets(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(!text.contains("app-secret-1"));
    assert!(!text.contains("SCRAM-SHA-256$"));
    assert!(!regex::Regex::new("md5[0-9a-f]{32}")
        .unwrap()
        .is_match(&text));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["pgparity_snapshot"], 1);
    assert_eq!(
        doc["roles"]["roles"]["App User"]["password"], "md5",
        "the kind of password (13 hashes with md5 by default), never the hash"
    );
    let app_db = &doc["databases"]["App DB"]["contents"];
    assert_eq!(app_db["extensions"]["hstore"]["schema"], "public");
    assert_eq!(app_db["tables_without_primary_key"][0], "public.audit_log");
    assert_eq!(app_db["unlogged_tables"][0], "public.scratch");
}

#[test]
fn an_azure_shaped_seventeen_target_lacks_allow_listed_and_preloaded_extensions() {
    let source = Cluster::start(13);
    let target = Cluster::start(17);
    shape_source(&source);
    shape_target(&target);
    // As Azure keeps it: a placeholder parameter in the server's configuration.
    target.configure("azure.extensions = 'pg_trgm'");
    let (code, doc) = json_report(&[
        "check",
        &source.conninfo("postgres"),
        &target.conninfo("postgres"),
        "--profile",
        "azure-flexible",
    ]);
    assert_eq!(code, 1);
    let hstore = finding(&doc, "extension.not-allowlisted", "hstore");
    assert_eq!(hstore["severity"], "error");
    assert!(hstore["message"]
        .as_str()
        .unwrap()
        .contains("(now: pg_trgm)"));
    let fix = hstore["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("az postgres flexible-server parameter set --resource-group <resource-group> --server-name <server> --name azure.extensions --value 'pg_trgm,"),
        "{fix}"
    );
    for name in ["hstore", "pg_stat_statements"] {
        assert!(fix.contains(name), "the fix lists {name}: {fix}");
    }
    // Azure would refuse a value naming an extension the server does not have.
    assert!(!fix.contains("adminpack"), "{fix}");
    assert!(has(&doc, "extension.unavailable", "adminpack"));
    assert!(!has(&doc, "extension.not-allowlisted", "pg_trgm"));
    let pgss = finding(&doc, "extension.needs-preload", "pg_stat_statements");
    assert!(pgss["fix"]
        .as_str()
        .unwrap()
        .contains("--name shared_preload_libraries --value 'pg_stat_statements'"));
    // Readiness beyond the diff.
    assert_eq!(
        finding(&doc, "server.dump-client", "clients")["severity"],
        "info"
    );
    assert!(has(&doc, "table.no-primary-key", "App DB.public.audit_log"));
    assert!(has(&doc, "table.unlogged", "App DB.public.scratch"));
    assert!(has(&doc, "database.not-migrated", "template1"));
    // The profile's own roles and databases are never missing.
    assert!(!findings(&doc)
        .iter()
        .any(|f| f["object"]["name"] == "azure_pg_admin"));

    // Without the target, the profile stands in: every extension must be allow-listed.
    let (_, alone) = json_report(&[
        "check",
        &source.conninfo("postgres"),
        "--profile",
        "azure-flexible",
    ]);
    assert!(has(&alone, "extension.not-allowlisted", "pg_trgm"));
    assert!(has(&alone, "extension.needs-preload", "pg_stat_statements"));
    assert!(
        !has(&alone, "extension.unavailable", "adminpack"),
        "unknown without a target"
    );
}

#[test]
fn a_server_that_is_not_there_is_exit_2_without_the_password() {
    let output = pgparity()
        .args([
            "diff",
            "host=127.0.0.1 port=1 user=u password=s3cr3t-pw dbname=x connect_timeout=2",
            "host=127.0.0.1 port=1 user=u dbname=x",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot connect to u@127.0.0.1:1/x"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");
    assert!(output.stdout.is_empty());
}
