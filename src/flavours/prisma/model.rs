//! A model → a table: ids, uniques, indexes (`@@index` and the YAML `indexes:` key)
//! and checks. Columns come from [`super::column`], foreign keys from [`super::relations`].

use super::args::{args, bad_argument, string_arg, string_value, unknown_attribute};
use super::line::{Arg, Attribute, Expr, ExprKind};
use super::{field_path, names, FieldKind, Model, Src};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::{
    check_keys, closest, expect_bool, expect_map, expect_scalar, expect_seq,
};
use crate::ir::{
    Check, Column, ColumnType, Index, IndexMethod, IndexPart, PrimaryKey, SortOrder, Span, Table,
};
use crate::load::{Node, Value};

const BLOCK_ATTRIBUTES: &[&str] = &["@@id", "@@unique", "@@index", "@@map", "@@schema"];
pub(crate) const INDEX_KEYS: &[&str] = &[
    "name",
    "columns",
    "expression",
    "unique",
    "using",
    "where",
    "concurrently",
];

/// The primary key as the catalog shows it to other flavours: (column, type) in key order.
pub(super) fn primary_key_columns(model: &Model<'_>) -> Vec<(String, ColumnType)> {
    let column_of = |name: &str| {
        let c = model.column(&model.fields[*model.field_by_name.get(name)?].kind)?;
        Some((c.db_name.clone(), c.ty.clone()))
    };
    for field in &model.fields {
        if field.line.attributes.iter().any(|a| a.name.text == "id") {
            return column_of(&field.line.name.text).into_iter().collect();
        }
    }
    for (block, _) in &model.blocks {
        if block.name.text == "id" {
            if let Some(Arg {
                value:
                    Expr {
                        kind: ExprKind::List(items),
                        ..
                    },
                ..
            }) = block.args.first()
            {
                return items
                    .iter()
                    .filter_map(|item| match &item.kind {
                        ExprKind::Ident(name) | ExprKind::Call(name, _) => column_of(name),
                        _ => None,
                    })
                    .collect();
            }
        }
    }
    Vec::new()
}

