//! Declared renames on real PostgreSQL, one system per flavour (`tests/fixtures/renames/`):
//! v1 is built and applied, rows go in, v2 renames fields, models or collections, `@@map`s,
//! schemas, enums and enum values; its migration is applied to the database WITH the rows.
//! Every row and value must come through under its new name, and the database must then be
//! the one a fresh build of v2 makes, names of keys, indexes, checks and sequences included.

mod support;

use schemagen::cluster::Cluster;
use support::pg::{apply, cluster, read_catalog};
use support::TempDir;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/renames");

/// Builds `version` of `flavour` on top of the history in `out`, writes it, and returns the
/// migrations it added.
fn build(flavour: &str, version: &str, out: &std::path::Path) -> Vec<(String, String)> {
    let config = schemagen::config::Config {
        schemas: std::path::Path::new(ROOT).join(flavour).join(version),
        out: out.to_path_buf(),
        ..Default::default()
    };
    let before: Vec<String> = migrations_on_disk(out);
    let run = support::generate(&format!("{flavour}/{version}"), &config);
    schemagen::write::write_tree(out, &run.files).unwrap();
    support::system_files(&run, "app", |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    })
    .into_iter()
    .filter(|(p, _)| !before.iter().any(|b| b == p))
    .map(|(p, s)| (p.to_string(), s.to_string()))
    .collect()
}

