//! Parsed fields → columns, enum types, foreign keys and join tables of one collection's table.

use super::fields::{Field, Kind, Store};
use super::names::{camel, fit, join_columns, snake};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::closest;
use crate::flavours::Catalog;
use crate::ir::{
    Column, ColumnType, DefaultValue, Enum, EnumValue, ForeignKey, Index, IndexMethod, IndexPart,
    Literal, PrimaryKey, QualifiedName, ReferentialAction, ScalarType, SortOrder, Table,
};
use crate::load::{Node, Value};
use crate::validate::types::misfit_default;
use std::collections::BTreeMap;

/// What an index entry may do with a field, by the field's path as written (`settings.theme`).
#[derive(Debug, Clone)]
pub struct Indexed {
    /// The column's database name (for a join table: the join table's name).
    pub column: String,
    pub shape: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Sortable: btree.
    Scalar,
    /// A geopoint: GiST.
    Geo,
    /// A Postgres array (`array-contains` → GIN) or a jsonb array of maps.
    Array,
    /// An array of references kept in a join table: its own index serves `array-contains`.
    Join,
    /// An array of geopoints: `point` has no btree or GIN support, so no index at all.
    GeoArray,
}

/// One collection's table being built, with what lowering it produces besides the table.
pub struct Lowering<'c> {
    pub catalog: &'c Catalog,
    pub table: Table,
    /// The type of this table's `id`, for join tables that point back to it.
    pub id_type: ColumnType,
    pub lookup: BTreeMap<String, Indexed>,
    pub enums: Vec<Enum>,
    pub join_tables: Vec<Table>,
}

/// Where a (possibly nested) field's column goes: prefixes for flattened maps.
#[derive(Default)]
pub struct Prefix {
    db: String,
    name: String,
    key: String,
    nullable: bool,
}

impl Prefix {
    fn nest(&self, field: &Field, db_name: &str, nullable: bool) -> Prefix {
        Prefix {
            db: format!("{db_name}_"),
            name: self.name_of(&field.name),
            key: format!("{}.", self.key_of(&field.name)),
            nullable,
        }
    }
    /// `settings` + `theme` → `settingsTheme`: a name generated code can use.
    fn name_of(&self, name: &str) -> String {
        if self.name.is_empty() {
            return name.to_string();
        }
        let mut chars = name.chars();
        let first = chars
            .next()
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_default();
        format!("{}{first}{}", self.name, chars.as_str())
    }
    fn key_of(&self, name: &str) -> String {
        format!("{}{name}", self.key)
    }
}

