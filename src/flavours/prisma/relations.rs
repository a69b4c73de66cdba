//! Relation fields → foreign keys and implicit many-to-many join tables.
//!
//! Prisma pairs the two fields of a relation by the pair of models and the relation
//! name (`@relation("Name")`); the side with `fields:`/`references:` holds the foreign
//! key. Both sides lists and no `fields:` is an implicit many-to-many relation.

use super::args::{args, bad_argument, unknown_attribute};
use super::line::{Attribute, Expr, ExprKind};
use super::model::{relation_not_column, unknown_field};
use super::{field_path, names, Catalog, Field, KeyField, Lowered, Src, State, TypeNames};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::closest;
use crate::flavours::Declared;
use crate::ir::{
    Column, ColumnType, ForeignKey, Index, IndexMethod, IndexPart, PrimaryKey, QualifiedName,
    ReferentialAction, ScalarType, SortOrder, Span, Table,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

pub(super) struct Resolved {
    /// (model index, foreign key), sorted by model then field.
    pub foreign_keys: Vec<(usize, ForeignKey)>,
    pub join_tables: Vec<Table>,
}

enum Target<'c> {
    Model(usize),
    /// A collection of another flavour: only its table and primary key are known.
    Foreign(&'c Declared),
}

/// One relation field with its `@relation(...)` read.
struct Relation<'s, 'c> {
    model: usize,
    /// Its position among the model's fields (foreign keys are ordered by it).
    field: usize,
    def: &'s Field<'s>,
    target: Target<'c>,
    /// The field's type: the target's name.
    ty: &'s str,
    name: Option<String>,
    attr: Option<&'s Attribute<'s>>,
    fields: Option<&'s Expr<'s>>,
    references: Option<&'s Expr<'s>>,
    on_delete: Option<&'s Expr<'s>>,
    on_update: Option<&'s Expr<'s>>,
    map: Option<String>,
}

impl Relation<'_, '_> {
    fn holds_key(&self) -> bool {
        self.fields.is_some() || self.references.is_some()
    }
}

pub(super) fn resolve(
    state: &State<'_>,
    catalog: &Catalog,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) -> Resolved {
    let (relations, misspelled) = read_relations(state, catalog, types, diags);
    let mut keys: Vec<(usize, usize, ForeignKey)> = Vec::new();
    // Group the fields of each relation: same pair of models, same relation name.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<(usize, usize, Option<&str>), usize> =
        HashMap::with_capacity_and_hasher(relations.len(), Default::default());
    for (i, rel) in relations.iter().enumerate() {
        match rel.target {
            Target::Model(t) => {
                let key = (rel.model.min(t), rel.model.max(t), rel.name.as_deref());
                let g = *group_of.entry(key).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[g].push(i);
            }
            Target::Foreign(declared) => {
                if rel.holds_key() {
                    if let Some(fk) = foreign_key(rel, state, &declared.table, diags) {
                        keys.push((rel.model, rel.field, fk));
                    }
                } else if !list(state, rel) {
                    diags.push(needs_key(
                        rel,
                        state,
                        "it refers to a collection of another flavour",
                    ));
                }
            }
        }
    }
    // Each relation on its own (both cores: the models are only read by now), joined in
    // the order of the groups, so the result does not depend on the timing.
    let paired: Vec<Paired> = groups
        .par_iter()
        .map(|group| resolve_group(group, &relations, &misspelled, state))
        .collect();
    let mut join_tables = Vec::new();
    // A relation makes one key at most: room for all of them at once, not grown by doubling
    // (each doubling copied every key so far into fresh memory).
    keys.reserve(paired.len());
    for found in paired {
        diags.extend(found.diags);
        keys.extend(found.key);
        join_tables.extend(found.join_table.map(|table| *table));
    }
    // Foreign keys in declaration order: by model, then by relation field.
    keys.sort_by_key(|(m, f, _)| (*m, *f));
    Resolved {
        foreign_keys: keys.into_iter().map(|(m, _, fk)| (m, fk)).collect(),
        join_tables,
    }
}

/// What one relation (a group of relation fields) makes.
#[derive(Default)]
struct Paired {
    key: Option<(usize, usize, ForeignKey)>,
    /// Boxed: one relation in many makes a join table, and every relation's result is held
    /// until all are made.
    join_table: Option<Box<Table>>,
    diags: Diagnostics,
}

/// The fields of one relation → its foreign key or join table, or why there is none.
fn resolve_group(
    group: &[usize],
    relations: &[Relation<'_, '_>],
    misspelled: &BTreeSet<usize>,
    state: &State<'_>,
) -> Paired {
    let mut out = Paired::default();
    let diags = &mut out.diags;
    // Prisma requires a name on every self relation (verified with its schema engine:
    // "Ambiguous self relation detected").
    let first = &relations[group[0]];
    if first.name.is_none() && matches!(first.target, Target::Model(t) if t == first.model) {
        for &i in group {
            diags.push(unnamed_self_relation(&relations[i], state));
        }
        return out;
    }
    match group {
        // The other side may be the field whose type is misspelled: its E0106 says so.
        [one] if matches!(relations[*one].target, Target::Model(t) if misspelled.contains(&t)) => {}
        [one] => diags.push(missing_opposite(&relations[*one], state)),
        // Two fields of one model pointing at another model are two relations, not one.
        [a, b] if same_side(&relations[*a], &relations[*b]) => {
            for &i in [a, b] {
                diags.push(ambiguous(&relations[i], state, 2));
            }
        }
        [a, b] => {
            let (key, join_table) = pair(&relations[*a], &relations[*b], state, diags);
            (out.key, out.join_table) = (key, join_table.map(Box::new));
        }
        more => {
            for &i in more {
                diags.push(ambiguous(&relations[i], state, more.len()));
            }
        }
    }
    out
}

fn same_side(a: &Relation<'_, '_>, b: &Relation<'_, '_>) -> bool {
    a.model == b.model && !matches!(a.target, Target::Model(t) if t == a.model)
}

fn read_relations<'s, 'c>(
    state: &'s State<'_>,
    catalog: &'c Catalog,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
) -> (Vec<Relation<'s, 'c>>, BTreeSet<usize>) {
    // Each model's relation fields on their own (both cores), joined in model order.
    let read: Vec<(Vec<Relation<'s, 'c>>, Diagnostics, bool)> = state
        .models
        .par_iter()
        .enumerate()
        .map(|(m, model)| {
            let mut diags = Diagnostics::default();
            let mut misspelled = false;
            let relations =
                model_relations(m, model, state, catalog, types, &mut diags, &mut misspelled);
            (relations, diags, misspelled)
        })
        .collect();
    let mut out = Vec::with_capacity(read.iter().map(|(r, _, _)| r.len()).sum());
    // Models with a relation field whose type names no model.
    let mut misspelled = BTreeSet::new();
    for (m, (relations, found, misspelled_here)) in read.into_iter().enumerate() {
        if misspelled_here {
            misspelled.insert(m);
        }
        diags.extend(found);
        out.extend(relations);
    }
    (out, misspelled)
}

/// The relation fields of model `m`, each with its `@relation(...)` read; `misspelled` is set
/// when one's type names no model.
fn model_relations<'s, 'c>(
    m: usize,
    model: &'s Lowered<'_>,
    state: &'s State<'_>,
    catalog: &'c Catalog,
    types: &TypeNames<'_>,
    diags: &mut Diagnostics,
    misspelled: &mut bool,
) -> Vec<Relation<'s, 'c>> {
    let mut out = Vec::new();
    for (f, field) in model.fields.iter().enumerate() {
        let KeyField::Relation(field) = field else {
            continue;
        };
        let field: &Field<'_> = field;
        let path = field_path(&model.name, &field.line.name.text);
        let ty = &*field.line.ty.text;
        let target = match (state.model_by_name.get(ty), catalog.get(ty)) {
            (Some(&t), _) => Target::Model(t),
            (None, Some(declared)) if declared.flavour != super::Flavour::Prisma => {
                Target::Foreign(declared)
            }
            _ => {
                diags.push(unknown_type(field, &path, state, catalog, types));
                *misspelled = true;
                continue;
            }
        };
        let mut rel = Relation {
            model: m,
            field: f,
            def: field,
            target,
            ty,
            name: None,
            attr: None,
            fields: None,
            references: None,
            on_delete: None,
            on_update: None,
            map: None,
        };
        for attr in &field.line.attributes {
            if attr.name.text != "relation" {
                let d = if ["id", "unique", "default", "updatedAt", "map"]
                    .contains(&&*attr.name.text)
                    || attr.name.text.starts_with("db.")
                {
                    bad_argument(
                        attr,
                        &field.src,
                        &path,
                        format!("`@{}` cannot be used on a relation field", attr.name.text),
                        "put it on the scalar field that holds the key",
                    )
                } else {
                    unknown_attribute(attr, &field.src, &path, &["@relation"], false)
                };
                diags.push(d);
                continue;
            }
            let a = args(
                attr,
                &[
                    "name",
                    "fields",
                    "references",
                    "onDelete",
                    "onUpdate",
                    "map",
                ],
                &field.src,
                &path,
                diags,
            );
            rel.attr = Some(attr);
            rel.name = a[0].and_then(|e| string(e, &field.src, &path, "a relation name", diags));
            rel.fields = a[1];
            rel.references = a[2];
            rel.on_delete = a[3];
            rel.on_update = a[4];
            rel.map = a[5].and_then(|e| string(e, &field.src, &path, "a constraint name", diags));
        }
        out.push(rel);
    }
    out
}

/// A field type that names nothing: an unknown model when the field says `@relation`,
/// else an unknown type; either way with the nearest known name.
fn unknown_type(
    field: &Field,
    path: &str,
    state: &State<'_>,
    catalog: &Catalog,
    types: &TypeNames<'_>,
) -> Diagnostic {
    let ty = &*field.line.ty.text;
    let span = field.src.span(field.line.ty.at);
    if field
        .line
        .attributes
        .iter()
        .any(|a| a.name.text == "relation")
    {
        let mut models: Vec<&str> = state
            .model_by_name
            .keys()
            .map(String::as_str)
            .chain(catalog.names())
            .collect();
        models.sort_unstable();
        models.dedup();
        let d = Diagnostic::error(Code::UnknownModel, span, format!("unknown model `{ty}`"))
            .at_path(path.to_string());
        return match closest(ty, &models) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help("declare the model, or fix the name of the type"),
        };
    }
    let d = Diagnostic::error(Code::UnknownType, span, format!("unknown type `{ty}`"))
        .at_path(path.to_string());
    match types.suggestion(ty, catalog) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help("use a scalar type (String, Int, BigInt, Float, Decimal, Boolean, DateTime, Json, Bytes), an enum or a model"),
    }
}

