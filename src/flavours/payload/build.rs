//! Collections → tables, as Payload's Postgres adapter builds them (drizzle/src/schema/build.ts
//! and traverseFields.ts): one table per collection, child tables for arrays, blocks and
//! `hasMany` selects, and per collection at most one `_texts`, `_numbers` and `_rels` table.
//!
//! Index and foreign key names go through [`Registry`] in the order Payload generates them, so
//! that the numbering of clashing names (`x_1_idx`) matches too.

use super::fields::{bare_field, Block, Field, Kind};
use super::names::{pg_object_name, pg_truncate, snake_case, Registry};
use super::{Collection, IdType};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::closest;
use crate::flavours::Catalog;
use crate::ir::{
    Check, Column, ColumnType, DefaultValue, Enum, EnumValue, ForeignKey, Index, IndexMethod,
    IndexPart, Literal, PrimaryKey, QualifiedName, ReferentialAction, ScalarType, Span, System,
    Table,
};
use crate::load::Value;
use crate::validate::types::misfit_default;
use std::collections::{HashMap, HashSet};

/// Everything one collection's lowering shares.
struct Ctx<'a> {
    catalog: &'a Catalog,
    names: &'a mut Registry,
    diags: &'a mut Diagnostics,
    enums: &'a mut Vec<Enum>,
    /// Child tables, in the order they are made.
    children: Vec<Table>,
    root_table: String,
    root_slug: String,
    /// The type of columns that point at the collection's own id.
    root_id: ScalarType,
    id_type: IdType,
    /// Targets of `hasMany` and polymorphic relationships (the `_rels` table), in first-use order.
    rels: Vec<(String, Span)>,
    unique_rels: HashSet<String>,
    /// `Some(indexed)` once a `hasMany` text / number field is seen.
    texts: Option<bool>,
    numbers: Option<bool>,
    /// Block tables made so far: how many share the name, the first one's field keys, and
    /// whether its rows are localized.
    block_tables: HashMap<String, (usize, HashSet<String>, bool)>,
    /// Building a `_<slug>_v` table: rows of arrays and blocks get a serial `id` and keep the
    /// document's row id in `_uuid`, and nothing is unique (a document has many versions).
    versions: bool,
    /// The config has `localization`: localized fields live in `<table>_locales` tables.
    localized: bool,
    /// `min`/`max`/`minLength`/`maxLength` become CHECKs (schemagen's; `boundsChecks: false`
    /// leaves them to the app, as Payload does).
    bounds_checks: bool,
    /// The `<table>_locales` table of each table being built, innermost last: localized
    /// columns go to the last one.
    locale_tables: Vec<Table>,
    /// A localized `hasMany` text / number / relationship was seen: `_texts`, `_numbers`,
    /// `_rels` get a `locale` column.
    texts_localized: bool,
    numbers_localized: bool,
    rels_localized: bool,
}

/// Where a list of fields lands: which table, under which prefixes.
#[derive(Clone)]
struct Scope {
    column_prefix: String,
    /// Prefix of the column's logical name: `meta.` inside group `meta` (Payload's drizzle key
    /// would be `meta_title`; the dotted path is what the user wrote and finds in messages).
    key_prefix: String,
    /// Payload's `newTableName`: names enums, child tables and indexes.
    new_table: String,
    /// The table the columns go into (`parentTableName`).
    parent_table: String,
    /// The type of that table's id, for child tables' `_parent_id`.
    parent_id: ScalarType,
    disable_not_null: bool,
    /// Inside an array or block: `unique` relationships do not make the `_rels` index unique.
    in_child_table: bool,
    /// Inside a localized group: every field is localized (`forceLocalized`).
    force_localized: bool,
    /// Below a localized field: `localized` on a field does nothing more (`parentIsLocalized`).
    parent_localized: bool,
    /// Inside a localized group, array or block: child tables get a locale column
    /// (`withinLocalizedArrayOrBlock`).
    within_localized: bool,
}

/// What one root table and its child tables are built from: a collection, or its versions.
struct Tree<'a> {
    logical: String,
    table: String,
    id: ScalarType,
    fields: &'a [Field],
    timestamps: bool,
    /// Compound indexes.
    indexes: Vec<super::CompoundIndex>,
    filename_compound: Option<&'a [String]>,
    /// Drafts: Payload makes no column NOT NULL (a draft may be incomplete).
    disable_not_null: bool,
    versions: bool,
}

pub(super) fn collection(
    c: &Collection<'_>,
    locales: Option<&[(String, Span)]>,
    catalog: &Catalog,
    names: &mut Registry,
    system: &mut System,
    diags: &mut Diagnostics,
) {
    let drafts = c.versions.is_some_and(|v| v.drafts);
    let tree = Tree {
        logical: c.slug.clone(),
        table: c.table.clone(),
        id: c.id_column.clone(),
        fields: &c.fields,
        timestamps: c.timestamps,
        indexes: c.indexes.clone(),
        filename_compound: c.filename_compound.as_deref(),
        disable_not_null: drafts,
        versions: false,
    };
    build(&tree, c, locales.is_some(), catalog, names, system, diags);
    if let Some(versions) = c.versions {
        let fields = version_fields(c, versions, locales);
        // buildVersionCompoundIndexes: the same columns inside `version`, never unique.
        let indexes = c.indexes.iter().map(|(paths, _, span)| {
            let paths = paths
                .iter()
                .map(|(p, at)| (format!("version.{p}"), *at))
                .collect();
            (paths, false, *span)
        });
        let tree = Tree {
            logical: format!("_{}_v", c.slug),
            table: format!("_{}_v", c.table),
            id: generated_id(c.id_type),
            fields: &fields,
            timestamps: true,
            indexes: indexes.collect(),
            filename_compound: None,
            disable_not_null: versions.drafts,
            versions: true,
        };
        build(&tree, c, locales.is_some(), catalog, names, system, diags);
    }
}

