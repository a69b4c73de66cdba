//! Types and values as Postgres will take them: type arguments within its limits, enum labels
//! it can store, and defaults its column type can hold. Each of these used to build with exit
//! 0 into a migration that `CREATE TABLE` (or the first insert) refuses.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Column, ColumnType, DefaultValue, Enum, Literal, ScalarType, Span, System, Table};
use std::collections::BTreeSet;

/// `VARCHAR(n)` and `CHAR(n)`: Postgres's limit (10 MB of characters).
pub const MAX_CHAR_LENGTH: u32 = 10_485_760;
/// `DECIMAL(p, s)`: Postgres's limit on the precision.
pub const MAX_NUMERIC_PRECISION: u32 = 1000;
/// Fractional digits of seconds in `TIMESTAMP(p)` and `TIME(p)`; more is cut to 6 with a warning.
pub const MAX_TIME_PRECISION: u8 = 6;
/// Bytes of one enum label (NAMEDATALEN - 1).
pub const MAX_ENUM_LABEL_BYTES: usize = 63;

pub fn type_arguments_in_range(system: &System, diags: &mut Diagnostics) {
    for t in &system.tables {
        for c in &t.columns {
            if let Some((_, problem)) = type_argument_problem(&c.ty.scalar) {
                let path = format!("{}.{}", t.name, c.name);
                diags.push(type_argument_out_of_range(&path, c.span, &problem));
            }
        }
    }
}

/// E0210 at `span`: the column's declaration, or the argument itself where the flavour
/// knows where it was written.
pub fn type_argument_out_of_range(path: &str, span: Span, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::TypeArgumentOutOfRange,
        span,
        format!("the type of {path} has {problem}"),
    )
    .at_path(path)
    .with_help(format!(
        "Postgres takes VARCHAR/CHAR lengths 1 to {MAX_CHAR_LENGTH} (use Text for \
         no limit), DECIMAL precision 1 to {MAX_NUMERIC_PRECISION} with a scale \
         from 0 to the precision, and 0 to {MAX_TIME_PRECISION} fractional digits \
         of seconds"
    ))
}

/// The type argument Postgres would refuse, if any: which one (0 for a length or a precision,
/// 1 for a scale) and why.
pub fn type_argument_problem(scalar: &ScalarType) -> Option<(usize, String)> {
    use ScalarType::*;
    match *scalar {
        Varchar { length: Some(n) } | Char { length: Some(n) }
            if !(1..=MAX_CHAR_LENGTH).contains(&n) =>
        {
            Some((
                0,
                format!("a length of {n}, outside 1 to {MAX_CHAR_LENGTH}"),
            ))
        }
        Numeric {
            precision: Some(p), ..
        } if !(1..=MAX_NUMERIC_PRECISION).contains(&p) => Some((
            0,
            format!("a precision of {p}, outside 1 to {MAX_NUMERIC_PRECISION}"),
        )),
        // Postgres 15 takes a scale above the precision; older servers refuse it, and such a
        // column holds no digit left of the point.
        Numeric {
            precision: Some(p),
            scale: Some(s),
        } if s > p => Some((1, format!("a scale of {s}, above its precision of {p}"))),
        Timestamptz { precision: Some(p) }
        | Timestamp { precision: Some(p) }
        | Time { precision: Some(p) }
            if p > MAX_TIME_PRECISION =>
        {
            Some((
                0,
                format!("{p} fractional digits of seconds, over Postgres's {MAX_TIME_PRECISION}"),
            ))
        }
        _ => None,
    }
}