impl Lowering<'_> {
    pub fn fields(&mut self, fields: &[Field], prefix: &Prefix, diags: &mut Diagnostics) {
        for field in fields {
            self.field(field, prefix, diags);
        }
    }

    fn field(&mut self, f: &Field, prefix: &Prefix, diags: &mut Diagnostics) {
        let db_name = f
            .column
            .clone()
            .unwrap_or_else(|| format!("{}{}", prefix.db, snake(&f.name)));
        let nullable = prefix.nullable || f.optional;
        match &f.kind {
            Kind::Map { fields: Some(sub) } if f.store != Some(Store::Jsonb) => {
                self.flattened_map(f, sub, &db_name, prefix, nullable, diags)
            }
            Kind::Array(item) if f.store != Some(Store::Array) => match &**item {
                Kind::Reference { target, span } => {
                    self.join_table(f, &db_name, target, *span, prefix, diags)
                }
                _ => self.column(f, db_name, prefix, nullable, diags),
            },
            _ => self.column(f, db_name, prefix, nullable, diags),
        }
    }

    /// A field that is one column.
    fn column(
        &mut self,
        f: &Field,
        db_name: String,
        prefix: &Prefix,
        nullable: bool,
        diags: &mut Diagnostics,
    ) {
        let Some((ty, shape)) = self.column_type(f, &db_name, nullable, diags) else {
            return self.remember_unresolved(f, prefix, &db_name);
        };
        let default = f.default.and_then(|node| match default_of(node, &f.kind) {
            Ok(value) => {
                // Checked here so the diagnostic points at the value (enum values are checked
                // by `default_of`).
                let column = || format!("{}.{}", self.table.name, prefix.name_of(&f.name));
                if let Some(d) = misfit_default(&value, &ty, &[], node.span, column) {
                    diags.push(d);
                }
                Some(value)
            }
            Err((message, help)) => {
                bad_value(node, f, &message, &help, diags);
                None
            }
        });
        if f.unique {
            self.unique_index(f, &db_name, shape, diags);
        }
        let indexed = Indexed {
            column: db_name.clone(),
            shape,
        };
        self.lookup.insert(prefix.key_of(&f.name), indexed);
        self.table.columns.push(Column {
            name: prefix.name_of(&f.name),
            db_name,
            ty,
            nullable,
            default,
            comment: f.comment.clone(),
            span: f.span,
        });
    }

    /// The column's type and what indexes can do with it; `None` when a reference does not resolve.
    fn column_type(
        &mut self,
        f: &Field,
        db_name: &str,
        nullable: bool,
        diags: &mut Diagnostics,
    ) -> Option<(ColumnType, Shape)> {
        Some(match &f.kind {
            Kind::Scalar(s) => (ColumnType::scalar(s.clone()), shape_of(s)),
            Kind::Enum(values) => (
                ColumnType::scalar(self.enum_type(db_name, values, f)),
                Shape::Scalar,
            ),
            Kind::Reference { target, span } => {
                let key = self.resolve(target, *span, f, diags)?;
                self.foreign_key(f, db_name, &key, nullable);
                (ColumnType::scalar(key.scalar), Shape::Scalar)
            }
            Kind::Map { .. } => (ColumnType::scalar(ScalarType::Jsonb), Shape::Scalar),
            Kind::Array(item) => match &**item {
                // Only with `store: array`: otherwise it is a join table.
                Kind::Reference { target, span } => {
                    let key = self.resolve(target, *span, f, diags)?;
                    (ColumnType::array_of(key.scalar), Shape::Array)
                }
                Kind::Map { .. } | Kind::Array(_) => {
                    (ColumnType::scalar(ScalarType::Jsonb), Shape::Array)
                }
                Kind::Enum(values) => (
                    ColumnType::array_of(self.enum_type(db_name, values, f)),
                    Shape::Array,
                ),
                Kind::Scalar(ScalarType::GeoPoint) => {
                    (ColumnType::array_of(ScalarType::GeoPoint), Shape::GeoArray)
                }
                Kind::Scalar(s) => (ColumnType::array_of(s.clone()), Shape::Array),
            },
        })
    }

    /// Without `onDelete`, a required reference keeps its document from being deleted
    /// and an optional one is cleared.
    fn foreign_key(&mut self, f: &Field, db_name: &str, key: &Key, nullable: bool) {
        let default_action = if nullable {
            ReferentialAction::SetNull
        } else {
            ReferentialAction::Restrict
        };
        self.table.foreign_keys.push(ForeignKey {
            db_name: fit(format!("{}_{db_name}_fkey", self.table.db_name.name)),
            columns: vec![db_name.to_string()],
            referenced_table: key.table.clone(),
            referenced_columns: vec![key.column.clone()],
            on_delete: f.on_delete.unwrap_or(default_action),
            on_update: ReferentialAction::NoAction,
            span: f.span,
        });
    }

    fn unique_index(&mut self, f: &Field, db_name: &str, shape: Shape, diags: &mut Diagnostics) {
        if matches!(shape, Shape::Geo | Shape::GeoArray) {
            // Postgres has no btree (so no unique index) over `point`.
            diags.push(
                Diagnostic::error(Code::BadValue, f.span, "a geopoint cannot be unique")
                    .at_path(format!("{}.unique", f.path))
                    .with_help("remove `unique`; an exclusion constraint can be written by hand"),
            );
            return;
        }
        self.table.indexes.push(Index {
            db_name: fit(format!("{}_{db_name}_key", self.table.db_name.name)),
            parts: vec![column_part(db_name)],
            unique: true,
            method: IndexMethod::Btree,
            predicate: None,
            concurrently: false,
            span: f.span,
        });
    }

    /// A map with `fields`, one column per sub-field (`address_city`), recursively.
    fn flattened_map(
        &mut self,
        f: &Field,
        sub: &[Field],
        db_name: &str,
        prefix: &Prefix,
        nullable: bool,
        diags: &mut Diagnostics,
    ) {
        if let Some(d) = f.default {
            bad_value(
                d,
                f,
                "a map stored as columns has no default of its own",
                "put `default:` on its fields",
                diags,
            );
        }
        if f.unique || f.comment.is_some() {
            let key = if f.unique { "unique" } else { "comment" };
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    f.span,
                    format!("`{key}` needs one column, and this map is stored as several"),
                )
                .at_path(format!("{}.{key}", f.path))
                .with_help(format!(
                    "put `{key}` on its fields, or keep the map in one column (`store: jsonb`)"
                )),
            );
        }
        let nested = prefix.nest(f, db_name, nullable);
        self.fields(sub, &nested, diags);
    }

    /// A field whose reference did not resolve is still known to indexes, so that one
    /// mistake is reported once.
    fn remember_unresolved(&mut self, f: &Field, prefix: &Prefix, db_name: &str) {
        let indexed = Indexed {
            column: db_name.to_string(),
            shape: Shape::Scalar,
        };
        self.lookup.insert(prefix.key_of(&f.name), indexed);
    }

    /// An enum type named after its column (`conversations_type`), in the table's schema.
    fn enum_type(
        &mut self,
        column: &str,
        values: &[(String, crate::ir::Span)],
        f: &Field,
    ) -> ScalarType {
        let name = format!("{}_{column}", self.table.db_name.name);
        let db_name = QualifiedName::new(self.table.db_name.schema.clone(), name.clone());
        self.enums.push(Enum {
            name,
            db_name: db_name.clone(),
            values: values
                .iter()
                .map(|(v, span)| EnumValue {
                    name: v.clone(),
                    db_name: v.clone(),
                    span: *span,
                })
                .collect(),
            comment: None,
            span: f.span,
        });
        ScalarType::Enum {
            name: Box::new(db_name),
        }
    }

    /// The key a reference points at, through the catalog (so other flavours' models resolve too).
    fn resolve(
        &self,
        target: &str,
        span: crate::ir::Span,
        f: &Field,
        diags: &mut Diagnostics,
    ) -> Option<Key> {
        let Some(declared) = self.catalog.get(target) else {
            let names: Vec<&str> = self.catalog.names().collect();
            let suffix = format!("/{target}");
            let near = names
                .iter()
                .find(|n| n.ends_with(&suffix))
                .copied()
                .or_else(|| closest(target, &names));
            diags.push(
                Diagnostic::error(
                    Code::UnknownModel,
                    span,
                    format!("`{target}` is not a collection of this system"),
                )
                .at_path(f.path.clone())
                .with_help(match near {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "declare the collection, or fix the name in `reference(...)`".into(),
                }),
            );
            return None;
        };
        let [(column, ty)] = declared.primary_key.as_slice() else {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    span,
                    format!("`{target}` has a primary key of {} columns; a reference needs a single-column key", declared.primary_key.len()),
                )
                .at_path(f.path.clone())
                .with_related(declared.span, "declared here")
                .with_help("reference a collection with a single id"),
            );
            return None;
        };
        Some(Key {
            table: declared.table.clone(),
            column: column.clone(),
            scalar: key_scalar(&ty.scalar),
        })
    }

    /// `array<reference(c)>` as a join table `<table>_<field>`: one row per element, both
    /// keys cascading, so deleting either document removes the link.
    fn join_table(
        &mut self,
        f: &Field,
        db_name: &str,
        target: &str,
        span: crate::ir::Span,
        prefix: &Prefix,
        diags: &mut Diagnostics,
    ) {
        let Some(key) = self.resolve(target, span, f, diags) else {
            return self.remember_unresolved(f, prefix, db_name);
        };
        if f.unique {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    f.span,
                    "`unique` does not apply to an array kept in a join table",
                )
                .at_path(format!("{}.unique", f.path))
                .with_help("remove `unique`: the join table holds each pair once already"),
            );
        }
        if let Some(d) = f.default {
            bad_value(
                d,
                f,
                "an array of references kept in a join table has no default",
                "remove `default:`, or use `store: array`",
                diags,
            );
        }
        let owner = &self.table.db_name;
        let join = QualifiedName::new(owner.schema.clone(), format!("{}_{db_name}", owner.name));
        let (owner_column, target_column) = join_columns(&owner.name, &key.table.name, db_name);
        let column = |db_name: &String, ty: ColumnType| Column {
            name: camel(db_name),
            db_name: db_name.clone(),
            ty,
            nullable: false,
            default: None,
            comment: None,
            span: f.span,
        };
        let foreign_key =
            |column: &String, table: &QualifiedName, referenced: &String| ForeignKey {
                db_name: fit(format!("{}_{column}_fkey", join.name)),
                columns: vec![column.clone()],
                referenced_table: table.clone(),
                referenced_columns: vec![referenced.clone()],
                on_delete: f.on_delete.unwrap_or(ReferentialAction::Cascade),
                on_update: ReferentialAction::NoAction,
                span: f.span,
            };
        let owner_fk = ForeignKey {
            on_delete: ReferentialAction::Cascade,
            ..foreign_key(&owner_column, owner, &"id".to_string())
        };
        let table = Table {
            partition: None,
            name: format!("{}.{}", self.table.name, prefix.key_of(&f.name)),
            db_name: join.clone(),
            columns: vec![
                column(&owner_column, self.id_type.clone()),
                column(&target_column, ColumnType::scalar(key.scalar)),
            ],
            primary_key: Some(PrimaryKey {
                db_name: fit(format!("{}_pkey", join.name)),
                columns: vec![owner_column.clone(), target_column.clone()],
                span: f.span,
            }),
            foreign_keys: vec![
                owner_fk,
                foreign_key(&target_column, &key.table, &key.column),
            ],
            indexes: vec![Index {
                db_name: fit(format!("{}_{target_column}_idx", join.name)),
                parts: vec![column_part(&target_column)],
                unique: false,
                method: IndexMethod::Btree,
                predicate: None,
                concurrently: false,
                span: f.span,
            }],
            checks: Vec::new(),
            comment: f.comment.clone(),
            span: f.span,
        };
        self.lookup.insert(
            prefix.key_of(&f.name),
            Indexed {
                column: join.name,
                shape: Shape::Join,
            },
        );
        self.join_tables.push(table);
    }
}

