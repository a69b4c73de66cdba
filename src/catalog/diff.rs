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
    enums(live, expected, &mut out);
    sequences(live, expected, &mut out);
    for (name, table) in &expected.tables {
        match live.tables.get(name) {
            Some(live_table) => same_table(name, live_table, table, &mut out),
            None => missing_table(name, table, &mut out),
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

fn comment_detail(live: &Option<String>, expected: &Option<String>) -> String {
    format!("comment {:?}, expected {:?}", show(live), show(expected))
}

fn grants(object: &str, on: &str, live: &Grants, expected: &Grants, out: &mut Drifts) {
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
                        format!("REVOKE GRANT OPTION FOR {privilege} ON {on} FROM {to}"),
                    );
                }
                _ => {
                    let with = if *option { " WITH GRANT OPTION" } else { "" };
                    drift.sql(
                        Phase::Grants,
                        format!("GRANT {privilege} ON {on} TO {to}{with}"),
                    );
                }
            }
        }
        for privilege in have.keys().filter(|p| !want.contains_key(*p)) {
            drift.sql(
                Phase::Grants,
                format!("REVOKE {privilege} ON {on} FROM {to}"),
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

fn missing_table(name: &Name, table: &Table, out: &mut Drifts) {
    let kind = if table.partition_of.is_some() {
        "partition"
    } else {
        "table"
    };
    let sql = create_table(name, table);
    let phase = if table.partition_of.is_some() {
        Phase::CreatePartitions
    } else {
        Phase::CreateTables
    };
    out.add('-', format!("{kind} {name}"), "missing")
        .sql(phase, sql);
    let mut parts = Drifts::default();
    // The columns come with CREATE TABLE; their comments do not.
    let columns = table.columns.iter().map(|c| Column {
        comment: None,
        ..c.clone()
    });
    let empty = Table {
        columns: columns.collect(),
        ..Table::default()
    };
    same_table(name, &empty, table, &mut parts);
    for mut drift in parts.0 {
        drift.shown = false;
        out.0.push(drift);
    }
}

fn create_table(name: &Name, table: &Table) -> String {
    if let Some((parent, bound)) = &table.partition_of {
        return format!(
            "CREATE TABLE {} PARTITION OF {} {bound}",
            name.sql(),
            parent.sql()
        );
    }
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("  {}", column_definition(c)))
        .collect();
    let partition = table
        .partition_key
        .as_ref()
        .map(|k| format!(" PARTITION BY {k}"))
        .unwrap_or_default();
    format!(
        "CREATE TABLE {} (\n{}\n){partition}",
        name.sql(),
        columns.join(",\n")
    )
}

fn column_definition(column: &Column) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if column.not_null {
        sql.push_str(" NOT NULL");
    }
    if let Some(identity) = &column.identity {
        sql.push_str(&format!(" GENERATED {identity} AS IDENTITY"));
    }
    sql
}

fn same_table(name: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    columns(name, live, expected, out);
    constraints(name, live, expected, out);
    indexes(name, live, expected, out);
    rls(name, live, expected, out);
    policies(name, live, expected, out);
    grants(
        &format!("table {name}"),
        &name.sql(),
        &live.grants,
        &expected.grants,
        out,
    );
    if live.comment != expected.comment {
        let sql = format!(
            "COMMENT ON TABLE {} IS {}",
            name.sql(),
            comment_literal(&expected.comment)
        );
        out.add(
            '~',
            format!("table {name}"),
            comment_detail(&live.comment, &expected.comment),
        )
        .sql(Phase::Comments, sql);
    }
    if live.partition_key != expected.partition_key || live.partition_of != expected.partition_of {
        let detail = format!(
            "partitioning {:?} {:?}, expected {:?} {:?}",
            live.partition_key, live.partition_of, expected.partition_key, expected.partition_of
        );
        let sql = format!("-- manual: {name} must be rebuilt to change its partitioning");
        out.add('~', format!("table {name}"), detail)
            .sql(Phase::Comments, sql);
    }
}

