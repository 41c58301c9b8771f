//! Tables, columns, constraints, indexes, triggers, policies, views and sequences, from the
//! statements pg_dump writes for them.

use super::scan::{split_top_level, Cursor, Kind, Tok};
use super::{entry_key, key_of, ObjectsBuilder, Read};
use crate::catalog::{
    qualified, quote_ident, Column, Constraint, Index, Owned, Policy, Sequence, Table, Trigger,
};
use crate::dump::acl::grantee_list;
use crate::dump::entry::DumpEntry;

/// Words that end a column's type in `CREATE TABLE` (pg_dump writes `type [GENERATED ... |
/// DEFAULT ...] [NOT NULL] [COLLATE ...]`).
const COLUMN_CLAUSES: &[&str] = &[
    "COLLATE",
    "DEFAULT",
    "NOT",
    "NULL",
    "GENERATED",
    "OPTIONS",
    "CONSTRAINT",
];

/// True when `tok` is one of `words` and not part of a qualified name (`app.generated`).
pub(super) fn is_clause(tok: &Tok<'_>, prev: &Tok<'_>, words: &[&str]) -> bool {
    !prev.is_punct('.') && words.iter().any(|w| tok.is_kw(w))
}

/// The kind letter of a constraint definition (`PRIMARY KEY (...)` is `p`).
fn constraint_kind(definition: &str) -> Option<&'static str> {
    let first = Cursor::new(definition).peek();
    Some(match first.text.to_ascii_uppercase().as_str() {
        "PRIMARY" => "p",
        "UNIQUE" => "u",
        "FOREIGN" => "f",
        "CHECK" => "c",
        "EXCLUDE" => "x",
        _ => return None,
    })
}

/// `name=value` items of a `WITH (...)` list, values unquoted, sorted.
pub(super) fn reloptions(group: &str) -> Result<Vec<String>, String> {
    let mut options = Vec::new();
    for item in split_top_level(group) {
        let mut c = Cursor::new(item);
        let name = c.until(|tok, _| tok.is_punct('='));
        if name.is_empty() || !c.eat_punct('=') {
            return Err(format!("a storage option without a value: {item}"));
        }
        let value = match c.peek().kind {
            Kind::Str => c.string().unwrap_or_default(),
            _ => c.rest().to_owned(),
        };
        options.push(format!("{name}={value}"));
    }
    options.sort();
    Ok(options)
}

/// The smallest and largest values of a sequence's data type.
fn type_bounds(data_type: &str) -> (i64, i64) {
    match data_type {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

/// A sequence's options as pg_dump writes them (`START WITH`, `NO MINVALUE`, ...), with the
/// bounds left as `None` where the data type decides them.
#[derive(Debug, Default)]
struct SequenceOptions {
    data_type: Option<String>,
    start: Option<i64>,
    increment: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    cache: Option<i64>,
    cycle: bool,
}

impl SequenceOptions {
    fn read(c: &mut Cursor<'_>, stop_at_paren: bool) -> Result<Self, String> {
        let mut o = SequenceOptions::default();
        let number = |c: &mut Cursor<'_>, what: &str| -> Result<i64, String> {
            c.signed_number()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("no number after {what}"))
        };
        loop {
            if c.at_end() || (stop_at_paren && c.peek().kind == Kind::End) {
                return Ok(o);
            }
            if c.eat_kw("AS") {
                o.data_type = Some(c.ident().ok_or("no type after AS")?);
            } else if c.eat_kw("START") {
                c.eat_kw("WITH");
                o.start = Some(number(c, "START WITH")?);
            } else if c.eat_kw("INCREMENT") {
                c.eat_kw("BY");
                o.increment = Some(number(c, "INCREMENT BY")?);
            } else if c.eat_kws(&["NO", "MINVALUE"]) || c.eat_kws(&["NO", "MAXVALUE"]) {
            } else if c.eat_kw("MINVALUE") {
                o.min = Some(number(c, "MINVALUE")?);
            } else if c.eat_kw("MAXVALUE") {
                o.max = Some(number(c, "MAXVALUE")?);
            } else if c.eat_kw("CACHE") {
                o.cache = Some(number(c, "CACHE")?);
            } else if c.eat_kw("CYCLE") {
                o.cycle = true;
            } else if c.eat_kws(&["NO", "CYCLE"]) {
                o.cycle = false;
            } else {
                return Err(format!("unknown sequence option at `{}`", c.peek().text));
            }
        }
    }

    /// The sequence, its bounds completed for `data_type` as `CREATE SEQUENCE` does.
    fn into_sequence(self, data_type: String, owner: String) -> Sequence {
        let increment = self.increment.unwrap_or(1);
        let (type_min, type_max) = type_bounds(&data_type);
        let (min, max) = if increment > 0 {
            (self.min.unwrap_or(1), self.max.unwrap_or(type_max))
        } else {
            (self.min.unwrap_or(type_min), self.max.unwrap_or(-1))
        };
        Sequence {
            owned: Owned {
                owner,
                ..Owned::default()
            },
            data_type,
            start: self.start.unwrap_or(if increment > 0 { min } else { max }),
            increment,
            min,
            max,
            cache: self.cache.unwrap_or(1),
            cycle: self.cycle,
            ..Sequence::default()
        }
    }
}

