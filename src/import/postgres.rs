//! `schemagen import postgres`: a live database, read once by [`crate::catalog::read`], →
//! Prisma-style YAML, one file per Postgres schema.
//!
//! Everything is written with the database's own names (`map:` wherever a Prisma identifier
//! cannot spell one) so the YAML builds to the same objects: columns in table order with their
//! types and defaults (`dbgenerated` with Postgres' own spelling, `autoincrement()` for a
//! column filled from its own sequence), keys, unique indexes and foreign keys with their
//! actions as `@id`/`@@id`/`@@unique`/`@relation` (each relation named after its constraint,
//! with the opposite field on the referenced model), checks, indexes with method, order,
//! operator class and predicate (`@@index`, or the YAML `indexes:` key for expressions and
//! predicates), enums, comments, partitioning (`partition:`), and row level security with
//! its grants and policies as `access:` (each policy of schemagen's shape a raw `sql` rule in
//! Postgres' own spelling). What the flavour cannot say (identity and generated columns, other
//! types, exclusion constraints, policies of other shapes) is reported (E0803, E0807), or left
//! out with `--skip-unsupported`.

use super::Import;
use crate::catalog::{self, Catalog, Constraint, Name, Scope, Table};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
use crate::load::SourceMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Reads the database at `url` and imports the tables of `schemas` (every schema when empty).
pub fn import(url: &str, schemas: &[String], system: &str, skip: bool) -> Import {
    let read =
        crate::db::Db::connect(url).and_then(|mut db| catalog::read(&mut db, &Scope::default()));
    match read {
        Ok(catalog) => from_catalog(&catalog, schemas, system, skip),
        Err(e) => Import {
            diagnostics: vec![Diagnostic::global(
                Code::ImportDatabase,
                format!("cannot read the database: {e}"),
            )
            .with_help(
                "check --database-url (or DATABASE_URL): the user needs to read the catalog",
            )],
            ..Import::default()
        },
    }
}

/// The YAML for a catalog already read; every diagnostic names the database object.
pub fn from_catalog(catalog: &Catalog, schemas: &[String], system: &str, skip: bool) -> Import {
    let mut diags = Diagnostics::default();
    let wanted = |schema: &str| schemas.is_empty() || schemas.iter().any(|s| s == schema);
    let tables: Vec<(&Name, &Table)> = catalog
        .tables
        .iter()
        .filter(|(name, table)| wanted(&name.schema) && table.partition_of.is_none())
        .collect();
    let names = Names::new(catalog, &tables);
    let mut files: BTreeMap<String, File> = BTreeMap::new();
    for (name, e) in catalog.enums.iter().filter(|(n, _)| wanted(&n.schema)) {
        let file = files.entry(name.schema.clone()).or_default();
        file.enums.push(enum_yaml(name, e, &names));
    }
    let mut partitions: BTreeMap<&Name, Vec<&Name>> = BTreeMap::new();
    for (name, table) in &catalog.tables {
        if let Some((parent, _)) = &table.partition_of {
            partitions.entry(parent).or_default().push(name);
        }
    }
    let app_role = app_role(&tables);
    let mut models: BTreeMap<&Name, Model> = tables
        .iter()
        .map(|&(name, table)| {
            let mut model = Model::new(name, table, &names, app_role.as_deref(), &mut diags);
            if let Some(key) = &table.partition_key {
                let children = partitions.get(name).map_or(&[][..], Vec::as_slice);
                model.partition = model.partitioning(key, children, &mut diags);
            }
            (name, model)
        })
        .collect();
    relations(&tables, &names, &mut models, &mut diags);
    for (name, model) in models {
        let file = files.entry(name.schema.clone()).or_default();
        file.models.push(model.yaml(&names));
    }
    extensions(catalog, &mut diags);
    let mut out = Import::default();
    let settings = access_settings(&tables, app_role.as_deref());
    let texts: Vec<(String, String)> = files
        .into_iter()
        .enumerate()
        .map(|(i, (schema, file))| {
            let settings = if i == 0 { settings.as_str() } else { "" };
            (format!("{schema}.yaml"), file.yaml(&schema, settings))
        })
        .collect();
    compile_check(system, &texts, &mut out.sources, &mut diags);
    out.files = texts;
    out.diagnostics = diags.into_sorted();
    if skip {
        for d in out.diagnostics.iter_mut().filter(|d| is_loss(d.code)) {
            d.severity = Severity::Warning;
        }
    }
    out
}

/// The codes `--skip-unsupported` turns into warnings: what is left out, not what is wrong.
fn is_loss(code: Code) -> bool {
    matches!(code, Code::ImportNoYamlForm | Code::ImportAccess)
}

/// What cannot be imported, reported on the database object's path.
fn not_imported(path: &str, what: &str, help: &str, code: Code, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::global(code, format!("{path}: {what} has no schemagen YAML form"))
            .at_path(path.to_string())
            .with_help(format!(
                "{help}; or import with `--skip-unsupported` to leave it out"
            )),
    );
}

/// The YAML of one Postgres schema.
#[derive(Default)]
struct File {
    enums: Vec<String>,
    models: Vec<String>,
}

