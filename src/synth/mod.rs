//! Synthetic rows, shared by `verify` and `rehearse`.
//!
//! [`World`]: two rows per table, slot 0 belonging to tenant 1 and user 1, slot 1 to tenant 2
//! and user 2, consistent across foreign keys (a child's key is its parent's value for the
//! same slot), enums and simple checks; read from the IR, so verify knows who owns what.
//! [`volume`]: thousands of rows in every table of a live database, for `rehearse`.

pub mod volume;

use crate::ir::access::{Access, RuleKind};
use crate::ir::{ScalarType, System, Table};
use crate::render::postgres::rls::{qualified, quote_literal};
use crate::render::quote_ident;
use std::collections::{BTreeMap, HashMap};

/// The key pgcrypto columns are encrypted with during verify (never a real key).
pub const KEY: &str = "schemagen-verify-key";

/// One row: column database name → value as text (`None` is NULL).
pub type Row = BTreeMap<String, Option<String>>;

/// Who a root column stands for: the tenant, or the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Tenant,
    User,
}

pub struct World<'a> {
    pub system: &'a System,
    /// Per table (by index in `system.tables`), the rows of slot 0 and 1.
    pub rows: Vec<[Row; 2]>,
    /// Tables in an order where parents come before children.
    pub order: Vec<usize>,
    /// Some foreign keys form a cycle: rows are inserted with triggers (and so FK checks) off.
    pub cyclic: bool,
    /// (table, column) pairs stored encrypted.
    encrypted: Vec<(usize, String)>,
    /// (table, column) pairs some access rule reads.
    ruled: std::collections::HashSet<(usize, String)>,
    /// Rules that contradict each other about who holds the tenant or the user.
    pub problems: Vec<String>,
    /// Per table, the optional references no rule reads, left NULL in `rows`, with the values
    /// that would fill them (slot 0, slot 1): seeding fills some when a check asks for it.
    pub optional: Vec<Vec<(String, [Option<String>; 2])>>,
    /// Added to every integer the rows hold in a key column (and to integer tenants and
    /// users): above every key a database holds already, so the rows cannot collide with its own.
    base: i64,
}

