//! Reads a whole server into a [`Snapshot`]: nine set-based queries on the first connection
//! (version, settings, provider placeholders, available extensions, roles, memberships, role
//! and database settings, databases, tablespaces), then every database that accepts
//! connections is read on its own connection, a few at a time.
//!
//! Snapshots are also saved to and loaded from JSON, so that a saved baseline can stand in for
//! a server anywhere one is expected.

use super::conn::ConnSpec;
use super::contents::read_contents;
use super::session::{connect_with, Begin, Session};
use super::target::{block_on, pg_message, IntrospectError};
use crate::catalog::{
    AvailableExtension, Catalog, Database, Membership, PasswordKind, Role, RoleName, RoleSetting,
    ServerInfo, Setting, Snapshot, Tablespace, SNAPSHOT_FORMAT,
};
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;
use tokio_postgres::Client;

/// How many databases are read at once (each on two connections).
const DATABASE_CONNECTIONS: usize = 2;

/// Reads the server `spec` points at. `provider_parameters` are read with
/// `current_setting(name, true)` (placeholders such as `azure.extensions`).
pub fn read_snapshot(
    spec: &ConnSpec,
    provider_parameters: &[String],
) -> Result<Snapshot, IntrospectError> {
    block_on(spec, read_server(spec, provider_parameters))
}

/// Opens a read-only session on `database` (the spec's own when `None`), in UTC with ISO
/// dates so that expiry times read the same from every server, and without JIT: the planner
/// overestimates the recursive type-usage query on large catalogs, and compiling it cost a
/// second per database for a query that runs in 30 ms (benches/snapshot.sh).
async fn open(spec: &ConnSpec, database: Option<&str>) -> Result<Session, IntrospectError> {
    open_with(spec, database, Begin::ReadOnly).await
}

/// [`open`] with another kind of transaction.
async fn open_with(
    spec: &ConnSpec,
    database: Option<&str>,
    begin: Begin<'_>,
) -> Result<Session, IntrospectError> {
    let spec = match database {
        Some(db) => spec.for_database(db),
        None => spec.clone(),
    };
    let session = connect_with(&spec, begin).await?;
    session
        .client()
        .batch_execute(
            "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL jit = off;",
        )
        .await
        .map_err(IntrospectError::query(&spec.display, "session"))?;
    Ok(session)
}

