//! The IR → Prisma-style YAML. Every name is written out (`map:`, `@map`, and `map:` on every
//! key, index and foreign key) so the YAML builds the same database whatever flavour named it;
//! model and field names stay the IR's logical names where they are Prisma identifiers.
//! Each table, enum and seed goes into the file its element came from.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::import::postgres::{identifier, lower_first, prisma_string, yaml_string};
use crate::ir::access::{Condition, FieldPath, FieldRef, Rule, RuleKind, TableAccess};
use crate::ir::{
    Column, DefaultValue, Enum, Index, IndexMethod, IndexPart, Literal, PartitionBound,
    PartitionMethod, QualifiedName, ScalarType, SeedValue, SortOrder, System, Table,
};
use crate::load::SourceMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The YAML files of `system`, named after the files its elements came from.
pub fn write(
    system: &System,
    sources: &SourceMap,
    dir: &Path,
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    let names = Names::new(system);
    let mut files: BTreeMap<u32, File> = BTreeMap::new();
    let mut in_order = InOrder::default();
    for e in &system.enums {
        let text = enum_yaml(e, &names);
        let file = in_order.file(e.span.file);
        files.entry(file).or_default().enums.push(text);
    }
    let mut models: Vec<Model> = system
        .tables
        .iter()
        .map(|t| Model::new(t, system, &names, diags))
        .collect();
    relations(system, &names, &mut models);
    let mut in_order = InOrder::default();
    for (table, model) in system.tables.iter().zip(&models) {
        let access = system.access.table(&table.db_name);
        let text = model.yaml(table, access, &names, diags);
        let file = in_order.file(table.span.file);
        files.entry(file).or_default().models.push(text);
    }
    let first = files.keys().next().copied().unwrap_or_default();
    let top = files.entry(
        system
            .access
            .settings
            .as_ref()
            .map_or(first, |s| s.span.file),
    );
    top.or_default().header = header(system);
    let mut in_order = InOrder::default();
    for seed in &system.seed {
        if let Some(text) = seed_yaml(seed, system, &names) {
            let file = in_order.file(seed.span.file);
            files.entry(file).or_default().seed.push(text);
        }
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (id, file) in files {
        out.push((super::source_file(system, sources, dir, id), file.yaml()));
    }
    out
}

/// Files are read in order, so the IR's order of tables (which is the order of `CREATE`s)
/// is kept when no element goes into a file before the last one used: a table the flavour
/// made after every declared one (Prisma's implicit many-to-many join table) joins the last.
#[derive(Default)]
struct InOrder(u32);

impl InOrder {
    fn file(&mut self, wanted: u32) -> u32 {
        self.0 = self.0.max(wanted);
        self.0
    }
}

#[derive(Default)]
struct File {
    header: String,
    enums: Vec<String>,
    models: Vec<String>,
    seed: Vec<String>,
}

impl File {
    fn yaml(&self) -> String {
        let mut out = String::from("flavor: prisma\n");
        out.push_str(&self.header);
        for (key, items) in [
            ("enums", &self.enums),
            ("models", &self.models),
            ("seed", &self.seed),
        ] {
            if !items.is_empty() {
                let _ = writeln!(out, "{key}:");
                items.iter().for_each(|i| out.push_str(i));
            }
        }
        out
    }
}

/// The system-wide keys: access settings, extensions, accepted losses.
pub(super) fn header(system: &System) -> String {
    let mut out = String::new();
    if let Some(settings) = &system.access.settings {
        out.push_str("access:\n");
        match &settings.context {
            crate::ir::access::Context::Settings { tenant, user, role } => {
                let _ = writeln!(out, "  tenant: {}", yaml_string(tenant));
                let _ = writeln!(out, "  user: {}", yaml_string(user));
                let _ = writeln!(out, "  role: {}", yaml_string(role));
            }
            crate::ir::access::Context::Supabase {
                tenant_claim,
                role_claim,
            } => {
                out.push_str("  context: supabase\n");
                let _ = writeln!(out, "  tenant: {}", yaml_string(tenant_claim));
                let _ = writeln!(out, "  role: {}", yaml_string(role_claim));
            }
        }
        let _ = writeln!(out, "  app_role: {}", yaml_string(&settings.app_role));
        if settings.tenancy {
            out.push_str("  tenancy: true\n");
        }
    }
    if !system.extensions.is_empty() {
        let _ = writeln!(out, "extensions: [{}]", list(&system.extensions));
    }
    if !system.accept_data_loss.is_empty() {
        let paths: Vec<&String> = system.accept_data_loss.iter().map(|l| &l.path).collect();
        let _ = writeln!(out, "acceptDataLoss: [{}]", list(paths));
    }
    out
}

pub(super) fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| yaml_string(s.as_ref())).collect();
    quoted.join(", ")
}

