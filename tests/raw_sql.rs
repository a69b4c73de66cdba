//! Raw SQL that looks dangerous and is one expression, proven on PostgreSQL: a `;` inside a
//! string literal, a doubled quote, an `E''` string, dollar quotes, a quoted identifier and
//! nested parentheses, in a default, a CHECK, a partial index, an expression index and an
//! access rule, added by a second migration to a table that already holds rows. The lexer
//! (src/ir/sql_lexer.rs) accepts each; Postgres must run each as the one expression it is.

mod support;

use support::pg::{apply, cluster};
use support::TempDir;

const V1: &str = r#"flavor: prisma
models:
  Note:
    fields: |
      id    Int    @id @default(autoincrement())
      body  String
      score Int
"#;

const V2: &str = r#"flavor: prisma
models:
  Note:
    fields: |
      id    Int    @id @default(autoincrement())
      body  String
      score Int
      tag   String @default(dbgenerated("'a;b' || E'\\'' || $$;--$$"))
      level Int    @default(dbgenerated("((1 + 2) * (3 - 1))"))
    indexes:
      - name: note_body_semicolon
        expression: "(lower(body) || ';')"
      - name: note_quoted
        columns: [body]
        where: "body <> 'it''s; fine' AND \"score\" IS NOT NULL"
    checks:
      body_not_injected: "body NOT IN ('x; DROP TABLE \"Note\"; --', $tag$ ) ; $tag$) AND (score >= (0))"
    access:
      read:
        - sql: "body <> E'\\\\' AND (score > 0 OR score = -(1))"
"#;

fn migrations(out: &std::path::Path) -> Vec<(String, String)> {
    let dir = out.join("app/migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn tricky_but_legal_raw_sql_applies_to_a_table_with_rows() {
    let Some(pg) = cluster("tricky_but_legal_raw_sql_applies_to_a_table_with_rows") else {
        return;
    };
    let work = TempDir::new("raw-sql");
    let (schemas, out) = (work.path().join("schemas"), work.path().join("out"));
    pg.create_database("notes").unwrap();

    support::cli::build(&schemas, &out, "app", V1);
    let v1 = migrations(&out);
    let v1: Vec<(&str, &str)> = v1.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    apply(&pg, "notes", &v1, work.path()).unwrap();
    pg.execute(
        "notes",
        "INSERT INTO \"Note\" (body, score) VALUES ('a;b', 1), ('it''s; fine', 2), ('plain', 0);",
    )
    .unwrap();

    support::cli::build(&schemas, &out, "app", V2);
    let all = migrations(&out);
    assert_eq!(all.len(), 2, "v2 adds one migration");
    let (name, sql) = &all[1];
    apply(&pg, "notes", &[(name.as_str(), sql.as_str())], work.path())
        .unwrap_or_else(|e| panic!("v2 does not apply to a table with rows:\n{e}\n{sql}"));

    let rows = |sql: &str| pg.query("notes", sql).unwrap();
    // The rows are kept, and the defaults are the values the expressions make.
    assert_eq!(rows("SELECT count(*) FROM \"Note\"")[0][0], "3");
    assert_eq!(
        rows("SELECT DISTINCT tag, level FROM \"Note\""),
        [["a;b';--".to_string(), "6".to_string()]]
    );
    // The check holds as one expression: the string literal inside it is only a value.
    let refused = pg.execute(
        "notes",
        "INSERT INTO \"Note\" (body, score) VALUES ('x; DROP TABLE \"Note\"; --', 1);",
    );
    assert!(refused.is_err(), "the check lets its own literal in");
    assert!(pg
        .execute(
            "notes",
            "INSERT INTO \"Note\" (body, score) VALUES ('y', -1);"
        )
        .is_err());
    // Both indexes exist, and the partial one with its whole predicate.
    let predicate = rows(
        "SELECT pg_get_expr(indpred, indrelid) FROM pg_index \
         WHERE indexrelid = 'public.note_quoted'::regclass",
    );
    assert!(predicate[0][0].contains("it''s; fine"), "{predicate:?}");
    assert_eq!(
        rows("SELECT count(*) FROM pg_indexes WHERE indexname IN ('note_body_semicolon', 'note_quoted')")
            [0][0],
        "2"
    );
    // The policy holds the rule as one condition.
    let policy = rows("SELECT qual FROM pg_policies WHERE tablename = 'Note'");
    assert_eq!(policy.len(), 1, "{policy:?}");
    assert!(policy[0][0].contains("'\\'"), "{policy:?}");
}