impl<'a> World<'a> {
    /// The rows for an empty database.
    pub fn new(system: &'a System) -> World<'a> {
        World::above(system, 0)
    }

    /// The rows for a database whose integer keys are all at most `base`.
    pub fn above(system: &'a System, base: i64) -> World<'a> {
        let index: HashMap<_, _> = system
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (&t.db_name, i))
            .collect();
        let encrypted: Vec<(usize, String)> = system
            .access
            .tables
            .iter()
            .flat_map(|t| t.encrypted.iter().map(move |f| (&t.table, f)))
            .filter_map(|(table, f)| Some((*index.get(table)?, f.column.clone())))
            .collect();
        let (parties, problems) = parties(system, &system.access, &index);
        let ruled = ruled_columns(system, &index);
        let rotated = rotated_users(system, &index, &parties);
        let nulled = nullable_tenants_and_owners(system, &index);
        let synth = Synth {
            system,
            index: &index,
            parties: &parties,
            ruled: &ruled,
            rotated: &rotated,
            nulled: &nulled,
            base,
        };
        let rows = (0..system.tables.len())
            .map(|t| [synth.row(t, 0), synth.row(t, 1)])
            .collect();
        let optional = (0..system.tables.len())
            .map(|t| synth.optional_references(t))
            .collect();
        let (order, cyclic) = parents_first(system, &index);
        World {
            system,
            rows,
            order,
            cyclic,
            encrypted,
            ruled,
            optional,
            problems,
            base,
        }
    }

    /// The tenant as the application tells the database (the setting's text).
    pub fn tenant(&self, slot: usize) -> String {
        party_value(Party::Tenant, &self.tenant_type(), slot, self.base)
    }

    pub fn user(&self, slot: usize) -> String {
        party_value(Party::User, &self.user_type(), slot, self.base)
    }

    fn tenant_type(&self) -> ScalarType {
        self.rule_column_type(|k| match k {
            RuleKind::Tenant { field } => Some(field.column.as_str()),
            _ => None,
        })
    }

    fn user_type(&self) -> ScalarType {
        self.rule_column_type(|k| match k {
            RuleKind::Owner { field } => Some(field.column.as_str()),
            _ => None,
        })
    }

    fn rule_column_type(&self, column_of: impl Fn(&RuleKind) -> Option<&str>) -> ScalarType {
        self.system
            .access
            .tables
            .iter()
            .flat_map(|t| t.rules.iter().map(move |r| (&t.table, r)))
            .find_map(|(table, r)| {
                let column = column_of(&r.kind)?;
                let table = self.system.tables.iter().find(|t| &t.db_name == table)?;
                Some(table.column(column)?.ty.scalar.clone())
            })
            .unwrap_or(ScalarType::Uuid)
    }

    /// Whether an access rule reads the column (on its own table, or as a member table's).
    pub fn is_ruled(&self, table: usize, column: &str) -> bool {
        self.ruled.contains(&(table, column.to_string()))
    }

    pub fn is_encrypted(&self, table: usize, column: &str) -> bool {
        self.encrypted
            .iter()
            .any(|(t, c)| *t == table && c == column)
    }

    pub fn encrypted(&self) -> &[(usize, String)] {
        &self.encrypted
    }

    /// `INSERT` of one synthetic row.
    pub fn insert_sql(&self, table: usize, row: &Row) -> String {
        let t = &self.system.tables[table];
        let columns: Vec<String> = row.keys().map(|c| quote_ident(c)).collect();
        let values: Vec<String> = row
            .iter()
            .map(|(c, v)| self.literal(table, c, v.as_deref()))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            qualified(&t.db_name),
            columns.join(", "),
            values.join(", ")
        )
    }

