//! Seed rows: a top-level `seed:` key, the same in every flavour, mapping a model (by the
//! name users refer to it with, or its table's database name) to a list of rows, each a map
//! of field (logical or database name) → value. See the README's "Seed data".
//!
//! Read after every flavour has lowered and access rules are resolved, so the columns and
//! their final types (an encrypted column is `bytea`) are known. Each value is checked
//! against its column here; rendering only spells what was checked.

use super::read;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{
    Column, ColumnType, Literal, ScalarType, SeedRow, SeedTable, SeedValue, Span, System, Table,
};
use crate::load::{Node, Value};
use std::collections::HashMap;

/// The rows read so far for one table: (column index in the table, value) per row.
struct Rows {
    table: usize,
    rows: Vec<(Span, Vec<(usize, SeedValue)>)>,
    span: Span,
}

/// Reads the `seed:` nodes of a system's files, in file order, into `system.seed`.
pub fn read_all<'a>(
    nodes: impl Iterator<Item = &'a Node>,
    system: &mut System,
    diags: &mut Diagnostics,
) {
    let nodes: Vec<&Node> = nodes.collect();
    if nodes.is_empty() {
        return;
    }
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    // Logical names win over database names when one table's db name is another's model name.
    for (i, t) in system.tables.iter().enumerate().rev() {
        by_name.insert(t.db_name.name.as_str(), i);
    }
    for (i, t) in system.tables.iter().enumerate().rev() {
        by_name.insert(t.name.as_str(), i);
    }
    let mut tables: Vec<Rows> = Vec::new();
    // Table index → its place in `tables`: one entry per table, however many files seed it.
    let mut seeded: HashMap<usize, usize> = HashMap::new();
    for node in nodes {
        let Some(entries) = read::expect_map(node, "seed", diags) else {
            continue;
        };
        for (key, rows) in entries {
            let path = format!("seed.{}", key.name);
            let Some(&index) = by_name.get(key.name.as_str()) else {
                diags.push(unknown_model(&key.name, key.span, &path, system));
                continue;
            };
            let at = *seeded.entry(index).or_insert_with(|| {
                tables.push(Rows {
                    table: index,
                    rows: Vec::new(),
                    span: key.span,
                });
                tables.len() - 1
            });
            let Some(items) = read::expect_seq(rows, &path, diags) else {
                continue;
            };
            let table = &system.tables[index];
            for (n, row) in items.iter().enumerate() {
                let path = format!("{path}[{n}]");
                if let Some(values) = read_row(row, table, system, &path, diags) {
                    tables[at].rows.push((row.span, values));
                }
            }
        }
    }
    for rows in &tables {
        same_keys(rows, &system.tables[rows.table], diags);
    }
    system.seed = tables
        .into_iter()
        .filter(|r| !r.rows.is_empty())
        .map(|r| seed_table(r, &system.tables))
        .collect();
}

/// Two rows with the same primary key: `ON CONFLICT DO NOTHING` would silently drop the second.
fn same_keys(rows: &Rows, table: &Table, diags: &mut Diagnostics) {
    let Some(pk) = &table.primary_key else {
        return;
    };
    let key: Vec<usize> = pk
        .columns
        .iter()
        .filter_map(|c| table.columns.iter().position(|col| &col.db_name == c))
        .collect();
    let mut first: HashMap<Vec<&SeedValue>, Span> = HashMap::new();
    for (span, values) in &rows.rows {
        let mut row_key = Vec::with_capacity(key.len());
        for i in &key {
            match values.iter().find(|(c, _)| c == i) {
                Some((_, value @ SeedValue::Literal(_))) => row_key.push(value),
                _ => break,
            }
        }
        if row_key.len() != key.len() {
            continue;
        }
        if let Some(earlier) = first.get(&row_key) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    *span,
                    format!("a second seed row of {} with the same key", table.name),
                )
                .at_path(format!("seed.{}", table.name))
                .with_related(*earlier, "first row with this key")
                .with_help("give each row its own key: running seed.sql would skip this row"),
            );
        } else {
            first.insert(row_key, *span);
        }
    }
}

