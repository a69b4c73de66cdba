//! IR → `schema.prisma`: the schema a Prisma team would write for the same database.
//!
//! Every database name is kept: `@@map`/`@map` where the Prisma identifier differs, `map:` on
//! keys, unique constraints, indexes and foreign keys whenever the name is not the one Prisma
//! would choose ([`crate::flavours::prisma::names`]). Foreign keys become relation pairs named
//! after their constraint (a relation field on the referencing model, its opposite on the
//! referenced one). What Prisma cannot say (CHECK constraints, indexes with an expression or a
//! predicate, comments as database comments, identity columns, NOT NULL lists, access rules)
//! is a `//` note in the model, its SQL goes to `extras.sql`, and a warning names it.

use super::extras_sql;
use crate::diagnostics::{Code, Diagnostic};
use crate::flavours::prisma::names as prisma_names;
use crate::ir::{
    Column, ColumnType, DefaultValue, Enum, ForeignKey, Index, IndexMethod, IndexPart, Literal,
    QualifiedName, ReferentialAction, ScalarType, SortOrder, System, Table,
};
use crate::render::Templates;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// `schema.prisma`, and `extras.sql` when Prisma could not say everything.
pub fn render(
    system: &System,
    templates: &Templates,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    let unquotable = super::unquotable_names(system, "prisma", true);
    if !unquotable.is_empty() {
        diags.extend(unquotable);
        return Ok(Vec::new());
    }
    let names = Names::new(system);
    // The schema as schema.prisma says it: what Prisma's migration makes. Each model below
    // takes out of it what Prisma cannot say.
    let mut said = System {
        access: Default::default(),
        ..system.clone()
    };
    let mut blocks = Vec::new();
    for e in &system.enums {
        blocks.push(enum_block(e, &names));
    }
    let mut comments = 0;
    for (t, table) in system.tables.iter().enumerate() {
        if names.joins.contains_key(&table.db_name) {
            continue; // Prisma makes it from the two list fields
        }
        let said_table = &mut said.tables[t];
        comments += usize::from(table.comment.is_some())
            + table.columns.iter().filter(|c| c.comment.is_some()).count();
        blocks.push(model_block(system, t, &names, said_table, diags));
    }
    for e in &mut said.enums {
        comments += usize::from(e.comment.take().is_some());
    }
    if comments > 0 {
        diags.push(system_warning(
            system,
            Code::ExportComment,
            format!("{comments} comments are `///` doc comments in schema.prisma, which Prisma does not make into database comments"),
            "apply extras.sql after Prisma's first migration: it holds the COMMENT ON statements",
        ));
    }
    if !system.access.is_empty() {
        diags.push(system_warning(
            system,
            Code::ExportAccess,
            "the access rules (row level security, policies, grants) have no Prisma form".into(),
            "apply extras.sql after Prisma's first migration: it enables row level security \
             and creates the policies and grants",
        ));
    }
    let mut text = header(system, &names);
    for block in blocks {
        text.push('\n');
        text.push_str(&block);
    }
    let mut files = vec![("schema.prisma".to_string(), text)];
    let whole = System {
        renames: Vec::new(),
        ..system.clone()
    };
    if let Some(sql) = extras_sql(&said, &whole, templates)? {
        files.push(("extras.sql".to_string(), sql));
    }
    Ok(files)
}

fn system_warning(system: &System, code: Code, message: String, help: &str) -> Diagnostic {
    Diagnostic::global(code, format!("export prisma: {}: {message}", system.name))
        .at_path(system.name.clone())
        .with_help(help)
}

/// The generator and datasource blocks: the schemas (when not only `public`) and extensions.
fn header(system: &System, names: &Names) -> String {
    let mut text = String::from("// Exported by `schemagen export --to prisma`.\n");
    let extensions = &system.extensions;
    let citext = system
        .tables
        .iter()
        .flat_map(|t| &t.columns)
        .any(|c| c.ty.scalar == ScalarType::Citext);
    let mut extension_list: BTreeSet<&str> = extensions.iter().map(String::as_str).collect();
    if citext {
        extension_list.insert("citext");
    }
    text.push_str("generator client {\n  provider = \"prisma-client-js\"\n");
    if !extension_list.is_empty() {
        text.push_str("  previewFeatures = [\"postgresqlExtensions\"]\n");
    }
    text.push_str("}\n\n");
    text.push_str(
        "// The connection URL lives in prisma.config.ts (Prisma 7); Prisma 6 reads it here:\n\
         // `url = env(\"DATABASE_URL\")`.\n",
    );
    text.push_str("datasource db {\n  provider = \"postgresql\"\n");
    if !extension_list.is_empty() {
        let list: Vec<&str> = extension_list.into_iter().collect();
        writeln!(text, "  extensions = [{}]", list.join(", ")).unwrap();
    }
    if names.multi_schema {
        let list: Vec<String> = names.schemas.iter().map(|s| prisma_string(s)).collect();
        writeln!(text, "  schemas = [{}]", list.join(", ")).unwrap();
    }
    text.push_str("}\n");
    text
}

