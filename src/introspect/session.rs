//! A pgparity session on a live server: connected with the TLS that `sslmode` asks for, named
//! `pgparity` (unless the user named it), inside `BEGIN READ ONLY` with a `statement_timeout`.
//!
//! Hosts are tried in order, each within `connect_timeout`, the first that accepts wins (as
//! libpq does). A failure is one line that says what went wrong on each host and, where it
//! helps, what to change; no password is ever part of it.

use super::conn::{ConnSpec, Endpoint, Host, SslMode};
use super::target::IntrospectError;
use super::tls;
use std::error::Error as _;
use std::future::Future;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::{Client, Connection, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// An open session.
pub struct Session {
    client: Client,
    server: String,
    driver: JoinHandle<()>,
    /// What a cancel request needs: the TLS connector when the session uses one.
    tls: Option<MakeRustlsConnect>,
}

/// Cancels the statement a session is running, from anywhere.
#[derive(Clone)]
pub struct Canceller {
    token: tokio_postgres::CancelToken,
    tls: Option<MakeRustlsConnect>,
}

impl Canceller {
    /// Asks the server to cancel the statement the session is running, if any. Best effort: a
    /// request that cannot be delivered is ignored, since the caller is giving up anyway.
    pub async fn cancel(&self) {
        let _ = match &self.tls {
            Some(tls) => self.token.cancel_query(tls.clone()).await,
            None => self.token.cancel_query(NoTls).await,
        };
    }
}

/// How a session's transaction starts.
#[derive(Clone, Copy, Debug)]
pub enum Begin<'a> {
    /// `BEGIN READ ONLY` with the connection's `statement_timeout`: catalog reads.
    ReadOnly,
    /// `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`, importing `snapshot` when given (an
    /// id from `pg_export_snapshot()`), without a statement timeout: long reads that must see
    /// one consistent state.
    Repeatable(Option<&'a str>),
    /// No transaction, each statement commits on its own, without a statement timeout: what
    /// the user asked pgparity to write (`ANALYZE`).
    Autocommit,
}

impl Session {
    /// The client, inside the read-only transaction.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The server it is connected to: `user@host:port/db`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// What cancels the statement this session runs, from another task.
    pub fn canceller(&self) -> Canceller {
        Canceller {
            token: self.client.cancel_token(),
            tls: self.tls.clone(),
        }
    }

    /// Closes the connection and waits until it is closed. An open transaction is rolled back,
    /// so callers commit first when they mean to.
    pub async fn close(self) {
        drop(self.client);
        let _ = self.driver.await;
    }
}

/// Connects to the first endpoint of `spec` that accepts, starts the read-only transaction and
/// sets its statement timeout. Must run inside a Tokio runtime with I/O and time enabled.
pub async fn connect(spec: &ConnSpec) -> Result<Session, IntrospectError> {
    connect_with(spec, Begin::ReadOnly).await
}

/// Connects as [`connect`] does and starts the session as `begin` says.
pub async fn connect_with(spec: &ConnSpec, begin: Begin<'_>) -> Result<Session, IntrospectError> {
    let fail = |message: String| IntrospectError::Connect {
        server: spec.display.clone(),
        message: scrub(spec, message),
    };
    let connector = if spec.endpoints.iter().any(|e| uses_tls(spec, e)) {
        Some(tls::connector(&spec.tls).map_err(fail)?)
    } else {
        None
    };
    let mut failures = Vec::new();
    for endpoint in &spec.endpoints {
        let config = spec.config(endpoint);
        let opened = match &connector {
            Some(connector) if uses_tls(spec, endpoint) => {
                open(spec, endpoint, config.connect(connector.clone())).await
            }
            _ => open(spec, endpoint, config.connect(NoTls)).await,
        };
        match opened {
            Ok((client, driver)) => {
                let server = format!("{}@{}/{}", spec.user, endpoint.display(), spec.dbname);
                let session = Session {
                    client,
                    server,
                    driver,
                    tls: connector.clone().filter(|_| uses_tls(spec, endpoint)),
                };
                return start(spec, session, begin).await;
            }
            Err(why) => failures.push((endpoint, why)),
        }
    }
    let message = match failures.as_slice() {
        [(_, only)] => only.clone(),
        all => all
            .iter()
            .map(|(endpoint, why)| format!("{}: {why}", endpoint.display()))
            .collect::<Vec<_>>()
            .join("; "),
    };
    Err(fail(message))
}

/// Unix sockets never use TLS, and tokio-postgres would still ask the connector for a host name.
fn uses_tls(spec: &ConnSpec, endpoint: &Endpoint) -> bool {
    spec.tls.mode != SslMode::Disable && !endpoint.is_unix_socket()
}

/// Waits for one connection attempt within `connect_timeout`; on success the connection is
/// driven by a task of its own.
async fn open<S, T>(
    spec: &ConnSpec,
    endpoint: &Endpoint,
    attempt: impl Future<Output = Result<(Client, Connection<S, T>), tokio_postgres::Error>>,
) -> Result<(Client, JoinHandle<()>), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let outcome = match spec.connect_timeout {
        Some(limit) => tokio::time::timeout(limit, attempt)
            .await
            .map_err(|_| format!("no answer within {} s (connect_timeout)", limit.as_secs()))?,
        None => attempt.await,
    };
    let (client, connection) = outcome.map_err(|e| explain(spec, endpoint, &e))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((client, driver))
}

