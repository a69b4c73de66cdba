//! Drift: a live catalog compared with the expected one, object by object. Each difference is
//! one readable line and the SQL that would bring the live database to the expected state,
//! built from the expected catalog's own definitions (`pg_get_indexdef`,
//! `pg_get_constraintdef`, policy expressions as Postgres printed them).
//!
//! The SQL never loses data silently: dropping a table, a column or a schema that holds
//! tables is printed commented out, under a `-- DESTRUCTIVE` line, for a person to decide.
//! Type changes use Postgres' assignment casts (no `USING`), so a value that does not fit
//! makes the statement fail instead of being cut.

use super::{Catalog, Column, Constraint, Enum, Grants, Index, Name, Policy, Sequence, Table};
use crate::render::postgres::sql::string_literal;
use crate::render::quote_ident;
use std::collections::BTreeSet;

mod table;
pub use table::policy_text;

/// One difference between the live database and the migrations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    /// `-` missing from the live database, `+` only in the live database, `~` different.
    pub sign: char,
    /// `column public.users.email`.
    pub object: String,
    /// `type text, expected character varying(255)`.
    pub detail: String,
    /// False for the parts of a missing table (the table's own line says it all).
    #[serde(skip)]
    pub shown: bool,
    #[serde(skip)]
    steps: Vec<Step>,
}

impl Drift {
    /// `~ column public.users.email: type text, expected character varying(255)`.
    pub fn line(&self) -> String {
        format!("{} {}: {}", self.sign, self.object, self.detail)
    }
}

/// A reconciling statement and when it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    phase: Phase,
    sql: String,
    destructive: bool,
}

/// The order reconciling statements run in: what depends on something comes after it, what
/// something depends on is dropped after it. The first three run before the transaction
/// (a value added to an enum cannot be used in the transaction that added it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    CreateSchemas,
    CreateExtensions,
    CreateEnums,
    AddEnumValues,
    DropPolicies,
    DropForeignKeys,
    DropConstraints,
    DropIndexes,
    RecreateEnums,
    CreateSequences,
    CreateTables,
    CreatePartitions,
    Columns,
    OwnSequences,
    DropColumns,
    DropTables,
    AddConstraints,
    AddForeignKeys,
    Validate,
    CreateIndexes,
    Rls,
    CreatePolicies,
    Grants,
    Comments,
    DropEnums,
    DropSequences,
    DropExtensions,
    DropSchemas,
}

impl Phase {
    fn in_transaction(self) -> bool {
        self > Phase::AddEnumValues
    }
}

/// Every difference, in catalog order (schemas, enums, tables; within a table: columns,
/// constraints, indexes, RLS, policies, grants, comments).
pub fn compare(live: &Catalog, expected: &Catalog) -> Vec<Drift> {
    let mut out = Drifts::default();
    schemas(live, expected, &mut out);
    extensions(live, expected, &mut out);
    enums(live, expected, &mut out);
    sequences(live, expected, &mut out);
    for (name, table) in &expected.tables {
        match live.tables.get(name) {
            Some(live_table) => table::same_table(name, live_table, table, &mut out),
            None => table::missing_table(name, table, &mut out),
        }
    }
    for (name, table) in &live.tables {
        if !expected.tables.contains_key(name) {
            let sql = format!("DROP TABLE {}", name.sql());
            let rows = if table.partition_of.is_some() {
                "partition"
            } else {
                "table"
            };
            out.add('+', format!("{rows} {name}"), "not in the migrations")
                .destructive(Phase::DropTables, sql);
        }
    }
    out.0
}

