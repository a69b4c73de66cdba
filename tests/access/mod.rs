//! A small multi-tenant system built directly in the IR (independent of any flavour),
//! and a helper that reads access YAML onto it the way flavours do.

#![allow(dead_code)]

use schemagen::diagnostics::{Diagnostic, Diagnostics};
use schemagen::flavours::access;
use schemagen::ir::*;

fn column(name: &str, db_name: &str, scalar: ScalarType, nullable: bool) -> Column {
    Column {
        name: name.into(),
        db_name: db_name.into(),
        ty: ColumnType::scalar(scalar),
        nullable,
        default: None,
        comment: None,
        span: Span::default(),
    }
}

fn uuid(name: &str, db_name: &str) -> Column {
    column(name, db_name, ScalarType::Uuid, false)
}

fn text(name: &str, db_name: &str) -> Column {
    column(name, db_name, ScalarType::Text, false)
}

fn enumerated(name: &str, db_name: &str, ty: &str) -> Column {
    column(
        name,
        db_name,
        ScalarType::Enum {
            name: Box::new(QualifiedName::public(ty)),
        },
        false,
    )
}

fn fk(table: &str, column: &str, target: &str) -> ForeignKey {
    ForeignKey {
        db_name: format!("{table}_{column}_fkey"),
        columns: vec![column.into()],
        referenced_table: QualifiedName::public(target),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::Cascade,
        span: Span::default(),
    }
}

fn table(
    name: &str,
    db_name: &str,
    columns: Vec<Column>,
    pk: &[&str],
    fks: Vec<ForeignKey>,
) -> Table {
    Table {
        partition: None,
        name: name.into(),
        db_name: QualifiedName::public(db_name),
        columns,
        primary_key: Some(PrimaryKey {
            db_name: format!("{db_name}_pkey"),
            columns: pk.iter().map(|c| c.to_string()).collect(),
            span: Span::default(),
        }),
        foreign_keys: fks,
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: None,
        span: Span::default(),
    }
}

fn enum_type(name: &str, values: &[&str]) -> Enum {
    Enum {
        name: name.into(),
        db_name: QualifiedName::public(name),
        values: values
            .iter()
            .map(|v| EnumValue {
                name: v.to_string(),
                db_name: v.to_string(),
                span: Span::default(),
            })
            .collect(),
        comment: None,
        span: Span::default(),
    }
}

/// Organizations, their users, projects with a visibility, collaborators with a role,
/// and a shared list of countries.
pub fn workspace() -> System {
    System {
        name: "workspace".into(),
        namespaces: Vec::new(),
        enums: vec![
            enum_type("Visibility", &["PRIVATE", "COLLABORATORS_ONLY", "PUBLIC"]),
            enum_type("CollaboratorRole", &["OWNER", "EDITOR", "REVIEWER"]),
        ],
        tables: vec![
            table(
                "Organization",
                "organizations",
                vec![uuid("id", "id"), text("name", "name")],
                &["id"],
                vec![],
            ),
            table(
                "User",
                "users",
                vec![
                    uuid("id", "id"),
                    uuid("organizationId", "organization_id"),
                    text("email", "email"),
                ],
                &["id"],
                vec![fk("users", "organization_id", "organizations")],
            ),
            table(
                "Project",
                "projects",
                vec![
                    uuid("id", "id"),
                    uuid("organizationId", "organization_id"),
                    uuid("ownerId", "owner_id"),
                    enumerated("visibility", "visibility", "Visibility"),
                    text("title", "title"),
                ],
                &["id"],
                vec![
                    fk("projects", "organization_id", "organizations"),
                    fk("projects", "owner_id", "users"),
                ],
            ),
            table(
                "Collaborator",
                "collaborators",
                vec![
                    uuid("projectId", "project_id"),
                    uuid("userId", "user_id"),
                    uuid("organizationId", "organization_id"),
                    enumerated("role", "role", "CollaboratorRole"),
                ],
                &["project_id", "user_id"],
                vec![
                    fk("collaborators", "project_id", "projects"),
                    fk("collaborators", "user_id", "users"),
                    fk("collaborators", "organization_id", "organizations"),
                ],
            ),
            table(
                "Country",
                "countries",
                vec![text("code", "code"), text("name", "name")],
                &["code"],
                vec![],
            ),
        ],
        access: Default::default(),
        ..Default::default()
    }
}

/// Reads `yaml` (`settings:` for the system, `tables: {Model: <access node>}`) onto `system`
/// as the flavours would, then resolves it. Returns the diagnostics as text.
pub fn with_access(mut system: System, yaml: &str) -> (System, Vec<Diagnostic>) {
    let root = schemagen::load::parse_text(yaml, 0).expect("test YAML parses");
    let mut diags = Diagnostics::default();
    if let Some(node) = root.get("settings") {
        access::read_settings(node, "access", &mut system.access, &mut diags);
    }
    let by_name: std::collections::HashMap<String, QualifiedName> = system
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.db_name.clone()))
        .collect();
    for (key, node) in root
        .get("tables")
        .and_then(|t| t.as_map())
        .unwrap_or_default()
    {
        let db_name = by_name
            .get(&key.name)
            .cloned()
            .expect("a table of the test system");
        access::read_table(
            node,
            &db_name,
            &format!("{}.access", key.name),
            &mut system.access,
            &mut diags,
        );
    }
    access::resolve(&mut system, &mut diags);
    (system, diags.into_sorted())
}

pub fn messages(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let at = d
                .span
                .map(|s| format!("{}:{}", s.line, s.column))
                .unwrap_or_default();
            format!(
                "{} {at} {}: {}{}\n",
                d.code,
                d.path.as_deref().unwrap_or(""),
                d.message,
                d.help
                    .as_ref()
                    .map(|h| format!(" (help: {h})"))
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// The workspace's intended access: tenant isolation everywhere, owners and collaborators
/// within it, public projects readable across the tenant, admins widening.
pub const WORKSPACE_ACCESS: &str = r#"
settings:
  tenant: app.current_org_id
  user: app.current_user_id
  role: app.current_role
  app_role: workspace_app
tables:
  Organization:
    read:
      - sql: "id = NULLIF(current_setting('app.current_org_id', true), '')::uuid"
        expect: { tenant: id }
  User:
    tenant: organizationId
  Project:
    tenant: organizationId
    read:
      - owner: ownerId
      - public: visibility
        values: [PUBLIC]
      - member: Collaborator
        via: projectId
        user: userId
      - role: admin
    write:
      - owner: ownerId
      - role: admin
    update:
      - member: Collaborator
        via: projectId
        user: userId
        role_field: role
        roles: [OWNER, EDITOR]
  Collaborator:
    tenant: organizationId
  Country: shared
"#;
