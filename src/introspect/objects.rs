//! Reads the schema objects of one database into [`Objects`]: thirteen set-based queries, one
//! per catalog (their number does not grow with the number of objects), in the caller's
//! read-only transaction.
//!
//! The session's `search_path` is emptied first, as pg_dump does, so that `format_type`,
//! `pg_get_expr` and the `pg_get_*def` functions qualify every name outside `pg_catalog`: the
//! strings read here are then the very strings pg_dump writes into a dump of the database.
//! Objects that belong to an extension are left out: `CREATE EXTENSION` makes them.

use super::contents::{NOT_EXTENSION_MEMBER, USER_SCHEMA};
use crate::catalog::{
    qualified, quote_ident, Acl, Column, Constraint, DefaultPrivileges, EventTrigger, Function,
    Index, Language, Objects, Owned, Policy, Publication, Schema, Sequence, Table, Trigger, Type,
    View,
};
use std::collections::{BTreeMap, HashMap};
use tokio_postgres::{Client, Error, Row};

/// Reads every schema object of the database `first` and `second` are connected to: two
/// sessions in one snapshot (or one session twice), each in a read-only transaction, whose
/// `search_path` this empties. The queries are split between the two so that the server
/// works on two at once: the relations, columns, sequences and constraints on one, the
/// indexes, view definitions and the rest on the other (the costs measured on 10,000 tables, benches/objects.sh; the
/// caller's checks run on the second too). `major` is the server's major version (11 to 18).
pub async fn read_objects(first: &Client, second: &Client, major: u32) -> Result<Objects, Error> {
    first.batch_execute("SET LOCAL search_path = ''").await?;
    second.batch_execute("SET LOCAL search_path = ''").await?;
    let (
        relations,
        columns,
        view_definitions,
        sequences,
        triggers,
        policies,
        indexes,
        constraints,
        schemas,
        functions,
        types,
        publications,
        publication_tables,
        publication_schemas,
        event_triggers,
        default_privileges,
        languages,
    ) = tokio::try_join!(
        query(first, relations_sql()),
        query(first, columns_sql(major)),
        query(second, view_definitions_sql()),
        query(first, sequences_sql()),
        query(second, triggers_sql(major)),
        query(second, policies_sql()),
        query(second, indexes_sql()),
        query(first, constraints_sql()),
        query(second, schemas_sql()),
        query(second, functions_sql(major)),
        query(second, types_sql()),
        query(second, publications_sql(major)),
        query(second, publication_tables_sql(major)),
        query(second, publication_schemas_sql(major)),
        query(second, event_triggers_sql()),
        query(second, default_privileges_sql()),
        query(second, languages_sql()),
    )?;
    let mut objects = Objects::default();
    fill_schemas(&schemas, &mut objects);
    let relations = fill_relations(&relations, &mut objects);
    fill_view_definitions(&view_definitions, &relations, &mut objects);
    fill_columns(&columns, &relations, &mut objects);
    fill_constraints(&constraints, &relations, &mut objects);
    fill_indexes(&indexes, &relations, &mut objects);
    fill_triggers(&triggers, &relations, &mut objects);
    fill_policies(&policies, &relations, &mut objects);
    fill_sequences(&sequences, &mut objects);
    fill_functions(&functions, &mut objects);
    fill_types(&types, &mut objects);
    fill_publications(
        &publications,
        &publication_tables,
        &publication_schemas,
        &mut objects,
    );
    fill_event_triggers(&event_triggers, &mut objects);
    fill_default_privileges(&default_privileges, &mut objects);
    fill_languages(&languages, &mut objects);
    Ok(objects)
}

async fn query(client: &Client, sql: String) -> Result<Vec<Row>, Error> {
    client.query(&sql, &[]).await
}

/// The privileges in force on an object, as `grantee<TAB>PRIVILEGE[*]` items (an empty
/// grantee is `PUBLIC`): `aclexplode` of the object's ACL, or of the defaults for its kind and
/// owner when it has none.
fn acl_sql(acl: &str, kind: char, owner: &str) -> String {
    explode_sql(&format!(
        "coalesce({acl}, pg_catalog.acldefault('{kind}', {owner}))"
    ))
}

