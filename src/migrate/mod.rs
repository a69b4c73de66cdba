//! `schemagen migrate deploy | status | resolve | baseline`: a system's migrations (the files `build`
//! wrote) meet a live database. Each attempt is recorded in a history table of its own
//! ([`records`]); `deploy` applies what is pending segment by segment ([`deploy`]), `status`
//! compares the files with the records, `resolve` records what an operator did about a
//! failed or interrupted migration, `baseline` adopts a database that already has the schema
//! ([`baseline`]).
//!
//! One advisory lock (session level, on the deploying connection) keeps two deploys, or a
//! deploy and a resolve, from running at once.

mod baseline;
mod deploy;
pub mod records;

mod output;

pub use baseline::baseline;
pub use deploy::{deploy, Deployed, Event};
pub use output::{human, json};

use crate::db::{self, Db};
use crate::diagnostics::{Code, Diagnostic};
use crate::history;
use crate::ir::Span;
use crate::source::SourceMap;
use records::{Outcome, Record, Table};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The schema of the history table unless the user picks one: a schema of schemagen's own
/// keeps the table out of the application's schemas (no `GRANT … ON ALL TABLES IN SCHEMA
/// public` reaches it, no system table can clash with it, and drift reading skips one schema).
pub const DEFAULT_HISTORY_SCHEMA: &str = "schemagen";

/// The advisory lock key every deploy and resolve takes (`"sche"` in ASCII): one per database.
const LOCK_KEY: i64 = 0x7363_6865;

/// Which system, which database records, how long to wait for another deploy.
#[derive(Debug, Clone)]
pub struct Target {
    pub system: String,
    /// The output folder `build` writes (`generated/`), holding `<system>/migrations/`.
    pub out_dir: PathBuf,
    pub history: Table,
    /// How long to wait for the deploy lock before refusing.
    pub wait: Duration,
}

/// A migration file on disk.
#[derive(Debug, Clone)]
pub struct Migration {
    pub name: String,
    pub sql: String,
    pub checksum: String,
    /// Its id in the report's source map, for spans that point into it.
    pub file: u32,
}

/// Where one migration stands, files against records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Applied,
    Pending,
    Failed,
    /// A deploy is running it right now.
    InProgress,
    /// Started by a deploy that died (killed, connection lost): the next deploy resumes it.
    Interrupted,
    /// Applied (or started), but the file's checksum is not the recorded one.
    Modified,
    /// Applied (or started), but the file is gone.
    Missing,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Failed => "failed",
            State::InProgress => "in progress",
            State::Interrupted => "interrupted",
            State::Modified => "modified",
            State::Missing => "missing",
        }
    }
}

/// One line of `status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    pub name: String,
    pub state: State,
    /// A pending migration that sorts before one the database already has: deploy refuses.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_order: bool,
    /// The latest attempt, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
}

