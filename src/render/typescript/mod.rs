//! TypeScript target: per table a row type (keys are database column names, as Supabase's
//! generated types have them), an `Insert` and an `Update` shape; a string-literal union per
//! enum; and a Supabase-like `Database` type tying them together by schema and table name.
//!
//! Row shapes are `type` aliases, not interfaces: an interface has no implicit index
//! signature, so it would not satisfy supabase-js's `Record<string, unknown>` row constraint.
//!
//! Everything is decided here, in a small view model; the template only lays it out.

mod layout;

use super::code::{camel, doc_lines, unknown_enum, Scope};
use super::Templates;
use crate::diagnostics::Diagnostic;
use crate::ir::{Column, IndexPart, QualifiedName, ScalarType, System, Table};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const TEMPLATES: &[(&str, &str)] = &[(
    "typescript/types.ts.jinja",
    include_str!("../../../templates/typescript/types.ts.jinja"),
)];

/// Type names the file itself declares.
const RESERVED_TYPES: &[&str] = &["Json", "Database"];

/// What a table's row type shares its name with.
const TABLE_COMPANIONS: &[&str] = &["", "Insert", "Update"];

#[derive(Serialize)]
struct File {
    system: String,
    enums: Vec<EnumView>,
    tables: Vec<TableView>,
    schemas: Vec<SchemaView>,
}

#[derive(Serialize)]
struct EnumView {
    name: String,
    doc: Vec<String>,
    /// The union's members: TypeScript string literals, quoted; `never` for an empty enum.
    union: String,
}

#[derive(Serialize)]
struct TableView {
    name: String,
    doc: Vec<String>,
    fields: Vec<FieldView>,
}

#[derive(Serialize)]
struct FieldView {
    /// The database column name, quoted when it is not an identifier.
    key: String,
    ty: String,
    /// Whether an insert may leave it out (the database fills it in, or it may be null).
    optional_on_insert: bool,
    doc: Vec<String>,
}

/// The `Database` type: per Postgres schema, its tables and enums by database name.
#[derive(Serialize)]
struct SchemaView {
    key: String,
    tables: Vec<Entry>,
    enums: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    key: String,
    name: String,
    /// Tables only: their foreign keys, as Supabase's `Relationships`.
    relationships: Vec<Relationship>,
}

/// Every value a TypeScript literal, already quoted.
#[derive(Serialize)]
struct Relationship {
    name: String,
    columns: String,
    one_to_one: bool,
    referenced_table: String,
    referenced_columns: String,
}

pub fn render(system: &System, templates: &Templates) -> Result<String, Box<Diagnostic>> {
    templates.render_with("typescript/types.ts.jinja", file(system)?, layout::types_ts)
}

fn file(system: &System) -> Result<File, Box<Diagnostic>> {
    // Tables claim names first (with their `Insert` and `Update` companions), then enums.
    let mut scope = Scope::with_reserved(RESERVED_TYPES);
    let table_names: Vec<String> = system
        .tables
        .iter()
        .map(|t| scope.claim_group(&camel(&t.name), "Row", TABLE_COMPANIONS))
        .collect();
    let enum_names: Vec<String> = system
        .enums
        .iter()
        .map(|e| scope.claim(&camel(&e.name), "Enum"))
        .collect();
    let enum_types: HashMap<&QualifiedName, &str> = system
        .enums
        .iter()
        .zip(&enum_names)
        .map(|(e, name)| (&e.db_name, name.as_str()))
        .collect();

    let tables = system
        .tables
        .iter()
        .zip(&table_names)
        .map(|(table, name)| table_view(table, name, &enum_types))
        .collect::<Result<_, _>>()?;
    let enums = system
        .enums
        .iter()
        .zip(&enum_names)
        .map(|(e, name)| EnumView {
            name: name.clone(),
            doc: doc(e.comment.as_deref(), name, &e.name),
            union: union(e.values.iter().map(|v| v.db_name.as_str())),
        })
        .collect();
    Ok(File {
        system: system.name.clone(),
        enums,
        tables,
        schemas: schemas(system, &table_names, &enum_names),
    })
}

fn table_view(
    table: &Table,
    name: &str,
    enums: &HashMap<&QualifiedName, &str>,
) -> Result<TableView, Box<Diagnostic>> {
    let fields = table
        .columns
        .iter()
        .map(|column| {
            Ok(FieldView {
                key: key(&column.db_name),
                ty: field_type(table, column, enums)?,
                optional_on_insert: optional_on_insert(column),
                doc: doc(column.comment.as_deref(), "", ""),
            })
        })
        .collect::<Result<_, Box<Diagnostic>>>()?;
    Ok(TableView {
        name: name.to_string(),
        doc: doc(table.comment.as_deref(), name, &table.name),
        fields,
    })
}

fn optional_on_insert(column: &Column) -> bool {
    // Serial and identity columns draw from a sequence even when the IR records no default.
    let sequence = matches!(
        column.ty.scalar,
        ScalarType::Serial { .. } | ScalarType::Identity { .. }
    );
    column.nullable || column.has_database_default() || sequence
}

