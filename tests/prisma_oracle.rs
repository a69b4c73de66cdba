//! The Prisma flavour's promise: a team arriving from Prisma gets exactly the database
//! `prisma migrate` would make, so it switches without a data migration.
//!
//! The oracle is Prisma's own schema engine (`tests/oracle/prisma-diff.mjs`, run offline by
//! node). Every Prisma-style system (each `schemas/<system>/` and `tests/fixtures/ok/prisma_*`
//! system whose files are all `flavor: prisma`, and the systems under `tests/oracle/systems/`
//! for the features those do not use) is turned into its `schema.prisma`; Prisma's
//! SQL goes into one database, schemagen's migrations into another, and the two catalogs are
//! compared object by object, as Postgres itself spells them. Objects only schemagen makes
//! from YAML-only keys (`indexes:`, `checks:`, comments, `access: { encrypted }` columns,
//! `partition:`'s partitioning and partitions) are allowed and listed.

mod support;

use schemagen::cluster::Cluster;
use schemagen::load::Node;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::compare::{compare, Allowances};
use support::pg;
use support::prisma_engine::Engine;
use support::prisma_schema::{self, PrismaSchema, YamlOnly};
use support::TempDir;

const TEST: &str = "every_prisma_style_system_makes_the_database_prisma_makes";

