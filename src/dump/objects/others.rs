//! Schemas, extensions, languages, publications, event triggers, default privileges, comments
//! and privileges.

use super::routines::function_key;
use super::scan::{split_top_level, Cursor, Kind};
use super::{entry_key, key_of, owner_to, ObjectsBuilder, Origin, Read, Target};
use crate::catalog::{
    quote_ident, DefaultPrivileges, EventTrigger, InstalledExtension, Language, Owned, Publication,
};
use crate::dump::acl::{
    acl_default, change_tail, grantee_list, privilege_list, AclChange, AclKind,
};
use crate::dump::entry::DumpEntry;

/// What `publish` is when a publication does not say.
const PUBLISH_ALL: &str = "insert, update, delete, truncate";

impl ObjectsBuilder {
    pub(super) fn create_schema(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("SCHEMA");
        c.eat_kws(&["IF", "NOT", "EXISTS"]);
        let name = c.ident().ok_or("no schema name")?;
        let mut owner = entry.owner.clone().unwrap_or_default();
        if c.eat_kw("AUTHORIZATION") {
            owner = c.ident().ok_or("no role after AUTHORIZATION")?;
        }
        if !c.at_end() {
            return Err("CREATE SCHEMA with elements".to_owned());
        }
        let schema = self
            .out
            .objects
            .schemas
            .entry(quote_ident(&name))
            .or_default();
        schema.owned.owner = owner;
        Ok(())
    }

    pub(super) fn create_extension(&mut self, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("EXTENSION");
        c.eat_kws(&["IF", "NOT", "EXISTS"]);
        let name = c.ident().ok_or("no extension name")?;
        c.eat_kw("WITH");
        let mut extension = InstalledExtension {
            version: String::new(),
            schema: String::new(),
        };
        while !c.at_end() {
            if c.eat_kw("SCHEMA") {
                extension.schema = c.ident().ok_or("no schema name")?;
            } else if c.eat_kw("VERSION") {
                let tok = c.next_tok();
                extension.version = tok.string().or_else(|| tok.ident()).unwrap_or_default();
            } else if !c.eat_kw("CASCADE") {
                return Err(format!("unknown extension option at `{}`", c.peek().text));
            }
        }
        self.out.extensions.insert(name, extension);
        Ok(())
    }

    pub(super) fn create_language(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        trusted: bool,
    ) -> Read {
        c.eat_kw("PROCEDURAL");
        c.eat_kw("LANGUAGE");
        let name = c.ident().ok_or("no language name")?;
        // HANDLER, INLINE and VALIDATOR functions: not in the model.
        c.rest();
        if name == "plpgsql" {
            return Ok(());
        }
        self.out.objects.languages.insert(
            quote_ident(&name),
            Language {
                owned: Owned {
                    owner: entry.owner.clone().unwrap_or_default(),
                    ..Owned::default()
                },
                trusted,
            },
        );
        Ok(())
    }

    pub(super) fn create_publication(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("PUBLICATION");
        let name = c.ident().ok_or("no publication name")?;
        let mut publication = Publication {
            owned: Owned {
                owner: entry.owner.clone().unwrap_or_default(),
                ..Owned::default()
            },
            publish: PUBLISH_ALL.to_owned(),
            ..Publication::default()
        };
        if c.eat_kws(&["FOR", "ALL", "TABLES"]) {
            publication.all_tables = true;
        }
        if c.eat_kw("WITH") {
            for option in split_top_level(c.group().ok_or("no list after WITH")?) {
                let mut o = Cursor::new(option);
                let key = o.ident().ok_or("an option without a name")?;
                if !o.eat_punct('=') {
                    return Err(format!("publication option {key} without a value"));
                }
                let tok = o.next_tok();
                let value = tok.string().unwrap_or_else(|| tok.text.to_owned());
                match key.as_str() {
                    "publish" => publication.publish = value,
                    "publish_via_partition_root" => {
                        publication.via_root =
                            matches!(value.to_ascii_lowercase().as_str(), "true" | "on" | "1")
                    }
                    _ => {}
                }
            }
        }
        if !c.at_end() {
            return Err(format!("unknown publication clause at `{}`", c.peek().text));
        }
        self.out
            .objects
            .publications
            .insert(quote_ident(&name), publication);
        Ok(())
    }

