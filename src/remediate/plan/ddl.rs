//! Statements that create objects of the catalog model as the source has them. Definitions
//! are the server's own words (`pg_get_indexdef`, `pg_get_triggerdef`, `format_type`, ...), read
//! with an empty `search_path`, so every name in them is qualified; the script runs with an
//! empty `search_path` too.

use super::sql::{do_if, dollar_quote, regclass, schema_of, unquote};
use crate::catalog::{
    quote_ident, quote_literal, Column, EventTrigger, Function, Policy, Publication, Sequence,
    Table, Type, View,
};

/// The keyword of a kind in `ALTER`, `COMMENT ON`, `DROP` (`TABLE`, `MATERIALIZED VIEW`).
pub fn keyword(kind: &str) -> &'static str {
    match kind {
        "schema" => "SCHEMA",
        "foreign table" => "FOREIGN TABLE",
        "view" => "VIEW",
        "materialized view" => "MATERIALIZED VIEW",
        "sequence" => "SEQUENCE",
        "function" => "FUNCTION",
        "procedure" => "PROCEDURE",
        "aggregate" => "AGGREGATE",
        "type" => "TYPE",
        "domain" => "DOMAIN",
        "publication" => "PUBLICATION",
        "event trigger" => "EVENT TRIGGER",
        "language" => "LANGUAGE",
        "index" => "INDEX",
        _ => "TABLE",
    }
}

/// `ALTER kind name OWNER TO role;`
pub fn owner(kind: &str, name: &str, role: &str) -> String {
    format!(
        "ALTER {} {name} OWNER TO {};",
        keyword(kind),
        quote_ident(role)
    )
}

/// `COMMENT ON kind name IS '...';` (`IS NULL` removes it).
pub fn comment(what: &str, comment: Option<&str>) -> String {
    let text = comment.map_or("NULL".to_owned(), quote_literal);
    format!("COMMENT ON {what} IS {text};")
}

/// An index's qualified name: the schema of the relation it is on, and its own name.
pub fn index_name(on: &str, index: &str) -> String {
    match schema_of(on) {
        Some(schema) => format!("{schema}.{index}"),
        None => index.to_owned(),
    }
}

/// `CREATE SEQUENCE IF NOT EXISTS`.
pub fn create_sequence(name: &str, sequence: &Sequence) -> String {
    format!(
        "CREATE SEQUENCE IF NOT EXISTS {name} AS {} {};",
        sequence.data_type,
        sequence_options(sequence, true)
    )
}

/// `START WITH ... [NO] CYCLE`, as `CREATE SEQUENCE`, `ALTER SEQUENCE` and an identity
/// column take them.
pub fn sequence_options(sequence: &Sequence, start: bool) -> String {
    let mut options = Vec::new();
    if start {
        options.push(format!("START WITH {}", sequence.start));
    }
    options.push(format!("INCREMENT BY {}", sequence.increment));
    options.push(format!("MINVALUE {}", sequence.min));
    options.push(format!("MAXVALUE {}", sequence.max));
    if !start {
        options.push(format!("START WITH {}", sequence.start));
    }
    options.push(format!("CACHE {}", sequence.cache));
    options.push(if sequence.cycle { "CYCLE" } else { "NO CYCLE" }.to_owned());
    options.join(" ")
}

/// A column as `CREATE TABLE` and `ADD COLUMN` take it; `identity` is the sequence of an
/// identity column.
pub fn column_definition(column: &Column, identity: Option<(&str, &Sequence)>) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.type_name);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(kind) = &column.identity {
        sql.push_str(&format!(" GENERATED {kind} AS IDENTITY"));
        if let Some((name, sequence)) = identity {
            sql.push_str(&format!(
                " (SEQUENCE NAME {name} {})",
                sequence_options(sequence, true)
            ));
        }
    }
    if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if column.not_null {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// `CREATE TABLE IF NOT EXISTS` with its columns (or as a partition of its parent). Constraints,
/// indexes and the rest are statements of their own. `identity` finds the sequence of an
/// identity column.
pub fn create_table<'s>(
    name: &str,
    table: &Table,
    identity: impl Fn(&str) -> Option<(&'s str, &'s Sequence)>,
) -> String {
    let unlogged = if table.unlogged { "UNLOGGED " } else { "" };
    let mut sql = format!("CREATE {unlogged}TABLE IF NOT EXISTS {name}");
    match &table.partition_of {
        Some((parent, bound)) => sql.push_str(&format!(" PARTITION OF {parent} {bound}")),
        None => {
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("    {}", column_definition(c, identity(&c.name))))
                .collect();
            if columns.is_empty() {
                sql.push_str(" ()");
            } else {
                sql.push_str(&format!(" (\n{}\n)", columns.join(",\n")));
            }
            if !table.inherits.is_empty() {
                sql.push_str(&format!(" INHERITS ({})", table.inherits.join(", ")));
            }
        }
    }
    if let Some(key) = &table.partition_key {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    if !table.options.is_empty() {
        sql.push_str(&format!(" WITH ({})", table.options.join(", ")));
    }
    sql.push(';');
    sql
}

