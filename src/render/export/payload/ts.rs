//! The Payload config as TypeScript: one file per collection, global and block, and the
//! `index.ts` a team's `buildConfig` imports. Values are laid out from the config's data;
//! every string and key is escaped here, so nothing a schema says can leave its literal.
//! The only code written is schemagen's own (access functions, condition stubs).

use crate::load::{Node, Value};
use std::fmt::Write as _;

/// Names `index.ts` and the component files import: never given to a component.
pub const RESERVED: &[&str] = &[
    "Block",
    "CollectionConfig",
    "Config",
    "GlobalConfig",
    "Where",
];

/// A line holds an object or list on one line up to this width.
const WIDTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Collection,
    Global,
    Block,
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::Collection => "CollectionConfig",
            Kind::Global => "GlobalConfig",
            Kind::Block => "Block",
        }
    }
}

/// A TypeScript value: the config's data, or code schemagen wrote.
enum Ts {
    /// A scalar: `null`, a boolean, a number or a string.
    Data(Value),
    List(Vec<Ts>),
    Object(Vec<(String, Ts)>),
    Code(String),
}

/// `mood-entries` → `MoodEntries`; a name that would not be an identifier gets a prefix.
pub fn component_name(slug: &str) -> String {
    let mut name: String = slug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "Config");
    }
    name
}

/// `collections/<Name>.ts`: `export const <Name>: CollectionConfig = {…}` (or a global, a
/// block), with `access` functions before `fields`.
pub fn component(
    kind: Kind,
    name: &str,
    item: &Node,
    access: Option<&[(String, String)]>,
) -> String {
    let Ts::Object(mut entries) = from_node(item, None) else {
        return String::new();
    };
    if let Some(functions) = access {
        let access = Ts::Object(
            functions
                .iter()
                .map(|(op, code)| (op.clone(), Ts::Code(code.clone())))
                .collect(),
        );
        let at = entries
            .iter()
            .position(|(key, _)| key == "fields")
            .unwrap_or(entries.len());
        entries.insert(at, ("access".into(), access));
    }
    let type_name = kind.type_name();
    let uses_where = access.is_some_and(|a| a.iter().any(|(_, code)| code.contains(": Where")));
    let types = if uses_where {
        format!("{type_name}, Where")
    } else {
        type_name.to_string()
    };
    let mut out = format!("import type {{ {types} }} from 'payload'\n\n");
    let _ = write!(out, "export const {name}: {type_name} = ");
    let column = out.len() - out.rfind('\n').map_or(0, |at| at + 1);
    layout(&Ts::Object(entries), 0, column, &mut out);
    out.push('\n');
    out
}

/// The config's `localization` as a TypeScript value, with `defaultLocale` (which Payload
/// requires and the flavour does not read) set to the first locale when it is not there.
pub fn localization(node: &Node) -> String {
    let mut ts = from_node(node, None);
    if let Ts::Object(entries) = &mut ts {
        if !entries.iter().any(|(key, _)| key == "defaultLocale") {
            let first = node
                .get("locales")
                .and_then(Node::as_seq)
                .and_then(|l| l.first());
            let code = first.and_then(|f| f.get("code")).or(first);
            let code = code.and_then(Node::as_str).unwrap_or_default();
            entries.push(("defaultLocale".into(), Ts::Data(Value::Str(code.into()))));
        }
    }
    let mut out = String::new();
    let column = "export const localization: Config['localization'] = ".len();
    layout(&ts, 0, column, &mut out);
    out
}

/// What `index.ts` exports, by kind.
#[derive(Default)]
pub struct Index {
    imports: Vec<(String, String)>,
    collections: Vec<String>,
    globals: Vec<String>,
    blocks: Vec<String>,
}

impl Index {
    pub fn add(&mut self, kind: Kind, folder: &str, name: String) {
        self.imports.push((folder.to_string(), name.clone()));
        match kind {
            Kind::Collection => self.collections.push(name),
            Kind::Global => self.globals.push(name),
            Kind::Block => self.blocks.push(name),
        }
    }

