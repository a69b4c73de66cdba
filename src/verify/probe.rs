//! The behavioural probes: per policed table, action and scenario, one statement run as the
//! application role inside a subtransaction that is always rolled back, and the outcome
//! compared with what the declared rules allow.
//!
//! Probes that name a row (`WHERE pk = …`) read it, so Postgres applies the SELECT policy to
//! an UPDATE or DELETE too and a weakened write policy hides behind it. So each scenario also
//! runs SELECT, UPDATE and DELETE over every row without reading a column, with foreign keys
//! and triggers off, and counts the rows the command's own policy let through; a row is moved
//! to another tenant, owner and parent (WITH CHECK must stop it); the table is handed to the
//! application role, which FORCE must keep under the policies; and TRUNCATE, REFERENCES and
//! TRIGGER, which no policy governs, must be refused.

use super::{db, expect, Action, Actual, Cell, Privilege, Scenario};
use crate::db::Db;
use crate::ir::access::{Command, Context as AccessContext, RuleKind};
use crate::ir::Table;
use crate::render::postgres::rls::{qualified, quote_literal};
use crate::render::quote_ident;
use crate::synth::{Row, World};
use expect::Context;

/// The scenarios beyond the contexts: moves (each also as a take), and the table's owner.
pub(super) const EXTRA_SCENARIOS: [&str; 13] = [
    MOVE_TENANT,
    MOVE_OWNER,
    MOVE_MEMBER,
    "move tenant, row 2",
    "move owner, row 2",
    "move parent, row 2",
    "take tenant",
    "take owner",
    "take parent",
    "take tenant, row 2",
    "take owner, row 2",
    "take parent, row 2",
    OWNER_UNSET,
];
const MOVE_TENANT: &str = "move tenant";
const MOVE_OWNER: &str = "move owner";
const MOVE_MEMBER: &str = "move parent";
const OWNER_UNSET: &str = "table owner, unset";

pub(super) struct Probe {
    action: Action,
    scenario: String,
    context: Context,
    expected: Option<Actual>,
    /// Run first, as the caller (a superuser), inside the probe's subtransaction.
    prepare: String,
    statement: String,
    /// Foreign keys and triggers off, so a count sees the policies and nothing else.
    replica: bool,
}

impl Probe {
    fn new(action: Action, scenario: &str, context: &Context, statement: String) -> Probe {
        Probe {
            action,
            scenario: scenario.to_string(),
            context: context.clone(),
            expected: None,
            prepare: String::new(),
            statement,
            replica: false,
        }
    }
}

fn allow(expected: Option<bool>) -> Option<Actual> {
    expected.map(|e| if e { Actual::Allowed } else { Actual::Denied })
}

