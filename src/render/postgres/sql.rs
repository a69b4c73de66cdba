//! One step → its SQL statements. Every identifier goes through [`quote_ident`] and is
//! schema-qualified; every string literal through [`string_literal`]. Types and keywords
//! follow Prisma's migration spelling (`TEXT`, `TIMESTAMP(3)`, `DECIMAL(65,30)`).

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Column, ColumnType, DefaultValue, Index, IndexMethod, IndexPart, Literal, Partition,
    PartitionBound, QualifiedName, ScalarType, SortOrder,
};
use crate::plan::cast::{self, Cast};
use crate::plan::{Change, ConstraintForm, EnumUsage, ValuePosition};
use crate::render::{push_ident, push_number, quote_ident, Templates};
use sea_query::{Alias, PostgresQueryBuilder, QueryBuilder, Table, Value};
use std::borrow::Cow;

/// `"schema"."name"`.
pub fn qualified(name: &QualifiedName) -> String {
    let mut sql = String::with_capacity(name.schema.len() + name.name.len() + 5);
    push_qualified(&mut sql, name);
    sql
}

/// [`qualified`] appended to `out`.
fn push_qualified(out: &mut String, name: &QualifiedName) {
    push_ident(out, &name.schema);
    out.push('.');
    push_ident(out, &name.name);
}

/// A string literal, escaped by sea-query's Postgres backend (an `E'…'` literal when the
/// text holds quotes, backslashes or control characters, so it reads the same whatever
/// `standard_conforming_strings` says).
pub fn string_literal(text: &str) -> String {
    PostgresQueryBuilder.value_to_string(&Value::String(Some(text.to_string())))
}

fn idents(names: &[String]) -> String {
    let mut sql = String::new();
    push_idents(&mut sql, names);
    sql
}

/// A type's SQL spelling in pieces, so `CREATE TABLE` appends it without building a string
/// per column (a sized type is six of a large system's twenty columns).
enum Spelling<'a> {
    Fixed(&'static str),
    /// `NAME(n)`.
    Sized(&'static str, u32),
    /// `DECIMAL(p,s)`.
    Decimal(u32, u32),
    Enum(&'a QualifiedName),
}

fn spelling(scalar: &ScalarType) -> Spelling<'_> {
    use ScalarType::*;
    use Spelling::{Fixed, Sized};
    let sized = |name, n: Option<u32>| n.map_or(Fixed(name), |n| Sized(name, n));
    let precise = |name, p: Option<u8>| sized(name, p.map(u32::from));
    match scalar {
        Text => Fixed("TEXT"),
        Citext => Fixed("CITEXT"),
        Varchar { length: n } => sized("VARCHAR", *n),
        Char { length: n } => sized("CHAR", *n),
        SmallInt => Fixed("SMALLINT"),
        Integer | Identity { big: false } => Fixed("INTEGER"),
        BigInt | Identity { big: true } => Fixed("BIGINT"),
        Serial { big: false } => Fixed("SERIAL"),
        Serial { big: true } => Fixed("BIGSERIAL"),
        Numeric {
            precision: Some(p),
            scale: Some(s),
        } => Spelling::Decimal(*p, *s),
        Numeric { precision, .. } => sized("DECIMAL", *precision),
        Real => Fixed("REAL"),
        Double => Fixed("DOUBLE PRECISION"),
        Boolean => Fixed("BOOLEAN"),
        Uuid => Fixed("UUID"),
        Timestamptz { precision } => precise("TIMESTAMPTZ", *precision),
        Timestamp { precision } => precise("TIMESTAMP", *precision),
        Date => Fixed("DATE"),
        Time { precision } => precise("TIME", *precision),
        Json => Fixed("JSON"),
        Jsonb => Fixed("JSONB"),
        Bytea => Fixed("BYTEA"),
        Enum { name } => Spelling::Enum(name),
        // The built-in geometric type: PostGIS cannot be assumed on every server.
        GeoPoint => Fixed("POINT"),
    }
}

/// The scalar's SQL spelling: borrowed for the fixed names.
fn scalar_sql(scalar: &ScalarType) -> Cow<'static, str> {
    match spelling(scalar) {
        Spelling::Fixed(name) => name.into(),
        _ => {
            let mut sql = String::new();
            push_scalar_sql(&mut sql, scalar);
            sql.into()
        }
    }
}

/// [`scalar_sql`] appended to `out`.
fn push_scalar_sql(out: &mut String, scalar: &ScalarType) {
    match spelling(scalar) {
        Spelling::Fixed(name) => out.push_str(name),
        Spelling::Sized(name, n) => {
            out.push_str(name);
            out.push('(');
            push_number(out, n);
            out.push(')');
        }
        Spelling::Decimal(p, s) => {
            out.push_str("DECIMAL(");
            push_number(out, p);
            out.push(',');
            push_number(out, s);
            out.push(')');
        }
        Spelling::Enum(name) => push_qualified(out, name),
    }
}

/// The type as written in `CREATE TABLE` (serial pseudo-types included).
pub fn column_type(ty: &ColumnType) -> String {
    let scalar = scalar_sql(&ty.scalar);
    if ty.array {
        format!("{scalar}[]")
    } else {
        scalar.into_owned()
    }
}