    pub(super) fn alter_publication(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let name = quote_ident(&c.ident().ok_or("no publication name")?);
        let publication = self
            .out
            .objects
            .publications
            .get_mut(&name)
            .ok_or_else(|| format!("publication {name}, which the dump did not create"))?;
        if c.peek().is_kw("OWNER") {
            publication.owned.owner = owner_to(c)?;
            return Ok(());
        }
        if !c.eat_kw("ADD") {
            return Err(format!(
                "ALTER PUBLICATION ... {} is not among pg_dump's forms",
                c.peek().text
            ));
        }
        if c.eat_kws(&["TABLES", "IN", "SCHEMA"]) {
            let schema = c.ident().ok_or("no schema name")?;
            publication.schemas.insert(quote_ident(&schema));
            return Ok(());
        }
        if !c.eat_kw("TABLE") {
            return Err("ALTER PUBLICATION ADD of neither TABLE nor TABLES IN SCHEMA".to_owned());
        }
        c.eat_kw("ONLY");
        let q = c.qname().ok_or("no table name")?;
        // The column list and row filter, as pg_dump prints them.
        let rest = c.rest().to_owned();
        publication.tables.insert(entry_key(&q, entry), rest);
        Ok(())
    }

    pub(super) fn create_event_trigger(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        if !c.eat_kws(&["EVENT", "TRIGGER"]) {
            return Err("CREATE EVENT without TRIGGER".to_owned());
        }
        let name = c.ident().ok_or("no event trigger name")?;
        if !c.eat_kw("ON") {
            return Err("no ON in the event trigger".to_owned());
        }
        let event = c.ident().ok_or("no event name")?;
        let mut tags = Vec::new();
        if c.eat_kw("WHEN") {
            if !c.eat_kws(&["TAG", "IN"]) {
                return Err("WHEN other than TAG IN".to_owned());
            }
            for tag in split_top_level(c.group().ok_or("no tag list")?) {
                tags.push(
                    Cursor::new(tag)
                        .string()
                        .ok_or("a tag that is not a literal")?,
                );
            }
            tags.sort();
        }
        if !(c.eat_kws(&["EXECUTE", "FUNCTION"]) || c.eat_kws(&["EXECUTE", "PROCEDURE"])) {
            return Err("no EXECUTE FUNCTION in the event trigger".to_owned());
        }
        let function = c.qname().ok_or("no function name")?;
        let function = format!("{}()", key_of(&function, None));
        self.out.objects.event_triggers.insert(
            quote_ident(&name),
            EventTrigger {
                owned: Owned {
                    owner: entry.owner.clone().unwrap_or_default(),
                    ..Owned::default()
                },
                event,
                tags,
                function,
                enabled: "O".to_owned(),
            },
        );
        Ok(())
    }

    pub(super) fn alter_event_trigger(&mut self, c: &mut Cursor<'_>) -> Read {
        let name = quote_ident(&c.ident().ok_or("no event trigger name")?);
        let trigger = self
            .out
            .objects
            .event_triggers
            .get_mut(&name)
            .ok_or_else(|| format!("event trigger {name}, which the dump did not create"))?;
        if c.peek().is_kw("OWNER") {
            trigger.owned.owner = owner_to(c)?;
            return Ok(());
        }
        trigger.enabled = if c.eat_kw("DISABLE") {
            "D"
        } else if c.eat_kws(&["ENABLE", "REPLICA"]) {
            "R"
        } else if c.eat_kws(&["ENABLE", "ALWAYS"]) {
            "A"
        } else if c.eat_kw("ENABLE") {
            "O"
        } else {
            return Err(format!(
                "ALTER EVENT TRIGGER ... {} is not among pg_dump's forms",
                c.peek().text
            ));
        }
        .to_owned();
        Ok(())
    }

