//! A [`Node`] tree written as YAML the way the Payload flavour's docs write it: block maps and
//! lists, and small maps and lists on one line (`- { name: title, type: text }`). Strings are
//! plain where YAML reads them back as the same string, else JSON-quoted (a JSON string is a
//! YAML double-quoted scalar). The tests read every output back with our own loader.

use crate::load::{Node, Value};
use std::fmt::Write as _;

/// The widest a one-line map or list may be, indentation included.
const WIDTH: usize = 110;

/// A map as a YAML document.
pub fn document(root: &Node) -> String {
    let mut out = String::new();
    if let Value::Map(entries) = &root.value {
        map(&mut out, entries, 0);
    }
    out
}

fn map(out: &mut String, entries: &[(crate::load::Key, Node)], indent: usize) {
    for (key, value) in entries {
        let pad = " ".repeat(indent);
        let key = scalar_text(&key.name);
        write_entry(out, &format!("{pad}{key}:"), value, indent);
    }
}

/// `lead` (a `key:` or `-`) and its value: on the same line when it fits, else below.
fn write_entry(out: &mut String, lead: &str, value: &Node, indent: usize) {
    if let Some(flow) = flow(value).filter(|f| lead.len() + 1 + f.len() <= WIDTH) {
        let _ = writeln!(out, "{lead} {flow}");
        return;
    }
    match &value.value {
        Value::Map(entries) if lead.ends_with('-') => {
            // `- first: …` then the other keys under it.
            let mut inner = String::new();
            map(&mut inner, entries, indent + 2);
            out.push_str(lead);
            out.push(' ');
            out.push_str(&inner[indent + 2..]);
        }
        Value::Map(entries) => {
            out.push_str(lead);
            out.push('\n');
            map(out, entries, indent + 2);
        }
        Value::Seq(items) => {
            out.push_str(lead);
            out.push('\n');
            let pad = " ".repeat(indent + 2);
            for item in items {
                write_entry(out, &format!("{pad}-"), item, indent + 2);
            }
        }
        _ => unreachable!("a scalar always has a flow form"),
    }
}

/// The value on one line, when it is a scalar or holds only scalars and small one-line maps
/// and lists (two levels at most).
fn flow(value: &Node) -> Option<String> {
    flow_at(value, 0)
}

fn flow_at(value: &Node, depth: usize) -> Option<String> {
    match &value.value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(float_text(*f)),
        Value::Str(s) => Some(scalar_text(s)),
        Value::Seq(items) if items.is_empty() => Some("[]".into()),
        Value::Map(entries) if entries.is_empty() => Some("{}".into()),
        _ if depth >= 2 => None,
        Value::Seq(items) => {
            let items: Option<Vec<String>> = items.iter().map(|i| flow_at(i, depth + 1)).collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        Value::Map(entries) => {
            let entries: Option<Vec<String>> = entries
                .iter()
                .map(|(k, v)| {
                    Some(format!(
                        "{}: {}",
                        scalar_text(&k.name),
                        flow_at(v, depth + 1)?
                    ))
                })
                .collect();
            Some(format!("{{ {} }}", entries?.join(", ")))
        }
    }
}

/// A float as YAML reads it back as the same float (`1.0`, not `1`, which is an integer).
fn float_text(f: f64) -> String {
    let text = f.to_string();
    if text.contains(['.', 'e', 'E']) || !f.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// A string plain when YAML reads it back as this string in block and flow context alike
/// (letters first, then letters, digits, `_`, `-`, `.`, `/` and single inner spaces; no word
/// YAML reads as a boolean or null), else JSON-quoted.
fn scalar_text(s: &str) -> String {
    let starts_well = s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let plain_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '));
    let spaced_well = !s.ends_with(' ') && !s.contains("  ");
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
    );
    if starts_well && plain_chars && spaced_well && !reserved {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}
