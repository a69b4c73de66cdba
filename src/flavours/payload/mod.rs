//! Payload-style YAML: collections written with Payload's own key names (a `CollectionConfig`
//! translated line by line), lowered to the tables Payload's Postgres adapter makes.
//!
//! Every naming and typing rule here comes from Payload's source (`packages/drizzle/src/schema/`,
//! the auth and upload base fields); `docs/flavours/payload.md` lists each rule with its origin.

mod build;
mod fields;
mod internal;
mod joins;
pub(crate) mod names;
mod references;
mod renames;

/// The keys of each level, for the JSON Schema (`flavours::json_schema`).
pub(crate) mod keys {
    pub(crate) use super::fields::{
        extra_keys, BLOCK_KEYS as BLOCK, COMMON as FIELD, LAYOUT_KEYS as LAYOUT, TABS_KEYS as TABS,
        TAB_KEYS as TAB, TYPES, UI_KEYS as UI,
    };
    pub(crate) use super::{
        AUTH_KEYS as AUTH, COLLECTION_KEYS as COLLECTION, FILE_KEYS as FILE, INDEX_KEYS as INDEX,
        UPLOAD_KEYS as UPLOAD,
    };
}
#[cfg(test)]
mod tests;

use super::read::{check_keys, expect_bool, expect_map, expect_scalar, expect_seq};
use super::{Catalog, Declared, Flavour};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{ColumnType, QualifiedName, ScalarType, Span, System};
use crate::load::{LoadedFile, Node, Value};
use fields::{required_key, Field, Kind};

/// What `declare` learned, handed to `lower`: every collection, parsed, in file order.
pub struct State<'a> {
    collections: Vec<Collection<'a>>,
    /// `localization.locales`: the codes of the `_locales` enum, when the config localizes.
    locales: Option<Vec<(String, Span)>>,
}

/// The adapter's `idType`: what a collection's `id` column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdType {
    Serial,
    Uuid,
}

#[derive(Debug)]
struct Collection<'a> {
    /// The collection's YAML, kept for what is read after lowering: `access` (row-level rules).
    node: &'a Node,
    slug: String,
    table: String,
    id_type: IdType,
    /// The primary key column's type (a field named `id` of type text/number overrides `idType`).
    id_column: ScalarType,
    fields: Vec<Field>,
    timestamps: bool,
    /// Compound indexes.
    indexes: Vec<CompoundIndex>,
    /// `upload.filenameCompoundIndex`.
    filename_compound: Option<Vec<String>>,
    /// `versions`: a `_<slug>_v` table of versions.
    versions: Option<Versions>,
    /// A global: one document, no relationships to it, its dates plain fields.
    global: bool,
    /// `orderable: true`: an indexed text `_order` field first.
    orderable: bool,
    /// The file's `boundsChecks` (default true): CHECKs from `min`/`max`/`minLength`/`maxLength`.
    bounds_checks: bool,
    span: Span,
}

/// A collection's (or global's) `versions`, as Payload's sanitizer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Versions {
    /// `drafts`: a `_status` field, `latest` in the versions, and no NOT NULL anywhere.
    drafts: bool,
    /// `drafts.autosave`: an `autosave` column in the versions.
    autosave: bool,
    /// `drafts.schedulePublish`: Payload turns its jobs queue on (`payload_jobs`).
    schedule_publish: Option<Span>,
}

pub(crate) const FILE_KEYS: &[&str] = &[
    "flavor",
    "idType",
    "collections",
    "globals",
    "blocks",
    "localization",
    "payloadTables",
    "boundsChecks",
    "access",
    "seed",
    "acceptDataLoss",
    "extensions",
];

pub(crate) const GLOBAL_KEYS: &[&str] = &[
    "slug",
    "dbName",
    "fields",
    "versions",
    "access",
    "label",
    "admin",
    "hooks",
    "endpoints",
    "typescript",
    "graphQL",
    "custom",
    "lockDocuments",
    "forceSelect",
];

pub(crate) const INDEX_KEYS: &[&str] = &["fields", "unique"];

pub(crate) const COLLECTION_KEYS: &[&str] = &[
    "slug",
    "dbName",
    "timestamps",
    "auth",
    "upload",
    "fields",
    "labels",
    "admin",
    "access",
    "hooks",
    "endpoints",
    "defaultSort",
    "typescript",
    "graphQL",
    "custom",
    "trash",
    "versions",
    "indexes",
    "disableDuplicate",
    "defaultPopulate",
    "forceSelect",
    "lockDocuments",
    "renamedFrom",
    "orderable",
    "folders",
    "enableQueryPresets",
];