/// The column of a `NOT NULL column` constraint definition.
fn not_null_column(definition: &str) -> Option<String> {
    let mut c = Cursor::new(definition);
    if !c.eat_kws(&["NOT", "NULL"]) {
        return None;
    }
    c.ident()
}

/// A column of `CREATE TABLE`.
fn column(element: &str) -> Result<Column, String> {
    let mut c = Cursor::new(element);
    let name = c
        .ident()
        .ok_or_else(|| format!("no column name in `{element}`"))?;
    let type_name = c.until(|tok, prev| is_clause(tok, prev, COLUMN_CLAUSES));
    if type_name.is_empty() {
        return Err(format!("no type for column {name}"));
    }
    let mut col = Column {
        name,
        type_name: type_name.to_owned(),
        ..Column::default()
    };
    while !c.at_end() {
        if c.eat_kw("COLLATE") {
            let q = c.qname().ok_or("no collation name")?;
            col.collation = Some(key_of(&q, None));
        } else if c.eat_kw("DEFAULT") {
            let expr =
                c.until(|tok, prev| is_clause(tok, prev, &["NOT", "NULL", "COLLATE", "OPTIONS"]));
            col.default = Some(expr.to_owned());
        } else if c.eat_kws(&["GENERATED", "ALWAYS", "AS"]) {
            let expr = c.group().ok_or("no expression after GENERATED ALWAYS AS")?;
            if !c.eat_kw("STORED") {
                return Err("a generated column that is not STORED".to_owned());
            }
            col.generated = Some(expr.to_owned());
        } else if c.eat_kws(&["NOT", "NULL"]) {
            col.not_null = true;
            c.eat_kws(&["NO", "INHERIT"]);
        } else if c.eat_kw("NULL") {
        } else if c.eat_kw("CONSTRAINT") {
            // The name of a column's NOT NULL constraint (pg_dump 18).
            c.ident().ok_or("no constraint name")?;
        } else {
            return Err(format!("unknown column clause at `{}`", c.peek().text));
        }
    }
    Ok(col)
}

/// Adds the columns a table inherits from `parent` (in the parent's order, before its own),
/// merging those it also defines itself. Inherited CHECK constraints are not copied: like the
/// foreign keys a partition clones, they are the parent's (the model lists only a table's own,
/// `conislocal`, ones, which is what pg_dump writes).
pub(super) fn inherit_from(table: &mut Table, parent: &Table) {
    let mut merged: Vec<Column> = Vec::with_capacity(parent.columns.len() + table.columns.len());
    let mut local = std::mem::take(&mut table.columns);
    for inherited in &parent.columns {
        if let Some(at) = merged.iter().position(|c| c.name == inherited.name) {
            merged[at].not_null |= inherited.not_null;
            continue;
        }
        let column = match local.iter().position(|c| c.name == inherited.name) {
            Some(at) => {
                let mut own = local.remove(at);
                own.not_null |= inherited.not_null;
                if own.collation.is_none() {
                    own.collation.clone_from(&inherited.collation);
                }
                if own.generated.is_none() {
                    own.generated.clone_from(&inherited.generated);
                }
                own
            }
            None => Column {
                name: inherited.name.clone(),
                type_name: inherited.type_name.clone(),
                not_null: inherited.not_null,
                collation: inherited.collation.clone(),
                generated: inherited.generated.clone(),
                ..Column::default()
            },
        };
        merged.push(column);
    }
    merged.extend(local);
    table.columns = merged;
}

