//! What joins and `orderable` do to other collections, once every collection is read
//! (config/sanitize.ts): a join must name a relationship of the joined collection
//! (sanitizeJoinField.ts), and `orderable` adds text order fields at the front of a collection
//! (config/orderable/index.ts): `_order` for an orderable collection, and
//! `_<collection>_<join path>_order` on the collection an orderable join shows.

use super::fields::{bare_field, Field, Kind};
use super::Collection;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Span;
use std::collections::HashMap;

pub(super) fn apply(collections: &mut [Collection<'_>], diags: &mut Diagnostics) {
    let by_slug: HashMap<String, usize> = collections
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.global)
        .map(|(i, c)| (c.slug.clone(), i))
        .collect();
    let mut order_fields: Vec<Vec<(String, Span)>> = vec![Vec::new(); collections.len()];
    for (i, c) in collections.iter().enumerate() {
        if c.orderable {
            order_fields[i].push(("_order".into(), c.span));
        }
    }
    for c in collections.iter() {
        let mut joins = Vec::new();
        collect_joins(&c.fields, "", &mut joins);
        for (prefix, field) in joins {
            let Kind::Join {
                collection: Some((target, target_span)),
                on,
                orderable,
            } = &field.kind
            else {
                continue;
            };
            let Some(&t) = by_slug.get(target) else {
                diags.push(bad_join(
                    *target_span,
                    field,
                    format!("`collection: {target}` names no collection of this system"),
                ));
                continue;
            };
            if let Some((on, on_span)) = on {
                if !is_relationship(&collections[t].fields, on) {
                    let what =
                        format!("`on: {on}` names no relationship or upload field of `{target}`");
                    diags.push(bad_join(*on_span, field, what));
                    continue;
                }
            }
            if *orderable {
                let name = format!("_{target}_{prefix}{}_order", field.name);
                order_fields[t].push((name, field.span));
            }
        }
    }
    for (c, names) in collections.iter_mut().zip(order_fields) {
        // Each is put first in turn, so the last named ends up first (unshift).
        for (name, span) in names {
            let mut order = bare_field(
                name.clone(),
                format!("{}.{name}", c.slug),
                span,
                Kind::Text { has_many: false },
            );
            order.index = Some(true);
            c.fields.insert(0, order);
        }
    }
}

/// Every join field with the prefix of its path (`group_` inside group `group`).
fn collect_joins<'f>(fields: &'f [Field], prefix: &str, out: &mut Vec<(String, &'f Field)>) {
    for f in fields {
        match &f.kind {
            Kind::Join { .. } => out.push((prefix.to_string(), f)),
            Kind::Group { fields } => collect_joins(fields, &format!("{prefix}{}_", f.name), out),
            _ => {}
        }
    }
}

/// Whether the dotted path names a relationship or upload field (through groups and tabs).
fn is_relationship(fields: &[Field], path: &str) -> bool {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let Some(field) = fields.iter().find(|f| f.name == head) else {
        return false;
    };
    match (&field.kind, rest) {
        (Kind::Relation { .. }, None) => true,
        (Kind::Group { fields }, Some(rest)) => is_relationship(fields, rest),
        _ => false,
    }
}

fn bad_join(span: Span, field: &Field, what: String) -> Diagnostic {
    Diagnostic::error(Code::BadJoin, span, format!("the join `{}`: {what}", field.name))
        .at_path(field.path.clone())
        .with_help("a join shows the documents of `collection` whose relationship `on` points here: name a collection and its relationship or upload field (a dotted path inside groups)")
}
