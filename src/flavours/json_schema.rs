//! A JSON Schema per flavour (and one for `schemagen.yaml`), so an editor's YAML support
//! (VS Code's YAML extension, through the `# yaml-language-server: $schema=…` line) completes
//! keys and flags typos as the user types.
//!
//! The key names come from the same tables the flavours check keys against (`keys` in each
//! flavour, `access.rs`, `config::KEYS`): only the nesting is written here, so a key added to
//! a flavour reaches the schema without a second list to keep in step. Values the flavours
//! read themselves (Prisma field lines, rules, defaults) are left open: the schema is about
//! keys and shapes, the flavours still judge the rest.

use super::{access, firestore, payload, prisma};
use serde_json::{json, Map, Value};

/// Every schema, as `(file name, JSON text)`, in a stable order.
pub fn all() -> Vec<(String, String)> {
    [
        ("prisma.json", prisma_file()),
        ("payload.json", payload_file()),
        ("firestore.json", firestore_file()),
        ("schemagen.json", config_file()),
    ]
    .into_iter()
    .map(|(name, schema)| {
        let text = serde_json::to_string_pretty(&schema).expect("a JSON value prints");
        (name.to_string(), text + "\n")
    })
    .collect()
}

/// A map with exactly `keys`, each value as `value_of` says (anything when it says `None`).
fn object(keys: &[&str], value_of: impl Fn(&str) -> Option<Value>) -> Value {
    let properties: Map<String, Value> = keys
        .iter()
        .map(|key| (key.to_string(), value_of(key).unwrap_or_else(|| json!({}))))
        .collect();
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}

/// A map from names the user picks to `value`; an empty key (`fields:`) or `[]` counts as
/// empty, as the flavours read it.
fn named(value: Value) -> Value {
    json!({ "anyOf": [
        { "type": "object", "additionalProperties": value },
        { "type": "null" },
        { "type": "array", "maxItems": 0 },
    ] })
}

/// `value`, or nothing at all (a collection with no keys yet: `drafts:`).
fn maybe(value: Value) -> Value {
    json!({ "anyOf": [value, { "type": "null" }] })
}

fn list(item: Value) -> Value {
    json!({ "type": "array", "items": item })
}

fn text() -> Value {
    json!({ "type": "string" })
}

fn one_of_names(names: &[&str]) -> Value {
    json!({ "enum": names })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

/// The top level of a file: its title, what it is, and the definitions it refers to.
fn document(title: &str, top: Value, defs: Value) -> Value {
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
    });
    let (Value::Object(schema_map), Value::Object(top)) = (&mut schema, top) else {
        unreachable!("both are objects")
    };
    schema_map.extend(top);
    if defs.as_object().is_some_and(|d| !d.is_empty()) {
        schema_map.insert("$defs".into(), defs);
    }
    schema
}

/// The keys every flavour's file has beside its own: `flavor` and the shared top-level lists.
fn file_key(flavour: &str, key: &str) -> Option<Value> {
    match key {
        "flavor" => Some(json!({ "const": flavour })),
        "access" => Some(settings()),
        "acceptDataLoss" | "extensions" => Some(list(text())),
        _ => None,
    }
}

fn with_required(mut schema: Value, keys: &[&str]) -> Value {
    schema["required"] = json!(keys);
    schema
}

/// A table's `access:` (a collection's `rules:` in Firestore): `shared`, or rules by command.
/// The same in every flavour: one definition (`#/$defs/tableAccess`) each file refers to.
fn table_access() -> Value {
    let rule = object(access::RULE_KEYS, |_| None);
    let rules = json!({ "anyOf": [rule, list(rule.clone())] });
    let by_key = object(access::TABLE_KEYS, |key| match key {
        "shared" => Some(json!({ "type": "boolean" })),
        "tenant" | "owner" | "encrypted" => None,
        _ => Some(rules.clone()),
    });
    json!({ "anyOf": [{ "const": "shared" }, by_key] })
}

/// A file's top-level `access:`: the system's access settings.
fn settings() -> Value {
    object(access::SETTINGS_KEYS, |key| {
        (key == "tables").then(|| named(reference("tableAccess")))
    })
}

