//! Lint codes beside the plan: what each step may do to the rows already there.
//!
//! After the diff, every step is looked at once with both systems at hand and gets its
//! [`Lint`]s: the data it loses (E0310 unless accepted), a type change Postgres cannot
//! cast (E0311), and changes that fail on some rows (W0320–W0325). They live on the step
//! so the renderer marks them in the SQL and `build`, `check` (and later `rehearse` and
//! `migrate`) report them; [`diagnostics`] turns them into diagnostics, applying consent.

use super::cast::{self, Cast};
use super::matched::{ByName, Matched};
use super::{display, Change, Migration, Step};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Column, ColumnType, ForeignKey, Index, IndexPart, QualifiedName, ScalarType, Span, System,
    Table,
};
use std::collections::BTreeSet;

/// One finding about one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub code: Code,
    /// The database object, as `acceptDataLoss:` names it: `public.users.bio`.
    pub object: String,
    /// What happens, completing "the new migration …": "drops column public.users.bio".
    pub message: String,
    pub help: String,
    /// Where the object is declared in the current schema, when it still is.
    pub span: Option<Span>,
}

impl Lint {
    pub fn is_loss(&self) -> bool {
        self.code == Code::DataLoss
    }
}

const ACCEPT: &str =
    "run `schemagen build --accept-data-loss` to accept every loss of this build, \
or accept just this one with a top-level `acceptDataLoss:` list in the schema naming";

/// Both systems, indexed once.
struct Context<'a> {
    prev_tables: &'a ByName<'a>,
    next_tables: &'a ByName<'a>,
    prev: &'a System,
    next: &'a System,
    /// Tables this migration creates (new, or dropped and created again): they have no rows.
    created: BTreeSet<&'a QualifiedName>,
}

impl<'a> Context<'a> {
    fn table_span(&self, table: &QualifiedName) -> Option<Span> {
        self.next_tables.get(table).map(|t| t.span)
    }

    /// The column's span in the current schema, else its table's.
    fn column_span(&self, table: &QualifiedName, column: &str) -> Option<Span> {
        let t = self.next_tables.get(table)?;
        Some(t.column(column).map_or(t.span, |c| c.span))
    }

    fn is_existing(&self, table: &QualifiedName) -> bool {
        self.prev_tables.contains_key(table) && !self.created.contains(table)
    }

    fn previous(&self, table: &QualifiedName) -> Option<&'a Table> {
        self.prev_tables.get(table).copied()
    }
}

/// Fills in the lints of every step of `steps`, which turn `prev` into `next`.
pub(super) fn annotate(matched: &Matched, steps: &mut [Step]) {
    let created = steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::CreateTable(t) => Some(t.clone()),
            _ => None,
        })
        .collect::<BTreeSet<_>>();
    let context = Context {
        prev_tables: &matched.prev_tables,
        next_tables: &matched.next_tables,
        prev: matched.prev,
        next: matched.next,
        created: created.iter().collect(),
    };
    for step in steps.iter_mut() {
        step.lints = lints_of(&context, &step.change);
        // A destructive step this module has no path for can only be accepted by the flag.
        if step.destructive && !step.lints.iter().any(Lint::is_loss) {
            step.lints
                .push(loss(String::new(), format!("will {}", step.comment), None));
        }
    }
}