fn columns(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    for column in expected.columns.iter().filter(|c| !c.inherited) {
        let object = format!("column {table}.{}", column.name);
        match live.column(&column.name) {
            None => {
                let sql = format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    table.sql(),
                    column_definition(column)
                );
                out.add('-', object, "missing").sql(Phase::Columns, sql);
            }
            Some(have) => changed_column(table, have, column, object, out),
        }
    }
    for column in live.columns.iter().filter(|c| !c.inherited) {
        if expected.column(&column.name).is_none() {
            let sql = format!(
                "ALTER TABLE {} DROP COLUMN {}",
                table.sql(),
                quote_ident(&column.name)
            );
            out.add(
                '+',
                format!("column {table}.{}", column.name),
                "not in the migrations",
            )
            .destructive(Phase::DropColumns, sql);
        }
    }
}

/// One line per attribute that differs, each with its `ALTER COLUMN`.
fn changed_column(table: &Name, have: &Column, want: &Column, object: String, out: &mut Drifts) {
    let alter = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        table.sql(),
        quote_ident(&want.name)
    );
    let spelled = |c: &Column| match &c.collation {
        Some(collation) => format!("{} COLLATE {collation}", c.data_type),
        None => c.data_type.clone(),
    };
    if spelled(have) != spelled(want) {
        let detail = format!("type {}, expected {}", spelled(have), spelled(want));
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, format!("{alter} TYPE {}", spelled(want)));
    }
    if have.not_null != want.not_null {
        let null = |n: bool| if n { "NOT NULL" } else { "nullable" };
        let sql = format!(
            "{alter} {} NOT NULL",
            if want.not_null { "SET" } else { "DROP" }
        );
        out.add(
            '~',
            object.clone(),
            format!("{}, expected {}", null(have.not_null), null(want.not_null)),
        )
        .sql(Phase::Columns, sql);
    }
    if have.default != want.default {
        let sql = match &want.default {
            Some(default) => format!("{alter} SET DEFAULT {default}"),
            None => format!("{alter} DROP DEFAULT"),
        };
        let detail = format!(
            "default {}, expected {}",
            show(&have.default),
            show(&want.default)
        );
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, sql);
    }
    if have.identity != want.identity {
        let sql = match (&have.identity, &want.identity) {
            (None, Some(kind)) => format!("{alter} ADD GENERATED {kind} AS IDENTITY"),
            (Some(_), Some(kind)) => format!("{alter} SET GENERATED {kind}"),
            _ => format!("{alter} DROP IDENTITY"),
        };
        let detail = format!(
            "identity {}, expected {}",
            show(&have.identity),
            show(&want.identity)
        );
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, sql);
    }
    if have.generated != want.generated {
        let sql = match &want.generated {
            None => format!("{alter} DROP EXPRESSION"),
            Some(_) => {
                format!("-- manual: {object} must be dropped and added again with its expression")
            }
        };
        let detail = format!(
            "generated as {}, expected {}",
            show(&have.generated),
            show(&want.generated)
        );
        out.add('~', object.clone(), detail)
            .sql(Phase::Columns, sql);
    }
    if have.comment != want.comment {
        let sql = format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            table.sql(),
            quote_ident(&want.name),
            comment_literal(&want.comment)
        );
        out.add('~', object, comment_detail(&have.comment, &want.comment))
            .sql(Phase::Comments, sql);
    }
}