/// The model's id and unique constraints, each as its columns' database names: what the key
/// side of a one-to-one relation must match (Prisma requires it unique).
pub(super) fn unique_sets(model: &Model<'_>) -> Vec<Vec<String>> {
    let db = |name: &str| {
        let c = model.column(&model.fields[*model.field_by_name.get(name)?].kind)?;
        Some(c.db_name.clone())
    };
    let singles = model.fields.iter().filter_map(|f| {
        let keyed = f
            .line
            .attributes
            .iter()
            .any(|a| a.name.text == "id" || a.name.text == "unique");
        keyed
            .then(|| db(&f.line.name.text))
            .flatten()
            .map(|c| vec![c])
    });
    let blocks = model.blocks.iter().filter_map(|(block, _)| {
        if !matches!(&*block.name.text, "id" | "unique") {
            return None;
        }
        match block.args.first().map(|a| &a.value.kind) {
            Some(ExprKind::List(items)) => Some(
                items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        ExprKind::Ident(n) | ExprKind::Call(n, _) => db(n),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        }
    });
    singles.chain(blocks).collect()
}

/// `@@id(a)`, `@@unique(a)`, `@@index(a(sort: Desc))` as `[a]`, ...: Prisma accepts one field
/// without brackets (its own `db pull` writes `@@index(field)`), so the rest of the flavour
/// sees only lists.
pub(super) fn one_field_as_list(mut block: Attribute) -> Attribute {
    if !matches!(&*block.name.text, "id" | "unique" | "index") {
        return block;
    }
    let fields = block
        .args
        .iter_mut()
        .find(|a| a.name.as_ref().is_none_or(|n| n.text == "fields"));
    if let Some(arg) = fields {
        if matches!(arg.value.kind, ExprKind::Ident(_) | ExprKind::Call(..)) {
            let one = arg.value.clone();
            arg.value.kind = ExprKind::List(vec![one]);
        }
    }
    block
}

/// `@@map` and `@@schema` from the body, each with where it is written.
pub(super) type Setting = Option<(String, Span)>;

pub(super) fn table_attributes(model: &Model<'_>, diags: &mut Diagnostics) -> (Setting, Setting) {
    let mut map = None;
    let mut schema = None;
    for (block, src) in &model.blocks {
        let slot = match &*block.name.text {
            "map" => &mut map,
            "schema" => &mut schema,
            _ => continue,
        };
        if let Some(value) = string_arg(block, src, &model.name, diags) {
            *slot = Some((value, src.span(block.at)));
        }
    }
    (map, schema)
}

/// The model's table, without columns (the caller moves them out of the model) and foreign
/// keys (those come from the relations).
pub(super) fn table(model: &Model<'_>, diags: &mut Diagnostics) -> Table {
    let mut table = Table {
        partition: None,
        name: model.name.clone(),
        db_name: model.table.clone(),
        columns: Vec::new(),
        primary_key: None,
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: model.comment.clone(),
        span: model.span,
    };
    field_keys(model, &mut table, diags);
    block_attributes(model, &mut table, diags);
    if let Some(node) = model.node.get("indexes") {
        yaml_indexes(node, model, &mut table, diags);
    }
    if let Some(node) = model.node.get("checks") {
        checks(node, model, &mut table, diags);
    }
    table.partition = model
        .node
        .get("partition")
        .and_then(|node| super::partition::partitioning(node, model, diags));
    table
}

/// What field attributes make of columns: `@id` and `@unique`.
fn field_keys(model: &Model<'_>, table: &mut Table, diags: &mut Diagnostics) {
    let t = model.table.name.as_str();
    for field in &model.fields {
        let Some(column) = model.column(&field.kind) else {
            continue;
        };
        for attr in &field.line.attributes {
            let unique = match &*attr.name.text {
                "id" => false,
                "unique" => true,
                _ => continue,
            };
            let path = field_path(&model.name, &field.line.name.text);
            let args = args(
                attr,
                &["", "map", "sort", "length", "clustered"],
                &field.src,
                &path,
                diags,
            );
            let map = args[1].and_then(|e| string_value(e, attr, &field.src, &path, diags));
            let order = args[2].map_or(SortOrder::Asc, |e| sort_order(e, &field.src, &path, diags));
            let span = field.src.span(attr.at);
            let columns = [column.db_name.as_str()];
            if unique {
                table.indexes.push(index(
                    map.unwrap_or_else(|| names::unique(t, &columns)),
                    vec![part(&column.db_name, order, None)],
                    true,
                    IndexMethod::Btree,
                    span,
                ));
            } else {
                set_primary_key(table, model, map, vec![column.db_name.clone()], span, diags);
            }
        }
    }
}

/// `@@id`, `@@unique`, `@@index` (`@@map` and `@@schema` were read with the model).
fn block_attributes(model: &Model<'_>, table: &mut Table, diags: &mut Diagnostics) {
    let t = model.table.name.as_str();
    for (block, src) in &model.blocks {
        let path = model.name.as_str();
        let span = src.span(block.at);
        match &*block.name.text {
            "map" | "schema" => {}
            "id" => {
                let args = args(
                    block,
                    &["fields", "name", "map", "clustered"],
                    src,
                    path,
                    diags,
                );
                let map = args[2].and_then(|e| string_value(e, block, src, path, diags));
                if let Some(parts) = field_list(args[0], block, model, src, path, diags) {
                    let columns = parts.iter().map(column_name).collect();
                    set_primary_key(table, model, map, columns, span, diags);
                }
            }
            kind @ ("unique" | "index") => {
                let unique = kind == "unique";
                let params: &[&str] = if unique {
                    &["fields", "name", "map", "clustered"]
                } else {
                    &["fields", "name", "map", "type", "clustered"]
                };
                let args = args(block, params, src, path, diags);
                // `@@index(name: "...")` names the database index too (verified with Prisma's
                // schema engine); on `@@unique`, `name` only names the client's compound key.
                let db_name = if unique { args[2] } else { args[2].or(args[1]) };
                let map = db_name.and_then(|e| string_value(e, block, src, path, diags));
                let method = if unique {
                    IndexMethod::Btree
                } else {
                    args[3].map_or(IndexMethod::Btree, |e| index_type(e, src, path, diags))
                };
                let Some(parts) = field_list(args[0], block, model, src, path, diags) else {
                    continue;
                };
                let columns: Vec<String> = parts.iter().map(column_name).collect();
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                let name = map.unwrap_or_else(|| {
                    if unique {
                        names::unique(t, &columns)
                    } else {
                        names::index(t, &columns)
                    }
                });
                table.indexes.push(index(name, parts, unique, method, span));
            }
            _ => diags.push(unknown_attribute(block, src, path, BLOCK_ATTRIBUTES, true)),
        }
    }
}

/// The YAML `checks:` map: constraint name → SQL.
fn checks(node: &Node, model: &Model<'_>, table: &mut Table, diags: &mut Diagnostics) {
    for (key, value) in
        expect_map(node, &format!("{}.checks", model.name), diags).unwrap_or_default()
    {
        if let Some(expression) =
            expect_scalar(value, &format!("{}.checks.{}", model.name, key.name), diags)
        {
            table.checks.push(Check {
                db_name: key.name.clone(),
                expression,
                span: key.span,
            });
        }
    }
}

fn set_primary_key(
    table: &mut Table,
    model: &Model<'_>,
    map: Option<String>,
    columns: Vec<String>,
    span: Span,
    diags: &mut Diagnostics,
) {
    if let Some(first) = &table.primary_key {
        diags.push(
            Diagnostic::error(
                Code::BadAttributeArgument,
                span,
                format!("model `{}` has a second id", model.name),
            )
            .at_path(model.name.clone())
            .with_related(first.span, "the first id is declared here")
            .with_help(
                "a model has one id: mark one field `@id`, or list several in `@@id([a, b])`",
            ),
        );
        return;
    }
    table.primary_key = Some(PrimaryKey {
        db_name: map.unwrap_or_else(|| names::primary_key(&model.table.name)),
        columns,
        span,
    });
}

fn index(
    db_name: String,
    parts: Vec<IndexPart>,
    unique: bool,
    method: IndexMethod,
    span: Span,
) -> Index {
    Index {
        db_name,
        parts,
        unique,
        method,
        predicate: None,
        concurrently: false,
        span,
    }
}

fn part(column: &str, order: SortOrder, opclass: Option<String>) -> IndexPart {
    IndexPart::Column {
        name: column.to_string(),
        order,
        opclass,
    }
}

fn column_name(part: &IndexPart) -> String {
    match part {
        IndexPart::Column { name, .. } => name.clone(),
        IndexPart::Expression { sql } => sql.clone(),
    }
}

/// `[a, b(sort: Desc, ops: JsonbPathOps)]` → index parts over the fields' columns.
fn field_list(
    expr: Option<&Expr>,
    attr: &Attribute,
    model: &Model<'_>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<IndexPart>> {
    let Some(Expr {
        kind: ExprKind::List(items),
        ..
    }) = expr
    else {
        diags.push(bad_argument(
            attr,
            src,
            path,
            format!("`@@{}` needs a list of fields", attr.name.text),
            &format!("e.g. `@@{}([organizationId, createdAt])`", attr.name.text),
        ));
        return None;
    };
    let mut parts = Vec::with_capacity(items.len());
    let mut ok = !items.is_empty();
    for item in items {
        let (name, args): (&str, &[Arg]) = match &item.kind {
            ExprKind::Ident(name) => (name, &[]),
            ExprKind::Call(name, args) => (name, args),
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadAttributeArgument,
                        src.span(item.at),
                        format!("expected a field name, found {}", item.kind_name()),
                    )
                    .at_path(path.to_string()),
                );
                ok = false;
                continue;
            }
        };
        let Some(column) = scalar_column(name, item.at, model, src, path, diags) else {
            ok = false;
            continue;
        };
        let mut order = SortOrder::Asc;
        let mut opclass = None;
        for arg in args {
            match arg.name.as_ref().map(|w| &*w.text) {
                Some("sort") => order = sort_order(&arg.value, src, path, diags),
                Some("ops") => opclass = operator_class(&arg.value, src, path, diags),
                Some("length") => {}
                _ => {
                    diags.push(
                        Diagnostic::error(
                            Code::BadAttributeArgument,
                            src.span(arg.value.at),
                            "expected `sort:` or `ops:`",
                        )
                        .at_path(path.to_string())
                        .with_help("e.g. `publishedAt(sort: Desc)`"),
                    );
                    ok = false;
                }
            }
        }
        parts.push(part(&column.db_name, order, opclass));
    }
    if items.is_empty() {
        diags.push(bad_argument(
            attr,
            src,
            path,
            format!("`@@{}` needs at least one field", attr.name.text),
            "list the fields it covers",
        ));
    }
    ok.then_some(parts)
}

