//! Connection strings as libpq users write them, resolved the way libpq resolves them.
//!
//! A string is a URI (`postgresql://user@host:5432/db?sslmode=verify-full`) or `key=value` pairs
//! (`conninfo.rs` reads both). Each keyword then takes, in order: the string's value, its
//! environment variable (`PGHOST`, `PGHOSTADDR`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`, `PGPASSFILE`, ...), and a
//! default: the socket directory `/var/run/postgresql` or `/tmp`, port 5432, the OS user, a
//! database named after the user, `application_name=pgparity`, a 10 s connect timeout and
//! `sslmode=prefer`. A password comes from the string, then `PGPASSWORD`, then the password file
//! (`passfile.rs`), looked up for each host.
//!
//! tokio-postgres's own parser refuses `verify-ca`, `verify-full`, `allow`, `sslrootcert` and
//! `passfile`, and ignores the environment (`shared/reference/connections.md`), so it is not used;
//! [`ConnSpec::config`] builds a `tokio_postgres::Config` for one host from the resolved values.
//! Known libpq keywords that pgparity cannot honour (client certificates, service files, ...) are
//! refused by name rather than ignored.
//!
//! Deliberate differences from libpq: `sslmode=verify-full` without a root certificate file uses
//! the system's roots (as `sslrootcert=system` would) where libpq stops with an error, so that a
//! managed service's certificate is checked without a downloaded CA file; `allow` behaves like
//! `prefer`; an empty value counts as not given.

use super::conninfo;
use super::passfile::{self, PassFile, Skipped};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;
use tokio_postgres::config::{ChannelBinding, SslNegotiation, TargetSessionAttrs};
use tokio_postgres::Config;

/// Why a connection string cannot be used.
#[derive(Debug, Error)]
pub enum ConnError {
    /// The string does not parse, or a value is not valid.
    #[error("invalid connection string: {0}")]
    Invalid(String),
    /// It asks for something pgparity does not support.
    #[error("connection string asks for {0}, which pgparity does not support")]
    Unsupported(String),
}

/// libpq's `sslmode`: how much TLS to insist on and what to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// libpq tries plain text first; pgparity treats it as `prefer`.
    Allow,
    /// TLS if the server offers it, plain text otherwise; the certificate is not checked.
    Prefer,
    /// TLS; the certificate is not checked unless a root certificate file exists (then as
    /// `verify-ca`, as libpq does).
    Require,
    /// TLS; the certificate must chain to a trusted root; the host name is not checked.
    VerifyCa,
    /// TLS; the chain and the host name are checked.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, ConnError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(ConnError::Invalid(format!(
                    "invalid sslmode value \"{other}\" (disable, allow, prefer, require, verify-ca or verify-full)"
                )))
            }
        })
    }

    /// The name libpq uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where trusted root certificates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootCert {
    /// `sslrootcert=FILE`.
    File(PathBuf),
    /// `~/.postgresql/root.crt`, libpq's default, used when it exists.
    DefaultFile(PathBuf),
    /// `sslrootcert=system`: the operating system's roots.
    System,
}

/// What TLS a connection asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`, or the default file.
    pub root_cert: Option<RootCert>,
    /// `sslsni`: send the host name in the handshake (default on).
    pub sni: bool,
}

/// A value that must not be printed.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A host name or a Unix socket directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A TCP host name or address.
    Tcp(String),
    /// A directory holding the server's socket file.
    Unix(PathBuf),
}

/// One server to try.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// `host`, when given (else the connection goes to `hostaddr`).
    pub host: Option<Host>,
    /// `hostaddr`: the address to connect to without a name lookup.
    pub hostaddr: Option<IpAddr>,
    /// The port.
    pub port: u16,
    password: Option<Secret>,
}

impl Endpoint {
    /// Whether this is a Unix-socket connection (which never uses TLS).
    pub fn is_unix_socket(&self) -> bool {
        matches!(self.host, Some(Host::Unix(_)))
    }

    /// Whether a password is known for this server (from the string, PGPASSWORD or the file).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// `host:port`, as messages show it.
    pub fn display(&self) -> String {
        let host = match (&self.host, &self.hostaddr) {
            (Some(Host::Tcp(name)), _) if name.contains(':') => format!("[{name}]"),
            (Some(Host::Tcp(name)), _) => name.clone(),
            (Some(Host::Unix(dir)), _) => dir.display().to_string(),
            (None, Some(IpAddr::V6(addr))) => format!("[{addr}]"),
            (None, Some(addr)) => addr.to_string(),
            (None, None) => String::new(),
        };
        format!("{host}:{}", self.port)
    }
}