/// The type a column really has: serials are integers (`ALTER … TYPE SERIAL` is not SQL).
fn storage_type(ty: &ColumnType) -> String {
    let scalar = match ty.scalar {
        ScalarType::Serial { big } => ScalarType::Identity { big },
        ref other => other.clone(),
    };
    column_type(&ColumnType {
        scalar,
        array: ty.array,
    })
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty())
        && all_digits(whole)
        && all_digits(fraction)
        && exponent.is_none_or(|e| !e.is_empty() && all_digits(e))
}

fn literal_sql(literal: &Literal, element: &str) -> String {
    match literal {
        Literal::String(s) | Literal::Json(s) => string_literal(s),
        // Anything else is passed as text, which Postgres casts to the column type.
        Literal::Number(n) if is_number(n) => n.clone(),
        Literal::Number(n) => string_literal(n),
        Literal::Bool(b) => b.to_string(),
        Literal::Array(items) => {
            let items: Vec<String> = items.iter().map(|i| literal_sql(i, element)).collect();
            format!("ARRAY[{}]::{element}[]", items.join(", "))
        }
    }
}

/// The `DEFAULT` expression, or `None` when the database fills nothing in.
pub fn default_sql(default: &DefaultValue, ty: &ColumnType) -> Option<String> {
    // Spelled only for the defaults that name it (not for `now()`, most of a large system's).
    let element = || {
        storage_type(&ColumnType {
            scalar: ty.scalar.clone(),
            array: false,
        })
    };
    Some(match default {
        DefaultValue::Literal(array @ Literal::Array(_)) => literal_sql(array, &element()),
        // Only an array literal names its element type.
        DefaultValue::Literal(literal) => literal_sql(literal, ""),
        DefaultValue::EnumValue(value) if ty.array => {
            format!("ARRAY[{}]::{}[]", string_literal(value), element())
        }
        DefaultValue::EnumValue(value) => format!("{}::{}", string_literal(value), element()),
        DefaultValue::Now => "CURRENT_TIMESTAMP".into(),
        DefaultValue::GenRandomUuid => "gen_random_uuid()".into(),
        DefaultValue::Sql(sql) => sql.clone(),
        DefaultValue::Client(_) => return None,
    })
}

/// ` DEFAULT …` appended to `out`, as [`default_sql`] spells it: the defaults most columns
/// have (a number, a boolean, `now()`, an enum value) without a string of their own.
fn push_default(out: &mut String, default: &DefaultValue, ty: &ColumnType) {
    let fixed = match default {
        DefaultValue::Client(_) => return,
        DefaultValue::Now => "CURRENT_TIMESTAMP",
        DefaultValue::GenRandomUuid => "gen_random_uuid()",
        DefaultValue::Literal(Literal::Bool(true)) => "true",
        DefaultValue::Literal(Literal::Bool(false)) => "false",
        DefaultValue::Literal(Literal::Number(n)) if is_number(n) => n,
        DefaultValue::EnumValue(value)
            if !ty.array && !matches!(ty.scalar, ScalarType::Serial { .. }) =>
        {
            out.push_str(" DEFAULT ");
            out.push_str(&string_literal(value));
            out.push_str("::");
            push_scalar_sql(out, &ty.scalar);
            return;
        }
        other => {
            if let Some(sql) = default_sql(other, ty) {
                out.push_str(" DEFAULT ");
                out.push_str(&sql);
            }
            return;
        }
    };
    out.push_str(" DEFAULT ");
    out.push_str(fixed);
}

/// `"name" TYPE [NOT NULL] [DEFAULT …] [GENERATED BY DEFAULT AS IDENTITY]`.
pub fn column_definition(column: &Column) -> String {
    let mut sql = String::with_capacity(column.db_name.len() + 48);
    push_column_definition(&mut sql, column);
    sql
}

/// [`column_definition`] appended to `out`: a `CREATE TABLE` writes one per column.
fn push_column_definition(sql: &mut String, column: &Column) {
    push_ident(sql, &column.db_name);
    sql.push(' ');
    push_scalar_sql(sql, &column.ty.scalar);
    if column.ty.array {
        sql.push_str("[]");
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        push_default(sql, default, &column.ty);
    }
    if matches!(column.ty.scalar, ScalarType::Identity { .. }) {
        sql.push_str(" GENERATED BY DEFAULT AS IDENTITY");
    }
}

fn index_sql(table: &QualifiedName, index: &Index) -> String {
    let mut create = String::with_capacity(128);
    push_create_index(&mut create, table, index);
    if !index.concurrently {
        return create;
    }
    // A concurrent build that failed leaves an invalid index behind, which `IF NOT EXISTS`
    // would keep: drop only that one (no scan, a brief lock), keep a valid one (no rebuild).
    let name = qualified(&QualifiedName::new(
        table.schema.clone(),
        index.db_name.clone(),
    ));
    let drop_invalid = do_block(&format!(
        "IF EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass({}) AND NOT indisvalid) THEN\n    DROP INDEX {name};\n  END IF;",
        string_literal(&name)
    ));
    format!("{drop_invalid}\n{create}")
}

