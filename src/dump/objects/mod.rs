//! The schema objects a dump describes: [`DumpEntry`] values in, an [`Objects`] value out, equal
//! to what a live server's catalogs give for the database the dump was taken from.
//!
//! pg_dump writes the output of the server's own catalog functions (`format_type`,
//! `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`,
//! `pg_get_triggerdef`, `pg_get_function_arguments`, ...) into its statements, so the model's
//! fields are taken from the statements verbatim, never re-printed. Every entry is classified by
//! its `desc`; its statements are read by recognizers for the forms pg_dump writes. A statement
//! that no recognizer reads is returned in [`DumpCatalog::not_understood`], and entries of kinds
//! the object model has no place for (servers, casts, collations, ...) are counted in
//! [`DumpCatalog::outside_model`]: nothing is dropped silently.
//!
//! The builder takes one entry at a time ([`ObjectsBuilder::push`]) and keeps only the objects
//! (their rows are counts), so a dump of any size streams through it. pg_dump writes objects
//! after what they depend on, so most facts are applied as they come: a child table takes its
//! parent's columns when it is created, an identity sequence its column's type. What needs the
//! whole dump is done in [`ObjectsBuilder::finish`]: comments, privileges (replayed over each
//! object's default privileges for its final owner), row counts, and the public schema that
//! pg_dump 15+ leaves out when it is as initdb made it (a dump cannot tell that schema from a
//! dropped one; it is taken to be there).

mod finish;
mod others;
mod relations;
mod routines;
pub(crate) mod scan;
mod types;

use super::acl::AclChange;
use super::entry::DumpEntry;
use super::lexer::{snippet, Item, Lexer};
pub use crate::catalog::NotUnderstood;
use crate::catalog::{qualified, quote_ident, InstalledExtension, Objects};
use scan::{Cursor, QName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::collections::BTreeMap;

/// What a dump says about one database.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DumpCatalog {
    /// The database, when the dump creates it (`pg_dump -C`).
    pub database: Option<String>,
    /// The schema objects, with the row count of every table whose data the dump holds.
    pub objects: Objects,
    /// Extensions by name. pg_dump does not write an extension's version (`CREATE EXTENSION`
    /// installs the target's default one), so `version` is always empty.
    pub extensions: BTreeMap<String, InstalledExtension>,
    /// Large objects (`lo_create` calls).
    pub large_objects: u64,
    /// Entries of kinds the object model has no place for, counted by `desc` (`SERVER`,
    /// `FOREIGN DATA WRAPPER`, `CAST`, comments and privileges on them, ...).
    pub outside_model: BTreeMap<String, u64>,
    /// Statements no recognizer could read, in dump order.
    pub not_understood: Vec<NotUnderstood>,
}

/// Turns dump entries into a [`DumpCatalog`], one entry at a time.
#[derive(Debug, Default)]
pub struct ObjectsBuilder {
    /// The server version the dump was taken from, where privileges or defaults depend on it.
    server_major: Option<u32>,
    /// The pg_dump version that wrote the dump: it decides what the public schema's privileges
    /// are written against.
    pg_dump_major: Option<u32>,
    out: DumpCatalog,
    /// Comments, in dump order: the object and the text (`None`: `IS NULL`). Applied at the
    /// end, when every object is known.
    comments: Vec<(Origin, Target, Option<String>)>,
    /// GRANT and REVOKE statements, in dump order; replayed at the end over each object's
    /// default privileges for its final owner.
    acls: Vec<(Origin, Target, AclChange)>,
    /// Indexes by qualified name: the relation they are on and their quoted name.
    index_relations: BTreeMap<String, (String, String)>,
    /// Primary key, unique and exclusion constraints by qualified name (the name of the index
    /// that implements them): the table they are on.
    constraint_tables: BTreeMap<String, String>,
    /// Rows of `TABLE DATA` entries: the table and the count.
    rows: Vec<(String, u64)>,
    /// Aggregates whose result is their final function's: the aggregate and the function.
    aggregate_finals: Vec<(String, QName)>,
    /// The dump has an entry for the public schema (pg_dump 15+ writes none when the schema is
    /// as initdb made it).
    public_schema_seen: bool,
}

