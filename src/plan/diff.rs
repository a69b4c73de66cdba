//! The diff itself: one pass per phase over both systems, with lookups by database name,
//! so the work grows linearly with the schema. Phases and their order are listed in the
//! module documentation of [`super`]; within a phase, steps follow declaration order
//! (the next system's for creations, the previous one's for drops), which is deterministic.

use super::cast::{self, Cast};
use super::matched::{ByName, Matched};
use super::{display, Change, ConstraintForm, EnumUsage, Step, Transaction, ValuePosition};
use crate::ir::{
    Check, Column, ColumnType, DefaultValue, Enum, ForeignKey, Index, IndexPart, Partition,
    PartitionBound, PrimaryKey, QualifiedName, ScalarType, System, Table,
};
use std::collections::{BTreeMap, BTreeSet};

/// What happened to an enum that exists on both sides.
enum EnumChange<'a> {
    /// New values only, old ones kept in order: `ALTER TYPE … ADD VALUE`.
    Added(Vec<(&'a str, ValuePosition)>),
    /// A value was removed or the order changed: the type must be rebuilt.
    Recreated { removed: Vec<&'a str> },
}

/// The main steps in order, and the tail that runs after all of them (see [`Transaction`]).
#[derive(Default)]
struct Steps(Vec<Step>, Vec<Step>);

impl Steps {
    /// A step of the tail; tail steps keep the order they are pushed in.
    fn tail(&mut self, change: Change, comment: String, transaction: Transaction) {
        self.1.push(Step {
            change,
            comment,
            destructive: false,
            transaction,
            lints: Vec::new(),
        });
    }
    fn push(&mut self, change: Change, comment: String) {
        self.add(change, comment, false, Transaction::Shared);
    }
    fn destructive(&mut self, change: Change, comment: String) {
        self.add(change, comment, true, Transaction::Shared);
    }
    fn add(
        &mut self,
        change: Change,
        comment: String,
        destructive: bool,
        transaction: Transaction,
    ) {
        self.0.push(Step {
            change,
            comment,
            destructive,
            transaction,
            lints: Vec::new(),
        });
    }
}

/// Both systems with the lookups and facts every phase needs, computed once.
///
/// Phases visit only the tables that can yield a step: dropped ones, created ones, and kept
/// ones that are `touched`. A kept table is touched when its two sides differ, when a column
/// of it holds an enum that is rebuilt (its value-reading indexes and checks are rebuilt
/// around it, its columns are the rebuild's usages), or when a foreign key of it references
/// a table that is `rekeyed`. Every other kept table is equal on both sides and yields no
/// step in any phase: each phase keeps what both sides have alike, and those three are the
/// only facts about other objects a phase consults for a kept table.
struct Diff<'a> {
    prev: &'a System,
    next: &'a System,
    matched: &'a Matched<'a>,
    prev_enums: BTreeMap<&'a QualifiedName, &'a Enum>,
    enum_changes: Vec<(&'a Enum, EnumChange<'a>)>,
    /// Enums rebuilt because values were removed or reordered.
    recreated: BTreeSet<&'a QualifiedName>,
    /// Kept tables whose partitioning changed: to every phase, dropped and created again.
    repartitioned: BTreeSet<&'a QualifiedName>,
    /// Kept tables that lose a key another table's foreign key may rely on: those foreign
    /// keys are dropped and added again around the change.
    rekeyed: BTreeSet<&'a QualifiedName>,
    /// Kept tables with a column whose enum is rebuilt: their partial and expression indexes
    /// and their checks may compare it with enum constants, which no longer compile once
    /// the type changes, so they are dropped before the rebuild and created again after.
    enum_tables: BTreeSet<&'a QualifiedName>,
    /// Kept tables that may yield a step, as (previous, next), in the previous order.
    touched: Vec<(&'a Table, &'a Table)>,
    /// Previous tables that are dropped or touched, in the previous order.
    prev_visited: Vec<&'a Table>,
    /// Next tables that are created or touched, in the next order.
    next_visited: Vec<&'a Table>,
}

impl<'a> Diff<'a> {
    fn new(matched: &'a Matched<'a>) -> Self {
        let (prev, next) = (matched.prev, matched.next);
        // A partitioning change makes the two sides differ: only changed tables can have one.
        let repartitioned: BTreeSet<&QualifiedName> = matched
            .changed
            .iter()
            .filter(|(p, n)| super::repartitioned(p, n))
            .map(|(p, _)| &p.db_name)
            .collect();
        let prev_enums: BTreeMap<&QualifiedName, &Enum> =
            prev.enums.iter().map(|e| (&e.db_name, e)).collect();
        let enum_changes: Vec<(&Enum, EnumChange)> = next
            .enums
            .iter()
            .filter_map(|e| {
                let before = prev_enums.get(&e.db_name)?;
                enum_change(before, e).map(|change| (e, change))
            })
            .collect();
        let recreated: BTreeSet<&QualifiedName> = enum_changes
            .iter()
            .filter(|(_, c)| matches!(c, EnumChange::Recreated { .. }))
            .map(|(e, _)| &e.db_name)
            .collect();
        let changed = || {
            matched
                .changed
                .iter()
                .filter(|(p, _)| !repartitioned.contains(&p.db_name))
        };
        // A key that changes makes the two sides differ, too.
        let rekeyed: BTreeSet<&QualifiedName> = changed()
            .filter(|(p, n)| p.primary_key != n.primary_key || unique_index_changed(p, n))
            .map(|(p, _)| &p.db_name)
            .chain(repartitioned.iter().copied())
            .collect();
        let kept = || {
            matched
                .kept()
                .filter(|(p, _)| !repartitioned.contains(&p.db_name))
        };
        // Equal tables too (they may use the enum unchanged): only when an enum is rebuilt.
        let enum_tables: BTreeSet<&QualifiedName> = if recreated.is_empty() {
            BTreeSet::new()
        } else {
            kept()
                .filter(|(p, _)| {
                    p.columns
                        .iter()
                        .any(|c| enum_of(&c.ty).is_some_and(|e| recreated.contains(e)))
                })
                .map(|(p, _)| &p.db_name)
                .collect()
        };
        let references_rekeyed = |t: &Table| {
            t.foreign_keys
                .iter()
                .any(|k| rekeyed.contains(&k.referenced_table))
        };
        let mut touched_names: BTreeSet<&QualifiedName> =
            changed().map(|(p, _)| &p.db_name).collect();
        touched_names.extend(enum_tables.iter().copied());
        if !rekeyed.is_empty() {
            touched_names.extend(
                kept()
                    .filter(|(p, _)| references_rekeyed(p))
                    .map(|(p, _)| &p.db_name),
            );
        }
        let touched = if touched_names.is_empty() {
            Vec::new()
        } else {
            kept()
                .filter(|(p, _)| touched_names.contains(&p.db_name))
                .collect()
        };
        let visited = |tables: &'a [Table], other: &ByName<'a>| -> Vec<&'a Table> {
            tables
                .iter()
                .filter(|t| {
                    !other.contains_key(&t.db_name)
                        || repartitioned.contains(&t.db_name)
                        || touched_names.contains(&t.db_name)
                })
                .collect()
        };
        let prev_visited = visited(&prev.tables, &matched.next_tables);
        let next_visited = visited(&next.tables, &matched.prev_tables);
        Self {
            prev,
            next,
            matched,
            prev_enums,
            enum_changes,
            recreated,
            repartitioned,
            rekeyed,
            enum_tables,
            touched,
            prev_visited,
            next_visited,
        }
    }

    /// The previous side of a table the next one keeps (not one dropped and created again).
    fn prev_table(&self, name: &QualifiedName) -> Option<&'a Table> {
        let table = self.matched.prev_tables.get(name).copied();
        table.filter(|_| !self.repartitioned.contains(name))
    }

    /// The next side of a table the previous one had (not one dropped and created again).
    fn next_table(&self, name: &QualifiedName) -> Option<&'a Table> {
        let table = self.matched.next_tables.get(name).copied();
        table.filter(|_| !self.repartitioned.contains(name))
    }

    /// About as many steps as the diff pushes for a first migration (a step for each new
    /// table, its indexes, foreign keys, checks and comments, each enum, schema and
    /// extension): ~4,000 steps (~1 MB) at 1,000 tables, which grown by doubling touched
    /// twice their pages. Too many costs nothing (pages never written are never touched);
    /// too few, one more doubling, as before.
    fn steps_expected(&self) -> usize {
        let commented = |t: &Table| {
            usize::from(t.comment.is_some())
                + t.columns.iter().filter(|c| c.comment.is_some()).count()
        };
        let tables: usize = (self.next_visited.iter())
            .map(|t| 1 + t.indexes.len() + t.foreign_keys.len() + t.checks.len() + commented(t))
            .sum();
        let next = self.next;
        tables + 2 * next.enums.len() + next.namespaces.len() + next.extensions.len()
    }

    /// Touched kept tables, as (previous, next), in the previous system's order.
    fn kept(&self) -> impl Iterator<Item = (&'a Table, &'a Table)> + '_ {
        self.touched.iter().copied()
    }
}