async fn start(
    spec: &ConnSpec,
    session: Session,
    begin: Begin<'_>,
) -> Result<Session, IntrospectError> {
    let sql = match begin {
        Begin::ReadOnly => format!(
            "BEGIN READ ONLY; SET LOCAL statement_timeout = '{}ms';",
            spec.statement_timeout.as_millis()
        ),
        Begin::Repeatable(snapshot) => {
            let mut sql = "SET statement_timeout = 0; \
                           BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
                .to_owned();
            if let Some(id) = snapshot {
                sql.push_str(&format!(
                    " SET TRANSACTION SNAPSHOT {};",
                    crate::catalog::quote_literal(id)
                ));
            }
            sql
        }
        Begin::Autocommit => "SET statement_timeout = 0;".to_owned(),
    };
    match session.client.batch_execute(&sql).await {
        Ok(()) => Ok(session),
        Err(error) => {
            let server = session.server.clone();
            session.close().await;
            Err(IntrospectError::Query {
                message: scrub(spec, chain(&error)),
                server,
                what: "session",
            })
        }
    }
}

/// One line on why `endpoint` refused, with a hint where the cause is a setting.
fn explain(spec: &ConnSpec, endpoint: &Endpoint, error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return server_refusal(spec, endpoint, db);
    }
    let mode = spec.tls.mode.as_str();
    // tokio-postgres (0.7.18) does not expose its error kinds; its messages are matched instead.
    let text = chain(error);
    if text.ends_with("password missing") {
        let mut message = "the server asks for a password and none was given \
                           (password=, PGPASSWORD or the password file)"
            .to_owned();
        if let Some(hint) = spec.passfile_hint() {
            message.push_str(&format!("; {hint}"));
        }
        return message;
    }
    if let (Some(Host::Unix(dir)), true) = (&endpoint.host, text.starts_with("error connecting")) {
        let socket = dir.join(format!(".s.PGSQL.{}", endpoint.port));
        return format!(
            "no server answers on socket {} ({text}); is it running locally, and is that its \
             socket directory?",
            socket.display()
        );
    }
    if text.ends_with("server does not support TLS") {
        return format!(
            "the server does not accept TLS connections (ssl = off), and sslmode={mode} requires TLS"
        );
    }
    match rustls_error(error) {
        Some(rustls::Error::InvalidCertificate(cause)) => format!(
            "the server's TLS certificate was refused: {}",
            certificate_problem(spec, endpoint, cause)
        ),
        Some(other) => format!("TLS handshake failed: {other}"),
        None => text,
    }
}

/// The server's own error (authentication, pg_hba.conf, no such database), with what the
/// connection string may have to do with it.
fn server_refusal(spec: &ConnSpec, endpoint: &Endpoint, db: &DbError) -> String {
    let mut message = format!("{}: {}", db.severity(), db.message());
    let auth_failed = [
        SqlState::INVALID_PASSWORD,
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
    ]
    .contains(db.code());
    // pg_hba.conf matched no line for a plain-text connection: `hostssl` lines only, likely.
    if auth_failed && db.message().contains("no encryption") && !endpoint.is_unix_socket() {
        message.push_str(&format!(
            " (the server may accept only TLS connections; sslmode is {})",
            spec.tls.mode.as_str()
        ));
    }
    if let Some(hint) = spec.passfile_hint().filter(|_| auth_failed) {
        message.push_str(&format!(" ({hint})"));
    }
    message
}

/// What is wrong with the server's certificate, and what to look at.
fn certificate_problem(
    spec: &ConnSpec,
    endpoint: &Endpoint,
    cause: &rustls::CertificateError,
) -> String {
    use rustls::CertificateError::*;
    match cause {
        NotValidForName | NotValidForNameContext { .. } => {
            let host = match &endpoint.host {
                Some(Host::Tcp(name)) => name.clone(),
                _ => endpoint.display(),
            };
            format!(
                "it is not valid for host \"{host}\" (sslmode=verify-full checks the name; \
                 verify-ca would not)"
            )
        }
        UnknownIssuer | BadSignature => match tls::check_for(&spec.tls) {
            Ok(tls::Check::Chain(tls::Roots::File(file)))
            | Ok(tls::Check::ChainAndName(tls::Roots::File(file))) => format!(
                "it is not signed by the CA in {} (sslmode={}, sslrootcert)",
                file.display(),
                spec.tls.mode.as_str()
            ),
            _ => "it is not signed by a CA the system trusts (sslrootcert=FILE names the \
                  server's CA)"
                .to_owned(),
        },
        Expired | ExpiredContext { .. } => "it has expired".to_owned(),
        NotValidYet | NotValidYetContext { .. } => "it is not valid yet".to_owned(),
        other => format!("{other:?}"),
    }
}

/// The error and its causes, on one line.
fn chain(error: &tokio_postgres::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.replace('\n', " ")
}

/// The rustls error inside a TLS failure (tokio-rustls wraps it in an `io::Error`).
fn rustls_error(error: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let io = error.source()?.downcast_ref::<std::io::Error>()?;
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

fn scrub(spec: &ConnSpec, message: String) -> String {
    spec.secrets()
        .filter(|s| !s.is_empty())
        .fold(message, |text, secret| text.replace(secret, "***"))
}
