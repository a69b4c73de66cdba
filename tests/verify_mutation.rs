//! The mutation test of `verify`: the committed migrations of every seed system, weakened one
//! access statement at a time (`schemagen::verify::mutate`), each mutant applied to its own
//! database and verified. Every mutant that changes what a user can do must fail verify on
//! its probes alone; a mutant that cannot change it is argued here, by a named rule read from
//! the SQL and the schema ([`equivalence`]), and must then pass (else the rule or verify is
//! wrong). CI runs a deterministic sample, one mutant per system and operator;
//! `SCHEMAGEN_MUTATION=full` runs every mutant, `SCHEMAGEN_MUTANT=<part of a name>` the ones
//! named, e.g. `mitche: ` for one system (with their reports when there are at most five). The kill figures are printed either way.

mod support;

use schemagen::db::Db;
use schemagen::ir::access::RuleKind;
use schemagen::ir::System;
use schemagen::verify;
use schemagen::verify::mutate::{self, Mutant, Operator};
use std::collections::BTreeMap;

const SYSTEMS: [&str; 5] = [
    "alphadome",
    "botcafe",
    "collective_writing",
    "contentpilot",
    "mitche",
];

/// The kinds of probe, as the figures name them: a command on one row by key, a count over
/// every row, a move, the table's owner, a privilege no policy governs.
const KINDS: [&str; 5] = ["by key", "count", "move", "owner", "privilege"];

fn kind(cell: &verify::Cell) -> usize {
    match cell.action {
        verify::Action::Privilege(_) => 4,
        _ if cell.scenario == "table owner, unset" => 3,
        _ if cell.scenario.starts_with("move ") || cell.scenario.starts_with("take ") => 2,
        verify::Action::Every(_) => 1,
        verify::Action::Row(_) => 0,
    }
}

/// What became of one mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fate {
    /// A probe's outcome differed from the rules: verify failed on behaviour. `by`: which
    /// kinds of probe failed ([`KINDS`]).
    Killed { by: [bool; 5] },
    /// Verify passed although the mutant is not argued equivalent: a hole in verify.
    Survived,
    /// Argued equivalent, and verify passed.
    Equivalent,
    /// Argued equivalent, yet a probe failed: the argument or verify is wrong.
    EquivalentKilled,
    /// A raw `sql` rule decides the table: the probes cannot judge it (verify-structure's
    /// `expect:` does); counted apart, not asserted.
    RawSql { killed: bool },
    /// Verify could not run on it (a migration failed): the mutator wrote bad SQL.
    Stillborn,
}