/// `renames` run right after new schemas are created (a table may move into one), before
/// anything uses the new names, enum values added to a renamed enum included. Without
/// renames, values come first, as they always have (plans of unchanged kinds stay the same).
pub(super) fn diff(matched: &Matched, renames: Vec<Step>) -> Vec<Step> {
    let diff = Diff::new(matched);
    // Tables whose policies are rebuilt: dropped first, created last.
    let stale = super::access::stale(matched);
    let mut steps = Steps::default();
    steps.0.reserve(diff.steps_expected());
    if renames.is_empty() {
        add_enum_values(&diff, &mut steps);
        create_extensions(&diff, &mut steps);
        create_schemas(&diff, &mut steps);
    } else {
        create_extensions(&diff, &mut steps);
        create_schemas(&diff, &mut steps);
        steps.0.extend(renames);
        add_enum_values(&diff, &mut steps);
    }
    for (change, comment) in super::access::drops(matched, &stale) {
        steps.push(change, comment);
    }
    drop_foreign_keys(&diff, &mut steps);
    drop_table_parts(&diff, &mut steps);
    drop_tables(&diff, &mut steps);
    recreate_enums(&diff, &mut steps);
    create_enums(&diff, &mut steps);
    create_tables(&diff, &mut steps);
    alter_tables(&diff, &mut steps);
    create_indexes(&diff, &mut steps);
    add_checks(&diff, &mut steps);
    add_foreign_keys(&diff, &mut steps);
    for (change, comment) in super::access::creates(matched, &stale) {
        steps.push(change, comment);
    }
    comment(&diff, &mut steps);
    drop_enums(&diff, &mut steps);
    let Steps(mut main, tail) = steps;
    main.extend(tail);
    main
}

