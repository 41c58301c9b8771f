//! Schema objects of one database on two sides: missing, extra, changed (with a unified diff
//! of the two definitions), owner, privileges and comment.
//!
//! Every object is first flattened into an [`Item`]: its kind and name, the object it belongs
//! to (a column's table), and its definition as lines of text. Definitions are compared after
//! [`normalized`] and a few rules for what major versions do differently (see
//! [`Versions`]), so that the same schema on 13 and 17 compares equal.

use super::normalize::{normalized, Schemas};
use super::Findings;
use crate::catalog::{quote_ident, trigger_state, Acl, Objects, Owned, Table};
use crate::findings::{ObjectRef, Severity};
use rustc_hash::FxHashMap;
use similar::TextDiff;
use std::collections::BTreeSet;

/// The major versions of the two sides: what one of them cannot express is not compared.
#[derive(Clone, Copy, Debug)]
pub struct Versions {
    /// The source's major version.
    pub source: u32,
    /// The target's major version.
    pub target: u32,
    /// Both sides know whether their materialized views hold data (a schema-only dump does
    /// not).
    pub populated_known: bool,
}

impl Versions {
    /// Two servers (or dumps with data) of these major versions.
    pub fn new(source: u32, target: u32) -> Self {
        Versions {
            source,
            target,
            populated_known: true,
        }
    }
}

/// One object, flattened for comparison.
#[derive(Debug)]
struct Item {
    kind: &'static str,
    name: String,
    /// The item it belongs to (a column's table), whose absence explains its own.
    parent: Option<(&'static str, String)>,
    owner: Option<String>,
    acl: Option<BTreeSet<String>>,
    comment: Option<String>,
    /// The definition, one property per line.
    lines: Vec<String>,
}

impl Item {
    fn new(kind: &'static str, name: String) -> Self {
        Item {
            kind,
            name,
            parent: None,
            owner: None,
            acl: None,
            comment: None,
            lines: Vec::new(),
        }
    }

    fn owned(mut self, owned: &Owned) -> Self {
        self.owner = Some(owned.owner.clone());
        self.acl = Some(owned.acl.items());
        self.comment = owned.comment.clone();
        self
    }

    fn child_of(mut self, kind: &'static str, name: &str) -> Self {
        self.parent = Some((kind, name.to_owned()));
        self
    }

