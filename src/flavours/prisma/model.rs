//! A model → a table: column types and defaults, ids, uniques, indexes, and the
//! YAML-only `indexes:` and `checks:` keys.

use super::line::{Arg, Attribute, Expr, ExprKind};
use super::{names, Field, FieldKind, Model, Src, TypeNames};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::{
    check_keys, closest, expect_bool, expect_map, expect_scalar, expect_seq,
};
use crate::ir::{
    Check, Column, ColumnType, DefaultValue, Index, IndexMethod, IndexPart, Literal, PrimaryKey,
    ScalarType, SortOrder, Span, Table,
};
use crate::load::{Node, Value};

const FIELD_ATTRIBUTES: &[&str] = &[
    "@id",
    "@unique",
    "@default",
    "@updatedAt",
    "@map",
    "@db",
    "@relation",
];
const BLOCK_ATTRIBUTES: &[&str] = &["@@id", "@@unique", "@@index", "@@map", "@@schema"];
const INDEX_KEYS: &[&str] = &[
    "name",
    "columns",
    "expression",
    "unique",
    "using",
    "where",
    "concurrently",
];

/// The Prisma scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    String,
    Int,
    BigInt,
    Float,
    Decimal,
    Boolean,
    DateTime,
    Json,
    Bytes,
}

impl Scalar {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "String" => Self::String,
            "Int" => Self::Int,
            "BigInt" => Self::BigInt,
            "Float" => Self::Float,
            "Decimal" => Self::Decimal,
            "Boolean" => Self::Boolean,
            "DateTime" => Self::DateTime,
            "Json" => Self::Json,
            "Bytes" => Self::Bytes,
            _ => return None,
        })
    }

    /// The column type `prisma migrate` uses when no `@db.*` attribute says otherwise.
    fn default_type(self) -> ScalarType {
        match self {
            Self::String => ScalarType::Text,
            Self::Int => ScalarType::Integer,
            Self::BigInt => ScalarType::BigInt,
            Self::Float => ScalarType::Double,
            Self::Decimal => ScalarType::Numeric {
                precision: Some(65),
                scale: Some(30),
            },
            Self::Boolean => ScalarType::Boolean,
            Self::DateTime => ScalarType::Timestamp { precision: Some(3) },
            Self::Json => ScalarType::Jsonb,
            Self::Bytes => ScalarType::Bytea,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Int => "Int",
            Self::BigInt => "BigInt",
            Self::Float => "Float",
            Self::Decimal => "Decimal",
            Self::Boolean => "Boolean",
            Self::DateTime => "DateTime",
            Self::Json => "Json",
            Self::Bytes => "Bytes",
        }
    }
}

/// What a field's type is, before attributes: a Prisma scalar or an enum (by index).
#[derive(Clone, Copy)]
enum Base {
    Scalar(Scalar),
    Enum(usize),
}

/// Decides what a field is and, for a scalar or enum field, builds its column.
pub(super) fn field_kind(
    field: &mut Field,
    path: &str,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) -> FieldKind {
    let ty = field.line.ty.text.as_str();
    let base = match (Scalar::parse(ty), types.enums.get(ty)) {
        (Some(scalar), _) => Base::Scalar(scalar),
        (None, Some(&index)) => Base::Enum(index),
        // A model of this or another flavour, or an unknown type: `lower` decides.
        (None, None) => return FieldKind::Relation,
    };
    let mut scalar = match base {
        Base::Scalar(s) => s.default_type(),
        Base::Enum(i) => ScalarType::Enum {
            name: types.enum_list[i].db_name.clone(),
        },
    };
    let mut default = None;
    for attr in &field.line.attributes {
        let name = attr.name.text.as_str();
        match name {
            "id" | "unique" => {}
            "map" => {
                if let Some(db_name) = string_arg(attr, &field.src, path, diags) {
                    field.db_name = db_name;
                }
            }
            "default" => default = Some(attr),
            "updatedAt" => {
                if !matches!(base, Base::Scalar(Scalar::DateTime)) {
                    diags.push(bad_argument(
                        attr,
                        &field.src,
                        path,
                        format!("`@updatedAt` fits DateTime fields, not {ty}"),
                        "remove `@updatedAt` or make the field a DateTime",
                    ));
                }
            }
            "relation" => {
                diags.push(bad_argument(
                    attr,
                    &field.src,
                    path,
                    format!("`@relation` belongs on a field whose type is a model, not {ty}"),
                    "put `@relation(fields: [...], references: [...])` on the field that holds the model",
                ));
            }
            _ if name.starts_with("db.") => {
                match (base, native_type(attr, &field.src, path, diags)) {
                    (Base::Scalar(s), Some((fits, native))) if fits == s => scalar = native,
                    (_, Some((fits, _))) => {
                        diags.push(bad_argument(
                            attr,
                            &field.src,
                            path,
                            format!("`@{name}` fits {} fields, not {ty}", fits.name()),
                            "use a native type that fits the field's type",
                        ));
                    }
                    (_, None) => {}
                }
            }
            _ => {
                diags.push(unknown_attribute(
                    attr,
                    &field.src,
                    path,
                    FIELD_ATTRIBUTES,
                    false,
                ));
            }
        }
    }
    let mut column = Column {
        name: field.line.name.text.clone(),
        db_name: field.db_name.clone(),
        ty: ColumnType {
            scalar,
            array: field.line.list,
        },
        // Prisma makes scalar lists nullable columns (`TEXT[]`), even when the field is not optional.
        nullable: field.line.optional || field.line.list,
        default: None,
        comment: field.doc.clone(),
        span: field.name_span,
    };
    if let Some(attr) = default {
        match default_value(attr, base, &mut column.ty, types, &field.src, path) {
            Ok(value) => column.default = value,
            Err(d) => {
                diags.push(*d);
            }
        }
    }
    // A field with a bad attribute still makes its column (errors are reported above),
    // so that what refers to it (ids, indexes, keys) reports nothing twice.
    FieldKind::Column(column)
}

