//! Access YAML → resolved access model → RLS statements, on a system built in the IR.

mod access;

use access::{messages, with_access, workspace, WORKSPACE_ACCESS};
use schemagen::render::postgres::rls;

#[test]
fn workspace_policies_are_snapshotted() {
    let (system, diags) = with_access(workspace(), WORKSPACE_ACCESS);
    assert!(diags.is_empty(), "{}", messages(&diags));
    insta::assert_snapshot!("workspace_rls", rls::statements(&system).join("\n\n"));
}

#[test]
fn tenant_and_owner_columns_get_an_index_once() {
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let projects = system.tables.iter().find(|t| t.name == "Project").unwrap();
    let names: Vec<&str> = projects
        .indexes
        .iter()
        .map(|i| i.db_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["projects_organization_id_idx", "projects_owner_id_idx"]
    );
    // collaborators.project_id leads the primary key: no extra index; organization_id gets one.
    let collaborators = system
        .tables
        .iter()
        .find(|t| t.name == "Collaborator")
        .unwrap();
    assert_eq!(collaborators.indexes.len(), 1);
}

#[test]
fn member_rule_resolves_through_the_foreign_key_and_enum() {
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let sql = rls::statements(&system).join("\n");
    assert!(
        sql.contains(r#"m."project_id" = "public"."projects"."id""#),
        "{sql}"
    );
    assert!(sql.contains(r#"m."role" IN ('OWNER', 'EDITOR')"#), "{sql}");
}

#[test]
fn policy_names_fit_postgres() {
    let name = rls::policy_name(&"t".repeat(70), schemagen::ir::access::Command::Delete);
    assert!(name.len() <= 63, "{name}");
}

#[test]
fn a_tenant_system_must_police_every_table() {
    let yaml = "tables:\n  User:\n    tenant: organizationId\n";
    let (_, diags) = with_access(workspace(), yaml);
    insta::assert_snapshot!("unpoliced_tables", messages(&diags));
}

#[test]
fn bad_rules_are_reported_with_hints() {
    let yaml = r#"
settings:
  context: firebase
tables:
  User:
    tenant: organisationId
    reed: []
  Project:
    shared: true
    read:
      - owner: ownerId
        public: visibility
      - public: visibility
      - public: visibility
        values: [SECRET]
      - member: Collaborator
        user: userId
  Collaborator:
    read:
      - member: Colaborator
        via: projectId
        user: userId
  Country: shared
  Organization:
    select: { sql: "true" }
"#;
    let (_, diags) = with_access(workspace(), yaml);
    insta::assert_snapshot!("bad_rules", messages(&diags));
}
