//! Prisma-style YAML: models whose bodies are `schema.prisma` lines, lowered to the
//! database `prisma migrate` (Prisma 6) would create for the same schema.
//!
//! `declare` reads every file (enums, models, field lines, column types) and registers
//! each model in the [`Catalog`]; `lower` resolves relations and builds the tables.

mod args;
mod column;
pub(crate) mod line;
mod model;
pub(crate) mod names;
mod partition;
mod relations;

use super::read::{check_keys, closest, expect_map, expect_scalar};
use super::{Catalog, Declared, Flavour};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::rename::{Rename, Target};
use crate::ir::{ColumnType, Enum, EnumValue, QualifiedName, Span, System};
use crate::load::{LoadedFile, Node, Value};
use line::{Attribute, EnumLine, FieldLine, Line, ParseError, Word};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;

/// Prisma's names of the index methods (`@@index([...], type: Gin)`): one table for the
/// flavour that reads them and for convert and export, which write them.
pub(crate) const INDEX_TYPES: [(crate::ir::IndexMethod, &str); 6] = {
    use crate::ir::IndexMethod::*;
    [
        (Btree, "BTree"),
        (Hash, "Hash"),
        (Gist, "Gist"),
        (Gin, "Gin"),
        (Spgist, "SpGist"),
        (Brin, "Brin"),
    ]
};

/// Prisma's name of an index method.
pub(crate) fn index_type_name(method: crate::ir::IndexMethod) -> &'static str {
    INDEX_TYPES
        .iter()
        .find(|(m, _)| *m == method)
        .map_or("BTree", |(_, name)| name)
}

pub(crate) const FILE_KEYS: &[&str] = &[
    "flavor",
    "schema",
    "enums",
    "models",
    "access",
    "seed",
    "acceptDataLoss",
    "extensions",
];
pub(crate) const MODEL_KEYS: &[&str] = &[
    "fields",
    "map",
    "renamedFrom",
    "schema",
    "comment",
    "indexes",
    "checks",
    "access",
    "partition",
];
pub(crate) const ENUM_KEYS: &[&str] = &["values", "map", "schema", "comment", "renamedFrom"];

/// What `declare` learned, handed to `lower`.
pub struct State<'a> {
    enums: Vec<Enum>,
    enum_by_name: HashMap<String, usize>,
    models: Vec<Lowered<'a>>,
    model_by_name: HashMap<String, usize>,
    /// `renamedFrom` of enums and their values (models and fields are read in `lower`).
    renames: Vec<Rename>,
}

/// A model once read and lowered (in `declare`, on both cores): its table without foreign
/// keys, and what relations still read of it. Its parsed lines are gone: all models' lines were
/// the front half's memory peak.
struct Lowered<'a> {
    name: String,
    /// The table's name (known also for a model without a body, which makes no table).
    table_name: QualifiedName,
    /// (column, type) in key order.
    primary_key: Vec<(String, ColumnType)>,
    /// The id and unique constraints, as database column names.
    unique_sets: Vec<Vec<String>>,
    /// In field order (names are unique within a model).
    fields: Vec<KeyField<'a>>,
    /// None for a model without a readable body (already reported). Boxed: the lowered
    /// models are moved twice (out of the parallel read, into the list `lower` takes) and the
    /// tables once more; inline, each move copied every table's 400 bytes into fresh memory
    /// (1,000 models: ~1.2 MB, ~300 page faults).
    built: Option<Box<Built<'a>>>,
}

impl Model<'_> {
    /// The column a field makes, if it makes one.
    fn column(&self, kind: &FieldKind) -> Option<&crate::ir::Column> {
        match kind {
            FieldKind::Column(i) => self.columns.get(*i as usize),
            FieldKind::Relation | FieldKind::Broken => None,
        }
    }
}

/// A field as relations see it.
enum KeyField<'a> {
    /// A scalar or enum field: its column, by position in the table's columns.
    Column(u32),
    /// A field whose type is a model: resolved in `lower`.
    Relation(Box<Field<'a>>),
    /// A field whose line was reported: only its name is kept.
    Broken(String),
}

impl<'a> KeyField<'a> {
    /// The field's name; a column's is its logical name (`columns`: the table's).
    fn name<'s>(&'s self, columns: &'s [crate::ir::Column]) -> &'s str {
        match self {
            KeyField::Column(i) => columns.get(*i as usize).map_or("", |c| c.name.as_str()),
            KeyField::Relation(field) => &field.line.name.text,
            KeyField::Broken(name) => name,
        }
    }
}

impl<'a> Lowered<'a> {
    fn column(&self, i: u32) -> Option<&crate::ir::Column> {
        self.built.as_ref()?.table.columns.get(i as usize)
    }

