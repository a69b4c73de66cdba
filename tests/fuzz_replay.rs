//! The fuzz harness (`fuzz/harness.rs`, shared with the cargo-fuzz target) in the ordinary
//! tests: every input the fuzzer found a problem with (`tests/fuzz/findings/`, as cargo-fuzz
//! saved it), and every fixture system encoded as a fuzz input, through the pipeline twice:
//! no panic, the same output both times. The fuzzer itself runs only through `scripts/fuzz`.

mod support;

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn replay(data: &[u8], what: &Path, scratch: &Path) {
    let result = std::panic::catch_unwind(|| harness::run(data, scratch));
    assert!(result.is_ok(), "{} fails the fuzz harness", what.display());
}

#[test]
fn every_kept_fuzz_finding_runs_clean() {
    let dir = support::repo_root().join("tests/fuzz/findings");
    let mut findings: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    findings.sort();
    let scratch = support::TempDir::new("fuzz-replay");
    for finding in &findings {
        replay(
            &std::fs::read(finding).unwrap(),
            finding,
            &scratch.join("case"),
        );
    }
    eprintln!("fuzz_replay: {} findings replayed", findings.len());
}

#[test]
fn every_fixture_system_runs_clean_as_a_fuzz_input() {
    let root = support::repo_root().join("tests/fixtures");
    let scratch = support::TempDir::new("fuzz-fixtures");
    let mut count = 0;
    for kind in ["ok", "err"] {
        for case in support::subfolders(&root.join(kind)) {
            for system in support::subfolders(&case.join("schemas")) {
                let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&system)
                    .into_iter()
                    .filter_map(Result::ok)
                    .map(walkdir::DirEntry::into_path)
                    .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
                    .collect();
                paths.sort();
                let texts: Vec<String> = paths
                    .iter()
                    .filter_map(|p| std::fs::read_to_string(p).ok())
                    .collect();
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                replay(&harness::encode(&texts), &system, &scratch.join("case"));
                count += 1;
            }
        }
    }
    assert!(count > 50, "only {count} fixture systems found");
    eprintln!("fuzz_replay: {count} fixture systems replayed");
}
