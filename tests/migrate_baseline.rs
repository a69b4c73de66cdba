//! `schemagen migrate baseline NAME` against real PostgreSQL: a database built by hand (as a
//! team adopting schemagen has one) is adopted at the migration it matches and `deploy` goes
//! on from there, over rows; a database that does not match the schema at NAME (a later
//! migration named, a column changed by hand) is refused with the differences and nothing is
//! recorded; a database with a history, or an unknown name, is refused too.

mod support;

use schemagen::catalog::expected;
use schemagen::cluster::Cluster;
use schemagen::db::Db;
use std::path::Path;
use support::cli::{self, Ran};
use support::TempDir;

/// `schemagen migrate ARGS --out OUT` on the database at `url`.
fn migrate(out: &Path, url: &str, args: &[&str]) -> Ran {
    cli::migrate(out, url, args)
}

/// A database named `name`, with the first `count` migrations of `system` in `out` applied
/// by hand (no history table), as psql would.
fn by_hand(pg: &Cluster, name: &str, out: &Path, system: &str, count: usize) -> Db {
    pg.create_database(name).expect("create database");
    let mut db = Db::connect(&pg.connection_string(name)).expect("connect");
    let history = schemagen::history::read(out, system).expect("read migrations");
    for (file, sql) in history.migrations.iter().take(count) {
        expected::apply(&mut db, sql).unwrap_or_else(|e| panic!("{system} {file}: {e}"));
    }
    db
}

fn value(pg: &Cluster, db: &str, sql: &str) -> String {
    pg.query(db, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .first()
        .and_then(|row| row.first().cloned())
        .unwrap_or_default()
}

fn has_history_table(pg: &Cluster, db: &str) -> bool {
    value(
        pg,
        db,
        "SELECT to_regclass('schemagen.schemagen_migrations') IS NOT NULL",
    ) == "t"
}

#[test]
fn a_seed_database_is_adopted_at_the_migration_it_matches_and_deploy_goes_on() {
    let Some(pg) = support::pg::cluster("baseline_seed") else {
        return;
    };
    let out = support::repo_root().join("generated");
    by_hand(&pg, "mitche", &out, "mitche", 1);
    let url = pg.connection_string("mitche");

    // At 0001 the database lacks what 0002 adds: claiming 0002 is refused, nothing recorded.
    let ahead = migrate(&out, &url, &["baseline", "0002_update", "mitche"]);
    assert_eq!(ahead.code, 1, "{}", ahead.all());
    assert!(
        ahead.stderr.contains(
            "error[E0712]: mitche: the database does not match the schema at 0002_update.sql"
        ),
        "{}",
        ahead.stderr
    );
    assert!(
        ahead
            .stderr
            .contains("schemagen diff mitche --up-to 0002_update"),
        "{}",
        ahead.stderr
    );
    assert!(
        !has_history_table(&pg, "mitche"),
        "a refused baseline records nothing"
    );

    let adopted = migrate(&out, &url, &["baseline", "0001_init", "mitche"]);
    assert_eq!(adopted.code, 0, "{}", adopted.all());
    assert!(
        adopted.stdout.contains(
            "mitche: the database matches the schema at 0001_init.sql: recorded 0001_init.sql as applied without running it"
        ),
        "{}",
        adopted.stdout
    );
    assert_eq!(
        value(
            &pg,
            "mitche",
            "SELECT string_agg(name || ':' || status || ':' || statements_applied, ',') \
             FROM schemagen.schemagen_migrations WHERE deployed_by LIKE 'baseline by %'"
        ),
        "0001_init.sql:applied:0"
    );

    let status = migrate(&out, &url, &["status", "mitche"]);
    assert_eq!(status.code, 1, "{}", status.all());
    let applied = status
        .stdout
        .lines()
        .find(|l| l.starts_with("applied "))
        .unwrap_or_else(|| panic!("{}", status.stdout));
    assert!(
        applied.contains("0001_init.sql")
            && applied.contains("(baseline by postgres: recorded, not run)"),
        "{applied}"
    );
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("pending ") && l.contains("0002_update.sql")),
        "{}",
        status.stdout
    );

    let again = migrate(&out, &url, &["baseline", "0001_init", "mitche"]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again
            .stderr
            .contains("error[E0711]: mitche: the database already records migrations"),
        "{}",
        again.stderr
    );

    let deploy = migrate(&out, &url, &["deploy", "mitche"]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    assert!(
        deploy.stdout.contains("applying 0002_update.sql") && !deploy.stdout.contains("0001_init"),
        "deploy runs only what comes after the baseline:\n{}",
        deploy.stdout
    );
    let status = migrate(&out, &url, &["status", "mitche"]);
    assert_eq!(status.code, 0, "{}", status.all());
}

