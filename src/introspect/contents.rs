//! What a migration must know about the objects inside one database: its extensions, large
//! objects, unlogged tables, tables without a primary key, and the objects that
//! `pg_upgrade --check` rejects (`shared/reference/migration-facts.md`, section 3). Five
//! set-based queries, and a sixth that names the types the findings mention, all in the
//! caller's read-only transaction.
//!
//! Every check reports what it finds whatever the server's version: which checks matter
//! depends on the version jump, and that is the caller's to decide.

use crate::catalog::{quote_ident, DatabaseContents, Incompatibility, InstalledExtension};
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::Client;

/// Reads the contents of the database `client` is connected to. `major` is the server's
/// major version (11 to 18); the caller has opened a read-only transaction.
///
/// `first` and `second` are two sessions on the database in one snapshot (or one session
/// twice): the schema objects are read on both while the checks run on `second`, so that the
/// server works on two queries at once.
pub async fn read_contents(
    first: &Client,
    second: &Client,
    major: u32,
) -> Result<DatabaseContents, tokio_postgres::Error> {
    let (checks, objects) = tokio::try_join!(
        read_checks(second, major),
        super::objects::read_objects(first, second, major)
    )?;
    Ok(DatabaseContents {
        objects: Some(objects),
        ..checks
    })
}

/// Everything but the schema objects.
async fn read_checks(
    client: &Client,
    major: u32,
) -> Result<DatabaseContents, tokio_postgres::Error> {
    let extensions = read_extensions(client).await?;
    let large_objects = read_large_objects(client).await?;
    let tables = read_tables(client, major).await?;
    let columns = read_type_usage(client, major).await?;
    let objects = read_objects(client).await?;
    let types = read_type_names(client, referenced_types(&columns, &objects)).await?;

    let mut incompatibilities = column_incompatibilities(&columns, &types);
    incompatibilities.extend(object_incompatibilities(&objects, &types));
    incompatibilities.extend(
        tables
            .iter()
            .filter(|t| t.with_oids)
            .map(|t| Incompatibility {
                check: "with-oids".to_owned(),
                object: t.qualified(),
                detail: "WITH OIDS".to_owned(),
            }),
    );
    incompatibilities.sort();
    Ok(DatabaseContents {
        extensions,
        large_objects,
        unlogged_tables: sorted(tables.iter().filter(|t| t.unlogged).map(Table::qualified)),
        tables_without_primary_key: sorted(
            tables
                .iter()
                .filter(|t| t.without_primary_key)
                .map(Table::qualified),
        ),
        incompatibilities,
        objects: None,
    })
}

/// Schemas that hold no user objects: the catalogs, TOAST and the temporary schemas of sessions.
pub(crate) const USER_SCHEMA: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
     AND n.nspname !~ '^pg_(toast_)?temp_'";

/// Relation `c` is not an extension's: `CREATE EXTENSION` recreates those on the target.
pub(crate) const NOT_EXTENSION_MEMBER: &str = "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid \
     AND d.deptype = 'e')";

const EXTENSIONS_SQL: &str = "SELECT e.extname::text, e.extversion, n.nspname::text \
     FROM pg_catalog.pg_extension e \
     JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace";

pub(crate) async fn read_extensions(
    client: &Client,
) -> Result<BTreeMap<String, InstalledExtension>, tokio_postgres::Error> {
    let rows = client.query(EXTENSIONS_SQL, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let extension = InstalledExtension {
                version: row.get(1),
                schema: row.get(2),
            };
            (row.get(0), extension)
        })
        .collect())
}

pub(crate) async fn read_large_objects(client: &Client) -> Result<u64, tokio_postgres::Error> {
    // pg_largeobject_metadata, unlike pg_largeobject, is readable by every role.
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata",
            &[],
        )
        .await?;
    Ok(row.get::<_, i64>(0).try_into().unwrap_or(0))
}

/// A user table with at least one property worth reporting.
#[derive(Debug)]
struct Table {
    schema: String,
    name: String,
    unlogged: bool,
    without_primary_key: bool,
    with_oids: bool,
}

impl Table {
    fn qualified(&self) -> String {
        qualified(&self.schema, &self.name)
    }
}

