//! A cursor over one SQL statement that knows where each token is, so that recognizers can
//! take the text of an expression or a definition exactly as pg_dump wrote it (the object model
//! keeps PostgreSQL's own words, never a re-printed form).
//!
//! Quotes, dollar quotes and comments are skipped with the same rules as the lexer; literal and
//! quoted-identifier values are decoded by [`tokenize`], so there is one decoder.

use crate::dump::tokens::{block_comment_end, dollar_tag_len, is_ident_byte, tokenize, Token};

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A keyword or bare identifier.
    Word,
    /// A `"quoted"` identifier.
    Quoted,
    /// A string literal (`'..'`, `E'..'`, `$$..$$`).
    Str,
    /// A number.
    Number,
    /// Any other single character.
    Punct,
    /// Nothing left.
    End,
}

/// One token and where it is in the statement.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tok<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

impl Tok<'_> {
    /// True for the keyword `kw` (without case).
    pub fn is_kw(&self, kw: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// True for the punctuation character `c`.
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.starts_with(c)
    }

    /// The identifier it names: bare words folded to lower case, quoted ones decoded.
    pub fn ident(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_lowercase()),
            Kind::Quoted => match tokenize(self.text).ok()?.into_iter().next()? {
                Token::QuotedIdent(name) => Some(name),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value of a string literal.
    pub fn string(&self) -> Option<String> {
        if self.kind != Kind::Str {
            return None;
        }
        match tokenize(self.text).ok()?.into_iter().next()? {
            Token::Str(value) => Some(value),
            _ => None,
        }
    }
}

/// A possibly schema-qualified name, unquoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QName {
    pub schema: Option<String>,
    pub name: String,
}

