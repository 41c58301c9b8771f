//! Live: connections as libpq users expect them, against PostgreSQL 17 servers with TLS on or off.
//! A throwaway CA and a server certificate for `localhost` (no IP address in it) are made with
//! rcgen for each test; the server takes password logins (scram-sha-256) over TCP on 127.0.0.1.
//! Every connection is resolved with an explicit environment, so the machine's `PG*` variables,
//! `~/.pgpass` and `~/.postgresql/root.crt` play no part.

mod support;

use pgparity::introspect::{connect, ConnSpec};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use serde_json::Value;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::{pgparity, repo, Cluster, ClusterOptions};

const MAJOR: u32 = 17;
const ROLE: &str = "app";
const PASSWORD: &str = "Sw0rdf1sh-in-the-lake";

/// A CA and a server certificate it signed, in PEM.
struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
}

fn pki(server_names: &[&str]) -> Pki {
    pki_named(server_names, server_names[0])
}

/// As [`pki`], with the server certificate's Common Name chosen apart from its
/// subjectAltNames (which may be none).
fn pki_named(server_names: &[&str], common_name: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "pgparity test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca.self_signed(&ca_key).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let names: Vec<String> = server_names.iter().map(|n| n.to_string()).collect();
    let mut server = CertificateParams::new(names).unwrap();
    server
        .distinguished_name
        .push(DnType::CommonName, common_name);
    server.is_ca = IsCa::ExplicitNoCa;
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server = server.signed_by(&server_key, &ca, &ca_key).unwrap();
    Pki {
        ca: ca.pem(),
        server_cert: server.pem(),
        server_key: server_key.serialize_pem(),
    }
}

/// A server whose TCP logins need a password, over TLS only when `pki` is given (`hostssl`),
/// in plain text only otherwise (`ssl = off`).
fn server(pki: Option<&Pki>) -> Cluster {
    let options = match pki {
        Some(pki) => ClusterOptions {
            settings: vec![("ssl".into(), "on".into())],
            files: vec![
                ("server.crt".into(), pki.server_cert.clone().into_bytes()),
                ("server.key".into(), pki.server_key.clone().into_bytes()),
            ],
            hba: Some(
                "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n".to_owned(),
            ),
        },
        None => ClusterOptions {
            settings: vec![("ssl".into(), "off".into())],
            files: vec![],
            hba: Some("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n".to_owned()),
        },
    };
    let cluster = Cluster::start_with(MAJOR, &options);
    cluster.execute(&format!(
        "CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' CREATEROLE"
    ));
    cluster
}

/// A folder for CA files, password files and an empty HOME.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    /// An environment with nothing but an empty HOME (no ~/.pgpass, no ~/.postgresql).
    fn env(&self, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut env = HashMap::from([("HOME".to_owned(), home.display().to_string())]);
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    }
}

fn tcp(cluster: &Cluster, host: &str, extra: &str) -> String {
    format!(
        "host={host} port={} user={ROLE} dbname=postgres {extra}",
        cluster.port
    )
}

/// Connects through pgparity's session and says whether the connection is encrypted.
fn encrypted(conninfo: &str, env: &HashMap<String, String>) -> Result<bool, String> {
    let spec = ConnSpec::parse(conninfo, env).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let session = connect(&spec).await.map_err(|e| e.to_string())?;
        let row = session
            .client()
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        session.close().await;
        Ok(row.get::<_, bool>(0))
    })
}

/// The error of a connection that must fail: one line, without the password.
fn refusal(conninfo: &str, env: &HashMap<String, String>) -> String {
    let err = match encrypted(conninfo, env) {
        Ok(ssl) => panic!("{conninfo} connected (ssl = {ssl}) but must not"),
        Err(err) => err,
    };
    assert!(!err.contains('\n'), "not one line: {err}");
    assert!(!err.contains(PASSWORD), "the password leaked: {err}");
    err
}