/// `CREATE [UNIQUE] INDEX … ON table [USING method] (parts) [WHERE predicate];` appended to
/// `out`: a large system has an index or two per table.
fn push_create_index(out: &mut String, table: &QualifiedName, index: &Index) {
    out.push_str(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    if index.concurrently {
        out.push_str("CONCURRENTLY IF NOT EXISTS ");
    }
    push_ident(out, &index.db_name);
    out.push_str(" ON ");
    push_qualified(out, table);
    if index.method != IndexMethod::Btree {
        out.push_str(" USING ");
        out.push_str(&index.method.sql().to_uppercase());
        out.push(' ');
    }
    out.push('(');
    for (i, part) in index.parts.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match part {
            IndexPart::Column {
                name,
                order,
                opclass,
            } => {
                push_ident(out, name);
                if let Some(opclass) = opclass {
                    // An operator class may be schema-qualified (`extensions.gin_trgm_ops`).
                    for (j, piece) in opclass.split('.').enumerate() {
                        out.push_str(if j == 0 { " " } else { "." });
                        push_ident(out, piece);
                    }
                }
                if *order == SortOrder::Desc {
                    out.push_str(" DESC");
                }
            }
            IndexPart::Expression { sql } => {
                out.push('(');
                out.push_str(sql);
                out.push(')');
            }
        }
    }
    out.push(')');
    if let Some(predicate) = &index.predicate {
        out.push_str(" WHERE ");
        out.push_str(predicate);
    }
    out.push(';');
}

/// `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … [NOT VALID];` appended to `out`: the one
/// spelling of a foreign key's statement ([`statement`] wraps it for `NotValidOnce`).
fn push_add_foreign_key(
    out: &mut String,
    table: &QualifiedName,
    key: &crate::ir::ForeignKey,
    not_valid: bool,
) {
    out.push_str("ALTER TABLE ");
    push_qualified(out, table);
    out.push_str(" ADD CONSTRAINT ");
    push_ident(out, &key.db_name);
    out.push_str(" FOREIGN KEY (");
    push_idents(out, &key.columns);
    out.push_str(") REFERENCES ");
    push_qualified(out, &key.referenced_table);
    out.push('(');
    push_idents(out, &key.referenced_columns);
    out.push_str(") ON DELETE ");
    out.push_str(key.on_delete.sql());
    out.push_str(" ON UPDATE ");
    out.push_str(key.on_update.sql());
    if not_valid {
        out.push_str(" NOT VALID");
    }
    out.push(';');
}

/// `DO $tag$ BEGIN <body> END $tag$;`, with a dollar-quote tag the body does not contain
/// (a quoted identifier may hold `$$`).
pub fn do_block(body: &str) -> String {
    anonymous_block(&format!("BEGIN\n  {body}\nEND"))
}

/// `DO $tag$ <block> $tag$;` around a whole PL/pgSQL block (its own DECLARE, BEGIN, END).
pub fn anonymous_block(block: &str) -> String {
    let tag = dollar_tag(block);
    format!("DO {tag}\n{block}\n{tag};")
}

/// `$$`, or `$schemagen$`, `$schemagen1$`, … whichever `body` does not contain.
pub fn dollar_tag(body: &str) -> String {
    std::iter::once("$$".to_string())
        .chain((0..).map(|n| match n {
            0 => "$schemagen$".to_string(),
            n => format!("$schemagen{n}$"),
        }))
        .find(|tag| !body.contains(tag.as_str()))
        .unwrap_or_default()
}

/// `sql` unless `table` already has a constraint called `name`: a step of the tail, which
/// may run again after a later step failed.
fn unless_constraint(table: &QualifiedName, name: &str, sql: &str) -> String {
    do_block(&format!(
        "IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = {}::regclass AND conname = {}) THEN\n    {sql}\n  END IF;",
        string_literal(&qualified(table)),
        string_literal(name)
    ))
}

/// `ADD CONSTRAINT …` in the form the planner chose.
fn add_constraint(
    table: &QualifiedName,
    name: &str,
    definition: &str,
    form: ConstraintForm,
) -> String {
    let add = |suffix: &str| {
        alter_table(
            table,
            &format!("ADD CONSTRAINT {} {definition}{suffix}", quote_ident(name)),
        )
    };
    match form {
        ConstraintForm::Plain => add(""),
        ConstraintForm::NotValid => add(" NOT VALID"),
        ConstraintForm::NotValidOnce => unless_constraint(table, name, &add(" NOT VALID")),
    }
}

fn alter_table(table: &QualifiedName, action: &str) -> String {
    format!("ALTER TABLE {} {action};", qualified(table))
}

fn alter_column(table: &QualifiedName, column: &str, action: &str) -> String {
    alter_table(
        table,
        &format!("ALTER COLUMN {} {action}", quote_ident(column)),
    )
}

fn comment_sql(what: &str, target: &str, comment: &Option<String>) -> String {
    let text = comment
        .as_deref()
        .map_or_else(|| "NULL".into(), string_literal);
    format!("COMMENT ON {what} {target} IS {text};")
}

/// Move a column from one type to another through its text form (enums have no other cast).
fn via_text(column: &str, array: bool, target: &str) -> String {
    let brackets = if array { "[]" } else { "" };
    format!(
        "{}::text{brackets}::{target}{brackets}",
        quote_ident(column)
    )
}

fn create_type(name: &QualifiedName, values: &[String]) -> String {
    let values: Vec<String> = values.iter().map(|v| string_literal(v)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({});",
        qualified(name),
        values.join(", ")
    )
}