    fn field_name<'s>(&'s self, field: &'s KeyField<'a>) -> &'s str {
        let columns = self.built.as_ref().map_or(&[][..], |b| &b.table.columns);
        field.name(columns)
    }

    /// Scanned, not looked up in an index: relations ask for a name or two per relation
    /// field, and sorting every model's names for that cost more than all the scans.
    fn field(&self, name: &str) -> Option<&KeyField<'a>> {
        let columns = self.built.as_ref().map_or(&[][..], |b| &b.table.columns);
        self.fields.iter().find(|f| f.name(columns) == name)
    }

    /// The field names in field order, for "did you mean".
    fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| self.field_name(f)).collect()
    }

    /// Whether `columns` (database names, any order) are the model's id or one of its unique
    /// constraints, as Prisma requires for the key side of a one-to-one relation.
    fn is_unique(&self, columns: &[String]) -> bool {
        self.unique_sets
            .iter()
            .any(|set| set.len() == columns.len() && columns.iter().all(|c| set.contains(c)))
    }
}

/// A model as read: its lines parsed, its scalar fields typed.
struct Model<'a> {
    name: String,
    span: Span,
    table: QualifiedName,
    comment: Option<String>,
    /// `renamedFrom:`, with where it is written.
    renamed_from: Option<(String, Span)>,
    fields: Vec<Field<'a>>,
    /// The columns of the scalar and enum fields, in field order ([`FieldKind::Column`]):
    /// apart from the fields, so that they move to the table whole and a field stays small.
    columns: Vec<crate::ir::Column>,
    /// Keyed by the names as the lines hold them (borrowed, as a rule).
    field_by_name: HashMap<Cow<'a, str>, usize>,
    blocks: Vec<(Attribute<'a>, Src<'a>)>,
    /// The model's YAML map, for `indexes:` and `checks:`.
    node: &'a Node,
    /// False when the model has no body to read (already reported): it makes no table,
    /// so that a missing primary key is not reported on top.
    readable: bool,
    /// The element path of the field being added (`Model.field`): one buffer for all the
    /// model's fields, as a String per field was 2 % of `validate`.
    field_path: String,
}

struct Field<'a> {
    line: FieldLine<'a>,
    src: Src<'a>,
    /// Where the field's name is written (the map key in map form).
    name_span: Span,
    /// The `///` comment above the field: its column's comment.
    doc: Option<String>,
    /// `@renamedFrom("old")`, with where it is written (boxed: rarely there, and every
    /// field of every model is in memory until lowering).
    renamed_from: Option<Box<(String, Span)>>,
    kind: FieldKind,
}

enum FieldKind {
    /// A scalar or enum field: its column, by position in [`Model::columns`].
    Column(u32),
    /// A field whose type is a model (here or in another flavour); resolved in `lower`.
    Relation,
    /// Already reported.
    Broken,
}

/// Maps byte offsets in one line of text to file positions.
#[derive(Debug, Clone)]
struct Src<'a> {
    /// Borrowed from the YAML text unless a `/* … */` comment was blanked out of it.
    text: Cow<'a, str>,
    /// Where byte 0 of `text` is.
    start: Span,
}

impl Src<'_> {
    fn span(&self, at: usize) -> Span {
        let at = at.min(self.text.len());
        let chars = self.text.get(..at).map_or(at, |s| s.chars().count());
        Span {
            column: self.start.column + chars as u32,
            ..self.start
        }
    }
}