/// The items of the ACL `acl` as [`acl_sql`] gives them, without defaults (column privileges,
/// default privileges).
fn explode_sql(acl: &str) -> String {
    format!(
        "ARRAY(SELECT CASE WHEN x.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END \
                      || E'\\t' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END \
               FROM pg_catalog.aclexplode({acl}) x)"
    )
}

/// An ACL read with [`acl_sql`] (or an explicit ACL of the same shape).
fn acl(items: Option<Vec<String>>) -> Acl {
    let mut acl = Acl::default();
    for item in items.unwrap_or_default() {
        let (grantee, privilege) = item.split_once('\t').unwrap_or(("", item.as_str()));
        let grantee = if grantee.is_empty() {
            "PUBLIC".to_owned()
        } else {
            quote_ident(grantee)
        };
        acl.grant(&grantee, privilege);
    }
    acl
}

/// The comment of an object of catalog `catalog` whose oid is `oid` (sub-object 0).
fn comment_join(alias: &str, oid: &str, catalog: &str) -> String {
    format!(
        "LEFT JOIN pg_catalog.pg_description {alias} ON {alias}.objoid = {oid} \
         AND {alias}.classoid = 'pg_catalog.{catalog}'::pg_catalog.regclass AND {alias}.objsubid = 0"
    )
}

/// `NOT EXISTS` an extension membership of the object `oid` of catalog `catalog`.
fn not_member(oid: &str, catalog: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = \
         'pg_catalog.{catalog}'::pg_catalog.regclass AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// Owner, privileges and comment from columns `first`, `first + 1` and `first + 2`.
fn owned(row: &Row, first: usize) -> Owned {
    Owned {
        owner: row.get(first),
        acl: acl(row.get(first + 1)),
        comment: row.get(first + 2),
    }
}

fn schemas_sql() -> String {
    format!(
        "SELECT n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text, {acl}, d.description \
         FROM pg_catalog.pg_namespace n {comment} \
         WHERE {USER_SCHEMA} AND {member}",
        acl = acl_sql("n.nspacl", 'n', "n.nspowner"),
        comment = comment_join("d", "n.oid", "pg_namespace"),
        member = not_member("n.oid", "pg_namespace"),
    )
}

fn fill_schemas(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let name: String = row.get(0);
        let owned = owned(row, 1);
        objects.schemas.insert(quote_ident(&name), Schema { owned });
    }
}

/// What a relation's oid stands for in [`Objects`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum RelKind {
    Table,
    View,
    Sequence,
}

/// Relations by oid: their kind and key.
type Relations = HashMap<u32, (RelKind, String)>;

fn relations_sql() -> String {
    format!(
        "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, \
                pg_catalog.pg_get_userbyid(c.relowner)::text, \
                {acl}, d.description, c.relpersistence = 'u', \
                CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, \
                CASE WHEN c.relispartition THEN \
                    (SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(pc.relname) \
                     FROM pg_catalog.pg_inherits i \
                     JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
                     JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
                     WHERE i.inhrelid = c.oid) END, \
                CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, \
                CASE WHEN NOT c.relispartition THEN ARRAY( \
                    SELECT pn.nspname::text || E'\\t' || pc.relname::text \
                    FROM pg_catalog.pg_inherits i \
                    JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
                    JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
                    WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) END, \
                c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text, \
                (SELECT ic.relname::text FROM pg_catalog.pg_index x \
                 JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid \
                 WHERE x.indrelid = c.oid AND x.indisreplident), \
                c.reloptions::text[], \
                NULL::text, \
                c.relispopulated \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace {comment} \
         WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND {USER_SCHEMA} AND {NOT_EXTENSION_MEMBER}",
        acl = "CASE c.relkind WHEN 'S' THEN ".to_owned()
            + &acl_sql("c.relacl", 's', "c.relowner")
            + " ELSE "
            + &acl_sql("c.relacl", 'r', "c.relowner")
            + " END",
        comment = comment_join("d", "c.oid", "pg_class"),
    )
}