/// The fields of a `_<slug>_v` table (versions/buildCollectionFields.ts): the document's
/// `parent`, its fields (less `id`) in a `version` group, the version's own dates, and with
/// drafts `latest` (and `autosave`).
fn version_fields(
    c: &Collection<'_>,
    versions: super::Versions,
    locales: Option<&[(String, Span)]>,
) -> Vec<Field> {
    let span = c.span;
    let logical = format!("_{}_v", c.slug);
    let field = |name: &str, kind: Kind, index: bool| {
        let mut f = bare_field(name.into(), format!("{logical}.{name}"), span, kind);
        f.index = index.then_some(true);
        f
    };
    let mut document: Vec<Field> = c
        .fields
        .iter()
        .filter(|f| f.name != "id")
        .cloned()
        .collect();
    repath(&mut document, &c.slug, &format!("{logical}.version"));
    let parent = Kind::Relation {
        targets: vec![(c.slug.clone(), span)],
        polymorphic: false,
        has_many: false,
    };
    let mut fields = vec![
        field("parent", parent, true),
        field("version", Kind::Group { fields: document }, false),
        field("createdAt", Kind::Date, true),
        field("updatedAt", Kind::Date, true),
    ];
    if c.global {
        // A global is one document: its versions need no parent (buildGlobalFields.ts).
        fields.remove(0);
    }
    if let (true, Some(locales)) = (versions.drafts, locales) {
        // Publishing one locale keeps the others' drafts in a snapshot version.
        fields.push(field("snapshot", Kind::Checkbox, true));
        let options = locales.to_vec();
        let select = Kind::Select {
            options,
            has_many: false,
        };
        fields.push(field("publishedLocale", select, true));
    }
    if versions.drafts {
        fields.push(field("latest", Kind::Checkbox, true));
    }
    if versions.autosave {
        fields.push(field("autosave", Kind::Checkbox, true));
    }
    fields
}

/// Field paths (logical names, messages) moved from below `from` to below `to`.
fn repath(fields: &mut [Field], from: &str, to: &str) {
    let moved = |path: &str| match path.strip_prefix(from) {
        Some(rest) => format!("{to}{rest}"),
        None => path.to_string(),
    };
    for f in fields {
        f.path = moved(&f.path);
        match &mut f.kind {
            Kind::Array { fields } | Kind::Group { fields } => repath(fields, from, to),
            Kind::Blocks { blocks } => {
                for block in blocks {
                    block.path = moved(&block.path);
                    repath(&mut block.fields, from, to);
                }
            }
            _ => {}
        }
    }
}

fn build(
    tree: &Tree<'_>,
    c: &Collection<'_>,
    localized: bool,
    catalog: &Catalog,
    names: &mut Registry,
    system: &mut System,
    diags: &mut Diagnostics,
) {
    let mut root = Table {
        partition: None,
        name: tree.logical.clone(),
        db_name: QualifiedName::public(&tree.table),
        columns: vec![id_column(&tree.id, c.span)],
        primary_key: Some(primary_key(&tree.table, c.span)),
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: None,
        span: c.span,
    };
    let mut ctx = Ctx {
        catalog,
        names,
        diags,
        enums: &mut system.enums,
        children: Vec::new(),
        root_table: tree.table.clone(),
        root_slug: tree.logical.clone(),
        root_id: reference_type(&tree.id),
        id_type: c.id_type,
        rels: Vec::new(),
        unique_rels: HashSet::new(),
        texts: None,
        numbers: None,
        block_tables: HashMap::new(),
        versions: tree.versions,
        localized,
        bounds_checks: c.bounds_checks,
        locale_tables: Vec::new(),
        texts_localized: false,
        numbers_localized: false,
        rels_localized: false,
    };
    // buildRawSchema names the filename compound index before it builds the table.
    if let Some(fields) = tree.filename_compound {
        let name = ctx
            .names
            .index(&format!("{}_filename_compound", tree.table), true);
        let parts = fields.iter().map(|f| snake_case(f)).collect();
        root.indexes.push(index(name, parts, true, c.span));
    }
    let scope = Scope {
        column_prefix: String::new(),
        key_prefix: String::new(),
        new_table: tree.table.clone(),
        parent_table: tree.table.clone(),
        parent_id: ctx.root_id.clone(),
        disable_not_null: tree.disable_not_null,
        in_child_table: false,
        force_localized: false,
        parent_localized: false,
        within_localized: false,
    };
    ctx.locale_tables.push(locales_scratch(&tree.table, c.span));
    traverse(tree.fields, &mut root, &scope, &mut ctx);
    if tree.timestamps {
        stamp(&mut root, "updatedAt", "updated_at", c.span);
        stamp(&mut root, "createdAt", "created_at", c.span);
    }
    // Built after the table's own columns and before its compound indexes (build.ts).
    let locales = locales_table(&root, &ctx.root_id.clone(), &mut ctx);
    compound_indexes(tree, &mut root, &mut ctx);
    let mut extra = Vec::new();
    let (texts_localized, numbers_localized) = (ctx.texts_localized, ctx.numbers_localized);
    if let Some(indexed) = ctx.texts {
        extra.push(values_table(
            &mut ctx,
            "texts",
            "text",
            ScalarType::Varchar { length: None },
            (indexed, texts_localized),
            c.span,
        ));
    }
    if let Some(indexed) = ctx.numbers {
        extra.push(values_table(
            &mut ctx,
            "numbers",
            "number",
            numeric(),
            (indexed, numbers_localized),
            c.span,
        ));
    }
    if !ctx.rels.is_empty() {
        extra.push(rels_table(&mut ctx, c.span));
    }
    system.tables.push(root);
    system.tables.extend(locales);
    system.tables.append(&mut ctx.children);
    system.tables.extend(extra);
}

/// The `_locales` enum of a localized config: one value per locale code.
pub(super) fn locales_enum(locales: &[(String, Span)]) -> Enum {
    let span = locales
        .first()
        .map_or_else(Span::default, |(_, span)| *span);
    Enum {
        name: "localization.locales".into(),
        db_name: QualifiedName::public("_locales"),
        values: locales
            .iter()
            .map(|(code, span)| EnumValue {
                name: code.clone(),
                db_name: code.clone(),
                span: *span,
            })
            .collect(),
        comment: None,
        span,
    }
}

/// An empty `<base>_locales` table that collects the localized columns of `base`.
fn locales_scratch(base: &str, span: Span) -> Table {
    child_table(String::new(), &format!("{base}_locales"), span)
}

