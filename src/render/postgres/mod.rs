//! PostgreSQL target: migrations and the schema snapshot they lead to.
//!
//! The planner decided what runs and in which order; here each step becomes SQL
//! ([`sql::statement`]) and consecutive steps are grouped into transaction segments
//! following [`Transaction`]: `BEGIN … COMMIT` around shared steps, a block of their own
//! for `ALTER TYPE … ADD VALUE` (committed before any step can use the new value), and
//! no block at all around `CREATE INDEX CONCURRENTLY`, which Postgres refuses to run
//! inside one, and a block of its own around each other step of the tail.
//!
//! A file can run again after a partial failure: the enum values are added `IF NOT EXISTS`,
//! each tail step skips what it already did, and when a tail follows the main block, the
//! main block runs inside a `DO` block that skips it once it has committed. It knows by a
//! marker schema it creates in the same transaction (`schemagen_pending_<system>_<name>`)
//! and the file's last statement drops: the marker exists exactly while the main block is
//! applied and the tail is not finished.

pub mod sql;

mod layout;

pub mod rls;

pub mod seed;

use super::Templates;
use crate::diagnostics::{Code, Diagnostic};
use crate::history::{self, undo, History};
use crate::ir::System;
use crate::plan::{Change, Migration, Step, Transaction};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::{Borrow, Cow};

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

/// Paths relative to the system's folder, and their contents.
pub type Files = Vec<(String, String)>;

/// Paths relative to the system's folder → contents: every migration (the history kept
/// as it was, plus a new one when the plan has steps), their checksum file, and
/// `schema.json`, the schema the migrations lead to, which the next build diffs against.
pub fn render(
    system: &System,
    history: &History,
    migration: &Migration,
    templates: &Templates,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    render_planning(system, history, templates, || Some(migration)).expect("a plan given")
}

/// [`render`] of the migration `plan` returns, started before it returns: the next
/// `schema.json`, which no plan decides, is written while the system is planned (a first
/// build's snapshot is its second largest output). `None`, and nothing rendered, when `plan`
/// returns none (it refused the system).
pub fn render_planning<M: Borrow<Migration> + Send>(
    system: &System,
    history: &History,
    templates: &Templates,
    plan: impl FnOnce() -> Option<M> + Send,
) -> Option<Result<Files, Box<Diagnostic>>> {
    // The snapshot and the new migration are the two largest outputs of a first build, and
    // independent: written side by side, so neither is the long pole of rendering.
    let (ahead, planned) = rayon::join(
        || snapshot_ahead(system, history),
        || {
            let migration = plan()?;
            let new_migration = (!migration.borrow().is_empty()).then(|| {
                let name = format!(
                    "{:04}_{}.sql",
                    history.next_number(),
                    migration.borrow().name()
                );
                render_migration(
                    system,
                    name.trim_end_matches(".sql"),
                    migration.borrow(),
                    templates,
                )
                .map(|sql| {
                    // Summed here, beside the snapshot's writing, not after both.
                    let checksum = history::checksum(&sql);
                    (name, sql, checksum)
                })
            });
            Some((migration, new_migration.transpose()))
        },
    );
    let (migration, new_migration) = planned?;
    Some(assemble(
        system,
        history,
        migration.borrow(),
        ahead,
        new_migration,
    ))
}

/// The next `schema.json` when no plan can change it: the text the history read ahead, or,
/// without a previous snapshot, this IR's. `None` when only the plan can tell (an empty plan
/// keeps the previous text).
fn snapshot_ahead(system: &System, history: &History) -> Option<Result<String, Box<Diagnostic>>> {
    match history.take_next_snapshot() {
        Some(text) => Some(Ok(text)),
        None if history.snapshot.is_none() && history.schema.is_none() => {
            Some(snapshot_json(system))
        }
        None => None,
    }
}

