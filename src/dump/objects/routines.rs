//! Functions, procedures and aggregates, and the keys that name them
//! (`app.add(integer, integer)`).

use super::scan::{split_top_level, Cursor, Kind, QName};
use super::{key_of, owner_to, ObjectsBuilder, Read};
use crate::catalog::{quote_ident, Function, Owned};
use crate::dump::entry::DumpEntry;

/// Words that start a multi-word type name and cannot be an argument's name written bare
/// (PostgreSQL quotes them as identifiers): `character varying`, `timestamp with time zone`.
const TYPE_WORDS: &[&str] = &[
    "bit",
    "char",
    "character",
    "interval",
    "national",
    "setof",
    "time",
    "timestamp",
];

/// Settings whose values pg_dump writes as a list of literals and PostgreSQL stores as a list
/// of quoted identifiers (pg_dump's `variable_is_guc_list_quote`).
const LIST_SETTINGS: &[&str] = &[
    "local_preload_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

/// The words that end a function's result type.
const FUNCTION_OPTIONS: &[&str] = &[
    "LANGUAGE",
    "WINDOW",
    "IMMUTABLE",
    "STABLE",
    "VOLATILE",
    "STRICT",
    "CALLED",
    "RETURNS",
    "SECURITY",
    "EXTERNAL",
    "LEAKPROOF",
    "NOT",
    "COST",
    "ROWS",
    "SUPPORT",
    "PARALLEL",
    "SET",
    "AS",
    "BEGIN",
    "TRANSFORM",
];

/// The options an aggregate's body lists, in the order it lists them (the basic aggregate;
/// moving-aggregate and modify options are left out).
const AGGREGATE_BODY: &[&str] = &[
    "SFUNC",
    "STYPE",
    "SSPACE",
    "INITCOND",
    "FINALFUNC",
    "FINALFUNC_EXTRA",
    "COMBINEFUNC",
    "SERIALFUNC",
    "DESERIALFUNC",
    "SORTOP",
];

/// `SORTOP = OPERATOR(pg_catalog.>)` as the operator with its argument types, which are the
/// aggregate's input type: `SORTOP = >(integer,integer)` (a `regoperator`).
fn sort_operator(value: &str, arguments: &str) -> String {
    let operator = value
        .trim()
        .strip_prefix("OPERATOR(")
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or(value);
    let operator = operator.strip_prefix("pg_catalog.").unwrap_or(operator);
    let input = argument(arguments).map(|a| a.type_name).unwrap_or_default();
    format!("SORTOP = {operator}({input},{input})")
}

/// One argument of a signature: its mode, name and type (default stripped).
#[derive(Debug, PartialEq, Eq)]
struct Argument {
    mode: String,
    name: Option<String>,
    type_name: String,
}

fn argument(text: &str) -> Result<Argument, String> {
    let mut c = Cursor::new(text);
    let mut mode = "IN".to_owned();
    for m in ["IN", "OUT", "INOUT", "VARIADIC"] {
        // A mode is a bare word followed by more of the argument.
        if c.peek().is_kw(m) && c.peek2().kind != Kind::End {
            c.next_tok();
            mode = m.to_owned();
            break;
        }
    }
    let rest = c.until(|tok, _| tok.is_kw("DEFAULT") || tok.is_punct('='));
    let mut r = Cursor::new(rest);
    let first = r.peek();
    let second = r.peek2();
    let unnamed = second.kind == Kind::End
        || second.is_punct('.')
        || second.is_punct('(')
        || second.is_punct('[')
        || (first.kind == Kind::Word && TYPE_WORDS.iter().any(|w| first.is_kw(w)))
        || (first.is_kw("double") && second.is_kw("precision"));
    if rest.is_empty() {
        return Err(format!("an empty argument in `{text}`"));
    }
    if unnamed {
        return Ok(Argument {
            mode,
            name: None,
            type_name: rest.to_owned(),
        });
    }
    let name = r
        .ident()
        .ok_or_else(|| format!("an argument without a name or type: `{text}`"))?;
    Ok(Argument {
        mode,
        name: Some(name),
        type_name: rest[r.pos()..].trim().to_owned(),
    })
}

/// A function's identity arguments as `pg_get_function_identity_arguments` prints them, from an
/// argument list as pg_dump writes it (`pg_get_function_arguments`, with or without defaults):
/// the same list without its defaults. OUT arguments stay, as they do in the identity arguments
/// PostgreSQL prints (13 to 17).
pub(super) fn identity_arguments(arguments: &str) -> String {
    split_top_level(arguments)
        .into_iter()
        .map(|item| Cursor::new(item).until(|tok, _| tok.is_kw("DEFAULT") || tok.is_punct('=')))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key of a function: `schema.name(identity arguments)`, `app.add(a integer, b integer)`.
pub(super) fn function_key(name: &QName, default_schema: Option<&str>, arguments: &str) -> String {
    format!(
        "{}({})",
        key_of(name, default_schema),
        identity_arguments(arguments)
    )
}

/// A `SET name TO value` clause of a function, as `proconfig` stores it: `name=value`.
fn setting(c: &mut Cursor<'_>) -> Result<String, String> {
    let name = c
        .until(|tok, _| tok.is_kw("TO") || tok.is_punct('='))
        .to_owned();
    if !(c.eat_kw("TO") || c.eat_punct('=')) {
        return Err(format!("SET {name} without a value"));
    }
    // pg_dump writes every value as a literal: a word starts the next clause.
    let values = c.list_until(|tok| tok.kind == Kind::Word);
    let list = LIST_SETTINGS.contains(&name.to_ascii_lowercase().as_str());
    let mut decoded = Vec::new();
    for value in values {
        let v = Cursor::new(value)
            .string()
            .unwrap_or_else(|| value.to_owned());
        decoded.push(if list { quote_ident(&v) } else { v });
    }
    Ok(format!("{name}={}", decoded.join(", ")))
}

fn is_option_word(word: &str) -> bool {
    FUNCTION_OPTIONS
        .iter()
        .any(|o| o.eq_ignore_ascii_case(word))
}

impl ObjectsBuilder {
    pub(super) fn create_function(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        let procedure = c.next_tok().is_kw("PROCEDURE");
        let name = c.qname().ok_or("no function name")?;
        let arguments = c.group().ok_or("no argument list")?;
        let key = function_key(&name, entry.namespace.as_deref(), arguments);
        let mut f = Function {
            owned: Owned {
                owner: entry.owner.clone().unwrap_or_default(),
                ..Owned::default()
            },
            kind: if procedure { "procedure" } else { "function" }.to_owned(),
            arguments: arguments.to_owned(),
            volatility: "VOLATILE".to_owned(),
            parallel: "UNSAFE".to_owned(),
            ..Function::default()
        };
        if c.eat_kw("RETURNS") {
            let result =
                c.until(|tok, prev| super::relations::is_clause(tok, prev, FUNCTION_OPTIONS));
            f.result = Some(result.to_owned());
        }
        let mut cost = None;
        let mut rows = None;
        let mut obj_file = None;
        loop {
            if c.at_end() {
                break;
            }
            if c.eat_kw("LANGUAGE") {
                f.language = c.ident().ok_or("no language name")?;
            } else if c.eat_kw("WINDOW") {
                f.kind = "window function".to_owned();
            } else if let Some(v) = ["IMMUTABLE", "STABLE", "VOLATILE"]
                .into_iter()
                .find(|v| c.peek().is_kw(v))
            {
                c.next_tok();
                f.volatility = v.to_owned();
            } else if c.eat_kw("STRICT") || c.eat_kws(&["RETURNS", "NULL", "ON", "NULL", "INPUT"]) {
                f.strict = true;
            } else if c.eat_kws(&["CALLED", "ON", "NULL", "INPUT"]) {
                f.strict = false;
            } else if c.eat_kws(&["SECURITY", "DEFINER"])
                || c.eat_kws(&["EXTERNAL", "SECURITY", "DEFINER"])
            {
                f.security_definer = true;
            } else if c.eat_kws(&["SECURITY", "INVOKER"])
                || c.eat_kws(&["EXTERNAL", "SECURITY", "INVOKER"])
            {
                f.security_definer = false;
            } else if c.eat_kw("LEAKPROOF") {
                f.leakproof = true;
            } else if c.eat_kws(&["NOT", "LEAKPROOF"]) {
                f.leakproof = false;
            } else if c.eat_kw("COST") {
                cost = Some(c.next_tok().text.to_owned());
            } else if c.eat_kw("ROWS") {
                rows = Some(c.next_tok().text.to_owned());
            } else if c.eat_kw("SUPPORT") {
                c.qname().ok_or("no function after SUPPORT")?;
            } else if c.eat_kw("PARALLEL") {
                f.parallel = c.next_tok().text.to_ascii_uppercase();
            } else if c.eat_kw("SET") {
                f.config.push(setting(c)?);
            } else if c.eat_kws(&["TRANSFORM", "FOR", "TYPE"]) {
                c.until(|tok, _| {
                    tok.kind == Kind::Word
                        && is_option_word(tok.text)
                        && !tok.is_kw("FOR")
                        && !tok.is_kw("TYPE")
                });
            } else if c.eat_kw("AS") {
                let first = c.string().ok_or("AS without a literal")?;
                if c.eat_punct(',') {
                    let symbol = c.string().ok_or("AS 'file', without a symbol")?;
                    obj_file = Some(first);
                    f.body = symbol;
                } else {
                    f.body = first;
                }
            } else if c.peek().is_kw("BEGIN") {
                // A SQL-standard body: pg_dump writes pg_get_function_sqlbody's text.
                let text = c.text();
                let start = c.peek().start;
                f.body = text[start..]
                    .trim_end()
                    .trim_end_matches(';')
                    .trim_end()
                    .to_owned();
                break;
            } else {
                return Err(format!("unknown function option at `{}`", c.peek().text));
            }
        }
        if let Some(file) = obj_file {
            f.body = format!("{file}, {}", f.body);
        }
        let internal = matches!(f.language.as_str(), "c" | "internal");
        f.cost = cost.unwrap_or_else(|| if internal { "1" } else { "100" }.to_owned());
        let returns_set = f
            .result
            .as_deref()
            .is_some_and(|r| r.starts_with("SETOF ") || r.starts_with("TABLE("));
        f.rows = rows.unwrap_or_else(|| if returns_set { "1000" } else { "0" }.to_owned());
        if f.language == "plpgsql" || f.language.is_empty() {
            // Nothing to add: plpgsql is never in the model's languages.
        }
        self.out.objects.functions.insert(key, f);
        Ok(())
    }

    pub(super) fn create_aggregate(&mut self, entry: &DumpEntry, c: &mut Cursor<'_>) -> Read {
        c.eat_kw("AGGREGATE");
        let name = c.qname().ok_or("no aggregate name")?;
        let arguments = c.group().ok_or("no argument list")?;
        let key = function_key(&name, entry.namespace.as_deref(), arguments);
        let options = c.group().ok_or("no aggregate options")?;
        let mut f = Function {
            owned: Owned {
                owner: entry.owner.clone().unwrap_or_default(),
                ..Owned::default()
            },
            kind: "aggregate".to_owned(),
            arguments: arguments.to_owned(),
            language: "internal".to_owned(),
            // Aggregates are created IMMUTABLE in pg_proc; their functions decide the rest.
            volatility: "IMMUTABLE".to_owned(),
            parallel: "UNSAFE".to_owned(),
            cost: "1".to_owned(),
            rows: "0".to_owned(),
            ..Function::default()
        };
        let mut found: Vec<(&str, String)> = Vec::new();
        for item in split_top_level(options) {
            let mut o = Cursor::new(item);
            let option = o.next_tok().text.to_ascii_uppercase();
            let value = if o.eat_punct('=') {
                o.rest().to_owned()
            } else {
                String::new()
            };
            match option.as_str() {
                "STYPE" => f.result = Some(value.clone()),
                "FINALFUNC" => {
                    let q = Cursor::new(&value)
                        .qname()
                        .ok_or("no final function name")?;
                    self.aggregate_finals.push((key.clone(), q));
                }
                "PARALLEL" => f.parallel = value.to_ascii_uppercase(),
                "SORTOP" => {
                    found.push(("SORTOP", sort_operator(&value, arguments)));
                    continue;
                }
                _ => {}
            }
            if let Some(known) = AGGREGATE_BODY.iter().find(|k| **k == option) {
                found.push((known, item.to_owned()));
            }
        }
        // The body lists the options in one fixed order, whatever order they were written in.
        f.body = AGGREGATE_BODY
            .iter()
            .filter_map(|k| {
                found
                    .iter()
                    .find(|(o, _)| o == k)
                    .map(|(_, text)| text.as_str())
            })
            .collect::<Vec<_>>()
            .join(", ");
        self.out.objects.functions.insert(key, f);
        Ok(())
    }

    /// `ALTER FUNCTION|PROCEDURE|AGGREGATE name(args) OWNER TO role`.
    pub(super) fn alter_function(
        &mut self,
        entry: &DumpEntry,
        c: &mut Cursor<'_>,
        kind: &str,
    ) -> Read {
        let name = c.qname().ok_or("no function name")?;
        let arguments = c.group().ok_or("no argument list")?;
        let key = function_key(&name, entry.namespace.as_deref(), arguments);
        let owner = owner_to(c)?;
        let f = self
            .out
            .objects
            .functions
            .get_mut(&key)
            .ok_or_else(|| format!("ALTER {kind} of {key}, which the dump did not create"))?;
        f.owned.owner = owner;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_arguments_drop_defaults() {
        let t = identity_arguments;
        assert_eq!(t("a integer, b integer DEFAULT 1"), "a integer, b integer");
        assert_eq!(
            t("p_customer integer, OUT order_id bigint, OUT total numeric"),
            "p_customer integer, OUT order_id bigint, OUT total numeric"
        );
        assert_eq!(
            t("IN before timestamp with time zone, INOUT moved integer DEFAULT 0"),
            "IN before timestamp with time zone, INOUT moved integer"
        );
        assert_eq!(t("VARIADIC parts text[]"), "VARIADIC parts text[]");
        assert_eq!(t("x text = 'a, b'::text,y int"), "x text, y int");
        assert_eq!(t(""), "");
    }

    #[test]
    fn arguments_tell_names_from_multi_word_types() {
        let a = |text: &str| argument(text).unwrap();
        assert_eq!(a("double precision").name, None);
        assert_eq!(a("double integer").name.as_deref(), Some("double"));
        assert_eq!(a("character varying(20)").name, None);
        assert_eq!(a("\"Sales Data\".\"Order Items\"").name, None);
        assert_eq!(
            a("item \"Sales Data\".\"Order Items\"").type_name,
            "\"Sales Data\".\"Order Items\""
        );
        assert_eq!(a("\"x y\" numeric(10,2)").name.as_deref(), Some("x y"));
        assert_eq!(a("OUT o bigint").mode, "OUT");
    }

    #[test]
    fn settings_are_stored_as_proconfig_does() {
        let s = |text: &str| setting(&mut Cursor::new(text)).unwrap();
        assert_eq!(
            s("search_path TO 'Sales Data', 'public'"),
            "search_path=\"Sales Data\", public"
        );
        assert_eq!(
            s("search_path TO 'app', 'pg_temp'\n    AS $$x$$"),
            "search_path=app, pg_temp"
        );
        assert_eq!(s("work_mem TO '8MB'"), "work_mem=8MB");
    }
}