impl ObjectsBuilder {
    pub(super) fn create_table(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        unlogged: bool,
        foreign: bool,
    ) -> Read {
        if !c.eat_kw("TABLE") {
            return Err("CREATE without TABLE".to_owned());
        }
        let q = c.qname().ok_or("no table name")?;
        let key = entry_key(&q, entry);
        let mut table = Table {
            owned: Owned {
                owner: entry.owner.clone().unwrap_or_default(),
                ..Owned::default()
            },
            kind: if foreign { "foreign table" } else { "table" }.to_owned(),
            unlogged,
            // PostgreSQL gives foreign tables no replica identity (`relreplident` 'n').
            replica_identity: if foreign { "nothing" } else { "default" }.to_owned(),
            ..Table::default()
        };
        let mut partition_parent = None;
        if c.eat_kws(&["PARTITION", "OF"]) {
            let parent = c.qname().ok_or("no parent after PARTITION OF")?;
            partition_parent = Some(key_of(&parent, q.schema.as_deref()));
        } else if c.peek().is_kw("OF") {
            return Err("typed tables (CREATE TABLE ... OF type) are not read".to_owned());
        }
        let mut not_null_later = Vec::new();
        if c.peek().is_punct('(') {
            let group = c.group().ok_or("unbalanced column list")?;
            for element in split_top_level(group) {
                let mut e = Cursor::new(element);
                if e.eat_kw("CONSTRAINT") {
                    let name = e.ident().ok_or("no constraint name")?;
                    let definition = e.rest();
                    if let Some(column) = not_null_column(definition) {
                        // A named NOT NULL constraint (pg_dump 18): the model keeps it as the
                        // column's NOT NULL.
                        not_null_later.push(column);
                        continue;
                    }
                    let kind = constraint_kind(definition)
                        .ok_or_else(|| format!("unknown constraint `{definition}`"))?;
                    table.constraints.insert(
                        quote_ident(&name),
                        Constraint {
                            kind: kind.to_owned(),
                            definition: definition.to_owned(),
                            comment: None,
                        },
                    );
                } else if partition_parent.is_some() {
                    // `name WITH OPTIONS ...` of a partition: its columns are the parent's.
                    continue;
                } else {
                    table.columns.push(column(element)?);
                }
            }
        }
        if let Some(parent) = partition_parent {
            let bound = c.until(|tok, prev| is_clause(tok, prev, &["PARTITION", "WITH", "USING"]));
            let parent_table =
                self.out.objects.tables.get(&parent).ok_or_else(|| {
                    format!("a partition of {parent}, which the dump did not create")
                })?;
            let own = std::mem::take(&mut table.columns);
            table.columns = parent_table
                .columns
                .iter()
                .map(|c| Column {
                    acl: Default::default(),
                    comment: None,
                    ..c.clone()
                })
                .collect();
            table.columns.extend(own);
            table.partition_of = Some((parent, bound.to_owned()));
        }
        while !c.at_end() {
            if c.eat_kw("INHERITS") {
                let group = c.group().ok_or("no list after INHERITS")?;
                for parent in split_top_level(group) {
                    let q = Cursor::new(parent).qname().ok_or("no parent name")?;
                    table.inherits.push(key_of(&q, None));
                }
            } else if c.eat_kws(&["PARTITION", "BY"]) {
                let partition_key =
                    c.until(|tok, prev| is_clause(tok, prev, &["WITH", "USING", "SERVER"]));
                table.partition_key = Some(partition_key.to_owned());
                table.kind = "partitioned table".to_owned();
            } else if c.eat_kw("USING") {
                c.ident().ok_or("no access method after USING")?;
            } else if c.eat_kw("WITH") {
                let group = c.group().ok_or("no list after WITH")?;
                // The TOAST table's options (`toast.autovacuum_enabled`) are its own
                // `reloptions`, not the table's: the model does not hold them.
                table.options = reloptions(group)?
                    .into_iter()
                    .filter(|o| !o.starts_with("toast."))
                    .collect();
            } else if foreign && c.eat_kw("SERVER") {
                c.ident().ok_or("no server name")?;
            } else if foreign && c.eat_kw("OPTIONS") {
                c.group().ok_or("no list after OPTIONS")?;
            } else {
                return Err(format!("unknown table clause at `{}`", c.peek().text));
            }
        }
        for column in not_null_later {
            if let Some(col) = table.columns.iter_mut().find(|c| c.name == column) {
                col.not_null = true;
            }
        }
        for parent in table.inherits.clone() {
            let parent_table =
                self.out.objects.tables.get(&parent).ok_or_else(|| {
                    format!("inherits from {parent}, which the dump did not create")
                })?;
            inherit_from(&mut table, parent_table);
        }
        self.out.objects.tables.insert(key, table);
        Ok(())
    }

