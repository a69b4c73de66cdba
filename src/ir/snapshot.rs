//! `schema.json`: the IR as the next build reads it back, committed and diffed by teams.
//!
//! One column, index, foreign key or enum value per line, so a change to one is a one-line
//! diff; the structure around them (system, tables, their parts) is indented one space per
//! level. Whatever repeats on every line has a short notation, and nothing derivable is
//! written (docs/schema-json.md describes the format):
//! - columns are a map from the logical name to the column; a column that has nothing but a
//!   type is its type: `"slug":"text"`, `"ratio":"double?"`, `"tags":"text[]"`;
//! - a type is one string (`varchar(200)`, `numeric(12,2)`, `enum:Status`,
//!   `enum:billing.Status`), `?` at its end when the column is nullable; a type without a
//!   notation (a scale without a precision, an enum whose name is not a plain identifier) is
//!   written in the long form of older snapshots;
//! - a default is a JSON value when it is a literal (`"draft"`, `0`, `true`, `[]`; a number
//!   that would not read back as the same text is `{"number":"1.50"}`), else one tagged value:
//!   `{"enum":"ACTIVE"}`, `{"fn":"now()"}`, `{"client":"uuid()"}`, `{"sql":"…"}`, `{"json":"…"}`;
//! - a name in the `public` schema is the bare name (`"db_name":"users"`);
//! - left out: a `db_name` equal to the logical name, the `public` schema, `false`, `asc`,
//!   `btree`, `NO ACTION`, empty lists, and a key's or index's name when it is Postgres's
//!   default (`<table>_pkey`, `<table>_<columns>_fkey`, `_key` for a unique index, `_idx`);
//!   a primary key with that name is its column list, an index part in ascending order
//!   without an operator class its column name.
//!
//! Reading accepts every older snapshot (the pretty one of session 4 and before, session 5's
//! compact one): each left-out field has its default, and [`from_str`] fills in what was
//! derived. A history is rewritten only by its next migration.

use super::Table;
use super::{
    Column, ColumnType, DefaultValue, EnumValue, Index, IndexPart, Literal, PrimaryKey,
    QualifiedName, ScalarType, SortOrder, System,
};
use rayon::prelude::*;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

mod against;
mod write;

pub(crate) use against::{common_prefix, common_prefix_rev};
pub use against::{from_str_against, Read};

/// The text of `schema.json` for `system`.
pub fn to_string(system: &System) -> serde_json::Result<String> {
    write::system(system).map(|written| written.text)
}

/// The text of `schema.json` for `system`, with where each table's text lies in it: what a
/// build after a change compares the previous snapshot with ([`from_str_against`]).
pub fn written(system: &System) -> serde_json::Result<Written> {
    write::system(system)
}

/// A snapshot's text and, for each table of its system, the byte range of the table's object
/// in it (`{` to `}`). The writer is canonical: a table's text depends on that table alone.
#[derive(Debug)]
pub struct Written {
    pub text: String,
    tables: Vec<std::ops::Range<usize>>,
    /// The tables' list, `[` to `]`; `None` when there are no tables (nor a `"tables"` key).
    list: Option<std::ops::Range<usize>>,
}

/// Reads a `schema.json` of any version, the names it left out filled in.
///
/// The tables, nearly all of the text, are read on every core: a build after a small change
/// waits for its history (12 MB at 10,000 models). Each table's text is first only found
/// (serde_json's `RawValue`: checked, not built), then read on its own, in order.
pub fn from_str(text: &str) -> serde_json::Result<System> {
    let Split { tables, mut system } = serde_json::from_str(text)?;
    system.tables = read_tables(&tables)?;
    fill_derived_names(&mut system);
    Ok(system)
}

/// Each table's text read on its own, on every core, in order.
fn read_tables(tables: &[&serde_json::value::RawValue]) -> serde_json::Result<Vec<Table>> {
    let tables: Vec<serde_json::Result<Table>> = tables
        .par_iter()
        .with_min_len(TABLES_PER_TASK)
        .map(|table| serde_json::from_str(table.get()))
        .collect();
    // The first table that does not read is the one reported, as in one pass.
    tables.into_iter().collect()
}