async fn read_server(
    spec: &ConnSpec,
    provider_parameters: &[String],
) -> Result<Snapshot, IntrospectError> {
    let session = open(spec, None).await?;
    let client = session.client();
    let failed = |what| IntrospectError::query(&spec.display, what);

    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version'), \
                    current_user::text, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
            &[],
        )
        .await
        .map_err(failed("server version"))?;
    let version_num = row.get::<_, i32>(0) as u32;
    let server = ServerInfo {
        version_num,
        version: row.get(1),
        major: version_num / 10000,
        current_user: row.get(2),
        superuser: row.get(3),
    };
    let major = server.major;

    let mut settings = BTreeMap::new();
    for row in client
        .query(
            "SELECT name, setting, unit, vartype, context, source, boot_val, reset_val, \
                    pending_restart FROM pg_settings",
            &[],
        )
        .await
        .map_err(failed("pg_settings"))?
    {
        settings.insert(
            row.get::<_, String>(0),
            Setting {
                value: row.get::<_, Option<String>>(1).unwrap_or_default(),
                unit: row.get(2),
                vartype: row.get(3),
                context: row.get(4),
                source: row.get(5),
                boot_val: row.get(6),
                reset_val: row.get(7),
                pending_restart: row.get(8),
            },
        );
    }

    let mut provider_settings = BTreeMap::new();
    for row in client
        .query(
            "SELECT n, current_setting(n, true) FROM unnest($1::text[]) AS n",
            &[&provider_parameters],
        )
        .await
        .map_err(failed("provider parameters"))?
    {
        let value: Option<String> = row.get(1);
        provider_settings.insert(row.get(0), value.filter(|v| !v.is_empty()));
    }

    let trusted = if major >= 13 { "v.trusted" } else { "false" };
    let mut available_extensions = BTreeMap::new();
    for row in client
        .query(
            &format!(
                "SELECT a.name::text, a.default_version, \
                        coalesce(array_agg(v.version ORDER BY v.version) \
                                 FILTER (WHERE v.version IS NOT NULL), '{{}}'), \
                        coalesce(bool_or(v.superuser) FILTER (WHERE v.version = a.default_version), true), \
                        coalesce(bool_or({trusted}) FILTER (WHERE v.version = a.default_version), false) \
                 FROM pg_available_extensions a \
                 LEFT JOIN pg_available_extension_versions v ON v.name = a.name \
                 GROUP BY a.name, a.default_version"
            ),
            &[],
        )
        .await
        .map_err(failed("available extensions"))?
    {
        available_extensions.insert(
            row.get::<_, String>(0),
            AvailableExtension {
                default_version: row.get(1),
                versions: row.get(2),
                superuser: row.get(3),
                trusted: row.get(4),
            },
        );
    }

    let roles = read_roles(client, &server).await.map_err(failed("roles"))?;

    let locale = match major {
        0..=14 => "'libc', NULL::text",
        15 | 16 => {
            "CASE d.datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END, \
             d.daticulocale"
        }
        _ => {
            "CASE d.datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END, \
             d.datlocale"
        }
    };
    let mut databases = BTreeMap::new();
    for row in client
        .query(
            &format!(
                "SELECT d.datname::text, pg_get_userbyid(d.datdba)::text, \
                        pg_encoding_to_char(d.encoding)::text, d.datcollate::text, d.datctype::text, \
                        {locale}, d.datconnlimit, d.datistemplate, d.datallowconn, \
                        t.spcname::text, d.datacl::text \
                 FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace"
            ),
            &[],
        )
        .await
        .map_err(failed("databases"))?
    {
        databases.insert(
            row.get::<_, String>(0),
            Database {
                owner: row.get(1),
                encoding: row.get(2),
                collate: row.get(3),
                ctype: row.get(4),
                locale_provider: row.get(5),
                locale: row.get(6),
                connection_limit: row.get(7),
                is_template: row.get(8),
                allow_connections: row.get(9),
                tablespace: row.get(10),
                acl: row.get(11),
                settings: BTreeMap::new(),
                contents: None,
                unread: None,
            },
        );
    }
    // Settings for a database and every role (setrole = 0).
    for row in client
        .query(
            "SELECT d.datname::text, s.setconfig FROM pg_db_role_setting s \
             JOIN pg_database d ON d.oid = s.setdatabase WHERE s.setrole = 0",
            &[],
        )
        .await
        .map_err(failed("database settings"))?
    {
        let name: String = row.get(0);
        let config: Vec<String> = row.get(1);
        if let Some(db) = databases.get_mut(&name) {
            db.settings = config.iter().filter_map(|c| split_setting(c)).collect();
        }
    }

    let mut tablespaces = BTreeMap::new();
    for row in client
        .query(
            "SELECT spcname::text, pg_get_userbyid(spcowner)::text, pg_tablespace_location(oid) \
             FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')",
            &[],
        )
        .await
        .map_err(failed("tablespaces"))?
    {
        tablespaces.insert(
            row.get::<_, String>(0),
            Tablespace {
                owner: row.get(1),
                location: row.get(2),
            },
        );
    }
    session.close().await;

    read_databases(spec, major, &mut databases).await;

    Ok(Snapshot {
        pgparity_snapshot: SNAPSHOT_FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        server,
        settings,
        provider_settings,
        available_extensions,
        roles,
        databases,
        tablespaces,
        database: Some(spec.dbname.clone()),
        dump: None,
    })
}

/// `name=value` as `pg_db_role_setting.setconfig` holds it.
fn split_setting(config: &str) -> Option<(String, String)> {
    let (name, value) = config.split_once('=')?;
    Some((name.to_owned(), value.to_owned()))
}

