//! PostgreSQL target: migrations and the schema snapshot they lead to.
//!
//! The planner decided what runs and in which order; here each step becomes SQL
//! ([`sql::statement`]) and consecutive steps are grouped into transaction segments
//! following [`Transaction`]: `BEGIN … COMMIT` around shared steps, a block of their own
//! for `ALTER TYPE … ADD VALUE` (committed before any step can use the new value), and
//! no block at all around `CREATE INDEX CONCURRENTLY`, which Postgres refuses to run
//! inside one. If a later segment fails, the earlier ones stay applied: fix the cause and
//! run the rest of the file.

pub mod sql;

pub mod rls;

pub mod seed;

use super::Templates;
use crate::diagnostics::{Code, Diagnostic};
use crate::history::{self, undo, History};
use crate::ir::System;
use crate::plan::{Migration, Step, Transaction};
use serde::Serialize;
use std::borrow::Cow;

pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "postgres/migration.sql.j2",
        include_str!("../../../templates/postgres/migration.sql.j2"),
    ),
    (
        "postgres/create_table.sql.j2",
        include_str!("../../../templates/postgres/create_table.sql.j2"),
    ),
];

/// Paths relative to the system's folder → contents: every migration (the history kept
/// as it was, plus a new one when the plan has steps), their checksum file, and
/// `schema.json`, the schema the migrations lead to, which the next build diffs against.
pub fn render(
    system: &System,
    history: &History,
    migration: &Migration,
    templates: &Templates,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    if history.schema.is_none() && !history.migrations.is_empty() {
        return Err(Box::new(
            Diagnostic::global(
                Code::MigrationHistory,
                format!(
                    "{}: migrations exist but schema.json, the schema they lead to, is missing",
                    system.name
                ),
            )
            .with_help("restore schema.json from version control; without it every table would be created again"),
        ));
    }
    let mut files: Vec<(String, String)> = history
        .migrations
        .iter()
        .map(|(name, sql)| (format!("migrations/{name}"), sql.clone()))
        .collect();
    let records = history
        .migrations
        .iter()
        .filter_map(|(name, _)| Some((undo::path(name), history.undo.get(name)?.clone())));
    let mut records: Vec<(String, String)> = records.collect();
    // An empty plan keeps the snapshot byte-identical, even if something the database
    // does not see (a logical name, column order) changed.
    let previous = previous_snapshot(history)?;
    let snapshot = match (previous.as_ref(), migration.is_empty()) {
        (Some(previous), true) => previous.to_string(),
        _ => snapshot_json(system)?,
    };
    if !migration.is_empty() {
        let name = format!("{:04}_{}.sql", history.next_number(), migration.name());
        let sql = render_migration(system, name.trim_end_matches(".sql"), migration, templates)?;
        let record = undo::Record::between(previous.as_deref(), &snapshot);
        records.push((undo::path(&name), record.to_json()));
        files.push((format!("migrations/{name}"), sql));
    }
    if !files.is_empty() {
        let sum = history::sum::render(
            files
                .iter()
                .map(|(path, sql)| (path.trim_start_matches("migrations/"), sql.as_str())),
        );
        files.push((format!("migrations/{}", history::sum::FILE), sum));
    }
    files.extend(records);
    files.push(("schema.json".into(), snapshot));
    if let Some(sql) = seed::render(system) {
        files.push(("seed.sql".into(), sql));
    }
    Ok(files)
}

/// The `schema.json` text the history ends with (read as it was written, so an unchanged
/// snapshot stays byte-identical even when the IR has since gained a field).
fn previous_snapshot(history: &History) -> Result<Option<Cow<'_, str>>, Box<Diagnostic>> {
    match (&history.snapshot, &history.schema) {
        (Some(text), _) => Ok(Some(Cow::Borrowed(text))),
        (None, Some(schema)) => Ok(Some(Cow::Owned(snapshot_json(schema)?))),
        (None, None) => Ok(None),
    }
}