fn prisma_file() -> Value {
    use prisma::keys;
    let values = json!({ "anyOf": [text(), list(text())] });
    let enum_ = object(keys::ENUM, |key| (key == "values").then(|| values.clone()));
    let partition = object(keys::PARTITION, |key| {
        (key == "monthly").then(|| object(keys::MONTHLY, |_| None))
    });
    let model = object(keys::MODEL, |key| match key {
        // Field lines as one block, or one line per field name (the map form).
        "fields" => Some(json!({ "anyOf": [text(), named(text())] })),
        "map" | "schema" | "comment" | "renamedFrom" => Some(text()),
        "indexes" => Some(list(object(keys::INDEX, |_| None))),
        "checks" => Some(named(text())),
        "access" => Some(reference("tableAccess")),
        "partition" => Some(partition.clone()),
        _ => None,
    });
    let file = object(keys::FILE, |key| match key {
        "schema" => Some(text()),
        "enums" => Some(named(json!({ "anyOf": [list(text()), enum_.clone()] }))),
        "models" => Some(named(model.clone())),
        _ => file_key("prisma", key),
    });
    document(
        "schemagen: a Prisma-style schema file",
        with_required(file, &["flavor"]),
        json!({ "tableAccess": table_access() }),
    )
}

fn firestore_file() -> Value {
    use firestore::keys;
    let field = json!({ "anyOf": [text(), object(keys::FIELD, |key| {
        (key == "fields").then(|| named(reference("field")))
    })] });
    let index = json!({ "anyOf": [list(text()), object(keys::INDEX, |key| {
        (key == "fields").then(|| list(text()))
    })] });
    let collection = object(keys::COLLECTION, |key| match key {
        "fields" => Some(named(reference("field"))),
        "subcollections" => Some(named(maybe(reference("collection")))),
        "indexes" => Some(list(index.clone())),
        "access" => Some(reference("tableAccess")),
        // Firestore's own security rules, kept beside the schema and not read.
        "rules" => None,
        "comment" | "table" | "renamedFrom" => Some(text()),
        _ => None,
    });
    let file = object(keys::FILE, |key| match key {
        "collections" => Some(named(maybe(reference("collection")))),
        "schema" => Some(text()),
        _ => file_key("firestore", key),
    });
    document(
        "schemagen: a Firestore-style schema file",
        with_required(file, &["flavor"]),
        json!({ "field": field, "collection": collection, "tableAccess": table_access() }),
    )
}

fn payload_file() -> Value {
    use payload::keys;
    let nested = |key: &str| match key {
        "fields" => Some(list(reference("field"))),
        "tabs" => Some(list(reference("tab"))),
        "blocks" => Some(list(reference("block"))),
        _ => None,
    };
    // A field's keys depend on its `type`: one `if type is … then these keys` per type.
    let by_type: Vec<Value> = keys::TYPES
        .iter()
        .map(|ty| {
            let allowed: Vec<&str> = match *ty {
                "row" | "collapsible" => keys::LAYOUT.to_vec(),
                "tabs" => keys::TABS.to_vec(),
                "ui" => keys::UI.to_vec(),
                // An unnamed group is a layout; a named one holds data.
                "group" => [keys::FIELD, keys::extra_keys(ty), keys::LAYOUT].concat(),
                _ => [keys::FIELD, keys::extra_keys(ty)].concat(),
            };
            json!({
                "if": { "properties": { "type": { "const": ty } }, "required": ["type"] },
                "then": object(&allowed, nested),
            })
        })
        .collect();
    let field = json!({
        "type": "object",
        "required": ["type"],
        "properties": { "type": one_of_names(keys::TYPES) },
        "allOf": by_type,
    });
    let flag_or =
        |keys: &[&str]| json!({ "anyOf": [{ "type": "boolean" }, object(keys, |_| None)] });
    let collection = object(keys::COLLECTION, |key| match key {
        "slug" | "dbName" | "renamedFrom" => Some(text()),
        "auth" => Some(flag_or(keys::AUTH)),
        "upload" => Some(flag_or(keys::UPLOAD)),
        "indexes" => Some(list(object(keys::INDEX, |_| None))),
        // A collection's `access` is schemagen's rules; a field's is Payload's, not read.
        "access" => Some(reference("tableAccess")),
        _ => nested(key),
    });
    let file = object(keys::FILE, |key| match key {
        "collections" => Some(list(with_required(collection.clone(), &["slug"]))),
        _ => file_key("payload", key),
    });
    document(
        "schemagen: a Payload-style schema file",
        with_required(file, &["flavor"]),
        json!({
            "field": field,
            "tab": object(keys::TAB, nested),
            "block": json!({ "anyOf": [text(), object(keys::BLOCK, nested)] }),
            "tableAccess": table_access(),
        }),
    )
}

fn config_file() -> Value {
    use crate::config;
    let file = object(config::KEYS, |key| match key {
        "targets" => Some(list(one_of_names(crate::render::Target::NAMES))),
        "identifiers" => Some(one_of_names(config::IDENTIFIER_POLICIES)),
        "allowWarnings" => Some(list(one_of_names(&config::allowable_warnings()))),
        "rust" => Some(object(config::RUST_KEYS, |_| {
            Some(json!({ "type": "boolean" }))
        })),
        _ => Some(text()),
    });
    document(
        "schemagen: project settings (schemagen.yaml)",
        file,
        json!({}),
    )
}
