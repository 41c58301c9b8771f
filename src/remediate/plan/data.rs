//! The `pre-data` and `post-data` helpers of the migration guides, around a data load into a
//! target whose schema is in place: before, foreign keys are dropped and user triggers
//! disabled, so rows load in any order without firing anything; after, the exact inverse:
//! each foreign key is added `NOT VALID` (no long lock) and then validated (unless the source
//! has it `NOT VALID`), and each trigger is put back in its state on the source.
//!
//! Both are made from the source's definitions, so that what post-data restores is the
//! source's, whatever the target had.

use super::ddl;
use super::{Builder, Phase};
use crate::catalog::Table;
use crate::findings::ObjectRef;

/// The tables whose foreign keys and triggers the helpers touch, with what the applier may do.
fn tables<'a>(b: &mut Builder<'a>, phase: Phase) -> Vec<(&'a String, &'a Table)> {
    let mut out = Vec::new();
    for (name, table) in &b.source_objects.tables {
        let touched = table.constraints.values().any(|c| c.kind == "f")
            || table.triggers.values().any(|t| t.enabled != "D");
        if !touched {
            continue;
        }
        if let Some(why) = b.actor.cannot_act_as(&table.owned.owner) {
            b.unfixable(
                phase,
                "load.table",
                &ObjectRef::new("table", name.clone()),
                format!(
                    "its foreign keys and triggers are left as they are: it is owned by {}: {why}",
                    crate::catalog::quote_ident(&table.owned.owner)
                ),
            );
            continue;
        }
        out.push((name, table));
    }
    out
}

/// Drops foreign keys, then disables the user triggers that are enabled on the source.
pub fn pre_data(b: &mut Builder<'_>) {
    let phase = Phase::PreData;
    let tables = tables(b, phase);
    for (name, table) in &tables {
        for (constraint, _) in table.constraints.iter().filter(|(_, c)| c.kind == "f") {
            let object = ObjectRef::new("constraint", format!("{constraint} ON {name}"));
            b.sql(
                phase,
                "load.foreign-key",
                &object,
                format!("ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {constraint};"),
            );
        }
    }
    for (name, table) in &tables {
        for (trigger, _) in table.triggers.iter().filter(|(_, t)| t.enabled != "D") {
            let object = ObjectRef::new("trigger", format!("{trigger} ON {name}"));
            b.sql(
                phase,
                "load.trigger",
                &object,
                ddl::trigger_state(name, trigger, "D"),
            );
        }
    }
}

/// The inverse of [`pre_data`]: foreign keys back (`NOT VALID`, then validated), triggers
/// enabled as the source has them.
pub fn post_data(b: &mut Builder<'_>) {
    let phase = Phase::PostData;
    let tables = tables(b, phase);
    let mut validate = Vec::new();
    for (name, table) in &tables {
        for (constraint, c) in table.constraints.iter().filter(|(_, c)| c.kind == "f") {
            let object = ObjectRef::new("constraint", format!("{constraint} ON {name}"));
            let valid = !c.definition.ends_with(" NOT VALID");
            // Before 18 a partitioned table's foreign key cannot be added NOT VALID.
            let partitioned = table.kind == "partitioned table" && b.target_major() < 18;
            let definition = if valid && !partitioned {
                format!("{} NOT VALID", c.definition)
            } else {
                c.definition.clone()
            };
            let referenced = super::sql::referenced_table(&c.definition);
            let mut pair = vec![name.as_str()];
            pair.extend(referenced.as_deref());
            let forced = b.forced_rls(&pair);
            let add = if partitioned {
                ddl::add_constraint_checked(name, constraint, &definition, &forced)
            } else {
                ddl::add_constraint(name, constraint, &definition)
            };
            b.sql(phase, "load.foreign-key", &object, add);
            if valid && !partitioned {
                validate.push((object, ddl::validate_constraint(name, constraint, &forced)));
            }
        }
    }
    for (object, sql) in validate {
        b.sql(phase, "load.foreign-key", &object, sql);
    }
    for (name, table) in &tables {
        for (trigger, t) in table.triggers.iter().filter(|(_, t)| t.enabled != "D") {
            let object = ObjectRef::new("trigger", format!("{trigger} ON {name}"));
            b.sql(
                phase,
                "load.trigger",
                &object,
                ddl::trigger_state(name, trigger, &t.enabled),
            );
        }
    }
}