/// `ALTER TABLE ... ADD CONSTRAINT`, guarded by the constraint's absence.
pub fn add_constraint(table: &str, name: &str, definition: &str) -> String {
    do_if(
        &format!("NOT {}", constraint_exists(table, name)),
        &format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition};"),
    )
}

/// `statements` (each ending in `;`), run only when `condition` holds (always when `None`),
/// in a `DO` block that lifts `FORCE ROW LEVEL SECURITY` from `tables` around them and puts it
/// back. A foreign key's check (`ADD CONSTRAINT`, `VALIDATE CONSTRAINT`) runs as the applier,
/// and a forced table's policies hide its rows from a non-superuser owner: every row would
/// look orphaned.
pub fn without_forced_rls(tables: &[String], condition: Option<&str>, statements: &str) -> String {
    let list = tables
        .iter()
        .map(|t| regclass(t))
        .collect::<Vec<_>>()
        .join(", ");
    let mut body = format!(
        "\nDECLARE\n  forced pg_catalog.oid[];\nBEGIN\n  SELECT pg_catalog.array_agg(oid) INTO forced \
         FROM pg_catalog.pg_class WHERE relforcerowsecurity AND oid IN ({list});\n"
    );
    let toggle = |body: &mut String, how: &str| {
        for table in tables {
            body.push_str(&format!(
                "  IF {} = ANY (forced) THEN\n    ALTER TABLE {table} {how} ROW LEVEL SECURITY;\n  END IF;\n",
                regclass(table)
            ));
        }
    };
    toggle(&mut body, "NO FORCE");
    match condition {
        Some(condition) => body.push_str(&format!(
            "  IF {condition} THEN\n    {statements}\n  END IF;\n"
        )),
        None => body.push_str(&format!("  {statements}\n")),
    }
    toggle(&mut body, "FORCE");
    body.push_str("END\n");
    format!("DO {};", dollar_quote(&body, "pgparity"))
}

/// `ALTER TABLE ... ADD CONSTRAINT`, guarded by the constraint's absence, with forced row
/// security lifted from `forced` tables ([`without_forced_rls`]).
pub fn add_constraint_checked(
    table: &str,
    name: &str,
    definition: &str,
    forced: &[String],
) -> String {
    if forced.is_empty() {
        return add_constraint(table, name, definition);
    }
    without_forced_rls(
        forced,
        Some(&format!("NOT {}", constraint_exists(table, name))),
        &format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition};"),
    )
}

/// `ALTER TABLE ... VALIDATE CONSTRAINT`, with forced row security lifted from `forced` tables.
pub fn validate_constraint(table: &str, name: &str, forced: &[String]) -> String {
    let sql = format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};");
    if forced.is_empty() {
        return sql;
    }
    without_forced_rls(forced, None, &sql)
}

/// SQL that is true when `table` has a constraint named `name` (quoted).
pub fn constraint_exists(table: &str, name: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = {} AND conname = {})",
        regclass(table),
        quote_literal(&unquote(name))
    )
}

/// `CREATE INDEX IF NOT EXISTS` from `pg_get_indexdef`: an index on a partitioned table
/// (`ON ONLY`) is made on the whole tree, which attaches its partitions' equal indexes.
pub fn create_index(name: &str, definition: &str) -> String {
    let only = format!("INDEX {name} ON ONLY ");
    let plain = format!("INDEX {name} ON ");
    let guarded = format!("INDEX IF NOT EXISTS {name} ON ");
    let sql = if definition.contains(&only) {
        definition.replacen(&only, &guarded, 1)
    } else {
        definition.replacen(&plain, &guarded, 1)
    };
    format!("{sql};")
}

