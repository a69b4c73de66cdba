//! The JSON Schemas editors use (`schemagen json-schema`, committed in `docs/json-schema/`):
//! every schema file the project ships or tests with validates against its flavour's schema,
//! checked by a JSON Schema validator (the `jsonschema` crate); a misspelled key is flagged;
//! and the committed copies are what the binary writes.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn schemas() -> BTreeMap<String, Value> {
    schemagen::flavours::json_schema::all()
        .into_iter()
        .map(|(name, text)| {
            let flavour = name.trim_end_matches(".json").to_string();
            (flavour, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("not a valid JSON Schema: {e}"))
}

/// The YAML as the JSON value an editor's YAML support validates.
fn yaml_value(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every problem the validator finds, one line each.
fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every `.yaml` file below `dir`, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// The seed systems, every `ok` fixture, every scenario version and the init starters.
fn schema_files() -> Vec<PathBuf> {
    let root = support::repo_root();
    [
        "schemas",
        "tests/fixtures/ok",
        "tests/scenarios",
        "src/init/starters",
    ]
    .iter()
    .flat_map(|dir| yaml_files(&root.join(dir)))
    .collect()
}

#[test]
fn every_shipped_and_tested_schema_file_validates() {
    let schemas = schemas();
    let validators: BTreeMap<&str, jsonschema::Validator> = schemas
        .iter()
        .map(|(flavour, schema)| (flavour.as_str(), validator(schema)))
        .collect();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in schema_files() {
        if path.extension().is_some_and(|e| e == "yml") {
            continue; // the CI workflow init writes
        }
        let value = yaml_value(&path);
        let is_config = path.file_name().is_some_and(|n| n == "schemagen.yaml");
        let flavour = if is_config {
            "schemagen"
        } else {
            value["flavor"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: no flavor", path.display()))
        };
        let found = problems(&validators[flavour], &value);
        if !found.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), found.join("\n  ")));
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} files found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{checked} schema files validate against their flavour's JSON Schema");
}

#[test]
fn a_misspelled_key_is_flagged_in_every_flavour() {
    let schemas = schemas();
    let root = support::repo_root().join("src/init/starters");
    let typos = [
        ("prisma", "    map: users", "    mapp: users", "mapp"),
        (
            "payload",
            "    timestamps: true",
            "    timestamp: true",
            "timestamp",
        ),
        (
            "firestore",
            "    subcollections:",
            "    subcolections:",
            "subcolections",
        ),
        ("schemagen", "targets:", "target:", "target"),
    ];
    for (flavour, right, wrong, key) in typos {
        let text = std::fs::read_to_string(root.join(format!("{flavour}.yaml"))).unwrap();
        assert!(text.contains(right), "{flavour}: the starter has `{right}`");
        let value: Value = serde_saphyr::from_str(&text.replacen(right, wrong, 1)).unwrap();
        let found = problems(&validator(&schemas[flavour]), &value);
        assert!(
            found.iter().any(|p| p.contains(key)),
            "{flavour}: `{key}` is not flagged: {found:?}"
        );
    }
    // A Payload field's keys depend on its type: `hasMany` fits `select`, not `checkbox`.
    let field = |ty: &str| {
        serde_json::json!({ "flavor": "payload", "collections": [
            { "slug": "posts", "fields": [{ "name": "f", "type": ty, "hasMany": true }] }
        ]})
    };
    let payload = validator(&schemas["payload"]);
    assert!(problems(&payload, &field("select")).is_empty());
    assert!(!problems(&payload, &field("checkbox")).is_empty());
}

#[test]
fn the_committed_schemas_are_what_the_binary_writes() {
    let dir = support::TempDir::new("json-schema");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(["json-schema", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = support::repo_root().join("docs/json-schema");
    for (name, _) in schemagen::flavours::json_schema::all() {
        let written = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        let kept = std::fs::read_to_string(committed.join(&name)).unwrap_or_default();
        assert!(
            written == kept,
            "docs/json-schema/{name} is stale: run `cargo run -- json-schema --out docs/json-schema`"
        );
    }
}
