//! PostgreSQL helpers shared by the tests that apply SQL to a throwaway cluster: starting it
//! (with the missing-tool rule), applying files, and reading a database's catalog back.
#![allow(dead_code)] // each test file uses its own part of this module

use schemagen::catalog;
use schemagen::cluster::{self, Cluster};
use schemagen::db::Db;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A running cluster, or `None` after a loud skip (outside CI) when Postgres is not installed.
pub fn cluster(test: &str) -> Option<Cluster> {
    match Cluster::start() {
        Ok(cluster) => Some(cluster),
        Err(e @ cluster::Error::NoServer { .. }) => {
            super::missing_tool(test, &e.to_string());
            None
        }
        Err(e) => panic!("{test}: cannot start PostgreSQL: {e}"),
    }
}

/// Applies SQL files in order; the first one Postgres rejects ends the run, reported with the
/// file's name (not its scratch path) and the line.
pub fn apply(
    pg: &Cluster,
    database: &str,
    migrations: &[(&str, &str)],
    scratch: &Path,
) -> Result<(), String> {
    for (path, sql) in migrations {
        let file = scratch.join(path.replace('/', "__"));
        std::fs::write(&file, sql).map_err(|e| format!("  writing {}: {e}", file.display()))?;
        pg.run_file(database, &file).map_err(|e| {
            // The scratch folder's name is noise in the report.
            let e = e
                .to_string()
                .replace(&format!("{}/", scratch.display()), "");
            format!("  {path}: {e}")
        })?;
    }
    Ok(())
}

/// Objects in these schemas are Postgres' own, not the system's.
/// Objects in these schemas are Postgres' own, not the system's; `auth` is Supabase's (a system
/// with the Supabase access context creates stand-ins for auth.uid()/auth.jwt() on a plain Postgres).
pub const USER_SCHEMAS: &str =
    "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'auth'";

/// A JSON array of strings from `json_agg` (NULL, for none, reads as empty).
pub fn json_list(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    serde_json::from_str(text).unwrap_or_else(|e| panic!("json_agg gave {text:?}: {e}"))
}

/// A database's user objects, each spelled by Postgres itself (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, `pg_get_indexdef`), so two databases can be compared object by
/// object. Keys are `schema.name` for enums and tables, plain names within a table.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Every user schema, `public` included.
    pub schemas: BTreeSet<String>,
    /// Enum type → its labels in order.
    pub enums: BTreeMap<String, Vec<String>>,
    pub tables: BTreeMap<String, Table>,
    /// `on <object>: <text>`, one per comment.
    pub comments: BTreeSet<String>,
}

impl Catalog {
    /// How much there is, e.g. `3 enums, 2 tables, 9 columns, 4 constraints, 3 indexes`.
    pub fn summary(&self) -> String {
        let count = |part: fn(&Table) -> usize| self.tables.values().map(part).sum::<usize>();
        format!(
            "{} enums, {} tables, {} columns, {} constraints, {} indexes",
            self.enums.len(),
            self.tables.len(),
            count(|t| t.columns.len()),
            count(|t| t.constraints.len()),
            count(|t| t.indexes.len()),
        )
    }
}

#[derive(Debug, Default)]
pub struct Table {
    /// Column → `<type>[ NOT NULL][ DEFAULT <expr>][ GENERATED … AS IDENTITY]`.
    pub columns: BTreeMap<String, String>,
    /// The column names in table order (`SELECT *`, `COPY` and `INSERT` without a column list
    /// depend on it).
    pub column_order: Vec<String>,
    /// Constraint (primary key, foreign key, unique, check, exclusion) → its definition.
    pub constraints: BTreeMap<String, String>,
    /// Index → `[UNIQUE ]INDEX USING <method> (<parts>)[ WHERE …]`: the definition without the
    /// index's own name and table, which the map key and the owning table already say.
    pub indexes: BTreeMap<String, String>,
    /// `RANGE (created_at)` for a partitioned table (`pg_get_partkeydef`).
    pub partitioned_by: Option<String>,
    /// The parent (`schema.name`) of a partition.
    pub partition_of: Option<String>,
}

/// Reads the catalog of `database` with schemagen's own reader ([`schemagen::catalog`]), in
/// the words these tests compare.
pub fn read_catalog(pg: &Cluster, database: &str) -> Result<Catalog, String> {
    let failed = |e: schemagen::db::Error| format!("  reading the catalog of {database}: {e}");
    let mut db = Db::connect(&pg.connection_string(database)).map_err(failed)?;
    let read = catalog::read(&mut db, &catalog::Scope::default()).map_err(failed)?;
    let mut out = Catalog {
        schemas: read.schemas.keys().cloned().collect(),
        ..Catalog::default()
    };
    let mut comment = |on: String, text: &Option<String>| {
        if let Some(text) = text {
            out.comments.insert(format!("on {on}: {text:?}"));
        }
    };
    for (name, value) in &read.enums {
        comment(format!("type {name}"), &value.comment);
    }
    for (name, table) in &read.tables {
        comment(format!("table {name}"), &table.comment);
        for column in &table.columns {
            comment(format!("column {name}.{}", column.name), &column.comment);
        }
    }
    for (name, value) in read.enums {
        out.enums.insert(name.to_string(), value.labels);
    }
    for (name, table) in read.tables {
        out.tables.insert(name.to_string(), test_table(table));
    }
    Ok(out)
}

fn test_table(table: catalog::Table) -> Table {
    let mut out = Table {
        column_order: table.columns.iter().map(|c| c.name.clone()).collect(),
        partitioned_by: table.partition_key.clone(),
        partition_of: table
            .partition_of
            .as_ref()
            .map(|(parent, _)| parent.to_string()),
        ..Table::default()
    };
    for column in &table.columns {
        let mut text = column.data_type.clone();
        if column.not_null {
            text.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            text.push_str(&format!(" DEFAULT {default}"));
        }
        if let Some(identity) = &column.identity {
            text.push_str(&format!(" GENERATED {identity} AS IDENTITY"));
        }
        out.columns.insert(column.name.clone(), text);
    }
    for (name, constraint) in &table.constraints {
        out.constraints
            .insert(name.clone(), constraint.definition.clone());
    }
    for (name, index) in &table.indexes {
        out.indexes.insert(name.clone(), index.shape());
    }
    out
}
