//! Test support: throwaway PostgreSQL clusters started with initdb + pg_ctl on a free port and a
//! temporary socket directory, as the `postgres` OS user when the tests run as root, stopped and
//! removed when the value is dropped (also when a test panics).
//!
//! Server binaries for a major are looked up in `PGPARITY_PG_BIN_<MAJOR>`, then in the cache
//! `scripts/fetch-postgres.sh` fills (`${PGPARITY_PG_CACHE:-/var/tmp/pgparity-pg}/server/<MAJOR>/bin`),
//! then in `/usr/lib/postgresql/<MAJOR>/bin`.

#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The OS user that runs servers when the tests run as root.
const SERVER_USER: &str = "postgres";

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Where the server binaries of `major` are, or a panic that says how to get them.
pub fn server_bin(major: u32) -> PathBuf {
    let mut tried = Vec::new();
    if let Ok(dir) = std::env::var(format!("PGPARITY_PG_BIN_{major}")) {
        tried.push(PathBuf::from(dir));
    }
    let cache =
        std::env::var("PGPARITY_PG_CACHE").unwrap_or_else(|_| "/var/tmp/pgparity-pg".to_owned());
    tried.push(
        Path::new(&cache)
            .join("server")
            .join(major.to_string())
            .join("bin"),
    );
    tried.push(PathBuf::from(format!("/usr/lib/postgresql/{major}/bin")));
    for dir in &tried {
        if dir.join("initdb").is_file()
            && dir.join("pg_ctl").is_file()
            && dir.join("postgres").is_file()
        {
            return dir.clone();
        }
    }
    panic!(
        "PostgreSQL {major} server binaries not found (looked in {}). Run `scripts/fetch-postgres.sh {major}` \
         (or `scripts/test.sh`, which fetches 13 and 17 and installs 15), or set PGPARITY_PG_BIN_{major}.",
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    );
}

/// A client tool (psql, pg_dumpall) of the system's PostgreSQL; panics with advice when missing.
pub fn client(tool: &str) -> PathBuf {
    for dir in ["/usr/lib/postgresql/15/bin", "/usr/bin"] {
        let path = Path::new(dir).join(tool);
        if path.is_file() {
            return path;
        }
    }
    panic!("{tool} not found: install the PostgreSQL 15 client (apt-get install postgresql-client-15), or run scripts/test.sh");
}