pub fn enum_labels_fit(system: &System, diags: &mut Diagnostics) {
    for e in &system.enums {
        let mut seen: rustc_hash::FxHashMap<&str, crate::ir::Span> = Default::default();
        for v in &e.values {
            if let Some(first) = seen.insert(&v.db_name, v.span) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateDefinition,
                        v.span,
                        format!("enum {} has two values stored as `{}`", e.name, v.db_name),
                    )
                    .at_path(format!("{}.{}", e.name, v.name))
                    .with_related(first, "the other value is declared here")
                    .with_help(
                        "Postgres keeps each enum label once: map the values to different labels",
                    ),
                );
            }
            let bytes = v.db_name.len();
            if (1..=MAX_ENUM_LABEL_BYTES).contains(&bytes) {
                continue;
            }
            let problem = if bytes == 0 {
                "is empty".to_string()
            } else {
                format!("is {bytes} bytes, over Postgres's limit of {MAX_ENUM_LABEL_BYTES}")
            };
            diags.push(
                Diagnostic::error(
                    Code::BadEnumLabel,
                    v.span,
                    format!("the value `{}` of enum {} {problem}", v.db_name, e.name),
                )
                .at_path(format!("{}.{}", e.name, v.name))
                .with_help(
                    "Postgres stores enum labels of 1 to 63 bytes: shorten it, or map it to a \
                     shorter database value (`@map`)",
                ),
            );
        }
    }
}

pub fn defaults_fit_their_type(
    system: &System,
    reported: &BTreeSet<String>,
    diags: &mut Diagnostics,
) {
    for t in &system.tables {
        for c in &t.columns {
            let Some(default) = &c.default else { continue };
            if let Err(problem) = default_fits(default, &c.ty, &system.enums) {
                let path = format!("{}.{}", t.name, c.name);
                if !reported.contains(&path) {
                    diags.push(default_does_not_fit(&path, &c.ty, c.span, &problem));
                }
            }
        }
    }
}

/// The columns (`Table.column`) whose default a flavour reported not to fit: it knew where the
/// value was written and reported it there, so [`defaults_fit_their_type`] leaves them alone.
pub fn misfit_defaults_reported(diags: &Diagnostics) -> BTreeSet<String> {
    diags
        .iter()
        .filter(|d| d.code == Code::DefaultDoesNotFit)
        .filter_map(|d| d.path.clone())
        .collect()
}

/// E0212 at `span` (where the value was written) unless `default` fits `ty`: for a flavour
/// to call while it still knows that place; `path` is the column's (`Table.column`).
pub fn misfit_default(
    default: &DefaultValue,
    ty: &ColumnType,
    enums: &[Enum],
    span: Span,
    path: impl FnOnce() -> String,
) -> Option<Diagnostic> {
    let problem = default_fits(default, ty, enums).err()?;
    Some(default_does_not_fit(&path(), ty, span, &problem))
}

/// E0212 at `span`: the column's declaration, or the default itself where the flavour knows
/// where it was written.
pub fn default_does_not_fit(path: &str, ty: &ColumnType, span: Span, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::DefaultDoesNotFit,
        span,
        format!("the default of {path} does not fit: {problem}"),
    )
    .at_path(path)
    .with_help(help_for(&ty.scalar))
}

fn help_for(scalar: &ScalarType) -> &'static str {
    use ScalarType::*;
    match scalar {
        Date | Timestamp { .. } | Timestamptz { .. } | Time { .. } => {
            "write dates as `2025-01-31`, times as `13:45:00`, timestamps as \
             `2025-01-31T13:45:00Z`; for the time of each insert use `now()`"
        }
        Serial { .. } | Identity { .. } => {
            "an auto-incrementing column takes its values from its sequence: drop the default"
        }
        _ => "give a default of the column's type (quote text; JSON as text that parses)",
    }
}