#[test]
fn require_encrypts_without_checking_the_certificate() {
    let pki = pki(&["localhost"]);
    let other = self::pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[("PGPASSWORD", PASSWORD)]);
    assert_eq!(
        encrypted(&tcp(&cluster, "127.0.0.1", "sslmode=require"), &env),
        Ok(true)
    );
    // PostgreSQL 17's direct TLS negotiation (no SSLRequest first).
    assert_eq!(
        encrypted(
            &tcp(
                &cluster,
                "127.0.0.1",
                "sslmode=require sslnegotiation=direct"
            ),
            &env
        ),
        Ok(true)
    );
    // The default, prefer, takes TLS when offered.
    assert_eq!(encrypted(&tcp(&cluster, "127.0.0.1", ""), &env), Ok(true));
    // As libpq: with a root certificate file, require checks the chain (not the name).
    let right = scratch.file("ca.pem", &pki.ca, 0o644);
    let wrong = scratch.file("other-ca.pem", &other.ca, 0o644);
    let with_root = |file: &Path| format!("sslmode=require sslrootcert={}", file.display());
    assert_eq!(
        encrypted(&tcp(&cluster, "127.0.0.1", &with_root(&right)), &env),
        Ok(true)
    );
    let err = refusal(&tcp(&cluster, "127.0.0.1", &with_root(&wrong)), &env);
    assert!(
        err.contains(&format!("not signed by the CA in {}", wrong.display())),
        "{err}"
    );
    // So does ~/.postgresql/root.crt, libpq's default root certificate file.
    let home = PathBuf::from(&env["HOME"]);
    std::fs::create_dir_all(home.join(".postgresql")).unwrap();
    std::fs::write(home.join(".postgresql/root.crt"), &other.ca).unwrap();
    let err = refusal(&tcp(&cluster, "127.0.0.1", "sslmode=require"), &env);
    assert!(err.contains(".postgresql/root.crt"), "{err}");
}

#[test]
fn verify_ca_checks_the_chain_but_not_the_name() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[("PGPASSWORD", PASSWORD)]);
    let right = scratch.file("ca.pem", &pki.ca, 0o644);
    let wrong = scratch.file("other-ca.pem", &self::pki(&["localhost"]).ca, 0o644);
    // 127.0.0.1 is not in the certificate: verify-ca does not mind.
    let conninfo = |ca: &Path| {
        tcp(
            &cluster,
            "127.0.0.1",
            &format!("sslmode=verify-ca sslrootcert={}", ca.display()),
        )
    };
    assert_eq!(encrypted(&conninfo(&right), &env), Ok(true));
    let err = refusal(&conninfo(&wrong), &env);
    assert!(
        err.contains("TLS certificate was refused") && err.contains("not signed by the CA in"),
        "{err}"
    );
    // PGSSLMODE and PGSSLROOTCERT say the same.
    let from_env = scratch.env(&[
        ("PGPASSWORD", PASSWORD),
        ("PGSSLMODE", "verify-ca"),
        ("PGSSLROOTCERT", right.to_str().unwrap()),
    ]);
    assert_eq!(
        encrypted(&tcp(&cluster, "127.0.0.1", ""), &from_env),
        Ok(true)
    );
    // Without any root certificate, libpq refuses verify-ca, and so does pgparity.
    let err = refusal(&tcp(&cluster, "127.0.0.1", "sslmode=verify-ca"), &env);
    assert!(err.contains("sslrootcert=FILE"), "{err}");
}