/// Reads every Prisma-style file and declares its models in the catalog.
pub fn declare<'a>(
    files: &[&'a LoadedFile],
    catalog: &mut Catalog,
    diags: &mut Diagnostics,
) -> State<'a> {
    let mut state = State {
        enums: Vec::new(),
        enum_by_name: HashMap::default(),
        models: Vec::new(),
        model_by_name: HashMap::default(),
        renames: Vec::new(),
    };
    // Enums first, from every file, so that a field may use an enum of another file.
    let mut raw_models = Vec::new();
    for file in files {
        let Some(entries) = expect_map(&file.root, "file", diags) else {
            continue;
        };
        check_keys(entries, FILE_KEYS, "file", diags);
        let schema = file
            .root
            .get("schema")
            .and_then(|n| expect_scalar(n, "schema", diags))
            .unwrap_or_else(|| "public".into());
        if let Some(enums) = file.root.get("enums") {
            read_enums(enums, &schema, &mut state, diags);
        }
        if let Some(models) = file.root.get("models") {
            if models.as_str().and_then(pasted_block).is_some() {
                pasted_models(models, diags);
                continue;
            }
            for (key, node) in expect_map(models, "models", diags).unwrap_or_default() {
                raw_models.push((key, node, schema.clone()));
            }
        }
    }
    // A type that is neither a scalar nor an enum is a relation; `lower` resolves it, so
    // models can be read before every model name is known.
    // Each model's body is read on its own (both cores), its diagnostics kept with it and
    // reported in declaration order, so the result does not depend on the timing.
    let types = TypeNames::new(&state);
    // Each model is lowered to its table right away, so that the parsed lines of all models
    // are never in memory together; relations are resolved in `lower`, from what is kept.
    let read: Vec<(Option<(Declared, Lowered<'a>)>, Diagnostics)> = raw_models
        .par_iter()
        .map(|(key, node, schema)| {
            let mut diags = Diagnostics::default();
            let model = match state.enum_by_name.get(&key.name) {
                Some(&first) => {
                    diags.push(duplicate(&key.name, key.span, state.enums[first].span));
                    None
                }
                None => {
                    let model = read_model(&key.name, key.span, node, schema, &types, &mut diags);
                    Some(lower_model(model))
                }
            };
            (model, diags)
        })
        .collect();
    catalog.reserve(raw_models.len());
    let mut models: Vec<Lowered<'a>> = Vec::with_capacity(raw_models.len());
    let mut model_by_name = HashMap::with_capacity_and_hasher(raw_models.len(), Default::default());
    for ((key, _, _), (model, read_diags)) in raw_models.iter().zip(read) {
        diags.extend(read_diags);
        let Some((declared, model)) = model else {
            continue;
        };
        // The catalog reports a second model of the same name; only the first makes a table.
        if catalog.declare(declared, diags) {
            model_by_name.insert(key.name.clone(), models.len());
            models.push(model);
        }
    }
    state.models = models;
    state.model_by_name = model_by_name;
    state
}

fn duplicate(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("`{name}` is defined twice"),
    )
    .at_path(name.to_string())
    .with_related(first, "first defined here")
    .with_help("rename or remove one of the two definitions")
}

/// A read model → its table (without foreign keys) and what relations need of it; the
/// parsed model is dropped. The catalog's entry is made here too, while the columns are at hand.
fn lower_model(model: Model<'_>) -> (Declared, Lowered<'_>) {
    let primary_key = model::primary_key_columns(&model);
    let declared = Declared {
        name: model.name.clone(),
        flavour: Flavour::Prisma,
        table: model.table.clone(),
        primary_key: primary_key.clone(),
        span: model.span,
    };
    let unique_sets = model::unique_sets(&model);
    let built = model.readable.then(|| {
        let mut renames = Vec::new();
        declared_renames(&model, &mut renames);
        let mut diags = Diagnostics::default();
        let table = model::table(&model, &mut diags);
        Box::new(Built {
            renames,
            diags,
            table,
            access: model.node.get("access"),
        })
    });
    let Model {
        name,
        table: table_name,
        fields,
        columns,
        ..
    } = model;
    // Sized to the columns alone: relation fields make none, yet were counted in the room
    // reserved (4 MB at 10,000 models). One copy of the whole list.
    let columns = match columns.len() < columns.capacity() {
        true => {
            let mut exact = Vec::with_capacity(columns.len());
            exact.extend(columns);
            exact
        }
        false => columns,
    };
    // Pushed, not `collect`ed: collecting from `fields.into_iter()` would reuse the parsed
    // fields' buffer (20 times the size) for the light list, and keep it (75 MB at 10,000 models).
    let mut key_fields = Vec::with_capacity(fields.len());
    for field in fields {
        key_fields.push(match field.kind {
            FieldKind::Column(i) => KeyField::Column(i),
            FieldKind::Relation => KeyField::Relation(Box::new(field)),
            FieldKind::Broken => KeyField::Broken(field.line.name.text.into_owned()),
        });
    }
    let mut lowered = Lowered {
        name,
        table_name,
        primary_key,
        unique_sets,
        fields: key_fields,
        built,
    };
    match lowered.built.as_mut() {
        Some(built) => built.table.columns = columns,
        // A model without a body has no fields; nothing can refer to a column of it.
        None => debug_assert!(columns.is_empty()),
    }
    (declared, lowered)
}

