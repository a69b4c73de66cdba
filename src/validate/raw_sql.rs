//! Every raw SQL field of the system through the one lexer ([`crate::ir::sql_lexer`]):
//! CHECK expressions, partial-index predicates, index expressions, `dbgenerated` defaults and
//! access `sql:` rules. Each is pasted into a migration as written, so each must be one
//! expression that cannot end its statement and start another.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::access::RuleKind;
use crate::ir::sql_lexer::{self, Place};
use crate::ir::{DefaultValue, IndexPart, Span, System};

pub fn raw_sql_is_one_expression(system: &System, diags: &mut Diagnostics) {
    for t in &system.tables {
        for check in &t.checks {
            let path = || format!("{}.checks.{}", t.name, check.db_name);
            one(
                &check.expression,
                Place::Expression,
                check.span,
                &path,
                diags,
            );
        }
        for index in &t.indexes {
            let path = |field: &str| format!("{}.indexes.{}.{field}", t.name, index.db_name);
            if let Some(predicate) = &index.predicate {
                one(
                    predicate,
                    Place::Expression,
                    index.span,
                    &|| path("where"),
                    diags,
                );
            }
            for part in &index.parts {
                if let IndexPart::Expression { sql } = part {
                    one(
                        sql,
                        Place::Expression,
                        index.span,
                        &|| path("expression"),
                        diags,
                    );
                }
            }
        }
        for c in &t.columns {
            if let Some(DefaultValue::Sql(sql)) = &c.default {
                let path = || format!("{}.{}", t.name, c.name);
                one(sql, Place::Default, c.span, &path, diags);
            }
        }
    }
    for entry in &system.access.tables {
        for rule in &entry.rules {
            if let RuleKind::Sql { expression, .. } = &rule.kind {
                let path = || format!("{}.access.sql", table_name(system, entry));
                one(expression, Place::Expression, rule.span, &path, diags);
            }
        }
    }
}

/// The logical name of the table an access entry is for (its database name when unknown).
fn table_name(system: &System, entry: &crate::ir::access::TableAccess) -> String {
    system
        .tables
        .iter()
        .find(|t| t.db_name == entry.table)
        .map_or_else(|| entry.table.name.clone(), |t| t.name.clone())
}

fn one(sql: &str, place: Place, span: Span, path: &dyn Fn() -> String, diags: &mut Diagnostics) {
    let Err(problem) = sql_lexer::check(sql, place) else {
        return;
    };
    let excerpt = crate::diagnostics::clip(sql, problem.offset);
    diags.push(
        Diagnostic::error(
            Code::RawSqlNotOneExpression,
            span,
            format!(
                "the SQL `{excerpt}` is not one expression: {} (at character {})",
                problem.what,
                sql[..problem.offset].chars().count() + 1
            ),
        )
        .at_path(path())
        .with_help(
            "raw SQL here is pasted into the migration as one expression: remove the `;` or \
             comment, close every quote and bracket, and put other statements in a hand-written \
             migration (`schemagen migrate new`)",
        ),
    );
}
