//! Payload field configs (YAML with Payload's own key names) → [`Field`]s.
//!
//! Presentational fields (`row`, `collapsible`, unnamed `tabs` and unnamed `group`) hold no data:
//! their fields are lifted into the parent, as Payload's `flattenAllFields` does; a named tab
//! becomes a group. `ui` fields are dropped. Keys that only matter to Payload's admin panel or
//! runtime (`admin`, `label`, `hooks`, `access`, `validate`, ...) are accepted and ignored.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::{
    check_keys, closest, expect_bool, expect_map, expect_scalar, expect_seq,
};
use crate::ir::Span;
use crate::load::{Key, Node, Value};

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// Where the field sits, for diagnostics and logical names: `mood-entries.activities.minutes`.
    pub path: String,
    pub span: Span,
    pub kind: Kind,
    pub required: Option<bool>,
    pub unique: Option<bool>,
    pub index: Option<bool>,
    pub default: Option<Node>,
    pub db_name: Option<String>,
    pub enum_name: Option<String>,
    /// `admin.condition` is set: Payload then never makes the column NOT NULL.
    pub conditional: bool,
    /// `virtual: true`: no column (Payload's fieldIsVirtual).
    pub virtual_field: bool,
    /// `localized: true`: per-locale values, which only a config with `localization` stores
    /// apart; without one Payload ignores the key, and so does schemagen.
    pub localized: bool,
    pub bounds: Bounds,
    /// `renamedFrom`: the field's name before, with where it is written.
    pub renamed_from: Option<(String, Span)>,
}