/// Why `default` cannot be the default of a column of type `ty`, if it cannot.
pub fn default_fits(default: &DefaultValue, ty: &ColumnType, enums: &[Enum]) -> Result<(), String> {
    use ScalarType::*;
    let scalar = &ty.scalar;
    match default {
        DefaultValue::Literal(_) | DefaultValue::EnumValue(_)
            if matches!(scalar, Serial { .. } | Identity { .. }) =>
        {
            Err("the column fills itself from its sequence".into())
        }
        DefaultValue::Literal(Literal::Array(items)) if ty.array => items
            .iter()
            .try_for_each(|item| literal_fits(item, scalar, enums)),
        // A text form of an array (`'{a,b}'`) is Postgres's to read.
        DefaultValue::Literal(_) if ty.array => Ok(()),
        DefaultValue::Literal(literal) => literal_fits(literal, scalar, enums),
        DefaultValue::EnumValue(value) => match scalar {
            Enum { name } => enum_value(value, name, enums),
            _ => Ok(()),
        },
        DefaultValue::Now => match scalar {
            Timestamptz { .. } | Timestamp { .. } | Date | Time { .. } | Text => Ok(()),
            Varchar { length } if length.is_none_or(|n| n >= 32) => Ok(()),
            _ => Err("the current time is not a value of the column's type".into()),
        },
        DefaultValue::GenRandomUuid => match scalar {
            Uuid | Text => Ok(()),
            Varchar { length } if length.is_none_or(|n| n >= 36) => Ok(()),
            _ => Err("a random uuid is not a value of the column's type".into()),
        },
        DefaultValue::Client(_) | DefaultValue::Sql(_) => Ok(()),
    }
}

/// Why a literal cannot be a value of `scalar`, if it cannot: the value as Postgres's input
/// function for the type would read it.
pub fn literal_fits(literal: &Literal, scalar: &ScalarType, enums: &[Enum]) -> Result<(), String> {
    use ScalarType::*;
    let (text, kind) = match literal {
        Literal::String(s) => (s.as_str(), "text"),
        Literal::Number(n) => (n.as_str(), "a number"),
        Literal::Json(j) => (j.as_str(), "JSON"),
        Literal::Bool(b) => (if *b { "true" } else { "false" }, "a boolean"),
        Literal::Array(_) => {
            return Err("a list is not a value of a column that is not a list".into())
        }
    };
    if text.contains('\0') {
        return Err("it holds a NUL character, which Postgres text cannot hold".into());
    }
    let is_bool = matches!(literal, Literal::Bool(_));
    let shown = || format!("`{}`", crate::diagnostics::clip(text, 0));
    let refuse = |what: &str| Err(format!("{} is not {what}", shown()));
    match scalar {
        _ if is_bool && !matches!(scalar, Boolean | Text | Varchar { .. } | Char { .. }) => {
            Err(format!("{kind} is not a value of the column's type"))
        }
        SmallInt => integer_in(text, i16::MIN.into(), i16::MAX.into(), "SmallInt"),
        Integer | Serial { big: false } | Identity { big: false } => {
            integer_in(text, i32::MIN.into(), i32::MAX.into(), "Int")
        }
        BigInt | Serial { big: true } | Identity { big: true } => {
            integer_in(text, i64::MIN, i64::MAX, "BigInt")
        }
        Numeric { precision, scale } => numeric_fits(text, *precision, scale.unwrap_or(0)),
        Real | Double if is_special_float(text) => Ok(()),
        Real | Double if is_decimal(text) => float_in_range(text, scalar),
        Real | Double => refuse("a number"),
        Boolean if is_bool => Ok(()),
        Boolean if matches!(literal, Literal::String(_)) && is_bool_text(text) => Ok(()),
        Boolean => refuse("`true` or `false`"),
        Text | Citext | Bytea | GeoPoint => Ok(()),
        Varchar { length: Some(n) } | Char { length: Some(n) }
            if text.chars().count() > *n as usize =>
        {
            Err(format!(
                "{} is {} characters, over the length of {n}",
                shown(),
                text.chars().count()
            ))
        }
        Varchar { .. } | Char { .. } => Ok(()),
        Uuid if is_uuid(text) => Ok(()),
        Uuid => refuse("a uuid"),
        Json | Jsonb => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(_) if !matches!(literal, Literal::Number(_)) => Ok(()),
            Ok(_) => Err("a number goes into a JSON column only as text: quote it".into()),
            Err(e) => Err(format!("{} is not JSON: {e}", shown())),
        },
        Date | Timestamp { .. } | Timestamptz { .. } | Time { .. }
            if matches!(literal, Literal::Number(_)) =>
        {
            Err("a number is not a date or time".into())
        }
        Date | Timestamp { .. } | Timestamptz { .. } | Time { .. } => moment_fits(text, scalar),
        Enum { name } => enum_value(text, name, enums),
    }
}

