//! A Payload-style system → the Payload 3 config files a Payload team keeps:
//! `collections/<Name>.ts`, `globals/<Name>.ts`, `blocks/<Name>.ts` and an `index.ts` for the
//! team's `buildConfig`, plus `extras.sql`.
//!
//! The Payload flavour's YAML *is* Payload's config with TypeScript turned into YAML, and its
//! structure (arrays, blocks, groups, tabs, versions, auth, upload) is lost in the IR; so the
//! config is translated from the loaded YAML ([`config`]), key by key, and laid out as
//! TypeScript by [`ts`]. What is left out is what only schemagen reads (`renamedFrom`, `seed`,
//! `acceptDataLoss`, `boundsChecks`, `payloadTables`) and what Payload holds as code (`hooks`,
//! `validate`, `filterOptions`, field `access`: W0883; an `admin.condition` becomes a stub
//! function, which keeps the column nullable as the condition does). A collection's access
//! rules become Payload `access` functions where a rule has one obvious form ([`access`]).
//!
//! The IR says what Payload cannot: the CHECKs of `min`/`max` bounds (Payload validates them in
//! the application) and the row level security of access rules go to `extras.sql`, the
//! migration from what Payload makes to the whole system. Tables of Prisma- or Firestore-style
//! files are refused (E0882): Payload derives every table and column name from a slug and a
//! field path, so a config cannot name them.

mod access;
mod ts;

use super::extras_sql;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{ScalarType, Span, System, Table};
use crate::load::{Node, Value as NodeValue};
use crate::render::code::Scope;
use crate::render::Templates;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Every file says `flavor: payload`.
pub fn is_payload_style(files: &[Node]) -> bool {
    !files.is_empty() && files.iter().all(is_payload_file)
}

fn is_payload_file(file: &Node) -> bool {
    file.get("flavor").and_then(Node::as_str) == Some("payload")
}

/// File keys that are Payload config lists, joined across the system's files.
const LISTS: &[&str] = &["collections", "globals", "blocks"];
/// Keys Payload holds as code (functions), which YAML cannot carry: never written.
const CODE: &[&str] = &["hooks", "validate", "filterOptions", "access"];
/// Keys only schemagen reads: never written.
const SCHEMAGEN_ONLY: &[&str] = &["renamedFrom"];

/// The Payload config of a system's Payload-style files, as data, in the order the YAML
/// says it: their `collections`, `globals` and `blocks` in file order, `idType` and
/// `localization` (the first file that sets them), without schemagen's own keys and the keys
/// Payload holds as code (at every level, never inside a `defaultValue`, which is data). The
/// TypeScript export lays it out; the Payload oracle feeds it to Payload's schema builder.
#[derive(Debug, Default)]
pub struct Config {
    pub collections: Vec<Node>,
    pub globals: Vec<Node>,
    pub blocks: Vec<Node>,
    pub id_type: Option<Node>,
    pub localization: Option<Node>,
}

impl Config {
    pub fn of(files: &[Node]) -> Config {
        let mut config = Config::default();
        for file in files.iter().filter(|f| is_payload_file(f)) {
            for (key, value) in file.as_map().into_iter().flatten() {
                let items = value.as_seq().into_iter().flatten().map(clean);
                match key.name.as_str() {
                    "collections" => config.collections.extend(items),
                    "globals" => config.globals.extend(items),
                    "blocks" => config.blocks.extend(items),
                    "idType" => _ = config.id_type.get_or_insert_with(|| clean(value)),
                    "localization" => _ = config.localization.get_or_insert_with(|| clean(value)),
                    _ => {}
                }
            }
        }
        config
    }

    /// The config as JSON: Payload's keys, `idType` (the Postgres adapter's option) beside them.
    pub fn to_json(&self) -> Value {
        let list = |items: &[Node]| Value::Array(items.iter().map(Node::to_json).collect());
        let mut config = Map::new();
        config.insert("collections".into(), list(&self.collections));
        config.insert("globals".into(), list(&self.globals));
        config.insert("blocks".into(), list(&self.blocks));
        for (key, value) in [
            ("idType", &self.id_type),
            ("localization", &self.localization),
        ] {
            if let Some(value) = value {
                config.insert(key.into(), value.to_json());
            }
        }
        Value::Object(config)
    }
}

