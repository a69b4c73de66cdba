//! `renamedFrom` on nested elements (Payload- and Firestore-style): a collection or a field
//! names the tables, columns and enums built from it by path (`posts`, `posts.meta.title`,
//! `posts.tags`), so renaming it renames every element whose logical name is a path below it
//! (child tables, grouped columns, select enums). Each such element gets a rename of its own;
//! the one whose path is exactly the declared one is explicit (reported when its old name is
//! unknown), the rest are implied (skipped when there was nothing to rename).

use crate::ir::rename::{Rename, Target};
use crate::ir::{Enum, Span, Table};
use std::collections::BTreeMap;

/// RenamedPaths renames by the element's path now: its name before (the last segment only).
#[derive(Default)]
pub struct RenamedPaths(BTreeMap<String, (String, Span)>);

impl RenamedPaths {
    pub fn insert(&mut self, path: String, from: String, span: Span) {
        self.0.insert(path, (from, span));
    }

    /// The path before the renames, and the declaration nearest above (or at) `path`.
    /// Segments are separated by `.` (fields) or `/` (Firestore subcollections).
    fn old_path(&self, path: &str) -> (String, Option<Span>) {
        let (mut old, mut prefix, mut nearest) = (String::new(), String::new(), None);
        for (at, segment) in path.split(['.', '/']).scan(0, |at, s| {
            let start = *at;
            *at += s.len() + 1;
            Some((start, s))
        }) {
            if at > 0 {
                let separator = &path[at - 1..at];
                prefix.push_str(separator);
                old.push_str(separator);
            }
            prefix.push_str(segment);
            match self.0.get(&prefix) {
                Some((from, span)) => {
                    old.push_str(from);
                    nearest = Some(*span);
                }
                None => old.push_str(segment),
            }
        }
        (old, nearest)
    }

    fn rename(&self, path: &str, target: Target, out: &mut Vec<Rename>) {
        let (old, nearest) = self.old_path(path);
        let Some(span) = nearest else {
            return;
        };
        let from = match &target {
            // A column's name is its path within the table: the old one, within the old table.
            Target::Column { table, .. } => {
                let old_table = self.old_path(table).0;
                old.strip_prefix(&format!("{old_table}."))
                    .unwrap_or(&old)
                    .to_string()
            }
            _ => old,
        };
        // An enum shares its field's path: the field's declaration is reported through its
        // column, so the enum's (there may have been none before) is implied.
        let implied = !self.0.contains_key(path) || matches!(target, Target::Enum(_));
        out.push(Rename {
            target,
            from,
            span,
            implied,
        });
    }
}

/// The renames `declared` implies for the tables and enums one collection built.
pub fn implied(declared: &RenamedPaths, tables: &[Table], enums: &[Enum], out: &mut Vec<Rename>) {
    if declared.0.is_empty() {
        return;
    }
    for table in tables {
        declared.rename(&table.name, Target::Table(table.name.clone()), out);
        for column in &table.columns {
            let target = Target::Column {
                table: table.name.clone(),
                column: column.name.clone(),
            };
            declared.rename(&format!("{}.{}", table.name, column.name), target, out);
        }
    }
    for e in enums {
        declared.rename(&e.name, Target::Enum(e.name.clone()), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_paths_follow_every_renamed_segment() {
        let mut declared = RenamedPaths::default();
        declared.insert("articles".into(), "posts".into(), Span::default());
        declared.insert(
            "articles.meta.headline".into(),
            "title".into(),
            Span::default(),
        );
        declared.insert("articles.seo".into(), "meta".into(), Span::default());
        assert_eq!(declared.old_path("articles").0, "posts");
        assert_eq!(declared.old_path("articles.seo.x").0, "posts.meta.x");
        assert_eq!(
            declared.old_path("articles.meta.headline").0,
            "posts.meta.title"
        );
        assert_eq!(declared.old_path("users.name"), ("users.name".into(), None));
        declared.insert("chats".into(), "conversations".into(), Span::default());
        assert_eq!(
            declared.old_path("chats/messages.readBy").0,
            "conversations/messages.readBy"
        );
    }

    #[test]
    fn a_column_is_renamed_within_its_old_table() {
        let mut declared = RenamedPaths::default();
        declared.insert("articles".into(), "posts".into(), Span::default());
        declared.insert("articles.seo".into(), "meta".into(), Span::default());
        let mut out = Vec::new();
        let target = Target::Column {
            table: "articles".into(),
            column: "seo.title".into(),
        };
        declared.rename("articles.seo.title", target, &mut out);
        assert_eq!(out[0].from, "meta.title");
        assert!(out[0].implied, "only `seo` itself is declared");
    }
}