/// The SQL that reconciles the live database, `None` when there is nothing to do: statements
/// that must commit first, then one transaction.
pub fn reconcile(drifts: &[Drift]) -> Option<String> {
    let mut steps: Vec<&Step> = drifts.iter().flat_map(|d| &d.steps).collect();
    if steps.is_empty() {
        return None;
    }
    steps.sort_by_key(|s| s.phase); // stable: catalog order within a phase
    let mut sql =
        String::from("-- Reconciles the live database with the migrations (schemagen diff).\n");
    let mut in_transaction = false;
    for step in steps {
        if step.phase.in_transaction() && !in_transaction {
            sql.push_str("BEGIN;\n");
            in_transaction = true;
        }
        if step.destructive {
            sql.push_str("-- DESTRUCTIVE: loses data; uncomment only if that is intended.\n-- ");
            sql.push_str(&step.sql.replace('\n', "\n-- "));
        } else {
            sql.push_str(&step.sql);
        }
        sql.push_str(";\n");
    }
    if in_transaction {
        sql.push_str("COMMIT;\n");
    }
    Some(sql)
}

#[derive(Default)]
struct Drifts(Vec<Drift>);

impl Drifts {
    fn add(&mut self, sign: char, object: String, detail: impl Into<String>) -> &mut Drift {
        self.0.push(Drift {
            sign,
            object,
            detail: detail.into(),
            shown: true,
            steps: Vec::new(),
        });
        self.0.last_mut().expect("just pushed")
    }
}

impl Drift {
    fn sql(&mut self, phase: Phase, sql: String) -> &mut Drift {
        self.steps.push(Step {
            phase,
            sql,
            destructive: false,
        });
        self
    }

    fn destructive(&mut self, phase: Phase, sql: String) -> &mut Drift {
        self.steps.push(Step {
            phase,
            sql,
            destructive: true,
        });
        self
    }
}