/// `@db.Name(args)` → the scalar it fits and the column type it makes.
fn native_type(
    attr: &Attribute,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<(Scalar, ScalarType)> {
    const NATIVE: &[&str] = &[
        "Text",
        "VarChar",
        "Char",
        "Uuid",
        "SmallInt",
        "Integer",
        "BigInt",
        "Real",
        "DoublePrecision",
        "Decimal",
        "Boolean",
        "Timestamp",
        "Timestamptz",
        "Date",
        "Time",
        "Json",
        "JsonB",
        "ByteA",
    ];
    const UNSUPPORTED: &[&str] = &[
        "Bit", "VarBit", "Xml", "Inet", "Citext", "Oid", "Money", "Timetz",
    ];
    let name = &attr.name.text["db.".len()..];
    let mut numbers = Vec::new();
    for arg in &attr.args {
        match (&arg.name, &arg.value.kind) {
            (None, ExprKind::Number(n)) if n.parse::<u32>().is_ok() => {
                numbers.push(n.parse::<u32>().ok()?)
            }
            _ => {
                diags.push(bad_argument(
                    attr,
                    src,
                    path,
                    format!(
                        "`@db.{name}` takes whole numbers, found {}",
                        arg.value.kind_name()
                    ),
                    "write it as in schema.prisma, e.g. `@db.VarChar(255)`",
                ));
                return None;
            }
        }
    }
    let precision = numbers.first().map(|&p| p.min(u32::from(u8::MAX)) as u8);
    let (fits, ty, max_args) = match name {
        "Text" => (Scalar::String, ScalarType::Text, 0),
        "VarChar" => (
            Scalar::String,
            ScalarType::Varchar {
                length: numbers.first().copied(),
            },
            1,
        ),
        "Char" => (
            Scalar::String,
            ScalarType::Char {
                length: numbers.first().copied(),
            },
            1,
        ),
        "Uuid" => (Scalar::String, ScalarType::Uuid, 0),
        "SmallInt" => (Scalar::Int, ScalarType::SmallInt, 0),
        "Integer" => (Scalar::Int, ScalarType::Integer, 0),
        "BigInt" => (Scalar::BigInt, ScalarType::BigInt, 0),
        "Real" => (Scalar::Float, ScalarType::Real, 0),
        "DoublePrecision" => (Scalar::Float, ScalarType::Double, 0),
        "Decimal" => (
            Scalar::Decimal,
            ScalarType::Numeric {
                precision: numbers.first().copied(),
                scale: numbers.get(1).copied(),
            },
            2,
        ),
        "Boolean" => (Scalar::Boolean, ScalarType::Boolean, 0),
        "Timestamp" => (Scalar::DateTime, ScalarType::Timestamp { precision }, 1),
        "Timestamptz" => (Scalar::DateTime, ScalarType::Timestamptz { precision }, 1),
        "Date" => (Scalar::DateTime, ScalarType::Date, 0),
        "Time" => (Scalar::DateTime, ScalarType::Time { precision }, 1),
        "Json" => (Scalar::Json, ScalarType::Json, 0),
        "JsonB" => (Scalar::Json, ScalarType::Jsonb, 0),
        "ByteA" => (Scalar::Bytes, ScalarType::Bytea, 0),
        _ => {
            let message = if UNSUPPORTED.contains(&name) {
                format!("`@db.{name}` is a Postgres type schemagen does not support yet")
            } else {
                format!("unknown native type `@db.{name}`")
            };
            let mut d = Diagnostic::error(Code::UnknownAttribute, src.span(attr.at), message)
                .at_path(path.to_string());
            d = match closest(name, NATIVE) {
                Some(near) if !UNSUPPORTED.contains(&name) => {
                    d.with_help(format!("did you mean `@db.{near}`?"))
                }
                _ => d.with_help(format!("native types: @db.{}", NATIVE.join(", @db."))),
            };
            diags.push(d);
            return None;
        }
    };
    let arity_ok = numbers.len() <= max_args && !(name == "Decimal" && numbers.len() == 1);
    let precision_ok = !matches!(name, "Timestamp" | "Timestamptz" | "Time")
        || numbers.first().is_none_or(|&p| p <= 6);
    if !arity_ok || !precision_ok {
        diags.push(bad_argument(
            attr,
            src,
            path,
            format!("`@db.{name}` does not take these arguments"),
            match name {
                "Decimal" => "write `@db.Decimal(precision, scale)`, e.g. `@db.Decimal(10, 2)`",
                "VarChar" | "Char" => "give at most a length, e.g. `@db.VarChar(255)`",
                "Timestamp" | "Timestamptz" | "Time" => {
                    "give at most a precision from 0 to 6, e.g. `@db.Timestamptz(6)`"
                }
                _ => "this native type takes no arguments",
            },
        ));
        return None;
    }
    Some((fits, ty))
}

/// `@default(...)` → the column default. `autoincrement()` turns the column into a serial.
fn default_value(
    attr: &Attribute,
    base: Base,
    ty: &mut ColumnType,
    types: &TypeNames<'_>,
    src: &Src,
    path: &str,
) -> Result<Option<DefaultValue>, Box<Diagnostic>> {
    let [Arg { name: None, value }] = attr.args.as_slice() else {
        return Err(Box::new(bad_argument(
            attr,
            src,
            path,
            "`@default` takes exactly one value".into(),
            "e.g. `@default(0)`, `@default(now())`, `@default(uuid())`",
        )));
    };
    let type_name = match base {
        Base::Scalar(s) => s.name(),
        Base::Enum(i) => types.enum_list[i].name.as_str(),
    };
    let misfit = |what: String| {
        Box::new(
            Diagnostic::error(Code::BadValue, src.span(value.at), what)
                .at_path(path.to_string())
                .with_help(match base {
                    Base::Scalar(Scalar::String) => {
                        "give a string in double quotes, or `uuid()` / `cuid()`".to_string()
                    }
                    Base::Scalar(Scalar::DateTime) => {
                        "use `now()` or `dbgenerated(\"...\")`".to_string()
                    }
                    Base::Scalar(Scalar::Boolean) => "use `true` or `false`".to_string(),
                    Base::Enum(i) => format!(
                        "use one of the values of {}: {}",
                        types.enum_list[i].name,
                        types.enum_list[i]
                            .values
                            .iter()
                            .map(|v| v.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => "use a number".to_string(),
                }),
        )
    };
    if let ExprKind::Call(function, args) = &value.kind {
        return match (function.as_str(), base) {
            ("autoincrement", Base::Scalar(Scalar::Int | Scalar::BigInt)) if !ty.array => {
                ty.scalar = match ty.scalar {
                    ScalarType::Integer => ScalarType::Serial { big: false },
                    ScalarType::BigInt => ScalarType::Serial { big: true },
                    _ => return Err(misfit(
                        "`autoincrement()` fits Int and BigInt columns without another native type"
                            .into(),
                    )),
                };
                Ok(None)
            }
            ("now", Base::Scalar(Scalar::DateTime)) if !ty.array => Ok(Some(DefaultValue::Now)),
            ("uuid" | "cuid" | "nanoid" | "ulid", Base::Scalar(Scalar::String)) if !ty.array => {
                let args: Vec<String> = args.iter().map(|a| literal_text(&a.value)).collect();
                Ok(Some(DefaultValue::Client(format!(
                    "{function}({})",
                    args.join(", ")
                ))))
            }
            ("dbgenerated", _) => match args.as_slice() {
                [] => Ok(None),
                [Arg {
                    name: None,
                    value:
                        Expr {
                            kind: ExprKind::Str(sql),
                            ..
                        },
                }] => Ok(Some(DefaultValue::Sql(sql.clone()))),
                _ => Err(misfit("`dbgenerated` takes one SQL string".into())),
            },
            (f @ ("autoincrement" | "now" | "uuid" | "cuid" | "nanoid" | "ulid"), _) => {
                Err(misfit(format!(
                    "`{f}()` does not fit the type {type_name}{}",
                    if ty.array { "[]" } else { "" }
                )))
            }
            (f, _) => Err(misfit(format!("unknown default function `{f}()`"))),
        };
    }
    if ty.array {
        let ExprKind::List(items) = &value.kind else {
            return Err(misfit(format!(
                "a list field needs a list default, found {}",
                value.kind_name()
            )));
        };
        let literals = items
            .iter()
            .map(|item| {
                literal(item, base, types).ok_or_else(|| {
                    misfit(format!(
                        "{} does not fit the type {type_name}[]",
                        item.kind_name()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Some(DefaultValue::Literal(Literal::Array(literals))));
    }
    if let (Base::Enum(i), ExprKind::Ident(name)) = (base, &value.kind) {
        return match types.enum_list[i].values.iter().find(|v| &v.name == name) {
            Some(v) => Ok(Some(DefaultValue::EnumValue(v.db_name.clone()))),
            None => Err(misfit(format!(
                "`{name}` is not a value of enum {type_name}"
            ))),
        };
    }
    match literal(value, base, types) {
        Some(lit) => Ok(Some(DefaultValue::Literal(lit))),
        None => Err(misfit(format!(
            "{} does not fit the type {type_name}",
            value.kind_name()
        ))),
    }
}

/// A literal default for one value of the field's type.
fn literal(value: &Expr, base: Base, types: &TypeNames<'_>) -> Option<Literal> {
    let Base::Scalar(scalar) = base else {
        let ExprKind::Ident(name) = &value.kind else {
            return None;
        };
        let Base::Enum(i) = base else { return None };
        let v = types.enum_list[i].values.iter().find(|v| &v.name == name)?;
        return Some(Literal::String(v.db_name.clone()));
    };
    match (&value.kind, scalar) {
        (ExprKind::Str(s), Scalar::String | Scalar::DateTime | Scalar::Bytes) => {
            Some(Literal::String(s.clone()))
        }
        (ExprKind::Str(s), Scalar::Json) => Some(Literal::Json(s.clone())),
        (ExprKind::Number(n), Scalar::Int | Scalar::BigInt) if !n.contains('.') => {
            Some(Literal::Number(n.clone()))
        }
        (ExprKind::Number(n), Scalar::Float | Scalar::Decimal) => Some(Literal::Number(n.clone())),
        (ExprKind::Ident(b), Scalar::Boolean) if b == "true" || b == "false" => {
            Some(Literal::Bool(b == "true"))
        }
        _ => None,
    }
}

fn literal_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Number(n) | ExprKind::Ident(n) => n.clone(),
        ExprKind::Call(f, _) => format!("{f}(..)"),
        ExprKind::List(_) => "[..]".into(),
    }
}

/// The primary key as the catalog shows it to other flavours: (column, type) in key order.
pub(super) fn primary_key_columns(model: &Model<'_>) -> Vec<(String, ColumnType)> {
    let column_of = |name: &str| match model
        .field_by_name
        .get(name)
        .map(|&i| &model.fields[i].kind)
    {
        Some(FieldKind::Column(c)) => Some((c.db_name.clone(), c.ty.clone())),
        _ => None,
    };
    for field in &model.fields {
        if field.line.attributes.iter().any(|a| a.name.text == "id") {
            return column_of(&field.line.name.text).into_iter().collect();
        }
    }
    for (block, _) in &model.blocks {
        if block.name.text == "id" {
            if let Some(Arg {
                value:
                    Expr {
                        kind: ExprKind::List(items),
                        ..
                    },
                ..
            }) = block.args.first()
            {
                return items
                    .iter()
                    .filter_map(|item| match &item.kind {
                        ExprKind::Ident(name) | ExprKind::Call(name, _) => column_of(name),
                        _ => None,
                    })
                    .collect();
            }
        }
    }
    Vec::new()
}

/// Whether `columns` (database names, any order) are the model's id or one of its
/// unique constraints, as Prisma requires for the key side of a one-to-one relation.
pub(super) fn is_unique(model: &Model<'_>, columns: &[String]) -> bool {
    let db = |name: &str| match model
        .field_by_name
        .get(name)
        .map(|&i| &model.fields[i].kind)
    {
        Some(FieldKind::Column(c)) => Some(c.db_name.as_str()),
        _ => None,
    };
    let same = |set: Vec<&str>| {
        set.len() == columns.len() && columns.iter().all(|c| set.contains(&c.as_str()))
    };
    let single = model.fields.iter().any(|f| {
        f.line
            .attributes
            .iter()
            .any(|a| a.name.text == "id" || a.name.text == "unique")
            && db(&f.line.name.text).is_some_and(|c| same(vec![c]))
    });
    single
        || model.blocks.iter().any(|(block, _)| {
            matches!(block.name.text.as_str(), "id" | "unique")
                && match block.args.first().map(|a| &a.value.kind) {
                    Some(ExprKind::List(items)) => same(
                        items
                            .iter()
                            .filter_map(|i| match &i.kind {
                                ExprKind::Ident(n) | ExprKind::Call(n, _) => db(n),
                                _ => None,
                            })
                            .collect(),
                    ),
                    _ => false,
                }
        })
}

/// `@@map` and `@@schema` from the body, each with where it is written.
pub(super) type Setting = Option<(String, Span)>;

pub(super) fn table_attributes(model: &Model<'_>, diags: &mut Diagnostics) -> (Setting, Setting) {
    let mut map = None;
    let mut schema = None;
    for (block, src) in &model.blocks {
        let slot = match block.name.text.as_str() {
            "map" => &mut map,
            "schema" => &mut schema,
            _ => continue,
        };
        if let Some(value) = string_arg(block, src, &model.name, diags) {
            *slot = Some((value, src.span(block.at)));
        }
    }
    (map, schema)
}

/// The model's table, without foreign keys (those come from the relations).
pub(super) fn table(model: &Model<'_>, diags: &mut Diagnostics) -> Table {
    let mut table = Table {
        name: model.name.clone(),
        db_name: model.table.clone(),
        columns: Vec::new(),
        primary_key: None,
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: model.comment.clone(),
        span: model.span,
    };
    let t = model.table.name.as_str();
    for field in &model.fields {
        let FieldKind::Column(column) = &field.kind else {
            continue;
        };
        table.columns.push(column.clone());
        let path = format!("{}.{}", model.name, field.line.name.text);
        for attr in &field.line.attributes {
            let unique = match attr.name.text.as_str() {
                "id" => false,
                "unique" => true,
                _ => continue,
            };
            let args = args(
                attr,
                &["", "map", "sort", "length", "clustered"],
                &field.src,
                &path,
                diags,
            );
            let map = args[1].and_then(|e| string_value(e, attr, &field.src, &path, diags));
            let order = args[2].map_or(SortOrder::Asc, |e| sort_order(e, &field.src, &path, diags));
            let span = field.src.span(attr.at);
            let columns = [column.db_name.as_str()];
            if unique {
                table.indexes.push(index(
                    map.unwrap_or_else(|| names::unique(t, &columns)),
                    vec![part(&column.db_name, order, None)],
                    true,
                    IndexMethod::Btree,
                    span,
                ));
            } else {
                set_primary_key(
                    &mut table,
                    model,
                    map,
                    vec![column.db_name.clone()],
                    span,
                    diags,
                );
            }
        }
    }
    for (block, src) in &model.blocks {
        let path = model.name.as_str();
        let span = src.span(block.at);
        match block.name.text.as_str() {
            "map" | "schema" => {}
            "id" => {
                let args = args(
                    block,
                    &["fields", "name", "map", "clustered"],
                    src,
                    path,
                    diags,
                );
                let map = args[2].and_then(|e| string_value(e, block, src, path, diags));
                if let Some(parts) = field_list(args[0], block, model, src, path, diags) {
                    let columns = parts.iter().map(column_name).collect();
                    set_primary_key(&mut table, model, map, columns, span, diags);
                }
            }
            kind @ ("unique" | "index") => {
                let unique = kind == "unique";
                let params: &[&str] = if unique {
                    &["fields", "name", "map", "clustered"]
                } else {
                    &["fields", "name", "map", "type", "clustered"]
                };
                let args = args(block, params, src, path, diags);
                let map = args[2].and_then(|e| string_value(e, block, src, path, diags));
                let method = if unique {
                    IndexMethod::Btree
                } else {
                    args[3].map_or(IndexMethod::Btree, |e| index_type(e, src, path, diags))
                };
                let Some(parts) = field_list(args[0], block, model, src, path, diags) else {
                    continue;
                };
                let columns: Vec<String> = parts.iter().map(column_name).collect();
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                let name = map.unwrap_or_else(|| {
                    if unique {
                        names::unique(t, &columns)
                    } else {
                        names::index(t, &columns)
                    }
                });
                table.indexes.push(index(name, parts, unique, method, span));
            }
            _ => diags.push(unknown_attribute(block, src, path, BLOCK_ATTRIBUTES, true)),
        }
    }
    if let Some(node) = model.node.get("indexes") {
        yaml_indexes(node, model, &mut table, diags);
    }
    if let Some(node) = model.node.get("checks") {
        for (key, value) in
            expect_map(node, &format!("{}.checks", model.name), diags).unwrap_or_default()
        {
            if let Some(expression) =
                expect_scalar(value, &format!("{}.checks.{}", model.name, key.name), diags)
            {
                table.checks.push(Check {
                    db_name: key.name.clone(),
                    expression,
                    span: key.span,
                });
            }
        }
    }
    table
}

fn set_primary_key(
    table: &mut Table,
    model: &Model<'_>,
    map: Option<String>,
    columns: Vec<String>,
    span: Span,
    diags: &mut Diagnostics,
) {
    if let Some(first) = &table.primary_key {
        diags.push(
            Diagnostic::error(
                Code::BadAttributeArgument,
                span,
                format!("model `{}` has a second id", model.name),
            )
            .at_path(model.name.clone())
            .with_related(first.span, "the first id is declared here")
            .with_help(
                "a model has one id: mark one field `@id`, or list several in `@@id([a, b])`",
            ),
        );
        return;
    }
    table.primary_key = Some(PrimaryKey {
        db_name: map.unwrap_or_else(|| names::primary_key(&model.table.name)),
        columns,
        span,
    });
}

fn index(
    db_name: String,
    parts: Vec<IndexPart>,
    unique: bool,
    method: IndexMethod,
    span: Span,
) -> Index {
    Index {
        db_name,
        parts,
        unique,
        method,
        predicate: None,
        concurrently: false,
        span,
    }
}

fn part(column: &str, order: SortOrder, opclass: Option<String>) -> IndexPart {
    IndexPart::Column {
        name: column.to_string(),
        order,
        opclass,
    }
}

fn column_name(part: &IndexPart) -> String {
    match part {
        IndexPart::Column { name, .. } => name.clone(),
        IndexPart::Expression { sql } => sql.clone(),
    }
}

/// `[a, b(sort: Desc, ops: JsonbPathOps)]` → index parts over the fields' columns.
fn field_list(
    expr: Option<&Expr>,
    attr: &Attribute,
    model: &Model<'_>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<IndexPart>> {
    let Some(Expr {
        kind: ExprKind::List(items),
        ..
    }) = expr
    else {
        diags.push(bad_argument(
            attr,
            src,
            path,
            format!("`@@{}` needs a list of fields", attr.name.text),
            &format!("e.g. `@@{}([organizationId, createdAt])`", attr.name.text),
        ));
        return None;
    };
    let mut parts = Vec::with_capacity(items.len());
    let mut ok = !items.is_empty();
    for item in items {
        let (name, args): (&str, &[Arg]) = match &item.kind {
            ExprKind::Ident(name) => (name, &[]),
            ExprKind::Call(name, args) => (name, args),
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadAttributeArgument,
                        src.span(item.at),
                        format!("expected a field name, found {}", item.kind_name()),
                    )
                    .at_path(path.to_string()),
                );
                ok = false;
                continue;
            }
        };
        let Some(column) = scalar_column(name, item.at, model, src, path, diags) else {
            ok = false;
            continue;
        };
        let mut order = SortOrder::Asc;
        let mut opclass = None;
        for arg in args {
            match arg.name.as_ref().map(|w| w.text.as_str()) {
                Some("sort") => order = sort_order(&arg.value, src, path, diags),
                Some("ops") => opclass = operator_class(&arg.value, src, path, diags),
                Some("length") => {}
                _ => {
                    diags.push(
                        Diagnostic::error(
                            Code::BadAttributeArgument,
                            src.span(arg.value.at),
                            "expected `sort:` or `ops:`",
                        )
                        .at_path(path.to_string())
                        .with_help("e.g. `publishedAt(sort: Desc)`"),
                    );
                    ok = false;
                }
            }
        }
        parts.push(part(&column.db_name, order, opclass));
    }
    if items.is_empty() {
        diags.push(bad_argument(
            attr,
            src,
            path,
            format!("`@@{}` needs at least one field", attr.name.text),
            "list the fields it covers",
        ));
    }
    ok.then_some(parts)
}

/// The column of a scalar field named in an attribute or index, or a diagnostic.
pub(super) fn scalar_column<'m>(
    name: &str,
    at: usize,
    model: &'m Model<'_>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<&'m Column> {
    match model
        .field_by_name
        .get(name)
        .map(|&i| &model.fields[i].kind)
    {
        Some(FieldKind::Column(c)) => Some(c),
        Some(FieldKind::Broken) => None,
        Some(FieldKind::Relation) => {
            diags.push(
                Diagnostic::error(
                    Code::UnknownField,
                    src.span(at),
                    format!(
                        "`{name}` is a relation field, not a column of {}",
                        model.name
                    ),
                )
                .at_path(path.to_string())
                .with_help(
                    "name the scalar fields that hold the key (the ones in `fields: [...]`)",
                ),
            );
            None
        }
        None => {
            diags.push(unknown_field(name, at, model, src, path));
            None
        }
    }
}

pub(super) fn unknown_field(
    name: &str,
    at: usize,
    model: &Model<'_>,
    src: &Src,
    path: &str,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownField,
        src.span(at),
        format!("model `{}` has no field `{name}`", model.name),
    )
    .at_path(path.to_string());
    let fields: Vec<&str> = model
        .fields
        .iter()
        .map(|f| f.line.name.text.as_str())
        .collect();
    match closest(name, &fields) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("fields of {}: {}", model.name, fields.join(", "))),
    }
}