#[test]
fn verify_kills_every_mutant_that_changes_behaviour() {
    let Some(cluster) = support::pg::cluster("verify_kills_every_mutant_that_changes_behaviour")
    else {
        return;
    };
    let full = std::env::var("SCHEMAGEN_MUTATION").is_ok_and(|v| v == "full");
    // `SCHEMAGEN_MUTANT=<part of a name>`: only those mutants, each report printed whole.
    let only = std::env::var("SCHEMAGEN_MUTANT").ok();
    let run = seed_systems();
    let mut admin = Db::connect(&cluster.connection_string("postgres")).expect("connect");
    // (system, mutant, operator, equivalence rule, fate)
    let mut fates: Vec<(String, String, Operator, String, Fate)> = Vec::new();
    for name in SYSTEMS {
        let system = run
            .systems
            .iter()
            .find(|s| s.name == name)
            .expect("seed system");
        let migrations = verify::migrations_in(&run.files, name);
        let all = mutate::mutants(system, &migrations);
        assert!(!all.is_empty(), "{name}: no mutants");
        let chosen = match &only {
            Some(part) => all
                .into_iter()
                .filter(|m| format!("{name}: {}", m.name).contains(part.as_str()))
                .collect(),
            None if full => all,
            None => sample(system, all),
        };
        if chosen.is_empty() {
            continue;
        }
        // Roles belong to the cluster: made once here, not raced for by parallel migrations.
        let role =
            schemagen::render::postgres::rls::create_role(&system.access.settings().app_role);
        admin.execute(&role).expect("application role");
        let expected = expected_side(&cluster, system, &migrations);
        // Mutants in parallel, each in databases of its own.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let judged: Vec<Vec<(usize, Fate)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let (cluster, chosen, migrations, expected) =
                        (&cluster, &chosen, &migrations, &expected);
                    // Whole reports only for a handful of mutants named on purpose.
                    let only = only.is_some() && chosen.len() <= 5;
                    scope.spawn(move || {
                        (w..chosen.len())
                            .step_by(workers)
                            .map(|n| {
                                let database = format!("mutant_{name}_{n}");
                                let fate = judge(
                                    cluster,
                                    system,
                                    migrations,
                                    &chosen[n],
                                    &database,
                                    only,
                                    Expected::Built(expected),
                                    None,
                                );
                                (n, fate)
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker"))
                .collect()
        });
        let mut judged: Vec<(usize, Fate)> = judged.into_iter().flatten().collect();
        judged.sort_by_key(|(n, _)| *n);
        for (n, fate) in judged {
            let mutant = &chosen[n];
            let reason = equivalence(system, &migrations, mutant).unwrap_or_default();
            fates.push((
                name.to_string(),
                mutant.name.clone(),
                mutant.operator,
                reason.to_string(),
                fate,
            ));
        }
    }
    let figures = figures(&fates);
    println!("{figures}");
    let holes: Vec<String> = fates
        .iter()
        .filter(|(_, _, _, _, f)| {
            matches!(f, Fate::Survived | Fate::EquivalentKilled | Fate::Stillborn)
        })
        .map(|(s, m, _, r, f)| format!("{s}: {m}: {f:?} {r}"))
        .collect();
    assert!(holes.is_empty(), "{}\n{figures}", holes.join("\n"));
    // Each new probe catches the weakening it exists for, on its own where nothing else can.
    for (system, mutant, operator, _, fate) in &fates {
        let Fate::Killed { by } = fate else {
            continue;
        };
        let needed = match operator {
            Operator::NoForce => Some(3),
            Operator::GrantAllToPublic => Some(4),
            Operator::UsingTrue if mutant.contains("_delete:") => Some(1),
            Operator::CheckTrue if mutant.contains("_update:") => Some(2),
            _ => None,
        };
        if let Some(k) = needed {
            assert!(
                by[k],
                "{system}: {mutant}: not caught by a {} probe",
                KINDS[k]
            );
        }
    }
}

fn seed_systems() -> schemagen::Run {
    let config = schemagen::config::Config {
        schemas: support::repo_root().join("schemas"),
        out: support::repo_root().join("generated"),
        ..Default::default()
    };
    let run = schemagen::generate(&config);
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    run
}

/// The proof can fail: with the owner probe's findings thrown away, a mutant that removes
/// FORCE (which only that probe sees) is reported as survived, and killed with them kept.
#[test]
fn a_blind_verify_is_reported_as_survived() {
    let Some(cluster) = support::pg::cluster("a_blind_verify_is_reported_as_survived") else {
        return;
    };
    let run = seed_systems();
    let system = run
        .systems
        .iter()
        .find(|s| s.name == "mitche")
        .expect("seed system");
    let migrations = verify::migrations_in(&run.files, &system.name);
    let no_force = mutate::mutants(system, &migrations)
        .into_iter()
        .find(|m| m.operator == Operator::NoForce && equivalence(system, &migrations, m).is_none())
        .expect("a NO FORCE mutant");
    let mut admin = Db::connect(&cluster.connection_string("postgres")).expect("connect");
    let role = schemagen::render::postgres::rls::create_role(&system.access.settings().app_role);
    admin.execute(&role).expect("application role");
    let owner = KINDS.iter().position(|k| *k == "owner");
    let judge = |database, blind| {
        let by_verify = Expected::ByVerify;
        judge(
            &cluster,
            system,
            &migrations,
            &no_force,
            database,
            false,
            by_verify,
            blind,
        )
    };
    let blind = judge("blind", owner);
    assert_eq!(blind, Fate::Survived, "{}", no_force.name);
    let seeing = judge("seeing", None);
    assert!(matches!(seeing, Fate::Killed { by } if by[3]), "{seeing:?}");
}

/// The expected side of verify's structural step, built once per system from the committed
/// migrations in a database of its own. Verify builds it from the migrations it is given, then
/// takes back every access decision they made: a mutant, which differs only in access, builds
/// the same one (the blind test below builds it per mutant, as `verify` does).
fn expected_side(
    cluster: &schemagen::cluster::Cluster,
    system: &System,
    migrations: &[(String, String)],
) -> verify::structure::Expected {
    let name = format!("expected_{}", system.name);
    cluster.create_database(&name).expect("create database");
    let mut db = Db::connect(&cluster.connection_string(&name)).expect("connect");
    let roles = schemagen::catalog::cluster_roles(&mut db).expect("roles");
    let expected =
        verify::structure::expected(&mut db, system, migrations, &roles).expect("expected side");
    drop(db);
    let mut admin = Db::connect(&cluster.connection_string("postgres")).expect("connect");
    admin
        .execute(&format!("DROP DATABASE {name}"))
        .expect("drop");
    expected
}

/// Where [`judge`] takes verify's expected side from.
enum Expected<'a> {
    /// Built beforehand by [`expected_side`].
    Built(&'a verify::structure::Expected),
    /// Built by verify itself, in a scratch database of its own, as in real use.
    ByVerify,
}

/// Verifies one mutant as a user would: every migration of the mutant on an empty database
/// (in the test's cluster, dropped after); says what became of it (and, for a hole, why, on
/// stderr). `blind`: a kind of probe ([`KINDS`]) whose findings are thrown away, to show
/// that a verify which cannot see is caught.
#[allow(clippy::too_many_arguments)]
fn judge(
    cluster: &schemagen::cluster::Cluster,
    system: &System,
    migrations: &[(String, String)],
    mutant: &Mutant,
    database: &str,
    print_report: bool,
    expected: Expected,
    blind: Option<usize>,
) -> Fate {
    let scratch = format!("{database}_expected");
    let databases = match expected {
        Expected::Built(_) => vec![database],
        Expected::ByVerify => vec![database, scratch.as_str()],
    };
    let mut admin = Db::connect(&cluster.connection_string("postgres")).expect("connect");
    for name in &databases {
        admin
            .execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .expect("create database");
    }
    let connect = |name: &str| Db::connect(&cluster.connection_string(name)).expect("connect");
    let mut db = connect(database);
    let mut report = match expected {
        Expected::Built(expected) => {
            verify::verify_against(system, &mutant.migrations, &mut db, expected)
        }
        Expected::ByVerify => {
            verify::verify_in(system, &mutant.migrations, &mut db, &mut connect(&scratch))
        }
    };
    drop(db);
    for name in &databases {
        admin
            .execute(&format!("DROP DATABASE {name}"))
            .expect("drop");
    }
    if let (Ok(report), Some(blind)) = (&mut report, blind) {
        report.cells.retain(|cell| kind(cell) != blind);
    }
    let killed = report.as_ref().map(|r| r.mismatches().next().is_some());
    let fate = match (killed, equivalence(system, migrations, mutant)) {
        (Err(e), _) => {
            eprintln!("{}: {}: {}", system.name, mutant.name, e.message);
            Fate::Stillborn
        }
        (Ok(killed), _) if raw_sql(system, mutant) => Fate::RawSql { killed },
        (Ok(true), None) => {
            let mut by = [false; 5];
            for cell in report.iter().flat_map(|r| r.mismatches()) {
                by[kind(cell)] = true;
            }
            Fate::Killed { by }
        }
        (Ok(false), None) => Fate::Survived,
        (Ok(false), Some(_)) => Fate::Equivalent,
        (Ok(true), Some(_)) => Fate::EquivalentKilled,
    };
    // One line per mutant as it is judged, so a long full run shows its progress.
    eprintln!("{}: {}: {fate:?}", system.name, mutant.name);
    let text = report.as_ref().map(verify::human).unwrap_or_default();
    if print_report {
        eprintln!("{text}");
    }
    if matches!(fate, Fate::Survived | Fate::EquivalentKilled) {
        let mismatches: Vec<&str> = text.lines().filter(|l| l.starts_with("MISMATCH")).collect();
        eprintln!(
            "{}: {} {fate:?}\n--- before\n{}\n--- after\n{}\n{}",
            system.name,
            mutant.name,
            mutant.before,
            mutant.after,
            mismatches.join("\n")
        );
    }
    fate
}

/// One mutant per system and operator: the middle one among those the probes can judge
/// (neither argued equivalent nor decided by raw SQL), else the middle one of all.
fn sample(system: &System, all: Vec<Mutant>) -> Vec<Mutant> {
    let mut by_operator: BTreeMap<Operator, Vec<Mutant>> = BTreeMap::new();
    for mutant in all {
        by_operator.entry(mutant.operator).or_default().push(mutant);
    }
    by_operator
        .into_values()
        .filter_map(|mutants| {
            let judged: Vec<&Mutant> = mutants
                .iter()
                .filter(|m| equivalence(system, &m.migrations, m).is_none() && !raw_sql(system, m))
                .collect();
            let pick = if judged.is_empty() {
                mutants.get(mutants.len() / 2)
            } else {
                Some(judged[judged.len() / 2])
            };
            pick.cloned()
        })
        .collect()
}

/// Why the mutant cannot change what anyone may do, as a named rule; `None` when it can.
fn equivalence(
    system: &System,
    migrations: &[(String, String)],
    mutant: &Mutant,
) -> Option<&'static str> {
    if superseded(migrations, mutant) {
        return Some(
            "superseded: a later migration drops the policy or table, or runs the statement again",
        );
    }
    match mutant.operator {
        Operator::NotDistinct if compares_a_not_null_column(system, mutant) => Some(
            "= on a NOT NULL column: IS NOT DISTINCT FROM differs from = only when both sides are NULL",
        ),
        Operator::CheckTrue if update_reads_no_column(&mutant.before) => Some(
            "an UPDATE policy whose predicate reads no column: a row that passed USING passes the same WITH CHECK",
        ),
        Operator::ForAll if every_command_has_this_predicate(migrations, mutant) => Some(
            "FOR ALL of a predicate the table's policy for every command it reaches already has (or a wider role list of): p OR p is p",
        ),
        _ => None,
    }
}

/// A later migration drops the policy (or its table) or runs the same statement again.
fn superseded(migrations: &[(String, String)], mutant: &Mutant) -> bool {
    let table = schemagen::render::postgres::rls::qualified(&mutant.table);
    let code = mutate::code_of(&mutant.before);
    migrations[mutant.migration + 1..].iter().any(|(_, sql)| {
        let dropped_policy = mutant
            .policy
            .as_ref()
            .is_some_and(|p| sql.contains(&format!("DROP POLICY IF EXISTS \"{p}\" ON {table};")));
        dropped_policy || sql.contains(&format!("DROP TABLE {table};")) || sql.contains(code)
    })
}

/// The rewritten `=` has a NOT NULL column on its left: `"col"` of the table, `m."col"` of
/// a member rule's table, or `"schema"."table"."col"`.
fn compares_a_not_null_column(system: &System, mutant: &Mutant) -> bool {
    let Some(operand) = &mutant.operand else {
        return false;
    };
    let unquote = |s: &str| s.trim_matches('"').to_string();
    let parts: Vec<String> = operand.split("\".\"").map(unquote).collect();
    let (table, column) = if let Some(member_column) = operand.strip_prefix("m.") {
        let column = unquote(member_column);
        let member = system
            .access
            .table(&mutant.table)
            .into_iter()
            .flat_map(|e| &e.rules)
            .find_map(|r| match &r.kind {
                RuleKind::Member {
                    table, via, user, ..
                } if via.column == column || user.column == column => Some(table.db_name.clone()),
                _ => None,
            });
        match member {
            Some(member) => (member, column),
            None => return false,
        }
    } else if parts.len() == 3 {
        (
            schemagen::ir::QualifiedName::new(&parts[0], &parts[1]),
            parts[2].clone(),
        )
    } else if parts.len() == 1 && operand.starts_with('"') {
        (mutant.table.clone(), parts[0].clone())
    } else {
        return false;
    };
    system
        .tables
        .iter()
        .find(|t| t.db_name == table)
        .and_then(|t| t.column(&column))
        .is_some_and(|c| !c.nullable)
}

/// An UPDATE policy whose USING and WITH CHECK are one predicate that names no identifier
/// (every identifier is quoted, so no `"` means no column): a test of the context alone.
fn update_reads_no_column(statement: &str) -> bool {
    matches!(
        mutant::parts(statement),
        Some(("UPDATE", Some(using), Some(check))) if using == check && !using.contains('"')
    )
}

mod mutant {
    pub fn parts(statement: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
        schemagen::verify::mutate::policy_parts(statement)
    }
}

/// `d` holds only where `t` holds: the same text, or `x IN (a)` beside `x IN (a, b)` (a role
/// check a wider one covers).
fn implies(d: &str, t: &str) -> bool {
    match (in_list(d), in_list(t)) {
        (Some((l, a)), Some((r, b))) => l == r && a.iter().all(|x| b.contains(x)),
        _ => d == t,
    }
}

/// `x IN (a, b)` → (`x`, [`a`, `b`]).
fn in_list(p: &str) -> Option<(&str, Vec<&str>)> {
    let (left, items) = p.split_once(" IN (")?;
    Some((left, items.strip_suffix(')')?.split(", ").collect()))
}

#[test]
fn a_narrower_role_list_implies_a_wider_one() {
    let role = "NULLIF(current_setting('app.current_role', true), '')";
    let admin = format!("{role} IN ('ADMIN')");
    let staff = format!("{role} IN ('ADMIN', 'MODERATOR')");
    assert!(implies(&admin, &staff));
    assert!(!implies(&staff, &admin));
    assert!(!implies(&admin, "other IN ('ADMIN', 'MODERATOR')"));
    assert!(implies("\"id\" = x", "\"id\" = x"));
}

/// FOR ALL lends the policy's predicate to the other commands it reaches (a policy with
/// only WITH CHECK reaches only UPDATE's check, and only where an UPDATE policy exists); it
/// changes nothing when each of them already allows whatever the predicate allows: every
/// disjunct of the predicate is a disjunct of theirs (`p OR q` already holds where `p` does).
fn every_command_has_this_predicate(migrations: &[(String, String)], mutant: &Mutant) -> bool {
    let Some((command, using, check)) = mutant::parts(&mutant.before) else {
        return false;
    };
    let Some(p) = using.or(check) else {
        return false;
    };
    let policies = final_policies(migrations, &mutant.table);
    let lent = disjuncts(p);
    let covers = |clause: &Option<String>| {
        clause.as_ref().is_none_or(|c| {
            let theirs = disjuncts(c);
            lent.iter().all(|d| theirs.iter().any(|t| implies(d, t)))
        })
    };
    let holds = |c: &str| {
        policies
            .values()
            .find(|(pc, _, _)| pc == c)
            .is_some_and(|(_, u, k)| covers(u) && covers(k))
    };
    match command {
        "SELECT" => holds("INSERT") && holds("UPDATE") && holds("DELETE"),
        // Lent to UPDATE's check, which only rows that passed UPDATE's USING reach: no change
        // when that check already covers it, or is the same test of the context as USING.
        "INSERT" => policies
            .values()
            .find(|(pc, _, _)| pc == "UPDATE")
            .is_none_or(|(_, u, k)| {
                covers(k) || (u == k && u.as_ref().is_some_and(|u| !u.contains('"')))
            }),
        "UPDATE" => holds("SELECT") && holds("INSERT") && holds("DELETE"),
        "DELETE" => holds("SELECT") && holds("INSERT") && holds("UPDATE"),
        _ => false,
    }
}

type PolicyText = (String, Option<String>, Option<String>);

/// The table's policies after every migration, by name: (command, USING, WITH CHECK).
fn final_policies(
    migrations: &[(String, String)],
    table: &schemagen::ir::QualifiedName,
) -> BTreeMap<String, PolicyText> {
    let table = schemagen::render::postgres::rls::qualified(table);
    let mut out = BTreeMap::new();
    for (_, sql) in migrations {
        for statement in schemagen::db::script::statements(sql) {
            let code = mutate::code_of(&statement.sql);
            let name = || code.split('"').nth(1).unwrap_or_default().to_string();
            if code.starts_with("CREATE POLICY ") && code.contains(&format!(" ON {table} FOR ")) {
                if let Some((c, u, k)) = mutant::parts(code) {
                    out.insert(
                        name(),
                        (c.to_string(), u.map(str::to_string), k.map(str::to_string)),
                    );
                }
            } else if code.starts_with("DROP POLICY IF EXISTS ")
                && code.ends_with(&format!(" ON {table}"))
            {
                out.remove(&name());
            } else if code == format!("DROP TABLE {table}") {
                out.clear();
            }
        }
    }
    out
}

/// The top-level `OR` operands of a predicate, parentheses that wrap a whole operand opened.
fn disjuncts(predicate: &str) -> Vec<String> {
    let p = unwrap_parentheses(predicate.trim());
    let parts = split_top_level(p, " OR ");
    if parts.len() == 1 {
        return vec![p.to_string()];
    }
    parts.into_iter().flat_map(disjuncts).collect()
}

fn unwrap_parentheses(p: &str) -> &str {
    let depths = depth_after_each(p);
    let whole =
        p.starts_with('(') && p.ends_with(')') && depths[..p.len() - 1].iter().all(|&d| d > 0);
    if whole {
        unwrap_parentheses(&p[1..p.len() - 1])
    } else {
        p
    }
}

fn split_top_level<'a>(p: &'a str, separator: &str) -> Vec<&'a str> {
    let depths = depth_after_each(p);
    let mut out = Vec::new();
    let mut start = 0;
    for (at, _) in p.match_indices(separator) {
        if at > 0 && depths[at - 1] == 0 && at >= start {
            out.push(&p[start..at]);
            start = at + separator.len();
        }
    }
    out.push(&p[start..]);
    out
}