    /// A WHERE clause that finds exactly this row (by primary key, else by every column).
    pub fn where_sql(&self, table: usize, row: &Row) -> String {
        let t = &self.system.tables[table];
        let key: Vec<&String> = match &t.primary_key {
            Some(pk) => pk.columns.iter().collect(),
            None => row.keys().collect(),
        };
        key.iter()
            .map(|c| match row.get(*c).cloned().flatten() {
                Some(v) => format!("{} = {}", quote_ident(c), quote_literal(&v)),
                None => format!("{} IS NULL", quote_ident(c)),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    pub fn literal(&self, table: usize, column: &str, value: Option<&str>) -> String {
        match value {
            None => "NULL".into(),
            Some(v) if self.is_encrypted(table, column) => format!(
                "encrypt_secret({}, {})",
                quote_literal(v),
                quote_literal(KEY)
            ),
            Some(v) => quote_literal(v),
        }
    }
}

/// Every (table, column) an access rule reads.
fn ruled_columns(
    system: &System,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
) -> std::collections::HashSet<(usize, String)> {
    let mut out = std::collections::HashSet::new();
    for entry in &system.access.tables {
        let Some(&t) = index.get(&entry.table) else {
            continue;
        };
        for rule in &entry.rules {
            match &rule.kind {
                RuleKind::Tenant { field }
                | RuleKind::Owner { field }
                | RuleKind::Public { field, .. } => {
                    out.insert((t, field.column.clone()));
                }
                RuleKind::Member {
                    table,
                    via,
                    key,
                    user,
                    role_field,
                    ..
                } => {
                    out.insert((t, key.clone()));
                    if let Some(&m) = index.get(&table.db_name) {
                        out.insert((m, via.column.clone()));
                        out.insert((m, user.column.clone()));
                        if let Some(f) = role_field {
                            out.insert((m, f.column.clone()));
                        }
                    }
                }
                RuleKind::Role { .. } | RuleKind::Sql { .. } => {}
            }
        }
    }
    out
}

/// User columns that hold user 2 in slot 0, so that the user columns of slot 0's row differ
/// (author ≠ editor) and its member is not also its owner: a member rule's user column, and
/// every user column of a table but its first owner column (else its first user column).
fn rotated_users(
    system: &System,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
    parties: &HashMap<(usize, String), Party>,
) -> std::collections::HashSet<(usize, String)> {
    let mut out = std::collections::HashSet::new();
    for rule in system.access.tables.iter().flat_map(|t| &t.rules) {
        if let RuleKind::Member { table, user, .. } = &rule.kind {
            if let Some(&m) = index.get(&table.db_name) {
                out.insert((m, user.column.clone()));
            }
        }
    }
    for (t, table) in system.tables.iter().enumerate() {
        let users: Vec<&str> = table
            .columns
            .iter()
            .map(|c| c.db_name.as_str())
            .filter(|c| parties.get(&root_of(system, index, t, c)) == Some(&Party::User))
            .collect();
        let owner = system
            .access
            .table(&table.db_name)
            .into_iter()
            .flat_map(|e| &e.rules)
            .find_map(|r| match &r.kind {
                RuleKind::Owner { field } => Some(field.column.as_str()),
                _ => None,
            });
        let principal = owner.or(users.first().copied());
        for column in users.into_iter().filter(|c| Some(*c) != principal) {
            out.insert((t, column.to_string()));
        }
    }
    // Both rows then hold user 2: not in a key of its own, nor in one over several columns.
    out.retain(|(t, c)| {
        let table = &system.tables[*t];
        let composite = table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.len() > 1 && fk.columns.contains(c));
        let unique = table.indexes.iter().any(|i| {
            i.unique
                && matches!(i.parts.as_slice(), [crate::ir::IndexPart::Column { name, .. }] if name == c)
        });
        !composite && !unique
    });
    out
}

/// Tenant and owner columns that may be NULL: slot 1 leaves them NULL, so a comparison that
/// lets NULL through (`IS NOT DISTINCT FROM` an unset setting) shows.
fn nullable_tenants_and_owners(
    system: &System,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
) -> std::collections::HashSet<(usize, String)> {
    let mut out = std::collections::HashSet::new();
    for entry in &system.access.tables {
        let Some(&t) = index.get(&entry.table) else {
            continue;
        };
        for rule in &entry.rules {
            if let RuleKind::Tenant { field } | RuleKind::Owner { field } = &rule.kind {
                let nullable = system.tables[t]
                    .column(&field.column)
                    .is_some_and(|c| c.nullable);
                if nullable {
                    out.insert((t, field.column.clone()));
                }
            }
        }
    }
    out
}

/// Root columns (not themselves foreign keys) that hold the tenant or the user, and what
/// looks wrong about them: one root both a tenant and a user, or tenant rules that lead to
/// different roots (one of them names the wrong column).
fn parties(
    system: &System,
    access: &Access,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
) -> (HashMap<(usize, String), Party>, Vec<String>) {
    let mut out: HashMap<(usize, String), Party> = HashMap::new();
    let mut problems = Vec::new();
    let mut reported = std::collections::HashSet::new();
    // Tenant roots, each with the first table whose tenant rule leads there.
    let mut tenant_roots: BTreeMap<(usize, String), &str> = BTreeMap::new();
    let name = |(t, c): &(usize, String)| {
        let table = &system.tables[*t];
        format!("{}.{}", table.db_name.name, c)
    };
    for entry in &access.tables {
        let Some(&t) = index.get(&entry.table) else {
            continue;
        };
        for rule in &entry.rules {
            let (table, column, party) = match &rule.kind {
                RuleKind::Tenant { field } => (t, &field.column, Party::Tenant),
                RuleKind::Owner { field } => (t, &field.column, Party::User),
                RuleKind::Member { table, user, .. } => match index.get(&table.db_name) {
                    Some(&m) => (m, &user.column, Party::User),
                    None => continue,
                },
                _ => continue,
            };
            let root = root_of(system, index, table, column);
            if party == Party::Tenant {
                tenant_roots
                    .entry(root.clone())
                    .or_insert(system.tables[t].name.as_str());
            }
            match out.get(&root) {
                Some(first) if *first != party && reported.insert(root.clone()) => {
                    problems.push(format!(
                        "{} holds both a tenant and a user (through a rule of {}): a tenant or owner rule names the wrong field",
                        name(&root),
                        system.tables[t].name
                    ))
                }
                Some(_) => {}
                None => {
                    out.insert(root, party);
                }
            }
        }
    }
    if tenant_roots.len() > 1 {
        let roots: Vec<String> = tenant_roots
            .iter()
            .map(|(root, table)| format!("{} (from {table})", name(root)))
            .collect();
        problems.push(format!(
            "the tenant rules lead to different columns: {}; one of them names the wrong field",
            roots.join(", ")
        ));
    }
    (out, problems)
}

/// Follows foreign keys from (table, column) to the column whose value they all copy.
fn root_of(
    system: &System,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
    mut table: usize,
    column: &str,
) -> (usize, String) {
    let mut column = column.to_string();
    for _ in 0..32 {
        match parent_of(system, index, table, &column) {
            Some((parent, referenced)) if parent != table => {
                table = parent;
                column = referenced;
            }
            _ => break,
        }
    }
    (table, column)
}

fn parent_of(
    system: &System,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
    table: usize,
    column: &str,
) -> Option<(usize, String)> {
    system.tables[table].foreign_keys.iter().find_map(|fk| {
        let position = fk.columns.iter().position(|c| c == column)?;
        Some((
            *index.get(&fk.referenced_table)?,
            fk.referenced_columns.get(position)?.clone(),
        ))
    })
}

fn party_value(party: Party, ty: &ScalarType, slot: usize, base: i64) -> String {
    let n = slot as i64 + 1;
    match (party, is_integer(ty)) {
        (Party::Tenant, true) => format!("{}", base + 1000 + n),
        (Party::User, true) => format!("{}", base + 2000 + n),
        (Party::Tenant, false) => format!("7e000000-0000-4000-8000-00000000000{n}"),
        (Party::User, false) => format!("05e00000-0000-4000-8000-00000000000{n}"),
    }
}

/// The column is part of the primary key or of a unique index: a value a row may not share.
pub fn is_key(table: &Table, column: &str) -> bool {
    let in_pk = table
        .primary_key
        .iter()
        .any(|pk| pk.columns.iter().any(|c| c == column));
    in_pk
        || table.indexes.iter().filter(|i| i.unique).any(|i| {
            i.parts
                .iter()
                .any(|p| matches!(p, crate::ir::IndexPart::Column { name, .. } if name == column))
        })
}

pub fn is_integer(ty: &ScalarType) -> bool {
    matches!(
        ty,
        ScalarType::SmallInt
            | ScalarType::Integer
            | ScalarType::BigInt
            | ScalarType::Serial { .. }
            | ScalarType::Identity { .. }
    )
}

struct Synth<'a> {
    system: &'a System,
    index: &'a HashMap<&'a crate::ir::QualifiedName, usize>,
    parties: &'a HashMap<(usize, String), Party>,
    /// Columns some rule reads: they always get a value (but see `nulled`).
    ruled: &'a std::collections::HashSet<(usize, String)>,
    /// User columns that hold user 2 in slot 0.
    rotated: &'a std::collections::HashSet<(usize, String)>,
    /// Nullable tenant and owner columns, NULL in slot 1.
    nulled: &'a std::collections::HashSet<(usize, String)>,
    /// See [`World::base`].
    base: i64,
}

impl Synth<'_> {
    fn row(&self, table: usize, slot: usize) -> Row {
        self.system.tables[table]
            .columns
            .iter()
            .map(|c| (c.db_name.clone(), self.value(table, &c.db_name, slot, 0)))
            .collect()
    }