fn unknown_model(name: &str, span: Span, path: &str, system: &System) -> Diagnostic {
    let names: Vec<&str> = system.tables.iter().map(|t| t.name.as_str()).collect();
    let d = Diagnostic::error(
        Code::UnknownModel,
        span,
        format!("`{name}` is not a model of the system"),
    )
    .at_path(path);
    match read::closest(name, &names) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help("seed rows go under a model's name or its table's database name"),
    }
}

/// One row's values by column index, or `None` when the row is not a map. Every problem of
/// the row is reported, including each required column it leaves out.
fn read_row(
    row: &Node,
    table: &Table,
    system: &System,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(usize, SeedValue)>> {
    let entries = read::expect_map(row, path, diags)?;
    let mut values: Vec<(usize, SeedValue)> = Vec::with_capacity(entries.len());
    let mut given = vec![false; table.columns.len()];
    for (key, value) in entries {
        let path = format!("{path}.{}", key.name);
        let Some(index) = column_index(table, &key.name) else {
            diags.push(unknown_field(&key.name, key.span, &path, table));
            continue;
        };
        if std::mem::replace(&mut given[index], true) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    key.span,
                    format!("the row sets {} twice", table.columns[index].name),
                )
                .at_path(path)
                .with_help("a field may be named by its logical or its database name, not both"),
            );
            continue;
        }
        let column = &table.columns[index];
        match seed_value(value, column, system) {
            Ok(v) => values.push((index, v)),
            Err(problem) => diags.push(
                Diagnostic::error(Code::BadSeedValue, value.span, problem.message)
                    .at_path(path)
                    .with_help(problem.help),
            ),
        }
    }
    if !gives_a_key(table, &given, &values) {
        diags.push(
            Diagnostic::error(
                Code::MissingSeedValue,
                row.span,
                "the row gives neither its primary key nor all fields of a unique key",
            )
            .at_path(path)
            .with_help(format!(
                "give {}: without a key, running seed.sql again would insert the row twice",
                key_names(table)
            )),
        );
    }
    for (column, given) in table.columns.iter().zip(given) {
        if !given && is_required(column) {
            diags.push(
                Diagnostic::error(
                    Code::MissingSeedValue,
                    row.span,
                    format!(
                        "the row has no `{}`, which is required and has no database default",
                        column.name
                    ),
                )
                .at_path(path)
                .with_help(format!("give `{}` a value in every row", column.name)),
            );
        }
    }
    Some(values)
}

/// Whether the row sets (not to null) every column of the primary key or of a unique index:
/// what `ON CONFLICT DO NOTHING` recognises the row by when seed.sql runs again.
fn gives_a_key(table: &Table, given: &[bool], values: &[(usize, SeedValue)]) -> bool {
    let set = |name: &str| {
        // A key value reported as wrong still counts as given: one problem, one message.
        table
            .columns
            .iter()
            .position(|c| c.db_name == name)
            .is_some_and(|i| {
                given[i] && !values.iter().any(|(c, v)| *c == i && *v == SeedValue::Null)
            })
    };
    table
        .keys()
        .any(|key| !key.is_empty() && key.iter().all(|c| set(c)))
}

/// The keys a row may give, by field name, for the hint: `id`, or `email`, or `a and b`.
fn key_names(table: &Table) -> String {
    let field = |db: &str| {
        table
            .columns
            .iter()
            .find(|c| c.db_name == db)
            .map_or(db.to_string(), |c| format!("`{}`", c.name))
    };
    let keys: Vec<String> = table
        .keys()
        .map(|key| key.into_iter().map(field).collect::<Vec<_>>().join(" and "))
        .collect();
    keys.join(", or ")
}

/// The column named `field` by its logical name, else by its database name.
fn column_index(table: &Table, field: &str) -> Option<usize> {
    let columns = &table.columns;
    columns
        .iter()
        .position(|c| c.name == field)
        .or_else(|| columns.iter().position(|c| c.db_name == field))
}

