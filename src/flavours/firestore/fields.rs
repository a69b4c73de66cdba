//! Field definitions, parsed before any column exists: the short form (`timestamp?`,
//! `array<reference(users)>`) and the long form (`{ type: ..., optional: true, ... }`).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::{
    check_keys, closest, expect_bool, expect_map, expect_scalar, expect_seq,
};
use crate::ir::{ReferentialAction, ScalarType, Span};
use crate::load::{Key, Node, Value};

/// What a field holds.
#[derive(Debug)]
pub enum Kind<'a> {
    Scalar(ScalarType),
    /// A string limited to these values (`{ type: string, enum: [...] }`).
    Enum(Vec<(String, Span)>),
    /// A document of another collection, by the name it is declared with.
    Reference {
        target: String,
        span: Span,
    },
    /// A map; with `fields`, typed (flattened into columns unless `store: jsonb`).
    Map {
        fields: Option<Vec<Field<'a>>>,
    },
    Array(Box<Kind<'a>>),
}

/// How a map with `fields`, or an array of references, is stored (`store:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// Maps: one column per sub-field, prefixed with the map's name.
    Columns,
    /// Maps: one jsonb column.
    Jsonb,
    /// Arrays of references: a join table.
    Join,
    /// Arrays of references: one array column of keys, without foreign keys.
    Array,
}

#[derive(Debug)]
pub struct Field<'a> {
    pub name: String,
    /// The field's key in the file.
    pub span: Span,
    /// `Collection.field.sub`, for messages.
    pub path: String,
    pub kind: Kind<'a>,
    pub optional: bool,
    pub default: Option<&'a Node>,
    pub unique: bool,
    pub comment: Option<String>,
    /// The database column name when the user chose it (`column:`).
    pub column: Option<String>,
    pub store: Option<Store>,
    pub on_delete: Option<ReferentialAction>,
    /// `renamedFrom` (long form): the field's name before, with where it is written.
    pub renamed_from: Option<(String, Span)>,
}

/// The words a type may be made of, for did-you-mean.
const TYPE_WORDS: &[&str] = &[
    "string",
    "number",
    "integer",
    "boolean",
    "timestamp",
    "geopoint",
    "bytes",
    "map",
    "array",
    "reference",
];

/// Names teams bring from other tools, and the Firestore type they mean.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("text", "string"),
    ("int", "integer"),
    ("bigint", "integer"),
    ("float", "number"),
    ("double", "number"),
    ("bool", "boolean"),
    ("date", "timestamp"),
    ("datetime", "timestamp"),
    ("object", "map"),
    ("json", "map"),
    ("list", "array<T>"),
    ("ref", "reference(collection)"),
    ("blob", "bytes"),
    ("binary", "bytes"),
    ("point", "geopoint"),
    ("location", "geopoint"),
];

pub(crate) const FIELD_KEYS: &[&str] = &[
    "type",
    "optional",
    "default",
    "unique",
    "comment",
    "enum",
    "fields",
    "store",
    "onDelete",
    "column",
    "renamedFrom",
];

/// Parses a `fields:` map; `owner` is the path of the collection (or map) that holds it.
pub fn parse_fields<'a>(node: &'a Node, owner: &str, diags: &mut Diagnostics) -> Vec<Field<'a>> {
    let Some(entries) = entries(node, &format!("{owner}.fields"), diags) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(key, value)| parse_field(key, value, owner, diags))
        .collect()
}

/// A map's entries; a key left empty (`fields:`) or `[]` counts as an empty map.
pub fn entries<'a>(
    node: &'a Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<&'a [(Key, Node)]> {
    match &node.value {
        Value::Null => Some(&[]),
        Value::Seq(items) if items.is_empty() => Some(&[]),
        _ => expect_map(node, path, diags),
    }
}

