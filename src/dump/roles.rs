//! Recognizes the statements of a `pg_dumpall --roles-only` script.
//!
//! pg_dumpall writes role statements in a few fixed forms. sqlparser 0.63 fails on every
//! `GRANT role TO role` and on list-valued `ALTER ROLE ... SET`
//! (`shared/reference/sqlparser-pg_dump-coverage.md`), and costs more per statement than the
//! whole cleanup may take on a 100,000-role file, so these forms are read by a small token
//! recognizer. Statements outside them (session `SET`s, `SELECT`s) go through sqlparser to tell
//! SQL it understands from SQL nothing here understands; the latter is kept verbatim and
//! reported, never dropped silently.

use super::tokens::{tokenize, Token};
use crate::catalog::{RoleAttribute, RoleName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// An option of `CREATE ROLE` / `ALTER ROLE ... WITH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleOption {
    /// `LOGIN`, `NOSUPERUSER`, ...
    Attribute(RoleAttribute, bool),
    /// `CONNECTION LIMIT n`
    ConnectionLimit(i32),
    /// `[ENCRYPTED] PASSWORD 'x'`, or `PASSWORD NULL` as `None`.
    Password(Option<String>),
    /// `VALID UNTIL 'timestamp'`
    ValidUntil(String),
}

/// `ALTER ROLE ... SET` / `RESET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingChange {
    /// `SET name TO value[, value]`, the value re-quoted from its tokens.
    Set {
        /// Parameter name as written (unquoted).
        name: String,
        /// The value list, as SQL.
        value: String,
    },
    /// `RESET name`
    Reset(String),
    /// `RESET ALL`
    ResetAll,
}

/// `GRANT role TO member ...`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleGrant {
    /// Roles granted.
    pub roles: Vec<RoleName>,
    /// Roles receiving them.
    pub members: Vec<RoleName>,
    /// `ADMIN OPTION` / `ADMIN TRUE|FALSE`.
    pub admin: Option<bool>,
    /// `INHERIT TRUE|FALSE` (PostgreSQL 16+).
    pub inherit: Option<bool>,
    /// `SET TRUE|FALSE` (PostgreSQL 16+).
    pub set: Option<bool>,
    /// `GRANTED BY`.
    pub grantor: Option<RoleName>,
}

/// A statement of a roles script, recognized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleStatement {
    /// `CREATE ROLE|USER|GROUP name [WITH] options`
    Create {
        /// The role.
        name: RoleName,
        /// Its options.
        options: Vec<RoleOption>,
    },
    /// `ALTER ROLE|USER name [WITH] options`
    Alter {
        /// The role.
        name: RoleName,
        /// Its options.
        options: Vec<RoleOption>,
    },
    /// `ALTER ROLE name [IN DATABASE db] SET|RESET ...`
    Setting {
        /// The role.
        name: RoleName,
        /// `IN DATABASE`.
        database: Option<String>,
        /// What changes.
        change: SettingChange,
    },
    /// `DROP ROLE [IF EXISTS] a, b`
    Drop {
        /// The roles.
        names: Vec<RoleName>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `GRANT role TO member ...`
    Grant(RoleGrant),
    /// `GRANT SET|ALTER SYSTEM ON PARAMETER ... TO ...` (PostgreSQL 15+).
    ParameterGrant {
        /// The parameters named.
        parameters: Vec<String>,
        /// The roles receiving the privilege.
        grantees: Vec<RoleName>,
    },
    /// `COMMENT ON ROLE name IS 'text' | NULL`
    Comment {
        /// The role.
        name: RoleName,
        /// The comment, `None` for `IS NULL`.
        text: Option<String>,
    },
    /// A statement that sets up the session (`SET`, `SELECT set_config(...)`, `RESET`), which
    /// sqlparser parses; kept as it is.
    Session,
    /// Anything else: kept verbatim and reported.
    Unrecognized,
}

/// Recognizes one statement (as the lexer split it, with its `;`).
pub fn recognize(sql: &str) -> RoleStatement {
    let Ok(tokens) = tokenize(sql) else {
        return RoleStatement::Unrecognized;
    };
    let mut t = Cursor::new(&tokens);
    let recognized = if t.eat_kw("CREATE") && t.eat_any_kw(&["ROLE", "USER", "GROUP"]) {
        create_role(&mut t)
    } else if t.rewind() && t.eat_kw("ALTER") && t.eat_any_kw(&["ROLE", "USER", "GROUP"]) {
        alter_role(&mut t)
    } else if t.rewind() && t.eat_kw("DROP") && t.eat_any_kw(&["ROLE", "USER", "GROUP"]) {
        drop_role(&mut t)
    } else if t.rewind() && t.eat_kw("GRANT") {
        grant(&mut t)
    } else if t.rewind() && t.eat_kw("COMMENT") && t.eat_kw("ON") && t.eat_kw("ROLE") {
        comment(&mut t)
    } else {
        None
    };
    match recognized {
        Some(statement) => statement,
        None if is_session_statement(&tokens) && sqlparser_accepts(sql) => RoleStatement::Session,
        None => RoleStatement::Unrecognized,
    }
}

