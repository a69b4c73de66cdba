//! `schemagen rehearse`: the new migration(s) of a system, applied to a database that holds rows
//! before anyone applies them in production.
//!
//! A throwaway cluster is brought to the migration before the new one(s), every table gets
//! a few thousand synthetic rows ([`crate::synth::volume`]; before each further migration,
//! the tables still empty get theirs), then each new migration runs
//! segment by segment, statement by statement, as `migrate deploy` would. After each statement
//! the session's own catalog says what it did: the locks it took (within a transaction the set
//! only grows, so the new ones are the difference), tables rewritten (`relfilenode` changed),
//! tables and columns dropped; per migration, each table's rows before and after.
//!
//! A migration passes when every statement applies and nothing is lost that the migration did
//! not accept: a loss is accepted when the statement that causes it (for rows: a statement that
//! locked or dropped the table) is marked `-- WARNING: destructive` in the file.

mod observe;
pub mod report;

use crate::cluster::Cluster;
use crate::db::{script, Db, Error};
use crate::synth::volume::{self, Filled};
use observe::Snapshot;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The database created in the throwaway cluster.
const DATABASE: &str = "schemagen_rehearse";

/// Synthetic rows per table unless told otherwise: "a few thousand", enough for a rewrite to show.
pub const DEFAULT_ROWS: u64 = 2000;

/// The comment `plan` writes above a step that loses data (the loss is accepted by writing it).
pub const DESTRUCTIVE: &str = "-- WARNING: destructive";

#[derive(Debug, Clone)]
pub struct Options {
    /// Rows to make per table.
    pub rows: u64,
    /// The first migration to rehearse; `None`: the newest.
    pub from: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rows: DEFAULT_ROWS,
            from: None,
        }
    }
}

#[derive(Debug)]
pub struct Report {
    pub system: String,
    /// The migrations applied (on an empty database) before the rows went in.
    pub base: Vec<String>,
    pub filled: Vec<Filled>,
    pub migrations: Vec<Migration>,
}

#[derive(Debug)]
pub struct Migration {
    pub name: String,
    pub statements: Vec<Statement>,
    pub tables: Vec<TableRows>,
}

#[derive(Debug)]
pub struct Statement {
    pub line: usize,
    /// The statement's first line of SQL (comments left out).
    pub summary: String,
    pub outcome: Outcome,
    /// The strongest lock it took: (mode, tables that got it).
    pub lock: Option<(String, Vec<String>)>,
    /// Whether the lock was sampled from another session (statements outside a transaction).
    pub sampled: bool,
    pub rewritten: Vec<String>,
    /// Tables and columns it dropped.
    pub dropped: Vec<String>,
    /// Marked `-- WARNING: destructive` in the migration: its losses are accepted.
    pub destructive: bool,
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Failed(Error),
    /// Applied, then undone with its `BEGIN … COMMIT` block when a later statement failed.
    RolledBack,
    /// An earlier statement failed: this one never ran.
    NotRun,
}

/// Rows of one table before and after a migration (`None`: the table did not exist).
#[derive(Debug)]
pub struct TableRows {
    pub table: String,
    pub before: Option<u64>,
    pub after: Option<u64>,
    /// A loss here is covered by a destructive statement of the migration on this table.
    pub accepted: bool,
}

impl TableRows {
    pub fn lost(&self) -> bool {
        matches!((self.before, self.after), (Some(b), a) if b > 0 && a.is_none_or(|a| a < b))
    }
}

impl Statement {
    /// Dropped a table or column without the migration accepting it.
    pub fn unaccepted_loss(&self) -> bool {
        self.outcome == Outcome::Applied && !self.dropped.is_empty() && !self.destructive
    }
}

impl Migration {
    pub fn failed(&self) -> bool {
        self.statements
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Failed(_)))
    }
    pub fn passed(&self) -> bool {
        !self.failed()
            && !self.statements.iter().any(Statement::unaccepted_loss)
            && !self.tables.iter().any(|t| t.lost() && !t.accepted)
    }
}

impl Report {
    pub fn passed(&self) -> bool {
        self.migrations.iter().all(Migration::passed)
    }
}

/// Rehearses `migrations` (file name, SQL; in order) in a throwaway cluster.
pub fn rehearse(
    system: &str,
    migrations: &[(String, String)],
    options: &Options,
) -> Result<Report, String> {
    let cluster = Cluster::start().map_err(|e| e.to_string())?;
    cluster
        .create_database(DATABASE)
        .map_err(|e| e.to_string())?;
    rehearse_in(
        &cluster.connection_string(DATABASE),
        system,
        migrations,
        options,
    )
}