/// View definitions, read apart from the relations so that the two queries run at once.
fn view_definitions_sql() -> String {
    format!(
        "SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid) \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMA} AND {NOT_EXTENSION_MEMBER}"
    )
}

fn fill_view_definitions(rows: &[Row], relations: &Relations, objects: &mut Objects) {
    for row in rows {
        if let Some((RelKind::View, key)) = relations.get(&row.get::<_, u32>(0)) {
            if let Some(view) = objects.views.get_mut(key) {
                let definition: Option<String> = row.get(1);
                view.definition = definition
                    .unwrap_or_default()
                    .trim_end_matches(';')
                    .to_owned();
            }
        }
    }
}

fn fill_relations(rows: &[Row], objects: &mut Objects) -> Relations {
    let mut relations = Relations::new();
    for row in rows {
        let oid: u32 = row.get(0);
        let key = qualified(row.get(1), row.get(2));
        let relkind: String = row.get(3);
        let owned = Owned {
            owner: row.get(4),
            acl: acl(row.get(5)),
            comment: row.get(6),
        };
        let options = sorted(row.get::<_, Option<Vec<String>>>(16).unwrap_or_default());
        match relkind.as_str() {
            "v" | "m" => {
                let definition: Option<String> = row.get(17);
                let definition = definition.unwrap_or_default();
                let view = View {
                    owned,
                    materialized: relkind == "m",
                    definition: definition.trim_end_matches(';').to_owned(),
                    populated: row.get(18),
                    options,
                    indexes: BTreeMap::new(),
                    rows: None,
                };
                relations.insert(oid, (RelKind::View, key.clone()));
                objects.views.insert(key, view);
            }
            "S" => {
                let sequence = Sequence {
                    owned,
                    ..Sequence::default()
                };
                relations.insert(oid, (RelKind::Sequence, key.clone()));
                objects.sequences.insert(key, sequence);
            }
            _ => {
                let replica_identity = match row.get::<_, String>(14).as_str() {
                    "n" => "nothing".to_owned(),
                    "f" => "full".to_owned(),
                    "i" => match row.get::<_, Option<String>>(15) {
                        Some(index) => format!("index {}", quote_ident(&index)),
                        None => "index".to_owned(),
                    },
                    _ => "default".to_owned(),
                };
                let parent: Option<String> = row.get(9);
                let bound: Option<String> = row.get(10);
                let inherits = row
                    .get::<_, Option<Vec<String>>>(11)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| p.split_once('\t'))
                    .map(|(schema, name)| qualified(schema, name))
                    .collect();
                let table = Table {
                    owned,
                    kind: match relkind.as_str() {
                        "p" => "partitioned table",
                        "f" => "foreign table",
                        _ => "table",
                    }
                    .to_owned(),
                    unlogged: row.get(7),
                    partition_key: row.get(8),
                    partition_of: parent.zip(bound),
                    inherits,
                    row_security: row.get(12),
                    force_row_security: row.get(13),
                    replica_identity,
                    options,
                    ..Table::default()
                };
                relations.insert(oid, (RelKind::Table, key.clone()));
                objects.tables.insert(key, table);
            }
        }
    }
    relations
}

fn columns_sql(major: u32) -> String {
    let generated = if major >= 12 {
        "a.attgenerated::text"
    } else {
        "''"
    };
    format!(
        "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), \
                a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, \
                {generated}, \
                CASE WHEN a.attcollation <> t.typcollation THEN \
                    pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END, \
                CASE WHEN a.attacl IS NOT NULL THEN {column_acl} END, \
                d.description \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
         LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
         LEFT JOIN pg_catalog.pg_description d ON d.objoid = a.attrelid \
              AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum \
         WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped \
               AND {USER_SCHEMA} \
         ORDER BY a.attrelid, a.attnum",
        column_acl = explode_sql("a.attacl"),
    )
}

