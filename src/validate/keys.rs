//! Keys as Postgres will hold them: primary key columns are NOT NULL whatever the schema says,
//! and a foreign key needs a primary key or unique constraint on exactly its referenced columns.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{QualifiedName, System, Table};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// Postgres makes every primary key column NOT NULL silently, while the generated code would
/// say `Option`/`| null`: the schema must say what the database will do.
pub fn key_columns_required(system: &System, diags: &mut Diagnostics) {
    for t in &system.tables {
        let Some(pk) = &t.primary_key else { continue };
        for column in pk.columns.iter().filter_map(|c| t.column(c)) {
            if !column.nullable {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    Code::NullableKeyColumn,
                    column.span,
                    format!(
                        "{}.{} is optional but part of the primary key of {}",
                        t.name, column.name, t.name
                    ),
                )
                .at_path(format!("{}.{}", t.name, column.name))
                .with_related(pk.span, "the primary key is declared here")
                .with_help(
                    "Postgres makes primary key columns NOT NULL: make the field required, or \
                     leave it out of the id and add a unique index instead",
                ),
            );
        }
    }
}

/// `REFERENCES t (a, b)` fails unless `t` has a primary key or a unique constraint (a unique,
/// non-partial index of plain columns) on exactly `a, b`, in any order.
pub fn foreign_keys_reference_a_key(system: &System, diags: &mut Diagnostics) {
    let tables: HashMap<&QualifiedName, &Table> =
        system.tables.iter().map(|t| (&t.db_name, t)).collect();
    for t in &system.tables {
        for fk in &t.foreign_keys {
            let Some(target) = tables.get(&fk.referenced_table) else {
                continue; // foreign_keys_match reports it
            };
            let referenced: BTreeSet<&str> =
                fk.referenced_columns.iter().map(String::as_str).collect();
            if target
                .keys()
                .any(|key| key.into_iter().collect::<BTreeSet<_>>() == referenced)
            {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    Code::ForeignKeyToNonUnique,
                    fk.span,
                    format!(
                        "the relation from {} refers to {}({}), which is neither the id nor unique",
                        t.name,
                        target.name,
                        fk.referenced_columns.join(", ")
                    ),
                )
                .at_path(t.name.clone())
                .with_related(target.span, format!("{} is declared here", target.name))
                .with_help(
                    "a relation must point at the id or at unique fields: mark the referenced \
                     fields `@unique` (or `@@unique([..])`), or refer to the id",
                ),
            );
        }
    }
}

/// `ON DELETE SET NULL` on a NOT NULL column is accepted by `CREATE TABLE` and fails at the
/// first delete of a referenced row; so does `SET DEFAULT` when the column has no default.
/// A warning, not an error: Payload's adapter makes exactly this for a required relationship,
/// and a database Payload made has it.
pub fn referential_actions_possible(system: &System, diags: &mut Diagnostics) {
    use crate::ir::ReferentialAction::{SetDefault, SetNull};
    for t in &system.tables {
        for fk in &t.foreign_keys {
            for (event, action) in [("delete", fk.on_delete), ("update", fk.on_update)] {
                let stuck = fk.columns.iter().filter_map(|c| t.column(c)).find(|c| {
                    !c.nullable
                        && (action == SetNull
                            || (action == SetDefault && !c.has_database_default()))
                });
                let Some(column) = stuck else { continue };
                diags.push(
                    Diagnostic::error(
                        Code::ImpossibleReferentialAction,
                        fk.span,
                        format!(
                            "on {event} of the referenced row, the relation would {} {}.{}, which is required: the {event} fails",
                            action.sql(),
                            t.name,
                            column.name
                        ),
                    )
                    .at_path(format!("{}.{}", t.name, column.name))
                    .with_help(
                        "make the field optional, or choose another action (`Cascade`, `Restrict`)",
                    ),
                );
            }
        }
    }
}