/// Model and enum names (one namespace, as in `schema.prisma`), field names per table.
pub(super) struct Names {
    pub(super) models: BTreeMap<QualifiedName, String>,
    pub(super) enums: BTreeMap<QualifiedName, String>,
    /// Per table, column database name → field name.
    pub(super) fields: BTreeMap<QualifiedName, BTreeMap<String, String>>,
}

impl Names {
    fn new(system: &System) -> Names {
        let mut taken = BTreeSet::new();
        let models = system
            .tables
            .iter()
            .map(|t| (t.db_name.clone(), unique(&ident(&t.name, 'M'), &mut taken)))
            .collect();
        // An enum named like a table (Payload's `hasMany` selects) gets the suffix the code
        // targets give it, so generated type names stay as they were.
        let enums = system
            .enums
            .iter()
            .map(|e| {
                let wanted = ident(&e.name, 'E');
                let wanted = if taken.contains(&wanted) {
                    format!("{wanted}_enum")
                } else {
                    wanted
                };
                (e.db_name.clone(), unique(&wanted, &mut taken))
            })
            .collect();
        let fields = system
            .tables
            .iter()
            .map(|t| {
                let mut taken = BTreeSet::new();
                let fields = t
                    .columns
                    .iter()
                    .map(|c| (c.db_name.clone(), unique(&ident(&c.name, 'f'), &mut taken)))
                    .collect();
                (t.db_name.clone(), fields)
            })
            .collect();
        Names {
            models,
            enums,
            fields,
        }
    }

    fn field<'a>(&'a self, table: &QualifiedName, column: &'a str) -> &'a str {
        self.fields
            .get(table)
            .and_then(|f| f.get(column))
            .map_or(column, String::as_str)
    }

    fn fields(&self, table: &QualifiedName, columns: &[String]) -> String {
        let fields: Vec<&str> = columns.iter().map(|c| self.field(table, c)).collect();
        fields.join(", ")
    }
}

/// A logical name as a Prisma identifier: `_parentID` → `parentID` (the code targets drop
/// the underscore too), `bots.collaborators` → `bots_collaborators`.
fn ident(name: &str, prefix: char) -> String {
    let trimmed = name.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    identifier(if trimmed.is_empty() { name } else { trimmed }, prefix)
}

/// `wanted`, or `wanted2`, `wanted3`… when taken.
pub(super) fn unique(wanted: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = wanted.to_string();
    let mut n = 1;
    while !taken.insert(name.clone()) {
        n += 1;
        name = format!("{wanted}{n}");
    }
    name
}

fn enum_yaml(e: &Enum, names: &Names) -> String {
    let ident = &names.enums[&e.db_name];
    let mut out = format!("  {ident}:\n");
    if *ident != e.db_name.name {
        let _ = writeln!(out, "    map: {}", yaml_string(&e.db_name.name));
    }
    if e.db_name.schema != "public" {
        let _ = writeln!(out, "    schema: {}", yaml_string(&e.db_name.schema));
    }
    if let Some(comment) = &e.comment {
        let _ = writeln!(out, "    comment: {}", yaml_string(comment));
    }
    out.push_str("    values: |\n");
    for (value, ident) in e.values.iter().zip(enum_values(e)) {
        if ident == value.db_name {
            let _ = writeln!(out, "      {ident}");
        } else {
            let _ = writeln!(out, "      {ident} @map({})", prisma_string(&value.db_name));
        }
    }
    out
}

/// The Prisma identifier of each value of `e`, in order.
fn enum_values(e: &Enum) -> Vec<String> {
    let mut taken = BTreeSet::new();
    e.values
        .iter()
        .map(|v| unique(&ident(&v.name, 'V'), &mut taken))
        .collect()
}

/// A model being written: its field lines and the relation lines [`relations`] adds.
struct Model {
    columns: Vec<String>,
    relations: Vec<String>,
    /// Field names used so far (columns and relations).
    taken: BTreeSet<String>,
}