/// A snapshot's tables, each as its text, and everything else read as usual (`tables`
/// then left at its default, empty).
#[derive(Deserialize)]
struct Split<'a> {
    #[serde(borrow, default)]
    tables: Vec<&'a serde_json::value::RawValue>,
    #[serde(flatten)]
    system: System,
}

/// Tables read per task of [`from_str`]: a table of 20 columns takes microseconds, so a
/// small snapshot stays on one thread.
const TABLES_PER_TASK: usize = 64;

/// The names a snapshot leaves out because they are derived (read back empty).
fn fill_derived_names(system: &mut System) {
    for e in &mut system.enums {
        if e.db_name.name.is_empty() {
            e.db_name.name.clone_from(&e.name);
        }
    }
    for table in &mut system.tables {
        if table.db_name.name.is_empty() {
            table.db_name.name.clone_from(&table.name);
        }
        let name = &table.db_name.name;
        if let Some(pk) = table
            .primary_key
            .as_mut()
            .filter(|pk| pk.db_name.is_empty())
        {
            pk.db_name = format!("{name}_pkey");
        }
        for fk in table
            .foreign_keys
            .iter_mut()
            .filter(|k| k.db_name.is_empty())
        {
            fk.db_name = default_name(name, fk.columns.iter().map(String::as_str), "fkey");
        }
        for index in table.indexes.iter_mut().filter(|i| i.db_name.is_empty()) {
            if let Some(derived) = default_index_name(name, index) {
                index.db_name = derived;
            }
        }
    }
}

/// Postgres's name for a constraint or index it names itself: `<table>_<columns>_<suffix>`.
fn default_name<'a>(table: &str, columns: impl Iterator<Item = &'a str>, suffix: &str) -> String {
    let mut name = table.to_string();
    for column in columns {
        name.push('_');
        name.push_str(column);
    }
    name.push('_');
    name.push_str(suffix);
    name
}

/// [`default_name`] of an index over columns only (`_key` when unique, else `_idx`).
fn default_index_name(table: &str, index: &Index) -> Option<String> {
    let columns: Option<Vec<&str>> = index
        .parts
        .iter()
        .map(|part| match part {
            IndexPart::Column { name, .. } => Some(name.as_str()),
            IndexPart::Expression { .. } => None,
        })
        .collect();
    let suffix = if index.unique { "key" } else { "idx" };
    Some(default_name(table, columns?.into_iter(), suffix))
}

/// A name read from a snapshot that may leave it out: the caller fills it in.
pub(super) fn unnamed() -> QualifiedName {
    QualifiedName::public("")
}

pub(super) fn public() -> String {
    "public".into()
}

pub(super) fn is_public(schema: &str) -> bool {
    schema == "public"
}

pub(super) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

// ---------------------------------------------------------------------------------------
// Serde's view of the IR, for what else serializes it (the long form of session 5).

/// A column, its `db_name` left out when it is the logical name. (Destructured, so a new
/// field cannot be forgotten here.)
impl Serialize for Column {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Column {
            name,
            db_name,
            ty,
            nullable,
            default,
            comment,
            span: _,
        } = self;
        let mut s = serializer.serialize_struct("Column", 6)?;
        s.serialize_field("name", name)?;
        if db_name != name {
            s.serialize_field("db_name", db_name)?;
        }
        s.serialize_field("ty", ty)?;
        if *nullable {
            s.serialize_field("nullable", nullable)?;
        }
        if let Some(default) = default {
            s.serialize_field("default", default)?;
        }
        if let Some(comment) = comment {
            s.serialize_field("comment", comment)?;
        }
        s.end()
    }
}

/// An enum value, its `db_name` left out when it is the logical name.
impl Serialize for EnumValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let EnumValue {
            name,
            db_name,
            span: _,
        } = self;
        let mut s = serializer.serialize_struct("EnumValue", 2)?;
        s.serialize_field("name", name)?;
        if db_name != name {
            s.serialize_field("db_name", db_name)?;
        }
        s.end()
    }
}

