//! Generated Rust counts only when `cargo check` accepts it: every rendered `models.rs` (the
//! project's systems, the `ok` fixtures, the scenarios) is compiled as a module of
//! `examples/rust-consumer`, a crate with the dependencies a user adds (serde, serde_json,
//! uuid, chrono, rust_decimal), warnings denied.

mod support;

use std::path::PathBuf;
use std::process::Command;
use support::TempDir;

/// Its own target folder, kept between runs (CI caches `target/`), so only the consumer
/// crate itself is rebuilt.
fn consumer_target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::repo_root().join("target"));
    target.join("rust-consumer")
}

#[test]
fn every_rendered_models_rs_compiles() {
    let generated = TempDir::new("rust");
    let mut count = 0;
    for case in support::cases() {
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for system in &run.systems {
            for (path, contents) in support::system_files(&run, &system.name, |p| p == "models.rs")
            {
                // One folder per module: the consumer names each module after its folder.
                let folder = format!("{}-{}", case.label, system.name);
                let file = generated.path().join(folder).join(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, contents).unwrap();
                count += 1;
            }
        }
    }
    assert!(count > 0, "no models.rs was rendered: nothing to check");

    // The cargo running this test (so the same toolchain); offline when the lock file's
    // crates are already fetched (`scripts/test` fetches them).
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = support::repo_root().join("examples/rust-consumer/Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "check",
            "--locked",
            "--quiet",
            "--message-format",
            "short",
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(consumer_target_dir())
        .env("SCHEMAGEN_GENERATED_DIR", generated.path())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    assert!(
        output.status.success(),
        "cargo check rejected the generated Rust ({count} models.rs files):\n{}",
        String::from_utf8_lossy(&output.stderr)
            .replace(&format!("{}/", generated.path().display()), "")
    );
    eprintln!("cargo check accepted {count} models.rs files");
}