fn is_session_statement(tokens: &[Token]) -> bool {
    tokens
        .first()
        .is_some_and(|t| t.is_kw("SET") || t.is_kw("RESET") || t.is_kw("SELECT"))
}

fn sqlparser_accepts(sql: &str) -> bool {
    Parser::parse_sql(&PostgreSqlDialect {}, sql).is_ok_and(|stmts| stmts.len() == 1)
}

struct Cursor<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
}

impl<'t, 'a> Cursor<'t, 'a> {
    fn new(tokens: &'t [Token<'a>]) -> Self {
        Cursor { tokens, pos: 0 }
    }

    /// Goes back to the start; returns true so it can sit in an `&&` chain.
    fn rewind(&mut self) -> bool {
        self.pos = 0;
        true
    }

    fn peek(&self) -> Option<&'t Token<'a>> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&'t Token<'a>> {
        let t = self.tokens.get(self.pos);
        self.pos += usize::from(t.is_some());
        t
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.peek().is_some_and(|t| t.is_kw(kw));
        self.pos += usize::from(hit);
        hit
    }

    fn eat_any_kw(&mut self, kws: &[&str]) -> bool {
        kws.iter().any(|kw| self.eat_kw(kw))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(&Token::Punct(c));
        self.pos += usize::from(hit);
        hit
    }

    /// True at `;` or the end: the statement is complete.
    fn at_end(&mut self) -> bool {
        self.eat_punct(';');
        self.pos == self.tokens.len()
    }

    fn role_name(&mut self) -> Option<RoleName> {
        // CURRENT_USER, SESSION_USER, CURRENT_ROLE and PUBLIC are not role names.
        if self.peek().is_some_and(|t| {
            ["CURRENT_USER", "SESSION_USER", "CURRENT_ROLE", "PUBLIC"]
                .iter()
                .any(|kw| t.is_kw(kw))
        }) {
            return None;
        }
        self.next()?.ident().map(RoleName::new)
    }

    fn role_list(&mut self) -> Option<Vec<RoleName>> {
        let mut names = vec![self.role_name()?];
        while self.eat_punct(',') {
            names.push(self.role_name()?);
        }
        Some(names)
    }

    fn string(&mut self) -> Option<String> {
        match self.next()? {
            Token::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        if self.eat_kw("TRUE") || self.eat_kw("OPTION") {
            Some(true)
        } else if self.eat_kw("FALSE") {
            Some(false)
        } else {
            None
        }
    }
}

fn role_options(t: &mut Cursor) -> Option<Vec<RoleOption>> {
    t.eat_kw("WITH");
    // One option per token at most: room for all of them at once, not growing one by one.
    let mut options = Vec::with_capacity(t.tokens.len() - t.pos);
    while !t.at_end() {
        let Some(Token::Word(word)) = t.next() else {
            return None;
        };
        if let Some((attribute, value)) = RoleAttribute::parse_keyword(word) {
            options.push(RoleOption::Attribute(attribute, value));
        } else if word.eq_ignore_ascii_case("CONNECTION") && t.eat_kw("LIMIT") {
            let Some(Token::Number(n)) = t.next() else {
                return None;
            };
            options.push(RoleOption::ConnectionLimit(n.parse().ok()?));
        } else if word.eq_ignore_ascii_case("ENCRYPTED") && t.eat_kw("PASSWORD")
            || word.eq_ignore_ascii_case("PASSWORD")
        {
            if t.eat_kw("NULL") {
                options.push(RoleOption::Password(None));
            } else {
                options.push(RoleOption::Password(Some(t.string()?)));
            }
        } else if word.eq_ignore_ascii_case("VALID") && t.eat_kw("UNTIL") {
            options.push(RoleOption::ValidUntil(t.string()?));
        } else {
            return None;
        }
    }
    Some(options)
}

fn create_role(t: &mut Cursor) -> Option<RoleStatement> {
    let name = t.role_name()?;
    let options = role_options(t)?;
    Some(RoleStatement::Create { name, options })
}

