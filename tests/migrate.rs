//! `schemagen migrate deploy | status | resolve` against real PostgreSQL: the seed systems
//! deploy into fresh databases (and a second deploy is a no-op), a deploy meets a database with
//! rows, a deploy killed between segments is reported and resumed, two deploys at once cannot
//! both run, a failed migration is recorded and resolved both ways, and edited, deleted or
//! out-of-order files stop a deploy before it runs anything.

mod support;

use schemagen::cluster::Cluster;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::cli::{self, finish, Ran};
use support::TempDir;

fn run(out: &Path, url: &str, args: &[&str]) -> Ran {
    cli::migrate(out, url, args)
}

fn spawn(out: &Path, url: &str, args: &[&str]) -> Child {
    cli::migrate_command(out, url, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn schemagen")
}

fn started(test: &str, databases: &[&str]) -> Option<Cluster> {
    let pg = support::pg::cluster(test)?;
    for db in databases {
        pg.create_database(db).expect("create database");
    }
    Some(pg)
}

/// Writes `<out>/app/migrations/<name>` for each file.
fn write_migrations(out: &Path, files: &[(&str, &str)]) {
    let dir = out.join("app/migrations");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, sql) in files {
        std::fs::write(dir.join(name), sql).unwrap();
    }
}

fn value(pg: &Cluster, db: &str, sql: &str) -> String {
    pg.query(db, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .first()
        .and_then(|row| row.first().cloned())
        .unwrap_or_default()
}

/// Polls until `sql` gives `t`, at most `limit`.
fn wait_for(pg: &Cluster, db: &str, sql: &str, limit: Duration) {
    let start = Instant::now();
    while value(pg, db, sql) != "t" {
        assert!(start.elapsed() < limit, "waited {limit:?} for `{sql}`");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn lines_starting(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

const HISTORY: &str = "schemagen.schemagen_migrations";

#[test]
fn seed_systems_deploy_into_fresh_databases_and_again_as_a_no_op() {
    let systems = [
        "alphadome",
        "botcafe",
        "collective_writing",
        "contentpilot",
        "mitche",
    ];
    let Some(pg) = started("seed_systems_deploy", &systems) else {
        return;
    };
    let out = support::repo_root().join("generated");
    for system in systems {
        let url = pg.connection_string(system);
        let files = std::fs::read_dir(out.join(system).join("migrations"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "sql")
            })
            .count();
        let status = run(&out, &url, &["status", system]);
        assert_eq!(
            status.code,
            1,
            "{system}: status before deploy\n{}",
            status.all()
        );
        assert_eq!(
            lines_starting(&status.stdout, "pending "),
            files,
            "{}",
            status.stdout
        );

        let deploy = run(&out, &url, &["deploy", system]);
        assert_eq!(deploy.code, 0, "{system}: deploy\n{}", deploy.all());
        assert_eq!(
            deploy.stdout.matches("... applied (").count(),
            files,
            "{}",
            deploy.stdout
        );
        assert_eq!(
            value(
                &pg,
                system,
                &format!("SELECT count(*) FROM {HISTORY} WHERE status = 'applied'")
            ),
            files.to_string()
        );

        let again = run(&out, &url, &["deploy", system]);
        assert_eq!(again.code, 0, "{}", again.all());
        assert!(!again.stdout.contains("applying"), "{}", again.stdout);
        assert!(again.stdout.contains("at the head"), "{}", again.stdout);
        let status = run(&out, &url, &["status", system]);
        assert_eq!(
            status.code,
            0,
            "{system}: status after deploy\n{}",
            status.all()
        );
        assert_eq!(
            lines_starting(&status.stdout, "applied "),
            files,
            "{}",
            status.stdout
        );
    }
}

#[test]
fn a_pending_migration_deploys_onto_a_database_with_rows() {
    let Some(pg) = started("rows", &["app"]) else {
        return;
    };
    let url = pg.connection_string("app");
    let dir = TempDir::new("migrate-rows");
    let (schemas, out) = (dir.path().join("schemas"), dir.path().join("generated"));
    let build = |yaml: &str| cli::build(&schemas, &out, "app", yaml);
    let v1 = "flavor: prisma\nmodels:\n  Post:\n    map: posts\n    fields: |\n      id    Int    @id\n      title String\n";
    build(v1);
    assert_eq!(run(&out, &url, &["deploy"]).code, 0);
    pg.execute(
        "app",
        "INSERT INTO posts (id, title) SELECT g, 'post ' || g FROM generate_series(1, 500) g",
    )
    .unwrap();

    build(&format!(
        "{v1}      views Int    @default(0)\n      note  String?\n\n      @@index([title])\n"
    ));
    let status = run(&out, &url, &["status"]);
    assert_eq!(status.code, 1, "{}", status.all());
    assert_eq!(
        lines_starting(&status.stdout, "pending      0002_"),
        1,
        "{}",
        status.stdout
    );

    let deploy = run(&out, &url, &["deploy"]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    assert!(
        deploy.stdout.contains("applying 0002_"),
        "{}",
        deploy.stdout
    );
    assert_eq!(
        value(
            &pg,
            "app",
            "SELECT count(*) FROM posts WHERE views = 0 AND title LIKE 'post %'"
        ),
        "500"
    );
    assert_eq!(run(&out, &url, &["status"]).code, 0);
}

/// Three segments; the second sleeps as long as `sleep_for` says, so the test can kill the
/// deploy in it and let the resumed deploy run through.
const SLOW: &str = "BEGIN;\nCREATE TABLE a (id INT);\nCREATE TABLE sleep_for (seconds FLOAT);\nINSERT INTO sleep_for VALUES (60);\nCOMMIT;\n\
                    BEGIN;\nCREATE TABLE b (id INT);\nSELECT pg_sleep((SELECT seconds FROM sleep_for));\nCOMMIT;\n\
                    CREATE INDEX CONCURRENTLY a_id_idx ON a (id);\n";

const SLEEPING: &str =
    "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active')";

#[test]
fn a_deploy_killed_between_segments_is_reported_and_resumed() {
    let Some(pg) = started("killed", &["app"]) else {
        return;
    };
    let url = pg.connection_string("app");
    let dir = TempDir::new("migrate-killed");
    let out = dir.path();
    write_migrations(out, &[("0001_slow.sql", SLOW)]);

    let mut deploy = spawn(out, &url, &["deploy"]);
    wait_for(&pg, "app", SLEEPING, Duration::from_secs(30));
    deploy.kill().unwrap(); // SIGKILL
    deploy.wait().unwrap();
    // The server notices the dead client (client_connection_check_interval) and rolls back.
    wait_for(
        &pg,
        "app",
        "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'schemagen migrate deploy')",
        Duration::from_secs(10),
    );
    assert_eq!(
        value(&pg, "app", "SELECT to_regclass('b') IS NULL"),
        "t",
        "segment 2 rolled back"
    );

    let status = run(out, &url, &["status"]);
    assert_eq!(status.code, 1, "{}", status.all());
    assert!(
        status
            .stdout
            .contains("interrupted  0001_slow.sql  1 of 3 segments committed"),
        "{}",
        status.stdout
    );

    pg.execute("app", "UPDATE sleep_for SET seconds = 0")
        .unwrap();
    let resumed = run(out, &url, &["deploy"]);
    assert_eq!(resumed.code, 0, "{}", resumed.all());
    assert!(
        resumed
            .stdout
            .contains("resuming 0001_slow.sql after segment 1"),
        "{}",
        resumed.stdout
    );
    // Segment 1 did not run again (CREATE TABLE a would have failed); 2 and 3 did.
    assert_eq!(
        value(
            &pg,
            "app",
            "SELECT to_regclass('b') IS NOT NULL AND to_regclass('a_id_idx') IS NOT NULL"
        ),
        "t"
    );
    assert_eq!(
        value(&pg, "app", &format!("SELECT status || ' ' || segments_applied || '/' || segments_total || ' ' || statements_applied FROM {HISTORY}")),
        "applied 3/3 6"
    );
    assert_eq!(run(out, &url, &["status"]).code, 0);
}

#[test]
fn two_deploys_at_once_cannot_both_run() {
    let Some(pg) = started("two_deploys", &["app"]) else {
        return;
    };
    let url = pg.connection_string("app");
    let dir = TempDir::new("migrate-two");
    let out = dir.path();
    write_migrations(
        out,
        &[("0001_slow.sql", &SLOW.replace("VALUES (60)", "VALUES (3)"))],
    );

    let first = spawn(out, &url, &["deploy"]);
    wait_for(&pg, "app", SLEEPING, Duration::from_secs(30));
    let status = run(out, &url, &["status"]);
    assert!(
        status.stdout.contains("in progress  0001_slow.sql"),
        "{}",
        status.stdout
    );

    let refused = run(out, &url, &["deploy", "--wait", "0"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("error[E0705]: another deploy holds the deploy lock (pid "),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("`schemagen migrate deploy`"),
        "{}",
        refused.stderr
    );

    let waited = run(out, &url, &["deploy", "--wait", "60"]);
    let first = finish(first.wait_with_output().unwrap());
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(
        first.stdout.contains("applied (3 segments"),
        "{}",
        first.stdout
    );
    assert_eq!(waited.code, 0, "{}", waited.all());
    assert!(
        !waited.stdout.contains("applying"),
        "the second deploy found nothing to do: {}",
        waited.stdout
    );
    assert_eq!(
        value(&pg, "app", &format!("SELECT count(*) FROM {HISTORY}")),
        "1"
    );
}

#[test]
fn a_failed_migration_is_recorded_and_resolved_both_ways() {
    let Some(pg) = started("failed", &["app"]) else {
        return;
    };
    let url = pg.connection_string("app");
    let dir = TempDir::new("migrate-failed");
    let out = dir.path();
    write_migrations(
        out,
        &[
            ("0001_init.sql", "CREATE TABLE t (id INT PRIMARY KEY, name TEXT);\nINSERT INTO t VALUES (1, 'a'), (2, 'a');\n"),
            (
                "0002_unique.sql",
                "SET lock_timeout = '5s';\nBEGIN;\nALTER TABLE t ADD COLUMN x INT;\nCOMMIT;\n\nBEGIN;\n-- the rows hold a duplicate\nALTER TABLE t ADD CONSTRAINT t_name_key UNIQUE (name);\nCOMMIT;\n",
            ),
        ],
    );
    let failed = run(out, &url, &["deploy"]);
    assert_eq!(failed.code, 1, "{}", failed.all());
    assert!(
        failed
            .stdout
            .contains("applying 0002_unique.sql ... failed"),
        "{}",
        failed.stdout
    );
    for expected in [
        "error[E0703]: app: migration 0002_unique.sql failed at line 8: could not create unique index \"t_name_key\" (SQLSTATE 23505)",
        "0002_unique.sql:8:1",
        "2 of its 3 segments committed before it and stay",
        "migrate resolve --rolled-back 0002_unique.sql app",
    ] {
        assert!(failed.stderr.contains(expected), "missing `{expected}` in\n{}", failed.stderr);
    }
    assert_eq!(
        value(&pg, "app", &format!("SELECT concat_ws(' | ', status, error_sqlstate, failed_line, failed_statement) FROM {HISTORY} WHERE name = '0002_unique.sql'")),
        "failed | 23505 | 8 | -- the rows hold a duplicate\nALTER TABLE t ADD CONSTRAINT t_name_key UNIQUE (name)"
    );
    let status = run(out, &url, &["status", "--format", "json"]);
    assert_eq!(status.code, 1);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect(&status.stdout);
    assert_eq!(json["at_head"], false);
    assert_eq!(json["migrations"][1]["state"], "failed");
    assert_eq!(
        json["migrations"][1]["record"]["failure"]["sqlstate"],
        "23505"
    );

    // Refused until resolved; nothing runs.
    let refused = run(out, &url, &["deploy"]);
    assert!(refused.stderr.contains("error[E0704]"), "{}", refused.all());
    assert!(!refused.stdout.contains("applying"));

    // The operator undoes what committed and fixes the data; deploy reruns it from the start.
    pg.execute(
        "app",
        "ALTER TABLE t DROP COLUMN x; UPDATE t SET name = 'b' WHERE id = 2",
    )
    .unwrap();
    let resolved = run(out, &url, &["resolve", "--rolled-back", "0002_unique.sql"]);
    assert_eq!(resolved.code, 0, "{}", resolved.all());
    let status = run(out, &url, &["status"]);
    assert!(
        status
            .stdout
            .contains("pending      0002_unique.sql  rolled back, resolved by "),
        "{}",
        status.stdout
    );
    let deploy = run(out, &url, &["deploy"]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    assert!(
        deploy
            .stdout
            .contains("applying 0002_unique.sql ... applied (3 segments"),
        "{}",
        deploy.stdout
    );
    assert_eq!(
        value(
            &pg,
            "app",
            &format!("SELECT string_agg(status, ',' ORDER BY id) FROM {HISTORY}")
        ),
        "applied,rolled_back,applied"
    );

    // Resolved as applied: the operator finished it by hand.
    write_migrations(
        out,
        &[(
            "0003_check.sql",
            "BEGIN;\nALTER TABLE t ADD CONSTRAINT t_id_small CHECK (id < 2);\nCOMMIT;\n",
        )],
    );
    assert_eq!(run(out, &url, &["deploy"]).code, 1);
    pg.execute(
        "app",
        "DELETE FROM t WHERE id >= 2; ALTER TABLE t ADD CONSTRAINT t_id_small CHECK (id < 2)",
    )
    .unwrap();
    let resolved = run(out, &url, &["resolve", "--applied", "0003_check.sql"]);
    assert_eq!(resolved.code, 0, "{}", resolved.all());
    let status = run(out, &url, &["status"]);
    assert_eq!(status.code, 0, "{}", status.all());
    assert!(
        status.stdout.contains("(0 statements, resolved by "),
        "{}",
        status.stdout
    );

    // Nothing left to resolve.
    let again = run(out, &url, &["resolve", "--applied", "0003_check.sql"]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("error[E0707]: app: migration 0003_check.sql is applied"),
        "{}",
        again.stderr
    );
}

#[test]
fn edited_deleted_or_out_of_order_files_stop_a_deploy_before_it_runs_anything() {
    let Some(pg) = started("tampered", &["app"]) else {
        return;
    };
    let url = pg.connection_string("app");
    let dir = TempDir::new("migrate-tampered");
    let out = dir.path();
    let first = "CREATE TABLE one (id INT);\n";
    write_migrations(
        out,
        &[
            ("0001_one.sql", first),
            ("0003_three.sql", "CREATE TABLE three (id INT);\n"),
        ],
    );
    assert_eq!(run(out, &url, &["deploy"]).code, 0);
    // A pending migration that would create a table: it must not run while deploy refuses.
    write_migrations(out, &[("0004_four.sql", "CREATE TABLE four (id INT);\n")]);
    let four_absent = || value(&pg, "app", "SELECT to_regclass('four') IS NULL") == "t";

    write_migrations(out, &[("0001_one.sql", "CREATE TABLE one (id BIGINT);\n")]);
    let refused = run(out, &url, &["deploy"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains(
            "error[E0701]: app: migration 0001_one.sql was changed after the database applied it"
        ),
        "{}",
        refused.stderr
    );
    assert!(four_absent());
    let status = run(out, &url, &["status"]);
    assert!(
        status.stdout.contains("modified     0001_one.sql"),
        "{}",
        status.stdout
    );

    write_migrations(out, &[("0001_one.sql", first)]);
    std::fs::remove_file(out.join("app/migrations/0003_three.sql")).unwrap();
    let refused = run(out, &url, &["deploy"]);
    assert!(
        refused.stderr.contains(
            "error[E0702]: app: migration 0003_three.sql is gone, but the database applied it"
        ),
        "{}",
        refused.stderr
    );
    assert!(four_absent());
    let status = run(out, &url, &["status"]);
    assert!(
        status.stdout.contains("missing      0003_three.sql"),
        "{}",
        status.stdout
    );

    write_migrations(
        out,
        &[
            ("0003_three.sql", "CREATE TABLE three (id INT);\n"),
            ("0002_two.sql", "CREATE TABLE two (id INT);\n"),
        ],
    );
    let refused = run(out, &url, &["deploy"]);
    assert!(
        refused
            .stderr
            .contains("error[E0706]: app: migration 0002_two.sql is pending but sorts before"),
        "{}",
        refused.stderr
    );
    assert!(four_absent());
    std::fs::remove_file(out.join("app/migrations/0002_two.sql")).unwrap();

    // With the checksum file `build` writes, an edit is caught on disk, before connecting matters.
    let sum = schemagen::history::sum::render([
        ("0001_one.sql", first),
        ("0003_three.sql", "CREATE TABLE three (id INT);\n"),
        ("0004_four.sql", "CREATE TABLE four (id INT);\n"),
    ]);
    write_migrations(
        out,
        &[
            ("schemagen.sum", &sum),
            ("0004_four.sql", "CREATE TABLE four (id TEXT);\n"),
        ],
    );
    let refused = run(out, &url, &["deploy"]);
    assert!(refused.stderr.contains("error[E0340]"), "{}", refused.all());
    assert!(four_absent());

    write_migrations(out, &[("0004_four.sql", "CREATE TABLE four (id INT);\n")]);
    let deploy = run(out, &url, &["deploy"]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    assert!(!four_absent());
}

#[test]
fn no_system_or_no_database_is_a_diagnostic_not_a_crash() {
    let dir = TempDir::new("migrate-usage");
    let out = dir.path();
    for system in ["app", "crm"] {
        std::fs::create_dir_all(out.join(system).join("migrations")).unwrap();
    }
    let url = "host=/nonexistent port=1 user=nobody dbname=none";
    let ambiguous = run(out, url, &["status"]);
    assert_eq!(ambiguous.code, 1);
    assert!(
        ambiguous.stderr.contains("error[E0709]: 2 systems in"),
        "{}",
        ambiguous.stderr
    );
    assert!(
        ambiguous.stderr.contains("systems there: app, crm"),
        "{}",
        ambiguous.stderr
    );
    let unknown = run(out, url, &["deploy", "blog"]);
    assert!(
        unknown.stderr.contains("error[E0709]: no system `blog`"),
        "{}",
        unknown.stderr
    );

    let unreachable = run(out, url, &["status", "app"]);
    assert_eq!(unreachable.code, 1);
    assert!(
        unreachable
            .stderr
            .contains("error[E0708]: cannot connect to the database"),
        "{}",
        unreachable.stderr
    );
    let json = run(out, url, &["status", "app", "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).expect(&json.stdout);
    assert_eq!(parsed[0]["code"], "E0708");
}
