//! IR → a Drizzle schema (`schema.ts`): `pgTable`/`pgSchema(…).table` per table, `pgEnum` per
//! enum, columns with their types, NOT NULL and defaults, and in each table's extra config its
//! primary key, unique and other indexes (method, order, operator class, expression,
//! predicate), foreign keys with their actions and checks, every one by its database name.
//! Defaults are schemagen's own SQL in `sql\`…\``, so the database default is the same.
//! Drizzle has no comments, row level security policies of this shape, or partitioning: those
//! go to `extras.sql` (W0872, W0873, W0875). The file is plain JavaScript as well as TypeScript.

use super::extras_sql;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Column, ForeignKey, Index, IndexPart, QualifiedName, ReferentialAction, ScalarType, SortOrder,
    System, Table,
};
use crate::render::postgres::sql::default_sql;
use crate::render::Templates;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

const HEADER: &str = "// Exported by `schemagen export --to drizzle`.
import { sql } from \"drizzle-orm\";
import {
  bigint, bigserial, boolean, char, check, customType, date, doublePrecision, foreignKey, index,
  integer, json, jsonb, numeric, pgEnum, pgSchema, pgTable, primaryKey, real, serial, smallint,
  text, time, timestamp, uniqueIndex, uuid, varchar,
} from \"drizzle-orm/pg-core\";

