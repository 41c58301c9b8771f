//! Live: `pgparity verify` after a real pg_dump / pg_restore from 13 and 15 into 17.
//!
//! A source of 24 tables (partitioned at two levels, unlogged, without a primary key, names
//! that need quoting, a materialized view) is dumped with `pg_dump -Fc` and restored with
//! `pg_restore`. Verify must pass; after rows are deleted from one target table, another is
//! truncated, a sequence is set back and an index invalidated, it must fail naming exactly
//! those objects with both counts; `--analyze` must leave no table without statistics; and a
//! target that stops during a run (or Ctrl-C) must give exit 2 and a report marked incomplete.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{client, pgparity, Cluster, ClusterOptions};

const SCHEMA_SQL: &str = r#"
CREATE SCHEMA app;
CREATE SCHEMA "Sales Data";
CREATE TABLE app.customers (id bigserial PRIMARY KEY, name text NOT NULL);
INSERT INTO app.customers (name) SELECT 'customer ' || g FROM generate_series(1, 500) g;
CREATE TABLE app.orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES app.customers,
    total numeric(12, 2) NOT NULL
);
INSERT INTO app.orders (customer_id, total) SELECT 1 + g % 500, g FROM generate_series(1, 3000) g;
CREATE INDEX orders_total_idx ON app.orders (total);
CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, kind text NOT NULL)
    PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (kind);
CREATE TABLE app."events_2025_Click" PARTITION OF app.events_2025 FOR VALUES IN ('click');
CREATE TABLE app.events_2025_other PARTITION OF app.events_2025 DEFAULT;
INSERT INTO app.events
    SELECT g, date '2024-01-01' + (g % 700), CASE WHEN g % 3 = 0 THEN 'click' ELSE 'view' END
    FROM generate_series(1, 7000) g;
CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY, v text);
INSERT INTO app.cache SELECT 'k' || g, 'v' FROM generate_series(1, 250) g;
CREATE TABLE app.audit_log (line text);
INSERT INTO app.audit_log SELECT 'line ' || g FROM generate_series(1, 1200) g;
CREATE TABLE "Sales Data"."Order Items" (id serial PRIMARY KEY, "Qty" int);
INSERT INTO "Sales Data"."Order Items" ("Qty") SELECT g FROM generate_series(1, 640) g;
CREATE TABLE app."a""b" (x int);
INSERT INTO app."a""b" SELECT generate_series(1, 7);
CREATE TABLE app."select" (x int);
CREATE TABLE app."naïve_tëst" (x int PRIMARY KEY);
INSERT INTO app."naïve_tëst" SELECT generate_series(1, 33);
CREATE TABLE app.parent_inh (id int, note text);
CREATE TABLE app.child_inh (extra int) INHERITS (app.parent_inh);
INSERT INTO app.parent_inh SELECT g, 'p' FROM generate_series(1, 10) g;
INSERT INTO app.child_inh SELECT g, 'c', g FROM generate_series(1, 20) g;
DO $$
BEGIN
    FOR i IN 1..10 LOOP
        EXECUTE format('CREATE TABLE app.t%s (id int PRIMARY KEY, v text)', i);
        EXECUTE format('INSERT INTO app.t%s SELECT g, md5(g::text) FROM generate_series(1, %s) g',
                       i, i * 111);
    END LOOP;
END $$;
CREATE MATERIALIZED VIEW app.customer_totals AS
    SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY customer_id;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
"#;

/// Tables (and materialized views) the schema above makes, with their rows.
fn expected_rows() -> BTreeMap<&'static str, u64> {
    let mut rows = BTreeMap::from([
        ("app.customers", 500),
        ("app.orders", 3000),
        ("app.events", 7000),
        // 2024 is a leap year: day offsets 0..=365 of the 700 fall in it, ten rows each.
        ("app.events_2024", 3660),
        ("app.events_2025", 3340),
        ("app.events_2025_Click", 1114),
        ("app.events_2025_other", 2226),
        ("app.cache", 250),
        ("app.audit_log", 1200),
        ("Sales Data.Order Items", 640),
        ("app.a\"b", 7),
        ("app.select", 0),
        ("app.naïve_tëst", 33),
        ("app.parent_inh", 10),
        ("app.child_inh", 20),
        ("app.customer_totals", 500),
    ]);
    for (i, name) in [
        "app.t1", "app.t2", "app.t3", "app.t4", "app.t5", "app.t6", "app.t7", "app.t8", "app.t9",
        "app.t10",
    ]
    .into_iter()
    .enumerate()
    {
        rows.insert(name, (i as u64 + 1) * 111);
    }
    rows
}

