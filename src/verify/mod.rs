//! `schemagen verify`: proves a system's access rules against a real Postgres.
//!
//! Structure first ([`structure`]): the database's RLS flags, policies and privileges must be
//! what the rules render. Then behaviour: synthetic rows for two tenants and two users, and
//! for each policed table, command and scenario (own row, another user's, another tenant's,
//! unset context, each role), what the declared rules expect ([`expect`]) against what
//! Postgres does, run as the non-superuser application role. Everything behavioural runs in
//! one transaction rolled back at the end, each probe in a subtransaction of its own, so
//! probes never see each other's writes and an existing database (`--existing`) keeps none.
//!
//! The database judged is the one given: a fresh one built by the system's migrations, or an
//! existing one as it is. Nothing the migrations lack is added to make the proof pass.

mod db;
pub mod expect;
pub mod markdown;
pub mod mutate;
pub mod pgtap;
mod probe;
pub mod structure;

use crate::db::Db;
pub use db::Database;

use crate::catalog::{Catalog, Scope};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::access::{Command, RuleKind};
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
    /// `None` when a raw `sql` rule without `expect:` decides: shown, never counted as a mismatch
    /// (the rule itself fails the proof, E0724).
    pub expected: Option<Actual>,
    pub actual: Actual,
    /// The call that ran the probe (`schemagen_verify.probe(…)`), for `--emit pgtap`.
    pub call: String,
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
    /// False when the system declares no access at all: there is nothing to prove.
    pub declares_access: bool,
    /// Where the database's access differs from what the rules render.
    pub structure: Vec<structure::Difference>,
    pub scenarios: Vec<String>,
    pub cells: Vec<Cell>,
    /// Encrypted columns checked, shared tables skipped, and the like.
    pub notes: Vec<String>,
    /// The statements that put the synthetic rows in, in order, for `--emit pgtap`.
    pub seed_sql: Vec<String>,
}

