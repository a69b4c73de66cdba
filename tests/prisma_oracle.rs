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
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::pg::{self, Catalog};
use support::prisma_schema::{self, PrismaSchema, YamlOnly};
use support::TempDir;

const TEST: &str = "every_prisma_style_system_makes_the_database_prisma_makes";

#[test]
fn every_prisma_style_system_makes_the_database_prisma_makes() {
    let Some(oracle) = Oracle::find(TEST) else {
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
    let Some(oracle) = Oracle::find(IMPORT_TEST) else {
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
    oracle: &Oracle,
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
    let original = for_the_engine(&prisma_files_text(&input));
    let schema = PrismaSchema {
        text: original,
        ..prisma_schema::to_prisma(&files)?
    };
    compare_with_prisma(oracle, pg, database, name, &schema, system, &migrations)
}

/// The schema as the oracle's engine (Prisma 7) takes it: connection URLs move to
/// `prisma.config.ts` there, and generators do not change the database; only the
/// `postgresqlExtensions` preview feature does, when the datasource lists extensions.
fn for_the_engine(text: &str) -> String {
    let mut out = String::new();
    let (mut in_generator, mut in_datasource) = (false, false);
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("generator ") {
            in_generator = !trimmed.trim_end().ends_with('}');
            continue;
        }
        if in_generator {
            in_generator = !trimmed.starts_with('}');
            continue;
        }
        if trimmed.starts_with("datasource ") {
            in_datasource = true;
        } else if trimmed.starts_with('}') {
            in_datasource = false;
        }
        let key = trimmed.split(['=', ' ']).next().unwrap_or_default();
        if in_datasource && matches!(key, "url" | "directUrl" | "shadowDatabaseUrl") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if text
        .lines()
        .any(|l| l.trim_start().starts_with("extensions"))
    {
        out.insert_str(
            0,
            "generator client {\n  provider        = \"prisma-client-js\"\n  previewFeatures = [\"postgresqlExtensions\"]\n}\n",
        );
    }
    out
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
    oracle: &Oracle,
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
    oracle: &Oracle,
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
        compare(&prisma, &schemagen, &allowed)
    });
    report.map_err(|report| {
        let kept = keep(folder, &schema.text, &prisma_sql);
        format!("{report}  (schema.prisma and Prisma's SQL: {kept})")
    })
}

/// Writes the inputs of a failed comparison where a developer can read them.
fn keep(folder: &str, schema: &str, sql: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("prisma_oracle")
        .join(folder);
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("schema.prisma"), schema))
        .and_then(|()| std::fs::write(dir.join("prisma.sql"), sql));
    match written {
        Ok(()) => dir.display().to_string(),
        Err(e) => format!("not kept: {e}"),
    }
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

