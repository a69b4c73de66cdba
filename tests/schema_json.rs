//! `schema.json`'s compact format (`ir::snapshot`) is faithful and reads every older snapshot:
//! each committed snapshot (the seed systems' `generated/*/schema.json`, the fixtures' kept
//! histories, written in the pretty format before the compact one) loads, and written compact
//! and read back is the same IR; so is every case the tests render (seed systems, `ok`
//! fixtures, scenarios), from its compiled IR.

mod support;

use schemagen::ir::{snapshot, System};
use std::path::PathBuf;

/// Every committed `schema.json` below `generated/` and `tests/fixtures/`.
fn committed_snapshots() -> Vec<PathBuf> {
    let root = support::repo_root();
    let mut found: Vec<PathBuf> = ["generated", "tests/fixtures"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name())
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.file_name().is_some_and(|n| n == "schema.json"))
        .collect();
    found.sort();
    found
}

/// What `schema.json` keeps of a system: seed rows, renames and consent are not schema.
fn schema_part(system: &System) -> System {
    System {
        seed: Vec::new(),
        renames: Vec::new(),
        accept_data_loss: Vec::new(),
        ..system.clone()
    }
}

fn round_trip(system: &System) -> (String, System) {
    let text = snapshot::to_string(system).unwrap();
    let read = snapshot::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    (text, read)
}

#[test]
fn every_committed_snapshot_reads_and_survives_the_compact_format() {
    let files = committed_snapshots();
    assert!(files.len() >= 10, "snapshots not found: {files:?}");
    let mut pretty = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let system = snapshot::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not read: {e}", path.display()));
        assert!(!system.tables.is_empty(), "{}", path.display());
        let (compact, read) = round_trip(&system);
        assert_eq!(
            read,
            system,
            "{} changed in the compact format",
            path.display()
        );
        // Equality ignores spans: the database names, compared field by field, are what matter.
        let names = |s: &System| -> Vec<String> {
            s.tables
                .iter()
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .map(move |c| format!("{:?}.{}", t.db_name, c.db_name))
                })
                .collect()
        };
        assert_eq!(names(&read), names(&system), "{}", path.display());
        if text.contains("\"nullable\": false") {
            pretty += 1;
            assert!(
                compact.len() * 2 < text.len(),
                "{} barely shrank",
                path.display()
            );
        }
    }
    assert!(
        pretty >= 5,
        "the committed snapshots no longer hold the old format"
    );
}

#[test]
fn every_rendered_case_survives_the_compact_format() {
    let scratch = support::TempDir::new("schema-json");
    for case in support::cases() {
        let run = support::generate(&case.label, &case.config(&scratch.join("none")));
        for system in &run.systems {
            let (text, read) = round_trip(system);
            assert_eq!(read, schema_part(system), "{}: {}", case.label, system.name);
            assert_eq!(
                snapshot::to_string(&read).unwrap(),
                text,
                "{}: not stable",
                case.label
            );
        }
    }
}

#[test]
fn a_left_out_db_name_is_the_logical_name_and_only_then_left_out() {
    let text = r#"{"name":"s","tables":[{"name":"User","db_name":{"name":"users"},"columns":[
        {"name":"id","ty":{"kind":"uuid"}},
        {"name":"createdAt","db_name":"created_at","ty":{"array":{"kind":"text"}},"nullable":true}]}]}"#;
    let system = snapshot::from_str(text).unwrap();
    let table = &system.tables[0];
    assert_eq!(table.db_name.schema, "public");
    assert_eq!(table.columns[0].db_name, "id");
    assert_eq!(table.columns[1].db_name, "created_at");
    assert!(table.columns[1].ty.array && table.columns[1].nullable);
    let (written, read) = round_trip(&system);
    assert_eq!(read, system);
    assert!(
        written.contains(r#"{"name":"createdAt","db_name":"created_at","#),
        "{written}"
    );
    assert!(
        written.contains(r#"{"name":"id","ty":{"kind":"uuid"}}"#),
        "{written}"
    );
    // The comparison above can fail: a database name dropped by mistake is seen.
    let broken = written.replace(r#""db_name":"created_at","#, "");
    assert_ne!(snapshot::from_str(&broken).unwrap(), system);
}
