//! `migrate deploy`: the pending migrations of a system, in order, segment by segment.
//!
//! A `BEGIN … COMMIT` segment runs as one transaction and its progress record is written
//! inside that transaction, so the record never says more or less than what committed; a
//! lone statement (`CREATE INDEX CONCURRENTLY`, `SET lock_timeout`) runs in autocommit and
//! is recorded right after it. A deploy killed part-way leaves the migration in progress
//! with the committed segments counted: the next deploy resumes after them.

use super::records::{Failure, Outcome, Record};
use super::{
    at, database_error, lines, lock, new_report, read_migrations, recorded, with, Line, Migration,
    Report, State, Target, LOCK_KEY,
};
use crate::db::script::{self, Segment, Statement};
use crate::db::{self, Db};
use crate::diagnostics::{Code, Diagnostic};
use std::time::Instant;

/// One migration this deploy ran to its end.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deployed {
    pub name: String,
    /// Segments an earlier, interrupted deploy had committed (skipped now).
    pub resumed_after: usize,
    pub segments: usize,
    pub statements: usize,
    pub millis: u128,
}

/// Progress, as it happens: a migration starts (with the segments it skips), or ends.
pub enum Event<'a> {
    Starting { name: &'a str, resumed_after: usize },
    Applied(&'a Deployed),
    Failed { name: &'a str },
}

/// Applies the pending migrations of `target.system`. Refuses before running anything when
/// the files disagree with their checksum file or with the database's records (an applied
/// migration edited or deleted, a failed one unresolved, a pending one out of order).
pub fn deploy(db: &mut Db, target: &Target, on: &mut dyn FnMut(Event)) -> Report {
    let mut report = new_report(target);
    let migrations = read_migrations(target, &mut report);
    if report.failed() {
        return report;
    }
    if let Err(d) = lock(db, target.wait) {
        return with(report, d);
    }
    if let Err(e) = prepare_session(db).and_then(|()| target.history.create(db)) {
        return with(report, database_error("preparing the deploy session", e));
    }
    let records = match recorded(db, target) {
        Ok(records) => records,
        Err(d) => return with(report, d),
    };
    // We hold the lock: a migration in progress belongs to a deploy that died.
    let before = lines(&migrations, &records, false);
    report.diagnostics = refusals(target, &migrations, &before);
    if report.diagnostics.is_empty() {
        apply_pending(db, target, &migrations, &before, &mut report, on);
    }
    match recorded(db, target) {
        Ok(records) => report.lines = lines(&migrations, &records, false),
        Err(d) => report.diagnostics.push(d),
    }
    let _ = db.execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"));
    report
}

fn apply_pending(
    db: &mut Db,
    target: &Target,
    migrations: &[Migration],
    before: &[Line],
    report: &mut Report,
    on: &mut dyn FnMut(Event),
) {
    for line in before {
        if !matches!(line.state, State::Pending | State::Interrupted) {
            continue;
        }
        let migration = migrations
            .iter()
            .find(|m| m.name == line.name)
            .expect("a pending migration has a file");
        let resume = line
            .record
            .as_ref()
            .filter(|_| line.state == State::Interrupted);
        on(Event::Starting {
            name: &migration.name,
            resumed_after: resume.map_or(0, |r| r.segments_applied as usize),
        });
        match apply(db, target, migration, resume) {
            Ok(done) => {
                on(Event::Applied(&done));
                report.deployed.push(done);
            }
            Err(d) => {
                on(Event::Failed {
                    name: &migration.name,
                });
                report.diagnostics.push(d);
                return;
            }
        }
    }
}

/// Runs one migration from its first segment, or after the segments `resume` recorded.
fn apply(
    db: &mut Db,
    target: &Target,
    migration: &Migration,
    resume: Option<&Record>,
) -> Result<Deployed, Diagnostic> {
    let started = Instant::now();
    let segments = script::segments(script::statements(&migration.sql));
    let table = &target.history;
    let recording = |e| database_error(&format!("recording {}", migration.name), e);
    let (id, skip, mut statements) = match resume {
        Some(r) => (r.id, r.segments_applied as usize, r.statements_applied),
        None => {
            let id = table
                .start(
                    db,
                    &target.system,
                    &migration.name,
                    &migration.checksum,
                    segments.len() as i32,
                )
                .map_err(recording)?;
            (id, 0, 0)
        }
    };
    let skip = skip.min(segments.len());
    restore_settings(db, &segments[..skip]).map_err(recording)?;
    for (done, segment) in segments.iter().enumerate().skip(skip) {
        statements += segment.statements.len() as i32;
        run_segment(db, target, id, segment, (done + 1) as i32, statements).map_err(
            |(statement, e)| {
                failed(
                    db,
                    target,
                    migration,
                    id,
                    (done, segments.len()),
                    statement,
                    e,
                )
            },
        )?;
    }
    table.finish(db, id).map_err(recording)?;
    // The next migration starts from a clean session, as it would under its own `psql -f`.
    db.execute("RESET ALL")
        .and_then(|()| prepare_session(db))
        .map_err(recording)?;
    Ok(Deployed {
        name: migration.name.clone(),
        resumed_after: skip,
        segments: segments.len() - skip,
        statements: segments[skip..].iter().map(|s| s.statements.len()).sum(),
        millis: started.elapsed().as_millis(),
    })
}

/// Runs a segment and records it as committed: in its own transaction when it has one.
fn run_segment<'a>(
    db: &mut Db,
    target: &Target,
    id: i64,
    segment: &'a Segment,
    segments_done: i32,
    statements_done: i32,
) -> Result<(), (Option<&'a Statement>, db::Error)> {
    let record = |db: &mut Db| {
        target
            .history
            .progress(db, id, segments_done, statements_done)
    };
    if !segment.transaction {
        let statement = &segment.statements[0];
        db.execute(&statement.sql)
            .map_err(|e| (Some(statement), e))?;
        return record(db).map_err(|e| (None, e));
    }
    db.execute("BEGIN").map_err(|e| (None, e))?;
    for statement in &segment.statements {
        if let Err(e) = db.execute(&statement.sql) {
            let _ = db.execute("ROLLBACK");
            return Err((Some(statement), e));
        }
    }
    // A deferred constraint fails at COMMIT: the last statement stands for the segment.
    record(db).and_then(|()| db.execute("COMMIT")).map_err(|e| {
        let _ = db.execute("ROLLBACK");
        (segment.statements.last(), e)
    })
}

/// Records the failure and says what committed and how to proceed.
fn failed(
    db: &mut Db,
    target: &Target,
    migration: &Migration,
    id: i64,
    (committed, total): (usize, usize),
    statement: Option<&Statement>,
    e: db::Error,
) -> Diagnostic {
    let (system, name) = (&target.system, &migration.name);
    let line = statement.map_or(1, |s| s.line);
    let committed_note = match committed {
        0 => "nothing of it committed".to_string(),
        n => format!("{n} of its {total} segments committed before it and stay"),
    };
    if e.code.is_none() {
        // No server answer: the connection is gone, and so is the chance to record it.
        return Diagnostic::error(
            Code::MigrationFailed,
            at(migration.file, line),
            format!("{system}: lost the database while running {name}: {e}"),
        )
        .at_path(format!("{system}/migrations/{name}"))
        .with_help(format!(
            "{committed_note}; the record says in progress: run `schemagen migrate deploy {system}` \
             again to resume after the last committed segment"
        ));
    }
    let failure = Failure {
        sqlstate: e.code.clone(),
        message: e.message.clone(),
        statement: statement.map_or_else(|| "COMMIT".into(), |s| s.sql.clone()),
        line: line as i32,
    };
    let recorded = match target.history.fail(db, id, &failure) {
        Ok(()) => format!("recorded as failed in {}", target.history.display()),
        Err(record_error) => format!("could not be recorded as failed ({record_error})"),
    };
    let detail: String = [e.detail.as_deref(), e.hint.as_deref()]
        .into_iter()
        .flatten()
        .map(|d| format!(": {d}"))
        .collect();
    Diagnostic::error(
        Code::MigrationFailed,
        at(migration.file, line),
        format!(
            "{system}: migration {name} failed at line {line}: {} (SQLSTATE {}){detail}",
            e.message,
            e.code.as_deref().unwrap_or_default()
        ),
    )
    .at_path(format!("{system}/migrations/{name}"))
    .with_help(format!(
        "{committed_note}; {recorded}. Fix the cause, then either finish the migration by \
         hand and run `schemagen migrate resolve --applied {name} {system}`, or undo what committed \
         and run `schemagen migrate resolve --rolled-back {name} {system}`, after which deploy runs \
         it again from its first statement"
    ))
}

/// Why deploy must not start: an applied migration's file edited or gone, a failed migration
/// not yet resolved, a pending migration older than what the database has.
fn refusals(target: &Target, migrations: &[Migration], lines: &[Line]) -> Vec<Diagnostic> {
    let system = &target.system;
    let file_of = |name: &str| migrations.iter().find(|m| m.name == name).map(|m| m.file);
    lines
        .iter()
        .filter_map(|line| {
            let name = &line.name;
            let record = line.record.as_ref();
            // A failed migration is shown at its failed statement, the others at their top.
            let line_no = record.and_then(|r| r.failure.as_ref()).map_or(1, |f| f.line as usize);
            let place = |code, message: String| match file_of(name) {
                Some(file) => Diagnostic::error(code, at(file, line_no), message),
                None => Diagnostic::global(code, message),
            };
            let d = match line.state {
                State::Modified => place(
                    Code::AppliedMigrationEdited,
                    format!(
                        "{system}: migration {name} was changed after the database {} it \
                         (checksum {} recorded, {} on disk)",
                        ran(record),
                        short(record.map_or("", |r| &r.checksum)),
                        short(&migrations.iter().find(|m| &m.name == name)?.checksum),
                    ),
                )
                .with_help(
                    "the database will never see the edit: restore the file from version control \
                     and put the change in a new migration (`schemagen build`, or \
                     `schemagen migrate new NAME` for hand-written SQL)",
                ),
                State::Missing => place(
                    Code::AppliedMigrationMissing,
                    format!(
                        "{system}: migration {name} is gone, but the database {} it",
                        ran(record)
                    ),
                )
                .with_help(
                    "restore the file from version control (and check that --out points at the \
                     output folder this database was deployed from)",
                ),
                State::Failed => place(
                    Code::FailedMigrationUnresolved,
                    format!(
                        "{system}: migration {name} failed{}; deploy does nothing until it is resolved",
                        failure_note(record)
                    ),
                )
                .with_help(format!(
                    "finish it by hand and run `schemagen migrate resolve --applied {name} {system}`, \
                     or undo what committed and run `schemagen migrate resolve --rolled-back {name} \
                     {system}` (deploy then runs it again from its first statement)"
                )),
                State::Pending if line.out_of_order => place(
                    Code::MigrationOutOfOrder,
                    format!(
                        "{system}: migration {name} is pending but sorts before migrations the database already has"
                    ),
                )
                .with_help(
                    "it was probably merged from another branch: renumber it after the newest \
                     applied migration (`schemagen migrate status` lists them) so every database \
                     applies migrations in the same order",
                ),
                _ => return None,
            };
            Some(d.at_path(format!("{system}/migrations/{name}")))
        })
        .collect()
}

fn ran(record: Option<&Record>) -> &'static str {
    match record.map(|r| r.outcome) {
        Some(Outcome::Applied) => "applied",
        _ => "started",
    }
}

