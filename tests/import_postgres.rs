//! `schemagen import postgres`, judged by the catalog reader: each seed system's migrations
//! applied to a database → import → the YAML built into an empty database gives the same
//! catalog: tables, columns, keys, indexes, checks, enums, comments, row level security,
//! policies and grants; it differs only where the import reported a loss.

mod support;

use schemagen::catalog::{self, Scope};
use schemagen::cluster::Cluster;
use schemagen::db::Db;
use schemagen::diagnostics::Severity;
use support::TempDir;

const SEEDS: [&str; 5] = [
    "alphadome",
    "botcafe",
    "collective_writing",
    "contentpilot",
    "mitche",
];

fn database(pg: &Cluster, name: &str, migrations: &[(String, String)]) -> Db {
    pg.create_database(name).expect("create database");
    let mut db = Db::connect(&pg.connection_string(name)).expect("connect");
    for (file, sql) in migrations {
        catalog::expected::apply(&mut db, sql).unwrap_or_else(|e| panic!("{name} {file}: {e}"));
    }
    db
}

#[test]
fn seed_databases_import_to_yaml_that_builds_the_same_database() {
    let Some(pg) =
        support::pg::cluster("seed_databases_import_to_yaml_that_builds_the_same_database")
    else {
        return;
    };
    let out = support::repo_root().join("generated");
    let mut report = Vec::new();
    for system in SEEDS {
        let history = schemagen::history::read(&out, system).expect("seed history");
        let mut live = database(&pg, system, &history.migrations);
        let before = catalog::read(&mut live, &Scope::default()).expect("read");
        let url = pg.connection_string(system);
        let imported = schemagen::import::postgres::import(&url, &[], system, true);
        let lost: Vec<String> = imported
            .diagnostics
            .iter()
            .filter_map(|d| d.path.clone())
            .collect();
        assert!(
            imported
                .diagnostics
                .iter()
                .all(|d| d.severity == Severity::Warning),
            "{system}: {:?}",
            imported.diagnostics
        );
        let scratch = TempDir::new(&format!("import-pg-{system}"));
        let schemas = scratch.path().join("schemas");
        schemagen::import::write_system(&schemas, system, &imported.files).expect("write");
        let case = support::Case::new(format!("import-{system}"), schemas);
        let run = support::generate(&case.label, &case.config(&scratch.path().join("out")));
        let migrations: Vec<(String, String)> = support::system_files(&run, system, |p| {
            p.starts_with("migrations/") && p.ends_with(".sql")
        })
        .into_iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
        let mut rebuilt = database(&pg, &format!("{system}_again"), &migrations);
        let after = catalog::read(&mut rebuilt, &Scope::default()).expect("read");
        let differences = catalog::diff::compare(&after, &before);
        let lines: Vec<String> = differences
            .iter()
            .filter(|d| d.shown)
            .map(|d| d.line())
            .collect();
        eprintln!(
            "{system}: {}; {} differences, {} reported left out",
            before.summary(),
            lines.len(),
            lost.len()
        );
        // Every difference is something the import reported it left out.
        let unreported: Vec<&String> = lines
            .iter()
            .filter(|line| !lost.iter().any(|path| line.contains(path.as_str())))
            .collect();
        assert!(
            unreported.is_empty(),
            "{system}: the rebuilt database differs where nothing was reported:\n{unreported:#?}"
        );
        report.push((system, lines));
    }
    for (system, lines) in report.iter().filter(|(_, lines)| !lines.is_empty()) {
        eprintln!(
            "{system}: differs only where the import reported a loss:\n  {}",
            lines.join("\n  ")
        );
    }
    // The Prisma- and Payload-style seeds without partitioning or extensions come back whole.
    let exact: Vec<&str> = report
        .iter()
        .filter(|(_, l)| l.is_empty())
        .map(|(s, _)| *s)
        .collect();
    assert!(
        exact.contains(&"botcafe") && exact.contains(&"contentpilot"),
        "{exact:?}"
    );
}

