//! The objects of one side, found again by the kind and name a diff finding gives them
//! (`column` `app.customers.created`, `index` `items_partial ON "Sales Data"."Order Items"`).
//! The names are built exactly as [`crate::diff::diff_objects`] builds them.

use crate::catalog::{
    quote_ident, Column, Constraint, DefaultPrivileges, EventTrigger, Function, Index, Language,
    Objects, Policy, Publication, Schema, Sequence, Table, Trigger, Type, View,
};
use std::collections::BTreeMap;

/// One object of the model, with what names it.
#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    /// A schema: its quoted name.
    Schema(&'a str, &'a Schema),
    /// A table of any kind: its qualified name.
    Table(&'a str, &'a Table),
    /// A column: its table's name and the table.
    Column(&'a str, &'a Table, &'a Column),
    /// A constraint: table name, quoted constraint name.
    Constraint(&'a str, &'a str, &'a Constraint),
    /// An index: the relation it is on (a table or materialized view), quoted index name.
    Index(&'a str, &'a str, &'a Index),
    /// A trigger: table name, quoted trigger name.
    Trigger(&'a str, &'a str, &'a Trigger),
    /// A policy: table name, quoted policy name.
    Policy(&'a str, &'a str, &'a Policy),
    /// A view or materialized view.
    View(&'a str, &'a View),
    /// A sequence.
    Sequence(&'a str, &'a Sequence),
    /// A function, procedure or aggregate: name with identity arguments.
    Function(&'a str, &'a Function),
    /// A type or domain.
    Type(&'a str, &'a Type),
    /// A publication.
    Publication(&'a str, &'a Publication),
    /// An event trigger.
    EventTrigger(&'a str, &'a EventTrigger),
    /// An `ALTER DEFAULT PRIVILEGES` entry.
    DefaultPrivileges(&'a DefaultPrivileges),
    /// A procedural language.
    Language(&'a str, &'a Language),
}

/// Every object of one side by (kind, name) as findings name them.
pub type Nodes<'a> = BTreeMap<(String, String), Node<'a>>;

/// The kind a diff gives a table.
pub fn table_kind(table: &Table) -> &'static str {
    match table.kind.as_str() {
        "partitioned table" => "partitioned table",
        "foreign table" => "foreign table",
        _ => "table",
    }
}

/// The kind a diff gives a view.
pub fn view_kind(view: &View) -> &'static str {
    if view.materialized {
        "materialized view"
    } else {
        "view"
    }
}

/// The kind a diff gives a function.
pub fn function_kind(function: &Function) -> &'static str {
    match function.kind.as_str() {
        "procedure" => "procedure",
        "aggregate" => "aggregate",
        _ => "function",
    }
}

/// The kind a diff gives a type.
pub fn type_kind(ty: &Type) -> &'static str {
    if ty.kind == "domain" {
        "domain"
    } else {
        "type"
    }
}

/// A column's name in findings: `table.column`.
pub fn column_name(table: &str, column: &str) -> String {
    format!("{table}.{}", quote_ident(column))
}

/// A table member's name in findings: `member ON table`.
pub fn member_name(member: &str, table: &str) -> String {
    format!("{member} ON {table}")
}

/// Indexes every object of `objects`.
pub fn index(objects: &Objects) -> Nodes<'_> {
    let mut nodes = Nodes::new();
    for (name, schema) in &objects.schemas {
        nodes.insert(
            ("schema".to_owned(), name.clone()),
            Node::Schema(name, schema),
        );
    }
    for (name, table) in &objects.tables {
        nodes.insert(
            (table_kind(table).to_owned(), name.clone()),
            Node::Table(name, table),
        );
        for column in &table.columns {
            nodes.insert(
                ("column".to_owned(), column_name(name, &column.name)),
                Node::Column(name, table, column),
            );
        }
        for (c, constraint) in &table.constraints {
            nodes.insert(
                ("constraint".to_owned(), member_name(c, name)),
                Node::Constraint(name, c, constraint),
            );
        }
        for (i, index) in &table.indexes {
            nodes.insert(
                ("index".to_owned(), member_name(i, name)),
                Node::Index(name, i, index),
            );
        }
        for (t, trigger) in &table.triggers {
            nodes.insert(
                ("trigger".to_owned(), member_name(t, name)),
                Node::Trigger(name, t, trigger),
            );
        }
        for (p, policy) in &table.policies {
            nodes.insert(
                ("policy".to_owned(), member_name(p, name)),
                Node::Policy(name, p, policy),
            );
        }
    }
    for (name, view) in &objects.views {
        nodes.insert(
            (view_kind(view).to_owned(), name.clone()),
            Node::View(name, view),
        );
        for (i, index) in &view.indexes {
            nodes.insert(
                ("index".to_owned(), member_name(i, name)),
                Node::Index(name, i, index),
            );
        }
    }
    for (name, sequence) in &objects.sequences {
        nodes.insert(
            ("sequence".to_owned(), name.clone()),
            Node::Sequence(name, sequence),
        );
    }
    for (name, function) in &objects.functions {
        nodes.insert(
            (function_kind(function).to_owned(), name.clone()),
            Node::Function(name, function),
        );
    }
    for (name, ty) in &objects.types {
        nodes.insert(
            (type_kind(ty).to_owned(), name.clone()),
            Node::Type(name, ty),
        );
    }
    for (name, publication) in &objects.publications {
        nodes.insert(
            ("publication".to_owned(), name.clone()),
            Node::Publication(name, publication),
        );
    }
    for (name, trigger) in &objects.event_triggers {
        nodes.insert(
            ("event trigger".to_owned(), name.clone()),
            Node::EventTrigger(name, trigger),
        );
    }
    for (name, entry) in &objects.default_privileges {
        nodes.insert(
            ("default privileges".to_owned(), name.clone()),
            Node::DefaultPrivileges(entry),
        );
    }
    for (name, language) in &objects.languages {
        nodes.insert(
            ("language".to_owned(), name.clone()),
            Node::Language(name, language),
        );
    }
    nodes
}