/// A source of `major` with the schema, restored into a fresh 17 with pg_dump -Fc / pg_restore.
/// The target runs without autovacuum, so "never analyzed" stays true until we analyze.
fn restored(major: u32) -> (Cluster, Cluster) {
    let source = Cluster::start(major);
    let target = Cluster::start_with(
        17,
        &ClusterOptions {
            settings: vec![("autovacuum".into(), "off".into())],
            ..ClusterOptions::default()
        },
    );
    source.execute("CREATE DATABASE shop");
    source.execute_in("shop", SCHEMA_SQL);
    // The source's own statistics are irrelevant to the target; analyze it so they exist.
    source.execute_in("shop", "ANALYZE");
    target.execute("CREATE DATABASE shop");
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("shop.dump");
    run_ok(
        Command::new(client("pg_dump"))
            .args(["-Fc", "-f"])
            .arg(&dump)
            .arg("-d")
            .arg(source.conninfo_in("postgres", "shop")),
    );
    run_ok(
        Command::new(client("pg_restore"))
            .args(["--exit-on-error", "-d"])
            .arg(target.conninfo_in("postgres", "shop"))
            .arg(&dump),
    );
    (source, target)
}

fn run_ok(command: &mut Command) {
    let output = command.output().expect("runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs verify with a JSON report; returns the exit code and the document.
fn verify(source: &Cluster, target: &Cluster, extra: &[&str]) -> (i32, Value) {
    let output = pgparity()
        .arg("verify")
        .arg(source.conninfo_in("postgres", "shop"))
        .arg(target.conninfo_in("postgres", "shop"))
        .args(["--jobs", "3", "--format", "json"])
        .args(extra)
        .output()
        .expect("pgparity runs");
    let code = output.status.code().expect("an exit code");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); exit {code}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, json)
}