impl Report {
    pub fn mismatches(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.is_mismatch())
    }
    pub fn passed(&self) -> bool {
        self.structure.is_empty()
            && self.mismatches().next().is_none()
            && !self.notes.iter().any(|n| n.starts_with("FAIL"))
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

/// Where verify proves a system: a fresh database it migrates itself (a throwaway cluster, or
/// the empty database at a URL), or an existing database it must leave exactly as it was.
pub enum Target {
    Fresh(Database),
    Existing(String),
}

/// Verifies the systems of a generated run (all, or the one named), each in a fresh
/// database (a throwaway cluster, or the empty database at `url`), or, with `existing`, the
/// database at `url` as it is (one system only either way).
pub fn verify_run(
    run: &crate::Run,
    only: Option<&str>,
    url: Option<&str>,
    existing: bool,
) -> Result<Vec<Report>, Diagnostic> {
    let systems: Vec<&System> = run
        .systems
        .iter()
        .filter(|s| only.is_none_or(|name| s.name == name))
        .collect();
    let known: Vec<&str> = run.systems.iter().map(|s| s.name.as_str()).collect();
    if systems.is_empty() {
        return Err(Diagnostic::global(
            Code::NoSuchSystem,
            format!("no system named `{}`", only.unwrap_or_default()),
        )
        .with_help(format!("systems: {}", known.join(", "))));
    }
    if url.is_some() && systems.len() > 1 {
        return Err(Diagnostic::global(
            Code::NoSuchSystem,
            "--database-url verifies one system, and none is named",
        )
        .with_help(format!(
            "name it: `schemagen verify <SYSTEM> --database-url …`; systems: {}",
            known.join(", ")
        )));
    }
    systems
        .into_iter()
        .map(|system| {
            let migrations = migrations_in(&run.files, &system.name);
            let target = match (url, existing) {
                (Some(url), true) => Target::Existing(url.to_string()),
                (Some(url), false) => Target::Fresh(Database::Url(url.to_string())),
                (None, _) => Target::Fresh(Database::throwaway().map_err(setup(system))?),
            };
            prove(system, &migrations, &target)
        })
        .collect()
}

/// Runs the whole proof in a fresh database: the migrations, then the structure, then the
/// behaviour. A policy that misbehaves is a finding in the report; `Err` is a database that
/// cannot be used or a setup that failed (a migration, the synthetic rows).
pub fn verify(
    system: &System,
    migrations: &[(String, String)],
    database: &Database,
) -> Result<Report, Diagnostic> {
    let mut db = database.connect().map_err(setup(system))?;
    let mut scratch = database.scratch().map_err(setup(system))?;
    verify_in(system, migrations, &mut db, &mut scratch.db)
}

/// [`verify`] on two empty databases of one cluster: `db`, which the migrations build and
/// the proof judges, and `scratch`, where the expected side is built.
pub fn verify_in(
    system: &System,
    migrations: &[(String, String)],
    db: &mut Db,
    scratch: &mut Db,
) -> Result<Report, Diagnostic> {
    migrate(system, migrations, db)?;
    let roles = crate::catalog::cluster_roles(db)
        .map_err(|e| format!("reading the roles: {e}"))
        .map_err(setup(system))?;
    let expected =
        structure::expected(scratch, system, migrations, &roles).map_err(setup(system))?;
    judge_migrated(system, db, &expected)
}

/// [`verify_in`] with the expected side built beforehand (by [`structure::expected`], from
/// migrations that differ from these at most in access, which it takes back): for a caller
/// that proves many variants of one system's migrations (the mutation test).
pub fn verify_against(
    system: &System,
    migrations: &[(String, String)],
    db: &mut Db,
    expected: &structure::Expected,
) -> Result<Report, Diagnostic> {
    migrate(system, migrations, db)?;
    judge_migrated(system, db, expected)
}

/// Applies the migrations to `db`, which must be empty.
fn migrate(
    system: &System,
    migrations: &[(String, String)],
    db: &mut Db,
) -> Result<(), Diagnostic> {
    refuse_unless_empty(system, db)?;
    for (name, sql) in migrations {
        db::run_script(db, name, sql)
            .map_err(|e| format!("migration {name} failed: {e}"))
            .map_err(setup(system))?;
    }
    Ok(())
}

/// The structure of the migrated `db` against the expected side, then the behaviour.
fn judge_migrated(
    system: &System,
    db: &mut Db,
    expected: &structure::Expected,
) -> Result<Report, Diagnostic> {
    let actual = read_catalog(system, db)?;
    let app_role = system.access.settings().app_role;
    let differences = structure::compare(&actual, &expected.rules, &app_role);
    behave(system, db, differences, 0)
}

/// Proves the database at `url` as it is, changing nothing: it must be at the system's
/// latest migration (its tables, access aside, are what the migrations build); the probes
/// run in one transaction that is rolled back.
pub fn verify_existing(
    system: &System,
    migrations: &[(String, String)],
    url: &str,
) -> Result<Report, Diagnostic> {
    let mut db = Db::connect(url).map_err(|e| {
        Diagnostic::global(
            Code::DatabaseError,
            format!("{}: connecting: {e}", system.name),
        )
        .with_help("check the URL, and that the database accepts connections from here")
    })?;
    refuse_unless_able(system, &mut db)?;
    let roles = crate::catalog::cluster_roles(&mut db)
        .map_err(|e| format!("reading the roles: {e}"))
        .map_err(setup(system))?;
    let mut scratch = Database::Url(url.to_string())
        .scratch()
        .map_err(setup(system))?;
    let expected =
        structure::expected(&mut scratch.db, system, migrations, &roles).map_err(setup(system))?;
    let actual = read_catalog(system, &mut db)?;
    let drift = crate::catalog::diff::compare(
        &actual.without_access(),
        &expected.migrations.without_access(),
    );
    if !drift.is_empty() {
        return Err(behind(system, &drift));
    }
    let app_role = system.access.settings().app_role;
    let differences = structure::compare(&actual, &expected.rules, &app_role);
    let base = integer_key_base(system, &mut db).map_err(setup(system))?;
    behave(system, &mut db, differences, base)
}

/// The raw `sql` rules that declare no `expect:`: verify shows what Postgres does with them
/// but cannot judge it, so the proof fails until each says what it allows.
pub fn unexplained_sql_rules(system: &System) -> Vec<Diagnostic> {
    let names: std::collections::HashMap<_, _> = system
        .tables
        .iter()
        .map(|t| (&t.db_name, &t.name))
        .collect();
    let mut out = Vec::new();
    for entry in &system.access.tables {
        let table = names
            .get(&entry.table)
            .map_or(entry.table.name.as_str(), |n| n.as_str());
        for rule in &entry.rules {
            if let RuleKind::Sql { expect, .. } = &rule.kind {
                if expect.0.is_none() {
                    out.push(
                        Diagnostic::error(
                            Code::SqlRuleWithoutExpect,
                            rule.span,
                            "verify cannot read SQL: this raw `sql` rule must say what it allows",
                        )
                        .at_path(format!("{table}.access"))
                        .with_help(
                            "add `expect:` beside `sql:`, the conditions under which the SQL holds, e.g. \
                             `expect: { readable: projectId }` (the row projectId points at is readable) or \
                             `expect: { readable: projectId, owner: projectId.ownerId }`; see docs/access.md",
                        ),
                    );
                }
            }
        }
    }
    out
}

/// Either kind of target.
pub fn prove(
    system: &System,
    migrations: &[(String, String)],
    target: &Target,
) -> Result<Report, Diagnostic> {
    match target {
        Target::Fresh(database) => verify(system, migrations, database),
        Target::Existing(url) => verify_existing(system, migrations, url),
    }
}

/// The structural findings, then the behavioural proof in one transaction rolled back at the
/// end (synthetic rows, the application role when created, the probe function: all undone).
/// `base`: see [`World::above`].
fn behave(
    system: &System,
    db: &mut Db,
    structure: Vec<structure::Difference>,
    base: i64,
) -> Result<Report, Diagnostic> {
    let mut report = Report {
        system: system.name.clone(),
        declares_access: !system.access.is_empty(),
        structure,
        ..Report::default()
    };
    if !report.declares_access {
        // Nothing was declared, so there is nothing to hold the database to.
        report.structure.clear();
        return Ok(report);
    }
    let unexplained = unexplained_sql_rules(system);
    report.notes.extend(unexplained.iter().map(|d| {
        let path = d.path.as_deref().unwrap_or_default();
        format!("FAIL {} {path}: {}", d.code.as_str(), d.message)
    }));
    // A live database may be busy: wait at most this long for a row or table lock, then fail
    // (E0723) rather than hang behind the application.
    db::execute(db, "BEGIN; SET LOCAL lock_timeout = '10s'").map_err(setup(system))?;
    let outcome = probe_all(system, db, &mut report, base);
    db::execute(db, "ROLLBACK").map_err(setup(system))?;
    outcome.map_err(setup(system))?;
    for table in unproved_tables(system, &report.cells) {
        report.notes.push(format!(
            "FAIL {table}: 0 probes judged its access rules, yet it has some: nothing about them was proved"
        ));
    }
    Ok(report)
}

/// The policed tables (rules, not shared) on which no probe of a command was judged against
/// the rules: their rules were not proved, whatever else passed. Tables whose raw `sql` rule
/// lacks `expect:` are left out: that rule fails the proof already (E0724).
fn unproved_tables<'a>(system: &'a System, cells: &[Cell]) -> Vec<&'a str> {
    let judged: std::collections::HashSet<&str> = cells
        .iter()
        .filter(|c| c.expected.is_some() && !matches!(c.action, Action::Privilege(_)))
        .map(|c| c.table.as_str())
        .collect();
    let unexplained = |rules: &[crate::ir::access::Rule]| {
        rules
            .iter()
            .any(|r| matches!(&r.kind, RuleKind::Sql { expect, .. } if expect.0.is_none()))
    };
    system
        .tables
        .iter()
        .filter(|t| {
            system
                .access
                .table(&t.db_name)
                .is_some_and(|e| !e.shared && !e.rules.is_empty() && !unexplained(&e.rules))
        })
        .map(|t| t.name.as_str())
        .filter(|name| !judged.contains(name))
        .collect()
}