/// Ordinary and partitioned tables that are unlogged, lack a primary key, or have OIDs
/// (`relhasoids` exists up to 11; PostgreSQL 12 removed `WITH OIDS`).
fn tables_sql(major: u32) -> String {
    let with_oids = if major <= 11 { "c.relhasoids" } else { "false" };
    format!(
        "SELECT * FROM ( \
             SELECT n.nspname::text, c.relname::text, c.relpersistence = 'u' AS unlogged, \
                    NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k \
                                WHERE k.conrelid = c.oid AND k.contype = 'p') AS without_primary_key, \
                    {with_oids} AS with_oids \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMA} AND {NOT_EXTENSION_MEMBER} \
         ) t WHERE unlogged OR without_primary_key OR with_oids"
    )
}

async fn read_tables(client: &Client, major: u32) -> Result<Vec<Table>, tokio_postgres::Error> {
    let rows = client.query(&tables_sql(major), &[]).await?;
    Ok(rows
        .iter()
        .map(|row| Table {
            schema: row.get(0),
            name: row.get(1),
            unlogged: row.get(2),
            without_primary_key: row.get(3),
            with_oids: row.get(4),
        })
        .collect())
}

/// A stored column whose type is, or is built on, a type an upgrade cannot carry.
#[derive(Debug)]
struct ColumnUse {
    check: String,
    schema: String,
    relation: String,
    column: String,
    column_type: u32,
    problem_type: u32,
}

/// Columns of tables, partitioned tables, matviews and indexes whose type is one of the
/// problem types, or a domain, array, composite or range (multirange from 14) built on one,
/// at any depth. Extension tables count: `pg_upgrade` carries their files too.
fn type_usage_sql(major: u32) -> String {
    let multiranges = if major >= 14 {
        "UNION ALL \
         SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = k.oid"
    } else {
        ""
    };
    let materialized = if major >= 12 { "MATERIALIZED " } else { "" };
    // Types in this list that a version lacks (abstime after 11, regcollation before 13)
    // simply match nothing. Composite types made by initdb (OID below FirstNormalObjectId,
    // 16384) or in information_schema change their OIDs between versions.
    //
    // pg_upgrade searches upwards, from the problem types to every type built on them, which
    // joins every table's row type with pg_attribute at each step (0.9 s on 10,000 tables).
    // The same answer comes from searching downwards, from the few types that user columns
    // use, through what each is built from (a domain's base, an array's element, a composite's
    // attributes, a range's subtype, a multirange's range): a handful of index lookups.
    format!(
        "WITH RECURSIVE problem(oid, check_name) AS ( \
             SELECT t.oid, \
                    CASE \
                        WHEN n.nspname = 'information_schema' AND t.typname = 'sql_identifier' \
                            THEN 'sql-identifier-column' \
                        WHEN t.typtype = 'c' THEN 'composite-system-type-column' \
                        WHEN t.typname IN ('abstime', 'reltime', 'tinterval') THEN 'abstime-column' \
                        WHEN t.typname = 'aclitem' THEN 'aclitem-column' \
                        WHEN t.typname = 'unknown' THEN 'unknown-column' \
                        ELSE 'reg-type-column' \
                    END \
             FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE (n.nspname = 'pg_catalog' \
                    AND t.typname IN ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', \
                                      'regoper', 'regoperator', 'regproc', 'regprocedure', \
                                      'aclitem', 'unknown', 'abstime', 'reltime', 'tinterval')) \
                OR (n.nspname = 'information_schema' AND t.typname = 'sql_identifier') \
                OR (t.typtype = 'c' AND (t.oid < 16384 OR n.nspname = 'information_schema')) \
         ), \
         used_column AS {materialized}( \
             SELECT n.nspname, c.relname, a.attname, a.atttypid \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'm', 'i', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
               AND {USER_SCHEMA} \
         ), \
         contains(top, oid) AS ( \
             SELECT DISTINCT atttypid, atttypid FROM used_column \
             UNION \
             SELECT k.top, x.oid FROM contains k CROSS JOIN LATERAL ( \
                 SELECT t.typbasetype AS oid FROM pg_catalog.pg_type t \
                 WHERE t.oid = k.oid AND t.typtype = 'd' \
                 UNION ALL \
                 SELECT t.typelem FROM pg_catalog.pg_type t \
                 WHERE t.oid = k.oid AND t.typtype = 'b' AND t.typelem <> 0 \
                 UNION ALL \
                 SELECT a.atttypid FROM pg_catalog.pg_type t \
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid \
                 WHERE t.oid = k.oid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped \
                 UNION ALL \
                 SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = k.oid \
                 {multiranges} \
             ) x \
         ) \
         SELECT p.check_name, u.nspname::text, u.relname::text, u.attname::text, \
                u.atttypid, p.oid \
         FROM used_column u \
         JOIN contains k ON k.top = u.atttypid \
         JOIN problem p ON p.oid = k.oid"
    )
}

