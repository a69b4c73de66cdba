//! TypeScript target: per table a row type (keys are database column names, as Supabase's
//! generated types have them), an `Insert` and an `Update` shape; a string-literal union per
//! enum; and a Supabase-like `Database` type tying them together by schema and table name.
//!
//! Row shapes are `type` aliases, not interfaces: an interface has no implicit index
//! signature, so it would not satisfy supabase-js's `Record<string, unknown>` row constraint.
//!
//! Everything is decided here, in a small view model; the template only lays it out.

mod layout;

use super::code::{camel, doc_lines, unknown_enum, EnumNames, Scope, Wrapped};
use super::splice::{names_sum, Before, FileSections};
use super::Templates;
use crate::diagnostics::Diagnostic;
use crate::ir::{Column, Enum, IndexPart, QualifiedName, ScalarType, System, Table};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub const TEMPLATES: &[(&str, &str)] = &[(
    "typescript/types.ts.jinja",
    include_str!("../../../templates/typescript/types.ts.jinja"),
)];

/// Type names the file itself declares.
const RESERVED_TYPES: &[&str] = &["Json", "Database"];

/// What a table's row type shares its name with.
const TABLE_COMPANIONS: &[&str] = &["", "Insert", "Update"];

#[derive(Serialize)]
struct File<'a> {
    system: &'a str,
    enums: Vec<EnumView<'a>>,
    tables: Vec<TableView<'a>>,
    schemas: Vec<SchemaView<'a>>,
}

#[derive(Serialize)]
struct EnumView<'a> {
    name: &'a str,
    doc: Vec<String>,
    /// The union's members: TypeScript string literals, quoted; `never` for an empty enum.
    union: String,
}

#[derive(Serialize)]
struct TableView<'a> {
    name: &'a str,
    doc: Vec<String>,
    fields: Vec<FieldView<'a>>,
}

/// Borrowed from the IR where the text is the name or type as it is (most columns).
#[derive(Serialize)]
struct FieldView<'a> {
    /// The database column name, quoted when it is not an identifier.
    key: Cow<'a, str>,
    /// The column's type, `[]` and `| null` apart from the name.
    ty: Wrapped<'a>,
    /// Whether an insert may leave it out (the database fills it in, or it may be null).
    optional_on_insert: bool,
    doc: Vec<String>,
}

/// The `Database` type: per Postgres schema, its tables and enums by database name.
#[derive(Serialize)]
struct SchemaView<'a> {
    key: Cow<'a, str>,
    tables: Vec<Entry<'a>>,
    enums: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    key: Cow<'a, str>,
    name: &'a str,
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

const TEMPLATE: &str = "typescript/types.ts.jinja";

pub fn render(system: &System, templates: &Templates) -> Result<String, Box<Diagnostic>> {
    let history = crate::history::History::default();
    let before = Before::new(None, &history, 0);
    render_after(system, templates, &before).map(|(text, _)| text)
}

/// `types.ts`, copying the types and `Database` entries `before` holds for the tables a
/// change left alone ([`crate::render::splice`]), and where each lies when laid out natively.
pub(crate) fn render_after(
    system: &System,
    templates: &Templates,
    before: &Before,
) -> Result<(String, Option<FileSections>), Box<Diagnostic>> {
    let names = Names::new(system);
    if templates.overrides(TEMPLATE) {
        return Ok((templates.render(TEMPLATE, file(system, &names)?)?, None));
    }
    // What a table's sections read beyond the table and its own names: the enum types' names
    // (by their database names, as columns name them).
    let enums = system.enums.iter().zip(&names.enums.names);
    let enums = enums.flat_map(|(e, name)| [&e.db_name.schema, &e.db_name.name, name]);
    let shared = names_sum(enums.map(String::as_str));
    let (text, tables) = before.lay_out("types.ts", shared, |copies| {
        layout::types_ts(system, &names, copies)
    })?;
    let laid = FileSections::of(&text, shared, tables);
    Ok((text, Some(laid)))
}

/// The type names, claimed in declaration order: tables first (with their `Insert` and
/// `Update` companions), then enums.
struct Names<'a> {
    tables: Vec<String>,
    enums: EnumNames<'a>,
}