/// Resolves the relations of the declared models and joins their tables: in declaration
/// order, then the join tables of implicit many-to-many relations; and the enums, in
/// declaration order.
pub fn lower(state: State<'_>, catalog: &Catalog, system: &mut System, diags: &mut Diagnostics) {
    let types = TypeNames::new(&state);
    let resolved = relations::resolve(&state, catalog, &types, diags);
    let mut models = state.models;
    for (model, fk) in resolved.foreign_keys {
        if let Some(built) = models[model].built.as_mut() {
            built.table.foreign_keys.push(fk);
        }
    }
    // What relations read of each model is dropped on both cores (on one, freeing what the
    // workers allocated was a tenth of lowering at 10,000 models).
    let built: Vec<Box<Built<'_>>> = models.into_par_iter().filter_map(|m| m.built).collect();
    system
        .tables
        .reserve(built.len() + resolved.join_tables.len());
    // Diagnostics of each model's lowering are reported here, in declaration order.
    for built in built {
        let built = *built;
        system.renames.extend(built.renames);
        diags.extend(built.diags);
        let table = built.table;
        if let Some(node) = built.access {
            let path = format!("{}.access", table.name);
            super::access::read_table(node, &table.db_name, &path, &mut system.access, diags);
        }
        system.tables.push(table);
    }
    system.tables.extend(resolved.join_tables);
    system.enums.extend(state.enums);
    system.renames.extend(state.renames);
}

/// What lowering one model makes, before it joins the system.
struct Built<'a> {
    renames: Vec<Rename>,
    diags: Diagnostics,
    table: crate::ir::Table,
    /// The model's `access:` key, read into the system's access rules in declaration order.
    access: Option<&'a Node>,
}

/// The model's and its columns' `renamedFrom`.
fn declared_renames(model: &Model<'_>, renames: &mut Vec<Rename>) {
    if let Some((from, span)) = &model.renamed_from {
        renames.push(Rename::new(Target::Table(model.name.clone()), from, *span));
    }
    for field in &model.fields {
        let (Some(renamed), FieldKind::Column(_)) = (&field.renamed_from, &field.kind) else {
            continue;
        };
        let (from, span) = &**renamed;
        let target = Target::Column {
            table: model.name.clone(),
            column: field.line.name.text.to_string(),
        };
        renames.push(Rename::new(target, from, *span));
    }
}

/// The enums a field may use, for resolving types and for "did you mean".
struct TypeNames<'s> {
    enums: &'s HashMap<String, usize>,
    enum_list: &'s [Enum],
}

const SCALARS: &[&str] = &[
    "String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes",
];

impl<'s> TypeNames<'s> {
    fn new(state: &'s State<'_>) -> Self {
        Self {
            enums: &state.enum_by_name,
            enum_list: &state.enums,
        }
    }

    /// The known type nearest to `word`: scalars, enums, and every model or collection
    /// of every flavour. The list is built only when there is an error to explain.
    fn suggestion(&self, word: &str, catalog: &Catalog) -> Option<String> {
        let mut all: Vec<&str> = SCALARS.to_vec();
        all.extend(self.enums.keys().map(String::as_str));
        all.extend(catalog.names());
        all.sort_unstable();
        closest(word, &all).map(str::to_string)
    }
}