/// Whether `table` may hold rows while the migration runs, so its changes take the lock-safe
/// forms: it existed before, and is not partitioned (Postgres builds no index concurrently
/// and adds no `NOT VALID` foreign key on a partitioned table).
fn has_rows(diff: &Diff, table: &Table) -> bool {
    table.partition.is_none()
        && diff
            .prev_table(&table.db_name)
            .is_some_and(|p| p.partition.is_none())
}

/// Whether the key a foreign key references (its columns, as a primary key or a plain unique
/// index) is built in the tail, which the foreign key must then wait for.
fn key_built_in_tail(diff: &Diff, key: &ForeignKey) -> bool {
    let name = &key.referenced_table;
    let (Some(prev), Some(next)) = (diff.prev_table(name), diff.next_table(name)) else {
        return false;
    };
    let wanted: BTreeSet<&str> = key.referenced_columns.iter().map(String::as_str).collect();
    let new_primary_key = next
        .primary_key
        .as_ref()
        .filter(|_| prev.primary_key != next.primary_key);
    let by_key = new_primary_key.is_some_and(|k| {
        k.columns
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            == wanted
    });
    let by_index = next.indexes.iter().any(|i| {
        i.unique
            && i.predicate.is_none()
            && !index_kept(i, next, prev, &diff.enum_tables)
            && index_columns(i) == wanted
    });
    has_rows(diff, next) && (by_key || by_index)
}

/// The plain columns of an index (expressions left out).
fn index_columns(index: &Index) -> BTreeSet<&str> {
    index
        .parts
        .iter()
        .filter_map(|p| match p {
            IndexPart::Column { name, .. } => Some(name.as_str()),
            IndexPart::Expression { .. } => None,
        })
        .collect()
}

fn reads_values(index: &Index) -> bool {
    index.predicate.is_some()
        || index
            .parts
            .iter()
            .any(|p| matches!(p, IndexPart::Expression { .. }))
}

/// Whether `index` exists unchanged in `other` and need not be rebuilt for an enum rebuild.
fn index_kept(
    index: &Index,
    table: &Table,
    other: &Table,
    enum_tables: &BTreeSet<&QualifiedName>,
) -> bool {
    other.indexes.iter().find(|i| i.db_name == index.db_name) == Some(index)
        && !(reads_values(index) && enum_tables.contains(&table.db_name))
}

fn check_kept(
    check: &Check,
    table: &Table,
    other: &Table,
    enum_tables: &BTreeSet<&QualifiedName>,
) -> bool {
    other.checks.iter().find(|c| c.db_name == check.db_name) == Some(check)
        && !enum_tables.contains(&table.db_name)
}

fn unique_index_changed(prev: &Table, next: &Table) -> bool {
    prev.indexes
        .iter()
        .filter(|i| i.unique)
        .any(|i| next.indexes.iter().find(|n| n.db_name == i.db_name) != Some(i))
}

/// Extensions come before anything that may use them (an operator class, a type): those
/// declared in `extensions:` and those a column type needs (`citext`, as Prisma's
/// `extensions = [citext]` does). One the previous schema had is kept, and one no longer needed
/// is not dropped: other systems or hand-written SQL may use it.
fn create_extensions(diff: &Diff, steps: &mut Steps) {
    let mut wanted: BTreeSet<&str> = diff.next.extensions.iter().map(String::as_str).collect();
    // Only a created or touched table can need `citext` the previous schema did not: an
    // untouched one has the same columns on both sides.
    if uses_citext(diff.next_visited.iter().copied()) {
        wanted.insert("citext");
    }
    for known in &diff.prev.extensions {
        wanted.remove(known.as_str());
    }
    if wanted.contains("citext") && uses_citext(&diff.prev.tables) {
        wanted.remove("citext");
    }
    for name in wanted {
        steps.push(
            Change::CreateExtension(name.to_string()),
            format!("create extension {name}"),
        );
    }
}