/// The application role, the probe function, synthetic rows, then every probe.
fn probe_all(system: &System, db: &mut Db, report: &mut Report, base: i64) -> Result<(), String> {
    let settings = system.access.settings();
    application_role(db, &settings.app_role)?;
    db::execute(db, PROBE_FUNCTION).map_err(|e| format!("creating the probe function: {e}"))?;
    let mut world = World::above(system, base);
    report.seed_sql = seed(&mut world, db)?;
    for problem in &world.problems {
        report.notes.push(format!("FAIL {problem}"));
    }
    check_encrypted(&world, db, report)?;
    let scenarios = scenarios(system);
    report.scenarios = scenarios.iter().map(|s| s.name.clone()).collect();
    report
        .scenarios
        .extend(probe::EXTRA_SCENARIOS.iter().map(|s| s.to_string()));
    let mut shared = Vec::new();
    for (index, table) in system.tables.iter().enumerate() {
        // Every table the application role is granted: privileges beyond the four commands.
        let mut probes = probe::privilege_probes(&world, index);
        let policed = match system.access.table(&table.db_name) {
            Some(entry) if entry.shared => {
                shared.push(table.name.as_str());
                false
            }
            None => false,
            Some(_) => {
                probes.extend(probe::probes(&world, index, &scenarios));
                true
            }
        };
        // The probes over every row count the synthetic rows: the table's own rows (staging's,
        // or a migration's) are set aside while they run.
        let others = match policed {
            true => rows_besides_synthetic(&world, db, index)?,
            false => None,
        };
        if let Some(others) = others {
            set_aside_others(&world, db, index)?;
            report.notes.push(format!(
                "{}: {others} rows besides the synthetic ones, set aside while it was probed",
                table.name
            ));
        }
        let cells = probe::run_probes(&world, db, index, probes);
        if others.is_some() {
            db::execute(db, "ROLLBACK TO SAVEPOINT set_aside")?;
        }
        report.cells.extend(cells?);
    }
    if !shared.is_empty() {
        let names = shared.join(", ");
        report
            .notes
            .push(format!("shared, without policies: {names}"));
    }
    Ok(())
}

