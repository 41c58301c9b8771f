//! Reads what psql and pg_restore write to standard error into entries.
//!
//! psql: `psql:FILE:LINE: ERROR:  message`, then `DETAIL:`, `HINT:`, `CONTEXT:`, `LINE n:`
//! and its caret line; its own complaints as `psql:FILE:LINE: error: ...` or
//! `psql:FILE:LINE: invalid command \x`; `psql: error: ...` when it cannot connect.
//! pg_restore 12 and later: `pg_restore: while PROCESSING TOC:`, `pg_restore: from TOC entry
//! N; ...`, `pg_restore: error: could not execute query: ERROR:  message`, `Command was: SQL`
//! (possibly several lines), and `pg_restore: warning: errors ignored on restore: N`; 11 and
//! older the same with `[archiver (db)]` and `WARNING: errors ignored on restore: N`.

use crate::dump::redact::redact_passwords;
use crate::findings::ObjectRef;
use regex::Regex;
use std::io::BufRead;
use std::sync::LazyLock;

/// Where an entry comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// psql, running `file` at `line` (`<stdin>` when read from standard input).
    Psql {
        /// The script.
        file: String,
        /// Its line.
        line: u64,
    },
    /// psql without a script position (`psql: error: ...`).
    PsqlClient,
    /// pg_restore, restoring the TOC entry when it said which.
    PgRestore {
        /// `2615 16385 SCHEMA app owner`.
        toc: Option<String>,
    },
}

/// One message and the lines that belong to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The 1-based log line where it starts (its TOC line, for pg_restore).
    pub line: u64,
    /// How many log lines it spans.
    pub span: u64,
    /// Who wrote it.
    pub origin: Origin,
    /// `ERROR`, `FATAL`, `PANIC`, `WARNING`, `NOTICE`, `INFO`, ...
    pub level: String,
    /// The primary message.
    pub message: String,
    /// `DETAIL:`.
    pub detail: Option<String>,
    /// `HINT:`.
    pub hint: Option<String>,
    /// `CONTEXT:` and the lines after it.
    pub context: Option<String>,
    /// The statement: pg_restore's `Command was:`, or psql's `LINE n:` excerpt.
    pub command: Option<String>,
}

impl Entry {
    /// ERROR, FATAL or PANIC: the statement did not run.
    pub fn is_error(&self) -> bool {
        matches!(self.level.as_str(), "ERROR" | "FATAL" | "PANIC")
    }

    /// What the entry is about, for a finding: the script position or the archive entry.
    pub fn object(&self) -> ObjectRef {
        match &self.origin {
            Origin::Psql { file, line } => ObjectRef::new("statement", format!("{file}:{line}")),
            Origin::PsqlClient => ObjectRef::new("connection", "psql"),
            Origin::PgRestore { toc: Some(toc) } => {
                // `218; 1259 16390 TABLE app orders owner`: the part after the OIDs.
                let described = toc
                    .split_once("; ")
                    .map_or(toc.as_str(), |(_, rest)| rest)
                    .splitn(3, ' ')
                    .nth(2)
                    .unwrap_or(toc);
                ObjectRef::new("archive entry", described)
            }
            Origin::PgRestore { toc: None } => ObjectRef::new("archive entry", "pg_restore"),
        }
    }

    /// The statement that failed (passwords redacted), or the message when none is known.
    pub fn statement_text(&self) -> String {
        let text = match (&self.command, &self.origin) {
            (Some(command), _) => command.clone(),
            (None, Origin::Psql { file, line }) => format!("(the statement at {file}:{line})"),
            (None, _) => format!("{}:  {}", self.level, self.message),
        };
        redact_passwords(&text)
    }
}

/// A log line that is not part of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty.
    Blank,
    /// pg_restore's `while PROCESSING TOC:` and TOC lines no error followed.
    Progress,
    /// `errors ignored on restore: N`.
    Summary,
    /// Nothing known (the line, passwords redacted).
    Unrecognized(String),
}

/// A parsed log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedLog {
    /// The messages, in order.
    pub entries: Vec<Entry>,
    /// Every other line, by line number.
    pub other: Vec<(u64, LineKind)>,
    /// Lines read.
    pub lines: u64,
    /// What pg_restore said it ignored.
    pub pg_restore_counted: Option<u64>,
}