fn sort_order(expr: &Expr, src: &Src, path: &str, diags: &mut Diagnostics) -> SortOrder {
    match &expr.kind {
        ExprKind::Ident(s) if s == "Asc" => SortOrder::Asc,
        ExprKind::Ident(s) if s == "Desc" => SortOrder::Desc,
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    "`sort` is `Asc` or `Desc`",
                )
                .at_path(path.to_string())
                .with_help("e.g. `publishedAt(sort: Desc)`"),
            );
            SortOrder::Asc
        }
    }
}

/// `ops: raw("gin_trgm_ops")` or a Prisma operator class name (`JsonbPathOps` → `jsonb_path_ops`).
fn operator_class(expr: &Expr, src: &Src, path: &str, diags: &mut Diagnostics) -> Option<String> {
    match &expr.kind {
        ExprKind::Call(f, args) if f == "raw" => match args.as_slice() {
            [Arg {
                name: None,
                value:
                    Expr {
                        kind: ExprKind::Str(s),
                        ..
                    },
            }] => Some(s.clone()),
            _ => None,
        },
        ExprKind::Ident(name) => {
            Some(heck::ToSnakeCase::to_snake_case(name.as_str()).replace("min_max", "minmax"))
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    "`ops` is an operator class",
                )
                .at_path(path.to_string())
                .with_help("e.g. `ops: JsonbPathOps` or `ops: raw(\"gin_trgm_ops\")`"),
            );
            None
        }
    }
}

