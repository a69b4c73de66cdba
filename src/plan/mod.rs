//! Planning: the previous schema and the next one → the ordered steps of a migration.
//!
//! A migration is data before it is SQL: each [`Step`] says what changes, why in a short
//! comment, whether it loses data, and how it may be grouped into transactions. The order
//! of `Migration::steps` is the order they must run; renderers never reorder.
//!
//! The order, for any diff (see [`diff`]):
//! 1. enum values added to existing enums (a segment committed before the rest), new schemas;
//!    with declared renames: new schemas, the renames, then the new enum values;
//! 2. drops, dependents first: foreign keys, indexes, checks, primary keys, columns, tables;
//! 3. enums whose values were removed or reordered are recreated; new enums created;
//! 4. new tables, new columns, altered columns, primary keys, indexes, checks;
//! 5. foreign keys, after every table exists, so cycles work;
//! 6. comments; then enums nobody uses any more are dropped;
//! 7. the tail: validations, `SET NOT NULL`, concurrent index builds, keys `USING INDEX`.
//!
//! Decisions worth knowing:
//! - Objects are matched by database name. A rename (or a move to another schema) must be
//!   declared (`renamedFrom`, see [`rename`]): its steps run right after new schemas are
//!   created, and the previous schema is rewritten under the new names before the diff, so a
//!   renamed object is kept and only its other changes are planned. An undeclared one is a
//!   drop and a create, which `build` refuses as a suspected rename ([`suspect`], E0302)
//!   unless data loss is accepted.
//! - An enum that loses or reorders values is rebuilt as Prisma does (new type, columns cast
//!   through text, old type dropped, new one renamed, defaults restored); it is destructive
//!   when values are removed, and the migration fails, rather than losing rows, if a row
//!   still holds one. Partial/expression indexes and checks of the affected tables are
//!   rebuilt around it, since they may compare with enum constants.
//! - Schemas are created, never dropped (they may hold what schemagen does not manage);
//!   column order is not compared (Postgres cannot reorder columns).
//! - Making a column required first fills its NULLs with the new default, when it has one.
//! - On a table that existed before, steps take their lock-safe forms (concurrent indexes,
//!   `NOT VALID` + `VALIDATE`, `SET NOT NULL` after a validated check, keys `USING INDEX`);
//!   what must follow the main block is appended as the tail ([`Transaction`]).
//! - A table whose partitioning changes (see [`repartitioned`]) is dropped and created again:
//!   destructive, and flagged as such. Partitions added to a kept table (more months) are
//!   created, taking their rows out of the default partition; partitions removed from it
//!   (old months archived) are dropped with their rows, also flagged.

mod access;
pub mod cast;
mod diff;
pub mod lint;
mod locks;
mod matched;
mod name;
mod rename;
mod suspect;

pub use access::AccessChange;
pub use lint::Lint;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Check, Column, DefaultValue, Enum, ForeignKey, Index, Partition, PrimaryKey, QualifiedName,
    System, Table,
};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One migration: steps in the order they must run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migration {
    /// True when there was no previous schema: the migration creates everything.
    pub initial: bool,
    pub steps: Vec<Step>,
}

impl Migration {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// A short snake_case name derived from the steps (`init`, `add_users_bio`, `update`).
    pub fn name(&self) -> String {
        name::migration_name(self)
    }

    pub fn destructive_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.destructive)
    }

    /// A `W0301` warning per step that can lose data, whether accepted or not.
    pub fn warnings(&self, system: &str) -> Vec<Diagnostic> {
        self.destructive_steps()
            .map(|step| destructive_warning(system, step))
            .chain(locks::warnings(self, system))
            .collect()
    }

    /// What `build` and `check` report about the migration of `system`: each loss refused
    /// (E0310) unless `accept_all` or the schema's `acceptDataLoss:` accepts it (then W0301),
    /// casts Postgres does not have (E0311), and changes that depend on the rows (W0320…).
    pub fn diagnostics(&self, system: &System, accept_all: bool) -> Vec<Diagnostic> {
        let mut out = lint::diagnostics(self, system, accept_all);
        out.extend(locks::warnings(self, &system.name));
        out
    }
}