fn uses_citext<'t>(tables: impl IntoIterator<Item = &'t Table>) -> bool {
    let mut columns = tables.into_iter().flat_map(|t| &t.columns);
    columns.any(|c| c.ty.scalar == ScalarType::Citext)
}

fn create_schemas(diff: &Diff, steps: &mut Steps) {
    let (prev, next) = (diff.prev, diff.next);
    let known: BTreeSet<&String> = prev.namespaces.iter().collect();
    for schema in next.namespaces.iter().filter(|s| !known.contains(s)) {
        steps.push(
            Change::CreateSchema(schema.clone()),
            format!("create schema {schema}"),
        );
    }
}

fn enum_change<'a>(prev: &'a Enum, next: &'a Enum) -> Option<EnumChange<'a>> {
    let before: Vec<&str> = prev.values.iter().map(|v| v.db_name.as_str()).collect();
    let after: Vec<&str> = next.values.iter().map(|v| v.db_name.as_str()).collect();
    if before == after {
        return None;
    }
    let old: BTreeSet<&str> = before.iter().copied().collect();
    let new: BTreeSet<&str> = after.iter().copied().collect();
    let kept_in_order: Vec<&str> = after.iter().copied().filter(|v| old.contains(v)).collect();
    if kept_in_order != before {
        let removed = before.into_iter().filter(|v| !new.contains(v)).collect();
        return Some(EnumChange::Recreated { removed });
    }
    // Each new value goes before the first old value that follows it, which keeps the
    // declared order whatever the order the values are added in.
    let added = after
        .iter()
        .enumerate()
        .filter(|(_, v)| !old.contains(*v))
        .map(|(i, v)| {
            let anchor = after[i + 1..].iter().find(|w| old.contains(*w));
            let position = match anchor {
                Some(w) => ValuePosition::Before(w.to_string()),
                None => ValuePosition::Last,
            };
            (*v, position)
        })
        .collect();
    Some(EnumChange::Added(added))
}

fn add_enum_values(diff: &Diff, steps: &mut Steps) {
    for (e, change) in &diff.enum_changes {
        let EnumChange::Added(values) = change else {
            continue;
        };
        for (value, position) in values {
            steps.add(
                Change::AddEnumValue {
                    enum_name: e.db_name.clone(),
                    value: value.to_string(),
                    position: position.clone(),
                },
                format!("add value {value} to enum {}", display(&e.db_name)),
                false,
                Transaction::CommitFirst,
            );
        }
    }
}

fn foreign_key_kept(key: &ForeignKey, next: &Table, rekeyed: &BTreeSet<&QualifiedName>) -> bool {
    !rekeyed.contains(&key.referenced_table)
        && next.foreign_keys.iter().find(|k| k.db_name == key.db_name) == Some(key)
}

/// Foreign keys go first: of changed tables, and of dropped tables too, so that tables
/// referencing each other can be dropped in any order.
fn drop_foreign_keys(diff: &Diff, steps: &mut Steps) {
    for table in diff.prev_visited.iter().copied() {
        let next = diff.next_table(&table.db_name);
        for key in &table.foreign_keys {
            if next.is_some_and(|n| foreign_key_kept(key, n, &diff.rekeyed)) {
                continue;
            }
            steps.push(
                Change::DropForeignKey {
                    table: table.db_name.clone(),
                    name: key.db_name.clone(),
                },
                format!(
                    "drop foreign key {} of {}",
                    key.db_name,
                    display(&table.db_name)
                ),
            );
        }
    }
}

/// Indexes, checks, primary keys and columns that kept tables lose or change.
fn drop_table_parts(diff: &Diff, steps: &mut Steps) {
    let kept: Vec<(&Table, &Table)> = diff.kept().collect();
    for (p, n) in &kept {
        for index in &p.indexes {
            if !index_kept(index, p, n, &diff.enum_tables) {
                steps.push(
                    Change::DropIndex {
                        table: p.db_name.clone(),
                        name: index.db_name.clone(),
                    },
                    format!("drop index {} of {}", index.db_name, display(&p.db_name)),
                );
            }
        }
    }
    for (p, n) in &kept {
        for check in &p.checks {
            if !check_kept(check, p, n, &diff.enum_tables) {
                steps.push(
                    Change::DropCheck {
                        table: p.db_name.clone(),
                        name: check.db_name.clone(),
                    },
                    format!("drop check {} of {}", check.db_name, display(&p.db_name)),
                );
            }
        }
    }
    for (p, n) in &kept {
        if let Some(key) = p
            .primary_key
            .as_ref()
            .filter(|_| p.primary_key != n.primary_key)
        {
            steps.push(
                Change::DropPrimaryKey {
                    table: p.db_name.clone(),
                    name: key.db_name.clone(),
                },
                format!(
                    "drop primary key {} of {}",
                    key.db_name,
                    display(&p.db_name)
                ),
            );
        }
    }
    for (p, n) in &kept {
        let next_columns: BTreeSet<&str> = n.columns.iter().map(|c| c.db_name.as_str()).collect();
        for column in p
            .columns
            .iter()
            .filter(|c| !next_columns.contains(c.db_name.as_str()))
        {
            steps.destructive(
                Change::DropColumn {
                    table: p.db_name.clone(),
                    column: column.db_name.clone(),
                },
                format!(
                    "drop column {}.{} and its data",
                    display(&p.db_name),
                    column.db_name
                ),
            );
        }
    }
}

