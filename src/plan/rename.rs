//! Declared renames (`renamedFrom`) → rename steps, and the previous schema as it is once
//! they ran.
//!
//! Each declaration names the old logical name; it is looked up in the previous snapshot,
//! which gives the old database name, so a rename, a `@@map` change and a move to another
//! Postgres schema are all the same thing here. The steps rename in place (`ALTER … RENAME`,
//! `SET SCHEMA`, `RENAME VALUE`): no row moves, no index is rebuilt. The previous schema is
//! then rewritten under the new names, so the ordinary diff sees renamed objects as kept and
//! plans only their other changes. What Postgres named after a renamed table or column
//! (keys, indexes, checks, serial sequences, partitions) is matched by definition and renamed
//! to the next schema's names, so the database ends up as a fresh build of the next schema.
//!
//! A declaration whose old name is gone and new name present has already run: it is ignored
//! and may be deleted. One whose old name is unknown, or still in use, or claimed twice, is
//! an error.

use super::access::AccessChange;
use super::{display, Change, Step, Transaction};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::rename::{Rename, Target};
use crate::ir::{Column, DefaultValue, Enum, IndexPart, QualifiedName, ScalarType, System, Table};
use std::collections::BTreeMap;

/// The outcome: steps that run first, and the previous schema under its new names.
pub(super) struct Renamed {
    pub prev: System,
    pub steps: Vec<Step>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Old database name → new one, per kind of object.
#[derive(Default)]
struct Names {
    tables: BTreeMap<QualifiedName, QualifiedName>,
    enums: BTreeMap<QualifiedName, QualifiedName>,
    /// Keyed by the table's NEW name: old column → new column.
    columns: BTreeMap<QualifiedName, BTreeMap<String, String>>,
    /// Keyed by the enum's NEW name: old value → new value.
    values: BTreeMap<QualifiedName, BTreeMap<String, String>>,
    /// New → old, for tables and enums.
    tables_back: BTreeMap<QualifiedName, QualifiedName>,
    enums_back: BTreeMap<QualifiedName, QualifiedName>,
}

impl Names {
    fn rename_table(&mut self, old: &Table, new: &Table) {
        self.tables.insert(old.db_name.clone(), new.db_name.clone());
        self.tables_back
            .insert(new.db_name.clone(), old.db_name.clone());
    }
    fn rename_enum(&mut self, old: QualifiedName, new: QualifiedName) {
        self.enums.insert(old.clone(), new.clone());
        self.enums_back.insert(new, old);
    }
}

pub(super) fn apply(prev: &System, next: &System) -> Renamed {
    let mut resolver = Resolver::new(prev, next);
    let names = resolver.resolve();
    let mut steps = Vec::new();
    enum_steps(prev, &names, &mut steps);
    table_steps(prev, next, &names, &mut steps);
    let mut renamed = rewrite(prev, &names);
    derived_names(prev, &mut renamed, next, &mut steps);
    Renamed {
        prev: renamed,
        steps,
        diagnostics: resolver.diagnostics,
    }
}

// ---------------------------------------------------------------------------------------
// Resolving declarations against the previous schema

struct Resolver<'a> {
    next: &'a System,
    prev_tables: ByName<'a, Table>,
    next_tables: ByName<'a, Table>,
    prev_enums: ByName<'a, Enum>,
    next_enums: ByName<'a, Enum>,
    diagnostics: Vec<Diagnostic>,
    /// (scope, old name) → the declaration that claimed it first.
    claimed: BTreeMap<(String, String), &'a Rename>,
}

/// Tables or enums of one side, by logical and by database name.
struct ByName<'a, T> {
    name: BTreeMap<&'a str, &'a T>,
    db: BTreeMap<&'a QualifiedName, &'a T>,
}

trait Named {
    fn name(&self) -> &str;
    fn db(&self) -> &QualifiedName;
}

impl Named for Table {
    fn name(&self) -> &str {
        &self.name
    }
    fn db(&self) -> &QualifiedName {
        &self.db_name
    }
}

impl Named for Enum {
    fn name(&self) -> &str {
        &self.name
    }
    fn db(&self) -> &QualifiedName {
        &self.db_name
    }
}

impl<'a, T: Named> ByName<'a, T> {
    fn new(items: &'a [T]) -> Self {
        Self {
            name: items.iter().map(|t| (t.name(), t)).collect(),
            db: items.iter().map(|t| (t.db(), t)).collect(),
        }
    }
}

/// What one side knows about a declaration: the element the old name finds in the previous
/// schema, whether the new name is taken there by another element, and whether another
/// element of the next schema still has the old name.
struct Lookup<'t, T> {
    old: Option<&'t T>,
    new_taken: bool,
    old_reused: bool,
}

