//! The IR → Firestore-style YAML. Firestore-style derives almost every database name itself
//! (`id` keys named `<table>_pkey`, snake_case columns, `<table>_<column>_fkey`, enum types
//! `<table>_<column>`, join tables of arrays of references, subcollection tables and their
//! `<parent>_id` keys), so the writer recognises, table by table, the shape that flavour
//! would build and says it with the flavour's escape hatches (`table:`, `column:`, index
//! `name:`, `scope: group`). A table of another shape is refused with what would be lost
//! (E0812–E0816); the comparison with the original IR (E0810) judges the rest.

use super::plain as key_yaml;
use super::prisma::{access_yaml, header, seed_yaml, unique, Names};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::firestore::names::{camel, fit, join_columns, singular, snake};
use crate::import::postgres::yaml_string;
use crate::ir::{
    Column, DefaultValue, ForeignKey, Index, IndexMethod, IndexPart, Literal, QualifiedName,
    ReferentialAction, ScalarType, SortOrder, System, Table,
};
use crate::load::SourceMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// What Firestore-style makes of one table.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    /// A collection: top level, or a subcollection of the table at `parent` keyed by `column`.
    Collection {
        key: String,
        parent: Option<(usize, String)>,
    },
    /// The join table of the array-of-references field `field` of the table at `owner`.
    Join { owner: usize, field: String },
}

/// The YAML files of `system`, named after the files its tables came from.
pub fn write(
    system: &System,
    sources: &SourceMap,
    dir: &Path,
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    let roles = roles(system);
    let names = names(system, &roles);
    let mut children = vec![Vec::new(); roles.len()];
    for (j, role) in roles.iter().enumerate() {
        match role {
            Role::Collection {
                parent: Some((p, _)),
                ..
            } => children[*p].push(j),
            Role::Join { owner, .. } => children[*owner].push(j),
            Role::Collection { parent: None, .. } => {}
        }
    }
    let mut enum_users = BTreeMap::new();
    for column in system.tables.iter().flat_map(|t| &t.columns) {
        if let ScalarType::Enum { name } = &column.ty.scalar {
            *enum_users.entry(&**name).or_insert(0) += 1;
        }
    }
    let writer = Writer {
        system,
        roles: &roles,
        names: &names,
        position: positions(system),
        children,
        enum_users,
        enums: system.enums.iter().map(|e| (&e.db_name, e)).collect(),
    };
    let mut files: BTreeMap<(u32, String), String> = BTreeMap::new();
    let mut last_file = 0;
    for (i, table) in system.tables.iter().enumerate() {
        if !matches!(&roles[i], Role::Collection { parent: None, .. }) {
            continue;
        }
        last_file = last_file.max(table.span.file);
        let text = writer.collection(i, diags);
        let file = (last_file, table.db_name.schema.clone());
        files.entry(file).or_default().push_str(&text);
    }
    let mut seeds: BTreeMap<(u32, String), String> = BTreeMap::new();
    for seed in &system.seed {
        if let Some(text) = seed_yaml(seed, system, &names) {
            let schema = seed.table.schema.clone();
            let file = files
                .keys()
                .find(|(f, s)| *f >= seed.span.file && *s == schema)
                .or_else(|| files.keys().last())
                .cloned()
                .unwrap_or((0, schema));
            seeds.entry(file).or_default().push_str(&text);
        }
    }
    let first = files.keys().next().cloned();
    let top = system
        .access
        .settings
        .as_ref()
        .and_then(|s| files.keys().find(|(f, _)| *f == s.span.file).cloned())
        .or(first);
    let mut out = Vec::new();
    let mut schemas_of: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for (file, schema) in files.keys() {
        schemas_of.entry(*file).or_default().insert(schema.clone());
    }
    for (key, collections) in &files {
        let mut text = String::from("flavor: firestore\n");
        if key.1 != "public" {
            let _ = writeln!(text, "schema: {}", yaml_string(&key.1));
        }
        if Some(key) == top.as_ref() {
            text.push_str(&header(system));
        }
        text.push_str("collections:\n");
        text.push_str(collections);
        if let Some(seed) = seeds.get(key) {
            text.push_str("seed:\n");
            text.push_str(seed);
        }
        let several = schemas_of[&key.0].len() > 1 && key.1 != "public";
        out.push((file_name(system, sources, dir, key, several), text));
    }
    out
}

/// The file a table came from, relative to `dir`; `<stem>.<schema>.yaml` for the tables
/// of a second Postgres schema (Firestore-style sets the schema per file).
fn file_name(
    system: &System,
    sources: &SourceMap,
    dir: &Path,
    (id, schema): &(u32, String),
    several: bool,
) -> String {
    let name = super::source_file(system, sources, dir, *id);
    if !several {
        return name;
    }
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(&name);
    format!("{stem}.{schema}.yaml")
}

