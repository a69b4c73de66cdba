//! Rows in bulk: fills every table of a live database with a few thousand deterministic rows,
//! one `INSERT … SELECT … FROM generate_series` per table, parents first.
//!
//! It reads the database's own catalog, not the IR: `rehearse` fills the database as the
//! migrations before the new one left it, and only the database knows that shape. Row `g`
//! (1…n) of every table gets values derived from `g`, so each run makes the same rows:
//! - unique and key columns get distinct values; other integers cycle through 1…5 and other
//!   numbers through 0, 0.5, 1 (the usual ranges of ratings, scores and money);
//! - a foreign key picks the parent row `g mod (parent rows)`, by key order;
//! - text and enum columns that a CHECK compares with literals cycle through those literals;
//! - half the rows of a nullable column are NULL (so `SET NOT NULL` meets a NULL), in every
//!   pattern over the table's nullable columns (so "exactly one of" checks find rows);
//! - a partitioned table's key cycles through its partitions' lower bounds;
//! - rows that a CHECK rejects are skipped (`WHERE (check) IS NOT FALSE`), and so are rows that
//!   collide on a unique index (`ON CONFLICT DO NOTHING`).

use crate::db::{Db, Error};
use crate::render::postgres::sql::string_literal;
use crate::render::quote_ident;
use std::collections::BTreeMap;

/// What filling one table gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// `schema.table`, as the report shows it.
    pub table: String,
    pub rows: u64,
    /// Why the table holds no synthetic rows, when Postgres refused them.
    pub error: Option<String>,
}

/// A table as the filler needs it.
#[derive(Debug)]
struct Table {
    oid: u32,
    schema: String,
    name: String,
    columns: Vec<Column>,
    /// Column numbers of each single-column unique index.
    unique: Vec<i16>,
    foreign_keys: Vec<ForeignKey>,
    /// Check expressions as Postgres prints them.
    checks: Vec<String>,
    /// For a partitioned table: its key column and one value per partition.
    partitions: Option<(i16, Vec<String>)>,
}

#[derive(Debug)]
struct Column {
    number: i16,
    name: String,
    /// `format_type` of the column, as Postgres spells it (quoted where needed).
    ty: String,
    /// `format_type` of the element type for arrays, else of the type itself (domains resolved).
    base: String,
    /// The base type's `typcategory` (N numeric, S string, B boolean, D date/time, U user…) and
    /// `typtype` (e enum).
    category: String,
    enumeration: bool,
    array: bool,
    not_null: bool,
    /// Filled by the database itself: identity, serial, generated.
    automatic: bool,
}

#[derive(Debug)]
struct ForeignKey {
    columns: Vec<i16>,
    parent: u32,
    parent_columns: Vec<i16>,
}

impl Table {
    fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
    fn column(&self, number: i16) -> Option<&Column> {
        self.columns.iter().find(|c| c.number == number)
    }
}

/// Fills every empty user table with up to `rows` rows (tables that hold rows are left as they
/// are, and their rows are what children point at). A table Postgres refuses rows for is
/// reported, not fatal: the rehearsal goes on with the rows the others hold.
pub fn fill(db: &mut Db, rows: u64) -> Result<Vec<Filled>, Error> {
    let tables = read(db)?;
    let index: BTreeMap<u32, usize> = tables.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
    let parents: Vec<Vec<usize>> = tables
        .iter()
        .map(|t| {
            t.foreign_keys
                .iter()
                .filter_map(|fk| index.get(&fk.parent).copied())
                .collect()
        })
        .collect();
    let (order, _) = super::parents_first_by(&parents);
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    let mut filled = Vec::new();
    db.execute("BEGIN")?;
    for t in order {
        let table = &tables[t];
        let held = db
            .value(&format!("SELECT count(*) FROM {}", table.qualified()))?
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if held > 0 {
            counts.insert(table.oid, held);
            continue;
        }
        let sql = insert_sql(table, &tables, &index, &counts, rows);
        let outcome = db
            .execute("SAVEPOINT synth")
            .and_then(|_| db.affected(&sql));
        let (count, error) = match outcome {
            Ok(n) => (n, None),
            Err(e) => {
                db.execute("ROLLBACK TO SAVEPOINT synth")?;
                (0, Some(e.to_string()))
            }
        };
        db.execute("RELEASE SAVEPOINT synth")?;
        counts.insert(table.oid, count);
        filled.push(Filled {
            table: format!("{}.{}", table.schema, table.name),
            rows: count,
            error,
        });
    }
    db.execute("COMMIT")?;
    filled.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(filled)
}