    pub fn render(&self, system: &str, localization: Option<&str>, id_type: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// The Payload config of the system {}, written by `schemagen export --to payload`.",
            comment_text(system)
        );
        out.push_str(
            "// Pass it to buildConfig, with the adapter's idType and an editor for richText fields:\n\
             //   buildConfig({ collections, globals, blocks, localization,\n\
             //     db: postgresAdapter({ pool: { connectionString }, idType }), editor: lexicalEditor(), … })\n\
             // Then apply extras.sql (when there is one) after Payload's first migration.\n",
        );
        out.push_str(
            "import type { Block, CollectionConfig, Config, GlobalConfig } from 'payload'\n",
        );
        for (folder, name) in &self.imports {
            let _ = writeln!(out, "import {{ {name} }} from './{folder}/{name}'");
        }
        for (name, type_name, items) in [
            ("collections", "CollectionConfig", &self.collections),
            ("globals", "GlobalConfig", &self.globals),
            ("blocks", "Block", &self.blocks),
        ] {
            let _ = writeln!(
                out,
                "\nexport const {name}: {type_name}[] = [{}]",
                items.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "\nexport const localization: Config['localization'] = {}",
            localization.unwrap_or("false")
        );
        let _ = writeln!(out, "\nexport const idType = {} as const", string(id_type));
        out
    }
}

/// The config's data as a TypeScript value; an `admin.condition` (code in Payload, an
/// expression as text in the YAML) becomes a function that always shows the field, which
/// keeps the column nullable as the condition does (W0883 names it).
fn from_node(node: &Node, key: Option<&str>) -> Ts {
    match &node.value {
        Value::Map(entries) => Ts::Object(
            entries
                .iter()
                .filter(|(k, _)| k.name != "dbName" || takes_db_name(node))
                .map(|(k, v)| {
                    let ts = if key == Some("admin") && k.name == "condition" {
                        Ts::Code("() => true".into())
                    } else if k.name == "defaultValue" {
                        data(v)
                    } else {
                        from_node(v, Some(&k.name))
                    };
                    (k.name.clone(), ts)
                })
                .collect(),
        ),
        Value::Seq(items) => Ts::List(items.iter().map(|v| from_node(v, None)).collect()),
        scalar => Ts::Data(scalar.clone()),
    }
}

/// Whether Payload's types give this map a `dbName`: collections, globals and blocks (no
/// `type`), and select, radio and array fields. On other fields Payload's builder ignores it
/// (docs/flavours/payload.md: it names tables and enums only) and its types refuse it.
fn takes_db_name(map: &Node) -> bool {
    match map.get("type").and_then(Node::as_str) {
        None => true,
        Some(kind) => matches!(kind, "select" | "radio" | "array"),
    }
}

/// Data as it is (a `defaultValue`): no key means anything but itself.
fn data(node: &Node) -> Ts {
    match &node.value {
        Value::Map(entries) => Ts::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), data(v)))
                .collect(),
        ),
        Value::Seq(items) => Ts::List(items.iter().map(data).collect()),
        scalar => Ts::Data(scalar.clone()),
    }
}

/// Writes `value` at nesting `depth`, starting at `column`: on one line when it fits, else one
/// entry per line, two spaces deeper.
fn layout(value: &Ts, depth: usize, column: usize, out: &mut String) {
    if let Some(line) = one_line(value).filter(|l| column + l.len() <= WIDTH) {
        out.push_str(&line);
        return;
    }
    let pad = "  ".repeat(depth + 1);
    match value {
        Ts::List(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad);
                layout(item, depth + 1, pad.len(), out);
                out.push_str(",\n");
            }
            out.push_str(&pad[2..]);
            out.push(']');
        }
        Ts::Object(entries) => {
            out.push_str("{\n");
            for (key, item) in entries {
                let key = property(key);
                let _ = write!(out, "{pad}{key}: ");
                layout(item, depth + 1, pad.len() + key.len() + 2, out);
                out.push_str(",\n");
            }
            out.push_str(&pad[2..]);
            out.push('}');
        }
        Ts::Data(scalar) => out.push_str(&scalar_text(scalar)),
        Ts::Code(code) => out.push_str(code),
    }
}

