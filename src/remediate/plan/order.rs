//! The order statements run in: each unit of work names what it provides (a table, a type, a
//! function's name) and what it needs (the names its definition mentions); units run after
//! every unit that provides what they need, and otherwise in the order of their rank (schemas,
//! types, functions, sequences, tables, columns, constraints, indexes, foreign keys, views,
//! triggers, policies, ..., comments). A cycle is broken by rank.

use super::Run;
use crate::findings::ObjectRef;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// Where a unit goes when nothing it needs says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rank {
    /// Schemas.
    Schema,
    /// Types and domains, and changes to them.
    Type,
    /// Functions, procedures, aggregates (bodies are not checked: `check_function_bodies`).
    Function,
    /// Sequences.
    Sequence,
    /// Tables.
    Table,
    /// Columns added or changed.
    Column,
    /// `OWNED BY` of sequences.
    SequenceOwner,
    /// Constraints other than foreign keys.
    Constraint,
    /// Indexes.
    Index,
    /// Foreign keys, once every key they reference exists.
    ForeignKey,
    /// Views and materialized views, and their indexes.
    View,
    /// Triggers.
    Trigger,
    /// Policies and table properties (row security, replica identity, storage parameters).
    Policy,
    /// Publications and event triggers.
    Publication,
    /// Owners of existing objects.
    Owner,
    /// Grants and revokes.
    Grant,
    /// Default privileges.
    DefaultPrivileges,
    /// Comments.
    Comment,
    /// Sequence positions.
    Setval,
}

/// A piece of work: statements that answer one finding.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Where it goes by default.
    pub rank: Rank,
    /// Names of what it makes or changes (`app.t`, `app.f`, `uniq:app.t`).
    pub provides: Vec<String>,
    /// Names it needs to exist first.
    pub needs: Vec<String>,
    /// The code of the finding it answers.
    pub code: String,
    /// The finding's object.
    pub object: ObjectRef,
    /// Its statements.
    pub statements: Vec<(String, Run)>,
}

impl Unit {
    /// A unit with no statements yet.
    pub fn new(rank: Rank, code: &str, object: ObjectRef) -> Unit {
        Unit {
            rank,
            provides: Vec::new(),
            needs: Vec::new(),
            code: code.to_owned(),
            object,
            statements: Vec::new(),
        }
    }

    /// Adds a statement run in the plan's transaction.
    pub fn sql(&mut self, sql: String) -> &mut Self {
        self.statements.push((sql, Run::Transaction));
        self
    }

    /// Adds a statement run on its own.
    pub fn alone(&mut self, sql: String) -> &mut Self {
        self.statements.push((sql, Run::Alone));
        self
    }

    /// Records what it provides.
    pub fn provides(&mut self, name: impl Into<String>) -> &mut Self {
        self.provides.push(name.into());
        self
    }

    /// Records what it needs.
    pub fn needs(&mut self, names: impl IntoIterator<Item = String>) -> &mut Self {
        self.needs.extend(names);
        self
    }
}

/// The units in an order that respects every need between them, by rank where free.
pub fn sort(units: Vec<Unit>) -> Vec<Unit> {
    let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, unit) in units.iter().enumerate() {
        for name in &unit.provides {
            providers.entry(name.as_str()).or_default().push(i);
        }
    }
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    let mut waiting = vec![0usize; units.len()];
    let mut edges = HashSet::new();
    for (i, unit) in units.iter().enumerate() {
        for need in &unit.needs {
            // Peers (two columns added to one table: each needs the table and provides it to
            // what uses its columns) do not wait for each other.
            let peer = |p: usize| unit.provides.contains(need) && units[p].needs.contains(need);
            for &p in providers.get(need.as_str()).into_iter().flatten() {
                if p != i && !peer(p) && edges.insert((p, i)) {
                    after[p].push(i);
                    waiting[i] += 1;
                }
            }
        }
    }
    let key = |i: usize| Reverse((units[i].rank, i));
    let mut ready: BinaryHeap<Reverse<(Rank, usize)>> = (0..units.len())
        .filter(|&i| waiting[i] == 0)
        .map(key)
        .collect();
    let mut done = vec![false; units.len()];
    let mut order = Vec::with_capacity(units.len());
    while order.len() < units.len() {
        let next = match ready.pop() {
            Some(Reverse((_, i))) if done[i] => continue,
            Some(Reverse((_, i))) => i,
            // A cycle: the first unit by rank goes first.
            None => match (0..units.len())
                .filter(|&i| !done[i])
                .min_by_key(|&i| (units[i].rank, i))
            {
                Some(i) => i,
                None => break,
            },
        };
        done[next] = true;
        order.push(next);
        for &j in &after[next] {
            waiting[j] = waiting[j].saturating_sub(1);
            if waiting[j] == 0 && !done[j] {
                ready.push(key(j));
            }
        }
    }
    let mut slots: Vec<Option<Unit>> = units.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(rank: Rank, name: &str, needs: &[&str]) -> Unit {
        let mut u = Unit::new(rank, "object.missing", ObjectRef::new("x", name));
        u.provides(name);
        u.needs(needs.iter().map(|n| n.to_string()));
        u
    }

    fn names(units: Vec<Unit>) -> Vec<String> {
        units.into_iter().map(|u| u.object.name).collect()
    }

    #[test]
    fn needs_come_first_then_rank() {
        let units = vec![
            unit(Rank::View, "v2", &["v1"]),
            unit(Rank::View, "v1", &["t"]),
            unit(Rank::Table, "t", &["ty"]),
            unit(Rank::Type, "ty", &[]),
            unit(Rank::Schema, "s", &[]),
        ];
        assert_eq!(names(sort(units)), ["s", "ty", "t", "v1", "v2"]);
    }

    #[test]
    fn peers_do_not_wait_for_each_other() {
        let mut a = unit(Rank::Column, "a", &["t"]);
        a.provides("t");
        let mut b = unit(Rank::Column, "b", &["t"]);
        b.provides("t");
        let units = vec![
            unit(Rank::Table, "r", &["k"]),
            a,
            b,
            unit(Rank::Constraint, "k", &["t"]),
        ];
        assert_eq!(names(sort(units)), ["a", "b", "k", "r"]);
    }

    #[test]
    fn a_cycle_is_broken_by_rank() {
        let units = vec![
            unit(Rank::Table, "t", &["f"]),
            unit(Rank::Function, "f", &["t"]),
        ];
        assert_eq!(names(sort(units)), ["f", "t"]);
    }
}
