//! The model key `partition:`: declarative partitioning, which `schema.prisma` cannot say.
//!
//! `partition: { by: range, columns: [createdAt], monthly: { from: 2025-01, months: 24 } }`
//! makes one partition per month (`<table>_2025_01` …) and a `<table>_default` partition
//! for every row outside the span, so inserts never fail. `by: hash` takes `count: N`
//! (partitions `<table>_p0` …); `by: list` gets the default partition only.

use super::model::scalar_column;
use super::{Model, Src};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::{check_keys, closest, expect_map, expect_scalar, expect_seq};
use crate::ir::{Partition, PartitionBound, PartitionMethod, Partitioning, ScalarType};
use crate::load::Node;

pub(crate) const KEYS: &[&str] = &["by", "columns", "monthly", "count"];
pub(crate) const MONTHLY_KEYS: &[&str] = &["from", "months"];
const METHODS: &[&str] = &["range", "list", "hash"];
/// Enough for a century of months or a wide hash; more is surely a typo.
const MAX_PARTITIONS: u32 = 1200;

pub(super) fn partitioning(
    node: &Node,
    model: &Model<'_>,
    diags: &mut Diagnostics,
) -> Option<Partitioning> {
    let path = format!("{}.partition", model.name);
    let entries = expect_map(node, &path, diags)?;
    check_keys(entries, KEYS, &path, diags);
    let method = match node.get("by") {
        Some(by) => method(by, &path, diags),
        None => {
            diags.push(missing(
                node,
                &path,
                "a partitioning needs `by`",
                "e.g. `by: range`",
            ));
            None
        }
    };
    let columns = match node.get("columns") {
        Some(columns) => columns_of(columns, model, &path, diags),
        None => {
            diags.push(missing(
                node,
                &path,
                "a partitioning needs `columns`",
                "e.g. `columns: [createdAt]`",
            ));
            None
        }
    };
    let (method, columns) = (method?, columns?);
    let table = &model.table.name;
    let default = || Partition {
        db_name: format!("{table}_default"),
        bound: PartitionBound::Default,
    };
    let partitions = match (method, node.get("monthly"), node.get("count")) {
        (PartitionMethod::Range, Some(monthly), None) => {
            let mut partitions = months(monthly, model, &columns, &path, diags)?;
            partitions.push(default());
            partitions
        }
        (PartitionMethod::Hash, None, Some(count)) => {
            let count = number(count, &format!("{path}.count"), diags)?;
            (0..count)
                .map(|remainder| Partition {
                    db_name: format!("{table}_p{remainder}"),
                    bound: PartitionBound::Hash {
                        modulus: count,
                        remainder,
                    },
                })
                .collect()
        }
        (PartitionMethod::Hash, None, None) => {
            diags.push(missing(
                node,
                &path,
                "hash partitioning needs `count` (Postgres has no default hash partition)",
                "e.g. `count: 8`",
            ));
            return None;
        }
        (_, None, None) => vec![default()],
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    node.span,
                    "`monthly` goes with `by: range`, `count` with `by: hash`",
                )
                .at_path(path)
                .with_help("keep the one that matches `by`"),
            );
            return None;
        }
    };
    Some(Partitioning {
        method,
        columns: columns.into_iter().map(|(db, _)| db).collect(),
        partitions,
        span: node.span,
    })
}

fn missing(node: &Node, path: &str, message: &str, help: &str) -> Diagnostic {
    Diagnostic::error(Code::MissingKey, node.span, message.to_string())
        .at_path(path.to_string())
        .with_help(help.to_string())
}