    fn optional_references(&self, table: usize) -> Vec<(String, [Option<String>; 2])> {
        let t = &self.system.tables[table];
        t.columns
            .iter()
            .filter(|c| c.nullable && !self.ruled.contains(&(table, c.db_name.clone())))
            .filter_map(|c| {
                let (parent, referenced) = parent_of(self.system, self.index, table, &c.db_name)?;
                (parent != table).then(|| {
                    let at = |slot| self.value(parent, &referenced, slot, 1);
                    (c.db_name.clone(), [at(0), at(1)])
                })
            })
            .collect()
    }

    fn value(&self, table: usize, column: &str, slot: usize, depth: u32) -> Option<String> {
        let t = &self.system.tables[table];
        let c = t.column(column)?;
        let own = (table, column.to_string());
        if depth == 0 && slot == 1 && c.nullable && self.nulled.contains(&own) {
            return None;
        }
        // Slot 0's rotated columns hold user 2; slot 1 keeps user 2 everywhere (one row whose
        // owner is also its member, for moves a member must not make as owner).
        let slot = match depth == 0 && slot == 0 && self.rotated.contains(&own) {
            true => 1,
            false => slot,
        };
        if let Some((parent, referenced)) = parent_of(self.system, self.index, table, column) {
            // An optional reference no rule reads stays empty: checks such as "exactly one
            // of contribution_id and poll_id" then hold.
            if depth == 0 && c.nullable && !self.ruled.contains(&(table, column.to_string())) {
                return None;
            }
            if parent == table || depth > 32 {
                // A row cannot point at a row that does not exist yet: leave self-references empty.
                if c.nullable {
                    return None;
                }
            } else {
                return self.value(parent, &referenced, slot, depth + 1);
            }
        }
        if let Some(party) = self.parties.get(&(table, column.to_string())) {
            return Some(party_value(*party, &c.ty.scalar, slot, self.base));
        }
        let scalar = self.scalar(table, t, c, slot);
        if c.ty.array {
            // One element: checks such as `cardinality(platforms) >= 1` hold.
            let element = scalar.replace('\\', "\\\\").replace('"', "\\\"");
            return Some(format!("{{\"{element}\"}}"));
        }
        Some(scalar)
    }