/// Each table's role: join tables first (they are recognised by their exact shape), then
/// subcollections (a `<parent>_id` second column cascading to a collection), then the rest.
fn roles(system: &System) -> Vec<Role> {
    let position = positions(system);
    let mut roles: Vec<Option<Role>> = vec![None; system.tables.len()];
    for (i, table) in system.tables.iter().enumerate() {
        roles[i] =
            join_of(table, system, &position).map(|(owner, field)| Role::Join { owner, field });
    }
    let mut top_keys = BTreeSet::new();
    for (i, table) in system.tables.iter().enumerate() {
        if roles[i].is_some() {
            continue;
        }
        let parent = subcollection_of(table, system, &position)
            .filter(|(p, _)| *p < i && !matches!(roles[*p], Some(Role::Join { .. })));
        let key = match &parent {
            Some((p, _)) => sub_key(table, &system.tables[*p]),
            None => unique(&top_key(table), &mut top_keys),
        };
        roles[i] = Some(Role::Collection { key, parent });
    }
    roles
        .into_iter()
        .map(|r| r.expect("every table has a role"))
        .collect()
}

fn positions(system: &System) -> BTreeMap<&QualifiedName, usize> {
    system
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.db_name, i))
        .collect()
}

/// A top-level collection's key: the logical name when it is one, else the table's name
/// in camelCase.
fn top_key(table: &Table) -> String {
    if is_key(&table.name) {
        table.name.clone()
    } else {
        camel(&table.db_name.name)
    }
}

/// A subcollection's key: the last segment of its logical path, else its table's name
/// less the parent's prefix (`conversation_messages` → `messages`), in camelCase.
fn sub_key(table: &Table, parent: &Table) -> String {
    if let Some((_, last)) = table.name.rsplit_once('/').filter(|(_, l)| is_key(l)) {
        return last.to_string();
    }
    let prefix = format!("{}_", singular(&parent.db_name.name));
    let name = &table.db_name.name;
    camel(name.strip_prefix(&prefix).unwrap_or(name))
}

/// A name Firestore-style reads as a collection or field key as written.
fn is_key(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The owner and field of a join table Firestore-style would build for
/// `field: array<reference(target)>` on the owner: every name, type and action as it makes them.
fn join_of(
    table: &Table,
    system: &System,
    position: &BTreeMap<&QualifiedName, usize>,
) -> Option<(usize, String)> {
    let [owner_fk, target_fk] = table.foreign_keys.as_slice() else {
        return None;
    };
    let &o = position.get(&owner_fk.referenced_table)?;
    let owner = &system.tables[o];
    let suffix = table
        .db_name
        .name
        .strip_prefix(&format!("{}_", owner.db_name.name))?;
    let target = &system.tables[*position.get(&target_fk.referenced_table)?];
    let (owner_column, target_column) =
        join_columns(&owner.db_name.name, &target.db_name.name, suffix);
    let (owner_id, target_id) = (document_id(owner)?, document_id(target)?);
    let name = &table.db_name.name;
    let plain = |c: &Column, db: &str, ty: &crate::ir::ColumnType| {
        c.db_name == db && !c.nullable && c.default.is_none() && c.comment.is_none() && c.ty == *ty
    };
    let target_ty = crate::ir::ColumnType::scalar(key_scalar(&target_id.ty.scalar));
    let shape = table.db_name.schema == owner.db_name.schema
        && matches!(table.columns.as_slice(), [a, b] if plain(a, &owner_column, &owner_id.ty) && plain(b, &target_column, &target_ty))
        && table.primary_key.as_ref().is_some_and(|k| {
            k.db_name == fit(format!("{name}_pkey"))
                && k.columns == [owner_column.clone(), target_column.clone()]
        })
        && is_fk(owner_fk, name, &owner_column, &owner.db_name)
        && owner_fk.on_delete == ReferentialAction::Cascade
        && is_fk(target_fk, name, &target_column, &target.db_name)
        && target_fk.on_delete != ReferentialAction::SetDefault
        && matches!(table.indexes.as_slice(), [i] if i.db_name == fit(format!("{name}_{target_column}_idx")) && is_plain(i, &[(&target_column, SortOrder::Asc)]))
        && table.checks.is_empty()
        && table.partition.is_none()
        && system.access.table(&table.db_name).is_none();
    if !shape {
        return None;
    }
    let field = table
        .name
        .strip_prefix(&format!("{}.", owner.name))
        .filter(|f| is_key(f))
        .map_or_else(|| camel(suffix), str::to_string);
    Some((o, field))
}

/// The parent and key column of a table Firestore-style would build as a subcollection:
/// `<parent in the singular>_id` second, cascading to the parent's `id`, and indexed.
fn subcollection_of(
    table: &Table,
    system: &System,
    position: &BTreeMap<&QualifiedName, usize>,
) -> Option<(usize, String)> {
    let column = table.columns.get(1)?;
    let fk = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == [column.db_name.clone()])?;
    let &p = position.get(&fk.referenced_table)?;
    let parent = &system.tables[p];
    let parent_id = document_id(parent)?;
    let key = format!("{}_id", singular(&parent.db_name.name));
    let indexed = table.indexes.iter().any(|i| {
        i.method == IndexMethod::Btree
            && matches!(i.parts.first(), Some(IndexPart::Column { name, .. }) if *name == key)
    });
    let shape = column.db_name == key
        && column.name == camel(&key)
        && column.ty == parent_id.ty
        && !column.nullable
        && column.default.is_none()
        && column.comment.is_none()
        && is_fk(fk, &table.db_name.name, &key, &parent.db_name)
        && fk.on_delete == ReferentialAction::Cascade
        && parent.db_name.schema == table.db_name.schema
        && parent.span.file == table.span.file
        && indexed;
    shape.then_some((p, key))
}