fn index_type(expr: &Expr, src: &Src, path: &str, diags: &mut Diagnostics) -> IndexMethod {
    const TYPES: &[&str] = &["BTree", "Hash", "Gist", "Gin", "SpGist", "Brin"];
    let found = match &expr.kind {
        ExprKind::Ident(name) => name.as_str(),
        _ => "",
    };
    match found {
        "BTree" => return IndexMethod::Btree,
        "Hash" => return IndexMethod::Hash,
        "Gist" => return IndexMethod::Gist,
        "Gin" => return IndexMethod::Gin,
        "SpGist" => return IndexMethod::Spgist,
        "Brin" => return IndexMethod::Brin,
        _ => {}
    }
    let d = Diagnostic::error(
        Code::BadAttributeArgument,
        src.span(expr.at),
        "unknown index type",
    )
    .at_path(path.to_string());
    diags.push(match closest(found, TYPES) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("index types: {}", TYPES.join(", "))),
    });
    IndexMethod::Btree
}

/// The arguments of an attribute by parameter: `params[0]` is the positional one.
/// Unknown, repeated or extra arguments are reported.
pub(super) fn args<'a>(
    attr: &'a Attribute,
    params: &[&str],
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Vec<Option<&'a Expr>> {
    let mut out = vec![None; params.len()];
    for (i, arg) in attr.args.iter().enumerate() {
        let slot = match &arg.name {
            None if i == 0 && !params[0].is_empty() => Some(0),
            None => None,
            Some(name) => params.iter().position(|p| !p.is_empty() && *p == name.text),
        };
        let Some(slot) = slot else {
            let (message, help) = match &arg.name {
                Some(name) => {
                    let known: Vec<&str> =
                        params.iter().copied().filter(|p| !p.is_empty()).collect();
                    (
                        format!("`@{}` has no argument `{}`", attr.name.text, name.text),
                        match closest(&name.text, &known) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => format!("its arguments: {}", known.join(", ")),
                        },
                    )
                }
                None if params[0].is_empty() => (
                    format!("`@{}` takes no unnamed argument", attr.name.text),
                    "name it, e.g. `map: \"...\"`".to_string(),
                ),
                None => (
                    format!("`@{}` takes one unnamed argument", attr.name.text),
                    "name the others, e.g. `map: \"...\"`".to_string(),
                ),
            };
            let at = arg.name.as_ref().map_or(arg.value.at, |w| w.at);
            diags.push(
                Diagnostic::error(Code::BadAttributeArgument, src.span(at), message)
                    .at_path(path.to_string())
                    .with_help(help),
            );
            continue;
        };
        if out[slot].is_some() {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(arg.value.at),
                    format!("`@{}` is given `{}` twice", attr.name.text, params[slot]),
                )
                .at_path(path.to_string()),
            );
        }
        out[slot] = Some(&arg.value);
    }
    out
}

