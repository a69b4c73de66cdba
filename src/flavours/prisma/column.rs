//! A field line → a column: the Prisma type, `@db.*` native types, `@default`,
//! `@map` and `@updatedAt`.

use super::args::{bad_argument, string_arg, unknown_attribute};
use super::line::{Arg, Attribute, Expr, ExprKind};
use super::{Field, Src, TypeNames};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::closest;
use crate::ir::{Column, ColumnType, DefaultValue, Literal, ScalarType};
use crate::validate::types::{
    default_does_not_fit, default_fits, type_argument_out_of_range, type_argument_problem,
};

const FIELD_ATTRIBUTES: &[&str] = &[
    "@id",
    "@unique",
    "@default",
    "@updatedAt",
    "@map",
    "@renamedFrom",
    "@db",
    "@relation",
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

/// The column of a scalar or enum field; `None` for a field whose type is neither (a relation).
pub(super) fn column(
    field: &mut Field,
    path: &str,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) -> Option<Column> {
    let ty = &*field.line.ty.text;
    let base = match (Scalar::parse(ty), types.enums.get(ty)) {
        (Some(scalar), _) => Base::Scalar(scalar),
        (None, Some(&index)) => Base::Enum(index),
        // A model of this or another flavour, or an unknown type: `lower` decides.
        (None, None) => return None,
    };
    let mut scalar = match base {
        Base::Scalar(s) => s.default_type(),
        Base::Enum(i) => ScalarType::Enum {
            name: Box::new(types.enum_list[i].db_name.clone()),
        },
    };
    let mut default = None;
    let mut db_name = None;
    for attr in &field.line.attributes {
        let name = &*attr.name.text;
        match name {
            "id" | "unique" => {}
            "map" => {
                if let Some(name) = string_arg(attr, &field.src, path, diags) {
                    db_name = Some(name);
                }
            }
            "renamedFrom" => {
                field.renamed_from = string_arg(attr, &field.src, path, diags)
                    .map(|from| Box::new((from, field.src.span(attr.at))));
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
        name: field.line.name.text.to_string(),
        db_name: db_name.unwrap_or_else(|| field.line.name.text.to_string()),
        ty: ColumnType {
            scalar,
            array: field.line.list,
        },
        // Prisma makes scalar lists nullable columns (`TEXT[]`), even when the field is not optional.
        nullable: field.line.optional || field.line.list,
        default: None,
        comment: field.doc.take(),
        span: field.name_span,
    };
    if let Some(attr) = default {
        match default_value(attr, base, &mut column.ty, types, &field.src, path) {
            Ok(value) => {
                // Checked here so the diagnostic points at the value itself (validate, which
                // would point at the field, leaves a column reported here alone).
                let fits = |v| default_fits(v, &column.ty, types.enum_list);
                if let Some(Err(problem)) = value.as_ref().map(fits) {
                    let at = attr.args.first().map_or(attr.at, |a| a.value.at);
                    let span = field.src.span(at);
                    diags.push(default_does_not_fit(path, &column.ty, span, &problem));
                }
                column.default = value;
            }
            Err(d) => {
                diags.push(*d);
            }
        }
    }
    // A field with a bad attribute still makes its column (errors are reported above),
    // so that what refers to it (ids, indexes, keys) reports nothing twice.
    Some(column)
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
        "Citext",
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
    const UNSUPPORTED: &[&str] = &["Bit", "VarBit", "Xml", "Inet", "Oid", "Money", "Timetz"];
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
    // Arguments left out stay out: Prisma renders `@db.Timestamptz` as `TIMESTAMPTZ`, not
    // `TIMESTAMPTZ(6)` (verified: schema engine's postgres renderer, `render_optional_args`).
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
        "Citext" => (Scalar::String, ScalarType::Citext, 0),
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
    // Postgres's limits, checked here so the diagnostic points at the argument itself.
    if let Some((which, problem)) = type_argument_problem(&ty) {
        let at = attr.args.get(which).map_or(attr.at, |arg| arg.value.at);
        diags.push(type_argument_out_of_range(path, src.span(at), &problem));
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
        return match (&**function, base) {
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
                }] => Ok(Some(DefaultValue::Sql(sql.to_string()))),
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
        (ExprKind::Str(s), Scalar::String | Scalar::DateTime) => {
            Some(Literal::String(s.to_string()))
        }
        // Prisma takes a Bytes default as base64 and stores the bytes; Postgres reads `\x<hex>`.
        (ExprKind::Str(s), Scalar::Bytes) => base64_to_hex(s).map(Literal::String),
        (ExprKind::Str(s), Scalar::Json) => Some(Literal::Json(s.to_string())),
        // Prisma reads a string default of a Decimal as its number (`constant_expression_to_sql_default`).
        (ExprKind::Str(s), Scalar::Decimal) if is_decimal(s) => {
            Some(Literal::Number(s.to_string()))
        }
        (ExprKind::Number(n), Scalar::Int | Scalar::BigInt) if !n.contains('.') => {
            Some(Literal::Number(n.to_string()))
        }
        (ExprKind::Number(n), Scalar::Float | Scalar::Decimal) => {
            Some(Literal::Number(n.to_string()))
        }
        (ExprKind::Ident(b), Scalar::Boolean) if b == "true" || b == "false" => {
            Some(Literal::Bool(b == "true"))
        }
        _ => None,
    }
}

/// Standard base64 (padding optional) → Postgres's bytea hex input, `\x0a1b...`.
fn base64_to_hex(text: &str) -> Option<String> {
    let mut out = String::from("\\x");
    let (mut bits, mut count) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push_str(&format!("{:02x}", (bits >> count) & 0xff));
        }
    }
    Some(out)
}

fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next().unwrap_or("0");
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn literal_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Number(n) | ExprKind::Ident(n) => n.to_string(),
        ExprKind::Call(f, _) => format!("{f}(..)"),
        ExprKind::List(_) => "[..]".into(),
    }
}