fn constraints(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let own = |t: &Table, name: &str| t.constraints.get(name).filter(|c| !c.inherited).cloned();
    let alter = format!("ALTER TABLE {}", table.sql());
    for (name, want) in expected.constraints.iter().filter(|(_, c)| !c.inherited) {
        let object = format!("constraint {table}.{name}");
        let drop = |phase_of: &Constraint| {
            let phase = if phase_of.kind == 'f' {
                Phase::DropForeignKeys
            } else {
                Phase::DropConstraints
            };
            (
                phase,
                format!("{alter} DROP CONSTRAINT {}", quote_ident(name)),
            )
        };
        match own(live, name) {
            None => {
                out.add('-', object, "missing")
                    .sql(add_phase(want), add_constraint(&alter, name, want));
            }
            Some(have) if have.definition != want.definition || have.kind != want.kind => {
                let detail = format!("{}, expected {}", have.definition, want.definition);
                let (phase, sql) = drop(&have);
                out.add('~', object, detail)
                    .sql(phase, sql)
                    .sql(add_phase(want), add_constraint(&alter, name, want));
            }
            Some(have) if want.validated && !have.validated => {
                let sql = format!("{alter} VALIDATE CONSTRAINT {}", quote_ident(name));
                out.add('~', object, "NOT VALID, expected validated")
                    .sql(Phase::Validate, sql);
            }
            Some(_) => {}
        }
    }
    for (name, have) in live.constraints.iter().filter(|(_, c)| !c.inherited) {
        if own(expected, name).is_none() {
            let phase = if have.kind == 'f' {
                Phase::DropForeignKeys
            } else {
                Phase::DropConstraints
            };
            let sql = format!("{alter} DROP CONSTRAINT {}", quote_ident(name));
            out.add(
                '+',
                format!("constraint {table}.{name}"),
                format!("{} not in the migrations", have.definition),
            )
            .sql(phase, sql);
        }
    }
}

fn add_phase(constraint: &Constraint) -> Phase {
    if constraint.kind == 'f' {
        Phase::AddForeignKeys
    } else {
        Phase::AddConstraints
    }
}

fn add_constraint(alter: &str, name: &str, constraint: &Constraint) -> String {
    let not_valid = if constraint.validated {
        ""
    } else {
        " NOT VALID"
    };
    format!(
        "{alter} ADD CONSTRAINT {} {}{not_valid}",
        quote_ident(name),
        constraint.definition
    )
}

/// Indexes of their own: those behind a constraint follow the constraint, a partition's copy
/// follows its parent's index.
fn own_indexes(table: &Table) -> impl Iterator<Item = (&String, &Index)> {
    table
        .indexes
        .iter()
        .filter(|(_, i)| i.constraint.is_none() && !i.inherited)
}

fn indexes(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let live_own: std::collections::BTreeMap<_, _> = own_indexes(live).collect();
    let drop = |name: &str| format!("DROP INDEX {}", Name::new(table.schema.clone(), name).sql());
    for (name, want) in own_indexes(expected) {
        let object = format!("index {table}.{name}");
        // `ON ONLY` would leave a partitioned table's index without its partitions' copies.
        let create = want.definition.replacen(" ON ONLY ", " ON ", 1);
        match live_own.get(name) {
            None => {
                out.add('-', object, "missing")
                    .sql(Phase::CreateIndexes, create);
            }
            Some(have) if have.shape() != want.shape() || !have.valid => {
                let detail = match have.valid {
                    true => format!("{}, expected {}", have.shape(), want.shape()),
                    false => "invalid (a failed concurrent build), expected valid".to_string(),
                };
                out.add('~', object, detail)
                    .sql(Phase::DropIndexes, drop(name))
                    .sql(Phase::CreateIndexes, create);
            }
            Some(_) => {}
        }
    }
    let expected_own: BTreeSet<&String> = own_indexes(expected).map(|(n, _)| n).collect();
    for (name, have) in own_indexes(live) {
        if !expected_own.contains(name) {
            out.add(
                '+',
                format!("index {table}.{name}"),
                format!("{} not in the migrations", have.shape()),
            )
            .sql(Phase::DropIndexes, drop(name));
        }
    }
}

fn rls(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let alter = format!("ALTER TABLE {}", table.sql());
    let on_off = |b: bool| if b { "on" } else { "off" };
    if live.rls_enabled != expected.rls_enabled {
        let sql = format!(
            "{alter} {} ROW LEVEL SECURITY",
            if expected.rls_enabled {
                "ENABLE"
            } else {
                "DISABLE"
            }
        );
        let detail = format!(
            "row level security {}, expected {}",
            on_off(live.rls_enabled),
            on_off(expected.rls_enabled)
        );
        out.add('~', format!("table {table}"), detail)
            .sql(Phase::Rls, sql);
    }
    if live.rls_forced != expected.rls_forced {
        let sql = format!(
            "{alter} {} ROW LEVEL SECURITY",
            if expected.rls_forced {
                "FORCE"
            } else {
                "NO FORCE"
            }
        );
        let detail = format!(
            "FORCE row level security {}, expected {}",
            on_off(live.rls_forced),
            on_off(expected.rls_forced)
        );
        out.add('~', format!("table {table}"), detail)
            .sql(Phase::Rls, sql);
    }
}

