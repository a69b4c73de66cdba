//! The behavioural probes: per policed table, command and scenario, one statement run as the
//! application role inside a subtransaction that is always rolled back, and the outcome
//! compared with what the declared rules allow.

use super::{db, expect, Actual, Cell, Scenario, MOVE};
use crate::db::Db;
use crate::ir::access::{Command, Context as AccessContext, RuleKind};
use crate::render::postgres::rls::{qualified, quote_literal};
use crate::render::quote_ident;
use crate::synth::{Row, World};
use expect::Context;

pub(super) struct Probe {
    command: Command,
    scenario: String,
    context: Context,
    expected: Option<bool>,
    prepare: String,
    statement: String,
}

pub(super) fn probes(world: &World, index: usize, scenarios: &[Scenario]) -> Vec<Probe> {
    let table = &world.system.tables[index];
    let name = qualified(&table.db_name);
    let mut out = Vec::new();
    let allows =
        |command, row: &Row, context: &Context| expect::allows(world, index, command, row, context);
    let both = |a: Option<bool>, b: Option<bool>| match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    };
    let touch = table
        .columns
        .first()
        .map(|c| quote_ident(&c.db_name))
        .unwrap_or_default();
    for scenario in scenarios {
        let row = &world.rows[index][scenario.slot];
        let filter = world.where_sql(index, row);
        let context = &scenario.context;
        // UPDATE and DELETE read the row (WHERE), so the SELECT policy applies to them too.
        let visible = allows(Command::Select, row, context);
        for command in Command::ALL {
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
            out.push(Probe {
                command,
                scenario: scenario.name.clone(),
                context: context.clone(),
                expected,
                prepare,
                statement,
            });
        }
    }
    if let Some(probe) = move_probe(world, index) {
        out.push(probe);
    }
    out
}

/// Own row, as its own tenant, rewritten to belong to the other tenant.
fn move_probe(world: &World, index: usize) -> Option<Probe> {
    let table = &world.system.tables[index];
    let entry = world.system.access.table(&table.db_name)?;
    let columns: Vec<&str> = entry
        .rules
        .iter()
        .filter(|r| r.commands.contains(&Command::Update))
        .filter_map(|r| match &r.kind {
            RuleKind::Tenant { field } => Some(field.column.as_str()),
            _ => None,
        })
        .collect();
    if columns.is_empty() {
        return None;
    }
    let context = Context {
        tenant: Some(0),
        user: Some(0),
        role: None,
    };
    let old = &world.rows[index][0];
    let mut new = old.clone();
    let other = world.tenant(1);
    for c in &columns {
        new.insert(c.to_string(), Some(other.clone()));
    }
    let allows = |row: &Row, command| expect::allows(world, index, command, row, &context);
    let expected = [
        allows(old, Command::Select),
        allows(old, Command::Update),
        allows(&new, Command::Update),
    ]
    .into_iter()
    .try_fold(true, |all, e| e.map(|e| all && e));
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{} = {}", quote_ident(c), quote_literal(&other)))
        .collect();
    Some(Probe {
        command: Command::Update,
        scenario: MOVE.into(),
        context,
        expected,
        prepare: String::new(),
        statement: format!(
            "UPDATE {} SET {} WHERE {}",
            qualified(&table.db_name),
            sets.join(", "),
            world.where_sql(index, old)
        ),
    })
}

/// All probes of one table in one query; each result row is `probe number, outcome`.
pub(super) fn run_probes(
    world: &World,
    db: &mut Db,
    index: usize,
    probes: Vec<Probe>,
) -> Result<Vec<Cell>, String> {
    let settings = world.system.access.settings();
    let values: Vec<String> = probes
        .iter()
        .enumerate()
        .map(|(n, p)| {
            format!(
                "({n}, {}, {}, {})",
                quote_literal(&p.prepare),
                settings_array(world, &settings.context, &p.context),
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
            table: table.name.clone(),
            command: probe.command,
            scenario: probe.scenario,
            expected: probe.expected,
            actual: outcome(probe.command, row.get(1).map_or("", String::as_str)),
        })
        .collect())
}

fn outcome(command: Command, result: &str) -> Actual {
    if let Some(n) = result.strip_prefix("rows ") {
        return if n.trim() == "0" {
            Actual::Denied
        } else {
            Actual::Allowed
        };
    }
    let error = result.strip_prefix("error ").unwrap_or(result);
    if error.starts_with("42501") && error.contains("row-level security") {
        return Actual::Denied;
    }
    // The policy let the delete through; a foreign key's action then failed (RESTRICT, or
    // SET NULL on a required column): integrity, not access (SQLSTATE class 23).
    if command == Command::Delete && error.starts_with("23") {
        return Actual::Allowed;
    }
    Actual::Error(error.to_string())
}

/// `ARRAY[name, value, ...]` for `set_config`, in the system's context style.
fn settings_array(world: &World, style: &AccessContext, context: &Context) -> String {
    let tenant = context.tenant.map(|t| world.tenant(t));
    let user = context.user.map(|u| world.user(u));
    let mut pairs: Vec<(String, String)> = Vec::new();
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