/// Where a fact read for later came from, for the report when it cannot be applied.
#[derive(Clone, Debug)]
struct Origin {
    position: u64,
    desc: String,
    tag: String,
    statement: String,
}

impl Origin {
    fn of(entry: &DumpEntry, statement: &str) -> Self {
        Origin {
            position: entry.position,
            desc: entry.desc.clone(),
            tag: entry.tag.clone(),
            statement: snippet(statement),
        }
    }

    fn not_understood(&self, reason: String) -> NotUnderstood {
        NotUnderstood {
            position: self.position,
            desc: self.desc.clone(),
            tag: self.tag.clone(),
            statement: self.statement.clone(),
            reason,
        }
    }
}

/// An object a comment or a privilege is about.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Schema(String),
    /// A table, view, materialized view, foreign table or sequence, by qualified name.
    Relation(String),
    /// A column: the relation and the unquoted column name.
    Column(String, String),
    /// A table constraint: the table and the quoted name.
    Constraint(String, String),
    /// A domain constraint (the model keeps no comment for it).
    DomainConstraint,
    Index(String),
    Trigger(String, String),
    Policy(String, String),
    Function(String),
    Type(String),
    Publication(String),
    EventTrigger(String),
    Language(String),
    /// Something the model keeps no comment or privileges for: an extension, a large object,
    /// the database.
    Unmodeled,
}

/// The result of reading one statement: `Err` says why it was not understood.
type Read = Result<(), String>;

/// Entry types whose objects the model has no place for. Comments and privileges on them are
/// outside too: their tags start with the same words (`SERVER legacy_srv`), except a server's
/// privileges, tagged `FOREIGN SERVER`.
const OUTSIDE_MODEL: &[&str] = &[
    "ACCESS METHOD",
    "CAST",
    "COLLATION",
    "CONVERSION",
    "FOREIGN DATA WRAPPER",
    "FOREIGN SERVER",
    "OPERATOR",
    "OPERATOR CLASS",
    "OPERATOR FAMILY",
    "RULE",
    "SERVER",
    "SHELL TYPE",
    "STATISTICS",
    "SUBSCRIPTION",
    "SUBSCRIPTION TABLE",
    "TABLESPACE",
    "TEXT SEARCH CONFIGURATION",
    "TEXT SEARCH DICTIONARY",
    "TEXT SEARCH PARSER",
    "TEXT SEARCH TEMPLATE",
    "TRANSFORM",
    "USER MAPPING",
];

/// Entry types of archives that carry session settings, not objects.
const SESSION_ENTRIES: &[&str] = &["ENCODING", "STDSTRINGS", "SEARCHPATH"];

impl ObjectsBuilder {
    /// A builder for a dump taken from a server of `server_major` by pg_dump `pg_dump_major`
    /// (as the dump says: `-- Dumped from database version`, `-- Dumped by pg_dump version`,
    /// or the archive header). The server's version decides whether tables have the MAINTAIN
    /// privilege (17+) and who owns the public schema (`pg_database_owner` from 15); pg_dump's
    /// decides the privileges the public schema's GRANTs start from. Unknown versions count
    /// as 15.
    pub fn new(server_major: Option<u32>, pg_dump_major: Option<u32>) -> Self {
        ObjectsBuilder {
            server_major,
            pg_dump_major,
            ..ObjectsBuilder::default()
        }
    }

    /// The server major version privileges are computed for (15 when the dump does not say).
    fn major(&self) -> u32 {
        self.server_major.unwrap_or(15)
    }

    /// The pg_dump major version (15 when the dump does not say).
    fn pg_dump_major(&self) -> u32 {
        self.pg_dump_major.unwrap_or(15)
    }