fn one_to_one_not_unique(
    rel: &Relation<'_, '_>,
    state: &State<'_>,
    columns: &[String],
) -> Diagnostic {
    Diagnostic::error(
        Code::BadAttributeArgument,
        span(state, rel),
        format!("a one-to-one relation must use unique fields on the side that holds the key ({})", columns.join(", ")),
    )
    .at_path(path(state, rel))
    .with_help("add `@unique` to the key field (or `@@unique` over the key fields), or make the other side a list for one-to-many")
}

fn string(
    expr: &Expr,
    src: &Src,
    path: &str,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match &expr.kind {
        ExprKind::Str(s) => Some(s.to_string()),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    format!(
                        "expected {what} in double quotes, found {}",
                        expr.kind_name()
                    ),
                )
                .at_path(path.to_string()),
            );
            None
        }
    }
}

fn field_of<'s>(state: &'s State<'_>, rel: &Relation<'s, '_>) -> (&'s Lowered<'s>, &'s Field<'s>) {
    (&state.models[rel.model], rel.def)
}

fn list(state: &State<'_>, rel: &Relation<'_, '_>) -> bool {
    field_of(state, rel).1.line.list
}

fn path(state: &State<'_>, rel: &Relation<'_, '_>) -> String {
    let (model, field) = field_of(state, rel);
    field_path(&model.name, &field.line.name.text)
}