fn policies(table: &Name, live: &Table, expected: &Table, out: &mut Drifts) {
    let drop = |name: &str| format!("DROP POLICY {} ON {}", quote_ident(name), table.sql());
    for (name, want) in &expected.policies {
        let object = format!("policy {name} on {table}");
        match live.policies.get(name) {
            None => {
                out.add('-', object, "missing")
                    .sql(Phase::CreatePolicies, create_policy(table, name, want));
            }
            Some(have) if have != want => {
                let detail = format!("{}, expected {}", policy_text(have), policy_text(want));
                out.add('~', object, detail)
                    .sql(Phase::DropPolicies, drop(name))
                    .sql(Phase::CreatePolicies, create_policy(table, name, want));
            }
            Some(_) => {}
        }
    }
    for (name, have) in &live.policies {
        if !expected.policies.contains_key(name) {
            out.add(
                '+',
                format!("policy {name} on {table}"),
                format!("{} not in the migrations", policy_text(have)),
            )
            .sql(Phase::DropPolicies, drop(name));
        }
    }
}

/// `AS PERMISSIVE FOR SELECT TO "app" USING (…) WITH CHECK (…)`.
fn policy_text(policy: &Policy) -> String {
    let mut text = format!(
        "AS {} FOR {} TO {}",
        if policy.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        policy.command,
        roles(&policy.roles)
    );
    if let Some(using) = &policy.using {
        text.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &policy.with_check {
        text.push_str(&format!(" WITH CHECK ({check})"));
    }
    text
}

fn create_policy(table: &Name, name: &str, policy: &Policy) -> String {
    format!(
        "CREATE POLICY {} ON {} {}",
        quote_ident(name),
        table.sql(),
        policy_text(policy)
    )
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
                drift.shown = !want
                    .owned_by
                    .as_ref()
                    .is_some_and(|(t, _)| !live.tables.contains_key(t));
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
        grants(&object, &on, &have.grants, &want.grants, &mut grant_drifts);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog_with_enum(labels: &[&str]) -> Catalog {
        let mut catalog = Catalog::default();
        catalog.schemas.insert("public".into(), Default::default());
        let labels = labels.iter().map(|l| l.to_string()).collect();
        let spelled = "public.mood".to_string();
        let value = Enum {
            spelled: spelled.clone(),
            labels,
            comment: None,
        };
        catalog.enums.insert(Name::new("public", "mood"), value);
        let column = Column {
            name: "mood".into(),
            data_type: spelled,
            not_null: true,
            default: Some("'calm'::public.mood".into()),
            ..Column::default()
        };
        let table = Table {
            columns: vec![column],
            ..Table::default()
        };
        catalog.tables.insert(Name::new("public", "days"), table);
        catalog
    }

    #[test]
    fn missing_enum_values_are_added_in_place_before_the_transaction() {
        let live = catalog_with_enum(&["calm", "sad"]);
        let expected = catalog_with_enum(&["happy", "calm", "tense", "sad"]);
        let sql = reconcile(&compare(&live, &expected)).unwrap();
        assert_eq!(
            sql.lines().skip(1).collect::<Vec<_>>(),
            [
                "ALTER TYPE \"public\".\"mood\" ADD VALUE 'happy' BEFORE 'calm';",
                "ALTER TYPE \"public\".\"mood\" ADD VALUE 'tense' AFTER 'calm';",
            ]
        );
    }

    #[test]
    fn removed_or_reordered_enum_values_rebuild_the_type_and_convert_its_columns() {
        let live = catalog_with_enum(&["sad", "calm", "extra"]);
        let expected = catalog_with_enum(&["calm", "sad"]);
        let sql = reconcile(&compare(&live, &expected)).unwrap();
        let alter = "ALTER TABLE \"public\".\"days\" ALTER COLUMN \"mood\"";
        let expected_sql = format!(
            "BEGIN;\n\
             ALTER TYPE \"public\".\"mood\" RENAME TO \"mood_schemagen_old\";\n\
             CREATE TYPE \"public\".\"mood\" AS ENUM ('calm', 'sad');\n\
             {alter} DROP DEFAULT;\n\
             {alter} TYPE \"public\".\"mood\" USING \"mood\"::text::\"public\".\"mood\";\n\
             {alter} SET DEFAULT 'calm'::public.mood;\n\
             DROP TYPE \"public\".\"mood_schemagen_old\";\n\
             COMMIT;\n"
        );
        assert!(sql.ends_with(&expected_sql), "{sql}");
    }

    #[test]
    fn names_and_comments_cannot_break_out_of_the_sql() {
        let live = catalog_with_enum(&["calm"]);
        let mut expected = live.clone();
        let table = expected.tables.values_mut().next().unwrap();
        table.comment = Some("it's \\ fine'; DROP TABLE x; --".into());
        let evil = "x\"; DROP TABLE y; --";
        table.policies.insert(
            evil.into(),
            Policy {
                command: "SELECT".into(),
                permissive: true,
                roles: vec!["PUBLIC".into(), "app\"role".into()],
                using: Some("true".into()),
                with_check: None,
            },
        );
        let sql = reconcile(&compare(&live, &expected)).unwrap();
        assert!(
            sql.contains("CREATE POLICY \"x\"\"; DROP TABLE y; --\" ON \"public\".\"days\" AS PERMISSIVE FOR SELECT TO PUBLIC, \"app\"\"role\" USING (true);"),
            "{sql}"
        );
        assert!(
            sql.contains(
                "COMMENT ON TABLE \"public\".\"days\" IS E'it\\'s \\\\ fine\\'; DROP TABLE x; --';"
            ),
            "{sql}"
        );
    }

    #[test]
    fn foreign_keys_go_before_what_they_need_and_data_loss_stays_commented() {
        let fk = |definition: &str| Constraint {
            kind: 'f',
            definition: definition.into(),
            validated: true,
            inherited: false,
        };
        let mut live = catalog_with_enum(&["calm"]);
        let mut expected = live.clone();
        let days = Name::new("public", "days");
        let live_days = live.tables.get_mut(&days).unwrap();
        live_days.columns.push(Column {
            name: "note".into(),
            data_type: "text".into(),
            ..Column::default()
        });
        live_days.constraints.insert(
            "days_fk".into(),
            fk("FOREIGN KEY (a) REFERENCES public.t(id)"),
        );
        let expected_days = expected.tables.get_mut(&days).unwrap();
        expected_days.constraints.insert(
            "days_fk".into(),
            fk("FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE"),
        );
        let drifts = compare(&live, &expected);
        let lines: Vec<String> = drifts.iter().map(Drift::line).collect();
        assert_eq!(
            lines,
            [
                "+ column public.days.note: not in the migrations",
                "~ constraint public.days.days_fk: FOREIGN KEY (a) REFERENCES public.t(id), \
                 expected FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE",
            ]
        );
        let alter = "ALTER TABLE \"public\".\"days\"";
        assert_eq!(
            reconcile(&drifts).unwrap().lines().skip(1).collect::<Vec<_>>(),
            [
                "BEGIN;".to_string(),
                format!("{alter} DROP CONSTRAINT \"days_fk\";"),
                "-- DESTRUCTIVE: loses data; uncomment only if that is intended.".into(),
                format!("-- {alter} DROP COLUMN \"note\";"),
                format!("{alter} ADD CONSTRAINT \"days_fk\" FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE;"),
                "COMMIT;".into(),
            ]
        );
        assert!(!in_sync(&drifts));
        assert!(compare(&expected, &expected).is_empty());
    }
}
