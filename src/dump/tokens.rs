//! Tokens of one SQL statement, for the recognizers of pg_dump's own statement forms.

use std::fmt;

/// One token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// A keyword or bare identifier, as written (not case-folded).
    Word(&'a str),
    /// A `"quoted"` identifier, unquoted.
    QuotedIdent(String),
    /// A string literal's value (`'...'`, `E'...'`, or `$$...$$`), decoded.
    Str(String),
    /// A number, as written (`-1` when a minus sign directly precedes it).
    Number(&'a str),
    /// Any other single character: `,` `;` `(` `)` `=` `.`.
    Punct(char),
}

impl Token<'_> {
    /// True when this is the keyword `kw` (compared without case).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    /// The identifier this token names: bare words folded to lower case as PostgreSQL does.
    pub fn ident(&self) -> Option<String> {
        match self {
            Token::Word(w) => Some(w.to_ascii_lowercase()),
            Token::QuotedIdent(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Word(w) | Token::Number(w) => f.write_str(w),
            Token::QuotedIdent(s) => f.write_str(&crate::catalog::quote_ident(s)),
            Token::Str(s) => f.write_str(&crate::catalog::quote_literal(s)),
            Token::Punct(c) => write!(f, "{c}"),
        }
    }
}

/// Why a statement could not be tokenized (the lexer already split it, so this is rare).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError(pub String);

/// Splits a statement into tokens, dropping whitespace and comments.
pub fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, TokenError> {
    let bytes = sql.as_bytes();
    let mut out = Vec::with_capacity(16);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            _ if b.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(bytes, i + 2, 1)
                    .map_err(|_| TokenError("unterminated block comment".to_owned()))?;
            }
            b'\'' => {
                let (value, end) = string_literal(sql, i + 1, false)?;
                out.push(Token::Str(value));
                i = end;
            }
            b'E' | b'e' if bytes.get(i + 1) == Some(&b'\'') => {
                let (value, end) = string_literal(sql, i + 2, true)?;
                out.push(Token::Str(value));
                i = end;
            }
            b'"' => {
                let (value, end) = quoted_ident(sql, i + 1)?;
                out.push(Token::QuotedIdent(value));
                i = end;
            }
            b'$' if dollar_quote_at(bytes, i).is_some() => {
                let tag_len = dollar_quote_at(bytes, i).unwrap_or(0);
                let tag = &sql[i..i + tag_len];
                let body_start = i + tag_len;
                let close = sql[body_start..]
                    .find(tag)
                    .ok_or_else(|| TokenError(format!("unterminated dollar quote {tag}")))?;
                out.push(Token::Str(sql[body_start..body_start + close].to_owned()));
                i = body_start + close + tag_len;
            }
            b'0'..=b'9' => {
                let end = scan(bytes, i, |c| c.is_ascii_digit() || c == b'.');
                out.push(Token::Number(&sql[i..end]));
                i = end;
            }
            b'-' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = scan(bytes, i + 1, |c| c.is_ascii_digit() || c == b'.');
                out.push(Token::Number(&sql[i..end]));
                i = end;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let end = scan(bytes, i, is_ident_byte);
                out.push(Token::Word(&sql[i..end]));
                i = end;
            }
            _ => {
                let c = sql[i..].chars().next().unwrap_or('?');
                out.push(Token::Punct(c));
                i += c.len_utf8();
            }
        }
    }
    Ok(out)
}

fn scan(bytes: &[u8], start: usize, keep: impl Fn(u8) -> bool) -> usize {
    start + bytes[start..].iter().take_while(|&&b| keep(b)).count()
}

/// Scans a `/* */` comment (nested ones too) from `from`, `depth` levels deep: `Ok` with the
/// index just after the closing `*/`, or `Err` with the depth still open at the end of `bytes`.
pub(crate) fn block_comment_end(bytes: &[u8], from: usize, depth: u32) -> Result<usize, u32> {
    let mut depth = depth;
    let mut j = from;
    while j + 1 < bytes.len() {
        if bytes[j] == b'/' && bytes[j + 1] == b'*' {
            depth += 1;
            j += 2;
        } else if bytes[j] == b'*' && bytes[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return Ok(j);
            }
        } else {
            j += 1;
        }
    }
    Err(depth)
}