fn fill_columns(rows: &[Row], relations: &Relations, objects: &mut Objects) {
    for row in rows {
        let Some(table) = table_of(relations, objects, row.get(0)) else {
            continue;
        };
        let expression: Option<String> = row.get(4);
        let generated: String = row.get(6);
        let (default, generated) = if generated.is_empty() {
            (expression, None)
        } else {
            (None, expression)
        };
        let identity = match row.get::<_, String>(5).as_str() {
            "a" => Some("ALWAYS".to_owned()),
            "d" => Some("BY DEFAULT".to_owned()),
            _ => None,
        };
        table.columns.push(Column {
            name: row.get(1),
            type_name: row.get(2),
            not_null: row.get(3),
            default,
            identity,
            generated,
            collation: row.get(7),
            acl: acl(row.get(8)),
            comment: row.get(9),
        });
    }
}

/// The table `oid` names, when it is one of ours.
fn table_of<'o>(
    relations: &Relations,
    objects: &'o mut Objects,
    oid: u32,
) -> Option<&'o mut Table> {
    match relations.get(&oid) {
        Some((RelKind::Table, key)) => objects.tables.get_mut(key),
        _ => None,
    }
}

fn constraints_sql() -> String {
    // A partition's copy of its parent's foreign key, and check constraints a table only
    // inherits, are its parent's: pg_dump writes them once, on the parent.
    format!(
        "SELECT k.conrelid, k.conname::text, k.contype::text, pg_catalog.pg_get_constraintdef(k.oid), \
                d.description \
         FROM pg_catalog.pg_constraint k {comment} \
         WHERE k.conrelid <> 0 AND k.contype IN ('p', 'u', 'f', 'c', 'x', 't') \
               AND NOT (k.contype = 'f' AND k.conparentid <> 0) \
               AND NOT (k.contype = 'c' AND NOT k.conislocal)",
        comment = comment_join("d", "k.oid", "pg_constraint"),
    )
}

fn fill_constraints(rows: &[Row], relations: &Relations, objects: &mut Objects) {
    for row in rows {
        let Some(table) = table_of(relations, objects, row.get(0)) else {
            continue;
        };
        let name: String = row.get(1);
        table.constraints.insert(
            quote_ident(&name),
            Constraint {
                kind: row.get(2),
                definition: row.get(3),
                comment: row.get(4),
            },
        );
    }
}

fn indexes_sql() -> String {
    // Indexes that implement a primary key, unique or exclusion constraint are the
    // constraint's (pg_dump writes only the constraint).
    format!(
        "SELECT x.indrelid, i.relname::text, pg_catalog.pg_get_indexdef(x.indexrelid), x.indisvalid, \
                d.description \
         FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid {comment} \
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k \
                           WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x') \
                                 AND k.conrelid = x.indrelid)",
        comment = comment_join("d", "x.indexrelid", "pg_class"),
    )
}

fn fill_indexes(rows: &[Row], relations: &Relations, objects: &mut Objects) {
    for row in rows {
        let name: String = row.get(1);
        let index = Index {
            definition: row.get(2),
            valid: row.get(3),
            comment: row.get(4),
        };
        match relations.get(&row.get::<_, u32>(0)) {
            Some((RelKind::Table, key)) => {
                if let Some(table) = objects.tables.get_mut(key) {
                    table.indexes.insert(quote_ident(&name), index);
                }
            }
            Some((RelKind::View, key)) => {
                if let Some(view) = objects.views.get_mut(key) {
                    view.indexes.insert(quote_ident(&name), index);
                }
            }
            _ => {}
        }
    }
}

fn triggers_sql(major: u32) -> String {
    // A partition's clone of its parent's trigger is the parent's.
    let clone = if major >= 13 {
        "t.tgparentid <> 0".to_owned()
    } else {
        "EXISTS (SELECT 1 FROM pg_catalog.pg_depend p WHERE p.classid = \
         'pg_catalog.pg_trigger'::pg_catalog.regclass AND p.objid = t.oid AND p.deptype = 'P')"
            .to_owned()
    };
    format!(
        "SELECT t.tgrelid, t.tgname::text, pg_catalog.pg_get_triggerdef(t.oid, false), \
                t.tgenabled::text, d.description \
         FROM pg_catalog.pg_trigger t {comment} \
         WHERE NOT t.tgisinternal AND NOT ({clone})",
        comment = comment_join("d", "t.oid", "pg_trigger"),
    )
}

