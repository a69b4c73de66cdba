//! `schemagen verify --database-url URL --existing`: a database migrated and filled as
//! staging would be is proved as it is. Each hand change to its access (a policy loosened,
//! dropped, RLS disabled or not forced, privileges granted to everyone) is caught and named
//! with both sides, and verify leaves the database exactly as it found it (catalog, roles,
//! rows). A database behind the migrations, a non-superuser connection and, without
//! `--existing`, a database that is not empty are refused with their codes.

mod support;

use schemagen::catalog::{self, Scope};
use schemagen::cluster::Cluster;
use schemagen::db::Db;
use schemagen::diagnostics::Code;
use schemagen::verify::{self, Report};

/// Rows a staging database holds before verify runs (none of them synthetic).
const STAGING_ROWS: &str = r#"
INSERT INTO "public"."organizations" ("id", "name") VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'Staging Org');
INSERT INTO "public"."users" ("id", "organization_id", "email")
  VALUES ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'staging@example.org');
INSERT INTO "public"."projects" ("id", "organization_id", "owner_id", "title")
  VALUES ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'Roadmap');
"#;

fn workspace_run() -> schemagen::Run {
    let case = support::repo_root().join("tests/fixtures/ok/access_workspace");
    let config = schemagen::config::Config {
        schemas: case.join("schemas"),
        out: case.join("no-previous-output"),
        ..Default::default()
    };
    let run = schemagen::generate(&config);
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    run
}

