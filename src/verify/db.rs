//! Where `verify` runs its SQL: a throwaway cluster, or a database the user names by URL.
//! Both go through `psql`, Postgres' own client, so schemagen needs no driver.

use crate::cluster::{self, Cluster};
use std::process::Command;

/// The database name verify creates in its throwaway cluster.
const DATABASE: &str = "schemagen_verify";

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

    /// SQL text, statements run in order, stopping at the first error.
    pub fn execute(&self, sql: &str) -> Result<(), String> {
        self.query(sql).map(|_| ())
    }

    /// A script as `psql -f` runs it: statement by statement, so that a migration's own
    /// `BEGIN … COMMIT` blocks and `CREATE INDEX CONCURRENTLY` behave as they do in production.
    pub fn run_script(&self, name: &str, sql: &str) -> Result<(), String> {
        let path = std::env::temp_dir().join(format!(
            "schemagen-verify-{}-{}",
            std::process::id(),
            name.replace(['/', '\\'], "_")
        ));
        std::fs::write(&path, sql).map_err(|e| format!("writing {}: {e}", path.display()))?;
        let result = match self {
            Database::Throwaway(cluster) => {
                cluster.run_file(DATABASE, &path).map_err(|e| e.to_string())
            }
            Database::Url(url) => psql_url(url, &["-f", &path.to_string_lossy()]).map(|_| ()),
        };
        let _ = std::fs::remove_file(&path);
        result
    }

    /// The rows of the last statement of `sql` (NULL reads as "").
    pub fn query(&self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        match self {
            Database::Throwaway(cluster) => cluster.query(DATABASE, sql).map_err(|e| e.to_string()),
            Database::Url(url) => psql_url(url, &["--csv", "-t", "-c", sql]),
        }
    }
}

fn psql_url(url: &str, args: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let program = cluster::find_server_bin()
        .map(|bin| bin.join("psql"))
        .unwrap_or_else(|_| "psql".into());
    let output = Command::new(&program)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url])
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_string());
    }
    Ok(cluster::parse_rows(&String::from_utf8_lossy(
        &output.stdout,
    )))
}
