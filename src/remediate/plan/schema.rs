//! The `schema` phase: every object finding of the two compared databases answered with the
//! statements that fix it, ordered by what each needs ([`super::order`]): missing objects are
//! created whole (with their owner, privileges, comments, constraints, indexes, triggers and
//! policies), changed ones altered in place where PostgreSQL can (else dropped and created
//! again), and objects that exist only on the target dropped when the user allows it.

use super::ddl::{self, keyword};
use super::nodes::{self, Node, Nodes};
use super::order::{self, Rank, Unit};
use super::privileges::{self, acl_kind, default_acl, on_clause, Target};
use super::sql::{do_if, quote_name_literal, referenced_table, references, regclass, schema_of};
use super::{Builder, Phase};
use crate::catalog::{quote_ident, quote_literal, Acl, Column, Objects, Owned, Sequence, Table};
use crate::findings::{Finding, ObjectRef};

/// Answers the object findings.
pub fn plan(b: &mut Builder<'_>, findings: &[Finding]) {
    let source = nodes::index(b.source_objects);
    let target = nodes::index(b.target_objects);
    let mut work = Work {
        b,
        source: &source,
        target: &target,
        units: Vec::new(),
        drops: Vec::new(),
    };
    for finding in findings {
        if finding.code.starts_with("object.") {
            work.answer(finding);
        }
    }
    work.setval();
    let Work {
        b, units, drops, ..
    } = work;
    // Drops run first, dependents before what they depend on: the creation order, reversed.
    let mut drops = order::sort(drops);
    drops.reverse();
    for unit in drops {
        for (sql, _) in unit.statements {
            b.drop(Phase::Schema, &unit.code, &unit.object, sql);
        }
    }
    for unit in order::sort(units) {
        for (sql, run) in unit.statements {
            b.push(Phase::Schema, &unit.code, &unit.object, sql, run);
        }
    }
}

struct Work<'w, 'b> {
    b: &'w mut Builder<'b>,
    source: &'w Nodes<'b>,
    target: &'w Nodes<'b>,
    units: Vec<Unit>,
    drops: Vec<Unit>,
}

const MISSING: &str = "object.missing";
const EXTRA: &str = "object.extra";
const CHANGED: &str = "object.changed";
const OWNER: &str = "object.owner-differs";
const PRIVILEGES: &str = "object.privileges-differ";
const COMMENT: &str = "object.comment-differs";

/// Names a definition needs, beyond the object itself: every qualified name it mentions, and
/// the bare name of every function it calls (`app.f` of `app.f(integer)`).
fn needs_of(texts: &[&str]) -> Vec<String> {
    texts.iter().flat_map(|t| references(t)).collect()
}

/// The key ordering uses for a schema.
fn schema_key(name: &str) -> Option<String> {
    schema_of(name).map(|s| format!("schema:{s}"))
}