    /// Reads one entry.
    pub fn push(&mut self, entry: &DumpEntry) {
        let desc = entry.desc.as_str();
        if SESSION_ENTRIES.contains(&desc) {
            return;
        }
        if self.outside_model(entry) {
            *self
                .out
                .outside_model
                .entry(entry.desc.clone())
                .or_default() += 1;
            return;
        }
        match desc {
            "TABLE DATA" => return self.table_data(entry),
            "BLOBS" | "LARGE OBJECTS" => return,
            // pg_dump 17 groups large objects: in an archive the entry's definition is their
            // oids, one per line, for pg_restore to turn into `lo_create` calls (which a plain
            // dump holds instead, and which are read below).
            "BLOB METADATA" if is_oid_list(&entry.sql) => {
                self.out.large_objects += entry.sql.split_ascii_whitespace().count() as u64;
                return;
            }
            _ => {}
        }
        if desc == "SCHEMA" {
            self.schema_entry(entry);
        }
        let mut lexer = Lexer::new(entry.sql.as_bytes(), "entry");
        loop {
            match lexer.next() {
                None => break,
                Some(Ok(Item::Statement(statement))) => {
                    let text = statement.text.as_str();
                    if let Err(reason) = self.statement(entry, text) {
                        self.not_understood(entry, text, reason);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    self.not_understood(
                        entry,
                        &entry.sql,
                        format!("the entry's SQL cannot be split into statements: {e}"),
                    );
                    break;
                }
            }
        }
    }

    /// Whether the entry is about something the model does not hold.
    fn outside_model(&self, entry: &DumpEntry) -> bool {
        let desc = entry.desc.as_str();
        match desc {
            // A RULE entry can be a view's definition (`CREATE OR REPLACE VIEW`), which is read.
            "RULE" => !entry.sql.contains("CREATE OR REPLACE VIEW"),
            "COMMENT" | "ACL" => OUTSIDE_MODEL.iter().any(|kind| {
                entry
                    .tag
                    .strip_prefix(kind)
                    .is_some_and(|rest| rest.starts_with(' '))
            }),
            "SECURITY LABEL" => true,
            _ => OUTSIDE_MODEL.contains(&desc),
        }
    }

    fn not_understood(&mut self, entry: &DumpEntry, statement: &str, reason: String) {
        self.out.not_understood.push(NotUnderstood {
            position: entry.position,
            desc: entry.desc.clone(),
            tag: entry.tag.clone(),
            statement: snippet(statement),
            reason: format!("{reason}{}", sqlparser_hint(statement)),
        });
    }

    /// Reads one statement of an entry.
    fn statement(&mut self, entry: &DumpEntry, text: &str) -> Read {
        let mut c = Cursor::new(text);
        let first = c.peek();
        if is_session_statement(&c) {
            return Ok(());
        }
        let word = first.text.to_ascii_uppercase();
        match word.as_str() {
            "CREATE" => self.create(entry, &mut c),
            "ALTER" => self.alter(entry, &mut c),
            "COMMENT" => self.comment(entry, &mut c),
            "GRANT" | "REVOKE" => self.acl(entry, &mut c),
            "SELECT" => self.select(entry, &mut c),
            "REFRESH" => self.refresh(entry, &mut c),
            "COPY" if entry.desc == "TABLE DATA" => Ok(()),
            _ => Err(format!(
                "a {word} statement is not among pg_dump's forms for a {} entry",
                entry.desc
            )),
        }
    }

    fn create(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("CREATE");
        c.eat_kws(&["OR", "REPLACE"]);
        let unlogged = c.eat_kw("UNLOGGED");
        let trusted = c.eat_kw("TRUSTED");
        let kind = c.peek();
        match kind.text.to_ascii_uppercase().as_str() {
            "SCHEMA" => self.create_schema(entry, c),
            "EXTENSION" => self.create_extension(c),
            "PROCEDURAL" | "LANGUAGE" => self.create_language(entry, c, trusted),
            "TYPE" => self.create_type(entry, c),
            "DOMAIN" => self.create_domain(entry, c),
            "TABLE" => self.create_table(entry, c, unlogged, false),
            "FOREIGN" => {
                c.eat_kw("FOREIGN");
                self.create_table(entry, c, false, true)
            }
            "VIEW" => self.create_view(entry, c, false),
            "MATERIALIZED" => {
                c.eat_kw("MATERIALIZED");
                self.create_view(entry, c, true)
            }
            "SEQUENCE" => self.create_sequence(entry, c),
            "UNIQUE" | "INDEX" => self.create_index(entry, c),
            "TRIGGER" | "CONSTRAINT" => self.create_trigger(entry, c),
            "POLICY" => self.create_policy(entry, c),
            "FUNCTION" | "PROCEDURE" => self.create_function(entry, c),
            "AGGREGATE" => self.create_aggregate(entry, c),
            "PUBLICATION" => self.create_publication(entry, c),
            "EVENT" => self.create_event_trigger(entry, c),
            "DATABASE" => self.create_database(c),
            other => Err(format!(
                "CREATE {other} is not among pg_dump's forms for a {} entry",
                entry.desc
            )),
        }
    }

    fn alter(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("ALTER");
        let kind = c.next_tok().text.to_ascii_uppercase();
        match kind.as_str() {
            "TABLE" | "VIEW" | "SEQUENCE" => self.alter_relation(entry, c, &kind),
            "FOREIGN" if c.eat_kw("TABLE") => self.alter_relation(entry, c, "FOREIGN TABLE"),
            "MATERIALIZED" if c.eat_kw("VIEW") => {
                self.alter_relation(entry, c, "MATERIALIZED VIEW")
            }
            "INDEX" => self.alter_index(entry, c),
            "SCHEMA" => {
                let name = c.ident().ok_or("no schema name")?;
                let owner = owner_to(c)?;
                let schema = self
                    .out
                    .objects
                    .schemas
                    .entry(quote_ident(&name))
                    .or_default();
                schema.owned.owner = owner;
                Ok(())
            }
            "TYPE" | "DOMAIN" => {
                let q = c.qname().ok_or("no type name")?;
                let key = entry_key(&q, entry);
                self.alter_type(c, &key)
            }
            "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "ROUTINE" => {
                self.alter_function(entry, c, &kind)
            }
            "PROCEDURAL" | "LANGUAGE" => {
                if kind == "PROCEDURAL" && !c.eat_kw("LANGUAGE") {
                    return Err("ALTER PROCEDURAL without LANGUAGE".to_owned());
                }
                let name = c.ident().ok_or("no language name")?;
                let owner = owner_to(c)?;
                let language = self
                    .out
                    .objects
                    .languages
                    .get_mut(&quote_ident(&name))
                    .ok_or_else(|| {
                        format!("ALTER LANGUAGE of {name}, which the dump did not create")
                    })?;
                language.owned.owner = owner;
                Ok(())
            }
            "PUBLICATION" => self.alter_publication(entry, c),
            "EVENT" if c.eat_kw("TRIGGER") => self.alter_event_trigger(c),
            "DEFAULT" if c.eat_kw("PRIVILEGES") => self.default_acl(c),
            "LARGE" if c.eat_kw("OBJECT") => {
                c.next_tok();
                owner_to(c).map(|_| ())
            }
            "DATABASE" => {
                // Owner, settings, IS_TEMPLATE, CONNECTION LIMIT: the database is not an object
                // of the schema model.
                c.ident().ok_or("no database name")?;
                Ok(())
            }
            other => Err(format!(
                "ALTER {other} is not among pg_dump's forms for a {} entry",
                entry.desc
            )),
        }
    }

