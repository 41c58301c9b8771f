//! The `parameters` phase: server parameters that differ, those a reload applies first, then
//! those that need a restart. Where the profile sets parameters with `ALTER SYSTEM` and the
//! applying role is a superuser, the script runs it (outside a transaction, as it must);
//! elsewhere (a provider's CLI or portal) the exact command is written as a comment.

use super::sql::parameter_name;
use super::{Builder, Phase, Run};
use crate::catalog::quote_literal;
use crate::findings::{Finding, ObjectRef};

const PHASE: Phase = Phase::Parameters;

/// Plans the parameters phase.
pub fn plan(b: &mut Builder<'_>, findings: &[Finding]) {
    let sql_fix = b
        .input
        .policy
        .profile
        .target
        .parameter_fix
        .trim_start()
        .starts_with("ALTER SYSTEM")
        && b.actor.superuser();
    for restart in [false, true] {
        let code = if restart {
            "setting.needs-restart"
        } else {
            "setting.differs"
        };
        let mut altered = false;
        for finding in findings.iter().filter(|f| f.code == code) {
            let (Some(value), true) = (&finding.source, sql_fix) else {
                let command = finding
                    .fix
                    .clone()
                    .unwrap_or_else(|| finding.message.clone());
                b.manual(PHASE, code, &finding.object, command);
                continue;
            };
            b.push(
                PHASE,
                code,
                &finding.object,
                format!(
                    "ALTER SYSTEM SET {} = {};",
                    parameter_name(&finding.object.name),
                    quote_literal(value)
                ),
                Run::Alone,
            );
            altered = true;
        }
        if altered {
            let object = ObjectRef::new("server", "target");
            if restart {
                b.manual(
                    PHASE,
                    code,
                    &object,
                    "restart the server: the parameters above take effect only then".to_owned(),
                );
            } else {
                b.sql(
                    PHASE,
                    code,
                    &object,
                    "SELECT pg_catalog.pg_reload_conf();".to_owned(),
                );
            }
        }
    }
    for finding in findings {
        match finding.code.as_ref() {
            "setting.not-user-settable" => b.unfixable(
                PHASE,
                &finding.code,
                &finding.object,
                "the provider does not let users set it".to_owned(),
            ),
            "setting.removed" => b.unfixable(
                PHASE,
                &finding.code,
                &finding.object,
                "the target's version no longer has it; set its replacement by hand".to_owned(),
            ),
            _ => {}
        }
    }
}