/// Whether `found` is an element other than `old`.
fn other<T>(found: Option<&T>, old: Option<&T>) -> bool {
    found.is_some_and(|f| old.is_none_or(|o| !std::ptr::eq(f, o)))
}

impl<'a> Resolver<'a> {
    fn new(prev: &'a System, next: &'a System) -> Self {
        Self {
            next,
            prev_tables: ByName::new(&prev.tables),
            next_tables: ByName::new(&next.tables),
            prev_enums: ByName::new(&prev.enums),
            next_enums: ByName::new(&next.enums),
            diagnostics: Vec::new(),
            claimed: BTreeMap::new(),
        }
    }

    fn resolve(&mut self) -> Names {
        let mut names = Names::default();
        let by_kind = |f: fn(&Target) -> bool| -> Vec<&'a Rename> {
            self.next.renames.iter().filter(|r| f(&r.target)).collect()
        };
        let tables = by_kind(|t| matches!(t, Target::Table(_)));
        let enums = by_kind(|t| matches!(t, Target::Enum(_)));
        let columns = by_kind(|t| matches!(t, Target::Column { .. }));
        let values = by_kind(|t| matches!(t, Target::EnumValue { .. }));
        for rename in enums {
            let Target::Enum(to) = &rename.target else {
                continue;
            };
            let (prev, next) = (&self.prev_enums, &self.next_enums);
            let found = lookup(rename, to, prev, next);
            if let Some((old, new)) = self.decide(rename, "enum", found) {
                names.rename_enum(old.db_name.clone(), new.db_name.clone());
            }
        }
        for rename in tables {
            let Target::Table(to) = &rename.target else {
                continue;
            };
            let (prev, next) = (&self.prev_tables, &self.next_tables);
            let found = lookup(rename, to, prev, next);
            if let Some((old, new)) = self.decide(rename, "table", found) {
                names.rename_table(old, new);
            }
        }
        for rename in columns {
            if let Some((table, old, new)) = self.column_rename(rename, &names) {
                names.columns.entry(table).or_default().insert(old, new);
            }
        }
        self.columns_by_reference(&mut names);
        self.enums_by_usage(&mut names);
        for rename in values {
            if let Some((e, old, new)) = self.value_rename(rename, &names) {
                names.values.entry(e).or_default().insert(old, new);
            }
        }
        names
    }

    /// Registers the claim on the old name; false (reported) when another declaration has it.
    fn claim(&mut self, scope: &str, rename: &'a Rename) -> bool {
        let key = (scope.to_string(), rename.from.clone());
        if let Some(first) = self.claimed.get(&key) {
            if !rename.implied {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateRename,
                        rename.span,
                        format!(
                            "`{}` and `{}` are both declared renamed from `{}`",
                            first.target.path(),
                            rename.target.path(),
                            rename.from
                        ),
                    )
                    .at_path(rename.target.path())
                    .with_related(first.span, "the other declaration")
                    .with_help(
                        "one element can become only one: remove one of the two `renamedFrom`",
                    ),
                );
            }
            return false;
        }
        self.claimed.insert(key, rename);
        true
    }

    /// The element the declaration renames, `None` when it already ran (or is unknown and
    /// implied); reports what is wrong.
    fn decide<'t, T>(
        &mut self,
        rename: &'a Rename,
        scope: &str,
        found: Option<(Lookup<'t, T>, &'t T)>,
    ) -> Option<(&'t T, &'t T)> {
        let (found, new) = found?;
        if !self.claim(scope, rename) {
            return None;
        }
        let path = rename.target.path();
        let (kind, from) = (rename.target.kind(), &rename.from);
        let problem = match (found.old, found.new_taken) {
            _ if found.old_reused => (
                Code::AmbiguousRename,
                format!("`{path}` is renamed from `{from}`, but the schema still has a {kind} named `{from}`"),
                "rename or remove the other element first, or remove this `renamedFrom`",
            ),
            (Some(_), true) => (
                Code::AmbiguousRename,
                format!("`{path}` is renamed from `{from}`, but the previous schema has both names already"),
                "remove the `renamedFrom` (the old element is then dropped), or rename to a name not in use",
            ),
            (Some(old), false) => return Some((old, new)),
            (None, true) => return None,
            (None, false) if rename.implied => return None,
            (None, false) => (
                Code::UnknownRenameSource,
                format!("`{path}` is renamed from `{from}`, but the previous schema has no {kind} `{from}` there"),
                "check the spelling: `renamedFrom` takes the old logical name (model, collection, field, enum or value name as written before), not the database name",
            ),
        };
        if !rename.implied {
            let (code, message, help) = problem;
            self.diagnostics.push(
                Diagnostic::error(code, rename.span, message)
                    .at_path(path)
                    .with_help(help),
            );
        }
        None
    }

    /// Enums named after their table or column (Firestore's `<table>_<column>`, Payload's
    /// `enum_<table>_<field>`) change name with them: a column of a renamed table, or a
    /// renamed column, whose enum is gone and whose new enum is new renames the enum, matched
    /// by the column that uses it. (Other enum renames must be declared.)
    fn enums_by_usage(&self, names: &mut Names) {
        let mut found = Vec::new();
        for next in &self.next.tables {
            let Some(prev) = self.prev_table(next, names) else {
                continue;
            };
            let table_renamed = names.tables_back.contains_key(&next.db_name);
            let columns = names.columns.get(&next.db_name);
            for before in &prev.columns {
                let renamed = columns.and_then(|m| m.get(&before.db_name));
                if !table_renamed && renamed.is_none() {
                    continue;
                }
                let new_name = renamed.unwrap_or(&before.db_name);
                let (Some(old), Some(new)) =
                    (enum_of(before), next.column(new_name).and_then(enum_of))
                else {
                    continue;
                };
                let decided = names.enums.contains_key(old) || names.enums_back.contains_key(new);
                let gone = !self.next_enums.db.contains_key(old);
                let fresh = !self.prev_enums.db.contains_key(new);
                if old != new && !decided && gone && fresh {
                    found.push((old.clone(), new.clone()));
                }
            }
        }
        for (old, new) in found {
            if !names.enums.contains_key(&old) && !names.enums_back.contains_key(&new) {
                names.rename_enum(old, new);
            }
        }
    }

    /// A key column named after the table it references (Firestore's `<parent>_id`, Payload's
    /// `<target>_id` in `_rels`) changes name with it: a dropped column and an added one, each
    /// alone in a foreign key to the same renamed table, are one column renamed.
    fn columns_by_reference(&self, names: &mut Names) {
        let mut found = Vec::new();
        for next in &self.next.tables {
            let Some(prev) = self.prev_table(next, names) else {
                continue;
            };
            let mapped = names.columns.get(&next.db_name);
            let is_mapped = |old: &str, new: &str| {
                mapped.is_some_and(|m| m.contains_key(old) || m.values().any(|n| n == new))
            };
            for key in &prev.foreign_keys {
                let (Some(target), [old]) = (
                    names.tables.get(&key.referenced_table),
                    key.columns.as_slice(),
                ) else {
                    continue;
                };
                let same = next.foreign_keys.iter().find(|k| {
                    &k.referenced_table == target
                        && k.referenced_columns == key.referenced_columns
                        && k.columns.len() == 1
                });
                let Some(new) = same.map(|k| &k.columns[0]) else {
                    continue;
                };
                let (Some(before), Some(after)) = (prev.column(old), next.column(new)) else {
                    continue;
                };
                let moved = next.column(old).is_none() && prev.column(new).is_none();
                if old != new && moved && before.ty == after.ty && !is_mapped(old, new) {
                    found.push((next.db_name.clone(), old.clone(), new.clone()));
                }
            }
        }
        for (table, old, new) in found {
            names.columns.entry(table).or_default().insert(old, new);
        }
    }

    /// The previous table of a next one: the one it was renamed from, else the same database name.
    fn prev_table(&self, next: &Table, names: &Names) -> Option<&'a Table> {
        let old = names
            .tables_back
            .get(&next.db_name)
            .unwrap_or(&next.db_name);
        self.prev_tables.db.get(old).copied()
    }

    fn column_rename(
        &mut self,
        rename: &'a Rename,
        names: &Names,
    ) -> Option<(QualifiedName, String, String)> {
        let Target::Column { table, column: to } = &rename.target else {
            return None;
        };
        let next_table = *self.next_tables.name.get(table.as_str())?;
        let next = next_table.columns.iter().find(|c| &c.name == to)?;
        let scope = format!("column of {table}");
        let prev_columns = self
            .prev_table(next_table, names)
            .map_or(&[][..], |t| t.columns.as_slice());
        let old = prev_columns.iter().find(|c| c.name == rename.from);
        let found = Lookup {
            old,
            new_taken: prev_columns
                .iter()
                .any(|c| other(Some(c), old) && (&c.name == to || c.db_name == next.db_name)),
            old_reused: &rename.from != to
                && next_table.columns.iter().any(|c| c.name == rename.from),
        };
        let (old, new) = self.decide(rename, &scope, Some((found, next)))?;
        let names = (old.db_name.clone(), new.db_name.clone());
        Some((next_table.db_name.clone(), names.0, names.1))
    }

    fn value_rename(
        &mut self,
        rename: &'a Rename,
        names: &Names,
    ) -> Option<(QualifiedName, String, String)> {
        let Target::EnumValue {
            enum_name,
            value: to,
        } = &rename.target
        else {
            return None;
        };
        let next_enum = *self.next_enums.name.get(enum_name.as_str())?;
        let next = next_enum.values.iter().find(|v| &v.name == to)?;
        let old_enum = names
            .enums_back
            .get(&next_enum.db_name)
            .unwrap_or(&next_enum.db_name);
        let scope = format!("value of {enum_name}");
        let prev_values = self
            .prev_enums
            .db
            .get(old_enum)
            .map_or(&[][..], |e| e.values.as_slice());
        let old = prev_values.iter().find(|v| v.name == rename.from);
        let found = Lookup {
            old,
            new_taken: prev_values
                .iter()
                .any(|v| other(Some(v), old) && (&v.name == to || v.db_name == next.db_name)),
            old_reused: &rename.from != to
                && next_enum.values.iter().any(|v| v.name == rename.from),
        };
        let (old, new) = self.decide(rename, &scope, Some((found, next)))?;
        let values = (old.db_name.clone(), new.db_name.clone());
        Some((next_enum.db_name.clone(), values.0, values.1))
    }
}