fn read_catalog(system: &System, db: &mut Db) -> Result<Catalog, Diagnostic> {
    crate::catalog::read(db, &Scope::default())
        .map_err(|e| format!("reading the database's catalog: {e}"))
        .map_err(setup(system))
}

/// A setup failure of `system`'s proof, said in words.
fn setup(system: &System) -> impl Fn(String) -> Diagnostic + '_ {
    move |e| {
        Diagnostic::global(Code::VerifySetupFailed, format!("{}: {e}", system.name)).with_help(
            "nothing was proved: fix what the message names (a migration, a check the synthetic rows \
             cannot satisfy, a missing PostgreSQL) and run verify again",
        )
    }
}

/// A fresh proof migrates the database itself: it must hold nothing (`--database-url`
/// without `--existing` names one that may not).
fn refuse_unless_empty(system: &System, db: &mut Db) -> Result<(), Diagnostic> {
    let catalog = read_catalog(system, db)?;
    if catalog.tables.is_empty() && catalog.enums.is_empty() {
        return Ok(());
    }
    let mut names: Vec<String> = catalog.tables.keys().map(ToString::to_string).collect();
    names.extend(catalog.enums.keys().map(ToString::to_string));
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    Err(Diagnostic::global(
        Code::VerifyDatabaseNotEmpty,
        format!(
            "{}: the database is not empty ({}{}); verify would apply the migrations on top and fail (\"type already exists\")",
            system.name,
            shown.join(", "),
            if names.len() > shown.len() { ", …" } else { "" }
        ),
    )
    .with_help(
        "to prove a database as it is (staging), add `--existing`: it changes nothing; \
         otherwise give an empty database, or no URL for a throwaway one",
    ))
}