fn insert_sql(
    table: &Table,
    tables: &[Table],
    index: &BTreeMap<u32, usize>,
    counts: &BTreeMap<u32, u64>,
    rows: u64,
) -> String {
    let mut joins = Vec::new();
    // Column number → expression, for the columns a foreign key fills.
    let mut from_parent: BTreeMap<i16, String> = BTreeMap::new();
    for (n, fk) in table.foreign_keys.iter().enumerate() {
        let parent = index.get(&fk.parent).map(|&i| &tables[i]);
        let count = counts.get(&fk.parent).copied().unwrap_or(0);
        let Some(parent) = parent.filter(|p| p.oid != table.oid && count > 0) else {
            // No row to point at (a self-reference, a cycle, an empty parent): NULL, which a
            // required column refuses, and the table is reported unfilled.
            for column in &fk.columns {
                from_parent.entry(*column).or_insert_with(|| "NULL".into());
            }
            continue;
        };
        let alias = format!("fk{n}");
        let keys: Vec<String> = fk
            .parent_columns
            .iter()
            .filter_map(|c| parent.column(*c))
            .map(|c| quote_ident(&c.name))
            .collect();
        let required = fk
            .columns
            .iter()
            .any(|c| table.column(*c).is_some_and(|c| c.not_null));
        joins.push(format!(
            "{} JOIN (SELECT {keys}, row_number() OVER (ORDER BY {keys}) - 1 AS sg_n FROM {parent} WHERE ROW({keys}) IS NOT NULL) AS {alias} ON {alias}.sg_n = sg.g % {count}",
            if required { "" } else { "LEFT" },
            keys = keys.join(", "),
            parent = parent.qualified(),
        ));
        for (column, key) in fk.columns.iter().zip(&keys) {
            from_parent
                .entry(*column)
                .or_insert_with(|| format!("{alias}.{key}"));
        }
    }
    let columns: Vec<&Column> = table.columns.iter().filter(|c| !c.automatic).collect();
    let mut nullable = 0;
    let values: Vec<String> = columns
        .iter()
        .map(|c| {
            let value = from_parent
                .get(&c.number)
                .cloned()
                .unwrap_or_else(|| value(table, c));
            let value = if c.not_null {
                value
            } else {
                // Nullable column k is NULL when bit k mod 8 of the row number is set: every
                // pattern of NULLs over 8 columns occurs, so "exactly one of" checks find rows.
                let bit = 1 << (nullable % 8);
                nullable += 1;
                format!("CASE WHEN sg.g / {bit} % 2 = 1 THEN NULL ELSE {value} END")
            };
            format!("({value})::{} AS {}", c.ty, quote_ident(&c.name))
        })
        .collect();
    let names: Vec<String> = columns.iter().map(|c| quote_ident(&c.name)).collect();
    let checks: Vec<String> = table
        .checks
        .iter()
        .map(|c| format!("({c}) IS NOT FALSE"))
        .collect();
    format!(
        "INSERT INTO {table} ({names}) SELECT {names} FROM (SELECT {values} FROM generate_series(1, {rows}) AS sg(g) {joins}) AS s WHERE {checks} ON CONFLICT DO NOTHING",
        table = table.qualified(),
        names = names.join(", "),
        values = values.join(", "),
        joins = joins.join(" "),
        checks = if checks.is_empty() {
            "true".to_string()
        } else {
            checks.join(" AND ")
        },
    )
}

/// The value of row `sg.g` for a column no foreign key fills.
fn value(table: &Table, c: &Column) -> String {
    if let Some((key, bounds)) = &table.partitions {
        if *key == c.number && !bounds.is_empty() {
            let items: Vec<String> = bounds
                .iter()
                .map(|b| format!("({b})::{}", c.base))
                .collect();
            return format!("(ARRAY[{}])[1 + sg.g % {}]", items.join(", "), bounds.len());
        }
    }
    let unique = table.unique.contains(&c.number);
    let literals = check_literals(table, &c.name);
    let element = element(table, c, unique, &literals);
    if c.array {
        format!("ARRAY[{element}]")
    } else {
        element
    }
}

