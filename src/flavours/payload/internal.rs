//! Payload's own collections, their configs as `buildConfig` adds them, written here in the
//! flavour's own YAML and built like any collection: `payload-folders` for collections with
//! `folders: true` (folders/addFolderCollection.ts), and with `payloadTables: true` the others
//! (payload-kv, locked-documents, preferences, migrations), so a Payload project can hand its
//! whole database over. They come after the system's collections and before its globals.

use super::fields::{bare_field, Field, Kind};
use super::{read_collection, Collection, IdType};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Span;
use crate::load::{parse_text, Node, Value};
use std::sync::OnceLock;

/// The collections Payload adds to every config, pointing at `collections` (`document`) and
/// at its auth collections (`user`).
pub(super) fn collections<'a>(
    user: &[Collection<'a>],
    id_type: IdType,
    span: Span,
    diags: &mut Diagnostics,
) -> Vec<Collection<'a>> {
    let slugs = |keep: &dyn Fn(&Collection) -> bool| {
        let list: Vec<&str> = user
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.slug.as_str())
            .collect();
        serde_json::to_string(&list).expect("a list of strings serializes")
    };
    let all = slugs(&|c| !c.global);
    let auth = slugs(&|c| {
        !c.global
            && c.node
                .get("auth")
                .is_some_and(|a| a.as_bool() != Some(false))
    });
    if auth == "[]" {
        diags.push(
            Diagnostic::error(Code::BadValue, span, "`payloadTables` needs an auth collection")
                .at_path("payloadTables")
                .with_help("Payload's preferences and locked documents belong to users: add `auth: true` to the collection users log in with"),
        );
        return Vec::new();
    }
    // JSON lists are YAML flow sequences: the slugs need no quoting of their own.
    let yaml = format!(
        r#"
- slug: payload-kv
  timestamps: false
  fields:
    - {{ name: key, type: text, required: true, index: true, unique: true }}
    - {{ name: data, type: json, required: true }}
- slug: payload-locked-documents
  fields:
    - {{ name: document, type: relationship, index: true, relationTo: {all} }}
    - {{ name: globalSlug, type: text, index: true }}
    - {{ name: user, type: relationship, required: true, relationTo: {auth} }}
- slug: payload-preferences
  fields:
    - {{ name: user, type: relationship, required: true, index: true, relationTo: {auth} }}
    - {{ name: key, type: text, index: true }}
    - {{ name: value, type: json }}
- slug: payload-migrations
  fields:
    - {{ name: name, type: text }}
    - {{ name: batch, type: number }}
"#
    );
    from_yaml(&yaml, id_type, span, diags)
}

/// `folders: true` (or a map, `browseByFolder`) on a collection.
pub(super) fn has_folders(collection: &Node) -> bool {
    collection
        .get("folders")
        .is_some_and(|f| !matches!(f.value, Value::Bool(false) | Value::Null))
}

/// The `folder` relationship a collection with folders gets.
pub(super) fn folder_field(slug: &str, span: Span) -> Field {
    let to = Kind::Relation {
        targets: vec![(FOLDERS.to_string(), span)],
        polymorphic: false,
        has_many: false,
    };
    let mut folder = bare_field("folder".into(), format!("{slug}.folder"), span, to);
    folder.index = Some(true);
    folder
}

const FOLDERS: &str = "payload-folders";

/// `payload-folders`, when a collection has `folders`: folders in folders, and which
/// collections a folder may hold (`folderType`, Payload's default `collectionSpecific`).
pub(super) fn folders<'a>(user: &[Collection<'a>], diags: &mut Diagnostics) -> Vec<Collection<'a>> {
    let with: Vec<&Collection> = user.iter().filter(|c| has_folders(c.node)).collect();
    let Some(first) = with.first() else {
        return Vec::new();
    };
    let slugs: Vec<&str> = with.iter().map(|c| c.slug.as_str()).collect();
    let slugs = serde_json::to_string(&slugs).expect("a list of strings serializes");
    let yaml = format!(
        r#"
- slug: {FOLDERS}
  fields:
    - {{ name: name, type: text, required: true, index: true }}
    - {{ name: folder, type: relationship, index: true, relationTo: {FOLDERS} }}
    - {{ name: folderType, type: select, hasMany: true, options: {slugs} }}
"#
    );
    from_yaml(&yaml, first.id_type, first.span, diags)
}

