//! Reads what a roles cleanup needs to know about a live target: its version, the connecting
//! role's attributes, every role with what the connecting role may do with it, and which
//! parameters it may set. Three set-based queries in one read-only transaction.

use super::conn::ConnSpec;
use super::session;
use crate::catalog::{Applier, ExistingRole, FactsOrigin, ParameterFact, RoleName, TargetFacts};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why a server could not be read.
#[derive(Debug, Error)]
pub enum IntrospectError {
    /// No connection.
    #[error("cannot connect to {server}: {message}")]
    Connect {
        /// `user@host:port/db`.
        server: String,
        /// What went wrong.
        message: String,
    },
    /// A query failed.
    #[error("{server}: reading {what} failed: {message}")]
    Query {
        /// `user@host:port/db`.
        server: String,
        /// What was being read.
        what: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl IntrospectError {
    /// Maps a failed query while reading `what` from `server`.
    pub(crate) fn query(
        server: &str,
        what: &'static str,
    ) -> impl FnOnce(tokio_postgres::Error) -> IntrospectError {
        let server = server.to_owned();
        move |e| IntrospectError::Query {
            server,
            what,
            message: pg_message(&e),
        }
    }
}

/// Runs `work` against `spec`'s server on a single-threaded runtime of its own.
pub(crate) fn block_on<T>(
    spec: &ConnSpec,
    work: impl std::future::Future<Output = Result<T, IntrospectError>>,
) -> Result<T, IntrospectError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| IntrospectError::Connect {
            server: spec.display.clone(),
            message: e.to_string(),
        })?;
    runtime.block_on(work)
}

pub(crate) fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut msg = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            msg
        }
    }
}

/// Connects to the target and reads its facts.
pub fn read_target_facts(spec: &ConnSpec) -> Result<TargetFacts, IntrospectError> {
    block_on(spec, read(spec))
}

async fn read(spec: &ConnSpec) -> Result<TargetFacts, IntrospectError> {
    let session = session::connect(spec).await?;
    let server = session.server().to_owned();
    let client = session.client();
    let query_err = |what| IntrospectError::query(&server, what);
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version'), \
             current_user::text, current_setting('password_encryption')",
            &[],
        )
        .await
        .map_err(query_err("server version"))?;
    let version_num: i32 = row.get(0);
    let server_version: String = row.get(1);
    let current: String = row.get(2);
    let password_encryption: String = row.get(3);
    let server_major = (version_num / 10000) as u32;

    let rows = client
        .query(
            "SELECT rolname::text, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, \
                    pg_has_role(current_user, oid, 'MEMBER WITH ADMIN OPTION'), \
                    pg_has_role(current_user, oid, 'USAGE') \
             FROM pg_roles",
            &[],
        )
        .await
        .map_err(query_err("roles"))?;
    let mut applier = Applier {
        name: Some(RoleName::new(current.clone())),
        ..Applier::default()
    };
    let mut roles = BTreeMap::new();
    for row in rows {
        let name: String = row.get(0);
        let existing = ExistingRole {
            superuser: row.get(1),
            replication: row.get(4),
            bypassrls: row.get(5),
            admin: row.get(6),
            privileges: row.get(7),
        };
        if name == current {
            applier.superuser = row.get(1);
            applier.createrole = row.get(2);
            applier.createdb = row.get(3);
            applier.replication = row.get(4);
            applier.bypassrls = row.get(5);
        }
        roles.insert(RoleName::new(name), existing);
    }

    let settable = if server_major >= 15 {
        "has_parameter_privilege(name, 'SET')"
    } else {
        "false"
    };
    let rows = client
        .query(
            &format!(
                "SELECT lower(name), context, context = 'user' OR \
                        (context IN ('superuser', 'superuser-backend') AND \
                         ((SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR {settable})) \
                 FROM pg_settings"
            ),
            &[],
        )
        .await
        .map_err(query_err("parameters"))?;
    let parameters = rows
        .into_iter()
        .map(|row| {
            let fact = ParameterFact {
                context: row.get(1),
                settable: row.get(2),
            };
            (row.get::<_, String>(0), fact)
        })
        .collect();
    client
        .batch_execute("COMMIT")
        .await
        .map_err(query_err("session"))?;
    session.close().await;
    Ok(TargetFacts {
        origin: FactsOrigin::Live { server_version },
        server_major,
        applier,
        roles,
        manages_all_roles: false,
        password_encryption,
        parameters: Some(parameters),
    })
}