/// What a command found and did; rendered by `main` for people or as JSON.
#[derive(Debug, Default)]
pub struct Report {
    pub system: String,
    /// `schema.schemagen_migrations`.
    pub history: String,
    pub lines: Vec<Line>,
    /// What this deploy applied (empty for status and resolve).
    pub deployed: Vec<Deployed>,
    /// What `resolve` recorded.
    pub resolved: Option<String>,
    /// The migrations `baseline` recorded as applied without running them.
    pub baselined: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Report {
    /// Whether every migration on disk is applied and nothing else is recorded.
    pub fn at_head(&self) -> bool {
        self.lines.iter().all(|l| l.state == State::Applied)
    }

    pub fn failed(&self) -> bool {
        !self.diagnostics.is_empty()
    }

    /// The newest applied migration.
    pub fn head(&self) -> Option<&str> {
        self.lines
            .iter()
            .rev()
            .find(|l| l.state == State::Applied)
            .map(|l| l.name.as_str())
    }
}

/// The system to work on: the one named, or the only one in the output folder.
pub fn pick_system(out_dir: &Path, named: Option<&str>) -> Result<String, Diagnostic> {
    let systems = crate::history::systems(out_dir);
    match named {
        Some(name) if systems.iter().any(|s| s == name) => Ok(name.to_string()),
        None if systems.len() == 1 => Ok(systems[0].clone()),
        _ => {
            let (what, help) = match named {
                Some(name) => (
                    format!("no system `{name}` in {}", out_dir.display()),
                    "name one of the systems `schemagen build` wrote, or pass --out".to_string(),
                ),
                None => (
                    format!(
                        "{} systems in {}: name one",
                        systems.len(),
                        out_dir.display()
                    ),
                    "e.g. `schemagen migrate status SYSTEM`".to_string(),
                ),
            };
            let known = if systems.is_empty() {
                "none".to_string()
            } else {
                systems.join(", ")
            };
            Err(Diagnostic::global(Code::NoSuchSystem, what)
                .with_help(format!("{help}; systems there: {known}")))
        }
    }
}

/// Reads the system's migration files into the report's source map, and checks them against
/// `schemagen.sum` (a file edited since `build` wrote it never reaches a database).
fn read_migrations(target: &Target, report: &mut Report) -> Vec<Migration> {
    let history = match history::read(&target.out_dir, &target.system) {
        Ok(history) => history,
        Err(e) => {
            report.diagnostics.push(Diagnostic::global(
                Code::Io,
                format!(
                    "reading the migrations of {} in {}: {e}",
                    target.system,
                    target.out_dir.display()
                ),
            ));
            return Vec::new();
        }
    };
    let dir = target.out_dir.join(&target.system).join("migrations");
    let sum_path = dir.join(history::sum::FILE).display().to_string();
    report.diagnostics.extend(history::sum::verify(
        &history,
        &target.system,
        &sum_path,
        &mut report.sources,
    ));
    history
        .migrations
        .into_iter()
        .map(|(name, sql)| Migration {
            checksum: history::checksum(&sql),
            file: report
                .sources
                .add(dir.join(&name).display().to_string(), sql.clone()),
            name,
            sql,
        })
        .collect()
}

/// Files against records, one line per migration, in name order.
pub fn lines(migrations: &[Migration], records: &[Record], deploy_running: bool) -> Vec<Line> {
    let files: BTreeMap<&str, &Migration> =
        migrations.iter().map(|m| (m.name.as_str(), m)).collect();
    let latest: BTreeMap<&str, &Record> = records.iter().map(|r| (r.name.as_str(), r)).collect();
    let recorded: BTreeMap<&str, &Record> = latest
        .iter()
        .filter(|(_, r)| r.outcome != Outcome::RolledBack)
        .map(|(name, r)| (*name, *r))
        .collect();
    let last_recorded = recorded.keys().next_back().copied();
    let mut names: Vec<&str> = files.keys().chain(recorded.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let state = match (files.get(name), recorded.get(name)) {
                (_, None) => State::Pending,
                (None, Some(_)) => State::Missing,
                (Some(file), Some(record)) if file.checksum != record.checksum => State::Modified,
                (Some(_), Some(record)) => match record.outcome {
                    Outcome::Applied => State::Applied,
                    Outcome::Failed => State::Failed,
                    Outcome::InProgress if deploy_running => State::InProgress,
                    Outcome::InProgress | Outcome::RolledBack => State::Interrupted,
                },
            };
            Line {
                name: name.to_string(),
                state,
                out_of_order: state == State::Pending && last_recorded.is_some_and(|l| name < l),
                record: latest.get(name).map(|r| (*r).clone()),
            }
        })
        .collect()
}

/// `migrate status`: where each migration of the system stands in the database. Reads only:
/// a database without the history table has every migration pending.
pub fn status(db: &mut Db, target: &Target) -> Report {
    let mut report = new_report(target);
    let migrations = read_migrations(target, &mut report);
    let records = match recorded(db, target) {
        Ok(records) => records,
        Err(d) => return with(report, d),
    };
    let running = match lock_holder(db) {
        Ok(holder) => holder.is_some(),
        Err(e) => return with(report, database_error("reading pg_locks", e)),
    };
    report.lines = lines(&migrations, &records, running);
    report
}

/// `migrate resolve --applied|--rolled-back NAME`: records what an operator did about a failed
/// (or interrupted) migration. `Applied`: they finished it by hand. `RolledBack`: they undid
/// whatever part of it committed; the next deploy runs it again from its first statement.
pub fn resolve(db: &mut Db, target: &Target, name: &str, outcome: Outcome) -> Report {
    let mut report = new_report(target);
    let migrations = read_migrations(target, &mut report);
    if let Err(d) = lock(db, target.wait) {
        return with(report, d);
    }
    let records = match recorded(db, target) {
        Ok(records) => records,
        Err(d) => return with(report, d),
    };
    let record = records.iter().find(|r| r.name == name);
    match record {
        Some(r) if matches!(r.outcome, Outcome::Failed | Outcome::InProgress) => {
            let by = std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .ok();
            if let Err(e) = target.history.resolve(db, r.id, outcome, by.as_deref()) {
                return with(report, database_error("recording the resolution", e));
            }
            report.resolved = Some(format!(
                "{name} recorded as {}",
                match outcome {
                    Outcome::Applied => "applied: deploy goes on with the next migration",
                    _ => "rolled back: the next deploy runs it again from its first statement",
                }
            ));
        }
        _ => report
            .diagnostics
            .push(nothing_to_resolve(target, name, record)),
    }
    match recorded(db, target) {
        Ok(records) => report.lines = lines(&migrations, &records, false),
        Err(d) => report.diagnostics.push(d),
    }
    report
}

