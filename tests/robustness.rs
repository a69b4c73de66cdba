//! No input panics: every YAML file of the seed systems and the fixtures, mutated many ways
//! (lines deleted, text cut short, metacharacters injected), goes through the whole pipeline —
//! load, lower, validate, plan, render — in memory. Errors are fine; a panic is a bug.

use schemagen::diagnostics::Diagnostics;
use schemagen::load::{self, LoadedFile, SystemFiles};
use schemagen::render::{self, History, Target, Templates};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// What each mutation injects: the characters YAML, Prisma lines and SQL give meaning to.
const INJECTIONS: &[&str] = &[
    ":", "[", "{", "\"", "@", "(", "?", "[]", "#", "- ", "\t", "é", "&a", "*a", "!!binary",
];

fn yaml_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["schemas", "tests/fixtures/ok", "tests/fixtures/err"]
        .iter()
        .flat_map(|dir| {
            walkdir::WalkDir::new(root.join(dir))
                .into_iter()
                .filter_map(Result::ok)
        })
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Deterministic variants of `text`: each line deleted, a metacharacter put at a spot of
/// each line, and the text cut at a few points.
fn mutations(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for i in 0..lines.len() {
        let mut deleted = lines.clone();
        deleted.remove(i);
        out.push(deleted.join("\n"));
        let line = lines[i];
        let at = line
            .char_indices()
            .map(|(at, _)| at)
            .nth((i * 7) % line.len().max(1))
            .unwrap_or(line.len());
        let injected = format!(
            "{}{}{}",
            &line[..at],
            INJECTIONS[i % INJECTIONS.len()],
            &line[at..]
        );
        let mut changed = lines.clone();
        changed[i] = &injected;
        out.push(changed.join("\n"));
    }
    for cut in 1..8 {
        let mut at = text.len() * cut / 8;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        out.push(text[..at].to_string());
    }
    out
}

/// The pipeline on one file, in memory, from an empty history.
fn run_pipeline(text: &str, templates: &Templates) {
    let mut diags = Diagnostics::default();
    let Ok(root) = load::parse_text(text, 0) else {
        return;
    };
    let files = SystemFiles {
        name: "fuzz".into(),
        files: vec![LoadedFile { id: 0, root }],
    };
    let system = schemagen::flavours::lower(&files, &mut diags);
    schemagen::validate::validate(&system, &mut diags);
    if diags.has_errors() {
        return;
    }
    let migration = schemagen::plan::plan(None, &system);
    let _ = render::render_system(
        &system,
        &History::default(),
        &migration,
        Target::ALL,
        templates,
        render::Options::default(),
    );
}

#[test]
fn no_mutated_schema_makes_the_pipeline_panic() {
    let templates = Templates::new(None).unwrap();
    let mut runs = 0;
    let mut panics = Vec::new();
    for file in yaml_files() {
        // Only text files: the fixtures hold a `*.yaml` symlink to /dev/zero and a Latin-1 file
        // (err/file_not_regular, err/file_not_utf8), which the loader refuses before parsing.
        if !file.is_file() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (n, mutated) in mutations(&text).into_iter().enumerate() {
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| run_pipeline(&mutated, &templates))).is_err() {
                panics.push(format!("{} (mutation {n}):\n{mutated}", file.display()));
            }
        }
    }
    assert!(runs > 5_000, "only {runs} mutations: were the files found?");
    assert!(
        panics.is_empty(),
        "{} of {runs} mutated inputs panicked; the first:\n{}",
        panics.len(),
        panics[0]
    );
}
