//! `schemagen export`: a system's IR → another stack's own schema files, a one-off porting
//! step beside `build` (never part of it).
//!
//! Each target renders from the same IR the migrations come from, so what the other stack
//! makes of its files is the database schemagen's migrations make. What a target cannot say
//! is never dropped silently: it is written in the target's nearest form (a comment), its SQL
//! goes to `extras.sql` (the migration from what the target says to the whole schema, planned
//! and rendered by schemagen's own planner), and a warning names it.

pub mod firestore;
pub mod prisma;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::System;
use crate::render::Templates;
use std::collections::BTreeMap;

/// The stacks `export` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Prisma,
    Drizzle,
    Payload,
    Firestore,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Prisma => "prisma",
            Target::Drizzle => "drizzle",
            Target::Payload => "payload",
            Target::Firestore => "firestore",
        }
    }
}

/// What an export made: paths (`<system>/<file>`) → contents, and the warnings naming what
/// the target could not say.
#[derive(Debug, Default)]
pub struct Export {
    pub files: BTreeMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Exports every system in `systems` to `target`.
pub fn export(systems: &[System], target: Target) -> Result<Export, Box<Diagnostic>> {
    let templates = Templates::new(None)?;
    let mut out = Export::default();
    for system in systems {
        let files = match target {
            Target::Prisma => prisma::render(system, &templates, &mut out.diagnostics)?,
            Target::Firestore => firestore::render(system, &mut out.diagnostics),
            other => return Err(Box::new(not_yet(other))),
        };
        for (path, contents) in files {
            out.files
                .insert(format!("{}/{path}", system.name), contents);
        }
    }
    Ok(out)
}

/// E0870: a target this version does not write yet.
fn not_yet(target: Target) -> Diagnostic {
    Diagnostic::global(
        Code::ExportTarget,
        format!("`export --to {}` is not written yet", target.name()),
    )
    .with_help(
        "export to prisma or firestore; the database schemagen's migrations make can be \
         introspected by other stacks' own tools (e.g. `drizzle-kit pull`)",
    )
}

/// The SQL that turns the database `said` describes into the one `system` describes, as one
/// migration file (`None` when the target said everything).
fn extras_sql(
    said: &System,
    system: &System,
    templates: &Templates,
) -> Result<Option<String>, Box<Diagnostic>> {
    let migration = crate::plan::plan(Some(said), system);
    if migration.is_empty() {
        return Ok(None);
    }
    crate::render::postgres::render_migration(system, "export_extras", &migration, templates)
        .map(Some)
}
