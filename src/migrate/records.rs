//! The history table in the database, `<schema>.schemagen_migrations`: one row per attempt to
//! apply a migration (a rolled-back attempt keeps its row, the next deploy adds a new one), so
//! the table is also the audit trail of what ran, failed and was resolved, by whom and when.
//!
//! Values always travel as query parameters; only the table's own name is spliced into the
//! SQL, through `quote_ident`.

use crate::db::{Db, Error};
use crate::render::quote_ident;

pub const TABLE: &str = "schemagen_migrations";

/// How `deployed_by` begins on a record `migrate baseline` wrote (no statement was run).
pub const BASELINE_BY: &str = "baseline by ";

/// What became of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Started and not finished: a deploy is running it, or one was killed part-way.
    InProgress,
    Applied,
    Failed,
    /// An operator undid it (`migrate resolve --rolled-back`): the next deploy runs it again.
    RolledBack,
}

impl Record {
    /// Whether `migrate baseline` recorded it instead of a deploy running it.
    pub fn baselined(&self) -> bool {
        self.deployed_by.starts_with(BASELINE_BY)
    }
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::InProgress => "in_progress",
            Outcome::Applied => "applied",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled_back",
        }
    }

    fn parse(text: &str) -> Outcome {
        match text {
            "applied" => Outcome::Applied,
            "failed" => Outcome::Failed,
            "rolled_back" => Outcome::RolledBack,
            _ => Outcome::InProgress,
        }
    }
}

/// The statement that failed, where, and what Postgres said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    pub sqlstate: Option<String>,
    pub message: String,
    pub statement: String,
    /// 1-based line of the statement in the migration file.
    pub line: i32,
}

/// The latest attempt at one migration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Record {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub checksum: String,
    pub outcome: Outcome,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub segments_total: i32,
    /// Segments committed so far: a resumed deploy starts after them.
    pub segments_applied: i32,
    pub statements_applied: i32,
    pub deployed_by: String,
    pub failure: Option<Failure>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

/// The history table of one database, in the schema the user chose.
#[derive(Debug, Clone)]
pub struct Table {
    /// `"schema"."schemagen_migrations"`, quoted.
    qualified: String,
    schema: String,
}

impl Table {
    pub fn new(schema: &str) -> Table {
        Table {
            qualified: format!("{}.{}", quote_ident(schema), quote_ident(TABLE)),
            schema: schema.to_string(),
        }
    }

    /// The schema the table is in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// `schema.schemagen_migrations`, for messages.
    pub fn display(&self) -> String {
        format!("{}.{TABLE}", self.schema)
    }