fn span(state: &State<'_>, rel: &Relation<'_, '_>) -> Span {
    field_of(state, rel).1.name_span
}

/// The two fields of one relation → a foreign key or a join table.
fn pair(
    a: &Relation<'_, '_>,
    b: &Relation<'_, '_>,
    state: &State<'_>,
    diags: &mut Diagnostics,
) -> (Option<(usize, usize, ForeignKey)>, Option<Table>) {
    let target_table = |rel: &Relation<'_, '_>| match rel.target {
        Target::Model(t) => state.models[t].table_name.clone(),
        Target::Foreign(d) => d.table.clone(),
    };
    match (list(state, a), list(state, b), a.holds_key(), b.holds_key()) {
        (true, true, false, false) => return (None, join_table(a, b, state, diags)),
        (true, true, _, _) => {
            for rel in [a, b].into_iter().filter(|r| r.holds_key()) {
                diags.push(key_on_list(rel, state));
            }
        }
        (_, _, true, true) => {
            let d = Diagnostic::error(
                Code::BadAttributeArgument,
                span(state, b),
                "both sides of this relation say `fields:`/`references:`",
            )
            .at_path(path(state, b))
            .with_related(span(state, a), "the other side")
            .with_help("keep `fields`/`references` only on the side that holds the foreign key");
            diags.push(d);
        }
        (_, _, true, false) | (_, _, false, true) => {
            let (holder, other) = if a.holds_key() { (a, b) } else { (b, a) };
            if list(state, holder) {
                diags.push(key_on_list(holder, state));
            } else if let Some(fk) = foreign_key(holder, state, &target_table(holder), diags) {
                if !list(state, other) && !state.models[holder.model].is_unique(&fk.columns) {
                    diags.push(one_to_one_not_unique(holder, state, &fk.columns));
                }
                return (Some((holder.model, holder.field, fk)), None);
            }
        }
        (false, false, false, false) => diags.push(needs_key(
            b,
            state,
            "neither side of this one-to-one relation says which holds the key",
        )),
        (la, _, false, false) => {
            let single = if la { b } else { a };
            diags.push(needs_key(
                single,
                state,
                "the side of a one-to-many relation that is not a list holds the key",
            ));
        }
    }
    (None, None)
}

