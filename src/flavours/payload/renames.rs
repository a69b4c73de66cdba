//! `renamedFrom` on a collection and on its fields, by path (see [`crate::flavours::renames`]).

use super::fields::{Field, Kind};
use super::Collection;
use crate::diagnostics::Diagnostics;
use crate::flavours::read::expect_scalar;
pub(super) use crate::flavours::renames::implied;
use crate::flavours::renames::RenamedPaths;
use crate::ir::rename::{Rename, Target};
use crate::ir::Table;

pub(super) fn declared(collection: &Collection<'_>, diags: &mut Diagnostics) -> RenamedPaths {
    let mut declared = RenamedPaths::default();
    if let Some(node) = collection.node.get("renamedFrom") {
        let path = format!("{}.renamedFrom", collection.slug);
        if let Some(from) = expect_scalar(node, &path, diags) {
            declared.insert(collection.slug.clone(), from, node.span);
        }
    }
    fields(&collection.fields, &mut declared);
    declared
}

fn fields(list: &[Field], declared: &mut RenamedPaths) {
    for field in list {
        if let Some((from, span)) = &field.renamed_from {
            declared.insert(field.path.clone(), from.clone(), *span);
        }
        match &field.kind {
            Kind::Group { fields: inner } | Kind::Array { fields: inner } => {
                fields(inner, declared)
            }
            Kind::Blocks { blocks } => blocks.iter().for_each(|b| fields(&b.fields, declared)),
            _ => {}
        }
    }
}

/// A `_rels` table has a column `<target>ID` per target collection or model: renaming the
/// target renames that column.
pub(super) fn renamed_rels_targets(tables: &[Table], renames: &[Rename]) -> Vec<Rename> {
    let targets: Vec<(&str, &Rename)> = renames
        .iter()
        .filter_map(|r| match &r.target {
            Target::Table(name) if !r.implied => Some((name.as_str(), r)),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for table in tables.iter().filter(|t| t.name.ends_with(".rels")) {
        for (target, rename) in &targets {
            let column = format!("{target}ID");
            if table.columns.iter().any(|c| c.name == column) {
                out.push(Rename {
                    target: Target::Column {
                        table: table.name.clone(),
                        column,
                    },
                    from: format!("{}ID", rename.from),
                    span: rename.span,
                    implied: true,
                });
            }
        }
    }
    out
}