/// A cursor over a statement.
#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    /// The whole statement.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Where the cursor is (a byte offset).
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Skips whitespace and comments.
    fn skip_space(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        loop {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if bytes[at.min(bytes.len())..].starts_with(b"--") {
                at = self.text[at..]
                    .find('\n')
                    .map_or(bytes.len(), |n| at + n + 1);
            } else if bytes[at.min(bytes.len())..].starts_with(b"/*") {
                at = block_comment_end(bytes, at + 2, 1).unwrap_or(bytes.len());
            } else {
                return at;
            }
        }
    }

    /// The token starting at or after `at`.
    fn token_at(&self, at: usize) -> Tok<'a> {
        let bytes = self.text.as_bytes();
        let start = self.skip_space(at);
        let tok = |kind, end: usize| Tok {
            kind,
            text: &self.text[start..end],
            start,
            end,
        };
        let Some(&b) = bytes.get(start) else {
            return tok(Kind::End, start);
        };
        let after = bytes.get(start + 1).copied();
        match b {
            b'\'' => tok(Kind::Str, string_end(bytes, start + 1, false)),
            b'E' | b'e' if after == Some(b'\'') => {
                tok(Kind::Str, string_end(bytes, start + 2, true))
            }
            b'B' | b'b' | b'X' | b'x' | b'N' | b'n' if after == Some(b'\'') => {
                tok(Kind::Str, string_end(bytes, start + 2, false))
            }
            b'"' => tok(Kind::Quoted, quoted_end(bytes, start + 1)),
            b'$' if !(start > 0 && is_ident_byte(bytes[start - 1])) => {
                match dollar_tag_len(&bytes[start..]) {
                    Some(tag_len) => {
                        let tag = &self.text[start..start + tag_len];
                        let body = start + tag_len;
                        let end = self.text[body..]
                            .find(tag)
                            .map_or(bytes.len(), |n| body + n + tag_len);
                        tok(Kind::Str, end)
                    }
                    None => tok(Kind::Punct, start + 1),
                }
            }
            b'0'..=b'9' => {
                let end = start
                    + bytes[start..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit() || **c == b'.')
                        .count();
                tok(Kind::Number, end)
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let end = start
                    + bytes[start..]
                        .iter()
                        .take_while(|c| is_ident_byte(**c))
                        .count();
                tok(Kind::Word, end)
            }
            _ => {
                let len = self.text[start..].chars().next().map_or(1, char::len_utf8);
                tok(Kind::Punct, start + len)
            }
        }
    }

    /// The next token, not consumed.
    pub fn peek(&self) -> Tok<'a> {
        self.token_at(self.pos)
    }

    /// The token after the next one, not consumed.
    pub fn peek2(&self) -> Tok<'a> {
        self.token_at(self.peek().end)
    }

    /// Consumes and returns the next token.
    pub fn next_tok(&mut self) -> Tok<'a> {
        let tok = self.peek();
        self.pos = tok.end;
        tok
    }

    /// True when only a `;` (or nothing) is left.
    pub fn at_end(&self) -> bool {
        let tok = self.peek();
        tok.kind == Kind::End || (tok.is_punct(';') && self.token_at(tok.end).kind == Kind::End)
    }

    /// Consumes the keyword `kw` if it is next.
    pub fn eat_kw(&mut self, kw: &str) -> bool {
        let tok = self.peek();
        if tok.is_kw(kw) {
            self.pos = tok.end;
            true
        } else {
            false
        }
    }

    /// Consumes the keywords `kws` if they are all next, in order; otherwise consumes nothing.
    pub fn eat_kws(&mut self, kws: &[&str]) -> bool {
        let saved = self.pos;
        for kw in kws {
            if !self.eat_kw(kw) {
                self.pos = saved;
                return false;
            }
        }
        true
    }

    /// Consumes the punctuation `c` if it is next.
    pub fn eat_punct(&mut self, c: char) -> bool {
        let tok = self.peek();
        if tok.is_punct(c) {
            self.pos = tok.end;
            true
        } else {
            false
        }
    }

    /// Consumes an identifier.
    pub fn ident(&mut self) -> Option<String> {
        let tok = self.peek();
        let name = tok.ident()?;
        self.pos = tok.end;
        Some(name)
    }

    /// Consumes a name of one, two or three parts (`name`, `schema.name`, `schema.table.col`).
    pub fn name_parts(&mut self) -> Option<Vec<String>> {
        let mut parts = vec![self.ident()?];
        while self.peek().is_punct('.') && self.peek2().ident().is_some() {
            self.eat_punct('.');
            parts.push(self.ident()?);
        }
        Some(parts)
    }

    /// Consumes a possibly qualified name.
    pub fn qname(&mut self) -> Option<QName> {
        let saved = self.pos;
        let mut parts = self.name_parts()?;
        if parts.len() > 2 {
            self.pos = saved;
            return None;
        }
        let name = parts.pop()?;
        Some(QName {
            schema: parts.pop(),
            name,
        })
    }

    /// Consumes a string literal and returns its value.
    pub fn string(&mut self) -> Option<String> {
        let tok = self.peek();
        let value = tok.string()?;
        self.pos = tok.end;
        Some(value)
    }

    /// Consumes a number, with its sign, and returns its text.
    pub fn signed_number(&mut self) -> Option<String> {
        let saved = self.pos;
        let minus = self.eat_punct('-');
        let tok = self.peek();
        if tok.kind != Kind::Number {
            self.pos = saved;
            return None;
        }
        self.pos = tok.end;
        Some(if minus {
            format!("-{}", tok.text)
        } else {
            tok.text.to_owned()
        })
    }

    /// Consumes a parenthesized group and returns the text between its parentheses, verbatim.
    pub fn group(&mut self) -> Option<&'a str> {
        let open = self.peek();
        if !open.is_punct('(') {
            return None;
        }
        let mut depth = 0u32;
        let mut at = open.start;
        loop {
            let tok = self.token_at(at);
            match tok.kind {
                Kind::End => return None,
                Kind::Punct if tok.is_punct('(') => depth += 1,
                Kind::Punct if tok.is_punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = tok.end;
                        return Some(&self.text[open.end..tok.start]);
                    }
                }
                _ => {}
            }
            at = tok.end;
        }
    }

    /// Consumes text up to (not including) the first token outside parentheses for which
    /// `stop` is true, or to the end of the statement (before its `;`); returns it trimmed.
    pub fn until(&mut self, stop: impl Fn(&Tok<'a>, &Tok<'a>) -> bool) -> &'a str {
        let begin = self.skip_space(self.pos);
        let mut depth = 0u32;
        let mut at = begin;
        let mut prev = self.token_at(begin);
        prev.kind = Kind::End;
        loop {
            let tok = self.token_at(at);
            let stop_here = match tok.kind {
                Kind::End => true,
                _ if depth == 0 && tok.is_punct(';') => self.token_at(tok.end).kind == Kind::End,
                _ => depth == 0 && stop(&tok, &prev),
            };
            if stop_here {
                self.pos = tok.start;
                return self.text[begin..tok.start].trim_end();
            }
            if tok.is_punct('(') || tok.is_punct('[') {
                depth += 1;
            } else if tok.is_punct(')') || tok.is_punct(']') {
                depth = depth.saturating_sub(1);
            }
            prev = tok;
            at = tok.end;
        }
    }

    /// Consumes a comma-separated list up to the end or to a stop token outside parentheses;
    /// returns each item's text, trimmed.
    pub fn list_until(&mut self, stop: impl Fn(&Tok<'a>) -> bool) -> Vec<&'a str> {
        let mut items = Vec::new();
        loop {
            let item = self.until(|tok, _| tok.is_punct(',') || stop(tok));
            if !item.is_empty() {
                items.push(item);
            }
            if !self.eat_punct(',') {
                return items;
            }
        }
    }

    /// The rest of the statement, trimmed and without its final `;`.
    pub fn rest(&mut self) -> &'a str {
        self.until(|_, _| false)
    }
}

