//! Every input the fuzzer found a problem with (`tests/fuzz/findings/`, one file each, as
//! cargo-fuzz saved it) replayed through the same harness as the fuzz target
//! (`fuzz/harness.rs`): no panic, and the same output twice. CI runs this; the fuzzer itself
//! runs only through `scripts/fuzz`.

mod support;

#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn every_kept_fuzz_finding_runs_clean() {
    let dir = support::repo_root().join("tests/fuzz/findings");
    let mut findings: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    findings.sort();
    assert!(!findings.is_empty(), "no findings in {}", dir.display());
    let scratch = support::TempDir::new("fuzz-replay");
    for finding in &findings {
        let data = std::fs::read(finding).unwrap();
        let result = std::panic::catch_unwind(|| harness::run(&data, &scratch.join("case")));
        assert!(result.is_ok(), "{} fails again", finding.display());
    }
    eprintln!("fuzz_replay: {} findings replayed", findings.len());
}
