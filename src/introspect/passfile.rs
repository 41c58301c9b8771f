//! The password file, as libpq reads it (`PGPASSFILE`, else `~/.pgpass`): lines of
//! `host:port:database:user:password`, where a field that is exactly `*` matches anything, `\:`
//! and `\\` stand for `:` and `\`, and lines starting with `#` are comments. The first matching
//! line wins. On Unix a file that the group or others may access is ignored, as libpq does.
//!
//! Host matching follows libpq: the `host` parameter if given, else `hostaddr`, else `localhost`;
//! a connection through the default socket directory also looks for `localhost`
//! (<https://www.postgresql.org/docs/current/libpq-pgpass.html>).

use std::path::Path;

/// A password file that may be used.
#[derive(Debug)]
pub(crate) struct PassFile {
    text: String,
}

/// Why a password file was not read; a missing file is not one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Skipped {
    /// Group or other permission bits are set.
    TooOpen {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a regular file, or unreadable.
    Unreadable {
        /// The file.
        path: String,
    },
}

impl Skipped {
    /// A hint to add to an authentication failure.
    pub(crate) fn hint(&self) -> String {
        match self {
            Skipped::TooOpen { path, mode } => format!(
                "password file {path} was ignored: its permissions {mode:04o} let others read it \
                 (chmod 0600 {path})"
            ),
            Skipped::Unreadable { path } => format!("password file {path} could not be read"),
        }
    }
}

/// What looking at the password file found.
#[derive(Debug)]
pub(crate) enum Loaded {
    /// No such file: nothing to say.
    Missing,
    /// A file to look passwords up in.
    File(PassFile),
    /// A file that was not used, and why.
    Skipped(Skipped),
}

/// Reads `path` if libpq would.
pub(crate) fn load(path: &Path) -> Loaded {
    let shown = path.display().to_string();
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(_) => return Loaded::Skipped(Skipped::Unreadable { path: shown }),
    };
    if !metadata.is_file() {
        return Loaded::Skipped(Skipped::Unreadable { path: shown });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Loaded::Skipped(Skipped::TooOpen { path: shown, mode });
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => Loaded::File(PassFile {
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }),
        Err(_) => Loaded::Skipped(Skipped::Unreadable { path: shown }),
    }
}

impl PassFile {
    /// A password file with this content.
    #[cfg(test)]
    pub(crate) fn from_text(text: &str) -> PassFile {
        PassFile {
            text: text.to_owned(),
        }
    }

    /// The password of the first line matching the four values.
    pub(crate) fn lookup(
        &self,
        host: &str,
        port: &str,
        dbname: &str,
        user: &str,
    ) -> Option<String> {
        self.text.lines().find_map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.starts_with('#') {
                return None;
            }
            let rest = [host, port, dbname, user]
                .iter()
                .try_fold(line, |rest, value| match_field(rest, value))?;
            Some(unescape_password(rest))
        })
    }
}

/// Matches the first field of `line` against `value`; returns what follows its `:`.
fn match_field<'a>(line: &'a str, value: &str) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut field = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => field.extend(chars.next().map(|(_, c)| c)),
            ':' => return (field == value).then_some(&line[i + 1..]),
            c => field.push(c),
        }
    }
    None
}

/// The password field ends at an unescaped `:` or the end of the line.
fn unescape_password(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            ':' => break,
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# host:port:db:user:password
db.example.com:5432:app:alice:first
*:5432:*:alice:second
weird\\:host:*:*:bob:pa\\:ss\\\\word:ignored
/tmp/sock:6000:*:carol:socket
localhost:*:*:*:local
";

    #[test]
    fn first_matching_line_wins() {
        let file = PassFile::from_text(FILE);
        assert_eq!(
            file.lookup("db.example.com", "5432", "app", "alice")
                .as_deref(),
            Some("first")
        );
        assert_eq!(
            file.lookup("db.example.com", "5432", "other", "alice")
                .as_deref(),
            Some("second")
        );
        assert_eq!(
            file.lookup("elsewhere", "5433", "app", "alice").as_deref(),
            None
        );
    }

    #[test]
    fn escapes_in_fields_and_password() {
        let file = PassFile::from_text(FILE);
        assert_eq!(
            file.lookup("weird:host", "1", "d", "bob").as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(file.lookup("weird\\:host", "1", "d", "bob"), None);
    }

    #[test]
    fn a_star_must_be_the_whole_field() {
        let file = PassFile::from_text("db*:5432:*:u:pw\n");
        assert_eq!(file.lookup("db1", "5432", "d", "u"), None);
        assert_eq!(file.lookup("db*", "5432", "d", "u").as_deref(), Some("pw"));
    }

    #[test]
    fn comments_and_short_lines_never_match() {
        let file = PassFile::from_text("#*:*:*:*:commented\n*:*:*\n*:*:*:*:last\r\n");
        assert_eq!(file.lookup("h", "1", "d", "u").as_deref(), Some("last"));
    }

    #[test]
    fn socket_paths_match_literally() {
        let file = PassFile::from_text(FILE);
        assert_eq!(
            file.lookup("/tmp/sock", "6000", "d", "carol").as_deref(),
            Some("socket")
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_others_may_read_are_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        for (mode, used) in [(0o600, true), (0o400, true), (0o640, false), (0o604, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match load(&path) {
                Loaded::File(file) => {
                    assert!(used, "mode {mode:o} must be ignored");
                    assert_eq!(file.lookup("h", "1", "d", "u").as_deref(), Some("pw"));
                }
                Loaded::Skipped(Skipped::TooOpen { mode: seen, .. }) => {
                    assert!(!used, "mode {mode:o} must be used");
                    assert_eq!(seen, mode);
                }
                other => panic!("mode {mode:o}: {other:?}"),
            }
        }
        assert!(matches!(load(&dir.path().join("none")), Loaded::Missing));
        assert!(matches!(
            load(dir.path()),
            Loaded::Skipped(Skipped::Unreadable { .. })
        ));
    }
}