/// The column of a scalar field named in an attribute or index, or a diagnostic.
pub(super) fn scalar_column<'m>(
    name: &str,
    at: usize,
    model: &'m Model<'_>,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<&'m Column> {
    match model
        .field_by_name
        .get(name)
        .map(|&i| &model.fields[i].kind)
    {
        Some(FieldKind::Column(i)) => model.columns.get(*i as usize),
        Some(FieldKind::Broken) => None,
        Some(FieldKind::Relation) => {
            diags.push(relation_not_column(name, at, &model.name, src, path));
            None
        }
        None => {
            let fields: Vec<&str> = model.fields.iter().map(|f| &*f.line.name.text).collect();
            diags.push(unknown_field(name, at, &model.name, &fields, src, path));
            None
        }
    }
}

/// E0105 for a name that is no field of `model` (its fields listed in order).
pub(super) fn unknown_field(
    name: &str,
    at: usize,
    model: &str,
    fields: &[&str],
    src: &Src,
    path: &str,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownField,
        src.span(at),
        format!("model `{model}` has no field `{name}`"),
    )
    .at_path(path.to_string());
    match closest(name, fields) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("fields of {model}: {}", fields.join(", "))),
    }
}

/// The diagnostic for a relation field named where a column is expected.
pub(super) fn relation_not_column(
    name: &str,
    at: usize,
    model: &str,
    src: &Src,
    path: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownField,
        src.span(at),
        format!("`{name}` is a relation field, not a column of {model}"),
    )
    .at_path(path.to_string())
    .with_help("name the scalar fields that hold the key (the ones in `fields: [...]`)")
}