#[test]
fn every_prisma_style_system_makes_the_database_prisma_makes() {
    let Some(oracle) = Engine::find(TEST) else {
        return;
    };
    let Some(pg) = pg::cluster(TEST) else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    let own = support::repo_root().join("tests/oracle/systems");
    let cases = support::cases()
        .into_iter()
        .filter(|case| case.label == "schemas" || case.label.starts_with("fixture-prisma_"))
        .chain([support::Case::new("oracle".into(), own)]);
    for case in cases {
        let systems = prisma_systems(case.schemas());
        if systems.is_empty() {
            continue;
        }
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for (name, files) in systems {
            let label = format!("{} / {name}", case.label);
            let database = format!("db{}", checked.len());
            checked.push(label.clone());
            let migrations = support::system_files(&run, &name, |p| {
                p.starts_with("migrations/") && p.ends_with(".sql")
            });
            let system = run.systems.iter().find(|s| s.name == name);
            let system = system.unwrap_or_else(|| panic!("{label}: schemagen made no system"));
            let folder = format!("{}-{name}", case.label);
            match check_system(
                &oracle,
                &pg,
                &database,
                &folder,
                &files,
                system,
                &migrations,
            ) {
                Ok(allowed) => eprintln!("{label}: same as Prisma's database{allowed}"),
                Err(report) => failures.push(format!("{label}:\n{report}")),
            }
        }
    }
    eprintln!(
        "compared {} systems with Prisma: {checked:?}",
        checked.len()
    );
    // A filter that silently stopped matching would make this test pass having checked nothing.
    assert!(
        checked.len() >= 9,
        "only {checked:?} were compared: are the Prisma-style systems still found?"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

const IMPORT_TEST: &str = "every_imported_schema_prisma_makes_the_database_prisma_makes";

/// `schemagen import prisma` on public `schema.prisma` files nobody here wrote
/// (`tests/fixtures/import/prisma/<case>/`, each with a README citing repository, commit and
/// licence): each imports without a diagnostic, builds, applies to Postgres, and its catalog
/// is the one Prisma's engine makes from the original file.
#[test]
fn every_imported_schema_prisma_makes_the_database_prisma_makes() {
    let cases = support::subfolders(&support::repo_root().join("tests/fixtures/import/prisma"));
    let Some(oracle) = Engine::find(IMPORT_TEST) else {
        return;
    };
    let Some(pg) = pg::cluster(IMPORT_TEST) else {
        return;
    };
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = support::file_name(case);
        match import_and_compare(&oracle, &pg, &format!("import{i}"), case, &name) {
            Ok(summary) => eprintln!("import {name}: same as Prisma's database{summary}"),
            Err(report) => failures.push(format!("import {name}:\n{report}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        cases.len() >= 3,
        "only {cases:?}: three public schemas at least"
    );
}

/// One public schema: `schema.prisma`, or a `schema/` folder of `.prisma` files.
fn import_and_compare(
    oracle: &Engine,
    pg: &Cluster,
    database: &str,
    case: &Path,
    name: &str,
) -> Result<String, String> {
    let file = case.join("schema.prisma");
    let input = if file.exists() {
        file
    } else {
        case.join("schema")
    };
    let imported = schemagen::import::prisma::import(&input, name, false);
    if !imported.diagnostics.is_empty() {
        let report =
            schemagen::diagnostics::render::human(&imported.diagnostics, &imported.sources);
        return Err(format!("  the import reported:\n{report}"));
    }
    let scratch = TempDir::new(database);
    let schemas = scratch.path().join("schemas");
    schemagen::import::write_system(&schemas, name, &imported.files).map_err(|d| d.message)?;
    let case_run = support::Case::new(format!("import-{name}"), schemas.clone());
    let run = support::generate(
        &case_run.label,
        &case_run.config(&scratch.path().join("out")),
    );
    let migrations = support::system_files(&run, name, |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    });
    let system = run
        .systems
        .iter()
        .find(|s| s.name == name)
        .ok_or("no system")?;
    let (_, files) = prisma_systems(&schemas)
        .into_iter()
        .next()
        .ok_or("no YAML")?;
    // Prisma reads a multi-file schema as the files together.
    let original = prisma_files_text(&input);
    let schema = PrismaSchema {
        text: original,
        ..prisma_schema::to_prisma(&files)?
    };
    compare_with_prisma(oracle, pg, database, name, &schema, system, &migrations)
}

fn prisma_files_text(input: &Path) -> String {
    if input.is_file() {
        return std::fs::read_to_string(input).expect("reading the schema");
    }
    let mut paths: Vec<PathBuf> = walk(input);
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("reading the schema"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("reading the schema folder")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "prisma") {
            out.push(path);
        }
    }
    out
}

/// The systems below `schemas` whose files are all Prisma-style, each with its parsed files.
fn prisma_systems(schemas: &Path) -> Vec<(String, Vec<Node>)> {
    let systems = schemagen::load::discover_systems(schemas)
        .unwrap_or_else(|e| panic!("reading {}: {e}", schemas.display()));
    let parse = |path: &PathBuf| {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        schemagen::load::parse_text(&text, 0)
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message))
    };
    systems
        .into_iter()
        .map(|(name, paths)| (name, paths.iter().map(parse).collect::<Vec<_>>()))
        .filter(|(_, files)| prisma_schema::is_pure_prisma(files))
        .collect()
}

/// One system: Prisma's database against schemagen's. `Ok` carries the allowed extras (for
/// the log); `Err` every difference, plus where the schema.prisma and Prisma's SQL were kept.
fn check_system(
    oracle: &Engine,
    pg: &Cluster,
    database: &str,
    folder: &str,
    files: &[Node],
    system: &schemagen::ir::System,
    migrations: &[(&str, &str)],
) -> Result<String, String> {
    let schema = prisma_schema::to_prisma(files).map_err(|e| format!("  converting: {e}"))?;
    compare_with_prisma(oracle, pg, database, folder, &schema, system, migrations)
}