    /// `ALTER TABLE|VIEW|SEQUENCE|FOREIGN TABLE|MATERIALIZED VIEW [ONLY] name ...`.
    pub(super) fn alter_relation(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        kind: &str,
    ) -> Read {
        c.eat_kws(&["IF", "EXISTS"]);
        c.eat_kw("ONLY");
        let q = c.qname().ok_or("no relation name")?;
        let key = entry_key(&q, entry);
        if c.peek().is_kw("OWNER") {
            let owner = super::owner_to(c)?;
            return self.set_relation_owner(&key, owner);
        }
        if kind == "SEQUENCE" {
            return self.alter_sequence(c, &key);
        }
        if c.eat_kw("ALTER") {
            c.eat_kw("COLUMN");
            let column = c.ident().ok_or("no column name")?;
            return self.alter_column(entry, c, &key, &column);
        }
        if c.eat_kws(&["ADD", "CONSTRAINT"]) {
            let name = c.ident().ok_or("no constraint name")?;
            let definition = c.rest();
            return self.add_constraint(&key, &name, definition);
        }
        if c.eat_kws(&["ATTACH", "PARTITION"]) {
            let child = c.qname().ok_or("no partition name")?;
            let child_key = key_of(&child, q.schema.as_deref());
            let bound = c.rest();
            return self.attach_partition(&key, &child_key, bound);
        }
        if c.eat_kws(&["REPLICA", "IDENTITY"]) {
            let value = if c.eat_kws(&["USING", "INDEX"]) {
                format!("index {}", quote_ident(&c.ident().ok_or("no index name")?))
            } else {
                c.next_tok().text.to_ascii_lowercase()
            };
            if !matches!(value.as_str(), "full" | "nothing" | "default")
                && !value.starts_with("index ")
            {
                return Err(format!("unknown replica identity {value}"));
            }
            self.table_mut(&key)?.replica_identity = value;
            return Ok(());
        }
        if c.eat_kws(&["ENABLE", "ROW", "LEVEL", "SECURITY"]) {
            self.table_mut(&key)?.row_security = true;
            return Ok(());
        }
        if c.eat_kws(&["FORCE", "ROW", "LEVEL", "SECURITY"]) {
            self.table_mut(&key)?.force_row_security = true;
            return Ok(());
        }
        let state = if c.eat_kw("DISABLE") {
            Some("D")
        } else if c.eat_kws(&["ENABLE", "REPLICA"]) {
            Some("R")
        } else if c.eat_kws(&["ENABLE", "ALWAYS"]) {
            Some("A")
        } else if c.eat_kw("ENABLE") {
            Some("O")
        } else {
            None
        };
        if let Some(state) = state {
            if !c.eat_kw("TRIGGER") {
                return Err("ENABLE/DISABLE of something other than a trigger".to_owned());
            }
            let name = quote_ident(&c.ident().ok_or("no trigger name")?);
            let trigger = self
                .table_mut(&key)?
                .triggers
                .get_mut(&name)
                .ok_or_else(|| format!("trigger {name}, which the dump did not create"))?;
            trigger.enabled = state.to_owned();
            return Ok(());
        }
        if c.eat_kws(&["CLUSTER", "ON"]) || c.eat_kws(&["SET", "TABLESPACE"]) {
            c.ident().ok_or("no name")?;
            return Ok(());
        }
        if c.eat_kw("INHERIT") {
            let parent = c.qname().ok_or("no parent")?;
            let parent_key = key_of(&parent, q.schema.as_deref());
            let parent_table = self
                .out
                .objects
                .tables
                .get(&parent_key)
                .cloned()
                .ok_or_else(|| {
                    format!("inherits from {parent_key}, which the dump did not create")
                })?;
            let table = self.table_mut(&key)?;
            table.inherits.push(parent_key);
            inherit_from(table, &parent_table);
            return Ok(());
        }
        Err(format!(
            "ALTER {kind} ... {} is not among pg_dump's forms",
            c.peek().text
        ))
    }

    /// True when `index` (qualified) is the index of a primary key, unique or exclusion
    /// constraint the dump created.
    fn has_constraint_index(&self, index: &str) -> bool {
        self.constraint_tables.contains_key(index)
    }

    fn table_mut(&mut self, key: &str) -> Result<&mut Table, String> {
        self.out
            .objects
            .tables
            .get_mut(key)
            .ok_or_else(|| format!("table {key}, which the dump did not create"))
    }