fn integer_in(text: &str, min: i64, max: i64, ty: &str) -> Result<(), String> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{}` is not a whole number",
            crate::diagnostics::clip(text, 0)
        ));
    }
    match trimmed.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(format!(
            "{trimmed} is out of range for {ty} ({min} to {max})"
        )),
    }
}

/// Digits with at most one point and an optional exponent, optionally signed.
fn is_decimal(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (t, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty())
        && digits(whole)
        && digits(fraction)
        && exponent.is_none_or(|e| !e.is_empty() && digits(e))
}

fn is_special_float(text: &str) -> bool {
    [
        "nan",
        "infinity",
        "+infinity",
        "-infinity",
        "inf",
        "+inf",
        "-inf",
    ]
    .contains(&text.trim().to_ascii_lowercase().as_str())
}

/// A decimal that fits `DECIMAL(precision, scale)`: at most `precision - scale` digits left
/// of the point (Postgres rounds the fraction, and refuses an overflowing whole part).
fn numeric_fits(text: &str, precision: Option<u32>, scale: u32) -> Result<(), String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("nan") {
        return Ok(());
    }
    if !is_decimal(t) {
        return Err(format!(
            "`{}` is not a number",
            crate::diagnostics::clip(text, 0)
        ));
    }
    let Some(precision) = precision else {
        return Ok(());
    };
    // Exponents are rare in defaults; leave their arithmetic to Postgres.
    if t.contains(['e', 'E']) {
        return Ok(());
    }
    let unsigned = t.trim_start_matches(['+', '-']);
    let whole = unsigned
        .split('.')
        .next()
        .unwrap_or("")
        .trim_start_matches('0');
    let room = precision.saturating_sub(scale) as usize;
    if whole.len() > room {
        return Err(format!(
            "{t} has {} digits left of the point, over the {room} that DECIMAL({precision},{scale}) holds",
            whole.len()
        ));
    }
    Ok(())
}

/// A REAL holds about ±3.4e38, a DOUBLE PRECISION ±1.8e308; beyond, Postgres refuses the value.
fn float_in_range(text: &str, scalar: &ScalarType) -> Result<(), String> {
    let value: f64 = text.trim().parse().unwrap_or(f64::INFINITY);
    let max = match scalar {
        ScalarType::Real => f64::from(f32::MAX),
        _ => f64::MAX,
    };
    if value.abs() <= max {
        return Ok(());
    }
    Err(format!(
        "{} is out of range for its floating-point type",
        text.trim()
    ))
}

/// Postgres's spellings of a boolean (`boolin`).
fn is_bool_text(text: &str) -> bool {
    [
        "t", "true", "y", "yes", "on", "1", "f", "false", "n", "no", "off", "0",
    ]
    .contains(&text.trim().to_ascii_lowercase().as_str())
}

/// 32 hexadecimal digits, optionally in braces, hyphens between groups of four.
pub fn is_uuid(text: &str) -> bool {
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    let hex: String = t.chars().filter(|&c| c != '-').collect();
    hex.len() == 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
}

fn enum_value(value: &str, name: &crate::ir::QualifiedName, enums: &[Enum]) -> Result<(), String> {
    let Some(e) = enums.iter().find(|e| &e.db_name == name) else {
        return Ok(()); // an unknown enum type is reported where the type is resolved
    };
    if e.values.iter().any(|v| v.db_name == value) {
        return Ok(());
    }
    let values: Vec<&str> = e.values.iter().map(|v| v.db_name.as_str()).collect();
    Err(format!(
        "`{value}` is not a value of enum {} ({})",
        e.name,
        values.join(", ")
    ))
}

/// A date, time or timestamp in ISO 8601 form, or one of Postgres's fixed special values.
/// `now`, `today` and their kin are refused: as a default they are read once, when the table
/// is created, and every row would get that moment.
fn moment_fits(text: &str, scalar: &ScalarType) -> Result<(), String> {
    use ScalarType::*;
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if ["now", "today", "tomorrow", "yesterday"].contains(&lower.as_str()) {
        return Err(format!(
            "`{t}` is read once, when the table is created, so every row would get that moment"
        ));
    }
    let special = match scalar {
        Time { .. } => lower == "allballs",
        _ => ["infinity", "-infinity", "+infinity", "epoch"].contains(&lower.as_str()),
    };
    // Postgres reads a whole timestamp into a date or a time too, keeping the part it needs.
    let parses = special
        || match scalar {
            Time { .. } => is_time_with_zone(t) || (t.len() > 10 && is_timestamp(t)),
            _ => is_timestamp(t),
        };
    if parses {
        return Ok(());
    }
    let what = match scalar {
        Date => "a date (YYYY-MM-DD)",
        Time { .. } => "a time (HH:MM[:SS])",
        _ => "a timestamp (YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM])",
    };
    Err(format!(
        "`{}` is not {what}",
        crate::diagnostics::clip(t, 0)
    ))
}

fn number_of(text: &str, digits: usize) -> Option<u32> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn is_date(text: &str) -> bool {
    let mut parts = text.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (number_of(y, 4), number_of(m, 2), number_of(d, 2)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d)
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`.
fn is_time(text: &str) -> bool {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, "0"));
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let fields: Vec<Option<u32>> = clock.split(':').map(|f| number_of(f, 2)).collect();
    match fields.as_slice() {
        [Some(h), Some(m)] => *h <= 23 && *m <= 59 && !text.contains('.'),
        [Some(h), Some(m), Some(s)] => {
            (*h <= 23 && *m <= 59 && *s <= 60) || (*h == 24 && *m == 0 && *s == 0)
        }
        _ => false,
    }
}