    pub fn exists(&self, db: &mut Db) -> Result<bool, Error> {
        let found = db
            .client()
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&self.qualified])
            .map_err(Error::from_postgres)?;
        Ok(found.get(0))
    }

    /// Creates the schema and table when missing (under the deploy lock, so never twice at once).
    pub fn create(&self, db: &mut Db) -> Result<(), Error> {
        db.execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {table} (
                 id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                 system TEXT NOT NULL,
                 name TEXT NOT NULL,
                 checksum TEXT NOT NULL,
                 status TEXT NOT NULL CHECK (status IN ('in_progress', 'applied', 'failed', 'rolled_back')),
                 started_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
                 finished_at TIMESTAMPTZ,
                 segments_total INT NOT NULL,
                 segments_applied INT NOT NULL DEFAULT 0,
                 statements_applied INT NOT NULL DEFAULT 0,
                 deployed_by TEXT NOT NULL DEFAULT session_user,
                 error_sqlstate TEXT,
                 error_message TEXT,
                 failed_statement TEXT,
                 failed_line INT,
                 resolved_by TEXT,
                 resolved_at TIMESTAMPTZ
             );
             CREATE INDEX IF NOT EXISTS {index} ON {table} (system, name, id)",
            schema = quote_ident(&self.schema),
            table = self.qualified,
            index = quote_ident(&format!("{TABLE}_system_name_idx")),
        ))
    }

    /// The latest attempt at each migration of `system` that has one, in name order.
    pub fn latest(&self, db: &mut Db, system: &str) -> Result<Vec<Record>, Error> {
        let sql = format!(
            "SELECT DISTINCT ON (name) id, name, checksum, status, started_at::timestamptz(0)::text,
                    finished_at::timestamptz(0)::text, segments_total, segments_applied, statements_applied,
                    deployed_by, error_sqlstate, error_message, failed_statement, failed_line,
                    resolved_by, resolved_at::timestamptz(0)::text
             FROM {} WHERE system = $1 ORDER BY name, id DESC",
            self.qualified
        );
        let rows = db
            .client()
            .query(&sql, &[&system])
            .map_err(Error::from_postgres)?;
        Ok(rows
            .iter()
            .map(|row| Record {
                id: row.get(0),
                name: row.get(1),
                checksum: row.get(2),
                outcome: Outcome::parse(row.get(3)),
                started_at: row.get(4),
                finished_at: row.get(5),
                segments_total: row.get(6),
                segments_applied: row.get(7),
                statements_applied: row.get(8),
                deployed_by: row.get(9),
                failure: row.get::<_, Option<String>>(11).map(|message| Failure {
                    sqlstate: row.get(10),
                    message,
                    statement: row.get::<_, Option<String>>(12).unwrap_or_default(),
                    line: row.get::<_, Option<i32>>(13).unwrap_or_default(),
                }),
                resolved_by: row.get(14),
                resolved_at: row.get(15),
            })
            .collect())
    }

    /// Records that a migration starts; the id of its row.
    pub fn start(
        &self,
        db: &mut Db,
        system: &str,
        name: &str,
        checksum: &str,
        segments_total: i32,
    ) -> Result<i64, Error> {
        let sql = format!(
            "INSERT INTO {} (system, name, checksum, status, segments_total)
             VALUES ($1, $2, $3, 'in_progress', $4) RETURNING id",
            self.qualified
        );
        let row = db
            .client()
            .query_one(&sql, &[&system, &name, &checksum, &segments_total])
            .map_err(Error::from_postgres)?;
        Ok(row.get(0))
    }

    /// Records a migration `migrate baseline` adopted: applied, with every segment counted
    /// and no statement run; `deployed_by` says it was a baseline.
    pub fn baseline(
        &self,
        db: &mut Db,
        system: &str,
        name: &str,
        checksum: &str,
        segments_total: i32,
    ) -> Result<(), Error> {
        let sql = format!(
            "INSERT INTO {} (system, name, checksum, status, finished_at, segments_total,
                             segments_applied, statements_applied, deployed_by)
             VALUES ($1, $2, $3, 'applied', clock_timestamp(), $4, $4, 0, $5 || session_user)",
            self.qualified
        );
        execute(
            db,
            &sql,
            &[&system, &name, &checksum, &segments_total, &BASELINE_BY],
        )
    }

    /// Records the segments and statements committed so far (inside the segment's own
    /// transaction when it has one, so the record commits with the work it describes).
    pub fn progress(
        &self,
        db: &mut Db,
        id: i64,
        segments: i32,
        statements: i32,
    ) -> Result<(), Error> {
        let sql = format!(
            "UPDATE {} SET segments_applied = $2, statements_applied = $3 WHERE id = $1",
            self.qualified
        );
        execute(db, &sql, &[&id, &segments, &statements])
    }

    pub fn finish(&self, db: &mut Db, id: i64) -> Result<(), Error> {
        let sql = format!(
            "UPDATE {} SET status = 'applied', finished_at = clock_timestamp() WHERE id = $1",
            self.qualified
        );
        execute(db, &sql, &[&id])
    }

    pub fn fail(&self, db: &mut Db, id: i64, failure: &Failure) -> Result<(), Error> {
        let sql = format!(
            "UPDATE {} SET status = 'failed', finished_at = clock_timestamp(),
                 error_sqlstate = $2, error_message = $3, failed_statement = $4, failed_line = $5
             WHERE id = $1",
            self.qualified
        );
        execute(
            db,
            &sql,
            &[
                &id,
                &failure.sqlstate,
                &failure.message,
                &failure.statement,
                &failure.line,
            ],
        )
    }

    /// Records what an operator did about a failed or interrupted attempt; `by` is the
    /// operating-system user, when known, beside the database role.
    pub fn resolve(
        &self,
        db: &mut Db,
        id: i64,
        outcome: Outcome,
        by: Option<&str>,
    ) -> Result<(), Error> {
        let sql = format!(
            "UPDATE {} SET status = $2, resolved_at = clock_timestamp(),
                 resolved_by = coalesce($3 || ' (role ' || session_user || ')', 'role ' || session_user),
                 finished_at = coalesce(finished_at, clock_timestamp())
             WHERE id = $1",
            self.qualified
        );
        execute(db, &sql, &[&id, &outcome.as_str(), &by])
    }
}

fn execute(
    db: &mut Db,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<(), Error> {
    db.client()
        .execute(sql, params)
        .map(|_| ())
        .map_err(Error::from_postgres)
}