impl File {
    fn yaml(&self, schema: &str, settings: &str) -> String {
        let mut out = format!(
            "# Imported from a PostgreSQL database by `schemagen import postgres`.\nflavor: prisma\nschema: {}\n{settings}",
            yaml_string(schema)
        );
        if !self.enums.is_empty() {
            out.push_str("enums:\n");
            self.enums.iter().for_each(|e| out.push_str(e));
        }
        if !self.models.is_empty() {
            out.push_str("models:\n");
            self.models.iter().for_each(|m| out.push_str(m));
        }
        out
    }
}

/// The system's `access:` settings: the application role, and Supabase's context when the
/// policies read `auth.uid()` or `auth.jwt()` (the migration then creates stand-ins for them
/// where they are missing). Empty when the database grants no single application role.
fn access_settings(tables: &[(&Name, &Table)], app_role: Option<&str>) -> String {
    let Some(role) = app_role else {
        return String::new();
    };
    let supabase = tables
        .iter()
        .flat_map(|(_, t)| t.policies.values())
        .any(|p| {
            let reads = |sql: &Option<String>| sql.as_deref().is_some_and(|s| s.contains("auth."));
            reads(&p.using) || reads(&p.with_check)
        });
    let context = if supabase {
        "  context: supabase\n"
    } else {
        ""
    };
    format!("access:\n{context}  app_role: {}\n", yaml_string(role))
}

/// Prisma names for the database's tables, enums and columns, unique in the system.
struct Names {
    models: BTreeMap<Name, String>,
    enums: BTreeMap<String, String>,
    enum_by_spelling: BTreeMap<String, String>,
}

impl Names {
    fn new(catalog: &Catalog, tables: &[(&Name, &Table)]) -> Names {
        let mut taken = BTreeSet::new();
        let mut unique = |name: &Name| {
            let mut ident = identifier(&name.name, 'M');
            if !taken.insert(ident.clone()) {
                ident = format!("{ident}_{}", identifier(&name.schema, 'S'));
                taken.insert(ident.clone());
            }
            ident
        };
        let mut enums = BTreeMap::new();
        let mut enum_by_spelling = BTreeMap::new();
        for (name, e) in &catalog.enums {
            let ident = unique(name);
            enums.insert(name.to_string(), ident.clone());
            enum_by_spelling.insert(e.spelled.clone(), ident);
        }
        let models = tables
            .iter()
            .map(|(n, _)| ((*n).clone(), unique(n)))
            .collect();
        Names {
            models,
            enums,
            enum_by_spelling,
        }
    }
}

/// A database name as a Prisma identifier: letters, digits and `_`, starting with a letter
/// (`prefix` when it does not).
pub(crate) fn identifier(name: &str, prefix: char) -> String {
    let mut ident: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !ident.starts_with(|c: char| c.is_ascii_alphabetic()) {
        ident.insert(0, prefix);
    }
    ident
}

fn enum_yaml(name: &Name, e: &catalog::Enum, names: &Names) -> String {
    let ident = &names.enums[&name.to_string()];
    let mut out = format!("  {ident}:\n");
    if *ident != name.name {
        let _ = writeln!(out, "    map: {}", yaml_string(&name.name));
    }
    if let Some(comment) = &e.comment {
        let _ = writeln!(out, "    comment: {}", yaml_string(comment));
    }
    out.push_str("    values: |\n");
    let mut taken = BTreeSet::new();
    for label in &e.labels {
        let mut value = identifier(label, 'V');
        while !taken.insert(value.clone()) {
            value.push('_');
        }
        if value == *label {
            let _ = writeln!(out, "      {value}");
        } else {
            let _ = writeln!(out, "      {value} @map({})", prisma_string(label));
        }
    }
    out
}

/// A model being written: its field lines, block lines and YAML-only keys.
struct Model {
    table: Name,
    comment: Option<String>,
    /// Column name → field name.
    fields: BTreeMap<String, String>,
    taken: BTreeSet<String>,
    /// Column lines (with their doc comments), in table order.
    columns: Vec<String>,
    relations: Vec<String>,
    blocks: Vec<String>,
    indexes: Vec<String>,
    checks: Vec<String>,
    /// Column sets that are unique (key or unique index), for one-to-one relations.
    unique_sets: Vec<BTreeSet<String>>,
    nullable: BTreeSet<String>,
    /// Columns left out (reported): what uses them is left out too.
    left_out: BTreeSet<String>,
    /// The `partition:` key's value.
    partition: Option<String>,
    /// The `access:` key's lines.
    access: Option<String>,
}

