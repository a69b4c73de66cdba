//! Names Postgres derived from a renamed table or column.

use super::push;
use crate::ir::{QualifiedName, ScalarType, System, Table};
use crate::plan::{display, Change, Step};
use std::collections::{BTreeMap, BTreeSet};

/// For every table the rewrite touched: keys, indexes, checks, partitions and serial
/// sequences whose definition is unchanged but whose name differs in the next schema are
/// renamed, in place, to the next schema's names.
pub(super) fn derived_names(
    original: &System,
    renamed: &mut System,
    next: &System,
    steps: &mut Vec<Step>,
) {
    let next_tables: BTreeMap<&QualifiedName, &Table> =
        next.tables.iter().map(|t| (&t.db_name, t)).collect();
    for (before, table) in original.tables.iter().zip(&mut renamed.tables) {
        if before == table {
            continue;
        }
        let Some(next) = next_tables.get(&table.db_name) else {
            continue;
        };
        sequences(before, table, next, steps);
        primary_key(table, next, steps);
        indexes(table, next, steps);
        constraints(table, next, steps);
        partitions(before, table, next, steps);
    }
}

fn rename_constraint(table: &Table, from: &str, to: &str, what: &str, steps: &mut Vec<Step>) {
    push(
        steps,
        Change::RenameConstraint {
            table: table.db_name.clone(),
            from: from.to_string(),
            to: to.to_string(),
        },
        format!(
            "rename {what} {from} of {} to {to}",
            display(&table.db_name)
        ),
    );
}

fn primary_key(table: &mut Table, next: &Table, steps: &mut Vec<Step>) {
    let (Some(key), Some(new)) = (&mut table.primary_key, &next.primary_key) else {
        return;
    };
    if key.columns == new.columns && key.db_name != new.db_name {
        let from = std::mem::replace(&mut key.db_name, new.db_name.clone());
        let snapshot = table.clone();
        rename_constraint(&snapshot, &from, &new.db_name, "primary key", steps);
    }
}

/// Pairs elements of one table whose names differ but whose definitions agree: each
/// element of `before` named nowhere in `after` with one of `after` named nowhere in
/// `before`, first match in declaration order.
fn pair_by_definition<'n, T>(
    before: &[T],
    after: &'n [T],
    name: impl Fn(&T) -> &str,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<(usize, &'n T)> {
    let names_after: BTreeSet<&str> = after.iter().map(&name).collect();
    let names_before: BTreeSet<&str> = before.iter().map(&name).collect();
    let mut taken = vec![false; after.len()];
    let mut out = Vec::new();
    for (i, old) in before.iter().enumerate() {
        if names_after.contains(name(old)) {
            continue;
        }
        let found = after
            .iter()
            .enumerate()
            .find(|(j, new)| !taken[*j] && !names_before.contains(name(new)) && same(old, new));
        if let Some((j, new)) = found {
            taken[j] = true;
            out.push((i, new));
        }
    }
    out
}

fn indexes(table: &mut Table, next: &Table, steps: &mut Vec<Step>) {
    let pairs = pair_by_definition(
        &table.indexes,
        &next.indexes,
        |i| &i.db_name,
        |a, b| {
            a.parts == b.parts
                && a.unique == b.unique
                && a.method == b.method
                && a.predicate == b.predicate
        },
    );
    for (i, new) in pairs {
        let from = std::mem::replace(&mut table.indexes[i].db_name, new.db_name.clone());
        push(
            steps,
            Change::RenameIndex {
                table: table.db_name.clone(),
                from: from.clone(),
                to: new.db_name.clone(),
            },
            format!(
                "rename index {from} of {} to {}",
                display(&table.db_name),
                new.db_name
            ),
        );
    }
}

fn constraints(table: &mut Table, next: &Table, steps: &mut Vec<Step>) {
    let keys = pair_by_definition(
        &table.foreign_keys,
        &next.foreign_keys,
        |k| &k.db_name,
        |a, b| {
            a.columns == b.columns
                && a.referenced_table == b.referenced_table
                && a.referenced_columns == b.referenced_columns
                && a.on_delete == b.on_delete
                && a.on_update == b.on_update
        },
    );
    for (i, new) in keys {
        let from = std::mem::replace(&mut table.foreign_keys[i].db_name, new.db_name.clone());
        rename_constraint(table, &from, &new.db_name, "foreign key", steps);
    }
    let checks = pair_by_definition(
        &table.checks,
        &next.checks,
        |c| &c.db_name,
        |a, b| a.expression == b.expression,
    );
    for (i, new) in checks {
        let from = std::mem::replace(&mut table.checks[i].db_name, new.db_name.clone());
        rename_constraint(table, &from, &new.db_name, "check", steps);
    }
}

/// Partitions are tables of their own: `SET SCHEMA` on the parent leaves them behind, so they
/// move one by one; then they are renamed by bound.
fn partitions(before: &Table, table: &mut Table, next: &Table, steps: &mut Vec<Step>) {
    let (Some(parts), Some(after)) = (&mut table.partition, &next.partition) else {
        return;
    };
    let schema = &table.db_name.schema;
    if &before.db_name.schema != schema {
        for partition in &parts.partitions {
            let old = QualifiedName::new(before.db_name.schema.clone(), partition.db_name.clone());
            let comment = format!("move partition {} to schema {schema}", display(&old));
            let change = Change::SetSchema {
                table: old,
                schema: schema.clone(),
            };
            push(steps, change, comment);
        }
    }
    let pairs = pair_by_definition(
        &parts.partitions,
        &after.partitions,
        |p| &p.db_name,
        |a, b| a.bound == b.bound,
    );
    let keyed = table.primary_key.is_some();
    for (i, new) in pairs {
        let from = std::mem::replace(&mut parts.partitions[i].db_name, new.db_name.clone());
        let old = QualifiedName::new(schema.clone(), from.clone());
        push(
            steps,
            Change::RenameTable {
                table: old.clone(),
                to: new.db_name.clone(),
            },
            format!("rename partition {} to {}", display(&old), new.db_name),
        );
        // Postgres names a partition's share of the primary key after the partition.
        if keyed {
            let renamed = QualifiedName::new(schema.clone(), new.db_name.clone());
            let (from, to) = (format!("{from}_pkey"), format!("{}_pkey", new.db_name));
            let comment = format!("rename primary key {from} of {} to {to}", display(&renamed));
            let change = Change::RenameConstraint {
                table: renamed,
                from,
                to,
            };
            push(steps, change, comment);
        }
    }
}

/// Postgres names a serial or identity column's sequence `<table>_<column>_seq` when it is
/// created and keeps the name through renames; a fresh build of the next schema would not.
fn sequences(before: &Table, table: &Table, next: &Table, steps: &mut Vec<Step>) {
    for (old, column) in before.columns.iter().zip(&table.columns) {
        if !matches!(
            old.ty.scalar,
            ScalarType::Serial { .. } | ScalarType::Identity { .. }
        ) {
            continue;
        }
        let from = format!("{}_{}_seq", before.db_name.name, old.db_name);
        let to = format!("{}_{}_seq", next.db_name.name, column.db_name);
        if from != to {
            push(
                steps,
                Change::RenameSequence {
                    table: table.db_name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                },
                format!(
                    "rename sequence {from} of {} to {to}",
                    display(&table.db_name)
                ),
            );
        }
    }
}
