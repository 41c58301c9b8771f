//! Connection strings as libpq users write them: a URI (`postgresql://user@host/db`) or
//! `key=value` pairs, with `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
//! `PGAPPNAME` and `PGCONNECT_TIMEOUT` filling what the string leaves out.
//!
//! tokio-postgres parses the string but ignores the environment
//! (`shared/reference/connections.md`), so the defaults are applied here. TLS (`sslmode=require`
//! and stricter) is not supported yet; such a string is refused with a clear message rather than
//! silently connecting in clear text.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::Config;

/// Why a connection string cannot be used.
#[derive(Debug, Error)]
pub enum ConnError {
    /// The string does not parse.
    #[error("invalid connection string: {0}")]
    Invalid(String),
    /// It asks for something not supported yet.
    #[error("connection string asks for {0}, which pgparity does not support yet")]
    Unsupported(String),
}

/// A parsed connection string with libpq's defaults applied.
#[derive(Clone, Debug)]
pub struct ConnSpec {
    /// The tokio-postgres configuration.
    pub config: Config,
    /// What to call the server in messages: `user@host:port/db`, never the password.
    pub display: String,
}

impl ConnSpec {
    /// Parses `conninfo`, taking defaults from `env` (normally the process environment).
    pub fn parse(conninfo: &str, env: &HashMap<String, String>) -> Result<ConnSpec, ConnError> {
        let mut config = Config::from_str(conninfo)
            .map_err(|e| ConnError::Invalid(redact_secret(&e.to_string(), conninfo)))?;
        let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        if config.get_hosts().is_empty() {
            let hosts = var("PGHOST").unwrap_or_else(|| "/var/run/postgresql".to_owned());
            for host in hosts.split(',') {
                config.host(host);
            }
        }
        if config.get_ports().is_empty() {
            let port = var("PGPORT").unwrap_or_else(|| "5432".to_owned());
            let port = port
                .parse()
                .map_err(|_| ConnError::Invalid(format!("PGPORT {port:?} is not a port number")))?;
            config.port(port);
        }
        if config.get_user().is_none() {
            let user = var("PGUSER")
                .or_else(|| var("USER"))
                .ok_or_else(|| ConnError::Invalid("no user: set user= or PGUSER".to_owned()))?;
            config.user(&user);
        }
        if config.get_dbname().is_none() {
            let dbname = var("PGDATABASE")
                .unwrap_or_else(|| config.get_user().unwrap_or("postgres").to_owned());
            config.dbname(&dbname);
        }
        if config.get_password().is_none() {
            if let Some(password) = var("PGPASSWORD") {
                config.password(password);
            }
        }
        if config.get_application_name().is_none() {
            config.application_name(var("PGAPPNAME").unwrap_or_else(|| "pgparity".to_owned()));
        }
        if config.get_connect_timeout().is_none() {
            let seconds = var("PGCONNECT_TIMEOUT")
                .and_then(|s| s.parse().ok())
                .unwrap_or(10);
            config.connect_timeout(Duration::from_secs(seconds));
        }
        if let Some(mode) = var("PGSSLMODE") {
            if !conninfo.contains("sslmode") {
                match mode.as_str() {
                    "disable" => config.ssl_mode(SslMode::Disable),
                    "prefer" | "allow" => config.ssl_mode(SslMode::Prefer),
                    other => {
                        return Err(ConnError::Unsupported(format!("PGSSLMODE={other} (TLS)")))
                    }
                };
            }
        }
        if config.get_ssl_mode() == SslMode::Require {
            return Err(ConnError::Unsupported("sslmode=require (TLS)".to_owned()));
        }
        let display = describe(&config);
        Ok(ConnSpec { config, display })
    }
}

fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => String::new(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// Removes a password that appears in `conninfo` from `message`.
pub fn redact_secret(message: &str, conninfo: &str) -> String {
    let mut out = message.to_owned();
    for secret in password_values(conninfo) {
        if !secret.is_empty() {
            out = out.replace(&secret, "***");
        }
    }
    out
}

/// The password values a connection string holds (URI userinfo or `password=`).
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

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
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
            ]),
        )
        .unwrap();
        assert_eq!(spec.display, "admin@/tmp/sock:5555/app");
        assert_eq!(spec.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(spec.config.get_application_name(), Some("pgparity"));
    }

    #[test]
    fn the_string_wins_over_the_environment() {
        let spec = ConnSpec::parse(
            "postgresql://u:secret@db.example.com:6000/x",
            &env(&[("PGHOST", "other"), ("PGUSER", "nobody")]),
        )
        .unwrap();
        assert_eq!(spec.display, "u@db.example.com:6000/x");
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
    }

    #[test]
    fn tls_is_refused_until_supported() {
        let err = ConnSpec::parse("host=h user=u sslmode=require", &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sslmode=require"), "{err}");
    }
}