#[test]
fn verify_full_checks_the_name_too() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[("PGPASSWORD", PASSWORD)]);
    let ca = scratch.file("ca.pem", &pki.ca, 0o644);
    let full = format!("sslmode=verify-full sslrootcert={}", ca.display());
    assert_eq!(
        encrypted(&tcp(&cluster, "localhost", &full), &env),
        Ok(true)
    );
    // The certificate names localhost, not 127.0.0.1.
    let err = refusal(&tcp(&cluster, "127.0.0.1", &full), &env);
    assert!(err.contains("not valid for host \"127.0.0.1\""), "{err}");
    // hostaddr picks the address, host is still what the name is checked against.
    let err = refusal(
        &format!(
            "host=127.0.0.1 hostaddr=127.0.0.1 port={} user={ROLE} dbname=postgres {full}",
            cluster.port
        ),
        &env,
    );
    assert!(err.contains("not valid for host \"127.0.0.1\""), "{err}");
    assert_eq!(
        encrypted(
            &format!(
                "host=localhost hostaddr=127.0.0.1 port={} user={ROLE} dbname=postgres {full}",
                cluster.port
            ),
            &env
        ),
        Ok(true)
    );
    // The system's roots do not know the test CA.
    let err = refusal(&tcp(&cluster, "localhost", "sslrootcert=system"), &env);
    assert!(
        err.contains("not signed by a CA the system trusts"),
        "{err}"
    );
}

/// Certificates made as PostgreSQL's documentation shows (`openssl req -subj "/CN=host"`) have
/// no subjectAltName; libpq then checks the Common Name, and so must pgparity.
#[test]
fn verify_full_accepts_a_common_name_when_there_is_no_subject_alt_name() {
    let pki = pki_named(&[], "localhost");
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[("PGPASSWORD", PASSWORD)]);
    let ca = scratch.file("ca.pem", &pki.ca, 0o644);
    let full = format!("sslmode=verify-full sslrootcert={}", ca.display());
    assert_eq!(
        encrypted(&tcp(&cluster, "localhost", &full), &env),
        Ok(true)
    );
    let err = refusal(&tcp(&cluster, "127.0.0.1", &full), &env);
    assert!(err.contains("not valid for host \"127.0.0.1\""), "{err}");
}

#[test]
fn require_fails_clearly_when_the_server_has_ssl_off() {
    let cluster = server(None);
    let scratch = Scratch::new();
    let env = scratch.env(&[("PGPASSWORD", PASSWORD)]);
    let err = refusal(&tcp(&cluster, "127.0.0.1", "sslmode=require"), &env);
    assert!(
        err.contains("does not accept TLS connections") && err.contains("sslmode=require"),
        "{err}"
    );
    // prefer falls back to plain text, as libpq does.
    assert_eq!(
        encrypted(&tcp(&cluster, "127.0.0.1", "sslmode=prefer"), &env),
        Ok(false)
    );
    assert_eq!(
        encrypted(&tcp(&cluster, "127.0.0.1", "sslmode=disable"), &env),
        Ok(false)
    );
}

#[test]
fn disable_fails_clearly_against_a_tls_only_server() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[("PGPASSWORD", PASSWORD)]);
    let err = refusal(&tcp(&cluster, "127.0.0.1", "sslmode=disable"), &env);
    assert!(
        err.contains("no pg_hba.conf entry") && err.contains("only TLS connections"),
        "{err}"
    );
}

#[test]
fn unix_sockets_never_use_tls() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[]);
    let conninfo = format!(
        "host={} port={} user=postgres sslmode=require",
        cluster.socket_dir.display(),
        cluster.port
    );
    assert_eq!(encrypted(&conninfo, &env), Ok(false));
}

