//! What a column type change does to the values already there.
//!
//! The matrix follows PostgreSQL 15's own casts (`pg_cast`, plus the I/O conversions every
//! type has to and from text), as `ALTER COLUMN … TYPE` uses them; `tests/data_safety.rs`
//! checks every pair of it against a real server. Enums move through their text form (they
//! have no other cast), so for the matrix an enum is text with a closed set of values.

use crate::ir::{ColumnType, ScalarType};

/// How a type change treats existing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    /// Every value converts and stays what it was.
    Widening,
    /// Every value that converts stays what it was, but some may not fit the new type: the
    /// migration checks first and fails naming the column, never cuts a value.
    Narrowing,
    /// Values are rounded, reformatted or reinterpreted (`'00123'` → 123, 1.5 → 2): data
    /// loss, which needs consent.
    Lossy,
    /// PostgreSQL has no cast: refused, never emitted.
    Impossible,
}

/// The type a column stores: serial and identity columns are the integers they fill in.
/// Type changes compare and classify storage types.
pub fn storage(ty: &ColumnType) -> ColumnType {
    let scalar = match ty.scalar {
        ScalarType::Serial { big: false } | ScalarType::Identity { big: false } => {
            ScalarType::Integer
        }
        ScalarType::Serial { big: true } | ScalarType::Identity { big: true } => ScalarType::BigInt,
        ref other => other.clone(),
    };
    ColumnType {
        scalar,
        array: ty.array,
    }
}

/// The broad families the matrix is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// text, varchar(n), char(n), and enums (moved through text).
    Text,
    Int,
    Numeric,
    Float,
    Other,
}

fn family(scalar: &ScalarType) -> Family {
    use ScalarType::*;
    match scalar {
        Text | Citext | Varchar { .. } | Char { .. } | Enum { .. } => Family::Text,
        SmallInt | Integer | BigInt | Serial { .. } | Identity { .. } => Family::Int,
        Numeric { .. } => Family::Numeric,
        Real | Double => Family::Float,
        _ => Family::Other,
    }
}

/// Whether two types hold the same kind of value (text, integers, numerics, floats, or one
/// other type at any precision): a widening across kinds (an integer into text) keeps the
/// values but not what they mean.
pub fn same_kind(a: &ScalarType, b: &ScalarType) -> bool {
    match (family(a), family(b)) {
        (Family::Other, Family::Other) => std::mem::discriminant(a) == std::mem::discriminant(b),
        (x, y) => x == y,
    }
}

/// An integer type's width in bytes.
fn int_width(scalar: &ScalarType) -> u8 {
    use ScalarType::*;
    match scalar {
        SmallInt => 2,
        Integer | Serial { big: false } | Identity { big: false } => 4,
        _ => 8,
    }
}

/// The longest text a string type holds (`None`: unbounded). `CHAR` alone is `CHAR(1)`.
pub fn text_limit(scalar: &ScalarType) -> Option<u32> {
    match scalar {
        ScalarType::Varchar { length } => *length,
        ScalarType::Char { length } => Some(length.unwrap_or(1)),
        _ => None,
    }
}

/// Digits before and after the point a numeric type holds every value of; `None` for
/// unconstrained `NUMERIC`. `DECIMAL(p)` has scale 0. An integer type needs one digit more
/// than it holds in full (`integer` needs 10 digits; it holds every 9-digit number).
fn digits(scalar: &ScalarType, held: bool) -> Option<(u32, u32)> {
    match scalar {
        ScalarType::Numeric {
            precision: Some(p),
            scale,
        } => {
            let s = scale.unwrap_or(0);
            Some((p.saturating_sub(s), s))
        }
        ScalarType::Numeric {
            precision: None, ..
        } => None,
        other => {
            let needed = match int_width(other) {
                2 => 5,
                4 => 10,
                _ => 19,
            };
            Some((if held { needed - 1 } else { needed }, 0))
        }
    }
}

/// Fractional-second digits of a time type (Postgres' default is 6).
fn seconds_precision(precision: Option<u8>) -> u8 {
    precision.unwrap_or(6)
}