fn read_enums(node: &Node, file_schema: &str, state: &mut State<'_>, diags: &mut Diagnostics) {
    for (key, value) in expect_map(node, "enums", diags).unwrap_or_default() {
        let path = format!("enums.{}", key.name);
        let mut schema = file_schema.to_string();
        let mut db_name = key.name.clone();
        let mut comment = None;
        let mut values = Vec::new();
        let lines: Vec<(Cow<'_, str>, Span)> = match &value.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| Some((expect_scalar(n, &path, diags)?.into(), n.span)))
                .collect(),
            Value::Map(entries) => {
                check_keys(entries, ENUM_KEYS, &path, diags);
                if let Some(n) = value.get("map") {
                    db_name = expect_scalar(n, &format!("{path}.map"), diags).unwrap_or(db_name);
                }
                if let Some(n) = value.get("schema") {
                    schema = expect_scalar(n, &format!("{path}.schema"), diags).unwrap_or(schema);
                }
                comment = value
                    .get("comment")
                    .and_then(|n| expect_scalar(n, &format!("{path}.comment"), diags));
                if let Some(n) = value.get("renamedFrom") {
                    if let Some(from) = expect_scalar(n, &format!("{path}.renamedFrom"), diags) {
                        let target = Target::Enum(key.name.clone());
                        state.renames.push(Rename::new(target, from, n.span));
                    }
                }
                match value.get("values") {
                    Some(n) => value_lines(n, &path, diags),
                    None => {
                        diags.push(
                            Diagnostic::error(
                                Code::MissingKey,
                                key.span,
                                format!("enum `{}` has no `values`", key.name),
                            )
                            .at_path(path.clone())
                            .with_help("list its values: `values: [A, B]`"),
                        );
                        Vec::new()
                    }
                }
            }
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::UnexpectedShape,
                        value.span,
                        format!("expected a list of values or a map, found {}", value.kind()),
                    )
                    .at_path(path.clone())
                    .with_help("write `Status: [DRAFT, PUBLISHED]`"),
                );
                continue;
            }
        };
        for (text, start) in lines {
            let src = Src { text, start };
            match line::parse_enum_line(&src.text) {
                Ok(EnumLine::Empty) => {}
                Ok(EnumLine::Value(name, attributes)) => {
                    let (db, renamed_from) =
                        enum_value_db_name(&name, &attributes, &src, &path, diags);
                    if let Some((from, span)) = renamed_from {
                        let target = Target::EnumValue {
                            enum_name: key.name.clone(),
                            value: name.text.to_string(),
                        };
                        state.renames.push(Rename::new(target, from, span));
                    }
                    let span = src.span(name.at);
                    if let Some(first) = values.iter().find(|v: &&EnumValue| v.name == name.text) {
                        diags.push(duplicate(
                            &format!("{}.{}", key.name, name.text),
                            span,
                            first.span,
                        ));
                        continue;
                    }
                    values.push(EnumValue {
                        span,
                        name: name.text.into_owned(),
                        db_name: db,
                    });
                }
                Ok(EnumLine::Block(block)) => match &*block.name.text {
                    "map" => {
                        db_name = args::string_arg(&block, &src, &path, diags).unwrap_or(db_name)
                    }
                    "schema" => {
                        schema = args::string_arg(&block, &src, &path, diags).unwrap_or(schema)
                    }
                    _ => diags.push(args::unknown_attribute(
                        &block,
                        &src,
                        &path,
                        &["@@map", "@@schema"],
                        true,
                    )),
                },
                Err(e) => diags.push(syntax_error(&e, &src, &path)),
            }
        }
        if values.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    key.span,
                    format!("enum `{}` has no values", key.name),
                )
                .at_path(path.clone())
                .with_help("an enum needs at least one value, as in Prisma"),
            );
        }
        if let Some(&first) = state.enum_by_name.get(&key.name) {
            diags.push(duplicate(&key.name, key.span, state.enums[first].span));
            continue;
        }
        state
            .enum_by_name
            .insert(key.name.clone(), state.enums.len());
        state.enums.push(Enum {
            name: key.name.clone(),
            db_name: QualifiedName::new(schema, db_name),
            values,
            comment,
            span: key.span,
        });
    }
}

/// An enum's `values`: a block of lines or a list, each with where it starts.
fn value_lines<'t>(
    node: &'t Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Vec<(Cow<'t, str>, Span)> {
    match &node.value {
        Value::Str(text) => {
            lines_without_comments(text, node.span, path, diags).unwrap_or_default()
        }
        Value::Seq(items) => items
            .iter()
            .filter_map(|n| Some((expect_scalar(n, path, diags)?.into(), n.span)))
            .collect(),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    node.span,
                    format!(
                        "expected a list or a block of values, found {}",
                        node.kind()
                    ),
                )
                .at_path(format!("{path}.values")),
            );
            Vec::new()
        }
    }
}

/// A value's database name (`@map`) and the name it was renamed from (`@renamedFrom`).
fn enum_value_db_name(
    name: &Word,
    attributes: &[Attribute],
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> (String, Option<(String, Span)>) {
    let mut db_name = name.text.clone();
    let mut renamed_from = None;
    let path = format!("{path}.{}", name.text);
    for attr in attributes {
        match &*attr.name.text {
            "map" => {
                if let Some(s) = args::string_arg(attr, src, &path, diags) {
                    db_name = s.into();
                }
            }
            "renamedFrom" => {
                renamed_from =
                    args::string_arg(attr, src, &path, diags).map(|from| (from, src.span(attr.at)));
            }
            _ => diags.push(args::unknown_attribute(
                attr,
                src,
                &path,
                &["@map", "@renamedFrom"],
                false,
            )),
        }
    }
    (db_name.into_owned(), renamed_from)
}

/// The lines of a block scalar, each with the position of its first byte.
/// A block scalar's node span is its first non-blank content line (leading blank lines
/// are kept in the text but not counted by the span); later lines follow it, and the
/// block's indentation (stripped by YAML) shifts every column by `span.column - 1`.
fn block_lines(text: &str, start: Span) -> Vec<(&str, Span)> {
    let leading = text.lines().take_while(|l| l.trim().is_empty()).count() as u32;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let span = Span {
                line: (start.line + i as u32).saturating_sub(leading),
                ..start
            };
            (line, span)
        })
        .collect()
}