/// Prisma identifiers for the system's enums, models and fields, unique where Prisma needs
/// them to be; every database name stays reachable through `@@map`/`@map`.
struct Names {
    models: BTreeMap<QualifiedName, String>,
    enums: BTreeMap<QualifiedName, String>,
    /// Per table (by position), the field name of each column (by position).
    fields: Vec<Vec<String>>,
    /// (table, column database name) → field name, for the `references:` of relations.
    column_fields: BTreeMap<(QualifiedName, String), String>,
    /// (enum, value database name) → value name.
    enum_values: BTreeMap<(QualifiedName, String), String>,
    /// Join tables Prisma makes itself for an implicit many-to-many relation → its name.
    joins: BTreeMap<QualifiedName, String>,
    schemas: BTreeSet<String>,
    multi_schema: bool,
}

impl Names {
    fn new(system: &System) -> Names {
        let mut taken = BTreeSet::new();
        let mut claim_type = |wanted: &str| claim(&mut taken, &identifier(wanted, 'M'));
        let enums = system
            .enums
            .iter()
            .map(|e| (e.db_name.clone(), claim_type(&e.name)))
            .collect();
        let models = system
            .tables
            .iter()
            .map(|t| (t.db_name.clone(), claim_type(&t.name)))
            .collect();
        let mut enum_values = BTreeMap::new();
        for e in &system.enums {
            let mut taken = BTreeSet::new();
            for value in &e.values {
                let name = claim(&mut taken, &identifier(&value.name, 'V'));
                enum_values.insert((e.db_name.clone(), value.db_name.clone()), name);
            }
        }
        let fields: Vec<Vec<String>> = system
            .tables
            .iter()
            .map(|t| {
                let mut taken = BTreeSet::new();
                t.columns
                    .iter()
                    .map(|c| claim_field(&mut taken, &c.name))
                    .collect()
            })
            .collect();
        let column_fields = system
            .tables
            .iter()
            .zip(&fields)
            .flat_map(|(t, names)| {
                t.columns
                    .iter()
                    .zip(names)
                    .map(|(c, n)| ((t.db_name.clone(), c.db_name.clone()), n.clone()))
            })
            .collect();
        let schemas: BTreeSet<String> = system
            .tables
            .iter()
            .map(|t| t.db_name.schema.clone())
            .chain(system.enums.iter().map(|e| e.db_name.schema.clone()))
            .collect();
        let multi_schema = schemas.iter().any(|s| s != "public");
        let joins = system
            .tables
            .iter()
            .filter_map(|t| Some((t.db_name.clone(), implicit_join(t, &models)?)))
            .collect();
        Names {
            joins,
            models,
            enums,
            fields,
            column_fields,
            enum_values,
            schemas,
            multi_schema,
        }
    }

    fn field_of(&self, table: &QualifiedName, column: &str) -> String {
        self.column_fields
            .get(&(table.clone(), column.to_string()))
            .cloned()
            .unwrap_or_else(|| column.to_string())
    }

    fn schema_line(&self, name: &QualifiedName) -> Option<String> {
        self.multi_schema
            .then(|| format!("  @@schema({})\n", prisma_string(&name.schema)))
    }
}