/// The `_locale` / `locale` column: which locale a row holds.
fn locale_column(name: &str, nullable: bool, span: Span) -> Column {
    let ty = ScalarType::Enum {
        name: Box::new(QualifiedName::public("_locales")),
    };
    plain(name, name, ty, nullable, span)
}

/// Closes the `<table>_locales` table the localized fields of `base` went into (build.ts):
/// their columns, then `id`, `_locale` and `_parent_id`, one row per locale and parent.
/// `None` when `base` has no localized field.
fn locales_table(base: &Table, parent_id: &ScalarType, ctx: &mut Ctx) -> Option<Table> {
    let mut t = ctx
        .locale_tables
        .pop()
        .expect("a locales table per table being built");
    if t.columns.is_empty() {
        return None;
    }
    let span = base.span;
    let name = t.db_name.name.clone();
    t.name = format!("{}._locales", base.name);
    t.columns.extend([
        id_column(&ScalarType::Serial { big: false }, span),
        locale_column("_locale", false, span),
        plain("_parentID", "_parent_id", parent_id.clone(), false, span),
    ]);
    let unique = ctx
        .names
        .index(&format!("{name}_locale_parent_id_unique"), false);
    let parts = vec!["_locale".into(), "_parent_id".into()];
    t.indexes.push(index(unique, parts, true, span));
    let fk = ctx.names.foreign_key(&format!("{name}_parent_id"));
    let base_name = base.db_name.name.clone();
    t.foreign_keys
        .push(cascade(fk, "_parent_id", &base_name, span));
    Some(without_derived_names_if_too_long(t))
}

fn traverse(fields: &[Field], table: &mut Table, scope: &Scope, ctx: &mut Ctx) {
    for field in fields {
        if field.name == "id" || field.virtual_field || matches!(field.kind, Kind::Join { .. }) {
            continue;
        }
        if ctx.localized
            && (is_localized(field, scope) || scope.force_localized)
            && has_column(field)
        {
            // The column goes to the `<table>_locales` table being built.
            let mut locales = ctx
                .locale_tables
                .pop()
                .expect("a locales table per table being built");
            one_field(field, &mut locales, scope, ctx);
            ctx.locale_tables.push(locales);
        } else {
            one_field(field, table, scope, ctx);
        }
    }
}

/// `localized: true` where no parent field is localized already (fieldShouldBeLocalized).
fn is_localized(field: &Field, scope: &Scope) -> bool {
    field.localized && !scope.parent_localized
}

/// Whether a localized field's value is a column (which moves to `<table>_locales`); arrays,
/// blocks and `hasMany` fields localize their own tables instead, and a group its fields.
fn has_column(field: &Field) -> bool {
    !matches!(
        field.kind,
        Kind::Array { .. }
            | Kind::Blocks { .. }
            | Kind::Group { .. }
            | Kind::Text { has_many: true }
            | Kind::Number { has_many: true }
            | Kind::Select { has_many: true, .. }
            | Kind::Relation { has_many: true, .. }
    )
}

/// Whether a child table (array, block, `hasMany` select, texts, rels) holds a locale column:
/// the field is localized, or it sits in something localized.
fn child_localized(field: &Field, scope: &Scope, ctx: &Ctx) -> bool {
    (ctx.localized && is_localized(field, scope)) || scope.within_localized || scope.force_localized
}

fn one_field(field: &Field, table: &mut Table, scope: &Scope, ctx: &mut Ctx) {
    {
        let underscore = if field.name.starts_with('_') { "_" } else { "" };
        let column = format!(
            "{}{underscore}{}",
            scope.column_prefix,
            snake_case(&field.name)
        );
        let key = format!("{}{}", scope.key_prefix, field.name);
        add_field_index(field, &column, table, scope, ctx);
        match &field.kind {
            Kind::Text { has_many: false } | Kind::Varchar => scalar(
                field,
                &key,
                &column,
                ScalarType::Varchar { length: None },
                table,
                scope,
                ctx,
            ),
            Kind::Number { has_many: false } => {
                scalar(field, &key, &column, numeric(), table, scope, ctx)
            }
            Kind::Checkbox => scalar(field, &key, &column, ScalarType::Boolean, table, scope, ctx),
            Kind::Date => scalar(
                field,
                &key,
                &column,
                ScalarType::Timestamptz { precision: Some(3) },
                table,
                scope,
                ctx,
            ),
            Kind::Json => scalar(field, &key, &column, ScalarType::Jsonb, table, scope, ctx),
            Kind::Point => scalar(
                field,
                &key,
                &column,
                ScalarType::GeoPoint,
                table,
                scope,
                ctx,
            ),
            Kind::Text { has_many: true } => {
                many_values(field, &mut ctx.texts, ctx.diags);
                ctx.texts_localized |= child_localized(field, scope, ctx);
            }
            Kind::Number { has_many: true } => {
                many_values(field, &mut ctx.numbers, ctx.diags);
                ctx.numbers_localized |= child_localized(field, scope, ctx);
            }
            Kind::Select { options, has_many } => {
                let enum_name = enum_type(field, options, scope, ctx);
                if *has_many {
                    select_table(field, enum_name, scope, ctx);
                } else {
                    let ty = ScalarType::Enum {
                        name: Box::new(enum_name),
                    };
                    scalar(field, &key, &column, ty, table, scope, ctx);
                }
            }
            Kind::Relation {
                targets,
                polymorphic,
                has_many,
            } => {
                if *polymorphic || *has_many {
                    // A localized relationship in a localized group counts through
                    // `within_localized` (hasLocalizedRelationshipField ignores forceLocalized).
                    ctx.rels_localized |=
                        (ctx.localized && is_localized(field, scope)) || scope.within_localized;
                    for (target, span) in targets {
                        if resolve(target, *span, &field.path, ctx).is_some() {
                            add_rel(target, *span, field, scope, ctx);
                        }
                    }
                } else if let Some((target, span)) = targets.first() {
                    relationship_column(field, target, *span, &key, &column, table, scope, ctx);
                }
            }
            Kind::Group { fields } => {
                let localized = is_localized(field, scope);
                let inner = Scope {
                    column_prefix: format!("{column}_"),
                    key_prefix: format!("{key}."),
                    new_table: format!("{}_{column}", scope.parent_table),
                    disable_not_null: scope.disable_not_null || field.conditional,
                    force_localized: scope.force_localized || localized,
                    parent_localized: scope.parent_localized || field.localized,
                    within_localized: scope.within_localized || localized,
                    ..scope.clone()
                };
                traverse(fields, table, &inner, ctx);
            }
            Kind::Array { fields } => array_table(field, fields, scope, ctx),
            Kind::Blocks { blocks } => {
                for block in blocks {
                    block_table(field, block, scope, ctx);
                }
            }
            Kind::Join { .. } => {}
        }
    }
}