/// Parses every file and declares each collection (logical name = slug) in the catalog.
pub fn declare<'a>(
    files: &[&'a LoadedFile],
    catalog: &mut Catalog,
    diags: &mut Diagnostics,
) -> State<'a> {
    let (mut collections, mut globals) = (Vec::new(), Vec::new());
    let (mut locales, mut blocks, mut payload_tables) = (None, Vec::new(), None);
    for file in files {
        if let Some(opt_in) = file.root.get("payloadTables") {
            if expect_bool(opt_in, "payloadTables", diags) == Some(true) {
                payload_tables = Some(opt_in.span);
            }
        }
        read_file(&file.root, &mut collections, &mut globals, diags);
        if let (None, Some(node)) = (&locales, file.root.get("localization")) {
            locales = read_localization(node, diags);
        }
        if let Some(list) = file.root.get("blocks") {
            for node in expect_seq(list, "blocks", diags).unwrap_or_default() {
                blocks.extend(fields::block(node, "blocks", false, diags));
            }
        }
    }
    // Payload adds `payload-folders` after the collections, before its other own collections.
    let folders = internal::folders(&collections, diags);
    collections.extend(folders);
    // A second collection with a taken slug is reported by the catalog and not lowered:
    // its tables would only repeat the error as clashing names.
    collections.retain(|c| {
        let taken = catalog.get(&c.slug).is_some();
        catalog.declare(
            Declared {
                name: c.slug.clone(),
                flavour: Flavour::Payload,
                table: QualifiedName::public(&c.table),
                primary_key: vec![("id".into(), ColumnType::scalar(c.id_column.clone()))],
                span: c.span,
            },
            diags,
        );
        !taken
    });
    // Payload builds every collection's tables before the globals' (buildRawSchema), which
    // decides the numbering of clashing index names. Nothing can relate to a global.
    if payload_tables.is_some() {
        // Scheduled publishing turns Payload's jobs queue on, whose tables are not built.
        let scheduled = collections.iter().chain(&globals).filter_map(|c| {
            let span = c.versions?.schedule_publish?;
            Some((span, format!("{}.versions.drafts.schedulePublish", c.slug)))
        });
        for (span, path) in scheduled {
            let what =
                "the jobs queue `schedulePublish` turns on (`payload_jobs`) with `payloadTables`";
            let help = "the other Payload tables are built; create `payload_jobs` by hand, or drop `schedulePublish`";
            diags.push(unsupported(span, &path, what, help));
        }
    }
    if let Some(span) = payload_tables {
        let id_type = collections.first().map_or(IdType::Serial, |c| c.id_type);
        let mut own = internal::collections(&collections, id_type, span, diags);
        collections.append(&mut own);
    }
    let mut presets = internal::query_presets(&collections, diags);
    collections.append(&mut presets);
    collections.append(&mut globals);
    for c in &mut collections {
        references::resolve(&mut c.fields, &blocks, diags);
    }
    joins::apply(&mut collections, diags);
    State {
        collections,
        locales,
    }
}

/// `localization: { locales: [en, { code: de, label: Deutsch }], defaultLocale, fallback }`:
/// the locale codes (`false` is no localization). The first file of a system that says it wins.
fn read_localization(node: &Node, diags: &mut Diagnostics) -> Option<Vec<(String, Span)>> {
    if node.as_bool() == Some(false) {
        return None;
    }
    let entries = expect_map(node, "localization", diags)?;
    let keys = [
        "locales",
        "defaultLocale",
        "fallback",
        "filterAvailableLocales",
    ];
    check_keys(entries, &keys, "localization", diags);
    let list = required_key(node, "locales", "localization", diags)?;
    let mut codes = Vec::new();
    for item in expect_seq(list, "localization.locales", diags).unwrap_or_default() {
        let code = match item.get("code") {
            Some(code) => expect_scalar(code, "localization.locales", diags),
            None => expect_scalar(item, "localization.locales", diags),
        };
        codes.extend(code.map(|c| (c, item.span)));
    }
    (!codes.is_empty()).then_some(codes)
}