#[test]
fn failures_are_one_line_without_the_password() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let env = scratch.env(&[]);
    let wrong = format!("{PASSWORD}-not");
    let err = refusal(
        &tcp(&cluster, "127.0.0.1", &format!("password={wrong}")),
        &env,
    );
    assert!(
        err.contains("password authentication failed for user \"app\""),
        "{err}"
    );
    assert!(!err.contains(&wrong), "{err}");
    let err = refusal(
        &format!(
            "postgresql://{ROLE}:{wrong}@127.0.0.1:{}/postgres",
            cluster.port
        ),
        &env,
    );
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains(&wrong), "{err}");

    let err = refusal(&tcp(&cluster, "127.0.0.1", ""), &env);
    assert!(
        err.contains("asks for a password and none was given"),
        "{err}"
    );

    // Nothing listens there: the error says so, for each host tried.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = refusal(
        &format!("host=127.0.0.1 port={closed} user={ROLE} password={PASSWORD}"),
        &env,
    );
    assert!(err.contains(&format!("127.0.0.1:{closed}")), "{err}");
    assert!(err.to_lowercase().contains("connection refused"), "{err}");
    let err = refusal(
        &format!(
            "host=127.0.0.1,127.0.0.1 port={closed},{} user={ROLE} password={wrong} sslmode=require",
            cluster.port
        ),
        &env,
    );
    assert!(
        err.contains(&format!("127.0.0.1:{closed}: "))
            && err.contains(&format!("127.0.0.1:{}: ", cluster.port))
            && err.contains("password authentication failed"),
        "{err}"
    );
    let err = refusal(
        &format!("host=/nonexistent port={closed} user={ROLE}"),
        &env,
    );
    assert!(
        err.contains(&format!(
            "no server answers on socket /nonexistent/.s.PGSQL.{closed}"
        )),
        "{err}"
    );
    // The second host answers when the first does not.
    assert_eq!(
        encrypted(
            &format!(
                "host=127.0.0.1,127.0.0.1 port={closed},{} user={ROLE} dbname=postgres password={PASSWORD}",
                cluster.port
            ),
            &env
        ),
        Ok(true)
    );
}

#[test]
fn password_file_is_used_at_0600_and_ignored_at_0644() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let line = format!("127.0.0.1:{}:*:{ROLE}:{PASSWORD}\n", cluster.port);
    let private = scratch.file("pgpass-private", &line, 0o600);
    let env = scratch.env(&[("PGPASSFILE", private.to_str().unwrap())]);
    assert_eq!(encrypted(&tcp(&cluster, "127.0.0.1", ""), &env), Ok(true));
    // The string's passfile= names it too.
    let conninfo = tcp(
        &cluster,
        "127.0.0.1",
        &format!("passfile={}", private.display()),
    );
    assert_eq!(encrypted(&conninfo, &scratch.env(&[])), Ok(true));

    let open = scratch.file("pgpass-open", &line, 0o644);
    let env = scratch.env(&[("PGPASSFILE", open.to_str().unwrap())]);
    let err = refusal(&tcp(&cluster, "127.0.0.1", ""), &env);
    assert!(
        err.contains("none was given") && err.contains("chmod 0600"),
        "{err}"
    );
}

#[test]
fn roles_clean_reads_the_target_over_verify_full() {
    let pki = pki(&["localhost"]);
    let cluster = server(Some(&pki));
    let scratch = Scratch::new();
    let ca = scratch.file("ca.pem", &pki.ca, 0o644);
    let report = scratch.dir.path().join("report.json");
    let target = format!(
        "host=localhost port={} user={ROLE} dbname=postgres sslmode=verify-full sslrootcert={}",
        cluster.port,
        ca.display()
    );
    let roles = repo().join("fixtures/roles/azure-single/passwords/roles.sql");
    let run = |target: &str, password: &str| {
        pgparity()
            .args(["roles", "clean", roles.to_str().unwrap()])
            .args(["--profile", "azure-flexible", "--target", target])
            .args(["--format", "json", "--report", report.to_str().unwrap()])
            .env("PGPASSWORD", password)
            .env("HOME", scratch.dir.path())
            .env_remove("PGSSLMODE")
            .env_remove("PGSSLROOTCERT")
            .env_remove("PGPASSFILE")
            .output()
            .unwrap()
    };
    let output = run(&target, PASSWORD);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "roles clean failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let described = report["target"].as_str().unwrap_or_default();
    assert!(
        described.starts_with("live target: PostgreSQL 17") && described.contains("role app"),
        "{report:#}"
    );

    // A failure: exit code 2 and one line, without the password.
    let wrong = format!("{PASSWORD}-not");
    let output = run(&target, &wrong);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains(&wrong), "{stderr}");
}