/// `unique`/`index` (and every single relationship) make an index `<newTable>_<column>_idx`.
fn add_field_index(field: &Field, column: &str, table: &mut Table, scope: &Scope, ctx: &mut Ctx) {
    let (wanted, db_column) = match &field.kind {
        Kind::Relation {
            polymorphic: false,
            has_many: false,
            ..
        } => (true, format!("{column}_id")),
        Kind::Array { .. } | Kind::Blocks { .. } | Kind::Group { .. } | Kind::Relation { .. } => {
            return
        }
        Kind::Text { has_many: true } | Kind::Number { has_many: true } => return,
        Kind::Select { has_many: true, .. } => return,
        _ => (false, column.to_string()),
    };
    let asked = field.unique == Some(true);
    if !(wanted || asked || field.index == Some(true)) {
        return;
    }
    // A versions table holds many rows per document: `unique` only indexes there.
    let unique = asked && !ctx.versions;
    let name = ctx
        .names
        .index(&format!("{}_{column}", scope.new_table), true);
    let mut parts = vec![db_column];
    if ctx.localized && is_localized(field, scope) {
        // The index sits on the `_locales` table: one value per locale.
        parts.push("_locale".into());
    }
    let mut idx = index(name, parts, unique, field.span);
    if matches!(field.kind, Kind::Point) {
        // A Postgres `point` has no btree operator class (PostGIS geometry does).
        idx.method = IndexMethod::Gist;
    }
    table.indexes.push(idx);
}

/// A column of its own: Payload's `withDefault` plus NOT NULL for `required` fields.
fn scalar(
    field: &Field,
    key: &str,
    column: &str,
    ty: ScalarType,
    table: &mut Table,
    scope: &Scope,
    ctx: &mut Ctx,
) {
    let default = default_value(field, &ty, ctx.diags);
    let check = bounds_check(field, &table.db_name.name, column).filter(|_| ctx.bounds_checks);
    let ty = ColumnType::scalar(ty);
    // Checked here so the diagnostic points at the value (select options are checked by
    // `default_value`).
    if let (Some(value), Some(node)) = (&default, &field.default) {
        let path = || format!("{}.{key}", table.name);
        if let Some(d) = misfit_default(value, &ty, &[], node.span, path) {
            ctx.diags.push(d);
        }
    }
    table.columns.push(Column {
        name: key.to_string(),
        db_name: column.to_string(),
        ty,
        nullable: !not_null(field, scope),
        default,
        comment: None,
        span: field.span,
    });
    table.checks.extend(check);
}

fn not_null(field: &Field, scope: &Scope) -> bool {
    field.required == Some(true) && !field.conditional && !scope.disable_not_null
}

fn many_values(field: &Field, seen: &mut Option<bool>, diags: &mut Diagnostics) {
    if field.unique == Some(true) {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                field.span,
                "`unique` is not possible on a `hasMany` text or number field in Postgres",
            )
            .at_path(field.path.clone())
            .with_help("remove `unique` (Payload refuses it too)"),
        );
    }
    let indexed = field.index == Some(true);
    *seen = Some(seen.unwrap_or(false) || indexed);
}

/// `enum_<newTable>_<field>`, or the field's `enumName` / `dbName`.
fn enum_type(
    field: &Field,
    options: &[(String, Span)],
    scope: &Scope,
    ctx: &mut Ctx,
) -> QualifiedName {
    let db = field
        .enum_name
        .clone()
        .or_else(|| field.db_name.clone())
        .unwrap_or_else(|| format!("enum_{}_{}", scope.new_table, snake_case(&field.name)));
    let name = QualifiedName::public(db);
    // An `enumName` (or `dbName`) is not renamed for versions (createTableName without
    // `versionsCustomName`): the versions table shares the enum the document's table made.
    let custom = field.enum_name.is_some() || field.db_name.is_some();
    if ctx.versions && custom {
        return name;
    }
    ctx.enums.push(Enum {
        name: field.path.clone(),
        db_name: name.clone(),
        values: options
            .iter()
            .map(|(v, span)| EnumValue {
                name: v.clone(),
                db_name: v.clone(),
                span: *span,
            })
            .collect(),
        comment: None,
        span: field.span,
    });
    name
}

/// A `select` with `hasMany`: rows of (order, parent_id, value) in `<newTable>_<field>`.
fn select_table(field: &Field, enum_name: QualifiedName, scope: &Scope, ctx: &mut Ctx) {
    let name = child_name(field, &scope.new_table, ctx.versions);
    let span = field.span;
    let mut t = child_table(field.path.clone(), &name, span);
    t.columns = vec![
        plain("order", "order", ScalarType::Integer, false, span),
        plain("parent", "parent_id", scope.parent_id.clone(), false, span),
        plain(
            "value",
            "value",
            ScalarType::Enum {
                name: Box::new(enum_name),
            },
            true,
            span,
        ),
    ];
    t.indexes = vec![
        index(
            pg_truncate(&format!("{name}_order_idx")),
            vec!["order".into()],
            false,
            span,
        ),
        index(
            pg_truncate(&format!("{name}_parent_idx")),
            vec!["parent_id".into()],
            false,
            span,
        ),
    ];
    if child_localized(field, scope, ctx) {
        t.columns.push(locale_column("locale", false, span));
        let idx = pg_truncate(&format!("{name}_locale_idx"));
        t.indexes
            .push(index(idx, vec!["locale".into()], false, span));
    }
    t.columns.push(id_column(&generated_id(ctx.id_type), span));
    if field.index == Some(true) {
        t.indexes.push(index(
            pg_truncate(&format!("{name}_value_idx")),
            vec!["value".into()],
            false,
            span,
        ));
    }
    t.foreign_keys.push(cascade(
        pg_truncate(&format!("{name}_parent_fk")),
        "parent_id",
        &scope.parent_table,
        span,
    ));
    ctx.children.push(without_derived_names_if_too_long(t));
}