fn lints_of(cx: &Context, change: &Change) -> Vec<Lint> {
    match change {
        Change::DropTable(table) => vec![drop_table(cx, table)],
        Change::DropColumn { table, column } => vec![loss(
            format!("{}.{column}", display(table)),
            format!("drops column {}.{column} and its values", display(table)),
            cx.table_span(table),
        )],
        Change::DropPartition { table, name } => vec![loss(
            format!("{}.{name}", display(table)),
            format!("drops partition {name} of {} and its rows", display(table)),
            cx.table_span(table),
        )],
        Change::RecreateEnum { next, .. } => removed_values(cx, &next.db_name),
        Change::AlterColumnType {
            table,
            previous,
            next,
        } => type_change(cx, table, previous, next),
        Change::AddColumn { table, column } => required_column(cx, table, column),
        Change::SetNotNull {
            table,
            column,
            backfill: false,
            ..
        } => vec![Lint {
            code: Code::RequiredWithoutDefault,
            object: format!("{}.{column}", display(table)),
            message: format!(
                "makes {}.{column} required without a default: it fails while a row holds NULL",
                display(table)
            ),
            help: "give the field a default (NULLs are filled with it first), or fill the NULLs \
                   in a hand-written migration (`schemagen migrate new`) before this one"
                .into(),
            span: cx.column_span(table, column),
        }],
        Change::CreateIndex { table, index } if index.unique && cx.is_existing(table) => {
            let kept = cx
                .previous(table)
                .is_some_and(|p| p.indexes.iter().any(|i| i == index));
            unique(cx, table, &index_columns(index), kept)
        }
        Change::AddPrimaryKey { table, key } if cx.is_existing(table) => {
            let kept = cx
                .previous(table)
                .is_some_and(|p| p.primary_key.as_ref().map(|k| &k.columns) == Some(&key.columns));
            unique(cx, table, &key.columns.join(", "), kept)
        }
        Change::AddForeignKey { table, key, .. } if cx.is_existing(table) => {
            let kept = cx
                .previous(table)
                .is_some_and(|p| p.foreign_keys.iter().any(|k| same_reference(k, key)));
            if kept {
                return Vec::new();
            }
            vec![Lint {
                code: Code::ForeignKeyOnExistingRows,
                object: format!("{}.{}", display(table), key.db_name),
                message: format!(
                    "adds foreign key {} to existing table {}: it fails on a row whose ({}) \
                     matches no row of {}",
                    key.db_name,
                    display(table),
                    key.columns.join(", "),
                    display(&key.referenced_table)
                ),
                help: "delete or fix the rows that reference nothing (or set them to NULL) in a \
                       hand-written migration (`schemagen migrate new`) before this one"
                    .into(),
                span: cx.table_span(table),
            }]
        }
        Change::AddCheck { table, check, .. } if cx.is_existing(table) => {
            let kept = cx
                .previous(table)
                .is_some_and(|p| p.checks.iter().any(|c| c == check));
            if kept {
                return Vec::new();
            }
            vec![Lint {
                code: Code::CheckOnExistingRows,
                object: format!("{}.{}", display(table), check.db_name),
                message: format!(
                    "adds check {} ({}) to existing table {}: it fails on a row that violates it",
                    check.db_name,
                    check.expression,
                    display(table)
                ),
                help: "fix the rows that violate it in a hand-written migration \
                       (`schemagen migrate new`) before this one"
                    .into(),
                span: cx.table_span(table),
            }]
        }
        _ => Vec::new(),
    }
}

/// Rows satisfied `a` before, so they satisfy `b`: only its actions or name differ.
fn same_reference(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.referenced_table == b.referenced_table
        && a.referenced_columns == b.referenced_columns
}

fn loss(object: String, message: String, span: Option<Span>) -> Lint {
    let help = if object.is_empty() {
        "review the step, then run `schemagen build --accept-data-loss` to accept it".into()
    } else {
        format!("{ACCEPT} `{object}`")
    };
    Lint {
        code: Code::DataLoss,
        object,
        message,
        help,
        span,
    }
}

/// A dropped table, or one dropped and created again because its partitioning changed.
fn drop_table(cx: &Context, table: &QualifiedName) -> Lint {
    let message = if cx.next_tables.contains_key(table) {
        format!(
            "drops table {} and its rows to create it again with its new partitioning",
            display(table)
        )
    } else {
        format!("drops table {} and its rows", display(table))
    };
    loss(display(table).to_string(), message, cx.table_span(table))
}

fn removed_values(cx: &Context, name: &QualifiedName) -> Vec<Lint> {
    let (Some(before), Some(after)) = (
        cx.prev.enums.iter().find(|e| &e.db_name == name),
        cx.next.enums.iter().find(|e| &e.db_name == name),
    ) else {
        return Vec::new();
    };
    let kept: BTreeSet<&str> = after.values.iter().map(|v| v.db_name.as_str()).collect();
    before
        .values
        .iter()
        .filter(|v| !kept.contains(v.db_name.as_str()))
        .map(|v| {
            let mut lint = loss(
                format!("{}.{}", display(name), v.db_name),
                format!(
                    "removes value {} from enum {} (the migration fails while a row holds it)",
                    v.db_name,
                    display(name)
                ),
                Some(after.span),
            );
            lint.help = format!(
                "{}; rows holding it must be changed first, in a hand-written migration \
                 (`schemagen migrate new`)",
                lint.help
            );
            lint
        })
        .collect()
}

fn type_name(ty: &ColumnType) -> String {
    crate::render::postgres::sql::column_type(&cast::storage(ty))
}