    fn line(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    fn flag(&mut self, set: bool, line: &str) {
        if set {
            self.lines.push(line.to_owned());
        }
    }

    fn some(&mut self, label: &str, value: &Option<String>) {
        if let Some(value) = value {
            self.lines.push(format!("{label} {value}"));
        }
    }
}

/// Items in a stable order (kind by kind, each kind's by name).
type Items = Vec<Item>;

/// Where each item of a list is, by kind and name.
fn index(items: &Items) -> FxHashMap<(&'static str, &str), usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| ((item.kind, item.name.as_str()), i))
        .collect()
}

/// Every difference between the objects of one database on the two sides.
pub fn diff_objects(
    database: &str,
    source: &Objects,
    target: &Objects,
    versions: Versions,
    out: &mut Findings<'_>,
) {
    let schemas = Schemas::new(source.schemas.keys().chain(target.schemas.keys()));
    let mut source_items = flatten(source, versions);
    let mut target_items = flatten(target, versions);
    // `public` as each version makes it: not a difference a migration can or should undo.
    let public = |objects: &Objects, major| {
        objects
            .schemas
            .get("public")
            .is_some_and(|schema| public_schema_default(&schema.owned, major))
    };
    if public(source, versions.source) && public(target, versions.target) {
        for items in [&mut source_items, &mut target_items] {
            for item in items
                .iter_mut()
                .filter(|i| i.kind == "schema" && i.name == "public")
            {
                item.owner = None;
                item.acl = None;
            }
        }
    }
    let (in_source, in_target) = (index(&source_items), index(&target_items));
    let parent_in = |item: &Item, index: &FxHashMap<(&'static str, &str), usize>| {
        item.parent
            .as_ref()
            .is_none_or(|(kind, name)| index.contains_key(&(*kind, name.as_str())))
    };
    let prefix = |name: &str| format!("{} in database {}", name, quote_ident(database));

    for s in &source_items {
        let Some(&t) = in_target.get(&(s.kind, s.name.as_str())) else {
            if parent_in(s, &in_target) {
                let msg = format!(
                    "{} {} does not exist on the target",
                    s.kind,
                    prefix(&s.name)
                );
                out.add_kind(
                    "object-missing",
                    ObjectRef::new(s.kind, s.name.clone()),
                    msg,
                );
            }
            continue;
        };
        compare(s, &target_items[t], &schemas, &prefix(&s.name), out);
    }
    column_order(source, target, &prefix, out);
    for t in &target_items {
        if !in_source.contains_key(&(t.kind, t.name.as_str())) && parent_in(t, &in_source) {
            let msg = format!("{} {} exists only on the target", t.kind, prefix(&t.name));
            out.add_kind("object-extra", ObjectRef::new(t.kind, t.name.clone()), msg);
        }
    }
}

/// Tables whose common columns come in another order (a missing or extra column is a finding
/// of its own): `INSERT` without a column list and `SELECT *` see the difference.
fn column_order(
    source: &Objects,
    target: &Objects,
    prefix: &dyn Fn(&str) -> String,
    out: &mut Findings<'_>,
) {
    for (name, s) in &source.tables {
        let Some(t) = target.tables.get(name) else {
            continue;
        };
        let common = |one: &Table, other: &Table| -> Vec<String> {
            one.columns
                .iter()
                .filter(|c| other.columns.iter().any(|o| o.name == c.name))
                .map(|c| quote_ident(&c.name))
                .collect()
        };
        let (a, b) = (common(s, t), common(t, s));
        if a != b {
            let (a, b) = (a.join(", "), b.join(", "));
            let msg = format!(
                "{} {}: its columns come in another order on the target",
                table_kind(&s.kind),
                prefix(name)
            );
            out.add_kind(
                "object-changed",
                ObjectRef::new(table_kind(&s.kind), name.clone()),
                msg,
            )
            .set_values(Some(a), Some(b));
        }
    }
}

fn compare(s: &Item, t: &Item, schemas: &Schemas, name: &str, out: &mut Findings<'_>) {
    let object = || ObjectRef::new(s.kind, s.name.clone());
    // Normalizing costs a tokenization: only definitions that differ as printed need it.
    let whole = |item: &Item| normalized(&item.lines.join("\n"), schemas);
    if s.lines != t.lines && whole(s) != whole(t) {
        let a = display(&s.lines, schemas);
        let b = display(&t.lines, schemas);
        let diff = TextDiff::from_lines(&a, &b)
            .unified_diff()
            .context_radius(3)
            .header("source", "target")
            .to_string();
        let msg = format!("{} {name} is defined differently on the target", s.kind);
        let finding = out.add_kind("object-changed", object(), msg);
        finding.set_values(Some(s.lines.join("\n")), Some(t.lines.join("\n")));
        finding.diff = Some(diff);
    }
    if s.owner != t.owner {
        let (a, b) = (
            s.owner.clone().unwrap_or_default(),
            t.owner.clone().unwrap_or_default(),
        );
        let msg = format!(
            "{} {name} is owned by {} on the source, {} on the target",
            s.kind,
            quote_ident(&a),
            quote_ident(&b)
        );
        out.add_kind("object-owner", object(), msg)
            .set_values(Some(a), Some(b));
    }
    if let (Some(a), Some(b)) = (&s.acl, &t.acl) {
        if a != b {
            let lacking: Vec<&str> = a.difference(b).map(String::as_str).collect();
            let more: Vec<&str> = b.difference(a).map(String::as_str).collect();
            let mut parts = Vec::new();
            if !lacking.is_empty() {
                parts.push(format!("the target lacks {}", lacking.join(", ")));
            }
            if !more.is_empty() {
                parts.push(format!("the target also grants {}", more.join(", ")));
            }
            let msg = format!("{} {name}: {}", s.kind, parts.join("; "));
            let finding = out.add_kind("object-privileges", object(), msg);
            if lacking.is_empty() {
                finding.severity = finding.severity.min(Severity::Warning);
            }
            finding.set_values(Some(items_text(a)), Some(items_text(b)));
        }
    }
    if s.comment != t.comment {
        let msg = match (&s.comment, &t.comment) {
            (Some(_), None) => format!("{} {name} has no comment on the target", s.kind),
            (None, Some(_)) => format!("{} {name} has a comment only on the target", s.kind),
            _ => format!("{} {name} has another comment on the target", s.kind),
        };
        out.add_kind("object-comment", object(), msg)
            .set_values(s.comment.clone(), t.comment.clone());
    }
}

fn items_text(items: &BTreeSet<String>) -> String {
    items.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The lines of a definition, each normalized, then one per line again: what the unified
/// diff shows.
fn display(lines: &[String], schemas: &Schemas) -> String {
    let mut text = String::new();
    for line in lines.iter().flat_map(|l| l.lines()) {
        let line = normalized(line, schemas);
        if !line.is_empty() {
            text.push_str(&line);
            text.push('\n');
        }
    }
    text
}

/// Privilege items as both versions can express them: `MAINTAIN` (17) is left out when one
/// side is older. The owner's own privileges are written `(owner)=...`, so that an object
/// whose owner differs is one finding (the owner), not two (the privileges follow the owner).
fn acl_items(acl: &Acl, versions: Versions, owner: Option<&str>) -> BTreeSet<String> {
    let older = versions.source.min(versions.target) < 17;
    let owner = owner.map(|o| format!("{}=", quote_ident(o)));
    acl.items()
        .into_iter()
        .filter(|item| !(older && (item.ends_with("=MAINTAIN") || item.ends_with("=MAINTAIN*"))))
        .map(|item| match &owner {
            Some(owner) if item.starts_with(owner.as_str()) => {
                format!("(owner)={}", &item[owner.len()..])
            }
            _ => item,
        })
        .collect()
}

/// True when the `public` schema has its version's defaults: before 15 owned by the bootstrap
/// superuser with CREATE and USAGE for PUBLIC; from 15 owned by `pg_database_owner` with USAGE
/// for PUBLIC. A restore into 15 or newer keeps the new defaults, so either counts as default.
fn public_schema_default(owned: &Owned, major: u32) -> bool {
    let items = owned.acl.items();
    let owner = quote_ident(&owned.owner);
    let expected: BTreeSet<String> = if major >= 15 {
        [
            "PUBLIC=USAGE",
            "pg_database_owner=CREATE",
            "pg_database_owner=USAGE",
        ]
        .map(String::from)
        .into()
    } else {
        [
            "PUBLIC=CREATE".to_owned(),
            "PUBLIC=USAGE".to_owned(),
            format!("{owner}=CREATE"),
            format!("{owner}=USAGE"),
        ]
        .into()
    };
    items == expected && (major < 15 || owned.owner == "pg_database_owner")
}

fn flatten(objects: &Objects, versions: Versions) -> Items {
    let mut items = Items::new();
    let mut add = |item: Item| items.push(item);
    let owned = |item: Item, owned: &Owned| {
        let mut item = item.owned(owned);
        item.acl = Some(acl_items(&owned.acl, versions, Some(&owned.owner)));
        item
    };

    for (name, schema) in &objects.schemas {
        add(owned(Item::new("schema", name.clone()), &schema.owned));
    }
    for (name, table) in &objects.tables {
        let kind = table_kind(&table.kind);
        let mut item = owned(Item::new(kind, name.clone()), &table.owned);
        table_lines(table, &mut item);
        add(item);
        for column in &table.columns {
            let column_name = format!("{name}.{}", quote_ident(&column.name));
            let mut item = Item::new("column", column_name).child_of(kind, name);
            item.line(format!("type {}", column.type_name));
            item.flag(column.not_null, "NOT NULL");
            item.some("DEFAULT", &column.default);
            item.some(
                "GENERATED",
                &column
                    .generated
                    .as_ref()
                    .map(|g| format!("ALWAYS AS ({g})")),
            );
            item.some(
                "GENERATED",
                &column.identity.as_ref().map(|i| format!("{i} AS IDENTITY")),
            );
            item.some("COLLATE", &column.collation);
            item.acl = Some(acl_items(&column.acl, versions, None));
            item.comment = column.comment.clone();
            add(item);
        }
        let on = |what: &str| format!("{} ON {name}", what);
        for (constraint_name, constraint) in &table.constraints {
            let mut item = Item::new("constraint", on(constraint_name)).child_of(kind, name);
            item.line(constraint.definition.clone());
            item.comment = constraint.comment.clone();
            add(item);
        }
        for (index_name, index) in &table.indexes {
            add(index_item(on(index_name), index, kind, name));
        }
        for (trigger_name, trigger) in &table.triggers {
            let mut item = Item::new("trigger", on(trigger_name)).child_of(kind, name);
            item.line(trigger.definition.clone());
            item.line(format!("enabled: {}", state(&trigger.enabled)));
            item.comment = trigger.comment.clone();
            add(item);
        }
        for (policy_name, policy) in &table.policies {
            let mut item = Item::new("policy", on(policy_name)).child_of(kind, name);
            item.line(format!("FOR {}", policy.command));
            item.flag(!policy.permissive, "AS RESTRICTIVE");
            item.line(format!("TO {}", policy.roles.join(", ")));
            item.some("USING", &policy.using.as_ref().map(|u| format!("({u})")));
            item.some(
                "WITH CHECK",
                &policy.with_check.as_ref().map(|c| format!("({c})")),
            );
            item.comment = policy.comment.clone();
            add(item);
        }
    }
    for (name, view) in &objects.views {
        let kind = if view.materialized {
            "materialized view"
        } else {
            "view"
        };
        let mut item = owned(Item::new(kind, name.clone()), &view.owned);
        if !view.options.is_empty() {
            item.line(format!("WITH ({})", view.options.join(", ")));
        }
        item.line(view.definition.clone());
        item.flag(versions.populated_known && !view.populated, "WITH NO DATA");
        add(item);
        for (index_name, index) in &view.indexes {
            add(index_item(
                format!("{index_name} ON {name}"),
                index,
                kind,
                name,
            ));
        }
    }
    for (name, sequence) in &objects.sequences {
        let mut item = owned(Item::new("sequence", name.clone()), &sequence.owned);
        item.line(format!("AS {}", sequence.data_type));
        item.line(format!("START WITH {}", sequence.start));
        item.line(format!("INCREMENT BY {}", sequence.increment));
        item.line(format!("MINVALUE {}", sequence.min));
        item.line(format!("MAXVALUE {}", sequence.max));
        item.line(format!("CACHE {}", sequence.cache));
        item.flag(sequence.cycle, "CYCLE");
        item.some("OWNED BY", &sequence.owned_by);
        add(item);
    }
    for (name, function) in &objects.functions {
        let kind = match function.kind.as_str() {
            "procedure" => "procedure",
            "aggregate" => "aggregate",
            _ => "function",
        };
        let mut item = owned(Item::new(kind, name.clone()), &function.owned);
        item.line(format!("({})", function.arguments));
        item.some("RETURNS", &function.result);
        item.line(format!("LANGUAGE {}", function.language));
        item.line(function.volatility.clone());
        item.flag(function.strict, "STRICT");
        item.flag(function.security_definer, "SECURITY DEFINER");
        item.flag(function.leakproof, "LEAKPROOF");
        item.line(format!("PARALLEL {}", function.parallel));
        item.line(format!("COST {}", function.cost));
        item.flag(function.rows != "0", &format!("ROWS {}", function.rows));
        for setting in &function.config {
            item.line(format!("SET {setting}"));
        }
        item.line(format!("AS {}", function.body));
        add(item);
    }
    for (name, ty) in &objects.types {
        let kind = if ty.kind == "domain" {
            "domain"
        } else {
            "type"
        };
        let mut item = owned(Item::new(kind, name.clone()), &ty.owned);
        item.line(format!("AS {}", ty.kind.to_uppercase()));
        for label in &ty.labels {
            item.line(format!("label {}", crate::catalog::quote_literal(label)));
        }
        item.some("base", &ty.base);
        item.flag(ty.not_null, "NOT NULL");
        item.some("DEFAULT", &ty.default);
        item.some("COLLATE", &ty.collation);
        for (constraint, definition) in &ty.constraints {
            item.line(format!("CONSTRAINT {constraint} {definition}"));
        }
        for (attribute, type_name) in &ty.attributes {
            item.line(format!("{attribute} {type_name}"));
        }
        add(item);
    }
    for (name, publication) in &objects.publications {
        let mut item = owned(Item::new("publication", name.clone()), &publication.owned);
        item.flag(publication.all_tables, "FOR ALL TABLES");
        for (table, detail) in &publication.tables {
            item.line(format!("TABLE {table} {detail}").trim_end().to_owned());
        }
        for schema in &publication.schemas {
            item.line(format!("TABLES IN SCHEMA {schema}"));
        }
        item.line(format!("publish = '{}'", publication.publish));
        item.flag(publication.via_root, "publish_via_partition_root");
        item.acl = None;
        add(item);
    }
    for (name, trigger) in &objects.event_triggers {
        let mut item = owned(Item::new("event trigger", name.clone()), &trigger.owned);
        item.line(format!("ON {}", trigger.event));
        if !trigger.tags.is_empty() {
            item.line(format!("WHEN TAG IN ({})", trigger.tags.join(", ")));
        }
        item.line(format!("EXECUTE FUNCTION {}", trigger.function));
        item.line(format!("enabled: {}", state(&trigger.enabled)));
        item.acl = None;
        add(item);
    }
    for (key, entry) in &objects.default_privileges {
        let mut item = Item::new("default privileges", key.clone());
        item.acl = Some(acl_items(&entry.acl, versions, None));
        add(item);
    }
    for (name, language) in &objects.languages {
        let mut item = owned(Item::new("language", name.clone()), &language.owned);
        item.flag(language.trusted, "TRUSTED");
        add(item);
    }
    items
}

fn table_kind(kind: &str) -> &'static str {
    match kind {
        "partitioned table" => "partitioned table",
        "foreign table" => "foreign table",
        _ => "table",
    }
}

fn table_lines(table: &Table, item: &mut Item) {
    item.flag(table.unlogged, "UNLOGGED");
    item.some("PARTITION BY", &table.partition_key);
    if let Some((parent, bound)) = &table.partition_of {
        item.line(format!("PARTITION OF {parent} {bound}"));
    }
    if !table.inherits.is_empty() {
        item.line(format!("INHERITS ({})", table.inherits.join(", ")));
    }
    item.flag(table.row_security, "ENABLE ROW LEVEL SECURITY");
    item.flag(table.force_row_security, "FORCE ROW LEVEL SECURITY");
    item.flag(
        table.replica_identity != "default",
        &format!("REPLICA IDENTITY {}", table.replica_identity.to_uppercase()),
    );
    if !table.options.is_empty() {
        item.line(format!("WITH ({})", table.options.join(", ")));
    }
}

fn index_item(name: String, index: &crate::catalog::Index, kind: &'static str, on: &str) -> Item {
    let mut item = Item::new("index", name).child_of(kind, on);
    item.line(index.definition.clone());
    item.flag(!index.valid, "INVALID");
    item.comment = index.comment.clone();
    item
}

/// A `tgenabled` letter, as a word.
fn state(enabled: &str) -> &'static str {
    trigger_state(enabled.chars().next().unwrap_or('O'))
}