fn drop_tables(diff: &Diff, steps: &mut Steps) {
    for (p, n) in diff.kept() {
        let kept: BTreeSet<&str> = partition_names(n).collect();
        for name in partition_names(p).filter(|name| !kept.contains(name)) {
            steps.destructive(
                Change::DropPartition {
                    table: p.db_name.clone(),
                    name: name.to_string(),
                },
                format!(
                    "drop partition {name} of {} and its rows",
                    display(&p.db_name)
                ),
            );
        }
    }
    for table in diff
        .prev_visited
        .iter()
        .filter(|t| diff.next_table(&t.db_name).is_none())
    {
        steps.destructive(
            Change::DropTable(table.db_name.clone()),
            format!("drop table {} and its rows", display(&table.db_name)),
        );
    }
}

/// A table's columns by database name: one lookup per column, not a scan.
/// The first column of a name wins, as with [`Table::column`].
fn columns_by_name(table: &Table) -> BTreeMap<&str, &Column> {
    table
        .columns
        .iter()
        .rev()
        .map(|c| (c.db_name.as_str(), c))
        .collect()
}

fn enum_of(ty: &ColumnType) -> Option<&QualifiedName> {
    match &ty.scalar {
        ScalarType::Enum { name } => Some(name),
        _ => None,
    }
}

fn database_default(column: &Column) -> Option<&DefaultValue> {
    column.default.as_ref().filter(|d| d.is_database_side())
}

/// Columns of kept tables that still hold a recreated enum when the rebuild runs (dropped
/// tables and columns are gone by then; new ones are created after it).
fn recreate_enums(diff: &Diff, steps: &mut Steps) {
    let mut usages: BTreeMap<&QualifiedName, Vec<EnumUsage>> = BTreeMap::new();
    for (p, n) in diff.kept() {
        let next_columns = columns_by_name(n);
        for column in &p.columns {
            let after = next_columns.get(column.db_name.as_str());
            let (Some(enum_name), Some(after)) = (enum_of(&column.ty), after) else {
                continue;
            };
            let same_type = after.ty == column.ty;
            usages.entry(enum_name).or_default().push(EnumUsage {
                table: p.db_name.clone(),
                column: column.db_name.clone(),
                array: column.ty.array,
                had_default: database_default(column).is_some(),
                restore_default: database_default(after).filter(|_| same_type).cloned(),
            });
        }
    }
    for (e, change) in &diff.enum_changes {
        let EnumChange::Recreated { removed } = change else {
            continue;
        };
        let comment = if removed.is_empty() {
            format!(
                "recreate enum {} to reorder its values",
                display(&e.db_name)
            )
        } else {
            format!(
                "recreate enum {} without value(s) {}: rows holding them make it fail",
                display(&e.db_name),
                removed.join(", ")
            )
        };
        let change = Change::RecreateEnum {
            next: (*e).clone(),
            usages: usages.remove(&e.db_name).unwrap_or_default(),
        };
        if removed.is_empty() {
            steps.push(change, comment);
        } else {
            steps.destructive(change, comment);
        }
    }
}

fn create_enums(diff: &Diff, steps: &mut Steps) {
    let (next, prev_enums) = (diff.next, &diff.prev_enums);
    for e in next
        .enums
        .iter()
        .filter(|e| !prev_enums.contains_key(&e.db_name))
    {
        steps.push(
            Change::CreateEnum(e.clone()),
            format!("create enum {}", display(&e.db_name)),
        );
    }
}

fn create_tables(diff: &Diff, steps: &mut Steps) {
    for table in diff
        .next_visited
        .iter()
        .filter(|t| diff.prev_table(&t.db_name).is_none())
    {
        steps.push(
            Change::CreateTable(table.db_name.clone()),
            format!("create table {}", display(&table.db_name)),
        );
        for partition in table.partition.iter().flat_map(|p| &p.partitions) {
            create_partition(&table.db_name, partition, None, steps);
        }
    }
    for (p, n) in diff.kept() {
        let (Some(before), Some(after)) = (&p.partition, &n.partition) else {
            continue;
        };
        let known: BTreeSet<&str> = partition_names(p).collect();
        // Rows of a new range may already sit in the default partition, kept on both sides.
        let default = before
            .partitions
            .iter()
            .find(|p| p.bound == PartitionBound::Default)
            .filter(|d| after.partitions.contains(d));
        for partition in after
            .partitions
            .iter()
            .filter(|p| !known.contains(p.db_name.as_str()))
        {
            let from_default = match (&partition.bound, default, after.columns.as_slice()) {
                (PartitionBound::Range { .. }, Some(default), [column]) => {
                    Some((default.db_name.clone(), column.clone()))
                }
                _ => None,
            };
            create_partition(&n.db_name, partition, from_default, steps);
        }
    }
}

