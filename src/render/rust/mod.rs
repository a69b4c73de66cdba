//! Rust target: one module with a struct per table and an enum per enum type, each shaped
//! like a row as the database returns it (serde keys are the database column names).
//!
//! Everything is decided here, in a small view model; the template only lays it out.
//! The module needs only these dependencies:
//!
//! ```toml
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! uuid = { version = "1", features = ["serde"] }
//! chrono = { version = "0.4", features = ["serde"] }
//! rust_decimal = { version = "1", features = ["serde"] }
//! ```

mod layout;

use super::code::{camel, doc_lines, snake, unknown_enum, EnumNames, Scope, Wrapped};
use super::splice::{names_sum, Before, FileSections};
use super::{quote_ident, Options, Templates};
use crate::diagnostics::Diagnostic;
use crate::ir::{Column, ColumnType, EnumValue, QualifiedName, ScalarType, System, Table};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::borrow::Cow;

pub const TEMPLATES: &[(&str, &str)] = &[(
    "rust/models.rs.jinja",
    include_str!("../../../templates/rust/models.rs.jinja"),
)];

/// Type names the module itself uses unqualified: a table may not shadow them.
const RESERVED_TYPES: &[&str] = &["Option", "String", "Vec", "Self"];

/// Keywords that cannot even be raw identifiers; such a field gets a trailing underscore.
const NOT_RAW: &[&str] = &["crate", "self", "super", "Self"];

/// Strict and reserved keywords of every edition up to 2024 (`gen` included).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

#[derive(Serialize)]
struct Module<'a> {
    system: &'a str,
    /// sqlx derives beside serde's (`rust: { sqlx: true }`).
    sqlx: bool,
    /// The name of the generated (longitude, latitude) type, when a column needs one.
    point: Option<&'a str>,
    enums: Vec<EnumView<'a>>,
    structs: Vec<StructView<'a>>,
}

#[derive(Serialize)]
struct EnumView<'a> {
    name: &'a str,
    /// The Postgres type as sqlx names it, a Rust string literal: quoted, schema-qualified
    /// outside `public` (as `regtype` prints it on the default search path).
    type_name: String,
    doc: Vec<String>,
    variants: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct StructView<'a> {
    name: &'a str,
    doc: Vec<String>,
    fields: Vec<Item<'a>>,
}

/// A variant or a field: its identifier, its serde name when that differs, and for fields a type.
#[derive(Serialize)]
struct Item<'a> {
    ident: String,
    /// A Rust string literal, already quoted and escaped.
    rename: Option<String>,
    /// The column's type, its wrappers (`Option<…>`, `Vec<…>`) apart from the name.
    ty: Option<Wrapped<'a>>,
    doc: Vec<String>,
}

const TEMPLATE: &str = "rust/models.rs.jinja";

pub fn render(system: &System, templates: &Templates) -> Result<String, Box<Diagnostic>> {
    render_with(system, templates, Options::default())
}

pub fn render_with(
    system: &System,
    templates: &Templates,
    options: Options,
) -> Result<String, Box<Diagnostic>> {
    let history = crate::history::History::default();
    let before = Before::new(None, &history, 0);
    render_after(system, templates, options, &before).map(|(text, _)| text)
}

/// `models.rs`, copying the structs `before` holds for the tables a change left alone
/// ([`crate::render::splice`]), and where each struct lies when it was laid out natively.
pub(crate) fn render_after(
    system: &System,
    templates: &Templates,
    options: Options,
    before: &Before,
) -> Result<(String, Option<FileSections>), Box<Diagnostic>> {
    let names = TypeNames::new(system);
    if options.sqlx || templates.overrides(TEMPLATE) {
        // The sqlx derives are spelled by the template alone (`layout` is the fast path of
        // the common case, held byte-equal to the template by tests/native_layouts.rs).
        let text = templates.render(TEMPLATE, module(system, &names, options)?)?;
        return Ok((text, None));
    }
    let shared = shared_names(system, &names);
    let (text, tables) = before.lay_out("models.rs", shared, |copies| {
        layout::models_rs(system, &names, copies)
    })?;
    let laid = FileSections::of(&text, shared, tables);
    Ok((text, Some(laid)))
}

