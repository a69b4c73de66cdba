//! `extensions:` on real PostgreSQL: the extensions a system declares are created before what
//! uses them, in the first migration, and in a new migration when a system with rows adopts
//! one.

mod support;

use std::path::Path;
use std::process::Command;
use support::cli::{finish, Ran};
use support::TempDir;

const V1: &str = r#"flavor: prisma
extensions: [citext, pgcrypto]
models:
  Post:
    map: posts
    fields: |
      id     Int    @id @default(autoincrement())
      title  String
      digest String @default(dbgenerated("encode(digest('', 'sha256'), 'hex')"))
    checks:
      posts_title_not_blank: "title::citext <> ''"
"#;

/// V1 plus `pg_trgm` and the trigram index the docs show, which needs it.
const V2: &str = r#"flavor: prisma
extensions: [citext, pgcrypto, pg_trgm]
models:
  Post:
    map: posts
    fields: |
      id     Int    @id @default(autoincrement())
      title  String
      digest String @default(dbgenerated("encode(digest('', 'sha256'), 'hex')"))

      @@index([title(ops: raw("gin_trgm_ops"))], type: Gin, map: "posts_title_trgm")
    checks:
      posts_title_not_blank: "title::citext <> ''"
"#;

fn schemagen(dir: &Path, args: &[&str]) -> Ran {
    finish(
        Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run schemagen"),
    )
}

fn write_schema(dir: &Path, yaml: &str) {
    std::fs::create_dir_all(dir.join("schemas/app")).unwrap();
    std::fs::write(dir.join("schemas/app/models.yaml"), yaml).unwrap();
}

fn migration(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("generated/app/migrations").join(name)).unwrap()
}

#[test]
fn extensions_are_created_before_use_first_and_on_a_database_with_rows() {
    const TEST: &str = "extensions_are_created_before_use_first_and_on_a_database_with_rows";
    let Some(pg) = support::pg::cluster(TEST) else {
        return;
    };
    let dir = TempDir::new("extensions");
    write_schema(dir.path(), V1);
    let build = schemagen(dir.path(), &["build"]);
    assert_eq!(build.code, 0, "{}", build.all());
    let init = migration(dir.path(), "0001_init.sql");
    let created = init
        .find("CREATE EXTENSION IF NOT EXISTS \"citext\";")
        .expect("citext is created");
    assert!(
        init.contains("CREATE EXTENSION IF NOT EXISTS \"pgcrypto\";"),
        "{init}"
    );
    assert!(created < init.find("CREATE TABLE").unwrap(), "{init}");

    pg.create_database("app").unwrap();
    let url = pg.connection_string("app");
    let deploy = schemagen(dir.path(), &["migrate", "deploy", "--database-url", &url]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    pg.execute(
        "app",
        "INSERT INTO posts (title) SELECT 'post ' || n FROM generate_series(1, 500) n",
    )
    .unwrap();
    let refused = pg.execute("app", "INSERT INTO posts (title) VALUES ('')");
    assert!(refused.is_err(), "the citext check holds");

    // Adopting pg_trgm later: a new migration creates it before the index that needs it.
    write_schema(dir.path(), V2);
    let build = schemagen(dir.path(), &["build"]);
    assert_eq!(build.code, 0, "{}", build.all());
    let names: Vec<String> = std::fs::read_dir(dir.path().join("generated/app/migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("0002"))
        .collect();
    let [second] = names.as_slice() else {
        panic!("one new migration: {names:?}")
    };
    let sql = migration(dir.path(), second);
    let extension = sql
        .find("CREATE EXTENSION IF NOT EXISTS \"pg_trgm\";")
        .expect("pg_trgm is created");
    assert!(extension < sql.find("gin_trgm_ops").unwrap(), "{sql}");
    assert!(
        !sql.contains("\"citext\""),
        "kept extensions are not created again:\n{sql}"
    );

    let deploy = schemagen(dir.path(), &["migrate", "deploy", "--database-url", &url]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    let installed = pg
        .query("app", "SELECT extname FROM pg_extension ORDER BY extname")
        .unwrap();
    let installed: Vec<&str> = installed.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(installed, ["citext", "pg_trgm", "pgcrypto", "plpgsql"]);
    let rows = pg
        .query("app", "SELECT count(*) FROM posts WHERE title % 'post 42'")
        .unwrap();
    assert!(rows[0][0].parse::<u32>().unwrap() >= 1, "{rows:?}");

    // Removing a declaration drops nothing: other code may use the extension.
    write_schema(dir.path(), V1);
    let build = schemagen(dir.path(), &["build", "--accept-data-loss"]);
    assert_eq!(build.code, 0, "{}", build.all());
    let all: String = std::fs::read_dir(dir.path().join("generated/app/migrations"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    assert!(!all.to_uppercase().contains("DROP EXTENSION"), "{all}");
}

#[test]
fn a_bad_extension_name_is_refused() {
    let dir = TempDir::new("bad-extension");
    write_schema(
        dir.path(),
        "flavor: prisma\nextensions: [\"pg_trgm; DROP TABLE x\"]\nmodels:\n  A:\n    fields: |\n      id Int @id\n",
    );
    let out = schemagen(dir.path(), &["build"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("error[E0851]"), "{}", out.stderr);
    assert!(!dir.path().join("generated").exists());
}

/// PostGIS (from Debian, installed by `scripts/test`): a check that calls its functions needs
/// the extension created first.
#[test]
fn postgis_is_created_before_the_check_that_uses_it() {
    const TEST: &str = "postgis_is_created_before_the_check_that_uses_it";
    let Some(pg) = support::pg::cluster(TEST) else {
        return;
    };
    pg.create_database("geo").unwrap();
    let available = pg
        .query(
            "geo",
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'",
        )
        .unwrap();
    if available[0][0] != "1" {
        support::missing_tool(TEST, "PostGIS is not installed (postgresql-15-postgis-3)");
        return;
    }
    let dir = TempDir::new("postgis");
    write_schema(
        dir.path(),
        r#"flavor: prisma
extensions: [postgis]
models:
  Place:
    map: places
    fields: |
      id  Int   @id @default(autoincrement())
      lng Float
      lat Float
    checks:
      places_on_earth: "ST_Y(ST_SetSRID(ST_MakePoint(lng, lat), 4326)) BETWEEN -90 AND 90"
"#,
    );
    let build = schemagen(dir.path(), &["build"]);
    assert_eq!(build.code, 0, "{}", build.all());
    let url = pg.connection_string("geo");
    let deploy = schemagen(dir.path(), &["migrate", "deploy", "--database-url", &url]);
    assert_eq!(deploy.code, 0, "{}", deploy.all());
    pg.execute("geo", "INSERT INTO places (lng, lat) VALUES (2.35, 48.85)")
        .unwrap();
    assert!(
        pg.execute("geo", "INSERT INTO places (lng, lat) VALUES (0, 91)")
            .is_err(),
        "the PostGIS check holds"
    );
}
