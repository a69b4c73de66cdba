//! Access rules in migrations: policies are created with their tables, rebuilt only for the
//! tables whose rules (or columns) change, and removed when a table becomes shared.

mod access;

use access::{with_access, workspace, WORKSPACE_ACCESS};
use schemagen::plan::{plan, AccessChange, Change};

fn access_steps(migration: &schemagen::plan::Migration) -> Vec<String> {
    migration
        .steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Access(change) => Some(format!(
                "{} {}",
                change.label(),
                change.table().map_or("", |t| t.name.as_str())
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn the_first_migration_grants_enables_and_creates_every_policy() {
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let steps = access_steps(&plan(None, &system));
    assert_eq!(
        steps,
        [
            "Grant ",
            "RowLevelSecurity organizations",
            "CreatePolicy organizations",
            "RowLevelSecurity users",
            "CreatePolicy users",
            "RowLevelSecurity projects",
            "CreatePolicy projects",
            "RowLevelSecurity collaborators",
            "CreatePolicy collaborators",
        ]
    );
}

#[test]
fn unchanged_rules_plan_nothing() {
    let (system, _) = with_access(workspace(), WORKSPACE_ACCESS);
    assert!(plan(Some(&system), &system).is_empty());
}

#[test]
fn a_changed_rule_rebuilds_only_its_table_policies_drops_first() {
    let (before, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let changed = WORKSPACE_ACCESS.replace(
        "  User:\n    tenant: organizationId\n",
        "  User:\n    tenant: organizationId\n    write:\n      - owner: id\n",
    );
    let (after, diags) = with_access(workspace(), &changed);
    assert!(diags.is_empty(), "{}", access::messages(&diags));
    let migration = plan(Some(&before), &after);
    assert_eq!(
        access_steps(&migration),
        ["DropPolicy users", "CreatePolicy users"]
    );
    assert!(matches!(
        migration.steps.first().map(|s| &s.change),
        Some(Change::Access(AccessChange::DropPolicies(_)))
    ));
}

#[test]
fn a_table_made_shared_loses_its_policies_and_rls() {
    let (before, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let changed = WORKSPACE_ACCESS.replace(
        "  Collaborator:\n    tenant: organizationId\n",
        "  Collaborator: shared\n",
    );
    let (after, _) = with_access(workspace(), &changed);
    let migration = plan(Some(&before), &after);
    // Projects' member rule reads collaborators, whose table changed (its tenant index
    // went with its tenant rule): those policies are rebuilt too.
    assert_eq!(
        access_steps(&migration),
        [
            "DropPolicy projects",
            "DropPolicy collaborators",
            "RowLevelSecurity collaborators",
            "CreatePolicy projects"
        ]
    );
}