/// Rebuild an enum the way Prisma does: new type, columns moved over, old type dropped,
/// the new one renamed into place, defaults restored.
fn recreate_enum(next: &crate::ir::Enum, usages: &[EnumUsage]) -> String {
    let temporary = QualifiedName::new(
        next.db_name.schema.clone(),
        format!("{}_new", next.db_name.name),
    );
    let values: Vec<String> = next.values.iter().map(|v| v.db_name.clone()).collect();
    let mut sql = vec![create_type(&temporary, &values)];
    for usage in usages {
        if usage.had_default {
            sql.push(alter_column(&usage.table, &usage.column, "DROP DEFAULT"));
        }
        let target = qualified(&temporary);
        let brackets = if usage.array { "[]" } else { "" };
        sql.push(alter_column(
            &usage.table,
            &usage.column,
            &format!(
                "SET DATA TYPE {target}{brackets} USING ({})",
                via_text(&usage.column, usage.array, &target)
            ),
        ));
    }
    sql.push(format!("DROP TYPE {};", qualified(&next.db_name)));
    sql.push(format!(
        "ALTER TYPE {} RENAME TO {};",
        qualified(&temporary),
        quote_ident(&next.db_name.name)
    ));
    let ty = |array| ColumnType {
        scalar: ScalarType::Enum {
            name: Box::new(next.db_name.clone()),
        },
        array,
    };
    for usage in usages {
        if let Some(default) = usage
            .restore_default
            .as_ref()
            .and_then(|d| default_sql(d, &ty(usage.array)))
        {
            sql.push(alter_column(
                &usage.table,
                &usage.column,
                &format!("SET DEFAULT {default}"),
            ));
        }
    }
    sql.join("\n")
}

fn alter_type(table: &QualifiedName, previous: &Column, next: &Column) -> String {
    let from = cast::storage(&previous.ty);
    let to = cast::storage(&next.ty);
    if cast::classify(&from, &to) == Cast::Narrowing {
        return narrow_type(table, previous, next);
    }
    let target = storage_type(&next.ty);
    let enums = |c: &Column| matches!(c.ty.scalar, ScalarType::Enum { .. });
    let using = if enums(previous) || enums(next) {
        via_text(
            &next.db_name,
            previous.ty.array,
            &storage_type(&ColumnType {
                scalar: next.ty.scalar.clone(),
                array: false,
            }),
        )
    } else {
        format!("{}::{target}", quote_ident(&next.db_name))
    };
    alter_column(
        table,
        &next.db_name,
        &format!("SET DATA TYPE {target} USING {using}"),
    )
}

/// A type that may not hold every value: a check that fails naming the column, the count
/// and a value that does not fit, then the change with assignment-cast semantics (an
/// explicit `::VARCHAR(20)` would cut values; an assignment errors instead).
fn narrow_type(table: &QualifiedName, previous: &Column, next: &Column) -> String {
    let target = storage_type(&next.ty);
    let column = quote_ident(&next.db_name);
    let change = match (&previous.ty.scalar, &next.ty.scalar) {
        // Text has no assignment cast to an enum; an explicit one fails on other labels.
        (_, ScalarType::Enum { .. }) => format!(
            "SET DATA TYPE {target} USING {}",
            via_text(&next.db_name, next.ty.array, &scalar_sql(&next.ty.scalar))
        ),
        (ScalarType::Enum { .. }, _) => {
            let brackets = if next.ty.array { "[]" } else { "" };
            format!("SET DATA TYPE {target} USING {column}::text{brackets}")
        }
        _ => format!("SET DATA TYPE {target}"),
    };
    let change = alter_column(table, &next.db_name, &change);
    match misfit_check(table, next) {
        Some(check) => format!(
            "{check}
{change}"
        ),
        None => change,
    }
}

/// A condition on `value` that holds when it does not fit `to`.
fn misfit(value: &str, to: &ScalarType) -> Option<String> {
    if let Some(limit) = cast::text_limit(to) {
        return Some(format!("char_length({value}::text) > {limit}"));
    }
    Some(match to {
        ScalarType::SmallInt => format!("{value} NOT BETWEEN -32768 AND 32767"),
        ScalarType::Integer => format!("{value} NOT BETWEEN -2147483648 AND 2147483647"),
        ScalarType::Numeric {
            precision: Some(p),
            scale,
        } => format!(
            "abs({value}) >= 10::numeric ^ {}",
            p.saturating_sub(scale.unwrap_or(0))
        ),
        ScalarType::Enum { name } => format!(
            "{value}::text NOT IN (SELECT enumlabel::text FROM pg_catalog.pg_enum WHERE enumtypid = {}::regtype)",
            string_literal(&qualified(name))
        ),
        _ => return None,
    })
}

/// `DO $check$ … $check$`: counts the rows holding a value that does not fit the column's
/// new type and raises an error naming the column, the count and one such value.
fn misfit_check(table: &QualifiedName, next: &Column) -> Option<String> {
    let column = quote_ident(&next.db_name);
    let condition = if next.ty.array {
        let element = misfit("v", &next.ty.scalar)?;
        format!("EXISTS (SELECT FROM unnest({column}) AS e(v) WHERE {element})")
    } else {
        misfit(&column, &next.ty.scalar)?
    };
    let path = format!("{}.{}.{}", table.schema, table.name, next.db_name);
    let body = format!(
        // `use_column`: a column named like a variable (`misfits`) stays a column.
        "#variable_conflict use_column\nDECLARE\n  misfits bigint;\n  example text;\nBEGIN\n  \
         SELECT count(*), min(left({column}::text, 80)) INTO misfits, example FROM {} WHERE {condition};\n  \
         IF misfits > 0 THEN\n    \
         RAISE EXCEPTION '% cannot change to %: % row(s) hold a value that does not fit, e.g. %', {}, {}, misfits, example\n      \
         USING HINT = 'fix those values in a hand-written migration first (schemagen migrate new), or keep the wider type';\n  \
         END IF;\nEND",
        qualified(table),
        string_literal(&path),
        string_literal(&storage_type(&next.ty)),
    );
    Some(anonymous_block(&body))
}