/// `min`/`max` (numbers) and `minLength`/`maxLength` (text), as written.
#[derive(Debug, Default, Clone)]
pub struct Bounds {
    pub min: Option<String>,
    pub max: Option<String>,
    pub min_length: Option<String>,
    pub max_length: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// `text` (varchar; `hasMany` → the `<root>_texts` table).
    Text {
        has_many: bool,
    },
    /// `textarea`, `email`, `code`: varchar.
    Varchar,
    Number {
        has_many: bool,
    },
    Checkbox,
    Date,
    /// `select` and `radio`: an enum (`hasMany` → a child table of values).
    Select {
        options: Vec<(String, Span)>,
        has_many: bool,
    },
    /// `relationship` and `upload`.
    Relation {
        targets: Vec<(String, Span)>,
        polymorphic: bool,
        has_many: bool,
    },
    Array {
        fields: Vec<Field>,
    },
    Group {
        fields: Vec<Field>,
    },
    Blocks {
        blocks: Vec<Block>,
    },
    /// `json` and `richText`: jsonb.
    Json,
    Point,
    /// `join`: a virtual reverse view of a relationship, no column; `orderable` gives the
    /// joined collection an order column.
    Join {
        collection: Option<(String, Span)>,
        on: Option<(String, Span)>,
        orderable: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Block {
    pub slug: String,
    pub path: String,
    pub span: Span,
    pub db_name: Option<String>,
    pub fields: Vec<Field>,
    /// Named in `blockReferences` by slug: its `dbName` and fields come from the config-level
    /// `blocks` once every file is read.
    pub by_slug: bool,
}

pub(crate) const TYPES: &[&str] = &[
    "text",
    "textarea",
    "email",
    "code",
    "number",
    "checkbox",
    "date",
    "select",
    "radio",
    "relationship",
    "upload",
    "array",
    "group",
    "blocks",
    "json",
    "richText",
    "point",
    "join",
    "row",
    "collapsible",
    "tabs",
    "ui",
];

/// Keys every data field may carry.
pub(crate) const COMMON: &[&str] = &[
    "name",
    "type",
    "label",
    "admin",
    "hooks",
    "access",
    "required",
    "unique",
    "index",
    "defaultValue",
    "dbName",
    "localized",
    "validate",
    "hidden",
    "saveToJWT",
    "custom",
    "typescriptSchema",
    "virtual",
    "interfaceName",
    "graphQL",
    "renamedFrom",
];

/// Keys of the fields that hold no data: `row`, `collapsible`, an unnamed `group`.
pub(crate) const LAYOUT_KEYS: &[&str] = &["type", "label", "admin", "fields", "custom", "name"];
pub(crate) const TABS_KEYS: &[&str] = &["type", "admin", "tabs", "custom", "name"];
pub(crate) const UI_KEYS: &[&str] = &["name", "type", "label", "admin", "custom"];
/// Keys of one tab of a `tabs` field.
pub(crate) const TAB_KEYS: &[&str] = &[
    "name",
    "label",
    "fields",
    "description",
    "interfaceName",
    "admin",
    "custom",
    "id",
    "virtual",
    "localized",
    "dbName",
    "renamedFrom",
];
/// Keys of a block of a `blocks` field.
pub(crate) const BLOCK_KEYS: &[&str] = &[
    "slug",
    "fields",
    "labels",
    "interfaceName",
    "dbName",
    "imageURL",
    "imageAltText",
    "admin",
    "custom",
    "graphQL",
];

pub(crate) fn extra_keys(ty: &str) -> &'static [&'static str] {
    match ty {
        "text" => &["minLength", "maxLength", "hasMany", "minRows", "maxRows"],
        "textarea" | "code" => &["minLength", "maxLength"],
        "number" => &["min", "max", "hasMany", "minRows", "maxRows"],
        "date" => &["timezone"],
        "select" => &["options", "hasMany", "enumName", "filterOptions"],
        "radio" => &["options", "enumName"],
        "relationship" => &[
            "relationTo",
            "hasMany",
            "maxDepth",
            "filterOptions",
            "minRows",
            "maxRows",
            "min",
            "max",
        ],
        "upload" => &[
            "relationTo",
            "hasMany",
            "maxDepth",
            "filterOptions",
            "minRows",
            "maxRows",
            "displayPreview",
        ],
        "array" => &["fields", "minRows", "maxRows", "labels"],
        "group" => &["fields"],
        "blocks" => &["blocks", "blockReferences", "minRows", "maxRows", "labels"],
        "json" => &["jsonSchema"],
        "richText" => &["editor"],
        "join" => &[
            "collection",
            "on",
            "maxDepth",
            "defaultLimit",
            "defaultSort",
            "where",
            "orderable",
            "hasMany",
        ],
        _ => &[],
    }
}

/// Reads a `fields:` list. `parent` is the path of the collection, block or field that holds it.
pub fn parse_fields(node: &Node, parent: &str, diags: &mut Diagnostics) -> Vec<Field> {
    let mut out = Vec::new();
    let path = format!("{parent}.fields");
    for item in expect_seq(node, &path, diags).unwrap_or_default() {
        parse_field(item, parent, &mut out, diags);
    }
    out
}

fn parse_field(node: &Node, parent: &str, out: &mut Vec<Field>, diags: &mut Diagnostics) {
    let Some(entries) = expect_map(node, &format!("{parent}.fields"), diags) else {
        return;
    };
    let name = node
        .get("name")
        .and_then(|n| expect_scalar(n, parent, diags));
    let path = match &name {
        Some(name) => format!("{parent}.{name}"),
        None => parent.to_string(),
    };
    let Some(ty_node) = node.get("type") else {
        diags.push(
            Diagnostic::error(Code::MissingKey, node.span, "the field has no `type`")
                .at_path(path)
                .with_help(format!("add `type: <{}>`", TYPES.join("|"))),
        );
        return;
    };
    let ty = expect_scalar(ty_node, &path, diags).unwrap_or_default();
    if ty == "slug" {
        diags.push(slug_type(ty_node.span, &path));
        return;
    }
    if !TYPES.contains(&ty.as_str()) {
        let mut d = Diagnostic::error(
            Code::UnknownType,
            ty_node.span,
            format!("`{ty}` is not a Payload field type"),
        )
        .at_path(path.clone());
        d = match closest(&ty, TYPES) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("field types: {}", TYPES.join(", "))),
        };
        diags.push(d);
        return;
    }

    // Fields that hold no data of their own: lift what they contain.
    match (ty.as_str(), &name) {
        ("row" | "collapsible", _) | ("group", None) => {
            check_keys(entries, LAYOUT_KEYS, &path, diags);
            if let Some(fields) = required_key(node, "fields", &path, diags) {
                out.extend(parse_fields(fields, parent, diags));
            }
            return;
        }
        ("tabs", _) => {
            check_keys(entries, TABS_KEYS, &path, diags);
            if let Some(tabs) = required_key(node, "tabs", &path, diags) {
                for tab in expect_seq(tabs, &format!("{path}.tabs"), diags).unwrap_or_default() {
                    parse_tab(tab, parent, out, diags);
                }
            }
            return;
        }
        ("ui", _) => {
            check_keys(entries, UI_KEYS, &path, diags);
            return;
        }
        _ => {}
    }

    let Some(name) = name else {
        diags.push(
            Diagnostic::error(
                Code::MissingKey,
                node.span,
                format!("the {ty} field has no `name`"),
            )
            .at_path(path)
            .with_help("every field that stores data needs a `name`"),
        );
        return;
    };
    let allowed: Vec<&str> = COMMON.iter().chain(extra_keys(&ty)).copied().collect();
    check_keys(entries, &allowed, &path, diags);
    if let Some(field) = data_field(node, &ty, name, path, diags) {
        let zone = node
            .get("timezone")
            .and_then(|tz| timezone_field(tz, &field, diags));
        out.push(field);
        out.extend(zone);
    }
}