impl Model {
    fn new(table: &Table, system: &System, names: &Names, diags: &mut Diagnostics) -> Model {
        let taken = names.fields[&table.db_name].values().cloned().collect();
        let single_key = table.primary_key.as_ref().filter(|k| k.columns.len() == 1);
        let columns = table
            .columns
            .iter()
            .filter_map(|c| {
                let key = single_key.filter(|k| k.columns[0] == c.db_name);
                column_line(
                    table,
                    c,
                    key.map(|k| k.db_name.as_str()),
                    system,
                    names,
                    diags,
                )
            })
            .collect();
        Model {
            columns,
            relations: Vec::new(),
            taken,
        }
    }

    fn yaml(
        &self,
        table: &Table,
        access: Option<&TableAccess>,
        names: &Names,
        diags: &mut Diagnostics,
    ) -> String {
        let ident = &names.models[&table.db_name];
        let mut out = format!("  {ident}:\n");
        if *ident != table.db_name.name {
            let _ = writeln!(out, "    map: {}", yaml_string(&table.db_name.name));
        }
        if let Some(comment) = &table.comment {
            let _ = writeln!(out, "    comment: {}", yaml_string(comment));
        }
        if let Some(partition) = partition(table, names) {
            let _ = writeln!(out, "    partition: {partition}");
        }
        if let Some(access) = access {
            out.push_str(&access_yaml(access, &table.db_name, names));
        }
        out.push_str("    fields: |\n");
        for line in self
            .columns
            .iter()
            .chain(&self.relations)
            .flat_map(|l| l.lines())
        {
            let _ = writeln!(out, "      {line}");
        }
        let mut blocks = Vec::new();
        if let Some(key) = table.primary_key.as_ref().filter(|k| k.columns.len() > 1) {
            let fields = names.fields(&table.db_name, &key.columns);
            blocks.push(format!(
                "@@id([{fields}], map: {})",
                prisma_string(&key.db_name)
            ));
        }
        let mut yaml_indexes = String::new();
        for index in &table.indexes {
            match index_block(table, index, names) {
                Some(block) => blocks.push(block),
                None => yaml_indexes.push_str(&index_yaml(table, index, names, diags)),
            }
        }
        if table.db_name.schema != "public" {
            blocks.push(format!(
                "@@schema({})",
                prisma_string(&table.db_name.schema)
            ));
        }
        if !blocks.is_empty() {
            out.push('\n');
            blocks.iter().for_each(|b| {
                let _ = writeln!(out, "      {b}");
            });
        }
        if !yaml_indexes.is_empty() {
            out.push_str("    indexes:\n");
            out.push_str(&yaml_indexes);
        }
        if !table.checks.is_empty() {
            out.push_str("    checks:\n");
            for check in &table.checks {
                let _ = writeln!(
                    out,
                    "      {}: {}",
                    yaml_string(&check.db_name),
                    yaml_string(&check.expression)
                );
            }
        }
        out
    }
}

/// What Prisma-style cannot say, reported on the element's path (E0808).
fn loss(path: String, what: &str, help: &str) -> Diagnostic {
    Diagnostic::global(
        Code::ConvertLoss,
        format!("{path}: {what} has no Prisma-style form"),
    )
    .at_path(path)
    .with_help(help.to_string())
}

/// `name Type? @id @default(...) @map(...) @db.X`, with the comment as `///` lines.
fn column_line(
    table: &Table,
    column: &Column,
    key: Option<&str>,
    system: &System,
    names: &Names,
    diags: &mut Diagnostics,
) -> Option<String> {
    let path = format!("{}.{}", table.db_name.name, column.db_name);
    let (ty, native) = match prisma_type(&column.ty.scalar, names) {
        Ok(found) => found,
        Err(what) => {
            let help = "keep the table in its flavour (flavours can share a system)";
            diags.push(loss(path, &what, help));
            return None;
        }
    };
    if column.ty.array && !column.nullable {
        let what = "a NOT NULL list (Prisma makes every list a nullable column)";
        let help = "make the list optional in the original first (a migration), or keep the table in its flavour";
        diags.push(loss(path, what, help));
        return None;
    }
    let field = names.field(&table.db_name, &column.db_name);
    let mut line = String::new();
    if let Some(comment) = &column.comment {
        comment.lines().for_each(|l| {
            let _ = writeln!(line, "/// {l}");
        });
    }
    let suffix = match (column.ty.array, column.nullable) {
        (true, _) => "[]",
        (false, true) => "?",
        (false, false) => "",
    };
    let _ = write!(line, "{field} {ty}{suffix}");
    if let Some(key) = key {
        let _ = write!(line, " @id(map: {})", prisma_string(key));
    }
    if matches!(column.ty.scalar, ScalarType::Serial { .. }) {
        line.push_str(" @default(autoincrement())");
    }
    if let Some(default) = &column.default {
        match default_expr(default, column, system, names) {
            Some(expr) => {
                let _ = write!(line, " @default({expr})");
            }
            None => {
                let help = "write it as `@default(dbgenerated(\"…\"))` in the original first";
                diags.push(loss(path, "this default", help));
                return None;
            }
        }
    }
    if field != column.db_name {
        let _ = write!(line, " @map({})", prisma_string(&column.db_name));
    }
    if let Some(native) = native {
        let _ = write!(line, " @db.{native}");
    }
    Some(line)
}

