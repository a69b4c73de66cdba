//! Drops that look like renames nobody declared: a column dropped and another of a type it
//! converts to without loss added in the same table, a table dropped and one with the same
//! columns or the same logical name created (in any schema: a `@@map` or `@@schema` change),
//! an enum dropped and one with the same values created.
//! Planned as they are, they lose the data; `build` stops and says how to keep it (declare
//! the rename) or that losing it is intended (`--accept-data-loss`).
//!
//! Runs on the previous schema after declared renames are applied, so a declared rename is
//! never suspected.

use super::cast::{classify, same_kind, Cast};

use super::display;
use super::matched::Matched;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Column, ColumnType, Enum, QualifiedName, Span, System, Table};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn suspected_renames(matched: &Matched) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    columns(matched, &mut out);
    tables(matched, &mut out);
    enums(matched.prev, matched.next, &mut out);
    out
}

/// Whether every value of a `from` column converts to `to` unchanged: the same stored type,
/// or a widening (longer varchar, varchar → text, smaller → larger integer, real → double,
/// more numeric precision at the same scale, more fractional seconds) within the same kind of
/// value: an integer column dropped and a text one added are two different fields.
pub(crate) fn converts_losslessly(from: &ColumnType, to: &ColumnType) -> bool {
    let (from, to) = (super::cast::storage(from), super::cast::storage(to));
    classify(&from, &to) == Cast::Widening && same_kind(&from.scalar, &to.scalar)
}