async fn read_type_usage(
    client: &Client,
    major: u32,
) -> Result<Vec<ColumnUse>, tokio_postgres::Error> {
    let rows = client.query(&type_usage_sql(major), &[]).await?;
    Ok(rows
        .iter()
        .map(|row| ColumnUse {
            check: row.get(0),
            schema: row.get(1),
            relation: row.get(2),
            column: row.get(3),
            column_type: row.get(4),
            problem_type: row.get(5),
        })
        .collect())
}

/// What kind of object an [`ObjectUse`] is; it decides how its name and signature are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ObjectKind {
    Aggregate,
    Operator,
    Conversion,
}

/// An aggregate, operator or conversion that an upgrade check rejects.
#[derive(Debug)]
struct ObjectUse {
    check: String,
    kind: ObjectKind,
    schema: String,
    name: String,
    /// Argument types; an operator's are its left and right operand, 0 for none.
    argument_types: Vec<u32>,
    /// What the object uses that makes it a problem, when the signature does not say it.
    note: Option<String>,
}

/// User-defined objects (OID from FirstNormalObjectId, 16384, as `pg_upgrade` counts them):
///
/// - aggregates and operators built on the `anyarray`/`anyelement` versions of the array
///   functions, which 14 replaced by `anycompatible` ones. The functions are found by name and
///   argument types, not by `regprocedure` casts, so the query runs (and finds nothing) on 14+;
/// - postfix operators (no right operand; removed in 14);
/// - encoding conversions (their functions' signature changed in 14).
const OBJECTS_SQL: &str = "\
WITH old_polymorphic AS ( \
    SELECT p.oid FROM pg_catalog.pg_proc p \
    WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace \
      AND p.proname IN ('array_append', 'array_cat', 'array_prepend', 'array_remove', \
                        'array_replace', 'array_position', 'array_positions', 'width_bucket') \
      AND p.proargtypes::pg_catalog.oid[] && ARRAY['pg_catalog.anyarray', 'pg_catalog.anyelement'] \
                                             ::pg_catalog.regtype[]::pg_catalog.oid[] \
), \
old_state AS ( \
    SELECT unnest(ARRAY['pg_catalog.anyarray', 'pg_catalog.anyelement'] \
                  ::pg_catalog.regtype[]::pg_catalog.oid[]) AS oid \
) \
SELECT 'polymorphic-function', 'aggregate', n.nspname::text, p.proname::text, \
       p.proargtypes::pg_catalog.oid[], \
       'transition function ' || a.aggtransfn::pg_catalog.regprocedure::text \
FROM pg_catalog.pg_aggregate a \
JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid \
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
WHERE p.oid >= 16384 AND a.aggtransfn IN (SELECT oid FROM old_polymorphic) \
  AND a.aggtranstype IN (SELECT oid FROM old_state) \
UNION ALL \
SELECT 'polymorphic-function', 'aggregate', n.nspname::text, p.proname::text, \
       p.proargtypes::pg_catalog.oid[], \
       'final function ' || a.aggfinalfn::pg_catalog.regprocedure::text \
FROM pg_catalog.pg_aggregate a \
JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid \
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
WHERE p.oid >= 16384 AND a.aggfinalfn IN (SELECT oid FROM old_polymorphic) \
  AND a.aggtranstype IN (SELECT oid FROM old_state) \
UNION ALL \
SELECT 'polymorphic-function', 'operator', n.nspname::text, o.oprname::text, \
       ARRAY[o.oprleft, o.oprright], \
       'function ' || o.oprcode::pg_catalog.regprocedure::text \
FROM pg_catalog.pg_operator o \
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
WHERE o.oid >= 16384 AND o.oprcode IN (SELECT oid FROM old_polymorphic) \
  AND o.oprleft IN (SELECT oid FROM old_state) \
UNION ALL \
SELECT 'postfix-operator', 'operator', n.nspname::text, o.oprname::text, \
       ARRAY[o.oprleft, o.oprright], NULL \
FROM pg_catalog.pg_operator o \
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
WHERE o.oid >= 16384 AND o.oprright = 0 \
UNION ALL \
SELECT 'encoding-conversion', 'conversion', n.nspname::text, c.conname::text, \
       '{}'::pg_catalog.oid[], \
       pg_catalog.pg_encoding_to_char(c.conforencoding)::text || ' to ' \
           || pg_catalog.pg_encoding_to_char(c.contoencoding)::text \
