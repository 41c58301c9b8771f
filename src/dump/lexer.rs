//! A streaming lexer for the text pg_dump, pg_dumpall and psql scripts are made of.
//!
//! It reads from a [`BufRead`] line by line and holds at most one statement at a time, never the
//! whole file. It splits statements the way psql does: at a `;` outside quotes, comments and
//! parentheses; it knows standard and `E''` strings, quoted identifiers, dollar quoting (`$$`,
//! `$tag$`), nested `/* */` comments, psql meta-commands (a backslash outside quotes runs to the
//! end of its line: `\connect`, `\restrict`), SQL-standard function bodies (`BEGIN ATOMIC ...
//! END`, whose inner `;` do not end the statement, as in psql 14+), and `COPY ... FROM stdin`
//! data, which it skips and counts without keeping.
//!
//! COPY data is most of a large dump, so it has a fast path: whole buffers of complete lines are
//! counted at once and searched for the `\.` terminator with `memchr`, never split into lines.

use super::tokens::{
    block_comment_end, dollar_tag_len, is_ident_byte, quote_or_escape, tokenize, Token,
};
use std::collections::VecDeque;
use std::io::BufRead;
use thiserror::Error;

/// One piece of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// An SQL statement, from its first character through its `;`.
    Statement(Statement),
    /// A psql meta-command line such as `\restrict KEY`, without its newline.
    Meta {
        /// The line it is on.
        line: u64,
        /// The command and its arguments.
        text: String,
    },
    /// The data lines of a `COPY ... FROM stdin` statement, counted.
    CopyData {
        /// The first data line.
        line: u64,
        /// How many rows (lines before the `\.` terminator).
        rows: u64,
    },
    /// Comments (and the blank lines around them) between statements, verbatim.
    Trivia {
        /// The line where it starts.
        line: u64,
        /// The text, with its newlines.
        text: String,
    },
}

/// A complete SQL statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The 1-based line of its first character.
    pub line: u64,
    /// Its text, from the first significant character through the `;`.
    pub text: String,
}

/// Why a script could not be read.
#[derive(Debug, Error)]
pub enum LexError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{file}:{line}: not a UTF-8 text file ({detail})")]
    NotText {
        /// The file.
        file: String,
        /// Where the first offending byte is.
        line: u64,
        /// What was found.
        detail: String,
    },
    /// Something opened and never closed before the end of the file.
    #[error("{file}:{line}: {what} starting here is never closed (the file may be truncated): {snippet}")]
    Unterminated {
        /// The file.
        file: String,
        /// Where it was opened.
        line: u64,
        /// What it is (`quoted string`, `dollar-quoted string $fn$`, ...).
        what: String,
        /// The start of the statement, secrets redacted.
        snippet: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Normal,
    SingleQuote { escapes: bool },
    DoubleQuote,
    Dollar { tag: String },
    BlockComment { depth: u32 },
}

/// The streaming lexer; an iterator of [`Item`]s.
pub struct Lexer<R> {
    reader: R,
    file: String,
    line_buf: Vec<u8>,
    line_no: u64,
    state: State,
    /// Where the open quote or comment began, for errors.
    state_line: u64,
    stmt: String,
    stmt_line: u64,
    paren_depth: u32,
    trivia: String,
    trivia_line: u64,
    trivia_has_comment: bool,
    copy: Option<(u64, u64)>,
    /// The start of the `COPY` statement whose data is being read, for errors.
    copy_snippet: String,
    pending: VecDeque<Item>,
    finished: bool,
}

impl<R: BufRead> Lexer<R> {
    /// A lexer over `reader`; `file` names it in errors.
    pub fn new(reader: R, file: impl Into<String>) -> Self {
        Lexer {
            reader,
            file: file.into(),
            line_buf: Vec::with_capacity(4096),
            line_no: 0,
            state: State::Normal,
            state_line: 0,
            stmt: String::new(),
            stmt_line: 0,
            paren_depth: 0,
            trivia: String::new(),
            trivia_line: 1,
            trivia_has_comment: false,
            copy: None,
            copy_snippet: String::new(),
            pending: VecDeque::new(),
            finished: false,
        }
    }

