//! A Prisma-style system's YAML files → the `schema.prisma` a Prisma team would have written,
//! so Prisma's own schema engine can say which database it makes. Model bodies are copied
//! verbatim (that is the flavour's promise); the YAML keys that stand for Prisma attributes
//! (`map:`, `schema:`) become `@@map`/`@@schema` lines. The YAML-only extras (`indexes:`,
//! `checks:`, `comment:`, `partition:`) have no Prisma spelling: they are left out and returned, so the
//! comparison knows which objects only schemagen may make.
#![allow(dead_code)]

use schemagen::load::Node;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What the comparison needs besides the schema: the extras each model's YAML asks for.
#[derive(Debug, Default)]
pub struct PrismaSchema {
    pub text: String,
    /// Model name → its YAML-only objects.
    pub yaml_only: BTreeMap<String, YamlOnly>,
}

#[derive(Debug, Default)]
pub struct YamlOnly {
    /// `indexes:` entries with a `name:`.
    pub named_indexes: BTreeSet<String>,
    /// `indexes:` entries without one (named by Prisma's rules, which the test does not redo).
    pub unnamed_indexes: usize,
    /// `checks:` constraint names.
    pub checks: BTreeSet<String>,
    /// Columns of fields the `access:` key stores encrypted (pgcrypto `bytea`, where Prisma has the plain type).
    pub encrypted: BTreeSet<String>,
    /// The `partition:` key: the table is partitioned and its partitions are tables of their own.
    pub partitioned: bool,
}

/// Every file says `flavor: prisma`.
pub fn is_pure_prisma(files: &[Node]) -> bool {
    !files.is_empty()
        && files
            .iter()
            .all(|f| f.get("flavor").and_then(Node::as_str) == Some("prisma"))
}

/// The `schema.prisma` for one system's parsed files.
pub fn to_prisma(files: &[Node]) -> Result<PrismaSchema, String> {
    let mut blocks = Vec::new();
    let mut schemas = BTreeSet::new();
    let mut yaml_only = BTreeMap::new();
    for file in files {
        let file_schema = str_key(file, "schema").unwrap_or("public");
        for (name, node) in entries(file, "enums") {
            let (body, schema) = enum_body(name, node, file_schema)?;
            schemas.insert(schema.clone());
            blocks.push(Block {
                keyword: "enum",
                name,
                body,
                schema,
            });
        }
        for (name, node) in entries(file, "models") {
            let (body, schema) = model_body(name, node, file_schema)?;
            schemas.insert(schema.clone());
            yaml_only.insert(name.to_string(), yaml_only_objects(node));
            blocks.push(Block {
                keyword: "model",
                name,
                body,
                schema,
            });
        }
    }
    // With only `public`, a plain single-schema datasource, as most Prisma teams have.
    let multi_schema = schemas.iter().any(|s| *s != "public");
    // `@db.Citext` needs the citext extension, which Prisma creates only when the datasource
    // lists it (a preview feature in Prisma 6).
    let citext = blocks.iter().any(|b| b.body.contains("@db.Citext"));
    let mut text = String::new();
    if citext {
        text.push_str("generator client {\n  provider        = \"prisma-client-js\"\n  previewFeatures = [\"postgresqlExtensions\"]\n}\n\n");
    }
    text.push_str("datasource db {\n  provider = \"postgresql\"\n");
    if citext {
        text.push_str("  extensions = [citext]\n");
    }
    if multi_schema {
        let list: Vec<String> = schemas.iter().map(|s| format!("{s:?}")).collect();
        writeln!(text, "  schemas  = [{}]", list.join(", ")).unwrap();
    }
    text.push_str("}\n");
    for block in blocks {
        writeln!(text, "\n{} {} {{", block.keyword, block.name).unwrap();
        text.push_str(&block.body);
        // With `schemas = [...]`, Prisma wants every model and enum to name its schema.
        if multi_schema && !has_block_attribute(&block.body, "schema") {
            writeln!(text, "  @@schema({:?})", block.schema).unwrap();
        }
        text.push_str("}\n");
    }
    Ok(PrismaSchema { text, yaml_only })
}

struct Block<'a> {
    keyword: &'static str,
    name: &'a str,
    /// The lines between the braces, each ending in a line break.
    body: String,
    schema: String,
}