/// How a change from `from` to `to` treats existing values. Serial and identity columns
/// are the integers they store; the caller compares storage types.
pub fn classify(from: &ColumnType, to: &ColumnType) -> Cast {
    if from == to {
        return Cast::Widening;
    }
    if from.array != to.array {
        // Postgres can parse text as an array, but nothing else turns into one.
        return Cast::Impossible;
    }
    scalar(&from.scalar, &to.scalar)
}

fn scalar(from: &ScalarType, to: &ScalarType) -> Cast {
    use Cast::*;
    use ScalarType::*;
    if from == to {
        return Widening;
    }
    match (family(from), family(to)) {
        (_, Family::Text) => to_text(from, to),
        // Parsing text: '00123' → 123, 'yes' → true, 'ABC…' → a lower-case uuid.
        (Family::Text, _) => Lossy,
        (Family::Int, Family::Int) if int_width(to) >= int_width(from) => Widening,
        (Family::Int | Family::Numeric, Family::Int | Family::Numeric) => numeric(from, to),
        (Family::Int, Family::Float) => match (int_width(from), to) {
            (2, _) | (4, Double) => Widening,
            // Above 2^24 (real) or 2^53 (double) not every integer exists.
            _ => Lossy,
        },
        (Family::Float, Family::Float) if *from == Real => Widening,
        (Family::Float | Family::Numeric, Family::Float) | (Family::Float, _) => match family(to) {
            Family::Other => Impossible,
            _ => Lossy,
        },
        // Only `integer` has a cast to boolean, and every number but 0 becomes true.
        (Family::Int, Family::Other) if *from == Integer && *to == Boolean => Lossy,
        (Family::Int, Family::Other) => Impossible,
        (Family::Other, _) => other(from, to),
        (Family::Numeric, Family::Other) => Impossible,
    }
}

/// Any type has a text form: unbounded text keeps every value; a bounded one may not fit.
fn to_text(from: &ScalarType, to: &ScalarType) -> Cast {
    if let ScalarType::Enum { .. } = to {
        // Text that is not one of the labels fails; the labels themselves stay.
        return Cast::Narrowing;
    }
    let fits = match (text_limit(from), text_limit(to)) {
        (_, None) => true,
        (Some(a), Some(b)) => b >= a,
        (None, Some(_)) => false,
    };
    let into_char = matches!(to, ScalarType::Char { .. });
    let from_char = matches!(from, ScalarType::Char { .. });
    match (family(from), fits) {
        // char(n) ignores trailing spaces: text moved into it loses them.
        (Family::Text, _) if into_char && !from_char => Cast::Lossy,
        (_, true) => Cast::Widening,
        (_, false) => Cast::Narrowing,
    }
}

/// Integers and numerics: fewer digits after the point round (lossy); fewer before it
/// overflow (narrowing, checked).
fn numeric(from: &ScalarType, to: &ScalarType) -> Cast {
    match (digits(from, false), digits(to, true)) {
        (_, None) => Cast::Widening,
        (None, Some(_)) => Cast::Lossy,
        (Some((_, s1)), Some((_, s2))) if s2 < s1 => Cast::Lossy,
        (Some((i1, _)), Some((i2, _))) if i2 >= i1 => Cast::Widening,
        _ => Cast::Narrowing,
    }
}