/// The one string argument of `@map("...")`, `@@schema("...")`.
pub(super) fn string_arg(
    attr: &Attribute,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let args = args(attr, &["name"], src, path, diags);
    match args[0] {
        Some(e) => string_value(e, attr, src, path, diags),
        None => {
            diags.push(bad_argument(
                attr,
                src,
                path,
                format!("`@{}` needs a name in double quotes", attr.name.text),
                "e.g. `@map(\"created_at\")`",
            ));
            None
        }
    }
}

fn string_value(
    expr: &Expr,
    attr: &Attribute,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match &expr.kind {
        ExprKind::Str(s) if !s.is_empty() => Some(s.clone()),
        ExprKind::Ident(word) => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    format!("`{word}` needs double quotes"),
                )
                .at_path(path.to_string())
                .with_help(format!("write `@{}(\"{word}\")`", attr.name.text)),
            );
            None
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    format!(
                        "expected a name in double quotes, found {}",
                        expr.kind_name()
                    ),
                )
                .at_path(path.to_string())
                .with_help(format!("e.g. `@{}(\"name\")`", attr.name.text)),
            );
            None
        }
    }
}

pub(super) fn bad_argument(
    attr: &Attribute,
    src: &Src,
    path: &str,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic::error(Code::BadAttributeArgument, src.span(attr.at), message)
        .at_path(path.to_string())
        .with_help(help)
}

