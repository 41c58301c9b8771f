//! Property tests (proptest) over the parsers: no input makes them panic, quoting survives a
//! round trip through the tokenizer, how a file is chunked never changes what is read, and a
//! connection string's password never shows in its errors.

use pgparity::catalog::{quote_ident, quote_literal};
use pgparity::dump::lexer::{Item, Lexer};
use pgparity::dump::roles::recognize;
use pgparity::dump::tokens::{tokenize, Token};
use pgparity::introspect::ConnSpec;
use pgparity::remediate::clean_roles;
use pgparity::rules::RuleSet;
use pgparity::triage::{parse_log, Triager};
use proptest::prelude::*;
use std::collections::HashMap;
use std::io::BufReader;

fn lex(input: &[u8], capacity: usize) -> Result<Vec<Item>, String> {
    Lexer::new(BufReader::with_capacity(capacity, input), "fuzz.sql")
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// SQL-ish text: keywords, names, quotes of every kind, comments, meta-commands, newlines.
fn sqlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("CREATE ROLE ".to_owned()),
        Just("ALTER ROLE x WITH LOGIN ".to_owned()),
        Just("GRANT a TO b ".to_owned()),
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("E'\\''".to_owned()),
        Just("\"".to_owned()),
        Just("$$".to_owned()),
        Just("$q$".to_owned()),
        Just("--".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just(";".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("\n".to_owned()),
        Just("\\restrict k\n".to_owned()),
        Just("COPY t FROM stdin;\n1\n\\.\n".to_owned()),
        "[a-zA-Z_ ,=0-9ü\"]{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// A connection string holding `secret` as its password among other, often broken, settings;
/// a URI or `key=value` pairs.
fn conninfo_with_password() -> impl Strategy<Value = (String, String)> {
    let key = prop::sample::select(vec![
        "host",
        "port",
        "hostaddr",
        "sslmode",
        "connect_timeout",
        "user",
        "channel_binding",
        "client_encoding",
        "bogus",
        "sslcert",
    ]);
    let value = "[a-z0-9%' =,:/@?&\\\\\\[\\]-]{0,8}";
    (
        "[A-Za-z0-9]{10,16}",
        prop::collection::vec((key, value), 0..6),
        any::<prop::sample::Index>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(secret, mut pairs, at, uri, quoted)| {
            let password = if quoted {
                format!("'{secret}'")
            } else {
                secret.clone()
            };
            let text = if uri {
                let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("postgresql://u:{secret}@h/d?{}", query.join("&"))
            } else {
                let at = at.index(pairs.len() + 1);
                pairs.insert(at, ("password", password));
                pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            (text, secret)
        })
}

/// Log-ish text: the line starts psql and pg_restore write, fields, commands, junk.
fn logish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("psql:roles.sql:12: ERROR:  role \"x\" already exists".to_owned()),
        Just("psql:a:b:7: NOTICE:  n".to_owned()),
        Just("psql:f.sql:3: invalid command \\restrict".to_owned()),
        Just("psql: error: connection failed".to_owned()),
        Just("pg_restore: while PROCESSING TOC:".to_owned()),
        Just("pg_restore: from TOC entry 5; 2615 16385 SCHEMA app o".to_owned()),
        Just("pg_restore: error: could not execute query: ERROR:  must be owner of x".to_owned()),
        Just("pg_restore: [archiver (db)] could not execute query: FATAL:  x".to_owned()),
        Just("pg_restore: warning: errors ignored on restore: 3".to_owned()),
        Just("pg_restore: detail: Command was: ALTER ROLE a PASSWORD 'secret';".to_owned()),
        Just("Command was: ALTER ROLE a PASSWORD 'secret';".to_owned()),
        Just("DETAIL:  d".to_owned()),
        Just("HINT:  h".to_owned()),
        Just("CONTEXT:  c".to_owned()),
        Just("LINE 1: SELECT".to_owned()),
        Just("        ^".to_owned()),
        Just("".to_owned()),
        "\\PC{0,20}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|lines| lines.join("\n"))
}

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/roles/aws-rds/passwords/roles.sql"
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_lexer_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = lex(&bytes, 64);
    }

    #[test]
    fn chunking_never_changes_what_is_read(text in sqlish(), capacity in 1usize..64) {
        prop_assert_eq!(lex(text.as_bytes(), capacity), lex(text.as_bytes(), 1 << 16));
    }

    #[test]
    fn statements_read_back_the_same_when_written_one_per_line(text in sqlish()) {
        // COPY data is not part of its statement, so a COPY does not read back alone.
        prop_assume!(!text.contains("COPY"));
        if let Ok(items) = lex(text.as_bytes(), 4096) {
            let statements: Vec<String> = items.iter().filter_map(|i| match i {
                Item::Statement(s) => Some(s.text.clone()),
                _ => None,
            }).collect();
            let rewritten: String = statements.iter().map(|s| format!("{s}\n")).collect();
            let again: Vec<String> = lex(rewritten.as_bytes(), 4096).unwrap().into_iter().filter_map(|i| match i {
                Item::Statement(s) => Some(s.text),
                _ => None,
            }).collect();
            prop_assert_eq!(statements, again);
        }
    }

    #[test]
    fn the_tokenizer_and_recognizer_never_panic(text in sqlish()) {
        let _ = tokenize(&text);
        let _ = recognize(&text);
    }

    #[test]
    fn any_identifier_survives_quoting(name in "\\PC{0,20}") {
        let quoted = quote_ident(&name);
        let tokens = tokenize(&quoted).unwrap();
        prop_assert_eq!(tokens.len(), 1, "{} -> {:?}", quoted, tokens);
        prop_assert_eq!(tokens[0].ident(), Some(name));
    }

    #[test]
    fn any_literal_survives_quoting(value in "\\PC{0,30}") {
        let quoted = quote_literal(&value);
        prop_assert_eq!(tokenize(&quoted).unwrap(), vec![Token::Str(value)]);
    }

    #[test]
    fn connection_strings_never_panic(text in "\\PC{0,60}", uri in "postgres(ql)?://[\\PC]{0,40}") {
        let env = HashMap::from([("USER".to_owned(), "u".to_owned())]);
        let _ = ConnSpec::parse(&text, &env);
        let _ = ConnSpec::parse(&uri, &env);
    }

    #[test]
    fn a_password_never_shows_in_connection_string_errors((text, secret) in conninfo_with_password()) {
        let env = HashMap::from([("USER".to_owned(), "u".to_owned())]);
        if let Err(err) = ConnSpec::parse(&text, &env) {
            let err = err.to_string();
            prop_assert!(!err.contains(&secret), "{} -> {}", text, err);
        }
    }

    #[test]
    fn cleaning_a_damaged_fixture_never_panics(
        cuts in prop::collection::vec((0usize..6000, any::<u8>()), 1..8),
        profile in prop::sample::select(vec!["azure-flexible", "aws-rds", "community", "gcp-cloudsql", "azure-single"]),
    ) {
        let mut bytes = fixture();
        for (at, byte) in cuts {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        let rules = RuleSet::load(None).unwrap();
        let policy = rules.policy(profile).unwrap();
        let target = policy.assumed_target(None);
        let mut out = Vec::new();
        let _ = clean_roles(bytes.as_slice(), "fuzz.sql", &policy, &target, &mut out, &mut Vec::new());
    }

    #[test]
    fn every_log_line_is_accounted_for_once_and_secrets_stay_out(text in logish()) {
        let log = parse_log(text.as_bytes()).unwrap();
        let spans: u64 = log.entries.iter().map(|e| e.span).sum();
        prop_assert_eq!(spans + log.other.len() as u64, log.lines, "{:?}", log);
        let set = RuleSet::load(None).unwrap();
        let policy = set.policy("azure-flexible").unwrap();
        let mut findings = Vec::new();
        Triager::new(&policy).triage(&log, "errors.log", &mut findings);
        let shown = serde_json::to_string(&findings).unwrap();
        prop_assert!(!shown.contains("secret"), "{}", shown);
    }

    #[test]
    fn the_log_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let log = parse_log(&bytes[..]).unwrap();
        let spans: u64 = log.entries.iter().map(|e| e.span).sum();
        prop_assert_eq!(spans + log.other.len() as u64, log.lines);
    }
}