/// W0301: a step that loses data, with consent.
fn destructive_warning(system: &str, step: &Step) -> Diagnostic {
    Diagnostic::global(
        Code::DestructiveChange,
        format!("{system}: the new migration will {}", step.comment),
    )
    .with_help(
        "review the migration before applying it, and keep a copy of the data if you need it",
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub change: Change,
    /// What the step does, for people: "add column public.users.bio".
    pub comment: String,
    /// Whether running it can lose data (rows, values, a column's contents).
    pub destructive: bool,
    pub transaction: Transaction,
    /// What the step may do to existing rows: losses, impossible casts, data-dependent
    /// failures (see [`lint`]). Filled in by [`plan`] after the diff.
    pub lints: Vec<Lint>,
}

/// How a step may be grouped with its neighbours into transaction blocks.
///
/// Renderers put consecutive steps of the same kind into one segment:
/// - `Shared` steps run together in one `BEGIN … COMMIT` block;
/// - `CommitFirst` steps (`ALTER TYPE … ADD VALUE`) run in a block of their own that commits
///   before any later step: Postgres refuses to use a new enum value in the transaction
///   that added it ("unsafe use of new value");
/// - `Outside` steps (`CREATE INDEX CONCURRENTLY`) run alone, outside any transaction block,
///   which Postgres requires;
/// - `Own` steps (`VALIDATE CONSTRAINT`, `SET NOT NULL` after a validated check, a primary
///   key `USING INDEX`) run alone in a block of their own, so each holds its lock briefly.
///
/// `Outside` and `Own` steps form the tail, after every shared step: the tail may commit
/// part of its work and fail later, so each of its steps is written to run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Transaction {
    Shared,
    CommitFirst,
    Outside,
    Own,
}

impl Transaction {
    /// Whether the step belongs to the tail that follows the main block.
    pub fn in_tail(self) -> bool {
        matches!(self, Transaction::Outside | Transaction::Own)
    }
}

/// How a foreign key or check is added to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintForm {
    /// Checked as it is added: the table is new (or partitioned, where Postgres has no
    /// `NOT VALID` foreign keys).
    Plain,
    /// `NOT VALID`, with a `VALIDATE` step in the tail: the table keeps taking writes while
    /// its rows are checked.
    NotValid,
    /// `NOT VALID` unless it exists already: a step of the tail, which may run twice.
    NotValidOnce,
}

/// Where a new enum value goes relative to the existing ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuePosition {
    /// At the end (plain `ADD VALUE`).
    Last,
    Before(String),
    After(String),
}

/// A column whose enum type is being recreated, with the default to restore afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumUsage {
    pub table: QualifiedName,
    pub column: String,
    pub array: bool,
    /// The column had a database default that must be dropped before the type changes.
    pub had_default: bool,
    /// The default to set once the new type is in place.
    pub restore_default: Option<DefaultValue>,
}