/// Splits the text of a parenthesized list at its top-level commas, each item trimmed.
pub(crate) fn split_top_level(text: &str) -> Vec<&str> {
    let mut cursor = Cursor::new(text);
    let mut items = Vec::new();
    loop {
        let item = cursor.until(|tok, _| tok.is_punct(','));
        items.push(item);
        if !cursor.eat_punct(',') {
            break;
        }
    }
    if items.len() == 1 && items[0].is_empty() {
        items.clear();
    }
    items
}

/// Where a string literal that starts (after its quote) at `from` ends.
fn string_end(bytes: &[u8], from: usize, escapes: bool) -> usize {
    let mut j = from;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if escapes => j += 2,
            b'\'' if bytes.get(j + 1) == Some(&b'\'') => j += 2,
            b'\'' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// Where a quoted identifier that starts (after its quote) at `from` ends.
fn quoted_end(bytes: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'"' {
            if bytes.get(j + 1) == Some(&b'"') {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_literals_and_groups() {
        let mut c = Cursor::new(
            "ALTER TABLE ONLY \"Sales Data\".\"Order Items\" ADD CONSTRAINT x CHECK ((a > ')')) NOT VALID;",
        );
        assert!(c.eat_kws(&["ALTER", "TABLE", "ONLY"]));
        assert_eq!(
            c.qname(),
            Some(QName {
                schema: Some("Sales Data".to_owned()),
                name: "Order Items".to_owned()
            })
        );
        assert!(c.eat_kws(&["add", "constraint"]));
        assert_eq!(c.ident().as_deref(), Some("x"));
        assert_eq!(c.rest(), "CHECK ((a > ')')) NOT VALID");
        assert!(c.at_end());
    }

    #[test]
    fn until_stops_outside_parentheses_only() {
        let mut c = Cursor::new(
            "numeric(12,2) DEFAULT (x COLLATE \"C\") NOT NULL COLLATE pg_catalog.\"C\"",
        );
        assert_eq!(c.until(|t, _| t.is_kw("DEFAULT")), "numeric(12,2)");
        assert!(c.eat_kw("default"));
        assert_eq!(
            c.until(|t, _| t.is_kw("NOT") || t.is_kw("COLLATE")),
            "(x COLLATE \"C\")"
        );
        assert_eq!(
            split_top_level("a, f(b, c), 'x,y'"),
            vec!["a", "f(b, c)", "'x,y'"]
        );
        assert!(split_top_level("  ").is_empty());
    }

    #[test]
    fn dollar_quotes_and_comments_are_single_tokens_or_skipped() {
        let mut c = Cursor::new("AS $_$ a; 'b $$ $_$ -- c\n /* d */ LANGUAGE sql;");
        assert!(c.eat_kw("as"));
        assert_eq!(c.string().as_deref(), Some(" a; 'b $$ "));
        assert!(c.eat_kw("language"));
        assert_eq!(c.ident().as_deref(), Some("sql"));
        assert!(c.at_end());
    }

    #[test]
    fn broken_text_never_panics() {
        for text in [
            "'open", "\"open", "$a$ open", "/* open", "E'\\", "(", ")", "--",
        ] {
            let mut c = Cursor::new(text);
            let _ = c.group();
            let _ = c.rest();
            let _ = c.qname();
            while c.next_tok().kind != Kind::End {}
        }
    }
}