fn element(table: &Table, c: &Column, unique: bool, literals: &[String]) -> String {
    let g = "sg.g";
    let label = string_literal(&format!("{}.{}.{}-", table.schema, table.name, c.name));
    let cycle = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|l| string_literal(l)).collect();
        format!("(ARRAY[{}])[1 + {g} % {}]", quoted.join(", "), quoted.len())
    };
    match (c.category.as_str(), c.base.as_str()) {
        _ if c.enumeration && !literals.is_empty() => cycle(literals),
        _ if c.enumeration => format!(
            "(enum_range(NULL::{t}))[1 + {g} % cardinality(enum_range(NULL::{t}))]",
            t = c.base
        ),
        ("S", _) if !literals.is_empty() && !unique => cycle(literals),
        ("S", _) => format!("{g} || '-' || {}", string_literal(&c.name)),
        (_, "uuid") => format!("md5({label} || {g})::uuid"),
        ("N", "smallint" | "integer" | "bigint") if unique => g.to_string(),
        ("N", "smallint" | "integer" | "bigint") => format!("1 + {g} % 5"),
        ("N", _) if unique => g.to_string(),
        ("N", _) => format!("({g} % 3) / 2.0"),
        ("B", _) => format!("{g} % 2 = 0"),
        (_, "date") => format!("date '2024-01-01' + {g} % 365"),
        ("D", b) if b.starts_with("time with") || b.starts_with("time without") => {
            format!("time '00:00' + {g} * interval '1 second'")
        }
        ("D", _) => format!("timestamptz '2024-01-01 00:00:00+00' + {g} * interval '1 hour'"),
        (_, "json" | "jsonb") if literals.iter().any(|l| l == "array") => {
            format!("jsonb_build_array({g})")
        }
        (_, "json" | "jsonb") => format!("jsonb_build_object('n', {g})"),
        (_, "bytea") => format!("convert_to({label} || {g}, 'UTF8')"),
        (_, "point") => format!("point({g}, {g})"),
        (_, "inet" | "cidr") => format!("'10.0.0.0'::inet + {g}"),
        // Anything else: its text form from the row number, which many types accept.
        _ => format!("{g}::text"),
    }
}

/// The quoted literals of the checks that name `column`: `status IN ('a', 'b')` → a, b.
fn check_literals(table: &Table, column: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for check in table.checks.iter().filter(|c| names(c, column)) {
        for literal in quoted_literals(check) {
            if !out.contains(&literal) {
                out.push(literal);
            }
        }
    }
    out
}

/// Whether `expression` names `column` (as a whole word, quoted or not).
fn names(expression: &str, column: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    expression.contains(&quote_ident(column))
        || expression.match_indices(column).any(|(at, _)| {
            let before = expression[..at].chars().next_back();
            let after = expression[at + column.len()..].chars().next();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
}

/// The `'…'` literals of a deparsed expression, unescaped (`''` → `'`).
pub(crate) fn quoted_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut literal = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    literal.push('\'');
                }
                '\'' => break,
                c => literal.push(c),
            }
        }
        out.push(literal);
    }
    out
}

/// The user tables of the database (partitions are filled through their parent).
const TABLES: &str = "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \
    ORDER BY n.nspname, c.relname";

const COLUMNS: &str = "SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), \
    format_type(b.oid, NULL), b.typcategory, b.typtype = 'e', t.typcategory = 'A', a.attnotnull, \
    a.attidentity <> '' OR a.attgenerated <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%' \
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
    JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END \
    JOIN pg_type b ON b.oid = CASE WHEN e.typtype = 'd' THEN e.typbasetype ELSE e.oid END \
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";

const CONSTRAINTS: &str = "SELECT conrelid, contype, array_to_string(conkey, ' '), confrelid, \
    array_to_string(confkey, ' '), pg_get_constraintdef(oid) FROM pg_constraint \
    WHERE contype IN ('f', 'c') AND conrelid <> 0 ORDER BY conrelid, conname";

const UNIQUE: &str =
    "SELECT indrelid, indkey::text FROM pg_index WHERE indisunique AND indnatts = 1 \
    ORDER BY indrelid, indexrelid";

