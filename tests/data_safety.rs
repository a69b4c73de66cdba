//! Migrations on databases WITH ROWS: version 1 is migrated, rows go in, version 2 is built
//! and applied, and what Postgres does is what the diagnostics said it would:
//! - the cast matrix of `plan::cast` is PostgreSQL's own (every pair, on a real server);
//! - a narrowing type change keeps values that fit and fails, naming the column, on one that
//!   does not, without cutting anything;
//! - a lossy one is refused (E0310) until accepted, then converts the rows;
//! - an impossible one is refused (E0311) whatever the consent;
//! - each data-dependent change (W0320–W0324) applies to an empty table and fails on the rows
//!   it warns about;
//! - access rules that go away take their grants with them: the migrated database grants
//!   exactly what a fresh build of the new schema grants.

#[path = "support/ir.rs"]
mod ir;
mod support;

use ir::*;
use schemagen::cluster::Cluster;
use schemagen::config::Config;
use schemagen::diagnostics::{Code, Diagnostic};
use schemagen::ir::{ColumnType, ScalarType};
use schemagen::plan::cast::{classify, Cast};
use schemagen::plan::plan;
use schemagen::render::{postgres, History, Templates};
use support::TempDir;

/// One system built version after version into its own output folder, the way a team runs
/// `schemagen build`, with one database per copy of the data it is applied to.
struct Project {
    dir: TempDir,
    scratch: TempDir,
    /// Migrations written so far, in order: name → SQL.
    written: Vec<(String, String)>,
}

impl Project {
    fn new(label: &str) -> Project {
        Project {
            dir: TempDir::new(label),
            scratch: TempDir::new(&format!("{label}-sql")),
            written: Vec::new(),
        }
    }

    fn config(&self, accept_data_loss: bool) -> Config {
        Config {
            schemas: self.dir.path().join("schemas"),
            out: self.dir.path().join("generated"),
            accept_data_loss,
            ..Config::default()
        }
    }

    /// Builds `yaml` as the next version; on success writes it and returns the SQL of the
    /// new migration (`None` when nothing changed). Errors come back as diagnostics.
    fn build(&mut self, yaml: &str, accept: bool) -> Result<Option<String>, Vec<Diagnostic>> {
        let folder = self.dir.path().join("schemas/app");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("app.yaml"), yaml).unwrap();
        let config = self.config(accept);
        let run = schemagen::generate(&config);
        if run.has_errors() {
            return Err(run.diagnostics);
        }
        schemagen::write::write_tree(&config.out, &run.files).unwrap();
        let migrations = support::system_files(&run, "app", |p| {
            p.starts_with("migrations/") && p.ends_with(".sql")
        });
        let new = migrations
            .get(self.written.len())
            .map(|(p, s)| (p.to_string(), s.to_string()));
        self.written = migrations
            .iter()
            .map(|(p, s)| (p.to_string(), s.to_string()))
            .collect();
        Ok(new.map(|(_, sql)| sql))
    }

    /// Like `build`, for a version that must build.
    fn next(&mut self, yaml: &str) -> String {
        match self.build(yaml, false) {
            Ok(sql) => sql.expect("the version changes something"),
            Err(diags) => panic!("the version does not build: {diags:#?}"),
        }
    }

    fn apply(&self, pg: &Cluster, database: &str, sql: &str) -> Result<(), String> {
        let n = std::fs::read_dir(self.scratch.path()).unwrap().count();
        support::pg::apply(
            pg,
            database,
            &[(&format!("{n:04}.sql"), sql)],
            self.scratch.path(),
        )
    }
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