/// A connection string resolved with libpq's precedence: everything needed to connect.
#[derive(Clone, Debug)]
pub struct ConnSpec {
    /// The servers to try, in order; the first that accepts the connection is used.
    pub endpoints: Vec<Endpoint>,
    /// The role to connect as.
    pub user: String,
    /// The database.
    pub dbname: String,
    /// TLS.
    pub tls: TlsSettings,
    /// How long to wait for each server; `None` waits as long as the OS does.
    pub connect_timeout: Option<Duration>,
    /// `statement_timeout` of every pgparity session (30 s unless changed).
    pub statement_timeout: Duration,
    /// What to call the server in messages: `user@host:port/db`, never the password.
    pub display: String,
    /// Everything except host, port, password and TLS, which differ per endpoint.
    base: Config,
    /// A password file that was not used, to mention when authentication fails.
    passfile_skipped: Option<Skipped>,
}

/// The keywords pgparity honours, with the environment variable that supplies each when the
/// string does not.
const KEYWORDS: &[(&str, Option<&str>)] = &[
    ("host", Some("PGHOST")),
    ("hostaddr", Some("PGHOSTADDR")),
    ("port", Some("PGPORT")),
    ("dbname", Some("PGDATABASE")),
    ("user", Some("PGUSER")),
    ("password", Some("PGPASSWORD")),
    ("passfile", Some("PGPASSFILE")),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT")),
    ("application_name", Some("PGAPPNAME")),
    ("fallback_application_name", None),
    ("options", Some("PGOPTIONS")),
    ("sslmode", Some("PGSSLMODE")),
    ("sslrootcert", Some("PGSSLROOTCERT")),
    ("sslnegotiation", Some("PGSSLNEGOTIATION")),
    ("sslsni", Some("PGSSLSNI")),
    ("sslcompression", None),
    ("channel_binding", Some("PGCHANNELBINDING")),
    ("target_session_attrs", Some("PGTARGETSESSIONATTRS")),
    ("gssencmode", Some("PGGSSENCMODE")),
    ("client_encoding", None),
    ("keepalives", None),
    ("keepalives_idle", None),
    ("keepalives_interval", None),
    ("keepalives_count", None),
    ("tcp_user_timeout", None),
];

/// libpq keywords pgparity refuses, with what they would have asked for. Their environment
/// variables are not read.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("sslcert", "client certificates (sslcert)"),
    ("sslkey", "client certificates (sslkey)"),
    ("sslpassword", "client certificates (sslpassword)"),
    ("sslcertmode", "client certificates (sslcertmode)"),
    ("sslcrl", "certificate revocation lists (sslcrl)"),
    ("sslcrldir", "certificate revocation lists (sslcrldir)"),
    (
        "ssl_min_protocol_version",
        "TLS version limits (ssl_min_protocol_version; pgparity always uses TLS 1.2 or 1.3)",
    ),
    (
        "ssl_max_protocol_version",
        "TLS version limits (ssl_max_protocol_version; pgparity always uses TLS 1.2 or 1.3)",
    ),
    ("requirepeer", "peer checks (requirepeer)"),
    (
        "require_auth",
        "authentication method limits (require_auth)",
    ),
    ("krbsrvname", "Kerberos (krbsrvname)"),
    ("gsslib", "GSSAPI (gsslib)"),
    ("gssdelegation", "GSSAPI (gssdelegation)"),
    ("service", "connection service files (service)"),
    ("replication", "replication connections (replication)"),
    (
        "load_balance_hosts",
        "random host order (load_balance_hosts)",
    ),
    (
        "min_protocol_version",
        "protocol version limits (min_protocol_version)",
    ),
    (
        "max_protocol_version",
        "protocol version limits (max_protocol_version)",
    ),
];

/// Socket directories libpq builds use by default: Debian's, then upstream's.
const DEFAULT_SOCKET_DIRS: [&str; 2] = ["/var/run/postgresql", "/tmp"];

/// Whether `word` is a libpq connection keyword (honoured or refused).
pub(crate) fn is_libpq_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|(k, _)| *k == word) || UNSUPPORTED.iter().any(|(k, _)| *k == word)
}

/// The keyword values after precedence: string, then environment.
struct Values {
    map: HashMap<&'static str, String>,
}

impl Values {
    fn resolve(pairs: conninfo::Pairs, env: &HashMap<String, String>) -> Result<Values, ConnError> {
        let mut map = HashMap::new();
        for (key, value) in pairs {
            if let Some((_, what)) = UNSUPPORTED.iter().find(|(k, _)| *k == key) {
                return Err(ConnError::Unsupported((*what).to_owned()));
            }
            let Some((keyword, _)) = KEYWORDS.iter().find(|(k, _)| *k == key) else {
                return Err(ConnError::Invalid(format!(
                    "invalid connection option \"{key}\""
                )));
            };
            map.insert(*keyword, value);
        }
        map.retain(|_, v| !v.is_empty());
        for (keyword, var) in KEYWORDS {
            if map.contains_key(keyword) {
                continue;
            }
            if let Some(value) = var.and_then(|var| env.get(var)).filter(|v| !v.is_empty()) {
                map.insert(*keyword, value.clone());
            }
        }
        Ok(Values { map })
    }