/// `fk` is the one Firestore-style makes for `column` of `table`: named
/// `<table>_<column>_fkey`, to `target`'s `id`, no `ON UPDATE` action.
fn is_fk(fk: &ForeignKey, table: &str, column: &str, target: &QualifiedName) -> bool {
    fk.db_name == fit(format!("{table}_{column}_fkey"))
        && fk.columns == [column]
        && fk.referenced_table == *target
        && fk.referenced_columns == ["id"]
        && fk.on_update == ReferentialAction::NoAction
}

/// The table's `id` column when it is a Firestore document id: first, the key alone,
/// `text`, or `uuid` filled by `gen_random_uuid()`.
fn document_id(table: &Table) -> Option<&Column> {
    let id = table.columns.first().filter(|c| c.db_name == "id")?;
    let key = table.primary_key.as_ref()?;
    let default = match id.ty.scalar {
        ScalarType::Text if !id.ty.array => None,
        ScalarType::Uuid if !id.ty.array => Some(DefaultValue::GenRandomUuid),
        _ => return None,
    };
    let ok = key.columns == ["id"]
        && key.db_name == fit(format!("{}_pkey", table.db_name.name))
        && !id.nullable
        && match (&id.default, &default) {
            (Some(a), Some(b)) => a.same_in_database(b),
            (a, b) => a == b,
        }
        && id.comment.is_none()
        && id.name == "id";
    ok.then_some(id)
}

/// A serial key is referenced by a plain integer, as the flavour resolves it.
fn key_scalar(scalar: &ScalarType) -> ScalarType {
    match scalar {
        ScalarType::Serial { big: false } | ScalarType::Identity { big: false } => {
            ScalarType::Integer
        }
        ScalarType::Serial { big: true } | ScalarType::Identity { big: true } => ScalarType::BigInt,
        other => other.clone(),
    }
}

/// `index` is a plain btree over exactly `columns` (no predicate, expression, operator class).
fn is_plain(index: &Index, columns: &[(&String, SortOrder)]) -> bool {
    index.method == IndexMethod::Btree
        && !index.unique
        && index.predicate.is_none()
        && !index.concurrently
        && index.parts.len() == columns.len()
        && index.parts.iter().zip(columns).all(|(p, (c, o))| {
            matches!(p, IndexPart::Column { name, order, opclass: None } if name == *c && order == o)
        })
}

/// Logical names after the flavour lowers the YAML: collection paths, join tables as
/// `<owner path>.<field>`, fields by their key. Access rules and seeds are written with them.
fn names(system: &System, roles: &[Role]) -> Names {
    let mut models: Vec<String> = vec![String::new(); roles.len()];
    for (i, role) in roles.iter().enumerate() {
        if let Role::Collection { key, parent } = role {
            models[i] = match parent {
                Some((p, _)) => format!("{}/{key}", models[*p]),
                None => key.clone(),
            };
        }
    }
    for (i, role) in roles.iter().enumerate() {
        if let Role::Join { owner, field } = role {
            models[i] = format!("{}.{field}", models[*owner]);
        }
    }
    let fields = system
        .tables
        .iter()
        .zip(roles)
        .map(|(t, role)| {
            let parent = match role {
                Role::Collection { parent, .. } => parent.as_ref().map(|(_, c)| c.as_str()),
                Role::Join { .. } => None,
            };
            let fields = t
                .columns
                .iter()
                .map(|c| (c.db_name.clone(), field_key(c, parent)))
                .collect();
            (t.db_name.clone(), fields)
        })
        .collect();
    Names {
        models: system
            .tables
            .iter()
            .map(|t| t.db_name.clone())
            .zip(models)
            .collect(),
        enums: BTreeMap::new(),
        fields,
    }
}