impl<'b> Work<'_, 'b> {
    fn objects(&self) -> &'b Objects {
        self.b.source_objects
    }

    fn unfixable(&mut self, finding: &Finding, reason: String) {
        self.b
            .unfixable(Phase::Schema, &finding.code, &finding.object, reason);
    }

    fn answer(&mut self, finding: &Finding) {
        let key = (finding.object.kind.to_string(), finding.object.name.clone());
        let s = self.source.get(&key).copied();
        let t = self.target.get(&key).copied();
        match (finding.code.as_ref(), s, t) {
            (MISSING, Some(s), _) => self.create(finding, s),
            (EXTRA, _, Some(t)) => self.remove(finding, t),
            (CHANGED, Some(s), Some(t)) => self.change(finding, s, t),
            (OWNER, Some(s), Some(t)) => self.owner(finding, s, t),
            (PRIVILEGES, Some(s), Some(t)) => self.privileges(finding, s, Some(t)),
            (COMMENT, Some(s), _) => self.comment(finding, s),
            (MISSING | EXTRA | CHANGED | OWNER | PRIVILEGES | COMMENT, _, _) => self.unfixable(
                finding,
                "pgparity does not know how to fix this object kind yet".to_owned(),
            ),
            _ => {}
        }
    }

    fn unit(&self, rank: Rank, finding: &Finding) -> Unit {
        Unit::new(rank, &finding.code, finding.object.clone())
    }

    /// The owner statement of a new object, or why it stays the applier's.
    fn owner_after_create(
        &mut self,
        finding: &Finding,
        kind: &str,
        name: &str,
        owner: &str,
    ) -> Option<String> {
        if self.b.actor.is_applier(owner) {
            return None;
        }
        match self.b.actor.cannot_act_as(owner) {
            None => Some(ddl::owner(kind, name, owner)),
            Some(why) => {
                let object = finding.object.clone();
                self.b.unfixable(
                    Phase::Schema,
                    OWNER,
                    &object,
                    format!("created by the applying role, which stays its owner: {why}"),
                );
                None
            }
        }
    }

    /// Refuses work on an object the applier cannot act on (owned by a role it cannot act as).
    fn can_alter(&mut self, finding: &Finding, owner: &str) -> bool {
        match self.b.actor.cannot_act_as(owner) {
            None => true,
            Some(why) => {
                self.unfixable(
                    finding,
                    format!("it is owned by {}: {why}", quote_ident(owner)),
                );
                false
            }
        }
    }

    /// The owner of the table a member (column, index, ...) belongs to, on the target.
    /// True when the applying role may alter the target's `table` (or view), or it has none;
    /// otherwise the finding is listed as unfixable.
    fn table_alterable(&mut self, finding: &Finding, table: &str) -> bool {
        match self.target_table_owner(table) {
            Some(owner) => self.can_alter(finding, &owner),
            None => true,
        }
    }

    fn target_table_owner(&self, table: &str) -> Option<String> {
        if let Some(t) = self.b.target_objects.tables.get(table) {
            return Some(t.owned.owner.clone());
        }
        self.b
            .target_objects
            .views
            .get(table)
            .map(|v| v.owned.owner.clone())
    }

    fn create(&mut self, finding: &Finding, node: Node<'b>) {
        match node {
            Node::Schema(name, schema) => {
                let mut unit = self.unit(Rank::Schema, finding);
                unit.sql(format!("CREATE SCHEMA IF NOT EXISTS {name};"));
                if let Some(sql) =
                    self.owner_after_create(finding, "schema", name, &schema.owned.owner)
                {
                    unit.sql(sql);
                }
                unit.provides(format!("schema:{name}"));
                self.units.push(unit);
                self.created_extras(finding, "schema", name, &schema.owned, &[]);
            }
            Node::Table(name, table) => self.create_table(finding, name, table),
            Node::Column(table_name, table, column) => {
                self.add_column(finding, table_name, table, column)
            }
            Node::Constraint(table_name, name, constraint) => {
                if !self.table_alterable(finding, table_name) {
                    return;
                }
                if let Some(unit) = self.constraint_unit(finding, table_name, name, constraint) {
                    self.units.push(unit);
                }
            }
            Node::Index(on, name, index) => {
                if !self.table_alterable(finding, on) {
                    return;
                }
                let unit = self.index_unit(finding, on, name, index);
                self.units.push(unit);
            }
            Node::Trigger(table_name, name, trigger) => {
                if !self.table_alterable(finding, table_name) {
                    return;
                }
                let unit = self.trigger_unit(finding, table_name, name, trigger);
                self.units.push(unit);
            }
            Node::Policy(table_name, name, policy) => {
                if !self.table_alterable(finding, table_name) {
                    return;
                }
                let mut unit = self.unit(Rank::Policy, finding);
                unit.sql(ddl::create_policy(table_name, name, policy));
                if let Some(comment) = &policy.comment {
                    unit.sql(ddl::comment(
                        &format!("POLICY {name} ON {table_name}"),
                        Some(comment),
                    ));
                }
                unit.needs([table_name.to_owned()]);
                unit.needs(needs_of(&[
                    policy.using.as_deref().unwrap_or(""),
                    policy.with_check.as_deref().unwrap_or(""),
                ]));
                self.units.push(unit);
            }
            Node::View(name, view) => {
                let kind = nodes::view_kind(view);
                let mut unit = self.unit(Rank::View, finding);
                unit.sql(ddl::create_view(name, view));
                if let Some(sql) = self.owner_after_create(finding, kind, name, &view.owned.owner) {
                    unit.sql(sql);
                }
                unit.provides(name.to_owned());
                unit.needs(schema_key(name));
                unit.needs(needs_of(&[&view.definition]));
                self.units.push(unit);
                for (index_name, index) in &view.indexes {
                    let unit = self.index_unit(finding, name, index_name, index);
                    self.units.push(unit);
                }
                self.created_extras(finding, kind, name, &view.owned, &[]);
            }
            Node::Sequence(name, sequence) => self.create_sequence(finding, name, sequence),
            Node::Function(name, function) => {
                let kind = nodes::function_kind(function);
                if let Some(why) = self.function_refusal(function) {
                    self.unfixable(finding, why);
                    return;
                }
                let mut unit = self.unit(Rank::Function, finding);
                unit.sql(ddl::create_function(name, function));
                if let Some(sql) =
                    self.owner_after_create(finding, kind, name, &function.owned.owner)
                {
                    unit.sql(sql);
                }
                unit.provides(name.to_owned());
                unit.provides(ddl::split_function_key(name).0.to_owned());
                unit.needs(schema_key(name));
                let mut texts = vec![function.arguments.as_str()];
                if let Some(result) = &function.result {
                    texts.push(result);
                }
                if ddl::standard_body(function) || function.kind == "aggregate" {
                    texts.push(&function.body);
                }
                unit.needs(needs_of(&texts));
                self.units.push(unit);
                self.created_extras(finding, kind, name, &function.owned, &[]);
            }
            Node::Type(name, ty) => {
                let kind = nodes::type_kind(ty);
                match ddl::create_type(name, ty) {
                    Ok(statements) => {
                        let mut unit = self.unit(Rank::Type, finding);
                        for sql in statements {
                            unit.sql(sql);
                        }
                        if let Some(sql) =
                            self.owner_after_create(finding, kind, name, &ty.owned.owner)
                        {
                            unit.sql(sql);
                        }
                        unit.provides(name.to_owned());
                        unit.needs(schema_key(name));
                        let mut texts: Vec<&str> =
                            ty.attributes.iter().map(|(_, t)| t.as_str()).collect();
                        texts.extend(ty.base.as_deref());
                        texts.extend(ty.default.as_deref());
                        texts.extend(ty.constraints.values().map(String::as_str));
                        unit.needs(needs_of(&texts));
                        self.units.push(unit);
                        self.created_extras(finding, kind, name, &ty.owned, &[]);
                    }
                    Err(why) => self.unfixable(finding, why),
                }
            }
            Node::Publication(name, publication) => {
                if !self.b.actor.superuser()
                    && (publication.all_tables || !publication.schemas.is_empty())
                {
                    self.unfixable(
                        finding,
                        format!(
                            "FOR ALL TABLES and TABLES IN SCHEMA need a superuser; {} is not one",
                            self.b.actor.label()
                        ),
                    );
                    return;
                }
                let mut unit = self.unit(Rank::Publication, finding);
                unit.sql(ddl::create_publication(name, publication));
                if let Some(sql) =
                    self.owner_after_create(finding, "publication", name, &publication.owned.owner)
                {
                    unit.sql(sql);
                }
                if let Some(comment) = &publication.owned.comment {
                    unit.sql(ddl::comment(&format!("PUBLICATION {name}"), Some(comment)));
                }
                unit.needs(publication.tables.keys().cloned());
                unit.needs(publication.schemas.iter().map(|s| format!("schema:{s}")));
                self.units.push(unit);
            }
            Node::EventTrigger(name, trigger) => {
                if !self.b.actor.superuser() {
                    self.unfixable(
                        finding,
                        format!(
                            "event triggers need a superuser; {} is not one",
                            self.b.actor.label()
                        ),
                    );
                    return;
                }
                let mut unit = self.unit(Rank::Publication, finding);
                for sql in ddl::create_event_trigger(name, trigger) {
                    unit.sql(sql);
                }
                if let Some(sql) =
                    self.owner_after_create(finding, "event trigger", name, &trigger.owned.owner)
                {
                    unit.sql(sql);
                }
                if let Some(comment) = &trigger.owned.comment {
                    unit.sql(ddl::comment(
                        &format!("EVENT TRIGGER {name}"),
                        Some(comment),
                    ));
                }
                unit.needs(references(&trigger.function));
                self.units.push(unit);
            }
            Node::DefaultPrivileges(entry) => self.default_privileges(finding, Some(entry), None),
            Node::Language(..) => self.unfixable(
                finding,
                "procedural languages come from CREATE EXTENSION or a superuser's CREATE LANGUAGE \
                 with their handler functions; pgparity does not write those"
                    .to_owned(),
            ),
        }
    }

    /// Why a function cannot be created by the applier, if it cannot.
    fn function_refusal(&self, function: &crate::catalog::Function) -> Option<String> {
        if self.b.actor.superuser() {
            return None;
        }
        // An aggregate's language is `internal` in pg_proc; CREATE AGGREGATE needs no superuser.
        if function.kind != "aggregate" && ddl::untrusted_language(&function.language) {
            return Some(format!(
                "functions in language {} need a superuser; {} is not one",
                function.language,
                self.b.actor.label()
            ));
        }
        if function.leakproof {
            return Some(format!(
                "LEAKPROOF needs a superuser; {} is not one",
                self.b.actor.label()
            ));
        }
        None
    }

    /// Grants and the comment of an object just created, as the source has them: its
    /// privileges start as `acldefault` for its (new) owner.
    fn created_extras(
        &mut self,
        finding: &Finding,
        kind: &'static str,
        name: &str,
        owned: &Owned,
        needs: &[String],
    ) {
        if let Some(acl_kind) = acl_kind(kind) {
            let owner = self.effective_owner(&owned.owner);
            let have = default_acl(acl_kind, &quote_ident(&owner), self.b.target_major());
            let want =
                privileges::renamed(&owned.acl, &quote_ident(&owned.owner), &quote_ident(&owner));
            let on = on_clause(kind, name);
            let statements = privileges::statements(
                &Target {
                    prefix: "",
                    on: &on,
                    column: None,
                },
                &want,
                &have,
                self.maintain(),
            );
            let mut needs = needs.to_vec();
            needs.push(name.to_owned());
            self.push_grants(finding, PRIVILEGES, kind, name, statements, &needs);
        }
        if let Some(comment) = &owned.comment {
            let mut unit = Unit::new(Rank::Comment, COMMENT, finding.object.clone());
            unit.sql(ddl::comment(
                &format!("{} {name}", keyword(kind)),
                Some(comment),
            ));
            unit.needs([name.to_owned()]);
            self.units.push(unit);
        }
    }

    /// Adds the grants and revokes of an object. A schema's grants come early, with the
    /// schema: making a role the owner of an object needs its CREATE on the object's schema;
    /// its revokes come with the others, once the owners are set.
    fn push_grants(
        &mut self,
        finding: &Finding,
        code: &str,
        kind: &str,
        name: &str,
        statements: Vec<String>,
        needs: &[String],
    ) {
        let (early, late): (Vec<String>, Vec<String>) = if kind == "schema" {
            statements.into_iter().partition(|s| s.starts_with("GRANT"))
        } else {
            (Vec::new(), statements)
        };
        if !early.is_empty() {
            let mut unit = Unit::new(Rank::Schema, code, finding.object.clone());
            for sql in early {
                unit.sql(sql);
            }
            let key = format!("schema:{name}");
            unit.needs([key.clone()]);
            unit.provides(key);
            self.units.push(unit);
        }
        if !late.is_empty() {
            let mut unit = Unit::new(Rank::Grant, code, finding.object.clone());
            for sql in late {
                unit.sql(sql);
            }
            unit.needs(needs.iter().cloned());
            unit.provides(format!("grants:{name}"));
            self.units.push(unit);
        }
    }

    /// The owner a new object ends with: the source's, or the applier when it cannot act as it.
    fn effective_owner(&self, owner: &str) -> String {
        if self.b.actor.cannot_act_as(owner).is_none() {
            return owner.to_owned();
        }
        self.b
            .input
            .facts
            .applier
            .name
            .as_ref()
            .map_or(owner.to_owned(), |n| n.as_str().to_owned())
    }

    /// Whether `MAINTAIN` is compared (both sides 17 or newer).
    fn maintain(&self) -> bool {
        self.b.source_major().min(self.b.target_major()) >= 17
    }

    /// The identity sequence of a column of `table` in the source.
    fn identity_sequence(&self, table: &str, column: &str) -> Option<(&'b str, &'b Sequence)> {
        let owned_by = nodes::column_name(table, column);
        self.objects()
            .sequences
            .iter()
            .find(|(_, s)| s.identity && s.owned_by.as_deref() == Some(owned_by.as_str()))
            .map(|(name, s)| (name.as_str(), s))
    }

    fn create_table(&mut self, finding: &Finding, name: &'b str, table: &'b Table) {
        if table.kind == "foreign table" {
            self.unfixable(finding, "foreign tables need their foreign server and user mappings, which pgparity does not read".to_owned());
            return;
        }
        let mut unit = self.unit(Rank::Table, finding);
        let objects = self.objects();
        let identity = |column: &str| {
            let owned_by = nodes::column_name(name, column);
            objects
                .sequences
                .iter()
                .find(|(_, s)| s.identity && s.owned_by.as_deref() == Some(owned_by.as_str()))
                .map(|(n, s)| (n.as_str(), s))
        };
        unit.sql(ddl::create_table(name, table, identity));
        // A partition takes its columns from its parent: what differs is set on it.
        if let Some((parent, _)) = &table.partition_of {
            if let Some(p) = objects.tables.get(parent) {
                for column in &table.columns {
                    let Some(pc) = p.columns.iter().find(|c| c.name == column.name) else {
                        continue;
                    };
                    let c = quote_ident(&column.name);
                    if column.default != pc.default {
                        unit.sql(match &column.default {
                            Some(d) => {
                                format!("ALTER TABLE {name} ALTER COLUMN {c} SET DEFAULT {d};")
                            }
                            None => format!("ALTER TABLE {name} ALTER COLUMN {c} DROP DEFAULT;"),
                        });
                    }
                    if column.not_null && !pc.not_null {
                        unit.sql(format!("ALTER TABLE {name} ALTER COLUMN {c} SET NOT NULL;"));
                    }
                }
            }
            unit.needs([parent.clone()]);
        }
        if let Some(sql) =
            self.owner_after_create(finding, nodes::table_kind(table), name, &table.owned.owner)
        {
            unit.sql(sql);
        }
        unit.provides(name.to_owned());
        unit.needs(schema_key(name));
        unit.needs(table.inherits.iter().cloned());
        let mut texts: Vec<&str> = Vec::new();
        for column in &table.columns {
            texts.push(&column.type_name);
            texts.extend(column.default.as_deref());
            texts.extend(column.generated.as_deref());
            texts.extend(column.collation.as_deref());
        }
        texts.extend(table.partition_key.as_deref());
        unit.needs(needs_of(&texts));
        self.units.push(unit);

        for (constraint_name, constraint) in &table.constraints {
            if let Some(unit) = self.constraint_unit(finding, name, constraint_name, constraint) {
                self.units.push(unit);
            }
        }
        for (index_name, index) in &table.indexes {
            let unit = self.index_unit(finding, name, index_name, index);
            self.units.push(unit);
        }
        for (trigger_name, trigger) in &table.triggers {
            let unit = self.trigger_unit(finding, name, trigger_name, trigger);
            self.units.push(unit);
        }
        for (policy_name, policy) in &table.policies {
            let mut unit = self.unit(Rank::Policy, finding);
            unit.sql(ddl::create_policy(name, policy_name, policy));
            if let Some(comment) = &policy.comment {
                unit.sql(ddl::comment(
                    &format!("POLICY {policy_name} ON {name}"),
                    Some(comment),
                ));
            }
            unit.needs([name.to_owned()]);
            unit.needs(needs_of(&[
                policy.using.as_deref().unwrap_or(""),
                policy.with_check.as_deref().unwrap_or(""),
            ]));
            self.units.push(unit);
        }
        let properties = table_properties(name, None, table);
        if !properties.is_empty() {
            let mut unit = self.unit(Rank::Policy, finding);
            for sql in properties {
                unit.sql(sql);
            }
            unit.needs([name.to_owned()]);
            unit.needs(
                table
                    .replica_identity
                    .strip_prefix("index ")
                    .map(|i| format!("index:{name}:{i}")),
            );
            self.units.push(unit);
        }
        let kind = nodes::table_kind(table);
        self.created_extras(finding, kind, name, &table.owned, &[]);
        // Column privileges and comments.
        for column in &table.columns {
            self.column_extras(finding, name, column, None);
        }
    }

    /// Column privileges and comment of a column the plan creates (or whose table it creates).
    fn column_extras(
        &mut self,
        finding: &Finding,
        table: &str,
        column: &Column,
        have: Option<&Acl>,
    ) {
        let on = format!("TABLE {table}");
        let empty = Acl::default();
        let statements = privileges::statements(
            &Target {
                prefix: "",
                on: &on,
                column: Some(&column.name),
            },
            &column.acl,
            have.unwrap_or(&empty),
            self.maintain(),
        );
        if !statements.is_empty() {
            let mut unit = Unit::new(Rank::Grant, PRIVILEGES, finding.object.clone());
            for sql in statements {
                unit.sql(sql);
            }
            unit.needs([table.to_owned(), format!("grants:{table}")]);
            self.units.push(unit);
        }
        if let Some(comment) = &column.comment {
            let mut unit = Unit::new(Rank::Comment, COMMENT, finding.object.clone());
            unit.sql(ddl::comment(
                &format!("COLUMN {table}.{}", quote_ident(&column.name)),
                Some(comment),
            ));
            unit.needs([table.to_owned()]);
            self.units.push(unit);
        }
    }

    fn add_column(
        &mut self,
        finding: &Finding,
        table_name: &'b str,
        table: &'b Table,
        column: &'b Column,
    ) {
        // A partition or inheritance child gets the column from its parent.
        let parents: Vec<&String> = table
            .partition_of
            .iter()
            .map(|(p, _)| p)
            .chain(table.inherits.iter())
            .collect();
        let inherited = parents.iter().any(|p| {
            self.objects()
                .tables
                .get(p.as_str())
                .is_some_and(|pt| pt.columns.iter().any(|c| c.name == column.name))
        });
        if !self.table_alterable(finding, table_name) {
            return;
        }
        if !inherited {
            // PostgreSQL adds a column at the end: it lands there whatever its place on the source.
            let position = table.columns.iter().position(|c| c.name == column.name);
            let target_columns = self
                .b
                .target_objects
                .tables
                .get(table_name)
                .map(|t| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default();
            let followed = position.is_some_and(|at| {
                table.columns[at + 1..]
                    .iter()
                    .any(|c| target_columns.contains(&c.name))
            });
            if followed {
                self.b.unfixable(
                    Phase::Schema,
                    CHANGED,
                    &ObjectRef::new(nodes::table_kind(table), table_name.to_owned()),
                    format!(
                        "column {} is added at the end of the table, not at its place on the source: \
                         PostgreSQL cannot reorder columns",
                        quote_ident(&column.name)
                    ),
                );
            }
            let mut unit = self.unit(Rank::Column, finding);
            let identity = self.identity_sequence(table_name, &column.name);
            unit.sql(format!(
                "ALTER TABLE {table_name} ADD COLUMN IF NOT EXISTS {};",
                ddl::column_definition(column, identity)
            ));
            unit.provides(table_name.to_owned());
            unit.needs([table_name.to_owned()]);
            unit.needs(needs_of(&[
                &column.type_name,
                column.default.as_deref().unwrap_or(""),
                column.generated.as_deref().unwrap_or(""),
            ]));
            self.units.push(unit);
        }
        self.column_extras(finding, table_name, column, None);
    }

    fn constraint_unit(
        &self,
        finding: &Finding,
        table_name: &str,
        name: &str,
        constraint: &crate::catalog::Constraint,
    ) -> Option<Unit> {
        let (kind, definition) = (constraint.kind.as_str(), constraint.definition.as_str());
        let comment = constraint.comment.as_deref();
        // A constraint trigger is made by its CREATE CONSTRAINT TRIGGER.
        if kind == "t" {
            return None;
        }
        let rank = if kind == "f" {
            Rank::ForeignKey
        } else {
            Rank::Constraint
        };
        let mut unit = self.unit(rank, finding);
        let referenced = referenced_table(definition).filter(|_| kind == "f");
        let mut pair = vec![table_name];
        pair.extend(referenced.as_deref());
        let forced = self.b.forced_rls(&pair);
        unit.sql(ddl::add_constraint_checked(
            table_name, name, definition, &forced,
        ));
        if let Some(comment) = comment {
            unit.sql(ddl::comment(
                &format!("CONSTRAINT {name} ON {table_name}"),
                Some(comment),
            ));
        }
        unit.needs([table_name.to_owned()]);
        unit.needs(needs_of(&[definition]));
        if kind == "f" {
            if let Some(referenced) = referenced_table(definition) {
                unit.needs([format!("uniq:{referenced}")]);
            }
        } else {
            unit.provides(format!("uniq:{table_name}"));
        }
        unit.provides(format!("constraint:{table_name}:{name}"));
        Some(unit)
    }

    fn index_unit(
        &self,
        finding: &Finding,
        on: &str,
        name: &str,
        index: &crate::catalog::Index,
    ) -> Unit {
        let mut unit = self.unit(Rank::Index, finding);
        unit.sql(ddl::create_index(name, &index.definition));
        if let Some(comment) = &index.comment {
            unit.sql(ddl::comment(
                &format!("INDEX {}", ddl::index_name(on, name)),
                Some(comment),
            ));
        }
        unit.needs([on.to_owned()]);
        unit.needs(needs_of(&[&index.definition]));
        unit.provides(format!("index:{on}:{name}"));
        unit.provides(format!("indexes-of:{on}"));
        if index.definition.starts_with("CREATE UNIQUE") {
            unit.provides(format!("uniq:{on}"));
        }
        // An index on a partitioned table comes after its partitions' own, which it attaches.
        for (child, table) in &self.objects().tables {
            if table.partition_of.as_ref().is_some_and(|(p, _)| p == on) {
                unit.needs([format!("indexes-of:{child}")]);
            }
        }
        unit
    }

    fn trigger_unit(
        &self,
        finding: &Finding,
        table: &str,
        name: &str,
        trigger: &crate::catalog::Trigger,
    ) -> Unit {
        let mut unit = self.unit(Rank::Trigger, finding);
        unit.sql(ddl::create_trigger(table, name, &trigger.definition));
        if trigger.enabled != "O" {
            unit.sql(ddl::trigger_state(table, name, &trigger.enabled));
        }
        if let Some(comment) = &trigger.comment {
            unit.sql(ddl::comment(
                &format!("TRIGGER {name} ON {table}"),
                Some(comment),
            ));
        }
        unit.needs([table.to_owned()]);
        unit.needs(needs_of(&[&trigger.definition]));
        unit
    }

    fn create_sequence(&mut self, finding: &Finding, name: &'b str, sequence: &'b Sequence) {
        if sequence.identity {
            // Made by its identity column, with these options.
            return;
        }
        let mut unit = self.unit(Rank::Sequence, finding);
        unit.sql(ddl::create_sequence(name, sequence));
        if let Some(sql) = self.owner_after_create(finding, "sequence", name, &sequence.owned.owner)
        {
            unit.sql(sql);
        }
        unit.provides(name.to_owned());
        unit.needs(schema_key(name));
        self.units.push(unit);
        if let Some(owned_by) = &sequence.owned_by {
            let mut unit = self.unit(Rank::SequenceOwner, finding);
            unit.sql(format!("ALTER SEQUENCE {name} OWNED BY {owned_by};"));
            unit.needs([name.to_owned()]);
            unit.needs(references(owned_by));
            self.units.push(unit);
        }
        self.created_extras(finding, "sequence", name, &sequence.owned, &[]);
    }

    fn remove(&mut self, finding: &Finding, node: Node<'b>) {
        let mut unit = self.unit(Rank::Table, finding);
        let owner = |owned: &Owned| owned.owner.clone();
        let (sql, owner, rank): (String, Option<String>, Rank) = match node {
            Node::Schema(name, schema) => {
                unit.provides(format!("schema:{name}"));
                (
                    format!("DROP SCHEMA IF EXISTS {name};"),
                    Some(owner(&schema.owned)),
                    Rank::Schema,
                )
            }
            Node::Table(name, table) => {
                unit.provides(name.to_owned());
                unit.needs(schema_key(name));
                unit.needs(table.partition_of.iter().map(|(p, _)| p.clone()));
                unit.needs(table.inherits.iter().cloned());
                // What its columns and foreign keys use goes after it.
                let mut texts: Vec<&str> = Vec::new();
                for column in &table.columns {
                    texts.push(&column.type_name);
                    texts.extend(column.default.as_deref());
                }
                unit.needs(needs_of(&texts));
                for constraint in table.constraints.values().filter(|c| c.kind == "f") {
                    unit.needs(
                        referenced_table(&constraint.definition).map(|r| format!("uniq:{r}")),
                    );
                }
                (
                    format!(
                        "DROP {} IF EXISTS {name};",
                        keyword(nodes::table_kind(table))
                    ),
                    Some(owner(&table.owned)),
                    Rank::Table,
                )
            }
            Node::Column(table_name, _, column) => {
                unit.needs([table_name.to_owned()]);
                unit.provides(table_name.to_owned());
                (
                    format!(
                        "ALTER TABLE {table_name} DROP COLUMN IF EXISTS {};",
                        quote_ident(&column.name)
                    ),
                    self.target_table_owner(table_name),
                    Rank::Column,
                )
            }
            Node::Constraint(table_name, name, constraint) => {
                unit.needs([table_name.to_owned()]);
                if constraint.kind == "f" {
                    if let Some(r) = referenced_table(&constraint.definition) {
                        unit.needs([format!("uniq:{r}")]);
                    }
                } else {
                    unit.provides(format!("uniq:{table_name}"));
                }
                (
                    format!("ALTER TABLE {table_name} DROP CONSTRAINT IF EXISTS {name};"),
                    self.target_table_owner(table_name),
                    if constraint.kind == "f" {
                        Rank::ForeignKey
                    } else {
                        Rank::Constraint
                    },
                )
            }
            Node::Index(on, name, index) => {
                unit.needs([on.to_owned()]);
                if index.definition.starts_with("CREATE UNIQUE") {
                    unit.provides(format!("uniq:{on}"));
                }
                (
                    format!("DROP INDEX IF EXISTS {};", ddl::index_name(on, name)),
                    self.target_table_owner(on),
                    Rank::Index,
                )
            }
            Node::Trigger(table_name, name, trigger) => {
                unit.needs([table_name.to_owned()]);
                unit.needs(needs_of(&[&trigger.definition]));
                (
                    format!("DROP TRIGGER IF EXISTS {name} ON {table_name};"),
                    self.target_table_owner(table_name),
                    Rank::Trigger,
                )
            }
            Node::Policy(table_name, name, _) => {
                unit.needs([table_name.to_owned()]);
                (
                    format!("DROP POLICY IF EXISTS {name} ON {table_name};"),
                    self.target_table_owner(table_name),
                    Rank::Policy,
                )
            }
            Node::View(name, view) => {
                unit.provides(name.to_owned());
                unit.needs(needs_of(&[&view.definition]));
                (
                    format!("DROP {} IF EXISTS {name};", keyword(nodes::view_kind(view))),
                    Some(owner(&view.owned)),
                    Rank::View,
                )
            }
            Node::Sequence(name, sequence) => {
                if sequence.identity {
                    return;
                }
                unit.provides(name.to_owned());
                (
                    format!("DROP SEQUENCE IF EXISTS {name};"),
                    Some(owner(&sequence.owned)),
                    Rank::Sequence,
                )
            }
            Node::Function(name, function) => {
                unit.provides(name.to_owned());
                unit.provides(ddl::split_function_key(name).0.to_owned());
                (
                    format!(
                        "DROP {} IF EXISTS {name};",
                        keyword(nodes::function_kind(function))
                    ),
                    Some(owner(&function.owned)),
                    Rank::Function,
                )
            }
            Node::Type(name, ty) => {
                unit.provides(name.to_owned());
                (
                    format!("DROP {} IF EXISTS {name};", keyword(nodes::type_kind(ty))),
                    Some(owner(&ty.owned)),
                    Rank::Type,
                )
            }
            Node::Publication(name, publication) => (
                format!("DROP PUBLICATION IF EXISTS {name};"),
                Some(owner(&publication.owned)),
                Rank::Publication,
            ),
            Node::EventTrigger(name, trigger) => (
                format!("DROP EVENT TRIGGER IF EXISTS {name};"),
                Some(owner(&trigger.owned)),
                Rank::Publication,
            ),
            Node::DefaultPrivileges(entry) => {
                let mut statements = self.default_privileges_statements(None, Some(entry));
                if statements.is_empty() {
                    return;
                }
                let last = statements.pop().unwrap_or_default();
                for sql in statements {
                    unit.sql(sql);
                }
                (
                    last,
                    Some(super::sql::unquote(&entry.role)),
                    Rank::DefaultPrivileges,
                )
            }
            Node::Language(name, language) => (
                format!("DROP LANGUAGE IF EXISTS {name};"),
                Some(owner(&language.owned)),
                Rank::Function,
            ),
        };
        if let Some(owner) = owner {
            if let Some(why) = self.b.actor.cannot_act_as(&owner) {
                self.unfixable(
                    finding,
                    format!("dropping it needs its owner {}: {why}", quote_ident(&owner)),
                );
                return;
            }
        }
        unit.rank = rank;
        unit.sql(sql);
        self.drops.push(unit);
    }

    fn change(&mut self, finding: &Finding, s: Node<'b>, t: Node<'b>) {
        match (s, t) {
            (Node::Table(name, st), Node::Table(_, tt)) => self.change_table(finding, name, st, tt),
            (Node::Column(table_name, stable, sc), Node::Column(_, ttable, tc)) => {
                self.change_column(finding, table_name, stable, ttable, sc, tc)
            }
            (Node::Constraint(table_name, name, sc), Node::Constraint(_, _, tc)) => {
                if !self.table_alterable(finding, table_name) {
                    return;
                }
                let mut unit = self.unit(
                    if sc.kind == "f" {
                        Rank::ForeignKey
                    } else {
                        Rank::Constraint
                    },
                    finding,
                );
                let referenced = referenced_table(&sc.definition).filter(|_| sc.kind == "f");
                let mut pair = vec![table_name];
                pair.extend(referenced.as_deref());
                let forced = self.b.forced_rls(&pair);
                if tc.definition.strip_suffix(" NOT VALID") == Some(sc.definition.as_str()) {
                    unit.sql(ddl::validate_constraint(table_name, name, &forced));
                } else {
                    unit.sql(do_if(
                        &format!(
                            "(SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint \
                             WHERE conrelid = {} AND conname = {}) = {}",
                            regclass(table_name),
                            quote_name_literal(name),
                            quote_literal(&tc.definition)
                        ),
                        &format!("ALTER TABLE {table_name} DROP CONSTRAINT {name};"),
                    ));
                    unit.sql(ddl::add_constraint_checked(
                        table_name,
                        name,
                        &sc.definition,
                        &forced,
                    ));
                    if let Some(comment) = &sc.comment {
                        unit.sql(ddl::comment(
                            &format!("CONSTRAINT {name} ON {table_name}"),
                            Some(comment),
                        ));
                    }
                }
                unit.needs([table_name.to_owned()]);
                unit.needs(needs_of(&[&sc.definition]));
                if sc.kind == "f" {
                    if let Some(r) = referenced_table(&sc.definition) {
                        unit.needs([format!("uniq:{r}")]);
                    }
                } else {
                    unit.provides(format!("uniq:{table_name}"));
                }
                self.units.push(unit);
            }
            (Node::Index(on, name, si), Node::Index(_, _, ti)) => {
                if !self.table_alterable(finding, on) {
                    return;
                }
                let qualified_index = ddl::index_name(on, name);
                if si.definition == ti.definition {
                    if !si.valid {
                        self.unfixable(finding, "the index is invalid on the source; an index cannot be made invalid (rebuild it on the source)".to_owned());
                    } else {
                        let mut unit = self.unit(Rank::Index, finding);
                        unit.sql(do_if(
                            &format!(
                                "NOT (SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = {})",
                                regclass(&qualified_index)
                            ),
                            &format!("REINDEX INDEX {qualified_index};"),
                        ));
                        unit.needs([on.to_owned()]);
                        self.units.push(unit);
                    }
                    return;
                }
                let mut unit = self.index_unit(finding, on, name, si);
                unit.statements.insert(
                    0,
                    (
                        do_if(
                            &format!(
                                "pg_catalog.pg_get_indexdef({}) = {}",
                                regclass(&qualified_index),
                                quote_literal(&ti.definition)
                            ),
                            &format!("DROP INDEX {qualified_index};"),
                        ),
                        super::Run::Transaction,
                    ),
                );
                self.units.push(unit);
            }
            (Node::Trigger(table_name, name, st), Node::Trigger(_, _, tt)) => {
                if !self.table_alterable(finding, table_name) {
                    return;
                }
                let mut unit = self.unit(Rank::Trigger, finding);
                if st.definition != tt.definition {
                    unit.sql(do_if(
                        &format!(
                            "(SELECT pg_catalog.pg_get_triggerdef(oid, false) FROM pg_catalog.pg_trigger \
                             WHERE tgrelid = {} AND tgname = {}) = {}",
                            regclass(table_name),
                            quote_name_literal(name),
                            quote_literal(&tt.definition)
                        ),
                        &format!("DROP TRIGGER {name} ON {table_name};"),
                    ));
                    unit.sql(ddl::create_trigger(table_name, name, &st.definition));
                    if let Some(comment) = &st.comment {
                        unit.sql(ddl::comment(
                            &format!("TRIGGER {name} ON {table_name}"),
                            Some(comment),
                        ));
                    }
                }
                unit.sql(ddl::trigger_state(table_name, name, &st.enabled));
                unit.needs([table_name.to_owned()]);
                unit.needs(needs_of(&[&st.definition]));
                self.units.push(unit);
            }
            (Node::Policy(table_name, name, sp), Node::Policy(_, _, tp)) => {
                if !self.table_alterable(finding, table_name) {
                    return;
                }
                let mut unit = self.unit(Rank::Policy, finding);
                let recreate = sp.command != tp.command
                    || sp.permissive != tp.permissive
                    || (sp.using.is_none() && tp.using.is_some())
                    || (sp.with_check.is_none() && tp.with_check.is_some());
                if recreate {
                    let permissive = if tp.permissive { "true" } else { "false" };
                    unit.sql(do_if(
                        &format!(
                            "EXISTS (SELECT FROM pg_catalog.pg_policy WHERE polrelid = {} AND polname = {} \
                             AND polpermissive = {permissive} AND polcmd = {})",
                            regclass(table_name),
                            quote_name_literal(name),
                            quote_literal(policy_command_char(&tp.command))
                        ),
                        &format!("DROP POLICY {name} ON {table_name};"),
                    ));
                    unit.sql(ddl::create_policy(table_name, name, sp));
                    if let Some(comment) = &sp.comment {
                        unit.sql(ddl::comment(
                            &format!("POLICY {name} ON {table_name}"),
                            Some(comment),
                        ));
                    }
                }
                let mut alter = format!(
                    "ALTER POLICY {name} ON {table_name} TO {}",
                    sp.roles.join(", ")
                );
                if let Some(using) = &sp.using {
                    alter.push_str(&format!(" USING ({using})"));
                }
                if let Some(check) = &sp.with_check {
                    alter.push_str(&format!(" WITH CHECK ({check})"));
                }
                alter.push(';');
                unit.sql(alter);
                unit.needs([table_name.to_owned()]);
                unit.needs(needs_of(&[
                    sp.using.as_deref().unwrap_or(""),
                    sp.with_check.as_deref().unwrap_or(""),
                ]));
                self.units.push(unit);
            }
            (Node::View(name, sv), Node::View(_, tv)) => self.change_view(finding, name, sv, tv),
            (Node::Sequence(name, ss), Node::Sequence(_, ts)) => {
                if !self.can_alter(finding, &ts.owned.owner) {
                    return;
                }
                let mut unit = self.unit(Rank::Sequence, finding);
                unit.sql(format!(
                    "ALTER SEQUENCE {name} AS {} {};",
                    ss.data_type,
                    ddl::sequence_options(ss, false)
                ));
                if !ss.identity && ss.owned_by != ts.owned_by {
                    unit.sql(format!(
                        "ALTER SEQUENCE {name} OWNED BY {};",
                        ss.owned_by.as_deref().unwrap_or("NONE")
                    ));
                    unit.needs(ss.owned_by.iter().flat_map(|o| references(o)));
                }
                unit.provides(name.to_owned());
                self.units.push(unit);
            }
            (Node::Function(name, sf), Node::Function(_, tf)) => {
                if !self.can_alter(finding, &tf.owned.owner) {
                    return;
                }
                if let Some(why) = self.function_refusal(sf) {
                    self.unfixable(finding, why);
                    return;
                }
                let kind = nodes::function_kind(sf);
                let mut unit = self.unit(Rank::Function, finding);
                // CREATE OR REPLACE cannot change the result type or argument names and defaults.
                if sf.result != tf.result || sf.arguments != tf.arguments || sf.kind != tf.kind {
                    let (base, args) = ddl::split_function_key(name);
                    let (schema, proname) = super::sql::split_qualified(base).unwrap_or_default();
                    unit.sql(do_if(
                        &format!(
                            "EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace = {}::pg_catalog.regnamespace \
                             AND p.proname = {} AND pg_catalog.pg_get_function_identity_arguments(p.oid) = {} \
                             AND pg_catalog.pg_get_function_arguments(p.oid) = {} \
                             AND pg_catalog.pg_get_function_result(p.oid) IS NOT DISTINCT FROM {})",
                            quote_literal(&quote_ident(&schema)),
                            quote_literal(&proname),
                            quote_literal(args),
                            quote_literal(&tf.arguments),
                            tf.result.as_deref().map_or("NULL".to_owned(), quote_literal)
                        ),
                        &format!("DROP {} {name};", keyword(nodes::function_kind(tf))),
                    ));
                }
                let recreated =
                    sf.result != tf.result || sf.arguments != tf.arguments || sf.kind != tf.kind;
                unit.sql(ddl::create_function(name, sf));
                if recreated || sf.owned.owner != tf.owned.owner {
                    if let Some(sql) = self.owner_after_create(finding, kind, name, &sf.owned.owner)
                    {
                        unit.sql(sql);
                    }
                }
                unit.provides(name.to_owned());
                unit.provides(ddl::split_function_key(name).0.to_owned());
                self.units.push(unit);
                if recreated {
                    // Dropping it dropped its privileges and comment: they come back.
                    self.created_extras(finding, kind, name, &sf.owned, &[]);
                }
            }
            (Node::Type(name, st), Node::Type(_, tt)) => self.change_type(finding, name, st, tt),
            (Node::Publication(name, sp), Node::Publication(_, tp)) => {
                if !self.can_alter(finding, &tp.owned.owner) {
                    return;
                }
                if sp.all_tables != tp.all_tables {
                    self.unfixable(finding, "FOR ALL TABLES cannot be switched on or off: drop the publication and create it again (its subscribers must then refresh)".to_owned());
                    return;
                }
                let mut unit = self.unit(Rank::Publication, finding);
                if !sp.all_tables {
                    for table in tp.tables.keys().filter(|t| !sp.tables.contains_key(*t)) {
                        unit.sql(do_if(
                            &publication_has(name, table),
                            &format!("ALTER PUBLICATION {name} DROP TABLE {table};"),
                        ));
                    }
                    for (table, detail) in &sp.tables {
                        match tp.tables.get(table) {
                            Some(d) if d == detail => {}
                            Some(_) => {
                                unit.sql(do_if(
                                    &publication_has(name, table),
                                    &format!("ALTER PUBLICATION {name} DROP TABLE {table};"),
                                ));
                                unit.sql(format!(
                                    "ALTER PUBLICATION {name} ADD {};",
                                    format!("TABLE {table} {detail}").trim_end()
                                ));
                            }
                            None => {
                                unit.sql(do_if(
                                    &format!(
                                        "NOT EXISTS (SELECT FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p \
                                         ON p.oid = r.prpubid WHERE p.pubname = {} AND r.prrelid = {})",
                                        quote_name_literal(name),
                                        regclass(table)
                                    ),
                                    &format!("ALTER PUBLICATION {name} ADD {};", format!("TABLE {table} {detail}").trim_end()),
                                ));
                            }
                        }
                    }
                    for schema in tp.schemas.difference(&sp.schemas) {
                        unit.sql(do_if(
                            &format!(
                                "EXISTS (SELECT FROM pg_catalog.pg_publication_namespace pn \
                                 JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid \
                                 WHERE p.pubname = {} AND pn.pnnspid = {}::pg_catalog.regnamespace)",
                                quote_name_literal(name),
                                quote_literal(schema)
                            ),
                            &format!("ALTER PUBLICATION {name} DROP TABLES IN SCHEMA {schema};"),
                        ));
                    }
                    for schema in sp.schemas.difference(&tp.schemas) {
                        if !self.b.actor.superuser() {
                            self.unfixable(
                                finding,
                                "TABLES IN SCHEMA needs a superuser".to_owned(),
                            );
                            return;
                        }
                        unit.sql(format!(
                            "ALTER PUBLICATION {name} ADD TABLES IN SCHEMA {schema};"
                        ));
                    }
                }
                unit.sql(format!(
                    "ALTER PUBLICATION {name} SET ({});",
                    ddl::publication_options(sp)
                ));
                unit.needs(sp.tables.keys().cloned());
                self.units.push(unit);
            }
            (Node::EventTrigger(name, se), Node::EventTrigger(_, te)) => {
                if !self.b.actor.superuser() {
                    self.unfixable(
                        finding,
                        format!(
                            "event triggers need a superuser; {} is not one",
                            self.b.actor.label()
                        ),
                    );
                    return;
                }
                let mut unit = self.unit(Rank::Publication, finding);
                if se.event != te.event || se.tags != te.tags || se.function != te.function {
                    unit.sql(format!("DROP EVENT TRIGGER IF EXISTS {name};"));
                    for sql in ddl::create_event_trigger(name, se) {
                        unit.sql(sql);
                    }
                } else {
                    unit.sql(ddl::event_trigger_state(name, &se.enabled));
                }
                self.units.push(unit);
            }
            (Node::Language(..), _) => self.unfixable(
                finding,
                "a procedural language's trust or handler cannot be changed by this script"
                    .to_owned(),
            ),
            _ => self.unfixable(
                finding,
                "the object changed kind; drop it and create it again".to_owned(),
            ),
        }
    }

    fn change_table(&mut self, finding: &Finding, name: &str, s: &Table, t: &Table) {
        if !self.can_alter(finding, &t.owned.owner) {
            return;
        }
        // The finding about the order of columns has the common columns as its values.
        let common = |one: &Table, other: &Table| -> String {
            one.columns
                .iter()
                .filter(|c| other.columns.iter().any(|o| o.name == c.name))
                .map(|c| quote_ident(&c.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if finding.source.as_deref() == Some(common(s, t).as_str())
            && finding.target.as_deref() == Some(common(t, s).as_str())
        {
            self.unfixable(finding, "PostgreSQL cannot reorder columns: recreate the table (create it as the source has it, copy the rows, swap the names)".to_owned());
            return;
        }
        if s.partition_key != t.partition_key {
            self.unfixable(finding, "the partition key cannot be changed in place: recreate the table and move its rows".to_owned());
        }
        let mut unit = self.unit(Rank::Policy, finding);
        if s.unlogged != t.unlogged {
            unit.sql(format!(
                "ALTER TABLE {name} SET {};",
                if s.unlogged { "UNLOGGED" } else { "LOGGED" }
            ));
        }
        if s.partition_of != t.partition_of {
            if let Some((parent, _)) = &t.partition_of {
                unit.sql(do_if(
                    &format!(
                        "EXISTS (SELECT FROM pg_catalog.pg_inherits WHERE inhrelid = {} AND inhparent = {})",
                        regclass(name),
                        regclass(parent)
                    ),
                    &format!("ALTER TABLE {parent} DETACH PARTITION {name};"),
                ));
            }
            if let Some((parent, bound)) = &s.partition_of {
                unit.sql(do_if(
                    &format!(
                        "NOT EXISTS (SELECT FROM pg_catalog.pg_inherits WHERE inhrelid = {})",
                        regclass(name)
                    ),
                    &format!("ALTER TABLE {parent} ATTACH PARTITION {name} {bound};"),
                ));
                unit.needs([parent.clone()]);
            }
        }
        if s.inherits != t.inherits {
            for parent in t.inherits.iter().filter(|p| !s.inherits.contains(p)) {
                unit.sql(format!("ALTER TABLE {name} NO INHERIT {parent};"));
            }
            for parent in s.inherits.iter().filter(|p| !t.inherits.contains(p)) {
                unit.sql(do_if(
                    &format!(
                        "NOT EXISTS (SELECT FROM pg_catalog.pg_inherits WHERE inhrelid = {} AND inhparent = {})",
                        regclass(name),
                        regclass(parent)
                    ),
                    &format!("ALTER TABLE {name} INHERIT {parent};"),
                ));
                unit.needs([parent.clone()]);
            }
            let kept: Vec<&String> = t
                .inherits
                .iter()
                .filter(|p| s.inherits.contains(p))
                .collect();
            let wanted: Vec<&String> = s
                .inherits
                .iter()
                .filter(|p| t.inherits.contains(p))
                .collect();
            if kept != wanted {
                self.unfixable(
                    finding,
                    "the order of inheritance parents cannot be changed in place".to_owned(),
                );
            }
        }
        for sql in table_properties(name, Some(t), s) {
            unit.sql(sql);
        }
        unit.needs([name.to_owned()]);
        unit.needs(
            s.replica_identity
                .strip_prefix("index ")
                .map(|i| format!("index:{name}:{i}")),
        );
        if !unit.statements.is_empty() {
            self.units.push(unit);
        }
    }

    fn change_column(
        &mut self,
        finding: &Finding,
        table_name: &str,
        stable: &Table,
        ttable: &Table,
        s: &Column,
        t: &Column,
    ) {
        if !self.can_alter(finding, &ttable.owned.owner) {
            return;
        }
        // A partition's column follows its parent's: the parent's change is made once, there.
        if let Some((parent, _)) = &stable.partition_of {
            let same = |tables: &std::collections::BTreeMap<String, Table>, c: &Column| {
                tables.get(parent).is_some_and(|p| {
                    p.columns.iter().any(|pc| {
                        pc.name == c.name
                            && pc.type_name == c.type_name
                            && pc.collation == c.collation
                            && pc.not_null == c.not_null
                            && pc.default == c.default
                            && pc.identity == c.identity
                            && pc.generated == c.generated
                    })
                })
            };
            if same(&self.b.source_objects.tables, s) && same(&self.b.target_objects.tables, t) {
                return;
            }
        }
        let c = quote_ident(&s.name);
        let alter = |what: String| format!("ALTER TABLE {table_name} ALTER COLUMN {c} {what};");
        let mut unit = self.unit(Rank::Column, finding);
        let retype = s.type_name != t.type_name || s.collation != t.collation;
        let redefault = s.default != t.default;
        if t.generated != s.generated {
            match (&s.generated, &t.generated) {
                (None, Some(_)) => unit.sql(alter("DROP EXPRESSION IF EXISTS".to_owned())),
                (Some(expression), _) if self.b.target_major() >= 17 && t.generated.is_some() => {
                    unit.sql(alter(format!("SET EXPRESSION AS ({expression})")))
                }
                _ => {
                    self.unfixable(finding, format!("a generated column's expression can be set in place only on PostgreSQL 17 and newer (the target runs {}): drop the column and add it again", self.b.target_major()));
                    return;
                }
            };
        }
        if t.default.is_some() && (redefault || retype) {
            unit.sql(alter("DROP DEFAULT".to_owned()));
        }
        if retype {
            let collation = s
                .collation
                .as_ref()
                .map_or(String::new(), |coll| format!(" COLLATE {coll}"));
            let collation_now = "(SELECT CASE WHEN a.attcollation <> ty.typcollation THEN \
                 pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END \
                 FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
                 WHERE co.oid = a.attcollation)";
            unit.sql(do_if(
                &format!(
                    "NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid \
                     WHERE a.attrelid = {} AND a.attname = {} \
                     AND pg_catalog.format_type(a.atttypid, a.atttypmod) = {} \
                     AND {collation_now} IS NOT DISTINCT FROM {})",
                    regclass(table_name),
                    quote_literal(&s.name),
                    quote_literal(&s.type_name),
                    s.collation.as_deref().map_or("NULL".to_owned(), quote_literal)
                ),
                &alter(format!("TYPE {}{collation} USING {c}::{}", s.type_name, s.type_name)),
            ));
        }
        if let Some(default) = &s.default {
            if redefault || retype {
                unit.sql(alter(format!("SET DEFAULT {default}")));
            }
        }
        match (&s.identity, &t.identity) {
            (Some(kind), None) => {
                unit.sql(alter("SET NOT NULL".to_owned()));
                let identity = self.identity_sequence(table_name, &s.name);
                let options = identity.map_or(String::new(), |(name, seq)| {
                    format!(
                        " (SEQUENCE NAME {name} {})",
                        ddl::sequence_options(seq, true)
                    )
                });
                unit.sql(do_if(
                    &format!(
                        "(SELECT attidentity FROM pg_catalog.pg_attribute WHERE attrelid = {} AND attname = {}) = ''",
                        regclass(table_name),
                        quote_literal(&s.name)
                    ),
                    &alter(format!("ADD GENERATED {kind} AS IDENTITY{options}")),
                ));
            }
            (Some(kind), Some(_)) => {
                unit.sql(alter(format!("SET GENERATED {kind}")));
            }
            (None, Some(_)) => {
                unit.sql(alter("DROP IDENTITY IF EXISTS".to_owned()));
            }
            (None, None) => {}
        }
        if s.not_null != t.not_null && s.identity.is_none() {
            unit.sql(alter(
                if s.not_null {
                    "SET NOT NULL"
                } else {
                    "DROP NOT NULL"
                }
                .to_owned(),
            ));
        }
        unit.needs([table_name.to_owned()]);
        unit.needs(needs_of(&[
            &s.type_name,
            s.default.as_deref().unwrap_or(""),
        ]));
        unit.provides(table_name.to_owned());
        if !unit.statements.is_empty() {
            self.units.push(unit);
        }
    }

    fn change_view(
        &mut self,
        finding: &Finding,
        name: &str,
        s: &crate::catalog::View,
        t: &crate::catalog::View,
    ) {
        if !self.can_alter(finding, &t.owned.owner) {
            return;
        }
        let kind = nodes::view_kind(s);
        let mut unit = self.unit(Rank::View, finding);
        let same = s.definition == t.definition && s.options == t.options;
        if s.materialized {
            if same {
                unit.sql(format!(
                    "REFRESH MATERIALIZED VIEW {name}{};",
                    if s.populated { "" } else { " WITH NO DATA" }
                ));
                unit.needs([name.to_owned()]);
                self.units.push(unit);
                return;
            } else {
                unit.sql(do_if(
                    &format!(
                        "pg_catalog.rtrim(pg_catalog.pg_get_viewdef({}), ';') = {}",
                        regclass(name),
                        quote_literal(&t.definition)
                    ),
                    &format!("DROP MATERIALIZED VIEW {name};"),
                ));
                unit.sql(ddl::create_view(name, s));
                if let Some(sql) = self.owner_after_create(finding, kind, name, &s.owned.owner) {
                    unit.sql(sql);
                }
                // Dropping it dropped its indexes, privileges and comment: they come back.
                unit.provides(name.to_owned());
                unit.needs(needs_of(&[&s.definition]));
                self.units.push(unit);
                for (index_name, index) in &s.indexes {
                    let unit = self.index_unit(finding, name, index_name, index);
                    self.units.push(unit);
                }
                self.created_extras(finding, kind, name, &s.owned, &[]);
                return;
            }
        } else {
            // CREATE OR REPLACE keeps what depends on the view; when the columns changed in a
            // way it refuses, the view is dropped (nothing may depend on it) and created again.
            let replace = ddl::create_view(name, s);
            let mut recreate = format!("DROP VIEW {name};\n    ");
            recreate.push_str(&replace.replace("CREATE OR REPLACE VIEW", "CREATE VIEW"));
            let body = format!(
                "\nBEGIN\n  {replace}\nEXCEPTION WHEN invalid_table_definition OR feature_not_supported THEN\n  {recreate}\nEND\n"
            );
            unit.sql(format!(
                "DO {};",
                super::sql::dollar_quote(&body, "pgparity")
            ));
            // A view made again is the applier's until given back.
            if let Some(sql) = self.owner_after_create(finding, kind, name, &s.owned.owner) {
                unit.sql(sql);
            }
            if !s.options.is_empty() || !t.options.is_empty() {
                let removed: Vec<String> = t
                    .options
                    .iter()
                    .filter_map(|o| o.split_once('=').map(|(k, _)| k.to_owned()))
                    .filter(|k| !s.options.iter().any(|o| o.starts_with(&format!("{k}="))))
                    .collect();
                if !removed.is_empty() {
                    unit.sql(format!("ALTER VIEW {name} RESET ({});", removed.join(", ")));
                }
            }
        }
        unit.provides(name.to_owned());
        unit.needs(needs_of(&[&s.definition]));
        self.units.push(unit);
        // When the view had to be dropped, its privileges and comment went with it.
        self.created_extras(finding, kind, name, &s.owned, &[]);
    }

    fn change_type(
        &mut self,
        finding: &Finding,
        name: &str,
        s: &crate::catalog::Type,
        t: &crate::catalog::Type,
    ) {
        if !self.can_alter(finding, &t.owned.owner) {
            return;
        }
        let mut unit = self.unit(Rank::Type, finding);
        let fail = |why: &str| why.to_owned();
        let mut refusal = None;
        if s.kind != t.kind {
            refusal = Some(fail("the type changed kind: drop it and create it again"));
        }
        match s.kind.as_str() {
            "enum" => {
                // Labels can be added, not removed or reordered.
                let kept: Vec<&String> = s.labels.iter().filter(|l| t.labels.contains(l)).collect();
                if kept.len() != t.labels.len() || kept.iter().zip(&t.labels).any(|(a, b)| *a != b)
                {
                    refusal = Some(fail("enum labels were removed or reordered; PostgreSQL can only add labels: recreate the type"));
                } else {
                    for (i, label) in s.labels.iter().enumerate() {
                        if t.labels.contains(label) {
                            continue;
                        }
                        let place = match s.labels[..i].iter().rev().find(|l| t.labels.contains(l))
                        {
                            Some(before) => format!(" AFTER {}", quote_literal(before)),
                            None => match s.labels[i + 1..].iter().find(|l| t.labels.contains(l)) {
                                Some(after) => format!(" BEFORE {}", quote_literal(after)),
                                None => String::new(),
                            },
                        };
                        // Committed on its own: a new label cannot be used in the transaction
                        // that adds it.
                        unit.alone(format!(
                            "ALTER TYPE {name} ADD VALUE IF NOT EXISTS {}{place};",
                            quote_literal(label)
                        ));
                    }
                }
            }
            "domain" => {
                if s.base != t.base || s.collation != t.collation {
                    refusal = Some(fail(
                        "a domain's base type or collation cannot be changed: recreate it",
                    ));
                }
                if s.not_null != t.not_null {
                    unit.sql(format!(
                        "ALTER DOMAIN {name} {} NOT NULL;",
                        if s.not_null { "SET" } else { "DROP" }
                    ));
                }
                if s.default != t.default {
                    unit.sql(match &s.default {
                        Some(d) => format!("ALTER DOMAIN {name} SET DEFAULT {d};"),
                        None => format!("ALTER DOMAIN {name} DROP DEFAULT;"),
                    });
                }
                for (constraint, definition) in &t.constraints {
                    if s.constraints.get(constraint) != Some(definition) {
                        match s.constraints.get(constraint) {
                            Some(sd)
                                if definition.strip_suffix(" NOT VALID") == Some(sd.as_str()) =>
                            {
                                unit.sql(format!(
                                    "ALTER DOMAIN {name} VALIDATE CONSTRAINT {constraint};"
                                ));
                            }
                            _ => {
                                unit.sql(format!(
                                    "ALTER DOMAIN {name} DROP CONSTRAINT IF EXISTS {constraint};"
                                ));
                            }
                        }
                    }
                }
                for (constraint, definition) in &s.constraints {
                    let validated = t.constraints.get(constraint).is_some_and(|td| {
                        td.strip_suffix(" NOT VALID") == Some(definition.as_str())
                    });
                    if t.constraints.get(constraint) != Some(definition) && !validated {
                        unit.sql(ddl::add_domain_constraint(name, constraint, definition));
                    }
                }
            }
            "composite" => {
                for (attribute, _) in t
                    .attributes
                    .iter()
                    .filter(|(a, _)| !s.attributes.iter().any(|(b, _)| a == b))
                {
                    unit.sql(format!(
                        "ALTER TYPE {name} DROP ATTRIBUTE IF EXISTS {attribute};"
                    ));
                }
                for (attribute, type_name) in &s.attributes {
                    match t.attributes.iter().find(|(a, _)| a == attribute) {
                        Some((_, tn)) if tn == type_name => {}
                        Some(_) => {
                            unit.sql(format!(
                                "ALTER TYPE {name} ALTER ATTRIBUTE {attribute} TYPE {type_name};"
                            ));
                        }
                        None => {
                            unit.sql(do_if(
                            &format!(
                                "NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = \
                                 (SELECT typrelid FROM pg_catalog.pg_type WHERE oid = {}::pg_catalog.regtype) \
                                 AND attname = {} AND NOT attisdropped)",
                                quote_literal(name),
                                quote_name_literal(attribute)
                            ),
                            &format!("ALTER TYPE {name} ADD ATTRIBUTE {attribute} {type_name};"),
                            ));
                        }
                    }
                }
                let order =
                    |one: &crate::catalog::Type, other: &crate::catalog::Type| -> Vec<String> {
                        one.attributes
                            .iter()
                            .filter(|(a, _)| other.attributes.iter().any(|(b, _)| a == b))
                            .map(|(a, _)| a.clone())
                            .collect()
                    };
                if order(s, t) != order(t, s) {
                    refusal = Some(fail(
                        "the attributes come in another order: recreate the type",
                    ));
                }
            }
            _ => {
                refusal = Some(fail(
                    "a range or base type cannot be changed in place: recreate it",
                ))
            }
        }
        if let Some(why) = refusal {
            self.unfixable(finding, why);
        }
        unit.provides(name.to_owned());
        unit.needs(needs_of(&[s.base.as_deref().unwrap_or("")]));
        if !unit.statements.is_empty() {
            self.units.push(unit);
        }
    }

    fn owner(&mut self, finding: &Finding, s: Node<'b>, t: Node<'b>) {
        let (name, kind, owned, current) = match (s, t) {
            (Node::Schema(n, so), Node::Schema(_, to)) => (n, "schema", &so.owned, &to.owned.owner),
            (Node::Table(n, so), Node::Table(_, to)) => {
                (n, nodes::table_kind(so), &so.owned, &to.owned.owner)
            }
            (Node::View(n, so), Node::View(_, to)) => {
                (n, nodes::view_kind(so), &so.owned, &to.owned.owner)
            }
            (Node::Sequence(n, so), Node::Sequence(_, to)) => {
                if so.owned_by.is_some() {
                    // An owned sequence follows its table's owner.
                    let table_changes = so
                        .owned_by
                        .as_deref()
                        .and_then(|o| {
                            let refs = references(o);
                            refs.into_iter()
                                .find(|r| self.b.source_objects.tables.contains_key(r))
                        })
                        .is_some_and(|table| {
                            self.b
                                .source_objects
                                .tables
                                .get(&table)
                                .map(|x| &x.owned.owner)
                                != self
                                    .b
                                    .target_objects
                                    .tables
                                    .get(&table)
                                    .map(|x| &x.owned.owner)
                        });
                    if !table_changes {
                        self.unfixable(
                            finding,
                            "a sequence owned by a column has its table's owner".to_owned(),
                        );
                    }
                    return;
                }
                (n, "sequence", &so.owned, &to.owned.owner)
            }
            (Node::Function(n, so), Node::Function(_, to)) => {
                (n, nodes::function_kind(so), &so.owned, &to.owned.owner)
            }
            (Node::Type(n, so), Node::Type(_, to)) => {
                (n, nodes::type_kind(so), &so.owned, &to.owned.owner)
            }
            (Node::Publication(n, so), Node::Publication(_, to)) => {
                (n, "publication", &so.owned, &to.owned.owner)
            }
            (Node::EventTrigger(n, so), Node::EventTrigger(_, to)) => {
                (n, "event trigger", &so.owned, &to.owned.owner)
            }
            (Node::Language(n, so), Node::Language(_, to)) => {
                (n, "language", &so.owned, &to.owned.owner)
            }
            _ => {
                self.unfixable(
                    finding,
                    "this kind of object has no owner of its own".to_owned(),
                );
                return;
            }
        };
        if !self.can_alter(finding, current) {
            return;
        }
        if let Some(why) = self.b.actor.cannot_act_as(&owned.owner) {
            self.unfixable(
                finding,
                format!("the new owner {}: {why}", quote_ident(&owned.owner)),
            );
            return;
        }
        let mut unit = self.unit(Rank::Owner, finding);
        unit.sql(ddl::owner(kind, name, &owned.owner));
        unit.needs([name.to_owned()]);
        unit.provides(format!("owner:{name}"));
        self.units.push(unit);
    }

    fn privileges(&mut self, finding: &Finding, s: Node<'b>, t: Option<Node<'b>>) {
        let statements = match (s, t) {
            (Node::Column(table, _, sc), Some(Node::Column(_, ttable, tc))) => {
                if !self.can_alter(finding, &ttable.owned.owner) {
                    return;
                }
                let on = format!("TABLE {table}");
                let statements = privileges::statements(
                    &Target {
                        prefix: "",
                        on: &on,
                        column: Some(&sc.name),
                    },
                    &sc.acl,
                    &tc.acl,
                    self.maintain(),
                );
                let mut unit = self.unit(Rank::Grant, finding);
                for sql in statements {
                    unit.sql(sql);
                }
                unit.needs([table.to_owned(), format!("grants:{table}")]);
                self.units.push(unit);
                return;
            }
            (Node::DefaultPrivileges(se), Some(Node::DefaultPrivileges(te))) => {
                self.default_privileges(finding, Some(se), Some(te));
                return;
            }
            (s, Some(t)) => {
                let (Some((kind, name, so)), Some((_, _, to))) = (owned_of(s), owned_of(t)) else {
                    self.unfixable(
                        finding,
                        "this kind of object has no privileges pgparity can grant".to_owned(),
                    );
                    return;
                };
                if !self.can_alter(finding, &to.owner) {
                    return;
                }
                // The owner statement runs first and moves the owner's privileges to the new one.
                let have =
                    privileges::renamed(&to.acl, &quote_ident(&to.owner), &quote_ident(&so.owner));
                let on = on_clause(kind, name);
                let statements = privileges::statements(
                    &Target {
                        prefix: "",
                        on: &on,
                        column: None,
                    },
                    &so.acl,
                    &have,
                    self.maintain(),
                );
                (statements, name)
            }
            _ => return,
        };
        let (statements, name) = statements;
        let kind = finding.object.kind.to_string();
        let code = finding.code.to_string();
        self.push_grants(
            finding,
            &code,
            &kind,
            name,
            statements,
            &[name.to_owned(), format!("owner:{name}")],
        );
    }

    /// Statements that turn the target's default privileges entry into the source's.
    fn default_privileges_statements(
        &self,
        source: Option<&crate::catalog::DefaultPrivileges>,
        target: Option<&crate::catalog::DefaultPrivileges>,
    ) -> Vec<String> {
        let Some(entry) = source.or(target) else {
            return Vec::new();
        };
        let kind = match entry.object_type.as_str() {
            "TABLES" => 'r',
            "SEQUENCES" => 's',
            "FUNCTIONS" => 'f',
            "TYPES" => 'T',
            "SCHEMAS" => 'n',
            _ => return Vec::new(),
        };
        // Without an entry, objects get acldefault in the whole database, nothing more in a schema.
        let base = || match entry.schema {
            Some(_) => Acl::default(),
            None => default_acl(kind, &entry.role, self.b.target_major()),
        };
        let want = source.map_or_else(base, |e| e.acl.clone());
        let have = target.map_or_else(base, |e| e.acl.clone());
        let prefix = match &entry.schema {
            Some(schema) => format!(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {schema} ",
                entry.role
            ),
            None => format!("ALTER DEFAULT PRIVILEGES FOR ROLE {} ", entry.role),
        };
        privileges::statements(
            &Target {
                prefix: &prefix,
                on: &entry.object_type,
                column: None,
            },
            &want,
            &have,
            self.maintain(),
        )
    }

    fn default_privileges(
        &mut self,
        finding: &Finding,
        source: Option<&crate::catalog::DefaultPrivileges>,
        target: Option<&crate::catalog::DefaultPrivileges>,
    ) {
        let Some(entry) = source.or(target) else {
            return;
        };
        if entry.object_type == "LARGE OBJECTS" {
            self.unfixable(
                finding,
                "default privileges on large objects are not written by pgparity".to_owned(),
            );
            return;
        }
        let role = super::sql::unquote(&entry.role);
        if let Some(why) = self.b.actor.cannot_act_as(&role) {
            self.unfixable(
                finding,
                format!(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} needs its privileges: {why}",
                    entry.role
                ),
            );
            return;
        }
        let statements = self.default_privileges_statements(source, target);
        let mut unit = self.unit(Rank::DefaultPrivileges, finding);
        for sql in statements {
            unit.sql(sql);
        }
        if let Some(schema) = &entry.schema {
            unit.needs([format!("schema:{schema}")]);
        }
        self.units.push(unit);
    }

    fn comment(&mut self, finding: &Finding, s: Node<'b>) {
        let (what, comment, table) = match s {
            Node::Column(table, _, c) => (
                format!("COLUMN {table}.{}", quote_ident(&c.name)),
                c.comment.as_deref(),
                Some(table),
            ),
            Node::Constraint(table, name, c) => (
                format!("CONSTRAINT {name} ON {table}"),
                c.comment.as_deref(),
                Some(table),
            ),
            Node::Index(on, name, i) => (
                format!("INDEX {}", ddl::index_name(on, name)),
                i.comment.as_deref(),
                Some(on),
            ),
            Node::Trigger(table, name, tr) => (
                format!("TRIGGER {name} ON {table}"),
                tr.comment.as_deref(),
                Some(table),
            ),
            Node::Policy(table, name, p) => (
                format!("POLICY {name} ON {table}"),
                p.comment.as_deref(),
                Some(table),
            ),
            other => match owned_of(other) {
                Some((kind, name, owned)) => (
                    format!("{} {name}", keyword(kind)),
                    owned.comment.as_deref(),
                    None,
                ),
                None => return,
            },
        };
        let owner = match table {
            Some(table) => self.target_table_owner(table),
            None => owned_of(s).and_then(|(kind, name, _)| {
                let key = (kind.to_owned(), name.to_owned());
                self.target
                    .get(&key)
                    .copied()
                    .and_then(owned_of)
                    .map(|(_, _, o)| o.owner.clone())
            }),
        };
        if let Some(owner) = owner {
            if !self.can_alter(finding, &owner) {
                return;
            }
        }
        let mut unit = self.unit(Rank::Comment, finding);
        unit.sql(ddl::comment(&what, comment));
        self.units.push(unit);
    }

    /// `setval` for every sequence whose position is behind the source's (or will be: new).
    fn setval(&mut self) {
        for (name, sequence) in &self.b.source_objects.sequences {
            let Some(value) = sequence.last_value else {
                continue;
            };
            let target = self.b.target_objects.sequences.get(name);
            let behind = match target.and_then(|t| t.last_value) {
                None => true,
                Some(v) if sequence.increment >= 0 => v < value,
                Some(v) => v > value,
            };
            if !behind {
                continue;
            }
            let object = ObjectRef::new("sequence", name.clone());
            if let Some(t) = target {
                if let Some(why) = self.b.actor.cannot_act_as(&t.owned.owner) {
                    self.b.unfixable(
                        Phase::Schema,
                        "sequence.behind",
                        &object,
                        format!("it is owned by {}: {why}", quote_ident(&t.owned.owner)),
                    );
                    continue;
                }
            }
            let comparison = if sequence.increment >= 0 { "<" } else { ">" };
            let mut unit = Unit::new(Rank::Setval, "sequence.behind", object);
            unit.sql(format!(
                "SELECT pg_catalog.setval({}, {value}, true) FROM {name} WHERE NOT is_called OR last_value {comparison} {value};",
                quote_literal(name)
            ));
            unit.needs([name.clone()]);
            self.units.push(unit);
        }
    }
}

/// SQL that is true when publication `name` (quoted) publishes `table`.
fn publication_has(name: &str, table: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p \
         ON p.oid = r.prpubid WHERE p.pubname = {} AND r.prrelid = {})",
        quote_name_literal(name),
        regclass(table)
    )
}