/// `payload-query-presets`, when a collection has `enableQueryPresets`: saved list views,
/// shared with users of the admin user collection (query-presets/config.ts).
pub(super) fn query_presets<'a>(
    user: &[Collection<'a>],
    diags: &mut Diagnostics,
) -> Vec<Collection<'a>> {
    let with: Vec<&Collection> = user
        .iter()
        .filter(|c| c.node.get("enableQueryPresets").and_then(Node::as_bool) == Some(true))
        .collect();
    let Some(first) = with.first() else {
        return Vec::new();
    };
    // Payload's `admin.user`: the first auth collection.
    let Some(admins) = user.iter().find(|c| is_auth(c)) else {
        diags.push(
            Diagnostic::error(Code::BadValue, first.span, "`enableQueryPresets` needs an auth collection")
                .at_path(format!("{}.enableQueryPresets", first.slug))
                .with_help("query presets are shared with users: add `auth: true` to the collection users log in with"),
        );
        return Vec::new();
    };
    let slugs: Vec<&str> = with.iter().map(|c| c.slug.as_str()).collect();
    let slugs = serde_json::to_string(&slugs).expect("a list of strings serializes");
    let users = serde_json::to_string(&admins.slug).expect("a string serializes");
    let operation = |name: &str| {
        format!(
            r#"
        - name: {name}
          type: group
          fields:
            - {{ name: constraint, type: select, defaultValue: onlyMe, options: [everyone, onlyMe, specificUsers] }}
            - {{ name: users, type: relationship, relationTo: {users}, hasMany: true, admin: {{ condition: specificUsers }} }}"#
        )
    };
    let yaml = format!(
        r#"
- slug: payload-query-presets
  fields:
    - {{ name: title, type: text, required: true }}
    - {{ name: isShared, type: checkbox, defaultValue: false }}
    - name: access
      type: group
      admin: {{ condition: isShared }}
      fields:{}{}{}
    - {{ name: where, type: json }}
    - {{ name: columns, type: json }}
    - {{ name: groupBy, type: text }}
    - {{ name: relatedCollection, type: select, required: true, options: {slugs} }}
    - {{ name: isTemp, type: checkbox }}
"#,
        operation("read"),
        operation("update"),
        operation("delete"),
    );
    from_yaml(&yaml, first.id_type, first.span, diags)
}

fn is_auth(c: &Collection) -> bool {
    !c.global
        && c.node
            .get("auth")
            .is_some_and(|a| a.as_bool() != Some(false))
}

fn from_yaml<'a>(
    yaml: &str,
    id_type: IdType,
    span: Span,
    diags: &mut Diagnostics,
) -> Vec<Collection<'a>> {
    let root = parse_text(yaml, span.file).expect("Payload's own collections parse");
    let items = root.as_seq().unwrap_or_default();
    items
        .iter()
        .filter_map(|node| read_collection(node, id_type, diags))
        .map(|mut c| {
            // Errors in them would be schemagen's: point at what asked for them.
            c.span = span;
            detach(c)
        })
        .collect()
}

/// A collection read from YAML that lives only here: it keeps nothing of the node (no access
/// rules, no renames).
fn detach<'a>(c: Collection<'_>) -> Collection<'a> {
    static NONE: OnceLock<Node> = OnceLock::new();
    let node = NONE.get_or_init(|| Node {
        value: Value::Null,
        span: Span::default(),
    });
    Collection {
        node,
        slug: c.slug,
        table: c.table,
        id_type: c.id_type,
        id_column: c.id_column,
        fields: c.fields,
        timestamps: c.timestamps,
        indexes: c.indexes,
        filename_compound: c.filename_compound,
        versions: c.versions,
        global: c.global,
        orderable: c.orderable,
        bounds_checks: c.bounds_checks,
        span: c.span,
    }
}