/// What a step changes. Each variant carries the IR pieces its SQL needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateSchema(String),
    /// `CREATE EXTENSION IF NOT EXISTS`, by name: declared in `extensions:`, or needed by a column type (`citext`).
    CreateExtension(String),
    CreateEnum(Enum),
    AddEnumValue {
        enum_name: QualifiedName,
        value: String,
        position: ValuePosition,
    },
    /// Values were removed or reordered: build the new type, move the columns over, drop the old.
    RecreateEnum {
        next: Enum,
        usages: Vec<EnumUsage>,
    },
    DropEnum(QualifiedName),
    /// The table of the next schema by this name, with its columns, primary key and checks
    /// (indexes, foreign keys and comments follow as steps of their own). Named, not copied:
    /// a first migration creates every table, and the renderer reads each from the schema
    /// the migration leads to.
    CreateTable(QualifiedName),
    DropTable(QualifiedName),
    /// A partition of a partitioned table, in the table's schema.
    CreatePartition {
        table: QualifiedName,
        partition: Partition,
        /// The kept table's default partition and the range column: rows of the new range
        /// that already sit in the default partition are moved into the new one (Postgres
        /// refuses to create the partition while they are there).
        from_default: Option<(String, String)>,
    },
    DropPartition {
        table: QualifiedName,
        name: String,
    },
    // The columns are boxed: a step is as large as its largest change, and a first migration
    // holds thousands of steps (two columns inline made every step 456 bytes, not 248).
    AddColumn {
        table: QualifiedName,
        column: Box<Column>,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    AlterColumnType {
        table: QualifiedName,
        previous: Box<Column>,
        next: Box<Column>,
    },
    SetNotNull {
        table: QualifiedName,
        column: String,
        /// Rows holding NULL get the column's default first (`UPDATE … SET c = DEFAULT`).
        backfill: bool,
        /// On a table with rows: only `CHECK (c IS NOT NULL) NOT VALID` under this name;
        /// the tail validates it, then [`Change::FinishNotNull`] sets NOT NULL without a scan.
        via_check: Option<String>,
    },
    /// `SET NOT NULL` once the check is validated; the check itself is dropped when the
    /// file ends (so a re-run finds it to validate again).
    FinishNotNull {
        table: QualifiedName,
        column: String,
        check: String,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetDefault {
        table: QualifiedName,
        column: Box<Column>,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    /// The sequence a serial column owned, once nothing uses it (`<table>_<column>_seq`).
    DropSequence {
        table: QualifiedName,
        column: String,
    },
    AddIdentity {
        table: QualifiedName,
        column: String,
    },
    DropIdentity {
        table: QualifiedName,
        column: String,
    },
    AddPrimaryKey {
        table: QualifiedName,
        key: PrimaryKey,
    },
    DropPrimaryKey {
        table: QualifiedName,
        name: String,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    /// Indexes live in their table's schema.
    DropIndex {
        table: QualifiedName,
        name: String,
    },
    AddForeignKey {
        table: QualifiedName,
        key: ForeignKey,
        form: ConstraintForm,
    },
    DropForeignKey {
        table: QualifiedName,
        name: String,
    },
    AddCheck {
        table: QualifiedName,
        check: Check,
        form: ConstraintForm,
    },
    /// `VALIDATE CONSTRAINT`: scans the rows holding only a SHARE UPDATE EXCLUSIVE lock,
    /// and does nothing when the constraint is valid already (a re-run).
    ValidateConstraint {
        table: QualifiedName,
        name: String,
    },
    /// `ADD CONSTRAINT … PRIMARY KEY USING INDEX` the unique index of the same name, built
    /// concurrently by the step before; skipped when the key exists.
    AttachPrimaryKey {
        table: QualifiedName,
        name: String,
    },
    DropCheck {
        table: QualifiedName,
        name: String,
    },
    /// `None` removes the comment.
    CommentOnTable {
        table: QualifiedName,
        comment: Option<String>,
    },
    CommentOnColumn {
        table: QualifiedName,
        column: String,
        comment: Option<String>,
    },
    CommentOnType {
        enum_name: QualifiedName,
        comment: Option<String>,
    },
    /// Grants, row-level security and policies (see [`access`]).
    Access(AccessChange),
    // Declared renames (see [`rename`]): in place, before anything uses the new names.
    /// `ALTER TABLE … SET SCHEMA`: indexes, constraints and owned sequences move along.
    SetSchema {
        table: QualifiedName,
        schema: String,
    },
    /// Also renames a partition (a table of its own).
    RenameTable {
        table: QualifiedName,
        to: String,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    SetEnumSchema {
        enum_name: QualifiedName,
        schema: String,
    },
    RenameEnum {
        enum_name: QualifiedName,
        to: String,
    },
    RenameEnumValue {
        enum_name: QualifiedName,
        from: String,
        to: String,
    },
    /// An index of the table, in the table's schema.
    RenameIndex {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// A primary key, foreign key or check.
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// A serial or identity column's sequence, in the table's schema.
    RenameSequence {
        table: QualifiedName,
        from: String,
        to: String,
    },
}

impl Change {
    /// The label of the step, in Prisma's migration spelling (`CreateTable`, `AddForeignKey`).
    pub fn label(&self) -> &'static str {
        match self {
            Change::CreateSchema(_) => "CreateSchema",
            Change::CreateExtension(_) => "CreateExtension",
            Change::CreateEnum(_) => "CreateEnum",
            Change::AddEnumValue { .. } | Change::RecreateEnum { .. } => "AlterEnum",
            Change::DropEnum(_) => "DropEnum",
            Change::CreateTable(_) => "CreateTable",
            Change::DropTable(_) => "DropTable",
            Change::CreatePartition { .. } => "CreatePartition",
            Change::DropPartition { .. } => "DropPartition",
            Change::AddColumn { .. }
            | Change::DropColumn { .. }
            | Change::AlterColumnType { .. }
            | Change::SetNotNull { .. }
            | Change::DropNotNull { .. }
            | Change::SetDefault { .. }
            | Change::DropDefault { .. }
            | Change::DropSequence { .. }
            | Change::AddIdentity { .. }
            | Change::DropIdentity { .. }
            | Change::AddPrimaryKey { .. }
            | Change::DropPrimaryKey { .. }
            | Change::AddCheck { .. }
            | Change::DropCheck { .. }
            | Change::FinishNotNull { .. }
            | Change::ValidateConstraint { .. }
            | Change::AttachPrimaryKey { .. } => "AlterTable",
            Change::CreateIndex { .. } => "CreateIndex",
            Change::DropIndex { .. } => "DropIndex",
            Change::AddForeignKey { .. } => "AddForeignKey",
            Change::DropForeignKey { .. } => "DropForeignKey",
            Change::CommentOnTable { .. }
            | Change::CommentOnColumn { .. }
            | Change::CommentOnType { .. } => "Comment",
            Change::Access(change) => change.label(),
            Change::SetSchema { .. } | Change::SetEnumSchema { .. } => "SetSchema",
            Change::RenameTable { .. } => "RenameTable",
            Change::RenameColumn { .. } => "RenameColumn",
            Change::RenameEnum { .. } => "RenameEnum",
            Change::RenameEnumValue { .. } => "RenameEnumValue",
            Change::RenameIndex { .. } => "RenameIndex",
            Change::RenameConstraint { .. } => "RenameConstraint",
            Change::RenameSequence { .. } => "RenameSequence",
        }
    }

    /// Steps that finish what an earlier step of the same migration began (validating a
    /// `NOT VALID` constraint, a primary key over its concurrently built index).
    pub fn is_follow_up(&self) -> bool {
        matches!(
            self,
            Change::FinishNotNull { .. }
                | Change::ValidateConstraint { .. }
                | Change::AttachPrimaryKey { .. }
        )
    }
}

/// The steps that turn `previous` (the schema the last migration produced; `None` before the
/// first) into `next`. Declared renames that do not resolve are left out; [`plan_checked`]
/// reports them.
pub fn plan(previous: Option<&System>, next: &System) -> Migration {
    plan_checked(previous, next, true).0
}

/// [`plan`], with the errors that stop a build: declared renames that do not resolve, and,
/// unless `accept_data_loss`, drops that look like undeclared renames (see [`suspect`]).
/// Every step carries its lints ([`lint`]).
pub fn plan_checked(
    previous: Option<&System>,
    next: &System,
    accept_data_loss: bool,
) -> (Migration, Vec<Diagnostic>) {
    plan_knowing(previous, next, accept_data_loss, &[])
}

/// [`plan_checked`], knowing which previous tables are copies of next ones: `copied[i]` is
/// the next table `previous.tables[i]` equals, when known (a history read by
/// [`crate::history::read_against`]); those pairs are not compared again.
pub fn plan_knowing(
    previous: Option<&System>,
    next: &System,
    accept_data_loss: bool,
    copied: &[Option<usize>],
) -> (Migration, Vec<Diagnostic>) {
    let Some(previous) = previous else {
        let empty = System::default();
        let matched = matched::Matched::new(&empty, next);
        let mut steps = diff::diff(&matched, Vec::new());
        lint::annotate(&matched, &mut steps);
        return (
            Migration {
                initial: true,
                steps,
            },
            Vec::new(),
        );
    };
    let renamed = rename::apply(previous, next);
    // Declared renames rewrite the previous schema (names, and what is named after them in
    // other tables): a copy may no longer equal its next table, so every pair is compared.
    let known = match renamed.prev {
        Cow::Borrowed(_) => copied,
        Cow::Owned(_) => &[],
    };
    let differing = matched::differing(&renamed.prev, next, known);
    let prev = respell_defaults(renamed.prev, next, &differing);
    // Respelled defaults may leave a table equal: only the differing ones are compared again.
    let matched = matched::Matched::among(&prev, next, &differing);
    let mut diagnostics = renamed.diagnostics;
    if !accept_data_loss {
        diagnostics.extend(suspect::suspected_renames(&matched));
    }
    let mut steps = diff::diff(&matched, renamed.steps);
    lint::annotate(&matched, &mut steps);
    let migration = Migration {
        initial: false,
        steps,
    };
    (migration, diagnostics)
}

/// The previous schema with each default the next one spells differently, but that fills the
/// column alike (`CURRENT_TIMESTAMP` then, `now()` now), in the next spelling: a new spelling
/// alone is no migration step, and no table counts as changed for it (its policies stay).
/// Borrowed as it is unless a default is respelled; only `differing` tables (see
/// [`matched::differing`]) can have one.
fn respell_defaults<'a>(
    mut prev: Cow<'a, System>,
    next: &System,
    differing: &[(usize, usize)],
) -> Cow<'a, System> {
    let respelled: Vec<(usize, usize, DefaultValue)> = differing
        .iter()
        .flat_map(|&(p, n)| {
            respellings(&prev.tables[p], &next.tables[n]).map(move |(c, now)| (p, c, now))
        })
        .collect();
    if !respelled.is_empty() {
        let system = prev.to_mut();
        for (table, column, now) in respelled {
            system.tables[table].columns[column].default = Some(now);
        }
    }
    prev
}

/// (column index in `before`, the next spelling) of each default `after` spells differently.
fn respellings<'a>(
    before: &'a Table,
    after: &'a Table,
) -> impl Iterator<Item = (usize, DefaultValue)> + 'a {
    let defaults: BTreeMap<&str, &DefaultValue> = after
        .columns
        .iter()
        .filter_map(|c| Some((c.db_name.as_str(), c.default.as_ref()?)))
        .collect();
    before
        .columns
        .iter()
        .enumerate()
        .filter_map(move |(j, column)| {
            match (&column.default, defaults.get(column.db_name.as_str())) {
                (Some(was), Some(&now)) if was != now && was.same_in_database(now) => {
                    Some((j, now.clone()))
                }
                _ => None,
            }
        })
}