/// `CREATE TRIGGER` from `pg_get_triggerdef`, guarded by the trigger's absence.
pub fn create_trigger(table: &str, name: &str, definition: &str) -> String {
    do_if(
        &format!("NOT {}", trigger_exists(table, name)),
        &format!("{definition};"),
    )
}

/// SQL that is true when `table` has a trigger named `name` (quoted).
pub fn trigger_exists(table: &str, name: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = {} AND tgname = {})",
        regclass(table),
        quote_literal(&unquote(name))
    )
}

/// `ALTER TABLE ... ENABLE|DISABLE ... TRIGGER` for a `tgenabled` state.
pub fn trigger_state(table: &str, name: &str, enabled: &str) -> String {
    let how = match enabled {
        "D" => "DISABLE",
        "R" => "ENABLE REPLICA",
        "A" => "ENABLE ALWAYS",
        _ => "ENABLE",
    };
    format!("ALTER TABLE {table} {how} TRIGGER {name};")
}

/// `CREATE POLICY`, guarded by the policy's absence.
pub fn create_policy(table: &str, name: &str, policy: &Policy) -> String {
    let mut sql = format!(
        "CREATE POLICY {name} ON {table} AS {} FOR {} TO {}",
        if policy.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        policy.command,
        policy.roles.join(", ")
    );
    if let Some(using) = &policy.using {
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &policy.with_check {
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    sql.push(';');
    do_if(&format!("NOT {}", policy_exists(table, name)), &sql)
}

/// SQL that is true when `table` has a policy named `name` (quoted).
pub fn policy_exists(table: &str, name: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_catalog.pg_policy WHERE polrelid = {} AND polname = {})",
        regclass(table),
        quote_literal(&unquote(name))
    )
}

/// `CREATE OR REPLACE VIEW`, or `CREATE MATERIALIZED VIEW IF NOT EXISTS ... WITH [NO] DATA`.
pub fn create_view(name: &str, view: &View) -> String {
    let options = if view.options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", view.options.join(", "))
    };
    let definition = view.definition.trim_end().trim_end_matches(';');
    if view.materialized {
        let data = if view.populated { "" } else { " NO" };
        format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {name}{options} AS\n{definition}\nWITH{data} DATA;"
        )
    } else {
        format!("CREATE OR REPLACE VIEW {name}{options} AS\n{definition};")
    }
}

/// A function's key split into its qualified name and its identity arguments.
pub fn split_function_key(key: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in key.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                let args = key[i + 1..].strip_suffix(')').unwrap_or(&key[i + 1..]);
                return (&key[..i], args);
            }
            _ => {}
        }
    }
    (key, "")
}

/// True when a function's language is untrusted: only a superuser may create functions in it.
pub fn untrusted_language(language: &str) -> bool {
    matches!(language, "c" | "internal") || (language.ends_with('u') && language != "plpgsql")
}

/// True when the body is a SQL-standard body (`BEGIN ATOMIC ... END`, `RETURN ...`; 14+),
/// which is written without `AS`.
pub fn standard_body(function: &Function) -> bool {
    function.language == "sql"
        && (function.body.starts_with("BEGIN ATOMIC") || function.body.starts_with("RETURN "))
}