fn schemagen(args: &[&str]) -> support::cli::Ran {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(args)
        .output()
        .expect("run schemagen");
    support::cli::finish(output)
}

#[test]
fn unreachable_databases_are_refused() {
    let url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
    let base = ["import", "postgres", "--database-url", url, "--system", "s"];
    let unreachable = schemagen(&base);
    assert_eq!(unreachable.code, 1);
    assert!(
        unreachable.stderr.contains("error[E0806]"),
        "{}",
        unreachable.stderr
    );
}

/// The migrations of `schemas/<system>` (rendered, not written).
fn migrations_of(label: &str, schemas: std::path::PathBuf, system: &str) -> Vec<(String, String)> {
    let scratch = TempDir::new(&format!("import-pg-{label}"));
    let case = support::Case::new(label.to_string(), schemas);
    let run = support::generate(&case.label, &case.config(&scratch.path().join("out")));
    support::system_files(&run, system, |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    })
    .into_iter()
    .map(|(p, s)| (p.to_string(), s.to_string()))
    .collect()
}

/// `--flavour firestore|payload`: the Prisma-style import converted by `convert`. A database
/// Firestore-style YAML made comes back as Firestore-style YAML that builds the same catalog;
/// one with tables Firestore-style cannot say (contentpilot's serial keys, CHECKs) is refused
/// with convert's codes, and nothing is written.
#[test]
fn a_database_is_imported_in_another_flavour_or_refused_with_the_tables_it_cannot_say() {
    let test = "a_database_is_imported_in_another_flavour_or_refused_with_the_tables_it_cannot_say";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let fixture = support::repo_root().join("tests/fixtures/ok/firestore_subcollections/schemas");
    let mut live = database(&pg, "forum", &migrations_of("forum", fixture, "forum"));
    let before = catalog::read(&mut live, &Scope::default()).expect("read");
    let scratch = TempDir::new("import-pg-flavour");
    let schemas = scratch.path().join("schemas");
    let import = |db: &str| {
        let url = pg.connection_string(db);
        let out = schemas.display().to_string();
        let flags = ["--database-url", &url, "--system", db, "--out", &out];
        schemagen(
            &[
                &["import", "postgres", "--flavour", "firestore"],
                &flags[..],
            ]
            .concat(),
        )
    };
    let ran = import("forum");
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let written = std::fs::read_dir(schemas.join("forum")).unwrap().count();
    assert!(written > 0);
    for entry in std::fs::read_dir(schemas.join("forum")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(text.contains("flavor: firestore"), "{text}");
    }
    let rebuilt = migrations_of("forum-again", schemas.clone(), "forum");
    let mut again = database(&pg, "forum_again", &rebuilt);
    let after = catalog::read(&mut again, &Scope::default()).expect("read");
    let lines: Vec<String> = catalog::diff::compare(&after, &before)
        .iter()
        .filter(|d| d.shown)
        .map(|d| d.line())
        .collect();
    assert!(lines.is_empty(), "{lines:#?}");

    let history = schemagen::history::read(&support::repo_root().join("generated"), "contentpilot")
        .expect("seed history");
    database(&pg, "contentpilot", &history.migrations);
    let refused = import("contentpilot");
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    for code in ["error[E0812]", "error[E0809]"] {
        assert!(refused.stderr.contains(code), "{code}: {}", refused.stderr);
    }
    assert!(!schemas.join("contentpilot").exists());
}

