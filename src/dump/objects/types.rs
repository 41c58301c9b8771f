//! Enum, composite, range, base and domain types.

use super::relations::is_clause;
use super::scan::{split_top_level, Cursor};
use super::{entry_key, key_of, ObjectsBuilder, Read};
use crate::catalog::{quote_ident, Owned, Type};
use crate::dump::entry::DumpEntry;

/// Words that end a domain's base type, default or constraint.
const DOMAIN_CLAUSES: &[&str] = &["COLLATE", "DEFAULT", "NOT", "NULL", "CONSTRAINT", "CHECK"];

impl ObjectsBuilder {
    fn new_type(entry: &DumpEntry, kind: &str) -> Type {
        Type {
            owned: Owned {
                owner: entry.owner.clone().unwrap_or_default(),
                ..Owned::default()
            },
            kind: kind.to_owned(),
            ..Type::default()
        }
    }

    pub(super) fn create_type(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("TYPE");
        let q = c.qname().ok_or("no type name")?;
        let key = entry_key(&q, entry);
        if c.at_end() {
            // A shell type, completed by the base type's own entry.
            return Ok(());
        }
        let mut t;
        if c.eat_kws(&["AS", "ENUM"]) {
            t = Self::new_type(entry, "enum");
            for label in split_top_level(c.group().ok_or("no enum labels")?) {
                t.labels.push(
                    Cursor::new(label)
                        .string()
                        .ok_or("an enum label that is not a literal")?,
                );
            }
        } else if c.eat_kws(&["AS", "RANGE"]) {
            t = Self::new_type(entry, "range");
            for option in split_top_level(c.group().ok_or("no range options")?) {
                let mut o = Cursor::new(option);
                if o.eat_kw("subtype") && o.eat_punct('=') {
                    t.base = Some(o.rest().to_owned());
                }
            }
            if t.base.is_none() {
                return Err("a range type without a subtype".to_owned());
            }
        } else if c.eat_kw("AS") {
            t = Self::new_type(entry, "composite");
            for attribute in split_top_level(c.group().ok_or("no attributes")?) {
                let mut a = Cursor::new(attribute);
                let name = a.ident().ok_or("an attribute without a name")?;
                t.attributes.push((quote_ident(&name), a.rest().to_owned()));
            }
        } else if c.peek().is_punct('(') {
            // A base type (INPUT = ..., OUTPUT = ...): made by C functions, not in the model.
            c.group();
            *self
                .out
                .outside_model
                .entry("TYPE (base)".to_owned())
                .or_default() += 1;
            return Ok(());
        } else {
            return Err(format!("unknown CREATE TYPE form at `{}`", c.peek().text));
        }
        if !c.at_end() {
            return Err(format!("text after the type: `{}`", c.peek().text));
        }
        self.out.objects.types.insert(key, t);
        Ok(())
    }

    pub(super) fn create_domain(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("DOMAIN");
        let q = c.qname().ok_or("no domain name")?;
        let key = entry_key(&q, entry);
        c.eat_kw("AS");
        let mut t = Self::new_type(entry, "domain");
        let base = c.until(|tok, prev| is_clause(tok, prev, DOMAIN_CLAUSES));
        if base.is_empty() {
            return Err("a domain without a base type".to_owned());
        }
        t.base = Some(base.to_owned());
        while !c.at_end() {
            if c.eat_kw("COLLATE") {
                t.collation = Some(key_of(&c.qname().ok_or("no collation name")?, None));
            } else if c.eat_kw("DEFAULT") {
                let expr = c.until(|tok, prev| {
                    is_clause(
                        tok,
                        prev,
                        &["NOT", "NULL", "CONSTRAINT", "CHECK", "COLLATE"],
                    )
                });
                t.default = Some(expr.to_owned());
            } else if c.eat_kws(&["NOT", "NULL"]) {
                t.not_null = true;
            } else if c.eat_kw("NULL") {
            } else if c.eat_kw("CONSTRAINT") {
                let name = c.ident().ok_or("no constraint name")?;
                let definition = c.until(|tok, prev| is_clause(tok, prev, &["CONSTRAINT"]));
                if definition == "NOT NULL" {
                    // A named NOT NULL (pg_dump 17+): the domain's NOT NULL in the model.
                    t.not_null = true;
                } else {
                    t.constraints
                        .insert(quote_ident(&name), definition.to_owned());
                }
            } else {
                return Err(format!("unknown domain clause at `{}`", c.peek().text));
            }
        }
        self.out.objects.types.insert(key, t);
        Ok(())
    }

    /// `ALTER TYPE|DOMAIN name OWNER TO role` and `ALTER DOMAIN name ADD CONSTRAINT ...`.
    pub(super) fn alter_type(&mut self, c: &mut Cursor<'_>, key: &str) -> Read {
        let t = self
            .out
            .objects
            .types
            .get_mut(key)
            .ok_or_else(|| format!("type {key}, which the dump did not create"))?;
        if c.peek().is_kw("OWNER") {
            t.owned.owner = super::owner_to(c)?;
            return Ok(());
        }
        if c.eat_kws(&["ADD", "CONSTRAINT"]) {
            let name = c.ident().ok_or("no constraint name")?;
            t.constraints
                .insert(quote_ident(&name), c.rest().to_owned());
            return Ok(());
        }
        if c.eat_kws(&["ADD", "VALUE"]) {
            c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let label = c.string().ok_or("ADD VALUE without a literal")?;
            t.labels.push(label);
            return Ok(());
        }
        Err(format!(
            "ALTER TYPE ... {} is not among pg_dump's forms",
            c.peek().text
        ))
    }
}