/// The database `name`, migrated and holding [`STAGING_ROWS`].
fn staging(pg: &Cluster, run: &schemagen::Run, name: &str) -> String {
    pg.create_database(name).expect("create database");
    let url = pg.connection_string(name);
    let mut db = Db::connect(&url).expect("connect");
    for (file, sql) in verify::migrations_in(&run.files, "workspace") {
        catalog::expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    db.execute(STAGING_ROWS).expect("staging rows");
    url
}

/// Everything verify could leave behind: the catalog, its own schema, the roles, the rows.
fn state(url: &str) -> String {
    let mut db = Db::connect(url).expect("connect");
    let catalog = catalog::read(&mut db, &Scope::default()).expect("read catalog");
    let rows = db
        .rows(
            "SELECT (SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles), \
                    (SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagen_verify'), \
                    (SELECT count(*) FROM public.organizations), (SELECT count(*) FROM public.users), \
                    (SELECT count(*) FROM public.projects), (SELECT count(*) FROM public.collaborators)",
        )
        .expect("counts");
    format!("{catalog:#?}\n{rows:?}")
}

fn prove(run: &schemagen::Run, url: &str) -> Report {
    let mut reports = verify::verify_run(run, Some("workspace"), Some(url), true)
        .unwrap_or_else(|d| panic!("verify --existing refused: {d:?}"));
    reports.remove(0)
}

#[test]
fn a_correct_staging_database_passes_and_is_left_as_it_was() {
    let Some(pg) = support::pg::cluster("a_correct_staging_database_passes") else {
        return;
    };
    let run = workspace_run();
    let url = staging(&pg, &run, "staging");
    let before = state(&url);
    let report = prove(&run, &url);
    assert!(report.passed(), "{}", verify::human(&report));
    assert!(report.structure.is_empty());
    assert!(report.cells.len() > 90, "{}", verify::human(&report));
    assert_eq!(
        state(&url),
        before,
        "verify --existing changed the database"
    );
}

/// Each hand change, on its own copy of staging: what verify must name, and where.
const CHANGES: &[(&str, &str, &str, &str)] = &[
    (
        "loosened",
        r#"ALTER POLICY "projects_select" ON "public"."projects" USING (true)"#,
        "table public.projects",
        "policy projects_select",
    ),
    (
        "dropped",
        r#"DROP POLICY "projects_delete" ON "public"."projects""#,
        "table public.projects",
        "policy projects_delete",
    ),
    (
        "disabled",
        r#"ALTER TABLE "public"."projects" DISABLE ROW LEVEL SECURITY"#,
        "table public.projects",
        "row level security (ENABLE)",
    ),
    (
        "not_forced",
        r#"ALTER TABLE "public"."users" NO FORCE ROW LEVEL SECURITY"#,
        "table public.users",
        "row level security (FORCE)",
    ),
    (
        "granted_to_public",
        r#"GRANT ALL ON "public"."projects" TO PUBLIC"#,
        "table public.projects",
        "grants to PUBLIC",
    ),
    (
        "owned_by_the_application",
        r#"ALTER TABLE "public"."collaborators" OWNER TO "workspace_app""#,
        "table public.collaborators",
        "owner",
    ),
    (
        "column_granted",
        r#"GRANT UPDATE ("title") ON "public"."projects" TO PUBLIC"#,
        "column public.projects.title",
        "grants to PUBLIC",
    ),
];

#[test]
fn every_hand_change_to_access_is_caught_named_and_nothing_is_left_behind() {
    let Some(pg) = support::pg::cluster("every_hand_change_to_access_is_caught") else {
        return;
    };
    let run = workspace_run();
    for (name, change, object, what) in CHANGES {
        let url = staging(&pg, &run, name);
        Db::connect(&url).unwrap().execute(change).expect(change);
        let before = state(&url);
        let report = prove(&run, &url);
        let text = verify::human(&report);
        assert!(!report.passed(), "{name}: {change} passed:\n{text}");
        let found = report
            .structure
            .iter()
            .find(|d| d.object == *object && d.what == *what);
        let found = found.unwrap_or_else(|| panic!("{name}: {object} {what} not named:\n{text}"));
        assert_ne!(found.expected, found.actual, "{name}");
        assert!(
            text.starts_with(&format!("verify workspace\nSTRUCTURE {object}: {what}\n")),
            "{name}: structural failures come first:\n{text}"
        );
        assert_eq!(state(&url), before, "{name}: verify changed the database");
    }
}

#[test]
fn the_loosened_policy_shows_both_sides_as_postgres_spells_them() {
    let Some(pg) = support::pg::cluster("the_loosened_policy_shows_both_sides") else {
        return;
    };
    let run = workspace_run();
    let url = staging(&pg, &run, "loosened");
    let change = r#"ALTER POLICY "users_select" ON "public"."users" USING (true)"#;
    Db::connect(&url).unwrap().execute(change).unwrap();
    let report = prove(&run, &url);
    let text = verify::human(&report);
    let structure: String = text
        .lines()
        .take_while(|l| !l.starts_with("table "))
        .collect::<Vec<_>>()
        .join("\n");
    let summary = text.lines().last().unwrap_or_default();
    insta::assert_snapshot!(
        "loosened_users_select",
        format!("{structure}\n...\n{summary}")
    );
    let json = verify::json(&report);
    assert_eq!(json["passed"], false);
    assert_eq!(json["structure"][0]["object"], "table public.users");
    assert_eq!(
        json["structure"][0]["actual"],
        "AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)"
    );
}

#[test]
fn a_database_behind_the_migrations_or_a_plain_role_is_refused() {
    let Some(pg) = support::pg::cluster("a_database_behind_the_migrations_is_refused") else {
        return;
    };
    let run = workspace_run();
    let url = staging(&pg, &run, "behind");
    let mut db = Db::connect(&url).unwrap();
    db.execute(r#"ALTER TABLE "public"."projects" DROP COLUMN "title""#)
        .unwrap();
    let refused = verify::verify_run(&run, Some("workspace"), Some(&url), true).unwrap_err();
    assert_eq!(refused.code, Code::VerifyDatabaseBehind, "{refused:?}");
    assert!(
        refused.message.contains("column public.projects.title"),
        "{refused:?}"
    );

    let url = staging(&pg, &run, "plain");
    let mut db = Db::connect(&url).unwrap();
    db.execute("CREATE ROLE plain_reader LOGIN").unwrap();
    // The cluster's superuser is `postgres`, with trust authentication.
    let plain = url.replace("user=postgres", "user=plain_reader");
    assert_ne!(plain, url);
    let refused = verify::verify_run(&run, Some("workspace"), Some(&plain), true).unwrap_err();
    assert_eq!(refused.code, Code::VerifyNeedsSuperuser, "{refused:?}");
}

#[test]
fn without_existing_a_database_that_is_not_empty_is_refused_pointing_to_existing() {
    let Some(pg) = support::pg::cluster("a_database_that_is_not_empty_is_refused") else {
        return;
    };
    let run = workspace_run();
    let url = staging(&pg, &run, "full");
    let before = state(&url);
    let refused = verify::verify_run(&run, Some("workspace"), Some(&url), false).unwrap_err();
    assert_eq!(refused.code, Code::VerifyDatabaseNotEmpty, "{refused:?}");
    assert!(
        refused.message.contains("public.organizations"),
        "{refused:?}"
    );
    assert!(refused.help.unwrap_or_default().contains("--existing"));
    assert_eq!(state(&url), before);
}

/// The command line: `--existing` needs a URL (usage, exit 2); a refusal is a diagnostic with
/// its code on stderr and exit 1.
#[test]
fn the_command_line_says_why_it_refuses() {
    let case = support::repo_root().join("tests/fixtures/ok/access_workspace");
    let verify = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .arg("verify")
            .arg("--schemas")
            .arg(case.join("schemas"))
            .arg("--out")
            .arg(case.join("no-previous-output"))
            .args(args)
            .output()
            .expect("schemagen runs")
    };
    assert_eq!(verify(&["--existing"]).status.code(), Some(2));
    let Some(pg) = support::pg::cluster("the_command_line_says_why_it_refuses") else {
        return;
    };
    let run = workspace_run();
    let url = staging(&pg, &run, "behind");
    let mut db = Db::connect(&url).unwrap();
    db.execute(r#"ALTER TABLE "public"."users" ADD COLUMN "nickname" text"#)
        .unwrap();
    let out = verify(&["workspace", "--database-url", &url, "--existing"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[E0720]"), "{stderr}");
    assert!(
        stderr.contains("+ column public.users.nickname: not in the migrations"),
        "{stderr}"
    );
}

fn seed_run() -> schemagen::Run {
    let config = schemagen::config::Config {
        schemas: support::repo_root().join("schemas"),
        out: support::repo_root().join("generated"),
        ..Default::default()
    };
    let run = schemagen::generate(&config);
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    run
}

/// Seed systems as staging holds them: migrated, then every table filled by rehearse's filler
/// (integer keys 1, 2, 3 …, which verify's own rows took before they counted up from above the
/// database's highest key: E0723, duplicate key). Verify's rows must not collide with them,
/// its counts must count its own rows alone, and a policy loosened by hand must still be
/// caught, by the structure and by the probes, naming the table.
#[test]
fn a_seed_system_full_of_rows_is_proved_and_a_loosened_policy_named() {
    let Some(pg) = support::pg::cluster("a_seed_system_full_of_rows_is_proved") else {
        return;
    };
    let run = seed_run();
    for (system, table) in [("mitche", "conversations"), ("botcafe", "usage_analytics")] {
        let url = pg.connection_string(system);
        pg.create_database(system).expect("create database");
        let mut db = Db::connect(&url).expect("connect");
        for (file, sql) in verify::migrations_in(&run.files, system) {
            catalog::expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        let filled = schemagen::synth::volume::fill(&mut db, 40).expect("fill");
        let held: u64 = filled.iter().map(|f| f.rows).sum();
        assert!(held > 200, "{system}: {filled:?}");
        let prove = || {
            let mut reports = verify::verify_run(&run, Some(system), Some(&url), true)
                .unwrap_or_else(|d| panic!("{system}: verify --existing refused: {d:?}"));
            reports.remove(0)
        };
        let report = prove();
        let text = verify::human(&report);
        assert!(report.passed(), "{system}:\n{text}");
        assert!(
            text.contains("rows besides the synthetic ones, set aside"),
            "{text}"
        );

        let policy = format!("{table}_select");
        db.execute(&format!(
            r#"ALTER POLICY "{policy}" ON "public"."{table}" USING (true)"#
        ))
        .expect("alter policy");
        let report = prove();
        let text = verify::human(&report);
        assert!(
            !report.passed(),
            "{system}: loosened {policy} passed:\n{text}"
        );
        let object = format!("table public.{table}");
        assert!(
            report
                .structure
                .iter()
                .any(|d| d.object == object && d.what == format!("policy {policy}")),
            "{system}: {policy} not named:\n{text}"
        );
        let counted = report
            .mismatches()
            .any(|c| matches!(c.action, verify::Action::Every(_)));
        assert!(
            counted,
            "{system}: no count over the table caught it:\n{text}"
        );
    }
}

/// Supabase's `postgres` is no superuser: a role that owns the database and its tables, with
/// BYPASSRLS, membership in the application role and SET on session_replication_role, proves
/// staging as a superuser would; each grant taken away is named (E0721).
#[test]
fn a_role_that_is_not_a_superuser_but_holds_what_the_probes_need_proves_staging() {
    let Some(pg) = support::pg::cluster("a_role_that_is_not_a_superuser_proves_staging") else {
        return;
    };
    let run = workspace_run();
    let mut admin = Db::connect(&pg.connection_string("postgres")).expect("connect");
    for statement in [
        "CREATE ROLE staging_owner LOGIN BYPASSRLS CREATEROLE",
        "GRANT SET ON PARAMETER session_replication_role TO staging_owner",
        "CREATE DATABASE staging OWNER staging_owner",
    ] {
        admin.execute(statement).expect(statement);
    }
    // The cluster's superuser is `postgres`, with trust authentication.
    let superuser_url = pg.connection_string("staging");
    let url = superuser_url.replace("user=postgres", "user=staging_owner");
    assert_ne!(url, superuser_url);
    let mut db = Db::connect(&url).expect("connect as the owner");
    for (file, sql) in verify::migrations_in(&run.files, "workspace") {
        catalog::expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    db.execute(STAGING_ROWS).expect("staging rows");
    admin
        .execute("GRANT workspace_app TO staging_owner")
        .expect("membership");
    let before = state(&superuser_url);
    let report = prove(&run, &url);
    assert!(report.passed(), "{}", verify::human(&report));
    assert_eq!(state(&superuser_url), before, "verify changed the database");

    let takeaways = [
        (
            "REVOKE workspace_app FROM staging_owner",
            "membership in the application role",
        ),
        ("ALTER ROLE staging_owner NOBYPASSRLS", "BYPASSRLS"),
        (
            "REVOKE SET ON PARAMETER session_replication_role FROM staging_owner",
            "SET on session_replication_role",
        ),
    ];
    for (takeaway, named) in takeaways {
        admin.execute(takeaway).expect(takeaway);
        let refused = verify::verify_run(&run, Some("workspace"), Some(&url), true).unwrap_err();
        assert_eq!(refused.code, Code::VerifyNeedsSuperuser, "{refused:?}");
        assert!(refused.message.contains(named), "{takeaway}: {refused:?}");
    }
}
