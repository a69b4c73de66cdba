//! IR → `firestore.indexes.json` and `firestore.rules`: what a Firestore project deploys.
//!
//! Firestore keeps no schema, so only two things port: the composite indexes queries need,
//! and who may read and write which documents. Each table is a collection (its logical name;
//! a subcollection `posts/comments` is matched below its parent); each field its logical name,
//! the key `__name__`. Single-field indexes (one column, an array's `array-contains`, a geopoint)
//! are what Firestore makes by itself. What Firestore cannot say is reported: the schema
//! itself (types, keys, foreign keys, checks: W0876, once), unique and expression or partial
//! indexes (W0877), access rules with no rules form (W0878, written as a denial).

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::access::{Command, Context, Rule, RuleKind};
use crate::ir::{Index, IndexMethod, IndexPart, SortOrder, System, Table};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// `firestore.indexes.json` and `firestore.rules`.
pub fn render(system: &System, diags: &mut Vec<Diagnostic>) -> Vec<(String, String)> {
    diags.push(
        Diagnostic::global(
            Code::ExportFirestoreSchema,
            format!(
                "export firestore: {}: Firestore keeps no schema: types, NOT NULL, defaults, keys, foreign keys and checks are not enforced",
                system.name
            ),
        )
        .at_path(system.name.clone())
        .with_help("validate documents in the application, or in firestore.rules (`request.resource.data.<field> is string`)"),
    );
    let mut indexes = Vec::new();
    for table in &system.tables {
        for index in &table.indexes {
            indexes.extend(composite(table, index, diags));
        }
    }
    let document = json!({ "indexes": indexes, "fieldOverrides": [] });
    let mut json = serde_json::to_string_pretty(&document).expect("JSON serializes");
    json.push('\n');
    vec![
        ("firestore.indexes.json".into(), json),
        ("firestore.rules".into(), rules(system, diags)),
    ]
}

/// A composite index, `None` for what Firestore makes by itself (one field) or cannot say.
fn composite(table: &Table, index: &Index, diags: &mut Vec<Diagnostic>) -> Option<Value> {
    let path = format!("{}.{}", table.name, index.db_name);
    let lost = |why: &str, diags: &mut Vec<Diagnostic>| {
        diags.push(
            Diagnostic::error(
                Code::ExportIndexFirestore,
                index.span,
                format!(
                    "export firestore: index {} of {}: {why}",
                    index.db_name, table.name
                ),
            )
            .at_path(path.clone())
            .with_help("Firestore has no such index: enforce it in the application, or drop it"),
        );
    };
    if index.predicate.is_some() {
        lost("Firestore has no partial indexes", diags);
        return None;
    }
    let mut fields = Vec::new();
    for part in &index.parts {
        let IndexPart::Column { name, order, .. } = part else {
            lost("Firestore indexes fields, not expressions", diags);
            return None;
        };
        fields.push(field(table, name, *order, index.method));
    }
    if index.unique {
        lost(
            "Firestore has no unique indexes (kept as a plain index when it has several fields)",
            diags,
        );
    }
    (fields.len() > 1).then(|| {
        json!({
            "collectionGroup": collection_id(&table.name),
            "queryScope": "COLLECTION",
            "fields": fields,
        })
    })
}

/// One field of a composite index: `array-contains` for a GIN index, else its order.
fn field(table: &Table, column: &str, order: SortOrder, method: IndexMethod) -> Value {
    let field_path = field_path(table, column);
    if method == IndexMethod::Gin {
        return json!({ "fieldPath": field_path, "arrayConfig": "CONTAINS" });
    }
    let order = match order {
        SortOrder::Asc => "ASCENDING",
        SortOrder::Desc => "DESCENDING",
    };
    json!({ "fieldPath": field_path, "order": order })
}

/// The field a column holds: `__name__` for the single-column key, else its logical name.
fn field_path(table: &Table, column: &str) -> String {
    let is_key = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns == [column]);
    if is_key {
        return "__name__".into();
    }
    table
        .column(column)
        .map_or_else(|| column.to_string(), |c| c.name.clone())
}

/// `firestore.rules`: one `match` per collection with rules; everything else is denied, as
/// Firestore denies what no rule allows.
fn rules(system: &System, diags: &mut Vec<Diagnostic>) -> String {
    let claims = Claims::of(system);
    let mut text = String::from(
        "rules_version = '2';\n\n// Exported by `schemagen export --to firestore`. What no rule allows is denied.\n\
         service cloud.firestore {\n  match /databases/{database}/documents {\n",
    );
    for access in &system.access.tables {
        let Some(table) = system.tables.iter().find(|t| t.db_name == access.table) else {
            continue;
        };
        writeln!(text, "    match {} {{", match_path(&table.name)).unwrap();
        if access.shared {
            text.push_str("      allow read, write: if request.auth != null;\n");
        } else {
            for (verb, command) in VERBS {
                let condition = condition(table, &access.rules, command, &claims, diags);
                writeln!(text, "      allow {verb}: if {condition};").unwrap();
            }
        }
        text.push_str("    }\n");
    }
    text.push_str("  }\n}\n");
    text
}