fn key_on_list(rel: &Relation<'_, '_>, state: &State<'_>) -> Diagnostic {
    Diagnostic::error(
        Code::BadAttributeArgument,
        span(state, rel),
        "a list field cannot hold the foreign key",
    )
    .at_path(path(state, rel))
    .with_help(
        "put `fields`/`references` on the other side of the relation (the one that is not a list)",
    )
}

fn needs_key(rel: &Relation<'_, '_>, state: &State<'_>, why: &str) -> Diagnostic {
    let (model, field) = field_of(state, rel);
    Diagnostic::error(
        Code::BadAttributeArgument,
        field.name_span,
        format!(
            "the relation field `{}` needs `fields` and `references`: {why}",
            field.line.name.text
        ),
    )
    .at_path(format!("{}.{}", model.name, field.line.name.text))
    .with_help(format!(
        "e.g. `{} {} @relation(fields: [{}Id], references: [id])`",
        field.line.name.text, field.line.ty.text, field.line.name.text
    ))
}

fn missing_opposite(rel: &Relation<'_, '_>, state: &State<'_>) -> Diagnostic {
    let (model, field) = field_of(state, rel);
    let target = rel.ty;
    let (opposite, ty) = if field.line.list || !rel.holds_key() {
        (lower_first(&model.name), model.name.clone())
    } else {
        (
            format!("{}s", lower_first(&model.name)),
            format!("{}[]", model.name),
        )
    };
    let named = rel
        .name
        .as_ref()
        .map_or(String::new(), |n| format!(" @relation(\"{n}\")"));
    Diagnostic::error(
        Code::MissingOppositeRelation,
        field.name_span,
        format!("the relation field `{}` on model `{}` has no opposite relation field on model `{target}`", field.line.name.text, model.name),
    )
    .at_path(format!("{}.{}", model.name, field.line.name.text))
    .with_help(format!("add the other side to `{target}`, e.g. `{opposite} {ty}{named}`"))
}

fn ambiguous(rel: &Relation<'_, '_>, state: &State<'_>, count: usize) -> Diagnostic {
    let (model, _) = field_of(state, rel);
    let target = rel.ty;
    let name = rel
        .name
        .as_ref()
        .map_or(String::new(), |n| format!(" named \"{n}\""));
    Diagnostic::error(
        Code::AmbiguousRelation,
        span(state, rel),
        format!("{count} relation fields{name} link `{}` and `{target}`: Prisma cannot tell which ones pair up", model.name),
    )
    .at_path(path(state, rel))
    .with_help("give each relation its own name on both of its sides: `@relation(\"AuthoredPosts\")`")
}

fn unnamed_self_relation(rel: &Relation<'_, '_>, state: &State<'_>) -> Diagnostic {
    let (model, field) = field_of(state, rel);
    Diagnostic::error(
        Code::AmbiguousRelation,
        field.name_span,
        format!(
            "the self relation field `{}` on model `{}` has no relation name",
            field.line.name.text, model.name
        ),
    )
    .at_path(path(state, rel))
    .with_help("Prisma needs a name on self relations: give both sides the same one, e.g. `@relation(\"Tree\")`")
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
}

