//! The expected side of a drift check: the catalog a system's migrations produce, built by
//! applying them, in order, to a fresh database in a throwaway cluster and reading it back.
//! Postgres itself decides what the migrations mean; nothing here re-interprets SQL.

use super::{read, Catalog, Scope};
use crate::cluster::Cluster;
use crate::db::{script, Db};
use crate::render::postgres::sql::string_literal;
use crate::render::quote_ident;
use std::collections::BTreeSet;

const DATABASE: &str = "schemagen_expected";

/// The migrations up to and including `up_to` (a file name, with or without `.sql`), or all.
pub fn select<'a>(
    migrations: &'a [(String, String)],
    up_to: Option<&str>,
) -> Result<&'a [(String, String)], String> {
    let Some(last) = up_to else {
        return Ok(migrations);
    };
    let stem = |name: &str| name.strip_suffix(".sql").unwrap_or(name).to_string();
    match migrations
        .iter()
        .position(|(name, _)| stem(name) == stem(last))
    {
        Some(at) => Ok(&migrations[..=at]),
        None => {
            let known: Vec<String> = migrations.iter().map(|(n, _)| stem(n)).collect();
            Err(format!(
                "no migration named `{last}`; migrations: {}",
                known.join(", ")
            ))
        }
    }
}

/// Applies `migrations` (name, SQL) in order to a fresh database in a throwaway cluster and
/// reads its catalog. `roles` are created first (`NOLOGIN`) where missing: roles live in the
/// cluster, not in the migrations, and a `GRANT` to a role the production cluster has must
/// not fail here.
pub fn catalog(
    migrations: &[(String, String)],
    roles: &BTreeSet<String>,
    scope: &Scope,
) -> Result<Catalog, String> {
    let cluster = Cluster::start().map_err(|e| format!("starting PostgreSQL: {e}"))?;
    cluster
        .create_database(DATABASE)
        .map_err(|e| e.to_string())?;
    let mut db = Db::connect(&cluster.connection_string(DATABASE))
        .map_err(|e| format!("connecting to the throwaway database: {e}"))?;
    catalog_in(&mut db, migrations, roles, scope)
}

/// The same in an empty database the caller provides (a cluster it already runs).
pub fn catalog_in(
    db: &mut Db,
    migrations: &[(String, String)],
    roles: &BTreeSet<String>,
    scope: &Scope,
) -> Result<Catalog, String> {
    create_roles(db, roles)?;
    for (name, sql) in migrations {
        apply(db, sql).map_err(|e| format!("migration {name}: {e}"))?;
    }
    read(db, scope).map_err(|e| format!("reading the expected catalog: {e}"))
}

/// Creates each role (`NOLOGIN`) that the cluster lacks.
pub fn create_roles(db: &mut Db, roles: &BTreeSet<String>) -> Result<(), String> {
    for role in roles {
        let sql = format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {}) THEN \
             CREATE ROLE {} NOLOGIN; END IF; END $$",
            string_literal(role),
            quote_ident(role)
        );
        db.execute(&sql)
            .map_err(|e| format!("creating role {role}: {e}"))?;
    }
    Ok(())
}

/// Runs a script segment by segment, as `psql -f` (and `migrate deploy`) would; the error
/// names the line of the statement that failed.
pub fn apply(db: &mut Db, sql: &str) -> Result<(), String> {
    for segment in script::segments(script::statements(sql)) {
        if segment.transaction {
            db.execute("BEGIN").map_err(|e| e.to_string())?;
        }
        for statement in &segment.statements {
            if let Err(e) = db.execute(&statement.sql) {
                let _ = db.execute("ROLLBACK");
                return Err(format!("line {}: {e}", statement.line));
            }
        }
        if segment.transaction {
            db.execute("COMMIT").map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
