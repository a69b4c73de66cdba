//! `schema.json`: the IR as the next build reads it back, committed and diffed by teams.
//!
//! Compact but reviewable: every column, index, foreign key and enum value is one line, so a
//! change to one is a one-line diff, and the structure around them (system, tables, their
//! parts) is indented as usual. Nothing that can be derived is written: a `db_name` equal to
//! the logical name, the `public` schema, `false`, `asc`, `btree`, `NO ACTION`, empty lists.
//! Reading accepts every older snapshot too (each left-out field has its default), so a
//! history written before stays readable and is only rewritten by the next migration.

use super::{Column, ColumnType, EnumValue, ScalarType, System};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use std::io::{self, Write};

/// The text of `schema.json` for `system`.
pub fn to_string(system: &System) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(estimated_len(system));
    write(system, &mut out)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// About the length of `system`'s snapshot, a line of ~100 bytes per element: the buffer
/// is allocated once (24 MB at 10,000 tables), not grown by doubling and copied; room it
/// does not use is never touched, so it costs no memory.
fn estimated_len(system: &System) -> usize {
    let tables = system.tables.iter().map(|t| {
        let elements = t.columns.len() + t.indexes.len() + t.foreign_keys.len() + t.checks.len();
        512 + 128 * elements
    });
    let enums = system.enums.iter().map(|e| 256 + 64 * e.values.len());
    (1 << 12) + tables.sum::<usize>() + enums.sum::<usize>()
}

/// Writes `schema.json` for `system` to `out`.
pub fn write(system: &System, out: impl Write) -> serde_json::Result<()> {
    let mut out = out;
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, OneElementPerLine::default());
    system.serialize(&mut serializer)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

/// Reads a `schema.json` of any version.
pub fn from_str(text: &str) -> serde_json::Result<System> {
    serde_json::from_str(text)
}

/// Containers down to a table's (or an enum's) lists are laid out one member per line and
/// indented; anything deeper (a column, an index, a foreign key) is written on one line.
#[derive(Default)]
struct OneElementPerLine {
    /// Per open container: whether it is laid out over lines.
    open: Vec<bool>,
    /// Whether the innermost open container has a member yet.
    has_value: bool,
}

impl OneElementPerLine {
    /// Objects down to a table (root, list of tables, table) and lists one deeper (its columns).
    fn expands(&self, array: bool) -> bool {
        let depth = self.open.len() + 1;
        self.open.iter().all(|&open| open) && (depth <= 3 || array && depth == 4)
    }

    fn expanded(&self) -> bool {
        self.open.last().copied().unwrap_or(false)
    }

    fn begin<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        array: bool,
        bracket: &[u8],
    ) -> io::Result<()> {
        let expands = self.expands(array);
        self.open.push(expands);
        self.has_value = false;
        w.write_all(bracket)
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        let expanded = self.open.pop().unwrap_or(false);
        if expanded && self.has_value {
            newline(w, self.open.len())?;
        }
        self.has_value = true;
        w.write_all(bracket)
    }

    fn member<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.expanded() {
            newline(w, self.open.len())?;
        }
        Ok(())
    }
}

fn newline<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    w.write_all(b"\n")?;
    w.write_all(&SPACES[..(2 * depth).min(SPACES.len())])
}

impl serde_json::ser::Formatter for OneElementPerLine {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, true, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, false, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.expanded() { b": " } else { b":" })
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

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

/// Columns read back, each left-out `db_name` filled with the logical name.
pub(super) fn columns<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Column>, D::Error> {
    let mut columns = Vec::<Column>::deserialize(d)?;
    for column in columns.iter_mut().filter(|c| c.db_name.is_empty()) {
        column.db_name.clone_from(&column.name);
    }
    Ok(columns)
}

/// Enum values read back, each left-out `db_name` filled with the logical name.
pub(super) fn enum_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EnumValue>, D::Error> {
    let mut values = Vec::<EnumValue>::deserialize(d)?;
    for value in values.iter_mut().filter(|v| v.db_name.is_empty()) {
        value.db_name.clone_from(&value.name);
    }
    Ok(values)
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

/// A column type in either form: the compact one, or `{"scalar": …, "array": …}` of snapshots
/// written before it.
impl<'de> Deserialize<'de> for ColumnType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
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
            Written::Before { scalar, array } => ColumnType { scalar, array },
            Written::Array { array } => ColumnType::array_of(array),
            Written::Scalar(scalar) => ColumnType::scalar(scalar),
        })
    }
}
