//! Both sides' tables matched by database name once per plan, and the kept ones that differ.
//!
//! A build after a small change plans against the whole history: at 10,000 tables and one
//! column added, every pass that compared each kept table column by column did the work of
//! 10,000 tables to find one step. Here each kept table is compared once (`==`: spans never
//! take part), and the passes visit only the tables that were dropped, created or changed
//! (see `diff::Diff` for what else makes an equal table worth visiting).

use crate::ir::{QualifiedName, System, Table};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

/// Tables by database name: a lookup, never iterated, so hash order never reaches a plan.
pub(super) type ByName<'a> = FxHashMap<&'a QualifiedName, &'a Table>;

pub(super) struct Matched<'a> {
    pub prev: &'a System,
    pub next: &'a System,
    pub prev_tables: ByName<'a>,
    pub next_tables: ByName<'a>,
    /// Kept tables whose previous and next definitions differ, as (previous, next), in the
    /// previous system's order.
    pub changed: Vec<(&'a Table, &'a Table)>,
}

impl<'a> Matched<'a> {
    /// With every kept table compared.
    pub fn new(prev: &'a System, next: &'a System) -> Self {
        let candidates = differing(prev, next, &[]);
        Self::among(prev, next, &candidates)
    }

    /// With only `candidates` compared (indexes into both systems' tables, from
    /// [`differing`]): the kept tables that may differ.
    pub fn among(prev: &'a System, next: &'a System, candidates: &[(usize, usize)]) -> Self {
        let changed = candidates
            .iter()
            .map(|&(p, n)| (&prev.tables[p], &next.tables[n]))
            .filter(|(p, n)| p != n)
            .collect();
        Self {
            prev,
            next,
            prev_tables: by_name(prev),
            next_tables: by_name(next),
            changed,
        }
    }

    /// Every kept table, as (previous, next), in the previous system's order.
    pub fn kept(&self) -> impl Iterator<Item = (&'a Table, &'a Table)> + '_ {
        kept(self.prev, &self.next_tables)
    }

    /// [`Matched::changed`], in the next system's order.
    pub fn changed_in_next_order(&self) -> Vec<(&'a Table, &'a Table)> {
        let changed: BTreeSet<&QualifiedName> =
            self.changed.iter().map(|(_, n)| &n.db_name).collect();
        self.next
            .tables
            .iter()
            .filter(|n| changed.contains(&n.db_name))
            .filter_map(|n| Some((*self.prev_tables.get(&n.db_name)?, n)))
            .collect()
    }

    /// Tables only the previous system has, in its order.
    pub fn dropped(&self) -> impl Iterator<Item = &'a Table> + '_ {
        let next = &self.next_tables;
        self.prev
            .tables
            .iter()
            .filter(move |t| !next.contains_key(&t.db_name))
    }

    /// Tables only the next system has, in its order.
    pub fn created(&self) -> impl Iterator<Item = &'a Table> + '_ {
        let prev = &self.prev_tables;
        self.next
            .tables
            .iter()
            .filter(move |t| !prev.contains_key(&t.db_name))
    }
}

/// (index in `prev.tables`, index in `next.tables`) of each kept table whose sides differ, in
/// the previous order: the one pass that compares every kept table, on every core (a build
/// after a small change waits for it; rayon's indexed collect keeps the order). A pair
/// `known` to be equal (`known[p] == Some(n)`: `prev.tables[p]` is a copy of `next.tables[n]`)
/// is not compared.
pub(super) fn differing(
    prev: &System,
    next: &System,
    known: &[Option<usize>],
) -> Vec<(usize, usize)> {
    let index: FxHashMap<&QualifiedName, usize> = next
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.db_name, i))
        .collect();
    prev.tables
        .par_iter()
        .enumerate()
        .with_min_len(COMPARED_PER_TASK)
        .filter_map(|(p, t)| Some((p, *index.get(&t.db_name)?)))
        .filter(|&(p, n)| known.get(p) != Some(&Some(n)) && prev.tables[p] != next.tables[n])
        .collect()
}

/// Kept tables compared per task of [`differing`]: a comparison is a few hundred
/// nanoseconds, so small systems stay on one thread.
const COMPARED_PER_TASK: usize = 256;

/// A later table of the same name wins, as it did in the `BTreeMap`s this replaces.
fn by_name(system: &System) -> ByName<'_> {
    system.tables.iter().map(|t| (&t.db_name, t)).collect()
}

fn kept<'a, 'm>(
    prev: &'a System,
    next_tables: &'m ByName<'a>,
) -> impl Iterator<Item = (&'a Table, &'a Table)> + 'm {
    prev.tables
        .iter()
        .filter_map(move |p| Some((p, *next_tables.get(&p.db_name)?)))
}