fn sort_order(expr: &Expr, src: &Src, path: &str, diags: &mut Diagnostics) -> SortOrder {
    match &expr.kind {
        ExprKind::Ident(s) if s == "Asc" => SortOrder::Asc,
        ExprKind::Ident(s) if s == "Desc" => SortOrder::Desc,
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    "`sort` is `Asc` or `Desc`",
                )
                .at_path(path.to_string())
                .with_help("e.g. `publishedAt(sort: Desc)`"),
            );
            SortOrder::Asc
        }
    }
}

/// `ops: raw("gin_trgm_ops")` or a Prisma operator class name (`JsonbPathOps` → `jsonb_path_ops`).
fn operator_class(expr: &Expr, src: &Src, path: &str, diags: &mut Diagnostics) -> Option<String> {
    match &expr.kind {
        ExprKind::Call(f, args) if f == "raw" => match args.as_slice() {
            [Arg {
                name: None,
                value:
                    Expr {
                        kind: ExprKind::Str(s),
                        ..
                    },
            }] => Some(s.to_string()),
            _ => None,
        },
        ExprKind::Ident(name) => {
            Some(heck::ToSnakeCase::to_snake_case(&**name).replace("min_max", "minmax"))
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    "`ops` is an operator class",
                )
                .at_path(path.to_string())
                .with_help("e.g. `ops: JsonbPathOps` or `ops: raw(\"gin_trgm_ops\")`"),
            );
            None
        }
    }
}

fn index_type(expr: &Expr, src: &Src, path: &str, diags: &mut Diagnostics) -> IndexMethod {
    let found = match &expr.kind {
        ExprKind::Ident(name) => &**name,
        _ => "",
    };
    if let Some((method, _)) = super::INDEX_TYPES.iter().find(|(_, n)| *n == found) {
        return *method;
    }
    let types: Vec<&str> = super::INDEX_TYPES.iter().map(|(_, n)| *n).collect();
    let d = Diagnostic::error(
        Code::BadAttributeArgument,
        src.span(expr.at),
        "unknown index type",
    )
    .at_path(path.to_string());
    diags.push(match closest(found, &types) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("index types: {}", types.join(", "))),
    });
    IndexMethod::Btree
}