/// Lowers every declared collection into tables and enums.
pub fn lower(state: State<'_>, catalog: &Catalog, system: &mut System, diags: &mut Diagnostics) {
    let mut names = names::Registry::default();
    let first = system.tables.len();
    if let Some(locales) = &state.locales {
        system.enums.push(build::locales_enum(locales));
    }
    let locales = state.locales.as_deref();
    for collection in &state.collections {
        let (root, enums) = (system.tables.len(), system.enums.len());
        build::collection(collection, locales, catalog, &mut names, system, diags);
        let declared = renames::declared(collection, diags);
        let built = (&system.tables[root..], &system.enums[enums..]);
        renames::implied(&declared, built.0, built.1, &mut system.renames);
        // The collection's own table is the first it builds; child tables follow it.
        if let (Some(node), Some(table)) = (collection.node.get("access"), system.tables.get(root))
        {
            let (table, path) = (table.db_name.clone(), format!("{}.access", collection.slug));
            super::access::read_table(node, &table, &path, &mut system.access, diags);
        }
    }
    let targets = renames::renamed_rels_targets(&system.tables[first..], &system.renames);
    system.renames.extend(targets);
}

/// A diagnostic for a Payload construct schemagen does not reproduce.
fn unsupported(span: Span, path: &str, what: &str, help: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Unsupported,
        span,
        format!("{what} is not supported by the Payload-style flavour"),
    )
    .at_path(path.to_string())
    .with_help(help.to_string())
}

fn read_file<'a>(
    root: &'a Node,
    out: &mut Vec<Collection<'a>>,
    globals: &mut Vec<Collection<'a>>,
    diags: &mut Diagnostics,
) {
    let Some(entries) = expect_map(root, "", diags) else {
        return;
    };
    check_keys(entries, FILE_KEYS, "", diags);
    let id_type = match root.get("idType") {
        None => IdType::Serial,
        Some(node) => match node.as_str() {
            Some("serial") => IdType::Serial,
            Some("uuid") => IdType::Uuid,
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadValue,
                        node.span,
                        format!(
                            "`idType` must be `serial` or `uuid`, found {}",
                            describe(node)
                        ),
                    )
                    .at_path("idType")
                    .with_help("use `idType: serial` (Payload's default) or `idType: uuid`"),
                );
                IdType::Serial
            }
        },
    };
    // `boundsChecks: false` reproduces Payload's database exactly: bounds only in the app.
    let bounds_checks = root
        .get("boundsChecks")
        .and_then(|n| expect_bool(n, "boundsChecks", diags))
        .unwrap_or(true);
    let with_checks = |mut c: Collection<'a>| {
        c.bounds_checks = bounds_checks;
        c
    };
    if let Some(list) = root.get("globals") {
        for node in expect_seq(list, "globals", diags).unwrap_or_default() {
            globals.extend(read_global(node, id_type, diags).map(with_checks));
        }
    }
    // A file may hold only globals or only config-level blocks.
    let list = match root.get("globals").or(root.get("blocks")) {
        Some(_) => root.get("collections"),
        None => required_key(root, "collections", "collections", diags),
    };
    for node in list
        .and_then(|l| expect_seq(l, "collections", diags))
        .unwrap_or_default()
    {
        out.extend(read_collection(node, id_type, diags).map(with_checks));
    }
}

/// A global (globals/config/sanitize.ts): a one-row table of its fields, `_status` with
/// drafts, then plain `updatedAt` / `createdAt` dates (no index, no default).
fn read_global<'a>(
    node: &'a Node,
    id_type: IdType,
    diags: &mut Diagnostics,
) -> Option<Collection<'a>> {
    let Head {
        slug,
        versions,
        table,
        mut fields,
    } = read_head(node, "globals", GLOBAL_KEYS, diags)?;
    if versions.is_some_and(|v| v.drafts) {
        merge_base_fields(&mut fields, vec![status_field(&slug, node.span)]);
    }
    for name in ["updatedAt", "createdAt"] {
        if !fields.iter().any(|f| f.name == name) {
            fields.push(base(name, Kind::Date, &slug, node.span));
        }
    }
    Some(Collection {
        node,
        slug,
        table,
        id_type,
        id_column: match id_type {
            IdType::Serial => ScalarType::Serial { big: false },
            IdType::Uuid => ScalarType::Uuid,
        },
        fields,
        timestamps: false,
        indexes: Vec::new(),
        filename_compound: None,
        versions,
        global: true,
        orderable: false,
        bounds_checks: true,
        span: node.span,
    })
}

