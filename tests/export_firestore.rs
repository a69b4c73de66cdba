//! `schemagen export --to firestore`: `firestore.indexes.json` follows Firebase's documented
//! format (a JSON Schema written from https://firebase.google.com/docs/reference/firestore/indexes,
//! shown catching broken documents), every index names its collection's real fields, and
//! `firestore.rules` says the access rules (owner, public, role, tenant) as Firestore conditions.

mod support;

use schemagen::diagnostics::Code;
use schemagen::ir::System;
use schemagen::render::export::{self, Target};
use serde_json::{json, Value};
use support::TempDir;

/// Firebase's index definition format: `indexes[]` (collectionGroup, queryScope, fields[] with
/// fieldPath and exactly one of order, arrayConfig, vectorConfig) and `fieldOverrides[]`
/// (collectionGroup, fieldPath, ttl, indexes[] with order or arrayConfig and queryScope).
fn firebase_schema() -> Value {
    let scope = json!({ "enum": ["COLLECTION", "COLLECTION_GROUP"] });
    let order = json!({ "enum": ["ASCENDING", "DESCENDING"] });
    let array = json!({ "enum": ["CONTAINS"] });
    let field = json!({
        "type": "object",
        "required": ["fieldPath"],
        "additionalProperties": false,
        "properties": {
            "fieldPath": { "type": "string", "minLength": 1 },
            "order": order,
            "arrayConfig": array,
            "vectorConfig": { "type": "object" },
        },
        "oneOf": [
            { "required": ["order"] },
            { "required": ["arrayConfig"] },
            { "required": ["vectorConfig"] },
        ],
    });
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "indexes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["collectionGroup", "queryScope", "fields"],
                    "additionalProperties": false,
                    "properties": {
                        "collectionGroup": { "type": "string", "pattern": "^[^/]+$" },
                        "queryScope": scope,
                        "density": { "enum": ["SPARSE_ALL", "SPARSE_ANY", "DENSE"] },
                        "fields": { "type": "array", "minItems": 2, "items": field },
                    },
                },
            },
            "fieldOverrides": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["collectionGroup", "fieldPath", "indexes"],
                    "additionalProperties": false,
                    "properties": {
                        "collectionGroup": { "type": "string", "pattern": "^[^/]+$" },
                        "fieldPath": { "type": "string" },
                        "ttl": { "type": "boolean" },
                        "indexes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": false,
                                "properties": { "order": order, "arrayConfig": array, "queryScope": scope },
                            },
                        },
                    },
                },
            },
        },
    })
}

fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Every system the tests know, compiled.
fn every_system() -> Vec<(String, System)> {
    let own = support::repo_root().join("tests/oracle/systems");
    let cases = support::cases()
        .into_iter()
        .filter(|case| !case.label.starts_with("scenario-"))
        .chain([support::Case::new("oracle".into(), own)]);
    let mut systems = Vec::new();
    for case in cases {
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for system in run.systems {
            systems.push((format!("{} / {}", case.label, system.name), system));
        }
    }
    systems
}

fn export(system: &System) -> (Value, String, Vec<Code>) {
    let exported = export::export(std::slice::from_ref(system), Target::Firestore).unwrap();
    let file = |name: &str| exported.files[&format!("{}/{name}", system.name)].clone();
    let indexes = serde_json::from_str(&file("firestore.indexes.json")).unwrap();
    let codes = exported.diagnostics.iter().map(|d| d.code).collect();
    (indexes, file("firestore.rules"), codes)
}