/// `schema.json`: the snapshot the next build diffs against.
fn snapshot_json(system: &System) -> Result<String, Box<Diagnostic>> {
    let json = serde_json::to_string_pretty(system).map_err(|e| {
        Box::new(Diagnostic::global(
            Code::TemplateError,
            format!("cannot serialize the schema snapshot: {e}"),
        ))
    })?;
    Ok(json + "\n")
}

#[derive(Serialize)]
struct MigrationView<'a> {
    system: String,
    name: &'a str,
    steps: usize,
    destructive: usize,
    segments: Vec<SegmentView>,
}

#[derive(Serialize)]
struct SegmentView {
    transaction: bool,
    note: Option<&'static str>,
    steps: Vec<StepView>,
}

#[derive(Serialize)]
struct StepView {
    label: &'static str,
    warning: Option<String>,
    sql: String,
}

/// Text that goes into a `--` comment: a newline in a user's name must not end the comment.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn note(transaction: Transaction) -> Option<&'static str> {
    match transaction {
        Transaction::Shared => None,
        Transaction::CommitFirst => {
            Some("New enum values are committed before any statement uses them.")
        }
        Transaction::Outside => {
            Some("CREATE INDEX CONCURRENTLY cannot run inside a transaction block.")
        }
    }
}

/// Consecutive steps that may share a transaction block, in order. Steps that must run
/// outside a block stand alone.
fn segments(steps: &[Step]) -> Vec<(Transaction, &[Step])> {
    let mut out: Vec<(Transaction, &[Step])> = Vec::new();
    let mut start = 0;
    for i in 1..=steps.len() {
        let boundary = i == steps.len()
            || steps[i].transaction != steps[start].transaction
            || steps[start].transaction == Transaction::Outside;
        if boundary {
            out.push((steps[start].transaction, &steps[start..i]));
            start = i;
        }
    }
    out
}

fn render_migration(
    system: &System,
    name: &str,
    migration: &Migration,
    templates: &Templates,
) -> Result<String, Box<Diagnostic>> {
    let indexed = rls::Indexed::new(system);
    let segments = segments(&migration.steps)
        .into_iter()
        .map(|(transaction, steps)| {
            let steps = steps
                .iter()
                .map(|step| {
                    Ok(StepView {
                        label: step.change.label(),
                        warning: step.destructive.then(|| one_line(&step.comment)),
                        sql: sql::statement(&step.change, &indexed, templates)?,
                    })
                })
                .collect::<Result<_, Box<Diagnostic>>>()?;
            Ok(SegmentView {
                transaction: transaction != Transaction::Outside,
                note: note(transaction),
                steps,
            })
        })
        .collect::<Result<_, Box<Diagnostic>>>()?;
    let view = MigrationView {
        system: one_line(&system.name),
        name,
        steps: migration.steps.len(),
        destructive: migration.destructive_steps().count(),
        segments,
    };
    templates.render("postgres/migration.sql.j2", view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Change;

    fn step(transaction: Transaction) -> Step {
        Step {
            change: Change::CreateSchema("s".into()),
            comment: String::new(),
            destructive: false,
            transaction,
        }
    }

    #[test]
    fn consecutive_steps_share_a_segment_except_outside_ones() {
        use Transaction::*;
        let steps: Vec<Step> = [
            CommitFirst,
            CommitFirst,
            Shared,
            Shared,
            Outside,
            Outside,
            Shared,
        ]
        .into_iter()
        .map(step)
        .collect();
        let shape: Vec<(Transaction, usize)> = segments(&steps)
            .into_iter()
            .map(|(t, s)| (t, s.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (CommitFirst, 2),
                (Shared, 2),
                (Outside, 1),
                (Outside, 1),
                (Shared, 1)
            ]
        );
        assert!(segments(&[]).is_empty());
    }
}