/// The Prisma type and its `@db.*` attribute (none where it is Prisma's default).
fn prisma_type(scalar: &ScalarType, names: &Names) -> Result<(String, Option<String>), String> {
    let plain = |ty: &str| Ok((ty.to_string(), None));
    let native = |ty: &str, n: String| Ok((ty.to_string(), Some(n)));
    let with = |n: &str, arg: Option<String>| arg.map_or(n.to_string(), |a| format!("{n}({a})"));
    let precision = |p: Option<u8>| p.map(|p| p.to_string());
    match scalar {
        ScalarType::Text => plain("String"),
        ScalarType::Citext => native("String", "Citext".into()),
        ScalarType::Varchar { length } => {
            native("String", with("VarChar", length.map(|l| l.to_string())))
        }
        ScalarType::Char { length } => {
            native("String", with("Char", length.map(|l| l.to_string())))
        }
        ScalarType::Uuid => native("String", "Uuid".into()),
        ScalarType::SmallInt => native("Int", "SmallInt".into()),
        ScalarType::Integer | ScalarType::Serial { big: false } => plain("Int"),
        ScalarType::BigInt | ScalarType::Serial { big: true } => plain("BigInt"),
        ScalarType::Numeric {
            precision: Some(65),
            scale: Some(30),
        } => plain("Decimal"),
        ScalarType::Numeric { precision, scale } => {
            let args: Vec<String> = precision.iter().chain(scale).map(u32::to_string).collect();
            let args = (!args.is_empty()).then(|| args.join(", "));
            native("Decimal", with("Decimal", args))
        }
        ScalarType::Real => native("Float", "Real".into()),
        ScalarType::Double => plain("Float"),
        ScalarType::Boolean => plain("Boolean"),
        ScalarType::Timestamp { precision: Some(3) } => plain("DateTime"),
        ScalarType::Timestamp { precision: p } => {
            native("DateTime", with("Timestamp", precision(*p)))
        }
        ScalarType::Timestamptz { precision: p } => {
            native("DateTime", with("Timestamptz", precision(*p)))
        }
        ScalarType::Date => native("DateTime", "Date".into()),
        ScalarType::Time { precision: p } => native("DateTime", with("Time", precision(*p))),
        ScalarType::Jsonb => plain("Json"),
        ScalarType::Json => native("Json", "Json".into()),
        ScalarType::Bytea => plain("Bytes"),
        ScalarType::Enum { name } => names
            .enums
            .get(name)
            .map(|e| (e.clone(), None))
            .ok_or_else(|| format!("the enum {name:?}, which is not in the system")),
        ScalarType::Identity { .. } => Err("an identity column".into()),
        ScalarType::GeoPoint => Err("a `point` column".into()),
    }
}