/// What a collection and a global read alike: the slug (the keys checked against `keys`),
/// `versions`, the table (`dbName`, else the slug in snake_case) and the fields.
struct Head {
    slug: String,
    versions: Option<Versions>,
    table: String,
    fields: Vec<Field>,
}

fn read_head(node: &Node, list: &str, keys: &[&str], diags: &mut Diagnostics) -> Option<Head> {
    let entries = expect_map(node, list, diags)?;
    let slug = expect_scalar(required_key(node, "slug", list, diags)?, list, diags)?;
    check_keys(entries, keys, &slug, diags);
    let versions = node
        .get("versions")
        .and_then(|v| read_versions(v, &format!("{slug}.versions"), diags));
    let table = node
        .get("dbName")
        .and_then(|n| expect_scalar(n, &format!("{slug}.dbName"), diags))
        .unwrap_or_else(|| names::snake_case(&slug));
    let fields = match node.get("fields") {
        Some(f) => fields::parse_fields(f, &slug, diags),
        None => Vec::new(),
    };
    Some(Head {
        slug,
        versions,
        table,
        fields,
    })
}

fn describe(node: &Node) -> String {
    node.scalar_text()
        .map_or_else(|| node.kind().to_string(), |t| format!("`{t}`"))
}

fn read_collection<'a>(
    node: &'a Node,
    id_type: IdType,
    diags: &mut Diagnostics,
) -> Option<Collection<'a>> {
    let Head {
        slug,
        versions,
        table,
        mut fields,
    } = read_head(node, "collections", COLLECTION_KEYS, diags)?;
    let path = slug.as_str();
    let flag = |key: &str, default: bool, diags: &mut Diagnostics| {
        node.get(key)
            .and_then(|n| expect_bool(n, &format!("{path}.{key}"), diags))
            .unwrap_or(default)
    };
    let timestamps = flag("timestamps", true, diags);
    let trash = flag("trash", false, diags);
    let orderable = flag("orderable", false, diags);
    flag("enableQueryPresets", false, diags);
    let folders = internal::has_folders(node);
    if let (Some(_), false) = (versions, timestamps) {
        diags.push(
            Diagnostic::error(
                Code::VersionsWithoutTimestamps,
                node.get("timestamps").map_or(node.span, |n| n.span),
                format!("`{slug}` has `versions` but `timestamps: false`"),
            )
            .at_path(format!("{slug}.timestamps"))
            .with_help("versions are ordered by their timestamps: remove `timestamps: false` (Payload refuses it too)"),
        );
    }
    if folders {
        // folders/addFolderFieldToCollection.ts: after the user's fields, before the dates.
        fields.push(internal::folder_field(&slug, node.span));
    }
    add_timestamp_fields(&mut fields, timestamps, trash, &slug, node.span);
    if versions.is_some_and(|v| v.drafts) {
        merge_base_fields(&mut fields, vec![status_field(&slug, node.span)]);
    }
    let mut filename_compound = None;
    if let Some(upload) = node.get("upload") {
        let (base, compound) = upload_fields(upload, &slug, diags);
        merge_base_fields(&mut fields, base);
        filename_compound = compound;
    }
    if let Some(auth) = node.get("auth") {
        merge_base_fields(&mut fields, auth_fields(auth, &slug, diags));
    }
    let id_column = custom_id(&fields).unwrap_or(match id_type {
        IdType::Serial => ScalarType::Serial { big: false },
        IdType::Uuid => ScalarType::Uuid,
    });
    let indexes = node
        .get("indexes")
        .map(|n| compound_indexes(n, &slug, diags))
        .unwrap_or_default();
    Some(Collection {
        node,
        slug,
        table,
        id_type,
        id_column,
        fields,
        timestamps,
        indexes,
        filename_compound,
        versions,
        global: false,
        orderable,
        bounds_checks: true,
        span: node.span,
    })
}

