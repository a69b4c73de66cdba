//! The Postgres client layer (`schemagen::db`) against a real server: SQLSTATE codes reach the
//! caller, a script's segments run as `psql -f` would run them, and a lock held by one session
//! makes another time out with the lock-timeout code.

mod support;

use schemagen::db::{script, Db};

fn connect(test: &str) -> Option<(schemagen::cluster::Cluster, Db)> {
    let pg = support::pg::cluster(test)?;
    pg.create_database("app").expect("create database");
    let db = Db::connect(&pg.connection_string("app")).expect("connect");
    Some((pg, db))
}

#[test]
fn errors_carry_sqlstate_and_rows_come_back_as_text() {
    let Some((_pg, mut db)) = connect("errors_carry_sqlstate_and_rows_come_back_as_text") else {
        return;
    };
    db.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT)")
        .unwrap();
    assert_eq!(
        db.affected("INSERT INTO t VALUES (1, 'a'), (2, NULL)")
            .unwrap(),
        2
    );
    let rows = db.rows("SELECT id, name FROM t ORDER BY id").unwrap();
    assert_eq!(
        rows,
        [
            vec![Some("1".to_string()), Some("a".to_string())],
            vec![Some("2".to_string()), None]
        ]
    );
    let err = db.execute("INSERT INTO t VALUES (1, 'dup')").unwrap_err();
    assert_eq!(err.code.as_deref(), Some("23505"), "{err}");
    assert!(err.detail.unwrap_or_default().contains("(id)=(1)"));
    let err = db.execute("SELECT * FROM missing").unwrap_err();
    assert_eq!(err.code.as_deref(), Some("42P01"));
}

#[test]
fn a_migration_runs_segment_by_segment() {
    let Some((_pg, mut db)) = connect("a_migration_runs_segment_by_segment") else {
        return;
    };
    let sql = "CREATE TYPE s AS ENUM ('a');\n\
               BEGIN;\nALTER TYPE s ADD VALUE 'b';\nCOMMIT;\n\
               BEGIN;\nCREATE TABLE t (id INT, v s DEFAULT 'b');\nINSERT INTO t VALUES (1);\nCOMMIT;\n\
               CREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n";
    for segment in script::segments(script::statements(sql)) {
        if segment.transaction {
            db.execute("BEGIN").unwrap();
        }
        for statement in &segment.statements {
            db.execute(&statement.sql)
                .unwrap_or_else(|e| panic!("line {}: {e}", statement.line));
        }
        if segment.transaction {
            db.execute("COMMIT").unwrap();
        }
    }
    assert_eq!(
        db.value("SELECT v::text FROM t").unwrap().as_deref(),
        Some("b")
    );
    // Run as one string, the concurrent build would be refused: that is why scripts are split.
    let err = db
        .execute("SELECT 1; CREATE INDEX CONCURRENTLY t_v_idx ON t (v)")
        .unwrap_err();
    assert_eq!(err.code.as_deref(), Some("25001"), "{err}");
}

#[test]
fn a_lock_held_elsewhere_times_out_with_its_own_code() {
    let Some((pg, mut holder)) = connect("a_lock_held_elsewhere_times_out_with_its_own_code")
    else {
        return;
    };
    holder.execute("CREATE TABLE t (id INT)").unwrap();
    holder
        .execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let mut other = Db::connect(&pg.connection_string("app")).unwrap();
    other.execute("SET lock_timeout = '100ms'").unwrap();
    let err = other.execute("ALTER TABLE t ADD COLUMN c INT").unwrap_err();
    assert!(err.is_lock_timeout(), "{err}");
    holder.execute("ROLLBACK").unwrap();
    other.execute("ALTER TABLE t ADD COLUMN c INT").unwrap();
}