fn failure_note(record: Option<&Record>) -> String {
    record
        .and_then(|r| r.failure.as_ref())
        .map(|f| {
            format!(
                " at line {} ({}, SQLSTATE {})",
                f.line,
                f.message,
                f.sqlstate.as_deref().unwrap_or("none")
            )
        })
        .unwrap_or_default()
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

/// Session settings for a deploy: a name in `pg_stat_activity`, and (Postgres 14+) a server
/// that notices within a second that a killed deploy is gone and cancels its statement,
/// instead of running it to the end while holding its locks. Neither changes what a
/// migration does.
fn prepare_session(db: &mut Db) -> Result<(), db::Error> {
    db.execute("SET application_name = 'schemagen migrate deploy'")?;
    let version: u32 = db
        .value("SHOW server_version_num")?
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    if version >= 140000 {
        db.execute("SET client_connection_check_interval = 1000")?;
    }
    Ok(())
}

/// On resume, the session settings (`SET lock_timeout …`) of the skipped segments, so the
/// rest of the migration runs under the settings its file gives.
fn restore_settings(db: &mut Db, skipped: &[Segment]) -> Result<(), db::Error> {
    for segment in skipped.iter().filter(|s| !s.transaction) {
        for statement in &segment.statements {
            if matches!(script::first_word(&statement.sql).as_str(), "SET" | "RESET") {
                db.execute(&statement.sql)?;
            }
        }
    }
    Ok(())
}