    fn scalar(&self, index: usize, table: &Table, c: &crate::ir::Column, slot: usize) -> String {
        let n = slot + 1;
        let hinted = check_literal(table, &c.db_name);
        match &c.ty.scalar {
            ScalarType::Uuid => format!("{:08x}-0000-4000-8000-{n:012x}", index + 1),
            // Case-insensitive text has no length to fit.
            ScalarType::Citext => hinted.unwrap_or_else(|| format!("{}-{n}", c.db_name)),
            ScalarType::Text | ScalarType::Varchar { .. } | ScalarType::Char { .. } => hinted
                .unwrap_or_else(|| {
                    let declared = match &c.ty.scalar {
                        ScalarType::Varchar { length } | ScalarType::Char { length } => *length,
                        _ => None,
                    };
                    let (min, max) = length_bounds(table, &c.db_name);
                    let max = max
                        .or(declared)
                        .unwrap_or(255)
                        .min(declared.unwrap_or(u32::MAX));
                    let text = fit(&format!("{}-{n}", c.db_name), max, n);
                    let short = (min as usize).saturating_sub(text.chars().count());
                    text + &"x".repeat(short)
                }),
            ScalarType::SmallInt
            | ScalarType::Integer
            | ScalarType::BigInt
            | ScalarType::Serial { .. }
            | ScalarType::Identity { .. } => {
                let base = if is_key(table, &c.db_name) {
                    self.base
                } else {
                    0
                };
                (base + n as i64).to_string()
            }
            // 1 fits the usual ranges of scores and money (`BETWEEN 0 AND 1`, `>= 0`).
            ScalarType::Numeric { .. } | ScalarType::Real | ScalarType::Double => "1".into(),
            ScalarType::Boolean => self.public_boolean(table, &c.db_name, slot),
            ScalarType::Enum { name } => self.enum_value(table, &c.db_name, name, slot, hinted),
            ScalarType::Timestamptz { .. } => format!("2024-01-0{n} 12:00:00+00"),
            ScalarType::Timestamp { .. } => format!("2024-01-0{n} 12:00:00"),
            ScalarType::Date => format!("2024-01-0{n}"),
            ScalarType::Time { .. } => "12:00:00".into(),
            // `jsonb_typeof(options) = 'array'` asks for an array; anything else gets an object.
            ScalarType::Json | ScalarType::Jsonb if hinted.as_deref() == Some("array") => {
                "[]".into()
            }
            ScalarType::Json | ScalarType::Jsonb => "{}".into(),
            ScalarType::Bytea => format!("secret-{}-{}-{n}", table.db_name.name, c.db_name),
            ScalarType::GeoPoint => "(0,0)".into(),
        }
    }