    fn select(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("SELECT");
        let function = c
            .qname()
            .ok_or("SELECT of something other than a function call")?;
        if function
            .schema
            .as_deref()
            .is_some_and(|s| s != "pg_catalog")
        {
            return Err("SELECT of a function outside pg_catalog".to_owned());
        }
        match function.name.as_str() {
            "setval" => self.sequence_set(entry, c),
            "lo_create" => {
                self.out.large_objects += 1;
                Ok(())
            }
            "lo_open" | "lo_close" | "lowrite" | "set_config" => Ok(()),
            other => Err(format!(
                "SELECT pg_catalog.{other}(...) is not among pg_dump's forms"
            )),
        }
    }

    fn refresh(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        if !c.eat_kws(&["REFRESH", "MATERIALIZED", "VIEW"]) {
            return Err("REFRESH of something other than a materialized view".to_owned());
        }
        let q = c.qname().ok_or("no view name")?;
        let key = entry_key(&q, entry);
        let view = self
            .out
            .objects
            .views
            .get_mut(&key)
            .ok_or_else(|| format!("REFRESH of {key}, which the dump did not create"))?;
        view.populated = true;
        Ok(())
    }

    fn table_data(&mut self, entry: &DumpEntry) {
        let Some(schema) = entry.namespace.as_deref() else {
            self.not_understood(entry, &entry.sql, "table data without a schema".to_owned());
            return;
        };
        let key = qualified(schema, &entry.tag);
        if let Some(rows) = entry.rows {
            self.rows.push((key, rows));
        }
    }