    /// The name errors give the file.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Reads the next line into `line_buf`; false at end of file.
    fn read_line(&mut self) -> Result<bool, LexError> {
        self.line_buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.line_buf)
            .map_err(|source| LexError::Io {
                file: self.file.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        if self.line_no == 1 && self.line_buf.starts_with(b"PGDMP") {
            return Err(self.not_text("this is a pg_dump custom-format archive, not SQL text"));
        }
        if let Some(pos) = memchr::memchr(0, &self.line_buf) {
            return Err(self.not_text(&format!("NUL byte at column {}: binary data", pos + 1)));
        }
        Ok(true)
    }

    fn not_text(&self, detail: &str) -> LexError {
        LexError::NotText {
            file: self.file.clone(),
            line: self.line_no,
            detail: detail.to_owned(),
        }
    }

    /// Handles one line of COPY data; returns true when it was the terminator.
    fn copy_line(&mut self) -> bool {
        let line = trim_newline(&self.line_buf);
        let (start, rows) = self.copy.as_mut().expect("in COPY mode");
        if line == b"\\." {
            let item = Item::CopyData {
                line: *start,
                rows: *rows,
            };
            self.copy = None;
            self.pending.push_back(item);
            true
        } else {
            *rows += 1;
            false
        }
    }

    /// Skips the complete COPY data lines the reader has buffered, counting them, up to and
    /// including the `\.` terminator if it is among them. Returns false when the buffer holds
    /// no complete line (a line longer than the buffer, or the end of the file): the caller
    /// then reads one line the slow way.
    fn copy_fast(&mut self) -> Result<bool, LexError> {
        let buf = self.reader.fill_buf().map_err(|source| LexError::Io {
            file: self.file.clone(),
            source,
        })?;
        // Only complete lines: the terminator must be a whole line, and after this the lexer
        // is again at the start of a line.
        let Some(last_newline) = memchr::memrchr(b'\n', buf) else {
            return Ok(false);
        };
        let lines = &buf[..=last_newline];
        let terminator = find_copy_terminator(lines);
        let data = &lines[..terminator.map_or(lines.len(), |(start, _)| start)];
        if let Some(pos) = memchr::memchr(0, data) {
            let before = &data[..pos];
            let line = self.line_no + 1 + count_newlines(before);
            let column = pos - memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1) + 1;
            return Err(LexError::NotText {
                file: self.file.clone(),
                line,
                detail: format!("NUL byte at column {column}: binary data"),
            });
        }
        let rows = count_newlines(data);
        let consumed = terminator.map_or(lines.len(), |(start, len)| start + len);
        self.reader.consume(consumed);
        self.line_no += rows;
        let (start, counted) = self.copy.as_mut().expect("in COPY mode");
        *counted += rows;
        if terminator.is_some() {
            self.line_no += 1;
            let item = Item::CopyData {
                line: *start,
                rows: *counted,
            };
            self.copy = None;
            self.pending.push_back(item);
        }
        Ok(true)
    }

    fn flush_trivia(&mut self) {
        if self.trivia_has_comment {
            self.pending.push_back(Item::Trivia {
                line: self.trivia_line,
                text: std::mem::take(&mut self.trivia),
            });
        } else {
            self.trivia.clear();
        }
        self.trivia_has_comment = false;
        self.trivia_line = self.line_no;
    }

    fn push_trivia(&mut self, text: &str) {
        if self.trivia.is_empty() {
            self.trivia_line = self.line_no;
        }
        self.trivia.push_str(text);
    }

    fn finish_statement(&mut self) {
        // The next statement starts with room for a typical one, so it is allocated once.
        let text = std::mem::replace(&mut self.stmt, String::with_capacity(256));
        if is_copy_from_stdin(&text) {
            self.copy = Some((self.line_no + 1, 0));
            self.copy_snippet = snippet(&text);
        }
        self.pending.push_back(Item::Statement(Statement {
            line: self.stmt_line,
            text,
        }));
        self.paren_depth = 0;
    }