/// Payload's default `supportedTimezones` (fields/baseFields/timezone/defaultTimezones.ts).
const TIMEZONES: &[&str] = &[
    "Pacific/Midway",
    "Pacific/Niue",
    "Pacific/Honolulu",
    "Pacific/Rarotonga",
    "America/Anchorage",
    "Pacific/Gambier",
    "America/Los_Angeles",
    "America/Tijuana",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/Guatemala",
    "America/New_York",
    "America/Bogota",
    "America/Caracas",
    "America/Santiago",
    "America/Buenos_Aires",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "Atlantic/Cape_Verde",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Lagos",
    "Europe/Athens",
    "Africa/Cairo",
    "Europe/Moscow",
    "Asia/Riyadh",
    "Asia/Dubai",
    "Asia/Baku",
    "Asia/Karachi",
    "Asia/Tashkent",
    "Asia/Calcutta",
    "Asia/Dhaka",
    "Asia/Almaty",
    "Asia/Jakarta",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Guam",
    "Pacific/Noumea",
    "Pacific/Auckland",
    "Pacific/Fiji",
];

/// A date's `timezone`: the `<name>_tz` select Payload inserts after it (fields/config/
/// sanitize.ts): `true`, or `{ defaultTimezone, required, supportedTimezones }`.
fn timezone_field(node: &Node, date: &Field, diags: &mut Diagnostics) -> Option<Field> {
    let path = format!("{}.timezone", date.path);
    let options: Vec<(String, Span)> = match &node.value {
        Value::Bool(false) | Value::Null => return None,
        Value::Bool(true) => TIMEZONES
            .iter()
            .map(|z| (z.to_string(), node.span))
            .collect(),
        Value::Map(entries) => {
            let keys = [
                "defaultTimezone",
                "required",
                "supportedTimezones",
                "override",
            ];
            check_keys(entries, &keys, &path, diags);
            match node.get("supportedTimezones") {
                Some(_) => options_of(node, "supportedTimezones", &path, diags)?,
                None => TIMEZONES
                    .iter()
                    .map(|z| (z.to_string(), node.span))
                    .collect(),
            }
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::UnexpectedShape,
                    node.span,
                    format!("expected true or a map, found {}", node.kind()),
                )
                .at_path(path),
            );
            return None;
        }
    };
    let name = format!("{}_tz", date.name);
    let mut zone = bare_field(
        name.clone(),
        format!("{}_tz", date.path),
        node.span,
        Kind::Select {
            options: options.clone(),
            has_many: false,
        },
    );
    let required = node.get("required").and_then(Node::as_bool) == Some(true);
    zone.required = (date.required == Some(true) || required).then_some(true);
    // One supported timezone is the default (sanitize.ts).
    zone.default = match options.as_slice() {
        [(only, span)] => Some(Node {
            value: Value::Str(only.clone()),
            span: *span,
        }),
        _ => node.get("defaultTimezone").cloned(),
    };
    Some(zone)
}

/// A tab of a `tabs` field: a named tab is a group, an unnamed one is lifted.
fn parse_tab(node: &Node, parent: &str, out: &mut Vec<Field>, diags: &mut Diagnostics) {
    let Some(entries) = expect_map(node, &format!("{parent}.tabs"), diags) else {
        return;
    };
    let allowed = TAB_KEYS;
    let name = node
        .get("name")
        .and_then(|n| expect_scalar(n, parent, diags));
    let path = match &name {
        Some(name) => format!("{parent}.{name}"),
        None => parent.to_string(),
    };
    check_keys(entries, allowed, &path, diags);
    let Some(fields_node) = required_key(node, "fields", &path, diags) else {
        return;
    };
    match name {
        None => out.extend(parse_fields(fields_node, parent, diags)),
        Some(name) => {
            let fields = parse_fields(fields_node, &path, diags);
            let mut field = bare_field(name, path, node.span, Kind::Group { fields });
            read_common(node, &mut field, diags);
            out.push(field);
        }
    }
}

pub(super) fn bare_field(name: String, path: String, span: Span, kind: Kind) -> Field {
    Field {
        name,
        path,
        span,
        kind,
        required: None,
        unique: None,
        index: None,
        default: None,
        db_name: None,
        enum_name: None,
        conditional: false,
        virtual_field: false,
        localized: false,
        bounds: Bounds::default(),
        renamed_from: None,
    }
}