fn clean(node: &Node) -> Node {
    let value = match &node.value {
        NodeValue::Map(entries) => NodeValue::Map(
            entries
                .iter()
                .filter(|(key, _)| !CODE.contains(&key.name.as_str()))
                .filter(|(key, _)| !SCHEMAGEN_ONLY.contains(&key.name.as_str()))
                .map(|(key, value)| {
                    let value = if key.name == "defaultValue" {
                        value.clone()
                    } else {
                        clean(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        NodeValue::Seq(items) => NodeValue::Seq(items.iter().map(clean).collect()),
        other => other.clone(),
    };
    Node {
        value,
        span: node.span,
    }
}

/// The files of one system: `collections/`, `globals/`, `blocks/`, `index.ts`, `extras.sql`.
pub fn render(
    system: &System,
    files: &[Node],
    templates: &Templates,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    let foreign = foreign_tables(system, files);
    if !foreign.is_empty() {
        diags.extend(foreign);
        return Ok(Vec::new());
    }
    report_code_keys(files, diags);
    let config = Config::of(files);
    let mut out = Vec::new();
    let mut names = Scope::with_reserved(ts::RESERVED);
    let mut index = ts::Index::default();
    for (folder, kind, items) in [
        ("collections", ts::Kind::Collection, &config.collections),
        ("globals", ts::Kind::Global, &config.globals),
        ("blocks", ts::Kind::Block, &config.blocks),
    ] {
        for item in items {
            let slug = item.get("slug").and_then(Node::as_str).unwrap_or_default();
            let name = names.claim(&ts::component_name(slug), "");
            let rules = access::functions(system, slug, kind, diags);
            out.push((
                format!("{folder}/{name}.ts"),
                ts::component(kind, &name, item, rules.as_deref()),
            ));
            index.add(kind, folder, name);
        }
    }
    let localization = config.localization.as_ref().map(ts::localization);
    let id_type = config
        .id_type
        .as_ref()
        .and_then(Node::as_str)
        .unwrap_or("serial");
    out.push((
        "index.ts".into(),
        index.render(&system.name, localization.as_deref(), id_type),
    ));
    report_database_losses(system, diags);
    if let Some(extras) = extras_sql(&said_by_payload(system), system, templates)? {
        out.push(("extras.sql".into(), extras));
    }
    Ok(out)
}

/// The database the exported config describes, as the IR: the system without its CHECKs
/// (every CHECK of a Payload-style table comes from `min`/`max` bounds, which Payload
/// validates in the application) and without its access rules (row level security).
fn said_by_payload(system: &System) -> System {
    let mut said = system.clone();
    said.access = Default::default();
    for table in &mut said.tables {
        table.checks.clear();
    }
    said
}

/// E0882 for every table that no Payload-style file made (a Prisma- or Firestore-style file of
/// the same system, or a system with no Payload-style file at all).
fn foreign_tables(system: &System, files: &[Node]) -> Vec<Diagnostic> {
    let payload_files: BTreeSet<u32> = files
        .iter()
        .filter(|f| is_payload_file(f))
        .map(|f| f.span.file)
        .collect();
    let foreign: Vec<&Table> = system
        .tables
        .iter()
        .filter(|t| !payload_files.contains(&t.span.file))
        .collect();
    if payload_files.is_empty() && !foreign.is_empty() {
        // One diagnostic for a system with no Payload-style file at all, not one per table.
        let d = Diagnostic::global(
            Code::ExportPayloadForeignTable,
            format!(
                "export payload: {} has no Payload-style file: Payload derives every table and column name from a collection's slug and field names, so a Payload config cannot name its {} tables ({}, …)",
                system.name,
                foreign.len(),
                foreign[0].db_name.name
            ),
        );
        return vec![d.at_path(system.name.clone()).with_help(FOREIGN_HELP)];
    }
    foreign
        .into_iter()
        .map(|table| {
            Diagnostic::error(
                Code::ExportPayloadForeignTable,
                table.span,
                format!(
                    "export payload: {} (table {}) is not from a Payload-style file: Payload derives every table and column name from a collection's slug and field names, so a Payload config cannot name it",
                    table.name, table.db_name.name
                ),
            )
            .at_path(table.name.clone())
            .with_help(FOREIGN_HELP)
        })
        .collect()
}

const FOREIGN_HELP: &str = "name only Payload-style systems (`schemagen export --to payload SYSTEM`), export this one to prisma or drizzle, or write its models as Payload collections (`schemagen convert --to payload`) first";

/// W0883 for each key the YAML holds that Payload holds as code: `hooks`, `validate`,
/// `filterOptions`, a field's `access` (left out) and `admin.condition` (a stub function).
fn report_code_keys(files: &[Node], diags: &mut Vec<Diagnostic>) {
    for file in files.iter().filter(|f| is_payload_file(f)) {
        for key in LISTS {
            for item in file.get(key).and_then(Node::as_seq).into_iter().flatten() {
                let slug = item.get("slug").and_then(Node::as_str).unwrap_or("?");
                walk_code_keys(item, slug, true, diags);
            }
        }
    }
}

fn walk_code_keys(node: &Node, path: &str, top: bool, diags: &mut Vec<Diagnostic>) {
    if let Some(entries) = node.as_map() {
        for (key, value) in entries {
            let here = match node.get("name").and_then(Node::as_str) {
                Some(name) if !top => format!("{path}.{name}"),
                _ => path.to_string(),
            };
            let code = CODE.contains(&key.name.as_str()) && !(top && key.name == "access");
            if code {
                diags.push(code_key(&here, &key.name, key.span, "is left out"));
            } else if key.name == "admin" && value.get("condition").is_some() {
                let span = value.get("condition").map_or(key.span, |c| c.span);
                diags.push(code_key(
                    &here,
                    "admin.condition",
                    span,
                    "is written as `condition: () => true`, which keeps the column nullable as the condition does",
                ));
            } else if key.name != "defaultValue" {
                walk_code_keys(value, &here, false, diags);
            }
        }
    } else if let Some(items) = node.as_seq() {
        for item in items {
            walk_code_keys(item, path, false, diags);
        }
    }
}

fn code_key(path: &str, key: &str, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ExportPayloadCode,
        span,
        format!("export payload: `{key}` of {path} is code in Payload, which the YAML cannot carry: it {what}"),
    )
    .at_path(path.to_string())
    .with_help(format!("write the `{key}` function in the exported TypeScript by hand"))
}

/// What Payload's database lacks that schemagen's has: CHECKs of bounds (W0870, once), row level
/// security (W0873, once), and the `point` columns Payload makes as PostGIS `geometry(Point)` (W0884).
fn report_database_losses(system: &System, diags: &mut Vec<Diagnostic>) {
    let checks: Vec<&str> = system
        .tables
        .iter()
        .flat_map(|t| t.checks.iter().map(|c| c.db_name.as_str()))
        .collect();
    if let Some(first) = checks.first() {
        // One warning per system: every CHECK of a Payload-style system comes from a bound.
        let more = if checks.len() > 1 { ", …" } else { "" };
        diags.push(
            Diagnostic::global(
                Code::ExportCheck,
                format!(
                    "export payload: {}: Payload validates `min`/`max`/`minLength`/`maxLength` in the application and makes no CHECK constraint: the {} CHECKs ({first}{more}) are in extras.sql",
                    system.name,
                    checks.len()
                ),
            )
            .at_path(system.name.clone())
            .with_help("apply extras.sql after Payload's first migration: it adds the constraints"),
        );
    }
    for table in &system.tables {
        let points = table
            .columns
            .iter()
            .filter(|c| c.ty.scalar == ScalarType::GeoPoint);
        for column in points {
            diags.push(
                Diagnostic::error(
                    Code::ExportPayloadPoint,
                    column.span,
                    format!(
                        "export payload: Payload makes {}.{} a PostGIS `geometry(Point)` where schemagen made a Postgres `point`",
                        table.db_name.name, column.db_name
                    ),
                )
                .at_path(format!("{}.{}", table.name, column.name))
                .with_help("install PostGIS for Payload's migration; an existing column moves with `ALTER COLUMN … TYPE geometry(Point) USING ST_MakePoint(col[0], col[1])`"),
            );
        }
    }
    if !system.access.is_empty() {
        diags.push(
            Diagnostic::global(
                Code::ExportAccess,
                format!(
                    "export payload: {}: Payload enforces access in the application; the row level security, policies and grants are in extras.sql",
                    system.name
                ),
            )
            .at_path(system.name.clone())
            .with_help("apply extras.sql after Payload's first migration, and have Payload's database user be the app role the policies name"),
        );
    }
}
