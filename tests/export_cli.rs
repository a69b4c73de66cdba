//! `schemagen export` as a user runs it: files written under `export/<target>/<system>/` of the
//! project, every loss reported by its code, the same files on a second run, and refusals that
//! write nothing. (Prisma's engine judging the export: tests/export_prisma.rs.)

mod support;

use std::path::Path;
use std::process::Command;
use support::cli::{finish, Ran};
use support::TempDir;

/// A project holding the systems of `tests/fixtures/ok/<fixture>/schemas`.
fn project(fixture: &str) -> TempDir {
    let from = support::repo_root()
        .join("tests/fixtures/ok")
        .join(fixture)
        .join("schemas");
    project_of(&from)
}

/// A project holding the systems of `schemas`.
fn project_of(schemas: &Path) -> TempDir {
    let dir = TempDir::new("export");
    copy_tree(schemas, &dir.path().join("schemas"));
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

fn export(dir: &Path, args: &[&str]) -> Ran {
    let output = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .arg("export")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run schemagen");
    finish(output)
}

#[test]
fn export_prisma_writes_schema_prisma_and_extras_and_reports_each_loss() {
    let dir = project("prisma_yaml_keys");
    let ran = export(dir.path(), &["--to", "prisma"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    let out = dir.path().join("export/prisma/cms");
    let schema = std::fs::read_to_string(out.join("schema.prisma")).unwrap();
    let extras = std::fs::read_to_string(out.join("extras.sql")).unwrap();
    // The model as Prisma says it, the database names kept.
    assert!(schema.contains("model legacy_content {"), "{schema}");
    assert!(schema.contains("@@map(\"content\")"), "{schema}");
    assert!(
        schema.contains("note String? @map(\"note_text\")"),
        "{schema}"
    );
    assert!(schema.contains("@@index([views], type: Brin)"), "{schema}");
    // What Prisma cannot say: a note in the model, the SQL in extras.sql, a warning each.
    for (code, object) in [
        ("W0870", "content_views_non_negative"),
        ("W0871", "idx_content_search"),
        ("W0871", "idx_content_live"),
        ("W0872", "comments"),
    ] {
        let line = ran
            .stderr
            .lines()
            .find(|l| l.contains(code) && l.contains(object));
        assert!(line.is_some(), "no {code} for {object}:\n{}", ran.stderr);
    }
    for object in [
        "\"content_views_non_negative\" CHECK",
        "\"idx_content_search\"",
        "\"idx_content_live\"",
        "COMMENT ON TABLE",
    ] {
        assert!(
            extras.contains(object),
            "extras.sql lacks {object}:\n{extras}"
        );
    }
    // A second run writes the same files.
    let again = export(dir.path(), &["--to", "prisma"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stderr.contains("0 written"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("schema.prisma")).unwrap(),
        schema
    );
}

#[test]
fn access_types_and_partitioning_are_reported_by_their_codes() {
    for (fixture, code) in [
        ("access_workspace", "W0873"),
        ("firestore_types", "W0874"),
        ("prisma_partition", "W0875"),
    ] {
        let dir = project(fixture);
        let out = dir.path().join("out");
        let ran = export(dir.path(), &["--to", "prisma", "--out", "out"]);
        assert_eq!(ran.code, 0, "{fixture}: {}", ran.all());
        assert!(
            ran.stderr.contains(code),
            "{fixture}: no {code}:\n{}",
            ran.stderr
        );
        assert!(support::subfolders(&out).len() == 1, "{fixture}: {out:?}");
    }
}

#[test]
fn names_prisma_cannot_quote_and_tables_payload_cannot_name_are_refused() {
    // A Prisma-style file beside the Payload-style one: Payload derives every table name
    // itself, so a config cannot name the Prisma-style tables; each is refused by name.
    let dir = project("payload_mixed_prisma");
    let ran = export(dir.path(), &["--to", "payload"]);
    assert_eq!(ran.code, 1, "{}", ran.all());
    let refused: Vec<&str> = ran.stderr.lines().filter(|l| l.contains("E0882")).collect();
    assert!(!refused.is_empty(), "{}", ran.stderr);
    assert!(
        refused
            .iter()
            .all(|l| l.contains("is not from a Payload-style file")),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("billing.yaml"), "{}", ran.stderr);
    assert!(!dir.path().join("export").exists());
    // A Prisma-style system: one error for the system, not one per table.
    let dir = project("prisma_yaml_keys");
    let ran = export(dir.path(), &["--to", "payload"]);
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert_eq!(ran.stderr.matches("E0882").count(), 1, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("has no Payload-style file"),
        "{}",
        ran.stderr
    );
    assert!(!dir.path().join("export").exists());

    // `odd;"name`: Prisma's migration would write `"odd;"name"`, which Postgres refuses.
    let dir = project("raw_sql_tricky");
    let ran = export(dir.path(), &["--to", "prisma"]);
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert!(ran.stderr.contains("E0871"), "{}", ran.stderr);
    assert!(ran.stderr.contains("odd;\"name"), "{}", ran.stderr);
    assert!(!dir.path().join("export").exists());
}

#[test]
fn export_drizzle_writes_schema_ts_extensions_and_extras_and_reports_each_loss() {
    let dir = project("prisma_porting");
    let ran = export(dir.path(), &["--to", "drizzle"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    let out = dir.path().join("export/drizzle/shop");
    let schema = std::fs::read_to_string(out.join("schema.ts")).unwrap();
    assert!(schema.contains("from \"drizzle-orm/pg-core\""), "{schema}");
    assert!(schema.contains("citext(\"name\")"), "{schema}");
    let extensions = std::fs::read_to_string(out.join("extensions.sql")).unwrap();
    assert!(
        extensions.contains("CREATE EXTENSION IF NOT EXISTS \"citext\";"),
        "{extensions}"
    );
    assert!(ran.stderr.contains("W0879"), "{}", ran.stderr);

    // A foreign key to a unique index (not the key) goes to extras.sql.
    let dir = project_of(&support::repo_root().join("tests/oracle/systems"));
    let ran = export(dir.path(), &["--to", "drizzle", "edges"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    assert!(ran.stderr.contains("W0880"), "{}", ran.stderr);
    let extras =
        std::fs::read_to_string(dir.path().join("export/drizzle/edges/extras.sql")).unwrap();
    assert!(extras.contains("FOREIGN KEY"), "{extras}");
}

#[test]
fn export_payload_writes_collection_configs_and_reports_each_loss() {
    let dir = project("payload_scalars");
    let ran = export(dir.path(), &["--to", "payload"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    let out = dir.path().join("export/payload/app");
    let articles = std::fs::read_to_string(out.join("collections/Articles.ts")).unwrap();
    assert!(
        articles.starts_with("import type { CollectionConfig } from 'payload'\n\nexport const Articles: CollectionConfig = {\n  slug: 'articles',\n  dbName: 'posts',\n"),
        "{articles}"
    );
    assert!(
        articles.contains("defaultValue: { theme: 'dark', sizes: [1, 2] }"),
        "{articles}"
    );
    // Code the YAML holds as text: a stub condition, hooks and a field's access left out.
    assert!(
        articles.contains("admin: { condition: () => true }"),
        "{articles}"
    );
    assert!(
        !articles.contains("data.featured") && !articles.contains("hooks"),
        "{articles}"
    );
    let index = std::fs::read_to_string(out.join("index.ts")).unwrap();
    for export in [
        "export const collections: CollectionConfig[] = [Articles, IdCustom",
        "export const localization: Config['localization'] = false",
        "export const idType = 'serial' as const",
    ] {
        assert!(index.contains(export), "{export}:\n{index}");
    }
    let extras = std::fs::read_to_string(out.join("extras.sql")).unwrap();
    assert!(extras.contains("\"posts_title_check\" CHECK"), "{extras}");
    for (code, what) in [
        ("W0883", "admin.condition` of articles.hiddenNote"),
        ("W0883", "`hooks` of articles.status"),
        ("W0883", "`access` of articles.status"),
        ("W0884", "posts.location"),
        (
            "W0870",
            "the 4 CHECKs (posts_title_check, …) are in extras.sql",
        ),
    ] {
        let line = ran
            .stderr
            .lines()
            .find(|l| l.contains(code) && l.contains(what));
        assert!(line.is_some(), "no {code} for {what}:\n{}", ran.stderr);
    }
    // Access rules: owner and public rules become functions; tenant, role, member and sql
    // rules are denied and named (W0882); the row level security goes to extras.sql (W0873).
    let dir = project_of(&support::repo_root().join("schemas"));
    let ran = export(dir.path(), &["--to", "payload", "botcafe"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    let out = dir.path().join("export/payload/botcafe");
    let keys = std::fs::read_to_string(out.join("collections/ApiKeys.ts")).unwrap();
    assert!(
        keys.contains(
            "read: ({ req: { user } }) => (user ? { user: { equals: user.id } } : false),"
        ),
        "{keys}"
    );
    assert!(
        keys.contains(
            "create: ({ req: { user }, data }) => (Boolean(user) && data?.['user'] === user?.id),"
        ),
        "{keys}"
    );
    let line = ran
        .stderr
        .lines()
        .find(|l| l.contains("W0882") && l.contains("role rule of support-tickets"));
    assert!(line.is_some(), "{}", ran.stderr);
    assert!(ran.stderr.contains("W0873"), "{}", ran.stderr);
    let extras = std::fs::read_to_string(out.join("extras.sql")).unwrap();
    assert!(extras.contains("CREATE POLICY"), "{extras}");
    // A second run writes the same files.
    let again = export(dir.path(), &["--to", "payload", "botcafe"]);
    assert!(again.stderr.contains(" 0 written"), "{}", again.stderr);
}