/// Prisma's database for `schema.text` against the one `migrations` make.
fn compare_with_prisma(
    oracle: &Engine,
    pg: &Cluster,
    database: &str,
    folder: &str,
    schema: &PrismaSchema,
    system: &schemagen::ir::System,
    migrations: &[(&str, &str)],
) -> Result<String, String> {
    let prisma_sql = oracle.migration(&schema.text).map_err(|e| {
        let kept = keep(folder, &schema.text, "");
        format!("  Prisma's engine refused the schema ({kept}):\n{e}")
    })?;
    let scratch = TempDir::new(database);
    let theirs = format!("{database}_prisma");
    let ours = format!("{database}_schemagen");
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).map_err(|e| e.to_string())?;
        pg::apply(pg, db, sql, scratch.path())?;
        pg::read_catalog(pg, db)
    };
    let report = read(&theirs, &[("prisma.sql", &prisma_sql)]).and_then(|prisma| {
        let schemagen = read(&ours, migrations)?;
        let allowed = allowances(schema, system);
        compare(&prisma, &schemagen, &mut YamlExtras::new(&allowed))
    });
    report.map_err(|report| {
        let kept = keep(folder, &schema.text, &prisma_sql);
        format!("{report}  (schema.prisma and Prisma's SQL: {kept})")
    })
}

/// Writes the inputs of a failed comparison where a developer can read them.
fn keep(folder: &str, schema: &str, sql: &str) -> String {
    support::keep(
        "prisma_oracle",
        folder,
        &[("schema.prisma", schema), ("prisma.sql", sql)],
    )
}

/// The YAML-only objects schemagen may add, by table (`schema.name`).
fn allowances<'a>(
    schema: &'a PrismaSchema,
    system: &schemagen::ir::System,
) -> BTreeMap<String, &'a YamlOnly> {
    system
        .tables
        .iter()
        .filter_map(|table| {
            let extras = schema.yaml_only.get(&table.name)?;
            let key = format!("{}.{}", table.db_name.schema, table.db_name.name);
            Some((key, extras))
        })
        .collect()
}

/// What the YAML-only keys let schemagen add, by table (`schema.name`): checks and indexes by
/// name, as many unnamed indexes as there are `indexes:` entries without a name, `bytea` for
/// encrypted columns, partitioning and its partitions.
struct YamlExtras<'a> {
    tables: &'a BTreeMap<String, &'a YamlOnly>,
    unnamed_indexes_used: BTreeMap<String, usize>,
}

impl<'a> YamlExtras<'a> {
    fn new(tables: &'a BTreeMap<String, &'a YamlOnly>) -> Self {
        YamlExtras {
            tables,
            unnamed_indexes_used: BTreeMap::new(),
        }
    }

    fn yaml(&self, table: &str) -> Option<&'a YamlOnly> {
        self.tables.get(table).copied()
    }
}

impl Allowances for YamlExtras<'_> {
    fn tool(&self) -> &'static str {
        "Prisma"
    }

    fn label(&self) -> &'static str {
        "YAML-only"
    }

    fn partitioned(&self, table: &str, key: &str) -> Option<String> {
        let yaml = self.yaml(table)?;
        yaml.partitioned
            .then(|| format!("partitioning of {table} by {key}"))
    }

    /// A partition of a table whose YAML asks for partitioning: its columns, keys and indexes
    /// are its parent's, compared already.
    fn ours_only_table(&self, name: &str, table: &pg::Table) -> Option<String> {
        let parent = self.yaml(table.partition_of.as_deref()?)?;
        parent.partitioned.then(|| format!("partition {name}"))
    }

    /// A column the `access:` key stores encrypted is `bytea` whatever Prisma's type for it.
    fn changed_object(&self, table: &str, kind: &str, object: &str, ours: &str) -> Option<String> {
        let yaml = self.yaml(table)?;
        let encrypted =
            kind == "column" && yaml.encrypted.contains(object) && ours.starts_with("bytea");
        encrypted.then(|| format!("{kind} {object} (encrypted)"))
    }

    fn ours_only_object(
        &mut self,
        table: &str,
        kind: &str,
        object: &str,
        definition: &str,
    ) -> Option<String> {
        let yaml = self.yaml(table)?;
        let used = self
            .unnamed_indexes_used
            .entry(table.to_string())
            .or_default();
        let allowed = match kind {
            "constraint" => definition.starts_with("CHECK") && yaml.checks.contains(object),
            "index" if yaml.named_indexes.contains(object) => true,
            "index" if *used < yaml.unnamed_indexes => {
                *used += 1;
                true
            }
            _ => false,
        };
        allowed.then(|| format!("{kind} {object}"))
    }
}

