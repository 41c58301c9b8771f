//! Small pieces of SQL every phase writes: names split back into their parts, dollar quotes that
//! cannot clash with what they quote, `DO` blocks that guard a statement with a catalog check,
//! and comment text that cannot end its comment early.

use crate::catalog::{quote_ident, quote_literal};
use crate::dump::tokens::{tokenize, Token};

/// The identifiers of a dotted name as the catalog model writes it (`app.orders`,
/// `"Sales Data"."Order Items"`), unquoted; `None` when it is not such a name.
pub fn idents(name: &str) -> Option<Vec<String>> {
    let tokens = tokenize(name).ok()?;
    let mut parts = Vec::new();
    let mut expect_name = true;
    for token in &tokens {
        match (expect_name, token) {
            (true, Token::Word(_) | Token::QuotedIdent(_)) => {
                parts.push(token.ident()?);
                expect_name = false;
            }
            (false, Token::Punct('.')) => expect_name = true,
            _ => return None,
        }
    }
    (!expect_name).then_some(parts)
}

/// A qualified name's schema and name, unquoted: `"Sales Data"."Order Items"` gives
/// `("Sales Data", "Order Items")`.
pub fn split_qualified(name: &str) -> Option<(String, String)> {
    let mut parts = idents(name)?;
    if parts.len() != 2 {
        return None;
    }
    let name = parts.pop()?;
    let schema = parts.pop()?;
    Some((schema, name))
}

/// The unquoted form of a name the model keeps quoted (a constraint's, an index's).
pub fn unquote(name: &str) -> String {
    match idents(name) {
        Some(parts) if parts.len() == 1 => parts.into_iter().next().unwrap_or_default(),
        _ => name.to_owned(),
    }
}

/// A name the model keeps quoted, as a string literal of its stored form (for `conname = ...`).
pub fn quote_name_literal(name: &str) -> String {
    quote_literal(&unquote(name))
}

/// The schema of a qualified name, quoted; `None` when the name is not qualified.
pub fn schema_of(name: &str) -> Option<String> {
    split_qualified(name).map(|(schema, _)| quote_ident(&schema))
}

/// `body` in dollar quotes whose tag (`$tag$`, `$tag1$`, ...) does not occur in it.
pub fn dollar_quote(body: &str, tag: &str) -> String {
    let mut n = 0;
    loop {
        let candidate = if n == 0 {
            format!("${tag}$")
        } else {
            format!("${tag}{n}$")
        };
        if !body.contains(&candidate) {
            return format!("{candidate}{body}{candidate}");
        }
        n += 1;
    }
}

/// A `DO` block that runs `statements` (each ending in `;`) only when `condition` holds: how
/// statements without `IF NOT EXISTS` are made safe to run twice.
pub fn do_if(condition: &str, statements: &str) -> String {
    let body = format!("\nBEGIN\n  IF {condition} THEN\n    {statements}\n  END IF;\nEND\n");
    format!("DO {};", dollar_quote(&body, "pgparity"))
}

/// `'name'::pg_catalog.regclass` for a relation's qualified name.
pub fn regclass(name: &str) -> String {
    format!("{}::pg_catalog.regclass", quote_literal(name))
}

/// Text for a `--` comment: control characters (a name may hold a line break) become spaces,
/// so nothing of it can become SQL.
pub fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A server parameter's name as `SET` and `ALTER SYSTEM` take it: each dotted part quoted
/// where it must be.
pub fn parameter_name(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Every qualified name (`schema.name`) that `text` mentions, as [`crate::catalog::qualified`]
/// writes it: in identifiers, and inside string literals (`nextval('app.s'::regclass)`).
pub fn references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(tokens) = tokenize(text) else {
        return found;
    };
    collect_references(&tokens, &mut found);
    for token in &tokens {
        if let Token::Str(inner) = token {
            if inner.len() < 200 {
                if let Ok(inner_tokens) = tokenize(inner) {
                    collect_references(&inner_tokens, &mut found);
                }
            }
        }
    }
    found
}

fn collect_references(tokens: &[Token<'_>], found: &mut Vec<String>) {
    let is_name = |t: Option<&Token<'_>>| matches!(t, Some(Token::Word(_) | Token::QuotedIdent(_)));
    for i in 0..tokens.len() {
        if is_name(tokens.get(i))
            && matches!(tokens.get(i + 1), Some(Token::Punct('.')))
            && is_name(tokens.get(i + 2))
        {
            if let (Some(schema), Some(name)) = (tokens[i].ident(), tokens[i + 2].ident()) {
                found.push(crate::catalog::qualified(&schema, &name));
            }
        }
    }
}

/// The table a foreign key's definition references (`... REFERENCES app.t(id) ...`).
pub fn referenced_table(definition: &str) -> Option<String> {
    let tokens = tokenize(definition).ok()?;
    let at = tokens.iter().position(|t| t.is_kw("REFERENCES"))?;
    let schema = tokens.get(at + 1)?.ident()?;
    if !matches!(tokens.get(at + 2), Some(Token::Punct('.'))) {
        return None;
    }
    let name = tokens.get(at + 3)?.ident()?;
    Some(crate::catalog::qualified(&schema, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_split_into_their_parts() {
        assert_eq!(
            split_qualified("\"Sales Data\".\"Order Items\""),
            Some(("Sales Data".to_owned(), "Order Items".to_owned()))
        );
        assert_eq!(
            split_qualified("app.\"a\"\"b\""),
            Some(("app".to_owned(), "a\"b".to_owned()))
        );
        assert_eq!(split_qualified("app"), None);
        assert_eq!(
            unquote("\"Order Items_a\"\"b_check\""),
            "Order Items_a\"b_check"
        );
        assert_eq!(unquote("refs_pkey"), "refs_pkey");
    }

    #[test]
    fn dollar_quotes_never_clash_with_their_body() {
        assert_eq!(dollar_quote("x", "f"), "$f$x$f$");
        assert_eq!(dollar_quote("a $f$ b", "f"), "$f1$a $f$ b$f1$");
    }

    #[test]
    fn comments_cannot_be_ended_by_a_name() {
        assert_eq!(comment_text("a\nDROP TABLE x;"), "a DROP TABLE x;");
    }

    #[test]
    fn references_are_found_in_identifiers_and_literals() {
        let found = references(
            "SELECT app.f(x) FROM \"Sales Data\".\"Order Items\" WHERE nextval('app.s1'::regclass) > 0",
        );
        assert!(found.contains(&"app.f".to_owned()), "{found:?}");
        assert!(found.contains(&"\"Sales Data\".\"Order Items\"".to_owned()));
        assert!(found.contains(&"app.s1".to_owned()));
        assert_eq!(
            referenced_table("FOREIGN KEY (a) REFERENCES \"X\".t(id) ON DELETE CASCADE"),
            Some("\"X\".t".to_owned())
        );
        assert_eq!(parameter_name("work_mem"), "work_mem");
        assert_eq!(parameter_name("app.Setting"), "app.\"Setting\"");
    }
}