async fn read_roles(
    client: &Client,
    server: &ServerInfo,
) -> Result<Catalog, tokio_postgres::Error> {
    // The password's kind is computed by the server: the hash itself is never fetched.
    let (table, password) = if server.superuser {
        (
            "pg_authid",
            "CASE WHEN a.rolpassword IS NULL THEN 'none' \
                  WHEN a.rolpassword ~ '^md5[0-9a-f]{32}$' THEN 'md5' \
                  WHEN a.rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256' \
                  ELSE 'plaintext' END",
        )
    } else {
        ("pg_roles", "'unknown'")
    };
    let mut catalog = Catalog::default();
    // Predefined roles (pg_monitor, ...) are the server's, like pg_dumpall leaves them out.
    let rows = client
        .query(
            &format!(
                "SELECT a.rolname::text, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, \
                        a.rolcanlogin, a.rolreplication, a.rolbypassrls, a.rolconnlimit, {password}, \
                        a.rolvaliduntil::text, shobj_description(a.oid, 'pg_authid') \
                 FROM {table} a WHERE NOT (a.rolname ~ '^pg_' AND a.oid < 16384)"
            ),
            &[],
        )
        .await?;
    for row in rows {
        let name = RoleName::new(row.get::<_, String>(0));
        let password = match row.get::<_, &str>(9) {
            "none" => PasswordKind::None,
            "md5" => PasswordKind::Md5,
            "scram-sha-256" => PasswordKind::ScramSha256,
            "plaintext" => PasswordKind::Plaintext,
            _ => PasswordKind::Unknown,
        };
        let role = Role {
            name: name.clone(),
            superuser: row.get(1),
            inherit: row.get(2),
            createrole: row.get(3),
            createdb: row.get(4),
            login: row.get(5),
            replication: row.get(6),
            bypassrls: row.get(7),
            connection_limit: row.get(8),
            password,
            valid_until: row.get(10),
            comment: row.get(11),
        };
        catalog.roles.insert(name, role);
    }

    let options = if server.major >= 16 {
        "am.inherit_option, am.set_option"
    } else {
        "NULL::bool, NULL::bool"
    };
    let rows = client
        .query(
            &format!(
                "SELECT r.rolname::text, m.rolname::text, am.admin_option, {options}, g.rolname::text \
                 FROM pg_auth_members am \
                 JOIN pg_roles r ON r.oid = am.roleid \
                 JOIN pg_roles m ON m.oid = am.member \
                 LEFT JOIN pg_roles g ON g.oid = am.grantor \
                 WHERE NOT (m.rolname ~ '^pg_' AND m.oid < 16384) \
                 ORDER BY 1, 2, 6"
            ),
            &[],
        )
        .await?;
    for row in rows {
        catalog.memberships.push(Membership {
            role: RoleName::new(row.get::<_, String>(0)),
            member: RoleName::new(row.get::<_, String>(1)),
            admin_option: row.get(2),
            inherit_option: row.get(3),
            set_option: row.get(4),
            grantor: row.get::<_, Option<String>>(5).map(RoleName::new),
        });
    }

    let rows = client
        .query(
            "SELECT r.rolname::text, d.datname::text, s.setconfig FROM pg_db_role_setting s \
             JOIN pg_roles r ON r.oid = s.setrole \
             LEFT JOIN pg_database d ON d.oid = s.setdatabase \
             ORDER BY 1, 2 NULLS FIRST",
            &[],
        )
        .await?;
    for row in rows {
        let role = RoleName::new(row.get::<_, String>(0));
        let database: Option<String> = row.get(1);
        let config: Vec<String> = row.get(2);
        for (name, value) in config.iter().filter_map(|c| split_setting(c)) {
            catalog.role_settings.push(RoleSetting {
                role: role.clone(),
                database: database.clone(),
                name,
                value,
            });
        }
    }
    Ok(catalog)
}

/// Two sessions on `database` that see one snapshot (the second imports what the first
/// exports), so that its catalogs are read by two queries at once; only the first when the
/// second cannot connect (a connection limit) or the server cannot share a snapshot.
async fn open_pair(
    spec: &ConnSpec,
    database: &str,
) -> Result<(Session, Option<Session>), IntrospectError> {
    let first = open_with(spec, Some(database), Begin::Repeatable(None)).await?;
    // Not in a savepoint: PostgreSQL exports no snapshot from a subtransaction. A server that
    // cannot export one (a standby in recovery) aborts the transaction, so it is opened again.
    let exported = first
        .client()
        .query_one("SELECT pg_catalog.pg_export_snapshot()", &[])
        .await;
    let id: String = match exported {
        Ok(row) => row.get(0),
        Err(_) => {
            first.close().await;
            let again = open_with(spec, Some(database), Begin::Repeatable(None)).await?;
            return Ok((again, None));
        }
    };
    let second = open_with(spec, Some(database), Begin::Repeatable(Some(&id)))
        .await
        .ok();
    Ok((first, second))
}

