//! Access steps: GRANTs for the application role, row-level security switched on or off,
//! and each table's policies dropped and created again when anything they read changed.
//!
//! Policies depend on the columns they name: Postgres refuses to drop or retype such a
//! column. So the policies of a table whose rules, columns or member tables change are
//! dropped first (before any other step) and created last (after every table exists).

use super::matched::Matched;
use super::{display, Change};
use crate::ir::access::TableAccess;
use crate::ir::{QualifiedName, System, Table};
use rustc_hash::FxHashSet;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    /// Creates the application role when missing; lets it use the schemas, tables and sequences.
    Grant {
        role: String,
        tables: Vec<QualifiedName>,
    },
    /// Takes back what `Grant` gave a role the next schema no longer grants to (the access
    /// rules went away, or another role took its place): a fresh database built from the
    /// next schema grants it nothing, and neither may the migrated one.
    Revoke {
        role: String,
        tables: Vec<QualifiedName>,
        /// Every schema the previous grants covered, tables of it dropped or not.
        schemas: Vec<String>,
    },
    EnableRowSecurity(QualifiedName),
    DisableRowSecurity(QualifiedName),
    /// One policy per command with rules, from the next system's rules and table.
    CreatePolicies {
        access: TableAccess,
        table: Box<Table>,
    },
    /// Every policy schemagen may have created on the table.
    DropPolicies(QualifiedName),
    /// pgcrypto and the `encrypt_secret` / `decrypt_secret` functions.
    EncryptionFunctions,
}

impl AccessChange {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Grant { .. } => "Grant",
            Self::Revoke { .. } => "Revoke",
            Self::EnableRowSecurity(_) | Self::DisableRowSecurity(_) => "RowLevelSecurity",
            Self::CreatePolicies { .. } => "CreatePolicy",
            Self::DropPolicies(_) => "DropPolicy",
            Self::EncryptionFunctions => "CreateFunction",
        }
    }

    /// The table the step is about, for migration names.
    pub fn table(&self) -> Option<&QualifiedName> {
        match self {
            Self::EnableRowSecurity(t) | Self::DisableRowSecurity(t) | Self::DropPolicies(t) => {
                Some(t)
            }
            Self::CreatePolicies { access, .. } => Some(&access.table),
            Self::Grant { .. } | Self::Revoke { .. } | Self::EncryptionFunctions => None,
        }
    }

    /// A migration name when this is the only step.
    pub fn name(&self) -> String {
        let table = self.table().map_or("", |t| t.name.as_str());
        match self {
            Self::Grant { role, .. } => format!("grant_{role}"),
            Self::Revoke { role, .. } => format!("revoke_{role}"),
            Self::EnableRowSecurity(_) => format!("enable_rls_{table}"),
            Self::DisableRowSecurity(_) => format!("disable_rls_{table}"),
            Self::CreatePolicies { .. } | Self::DropPolicies(_) => format!("policies_{table}"),
            Self::EncryptionFunctions => "encryption_functions".into(),
        }
    }
}

/// The policed tables of a system (rules, not shared), by name.
fn policed(system: &System) -> BTreeMap<&QualifiedName, &TableAccess> {
    system
        .access
        .tables
        .iter()
        .filter(|t| !t.shared && !t.rules.is_empty())
        .map(|t| (&t.table, t))
        .collect()
}

/// Tables whose policies must be rebuilt: their rules, their own definition, a member
/// table they read, or the system's access settings changed.
pub(super) fn stale(matched: &Matched) -> BTreeSet<QualifiedName> {
    let (prev, next) = (matched.prev, matched.next);
    // The plan compared every kept table once: only those that differ are copied into their
    // database form, to compare again.
    let differing: FxHashSet<&QualifiedName> =
        matched.changed.iter().map(|(p, _)| &p.db_name).collect();
    let changed =
        |name: &QualifiedName| match (matched.prev_tables.get(name), matched.next_tables.get(name))
        {
            (Some(p), Some(n)) => differing.contains(name) && database_form(p) != database_form(n),
            (p, n) => p.is_some() != n.is_some(),
        };
    let prev_policed = policed(prev);
    let settings_changed = prev.access.settings() != next.access.settings();
    next.access
        .tables
        .iter()
        .filter(|entry| {
            settings_changed
                || prev_policed.get(&entry.table).map(|e| rules_form(e)) != Some(rules_form(entry))
                || changed(&entry.table)
                || entry.rules.iter().any(|r| match &r.kind {
                    crate::ir::access::RuleKind::Member { table, .. } => changed(&table.db_name),
                    _ => false,
                })
        })
        .map(|entry| entry.table.clone())
        .collect()
}

/// A table as its policies see it: logical names (what the YAML calls a model or field)
/// never reach SQL, so changing them alone (`schemagen convert`) rebuilds no policy.
fn database_form(table: &Table) -> Table {
    let mut table = table.clone();
    table.name.clear();
    table.columns.iter_mut().for_each(|c| c.name.clear());
    table
}