/// The YAML `indexes:` list: what Prisma's `@@index` cannot say.
fn yaml_indexes(node: &Node, model: &Model<'_>, table: &mut Table, diags: &mut Diagnostics) {
    let base = format!("{}.indexes", model.name);
    for (i, item) in expect_seq(node, &base, diags)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let path = format!("{base}[{i}]");
        let Some(entries) = expect_map(item, &path, diags) else {
            continue;
        };
        check_keys(entries, INDEX_KEYS, &path, diags);
        let text = |key: &str, diags: &mut Diagnostics| {
            item.get(key)
                .and_then(|n| expect_scalar(n, &format!("{path}.{key}"), diags))
        };
        let flag = |key: &str, diags: &mut Diagnostics| {
            item.get(key)
                .and_then(|n| expect_bool(n, &format!("{path}.{key}"), diags))
                .unwrap_or(false)
        };
        let unique = flag("unique", diags);
        let concurrently = flag("concurrently", diags);
        let predicate = text("where", diags);
        let name = text("name", diags);
        let method = item
            .get("using")
            .map_or(IndexMethod::Btree, |n| using(n, &path, diags));
        let parts = match (item.get("columns"), text("expression", diags)) {
            (Some(columns), None) => yaml_index_columns(columns, model, &path, diags),
            (None, Some(sql)) => Some(vec![IndexPart::Expression { sql }]),
            (Some(_), Some(_)) => {
                diags.push(
                    Diagnostic::error(
                        Code::BadValue,
                        item.span,
                        "an index has `columns` or an `expression`, not both",
                    )
                    .at_path(path.clone())
                    .with_help("put the columns into the expression, or make two indexes"),
                );
                None
            }
            (None, None) => {
                diags.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        item.span,
                        "an index needs `columns` or an `expression`",
                    )
                    .at_path(path.clone())
                    .with_help("e.g. `columns: [organizationId, publishedAt desc]`"),
                );
                None
            }
        };
        let Some(parts) = parts else { continue };
        let name = match name {
            Some(name) => name,
            None if parts.iter().all(|p| matches!(p, IndexPart::Column { .. })) => {
                let columns: Vec<String> = parts.iter().map(column_name).collect();
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                if unique {
                    names::unique(&model.table.name, &columns)
                } else {
                    names::index(&model.table.name, &columns)
                }
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        item.span,
                        "an expression index needs a `name`",
                    )
                    .at_path(path.clone())
                    .with_help("e.g. `name: idx_content_search`"),
                );
                continue;
            }
        };
        table.indexes.push(Index {
            db_name: name,
            parts,
            unique,
            method,
            predicate,
            concurrently,
            span: item.span,
        });
    }
}

fn using(node: &Node, path: &str, diags: &mut Diagnostics) -> IndexMethod {
    const METHODS: &[&str] = &["btree", "hash", "gin", "gist", "spgist", "brin"];
    let text = expect_scalar(node, &format!("{path}.using"), diags).unwrap_or_default();
    match text.to_ascii_lowercase().as_str() {
        "btree" => IndexMethod::Btree,
        "hash" => IndexMethod::Hash,
        "gin" => IndexMethod::Gin,
        "gist" => IndexMethod::Gist,
        "spgist" => IndexMethod::Spgist,
        "brin" => IndexMethod::Brin,
        _ => {
            let d = Diagnostic::error(
                Code::BadValue,
                node.span,
                format!("unknown index method `{text}`"),
            )
            .at_path(format!("{path}.using"));
            diags.push(match closest(&text, METHODS) {
                Some(near) => d.with_help(format!("did you mean `{near}`?")),
                None => d.with_help(format!("index methods: {}", METHODS.join(", "))),
            });
            IndexMethod::Btree
        }
    }
}

/// `columns: [organizationId, publishedAt desc]`: field names, each optionally `asc`/`desc`.
fn yaml_index_columns(
    node: &Node,
    model: &Model<'_>,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<IndexPart>> {
    let path = format!("{path}.columns");
    let items = expect_seq(node, &path, diags)?;
    let mut parts = Vec::with_capacity(items.len());
    let mut ok = !items.is_empty();
    for item in items {
        let text = match &item.value {
            Value::Map(_) | Value::Seq(_) => {
                diags.push(
                    Diagnostic::error(Code::YamlMisparse, item.span, format!("YAML read this column as {}, not as a field name", item.kind()))
                        .at_path(path.clone())
                        .with_help("inside `[...]`, `publishedAt(sort: Desc)` becomes a map: write `publishedAt desc`, or quote it"),
                );
                ok = false;
                continue;
            }
            _ => match expect_scalar(item, &path, diags) {
                Some(t) => t,
                None => {
                    ok = false;
                    continue;
                }
            },
        };
        let mut words = text.split_whitespace();
        let name = words.next().unwrap_or_default();
        let order = match (
            words.next().map(str::to_ascii_lowercase).as_deref(),
            words.next(),
        ) {
            (None, _) => SortOrder::Asc,
            (Some("asc"), None) => SortOrder::Asc,
            (Some("desc"), None) => SortOrder::Desc,
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadValue,
                        item.span,
                        format!("expected `field`, `field asc` or `field desc`, found `{text}`"),
                    )
                    .at_path(path.clone()),
                );
                ok = false;
                continue;
            }
        };
        let src = Src {
            text: text.as_str().into(),
            start: item.span,
        };
        match scalar_column(name, 0, model, &src, &path, diags) {
            Some(column) => parts.push(part(&column.db_name, order, None)),
            None => ok = false,
        }
    }
    ok.then_some(parts)
}