fn fill_triggers(rows: &[Row], relations: &Relations, objects: &mut Objects) {
    for row in rows {
        let Some(table) = table_of(relations, objects, row.get(0)) else {
            continue;
        };
        let name: String = row.get(1);
        table.triggers.insert(
            quote_ident(&name),
            Trigger {
                definition: row.get(2),
                enabled: row.get(3),
                comment: row.get(4),
            },
        );
    }
}

fn policies_sql() -> String {
    format!(
        "SELECT p.polrelid, p.polname::text, p.polcmd::text, p.polpermissive, \
                ARRAY(SELECT CASE WHEN r = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(r)::text END \
                      FROM pg_catalog.unnest(p.polroles) r), \
                pg_catalog.pg_get_expr(p.polqual, p.polrelid), \
                pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), d.description \
         FROM pg_catalog.pg_policy p {comment}",
        comment = comment_join("d", "p.oid", "pg_policy"),
    )
}

fn fill_policies(rows: &[Row], relations: &Relations, objects: &mut Objects) {
    for row in rows {
        let Some(table) = table_of(relations, objects, row.get(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let command = match row.get::<_, String>(2).as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let roles = row
            .get::<_, Vec<String>>(4)
            .iter()
            .map(|r| {
                if r.is_empty() {
                    "PUBLIC".to_owned()
                } else {
                    quote_ident(r)
                }
            })
            .collect();
        table.policies.insert(
            quote_ident(&name),
            Policy {
                command: command.to_owned(),
                permissive: row.get(3),
                roles: sorted(roles),
                using: row.get(5),
                with_check: row.get(6),
                comment: row.get(7),
            },
        );
    }
}

fn sequences_sql() -> String {
    // The owning column: `OWNED BY` (auto dependency) or an identity column (internal).
    format!(
        "SELECT n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL), \
                s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, \
                (SELECT pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.relname) \
                        || '.' || pg_catalog.quote_ident(a.attname) \
                 FROM pg_catalog.pg_depend dp \
                 JOIN pg_catalog.pg_class t ON t.oid = dp.refobjid \
                 JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace \
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = dp.refobjsubid \
                 WHERE dp.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dp.objid = c.oid \
                       AND dp.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                       AND dp.refobjsubid > 0 AND dp.deptype IN ('a', 'i') LIMIT 1), \
                EXISTS (SELECT 1 FROM pg_catalog.pg_depend dp WHERE dp.classid = \
                        'pg_catalog.pg_class'::pg_catalog.regclass AND dp.objid = c.oid AND dp.deptype = 'i') \
         FROM pg_catalog.pg_sequence s \
         JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE {USER_SCHEMA} AND {NOT_EXTENSION_MEMBER}"
    )
}

fn fill_sequences(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let key = qualified(row.get(0), row.get(1));
        let Some(sequence) = objects.sequences.get_mut(&key) else {
            continue;
        };
        sequence.data_type = row.get(2);
        sequence.start = row.get(3);
        sequence.increment = row.get(4);
        sequence.min = row.get(5);
        sequence.max = row.get(6);
        sequence.cache = row.get(7);
        sequence.cycle = row.get(8);
        sequence.owned_by = row.get(9);
        sequence.identity = row.get(10);
    }
}

fn functions_sql(major: u32) -> String {
    let body = if major >= 14 {
        "CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid) \
              WHEN p.probin IS NOT NULL THEN p.probin || ', ' || p.prosrc ELSE p.prosrc END"
    } else {
        "CASE WHEN p.probin IS NOT NULL THEN p.probin || ', ' || p.prosrc ELSE p.prosrc END"
    };
    format!(
        "SELECT n.nspname::text, p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), \
                pg_catalog.pg_get_userbyid(p.proowner)::text, {acl}, d.description, \
                p.prokind::text, pg_catalog.pg_get_function_arguments(p.oid), \
                CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END, \
                l.lanname::text, p.provolatile::text, p.proisstrict, p.prosecdef, p.proleakproof, \
                p.proparallel::text, p.procost::text, p.prorows::text, p.proconfig, {body}, \
                CASE WHEN p.prokind = 'a' THEN concat_ws(', ', \
                    'SFUNC = ' || a.aggtransfn::pg_catalog.regproc::text, \
                    'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL), \
                    'SSPACE = ' || NULLIF(a.aggtransspace, 0)::text, \
                    'INITCOND = ' || pg_catalog.quote_literal(a.agginitval), \
                    'FINALFUNC = ' || NULLIF(a.aggfinalfn, 0)::pg_catalog.regproc::text, \
                    CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END, \
                    'COMBINEFUNC = ' || NULLIF(a.aggcombinefn, 0)::pg_catalog.regproc::text, \
                    'SERIALFUNC = ' || NULLIF(a.aggserialfn, 0)::pg_catalog.regproc::text, \
                    'DESERIALFUNC = ' || NULLIF(a.aggdeserialfn, 0)::pg_catalog.regproc::text, \
                    'SORTOP = ' || NULLIF(a.aggsortop, 0)::pg_catalog.regoperator::text) END \
         FROM pg_catalog.pg_proc p \
         JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
         LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid {comment} \
         WHERE {USER_SCHEMA} AND {member} \
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = \
                               'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objid = p.oid \
                               AND i.deptype = 'i')",
        acl = acl_sql("p.proacl", 'f', "p.proowner"),
        comment = comment_join("d", "p.oid", "pg_proc"),
        member = not_member("p.oid", "pg_proc"),
    )
}

fn fill_functions(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let key = format!(
            "{}({})",
            qualified(row.get(0), row.get(1)),
            row.get::<_, String>(2)
        );
        let prokind: String = row.get(6);
        let kind = match prokind.as_str() {
            "p" => "procedure",
            "a" => "aggregate",
            "w" => "window function",
            _ => "function",
        };
        let volatility = match row.get::<_, String>(10).as_str() {
            "i" => "IMMUTABLE",
            "s" => "STABLE",
            _ => "VOLATILE",
        };
        let parallel = match row.get::<_, String>(14).as_str() {
            "s" => "SAFE",
            "r" => "RESTRICTED",
            _ => "UNSAFE",
        };
        let body: Option<String> = if prokind == "a" {
            row.get(19)
        } else {
            row.get(18)
        };
        let function = Function {
            owned: owned(row, 3),
            kind: kind.to_owned(),
            arguments: row.get(7),
            result: row.get(8),
            language: row.get(9),
            volatility: volatility.to_owned(),
            strict: row.get(11),
            security_definer: row.get(12),
            leakproof: row.get(13),
            parallel: parallel.to_owned(),
            cost: row.get(15),
            rows: row.get(16),
            config: row.get::<_, Option<Vec<String>>>(17).unwrap_or_default(),
            body: body.unwrap_or_default(),
        };
        objects.functions.insert(key, function);
    }
}