/// `versions: true`, or `{ drafts: true | { autosave, ... }, maxPerDoc }`
/// (collections/config/sanitize.ts); `false` is none.
fn read_versions(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<Versions> {
    let drafts = match &node.value {
        Value::Bool(on) => {
            return on.then_some(Versions {
                drafts: false,
                autosave: false,
                schedule_publish: None,
            })
        }
        Value::Map(entries) => {
            check_keys(entries, &["drafts", "maxPerDoc"], path, diags);
            node.get("drafts")
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    node.span,
                    format!("expected true, false or a map, found {}", node.kind()),
                )
                .at_path(path.to_string()),
            );
            return None;
        }
    };
    let enabled =
        |n: Option<&Node>| n.is_some_and(|n| !matches!(n.value, Value::Bool(false) | Value::Null));
    let (mut autosave, mut schedule_publish) = (false, None);
    if let Some(Value::Map(entries)) = drafts.map(|d| &d.value) {
        let keys = ["autosave", "validate", "schedulePublish", "localizeStatus"];
        check_keys(entries, &keys, &format!("{path}.drafts"), diags);
        autosave = enabled(drafts.and_then(|d| d.get("autosave")));
        schedule_publish = drafts
            .and_then(|d| d.get("schedulePublish"))
            .filter(|n| enabled(Some(n)))
            .map(|n| n.span);
    }
    Some(Versions {
        drafts: enabled(drafts),
        autosave,
        schedule_publish,
    })
}

/// `_status`, the draft/published select drafts add (versions/baseFields.ts).
fn status_field(slug: &str, span: Span) -> Field {
    let options = ["draft", "published"]
        .map(|o| (o.to_string(), span))
        .to_vec();
    let kind = Kind::Select {
        options,
        has_many: false,
    };
    let mut status = with(base("_status", kind, slug, span), false, false, true);
    status.default = Some(Node {
        value: Value::Str("draft".into()),
        span,
    });
    status
}

/// A field named `id` of type text or number replaces the generated id (setColumnID).
fn custom_id(fields: &[Field]) -> Option<ScalarType> {
    let id = fields.iter().find(|f| f.name == "id")?;
    match id.kind {
        Kind::Number { .. } => Some(ScalarType::Numeric {
            precision: None,
            scale: None,
        }),
        Kind::Text { .. } => Some(ScalarType::Varchar { length: None }),
        _ => None,
    }
}

/// One entry of a collection's `indexes`: its field paths, each with where it is written,
/// whether it is unique, and where the entry is.
pub(super) type CompoundIndex = (Vec<(String, Span)>, bool, Span);

/// `indexes: [{ fields: [...], unique }]`.
fn compound_indexes(node: &Node, slug: &str, diags: &mut Diagnostics) -> Vec<CompoundIndex> {
    let path = format!("{slug}.indexes");
    let mut out = Vec::new();
    for item in expect_seq(node, &path, diags).unwrap_or_default() {
        let Some(entries) = expect_map(item, &path, diags) else {
            continue;
        };
        check_keys(entries, INDEX_KEYS, &path, diags);
        let unique = item
            .get("unique")
            .and_then(|n| expect_bool(n, &path, diags))
            .unwrap_or(false);
        let Some(list) = required_key(item, "fields", &path, diags) else {
            continue;
        };
        let fields: Vec<(String, Span)> = expect_seq(list, &path, diags)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| Some((expect_scalar(f, &path, diags)?, f.span)))
            .collect();
        if !fields.is_empty() {
            out.push((fields, unique, item.span));
        }
    }
    out
}

/// A field Payload adds itself (timestamps, auth, upload); it points at the collection.
fn base(name: &str, kind: Kind, slug: &str, span: Span) -> Field {
    fields::bare_field(name.to_string(), format!("{slug}.{name}"), span, kind)
}

fn with(mut f: Field, required: bool, unique: bool, index: bool) -> Field {
    f.required = required.then_some(true);
    f.unique = unique.then_some(true);
    f.index = index.then_some(true);
    f
}

/// `updatedAt`, `createdAt` (and `deletedAt` with `trash`), indexed dates pushed after the
/// user's fields unless the user wrote them (collections/config/sanitize.ts).
fn add_timestamp_fields(
    fields: &mut Vec<Field>,
    timestamps: bool,
    trash: bool,
    slug: &str,
    span: Span,
) {
    if !timestamps {
        return;
    }
    let mut wanted = vec!["updatedAt", "createdAt"];
    if trash {
        wanted.push("deletedAt");
    }
    for name in wanted {
        if !fields.iter().any(|f| f.name == name) {
            fields.push(with(base(name, Kind::Date, slug, span), false, false, true));
        }
    }
}