FROM pg_catalog.pg_conversion c \
JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace \
WHERE c.oid >= 16384";

async fn read_objects(client: &Client) -> Result<Vec<ObjectUse>, tokio_postgres::Error> {
    let rows = client.query(OBJECTS_SQL, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| ObjectUse {
            check: row.get(0),
            kind: match row.get::<_, &str>(1) {
                "aggregate" => ObjectKind::Aggregate,
                "operator" => ObjectKind::Operator,
                // The query's third kind, "conversion".
                _ => ObjectKind::Conversion,
            },
            schema: row.get(2),
            name: row.get(3),
            argument_types: row.get(4),
            note: row.get(5),
        })
        .collect())
}

/// Every type a finding will name.
fn referenced_types(columns: &[ColumnUse], objects: &[ObjectUse]) -> Vec<u32> {
    let mut oids: BTreeSet<u32> = columns
        .iter()
        .flat_map(|c| [c.column_type, c.problem_type])
        .collect();
    oids.extend(
        objects
            .iter()
            .flat_map(|o| o.argument_types.iter().copied()),
    );
    oids.remove(&0);
    oids.into_iter().collect()
}

/// Names types without `format_type()`'s dependence on `search_path` (see [`type_display`]).
/// An array type (variable length, with an element, not a vector such as `int2vector`) is
/// named after its element.
const TYPE_NAMES_SQL: &str = "\
SELECT t.oid, n.nspname::text, t.typname::text, en.nspname::text, e.typname::text, \
       pg_catalog.format_type(t.oid, NULL) \
FROM pg_catalog.pg_type t \
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
LEFT JOIN pg_catalog.pg_type e \
       ON e.oid = t.typelem AND t.typtype = 'b' AND t.typlen = -1 AND t.typstorage <> 'p' \
LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace \
WHERE t.oid = ANY($1)";

async fn read_type_names(
    client: &Client,
    oids: Vec<u32>,
) -> Result<BTreeMap<u32, String>, tokio_postgres::Error> {
    if oids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = client.query(TYPE_NAMES_SQL, &[&oids]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let element = match (row.get(3), row.get(4)) {
                (Some(schema), Some(name)) => Some((schema, name)),
                _ => None,
            };
            let display = type_display(row.get(1), row.get(2), element, row.get(5));
            (row.get(0), display)
        })
        .collect())
}

/// How a finding writes a type: a built-in type as PostgreSQL prints it (`regproc[]`,
/// `integer`), any other qualified and quoted (`"App Schema".op_list`,
/// `information_schema.sql_identifier`), an array as its element followed by `[]`.
fn type_display(schema: &str, name: &str, element: Option<(&str, &str)>, builtin: &str) -> String {
    if schema == "pg_catalog" {
        return builtin.to_owned();
    }
    match element {
        Some((element_schema, element_name)) => {
            format!("{}[]", qualified(element_schema, element_name))
        }
        None => qualified(schema, name),
    }
}

/// A type's name from the lookup, or its OID if it was dropped between the queries.
fn type_name(types: &BTreeMap<u32, String>, oid: u32) -> String {
    types
        .get(&oid)
        .cloned()
        .unwrap_or_else(|| format!("type {oid}"))
}

/// One incompatibility per column and check; a column whose type is built on several problem
/// types of one check (a composite holding `regproc` and `regconfig`) names them all.
fn column_incompatibilities(
    columns: &[ColumnUse],
    types: &BTreeMap<u32, String>,
) -> Vec<Incompatibility> {
    let mut grouped: BTreeMap<(&str, String, u32), BTreeSet<String>> = BTreeMap::new();
    for column in columns {
        let object = format!(
            "{}.{}",
            qualified(&column.schema, &column.relation),
            quote_ident(&column.column)
        );
        grouped
            .entry((&column.check, object, column.column_type))
            .or_default()
            .insert(type_name(types, column.problem_type));
    }
    grouped
        .into_iter()
        .map(|((check, object, column_type), problems)| Incompatibility {
            check: check.to_owned(),
            object,
            detail: column_detail(&type_name(types, column_type), &problems),
        })
        .collect()
}

/// The column's type, followed by the problem types it is built on when it is not simply one
/// of them or an array of one.
fn column_detail(column_type: &str, problems: &BTreeSet<String>) -> String {
    let plain = problems.len() == 1
        && problems.iter().all(|problem| {
            column_type == problem || column_type.strip_suffix("[]") == Some(problem)
        });
    if plain {
        column_type.to_owned()
    } else {
        let problems: Vec<&str> = problems.iter().map(String::as_str).collect();
        format!("{column_type} uses {}", problems.join(", "))
    }
}

