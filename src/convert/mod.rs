//! `schemagen convert --to FLAVOUR`: a system's YAML rewritten in another flavour. Beside the
//! pipeline, like `import/`: it reads a system the pipeline compiled and writes YAML.
//!
//! The writer works from the IR, not from the YAML, so every flavour converts the same way and
//! nothing a flavour lowered implicitly (Payload's `_rels` tables, Firestore's subcollection
//! keys) is forgotten: the result spells every table out. The converted YAML is then compiled
//! and planned against the original IR: only when that plan is empty (the next `build` writes
//! no migration) is anything written (E0810 otherwise). What the target cannot say stops the
//! conversion with the element's path (E0808); nothing is dropped silently.
//!
//! - [`prisma`]: the IR → Prisma-style YAML, the flavour that can say every table.

pub mod firestore;
pub mod payload;
pub mod prisma;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
use crate::ir::System;
use crate::load::{LoadedFile, SourceMap, SystemFiles};
use std::path::{Path, PathBuf};

/// The flavour to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Prisma,
    Payload,
    Firestore,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Prisma => "prisma",
            Target::Payload => "payload",
            Target::Firestore => "firestore",
        }
    }
}

/// What a conversion made: YAML files by name (the original files' names), the sources its
/// diagnostics point into, and the diagnostics.
#[derive(Debug, Default)]
pub struct Converted {
    pub files: Vec<(String, String)>,
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Converted {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Converts `system` (compiled from `sources`, error-free, its files in `dir`) to `target`.
/// The files are named after the ones each element came from, relative to `dir`.
pub fn convert(system: &System, sources: &SourceMap, dir: &Path, target: Target) -> Converted {
    let mut out = Converted::default();
    let mut diags = Diagnostics::default();
    if !system.renames.is_empty() {
        diags.push(
            Diagnostic::global(
                Code::ConvertRenames,
                format!(
                    "system `{}` declares {} rename(s) (`renamedFrom`) that a build has not turned into a migration yet",
                    system.name,
                    system.renames.len()
                ),
            )
            .with_help("run `schemagen build` and remove the `renamedFrom` entries, then convert"),
        );
    }
    let mut refused = Diagnostics::default();
    match target {
        Target::Prisma => out.files = prisma::write(system, sources, dir, &mut diags),
        Target::Firestore => out.files = firestore::write(system, sources, dir, &mut refused),
        Target::Payload => out.files = payload::write(system, sources, dir, &mut refused),
    }
    let tables = refused_tables(&refused);
    for d in refused.into_sorted() {
        diags.push(d);
    }
    if tables > 0 {
        diags.push(unsupported_target(system, target, tables));
    }
    if !diags.has_errors() {
        same_database(system, &out.files, &mut out.sources, &mut diags);
    }
    out.diagnostics = diags.into_sorted();
    out
}

/// How many tables the refusals name (each path starts with its table's name).
fn refused_tables(refused: &Diagnostics) -> usize {
    let tables: std::collections::BTreeSet<&str> = refused
        .iter()
        .filter_map(|d| d.path.as_deref())
        .map(|p| p.split('.').next().unwrap_or(p))
        .collect();
    tables.len()
}

/// Payload- and Firestore-style name their tables and columns themselves (slugs, `_rels`
/// tables, snake_case columns) and fix their keys' types: the tables the writer refused
/// (the errors before this one) have no form there, so nothing is converted.
fn unsupported_target(system: &System, target: Target, refused: usize) -> Diagnostic {
    Diagnostic::global(
        Code::ConvertTarget,
        format!(
            "system `{}`: `convert --to {}` cannot carry {refused} of its {} tables (each named by its own error): that flavour derives table, column, key and index names itself, so tables named and keyed otherwise have no {1}-style form; nothing is converted",
            system.name,
            target.name(),
            system.tables.len()
        ),
    )
    .with_help(
        "convert to Prisma-style (`--to prisma`), which spells every table out; flavours can share a system, so new collections can be written in any flavour beside it",
    )
}

/// Compiles converted YAML and plans it against the original: anything in the plan
/// means the conversion would change the database (E0810).
pub fn same_database(
    original: &System,
    files: &[(String, String)],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) {
    let mut compiled = Diagnostics::default();
    let converted = compile(&original.name, files, sources, &mut compiled);
    if compiled.has_errors() {
        for d in compiled.into_sorted() {
            diags.push(d);
        }
        diags.push(not_same(
            original,
            "the converted YAML does not build (the errors above)",
        ));
        return;
    }
    let plan = crate::plan::plan(Some(original), &converted);
    if !plan.is_empty() {
        let steps: Vec<String> = plan
            .steps
            .iter()
            .take(5)
            .map(|s| s.comment.clone())
            .collect();
        diags.push(not_same(
            original,
            &format!(
                "building it would change the database ({} step(s): {})",
                plan.steps.len(),
                steps.join("; ")
            ),
        ));
    }
}

fn not_same(system: &System, what: &str) -> Diagnostic {
    Diagnostic::global(
        Code::ConvertNotSame,
        format!("system `{}`: {what}; nothing was written", system.name),
    )
    .with_help("this is a gap in `convert`: report it with the system's YAML; keep the system in its flavour meanwhile")
}

/// Loads, lowers and validates YAML texts as one system.
pub fn compile(
    system: &str,
    texts: &[(String, String)],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> System {
    let mut files = Vec::with_capacity(texts.len());
    for (name, text) in texts {
        let id = sources.add(name.clone(), text.clone());
        match crate::load::parse_text(text, id) {
            Ok(root) => files.push(LoadedFile { id, root }),
            Err(d) => diags.push(*d),
        }
    }
    let files = SystemFiles {
        name: system.to_string(),
        files,
    };
    let lowered = crate::flavours::lower(&files, diags);
    crate::validate::validate(&lowered, diags);
    lowered
}

/// Writes converted files: into `out/<system>/` when `out` is given (a folder holding no
/// YAML yet, as `import` writes), else in place of the system's YAML in `dir`, all files
/// swapped in at once (through `write`'s staging folder); files other than YAML stay.
pub fn write(
    dir: &Path,
    system: &str,
    files: &[(String, String)],
    out: Option<&Path>,
) -> Result<Vec<PathBuf>, Box<Diagnostic>> {
    if let Some(out) = out {
        return crate::import::write_system(out, system, files);
    }
    let io = |e: std::io::Error| {
        Box::new(Diagnostic::global(
            Code::Io,
            format!("cannot read {}: {e}", dir.display()),
        ))
    };
    let mut tree = crate::write::read_tree(dir).map_err(io)?;
    tree.retain(|path, _| !(path.ends_with(".yaml") || path.ends_with(".yml")));
    tree.extend(files.iter().cloned());
    crate::write::replace_tree(dir, &tree).map_err(|e| Box::new(e.diagnostic()))?;
    Ok(files.iter().map(|(name, _)| dir.join(name)).collect())
}

/// The name of the source file `id`, relative to the system folder `dir` (its file name when
/// it lies elsewhere): each converted element goes into a file of the name it came from.
fn source_file(system: &System, sources: &SourceMap, dir: &Path, id: u32) -> String {
    let path = Path::new(sources.path(id));
    let relative = path
        .strip_prefix(dir)
        .ok()
        .or_else(|| path.file_name().map(Path::new));
    relative.map_or_else(
        || format!("{}.yaml", system.name),
        |n| n.to_string_lossy().replace('\\', "/"),
    )
}

/// A key or value written plain when YAML reads it back as the same string, else quoted.
pub(crate) fn plain(text: &str) -> String {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_<>()/?. -".contains(c))
        && !text.ends_with(' ')
        && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
            .contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_string()
    } else {
        crate::import::postgres::yaml_string(text)
    }
}