/// The `@default(…)` argument, or `None` where Prisma-style has no spelling for it.
fn default_expr(
    default: &DefaultValue,
    column: &Column,
    system: &System,
    names: &Names,
) -> Option<String> {
    let enum_of = || match &column.ty.scalar {
        ScalarType::Enum { name } => system.enums.iter().find(|e| e.db_name == **name),
        _ => None,
    };
    let enum_value = |db: &str| {
        let e = enum_of()?;
        let i = e.values.iter().position(|v| v.db_name == db)?;
        enum_values(e).into_iter().nth(i)
    };
    let _ = names;
    match default {
        DefaultValue::Now => Some("now()".into()),
        DefaultValue::GenRandomUuid => Some("dbgenerated(\"gen_random_uuid()\")".into()),
        DefaultValue::Client(call) => Some(call.clone()),
        DefaultValue::Sql(sql) => Some(format!("dbgenerated({})", prisma_string(sql))),
        DefaultValue::EnumValue(db) => enum_value(db),
        DefaultValue::Literal(Literal::Array(items)) => {
            let items: Option<Vec<String>> = items
                .iter()
                .map(|item| match item {
                    Literal::String(db) if enum_of().is_some() => enum_value(db),
                    other => literal(other, &column.ty.scalar),
                })
                .collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        DefaultValue::Literal(lit) => literal(lit, &column.ty.scalar),
    }
}

/// One literal as Prisma writes it for a field of `scalar`.
fn literal(lit: &Literal, scalar: &ScalarType) -> Option<String> {
    match lit {
        // Prisma takes a Bytes default as base64; the IR keeps Postgres's hex.
        Literal::String(_) if *scalar == ScalarType::Bytea => None,
        Literal::String(s) | Literal::Json(s) => Some(prisma_string(s)),
        Literal::Number(n) => Some(n.clone()),
        Literal::Bool(b) => Some(b.to_string()),
        Literal::Array(_) => None,
    }
}

/// `@@index`/`@@unique` for plain column indexes; `None` for what needs the YAML `indexes:`.
fn index_block(table: &Table, index: &Index, names: &Names) -> Option<String> {
    if index.predicate.is_some() || index.concurrently {
        return None;
    }
    let parts: Option<Vec<String>> = index
        .parts
        .iter()
        .map(|p| match p {
            IndexPart::Column {
                name,
                order,
                opclass,
            } => {
                let field = names.field(&table.db_name, name);
                let mut args = Vec::new();
                if *order == SortOrder::Desc {
                    args.push("sort: Desc".to_string());
                }
                if let Some(op) = opclass {
                    args.push(format!("ops: raw({})", prisma_string(op)));
                }
                Some(if args.is_empty() {
                    field.to_string()
                } else {
                    format!("{field}({})", args.join(", "))
                })
            }
            IndexPart::Expression { .. } => None,
        })
        .collect();
    let parts = parts?.join(", ");
    let map = prisma_string(&index.db_name);
    Some(match (index.unique, index.method) {
        (true, IndexMethod::Btree) => format!("@@unique([{parts}], map: {map})"),
        (true, _) => return None,
        (false, IndexMethod::Btree) => format!("@@index([{parts}], map: {map})"),
        (false, m) => format!(
            "@@index([{parts}], type: {}, map: {map})",
            crate::flavours::prisma::index_type_name(m)
        ),
    })
}

/// An entry of the YAML `indexes:` key: columns with a predicate, or one expression.
fn index_yaml(table: &Table, index: &Index, names: &Names, diags: &mut Diagnostics) -> String {
    let mut out = format!("      - name: {}\n", yaml_string(&index.db_name));
    let columns: Option<Vec<String>> = index
        .parts
        .iter()
        .map(|p| match p {
            IndexPart::Column {
                name,
                order,
                opclass: None,
            } => {
                let field = names.field(&table.db_name, name);
                Some(match order {
                    SortOrder::Desc => format!("{field} desc"),
                    SortOrder::Asc => field.to_string(),
                })
            }
            _ => None,
        })
        .collect();
    match (columns, index.parts.as_slice()) {
        (Some(columns), _) => {
            let _ = writeln!(out, "        columns: [{}]", columns.join(", "));
        }
        (None, [IndexPart::Expression { sql }]) => {
            let _ = writeln!(out, "        expression: {}", yaml_string(sql));
        }
        _ => {
            let path = format!("{}.{}", table.db_name.name, index.db_name);
            let what =
                "an index mixing expressions with columns, or operator classes with a predicate,";
            diags.push(loss(path, what, "keep the table in its flavour"));
            return String::new();
        }
    }
    if index.unique {
        out.push_str("        unique: true\n");
    }
    if index.method != IndexMethod::Btree {
        let _ = writeln!(out, "        using: {}", index.method.sql());
    }
    if let Some(predicate) = &index.predicate {
        let _ = writeln!(out, "        where: {}", yaml_string(predicate));
    }
    if index.concurrently {
        out.push_str("        concurrently: true\n");
    }
    out
}

/// The `partition:` value that makes the table's partitions (the comparison with the
/// original IR checks that it makes exactly these).
fn partition(table: &Table, names: &Names) -> Option<String> {
    let p = table.partition.as_ref()?;
    let columns = names.fields(&table.db_name, &p.columns);
    let rest = match p.method {
        PartitionMethod::Hash => format!(", count: {}", p.partitions.len()),
        PartitionMethod::List => String::new(),
        PartitionMethod::Range => {
            let months = p
                .partitions
                .iter()
                .filter(|p| p.bound != PartitionBound::Default)
                .count();
            let from = p.partitions.iter().find_map(|p| match &p.bound {
                PartitionBound::Range { from, .. } => {
                    Some(from.trim_matches('\'').get(..7)?.to_string())
                }
                _ => None,
            });
            match from {
                Some(from) => format!(", monthly: {{ from: {from}, months: {months} }}"),
                None => String::new(),
            }
        }
    };
    let by = p.method.sql().to_ascii_lowercase();
    Some(format!("{{ by: {by}, columns: [{columns}]{rest} }}"))
}

/// Each foreign key: a relation field on the referencing model, named after the constraint,
/// and its opposite on the referenced one (a list, or optional when the key is unique).
fn relations(system: &System, names: &Names, models: &mut [Model]) {
    let position: BTreeMap<&QualifiedName, usize> = system
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.db_name, i))
        .collect();
    for (i, table) in system.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            let Some(&j) = position.get(&fk.referenced_table) else {
                continue;
            };
            let target = &names.models[&fk.referenced_table];
            let source = &names.models[&table.db_name];
            let optional = fk
                .columns
                .iter()
                .any(|c| table.column(c).is_some_and(|c| c.nullable));
            let one_to_one = is_unique(table, &fk.columns);
            let relation = prisma_string(&fk.db_name);
            let fields = names.fields(&table.db_name, &fk.columns);
            let references = names.fields(&fk.referenced_table, &fk.referenced_columns);
            let field = unique(&lower_first(target), &mut models[i].taken);
            models[i].relations.push(format!(
                "{field} {target}{} @relation({relation}, fields: [{fields}], references: [{references}], onDelete: {}, onUpdate: {}, map: {relation})",
                if optional { "?" } else { "" },
                action(fk.on_delete),
                action(fk.on_update),
            ));
            let back = unique(&lower_first(source), &mut models[j].taken);
            let shape = if one_to_one { "?" } else { "[]" };
            models[j]
                .relations
                .push(format!("{back} {source}{shape} @relation({relation})"));
        }
    }
}

