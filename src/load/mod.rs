//! Finding schema files and reading them into YAML trees that remember positions.
//!
//! A schemas folder holds one system per sub-folder (`schemas/contentpilot/*.yaml`);
//! YAML files directly inside the folder form one system named after the folder.
//! Files are visited in sorted path order so that nothing depends on the file system.

mod file;
mod yaml;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::ir::Span;
pub use crate::source::SourceMap;
pub use file::{read_text, read_text_if_exists, ReadError, MAX_FILE_BYTES, MAX_OUTPUT_FILE_BYTES};
use std::path::{Path, PathBuf};
pub use yaml::{Key, Node, Value};

/// A system's files, parsed, in sorted path order.
#[derive(Debug)]
pub struct SystemFiles {
    pub name: String,
    pub files: Vec<LoadedFile>,
}

#[derive(Debug)]
pub struct LoadedFile {
    pub id: u32,
    pub root: Node,
}

/// The systems below `dir`, sorted by name.
pub fn discover_systems(dir: &Path) -> std::io::Result<Vec<(String, Vec<PathBuf>)>> {
    let mut systems = Vec::new();
    let mut loose = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // A hidden folder is no system: `.x.new`/`.x.old` are what an interrupted
        // `convert` leaves beside system `x` (the next one removes them).
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if path.is_dir() && !hidden {
            let files = yaml_files(&path);
            if !files.is_empty() {
                systems.push((entry.file_name().to_string_lossy().into_owned(), files));
            }
        } else if is_yaml(&path) {
            loose.push(path);
        }
    }
    if !loose.is_empty() {
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "schema".into());
        systems.push((name, loose));
        systems.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(systems)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        // Not only regular files: a FIFO or a symlink named `*.yaml` is reported, not skipped.
        .filter(|e| !e.file_type().is_dir() && is_yaml(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    files
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Reads and parses one system's files. Unreadable or invalid files become diagnostics.
pub fn load_system(
    name: &str,
    paths: &[PathBuf],
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> SystemFiles {
    // Each file is read by the thread that parses it, not all of them first on one: every file,
    // read or not, takes the next id of the source map, so its id is known before it is read.
    let first = sources.len();
    let read = yaml::on_parse_threads(paths.len(), |i| {
        let text = read_text(&paths[i], MAX_FILE_BYTES);
        let parsed = text
            .as_deref()
            .ok()
            .map(|t| yaml::parse_here(t, first + i as u32));
        (text, parsed)
    });
    let mut files = Vec::with_capacity(paths.len());
    for (path, (text, parsed)) in paths.iter().zip(read) {
        let display = path.display().to_string();
        match text {
            Ok(text) => {
                let id = sources.add(display, text);
                match parsed {
                    Some(Ok(root)) => files.push(LoadedFile { id, root }),
                    Some(Err(d)) => diagnostics.push(*d),
                    None => {}
                }
            }
            Err(err) => diagnostics.push(unreadable(display, err, sources)),
        }
    }
    SystemFiles {
        name: name.to_string(),
        files,
    }
}

/// The diagnostic for a file that could not be read, at its first line, or at the first
/// byte that is not UTF-8.
pub fn unreadable(display: String, err: ReadError, sources: &mut SourceMap) -> Diagnostic {
    let (line, column) = match &err {
        ReadError::NotUtf8 { text_before, .. } => line_column(text_before),
        _ => (1, 1),
    };
    let text = match &err {
        ReadError::NotUtf8 { text_before, .. } => text_before.clone(),
        _ => String::new(),
    };
    let file = sources.add(display, text);
    Diagnostic::error(
        err.code(),
        Span { file, line, column },
        format!("cannot read the file: {err}"),
    )
    .with_help(err.help())
}

/// The 1-based line and column just after `text`.
fn line_column(text: &str) -> (u32, u32) {
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, column as u32)
}

/// Parses YAML text that is not a schema file (e.g. `schemagen.yaml`).
pub fn parse_text(text: &str, file: u32) -> Result<Node, Box<Diagnostic>> {
    yaml::parse(text, file)
}
