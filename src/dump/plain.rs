//! A plain-format pg_dump file (`pg_dump`, `pg_dump -s`, `--inserts`, `-C`) read as a stream of
//! [`DumpEntry`] values.
//!
//! pg_dump writes a header comment before every object:
//!
//! ```text
//! --
//! -- Name: orders; Type: TABLE; Schema: app; Owner: app_owner
//! --
//! ```
//!
//! (`-- Data for Name: ...` before data). The statements after a header belong to its entry
//! until the next header; those before the first header (`SET`, `set_config`, `\restrict`) are
//! the preamble. `COPY` rows are counted by the lexer and never kept; the rows of `--inserts`
//! statements are counted here and the statements dropped, and so are large-object writes, so
//! memory stays bounded by the largest single statement whatever the size of the file.

use super::entry::DumpEntry;
use super::lexer::{Item, LexError, Lexer, Statement};
use super::tokens::{tokenize, Token};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use thiserror::Error;

/// How much of the file one read takes: large enough for the COPY fast path to count whole
/// buffers of rows at once, small enough to stay in the processor's cache.
const READ_BUFFER: usize = 256 * 1024;

/// The comment pg_dump starts a plain dump with.
const DUMP_START: &str = "-- PostgreSQL database dump";
/// The comment pg_dump ends a plain dump with.
const DUMP_END: &str = "-- PostgreSQL database dump complete";
/// The comment pg_dumpall starts its file with.
const CLUSTER_START: &str = "-- PostgreSQL database cluster dump";

/// Why a file could not be read as a plain pg_dump dump.
#[derive(Debug, Error)]
pub enum PlainError {
    /// The text could not be read or split (I/O, binary data, something left open).
    #[error(transparent)]
    Lex(#[from] LexError),
    /// The text is not what pg_dump writes.
    #[error("{file}:{line}: {reason}")]
    NotADump {
        /// The file.
        file: String,
        /// Where the problem is.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// What the dump's opening comments say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DumpHeader {
    /// `-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)`: `15.18 (...)`.
    pub server_version: Option<String>,
    /// `-- Dumped by pg_dump version 15.18 ...`: `15.18 ...`.
    pub pg_dump_version: Option<String>,
}

impl DumpHeader {
    /// The major version of the server the dump was taken from (`15`; `9` for 9.6).
    pub fn server_major(&self) -> Option<u32> {
        major_of(self.server_version.as_deref()?)
    }

    /// The major version of the pg_dump that wrote the dump.
    pub fn pg_dump_major(&self) -> Option<u32> {
        major_of(self.pg_dump_version.as_deref()?)
    }
}

/// The major version at the start of a version string (`15.18 (Debian ...)` is 15).
pub(crate) fn major_of(version: &str) -> Option<u32> {
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A plain-format dump, read entry by entry: an iterator of [`DumpEntry`] results. After an
/// error it ends.
pub struct PlainDump<R> {
    lexer: Lexer<R>,
    file: String,
    header: DumpHeader,
    preamble: Vec<Statement>,
    started: bool,
    /// The entry statements go to.
    building: Option<DumpEntry>,
    /// Entries complete and not yet handed out.
    ready: VecDeque<DumpEntry>,
    /// The line of the closing comment, once seen.
    complete_at: Option<u64>,
    last_line: u64,
    done: bool,
}

impl PlainDump<BufReader<File>> {
    /// Opens a dump file; see [`PlainDump::new`].
    pub fn open(path: &Path) -> Result<Self, PlainError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| LexError::Io {
            file: name.clone(),
            source,
        })?;
        PlainDump::new(BufReader::with_capacity(READ_BUFFER, file), name)
    }
}

impl<R: BufRead> PlainDump<R> {
    /// Reads the dump's opening comments and preamble, up to its first entry. A text that does
    /// not start like a pg_dump plain dump (no `-- PostgreSQL database dump` comment before its
    /// first statement, a pg_dumpall file, binary data) is an error naming the file and line.
    pub fn new(reader: R, file: impl Into<String>) -> Result<Self, PlainError> {
        let file = file.into();
        let mut dump = PlainDump {
            lexer: Lexer::new(reader, file.clone()),
            file,
            header: DumpHeader::default(),
            preamble: Vec::new(),
            started: false,
            building: None,
            ready: VecDeque::new(),
            complete_at: None,
            last_line: 1,
            done: false,
        };
        while dump.building.is_none() && dump.ready.is_empty() {
            if !dump.read_item()? {
                let reason = if dump.started {
                    "the dump ends before its first object: the file is truncated".to_owned()
                } else {
                    format!("no `{DUMP_START}` comment: not a pg_dump plain-format dump")
                };
                return Err(dump.not_a_dump(dump.last_line, reason));
            }
        }
        Ok(dump)
    }