/// A serial column widened to bigserial (or back) keeps its sequence's type unless told:
/// an `integer` sequence would stop handing out ids at 2^31 - 1 however wide the column.
fn sequence_type(table: &QualifiedName, previous: &Column, next: &Column) -> String {
    match (&previous.ty.scalar, &next.ty.scalar) {
        (ScalarType::Serial { big: was }, ScalarType::Serial { big }) if was != big => format!(
            "\nALTER SEQUENCE {} AS {};",
            qualified(&serial_sequence(table, &next.db_name)),
            if *big { "BIGINT" } else { "INTEGER" }
        ),
        _ => String::new(),
    }
}

/// The sequence Postgres makes for a serial column (for names that fit in 63 bytes).
fn serial_sequence(table: &QualifiedName, column: &str) -> QualifiedName {
    QualifiedName::new(table.schema.clone(), format!("{}_{column}_seq", table.name))
}

/// Give an existing column a fresh sequence that continues after its largest value.
fn add_sequence(table: &QualifiedName, column: &Column) -> String {
    let sequence = serial_sequence(table, &column.db_name);
    let name = string_literal(&qualified(&sequence));
    let owner = format!("{}.{}", qualified(table), quote_ident(&column.db_name));
    [
        format!(
            "CREATE SEQUENCE {} AS {} OWNED BY {owner};",
            qualified(&sequence),
            storage_type(&column.ty)
        ),
        format!(
            "SELECT setval({name}, COALESCE(MAX({}), 0) + 1, false) FROM {};",
            quote_ident(&column.db_name),
            qualified(table)
        ),
        alter_column(
            table,
            &column.db_name,
            &format!("SET DEFAULT nextval({name})"),
        ),
    ]
    .join("\n")
}

/// An identity column's sequence starts at 1: move it past the rows already there.
fn add_identity(table: &QualifiedName, column: &str) -> String {
    [
        alter_column(table, column, "ADD GENERATED BY DEFAULT AS IDENTITY"),
        format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({}), 0) + 1, false) FROM {};",
            string_literal(&qualified(table)),
            string_literal(column),
            quote_ident(column),
            qualified(table)
        ),
    ]
    .join("\n")
}

#[derive(serde::Serialize)]
struct CreateTableView {
    table: String,
    /// Column definitions, then (after a blank line, as Prisma lays it out) constraints.
    columns: Vec<String>,
    constraints: Vec<String>,
    /// `RANGE ("created_at")` for a partitioned table.
    partition_by: Option<String>,
}

const CREATE_TABLE: &str = "postgres/create_table.sql.j2";

/// `CREATE TABLE …`: written in place ([`push_create_table`]) unless a project overrides its
/// template, which then gets the whole view.
fn create_table(
    table: &crate::ir::Table,
    templates: &Templates,
) -> Result<String, Box<Diagnostic>> {
    if !templates.overrides(CREATE_TABLE) {
        let mut sql = String::with_capacity(128 + table.columns.len() * 48);
        push_create_table(&mut sql, table);
        return Ok(sql);
    }
    let mut constraints = Vec::new();
    if let Some(key) = &table.primary_key {
        constraints.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            quote_ident(&key.db_name),
            idents(&key.columns)
        ));
    }
    for check in &table.checks {
        constraints.push(format!(
            "CONSTRAINT {} CHECK ({})",
            quote_ident(&check.db_name),
            check.expression
        ));
    }
    let view = CreateTableView {
        table: qualified(&table.db_name),
        columns: table.columns.iter().map(column_definition).collect(),
        constraints,
        partition_by: table
            .partition
            .as_ref()
            .map(|p| format!("{} ({})", p.method.sql(), idents(&p.columns))),
    };
    let mut sql = templates.render(CREATE_TABLE, view)?;
    sql.truncate(sql.trim_end().len());
    Ok(sql)
}

/// What `templates/postgres/create_table.sql.j2` renders (trailing newline trimmed), written
/// straight into `out`: no `String` per column or constraint (`tests/native_layouts.rs` holds
/// the two equal). It ends with `;`, so there is nothing to trim.
fn push_create_table(out: &mut String, table: &crate::ir::Table) {
    out.push_str("CREATE TABLE ");
    push_qualified(out, &table.db_name);
    out.push_str(" (\n");
    let constraints = table.primary_key.is_some() || !table.checks.is_empty();
    for (i, column) in table.columns.iter().enumerate() {
        out.push_str("    ");
        push_column_definition(out, column);
        let more = i + 1 < table.columns.len() || constraints;
        out.push_str(if more { ",\n" } else { "\n" });
    }
    if constraints {
        // After a blank line, one a line, separated by commas.
        out.push('\n');
        let mut separator = "    ";
        if let Some(key) = &table.primary_key {
            out.push_str(separator);
            out.push_str("CONSTRAINT ");
            push_ident(out, &key.db_name);
            out.push_str(" PRIMARY KEY (");
            push_idents(out, &key.columns);
            out.push(')');
            separator = ",\n    ";
        }
        for check in &table.checks {
            out.push_str(separator);
            out.push_str("CONSTRAINT ");
            push_ident(out, &check.db_name);
            out.push_str(" CHECK (");
            out.push_str(&check.expression);
            out.push(')');
            separator = ",\n    ";
        }
        out.push('\n');
    }
    out.push(')');
    if let Some(p) = &table.partition {
        out.push_str(" PARTITION BY ");
        out.push_str(p.method.sql());
        out.push_str(" (");
        push_idents(out, &p.columns);
        out.push(')');
    }
    out.push(';');
}