/// Whether `columns` are exactly a key of the table (a one-to-one relation).
fn is_unique(table: &Table, columns: &[String]) -> bool {
    let set: BTreeSet<&str> = columns.iter().map(String::as_str).collect();
    table
        .keys()
        .any(|key| key.into_iter().collect::<BTreeSet<_>>() == set)
}

fn action(action: crate::ir::ReferentialAction) -> &'static str {
    use crate::ir::ReferentialAction::*;
    match action {
        Cascade => "Cascade",
        SetNull => "SetNull",
        SetDefault => "SetDefault",
        Restrict => "Restrict",
        NoAction => "NoAction",
    }
}

/// The model's `access:` key, rules in their order, fields by column name.
pub(super) fn access_yaml(access: &TableAccess, table: &QualifiedName, names: &Names) -> String {
    if access.shared {
        return "    access: shared\n".into();
    }
    let mut groups: Vec<(&'static str, Vec<String>)> = Vec::new();
    for rule in &access.rules {
        let key = commands_key(rule);
        let text = rule_yaml(rule, table, names);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rules)) => rules.push(text),
            None => groups.push((key, vec![text])),
        }
    }
    let mut out = String::from("    access:\n");
    for (key, rules) in groups {
        let _ = writeln!(out, "      {key}:");
        for rule in rules {
            let _ = writeln!(out, "        - {rule}");
        }
    }
    if !access.encrypted.is_empty() {
        let columns = access
            .encrypted
            .iter()
            .map(|f| names.field(table, &f.column));
        let _ = writeln!(out, "      encrypted: [{}]", list(columns));
    }
    out
}

/// The access key naming a rule's commands.
fn commands_key(rule: &Rule) -> &'static str {
    use crate::ir::access::Command::*;
    let has = |c| rule.commands.contains(&c);
    match (has(Select), has(Insert), has(Update), has(Delete)) {
        (true, true, true, true) => "all",
        (true, false, false, false) => "read",
        (false, true, true, true) => "write",
        (false, true, false, false) => "insert",
        (false, false, true, false) => "update",
        (false, false, false, true) => "delete",
        // Other sets are written as `all`; the comparison with the original catches them.
        _ => "all",
    }
}