/// One incompatibility per object and check; an aggregate whose transition and final functions
/// are both a problem says so in one detail.
fn object_incompatibilities(
    objects: &[ObjectUse],
    types: &BTreeMap<u32, String>,
) -> Vec<Incompatibility> {
    let mut grouped: BTreeMap<(&str, String, Option<String>), BTreeSet<&str>> = BTreeMap::new();
    for object in objects {
        let (name, signature) = match object.kind {
            ObjectKind::Aggregate => (
                qualified(&object.schema, &object.name),
                Some(format!(
                    "aggregate ({})",
                    argument_list(&object.argument_types, types)
                )),
            ),
            // An operator's name is not an identifier: only its schema is quoted.
            ObjectKind::Operator => (
                format!("{}.{}", quote_ident(&object.schema), object.name),
                Some(format!(
                    "operator ({})",
                    argument_list(&object.argument_types, types)
                )),
            ),
            ObjectKind::Conversion => (qualified(&object.schema, &object.name), None),
        };
        let notes = grouped.entry((&object.check, name, signature)).or_default();
        notes.extend(object.note.as_deref());
    }
    grouped
        .into_iter()
        .map(|((check, object, signature), notes)| {
            let notes: Vec<&str> = notes.into_iter().collect();
            let detail = match (signature, notes.is_empty()) {
                (Some(signature), true) => signature,
                (Some(signature), false) => format!("{signature} with {}", notes.join(" and ")),
                (None, _) => notes.join(" and "),
            };
            Incompatibility {
                check: check.to_owned(),
                object,
                detail,
            }
        })
        .collect()
}

