//! Declarations → old and new database names, checked against the previous schema.

use super::{enum_of, Names};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::rename::{Rename, Target};
use crate::ir::{Enum, QualifiedName, System, Table};
use std::collections::BTreeMap;

pub(super) struct Resolver<'a> {
    next: &'a System,
    prev_tables: ByName<'a, Table>,
    next_tables: ByName<'a, Table>,
    prev_enums: ByName<'a, Enum>,
    next_enums: ByName<'a, Enum>,
    pub diagnostics: Vec<Diagnostic>,
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
    pub fn new(prev: &'a System, next: &'a System) -> Self {
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

    pub fn resolve(&mut self) -> Names {
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
