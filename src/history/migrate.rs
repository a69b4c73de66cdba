//! The `schemagen migrate` commands that change the migrations on disk: `new` (a hand-written
//! migration), `undo` (take back the newest one) and `hash` (accept the files as they are).
//!
//! Each works out a [`Changes`] from a [`History`] and touches nothing; `write` applies it
//! through the same staging folder and swap as `build`.

use super::{sum, undo, History};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::SourceMap;
use std::collections::BTreeMap;
use std::path::Path;

/// Path relative to the output folder → new contents, or `None` to remove the file.
pub type Changes = BTreeMap<String, Option<String>>;

/// Where a system's history lives, and what its files are called in diagnostics.
pub struct Place<'a> {
    pub out_dir: &'a Path,
    pub system: &'a str,
}

impl Place<'_> {
    fn path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.system)
    }
    fn sum_path(&self) -> String {
        let sum = self
            .out_dir
            .join(self.system)
            .join("migrations")
            .join(sum::FILE);
        sum.display().to_string()
    }
}

/// `migrate new NAME`: an empty migration numbered after the last, with a header saying what
/// it is for, listed in the sum. `schema.json` does not change; build plans on after it.
pub fn new(
    history: &History,
    place: &Place,
    name: &str,
    sources: &mut SourceMap,
) -> Result<(String, Changes), Vec<Diagnostic>> {
    verified(history, place, sources)?;
    if history.schema.is_none() {
        return Err(vec![Diagnostic::global(
            Code::NotBuiltYet,
            format!(
                "{}: nothing is built yet, so a migration has nothing to follow",
                place.system
            ),
        )
        .with_help(
            "run `schemagen build` first; a hand-written migration runs after the generated ones",
        )]);
    }
    let file = format!("{:04}_{name}.sql", history.next_number());
    let sql = header(place.system, &file);
    let mut migrations = history.migrations.clone();
    migrations.push((file.clone(), sql.clone()));
    let mut changes = Changes::new();
    changes.insert(place.path(&format!("migrations/{file}")), Some(sql));
    changes.insert(
        place.path(&undo::path(&file)),
        Some(undo::Record::default().to_json()),
    );
    changes.insert(
        place.path(&format!("migrations/{}", sum::FILE)),
        Some(sum_of(&migrations)),
    );
    Ok((file, changes))
}

fn header(system: &str, file: &str) -> String {
    format!(
        "-- Hand-written migration {file} of {system}, made by `schemagen migrate new`.\n\
         -- For what schemagen cannot plan from the schema: a data backfill between the migration\n\
         -- that adds a nullable column and the one that makes it required, a data fix.\n\
         -- It runs in name order with the generated migrations. It does not change schema.json:\n\
         -- change tables in the schema, not here, or the next build will not know of it.\n\
         -- After editing, run `schemagen migrate hash {system}` to record its checksum.\n\n"
    )
}

/// `migrate undo`: removes the newest migration and its undo record, rewinds `schema.json`
/// to the schema before it, and lists the rest in the sum.
pub fn undo(
    history: &History,
    place: &Place,
    sources: &mut SourceMap,
) -> Result<(String, Changes), Vec<Diagnostic>> {
    verified(history, place, sources)?;
    let Some((newest, _)) = history.migrations.last() else {
        return Err(vec![Diagnostic::global(
            Code::NothingToUndo,
            format!("{}: there is no migration to undo", place.system),
        )
        .with_help(
            "`migrate undo` takes back the newest migration in the migrations folder",
        )]);
    };
    let record = record_of(history, place, newest)?;
    let after = history.snapshot.as_deref().unwrap_or_default();
    let before = record.rewind(after).map_err(|line| {
        vec![Diagnostic::global(
            Code::UndoConflict,
            format!(
                "{}: schema.json changed since {newest} was written (line {line} is not what it left)",
                place.system
            ),
        )
        .at_path(place.path("schema.json"))
        .with_help("restore schema.json from version control, then run `schemagen migrate undo` again")]
    })?;
    let rest = &history.migrations[..history.migrations.len() - 1];
    let mut changes = Changes::new();
    changes.insert(place.path(&format!("migrations/{newest}")), None);
    changes.insert(place.path(&undo::path(newest)), None);
    changes.insert(place.path("schema.json"), before);
    let sum = (!rest.is_empty()).then(|| sum_of(rest));
    changes.insert(place.path(&format!("migrations/{}", sum::FILE)), sum);
    Ok((newest.clone(), changes))
}

fn record_of(
    history: &History,
    place: &Place,
    newest: &str,
) -> Result<undo::Record, Vec<Diagnostic>> {
    let no_record = |why: String| {
        vec![Diagnostic::global(
            Code::NoUndoRecord,
            format!("{}: {newest} cannot be undone: {why}", place.system),
        )
        .at_path(place.path(&undo::path(newest)))
        .with_help(format!(
            "undo it by hand: delete {newest}, restore schema.json as it was before it from \
             version control, and run `schemagen migrate hash {}`",
            place.system
        ))]
    };
    let text = history.undo.get(newest).ok_or_else(|| {
        no_record("it has no undo record (it was written before schemagen kept them)".into())
    })?;
    serde_json::from_str(text).map_err(|e| no_record(format!("its undo record does not read: {e}")))
}

/// `migrate hash`: the sum of the migrations as they are now, accepting edits, deletions and
/// new files.
pub fn hash(history: &History, place: &Place) -> Changes {
    let sum = (!history.migrations.is_empty()).then(|| sum_of(&history.migrations));
    Changes::from([(place.path(&format!("migrations/{}", sum::FILE)), sum)])
}

fn sum_of(migrations: &[(String, String)]) -> String {
    sum::render(migrations.iter().map(|(n, s)| (n.as_str(), s.as_str())))
}

/// The history's own problems stop every command that builds on it.
fn verified(
    history: &History,
    place: &Place,
    sources: &mut SourceMap,
) -> Result<(), Vec<Diagnostic>> {
    let problems = sum::verify(history, place.system, &place.sum_path(), sources);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
