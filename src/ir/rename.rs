//! Declared renames (`renamedFrom`): what an element of the schema was called before.
//!
//! A declaration names the OLD logical name (model, collection, field, enum or value name as
//! written before); the planner looks it up in the previous snapshot, which gives the old
//! database name. Declarations are instructions for the next migration, not schema: they live
//! on [`super::System`] outside `schema.json`, so adding or deleting one never looks like a
//! schema change.

use super::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The element as it is called now.
    pub target: Target,
    /// Its logical name before (for a column or value: within the renamed-to table or enum).
    pub from: String,
    /// Where `renamedFrom` is written (or, for an implied rename, the declaration it follows).
    pub span: Span,
    /// Declared by a flavour on behalf of another rename (a Payload child table or enum named
    /// after its collection or field): skipped, not reported, when the old name is unknown.
    pub implied: bool,
}

/// The element a rename is about, by its logical names in the next schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Table(String),
    Column { table: String, column: String },
    Enum(String),
    EnumValue { enum_name: String, value: String },
}

impl Target {
    /// The element's path as users write it: `Post`, `Post.title`, `Status.DRAFT`.
    pub fn path(&self) -> String {
        match self {
            Target::Table(name) | Target::Enum(name) => name.clone(),
            Target::Column { table, column } => format!("{table}.{column}"),
            Target::EnumValue { enum_name, value } => format!("{enum_name}.{value}"),
        }
    }

    /// What kind of element it is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Table(_) => "model",
            Target::Column { .. } => "field",
            Target::Enum(_) => "enum",
            Target::EnumValue { .. } => "enum value",
        }
    }
}

impl Rename {
    pub fn new(target: Target, from: impl Into<String>, span: Span) -> Self {
        Self {
            target,
            from: from.into(),
            span,
            implied: false,
        }
    }
}