/// The converter keeps model bodies verbatim and turns the YAML keys that stand for Prisma
/// attributes into those attributes; the YAML-only keys are left out and counted.
#[test]
fn yaml_becomes_the_schema_prisma_a_prisma_team_would_write() {
    let files = [
        r#"
flavor: prisma
schema: app
enums:
  Role: [USER, ADMIN]
  Visibility:
    map: visibility_level
    schema: public
    comment: not Prisma
    values: |
      PRIVATE
      PUBLIC @map("public")
models:
  Post:
    map: posts
    comment: not Prisma
    fields: |
      id    Int    @id @default(autoincrement())
      /// kept, as Prisma keeps doc comments
      title String @db.VarChar(200)
    indexes:
      - name: posts_search
        expression: "to_tsvector('english', title)"
      - columns: [title]
    checks:
      posts_title_not_empty: "title <> ''"
"#,
        r#"
flavor: prisma
models:
  Setting:
    fields:
      key: String @id
      value: Json
  Log:
    fields: |
      id Int @id
      @@schema("audit")
"#,
    ];
    let files: Vec<Node> = files
        .iter()
        .map(|text| schemagen::load::parse_text(text, 0).expect("the YAML parses"))
        .collect();
    assert!(prisma_schema::is_pure_prisma(&files));
    let schema = prisma_schema::to_prisma(&files).unwrap();
    assert_eq!(
        schema.text,
        r#"datasource db {
  provider = "postgresql"
  schemas  = ["app", "audit", "public"]
}

enum Role {
  USER
  ADMIN
  @@schema("app")
}

enum Visibility {
  PRIVATE
  PUBLIC @map("public")
  @@map("visibility_level")
  @@schema("public")
}

model Post {
  id    Int    @id @default(autoincrement())
  /// kept, as Prisma keeps doc comments
  title String @db.VarChar(200)
  @@map("posts")
  @@schema("app")
}

model Setting {
  key String @id
  value Json
  @@schema("public")
}

model Log {
  id Int @id
  @@schema("audit")
}
"#
    );
    let post = &schema.yaml_only["Post"];
    assert_eq!(
        post.named_indexes.iter().collect::<Vec<_>>(),
        ["posts_search"]
    );
    assert_eq!(post.unnamed_indexes, 1);
    assert_eq!(
        post.checks.iter().collect::<Vec<_>>(),
        ["posts_title_not_empty"]
    );

    let payload = schemagen::load::parse_text("flavor: payload\n", 0).unwrap();
    assert!(!prisma_schema::is_pure_prisma(&[files[0].clone(), payload]));
}