    /// What the dump's opening comments say.
    pub fn header(&self) -> &DumpHeader {
        &self.header
    }

    /// The statements before the first entry (`SET`, `SELECT pg_catalog.set_config(...)`).
    pub fn preamble(&self) -> &[Statement] {
        &self.preamble
    }

    fn not_a_dump(&self, line: u64, reason: impl Into<String>) -> PlainError {
        PlainError::NotADump {
            file: self.file.clone(),
            line,
            reason: reason.into(),
        }
    }

    /// Reads one item of the script; false at the end of the file.
    fn read_item(&mut self) -> Result<bool, PlainError> {
        let item = match self.lexer.next() {
            None => return Ok(false),
            Some(Ok(item)) => item,
            // Text that never even started like a dump: say that rather than what is open.
            Some(Err(LexError::Unterminated { .. })) if !self.started => {
                return Err(self.not_a_dump(
                    self.last_line,
                    format!("no `{DUMP_START}` comment: not a pg_dump plain-format dump"),
                ))
            }
            Some(Err(e)) => return Err(e.into()),
        };
        match item {
            Item::Trivia { line, text } => {
                self.last_line = line;
                for (offset, comment) in text.lines().enumerate() {
                    // Not trimmed: a header ends `Owner: ` when the entry has no owner.
                    let comment = comment.strip_suffix('\r').unwrap_or(comment);
                    self.comment_line(line + offset as u64, comment)?;
                }
            }
            Item::Statement(statement) => {
                self.last_line = statement.line;
                if !self.started {
                    return Err(self.not_a_dump(
                        statement.line,
                        format!("a statement before the `{DUMP_START}` comment: not a pg_dump plain-format dump"),
                    ));
                }
                if let Some(at) = self.complete_at {
                    return Err(self.not_a_dump(
                        statement.line,
                        format!("a statement after the `{DUMP_END}` comment of line {at}: a pg_dumpall file? Give a dump of one database made by pg_dump"),
                    ));
                }
                match self.building.as_mut() {
                    Some(entry) => add_statement(entry, statement.text),
                    None => self.preamble.push(statement),
                }
            }
            Item::CopyData { line, rows } => {
                self.last_line = line;
                match self.building.as_mut() {
                    Some(entry) => entry.rows = Some(entry.rows.unwrap_or(0) + rows),
                    None => return Err(self.not_a_dump(line, "COPY data before the first object")),
                }
            }
            Item::Meta { line, text } => {
                // `\connect` (after CREATE DATABASE), `\restrict`, `\unrestrict`: psql's, not
                // the objects'.
                self.last_line = line;
                if !self.started {
                    return Err(self.not_a_dump(
                        line,
                        format!("`{text}` before the `{DUMP_START}` comment: not a pg_dump plain-format dump"),
                    ));
                }
            }
        }
        Ok(true)
    }

