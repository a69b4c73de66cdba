//! The access model: who may see and change which rows, per table and command.
//!
//! Flavours read rules with logical field and model names ([`FieldRef::field`],
//! [`TableRef::name`]); the resolve step in `flavours::access` fills in the database
//! names once every flavour has lowered. Renderers read only the database names.

use super::{QualifiedName, Span};
use serde::{Deserialize, Serialize};

/// Everything about row-level access in one system. Empty means "no access rules".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    /// Tables with rules (or marked shared), in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableAccess>,
}

impl Access {
    pub fn is_empty(&self) -> bool {
        self.settings.is_none() && self.tables.is_empty()
    }
    /// The settings as declared, or the defaults when the system declares none.
    pub fn settings(&self) -> Settings {
        self.settings.clone().unwrap_or_default()
    }
    /// A system declares tenancy when its settings say so or any table has a tenant rule.
    pub fn declares_tenancy(&self) -> bool {
        self.settings.as_ref().is_some_and(|s| s.tenancy)
            || self
                .tables
                .iter()
                .flat_map(|t| &t.rules)
                .any(|r| matches!(r.kind, RuleKind::Tenant { .. }))
    }
    pub fn table(&self, name: &QualifiedName) -> Option<&TableAccess> {
        self.tables.iter().find(|t| &t.table == name)
    }
}

/// How the database learns the current tenant, user and role, and who the application is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub context: Context,
    /// The role the application connects as; it gets the GRANTs and is subject to the policies.
    pub app_role: String,
    /// Every table must have rules or be marked shared (set by `tenancy: true`, or implied
    /// by any tenant rule).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tenancy: bool,
    #[serde(skip)]
    pub span: Span,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            context: Context::default(),
            app_role: "app_user".into(),
            tenancy: false,
            span: Span::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Context {
    /// `current_setting(<name>, true)`: the application runs `set_config` per transaction.
    Settings {
        tenant: String,
        user: String,
        role: String,
    },
    /// Supabase: `auth.uid()` for the user, JWT claims for the tenant and role.
    Supabase {
        tenant_claim: String,
        role_claim: String,
    },
}

impl Default for Context {
    fn default() -> Self {
        Self::Settings {
            tenant: "app.current_org_id".into(),
            user: "app.current_user_id".into(),
            role: "app.current_role".into(),
        }
    }
}

/// The rules of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableAccess {
    pub table: QualifiedName,
    /// Deliberately readable and writable by every application user (no RLS).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Columns stored encrypted with pgcrypto (bytea), read and written with a key given at call time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encrypted: Vec<FieldRef>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Select,
    Insert,
    Update,
    Delete,
}

impl Command {
    pub const ALL: [Command; 4] = [
        Command::Select,
        Command::Insert,
        Command::Update,
        Command::Delete,
    ];
    pub fn sql(self) -> &'static str {
        match self {
            Self::Select => "SELECT",
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::Select => "select",
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// One rule, for the commands it lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub commands: Vec<Command>,
    pub kind: RuleKind,
    #[serde(skip)]
    pub span: Span,
}

/// A field as written (logical name) and its column (database name, filled by resolve).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRef {
    pub field: String,
    pub column: String,
    #[serde(skip)]
    pub span: Span,
}

impl FieldRef {
    pub fn new(field: impl Into<String>, span: Span) -> Self {
        Self {
            field: field.into(),
            column: String::new(),
            span,
        }
    }
}

/// A table as written (model name or slug) and its database name (filled by resolve).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRef {
    pub name: String,
    pub db_name: QualifiedName,
    #[serde(skip)]
    pub span: Span,
}

// A table has a handful of rules: boxing the member variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RuleKind {
    /// The row belongs to the current tenant. Restrictive: always ANDed with the rest.
    Tenant { field: FieldRef },
    /// The row's user column is the current user.
    Owner { field: FieldRef },
    /// Rows whose column is true (boolean) or one of `values` (enum, text).
    Public {
        field: FieldRef,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        values: Vec<String>,
    },
    /// The current role is one of `roles`: widens the permissive rules or, with
    /// `bypass`, grants access whatever the other rules say (tenant included).
    Role { roles: Vec<String>, bypass: bool },
    /// A row of `table` links this row (`via` = this row's `key`) to the current user (`user`),
    /// optionally with `role_field` in `roles`. `key` defaults to what `via` references (by its
    /// foreign key), else the primary key; name it when both tables point at a third one
    /// (messages and participants, both by `conversation_id`).
    Member {
        table: TableRef,
        via: FieldRef,
        /// This table's column that `via` refers to (resolved from the foreign key, else the primary key).
        key: String,
        user: FieldRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_field: Option<FieldRef>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
    },
    /// A raw SQL boolean expression over the table's database columns, and what it allows.
    Sql {
        expression: String,
        #[serde(skip)]
        expect: SqlExpect,
    },
}

/// What a raw `sql` rule allows, declared for `verify` (which cannot read SQL): the rule
/// holds when every condition does; `None` when the rule declares nothing.
///
/// A claim about the SQL, not schema: kept out of `schema.json` and out of equality, like
/// [`Span`], so writing or editing one never makes a migration.
#[derive(Debug, Clone, Default)]
pub struct SqlExpect(pub Option<Vec<Condition>>);

impl PartialEq for SqlExpect {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for SqlExpect {}

/// One condition of an `expect:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `readable: projectId`: the row the foreign key points at passes its table's read rules.
    Readable(Hop),
    /// `owner: ownerId` or `owner: projectId.ownerId`: the column holds the current user.
    Owner(FieldPath),
    /// `tenant: organizationId` (or through a foreign key): the column holds the current tenant.
    Tenant(FieldPath),
    /// `role: [ADMIN]`: the current role is one of these.
    Role(Vec<String>),
}

/// A step along a single-column foreign key of the rule's table (filled by resolve).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hop {
    /// The foreign key field as written, and its column.
    pub field: FieldRef,
    pub table: Option<QualifiedName>,
    /// The referenced column.
    pub key: String,
}

/// `field` (a column of the row) or `fkField.field` (a column of the row it points at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath {
    pub hop: Option<Hop>,
    pub field: FieldRef,
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Tenant { .. } => "tenant",
            Self::Owner { .. } => "owner",
            Self::Public { .. } => "public",
            Self::Role { .. } => "role",
            Self::Member { .. } => "member",
            Self::Sql { .. } => "sql",
        }
    }
}

/// `name` when it fits Postgres's 63 bytes, else a prefix and a stable hash of the whole.
pub fn short_name(name: &str) -> String {
    const MAX: usize = super::MAX_IDENTIFIER_BYTES;
    if name.len() <= MAX {
        return name.to_string();
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut cut = MAX - 9;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{:08x}", &name[..cut], hash as u32)
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn long_names_are_shortened_stably() {
        let long = "a".repeat(80);
        let short = short_name(&long);
        assert_eq!(short.len(), 63);
        assert_eq!(short, short_name(&long));
        assert_ne!(short, short_name(&"a".repeat(81)));
        assert_eq!(short_name("posts_select"), "posts_select");
    }
}
