//! What a statement did to the database, read from the catalog of the session that ran it:
//! the tables and columns that exist (by oid and column number, so renames are not losses),
//! each table's `relfilenode` (a new one means the table was rewritten), the locks held.

use crate::db::{Db, Error};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The user tables (partitions included) and their columns at one moment.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub tables: BTreeMap<u32, Relation>,
    /// (oid, column number) → column name
    pub columns: BTreeMap<(u32, i16), String>,
}

#[derive(Debug, Clone)]
pub struct Relation {
    /// `schema.table`, for people.
    pub name: String,
    /// The same, quoted by Postgres (`format('%I.%I')`), for SQL.
    pub quoted: String,
    pub relfilenode: u32,
    pub partition: bool,
}

const USER_TABLES: &str =
    "c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
    AND n.nspname NOT LIKE 'pg\\_%'";

pub fn snapshot(db: &mut Db) -> Result<Snapshot, Error> {
    let tables = db.rows(&format!(
        "SELECT c.oid, n.nspname || '.' || c.relname, format('%I.%I', n.nspname, c.relname), \
         c.relfilenode, c.relispartition \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_TABLES}"
    ))?;
    let columns = db.rows(&format!(
        "SELECT a.attrelid, a.attnum, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {USER_TABLES} AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped"
    ))?;
    Ok(Snapshot {
        tables: tables
            .into_iter()
            .map(|r| {
                let relation = Relation {
                    name: r[1].clone().unwrap_or_default(),
                    quoted: r[2].clone().unwrap_or_default(),
                    relfilenode: number(&r[3]),
                    partition: r[4].as_deref() == Some("t"),
                };
                (number(&r[0]), relation)
            })
            .collect(),
        columns: columns
            .into_iter()
            .map(|r| {
                (
                    (number(&r[0]), number(&r[1])),
                    r[2].clone().unwrap_or_default(),
                )
            })
            .collect(),
    })
}

impl Snapshot {
    /// Tables whose storage was replaced between `self` and `after`.
    pub fn rewritten(&self, after: &Snapshot) -> Vec<String> {
        self.tables
            .iter()
            .filter_map(|(oid, old)| {
                let new = after.tables.get(oid)?;
                (old.relfilenode != 0 && new.relfilenode != old.relfilenode)
                    .then(|| old.name.clone())
            })
            .collect()
    }

    /// Tables and columns that exist in `self` and not in `after` (partitions go with their table).
    pub fn dropped(&self, after: &Snapshot) -> Vec<String> {
        let tables = self
            .tables
            .iter()
            .filter(|(oid, t)| !t.partition && !after.tables.contains_key(oid))
            .map(|(_, t)| format!("table {}", t.name));
        let columns = self
            .columns
            .iter()
            .filter(|(key, _)| {
                after.tables.contains_key(&key.0) && !after.columns.contains_key(key)
            })
            .map(|((oid, _), column)| {
                let table = self.tables.get(oid).map_or("", |t| t.name.as_str());
                format!("column {table}.{column}")
            });
        tables.chain(columns).collect()
    }

    /// The name of a table in either snapshot.
    pub fn name<'a>(&'a self, after: &'a Snapshot, oid: u32) -> Option<&'a str> {
        self.tables
            .get(&oid)
            .or_else(|| after.tables.get(&oid))
            .map(|t| t.name.as_str())
    }
}

/// A table lock: (table oid, mode as `pg_locks` names it, e.g. `AccessExclusiveLock`).
pub type Lock = (u32, String);

/// The table locks the session `pid` holds.
pub fn locks(db: &mut Db, pid: i32) -> Result<BTreeSet<Lock>, Error> {
    Ok(db
        .rows(&format!(
            "SELECT relation, mode FROM pg_locks WHERE pid = {pid} AND locktype = 'relation' AND granted"
        ))?
        .into_iter()
        .map(|r| (number(&r[0]), r[1].clone().unwrap_or_default()))
        .collect())
}

/// Runs `work` while a second session samples the locks of session `pid` every millisecond:
/// the only way to see the locks of a statement that runs outside a transaction (they are
/// gone when it returns). A short statement may finish between two samples.
pub fn sampled<R>(url: &str, pid: i32, work: impl FnOnce() -> R) -> (R, BTreeSet<Lock>) {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, url) = (stop.clone(), url.to_string());
        std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            let Ok(mut db) = Db::connect(&url) else {
                return seen;
            };
            while !stop.load(Ordering::Relaxed) {
                seen.extend(locks(&mut db, pid).unwrap_or_default());
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            seen
        })
    };
    let result = work();
    stop.store(true, Ordering::Relaxed);
    (result, watcher.join().unwrap_or_default())
}

/// Lock modes from weakest to strongest.
const MODES: [&str; 8] = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];

pub fn strength(mode: &str) -> usize {
    MODES.iter().position(|m| *m == mode).unwrap_or(0)
}

/// `AccessExclusiveLock` → `ACCESS EXCLUSIVE`, as the Postgres docs and `LOCK TABLE` spell it.
pub fn mode_name(mode: &str) -> String {
    let mut out = String::new();
    for c in mode.trim_end_matches("Lock").chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn number<T: std::str::FromStr + Default>(value: &Option<String>) -> T {
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_postgres_documents_them() {
        assert_eq!(mode_name("AccessExclusiveLock"), "ACCESS EXCLUSIVE");
        assert_eq!(
            mode_name("ShareUpdateExclusiveLock"),
            "SHARE UPDATE EXCLUSIVE"
        );
        assert!(strength("AccessExclusiveLock") > strength("ShareLock"));
    }
}
