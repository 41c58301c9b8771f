//! Live: `pgparity plan` converges.
//!
//! Each case has a source database on PostgreSQL 13 and a target database whose differences
//! the plan must remove: `pgparity plan` writes the script, `psql -v ON_ERROR_STOP=1` applies
//! it as the target's administrator, and a diff afterwards finds nothing but what the script's
//! header listed as not fixable; the script then runs a second time, succeeds, and changes
//! nothing (the target's objects read the same before and after).
//!
//! The administrator is not a superuser: `CREATE ROLE admin LOGIN CREATEROLE CREATEDB`, member
//! (by `GRANT`, with the default INHERIT and SET) of the roles that own the objects
//! (`app_owner`, `"App User"`, `reader`, `"a""b"`, `"Ünïcode Rôle"`), owner of the target
//! database. That is what a managed service's administrator is, after a restore of the roles.
//! Objects only a superuser can make (an event trigger, a function in `internal`, a
//! publication `FOR ALL TABLES`) stay the bootstrap superuser's, and the plan says it cannot
//! touch them.
//!
//! Cases: the rich schema of `tests/plan_corpus/rich/` with each deliberate change of its
//! `changes.sql` (13 → 15 and 13 → 17), the schema pairs of `tests/plan_corpus/NN-*/`
//! (13 → 17), the pre-data / post-data pair around a real data load, the roles fixtures of
//! every profile through the globals phase, `--apply`, and the refusal of a target whose role
//! cannot create roles.

mod support;

use pgparity::catalog::Snapshot;
use pgparity::introspect::{read_snapshot, ConnSpec};
use pgparity::rules::RuleSet;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{client, object_findings, objects, pgparity, repo, Cluster};

const ADMIN: &str = "admin";
const OWNERS: &str = r#"app_owner, "App User", reader, "a""b", "Ünïcode Rôle""#;