fn tables(json: &Value) -> BTreeMap<String, (Value, Value, String)> {
    json["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            (
                format!(
                    "{}.{}",
                    t["schema"].as_str().unwrap(),
                    t["name"].as_str().unwrap()
                ),
                (
                    t["source_rows"].clone(),
                    t["target_rows"].clone(),
                    t["status"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

/// (code, object name) of the findings at `severity`.
fn findings_at(json: &Value, severity: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == severity)
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["object"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn finding<'a>(json: &'a Value, code: &str, name: &str) -> &'a Value {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code && f["object"]["name"] == name)
        .unwrap_or_else(|| panic!("no {code} finding for {name}"))
}

fn restore_verify_break_and_analyze(major: u32) {
    let (source, target) = restored(major);

    // 1. Right after the restore: every table equal, nothing at error, but no statistics.
    let (code, json) = verify(&source, &target, &[]);
    assert_eq!(code, 0, "a faithful restore passes: {json:#}");
    assert_eq!(json["complete"], true);
    assert_eq!(json["rows"], "exact");
    let expected = expected_rows();
    let got = tables(&json);
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        expected.keys().copied().collect::<Vec<_>>(),
        "every table, partition, partitioned parent and materialized view, once"
    );
    for (name, rows) in &expected {
        assert_eq!(
            got[*name],
            (Value::from(*rows), Value::from(*rows), "equal".to_owned()),
            "{name}"
        );
    }
    assert_eq!(findings_at(&json, "error"), vec![]);
    let never: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "table.never-analyzed")
        .map(|f| f["object"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        never.contains(&"app.orders".to_owned()) && never.len() >= 20,
        "pg_restore leaves the tables without statistics: {never:?}"
    );

    // 2. Break the target in four ways.
    target.execute_in(
        "shop",
        r#"DELETE FROM app.orders WHERE id <= 25;
           TRUNCATE "Sales Data"."Order Items";
           SELECT setval('app.customers_id_seq', 10);
           UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'app.orders_total_idx'::regclass;"#,
    );
    let (code, json) = verify(&source, &target, &[]);
    assert_eq!(code, 1, "a broken restore fails: {json:#}");
    assert_eq!(
        findings_at(&json, "error"),
        vec![
            (
                "index.invalid".to_owned(),
                "app.orders_total_idx".to_owned()
            ),
            (
                "rows.differ".to_owned(),
                "Sales Data.Order Items".to_owned()
            ),
            ("rows.differ".to_owned(), "app.orders".to_owned()),
            (
                "sequence.behind".to_owned(),
                "app.customers_id_seq".to_owned()
            ),
        ],
        "exactly the four objects broken"
    );
    let orders = finding(&json, "rows.differ", "app.orders");
    assert_eq!(
        (&orders["source"], &orders["target"]),
        (&Value::from("3000"), &Value::from("2975"))
    );
    assert!(
        orders["message"]
            .as_str()
            .unwrap()
            .contains("3000 rows on the source and 2975 on the target"),
        "{orders}"
    );
    let items = finding(&json, "rows.differ", "Sales Data.Order Items");
    assert_eq!(
        (&items["source"], &items["target"]),
        (&Value::from("640"), &Value::from("0"))
    );
    let seq = finding(&json, "sequence.behind", "app.customers_id_seq");
    assert_eq!(
        (&seq["source"], &seq["target"]),
        (&Value::from("500"), &Value::from("10"))
    );
    assert_eq!(
        seq["fix"],
        "SELECT pg_catalog.setval('app.customers_id_seq', 500, true);"
    );
    let got = tables(&json);
    assert_eq!(
        got["app.orders"],
        (Value::from(3000), Value::from(2975), "differs".to_owned())
    );
    assert_eq!(got["app.customers"].2, "equal");

    // 3. --analyze writes statistics for every table that had none, and says so.
    let (code, json) = verify(&source, &target, &["--analyze"]);
    assert_eq!(code, 1, "the four breaks remain");
    let analyzed = json["written"]["analyzed"].as_array().unwrap();
    assert_eq!(analyzed.len(), never.len(), "{json:#}");
    assert!(analyzed.contains(&Value::from("app.orders")));
    assert!(json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["analyzed"] == true || t["kind"] == "partitioned table"));
    let (_, json) = verify(&source, &target, &[]);
    assert!(
        !json.to_string().contains("table.never-analyzed"),
        "statistics exist after --analyze: {json:#}"
    );
}

#[test]
fn restore_from_13_into_17_verifies_breaks_and_analyzes() {
    restore_verify_break_and_analyze(13);
}

#[test]
fn restore_from_15_into_17_verifies_breaks_and_analyzes() {
    restore_verify_break_and_analyze(15);
}

/// A count that takes seconds: a non-superuser's reads of `app.slow` go through a row-level
/// security policy that sleeps per row.
fn slow_target(target: &Cluster) -> String {
    target.execute_in(
        "shop",
        "CREATE TABLE app.slow (id int); INSERT INTO app.slow SELECT generate_series(1, 200);
         ALTER TABLE app.slow ENABLE ROW LEVEL SECURITY;
         CREATE POLICY sleepy ON app.slow USING (pg_sleep(0.05) IS NOT NULL);
         CREATE ROLE checker LOGIN;
         GRANT USAGE ON SCHEMA app, \"Sales Data\" TO checker;
         GRANT SELECT ON ALL TABLES IN SCHEMA app, \"Sales Data\" TO checker;
         GRANT SELECT ON ALL SEQUENCES IN SCHEMA app, \"Sales Data\" TO checker;",
    );
    target.conninfo_in("checker", "shop")
}

/// Starts verify in the background and waits until it is counting `app.slow` on the target.
fn start_slow_verify(
    source: &Cluster,
    target: &Cluster,
    conninfo: &str,
    report: &Path,
) -> std::process::Child {
    let child = pgparity()
        .arg("verify")
        .arg(source.conninfo_in("postgres", "shop"))
        .arg(conninfo)
        .args(["--jobs", "2", "--format", "json", "--report"])
        .arg(report)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pgparity starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let busy = target.rows(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%count(*) FROM ONLY app.slow%' \
             AND state = 'active' AND usename = 'checker'",
        );
        if busy == vec!["1".to_owned()] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "verify never started counting app.slow"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn assert_incomplete(child: std::process::Child, report: &Path, why: &str) {
    let output = child.wait_with_output().expect("pgparity ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("verification incomplete"), "{stderr}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(report).expect("the report is written")).unwrap();
    assert_eq!(json["complete"], false, "{json:#}");
    assert!(
        json["incomplete_reason"].as_str().unwrap().contains(why),
        "{json:#}"
    );
    let slow = tables(&json)["app.slow"].clone();
    assert_eq!(slow.2, "extra", "only on the target: {json:#}");
    assert!(
        findings_at(&json, "error")
            .iter()
            .any(|(code, _)| code == "verify.incomplete"),
        "an incomplete run never passes: {json:#}"
    );
}

#[test]
fn a_target_that_stops_or_ctrl_c_gives_exit_2_and_an_incomplete_report() {
    let (source, target) = restored(15);
    let conninfo = slow_target(&target);
    let dir = tempfile::tempdir().unwrap();

    let report = dir.path().join("interrupted.json");
    let child = start_slow_verify(&source, &target, &conninfo, &report);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_incomplete(child, &report, "interrupted");
    // The count was cancelled on the server, not left running.
    let deadline = Instant::now() + Duration::from_secs(5);
    while target.rows("SELECT count(*) FROM pg_stat_activity WHERE usename = 'checker'")
        != vec!["0".to_owned()]
    {
        assert!(
            Instant::now() < deadline,
            "the slow count still runs on the target"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let report = dir.path().join("stopped.json");
    let child = start_slow_verify(&source, &target, &conninfo, &report);
    target.stop();
    assert_incomplete(child, &report, "terminating connection");
}