fn unknown_field(field: &str, span: Span, path: &str, table: &Table) -> Diagnostic {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let d = Diagnostic::error(
        Code::UnknownField,
        span,
        format!("{} has no field `{field}`", table.name),
    )
    .at_path(path);
    match read::closest(field, &names) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("fields of {}: {}", table.name, names.join(", "))),
    }
}

/// An insert must name the column: it cannot be null and the database fills nothing in.
fn is_required(column: &Column) -> bool {
    let generated = matches!(
        column.ty.scalar,
        ScalarType::Serial { .. } | ScalarType::Identity { .. }
    );
    !column.nullable && !generated && !column.has_database_default()
}

/// What is wrong with a value, and the hint.
struct Problem {
    message: String,
    help: String,
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        help: help.into(),
    }
}

/// The value checked against its column.
fn seed_value(node: &Node, column: &Column, system: &System) -> Result<SeedValue, Problem> {
    if node.value == Value::Null {
        return if column.nullable {
            Ok(SeedValue::Null)
        } else {
            Err(problem(
                format!("`{}` is NOT NULL and cannot be null", column.name),
                if column.has_database_default() {
                    "leave the field out of the row: the database fills in its default"
                } else {
                    "give it a value"
                },
            ))
        };
    }
    literal(node, &column.ty, column, system).map(SeedValue::Literal)
}

fn literal(
    node: &Node,
    ty: &ColumnType,
    column: &Column,
    system: &System,
) -> Result<Literal, Problem> {
    if ty.array {
        let Some(items) = node.as_seq() else {
            return Err(mismatch(node, column, "a list"));
        };
        let element = ColumnType::scalar(ty.scalar.clone());
        return items
            .iter()
            .map(|item| literal(item, &element, column, system))
            .collect::<Result<_, _>>()
            .map(Literal::Array);
    }
    use ScalarType::*;
    let value = &node.value;
    match &ty.scalar {
        Text | Citext | Varchar { .. } | Char { .. } => {
            let Some(text) = node.scalar_text() else {
                return Err(mismatch(node, column, "text"));
            };
            let limit = match ty.scalar {
                Varchar { length } | Char { length } => length,
                _ => None,
            };
            match limit {
                Some(n) if text.chars().count() > n as usize => Err(problem(
                    format!("`{}` holds at most {n} characters", column.name),
                    "shorten the value",
                )),
                _ => Ok(Literal::String(text.into_owned())),
            }
        }
        SmallInt | Integer | BigInt | Serial { .. } | Identity { .. } => {
            let Value::Int(n) = value else {
                return Err(mismatch(node, column, "a whole number"));
            };
            let fits = match ty.scalar {
                SmallInt => i16::try_from(*n).is_ok(),
                Integer | Serial { big: false } | Identity { big: false } => {
                    i32::try_from(*n).is_ok()
                }
                _ => true,
            };
            if fits {
                Ok(Literal::Number(n.to_string()))
            } else {
                Err(problem(
                    format!("{n} is out of range for `{}`", column.name),
                    "use a smaller number, or a bigger integer type",
                ))
            }
        }
        Numeric { .. } | Real | Double => match value {
            Value::Int(n) => Ok(Literal::Number(n.to_string())),
            Value::Float(f) if f.is_finite() => Ok(Literal::Number(f.to_string())),
            _ => Err(mismatch(node, column, "a number")),
        },
        Boolean => match value {
            Value::Bool(b) => Ok(Literal::Bool(*b)),
            _ => Err(mismatch(node, column, "true or false")),
        },
        Uuid => match node.as_str() {
            Some(text) if is_uuid(text) => Ok(Literal::String(text.to_ascii_lowercase())),
            _ => Err(problem(
                format!("`{}` is a uuid, found {}", column.name, shown(node)),
                "write a quoted uuid such as \"823c3bcd-b66f-4010-9922-4a3b411226cc\"",
            )),
        },
        Timestamptz { .. } | Timestamp { .. } | Date | Time { .. } => match node.as_str() {
            Some(text) => Ok(Literal::String(text.to_string())),
            None => Err(mismatch(node, column, "a date or time as text")),
        },
        Json | Jsonb => Ok(Literal::Json(node.to_json().to_string())),
        Enum { name } => {
            let found = system.enums.iter().find(|e| e.db_name == **name);
            let values = found.map_or(&[][..], |e| e.values.as_slice());
            let enum_name = found.map_or(name.name.as_str(), |e| e.name.as_str());
            let text = node.as_str().unwrap_or_default();
            match values
                .iter()
                .find(|v| v.name == text || v.db_name == text)
            {
                Some(v) => Ok(Literal::String(v.db_name.clone())),
                None => {
                    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    Err(problem(
                        format!(
                            "`{}` takes a value of the enum `{enum_name}`, found {}",
                            column.name,
                            shown(node)
                        ),
                        match read::closest(text, &names) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => format!("values: {}", names.join(", ")),
                        },
                    ))
                }
            }
        }
        GeoPoint => match node.as_seq() {
            Some([x, y]) => match (number(x), number(y)) {
                (Some(x), Some(y)) => Ok(Literal::String(format!("({x},{y})"))),
                _ => Err(mismatch(node, column, "[longitude, latitude]")),
            },
            _ => Err(mismatch(node, column, "[longitude, latitude]")),
        },
        Bytea => Err(problem(
            format!("`{}` is bytea (an encrypted column is): seed rows cannot fill it", column.name),
            "leave it out of the row (or null): an encrypted value needs the key, set it at run time",
        )),
    }
}

