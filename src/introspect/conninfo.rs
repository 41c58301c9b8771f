//! The two spellings of a libpq connection string, read into keyword/value pairs and nothing
//! more: what the keywords mean is `conn.rs`'s business.
//!
//! - `key=value` pairs separated by whitespace; a value may be single-quoted, and inside or outside
//!   quotes a backslash takes the next character literally (`password='it\'s'`).
//! - A URI, `postgresql://[user[:password]@][host[:port][,...]][/dbname][?key=value&...]`, whose
//!   parts are percent-decoded (`%2Fvar%2Frun%2Fpostgresql` is a socket directory) and whose IPv6
//!   hosts are bracketed (`[::1]:5432`).
//!
//! Both follow libpq's `conninfo_parse` and `conninfo_uri_parse` (PostgreSQL 17,
//! `src/interfaces/libpq/fe-connect.c`). Errors never quote text that may be a password.

use super::conn::ConnError;

/// Keyword/value pairs in the order written; a later pair overrides an earlier one.
pub(crate) type Pairs = Vec<(String, String)>;

/// Reads either spelling.
pub(crate) fn parse(conninfo: &str) -> Result<Pairs, ConnError> {
    match uri_rest(conninfo) {
        Some(rest) => parse_uri(rest),
        None => parse_pairs(conninfo),
    }
}

/// What follows the scheme, when `conninfo` is a URI.
fn uri_rest(conninfo: &str) -> Option<&str> {
    let trimmed = conninfo.trim_start();
    ["postgresql://", "postgres://"]
        .iter()
        .find_map(|scheme| trimmed.strip_prefix(scheme))
}

fn invalid(message: impl Into<String>) -> ConnError {
    ConnError::Invalid(message.into())
}

/// `key=value key='quoted value'`, as libpq's `conninfo_parse` reads it.
fn parse_pairs(conninfo: &str) -> Result<Pairs, ConnError> {
    let mut pairs = Vec::new();
    let mut chars = conninfo.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            return Ok(pairs);
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            return Err(missing_equals(&key, start));
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match chars.next() {
                    Some((_, '\\')) => value.extend(chars.next().map(|(_, c)| c)),
                    Some((_, '\'')) => break,
                    Some((_, c)) => value.push(c),
                    None => {
                        return Err(invalid(format!(
                            "unterminated quoted value for \"{key}\" in the connection string"
                        )))
                    }
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next().map(|(_, c)| c));
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// libpq says `missing "=" after "WORD"`. The word may be the second half of a password typed
/// with an unquoted space, so it is named only when it is a keyword.
fn missing_equals(word: &str, offset: usize) -> ConnError {
    if super::conn::is_libpq_keyword(word) {
        invalid(format!(
            "missing \"=\" after \"{word}\" in the connection string"
        ))
    } else {
        invalid(format!(
            "missing \"=\" after the word at byte {offset} of the connection string \
             (quote values that contain spaces: key='a b')"
        ))
    }
}

/// The part of a URI after `postgresql://`.
fn parse_uri(rest: &str) -> Result<Pairs, ConnError> {
    let mut pairs = Vec::new();
    // As libpq: the user part ends at the first '@' seen before any '/', so a '?' in a password
    // needs no encoding but an '@' does.
    let rest = match rest.find(['@', '/']) {
        Some(at) if rest.as_bytes()[at] == b'@' => {
            let userinfo = &rest[..at];
            let (user, password) = match userinfo.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                pairs.push(("user".to_owned(), decode(user, "user name")?));
            }
            if let Some(password) = password {
                pairs.push(("password".to_owned(), decode(password, "password")?));
            }
            &rest[at + 1..]
        }
        _ => rest,
    };
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hostlist, rest) = rest.split_at(host_end);
    let (dbname, query) = match rest.strip_prefix('/') {
        Some(path) => match path.split_once('?') {
            Some((dbname, query)) => (Some(dbname), Some(query)),
            None => (Some(path), None),
        },
        None => (None, rest.strip_prefix('?')),
    };
    if !hostlist.is_empty() {
        let (hosts, ports) = split_hosts(hostlist)?;
        if hosts.iter().any(|h| !h.is_empty()) {
            pairs.push(("host".to_owned(), hosts.join(",")));
        }
        if ports.iter().any(|p| !p.is_empty()) {
            pairs.push(("port".to_owned(), ports.join(",")));
        }
    }
    if let Some(dbname) = dbname.filter(|d| !d.is_empty()) {
        pairs.push(("dbname".to_owned(), decode(dbname, "database name")?));
    }
    for param in query.into_iter().flat_map(|q| q.split('&')) {
        if param.is_empty() {
            continue;
        }
        let Some((key, value)) = param.split_once('=') else {
            return Err(invalid(format!(
                "URI parameter \"{}\" has no value (write key=value)",
                decode(param, "parameter")?
            )));
        };
        let key = decode(key, "parameter name")?;
        let value = decode(value, "parameter value")?;
        // libpq takes JDBC's `ssl=true` as `sslmode=require`.
        if key == "ssl" && value == "true" {
            pairs.push(("sslmode".to_owned(), "require".to_owned()));
        } else {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// `h1:5432,[::1]:5433,%2Ftmp` into hosts and ports (empty where a part leaves one out).
fn split_hosts(hostlist: &str) -> Result<(Vec<String>, Vec<String>), ConnError> {
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    for item in hostlist.split(',') {
        let (host, port) = if let Some(bracketed) = item.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']').ok_or_else(|| {
                invalid("unterminated IPv6 host address in the URI (missing \"]\")")
            })?;
            if host.is_empty() {
                return Err(invalid("empty IPv6 host address in the URI"));
            }
            let port = match after {
                "" => "",
                _ => after.strip_prefix(':').ok_or_else(|| {
                    invalid("unexpected text after an IPv6 host address in the URI")
                })?,
            };
            (host, port)
        } else {
            match item.split_once(':') {
                Some((host, port)) => (host, port),
                None => (item, ""),
            }
        };
        hosts.push(decode(host, "host")?);
        ports.push(decode(port, "port")?);
    }
    Ok((hosts, ports))
}

