//! What needs the whole dump: the public schema pg_dump leaves out, row counts, comments and
//! privileges.

use super::{key_of, ObjectsBuilder, Target};
use crate::catalog::{Acl, Owned};
use crate::dump::acl::{acl_default, public_schema_initial, AclKind};

/// The comment initdb gives the public schema.
const PUBLIC_SCHEMA_COMMENT: &str = "standard public schema";
/// The owner of the public schema from PostgreSQL 15.
const PUBLIC_SCHEMA_OWNER: &str = "pg_database_owner";

pub(super) fn finish(b: &mut ObjectsBuilder) {
    public_schema(b);
    rows(b);
    aggregate_results(b);
    default_privileges(b);
    privileges(b);
    comments(b);
}

/// pg_dump 15+ writes no entry for a public schema that is as initdb made it (owned by
/// `pg_database_owner`, its initial privileges and comment); before 15 it always writes one.
fn public_schema(b: &mut ObjectsBuilder) {
    if b.public_schema_seen || b.major() < 15 {
        if let Some(public) = b.out.objects.schemas.get_mut("public") {
            public.owned.comment = Some(PUBLIC_SCHEMA_COMMENT.to_owned());
        }
        return;
    }
    let public = b
        .out
        .objects
        .schemas
        .entry("public".to_owned())
        .or_default();
    public.owned = Owned {
        owner: PUBLIC_SCHEMA_OWNER.to_owned(),
        acl: Acl::default(),
        comment: Some(PUBLIC_SCHEMA_COMMENT.to_owned()),
    };
}

fn rows(b: &mut ObjectsBuilder) {
    for (key, rows) in std::mem::take(&mut b.rows) {
        match b.out.objects.tables.get_mut(&key) {
            Some(table) => table.rows = Some(rows),
            // An extension's configuration table: its data is dumped, the table is not.
            None => {
                *b.out
                    .outside_model
                    .entry("TABLE DATA (of a table the dump does not create)".to_owned())
                    .or_default() += 1;
            }
        }
    }
}

/// An aggregate with a final function returns what that function returns.
fn aggregate_results(b: &mut ObjectsBuilder) {
    for (aggregate, final_function) in std::mem::take(&mut b.aggregate_finals) {
        let prefix = format!("{}(", key_of(&final_function, Some("public")));
        let mut candidates = b
            .out
            .objects
            .functions
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix));
        let result = match (candidates.next(), candidates.next()) {
            (Some((_, f)), None) => f.result.clone(),
            _ => None,
        };
        if let Some(f) = b.out.objects.functions.get_mut(&aggregate) {
            f.result = result;
        }
    }
}

/// Every object starts from `acldefault` for its kind and final owner (the public schema from
/// its initial privileges); the dump's GRANT and REVOKE statements are replayed over that.
fn default_privileges(b: &mut ObjectsBuilder) {
    let major = b.major();
    let pg_dump_major = b.pg_dump_major();
    let o = &mut b.out.objects;
    for (name, schema) in &mut o.schemas {
        schema.owned.acl = if name == "public" {
            public_schema_initial(&schema.owned.owner, pg_dump_major)
        } else {
            acl_default(AclKind::Schema, &schema.owned.owner, major)
        };
    }
    for table in o.tables.values_mut() {
        table.owned.acl = acl_default(AclKind::Table, &table.owned.owner, major);
    }
    for view in o.views.values_mut() {
        view.owned.acl = acl_default(AclKind::Table, &view.owned.owner, major);
    }
    for sequence in o.sequences.values_mut() {
        sequence.owned.acl = acl_default(AclKind::Sequence, &sequence.owned.owner, major);
    }
    for function in o.functions.values_mut() {
        function.owned.acl = acl_default(AclKind::Function, &function.owned.owner, major);
    }
    for t in o.types.values_mut() {
        t.owned.acl = acl_default(AclKind::Type, &t.owned.owner, major);
    }
    for language in o.languages.values_mut() {
        language.owned.acl = acl_default(AclKind::Language, &language.owned.owner, major);
    }
}

