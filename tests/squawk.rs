//! squawk (npm `squawk-cli`, pinned in scripts/test) judges every incremental migration the
//! tests produce: each scenario's versions built one after the other, and the migrations of
//! tests/postgres_render.rs's snapshots. None of its lock-safety rules may fire.
//!
//! Judged: incremental migrations only. A first migration creates every table it touches
//! (nobody can be waiting on them), and the committed `generated/` migrations predate the
//! lock-safe forms and are history, never rewritten.
//!
//! squawk does not read inside `DO` blocks, and a guarded main block is one (see
//! src/render/postgres/mod.rs): its statements are judged a second time, unwrapped.

mod support;

use std::path::{Path, PathBuf};
use support::squawk::{judge, lint, LOCK_RULES};
use support::TempDir;

/// Every incremental migration of every scenario, written into `dir`.
fn scenario_migrations(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for scenario in support::scenarios() {
        let name = support::file_name(&scenario);
        let out = TempDir::new(&format!("squawk-{name}"));
        for version in support::versions(&scenario) {
            let config = schemagen::config::Config {
                schemas: version.clone(),
                out: out.path().to_path_buf(),
                ..Default::default()
            };
            let run = support::generate(&name, &config);
            for (path, sql) in &run.files {
                let new = path.contains("/migrations/") && !out.path().join(path).exists();
                if new && !path.ends_with("_init.sql") {
                    let label = format!("{name}-{}", path.replace('/', "-"));
                    paths.extend(judge(dir, label.trim_end_matches(".sql"), sql));
                }
            }
            schemagen::write::write_tree(out.path(), &run.files).unwrap();
        }
    }
    paths
}

/// The incremental migrations tests/postgres_render.rs snapshots (the insta header dropped).
fn snapshot_migrations(dir: &Path) -> Vec<PathBuf> {
    let snapshots = support::repo_root().join("tests/snapshots");
    let mut paths = Vec::new();
    for name in [
        "postgres_render__v2_update",
        "postgres_render__v3_update",
        "postgres_render__add_users_bio",
    ] {
        let text = std::fs::read_to_string(snapshots.join(format!("{name}.snap"))).unwrap();
        let sql = text.splitn(3, "---\n").nth(2).expect("an insta header");
        paths.extend(judge(dir, name, sql));
    }
    paths
}

#[test]
fn no_lock_safety_rule_fires_on_an_incremental_migration() {
    let Some(squawk) =
        support::squawk::find("no_lock_safety_rule_fires_on_an_incremental_migration")
    else {
        return;
    };
    let dir = TempDir::new("squawk");
    let mut files = scenario_migrations(dir.path());
    files.extend(snapshot_migrations(dir.path()));
    assert!(files.len() >= 10, "only {} files to judge", files.len());
    let fired = lint(&squawk, &files);
    let summary: Vec<String> = fired
        .iter()
        .map(|(rule, at)| format!("{rule}: {}", at.join(", ")))
        .collect();
    eprintln!(
        "squawk judged {} files; rules that fired:\n  {}",
        files.len(),
        summary.join("\n  ")
    );
    let broken: Vec<&String> = summary
        .iter()
        .filter(|line| {
            LOCK_RULES
                .iter()
                .any(|r| line.starts_with(&format!("{r}:")))
        })
        .collect();
    assert!(broken.is_empty(), "lock-safety rules fired: {broken:#?}");
}

/// The judge itself: the unsafe forms the migrations avoid do make squawk fire.
#[test]
fn squawk_catches_the_unsafe_forms() {
    let Some(squawk) = support::squawk::find("squawk_catches_the_unsafe_forms") else {
        return;
    };
    let dir = TempDir::new("squawk-unsafe");
    let unsafe_sql = "BEGIN;
ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"orders_total_check\" CHECK (total >= 0);
ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"orders_customer_fkey\" FOREIGN KEY (\"customer_id\") REFERENCES \"public\".\"customers\"(\"id\");
ALTER TABLE \"public\".\"customers\" ALTER COLUMN \"email\" SET NOT NULL;
ALTER TABLE \"public\".\"customers\" ADD CONSTRAINT \"customers_email_key\" UNIQUE (\"email\");
CREATE INDEX \"orders_code_idx\" ON \"public\".\"orders\"(\"code\");
COMMIT;
";
    let files = judge(dir.path(), "unsafe", unsafe_sql);
    let fired = lint(&squawk, &files);
    for rule in [
        "require-lock-timeout",
        "constraint-missing-not-valid",
        "adding-foreign-key-constraint",
        "adding-not-nullable-field",
        "disallowed-unique-constraint",
        "require-concurrent-index-creation",
    ] {
        assert!(fired.contains_key(rule), "{rule} did not fire: {fired:#?}");
    }
}