const LEVELS: &str = "ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|LOG|DEBUG";

static PSQL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^psql:(.*):(\d+): ({LEVELS}):\s+(.*)$")).expect("valid regex")
});
static PSQL_OWN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^psql:(.*):(\d+): (?:error: )?(.*)$").expect("valid regex"));
static PSQL_CLIENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^psql: (?:error: )?(.*)$").expect("valid regex"));
static RESTORE_QUERY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^pg_restore: (?:error: |\[archiver \(db\)\] )?could not (?:execute query|set [a-z_]+ to .*?): ({LEVELS}):\s+(.*)$"
    ))
    .expect("valid regex")
});
static RESTORE_TOC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^pg_restore: (?:\[archiver \(db\)\] )?(?:[Ee]rror )?from TOC entry (.*)$")
        .expect("valid regex")
});
static RESTORE_PROCESSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^pg_restore: (?:\[archiver \(db\)\] )?(?:[Ee]rror )?while PROCESSING TOC:$")
        .expect("valid regex")
});
static RESTORE_IGNORED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:pg_restore: warning|WARNING): errors ignored on restore: (\d+)$")
        .expect("valid regex")
});
static RESTORE_SERVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^pg_restore: ({LEVELS}):\s+(.*)$")).expect("valid regex")
});
static RESTORE_PROGRESS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^pg_restore: [a-z]").expect("valid regex"));
static RESTORE_OTHER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^pg_restore: (?:(error|warning|fatal): |\[[^\]]+\] )(.*)$").expect("valid regex")
});
static RESTORE_DETAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^pg_restore: (detail|hint): (.*)$").expect("valid regex"));
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(DETAIL|HINT|CONTEXT|QUERY|STATEMENT|LINE \d+):\s*(.*)$").expect("valid regex")
});
static COMMAND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Command was: (.*)$").expect("valid regex"));
static CARET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*\^\s*$").expect("valid regex"));

/// Which multi-line field later unknown lines continue.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    None,
    Command,
    Context,
}

/// Reads a whole log. `Err` only when it cannot be read (I/O, not UTF-8 is read lossily).
pub fn parse_log(reader: impl BufRead) -> std::io::Result<ParsedLog> {
    let mut log = ParsedLog::default();
    let mut toc: Option<(u64, String)> = None;
    let mut open = Open::None;
    let mut buffer = Vec::new();
    let mut reader = reader;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        log.lines += 1;
        let n = log.lines;
        let text = String::from_utf8_lossy(&buffer);
        let line = text.trim_end_matches(['\n', '\r']);

        if let Some(c) = PSQL.captures(line) {
            let origin = Origin::Psql {
                file: c[1].to_owned(),
                line: c[2].parse().unwrap_or(0),
            };
            start(&mut log, &mut toc, n, origin, &c[3], &c[4]);
            open = Open::None;
        } else if let Some(c) = RESTORE_QUERY.captures(line) {
            let origin = Origin::PgRestore {
                toc: toc
                    .as_ref()
                    .filter(|(at, _)| at + 1 == n)
                    .map(|(_, t)| t.clone()),
            };
            start(&mut log, &mut toc, n, origin, &c[1], &c[2]);
            open = Open::None;
        } else if let Some(c) = RESTORE_IGNORED.captures(line) {
            log.pg_restore_counted = c[1].parse().ok();
            log.other.push((n, LineKind::Summary));
            open = Open::None;
        } else if RESTORE_PROCESSING.is_match(line) {
            log.other.push((n, LineKind::Progress));
            open = Open::None;
        } else if let Some(c) = RESTORE_TOC.captures(line) {
            if let Some((at, _)) = toc.replace((n, c[1].to_owned())) {
                log.other.push((at, LineKind::Progress));
            }
            open = Open::None;
        } else if let (Some(c), Some(entry)) =
            (RESTORE_DETAIL.captures(line), log.entries.last_mut())
        {
            let value = c[2].to_owned();
            entry.span += 1;
            match (&c[1], COMMAND.captures(&value)) {
                (_, Some(command)) => {
                    entry.command = Some(command[1].to_owned());
                    open = Open::Command;
                }
                ("hint", _) => entry.hint = Some(value),
                _ => entry.detail = Some(value),
            }
        } else if let Some(c) = RESTORE_SERVER.captures(line) {
            let origin = Origin::PgRestore {
                toc: toc
                    .as_ref()
                    .filter(|(at, _)| at + 1 == n)
                    .map(|(_, t)| t.clone()),
            };
            start(&mut log, &mut toc, n, origin, &c[1], &c[2]);
            open = Open::None;
        } else if let Some(c) = RESTORE_OTHER.captures(line) {
            let level = match c.get(1).map(|m| m.as_str()) {
                Some("warning") => "WARNING",
                _ => "ERROR",
            };
            let origin = Origin::PgRestore {
                toc: toc
                    .as_ref()
                    .filter(|(at, _)| at + 1 == n)
                    .map(|(_, t)| t.clone()),
            };
            start(&mut log, &mut toc, n, origin, level, &c[2]);
            open = Open::None;
        } else if RESTORE_PROGRESS.is_match(line) {
            // -v: "pg_restore: creating TABLE ...", "processing data for table ...".
            log.other.push((n, LineKind::Progress));
            open = Open::None;
        } else if let Some(c) = PSQL_OWN.captures(line) {
            let origin = Origin::Psql {
                file: c[1].to_owned(),
                line: c[2].parse().unwrap_or(0),
            };
            start(&mut log, &mut toc, n, origin, "ERROR", &c[3]);
            open = Open::None;
        } else if let Some(c) = PSQL_CLIENT.captures(line) {
            start(&mut log, &mut toc, n, Origin::PsqlClient, "ERROR", &c[1]);
            open = Open::None;
        } else if line.trim().is_empty() {
            log.other.push((n, LineKind::Blank));
            open = Open::None;
        } else if let Some(entry) = log.entries.last_mut().filter(|_| continues(line, open)) {
            entry.span += 1;
            open = attach(entry, line, open);
        } else {
            log.other
                .push((n, LineKind::Unrecognized(redact_passwords(line))));
        }
    }
    if let Some((at, _)) = toc {
        log.other.push((at, LineKind::Progress));
    }
    log.other.sort_by_key(|(line, _)| *line);
    Ok(log)
}