fn string_literal(sql: &str, start: usize, escapes: bool) -> Result<(String, usize), TokenError> {
    let bytes = sql.as_bytes();
    let mut value = String::new();
    let mut run = start;
    let mut j = start;
    while let Some(at) = quote_or_escape(&bytes[j.min(bytes.len())..], escapes) {
        j += at;
        match bytes[j] {
            b'\'' if bytes.get(j + 1) == Some(&b'\'') => {
                value.push_str(&sql[run..=j]);
                j += 2;
                run = j;
            }
            b'\'' => {
                value.push_str(&sql[run..j]);
                return Ok((value, j + 1));
            }
            _ => {
                // A backslash: quote_or_escape stops at one only in an E'' string.
                value.push_str(&sql[run..j]);
                let next = sql[j + 1..]
                    .chars()
                    .next()
                    .ok_or_else(|| TokenError("unterminated string".to_owned()))?;
                value.push(match next {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    // Octal, hex and unicode escapes are rare in dumps; keep them literally so the
                    // value is at least not silently wrong: the caller re-quotes with E''.
                    other => other,
                });
                j += 1 + next.len_utf8();
                run = j;
            }
        }
    }
    Err(TokenError("unterminated string".to_owned()))
}

fn quoted_ident(sql: &str, start: usize) -> Result<(String, usize), TokenError> {
    let bytes = sql.as_bytes();
    let mut value = String::new();
    let mut run = start;
    let mut j = start;
    while j < bytes.len() {
        if bytes[j] == b'"' {
            if bytes.get(j + 1) == Some(&b'"') {
                value.push_str(&sql[run..=j]);
                j += 2;
                run = j;
                continue;
            }
            value.push_str(&sql[run..j]);
            return Ok((value, j + 1));
        }
        j += 1;
    }
    Err(TokenError("unterminated quoted identifier".to_owned()))
}

/// The length of the dollar-quote tag (`$$` or `$name$`) that `text` starts with, if any.
pub(crate) fn dollar_tag_len(text: &[u8]) -> Option<usize> {
    let mut end = 1;
    while end < text.len() {
        let b = text[end];
        if b == b'$' {
            return Some(end + 1);
        }
        let ok =
            b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 || (end > 1 && b.is_ascii_digit());
        if !ok {
            return None;
        }
        end += 1;
    }
    None
}

/// True for a byte that may continue an identifier (`a$b`, `é`) or a parameter (`$1`).
pub(crate) fn is_ident_byte(b: u8) -> bool {
    IDENT_BYTES[usize::from(b)]
}

/// [`is_ident_byte`] as a table, looked up once per byte of every word.
const IDENT_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$' || byte >= 0x80;
        b += 1;
    }
    table
};

/// Where the next `'` is in `bytes`, or the next `\` too in an escape string (`E'...'`).
pub(crate) fn quote_or_escape(bytes: &[u8], escapes: bool) -> Option<usize> {
    if escapes {
        memchr::memchr2(b'\'', b'\\', bytes)
    } else {
        memchr::memchr(b'\'', bytes)
    }
}

/// The length of the dollar-quote tag opening at `at`, unless the `$` there continues an
/// identifier or a parameter.
fn dollar_quote_at(bytes: &[u8], at: usize) -> Option<usize> {
    if at > 0 && is_ident_byte(bytes[at - 1]) {
        return None;
    }
    dollar_tag_len(&bytes[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_role_statement() {
        let toks = tokenize(
            "ALTER ROLE \"App \"\"User\" WITH LOGIN CONNECTION LIMIT -1 PASSWORD 'it''s';",
        )
        .unwrap();
        assert_eq!(
            toks,
            vec![
                Token::Word("ALTER"),
                Token::Word("ROLE"),
                Token::QuotedIdent("App \"User".to_owned()),
                Token::Word("WITH"),
                Token::Word("LOGIN"),
                Token::Word("CONNECTION"),
                Token::Word("LIMIT"),
                Token::Number("-1"),
                Token::Word("PASSWORD"),
                Token::Str("it's".to_owned()),
                Token::Punct(';'),
            ]
        );
    }

    #[test]
    fn escape_and_dollar_strings_are_decoded() {
        let toks = tokenize("SELECT E'a\\'b\\n', $q$x'y$q$, $$z$$ -- c\n/* d /* e */ */;").unwrap();
        assert_eq!(
            toks,
            vec![
                Token::Word("SELECT"),
                Token::Str("a'b\n".to_owned()),
                Token::Punct(','),
                Token::Str("x'y".to_owned()),
                Token::Punct(','),
                Token::Str("z".to_owned()),
                Token::Punct(';'),
            ]
        );
    }

    #[test]
    fn broken_input_is_an_error_not_a_panic() {
        for sql in ["'open", "\"open", "$a$ open", "/* open", "E'\\"] {
            assert!(tokenize(sql).is_err(), "{sql}");
        }
    }
}