fn data_field(
    node: &Node,
    ty: &str,
    name: String,
    path: String,
    diags: &mut Diagnostics,
) -> Option<Field> {
    let has_many = flag(node, "hasMany", &path, diags);
    let kind = match ty {
        "text" => Kind::Text { has_many },
        "textarea" | "email" | "code" => Kind::Varchar,
        "number" => Kind::Number { has_many },
        "checkbox" => Kind::Checkbox,
        "date" => Kind::Date,
        "select" | "radio" => Kind::Select {
            options: options(node, &path, diags)?,
            has_many: ty == "select" && has_many,
        },
        "relationship" | "upload" => relation(node, &path, has_many, diags)?,
        "array" | "group" => {
            let fields = parse_fields(required_key(node, "fields", &path, diags)?, &path, diags);
            if ty == "array" {
                Kind::Array { fields }
            } else {
                Kind::Group { fields }
            }
        }
        "blocks" => {
            // `blockReferences` (slugs of config-level blocks, or blocks) replaces `blocks`.
            let key = match node.get("blockReferences") {
                Some(_) => "blockReferences",
                None => "blocks",
            };
            let list = required_key(node, key, &path, diags)?;
            let items = expect_seq(list, &format!("{path}.{key}"), diags).unwrap_or_default();
            let by_slug = key == "blockReferences";
            Kind::Blocks {
                blocks: items
                    .iter()
                    .filter_map(|b| block(b, &path, by_slug, diags))
                    .collect(),
            }
        }
        "json" | "richText" => Kind::Json,
        "point" => Kind::Point,
        // `join`; the presentational types were lifted by the caller.
        _ => {
            let text = |key: &str, diags: &mut Diagnostics| {
                let value = required_key(node, key, &path, diags)?;
                Some((
                    expect_scalar(value, &format!("{path}.{key}"), diags)?,
                    value.span,
                ))
            };
            // A list of collections is a polymorphic join: nothing to check or order.
            let polymorphic = node.get("collection").is_some_and(|c| c.as_seq().is_some());
            Kind::Join {
                collection: if polymorphic {
                    None
                } else {
                    text("collection", diags)
                },
                on: text("on", diags),
                orderable: flag(node, "orderable", &path, diags),
            }
        }
    };
    let mut field = bare_field(name, path, node.span, kind);
    read_common(node, &mut field, diags);
    Some(field)
}

/// `type: slug` is Payload 4's (canary); Payload 3 writes `slugField()`, which is a row of a
/// checkbox and a text field (fields/baseFields/slug/index.ts).
fn slug_type(span: Span, path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PayloadFourOnly,
        span,
        "`type: slug` is a Payload 4 field type; the Payload-style flavour follows Payload 3.x",
    )
    .at_path(path.to_string())
    .with_help(
        "write what Payload 3's `slugField()` makes: `{ name: generateSlug, type: checkbox, defaultValue: true }` \
         and `{ name: slug, type: text, index: true, required: true, unique: true }`",
    )
}

/// The keys every data field shares: constraints, names, default and bounds.
fn read_common(node: &Node, field: &mut Field, diags: &mut Diagnostics) {
    let path = field.path.clone();
    let opt_bool = |key: &str, diags: &mut Diagnostics| {
        node.get(key)
            .and_then(|n| expect_bool(n, &format!("{path}.{key}"), diags))
    };
    field.required = opt_bool("required", diags);
    field.unique = opt_bool("unique", diags);
    field.index = opt_bool("index", diags);
    field.virtual_field = opt_bool("virtual", diags).unwrap_or(false);
    field.localized = opt_bool("localized", diags).unwrap_or(false);
    let text = |key: &str, diags: &mut Diagnostics| {
        node.get(key)
            .and_then(|n| expect_scalar(n, &format!("{path}.{key}"), diags))
    };
    field.db_name = text("dbName", diags);
    field.enum_name = text("enumName", diags);
    field.renamed_from = node
        .get("renamedFrom")
        .and_then(|n| Some((text("renamedFrom", diags)?, n.span)));
    field.bounds = Bounds {
        min: number(node, "min", &path, diags),
        max: number(node, "max", &path, diags),
        min_length: number(node, "minLength", &path, diags),
        max_length: number(node, "maxLength", &path, diags),
    };
    field.default = node.get("defaultValue").cloned();
    field.conditional = node
        .get("admin")
        .is_some_and(|admin| admin.get("condition").is_some());
}