/// `--existing` inserts synthetic rows past the policies, switches foreign keys and triggers
/// off (`session_replication_role`) and probes as the application role, all rolled back. A
/// superuser may; so may a role with BYPASSRLS that is a member of the application role and
/// may SET session_replication_role (as Supabase's `postgres`): what is missing is named.
fn refuse_unless_able(system: &System, db: &mut Db) -> Result<(), Diagnostic> {
    let app_role = system.access.settings().app_role;
    let sql = format!(
        "SELECT r.rolsuper, r.rolbypassrls, \
           EXISTS (SELECT FROM pg_catalog.pg_roles a WHERE a.rolname = {app} \
                   AND pg_has_role(current_user, a.oid, 'MEMBER')), \
           has_parameter_privilege('session_replication_role', 'SET') \
         FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
        app = quote_literal(&app_role)
    );
    let rows = db::query(db, &sql)
        .map_err(|e| format!("reading the connection's role: {e}"))
        .map_err(setup(system))?;
    let granted: Vec<bool> = rows
        .first()
        .into_iter()
        .flatten()
        .map(|v| v == "t")
        .collect();
    if granted.first() == Some(&true) {
        return Ok(());
    }
    let needs = [
        (
            "BYPASSRLS, to insert its rows past the policies",
            "ALTER ROLE {me} BYPASSRLS",
        ),
        (
            "membership in the application role, to probe as it",
            "GRANT {app} TO {me}",
        ),
        (
            "SET on session_replication_role, to switch foreign keys and triggers off",
            "GRANT SET ON PARAMETER session_replication_role TO {me}",
        ),
    ];
    let missing: Vec<_> = needs
        .iter()
        .enumerate()
        .filter(|(i, _)| granted.get(i + 1) != Some(&true))
        .map(|(_, need)| need)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let what: Vec<&str> = missing.iter().map(|(what, _)| *what).collect();
    let grants: Vec<String> = missing
        .iter()
        .map(|(_, grant)| {
            grant
                .replace("{app}", &quote_ident(&app_role))
                .replace("{me}", "<role>")
        })
        .collect();
    Err(Diagnostic::global(
        Code::VerifyNeedsSuperuser,
        format!(
            "{}: `verify --existing` connected as a role that cannot run the probes: it lacks {}",
            system.name,
            what.join("; ")
        ),
    )
    .with_help(format!(
        "connect as a superuser, or as a role granted what is missing (a superuser runs `{}`): verify \
         inserts synthetic rows and probes as the application role in one transaction it rolls back, \
         so nothing stays",
        grants.join("; ")
    )))
}

/// The database differs from what the migrations build (access aside): not at the latest.
fn behind(system: &System, drift: &[crate::catalog::diff::Drift]) -> Diagnostic {
    let shown: Vec<String> = drift
        .iter()
        .filter(|d| d.shown)
        .take(10)
        .map(|d| format!("  {}", d.line()))
        .collect();
    Diagnostic::global(
        Code::VerifyDatabaseBehind,
        format!(
            "{}: the database is not at the system's latest migration ({} differences, access aside):\n{}",
            system.name,
            drift.len(),
            shown.join("\n")
        ),
    )
    .with_help(
        "deploy the pending migrations (`schemagen migrate deploy`), or see every difference with \
         `schemagen diff`; verify proves access on the schema the migrations build",
    )
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

/// A base above every integer key the system's tables hold (0 when none is positive), so
/// synthetic rows counted from it cannot collide with the database's own rows.
fn integer_key_base(system: &System, db: &mut Db) -> Result<i64, String> {
    let mut highest = 0;
    for table in &system.tables {
        let keys: Vec<String> = table
            .columns
            .iter()
            .filter(|c| !c.ty.array && data::is_integer(&c.ty.scalar))
            .filter(|c| data::is_key(table, &c.db_name))
            .map(|c| format!("max({})::bigint", quote_ident(&c.db_name)))
            .collect();
        if keys.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT coalesce(greatest({}), 0) FROM {}",
            keys.join(", "),
            qualified(&table.db_name)
        );
        let rows = db::query(db, &sql)?;
        let max: i64 = rows
            .first()
            .and_then(|r| r.first())
            .and_then(|n| n.parse().ok())
            .unwrap_or_default();
        highest = highest.max(max);
    }
    // A round number, so the synthetic keys read as such in a report.
    Ok(if highest > 0 {
        (highest / 10_000 + 1) * 10_000
    } else {
        0
    })
}

