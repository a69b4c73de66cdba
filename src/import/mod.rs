//! `schemagen import`: another stack's schema → schemagen YAML. Beside the pipeline, like
//! `migrate/`: it writes a system's YAML files into the schemas folder, and builds nothing.
//!
//! - [`prisma`]: a real `schema.prisma` (file or folder) → Prisma-style YAML;
//! - [`postgres`]: a live database, read by [`crate::catalog::read`] → Prisma-style YAML, and
//!   through [`in_flavour`] any flavour `convert` writes;
//! - [`payload`]: a Payload 3 config, read by the project's own `payload` package → Payload-style YAML.

pub mod payload;
pub mod postgres;
pub mod prisma;

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::load::SourceMap;
use std::path::{Path, PathBuf};

/// What an import made: YAML files by name, the sources the diagnostics point into (the
/// `.prisma` files; the YAML itself for a database), and the diagnostics.
#[derive(Debug, Default)]
pub struct Import {
    pub files: Vec<(String, String)>,
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Import {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Prisma-style YAML an import made (the flavour that says every table), rewritten in `target`
/// by `convert`, which checks the result builds the same database: what that flavour cannot
/// say stops the import with convert's own codes (E0812–E0819, E0809). The import's own
/// diagnostics are the caller's to print; these are the conversion's.
pub fn in_flavour(imported: &Import, system: &str, target: crate::convert::Target) -> Import {
    let mut diags = crate::diagnostics::Diagnostics::default();
    let mut sources = SourceMap::default();
    let compiled = crate::convert::compile(system, &imported.files, &mut sources, &mut diags);
    if diags.has_errors() {
        return Import {
            sources,
            diagnostics: diags.into_sorted(),
            ..Import::default()
        };
    }
    let converted = crate::convert::convert(&compiled, &sources, Path::new(""), target);
    Import {
        files: converted.files,
        sources: converted.sources,
        diagnostics: converted.diagnostics,
    }
}

/// Writes `files` (name → YAML) into `schemas/<system>/`. Refuses a system folder that already
/// holds YAML: an import never overwrites a schema someone may have edited.
pub fn write_system(
    schemas: &Path,
    system: &str,
    files: &[(String, String)],
) -> Result<Vec<PathBuf>, Box<Diagnostic>> {
    let dir = schemas.join(system);
    let existing = std::fs::read_dir(&dir).into_iter().flatten().flatten();
    if let Some(file) = existing
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
    {
        return Err(Box::new(
            Diagnostic::global(
                Code::ImportTargetExists,
                format!(
                    "{} already holds the schema of system `{system}` ({})",
                    dir.display(),
                    file.display()
                ),
            )
            .with_help(
                "import under another name (`--system NAME`), or move the folder away first",
            ),
        ));
    }
    let io = |e: std::io::Error, path: &Path| {
        Box::new(Diagnostic::global(
            Code::ImportInput,
            format!("cannot write {}: {e}", path.display()),
        ))
    };
    std::fs::create_dir_all(&dir).map_err(|e| io(e, &dir))?;
    let mut written = Vec::with_capacity(files.len());
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io(e, &path))?;
        written.push(path);
    }
    Ok(written)
}