/// A column type: the scalar alone, or `{"array": scalar}`.
impl Serialize for ColumnType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.array {
            return self.scalar.serialize(serializer);
        }
        let mut s = serializer.serialize_struct("ColumnType", 1)?;
        s.serialize_field("array", &self.scalar)?;
        s.end()
    }
}

// ---------------------------------------------------------------------------------------
// Reading: every form any version wrote.

/// Columns read back: the map of this format, or the list of older ones (each left-out
/// `db_name` filled with the logical name).
pub(super) fn columns<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Column>, D::Error> {
    struct Columns;
    impl<'de> Visitor<'de> for Columns {
        type Value = Vec<Column>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of columns (or a list, before session 7)")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut columns = Vec::with_capacity(map.size_hint().unwrap_or(16));
            while let Some(name) = map.next_key::<String>()? {
                columns.push(map.next_value::<WrittenColumn>()?.into_column(name));
            }
            Ok(columns)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut columns = Vec::with_capacity(seq.size_hint().unwrap_or(16));
            while let Some(mut column) = seq.next_element::<Column>()? {
                if column.db_name.is_empty() {
                    column.db_name.clone_from(&column.name);
                }
                columns.push(column);
            }
            Ok(columns)
        }
    }
    d.deserialize_any(Columns)
}

/// A column of the map: its type alone, or everything but its name. Read by a visitor of
/// its own rather than an untagged enum, which would buffer every column twice.
struct WrittenColumn {
    db_name: Option<String>,
    typed: Typed,
    nullable: bool,
    default: Option<DefaultValue>,
    comment: Option<String>,
}

impl WrittenColumn {
    fn into_column(self, name: String) -> Column {
        Column {
            db_name: self.db_name.unwrap_or_else(|| name.clone()),
            name,
            ty: self.typed.ty,
            nullable: self.nullable || self.typed.nullable,
            default: self.default,
            comment: self.comment,
            span: Default::default(),
        }
    }
}

impl<'de> Deserialize<'de> for WrittenColumn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Columns;
        impl<'de> Visitor<'de> for Columns {
            type Value = WrittenColumn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column: its type, or {\"ty\": …}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(WrittenColumn {
                    db_name: None,
                    typed: parse_type(v).map_err(E::custom)?,
                    nullable: false,
                    default: None,
                    comment: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut db_name, mut typed, mut nullable, mut default, mut comment) =
                    (None, None, false, None, None);
                while let Some(key) = map.next_key::<&str>()? {
                    match key {
                        "db_name" => db_name = Some(map.next_value()?),
                        "ty" => typed = Some(map.next_value()?),
                        "nullable" => nullable = map.next_value()?,
                        "default" => default = Some(map.next_value()?),
                        "comment" => comment = Some(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, COLUMN_FIELDS)),
                    }
                }
                Ok(WrittenColumn {
                    db_name,
                    typed: typed.ok_or_else(|| de::Error::missing_field("ty"))?,
                    nullable,
                    default,
                    comment,
                })
            }
        }
        d.deserialize_any(Columns)
    }
}

const COLUMN_FIELDS: &[&str] = &["db_name", "ty", "nullable", "default", "comment"];

/// A column's type with the nullability its notation may carry (`text?`).
struct Typed {
    ty: ColumnType,
    nullable: bool,
}

impl<'de> Deserialize<'de> for Typed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Types;
        impl<'de> Visitor<'de> for Types {
            type Value = Typed;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column type")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse_type(v).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let ty = ColumnType::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Typed {
                    ty,
                    nullable: false,
                })
            }
        }
        d.deserialize_any(Types)
    }
}

/// A column type in any form: the notation (`varchar(200)[]`), the scalar alone or
/// `{"array": scalar}` (session 5), or `{"scalar": …, "array": …}` (before).
impl<'de> Deserialize<'de> for ColumnType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Notation(String),
            Before {
                scalar: ScalarType,
                #[serde(default)]
                array: bool,
            },
            Array {
                array: ScalarType,
            },
            Scalar(ScalarType),
        }
        Ok(match Written::deserialize(d)? {
            Written::Notation(text) => match parse_type(&text).map_err(de::Error::custom)? {
                Typed {
                    ty,
                    nullable: false,
                } => ty,
                Typed { .. } => return Err(de::Error::custom("a `?` outside a column")),
            },
            Written::Before { scalar, array } => ColumnType { scalar, array },
            Written::Array { array } => ColumnType::array_of(array),
            Written::Scalar(scalar) => ColumnType::scalar(scalar),
        })
    }
}

