//! Makes every `<dir>/<system>/models.rs` a module of this crate, named after its folder.
//! `<dir>` is `SCHEMAGEN_GENERATED_DIR` when set (the tests render into a temp folder), else
//! the repository's committed `generated/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DIR_VAR: &str = "SCHEMAGEN_GENERATED_DIR";

fn main() {
    println!("cargo::rerun-if-env-changed={DIR_VAR}");
    let dir = match std::env::var_os(DIR_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../generated"),
    };
    println!("cargo::rerun-if-changed={}", dir.display());

    let mut modules = String::new();
    for (name, models) in models_files(&dir) {
        println!("cargo::rerun-if-changed={}", models.display());
        // `include!` inside a module, as a user does with a file generated into OUT_DIR: the
        // stricter way (no inner attributes or `//!` docs), so `#[path]` works as well.
        let path = models.canonicalize().unwrap_or(models);
        writeln!(modules, "pub mod {} {{\n    include!({:?});\n}}", module_name(&name), path.display().to_string()).unwrap();
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("systems.rs"), modules).expect("OUT_DIR is writable");
}

/// `(folder name, models.rs)` for each system folder that has one, sorted by name.
fn models_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("cargo::warning=no generated folder at {}: nothing to compile", dir.display());
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path().join("models.rs")))
        .filter(|(_, models)| models.is_file())
        .collect();
    files.sort();
    files
}

/// A snake_case Rust identifier for a folder name: runs of other characters become one `_`,
/// and a leading digit or a keyword gets a prefix or suffix.
fn module_name(folder: &str) -> String {
    let mut name = String::new();
    for c in folder.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    let mut name = name.trim_end_matches('_').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "system_");
    }
    if is_keyword(&name) {
        name.push('_');
    }
    name
}

fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
        "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
        "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
        "unsafe", "use", "where", "while", "yield", "abstract", "become", "box", "do", "final", "macro",
        "override", "priv", "typeof", "unsized", "virtual",
    ];
    KEYWORDS.contains(&name)
}
