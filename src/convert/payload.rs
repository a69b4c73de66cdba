//! The IR → Payload-style YAML, for tables of the shape Payload's adapter derives from a
//! collection: an `id` key (`serial`, or `uuid` with `idType: uuid`), snake_case columns of
//! Payload's field types, selects as enum types (`enumName` when not `enum_<table>_<column>`),
//! relationships as `<name>_id` columns, groups as prefixed columns, and the `updated_at` /
//! `created_at` timestamps. Payload names its keys, indexes and foreign keys itself, so
//! everything else (child tables of arrays, blocks, `_rels`, versions; checks; compound
//! indexes) is refused per table with the reason (E0817–E0819); the comparison with the
//! original IR (E0810) judges the names Payload derives.

use super::plain;
use super::prisma::{access_yaml, header, seed_yaml, unique, Names};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::payload::names::snake_case;
use crate::import::postgres::yaml_string;
use crate::ir::{
    Column, DefaultValue, Index, IndexMethod, IndexPart, Literal, QualifiedName, ReferentialAction,
    ScalarType, SortOrder, System, Table,
};
use crate::load::SourceMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The YAML files of `system`, named after the files its tables came from.
pub fn write(
    system: &System,
    sources: &SourceMap,
    dir: &Path,
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    let slugs = slugs(system);
    let names = names(system, &slugs);
    let enums: Enums = system.enums.iter().map(|e| (&e.db_name, e)).collect();
    let mut files: BTreeMap<(u32, bool), String> = BTreeMap::new();
    let mut last_file = 0;
    for table in &system.tables {
        last_file = last_file.max(table.span.file);
        let Some(uuid) = id_type(table, diags) else {
            continue;
        };
        let text = collection(table, system, &enums, &slugs, &names, diags);
        files.entry((last_file, uuid)).or_default().push_str(&text);
    }
    let mut seeds: BTreeMap<(u32, bool), String> = BTreeMap::new();
    for seed in &system.seed {
        if let (Some(text), Some(key)) = (seed_yaml(seed, system, &names), files.keys().last()) {
            seeds.entry(*key).or_default().push_str(&text);
        }
    }
    let top = system
        .access
        .settings
        .as_ref()
        .and_then(|s| files.keys().find(|(f, _)| *f == s.span.file).copied())
        .or_else(|| files.keys().next().copied());
    let mut out = Vec::new();
    for (key, collections) in &files {
        let mut text = String::from("flavor: payload\n");
        if key.1 {
            text.push_str("idType: uuid\n");
        }
        if Some(*key) == top {
            text.push_str(&header(system));
        }
        text.push_str("collections:\n");
        text.push_str(collections);
        if let Some(seed) = seeds.get(key) {
            text.push_str("seed:\n");
            text.push_str(seed);
        }
        let several = files.keys().filter(|(f, _)| *f == key.0).count() > 1;
        out.push((file_name(system, sources, dir, *key, several), text));
    }
    out
}

/// Enum types by name.
type Enums<'a> = BTreeMap<&'a QualifiedName, &'a crate::ir::Enum>;

/// The file a table came from; `<stem>.uuid.yaml` for its `uuid`-keyed collections when it
/// has serial ones too (`idType` is set per file).
fn file_name(
    system: &System,
    sources: &SourceMap,
    dir: &Path,
    (id, uuid): (u32, bool),
    several: bool,
) -> String {
    let name = super::source_file(system, sources, dir, id);
    match (several && uuid, name.strip_suffix(".yaml")) {
        (true, Some(stem)) => format!("{stem}.uuid.yaml"),
        _ => name,
    }
}

/// Each table's slug: its logical name when Payload reads it as one (`blog-posts`), else
/// its database name in kebab case, as slugs are usually written.
fn slugs(system: &System) -> BTreeMap<QualifiedName, String> {
    let mut taken = BTreeSet::new();
    system
        .tables
        .iter()
        .map(|t| {
            let own = t
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !t.name.is_empty();
            let slug = if own {
                t.name.clone()
            } else {
                t.db_name.name.replace('_', "-")
            };
            (t.db_name.clone(), unique(&slug, &mut taken))
        })
        .collect()
}

