//! `renamedFrom` on a collection, a subcollection or a field.
//!
//! Tables are named by path (`chats`, `chats/messages`, join tables `chats.readBy`), so a
//! renamed collection or reference-array field renames them by path (see
//! [`crate::flavours::renames`]). Columns are named by the chain of field names
//! (`settings.theme` → `settingsTheme`), so a renamed field, or a renamed map around it,
//! renames each of its columns here. Enums named after a column, and a subcollection's
//! parent key named after its parent, are matched by the planner from their use.

use super::fields::{Field, Kind, Store};
use crate::diagnostics::Diagnostics;
use crate::flavours::read::expect_scalar;
use crate::flavours::renames::RenamedPaths;
use crate::ir::rename::{Rename, Target};
use crate::ir::Span;
use crate::load::Node;

/// A collection's own `renamedFrom` (its last path segment before).
pub(super) fn collection(
    node: &Node,
    path: &str,
    paths: &mut RenamedPaths,
    diags: &mut Diagnostics,
) {
    if let Some(n) = node.get("renamedFrom") {
        if let Some(from) = expect_scalar(n, &format!("{path}.renamedFrom"), diags) {
            paths.insert(path.to_string(), from, n.span);
        }
    }
}

/// Column names of one prefix of nested maps, now and before.
#[derive(Default, Clone)]
struct Chain {
    new: String,
    old: String,
    /// The declaration nearest above, when a map around the field was renamed.
    renamed: Option<Span>,
    /// Field keys within the document, for join table paths (`settings.readBy`).
    key: String,
}

/// The field renames of one collection's `fields` (table `table`).
pub(super) fn fields(
    fields: &[Field],
    table: &str,
    paths: &mut RenamedPaths,
    out: &mut Vec<Rename>,
) {
    walk(fields, table, &Chain::default(), paths, out);
}

fn walk(
    fields: &[Field],
    table: &str,
    chain: &Chain,
    paths: &mut RenamedPaths,
    out: &mut Vec<Rename>,
) {
    for f in fields {
        let from = f
            .renamed_from
            .as_ref()
            .map_or(f.name.as_str(), |(from, _)| from.as_str());
        let renamed = f
            .renamed_from
            .as_ref()
            .map(|(_, span)| *span)
            .or(chain.renamed);
        let here = Chain {
            new: camel_join(&chain.new, &f.name),
            old: camel_join(&chain.old, from),
            renamed,
            key: format!("{}{}", chain.key, f.name),
        };
        match &f.kind {
            Kind::Map { fields: Some(sub) } if f.store != Some(Store::Jsonb) => {
                let inner = Chain {
                    key: format!("{}.", here.key),
                    ..here
                };
                walk(sub, table, &inner, paths, out);
            }
            Kind::Array(item)
                if f.store != Some(Store::Array) && matches!(**item, Kind::Reference { .. }) =>
            {
                if let Some((from, span)) = &f.renamed_from {
                    paths.insert(format!("{table}.{}", here.key), from.clone(), *span);
                }
            }
            _ => {
                let Some(span) = here.renamed else {
                    continue;
                };
                out.push(Rename {
                    target: Target::Column {
                        table: table.to_string(),
                        column: here.new,
                    },
                    from: here.old,
                    span,
                    implied: f.renamed_from.is_none(),
                });
            }
        }
    }
}

/// `settings` + `theme` → `settingsTheme`, as the column's logical name is made.
fn camel_join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        return name.to_string();
    }
    let mut chars = name.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{prefix}{first}{}", chars.as_str())
}
