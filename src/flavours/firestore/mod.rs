//! Firestore-style YAML: collections of documents, subcollections, and the indexes of
//! `firestore.indexes.json`, lowered to a relational schema (see `docs/flavours/firestore.md`).
//!
//! `declare` walks every collection and subcollection of every file into the shared
//! catalog; `lower` then builds one table per collection, resolving `reference(...)`
//! through the catalog so references to other flavours' models work too.

mod columns;
mod fields;
mod indexes;
pub(crate) mod names;
mod renames;

/// The keys of each level, for the JSON Schema (`flavours::json_schema`).
pub(crate) mod keys {
    pub(crate) use super::fields::FIELD_KEYS as FIELD;
    pub(crate) use super::indexes::ENTRY_KEYS as INDEX;
    pub(crate) use super::{COLLECTION_KEYS as COLLECTION, FILE_KEYS as FILE};
}

use super::read::{check_keys, closest, expect_map, expect_scalar};
use super::renames::RenamedPaths;
use super::{Catalog, Declared, Flavour};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{
    Column, ColumnType, DefaultValue, ForeignKey, PrimaryKey, QualifiedName, ReferentialAction,
    ScalarType, Span, System, Table,
};
use crate::load::{Key, LoadedFile, Node};
use columns::{Indexed, Lowering, Prefix, Shape};
use names::{camel, fit, singular, snake};
use std::collections::BTreeMap;

pub(crate) const FILE_KEYS: &[&str] = &[
    "flavor",
    "schema",
    "id",
    "collections",
    "access",
    "seed",
    "acceptDataLoss",
    "extensions",
];
pub(crate) const COLLECTION_KEYS: &[&str] = &[
    "fields",
    "subcollections",
    "indexes",
    "rules",
    "access",
    "comment",
    "table",
    "id",
    "renamedFrom",
];
const ID_TYPES: &[&str] = &["text", "uuid"];

/// What `declare` learned, handed to `lower`.
pub struct State<'a> {
    collections: Vec<Collection<'a>>,
}

/// A collection or subcollection, declared.
struct Collection<'a> {
    /// `conversations`, `conversations/messages`: the name references use.
    path: String,
    span: Span,
    node: &'a Node,
    table: QualifiedName,
    id: ColumnType,
    /// Index of the parent collection in [`State::collections`].
    parent: Option<usize>,
}

/// File-wide settings every collection of the file inherits.
struct FileDefaults {
    schema: String,
    id: ColumnType,
}

pub fn declare<'a>(
    files: &[&'a LoadedFile],
    catalog: &mut Catalog,
    diags: &mut Diagnostics,
) -> State<'a> {
    let mut state = State {
        collections: Vec::new(),
    };
    for file in files {
        let Some(entries) = expect_map(&file.root, "file", diags) else {
            continue;
        };
        check_root_keys(entries, diags);
        let defaults = FileDefaults {
            schema: file
                .root
                .get("schema")
                .and_then(|n| expect_scalar(n, "schema", diags))
                .unwrap_or_else(|| "public".into()),
            id: file
                .root
                .get("id")
                .and_then(|n| id_type(n, "id", diags))
                .unwrap_or(ColumnType::scalar(ScalarType::Text)),
        };
        match file.root.get("collections") {
            Some(node) => {
                if let Some(entries) = fields::entries(node, "collections", diags) {
                    walk(entries, None, &defaults, &mut state, catalog, diags);
                }
            }
            None => diags.push(
                Diagnostic::error(
                    Code::MissingKey,
                    file.root.span,
                    "the file has no `collections`",
                )
                .with_help("add `collections:` with one entry per Firestore collection"),
            ),
        }
    }
    state
}

/// The root has no element path of its own, so its unknown keys are named bare.
fn check_root_keys(entries: &[(Key, Node)], diags: &mut Diagnostics) {
    for (key, _) in entries
        .iter()
        .filter(|(k, _)| !FILE_KEYS.contains(&k.name.as_str()))
    {
        let help = match closest(&key.name, FILE_KEYS) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("known keys here: {}", FILE_KEYS.join(", ")),
        };
        diags.push(
            Diagnostic::error(
                Code::UnknownKey,
                key.span,
                format!("unknown key `{}`", key.name),
            )
            .at_path(key.name.clone())
            .with_help(help),
        );
    }
}

