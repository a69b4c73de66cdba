//! `schemagen init`: a new project that builds at once. A starter system in the chosen
//! flavour, `schemagen.yaml`, a CI workflow that runs `schemagen check`, and the JSON Schemas
//! the files point editors at. Files are only ever created: an existing one stops the run
//! before anything is written.

use crate::diagnostics::{Code, Diagnostic};
use crate::flavours::Flavour;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The system `init` starts when none is named.
pub const DEFAULT_SYSTEM: &str = "app";

/// Where `init` puts the JSON Schemas, relative to the project folder; the starter files'
/// `# yaml-language-server: $schema=…` lines point here.
pub const JSON_SCHEMA_DIR: &str = ".schemagen/json-schema";

const PRISMA: &str = include_str!("starters/prisma.yaml");
const PAYLOAD: &str = include_str!("starters/payload.yaml");
const FIRESTORE: &str = include_str!("starters/firestore.yaml");
const CONFIG: &str = include_str!("starters/schemagen.yaml");
const WORKFLOW: &str = include_str!("starters/github-workflow.yml");

/// The files of a new project, by path relative to the project folder, in a stable order.
pub fn starter(flavour: Flavour, system: &str) -> Vec<(PathBuf, String)> {
    let models = match flavour {
        Flavour::Prisma => PRISMA,
        Flavour::Payload => PAYLOAD,
        Flavour::Firestore => FIRESTORE,
    };
    let mut files = vec![
        (PathBuf::from(crate::config::FILE_NAME), CONFIG.to_string()),
        (
            Path::new("schemas").join(system).join("models.yaml"),
            models.to_string(),
        ),
        (
            PathBuf::from(".github/workflows/schemagen.yml"),
            WORKFLOW.to_string(),
        ),
    ];
    files.extend(
        crate::flavours::json_schema::all()
            .into_iter()
            .map(|(name, text)| (Path::new(JSON_SCHEMA_DIR).join(name), text)),
    );
    files
}

/// Creates `files` under `dir`, or none of them when one is there already (E0850).
pub fn create(dir: &Path, files: &[(PathBuf, String)]) -> Result<(), Box<Diagnostic>> {
    let existing: Vec<String> = files
        .iter()
        .filter(|(path, _)| dir.join(path).exists())
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Box::new(
            Diagnostic::global(
                Code::InitWouldOverwrite,
                format!(
                    "`schemagen init` would overwrite {}",
                    existing.join(", ")
                ),
            )
            .with_help(
                "run it in a new folder, or move those files away first: init never replaces a file",
            ),
        ));
    }
    for (path, text) in files {
        let path = dir.join(path);
        new_file(&path, text).map_err(|e| {
            Box::new(Diagnostic::global(
                Code::Io,
                format!("cannot create {}: {e}", path.display()),
            ))
        })?;
    }
    Ok(())
}

/// The line that keeps the build stamp (per machine: it hashes the binary) and the sections
/// recorded beside it out of version control; the starter's `out` is `generated`.
pub const IGNORE_STAMP: &str = "/generated/.schemagen-stamp*";

/// What `init` did about `.gitignore`: a project usually has one already, and `init` never
/// changes a file it did not create, so it creates one only where there is none.
#[derive(Debug, PartialEq, Eq)]
pub enum Ignore {
    Created,
    AlreadyIgnored,
    /// A `.gitignore` without the line: the user is told to add it.
    AddByHand,
}

/// Creates `.gitignore` holding [`IGNORE_STAMP`] when `dir` has none; otherwise only says
/// whether the stamp is ignored already.
pub fn ignore_stamp(dir: &Path) -> std::io::Result<Ignore> {
    let path = dir.join(".gitignore");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.lines().any(|l| l.trim() == IGNORE_STAMP) => Ok(Ignore::AlreadyIgnored),
        Ok(_) => Ok(Ignore::AddByHand),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            new_file(&path, &format!("{IGNORE_STAMP}\n"))?;
            Ok(Ignore::Created)
        }
        Err(e) => Err(e),
    }
}

/// Writes a file that must not exist yet (`create_new`: a file that appeared since the check
/// above is still not replaced).
fn new_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