    /// A public boolean is false in slot 0 and true in slot 1, so both cases are probed.
    fn public_boolean(&self, table: &Table, column: &str, slot: usize) -> String {
        let public = self.public_values(table, column).is_some();
        (!public || slot == 1).to_string()
    }

    fn enum_value(
        &self,
        table: &Table,
        column: &str,
        name: &crate::ir::QualifiedName,
        slot: usize,
        hinted: Option<String>,
    ) -> String {
        let values: Vec<&str> = self
            .system
            .enums
            .iter()
            .find(|e| &e.db_name == name)
            .map(|e| e.values.iter().map(|v| v.db_name.as_str()).collect())
            .unwrap_or_default();
        if let Some(public) = self.public_values(table, column) {
            let pick = if slot == 1 {
                values.iter().find(|v| public.iter().any(|p| p == *v))
            } else {
                values.iter().find(|v| !public.iter().any(|p| p == *v))
            };
            if let Some(v) = pick {
                return v.to_string();
            }
        }
        if let Some(roles) = self.member_roles(table, column) {
            // Slot 1's member holds a role the rule does not accept, where the type has one.
            let outside = values.iter().find(|v| !roles.iter().any(|r| r == *v));
            match (slot, outside, roles.first()) {
                (1, Some(v), _) => return v.to_string(),
                (_, _, Some(role)) => return role.clone(),
                _ => {}
            }
        }
        hinted
            .filter(|h| values.contains(&h.as_str()))
            .or_else(|| values.first().map(|v| v.to_string()))
            .unwrap_or_default()
    }

    fn public_values(&self, table: &Table, column: &str) -> Option<&[String]> {
        self.system
            .access
            .table(&table.db_name)?
            .rules
            .iter()
            .find_map(|r| match &r.kind {
                RuleKind::Public { field, values } if field.column == column => {
                    Some(values.as_slice())
                }
                _ => None,
            })
    }

    /// The roles a member rule accepts when `column` of `table` is that rule's role field.
    fn member_roles(&self, table: &Table, column: &str) -> Option<&[String]> {
        self.system
            .access
            .tables
            .iter()
            .flat_map(|t| &t.rules)
            .find_map(|r| match &r.kind {
                RuleKind::Member {
                    table: member,
                    role_field: Some(role_field),
                    roles,
                    ..
                } if member.db_name == table.db_name && role_field.column == column => {
                    Some(roles.as_slice())
                }
                _ => None,
            })
    }
}

/// The first quoted literal of a check that names the column: `status IN ('a', 'b')` → `a`.
fn check_literal(table: &Table, column: &str) -> Option<String> {
    table
        .checks
        .iter()
        .filter(|c| c.expression.contains(column))
        .find_map(|c| {
            let start = c.expression.find('\'')? + 1;
            let len = c.expression[start..].find('\'')?;
            Some(c.expression[start..start + len].to_string())
        })
}

