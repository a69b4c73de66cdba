//! squawk (npm `squawk-cli` 2.66.0, installed into `.tmp/node` by scripts/test, or the binary
//! named by `SCHEMAGEN_SQUAWK`) as a judge of generated migrations.
//!
//! squawk does not read inside `DO` blocks, and a guarded main block is one (see
//! src/render/postgres/mod.rs): [`judge`] writes its statements a second time, unwrapped.
#![allow(dead_code)] // each test file uses its own part of this module

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The rules that must never fire on an incremental migration: each names a lock taken for a
/// scan or a rewrite that a safe form avoids, or a missing lock timeout.
pub const LOCK_RULES: &[&str] = &[
    "require-lock-timeout",
    "require-concurrent-index-creation",
    "ban-concurrent-index-creation-in-transaction",
    "constraint-missing-not-valid",
    "adding-foreign-key-constraint",
    "adding-not-nullable-field",
    "disallowed-unique-constraint",
    "adding-serial-primary-key-field",
    "transaction-nesting",
];

/// The squawk binary, or `None` after the missing-tool rule (a failure in CI).
pub fn find(test: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SCHEMAGEN_SQUAWK") {
        return Some(PathBuf::from(path));
    }
    let local = super::repo_root().join(".tmp/node/node_modules/.bin/squawk");
    if local.is_file() {
        return Some(local);
    }
    super::missing_tool(
        test,
        "squawk not found (scripts/test installs squawk-cli into .tmp/node, or set SCHEMAGEN_SQUAWK)",
    );
    None
}

/// Rule name → the files (and lines) where it fired.
pub fn lint(squawk: &Path, files: &[PathBuf]) -> BTreeMap<String, Vec<String>> {
    let output = Command::new(squawk)
        .args(["--reporter", "json", "--pg-version", "15.0"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", squawk.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let found: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "squawk gave no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for violation in found {
        let rule = violation["rule_name"].as_str().unwrap_or("?").to_string();
        let file = violation["file"].as_str().unwrap_or("?");
        let name = Path::new(file).file_name().unwrap().to_string_lossy();
        let at = format!("{name}:{}", violation["line"]);
        rules.entry(rule).or_default().push(at);
    }
    rules
}

/// The statements of a guarded main block, as plain SQL (or `None` when there is none).
fn unwrapped_main_block(sql: &str) -> Option<String> {
    let start = sql.find("\n#variable_conflict use_column\n")?;
    let body = &sql[start..];
    let body = &body[body.find("END IF;\n")? + "END IF;\n".len()..];
    let body = &body[..body.find("CREATE SCHEMA \"schemagen_pending_")?];
    Some(body.replace("\nPERFORM ", "\nSELECT "))
}

/// Writes a migration to judge into `dir` (and its unwrapped main block), returning the paths.
pub fn judge(dir: &Path, label: &str, sql: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let file = dir.join(format!("{label}.sql"));
    std::fs::write(&file, sql).unwrap();
    paths.push(file);
    if let Some(main) = unwrapped_main_block(sql) {
        let file = dir.join(format!("{label}.main-block.sql"));
        // As it runs: after the file's lock timeout, in its transaction block.
        let block = format!("SET lock_timeout = '5s';\nBEGIN;\n{main}\nCOMMIT;\n");
        std::fs::write(&file, block).unwrap();
        paths.push(file);
    }
    paths
}