/// Logical names after the flavour lowers the YAML: slugs, and fields by their path.
fn names(system: &System, slugs: &BTreeMap<QualifiedName, String>) -> Names {
    let fields = system
        .tables
        .iter()
        .map(|t| {
            let fields = t
                .columns
                .iter()
                .zip(field_paths(t))
                .map(|(c, path)| (c.db_name.clone(), path.join(".")))
                .collect();
            (t.db_name.clone(), fields)
        })
        .collect();
    Names {
        models: slugs.clone(),
        enums: BTreeMap::new(),
        fields,
    }
}

/// `Some(true)` for a `uuid` id, `Some(false)` for `serial`; `None` (reported) for any
/// other key, a child table's among them.
fn id_type(table: &Table, diags: &mut Diagnostics) -> Option<bool> {
    let path = table.db_name.name.clone();
    if let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| fk.db_name.ends_with("_parent_id_fk") || fk.db_name.ends_with("_parent_fk"))
    {
        let what = format!(
            "a child table of `{}` (an array, block, `_rels`, `hasMany` or locales table: the writer does not rebuild those yet)",
            fk.referenced_table.name
        );
        diags.push(refuse(Code::ConvertPayloadTable, path, &what));
        return None;
    }
    let id = table.columns.first().filter(|c| c.db_name == "id");
    let key_ok = table.primary_key.as_ref().is_some_and(|k| {
        k.columns == ["id"] && k.db_name == format!("{}_pkey", table.db_name.name)
    });
    let uuid = match id.map(|c| (&c.ty.scalar, &c.default, c.ty.array, c.nullable)) {
        Some((ScalarType::Serial { big: false }, None, false, false)) => Some(false),
        Some((ScalarType::Uuid, Some(d), false, false))
            if d.same_in_database(&DefaultValue::GenRandomUuid) =>
        {
            Some(true)
        }
        _ => None,
    };
    match (uuid, key_ok) {
        (Some(uuid), true) => Some(uuid),
        _ => {
            let what = "the key (Payload's is `id` alone, first, `serial`, or `uuid` filled by `gen_random_uuid()`, named `<table>_pkey`)";
            diags.push(refuse(Code::ConvertPayloadTable, path, what));
            None
        }
    }
}

fn refuse(code: Code, path: String, what: &str) -> Diagnostic {
    Diagnostic::global(code, format!("{path}: {what} has no Payload-style form"))
        .at_path(path)
        .with_help(
            "keep the system in its flavour, or convert it to Prisma-style, which says every table",
        )
}

/// Each column's field path, in order (see [`field_path`]).
fn field_paths(table: &Table) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::with_capacity(table.columns.len());
    for column in &table.columns {
        let group = out.last().filter(|p| p.len() > 1).map(|p| p[0].clone());
        out.push(field_path(column, table, group.as_deref()));
    }
    out
}

/// A column's field path: the logical path when it spells the column as Payload would
/// (`seo.metaTitle` → `seo_meta_title`, a relationship `author` → `author_id`), else one
/// group per `_`-joined part of the logical name that does (`seo_metaTitle`, as Prisma-style
/// writes it; preferred when the previous column is in that `group`), else the column.
fn field_path(column: &Column, table: &Table, group: Option<&str>) -> Vec<String> {
    let suffix = if is_relationship(column, table) {
        "_id"
    } else {
        ""
    };
    let spells = |path: &[&str]| {
        let parts: Vec<String> = path.iter().map(|p| snake_case(p)).collect();
        !path.iter().any(|p| p.is_empty())
            && format!("{}{suffix}", parts.join("_")) == column.db_name
    };
    let owned = |path: &[&str]| path.iter().map(|s| s.to_string()).collect();
    let dotted: Vec<&str> = column.name.split('.').collect();
    let split: Vec<&str> = column.name.split('_').collect();
    if split.len() > 1 && spells(&split) && group == Some(split[0]) {
        return owned(&split);
    }
    if spells(&dotted) {
        return owned(&dotted);
    }
    if spells(&split) {
        return owned(&split);
    }
    let bare = column
        .db_name
        .strip_suffix(suffix)
        .unwrap_or(&column.db_name);
    vec![bare.to_string()]
}

fn is_relationship(column: &Column, table: &Table) -> bool {
    table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns == [column.db_name.clone()])
}

/// Payload's `updatedAt` and `createdAt`, last, as `timestamps: true` makes them.
fn has_timestamps(table: &Table) -> bool {
    let n = table.columns.len();
    n >= 3
        && is_timestamp(&table.columns[n - 2], "updated_at")
        && is_timestamp(&table.columns[n - 1], "created_at")
}