#[test]
fn every_firestore_indexes_json_follows_firebases_format_and_names_real_fields() {
    let validator = jsonschema::validator_for(&firebase_schema()).unwrap();
    let mut failures = Vec::new();
    let mut composites = 0;
    let systems = every_system();
    for (label, system) in &systems {
        let (indexes, rules, _) = export(system);
        failures.extend(
            problems(&validator, &indexes)
                .into_iter()
                .map(|p| format!("{label}: {p}")),
        );
        for index in indexes["indexes"].as_array().unwrap() {
            composites += 1;
            let group = index["collectionGroup"].as_str().unwrap();
            let table = system
                .tables
                .iter()
                .find(|t| t.name.rsplit('/').next() == Some(group));
            let Some(table) = table else {
                failures.push(format!("{label}: no collection {group}"));
                continue;
            };
            for field in index["fields"].as_array().unwrap() {
                let path = field["fieldPath"].as_str().unwrap();
                let known = path == "__name__" || table.columns.iter().any(|c| c.name == path);
                if !known {
                    failures.push(format!("{label}: {group} has no field {path}"));
                }
            }
        }
        let balanced = rules.matches('{').count() == rules.matches('}').count();
        if !balanced || !rules.starts_with("rules_version = '2';") {
            failures.push(format!(
                "{label}: firestore.rules is not well formed:\n{rules}"
            ));
        }
    }
    eprintln!("{} systems, {composites} composite indexes", systems.len());
    assert!(
        systems.len() >= 40 && composites >= 20,
        "{} systems, {composites} indexes",
        systems.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_format_check_catches_broken_documents() {
    let validator = jsonschema::validator_for(&firebase_schema()).unwrap();
    let good = json!({ "indexes": [{
        "collectionGroup": "posts", "queryScope": "COLLECTION",
        "fields": [{ "fieldPath": "a", "order": "ASCENDING" }, { "fieldPath": "b", "arrayConfig": "CONTAINS" }],
    }], "fieldOverrides": [] });
    assert_eq!(problems(&validator, &good), Vec::<String>::new());
    let broken = [
        ("/indexes/0/fields/0/order", "ASC"),
        ("/indexes/0/queryScope", "DATABASE"),
        ("/indexes/0/collectionGroup", "posts/comments"),
    ];
    for (pointer, value) in broken {
        let mut document = good.clone();
        *document.pointer_mut(pointer).unwrap() = json!(value);
        assert!(
            !problems(&validator, &document).is_empty(),
            "{pointer} = {value} passed"
        );
    }
    let mut both = good.clone();
    both["indexes"][0]["fields"][0]["arrayConfig"] = json!("CONTAINS");
    assert!(
        !problems(&validator, &both).is_empty(),
        "order and arrayConfig together passed"
    );
    let mut one_field = good.clone();
    one_field["indexes"][0]["fields"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert!(
        !problems(&validator, &one_field).is_empty(),
        "a one-field composite passed"
    );
}

#[test]
fn access_rules_become_firestore_conditions_and_the_rest_is_reported() {
    let systems = every_system();
    let find = |label: &str| &systems.iter().find(|(l, _)| l == label).unwrap().1;

    let (indexes, rules, codes) = export(find("schemas / mitche"));
    // Owner, public values and roles, as Firestore spells them; a subcollection below its parent.
    for line in [
        "    match /conversations/{conversationsId}/messages/{id} {",
        "      allow read: if (request.auth != null && (resource.data.authorId == request.auth.uid || resource.data.status in [\"open\", \"inProgress\", \"fulfilled\", \"closed\", \"expired\"])) || (request.auth != null && request.auth.token.role in [\"admin\", \"moderator\"]);",
        "      allow create: if request.auth != null && request.resource.data.userId == request.auth.uid;",
    ] {
        assert!(rules.lines().any(|l| l == line), "no line {line}\n{rules}");
    }
    // A member rule has no rules form: reported, and it allows nothing.
    assert!(codes.contains(&Code::ExportRule), "{codes:?}");
    assert!(codes.contains(&Code::ExportFirestoreSchema), "{codes:?}");
    let groups: Vec<&str> = indexes["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["collectionGroup"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"messages"), "{groups:?}");

    // The tenant rule is ANDed with the permissive ones (restrictive, as in the database).
    let (_, rules, _) = export(find("fixture-access_workspace / workspace"));
    assert!(
        rules.contains("request.auth.token.tenant_id"),
        "no tenant condition:\n{rules}"
    );

    // Unique and expression indexes have no Firestore form.
    let (_, _, codes) = export(find("fixture-firestore_indexes / places"));
    assert!(codes.contains(&Code::ExportIndexFirestore), "{codes:?}");
}