/// The foreign key of the side that holds it.
fn foreign_key(
    rel: &Relation<'_, '_>,
    state: &State<'_>,
    target_table: &QualifiedName,
    diags: &mut Diagnostics,
) -> Option<ForeignKey> {
    let (model, field) = field_of(state, rel);
    let path = field_path(&model.name, &field.line.name.text);
    let src = &field.src;
    let attr = rel.attr?;
    let (Some(fields), Some(references)) = (rel.fields, rel.references) else {
        diags.push(bad_argument(
            attr,
            src,
            &path,
            "`@relation` needs both `fields` and `references`".into(),
            "e.g. `@relation(fields: [authorId], references: [id])`",
        ));
        return None;
    };
    let columns: Vec<String> = names_in(fields, src, &path, diags)?
        .into_iter()
        .map(|(name, at)| local_column(name, at, model, src, &path, diags))
        .collect::<Option<_>>()?;
    let referenced: Vec<String> = names_in(references, src, &path, diags)?
        .into_iter()
        .map(|(name, at)| referenced_column(name, at, rel, state, src, &path, diags))
        .collect::<Option<_>>()?;
    if columns.len() != referenced.len() {
        diags.push(bad_argument(
            attr,
            src,
            &path,
            format!(
                "`fields` lists {} fields but `references` lists {}",
                columns.len(),
                referenced.len()
            ),
            "list one referenced field for each local field",
        ));
        return None;
    }
    let default_delete = if field.line.optional {
        ReferentialAction::SetNull
    } else {
        ReferentialAction::Restrict
    };
    let on_delete = rel
        .on_delete
        .map_or(Some(default_delete), |e| action(e, src, &path, diags))?;
    let on_update = rel
        .on_update
        .map_or(Some(ReferentialAction::Cascade), |e| {
            action(e, src, &path, diags)
        })?;
    let column_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    Some(ForeignKey {
        db_name: rel
            .map
            .clone()
            .unwrap_or_else(|| names::foreign_key(&model.table_name.name, &column_refs)),
        columns,
        referenced_table: target_table.clone(),
        referenced_columns: referenced,
        on_delete,
        on_update,
        span: src.span(attr.at),
    })
}

/// `[a, b]` → the names and where each is written.
fn names_in<'e>(
    expr: &'e Expr,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(&'e str, usize)>> {
    let ExprKind::List(items) = &expr.kind else {
        diags.push(
            Diagnostic::error(
                Code::BadAttributeArgument,
                src.span(expr.at),
                format!("expected a list of fields, found {}", expr.kind_name()),
            )
            .at_path(path.to_string())
            .with_help("e.g. `fields: [authorId]`"),
        );
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match &item.kind {
            ExprKind::Ident(name) => out.push((&**name, item.at)),
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadAttributeArgument,
                        src.span(item.at),
                        format!("expected a field name, found {}", item.kind_name()),
                    )
                    .at_path(path.to_string()),
                );
                return None;
            }
        }
    }
    if out.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::BadAttributeArgument,
                src.span(expr.at),
                "the list of fields is empty",
            )
            .at_path(path.to_string()),
        );
        return None;
    }
    Some(out)
}

/// A `references:` entry: a field of the target model, or a key column of another flavour's collection.
fn referenced_column(
    name: &str,
    at: usize,
    rel: &Relation<'_, '_>,
    state: &State<'_>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match rel.target {
        Target::Model(t) => {
            let target = &state.models[t];
            match target.field(name) {
                Some(KeyField::Column(i)) => target.column(*i).map(|c| c.db_name.clone()),
                Some(KeyField::Broken(_)) => None,
                Some(KeyField::Relation(_)) | None => {
                    let fields = target.field_names();
                    diags.push(unknown_field(name, at, &target.name, &fields, src, path));
                    None
                }
            }
        }
        Target::Foreign(declared) => {
            if declared.primary_key.iter().any(|(c, _)| c == name) {
                return Some(name.to_string());
            }
            let keys: Vec<&str> = declared
                .primary_key
                .iter()
                .map(|(c, _)| c.as_str())
                .collect();
            diags.push(
                Diagnostic::error(
                    Code::UnknownField,
                    src.span(at),
                    format!("`{name}` is not a key column of `{}`", declared.name),
                )
                .at_path(path.to_string())
                .with_help(format!(
                    "`{}` is keyed by: {}",
                    declared.name,
                    keys.join(", ")
                )),
            );
            None
        }
    }
}

/// A `fields:` entry: a scalar field of the model that holds the key, as its column's name.
fn local_column(
    name: &str,
    at: usize,
    model: &Lowered<'_>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match model.field(name) {
        Some(KeyField::Column(i)) => model.column(*i).map(|c| c.db_name.clone()),
        Some(KeyField::Broken(_)) => None,
        Some(KeyField::Relation(_)) => {
            diags.push(relation_not_column(name, at, &model.name, src, path));
            None
        }
        None => {
            let fields = model.field_names();
            diags.push(unknown_field(name, at, &model.name, &fields, src, path));
            None
        }
    }
}