impl Model {
    fn new(
        name: &Name,
        table: &Table,
        names: &Names,
        app_role: Option<&str>,
        diags: &mut Diagnostics,
    ) -> Model {
        let mut model = Model {
            table: name.clone(),
            comment: table.comment.clone(),
            fields: BTreeMap::new(),
            taken: BTreeSet::new(),
            columns: Vec::new(),
            relations: Vec::new(),
            blocks: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            unique_sets: Vec::new(),
            nullable: BTreeSet::new(),
            left_out: BTreeSet::new(),
            partition: None,
            access: None,
        };
        for column in &table.columns {
            let field = model.claim(&identifier(&column.name, 'f'));
            model.fields.insert(column.name.clone(), field);
            if !column.not_null {
                model.nullable.insert(column.name.clone());
            }
        }
        let primary = table.constraints.iter().find(|(_, c)| c.kind == 'p');
        let single_key = primary.and_then(|(name, c)| {
            match columns_of(&c.definition, "PRIMARY KEY").as_slice() {
                [only] => Some((only.clone(), name.clone())),
                _ => None,
            }
        });
        for column in &table.columns {
            let key = single_key
                .as_ref()
                .filter(|(col, _)| *col == column.name)
                .map(|(_, name)| name.clone());
            match model.column_line(column, key, names, diags) {
                Some(line) => model.columns.push(line),
                None => {
                    model.fields.remove(&column.name);
                    model.left_out.insert(column.name.clone());
                }
            }
        }
        model.constraints(table, single_key.is_some(), diags);
        model.indexes(table, diags);
        model.access = model.access(table, app_role, diags);
        model
    }

    /// `RANGE (created_at)` with partitions `<table>_YYYY_MM` month after month and
    /// `<table>_default`, `HASH (id)` with `<table>_p0…`, or `LIST (x)` with the default alone:
    /// the shapes the `partition:` key makes. Any other is reported.
    fn partitioning(
        &self,
        key: &str,
        children: &[&Name],
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let shape =
            partition_shape(&self.table.name, key, children).and_then(|(by, columns, rest)| {
                let fields = self.field_list(&columns, "partitioning", diags)?;
                Some(format!("{{ by: {by}, columns: [{fields}]{rest} }}"))
            });
        if shape.is_none() {
            let path = self.table.to_string();
            let what = format!(
                "the partitioning `{key}` with {} partitions",
                children.len()
            );
            let help =
                "the `partition:` key makes monthly ranges, hash partitions or a list's default \
                        partition; keep other partitions in a hand-written migration";
            not_imported(&path, &what, help, Code::ImportNoYamlForm, diags);
        }
        shape
    }

    /// A field name not yet used in the model.
    fn claim(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 1;
        while !self.taken.insert(name.clone()) {
            n += 1;
            name = format!("{wanted}{n}");
        }
        name
    }

    fn path(&self, column: &str) -> String {
        format!("{}.{column}", self.table)
    }

    /// `name Type? @id @default(...) @map(...) @db.X`, with the comment as `///` lines.
    fn column_line(
        &self,
        column: &catalog::Column,
        key: Option<String>,
        names: &Names,
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let path = self.path(&column.name);
        let refuse = |what: &str, help: &str, diags: &mut Diagnostics| {
            not_imported(&path, what, help, Code::ImportNoYamlForm, diags);
            None
        };
        if column.identity.is_some() {
            return refuse(
                "an identity column",
                "Prisma-style YAML fills ids from a sequence (`@default(autoincrement())`, serial)",
                diags,
            );
        }
        if column.generated.is_some() {
            return refuse(
                "a generated column",
                "compute it in a view or in the application",
                diags,
            );
        }
        if column.collation.is_some() {
            return refuse(
                "a column collation",
                "the column gets its type's default collation",
                diags,
            );
        }
        let (base, list) = match column.data_type.strip_suffix("[]") {
            Some(base) => (base, true),
            None => (column.data_type.as_str(), false),
        };
        if list && column.not_null {
            return refuse(
                "a NOT NULL array column",
                "Prisma makes list columns nullable; add a check `col IS NOT NULL` after the import",
                diags,
            );
        }
        let Some((ty, native)) = prisma_type(base, names) else {
            return refuse(
                &format!("the type `{}`", column.data_type),
                "Prisma-style YAML knows the types of the table in docs/flavours/prisma.md",
                diags,
            );
        };
        let field = &self.fields[&column.name];
        let mut line = String::new();
        if let Some(comment) = &column.comment {
            for l in comment.lines() {
                let _ = writeln!(line, "/// {l}");
            }
        }
        let suffix = if list {
            "[]"
        } else if column.not_null {
            ""
        } else {
            "?"
        };
        let _ = write!(line, "{field} {ty}{suffix}");
        if let Some(constraint) = key {
            if constraint == format!("{}_pkey", self.table.name) {
                line.push_str(" @id");
            } else {
                let _ = write!(line, " @id(map: {})", prisma_string(&constraint));
            }
        }
        match column.default.as_deref() {
            Some(d)
                if d.starts_with("nextval(")
                    && matches!(ty.as_str(), "Int" | "BigInt")
                    && native.is_none() =>
            {
                line.push_str(" @default(autoincrement())")
            }
            Some(d) => {
                let _ = write!(line, " @default(dbgenerated({}))", prisma_string(d));
            }
            None => {}
        }
        if *field != column.name {
            let _ = write!(line, " @map({})", prisma_string(&column.name));
        }
        if let Some(native) = native {
            let _ = write!(line, " @db.{native}");
        }
        Some(line)
    }