    fn set_relation_owner(&mut self, key: &str, owner: String) -> Read {
        let objects = &mut self.out.objects;
        let owned = if let Some(t) = objects.tables.get_mut(key) {
            &mut t.owned
        } else if let Some(v) = objects.views.get_mut(key) {
            &mut v.owned
        } else if let Some(s) = objects.sequences.get_mut(key) {
            &mut s.owned
        } else {
            return Err(format!("OWNER TO of {key}, which the dump did not create"));
        };
        owned.owner = owner;
        Ok(())
    }

    fn alter_column(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        key: &str,
        column: &str,
    ) -> Read {
        if c.eat_kws(&["SET", "DEFAULT"]) {
            let expr = c.rest().to_owned();
            if self.out.objects.views.contains_key(key) {
                // A view column's default: the model keeps none.
                return Ok(());
            }
            self.column_mut(key, column)?.default = Some(expr);
            return Ok(());
        }
        if c.eat_kws(&["SET", "NOT", "NULL"]) {
            self.column_mut(key, column)?.not_null = true;
            return Ok(());
        }
        if c.eat_kw("ADD") {
            return self.add_identity(entry, c, key, column);
        }
        let understood = c.eat_kws(&["SET", "STATISTICS"])
            || c.eat_kws(&["SET", "STORAGE"])
            || c.eat_kws(&["SET", "COMPRESSION"])
            || c.eat_kw("OPTIONS")
            || c.eat_kw("SET")
            || c.eat_kw("RESET");
        if understood {
            // Planner statistics, storage, compression and FDW options: not in the model.
            return Ok(());
        }
        Err(format!(
            "ALTER COLUMN ... {} is not among pg_dump's forms",
            c.peek().text
        ))
    }

    fn column_mut(&mut self, key: &str, column: &str) -> Result<&mut Column, String> {
        self.table_mut(key)?
            .columns
            .iter_mut()
            .find(|c| c.name == column)
            .ok_or_else(|| format!("column {column} of {key}, which the dump did not create"))
    }

    /// `ALTER TABLE t ALTER COLUMN c ADD GENERATED ALWAYS|BY DEFAULT AS IDENTITY (SEQUENCE NAME
    /// s START WITH ...)`: the identity column and its sequence.
    fn add_identity(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        key: &str,
        column: &str,
    ) -> Read {
        if !c.eat_kw("GENERATED") {
            return Err("ADD other than GENERATED ... AS IDENTITY".to_owned());
        }
        let identity = if c.eat_kw("ALWAYS") {
            "ALWAYS"
        } else if c.eat_kws(&["BY", "DEFAULT"]) {
            "BY DEFAULT"
        } else {
            return Err("GENERATED neither ALWAYS nor BY DEFAULT".to_owned());
        };
        if !c.eat_kws(&["AS", "IDENTITY"]) {
            return Err("GENERATED ... without AS IDENTITY".to_owned());
        }
        let group = c.group().ok_or("no sequence options")?;
        let mut o = Cursor::new(group);
        if !o.eat_kws(&["SEQUENCE", "NAME"]) {
            return Err("identity options without SEQUENCE NAME".to_owned());
        }
        let seq = o.qname().ok_or("no sequence name")?;
        let seq_key = entry_key(&seq, entry);
        let options = SequenceOptions::read(&mut o, true)?;
        let table_owner = self.table_mut(key)?.owned.owner.clone();
        let col = self.column_mut(key, column)?;
        col.identity = Some(identity.to_owned());
        // An identity sequence has its column's type; pg_dump does not write `AS`.
        let data_type = match col.type_name.as_str() {
            t @ ("smallint" | "integer" | "bigint") => t.to_owned(),
            _ => options
                .data_type
                .clone()
                .unwrap_or_else(|| "bigint".to_owned()),
        };
        let owner = entry.owner.clone().unwrap_or(table_owner);
        let mut sequence = options.into_sequence(data_type, owner);
        sequence.identity = true;
        sequence.owned_by = Some(format!("{key}.{}", quote_ident(column)));
        self.out.objects.sequences.insert(seq_key, sequence);
        Ok(())
    }

    fn add_constraint(&mut self, key: &str, name: &str, definition: &str) -> Read {
        if let Some(column) = not_null_column(definition) {
            // A named NOT NULL constraint (pg_dump 18): the column's NOT NULL in the model.
            self.column_mut(key, &column)?.not_null = true;
            return Ok(());
        }
        let kind = constraint_kind(definition)
            .ok_or_else(|| format!("unknown constraint `{definition}`"))?;
        let constraint = Constraint {
            kind: kind.to_owned(),
            definition: definition.to_owned(),
            comment: None,
        };
        // Without ONLY, PostgreSQL adds a CHECK constraint to the inheritance children too;
        // their copies are not their own (`conislocal`), so they stay the parent's here.
        self.table_mut(key)?
            .constraints
            .insert(quote_ident(name), constraint);
        if matches!(kind, "p" | "u" | "x") {
            // Its index has the constraint's name, in the table's schema.
            let index = qualified(&key_schema(key), name);
            self.constraint_tables.insert(index, key.to_owned());
        }
        Ok(())
    }