/// A column's field key: its logical name when Firestore-style reads it as one.
fn field_key(column: &Column, parent: Option<&str>) -> String {
    if column.db_name == "id" || Some(column.db_name.as_str()) == parent {
        return camel(&column.db_name);
    }
    if is_key(&column.name) && column.name != "id" {
        column.name.clone()
    } else {
        camel(&column.db_name)
    }
}

struct Writer<'a> {
    system: &'a System,
    roles: &'a [Role],
    names: &'a Names,
    /// Table positions by name, each table's subcollections and join tables, and how many
    /// columns use each enum: built once, so writing stays linear.
    position: BTreeMap<&'a QualifiedName, usize>,
    children: Vec<Vec<usize>>,
    enum_users: BTreeMap<&'a QualifiedName, usize>,
    enums: BTreeMap<&'a QualifiedName, &'a crate::ir::Enum>,
}

/// What Firestore-style cannot say of a table, reported on the element's path.
fn refuse(code: Code, path: String, what: &str) -> Diagnostic {
    Diagnostic::global(code, format!("{path}: {what} has no Firestore-style form"))
        .at_path(path)
        .with_help(
            "keep the system in its flavour, or convert it to Prisma-style, which says every table",
        )
}

impl Writer<'_> {
    fn table(&self, i: usize) -> &Table {
        &self.system.tables[i]
    }

    fn model(&self, i: usize) -> &str {
        &self.names.models[&self.table(i).db_name]
    }

    fn field(&self, i: usize, column: &str) -> String {
        let table = &self.table(i).db_name;
        self.names.fields[table][column].clone()
    }

    /// A collection and, nested, its subcollections, at two spaces per level.
    fn collection(&self, i: usize, diags: &mut Diagnostics) -> String {
        let table = self.table(i);
        let Role::Collection { key, parent } = &self.roles[i] else {
            return String::new();
        };
        let parent_column = parent.as_ref().map(|(_, c)| c.as_str());
        let mut out = format!("  {}:\n", key_yaml(key));
        let id = document_id(table);
        if id.is_none() {
            let what = format!(
                "the primary key {} (a document id is `id` alone, first, `text`, or `uuid` filled by `gen_random_uuid()`, named `<table>_pkey`)",
                key_of(table)
            );
            diags.push(refuse(
                Code::ConvertFirestoreKey,
                table.db_name.name.clone(),
                &what,
            ));
        }
        let derived = match parent {
            Some((p, _)) => format!("{}_{}", singular(&self.table(*p).db_name.name), snake(key)),
            None => snake(key),
        };
        if table.db_name.name != derived {
            let _ = writeln!(out, "    table: {}", yaml_string(&table.db_name.name));
        }
        if id.is_some_and(|id| id.ty.scalar == ScalarType::Uuid) {
            out.push_str("    id: uuid\n");
        }
        if let Some(comment) = &table.comment {
            let _ = writeln!(out, "    comment: {}", yaml_string(comment));
        }
        self.constraints(table, diags);
        if let Some(access) = self.system.access.table(&table.db_name) {
            out.push_str(&access_yaml(access, &table.db_name, self.names));
        }
        let fields = self.fields(i, parent_column, diags);
        if !fields.is_empty() {
            out.push_str("    fields:\n");
            out.push_str(&fields);
        }
        let indexes = self.indexes(i, parent_column, diags);
        if !indexes.is_empty() {
            out.push_str("    indexes:\n");
            out.push_str(&indexes);
        }
        let subs: Vec<usize> = self.children[i]
            .iter()
            .copied()
            .filter(|&j| matches!(self.roles[j], Role::Collection { .. }))
            .collect();
        if !subs.is_empty() {
            out.push_str("    subcollections:\n");
            for j in subs {
                out.push_str(&indent(&self.collection(j, diags), 4));
            }
        }
        out
    }

    /// Checks, partitioning and foreign keys no field makes.
    fn constraints(&self, table: &Table, diags: &mut Diagnostics) {
        let name = &table.db_name.name;
        for check in &table.checks {
            let what = format!("the CHECK `{}`", check.expression);
            diags.push(refuse(
                Code::ConvertFirestoreConstraint,
                format!("{name}.{}", check.db_name),
                &what,
            ));
        }
        if table.partition.is_some() {
            diags.push(refuse(
                Code::ConvertFirestoreConstraint,
                name.clone(),
                "partitioning",
            ));
        }
        for fk in &table.foreign_keys {
            if fk.columns.len() != 1 || table.column(&fk.columns[0]).is_none() {
                let what = format!(
                    "the foreign key `{}` over {} columns",
                    fk.db_name,
                    fk.columns.len()
                );
                diags.push(refuse(
                    Code::ConvertFirestoreConstraint,
                    format!("{name}.{}", fk.db_name),
                    &what,
                ));
            }
        }
    }

    /// Every column but the id and the parent key, as fields in column order, then the
    /// arrays of references kept in join tables.
    fn fields(&self, i: usize, parent_column: Option<&str>, diags: &mut Diagnostics) -> String {
        let table = self.table(i);
        let mut out = String::new();
        for (n, column) in table.columns.iter().enumerate() {
            if n == 0 && column.db_name == "id" || Some(column.db_name.as_str()) == parent_column {
                continue;
            }
            if let Some(line) = self.column_field(i, column, diags) {
                out.push_str(&line);
            }
        }
        for &j in &self.children[i] {
            if let Role::Join { field, .. } = &self.roles[j] {
                out.push_str(&self.join_field(i, j, field));
            }
        }
        out
    }

    fn join_field(&self, owner: usize, join: usize, field: &str) -> String {
        let table = self.table(join);
        let target_fk = &table.foreign_keys[1];
        let target = self.position(&target_fk.referenced_table);
        let suffix = &table.db_name.name[self.table(owner).db_name.name.len() + 1..];
        let mut parts = vec![format!(
            "type: {}",
            key_yaml(&format!("array<reference({})>", self.model(target)))
        )];
        if snake(field) != suffix {
            parts.push(format!("column: {}", yaml_string(suffix)));
        }
        if target_fk.on_delete != ReferentialAction::Cascade {
            parts.push(format!("onDelete: {}", on_delete(target_fk.on_delete)));
        }
        if let Some(comment) = &table.comment {
            parts.push(format!("comment: {}", yaml_string(comment)));
        }
        format!("      {}: {{ {} }}\n", key_yaml(field), parts.join(", "))
    }

    fn position(&self, name: &QualifiedName) -> usize {
        self.position[name]
    }

    /// One column as a field, or `None` with the reason reported.
    fn column_field(&self, i: usize, column: &Column, diags: &mut Diagnostics) -> Option<String> {
        let table = self.table(i);
        let path = format!("{}.{}", table.db_name.name, column.db_name);
        let key = self.field(i, &column.db_name);
        let fk = table
            .foreign_keys
            .iter()
            .find(|fk| fk.columns == [column.db_name.clone()]);
        let mut parts = Vec::new();
        let ty = match fk {
            Some(fk) => self.reference(table, column, fk, &path, diags)?,
            None => self.field_type(table, column, &path, diags)?,
        };
        let optional = if column.nullable { "?" } else { "" };
        parts.push(format!("type: {}", key_yaml(&format!("{ty}{optional}"))));
        if let ScalarType::Enum { name } = &column.ty.scalar {
            let values = self.enum_values(table, column, name, &path, diags)?;
            let values: Vec<String> = values.iter().map(|v| key_yaml(v)).collect();
            parts.push(format!("enum: [{}]", values.join(", ")));
        }
        if snake(&key) != column.db_name {
            parts.push(format!("column: {}", yaml_string(&column.db_name)));
        }
        if let Some(default) = &column.default {
            match default_yaml(default, column) {
                Some(value) => parts.push(format!("default: {value}")),
                None => {
                    let what = format!("the default `{}`", describe_default(default));
                    diags.push(refuse(Code::ConvertFirestoreColumn, path, &what));
                    return None;
                }
            }
        }
        if let Some(fk) = fk {
            let default = if column.nullable {
                ReferentialAction::SetNull
            } else {
                ReferentialAction::Restrict
            };
            if fk.on_delete != default {
                parts.push(format!("onDelete: {}", on_delete(fk.on_delete)));
            }
        }
        if let Some(comment) = &column.comment {
            parts.push(format!("comment: {}", yaml_string(comment)));
        }
        Some(match parts.as_slice() {
            [ty] => format!("      {}: {}\n", key_yaml(&key), &ty["type: ".len()..]),
            _ => format!("      {}: {{ {} }}\n", key_yaml(&key), parts.join(", ")),
        })
    }

    /// `reference(path)` for a foreign key Firestore-style makes from a field.
    fn reference(
        &self,
        table: &Table,
        column: &Column,
        fk: &ForeignKey,
        path: &str,
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let target = self.position(&fk.referenced_table);
        let target_id = matches!(self.roles[target], Role::Collection { .. })
            .then(|| document_id(self.table(target)))
            .flatten();
        let ok = target_id.is_some_and(|id| {
            column.ty == crate::ir::ColumnType::scalar(key_scalar(&id.ty.scalar))
        }) && is_fk(
            fk,
            &table.db_name.name,
            &column.db_name,
            &fk.referenced_table,
        ) && fk.on_delete != ReferentialAction::SetDefault
            && column.default.is_none();
        if !ok {
            let what = format!(
                "the foreign key `{}` (a reference is one column of the referenced document id's type, named `<table>_<column>_fkey`, without ON UPDATE, SET DEFAULT or a default)",
                fk.db_name
            );
            diags.push(refuse(
                Code::ConvertFirestoreConstraint,
                path.to_string(),
                &what,
            ));
            return None;
        }
        Some(format!("reference({})", self.model(target)))
    }

    /// The Firestore type of a column that is no reference.
    fn field_type(
        &self,
        table: &Table,
        column: &Column,
        path: &str,
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let gin = table.indexes.iter().any(|i| {
            i.method == IndexMethod::Gin
                && matches!(i.parts.as_slice(), [IndexPart::Column { name, .. }] if *name == column.db_name)
        });
        let scalar = match &column.ty.scalar {
            ScalarType::Text => "string",
            ScalarType::Double => "number",
            ScalarType::BigInt => "integer",
            ScalarType::Boolean => "boolean",
            ScalarType::Timestamptz { precision: None } => "timestamp",
            ScalarType::GeoPoint => "geopoint",
            ScalarType::Bytea => "bytes",
            ScalarType::Enum { .. } => "string",
            ScalarType::Jsonb if !column.ty.array => {
                return Some(if gin { "array<map>" } else { "map" }.into())
            }
            other => {
                let what = format!("the type {}", type_name(other, column.ty.array));
                diags.push(refuse(
                    Code::ConvertFirestoreColumn,
                    path.to_string(),
                    &what,
                ));
                return None;
            }
        };
        Some(if column.ty.array {
            format!("array<{scalar}>")
        } else {
            scalar.to_string()
        })
    }

    /// The values of the column's own enum `<table>_<column>`.
    fn enum_values(
        &self,
        table: &Table,
        column: &Column,
        name: &QualifiedName,
        path: &str,
        diags: &mut Diagnostics,
    ) -> Option<Vec<String>> {
        let own = QualifiedName::new(
            table.db_name.schema.clone(),
            format!("{}_{}", table.db_name.name, column.db_name),
        );
        let e = self.enums.get(name)?;
        let ok = *name == own
            && self.enum_users.get(name) == Some(&1)
            && e.comment.is_none()
            && e.values.iter().all(|v| v.name == v.db_name);
        if !ok {
            let what = format!(
                "the enum `{}` (Firestore-style makes one per column, named `{}`, its values as written, without comment)",
                name.name, own.name
            );
            diags.push(refuse(Code::ConvertFirestoreEnum, path.to_string(), &what));
            return None;
        }
        Some(e.values.iter().map(|v| v.db_name.clone()).collect())
    }

    /// Every index as an entry naming it, in order: ordered fields as one btree (in a
    /// subcollection `scope: group`, so the parent key is not put first again), an
    /// `array-contains` field as GIN, a geopoint as GiST.
    fn indexes(&self, i: usize, parent: Option<&str>, diags: &mut Diagnostics) -> String {
        let table = self.table(i);
        let mut out = String::new();
        for (n, index) in table.indexes.iter().enumerate() {
            if parent.is_some_and(|p| is_implied_parent_index(table, n, p)) {
                continue;
            }
            match self.index_entry(i, index, parent) {
                Some(entry) => {
                    let _ = writeln!(out, "      - {entry}");
                }
                None => {
                    let what = format!(
                        "the index `{}` ({}: Firestore-style makes btree indexes of fields, GIN on an array, GiST on a geopoint)",
                        index.db_name,
                        index_problem(index)
                    );
                    let path = format!("{}.{}", table.db_name.name, index.db_name);
                    diags.push(refuse(Code::ConvertFirestoreIndex, path, &what));
                }
            }
        }
        out
    }

    fn index_entry(&self, i: usize, index: &Index, parent: Option<&str>) -> Option<String> {
        let table = self.table(i);
        if index.predicate.is_some() || index.concurrently {
            return None;
        }
        let parts: Vec<(&Column, SortOrder)> = index
            .parts
            .iter()
            .map(|p| match p {
                IndexPart::Column {
                    name,
                    order,
                    opclass: None,
                } => table.column(name).map(|c| (c, *order)),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let field = |c: &Column| self.field(i, &c.db_name);
        let fields: Vec<String> = match (index.method, parts.as_slice()) {
            (IndexMethod::Btree, _) => {
                let sortable = parts.iter().all(|(c, _)| {
                    c.ty.scalar != ScalarType::GeoPoint
                        && !(c.ty.scalar == ScalarType::Jsonb && self.is_array_map(table, c))
                });
                if !sortable {
                    return None;
                }
                parts
                    .iter()
                    .map(|(c, o)| match o {
                        SortOrder::Asc => field(c),
                        SortOrder::Desc => format!("{} desc", field(c)),
                    })
                    .collect()
            }
            (IndexMethod::Gin, [(c, SortOrder::Asc)])
                if !index.unique
                    && (c.ty.array && c.ty.scalar != ScalarType::GeoPoint
                        || c.ty.scalar == ScalarType::Jsonb) =>
            {
                vec![format!("{} array-contains", field(c))]
            }
            (IndexMethod::Gist, [(c, SortOrder::Asc)])
                if !index.unique && c.ty == crate::ir::ColumnType::scalar(ScalarType::GeoPoint) =>
            {
                vec![format!("{} geo", field(c))]
            }
            _ => return None,
        };
        let columns: Vec<&str> = parts.iter().map(|(c, _)| c.db_name.as_str()).collect();
        let mut fields: Vec<String> = fields.iter().map(|f| key_yaml(f)).collect();
        let btree = index.method == IndexMethod::Btree;
        // In a subcollection, an index led by the parent key is written collection-scoped
        // (the flavour puts the key first again); any other ordered index is `group`-scoped.
        let mut group = false;
        if let (Some(parent), true) = (parent, btree) {
            match parts.first() {
                Some((c, SortOrder::Asc)) if c.db_name == parent && parts.len() > 1 => {
                    fields.remove(0);
                }
                _ => group = true,
            }
        }
        let named = index.db_name != generated_name(&table.db_name.name, index, &columns);
        if !named && !index.unique && !group {
            return Some(format!("[{}]", fields.join(", ")));
        }
        let mut entry = format!("{{ fields: [{}]", fields.join(", "));
        if named {
            let _ = write!(entry, ", name: {}", key_yaml(&index.db_name));
        }
        if index.unique {
            entry.push_str(", unique: true");
        }
        if group {
            entry.push_str(", scope: group");
        }
        Some(entry + " }")
    }

    /// A jsonb column written as `array<map>` (it has a GIN index), which has no order.
    fn is_array_map(&self, table: &Table, column: &Column) -> bool {
        table.indexes.iter().any(|i| {
            i.method == IndexMethod::Gin
                && matches!(i.parts.as_slice(), [IndexPart::Column { name, .. }] if *name == column.db_name)
        })
    }
}

/// The name the flavour gives an entry's index over `columns`.
fn generated_name(table: &str, index: &Index, columns: &[&str]) -> String {
    let suffix = match (index.method, index.unique) {
        (IndexMethod::Gin, _) => "gin",
        (IndexMethod::Gist, _) => "gist",
        (_, true) => "key",
        (_, false) => "idx",
    };
    fit(format!("{table}_{}_{suffix}", columns.join("_")))
}

/// The index a subcollection gets on its parent key when no btree index leads with it:
/// last, and added by the flavour again, so not written.
fn is_implied_parent_index(table: &Table, n: usize, parent: &str) -> bool {
    let parent_column = parent.to_string();
    let leads = |i: &Index| {
        i.method == IndexMethod::Btree
            && matches!(i.parts.first(), Some(IndexPart::Column { name, .. }) if *name == parent_column)
    };
    n + 1 == table.indexes.len()
        && !table.indexes[..n].iter().any(leads)
        && table.indexes[n].db_name == fit(format!("{}_{parent}_idx", table.db_name.name))
        && is_plain(&table.indexes[n], &[(&parent_column, SortOrder::Asc)])
}

/// What in an index Firestore-style has no form for, as the message says it.
fn index_problem(index: &Index) -> String {
    let has = |f: fn(&IndexPart) -> bool| index.parts.iter().any(f);
    if index.predicate.is_some() {
        "a predicate".into()
    } else if index.concurrently {
        "`concurrently`".into()
    } else if has(|p| matches!(p, IndexPart::Expression { .. })) {
        "an expression".into()
    } else if has(|p| {
        matches!(
            p,
            IndexPart::Column {
                opclass: Some(_),
                ..
            }
        )
    }) {
        "an operator class".into()
    } else {
        let unique = if index.unique { "unique " } else { "" };
        format!("a {unique}{} index over these columns", index.method.sql())
    }
}

fn on_delete(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::Cascade => "cascade",
        ReferentialAction::Restrict => "restrict",
        ReferentialAction::SetNull => "setNull",
        ReferentialAction::NoAction | ReferentialAction::SetDefault => "noAction",
    }
}