    /// Composite keys, uniques, foreign keys (later, in [`relations`]) and checks.
    fn constraints(&mut self, table: &Table, single_key: bool, diags: &mut Diagnostics) {
        for (name, c) in &table.constraints {
            match c.kind {
                'p' | 'u' => {
                    let (keyword, block) = match c.kind {
                        'p' => ("PRIMARY KEY", "@@id"),
                        _ => ("UNIQUE", "@@unique"),
                    };
                    if c.kind == 'u' {
                        // Kept as the unique index Prisma makes: the same rule under the same
                        // name, but `schemagen diff` and `migrate baseline` see the difference.
                        let path = format!("{}.{name}", self.table);
                        let help = "it becomes a unique index of the same name (same rule); \
                                    `migrate baseline` needs the database to have that index instead";
                        not_imported(
                            &path,
                            "a UNIQUE constraint",
                            help,
                            Code::ImportNoYamlForm,
                            diags,
                        );
                    }
                    let cols = columns_of(&c.definition, keyword);
                    self.unique_sets.push(cols.iter().cloned().collect());
                    let Some(fields) = self.field_list(&cols, name, diags) else {
                        continue;
                    };
                    if c.kind == 'u' || !single_key {
                        self.blocks
                            .push(format!("{block}([{fields}], map: {})", prisma_string(name)));
                    }
                }
                'c' if self.uses_left_out(&c.definition, name, diags) => {}
                'c' => self.checks.push(format!(
                    "      {}: {}\n",
                    yaml_string(name),
                    yaml_string(check_sql(c))
                )),
                'f' => {}
                _ => not_imported(
                    &format!("{}.{name}", self.table),
                    "an exclusion constraint",
                    "keep it in a hand-written migration (`schemagen migrate new`)",
                    Code::ImportNoYamlForm,
                    diags,
                ),
            }
        }
    }

    /// The fields of `columns`, or `None` (reported) when one was left out.
    fn field_list(
        &self,
        columns: &[String],
        object: &str,
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let mut fields = Vec::with_capacity(columns.len());
        for column in columns {
            match self.fields.get(column) {
                Some(field) => fields.push(field.as_str()),
                None => {
                    self.lost_with(object, column, diags);
                    return None;
                }
            }
        }
        Some(fields.join(", "))
    }

    /// Whether `sql` names a column that was left out (then reported).
    fn uses_left_out(&self, sql: &str, object: &str, diags: &mut Diagnostics) -> bool {
        let words = sql.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        let found = words.into_iter().find(|w| self.left_out.contains(*w));
        found
            .inspect(|column| self.lost_with(object, column, diags))
            .is_some()
    }

    fn lost_with(&self, object: &str, column: &str, diags: &mut Diagnostics) {
        let path = format!("{}.{object}", self.table);
        let what = format!("`{object}`, which uses the column `{column}` that is left out,");
        let help = "keep it in a hand-written migration with the column";
        not_imported(&path, &what, help, Code::ImportNoYamlForm, diags);
    }

    /// Indexes that back no constraint: `@@index`/`@@unique`, or YAML `indexes:` entries.
    fn indexes(&mut self, table: &Table, diags: &mut Diagnostics) {
        for (name, index) in table.indexes.iter().filter(|(_, i)| i.constraint.is_none()) {
            if self.uses_left_out(&index.definition, name, diags) {
                continue;
            }
            match parse_index(&index.definition) {
                Some(parsed) => self.index(name, parsed, diags),
                None => not_imported(
                    &format!("{}.{name}", self.table),
                    "this index (`INCLUDE`, `NULLS`, collations or storage options)",
                    "keep it in a hand-written migration (`schemagen migrate new`)",
                    Code::ImportNoYamlForm,
                    diags,
                ),
            }
        }
    }