/// An `array`: rows in `<newTable>_<field>` with `_order`, `_parent_id` and a text `id`.
fn array_table(field: &Field, fields: &[Field], scope: &Scope, ctx: &mut Ctx) {
    let name = child_name(field, &scope.new_table, ctx.versions);
    let span = field.span;
    let id_ty = row_key(fields, ctx);
    let localized = child_localized(field, scope, ctx);
    let mut t = child_table(field.path.clone(), &name, span);
    t.columns = vec![
        plain("_order", "_order", ScalarType::Integer, false, span),
        plain(
            "_parentID",
            "_parent_id",
            scope.parent_id.clone(),
            false,
            span,
        ),
    ];
    t.indexes = vec![
        index(
            pg_truncate(&format!("{name}_order_idx")),
            vec!["_order".into()],
            false,
            span,
        ),
        index(
            pg_truncate(&format!("{name}_parent_id_idx")),
            vec!["_parent_id".into()],
            false,
            span,
        ),
    ];
    if localized {
        locale_of_rows(&mut t, &name, span);
    }
    t.columns.push(id_column(&id_ty, span));
    t.foreign_keys.push(cascade(
        pg_truncate(&format!("{name}_parent_id_fk")),
        "_parent_id",
        &scope.parent_table,
        span,
    ));
    let inner = Scope {
        column_prefix: String::new(),
        key_prefix: String::new(),
        new_table: name.clone(),
        parent_table: name,
        parent_id: reference_type(&id_ty),
        disable_not_null: scope.disable_not_null || field.conditional,
        in_child_table: true,
        force_localized: false,
        parent_localized: scope.parent_localized || field.localized,
        within_localized: localized,
    };
    rows_table(t, fields, &inner, ctx, |_| {});
}

/// `_locale` and its index on the rows of a localized array or block (each row is one
/// locale's).
fn locale_of_rows(t: &mut Table, name: &str, span: Span) {
    t.columns.push(locale_column("_locale", false, span));
    let idx = pg_truncate(&format!("{name}_locale_idx"));
    t.indexes
        .push(index(idx, vec!["_locale".into()], false, span));
}

/// Fills the table of an array's or block's rows with their fields (`last` adds what follows
/// them), and closes its `_locales` table. The rows' table is made after the fields inside
/// are traversed (buildTable), but listed where the field is, so a reader finds it in
/// declaration order.
fn rows_table(t: Table, fields: &[Field], inner: &Scope, ctx: &mut Ctx, last: impl Fn(&mut Table)) {
    let span = t.span;
    let slot = ctx.children.len();
    ctx.locale_tables
        .push(locales_scratch(&t.db_name.name, span));
    ctx.children.push(t);
    let mut t = std::mem::replace(&mut ctx.children[slot], placeholder());
    traverse(fields, &mut t, inner, ctx);
    t.columns.extend(document_row_id(fields, ctx, span));
    last(&mut t);
    let locales = locales_table(&t, &inner.parent_id, ctx);
    ctx.children[slot] = without_derived_names_if_too_long(t);
    ctx.children.extend(locales);
}

/// The key of an array's or block's rows: the text row id Payload gives them, or in a
/// versions table a generated id (idToUUID moves the row id to `_uuid`).
fn row_key(fields: &[Field], ctx: &Ctx) -> ScalarType {
    match ctx.versions {
        true => generated_id(ctx.id_type),
        false => row_id_type(fields),
    }
}

/// In a versions table, `_uuid`: the document's row id, after the row's fields.
fn document_row_id(fields: &[Field], ctx: &Ctx, span: Span) -> Option<Column> {
    let ty = row_id_type(fields);
    ctx.versions
        .then(|| plain("_uuid", "_uuid", ty, true, span))
}

/// A block of a `blocks` field: `<root>_blocks_<slug>`, its rows pointing at the collection's own
/// row whatever the nesting, with `_path` saying where the block sits.
fn block_table(field: &Field, block: &Block, scope: &Scope, ctx: &mut Ctx) {
    let base = custom_name(block.db_name.as_deref(), ctx.versions)
        .unwrap_or_else(|| format!("{}_blocks_{}", ctx.root_table, snake_case(&block.slug)));
    let keys = block_keys(&block.fields, "");
    let localized = child_localized(field, scope, ctx);
    // A slug met again is built once when the first table has every field of this block and
    // the same localization (validateExistingBlockIsIdentical); a different block of that
    // slug gets `<name>_2`, ...
    let name = match ctx.block_tables.get_mut(&base) {
        None => {
            ctx.block_tables.insert(base.clone(), (1, keys, localized));
            base
        }
        Some((_, first, was)) if keys.is_subset(first) && *was == localized => return,
        Some((count, ..)) => {
            *count += 1;
            format!("{base}_{count}")
        }
    };
    let span = block.span;
    let mut t = child_table(block.path.clone(), &name, span);
    t.columns = vec![
        plain("_order", "_order", ScalarType::Integer, false, span),
        plain("_parentID", "_parent_id", ctx.root_id.clone(), false, span),
        plain("_path", "_path", ScalarType::Text, false, span),
    ];
    t.indexes = vec![
        index(
            pg_truncate(&format!("{name}_order_idx")),
            vec!["_order".into()],
            false,
            span,
        ),
        index(
            pg_truncate(&format!("{name}_parent_id_idx")),
            vec!["_parent_id".into()],
            false,
            span,
        ),
        index(
            pg_truncate(&format!("{name}_path_idx")),
            vec!["_path".into()],
            false,
            span,
        ),
    ];
    if localized {
        locale_of_rows(&mut t, &name, span);
    }
    t.columns
        .push(id_column(&row_key(&block.fields, ctx), span));
    let root = ctx.root_table.clone();
    t.foreign_keys.push(cascade(
        pg_truncate(&format!("{name}_parent_id_fk")),
        "_parent_id",
        &root,
        span,
    ));
    let inner = Scope {
        column_prefix: String::new(),
        key_prefix: String::new(),
        new_table: name.clone(),
        parent_table: name,
        parent_id: reference_type(&row_key(&block.fields, ctx)),
        disable_not_null: scope.disable_not_null || field.conditional,
        in_child_table: true,
        force_localized: false,
        parent_localized: scope.parent_localized || field.localized,
        within_localized: localized,
    };
    let block_name = !block.fields.iter().any(|f| f.name == "blockName");
    rows_table(t, &block.fields, &inner, ctx, |t| {
        // Every block also gets a `blockName` text field after its own (baseBlockFields).
        if block_name {
            let ty = ScalarType::Varchar { length: None };
            t.columns
                .push(plain("blockName", "block_name", ty, true, span));
        }
    });
}

