//! `schemagen rehearse` on real PostgreSQL: every seed system's newest migration applies on a
//! database full of synthetic rows; a migration that fails on rows, one that drops a column
//! without saying so, and a type change that rewrites its table are each reported as such.

mod support;

use schemagen::cluster::Cluster;
use schemagen::db::Db;
use schemagen::rehearse::{self, Options, Outcome, Report};

const ROWS: u64 = 2000;

/// One cluster per test; each rehearsal gets a fresh database in it.
fn cluster(test: &str) -> Option<Cluster> {
    support::pg::cluster(test)
}

fn rehearse_in(
    pg: &Cluster,
    database: &str,
    migrations: &[(&str, &str)],
    from: Option<&str>,
) -> Report {
    pg.create_database(database).expect("create database");
    let migrations: Vec<(String, String)> = migrations
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let options = Options {
        rows: ROWS,
        from: from.map(str::to_string),
    };
    rehearse::rehearse_in(
        &pg.connection_string(database),
        database,
        &migrations,
        &options,
    )
    .unwrap_or_else(|e| panic!("{database}: {e}"))
}

const INIT: &str = "BEGIN;\n\
CREATE TYPE \"public\".\"Kind\" AS ENUM ('a', 'b', 'c');\n\
CREATE TABLE \"public\".\"users\" (\"id\" UUID PRIMARY KEY, \"email\" TEXT NOT NULL UNIQUE, \"nickname\" TEXT);\n\
CREATE TABLE \"public\".\"posts\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"author_id\" UUID NOT NULL REFERENCES \"public\".\"users\"(\"id\"),\n  \
\"kind\" \"public\".\"Kind\" NOT NULL,\n  \"score\" INTEGER NOT NULL,\n  \"status\" TEXT NOT NULL CHECK (status IN ('draft', 'live')),\n  \
\"tags\" TEXT[] NOT NULL,\n  \"meta\" JSONB\n);\n\
COMMIT;\n";