/// The referenced key: its table, column, and the scalar a referencing column holds.
struct Key {
    table: QualifiedName,
    column: String,
    scalar: ScalarType,
}

/// A column holding a key holds the integer a serial or identity key generates.
fn key_scalar(scalar: &ScalarType) -> ScalarType {
    match scalar {
        ScalarType::Serial { big: false } | ScalarType::Identity { big: false } => {
            ScalarType::Integer
        }
        ScalarType::Serial { big: true } | ScalarType::Identity { big: true } => ScalarType::BigInt,
        other => other.clone(),
    }
}

fn shape_of(scalar: &ScalarType) -> Shape {
    if *scalar == ScalarType::GeoPoint {
        Shape::Geo
    } else {
        Shape::Scalar
    }
}

pub fn column_part(db_name: &str) -> IndexPart {
    IndexPart::Column {
        name: db_name.to_string(),
        order: SortOrder::Asc,
        opclass: None,
    }
}

fn bad_value(node: &Node, f: &Field, message: &str, help: &str, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error(Code::BadValue, node.span, message.to_string())
            .at_path(format!("{}.default", f.path))
            .with_help(help.to_string()),
    );
}

type Problem = (String, String);

/// A field's `default:` as the IR's default, checked against the field's kind.
fn default_of(node: &Node, kind: &Kind) -> Result<DefaultValue, Problem> {
    match kind {
        Kind::Scalar(ScalarType::Timestamptz { .. })
            if matches!(
                node.as_str(),
                Some("now" | "serverTimestamp" | "serverTimestamp()")
            ) =>
        {
            Ok(DefaultValue::Now)
        }
        Kind::Enum(values) => {
            let value = enum_literal(node, values)?;
            Ok(DefaultValue::EnumValue(value))
        }
        Kind::Map { .. } | Kind::Array(_) if is_json(kind) => Ok(DefaultValue::Literal(
            Literal::Json(node.to_json().to_string()),
        )),
        Kind::Array(item) => {
            let items = node.as_seq().ok_or_else(|| {
                (
                    format!(
                        "the default of an array must be a list, found {}",
                        node.kind()
                    ),
                    "write a YAML list, e.g. `default: []`".to_string(),
                )
            })?;
            let literals = items
                .iter()
                .map(|n| literal_of(n, item))
                .collect::<Result<_, _>>()?;
            Ok(DefaultValue::Literal(Literal::Array(literals)))
        }
        _ => literal_of(node, kind).map(DefaultValue::Literal),
    }
}