    /// `@@index`/`@@unique` for plain columns; the YAML `indexes:` key for a predicate
    /// (`columns:`) or an expression (`expression:`, one per index, as the key takes it).
    fn index(&mut self, name: &str, index: ParsedIndex, diags: &mut Diagnostics) {
        let columns: Option<Vec<(&String, &IndexColumn)>> = index
            .parts
            .iter()
            .map(|p| match p {
                IndexPart::Column(c) => self.fields.get(&c.name).map(|f| (f, c)),
                IndexPart::Expression(_) => None,
            })
            .collect();
        if index.unique && index.predicate.is_none() {
            self.unique_sets.push(index.column_names());
        }
        let map = prisma_string(name);
        let entry = match (columns, index.parts.as_slice()) {
            (Some(columns), _) if index.predicate.is_none() => {
                let parts: Vec<String> = columns.iter().map(|(f, c)| c.prisma(f)).collect();
                let parts = parts.join(", ");
                let line = match index.method.as_str() {
                    "btree" if index.unique => format!("@@unique([{parts}], map: {map})"),
                    "btree" => format!("@@index([{parts}], map: {map})"),
                    m => format!(
                        "@@index([{parts}], type: {}, map: {map})",
                        prisma_index_type(m)
                    ),
                };
                self.blocks.push(line);
                return;
            }
            (Some(columns), _) if columns.iter().all(|(_, c)| c.opclass.is_none()) => {
                let list: Vec<String> = columns
                    .iter()
                    .map(|(f, c)| {
                        if c.desc {
                            format!("{f} desc")
                        } else {
                            f.to_string()
                        }
                    })
                    .collect();
                format!("        columns: [{}]\n", list.join(", "))
            }
            (None, [IndexPart::Expression(sql)])
                if !sql.ends_with(" DESC") && !sql.ends_with(" ASC") =>
            {
                format!("        expression: {}\n", yaml_string(sql))
            }
            _ => {
                let what = "this index (several parts with an expression, or an operator class with a predicate)";
                let help = "keep it in a hand-written migration (`schemagen migrate new`)";
                let path = format!("{}.{name}", self.table);
                not_imported(&path, what, help, Code::ImportNoYamlForm, diags);
                return;
            }
        };
        let mut yaml = format!("      - name: {}\n{entry}", yaml_string(name));
        if index.unique {
            yaml.push_str("        unique: true\n");
        }
        if index.method != "btree" {
            let _ = writeln!(yaml, "        using: {}", index.method);
        }
        if let Some(predicate) = &index.predicate {
            let _ = writeln!(yaml, "        where: {}", yaml_string(predicate));
        }
        self.indexes.push(yaml);
    }

    /// Row level security and its policies as `access:` rules. Each policy schemagen's shape
    /// (named `<table>_<command>`, permissive, for every role, one command) becomes a raw `sql`
    /// rule holding Postgres' own text of it, which renders the same policy again; `expect:`
    /// is left for the user (verify asks for it, E0724). Other policies are reported (E0807).
    fn access(
        &self,
        table: &Table,
        app_role: Option<&str>,
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let granted = app_role.is_some_and(|role| table.grants.contains_key(role));
        if !table.rls_enabled && table.policies.is_empty() {
            return granted.then(|| "    access: shared\n".to_string());
        }
        let mut rules = String::new();
        let mut unmapped = Vec::new();
        if !table.rls_forced || !granted {
            unmapped.push("row level security not forced, or no grants to the application role");
        }
        for (name, policy) in &table.policies {
            match sql_rule(&self.table.name, name, policy) {
                Some(rule) => rules.push_str(&rule),
                None => unmapped.push("a policy not of schemagen's shape"),
            }
        }
        if !unmapped.is_empty() {
            unmapped.dedup();
            not_imported(
                &self.table.to_string(),
                &unmapped.join(", "),
                "write the table's `access:` rules (docs/access.md), which render its policies and grants",
                Code::ImportAccess,
                diags,
            );
            return None;
        }
        Some(format!(
            "    # Imported policies: add `expect:` to each `sql` rule for `schemagen verify` (docs/access.md)\n    access:\n{rules}"
        ))
    }

    fn yaml(&self, names: &Names) -> String {
        let ident = &names.models[&self.table];
        let mut out = format!("  {ident}:\n");
        if *ident != self.table.name {
            let _ = writeln!(out, "    map: {}", yaml_string(&self.table.name));
        }
        if let Some(partition) = &self.partition {
            let _ = writeln!(out, "    partition: {partition}");
        }
        if let Some(comment) = &self.comment {
            let _ = writeln!(out, "    comment: {}", yaml_string(comment));
        }
        if let Some(access) = &self.access {
            out.push_str(access);
        }
        out.push_str("    fields: |\n");
        let lines = self.columns.iter().chain(&self.relations);
        for line in lines.flat_map(|l| l.lines()) {
            let _ = writeln!(out, "      {line}");
        }
        if !self.blocks.is_empty() {
            out.push('\n');
            for block in &self.blocks {
                let _ = writeln!(out, "      {block}");
            }
        }
        if !self.indexes.is_empty() {
            out.push_str("    indexes:\n");
            self.indexes.iter().for_each(|i| out.push_str(i));
        }
        if !self.checks.is_empty() {
            out.push_str("    checks:\n");
            self.checks.iter().for_each(|c| out.push_str(c));
        }
        out
    }
}

/// One policy as a `sql` rule under its command's key, when it has the shape schemagen
/// renders: `<table>_<command>`, permissive, for PUBLIC, `USING` for select and delete,
/// `WITH CHECK` for insert, the same both for update.
fn sql_rule(table: &str, name: &str, policy: &catalog::Policy) -> Option<String> {
    use crate::ir::access::Command;
    let command = Command::ALL
        .into_iter()
        .find(|c| c.sql() == policy.command)?;
    let shaped = name == crate::render::postgres::rls::policy_name(table, command)
        && policy.permissive
        && policy.roles == ["PUBLIC"];
    let sql = match (command, &policy.using, &policy.with_check) {
        (Command::Select | Command::Delete, Some(using), None) => using,
        (Command::Insert, None, Some(check)) => check,
        (Command::Update, Some(using), Some(check)) if using == check => using,
        _ => return None,
    };
    let key = match command {
        Command::Select => "read",
        other => other.name(),
    };
    shaped.then(|| format!("      {key}:\n        - sql: {}\n", yaml_string(sql)))
}

