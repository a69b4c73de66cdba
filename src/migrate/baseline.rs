//! `migrate baseline NAME`: a team adopting schemagen on a running database records the
//! migrations up to NAME as applied without running them, as Prisma's baselining and Atlas'
//! `--baseline` do. Unlike them it first proves the claim: the drift comparison `schemagen
//! diff` uses must find the database exactly as those migrations leave a fresh one. Nothing is
//! recorded unless it does; `migrate deploy` then applies the migrations after NAME.

use super::records::Outcome;
use super::{
    database_error, lines, lock, new_report, read_migrations, recorded, with, Migration, Report,
    Target, LOCK_KEY,
};
use crate::catalog::{self, diff::Drift, Scope};
use crate::db::{script, Db};
use crate::diagnostics::{Code, Diagnostic};

/// How many drift lines a refusal quotes before pointing at `schemagen diff` for the rest.
const QUOTED_DRIFTS: usize = 20;

/// Records the migrations of `target.system` up to and including `name` as applied, after
/// checking that the database matches the schema at `name` and has no history for the system.
pub fn baseline(db: &mut Db, target: &Target, name: &str) -> Report {
    let mut report = new_report(target);
    let migrations = read_migrations(target, &mut report);
    if report.failed() {
        return report;
    }
    let Some(last) = position(&migrations, name) else {
        return with(report, unknown_migration(target, name, &migrations));
    };
    let adopted = &migrations[..=last];
    if let Err(d) = lock(db, target.wait) {
        return with(report, d);
    }
    if let Err(d) = check_and_record(db, target, adopted) {
        report.diagnostics.push(d);
    } else {
        report.baselined = adopted.iter().map(|m| m.name.clone()).collect();
    }
    match recorded(db, target) {
        Ok(records) => report.lines = lines(&migrations, &records, false),
        Err(d) => report.diagnostics.push(d),
    }
    let _ = db.execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"));
    report
}

/// The checks, then the records, under the deploy lock.
fn check_and_record(db: &mut Db, target: &Target, adopted: &[Migration]) -> Result<(), Diagnostic> {
    let records = recorded(db, target)?;
    if let Some(record) = records.iter().find(|r| r.outcome != Outcome::RolledBack) {
        return Err(has_history(target, &record.name));
    }
    let name = &adopted[adopted.len() - 1].name;
    let drifts = drift(db, target, adopted)?;
    if !drifts.is_empty() {
        return Err(drifted(target, name, &drifts));
    }
    record(db, target, adopted).map_err(|e| {
        database_error(
            &format!("recording the baseline in {}", target.history.display()),
            e,
        )
    })
}

/// The index of the migration called `name` (with or without `.sql`).
fn position(migrations: &[Migration], name: &str) -> Option<usize> {
    let stem = |n: &str| n.strip_suffix(".sql").unwrap_or(n).to_string();
    migrations.iter().position(|m| stem(&m.name) == stem(name))
}

/// The differences between the database and what `adopted` produce, leaving out the history
/// schema itself (the reader already skips the history table).
fn drift(db: &mut Db, target: &Target, adopted: &[Migration]) -> Result<Vec<Drift>, Diagnostic> {
    let files: Vec<(String, String)> = adopted
        .iter()
        .map(|m| (m.name.clone(), m.sql.clone()))
        .collect();
    let history_schema = format!("schema {}", target.history.schema());
    let drifts = catalog::drift(db, &files, None, &Scope::default()).map_err(|e| {
        Diagnostic::global(
            Code::DatabaseError,
            format!(
                "{}: comparing the database with its migrations: {e}",
                target.system
            ),
        )
        .with_help("nothing was recorded; `schemagen diff` runs the same comparison on its own")
    })?;
    Ok(drifts
        .into_iter()
        .filter(|d| d.shown && !(d.sign == '+' && d.object == history_schema))
        .collect())
}

/// One `applied` record per migration, in one transaction: all of them or none.
fn record(db: &mut Db, target: &Target, adopted: &[Migration]) -> Result<(), crate::db::Error> {
    target.history.create(db)?;
    db.execute("BEGIN")?;
    let result = adopted.iter().try_for_each(|m| {
        let segments = script::segments(script::statements(&m.sql)).len() as i32;
        target
            .history
            .baseline(db, &target.system, &m.name, &m.checksum, segments)
    });
    match result {
        Ok(()) => db.execute("COMMIT"),
        Err(e) => {
            let _ = db.execute("ROLLBACK");
            Err(e)
        }
    }
}

fn unknown_migration(target: &Target, name: &str, migrations: &[Migration]) -> Diagnostic {
    let known: Vec<&str> = migrations.iter().map(|m| m.name.as_str()).collect();
    Diagnostic::global(
        Code::UnknownMigration,
        format!("{}: no migration named `{name}`", target.system),
    )
    .at_path(format!("{}/migrations", target.system))
    .with_help(format!(
        "name the migration the database's schema is at; {} has: {}",
        target.system,
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}

fn has_history(target: &Target, first: &str) -> Diagnostic {
    Diagnostic::global(
        Code::BaselineOverHistory,
        format!(
            "{}: the database already records migrations of this system ({first} in {}): baseline is \
             for a database schemagen has never deployed to",
            target.system,
            target.history.display()
        ),
    )
    .with_help(format!(
        "`schemagen migrate status {}` shows where it stands; `migrate deploy` applies the rest",
        target.system
    ))
}

fn drifted(target: &Target, name: &str, drifts: &[Drift]) -> Diagnostic {
    let mut quoted: Vec<String> = drifts.iter().take(QUOTED_DRIFTS).map(Drift::line).collect();
    if drifts.len() > QUOTED_DRIFTS {
        quoted.push(format!("… and {} more", drifts.len() - QUOTED_DRIFTS));
    }
    Diagnostic::global(
        Code::BaselineDrift,
        format!(
            "{}: the database does not match the schema at {name} ({} difference{}); nothing was recorded:\n  {}",
            target.system,
            drifts.len(),
            if drifts.len() == 1 { "" } else { "s" },
            quoted.join("\n  ")
        ),
    )
    .at_path(format!("{}/migrations/{name}", target.system))
    .with_help(format!(
        "`schemagen diff {system} --up-to {stem}` prints the differences and the SQL that reconciles \
         them; apply what you mean to, or baseline at the migration the database is at",
        system = target.system,
        stem = name.strip_suffix(".sql").unwrap_or(name)
    ))
}