impl<'a> Names<'a> {
    fn new(system: &'a System) -> Names<'a> {
        let mut scope = Scope::with_reserved(RESERVED_TYPES);
        scope.reserve(system.tables.len() * TABLE_COMPANIONS.len() + system.enums.len());
        let tables = system
            .tables
            .iter()
            .map(|t| scope.claim_group(&camel(&t.name), "Row", TABLE_COMPANIONS))
            .collect();
        let enums = EnumNames::claim(&mut scope, system);
        Names { tables, enums }
    }
}

/// The whole file's view, for a template a project overrides.
fn file<'a>(system: &'a System, names: &'a Names) -> Result<File<'a>, Box<Diagnostic>> {
    let tables = system
        .tables
        .iter()
        .zip(&names.tables)
        .map(|(table, name)| table_view(table, name, names))
        .collect::<Result<_, _>>()?;
    let enums = system
        .enums
        .iter()
        .zip(&names.enums.names)
        .map(|(e, name)| enum_view(e, name))
        .collect();
    Ok(File {
        system: &system.name,
        enums,
        tables,
        schemas: schemas(system, names),
    })
}

fn enum_view<'a>(e: &'a Enum, name: &'a str) -> EnumView<'a> {
    EnumView {
        name,
        doc: doc(e.comment.as_deref(), name, &e.name),
        union: union(e.values.iter().map(|v| v.db_name.as_str())),
    }
}

fn table_view<'a>(
    table: &'a Table,
    name: &'a str,
    names: &'a Names,
) -> Result<TableView<'a>, Box<Diagnostic>> {
    let fields = table
        .columns
        .iter()
        .map(|column| {
            Ok(FieldView {
                key: key(&column.db_name),
                ty: field_type(table, column, names)?,
                optional_on_insert: optional_on_insert(column),
                doc: doc(column.comment.as_deref(), "", ""),
            })
        })
        .collect::<Result<_, Box<Diagnostic>>>()?;
    Ok(TableView {
        name,
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

fn field_type<'a>(
    table: &Table,
    column: &Column,
    names: &'a Names,
) -> Result<Wrapped<'a>, Box<Diagnostic>> {
    let name = scalar_type(&column.ty.scalar, names).ok_or_else(|| unknown_enum(table, column))?;
    let close = match (column.ty.array, column.nullable) {
        (false, false) => "",
        (false, true) => " | null",
        (true, false) => "[]",
        (true, true) => "[] | null",
    };
    Ok(Wrapped {
        open: "",
        name,
        close,
    })
}

/// The JSON value the database hands out for each type (see the file's header comment).
fn scalar_type<'a>(scalar: &ScalarType, names: &'a Names) -> Option<&'a str> {
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
        ScalarType::Enum { name } => names.enums.get(name)?,
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

/// A JSON string is a valid TypeScript string literal (written straight from the `&str`:
/// no JSON value copied first).
fn string_literal(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A property key: bare when it is an identifier, quoted otherwise.
fn key(name: &str) -> Cow<'_, str> {
    // Bytes, not chars: every allowed character is ASCII, and no byte of a non-ASCII
    // character is (one key per field adds up).
    let mut bytes = name.bytes();
    let starts_well = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$');
    if starts_well && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(string_literal(name))
    }
}

/// Schemas in name order (a `BTreeMap`), their tables and enums in IR order.
fn schemas<'a>(system: &'a System, names: &'a Names) -> Vec<SchemaView<'a>> {
    by_schema(system)
        .into_iter()
        .map(|(schema, (tables, enums))| SchemaView {
            key: key(schema),
            tables: tables
                .into_iter()
                .map(|i| table_entry(&system.tables[i], &names.tables[i]))
                .collect(),
            enums: enums
                .into_iter()
                .map(|i| entry(&system.enums[i].db_name, &names.enums.names[i]))
                .collect(),
        })
        .collect()
}

/// Per Postgres schema (in name order), the indexes of its tables and of its enums.
fn by_schema(system: &System) -> BTreeMap<&str, (Vec<usize>, Vec<usize>)> {
    let mut by_schema: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, table) in system.tables.iter().enumerate() {
        by_schema
            .entry(&table.db_name.schema)
            .or_default()
            .0
            .push(i);
    }
    for (i, e) in system.enums.iter().enumerate() {
        by_schema.entry(&e.db_name.schema).or_default().1.push(i);
    }
    by_schema
}

fn table_entry<'a>(table: &'a Table, name: &'a str) -> Entry<'a> {
    Entry {
        relationships: relationships(table),
        ..entry(&table.db_name, name)
    }
}

fn entry<'a>(db_name: &'a QualifiedName, name: &'a str) -> Entry<'a> {
    Entry {
        key: key(&db_name.name),
        name,
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
