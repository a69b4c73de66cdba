//! A small builder for hand-made IR values in tests: `table("users", [col("id", Integer)])
//! .pk(["id"])`. Names are database names; logical names are the same.
#![allow(dead_code)]

use schemagen::ir::*;
// Explicit, so it wins over `ScalarType::Enum` from the glob below.
use schemagen::ir::Enum;

pub use schemagen::ir::ScalarType::*;

pub fn col(name: &str, scalar: ScalarType) -> Column {
    Column {
        name: name.into(),
        db_name: name.into(),
        ty: ColumnType::scalar(scalar),
        nullable: false,
        default: None,
        comment: None,
        span: Span::default(),
    }
}

pub trait ColumnExt: Sized {
    fn optional(self) -> Self;
    fn array(self) -> Self;
    fn default(self, default: DefaultValue) -> Self;
    fn comment(self, comment: &str) -> Self;
}

impl ColumnExt for Column {
    fn optional(mut self) -> Self {
        self.nullable = true;
        self
    }
    fn array(mut self) -> Self {
        self.ty.array = true;
        self
    }
    fn default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }
    fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

pub fn string(s: &str) -> DefaultValue {
    DefaultValue::Literal(Literal::String(s.into()))
}
pub fn number(n: &str) -> DefaultValue {
    DefaultValue::Literal(Literal::Number(n.into()))
}

/// A table in `public` whose primary key is `<name>_pkey` on `id` when it has an `id` column.
pub fn table<const N: usize>(name: &str, columns: [Column; N]) -> Table {
    let primary_key = columns
        .iter()
        .any(|c| c.db_name == "id")
        .then(|| PrimaryKey {
            db_name: format!("{name}_pkey"),
            columns: vec!["id".into()],
            span: Span::default(),
        });
    Table {
        partition: None,
        name: name.into(),
        db_name: QualifiedName::public(name),
        columns: columns.into(),
        primary_key,
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: None,
        span: Span::default(),
    }
}

pub trait TableExt: Sized {
    fn in_schema(self, schema: &str) -> Self;
    fn pk<const N: usize>(self, name: &str, columns: [&str; N]) -> Self;
    fn index(self, index: Index) -> Self;
    fn fk(self, key: ForeignKey) -> Self;
    fn check(self, name: &str, expression: &str) -> Self;
    fn comment(self, comment: &str) -> Self;
    fn with_column(self, column: Column) -> Self;
    fn without_column(self, name: &str) -> Self;
    fn map_column(self, name: &str, f: impl FnOnce(Column) -> Column) -> Self;
}

impl TableExt for Table {
    fn in_schema(mut self, schema: &str) -> Self {
        self.db_name.schema = schema.into();
        self
    }
    fn pk<const N: usize>(mut self, name: &str, columns: [&str; N]) -> Self {
        self.primary_key = Some(PrimaryKey {
            db_name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            span: Span::default(),
        });
        self
    }
    fn index(mut self, index: Index) -> Self {
        self.indexes.push(index);
        self
    }
    fn fk(mut self, key: ForeignKey) -> Self {
        self.foreign_keys.push(key);
        self
    }
    fn check(mut self, name: &str, expression: &str) -> Self {
        self.checks.push(Check {
            db_name: name.into(),
            expression: expression.into(),
            span: Span::default(),
        });
        self
    }
    fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.into());
        self
    }
    fn with_column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }
    fn without_column(mut self, name: &str) -> Self {
        self.columns.retain(|c| c.db_name != name);
        self
    }
    fn map_column(mut self, name: &str, f: impl FnOnce(Column) -> Column) -> Self {
        if let Some(i) = self.columns.iter().position(|c| c.db_name == name) {
            let column = self.columns.remove(i);
            self.columns.insert(i, f(column));
        }
        self
    }
}

pub fn part(name: &str) -> IndexPart {
    IndexPart::Column {
        name: name.into(),
        order: SortOrder::Asc,
        opclass: None,
    }
}
pub fn desc(name: &str) -> IndexPart {
    IndexPart::Column {
        name: name.into(),
        order: SortOrder::Desc,
        opclass: None,
    }
}
pub fn with_opclass(name: &str, opclass: &str) -> IndexPart {
    IndexPart::Column {
        name: name.into(),
        order: SortOrder::Asc,
        opclass: Some(opclass.into()),
    }
}
pub fn expression(sql: &str) -> IndexPart {
    IndexPart::Expression { sql: sql.into() }
}

pub fn index<const N: usize>(name: &str, parts: [IndexPart; N]) -> Index {
    Index {
        db_name: name.into(),
        parts: parts.into(),
        unique: false,
        method: IndexMethod::Btree,
        predicate: None,
        concurrently: false,
        span: Span::default(),
    }
}

pub trait IndexExt: Sized {
    fn unique(self) -> Self;
    fn using(self, method: IndexMethod) -> Self;
    fn partial(self, predicate: &str) -> Self;
    fn concurrently(self) -> Self;
}

impl IndexExt for Index {
    fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    fn using(mut self, method: IndexMethod) -> Self {
        self.method = method;
        self
    }
    fn partial(mut self, predicate: &str) -> Self {
        self.predicate = Some(predicate.into());
        self
    }
    fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }
}

pub fn fk<const N: usize>(
    name: &str,
    columns: [&str; N],
    target: &str,
    referenced: [&str; N],
) -> ForeignKey {
    ForeignKey {
        db_name: name.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        referenced_table: QualifiedName::public(target),
        referenced_columns: referenced.iter().map(|c| c.to_string()).collect(),
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
        span: Span::default(),
    }
}

pub trait ForeignKeyExt: Sized {
    fn actions(self, on_delete: ReferentialAction, on_update: ReferentialAction) -> Self;
    fn to_schema(self, schema: &str) -> Self;
}

impl ForeignKeyExt for ForeignKey {
    fn actions(mut self, on_delete: ReferentialAction, on_update: ReferentialAction) -> Self {
        self.on_delete = on_delete;
        self.on_update = on_update;
        self
    }
    fn to_schema(mut self, schema: &str) -> Self {
        self.referenced_table.schema = schema.into();
        self
    }
}

pub fn enumeration<const N: usize>(name: &str, values: [&str; N]) -> Enum {
    Enum {
        name: name.into(),
        db_name: QualifiedName::public(name),
        values: values
            .iter()
            .map(|v| EnumValue {
                name: v.to_string(),
                db_name: v.to_string(),
                span: Span::default(),
            })
            .collect(),
        comment: None,
        span: Span::default(),
    }
}

pub fn enum_type(name: &str) -> ScalarType {
    ScalarType::Enum {
        name: Box::new(QualifiedName::public(name)),
    }
}

pub fn system<const E: usize, const T: usize>(enums: [Enum; E], tables: [Table; T]) -> System {
    let mut namespaces: Vec<String> = tables
        .iter()
        .map(|t| &t.db_name.schema)
        .chain(enums.iter().map(|e| &e.db_name.schema))
        .filter(|s| *s != "public")
        .cloned()
        .collect();
    namespaces.sort();
    namespaces.dedup();
    System {
        name: "app".into(),
        namespaces,
        enums: enums.into(),
        tables: tables.into(),
        access: Default::default(),
        ..Default::default()
    }
}
