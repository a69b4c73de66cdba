//! `schemagen export`: a system's IR → another stack's own schema files, a one-off porting
//! step beside `build` (never part of it).
//!
//! Each target renders from the same IR the migrations come from, so what the other stack
//! makes of its files is the database schemagen's migrations make. What a target cannot say
//! is never dropped silently: it is written in the target's nearest form (a comment), its SQL
//! goes to `extras.sql` (the migration from what the target says to the whole schema, planned
//! and rendered by schemagen's own planner), and a warning names it.

pub mod drizzle;
pub mod firestore;
pub mod payload;
pub mod prisma;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::System;
use crate::load::{Node, SystemFiles};
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
    export_with_yaml(systems, &[], target)
}

/// Exports every system in `systems` to `target`; `yaml` holds the systems' parsed files (by
/// system name), which the Payload target translates (a system without them has no
/// Payload-style file, so each of its tables is refused, E0882).
pub fn export_with_yaml(
    systems: &[System],
    yaml: &[SystemFiles],
    target: Target,
) -> Result<Export, Box<Diagnostic>> {
    let templates = Templates::new(None)?;
    let mut out = Export::default();
    for system in systems {
        let files = match target {
            Target::Prisma => prisma::render(system, &templates, &mut out.diagnostics)?,
            Target::Firestore => firestore::render(system, &mut out.diagnostics),
            Target::Drizzle => drizzle::render(system, &templates, &mut out.diagnostics)?,
            Target::Payload => {
                let roots: Vec<Node> = yaml
                    .iter()
                    .filter(|s| s.name == system.name)
                    .flat_map(|s| s.files.iter().map(|f| f.root.clone()))
                    .collect();
                payload::render(system, &roots, &templates, &mut out.diagnostics)?
            }
        };
        for (path, contents) in files {
            out.files
                .insert(format!("{}/{path}", system.name), contents);
        }
    }
    Ok(out)
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

/// E0871 for each database name with a `"` (and, with `enum_values`, each enum value with a
/// `'`): the target's migration SQL does not double them, so the migration it writes would break.
fn unquotable_names(system: &System, target: &str, enum_values: bool) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut check = |name: &str, quote: char, span: crate::ir::Span, path: String| {
        if name.contains(quote) {
            found.push(
                Diagnostic::error(
                    Code::ExportName,
                    span,
                    format!("export {target}: `{name}` holds a `{quote}`, which {target}'s migrations do not escape"),
                )
                .at_path(path)
                .with_help(format!("rename it (a `map:` / `@map` without `{quote}`) before exporting to {target}")),
            );
        }
    };
    for e in &system.enums {
        check(&e.db_name.schema, '"', e.span, e.name.clone());
        check(&e.db_name.name, '"', e.span, e.name.clone());
        for value in e.values.iter().filter(|_| enum_values) {
            check(
                &value.db_name,
                '\'',
                value.span,
                format!("{}.{}", e.name, value.name),
            );
        }
    }
    for table in &system.tables {
        let at = |what: &str| format!("{}.{what}", table.name);
        check(&table.db_name.schema, '"', table.span, table.name.clone());
        check(&table.db_name.name, '"', table.span, table.name.clone());
        for column in &table.columns {
            check(&column.db_name, '"', column.span, at(&column.name));
        }
        if let Some(pk) = &table.primary_key {
            check(&pk.db_name, '"', pk.span, at(&pk.db_name));
        }
        for fk in &table.foreign_keys {
            check(&fk.db_name, '"', fk.span, at(&fk.db_name));
        }
        for index in &table.indexes {
            check(&index.db_name, '"', index.span, at(&index.db_name));
        }
    }
    found
}
