//! The intermediate model: one domain model for every flavour.
//!
//! Every element keeps the name the user wrote (`name`) apart from the name it has
//! in the database (`db_name`), and the place it was declared (`span`). Flavours
//! decide database names (each follows its origin tool's conventions); everything
//! downstream only reads them. All collections are `Vec`s in declaration order, so
//! the IR never depends on hash order.

pub mod access;
pub mod rename;
pub mod shorten;
pub mod snapshot;
pub mod sql_lexer;

use serde::{Deserialize, Serialize};

/// Postgres truncates identifiers longer than this many bytes (NAMEDATALEN - 1).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Where an element was declared. `file` indexes [`crate::source::SourceMap`].
/// Spans are positions, not identity: they never take part in equality or diffs.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Span {
    pub file: u32,
    pub line: u32,
    pub column: u32,
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Span {}

/// One system: everything built from one `schemas/<system>/` folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    pub name: String,
    /// Postgres schemas other than `public` that the system creates, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// PostgreSQL extensions the system uses (`extensions:`), sorted; created, never dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<Enum>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
    /// Row-level access rules (kept apart from `tables`: see [`access`]).
    #[serde(default, skip_serializing_if = "access::Access::is_empty")]
    pub access: access::Access,
    /// Reference and bootstrap rows (a top-level `seed:` key), rendered to `seed.sql`.
    /// Data, not schema: kept out of the `schema.json` snapshot that migrations are diffed
    /// against, so editing a row never looks like a schema change.
    #[serde(skip)]
    pub seed: Vec<SeedTable>,
    /// Declared renames (`renamedFrom`), for the next migration only: see [`rename`].
    #[serde(skip)]
    pub renames: Vec<rename::Rename>,
    /// A top-level `acceptDataLoss:` list: the losses this schema consents to, by database
    /// path (`public.users.bio`). Consent, not schema: kept out of `schema.json`.
    #[serde(skip)]
    pub accept_data_loss: Vec<AcceptedLoss>,
}

/// One `acceptDataLoss:` entry, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedLoss {
    /// The database path exactly as E0310 prints it: `public.users.bio`, `public.sessions`.
    pub path: String,
    pub span: Span,
}

