//! A Payload-style system's YAML files → the Payload config (as JSON) a Payload team would have
//! written, so Payload's own pipeline (`tests/oracle/payload-sql.mjs`) can say which database
//! it makes. The YAML *is* Payload's config with TypeScript turned into YAML, so this is mostly
//! a copy: the collections of every file in order, and the config-level keys. What is left out
//! is what only schemagen reads (`access` as row-level rules, `renamedFrom`, `seed`,
//! `acceptDataLoss`) and what Payload holds as functions (`hooks`, `validate`, `filterOptions`),
//! which JSON cannot carry and no database shape depends on. A `richText` field needs an editor
//! object in Payload; it becomes `json`, the same `jsonb` column.
#![allow(dead_code)]

use schemagen::load::Node;
use serde_json::{Map, Value};

/// Every file says `flavor: payload`.
pub fn is_pure_payload(files: &[Node]) -> bool {
    !files.is_empty()
        && files
            .iter()
            .all(|f| f.get("flavor").and_then(Node::as_str) == Some("payload"))
}

/// File keys that are Payload config keys, lists joined across the system's files.
const LISTS: &[&str] = &["collections", "globals", "blocks"];
/// File keys that are Payload config keys holding one value (the first file that sets it wins;
/// schemagen refuses two different values).
const SINGLE: &[&str] = &["idType", "localization"];
/// Keys only schemagen reads, or that Payload holds as functions: never sent.
const DROPPED: &[&str] = &[
    "access",
    "renamedFrom",
    "hooks",
    "validate",
    "filterOptions",
];

/// The auth collection the oracle adds to a config that has none: Payload requires an admin
/// user collection and would otherwise add its default `users`, which may clash with a
/// system's own `users` collection. Its tables are Payload's alone.
pub const ORACLE_ADMINS: &str = "oracle-admins";

/// The config JSON for one system's parsed files.
pub fn to_config(files: &[Node]) -> Value {
    let mut config = Map::new();
    for file in files {
        let Value::Object(root) = file.to_json() else {
            continue;
        };
        for (key, value) in root {
            if LISTS.contains(&key.as_str()) {
                let list = config
                    .entry(key)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let (Value::Array(list), Value::Array(items)) = (list, value) {
                    list.extend(items.into_iter().map(clean));
                }
            } else if SINGLE.contains(&key.as_str()) {
                config.entry(key).or_insert_with(|| clean(value));
            }
        }
    }
    let collections = config
        .entry("collections")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = collections {
        let has_auth = list
            .iter()
            .any(|c| !matches!(c.get("auth"), None | Some(Value::Bool(false))));
        if !has_auth {
            list.push(serde_json::json!({ "slug": ORACLE_ADMINS, "auth": true, "fields": [] }));
            config.insert("admin".into(), serde_json::json!({ "user": ORACLE_ADMINS }));
        }
    }
    Value::Object(config)
}

/// Drops schemagen-only and function keys at every level (but never inside a `defaultValue`,
/// which is data), and turns `richText` into `json`.
fn clean(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                if DROPPED.contains(&key.as_str()) {
                    continue;
                }
                let value = match key.as_str() {
                    "defaultValue" => value,
                    "type" if value == "richText" => Value::String("json".into()),
                    _ => clean(value),
                };
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(clean).collect()),
        other => other,
    }
}