fn is_timestamp(column: &Column, db_name: &str) -> bool {
    column.db_name == db_name
        && column.ty
            == crate::ir::ColumnType::scalar(ScalarType::Timestamptz { precision: Some(3) })
        && !column.nullable
        && column
            .default
            .as_ref()
            .is_some_and(|d| d.same_in_database(&DefaultValue::Now))
}

/// One collection of the list, or nothing (reported) when a part cannot be said.
fn collection(
    table: &Table,
    system: &System,
    enums: &Enums,
    slugs: &BTreeMap<QualifiedName, String>,
    names: &Names,
    diags: &mut Diagnostics,
) -> String {
    let name = &table.db_name.name;
    let slug = &slugs[&table.db_name];
    let mut out = format!("  - slug: {}\n", plain(slug));
    if snake_case(slug) != *name {
        let _ = writeln!(out, "    dbName: {}", yaml_string(name));
    }
    let timestamps = has_timestamps(table);
    if !timestamps {
        out.push_str("    timestamps: false\n");
    }
    let schema = format!("the Postgres schema `{}`", table.db_name.schema);
    for (lost, what) in [
        (table.db_name.schema != "public", schema.as_str()),
        (table.comment.is_some(), "a table comment"),
        (table.partition.is_some(), "partitioning"),
    ] {
        if lost {
            diags.push(refuse(Code::ConvertPayloadTable, name.clone(), what));
        }
    }
    for check in &table.checks {
        let what = format!("the CHECK `{}`", check.expression);
        let path = format!("{name}.{}", check.db_name);
        diags.push(refuse(Code::ConvertPayloadConstraint, path, &what));
    }
    let derived = derived_indexes(table);
    for index in table
        .indexes
        .iter()
        .filter(|i| !derived.contains(&i.db_name))
    {
        let what = format!(
            "the index `{}` (Payload derives `<table>_<column>_idx` from `index`, `unique` and relationships)",
            index.db_name
        );
        let path = format!("{name}.{}", index.db_name);
        diags.push(refuse(Code::ConvertPayloadConstraint, path, &what));
    }
    if let Some(access) = system.access.table(&table.db_name) {
        out.push_str(&access_yaml(access, &table.db_name, names));
    }
    let end = table.columns.len() - if timestamps { 2 } else { 0 };
    let mut fields = Fields::default();
    let paths = field_paths(table);
    for (column, path) in table.columns.iter().zip(&paths).take(end).skip(1) {
        if let Some(field) = field(column, table, enums, slugs, diags) {
            fields.push(path, field);
        }
    }
    out.push_str("    fields:\n");
    out.push_str(&fields.yaml(6));
    out
}

/// The indexes Payload makes itself: per field with `index`/`unique`, per relationship, and
/// the timestamps'.
fn derived_indexes(table: &Table) -> BTreeSet<String> {
    let name = &table.db_name.name;
    let mut out = BTreeSet::new();
    for column in &table.columns {
        let single = |i: &&Index| is_single(i, &column.db_name);
        let Some(index) = table.indexes.iter().find(single) else {
            continue;
        };
        let bare = match is_relationship(column, table) {
            true => column
                .db_name
                .strip_suffix("_id")
                .unwrap_or(&column.db_name),
            false => &column.db_name,
        };
        if index.db_name == format!("{name}_{bare}_idx") {
            out.insert(index.db_name.clone());
        }
    }
    out
}

fn is_single(index: &Index, column: &str) -> bool {
    index.method == IndexMethod::Btree
        && index.predicate.is_none()
        && !index.concurrently
        && matches!(index.parts.as_slice(), [IndexPart::Column { name, order: SortOrder::Asc, opclass: None }] if name == column)
}

