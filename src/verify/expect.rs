//! What the declared rules say about one row in one context: the expectation that verify
//! holds Postgres to. It reads the access model, not the generated SQL, so a policy that
//! renders wrongly (or was edited by hand) shows up as a mismatch.
//!
//! Three-valued: `None` when a rule cannot be judged outside the database (a raw `sql`
//! rule without `expect:`; with one, its conditions are judged instead of the SQL).

use crate::ir::access::{Command, Condition, FieldPath, Hop, Rule, RuleKind};
use crate::synth::{Row, World};

/// Who the application says is asking; `None` fields are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub tenant: Option<usize>,
    pub user: Option<usize>,
    pub role: Option<String>,
}

/// Whether the policy of `command` on `table` lets `row` through for `context`.
pub fn allows(
    world: &World,
    table: usize,
    command: Command,
    row: &Row,
    context: &Context,
) -> Option<bool> {
    allows_at(world, table, command, row, context, 0)
}

fn allows_at(
    world: &World,
    table: usize,
    command: Command,
    row: &Row,
    context: &Context,
    depth: u32,
) -> Option<bool> {
    if depth > 4 {
        return None;
    }
    let name = &world.system.tables[table].db_name;
    let Some(entry) = world.system.access.table(name).filter(|e| !e.shared) else {
        return Some(true);
    };
    let rules: Vec<&Rule> = entry
        .rules
        .iter()
        .filter(|r| r.commands.contains(&command))
        .collect();
    if rules.is_empty() {
        return Some(false);
    }
    let mut restrictive: Option<Option<bool>> = None;
    let mut permissive: Option<Option<bool>> = None;
    let mut bypass = Some(false);
    for rule in rules {
        let holds = rule_holds(world, &rule.kind, row, context, depth);
        match &rule.kind {
            RuleKind::Tenant { .. } => {
                restrictive = Some(and(restrictive.unwrap_or(Some(true)), holds))
            }
            RuleKind::Role { bypass: true, .. } => bypass = or(bypass, holds),
            _ => permissive = Some(or(permissive.unwrap_or(Some(false)), holds)),
        }
    }
    // Only bypassing roles: nobody else gets the command.
    let scoped = match (restrictive, permissive) {
        (None, None) => Some(false),
        (r, p) => and(r.unwrap_or(Some(true)), p.unwrap_or(Some(true))),
    };
    or(bypass, scoped)
}

fn rule_holds(
    world: &World,
    kind: &RuleKind,
    row: &Row,
    context: &Context,
    depth: u32,
) -> Option<bool> {
    let value = |column: &str| row.get(column).cloned().flatten();
    Some(match kind {
        RuleKind::Tenant { field } => context
            .tenant
            .is_some_and(|t| value(&field.column) == Some(world.tenant(t))),
        RuleKind::Owner { field } => context
            .user
            .is_some_and(|u| value(&field.column) == Some(world.user(u))),
        RuleKind::Public { field, values } if values.is_empty() => {
            value(&field.column).as_deref() == Some("true")
        }
        RuleKind::Public { field, values } => {
            value(&field.column).is_some_and(|v| values.contains(&v))
        }
        RuleKind::Role { roles, .. } => context.role.as_ref().is_some_and(|r| roles.contains(r)),
        RuleKind::Member {
            table: member,
            via,
            key,
            user,
            role_field,
            roles,
        } => {
            let Some(user_value) = context.user.map(|u| world.user(u)) else {
                return Some(false);
            };
            let Some(m) = world
                .system
                .tables
                .iter()
                .position(|t| t.db_name == member.db_name)
            else {
                return Some(false);
            };
            let mut any = Some(false);
            for member_row in &world.rows[m] {
                let get = |c: &str| member_row.get(c).cloned().flatten();
                let linked = get(&via.column).is_some() && get(&via.column) == value(key);
                let is_user = get(&user.column) == Some(user_value.clone());
                let in_role = match role_field {
                    Some(f) if !roles.is_empty() => {
                        get(&f.column).is_some_and(|r| roles.contains(&r))
                    }
                    _ => true,
                };
                if linked && is_user && in_role {
                    // The subquery itself runs under the member table's own select policy.
                    let visible =
                        allows_at(world, m, Command::Select, member_row, context, depth + 1);
                    any = or(any, visible);
                }
            }
            return any;
        }
        RuleKind::Sql { expect, .. } => {
            // Not `try_fold`: one false condition decides even after an unknown one.
            let mut all = Some(true);
            for condition in expect.0.as_ref()? {
                all = and(all, condition_holds(world, condition, row, context, depth));
            }
            return all;
        }
    })
}

/// One condition of a sql rule's `expect:` on `row`.
fn condition_holds(
    world: &World,
    condition: &Condition,
    row: &Row,
    context: &Context,
    depth: u32,
) -> Option<bool> {
    let is = |path: &FieldPath, wanted: Option<String>| {
        let value = match &path.hop {
            None => row.get(&path.field.column).cloned().flatten(),
            Some(hop) => pointed_at(world, hop, row)
                .and_then(|(_, parent)| parent.get(&path.field.column).cloned().flatten()),
        };
        wanted.is_some() && value == wanted
    };
    Some(match condition {
        Condition::Readable(hop) => {
            let Some((table, parent)) = pointed_at(world, hop, row) else {
                // A NULL or dangling reference: the subquery finds nothing.
                return Some(false);
            };
            return allows_at(world, table, Command::Select, parent, context, depth + 1);
        }
        Condition::Owner(path) => is(path, context.user.map(|u| world.user(u))),
        Condition::Tenant(path) => is(path, context.tenant.map(|t| world.tenant(t))),
        Condition::Role(roles) => context.role.as_ref().is_some_and(|r| roles.contains(r)),
    })
}

/// The table and synthetic row that `row`'s foreign key field `hop` points at.
fn pointed_at<'w>(world: &'w World, hop: &Hop, row: &Row) -> Option<(usize, &'w Row)> {
    let value = row.get(&hop.field.column).cloned().flatten()?;
    let name = hop.table.as_ref()?;
    let table = world
        .system
        .tables
        .iter()
        .position(|t| &t.db_name == name)?;
    let parent = world.rows[table]
        .iter()
        .find(|r| r.get(&hop.key).cloned().flatten().as_ref() == Some(&value))?;
    Some((table, parent))
}

fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}