fn types_sql() -> String {
    // Array types and the row types of tables and views are not types of their own.
    format!(
        "SELECT n.nspname::text, t.typname::text, pg_catalog.pg_get_userbyid(t.typowner)::text, \
                {acl}, d.description, t.typtype::text, \
                ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e \
                      WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
                CASE t.typtype WHEN 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) \
                               WHEN 'r' THEN (SELECT pg_catalog.format_type(r.rngsubtype, NULL) \
                                              FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid) END, \
                t.typnotnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0), \
                CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN \
                    (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) \
                     FROM pg_catalog.pg_collation co \
                     JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
                     WHERE co.oid = t.typcollation) END, \
                ARRAY(SELECT k.conname::text || E'\\t' || pg_catalog.pg_get_constraintdef(k.oid) \
                      FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), \
                ARRAY(SELECT pg_catalog.quote_ident(a.attname) || E'\\t' \
                             || pg_catalog.format_type(a.atttypid, a.atttypmod) \
                             || CASE WHEN a.attcollation <> at.typcollation THEN \
                                    ' COLLATE ' || (SELECT pg_catalog.quote_ident(cn.nspname) || '.' \
                                                           || pg_catalog.quote_ident(co.collname) \
                                                    FROM pg_catalog.pg_collation co \
                                                    JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
                                                    WHERE co.oid = a.attcollation) ELSE '' END \
                      FROM pg_catalog.pg_attribute a \
                      JOIN pg_catalog.pg_type at ON at.oid = a.atttypid \
                      WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 \
                            AND NOT a.attisdropped ORDER BY a.attnum) \
         FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype {comment} \
         WHERE {USER_SCHEMA} AND {member} \
               AND (t.typtype IN ('e', 'd', 'r') \
                    OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c \
                                             WHERE c.oid = t.typrelid) = 'c'))",
        acl = acl_sql("t.typacl", 'T', "t.typowner"),
        comment = comment_join("d", "t.oid", "pg_type"),
        member = not_member("t.oid", "pg_type"),
    )
}