    /// Splits one line (already checked to be UTF-8) into items.
    fn lex_line(&mut self, line: &str) {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            i = match self.state.clone() {
                State::Normal if self.stmt.is_empty() => self.between_statements(line, i),
                State::Normal => self.in_statement(line, i),
                State::SingleQuote { escapes } => self.in_single_quote(line, i, escapes),
                State::DoubleQuote => self.in_double_quote(line, i),
                State::Dollar { tag } => self.in_dollar_quote(line, i, &tag),
                State::BlockComment { depth } => self.in_block_comment(line, i, depth),
            };
        }
    }

    /// Text that belongs to the statement being built, or to trivia when there is none.
    fn append(&mut self, text: &str) {
        if self.stmt.is_empty() {
            self.push_trivia(text);
        } else {
            self.stmt.push_str(text);
        }
    }

    fn between_statements(&mut self, line: &str, i: usize) -> usize {
        let bytes = line.as_bytes();
        let ws = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if ws > 0 {
            self.push_trivia(&line[i..i + ws]);
            return i + ws;
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"--") {
            self.push_trivia(&line[i..]);
            self.trivia_has_comment = true;
            return bytes.len();
        }
        if rest.starts_with(b"/*") {
            self.push_trivia("/*");
            self.trivia_has_comment = true;
            self.state = State::BlockComment { depth: 1 };
            self.state_line = self.line_no;
            return i + 2;
        }
        if rest[0] == b'\\' {
            self.flush_trivia();
            self.pending.push_back(Item::Meta {
                line: self.line_no,
                text: line[i..].trim_end().to_owned(),
            });
            return bytes.len();
        }
        self.flush_trivia();
        self.stmt_line = self.line_no;
        self.in_statement(line, i)
    }

    fn in_statement(&mut self, line: &str, i: usize) -> usize {
        let bytes = line.as_bytes();
        let special = bytes[i..]
            .iter()
            .position(|&b| STATEMENT_SPECIAL[usize::from(b)]);
        let Some(offset) = special else {
            self.stmt.push_str(&line[i..]);
            return bytes.len();
        };
        let at = i + offset;
        // The statement is not empty after this push unless `at == i` on its first byte; keep
        // a placeholder-free invariant by pushing the byte itself below.
        self.stmt.push_str(&line[i..at]);
        let rest = &bytes[at..];
        match rest[0] {
            b'\'' => {
                let escapes = self.stmt_ends_with_escape_prefix();
                self.stmt.push('\'');
                self.state = State::SingleQuote { escapes };
                self.state_line = self.line_no;
                at + 1
            }
            b'"' => {
                self.stmt.push('"');
                self.state = State::DoubleQuote;
                self.state_line = self.line_no;
                at + 1
            }
            b'$' => {
                let tag = if self.stmt_ends_in_identifier() {
                    None
                } else {
                    dollar_tag(&line[at..])
                };
                match tag {
                    Some(tag) => {
                        self.stmt.push_str(tag);
                        self.state = State::Dollar {
                            tag: tag.to_owned(),
                        };
                        self.state_line = self.line_no;
                        at + tag.len()
                    }
                    None => {
                        self.stmt.push('$');
                        at + 1
                    }
                }
            }
            b'-' if rest.starts_with(b"--") => {
                self.stmt.push_str(&line[at..]);
                bytes.len()
            }
            b'/' if rest.starts_with(b"/*") => {
                self.stmt.push_str("/*");
                self.state = State::BlockComment { depth: 1 };
                self.state_line = self.line_no;
                at + 2
            }
            b'(' => {
                self.paren_depth += 1;
                self.stmt.push('(');
                at + 1
            }
            b')' => {
                self.paren_depth = self.paren_depth.saturating_sub(1);
                self.stmt.push(')');
                at + 1
            }
            b';' if self.paren_depth == 0 && self.inside_sql_body() => {
                self.stmt.push(';');
                at + 1
            }
            b';' if self.paren_depth == 0 => {
                self.stmt.push(';');
                self.finish_statement();
                let after = &line[at + 1..];
                if after.trim().is_empty() {
                    bytes.len()
                } else {
                    at + 1
                }
            }
            b'\\' => {
                // psql runs a backslash command found inside a statement, and keeps the statement.
                self.pending.push_back(Item::Meta {
                    line: self.line_no,
                    text: line[at..].trim_end().to_owned(),
                });
                if !self.stmt.ends_with('\n') {
                    self.stmt.push('\n');
                }
                bytes.len()
            }
            other => {
                self.stmt.push(other as char);
                at + 1
            }
        }
    }

    /// True inside the `BEGIN ATOMIC ... END` body of a `CREATE [OR REPLACE] FUNCTION` or
    /// `PROCEDURE`, where a `;` does not end the statement. psql (14+) decides it the same way:
    /// it counts `BEGIN`, `CASE` (inside a `BEGIN`) and `END` words outside parentheses.
    fn inside_sql_body(&self) -> bool {
        if !starts_create_routine(&self.stmt) {
            return false;
        }
        let Ok(tokens) = tokenize(&self.stmt) else {
            return false;
        };
        let mut parens = 0u32;
        let mut depth = 0u32;
        for token in &tokens {
            match token {
                Token::Punct('(') => parens += 1,
                Token::Punct(')') => parens = parens.saturating_sub(1),
                Token::Word(w) if parens == 0 => {
                    // CASE ends with END too; it only matters inside a BEGIN.
                    let opens = w.eq_ignore_ascii_case("begin")
                        || (w.eq_ignore_ascii_case("case") && depth >= 1);
                    if opens {
                        depth += 1;
                    } else if w.eq_ignore_ascii_case("end") {
                        depth = depth.saturating_sub(1);
                    }
                }
                _ => {}
            }
        }
        depth > 0
    }

    /// True when the text before a `'` is an `E` or `e` prefix (an escape string).
    fn stmt_ends_with_escape_prefix(&self) -> bool {
        let b = self.stmt.as_bytes();
        match b.len() {
            0 => false,
            n if matches!(b[n - 1], b'E' | b'e') => n == 1 || !is_ident_byte(b[n - 2]),
            _ => false,
        }
    }

    /// True when a `$` here would continue an identifier (`a$b`) or a parameter (`$1`).
    fn stmt_ends_in_identifier(&self) -> bool {
        self.stmt
            .as_bytes()
            .last()
            .is_some_and(|&b| is_ident_byte(b))
    }

    fn in_single_quote(&mut self, line: &str, i: usize, escapes: bool) -> usize {
        let bytes = line.as_bytes();
        let mut j = i;
        while let Some(at) = quote_or_escape(&bytes[j.min(bytes.len())..], escapes) {
            let k = j + at;
            if bytes[k] == b'\\' || bytes.get(k + 1) == Some(&b'\'') {
                j = k + 2; // an escaped character or a doubled quote
                continue;
            }
            self.append(&line[i..=k]);
            self.state = State::Normal;
            return k + 1;
        }
        self.append(&line[i..]);
        bytes.len()
    }

    fn in_double_quote(&mut self, line: &str, i: usize) -> usize {
        let bytes = line.as_bytes();
        let mut j = i;
        while j < bytes.len() {
            if bytes[j] == b'"' {
                if bytes.get(j + 1) == Some(&b'"') {
                    j += 2;
                    continue;
                }
                self.append(&line[i..=j]);
                self.state = State::Normal;
                return j + 1;
            }
            j += 1;
        }
        self.append(&line[i..]);
        bytes.len()
    }

    fn in_dollar_quote(&mut self, line: &str, i: usize, tag: &str) -> usize {
        match line[i..].find(tag) {
            Some(offset) => {
                let end = i + offset + tag.len();
                self.append(&line[i..end]);
                self.state = State::Normal;
                end
            }
            None => {
                self.append(&line[i..]);
                line.len()
            }
        }
    }

    fn in_block_comment(&mut self, line: &str, i: usize, depth: u32) -> usize {
        match block_comment_end(line.as_bytes(), i, depth) {
            Ok(end) => {
                self.append(&line[i..end]);
                self.state = State::Normal;
                end
            }
            Err(depth) => {
                self.append(&line[i..]);
                self.state = State::BlockComment { depth };
                line.len()
            }
        }
    }

    /// What is still open at the end of the file, as an error.
    fn unterminated_at_eof(&mut self) -> Option<LexError> {
        let (what, line) = match &self.state {
            State::Normal if self.copy.is_some() => (
                "COPY data (no terminating \\. line)".to_owned(),
                self.copy.map(|(l, _)| l).unwrap_or(self.line_no),
            ),
            State::Normal if !self.stmt.trim().is_empty() => {
                ("statement (no terminating ';')".to_owned(), self.stmt_line)
            }
            State::Normal => return None,
            State::SingleQuote { .. } => ("quoted string".to_owned(), self.state_line),
            State::DoubleQuote => ("quoted identifier".to_owned(), self.state_line),
            State::Dollar { tag } => (format!("dollar-quoted string {tag}"), self.state_line),
            State::BlockComment { .. } => ("block comment".to_owned(), self.state_line),
        };
        let snippet = if self.copy.is_some() {
            self.copy_snippet.clone()
        } else if self.stmt.is_empty() {
            snippet(&self.trivia)
        } else {
            snippet(&self.stmt)
        };
        Some(LexError::Unterminated {
            file: self.file.clone(),
            line,
            what,
            snippet,
        })
    }

    fn advance(&mut self) -> Result<(), LexError> {
        while self.pending.is_empty() && !self.finished {
            if self.copy.is_some() && self.copy_fast()? {
                continue;
            }
            if !self.read_line()? {
                self.finished = true;
                if let Some(err) = self.unterminated_at_eof() {
                    return Err(err);
                }
                self.flush_trivia();
                break;
            }
            if self.copy.is_some() {
                self.copy_line();
                continue;
            }
            let buf = std::mem::take(&mut self.line_buf);
            let line = match std::str::from_utf8(&buf) {
                Ok(line) => line,
                Err(e) => {
                    let err = self.not_text(&format!(
                        "invalid UTF-8 at byte {} of the line; re-dump with --encoding=UTF8",
                        e.valid_up_to() + 1
                    ));
                    self.line_buf = buf;
                    return Err(err);
                }
            };
            self.lex_line(line);
            self.line_buf = buf;
        }
        Ok(())
    }
}