/// Starts an entry at line `n`; a pg_restore entry starts at the TOC line before it.
fn start(
    log: &mut ParsedLog,
    toc: &mut Option<(u64, String)>,
    n: u64,
    origin: Origin,
    level: &str,
    message: &str,
) {
    let (first, span) = match (&origin, toc.take()) {
        (Origin::PgRestore { .. }, Some((at, _))) if at + 1 == n => (at, 2),
        (_, Some((at, _))) => {
            log.other.push((at, LineKind::Progress));
            (n, 1)
        }
        (_, None) => (n, 1),
    };
    log.entries.push(Entry {
        line: first,
        span,
        origin,
        level: level.to_owned(),
        message: message.to_owned(),
        detail: None,
        hint: None,
        context: None,
        command: None,
    });
}

/// A line that belongs to the entry before it.
fn continues(line: &str, open: Open) -> bool {
    FIELD.is_match(line) || COMMAND.is_match(line) || CARET.is_match(line) || open != Open::None
}

fn attach(entry: &mut Entry, line: &str, open: Open) -> Open {
    if let Some(c) = COMMAND.captures(line) {
        entry.command = Some(c[1].to_owned());
        return Open::Command;
    }
    if let Some(c) = FIELD.captures(line) {
        let value = c[2].to_owned();
        match &c[1] {
            "DETAIL" => entry.detail = Some(value),
            "HINT" => entry.hint = Some(value),
            "CONTEXT" => {
                entry.context = Some(value);
                return Open::Context;
            }
            // psql's excerpt of the failing statement, when pg_restore gave none.
            field if field.starts_with("LINE") && entry.command.is_none() => {
                entry.command = Some(value)
            }
            _ => {}
        }
        return Open::None;
    }
    if CARET.is_match(line) {
        return open;
    }
    let field = match open {
        Open::Command => &mut entry.command,
        _ => &mut entry.context,
    };
    let text = field.get_or_insert_with(String::new);
    text.push('\n');
    text.push_str(line);
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedLog {
        parse_log(text.as_bytes()).unwrap()
    }

    fn accounted(log: &ParsedLog) -> u64 {
        log.entries.iter().map(|e| e.span).sum::<u64>() + log.other.len() as u64
    }

    #[test]
    fn psql_errors_with_detail_hint_and_line_excerpt() {
        let log = parse(
            "psql:roles.sql:12: ERROR:  role \"azure_pg_admin\" already exists\n\
             psql:roles.sql:14: ERROR:  permission denied to alter role\n\
             DETAIL:  Only roles with the SUPERUSER attribute may alter roles with the SUPERUSER attribute.\n\
             psql:dump.sql:40: ERROR:  syntax error at or near \"FOO\"\n\
             LINE 1: FOO BAR;\n\
             \x20       ^\n\
             psql:dump.sql:41: NOTICE:  extension \"plpgsql\" already exists, skipping\n",
        );
        assert_eq!(log.lines, 7);
        assert_eq!(accounted(&log), 7);
        assert_eq!(log.entries.len(), 4);
        assert_eq!(
            log.entries[0].origin,
            Origin::Psql {
                file: "roles.sql".into(),
                line: 12
            }
        );
        assert_eq!(
            log.entries[0].message,
            "role \"azure_pg_admin\" already exists"
        );
        assert!(log.entries[1]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("Only roles"));
        assert_eq!(log.entries[2].command.as_deref(), Some("FOO BAR;"));
        assert_eq!(log.entries[2].span, 3);
        assert!(!log.entries[3].is_error());
    }

    #[test]
    fn pg_restore_errors_with_toc_and_multi_line_commands() {
        let log = parse(
            "pg_restore: while PROCESSING TOC:\n\
             pg_restore: from TOC entry 5; 2615 16385 SCHEMA app app_owner\n\
             pg_restore: error: could not execute query: ERROR:  role \"app_owner\" does not exist\n\
             Command was: ALTER SCHEMA app OWNER TO app_owner;\n\
             \n\
             pg_restore: from TOC entry 210; 1255 16390 FUNCTION app.f() app_owner\n\
             pg_restore: error: could not execute query: ERROR:  language \"plperlu\" does not exist\n\
             Command was: CREATE FUNCTION app.f() RETURNS integer\n\
             \x20   LANGUAGE plperlu\n\
             \x20   AS $$ return 1; $$;\n\
             \n\
             pg_restore: warning: errors ignored on restore: 2\n",
        );
        assert_eq!(log.lines, 12);
        assert_eq!(accounted(&log), 12);
        assert_eq!(log.entries.len(), 2);
        assert_eq!(log.pg_restore_counted, Some(2));
        assert_eq!(log.entries[0].line, 2, "starts at its TOC line");
        assert_eq!(log.entries[0].object().name, "SCHEMA app app_owner");
        assert_eq!(
            log.entries[1].command.as_deref(),
            Some("CREATE FUNCTION app.f() RETURNS integer\n    LANGUAGE plperlu\n    AS $$ return 1; $$;")
        );
    }

    #[test]
    fn pg_restore_11_and_unknown_lines() {
        let log = parse(
            "pg_restore: [archiver (db)] Error while PROCESSING TOC:\n\
             pg_restore: [archiver (db)] Error from TOC entry 3; 2615 2200 SCHEMA public postgres\n\
             pg_restore: [archiver (db)] could not execute query: ERROR:  must be owner of schema public\n\
             \x20   Command was: COMMENT ON SCHEMA public IS 'standard public schema';\n\
             WARNING: errors ignored on restore: 1\n\
             something else entirely\n",
        );
        assert_eq!(accounted(&log), 6);
        assert_eq!(log.entries.len(), 1);
        assert_eq!(log.entries[0].message, "must be owner of schema public");
        assert_eq!(log.pg_restore_counted, Some(1));
        assert_eq!(
            log.other.last().unwrap(),
            &(6, LineKind::Unrecognized("something else entirely".into()))
        );
    }

    #[test]
    fn passwords_in_commands_are_redacted() {
        let log = parse(
            "pg_restore: error: could not execute query: ERROR:  permission denied\n\
             Command was: ALTER ROLE app PASSWORD 'SCRAM-SHA-256$4096:secret';\n",
        );
        let text = log.entries[0].statement_text();
        assert!(!text.contains("secret"), "{text}");
    }
}