/// Payload's mergeBaseFields: a user field with a base field's name moves to the end and keeps
/// what the user set; what the user left out comes from the base field.
fn merge_base_fields(fields: &mut Vec<Field>, base_fields: Vec<Field>) {
    for mut b in base_fields {
        if let Some(pos) = fields.iter().position(|f| f.name == b.name) {
            let mut user = fields.remove(pos);
            user.required = user.required.or(b.required);
            user.unique = user.unique.or(b.unique);
            user.index = user.index.or(b.index);
            user.default = user.default.or(b.default.take());
            fields.push(user);
        } else {
            fields.push(b);
        }
    }
}

fn text() -> Kind {
    Kind::Text { has_many: false }
}
fn number() -> Kind {
    Kind::Number { has_many: false }
}

fn int_node(value: i64, span: Span) -> Node {
    Node {
        value: Value::Int(value),
        span,
    }
}

/// The fields an `upload` collection gets (uploads/getBaseFields.ts), and its filename compound index.
fn upload_fields(
    node: &Node,
    slug: &str,
    diags: &mut Diagnostics,
) -> (Vec<Field>, Option<Vec<String>>) {
    let span = node.span;
    let path = format!("{slug}.upload");
    let mut focal = true;
    let mut sizes: Vec<String> = Vec::new();
    let mut compound = None;
    match &node.value {
        Value::Bool(false) => return (Vec::new(), None),
        Value::Bool(true) => {}
        Value::Map(entries) => {
            check_keys(entries, UPLOAD_KEYS, &path, diags);
            focal = node.get("focalPoint").and_then(Node::as_bool) != Some(false)
                || node.get("imageSizes").is_some()
                || node.get("resizeOptions").is_some();
            if let Some(list) = node.get("imageSizes") {
                for size in
                    expect_seq(list, &format!("{path}.imageSizes"), diags).unwrap_or_default()
                {
                    if let Some(name) =
                        required_key(size, "name", &format!("{path}.imageSizes"), diags)
                            .and_then(|n| expect_scalar(n, &path, diags))
                    {
                        sizes.push(name);
                    }
                }
            }
            if let Some(list) = node.get("filenameCompoundIndex") {
                compound = Some(
                    expect_seq(list, &path, diags)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|f| expect_scalar(f, &path, diags))
                        .collect(),
                );
            }
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    span,
                    format!("expected true or a map, found {}", node.kind()),
                )
                .at_path(path),
            );
            return (Vec::new(), None);
        }
    }
    let b = |name: &str, kind: Kind| base(name, kind, slug, span);
    let mut out = vec![
        b("url", text()),
        b("thumbnailURL", text()),
        with(b("filename", text()), false, compound.is_none(), true),
        b("mimeType", text()),
        b("filesize", number()),
        b("width", number()),
        b("height", number()),
    ];
    if focal {
        out.push(b("focalX", number()));
        out.push(b("focalY", number()));
    }
    if !sizes.is_empty() {
        let size_groups = sizes
            .iter()
            .map(|size| {
                let inner = |name: &str, kind: Kind| {
                    base(name, kind, &format!("{slug}.sizes.{size}"), span)
                };
                let fields = vec![
                    inner("url", text()),
                    inner("width", number()),
                    inner("height", number()),
                    inner("mimeType", text()),
                    inner("filesize", number()),
                    with(inner("filename", text()), false, false, true),
                ];
                base(size, Kind::Group { fields }, &format!("{slug}.sizes"), span)
            })
            .collect();
        out.push(b(
            "sizes",
            Kind::Group {
                fields: size_groups,
            },
        ));
    }
    (out, compound)
}

pub(crate) const UPLOAD_KEYS: &[&str] = &[
    "adminThumbnail",
    "allowRestrictedFileTypes",
    "bulkUpload",
    "cacheTags",
    "constructorOptions",
    "crop",
    "disableLocalStorage",
    "displayPreview",
    "externalFileHeaderFilter",
    "filenameCompoundIndex",
    "filesRequiredOnCreate",
    "focalPoint",
    "formatOptions",
    "handlers",
    "hideFileInputOnCreate",
    "hideRemoveFile",
    "imageSizes",
    "mimeTypes",
    "modifyResponseHeaders",
    "pasteURL",
    "resizeOptions",
    "skipSafeFetch",
    "staticDir",
    "trimOptions",
    "withMetadata",
];

