//! `schemagen verify`: proves a system's access rules against a real Postgres.
//!
//! Fresh database → every migration → synthetic rows for two tenants and two users →
//! for each policed table, command and scenario (own row, another user's, another tenant's,
//! unset context, each role), what the declared rules expect ([`expect`]) against what
//! Postgres does, run as the non-superuser application role. Each probe runs inside a
//! subtransaction that is always rolled back, so probes never see each other's writes.

mod db;
pub mod expect;
pub mod mutate;
mod probe;

use crate::db::Db;
pub use db::Database;

use crate::ir::access::Command;
use crate::ir::System;
use crate::render::postgres::rls::{qualified, quote_literal};
use crate::render::quote_ident;
use crate::synth::{self as data, World};
use expect::Context;

/// What happened when a probe ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actual {
    Allowed,
    Denied,
    /// The rows a statement over the whole table saw or changed.
    Rows(u64),
    /// Postgres failed for another reason than a policy (a missing GRANT, a bad cast...).
    Error(String),
}

/// What a probe does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The command on one row, found by its key: the WHERE reads the row, so for UPDATE and
    /// DELETE the SELECT policy joins in.
    Row(Command),
    /// The command on every row, reading no column: only the command's own policy decides,
    /// and the cell counts the rows it let through.
    Every(Command),
    /// A privilege row level security does not govern.
    Privilege(Privilege),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Privilege {
    Truncate,
    References,
    Trigger,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Row(command) => command.name(),
            Action::Every(Command::Select) => "select all",
            Action::Every(Command::Insert) => "insert all",
            Action::Every(Command::Update) => "update all",
            Action::Every(Command::Delete) => "delete all",
            Action::Privilege(Privilege::Truncate) => "truncate",
            Action::Privilege(Privilege::References) => "references",
            Action::Privilege(Privilege::Trigger) => "trigger",
        }
    }
}

/// One probe: a table, an action, a scenario; what the rules declare and what Postgres did.
#[derive(Debug, Clone)]
pub struct Cell {
    pub table: String,
    pub action: Action,
    pub scenario: String,
    /// `None` when a raw `sql` rule decides: shown, never counted as a mismatch.
    pub expected: Option<Actual>,
    pub actual: Actual,
}

