//! Small helpers every flavour uses to read YAML nodes and report shape errors.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::load::{Key, Node};

/// The entries of a map node, or a diagnostic naming what it was instead.
pub fn expect_map<'a>(
    node: &'a Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<&'a [(Key, Node)]> {
    let entries = node.as_map();
    if entries.is_none() && node.as_seq().is_none_or(|s| !s.is_empty()) {
        diags.push(
            Diagnostic::error(
                Code::UnexpectedShape,
                node.span,
                format!("expected a map, found {}", node.kind()),
            )
            .at_path(path),
        );
    }
    entries
}

pub fn expect_seq<'a>(node: &'a Node, path: &str, diags: &mut Diagnostics) -> Option<&'a [Node]> {
    let items = node.as_seq();
    if items.is_none() {
        diags.push(
            Diagnostic::error(
                Code::UnexpectedShape,
                node.span,
                format!("expected a list, found {}", node.kind()),
            )
            .at_path(path),
        );
    }
    items
}

/// A scalar's text (strings, numbers and booleans alike), or a diagnostic.
pub fn expect_scalar(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<String> {
    let text = node.scalar_text().map(|t| t.into_owned());
    if text.is_none() {
        diags.push(
            Diagnostic::error(
                Code::UnexpectedShape,
                node.span,
                format!("expected a string, found {}", node.kind()),
            )
            .at_path(path),
        );
    }
    text
}

pub fn expect_bool(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<bool> {
    let value = node.as_bool();
    if value.is_none() {
        diags.push(
            Diagnostic::error(
                Code::UnexpectedShape,
                node.span,
                format!("expected true or false, found {}", node.kind()),
            )
            .at_path(path),
        );
    }
    value
}

/// Reports every key of `entries` that is not in `allowed`, with the closest known key as a hint.
pub fn check_keys(entries: &[(Key, Node)], allowed: &[&str], path: &str, diags: &mut Diagnostics) {
    for (key, _) in entries {
        if allowed.contains(&key.name.as_str()) {
            continue;
        }
        let mut d = Diagnostic::error(
            Code::UnknownKey,
            key.span,
            format!("unknown key `{}`", key.name),
        )
        .at_path(format!("{path}.{}", key.name));
        d = match closest(&key.name, allowed) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("known keys here: {}", allowed.join(", "))),
        };
        diags.push(d);
    }
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_keys_only() {
        assert_eq!(
            closest("feilds", &["fields", "map", "schema"]),
            Some("fields")
        );
        assert_eq!(closest("colour", &["fields", "map"]), None);
    }
}