fn corpus() -> PathBuf {
    repo().join("tests/plan_corpus")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The roles of the corpus, and on a target the administrator, member of them.
fn roles(cluster: &Cluster, target: bool) {
    cluster.execute(&read(&corpus().join("roles.sql")));
    if target {
        cluster.execute(&format!(
            "CREATE ROLE {ADMIN} LOGIN CREATEROLE CREATEDB; GRANT {OWNERS} TO {ADMIN};"
        ));
    }
}

/// A database the owners may create schemas in, owned by the administrator on a target.
fn create_database(cluster: &Cluster, db: &str, template: Option<&str>, target: bool) {
    let mut sql = format!("CREATE DATABASE {db}");
    if let Some(template) = template {
        sql.push_str(&format!(" TEMPLATE {template}"));
    }
    if target {
        sql.push_str(&format!(" OWNER {ADMIN}"));
    }
    cluster.execute(&sql);
    cluster.execute(&format!(
        "GRANT CREATE ON DATABASE {db} TO app_owner, \"App User\""
    ));
}

/// Runs SQL (a whole file's worth) as the superuser in `db`.
fn run_sql(cluster: &Cluster, db: &str, sql: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.sql");
    std::fs::write(&file, sql).unwrap();
    let output = psql(cluster, "postgres", db, &file);
    assert!(
        output.status.success(),
        "SQL failed in {db} on {}: {}",
        cluster.major,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn psql(cluster: &Cluster, user: &str, db: &str, file: &Path) -> Output {
    Command::new(client("psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(cluster.conninfo_in(user, db))
        .arg("-f")
        .arg(file)
        .output()
        .expect("psql runs")
}

fn snapshot(cluster: &Cluster, db: &str) -> Snapshot {
    let env = std::env::vars().collect();
    let spec = ConnSpec::parse(&cluster.conninfo_in("postgres", db), &env).unwrap();
    read_snapshot(&spec, &[]).unwrap()
}

/// Where the sequences of `db` stand (those that were used).
fn positions(cluster: &Cluster, db: &str) -> std::collections::BTreeMap<String, i64> {
    let env = std::env::vars().collect();
    let spec = ConnSpec::parse(&cluster.conninfo_in("postgres", db), &env).unwrap();
    pgparity::remediate::plan::read_positions(&spec).unwrap()
}

/// `pgparity snapshot` of `db` into a file, for use as a plan's source.
#[allow(dead_code)]
fn snapshot_file(cluster: &Cluster, db: &str, path: &Path) -> Snapshot {
    let output = pgparity()
        .args(["snapshot", &cluster.conninfo_in("postgres", db), "-o"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "snapshot: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&read(path)).unwrap()
}

type Key = (String, String, String);

/// What a diff still finds: objects of the two databases, their extensions, and roles.
fn remaining(source: &Snapshot, sdb: &str, target: &Snapshot, tdb: &str) -> BTreeSet<Key> {
    let mut found: BTreeSet<Key> = object_findings(source, sdb, target, tdb)
        .into_iter()
        .collect();
    let rules = RuleSet::load(None).unwrap();
    let policy = rules.policy("community").unwrap();
    for f in pgparity::diff::diff(source, target, &policy) {
        let kind = f.object.kind.to_string();
        let about_roles = ["role", "membership", "role-setting"].contains(&kind.as_str());
        if about_roles {
            found.insert((f.code.to_string(), kind, f.object.name));
        }
    }
    let extensions = |s: &Snapshot, db: &str| -> Vec<String> {
        s.databases[db]
            .contents
            .as_ref()
            .map(|c| c.extensions.keys().cloned().collect())
            .unwrap_or_default()
    };
    if extensions(source, sdb) != extensions(target, tdb) {
        found.insert((
            "extensions".to_owned(),
            "database".to_owned(),
            tdb.to_owned(),
        ));
    }
    found
}

/// A plan made and applied.
struct Planned {
    script: String,
    report: Value,
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Planned {
    /// What the header lists as not fixable (and the drops left out).
    fn listed(&self) -> BTreeSet<Key> {
        let mut listed = BTreeSet::new();
        let plan = &self.report["plan"];
        let mut add = |items: &Value| {
            for u in items.as_array().into_iter().flatten() {
                listed.insert((
                    u["code"].as_str().unwrap_or_default().to_owned(),
                    u["object"]["kind"].as_str().unwrap_or_default().to_owned(),
                    u["object"]["name"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        };
        add(&plan["unfixable"]);
        if plan["allow_drop"] != Value::Bool(true) {
            add(&plan["drops"]);
        }
        listed
    }
}

/// `pgparity plan SOURCE TARGET --profile community --allow-drop` with the target as the
/// administrator; panics unless it wrote a script.
fn plan(source: &str, target: &Cluster, db: &str, extra: &[&str]) -> Planned {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.sql");
    let report = dir.path().join("report.json");
    let output = pgparity()
        .args(["plan", source, &target.conninfo_in(ADMIN, db)])
        .args(["--profile", "community", "-o"])
        .arg(&path)
        .args(["--format", "json", "--report"])
        .arg(&report)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "plan failed ({:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    Planned {
        script: read(&path),
        report: serde_json::from_str(&read(&report)).unwrap(),
        _dir: dir,
        path,
    }
}

/// Plans, applies as the administrator, diffs, applies again: what went wrong, if anything.
fn converge(
    source_arg: &str,
    source_cluster: &Cluster,
    source: &Snapshot,
    sdb: &str,
    target: &Cluster,
    tdb: &str,
) -> Option<String> {
    let planned = plan(source_arg, target, tdb, &["--allow-drop"]);
    // For a look at the scripts: PGPARITY_PLAN_KEEP=DIR keeps each one there.
    if let Ok(dir) = std::env::var("PGPARITY_PLAN_KEEP") {
        let name = format!("{}-{tdb}.sql", target.major);
        std::fs::write(Path::new(&dir).join(name), &planned.script).unwrap();
    }
    let applied = psql(target, ADMIN, tdb, &planned.path);
    if !applied.status.success() {
        return Some(format!(
            "applying failed: {}\n{}",
            String::from_utf8_lossy(&applied.stderr),
            planned.script
        ));
    }
    let after = snapshot(target, tdb);
    // A dump holds no roles: a plan from one leaves them alone.
    let from_dump = Path::new(source_arg).exists();
    let left: BTreeSet<Key> = remaining(source, sdb, &after, tdb)
        .difference(&planned.listed())
        .filter(|(_, kind, _)| {
            !(from_dump && ["role", "membership", "role-setting"].contains(&kind.as_str()))
        })
        .cloned()
        .collect();
    if !left.is_empty() {
        return Some(format!(
            "left after the plan, not listed as unfixable: {left:?}\n{}",
            planned.script
        ));
    }
    let (want, have) = (positions(source_cluster, sdb), positions(target, tdb));
    for (sequence, value) in &want {
        if have.get(sequence).is_none_or(|v| v < value) {
            return Some(format!(
                "sequence {sequence} is at {:?} on the target, {value} on the source\n{}",
                have.get(sequence),
                planned.script
            ));
        }
    }
    let again = psql(target, ADMIN, tdb, &planned.path);
    if !again.status.success() {
        return Some(format!(
            "the second run failed: {}\n{}",
            String::from_utf8_lossy(&again.stderr),
            planned.script
        ));
    }
    let twice = snapshot(target, tdb);
    if objects(&after, tdb) != objects(&twice, tdb) {
        let a = serde_json::to_string_pretty(objects(&after, tdb)).unwrap();
        let b = serde_json::to_string_pretty(objects(&twice, tdb)).unwrap();
        let changed: Vec<String> = similar::TextDiff::from_lines(&a, &b)
            .unified_diff()
            .to_string()
            .lines()
            .take(40)
            .map(String::from)
            .collect();
        return Some(format!(
            "the second run changed the target:\n{}",
            changed.join("\n")
        ));
    }
    None
}

/// The changes of `changes.sql`: (what, SQL).
fn changes() -> Vec<(String, String)> {
    let text = read(&corpus().join("rich/changes.sql"));
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(what) = line.strip_prefix("-- change: ") {
            out.push((what.to_owned(), String::new()));
        } else if let Some((_, sql)) = out.last_mut() {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    out
}

/// `pg_dump -Fc` of `db` on `from`, restored by the superuser into a new `into` on `to`.
fn dump_restore(from: &Cluster, db: &str, to: &Cluster, into: &str) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("dump.fc");
    let dump = Command::new(client("pg_dump"))
        .args(["-Fc", "-d", &from.conninfo_in("postgres", db), "-f"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    create_database(to, into, None, true);
    let restore = Command::new(client("pg_restore"))
        .args(["--exit-on-error", "-d", &to.conninfo_in("postgres", into)])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        restore.status.success(),
        "pg_restore into {}: {}",
        to.major,
        String::from_utf8_lossy(&restore.stderr)
    );
}

fn rich_changes_converge(major: u32) {
    let source = Cluster::start(13);
    roles(&source, false);
    create_database(&source, "app", None, false);
    run_sql(&source, "app", &read(&corpus().join("rich/schema.sql")));
    // Live, not a snapshot file: the plan reads the source's sequence positions.
    let source_arg = source.conninfo_in("postgres", "app");
    let source_snapshot = snapshot(&source, "app");

    let target = Cluster::start(major);
    roles(&target, true);
    dump_restore(&source, "app", &target, "base");
    let changes = changes();
    assert!(changes.len() >= 48, "{} changes", changes.len());
    let only: Option<String> = std::env::var("PGPARITY_PLAN_CHANGE").ok();
    let mut failures = Vec::new();
    for (i, (what, sql)) in changes.iter().enumerate() {
        if only.as_ref().is_some_and(|o| !what.contains(o.as_str())) {
            continue;
        }
        let db = format!("c{i}");
        create_database(&target, &db, Some("base"), true);
        run_sql(&target, &db, sql);
        if let Some(why) = converge(&source_arg, &source, &source_snapshot, "app", &target, &db) {
            failures.push(format!("13 → {major}, change {i} ({what}): {why}"));
        }
        target.execute(&format!("DROP DATABASE {db}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn each_change_to_the_rich_schema_converges_from_13_to_15() {
    rich_changes_converge(15);
}

#[test]
fn each_change_to_the_rich_schema_converges_from_13_to_17() {
    rich_changes_converge(17);
}

/// The schema pairs of the corpus: `NN-name/source.sql` and `target.sql`, each run as
/// `app_owner` (a file may `RESET ROLE` for what needs the superuser).
fn corpus_pairs(folder: &Path) -> Vec<(String, String, String)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("source.sql").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                read(&d.join("source.sql")),
                read(&d.join("target.sql")),
            )
        })
        .collect()
}

#[test]
fn every_pair_of_the_corpus_converges_from_13_to_17() {
    let pairs = corpus_pairs(&corpus());
    assert!(pairs.len() >= 40, "{} pairs", pairs.len());
    pairs_converge(13, 17, &pairs);
}

/// Pairs of what 13 cannot express (SQL-standard bodies, publication column lists and row
/// filters, `security_invoker`, `NULLS NOT DISTINCT`, `MAINTAIN`).
#[test]
fn the_pairs_that_need_17_converge_from_17_to_17() {
    let pairs = corpus_pairs(&corpus().join("v17"));
    assert!(pairs.len() >= 4, "{} pairs", pairs.len());
    pairs_converge(17, 17, &pairs);
}

fn pairs_converge(from: u32, to: u32, pairs: &[(String, String, String)]) {
    let source = Cluster::start(from);
    roles(&source, false);
    let target = Cluster::start(to);
    roles(&target, true);
    let only: Option<String> = std::env::var("PGPARITY_PLAN_PAIR").ok();
    let mut failures = Vec::new();
    for (i, (name, source_sql, target_sql)) in pairs.iter().enumerate() {
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let db = format!("p{i}");
        create_database(&source, &db, None, false);
        run_sql(&source, &db, &format!("SET ROLE app_owner;\n{source_sql}"));
        create_database(&target, &db, None, true);
        run_sql(&target, &db, &format!("SET ROLE app_owner;\n{target_sql}"));
        let source_arg = source.conninfo_in("postgres", &db);
        let source_snapshot = snapshot(&source, &db);
        if let Some(why) = converge(&source_arg, &source, &source_snapshot, &db, &target, &db) {
            failures.push(format!("pair {name}: {why}"));
        }
        source.execute(&format!("DROP DATABASE {db}"));
        target.execute(&format!("DROP DATABASE {db}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Rows of a query in `db`, as `|`-separated lines, sorted.
fn rows_in(cluster: &Cluster, db: &str, sql: &str) -> Vec<String> {
    let output = Command::new(client("psql"))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(cluster.conninfo_in("postgres", db))
        .args(["-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut rows: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    rows.sort();
    rows
}

#[test]
fn pre_data_and_post_data_bracket_a_data_load_and_leave_the_source_s_keys_and_triggers() {
    let source = Cluster::start(13);
    roles(&source, false);
    create_database(&source, "app", None, false);
    run_sql(&source, "app", &read(&corpus().join("rich/schema.sql")));
    let target = Cluster::start(17);
    roles(&target, true);

    // The schema alone, restored by the superuser.
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.fc");
    let dump = Command::new(client("pg_dump"))
        .args([
            "-Fc",
            "-s",
            "-d",
            &source.conninfo_in("postgres", "app"),
            "-f",
        ])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    create_database(&target, "app", None, true);
    let restore = Command::new(client("pg_restore"))
        .args([
            "--exit-on-error",
            "-d",
            &target.conninfo_in("postgres", "app"),
        ])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    let source_arg = source.conninfo_in("postgres", "app");
    let keys_and_triggers = "SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || c.convalidated FROM pg_constraint c \
         WHERE c.contype = 'f' UNION ALL SELECT t.tgrelid::regclass || ' ' || t.tgname || ' ' || t.tgenabled::text \
         FROM pg_trigger t WHERE NOT t.tgisinternal";
    let before = rows_in(&target, "app", keys_and_triggers);
    assert!(before.iter().any(|r| r.contains("fkey")), "{before:?}");

    let pre = plan(&source_arg, &target, "app", &["--phase", "pre-data"]);
    assert!(
        pre.script.contains("DROP CONSTRAINT IF EXISTS"),
        "{}",
        pre.script
    );
    assert!(
        pre.script.contains("DISABLE TRIGGER touch_row"),
        "{}",
        pre.script
    );
    let applied = psql(&target, ADMIN, "app", &pre.path);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let during = rows_in(&target, "app", keys_and_triggers);
    assert!(!during.iter().any(|r| r.contains("fkey")), "{during:?}");
    assert!(
        !during.iter().any(|r| r.ends_with(" O")),
        "user triggers are disabled during the load: {during:?}"
    );

    // The rows, as COPY, in pg_dump's order (which foreign keys would not need now).
    let data = Command::new(client("pg_dump"))
        .args(["-a", "-d", &source.conninfo_in("postgres", "app")])
        .output()
        .unwrap();
    assert!(
        data.status.success(),
        "{}",
        String::from_utf8_lossy(&data.stderr)
    );
    let data_file = dir.path().join("data.sql");
    std::fs::write(&data_file, &data.stdout).unwrap();
    assert!(String::from_utf8_lossy(&data.stdout).contains("COPY shop.customers"));
    let loaded = psql(&target, "postgres", "app", &data_file);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    // A data-only dump does not refresh materialized views: the load does.
    run_sql(&target, "app", "REFRESH MATERIALIZED VIEW shop.counts");

    let post = plan(&source_arg, &target, "app", &["--phase", "post-data"]);
    assert!(post.script.contains("NOT VALID"), "{}", post.script);
    assert!(
        post.script.contains("VALIDATE CONSTRAINT"),
        "{}",
        post.script
    );
    for run in ["first", "second"] {
        let applied = psql(&target, ADMIN, "app", &post.path);
        assert!(
            applied.status.success(),
            "post-data, {run} run: {}",
            String::from_utf8_lossy(&applied.stderr)
        );
    }
    assert_eq!(rows_in(&target, "app", keys_and_triggers), before);
    // The rows are the source's: no trigger rewrote them on the way in.
    let rows = "SELECT id, code, name, created FROM shop.customers UNION ALL \
                SELECT id, customer_id::text, \"select\", NULL FROM \"Sales Data\".\"Order Items\"";
    assert_eq!(rows_in(&target, "app", rows), rows_in(&source, "app", rows));
    let found = remaining(
        &snapshot(&source, "app"),
        "app",
        &snapshot(&target, "app"),
        "app",
    );
    let objects: Vec<&Key> = found
        .iter()
        .filter(|(code, _, _)| code.starts_with("object."))
        .collect();
    assert_eq!(objects, Vec::<&Key>::new());
}

/// The administrator of a target shaped like `profile`: the profile's own roles exist, and
/// the administrator has the profile's attributes (a superuser for community).
fn profile_target(profile: &str) -> (Cluster, String) {
    let rules = RuleSet::load(None).unwrap();
    let p = rules.profile(profile).unwrap();
    let target = Cluster::start(17);
    for role in &p.target.existing_roles {
        if role != "postgres" {
            target.execute(&format!(
                "CREATE ROLE {}",
                pgparity::catalog::quote_ident(role)
            ));
        }
    }
    if p.target.superuser {
        return (target, "postgres".to_owned());
    }
    target.execute(&format!(
        "CREATE ROLE {ADMIN} LOGIN {}",
        p.target.attributes.join(" ")
    ));
    (target, ADMIN.to_owned())
}

#[test]
fn the_roles_fixtures_of_every_profile_converge_through_the_globals_phase() {
    let mut failures = Vec::new();
    for profile in [
        "azure-flexible",
        "azure-single",
        "aws-rds",
        "gcp-cloudsql",
        "community",
    ] {
        let source = Cluster::start(17);
        // pg_dumpall's script creates the bootstrap superuser too, which exists; and 16+ refuses
        // the GRANTED BY of a dump from 15 or older: those errors aside.
        let fixture = repo().join(format!("fixtures/roles/{profile}/passwords/roles.sql"));
        let output = Command::new(client("psql"))
            .args(["-X", "-q", "-d", &source.conninfo("postgres"), "-f"])
            .arg(&fixture)
            .output()
            .unwrap();
        let errors: Vec<String> = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(String::from)
            .collect();
        assert!(
            errors.iter().all(|e| e.contains("already exists")
                || e.contains("permission denied to grant privileges as role")),
            "{profile}: {errors:?}"
        );
        let (target, admin) = profile_target(profile);
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("globals.sql");
        let report = dir.path().join("report.json");
        let planned = pgparity()
            .args([
                "plan",
                &source.conninfo("postgres"),
                &target.conninfo(&admin),
            ])
            .args([
                "--profile",
                profile,
                "--phase",
                "globals",
                "--allow-drop",
                "-o",
            ])
            .arg(&script)
            .args(["--format", "json", "--report"])
            .arg(&report)
            .output()
            .unwrap();
        assert!(
            matches!(planned.status.code(), Some(0 | 1)),
            "{profile}: {}",
            String::from_utf8_lossy(&planned.stderr)
        );
        let planned = Planned {
            script: read(&script),
            report: serde_json::from_str(&read(&report)).unwrap(),
            path: script.clone(),
            _dir: dir,
        };
        for run in ["first", "second"] {
            let applied = psql(&target, &admin, "postgres", &planned.path);
            if !applied.status.success() {
                failures.push(format!(
                    "{profile}, {run} run: {}\n{}",
                    String::from_utf8_lossy(&applied.stderr),
                    planned.script
                ));
            }
        }
        let (s, t) = (snapshot(&source, "postgres"), snapshot(&target, "postgres"));
        let rules = RuleSet::load(None).unwrap();
        let policy = rules.policy(profile).unwrap();
        let left: BTreeSet<Key> = pgparity::diff::diff(&s, &t, &policy)
            .into_iter()
            .filter(|f| ["role", "membership", "role-setting"].contains(&f.object.kind.as_ref()))
            .map(|f| (f.code.to_string(), f.object.kind.to_string(), f.object.name))
            .filter(|k| !planned.listed().contains(k))
            .collect();
        if !left.is_empty() {
            failures.push(format!(
                "{profile}: left, not listed: {left:?}\n{}",
                planned.script
            ));
        }
        let created = planned.script.matches("CREATE ROLE").count();
        assert!(
            created >= 10,
            "{profile}: only {created} roles created\n{}",
            planned.script
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_target_whose_role_cannot_create_roles_is_refused_up_front() {
    let source = Cluster::start(15);
    roles(&source, false);
    let target = Cluster::start(15);
    target.execute("CREATE ROLE weak LOGIN");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("plan.sql");
    let output = pgparity()
        .args([
            "plan",
            &source.conninfo("postgres"),
            &target.conninfo("weak"),
        ])
        .args(["--profile", "azure-flexible", "-o"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("must create roles"), "{stderr}");
    assert!(stderr.contains("weak"), "{stderr}");
    assert!(
        stderr.contains("neither SUPERUSER nor CREATEROLE"),
        "{stderr}"
    );
    assert!(!script.exists(), "no script is written");
    // Without the globals phase there is nothing to refuse.
    let output = pgparity()
        .args([
            "plan",
            &source.conninfo("postgres"),
            &target.conninfo("weak"),
        ])
        .args(["--profile", "azure-flexible", "--phase", "schema", "-o"])
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn apply_runs_the_plan_in_transactions_and_stops_at_the_first_error() {
    let source = Cluster::start(13);
    roles(&source, false);
    let target = Cluster::start(15);
    roles(&target, true);
    create_database(&source, "app", None, false);
    run_sql(
        &source,
        "app",
        "SET ROLE app_owner; CREATE SCHEMA a; \
         CREATE TYPE a.state AS ENUM ('new', 'open', 'done'); \
         CREATE TABLE a.t (id int PRIMARY KEY, s a.state DEFAULT 'open', v int NOT NULL); \
         CREATE TABLE a.u (x int);",
    );
    // First: nothing in the way. The enum's new label commits on its own before the default
    // that uses it.
    create_database(&target, "ok", None, true);
    run_sql(
        &target,
        "ok",
        "SET ROLE app_owner; CREATE SCHEMA a; CREATE TYPE a.state AS ENUM ('new', 'done'); \
         CREATE TABLE a.t (id int PRIMARY KEY, s a.state DEFAULT 'new', v int);",
    );
    let before = snapshot(&target, "ok");
    let source_arg = source.conninfo_in("postgres", "app");
    let dry = plan(&source_arg, &target, "ok", &[]);
    assert!(dry.report["applied"].is_null());
    assert_eq!(
        objects(&snapshot(&target, "ok"), "ok"),
        objects(&before, "ok"),
        "without --apply nothing is written"
    );
    let output = pgparity()
        .args(["plan", &source_arg, &target.conninfo_in(ADMIN, "ok")])
        .args(["--profile", "community", "--apply", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let applied = report["applied"]["applied"].as_array().unwrap();
    assert!(applied.len() >= 4, "{report:#}");
    assert!(report["applied"]["failure"].is_null());
    assert!(report["applied"]["transactions"].as_u64().unwrap() >= 2);
    let found = remaining(
        &snapshot(&source, "app"),
        "app",
        &snapshot(&target, "ok"),
        "ok",
    );
    assert!(
        found
            .iter()
            .all(|(code, _, _)| !code.starts_with("object.")),
        "{found:?}"
    );

    // Then: a row breaks the NOT NULL the plan sets; the run stops there, and the table made
    // before it in the same transaction is rolled back with it.
    create_database(&target, "bad", None, true);
    run_sql(
        &target,
        "bad",
        "SET ROLE app_owner; CREATE SCHEMA a; CREATE TYPE a.state AS ENUM ('new', 'open', 'done'); \
         CREATE TABLE a.t (id int PRIMARY KEY, s a.state DEFAULT 'open', v int); \
         INSERT INTO a.t VALUES (1, 'new', NULL);",
    );
    let output = pgparity()
        .args(["plan", &source_arg, &target.conninfo_in(ADMIN, "bad")])
        .args(["--profile", "community", "--apply", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("object.changed column a.t.v"), "{stderr}");
    assert!(stderr.contains("contains null values"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failure = &report["applied"]["failure"];
    assert!(
        failure["statement"]
            .as_str()
            .unwrap()
            .contains("SET NOT NULL"),
        "{report:#}"
    );
    assert!(failure["rolled_back"].as_u64().unwrap() >= 1, "{report:#}");
    assert_eq!(
        rows_in(&target, "bad", "SELECT to_regclass('a.u') IS NULL"),
        ["t"],
        "the table made before the failing statement was rolled back"
    );
}

#[test]
fn extensions_and_parameters_come_in_order_with_commands_for_what_sql_cannot_do() {
    let options = support::ClusterOptions {
        settings: vec![
            (
                "shared_preload_libraries".to_owned(),
                "pg_stat_statements".to_owned(),
            ),
            ("work_mem".to_owned(), "8MB".to_owned()),
        ],
        ..Default::default()
    };
    let source = Cluster::start_with(13, &options);
    source.execute("CREATE DATABASE app");
    source.execute_in(
        "app",
        "CREATE EXTENSION earthdistance CASCADE; CREATE EXTENSION pg_stat_statements; \
         CREATE SCHEMA ext; CREATE EXTENSION citext WITH SCHEMA ext;",
    );
    let target = Cluster::start(15);
    target.execute("CREATE DATABASE app");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("plan.sql");
    let run = |profile: &str| -> String {
        let output = pgparity()
            .args(["plan", &source.conninfo_in("postgres", "app")])
            .arg(target.conninfo_in("postgres", "app"))
            .args([
                "--profile",
                profile,
                "--phase",
                "extensions",
                "--phase",
                "parameters",
            ])
            .arg("-o")
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{profile}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        read(&script)
    };

    let sql = run("azure-flexible");
    assert!(
        sql.contains("--   az postgres flexible-server parameter set")
            && sql.contains(
                "--name azure.extensions --value 'citext,cube,earthdistance,pg_stat_statements'"
            ),
        "{sql}"
    );
    assert!(sql.contains("--name work_mem --value '8MB'"), "{sql}");

    let sql = run("community");
    let at = |needle: &str| {
        sql.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in:\n{sql}"))
    };
    assert!(
        at("CREATE EXTENSION IF NOT EXISTS cube")
            < at("CREATE EXTENSION IF NOT EXISTS earthdistance")
    );
    assert!(
        at("CREATE SCHEMA IF NOT EXISTS ext;")
            < at("CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA ext")
    );
    assert!(sql.contains("--   ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';  # then restart the server"), "{sql}");
    assert!(sql.contains("ALTER SYSTEM SET work_mem = '8MB';"), "{sql}");
    let applied = psql(&target, "postgres", "app", &script);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(
        rows_in(
            &target,
            "app",
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'"
        ),
        ["citext", "cube", "earthdistance", "pg_stat_statements"]
    );
    assert_eq!(rows_in(&target, "app", "SHOW work_mem"), ["8MB"]);
    let again = psql(&target, "postgres", "app", &script);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// The whole rich schema made from nothing, with a custom archive of the source as SOURCE:
/// the administrator builds every object it may, and the header lists the rest.
#[test]
fn the_rich_schema_is_built_from_an_archive_into_an_empty_database() {
    let source = Cluster::start(13);
    roles(&source, false);
    create_database(&source, "app", None, false);
    run_sql(&source, "app", &read(&corpus().join("rich/schema.sql")));
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("app.dump");
    let dump = Command::new(client("pg_dump"))
        .args(["-Fc", "-d", &source.conninfo_in("postgres", "app"), "-f"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let target = Cluster::start(17);
    roles(&target, true);
    create_database(&target, "app", None, true);
    let source_snapshot = snapshot(&source, "app");
    let why = converge(
        archive.to_str().unwrap(),
        &source,
        &source_snapshot,
        "app",
        &target,
        "app",
    );
    assert!(why.is_none(), "{}", why.unwrap_or_default());
}