/// A policy command's `polcmd` letter.
fn policy_command_char(command: &str) -> &'static str {
    match command {
        "SELECT" => "r",
        "INSERT" => "a",
        "UPDATE" => "w",
        "DELETE" => "d",
        _ => "*",
    }
}

/// The kind, name and ownership of an owned object.
fn owned_of(node: Node<'_>) -> Option<(&'static str, &str, &Owned)> {
    Some(match node {
        Node::Schema(n, o) => ("schema", n, &o.owned),
        Node::Table(n, o) => (nodes::table_kind(o), n, &o.owned),
        Node::View(n, o) => (nodes::view_kind(o), n, &o.owned),
        Node::Sequence(n, o) => ("sequence", n, &o.owned),
        Node::Function(n, o) => (nodes::function_kind(o), n, &o.owned),
        Node::Type(n, o) => (nodes::type_kind(o), n, &o.owned),
        Node::Publication(n, o) => ("publication", n, &o.owned),
        Node::EventTrigger(n, o) => ("event trigger", n, &o.owned),
        Node::Language(n, o) => ("language", n, &o.owned),
        _ => return None,
    })
}

/// Row security, replica identity and storage parameters of `s`, for a table that has those
/// of `t` (`None`: a new table, which has the defaults and the options it was created with).
fn table_properties(name: &str, t: Option<&Table>, s: &Table) -> Vec<String> {
    let default = Table {
        replica_identity: "default".to_owned(),
        options: s.options.clone(),
        ..Table::default()
    };
    let t = t.unwrap_or(&default);
    let mut out = Vec::new();
    if s.row_security != t.row_security {
        out.push(format!(
            "ALTER TABLE {name} {} ROW LEVEL SECURITY;",
            if s.row_security { "ENABLE" } else { "DISABLE" }
        ));
    }
    if s.force_row_security != t.force_row_security {
        out.push(format!(
            "ALTER TABLE {name} {}FORCE ROW LEVEL SECURITY;",
            if s.force_row_security { "" } else { "NO " }
        ));
    }
    if s.replica_identity != t.replica_identity {
        let identity = match s.replica_identity.strip_prefix("index ") {
            Some(index) => format!("USING INDEX {index}"),
            None => s.replica_identity.to_uppercase(),
        };
        out.push(format!("ALTER TABLE {name} REPLICA IDENTITY {identity};"));
    }
    if s.options != t.options {
        let key = |o: &String| o.split_once('=').map_or(o.clone(), |(k, _)| k.to_owned());
        let reset: Vec<String> = t
            .options
            .iter()
            .map(key)
            .filter(|k| !s.options.iter().any(|o| key(o) == *k))
            .collect();
        if !reset.is_empty() {
            out.push(format!("ALTER TABLE {name} RESET ({});", reset.join(", ")));
        }
        if !s.options.is_empty() {
            out.push(format!(
                "ALTER TABLE {name} SET ({});",
                s.options.join(", ")
            ));
        }
    }
    out
}