/// The IR's name for each scalar type without arguments, as the notation spells it.
const PLAIN_TYPES: &[(&str, ScalarType)] = &[
    ("text", ScalarType::Text),
    ("citext", ScalarType::Citext),
    ("small_int", ScalarType::SmallInt),
    ("integer", ScalarType::Integer),
    ("big_int", ScalarType::BigInt),
    ("serial", ScalarType::Serial { big: false }),
    ("big_serial", ScalarType::Serial { big: true }),
    ("identity", ScalarType::Identity { big: false }),
    ("big_identity", ScalarType::Identity { big: true }),
    ("real", ScalarType::Real),
    ("double", ScalarType::Double),
    ("boolean", ScalarType::Boolean),
    ("uuid", ScalarType::Uuid),
    ("date", ScalarType::Date),
    ("json", ScalarType::Json),
    ("jsonb", ScalarType::Jsonb),
    ("bytea", ScalarType::Bytea),
    ("geo_point", ScalarType::GeoPoint),
];

/// `name(arguments)[]?` → the type (see [`write::type_notation`], its inverse).
fn parse_type(text: &str) -> Result<Typed, String> {
    let (rest, nullable) = match text.strip_suffix('?') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let (rest, array) = match rest.strip_suffix("[]") {
        Some(rest) => (rest, true),
        None => (rest, false),
    };
    let scalar = parse_scalar(rest).ok_or_else(|| format!("unknown column type `{text}`"))?;
    Ok(Typed {
        ty: ColumnType { scalar, array },
        nullable,
    })
}

fn parse_scalar(text: &str) -> Option<ScalarType> {
    if let Some(name) = text.strip_prefix("enum:") {
        let name = match name.split_once('.') {
            Some((schema, name)) => QualifiedName::new(schema, name),
            None => QualifiedName::public(name),
        };
        return Some(ScalarType::Enum {
            name: Box::new(name),
        });
    }
    let (name, arguments) = match text.split_once('(') {
        Some((name, arguments)) => (name, Some(arguments.strip_suffix(')')?)),
        None => (text, None),
    };
    let numbers: Vec<u32> = match arguments {
        Some(arguments) => arguments
            .split(',')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?,
        None => Vec::new(),
    };
    let precision = |n: u32| u8::try_from(n).ok();
    Some(match (name, numbers.as_slice()) {
        ("varchar", [] | [_]) => ScalarType::Varchar {
            length: numbers.first().copied(),
        },
        ("char", [] | [_]) => ScalarType::Char {
            length: numbers.first().copied(),
        },
        ("numeric", [] | [_] | [_, _]) => ScalarType::Numeric {
            precision: numbers.first().copied(),
            scale: numbers.get(1).copied(),
        },
        ("timestamptz", []) => ScalarType::Timestamptz { precision: None },
        ("timestamptz", [p]) => ScalarType::Timestamptz {
            precision: Some(precision(*p)?),
        },
        ("timestamp", []) => ScalarType::Timestamp { precision: None },
        ("timestamp", [p]) => ScalarType::Timestamp {
            precision: Some(precision(*p)?),
        },
        ("time", []) => ScalarType::Time { precision: None },
        ("time", [p]) => ScalarType::Time {
            precision: Some(precision(*p)?),
        },
        (name, []) => PLAIN_TYPES.iter().find(|(n, _)| *n == name)?.1.clone(),
        _ => return None,
    })
}