fn partition_names(table: &Table) -> impl Iterator<Item = &str> {
    table
        .partition
        .iter()
        .flat_map(|p| p.partitions.iter().map(|p| p.db_name.as_str()))
}

fn create_partition(
    table: &QualifiedName,
    partition: &Partition,
    from_default: Option<(String, String)>,
    steps: &mut Steps,
) {
    let comment = format!(
        "create partition {} of {}",
        partition.db_name,
        display(table)
    );
    steps.push(
        Change::CreatePartition {
            table: table.clone(),
            partition: partition.clone(),
            from_default,
        },
        comment,
    );
}

fn is_identity(ty: &ColumnType) -> bool {
    matches!(ty.scalar, ScalarType::Identity { .. })
}

/// Columns added and altered in kept tables, then their primary keys.
fn alter_tables(diff: &Diff, steps: &mut Steps) {
    let kept: Vec<(&Table, &Table)> = diff.kept().collect();
    for (p, n) in &kept {
        let before = columns_by_name(p);
        for column in n
            .columns
            .iter()
            .filter(|c| !before.contains_key(c.db_name.as_str()))
        {
            steps.push(
                Change::AddColumn {
                    table: n.db_name.clone(),
                    column: Box::new(column.clone()),
                },
                format!("add column {}.{}", display(&n.db_name), column.db_name),
            );
        }
    }
    for (p, n) in &kept {
        let online = has_rows(diff, n);
        let columns = columns_by_name(p);
        for after in &n.columns {
            if let Some(before) = columns.get(after.db_name.as_str()) {
                alter_column(&n.db_name, before, after, &diff.recreated, online, steps);
            }
        }
    }
    for (p, n) in &kept {
        if let Some(key) = n
            .primary_key
            .as_ref()
            .filter(|_| p.primary_key != n.primary_key)
        {
            add_primary_key(&n.db_name, key, has_rows(diff, n), steps);
        }
    }
}

/// On a table with rows: a unique index built concurrently, which becomes the key.
fn add_primary_key(table: &QualifiedName, key: &PrimaryKey, online: bool, steps: &mut Steps) {
    let comment = format!("add primary key {} to {}", key.db_name, display(table));
    if !online {
        let change = Change::AddPrimaryKey {
            table: table.clone(),
            key: key.clone(),
        };
        return steps.push(change, comment);
    }
    let index = Index {
        db_name: key.db_name.clone(),
        parts: key
            .columns
            .iter()
            .map(|c| IndexPart::Column {
                name: c.clone(),
                order: Default::default(),
                opclass: None,
            })
            .collect(),
        unique: true,
        method: Default::default(),
        predicate: None,
        concurrently: true,
        span: key.span,
    };
    steps.tail(
        Change::CreateIndex {
            table: table.clone(),
            index,
        },
        format!(
            "build the unique index of primary key {} on {}",
            key.db_name,
            display(table)
        ),
        Transaction::Outside,
    );
    steps.tail(
        Change::AttachPrimaryKey {
            table: table.clone(),
            name: key.db_name.clone(),
        },
        comment,
        Transaction::Own,
    );
}

/// How a column is filled in when an insert leaves it out.
#[derive(PartialEq)]
enum Filled<'a> {
    Nothing,
    Default(&'a DefaultValue),
    /// A serial column's owned sequence, which the IR does not spell out as a default.
    Sequence,
}

fn filled_by(column: &Column) -> Filled<'_> {
    if matches!(column.ty.scalar, ScalarType::Serial { .. }) {
        return Filled::Sequence;
    }
    database_default(column).map_or(Filled::Nothing, Filled::Default)
}