/// In a savepoint the caller rolls back: every row of the table but the synthetic ones
/// deleted, foreign keys and triggers off (nothing cascades into other tables).
fn set_aside_others(world: &World, db: &mut Db, index: usize) -> Result<(), String> {
    let synthetic: Vec<String> = world.rows[index]
        .iter()
        .map(|row| format!("({})", world.where_sql(index, row)))
        .collect();
    db::execute(
        db,
        &format!(
            "SAVEPOINT set_aside;\nSET LOCAL session_replication_role = replica;\n\
             DELETE FROM {} WHERE NOT coalesce({}, false);\n\
             SET LOCAL session_replication_role = origin",
            qualified(&world.system.tables[index].db_name),
            synthetic.join(" OR ")
        ),
    )
}

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
/// Returns the statements that succeeded, table by table.
fn seed(world: &mut World, db: &mut Db) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
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
            // Each attempt in a savepoint: the proof runs in one transaction, which a failed
            // attempt would otherwise abort.
            match db::execute(
                db,
                &format!("SAVEPOINT synth;\n{sql}RELEASE SAVEPOINT synth;"),
            ) {
                Ok(()) => {
                    world.rows[index] = rows;
                    done.push(sql);
                    error.clear();
                    break;
                }
                Err(e) => {
                    db::execute(db, "ROLLBACK TO SAVEPOINT synth")?;
                    error = e;
                }
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
    Ok(done)
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
    if !report.declares_access {
        out.push_str(&format!(
            "nothing to prove: {} declares no access rules, so no policy, grant or probe was checked\n",
            report.system
        ));
        return out;
    }
    for d in &report.structure {
        out.push_str(&format!(
            "STRUCTURE {}: {}\n  expected: {}\n  actual:   {}\n",
            d.object, d.what, d.expected, d.actual
        ));
    }
    let mut header = vec!["table".to_string(), "command".to_string()];
    header.extend(report.scenarios.iter().cloned());
    let mut lines = vec![header];
    for (table, action, row) in matrix(report) {
        let mut line = vec![table.to_string(), action.name().to_string()];
        line.extend(
            row.iter()
                .map(|c| c.map_or_else(|| "-".to_string(), cell_text)),
        );
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
        "{}: {} structural differences, {} probes, {} mismatches\n",
        if report.passed() { "ok" } else { "FAILED" },
        report.structure.len(),
        report.cells.len(),
        mismatches.len()
    ));
    out
}

/// The matrix's rows: each table and action in the order they were probed, with its cell per
/// scenario of `report.scenarios` (`None` where that scenario was not probed).
pub fn matrix(report: &Report) -> Vec<(&str, Action, Vec<Option<&Cell>>)> {
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
    keys.into_iter()
        .map(|(table, action)| {
            let row = report.scenarios.iter();
            let row = row.map(|s| cells.get(&(table, action, s.as_str())).copied());
            (table, action, row.collect())
        })
        .collect()
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

pub(crate) fn expected_text(expected: Option<&Actual>) -> String {
    match expected {
        Some(actual) => actual_text(actual),
        None => "unknown (sql rule)".into(),
    }
}

pub(crate) fn actual_text(actual: &Actual) -> String {
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
        "declares_access": report.declares_access,
        "structure": report.structure,
        "mismatches": report.mismatches().count(),
        "cells": cells,
        "notes": report.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> crate::Run {
        let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ok/access_workspace");
        let config = crate::config::Config {
            schemas: case.join("schemas"),
            out: case.join("no-previous-output"),
            ..Default::default()
        };
        crate::generate(&config)
    }

    fn cell(table: &str, action: Action, expected: Option<Actual>) -> Cell {
        Cell {
            table: table.into(),
            action,
            scenario: "own".into(),
            expected,
            actual: Actual::Allowed,
            call: String::new(),
        }
    }

    /// "0 probes" on a system with rules is a failure: with no cells, or only privilege cells
    /// (which no rule decides), or only unjudged ones, every policed table is named.
    #[test]
    fn a_policed_table_no_probe_judged_is_unproved() {
        let run = workspace();
        let system = &run.systems[0];
        let policed: Vec<&str> = unproved_tables(system, &[]);
        assert!(policed.len() >= 3, "{policed:?}");
        let privileges: Vec<Cell> = policed
            .iter()
            .map(|t| {
                cell(
                    t,
                    Action::Privilege(Privilege::Truncate),
                    Some(Actual::Denied),
                )
            })
            .collect();
        assert_eq!(unproved_tables(system, &privileges), policed);
        let unjudged: Vec<Cell> = policed
            .iter()
            .map(|t| cell(t, Action::Row(Command::Select), None))
            .collect();
        assert_eq!(unproved_tables(system, &unjudged), policed);
        let mut judged: Vec<Cell> = policed[1..]
            .iter()
            .map(|t| cell(t, Action::Every(Command::Delete), Some(Actual::Rows(1))))
            .collect();
        assert_eq!(unproved_tables(system, &judged), [policed[0]]);
        judged.push(cell(
            policed[0],
            Action::Row(Command::Select),
            Some(Actual::Denied),
        ));
        assert!(unproved_tables(system, &judged).is_empty());
    }
}