impl<R: BufRead> Iterator for Lexer<R> {
    type Item = Result<Item, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.advance() {
            self.pending.clear();
            self.finished = true;
            return Some(Err(e));
        }
        self.pending.pop_front().map(Ok)
    }
}

/// The bytes that end a stretch of plain statement text: quotes, `$`, the starts of comments,
/// `;`, parentheses and `\`.
const STATEMENT_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let specials = b"'\"$-/;()\\";
    let mut k = 0;
    while k < specials.len() {
        table[specials[k] as usize] = true;
        k += 1;
    }
    table
};

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Where the COPY terminator line (`\.`, alone on its line) starts in `lines`, which begins at
/// the start of a line and ends with a newline, and how long it is with its line end.
fn find_copy_terminator(lines: &[u8]) -> Option<(usize, usize)> {
    let at_line_start = |start: usize| -> Option<(usize, usize)> {
        let rest = &lines[start..];
        if rest.starts_with(b"\\.\n") {
            Some((start, 3))
        } else if rest.starts_with(b"\\.\r\n") {
            Some((start, 4))
        } else {
            None
        }
    };
    if let Some(found) = at_line_start(0) {
        return Some(found);
    }
    memchr::memmem::find_iter(lines, b"\n\\.").find_map(|nl| at_line_start(nl + 1))
}