    /// Handles one line of a comment block: the dump's own comments and object headers.
    fn comment_line(&mut self, at: u64, comment: &str) -> Result<(), PlainError> {
        if comment == CLUSTER_START {
            return Err(self.not_a_dump(at, "a pg_dumpall file (it holds several databases): give a dump of one database made by pg_dump"));
        }
        if comment == DUMP_START {
            if self.started {
                return Err(self.not_a_dump(at, "a second database dump starts here: a pg_dumpall file? Give a dump of one database made by pg_dump"));
            }
            self.started = true;
        } else if comment == DUMP_END {
            self.complete_at = Some(at);
        } else if let Some(version) = comment.strip_prefix("-- Dumped from database version ") {
            self.header.server_version = Some(version.to_owned());
        } else if let Some(version) = comment.strip_prefix("-- Dumped by pg_dump version ") {
            self.header.pg_dump_version = Some(version.to_owned());
        } else if let Some(entry) = parse_header(comment, at) {
            if !self.started {
                return Err(self.not_a_dump(at, format!("an object header before the `{DUMP_START}` comment: not a pg_dump plain-format dump")));
            }
            if let Some(end) = self.complete_at {
                return Err(self.not_a_dump(at, format!("an object after the `{DUMP_END}` comment of line {end}: a pg_dumpall file? Give a dump of one database made by pg_dump")));
            }
            if let Some(done) = self.building.replace(entry) {
                self.ready.push_back(done);
            }
        }
        Ok(())
    }

