//! `verify` against a real Postgres: the workspace system (tables written by hand here, so
//! the test does not depend on the migration renderer) passes; a policy edited by hand to
//! compare the wrong column is caught and named.

mod access;
mod support;

use access::{with_access, workspace, WORKSPACE_ACCESS};
use schemagen::verify::{self, Database};

const TABLES: &str = r#"
CREATE TYPE "public"."Visibility" AS ENUM ('PRIVATE', 'COLLABORATORS_ONLY', 'PUBLIC');
CREATE TYPE "public"."CollaboratorRole" AS ENUM ('OWNER', 'EDITOR', 'REVIEWER');
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations(id), email text NOT NULL UNIQUE);
CREATE TABLE projects (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES users(id),
  visibility "Visibility" NOT NULL DEFAULT 'PRIVATE',
  title text NOT NULL
);
CREATE TABLE collaborators (
  project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id),
  organization_id uuid NOT NULL REFERENCES organizations(id),
  role "CollaboratorRole" NOT NULL,
  PRIMARY KEY (project_id, user_id)
);
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
"#;

/// A hand edit of the kind verify exists to catch: users filtered by their id, not their tenant.
const BROKEN: &str = r#"
DROP POLICY "users_select" ON "public"."users";
CREATE POLICY "users_select" ON "public"."users" FOR SELECT
  USING ("id" = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
"#;

fn database(test: &str) -> Option<Database> {
    match Database::throwaway() {
        Ok(db) => Some(db),
        Err(e) => {
            support::missing_tool(test, &e);
            None
        }
    }
}

fn migrations(extra: &[&str]) -> Vec<(String, String)> {
    let (system, diags) = with_access(workspace(), WORKSPACE_ACCESS);
    assert!(diags.is_empty());
    let mut sql = vec![
        ("0001_tables.sql".to_string(), TABLES.to_string()),
        (
            "0002_access.sql".to_string(),
            schemagen::render::postgres::rls::statements(&system).join("\n"),
        ),
    ];
    for (n, e) in extra.iter().enumerate() {
        sql.push((format!("{:04}_edit.sql", n + 3), e.to_string()));
    }
    sql
}

#[test]
fn declared_rules_hold_in_postgres() {
    let Some(db) = database("declared_rules_hold_in_postgres") else {
        return;
    };
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let report = verify::verify(&system, &migrations(&[]), &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(report.passed(), "{text}");
    // The matrix probes what the issue asks for, on every policed table.
    for scenario in [
        "own",
        "other user",
        "other tenant",
        "unset",
        "admin, stranger",
        "move tenant",
    ] {
        assert!(
            report.scenarios.iter().any(|s| s == scenario),
            "{scenario} missing:\n{text}"
        );
    }
    let projects = |command: &str, scenario: &str| {
        report
            .cells
            .iter()
            .find(|c| c.table == "Project" && c.action.name() == command && c.scenario == scenario)
            .map(|c| c.actual.clone())
    };
    use verify::Actual::*;
    assert_eq!(projects("select", "own"), Some(Allowed), "{text}");
    assert_eq!(projects("select", "other tenant"), Some(Denied), "{text}");
    assert_eq!(projects("select", "unset"), Some(Denied), "{text}");
    assert_eq!(projects("insert", "other tenant"), Some(Denied), "{text}");
    assert_eq!(projects("update", "move tenant"), Some(Denied), "{text}");
    assert_eq!(
        projects("update", "admin, stranger"),
        Some(Allowed),
        "{text}"
    );
    // Probes a SELECT policy cannot mask: a WHERE-less DELETE as the other user (a member
    // who may read and update the project, not delete it) removes nothing.
    assert_eq!(
        projects("delete all", "other user"),
        Some(Rows(0)),
        "{text}"
    );
    assert_eq!(
        projects("update all", "other user"),
        Some(Rows(1)),
        "{text}"
    );
    assert_eq!(
        projects("select all", "table owner, unset"),
        Some(Rows(0)),
        "{text}"
    );
    assert_eq!(projects("truncate", "own"), Some(Denied), "{text}");
    assert_eq!(projects("update", "move owner"), Some(Denied), "{text}");
    insta::assert_snapshot!("workspace_verify", text);
}

#[test]
fn a_policy_on_the_wrong_column_is_a_mismatch() {
    let Some(db) = database("a_policy_on_the_wrong_column_is_a_mismatch") else {
        return;
    };
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let report = verify::verify(&system, &migrations(&[BROKEN]), &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(!report.passed(), "{text}");
    assert!(
        text.contains("MISMATCH User select (own): expected allow, actual deny"),
        "{text}"
    );
    let json = verify::json(&report);
    assert_eq!(json["passed"], false);
}

fn fixture(path: &str) -> std::path::PathBuf {
    support::repo_root().join("tests/fixtures").join(path)
}

#[test]
fn the_prisma_fixture_verifies_through_the_whole_pipeline() {
    if schemagen::cluster::find_server_bin().is_err() {
        return support::missing_tool(
            "the_prisma_fixture_verifies",
            "no PostgreSQL server binaries",
        );
    }
    let case = fixture("ok/access_workspace");
    let config = schemagen::config::Config {
        schemas: case.join("schemas"),
        out: case.join("no-previous-output"),
        ..Default::default()
    };
    let run = schemagen::generate(&config);
    assert!(!run.has_errors());
    let reports = verify::verify_run(&run, None, None, false).expect("verify runs");
    assert_eq!(reports.len(), 1);
    assert!(reports[0].passed(), "{}", verify::human(&reports[0]));
    assert!(reports[0].cells.len() > 90);
}

/// `tests/fixtures/verify/broken_policy`: a built system whose migration was edited by hand
/// so that `notes_select` compares the tenant with `id` instead of `organization_id`.
#[test]
fn a_hand_edited_policy_makes_verify_exit_1_naming_table_and_command() {
    if schemagen::cluster::find_server_bin().is_err() {
        return support::missing_tool(
            "a_hand_edited_policy_makes_verify_exit_1",
            "no PostgreSQL server binaries",
        );
    }
    let case = fixture("verify/broken_policy");
    let run = |format: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .arg("verify")
            .arg("--schemas")
            .arg(case.join("schemas"))
            .arg("--out")
            .arg(case.join("generated"))
            .args(["--format", format])
            .output()
            .expect("schemagen runs")
    };
    let human = run("human");
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("MISMATCH Note select (own): expected allow, actual deny"),
        "{stdout}"
    );
    let json = run("json");
    assert_eq!(json.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    assert_eq!(value[0]["passed"], false);
    let failing: Vec<(&str, &str)> = value[0]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| (c["table"].as_str().unwrap(), c["command"].as_str().unwrap()))
        .collect();
    assert!(failing.contains(&("Note", "select")), "{failing:?}");
    assert!(failing.iter().all(|(t, _)| *t == "Note"), "{failing:?}");
}

/// The seed systems under `schemas/` with access rules: each passes `verify` against Postgres,
/// applying the migrations committed under `generated/`.
#[test]
fn every_seed_system_verifies() {
    if schemagen::cluster::find_server_bin().is_err() {
        return support::missing_tool(
            "every_seed_system_verifies",
            "no PostgreSQL server binaries",
        );
    }
    let config = schemagen::config::Config {
        schemas: support::repo_root().join("schemas"),
        // The committed history: the migrations a deployed database has, plus any new one.
        out: support::repo_root().join("generated"),
        ..Default::default()
    };
    let run = schemagen::generate(&config);
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    let policed: Vec<&str> = run
        .systems
        .iter()
        .filter(|s| !s.access.is_empty())
        .map(|s| s.name.as_str())
        .collect();
    for name in [
        "contentpilot",
        "alphadome",
        "collective_writing",
        "botcafe",
        "mitche",
    ] {
        assert!(
            policed.contains(&name),
            "{name} has no access rules: {policed:?}"
        );
    }
    for name in policed {
        let reports =
            verify::verify_run(&run, Some(name), None, false).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(reports[0].passed(), "{}", verify::human(&reports[0]));
    }
}

/// `--database-url`: the same proof in a database the caller provides (here, one made in a
/// throwaway cluster and named by its libpq connection string).
#[test]
fn verify_runs_in_a_database_given_by_url() {
    let cluster = match schemagen::cluster::Cluster::start() {
        Ok(cluster) => cluster,
        Err(e) => {
            return support::missing_tool("verify_runs_in_a_database_given_by_url", &e.to_string())
        }
    };
    cluster.create_database("given").expect("create database");
    let db = Database::Url(cluster.connection_string("given"));
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let report = verify::verify(&system, &migrations(&[]), &db).expect("verify runs");
    assert!(report.passed(), "{}", verify::human(&report));
    assert_eq!(report.cells.len(), 264);
}

/// Version 1 of a system is built; version 2 changes a rule. The second migration drops and
/// recreates only that table's policies, and the two migrations applied in order verify.
#[test]
fn a_rule_change_migrates_and_verifies() {
    if schemagen::cluster::find_server_bin().is_err() {
        return support::missing_tool(
            "a_rule_change_migrates_and_verifies",
            "no PostgreSQL server binaries",
        );
    }
    let dir = support::TempDir::new("access-v2");
    let schemas = dir.path().join("schemas/workspace");
    std::fs::create_dir_all(&schemas).unwrap();
    let v1 = std::fs::read_to_string(fixture("ok/access_workspace/schemas/workspace/schema.yaml"))
        .unwrap();
    std::fs::write(schemas.join("schema.yaml"), &v1).unwrap();
    let config = schemagen::config::Config {
        schemas: dir.path().join("schemas"),
        out: dir.path().join("generated"),
        ..Default::default()
    };
    let first = schemagen::generate(&config);
    assert!(!first.has_errors());
    schemagen::write::write_tree(&config.out, &first.files).unwrap();

    // Users may now only change their own row (still within their tenant).
    let v2 = v1.replace(
        "    access:\n      tenant: organizationId\n\n  Project:",
        "    access:\n      tenant: organizationId\n      write:\n        - owner: id\n\n  Project:",
    );
    assert_ne!(v1, v2);
    std::fs::write(schemas.join("schema.yaml"), &v2).unwrap();
    let second = schemagen::generate(&config);
    assert!(!second.has_errors());
    let migrations = verify::migrations_in(&second.files, "workspace");
    assert_eq!(
        migrations.len(),
        2,
        "{:?}",
        migrations.iter().map(|m| &m.0).collect::<Vec<_>>()
    );
    let sql = &migrations[1].1;
    assert!(
        sql.contains(r#"DROP POLICY IF EXISTS "users_update" ON "public"."users";"#),
        "{sql}"
    );
    assert!(sql.contains(r#"CREATE POLICY "users_update""#), "{sql}");
    assert!(
        !sql.contains("projects"),
        "only the users policies change:\n{sql}"
    );

    let report = verify::verify_run(&second, None, None, false).unwrap();
    assert!(report[0].passed(), "{}", verify::human(&report[0]));
    let users_update = |scenario: &str| {
        report[0]
            .cells
            .iter()
            .find(|c| c.table == "User" && c.action.name() == "update" && c.scenario == scenario)
            .map(|c| c.actual.clone())
    };
    assert_eq!(users_update("own"), Some(verify::Actual::Allowed));
    assert_eq!(users_update("other user"), Some(verify::Actual::Denied));
}

/// The declared rules themselves can be wrong: `User`'s tenant rule on `id` instead of
/// `organizationId`. Policies and expectation agree with each other, so verify judges the rules
/// by where their columns lead: two different tenant columns, and users.id both tenant and user.
#[test]
fn a_tenant_rule_on_the_wrong_field_fails_verify() {
    let Some(db) = database("a_tenant_rule_on_the_wrong_field_fails_verify") else {
        return;
    };
    let wrong = WORKSPACE_ACCESS.replace(
        "  User:\n    tenant: organizationId\n",
        "  User:\n    tenant: id\n",
    );
    let (system, diags) = with_access(workspace(), &wrong);
    assert!(diags.is_empty());
    let migrations = vec![
        ("0001_tables.sql".to_string(), TABLES.to_string()),
        (
            "0002_access.sql".to_string(),
            schemagen::render::postgres::rls::statements(&system).join("\n"),
        ),
    ];
    let report = verify::verify(&system, &migrations, &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(!report.passed(), "{text}");
    assert!(
        text.contains("FAIL the tenant rules lead to different columns: organizations.id (from Project), users.id (from User)"),
        "{text}"
    );
}

/// No fallback: migrations that build the tables but no row-level security are judged as they
/// are. The structure names every table left open, and the probes fail (no grants either).
#[test]
fn migrations_without_access_fail_structure_and_behaviour() {
    let Some(db) = database("migrations_without_access_fail") else {
        return;
    };
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let tables_only = vec![("0001_tables.sql".to_string(), TABLES.to_string())];
    let report = verify::verify(&system, &tables_only, &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(!report.passed(), "{text}");
    for table in ["organizations", "users", "projects", "collaborators"] {
        let object = format!("table public.{table}");
        let flag = report
            .structure
            .iter()
            .find(|d| d.object == object && d.what == "row level security (ENABLE)");
        let flag = flag.unwrap_or_else(|| panic!("{object} not named:\n{text}"));
        assert_eq!(
            (flag.expected.as_str(), flag.actual.as_str()),
            ("on", "off")
        );
    }
    assert!(report.mismatches().next().is_some(), "{text}");
}

/// A raw sql rule is judged by its `expect:`: a wrong one is a mismatch, none at all is E0724.
#[test]
fn a_sql_rule_is_held_to_its_expect() {
    let Some(db) = database("a_sql_rule_is_held_to_its_expect") else {
        return;
    };
    let wrong = WORKSPACE_ACCESS.replace("expect: { tenant: id }", "expect: { role: [admin] }");
    assert_ne!(wrong, WORKSPACE_ACCESS);
    let (system, diags) = with_access(workspace(), &wrong);
    assert!(diags.is_empty(), "{diags:?}");
    let report = verify::verify(&system, &migrations(&[]), &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(!report.passed(), "{text}");
    assert!(
        text.contains("MISMATCH Organization select (own): expected deny, actual allow"),
        "{text}"
    );

    let Some(db) = database("a_sql_rule_without_expect") else {
        return;
    };
    let silent = WORKSPACE_ACCESS.replace("        expect: { tenant: id }\n", "");
    let (system, _) = with_access(workspace(), &silent);
    let unexplained = verify::unexplained_sql_rules(&system);
    assert_eq!(unexplained.len(), 1);
    assert_eq!(unexplained[0].code.as_str(), "E0724");
    let report = verify::verify(&system, &migrations(&[]), &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(!report.passed(), "{text}");
    assert!(
        text.contains("note: FAIL E0724 Organization.access"),
        "{text}"
    );
    assert!(
        text.contains("allow ?"),
        "the cells are shown, not judged:\n{text}"
    );
}

/// A system that declares no access at all: nothing is claimed, and nothing fails.
#[test]
fn a_system_without_rules_has_nothing_to_prove() {
    let Some(db) = database("a_system_without_rules_has_nothing_to_prove") else {
        return;
    };
    let tables_only = vec![("0001_tables.sql".to_string(), TABLES.to_string())];
    let report = verify::verify(&workspace(), &tables_only, &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(report.passed(), "{text}");
    assert!(!report.declares_access);
    assert_eq!(
        text,
        "verify workspace\nnothing to prove: workspace declares no access rules, so no policy, grant or probe was checked\n"
    );
}

/// A migration that fails is a setup failure (E0723), not a report.
#[test]
fn a_failing_migration_is_a_setup_failure() {
    let Some(db) = database("a_failing_migration_is_a_setup_failure") else {
        return;
    };
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let broken = vec![(
        "0001_tables.sql".to_string(),
        "CREATE TABLE broken (".to_string(),
    )];
    let refused = verify::verify(&system, &broken, &db).unwrap_err();
    assert_eq!(refused.code.as_str(), "E0723");
    assert!(
        refused.message.contains("migration 0001_tables.sql failed"),
        "{refused:?}"
    );
}

/// A migration that inserts rows leaves a table with more than the synthetic rows: they are
/// set aside while the table is probed (and said), so the probes over every row count the
/// synthetic rows alone and are judged.
#[test]
fn rows_a_migration_inserts_are_set_aside_and_the_counts_judged() {
    let Some(db) = database("rows_a_migration_inserts_are_set_aside") else {
        return;
    };
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let insert = "INSERT INTO organizations (id, name) VALUES ('00000000-0000-4000-8000-00000000abcd', 'extra');";
    let report = verify::verify(&system, &migrations(&[insert]), &db).expect("verify runs");
    let text = verify::human(&report);
    assert!(report.passed(), "{text}");
    assert!(
        text.contains(
            "note: Organization: 1 rows besides the synthetic ones, set aside while it was probed"
        ),
        "{text}"
    );
    let counts: Vec<&verify::Cell> = report
        .cells
        .iter()
        .filter(|c| c.table == "Organization" && matches!(c.action, verify::Action::Every(_)))
        .collect();
    assert!(!counts.is_empty(), "{text}");
    for count in counts {
        assert!(count.expected.is_some(), "{count:?}");
        assert!(!count.is_mismatch(), "{count:?}");
    }
}