/// What a struct reads beyond its table and its own name: the names of the enum types (by
/// their database names, as columns name them) and of the point type.
fn shared_names(system: &System, names: &TypeNames) -> u128 {
    let enums = system.enums.iter().zip(&names.enums.names);
    let enums = enums.flat_map(|(e, name)| [&e.db_name.schema, &e.db_name.name, name]);
    // Three names an enum, so the point's (one more) cannot pass for an enum's.
    names_sum(enums.map(String::as_str).chain(names.point.as_deref()))
}

/// The whole module's view, for the template.
fn module<'a>(
    system: &'a System,
    names: &'a TypeNames,
    options: Options,
) -> Result<Module<'a>, Box<Diagnostic>> {
    let mut field_names = FieldNames::default();
    let structs = system
        .tables
        .iter()
        .zip(&names.structs)
        .map(|(table, name)| struct_view(table, name, names, &mut field_names))
        .collect::<Result<_, _>>()?;
    let enums = system
        .enums
        .iter()
        .zip(&names.enums.names)
        .map(|(e, name)| enum_view(e, name))
        .collect();
    Ok(Module {
        system: &system.name,
        sqlx: options.sqlx,
        point: names.point.as_deref(),
        enums,
        structs,
    })
}

fn enum_view<'a>(e: &'a crate::ir::Enum, name: &'a str) -> EnumView<'a> {
    EnumView {
        type_name: format!("{:?}", sqlx_type_name(&e.db_name)),
        doc: doc(e.comment.as_deref(), name, &e.name),
        name,
        variants: variants(&e.values),
    }
}

/// The type names, claimed in declaration order, and how column types name them.
struct TypeNames<'a> {
    structs: Vec<String>,
    enums: EnumNames<'a>,
    /// The (longitude, latitude) type, when a column needs one.
    point: Option<String>,
}

impl<'a> TypeNames<'a> {
    fn new(system: &'a System) -> TypeNames<'a> {
        // Tables claim names first: their structs are what users touch most.
        let mut scope = Scope::with_reserved(RESERVED_TYPES);
        scope.reserve(system.tables.len() + system.enums.len());
        let structs = system
            .tables
            .iter()
            .map(|t| scope.claim(&camel(&t.name), "Row"))
            .collect();
        let enums = EnumNames::claim(&mut scope, system);
        let uses_points = system
            .tables
            .iter()
            .flat_map(|t| &t.columns)
            .any(|c| c.ty.scalar == ScalarType::GeoPoint);
        let point = uses_points.then(|| scope.claim("GeoPoint", "Type"));
        TypeNames {
            structs,
            enums,
            point,
        }
    }
}

/// Each column name's `snake_case`, converted once: a large system repeats a few column names
/// (`id`, `createdAt`) in every table, and the conversion is a pure function of the name.
/// Beside it, the scope of a struct's fields, reused from one struct to the next.
#[derive(Default)]
struct FieldNames<'a> {
    snake: FxHashMap<&'a str, Snake>,
    fields: Scope,
}

/// A column name's `snake_case`, and whether it is a keyword (searched once, not per field).
struct Snake {
    name: String,
    keyword: bool,
}

impl Snake {
    fn new(column: &str) -> Snake {
        let name = snake(column);
        let keyword = is_keyword(&name);
        Snake { name, keyword }
    }
}

impl<'a> FieldNames<'a> {
    /// A new struct: its fields claim names in a scope of their own.
    fn start_struct(&mut self) {
        self.fields.reset(NOT_RAW);
    }

    /// A column's field name (before any `r#`), borrowed from the cache unless it had to
    /// change, and whether it is a keyword: the view and the layout name fields alike
    /// through it.
    fn claim(&mut self, column: &'a str) -> (Cow<'_, str>, bool) {
        let snake = self
            .snake
            .entry(column)
            .or_insert_with(|| Snake::new(column));
        match self.fields.claim_cow(&snake.name, "_") {
            Cow::Borrowed(name) => (Cow::Borrowed(name), snake.keyword),
            Cow::Owned(name) => {
                let keyword = is_keyword(&name);
                (Cow::Owned(name), keyword)
            }
        }
    }
}