/// Dates, times, json, uuid, bytea, point, boolean.
fn other(from: &ScalarType, to: &ScalarType) -> Cast {
    use Cast::*;
    use ScalarType::*;
    match (from, to) {
        (Timestamp { precision: a }, Timestamp { precision: b })
        | (Timestamptz { precision: a }, Timestamptz { precision: b })
        | (Time { precision: a }, Time { precision: b }) => {
            if seconds_precision(*b) >= seconds_precision(*a) {
                Widening
            } else {
                // Fractions of a second are rounded away.
                Lossy
            }
        }
        // The zone is lost, or local times are read in the session's zone.
        (Timestamp { .. }, Timestamptz { .. }) | (Timestamptz { .. }, Timestamp { .. }) => Lossy,
        (Timestamp { .. } | Timestamptz { .. }, Date | Time { .. }) => Lossy,
        (Date, Timestamp { .. } | Timestamptz { .. }) => Widening,
        // jsonb normalises: duplicate keys, key order and spacing are gone.
        (Jsonb, Json) => Widening,
        (Json, Jsonb) => Lossy,
        // A jsonb number or boolean converts (and rounds); anything else fails.
        (Jsonb, SmallInt | Integer | BigInt | Numeric { .. } | Real | Double | Boolean) => Lossy,
        // true/false → 1/0 keeps the value.
        (Boolean, Integer) => Widening,
        _ => Impossible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScalarType::*;

    fn ty(scalar: ScalarType) -> ColumnType {
        ColumnType {
            scalar,
            array: false,
        }
    }

    fn class(from: ScalarType, to: ScalarType) -> Cast {
        classify(&ty(from), &ty(to))
    }

    #[test]
    fn widening_keeps_every_value() {
        for (from, to) in [
            (Varchar { length: Some(20) }, Varchar { length: Some(50) }),
            (Varchar { length: Some(20) }, Text),
            (Integer, BigInt),
            (Integer, Text),
            (Real, Double),
            (Integer, Double),
            (
                Numeric {
                    precision: Some(5),
                    scale: Some(2),
                },
                Numeric {
                    precision: Some(8),
                    scale: Some(3),
                },
            ),
            (
                Integer,
                Numeric {
                    precision: None,
                    scale: None,
                },
            ),
            (
                Timestamp { precision: Some(3) },
                Timestamp { precision: None },
            ),
            (Date, Timestamptz { precision: Some(3) }),
            (Jsonb, Json),
            (Uuid, Text),
        ] {
            assert_eq!(
                class(from.clone(), to.clone()),
                Cast::Widening,
                "{from:?} → {to:?}"
            );
        }
    }

    #[test]
    fn narrowing_fails_on_what_does_not_fit_and_never_cuts() {
        for (from, to) in [
            (Varchar { length: Some(50) }, Varchar { length: Some(20) }),
            (Text, Varchar { length: Some(20) }),
            (BigInt, Integer),
            (Integer, SmallInt),
            (
                Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
                Numeric {
                    precision: Some(5),
                    scale: Some(2),
                },
            ),
            (
                Integer,
                Numeric {
                    precision: Some(4),
                    scale: None,
                },
            ),
            (Integer, Varchar { length: Some(5) }),
            (
                Text,
                Enum {
                    name: Box::new(crate::ir::QualifiedName::new("public", "Mood")),
                },
            ),
        ] {
            assert_eq!(
                class(from.clone(), to.clone()),
                Cast::Narrowing,
                "{from:?} → {to:?}"
            );
        }
    }

    #[test]
    fn lossy_changes_round_reformat_or_reinterpret() {
        for (from, to) in [
            (Text, Integer),
            (Text, Uuid),
            (Double, Integer),
            (Double, Real),
            (BigInt, Double),
            (
                Numeric {
                    precision: Some(10),
                    scale: Some(4),
                },
                Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
            (
                Timestamp { precision: Some(6) },
                Timestamp { precision: Some(3) },
            ),
            (
                Timestamptz { precision: None },
                Timestamp { precision: None },
            ),
            (Json, Jsonb),
            (Varchar { length: Some(9) }, Char { length: Some(3) }),
        ] {
            assert_eq!(
                class(from.clone(), to.clone()),
                Cast::Lossy,
                "{from:?} → {to:?}"
            );
        }
    }

    #[test]
    fn types_postgres_cannot_cast_are_impossible() {
        for (from, to) in [
            (Integer, Uuid),
            (Serial { big: false }, Uuid),
            (Boolean, Timestamp { precision: None }),
            (BigInt, Boolean),
            (Uuid, Integer),
            (Date, Integer),
            (Json, Integer),
            (Bytea, Uuid),
        ] {
            assert_eq!(
                class(from.clone(), to.clone()),
                Cast::Impossible,
                "{from:?} → {to:?}"
            );
        }
        let array = ColumnType {
            scalar: Integer,
            array: true,
        };
        assert_eq!(classify(&ty(Integer), &array), Cast::Impossible);
    }
}