pub(crate) const AUTH_KEYS: &[&str] = &[
    "cookies",
    "depth",
    "disableLocalStrategy",
    "forgotPassword",
    "lockTime",
    "loginWithUsername",
    "maxLoginAttempts",
    "removeTokenFromResponses",
    "strategies",
    "tokenExpiration",
    "useAPIKey",
    "useSessions",
    "verify",
    "jwtOrder",
];

/// The fields an `auth` collection gets, with Payload's defaults (auth/getAuthFields.ts,
/// collections/config/defaults.ts: maxLoginAttempts 5, useSessions true, verify false,
/// forgotPassword.minRequestInterval 15000).
fn auth_fields(node: &Node, slug: &str, diags: &mut Diagnostics) -> Vec<Field> {
    let span = node.span;
    let path = format!("{slug}.auth");
    match &node.value {
        Value::Bool(false) => return Vec::new(),
        Value::Bool(true) => {}
        Value::Map(entries) => check_keys(entries, AUTH_KEYS, &path, diags),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    span,
                    format!("expected true or a map, found {}", node.kind()),
                )
                .at_path(path),
            );
            return Vec::new();
        }
    }
    let truthy = |key: &str| {
        node.get(key)
            .is_some_and(|v| v.as_bool() != Some(false) && v.value != Value::Null)
    };
    let b = |name: &str, kind: Kind| base(name, kind, slug, span);
    let mut out = Vec::new();
    if truthy("useAPIKey") {
        out.push(b("enableAPIKey", Kind::Checkbox));
        out.push(b("apiKey", text()));
        out.push(b("apiKeyIndex", text()));
    }
    let local = node.get("disableLocalStrategy");
    let local_enabled = match local {
        None => true,
        Some(v) => {
            v.as_bool() == Some(false)
                || v.get("enableFields").and_then(Node::as_bool) == Some(true)
        }
    };
    if !local_enabled {
        return out;
    }
    let with_username = node.get("loginWithUsername");
    let option = |key: &str| {
        with_username
            .and_then(|w| w.get(key))
            .and_then(Node::as_bool)
    };
    let username = with_username.is_some_and(|w| w.as_bool() != Some(false));
    // With usernames, Payload's defaults (addDefaultsToLoginWithUsernameConfig) are
    // `requireEmail: false` and `allowEmailLogin: false`: email is then optional and not unique.
    let email_login = option("allowEmailLogin") == Some(true);
    let email_required = !username || option("requireEmail") == Some(true);
    let email_unique = !username || email_login;
    out.push(with(
        b("email", Kind::Varchar),
        email_required,
        email_unique,
        false,
    ));
    if username {
        // Without email login the username is required whatever `requireUsername` says.
        let required = option("requireUsername") != Some(false) || !email_login;
        out.push(with(b("username", text()), required, true, false));
    }
    out.push(b("resetPasswordToken", text()));
    out.push(b("resetPasswordExpiration", Kind::Date));
    out.push(b("salt", text()));
    out.push(b("hash", text()));
    // `forgotPassword.minRequestInterval` (default 15000 ms) throttles reset requests by a date.
    let interval = node
        .get("forgotPassword")
        .and_then(|f| f.get("minRequestInterval"))
        .map_or(Some(15000), Node::as_i64);
    if interval.is_some_and(|ms| ms > 0) {
        out.push(b("resetPasswordRequestedAt", Kind::Date));
    }
    if truthy("verify") {
        out.push(b("_verified", Kind::Checkbox));
        out.push(b("_verificationToken", text()));
    }
    let max_attempts = node.get("maxLoginAttempts").map_or(Some(5), Node::as_i64);
    if max_attempts.is_some_and(|n| n > 0) {
        let mut attempts = b("loginAttempts", number());
        attempts.default = Some(int_node(0, span));
        out.push(attempts);
        out.push(b("lockUntil", Kind::Date));
    }
    if node.get("useSessions").and_then(Node::as_bool) != Some(false) {
        let inner = |name: &str, kind: Kind| base(name, kind, &format!("{slug}.sessions"), span);
        let fields = vec![
            with(inner("id", text()), true, false, false),
            inner("createdAt", Kind::Date),
            with(inner("expiresAt", Kind::Date), true, false, false),
        ];
        out.push(b("sessions", Kind::Array { fields }));
    }
    out
}