#[test]
fn every_seed_system_rehearses_its_newest_migration_on_rows() {
    let Some(pg) = cluster("every_seed_system_rehearses_its_newest_migration_on_rows") else {
        return;
    };
    let out = support::repo_root().join("generated");
    let mut systems: Vec<String> = std::fs::read_dir(&out)
        .expect("generated/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("migrations").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    systems.sort();
    assert!(systems.len() >= 5, "{systems:?}");
    for system in &systems {
        let history = schemagen::history::read(&out, system).expect("history");
        let migrations: Vec<(&str, &str)> = history
            .migrations
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let report = rehearse_in(&pg, system, &migrations, None);
        let text = rehearse::report::human(&report);
        assert!(report.passed(), "{text}");
        // Every table held rows before the migration ran: a rehearsal on empty tables proves nothing.
        for filled in &report.filled {
            assert!(
                filled.error.is_none() && filled.rows > 0,
                "{system}: {filled:?}\n{text}"
            );
        }
        let biggest = report.filled.iter().map(|f| f.rows).max().unwrap_or(0);
        assert!(
            biggest >= ROWS / 2,
            "{system}: at most {biggest} rows\n{text}"
        );
    }
}

#[test]
fn a_migration_that_fails_on_rows_names_the_statement_and_fails() {
    let Some(pg) = cluster("a_migration_that_fails_on_rows_names_the_statement_and_fails") else {
        return;
    };
    // Scores repeat across rows: a unique index on them cannot be built.
    let unique = "BEGIN;\n-- CreateIndex\nCREATE UNIQUE INDEX \"posts_score_key\" ON \"public\".\"posts\"(\"score\");\nCOMMIT;\n";
    let report = rehearse_in(
        &pg,
        "unique",
        &[("0001_init.sql", INIT), ("0002_update.sql", unique)],
        None,
    );
    assert!(!report.passed());
    let statement = &report.migrations[0].statements[0];
    assert_eq!(statement.line, 3);
    match &statement.outcome {
        Outcome::Failed(e) => assert_eq!(e.code.as_deref(), Some("23505"), "{e}"),
        other => panic!("{other:?}"),
    }
    let text = rehearse::report::human(&report);
    assert!(
        text.contains("FAILED 0002_update.sql:3: CREATE UNIQUE INDEX"),
        "{text}"
    );
    assert!(text.contains("SQLSTATE 23505"), "{text}");

    // A required column without a default, on a table with rows; the statement after it
    // never runs, and the block is rolled back (no rows or columns change).
    let required =
        "BEGIN;\nALTER TABLE \"public\".\"users\" ADD COLUMN \"age\" INTEGER NOT NULL;\n\
                    ALTER TABLE \"public\".\"users\" ADD COLUMN \"city\" TEXT;\nCOMMIT;\n";
    let report = rehearse_in(
        &pg,
        "required",
        &[("0001_init.sql", INIT), ("0002_update.sql", required)],
        None,
    );
    assert!(!report.passed());
    let statements = &report.migrations[0].statements;
    assert!(
        matches!(&statements[0].outcome, Outcome::Failed(e) if e.code.as_deref() == Some("23502"))
    );
    assert_eq!(statements[1].outcome, Outcome::NotRun);
    assert!(statements[0].dropped.is_empty());
    for table in &report.migrations[0].tables {
        assert_eq!(table.before, table.after, "{table:?}");
    }
}

#[test]
fn a_dropped_column_is_a_loss_unless_the_migration_marks_it_destructive() {
    let Some(pg) = cluster("a_dropped_column_is_a_loss_unless_the_migration_marks_it_destructive")
    else {
        return;
    };
    let drop = "BEGIN;\n-- AlterTable\nALTER TABLE \"public\".\"users\" DROP COLUMN \"nickname\";\nCOMMIT;\n";
    let report = rehearse_in(
        &pg,
        "unmarked",
        &[("0001_init.sql", INIT), ("0002_update.sql", drop)],
        None,
    );
    let statement = &report.migrations[0].statements[0];
    assert_eq!(statement.outcome, Outcome::Applied);
    assert_eq!(statement.dropped, ["column public.users.nickname"]);
    assert!(!report.passed());
    let text = rehearse::report::human(&report);
    assert!(
        text.contains("LOSS 0002_update.sql:3: drops column public.users.nickname"),
        "{text}"
    );

    let marked = drop.replace(
        "-- AlterTable\n",
        "-- AlterTable\n-- WARNING: destructive: drop column public.users.nickname and its values\n",
    );
    let report = rehearse_in(
        &pg,
        "marked",
        &[("0001_init.sql", INIT), ("0002_update.sql", &marked)],
        None,
    );
    assert!(report.passed(), "{}", rehearse::report::human(&report));

    // Rows deleted by a statement nobody marked are a loss too.
    let delete = "DELETE FROM \"public\".\"posts\" WHERE \"score\" = 1;\n";
    let report = rehearse_in(
        &pg,
        "delete",
        &[("0001_init.sql", INIT), ("0002_update.sql", delete)],
        None,
    );
    let posts = report.migrations[0]
        .tables
        .iter()
        .find(|t| t.table == "public.posts")
        .unwrap();
    assert!(posts.lost() && !posts.accepted, "{posts:?}");
    assert!(!report.passed());
}

#[test]
fn a_type_change_rewrites_its_table_under_access_exclusive() {
    let Some(pg) = cluster("a_type_change_rewrites_its_table_under_access_exclusive") else {
        return;
    };
    let widen =
        "BEGIN;\nALTER TABLE \"public\".\"posts\" ALTER COLUMN \"score\" SET DATA TYPE BIGINT;\n\
                 ALTER TABLE \"public\".\"posts\" ADD COLUMN \"note\" TEXT;\nCOMMIT;\n\
                 CREATE INDEX CONCURRENTLY \"posts_kind_idx\" ON \"public\".\"posts\"(\"kind\");\n";
    let report = rehearse_in(
        &pg,
        "widen",
        &[("0001_init.sql", INIT), ("0002_update.sql", widen)],
        None,
    );
    let text = rehearse::report::human(&report);
    assert!(report.passed(), "{text}");
    let statements = &report.migrations[0].statements;
    assert_eq!(statements[0].rewritten, ["public.posts"], "{text}");
    assert_eq!(
        statements[0].lock,
        Some((
            "ACCESS EXCLUSIVE".to_string(),
            vec!["public.posts".to_string()]
        )),
        "{text}"
    );
    // Adding a nullable column changes the catalog only.
    assert!(statements[1].rewritten.is_empty(), "{text}");
    // CONCURRENTLY runs outside a transaction; its lock can only be sampled.
    assert_eq!(statements[2].outcome, Outcome::Applied);
    assert!(statements[2].sampled);
    assert!(text.contains("rewritten"), "{text}");
    let json = rehearse::report::json(&report);
    assert_eq!(
        json["migrations"][0]["statements"][0]["lock"]["mode"],
        "ACCESS EXCLUSIVE"
    );
}

#[test]
fn synthetic_rows_are_the_same_every_run_and_respect_the_schema() {
    let Some(pg) = cluster("synthetic_rows_are_the_same_every_run_and_respect_the_schema") else {
        return;
    };
    let partitioned = "CREATE TABLE \"public\".\"events\" (\"id\" INTEGER NOT NULL, \"at\" DATE NOT NULL, \
        PRIMARY KEY (\"id\", \"at\")) PARTITION BY RANGE (\"at\");\n\
        CREATE TABLE \"public\".\"events_2025_01\" PARTITION OF \"public\".\"events\" FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');\n\
        CREATE TABLE \"public\".\"events_2025_02\" PARTITION OF \"public\".\"events\" FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');\n\
        CREATE TABLE \"public\".\"events_2025_03\" PARTITION OF \"public\".\"events\" FOR VALUES FROM ('2025-03-01') TO ('2025-04-01');\n";
    let digest = |database: &str| {
        pg.create_database(database).unwrap();
        let mut db = Db::connect(&pg.connection_string(database)).unwrap();
        db.execute(INIT).unwrap();
        db.execute(partitioned).unwrap();
        let filled = schemagen::synth::volume::fill(&mut db, ROWS).unwrap();
        assert!(
            filled.iter().all(|f| f.error.is_none() && f.rows > 0),
            "{filled:?}"
        );
        let mut sum = String::new();
        for table in ["users", "posts", "events"] {
            sum += &db
                .value(&format!(
                    "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM public.{table} t"
                ))
                .unwrap()
                .unwrap();
        }
        (db, sum)
    };
    let (mut db, first) = digest("first");
    let (_, second) = digest("second");
    assert_eq!(first, second, "two fills differ");
    let value = |db: &mut Db, sql: &str| db.value(sql).unwrap().unwrap();
    // Foreign keys point at existing rows (the constraint held), checks and enums hold, and
    // nullable columns hold NULLs as well as values.
    assert_eq!(
        value(&mut db, "SELECT count(*) FROM public.posts"),
        ROWS.to_string()
    );
    assert_eq!(
        value(&mut db, "SELECT count(DISTINCT status) FROM public.posts"),
        "2"
    );
    assert_eq!(
        value(&mut db, "SELECT count(DISTINCT kind) FROM public.posts"),
        "3"
    );
    assert_eq!(
        value(
            &mut db,
            "SELECT count(*) > 0 FROM public.users WHERE nickname IS NULL"
        ),
        "t"
    );
    assert_eq!(
        value(
            &mut db,
            "SELECT count(*) > 0 FROM public.users WHERE nickname IS NOT NULL"
        ),
        "t"
    );
    // Rows spread over every partition.
    for month in ["01", "02", "03"] {
        let n = value(
            &mut db,
            &format!("SELECT count(*) FROM public.events_2025_{month}"),
        );
        assert!(n.parse::<u64>().unwrap() > 0, "events_2025_{month}: {n}");
    }
}

#[test]
fn the_command_exits_1_on_a_migration_that_fails_on_rows() {
    let Some(_pg) = cluster("the_command_exits_1_on_a_migration_that_fails_on_rows") else {
        return;
    };
    let out = support::TempDir::new("rehearse-cli");
    let migrations = out.path().join("app/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(migrations.join("0001_init.sql"), INIT).unwrap();
    std::fs::write(
        migrations.join("0002_update.sql"),
        "ALTER TABLE \"public\".\"posts\" ALTER COLUMN \"meta\" SET NOT NULL;\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .arg("rehearse")
            .arg("app")
            .arg("--out")
            .arg(out.path())
            .args(["--rows", "200"])
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("FAILED 0002_update.sql:1"), "{stdout}");
    assert!(stdout.contains("SQLSTATE 23502"), "{stdout}");
    // --from the first migration: both run (the first on an empty database) and the second fails.
    let output = run(&["--from", "0001_init", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["migrations"][0]["passed"], true);
    assert_eq!(
        json[0]["migrations"][1]["statements"][0]["error"]["sqlstate"],
        "23502"
    );
    assert_eq!(output.status.code(), Some(1));
}