    fn get(&self, keyword: &str) -> Option<&str> {
        self.map.get(keyword).map(String::as_str)
    }

    /// Comma-separated lists (`host`, `hostaddr`, `port`), with empty items kept.
    fn list(&self, keyword: &str) -> Vec<&str> {
        self.get(keyword)
            .map(|v| v.split(',').map(str::trim).collect())
            .unwrap_or_default()
    }

    fn integer(&self, keyword: &str) -> Result<Option<i64>, ConnError> {
        self.get(keyword)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ConnError::Invalid(format!(
                        "invalid integer value \"{v}\" for connection option \"{keyword}\""
                    ))
                })
            })
            .transpose()
    }

    fn boolean(&self, keyword: &str) -> Result<Option<bool>, ConnError> {
        Ok(self.integer(keyword)?.map(|v| v != 0))
    }

    /// A value out of a fixed set, mapped; anything else is an error listing the choices.
    fn choice<T: Copy>(
        &self,
        keyword: &str,
        choices: &[(&str, Option<T>)],
    ) -> Result<Option<T>, ConnError> {
        let Some(value) = self.get(keyword) else {
            return Ok(None);
        };
        match choices.iter().find(|(name, _)| *name == value) {
            Some((_, Some(mapped))) => Ok(Some(*mapped)),
            Some((_, None)) => Err(ConnError::Unsupported(format!("{keyword}={value}"))),
            None => Err(ConnError::Invalid(format!(
                "invalid {keyword} value \"{value}\" (one of: {})",
                choices
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

impl ConnSpec {
    /// Parses `conninfo` and resolves it against `env` (normally the process environment):
    /// string first, then `PG*` variables, then defaults; passwords from the password file
    /// named by `passfile`/`PGPASSFILE`, else `$HOME/.pgpass`.
    pub fn parse(conninfo: &str, env: &HashMap<String, String>) -> Result<ConnSpec, ConnError> {
        let pairs = conninfo::parse(conninfo).map_err(|e| redact_error(e, conninfo))?;
        let values = Values::resolve(pairs, env).map_err(|e| redact_error(e, conninfo))?;
        ConnSpec::from_values(&values, env).map_err(|e| redact_error(e, conninfo))
    }

    fn from_values(values: &Values, env: &HashMap<String, String>) -> Result<ConnSpec, ConnError> {
        let user = match values.get("user") {
            Some(user) => user.to_owned(),
            None => os_user(env).ok_or_else(|| {
                ConnError::Invalid("no user name: give user= or set PGUSER".to_owned())
            })?,
        };
        let dbname = values.get("dbname").unwrap_or(&user).to_owned();
        let home = env.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let tls = tls_settings(values, home.as_deref())?;
        let mut endpoints = endpoints(values)?;
        if tls.mode == SslMode::VerifyFull {
            if let Some(endpoint) = endpoints.iter().find(|e| e.host.is_none()) {
                return Err(ConnError::Invalid(format!(
                    "sslmode=verify-full needs a host name to check the certificate against, \
                     and {} has only hostaddr",
                    endpoint.display()
                )));
            }
        }
        let passfile_skipped =
            fill_passwords(&mut endpoints, values, home.as_deref(), &user, &dbname);

        let mut base = Config::new();
        base.user(&user).dbname(&dbname);
        let application_name = values
            .get("application_name")
            .or_else(|| values.get("fallback_application_name"))
            .unwrap_or("pgparity");
        base.application_name(application_name);
        if let Some(options) = values.get("options") {
            base.options(options);
        }
        configure_protocol(&mut base, values, tls.mode)?;
        let connect_timeout = match values.integer("connect_timeout")? {
            // libpq: zero or less waits forever, and 1 s is raised to 2 s.
            Some(seconds) if seconds <= 0 => None,
            Some(seconds) => Some(Duration::from_secs(seconds.max(2) as u64)),
            None => Some(Duration::from_secs(10)),
        };
        let display = format!(
            "{user}@{}/{dbname}",
            endpoints
                .iter()
                .map(Endpoint::display)
                .collect::<Vec<_>>()
                .join(",")
        );
        Ok(ConnSpec {
            endpoints,
            user,
            dbname,
            tls,
            connect_timeout,
            statement_timeout: Duration::from_secs(30),
            display,
            base,
            passfile_skipped,
        })
    }

    /// The same connection, to database `dbname`.
    pub fn for_database(&self, dbname: &str) -> ConnSpec {
        let mut spec = self.clone();
        spec.base.dbname(dbname);
        spec.dbname = dbname.to_owned();
        spec.display = format!("{} (database {dbname})", self.display);
        spec
    }

    /// The tokio-postgres configuration for one endpoint. Its TLS mode is tokio-postgres's
    /// coarser one (the certificate checks live in the connector); Unix sockets never use TLS.
    pub fn config(&self, endpoint: &Endpoint) -> Config {
        use tokio_postgres::config::SslMode as PgSslMode;
        let mut config = self.base.clone();
        match (&endpoint.host, endpoint.hostaddr) {
            (Some(Host::Tcp(name)), addr) => {
                config.host(name);
                if let Some(addr) = addr {
                    config.hostaddr(addr);
                }
            }
            (Some(Host::Unix(dir)), _) => {
                config.host_path(dir);
            }
            // tokio-postgres needs a host for the TLS handshake; the address stands in, as
            // libpq does for `require` with only `hostaddr`.
            (None, Some(addr)) => {
                config.host(addr.to_string());
            }
            (None, None) => {}
        }
        config.port(endpoint.port);
        if let Some(Secret(password)) = &endpoint.password {
            config.password(password.as_bytes());
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        let mode = match self.tls.mode {
            _ if endpoint.is_unix_socket() => PgSslMode::Disable,
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Allow | SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
        };
        config.ssl_mode(mode);
        config
    }

    /// A hint for authentication failures: a password file that was not used.
    pub(crate) fn passfile_hint(&self) -> Option<String> {
        self.passfile_skipped.as_ref().map(Skipped::hint)
    }

    /// Every password this spec may send, to scrub from messages.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &str> {
        self.endpoints
            .iter()
            .filter_map(|e| e.password.as_ref().map(|Secret(s)| s.as_str()))
    }
}

/// The OS user, as the environment names it (libpq asks the OS; `USER` and `LOGNAME` say the same
/// in every session where they are set).
fn os_user(env: &HashMap<String, String>) -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|var| env.get(*var).filter(|v| !v.is_empty()).cloned())
}

fn tls_settings(values: &Values, home: Option<&Path>) -> Result<TlsSettings, ConnError> {
    let root_cert = match values.get("sslrootcert") {
        Some("system") => Some(RootCert::System),
        Some(file) => Some(RootCert::File(PathBuf::from(file))),
        None => home.map(|h| RootCert::DefaultFile(h.join(".postgresql").join("root.crt"))),
    };
    let mode = match values.get("sslmode") {
        Some(mode) => SslMode::parse(mode)?,
        // libpq 16: system roots make verify-full the default.
        None if root_cert == Some(RootCert::System) => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    if root_cert == Some(RootCert::System) && mode != SslMode::VerifyFull {
        return Err(ConnError::Invalid(format!(
            "weak sslmode \"{}\" may not be used with sslrootcert=system (use \"verify-full\")",
            mode.as_str()
        )));
    }
    let sni = values.boolean("sslsni")?.unwrap_or(true);
    Ok(TlsSettings {
        mode,
        root_cert,
        sni,
    })
}

/// Hosts, addresses and ports into endpoints, with libpq's rules for lists of them.
fn endpoints(values: &Values) -> Result<Vec<Endpoint>, ConnError> {
    let hosts = values.list("host");
    let addrs = values.list("hostaddr");
    let ports = values.list("port");
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        return Err(ConnError::Invalid(format!(
            "could not match {} host names to {} hostaddr values",
            hosts.len(),
            addrs.len()
        )));
    }
    let count = hosts.len().max(addrs.len()).max(1);
    if ports.len() > 1 && ports.len() != count {
        return Err(ConnError::Invalid(format!(
            "could not match {} port numbers to {count} hosts",
            ports.len()
        )));
    }
    (0..count)
        .map(|i| {
            let port = match ports.get(i).or(ports.first()).copied() {
                None | Some("") => 5432,
                Some(text) => text
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| ConnError::Invalid(format!("invalid port number \"{text}\"")))?,
            };
            let hostaddr = match addrs.get(i).copied() {
                None | Some("") => None,
                Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
                    ConnError::Invalid(format!("invalid hostaddr \"{text}\" (an IP address)"))
                })?),
            };
            let host = match hosts.get(i).copied() {
                Some(dir) if dir.starts_with('/') => Some(Host::Unix(PathBuf::from(dir))),
                Some(name) if !name.is_empty() => Some(Host::Tcp(name.to_owned())),
                _ if hostaddr.is_some() => None,
                _ => Some(Host::Unix(default_socket_dir(port))),
            };
            Ok(Endpoint {
                host,
                hostaddr,
                port,
                password: None,
            })
        })
        .collect()
}

