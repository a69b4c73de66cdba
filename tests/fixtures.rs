//! Fixture harness: every folder under `tests/fixtures/ok/` and `tests/fixtures/err/` is a case;
//! adding a case means adding a folder. A case holds `schemas/<system>/*.yaml` and, beside it,
//! its expected output as insta snapshots in `snapshots/`.
//!
//! - `ok/` cases must build without errors; every rendered file is snapshotted.
//! - `err/` cases must fail; the human-readable diagnostics are snapshotted.

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
/// their `schemas/` folder against an empty history, or against the case's `history/` folder
/// (a previous build's output) when it has one: errors only a plan can find need one.
fn config_for(case: &Path) -> Config {
    let mut sources = schemagen::load::SourceMap::default();
    let mut diags = schemagen::diagnostics::Diagnostics::default();
    let config = schemagen::config::load(case, &mut sources, &mut diags);
    assert!(
        diags.is_empty(),
        "{}: invalid schemagen.yaml",
        case.display()
    );
    let history = case.join("history");
    Config {
        schemas: case.join("schemas"),
        // Without a history: a folder that never exists, so an empty one.
        out: if history.is_dir() {
            history
        } else {
            case.join("no-previous-output")
        },
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
                if path == schemagen::write::MARKER {
                    continue;
                }
                insta::assert_snapshot!(path.replace('/', "__"), contents);
            }
        });
    }
}

#[test]
fn err_cases_report_as_snapshotted() {
    for case in cases("err") {
        let config = config_for(&case);
        let run = if case.join("history").is_dir() {
            schemagen::generate(&config)
        } else {
            schemagen::compile(&config)
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