    /// A schema's entry makes the schema, with the header's owner, even without statements
    /// (the public schema of a server before 15: pg_dump writes only its owner).
    fn schema_entry(&mut self, entry: &DumpEntry) {
        if entry.tag == "public" {
            self.public_schema_seen = true;
        }
        let schema = self
            .out
            .objects
            .schemas
            .entry(quote_ident(&entry.tag))
            .or_default();
        if schema.owned.owner.is_empty() {
            schema.owned.owner = entry.owner.clone().unwrap_or_default();
        }
    }

    /// Everything read, with what needs the whole dump applied.
    pub fn finish(mut self) -> DumpCatalog {
        finish::finish(&mut self);
        self.out
    }
}

/// True for text that is only oids (digits), one per line.
fn is_oid_list(text: &str) -> bool {
    text.split_ascii_whitespace()
        .all(|word| word.bytes().all(|b| b.is_ascii_digit()))
}

/// What sqlparser makes of a statement no recognizer read, for the report: the kind of
/// statement it parses it as, or that it does not parse it. Only statements that were not
/// understood pay for it.
fn sqlparser_hint(statement: &str) -> String {
    match Parser::parse_sql(&PostgreSqlDialect {}, statement) {
        Ok(parsed) => match parsed.first() {
            Some(first) => {
                let debug = format!("{first:?}");
                let kind: String = debug
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                format!(" (sqlparser reads it as a {kind} statement)")
            }
            None => String::new(),
        },
        Err(_) => " (sqlparser cannot parse it either)".to_owned(),
    }
}

/// True for statements that set up the session, not objects: `SET`, `RESET`,
/// `SELECT pg_catalog.set_config(...)`, `SET SESSION AUTHORIZATION`, `BEGIN`, `COMMIT`.
fn is_session_statement(c: &Cursor<'_>) -> bool {
    let first = c.peek();
    if ["SET", "RESET", "BEGIN", "COMMIT", "START"]
        .iter()
        .any(|kw| first.is_kw(kw))
    {
        return true;
    }
    let mut probe = c.clone();
    probe.eat_kw("SELECT")
        && probe.qname().is_some_and(|q| {
            q.name == "set_config" && q.schema.as_deref().is_none_or(|s| s == "pg_catalog")
        })
}

/// `OWNER TO role` at the cursor, and nothing after it: the role, unquoted.
fn owner_to(c: &mut Cursor<'_>) -> Result<String, String> {
    if !c.eat_kws(&["OWNER", "TO"]) {
        return Err("an ALTER that is not OWNER TO".to_owned());
    }
    let owner = c.ident().ok_or("no role after OWNER TO")?;
    if !c.at_end() {
        return Err("text after OWNER TO role".to_owned());
    }
    Ok(owner)
}