fn method(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<PartitionMethod> {
    let path = format!("{path}.by");
    let text = expect_scalar(node, &path, diags)?;
    match text.to_ascii_lowercase().as_str() {
        "range" => Some(PartitionMethod::Range),
        "list" => Some(PartitionMethod::List),
        "hash" => Some(PartitionMethod::Hash),
        _ => {
            let d = Diagnostic::error(
                Code::BadValue,
                node.span,
                format!("unknown partitioning method `{text}`"),
            )
            .at_path(path);
            diags.push(match closest(&text, METHODS) {
                Some(near) => d.with_help(format!("did you mean `{near}`?")),
                None => d.with_help(format!("partitioning methods: {}", METHODS.join(", "))),
            });
            None
        }
    }
}

/// Field names → (column database name, type), or `None` after reporting every bad one.
fn columns_of(
    node: &Node,
    model: &Model<'_>,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(String, ScalarType)>> {
    let path = format!("{path}.columns");
    let items = expect_seq(node, &path, diags)?;
    let mut columns = Vec::with_capacity(items.len());
    let mut ok = !items.is_empty();
    for item in items {
        let Some(name) = expect_scalar(item, &path, diags) else {
            ok = false;
            continue;
        };
        let src = Src {
            text: name.as_str().into(),
            start: item.span,
        };
        match scalar_column(&name, 0, model, &src, &path, diags) {
            Some(column) => columns.push((column.db_name.clone(), column.ty.scalar.clone())),
            None => ok = false,
        }
    }
    if items.is_empty() {
        diags.push(missing(
            node,
            &path,
            "a partitioning needs at least one column",
            "e.g. `columns: [createdAt]`",
        ));
    }
    ok.then_some(columns)
}

/// `monthly: { from: 2025-01, months: 24 }` → one range partition per month.
fn months(
    node: &Node,
    model: &Model<'_>,
    columns: &[(String, ScalarType)],
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<Partition>> {
    let path = format!("{path}.monthly");
    let entries = expect_map(node, &path, diags)?;
    check_keys(entries, MONTHLY_KEYS, &path, diags);
    let is_time = |ty: &ScalarType| {
        matches!(
            ty,
            ScalarType::Date | ScalarType::Timestamp { .. } | ScalarType::Timestamptz { .. }
        )
    };
    if !matches!(columns, [(_, ty)] if is_time(ty)) {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                "monthly partitions need exactly one date or timestamp column",
            )
            .at_path(path.clone())
            .with_help("partition by a single `DateTime` field, e.g. `columns: [createdAt]`"),
        );
        return None;
    }
    let from = match node.get("from") {
        Some(from) => month(from, &format!("{path}.from"), diags),
        None => {
            diags.push(missing(
                node,
                &path,
                "monthly partitions need `from`",
                "e.g. `from: 2025-01`",
            ));
            None
        }
    };
    let count = match node.get("months") {
        Some(months) => number(months, &format!("{path}.months"), diags),
        None => {
            diags.push(missing(
                node,
                &path,
                "monthly partitions need `months`",
                "e.g. `months: 24`",
            ));
            None
        }
    };
    let ((year, month), count) = (from?, count?);
    let table = &model.table.name;
    let start = year * 12 + (month - 1);
    let first_day = |m: u32| format!("{:04}-{:02}-01", m / 12, m % 12 + 1);
    Some(
        (start..start + count)
            .map(|m| Partition {
                db_name: format!("{table}_{:04}_{:02}", m / 12, m % 12 + 1),
                bound: PartitionBound::Range {
                    from: first_day(m),
                    to: first_day(m + 1),
                },
            })
            .collect(),
    )
}

/// `YYYY-MM` → (year, month).
fn month(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<(u32, u32)> {
    let text = expect_scalar(node, path, diags)?;
    let parsed = text
        .split_once('-')
        .filter(|(y, m)| y.len() == 4 && m.len() == 2)
        .and_then(|(y, m)| Some((y.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(y, m)| *y >= 1 && (1..=12).contains(m));
    if parsed.is_none() {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                format!("`{text}` is not a month"),
            )
            .at_path(path.to_string())
            .with_help("write the first month as `YYYY-MM`, e.g. `2025-01`"),
        );
    }
    parsed
}

/// A count of partitions: 1 to [`MAX_PARTITIONS`].
fn number(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<u32> {
    let value = node
        .as_i64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_PARTITIONS).contains(n));
    if value.is_none() {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                format!("expected a whole number from 1 to {MAX_PARTITIONS}"),
            )
            .at_path(path.to_string())
            .with_help("write a whole number, e.g. `24`"),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use crate::load::parse_text;

    fn month(text: &str) -> Option<(u32, u32)> {
        let node = parse_text(&format!("m: {text}"), 0).unwrap();
        super::month(node.get("m").unwrap(), "m", &mut Default::default())
    }

    #[test]
    fn months_are_year_dash_month() {
        assert_eq!(month("2025-01"), Some((2025, 1)));
        assert_eq!(month("\"2024-12\""), Some((2024, 12)));
        for bad in [
            "2025-13",
            "2025-00",
            "2025-1",
            "25-01",
            "2025",
            "2025-01-01",
            "x",
        ] {
            assert_eq!(month(bad), None, "{bad}");
        }
    }
}