    fn attach_partition(&mut self, parent: &str, child: &str, bound: &str) -> Read {
        if !self.out.objects.tables.contains_key(parent) {
            return Err(format!(
                "ATTACH PARTITION to {parent}, which the dump did not create"
            ));
        }
        let table = self.table_mut(child)?;
        table.partition_of = Some((parent.to_owned(), bound.to_owned()));
        Ok(())
    }

    fn alter_sequence(&mut self, c: &mut Cursor<'_>, key: &str) -> Read {
        if !c.eat_kws(&["OWNED", "BY"]) {
            return Err(format!(
                "ALTER SEQUENCE ... {} is not among pg_dump's forms",
                c.peek().text
            ));
        }
        let parts = c.name_parts().ok_or("no column after OWNED BY")?;
        let owned_by = match parts.as_slice() {
            [schema, table, column] => {
                format!("{}.{}", qualified(schema, table), quote_ident(column))
            }
            [table, column] => format!("{}.{}", quote_ident(table), quote_ident(column)),
            _ => return Err("OWNED BY needs table.column".to_owned()),
        };
        let sequence = self
            .out
            .objects
            .sequences
            .get_mut(key)
            .ok_or_else(|| format!("sequence {key}, which the dump did not create"))?;
        sequence.owned_by = Some(owned_by);
        Ok(())
    }

    pub(super) fn create_sequence(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("SEQUENCE");
        let q = c.qname().ok_or("no sequence name")?;
        let key = entry_key(&q, entry);
        let options = SequenceOptions::read(c, false)?;
        let data_type = options
            .data_type
            .clone()
            .unwrap_or_else(|| "bigint".to_owned());
        let sequence = options.into_sequence(data_type, entry.owner.clone().unwrap_or_default());
        self.out.objects.sequences.insert(key, sequence);
        Ok(())
    }

