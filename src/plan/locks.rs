//! Warnings for steps that take a long exclusive lock on a table with rows and have no
//! lock-safe form the planner can write on its own.

use super::{display, Change, Migration};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Column, DefaultValue, ScalarType};

/// Functions whose value differs per row: a default calling one cannot be stored once in the
/// catalog (Postgres ≥ 11's fast default), so adding the column rewrites every row.
const VOLATILE: &[&str] = &[
    "random(",
    "gen_random_uuid(",
    "uuid_generate_v",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
];

/// What fills an added column row by row, when something does: `gen_random_uuid()`.
fn per_row_default(column: &Column) -> Option<String> {
    match (&column.ty.scalar, &column.default) {
        (ScalarType::Serial { .. }, _) => Some("a serial sequence".into()),
        (ScalarType::Identity { .. }, _) => Some("an identity sequence".into()),
        (_, Some(DefaultValue::GenRandomUuid)) => Some("gen_random_uuid()".into()),
        (_, Some(DefaultValue::Sql(sql))) => {
            let lower = sql.to_lowercase();
            VOLATILE
                .iter()
                .any(|f| lower.contains(f))
                .then(|| sql.clone())
        }
        _ => None,
    }
}

/// A `W0330` per column added to an existing table with a per-row default.
pub(super) fn warnings(migration: &Migration, system: &str) -> Vec<Diagnostic> {
    migration
        .steps
        .iter()
        .filter_map(|step| match &step.change {
            Change::AddColumn { table, column } => Some((table, column)),
            _ => None,
        })
        .filter_map(|(table, column)| {
            let filled_by = per_row_default(column)?;
            let path = format!("{}.{}", display(table), column.db_name);
            let message = format!(
                "{system}: adding {path}, filled by {filled_by}, rewrites every row of {} \
                 under an ACCESS EXCLUSIVE lock (no reads or writes meanwhile)",
                display(table)
            );
            let help = "on a big table, add the column without the default (optional), \
                        set the default for new rows, fill the old rows in batches in a \
                        hand-written migration, then make it required; on a small table \
                        the rewrite is harmless";
            Some(
                Diagnostic::error(Code::AddColumnRewrite, column.span, message)
                    .at_path(path)
                    .with_help(help),
            )
        })
        .collect()
}