fn parse_field<'a>(
    key: &Key,
    node: &'a Node,
    owner: &str,
    diags: &mut Diagnostics,
) -> Option<Field<'a>> {
    let path = format!("{owner}.{}", key.name);
    let mut field = Field {
        name: key.name.clone(),
        span: key.span,
        path,
        kind: Kind::Map { fields: None },
        optional: false,
        default: None,
        unique: false,
        comment: None,
        column: None,
        store: None,
        on_delete: None,
        renamed_from: None,
    };
    if let Some(text) = node.as_str() {
        (field.kind, field.optional) = parse_type(text, node.span, &field.path, diags)?;
        return Some(field);
    }
    let entries = expect_map(node, &field.path, diags)?;
    check_keys(entries, FIELD_KEYS, &field.path, diags);
    let (kind, optional) = long_form_kind(node, &field.path, diags)?;
    field.kind = kind;
    field.optional = optional;
    if let Some(n) = node.get("optional") {
        field.optional |=
            expect_bool(n, &format!("{}.optional", field.path), diags).unwrap_or(false);
    }
    if let Some(n) = node.get("unique") {
        field.unique = expect_bool(n, &format!("{}.unique", field.path), diags).unwrap_or(false);
    }
    field.default = node.get("default");
    field.comment = node
        .get("comment")
        .and_then(|n| expect_scalar(n, &format!("{}.comment", field.path), diags));
    field.column = node
        .get("column")
        .and_then(|n| expect_scalar(n, &format!("{}.column", field.path), diags));
    field.store = node
        .get("store")
        .and_then(|n| parse_store(n, &field, diags));
    field.on_delete = node
        .get("onDelete")
        .and_then(|n| parse_on_delete(n, &field, diags));
    field.renamed_from = node.get("renamedFrom").and_then(|n| {
        let from = expect_scalar(n, &format!("{}.renamedFrom", field.path), diags)?;
        Some((from, n.span))
    });
    Some(field)
}

/// The long form's type: `type:` (default `string` with `enum`, `map` with `fields`), then `enum`/`fields`.
fn long_form_kind<'a>(
    node: &'a Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<(Kind<'a>, bool)> {
    let (mut kind, optional) = match node.get("type") {
        Some(t) => {
            let text = expect_scalar(t, &format!("{path}.type"), diags)?;
            parse_type(&text, t.span, path, diags)?
        }
        None if node.get("enum").is_some() => (Kind::Scalar(ScalarType::Text), false),
        None if node.get("fields").is_some() => (Kind::Map { fields: None }, false),
        None => {
            diags.push(
                Diagnostic::error(Code::MissingKey, node.span, "the field has no `type`")
                    .at_path(path.to_string())
                    .with_help("add `type: string` (or number, integer, boolean, timestamp, geopoint, bytes, map, array<T>, reference(collection))"),
            );
            return None;
        }
    };
    if let Some(values) = node.get("enum") {
        kind = with_enum(kind, values, path, diags)?;
    }
    if let Some(fields) = node.get("fields") {
        match &mut kind {
            Kind::Map { fields: slot } => *slot = Some(parse_fields(fields, path, diags)),
            _ => diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    fields.span,
                    "`fields` describes a map, but this field is not one",
                )
                .at_path(format!("{path}.fields"))
                .with_help("use `type: map` for a nested object, or remove `fields`"),
            ),
        }
    }
    Some((kind, optional))
}

/// Turns `string` (or `array<string>`) into an enum of the listed values.
fn with_enum<'a>(
    kind: Kind<'a>,
    node: &Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Kind<'a>> {
    let enum_path = format!("{path}.enum");
    let mut values: Vec<(String, Span)> = Vec::new();
    for item in expect_seq(node, &enum_path, diags)? {
        let Some(value) = expect_scalar(item, &enum_path, diags) else {
            continue;
        };
        if values.iter().any(|(v, _)| *v == value) {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    item.span,
                    format!("enum value `{value}` is listed twice"),
                )
                .at_path(enum_path.clone())
                .with_help("remove the second one"),
            );
            continue;
        }
        values.push((value, item.span));
    }
    if values.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                "an enum needs at least one value",
            )
            .at_path(enum_path)
            .with_help("list the values: `enum: [draft, published]`"),
        );
        return None;
    }
    match kind {
        Kind::Scalar(ScalarType::Text) => Some(Kind::Enum(values)),
        Kind::Array(inner) if matches!(*inner, Kind::Scalar(ScalarType::Text)) => {
            Some(Kind::Array(Box::new(Kind::Enum(values))))
        }
        _ => {
            diags.push(
                Diagnostic::error(Code::BadValue, node.span, "`enum` applies to strings only")
                    .at_path(enum_path)
                    .with_help("use `type: string` (or `array<string>`) with `enum`"),
            );
            None
        }
    }
}