/// Every difference between Prisma's catalog and schemagen's, as one readable report (`Err`),
/// or the list of allowed schemagen-only objects (`Ok`).
fn compare(
    prisma: &Catalog,
    ours: &Catalog,
    allowed: &BTreeMap<String, &YamlOnly>,
) -> Result<String, String> {
    let mut problems = String::new();
    let mut extras = Vec::new();
    let mut problem = |line: String| writeln!(problems, "  {line}").unwrap();

    for schema in prisma.schemas.difference(&ours.schemas) {
        problem(format!("schema {schema}: missing"));
    }
    for schema in ours.schemas.difference(&prisma.schemas) {
        problem(format!("schema {schema}: only schemagen made it"));
    }
    for (name, values) in &prisma.enums {
        match ours.enums.get(name) {
            None => problem(format!(
                "enum {name}: missing (Prisma: {})",
                values.join(", ")
            )),
            Some(v) if v != values => problem(format!(
                "enum {name}: values {} where Prisma has {}",
                v.join(", "),
                values.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in ours.enums.keys().filter(|n| !prisma.enums.contains_key(*n)) {
        problem(format!("enum {name}: only schemagen made it"));
    }

    for (name, theirs) in &prisma.tables {
        let Some(table) = ours.tables.get(name) else {
            problem(format!("table {name}: missing"));
            continue;
        };
        let none = YamlOnly::default();
        let mut yaml_only = Allowance::new(allowed.get(name).copied().unwrap_or(&none));
        if table.partitioned_by != theirs.partitioned_by {
            match &table.partitioned_by {
                Some(key) if yaml_only.yaml.partitioned && theirs.partitioned_by.is_none() => {
                    extras.push(format!("partitioning of {name} by {key}"))
                }
                ours => problem(format!(
                    "table {name}: partitioned by {ours:?} where Prisma has {:?}",
                    theirs.partitioned_by
                )),
            }
        }
        let parts = [
            ("column", &theirs.columns, &table.columns),
            ("constraint", &theirs.constraints, &table.constraints),
            ("index", &theirs.indexes, &table.indexes),
        ];
        for (kind, theirs, ours) in parts {
            for line in compare_objects(kind, theirs, ours, &mut yaml_only, &mut extras) {
                problem(format!("table {name}: {line}"));
            }
        }
        // Only the columns both have: a missing or extra one is reported above already.
        let common = |order: &[String], other: &BTreeMap<String, String>| -> Vec<String> {
            order
                .iter()
                .filter(|c| other.contains_key(*c))
                .cloned()
                .collect()
        };
        let (prisma_order, our_order) = (
            common(&theirs.column_order, &table.columns),
            common(&table.column_order, &theirs.columns),
        );
        if prisma_order != our_order {
            problem(format!(
                "table {name}: columns in the order {} where Prisma has {}",
                our_order.join(", "),
                prisma_order.join(", ")
            ));
        }
    }
    for (name, table) in ours
        .tables
        .iter()
        .filter(|(n, _)| !prisma.tables.contains_key(*n))
    {
        // A partition of a table whose YAML asks for partitioning: its columns, keys and
        // indexes are its parent's, compared above.
        let partition_of_yaml = table
            .partition_of
            .as_ref()
            .and_then(|parent| allowed.get(parent))
            .is_some_and(|yaml| yaml.partitioned);
        if partition_of_yaml {
            extras.push(format!("partition {name}"));
        } else {
            problem(format!("table {name}: only schemagen made it"));
        }
    }

    for comment in prisma.comments.difference(&ours.comments) {
        problem(format!("comment {comment}: missing"));
    }
    let comments = ours.comments.difference(&prisma.comments).count();
    if problems.is_empty() {
        let mut allowed = format!(" ({})", prisma.summary());
        if !extras.is_empty() {
            write!(allowed, "; YAML-only: {}", extras.join(", ")).unwrap();
        }
        if comments > 0 {
            write!(allowed, "; {comments} comments").unwrap();
        }
        Ok(allowed)
    } else {
        Err(problems)
    }
}

/// The differences between one table's columns, constraints or indexes in the two databases.
/// An object schemagen alone made is fine when the YAML asked for it (then it goes to
/// `extras`); one that differs from Prisma's only by its name is reported as a rename.
fn compare_objects(
    kind: &str,
    theirs: &BTreeMap<String, String>,
    ours: &BTreeMap<String, String>,
    yaml_only: &mut Allowance,
    extras: &mut Vec<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut only_ours: BTreeMap<&str, &str> = ours
        .iter()
        .filter(|(object, _)| !theirs.contains_key(*object))
        .map(|(object, definition)| (object.as_str(), definition.as_str()))
        .collect();
    for (object, definition) in theirs {
        match ours.get(object) {
            Some(d) if d == definition => {}
            Some(d) if yaml_only.allows_encrypted(kind, object, d) => {
                extras.push(format!("{kind} {object} (encrypted)"))
            }
            Some(d) => problems.push(format!(
                "{kind} {object} is `{d}` where Prisma has `{definition}`"
            )),
            None => {
                let renamed = only_ours.iter().find(|(_, d)| *d == definition);
                if let Some((&ours_name, _)) = renamed {
                    only_ours.remove(ours_name);
                    problems.push(format!(
                        "{kind} {ours_name} should be named {object} (as Prisma does): `{definition}`"
                    ));
                } else {
                    problems.push(format!("{kind} {object} missing (Prisma: `{definition}`)"));
                }
            }
        }
    }
    for (object, definition) in only_ours {
        if yaml_only.allows(kind, object, definition) {
            extras.push(format!("{kind} {object}"));
        } else {
            problems.push(format!(
                "{kind} {object} only schemagen made: `{definition}`"
            ));
        }
    }
    problems
}

/// What one table's YAML-only keys let schemagen add: checks by name, indexes by name, and as
/// many unnamed indexes as there are `indexes:` entries without a name.
struct Allowance<'a> {
    yaml: &'a YamlOnly,
    unnamed_indexes_left: usize,
}

impl<'a> Allowance<'a> {
    fn new(yaml: &'a YamlOnly) -> Self {
        Allowance {
            yaml,
            unnamed_indexes_left: yaml.unnamed_indexes,
        }
    }

    /// A column the `access:` key stores encrypted is `bytea` whatever Prisma's type for it.
    fn allows_encrypted(&self, kind: &str, object: &str, ours: &str) -> bool {
        kind == "column" && self.yaml.encrypted.contains(object) && ours.starts_with("bytea")
    }

    fn allows(&mut self, kind: &str, object: &str, definition: &str) -> bool {
        match kind {
            "constraint" => definition.starts_with("CHECK") && self.yaml.checks.contains(object),
            "index" if self.yaml.named_indexes.contains(object) => true,
            "index" if self.unnamed_indexes_left > 0 => {
                self.unnamed_indexes_left -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Prisma's schema engine, run by node from the copy `scripts/test` installs in `.tmp/node`.
struct Oracle {
    node: PathBuf,
    /// Holds a copy of the script next to a `node_modules` link: ES modules resolve their
    /// imports from where the importing file lives (NODE_PATH does not apply to them).
    dir: TempDir,
}

impl Oracle {
    fn find(test: &str) -> Option<Oracle> {
        let modules = support::repo_root().join(".tmp/node/node_modules");
        let Some(node) = support::on_path("node") else {
            support::missing_tool(test, "no `node` on PATH to run Prisma's schema engine with");
            return None;
        };
        if !modules
            .join("@prisma/schema-engine-wasm/package.json")
            .is_file()
        {
            support::missing_tool(
                test,
                "no @prisma/schema-engine-wasm in .tmp/node: run `scripts/test`, which installs it",
            );
            return None;
        }
        let dir = TempDir::new("prisma-oracle");
        let script = support::repo_root().join("tests/oracle/prisma-diff.mjs");
        std::fs::copy(&script, dir.path().join("prisma-diff.mjs"))
            .unwrap_or_else(|e| panic!("copying {}: {e}", script.display()));
        std::os::unix::fs::symlink(&modules, dir.path().join("node_modules"))
            .unwrap_or_else(|e| panic!("linking {}: {e}", modules.display()));
        Some(Oracle { node, dir })
    }

    /// The migration `prisma migrate` would write for `schema` on an empty database.
    fn migration(&self, schema: &str) -> Result<String, String> {
        let mut child = Command::new(&self.node)
            .args([
                "--experimental-wasm-modules",
                "--no-warnings",
                "prisma-diff.mjs",
            ])
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.node.display()))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        std::io::Write::write_all(&mut stdin, schema.as_bytes())
            .map_err(|e| format!("writing the schema to node: {e}"))?;
        drop(stdin);
        let output = child
            .wait_with_output()
            .map_err(|e| format!("waiting for node: {e}"))?;
        if !output.status.success() {
            // Prisma's message, without node's excerpt of the wasm glue and its stack trace.
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message: Vec<&str> = stderr
                .lines()
                .skip_while(|line| !line.starts_with("Error"))
                .take_while(|line| !line.trim_start().starts_with("at "))
                .collect();
            return Err(if message.is_empty() {
                stderr.into_owned()
            } else {
                message.join("\n")
            });
        }
        String::from_utf8(output.stdout).map_err(|e| format!("node wrote no UTF-8: {e}"))
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
        compare(&theirs, &read("same", prisma), &allowed),
        Ok(" (1 enums, 2 tables, 5 columns, 3 constraints, 4 indexes)".into())
    );

    let report = compare(&theirs, &read("ours", &ours), &allowed).unwrap_err();
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