/// The seed rows of one table. Every row has a value for each of `columns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedTable {
    pub table: QualifiedName,
    /// Database names of the columns any row sets, in the table's column order.
    pub columns: Vec<String>,
    pub rows: Vec<SeedRow>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRow {
    /// One per column of the [`SeedTable`], in the same order.
    pub values: Vec<SeedValue>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SeedValue {
    /// The row leaves the column out: the database fills in its default.
    Default,
    Null,
    /// Checked against the column's type; enum values by their database name.
    Literal(Literal),
}

/// A database object name, qualified by its Postgres schema (`public` by default, and
/// left out of `schema.json` when it is `public`; read by [`snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct QualifiedName {
    #[serde(
        default = "snapshot::public",
        skip_serializing_if = "snapshot::is_public"
    )]
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }
    pub fn public(name: impl Into<String>) -> Self {
        Self::new("public", name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    /// Logical name as written (`ContentStatus`, `enum_posts_status`).
    pub name: String,
    /// Left out of `schema.json` when it is `name` in `public`.
    #[serde(default = "snapshot::unnamed")]
    pub db_name: QualifiedName,
    pub values: Vec<EnumValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// Written and read by [`snapshot`], which leaves out a `db_name` equal to `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// As written in the schema (and used by generated code).
    pub name: String,
    /// As stored in the database (Prisma's `@map` on enum values).
    pub db_name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Logical name: the model name or collection slug the user wrote.
    pub name: String,
    /// Left out of `schema.json` when it is `name` in `public`.
    #[serde(default = "snapshot::unnamed")]
    pub db_name: QualifiedName,
    #[serde(deserialize_with = "snapshot::columns")]
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints are unique indexes here (as Prisma and Drizzle emit them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Declarative partitioning: the table is a partitioned parent, its partitions children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partitioning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Table {
    pub fn column(&self, db_name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.db_name == db_name)
    }

    /// The primary key's columns, then each unique index's without predicate or expression:
    /// the column sets Postgres accepts as a foreign key's target, and that name a row.
    pub fn keys(&self) -> impl Iterator<Item = Vec<&str>> {
        let primary = self
            .primary_key
            .iter()
            .map(|pk| pk.columns.iter().map(String::as_str).collect());
        let unique = self
            .indexes
            .iter()
            .filter(|i| i.unique && i.predicate.is_none())
            .filter_map(|i| {
                i.parts
                    .iter()
                    .map(|p| match p {
                        IndexPart::Column { name, .. } => Some(name.as_str()),
                        IndexPart::Expression { .. } => None,
                    })
                    .collect::<Option<Vec<&str>>>()
            });
        primary.chain(unique)
    }
}

/// Serialized by [`snapshot`], which leaves out a `db_name` equal to `name`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Column {
    /// Logical name as written (field name); generated code uses it.
    pub name: String,
    /// `name` when `schema.json` leaves it out.
    #[serde(default)]
    pub db_name: String,
    pub ty: ColumnType,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Column {
    /// Whether an insert may leave the column out: the database fills it in.
    pub fn has_database_default(&self) -> bool {
        self.default
            .as_ref()
            .is_some_and(DefaultValue::is_database_side)
    }
}

/// A column's type: a scalar, or a one-dimensional array of one. In `schema.json` the scalar
/// alone, or `{"array": scalar}` (see [`snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    pub scalar: ScalarType,
    pub array: bool,
}

impl ColumnType {
    pub fn scalar(scalar: ScalarType) -> Self {
        Self {
            scalar,
            array: false,
        }
    }
    pub fn array_of(scalar: ScalarType) -> Self {
        Self {
            scalar,
            array: true,
        }
    }
}

/// The closed set of logical column types every target knows how to map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ScalarType {
    Text,
    /// Case-insensitive text (the `citext` extension; Prisma's `@db.Citext`).
    Citext,
    Varchar {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    Char {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    SmallInt,
    Integer,
    BigInt,
    /// `serial` / `bigserial`: an integer filled from an owned sequence.
    Serial {
        big: bool,
    },
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    Identity {
        big: bool,
    },
    Numeric {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<u32>,
    },
    Real,
    Double,
    Boolean,
    Uuid,
    Timestamptz {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u8>,
    },
    Timestamp {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u8>,
    },
    Date,
    Time {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u8>,
    },
    Json,
    Jsonb,
    Bytea,
    /// A user enum, by its database name. Boxed: inline, its two `String`s made every type
    /// 48 bytes, not 24, in each of the 20,000 columns of 1,000 models (~120 fresh pages).
    Enum {
        name: Box<QualifiedName>,
    },
    /// A geographic point as (longitude, latitude): Postgres `point`, as Payload stores it.
    GeoPoint,
}

/// Read by [`snapshot`], which also reads its shorter notation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum DefaultValue {
    /// A literal, kept as the user wrote it; renderers quote it for their target.
    Literal(Literal),
    /// An enum value, by its database name.
    EnumValue(String),
    Now,
    GenRandomUuid,
    /// Filled by the client before insert (Prisma's `uuid()`, `cuid()`); the database has no default.
    Client(String),
    /// Raw SQL (Prisma's `dbgenerated("...")`).
    Sql(String),
}

impl DefaultValue {
    pub fn is_database_side(&self) -> bool {
        !matches!(self, DefaultValue::Client(_))
    }

    /// Whether two defaults fill a column alike: `now()` (Payload's spelling) and
    /// `CURRENT_TIMESTAMP` (Prisma's, and schemagen's before) are one function in Postgres, so
    /// a schema that switched spelling needs no migration; so are a uuid key's
    /// `gen_random_uuid()` and Prisma's `dbgenerated("gen_random_uuid()")`.
    pub fn same_in_database(&self, other: &DefaultValue) -> bool {
        self.is_now() && other.is_now()
            || self.is_gen_random_uuid() && other.is_gen_random_uuid()
            || self == other
    }

    fn is_gen_random_uuid(&self) -> bool {
        match self {
            DefaultValue::GenRandomUuid => true,
            DefaultValue::Sql(sql) => sql.trim().eq_ignore_ascii_case("gen_random_uuid()"),
            _ => false,
        }
    }

    fn is_now(&self) -> bool {
        match self {
            DefaultValue::Now => true,
            DefaultValue::Sql(sql) => {
                let sql = sql.trim();
                sql.eq_ignore_ascii_case("now()") || sql.eq_ignore_ascii_case("current_timestamp")
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Literal {
    String(String),
    /// Integers and decimals, as written (no float round-trip).
    Number(String),
    Bool(bool),
    /// A JSON document, as text.
    Json(String),
    /// An array literal of literals (Postgres `ARRAY[...]` / `'{}'`).
    Array(Vec<Literal>),
}

/// Read by [`snapshot`], which also reads a bare column list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrimaryKey {
    pub db_name: String,
    /// Column database names, in key order.
    pub columns: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    pub fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Left out of `schema.json` when it is Postgres's default name.
    #[serde(default)]
    pub db_name: String,
    pub columns: Vec<String>,
    pub referenced_table: QualifiedName,
    pub referenced_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "snapshot::is_default")]
    pub on_delete: ReferentialAction,
    #[serde(default, skip_serializing_if = "snapshot::is_default")]
    pub on_update: ReferentialAction,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexMethod {
    #[default]
    Btree,
    Hash,
    Gin,
    Gist,
    Spgist,
    Brin,
}

impl IndexMethod {
    pub fn sql(self) -> &'static str {
        match self {
            Self::Btree => "btree",
            Self::Hash => "hash",
            Self::Gin => "gin",
            Self::Gist => "gist",
            Self::Spgist => "spgist",
            Self::Brin => "brin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// Read by [`snapshot`], which also reads a bare column name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum IndexPart {
    Column {
        name: String,
        #[serde(default, skip_serializing_if = "snapshot::is_default")]
        order: SortOrder,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opclass: Option<String>,
    },
    /// A SQL expression, e.g. `to_tsvector('english', title)`; rendered in parentheses.
    Expression { sql: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Left out of `schema.json` when it is Postgres's default name.
    #[serde(default)]
    pub db_name: String,
    pub parts: Vec<IndexPart>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "snapshot::is_default")]
    pub method: IndexMethod,
    /// Partial index predicate (`WHERE ...`), raw SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Asked for `CREATE INDEX CONCURRENTLY`. The planner decides by itself: concurrently on
    /// a table that existed before, plainly on a new one; kept so old schemas still load.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub concurrently: bool,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub db_name: String,
    /// Raw SQL boolean expression over database column names.
    pub expression: String,
    #[serde(skip)]
    pub span: Span,
}

/// `PARTITION BY <method> (<columns>)` and the partitions created with the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partitioning {
    pub method: PartitionMethod,
    /// Column database names, in key order.
    pub columns: Vec<String>,
    /// In creation order; each lives in its parent's schema.
    pub partitions: Vec<Partition>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionMethod {
    Range,
    List,
    Hash,
}

impl PartitionMethod {
    pub fn sql(self) -> &'static str {
        match self {
            Self::Range => "RANGE",
            Self::List => "LIST",
            Self::Hash => "HASH",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub db_name: String,
    pub bound: PartitionBound,
}

/// What a partition holds. Bounds are literals as Postgres reads them (`'2025-01-01'`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PartitionBound {
    /// `FROM (from) TO (to)`: `from` included, `to` excluded.
    Range { from: String, to: String },
    /// `WITH (MODULUS m, REMAINDER r)`.
    Hash { modulus: u32, remainder: u32 },
    /// Every row no other partition takes, so inserts never fail.
    Default,
}

#[cfg(test)]
mod tests {
    /// A column is held once per field of every model (20,000 at 1,000 models), each byte a
    /// fresh page's share: what is large and rare (an enum's name) is boxed.
    #[test]
    fn a_column_stays_small() {
        let (scalar, column) = (size_of::<super::ScalarType>(), size_of::<super::Column>());
        assert!(scalar <= 24, "a scalar type is {scalar} bytes");
        assert!(column <= 152, "a column is {column} bytes");
    }
}