fn alter_role(t: &mut Cursor) -> Option<RoleStatement> {
    let name = t.role_name()?;
    let mut database = None;
    if t.eat_kw("IN") {
        if !t.eat_kw("DATABASE") {
            return None;
        }
        database = Some(t.next()?.ident()?);
    }
    if t.eat_kw("SET") {
        let param = parameter_name(t)?;
        if !(t.eat_kw("TO") || t.eat_punct('=')) {
            return None;
        }
        let value = setting_value(t)?;
        let change = SettingChange::Set { name: param, value };
        return Some(RoleStatement::Setting {
            name,
            database,
            change,
        });
    }
    if t.eat_kw("RESET") {
        let change = if t.eat_kw("ALL") {
            SettingChange::ResetAll
        } else {
            SettingChange::Reset(parameter_name(t)?)
        };
        return t.at_end().then_some(RoleStatement::Setting {
            name,
            database,
            change,
        });
    }
    if database.is_some() {
        return None;
    }
    let options = role_options(t)?;
    Some(RoleStatement::Alter { name, options })
}

/// A parameter name, dotted for extension parameters (`pgaudit.log`).
fn parameter_name(t: &mut Cursor) -> Option<String> {
    let mut name = t.next()?.ident()?;
    while t.eat_punct('.') {
        name.push('.');
        name.push_str(&t.next()?.ident()?);
    }
    Some(name)
}

/// The value list of `SET name TO ...`, re-quoted token by token.
fn setting_value(t: &mut Cursor) -> Option<String> {
    let mut parts = Vec::new();
    loop {
        let token = t.next()?;
        match token {
            Token::Str(_) | Token::Number(_) | Token::Word(_) | Token::QuotedIdent(_) => {
                parts.push(token.to_string())
            }
            _ => return None,
        }
        if !t.eat_punct(',') {
            break;
        }
    }
    t.at_end().then(|| parts.join(", "))
}

fn drop_role(t: &mut Cursor) -> Option<RoleStatement> {
    let if_exists = t.eat_kw("IF") && t.eat_kw("EXISTS");
    let names = t.role_list()?;
    t.at_end()
        .then_some(RoleStatement::Drop { names, if_exists })
}

fn grant(t: &mut Cursor) -> Option<RoleStatement> {
    // A privilege grant has ON before TO; a role grant does not.
    let to = t.tokens.iter().position(|tok| tok.is_kw("TO"))?;
    if let Some(on) = t.tokens[..to].iter().position(|tok| tok.is_kw("ON")) {
        let is_parameter = t
            .tokens
            .get(on + 1)
            .is_some_and(|tok| tok.is_kw("PARAMETER"));
        if !is_parameter {
            return None;
        }
        t.pos = on + 2;
        let mut parameters = vec![parameter_name(t)?];
        while t.eat_punct(',') {
            parameters.push(parameter_name(t)?);
        }
        if !t.eat_kw("TO") {
            return None;
        }
        let grantees = t.role_list()?;
        // WITH GRANT OPTION and GRANTED BY may follow; they do not change what we decide.
        return Some(RoleStatement::ParameterGrant {
            parameters,
            grantees,
        });
    }
    let roles = t.role_list()?;
    if !t.eat_kw("TO") {
        return None;
    }
    let members = t.role_list()?;
    let mut grant = RoleGrant {
        roles,
        members,
        admin: None,
        inherit: None,
        set: None,
        grantor: None,
    };
    if t.eat_kw("WITH") {
        loop {
            if t.eat_kw("ADMIN") {
                grant.admin = Some(t.boolean()?);
            } else if t.eat_kw("INHERIT") {
                grant.inherit = Some(t.boolean()?);
            } else if t.eat_kw("SET") {
                grant.set = Some(t.boolean()?);
            } else {
                return None;
            }
            if !t.eat_punct(',') {
                break;
            }
        }
    }
    if t.eat_kw("GRANTED") {
        if !t.eat_kw("BY") {
            return None;
        }
        grant.grantor = Some(t.role_name()?);
    }
    t.at_end().then_some(RoleStatement::Grant(grant))
}