/// The files of [`render`], from the snapshot written ahead and the new migration.
fn assemble(
    system: &System,
    history: &History,
    migration: &Migration,
    ahead: Option<Result<String, Box<Diagnostic>>>,
    new_migration: Result<Option<(String, String, String)>, Box<Diagnostic>>,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    if history.snapshot.is_none() && history.schema.is_none() && !history.migrations.is_empty() {
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
        // The next snapshot, written ahead, is moved in when it holds the same bytes (a no-op
        // build): a copy of the previous text would be 12 MB more at 10,000 models, beside both.
        (Some(previous), true) => match ahead {
            Some(Ok(next)) if next == previous.as_ref() => next,
            _ => previous.to_string(),
        },
        _ => ahead.unwrap_or_else(|| snapshot_json(system))?,
    };
    let mut new_checksum = None;
    if let Some((name, sql, checksum)) = new_migration? {
        let record = undo::Record::between(previous.as_deref(), &snapshot);
        records.push((undo::path(&name), record.to_json()));
        files.push((format!("migrations/{name}"), sql));
        new_checksum = Some(checksum);
    }
    if !files.is_empty() {
        // The history's checksums are those its sum was verified with: only the new
        // migration's is new.
        let taken = history.checksums().iter().cloned();
        let new = new_checksum.into_iter();
        let names = files
            .iter()
            .map(|(path, _)| path.trim_start_matches("migrations/"));
        let sum = history::sum::render_checksums(names.zip(taken.chain(new)));
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
    crate::ir::snapshot::to_string(system).map_err(|e| {
        Box::new(Diagnostic::global(
            Code::TemplateError,
            format!("cannot serialize the schema snapshot: {e}"),
        ))
    })
}

/// How long a statement of an incremental migration waits for a lock before it fails,
/// rather than queue every other query on the table behind it.
pub const LOCK_TIMEOUT: &str = "5s";

#[derive(Serialize)]
struct MigrationView<'a> {
    system: String,
    name: &'a str,
    steps: usize,
    destructive: usize,
    /// `None` for the first migration, which creates every table (no one waits on them).
    lock_timeout: Option<&'static str>,
    /// Whether a tail follows the main block (the header then explains a re-run).
    tail: bool,
    segments: Vec<SegmentView>,
    /// The block that ends a file with a guarded main block: the checks that stood in for
    /// NOT NULL go, and the marker with them, in one transaction.
    cleanup: Option<String>,
}

impl<'a> MigrationView<'a> {
    /// What the file's header says: no segments, tail or cleanup yet.
    fn head(system: &System, name: &'a str, migration: &Migration) -> Self {
        MigrationView {
            system: one_line(&system.name),
            name,
            steps: migration.steps.len(),
            destructive: migration.destructive_steps().count(),
            lock_timeout: (!migration.initial).then_some(LOCK_TIMEOUT),
            tail: false,
            segments: Vec::new(),
            cleanup: None,
        }
    }
}

#[derive(Serialize)]
struct SegmentView {
    transaction: bool,
    note: Option<&'static str>,
    /// The steps of a guarded main block run between these two (a `DO` block).
    guard: Option<Guard>,
    steps: Vec<StepView>,
}

#[derive(Serialize)]
struct Guard {
    open: String,
    close: String,
}

#[derive(Serialize)]
struct StepView {
    label: &'static str,
    warning: Option<String>,
    /// Data-dependent risks (W0320…): `W0320: adds required column …`.
    risks: Vec<String>,
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
        Transaction::Outside => Some(
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block; writes go on meanwhile.",
        ),
        Transaction::Own => {
            Some("In a transaction of its own, after the main block: the lock is held briefly.")
        }
    }
}

/// The marker schema of a guarded main block: named after the system and the migration,
/// so two systems sharing a database never mistake each other's.
fn marker(system: &str, name: &str) -> String {
    crate::ir::shorten::fit(format!("schemagen_pending_{system}_{name}"))
}

/// The `DO` block around a main block: returns at once when the marker exists (the block
/// committed before a later segment failed), and creates the marker as its last statement.
fn guard(marker: &str, name: &str, body: &str) -> Guard {
    let tag = sql::dollar_tag(body);
    let open = format!(
        "DO {tag}\n#variable_conflict use_column\nBEGIN\nIF EXISTS (SELECT FROM pg_namespace WHERE nspname = {}) THEN\n  RAISE NOTICE '%', {};\n  RETURN;\nEND IF;",
        sql::string_literal(marker),
        sql::string_literal(&format!("the main block of {name} already committed: skipped")),
    );
    let close = format!(
        "CREATE SCHEMA {};\nEND\n{tag};",
        crate::render::quote_ident(marker)
    );
    Guard { open, close }
}

/// Drops the checks that stood in for NOT NULL, and the marker. Until this commits, a re-run
/// finds every check it validates.
fn cleanup(steps: &[Step], marker: &str) -> String {
    let checks = steps.iter().filter_map(|step| match &step.change {
        Change::FinishNotNull { table, check, .. } => Some(format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};",
            sql::qualified(table),
            crate::render::quote_ident(check)
        )),
        _ => None,
    });
    checks
        .chain([format!(
            "DROP SCHEMA IF EXISTS {};",
            crate::render::quote_ident(marker)
        )])
        .collect::<Vec<_>>()
        .join("\n")
}

