//! Writing: the only stage that changes the file system.
//!
//! `build` stages the whole output tree in a sibling temp folder, then swaps it in,
//! so `generated/` is never half-written. Unchanged files keep their modification
//! time, and when nothing changed nothing is touched. `check` compares instead of
//! writing and reports a unified diff.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Written into every output folder; a folder without it is never replaced.
pub const MARKER: &str = ".schemagen";
pub const MARKER_TEXT: &str =
    "This folder is written by `schemagen build`: edits here are overwritten.\n";

/// The rendered output: path relative to the output folder (with `/`) → contents.
pub type Tree = BTreeMap<String, String>;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Every file below `dir`, relative, with `/` separators; empty when `dir` does not exist.
pub fn read_tree(dir: &Path) -> io::Result<Tree> {
    let mut tree = Tree::new();
    if !dir.exists() {
        return Ok(tree);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("below dir");
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let contents = std::fs::read(entry.path())?;
            tree.insert(rel, String::from_utf8_lossy(&contents).into_owned());
        }
    }
    Ok(tree)
}

/// Replaces `out_dir` with exactly `files`, through a staging folder and a rename.
pub fn write_tree(out_dir: &Path, files: &Tree) -> io::Result<Summary> {
    let current = read_tree(out_dir)?;
    if !current.is_empty() && !current.contains_key(MARKER) {
        return Err(io::Error::other(format!(
            "refusing to replace {}: it was not made by schemagen (no {MARKER} file in it)",
            out_dir.display()
        )));
    }
    let mut summary = Summary::default();
    for (path, contents) in files {
        if current.get(path) == Some(contents) {
            summary.unchanged += 1;
        } else {
            summary.written += 1;
        }
    }
    summary.removed = current.keys().filter(|p| !files.contains_key(*p)).count();
    if summary.written == 0 && summary.removed == 0 {
        return Ok(summary);
    }

    let staging = sibling(out_dir, "tmp");
    let _ = std::fs::remove_dir_all(&staging);
    let staged = stage(&staging, out_dir, files, &current);
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap(&staging, out_dir)?;
    Ok(summary)
}

/// Applies `changes` (path → new contents, or `None` to remove) to `out_dir`, through the
/// same staging folder and swap as [`write_tree`].
pub fn change_tree(
    out_dir: &Path,
    changes: &BTreeMap<String, Option<String>>,
) -> io::Result<Summary> {
    let mut files = read_tree(out_dir)?;
    for (path, contents) in changes {
        match contents {
            Some(contents) => files.insert(path.clone(), contents.clone()),
            None => files.remove(path),
        };
    }
    write_tree(out_dir, &files)
}

fn stage(staging: &Path, out_dir: &Path, files: &Tree, current: &Tree) -> io::Result<()> {
    for (path, contents) in files {
        let target = staging.join(path);
        std::fs::create_dir_all(target.parent().expect("a file has a parent"))?;
        std::fs::write(&target, contents)?;
        if current.get(path) == Some(contents) {
            // Keep the old modification time, so build tools see no change.
            let modified = std::fs::metadata(out_dir.join(path))?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&target)?
                .set_modified(modified)?;
        }
    }
    Ok(())
}

fn swap(staging: &Path, out_dir: &Path) -> io::Result<()> {
    if out_dir.exists() {
        let old = sibling(out_dir, "old");
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(out_dir, &old)?;
        if let Err(e) = std::fs::rename(staging, out_dir) {
            std::fs::rename(&old, out_dir)?;
            return Err(e);
        }
        std::fs::remove_dir_all(&old)?;
    } else {
        if let Some(parent) = out_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(staging, out_dir)?;
    }
    Ok(())
}

/// `generated` → `.generated.tmp` beside it: same file system, so renames are atomic.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!(".{name}.{suffix}"))
}

/// What `check` found: one unified diff per stale, missing or extra file.
pub fn diff_tree(out_dir: &Path, files: &Tree) -> io::Result<Vec<String>> {
    let current = read_tree(out_dir)?;
    let base = out_dir.display().to_string();
    let mut diffs = Vec::new();
    let paths: std::collections::BTreeSet<&String> = current.keys().chain(files.keys()).collect();
    for path in paths {
        let old = current.get(path).map_or("", String::as_str);
        let new = files.get(path).map_or("", String::as_str);
        if current.contains_key(path) && files.contains_key(path) && old == new {
            continue;
        }
        let diff = similar::TextDiff::from_lines(old, new);
        let old_name = if current.contains_key(path) {
            format!("a/{base}/{path}")
        } else {
            "/dev/null".into()
        };
        let new_name = if files.contains_key(path) {
            format!("b/{base}/{path}")
        } else {
            "/dev/null".into()
        };
        diffs.push(
            diff.unified_diff()
                .context_radius(3)
                .header(&old_name, &new_name)
                .to_string(),
        );
    }
    Ok(diffs)
}