fn parse_store(node: &Node, field: &Field, diags: &mut Diagnostics) -> Option<Store> {
    let path = format!("{}.store", field.path);
    let text = expect_scalar(node, &path, diags)?;
    let is_ref_array =
        matches!(&field.kind, Kind::Array(inner) if matches!(**inner, Kind::Reference { .. }));
    let is_typed_map = matches!(field.kind, Kind::Map { fields: Some(_) });
    let (allowed, what): (&[&str], &str) = if is_ref_array {
        (&["join", "array"], "an array of references")
    } else if is_typed_map {
        (&["columns", "jsonb"], "a map with fields")
    } else {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                "`store` applies only to maps with `fields` and to arrays of references",
            )
            .at_path(path)
            .with_help("remove `store`"),
        );
        return None;
    };
    let store = match text.as_str() {
        "join" if is_ref_array => Some(Store::Join),
        "array" if is_ref_array => Some(Store::Array),
        "columns" if is_typed_map => Some(Store::Columns),
        "jsonb" if is_typed_map => Some(Store::Jsonb),
        _ => None,
    };
    if store.is_none() {
        let mut d = Diagnostic::error(
            Code::BadValue,
            node.span,
            format!("`{text}` is not a way to store {what}"),
        )
        .at_path(path);
        d = match closest(&text, allowed) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("use one of: {}", allowed.join(", "))),
        };
        diags.push(d);
    }
    store
}

fn parse_on_delete(
    node: &Node,
    field: &Field,
    diags: &mut Diagnostics,
) -> Option<ReferentialAction> {
    const ACTIONS: &[&str] = &["cascade", "restrict", "setNull", "noAction"];
    let path = format!("{}.onDelete", field.path);
    let text = expect_scalar(node, &path, diags)?;
    let action = match text.as_str() {
        "cascade" => Some(ReferentialAction::Cascade),
        "restrict" => Some(ReferentialAction::Restrict),
        "setNull" => Some(ReferentialAction::SetNull),
        "noAction" => Some(ReferentialAction::NoAction),
        _ => None,
    };
    let is_reference = match &field.kind {
        Kind::Reference { .. } => true,
        Kind::Array(inner) => matches!(**inner, Kind::Reference { .. }),
        _ => false,
    };
    if !is_reference {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                "`onDelete` applies to references only",
            )
            .at_path(path)
            .with_help("remove `onDelete`"),
        );
        return None;
    }
    if action.is_none() {
        let mut d = Diagnostic::error(
            Code::BadValue,
            node.span,
            format!("unknown onDelete action `{text}`"),
        )
        .at_path(path);
        d = match closest(&text, ACTIONS) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("use one of: {}", ACTIONS.join(", "))),
        };
        diags.push(d);
    }
    action
}

/// Parses `type` text: `base` or `base?`, where base is a type word, `array<base>` or
/// `reference(collection)`. Returns the kind and whether the field is optional.
pub fn parse_type<'a>(
    text: &str,
    span: Span,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<(Kind<'a>, bool)> {
    let trimmed = text.trim();
    let (body, optional) = match trimmed.strip_suffix('?') {
        Some(body) => (body.trim_end(), true),
        None => (trimmed, false),
    };
    match parse_kind(body) {
        Ok(kind) => Some((kind_with_span(kind, span), optional)),
        Err(TypeError { message, help }) => {
            diags.push(
                Diagnostic::error(Code::UnknownType, span, message)
                    .at_path(path.to_string())
                    .with_help(help),
            );
            None
        }
    }
}