/// Rehearses in the empty database at `url`.
pub fn rehearse_in(
    url: &str,
    system: &str,
    migrations: &[(String, String)],
    options: &Options,
) -> Result<Report, String> {
    let first_new = first_new(migrations, options.from.as_deref())?;
    let mut db = Db::connect(url).map_err(|e| format!("connecting: {e}"))?;
    let (base, new) = migrations.split_at(first_new);
    for (name, sql) in base {
        for statement in script::statements(sql) {
            db.execute(&statement.sql).map_err(|e| {
                format!(
                    "building the database before the rehearsal: {name}:{}: {e}",
                    statement.line
                )
            })?;
        }
    }
    let mut report = Report {
        system: system.to_string(),
        base: base.iter().map(|(name, _)| name.clone()).collect(),
        filled: Vec::new(),
        migrations: Vec::new(),
    };
    let mut session = Session {
        pid: db.backend_pid().map_err(|e| e.to_string())?,
        db,
        url: url.to_string(),
    };
    for (name, sql) in new {
        // Tables an earlier rehearsed migration created get rows too.
        let filled = volume::fill(&mut session.db, options.rows)
            .map_err(|e| format!("filling rows before {name}: {e}"))?;
        report.filled.extend(filled);
        let migration = session
            .migration(name, sql)
            .map_err(|e| format!("{name}: {e}"))?;
        let failed = migration.failed();
        report.migrations.push(migration);
        if failed {
            break;
        }
    }
    Ok(report)
}

/// The index of the first migration to rehearse.
fn first_new(migrations: &[(String, String)], from: Option<&str>) -> Result<usize, String> {
    let Some(from) = from else {
        return migrations
            .len()
            .checked_sub(1)
            .ok_or_else(|| "no migrations to rehearse: run `schemagen build` first".to_string());
    };
    migrations
        .iter()
        .position(|(name, _)| name == from || name.trim_end_matches(".sql") == from)
        .ok_or_else(|| {
            let names: Vec<&str> = migrations.iter().map(|(n, _)| n.as_str()).collect();
            format!(
                "no migration named `{from}`; migrations: {}",
                names.join(", ")
            )
        })
}

struct Session {
    db: Db,
    pid: i32,
    url: String,
}

impl Session {
    /// Runs one migration. `Err` only when the session itself breaks; a statement Postgres
    /// refuses is a failed statement in the result.
    fn migration(&mut self, name: &str, sql: &str) -> Result<Migration, Error> {
        let before = observe::snapshot(&mut self.db)?;
        let counts_before = self.counts(&before)?;
        let mut statements = Vec::new();
        let mut failed = false;
        for segment in script::segments(script::statements(sql)) {
            if failed {
                statements.extend(segment.statements.iter().map(not_run));
                continue;
            }
            let results = self.segment(&segment)?;
            failed = results
                .iter()
                .any(|s| matches!(s.outcome, Outcome::Failed(_)));
            statements.extend(results);
        }
        let after = observe::snapshot(&mut self.db)?;
        let counts_after = self.counts(&after)?;
        let tables = table_rows(&before, &after, &counts_before, &counts_after, &statements);
        Ok(Migration {
            name: name.to_string(),
            statements,
            tables,
        })
    }

    /// A `BEGIN … COMMIT` block, or a lone statement: lone statements run in a block of their
    /// own too (the same effect as autocommit, and their locks can be read before COMMIT),
    /// except those Postgres refuses in a block (`CREATE INDEX CONCURRENTLY`…), whose locks
    /// are sampled from another session while they run.
    fn segment(&mut self, segment: &script::Segment) -> Result<Vec<Statement>, Error> {
        let outside = !segment.transaction
            && segment
                .statements
                .first()
                .is_some_and(|s| must_run_outside_transaction(&s.sql));
        if !outside {
            self.db.execute("BEGIN")?;
        }
        let mut held = BTreeSet::new();
        let mut out = Vec::new();
        let mut failed = false;
        for statement in &segment.statements {
            if failed {
                out.push(not_run(statement));
                continue;
            }
            let (result, locks) = self.statement(statement, &held, outside)?;
            failed = matches!(result.outcome, Outcome::Failed(_));
            held = locks;
            out.push(result);
        }
        if !outside {
            self.db
                .execute(if failed { "ROLLBACK" } else { "COMMIT" })?;
        }
        if failed && !outside {
            // Nothing of a rolled-back block stays; what it did is still worth showing.
            for s in out.iter_mut().filter(|s| s.outcome == Outcome::Applied) {
                s.outcome = Outcome::RolledBack;
            }
        }
        Ok(out)
    }

    fn statement(
        &mut self,
        statement: &script::Statement,
        held: &BTreeSet<observe::Lock>,
        outside: bool,
    ) -> Result<(Statement, BTreeSet<observe::Lock>), Error> {
        let before = observe::snapshot(&mut self.db)?;
        let started = Instant::now();
        let (result, locks) = if outside {
            let db = &mut self.db;
            observe::sampled(&self.url, self.pid, || db.execute(&statement.sql))
        } else {
            let result = self.db.execute(&statement.sql);
            let locks = match result {
                Ok(()) => observe::locks(&mut self.db, self.pid)?,
                Err(_) => held.clone(),
            };
            (result, locks)
        };
        let duration = started.elapsed();
        let after = match result {
            Ok(()) => observe::snapshot(&mut self.db)?,
            Err(_) => before.clone(),
        };
        let new: Vec<&observe::Lock> = locks.difference(held).collect();
        let report = Statement {
            line: statement.line,
            summary: summary(&statement.sql),
            outcome: result.map_or_else(Outcome::Failed, |_| Outcome::Applied),
            lock: strongest(&new, &before, &after),
            sampled: outside,
            rewritten: before.rewritten(&after),
            dropped: before.dropped(&after),
            destructive: is_destructive(&statement.sql),
            duration,
        };
        Ok((report, locks))
    }

