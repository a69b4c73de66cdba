//! Where `verify` runs its SQL: a throwaway cluster, or a database the user names by URL,
//! reached through [`crate::db::Db`] either way.

use crate::cluster::Cluster;
use crate::db::{script, Db};

/// The database name verify creates in its throwaway cluster.
const DATABASE: &str = "schemagen_verify";
/// Beside it, the database where the structural proof builds its expected side.
const EXPECTED: &str = "schemagen_expected";

pub enum Database {
    Throwaway(Cluster),
    Url(String),
}

impl Database {
    /// Starts a throwaway cluster and creates a fresh database in it.
    pub fn throwaway() -> Result<Database, String> {
        let cluster = Cluster::start().map_err(|e| e.to_string())?;
        cluster
            .create_database(DATABASE)
            .map_err(|e| e.to_string())?;
        Ok(Database::Throwaway(cluster))
    }

    /// A session on the database (the cluster, when throwaway, lives as long as `self`).
    pub fn connect(&self) -> Result<Db, String> {
        let url = match self {
            Database::Throwaway(cluster) => cluster.connection_string(DATABASE),
            Database::Url(url) => url.clone(),
        };
        Db::connect(&url).map_err(|e| format!("connecting: {e}"))
    }

    /// An empty database for the expected side of the structural proof: beside the
    /// throwaway one (same cluster, same roles), else in a throwaway cluster of its own.
    pub fn scratch(&self) -> Result<Scratch, String> {
        Ok(match self {
            Database::Throwaway(cluster) => Scratch {
                db: empty_database(cluster)?,
                _cluster: None,
            },
            Database::Url(_) => {
                let cluster = Cluster::start().map_err(|e| e.to_string())?;
                Scratch {
                    db: empty_database(&cluster)?,
                    _cluster: Some(cluster),
                }
            }
        })
    }
}

fn empty_database(cluster: &Cluster) -> Result<Db, String> {
    cluster
        .create_database(EXPECTED)
        .map_err(|e| e.to_string())?;
    Db::connect(&cluster.connection_string(EXPECTED))
        .map_err(|e| format!("connecting to the scratch database: {e}"))
}

/// A scratch database, and the cluster it lives in when that is its own (stopped on drop,
/// after the connection closes: fields drop in order).
pub struct Scratch {
    pub db: Db,
    _cluster: Option<Cluster>,
}

/// A script as `psql -f` runs it: statement by statement (its own `BEGIN … COMMIT` included),
/// so `CREATE INDEX CONCURRENTLY` behaves as in production; the first error names its line.
pub fn run_script(db: &mut Db, name: &str, sql: &str) -> Result<(), String> {
    for statement in script::statements(sql) {
        db.execute(&statement.sql)
            .map_err(|e| format!("{name}:{}: {e}", statement.line))?;
    }
    Ok(())
}

/// The rows of the last statement of `sql`, NULL read as "" (as `psql --csv` shows it).
pub fn query(db: &mut Db, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let rows = db.rows(sql).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
        .collect())
}

pub fn execute(db: &mut Db, sql: &str) -> Result<(), String> {
    db.execute(sql).map_err(|e| e.to_string())
}