struct TypeError {
    message: String,
    help: String,
}

fn parse_kind<'a>(text: &str) -> Result<Kind<'a>, TypeError> {
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix("array<")
        .and_then(|t| t.strip_suffix('>'))
    {
        let inner = inner.trim();
        if inner.ends_with('?') {
            return Err(TypeError {
                message: format!("array items cannot be optional: `{text}`"),
                help: "make the array optional instead: `array<T>?`".into(),
            });
        }
        return match parse_kind(inner)? {
            Kind::Array(_) => Err(TypeError {
                message: format!("Firestore arrays cannot hold arrays: `{text}`"),
                help: "use an array of maps (`array<map>`) instead".into(),
            }),
            item => Ok(Kind::Array(Box::new(item))),
        };
    }
    if let Some(target) = text
        .strip_prefix("reference(")
        .and_then(|t| t.strip_suffix(')'))
    {
        let target = target.trim();
        if target.is_empty() {
            return Err(TypeError {
                message: "a reference must name a collection".into(),
                help: "write `reference(users)`".into(),
            });
        }
        return Ok(Kind::Reference {
            target: target.to_string(),
            span: Span::default(),
        });
    }
    let scalar = match text {
        "string" => ScalarType::Text,
        "number" => ScalarType::Double,
        "integer" => ScalarType::BigInt,
        "boolean" => ScalarType::Boolean,
        "timestamp" => ScalarType::Timestamptz { precision: None },
        "geopoint" => ScalarType::GeoPoint,
        "bytes" => ScalarType::Bytea,
        "map" => return Ok(Kind::Map { fields: None }),
        "array" => {
            return Err(TypeError {
                message: "`array` needs the type of its items".into(),
                help: "write `array<string>`, `array<reference(users)>`, ...".into(),
            })
        }
        "reference" => {
            return Err(TypeError {
                message: "`reference` needs the collection it points to".into(),
                help: "write `reference(users)`".into(),
            })
        }
        _ => return Err(unknown_type(text)),
    };
    Ok(Kind::Scalar(scalar))
}

fn unknown_type(text: &str) -> TypeError {
    let word = text.split(['<', '(']).next().unwrap_or(text).trim();
    let lower = word.to_ascii_lowercase();
    let near = TYPE_ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, t)| *t)
        .or_else(|| closest(word, TYPE_WORDS));
    TypeError {
        message: format!("unknown type `{text}`"),
        help: match near {
            Some(near) => format!("did you mean `{near}`?"),
            None => "known types: string, number, integer, boolean, timestamp, geopoint, bytes, map, array<T>, reference(collection)".into(),
        },
    }
}

/// References remember where their type was written, for "unknown collection" messages.
fn kind_with_span(kind: Kind<'_>, span: Span) -> Kind<'_> {
    match kind {
        Kind::Reference { target, .. } => Kind::Reference { target, span },
        Kind::Array(inner) => Kind::Array(Box::new(kind_with_span(*inner, span))),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<Kind<'static>, String> {
        parse_kind(text).map_err(|e| e.help)
    }

    #[test]
    fn reads_nested_types() {
        let Ok(Kind::Array(item)) = kind(" array< reference( users ) > ") else {
            panic!("not an array");
        };
        assert!(matches!(*item, Kind::Reference { ref target, .. } if target == "users"));
        assert!(matches!(
            kind("integer"),
            Ok(Kind::Scalar(ScalarType::BigInt))
        ));
        assert!(
            matches!(kind("array<map>"), Ok(Kind::Array(item)) if matches!(*item, Kind::Map { .. }))
        );
        assert!(kind("array<array<string>>").is_err());
        assert!(kind("array<string?>").is_err());
    }

    #[test]
    fn suggests_the_firestore_word() {
        assert_eq!(kind("strng").unwrap_err(), "did you mean `string`?");
        assert_eq!(kind("int").unwrap_err(), "did you mean `integer`?");
        assert_eq!(kind("datetime").unwrap_err(), "did you mean `timestamp`?");
    }
}
