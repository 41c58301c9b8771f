//! Keeps secrets out of reports, logs and errors.

use std::borrow::Cow;

/// Replaces the literal after every `PASSWORD` keyword with `'***'`. It works on text that may be
/// cut short (an error snippet), so it does not need a complete statement.
pub fn redact_passwords(text: &str) -> String {
    redacted(text).into_owned()
}

/// [`redact_passwords`], borrowing `text` when there is nothing to hide in it.
pub fn redacted(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(kw) = find_keyword(bytes, search, b"password") {
        let after_kw = kw + b"password".len();
        search = after_kw;
        let rest = &text[after_kw..];
        let ws = rest.len() - rest.trim_start().len();
        let mut literal_start = after_kw + ws;
        if text[literal_start..].starts_with(['E', 'e'])
            && text[literal_start + 1..].starts_with('\'')
        {
            literal_start += 1;
        }
        if !text[literal_start..].starts_with('\'') {
            continue;
        }
        let literal_end = closing_quote(text, literal_start).unwrap_or(text.len());
        out.push_str(&text[copied..after_kw]);
        out.push_str(" '***'");
        copied = literal_end;
        search = literal_end;
    }
    if out.is_empty() {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The next whole-word, case-insensitive occurrence of `word` (lower-case ASCII) at or after `from`.
fn find_keyword(bytes: &[u8], from: usize, word: &[u8]) -> Option<usize> {
    let (lower, upper) = (word[0], word[0].to_ascii_uppercase());
    let mut i = from;
    while let Some(at) = memchr::memchr2(lower, upper, bytes.get(i..)?) {
        let start = i + at;
        let candidate = bytes.get(start..start + word.len())?;
        if candidate.eq_ignore_ascii_case(word) {
            let before_ok = start == 0 || !is_word_byte(bytes[start - 1]);
            let after_ok = bytes
                .get(start + word.len())
                .is_none_or(|&b| !is_word_byte(b));
            if before_ok && after_ok {
                return Some(start);
            }
        }
        i = start + 1;
    }
    None
}

/// The byte after the quote that closes the literal opened at `start`, if it is closed.
fn closing_quote(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'\'' if bytes.get(j + 1) == Some(&b'\'') => j += 2,
            b'\'' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::{redact_passwords, redacted};
    use std::borrow::Cow;

    #[test]
    fn text_without_a_password_is_borrowed() {
        let grant = "GRANT a TO b GRANTED BY postgres;";
        assert!(matches!(redacted(grant), Cow::Borrowed(text) if text == grant));
        assert!(matches!(
            redacted("ALTER ROLE passwords PASSWORD NULL; -- password"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            redacted("ALTER ROLE p WITH PASSWORD 'x' VALID UNTIL 'infinity';"),
            "ALTER ROLE p WITH PASSWORD '***' VALID UNTIL 'infinity';"
        );
    }

    #[test]
    fn hashes_and_clear_passwords_are_hidden() {
        assert_eq!(
            redact_passwords(
                "ALTER ROLE a WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:x' VALID UNTIL 'infinity';"
            ),
            "ALTER ROLE a WITH LOGIN PASSWORD '***' VALID UNTIL 'infinity';"
        );
        assert_eq!(
            redact_passwords("create role b encrypted password 'md5abc''d';"),
            "create role b encrypted password '***';"
        );
        assert_eq!(
            redact_passwords("ALTER ROLE a PASSWORD 'cut sh"),
            "ALTER ROLE a PASSWORD '***'"
        );
        assert_eq!(
            redact_passwords("ALTER ROLE a PASSWORD NULL;"),
            "ALTER ROLE a PASSWORD NULL;"
        );
        assert_eq!(
            redact_passwords("COMMENT ON ROLE password_keeper IS 'no secret';"),
            "COMMENT ON ROLE password_keeper IS 'no secret';"
        );
    }
}