fn fill_types(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let key = qualified(row.get(0), row.get(1));
        let kind = match row.get::<_, String>(5).as_str() {
            "e" => "enum",
            "d" => "domain",
            "c" => "composite",
            "r" => "range",
            _ => "base",
        };
        let constraints = row
            .get::<_, Vec<String>>(11)
            .iter()
            .filter_map(|c| c.split_once('\t'))
            .map(|(name, definition)| (quote_ident(name), definition.to_owned()))
            .collect();
        let attributes = row
            .get::<_, Vec<String>>(12)
            .iter()
            .filter_map(|a| a.split_once('\t'))
            .map(|(name, type_name)| (name.to_owned(), type_name.to_owned()))
            .collect();
        let ty = Type {
            owned: owned(row, 2),
            kind: kind.to_owned(),
            labels: row.get(6),
            base: row.get(7),
            not_null: row.get(8),
            default: row.get(9),
            collation: row.get(10),
            constraints,
            attributes,
        };
        objects.types.insert(key, ty);
    }
}

fn publications_sql(major: u32) -> String {
    let via_root = if major >= 13 { "p.pubviaroot" } else { "false" };
    format!(
        "SELECT p.pubname::text, pg_catalog.pg_get_userbyid(p.pubowner)::text, NULL::text[], \
                d.description, p.puballtables, \
                concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, \
                          CASE WHEN p.pubupdate THEN 'update' END, \
                          CASE WHEN p.pubdelete THEN 'delete' END, \
                          CASE WHEN p.pubtruncate THEN 'truncate' END), \
                {via_root} \
         FROM pg_catalog.pg_publication p {comment}",
        comment = comment_join("d", "p.oid", "pg_publication"),
    )
}