fn privileges(b: &mut ObjectsBuilder) {
    let major = b.major();
    for (origin, target, change) in std::mem::take(&mut b.acls) {
        let o = &mut b.out.objects;
        let found = match &target {
            Target::Schema(key) => o.schemas.get_mut(key).map(|s| {
                change.apply(&mut s.owned.acl, AclKind::Schema, None, major);
            }),
            Target::Relation(key) => {
                if let Some(table) = o.tables.get_mut(key) {
                    change.apply(&mut table.owned.acl, AclKind::Table, None, major);
                    let mut missing = None;
                    for name in change.columns() {
                        match table.columns.iter_mut().find(|c| c.name == name) {
                            Some(column) => {
                                change.apply(&mut column.acl, AclKind::Table, Some(name), major)
                            }
                            None => missing = Some(name.to_owned()),
                        }
                    }
                    if let Some(name) = missing {
                        b.out.not_understood.push(origin.not_understood(format!(
                            "privileges on column {name} of {key}, which the dump did not create"
                        )));
                    }
                    Some(())
                } else if let Some(view) = o.views.get_mut(key) {
                    change.apply(&mut view.owned.acl, AclKind::Table, None, major);
                    if change.columns().next().is_some() {
                        // Column privileges of a view have no place in the model.
                        *b.out
                            .outside_model
                            .entry("ACL (on a view's columns)".to_owned())
                            .or_default() += 1;
                    }
                    Some(())
                } else {
                    o.sequences.get_mut(key).map(|s| {
                        change.apply(&mut s.owned.acl, AclKind::Sequence, None, major);
                    })
                }
            }
            Target::Function(key) => o.functions.get_mut(key).map(|f| {
                change.apply(&mut f.owned.acl, AclKind::Function, None, major);
            }),
            Target::Type(key) => o.types.get_mut(key).map(|t| {
                change.apply(&mut t.owned.acl, AclKind::Type, None, major);
            }),
            Target::Language(key) => o.languages.get_mut(key).map(|l| {
                change.apply(&mut l.owned.acl, AclKind::Language, None, major);
            }),
            Target::Unmodeled => Some(()),
            other => {
                b.out.not_understood.push(origin.not_understood(format!(
                    "privileges on {other:?}, which have no place in the model"
                )));
                continue;
            }
        };
        if found.is_none() {
            b.out.not_understood.push(origin.not_understood(format!(
                "privileges on {target:?}, which the dump did not create"
            )));
        }
    }
}

fn comments(b: &mut ObjectsBuilder) {
    for (origin, target, text) in std::mem::take(&mut b.comments) {
        let o = &mut b.out.objects;
        let slot: Option<&mut Option<String>> = match &target {
            Target::Schema(key) => o.schemas.get_mut(key).map(|s| &mut s.owned.comment),
            Target::Relation(key) => {
                if let Some(t) = o.tables.get_mut(key) {
                    Some(&mut t.owned.comment)
                } else if let Some(v) = o.views.get_mut(key) {
                    Some(&mut v.owned.comment)
                } else {
                    o.sequences.get_mut(key).map(|s| &mut s.owned.comment)
                }
            }
            Target::Column(table, column) => {
                if o.views.contains_key(table) {
                    // A view column's comment: the model keeps none.
                    *b.out
                        .outside_model
                        .entry("COMMENT (on a view column)".to_owned())
                        .or_default() += 1;
                    continue;
                }
                o.tables
                    .get_mut(table)
                    .and_then(|t| t.columns.iter_mut().find(|c| &c.name == column))
                    .map(|c| &mut c.comment)
            }
            Target::Constraint(table, name) => o
                .tables
                .get_mut(table)
                .and_then(|t| t.constraints.get_mut(name))
                .map(|c| &mut c.comment),
            Target::Index(key) => match b.index_relations.get(key) {
                Some((relation, name)) => {
                    if let Some(t) = o.tables.get_mut(relation) {
                        t.indexes.get_mut(name).map(|i| &mut i.comment)
                    } else {
                        o.views
                            .get_mut(relation)
                            .and_then(|v| v.indexes.get_mut(name))
                            .map(|i| &mut i.comment)
                    }
                }
                None => None,
            },
            Target::Trigger(table, name) => o
                .tables
                .get_mut(table)
                .and_then(|t| t.triggers.get_mut(name))
                .map(|t| &mut t.comment),
            Target::Policy(table, name) => o
                .tables
                .get_mut(table)
                .and_then(|t| t.policies.get_mut(name))
                .map(|p| &mut p.comment),
            Target::Function(key) => o.functions.get_mut(key).map(|f| &mut f.owned.comment),
            Target::Type(key) => o.types.get_mut(key).map(|t| &mut t.owned.comment),
            Target::Publication(key) => o.publications.get_mut(key).map(|p| &mut p.owned.comment),
            Target::EventTrigger(key) => {
                o.event_triggers.get_mut(key).map(|e| &mut e.owned.comment)
            }
            Target::Language(key) => o.languages.get_mut(key).map(|l| &mut l.owned.comment),
            Target::DomainConstraint | Target::Unmodeled => continue,
        };
        match slot {
            Some(slot) => *slot = text,
            None => b.out.not_understood.push(origin.not_understood(format!(
                "a comment on {target:?}, which the dump did not create"
            ))),
        }
    }
}