    /// `SELECT pg_catalog.setval('name', value, is_called)`.
    pub(super) fn sequence_set(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let group = c.group().ok_or("setval without arguments")?;
        let args = split_top_level(group);
        let [name, value, called] = args.as_slice() else {
            return Err("setval needs three arguments".to_owned());
        };
        let name = Cursor::new(name)
            .string()
            .ok_or("setval of a name that is not a literal")?;
        let q = Cursor::new(&name)
            .qname()
            .ok_or("setval of something that is not a sequence name")?;
        let key = entry_key(&q, entry);
        let value: i64 = Cursor::new(value)
            .signed_number()
            .and_then(|n| n.parse().ok())
            .ok_or("setval to a value that is not a number")?;
        let called = match called.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err("setval's third argument is not true or false".to_owned()),
        };
        match self.out.objects.sequences.get_mut(&key) {
            Some(sequence) => sequence.last_value = called.then_some(value),
            // An extension's configuration sequence: its value is dumped, the sequence is not.
            None => {
                *self
                    .out
                    .outside_model
                    .entry("SEQUENCE SET (of a sequence the dump does not create)".to_owned())
                    .or_default() += 1;
            }
        }
        Ok(())
    }

    pub(super) fn create_view(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        materialized: bool,
    ) -> Read {
        if !c.eat_kw("VIEW") {
            return Err("CREATE MATERIALIZED without VIEW".to_owned());
        }
        let q = c.qname().ok_or("no view name")?;
        let key = entry_key(&q, entry);
        if c.eat_kw("USING") {
            c.ident().ok_or("no access method after USING")?;
        }
        let mut options = Vec::new();
        if c.eat_kw("WITH") {
            options = reloptions(c.group().ok_or("no list after WITH")?)?;
        }
        if !c.eat_kw("AS") {
            return Err("no AS in the view".to_owned());
        }
        // pg_dump writes `AS\n` and then pg_get_viewdef's text without its `;`.
        let text = c.text();
        let body = &text[c.pos()..];
        let body = body.strip_prefix('\n').unwrap_or(body);
        let mut definition = body.trim_end().strip_suffix(';').unwrap_or(body).trim_end();
        if materialized {
            definition = definition
                .strip_suffix("WITH NO DATA")
                .or_else(|| definition.strip_suffix("WITH DATA"))
                .ok_or("a materialized view without WITH [NO] DATA")?
                .trim_end_matches([' ', '\n']);
        } else {
            for (suffix, option) in [
                ("WITH LOCAL CHECK OPTION", "check_option=local"),
                ("WITH CASCADED CHECK OPTION", "check_option=cascaded"),
            ] {
                if let Some(rest) = definition.strip_suffix(suffix) {
                    definition = rest.trim_end_matches([' ', '\n']);
                    options.push(option.to_owned());
                    options.sort();
                }
            }
        }
        let view = self.out.objects.views.entry(key).or_default();
        view.owned.owner = entry.owner.clone().unwrap_or_default();
        view.materialized = materialized;
        // pg_dump creates every materialized view empty; its MATERIALIZED VIEW DATA entry
        // (`REFRESH`) populates it.
        view.populated = !materialized;
        view.definition = definition.to_owned();
        view.options = options;
        Ok(())
    }

    pub(super) fn create_index(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let definition = c
            .text()
            .trim_end()
            .trim_end_matches(';')
            .trim_end()
            .to_owned();
        c.eat_kw("UNIQUE");
        c.eat_kw("INDEX");
        c.eat_kw("CONCURRENTLY");
        c.eat_kws(&["IF", "NOT", "EXISTS"]);
        let name = c.ident().ok_or("no index name")?;
        if !c.eat_kw("ON") {
            return Err("no ON in the index".to_owned());
        }
        c.eat_kw("ONLY");
        let q = c.qname().ok_or("no table name")?;
        let relation = entry_key(&q, entry);
        let index = Index {
            definition,
            valid: true,
            comment: None,
        };
        let quoted = quote_ident(&name);
        if let Some(table) = self.out.objects.tables.get_mut(&relation) {
            table.indexes.insert(quoted.clone(), index);
        } else if let Some(view) = self.out.objects.views.get_mut(&relation) {
            view.indexes.insert(quoted.clone(), index);
        } else {
            return Err(format!(
                "an index on {relation}, which the dump did not create"
            ));
        }
        let schema = key_schema(&relation);
        self.index_relations
            .insert(qualified(&schema, &name), (relation, quoted));
        Ok(())
    }

    pub(super) fn alter_index(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let q = c.qname().ok_or("no index name")?;
        let parent = entry_key(&q, entry);
        if c.eat_kws(&["ATTACH", "PARTITION"]) {
            // The partition's index (or its constraint) is read already; attaching it to the
            // parent's index changes nothing the model holds.
            let child = c.qname().ok_or("no index name after ATTACH PARTITION")?;
            let child = entry_key(&child, entry);
            for index in [&parent, &child] {
                if !self.index_relations.contains_key(index) && !self.has_constraint_index(index) {
                    return Err(format!(
                        "ATTACH PARTITION of index {index}, which the dump did not create"
                    ));
                }
            }
            return Ok(());
        }
        if c.eat_kw("ALTER") || c.eat_kw("SET") || c.eat_kw("RESET") {
            // Per-column statistics targets and storage parameters of an index.
            c.rest();
            return Ok(());
        }
        Err(format!(
            "ALTER INDEX ... {} is not among pg_dump's forms",
            c.peek().text
        ))
    }

    pub(super) fn create_trigger(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let definition = c
            .text()
            .trim_end()
            .trim_end_matches(';')
            .trim_end()
            .to_owned();
        c.eat_kw("CONSTRAINT");
        if !c.eat_kw("TRIGGER") {
            return Err("CREATE CONSTRAINT without TRIGGER".to_owned());
        }
        let name = c.ident().ok_or("no trigger name")?;
        c.until(|tok, _| tok.is_kw("ON"));
        if !c.eat_kw("ON") {
            return Err("no ON in the trigger".to_owned());
        }
        let q = c.qname().ok_or("no table name")?;
        let key = entry_key(&q, entry);
        if self.out.objects.views.contains_key(&key) {
            // INSTEAD OF triggers: the model keeps triggers on tables only.
            *self
                .out
                .outside_model
                .entry("TRIGGER (on a view)".to_owned())
                .or_default() += 1;
            return Ok(());
        }
        self.table_mut(&key)?.triggers.insert(
            quote_ident(&name),
            Trigger {
                definition,
                enabled: "O".to_owned(),
                comment: None,
            },
        );
        Ok(())
    }

    pub(super) fn create_policy(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("POLICY");
        let name = c.ident().ok_or("no policy name")?;
        if !c.eat_kw("ON") {
            return Err("no ON in the policy".to_owned());
        }
        let q = c.qname().ok_or("no table name")?;
        let key = entry_key(&q, entry);
        let mut policy = Policy {
            command: "ALL".to_owned(),
            permissive: true,
            roles: vec!["PUBLIC".to_owned()],
            ..Policy::default()
        };
        while !c.at_end() {
            if c.eat_kw("AS") {
                policy.permissive = if c.eat_kw("PERMISSIVE") {
                    true
                } else if c.eat_kw("RESTRICTIVE") {
                    false
                } else {
                    return Err("AS neither PERMISSIVE nor RESTRICTIVE".to_owned());
                };
            } else if c.eat_kw("FOR") {
                policy.command = c.next_tok().text.to_ascii_uppercase();
            } else if c.eat_kw("TO") {
                let mut roles = grantee_list(c).ok_or("no roles after TO")?;
                roles.sort();
                policy.roles = roles;
            } else if c.eat_kw("USING") {
                policy.using = Some(c.group().ok_or("no expression after USING")?.to_owned());
            } else if c.eat_kws(&["WITH", "CHECK"]) {
                policy.with_check = Some(
                    c.group()
                        .ok_or("no expression after WITH CHECK")?
                        .to_owned(),
                );
            } else {
                return Err(format!("unknown policy clause at `{}`", c.peek().text));
            }
        }
        self.table_mut(&key)?
            .policies
            .insert(quote_ident(&name), policy);
        Ok(())
    }
}

