//! The lock-safe forms proved on real PostgreSQL, on tables that hold rows.
//!
//! `tests/scenarios/shop-with-rows` v1 → v2 changes every kind of thing that needs a scan or
//! a lock on an existing table. The migration must apply to a database with rows, leave every
//! constraint validated and every index valid, and end in the catalog a fresh build of v2
//! gives (which used the plain forms). And when a step after the main block fails on the
//! data, fixing the data and running the whole file again must finish the job.

mod support;

use schemagen::cluster::Cluster;
use std::path::{Path, PathBuf};
use support::pg::{apply, cluster, read_catalog};
use support::TempDir;

fn scenario(version: &str) -> PathBuf {
    support::repo_root()
        .join("tests/scenarios/shop-with-rows")
        .join(version)
}

/// Builds `version` against the history in `out` and writes it there, as `build` would;
/// returns the shop's migrations, in order.
fn build(version: &str, out: &Path) -> Vec<(String, String)> {
    let config = schemagen::config::Config {
        schemas: scenario(version),
        out: out.to_path_buf(),
        ..Default::default()
    };
    let run = support::generate(version, &config);
    let migrations = support::system_files(&run, "shop", |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    })
    .into_iter()
    .map(|(p, s)| (p.to_string(), s.to_string()))
    .collect();
    schemagen::write::write_tree(out, &run.files).unwrap();
    migrations
}

fn as_refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect()
}

const ROWS: &str = "
    INSERT INTO customers (email, nickname) VALUES ('ada@example.com', 'ada'), ('bob@example.com', NULL);
    INSERT INTO orders (customer_id, total, code, state) VALUES (1, 10, 'A1', 'OPEN'), (2, 0, 'B1', 'PAID');
    INSERT INTO lines (order_id, sku, qty) VALUES (1, 'pen', 3), (2, 'ink', 1);";

/// v1 applied to a new database `name`, which then gets `rows`; returns v2's new migration.
fn v1_with_rows(pg: &Cluster, name: &str, rows: &str, out: &Path) -> (String, String) {
    let scratch = TempDir::new(&format!("{name}-sql"));
    pg.create_database(name).unwrap();
    let v1 = build("v1", out);
    apply(pg, name, &as_refs(&v1), scratch.path()).unwrap();
    pg.execute(name, rows).unwrap();
    let v2 = build("v2", out);
    assert_eq!(v2.len(), 2, "v2 adds one migration");
    v2[1].clone()
}

fn count(pg: &Cluster, database: &str, sql: &str) -> usize {
    pg.query(database, sql).unwrap()[0][0].parse().unwrap()
}

/// The end state every run must reach: every constraint validated, every index valid,
/// email NOT NULL, the marker gone, the catalog of a fresh build of v2, and the rows kept.
fn assert_finished(pg: &Cluster, database: &str, rows: usize) {
    let user_tables = "conrelid::regclass::text IN ('customers', 'orders', 'lines')";
    let constraints = count(
        pg,
        database,
        &format!("SELECT count(*) FROM pg_constraint WHERE {user_tables}"),
    );
    let unvalidated = count(
        pg,
        database,
        &format!("SELECT count(*) FROM pg_constraint WHERE {user_tables} AND NOT convalidated"),
    );
    assert_eq!(constraints, 5, "three keys, a foreign key and a check");
    assert_eq!(unvalidated, 0, "every constraint is validated");
    let invalid = "SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready";
    assert_eq!(count(pg, database, invalid), 0, "every index is valid");
    let not_null = "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass
                    AND attname = 'email' AND attnotnull";
    assert_eq!(count(pg, database, not_null), 1, "email is NOT NULL");
    let markers = "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'schemagen\\_pending\\_%'";
    assert_eq!(count(pg, database, markers), 0, "the marker schema is gone");
    let kept = "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders)
                     + (SELECT count(*) FROM lines)";
    assert_eq!(count(pg, database, kept), rows, "every row is kept");

    static FRESH: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = FRESH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let fresh = format!("{database}_fresh{n}");
    pg.create_database(&fresh).unwrap();
    let (out, scratch) = (TempDir::new("fresh"), TempDir::new("fresh-sql"));
    let config = schemagen::config::Config {
        schemas: scenario("v2"),
        out: out.path().to_path_buf(),
        ..Default::default()
    };
    let run = support::generate("fresh v2", &config);
    let files = support::system_files(&run, "shop", |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    });
    apply(pg, &fresh, &files, scratch.path()).unwrap();
    let (migrated, built) = (
        read_catalog(pg, database).unwrap(),
        read_catalog(pg, &fresh).unwrap(),
    );
    assert_eq!(
        format!("{:#?}", migrated.enums),
        format!("{:#?}", built.enums)
    );
    assert_eq!(
        format!("{:#?}", migrated.tables),
        format!("{:#?}", built.tables)
    );
    assert_eq!(migrated.schemas, built.schemas);
}