/// One column as a Payload field's keys (without `name`), or `None` with the reason reported.
fn field(
    column: &Column,
    table: &Table,
    enums: &Enums,
    slugs: &BTreeMap<QualifiedName, String>,
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    let path = format!("{}.{}", table.db_name.name, column.db_name);
    let mut keys = Vec::new();
    let fk = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == [column.db_name.clone()]);
    let ty = match (fk, &column.ty.scalar) {
        _ if column.ty.array => None,
        (Some(fk), ScalarType::Integer | ScalarType::Uuid) => {
            let ok = fk.referenced_columns == ["id"]
                && fk.on_delete == ReferentialAction::SetNull
                && fk.on_update == ReferentialAction::NoAction;
            if !ok {
                let what = format!(
                    "the foreign key `{}` (a relationship references `id`, ON DELETE SET NULL)",
                    fk.db_name
                );
                diags.push(refuse(Code::ConvertPayloadConstraint, path, &what));
                return None;
            }
            let target = slugs.get(&fk.referenced_table)?;
            keys.push(format!("relationTo: {}", plain(target)));
            Some("relationship")
        }
        (None, ScalarType::Varchar { length: None }) => Some("text"),
        (
            None,
            ScalarType::Numeric {
                precision: None,
                scale: None,
            },
        ) => Some("number"),
        (None, ScalarType::Boolean) => Some("checkbox"),
        (None, ScalarType::Timestamptz { precision: Some(3) }) => Some("date"),
        (None, ScalarType::Jsonb) => Some("json"),
        (None, ScalarType::GeoPoint) => Some("point"),
        (None, ScalarType::Enum { name }) => {
            let e = enums.get(&**name)?;
            let values: Vec<String> = e.values.iter().map(|v| plain(&v.db_name)).collect();
            keys.push(format!("options: [{}]", values.join(", ")));
            if name.name != format!("enum_{}_{}", table.db_name.name, column.db_name) {
                keys.push(format!("enumName: {}", yaml_string(&name.name)));
            }
            Some("select")
        }
        _ => None,
    };
    let Some(ty) = ty else {
        let what = format!(
            "the type {}",
            super::firestore::type_name(&column.ty.scalar, column.ty.array)
        );
        diags.push(refuse(Code::ConvertPayloadColumn, path, &what));
        return None;
    };
    keys.insert(0, format!("type: {ty}"));
    if !column.nullable {
        keys.push("required: true".into());
    }
    if let Some(default) = &column.default {
        let value = match default {
            DefaultValue::EnumValue(v) | DefaultValue::Literal(Literal::String(v)) => {
                Some(plain(v))
            }
            DefaultValue::Literal(Literal::Number(n)) => Some(n.clone()),
            DefaultValue::Literal(Literal::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        match value {
            Some(v) => keys.push(format!("defaultValue: {v}")),
            None => {
                let what = "the column's default (Payload writes literals only)";
                diags.push(refuse(Code::ConvertPayloadColumn, path, what));
                return None;
            }
        }
    }
    if let Some(index) = table.indexes.iter().find(|i| is_single(i, &column.db_name)) {
        if index.unique {
            keys.push("unique: true".into());
        } else if fk.is_none() {
            keys.push("index: true".into());
        }
    }
    if column.comment.is_some() {
        let what = "a column comment";
        diags.push(refuse(Code::ConvertPayloadColumn, path, what));
        return None;
    }
    Some(keys)
}

/// Fields in column order, grouped by their path (`seo.title` in the group `seo`).
#[derive(Default)]
struct Fields {
    items: Vec<(String, Item)>,
}

enum Item {
    Field(Vec<String>),
    Group(Fields),
}

impl Fields {
    fn push(&mut self, path: &[String], keys: Vec<String>) {
        match path {
            [name] => self.items.push((name.clone(), Item::Field(keys))),
            [group, rest @ ..] => {
                let last = self.items.last_mut().filter(|(n, _)| n == group);
                match last {
                    Some((_, Item::Group(fields))) => fields.push(rest, keys),
                    _ => {
                        let mut fields = Fields::default();
                        fields.push(rest, keys);
                        self.items.push((group.clone(), Item::Group(fields)));
                    }
                }
            }
            [] => {}
        }
    }

    fn yaml(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        for (name, item) in &self.items {
            match item {
                Item::Field(keys) => {
                    let _ = writeln!(
                        out,
                        "{pad}- {{ name: {}, {} }}",
                        plain(name),
                        keys.join(", ")
                    );
                }
                Item::Group(fields) => {
                    let _ = writeln!(out, "{pad}- name: {}", plain(name));
                    let _ = writeln!(out, "{pad}  type: group");
                    let _ = writeln!(out, "{pad}  fields:");
                    out.push_str(&fields.yaml(indent + 4));
                }
            }
        }
        out
    }
}