/// The keys of a block's own columns (`group_field` inside groups), as Payload compares two
/// blocks of one slug: arrays, blocks, relationships and `hasMany` fields have none.
fn block_keys(fields: &[Field], prefix: &str) -> HashSet<String> {
    let mut keys = HashSet::new();
    for f in fields {
        match &f.kind {
            Kind::Group { fields } => {
                keys.extend(block_keys(fields, &format!("{prefix}{}_", f.name)))
            }
            Kind::Array { .. }
            | Kind::Blocks { .. }
            | Kind::Relation { .. }
            | Kind::Join { .. } => {}
            Kind::Text { has_many: true }
            | Kind::Number { has_many: true }
            | Kind::Select { has_many: true, .. } => {}
            _ => {
                keys.insert(format!("{prefix}{}", f.name));
            }
        }
    }
    keys
}

/// A single relationship or upload: `<field>_id` with a foreign key, ON DELETE SET NULL.
#[allow(clippy::too_many_arguments)]
fn relationship_column(
    field: &Field,
    target: &str,
    target_span: Span,
    key: &str,
    column: &str,
    table: &mut Table,
    scope: &Scope,
    ctx: &mut Ctx,
) {
    let Some((target_table, pk, ty)) = resolve(target, target_span, &field.path, ctx) else {
        return;
    };
    let db_name = format!("{column}_id");
    // drizzle's default name for an inline `.references()`; Postgres keeps its first 63 bytes.
    let fk = format!(
        "{}_{db_name}_{}_{pk}_fk",
        table.db_name.name, target_table.name
    );
    table.foreign_keys.push(ForeignKey {
        db_name: pg_truncate(&fk),
        columns: vec![db_name.clone()],
        referenced_table: target_table,
        referenced_columns: vec![pk],
        on_delete: ReferentialAction::SetNull,
        on_update: ReferentialAction::NoAction,
        span: field.span,
    });
    table.columns.push(Column {
        name: key.to_string(),
        db_name,
        ty: ColumnType::scalar(ty),
        nullable: !not_null(field, scope),
        default: None,
        comment: None,
        span: field.span,
    });
}

/// A relationship target by slug (or any name in the catalog): its table, key column and key type.
fn resolve(
    target: &str,
    span: Span,
    path: &str,
    ctx: &mut Ctx,
) -> Option<(QualifiedName, String, ScalarType)> {
    let Some(declared) = ctx.catalog.get(target) else {
        let known: Vec<&str> = ctx.catalog.names().collect();
        let mut d = Diagnostic::error(
            Code::UnknownModel,
            span,
            format!("`relationTo: {target}` names no collection of this system"),
        )
        .at_path(format!("{path}.relationTo"));
        d = match closest(target, &known) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help("declare the collection (in any file of the same system folder)"),
        };
        ctx.diags.push(d);
        return None;
    };
    let [(pk, ty)] = declared.primary_key.as_slice() else {
        ctx.diags.push(
            Diagnostic::error(
                Code::ForeignKeyMismatch,
                span,
                format!("`{target}` has a composite primary key; a Payload relationship needs a single `id`"),
            )
            .at_path(format!("{path}.relationTo"))
            .with_help("point the relationship at a collection with a single-column id"),
        );
        return None;
    };
    Some((
        declared.table.clone(),
        pk.clone(),
        reference_type(&ty.scalar),
    ))
}

fn add_rel(target: &str, span: Span, field: &Field, scope: &Scope, ctx: &mut Ctx) {
    if !ctx.rels.iter().any(|(t, _)| t == target) {
        ctx.rels.push((target.to_string(), span));
    }
    if field.unique == Some(true) && !scope.in_child_table && !ctx.versions {
        ctx.unique_rels.insert(target.to_string());
    }
}

/// `<root>_texts` / `<root>_numbers`: the values of every `hasMany` text / number field.
fn values_table(
    ctx: &mut Ctx,
    suffix: &str,
    value: &str,
    ty: ScalarType,
    (indexed, localized): (bool, bool),
    span: Span,
) -> Table {
    let name = format!("{}_{suffix}", ctx.root_table);
    let mut t = child_table(format!("{}.{suffix}", ctx.root_slug), &name, span);
    let core = [
        plain("order", "order", ScalarType::Integer, false, span),
        plain("parent", "parent_id", ctx.root_id.clone(), false, span),
        plain(
            "path",
            "path",
            ScalarType::Varchar { length: None },
            false,
            span,
        ),
    ];
    let value_col = plain(value, value, ty, true, span);
    t.columns = vec![id_column(&ScalarType::Serial { big: false }, span)];
    // build.ts lists `number` before `order` but `text` after `path`.
    if value == "number" {
        t.columns.push(value_col);
        t.columns.extend(core);
    } else {
        t.columns.extend(core);
        t.columns.push(value_col);
    }
    if localized {
        t.columns.push(locale_column("locale", true, span));
    }
    // Texts name their order index without `_idx`, numbers with it (build.ts).
    let order_name = ctx
        .names
        .index(&format!("{name}_order_parent"), value == "number");
    t.indexes.push(index(
        order_name,
        vec!["order".into(), "parent_id".into()],
        false,
        span,
    ));
    if indexed {
        let value_name = ctx.names.index(&format!("{name}_{value}"), true);
        t.indexes
            .push(index(value_name, vec![value.into()], false, span));
    }
    if localized {
        // Without `_idx` for texts and numbers alike (build.ts).
        let locale_name = ctx.names.index(&format!("{name}_locale_parent"), false);
        let parts = vec!["locale".into(), "parent_id".into()];
        t.indexes.push(index(locale_name, parts, false, span));
    }
    let fk = ctx.names.foreign_key(&format!("{name}_parent"));
    let root = ctx.root_table.clone();
    t.foreign_keys.push(cascade(fk, "parent_id", &root, span));
    t
}

