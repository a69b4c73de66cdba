//! Drift detection (`schemagen::catalog`) against real PostgreSQL: a database built from a
//! seed system's migrations matches them; each kind of hand-made change is named, and the
//! printed reconciling SQL, applied to the live database, removes every difference.

mod support;

use schemagen::catalog::{self, diff, expected, Scope};
use schemagen::cluster::Cluster;
use schemagen::db::Db;

const SEEDS: [&str; 5] = ["alphadome", "botcafe", "collective_writing", "contentpilot", "mitche"];

fn migrations(system: &str) -> Vec<(String, String)> {
    let out = support::repo_root().join("generated");
    schemagen::history::read(&out, system)
        .unwrap_or_else(|e| panic!("reading {system}'s migrations: {e}"))
        .migrations
}

/// A database named `system` in `pg`, built from the system's migrations.
fn built(pg: &Cluster, system: &str) -> Db {
    pg.create_database(system).expect("create database");
    let mut db = Db::connect(&pg.connection_string(system)).expect("connect");
    for (name, sql) in migrations(system) {
        expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{system} {name}: {e}"));
    }
    db
}

fn drift(db: &mut Db, system: &str) -> Vec<diff::Drift> {
    catalog::drift(db, &migrations(system), None, &Scope::default())
        .unwrap_or_else(|e| panic!("{system}: {e}"))
}

fn lines(drifts: &[diff::Drift]) -> Vec<String> {
    drifts.iter().filter(|d| d.shown).map(diff::Drift::line).collect()
}

#[test]
fn a_database_built_from_the_migrations_has_no_drift() {
    let Some(pg) = support::pg::cluster("a_database_built_from_the_migrations_has_no_drift") else {
        return;
    };
    for system in SEEDS {
        let started = std::time::Instant::now();
        let mut db = built(&pg, system);
        eprintln!("{system}: built in {:?}", started.elapsed());
        let catalog = catalog::read(&mut db, &Scope::default()).expect("read");
        assert!(!catalog.tables.is_empty(), "{system}: {}", catalog.summary());
        eprintln!("{system}: {}", catalog.summary());
        let started = std::time::Instant::now();
        let drifts = drift(&mut db, system);
        eprintln!("{system}: drift in {:?}", started.elapsed());
        assert!(drifts.is_empty(), "{system}:\n{}", lines(&drifts).join("\n"));
    }
}