pub(super) fn unknown_attribute(
    attr: &Attribute,
    src: &Src,
    path: &str,
    known: &[&str],
    block: bool,
) -> Diagnostic {
    let written = format!("{}{}", if block { "@@" } else { "@" }, attr.name.text);
    let d = Diagnostic::error(
        Code::UnknownAttribute,
        src.span(attr.at),
        format!("unknown attribute `{written}`"),
    )
    .at_path(path.to_string());
    match closest(&written, known) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("supported here: {}", known.join(", "))),
    }
}

/// The YAML `indexes:` list: what Prisma's `@@index` cannot say.
fn yaml_indexes(node: &Node, model: &Model<'_>, table: &mut Table, diags: &mut Diagnostics) {
    let base = format!("{}.indexes", model.name);
    for (i, item) in expect_seq(node, &base, diags)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let path = format!("{base}[{i}]");
        let Some(entries) = expect_map(item, &path, diags) else {
            continue;
        };
        check_keys(entries, INDEX_KEYS, &path, diags);
        let text = |key: &str, diags: &mut Diagnostics| {
            item.get(key)
                .and_then(|n| expect_scalar(n, &format!("{path}.{key}"), diags))
        };
        let flag = |key: &str, diags: &mut Diagnostics| {
            item.get(key)
                .and_then(|n| expect_bool(n, &format!("{path}.{key}"), diags))
                .unwrap_or(false)
        };
        let unique = flag("unique", diags);
        let concurrently = flag("concurrently", diags);
        let predicate = text("where", diags);
        let name = text("name", diags);
        let method = item
            .get("using")
            .map_or(IndexMethod::Btree, |n| using(n, &path, diags));
        let parts = match (item.get("columns"), text("expression", diags)) {
            (Some(columns), None) => yaml_index_columns(columns, model, &path, diags),
            (None, Some(sql)) => Some(vec![IndexPart::Expression { sql }]),
            (Some(_), Some(_)) => {
                diags.push(
                    Diagnostic::error(
                        Code::BadValue,
                        item.span,
                        "an index has `columns` or an `expression`, not both",
                    )
                    .at_path(path.clone())
                    .with_help("put the columns into the expression, or make two indexes"),
                );
                None
            }
            (None, None) => {
                diags.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        item.span,
                        "an index needs `columns` or an `expression`",
                    )
                    .at_path(path.clone())
                    .with_help("e.g. `columns: [organizationId, publishedAt desc]`"),
                );
                None
            }
        };
        let Some(parts) = parts else { continue };
        let name = match name {
            Some(name) => name,
            None if parts.iter().all(|p| matches!(p, IndexPart::Column { .. })) => {
                let columns: Vec<String> = parts.iter().map(column_name).collect();
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                if unique {
                    names::unique(&model.table.name, &columns)
                } else {
                    names::index(&model.table.name, &columns)
                }
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        item.span,
                        "an expression index needs a `name`",
                    )
                    .at_path(path.clone())
                    .with_help("e.g. `name: idx_content_search`"),
                );
                continue;
            }
        };
        table.indexes.push(Index {
            db_name: name,
            parts,
            unique,
            method,
            predicate,
            concurrently,
            span: item.span,
        });
    }
}

