//! `indexes:` as in `firestore.indexes.json`: lists of fields with `asc`, `desc`,
//! `array-contains` or `geo`. Ordered fields become one btree index; each
//! `array-contains` field a GIN index, each geopoint a GiST index (Postgres cannot mix
//! them in one index without extensions).

use super::columns::{column_part, Indexed, Shape};
use super::names::fit;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::{check_keys, closest, expect_bool, expect_scalar, expect_seq};
use crate::ir::{Index, IndexMethod, IndexPart, SortOrder, Span, Table};
use crate::load::Node;
use std::collections::BTreeMap;

pub(crate) const ENTRY_KEYS: &[&str] = &["fields", "name", "unique", "scope"];
const MODIFIERS: &[&str] = &["asc", "desc", "array-contains", "geo"];

/// What the indexes of one table can see.
pub struct Context<'a> {
    pub lookup: &'a BTreeMap<String, Indexed>,
    /// A subcollection's parent key column: collection-scoped indexes start with it.
    pub parent_column: Option<&'a str>,
    /// `Collection.indexes`, for messages.
    pub path: String,
}

/// One entry of `indexes:`, read.
struct Entry<'a> {
    fields: &'a [Node],
    name: Option<(String, Span)>,
    unique: bool,
    group_scope: bool,
    span: Span,
}

pub fn lower(node: &Node, table: &mut Table, cx: &Context, diags: &mut Diagnostics) {
    let Some(entries) = expect_seq(node, &cx.path, diags) else {
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("{}[{i}]", cx.path);
        if let Some(entry) = read_entry(entry, &path, diags) {
            for index in indexes_of(&entry, table, cx, &path, diags) {
                add(table, index);
            }
        }
    }
}

fn read_entry<'a>(node: &'a Node, path: &str, diags: &mut Diagnostics) -> Option<Entry<'a>> {
    if let Some(fields) = node.as_seq() {
        return Some(Entry {
            fields,
            name: None,
            unique: false,
            group_scope: false,
            span: node.span,
        });
    }
    let Some(entries) = node.as_map() else {
        diags.push(
            Diagnostic::error(
                Code::UnexpectedShape,
                node.span,
                format!("expected a list of fields or a map, found {}", node.kind()),
            )
            .at_path(path.to_string())
            .with_help("write `- [status, createdAt desc]` or `- { fields: [...], name: ... }`"),
        );
        return None;
    };
    check_keys(entries, ENTRY_KEYS, path, diags);
    let Some(fields) = node.get("fields") else {
        diags.push(
            Diagnostic::error(Code::MissingKey, node.span, "the index has no `fields`")
                .at_path(path.to_string())
                .with_help("add `fields: [field, other desc]`"),
        );
        return None;
    };
    let name = node
        .get("name")
        .and_then(|n| expect_scalar(n, &format!("{path}.name"), diags).map(|s| (s, n.span)));
    let unique = node
        .get("unique")
        .and_then(|n| expect_bool(n, &format!("{path}.unique"), diags))
        .unwrap_or(false);
    let group_scope = match node.get("scope") {
        None => false,
        Some(n) => match expect_scalar(n, &format!("{path}.scope"), diags).as_deref() {
            Some("collection") | None => false,
            Some("group") => true,
            Some(other) => {
                diags.push(
                    Diagnostic::error(Code::BadValue, n.span, format!("unknown index scope `{other}`"))
                        .at_path(format!("{path}.scope"))
                        .with_help("use `collection` (within one parent document) or `group` (across all parents)"),
                );
                false
            }
        },
    };
    Some(Entry {
        fields: expect_seq(fields, &format!("{path}.fields"), diags)?,
        name,
        unique,
        group_scope,
        span: node.span,
    })
}