/// A table or enum declaration against both sides; `None` when the new name is not in the
/// next schema (a flavour never declares that).
fn lookup<'t, T: Named>(
    rename: &Rename,
    to: &str,
    prev: &ByName<'t, T>,
    next: &ByName<'t, T>,
) -> Option<(Lookup<'t, T>, &'t T)> {
    let new = *next.name.get(to)?;
    let old = prev.name.get(rename.from.as_str()).copied();
    let found = Lookup {
        old,
        new_taken: other(prev.name.get(to).copied(), old)
            || other(prev.db.get(new.db()).copied(), old),
        old_reused: rename.from != to && next.name.contains_key(rename.from.as_str()),
    };
    Some((found, new))
}

// ---------------------------------------------------------------------------------------
// Steps

fn push(steps: &mut Vec<Step>, change: Change, comment: String) {
    steps.push(Step {
        change,
        comment,
        destructive: false,
        transaction: Transaction::Shared,
    });
}

fn enum_steps(prev: &System, names: &Names, steps: &mut Vec<Step>) {
    for e in &prev.enums {
        let Some(new) = names.enums.get(&e.db_name).filter(|n| **n != e.db_name) else {
            continue;
        };
        let moved = move_then_rename(&e.db_name, new);
        if e.db_name.schema != new.schema {
            push(
                steps,
                Change::SetEnumSchema {
                    enum_name: e.db_name.clone(),
                    schema: new.schema.clone(),
                },
                format!("move enum {} to schema {}", display(&e.db_name), new.schema),
            );
        }
        if moved.name != new.name {
            push(
                steps,
                Change::RenameEnum {
                    enum_name: moved.clone(),
                    to: new.name.clone(),
                },
                format!("rename enum {} to {}", display(&moved), new.name),
            );
        }
    }
    for (enum_name, values) in &names.values {
        for (from, to) in values.iter().filter(|(from, to)| from != to) {
            push(
                steps,
                Change::RenameEnumValue {
                    enum_name: enum_name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                },
                format!("rename value {from} of enum {} to {to}", display(enum_name)),
            );
        }
    }
}