fn using(node: &Node, path: &str, diags: &mut Diagnostics) -> IndexMethod {
    const METHODS: &[&str] = &["btree", "hash", "gin", "gist", "spgist", "brin"];
    let text = expect_scalar(node, &format!("{path}.using"), diags).unwrap_or_default();
    match text.to_ascii_lowercase().as_str() {
        "btree" => IndexMethod::Btree,
        "hash" => IndexMethod::Hash,
        "gin" => IndexMethod::Gin,
        "gist" => IndexMethod::Gist,
        "spgist" => IndexMethod::Spgist,
        "brin" => IndexMethod::Brin,
        _ => {
            let d = Diagnostic::error(
                Code::BadValue,
                node.span,
                format!("unknown index method `{text}`"),
            )
            .at_path(format!("{path}.using"));
            diags.push(match closest(&text, METHODS) {
                Some(near) => d.with_help(format!("did you mean `{near}`?")),
                None => d.with_help(format!("index methods: {}", METHODS.join(", "))),
            });
            IndexMethod::Btree
        }
    }
}

/// `columns: [organizationId, publishedAt desc]`: field names, each optionally `asc`/`desc`.
fn yaml_index_columns(
    node: &Node,
    model: &Model<'_>,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<IndexPart>> {
    let path = format!("{path}.columns");
    let items = expect_seq(node, &path, diags)?;
    let mut parts = Vec::with_capacity(items.len());
    let mut ok = !items.is_empty();
    for item in items {
        let text = match &item.value {
            Value::Map(_) | Value::Seq(_) => {
                diags.push(
                    Diagnostic::error(Code::YamlMisparse, item.span, format!("YAML read this column as {}, not as a field name", item.kind()))
                        .at_path(path.clone())
                        .with_help("inside `[...]`, `publishedAt(sort: Desc)` becomes a map: write `publishedAt desc`, or quote it"),
                );
                ok = false;
                continue;
            }
            _ => match expect_scalar(item, &path, diags) {
                Some(t) => t,
                None => {
                    ok = false;
                    continue;
                }
            },
        };
        let mut words = text.split_whitespace();
        let name = words.next().unwrap_or_default();
        let order = match (
            words.next().map(str::to_ascii_lowercase).as_deref(),
            words.next(),
        ) {
            (None, _) => SortOrder::Asc,
            (Some("asc"), None) => SortOrder::Asc,
            (Some("desc"), None) => SortOrder::Desc,
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadValue,
                        item.span,
                        format!("expected `field`, `field asc` or `field desc`, found `{text}`"),
                    )
                    .at_path(path.clone()),
                );
                ok = false;
                continue;
            }
        };
        let src = Src {
            text: text.clone(),
            start: item.span,
        };
        match scalar_column(name, 0, model, &src, &path, diags) {
            Some(column) => parts.push(part(&column.db_name, order, None)),
            None => ok = false,
        }
    }
    ok.then_some(parts)
}
