//! Migrations on disk: what earlier builds left in `<out>/<system>/` (the migration files,
//! the schema snapshot they lead to, and the checksum file that guards them).
//!
//! This is the API the database commands build on: each migration's file name, its
//! contents and [`checksum`]. Reading is here; writing stays in `write`, and `render`
//! only ever sees a [`History`] value.

pub mod migrate;
pub mod sum;
pub mod undo;

use crate::ir::System;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// What came before: the schema the last migration produced and the migrations already written.
#[derive(Debug, Default)]
pub struct History {
    pub schema: Option<System>,
    /// The text of `schema.json` as written, so an undo restores it byte for byte.
    pub snapshot: Option<String>,
    /// (file name, contents), in file name order.
    pub migrations: Vec<(String, String)>,
    /// The text of `migrations/schemagen.sum`; `None` for a system built before it existed.
    pub sum: Option<String>,
    /// Migration file name → the text of its undo record ([`undo`]), where it has one.
    pub undo: BTreeMap<String, String>,
    /// [`History::checksums`], taken on first use: a build verifies the sum before planning
    /// and renders it again after, and each used to hash every migration of the history.
    pub checksum_cache: std::sync::OnceLock<Vec<String>>,
    /// For each table of `schema`, the next schema's table it is a copy of, when
    /// [`read_against`] found the two snapshots holding the same text for it (the planner
    /// need not compare them); empty after [`read`].
    pub copied: Vec<Option<usize>>,
    /// The next `schema.json`, which [`read_against`] wrote to compare the previous one
    /// with: the renderer takes it ([`History::take_next_snapshot`]) rather than write it
    /// again.
    pub next_snapshot: std::sync::Mutex<Option<String>>,
}

impl History {
    /// The [`checksum`] of each migration, in the order of `migrations`.
    pub fn checksums(&self) -> &[String] {
        self.checksum_cache.get_or_init(|| {
            self.migrations
                .iter()
                .map(|(_, sql)| checksum(sql))
                .collect()
        })
    }

    /// The text of the next system's `schema.json`, when [`read_against`] wrote it; taken
    /// once (the renderer moves it into the output, 12 MB at 10,000 models, uncopied).
    pub fn take_next_snapshot(&self) -> Option<String> {
        self.next_snapshot
            .lock()
            .map_or(None, |mut text| text.take())
    }

    /// One more than the highest number among the existing migrations (`0001_init.sql` → 2).
    pub fn next_number(&self) -> u32 {
        self.migrations
            .iter()
            .filter_map(|(name, _)| name.split('_').next()?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Pairs of migrations that carry the same number: two branches each added a migration
    /// on top of the same history (teams editing one schema at once).
    pub fn same_numbers(&self) -> Vec<(&str, &str)> {
        let number = |name: &str| name.split('_').next().unwrap_or_default().to_string();
        self.migrations
            .windows(2)
            .filter(|pair| number(&pair[0].0) == number(&pair[1].0))
            .map(|pair| (pair[0].0.as_str(), pair[1].0.as_str()))
            .collect()
    }
}

/// The checksum of one migration file: its sha256 as lowercase hex, so `sha256sum FILE`
/// prints the same value.
pub fn checksum(contents: &str) -> String {
    hex(&Sha256::digest(contents.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The systems a build left in `out_dir` (its folders, but for the hidden staging ones),
/// sorted; none when it does not exist.
pub fn systems(out_dir: &Path) -> Vec<String> {
    let mut systems: Vec<String> = std::fs::read_dir(out_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    systems.sort();
    systems
}

/// The migrations and schema snapshot a previous build left for `system` in `out_dir`.
pub fn read(out_dir: &Path, system: &str) -> io::Result<History> {
    read_with(out_dir, system, None)
}

/// [`read`] by a build that plans `next` against the history: the previous snapshot's tables
/// whose text `next`'s snapshot shares are copied from `next`, not parsed
/// ([`crate::ir::snapshot::from_str_against`]), and that snapshot is kept for the renderer.
/// Without a previous snapshot nothing is written ahead: the renderer writes it beside the
/// first migration.
pub fn read_against(out_dir: &Path, next: &System) -> io::Result<History> {
    read_with(out_dir, &next.name, Some(next))
}

fn read_with(out_dir: &Path, system: &str, next: Option<&System>) -> io::Result<History> {
    let dir = out_dir.join(system);
    let snapshot_path = dir.join("schema.json");
    let snapshot = read_if_exists(&snapshot_path)?;
    let invalid = |e: serde_json::Error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", snapshot_path.display()),
        )
    };
    let (mut schema, mut copied, mut next_snapshot) = (None, Vec::new(), None);
    match (&snapshot, next) {
        (Some(text), Some(next)) => {
            let written = crate::ir::snapshot::written(next).map_err(invalid)?;
            let read = crate::ir::snapshot::from_str_against(text, next, &written);
            let read = read.map_err(invalid)?;
            (schema, copied) = (Some(read.system), read.copied);
            next_snapshot = Some(written.text);
        }
        (Some(text), None) => {
            schema = Some(crate::ir::snapshot::from_str(text).map_err(invalid)?);
        }
        (None, _) => {}
    }
    let migrations = read_files(&dir.join("migrations"), ".sql")?;
    let sum = read_if_exists(&dir.join("migrations").join(sum::FILE))?;
    let undo = read_files(&dir.join(undo::DIR), ".json")?
        .into_iter()
        .map(|(name, text)| (format!("{}.sql", name.trim_end_matches(".json")), text))
        .collect();
    Ok(History {
        schema,
        snapshot,
        migrations,
        sum,
        undo,
        checksum_cache: Default::default(),
        copied,
        next_snapshot: std::sync::Mutex::new(next_snapshot),
    })
}

/// (file name, contents) of the files in `dir` whose name ends in `suffix`, sorted by name;
/// none when `dir` does not exist.
fn read_files(dir: &Path, suffix: &str) -> io::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name.filter(|n| n.ends_with(suffix) && !path.is_dir()) {
            files.push((name, read_output(&path)?));
        }
    }
    files.sort();
    Ok(files)
}

fn read_if_exists(path: &Path) -> io::Result<Option<String>> {
    crate::load::read_text_if_exists(path, crate::load::MAX_OUTPUT_FILE_BYTES)
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
}

/// A file a build wrote: regular, bounded (a FIFO named `0001_init.sql` must not hang `build`).
fn read_output(path: &Path) -> io::Result<String> {
    crate::load::read_text(path, crate::load::MAX_OUTPUT_FILE_BYTES)
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::{checksum, History};

    #[test]
    fn numbers_continue_after_the_highest_existing_migration() {
        let history = |names: &[&str]| History {
            migrations: names
                .iter()
                .map(|n| (n.to_string(), String::new()))
                .collect(),
            ..History::default()
        };
        assert_eq!(history(&[]).next_number(), 1);
        let numbered = history(&["0001_init.sql", "0012_x.sql", "notes.sql"]);
        assert_eq!(numbered.next_number(), 13);
    }

    #[test]
    fn checksums_are_sha256_hex() {
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(checksum("a"), checksum("b"));
        let history = History {
            migrations: vec![("1.sql".into(), "a".into()), ("2.sql".into(), "b".into())],
            ..History::default()
        };
        assert_eq!(history.checksums(), [checksum("a"), checksum("b")]);
    }
}
