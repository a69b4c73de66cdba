//! Same input, byte-identical output: whatever order the files were created in, and run after run.

mod support;

use schemagen::config::Config;
use std::path::{Path, PathBuf};
use support::TempDir;

/// Copies every YAML file of `schemas/` into a fresh folder (removed on drop), creating them
/// in the given order.
fn copy_schemas(name: &str, reverse: bool) -> TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let dst = TempDir::new(&format!("determinism-{name}"));
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    if reverse {
        files.reverse();
    }
    for file in files {
        let target = dst.join(file.strip_prefix(&src).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    dst
}

fn render(schemas: TempDir) -> schemagen::write::Tree {
    let config = Config {
        out: schemas.join("no-previous-output"),
        schemas: schemas.to_path_buf(),
        ..Config::default()
    };
    let run = schemagen::generate(&config);
    assert!(
        !run.has_errors(),
        "{}",
        schemagen::diagnostics::render::human(&run.diagnostics, &run.sources)
    );
    run.files
}

#[test]
fn output_does_not_depend_on_file_creation_order_or_the_run() {
    let forward = render(copy_schemas("forward", false));
    let backward = render(copy_schemas("backward", true));
    assert!(forward.len() > 10, "the seed systems render to many files");
    assert_eq!(forward, backward);
    assert_eq!(forward, render(copy_schemas("again", false)));
}