/// `Model.field`, a field's element path: pushed into a String of its size, not formatted
/// (made for every key attribute and relation field, ~5,000 times at 1,000 models).
fn field_path(model: &str, field: &str) -> String {
    let mut path = String::with_capacity(model.len() + 1 + field.len());
    path.extend([model, ".", field]);
    path
}

fn syntax_error(e: &ParseError, src: &Src, path: &str) -> Diagnostic {
    Diagnostic::error(Code::PrismaSyntax, src.span(e.at), e.message.clone())
        .at_path(path.to_string())
        .with_help("write the line as in schema.prisma: `name Type @attribute(...)`")
}

fn read_model<'a>(
    name: &str,
    span: Span,
    node: &'a Node,
    file_schema: &str,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) -> Model<'a> {
    let mut model = Model {
        name: name.to_string(),
        span,
        table: QualifiedName::new(file_schema, name),
        comment: None,
        renamed_from: None,
        fields: Vec::new(),
        columns: Vec::new(),
        field_by_name: HashMap::default(),
        blocks: Vec::new(),
        node,
        readable: false,
        field_path: String::new(),
    };
    let Some(entries) = expect_map(node, name, diags) else {
        return model;
    };
    check_keys(entries, MODEL_KEYS, name, diags);
    let yaml_map = node
        .get("map")
        .and_then(|n| Some((expect_scalar(n, &format!("{name}.map"), diags)?, n.span)));
    let yaml_schema = node
        .get("schema")
        .and_then(|n| Some((expect_scalar(n, &format!("{name}.schema"), diags)?, n.span)));
    model.comment = node
        .get("comment")
        .and_then(|n| expect_scalar(n, &format!("{name}.comment"), diags));
    model.renamed_from = node.get("renamedFrom").and_then(|n| {
        Some((
            expect_scalar(n, &format!("{name}.renamedFrom"), diags)?,
            n.span,
        ))
    });
    match node.get("fields") {
        Some(fields) => model.readable = read_body(fields, &mut model, types, diags),
        None => diags.push(
            Diagnostic::error(
                Code::MissingKey,
                span,
                format!("model `{name}` has no `fields`"),
            )
            .at_path(name.to_string())
            .with_help("paste the model body from schema.prisma under `fields: |`"),
        ),
    }
    let (body_map, body_schema) = model::table_attributes(&model, diags);
    model.table.name =
        pick(name, "map", yaml_map, body_map, diags).unwrap_or_else(|| name.to_string());
    if let Some(schema) = pick(name, "schema", yaml_schema, body_schema, diags) {
        model.table.schema = schema;
    }
    model
}

/// A setting given by a YAML key and/or a `@@` attribute: both must agree.
fn pick(
    model: &str,
    key: &str,
    yaml: Option<(String, Span)>,
    body: Option<(String, Span)>,
    diags: &mut Diagnostics,
) -> Option<String> {
    match (yaml, body) {
        (Some((a, a_span)), Some((b, b_span))) if a != b => {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    b_span,
                    format!("`@@{key}(\"{b}\")` contradicts `{key}: {a}`"),
                )
                .at_path(format!("{model}.{key}"))
                .with_related(a_span, format!("`{key}` is set here"))
                .with_help(format!("keep only one of the two `{key}` settings")),
            );
            Some(a)
        }
        (Some((a, _)), _) => Some(a),
        (None, b) => b.map(|(b, _)| b),
    }
}

/// `model User {` (or `enum Role {`) as the first line of a text: a block pasted whole from
/// schema.prisma, the keyword and name included.
fn pasted_block(text: &str) -> Option<(&str, &str)> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let mut words = first.split_whitespace();
    let (keyword, name) = (words.next()?, words.next()?);
    let opens = words.next() == Some("{") || name.ends_with('{');
    (matches!(keyword, "model" | "enum" | "view" | "type") && opens)
        .then(|| (keyword, name.trim_end_matches('{')))
}

/// A model body that is a whole `model X { … }` block: one diagnostic, not one per line.
fn whole_model_pasted(node: &Node, model: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PrismaSyntax,
        node.span,
        "the body is a whole `model … { … }` block from schema.prisma",
    )
    .at_path(format!("{model}.fields"))
    .with_help(format!(
        "paste only the lines between `{{` and `}}`: the model's name is its key under `models:` (`{model}:`)"
    ))
}

/// `models: |` holding pasted schema.prisma blocks: say how the YAML is laid out instead.
fn pasted_models(node: &Node, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error(
            Code::UnexpectedShape,
            node.span,
            "`models` holds schema.prisma text; it is a map of models, each with its field lines",
        )
        .at_path("models")
        .with_help(
            "write `models:`, then per model `User:` and under it `fields: |` with the lines \
             between `{` and `}` of `model User { … }`",
        ),
    );
}

