//! `payloadTables: true`: Payload's own collections, so a Payload project can hand its whole
//! database over. Their configs are Payload's (payload-kv, locked-documents, preferences,
//! migrations as `buildConfig` adds them), written here in the flavour's own YAML and built
//! like any collection, after the system's collections and before its globals.

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
    let root = parse_text(&yaml, span.file).expect("the internal collections parse");
    let items = root.as_seq().unwrap_or_default();
    items
        .iter()
        .filter_map(|node| read_collection(node, id_type, diags))
        .map(|mut c| {
            // Errors in them would be schemagen's: point every span at `payloadTables`.
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
        span: c.span,
    }
}
