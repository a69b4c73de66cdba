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
        "admin, other user",
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
            .find(|c| c.table == "Project" && c.command.name() == command && c.scenario == scenario)
            .map(|c| c.actual.clone())
    };
    use verify::Actual::*;
    assert_eq!(projects("select", "own"), Some(Allowed), "{text}");
    assert_eq!(projects("select", "other tenant"), Some(Denied), "{text}");
    assert_eq!(projects("select", "unset"), Some(Denied), "{text}");
    assert_eq!(projects("insert", "other tenant"), Some(Denied), "{text}");
    assert_eq!(projects("update", "move tenant"), Some(Denied), "{text}");
    assert_eq!(
        projects("update", "admin, other user"),
        Some(Allowed),
        "{text}"
    );
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