/// Reads every database that accepts connections (templates aside), a few at a time. A
/// database that cannot be read keeps `contents: None` and says why in `unread`.
async fn read_databases(spec: &ConnSpec, major: u32, databases: &mut BTreeMap<String, Database>) {
    let mut pending: Vec<String> = Vec::new();
    for (name, db) in databases.iter_mut() {
        if db.is_template {
            db.unread = Some("template database".to_owned());
        } else if !db.allow_connections {
            db.unread = Some("does not accept connections".to_owned());
        } else {
            pending.push(name.clone());
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    let mut queue = pending.into_iter();
    loop {
        while tasks.len() < DATABASE_CONNECTIONS {
            let Some(name) = queue.next() else { break };
            let spec = spec.clone();
            tasks.spawn(async move {
                let result = match open_pair(&spec, &name).await {
                    Ok((first, second)) => {
                        let second_client = second.as_ref().unwrap_or(&first).client();
                        let read = read_contents(first.client(), second_client, major).await;
                        first.close().await;
                        if let Some(second) = second {
                            second.close().await;
                        }
                        read.map_err(|e| format!("reading its objects failed: {}", pg_message(&e)))
                    }
                    Err(e) => Err(e.to_string()),
                };
                (name, result)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (name, result) = match joined {
            Ok(done) => done,
            Err(e) => panic!("a database reader panicked: {e}"),
        };
        if let Some(db) = databases.get_mut(&name) {
            match result {
                Ok(contents) => db.contents = Some(contents),
                Err(why) => db.unread = Some(why),
            }
        }
    }
}

/// Why a snapshot file cannot be used.
#[derive(Debug, Error)]
pub enum SnapshotError {
    /// It cannot be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// It is not a pgparity snapshot.
    #[error("{file}: not a pgparity snapshot ({why})")]
    NotOurs {
        /// The file.
        file: String,
        /// What is missing or wrong.
        why: String,
    },
    /// It was written by a newer pgparity.
    #[error("{file}: snapshot format {found} is newer than this pgparity reads ({SNAPSHOT_FORMAT}); upgrade pgparity")]
    TooNew {
        /// The file.
        file: String,
        /// The format it has.
        found: u64,
    },
    /// It is ours but a field is wrong.
    #[error("{file}: invalid snapshot: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// What serde said, with line and column.
        message: String,
    },
}

/// Loads a snapshot saved by `pgparity snapshot`.
pub fn load_snapshot(path: &Path) -> Result<Snapshot, SnapshotError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Io {
        file: file.clone(),
        source,
    })?;
    // The common case in one pass; a file that does not load is read again, as a JSON value,
    // to say what it is.
    if let Ok(snapshot) = serde_json::from_str::<Snapshot>(&text) {
        if snapshot.pgparity_snapshot > SNAPSHOT_FORMAT {
            return Err(SnapshotError::TooNew {
                file,
                found: u64::from(snapshot.pgparity_snapshot),
            });
        }
        return Ok(snapshot);
    }
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| SnapshotError::NotOurs {
            file: file.clone(),
            why: format!("not JSON: {e}"),
        })?;
    let format = value
        .get("pgparity_snapshot")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| SnapshotError::NotOurs {
            file: file.clone(),
            why: "no \"pgparity_snapshot\" format number".to_owned(),
        })?;
    if format > u64::from(SNAPSHOT_FORMAT) {
        return Err(SnapshotError::TooNew {
            file,
            found: format,
        });
    }
    serde_json::from_value(value).map_err(|e| SnapshotError::Invalid {
        file,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_snapshots_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let check = |name: &str, text: &str, expect: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let err = load_snapshot(&path).unwrap_err().to_string();
            assert!(err.contains(expect), "{name}: {err}");
            assert!(err.contains(name), "{name}: {err}");
        };
        check("roles.json", "CREATE ROLE x;", "not JSON");
        check(
            "other.json",
            r#"{"findings": []}"#,
            "no \"pgparity_snapshot\"",
        );
        check(
            "newer.json",
            r#"{"pgparity_snapshot": 99}"#,
            "format 99 is newer",
        );
        check(
            "broken.json",
            r#"{"pgparity_snapshot": 1}"#,
            "invalid snapshot",
        );
        let err = load_snapshot(&dir.path().join("missing.json")).unwrap_err();
        assert!(matches!(err, SnapshotError::Io { .. }));
    }

    #[test]
    fn settings_split_at_the_first_equals_sign() {
        assert_eq!(
            split_setting("search_path=a, \"b=c\""),
            Some(("search_path".to_owned(), "a, \"b=c\"".to_owned()))
        );
        assert_eq!(split_setting("broken"), None);
    }
}