const citext = customType({ dataType: () => \"citext\" });
const bytea = customType({ dataType: () => \"bytea\" });
const point = customType({ dataType: () => \"point\" });
";

/// `schema.ts`, and `extras.sql` when Drizzle could not say everything.
pub fn render(
    system: &System,
    templates: &Templates,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    let unquotable = super::unquotable_names(system, "drizzle", false);
    if !unquotable.is_empty() {
        diags.extend(unquotable);
        return Ok(Vec::new());
    }
    let names = Names::new(system);
    let mut text = String::from(HEADER);
    for schema in &system.namespaces {
        writeln!(
            text,
            "\nexport const {} = pgSchema({});",
            names.schemas[schema],
            js_string(schema)
        )
        .unwrap();
    }
    for e in &system.enums {
        let values: Vec<String> = e.values.iter().map(|v| js_string(&v.db_name)).collect();
        writeln!(
            text,
            "\nexport const {} = {}({}, [{}]);",
            names.enums[&e.db_name],
            names.maker(&e.db_name.schema, "enum"),
            js_string(&e.db_name.name),
            values.join(", ")
        )
        .unwrap();
    }
    for table in &system.tables {
        text.push('\n');
        text.push_str(&table_text(table, system, &names));
    }
    // The schema as schema.ts says it: without what Drizzle cannot say.
    let mut said = System {
        access: Default::default(),
        renames: Vec::new(),
        ..system.clone()
    };
    for (t, table) in system.tables.iter().enumerate() {
        for fk in table
            .foreign_keys
            .iter()
            .filter(|fk| !references_key(fk, system))
        {
            diags.push(
                Diagnostic::error(
                    Code::ExportForeignKey,
                    fk.span,
                    format!(
                        "export drizzle: foreign key {} of {} references {} by a unique index, which drizzle-kit creates after its foreign keys",
                        fk.db_name, table.db_name.name, fk.referenced_table.name
                    ),
                )
                .at_path(format!("{}.{}", table.name, fk.db_name))
                .with_help("apply extras.sql after drizzle-kit's first migration: it adds the foreign key"),
            );
        }
        said.tables[t]
            .foreign_keys
            .retain(|fk| references_key(fk, system));
    }
    let mut comments = 0;
    for e in &mut said.enums {
        comments += usize::from(e.comment.take().is_some());
    }
    for table in &mut said.tables {
        comments += usize::from(table.comment.take().is_some());
        for column in &mut table.columns {
            comments += usize::from(column.comment.take().is_some());
        }
        if table.partition.take().is_some() {
            diags.push(
                Diagnostic::error(
                    Code::ExportPartition,
                    table.span,
                    format!("export drizzle: Drizzle cannot say the partitioning of {}", table.db_name.name),
                )
                .at_path(table.name.clone())
                .with_help("extras.sql recreates the table partitioned: apply it before any row is written"),
            );
        }
    }
    let warn = |code: Code, message: String, help: &str| {
        Diagnostic::global(code, format!("export drizzle: {}: {message}", system.name))
            .at_path(system.name.clone())
            .with_help(help)
    };
    if comments > 0 {
        diags.push(warn(
            Code::ExportComment,
            format!("{comments} comments have no Drizzle form"),
            "apply extras.sql after drizzle-kit's first migration: it holds the COMMENT ON statements",
        ));
    }
    if !system.access.is_empty() {
        diags.push(warn(
            Code::ExportAccess,
            "the access rules (row level security, policies, grants) are not exported to Drizzle"
                .into(),
            "apply extras.sql after drizzle-kit's first migration: it enables row level security \
             and creates the policies and grants",
        ));
    }
    let mut files = vec![("schema.ts".to_string(), text)];
    if let Some(sql) = extensions_sql(system) {
        diags.push(warn(
            Code::ExportExtension,
            "Drizzle does not create extensions: extensions.sql does".into(),
            "run extensions.sql before drizzle-kit's first migration",
        ));
        files.push(("extensions.sql".to_string(), sql));
    }
    let whole = System {
        renames: Vec::new(),
        ..system.clone()
    };
    if let Some(sql) = extras_sql(&said, &whole, templates)? {
        files.push(("extras.sql".to_string(), sql));
    }
    Ok(files)
}

/// `CREATE EXTENSION` for the extensions the system uses (citext by its columns), to run before
/// drizzle-kit's migration.
fn extensions_sql(system: &System) -> Option<String> {
    let mut extensions: BTreeSet<&str> = system.extensions.iter().map(String::as_str).collect();
    let citext = system.tables.iter().flat_map(|t| &t.columns);
    if citext
        .into_iter()
        .any(|c| c.ty.scalar == ScalarType::Citext)
    {
        extensions.insert("citext");
    }
    if extensions.is_empty() {
        return None;
    }
    let mut sql = String::from(
        "-- Run before drizzle-kit's first migration: Drizzle does not create extensions.\n",
    );
    for extension in extensions {
        writeln!(
            sql,
            "CREATE EXTENSION IF NOT EXISTS {};",
            crate::render::quote_ident(extension)
        )
        .unwrap();
    }
    Some(sql)
}

/// JavaScript names for schemas, enums and tables, unique in the module.
struct Names {
    schemas: BTreeMap<String, String>,
    enums: BTreeMap<QualifiedName, String>,
    tables: BTreeMap<QualifiedName, String>,
}

impl Names {
    fn new(system: &System) -> Names {
        let mut taken: BTreeSet<String> = HEADER_NAMES.iter().map(|s| s.to_string()).collect();
        let mut claim = |wanted: String| {
            let mut name = wanted.clone();
            let mut n = 1;
            while !taken.insert(name.clone()) {
                n += 1;
                name = format!("{wanted}{n}");
            }
            name
        };
        let schemas = system
            .namespaces
            .iter()
            .map(|s| (s.clone(), claim(format!("{}Schema", identifier(s)))))
            .collect();
        let enums = system
            .enums
            .iter()
            .map(|e| {
                (
                    e.db_name.clone(),
                    claim(format!("{}Enum", identifier(&e.name))),
                )
            })
            .collect();
        let tables = system
            .tables
            .iter()
            .map(|t| (t.db_name.clone(), claim(identifier(&t.name))))
            .collect();
        Names {
            schemas,
            enums,
            tables,
        }
    }

    /// `pgTable` / `pgEnum`, or the schema's `.table` / `.enum`.
    fn maker(&self, schema: &str, what: &str) -> String {
        match self.schemas.get(schema) {
            Some(name) => format!("{name}.{what}"),
            None if what == "table" => "pgTable".into(),
            None => "pgEnum".into(),
        }
    }
}

/// Names the header defines, which no export may shadow.
const HEADER_NAMES: &[&str] = &[
    "sql",
    "bigint",
    "bigserial",
    "boolean",
    "char",
    "check",
    "customType",
    "date",
    "doublePrecision",
    "foreignKey",
    "index",
    "integer",
    "json",
    "jsonb",
    "numeric",
    "pgEnum",
    "pgSchema",
    "pgTable",
    "primaryKey",
    "real",
    "serial",
    "smallint",
    "text",
    "time",
    "timestamp",
    "uniqueIndex",
    "uuid",
    "varchar",
    "citext",
    "bytea",
    "point",
];

/// A JavaScript identifier: letters, digits, `_` and `$`, not starting with a digit.
fn identifier(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '$' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn js_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// `sql\`…\``: the text as a template literal without substitutions.
fn sql_template(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${");
    format!("sql`{escaped}`")
}

fn table_text(table: &Table, system: &System, names: &Names) -> String {
    let mut text = format!(
        "export const {} = {}({}, {{\n",
        names.tables[&table.db_name],
        names.maker(&table.db_name.schema, "table"),
        js_string(&table.db_name.name)
    );
    for column in &table.columns {
        writeln!(
            text,
            "  {}: {},",
            js_string(&column.db_name),
            column_text(column, names)
        )
        .unwrap();
    }
    text.push_str("}, (t) => [\n");
    let col = |name: &String| format!("t[{}]", js_string(name));
    if let Some(pk) = &table.primary_key {
        let columns: Vec<String> = pk.columns.iter().map(col).collect();
        writeln!(
            text,
            "  primaryKey({{ name: {}, columns: [{}] }}),",
            js_string(&pk.db_name),
            columns.join(", ")
        )
        .unwrap();
    }
    for index in &table.indexes {
        writeln!(text, "  {},", index_text(index, &col)).unwrap();
    }
    for fk in table
        .foreign_keys
        .iter()
        .filter(|fk| references_key(fk, system))
    {
        writeln!(text, "  {},", foreign_key_text(fk, names, &col)).unwrap();
    }
    for c in &table.checks {
        writeln!(
            text,
            "  check({}, {}),",
            js_string(&c.db_name),
            sql_template(&c.expression)
        )
        .unwrap();
    }
    text.push_str("]);\n");
    text
}

fn column_text(column: &Column, names: &Names) -> String {
    let name = js_string(&column.db_name);
    let with = |builder: &str, options: String| {
        if options.is_empty() {
            format!("{builder}({name})")
        } else {
            format!("{builder}({name}, {{ {options} }})")
        }
    };
    let length = |n: Option<u32>| n.map(|n| format!("length: {n}")).unwrap_or_default();
    let precision = |p: Option<u8>| p.map(|p| format!("precision: {p}")).unwrap_or_default();
    use ScalarType::*;
    let mut text = match &column.ty.scalar {
        Text => with("text", String::new()),
        Citext => with("citext", String::new()),
        Varchar { length: n } => with("varchar", length(*n)),
        Char { length: n } => with("char", length(*n)),
        SmallInt => with("smallint", String::new()),
        Integer => with("integer", String::new()),
        BigInt => with("bigint", "mode: \"number\"".into()),
        Serial { big: false } => with("serial", String::new()),
        Serial { big: true } => with("bigserial", "mode: \"number\"".into()),
        Identity { big: false } => {
            with("integer", String::new()) + ".generatedByDefaultAsIdentity()"
        }
        Identity { big: true } => {
            with("bigint", "mode: \"number\"".into()) + ".generatedByDefaultAsIdentity()"
        }
        Numeric {
            precision: Some(p),
            scale,
        } => with(
            "numeric",
            format!(
                "precision: {p}{}",
                scale.map(|s| format!(", scale: {s}")).unwrap_or_default()
            ),
        ),
        Numeric {
            precision: None, ..
        } => with("numeric", String::new()),
        Real => with("real", String::new()),
        Double => with("doublePrecision", String::new()),
        Boolean => with("boolean", String::new()),
        Uuid => with("uuid", String::new()),
        Timestamptz { precision: p } => {
            let p = precision(*p);
            let sep = if p.is_empty() { "" } else { ", " };
            with("timestamp", format!("withTimezone: true{sep}{p}"))
        }
        Timestamp { precision: p } => with("timestamp", precision(*p)),
        Date => with("date", String::new()),
        Time { precision: p } => with("time", precision(*p)),
        Json => with("json", String::new()),
        Jsonb => with("jsonb", String::new()),
        Bytea => with("bytea", String::new()),
        Enum { name: e } => format!("{}({name})", names.enums[e]),
        GeoPoint => with("point", String::new()),
    };
    if column.ty.array {
        text.push_str(".array()");
    }
    if !column.nullable {
        text.push_str(".notNull()");
    }
    if let Some(default) = column
        .default
        .as_ref()
        .and_then(|d| default_sql(d, &column.ty))
    {
        write!(text, ".default({})", sql_template(&default)).unwrap();
    }
    text
}

fn index_text(index: &Index, col: &dyn Fn(&String) -> String) -> String {
    let parts: Vec<String> = index
        .parts
        .iter()
        .map(|part| match part {
            IndexPart::Column {
                name,
                order,
                opclass,
            } => {
                let mut text = col(name);
                // Postgres puts NULLs first in a descending index; drizzle-kit says otherwise
                // unless told.
                if *order == SortOrder::Desc {
                    text.push_str(".desc().nullsFirst()");
                }
                if let Some(ops) = opclass {
                    write!(text, ".op({})", js_string(ops)).unwrap();
                }
                text
            }
            IndexPart::Expression { sql } => sql_template(&format!("({sql})")),
        })
        .collect();
    let maker = if index.unique { "uniqueIndex" } else { "index" };
    let mut text = format!(
        "{maker}({}).using({}, {})",
        js_string(&index.db_name),
        js_string(index.method.sql()),
        parts.join(", ")
    );
    if let Some(predicate) = &index.predicate {
        write!(text, ".where({})", sql_template(predicate)).unwrap();
    }
    text
}

/// Whether `fk` references its table's primary key. drizzle-kit adds foreign keys before it
/// creates indexes, so one referencing a unique index would fail: it goes to extras.sql.
fn references_key(fk: &ForeignKey, system: &System) -> bool {
    let target = system
        .tables
        .iter()
        .find(|t| t.db_name == fk.referenced_table);
    target
        .and_then(|t| t.primary_key.as_ref())
        .is_some_and(|pk| pk.columns == fk.referenced_columns)
}

fn foreign_key_text(fk: &ForeignKey, names: &Names, col: &dyn Fn(&String) -> String) -> String {
    let target = &names.tables[&fk.referenced_table];
    let columns: Vec<String> = fk.columns.iter().map(col).collect();
    let references: Vec<String> = fk
        .referenced_columns
        .iter()
        .map(|c| format!("{target}[{}]", js_string(c)))
        .collect();
    format!(
        "foreignKey({{ name: {}, columns: [{}], foreignColumns: [{}] }}).onDelete({}).onUpdate({})",
        js_string(&fk.db_name),
        columns.join(", "),
        references.join(", "),
        js_string(action(fk.on_delete)),
        js_string(action(fk.on_update))
    )
}

fn action(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::NoAction => "no action",
        ReferentialAction::Restrict => "restrict",
        ReferentialAction::Cascade => "cascade",
        ReferentialAction::SetNull => "set null",
        ReferentialAction::SetDefault => "set default",
    }
}