/// [`idents`] appended to `out`.
fn push_idents(out: &mut String, names: &[String]) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(out, name);
    }
}

/// `CREATE TABLE … PARTITION OF …`; a new range of a table that has rows first takes its
/// rows out of the default partition, detached meanwhile (Postgres refuses to create a
/// partition whose rows the default partition holds).
fn create_partition(
    table: &QualifiedName,
    partition: &Partition,
    from_default: &Option<(String, String)>,
) -> String {
    let name = QualifiedName::new(table.schema.clone(), partition.db_name.clone());
    let bound = match &partition.bound {
        PartitionBound::Range { from, to } => format!(
            "FOR VALUES FROM ({}) TO ({})",
            string_literal(from),
            string_literal(to)
        ),
        PartitionBound::Hash { modulus, remainder } => {
            format!("FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})")
        }
        PartitionBound::Default => "DEFAULT".into(),
    };
    let create = format!(
        "CREATE TABLE {} PARTITION OF {} {bound};",
        qualified(&name),
        qualified(table)
    );
    let (Some((default, column)), PartitionBound::Range { from, to }) =
        (from_default, &partition.bound)
    else {
        return create;
    };
    let default = qualified(&QualifiedName::new(table.schema.clone(), default.clone()));
    let within = format!(
        "{column} >= {} AND {column} < {}",
        string_literal(from),
        string_literal(to),
        column = quote_ident(column)
    );
    [
        alter_table(table, &format!("DETACH PARTITION {default}")),
        create,
        format!(
            "INSERT INTO {} SELECT * FROM {default} WHERE {within};",
            qualified(&name)
        ),
        format!("DELETE FROM {default} WHERE {within};"),
        alter_table(table, &format!("ATTACH PARTITION {default} DEFAULT")),
    ]
    .join("\n")
}

/// The SQL of one step: one statement, or a few that belong together.
/// A `CreateTable` step names a table of the schema its migration leads to: rendered with
/// another schema, it is refused rather than guessed (a caller's mistake, never a user's).
fn not_in_schema(name: &QualifiedName) -> Box<Diagnostic> {
    let message = format!(
        "the migration creates table {}.{}, which the schema it is rendered with does not have",
        name.schema, name.name
    );
    Box::new(
        Diagnostic::global(Code::MigrationHistory, message)
            .with_help("render a migration with the schema it was planned for; please report this"),
    )
}

/// [`statement`] appended to `out`: a `CREATE TABLE`, most of a first migration's text, is
/// written in place rather than built and copied.
pub(super) fn push_statement(
    out: &mut String,
    change: &Change,
    indexed: &super::rls::Indexed,
    templates: &Templates,
) -> Result<(), Box<Diagnostic>> {
    match change {
        Change::CreateTable(name) if !templates.overrides(CREATE_TABLE) => {
            let table = indexed.table(name).ok_or_else(|| not_in_schema(name))?;
            push_create_table(out, table);
        }
        Change::CreateIndex { table, index } if !index.concurrently => {
            push_create_index(out, table, index)
        }
        Change::AddForeignKey { table, key, form } if *form != ConstraintForm::NotValidOnce => {
            push_add_foreign_key(out, table, key, *form == ConstraintForm::NotValid)
        }
        other => out.push_str(&statement(other, indexed, templates)?),
    }
    Ok(())
}

