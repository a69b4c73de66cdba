//! Finding schema files and reading them into YAML trees that remember positions.
//!
//! A schemas folder holds one system per sub-folder (`schemas/contentpilot/*.yaml`);
//! YAML files directly inside the folder form one system named after the folder.
//! Files are visited in sorted path order so that nothing depends on the file system.

mod yaml;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Span;
use std::path::{Path, PathBuf};
pub use yaml::{Key, Node, Value};

/// Files larger than this are refused: a schema is text written by people.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Every file read in a run, by id; diagnostics resolve their spans here.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
struct SourceFile {
    path: String,
    text: String,
}

impl SourceMap {
    pub fn add(&mut self, path: String, text: String) -> u32 {
        self.files.push(SourceFile { path, text });
        (self.files.len() - 1) as u32
    }
    pub fn path(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map_or("<unknown>", |f| f.path.as_str())
    }
    pub fn text(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map_or("", |f| f.text.as_str())
    }
    /// The text of a 1-based line, without its line break.
    pub fn line(&self, file: u32, line: u32) -> Option<&str> {
        self.text(file).lines().nth(line.checked_sub(1)? as usize)
    }
}

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
        if path.is_dir() {
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
        .filter(|e| e.file_type().is_file() && is_yaml(e.path()))
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
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let display = path.display().to_string();
        if let Some(d) = too_large(path, &display, sources) {
            diagnostics.push(d);
            continue;
        }
        let text = match read_limited(path) {
            Ok(text) => text,
            Err(err) => {
                let id = sources.add(display, String::new());
                diagnostics.push(Diagnostic::error(
                    Code::Io,
                    Span {
                        file: id,
                        line: 0,
                        column: 0,
                    },
                    format!("cannot read the file: {err}"),
                ));
                continue;
            }
        };
        let id = sources.add(display, text);
        match yaml::parse(sources.text(id), id) {
            Ok(root) => files.push(LoadedFile { id, root }),
            Err(d) => diagnostics.push(*d),
        }
    }
    SystemFiles {
        name: name.to_string(),
        files,
    }
}

/// A file over [`MAX_FILE_BYTES`], by its size on disk: a product limit with its own code.
fn too_large(path: &Path, display: &str, sources: &mut SourceMap) -> Option<Diagnostic> {
    let len = std::fs::metadata(path).ok()?.len();
    if len <= MAX_FILE_BYTES {
        return None;
    }
    let file = sources.add(display.to_string(), String::new());
    let at = Span {
        file,
        line: 0,
        column: 0,
    };
    let message = format!(
        "the file is {len} bytes, over the limit of {MAX_FILE_BYTES} bytes for one schema file"
    );
    Some(
        Diagnostic::error(Code::FileTooLarge, at, message)
            .with_help("split the system's models over several files in its folder"),
    )
}

fn read_limited(path: &Path) -> std::io::Result<String> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "{len} bytes is over the limit of {MAX_FILE_BYTES} bytes for one schema file"
        )));
    }
    std::fs::read_to_string(path)
}

/// Parses YAML text that is not a schema file (e.g. `schemagen.yaml`).
pub fn parse_text(text: &str, file: u32) -> Result<Node, Box<Diagnostic>> {
    yaml::parse(text, file)
}