fn one(pg: &Cluster, database: &str, sql: &str) -> String {
    let rows = pg.query(database, sql).unwrap();
    rows.first()
        .and_then(|r| r.first())
        .cloned()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// The cast matrix.

fn types() -> Vec<ScalarType> {
    let numeric = |p, s| ScalarType::Numeric {
        precision: p,
        scale: s,
    };
    vec![
        Text,
        Varchar { length: Some(50) },
        Varchar { length: Some(20) },
        Varchar { length: None },
        Char { length: Some(10) },
        SmallInt,
        Integer,
        BigInt,
        numeric(Some(10), Some(2)),
        numeric(Some(5), Some(2)),
        numeric(Some(10), Some(4)),
        numeric(Some(6), None),
        numeric(None, None),
        Real,
        Double,
        Boolean,
        Uuid,
        Timestamptz { precision: Some(3) },
        Timestamp { precision: Some(3) },
        Timestamp { precision: None },
        Date,
        Time { precision: Some(3) },
        Json,
        Jsonb,
        Bytea,
        GeoPoint,
        enum_type("Mood"),
        enum_type("Tone"),
    ]
}

fn ty(scalar: &ScalarType, array: bool) -> ColumnType {
    ColumnType {
        scalar: scalar.clone(),
        array,
    }
}

/// Every pair of types (and a few array pairs): the pairs the planner accepts are migrated
/// by the SQL it renders, on empty tables, in one migration; for every pair it refuses,
/// Postgres refuses even the most permissive form (an explicit `USING c::type`).
#[test]
fn the_cast_matrix_is_postgres_own() {
    let Some(pg) = support::pg::cluster("the_cast_matrix_is_postgres_own") else {
        return;
    };
    pg.create_database("matrix").unwrap();
    let types = types();
    let mut pairs: Vec<(ColumnType, ColumnType)> = Vec::new();
    for from in &types {
        for to in &types {
            if from != to {
                pairs.push((ty(from, false), ty(to, false)));
            }
        }
    }
    for (from, to) in [
        (Varchar { length: Some(50) }, Varchar { length: Some(20) }),
        (Text, Integer),
        (BigInt, Integer),
        (Integer, Text),
    ] {
        pairs.push((ty(&from, true), ty(&to, true)));
    }
    pairs.push((ty(&Integer, false), ty(&Integer, true)));
    let column = |name: String, ty: &ColumnType| {
        let mut c = col(&name, Integer).optional();
        c.ty = ty.clone();
        c
    };
    let enums = || {
        [
            enumeration("Mood", ["SAD", "HAPPY"]),
            enumeration("Tone", ["SAD", "LOUD"]),
        ]
    };
    let before = system(enums(), []);
    let mut v1 = before.clone();
    let mut v2 = before.clone();
    let mut refused = Vec::new();
    for (i, (from, to)) in pairs.iter().enumerate() {
        let name = format!("t{i}");
        v1.tables
            .push(table(&name, [col("id", Integer), column("c".into(), from)]));
        let class = classify(from, to);
        let after = if class == Cast::Impossible {
            refused.push((name.clone(), to.clone()));
            from
        } else {
            to
        };
        v2.tables.push(table(
            &name,
            [col("id", Integer), column("c".into(), after)],
        ));
    }
    let templates = Templates::new(None).unwrap();
    let first = plan(None, &v1);
    let files = postgres::render(&v1, &History::default(), &first, &templates).unwrap();
    let (_, create) = files
        .iter()
        .find(|(p, _)| p.starts_with("migrations/") && p.ends_with(".sql"))
        .unwrap();
    let history = History {
        schema: Some(v1.clone()),
        ..History::default()
    };
    let second = plan(Some(&v1), &v2);
    assert_eq!(
        second.steps.len(),
        pairs.len() - refused.len(),
        "one step per accepted pair"
    );
    let files = postgres::render(&v2, &history, &second, &templates).unwrap();
    let (_, alter) = files
        .iter()
        .find(|(p, _)| p.starts_with("migrations/") && p.ends_with(".sql"))
        .unwrap();
    let scratch = TempDir::new("matrix");
    support::pg::apply(
        &pg,
        "matrix",
        &[("create.sql", create), ("alter.sql", alter)],
        scratch.path(),
    )
    .unwrap_or_else(|e| panic!("Postgres refused a cast the planner accepts:\n{e}"));
    let attempts: Vec<String> = refused
        .iter()
        .map(|(table, to)| {
            format!(
                "BEGIN ALTER TABLE public.{table} ALTER COLUMN c TYPE {t} USING c::{t}; \
                 INSERT INTO accepted VALUES ('{table} -> {t}'); EXCEPTION WHEN others THEN NULL; END;",
                t = postgres::sql::column_type(to)
            )
        })
        .collect();
    pg.execute("matrix", "CREATE TABLE accepted (pair text)")
        .unwrap();
    pg.execute(
        "matrix",
        &format!("DO $$ BEGIN {} END $$", attempts.join("\n")),
    )
    .unwrap();
    let accepted = pg.query("matrix", "SELECT pair FROM accepted").unwrap();
    assert!(
        accepted.is_empty(),
        "the planner refuses casts Postgres has: {accepted:?}"
    );
    assert!(refused.len() > 100, "{} pairs refused", refused.len());
    eprintln!(
        "cast matrix: {} pairs migrated by the rendered SQL, {} refused and refused by Postgres too",
        pairs.len() - refused.len(),
        refused.len()
    );
}

/// E0311 on the second project of the issue: `int` id → uuid, which Postgres refuses even
/// on an empty table, is never written, whatever the consent.
#[test]
fn an_impossible_cast_is_refused_with_or_without_consent() {
    let before = system([], [table("accounts", [col("id", Integer)])]);
    let after = system([], [table("accounts", [col("id", Uuid)])]);
    let migration = plan(Some(&before), &after);
    for accept in [false, true] {
        let diags = migration.diagnostics(&after, accept);
        assert_eq!(codes(&diags), ["E0311"], "accept: {accept}");
        assert!(diags[0].message.contains("from INTEGER to UUID"));
    }
}

// ---------------------------------------------------------------------------------------
// Type changes on rows.

const WIDE: &str = "flavor: prisma
models:
  User:
    map: users
    fields: |
      id     Int      @id
      code   String?  @db.VarChar(50)
      n      BigInt
      amount Decimal  @db.Decimal(10, 2)
      tags   String[] @db.VarChar(50)
      ref    String
";

const NARROW: &str = "flavor: prisma
models:
  User:
    map: users
    fields: |
      id     Int      @id
      code   String?  @db.VarChar(20)
      n      Int
      amount Decimal  @db.Decimal(5, 2)
      tags   String[] @db.VarChar(20)
      ref    String
";

const FITTING_ROWS: &str = "INSERT INTO users VALUES
  (1, 'short', 42, 999.99, ARRAY['a', 'bb'], 'x'),
  (2, repeat('x', 20), -2147483648, -999.99, ARRAY[repeat('y', 20)], 'y'),
  (3, NULL, 2147483647, 0, '{}', 'z')";

fn snapshot_of_users(pg: &Cluster, database: &str) -> Vec<Vec<String>> {
    pg.query(
        database,
        "SELECT id, code, n::text, amount::text, tags::text, ref FROM users ORDER BY id",
    )
    .unwrap()
}

/// Narrowing never cuts: values that fit stay as they were; one that does not fit stops the
/// migration with an error naming the column, the count and the value, and the transaction
/// leaves every row as it was.
#[test]
fn narrowing_keeps_values_that_fit_and_fails_naming_the_column_on_one_that_does_not() {
    let Some(pg) = support::pg::cluster("narrowing") else {
        return;
    };
    let mut project = Project::new("narrowing");
    let v1 = project.next(WIDE);
    let v2 = match project.build(NARROW, false) {
        Ok(sql) => sql.unwrap(),
        Err(d) => panic!("narrowing needs no consent: {d:#?}"),
    };
    assert!(
        !v2.contains("::VARCHAR(20)"),
        "no explicit cast that would truncate:\n{v2}"
    );
    assert!(
        v2.contains("-- WARNING W0325: changes public.users.code from VARCHAR(50) to VARCHAR(20)")
    );
    let cases: [(&str, &str, &str); 5] = [
        ("fits", "", ""),
        (
            "long_code",
            "UPDATE users SET code = 'this-code-is-longer-than-twenty' WHERE id = 1",
            "public.users.code cannot change to VARCHAR(20): 1 row(s) hold a value that does not fit, e.g. this-code-is-longer-than-twenty",
        ),
        (
            "big_n",
            "UPDATE users SET n = 2147483648 WHERE id IN (1, 2)",
            "public.users.n cannot change to INTEGER: 2 row(s) hold a value that does not fit, e.g. 2147483648",
        ),
        (
            "big_amount",
            "UPDATE users SET amount = 1000 WHERE id = 3",
            "public.users.amount cannot change to DECIMAL(5,2): 1 row(s)",
        ),
        (
            "long_tag",
            "UPDATE users SET tags = ARRAY['ok', repeat('z', 21)] WHERE id = 2",
            "public.users.tags cannot change to VARCHAR(20)[]: 1 row(s)",
        ),
    ];
    for (database, spoil, expected) in cases {
        pg.create_database(database).unwrap();
        project.apply(&pg, database, &v1).unwrap();
        pg.execute(database, FITTING_ROWS).unwrap();
        if !spoil.is_empty() {
            pg.execute(database, spoil).unwrap();
        }
        let before = snapshot_of_users(&pg, database);
        let result = project.apply(&pg, database, &v2);
        let after = snapshot_of_users(&pg, database);
        assert_eq!(before, after, "{database}: every row is as it was");
        match result {
            Ok(()) if expected.is_empty() => {
                let ty = one(&pg, database, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'code'");
                assert_eq!(ty, "character varying(20)");
            }
            Ok(()) => panic!("{database}: the migration applied over a value that does not fit"),
            Err(e) => {
                assert!(!expected.is_empty(), "{database}: fitting rows failed: {e}");
                assert!(
                    e.contains(expected),
                    "{database}: expected `{expected}` in:\n{e}"
                );
            }
        }
    }
}

/// text → integer reinterprets ('00123' → 123): refused until accepted, by the run or by the
/// schema naming the column; then the rows convert.
#[test]
fn a_lossy_change_is_refused_until_accepted_then_converts_the_rows() {
    let Some(pg) = support::pg::cluster("lossy") else {
        return;
    };
    let mut project = Project::new("lossy");
    let v1 = project.next(WIDE);
    let reinterpreted = WIDE.replace("ref    String", "ref    Int");
    let refused = project.build(&reinterpreted, false).unwrap_err();
    assert_eq!(codes(&refused), ["E0310"]);
    assert_eq!(refused[0].path.as_deref(), Some("public.users.ref"));
    assert!(
        !project
            .dir
            .path()
            .join("generated/app/migrations")
            .read_dir()
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().starts_with("0002")),
        "a refused build writes nothing"
    );
    let accepted = format!("{reinterpreted}acceptDataLoss:\n  - public.users.ref\n");
    let v2 = project.build(&accepted, false).unwrap().unwrap();
    assert!(v2.contains("-- WARNING: destructive: change the type of public.users.ref"));
    pg.create_database("lossy").unwrap();
    project.apply(&pg, "lossy", &v1).unwrap();
    pg.execute(
        "lossy",
        "INSERT INTO users VALUES (1, 'a', 1, 1, NULL, '00123')",
    )
    .unwrap();
    project.apply(&pg, "lossy", &v2).unwrap();
    assert_eq!(one(&pg, "lossy", "SELECT ref FROM users"), "123");
}

// ---------------------------------------------------------------------------------------
// Changes that depend on the rows.

const BASE: &str = "flavor: prisma
models:
  User:
    map: users
    fields: |
      id    Int     @id
      email String
      nick  String?
  Post:
    map: posts
    fields: |
      id       Int  @id
      views    Int
      authorId Int?
";

const BASE_ROWS: &str = "INSERT INTO users VALUES (1, 'a@x', 'a'), (2, 'b@x', 'b');
INSERT INTO posts VALUES (1, 5, 1), (2, 7, 2)";

/// Each warned change, the warning it must carry, and the update that makes the rows of
/// `BASE_ROWS` violate it (`None`: any row does, as for a required column without default).
fn data_dependent_cases() -> Vec<(&'static str, String, Code, Option<&'static str>)> {
    let relation =
        "authorId Int?\n      author   User? @relation(fields: [authorId], references: [id])";
    vec![
        (
            "required_column",
            BASE.replace("nick  String?", "nick  String?\n      handle String"),
            Code::RequiredColumnAdded,
            None,
        ),
        (
            "made_required",
            BASE.replace("nick  String?", "nick  String"),
            Code::RequiredWithoutDefault,
            Some("UPDATE users SET nick = NULL WHERE id = 2"),
        ),
        (
            "unique",
            BASE.replace("email String", "email String @unique"),
            Code::UniqueOnExistingRows,
            Some("UPDATE users SET email = 'a@x'"),
        ),
        (
            "foreign_key",
            BASE.replace(
                "      nick  String?\n",
                "      nick  String?\n      posts Post[]\n",
            )
            .replace("authorId Int?", relation),
            Code::ForeignKeyOnExistingRows,
            Some("UPDATE posts SET \"authorId\" = 99 WHERE id = 2"),
        ),
        (
            "check",
            format!("{BASE}    checks:\n      posts_views_non_negative: \"views >= 0\"\n"),
            Code::CheckOnExistingRows,
            Some("UPDATE posts SET views = -1 WHERE id = 1"),
        ),
    ]
}

/// Every data-dependent change is warned (diagnostic and SQL comment), applies to tables
/// without rows and to rows that satisfy it, and fails on the rows it warns about.
#[test]
fn each_data_dependent_change_is_warned_and_fails_only_on_the_rows_it_warns_about() {
    let Some(pg) = support::pg::cluster("data_dependent") else {
        return;
    };
    for (name, v2_yaml, code, spoil) in data_dependent_cases() {
        let mut project = Project::new(name);
        let v1 = project.next(BASE);
        let folder = project.dir.path().join("schemas/app");
        std::fs::write(folder.join("app.yaml"), &v2_yaml).unwrap();
        let run = schemagen::generate(&project.config(false));
        assert_eq!(
            codes(&run.diagnostics),
            [code.as_str()],
            "{name}: {:#?}",
            run.diagnostics
        );
        let v2 = project.next(&v2_yaml);
        assert!(
            v2.contains(&format!("-- WARNING {}: ", code.as_str())),
            "{name}: the step is marked in the SQL:\n{v2}"
        );
        // (database, rows, update, whether the migration must fail)
        let databases = [
            ("empty", "", None, false),
            ("good", BASE_ROWS, None, spoil.is_none()),
            ("bad", BASE_ROWS, spoil, true),
        ];
        for (suffix, rows, update, fails) in databases {
            let database = format!("{name}_{suffix}");
            pg.create_database(&database).unwrap();
            project.apply(&pg, &database, &v1).unwrap();
            for sql in [rows].into_iter().chain(update).filter(|s| !s.is_empty()) {
                pg.execute(&database, sql).unwrap();
            }
            let result = project.apply(&pg, &database, &v2);
            assert_eq!(
                result.is_err(),
                fails,
                "{database}: {}",
                result.err().unwrap_or_default()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Grants.

const POLICED: &str = "flavor: prisma
access:
  tenant: app.current_org_id
  app_role: ROLE
models:
  Organization:
    map: organizations
    fields: |
      id   Int    @id @default(autoincrement())
      name String
    access:
      tenant: id
  Note:
    map: notes
    fields: |
      id             Int    @id @default(autoincrement())
      organizationId Int    @map(\"organization_id\")
      body           String
    access:
      tenant: organizationId
";

const UNPOLICED: &str = "flavor: prisma
models:
  Organization:
    map: organizations
    fields: |
      id   Int    @id @default(autoincrement())
      name String
  Note:
    map: notes
    fields: |
      id             Int    @id @default(autoincrement())
      organizationId Int    @map(\"organization_id\")
      body           String
";

/// What the two roles may do in a database: tables, sequences and schemas, as Postgres
/// spells the privileges.
fn grants(pg: &Cluster, database: &str) -> Vec<Vec<String>> {
    pg.query(
        database,
        "SELECT r.rolname, n.nspname, c.relname, a.privilege_type
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
         WHERE c.relkind IN ('r', 'p', 'S') AND r.rolname IN ('notes_app', 'notes_web')
         UNION ALL
         SELECT r.rolname, n.nspname, '', a.privilege_type
         FROM pg_namespace n
         CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles r ON r.oid = a.grantee
         WHERE r.rolname IN ('notes_app', 'notes_web')
         ORDER BY 1, 2, 3, 4",
    )
    .unwrap()
}

/// The access rules go away, another role takes over, or a table's rules go (it becomes
/// shared): the database migrated from the policed version grants exactly what a fresh build
/// of the new version grants.
#[test]
fn grants_of_a_migrated_database_equal_a_fresh_build() {
    let Some(pg) = support::pg::cluster("grants") else {
        return;
    };
    let policed = |role: &str| POLICED.replace("ROLE", role);
    for (name, next) in [
        ("unpoliced", UNPOLICED.to_string()),
        ("new_role", policed("notes_web")),
        (
            "shared_notes",
            policed("notes_app").replace("tenant: organizationId", "shared"),
        ),
    ] {
        let mut project = Project::new(name);
        let v1 = project.next(&policed("notes_app"));
        let migrated = format!("{name}_migrated");
        pg.create_database(&migrated).unwrap();
        project.apply(&pg, &migrated, &v1).unwrap();
        pg.execute(&migrated, "INSERT INTO organizations (name) VALUES ('a'); INSERT INTO notes (organization_id, body) VALUES (1, 'n')").unwrap();
        assert!(
            grants(&pg, &migrated)
                .iter()
                .any(|g| g[0] == "notes_app" && g[2] == "notes"),
            "{name}: the first version grants the role its tables"
        );
        let v2 = project.next(&next);
        // A table that becomes shared keeps its grants (as a fresh build grants them).
        let revokes = name != "shared_notes";
        assert_eq!(
            v2.contains(
                "REVOKE SELECT, INSERT, UPDATE, DELETE ON \"public\".\"notes\" FROM \"notes_app\";"
            ),
            revokes,
            "{v2}"
        );
        project.apply(&pg, &migrated, &v2).unwrap();

        let mut fresh_project = Project::new(&format!("{name}-fresh"));
        let fresh_sql = fresh_project.next(&next);
        let fresh = format!("{name}_fresh");
        pg.create_database(&fresh).unwrap();
        fresh_project.apply(&pg, &fresh, &fresh_sql).unwrap();
        assert_eq!(grants(&pg, &migrated), grants(&pg, &fresh), "{name}");
        assert_eq!(
            one(&pg, &migrated, "SELECT count(*) FROM notes"),
            "1",
            "{name}: rows stay"
        );
    }
}

/// The check survives hostile names: a table whose name holds the block's own `$check$` tag
/// and a quote, a column named like the block's variable, a `%` (a RAISE placeholder).
#[test]
fn the_narrowing_check_survives_hostile_names() {
    let Some(pg) = support::pg::cluster("hostile_names") else {
        return;
    };
    let name = "we'ird$check$";
    let v1 = system(
        [],
        [table(
            name,
            [
                col("id", Integer),
                col("misfits", Varchar { length: Some(50) }),
                col("100%", BigInt),
            ],
        )],
    );
    let mut v2 = v1.clone();
    v2.tables[0].columns[1].ty = ColumnType::scalar(Varchar { length: Some(3) });
    v2.tables[0].columns[2].ty = ColumnType::scalar(Integer);
    let templates = Templates::new(None).unwrap();
    let render = |prev: Option<&schemagen::ir::System>, next: &schemagen::ir::System| {
        let history = History {
            schema: prev.cloned(),
            ..History::default()
        };
        let files = postgres::render(next, &history, &plan(prev, next), &templates).unwrap();
        let (_, sql) = files
            .into_iter()
            .find(|(p, _)| p.starts_with("migrations/") && p.ends_with(".sql"))
            .unwrap();
        sql
    };
    let (create, alter) = (render(None, &v1), render(Some(&v1), &v2));
    let scratch = TempDir::new("hostile");
    pg.create_database("hostile").unwrap();
    let apply =
        |file: &str, sql: &str| support::pg::apply(&pg, "hostile", &[(file, sql)], scratch.path());
    apply("create.sql", &create).unwrap();
    pg.execute(
        "hostile",
        "INSERT INTO \"we'ird$check$\" VALUES (1, 'abc', 1), (2, 'abcd', 2)",
    )
    .unwrap();
    let e = apply("alter.sql", &alter).unwrap_err();
    assert!(
        e.contains("public.we'ird$check$.misfits cannot change to VARCHAR(3): 1 row(s) hold a value that does not fit, e.g. abcd"),
        "{e}"
    );
    pg.execute("hostile", "UPDATE \"we'ird$check$\" SET misfits = 'abc'")
        .unwrap();
    apply("alter-again.sql", &alter).unwrap();
}