#[test]
fn every_seed_system_built_by_hand_is_adopted_at_its_head() {
    let systems = [
        "alphadome",
        "botcafe",
        "collective_writing",
        "contentpilot",
        "mitche",
    ];
    let Some(pg) = support::pg::cluster("baseline_every_seed") else {
        return;
    };
    let out = support::repo_root().join("generated");
    for system in systems {
        by_hand(&pg, system, &out, system, usize::MAX);
        let url = pg.connection_string(system);
        let head = schemagen::history::read(&out, system)
            .unwrap()
            .migrations
            .last()
            .unwrap()
            .0
            .clone();
        let adopted = migrate(&out, &url, &["baseline", &head, system]);
        assert_eq!(adopted.code, 0, "{system}:\n{}", adopted.all());
        let status = migrate(&out, &url, &["status", system]);
        assert_eq!(status.code, 0, "{system}:\n{}", status.all());
        let deploy = migrate(&out, &url, &["deploy", system]);
        assert_eq!(deploy.code, 0, "{system}:\n{}", deploy.all());
        assert!(
            !deploy.stdout.contains("applying"),
            "{system}: nothing left to run\n{}",
            deploy.stdout
        );
    }
}

#[test]
fn a_database_with_rows_is_adopted_and_the_next_migration_deploys_over_them() {
    let Some(pg) = support::pg::cluster("baseline_rows") else {
        return;
    };
    let dir = TempDir::new("baseline-rows");
    let (schemas, out) = (dir.path().join("schemas"), dir.path().join("generated"));
    let build = |yaml: &str| cli::build(&schemas, &out, "app", yaml);
    let v1 = "flavor: prisma\nmodels:\n  Post:\n    map: posts\n    fields: |\n      id    Int    @id\n      title String\n";
    build(v1);
    by_hand(&pg, "app", &out, "app", 1);
    pg.execute(
        "app",
        "INSERT INTO posts (id, title) SELECT g, 'post ' || g FROM generate_series(1, 500) g",
    )
    .unwrap();
    build(&format!(
        "{v1}      views Int    @default(0)\n\n      @@index([title])\n"
    ));
    let url = pg.connection_string("app");

    // The history schema may exist already (another system's deploy made it): it is not drift.
    pg.execute("app", "CREATE SCHEMA schemagen").unwrap();
    let adopted = migrate(&out, &url, &["baseline", "0001_init.sql"]);
    assert_eq!(adopted.code, 0, "{}", adopted.all());
    let deploy = migrate(&out, &url, &["deploy"]);
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
    assert_eq!(migrate(&out, &url, &["status"]).code, 0);
}

#[test]
fn a_hand_made_change_or_an_unknown_name_is_refused_and_nothing_is_recorded() {
    let Some(pg) = support::pg::cluster("baseline_refusals") else {
        return;
    };
    let out = support::repo_root().join("generated");
    let mut db = by_hand(&pg, "mitche", &out, "mitche", usize::MAX);
    db.execute("ALTER TABLE public.conversations ALTER COLUMN title TYPE varchar(200)")
        .unwrap();
    let url = pg.connection_string("mitche");

    let drifted = migrate(&out, &url, &["baseline", "0002_update", "mitche"]);
    assert_eq!(drifted.code, 1, "{}", drifted.all());
    assert!(
        drifted.stderr.contains("error[E0712]")
            && drifted.stderr.contains("(1 difference)")
            && drifted.stderr.contains(
                "~ column public.conversations.title: type character varying(200), expected text"
            ),
        "{}",
        drifted.stderr
    );
    assert!(!has_history_table(&pg, "mitche"));

    let unknown = migrate(&out, &url, &["baseline", "0009_nope", "mitche"]);
    assert_eq!(unknown.code, 1, "{}", unknown.all());
    assert!(
        unknown
            .stderr
            .contains("error[E0710]: mitche: no migration named `0009_nope`")
            && unknown
                .stderr
                .contains("mitche has: 0001_init.sql, 0002_update.sql"),
        "{}",
        unknown.stderr
    );

    let json = migrate(
        &out,
        &url,
        &["baseline", "0002_update", "mitche", "--format", "json"],
    );
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).expect(&json.stdout);
    assert_eq!(parsed["diagnostics"][0]["code"], "E0712", "{}", json.stdout);
    assert_eq!(parsed["baselined"], serde_json::json!([]));
    assert!(!has_history_table(&pg, "mitche"));
}