/// The default socket directory: the first that holds this port's socket, else the first that
/// exists.
fn default_socket_dir(port: u16) -> PathBuf {
    let dirs = DEFAULT_SOCKET_DIRS.map(Path::new);
    dirs.iter()
        .find(|d| d.join(format!(".s.PGSQL.{port}")).exists())
        .or_else(|| dirs.iter().find(|d| d.is_dir()))
        .unwrap_or(&dirs[1])
        .to_path_buf()
}

/// Passwords: the string's or PGPASSWORD for every endpoint, else the password file's line for
/// each. Returns the password file when it exists but was not used.
fn fill_passwords(
    endpoints: &mut [Endpoint],
    values: &Values,
    home: Option<&Path>,
    user: &str,
    dbname: &str,
) -> Option<Skipped> {
    if let Some(password) = values.get("password") {
        for endpoint in endpoints.iter_mut() {
            endpoint.password = Some(Secret(password.to_owned()));
        }
        return None;
    }
    let path = match values.get("passfile") {
        Some(file) => PathBuf::from(file),
        None => home?.join(".pgpass"),
    };
    let file: PassFile = match passfile::load(&path) {
        passfile::Loaded::File(file) => file,
        passfile::Loaded::Missing => return None,
        passfile::Loaded::Skipped(why) => return Some(why),
    };
    for endpoint in endpoints.iter_mut() {
        let host = passfile_host(endpoint);
        endpoint.password = file
            .lookup(&host, &endpoint.port.to_string(), dbname, user)
            .filter(|p| !p.is_empty())
            .map(Secret);
    }
    None
}