/// A date, optionally followed by `T` or a space, a time and a zone (`Z`, `±HH`, `±HH:MM`).
fn is_timestamp(text: &str) -> bool {
    if text.len() <= 10 {
        return is_date(text);
    }
    let (date, rest) = text.split_at(10);
    let Some(rest) = rest.strip_prefix(['T', 't', ' ']) else {
        return false;
    };
    is_date(date) && is_time_with_zone(rest)
}

/// A time, optionally followed by a zone (`Z`, `±HH`, `±HH:MM`).
fn is_time_with_zone(text: &str) -> bool {
    let (time, zone) = match text.find(['Z', 'z', '+', '-']) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let zone_ok = match zone {
        "" | "Z" | "z" => true,
        z => {
            let z = &z[1..];
            let (h, m) = z.split_once(':').unwrap_or((z, "00"));
            number_of(h, 2).is_some_and(|h| h <= 15) && number_of(m, 2).is_some_and(|m| m <= 59)
        }
    };
    is_time(time.trim_end()) && zone_ok
}

/// Seed values meet the same rules as defaults: an insert of them fails otherwise.
pub fn seed_values_fit(system: &System, diags: &mut Diagnostics) {
    for seed in &system.seed {
        let Some(table) = system.tables.iter().find(|t| t.db_name == seed.table) else {
            continue;
        };
        let columns: Vec<Option<&Column>> = seed.columns.iter().map(|c| table.column(c)).collect();
        for row in &seed.rows {
            for (column, value) in columns.iter().zip(&row.values) {
                let (Some(column), crate::ir::SeedValue::Literal(literal)) = (column, value) else {
                    continue;
                };
                let fits = default_fits(
                    &DefaultValue::Literal(literal.clone()),
                    &column.ty,
                    &system.enums,
                );
                let Err(problem) = fits.or_else(|e| serial_ok(e, column)) else {
                    continue;
                };
                diags.push(seed_problem(table, column, row.span, &problem));
            }
        }
    }
}

/// A seed row may give a serial or identity column its value; only a default may not.
fn serial_ok(problem: String, column: &Column) -> Result<(), String> {
    match column.ty.scalar {
        ScalarType::Serial { .. } | ScalarType::Identity { .. } => Ok(()),
        _ => Err(problem),
    }
}