/// The qualified key of a name; an unqualified one takes `default_schema`.
fn key_of(q: &QName, default_schema: Option<&str>) -> String {
    match (q.schema.as_deref(), default_schema) {
        (Some(schema), _) | (None, Some(schema)) => qualified(schema, &q.name),
        (None, None) => quote_ident(&q.name),
    }
}

/// The qualified key of a name in an entry's schema.
fn entry_key(q: &QName, entry: &DumpEntry) -> String {
    key_of(q, entry.namespace.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(desc: &str, tag: &str, sql: &str) -> DumpEntry {
        DumpEntry {
            desc: desc.to_owned(),
            tag: tag.to_owned(),
            namespace: Some("app".to_owned()),
            owner: Some("o".to_owned()),
            sql: sql.to_owned(),
            position: 7,
            rows: None,
        }
    }

    fn read(entries: &[DumpEntry]) -> DumpCatalog {
        let mut builder = ObjectsBuilder::new(Some(15), Some(15));
        for e in entries {
            builder.push(e);
        }
        builder.finish()
    }

    #[test]
    fn what_is_not_understood_is_returned_with_a_reason() {
        let c = read(&[
            entry(
                "TABLE",
                "t",
                "CREATE TABLE app.t (a integer);\nUPDATE app.t SET a = 1;",
            ),
            entry("TABLE", "u", "CREATE TABLE app.u OF app.composite;"),
        ]);
        assert_eq!(c.not_understood.len(), 2, "{:?}", c.not_understood);
        let first = &c.not_understood[0];
        assert_eq!(
            (first.position, first.desc.as_str(), first.tag.as_str()),
            (7, "TABLE", "t")
        );
        assert_eq!(first.statement, "UPDATE app.t SET a = 1;");
        assert_eq!(
            first.reason,
            "a UPDATE statement is not among pg_dump's forms for a TABLE entry (sqlparser reads it as a Update statement)"
        );
        assert!(c.not_understood[1].reason.starts_with("typed tables"));
        assert!(c.objects.tables.contains_key("app.t"));
    }

    #[test]
    fn kinds_outside_the_model_are_counted() {
        let c = read(&[
            entry(
                "RULE",
                "r",
                "CREATE RULE r AS ON DELETE TO app.t DO INSTEAD NOTHING;",
            ),
            entry(
                "COLLATION",
                "c",
                "CREATE COLLATION app.c (provider = icu, locale = 'und');",
            ),
            entry(
                "COMMENT",
                "COLLATION c",
                "COMMENT ON COLLATION app.c IS 'x';",
            ),
            entry(
                "ACL",
                "FOREIGN SERVER s",
                "GRANT ALL ON FOREIGN SERVER s TO x;",
            ),
            entry(
                "TYPE",
                "b",
                "CREATE TYPE app.b (INPUT = app.b_in, OUTPUT = app.b_out);",
            ),
            entry("SHELL TYPE", "b", "CREATE TYPE app.b;"),
            entry(
                "SEQUENCE SET",
                "ext_seq",
                "SELECT pg_catalog.setval('app.ext_seq', 3, true);",
            ),
        ]);
        assert_eq!(c.not_understood, vec![]);
        assert_eq!(
            c.outside_model,
            BTreeMap::from([
                ("ACL".to_owned(), 1),
                ("COLLATION".to_owned(), 1),
                ("COMMENT".to_owned(), 1),
                ("RULE".to_owned(), 1),
                (
                    "SEQUENCE SET (of a sequence the dump does not create)".to_owned(),
                    1
                ),
                ("SHELL TYPE".to_owned(), 1),
                ("TYPE (base)".to_owned(), 1),
            ])
        );
        assert!(c.objects.types.is_empty());
    }

    #[test]
    fn named_not_null_constraints_are_the_column_s_not_null() {
        let c = read(&[
            entry(
                "TABLE",
                "t",
                "CREATE TABLE app.t (\n    a integer CONSTRAINT t_a_not_null NOT NULL,\n    b text,\n    CONSTRAINT t_b_not_null NOT NULL b\n);",
            ),
            entry("TABLE", "u", "CREATE TABLE app.u (a integer);"),
            entry("CONSTRAINT", "u u_a_not_null", "ALTER TABLE ONLY app.u\n    ADD CONSTRAINT u_a_not_null NOT NULL a;"),
        ]);
        assert_eq!(c.not_understood, vec![]);
        let t = &c.objects.tables["app.t"];
        assert!(t.columns.iter().all(|c| c.not_null));
        assert!(t.constraints.is_empty());
        assert!(c.objects.tables["app.u"].columns[0].not_null);
    }

    #[test]
    fn view_triggers_and_view_column_privileges_are_outside_the_model() {
        let c = read(&[
            entry("VIEW", "v", "CREATE VIEW app.v AS\n SELECT 1 AS a;"),
            entry(
                "TRIGGER",
                "v tr",
                "CREATE TRIGGER tr INSTEAD OF INSERT ON app.v FOR EACH ROW EXECUTE FUNCTION app.f();",
            ),
            entry("ACL", "COLUMN v.a", "GRANT SELECT(a) ON TABLE app.v TO x;"),
            entry(
                "DOMAIN",
                "d",
                "CREATE DOMAIN app.d AS integer CONSTRAINT d_not_null NOT NULL\n\tCONSTRAINT d_check CHECK ((VALUE > 0));",
            ),
        ]);
        assert_eq!(c.not_understood, vec![]);
        assert_eq!(
            c.outside_model,
            BTreeMap::from([
                ("ACL (on a view's columns)".to_owned(), 1),
                ("TRIGGER (on a view)".to_owned(), 1),
            ])
        );
        let d = &c.objects.types["app.d"];
        assert!(d.not_null);
        assert_eq!(d.constraints.keys().collect::<Vec<_>>(), ["d_check"]);
    }

    #[test]
    fn large_objects_are_counted_in_every_form_pg_dump_writes_them() {
        let c = read(&[
            entry(
                "BLOB",
                "1",
                "SELECT pg_catalog.lo_create('1');\nALTER LARGE OBJECT 1 OWNER TO o;",
            ),
            entry("BLOB METADATA", "2..4", "2\n3\n4\n"),
            entry(
                "BLOB METADATA",
                "5..6",
                "SELECT pg_catalog.lo_create('5');\nSELECT pg_catalog.lo_create('6');",
            ),
            entry("BLOBS", "BLOBS", "SELECT pg_catalog.lo_open('1', 131072);"),
            entry(
                "COMMENT",
                "LARGE OBJECT 1",
                "COMMENT ON LARGE OBJECT 1 IS 'x';",
            ),
            entry(
                "ACL",
                "LARGE OBJECT 1",
                "GRANT SELECT ON LARGE OBJECT 1 TO x;",
            ),
        ]);
        assert_eq!(c.not_understood, vec![]);
        assert_eq!(c.large_objects, 6);
    }

    #[test]
    fn owners_come_from_the_header_unless_the_dump_says_otherwise() {
        let c = read(&[
            entry("TABLE", "t", "CREATE TABLE app.t (a integer);"),
            entry(
                "TABLE",
                "u",
                "CREATE TABLE app.u (a integer);\nALTER TABLE app.u OWNER TO \"Other\";",
            ),
        ]);
        assert_eq!(c.objects.tables["app.t"].owned.owner, "o");
        assert_eq!(c.objects.tables["app.u"].owned.owner, "Other");
        // acldefault for the final owner.
        assert!(c.objects.tables["app.u"]
            .owned
            .acl
            .0
            .contains_key("\"Other\""));
    }
}