pub fn statement(
    change: &Change,
    indexed: &super::rls::Indexed,
    templates: &Templates,
) -> Result<String, Box<Diagnostic>> {
    Ok(match change {
        Change::Access(change) => super::rls::step_sql(indexed, change),
        Change::CreateSchema(name) => format!("CREATE SCHEMA IF NOT EXISTS {};", quote_ident(name)),
        Change::CreateExtension(name) => {
            format!("CREATE EXTENSION IF NOT EXISTS {};", quote_ident(name))
        }
        Change::CreateEnum(e) => {
            let values: Vec<String> = e.values.iter().map(|v| v.db_name.clone()).collect();
            create_type(&e.db_name, &values)
        }
        Change::AddEnumValue {
            enum_name,
            value,
            position,
        } => {
            let position = match position {
                ValuePosition::Last => String::new(),
                ValuePosition::Before(v) => format!(" BEFORE {}", string_literal(v)),
                ValuePosition::After(v) => format!(" AFTER {}", string_literal(v)),
            };
            format!(
                "ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{position};",
                qualified(enum_name),
                string_literal(value)
            )
        }
        Change::RecreateEnum { next, usages } => recreate_enum(next, usages),
        Change::DropEnum(name) => format!("DROP TYPE {};", qualified(name)),
        Change::CreateTable(name) => {
            let table = indexed.table(name).ok_or_else(|| not_in_schema(name))?;
            create_table(table, templates)?
        }
        Change::CreatePartition {
            table,
            partition,
            from_default,
        } => create_partition(table, partition, from_default),
        Change::DropPartition { table, name } => format!(
            "DROP TABLE {};",
            qualified(&QualifiedName::new(table.schema.clone(), name.clone()))
        ),
        Change::DropTable(name) => {
            let drop = Table::drop()
                .table((Alias::new(&name.schema), Alias::new(&name.name)))
                .to_owned();
            format!("{};", drop.to_string(PostgresQueryBuilder))
        }
        Change::AddColumn { table, column } => {
            alter_table(table, &format!("ADD COLUMN {}", column_definition(column)))
        }
        Change::DropColumn { table, column } => {
            alter_table(table, &format!("DROP COLUMN {}", quote_ident(column)))
        }
        Change::AlterColumnType {
            table,
            previous,
            next,
        } => alter_type(table, previous, next) + &sequence_type(table, previous, next),
        Change::SetNotNull {
            table,
            column,
            backfill,
            via_check,
        } => {
            let set = match via_check {
                Some(check) => add_constraint(
                    table,
                    check,
                    &format!("CHECK ({} IS NOT NULL)", quote_ident(column)),
                    ConstraintForm::NotValid,
                ),
                None => alter_column(table, column, "SET NOT NULL"),
            };
            if *backfill {
                let column = quote_ident(column);
                format!(
                    "UPDATE {} SET {column} = DEFAULT WHERE {column} IS NULL;\n{set}",
                    qualified(table)
                )
            } else {
                set
            }
        }
        Change::FinishNotNull { table, column, .. } => alter_column(table, column, "SET NOT NULL"),
        Change::ValidateConstraint { table, name } => {
            alter_table(table, &format!("VALIDATE CONSTRAINT {}", quote_ident(name)))
        }
        Change::AttachPrimaryKey { table, name } => unless_constraint(
            table,
            name,
            &alter_table(
                table,
                &format!(
                    "ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}",
                    quote_ident(name),
                    quote_ident(name)
                ),
            ),
        ),
        Change::DropNotNull { table, column } => alter_column(table, column, "DROP NOT NULL"),
        Change::SetDefault { table, column }
            if matches!(column.ty.scalar, ScalarType::Serial { .. }) =>
        {
            add_sequence(table, column)
        }
        Change::SetDefault { table, column } => {
            let default = column
                .default
                .as_ref()
                .and_then(|d| default_sql(d, &column.ty))
                .unwrap_or_else(|| "NULL".into());
            alter_column(table, &column.db_name, &format!("SET DEFAULT {default}"))
        }
        Change::DropDefault { table, column } => alter_column(table, column, "DROP DEFAULT"),
        Change::DropSequence { table, column } => format!(
            "DROP SEQUENCE IF EXISTS {};",
            qualified(&serial_sequence(table, column))
        ),
        Change::AddIdentity { table, column } => add_identity(table, column),
        Change::DropIdentity { table, column } => alter_column(table, column, "DROP IDENTITY"),
        Change::AddPrimaryKey { table, key } => alter_table(
            table,
            &format!(
                "ADD CONSTRAINT {} PRIMARY KEY ({})",
                quote_ident(&key.db_name),
                idents(&key.columns)
            ),
        ),
        Change::DropPrimaryKey { table, name }
        | Change::DropForeignKey { table, name }
        | Change::DropCheck { table, name } => {
            alter_table(table, &format!("DROP CONSTRAINT {}", quote_ident(name)))
        }
        Change::CreateIndex { table, index } => index_sql(table, index),
        Change::DropIndex { table, name } => format!(
            "DROP INDEX {};",
            qualified(&QualifiedName::new(table.schema.clone(), name.clone()))
        ),
        Change::AddForeignKey { table, key, form } => {
            let mut add = String::with_capacity(128);
            push_add_foreign_key(&mut add, table, key, *form != ConstraintForm::Plain);
            match form {
                ConstraintForm::NotValidOnce => unless_constraint(table, &key.db_name, &add),
                ConstraintForm::Plain | ConstraintForm::NotValid => add,
            }
        }
        Change::AddCheck { table, check, form } => add_constraint(
            table,
            &check.db_name,
            &format!("CHECK ({})", check.expression),
            *form,
        ),
        Change::SetSchema { table, schema } => {
            alter_table(table, &format!("SET SCHEMA {}", quote_ident(schema)))
        }
        Change::RenameTable { table, to } => {
            alter_table(table, &format!("RENAME TO {}", quote_ident(to)))
        }
        Change::RenameColumn { table, from, to } => alter_table(
            table,
            &format!("RENAME COLUMN {} TO {}", quote_ident(from), quote_ident(to)),
        ),
        Change::SetEnumSchema { enum_name, schema } => format!(
            "ALTER TYPE {} SET SCHEMA {};",
            qualified(enum_name),
            quote_ident(schema)
        ),
        Change::RenameEnum { enum_name, to } => format!(
            "ALTER TYPE {} RENAME TO {};",
            qualified(enum_name),
            quote_ident(to)
        ),
        Change::RenameEnumValue {
            enum_name,
            from,
            to,
        } => format!(
            "ALTER TYPE {} RENAME VALUE {} TO {};",
            qualified(enum_name),
            string_literal(from),
            string_literal(to)
        ),
        Change::RenameIndex { table, from, to } => format!(
            "ALTER INDEX {} RENAME TO {};",
            qualified(&QualifiedName::new(table.schema.clone(), from.clone())),
            quote_ident(to)
        ),
        Change::RenameConstraint { table, from, to } => alter_table(
            table,
            &format!(
                "RENAME CONSTRAINT {} TO {}",
                quote_ident(from),
                quote_ident(to)
            ),
        ),
        Change::RenameSequence { table, from, to } => format!(
            "ALTER SEQUENCE {} RENAME TO {};",
            qualified(&QualifiedName::new(table.schema.clone(), from.clone())),
            quote_ident(to)
        ),
        Change::CommentOnTable { table, comment } => {
            comment_sql("TABLE", &qualified(table), comment)
        }
        Change::CommentOnColumn {
            table,
            column,
            comment,
        } => comment_sql(
            "COLUMN",
            &format!("{}.{}", qualified(table), quote_ident(column)),
            comment,
        ),
        Change::CommentOnType { enum_name, comment } => {
            comment_sql("TYPE", &qualified(enum_name), comment)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_recognised_and_anything_else_is_quoted() {
        for n in ["0", "-1", "3.14", ".5", "1e10", "2.5E-3"] {
            assert!(is_number(n), "{n}");
        }
        for n in ["", "-", "1e", "1;DROP TABLE x", "0x10", "1.2.3"] {
            assert!(!is_number(n), "{n}");
        }
        assert_eq!(
            literal_sql(&Literal::Number("1; DROP TABLE x".into()), "INTEGER"),
            "'1; DROP TABLE x'"
        );
    }

    /// `CREATE TABLE` appends the common defaults itself ([`push_default`]); every other
    /// statement spells them with [`default_sql`]: the two must agree on every default and type.
    #[test]
    fn a_default_appended_in_place_is_spelled_as_default_sql_spells_it() {
        let scalars = [
            ScalarType::Text,
            ScalarType::Integer,
            ScalarType::Serial { big: true },
            ScalarType::Identity { big: false },
            ScalarType::Varchar { length: Some(20) },
            ScalarType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
            ScalarType::Timestamptz { precision: Some(3) },
            ScalarType::Enum {
                name: Box::new(QualifiedName::new("billing", "Status")),
            },
        ];
        let defaults = [
            DefaultValue::Now,
            DefaultValue::GenRandomUuid,
            DefaultValue::Client("uuid()".into()),
            DefaultValue::Sql("nextval('s')".into()),
            DefaultValue::EnumValue("it's".into()),
            DefaultValue::Literal(Literal::Bool(true)),
            DefaultValue::Literal(Literal::Bool(false)),
            DefaultValue::Literal(Literal::Number("-2.5e3".into())),
            DefaultValue::Literal(Literal::Number("1; DROP TABLE x".into())),
            DefaultValue::Literal(Literal::String("a'b".into())),
            DefaultValue::Literal(Literal::Array(vec![Literal::Number("1".into())])),
        ];
        for scalar in &scalars {
            for array in [false, true] {
                let ty = ColumnType {
                    scalar: scalar.clone(),
                    array,
                };
                for default in &defaults {
                    let mut appended = String::new();
                    push_default(&mut appended, default, &ty);
                    let spelled = default_sql(default, &ty)
                        .map(|sql| format!(" DEFAULT {sql}"))
                        .unwrap_or_default();
                    assert_eq!(appended, spelled, "{default:?} on {ty:?}");
                }
            }
        }
    }

    #[test]
    fn a_widened_serial_widens_its_sequence() {
        let table = QualifiedName::new("public", "work_items");
        let serial = |big| Column {
            name: "id".into(),
            db_name: "id".into(),
            ty: ColumnType {
                scalar: ScalarType::Serial { big },
                array: false,
            },
            nullable: false,
            default: None,
            comment: None,
            span: Default::default(),
        };
        assert_eq!(
            sequence_type(&table, &serial(false), &serial(true)),
            "\nALTER SEQUENCE \"public\".\"work_items_id_seq\" AS BIGINT;"
        );
        assert_eq!(sequence_type(&table, &serial(true), &serial(true)), "");
    }

    #[test]
    fn a_do_block_tag_never_occurs_in_its_body() {
        assert_eq!(
            anonymous_block("BEGIN NULL; END"),
            "DO $$\nBEGIN NULL; END\n$$;"
        );
        let body = "BEGIN PERFORM '$$', '$schemagen$'; END";
        assert!(anonymous_block(body).starts_with("DO $schemagen1$\n"));
    }

    #[test]
    fn a_misfit_check_names_the_column_through_literals_only() {
        let table = QualifiedName::new("public", "we'ird$check$");
        let column = Column {
            name: "c".into(),
            db_name: "100% \"odd\"".into(),
            ty: ColumnType::scalar(ScalarType::Varchar { length: Some(20) }),
            nullable: true,
            default: None,
            comment: None,
            span: Default::default(),
        };
        let sql = misfit_check(&table, &column).unwrap();
        // The body holds `$check$` but not `$$`: the plain tag cannot end it early.
        assert!(sql.starts_with("DO $$\n"), "{sql}");
        // The path is a RAISE argument, never part of its format string (where % is a placeholder).
        assert!(
            sql.contains("e.g. %', E'public.we\\'ird$check$.100% \"odd\"', 'VARCHAR(20)'"),
            "{sql}"
        );
        assert!(sql.contains("FROM \"public\".\"we'ird$check$\" WHERE char_length(\"100% \"\"odd\"\"\"::text) > 20"), "{sql}");
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(string_literal("plain"), "'plain'");
        assert_eq!(string_literal("it's"), "E'it\\'s'");
        assert_eq!(string_literal("a\\b\nc"), "E'a\\\\b\\nc'");
    }
}
