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

/// 10,000 tenant tables: reading, resolving, planning and rendering the access, end to end
/// (speed is measured by `scripts/bench`, not here).
#[test]
fn ten_thousand_policed_tables_plan_and_render() {
    use schemagen::ir::*;
    let column = |name: &str| Column {
        name: name.into(),
        db_name: name.into(),
        ty: ColumnType::scalar(ScalarType::Uuid),
        nullable: false,
        default: None,
        comment: None,
        span: Span::default(),
    };
    let mut system = System {
        name: "big".into(),
        ..System::default()
    };
    let mut yaml = String::from("tables:\n");
    for i in 0..10_000 {
        system.tables.push(Table {
            partition: None,
            name: format!("T{i}"),
            db_name: QualifiedName::public(format!("t{i}")),
            columns: vec![column("id"), column("org_id")],
            primary_key: Some(PrimaryKey {
                db_name: format!("t{i}_pkey"),
                columns: vec!["id".into()],
                span: Span::default(),
            }),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            comment: None,
            span: Span::default(),
        });
        yaml.push_str(&format!("  T{i}:\n    tenant: org_id\n"));
    }
    let (system, diags) = with_access(system, &yaml);
    assert!(diags.is_empty());
    let migration = plan(None, &system);
    assert_eq!(access_steps(&migration).len(), 1 + 2 * 10_000);
    assert!(plan(Some(&system), &system).is_empty());
    let sql = schemagen::render::postgres::rls::statements(&system);
    assert!(sql.len() > 60_000);
}

#[test]
fn a_table_created_again_to_partition_it_gets_its_grant_rls_and_policies_again() {
    use schemagen::ir::{Partition, PartitionBound, PartitionMethod, Partitioning};
    let (before, _) = with_access(workspace(), WORKSPACE_ACCESS);
    let mut after = before.clone();
    let projects = after
        .tables
        .iter_mut()
        .find(|t| t.db_name.name == "projects")
        .unwrap();
    projects.partition = Some(Partitioning {
        method: PartitionMethod::List,
        columns: vec!["id".into()],
        partitions: vec![Partition {
            db_name: "projects_default".into(),
            bound: PartitionBound::Default,
        }],
        span: Default::default(),
    });
    let migration = plan(Some(&before), &after);
    assert_eq!(
        access_steps(&migration),
        [
            "DropPolicy projects",
            "Grant ",
            "RowLevelSecurity projects",
            "CreatePolicy projects",
        ]
    );
    let granted = migration.steps.iter().find_map(|s| match &s.change {
        Change::Access(AccessChange::Grant { tables, .. }) => Some(tables),
        _ => None,
    });
    let names: Vec<&str> = granted.unwrap().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["projects"]);
}