/// The Postgres indexes one entry needs.
fn indexes_of(
    entry: &Entry,
    table: &Table,
    cx: &Context,
    path: &str,
    diags: &mut Diagnostics,
) -> Vec<Index> {
    let (mut ordered, singles) = parts_of(entry, cx, path, diags);
    if let (true, Some((_, _, first))) = (entry.unique, singles.first()) {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                *first,
                "a unique index can hold ordered fields only",
            )
            .at_path(path.to_string())
            .with_help("remove `unique`, or the `array-contains`/geopoint fields"),
        );
        return Vec::new();
    }
    let table_name = &table.db_name.name;
    let mut out = Vec::new();
    if !ordered.is_empty() {
        if let Some(parent) = cx.parent_column.filter(|_| !entry.group_scope) {
            if !starts_with(&ordered, parent) {
                ordered.insert(0, column_part(parent));
            }
        }
        let suffix = if entry.unique { "key" } else { "idx" };
        let name = format!("{table_name}_{}_{suffix}", columns_of(&ordered));
        out.push(index(name, ordered, IndexMethod::Btree, entry));
    }
    for (column, method, _) in singles {
        let suffix = if method == IndexMethod::Gin {
            "gin"
        } else {
            "gist"
        };
        let name = format!("{table_name}_{column}_{suffix}");
        out.push(index(name, vec![column_part(&column)], method, entry));
    }
    if let Some((name, span)) = &entry.name {
        name_the_index(&mut out, name, *span, path, diags);
    }
    out
}

/// The entry's ordered parts (for one btree index) and the columns that need an index of
/// their own, reporting the fields that fit neither.
fn parts_of(
    entry: &Entry,
    cx: &Context,
    path: &str,
    diags: &mut Diagnostics,
) -> (Vec<IndexPart>, Vec<(String, IndexMethod, Span)>) {
    let mut ordered = Vec::new();
    let mut singles = Vec::new();
    for item in entry.fields {
        let Some(text) = expect_scalar(item, path, diags) else {
            continue;
        };
        let Some((indexed, modifier)) = resolve(&text, item.span, cx, path, diags) else {
            continue;
        };
        let (modifier, modifier_span) = modifier.unzip();
        match placement(indexed.shape, modifier.as_deref()) {
            Ok(Placement::Ordered(order)) => ordered.push(IndexPart::Column {
                name: indexed.column.clone(),
                order,
                opclass: None,
            }),
            Ok(Placement::Alone(method)) => {
                singles.push((indexed.column.clone(), method, item.span))
            }
            Ok(Placement::Covered) => {}
            Err((problem, help)) => {
                // The mode is at fault, unless the field cannot be indexed at all.
                let span = match indexed.shape {
                    Shape::GeoArray => item.span,
                    _ => modifier_span.unwrap_or(item.span),
                };
                diags.push(
                    Diagnostic::error(Code::BadValue, span, format!("{problem} (`{text}`)"))
                        .at_path(path.to_string())
                        .with_help(help),
                )
            }
        }
    }
    (ordered, singles)
}

fn index(db_name: String, parts: Vec<IndexPart>, method: IndexMethod, entry: &Entry) -> Index {
    Index {
        db_name: fit(db_name),
        parts,
        unique: entry.unique,
        method,
        predicate: None,
        concurrently: false,
        span: entry.span,
    }
}

/// A chosen name is kept as written (validate reports it if Postgres would cut it), and
/// fits only an entry that makes one index.
fn name_the_index(out: &mut [Index], name: &str, span: Span, path: &str, diags: &mut Diagnostics) {
    match out {
        [index] => {
            index.db_name = name.to_string();
            index.span = span;
        }
        [] => {}
        _ => diags.push(
            Diagnostic::error(
                Code::BadValue,
                span,
                format!("this entry makes {} indexes, so one name cannot fit them", out.len()),
            )
            .at_path(format!("{path}.name"))
            .with_help("split the entry: one for the ordered fields, one per `array-contains` or geopoint field"),
        ),
    }
}

/// Where one field of an entry goes.
enum Placement {
    /// Into the entry's btree index.
    Ordered(SortOrder),
    /// Into an index of its own (GIN, GiST).
    Alone(IndexMethod),
    /// Nowhere: an index that always exists serves it.
    Covered,
}