/// Whether a kept table must be dropped and created again because its partitioning changed:
/// Postgres cannot re-partition a table in place (method, columns, a partition column's
/// type, an existing partition's bounds). Partitions only added or removed are not this.
pub(crate) fn repartitioned(prev: &Table, next: &Table) -> bool {
    match (&prev.partition, &next.partition) {
        (None, None) => false,
        (Some(a), Some(b)) => {
            let bounds: BTreeMap<&str, &Partition> = b
                .partitions
                .iter()
                .map(|p| (p.db_name.as_str(), p))
                .collect();
            let column_type = |t: &Table, c: &str| t.column(c).map(|c| c.ty.clone());
            a.method != b.method
                || a.columns != b.columns
                || a.columns
                    .iter()
                    .any(|c| column_type(prev, c) != column_type(next, c))
                || a.partitions.iter().any(|p| {
                    bounds
                        .get(p.db_name.as_str())
                        .is_some_and(|q| q.bound != p.bound)
                })
        }
        _ => true,
    }
}

/// `schema.name`, for comments: written straight into the text being formatted (a first
/// migration formats one per step, thousands, and a `String` each was a third of planning it).
pub(crate) fn display(name: &QualifiedName) -> Dotted<'_> {
    Dotted(name)
}

/// A qualified name as `schema.name` (see [`display`]).
pub(crate) struct Dotted<'a>(&'a QualifiedName);

impl std::fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.schema)?;
        f.write_str(".")?;
        f.write_str(&self.0.name)
    }
}

#[cfg(test)]
mod tests {
    /// A step is as large as the largest change. Two columns held inline made each of a first
    /// migration's thousands of steps 456 bytes, and planning 1,000 tables spent most of its
    /// time on their pages: what is large and rare is boxed.
    #[test]
    fn a_step_stays_small() {
        let size = std::mem::size_of::<super::Step>();
        assert!(size <= 256, "a step is {size} bytes");
    }
}