/// A default in any form: a literal as JSON or one tagged value (this format), or
/// `{"kind": …, "value": …}` (before).
impl<'de> Deserialize<'de> for DefaultValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Defaults;
        impl<'de> Visitor<'de> for Defaults {
            type Value = DefaultValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a default: a literal, or {\"enum\" | \"fn\" | \"client\" | \"sql\": …}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(DefaultValue::Literal(Literal::String(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(DefaultValue::Literal(Literal::Bool(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(DefaultValue::Literal(Literal::Number(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(DefaultValue::Literal(Literal::Number(v.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Ok(DefaultValue::Literal(literal_list(seq)?))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let key = map.next_key::<String>()?.unwrap_or_default();
                let default = match key.as_str() {
                    "kind" | "value" => return before(key, map),
                    "enum" => DefaultValue::EnumValue(map.next_value()?),
                    "client" => DefaultValue::Client(map.next_value()?),
                    "sql" => DefaultValue::Sql(map.next_value()?),
                    "fn" => match map.next_value::<&str>()? {
                        "now()" => DefaultValue::Now,
                        "gen_random_uuid()" => DefaultValue::GenRandomUuid,
                        call => return Err(de::Error::custom(format!("unknown default `{call}`"))),
                    },
                    _ => DefaultValue::Literal(tagged_literal(&key, &mut map)?),
                };
                only_key(map, default)
            }
        }
        d.deserialize_any(Defaults)
    }
}

/// The default of snapshots before session 7, `{"kind": …, "value": …}`, its first key read.
fn before<'de, A: MapAccess<'de>>(first: String, mut map: A) -> Result<DefaultValue, A::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case", tag = "kind", content = "value")]
    enum Before {
        Literal(Literal),
        EnumValue(String),
        Now,
        GenRandomUuid,
        Client(String),
        Sql(String),
    }
    let mut fields = serde_json::Map::new();
    fields.insert(first, map.next_value()?);
    while let Some(key) = map.next_key::<String>()? {
        fields.insert(key, map.next_value()?);
    }
    let before =
        Before::deserialize(serde_json::Value::Object(fields)).map_err(de::Error::custom)?;
    Ok(match before {
        Before::Literal(literal) => DefaultValue::Literal(literal),
        Before::EnumValue(value) => DefaultValue::EnumValue(value),
        Before::Now => DefaultValue::Now,
        Before::GenRandomUuid => DefaultValue::GenRandomUuid,
        Before::Client(call) => DefaultValue::Client(call),
        Before::Sql(sql) => DefaultValue::Sql(sql),
    })
}

/// `{"number": "1.50"}` or `{"json": "…"}`, its key read.
fn tagged_literal<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Literal, A::Error> {
    match key {
        "number" => Ok(Literal::Number(map.next_value()?)),
        "json" => Ok(Literal::Json(map.next_value()?)),
        _ => Err(de::Error::custom(format!("not a default: `{key}`"))),
    }
}

/// A tagged value is a map of one key.
fn only_key<'de, A: MapAccess<'de>, T>(mut map: A, value: T) -> Result<T, A::Error> {
    match map.next_key::<String>()? {
        None => Ok(value),
        Some(more) => Err(de::Error::custom(format!("one key expected, `{more}` too"))),
    }
}

fn literal_list<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Literal, A::Error> {
    let mut items = Vec::new();
    while let Some(item) = seq.next_element::<WrittenLiteral>()? {
        items.push(item.0);
    }
    Ok(Literal::Array(items))
}

/// A literal as this format writes it: JSON strings, integers, booleans and arrays as
/// themselves, other numbers and JSON documents tagged.
struct WrittenLiteral(Literal);

impl<'de> Deserialize<'de> for WrittenLiteral {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Literals;
        impl<'de> Visitor<'de> for Literals {
            type Value = WrittenLiteral;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a literal: a string, an integer, a boolean, a list, {"number": …} or {"json": …}"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(WrittenLiteral(Literal::String(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(WrittenLiteral(Literal::String(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(WrittenLiteral(Literal::Bool(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(WrittenLiteral(Literal::Number(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(WrittenLiteral(Literal::Number(v.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Ok(WrittenLiteral(literal_list(seq)?))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let key = map.next_key::<String>()?.unwrap_or_default();
                let literal = tagged_literal(&key, &mut map)?;
                only_key(map, WrittenLiteral(literal))
            }
        }
        d.deserialize_any(Literals)
    }
}