fn role(name: &str) -> String {
    if name == "PUBLIC" {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

fn roles(names: &[String]) -> String {
    names.iter().map(|r| role(r)).collect::<Vec<_>>().join(", ")
}

fn comment_literal(text: &Option<String>) -> String {
    text.as_deref().map_or("NULL".into(), string_literal)
}

fn show(text: &Option<String>) -> String {
    text.as_deref().map_or("none".into(), str::to_string)
}

fn schemas(live: &Catalog, expected: &Catalog, out: &mut Drifts) {
    for (name, schema) in &expected.schemas {
        let on = format!("SCHEMA {}", quote_ident(name));
        let live_schema = match live.schemas.get(name) {
            Some(s) => s,
            None => {
                let drift = out.add('-', format!("schema {name}"), "missing");
                drift.sql(Phase::CreateSchemas, format!("CREATE {on}"));
                drift.shown = true;
                &Default::default()
            }
        };
        grants(
            &format!("schema {name}"),
            &on,
            None,
            &live_schema.grants,
            &schema.grants,
            out,
        );
        if live_schema.comment != schema.comment {
            out.add(
                '~',
                format!("schema {name}"),
                comment_detail(&live_schema.comment, &schema.comment),
            )
            .sql(
                Phase::Comments,
                format!("COMMENT ON {on} IS {}", comment_literal(&schema.comment)),
            );
        }
    }
    for name in live.schemas.keys() {
        if !expected.schemas.contains_key(name) {
            let sql = format!("DROP SCHEMA {}", quote_ident(name));
            let drift = out.add('+', format!("schema {name}"), "not in the migrations");
            if live.tables.keys().any(|t| &t.schema == name) {
                drift.destructive(Phase::DropSchemas, sql);
            } else {
                drift.sql(Phase::DropSchemas, sql);
            }
        }
    }
}

fn extensions(live: &Catalog, expected: &Catalog, out: &mut Drifts) {
    for (name, schema) in &expected.extensions {
        let create = format!(
            "CREATE EXTENSION IF NOT EXISTS {} SCHEMA {}",
            quote_ident(name),
            quote_ident(schema)
        );
        match live.extensions.get(name) {
            None => {
                out.add('-', format!("extension {name}"), "missing")
                    .sql(Phase::CreateExtensions, create);
            }
            Some(have) if have != schema => {
                let detail = format!("in schema {have}, expected {schema}");
                let sql = format!(
                    "ALTER EXTENSION {} SET SCHEMA {}",
                    quote_ident(name),
                    quote_ident(schema)
                );
                out.add('~', format!("extension {name}"), detail)
                    .sql(Phase::CreateExtensions, sql);
            }
            Some(_) => {}
        }
    }
    for name in live.extensions.keys() {
        if !expected.extensions.contains_key(name) {
            // Without CASCADE: a column or default that uses it makes the drop fail.
            out.add('+', format!("extension {name}"), "not in the migrations")
                .sql(
                    Phase::DropExtensions,
                    format!("DROP EXTENSION {}", quote_ident(name)),
                );
        }
    }
}

fn comment_detail(live: &Option<String>, expected: &Option<String>) -> String {
    format!("comment {:?}, expected {:?}", show(live), show(expected))
}

/// `on` is the object as GRANT names it (`TABLE "public"."t"`); `column` narrows the privileges
/// to one column of that table (`GRANT UPDATE ("title") ON TABLE …`).
fn grants(
    object: &str,
    on: &str,
    column: Option<&str>,
    live: &Grants,
    expected: &Grants,
    out: &mut Drifts,
) {
    let privilege_of = |p: &str| match column {
        Some(c) => format!("{p} ({})", quote_ident(c)),
        None => p.to_string(),
    };
    let grantees: BTreeSet<&String> = live.keys().chain(expected.keys()).collect();
    let empty = Default::default();
    for grantee in grantees {
        let (have, want) = (
            live.get(grantee).unwrap_or(&empty),
            expected.get(grantee).unwrap_or(&empty),
        );
        if have == want {
            continue;
        }
        let list = |g: &std::collections::BTreeMap<String, bool>| {
            let items: Vec<String> = g
                .iter()
                .map(|(p, option)| {
                    if *option {
                        format!("{p} WITH GRANT OPTION")
                    } else {
                        p.clone()
                    }
                })
                .collect();
            if items.is_empty() {
                "none".to_string()
            } else {
                items.join(", ")
            }
        };
        let detail = format!("{}, expected {}", list(have), list(want));
        let drift = out.add('~', format!("grants on {object} to {grantee}"), detail);
        let to = role(grantee);
        for (privilege, option) in want {
            match have.get(privilege) {
                Some(had) if had == option => {}
                Some(true) => {
                    drift.sql(
                        Phase::Grants,
                        format!(
                            "REVOKE GRANT OPTION FOR {} ON {on} FROM {to}",
                            privilege_of(privilege)
                        ),
                    );
                }
                _ => {
                    let with = if *option { " WITH GRANT OPTION" } else { "" };
                    drift.sql(
                        Phase::Grants,
                        format!("GRANT {} ON {on} TO {to}{with}", privilege_of(privilege)),
                    );
                }
            }
        }
        for privilege in have.keys().filter(|p| !want.contains_key(*p)) {
            drift.sql(
                Phase::Grants,
                format!("REVOKE {} ON {on} FROM {to}", privilege_of(privilege)),
            );
        }
    }
}

fn enums(live: &Catalog, expected: &Catalog, out: &mut Drifts) {
    for (name, wanted) in &expected.enums {
        let object = format!("enum {name}");
        let Some(have) = live.enums.get(name) else {
            let sql = format!(
                "CREATE TYPE {} AS ENUM ({})",
                name.sql(),
                labels(&wanted.labels)
            );
            out.add('-', object.clone(), "missing")
                .sql(Phase::CreateEnums, sql);
            enum_comment(name, &None, wanted, out);
            continue;
        };
        if have.labels != wanted.labels {
            let detail = format!(
                "values ({}), expected ({})",
                have.labels.join(", "),
                wanted.labels.join(", ")
            );
            let drift = out.add('~', object, detail);
            if is_subsequence(&have.labels, &wanted.labels) {
                add_values(name, &have.labels, &wanted.labels, drift);
            } else {
                recreate_enum(name, have, wanted, live, drift);
            }
        }
        enum_comment(name, &have.comment, wanted, out);
    }
    for name in live.enums.keys() {
        if !expected.enums.contains_key(name) {
            out.add('+', format!("enum {name}"), "not in the migrations")
                .sql(Phase::DropEnums, format!("DROP TYPE {}", name.sql()));
        }
    }
}

fn enum_comment(name: &Name, have: &Option<String>, wanted: &Enum, out: &mut Drifts) {
    if *have != wanted.comment {
        let sql = format!(
            "COMMENT ON TYPE {} IS {}",
            name.sql(),
            comment_literal(&wanted.comment)
        );
        out.add(
            '~',
            format!("enum {name}"),
            comment_detail(have, &wanted.comment),
        )
        .sql(Phase::Comments, sql);
    }
}

fn labels(values: &[String]) -> String {
    values
        .iter()
        .map(|v| string_literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_subsequence(short: &[String], long: &[String]) -> bool {
    let mut rest = long.iter();
    short.iter().all(|label| rest.any(|l| l == label))
}

/// `ADD VALUE … AFTER` its predecessor (or `BEFORE` the first label the live type has).
fn add_values(name: &Name, have: &[String], wanted: &[String], drift: &mut Drift) {
    for (at, label) in wanted.iter().enumerate() {
        if have.contains(label) {
            continue;
        }
        let place = match at {
            0 => format!("BEFORE {}", string_literal(&have[0])),
            _ => format!("AFTER {}", string_literal(&wanted[at - 1])),
        };
        let sql = format!(
            "ALTER TYPE {} ADD VALUE {} {place}",
            name.sql(),
            string_literal(label)
        );
        drift.sql(Phase::AddEnumValues, sql);
    }
}

/// Labels removed or reordered: Postgres cannot do that in place, so the type is rebuilt and
/// every live column of it converted through its text (a row holding a label the expected type
/// lacks makes the conversion fail: nothing is lost silently).
fn recreate_enum(name: &Name, have: &Enum, wanted: &Enum, live: &Catalog, drift: &mut Drift) {
    let old = Name::new(name.schema.clone(), format!("{}_schemagen_old", name.name));
    let mut sql = vec![
        format!(
            "ALTER TYPE {} RENAME TO {}",
            name.sql(),
            quote_ident(&old.name)
        ),
        format!(
            "CREATE TYPE {} AS ENUM ({})",
            name.sql(),
            labels(&wanted.labels)
        ),
    ];
    for (table, columns) in &live.tables {
        for column in columns.columns.iter().filter(|c| !c.inherited) {
            let array = if column.data_type == format!("{}[]", have.spelled) {
                "[]"
            } else if column.data_type == have.spelled {
                ""
            } else {
                continue;
            };
            let alter = format!(
                "ALTER TABLE {} ALTER COLUMN {}",
                table.sql(),
                quote_ident(&column.name)
            );
            if column.default.is_some() {
                sql.push(format!("{alter} DROP DEFAULT"));
            }
            let ty = format!("{}{array}", name.sql());
            sql.push(format!(
                "{alter} TYPE {ty} USING {}::text{array}::{ty}",
                quote_ident(&column.name)
            ));
            if let Some(default) = &column.default {
                sql.push(format!("{alter} SET DEFAULT {default}"));
            }
        }
    }
    sql.push(format!("DROP TYPE {}", old.sql()));
    drift.sql(Phase::RecreateEnums, sql.join(";\n"));
}

/// One line per attribute that differs, each with its `ALTER COLUMN`.
/// Indexes of their own: those behind a constraint follow the constraint, a partition's copy
/// follows its parent's index.
/// `AS PERMISSIVE FOR SELECT TO "app" USING (…) WITH CHECK (…)`.
fn sequences(live: &Catalog, expected: &Catalog, out: &mut Drifts) {
    for (name, want) in &expected.sequences {
        let object = format!("sequence {name}");
        let on = format!("SEQUENCE {}", name.sql());
        let empty = Sequence::default();
        let have = match live.sequences.get(name) {
            Some(have) => have,
            None => {
                let sql = format!("CREATE {on} {}", want.options);
                let drift = out.add('-', object.clone(), "missing");
                drift.sql(Phase::CreateSequences, sql);
                // A serial column's sequence comes back with its table: the table's line says it.
                drift.shown = want
                    .owned_by
                    .as_ref()
                    .is_none_or(|(t, _)| live.tables.contains_key(t));
                &Sequence {
                    owned_by: None,
                    ..empty
                }
            }
        };
        if live.sequences.contains_key(name) && have.options != want.options {
            let detail = format!("{}, expected {}", have.options, want.options);
            out.add('~', object.clone(), detail).sql(
                Phase::CreateSequences,
                format!("ALTER {on} {}", want.options),
            );
        }
        if have.owned_by != want.owned_by {
            let owner = |o: &Option<(Name, String)>| match o {
                Some((table, column)) => format!("{}.{}", table.sql(), quote_ident(column)),
                None => "NONE".into(),
            };
            let detail = format!(
                "owned by {}, expected {}",
                owner(&have.owned_by),
                owner(&want.owned_by)
            );
            let drift = out.add('~', object.clone(), detail);
            drift.sql(
                Phase::OwnSequences,
                format!("ALTER {on} OWNED BY {}", owner(&want.owned_by)),
            );
            drift.shown = live.sequences.contains_key(name);
        }
        let mut grant_drifts = Drifts::default();
        grants(
            &object,
            &on,
            None,
            &have.grants,
            &want.grants,
            &mut grant_drifts,
        );
        for mut drift in grant_drifts.0 {
            drift.shown &= live.sequences.contains_key(name) || want.owned_by.is_none();
            out.0.push(drift);
        }
    }
    for (name, have) in &live.sequences {
        if !expected.sequences.contains_key(name) {
            let drift = out.add('+', format!("sequence {name}"), "not in the migrations");
            // A sequence behind an extra column (or table) goes with it.
            let extra_owner = have.owned_by.as_ref().is_some_and(|(table, column)| {
                expected
                    .tables
                    .get(table)
                    .and_then(|t| t.column(column))
                    .is_none()
            });
            if extra_owner {
                drift.shown = false;
            } else {
                drift.sql(
                    Phase::DropSequences,
                    format!("DROP SEQUENCE {}", name.sql()),
                );
            }
        }
    }
}

/// Whether the database matches: no difference worth a line (the parts of a missing table
/// or an extra column's sequence come with their own line).
pub fn in_sync(drifts: &[Drift]) -> bool {
    !drifts.iter().any(|d| d.shown)
}

/// The readable report: one line per difference, then the reconciling SQL.
pub fn human(system: &str, drifts: &[Drift]) -> String {
    let shown: Vec<String> = drifts.iter().filter(|d| d.shown).map(Drift::line).collect();
    if shown.is_empty() {
        return format!("{system}: no drift: the database matches the migrations\n");
    }
    let mut text = format!(
        "{system}: {} differences from the migrations\n",
        shown.len()
    );
    for line in shown {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(sql) = reconcile(drifts) {
        text.push('\n');
        text.push_str(&sql);
    }
    text
}

/// The same as JSON: `{"system", "drift": [{"sign", "object", "detail"}], "sql"}`.
pub fn json(system: &str, drifts: &[Drift]) -> serde_json::Value {
    let shown: Vec<&Drift> = drifts.iter().filter(|d| d.shown).collect();
    serde_json::json!({
        "system": system,
        "drift": shown,
        "sql": reconcile(drifts),
    })
}

#[cfg(test)]
mod tests;