/// Pairs each new element with the first unpaired dropped one that `fits`, in declaration order.
fn pair<'a, T>(
    dropped: &[&'a T],
    created: &[&'a T],
    fits: impl Fn(&T, &T) -> bool,
) -> Vec<(&'a T, &'a T)> {
    let mut used = vec![false; dropped.len()];
    let mut out = Vec::new();
    for new in created {
        if let Some(i) = (0..dropped.len()).find(|&i| !used[i] && fits(dropped[i], new)) {
            used[i] = true;
            out.push((dropped[i], *new));
        }
    }
    out
}

/// The schema's `acceptDataLoss:` names the dropped object: its loss is intended.
fn accepted(next: &System, lost: &str) -> bool {
    next.accept_data_loss.iter().any(|a| a.path == lost)
}

/// Pairs each new element with the first unpaired dropped one that shares a key with it, in
/// declaration order. The dropped ones are indexed by key once, and each key's cursor only
/// moves forward, so many tables moved at once pair in linear time.
fn pair_by_key<'a, T>(
    dropped: &[&'a T],
    created: &[&'a T],
    keys: impl Fn(&T) -> Vec<String>,
) -> Vec<(&'a T, &'a T)> {
    // Key → (cursor, indices of the dropped elements that have it, ascending).
    let mut groups: BTreeMap<String, (usize, Vec<usize>)> = BTreeMap::new();
    for (i, old) in dropped.iter().enumerate() {
        for key in keys(old) {
            groups.entry(key).or_default().1.push(i);
        }
    }
    let mut used = vec![false; dropped.len()];
    let mut out = Vec::new();
    for new in created {
        let mut first: Option<usize> = None;
        for key in keys(new) {
            let Some((cursor, indices)) = groups.get_mut(&key) else {
                continue;
            };
            while indices.get(*cursor).is_some_and(|&i| used[i]) {
                *cursor += 1;
            }
            if let Some(&i) = indices.get(*cursor) {
                first = Some(first.map_or(i, |f| f.min(i)));
            }
        }
        if let Some(i) = first {
            used[i] = true;
            out.push((dropped[i], *new));
        }
    }
    out
}

/// The elements only `prev` has and those only `next` has, by database name, each in
/// declaration order.
fn dropped_and_created<'a, T>(
    prev: &'a [T],
    next: &'a [T],
    name: impl Fn(&'a T) -> &'a QualifiedName,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let before: BTreeSet<&QualifiedName> = prev.iter().map(&name).collect();
    let after: BTreeSet<&QualifiedName> = next.iter().map(&name).collect();
    (
        prev.iter().filter(|x| !after.contains(name(x))).collect(),
        next.iter().filter(|x| !before.contains(name(x))).collect(),
    )
}

fn suspected(
    span: Span,
    path: String,
    message: String,
    declare: String,
    lost: String,
) -> Diagnostic {
    Diagnostic::error(Code::SuspectedRename, span, message)
        .at_path(path)
        .with_help(format!(
            "if it is a rename, declare it so the rows stay: {declare}. If the data may go, build with \
             `--accept-data-loss` (or acknowledge `{lost}` under `acceptDataLoss:`)"
        ))
}

/// In kept tables that changed (an equal table drops no column), in the next system's order.
fn columns(matched: &Matched, out: &mut Vec<Diagnostic>) {
    let next = matched.next;
    for (p, n) in matched.changed_in_next_order() {
        let before: BTreeSet<&str> = p.columns.iter().map(|c| c.db_name.as_str()).collect();
        let after: BTreeSet<&str> = n.columns.iter().map(|c| c.db_name.as_str()).collect();
        let dropped: Vec<&Column> = p
            .columns
            .iter()
            .filter(|c| !after.contains(c.db_name.as_str()))
            .collect();
        let added: Vec<&Column> = n
            .columns
            .iter()
            .filter(|c| !before.contains(c.db_name.as_str()))
            .collect();
        for (old, new) in pair(&dropped, &added, |o, n| converts_losslessly(&o.ty, &n.ty)) {
            let lost = format!("{}.{}", display(&p.db_name), old.db_name);
            if accepted(next, &lost) {
                continue;
            }
            out.push(suspected(
                new.span,
                format!("{}.{}", n.name, new.name),
                format!(
                    "field `{}.{}` is added and `{}` ({lost}) is dropped with its data: is this a rename?",
                    n.name, new.name, old.name
                ),
                format!(
                    "add `@renamedFrom(\"{0}\")` to the field's line (Prisma-style) or `renamedFrom: {0}` to the field (Payload-, Firestore-style)",
                    old.name
                ),
                lost,
            ));
        }
    }
}

/// A table's columns as (database name, stored type), sorted: what "the same columns" means.
fn shape(table: &Table) -> Vec<(&str, ColumnType)> {
    let mut columns: Vec<(&str, ColumnType)> = table
        .columns
        .iter()
        .map(|c| (c.db_name.as_str(), super::cast::storage(&c.ty)))
        .collect();
    columns.sort_by(|a, b| a.0.cmp(b.0));
    columns
}

fn tables(matched: &Matched, out: &mut Vec<Diagnostic>) {
    let next = matched.next;
    let dropped: Vec<&Table> = matched.dropped().collect();
    let created: Vec<&Table> = matched.created().collect();
    // The same logical name (a `@@map` or `@@schema` change), or the same columns.
    let keys = |t: &Table| vec![format!("name {}", t.name), format!("shape {:?}", shape(t))];
    for (old, new) in pair_by_key(&dropped, &created, keys) {
        let lost = display(&old.db_name).to_string();
        if accepted(next, &lost) {
            continue;
        }
        out.push(suspected(
            new.span,
            new.name.clone(),
            format!(
                "`{}` ({}) is created and `{}` ({lost}) is dropped with its rows: is this a rename?",
                new.name,
                display(&new.db_name),
                old.name
            ),
            format!("add `renamedFrom: {}` to the model or collection", old.name),
            lost,
        ));
    }
}

fn enums(prev: &System, next: &System, out: &mut Vec<Diagnostic>) {
    let (dropped, created) = dropped_and_created(&prev.enums, &next.enums, |e| &e.db_name);
    let values = |e: &Enum| {
        vec![format!(
            "{:?}",
            e.values.iter().map(|v| &v.db_name).collect::<Vec<_>>()
        )]
    };
    for (old, new) in pair_by_key(&dropped, &created, values) {
        let lost = display(&old.db_name).to_string();
        if accepted(next, &lost) {
            continue;
        }
        out.push(suspected(
            new.span,
            new.name.clone(),
            format!(
                "enum `{}` ({}) is created and `{}` ({lost}), with the same values, is dropped: is this a rename?",
                new.name,
                display(&new.db_name),
                old.name
            ),
            format!("add `renamedFrom: {}` to the enum", old.name),
            lost,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::converts_losslessly;

    #[test]
    fn each_new_element_takes_the_first_unpaired_dropped_one_sharing_a_key() {
        // (name, shape): a pairs with the first "x"-shaped drop, c with the drop named "c"
        // even though an earlier drop has its shape, d with the next unused "x" one.
        let dropped = [("p", "x"), ("c", "y"), ("q", "x"), ("r", "y")];
        let created = [("a", "x"), ("c", "x"), ("d", "x"), ("e", "z")];
        let (dropped, created): (Vec<_>, Vec<_>) =
            (dropped.iter().collect(), created.iter().collect());
        let keys = |t: &(&str, &str)| vec![format!("name {}", t.0), format!("shape {}", t.1)];
        let pairs: Vec<(&str, &str)> = super::pair_by_key(&dropped, &created, keys)
            .into_iter()
            .map(|(old, new)| (old.0, new.0))
            .collect();
        assert_eq!(pairs, [("p", "a"), ("c", "c"), ("q", "d")]);
    }
    use crate::ir::ColumnType;
    use crate::ir::ScalarType::*;

    fn lossless(from: crate::ir::ScalarType, to: crate::ir::ScalarType) -> bool {
        converts_losslessly(&ColumnType::scalar(from), &ColumnType::scalar(to))
    }

    #[test]
    fn same_or_wider_types_convert_without_loss() {
        assert!(lossless(Text, Text));
        assert!(
            lossless(Serial { big: false }, Integer),
            "serial stores integer"
        );
        assert!(
            lossless(Integer, Identity { big: true }),
            "bigint identity is wider"
        );
        assert!(lossless(
            Varchar { length: Some(20) },
            Varchar { length: Some(50) }
        ));
        assert!(lossless(
            Varchar { length: Some(20) },
            Varchar { length: None }
        ));
        assert!(lossless(Varchar { length: Some(20) }, Text));
        assert!(lossless(SmallInt, BigInt));
        assert!(lossless(Real, Double));
        let numeric = |precision, scale| Numeric {
            precision: Some(precision),
            scale: Some(scale),
        };
        assert!(lossless(numeric(10, 2), numeric(12, 2)));
        assert!(lossless(
            Timestamptz { precision: Some(3) },
            Timestamptz { precision: None }
        ));
    }

    #[test]
    fn narrowing_or_reinterpreting_types_lose_values() {
        assert!(!lossless(Text, Varchar { length: Some(50) }));
        assert!(!lossless(
            Varchar { length: Some(50) },
            Varchar { length: Some(20) }
        ));
        assert!(!lossless(BigInt, Integer));
        assert!(!lossless(Double, Real));
        assert!(!lossless(Text, Integer), "`00123` would become 123");
        assert!(
            !lossless(Integer, Text),
            "a number and a text are different fields"
        );
        let numeric = |precision, scale| Numeric {
            precision: Some(precision),
            scale: Some(scale),
        };
        assert!(!lossless(numeric(12, 4), numeric(12, 2)), "scale cut");
        assert!(!lossless(
            Timestamptz { precision: Some(6) },
            Timestamptz { precision: Some(3) }
        ));
        assert!(!lossless(
            Timestamp { precision: None },
            Timestamptz { precision: None }
        ));
        assert!(!converts_losslessly(
            &ColumnType::scalar(Text),
            &ColumnType::array_of(Text)
        ));
    }
}