/// The parenthesis depth after each byte, quotes skipped (inside a quote: depth + 1).
fn depth_after_each(p: &str) -> Vec<i32> {
    let mut depth = 0;
    let mut quote = None;
    p.bytes()
        .map(|b| {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'\'' | b'"') => quote = Some(b),
                (None, b'(') => depth += 1,
                (None, b')') => depth -= 1,
                _ => {}
            }
            depth + i32::from(quote.is_some())
        })
        .collect()
}

#[test]
fn disjuncts_open_the_parentheses_around_each_operand() {
    assert_eq!(
        disjuncts("r IN ('a') OR ((\"o\" = u OR \"p\" IN ('x)')))"),
        ["r IN ('a')", "\"o\" = u", "\"p\" IN ('x)')"]
    );
    assert_eq!(disjuncts("(a) AND (b)"), ["(a) AND (b)"]);
}

/// The mutant touches a table a raw `sql` rule decides: its probes are partly unjudged.
fn raw_sql(system: &System, mutant: &Mutant) -> bool {
    system.access.table(&mutant.table).is_some_and(|e| {
        e.rules
            .iter()
            .any(|r| matches!(r.kind, RuleKind::Sql { .. }))
    })
}

/// Killed / behaviour-changing mutants per system and per operator, with the equivalent and
/// raw-SQL ones beside them.
fn figures(fates: &[(String, String, Operator, String, Fate)]) -> String {
    #[derive(Default)]
    struct Tally {
        killed: usize,
        changing: usize,
        equivalent: usize,
        raw_killed: usize,
        raw: usize,
        by: [usize; 5],
    }
    let mut by_system: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_operator: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for (system, _, operator, reason, fate) in fates {
        for tally in [
            by_system.entry(system.clone()).or_default(),
            by_operator.entry(operator.name()).or_default(),
        ] {
            match fate {
                Fate::Killed { by } => {
                    tally.killed += 1;
                    tally.changing += 1;
                    for (k, caught) in by.iter().enumerate() {
                        tally.by[k] += usize::from(*caught);
                    }
                }
                Fate::Survived | Fate::Stillborn => tally.changing += 1,
                Fate::Equivalent | Fate::EquivalentKilled => tally.equivalent += 1,
                Fate::RawSql { killed } => {
                    tally.raw += 1;
                    tally.raw_killed += usize::from(*killed);
                }
            }
        }
        if !reason.is_empty() {
            *reasons.entry(reason.as_str()).or_default() += 1;
        }
    }
    let mut lines = vec![vec![
        "".to_string(),
        "killed by probes".to_string(),
        "equivalent".to_string(),
        "raw sql (killed/all)".to_string(),
        "caught by".to_string(),
    ]];
    let row = |name: &str, t: &Tally| {
        vec![
            name.to_string(),
            format!("{}/{}", t.killed, t.changing),
            t.equivalent.to_string(),
            format!("{}/{}", t.raw_killed, t.raw),
            KINDS
                .iter()
                .zip(t.by)
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        ]
    };
    lines.extend(by_system.iter().map(|(n, t)| row(n, t)));
    lines.push(vec![String::new(); 5]);
    lines.extend(by_operator.iter().map(|(n, t)| row(n, t)));
    let mut out = schemagen::terminal::columns(&lines, "");
    for (reason, n) in reasons {
        out.push_str(&format!("equivalent ({n}): {reason}\n"));
    }
    out
}