/// The schema part of a qualified key, unquoted.
pub(super) fn key_schema(key: &str) -> String {
    Cursor::new(key)
        .qname()
        .and_then(|q| q.schema)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_as_pg_dump_writes_them() {
        let c = column("code text NOT NULL COLLATE pg_catalog.\"C\"").unwrap();
        assert_eq!(c.type_name, "text");
        assert!(c.not_null);
        assert_eq!(c.collation.as_deref(), Some("pg_catalog.\"C\""));
        let c = column("created_at timestamp with time zone DEFAULT now() NOT NULL").unwrap();
        assert_eq!(c.type_name, "timestamp with time zone");
        assert_eq!(c.default.as_deref(), Some("now()"));
        let c =
            column("search_name text GENERATED ALWAYS AS (lower((name)::text)) STORED").unwrap();
        assert_eq!(c.generated.as_deref(), Some("lower((name)::text)"));
        assert_eq!(c.default, None);
        let c = column("\"a\"\"b\" numeric(12,2)[] DEFAULT '{1,2}'::numeric[]").unwrap();
        assert_eq!(c.name, "a\"b");
        assert_eq!(c.type_name, "numeric(12,2)[]");
        let c = column("id integer CONSTRAINT t_id_not_null NOT NULL").unwrap();
        assert!(c.not_null);
        let c = column("x app.generated").unwrap();
        assert_eq!(c.type_name, "app.generated");
        assert!(column("x").is_err());
        assert!(column("x integer NOT").is_err());
    }

    #[test]
    fn reloptions_are_unquoted_and_sorted() {
        assert_eq!(
            reloptions(
                "autovacuum_enabled='false', toast.autovacuum_enabled='false', fillfactor='80'"
            )
            .unwrap(),
            [
                "autovacuum_enabled=false",
                "fillfactor=80",
                "toast.autovacuum_enabled=false"
            ]
        );
    }

    #[test]
    fn sequence_bounds_follow_the_data_type_and_direction() {
        let read = |text: &str, data_type: &str| {
            let mut c = Cursor::new(text);
            SequenceOptions::read(&mut c, false)
                .unwrap()
                .into_sequence(data_type.to_owned(), "o".to_owned())
        };
        let s = read(
            "START WITH -1 INCREMENT BY -1 NO MINVALUE NO MAXVALUE CACHE 1;",
            "smallint",
        );
        assert_eq!((s.min, s.max, s.start), (-32768, -1, -1));
        let s = read(
            "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;",
            "integer",
        );
        assert_eq!((s.min, s.max), (1, 2_147_483_647));
        let s = read(
            "START WITH 1000 INCREMENT BY 5 MINVALUE 1000 MAXVALUE 9999999 CACHE 10 CYCLE;",
            "integer",
        );
        assert_eq!(
            (s.start, s.increment, s.min, s.max, s.cache, s.cycle),
            (1000, 5, 1000, 9_999_999, 10, true)
        );
    }
}
