//! `verify --emit pgtap`: the suite runs under pgTAP's own runner. For every seed system that
//! declares access, verify migrates an empty database and writes the suite, `pg_prove` runs
//! it there and every test passes; then one policy is loosened to `USING (true)` and
//! `pg_prove` fails, naming the probes that caught it.

mod support;

use schemagen::cluster::Cluster;
use schemagen::verify::{self, Database};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::TempDir;

const TEST: &str = "every_seed_suite_passes_pg_prove_and_a_loosened_policy_fails_it";

#[test]
fn every_seed_suite_passes_pg_prove_and_a_loosened_policy_fails_it() {
    let Some(pg_prove) = support::on_path("pg_prove") else {
        support::missing_tool(
            TEST,
            "no pg_prove (Debian: libtap-parser-sourcehandler-pgtap-perl; scripts/test installs it)",
        );
        return;
    };
    let Some(pg) = support::pg::cluster(TEST) else {
        return;
    };
    if !has_pgtap(&pg) {
        support::missing_tool(
            TEST,
            "no pgTAP extension (Debian: postgresql-<major>-pgtap; scripts/test installs it)",
        );
        return;
    }
    let out = TempDir::new("pgtap-out");
    let case = support::cases()
        .into_iter()
        .next()
        .expect("the seed systems");
    assert_eq!(case.label, "schemas");
    let run = support::generate(&case.label, &case.config(out.path()));
    let scratch = TempDir::new("pgtap");
    let mut proved = 0;
    for system in run.systems.iter().filter(|s| !s.access.is_empty()) {
        let database = format!("pgtap_{}", system.name);
        pg.create_database(&database).unwrap();
        let migrations = verify::migrations_in(&run.files, &system.name);
        let url = Database::Url(pg.connection_string(&database));
        let report = verify::verify(system, &migrations, &url)
            .unwrap_or_else(|d| panic!("{}: verify failed to run: {}", system.name, d.message));
        assert!(report.passed(), "{}", verify::human(&report));
        let suite = verify::pgtap::suite(system, &report);
        let file = scratch.join(format!("{}.sql", system.name));
        std::fs::write(&file, &suite).unwrap();
        // `plan(n)`: the role check and one test per judged probe.
        let judged = report.cells.iter().filter(|c| c.expected.is_some()).count();
        assert!(suite.contains(&format!("SELECT plan({});", judged + 1)));

        let (passed, output) = prove(&pg_prove, &pg, &database, &file);
        assert!(passed, "{}: pg_prove failed:\n{output}", system.name);
        assert!(output.contains("All tests successful"), "{output}");

        let policy = loosen_one_policy(&pg, &database);
        let (passed, output) = prove(&pg_prove, &pg, &database, &file);
        assert!(
            !passed,
            "{}: pg_prove passed with {policy} loosened to USING (true):\n{output}",
            system.name
        );
        assert!(output.contains("Failed test"), "{output}");
        proved += 1;
    }
    assert!(proved >= 2, "only {proved} seed systems declare access");
}

fn has_pgtap(pg: &Cluster) -> bool {
    let rows = pg
        .query(
            "postgres",
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pgtap'",
        )
        .unwrap();
    rows == [vec!["1".to_string()]]
}

/// Runs `pg_prove` on `file`; whether every test passed, and what it printed.
fn prove(pg_prove: &Path, pg: &Cluster, database: &str, file: &Path) -> (bool, String) {
    let psql: PathBuf = schemagen::cluster::find_server_bin().unwrap().join("psql");
    let output = Command::new(pg_prove)
        .arg("--psql-bin")
        .arg(psql)
        .arg("-h")
        .arg(pg.socket_dir())
        .args([
            "-p",
            &pg.port().to_string(),
            "-U",
            "postgres",
            "-d",
            database,
        ])
        .arg("--verbose")
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", pg_prove.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A hand edit of the kind the suite exists to catch: the first SELECT policy lets every row
/// through. Returns the policy's name.
fn loosen_one_policy(pg: &Cluster, database: &str) -> String {
    let rows = pg
        .query(
            database,
            "SELECT format('%I ON %I.%I', policyname, schemaname, tablename) FROM pg_policies \
             WHERE cmd = 'SELECT' ORDER BY schemaname, tablename, policyname LIMIT 1",
        )
        .unwrap();
    let policy = rows[0][0].clone();
    pg.execute(database, &format!("ALTER POLICY {policy} USING (true)"))
        .unwrap();
    policy
}