/// Bounds that checks put on the column's length: `char_length("code") >= 2 AND … <= 2`.
fn length_bounds(table: &Table, column: &str) -> (u32, Option<u32>) {
    let call = format!("char_length(\"{column}\")");
    let (mut min, mut max) = (0, None);
    for check in &table.checks {
        let mut rest = check.expression.as_str();
        while let Some(at) = rest.find(&call) {
            rest = &rest[at + call.len()..];
            let tail = rest.trim_start();
            let (op, tail) = match tail.get(..2) {
                Some(op @ ("<=" | ">=")) => (op, &tail[2..]),
                _ => continue,
            };
            let digits: String = tail
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let Ok(value) = digits.parse::<u32>() else {
                continue;
            };
            match op {
                "<=" => max = Some(max.map_or(value, |m: u32| m.min(value))),
                _ => min = min.max(value),
            }
        }
    }
    (min, max)
}

/// `text` cut to `length` characters, keeping it distinct per slot.
fn fit(text: &str, length: u32, n: usize) -> String {
    let length = length as usize;
    if text.chars().count() <= length {
        return text.to_string();
    }
    let suffix = n.to_string();
    let keep = length.saturating_sub(suffix.len());
    text.chars().take(keep).collect::<String>() + &suffix
}

/// Kahn's algorithm over foreign keys: parents first; ties in declaration order.
fn parents_first(
    system: &System,
    index: &HashMap<&crate::ir::QualifiedName, usize>,
) -> (Vec<usize>, bool) {
    let parents: Vec<Vec<usize>> = system
        .tables
        .iter()
        .map(|t| {
            t.foreign_keys
                .iter()
                .filter_map(|fk| index.get(&fk.referenced_table).copied())
                .collect()
        })
        .collect();
    parents_first_by(&parents)
}

/// Kahn's algorithm: an order of `0..parents.len()` where each comes after its parents (self
/// references ignored); ties by index. `true` when a cycle had to be broken (at its first table).
pub(crate) fn parents_first_by(parents: &[Vec<usize>]) -> (Vec<usize>, bool) {
    let n = parents.len();
    let mut waiting_on = vec![0usize; n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (child, parents) in parents.iter().enumerate() {
        let mut parents: Vec<usize> = parents.iter().copied().filter(|&p| p != child).collect();
        parents.sort_unstable();
        parents.dedup();
        waiting_on[child] = parents.len();
        for p in parents {
            children[p].push(child);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&t| waiting_on[t] == 0).collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    let mut cyclic = false;
    while order.len() < n {
        let t = match ready.pop_first() {
            Some(t) => t,
            None => {
                // Every table left waits on another: break a cycle at one of its own tables,
                // so the tables hanging off the cycle still come after their parents.
                cyclic = true;
                on_a_cycle(parents, &placed)
            }
        };
        if placed[t] {
            continue;
        }
        placed[t] = true;
        order.push(t);
        for &child in &children[t] {
            waiting_on[child] = waiting_on[child].saturating_sub(1);
            if waiting_on[child] == 0 && !placed[child] {
                ready.insert(child);
            }
        }
    }
    (order, cyclic)
}

/// A table on a cycle among the unplaced ones: walking from any of them to an unplaced parent
/// must come back to a table already seen, and that one is on the cycle.
fn on_a_cycle(parents: &[Vec<usize>], placed: &[bool]) -> usize {
    let mut t = (0..placed.len())
        .find(|&t| !placed[t])
        .expect("a table is left");
    let mut seen = vec![false; placed.len()];
    while !seen[t] {
        seen[t] = true;
        t = parents[t]
            .iter()
            .copied()
            .find(|&p| p != t && !placed[p])
            .unwrap_or(t);
    }
    t
}