/// Where an object is after `SET SCHEMA` and before `RENAME`.
fn move_then_rename(old: &QualifiedName, new: &QualifiedName) -> QualifiedName {
    QualifiedName::new(new.schema.clone(), old.name.clone())
}

fn table_steps(prev: &System, next: &System, names: &Names, steps: &mut Vec<Step>) {
    let mut moved_tables = Vec::new();
    for table in &prev.tables {
        let Some(new) = names
            .tables
            .get(&table.db_name)
            .filter(|n| **n != table.db_name)
        else {
            continue;
        };
        // Policy names embed the table's name: drop them under the old one, created again
        // under the new one by the access steps.
        let policed = prev
            .access
            .table(&table.db_name)
            .is_some_and(|a| !a.shared && !a.rules.is_empty());
        if policed && table.db_name.name != new.name {
            push(
                steps,
                Change::Access(AccessChange::DropPolicies(table.db_name.clone())),
                format!(
                    "drop the policies of {} before renaming it",
                    display(&table.db_name)
                ),
            );
        }
        let moved = move_then_rename(&table.db_name, new);
        if table.db_name.schema != new.schema {
            push(
                steps,
                Change::SetSchema {
                    table: table.db_name.clone(),
                    schema: new.schema.clone(),
                },
                format!(
                    "move table {} to schema {}",
                    display(&table.db_name),
                    new.schema
                ),
            );
            moved_tables.push(new.clone());
        }
        if moved.name != new.name {
            push(
                steps,
                Change::RenameTable {
                    table: moved.clone(),
                    to: new.name.clone(),
                },
                format!("rename table {} to {}", display(&moved), new.name),
            );
        }
    }
    for (table, columns) in &names.columns {
        for (from, to) in columns.iter().filter(|(from, to)| from != to) {
            push(
                steps,
                Change::RenameColumn {
                    table: table.clone(),
                    from: from.clone(),
                    to: to.clone(),
                },
                format!("rename column {}.{from} to {to}", display(table)),
            );
        }
    }
    // Grants follow a table into its new schema, but the role may not use that schema yet.
    if !moved_tables.is_empty() && !prev.access.is_empty() && !next.access.is_empty() {
        let role = next.access.settings().app_role;
        push(
            steps,
            Change::Access(AccessChange::Grant {
                role: role.clone(),
                tables: moved_tables,
            }),
            format!("grant the application role {role} the moved tables"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// The previous schema under the new names

fn rewrite(prev: &System, names: &Names) -> System {
    let table_name = |n: &QualifiedName| names.tables.get(n).unwrap_or(n).clone();
    let mut out = prev.clone();
    for e in &mut out.enums {
        e.db_name = names.enums.get(&e.db_name).unwrap_or(&e.db_name).clone();
        if let Some(values) = names.values.get(&e.db_name) {
            for v in &mut e.values {
                v.db_name = values.get(&v.db_name).unwrap_or(&v.db_name).clone();
            }
        }
    }
    for table in &mut out.tables {
        table.db_name = table_name(&table.db_name);
        let columns = names.columns.get(&table.db_name);
        let column = |c: &mut String| {
            if let Some(new) = columns.and_then(|m| m.get(c.as_str())) {
                *c = new.clone();
            }
        };
        for c in &mut table.columns {
            column(&mut c.db_name);
            retype(c, names);
        }
        if let Some(key) = &mut table.primary_key {
            key.columns.iter_mut().for_each(column);
        }
        for index in &mut table.indexes {
            for part in &mut index.parts {
                if let IndexPart::Column { name, .. } = part {
                    column(name);
                }
            }
        }
        if let Some(p) = &mut table.partition {
            p.columns.iter_mut().for_each(column);
        }
        for key in &mut table.foreign_keys {
            key.columns.iter_mut().for_each(column);
            key.referenced_table = table_name(&key.referenced_table);
            if let Some(referenced) = names.columns.get(&key.referenced_table) {
                for c in &mut key.referenced_columns {
                    *c = referenced.get(c.as_str()).unwrap_or(c).clone();
                }
            }
        }
    }
    for entry in &mut out.access.tables {
        entry.table = table_name(&entry.table);
    }
    // A table whose policies were dropped under its old name is policed afresh.
    out.access.tables.retain(|entry| {
        !names
            .tables
            .iter()
            .any(|(old, new)| *new == entry.table && old.name != new.name)
    });
    out
}

fn enum_of(column: &Column) -> Option<&QualifiedName> {
    match &column.ty.scalar {
        ScalarType::Enum { name } => Some(name),
        _ => None,
    }
}

/// A column's enum type and enum default under their new names.
fn retype(column: &mut Column, names: &Names) {
    let ScalarType::Enum { name } = &mut column.ty.scalar else {
        return;
    };
    if let Some(new) = names.enums.get(name) {
        *name = new.clone();
    }
    if let (Some(DefaultValue::EnumValue(value)), Some(values)) =
        (&mut column.default, names.values.get(name))
    {
        if let Some(new) = values.get(value.as_str()) {
            *value = new.clone();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Names Postgres derived from a renamed table or column

/// For every table the rewrite touched: keys, indexes, checks, partitions and serial
/// sequences whose definition is unchanged but whose name differs in the next schema are
/// renamed, in place, to the next schema's names.
fn derived_names(original: &System, renamed: &mut System, next: &System, steps: &mut Vec<Step>) {
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
    let names_after: std::collections::BTreeSet<&str> = after.iter().map(&name).collect();
    let names_before: std::collections::BTreeSet<&str> = before.iter().map(&name).collect();
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