/// One rule as a YAML flow map, fields by the names the model gives them.
fn rule_yaml(rule: &Rule, table: &QualifiedName, names: &Names) -> String {
    let s = |t: &str| yaml_string(t);
    let here = |f: &FieldRef| yaml_string(names.field(table, &f.column));
    match &rule.kind {
        RuleKind::Tenant { field } => format!("{{ tenant: {} }}", here(field)),
        RuleKind::Owner { field } => format!("{{ owner: {} }}", here(field)),
        RuleKind::Public { field, values } if values.is_empty() => {
            format!("{{ public: {} }}", here(field))
        }
        RuleKind::Public { field, values } => {
            format!("{{ public: {}, values: [{}] }}", here(field), list(values))
        }
        RuleKind::Role { roles, bypass } => {
            let bypass = if *bypass { ", bypass: true" } else { "" };
            format!("{{ role: [{}]{bypass} }}", list(roles))
        }
        RuleKind::Member {
            table: member,
            via,
            key,
            user,
            role_field,
            roles,
        } => {
            let there = |f: &FieldRef| yaml_string(names.field(&member.db_name, &f.column));
            let model = names.models.get(&member.db_name).unwrap_or(&member.name);
            let mut out = format!(
                "{{ member: {}, via: {}, key: {}, user: {}",
                s(model),
                there(via),
                s(names.field(table, key)),
                there(user)
            );
            if let Some(role_field) = role_field {
                let _ = write!(out, ", role_field: {}", there(role_field));
            }
            if !roles.is_empty() {
                let _ = write!(out, ", roles: [{}]", list(roles));
            }
            out + " }"
        }
        RuleKind::Sql { expression, expect } => {
            let mut out = format!("{{ sql: {}", s(expression));
            if let Some(conditions) = &expect.0 {
                let parts: Vec<String> = conditions
                    .iter()
                    .map(|c| condition_yaml(c, table, names))
                    .collect();
                let _ = write!(out, ", expect: {{ {} }}", parts.join(", "));
            }
            out + " }"
        }
    }
}

fn condition_yaml(condition: &Condition, table: &QualifiedName, names: &Names) -> String {
    let path = |p: &FieldPath| match &p.hop {
        Some(hop) => {
            let there = hop.table.as_ref().unwrap_or(table);
            let (via, field) = (
                names.field(table, &hop.field.column),
                names.field(there, &p.field.column),
            );
            format!("{via}.{field}")
        }
        None => names.field(table, &p.field.column).to_string(),
    };
    match condition {
        Condition::Readable(hop) => {
            format!(
                "readable: {}",
                yaml_string(names.field(table, &hop.field.column))
            )
        }
        Condition::Owner(p) => format!("owner: {}", yaml_string(&path(p))),
        Condition::Tenant(p) => format!("tenant: {}", yaml_string(&path(p))),
        Condition::Role(roles) => format!("role: [{}]", list(roles)),
    }
}

/// A `seed:` entry: the model's rows, columns by database name.
pub(super) fn seed_yaml(
    seed: &crate::ir::SeedTable,
    system: &System,
    names: &Names,
) -> Option<String> {
    let table = system.tables.iter().find(|t| t.db_name == seed.table)?;
    let mut out = format!("  {}:\n", names.models[&table.db_name]);
    for row in &seed.rows {
        let values: Vec<String> = seed
            .columns
            .iter()
            .zip(&row.values)
            .filter_map(|(column, value)| {
                let value = match value {
                    SeedValue::Default => return None,
                    SeedValue::Null => "null".to_string(),
                    SeedValue::Literal(lit) => seed_literal(lit),
                };
                Some(format!("{}: {value}", yaml_string(column)))
            })
            .collect();
        let _ = writeln!(out, "    - {{ {} }}", values.join(", "));
    }
    Some(out)
}

fn seed_literal(lit: &Literal) -> String {
    match lit {
        Literal::String(s) | Literal::Json(s) => yaml_string(s),
        Literal::Number(n) => n.clone(),
        Literal::Bool(b) => b.to_string(),
        Literal::Array(items) => {
            let items: Vec<String> = items.iter().map(seed_literal).collect();
            format!("[{}]", items.join(", "))
        }
    }
}