/// Percent-decodes one part of a URI (`+` stays `+`, as in libpq).
fn decode(text: &str, part: &str) -> Result<String, ConnError> {
    let bad = || invalid(format!("invalid percent-encoding in the URI's {part}"));
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            let byte = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
            if byte == 0 {
                return Err(invalid(format!(
                    "the URI's {part} contains a percent-encoded zero byte (%00)"
                )));
            }
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid(format!("the URI's {part} is not valid UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Pairs {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn key_value_pairs_with_spaces_around_equals() {
        assert_eq!(
            parse("host=db  port = 5433\tdbname=app").unwrap(),
            pairs(&[("host", "db"), ("port", "5433"), ("dbname", "app")])
        );
    }

    #[test]
    fn quoted_values_and_backslash_escapes() {
        assert_eq!(
            parse(r"password='it\'s a \\ secret' user=a\ b application_name=''").unwrap(),
            pairs(&[
                ("password", r"it's a \ secret"),
                ("user", "a b"),
                ("application_name", ""),
            ])
        );
    }

    #[test]
    fn unterminated_quote_is_an_error_without_the_value() {
        let err = parse("host=h password='s3cr3t").unwrap_err().to_string();
        assert!(err.contains("unterminated"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn missing_equals_names_keywords_only() {
        let err = parse("host=h dbname").unwrap_err().to_string();
        assert!(err.contains("\"dbname\""), "{err}");
        // The second half of a password with an unquoted space.
        let err = parse("password=correct horse").unwrap_err().to_string();
        assert!(!err.contains("horse"), "{err}");
        assert!(err.contains("byte 17"), "{err}");
    }

    #[test]
    fn uri_with_everything() {
        assert_eq!(
            parse("postgresql://al%40ice:p%3Ass@db.example.com:6432/my%20db?sslmode=verify-full&application_name=x")
                .unwrap(),
            pairs(&[
                ("user", "al@ice"),
                ("password", "p:ss"),
                ("host", "db.example.com"),
                ("port", "6432"),
                ("dbname", "my db"),
                ("sslmode", "verify-full"),
                ("application_name", "x"),
            ])
        );
    }

    #[test]
    fn uri_socket_directory_ipv6_and_several_hosts() {
        assert_eq!(
            parse("postgres://%2Fvar%2Frun%2Fpostgresql/app").unwrap(),
            pairs(&[("host", "/var/run/postgresql"), ("dbname", "app")])
        );
        assert_eq!(
            parse("postgresql://h1:5432,[::1]:5433,h3/db").unwrap(),
            pairs(&[
                ("host", "h1,::1,h3"),
                ("port", "5432,5433,"),
                ("dbname", "db")
            ])
        );
        assert_eq!(
            parse("postgresql:///app?host=/tmp&port=5555").unwrap(),
            pairs(&[("dbname", "app"), ("host", "/tmp"), ("port", "5555")])
        );
        assert_eq!(parse("postgresql://").unwrap(), pairs(&[]));
    }

    #[test]
    fn uri_password_may_contain_an_unencoded_question_mark() {
        assert_eq!(
            parse("postgresql://u:p?ss@h/d?sslmode=disable").unwrap(),
            pairs(&[
                ("user", "u"),
                ("password", "p?ss"),
                ("host", "h"),
                ("dbname", "d"),
                ("sslmode", "disable")
            ])
        );
    }

    #[test]
    fn jdbc_ssl_true_means_require() {
        assert_eq!(
            parse("postgresql://h?ssl=true").unwrap(),
            pairs(&[("host", "h"), ("sslmode", "require")])
        );
    }

    #[test]
    fn bad_percent_encoding_does_not_echo_the_uri() {
        for uri in [
            "postgresql://u:s3cr%zzt@h/d",
            "postgresql://u:s3cr3t%2@h/d",
            "postgresql://u:s3cr3t%00@h/d",
        ] {
            let err = parse(uri).unwrap_err().to_string();
            assert!(err.contains("password"), "{err}");
            assert!(!err.contains("s3cr"), "{err}");
        }
    }

    #[test]
    fn bad_ipv6_brackets() {
        assert!(parse("postgresql://[::1/db").is_err());
        assert!(parse("postgresql://[::1]x/db").is_err());
    }
}