/// Declares `entries` (collections, or one collection's subcollections) depth first.
fn walk<'a>(
    entries: &'a [(Key, Node)],
    parent: Option<usize>,
    defaults: &FileDefaults,
    state: &mut State<'a>,
    catalog: &mut Catalog,
    diags: &mut Diagnostics,
) {
    for (key, node) in entries {
        let parent_collection = parent.map(|p| &state.collections[p]);
        let path = match parent_collection {
            Some(p) => format!("{}/{}", p.path, key.name),
            None => key.name.clone(),
        };
        let Some(body) = fields::entries(node, &path, diags) else {
            continue;
        };
        check_keys(body, COLLECTION_KEYS, &path, diags);
        let table_name = table_name_of(&key.name, node, parent_collection, &path, diags);
        let table = QualifiedName::new(defaults.schema.clone(), table_name);
        let id = node
            .get("id")
            .and_then(|n| id_type(n, &format!("{path}.id"), diags))
            .unwrap_or_else(|| defaults.id.clone());
        let declared = Declared {
            name: path.clone(),
            flavour: Flavour::Firestore,
            table: table.clone(),
            primary_key: vec![("id".into(), id.clone())],
            span: key.span,
        };
        let duplicate = catalog.get(&path).is_some();
        catalog.declare(declared, diags);
        if duplicate {
            continue; // reported by the catalog; lowering it again would only repeat that
        }
        state.collections.push(Collection {
            path,
            span: key.span,
            node,
            table,
            id,
            parent,
        });
        let index = state.collections.len() - 1;
        if let Some(subs) = node.get("subcollections") {
            let subs_path = format!("{}.subcollections", state.collections[index].path);
            if let Some(entries) = fields::entries(subs, &subs_path, diags) {
                walk(entries, Some(index), defaults, state, catalog, diags);
            }
        }
    }
}

/// `table:` when given, else the snake_case name, after the parent's in the singular
/// for a subcollection (`conversations/messages` → `conversation_messages`).
fn table_name_of(
    name: &str,
    node: &Node,
    parent: Option<&Collection>,
    path: &str,
    diags: &mut Diagnostics,
) -> String {
    let chosen = node
        .get("table")
        .and_then(|n| expect_scalar(n, &format!("{path}.table"), diags));
    match (chosen, parent) {
        (Some(table), _) => table,
        (None, Some(parent)) => format!("{}_{}", singular(&parent.table.name), snake(name)),
        (None, None) => snake(name),
    }
}

fn id_type(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<ColumnType> {
    let text = expect_scalar(node, path, diags)?;
    match text.as_str() {
        "text" => Some(ColumnType::scalar(ScalarType::Text)),
        "uuid" => Some(ColumnType::scalar(ScalarType::Uuid)),
        _ => {
            let help = match closest(&text, ID_TYPES) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "use `text` (Firestore's generated ids) or `uuid`".into(),
            };
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    node.span,
                    format!("`{text}` is not a document id type"),
                )
                .at_path(path.to_string())
                .with_help(help),
            );
            None
        }
    }
}

pub fn lower(state: State<'_>, catalog: &Catalog, system: &mut System, diags: &mut Diagnostics) {
    let (first, mut paths) = (system.tables.len(), RenamedPaths::default());
    for collection in &state.collections {
        let parent = collection.parent.map(|p| &state.collections[p]);
        renames::collection(collection.node, &collection.path, &mut paths, diags);
        lower_collection(collection, parent, catalog, &mut paths, system, diags);
    }
    crate::flavours::renames::implied(&paths, &system.tables[first..], &[], &mut system.renames);
}

fn lower_collection(
    c: &Collection,
    parent: Option<&Collection>,
    catalog: &Catalog,
    paths: &mut RenamedPaths,
    system: &mut System,
    diags: &mut Diagnostics,
) {
    let mut lowering = Lowering {
        catalog,
        table: document_table(c, diags),
        id_type: c.id.clone(),
        lookup: BTreeMap::new(),
        enums: Vec::new(),
        join_tables: Vec::new(),
    };
    let id = Indexed {
        column: "id".into(),
        shape: Shape::Scalar,
    };
    lowering.lookup.insert("__name__".into(), id.clone());
    lowering.lookup.insert("id".into(), id);
    let parent_column = parent.map(|p| parent_key(p, &mut lowering));
    if let Some(node) = c.node.get("fields") {
        let mut fields = fields::parse_fields(node, &c.path, diags);
        fields.retain(|f| !is_generated_column(f, parent_column.as_deref(), diags));
        lowering.fields(&fields, &Prefix::default(), diags);
        renames::fields(&fields, &c.path, paths, &mut system.renames);
    }
    let mut table = lowering.table;
    if let Some(node) = c.node.get("indexes") {
        let cx = indexes::Context {
            lookup: &lowering.lookup,
            parent_column: parent_column.as_deref(),
            path: format!("{}.indexes", c.path),
        };
        indexes::lower(node, &mut table, &cx, diags);
    }
    if let Some(column) = &parent_column {
        indexes::ensure_parent_index(&mut table, column, c.span);
    }
    if let Some(node) = c.node.get("access") {
        let path = format!("{}.access", c.path);
        super::access::read_table(node, &table.db_name, &path, &mut system.access, diags);
    }
    system.enums.extend(lowering.enums);
    system.tables.push(table);
    system.tables.extend(lowering.join_tables);
}