fn type_change(cx: &Context, table: &QualifiedName, before: &Column, after: &Column) -> Vec<Lint> {
    let object = format!("{}.{}", display(table), after.db_name);
    let span = cx.column_span(table, &after.db_name);
    let (from, to) = (type_name(&before.ty), type_name(&after.ty));
    match cast::classify(&cast::storage(&before.ty), &cast::storage(&after.ty)) {
        Cast::Widening => Vec::new(),
        Cast::Narrowing => vec![Lint {
            code: Code::CastCanFail,
            message: format!(
                "changes {object} from {from} to {to}: it fails, naming the column, while a \
                 value does not fit (none is cut)"
            ),
            object,
            help: "fix the values that do not fit in a hand-written migration \
                   (`schemagen migrate new`) before this one, or keep the wider type"
                .into(),
            span,
        }],
        Cast::Lossy => vec![loss(
            object.clone(),
            format!(
                "changes {object} from {from} to {to}: values are rounded, reformatted or \
                 reinterpreted, and those that do not convert make it fail"
            ),
            span,
        )],
        Cast::Impossible => vec![Lint {
            code: Code::NoCast,
            message: format!(
                "changes {object} from {from} to {to}, and PostgreSQL has no cast between them"
            ),
            object,
            help: "add a new field of the new type, fill it from the old one in a hand-written \
                   migration (`schemagen migrate new`), then remove the old field (accepting the loss)"
                .into(),
            span,
        }],
    }
}

fn required_column(cx: &Context, table: &QualifiedName, column: &Column) -> Vec<Lint> {
    let filled = column.has_database_default()
        || matches!(
            column.ty.scalar,
            ScalarType::Serial { .. } | ScalarType::Identity { .. }
        );
    if column.nullable || filled || !cx.is_existing(table) {
        return Vec::new();
    }
    vec![Lint {
        code: Code::RequiredColumnAdded,
        object: format!("{}.{}", display(table), column.db_name),
        message: format!(
            "adds required column {}.{} without a default: it fails when the table has rows",
            display(table),
            column.db_name
        ),
        help: "give it a default, or add it optional, fill it in a hand-written migration \
               (`schemagen migrate new`), then make it required"
            .into(),
        span: cx.column_span(table, &column.db_name),
    }]
}

/// `email, lower(name)`: what an index covers, for messages.
fn index_columns(index: &Index) -> String {
    let parts: Vec<&str> = index
        .parts
        .iter()
        .map(|p| match p {
            IndexPart::Column { name, .. } => name.as_str(),
            IndexPart::Expression { sql } => sql.as_str(),
        })
        .collect();
    parts.join(", ")
}

fn unique(cx: &Context, table: &QualifiedName, columns: &str, kept: bool) -> Vec<Lint> {
    if kept {
        return Vec::new();
    }
    vec![Lint {
        code: Code::UniqueOnExistingRows,
        object: format!("{}({columns})", display(table)),
        message: format!(
            "makes ({columns}) of existing table {} unique: it fails while two rows share a value",
            display(table)
        ),
        help: "remove or change the duplicates in a hand-written migration \
               (`schemagen migrate new`) before this one"
            .into(),
        span: cx.table_span(table),
    }]
}

/// The diagnostics of a migration's lints: a loss is an error (E0310) unless the run or the
/// schema accepts it, then a warning (W0301); warnings stay warnings; E0311 is always an error.
pub fn diagnostics(migration: &Migration, system: &System, accept_all: bool) -> Vec<Diagnostic> {
    let accepted: BTreeSet<&str> = system
        .accept_data_loss
        .iter()
        .map(|a| a.path.as_str())
        .collect();
    let mut out = Vec::new();
    for step in &migration.steps {
        let refused: Vec<&Lint> = step
            .lints
            .iter()
            .filter(|l| l.is_loss() && !accept_all && !accepted.contains(l.object.as_str()))
            .collect();
        if step.destructive && refused.is_empty() {
            out.push(super::destructive_warning(&system.name, step));
        }
        for lint in &step.lints {
            if lint.is_loss() && !refused.contains(&lint) {
                continue;
            }
            out.push(diagnostic(&system.name, lint));
        }
    }
    out
}

fn diagnostic(system: &str, lint: &Lint) -> Diagnostic {
    let message = format!("{system}: the new migration {}", lint.message);
    let d = match lint.span {
        Some(span) => Diagnostic::error(lint.code, span, message),
        None => Diagnostic::global(lint.code, message),
    };
    let d = d.with_help(lint.help.clone());
    if lint.object.is_empty() {
        return d;
    }
    d.at_path(lint.object.clone())
}