    pub(super) fn create_database(&mut self, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("DATABASE");
        let name = c.ident().ok_or("no database name")?;
        // Template, encoding, locale: the database is not an object of the schema model.
        c.rest();
        self.out.database = Some(name);
        Ok(())
    }

    /// `ALTER DEFAULT PRIVILEGES FOR ROLE r [IN SCHEMA s] GRANT|REVOKE ... ON TABLES ...`.
    pub(super) fn default_acl(&mut self, c: &mut Cursor<'_>) -> Read {
        if !(c.eat_kws(&["FOR", "ROLE"]) || c.eat_kws(&["FOR", "USER"])) {
            return Err("ALTER DEFAULT PRIVILEGES without FOR ROLE".to_owned());
        }
        let role = c.ident().ok_or("no role name")?;
        let schema = if c.eat_kws(&["IN", "SCHEMA"]) {
            Some(quote_ident(&c.ident().ok_or("no schema name")?))
        } else {
            None
        };
        let (change, object_type) = acl_change(c, |c| {
            let tok = c.next_tok();
            if tok.kind == Kind::Word {
                Ok(tok.text.to_ascii_uppercase())
            } else {
                Err("no object type after ON".to_owned())
            }
        })?;
        let kind = AclKind::from_default_object_type(&object_type)
            .ok_or_else(|| format!("default privileges on {object_type}"))?;
        let role_quoted = quote_ident(&role);
        let key = DefaultPrivileges::key(&role_quoted, schema.as_deref(), &object_type);
        let major = self.major();
        let entry = self
            .out
            .objects
            .default_privileges
            .entry(key)
            .or_insert_with(|| DefaultPrivileges {
                role: role_quoted,
                // Only the entry for all schemas starts from the defaults (pg_dump's baseline).
                acl: if schema.is_none() {
                    acl_default(kind, &role, major)
                } else {
                    Default::default()
                },
                schema,
                object_type,
            });
        change.apply(&mut entry.acl, kind, None, major);
        Ok(())
    }

    /// `COMMENT ON kind object IS 'text'`.
    pub(super) fn comment(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        if !c.eat_kws(&["COMMENT", "ON"]) {
            return Err("COMMENT without ON".to_owned());
        }
        let target = target(entry, c, TargetKind::Comment)?;
        if !c.eat_kw("IS") {
            return Err("COMMENT without IS".to_owned());
        }
        let text = if c.eat_kw("NULL") {
            None
        } else {
            Some(c.string().ok_or("a comment that is not a literal")?)
        };
        if !c.at_end() {
            return Err("text after the comment".to_owned());
        }
        self.comments
            .push((Origin::of(entry, c.text()), target, text));
        Ok(())
    }

    /// `GRANT ... ON kind object TO ...` and `REVOKE ... ON kind object FROM ...`.
    pub(super) fn acl(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let (change, found) = acl_change(c, |c| target(entry, c, TargetKind::Acl))?;
        self.acls.push((Origin::of(entry, c.text()), found, change));
        Ok(())
    }
}

/// Whether a target is read for a COMMENT or a GRANT (they name some kinds differently).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetKind {
    Comment,
    Acl,
}