fn action(
    expr: &Expr,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<ReferentialAction> {
    if let ExprKind::Ident(name) = &expr.kind {
        match &**name {
            "Cascade" => return Some(ReferentialAction::Cascade),
            "Restrict" => return Some(ReferentialAction::Restrict),
            "NoAction" => return Some(ReferentialAction::NoAction),
            "SetNull" => return Some(ReferentialAction::SetNull),
            "SetDefault" => return Some(ReferentialAction::SetDefault),
            _ => {}
        }
    }
    diags.push(
        Diagnostic::error(
            Code::BadAttributeArgument,
            src.span(expr.at),
            "unknown referential action",
        )
        .at_path(path.to_string())
        .with_help("use Cascade, Restrict, NoAction, SetNull or SetDefault"),
    );
    None
}

/// The join table of an implicit many-to-many relation, as Prisma 6 makes it:
/// columns `A` and `B` (A = the model whose name sorts first), primary key on (A, B),
/// an index on B, both foreign keys cascading. It lives in model A's schema.
fn join_table(
    a: &Relation<'_, '_>,
    b: &Relation<'_, '_>,
    state: &State<'_>,
    diags: &mut Diagnostics,
) -> Option<Table> {
    let (ma, mb) = (&state.models[a.model], &state.models[b.model]);
    let ((first, first_rel), (second, second_rel)) = if ma.name <= mb.name {
        ((ma, a), (mb, b))
    } else {
        ((mb, b), (ma, a))
    };
    let key_a = single_key(first, first_rel, state, diags);
    let key_b = single_key(second, second_rel, state, diags);
    let ((a_col, a_ty), (b_col, b_ty)) = (key_a?, key_b?);
    let name = names::join_table(a.name.as_deref(), &first.name, &second.name);
    let span = span(state, first_rel);
    let column = |n: &str, ty: ColumnType| Column {
        name: n.into(),
        db_name: n.into(),
        ty,
        nullable: false,
        default: None,
        comment: None,
        span,
    };
    let fk = |col: &str, model: &Lowered<'_>, referenced: String| ForeignKey {
        db_name: names::join_foreign_key(&name, col),
        columns: vec![col.into()],
        referenced_table: model.table_name.clone(),
        referenced_columns: vec![referenced],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::Cascade,
        span,
    };
    Some(Table {
        partition: None,
        db_name: QualifiedName::new(first.table_name.schema.clone(), name.clone()),
        columns: vec![column("A", a_ty), column("B", b_ty)],
        primary_key: Some(PrimaryKey {
            db_name: names::join_primary_key(&name),
            columns: vec!["A".into(), "B".into()],
            span,
        }),
        foreign_keys: vec![fk("A", first, a_col), fk("B", second, b_col)],
        indexes: vec![Index {
            db_name: names::join_index(&name),
            parts: vec![IndexPart::Column {
                name: "B".into(),
                order: SortOrder::Asc,
                opclass: None,
            }],
            unique: false,
            method: IndexMethod::Btree,
            predicate: None,
            concurrently: false,
            span,
        }],
        checks: Vec::new(),
        comment: None,
        name,
        span,
    })
}

/// A model's single id column for a join table, its serial type read as the integer it holds.
fn single_key(
    model: &Lowered<'_>,
    rel: &Relation<'_, '_>,
    state: &State<'_>,
    diags: &mut Diagnostics,
) -> Option<(String, ColumnType)> {
    let mut key = model.primary_key.clone();
    if key.len() != 1 {
        diags.push(
            Diagnostic::error(
                Code::BadAttributeArgument,
                span(state, rel),
                format!(
                    "an implicit many-to-many relation needs a single-field `@id` on `{}`",
                    model.name
                ),
            )
            .at_path(path(state, rel))
            .with_help(
                "give the model one `@id` field, or model the relation with an explicit join model",
            ),
        );
        return None;
    }
    let (column, mut ty) = key.remove(0);
    ty.scalar = match ty.scalar {
        ScalarType::Serial { big: false } | ScalarType::Identity { big: false } => {
            ScalarType::Integer
        }
        ScalarType::Serial { big: true } | ScalarType::Identity { big: true } => ScalarType::BigInt,
        other => other,
    };
    Some((column, ty))
}
