//! The catalog reader: what a live database holds, each object spelled by Postgres itself
//! (`format_type`, `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`), so two
//! databases compare object by object. One reader serves drift detection (`schemagen diff`),
//! the tests that compare databases, and later `import` and `verify --existing`.
//!
//! Everything is read in one read-only snapshot with `search_path` emptied, so every name
//! that is not in `pg_catalog` comes back schema-qualified whatever the session had set.

pub mod diff;
pub mod expected;
mod read;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use read::read;

/// What the reader leaves out besides Postgres' own schemas (`pg_*`, `information_schema`).
#[derive(Debug, Clone)]
pub struct Scope {
    /// Schemas that are not the system's, e.g. `auth` (Supabase's, or the tests' stand-in).
    pub skip_schemas: Vec<String>,
    /// Tables skipped in whatever schema they are, e.g. the migration history table.
    pub skip_tables: Vec<String>,
}

impl Default for Scope {
    fn default() -> Scope {
        Scope {
            // `schemagen`: where `migrate deploy` keeps its history table by default.
            skip_schemas: vec![
                "auth".into(),
                "schemagen_verify".into(),
                crate::migrate::DEFAULT_HISTORY_SCHEMA.into(),
            ],
            skip_tables: vec!["schemagen_migrations".into()],
        }
    }
}

/// `schema.name` of a table or type; ordered by schema, then name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    pub schema: String,
    pub name: String,
}