/// The relation name when `table` is exactly the join table Prisma makes for an implicit
/// many-to-many relation (`_<name>`: columns `A` and `B` keyed on the two models' single-column
/// keys, A's model first by name, Prisma's own constraint and index names, nothing else).
fn implicit_join(table: &Table, models: &BTreeMap<QualifiedName, String>) -> Option<String> {
    let db = &table.db_name.name;
    let relation = db.strip_prefix('_')?;
    let [a, b] = table.columns.as_slice() else {
        return None;
    };
    let [fk_a, fk_b] = table.foreign_keys.as_slice() else {
        return None;
    };
    let [index] = table.indexes.as_slice() else {
        return None;
    };
    let pk = table.primary_key.as_ref()?;
    let plain = |c: &Column, name: &str| {
        c.db_name == name
            && c.name == name
            && !c.nullable
            && c.default.is_none()
            && c.comment.is_none()
    };
    let joins = |fk: &ForeignKey, column: &str| {
        fk.columns == [column]
            && fk.referenced_columns.len() == 1
            && fk.db_name == prisma_names::join_foreign_key(db, column)
            && fk.on_delete == ReferentialAction::Cascade
            && fk.on_update == ReferentialAction::Cascade
    };
    let b_index = IndexPart::Column {
        name: "B".into(),
        order: SortOrder::Asc,
        opclass: None,
    };
    let model_a = models.get(&fk_a.referenced_table)?;
    let model_b = models.get(&fk_b.referenced_table)?;
    let shaped = plain(a, "A")
        && plain(b, "B")
        && joins(fk_a, "A")
        && joins(fk_b, "B")
        && model_a <= model_b
        && pk.columns == ["A", "B"]
        && pk.db_name == prisma_names::join_primary_key(db)
        && !index.unique
        && index.method == IndexMethod::Btree
        && index.predicate.is_none()
        && index.parts == [b_index]
        && index.db_name == prisma_names::join_index(db)
        && table.checks.is_empty()
        && table.partition.is_none()
        && table.comment.is_none()
        && table.name == *db;
    shaped.then(|| relation.to_string())
}

fn claim_field(taken: &mut BTreeSet<String>, wanted: &str) -> String {
    claim(taken, &identifier(wanted, 'f'))
}

/// `wanted`, or `wanted2`, `wanted3`… when taken.
fn claim(taken: &mut BTreeSet<String>, wanted: &str) -> String {
    let mut name = wanted.to_string();
    let mut n = 1;
    while !taken.insert(name.clone()) {
        n += 1;
        name = format!("{wanted}{n}");
    }
    name
}

/// A name as a Prisma identifier: ASCII letters, digits and `_`, starting with a letter
/// (`prefix` when it does not).
fn identifier(name: &str, prefix: char) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, prefix);
    }
    out
}

fn enum_block(e: &Enum, names: &Names) -> String {
    let name = &names.enums[&e.db_name];
    let mut text = doc_comment("", e.comment.as_deref());
    writeln!(text, "enum {name} {{").unwrap();
    for value in &e.values {
        let prisma = &names.enum_values[&(e.db_name.clone(), value.db_name.clone())];
        if *prisma == value.db_name {
            writeln!(text, "  {prisma}").unwrap();
        } else {
            writeln!(text, "  {prisma} @map({})", prisma_string(&value.db_name)).unwrap();
        }
    }
    block_map(&mut text, name, &e.db_name, names);
    text.push_str("}\n");
    text
}

/// `@@map` when the database name differs from the Prisma name, and `@@schema`.
fn block_map(text: &mut String, prisma: &str, db_name: &QualifiedName, names: &Names) {
    if prisma != db_name.name {
        writeln!(text, "  @@map({})", prisma_string(&db_name.name)).unwrap();
    }
    if let Some(line) = names.schema_line(db_name) {
        text.push_str(&line);
    }
}

/// `/// text` lines (each line of a multi-line comment), indented by `indent`. Every character
/// Prisma's parser could read as a line break (`\r`, U+2028, other controls) breaks the line.
fn doc_comment(indent: &str, comment: Option<&str>) -> String {
    let breaks = |c: char| c.is_control() && c != '\t' || matches!(c, '\u{2028}' | '\u{2029}');
    comment
        .map(|c| {
            c.split(breaks)
                .filter(|l| !l.is_empty())
                .map(|l| format!("{indent}/// {l}\n"))
                .collect()
        })
        .unwrap_or_default()
}