const PARTITIONS: &str =
    "SELECT p.partrelid, p.partattrs::text, pg_get_expr(c.relpartbound, c.oid) \
    FROM pg_partitioned_table p JOIN pg_inherits i ON i.inhparent = p.partrelid \
    JOIN pg_class c ON c.oid = i.inhrelid WHERE p.partnatts = 1 ORDER BY p.partrelid, c.relname";

fn read(db: &mut Db) -> Result<Vec<Table>, Error> {
    let mut tables: Vec<Table> = db
        .rows(TABLES)?
        .into_iter()
        .map(|r| Table {
            oid: number(&r[0]),
            schema: text(&r[1]),
            name: text(&r[2]),
            columns: Vec::new(),
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            partitions: None,
        })
        .collect();
    let index: BTreeMap<u32, usize> = tables.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
    let at = |oid: &Option<String>| index.get(&number(oid)).copied();
    for r in db.rows(COLUMNS)? {
        if let Some(t) = at(&r[0]) {
            tables[t].columns.push(Column {
                number: number(&r[1]),
                name: text(&r[2]),
                ty: text(&r[3]),
                base: text(&r[4]),
                category: text(&r[5]),
                enumeration: flag(&r[6]),
                array: flag(&r[7]),
                not_null: flag(&r[8]),
                automatic: flag(&r[9]),
            });
        }
    }
    for r in db.rows(CONSTRAINTS)? {
        let Some(t) = at(&r[0]) else { continue };
        let definition = text(&r[5]);
        if text(&r[1]) == "c" {
            let expression = definition
                .trim_end_matches(" NOT VALID")
                .trim_start_matches("CHECK ");
            tables[t].checks.push(expression.to_string());
        } else {
            tables[t].foreign_keys.push(ForeignKey {
                columns: numbers(&r[2]),
                parent: number(&r[3]),
                parent_columns: numbers(&r[4]),
            });
        }
    }
    for r in db.rows(UNIQUE)? {
        if let Some(t) = at(&r[0]) {
            tables[t].unique.extend(numbers(&r[1]));
        }
    }
    for r in db.rows(PARTITIONS)? {
        let Some(t) = at(&r[0]) else { continue };
        let key = numbers(&r[1]).first().copied().unwrap_or(0);
        let bounds = tables[t].partitions.get_or_insert((key, Vec::new()));
        bounds.1.extend(first_bound(&text(&r[2])));
    }
    Ok(tables)
}

/// A value inside a partition's bound: the lower bound of `FROM (…) TO (…)`, the first value
/// of `IN (…)`; none for DEFAULT, MINVALUE and hash partitions (any value fits those).
fn first_bound(bound: &str) -> Option<String> {
    let inside = bound
        .strip_prefix("FOR VALUES FROM (")
        .or_else(|| bound.strip_prefix("FOR VALUES IN ("))?;
    let first = match inside.strip_prefix('\'') {
        Some(_) => format!("'{}'", quoted_literals(inside).first()?.replace('\'', "''")),
        None => inside.split([',', ')']).next()?.trim().to_string(),
    };
    (!matches!(first.as_str(), "MINVALUE" | "MAXVALUE" | "NULL")).then_some(first)
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn number<T: std::str::FromStr + Default>(value: &Option<String>) -> T {
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or_default()
}

fn numbers(value: &Option<String>) -> Vec<i16> {
    text(value)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect()
}

fn flag(value: &Option<String>) -> bool {
    value.as_deref() == Some("t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_bounds_are_read_from_deparsed_sql() {
        assert_eq!(
            quoted_literals("(status = ANY (ARRAY['draft'::text, 'it''s'::text]))"),
            ["draft", "it's"]
        );
        assert_eq!(
            first_bound("FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2025-02-01 00:00:00+00')")
                .as_deref(),
            Some("'2025-01-01 00:00:00+00'")
        );
        assert_eq!(
            first_bound("FOR VALUES FROM (10) TO (20)").as_deref(),
            Some("10")
        );
        assert_eq!(first_bound("DEFAULT"), None);
        assert_eq!(first_bound("FOR VALUES FROM (MINVALUE) TO (10)"), None);
    }

    #[test]
    fn a_column_is_named_as_a_whole_word() {
        assert!(names("(char_length(code) >= 2)", "code"));
        assert!(!names("(char_length(zip_code) >= 2)", "code"));
        assert!(names("(\"Code\" <> '')", "Code"));
    }
}