    fn next_entry(&mut self) -> Result<Option<DumpEntry>, PlainError> {
        while self.ready.is_empty() {
            if !self.read_item()? {
                if self.complete_at.is_none() {
                    return Err(self.not_a_dump(
                        self.last_line,
                        format!("the dump ends without pg_dump's closing `{DUMP_END}` comment: the file is truncated"),
                    ));
                }
                return Ok(self.building.take());
            }
        }
        Ok(self.ready.pop_front())
    }
}

impl<R: BufRead> Iterator for PlainDump<R> {
    type Item = Result<DumpEntry, PlainError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Parses `-- Name: X; Type: T; Schema: S; Owner: O[; Tablespace: TS]` (or `-- Data for
/// Name: ...`) into an entry without SQL. The name comes first and may hold anything, so the
/// fields after it are found from the `; Type: ` that follows it and from the right.
fn parse_header(comment: &str, line: u64) -> Option<DumpEntry> {
    let rest = comment
        .strip_prefix("-- Name: ")
        .or_else(|| comment.strip_prefix("-- Data for Name: "))?;
    let type_at = rest.find("; Type: ")?;
    let tag = &rest[..type_at];
    let after_type = &rest[type_at + "; Type: ".len()..];
    let schema_at = after_type.find("; Schema: ")?;
    let desc = &after_type[..schema_at];
    let after_schema = &after_type[schema_at + "; Schema: ".len()..];
    let owner_at = after_schema.rfind("; Owner:")?;
    let namespace = &after_schema[..owner_at];
    let owner = &after_schema[owner_at + "; Owner:".len()..];
    let mut owner = owner.strip_prefix(' ').unwrap_or(owner);
    if let Some(tablespace_at) = owner.rfind("; Tablespace: ") {
        owner = &owner[..tablespace_at];
    }
    let field = |value: &str| (!value.is_empty() && value != "-").then(|| value.to_owned());
    Some(DumpEntry {
        desc: desc.to_owned(),
        tag: tag.to_owned(),
        namespace: field(namespace),
        owner: field(owner),
        sql: String::new(),
        position: line,
        // A plain dump counts every data entry's rows, so an entry without any has none.
        rows: (desc == "TABLE DATA").then_some(0),
    })
}

/// Adds a statement to an entry, unless it is data: the rows of an `INSERT` are counted and the
/// statement dropped; large-object writes are dropped.
fn add_statement(entry: &mut DumpEntry, text: String) {
    match entry.desc.as_str() {
        "TABLE DATA" if starts_with_word(&text, "INSERT") => {
            entry.rows = Some(entry.rows.unwrap_or(0) + insert_rows(&text));
            return;
        }
        "BLOBS" | "LARGE OBJECTS" => return,
        _ => {}
    }
    if !entry.sql.is_empty() {
        entry.sql.push('\n');
    }
    entry.sql.push_str(&text);
}

fn starts_with_word(text: &str, word: &str) -> bool {
    let head = text.trim_start().as_bytes();
    head.len() > word.len()
        && head[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        && !head[word.len()].is_ascii_alphanumeric()
}

/// The rows of an `INSERT ... VALUES (...), (...)` statement: the parenthesized groups after
/// `VALUES`, outside any parentheses.
fn insert_rows(statement: &str) -> u64 {
    let Ok(tokens) = tokenize(statement) else {
        return 1;
    };
    let mut depth = 0u32;
    let mut after_values = false;
    let mut rows = 0;
    for token in &tokens {
        match token {
            Token::Word(w) if depth == 0 && w.eq_ignore_ascii_case("values") => after_values = true,
            Token::Punct('(') => {
                if depth == 0 && after_values {
                    rows += 1;
                }
                depth += 1;
            }
            Token::Punct(')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Result<Vec<DumpEntry>, PlainError> {
        PlainDump::new(text.as_bytes(), "d.sql")?.collect()
    }

    const HEAD: &str = "--\n-- PostgreSQL database dump\n--\n\n\\restrict k\n\n-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n-- Dumped by pg_dump version 15.18\n\nSET x = 1;\n\n";
    const TAIL: &str = "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict k\n";

    #[test]
    fn headers_split_entries_and_copy_rows_are_counted() {
        let text = format!(
            "{HEAD}--\n-- Name: Sales Data; Type: SCHEMA; Schema: -; Owner: App User\n--\n\nCREATE SCHEMA \"Sales Data\";\n\n\nALTER SCHEMA \"Sales Data\" OWNER TO \"App User\";\n\nSET default_tablespace = '';\n\n--\n-- Data for Name: t; Type: TABLE DATA; Schema: Sales Data; Owner: -; Tablespace: fast\n--\n\nCOPY \"Sales Data\".t (a) FROM stdin;\n1\n2\n\\.\n\n\n{TAIL}"
        );
        let dump = PlainDump::new(text.as_bytes(), "d.sql").unwrap();
        assert_eq!(dump.header().server_major(), Some(15));
        assert_eq!(dump.header().pg_dump_major(), Some(15));
        assert_eq!(dump.preamble().len(), 1);
        let got: Vec<DumpEntry> = dump.collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].desc, "SCHEMA");
        assert_eq!(got[0].tag, "Sales Data");
        assert_eq!(got[0].namespace, None);
        assert_eq!(got[0].owner.as_deref(), Some("App User"));
        assert_eq!(got[0].position, 13);
        assert_eq!(
            got[0].sql,
            "CREATE SCHEMA \"Sales Data\";\nALTER SCHEMA \"Sales Data\" OWNER TO \"App User\";\nSET default_tablespace = '';"
        );
        assert_eq!(got[1].desc, "TABLE DATA");
        assert_eq!(got[1].namespace.as_deref(), Some("Sales Data"));
        assert_eq!(got[1].owner, None);
        assert_eq!(got[1].rows, Some(2));
        assert_eq!(got[1].sql, "COPY \"Sales Data\".t (a) FROM stdin;");
    }

    #[test]
    fn insert_rows_are_counted_and_not_kept() {
        let text = format!(
            "{HEAD}--\n-- Data for Name: t; Type: TABLE DATA; Schema: app; Owner: o\n--\n\nINSERT INTO app.t VALUES (1, '(x), (y)'), (2, f(3));\nINSERT INTO app.t (a, b) OVERRIDING SYSTEM VALUE VALUES (3, NULL);\n\n--\n-- Data for Name: e; Type: TABLE DATA; Schema: app; Owner: o\n--\n\n{TAIL}"
        );
        let got = entries(&text).unwrap();
        assert_eq!(got[0].rows, Some(3));
        assert_eq!(got[0].sql, "");
        assert_eq!(got[1].rows, Some(0));
    }

    #[test]
    fn headers_in_one_comment_block_are_entries_without_sql() {
        let text = format!(
            "{HEAD}--\n-- Name: a; Type: SCHEMA; Schema: -; Owner: o\n--\n-- Name: b; Type: SCHEMA; Schema: -; Owner: o\n--\n\nCREATE SCHEMA b;\n\n{TAIL}"
        );
        let got = entries(&text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].tag.as_str(), got[0].sql.as_str()), ("a", ""));
        assert_eq!(
            (got[1].tag.as_str(), got[1].sql.as_str()),
            ("b", "CREATE SCHEMA b;")
        );
    }