/// The host an endpoint is looked up as in the password file: `host` as written, else
/// `hostaddr`; a default socket directory is `localhost`.
fn passfile_host(endpoint: &Endpoint) -> String {
    match (&endpoint.host, endpoint.hostaddr) {
        (Some(Host::Unix(dir)), _) if DEFAULT_SOCKET_DIRS.iter().any(|d| Path::new(d) == dir) => {
            "localhost".to_owned()
        }
        (Some(Host::Unix(dir)), _) => dir.display().to_string(),
        (Some(Host::Tcp(name)), _) => name.clone(),
        (None, Some(addr)) => addr.to_string(),
        (None, None) => "localhost".to_owned(),
    }
}

/// The keywords tokio-postgres implements itself.
fn configure_protocol(
    config: &mut Config,
    values: &Values,
    mode: SslMode,
) -> Result<(), ConnError> {
    if let Some(negotiation) = values.choice(
        "sslnegotiation",
        &[
            ("postgres", Some(SslNegotiation::Postgres)),
            ("direct", Some(SslNegotiation::Direct)),
        ],
    )? {
        if negotiation == SslNegotiation::Direct && mode < SslMode::Require {
            return Err(ConnError::Invalid(format!(
                "weak sslmode \"{}\" may not be used with sslnegotiation=direct \
                 (use \"require\", \"verify-ca\", or \"verify-full\")",
                mode.as_str()
            )));
        }
        config.ssl_negotiation(negotiation);
    }
    if let Some(binding) = values.choice(
        "channel_binding",
        &[
            ("disable", Some(ChannelBinding::Disable)),
            ("prefer", Some(ChannelBinding::Prefer)),
            ("require", Some(ChannelBinding::Require)),
        ],
    )? {
        config.channel_binding(binding);
    }
    if let Some(attrs) = values.choice(
        "target_session_attrs",
        &[
            ("any", Some(TargetSessionAttrs::Any)),
            ("read-write", Some(TargetSessionAttrs::ReadWrite)),
            ("read-only", Some(TargetSessionAttrs::ReadOnly)),
            ("primary", None),
            ("standby", None),
            ("prefer-standby", None),
        ],
    )? {
        config.target_session_attrs(attrs);
    }
    // pgparity never uses GSSAPI encryption, which is what libpq's `prefer` falls back to.
    values.choice(
        "gssencmode",
        &[
            ("disable", Some(())),
            ("prefer", Some(())),
            ("require", None),
        ],
    )?;
    // tokio-postgres always speaks UTF8.
    if let Some(encoding) = values.get("client_encoding") {
        if !["utf8", "utf-8", "unicode", "auto"].contains(&encoding.to_lowercase().as_str()) {
            return Err(ConnError::Unsupported(format!(
                "client_encoding={encoding} (pgparity always uses UTF8)"
            )));
        }
    }
    // libpq has ignored sslcompression since PostgreSQL 14; only its syntax is checked.
    values.boolean("sslcompression")?;
    if let Some(on) = values.boolean("keepalives")? {
        config.keepalives(on);
    }
    let seconds = |keyword| -> Result<Option<Duration>, ConnError> {
        Ok(values
            .integer(keyword)?
            .filter(|v| *v > 0)
            .map(|v| Duration::from_secs(v as u64)))
    };
    if let Some(idle) = seconds("keepalives_idle")? {
        config.keepalives_idle(idle);
    }
    if let Some(interval) = seconds("keepalives_interval")? {
        config.keepalives_interval(interval);
    }
    if let Some(count) = values.integer("keepalives_count")?.filter(|v| *v > 0) {
        config.keepalives_retries(u32::try_from(count).unwrap_or(u32::MAX));
    }
    if let Some(ms) = values.integer("tcp_user_timeout")?.filter(|v| *v > 0) {
        config.tcp_user_timeout(Duration::from_millis(ms as u64));
    }
    Ok(())
}