/// `<root>_rels`: one row per related document of every `hasMany` or polymorphic relationship.
fn rels_table(ctx: &mut Ctx, span: Span) -> Table {
    let name = format!("{}_rels", ctx.root_table);
    let mut t = child_table(format!("{}.rels", ctx.root_slug), &name, span);
    t.columns = vec![
        id_column(&ScalarType::Serial { big: false }, span),
        plain("order", "order", ScalarType::Integer, true, span),
        plain("parent", "parent_id", ctx.root_id.clone(), false, span),
        plain(
            "path",
            "path",
            ScalarType::Varchar { length: None },
            false,
            span,
        ),
    ];
    let localized = ctx.rels_localized;
    if localized {
        t.columns.push(locale_column("locale", true, span));
    }
    let parts = ["order", "parent", "path"]
        .into_iter()
        .chain(localized.then_some("locale"));
    for part in parts {
        let idx = ctx.names.index(&format!("{name}_{part}"), true);
        let column = if part == "parent" { "parent_id" } else { part };
        t.indexes.push(index(idx, vec![column.into()], false, span));
    }
    let fk = ctx.names.foreign_key(&format!("{name}_parent"));
    let root = ctx.root_table.clone();
    t.foreign_keys.push(cascade(fk, "parent_id", &root, span));
    for (target, target_span) in std::mem::take(&mut ctx.rels) {
        let Some((target_table, pk, ty)) =
            resolve(&target, target_span, &ctx.root_slug.clone(), ctx)
        else {
            continue;
        };
        let column = format!("{}_id", target_table.name);
        t.columns.push(plain(
            &format!("{target}ID"),
            &column,
            ty,
            true,
            target_span,
        ));
        let fk = ctx
            .names
            .foreign_key(&format!("{name}_{}", snake_case(&target)));
        t.foreign_keys.push(ForeignKey {
            db_name: fk,
            columns: vec![column.clone()],
            referenced_table: target_table.clone(),
            referenced_columns: vec![pk],
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
            span: target_span,
        });
        let unique = ctx.unique_rels.contains(&target);
        let mut parts = vec![column];
        if unique {
            parts.push("path".into());
        }
        if localized {
            parts.push("locale".into());
        }
        let idx = ctx
            .names
            .index(&format!("{name}_{}_id", target_table.name), true);
        t.indexes.push(index(idx, parts, unique, target_span));
    }
    t
}

/// Collection `indexes`: columns named by drizzle key (`a.b` → `a_b`), index named after them.
fn compound_indexes(tree: &Tree<'_>, root: &mut Table, ctx: &mut Ctx) {
    for (paths, unique, span) in &tree.indexes {
        let mut keys = Vec::new();
        let mut parts = Vec::new();
        for (path, path_span) in paths {
            match root.columns.iter().find(|col| col.name == *path) {
                Some(col) => parts.push(col.db_name.clone()),
                None => {
                    ctx.diags.push(
                        Diagnostic::error(
                            Code::UnknownField,
                            *path_span,
                            format!("the index names `{path}`, which is not a column of {}", tree.logical),
                        )
                        .at_path(format!("{}.indexes", tree.logical))
                        .with_help("name a field of the collection itself (fields in arrays and blocks live in other tables)"),
                    );
                }
            }
            // The name joins the drizzle keys (`meta.title` → `meta_title`), without the table.
            keys.push(path.replace('.', "_"));
        }
        if parts.len() != paths.len() {
            continue;
        }
        let mut name = keys.join("_");
        if name.len() > 63 {
            name = "compound_index".into();
        }
        let name = ctx.names.index(&name, true);
        root.indexes.push(index(name, parts, *unique, *span));
    }
}

/// `created_at` / `updated_at`: timestamptz(3) NOT NULL DEFAULT now(), kept where the field was.
/// Spelled `now()` as Payload writes it; a system built when schemagen wrote
/// `CURRENT_TIMESTAMP` keeps its columns (the planner sees the same default).
fn stamp(root: &mut Table, key: &str, db_name: &str, span: Span) {
    let column = Column {
        name: key.into(),
        db_name: db_name.into(),
        ty: ColumnType::scalar(ScalarType::Timestamptz { precision: Some(3) }),
        nullable: false,
        default: Some(DefaultValue::Sql("now()".into())),
        comment: None,
        span,
    };
    match root.columns.iter_mut().find(|c| c.name == key) {
        Some(existing) => {
            let span = existing.span;
            *existing = Column { span, ..column };
        }
        None => root.columns.push(column),
    }
}