/// `CREATE OR REPLACE FUNCTION | PROCEDURE | AGGREGATE` as the source has it.
pub fn create_function(key: &str, function: &Function) -> String {
    let (name, _) = split_function_key(key);
    if function.kind == "aggregate" {
        let mut options = function.body.clone();
        if function.parallel != "UNSAFE" {
            options.push_str(&format!(", PARALLEL = {}", function.parallel));
        }
        return format!(
            "CREATE OR REPLACE AGGREGATE {name}({}) ({options});",
            function.arguments
        );
    }
    let procedure = function.kind == "procedure";
    let mut sql = format!(
        "CREATE OR REPLACE {} {name}({})",
        if procedure { "PROCEDURE" } else { "FUNCTION" },
        function.arguments
    );
    if let Some(result) = &function.result {
        sql.push_str(&format!(" RETURNS {result}"));
    }
    sql.push_str(&format!(
        "\n    LANGUAGE {}",
        quote_ident(&function.language)
    ));
    if !procedure {
        if function.kind == "window function" {
            sql.push_str(" WINDOW");
        }
        sql.push_str(&format!(" {}", function.volatility));
        if function.strict {
            sql.push_str(" STRICT");
        }
    }
    if function.security_definer {
        sql.push_str(" SECURITY DEFINER");
    }
    if !procedure {
        if function.leakproof {
            sql.push_str(" LEAKPROOF");
        }
        sql.push_str(&format!(
            " PARALLEL {} COST {}",
            function.parallel, function.cost
        ));
        if function.rows != "0" {
            sql.push_str(&format!(" ROWS {}", function.rows));
        }
    }
    for setting in &function.config {
        if let Some((parameter, value)) = setting.split_once('=') {
            sql.push_str(&format!(
                "\n    SET {} TO {}",
                super::sql::parameter_name(parameter),
                crate::diff::setting_value_sql(parameter, value)
            ));
        }
    }
    sql.push('\n');
    match function.language.as_str() {
        "c" => {
            let (file, symbol) = function
                .body
                .rsplit_once(", ")
                .unwrap_or((function.body.as_str(), ""));
            sql.push_str(&format!(
                "AS {}, {}",
                quote_literal(file),
                quote_literal(symbol)
            ));
        }
        "internal" => sql.push_str(&format!("AS {}", quote_literal(&function.body))),
        _ if standard_body(function) => sql.push_str(&function.body),
        _ => sql.push_str(&format!("AS {}", dollar_quote(&function.body, "function"))),
    }
    sql.push(';');
    sql
}

/// SQL that is true when the type `name` exists.
pub fn type_exists(name: &str) -> String {
    format!("pg_catalog.to_regtype({}) IS NOT NULL", quote_literal(name))
}