fn number(node: &Node, key: &str, path: &str, diags: &mut Diagnostics) -> Option<String> {
    let value = node.get(key)?;
    match value.value {
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) if f.is_finite() => Some(f.to_string()),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    value.span,
                    format!("`{key}` must be a number, found {}", value.kind()),
                )
                .at_path(format!("{path}.{key}")),
            );
            None
        }
    }
}

fn flag(node: &Node, key: &str, path: &str, diags: &mut Diagnostics) -> bool {
    node.get(key)
        .and_then(|n| expect_bool(n, &format!("{path}.{key}"), diags))
        .unwrap_or(false)
}

pub fn required_key<'a>(
    node: &'a Node,
    key: &str,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<&'a Node> {
    let found = node.get(key);
    if found.is_none() {
        diags.push(
            Diagnostic::error(Code::MissingKey, node.span, format!("`{key}` is missing"))
                .at_path(path.to_string())
                .with_help(format!("add `{key}:`")),
        );
    }
    found
}

/// `options`: strings, or `{ label, value }` maps; Postgres stores the values.
fn options(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<Vec<(String, Span)>> {
    options_of(node, "options", path, diags)
}

/// A list of options under `key`: strings, or `{ label, value }` maps.
fn options_of(
    node: &Node,
    key: &str,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(String, Span)>> {
    let list = required_key(node, key, path, diags)?;
    let opath = format!("{path}.{key}");
    let items = expect_seq(list, &opath, diags)?;
    if items.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                list.span,
                "a select needs at least one option",
            )
            .at_path(opath),
        );
        return None;
    }
    let mut values: Vec<(String, Span)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let value = match &item.value {
            Value::Map(entries) => {
                check_keys(entries, &["label", "value"], &opath, diags);
                required_key(item, "value", &opath, diags)
                    .and_then(|v| expect_scalar(v, &opath, diags))
            }
            _ => expect_scalar(item, &opath, diags),
        };
        let Some(value) = value else { continue };
        if !seen.insert(value.clone()) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    item.span,
                    format!("option `{value}` is listed twice"),
                )
                .at_path(opath.clone())
                .with_help("an enum type cannot hold the same value twice; remove one"),
            );
            continue;
        }
        values.push((value, item.span));
    }
    (!values.is_empty()).then_some(values)
}

fn relation(node: &Node, path: &str, has_many: bool, diags: &mut Diagnostics) -> Option<Kind> {
    let to = required_key(node, "relationTo", path, diags)?;
    let rpath = format!("{path}.relationTo");
    let (targets, polymorphic) = match &to.value {
        Value::Seq(items) => {
            let targets: Vec<(String, Span)> = items
                .iter()
                .filter_map(|i| expect_scalar(i, &rpath, diags).map(|s| (s, i.span)))
                .collect();
            if targets.is_empty() {
                diags.push(
                    Diagnostic::error(Code::BadValue, to.span, "`relationTo` lists no collection")
                        .at_path(rpath),
                );
                return None;
            }
            (targets, true)
        }
        _ => (vec![(expect_scalar(to, &rpath, diags)?, to.span)], false),
    };
    Some(Kind::Relation {
        targets,
        polymorphic,
        has_many,
    })
}

/// A block of `blocks` (inline), or of `blockReferences` (inline, or a slug when
/// `references` is set).
pub(super) fn block(
    node: &Node,
    parent: &str,
    references: bool,
    diags: &mut Diagnostics,
) -> Option<Block> {
    let bpath = format!("{parent}.blocks");
    if let Some(slug) = node.as_str() {
        if references {
            return Some(Block {
                slug: slug.to_string(),
                path: format!("{parent}.{slug}"),
                span: node.span,
                db_name: None,
                fields: Vec::new(),
                by_slug: true,
            });
        }
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                format!("`{slug}` in `blocks` is a slug; `blocks` holds blocks defined inline"),
            )
            .at_path(bpath)
            .with_help("name config-level blocks in `blockReferences: [slug]` (Payload 3), or define the block inline: `{ slug, fields }`"),
        );
        return None;
    }
    let entries: &[(Key, Node)] = expect_map(node, &bpath, diags)?;
    let slug = expect_scalar(required_key(node, "slug", &bpath, diags)?, &bpath, diags)?;
    let path = format!("{parent}.{slug}");
    check_keys(entries, BLOCK_KEYS, &path, diags);
    let db_name = node
        .get("dbName")
        .and_then(|n| expect_scalar(n, &path, diags));
    let fields = parse_fields(required_key(node, "fields", &path, diags)?, &path, diags);
    Some(Block {
        slug,
        path,
        span: node.span,
        db_name,
        fields,
        by_slug: false,
    })
}
