//! Definitions as PostgreSQL prints them, made comparable across major versions and
//! dump/restore cycles.
//!
//! `pg_get_viewdef`, `pg_get_indexdef`, `pg_get_constraintdef`, function bodies and defaults
//! print the same object differently from one major version to the next. What was measured
//! (the same schema on 13, 15 and 17, and dumped from 13 and restored into 17):
//!
//! - layout: line breaks and indentation move; compared token by token, whitespace never
//!   counts;
//! - 16 and newer drop the relation qualifier of a column when it is unambiguous
//!   (`customers.id` became `id` in view definitions): qualifiers are dropped on both sides,
//!   except schema qualifiers (a name known as a schema, `pg_catalog` among them), so that
//!   `app.customers` still differs from `other.customers`.

use crate::catalog::quote_ident;
use crate::dump::tokens::{tokenize, Token};
use std::collections::BTreeSet;

/// The names (quoted as [`quote_ident`] quotes them) that are schemas, whose qualifiers are kept.
#[derive(Clone, Debug, Default)]
pub struct Schemas(BTreeSet<String>);

impl Schemas {
    /// The schemas of both sides, plus the system ones.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a String>) -> Self {
        let mut set: BTreeSet<String> = names.into_iter().cloned().collect();
        set.extend(["pg_catalog", "information_schema", "public"].map(String::from));
        Schemas(set)
    }

    fn contains(&self, token: &Token<'_>) -> bool {
        token
            .ident()
            .is_some_and(|name| self.0.contains(&quote_ident(&name)))
    }
}

/// `text` as a sequence of tokens separated by single spaces, relation qualifiers dropped.
/// Text that does not tokenize (an unterminated quote in a function body) is compared with
/// its runs of whitespace collapsed.
pub fn normalized(text: &str, schemas: &Schemas) -> String {
    let Ok(tokens) = tokenize(text) else {
        return text.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<&Token<'_>> = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let is_name = matches!(token, Token::Word(_) | Token::QuotedIdent(_));
        let qualifies = is_name
            && matches!(tokens.get(i + 1), Some(Token::Punct('.')))
            && matches!(
                tokens.get(i + 2),
                Some(Token::Word(_) | Token::QuotedIdent(_))
            )
            && !matches!(
                i.checked_sub(1).map(|p| &tokens[p]),
                Some(Token::Punct('.'))
            )
            && !schemas.contains(token);
        if qualifies {
            i += 2;
            continue;
        }
        if let Some(previous) = previous {
            if spaced(previous, token) {
                out.push(' ');
            }
        }
        out.push_str(&token.to_string());
        previous = Some(token);
        i += 1;
    }
    out
}

/// Keywords after which a `(` is not a call's: `IN (`, `CHECK (`.
const BEFORE_PARENTHESIS: &[&str] = &[
    "all",
    "and",
    "any",
    "as",
    "by",
    "check",
    "else",
    "exists",
    "filter",
    "from",
    "in",
    "include",
    "is",
    "join",
    "key",
    "not",
    "on",
    "or",
    "over",
    "references",
    "select",
    "then",
    "to",
    "using",
    "values",
    "when",
    "where",
    "with",
];

/// Whether a space separates two tokens in the normalized text: as people write SQL, so that
/// a diff of two definitions reads well (`app.t`, `x::numeric`, `lower(x)`, `(a, b)`).
fn spaced(previous: &Token<'_>, token: &Token<'_>) -> bool {
    match (previous, token) {
        (Token::Punct('.' | '(' | '[' | ':'), _) => false,
        (_, Token::Punct('.' | ',' | ')' | ']' | ';' | ':' | '[')) => false,
        (Token::Word(word), Token::Punct('(')) => BEFORE_PARENTHESIS
            .iter()
            .any(|k| word.eq_ignore_ascii_case(k)),
        (Token::QuotedIdent(_), Token::Punct('(')) => false,
        // The characters of one operator (`>=`, `<>`, `||`), which the tokenizer splits.
        (Token::Punct(a), Token::Punct(b)) => !(is_operator(*a) && is_operator(*b)),
        _ => true,
    }
}

fn is_operator(c: char) -> bool {
    "+-*/<>=~!@#%^&|`?".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> Schemas {
        Schemas::new(&["app".to_owned(), "\"Sales Data\"".to_owned()])
    }

    #[test]
    fn layout_does_not_count() {
        let a = " SELECT id,\n    name\n   FROM app.customers";
        let b = "SELECT id, name FROM app.customers";
        assert_eq!(normalized(a, &schemas()), normalized(b, &schemas()));
    }

    /// Measured: 13 prints `customers.id` where 16 and newer print `id`.
    #[test]
    fn relation_qualifiers_are_dropped_and_schema_qualifiers_kept() {
        let v13 = " SELECT customers.id,\n    customers.name\n   FROM app.customers\n  WHERE (customers.total > (0)::numeric)";
        let v17 = " SELECT id,\n    name\n   FROM app.customers\n  WHERE (total > (0)::numeric)";
        assert_eq!(normalized(v13, &schemas()), normalized(v17, &schemas()));
        assert_ne!(
            normalized("SELECT 1 FROM app.t", &schemas()),
            normalized("SELECT 1 FROM other.t", &schemas())
        );
        assert_eq!(
            normalized(
                "SELECT \"Order Items\".\"a\"\"b\" FROM \"Sales Data\".\"Order Items\"",
                &schemas()
            ),
            "SELECT \"a\"\"b\" FROM \"Sales Data\".\"Order Items\""
        );
    }

    #[test]
    fn the_text_reads_as_sql() {
        assert_eq!(
            normalized("CHECK ((total >= (0)::numeric))", &schemas()),
            "CHECK ((total >= (0)::numeric))"
        );
        assert_eq!(
            normalized("lower(\"select\") WHERE x IN ('a', 'b')", &schemas()),
            "lower(\"select\") WHERE x IN ('a', 'b')"
        );
        assert_eq!(normalized("tags text[]", &schemas()), "tags text[]");
    }

    #[test]
    fn a_real_change_stays_a_change() {
        assert_ne!(
            normalized("CHECK ((total > (0)::numeric))", &schemas()),
            normalized("CHECK ((total >= (0)::numeric))", &schemas())
        );
        assert_ne!(
            normalized("SELECT 'a b'", &schemas()),
            normalized("SELECT 'a  b'", &schemas())
        );
    }
}