/// The role the application connects as: the one role granted every imported table's rows
/// (schemagen's `app_role`), if there is exactly one.
fn app_role(tables: &[(&Name, &Table)]) -> Option<String> {
    let mut roles = tables.iter().flat_map(|(_, t)| t.grants.keys());
    let first = roles.next()?;
    roles.all(|r| r == first).then(|| first.clone())
}

/// Each foreign key: a relation field on the referencing model, named after the constraint,
/// and its opposite on the referenced one (a list, or optional when the key is unique).
fn relations(
    tables: &[(&Name, &Table)],
    names: &Names,
    models: &mut BTreeMap<&Name, Model>,
    diags: &mut Diagnostics,
) {
    for &(name, table) in tables {
        for (fk_name, c) in table.constraints.iter().filter(|(_, c)| c.kind == 'f') {
            let path = format!("{name}.{fk_name}");
            let Some(fk) = parse_foreign_key(c) else {
                let help = "keep it in a hand-written migration (`schemagen migrate new`)";
                let what = "this foreign key (`MATCH FULL` or `DEFERRABLE`)";
                not_imported(&path, what, help, Code::ImportNoYamlForm, diags);
                continue;
            };
            let Some(target) = names.models.get(&fk.table).cloned() else {
                let help = "import the schema it references too (`--schema`)";
                let what = format!("a foreign key to {}, which is not imported,", fk.table);
                not_imported(&path, &what, help, Code::ImportNoYamlForm, diags);
                continue;
            };
            let source = &names.models[name];
            let here = &models[name];
            let optional = fk.columns.iter().any(|col| here.nullable.contains(col));
            let Some(fields) = here.field_list(&fk.columns, fk_name, diags) else {
                continue;
            };
            let one_to_one = here
                .unique_sets
                .iter()
                .any(|set| *set == fk.columns.iter().cloned().collect::<BTreeSet<_>>());
            let Some(references) = models[&fk.table].field_list(&fk.references, fk_name, diags)
            else {
                continue;
            };
            let relation = prisma_string(fk_name);
            let model = models.get_mut(name).expect("every table has a model");
            let field = model.claim(&lower_first(&target));
            model.relations.push(format!(
                "{field} {target}{} @relation({relation}, fields: [{fields}], references: [{references}], onDelete: {}, onUpdate: {}, map: {relation})",
                if optional { "?" } else { "" },
                fk.on_delete,
                fk.on_update,
            ));
            let other = models
                .get_mut(&fk.table)
                .expect("the target was found above");
            let back = other.claim(&lower_first(source));
            let shape = if one_to_one { "?" } else { "[]" };
            other
                .relations
                .push(format!("{back} {source}{shape} @relation({relation})"));
        }
    }
}

/// `by`, the partition columns and the rest of the `partition:` value, when the partitions
/// are exactly those the key would make (their bounds are then what it makes too, which the
/// comparison with the rebuilt database checks).
fn partition_shape(
    table: &str,
    key: &str,
    children: &[&Name],
) -> Option<(&'static str, Vec<String>, String)> {
    let (method, columns) = key.split_once(' ')?;
    let columns = columns_of(columns, "");
    let mut names: Vec<&str> = children.iter().map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    let default = format!("{table}_default");
    match method {
        "LIST" if names == [default.as_str()] => Some(("list", columns, String::new())),
        "HASH" => {
            let count = names.len();
            let mut expected: Vec<String> = (0..count).map(|i| format!("{table}_p{i}")).collect();
            expected.sort_unstable();
            (count > 0 && names == expected).then(|| ("hash", columns, format!(", count: {count}")))
        }
        "RANGE" => {
            let months: Vec<(i32, u32)> = names
                .iter()
                .filter(|n| **n != default)
                .map(|n| month_of(n.strip_prefix(table)?.strip_prefix('_')?))
                .collect::<Option<_>>()?;
            let has_default = names.contains(&default.as_str());
            let &(year, month) = months.first()?;
            let contiguous = months.windows(2).all(|w| {
                let next = if w[0].1 == 12 {
                    (w[0].0 + 1, 1)
                } else {
                    (w[0].0, w[0].1 + 1)
                };
                w[1] == next
            });
            (has_default && contiguous).then(|| {
                let rest = format!(
                    ", monthly: {{ from: {year:04}-{month:02}, months: {} }}",
                    months.len()
                );
                ("range", columns, rest)
            })
        }
        _ => None,
    }
}

/// `2025_01` → (2025, 1).
fn month_of(suffix: &str) -> Option<(i32, u32)> {
    let (year, month) = suffix.split_once('_')?;
    let (year, month) = (year.parse().ok()?, month.parse().ok()?);
    (suffix.len() == 7 && (1..=12).contains(&month)).then_some((year, month))
}