    #[test]
    fn what_is_not_a_pg_dump_file_is_refused_with_its_line() {
        let err = |text: &str| match PlainDump::new(text.as_bytes(), "x.sql") {
            Err(e) => e.to_string(),
            Ok(dump) => dump
                .collect::<Result<Vec<_>, _>>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
        };
        assert!(err("SELECT 1;\n")
            .starts_with("x.sql:1: a statement before the `-- PostgreSQL database dump` comment"));
        assert!(err("").starts_with("x.sql:1: no `-- PostgreSQL database dump` comment"));
        assert!(err("--\n-- PostgreSQL database cluster dump\n--\n")
            .starts_with("x.sql:2: a pg_dumpall file"));
        let two = format!("{HEAD}--\n-- Name: a; Type: SCHEMA; Schema: -; Owner: o\n--\n\nCREATE SCHEMA a;\n\n{TAIL}\\connect other\n--\n-- PostgreSQL database dump\n--\n");
        assert!(
            err(&two).contains(":25: a second database dump starts here"),
            "{}",
            err(&two)
        );
        let truncated = format!(
            "{HEAD}--\n-- Name: a; Type: SCHEMA; Schema: -; Owner: o\n--\n\nCREATE SCHEMA a;\n"
        );
        assert!(
            err(&truncated).contains("x.sql:16: the dump ends without pg_dump's closing"),
            "{}",
            err(&truncated)
        );
        let mid_copy = format!("{HEAD}--\n-- Data for Name: t; Type: TABLE DATA; Schema: app; Owner: o\n--\n\nCOPY app.t FROM stdin;\n1\n");
        assert!(
            err(&mid_copy).starts_with("x.sql:17: COPY data (no terminating \\. line)"),
            "{}",
            err(&mid_copy)
        );
        assert!(err("\u{0}PGDMP").contains("x.sql:1: not a UTF-8 text file"));
    }

    #[test]
    fn header_fields_are_found_around_odd_names() {
        let e = parse_header(
            "-- Name: a; b; Type: TABLE; Schema: s; Owner: x; Owner: o; Tablespace: t",
            3,
        )
        .unwrap();
        assert_eq!(e.tag, "a; b");
        assert_eq!(e.desc, "TABLE");
        assert_eq!(e.namespace.as_deref(), Some("s; Owner: x"));
        assert_eq!(e.owner.as_deref(), Some("o"));
        assert_eq!(e.position, 3);
        assert!(parse_header("-- Name: only a name", 1).is_none());
        let e = parse_header(
            "-- Name: EXTENSION citext; Type: COMMENT; Schema: -; Owner: ",
            1,
        )
        .unwrap();
        assert_eq!((e.desc.as_str(), e.owner), ("COMMENT", None));
        let e = parse_header("-- Name: x; Type: TABLE; Schema: s; Owner:  spaced", 1).unwrap();
        assert_eq!(e.owner.as_deref(), Some(" spaced"));
    }

    #[test]
    fn a_header_without_an_owner_starts_its_own_entry() {
        let text = format!(
            "{HEAD}--\n-- Name: citext; Type: EXTENSION; Schema: -; Owner: -\n--\n\nCREATE EXTENSION citext;\n\n--\n-- Name: EXTENSION citext; Type: COMMENT; Schema: -; Owner: \n--\n\nCOMMENT ON EXTENSION citext IS 'x';\n\n{TAIL}"
        );
        let got = entries(&text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].desc, "COMMENT");
        assert_eq!(got[1].sql, "COMMENT ON EXTENSION citext IS 'x';");
    }
}