fn alter_column(
    table: &QualifiedName,
    before: &Column,
    after: &Column,
    recreated: &BTreeSet<&QualifiedName>,
    online: bool,
    steps: &mut Steps,
) {
    let path = format!("{}.{}", display(table), after.db_name);
    let column = after.db_name.clone();
    let retyped = cast::storage(&before.ty) != cast::storage(&after.ty);
    // A recreated enum column has its default dropped and restored by the rebuild.
    let rebuilt = enum_of(&before.ty).is_some_and(|e| recreated.contains(e));
    // The old default may not cast to the new type: drop it first, set the new one after.
    // (A sequence's nextval() casts to any integer type, so it stays.)
    let drop_first = retyped && !rebuilt && matches!(filled_by(before), Filled::Default(_));
    if drop_first {
        steps.push(
            Change::DropDefault {
                table: table.clone(),
                column: column.clone(),
            },
            format!("drop the default of {path} before changing its type"),
        );
    }
    if retyped {
        let change = Change::AlterColumnType {
            table: table.clone(),
            previous: Box::new(before.clone()),
            next: Box::new(after.clone()),
        };
        match cast::classify(&cast::storage(&before.ty), &cast::storage(&after.ty)) {
            Cast::Widening => steps.push(change, format!("widen the type of {path}")),
            Cast::Narrowing => steps.push(
                change,
                format!("narrow the type of {path}: values that do not fit make it fail"),
            ),
            // Refused (E0311), never rendered: no consent makes it possible.
            Cast::Impossible => steps.push(
                change,
                format!("change the type of {path}, which PostgreSQL cannot cast"),
            ),
            Cast::Lossy => steps.destructive(
                change,
                format!(
                    "change the type of {path}: values that do not convert fail or lose precision"
                ),
            ),
        }
    }
    // ...and drop identity before a default replaces it.
    if is_identity(&before.ty) && !is_identity(&after.ty) {
        steps.push(
            Change::DropIdentity {
                table: table.clone(),
                column: column.clone(),
            },
            format!("stop generating {path} as identity"),
        );
    }
    let old = if drop_first || rebuilt {
        Filled::Nothing
    } else {
        filled_by(before)
    };
    let new = filled_by(after);
    let restored_by_rebuild = rebuilt && before.ty == after.ty;
    if old != new && !restored_by_rebuild {
        let change = match new {
            Filled::Nothing => Change::DropDefault {
                table: table.clone(),
                column: column.clone(),
            },
            Filled::Default(_) | Filled::Sequence => Change::SetDefault {
                table: table.clone(),
                column: Box::new(after.clone()),
            },
        };
        let what = if matches!(new, Filled::Nothing) {
            "drop"
        } else {
            "set"
        };
        steps.push(change, format!("{what} the default of {path}"));
    }
    if old == Filled::Sequence && new != Filled::Sequence {
        steps.push(
            Change::DropSequence {
                table: table.clone(),
                column: column.clone(),
            },
            format!("drop the sequence that filled {path}"),
        );
    }
    // After the default: rows holding NULL take the new default before the column is
    // made required; without a default they make the step fail, as they should.
    let backfill = !matches!(new, Filled::Nothing);
    match (before.nullable, after.nullable) {
        (true, false) => set_not_null(table, &column, backfill, online, steps),
        (false, true) => steps.push(
            Change::DropNotNull {
                table: table.clone(),
                column: column.clone(),
            },
            format!("make {path} optional"),
        ),
        _ => {}
    }
    // An identity column must have no default: add identity after the defaults change.
    if !is_identity(&before.ty) && is_identity(&after.ty) {
        steps.push(
            Change::AddIdentity {
                table: table.clone(),
                column,
            },
            format!("make {path} an identity column"),
        );
    }
}

/// `SET NOT NULL` scans the table under an ACCESS EXCLUSIVE lock; on a table with rows a
/// `NOT VALID` check goes first, the tail validates it (writes go on) and then sets NOT NULL,
/// which Postgres does without a scan thanks to the validated check.
fn set_not_null(
    table: &QualifiedName,
    column: &str,
    backfill: bool,
    online: bool,
    steps: &mut Steps,
) {
    let path = format!("{}.{column}", display(table));
    let comment = if backfill {
        format!("make {path} required, filling NULLs with its default")
    } else {
        format!("make {path} required (fails while rows hold NULL)")
    };
    let check = crate::ir::shorten::fit(format!("{}_{column}_not_null", table.name));
    let change = Change::SetNotNull {
        table: table.clone(),
        column: column.to_string(),
        backfill,
        via_check: online.then(|| check.clone()),
    };
    steps.push(change, comment);
    if !online {
        return;
    }
    steps.tail(
        Change::ValidateConstraint {
            table: table.clone(),
            name: check.clone(),
        },
        format!("check that no row of {path} holds NULL"),
        Transaction::Own,
    );
    steps.tail(
        Change::FinishNotNull {
            table: table.clone(),
            column: column.to_string(),
            check,
        },
        format!("make {path} NOT NULL without a scan"),
        Transaction::Own,
    );
}

/// Indexes of new tables are built with them; on a table with rows they are built
/// concurrently, in the tail (writes go on meanwhile).
fn create_indexes(diff: &Diff, steps: &mut Steps) {
    for table in diff.next_visited.iter().copied() {
        let before = diff.prev_table(&table.db_name);
        let online = has_rows(diff, table);
        for index in &table.indexes {
            if before.is_some_and(|p| index_kept(index, table, p, &diff.enum_tables)) {
                continue;
            }
            let change = Change::CreateIndex {
                table: table.db_name.clone(),
                index: Index {
                    concurrently: online,
                    ..index.clone()
                },
            };
            let comment = format!(
                "create index {} on {}",
                index.db_name,
                display(&table.db_name)
            );
            if online {
                steps.tail(change, comment, Transaction::Outside);
            } else {
                steps.push(change, comment);
            }
        }
    }
}