/// An enum's value lines plus `@@map` from `map:`; and its schema.
fn enum_body(name: &str, node: &Node, file_schema: &str) -> Result<(String, String), String> {
    // Short form: the node is the list of values.
    let values = node.get("values").unwrap_or(node);
    let mut body = String::new();
    if let Some(items) = values.as_seq() {
        for item in items {
            let value = item
                .scalar_text()
                .ok_or_else(|| format!("enum {name}: a value is {}", item.kind()))?;
            writeln!(body, "  {value}").unwrap();
        }
    } else if let Some(block) = values.as_str() {
        push_lines(&mut body, block);
    } else {
        return Err(format!("enum {name}: values are {}", values.kind()));
    }
    add_map(&mut body, node);
    let schema = schema_of(&body, node, file_schema);
    Ok((body, schema))
}

/// A model's `fields` (block verbatim, or map form `name: line` as `name line`) plus `@@map`
/// from `map:`; and its schema.
fn model_body(name: &str, node: &Node, file_schema: &str) -> Result<(String, String), String> {
    let fields = node
        .get("fields")
        .ok_or_else(|| format!("model {name} has no fields"))?;
    let mut body = String::new();
    if let Some(block) = fields.as_str() {
        push_lines(&mut body, block);
    } else if let Some(map) = fields.as_map() {
        for (field, line) in map {
            let line = line
                .scalar_text()
                .ok_or_else(|| format!("model {name}: field {} is {}", field.name, line.kind()))?;
            writeln!(body, "  {} {line}", field.name).unwrap();
        }
    } else {
        return Err(format!("model {name}: fields are {}", fields.kind()));
    }
    add_map(&mut body, node);
    let schema = schema_of(&body, node, file_schema);
    Ok((body, schema))
}

fn push_lines(body: &mut String, block: &str) {
    for line in block.lines() {
        writeln!(body, "  {line}").unwrap();
    }
}

/// The YAML `map:` key as `@@map`, unless the body says it already (the loader rejects the
/// two disagreeing).
fn add_map(body: &mut String, node: &Node) {
    if let Some(map) = str_key(node, "map") {
        if !has_block_attribute(body, "map") {
            writeln!(body, "  @@map({map:?})").unwrap();
        }
    }
}

/// `@@schema("x")` in the body, else the YAML `schema:` key, else the file's schema.
fn schema_of(body: &str, node: &Node, file_schema: &str) -> String {
    if has_block_attribute(body, "schema") {
        let quoted = body.split("@@schema(").nth(1).unwrap_or_default();
        let name = quoted.trim_start().trim_start_matches('"');
        return name[..name.find('"').unwrap_or(name.len())].to_string();
    }
    str_key(node, "schema").unwrap_or(file_schema).to_string()
}

fn has_block_attribute(body: &str, attribute: &str) -> bool {
    let prefix = format!("@@{attribute}(");
    body.lines()
        .any(|line| line.trim_start().starts_with(&prefix))
}

fn yaml_only_objects(model: &Node) -> YamlOnly {
    let mut extras = YamlOnly::default();
    for index in model
        .get("indexes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        match str_key(index, "name") {
            Some(name) => {
                extras.named_indexes.insert(name.to_string());
            }
            None => extras.unnamed_indexes += 1,
        }
    }
    for (name, _) in model
        .get("checks")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        extras.checks.insert(name.name.clone());
    }
    let encrypted = model
        .get("access")
        .and_then(|a| a.get("encrypted"))
        .and_then(Node::as_seq);
    let body = str_key(model, "fields").unwrap_or_default();
    for field in encrypted
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
    {
        extras.encrypted.insert(column_of(body, field));
    }
    extras.partitioned = model.get("partition").is_some();
    extras
}

/// The database column of a field in a `fields: |` body: its `@map("...")`, else its name.
fn column_of(body: &str, field: &str) -> String {
    let line = body
        .lines()
        .map(str::trim_start)
        .find(|l| l.split_whitespace().next() == Some(field));
    line.and_then(|l| l.split("@map(\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or(field)
        .to_string()
}

fn str_key<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

/// The `(name, value)` pairs of a map-valued key (none when absent).
fn entries<'a>(node: &'a Node, key: &str) -> impl Iterator<Item = (&'a str, &'a Node)> {
    node.get(key)
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| (k.name.as_str(), v))
}