fn migrations_on_disk(out: &std::path::Path) -> Vec<String> {
    let dir = out.join("app/migrations");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| format!("migrations/{}", e.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn run(pg: &Cluster, database: &str, migrations: &[(String, String)], scratch: &TempDir) {
    let files: Vec<(&str, &str)> = migrations
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    apply(pg, database, &files, scratch.path()).unwrap_or_else(|e| panic!("{database}:\n{e}"));
}

/// What the catalog reader leaves out but a rename must get right too: sequence names and
/// policies.
fn extras(pg: &Cluster, database: &str) -> Vec<Vec<String>> {
    let sql = format!(
        "SELECT 'sequence ' || n.nspname || '.' || c.relname FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND {0}
         UNION ALL
         SELECT 'policy ' || schemaname || '.' || tablename || '.' || policyname || ' ' || coalesce(qual, '')
         FROM pg_policies
         UNION ALL
         SELECT 'grant ' || table_schema || '.' || table_name || ' ' || grantee || ' ' || privilege_type
         FROM information_schema.role_table_grants WHERE grantee = 'app_user'
         ORDER BY 1",
        support::pg::USER_SCHEMAS
    );
    pg.query(database, &sql).unwrap()
}

/// Applies v1, fills it, applies v2 and returns what `check` reads back; then compares the
/// database with a fresh build of v2.
fn migrate_with_rows(flavour: &str, rows: &str, after: &str, check: &str) -> Vec<Vec<String>> {
    let Some(pg) = cluster(&format!("renames_{flavour}")) else {
        return Vec::new();
    };
    let (out, scratch) = (
        TempDir::new(flavour),
        TempDir::new(&format!("{flavour}-sql")),
    );
    pg.create_database("migrated").unwrap();
    run(&pg, "migrated", &build(flavour, "v1", out.path()), &scratch);
    pg.execute("migrated", rows).unwrap();
    let v2 = build(flavour, "v2", out.path());
    assert_eq!(v2.len(), 1, "v2 adds one migration");
    assert!(
        !v2[0].1.contains("DROP TABLE") && !v2[0].1.contains("DROP COLUMN"),
        "a rename must not drop anything:\n{}",
        v2[0].1
    );
    run(&pg, "migrated", &v2, &scratch);
    pg.execute("migrated", after).unwrap();
    let found = pg.query("migrated", check).unwrap();

    let fresh_out = TempDir::new(&format!("{flavour}-fresh"));
    pg.create_database("fresh").unwrap();
    run(
        &pg,
        "fresh",
        &build(flavour, "v2", fresh_out.path()),
        &scratch,
    );
    let (migrated, fresh) = (
        read_catalog(&pg, "migrated").unwrap(),
        read_catalog(&pg, "fresh").unwrap(),
    );
    assert_eq!(migrated.schemas, fresh.schemas);
    assert_eq!(migrated.enums, fresh.enums);
    let names: std::collections::BTreeSet<&String> =
        migrated.tables.keys().chain(fresh.tables.keys()).collect();
    for name in names {
        let (a, b) = (migrated.tables.get(name), fresh.tables.get(name));
        assert_eq!(
            format!("{a:#?}"),
            format!("{b:#?}"),
            "table {name}: migrated vs fresh"
        );
    }
    assert_eq!(migrated.comments, fresh.comments);
    assert_eq!(extras(&pg, "migrated"), extras(&pg, "fresh"));
    // A declaration that already ran is harmless: building v2 again adds nothing.
    assert!(build(flavour, "v2", out.path()).is_empty());
    found
}

fn rows(text: &[&[&str]]) -> Vec<Vec<String>> {
    text.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn prisma_renames_keep_every_row() {
    let found = migrate_with_rows(
        "prisma",
        r#"INSERT INTO users (name) VALUES ('Ada'), ('Grace');
           INSERT INTO posts (title, bio, status, "authorId") VALUES
             ('First', 'about one', 'LIVE', 1), ('Second', NULL, 'DRAFT', 2);
           INSERT INTO activity_log (action, created_at) VALUES ('in january', '2025-01-15'), ('later', '2030-01-01');"#,
        r#"INSERT INTO people (full_name) VALUES ('Edsger');
           INSERT INTO blog."Article" (headline, "writerId") VALUES ('Third', 3);"#,
        r#"SELECT a.id::text, a.headline, coalesce(a.summary, '-'), a.status::text, p.full_name
           FROM blog."Article" a JOIN people p ON p.id = a."writerId"
           UNION ALL
           SELECT tableoid::regclass::text, what, created_at::date::text, id::text, '' FROM blog.events
           ORDER BY 1"#,
    );
    if found.is_empty() {
        return; // skipped: no Postgres
    }
    assert_eq!(
        found,
        rows(&[
            &["1", "First", "about one", "PUBLISHED", "Ada"],
            &["2", "Second", "-", "DRAFT", "Grace"],
            // the sequences continue after the rename
            &["3", "Third", "-", "PUBLISHED", "Edsger"],
            // partitions moved and renamed with their table, rows in place
            &["blog.events_2025_01", "in january", "2025-01-15", "1", ""],
            &["blog.events_default", "later", "2030-01-01", "2", ""],
        ])
    );
}

#[test]
fn payload_renames_keep_every_row() {
    let found = migrate_with_rows(
        "payload",
        r#"INSERT INTO users (name) VALUES ('Ada');
           INSERT INTO posts (title, author_id, status, meta_summary) VALUES ('First', 1, 'live', 'short');
           INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 1, 'tips');
           INSERT INTO posts_links (_order, _parent_id, id, url) VALUES (1, 1, 'l1', 'https://a.example');
           INSERT INTO posts_rels ("order", parent_id, path, users_id) VALUES (1, 1, 'readers', 1);"#,
        "INSERT INTO people (full_name) VALUES ('Grace');",
        r#"SELECT a.headline, a.state::text, a.seo_abstract, p.full_name, l.value::text, r.url,
                  (SELECT string_agg(x.full_name, ',') FROM articles_rels k JOIN people x ON x.id = k.people_id
                   WHERE k.parent_id = a.id),
                  (SELECT max(id)::text FROM people)
           FROM articles a JOIN people p ON p.id = a.writer_id
           JOIN articles_labels l ON l.parent_id = a.id
           JOIN articles_references r ON r._parent_id = a.id"#,
    );
    if found.is_empty() {
        return; // skipped: no Postgres
    }
    assert_eq!(
        found,
        rows(&[&[
            "First",
            "live",
            "short",
            "Ada",
            "tips",
            "https://a.example",
            "Ada",
            "2"
        ]])
    );
}

#[test]
fn firestore_renames_keep_every_row() {
    let found = migrate_with_rows(
        "firestore",
        r#"INSERT INTO users (id, display_name) VALUES ('u1', 'Ada'), ('u2', 'Grace');
           INSERT INTO conversations (id, kind, topic, settings_muted) VALUES ('c1', 'group', 'compilers', true);
           INSERT INTO conversations_member_ids (conversation_id, user_id) VALUES ('c1', 'u1'), ('c1', 'u2');
           INSERT INTO conversation_messages (id, conversation_id, sender_id, body) VALUES ('m1', 'c1', 'u2', 'hello');"#,
        "INSERT INTO chat_posts (id, chat_id, author_id, text) VALUES ('m2', 'c1', 'u1', 'hi');",
        r#"SELECT c.kind::text, c.subject, c.prefs_silenced::text,
                  (SELECT string_agg(p.name, ',' ORDER BY p.name) FROM chats_participant_ids j
                   JOIN people p ON p.id = j.people_id WHERE j.chat_id = c.id),
                  m.text, a.name
           FROM chats c JOIN chat_posts m ON m.chat_id = c.id JOIN people a ON a.id = m.author_id
           ORDER BY m.id"#,
    );
    if found.is_empty() {
        return; // skipped: no Postgres
    }
    assert_eq!(
        found,
        rows(&[
            &["group", "compilers", "true", "Ada,Grace", "hello", "Grace"],
            &["group", "compilers", "true", "Ada,Grace", "hi", "Ada"],
        ])
    );
}
