//! Identifier and literal quoting, in one place, as PostgreSQL does it.
//!
//! Every emitter of SQL calls these functions; SQL is never built by pasting names, and never
//! printed back by a parser's pretty-printer (sqlparser 0.63 prints `'it''s'` as `'it's'`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Keywords that PostgreSQL does not accept as a bare identifier in every position (the
/// reserved, column-name and type/function-name categories of `src/include/parser/kwlist.h`,
/// PostgreSQL 18). `pg_dump`'s `fmtId` quotes exactly these, plus names that are not simple.
const NON_UNRESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// The longest keyword above.
const MAX_KEYWORD_LEN: usize = 24;

/// For each length, a bit per first letter (`a` = bit 0) that some keyword of that length starts
/// with: most names are ruled out as keywords without a search.
const KEYWORD_SHAPES: [u32; MAX_KEYWORD_LEN + 1] = {
    let mut shapes = [0u32; MAX_KEYWORD_LEN + 1];
    let mut i = 0;
    while i < NON_UNRESERVED_KEYWORDS.len() {
        let word = NON_UNRESERVED_KEYWORDS[i].as_bytes();
        assert!(word.len() <= MAX_KEYWORD_LEN && word[0].is_ascii_lowercase());
        shapes[word.len()] |= 1 << (word[0] - b'a');
        i += 1;
    }
    shapes
};

fn is_keyword(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        Some(&first @ b'a'..=b'z') if bytes.len() <= MAX_KEYWORD_LEN => {
            KEYWORD_SHAPES[bytes.len()] & (1 << (first - b'a')) != 0
                && NON_UNRESERVED_KEYWORDS.binary_search(&name).is_ok()
        }
        _ => false,
    }
}

/// True when `name` can be written without double quotes.
fn is_bare_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = matches!(bytes.next(), Some(b'a'..=b'z' | b'_'));
    first_ok && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_')) && !is_keyword(name)
}

/// Quotes an identifier the way `quote_ident()` and pg_dump do: bare when that is unambiguous,
/// otherwise in double quotes with embedded double quotes doubled.
pub fn quote_ident(name: &str) -> String {
    if is_bare_identifier(name) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Quotes a string literal the way `quote_literal()` does: single quotes doubled, and when the
/// value holds a backslash, an `E'...'` literal with backslashes doubled, so the result means the
/// same whatever `standard_conforming_strings` is.
pub fn quote_literal(value: &str) -> String {
    let escape = value.contains('\\');
    let mut out = String::with_capacity(value.len() + 3);
    if escape {
        out.push('E');
    }
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The name of a role, as PostgreSQL stores it (case-folded when it was written bare).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleName(String);

impl RoleName {
    /// Wraps a name exactly as the catalog stores it.
    pub fn new(name: impl Into<String>) -> Self {
        RoleName(name.into())
    }

    /// The stored name, unquoted.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name quoted for SQL.
    pub fn quoted(&self) -> String {
        quote_ident(&self.0)
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_list_is_sorted_for_binary_search() {
        let mut sorted = NON_UNRESERVED_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, NON_UNRESERVED_KEYWORDS);
    }

    #[test]
    fn the_shape_filter_lets_every_keyword_through() {
        for word in NON_UNRESERVED_KEYWORDS {
            assert!(is_keyword(word), "{word}");
            assert_eq!(quote_ident(word), format!("\"{word}\""));
        }
        for name in [
            "perf_u0000010",
            "app_owner",
            "selects",
            "user1",
            "_user",
            "a",
        ] {
            assert!(!is_keyword(name), "{name}");
        }
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(quote_ident("app_owner"), "app_owner");
        assert_eq!(quote_ident("App User"), "\"App User\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("Ünïcödé"), "\"Ünïcödé\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident("o'brien"), "\"o'brien\"");
        assert_eq!(quote_ident(""), "\"\"");
        // Unreserved keywords are bare, as pg_dump writes them.
        assert_eq!(quote_ident("replication"), "replication");
    }

    #[test]
    fn literals_survive_quotes_and_backslashes() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
        assert_eq!(quote_literal(""), "''");
    }
}