pub(crate) fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// `format_type` spelling → the Prisma type and its `@db.*` attribute (none for the default).
fn prisma_type(data_type: &str, names: &Names) -> Option<(String, Option<String>)> {
    let (name, args) = match data_type.split_once('(') {
        Some((name, rest)) => {
            let (args, after) = rest.split_once(')')?;
            (format!("{name}{after}"), Some(args.replace(',', ", ")))
        }
        None => (data_type.to_string(), None),
    };
    let with = |native: &str| match &args {
        Some(a) => format!("{native}({a})"),
        None => native.to_string(),
    };
    let plain = |ty: &str| Some((ty.to_string(), None));
    let native = |ty: &str, n: String| Some((ty.to_string(), Some(n)));
    match name.as_str() {
        "text" => plain("String"),
        "character varying" => native("String", with("VarChar")),
        "character" => native("String", with("Char")),
        "uuid" => native("String", "Uuid".into()),
        "citext" | "public.citext" => native("String", "Citext".into()),
        "smallint" => native("Int", "SmallInt".into()),
        "integer" => plain("Int"),
        "bigint" => plain("BigInt"),
        "real" => native("Float", "Real".into()),
        "double precision" => plain("Float"),
        "numeric" if args.as_deref() == Some("65, 30") => plain("Decimal"),
        "numeric" => native("Decimal", with("Decimal")),
        "boolean" => plain("Boolean"),
        "timestamp without time zone" if args.as_deref() == Some("3") => plain("DateTime"),
        "timestamp without time zone" => native("DateTime", with("Timestamp")),
        "timestamp with time zone" => native("DateTime", with("Timestamptz")),
        "date" => native("DateTime", "Date".into()),
        "time without time zone" => native("DateTime", with("Time")),
        "jsonb" => plain("Json"),
        "json" => native("Json", "Json".into()),
        "bytea" => plain("Bytes"),
        _ => names
            .enum_by_spelling
            .get(data_type)
            .map(|e| (e.clone(), None)),
    }
}

/// `PRIMARY KEY (a, "B")` → `[a, B]`.
fn columns_of(definition: &str, keyword: &str) -> Vec<String> {
    let rest = definition
        .strip_prefix(keyword)
        .unwrap_or(definition)
        .trim_start();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.split_once(')'))
        .map_or("", |(i, _)| i);
    split_top_level(inner).iter().map(|c| unquote(c)).collect()
}

/// `"Mixed""Case"` → `Mixed"Case`; `plain` → `plain`.
fn unquote(ident: &str) -> String {
    let ident = ident.trim();
    match ident.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => ident.to_string(),
    }
}

/// Splits at commas outside parentheses and quotes.
fn split_top_level(text: &str) -> Vec<String> {
    let (mut parts, mut current) = (Vec::new(), String::new());
    let (mut depth, mut quote) = (0usize, None::<char>);
    for c in text.chars() {
        match (c, quote) {
            (q @ ('"' | '\''), None) => quote = Some(q),
            (q, Some(open)) if q == open => quote = None,
            ('(', None) => depth += 1,
            (')', None) => depth = depth.saturating_sub(1),
            (',', None) if depth == 0 => {
                parts.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_string());
    }
    parts
}

/// `CHECK ((weight >= 0))` → `(weight >= 0)`.
fn check_sql(c: &Constraint) -> &str {
    let def = c
        .definition
        .strip_suffix(" NOT VALID")
        .unwrap_or(&c.definition);
    let inner = def
        .strip_prefix("CHECK (")
        .and_then(|d| d.strip_suffix(')'));
    inner.unwrap_or(def)
}

struct ForeignKey {
    columns: Vec<String>,
    table: Name,
    references: Vec<String>,
    on_delete: &'static str,
    on_update: &'static str,
}

/// `FOREIGN KEY (a) REFERENCES public."T"(id) ON UPDATE CASCADE ON DELETE SET NULL`; `None`
/// for what Prisma cannot say (`MATCH FULL`, `DEFERRABLE`).
fn parse_foreign_key(c: &Constraint) -> Option<ForeignKey> {
    let def = c.definition.as_str();
    if def.contains(" MATCH ") || def.contains("DEFERRABLE") && !def.contains("NOT DEFERRABLE") {
        return None;
    }
    let columns = columns_of(def, "FOREIGN KEY");
    let target = def.split_once(" REFERENCES ")?.1;
    let open = target.find('(')?;
    let table = qualified(&target[..open])?;
    let references = columns_of(&target[open..], "");
    let action = |on: &str| -> &'static str {
        let Some(rest) = def.split_once(on).map(|(_, r)| r) else {
            return "NoAction";
        };
        match rest {
            r if r.starts_with("CASCADE") => "Cascade",
            r if r.starts_with("SET NULL") => "SetNull",
            r if r.starts_with("SET DEFAULT") => "SetDefault",
            r if r.starts_with("RESTRICT") => "Restrict",
            _ => "NoAction",
        }
    };
    Some(ForeignKey {
        columns,
        table,
        references,
        on_delete: action(" ON DELETE "),
        on_update: action(" ON UPDATE "),
    })
}

/// `public."T"` → its name.
fn qualified(text: &str) -> Option<Name> {
    let parts = split_dotted(text.trim());
    match parts.as_slice() {
        [schema, name] => Some(Name::new(unquote(schema), unquote(name))),
        _ => None,
    }
}