/// Inside PL/pgSQL a `SELECT` whose result nobody reads is a `PERFORM`: rewrites the
/// statements of a step that start with one (`SELECT setval(…)`).
fn in_plpgsql(sql: &str) -> String {
    sql.lines()
        .map(|line| match line.strip_prefix("SELECT ") {
            Some(rest) => format!("PERFORM {rest}"),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Consecutive steps that may share a transaction block, in order. Steps that must run
/// outside a block stand alone.
fn segments(steps: &[Step]) -> Vec<(Transaction, &[Step])> {
    let mut out: Vec<(Transaction, &[Step])> = Vec::new();
    let mut start = 0;
    for i in 1..=steps.len() {
        let boundary = i == steps.len()
            || steps[i].transaction != steps[start].transaction
            || steps[start].transaction.in_tail();
        if boundary {
            out.push((steps[start].transaction, &steps[start..i]));
            start = i;
        }
    }
    out
}

/// One migration file's SQL (also what `export` writes for what a target cannot say).
pub fn render_migration(
    system: &System,
    name: &str,
    migration: &Migration,
    templates: &Templates,
) -> Result<String, Box<Diagnostic>> {
    let indexed = rls::Indexed::new(system);
    let tail = migration.steps.iter().any(|s| s.transaction.in_tail());
    if !tail && !templates.overrides(MIGRATION_TEMPLATE) {
        return migration_in_place(system, name, migration, &indexed, templates);
    }
    let marker = marker(&system.name, name);
    let segments = segments(&migration.steps)
        .into_iter()
        .map(|(transaction, steps)| {
            let guarded = tail && transaction == Transaction::Shared;
            // Each step's SQL on every core (a first migration has a step per table and
            // index), collected in order; the first failing step's error, as in one pass.
            let steps: Vec<Result<StepView, Box<Diagnostic>>> = steps
                .par_iter()
                .with_min_len(32)
                .map(|step| {
                    let sql = sql::statement(&step.change, &indexed, templates)?;
                    Ok(StepView {
                        label: step.change.label(),
                        warning: warning(step),
                        risks: risks(step),
                        sql: if guarded { in_plpgsql(&sql) } else { sql },
                    })
                })
                .collect();
            let steps = steps.into_iter().collect::<Result<Vec<_>, _>>()?;
            // The body is only needed to pick a dollar tag it does not contain: joined only
            // for a guarded block (a first migration's one segment is the whole file).
            let guard = guarded.then(|| {
                let body: String = steps.iter().map(|s| s.sql.as_str()).collect();
                guard(&marker, name, &body)
            });
            Ok(SegmentView {
                transaction: transaction != Transaction::Outside,
                note: note(transaction),
                guard,
                steps,
            })
        })
        .collect::<Result<Vec<_>, Box<Diagnostic>>>()?;
    let guarded = segments.iter().any(|s| s.guard.is_some());
    let view = MigrationView {
        tail,
        segments,
        cleanup: guarded.then(|| cleanup(&migration.steps, &marker)),
        ..MigrationView::head(system, name, migration)
    };
    templates.render_with(MIGRATION_TEMPLATE, view, layout::migration_sql)
}

const MIGRATION_TEMPLATE: &str = "postgres/migration.sql.j2";

fn warning(step: &Step) -> Option<String> {
    step.destructive.then(|| one_line(&step.comment))
}

/// Data-dependent risks (W0320…) as comment lines.
fn risks(step: &Step) -> Vec<String> {
    step.lints
        .iter()
        .filter(|l| !l.is_loss())
        .map(|l| one_line(&format!("{}: {}", l.code, l.message)))
        .collect()
}

/// [`layout::migration_sql`] without its view, for a migration with no guarded block (every
/// first migration): each step written straight into the file, its chunks on every core
/// ([`crate::render::par_layout`]), so no step's SQL is built as a `String` and copied
/// (12 MB at 10,000 tables).
fn migration_in_place(
    system: &System,
    name: &str,
    migration: &Migration,
    indexed: &rls::Indexed,
    templates: &Templates,
) -> Result<String, Box<Diagnostic>> {
    let view = MigrationView::head(system, name, migration);
    let sizes = migration.steps.iter().map(|s| step_size(s, indexed));
    let (size, largest) = sizes.fold((0, 0), |(sum, max), s| (sum + s, max.max(s)));
    let mut out = String::with_capacity(4096 + size);
    layout::head(&mut out, &view);
    for (transaction, steps) in segments(&migration.steps) {
        let in_block = transaction != Transaction::Outside;
        layout::segment_open(&mut out, note(transaction), in_block);
        // Each chunk sized for its largest step: a chunk of tables, sized for indexes, grew
        // by copying; too much room for a chunk of indexes is never touched.
        crate::render::par_layout(&mut out, steps, largest, |out, _, step| {
            layout::step_head(
                out,
                step.change.label(),
                warning(step).as_deref(),
                &risks(step),
            );
            sql::push_statement(out, &step.change, indexed, templates)?;
            out.push('\n');
            Ok::<_, Box<Diagnostic>>(())
        })?;
        layout::segment_close(&mut out, in_block);
    }
    Ok(out)
}

/// About the bytes a step lays out: a table's columns are most of a first migration.
fn step_size(step: &Step, indexed: &rls::Indexed) -> usize {
    match &step.change {
        Change::CreateTable(name) => indexed
            .table(name)
            .map_or(256, |t| 256 + 64 * t.columns.len()),
        _ => 256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(transaction: Transaction) -> Step {
        Step {
            change: Change::CreateSchema("s".into()),
            comment: String::new(),
            destructive: false,
            transaction,
            lints: Vec::new(),
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