/// `CREATE TYPE` or `CREATE DOMAIN`, guarded by the type's absence, then the domain's
/// `NOT VALID` constraints; `Err` says why the type cannot be created by a script.
pub fn create_type(name: &str, ty: &Type) -> Result<Vec<String>, String> {
    let sql = match ty.kind.as_str() {
        "enum" => format!(
            "CREATE TYPE {name} AS ENUM ({});",
            ty.labels
                .iter()
                .map(|l| quote_literal(l))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "composite" => format!(
            "CREATE TYPE {name} AS ({});",
            ty.attributes
                .iter()
                .map(|(a, t)| format!("{a} {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "range" => match &ty.base {
            Some(subtype) => format!("CREATE TYPE {name} AS RANGE (SUBTYPE = {subtype});"),
            None => return Err("its subtype was not read".to_owned()),
        },
        "domain" => {
            let Some(base) = &ty.base else {
                return Err("its base type was not read".to_owned());
            };
            let mut sql = format!("CREATE DOMAIN {name} AS {base}");
            if let Some(collation) = &ty.collation {
                sql.push_str(&format!(" COLLATE {collation}"));
            }
            if let Some(default) = &ty.default {
                sql.push_str(&format!(" DEFAULT {default}"));
            }
            if ty.not_null {
                sql.push_str(" NOT NULL");
            }
            for (constraint, definition) in &ty.constraints {
                if !definition.ends_with(" NOT VALID") {
                    sql.push_str(&format!(" CONSTRAINT {constraint} {definition}"));
                }
            }
            sql.push(';');
            sql
        }
        other => {
            return Err(format!(
                "a {other} type needs its input and output functions in C, which a script \
                 cannot create"
            ))
        }
    };
    let mut statements = vec![do_if(&format!("NOT {}", type_exists(name)), &sql)];
    for (constraint, definition) in &ty.constraints {
        if definition.ends_with(" NOT VALID") {
            statements.push(add_domain_constraint(name, constraint, definition));
        }
    }
    Ok(statements)
}

/// `ALTER DOMAIN ... ADD CONSTRAINT`, guarded by the constraint's absence.
pub fn add_domain_constraint(domain: &str, name: &str, definition: &str) -> String {
    do_if(
        &format!(
            "NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE contypid = {}::pg_catalog.regtype \
             AND conname = {})",
            quote_literal(domain),
            quote_literal(&unquote(name))
        ),
        &format!("ALTER DOMAIN {domain} ADD CONSTRAINT {name} {definition};"),
    )
}

/// The `FOR ...` part of `CREATE PUBLICATION` (empty for a publication of nothing yet).
fn publication_objects(publication: &Publication) -> String {
    if publication.all_tables {
        return " FOR ALL TABLES".to_owned();
    }
    let mut objects: Vec<String> = publication
        .tables
        .iter()
        .map(|(table, detail)| format!("TABLE {table} {detail}").trim_end().to_owned())
        .collect();
    objects.extend(
        publication
            .schemas
            .iter()
            .map(|s| format!("TABLES IN SCHEMA {s}")),
    );
    if objects.is_empty() {
        String::new()
    } else {
        format!(" FOR {}", objects.join(", "))
    }
}

/// The `WITH (...)` options of a publication.
pub fn publication_options(publication: &Publication) -> String {
    format!(
        "publish = {}, publish_via_partition_root = {}",
        quote_literal(&publication.publish),
        publication.via_root
    )
}

/// `CREATE PUBLICATION`, guarded by its absence.
pub fn create_publication(name: &str, publication: &Publication) -> String {
    do_if(
        &format!("NOT {}", publication_exists(name)),
        &format!(
            "CREATE PUBLICATION {name}{} WITH ({});",
            publication_objects(publication),
            publication_options(publication)
        ),
    )
}

/// SQL that is true when the publication `name` (quoted) exists.
pub fn publication_exists(name: &str) -> String {
    format!(
        "EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = {})",
        quote_literal(&unquote(name))
    )
}

/// `CREATE EVENT TRIGGER`, guarded by its absence, then its state.
pub fn create_event_trigger(name: &str, trigger: &EventTrigger) -> Vec<String> {
    let mut sql = format!("CREATE EVENT TRIGGER {name} ON {}", trigger.event);
    if !trigger.tags.is_empty() {
        sql.push_str(&format!(
            " WHEN TAG IN ({})",
            trigger
                .tags
                .iter()
                .map(|t| quote_literal(t))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    sql.push_str(&format!(" EXECUTE FUNCTION {};", trigger.function));
    vec![
        do_if(
            &format!(
                "NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = {})",
                quote_literal(&unquote(name))
            ),
            &sql,
        ),
        event_trigger_state(name, &trigger.enabled),
    ]
}

/// `ALTER EVENT TRIGGER ... ENABLE|DISABLE`.
pub fn event_trigger_state(name: &str, enabled: &str) -> String {
    let how = match enabled {
        "D" => "DISABLE",
        "R" => "ENABLE REPLICA",
        "A" => "ENABLE ALWAYS",
        _ => "ENABLE",
    };
    format!("ALTER EVENT TRIGGER {name} {how};")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_keys_split_at_the_first_unquoted_parenthesis() {
        assert_eq!(
            split_function_key("app.add(a integer, b integer)"),
            ("app.add", "a integer, b integer")
        );
        assert_eq!(split_function_key("\"we(ird\".f()"), ("\"we(ird\".f", ""));
    }

    #[test]
    fn indexes_are_made_if_missing_and_on_the_whole_partition_tree() {
        assert_eq!(
            create_index("i", "CREATE INDEX i ON ONLY app.events USING btree (at)"),
            "CREATE INDEX IF NOT EXISTS i ON app.events USING btree (at);"
        );
        assert_eq!(
            create_index(
                "\"U\"",
                "CREATE UNIQUE INDEX \"U\" ON app.t USING btree (a)"
            ),
            "CREATE UNIQUE INDEX IF NOT EXISTS \"U\" ON app.t USING btree (a);"
        );
    }

    #[test]
    fn functions_are_written_with_every_attribute() {
        let function = Function {
            kind: "function".to_owned(),
            arguments: "a integer, b integer DEFAULT 1".to_owned(),
            result: Some("integer".to_owned()),
            language: "sql".to_owned(),
            volatility: "IMMUTABLE".to_owned(),
            strict: true,
            parallel: "SAFE".to_owned(),
            cost: "100".to_owned(),
            rows: "0".to_owned(),
            config: vec![
                "search_path=app, public".to_owned(),
                "work_mem=64MB".to_owned(),
            ],
            body: " SELECT a + b $function$ ".to_owned(),
            ..Function::default()
        };
        let sql = create_function("app.add(a integer, b integer)", &function);
        assert_eq!(
            sql,
            "CREATE OR REPLACE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer\n    \
             LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 100\n    SET search_path TO app, public\n    \
             SET work_mem TO '64MB'\nAS $function1$ SELECT a + b $function$ $function1$;"
        );
    }
}