fn is_json(kind: &Kind) -> bool {
    match kind {
        Kind::Map { .. } => true,
        Kind::Array(item) => matches!(**item, Kind::Map { .. } | Kind::Array(_)),
        _ => false,
    }
}

/// One value of a scalar or enum kind.
fn literal_of(node: &Node, kind: &Kind) -> Result<Literal, Problem> {
    let mismatch = |what: &str| {
        let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        (
            format!(
                "the default {} does not fit {article} {what} field",
                describe(node)
            ),
            format!("give {article} {what} value"),
        )
    };
    match kind {
        Kind::Enum(values) => enum_literal(node, values).map(Literal::String),
        Kind::Scalar(scalar) => match (scalar, &node.value) {
            (ScalarType::Text, Value::Str(s)) => Ok(Literal::String(s.clone())),
            (ScalarType::Text, _) => Err(mismatch("string")),
            (ScalarType::Double, Value::Int(_) | Value::Float(_))
            | (ScalarType::BigInt, Value::Int(_)) => Ok(Literal::Number(
                node.scalar_text().unwrap_or_default().into_owned(),
            )),
            (ScalarType::Double, _) => Err(mismatch("number")),
            (ScalarType::BigInt, _) => Err(mismatch("integer")),
            (ScalarType::Boolean, Value::Bool(b)) => Ok(Literal::Bool(*b)),
            (ScalarType::Boolean, _) => Err(mismatch("boolean")),
            (ScalarType::Timestamptz { .. }, Value::Str(s)) => Ok(Literal::String(s.clone())),
            (ScalarType::Timestamptz { .. }, _) => Err((
                format!(
                    "the default {} does not fit a timestamp field",
                    describe(node)
                ),
                "use `serverTimestamp` (the time of insert) or an ISO 8601 string".into(),
            )),
            _ => Err((
                "geopoint and bytes fields cannot have a default".into(),
                "remove `default:`".into(),
            )),
        },
        Kind::Reference { .. } => Err((
            "a reference cannot have a default".into(),
            "remove `default:`; the application sets references".into(),
        )),
        Kind::Map { .. } | Kind::Array(_) => Err((
            "this default cannot be stored".into(),
            "remove `default:`".into(),
        )),
    }
}

fn enum_literal(node: &Node, values: &[(String, crate::ir::Span)]) -> Result<String, Problem> {
    let text = node.scalar_text().unwrap_or_default();
    if values.iter().any(|(v, _)| *v == text) {
        return Ok(text.into_owned());
    }
    let names: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
    Err((
        format!(
            "the default {} is not one of the enum's values",
            describe(node)
        ),
        match closest(&text, &names) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("use one of: {}", names.join(", ")),
        },
    ))
}

fn describe(node: &Node) -> String {
    match node.scalar_text() {
        Some(text) => format!("`{text}`"),
        None => node.kind().to_string(),
    }
}