fn redact_error(error: ConnError, conninfo: &str) -> ConnError {
    match error {
        ConnError::Invalid(m) => ConnError::Invalid(redact_secret(&m, conninfo)),
        ConnError::Unsupported(m) => ConnError::Unsupported(redact_secret(&m, conninfo)),
    }
}

/// Removes a password that appears in `conninfo` from `message`.
pub fn redact_secret(message: &str, conninfo: &str) -> String {
    let mut out = message.to_owned();
    let mut secrets = password_values(conninfo);
    if let Ok(pairs) = conninfo::parse(conninfo) {
        secrets.extend(
            pairs
                .into_iter()
                .filter(|(k, _)| k == "password")
                .map(|(_, v)| v),
        );
    }
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(&secret, "***");
        }
    }
    out
}

/// Password values a connection string holds, found without parsing it (for strings that do
/// not parse).
fn password_values(conninfo: &str) -> Vec<String> {
    let mut values = Vec::new();
    if let Some(rest) = conninfo
        .strip_prefix("postgresql://")
        .or_else(|| conninfo.strip_prefix("postgres://"))
    {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                values.push(password.to_owned());
            }
        }
        if let Some(query) = rest.split_once('?').map(|(_, q)| q) {
            for pair in query.split('&') {
                if let Some(v) = pair.strip_prefix("password=") {
                    values.push(v.to_owned());
                }
            }
        }
    } else {
        for part in conninfo.split_whitespace() {
            if let Some(v) = part.strip_prefix("password=") {
                values.push(v.trim_matches('\'').to_owned());
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::SslMode as PgSslMode;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn password(spec: &ConnSpec, i: usize) -> Option<String> {
        spec.config(&spec.endpoints[i])
            .get_password()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
    }

    #[test]
    fn environment_fills_what_the_string_leaves_out() {
        let spec = ConnSpec::parse(
            "dbname=app",
            &env(&[
                ("PGHOST", "/tmp/sock"),
                ("PGPORT", "5555"),
                ("PGUSER", "admin"),
                ("PGPASSWORD", "pw"),
                ("PGSSLMODE", "verify-ca"),
                ("PGSSLROOTCERT", "/etc/ca.pem"),
                ("PGCONNECT_TIMEOUT", "3"),
                ("PGAPPNAME", "from-env"),
            ]),
        )
        .unwrap();
        assert_eq!(spec.display, "admin@/tmp/sock:5555/app");
        assert_eq!(password(&spec, 0).as_deref(), Some("pw"));
        assert_eq!(spec.tls.mode, SslMode::VerifyCa);
        assert_eq!(
            spec.tls.root_cert,
            Some(RootCert::File("/etc/ca.pem".into()))
        );
        assert_eq!(spec.connect_timeout, Some(Duration::from_secs(3)));
        let config = spec.config(&spec.endpoints[0]);
        assert_eq!(config.get_application_name(), Some("from-env"));
        // A socket never uses TLS, whatever sslmode says.
        assert_eq!(config.get_ssl_mode(), PgSslMode::Disable);
    }

    #[test]
    fn the_string_wins_over_the_environment() {
        let spec = ConnSpec::parse(
            "postgresql://u:secret@db.example.com:6000/x?sslmode=require",
            &env(&[
                ("PGHOST", "other"),
                ("PGUSER", "nobody"),
                ("PGPASSWORD", "envpw"),
                ("PGSSLMODE", "disable"),
            ]),
        )
        .unwrap();
        assert_eq!(spec.display, "u@db.example.com:6000/x");
        assert_eq!(password(&spec, 0).as_deref(), Some("secret"));
        assert_eq!(spec.tls.mode, SslMode::Require);
        assert_eq!(
            spec.config(&spec.endpoints[0]).get_ssl_mode(),
            PgSslMode::Require
        );
    }

    #[test]
    fn defaults_without_string_or_environment() {
        let spec = ConnSpec::parse("", &env(&[("USER", "osuser")])).unwrap();
        assert_eq!(spec.user, "osuser");
        assert_eq!(spec.dbname, "osuser");
        assert_eq!(spec.tls.mode, SslMode::Prefer);
        assert_eq!(spec.tls.root_cert, None);
        assert_eq!(spec.connect_timeout, Some(Duration::from_secs(10)));
        assert_eq!(spec.statement_timeout, Duration::from_secs(30));
        let endpoint = &spec.endpoints[0];
        assert_eq!(endpoint.port, 5432);
        match &endpoint.host {
            Some(Host::Unix(dir)) => assert!(
                DEFAULT_SOCKET_DIRS.iter().any(|d| Path::new(d) == dir),
                "{dir:?}"
            ),
            other => panic!("{other:?}"),
        }
        let config = spec.config(endpoint);
        assert_eq!(config.get_application_name(), Some("pgparity"));
        assert_eq!(config.get_password(), None);
        assert!(ConnSpec::parse("", &env(&[])).is_err(), "no user at all");
    }

    #[test]
    fn fallback_application_name_only_when_none_given() {
        let spec = ConnSpec::parse("user=u fallback_application_name=fb", &env(&[])).unwrap();
        let config = spec.config(&spec.endpoints[0]);
        assert_eq!(config.get_application_name(), Some("fb"));
        let spec = ConnSpec::parse(
            "user=u fallback_application_name=fb",
            &env(&[("PGAPPNAME", "app")]),
        )
        .unwrap();
        let config = spec.config(&spec.endpoints[0]);
        assert_eq!(config.get_application_name(), Some("app"));
    }

    #[test]
    fn several_hosts_ports_and_addresses() {
        let spec = ConnSpec::parse(
            "host=a,b,/run/pg user=u port=1,2,3 hostaddr=10.0.0.1,,",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(spec.display, "u@a:1,b:2,/run/pg:3/u");
        assert_eq!(
            spec.endpoints[0].hostaddr,
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(spec.endpoints[1].hostaddr, None);
        let spec = ConnSpec::parse("host=a,b user=u port=7", &env(&[])).unwrap();
        assert_eq!(spec.endpoints[1].port, 7);
        let err = ConnSpec::parse("host=a,b user=u port=1,2,3", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("3 port numbers to 2 hosts"), "{err}");
        let spec = ConnSpec::parse("hostaddr=::1 user=u", &env(&[])).unwrap();
        assert_eq!(spec.display, "u@[::1]:5432/u");
        assert_eq!(spec.config(&spec.endpoints[0]).get_hosts().len(), 1);
    }

    #[test]
    fn bad_values_are_named() {
        for (conninfo, needle) in [
            ("user=u port=x", "invalid port number \"x\""),
            ("user=u port=70000", "invalid port number"),
            ("user=u hostaddr=db", "invalid hostaddr \"db\""),
            ("user=u sslmode=yes", "invalid sslmode value \"yes\""),
            ("user=u connect_timeout=soon", "connect_timeout"),
            ("user=u channel_binding=maybe", "channel_binding"),
            (
                "user=u target_session_attrs=standby",
                "target_session_attrs=standby",
            ),
            (
                "user=u sslmode=prefer sslnegotiation=direct",
                "sslnegotiation=direct",
            ),
        ] {
            let err = ConnSpec::parse(conninfo, &env(&[]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{conninfo}: {err}");
        }
    }

    #[test]
    fn unknown_keys_and_unsupported_ones_are_refused_by_name() {
        let err = ConnSpec::parse("host=h bogus_option=1", &env(&[]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "invalid connection string: invalid connection option \"bogus_option\""
        );
        let err = ConnSpec::parse("postgresql://h/d?sslcert=/c.pem", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("client certificates (sslcert)"), "{err}");
        assert!(err.contains("does not support"), "{err}");
        // An unsupported feature's environment variable is not read.
        ConnSpec::parse("user=u", &env(&[("PGSERVICE", "prod")])).unwrap();
    }

    #[test]
    fn tokio_postgres_refusals_are_accepted_here() {
        let spec = ConnSpec::parse(
            "host=db user=u sslmode=verify-full sslrootcert=/ca.pem passfile=/nonexistent",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(spec.tls.mode, SslMode::VerifyFull);
        let spec = ConnSpec::parse("host=db user=u sslmode=allow", &env(&[])).unwrap();
        assert_eq!(
            spec.config(&spec.endpoints[0]).get_ssl_mode(),
            PgSslMode::Prefer
        );
    }

    #[test]
    fn system_roots_mean_verify_full() {
        let spec = ConnSpec::parse("host=db user=u sslrootcert=system", &env(&[])).unwrap();
        assert_eq!(spec.tls.mode, SslMode::VerifyFull);
        let err = ConnSpec::parse(
            "host=db user=u sslrootcert=system sslmode=verify-ca",
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("weak sslmode \"verify-ca\""), "{err}");
    }

    #[test]
    fn verify_full_needs_a_host_name() {
        let err = ConnSpec::parse("hostaddr=10.0.0.1 user=u sslmode=verify-full", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a host name"), "{err}");
        ConnSpec::parse(
            "host=db hostaddr=10.0.0.1 user=u sslmode=verify-full",
            &env(&[]),
        )
        .unwrap();
    }

    #[test]
    fn default_root_certificate_follows_home() {
        let spec = ConnSpec::parse("host=db user=u", &env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(
            spec.tls.root_cert,
            Some(RootCert::DefaultFile("/home/u/.postgresql/root.crt".into()))
        );
    }

    #[test]
    fn connect_timeout_follows_libpq() {
        let timeout = |v: &str| {
            ConnSpec::parse(&format!("user=u connect_timeout={v}"), &env(&[]))
                .unwrap()
                .connect_timeout
        };
        assert_eq!(timeout("0"), None);
        assert_eq!(timeout("-5"), None);
        assert_eq!(timeout("1"), Some(Duration::from_secs(2)));
        assert_eq!(timeout("30"), Some(Duration::from_secs(30)));
    }

    #[test]
    fn passwords_never_appear_in_errors() {
        let err = ConnSpec::parse("postgresql://u:s3cr3t@host:notaport/x", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = ConnSpec::parse("host=h password=s3cr3t bogus_option=1", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = ConnSpec::parse("host=h password='s3cr3t' port=s3cr3t", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cr3t"), "{err}");
        // libpq reads `port= password=x` as a port of "password=x".
        let err = ConnSpec::parse("user=u host=h port= password=s3cr3t", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid port number"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let spec = ConnSpec::parse("host=h user=u password=s3cr3t", &env(&[])).unwrap();
        assert!(!format!("{spec:?}").contains("s3cr3t"));
        assert!(!spec.display.contains("s3cr3t"));
    }

    fn passfile(dir: &Path, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("pgpass");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn password_file_is_looked_up_per_host() {
        let dir = tempfile::tempdir().unwrap();
        let file = passfile(
            dir.path(),
            "a:5432:app:u:for-a\nlocalhost:5432:*:u:for-local\n/custom/sock:5433:*:u:for-sock\n10.0.0.9:*:*:*:for-addr\n",
            0o600,
        );
        let env = env(&[("PGPASSFILE", file.to_str().unwrap())]);
        let spec = ConnSpec::parse(
            "host=a,b,/var/run/postgresql,/tmp,/custom/sock port=5432,5432,5432,5432,5433 dbname=app user=u",
            &env,
        )
        .unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("for-a"));
        assert_eq!(password(&spec, 1), None);
        // A default socket directory is `localhost`; another one is matched by its path.
        assert_eq!(password(&spec, 2).as_deref(), Some("for-local"));
        assert_eq!(password(&spec, 3).as_deref(), Some("for-local"));
        assert_eq!(password(&spec, 4).as_deref(), Some("for-sock"));
        // No host: the address is looked up.
        let spec = ConnSpec::parse("hostaddr=10.0.0.9 user=u", &env).unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("for-addr"));
        // The default host is a default socket directory, so `localhost`.
        let spec = ConnSpec::parse("user=u port=5432", &env).unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("for-local"));
    }

    #[test]
    fn password_file_comes_after_string_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = passfile(dir.path(), "*:*:*:*:from-file\n", 0o600);
        let with_file = |extra: &[(&str, &str)]| {
            let mut e = env(&[("PGPASSFILE", file.to_str().unwrap())]);
            e.extend(env(extra));
            e
        };
        let spec = ConnSpec::parse("host=h user=u", &with_file(&[])).unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("from-file"));
        let spec = ConnSpec::parse("host=h user=u", &with_file(&[("PGPASSWORD", "env")])).unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("env"));
        let spec = ConnSpec::parse("host=h user=u password=str", &with_file(&[])).unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("str"));
        // The string's passfile wins over PGPASSFILE; HOME's .pgpass is the last resort.
        let spec = ConnSpec::parse("host=h user=u passfile=/nonexistent", &with_file(&[])).unwrap();
        assert_eq!(password(&spec, 0), None);
        std::fs::rename(&file, dir.path().join(".pgpass")).unwrap();
        let spec = ConnSpec::parse(
            "host=h user=u",
            &env(&[("HOME", dir.path().to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(password(&spec, 0).as_deref(), Some("from-file"));
    }

    #[test]
    fn password_file_others_may_read_is_ignored_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let file = passfile(dir.path(), "*:*:*:*:from-file\n", 0o644);
        let spec = ConnSpec::parse(
            "host=h user=u",
            &env(&[("PGPASSFILE", file.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(password(&spec, 0), None);
        let hint = spec.passfile_hint().unwrap();
        assert!(
            hint.contains("0644") && hint.contains("chmod 0600"),
            "{hint}"
        );
    }
}