fn both(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Every probe of a policed table.
pub(super) fn probes(world: &World, index: usize, scenarios: &[Scenario]) -> Vec<Probe> {
    let mut out = Vec::new();
    let mut counted: Vec<&Context> = Vec::new();
    for scenario in scenarios {
        out.extend(row_probes(world, index, scenario));
        // Counts name no row: scenarios that differ only in their row are counted once.
        if !counted.contains(&&scenario.context) {
            counted.push(&scenario.context);
            out.extend(every_row_probes(
                world,
                index,
                &scenario.name,
                &scenario.context,
            ));
        }
    }
    out.extend(move_probes(world, index, scenarios));
    out.push(owner_probe(world, index));
    out
}

/// SELECT, INSERT, UPDATE and DELETE of the scenario's row, found by its key.
fn row_probes(world: &World, index: usize, scenario: &Scenario) -> Vec<Probe> {
    let table = &world.system.tables[index];
    let name = qualified(&table.db_name);
    let allows =
        |command, row: &Row, context: &Context| expect::allows(world, index, command, row, context);
    let touch = table
        .columns
        .first()
        .map(|c| quote_ident(&c.db_name))
        .unwrap_or_default();
    let row = &world.rows[index][scenario.slot];
    let filter = world.where_sql(index, row);
    let context = &scenario.context;
    // UPDATE and DELETE read the row (WHERE), so the SELECT policy applies to them too.
    let visible = allows(Command::Select, row, context);
    Command::ALL
        .into_iter()
        .map(|command| {
            let (expected, prepare, statement) = match command {
                Command::Select => (
                    visible,
                    String::new(),
                    format!("SELECT 1 FROM {name} WHERE {filter}"),
                ),
                Command::Insert => (
                    allows(Command::Insert, row, context),
                    format!("DELETE FROM {name} WHERE {filter}"),
                    world.insert_sql(index, row),
                ),
                Command::Update => (
                    both(visible, allows(Command::Update, row, context)),
                    String::new(),
                    format!("UPDATE {name} SET {touch} = {touch} WHERE {filter}"),
                ),
                Command::Delete => (
                    both(visible, allows(Command::Delete, row, context)),
                    String::new(),
                    format!("DELETE FROM {name} WHERE {filter}"),
                ),
            };
            Probe {
                expected: allow(expected),
                prepare,
                ..Probe::new(Action::Row(command), &scenario.name, context, statement)
            }
        })
        .collect()
}

/// SELECT, UPDATE and DELETE of every row, reading no column (no WHERE, no RETURNING, SET
/// from a constant), so each meets its own policy alone; the count is what the rules let
/// this context see or change among the synthetic rows.
fn every_row_probes(world: &World, index: usize, scenario: &str, context: &Context) -> Vec<Probe> {
    let table = &world.system.tables[index];
    let name = qualified(&table.db_name);
    let (set, reads) = update_without_reading(world, index);
    let statements = [
        (Command::Select, format!("SELECT 1 FROM {name}")),
        (Command::Update, format!("UPDATE {name} SET {set}")),
        (Command::Delete, format!("DELETE FROM {name}")),
    ];
    statements
        .into_iter()
        .map(|(command, statement)| {
            let also_select = command == Command::Update && reads;
            Probe {
                expected: count(world, index, command, also_select, context),
                replica: true,
                ..Probe::new(Action::Every(command), scenario, context, statement)
            }
        })
        .collect()
}

/// How many synthetic rows of the table the rules let `context` run `command` on.
fn count(
    world: &World,
    index: usize,
    command: Command,
    also_select: bool,
    context: &Context,
) -> Option<Actual> {
    let mut n = 0;
    for row in &world.rows[index] {
        let mut allowed = expect::allows(world, index, command, row, context);
        if also_select {
            allowed = both(
                allowed,
                expect::allows(world, index, Command::Select, row, context),
            );
        }
        n += u64::from(allowed?);
    }
    Some(Actual::Rows(n))
}

/// A `SET` that reads no column: a column no rule, key, check or unique index involves, set
/// to its default or NULL. `true` when there is none and the fallback `c = c` reads one.
fn update_without_reading(world: &World, index: usize) -> (String, bool) {
    let table = &world.system.tables[index];
    let free = table
        .columns
        .iter()
        .filter(|c| c.has_database_default() || c.nullable)
        .find(|c| is_free(world, index, table, &c.db_name));
    match free {
        Some(c) if c.has_database_default() => {
            (format!("{} = DEFAULT", quote_ident(&c.db_name)), false)
        }
        Some(c) => (format!("{} = NULL", quote_ident(&c.db_name)), false),
        None => {
            let c = table
                .columns
                .first()
                .map(|c| quote_ident(&c.db_name))
                .unwrap_or_default();
            (format!("{c} = {c}"), true)
        }
    }
}

fn is_free(world: &World, index: usize, table: &Table, column: &str) -> bool {
    let keyed = crate::synth::is_key(table, column)
        || table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.iter().any(|c| c == column))
        || table
            .partition
            .iter()
            .any(|p| p.columns.iter().any(|c| c == column))
        || table.indexes.iter().filter(|i| i.unique).any(|i| {
            i.parts.iter().any(
                |p| matches!(p, crate::ir::IndexPart::Expression { sql } if sql.contains(column)),
            )
        });
    let checked = table.checks.iter().any(|c| c.expression.contains(column));
    let in_sql_rule = world.system.access.table(&table.db_name).is_some_and(|e| {
        e.rules.iter().any(|r| match &r.kind {
            RuleKind::Sql { expression, .. } => expression.contains(column),
            _ => false,
        })
    });
    !keyed
        && !checked
        && !in_sql_rule
        && !world.is_ruled(index, column)
        && !world.is_encrypted(index, column)
}