impl Cell {
    pub fn is_mismatch(&self) -> bool {
        match (&self.actual, &self.expected) {
            (Actual::Error(_), _) => true,
            (_, None) => false,
            (actual, Some(expected)) => actual != expected,
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub system: String,
    pub scenarios: Vec<String>,
    pub cells: Vec<Cell>,
    /// Encrypted columns checked, shared tables skipped, and the like.
    pub notes: Vec<String>,
}

impl Report {
    pub fn mismatches(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.is_mismatch())
    }
    pub fn passed(&self) -> bool {
        self.mismatches().next().is_none() && !self.notes.iter().any(|n| n.starts_with("FAIL"))
    }
}

/// The migrations of `system` in a rendered tree (`<system>/migrations/*.sql`), in order.
pub fn migrations_in(files: &crate::write::Tree, system: &str) -> Vec<(String, String)> {
    let prefix = format!("{system}/migrations/");
    files
        .iter()
        .filter(|(path, _)| path.starts_with(&prefix) && path.ends_with(".sql"))
        .map(|(path, sql)| (path.clone(), sql.clone()))
        .collect()
}

/// Verifies the systems of a generated run (all, or the one named), each in a fresh
/// database: a throwaway cluster, or the empty database at `url` (one system only).
pub fn verify_run(
    run: &crate::Run,
    only: Option<&str>,
    url: Option<&str>,
) -> Result<Vec<Report>, String> {
    let systems: Vec<&System> = run
        .systems
        .iter()
        .filter(|s| only.is_none_or(|name| s.name == name))
        .collect();
    if systems.is_empty() {
        let known: Vec<&str> = run.systems.iter().map(|s| s.name.as_str()).collect();
        return Err(format!(
            "no system named `{}`; systems: {}",
            only.unwrap_or_default(),
            known.join(", ")
        ));
    }
    if url.is_some() && systems.len() > 1 {
        return Err(
            "--database-url verifies one system: name it (`schemagen verify <SYSTEM>`)".into(),
        );
    }
    systems
        .into_iter()
        .map(|system| {
            let db = match url {
                Some(url) => Database::Url(url.to_string()),
                None => Database::throwaway()?,
            };
            verify(system, &migrations_in(&run.files, &system.name), &db)
                .map_err(|e| format!("{}: {e}", system.name))
        })
        .collect()
}

/// Runs the whole proof. `Err` is a setup failure (a migration, the synthetic rows), said
/// in words; a policy that misbehaves is a mismatch in the report, not an error.
pub fn verify(
    system: &System,
    migrations: &[(String, String)],
    database: &Database,
) -> Result<Report, String> {
    let db = &mut database.connect()?;
    let settings = system.access.settings();
    for (name, sql) in migrations {
        db::run_script(db, name, sql).map_err(|e| format!("migration {name} failed: {e}"))?;
    }
    if !migrations
        .iter()
        .any(|(_, sql)| sql.contains("ROW LEVEL SECURITY"))
    {
        // The migrations predate the access rules: apply the policies as they would be.
        let rls = crate::render::postgres::rls::statements(system).join("\n");
        db::run_script(db, "access.sql", &rls)
            .map_err(|e| format!("the access statements failed: {e}"))?;
    }
    application_role(db, &settings.app_role)?;
    db::execute(db, PROBE_FUNCTION).map_err(|e| format!("creating the probe function: {e}"))?;
    let mut world = World::new(system);
    seed(&mut world, db)?;

    let mut report = Report {
        system: system.name.clone(),
        ..Report::default()
    };
    for problem in &world.problems {
        report.notes.push(format!("FAIL {problem}"));
    }
    check_encrypted(&world, db, &mut report)?;
    let scenarios = scenarios(system);
    report.scenarios = scenarios.iter().map(|s| s.name.clone()).collect();
    report
        .scenarios
        .extend(probe::EXTRA_SCENARIOS.iter().map(|s| s.to_string()));
    let mut shared = Vec::new();
    for (index, table) in system.tables.iter().enumerate() {
        // Every table the application role is granted: privileges beyond the four commands.
        let mut probes = probe::privilege_probes(&world, index);
        match system.access.table(&table.db_name) {
            Some(entry) if entry.shared => shared.push(table.name.as_str()),
            None => {}
            Some(_) => {
                let mut policed = probe::probes(&world, index, &scenarios);
                if let Some(others) = rows_besides_synthetic(&world, db, index)? {
                    probe::unjudge_whole_table(&mut policed);
                    report.notes.push(format!(
                        "{}: holds {others} rows besides the synthetic ones (a migration inserts rows?): \
                         the probes over every row are shown, not judged",
                        table.name
                    ));
                }
                probes.extend(policed);
            }
        }
        report
            .cells
            .extend(probe::run_probes(&world, db, index, probes)?);
    }
    if !shared.is_empty() {
        let names = shared.join(", ");
        report
            .notes
            .push(format!("shared, without policies: {names}"));
    }
    Ok(report)
}

/// Runs `statement` as `app_role` with the given settings, then undoes everything by raising;
/// returns `rows <n>` or `error <sqlstate> <message>`. `prepare` runs first, as the caller,
/// with triggers off (to delete a row that an insert probe re-inserts, to hand the table to
/// the application role). `noop` is the trigger function the TRIGGER privilege probe names.
const PROBE_FUNCTION: &str = r#"CREATE SCHEMA IF NOT EXISTS schemagen_verify;
CREATE OR REPLACE FUNCTION schemagen_verify.probe(prepare text, app_role text, settings text[], statement text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  i int;
BEGIN
  BEGIN
    IF prepare <> '' THEN
      PERFORM set_config('session_replication_role', 'replica', true);
      EXECUTE prepare;
      PERFORM set_config('session_replication_role', 'origin', true);
    END IF;
    FOR i IN 1 .. coalesce(array_length(settings, 1), 0) / 2 LOOP
      PERFORM set_config(settings[2 * i - 1], settings[2 * i], true);
    END LOOP;
    PERFORM set_config('role', app_role, true);
    EXECUTE statement;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE EXCEPTION USING ERRCODE = 'SGV01', MESSAGE = n::text;
  EXCEPTION
    WHEN SQLSTATE 'SGV01' THEN RETURN 'rows ' || SQLERRM;
    WHEN OTHERS THEN RETURN 'error ' || SQLSTATE || ' ' || SQLERRM;
  END;
END $$;
CREATE OR REPLACE FUNCTION schemagen_verify.noop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RETURN NULL;
END $$;"#;

/// How many rows the table holds besides the synthetic ones, when it holds any: the counts
/// expect the synthetic rows alone.
fn rows_besides_synthetic(world: &World, db: &mut Db, index: usize) -> Result<Option<u64>, String> {
    let table = qualified(&world.system.tables[index].db_name);
    let rows = db::query(db, &format!("SELECT count(*) FROM {table}"))?;
    let count: u64 = rows
        .first()
        .and_then(|r| r.first())
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    let synthetic = world.rows[index].len() as u64;
    Ok((count != synthetic).then(|| count.saturating_sub(synthetic)))
}

/// The application role must exist and must not skip the policies.
fn application_role(db: &mut Db, role: &str) -> Result<(), String> {
    let rows = db::query(
        db,
        &format!(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = {}",
            quote_literal(role)
        ),
    )?;
    match rows.first().and_then(|r| r.first()).map(String::as_str) {
        None => db::execute(db, &format!("CREATE ROLE {} NOLOGIN", quote_ident(role))),
        Some("f") => Ok(()),
        Some(_) => Err(format!(
            "the application role `{role}` is a superuser or bypasses RLS: policies never apply to it; \
             set `app_role` in the system's `access:` settings to the role the application connects as"
        )),
    }
}

/// Inserts both rows of every table, parents first, as the superuser (policies do not apply).
/// Optional references start empty; when a check rejects the rows, each one alone and then
/// all of them are filled in turn (a check such as "exactly one of poll_id, contribution_id").
fn seed(world: &mut World, db: &mut Db) -> Result<(), String> {
    for index in world.order.clone() {
        let optional = world.optional[index].clone();
        let mut attempts: Vec<Vec<usize>> = vec![Vec::new()];
        attempts.extend((0..optional.len()).map(|i| vec![i]));
        if optional.len() > 1 {
            attempts.push((0..optional.len()).collect());
        }
        let mut error = String::new();
        for filled in attempts {
            let mut rows = world.rows[index].clone();
            for &i in &filled {
                let (column, values) = &optional[i];
                for (row, value) in rows.iter_mut().zip(values) {
                    row.insert(column.clone(), value.clone());
                }
            }
            let mut sql = String::new();
            if world.cyclic {
                // Foreign keys form a cycle: no order satisfies them row by row.
                sql.push_str("SET session_replication_role = replica;\n");
            }
            for row in &rows {
                sql.push_str(&world.insert_sql(index, row));
                sql.push_str(";\n");
            }
            if world.cyclic {
                // One session runs everything: the probes need foreign keys checked again.
                sql.push_str("SET session_replication_role = origin;\n");
            }
            match db::execute(db, &sql) {
                Ok(()) => {
                    world.rows[index] = rows;
                    error.clear();
                    break;
                }
                Err(e) => error = e,
            }
        }
        if !error.is_empty() {
            let table = &world.system.tables[index];
            let hint = if error.contains("check constraint") {
                "\nverify picks simple values (1, 2, the first quoted literal of a check); this check needs \
                 a value it could not guess: the rules of this table are not verified until it can"
            } else {
                ""
            };
            return Err(format!(
                "cannot synthesize rows for {} ({}): {error}{hint}",
                table.name,
                qualified(&table.db_name)
            ));
        }
    }
    Ok(())
}

/// Encrypted columns must not hold their plaintext, and must decrypt with the key.
fn check_encrypted(world: &World, db: &mut Db, report: &mut Report) -> Result<(), String> {
    for (index, column) in world.encrypted() {
        let table = &world.system.tables[*index];
        let mut ok = true;
        for row in &world.rows[*index] {
            let Some(Some(plain)) = row.get(column) else {
                continue;
            };
            let sql = format!(
                "SELECT position(convert_to({p}, 'UTF8') in {c}) = 0, decrypt_secret({c}, {k}) = {p} FROM {t} WHERE {w}",
                p = quote_literal(plain),
                c = quote_ident(column),
                k = quote_literal(data::KEY),
                t = qualified(&table.db_name),
                w = world.where_sql(*index, row),
            );
            let rows = db::query(db, &sql)?;
            ok &= rows.first().is_some_and(|r| r.iter().all(|v| v == "t"));
        }
        report.notes.push(if ok {
            format!("{}.{column}: encrypted: the stored bytes do not contain the plaintext, and decrypt with the key", table.name)
        } else {
            format!("FAIL {}.{column}: encrypted, but the plaintext is readable in the stored bytes or does not decrypt", table.name)
        });
    }
    Ok(())
}

/// A role value no rule names: a role check that lets any role through shows with it.
fn unnamed_role(named: &[String]) -> String {
    let mut role = "verify-unnamed-role".to_string();
    while named.contains(&role) {
        role.push('_');
    }
    role
}

/// The user no synthetic row names (users 0 and 1 own, author and join the rows).
const STRANGER: usize = 2;

/// A context and the row it is aimed at (slot 0 or 1).
struct Scenario {
    name: String,
    context: Context,
    slot: usize,
}

fn scenarios(system: &System) -> Vec<Scenario> {
    let at = |tenant: Option<usize>, user: Option<usize>, role: Option<&str>| Context {
        tenant,
        user,
        role: role.map(str::to_string),
    };
    let mut out = vec![
        Scenario {
            name: "own".into(),
            context: at(Some(0), Some(0), None),
            slot: 0,
        },
        Scenario {
            name: "other user".into(),
            context: at(Some(0), Some(1), None),
            slot: 0,
        },
        Scenario {
            name: "stranger".into(),
            context: at(Some(0), Some(STRANGER), None),
            slot: 0,
        },
        Scenario {
            name: "other tenant".into(),
            context: at(Some(0), Some(0), None),
            slot: 1,
        },
        Scenario {
            name: "unset".into(),
            context: Context::default(),
            slot: 0,
        },
        // Row 2's nullable tenant and owner columns are NULL: nothing may match an unset context.
        Scenario {
            name: "unset, row 2".into(),
            context: Context::default(),
            slot: 1,
        },
    ];
    let mut roles = mutate::named_roles(system);
    roles.push(unnamed_role(&roles));
    // A role is probed with a user no row names, so what it sees is the role's doing.
    for role in &roles {
        let role = role.as_str();
        out.push(Scenario {
            name: format!("{role}, stranger"),
            context: at(Some(0), Some(STRANGER), Some(role)),
            slot: 0,
        });
        out.push(Scenario {
            name: format!("{role}, other tenant"),
            context: at(Some(0), Some(STRANGER), Some(role)),
            slot: 1,
        });
    }
    out
}

/// The matrix: one line per table and command, one column per scenario. A cell shows what
/// Postgres did; `✗` marks a mismatch (listed below the matrix), `?` a raw-SQL expectation.
pub fn human(report: &Report) -> String {
    let mut out = format!("verify {}\n", report.system);
    let mut header = vec!["table".to_string(), "command".to_string()];
    header.extend(report.scenarios.iter().cloned());
    let mut lines = vec![header];
    // Cells by (table, command, scenario); rows in the order the tables were probed.
    let mut cells: std::collections::HashMap<(&str, Action, &str), &Cell> =
        std::collections::HashMap::new();
    let mut keys: Vec<(&str, Action)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in &report.cells {
        if seen.insert((c.table.as_str(), c.action)) {
            keys.push((c.table.as_str(), c.action));
        }
        cells.insert((c.table.as_str(), c.action, c.scenario.as_str()), c);
    }
    for (table, action) in keys {
        let mut line = vec![table.to_string(), action.name().to_string()];
        for scenario in &report.scenarios {
            let cell = cells.get(&(table, action, scenario.as_str()));
            line.push(cell.map_or_else(|| "-".to_string(), |c| cell_text(c)));
        }
        lines.push(line);
    }
    out.push_str(&crate::terminal::columns(&lines, ""));
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    let mismatches: Vec<&Cell> = report.mismatches().collect();
    for cell in &mismatches {
        out.push_str(&format!(
            "MISMATCH {} {} ({}): expected {}, actual {}\n",
            cell.table,
            cell.action.name(),
            cell.scenario,
            expected_text(cell.expected.as_ref()),
            actual_text(&cell.actual)
        ));
    }
    out.push_str(&format!(
        "{}: {} probes, {} mismatches\n",
        if report.passed() { "ok" } else { "FAILED" },
        report.cells.len(),
        mismatches.len()
    ));
    out
}

fn cell_text(cell: &Cell) -> String {
    let actual = match &cell.actual {
        Actual::Allowed => "allow".to_string(),
        Actual::Denied => "deny".to_string(),
        Actual::Rows(n) => n.to_string(),
        Actual::Error(_) => "error".to_string(),
    };
    if cell.is_mismatch() {
        format!("{actual} ✗")
    } else if cell.expected.is_none() {
        format!("{actual} ?")
    } else {
        actual
    }
}

fn expected_text(expected: Option<&Actual>) -> String {
    match expected {
        Some(actual) => actual_text(actual),
        None => "unknown (sql rule)".into(),
    }
}

fn actual_text(actual: &Actual) -> String {
    match actual {
        Actual::Allowed => "allow".into(),
        Actual::Denied => "deny".into(),
        Actual::Rows(1) => "1 row".into(),
        Actual::Rows(n) => format!("{n} rows"),
        Actual::Error(e) => format!("error: {e}"),
    }
}

pub fn json(report: &Report) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = report
        .cells
        .iter()
        .map(|c| {
            serde_json::json!({
                "table": c.table,
                "command": c.action.name(),
                "scenario": c.scenario,
                "expected": c.expected.as_ref().map(actual_text),
                "actual": actual_text(&c.actual),
                "ok": !c.is_mismatch(),
            })
        })
        .collect();
    serde_json::json!({
        "system": report.system,
        "passed": report.passed(),
        "mismatches": report.mismatches().count(),
        "cells": cells,
        "notes": report.notes,
    })
}