/// A constraint added to a table with rows: `NOT VALID` now, validated in the tail.
fn validate_later(table: &QualifiedName, name: &str, steps: &mut Steps) {
    steps.tail(
        Change::ValidateConstraint {
            table: table.clone(),
            name: name.to_string(),
        },
        format!("validate {name} on the rows of {}", display(table)),
        Transaction::Own,
    );
}

/// Checks of kept tables (new tables carry theirs in `CREATE TABLE`).
fn add_checks(diff: &Diff, steps: &mut Steps) {
    for table in diff.next_visited.iter().copied() {
        let Some(before) = diff.prev_table(&table.db_name) else {
            continue;
        };
        let online = has_rows(diff, table);
        for check in &table.checks {
            if check_kept(check, table, before, &diff.enum_tables) {
                continue;
            }
            let form = if online {
                ConstraintForm::NotValid
            } else {
                ConstraintForm::Plain
            };
            steps.push(
                Change::AddCheck {
                    table: table.db_name.clone(),
                    check: check.clone(),
                    form,
                },
                format!("add check {} to {}", check.db_name, display(&table.db_name)),
            );
            if online {
                validate_later(&table.db_name, &check.db_name, steps);
            }
        }
    }
}

/// On a table with rows a foreign key is added `NOT VALID` and validated in the tail. One
/// that references a key the tail builds waits for it, in the tail too.
fn add_foreign_keys(diff: &Diff, steps: &mut Steps) {
    for table in diff.next_visited.iter().copied() {
        let before = diff.prev_table(&table.db_name);
        let online = has_rows(diff, table);
        for key in &table.foreign_keys {
            if before.is_some_and(|p| foreign_key_kept(key, p, &diff.rekeyed)) {
                continue;
            }
            let later = key_built_in_tail(diff, key);
            let form = match (later, online || later) {
                (true, _) => ConstraintForm::NotValidOnce,
                (false, true) => ConstraintForm::NotValid,
                (false, false) => ConstraintForm::Plain,
            };
            let change = Change::AddForeignKey {
                table: table.db_name.clone(),
                key: key.clone(),
                form,
            };
            let comment = format!(
                "add foreign key {} from {} to {}",
                key.db_name,
                display(&table.db_name),
                display(&key.referenced_table)
            );
            if later {
                steps.tail(change, comment, Transaction::Own);
            } else {
                steps.push(change, comment);
            }
            if form != ConstraintForm::Plain {
                validate_later(&table.db_name, &key.db_name, steps);
            }
        }
    }
}

/// Comments that differ from the previous side; a new object counts as having none, and so
/// does a recreated enum (its comment went with the old type).
fn comment(diff: &Diff, steps: &mut Steps) {
    for e in &diff.next.enums {
        let before = diff
            .prev_enums
            .get(&e.db_name)
            .filter(|_| !diff.recreated.contains(&e.db_name))
            .and_then(|p| p.comment.as_ref());
        if before != e.comment.as_ref() {
            steps.push(
                Change::CommentOnType {
                    enum_name: e.db_name.clone(),
                    comment: e.comment.clone(),
                },
                format!("comment on enum {}", display(&e.db_name)),
            );
        }
    }
    for table in diff.next_visited.iter().copied() {
        let before = diff.prev_table(&table.db_name);
        if before.and_then(|p| p.comment.as_ref()) != table.comment.as_ref() {
            steps.push(
                Change::CommentOnTable {
                    table: table.db_name.clone(),
                    comment: table.comment.clone(),
                },
                format!("comment on table {}", display(&table.db_name)),
            );
        }
        let columns = before.map(columns_by_name).unwrap_or_default();
        for column in &table.columns {
            let old = columns
                .get(column.db_name.as_str())
                .and_then(|c| c.comment.as_ref());
            if old != column.comment.as_ref() {
                steps.push(
                    Change::CommentOnColumn {
                        table: table.db_name.clone(),
                        column: column.db_name.clone(),
                        comment: column.comment.clone(),
                    },
                    format!(
                        "comment on column {}.{}",
                        display(&table.db_name),
                        column.db_name
                    ),
                );
            }
        }
    }
}

/// Last: every column that used a dropped enum has been dropped or retyped by now.
fn drop_enums(diff: &Diff, steps: &mut Steps) {
    let (prev, next) = (diff.prev, diff.next);
    let remaining: BTreeSet<&QualifiedName> = next.enums.iter().map(|e| &e.db_name).collect();
    for e in prev
        .enums
        .iter()
        .filter(|e| !remaining.contains(&e.db_name))
    {
        steps.push(
            Change::DropEnum(e.db_name.clone()),
            format!("drop enum {}", display(&e.db_name)),
        );
    }
}
