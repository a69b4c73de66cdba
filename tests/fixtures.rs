//! Fixture harness: every folder under `tests/fixtures/ok/` and `tests/fixtures/err/` is a case;
//! adding a case means adding a folder. A case holds `schemas/<system>/*.yaml` and, beside it,
//! its expected output as insta snapshots in `snapshots/`.
//!
//! - `ok/` cases must build without errors; every rendered file is snapshotted.
//! - `err/` cases must fail (to compile, or to plan on top of a previous version); the
//!   human-readable diagnostics are snapshotted.
//!
//! A case about a change has a previous version in `previous/`: either `previous/schemas/`,
//! built first into a scratch output folder that becomes the case's history (a dropped column,
//! a type change), or the output of an earlier build kept as it is (a tampered history).

mod support;

use schemagen::config::Config;
use std::path::{Path, PathBuf};

fn cases(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

/// The case's own `schemagen.yaml` (when it has one) decides options; fixtures render from
/// their `schemas/` folder against an empty history, or, for a case about history, against
/// the output of an earlier build kept in its `previous/` folder.
fn config_for(case: &Path) -> Config {
    let mut sources = schemagen::load::SourceMap::default();
    let mut diags = schemagen::diagnostics::Diagnostics::default();
    let config = schemagen::config::load(case, &mut sources, &mut diags);
    assert!(
        diags.is_empty(),
        "{}: invalid schemagen.yaml",
        case.display()
    );
    Config {
        schemas: case.join("schemas"),
        // Absent in most cases: those render from an empty history.
        out: case.join("previous"),
        ..config
    }
}

fn name_of(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn ok_cases_render_as_snapshotted() {
    let cases = cases("ok");
    assert!(!cases.is_empty(), "no ok fixtures found");
    for case in cases {
        let run = schemagen::generate(&config_for(&case));
        let report = schemagen::diagnostics::render::human(&run.diagnostics, &run.sources);
        assert!(
            !run.has_errors(),
            "ok case {} failed:\n{report}",
            name_of(&case)
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(case.join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| {
            for (path, contents) in &run.files {
                // The checksum file and undo records are derived from the files snapshotted
                // here; tests/history.rs proves them.
                let derived = path.ends_with(schemagen::history::sum::FILE)
                    || path.contains(&format!("/{}/", schemagen::history::undo::DIR));
                if path == schemagen::write::MARKER || derived {
                    continue;
                }
                insta::assert_snapshot!(path.replace('/', "__"), contents);
            }
        });
    }
}

/// Builds `case/previous/schemas` into a scratch folder and returns the case's config with
/// that folder (removed when dropped) as its history; `None` for a case without a previous
/// version.
fn with_previous(case: &Path, config: &Config) -> Option<(Config, support::TempDir)> {
    let previous = case.join("previous/schemas");
    if !previous.is_dir() {
        return None;
    }
    let scratch = support::TempDir::new(&format!("fixture-{}", name_of(case)));
    let out = scratch.join("generated");
    let built = schemagen::generate(&Config {
        schemas: previous,
        out: out.clone(),
        ..config.clone()
    });
    let report = schemagen::diagnostics::render::human(&built.diagnostics, &built.sources);
    assert!(
        !built.has_errors(),
        "{}: the previous version does not build:\n{report}",
        name_of(case)
    );
    schemagen::write::write_tree(&out, &built.files).unwrap();
    Some((
        Config {
            out,
            ..config.clone()
        },
        scratch,
    ))
}

#[test]
fn err_cases_report_as_snapshotted() {
    for case in cases("err") {
        let config = config_for(&case);
        let run = match with_previous(&case, &config) {
            Some((config, _scratch)) => schemagen::generate(&config),
            None => schemagen::generate(&config),
        };
        assert!(
            run.has_errors(),
            "err case {} produced no error",
            name_of(&case)
        );
        let root = format!("{}/", case.display());
        let report = schemagen::diagnostics::render::human(&run.diagnostics, &run.sources)
            .replace(&root, "");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(case.join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!("diagnostics", report));
    }
}