/// A default as Firestore-style writes it for the column's type, if it has that form.
fn default_yaml(default: &DefaultValue, column: &Column) -> Option<String> {
    let scalar = &column.ty.scalar;
    match default {
        DefaultValue::Now if *scalar == ScalarType::Timestamptz { precision: None } => {
            Some("serverTimestamp".into())
        }
        DefaultValue::EnumValue(value) if !column.ty.array => Some(yaml_string(value)),
        DefaultValue::Literal(Literal::Json(json)) if *scalar == ScalarType::Jsonb => {
            // The flavour stores the YAML value as compact JSON: only that text comes back.
            let value: serde_json::Value = serde_json::from_str(json).ok()?;
            let compact = value.to_string();
            (compact == *json).then_some(compact)
        }
        DefaultValue::Literal(Literal::Array(items)) if column.ty.array => {
            let items: Option<Vec<String>> = items.iter().map(|l| literal(l, scalar)).collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        DefaultValue::Literal(lit) if !column.ty.array => literal(lit, scalar),
        _ => None,
    }
}

fn literal(lit: &Literal, scalar: &ScalarType) -> Option<String> {
    match (lit, scalar) {
        (
            Literal::String(s),
            ScalarType::Text
            | ScalarType::Timestamptz { precision: None }
            | ScalarType::Enum { .. },
        ) => Some(yaml_string(s)),
        (Literal::Number(n), ScalarType::Double) if n.parse::<f64>().is_ok() => Some(n.clone()),
        (Literal::Number(n), ScalarType::BigInt) if n.parse::<i64>().is_ok() => Some(n.clone()),
        (Literal::Bool(b), ScalarType::Boolean) => Some(b.to_string()),
        _ => None,
    }
}

/// A primary key as the message names it: `users_pkey` (id serial), or `(none)`.
fn key_of(table: &Table) -> String {
    let Some(key) = &table.primary_key else {
        return "(none)".into();
    };
    let columns: Vec<String> = key
        .columns
        .iter()
        .map(|c| match table.column(c) {
            Some(col) if key.columns.len() == 1 => {
                let ty = type_name(&col.ty.scalar, col.ty.array);
                let default = col.default.as_ref().map(describe_default);
                let default = default.map_or_else(String::new, |d| format!(" default {d}"));
                format!("{c} {}{default}", ty.trim_matches('`'))
            }
            _ => c.clone(),
        })
        .collect();
    format!("`{}` ({})", key.db_name, columns.join(", "))
}

/// A default as the message names it.
fn describe_default(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Now => "now()".into(),
        DefaultValue::GenRandomUuid => "gen_random_uuid()".into(),
        DefaultValue::Client(call) => format!("{call} (set by the client)"),
        DefaultValue::Sql(sql) => sql.clone(),
        DefaultValue::EnumValue(value) => value.clone(),
        DefaultValue::Literal(lit) => serde_json::to_string(lit).unwrap_or_default(),
    }
}

/// A type as the message names it.
pub(super) fn type_name(scalar: &ScalarType, array: bool) -> String {
    let name = match scalar {
        ScalarType::Varchar { length: Some(n) } => format!("varchar({n})"),
        ScalarType::Numeric {
            precision: Some(p),
            scale,
        } => format!("numeric({p},{})", scale.unwrap_or(0)),
        ScalarType::Timestamptz { precision: Some(p) } => format!("timestamptz({p})"),
        ScalarType::Timestamp { precision: Some(p) } => format!("timestamp({p})"),
        ScalarType::Char { length: Some(n) } => format!("char({n})"),
        ScalarType::Serial { big } => if *big { "bigserial" } else { "serial" }.into(),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
            .unwrap_or_default(),
    };
    if array {
        format!("`{name}[]`")
    } else {
        format!("`{name}`")
    }
}

/// `text` with every line moved right by `n` spaces.
fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}