const VERBS: [(&str, Command); 4] = [
    ("read", Command::Select),
    ("create", Command::Insert),
    ("update", Command::Update),
    ("delete", Command::Delete),
];

/// Where the tenant and role come from: the token's custom claims.
struct Claims {
    tenant: String,
    role: String,
}

impl Claims {
    fn of(system: &System) -> Claims {
        match system.access.settings().context {
            Context::Supabase {
                tenant_claim,
                role_claim,
            } => Claims {
                tenant: tenant_claim,
                role: role_claim,
            },
            Context::Settings { .. } => Claims {
                tenant: "tenant_id".into(),
                role: "role".into(),
            },
        }
    }
}

/// The rules for one command, as RLS combines them: any permissive rule, and every tenant rule;
/// a bypassing role allows whatever the others say.
fn condition(
    table: &Table,
    rules: &[Rule],
    command: Command,
    claims: &Claims,
    diags: &mut Vec<Diagnostic>,
) -> String {
    // The document as it is (read, update, delete) or will be (create).
    let doc = if command == Command::Insert {
        "request.resource.data"
    } else {
        "resource.data"
    };
    let mut permissive = Vec::new();
    let mut tenant = Vec::new();
    let mut bypass = Vec::new();
    for rule in rules.iter().filter(|r| r.commands.contains(&command)) {
        let field = |f: &crate::ir::access::FieldRef| format!("{doc}.{}", f.field);
        match &rule.kind {
            RuleKind::Tenant { field: f } => tenant.push(format!(
                "{} == request.auth.token.{}",
                field(f),
                claims.tenant
            )),
            RuleKind::Owner { field: f } => {
                permissive.push(format!("{} == request.auth.uid", field(f)))
            }
            RuleKind::Public { field: f, values } if values.is_empty() => {
                permissive.push(format!("{} == true", field(f)))
            }
            RuleKind::Public { field: f, values } => {
                permissive.push(format!("{} in {}", field(f), string_list(values)))
            }
            RuleKind::Role { roles, bypass: b } => {
                let role = format!(
                    "request.auth.token.{} in {}",
                    claims.role,
                    string_list(roles)
                );
                if *b {
                    bypass.push(role)
                } else {
                    permissive.push(role)
                }
            }
            RuleKind::Member { .. } | RuleKind::Sql { .. } => {
                let what = if matches!(rule.kind, RuleKind::Sql { .. }) {
                    "an `sql` rule"
                } else {
                    "a `member` rule"
                };
                diags.push(
                    Diagnostic::error(
                        Code::ExportRule,
                        rule.span,
                        format!("export firestore: {what} of {} has no firestore.rules form: it allows nothing there", table.name),
                    )
                    .at_path(format!("{}.access", table.name))
                    .with_help("write the condition in firestore.rules by hand (e.g. `exists(/databases/$(database)/documents/members/$(request.auth.uid))`)"),
                );
            }
        }
    }
    let any = |list: &[String]| match list {
        [] => "false".to_string(),
        [one] => one.clone(),
        many => format!("({})", many.join(" || ")),
    };
    let mut alternatives = Vec::new();
    if !permissive.is_empty() {
        let mut all = vec!["request.auth != null".to_string(), any(&permissive)];
        all.extend(tenant);
        alternatives.push(all.join(" && "));
    }
    if !bypass.is_empty() {
        alternatives.push(format!("request.auth != null && {}", any(&bypass)));
    }
    match alternatives.as_slice() {
        [] => "false".into(),
        [one] => one.clone(),
        many => many
            .iter()
            .map(|a| format!("({a})"))
            .collect::<Vec<_>>()
            .join(" || "),
    }
}

/// `posts/comments` → `/posts/{postsId}/comments/{id}`: a subcollection below its parent.
fn match_path(collection: &str) -> String {
    let segments: Vec<&str> = collection.split('/').collect();
    let mut path = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if i + 1 == segments.len() {
            write!(path, "/{segment}/{{id}}").unwrap();
        } else {
            write!(path, "/{segment}/{{{}Id}}", identifier(segment)).unwrap();
        }
    }
    path
}

/// The collection ID: the last segment of a subcollection's path.
fn collection_id(collection: &str) -> &str {
    collection.rsplit('/').next().unwrap_or(collection)
}

fn identifier(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn string_list(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).expect("a string serializes"))
        .collect();
    format!("[{}]", quoted.join(", "))
}
