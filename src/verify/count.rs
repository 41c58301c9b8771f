//! Exact row counts on one side with a bounded pool of connections, all inside one snapshot.
//!
//! The first connection exports its snapshot (`pg_export_snapshot()`); the others import it
//! (`SET TRANSACTION SNAPSHOT`), so every count sees the database as of one instant even while
//! it changes. The tables are handed out largest first, so the run ends close to the time of
//! the largest table. A statement that fails for one table (no privilege, dropped meanwhile) is
//! that table's error, and the connection goes on after `ROLLBACK TO SAVEPOINT`; a connection
//! that is lost, or a server shutting down, stops the whole run.

use super::catalog::{qualified, QualifiedName};
use crate::introspect::session::{connect_with, Begin, Canceller, Session};
use crate::introspect::target::pg_message;
use crate::introspect::{ConnSpec, IntrospectError};
use indicatif::ProgressBar;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The count of one table, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum Counted {
    /// `count(*)` returned this.
    Rows(u64),
    /// The statement failed (the server's message).
    Failed(String),
}

/// What counting one side did.
#[derive(Debug, Default)]
pub struct SideCounts {
    /// Tables counted (or failed), by name.
    pub counts: Vec<(QualifiedName, Counted, Duration)>,
    /// Why the run stopped before every table was counted.
    pub stopped: Option<String>,
}

/// Stops every worker of a run: set once, read by all, and the statements running are cancelled.
#[derive(Clone, Default)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    why: Arc<Mutex<Option<String>>>,
    running: Arc<Mutex<Vec<Canceller>>>,
}

impl Stop {
    /// Stops the run for `why` (the first reason given is kept) and cancels what runs.
    pub async fn stop(&self, why: String) {
        self.why
            .lock()
            .expect("stop reason lock")
            .get_or_insert(why);
        if !self.flag.swap(true, Ordering::SeqCst) {
            let running: Vec<Canceller> = self.running.lock().expect("canceller lock").clone();
            for canceller in running {
                canceller.cancel().await;
            }
        }
    }

    /// The run was stopped.
    pub fn stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Why the run was stopped, if it was.
    pub fn reason(&self) -> Option<String> {
        self.why.lock().expect("stop reason lock").clone()
    }

    fn register(&self, session: &Session) {
        self.running
            .lock()
            .expect("canceller lock")
            .push(session.canceller());
    }
}

/// An error that ends the connection (or the server) rather than one statement.
pub fn is_fatal(error: &tokio_postgres::Error) -> bool {
    match error.as_db_error() {
        // 08: connection exception; 57: operator intervention (shutdown, cancel, crash).
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || code.starts_with("57")
        }
        None => true,
    }
}

/// Counts `tables` (largest first, as given) with up to `jobs` connections to `spec`, the
/// first of which is `leader`, already inside the snapshot `snapshot` exports.
pub async fn count_side(
    spec: &ConnSpec,
    leader: Session,
    snapshot: String,
    tables: Vec<QualifiedName>,
    jobs: usize,
    stop: &Stop,
    progress: &ProgressBar,
) -> (SideCounts, Session) {
    let tables = Arc::new(tables);
    let next = Arc::new(AtomicUsize::new(0));
    let workers = jobs.clamp(1, tables.len().max(1));
    stop.register(&leader);
    let mut set = tokio::task::JoinSet::new();
    for _ in 1..workers {
        let (spec, snapshot, tables, next, stop, progress) = (
            spec.clone(),
            snapshot.clone(),
            tables.clone(),
            next.clone(),
            stop.clone(),
            progress.clone(),
        );
        set.spawn(async move {
            let session = match connect_with(&spec, Begin::Repeatable(Some(&snapshot))).await {
                Ok(session) => session,
                Err(error) => {
                    stop.stop(error.to_string()).await;
                    return Vec::new();
                }
            };
            stop.register(&session);
            let counts = work(&session, &tables, &next, &stop, &progress).await;
            session.close().await;
            counts
        });
    }
    let mut counts = work(&leader, &tables, &next, stop, progress).await;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(more) => counts.extend(more),
            Err(panic) => stop.stop(format!("a counting task failed: {panic}")).await,
        }
    }
    let stopped = stop.reason();
    (SideCounts { counts, stopped }, leader)
}