fn nothing_to_resolve(target: &Target, name: &str, record: Option<&Record>) -> Diagnostic {
    let state = match record {
        None => "has never been run on this database".to_string(),
        Some(r) => format!("is {}", State::from_outcome(r.outcome).label()),
    };
    Diagnostic::global(
        Code::NothingToResolve,
        format!("{}: migration {name} {state}: there is nothing to resolve", target.system),
    )
    .at_path(format!("{}/migrations/{name}", target.system))
    .with_help(format!(
        "resolve takes a migration that failed or was interrupted; `schemagen migrate status {}` lists them",
        target.system
    ))
}

impl State {
    fn from_outcome(outcome: Outcome) -> State {
        match outcome {
            Outcome::Applied => State::Applied,
            Outcome::Failed => State::Failed,
            Outcome::InProgress => State::Interrupted,
            Outcome::RolledBack => State::Pending,
        }
    }
}

fn new_report(target: &Target) -> Report {
    Report {
        system: target.system.clone(),
        history: target.history.display(),
        ..Report::default()
    }
}

fn with(mut report: Report, diagnostic: Diagnostic) -> Report {
    report.diagnostics.push(diagnostic);
    report
}

/// The latest record of each migration of the system (none when the table does not exist).
fn recorded(db: &mut Db, target: &Target) -> Result<Vec<Record>, Diagnostic> {
    let read = |db: &mut Db| -> Result<Vec<Record>, db::Error> {
        if !target.history.exists(db)? {
            return Ok(Vec::new());
        }
        target.history.latest(db, &target.system)
    };
    read(db).map_err(|e| database_error(&format!("reading {}", target.history.display()), e))
}

/// Takes the deploy lock, waiting up to `wait` for another deploy to finish. Polls with
/// `pg_try_advisory_lock` rather than waiting in the server's lock queue, so no
/// `lock_timeout` has to be set on the session the migrations run in.
fn lock(db: &mut Db, wait: Duration) -> Result<(), Diagnostic> {
    let started = Instant::now();
    loop {
        let taken = db
            .value(&format!("SELECT pg_try_advisory_lock({LOCK_KEY})"))
            .map_err(|e| database_error("taking the deploy lock", e))?;
        if taken.as_deref() == Some("t") {
            return Ok(());
        }
        if started.elapsed() >= wait {
            let holder = lock_holder(db).ok().flatten().unwrap_or_default();
            return Err(Diagnostic::global(
                Code::DeployLocked,
                format!(
                    "another deploy holds the deploy lock{holder}; waited {}s",
                    wait.as_secs()
                ),
            )
            .with_help(
                "two deploys must not apply migrations at once: wait for the other one to finish \
                 (`schemagen migrate status` shows what it runs), or wait longer with --wait SECONDS",
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// ` (pid 1234, application …, since …)` of the session holding the deploy lock, if any.
fn lock_holder(db: &mut Db) -> Result<Option<String>, db::Error> {
    let rows = db.rows(&format!(
        "SELECT l.pid::text, coalesce(a.application_name, ''), coalesce(a.backend_start::timestamptz(0)::text, '')
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0
           AND l.objid = {LOCK_KEY} AND l.objsubid = 1 AND l.pid <> pg_backend_pid()"
    ))?;
    Ok(rows.first().map(|row| {
        let field = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        format!(
            " (pid {}, `{}`, connected since {})",
            field(0),
            field(1),
            field(2)
        )
    }))
}

fn database_error(what: &str, e: db::Error) -> Diagnostic {
    Diagnostic::global(Code::DatabaseError, format!("{what}: {e}")).with_help(
        "check --database-url (or DATABASE_URL) and that the role may read and write the history table",
    )
}

/// A span at the start of a line of a migration file.
fn at(file: u32, line: usize) -> Span {
    Span {
        file,
        line: line as u32,
        column: 1,
    }
}