/// Argument types as `DROP AGGREGATE` and `DROP OPERATOR` take them, `NONE` for an operator's
/// missing operand.
fn argument_list(oids: &[u32], types: &BTreeMap<u32, String>) -> String {
    oids.iter()
        .map(|&oid| match oid {
            0 => "NONE".to_owned(),
            oid => type_name(types, oid),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

fn sorted(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = names.collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pairs: &[(u32, &str)]) -> BTreeMap<u32, String> {
        pairs.iter().map(|&(oid, n)| (oid, n.to_owned())).collect()
    }

    fn column(check: &str, relation: &str, column: &str, types: (u32, u32)) -> ColumnUse {
        ColumnUse {
            check: check.to_owned(),
            schema: "App Schema".to_owned(),
            relation: relation.to_owned(),
            column: column.to_owned(),
            column_type: types.0,
            problem_type: types.1,
        }
    }

    fn incompatibility(check: &str, object: &str, detail: &str) -> Incompatibility {
        Incompatibility {
            check: check.to_owned(),
            object: object.to_owned(),
            detail: detail.to_owned(),
        }
    }

    #[test]
    fn built_in_types_keep_their_sql_names_and_others_are_qualified() {
        assert_eq!(
            type_display("pg_catalog", "_regproc", None, "regproc[]"),
            "regproc[]"
        );
        assert_eq!(
            type_display("pg_catalog", "int4", None, "integer"),
            "integer"
        );
        assert_eq!(
            type_display("App Schema", "op_list", None, "op_list"),
            "\"App Schema\".op_list"
        );
        assert_eq!(
            type_display(
                "App Schema",
                "_search_conf",
                Some(("App Schema", "search_conf")),
                "search_conf[]"
            ),
            "\"App Schema\".search_conf[]"
        );
        assert_eq!(
            type_display(
                "information_schema",
                "sql_identifier",
                None,
                "information_schema.sql_identifier"
            ),
            "information_schema.sql_identifier"
        );
    }

    #[test]
    fn a_column_of_a_problem_type_or_its_array_names_just_that_type() {
        let problem = BTreeSet::from(["regproc".to_owned()]);
        assert_eq!(column_detail("regproc", &problem), "regproc");
        assert_eq!(column_detail("regproc[]", &problem), "regproc[]");
        assert_eq!(
            column_detail("\"App Schema\".handlers", &problem),
            "\"App Schema\".handlers uses regproc"
        );
    }

    #[test]
    fn a_column_built_on_two_problem_types_of_one_check_is_listed_once() {
        let types = names(&[(1, "regproc"), (2, "regconfig"), (3, "\"App Schema\".pair")]);
        let columns = [
            column("reg-type-column", "t", "Pair", (3, 1)),
            column("reg-type-column", "t", "Pair", (3, 2)),
            column("reg-type-column", "t", "p", (1, 1)),
        ];
        assert_eq!(
            column_incompatibilities(&columns, &types),
            [
                incompatibility(
                    "reg-type-column",
                    "\"App Schema\".t.\"Pair\"",
                    "\"App Schema\".pair uses regconfig, regproc"
                ),
                incompatibility("reg-type-column", "\"App Schema\".t.p", "regproc"),
            ]
        );
    }

    #[test]
    fn a_column_that_fails_two_checks_is_listed_under_each() {
        let types = names(&[(1, "aclitem"), (2, "pg_class")]);
        let columns = [
            column("composite-system-type-column", "t", "c", (2, 2)),
            column("aclitem-column", "t", "c", (2, 1)),
        ];
        assert_eq!(
            column_incompatibilities(&columns, &types),
            [
                incompatibility(
                    "aclitem-column",
                    "\"App Schema\".t.c",
                    "pg_class uses aclitem"
                ),
                incompatibility(
                    "composite-system-type-column",
                    "\"App Schema\".t.c",
                    "pg_class"
                ),
            ]
        );
    }

    fn object(
        check: &str,
        kind: ObjectKind,
        name: &str,
        args: &[u32],
        note: Option<&str>,
    ) -> ObjectUse {
        ObjectUse {
            check: check.to_owned(),
            kind,
            schema: "App Schema".to_owned(),
            name: name.to_owned(),
            argument_types: args.to_vec(),
            note: note.map(str::to_owned),
        }
    }

    #[test]
    fn operators_keep_their_symbol_unquoted_and_name_a_missing_operand_none() {
        let types = names(&[(20, "bigint")]);
        let objects = [object(
            "postfix-operator",
            ObjectKind::Operator,
            "!!!",
            &[20, 0],
            None,
        )];
        assert_eq!(
            object_incompatibilities(&objects, &types),
            [incompatibility(
                "postfix-operator",
                "\"App Schema\".!!!",
                "operator (bigint, NONE)"
            )]
        );
    }

    #[test]
    fn an_aggregate_with_two_old_polymorphic_functions_is_listed_once() {
        let types = names(&[(2283, "anyelement")]);
        let objects = [
            object(
                "polymorphic-function",
                ObjectKind::Aggregate,
                "Accum",
                &[2283],
                Some("transition function array_append(anyarray,anyelement)"),
            ),
            object(
                "polymorphic-function",
                ObjectKind::Aggregate,
                "Accum",
                &[2283],
                Some("final function array_cat(anyarray,anyarray)"),
            ),
        ];
        assert_eq!(
            object_incompatibilities(&objects, &types),
            [incompatibility(
                "polymorphic-function",
                "\"App Schema\".\"Accum\"",
                "aggregate (anyelement) with final function array_cat(anyarray,anyarray) \
                 and transition function array_append(anyarray,anyelement)"
            )]
        );
    }

    #[test]
    fn a_conversion_is_described_by_its_encodings() {
        let objects = [object(
            "encoding-conversion",
            ObjectKind::Conversion,
            "latin1_to_utf8",
            &[],
            Some("LATIN1 to UTF8"),
        )];
        assert_eq!(
            object_incompatibilities(&objects, &BTreeMap::new()),
            [incompatibility(
                "encoding-conversion",
                "\"App Schema\".latin1_to_utf8",
                "LATIN1 to UTF8"
            )]
        );
    }

    #[test]
    fn a_type_dropped_between_queries_is_named_by_its_oid() {
        assert_eq!(argument_list(&[42, 0], &BTreeMap::new()), "type 42, NONE");
    }

    #[test]
    fn every_named_type_is_looked_up_once_and_none_is_not() {
        let columns = [column("reg-type-column", "t", "c", (3, 1))];
        let objects = [object(
            "postfix-operator",
            ObjectKind::Operator,
            "!",
            &[3, 0],
            None,
        )];
        assert_eq!(referenced_types(&columns, &objects), [1, 3]);
    }

    #[test]
    fn with_oids_is_read_only_where_relhasoids_exists() {
        assert!(tables_sql(11).contains("c.relhasoids AS with_oids"));
        assert!(!tables_sql(12).contains("relhasoids"));
    }

    #[test]
    fn multiranges_are_followed_only_where_they_exist() {
        assert!(!type_usage_sql(13).contains("rngmultitypid"));
        assert!(type_usage_sql(14).contains("rngmultitypid"));
    }
}