/// A table's rules by database names only (see [`database_form`]).
fn rules_form(entry: &TableAccess) -> TableAccess {
    use crate::ir::access::RuleKind;
    let mut entry = entry.clone();
    entry.encrypted.iter_mut().for_each(|f| f.field.clear());
    for rule in &mut entry.rules {
        match &mut rule.kind {
            RuleKind::Tenant { field }
            | RuleKind::Owner { field }
            | RuleKind::Public { field, .. } => field.field.clear(),
            RuleKind::Member {
                table,
                via,
                user,
                role_field,
                ..
            } => {
                table.name.clear();
                via.field.clear();
                user.field.clear();
                role_field.iter_mut().for_each(|f| f.field.clear());
            }
            RuleKind::Role { .. } | RuleKind::Sql { .. } => {}
        }
    }
    entry
}

/// Before any other step: policies that will be rebuilt or removed, and RLS switched off
/// where a kept table is no longer policed.
pub(super) fn drops(matched: &Matched, stale: &BTreeSet<QualifiedName>) -> Vec<(Change, String)> {
    let (prev, next) = (matched.prev, matched.next);
    if prev.access.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(Change, String)> = revoke(matched).into_iter().collect();
    let (prev_policed, next_policed) = (policed(prev), policed(next));
    for entry in &prev.access.tables {
        let table = &entry.table;
        if !prev_policed.contains_key(table) || !matched.next_tables.contains_key(table) {
            continue;
        }
        let still = next_policed.contains_key(table);
        if !still || stale.contains(table) {
            out.push((
                Change::Access(AccessChange::DropPolicies(table.clone())),
                format!("drop the policies of {}", display(table)),
            ));
        }
        if !still {
            out.push((
                Change::Access(AccessChange::DisableRowSecurity(table.clone())),
                format!("disable row-level security on {}", display(table)),
            ));
        }
    }
    out
}

/// The previous role's grants, when the next schema no longer grants to it: on the tables
/// that survive the migration (a dropped table takes its grants with it).
fn revoke(matched: &Matched) -> Option<(Change, String)> {
    let (prev, next) = (matched.prev, matched.next);
    let role = prev.access.settings().app_role;
    let granted_still = !next.access.is_empty() && next.access.settings().app_role == role;
    if granted_still {
        return None;
    }
    let known = surviving(matched);
    let tables: Vec<QualifiedName> = prev
        .tables
        .iter()
        .filter(|t| known.contains(&t.db_name))
        .map(|t| t.db_name.clone())
        .collect();
    let schemas: BTreeSet<&String> = prev.tables.iter().map(|t| &t.db_name.schema).collect();
    let comment = format!("revoke what the application role {role} was granted");
    Some((
        Change::Access(AccessChange::Revoke {
            role,
            tables,
            schemas: schemas.into_iter().cloned().collect(),
        }),
        comment,
    ))
}

/// Tables of `prev` that still exist, with their grants and row-level security, once the
/// migration ran: kept, and not dropped and created again to change their partitioning.
fn surviving<'a>(matched: &Matched<'a>) -> BTreeSet<&'a QualifiedName> {
    matched
        .prev
        .tables
        .iter()
        .filter(|p| {
            matched
                .next_tables
                .get(&p.db_name)
                .is_some_and(|n| !super::repartitioned(p, n))
        })
        .map(|p| &p.db_name)
        .collect()
}

/// After every table and foreign key exists: grants, functions, RLS and policies.
pub(super) fn creates(matched: &Matched, stale: &BTreeSet<QualifiedName>) -> Vec<(Change, String)> {
    let (prev, next) = (matched.prev, matched.next);
    if next.access.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let role = next.access.settings().app_role;
    let role_changed = prev.access.is_empty() || prev.access.settings().app_role != role;
    let known = surviving(matched);
    let tables: Vec<QualifiedName> = next
        .tables
        .iter()
        .filter(|t| role_changed || !known.contains(&t.db_name))
        .map(|t| t.db_name.clone())
        .collect();
    if !tables.is_empty() {
        out.push((
            Change::Access(AccessChange::Grant {
                role: role.clone(),
                tables,
            }),
            format!("grant the application role {role} its tables"),
        ));
    }
    let encrypts = |s: &System| s.access.tables.iter().any(|t| !t.encrypted.is_empty());
    if encrypts(next) && !encrypts(prev) {
        out.push((
            Change::Access(AccessChange::EncryptionFunctions),
            "create the pgcrypto functions for encrypted columns".into(),
        ));
    }
    let (prev_policed, next_policed) = (policed(prev), policed(next));
    let tables: BTreeMap<&QualifiedName, &Table> =
        next.tables.iter().map(|t| (&t.db_name, t)).collect();
    for entry in &next.access.tables {
        let table = &entry.table;
        if !next_policed.contains_key(table) {
            continue;
        }
        if !prev_policed.contains_key(table) || !known.contains(table) {
            out.push((
                Change::Access(AccessChange::EnableRowSecurity(table.clone())),
                format!("enable row-level security on {}", display(table)),
            ));
        }
        if let Some(definition) = tables.get(table).filter(|_| stale.contains(table)) {
            out.push((
                Change::Access(AccessChange::CreatePolicies {
                    access: entry.clone(),
                    table: Box::new((*definition).clone()),
                }),
                format!("create the policies of {}", display(table)),
            ));
        }
    }
    out
}
