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
use crate::diagnostics::Diagnostic;
use crate::ir::{Column, DefaultValue, IndexPart, QualifiedName, ScalarType, System, Table};
use std::borrow::Cow;
use std::collections::BTreeMap;

mod derived;
mod resolve;

use derived::derived_names;
use resolve::Resolver;

/// The outcome: steps that run first, and the previous schema under its new names.
pub(super) struct Renamed<'a> {
    /// Borrowed when nothing is declared renamed (the common case: no copy of the history).
    pub prev: Cow<'a, System>,
    pub steps: Vec<Step>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Old database name → new one, per kind of object.
#[derive(Default)]
pub(super) struct Names {
    pub tables: BTreeMap<QualifiedName, QualifiedName>,
    pub enums: BTreeMap<QualifiedName, QualifiedName>,
    /// Keyed by the table's NEW name: old column → new column.
    pub columns: BTreeMap<QualifiedName, BTreeMap<String, String>>,
    /// Keyed by the enum's NEW name: old value → new value.
    pub values: BTreeMap<QualifiedName, BTreeMap<String, String>>,
    /// New → old, for tables and enums.
    pub tables_back: BTreeMap<QualifiedName, QualifiedName>,
    pub enums_back: BTreeMap<QualifiedName, QualifiedName>,
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

pub(super) fn apply<'a>(prev: &'a System, next: &System) -> Renamed<'a> {
    if next.renames.is_empty() {
        return Renamed {
            prev: Cow::Borrowed(prev),
            steps: Vec::new(),
            diagnostics: Vec::new(),
        };
    }
    let mut resolver = Resolver::new(prev, next);
    let names = resolver.resolve();
    let mut steps = Vec::new();
    enum_steps(prev, &names, &mut steps);
    table_steps(prev, next, &names, &mut steps);
    let mut renamed = rewrite(prev, &names);
    derived_names(prev, &mut renamed, next, &mut steps);
    Renamed {
        prev: Cow::Owned(renamed),
        steps,
        diagnostics: resolver.diagnostics,
    }
}

// ---------------------------------------------------------------------------------------
// Steps

fn push(steps: &mut Vec<Step>, change: Change, comment: String) {
    steps.push(Step {
        change,
        comment,
        destructive: false,
        transaction: Transaction::Shared,
        lints: Vec::new(),
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
    if let Some(new) = names.enums.get(&**name) {
        **name = new.clone();
    }
    if let (Some(DefaultValue::EnumValue(value)), Some(values)) =
        (&mut column.default, names.values.get(name))
    {
        if let Some(new) = values.get(value.as_str()) {
            *value = new.clone();
        }
    }
}