fn seed_problem(
    table: &Table,
    column: &Column,
    span: crate::ir::Span,
    problem: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::BadSeedValue,
        span,
        format!(
            "the seed value for {}.{} does not fit: {problem}",
            table.name, column.name
        ),
    )
    .at_path(format!("{}.seed.{}", table.name, column.name))
    .with_help(help_for(&column.ty.scalar))
}

/// Each index method indexes the types it has a default operator class for; any other makes
/// `CREATE INDEX` fail ("data type json has no default operator class for access method
/// btree"). A part that names its operator class is Postgres's to check.
pub fn indexes_have_an_operator_class(system: &System, diags: &mut Diagnostics) {
    use crate::ir::{IndexMethod, IndexPart};
    for t in &system.tables {
        for index in &t.indexes {
            for part in &index.parts {
                let IndexPart::Column {
                    name,
                    opclass: None,
                    ..
                } = part
                else {
                    continue;
                };
                let Some(column) = t.column(name) else {
                    continue;
                };
                if has_default_operator_class(index.method, &column.ty) {
                    continue;
                }
                let method = index.method.sql();
                diags.push(
                    Diagnostic::error(
                        Code::NoOperatorClass,
                        index.span,
                        format!(
                            "the {method} index {} cannot index {}.{}: {method} has no operator class for its type",
                            index.db_name, t.name, column.name
                        ),
                    )
                    .at_path(format!("{}.{}", t.name, column.name))
                    .with_help(match index.method {
                        IndexMethod::Btree | IndexMethod::Hash => {
                            "json and point values cannot be compared for order or equality: use Jsonb \
                             (or a gin index), or index an expression"
                        }
                        _ => "use the method that fits the type (gin for lists and jsonb, gist for points, \
                              btree for the rest), or name an operator class (`ops:`)",
                    }),
                );
            }
        }
    }
}

fn has_default_operator_class(method: crate::ir::IndexMethod, ty: &ColumnType) -> bool {
    use crate::ir::IndexMethod::*;
    use ScalarType::*;
    let unordered = matches!(ty.scalar, Json | GeoPoint);
    match method {
        Btree | Hash => !unordered,
        Gin => ty.array || matches!(ty.scalar, Jsonb),
        Gist => !ty.array && matches!(ty.scalar, GeoPoint),
        Spgist => !ty.array && matches!(ty.scalar, GeoPoint | Text | Varchar { .. } | Char { .. }),
        Brin => !ty.array && !matches!(ty.scalar, Json | Jsonb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_in_iso_form_pass_and_others_do_not() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-13-01"));
        assert!(is_time("13:45") && is_time("24:00:00") && is_time("13:45:00.123456"));
        assert!(!is_time("25:00") && !is_time("13:45:"));
        assert!(is_timestamp("2025-01-31T13:45:00Z"));
        assert!(is_timestamp("2025-01-31 13:45:00.5+02:00"));
        assert!(is_timestamp("2025-01-31"));
        assert!(!is_timestamp("2025-01-31T99:00"));
        assert!(!is_timestamp("yesterday-ish"));
        let date = ScalarType::Date;
        assert!(
            moment_fits("2024-01-02T00:00:00Z", &date).is_ok(),
            "Postgres keeps the date"
        );
        let time = ScalarType::Time { precision: None };
        assert!(moment_fits("13:45:00+02:00", &time).is_ok());
        assert!(moment_fits("13:45", &ScalarType::Date).is_err());
    }

    #[test]
    fn numbers_are_checked_against_their_type() {
        assert!(integer_in("32767", -32768, 32767, "SmallInt").is_ok());
        assert!(integer_in("32768", -32768, 32767, "SmallInt").is_err());
        assert!(integer_in("1.5", -10, 10, "Int").is_err());
        assert!(numeric_fits("123.456", Some(5), 2).is_ok());
        assert!(numeric_fits("1234.5", Some(5), 2).is_err());
        assert!(numeric_fits("1e400", None, 0).is_ok());
        assert!(is_uuid("823c3bcd-b66f-4010-9922-4a3b411226cc"));
        assert!(is_uuid("{823c3bcdb66f401099224a3b411226cc}"));
        assert!(!is_uuid("823c3bcd-b66f-4010-9922"));
    }
}