/// Each synthetic row alone (the other deleted first, inside the probe) rewritten to belong to
/// the other tenant, the other owner, or a parent nobody is a member of, by an UPDATE that
/// reads no column (a WHERE would bring the SELECT policy in as a second check), in the first
/// scenario that may update the row but not move it: WITH CHECK must refuse the move.
fn move_probes(world: &World, index: usize, scenarios: &[Scenario]) -> Vec<Probe> {
    let table = &world.system.tables[index];
    let Some(entry) = world.system.access.table(&table.db_name) else {
        return Vec::new();
    };
    let updates = || {
        entry
            .rules
            .iter()
            .filter(|r| r.commands.contains(&Command::Update))
    };
    let mut out = Vec::new();
    for slot in 0..world.rows[index].len() {
        let other = 1 - slot.min(1);
        let moves: [(&str, Vec<Assignment>); 3] = [
            (
                MOVE_TENANT,
                updates()
                    .filter_map(|r| match &r.kind {
                        RuleKind::Tenant { field } => {
                            Some((field.column.clone(), Some(world.tenant(other))))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            (
                MOVE_OWNER,
                updates()
                    .filter_map(|r| match &r.kind {
                        RuleKind::Owner { field } => {
                            Some((field.column.clone(), Some(world.user(other))))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            (
                MOVE_MEMBER,
                updates()
                    .filter_map(|r| match &r.kind {
                        RuleKind::Member { key, .. } => {
                            Some((key.clone(), Some(orphan(table, key)?)))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
        ];
        for (scenario, sets) in moves.into_iter().filter(|(_, sets)| !sets.is_empty()) {
            let name = match slot {
                0 => scenario.to_string(),
                _ => format!("{scenario}, row 2"),
            };
            out.extend(move_probe(
                world, index, scenarios, slot, &name, &sets, false,
            ));
            // The same move by a context whose own row the moved one becomes: only USING may
            // stop it (a weakened USING behind a strict SELECT policy shows here).
            let take = name.replacen("move", "take", 1);
            out.extend(move_probe(
                world, index, scenarios, slot, &take, &sets, true,
            ));
        }
    }
    out
}

/// A value of the column's type that no synthetic row holds: a parent nobody belongs to
/// (foreign keys are off while a move runs).
fn orphan(table: &Table, column: &str) -> Option<String> {
    use crate::ir::ScalarType::*;
    Some(match table.column(column)?.ty.scalar {
        Uuid => "00000000-0000-4000-8000-00000000f00d".into(),
        SmallInt | Integer | BigInt | Serial { .. } | Identity { .. } => "999".into(),
        Text | Varchar { .. } | Char { .. } => "f00d".into(),
        _ => return None,
    })
}

/// A column and the value a move gives it.
type Assignment = (String, Option<String>);

/// `take`: run by the first scenario that may not update the row but may update it moved (the
/// move makes the row its own); none when no scenario may.
fn move_probe(
    world: &World,
    index: usize,
    scenarios: &[Scenario],
    slot: usize,
    scenario: &str,
    sets: &[Assignment],
    take: bool,
) -> Option<Probe> {
    let table = &world.system.tables[index];
    let name = qualified(&table.db_name);
    let row = &world.rows[index][slot];
    let updates =
        |row: &Row, context: &Context| expect::allows(world, index, Command::Update, row, context);
    let mut moved = row.clone();
    for (column, value) in sets {
        moved.insert(column.clone(), value.clone());
    }
    let reaches = |context: &Context| updates(row, context) == Some(true);
    let contexts: Vec<&Context> = scenarios.iter().map(|s| &s.context).collect();
    let takes = |c: &Context| updates(row, c) == Some(false) && updates(&moved, c) == Some(true);
    let context = match take {
        true => (*contexts.iter().find(|c| takes(c))?).clone(),
        false => contexts
            .iter()
            .find(|c| reaches(c) && updates(&moved, c) == Some(false))
            .or_else(|| contexts.iter().find(|c| reaches(c)))
            .or(contexts.first())
            .map_or_else(Context::default, |c| (*c).clone()),
    };
    // USING lets the row through or not; WITH CHECK then judges it moved.
    let expected = both(updates(row, &context), updates(&moved, &context));
    let others: Vec<String> = world.rows[index]
        .iter()
        .enumerate()
        .filter(|(s, _)| *s != slot)
        .map(|(_, r)| format!("DELETE FROM {name} WHERE {}", world.where_sql(index, r)))
        .collect();
    let assignments: Vec<String> = sets
        .iter()
        .map(|(c, v)| {
            format!(
                "{} = {}",
                quote_ident(c),
                world.literal(index, c, v.as_deref())
            )
        })
        .collect();
    Some(Probe {
        expected: allow(expected),
        prepare: others.join("; "),
        replica: true,
        ..Probe::new(
            Action::Row(Command::Update),
            scenario,
            &context,
            format!("UPDATE {name} SET {}", assignments.join(", ")),
        )
    })
}

/// The table handed to the application role (inside the probe's subtransaction) and read
/// with no context: FORCE keeps its owner under the policies; without it the owner sees all.
/// A new owner needs CREATE on the schema, unless a superuser hands the table over.
fn owner_probe(world: &World, index: usize) -> Probe {
    let name = &world.system.tables[index].db_name;
    let table = qualified(name);
    let role = quote_ident(&world.system.access.settings().app_role);
    let context = Context::default();
    Probe {
        expected: count(world, index, Command::Select, false, &context),
        prepare: format!(
            "GRANT CREATE ON SCHEMA {} TO {role}; ALTER TABLE {table} OWNER TO {role}",
            quote_ident(&name.schema)
        ),
        replica: true,
        ..Probe::new(
            Action::Every(Command::Select),
            OWNER_UNSET,
            &context,
            format!("SELECT 1 FROM {table}"),
        )
    }
}

/// TRUNCATE, REFERENCES (a foreign key to the table) and TRIGGER as the application role:
/// no rule grants them, and row level security does not stop them.
pub(super) fn privilege_probes(world: &World, index: usize) -> Vec<Probe> {
    let table = &world.system.tables[index];
    let name = qualified(&table.db_name);
    let role = quote_ident(&world.system.access.settings().app_role);
    let context = Context {
        tenant: Some(0),
        user: Some(0),
        role: None,
    };
    let scenario = "own";
    let usage = format!("GRANT USAGE ON SCHEMA schemagen_verify TO {role}");
    let mut out = vec![Probe::new(
        Action::Privilege(Privilege::Truncate),
        scenario,
        &context,
        format!("TRUNCATE {name}"),
    )];
    if let Some(pk) = &table.primary_key {
        let columns: Vec<String> = pk.columns.iter().map(|c| quote_ident(c)).collect();
        let columns = columns.join(", ");
        out.push(Probe {
            prepare: format!(
                "CREATE TABLE schemagen_verify.referrer AS SELECT {columns} FROM {name} WITH NO DATA; \
                 ALTER TABLE schemagen_verify.referrer OWNER TO {role}; {usage}"
            ),
            ..Probe::new(
                Action::Privilege(Privilege::References),
                scenario,
                &context,
                format!("ALTER TABLE schemagen_verify.referrer ADD FOREIGN KEY ({columns}) REFERENCES {name} ({columns})"),
            )
        });
    }
    out.push(Probe {
        prepare: usage,
        ..Probe::new(
            Action::Privilege(Privilege::Trigger),
            scenario,
            &context,
            format!("CREATE TRIGGER schemagen_verify_probe BEFORE INSERT ON {name} FOR EACH STATEMENT EXECUTE FUNCTION schemagen_verify.noop()"),
        )
    });
    for probe in &mut out {
        probe.expected = Some(Actual::Denied);
    }
    out
}

/// All probes of one table in one query; each result row is `probe number, outcome`.
pub(super) fn run_probes(
    world: &World,
    db: &mut Db,
    index: usize,
    probes: Vec<Probe>,
) -> Result<Vec<Cell>, String> {
    if probes.is_empty() {
        return Ok(Vec::new());
    }
    let settings = world.system.access.settings();
    let values: Vec<String> = probes
        .iter()
        .enumerate()
        .map(|(n, p)| {
            format!(
                "({n}, {}, {}, {})",
                quote_literal(&p.prepare),
                settings_array(world, &settings.context, &p.context, p.replica),
                quote_literal(&p.statement)
            )
        })
        .collect();
    let sql = format!(
        "SELECT n, schemagen_verify.probe(prepare, {}, settings, statement) FROM (VALUES {}) AS v(n, prepare, settings, statement) ORDER BY n",
        quote_literal(&settings.app_role),
        values.join(",\n")
    );
    let rows = db::query(db, &sql)?;
    let table = &world.system.tables[index];
    Ok(probes
        .into_iter()
        .zip(rows)
        .map(|(probe, row)| Cell {
            call: format!(
                "schemagen_verify.probe({}, {}, {}, {})",
                quote_literal(&probe.prepare),
                quote_literal(&settings.app_role),
                settings_array(world, &settings.context, &probe.context, probe.replica),
                quote_literal(&probe.statement)
            ),
            table: table.name.clone(),
            action: probe.action,
            scenario: probe.scenario,
            expected: probe.expected,
            actual: outcome(probe.action, row.get(1).map_or("", String::as_str)),
        })
        .collect())
}

fn outcome(action: Action, result: &str) -> Actual {
    if let Some(n) = result.strip_prefix("rows ") {
        let n: u64 = n.trim().parse().unwrap_or_default();
        return match action {
            Action::Every(_) => Actual::Rows(n),
            Action::Privilege(_) => Actual::Allowed,
            Action::Row(_) if n == 0 => Actual::Denied,
            Action::Row(_) => Actual::Allowed,
        };
    }
    let error = result.strip_prefix("error ").unwrap_or(result);
    let denied = match action {
        Action::Privilege(_) => error.starts_with("42501"),
        _ => error.starts_with("42501") && error.contains("row-level security"),
    };
    if denied {
        return Actual::Denied;
    }
    // The policy let the row through; a foreign key's action or a key the moved row collides
    // with then failed: integrity, not access (SQLSTATE class 23).
    let integrity =
        matches!(action, Action::Row(Command::Delete | Command::Update)) && error.starts_with("23");
    // TRUNCATE of a table that others reference is refused after the privilege check.
    let referenced = action == Action::Privilege(Privilege::Truncate) && error.starts_with("0A000");
    if integrity || referenced {
        return Actual::Allowed;
    }
    Actual::Error(error.to_string())
}

/// `ARRAY[name, value, ...]` for `set_config`, in the system's context style.
fn settings_array(
    world: &World,
    style: &AccessContext,
    context: &Context,
    replica: bool,
) -> String {
    let tenant = context.tenant.map(|t| world.tenant(t));
    let user = context.user.map(|u| world.user(u));
    let mut pairs: Vec<(String, String)> = Vec::new();
    if replica {
        pairs.push(("session_replication_role".into(), "replica".into()));
    }
    match style {
        AccessContext::Settings {
            tenant: tenant_setting,
            user: user_setting,
            role: role_setting,
        } => {
            let given = [
                (tenant_setting, tenant),
                (user_setting, user),
                (role_setting, context.role.clone()),
            ];
            for (name, value) in given {
                if let Some(value) = value {
                    pairs.push((name.clone(), value));
                }
            }
        }
        AccessContext::Supabase {
            tenant_claim,
            role_claim,
        } => {
            let mut claims = serde_json::Map::new();
            if let Some(user) = user {
                claims.insert("sub".into(), user.into());
            }
            if let Some(tenant) = tenant {
                claims.insert(tenant_claim.clone(), tenant.into());
            }
            if let Some(role) = &context.role {
                claims.insert(role_claim.clone(), role.clone().into());
            }
            if !claims.is_empty() {
                pairs.push((
                    "request.jwt.claims".into(),
                    serde_json::Value::Object(claims).to_string(),
                ));
            }
        }
    }
    let items: Vec<String> = pairs
        .iter()
        .flat_map(|(n, v)| [quote_literal(n), quote_literal(v)])
        .collect();
    format!("ARRAY[{}]::text[]", items.join(", "))
}