fn number(node: &Node) -> Option<String> {
    match node.value {
        Value::Int(n) => Some(n.to_string()),
        Value::Float(f) if f.is_finite() => Some(f.to_string()),
        _ => None,
    }
}

fn mismatch(node: &Node, column: &Column, expected: &str) -> Problem {
    problem(
        format!("`{}` takes {expected}, found {}", column.name, shown(node)),
        "write a value of the column's type",
    )
}

/// The value for a message: a scalar as written, else what kind of node it is.
fn shown(node: &Node) -> String {
    match (&node.value, node.scalar_text()) {
        (Value::Str(s), _) => format!("{s:?}"),
        (_, Some(text)) => format!("{} `{text}`", node.kind()),
        _ => node.kind().to_string(),
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The rows of one table aligned on the columns any of them sets, in the table's order;
/// a column a row leaves out gets the database default.
fn seed_table(rows: Rows, tables: &[Table]) -> SeedTable {
    let table = &tables[rows.table];
    let mut used = vec![false; table.columns.len()];
    for (_, values) in &rows.rows {
        for (i, _) in values {
            used[*i] = true;
        }
    }
    let order: Vec<usize> = (0..used.len()).filter(|&i| used[i]).collect();
    SeedTable {
        table: table.db_name.clone(),
        columns: order
            .iter()
            .map(|&i| table.columns[i].db_name.clone())
            .collect(),
        rows: rows
            .rows
            .into_iter()
            .map(|(span, mut values)| {
                values.sort_by_key(|(i, _)| *i);
                let mut values = values.into_iter().peekable();
                let aligned = order
                    .iter()
                    .map(|i| match values.next_if(|(c, _)| c == i) {
                        Some((_, value)) => value,
                        None => SeedValue::Default,
                    })
                    .collect();
                SeedRow {
                    values: aligned,
                    span,
                }
            })
            .collect(),
        span: rows.span,
    }
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn uuids_are_recognised() {
        assert!(is_uuid("823c3bcd-b66f-4010-9922-4a3b411226cc"));
        assert!(!is_uuid("823c3bcd-b66f-4010-9922-4a3b411226c"));
        assert!(!is_uuid("823c3bcdb66f401099224a3b411226cc"));
        assert!(!is_uuid("823c3bcd-b66f-4010-9922-4a3b411226cg"));
    }
}