/// The number of `\n` bytes in `bytes`: memchr's vectorized count (AVX2 where the processor
/// has it), several times faster than a loop the compiler vectorizes for the x86-64 baseline.
fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// True when `statement` starts `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, the statements psql
/// looks for `BEGIN ATOMIC` bodies in. A cheap look at the first words, so that other
/// statements (a roles script's many `CREATE ROLE`) are never tokenized for it.
fn starts_create_routine(statement: &str) -> bool {
    let mut words = statement.split_ascii_whitespace();
    if !words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("create"))
    {
        return false;
    }
    let is_routine = |w: &str| {
        let w = w.split('(').next().unwrap_or(w);
        w.eq_ignore_ascii_case("function") || w.eq_ignore_ascii_case("procedure")
    };
    match words.next() {
        Some(w) if w.eq_ignore_ascii_case("or") => {
            words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("replace"))
                && words.next().is_some_and(is_routine)
        }
        Some(w) => is_routine(w),
        None => false,
    }
}

/// The dollar-quote tag at the start of `text` (`$$` or `$name$`), if there is one.
fn dollar_tag(text: &str) -> Option<&str> {
    dollar_tag_len(text.as_bytes()).map(|len| &text[..len])
}

/// True for `COPY ... FROM stdin;`, after which psql reads data lines.
fn is_copy_from_stdin(statement: &str) -> bool {
    let head = statement.trim_start().as_bytes();
    if head.len() < 5 || !head[..5].eq_ignore_ascii_case(b"copy ") {
        return false;
    }
    let body = statement.trim_end().trim_end_matches(';').trim_end();
    let lower = body.to_ascii_lowercase();
    lower.ends_with("from stdin") || lower.contains(" from stdin ")
}