/// The comparison itself, on two hand-written databases: it must accept the objects the YAML
/// allows and name every other difference, each once.
#[test]
fn comparison_names_every_difference_and_allows_only_yaml_extras() {
    let test = "comparison_names_every_difference_and_allows_only_yaml_extras";
    let Some(pg) = pg::cluster(test) else {
        return;
    };
    let prisma = r#"
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "posts" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "authorId" INTEGER NOT NULL,
    CONSTRAINT "posts_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "users" ("id" SERIAL NOT NULL, CONSTRAINT "users_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "posts_title_key" ON "posts"("title");
CREATE INDEX "posts_authorId_idx" ON "posts"("authorId");
ALTER TABLE "posts" ADD CONSTRAINT "posts_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
"#;
    let ours = prisma
        .replace("'USER', 'ADMIN'", "'USER', 'ADMIN', 'GUEST'")
        .replace("VARCHAR(200) NOT NULL", "VARCHAR(100) NOT NULL")
        .replace(
            "CREATE TABLE \"users\"",
            "CREATE SCHEMA \"stray\";\nCREATE TABLE \"users\"",
        )
        .replace(
            "\"role\" \"Role\" NOT NULL DEFAULT 'USER',\n    \"authorId\" INTEGER NOT NULL,",
            "\"authorId\" INTEGER NOT NULL,\n    \"role\" \"Role\" NOT NULL DEFAULT 'ADMIN',",
        )
        .replace("\"posts_authorId_fkey\"", "\"posts_author_fk\"")
        .replace(
            "CREATE INDEX \"posts_authorId_idx\"",
            "CREATE INDEX \"posts_author\"",
        )
        + r#"
CREATE INDEX "posts_search" ON "posts" USING gin (to_tsvector('english', "title"));
CREATE INDEX "posts_id_idx" ON "posts"("id");
CREATE INDEX "posts_stray" ON "posts"("title", "id");
ALTER TABLE "posts" ADD CONSTRAINT "posts_title_not_empty" CHECK ("title" <> '');
ALTER TABLE "posts" ADD CONSTRAINT "posts_stray_check" CHECK ("id" > 0);
ALTER TABLE "posts" ADD COLUMN "extra" TEXT;
CREATE TABLE "stray" ("id" INTEGER);
COMMENT ON TABLE "posts" IS 'allowed';
"#;
    let dir = TempDir::new("oracle-compare");
    let read = |db: &str, sql: &str| {
        pg.create_database(db).unwrap();
        pg::apply(&pg, db, &[("0001.sql", sql)], dir.path()).unwrap();
        pg::read_catalog(&pg, db).unwrap()
    };
    let theirs = read("theirs", prisma);
    let yaml = YamlOnly {
        named_indexes: ["posts_search".to_string()].into(),
        unnamed_indexes: 1,
        checks: ["posts_title_not_empty".to_string()].into(),
        // Encryption allows `bytea` only: title's other type change is still reported below.
        encrypted: ["title".to_string()].into(),
        partitioned: false,
    };
    let allowed = BTreeMap::from([("public.posts".to_string(), &yaml)]);
    assert_eq!(
        compare(
            &theirs,
            &read("same", prisma),
            &mut YamlExtras::new(&allowed)
        ),
        Ok(" (1 enums, 2 tables, 5 columns, 3 constraints, 4 indexes)".into())
    );

    let report = compare(
        &theirs,
        &read("ours", &ours),
        &mut YamlExtras::new(&allowed),
    )
    .unwrap_err();
    let expected = [
        "schema stray: only schemagen made it",
        "enum public.Role: values USER, ADMIN, GUEST where Prisma has USER, ADMIN",
        "table public.posts: column role is `public.\"Role\" NOT NULL DEFAULT 'ADMIN'::public.\"Role\"` where Prisma has `public.\"Role\" NOT NULL DEFAULT 'USER'::public.\"Role\"`",
        "table public.posts: column title is `character varying(100) NOT NULL` where Prisma has `character varying(200) NOT NULL`",
        "table public.posts: column extra only schemagen made: `text`",
        "table public.posts: constraint posts_author_fk should be named posts_authorId_fkey (as Prisma does): `FOREIGN KEY (\"authorId\") REFERENCES public.users(id) ON UPDATE CASCADE ON DELETE RESTRICT`",
        "table public.posts: constraint posts_stray_check only schemagen made: `CHECK ((id > 0))`",
        "table public.posts: index posts_author should be named posts_authorId_idx (as Prisma does): `INDEX USING btree (\"authorId\")`",
        // One unnamed YAML index is allowed (posts_id_idx, first by name); the second is not.
        "table public.posts: index posts_stray only schemagen made: `INDEX USING btree (title, id)`",
        "table public.posts: columns in the order id, title, authorId, role where Prisma has id, title, role, authorId",
        "table public.stray: only schemagen made it",
    ];
    let lines: Vec<&str> = report.lines().map(str::trim).collect();
    assert_eq!(lines, expected, "\n{report}");
}