#[test]
fn access_is_reported_and_the_import_refused_without_skip_unsupported() {
    let test = "access_is_reported_and_the_import_refused_without_skip_unsupported";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let out = support::repo_root().join("generated");
    let history = schemagen::history::read(&out, "contentpilot").expect("seed history");
    let mut db = database(&pg, "contentpilot", &history.migrations);
    // A policy written by hand, not of the shape schemagen renders (FOR ALL, another name).
    let by_hand = "CREATE POLICY campaigns_by_hand ON public.campaigns FOR ALL USING (true);";
    catalog::expected::apply(&mut db, by_hand).expect("hand-made policy");
    let dir = TempDir::new("import-pg-cli");
    let url = pg.connection_string("contentpilot");
    let schemas = dir.path().join("schemas");
    let schemas = schemas.to_str().unwrap();
    let args = [
        "import",
        "postgres",
        "--database-url",
        &url,
        "--system",
        "cp",
        "--out",
        schemas,
    ];
    let refused = schemagen(&args);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("error[E0807]"),
        "{}",
        refused.stderr
    );
    assert!(!dir.path().join("schemas").exists());
    let skipped = schemagen(&[&args[..], &["--skip-unsupported"]].concat());
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert!(
        skipped.stderr.contains("warning[E0807]"),
        "{}",
        skipped.stderr
    );
    // The other tables' policies are imported as `sql` rules; the hand-made one is not.
    let yaml = std::fs::read_to_string(dir.path().join("schemas/cp/public.yaml")).unwrap();
    assert!(yaml.contains("      read:\n        - sql: "), "{yaml}");
    assert!(
        !yaml.contains("(true)") && !yaml.contains("by_hand"),
        "{yaml}"
    );
}

/// A database nobody built with schemagen: imported, built, and adopted with `migrate baseline`
/// at the import's first migration; then the next build writes no migration and the
/// database is at the head.
#[test]
fn an_imported_database_is_adopted_by_baseline_and_the_next_build_changes_nothing() {
    let test = "an_imported_database_is_adopted_by_baseline_and_the_next_build_changes_nothing";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let sql = r#"
        CREATE TYPE mood AS ENUM ('happy', 'sad', 'so-so');
        CREATE TABLE authors (
            id serial PRIMARY KEY,
            email varchar(200) NOT NULL,
            feeling mood NOT NULL DEFAULT 'happy',
            joined timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT email_has_at CHECK (position('@' in email) > 1)
        );
        CREATE UNIQUE INDEX authors_email_key ON authors (email);
        COMMENT ON TABLE authors IS 'who writes';
        COMMENT ON COLUMN authors.email IS 'where to write back';
        CREATE TABLE posts (
            id bigserial PRIMARY KEY,
            author_id integer REFERENCES authors(id) ON DELETE CASCADE,
            "Title" text NOT NULL,
            tags text[],
            body jsonb DEFAULT '{}'::jsonb,
            price numeric(12,2)
        );
        CREATE INDEX posts_title_lower ON posts (lower("Title"));
        CREATE INDEX posts_live ON posts (author_id, "Title" DESC) WHERE price IS NOT NULL;
        CREATE INDEX posts_tags ON posts USING gin (tags);
    "#;
    database(&pg, "legacy", &[("legacy.sql".into(), sql.into())]);
    let dir = TempDir::new("import-pg-baseline");
    let url = pg.connection_string("legacy");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", &url)
            .output()
            .expect("run schemagen");
        support::cli::finish(output)
    };
    let imported = run(&["import", "postgres", "--system", "legacy"]);
    assert_eq!(imported.code, 0, "{}", imported.all());
    let yaml = std::fs::read_to_string(dir.path().join("schemas/legacy/public.yaml")).unwrap();
    insta::assert_snapshot!("legacy_yaml", yaml);
    let built = run(&["build"]);
    assert_eq!(built.code, 0, "{}", built.all());
    let adopted = run(&["migrate", "baseline", "0001_init", "legacy"]);
    assert_eq!(adopted.code, 0, "{}", adopted.all());
    let again = run(&["build"]);
    assert!(again.stderr.contains("0 written"), "{}", again.all());
    let status = run(&["migrate", "status", "legacy"]);
    assert_eq!(status.code, 0, "{}", status.all());
}