/// The first line of a statement, shortened, with passwords redacted, for error messages.
pub fn snippet(text: &str) -> String {
    let first = text.trim_start().lines().next().unwrap_or("");
    let redacted = super::redact::redact_passwords(first);
    let mut out: String = redacted.chars().take(80).collect();
    if redacted.chars().count() > 80 || text.trim().lines().count() > 1 {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(sql: &str) -> Vec<Item> {
        Lexer::new(sql.as_bytes(), "t.sql")
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    }

    fn statements(sql: &str) -> Vec<(u64, String)> {
        items(sql)
            .into_iter()
            .filter_map(|i| match i {
                Item::Statement(s) => Some((s.line, s.text)),
                _ => None,
            })
            .collect()
    }

    fn error(sql: &[u8]) -> String {
        Lexer::new(sql, "bad.sql")
            .find_map(|r| r.err())
            .expect("an error")
            .to_string()
    }

    #[test]
    fn splits_statements_with_their_lines() {
        let sql = "CREATE ROLE a;\nALTER ROLE a WITH LOGIN;\n\nSET x = 1; SET y = 2;\n";
        assert_eq!(
            statements(sql),
            vec![
                (1, "CREATE ROLE a;".to_owned()),
                (2, "ALTER ROLE a WITH LOGIN;".to_owned()),
                (4, "SET x = 1;".to_owned()),
                (4, "SET y = 2;".to_owned()),
            ]
        );
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_parens_do_not_split() {
        let sql = concat!(
            "COMMENT ON ROLE a IS 'x; y''s';\n",
            "CREATE ROLE \"we;ird\"\"q\";\n",
            "SELECT E'it\\'s; fine';\n",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $$ not end $$ $body$ LANGUAGE sql;\n",
            "SELECT 1 /* a; /* nested; */ still; */ ;\n",
            "CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2);\n",
            "SELECT 1 -- trailing; comment\n;\n",
        );
        let got = statements(sql);
        assert_eq!(got.len(), 7, "{got:#?}");
        assert_eq!(got[0].1, "COMMENT ON ROLE a IS 'x; y''s';");
        assert_eq!(got[2].1, "SELECT E'it\\'s; fine';");
        assert!(got[3].1.ends_with("$body$ LANGUAGE sql;"));
        assert_eq!(got[6], (7, "SELECT 1 -- trailing; comment\n;".to_owned()));
    }

    #[test]
    fn dollar_signs_in_identifiers_and_parameters_are_not_quotes() {
        let got = statements("SELECT a$b$c FROM t WHERE x = $1;\nSELECT 2;\n");
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn multi_line_strings_keep_their_start_line() {
        let got = statements("\n\nCOMMENT ON ROLE a IS 'line one\nline two';\n");
        assert_eq!(
            got,
            vec![(3, "COMMENT ON ROLE a IS 'line one\nline two';".to_owned())]
        );
    }

    #[test]
    fn meta_commands_and_trivia_are_items() {
        let sql = "\\restrict abc\n--\n-- Roles\n--\n\nCREATE ROLE a;\n\n\\unrestrict abc\n";
        assert_eq!(
            items(sql),
            vec![
                Item::Meta {
                    line: 1,
                    text: "\\restrict abc".to_owned()
                },
                Item::Trivia {
                    line: 2,
                    text: "--\n-- Roles\n--\n\n".to_owned()
                },
                Item::Statement(Statement {
                    line: 6,
                    text: "CREATE ROLE a;".to_owned()
                }),
                Item::Meta {
                    line: 8,
                    text: "\\unrestrict abc".to_owned()
                },
            ]
        );
    }

    #[test]
    fn copy_data_is_counted_not_parsed() {
        let sql = "COPY s.t (a, b) FROM stdin;\n1\t'x\n2\t$$\n\\.\nSELECT 1;\n";
        assert_eq!(
            items(sql),
            vec![
                Item::Statement(Statement {
                    line: 1,
                    text: "COPY s.t (a, b) FROM stdin;".to_owned()
                }),
                Item::CopyData { line: 2, rows: 2 },
                Item::Statement(Statement {
                    line: 5,
                    text: "SELECT 1;".to_owned()
                }),
            ]
        );
    }

    #[test]
    fn begin_atomic_bodies_keep_their_semicolons() {
        let sql = concat!(
            "CREATE FUNCTION app.n() RETURNS bigint\n    LANGUAGE sql STABLE\n    BEGIN ATOMIC\n",
            " SELECT count(*) AS count\n    FROM app.customers;\n",
            " SELECT CASE WHEN true THEN 1 END;\nEND;\n",
            "create or replace procedure p() begin atomic insert into t values (1); end;\n",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n",
            "CREATE TABLE begin (x int);\n",
            "SELECT 1;\n",
        );
        let got = statements(sql);
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(got[0]
            .1
            .ends_with("SELECT CASE WHEN true THEN 1 END;\nEND;"));
        assert_eq!(
            got[1].1,
            "create or replace procedure p() begin atomic insert into t values (1); end;"
        );
        assert_eq!(got[3], (10, "CREATE TABLE begin (x int);".to_owned()));
    }

    #[test]
    fn copy_data_fast_path_counts_whatever_the_buffer_size() {
        let mut sql = String::from("COPY t (a) FROM stdin;\n");
        for i in 0..500 {
            // Long lines, lines that start like the terminator, and CR LF endings.
            match i % 4 {
                0 => sql.push_str(&"x".repeat(100 + i)),
                1 => sql.push_str("\\.not the end"),
                2 => sql.push_str("\\\\."),
                _ => sql.push_str("short\r"),
            }
            sql.push('\n');
        }
        sql.push_str("\\.\r\nSELECT 1;\nCOPY u FROM stdin;\n\\.\n");
        for capacity in [1, 7, 64, 1000, 1 << 16] {
            let got = Lexer::new(
                std::io::BufReader::with_capacity(capacity, sql.as_bytes()),
                "t.sql",
            )
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
            assert_eq!(
                got[1],
                Item::CopyData { line: 2, rows: 500 },
                "capacity {capacity}"
            );
            assert_eq!(
                got[2],
                Item::Statement(Statement {
                    line: 503,
                    text: "SELECT 1;".to_owned()
                }),
                "capacity {capacity}"
            );
            assert_eq!(
                got[4],
                Item::CopyData { line: 505, rows: 0 },
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn copy_data_without_final_newline_and_nul_bytes() {
        assert_eq!(
            items("COPY t FROM stdin;\n1\n\\."),
            vec![
                Item::Statement(Statement {
                    line: 1,
                    text: "COPY t FROM stdin;".to_owned()
                }),
                Item::CopyData { line: 2, rows: 1 },
            ]
        );
        assert!(error(b"COPY t FROM stdin;\n1\nab\0c\n\\.\n")
            .starts_with("bad.sql:3: not a UTF-8 text file (NUL byte at column 3"));
    }

    #[test]
    fn newline_counting_agrees_with_a_plain_count() {
        let text: Vec<u8> = (0..40_000u32)
            .map(|i| if i % 7 == 0 { b'\n' } else { b'a' })
            .collect();
        for len in [0, 1, 31, 32, 33, 8160, 8161, 40_000] {
            let plain = text[..len].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(count_newlines(&text[..len]), plain, "{len}");
        }
    }

    #[test]
    fn unterminated_things_name_where_they_start() {
        assert_eq!(
            error(b"CREATE ROLE a;\nCOMMENT ON ROLE a IS 'open\nmore\n"),
            "bad.sql:2: quoted string starting here is never closed (the file may be truncated): COMMENT ON ROLE a IS 'open …"
        );
        assert!(error(b"SELECT $fn$ body\n").starts_with("bad.sql:1: dollar-quoted string $fn$"));
        assert!(error(b"\n/* never\n").starts_with("bad.sql:2: block comment"));
        assert!(error(b"CREATE ROLE \"x\n").starts_with("bad.sql:1: quoted identifier"));
        assert!(error(b"SELECT 1;\nALTER ROLE a WITH\n")
            .starts_with("bad.sql:2: statement (no terminating ';')"));
        assert!(error(b"COPY t FROM stdin;\n1\n").starts_with("bad.sql:2: COPY data"));
    }

    #[test]
    fn binary_input_is_refused_with_its_line() {
        assert!(
            error(b"SELECT 1;\nab\0cd\n").starts_with("bad.sql:2: not a UTF-8 text file (NUL byte")
        );
        assert!(error(b"SELECT 1;\n\xff\xfe;\n")
            .starts_with("bad.sql:2: not a UTF-8 text file (invalid UTF-8"));
        assert!(error(b"PGDMP\x01\x0e\x00").contains("custom-format archive"));
    }

    #[test]
    fn passwords_never_reach_error_messages() {
        let msg = error(b"ALTER ROLE a WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:secret'\n");
        assert!(!msg.contains("secret"), "{msg}");
    }
}