fn chown_to_server_user(path: &Path, recursive: bool) {
    let mut cmd = Command::new("chown");
    if recursive {
        cmd.arg("-R");
    }
    let status = cmd
        .arg(format!("{SERVER_USER}:"))
        .arg(path)
        .status()
        .expect("chown");
    assert!(
        status.success(),
        "chown of {} to {SERVER_USER} failed",
        path.display()
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running throwaway cluster.
pub struct Cluster {
    /// Its major version.
    pub major: u32,
    /// Its TCP port (on 127.0.0.1), also in the socket file's name.
    pub port: u16,
    /// The directory of its Unix socket.
    pub socket_dir: PathBuf,
    root: PathBuf,
    bin: PathBuf,
}

/// What a cluster needs beyond the defaults of [`Cluster::start`].
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// Server settings, passed as `-c name=value` (for example `("ssl", "on")`).
    pub settings: Vec<(String, String)>,
    /// Files written into the data directory before the server starts, owned by the server's
    /// user with mode 0600 (a TLS key must be): `(file name, contents)`.
    pub files: Vec<(String, Vec<u8>)>,
    /// The whole of `pg_hba.conf`, replacing initdb's (which trusts everyone); `None` keeps it.
    pub hba: Option<String>,
}

impl Cluster {
    /// Starts a fresh cluster of `major` whose bootstrap superuser is `postgres`.
    pub fn start(major: u32) -> Cluster {
        Cluster::start_with(major, &ClusterOptions::default())
    }

    /// Starts a fresh cluster of `major` with extra settings, files and authentication rules.
    pub fn start_with(major: u32, options: &ClusterOptions) -> Cluster {
        let bin = server_bin(major);
        let root = tempfile::Builder::new()
            .prefix(&format!("pgparity-pg{major}-"))
            .tempdir_in(std::env::temp_dir())
            .expect("a temporary directory")
            .keep();
        let socket_dir = root.join("sock");
        std::fs::create_dir(&socket_dir).expect("socket dir");
        if running_as_root() {
            chown_to_server_user(&root, true);
        }
        let port = free_port();
        let cluster = Cluster {
            major,
            port,
            socket_dir,
            root,
            bin,
        };
        let data = cluster.data_dir();
        cluster.run_server_tool(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "-N",
            ],
        );
        let mut files = options.files.clone();
        if let Some(hba) = &options.hba {
            files.push(("pg_hba.conf".to_owned(), hba.clone().into_bytes()));
        }
        for (name, contents) in &files {
            cluster.write_server_file(name, contents);
        }
        let mut server_options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            cluster.socket_dir.display()
        );
        for (name, value) in &options.settings {
            server_options.push_str(&format!(" -c {name}={value}"));
        }
        let log = cluster.root.join("server.log");
        cluster.run_server_tool(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &server_options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        cluster
    }

    /// Writes a file into the data directory, mode 0600, owned by the server's user.
    fn write_server_file(&self, name: &str, contents: &[u8]) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.data_dir().join(name);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .expect("chmod 0600");
        if running_as_root() {
            chown_to_server_user(&path, false);
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn run_server_tool(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let output = if running_as_root() {
            Command::new("runuser")
                .args(["-u", SERVER_USER, "--"])
                .arg(&program)
                .args(args)
                .current_dir(&self.root)
                .output()
        } else {
            Command::new(&program)
                .args(args)
                .current_dir(&self.root)
                .output()
        }
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        if !output.status.success() {
            let log = std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default();
            panic!(
                "{tool} failed for PostgreSQL {}: {}\n{}\n{log}",
                self.major,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    /// A libpq `key=value` connection string for `user` on database `postgres`.
    pub fn conninfo(&self, user: &str) -> String {
        format!(
            "host={} port={} user={user} dbname=postgres",
            self.socket_dir.display(),
            self.port
        )
    }

    /// A libpq `key=value` connection string for `user` on database `db`.
    pub fn conninfo_in(&self, user: &str, db: &str) -> String {
        format!(
            "host={} port={} user={user} dbname='{}'",
            self.socket_dir.display(),
            self.port,
            db.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }

    /// Stops the server now (`pg_ctl stop -m fast`: sessions are terminated); the cluster is
    /// still removed when dropped.
    pub fn stop(&self) {
        let data = self.data_dir();
        let program = self.bin.join("pg_ctl");
        let args = [
            "-D",
            data.to_str().unwrap_or(""),
            "-m",
            "fast",
            "-w",
            "stop",
        ];
        let status = if running_as_root() {
            Command::new("runuser")
                .args(["-u", SERVER_USER, "--"])
                .arg(&program)
                .args(args)
                .current_dir("/")
                .status()
        } else {
            Command::new(&program).args(args).status()
        };
        assert!(status.is_ok_and(|s| s.success()), "pg_ctl stop failed");
    }

    /// Runs SQL through psql as `user`, stopping at the first error; returns the output.
    pub fn psql_as(&self, user: &str, sql: &str) -> Output {
        Command::new(client("psql"))
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.conninfo(user),
                "-c",
                sql,
            ])
            .output()
            .expect("psql runs")
    }

    /// Appends lines to postgresql.conf and reloads the configuration.
    pub fn configure(&self, lines: &str) {
        use std::io::Write as _;
        let path = self.data_dir().join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        writeln!(file, "{lines}").expect("postgresql.conf is writable");
        self.execute("SELECT pg_reload_conf()");
    }

    /// Runs SQL as the superuser in database `db`; panics on error.
    pub fn execute_in(&self, db: &str, sql: &str) {
        let conninfo = self.conninfo_in("postgres", db);
        let output = Command::new(client("psql"))
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &conninfo,
                "-c",
                sql,
            ])
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "SQL failed in {db} on PostgreSQL {}: {}\n{sql}",
            self.major,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs SQL as the superuser; panics on error.
    pub fn execute(&self, sql: &str) {
        let output = self.psql_as("postgres", sql);
        assert!(
            output.status.success(),
            "SQL failed on PostgreSQL {}: {}\n{sql}",
            self.major,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs a SQL file (psql meta-commands allowed) as the superuser; panics on error.
    pub fn execute_file(&self, file: &Path) {
        let output = self.psql_file("postgres", file, true);
        assert!(
            output.status.success(),
            "{} failed on PostgreSQL {}: {}",
            file.display(),
            self.major,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs a query as the superuser; returns its rows as `|`-separated text lines, sorted.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let output = Command::new(client("psql"))
            .args([
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.conninfo("postgres"),
                "-c",
                sql,
            ])
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "query failed on PostgreSQL {}: {}\n{sql}",
            self.major,
            String::from_utf8_lossy(&output.stderr)
        );
        let mut rows: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        rows.sort();
        rows
    }

    /// Applies a SQL file with `psql -v ON_ERROR_STOP=1 -f` as `user`.
    pub fn psql_file(&self, user: &str, file: &Path, stop_on_error: bool) -> Output {
        let mut cmd = Command::new(client("psql"));
        cmd.args([
            "-X",
            "-q",
            "-d",
            &self.conninfo(user),
            "-f",
            file.to_str().unwrap(),
        ]);
        if stop_on_error {
            cmd.args(["-v", "ON_ERROR_STOP=1"]);
        }
        cmd.output().expect("psql runs")
    }

    /// `pg_dumpall` (the system's) with extra arguments; returns its stdout.
    pub fn dumpall(&self, args: &[&str]) -> String {
        let output = Command::new(client("pg_dumpall"))
            .args(["-d", &self.conninfo("postgres")])
            .args(args)
            .output()
            .expect("pg_dumpall runs");
        assert!(
            output.status.success(),
            "pg_dumpall failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 dump")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let program = self.bin.join("pg_ctl");
        let args = [
            "-D",
            data.to_str().unwrap_or(""),
            "-m",
            "immediate",
            "-w",
            "stop",
        ];
        let _ = if running_as_root() {
            Command::new("runuser")
                .args(["-u", SERVER_USER, "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The built `pgparity` binary.
pub fn pgparity() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pgparity"))
}

/// The repository root (for fixtures).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema objects of database `db` in a snapshot (read with its objects, or a panic).
pub fn objects<'s>(
    snapshot: &'s pgparity::catalog::Snapshot,
    db: &str,
) -> &'s pgparity::catalog::Objects {
    snapshot.databases[db]
        .contents
        .as_ref()
        .and_then(|c| c.objects.as_ref())
        .unwrap_or_else(|| panic!("database {db} was read with its objects"))
}

/// The object findings between a database of `source` and one of `target` under the community
/// profile: (code, kind, name), sorted.
pub fn object_findings(
    source: &pgparity::catalog::Snapshot,
    source_db: &str,
    target: &pgparity::catalog::Snapshot,
    target_db: &str,
) -> Vec<(String, String, String)> {
    use pgparity::diff::{diff_objects, Findings, Versions};
    let rules = pgparity::rules::RuleSet::load(None).expect("the embedded rules load");
    let policy = rules.policy("community").expect("the community profile");
    let mut out = Findings::new(&policy);
    let versions = Versions::new(source.server.major, target.server.major);
    diff_objects(
        target_db,
        objects(source, source_db),
        objects(target, target_db),
        versions,
        &mut out,
    );
    let mut found: Vec<_> = out
        .into_vec()
        .into_iter()
        .map(|f| (f.code.to_string(), f.object.kind.to_string(), f.object.name))
        .collect();
    found.sort();
    found
}