fn struct_view<'a>(
    table: &'a Table,
    name: &'a str,
    types: &'a TypeNames,
    field_names: &mut FieldNames<'a>,
) -> Result<StructView<'a>, Box<Diagnostic>> {
    field_names.start_struct();
    let fields = table
        .columns
        .iter()
        .map(|column| {
            let (ident, keyword) = field_names.claim(&column.name);
            Ok(Item {
                rename: (ident != column.db_name).then(|| format!("{:?}", column.db_name)),
                ident: if keyword {
                    format!("r#{ident}")
                } else {
                    ident.into_owned()
                },
                ty: Some(field_type(table, column, types)?),
                doc: doc(column.comment.as_deref(), "", ""),
            })
        })
        .collect::<Result<_, Box<Diagnostic>>>()?;
    Ok(StructView {
        doc: doc(table.comment.as_deref(), name, &table.name),
        name,
        fields,
    })
}

/// Variants are named from the logical value name and (de)serialize as the database value.
fn variants(values: &[EnumValue]) -> Vec<Item<'static>> {
    let mut scope = Scope::with_reserved(&["Self"]);
    values
        .iter()
        .map(|value| {
            let ident = scope.claim(&camel(&value.name), "");
            Item {
                rename: (ident != value.db_name).then(|| format!("{:?}", value.db_name)),
                ident,
                ty: None,
                doc: Vec::new(),
            }
        })
        .collect()
}

fn sqlx_type_name(name: &QualifiedName) -> String {
    if name.schema == "public" {
        quote_ident(&name.name)
    } else {
        format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
    }
}

fn is_keyword(ident: &str) -> bool {
    // Sorted (a test holds it so): one search per field adds up on a large system.
    KEYWORDS.binary_search(&ident).is_ok()
}

fn field_type<'a>(
    table: &Table,
    column: &Column,
    types: &'a TypeNames,
) -> Result<Wrapped<'a>, Box<Diagnostic>> {
    let ColumnType { scalar, array } = &column.ty;
    let name = scalar_type(scalar, types).ok_or_else(|| unknown_enum(table, column))?;
    let (open, close) = match (*array, column.nullable) {
        (false, false) => ("", ""),
        (false, true) => ("Option<", ">"),
        (true, false) => ("Vec<", ">"),
        (true, true) => ("Option<Vec<", ">>"),
    };
    Ok(Wrapped { open, name, close })
}

fn scalar_type<'a>(scalar: &ScalarType, types: &'a TypeNames) -> Option<&'a str> {
    Some(match scalar {
        ScalarType::Text
        | ScalarType::Citext
        | ScalarType::Varchar { .. }
        | ScalarType::Char { .. } => "String",
        ScalarType::SmallInt => "i16",
        ScalarType::Integer => "i32",
        ScalarType::BigInt => "i64",
        ScalarType::Serial { big } | ScalarType::Identity { big } => {
            if *big {
                "i64"
            } else {
                "i32"
            }
        }
        ScalarType::Numeric { .. } => "rust_decimal::Decimal",
        ScalarType::Real => "f32",
        ScalarType::Double => "f64",
        ScalarType::Boolean => "bool",
        ScalarType::Uuid => "uuid::Uuid",
        ScalarType::Timestamptz { .. } => "chrono::DateTime<chrono::Utc>",
        ScalarType::Timestamp { .. } => "chrono::NaiveDateTime",
        ScalarType::Date => "chrono::NaiveDate",
        ScalarType::Time { .. } => "chrono::NaiveTime",
        ScalarType::Json | ScalarType::Jsonb => "serde_json::Value",
        ScalarType::Bytea => "Vec<u8>",
        ScalarType::Enum { name } => types.enums.get(name)?,
        ScalarType::GeoPoint => types.point.as_deref().unwrap_or("GeoPoint"),
    })
}

/// Doc lines that rustdoc cannot mistake for code: `cargo test` would compile an indented
/// or fenced block in a comment as a doctest, so lines lose their indent and opening fences
/// become `text` fences.
fn doc(comment: Option<&str>, name: &str, logical: &str) -> Vec<String> {
    let mut in_fence = false;
    doc_lines(comment, name, logical)
        .into_iter()
        .map(|line| {
            let line = line.trim_start();
            let fence = ["```", "~~~"].into_iter().find(|f| line.starts_with(f));
            match fence {
                Some(fence) => {
                    in_fence = !in_fence;
                    if in_fence {
                        format!("{fence}text")
                    } else {
                        fence.to_string()
                    }
                }
                None => line.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_so_every_one_is_found() {
        assert!(KEYWORDS.windows(2).all(|pair| pair[0] < pair[1]));
        for keyword in KEYWORDS {
            assert!(is_keyword(keyword));
        }
        assert!(!is_keyword("types"));
    }
}
