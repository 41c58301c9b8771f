//! Server parameters compared by meaning: `pg_settings.setting` is in the row's `unit`, so
//! `shared_buffers` of 2048 (8kB) and 16384 (kB) are both 16MB; booleans and enums compare
//! case-insensitively, lists without their spaces.

use super::Findings;
use crate::catalog::{Setting, Snapshot};
use crate::findings::{ObjectRef, Severity};

/// A parameter's value reduced to what it means.
#[derive(Clone, Debug, PartialEq)]
pub enum Normalized {
    /// A number in base units: bytes for memory, milliseconds for time, else as it is.
    Number(f64),
    /// A negative number, which means "off" or "use another setting" whatever the unit.
    Special(f64),
    /// `on`/`off`.
    Bool(bool),
    /// Anything else, lower-cased for enums, spaces after commas removed.
    Text(String),
}

/// Bytes or milliseconds in one `unit` (`8kB`, `kB`, `MB`, `ms`, `s`, `min`, `16MB`).
fn unit_factor(unit: &str) -> Option<f64> {
    let digits = unit.bytes().take_while(u8::is_ascii_digit).count();
    let count: f64 = if digits == 0 {
        1.0
    } else {
        unit[..digits].parse().ok()?
    };
    let base = match &unit[digits..] {
        "B" => 1.0,
        "kB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0f64.powi(4),
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some(count * base)
}

/// What a setting's value means.
pub fn normalized(setting: &Setting) -> Normalized {
    let value = setting.value.trim();
    match setting.vartype.as_str() {
        "bool" => match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Normalized::Bool(true),
            "off" | "false" | "no" | "0" => Normalized::Bool(false),
            other => Normalized::Text(other.to_owned()),
        },
        "integer" | "real" => match value.parse::<f64>() {
            Ok(n) if n < 0.0 => Normalized::Special(n),
            Ok(n) => {
                let factor = setting.unit.as_deref().and_then(unit_factor).unwrap_or(1.0);
                Normalized::Number(n * factor)
            }
            Err(_) => Normalized::Text(value.to_owned()),
        },
        // A boolean that became an enum keeps its on/off values (wal_compression, 15), so they
        // compare equal across the change.
        "enum" => match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => Normalized::Bool(true),
            "off" | "false" | "no" => Normalized::Bool(false),
            other => Normalized::Text(other.to_owned()),
        },
        _ => Normalized::Text(
            value
                .split(',')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}

/// A value as a person (and `ALTER SYSTEM`) writes it: `16MB`, `5min`, `on`.
pub fn describe_value(setting: &Setting) -> String {
    let memory = ["B", "kB", "MB", "GB", "TB"];
    match (normalized(setting), setting.unit.as_deref()) {
        (Normalized::Number(n), Some(unit)) if unit.ends_with('B') => {
            let mut best = format!("{n}B");
            for (i, name) in memory.iter().enumerate() {
                let size = 1024f64.powi(i as i32);
                if n >= size && (n / size).fract() == 0.0 {
                    best = format!("{}{name}", n / size);
                }
            }
            best
        }
        (Normalized::Number(ms), Some(_)) => {
            let mut best = format!("{ms}ms");
            for (size, name) in [
                (1000.0, "s"),
                (60_000.0, "min"),
                (3_600_000.0, "h"),
                (86_400_000.0, "d"),
            ] {
                if ms >= size && (ms / size).fract() == 0.0 {
                    best = format!("{}{name}", ms / size);
                }
            }
            best
        }
        _ => setting.value.clone(),
    }
}

/// Settings that are neither fixed at build time nor per session.
fn comparable(name: &str, setting: &Setting, out: &Findings<'_>) -> bool {
    setting.context != "internal"
        && !matches!(setting.source.as_str(), "client" | "session")
        && !out.policy.is_ignored_parameter(name)
}

pub(super) fn diff_settings(source: &Snapshot, target: &Snapshot, out: &mut Findings<'_>) {
    let (from, to) = (source.server.major, target.server.major);
    for (name, s) in &source.settings {
        if !comparable(name, s, out) {
            continue;
        }
        let Some(t) = target.settings.get(name) else {
            if shows_every_setting(target) || out.policy.removed_parameter(name, to).is_some() {
                removed(name, s, from, to, out);
            } else {
                hidden(name, s, target, out);
            }
            continue;
        };
        if !comparable(name, t, out) || normalized(s) == normalized(t) {
            continue;
        }
        let (sv, tv) = (describe_value(s), describe_value(t));
        let object = ObjectRef::new("setting", name.as_str());
        let source_set = s.source != "default";
        if !source_set && t.source == "default" {
            let msg = format!(
                "{name}: the default is {sv} on PostgreSQL {from} and {tv} on {to}; neither server sets it"
            );
            out.add_kind("setting-default-changed", object, msg)
                .set_values(Some(sv), Some(tv));
            continue;
        }
        if let Some(rule) = out.policy.not_user_settable(name) {
            if source_set {
                let msg = format!(
                    "{name} is {sv} on the source ({}), {tv} on the target, where users cannot set it",
                    s.source
                );
                out.add(rule, object, msg).set_values(Some(sv), Some(tv));
                continue;
            }
        }
        let restart = t.context == "postmaster";
        let kind = if restart {
            "setting-restart"
        } else {
            "setting-differs"
        };
        let msg = format!(
            "{name} is {sv} on the source ({}) and {tv} on the target ({}){}",
            s.source,
            t.source,
            if restart {
                "; changing it needs a restart"
            } else {
                ""
            }
        );
        let mut fix = out.policy.parameter_fix(name, &sv);
        if restart {
            fix.push_str("  # then restart the server");
        }
        out.add_kind(kind, object, msg)
            .set_values(Some(sv), Some(tv))
            .fix = Some(fix);
    }
}

/// Whether the role that read `snapshot` saw every parameter. `pg_settings` leaves out the
/// superuser-only ones (shared_preload_libraries, dynamic_library_path, ssl_ciphers, ...) unless
/// the reader is a superuser or has pg_read_all_settings; `data_directory`, one of them on every
/// version, tells which case it was.
fn shows_every_setting(snapshot: &Snapshot) -> bool {
    snapshot.settings.contains_key("data_directory")
}

/// A parameter the target has but did not show its reader: compared only when the source sets
/// it, and then the target's value is unknown.
fn hidden(name: &str, s: &Setting, target: &Snapshot, out: &mut Findings<'_>) {
    if name.contains('.') || s.source == "default" {
        return;
    }
    let sv = describe_value(s);
    let restart = s.context == "postmaster";
    let msg = format!(
        "{name} is {sv} on the source ({}); the target does not show it to {} (superuser-only: read the target as a member of pg_read_all_settings to compare){}",
        s.source,
        target.server.current_user,
        if restart {
            "; changing it needs a restart"
        } else {
            ""
        }
    );
    let mut fix = out.policy.parameter_fix(name, &sv);
    if restart {
        fix.push_str("  # then restart the server");
    }
    let kind = if restart {
        "setting-restart"
    } else {
        "setting-differs"
    };
    out.add_kind(kind, ObjectRef::new("setting", name), msg)
        .set_values(Some(sv), None)
        .fix = Some(fix);
}

fn removed(name: &str, s: &Setting, from: u32, to: u32, out: &mut Findings<'_>) {
    // Placeholders of extensions (pg_stat_statements.max) come and go with the library.
    if name.contains('.') {
        return;
    }
    let replacement = out
        .policy
        .removed_parameter(name, to)
        .and_then(|r| r.replacement.clone());
    let value = describe_value(s);
    let mut msg = format!("{name} (PostgreSQL {from}) does not exist on PostgreSQL {to}");
    match &replacement {
        Some(new) => msg.push_str(&format!("; its replacement is {new}")),
        None => msg.push_str("; it was removed"),
    }
    let source_set = s.source != "default";
    if source_set {
        msg.push_str(&format!(" (the source sets it to {value}: {})", s.source));
    }
    let finding = out.add_kind("setting-removed", ObjectRef::new("setting", name), msg);
    finding.source = Some(value);
    finding.target = replacement.clone();
    if !source_set {
        finding.severity = Severity::Info;
    }
    if let Some(new) = replacement {
        finding.fix = Some(format!(
            "set {new} on the target instead, and remove {name} from postgresql.conf and ALTER ... SET"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(value: &str, unit: Option<&str>, vartype: &str) -> Setting {
        Setting {
            value: value.to_owned(),
            unit: unit.map(str::to_owned),
            vartype: vartype.to_owned(),
            context: "user".to_owned(),
            source: "default".to_owned(),
            boot_val: None,
            reset_val: None,
            pending_restart: false,
        }
    }

    #[test]
    fn values_compare_by_meaning() {
        let pages = setting("2048", Some("8kB"), "integer");
        let kb = setting("16384", Some("kB"), "integer");
        let mb = setting("16", Some("MB"), "integer");
        assert_eq!(normalized(&pages), normalized(&kb));
        assert_eq!(normalized(&kb), normalized(&mb));
        assert_eq!(describe_value(&pages), "16MB");
        assert_eq!(
            normalized(&setting("on", None, "bool")),
            normalized(&setting("true", None, "bool"))
        );
        assert_eq!(
            normalized(&setting("1min", None, "string")),
            normalized(&setting("1min", None, "string"))
        );
        assert_eq!(
            normalized(&setting("60", Some("s"), "integer")),
            normalized(&setting("60000", Some("ms"), "integer"))
        );
        assert_eq!(
            describe_value(&setting("300", Some("s"), "integer")),
            "5min"
        );
        assert_eq!(
            normalized(&setting("Replica", None, "enum")),
            normalized(&setting("replica", None, "enum"))
        );
        assert_eq!(
            normalized(&setting("pg_stat_statements, pg_cron", None, "string")),
            normalized(&setting("pg_stat_statements,pg_cron", None, "string"))
        );
        // -1 means "disabled" whatever the unit.
        assert_eq!(
            normalized(&setting("-1", Some("kB"), "integer")),
            normalized(&setting("-1", Some("8kB"), "integer"))
        );
        assert_ne!(
            normalized(&kb),
            normalized(&setting("16384", Some("8kB"), "integer"))
        );
    }

    /// Regression: wal_compression is a bool on 13 and an enum since 15; `off` on both was
    /// reported as a changed default ("off on PostgreSQL 13 and off on 17").
    #[test]
    fn a_bool_that_became_an_enum_compares_by_meaning() {
        assert_eq!(
            normalized(&setting("off", None, "bool")),
            normalized(&setting("off", None, "enum"))
        );
        assert_ne!(
            normalized(&setting("off", None, "bool")),
            normalized(&setting("pglz", None, "enum"))
        );
        assert_eq!(
            normalized(&setting("Partition", None, "enum")),
            normalized(&setting("partition", None, "enum"))
        );
    }
}