/// The tables of publications, with the column list and row filter 15 added.
fn publication_tables_sql(major: u32) -> String {
    let (columns, filter) = if major >= 15 {
        (
            "CASE WHEN r.prattrs IS NOT NULL THEN ' (' || (SELECT string_agg(pg_catalog.quote_ident(a.attname), ', ' \
                                                                    ORDER BY x.n) \
                                             FROM pg_catalog.unnest(r.prattrs) WITH ORDINALITY x(attnum, n) \
                                             JOIN pg_catalog.pg_attribute a ON a.attrelid = r.prrelid \
                                                  AND a.attnum = x.attnum) || ')' END",
            "' WHERE (' || pg_catalog.pg_get_expr(r.prqual, r.prrelid) || ')'",
        )
    } else {
        ("NULL::text", "NULL::text")
    };
    format!(
        "SELECT p.pubname::text, n.nspname::text, c.relname::text, \
                ltrim(coalesce({columns}, '') || coalesce({filter}, '')) \
         FROM pg_catalog.pg_publication_rel r \
         JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid \
         JOIN pg_catalog.pg_class c ON c.oid = r.prrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    )
}

/// The schemas of publications (`TABLES IN SCHEMA`, 15+).
fn publication_schemas_sql(major: u32) -> String {
    if major >= 15 {
        "SELECT p.pubname::text, n.nspname::text \
         FROM pg_catalog.pg_publication_namespace pn \
         JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid \
         JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid"
            .to_owned()
    } else {
        "SELECT NULL::text, NULL::text WHERE false".to_owned()
    }
}

fn fill_publications(publications: &[Row], tables: &[Row], schemas: &[Row], objects: &mut Objects) {
    for row in publications {
        let name: String = row.get(0);
        let publication = Publication {
            owned: owned(row, 1),
            all_tables: row.get(4),
            publish: row.get(5),
            via_root: row.get(6),
            ..Publication::default()
        };
        objects.publications.insert(quote_ident(&name), publication);
    }
    for row in tables {
        let name: String = row.get(0);
        if let Some(publication) = objects.publications.get_mut(&quote_ident(&name)) {
            publication
                .tables
                .insert(qualified(row.get(1), row.get(2)), row.get(3));
        }
    }
    for row in schemas {
        let name: String = row.get(0);
        if let Some(publication) = objects.publications.get_mut(&quote_ident(&name)) {
            publication.schemas.insert(quote_ident(row.get(1)));
        }
    }
}

fn event_triggers_sql() -> String {
    format!(
        "SELECT t.evtname::text, pg_catalog.pg_get_userbyid(t.evtowner)::text, NULL::text[], \
                d.description, t.evtevent::text, coalesce(t.evttags, '{{}}')::text[], \
                t.evtfoid::pg_catalog.regproc::text || '()', t.evtenabled::text \
         FROM pg_catalog.pg_event_trigger t {comment} \
         WHERE {member}",
        comment = comment_join("d", "t.oid", "pg_event_trigger"),
        member = not_member("t.oid", "pg_event_trigger"),
    )
}

fn fill_event_triggers(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let name: String = row.get(0);
        let trigger = EventTrigger {
            owned: owned(row, 1),
            event: row.get(4),
            tags: sorted(row.get(5)),
            function: row.get(6),
            enabled: row.get(7),
        };
        objects.event_triggers.insert(quote_ident(&name), trigger);
    }
}

fn default_privileges_sql() -> String {
    format!(
        "SELECT pg_catalog.pg_get_userbyid(a.defaclrole)::text, \
                (SELECT n.nspname::text FROM pg_catalog.pg_namespace n WHERE n.oid = a.defaclnamespace), \
                a.defaclobjtype::text, {acl} \
         FROM pg_catalog.pg_default_acl a",
        acl = explode_sql("a.defaclacl"),
    )
}

fn fill_default_privileges(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let role = quote_ident(row.get(0));
        let schema = row.get::<_, Option<String>>(1).map(|s| quote_ident(&s));
        let object_type = match row.get::<_, String>(2).as_str() {
            "r" => "TABLES",
            "S" => "SEQUENCES",
            "f" => "FUNCTIONS",
            "T" => "TYPES",
            "n" => "SCHEMAS",
            _ => "LARGE OBJECTS",
        };
        let key = DefaultPrivileges::key(&role, schema.as_deref(), object_type);
        let entry = DefaultPrivileges {
            role,
            schema,
            object_type: object_type.to_owned(),
            acl: acl(row.get(3)),
        };
        objects.default_privileges.insert(key, entry);
    }
}

fn languages_sql() -> String {
    format!(
        "SELECT l.lanname::text, pg_catalog.pg_get_userbyid(l.lanowner)::text, {acl}, d.description, \
                l.lanpltrusted \
         FROM pg_catalog.pg_language l {comment} \
         WHERE l.lanispl AND l.lanname <> 'plpgsql' AND {member}",
        acl = acl_sql("l.lanacl", 'l', "l.lanowner"),
        comment = comment_join("d", "l.oid", "pg_language"),
        member = not_member("l.oid", "pg_language"),
    )
}

fn fill_languages(rows: &[Row], objects: &mut Objects) {
    for row in rows {
        let name: String = row.get(0);
        let language = Language {
            owned: owned(row, 1),
            trusted: row.get(4),
        };
        objects.languages.insert(quote_ident(&name), language);
    }
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}