#[test]
fn every_safe_form_applies_to_a_database_with_rows() {
    let Some(pg) = cluster("every_safe_form_applies_to_a_database_with_rows") else {
        return;
    };
    let out = TempDir::new("safe");
    let (path, sql) = v1_with_rows(&pg, "safe", ROWS, out.path());
    for form in [
        "SET lock_timeout = '5s';",
        "ADD VALUE IF NOT EXISTS 'REFUNDED'",
        "CHECK (\"email\" IS NOT NULL) NOT VALID;",
        "VALIDATE CONSTRAINT \"customers_email_not_null\"",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"customers_email_key\"",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"orders_code_idx\"",
        "PRIMARY KEY USING INDEX \"lines_pkey\"",
        "CHECK (total >= 0) NOT VALID;",
        "ON UPDATE CASCADE NOT VALID;",
        "VALIDATE CONSTRAINT \"orders_customer_id_fkey\"",
    ] {
        assert!(sql.contains(form), "{path} lacks {form}:\n{sql}");
    }
    let scratch = TempDir::new("safe-sql");
    apply(&pg, "safe", &[(&path, &sql)], scratch.path()).unwrap();
    assert_finished(&pg, "safe", 6);
}

/// Each run fails on the next problem in the data, after the main block committed; the data
/// is fixed and the whole file runs again, until it finishes.
#[test]
fn a_file_that_failed_after_its_main_block_runs_again_once_the_data_is_fixed() {
    let test = "a_file_that_failed_after_its_main_block_runs_again_once_the_data_is_fixed";
    let Some(pg) = cluster(test) else {
        return;
    };
    let out = TempDir::new("rerun");
    let bad_rows = format!(
        "{ROWS}
        INSERT INTO customers (email) VALUES (NULL), ('twin@example.com'), ('twin@example.com');
        INSERT INTO orders (customer_id, total, code) VALUES (99, 5, 'orphan'), (1, -5, 'negative');"
    );
    let (path, sql) = v1_with_rows(&pg, "rerun", &bad_rows, out.path());
    let scratch = TempDir::new("rerun-sql");
    let run = || apply(&pg, "rerun", &[(&path, &sql)], scratch.path());
    let fixes = [
        (
            "customers_email_not_null",
            "UPDATE customers SET email = 'none@example.com' WHERE email IS NULL",
        ),
        (
            "customers_email_key",
            "UPDATE customers SET email = 'twin2@example.com' WHERE id = (SELECT max(id) FROM customers)",
        ),
        (
            "orders_total_non_negative",
            "UPDATE orders SET total = 0 WHERE total < 0",
        ),
        (
            "orders_customer_id_fkey",
            "DELETE FROM orders WHERE customer_id = 99",
        ),
    ];
    for (failing, fix) in fixes {
        let error = run().expect_err("the data still has a problem");
        assert!(
            error.contains(failing),
            "expected a failure on {failing}, got {error}"
        );
        // The main block committed: its marker says so, and the next run skips the block.
        let marker = "SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagen_pending_shop_0002_update'";
        assert_eq!(count(&pg, "rerun", marker), 1, "after {failing}");
        if failing == "customers_email_key" {
            // The failed concurrent build left an invalid index, which the next run replaces.
            let invalid = "SELECT count(*) FROM pg_index WHERE indexrelid = 'customers_email_key'::regclass AND NOT indisvalid";
            assert_eq!(count(&pg, "rerun", invalid), 1);
        }
        pg.execute("rerun", fix).unwrap();
    }
    run().unwrap();
    assert_finished(&pg, "rerun", 10);
    // A run after success is refused loudly, not half-applied: the main block's first
    // statement fails on what it already did, before anything commits.
    assert!(run().is_err(), "the file ran again from scratch");
    assert_finished(&pg, "rerun", 10);
}

/// A column filled row by row (`gen_random_uuid()`) rewrites a table with rows under an
/// exclusive lock: no SQL form avoids it, so the build warns (W0330) at the field, and the
/// migration still applies and fills every row.
#[test]
fn a_per_row_default_on_a_table_with_rows_is_warned_and_still_applies() {
    let test = "a_per_row_default_on_a_table_with_rows_is_warned_and_still_applies";
    let out = TempDir::new("volatile");
    build("v1", out.path());
    build("v2", out.path());
    let config = schemagen::config::Config {
        schemas: scenario("v3"),
        out: out.path().to_path_buf(),
        ..Default::default()
    };
    let run = support::generate("v3", &config);
    let report = schemagen::diagnostics::render::human(&run.diagnostics, &run.sources);
    let warned: Vec<_> = run
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "W0330")
        .collect();
    assert_eq!(warned.len(), 1, "{report}");
    assert_eq!(warned[0].path.as_deref(), Some("public.orders.token"));
    assert!(report.contains("schema.yaml:26:7"), "{report}");
    assert!(report.contains("gen_random_uuid()"), "{report}");
    assert!(
        !report.contains("orders.note"),
        "a plain column is not warned: {report}"
    );

    let Some(pg) = cluster(test) else {
        return;
    };
    let (rows, scratch) = (TempDir::new("volatile-rows"), TempDir::new("volatile-sql"));
    v1_with_rows(&pg, "volatile", ROWS, rows.path());
    let v2 = build("v2", rows.path());
    apply(&pg, "volatile", &as_refs(&v2[1..]), scratch.path()).unwrap();
    let v3 = build("v3", rows.path());
    apply(&pg, "volatile", &as_refs(&v3[2..]), scratch.path()).unwrap();
    let filled = "SELECT count(DISTINCT token) FROM orders WHERE token IS NOT NULL";
    assert_eq!(
        count(&pg, "volatile", filled),
        2,
        "every row has its own token"
    );
}