/// The field's `defaultValue` as a column default, when it fits the column.
fn default_value(field: &Field, ty: &ScalarType, diags: &mut Diagnostics) -> Option<DefaultValue> {
    let Some(node) = field.default.as_ref().filter(|n| n.value != Value::Null) else {
        // sanitize.ts: a required checkbox without a default defaults to false.
        return (matches!(ty, ScalarType::Boolean) && field.required == Some(true))
            .then_some(DefaultValue::Literal(Literal::Bool(false)));
    };
    let value = match (ty, &node.value) {
        (ScalarType::Jsonb, _) => Some(DefaultValue::Literal(Literal::Json(node.to_json().to_string()))),
        (ScalarType::Boolean, Value::Bool(b)) => Some(DefaultValue::Literal(Literal::Bool(*b))),
        (ScalarType::Numeric { .. }, Value::Int(_) | Value::Float(_)) => {
            node.scalar_text().map(|t| DefaultValue::Literal(Literal::Number(t.into_owned())))
        }
        (ScalarType::Varchar { .. } | ScalarType::Timestamptz { .. }, Value::Str(s)) => {
            Some(DefaultValue::Literal(Literal::String(s.clone())))
        }
        (ScalarType::Enum { .. }, _) => node.scalar_text().and_then(|t| {
            let known = matches!(&field.kind, Kind::Select { options, .. } if options.iter().any(|(o, _)| *o == t));
            known.then(|| DefaultValue::EnumValue(t.into_owned()))
        }),
        (ScalarType::GeoPoint, Value::Seq(items)) => match items.as_slice() {
            [x, y] => match (x.scalar_text(), y.scalar_text()) {
                (Some(x), Some(y)) if x.parse::<f64>().is_ok() && y.parse::<f64>().is_ok() => {
                    Some(DefaultValue::Literal(Literal::String(format!("({x},{y})"))))
                }
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    if value.is_none() {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                node.span,
                format!(
                    "this `defaultValue` does not fit a {} field",
                    kind_name(&field.kind)
                ),
            )
            .at_path(format!("{}.defaultValue", field.path))
            .with_help(match &field.kind {
                Kind::Select { options, .. } => format!(
                    "use one of the options: {}",
                    options
                        .iter()
                        .map(|(o, _)| o.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Kind::Point => "write the point as `[longitude, latitude]`".into(),
                _ => "write a value of the field's type".into(),
            }),
        );
    }
    value
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Text { .. } | Kind::Varchar => "text",
        Kind::Number { .. } => "number",
        Kind::Checkbox => "checkbox",
        Kind::Date => "date",
        Kind::Select { .. } => "select",
        Kind::Point => "point",
        _ => "json",
    }
}

/// `min`/`max` and `minLength`/`maxLength` as a CHECK (Payload only checks them in the app).
fn bounds_check(field: &Field, table: &str, column: &str) -> Option<Check> {
    let b = &field.bounds;
    let quoted = crate::render::quote_ident(column);
    let mut terms = Vec::new();
    if matches!(field.kind, Kind::Number { has_many: false }) {
        terms.extend(b.min.as_ref().map(|m| format!("{quoted} >= {m}")));
        terms.extend(b.max.as_ref().map(|m| format!("{quoted} <= {m}")));
    }
    if matches!(field.kind, Kind::Text { has_many: false } | Kind::Varchar) {
        terms.extend(
            b.min_length
                .as_ref()
                .map(|m| format!("char_length({quoted}) >= {m}")),
        );
        terms.extend(
            b.max_length
                .as_ref()
                .map(|m| format!("char_length({quoted}) <= {m}")),
        );
    }
    (!terms.is_empty()).then(|| Check {
        db_name: pg_object_name(table, Some(column), "check"),
        expression: terms.join(" AND "),
        span: field.span,
    })
}

/// `<newTable>_<field>`, or the field's `dbName` (`_<dbName>_v` in a versions table).
fn child_name(field: &Field, new_table: &str, versions: bool) -> String {
    custom_name(field.db_name.as_deref(), versions)
        .unwrap_or_else(|| format!("{new_table}_{}", snake_case(&field.name)))
}

/// createTableName's `versionsCustomName`: a `dbName` inside a versions table is `_<dbName>_v`.
fn custom_name(db_name: Option<&str>, versions: bool) -> Option<String> {
    db_name.map(|name| match versions {
        true => format!("_{name}_v"),
        false => name.to_string(),
    })
}

/// Rows of arrays and blocks are keyed by a text `id` (baseIDField), or a number `id` field's type.
fn row_id_type(fields: &[Field]) -> ScalarType {
    match fields.iter().find(|f| f.name == "id").map(|f| &f.kind) {
        Some(Kind::Number { .. }) => numeric(),
        _ => ScalarType::Varchar { length: None },
    }
}

/// setColumnID for tables without an `id` field: `serial`, or `uuid` with gen_random_uuid().
fn generated_id(id_type: IdType) -> ScalarType {
    match id_type {
        IdType::Serial => ScalarType::Serial { big: false },
        IdType::Uuid => ScalarType::Uuid,
    }
}

/// The type of a column that refers to a key of this type.
fn reference_type(key: &ScalarType) -> ScalarType {
    match key {
        ScalarType::Serial { big } | ScalarType::Identity { big } => {
            if *big {
                ScalarType::BigInt
            } else {
                ScalarType::Integer
            }
        }
        other => other.clone(),
    }
}

fn numeric() -> ScalarType {
    ScalarType::Numeric {
        precision: None,
        scale: None,
    }
}

fn id_column(ty: &ScalarType, span: Span) -> Column {
    Column {
        name: "id".into(),
        db_name: "id".into(),
        ty: ColumnType::scalar(ty.clone()),
        nullable: false,
        default: matches!(ty, ScalarType::Uuid).then_some(DefaultValue::GenRandomUuid),
        comment: None,
        span,
    }
}

fn primary_key(table: &str, span: Span) -> PrimaryKey {
    PrimaryKey {
        db_name: pg_object_name(table, None, "pkey"),
        columns: vec!["id".into()],
        span,
    }
}

fn child_table(logical: String, db_name: &str, span: Span) -> Table {
    Table {
        partition: None,
        name: logical,
        db_name: QualifiedName::public(db_name),
        columns: Vec::new(),
        primary_key: Some(primary_key(db_name, span)),
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: None,
        span,
    }
}

/// Payload refuses a table name over 63 bytes (validateIdentifierLength); the index and key
/// names made from it would only repeat that one error, so they are left out and validate
/// reports the table name itself, with the field's path.
fn without_derived_names_if_too_long(mut t: Table) -> Table {
    if t.db_name.name.len() > 63 {
        t.indexes.clear();
        t.foreign_keys.clear();
    }
    t
}

fn placeholder() -> Table {
    child_table(String::new(), "", Span::default())
}

fn plain(key: &str, db_name: &str, ty: ScalarType, nullable: bool, span: Span) -> Column {
    Column {
        name: key.into(),
        db_name: db_name.into(),
        ty: ColumnType::scalar(ty),
        nullable,
        default: None,
        comment: None,
        span,
    }
}

fn index(db_name: String, columns: Vec<String>, unique: bool, span: Span) -> Index {
    Index {
        db_name,
        parts: columns
            .into_iter()
            .map(|name| IndexPart::Column {
                name,
                order: Default::default(),
                opclass: None,
            })
            .collect(),
        unique,
        method: IndexMethod::Btree,
        predicate: None,
        concurrently: false,
        span,
    }
}

fn cascade(db_name: String, column: &str, parent_table: &str, span: Span) -> ForeignKey {
    ForeignKey {
        db_name,
        columns: vec![column.into()],
        referenced_table: QualifiedName::public(parent_table),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
        span,
    }
}