/// One worker: takes the next table until none is left or the run stops.
async fn work(
    session: &Session,
    tables: &[QualifiedName],
    next: &AtomicUsize,
    stop: &Stop,
    progress: &ProgressBar,
) -> Vec<(QualifiedName, Counted, Duration)> {
    let client = session.client();
    let mut counts = Vec::new();
    if let Err(error) = client.batch_execute("SAVEPOINT pgparity_count").await {
        stop.stop(format!("{}: {}", session.server(), pg_message(&error)))
            .await;
        return counts;
    }
    while !stop.stopped() {
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some(table) = tables.get(i) else { break };
        let started = Instant::now();
        let sql = format!("SELECT count(*) FROM ONLY {}", qualified(table));
        match client.query_one(sql.as_str(), &[]).await {
            Ok(row) => {
                let n: i64 = row.get(0);
                counts.push((table.clone(), Counted::Rows(n as u64), started.elapsed()));
            }
            Err(error) if is_fatal(&error) => {
                if !stop.stopped() {
                    let why = format!(
                        "{}: counting {} failed: {}",
                        session.server(),
                        qualified(table),
                        pg_message(&error)
                    );
                    stop.stop(why).await;
                }
                break;
            }
            Err(error) => {
                counts.push((
                    table.clone(),
                    Counted::Failed(pg_message(&error)),
                    started.elapsed(),
                ));
                if let Err(error) = client
                    .batch_execute("ROLLBACK TO SAVEPOINT pgparity_count")
                    .await
                {
                    stop.stop(format!("{}: {}", session.server(), pg_message(&error)))
                        .await;
                    break;
                }
            }
        }
        progress.inc(1);
    }
    counts
}

/// Opens the first connection of a side inside a fresh snapshot, and exports it.
pub async fn lead(spec: &ConnSpec) -> Result<(Session, String), IntrospectError> {
    let session = connect_with(spec, Begin::Repeatable(None)).await?;
    let row = session
        .client()
        .query_one("SELECT pg_catalog.pg_export_snapshot()", &[])
        .await
        .map_err(IntrospectError::query(session.server(), "snapshot"))?;
    let snapshot = row.get(0);
    Ok((session, snapshot))
}

/// Runs `ANALYZE` on `tables` with up to `jobs` connections, each statement committed on its
/// own. Returns what ran and how long it took, or why it failed.
pub async fn analyze(
    spec: &ConnSpec,
    tables: Vec<QualifiedName>,
    jobs: usize,
    stop: &Stop,
    progress: &ProgressBar,
) -> Vec<(QualifiedName, Result<Duration, String>)> {
    let tables = Arc::new(tables);
    let next = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..jobs.clamp(1, tables.len().max(1)) {
        let (spec, tables, next, stop, progress) = (
            spec.clone(),
            tables.clone(),
            next.clone(),
            stop.clone(),
            progress.clone(),
        );
        set.spawn(async move {
            let mut done = Vec::new();
            let session = match connect_with(&spec, Begin::Autocommit).await {
                Ok(session) => session,
                Err(error) => {
                    stop.stop(error.to_string()).await;
                    return done;
                }
            };
            stop.register(&session);
            while !stop.stopped() {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(table) = tables.get(i) else { break };
                let started = Instant::now();
                let sql = format!("ANALYZE {}", qualified(table));
                match session.client().batch_execute(&sql).await {
                    Ok(()) => done.push((table.clone(), Ok(started.elapsed()))),
                    Err(error) if is_fatal(&error) => {
                        let why =
                            format!("{}: {sql} failed: {}", session.server(), pg_message(&error));
                        stop.stop(why).await;
                    }
                    Err(error) => done.push((table.clone(), Err(pg_message(&error)))),
                }
                progress.inc(1);
            }
            session.close().await;
            done
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(more) => done.extend(more),
            Err(panic) => stop.stop(format!("an ANALYZE task failed: {panic}")).await,
        }
    }
    done
}