fn one_line(value: &Ts) -> Option<String> {
    match value {
        Ts::Data(scalar) => Some(scalar_text(scalar)),
        Ts::Code(code) => Some(code.clone()),
        Ts::List(items) => {
            let items: Option<Vec<String>> = items.iter().map(one_line).collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        Ts::Object(entries) if entries.is_empty() => Some("{}".into()),
        Ts::Object(entries) => {
            let entries: Option<Vec<String>> = entries
                .iter()
                .map(|(k, v)| Some(format!("{}: {}", property(k), one_line(v)?)))
                .collect();
            let line = format!("{{ {} }}", entries?.join(", "));
            (line.len() <= WIDTH).then_some(line)
        }
    }
}

/// A scalar as TypeScript; a float JSON cannot hold (`.inf`, `.nan`) as JavaScript's name for it.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Str(s) => string(s),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => "NaN".into(),
        Value::Float(f) if f.is_infinite() => {
            (if *f > 0.0 { "Infinity" } else { "-Infinity" }).into()
        }
        Value::Float(f) => format!("{f:?}"),
        Value::Null | Value::Seq(_) | Value::Map(_) => "null".into(),
    }
}

/// An object key: bare when it is a plain identifier, else a string.
pub fn property(key: &str) -> String {
    let mut chars = key.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain {
        key.to_string()
    } else {
        string(key)
    }
}

/// A single-quoted TypeScript string: `\`, `'` and every line terminator JavaScript knows
/// (U+2028 and U+2029 included) escaped, other control characters as `\uXXXX`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Text for a `//` comment: on one line, whatever it holds.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_keys_cannot_leave_their_literal() {
        assert_eq!(string("it's"), r"'it\'s'");
        assert_eq!(
            string("a\\'; process.exit(1); '"),
            r"'a\\\'; process.exit(1); \''"
        );
        assert_eq!(string("${x}`\n\u{2028}"), r"'${x}`\n\u2028'");
        assert_eq!(property("title"), "title");
        assert_eq!(property("a-b"), "'a-b'");
        assert_eq!(property("x': 1, y: '"), r"'x\': 1, y: \''");
        assert_eq!(comment_text("a\nb\u{2028}c"), "a b c");
    }

    #[test]
    fn component_names_are_identifiers_and_objects_wrap_when_long() {
        assert_eq!(component_name("mood-entries"), "MoodEntries");
        assert_eq!(component_name("payload_kv"), "PayloadKv");
        assert_eq!(component_name("3d-models"), "Config3dModels");
        assert_eq!(component_name("\"; x"), "X");
        assert_eq!(component_name("--"), "Config");
        let yaml = "slug: posts\nfields: [{ name: title, type: text, admin: { condition: data.x }, defaultValue: { admin: { condition: 1 } } }]";
        let item = crate::load::parse_text(yaml, 0).unwrap();
        let text = component(
            Kind::Collection,
            "Posts",
            &item,
            Some(&[("read".into(), "() => true".into())]),
        );
        assert_eq!(
            text,
            "import type { CollectionConfig } from 'payload'\n\n\
             export const Posts: CollectionConfig = {\n  slug: 'posts',\n  access: { read: () => true },\n  \
             fields: [\n    {\n      name: 'title',\n      type: 'text',\n      admin: { condition: () => true },\n      defaultValue: { admin: { condition: 1 } },\n    },\n  ],\n}\n"
        );
    }
}