impl Name {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Name {
        Name {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// `"schema"."name"`, for SQL.
    pub fn sql(&self) -> String {
        format!(
            "{}.{}",
            crate::render::quote_ident(&self.schema),
            crate::render::quote_ident(&self.name)
        )
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A database's user objects.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub schemas: BTreeMap<String, Schema>,
    /// Extension → the schema it was installed in (`pgcrypto` → `public`); its version is an
    /// installation detail, and its own objects are not the system's and are not read.
    pub extensions: BTreeMap<String, String>,
    /// Enum type → its labels in order, and its comment.
    pub enums: BTreeMap<Name, Enum>,
    pub tables: BTreeMap<Name, Table>,
    /// Sequences of their own and those behind `serial` columns (identity columns' sequences
    /// are the column's business and are left out).
    pub sequences: BTreeMap<Name, Sequence>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// `AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE … START WITH 1 CACHE 1 NO CYCLE`: what
    /// `CREATE`/`ALTER SEQUENCE` take. The current value is data, not schema.
    pub options: String,
    /// The column the sequence goes with (`OWNED BY`): table and column.
    pub owned_by: Option<(Name, String)>,
    pub grants: Grants,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Schema {
    pub grants: Grants,
    pub comment: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Enum {
    /// As `format_type` spells the type in a column (`public."Role"`).
    pub spelled: String,
    pub labels: Vec<String>,
    pub comment: Option<String>,
}

/// Grantee (`PUBLIC` for everyone) → privilege (`SELECT`, `USAGE`…) → whether it was granted
/// `WITH GRANT OPTION`. The owner's own privileges are left out: the owner differs between a
/// throwaway database and production, and owning is not granting.
pub type Grants = BTreeMap<String, BTreeMap<String, bool>>;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    /// In table order (`SELECT *`, `COPY` and `INSERT` without a column list depend on it).
    pub columns: Vec<Column>,
    /// Primary, unique, foreign key, check and exclusion constraints by name.
    pub constraints: BTreeMap<String, Constraint>,
    pub indexes: BTreeMap<String, Index>,
    /// `RANGE (created_at)` for a partitioned table (`pg_get_partkeydef`).
    pub partition_key: Option<String>,
    /// The parent of a partition, and its bound (`FOR VALUES FROM (…) TO (…)`).
    pub partition_of: Option<(Name, String)>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// The role that owns the table. Not compared by drift (a throwaway database's owner is its
    /// superuser); verify checks that the application role is not it.
    pub owner: String,
    pub policies: BTreeMap<String, Policy>,
    pub grants: Grants,
    pub comment: Option<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `format_type`: `character varying(255)`, `public."Role"[]`.
    pub data_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `ALWAYS` or `BY DEFAULT` for an identity column.
    pub identity: Option<String>,
    /// The expression of a `GENERATED ALWAYS AS (…) STORED` column.
    pub generated: Option<String>,
    /// A collation other than the type's default, quoted (`"C"`, `pg_catalog."C"`).
    pub collation: Option<String>,
    /// Inherited from a parent (a partition's columns): it follows the parent.
    pub inherited: bool,
    pub comment: Option<String>,
    /// Privileges granted on this column alone (`GRANT UPDATE (title) ON …`); the table's own
    /// grants cover every column and are not repeated here.
    pub grants: Grants,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// `p` primary key, `u` unique, `f` foreign key, `c` check, `x` exclusion.
    pub kind: char,
    /// `pg_get_constraintdef`: `FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE`.
    pub definition: String,
    /// False for a constraint added `NOT VALID` and not validated since.
    pub validated: bool,
    /// Cloned from a partitioned parent's constraint: it follows the parent.
    pub inherited: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// `pg_get_indexdef`, the whole `CREATE [UNIQUE] INDEX name ON schema.table USING …`.
    pub definition: String,
    /// False after a failed `CREATE INDEX CONCURRENTLY`.
    pub valid: bool,
    /// The primary key, unique or exclusion constraint the index backs, if any.
    pub constraint: Option<String>,
    /// A partition's copy of its parent's index: it follows the parent.
    pub inherited: bool,
}

impl Index {
    /// `[UNIQUE ]INDEX USING btree (x) WHERE …`: the definition without the index's name and
    /// table, which the map key and the owning table already say.
    pub fn shape(&self) -> String {
        let unique = self.definition.starts_with("CREATE UNIQUE INDEX");
        let rest = self
            .definition
            .find(" USING ")
            .map_or(self.definition.as_str(), |at| &self.definition[at..]);
        format!("{}INDEX{rest}", if unique { "UNIQUE " } else { "" })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    pub permissive: bool,
    /// Sorted; `PUBLIC` for everyone.
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

impl Catalog {
    /// How much there is, e.g. `3 enums, 2 tables, 9 columns, 4 constraints, 3 indexes, 2 policies`.
    pub fn summary(&self) -> String {
        let count = |part: fn(&Table) -> usize| self.tables.values().map(part).sum::<usize>();
        format!(
            "{} enums, {} tables, {} columns, {} constraints, {} indexes, {} policies",
            self.enums.len(),
            self.tables.len(),
            count(|t| t.columns.len()),
            count(|t| t.constraints.len()),
            count(|t| t.indexes.len()),
            count(|t| t.policies.len()),
        )
    }

    /// The catalog without who may do what: RLS flags, policies and every grant. What is left
    /// is what the migrations build, so two databases whose access differs still compare equal.
    pub fn without_access(&self) -> Catalog {
        let mut out = self.clone();
        for schema in out.schemas.values_mut() {
            schema.grants.clear();
        }
        for sequence in out.sequences.values_mut() {
            sequence.grants.clear();
        }
        for table in out.tables.values_mut() {
            table.rls_enabled = false;
            table.rls_forced = false;
            table.policies.clear();
            table.grants.clear();
            for column in &mut table.columns {
                column.grants.clear();
            }
        }
        out
    }

    /// Every role named by a grant or a policy (not `PUBLIC`), for creating them elsewhere.
    pub fn roles(&self) -> BTreeSet<String> {
        let grants = self
            .schemas
            .values()
            .map(|s| &s.grants)
            .chain(self.tables.values().map(|t| &t.grants))
            .chain(self.sequences.values().map(|s| &s.grants))
            .chain(
                self.tables
                    .values()
                    .flat_map(|t| t.columns.iter().map(|c| &c.grants)),
            )
            .flat_map(|g| g.keys());
        let policies = self
            .tables
            .values()
            .flat_map(|t| t.policies.values())
            .flat_map(|p| p.roles.iter());
        grants
            .chain(policies)
            .filter(|r| *r != "PUBLIC")
            .cloned()
            .collect()
    }
}

/// The drift of the database `live` is connected to from what `migrations` (name, SQL; in
/// order) produce, up to and including the migration `up_to` when given. Empty: no drift.
pub fn drift(
    live: &mut crate::db::Db,
    migrations: &[(String, String)],
    up_to: Option<&str>,
    scope: &Scope,
) -> Result<Vec<diff::Drift>, String> {
    let migrations = expected::select(migrations, up_to)?;
    let actual = read(live, scope).map_err(|e| format!("reading the live catalog: {e}"))?;
    let roles = cluster_roles(live).map_err(|e| format!("reading the live roles: {e}"))?;
    let wanted = expected::catalog(migrations, &roles, scope)?;
    Ok(diff::compare(&actual, &wanted))
}

/// The drift of the database at `url` from the migrations `system` has in `out_dir`.
pub fn drift_at_url(
    url: &str,
    out_dir: &std::path::Path,
    system: &str,
    up_to: Option<&str>,
) -> Result<Vec<diff::Drift>, String> {
    let history = crate::history::read(out_dir, system)
        .map_err(|e| format!("reading {}: {e}", out_dir.join(system).display()))?;
    if history.migrations.is_empty() {
        return Err(format!(
            "{system} has no migrations in {}: run `schemagen build` first",
            out_dir.join(system).join("migrations").display()
        ));
    }
    let mut live = crate::db::Db::connect(url).map_err(|e| format!("connecting: {e}"))?;
    drift(&mut live, &history.migrations, up_to, &Scope::default())
}

/// The roles of the live cluster (not Postgres' own `pg_*`): the migrations may grant to a
/// role they do not create, and the throwaway cluster must have it too.
pub fn cluster_roles(db: &mut crate::db::Db) -> Result<BTreeSet<String>, crate::db::Error> {
    let rows = db.rows("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_'")?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}