fn comment(t: &mut Cursor) -> Option<RoleStatement> {
    let name = t.role_name()?;
    if !t.eat_kw("IS") {
        return None;
    }
    let text = if t.eat_kw("NULL") {
        None
    } else {
        Some(t.string()?)
    };
    t.at_end().then_some(RoleStatement::Comment { name, text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoleAttribute::*;

    fn role(name: &str) -> RoleName {
        RoleName::new(name)
    }

    #[test]
    fn pg_dumpall_alter_role_is_recognized() {
        let sql = "ALTER ROLE \"App User\" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20 PASSWORD 'SCRAM-SHA-256$4096:a$b:c' VALID UNTIL '2031-01-01 00:00:00+00';";
        assert_eq!(
            recognize(sql),
            RoleStatement::Alter {
                name: role("App User"),
                options: vec![
                    RoleOption::Attribute(Superuser, false),
                    RoleOption::Attribute(Inherit, true),
                    RoleOption::Attribute(Createrole, false),
                    RoleOption::Attribute(Createdb, false),
                    RoleOption::Attribute(Login, true),
                    RoleOption::Attribute(Replication, false),
                    RoleOption::Attribute(Bypassrls, false),
                    RoleOption::ConnectionLimit(20),
                    RoleOption::Password(Some("SCRAM-SHA-256$4096:a$b:c".to_owned())),
                    RoleOption::ValidUntil("2031-01-01 00:00:00+00".to_owned()),
                ],
            }
        );
    }

    #[test]
    fn bare_names_fold_and_quoted_names_do_not() {
        assert_eq!(
            recognize("CREATE ROLE App_Owner;"),
            RoleStatement::Create {
                name: role("app_owner"),
                options: vec![]
            }
        );
        assert_eq!(
            recognize("CREATE ROLE \"weird\"\"name\";"),
            RoleStatement::Create {
                name: role("weird\"name"),
                options: vec![]
            }
        );
    }

    #[test]
    fn list_valued_settings_and_database_settings() {
        assert_eq!(
            recognize("ALTER ROLE app_api SET search_path TO 'app', 'public';"),
            RoleStatement::Setting {
                name: role("app_api"),
                database: None,
                change: SettingChange::Set {
                    name: "search_path".to_owned(),
                    value: "'app', 'public'".to_owned()
                },
            }
        );
        assert_eq!(
            recognize("ALTER ROLE \"App User\" IN DATABASE \"my db\" SET \"TimeZone\" TO 'UTC';"),
            RoleStatement::Setting {
                name: role("App User"),
                database: Some("my db".to_owned()),
                change: SettingChange::Set {
                    name: "TimeZone".to_owned(),
                    value: "'UTC'".to_owned()
                },
            }
        );
        assert!(matches!(
            recognize("ALTER ROLE a SET pgaudit.log = 'all';"),
            RoleStatement::Setting { change: SettingChange::Set { ref name, .. }, .. } if name == "pgaudit.log"
        ));
    }

    #[test]
    fn role_grants_in_every_pg_dumpall_form() {
        assert_eq!(
            recognize("GRANT app_rw TO app_owner WITH ADMIN OPTION GRANTED BY postgres;"),
            RoleStatement::Grant(RoleGrant {
                roles: vec![role("app_rw")],
                members: vec![role("app_owner")],
                admin: Some(true),
                inherit: None,
                set: None,
                grantor: Some(role("postgres")),
            })
        );
        assert_eq!(
            recognize(
                "GRANT app_ro TO \"App User\" WITH INHERIT FALSE, SET TRUE GRANTED BY ops_admin;"
            ),
            RoleStatement::Grant(RoleGrant {
                roles: vec![role("app_ro")],
                members: vec![role("App User")],
                admin: None,
                inherit: Some(false),
                set: Some(true),
                grantor: Some(role("ops_admin")),
            })
        );
    }

    #[test]
    fn parameter_grants_and_privilege_grants_are_told_apart() {
        assert_eq!(
            recognize("GRANT SET ON PARAMETER log_min_duration_statement TO monitor_user;"),
            RoleStatement::ParameterGrant {
                parameters: vec!["log_min_duration_statement".to_owned()],
                grantees: vec![role("monitor_user")],
            }
        );
        assert_eq!(
            recognize("GRANT SELECT ON t TO a;"),
            RoleStatement::Unrecognized
        );
    }

    #[test]
    fn comments_drops_and_session_statements() {
        assert_eq!(
            recognize("COMMENT ON ROLE app_api IS 'API service, it''s critical';"),
            RoleStatement::Comment {
                name: role("app_api"),
                text: Some("API service, it's critical".to_owned())
            }
        );
        assert_eq!(
            recognize("DROP ROLE IF EXISTS a, \"B\";"),
            RoleStatement::Drop {
                names: vec![role("a"), role("B")],
                if_exists: true
            }
        );
        assert_eq!(
            recognize("SET default_transaction_read_only = off;"),
            RoleStatement::Session
        );
        assert_eq!(
            recognize("SET standard_conforming_strings = on;"),
            RoleStatement::Session
        );
    }

    #[test]
    fn unknown_forms_are_unrecognized_not_guessed() {
        for sql in [
            "CREATE ROLE a IN ROLE b;",
            "ALTER ROLE a RENAME TO b;",
            "CREATE TABLESPACE ts OWNER a LOCATION '/x';",
            "SECURITY LABEL FOR selinux ON ROLE a IS 'x';",
            "GRANT CURRENT_USER TO a;",
            "ALTER ROLE a WITH LOGIN PASSWORD;",
            "SET;",
        ] {
            assert_eq!(recognize(sql), RoleStatement::Unrecognized, "{sql}");
        }
    }
}
