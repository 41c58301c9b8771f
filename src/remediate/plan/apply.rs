//! `plan --apply`: the plan's statements run on the target, in one transaction as far as they
//! allow; a statement that must run on its own (`ALTER SYSTEM`, `ALTER TYPE ... ADD VALUE`)
//! commits what came before and runs outside any transaction. The first error stops the run:
//! the open transaction is rolled back, and the outcome names the statement, its finding, and
//! what was committed before it.

use super::{Action, Phase, Plan, Run, Step};
use crate::findings::ObjectRef;
use crate::introspect::session::{connect_with, Begin};
use crate::introspect::{ConnSpec, IntrospectError};
use serde::Serialize;

/// A statement that ran and was committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Its phase.
    pub phase: Phase,
    /// The finding code it answers.
    pub code: String,
    /// The finding's object.
    pub object: ObjectRef,
    /// The statement.
    pub statement: String,
}

/// The statement that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplyFailure {
    /// The statement, its phase and finding.
    #[serde(flatten)]
    pub step: Applied,
    /// What the server said.
    pub error: String,
    /// Statements of its transaction that ran before it and were rolled back with it.
    pub rolled_back: usize,
}

/// What `--apply` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ApplyOutcome {
    /// Committed statements, in order.
    pub applied: Vec<Applied>,
    /// Transactions committed (a statement run on its own counts as one).
    pub transactions: usize,
    /// The statement that stopped the run, if one did.
    pub failure: Option<ApplyFailure>,
}

fn applied(step: &Step, sql: &str) -> Applied {
    Applied {
        phase: step.phase,
        code: step.code.clone(),
        object: step.object.clone(),
        statement: sql.to_owned(),
    }
}

/// Runs `plan` on the server `spec` names. Connection trouble is an error; a failing
/// statement is part of the outcome.
pub fn apply(spec: &ConnSpec, plan: &Plan) -> Result<ApplyOutcome, IntrospectError> {
    crate::introspect::target::block_on(spec, run(spec, plan))
}

async fn run(spec: &ConnSpec, plan: &Plan) -> Result<ApplyOutcome, IntrospectError> {
    let session = connect_with(spec, Begin::Autocommit).await?;
    let client = session.client();
    client
        .batch_execute(&plan.session.join("\n"))
        .await
        .map_err(IntrospectError::query(session.server(), "session settings"))?;
    let mut outcome = ApplyOutcome::default();
    let mut pending: Vec<Applied> = Vec::new();
    let mut open = false;
    for step in &plan.steps {
        let Action::Sql { sql, run } = &step.action else {
            continue;
        };
        if *run == Run::Alone && open {
            if let Err(e) = client.batch_execute("COMMIT").await {
                let last = pending.pop();
                outcome.failure = last.map(|step| ApplyFailure {
                    step,
                    error: crate::introspect::target::pg_message(&e),
                    rolled_back: pending.len(),
                });
                open = false;
                break;
            }
            open = false;
            outcome.transactions += 1;
            outcome.applied.append(&mut pending);
        }
        if *run == Run::Transaction && !open {
            client
                .batch_execute("BEGIN")
                .await
                .map_err(IntrospectError::query(session.server(), "BEGIN"))?;
            open = true;
        }
        match client.batch_execute(sql).await {
            Ok(()) if open => pending.push(applied(step, sql)),
            Ok(()) => {
                outcome.transactions += 1;
                outcome.applied.push(applied(step, sql));
            }
            Err(e) => {
                if open {
                    let _ = client.batch_execute("ROLLBACK").await;
                    open = false;
                }
                outcome.failure = Some(ApplyFailure {
                    step: applied(step, sql),
                    error: crate::introspect::target::pg_message(&e),
                    rolled_back: pending.len(),
                });
                pending.clear();
                break;
            }
        }
    }
    if open {
        match client.batch_execute("COMMIT").await {
            Ok(()) => {
                outcome.transactions += 1;
                outcome.applied.append(&mut pending);
            }
            Err(e) => {
                let last = pending.pop();
                outcome.failure = last.map(|step| ApplyFailure {
                    step,
                    error: crate::introspect::target::pg_message(&e),
                    rolled_back: pending.len(),
                });
            }
        }
    }
    session.close().await;
    Ok(outcome)
}