    /// Rows of every table that is not a partition (a partitioned table counts its partitions).
    fn counts(&mut self, snapshot: &Snapshot) -> Result<BTreeMap<u32, u64>, Error> {
        let mut out = BTreeMap::new();
        for (oid, table) in snapshot.tables.iter().filter(|(_, t)| !t.partition) {
            let n = self
                .db
                .value(&format!("SELECT count(*) FROM {}", table.quoted))?;
            out.insert(*oid, n.and_then(|n| n.parse().ok()).unwrap_or(0));
        }
        Ok(out)
    }
}

fn not_run(statement: &script::Statement) -> Statement {
    Statement {
        line: statement.line,
        summary: summary(&statement.sql),
        outcome: Outcome::NotRun,
        lock: None,
        sampled: false,
        rewritten: Vec::new(),
        dropped: Vec::new(),
        destructive: is_destructive(&statement.sql),
        duration: Duration::ZERO,
    }
}

/// The strongest of `locks` on user tables, and every table that got that mode.
fn strongest(
    locks: &[&observe::Lock],
    before: &Snapshot,
    after: &Snapshot,
) -> Option<(String, Vec<String>)> {
    let named: Vec<(&str, &str)> = locks
        .iter()
        .filter_map(|(oid, mode)| Some((mode.as_str(), before.name(after, *oid)?)))
        .collect();
    let top = named
        .iter()
        .map(|(mode, _)| observe::strength(mode))
        .max()?;
    let mut tables: Vec<String> = named
        .iter()
        .filter(|(mode, _)| observe::strength(mode) == top)
        .map(|(_, table)| table.to_string())
        .collect();
    tables.sort();
    tables.dedup();
    let mode = named
        .iter()
        .find(|(mode, _)| observe::strength(mode) == top)
        .map(|(mode, _)| observe::mode_name(mode))?;
    Some((mode, tables))
}

fn table_rows(
    before: &Snapshot,
    after: &Snapshot,
    counts_before: &BTreeMap<u32, u64>,
    counts_after: &BTreeMap<u32, u64>,
    statements: &[Statement],
) -> Vec<TableRows> {
    let oids: BTreeSet<u32> = counts_before
        .keys()
        .chain(counts_after.keys())
        .copied()
        .collect();
    let mut out: Vec<TableRows> = oids
        .into_iter()
        .filter_map(|oid| {
            let table = before.name(after, oid)?.to_string();
            let accepted = statements.iter().any(|s| {
                s.destructive
                    && (s.lock.as_ref().is_some_and(|(_, t)| t.contains(&table))
                        || s.dropped.contains(&format!("table {table}")))
            });
            Some(TableRows {
                before: counts_before.get(&oid).copied(),
                after: counts_after.get(&oid).copied(),
                table,
                accepted,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.table, a.before.is_none()).cmp(&(&b.table, b.before.is_none())));
    out
}

/// Whether the comments above a statement mark it as an accepted loss.
fn is_destructive(sql: &str) -> bool {
    sql.lines()
        .map(str::trim_start)
        .take_while(|l| l.starts_with("--") || l.is_empty())
        .any(|l| l.starts_with(DESTRUCTIVE))
}

/// The SQL without its leading comments, on one line.
fn body(sql: &str) -> String {
    sql.lines()
        .map(str::trim)
        .skip_while(|l| l.starts_with("--") || l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn summary(sql: &str) -> String {
    let body = body(sql);
    if body.chars().count() <= 72 {
        return body;
    }
    body.chars().take(71).collect::<String>() + "…"
}

/// Statements Postgres refuses inside a transaction block.
fn must_run_outside_transaction(sql: &str) -> bool {
    let body = body(sql).to_ascii_uppercase();
    let words: Vec<&str> = body.split_whitespace().take(4).collect();
    body.contains(" CONCURRENTLY ")
        || matches!(words.first(), Some(&"VACUUM"))
        || (words.first() == Some(&"CREATE") && words.get(1) == Some(&"DATABASE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destructive_marks_and_bodies_are_read_from_the_comments_above() {
        let sql = "-- DropTable\n-- WARNING: destructive: drop table public.a and its rows\nDROP TABLE \"public\".\"a\"";
        assert!(is_destructive(sql));
        assert!(!is_destructive("-- DropTable\nDROP TABLE a"));
        assert_eq!(body(sql), "DROP TABLE \"public\".\"a\"");
        assert!(must_run_outside_transaction(
            "-- CreateIndex\nCREATE INDEX CONCURRENTLY \"i\" ON t (a)"
        ));
        assert!(!must_run_outside_transaction("CREATE INDEX \"i\" ON t (a)"));
    }
}