/// Reads the model body; false when it is not a body at all (reported).
fn read_body<'a>(
    node: &'a Node,
    model: &mut Model<'a>,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) -> bool {
    match &node.value {
        Value::Str(text) if pasted_block(text).is_some() => {
            diags.push(whole_model_pasted(node, &model.name));
            return false;
        }
        Value::Str(text) => {
            let mut doc: Vec<String> = Vec::new();
            let Some(lines) = lines_without_comments(text, node.span, &model.name, diags) else {
                return false;
            };
            // Reserved once: every model's fields stay in memory until lowering.
            let fields = lines.iter().filter(|(l, _)| line::may_be_field(l)).count();
            model.fields.reserve_exact(fields);
            model.columns.reserve_exact(fields);
            model.field_by_name.reserve(fields);
            for (text, start) in lines {
                if let Some(comment) = line::doc_comment(&text) {
                    doc.push(comment.to_string());
                    continue;
                }
                let parsed = match &text {
                    Cow::Borrowed(text) => line::parse_line(text),
                    // Blanked of a comment: the text is this line's own, the words too.
                    Cow::Owned(text) => line::parse_line(text).map(Line::into_owned),
                };
                let src = Src { text, start };
                match parsed {
                    Ok(Line::Empty) => {}
                    Ok(Line::Field(field)) => {
                        let name_span = src.span(field.name.at);
                        let doc = (!doc.is_empty()).then(|| doc.join("\n"));
                        add_field(model, field, src, name_span, doc, types, diags);
                    }
                    Ok(Line::Block(block)) => {
                        model.blocks.push((model::one_field_as_list(block), src))
                    }
                    Err(e) => {
                        let path = match leading_name(&src.text) {
                            Some((name, _)) => format!("{}.{name}", model.name),
                            None => model.name.clone(),
                        };
                        diags.push(syntax_error(&e, &src, &path));
                        remember_broken(model, src);
                    }
                }
                doc.clear();
            }
            model.fields.shrink_to_fit(); // a no-op unless a line was broken
        }
        Value::Map(entries) => {
            for (key, value) in entries {
                let path = format!("{}.{}", model.name, key.name);
                let Some(text) = map_form_line(value, &path, diags) else {
                    continue;
                };
                let name = Word {
                    text: Cow::Borrowed(&key.name),
                    at: 0,
                };
                let parsed = line::parse_field_rest(name, text);
                let src = Src {
                    text: Cow::Borrowed(text),
                    start: value.span,
                };
                match parsed {
                    Ok(field) => add_field(model, field, src, key.span, None, types, diags),
                    Err(e) => diags.push(syntax_error(&e, &src, &path)),
                }
            }
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    node.span,
                    format!("expected the model body, found {}", node.kind()),
                )
                .at_path(format!("{}.fields", model.name))
                .with_help("paste the model body from schema.prisma under `fields: |`"),
            );
            return false;
        }
    }
    true
}

/// The lines of a block scalar (see [`block_lines`]) with their `/* … */` comments blanked
/// out, or the report of one never closed. Positions come from the text as written: a first
/// line that is only a comment still counts as the block's first content line.
/// Lines without a comment are borrowed from `text`, not copied.
fn lines_without_comments<'t>(
    text: &'t str,
    start: Span,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(Cow<'t, str>, Span)>> {
    let lines = block_lines(text, start);
    match line::blank_block_comments(text) {
        Ok(Cow::Borrowed(_)) => Some(
            lines
                .into_iter()
                .map(|(text, span)| (Cow::Borrowed(text), span))
                .collect(),
        ),
        Ok(Cow::Owned(blanked)) => Some(
            blanked
                .lines()
                .zip(lines)
                .map(|(text, (_, span))| (Cow::Owned(text.to_string()), span))
                .collect(),
        ),
        Err(at) => {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let (text, start) = lines[text[..at].matches('\n').count()];
            let e = ParseError {
                at: at - line_start,
                message: "this `/*` comment is never closed: add the closing `*/`".into(),
            };
            let src = Src {
                text: Cow::Borrowed(text),
                start,
            };
            diags.push(syntax_error(&e, &src, path));
            None
        }
    }
}

/// The identifier a line starts with, and its offset: the field name of a broken field line.
fn leading_name(text: &str) -> Option<(&str, usize)> {
    let trimmed = text.trim_start();
    let at = text.len() - trimmed.len();
    let len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    (len > 0).then(|| (&trimmed[..len], at))
}