/// A qualified name: the bare name in `public` (this format), or `{"schema", "name"}`.
impl<'de> Deserialize<'de> for QualifiedName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Public(String),
            Qualified {
                #[serde(default = "public")]
                schema: String,
                name: String,
            },
        }
        Ok(match Written::deserialize(d)? {
            Written::Public(name) => QualifiedName::public(name),
            Written::Qualified { schema, name } => QualifiedName { schema, name },
        })
    }
}

/// An enum value: its name (when that is its database name too), or `{"name", "db_name"}`.
impl<'de> Deserialize<'de> for EnumValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Name(String),
            Full {
                name: String,
                #[serde(default)]
                db_name: Option<String>,
            },
        }
        let (name, db_name) = match Written::deserialize(d)? {
            Written::Name(name) => (name, None),
            Written::Full { name, db_name } => (name, db_name),
        };
        Ok(EnumValue {
            db_name: db_name.unwrap_or_else(|| name.clone()),
            name,
            span: Default::default(),
        })
    }
}

/// A primary key: its columns (when its name is `<table>_pkey`, filled in by [`from_str`]),
/// or `{"db_name", "columns"}`.
impl<'de> Deserialize<'de> for PrimaryKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Columns(Vec<String>),
            Full {
                #[serde(default)]
                db_name: String,
                columns: Vec<String>,
            },
        }
        let (db_name, columns) = match Written::deserialize(d)? {
            Written::Columns(columns) => (String::new(), columns),
            Written::Full { db_name, columns } => (db_name, columns),
        };
        Ok(PrimaryKey {
            db_name,
            columns,
            span: Default::default(),
        })
    }
}

/// An index part: a column name (ascending, no operator class), `{"desc": column}`, or the
/// tagged form `{"kind": "column" | "expression", …}`.
impl<'de> Deserialize<'de> for IndexPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case", tag = "kind")]
        enum Tagged {
            Column {
                name: String,
                #[serde(default)]
                order: SortOrder,
                #[serde(default)]
                opclass: Option<String>,
            },
            Expression {
                sql: String,
            },
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Column(String),
            Descending { desc: String },
            Tagged(Tagged),
        }
        Ok(match Written::deserialize(d)? {
            Written::Column(name) => IndexPart::Column {
                name,
                order: SortOrder::Asc,
                opclass: None,
            },
            Written::Descending { desc } => IndexPart::Column {
                name: desc,
                order: SortOrder::Desc,
                opclass: None,
            },
            Written::Tagged(Tagged::Column {
                name,
                order,
                opclass,
            }) => IndexPart::Column {
                name,
                order,
                opclass,
            },
            Written::Tagged(Tagged::Expression { sql }) => IndexPart::Expression { sql },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{fill_derived_names, from_str, System};

    /// A snapshot of `n` tables, table `i` with a column of type `ty(i)`.
    fn snapshot(n: usize, ty: impl Fn(usize) -> &'static str) -> String {
        let tables: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"name":"T{i}","columns":{{"id":"{}","n":{{"ty":"integer","default":{i}}}}},"primary_key":["id"]}}"#,
                    ty(i)
                )
            })
            .collect();
        format!(r#"{{"name":"s","tables":[{}]}}"#, tables.join(","))
    }

    #[test]
    fn tables_read_on_every_core_are_the_tables_of_one_pass_in_order() {
        let text = snapshot(300, |_| "uuid");
        let mut one_pass: System = serde_json::from_str(&text).unwrap();
        fill_derived_names(&mut one_pass);
        let system = from_str(&text).unwrap();
        assert_eq!(system.tables.len(), 300);
        assert_eq!(system, one_pass);
        assert_eq!(system.tables[299].name, "T299");
        assert_eq!(
            system.tables[299].primary_key.as_ref().unwrap().db_name,
            "T299_pkey"
        );
    }

    #[test]
    fn the_first_table_that_does_not_read_is_reported() {
        let text = snapshot(300, |i| match i {
            150 => "bogus_first",
            250 => "bogus_second",
            _ => "uuid",
        });
        let error = from_str(&text).unwrap_err().to_string();
        assert!(error.contains("bogus_first"), "{error}");
    }
}