/// Where a field goes given its shape and mode, or the problem and a hint.
fn placement(
    shape: Shape,
    modifier: Option<&str>,
) -> Result<Placement, (&'static str, &'static str)> {
    match (shape, modifier) {
        // The join table's index on the referenced key serves `array-contains`.
        (Shape::Join, Some("array-contains")) => Ok(Placement::Covered),
        (Shape::Array, Some("array-contains")) => Ok(Placement::Alone(IndexMethod::Gin)),
        (Shape::Geo, None | Some("geo" | "asc")) => Ok(Placement::Alone(IndexMethod::Gist)),
        (Shape::Scalar | Shape::Array, None | Some("asc")) => {
            Ok(Placement::Ordered(SortOrder::Asc))
        }
        (Shape::Scalar | Shape::Array, Some("desc")) => Ok(Placement::Ordered(SortOrder::Desc)),
        (Shape::GeoArray, _) => Err((
            "Postgres cannot index an array of geopoints",
            "keep the points in a subcollection (one geopoint per document) and index that",
        )),
        (_, Some("array-contains")) => Err((
            "`array-contains` needs an array field",
            "remove `array-contains`, or index an `array<T>` field",
        )),
        (_, Some("geo")) => Err(("`geo` needs a geopoint field", "remove `geo`")),
        (Shape::Geo, _) => Err((
            "a geopoint has no order",
            "write the field alone (or with `geo`) for a geographic index",
        )),
        // What is left: a join-table array with an order.
        _ => Err((
            "an array of references kept in a join table can only be indexed with `array-contains`",
            "write `field array-contains`, or store the array as a column (`store: array`)",
        )),
    }
}

/// `lastMessageAt desc` → the field's column and the modifier, or a diagnostic.
fn resolve<'a>(
    text: &str,
    span: Span,
    cx: &'a Context,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<(&'a Indexed, Option<(String, Span)>)> {
    let mut words = words_of(text, span);
    let (field, _) = words.next().unwrap_or_default();
    let modifier = words.next();
    if let Some((extra, extra_span)) = words.next() {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                extra_span,
                format!("unexpected `{extra}` in `{text}`"),
            )
            .at_path(path.to_string())
            .with_help("write a field and at most one of: asc, desc, array-contains, geo"),
        );
        return None;
    }
    if let Some((m, m_span)) = modifier.filter(|(m, _)| !MODIFIERS.contains(m)) {
        let mut d = Diagnostic::error(Code::BadValue, m_span, format!("unknown index order `{m}`"))
            .at_path(path.to_string());
        d = match closest(m, MODIFIERS) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("use one of: {}", MODIFIERS.join(", "))),
        };
        diags.push(d);
        return None;
    }
    let Some(indexed) = cx.lookup.get(field) else {
        let names: Vec<&str> = cx.lookup.keys().map(String::as_str).collect();
        let mut d = Diagnostic::error(
            Code::UnknownField,
            span,
            format!("the index names `{field}`, which is not a field here"),
        )
        .at_path(path.to_string());
        d = match closest(field, &names) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("known fields: {}", names.join(", "))),
        };
        diags.push(d);
        return None;
    };
    Some((indexed, modifier.map(|(m, at)| (m.to_string(), at))))
}

/// The words of an entry item (`createdAt desc`), each with where it starts: the underline of a
/// diagnostic sits under the word at fault. Items are plain scalars; a quoted one would put
/// each word one column early.
fn words_of(text: &str, span: Span) -> impl Iterator<Item = (&str, Span)> {
    text.split_whitespace().map(move |word| {
        let at = word.as_ptr() as usize - text.as_ptr() as usize;
        let column = span.column + text[..at].chars().count() as u32;
        (word, Span { column, ..span })
    })
}

fn starts_with(parts: &[IndexPart], column: &str) -> bool {
    matches!(parts.first(), Some(IndexPart::Column { name, .. }) if name == column)
}

fn columns_of(parts: &[IndexPart]) -> String {
    let names: Vec<&str> = parts
        .iter()
        .map(|p| match p {
            IndexPart::Column { name, .. } => name.as_str(),
            IndexPart::Expression { .. } => "expr",
        })
        .collect();
    names.join("_")
}

/// Adds an index unless the same one is already there (two Firestore indexes can share
/// their GIN part); a different index of the same name is left for validate to report.
fn add(table: &mut Table, index: Index) {
    if !table.indexes.contains(&index) {
        table.indexes.push(index);
    }
}

/// A subcollection is read one parent at a time: its parent key needs an index
/// unless a btree index already starts with it.
pub fn ensure_parent_index(table: &mut Table, parent_column: &str, span: Span) {
    let covered = table
        .indexes
        .iter()
        .any(|i| i.method == IndexMethod::Btree && starts_with(&i.parts, parent_column));
    if !covered {
        table.indexes.push(Index {
            db_name: fit(format!("{}_{parent_column}_idx", table.db_name.name)),
            parts: vec![column_part(parent_column)],
            unique: false,
            method: IndexMethod::Btree,
            predicate: None,
            concurrently: false,
            span,
        });
    }
}