/// Keeps the name of a field whose line does not parse, so that what refers to it
/// (`@@index`, `fields: [...]`) is not reported a second time as unknown.
fn remember_broken<'a>(model: &mut Model<'a>, src: Src<'a>) {
    let Some((name, at)) = leading_name(&src.text) else {
        return;
    };
    if model.field_by_name.contains_key(name) {
        return;
    }
    let name = Word {
        text: Cow::Owned(name.to_string()),
        at,
    };
    let line = FieldLine {
        ty: Word {
            text: Cow::Borrowed(""),
            at,
        },
        name,
        optional: false,
        list: false,
        attributes: Vec::new(),
    };
    model
        .field_by_name
        .insert(line.name.text.clone(), model.fields.len());
    model.fields.push(Field {
        name_span: src.span(at),
        line,
        src,
        doc: None,
        renamed_from: None,
        kind: FieldKind::Broken,
    });
}

/// A map-form field's text; YAML turning it into a map or list is a mis-parse.
fn map_form_line<'a>(value: &'a Node, path: &str, diags: &mut Diagnostics) -> Option<&'a str> {
    match &value.value {
        Value::Str(s) => Some(s),
        Value::Map(_) | Value::Seq(_) => {
            diags.push(
                Diagnostic::error(
                    Code::YamlMisparse,
                    value.span,
                    format!("YAML read this field as {}, not as a Prisma field line", value.kind()),
                )
                .at_path(path.to_string())
                .with_help(
                    "a plain YAML value cannot hold `: `, `[...]` or `{...}` as text; write the model body \
                     as a block (`fields: |`) with one Prisma line per field, or quote the value",
                ),
            );
            None
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    value.span,
                    format!(
                        "expected a field type such as `String @id`, found {}",
                        value.kind()
                    ),
                )
                .at_path(path.to_string()),
            );
            None
        }
    }
}

fn add_field<'a>(
    model: &mut Model<'a>,
    line: FieldLine<'a>,
    src: Src<'a>,
    name_span: Span,
    doc: Option<String>,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) {
    let mut path = std::mem::take(&mut model.field_path);
    path.clear();
    path.extend([model.name.as_str(), ".", &line.name.text]);
    if let Some(&first) = model.field_by_name.get(&*line.name.text) {
        diags.push(
            Diagnostic::error(
                Code::DuplicateDefinition,
                name_span,
                format!(
                    "model `{}` has two fields named `{}`",
                    model.name, line.name.text
                ),
            )
            .at_path(path.clone())
            .with_related(
                model.fields[first].name_span,
                "the other field is declared here",
            )
            .with_help("rename or remove one of the two fields"),
        );
        model.field_path = path;
        return;
    }
    let line = without_repeated_attributes(line, &src, &path, diags);
    let mut field = Field {
        line,
        src,
        name_span,
        doc,
        renamed_from: None,
        kind: FieldKind::Broken,
    };
    // The field's attributes stay as written: the model is lowered as soon as it is read,
    // and the tables read only `@id` and `@unique` of a column's field.
    field.kind = match column::column(&mut field, &path, types, diags) {
        Some(column) => {
            model.columns.push(column);
            FieldKind::Column(model.columns.len() as u32 - 1)
        }
        None => FieldKind::Relation,
    };
    model
        .field_by_name
        .insert(field.line.name.text.clone(), model.fields.len());
    model.fields.push(field);
    model.field_path = path;
}

/// Reports an attribute given twice on one field (`@unique @unique`) and keeps the first.
fn without_repeated_attributes<'a>(
    mut line: FieldLine<'a>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> FieldLine<'a> {
    let attributes = &line.attributes;
    let repeated = |i: usize| {
        attributes[..i]
            .iter()
            .any(|a| a.name.text == attributes[i].name.text)
    };
    if !(1..attributes.len()).any(repeated) {
        return line; // the common case: nothing to drop, nothing copied
    }
    let mut kept: Vec<Attribute> = Vec::with_capacity(line.attributes.len());
    for attr in line.attributes.drain(..) {
        match kept.iter().find(|k| k.name.text == attr.name.text) {
            Some(first) => diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(attr.at),
                    format!("`@{}` is given twice", attr.name.text),
                )
                .at_path(path.to_string())
                .with_related(src.span(first.at), "first given here")
                .with_help("keep one of them"),
            ),
            None => kept.push(attr),
        }
    }
    line.attributes = kept;
    line
}

#[cfg(test)]
mod tests;

/// The keys of each level, for the JSON Schema (`flavours::json_schema`).
pub(crate) mod keys {
    pub(crate) use super::model::INDEX_KEYS as INDEX;
    pub(crate) use super::partition::{KEYS as PARTITION, MONTHLY_KEYS as MONTHLY};
    pub(crate) use super::{ENUM_KEYS as ENUM, FILE_KEYS as FILE, MODEL_KEYS as MODEL};
}