/// A field that would repeat a column every document has (`id`, or a subcollection's
/// parent key, which Firestore teams often copy into documents): reported, and left out.
fn is_generated_column(
    f: &fields::Field,
    parent_column: Option<&str>,
    diags: &mut Diagnostics,
) -> bool {
    let column = f.column.clone().unwrap_or_else(|| snake(&f.name));
    let help = if column == "id" {
        "remove the field (choose the id's type with `id: text|uuid` on the collection)"
    } else if Some(column.as_str()) == parent_column {
        "remove the field: a subcollection's table has its parent's key already"
    } else {
        return false;
    };
    diags.push(
        Diagnostic::error(
            Code::DuplicateDefinition,
            f.span,
            format!(
                "`{}` would repeat the column `{column}`, which schemagen adds itself",
                f.name
            ),
        )
        .at_path(f.path.clone())
        .with_help(help),
    );
    true
}

/// The table with its `id` primary key; `rules` are kept for the RLS work and not read yet.
fn document_table(c: &Collection, diags: &mut Diagnostics) -> Table {
    let default = (c.id.scalar == ScalarType::Uuid).then_some(DefaultValue::GenRandomUuid);
    Table {
        partition: None,
        name: c.path.clone(),
        db_name: c.table.clone(),
        columns: vec![Column {
            name: "id".into(),
            db_name: "id".into(),
            ty: c.id.clone(),
            nullable: false,
            default,
            comment: None,
            span: c.span,
        }],
        primary_key: Some(PrimaryKey {
            db_name: fit(format!("{}_pkey", c.table.name)),
            columns: vec!["id".into()],
            span: c.span,
        }),
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: c
            .node
            .get("comment")
            .and_then(|n| expect_scalar(n, &format!("{}.comment", c.path), diags)),
        span: c.span,
    }
}

/// A subcollection's `<parent>_id` column, cascading: Firestore leaves a deleted document's
/// subcollections behind as orphans, which a relational schema has no way to reach.
fn parent_key(parent: &Collection, lowering: &mut Lowering) -> String {
    let table = &mut lowering.table;
    let column = format!("{}_id", singular(&parent.table.name));
    table.columns.push(Column {
        name: camel(&column),
        db_name: column.clone(),
        ty: parent.id.clone(),
        nullable: false,
        default: None,
        comment: None,
        span: table.span,
    });
    table.foreign_keys.push(ForeignKey {
        db_name: fit(format!("{}_{column}_fkey", table.db_name.name)),
        columns: vec![column.clone()],
        referenced_table: parent.table.clone(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
        span: table.span,
    });
    lowering.lookup.insert(
        camel(&column),
        Indexed {
            column: column.clone(),
            shape: Shape::Scalar,
        },
    );
    column
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ForeignKey;

    /// Declares `yaml` beside a model of another flavour, lowers it, and returns the result.
    fn lower_beside_prisma_model(yaml: &str) -> (System, Diagnostics) {
        let file = LoadedFile {
            id: 0,
            root: crate::load::parse_text(yaml, 0).expect("valid YAML"),
        };
        let mut diags = Diagnostics::default();
        let mut catalog = Catalog::default();
        catalog.declare(
            Declared {
                name: "Organization".into(),
                flavour: Flavour::Prisma,
                table: QualifiedName::public("organizations"),
                primary_key: vec![(
                    "id".into(),
                    ColumnType::scalar(ScalarType::Serial { big: false }),
                )],
                span: Span::default(),
            },
            &mut diags,
        );
        let state = declare(&[&file], &mut catalog, &mut diags);
        let mut system = System::default();
        lower(state, &catalog, &mut system, &mut diags);
        (system, diags)
    }

    #[test]
    fn references_resolve_to_models_of_other_flavours() {
        let (system, diags) = lower_beside_prisma_model(
            "flavor: firestore\ncollections:\n  teams:\n    fields:\n      orgId: reference(Organization)\n",
        );
        assert!(diags.is_empty(), "{:?}", diags.iter().collect::<Vec<_>>());
        let teams = &system.tables[0];
        // A serial key is referenced by a plain integer column.
        assert_eq!(
            teams.column("org_id").unwrap().ty,
            ColumnType::scalar(ScalarType::Integer)
        );
        let ForeignKey {
            referenced_table,
            referenced_columns,
            ..
        } = &teams.foreign_keys[0];
        assert_eq!(referenced_table, &QualifiedName::public("organizations"));
        assert_eq!(referenced_columns, &["id".to_string()]);
    }

    #[test]
    fn a_collection_named_like_another_flavours_model_is_a_duplicate() {
        let (system, diags) = lower_beside_prisma_model(
            "flavor: firestore\ncollections:\n  Organization:\n    fields:\n      name: string\n",
        );
        assert!(diags.iter().any(|d| d.code == Code::DuplicateDefinition));
        assert!(
            system.tables.is_empty(),
            "the duplicate is not lowered twice"
        );
    }
}