fn split_dotted(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

struct ParsedIndex {
    unique: bool,
    method: String,
    parts: Vec<IndexPart>,
    predicate: Option<String>,
}

impl ParsedIndex {
    fn column_names(&self) -> BTreeSet<String> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                IndexPart::Column(c) => Some(c.name.clone()),
                IndexPart::Expression(_) => None,
            })
            .collect()
    }
}

enum IndexPart {
    Column(IndexColumn),
    Expression(String),
}

struct IndexColumn {
    name: String,
    desc: bool,
    opclass: Option<String>,
}

impl IndexColumn {
    /// `field`, `field(sort: Desc)`, `field(ops: raw("gin_trgm_ops"))`.
    fn prisma(&self, field: &str) -> String {
        let mut args = Vec::new();
        if self.desc {
            args.push("sort: Desc".to_string());
        }
        if let Some(op) = &self.opclass {
            args.push(format!("ops: raw({})", prisma_string(op)));
        }
        if args.is_empty() {
            field.to_string()
        } else {
            format!("{field}({})", args.join(", "))
        }
    }
}

/// `CREATE [UNIQUE] INDEX n ON s.t USING gin (a, lower(b) DESC) WHERE (…)`; `None` for what
/// neither `@@index` nor `indexes:` can say.
fn parse_index(definition: &str) -> Option<ParsedIndex> {
    let unique = definition.starts_with("CREATE UNIQUE INDEX");
    let using = &definition[definition.find(" USING ")? + " USING ".len()..];
    let (method, rest) = using.split_once(' ')?;
    let rest = rest.strip_prefix('(')?;
    let close = closing_paren(rest)?;
    let list = &rest[..close];
    let after = rest[close + 1..].trim();
    let predicate = match after {
        "" => None,
        a => Some(a.strip_prefix("WHERE ")?.to_string()),
    };
    let parts = split_top_level(list)
        .iter()
        .map(|p| index_part(p))
        .collect::<Option<_>>()?;
    Some(ParsedIndex {
        unique,
        method: method.to_string(),
        parts,
        predicate,
    })
}

/// The byte offset of the `)` that closes an already opened `(`.
fn closing_paren(text: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (i, c) in text.char_indices() {
        match (c, quote) {
            (q @ ('"' | '\''), None) => quote = Some(q),
            (q, Some(open)) if q == open => quote = None,
            ('(', None) => depth += 1,
            (')', None) if depth == 0 => return Some(i),
            (')', None) => depth -= 1,
            _ => {}
        }
    }
    None
}

/// One element of an index list: a column with its options, or an expression. `None` for
/// options neither form carries (`NULLS FIRST/LAST`, `COLLATE`).
fn index_part(text: &str) -> Option<IndexPart> {
    if text.contains(" NULLS ") || text.contains(" COLLATE ") {
        return None;
    }
    let words = split_words(text);
    let is_ident =
        |w: &str| w.starts_with('"') || w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match words.as_slice() {
        [name, rest @ ..] if is_ident(name) && rest.len() <= 2 => {
            let mut column = IndexColumn {
                name: unquote(name),
                desc: false,
                opclass: None,
            };
            for word in rest {
                match *word {
                    "DESC" => column.desc = true,
                    "ASC" => {}
                    op if is_ident(op) || op.contains('.') => column.opclass = Some(op.to_string()),
                    _ => return Some(IndexPart::Expression(text.to_string())),
                }
            }
            Some(IndexPart::Column(column))
        }
        _ => Some(IndexPart::Expression(text.to_string())),
    }
}

/// Words separated by spaces, a quoted identifier being one word.
fn split_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut quoted) = (None, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => {
                quoted = !quoted;
                start.get_or_insert(i);
            }
            ' ' if !quoted => {
                if let Some(s) = start.take() {
                    words.push(&text[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

fn prisma_index_type(method: &str) -> &str {
    match method {
        "hash" => "Hash",
        "gin" => "Gin",
        "gist" => "Gist",
        "spgist" => "SpGist",
        "brin" => "Brin",
        _ => "BTree",
    }
}

/// Extensions the YAML cannot ask for (citext comes with its columns).
fn extensions(catalog: &Catalog, diags: &mut Diagnostics) {
    for name in catalog
        .extensions
        .keys()
        .filter(|e| *e != "citext" && *e != "plpgsql")
    {
        let help =
            "create it before the first migration; schemagen creates only citext, for its columns";
        not_imported(
            &format!("extension {name}"),
            "the extension",
            help,
            Code::ImportNoYamlForm,
            diags,
        );
    }
}

/// A Prisma string literal.
pub(crate) fn prisma_string(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
pub(crate) fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// Compiles the YAML with the Prisma flavour and validation; their diagnostics point into
/// the YAML, which joins `sources`.
fn compile_check(
    system: &str,
    texts: &[(String, String)],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) {
    crate::convert::compile(system, texts, sources, diags);
}

#[cfg(test)]
mod tests;