/// One model. `said` is the table as Prisma will make it: what Prisma cannot say is taken out
/// of it (and lands in extras.sql).
fn model_block(
    system: &System,
    t: usize,
    names: &Names,
    said: &mut Table,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let table = &system.tables[t];
    let model = &names.models[&table.db_name];
    let fields = &names.fields[t];
    let field_of = |column: &str| names.field_of(&table.db_name, column);
    let field_list = |columns: &[String]| -> String {
        let list: Vec<String> = columns.iter().map(|c| field_of(c)).collect();
        list.join(", ")
    };
    let db = &table.db_name.name;
    let mut field_attributes: Vec<Vec<String>> = vec![Vec::new(); table.columns.len()];
    let mut block = Vec::new();
    let mut notes = Vec::new();

    said.comment = None;
    if let Some(pk) = &table.primary_key {
        let map = map_arg(&pk.db_name, &prisma_names::primary_key(db));
        match pk.columns.as_slice() {
            [only] => {
                let i = column_index(table, only);
                field_attributes[i].push(format!("@id{}", parens(&map)));
            }
            columns => block.push(format!("@@id([{}]{})", field_list(columns), comma(&map))),
        }
    }
    let mut kept_indexes = Vec::new();
    for index in &table.indexes {
        match index_attribute(table, index, names) {
            Some(IndexForm::Field(column, attribute)) => {
                field_attributes[column_index(table, &column)].push(attribute);
                kept_indexes.push(index.clone());
            }
            Some(IndexForm::Block(line)) => {
                block.push(line);
                kept_indexes.push(index.clone());
            }
            None => {
                notes.push(format!(
                    "index {} has an expression, a predicate or a form Prisma cannot say: see extras.sql",
                    index.db_name
                ));
                diags.push(
                    Diagnostic::error(
                        Code::ExportIndex,
                        index.span,
                        format!(
                            "export prisma: index {} of {} has no @@index form (an expression, a predicate, or a unique index that is not a plain btree)",
                            index.db_name, table.db_name.name
                        ),
                    )
                    .at_path(format!("{}.{}", table.name, index.db_name))
                    .with_help("apply extras.sql after Prisma's first migration: it creates the index"),
                );
            }
        }
    }
    said.indexes = kept_indexes;
    for check in &table.checks {
        notes.push(format!(
            "CHECK {} ({}): see extras.sql",
            check.db_name,
            one_line(&check.expression)
        ));
        diags.push(
            Diagnostic::error(
                Code::ExportCheck,
                check.span,
                format!(
                    "export prisma: Prisma cannot say the CHECK constraint {} of {}",
                    check.db_name, table.db_name.name
                ),
            )
            .at_path(format!("{}.{}", table.name, check.db_name))
            .with_help("apply extras.sql after Prisma's first migration: it adds the constraint"),
        );
    }
    said.checks.clear();
    if table.partition.is_some() {
        notes.push("partitioned: see extras.sql".into());
        diags.push(
            Diagnostic::error(
                Code::ExportPartition,
                table.span,
                format!(
                    "export prisma: Prisma cannot say the partitioning of {}",
                    table.db_name.name
                ),
            )
            .at_path(table.name.clone())
            .with_help(
                "extras.sql recreates the table partitioned: apply it before any row is written",
            ),
        );
        said.partition = None;
    }

    let mut lines = Vec::new();
    for (i, column) in table.columns.iter().enumerate() {
        let (line, lost) = field_line(column, &fields[i], &field_attributes[i], names);
        lines.push(format!(
            "{}  {line}",
            doc_comment("  ", column.comment.as_deref())
        ));
        let said_column = &mut said.columns[i];
        said_column.comment = None;
        if let Some(lost) = lost {
            notes.push(format!("{}: {lost}: see extras.sql", column.db_name));
            diags.push(
                Diagnostic::error(
                    Code::ExportType,
                    column.span,
                    format!("export prisma: column {}.{}: {lost}", table.db_name.name, column.db_name),
                )
                .at_path(format!("{}.{}", table.name, column.name))
                .with_help("apply extras.sql after Prisma's first migration: it gives the column its exact form"),
            );
            *said_column = prisma_column(said_column);
        }
    }
    let mut taken: BTreeSet<String> = fields.iter().cloned().collect();
    for fk in &table.foreign_keys {
        lines.push(relation_field(table, fk, names, &mut taken));
    }
    for other in &system.tables {
        if let Some(relation) = names.joins.get(&other.db_name) {
            // Each side lists the other side's model (a self-relation lists itself twice).
            for (fk, opposite) in other
                .foreign_keys
                .iter()
                .zip(other.foreign_keys.iter().rev())
            {
                if fk.referenced_table == table.db_name {
                    let model = &names.models[&opposite.referenced_table];
                    let name = claim_field(&mut taken, &lower_first(model));
                    lines.push(format!(
                        "  {name} {model}[] @relation({})",
                        prisma_string(relation)
                    ));
                }
            }
            continue;
        }
        for fk in other
            .foreign_keys
            .iter()
            .filter(|fk| fk.referenced_table == table.db_name)
        {
            let other_model = &names.models[&other.db_name];
            let many = !is_unique_set(other, &fk.columns);
            let name = claim_field(&mut taken, &lower_first(other_model));
            lines.push(format!(
                "  {name} {other_model}{} @relation({})",
                if many { "[]" } else { "?" },
                prisma_string(&fk.db_name)
            ));
        }
    }

    let mut text = doc_comment("", table.comment.as_deref());
    writeln!(text, "model {model} {{").unwrap();
    for line in lines {
        writeln!(text, "{line}").unwrap();
    }
    if !block.is_empty() || !notes.is_empty() {
        text.push('\n');
    }
    for note in notes {
        writeln!(text, "  // {note}").unwrap();
    }
    for line in block {
        writeln!(text, "  {line}").unwrap();
    }
    block_map(&mut text, model, &table.db_name, names);
    text.push_str("}\n");
    text
}

