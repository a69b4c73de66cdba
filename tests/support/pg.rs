//! PostgreSQL helpers shared by the tests that apply SQL to a throwaway cluster: starting it
//! (with the missing-tool rule), applying files, and reading a database's catalog back.
#![allow(dead_code)] // each test file uses its own part of this module

use schemagen::cluster::{self, Cluster};
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

/// Reads the catalog of `database`.
pub fn read_catalog(pg: &Cluster, database: &str) -> Result<Catalog, String> {
    let query = |sql: &str| {
        pg.query(database, &sql.replace("$USER_SCHEMAS", USER_SCHEMAS))
            .map_err(|e| format!("  reading the catalog of {database}: {e}"))
    };
    let mut catalog = Catalog::default();
    for row in query("SELECT n.nspname FROM pg_namespace n WHERE $USER_SCHEMAS")? {
        catalog.schemas.insert(row[0].clone());
    }
    let enums = query(
        "SELECT n.nspname || '.' || t.typname, json_agg(e.enumlabel ORDER BY e.enumsortorder)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
         WHERE $USER_SCHEMAS GROUP BY 1",
    )?;
    for row in enums {
        catalog.enums.insert(row[0].clone(), json_list(&row[1]));
    }
    let tables = query(
        "SELECT n.nspname || '.' || c.relname,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                (SELECT pn.nspname || '.' || p.relname FROM pg_inherits h
                 JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
                 WHERE h.inhrelid = c.oid AND c.relispartition)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND $USER_SCHEMAS",
    )?;
    for row in tables {
        let table = catalog.tables.entry(row[0].clone()).or_default();
        let text = |s: &String| Some(s.clone()).filter(|s| !s.is_empty());
        table.partitioned_by = text(&row[1]);
        table.partition_of = text(&row[2]);
    }
    let columns = query(
        "SELECT n.nspname || '.' || c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
                || CASE a.attidentity WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY'
                                      WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' ELSE '' END
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND $USER_SCHEMAS
         ORDER BY 1, a.attnum",
    )?;
    for row in columns {
        let table = catalog.tables.entry(row[0].clone()).or_default();
        table.column_order.push(row[1].clone());
        table.columns.insert(row[1].clone(), row[2].clone());
    }
    // Not `n` (Postgres 18 records NOT NULL as constraints): the column already says it.
    let constraints = query(
        "SELECT n.nspname || '.' || c.relname, k.conname, pg_get_constraintdef(k.oid)
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND $USER_SCHEMAS",
    )?;
    for row in constraints {
        let table = catalog.tables.entry(row[0].clone()).or_default();
        table.constraints.insert(row[1].clone(), row[2].clone());
    }
    let indexes = query(
        "SELECT n.nspname || '.' || c.relname, i.relname, pg_get_indexdef(x.indexrelid)
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE $USER_SCHEMAS",
    )?;
    for row in indexes {
        let table = catalog.tables.entry(row[0].clone()).or_default();
        table
            .indexes
            .insert(row[1].clone(), index_definition(&row[2]));
    }
    let comments = query(
        "SELECT 'on ' || CASE WHEN d.objsubid = 0 THEN 'table ' ELSE 'column ' END
                || n.nspname || '.' || c.relname || coalesce('.' || a.attname, ''), d.description
         FROM pg_description d
         JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
         WHERE $USER_SCHEMAS
         UNION ALL
         SELECT 'on type ' || n.nspname || '.' || t.typname, d.description
         FROM pg_description d
         JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE $USER_SCHEMAS",
    )?;
    for row in comments {
        catalog.comments.insert(format!("{}: {:?}", row[0], row[1]));
    }
    Ok(catalog)
}

/// `CREATE UNIQUE INDEX "a_key" ON public."A" USING btree (x)` → `UNIQUE INDEX USING btree (x)`:
/// the name and the (search_path-dependent) table spelling go; everything that makes the
/// index what it is stays.
fn index_definition(indexdef: &str) -> String {
    let unique = indexdef.starts_with("CREATE UNIQUE INDEX");
    let rest = indexdef
        .find(" USING ")
        .map_or(indexdef, |at| &indexdef[at..]);
    format!("{}INDEX{rest}", if unique { "UNIQUE " } else { "" })
}