fn field_type(
    table: &Table,
    column: &Column,
    enums: &HashMap<&QualifiedName, &str>,
) -> Result<String, Box<Diagnostic>> {
    let scalar =
        scalar_type(&column.ty.scalar, enums).ok_or_else(|| unknown_enum(table, column))?;
    let ty = if column.ty.array {
        format!("{scalar}[]")
    } else {
        scalar.to_string()
    };
    Ok(if column.nullable {
        format!("{ty} | null")
    } else {
        ty
    })
}

/// The JSON value the database hands out for each type (see the file's header comment).
fn scalar_type<'a>(
    scalar: &ScalarType,
    enums: &HashMap<&QualifiedName, &'a str>,
) -> Option<&'a str> {
    Some(match scalar {
        ScalarType::Text
        | ScalarType::Citext
        | ScalarType::Varchar { .. }
        | ScalarType::Char { .. }
        | ScalarType::Uuid
        | ScalarType::Timestamptz { .. }
        | ScalarType::Timestamp { .. }
        | ScalarType::Date
        | ScalarType::Time { .. }
        | ScalarType::Bytea
        | ScalarType::GeoPoint => "string",
        ScalarType::SmallInt
        | ScalarType::Integer
        | ScalarType::BigInt
        | ScalarType::Serial { .. }
        | ScalarType::Identity { .. }
        | ScalarType::Numeric { .. }
        | ScalarType::Real
        | ScalarType::Double => "number",
        ScalarType::Boolean => "boolean",
        ScalarType::Json | ScalarType::Jsonb => "Json",
        ScalarType::Enum { name } => enums.get(name)?,
    })
}

fn union<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let members: Vec<String> = values.map(string_literal).collect();
    if members.is_empty() {
        "never".into()
    } else {
        members.join(" | ")
    }
}

/// A JSON string is a valid TypeScript string literal.
fn string_literal(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A property key: bare when it is an identifier, quoted otherwise.
fn key(name: &str) -> String {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$');
    if starts_well && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
        name.to_string()
    } else {
        string_literal(name)
    }
}

/// Schemas in name order (a `BTreeMap`), their tables and enums in IR order.
fn schemas(system: &System, table_names: &[String], enum_names: &[String]) -> Vec<SchemaView> {
    let mut by_schema: BTreeMap<&str, SchemaView> = BTreeMap::new();
    for (table, name) in system.tables.iter().zip(table_names) {
        schema_view(&mut by_schema, &table.db_name.schema)
            .tables
            .push(Entry {
                relationships: relationships(table),
                ..entry(&table.db_name, name)
            });
    }
    for (e, name) in system.enums.iter().zip(enum_names) {
        schema_view(&mut by_schema, &e.db_name.schema)
            .enums
            .push(entry(&e.db_name, name));
    }
    by_schema.into_values().collect()
}

fn schema_view<'m, 's>(
    by_schema: &'m mut BTreeMap<&'s str, SchemaView>,
    schema: &'s str,
) -> &'m mut SchemaView {
    by_schema.entry(schema).or_insert_with(|| SchemaView {
        key: key(schema),
        tables: Vec::new(),
        enums: Vec::new(),
    })
}

fn entry(db_name: &QualifiedName, name: &str) -> Entry {
    Entry {
        key: key(&db_name.name),
        name: name.to_string(),
        relationships: Vec::new(),
    }
}

fn relationships(table: &Table) -> Vec<Relationship> {
    table
        .foreign_keys
        .iter()
        .map(|fk| Relationship {
            name: string_literal(&fk.db_name),
            columns: string_list(&fk.columns),
            one_to_one: is_unique(table, &fk.columns),
            referenced_table: string_literal(&fk.referenced_table.name),
            referenced_columns: string_list(&fk.referenced_columns),
        })
        .collect()
}

/// Whether the columns, as a set, are the primary key or a (whole-table) unique index:
/// then a row has at most one row pointing at it through them.
fn is_unique(table: &Table, columns: &[String]) -> bool {
    let wanted = sorted(columns.iter());
    let pk = table.primary_key.iter().map(|pk| sorted(pk.columns.iter()));
    let unique_indexes = table
        .indexes
        .iter()
        .filter(|i| i.unique && i.predicate.is_none())
        .filter_map(|i| {
            i.parts
                .iter()
                .map(|p| match p {
                    IndexPart::Column { name, .. } => Some(name),
                    IndexPart::Expression { .. } => None,
                })
                .collect::<Option<Vec<_>>>()
        })
        .map(|names| sorted(names.into_iter()));
    pk.chain(unique_indexes).any(|key| key == wanted)
}

fn sorted<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut names: Vec<_> = names.collect();
    names.sort();
    names.dedup();
    names
}

fn string_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| string_literal(i)).collect();
    format!("[{}]", items.join(", "))
}

/// Doc lines for a `/** */` block, which a `*/` in a comment would end early.
fn doc(comment: Option<&str>, name: &str, logical: &str) -> Vec<String> {
    doc_lines(comment, name, logical)
        .into_iter()
        .map(|l| l.replace("*/", "*\\/"))
        .collect()
}