/// Reads a GRANT or REVOKE up to its object (read by `object`) and after it.
fn acl_change<T>(
    c: &mut Cursor<'_>,
    mut object: impl FnMut(&mut Cursor<'_>) -> Result<T, String>,
) -> Result<(AclChange, T), String> {
    let grant = if c.eat_kw("GRANT") {
        true
    } else if c.eat_kw("REVOKE") {
        false
    } else {
        return Err("neither GRANT nor REVOKE".to_owned());
    };
    let grant_option_only = !grant && c.eat_kws(&["GRANT", "OPTION", "FOR"]);
    let privileges = privilege_list(c).ok_or("no privilege list")?;
    if !c.eat_kw("ON") {
        return Err("a GRANT of roles (no ON): not an object privilege".to_owned());
    }
    let found = object(c)?;
    if !(c.eat_kw(if grant { "TO" } else { "FROM" })) {
        return Err(format!(
            "no {} in the statement",
            if grant { "TO" } else { "FROM" }
        ));
    }
    let grantees = grantee_list(c).ok_or("no grantees")?;
    let with_grant_option = change_tail(c).ok_or("unknown text after the grantees")?;
    Ok((
        AclChange {
            grant,
            grant_option_only,
            with_grant_option,
            privileges,
            grantees,
        },
        found,
    ))
}

/// Reads the object of a COMMENT ON or GRANT ... ON (its kind words and its name).
fn target(entry: &DumpEntry, c: &mut Cursor<'_>, purpose: TargetKind) -> Result<Target, String> {
    let qualified_name = |c: &mut Cursor<'_>| -> Result<String, String> {
        let q = c.qname().ok_or("no object name")?;
        Ok(entry_key(&q, entry))
    };
    let word = c.next_tok().text.to_ascii_uppercase();
    Ok(match word.as_str() {
        "SCHEMA" => Target::Schema(quote_ident(&c.ident().ok_or("no schema name")?)),
        "TABLE" | "VIEW" | "SEQUENCE" => Target::Relation(qualified_name(c)?),
        "FOREIGN" if c.eat_kw("TABLE") => Target::Relation(qualified_name(c)?),
        "MATERIALIZED" if c.eat_kw("VIEW") => Target::Relation(qualified_name(c)?),
        "COLUMN" => {
            let parts = c.name_parts().ok_or("no column name")?;
            let [schema, table, column] = parts.as_slice() else {
                return Err("a column not named schema.table.column".to_owned());
            };
            Target::Column(crate::catalog::qualified(schema, table), column.clone())
        }
        "CONSTRAINT" => {
            let name = quote_ident(&c.ident().ok_or("no constraint name")?);
            if !c.eat_kw("ON") {
                return Err("CONSTRAINT without ON".to_owned());
            }
            if c.eat_kw("DOMAIN") {
                qualified_name(c)?;
                Target::DomainConstraint
            } else {
                Target::Constraint(qualified_name(c)?, name)
            }
        }
        "INDEX" => Target::Index(qualified_name(c)?),
        "TRIGGER" | "POLICY" => {
            let name = quote_ident(&c.ident().ok_or("no name")?);
            if !c.eat_kw("ON") {
                return Err(format!("{word} without ON"));
            }
            let table = qualified_name(c)?;
            if word == "TRIGGER" {
                Target::Trigger(table, name)
            } else {
                Target::Policy(table, name)
            }
        }
        "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "ROUTINE" => {
            let q = c.qname().ok_or("no function name")?;
            let arguments = c.group().ok_or("no argument list")?;
            Target::Function(function_key(&q, entry.namespace.as_deref(), arguments))
        }
        "TYPE" | "DOMAIN" => Target::Type(qualified_name(c)?),
        "PUBLICATION" => Target::Publication(quote_ident(&c.ident().ok_or("no name")?)),
        "EVENT" if c.eat_kw("TRIGGER") => {
            Target::EventTrigger(quote_ident(&c.ident().ok_or("no name")?))
        }
        "LANGUAGE" => Target::Language(quote_ident(&c.ident().ok_or("no name")?)),
        "PROCEDURAL" if c.eat_kw("LANGUAGE") => {
            Target::Language(quote_ident(&c.ident().ok_or("no name")?))
        }
        "LARGE" if c.eat_kw("OBJECT") => {
            c.next_tok();
            Target::Unmodeled
        }
        "EXTENSION" | "DATABASE" if purpose == TargetKind::Comment || word == "DATABASE" => {
            c.ident().ok_or("no name")?;
            Target::Unmodeled
        }
        other => {
            return Err(format!(
                "{other} objects are not among the kinds the reader knows"
            ))
        }
    })
}