fn column_index(table: &Table, column: &str) -> usize {
    table
        .columns
        .iter()
        .position(|c| c.db_name == column)
        .expect("keys name the table's own columns (validated)")
}

/// `, map: "name"` pieces: empty when `name` is Prisma's own default.
fn map_arg(name: &str, prisma_default: &str) -> String {
    if name == prisma_default {
        String::new()
    } else {
        format!("map: {}", prisma_string(name))
    }
}

fn parens(args: &str) -> String {
    if args.is_empty() {
        String::new()
    } else {
        format!("({args})")
    }
}

fn comma(args: &str) -> String {
    if args.is_empty() {
        String::new()
    } else {
        format!(", {args}")
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

enum IndexForm {
    /// `@unique` on the one column's field.
    Field(String, String),
    /// `@@unique(...)` / `@@index(...)`.
    Block(String),
}

/// The Prisma form of an index, `None` when it has none (an expression, a predicate, a unique
/// index with another method or an operator class).
fn index_attribute(table: &Table, index: &Index, names: &Names) -> Option<IndexForm> {
    let field_of = |column: &str| names.field_of(&table.db_name, column);
    if index.predicate.is_some() {
        return None;
    }
    let mut columns = Vec::new();
    let mut items = Vec::new();
    for part in &index.parts {
        let IndexPart::Column {
            name,
            order,
            opclass,
        } = part
        else {
            return None;
        };
        if index.unique && opclass.is_some() {
            return None;
        }
        let mut args = Vec::new();
        if *order == SortOrder::Desc {
            args.push("sort: Desc".to_string());
        }
        if let Some(ops) = opclass {
            args.push(format!("ops: raw({})", prisma_string(ops)));
        }
        items.push(format!("{}{}", field_of(name), parens(&args.join(", "))));
        columns.push(name.as_str());
    }
    let db = &table.db_name.name;
    if index.unique {
        if index.method != IndexMethod::Btree {
            return None;
        }
        let map = map_arg(&index.db_name, &prisma_names::unique(db, &columns));
        if let [column] = columns.as_slice() {
            if items[0] == field_of(column) {
                return Some(IndexForm::Field(
                    column.to_string(),
                    format!("@unique{}", parens(&map)),
                ));
            }
        }
        return Some(IndexForm::Block(format!(
            "@@unique([{}]{})",
            items.join(", "),
            comma(&map)
        )));
    }
    let mut args = vec![map_arg(&index.db_name, &prisma_names::index(db, &columns))];
    if index.method != IndexMethod::Btree {
        args.push(format!(
            "type: {}",
            crate::flavours::prisma::index_type_name(index.method)
        ));
    }
    let args: Vec<String> = args.into_iter().filter(|a| !a.is_empty()).collect();
    Some(IndexForm::Block(format!(
        "@@index([{}]{})",
        items.join(", "),
        comma(&args.join(", "))
    )))
}

/// Whether `columns` are the table's primary key or a unique index's columns (any order).
fn is_unique_set(table: &Table, columns: &[String]) -> bool {
    let wanted: BTreeSet<&String> = columns.iter().collect();
    let same = |other: &[String]| other.iter().collect::<BTreeSet<_>>() == wanted;
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| same(&pk.columns))
        || table.indexes.iter().any(|index| {
            index.unique
                && index.predicate.is_none()
                && index.parts.len() == columns.len()
                && index
                    .parts
                    .iter()
                    .all(|p| matches!(p, IndexPart::Column { name, .. } if wanted.contains(name)))
        })
}

/// The relation field on the referencing model for one foreign key.
fn relation_field(
    table: &Table,
    fk: &ForeignKey,
    names: &Names,
    taken: &mut BTreeSet<String>,
) -> String {
    let target = &names.models[&fk.referenced_table];
    let name = claim_field(taken, &lower_first(target));
    let optional = fk
        .columns
        .iter()
        .any(|c| table.column(c).is_some_and(|c| c.nullable));
    let fields: Vec<String> = fk
        .columns
        .iter()
        .map(|c| names.field_of(&table.db_name, c))
        .collect();
    // The referenced columns are the referenced model's fields: their names are its own.
    let references: Vec<String> = fk
        .referenced_columns
        .iter()
        .map(|c| names.field_of(&fk.referenced_table, c))
        .collect();
    let columns: Vec<&str> = fk.columns.iter().map(String::as_str).collect();
    let map = map_arg(
        &fk.db_name,
        &prisma_names::foreign_key(&table.db_name.name, &columns),
    );
    format!(
        "  {name} {target}{} @relation({}, fields: [{}], references: [{}], onDelete: {}, onUpdate: {}{})",
        if optional { "?" } else { "" },
        prisma_string(&fk.db_name),
        fields.join(", "),
        references.join(", "),
        action(fk.on_delete),
        action(fk.on_update),
        comma(&map)
    )
}

fn action(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::NoAction => "NoAction",
        ReferentialAction::Restrict => "Restrict",
        ReferentialAction::Cascade => "Cascade",
        ReferentialAction::SetNull => "SetNull",
        ReferentialAction::SetDefault => "SetDefault",
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// One field line, and what Prisma cannot say about the column (when it cannot).
fn field_line(
    column: &Column,
    field: &str,
    attributes: &[String],
    names: &Names,
) -> (String, Option<&'static str>) {
    let (base, native, mut lost) = prisma_type(&column.ty, names);
    let modifier = match (column.ty.array, column.nullable) {
        (true, false) => {
            lost = lost.or(Some("a NOT NULL list (Prisma's lists are nullable)"));
            "[]"
        }
        (true, true) => "[]",
        (false, true) => "?",
        (false, false) => "",
    };
    let mut parts = vec![format!("{field} {base}{modifier}")];
    parts.extend(attributes.iter().cloned());
    match (&column.ty.scalar, &column.default) {
        (ScalarType::Serial { .. }, _) => parts.push("@default(autoincrement())".into()),
        (_, Some(default)) => parts.push(format!(
            "@default({})",
            default_value(default, column, names)
        )),
        _ => {}
    }
    if field != column.db_name {
        parts.push(format!("@map({})", prisma_string(&column.db_name)));
    }
    if let Some(native) = native {
        parts.push(format!("@db.{native}"));
    }
    (parts.join(" "), lost)
}

/// The column as Prisma makes it when it cannot say the column exactly.
fn prisma_column(column: &Column) -> Column {
    let scalar = match column.ty.scalar {
        ScalarType::Identity { big: false } => ScalarType::Integer,
        ScalarType::Identity { big: true } => ScalarType::BigInt,
        ref other => other.clone(),
    };
    Column {
        ty: ColumnType {
            scalar,
            ..column.ty.clone()
        },
        nullable: column.nullable || column.ty.array,
        ..column.clone()
    }
}

/// The Prisma type, its `@db.*` attribute (none for Prisma's default), and what is lost.
fn prisma_type(ty: &ColumnType, names: &Names) -> (String, Option<String>, Option<&'static str>) {
    use ScalarType::*;
    let with = |native: &str, n: Option<u32>| match n {
        Some(n) => format!("{native}({n})"),
        None => native.to_string(),
    };
    let plain = |base: &str| (base.to_string(), None, None);
    let native = |base: &str, native: String| (base.to_string(), Some(native), None);
    match &ty.scalar {
        Text => plain("String"),
        Citext => native("String", "Citext".into()),
        Varchar { length } => native("String", with("VarChar", *length)),
        Char { length } => native("String", with("Char", *length)),
        SmallInt => native("Int", "SmallInt".into()),
        Integer | Serial { big: false } => plain("Int"),
        BigInt | Serial { big: true } => plain("BigInt"),
        Identity { big } => (
            if *big { "BigInt" } else { "Int" }.to_string(),
            None,
            Some("an identity column (Prisma makes serials, or plain integers)"),
        ),
        Numeric {
            precision: Some(65),
            scale: Some(30),
        } => plain("Decimal"),
        Numeric {
            precision: Some(p),
            scale,
        } => native("Decimal", format!("Decimal({p}, {})", scale.unwrap_or(0))),
        Numeric {
            precision: None, ..
        } => native("Decimal", "Decimal".into()),
        Real => native("Float", "Real".into()),
        Double => plain("Float"),
        Boolean => plain("Boolean"),
        Uuid => native("String", "Uuid".into()),
        Timestamp { precision: Some(3) } => plain("DateTime"),
        Timestamp { precision } => native("DateTime", with("Timestamp", precision.map(u32::from))),
        Timestamptz { precision } => {
            native("DateTime", with("Timestamptz", precision.map(u32::from)))
        }
        Date => native("DateTime", "Date".into()),
        Time { precision } => native("DateTime", with("Time", precision.map(u32::from))),
        Json => native("Json", "Json".into()),
        Jsonb => plain("Json"),
        Bytea => plain("Bytes"),
        Enum { name } => plain(&names.enums[name]),
        GeoPoint => ("Unsupported(\"point\")".into(), None, None),
    }
}

/// The `@default(...)` argument. What Prisma cannot spell as a value (any default of an
/// `Unsupported` type, bytes that are not hex) is `dbgenerated` with schemagen's own SQL, so the
/// database default is the same.
fn default_value(default: &DefaultValue, column: &Column, names: &Names) -> String {
    let sql = || {
        let sql = crate::render::postgres::sql::default_sql(default, &column.ty);
        format!("dbgenerated({})", prisma_string(&sql.unwrap_or_default()))
    };
    if column.ty.scalar == ScalarType::GeoPoint {
        return sql();
    }
    match (default, &column.ty.scalar) {
        (DefaultValue::Literal(Literal::String(hex)), ScalarType::Bytea) if !column.ty.array => {
            hex_to_base64(hex).map_or_else(sql, |b| prisma_string(&b))
        }
        (DefaultValue::Literal(Literal::Array(items)), ScalarType::Enum { .. }) => {
            let values: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Literal::String(v) => enum_value_name(&column.ty.scalar, v, names),
                    other => literal_value(other),
                })
                .collect();
            format!("[{}]", values.join(", "))
        }
        (DefaultValue::Literal(literal), _) => literal_value(literal),
        (DefaultValue::EnumValue(db_value), scalar) => {
            let value = enum_value_name(scalar, db_value, names);
            if column.ty.array {
                format!("[{value}]")
            } else {
                value
            }
        }
        (DefaultValue::Now, _) => "now()".into(),
        (DefaultValue::GenRandomUuid, _) => "dbgenerated(\"gen_random_uuid()\")".into(),
        (DefaultValue::Client(call), _) => call.clone(),
        (DefaultValue::Sql(sql), _) => format!("dbgenerated({})", prisma_string(sql)),
    }
}

/// `\\x48656c6c6f` (a bytea literal in hex, as the IR keeps it) → `SGVsbG8=` (Prisma's Bytes
/// default is base64).
fn hex_to_base64(hex: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digits = hex.strip_prefix("\\x")?;
    if digits.len() % 2 != 0 {
        return None;
    }
    let bytes = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    Some(out)
}

fn enum_value_name(scalar: &ScalarType, db_value: &str, names: &Names) -> String {
    let ScalarType::Enum { name } = scalar else {
        return identifier(db_value, 'V');
    };
    names
        .enum_values
        .get(&(QualifiedName::clone(name), db_value.to_string()))
        .cloned()
        .unwrap_or_else(|| identifier(db_value, 'V'))
}

fn literal_value(literal: &Literal) -> String {
    match literal {
        Literal::String(s) | Literal::Json(s) => prisma_string(s),
        Literal::Number(n) => n.clone(),
        Literal::Bool(b) => b.to_string(),
        Literal::Array(items) => {
            let items: Vec<String> = items.iter().map(literal_value).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A Prisma string literal (JSON's escapes, which Prisma's parser reads).
fn prisma_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}
