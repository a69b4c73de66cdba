//! The Payload flavour's promise: a team arriving from Payload gets exactly the database
//! Payload's Postgres adapter makes, so it switches without a data migration.
//!
//! The oracle is Payload's own pipeline (`tests/oracle/payload-sql.mjs`, run offline by node:
//! the config sanitizer, the adapter's schema builder and its bundled drizzle-kit). Every
//! Payload-style system (`schemas/`, `tests/fixtures/ok/payload_*`, `examples/*/schemas`) is
//! turned into its Payload config; Payload's SQL goes into one database, schemagen's
//! migrations into another, and the two catalogs are compared object by object, as Postgres
//! spells them. The differences allowed are schemagen's documented ones (docs/flavours/
//! payload.md, "Where schemagen differs"), each listed in [`Allowed`].

mod support;

use schemagen::cluster::Cluster;
use schemagen::ir::{ScalarType, System};
use schemagen::load::Node;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::compare::{compare, Allowances};
use support::node::Script;
use support::payload_config;
use support::pg;
use support::TempDir;

const TEST: &str = "every_payload_style_system_makes_the_database_payload_makes";

#[test]
fn every_payload_style_system_makes_the_database_payload_makes() {
    let Some(oracle) = Oracle::find(TEST) else {
        return;
    };
    let Some(pg) = pg::cluster(TEST) else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    let examples = support::subfolders(&support::repo_root().join("examples"))
        .into_iter()
        .filter(|dir| dir.join("schemas").is_dir())
        .map(|dir| {
            let label = format!("example-{}", support::file_name(&dir));
            support::Case::new(label, dir.join("schemas"))
        });
    let cases = support::cases()
        .into_iter()
        .filter(|case| case.label == "schemas" || case.label.starts_with("fixture-payload_"))
        .chain(examples);
    for case in cases {
        let systems = payload_systems(case.schemas());
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
            let inputs = Inputs {
                files: &files,
                system,
                migrations: &migrations,
            };
            match check_system(&oracle, &pg, &database, &folder, &inputs) {
                Ok(allowed) => eprintln!("{label}: same as Payload's database{allowed}"),
                Err(report) => failures.push(format!("{label}:\n{report}")),
            }
        }
    }
    eprintln!(
        "compared {} systems with Payload: {checked:?}",
        checked.len()
    );
    // A filter that silently stopped matching would make this test pass having checked nothing.
    assert!(
        checked.len() >= 9,
        "only {checked:?} were compared: are the Payload-style systems still found?"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The systems below `schemas` whose files are all Payload-style, each with its parsed files.
fn payload_systems(schemas: &Path) -> Vec<(String, Vec<Node>)> {
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
        .filter(|(_, files)| payload_config::is_pure_payload(files))
        .collect()
}

struct Inputs<'a> {
    files: &'a [Node],
    system: &'a System,
    migrations: &'a [(&'a str, &'a str)],
}

/// One system: Payload's database against schemagen's. `Ok` carries the allowed differences
/// (for the log); `Err` every other difference, plus where the config and Payload's SQL were kept.
fn check_system(
    oracle: &Oracle,
    pg: &Cluster,
    database: &str,
    folder: &str,
    inputs: &Inputs,
) -> Result<String, String> {
    let config = payload_config::to_config(inputs.files);
    let config_text = serde_json::to_string_pretty(&config).expect("JSON serializes");
    let payload_sql = oracle.migration(&config_text).map_err(|e| {
        let kept = keep(folder, &config_text, "");
        format!("  Payload refused the config ({kept}):\n{e}")
    })?;
    let mut allowed = Allowed::for_system(inputs.system, &config);
    let payload_sql = allowed.without_postgis(&payload_sql);
    let scratch = TempDir::new(database);
    let theirs = format!("{database}_payload");
    let ours = format!("{database}_schemagen");
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).map_err(|e| e.to_string())?;
        pg::apply(pg, db, sql, scratch.path())?;
        pg::read_catalog(pg, db)
    };
    let report = read(&theirs, &[("payload.sql", &payload_sql)]).and_then(|payload| {
        let schemagen = read(&ours, inputs.migrations)?;
        compare(&payload, &schemagen, &mut allowed)
    });
    report.map_err(|report| {
        let kept = keep(folder, &config_text, &payload_sql);
        format!("{report}  (the config and Payload's SQL: {kept})")
    })
}

/// Writes the inputs of a failed comparison where a developer can read them.
fn keep(folder: &str, config: &str, sql: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("payload_oracle")
        .join(folder);
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("config.json"), config))
        .and_then(|()| std::fs::write(dir.join("payload.sql"), sql));
    match written {
        Ok(()) => dir.display().to_string(),
        Err(e) => format!("not kept: {e}"),
    }
}

/// Payload's own collections: admin state, not the team's data, which schemagen makes only when
/// the YAML opts in (`payloadTables: true`, which makes `payload_kv`).
const PAYLOAD_TABLES: &[&str] = &[
    "payload_kv",
    "payload_locked_documents",
    "payload_locked_documents_rels",
    "payload_preferences",
    "payload_preferences_rels",
    "payload_migrations",
];
/// The jobs queue Payload adds for scheduled publishing: never made (docs/flavours/payload.md).
const PAYLOAD_JOBS: &[&str] = &["payload_jobs", "payload_jobs_log"];

/// The differences schemagen makes on purpose (docs/flavours/payload.md), for one system.
#[derive(Debug, Default)]
struct Allowed {
    /// `public.<table>` → the CHECK constraints its `min`/`max`/`minLength`/`maxLength` make.
    checks: BTreeMap<String, BTreeSet<String>>,
    /// `(table, column)` of every `point` field: Payload's is PostGIS `geometry(Point)`, which
    /// a plain Postgres lacks; Payload's SQL gets `point` (and GiST for its btree index) instead.
    points: BTreeSet<(String, String)>,
    /// Tables only Payload makes: its own collections, and the admin user collection the
    /// translator adds to a config without an auth collection.
    payload_only: BTreeSet<String>,
}

impl Allowed {
    fn for_system(system: &System, config: &serde_json::Value) -> Allowed {
        let mut allowed = Allowed::default();
        for table in &system.tables {
            let key = format!("{}.{}", table.db_name.schema, table.db_name.name);
            let checks = table.checks.iter().map(|c| c.db_name.clone()).collect();
            allowed.checks.insert(key, checks);
            for column in &table.columns {
                if column.ty.scalar == ScalarType::GeoPoint {
                    let place = (table.db_name.name.clone(), column.db_name.clone());
                    allowed.points.insert(place);
                }
            }
        }
        if config["admin"]["user"] == payload_config::ORACLE_ADMINS {
            let admins = payload_config::ORACLE_ADMINS.replace('-', "_");
            let tables = [
                format!("public.{admins}"),
                format!("public.{admins}_sessions"),
            ];
            allowed.payload_only.extend(tables);
        }
        let opted_in = system.tables.iter().any(|t| t.db_name.name == "payload_kv");
        let internal = PAYLOAD_TABLES.iter().filter(|_| !opted_in);
        let internal = internal.chain(PAYLOAD_JOBS).map(|t| format!("public.{t}"));
        allowed.payload_only.extend(internal);
        allowed
    }

    /// Payload's SQL with `point` for `geometry(Point)` (and its default), and a GiST index
    /// where it has btree (a `point` has no btree operator class).
    fn without_postgis(&self, sql: &str) -> String {
        let mut table = String::new();
        let mut out = String::with_capacity(sql.len());
        for line in sql.lines() {
            if let Some(rest) = line.strip_prefix("CREATE TABLE \"") {
                table = rest.split('"').next().unwrap_or_default().to_string();
            }
            let mut line = line.replace(" geometry(Point)", " point");
            if let Some(spelled) = point_default(&line) {
                line = spelled;
            }
            let on_point = self.points.iter().any(|(t, c)| {
                line.contains(&format!("ON \"{t}\" USING btree (\"{c}\")"))
                    || (t == &table && line.contains(&format!("\"{c}\" point")))
            });
            if on_point {
                line = line.replace("USING btree", "USING gist");
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// A PostGIS default `'SRID=4326;POINT(x y)'` as a Postgres point `'(x,y)'`.
fn point_default(line: &str) -> Option<String> {
    let start = line.find("'SRID=4326;POINT(")?;
    let end = start + line[start..].find(")'")? + 2;
    let inner = &line[start + "'SRID=4326;POINT(".len()..end - 2];
    let (x, y) = inner.split_once(' ')?;
    Some(format!("{}'({x},{y})'{}", &line[..start], &line[end..]))
}

impl Allowances for Allowed {
    fn tool(&self) -> &'static str {
        "Payload"
    }

    /// Payload's builder puts everything in `public` and writes no comments.
    fn compares_schemas(&self) -> bool {
        false
    }

    fn compares_comments(&self) -> bool {
        false
    }

    fn theirs_only_table(&self, name: &str) -> Option<String> {
        self.payload_only
            .contains(name)
            .then(|| format!("Payload's {name}"))
    }

    /// Enums of Payload's own tables (`enum_payload_jobs_…`) go with them.
    fn theirs_only_enum(&self, name: &str) -> bool {
        self.payload_only.iter().any(|t| {
            let table = t.trim_start_matches("public.");
            name.starts_with(&format!("public.enum_{table}_"))
        })
    }

    /// A CHECK schemagen alone made is fine when it comes from `min`/`max` bounds.
    fn ours_only_object(
        &mut self,
        table: &str,
        kind: &str,
        object: &str,
        definition: &str,
    ) -> Option<String> {
        let bound = kind == "constraint"
            && definition.starts_with("CHECK")
            && self.checks.get(table).is_some_and(|c| c.contains(object));
        bound.then(|| format!("check {object}"))
    }

    fn notes(&self) -> Vec<String> {
        if self.points.is_empty() {
            return Vec::new();
        }
        let points: Vec<String> = self
            .points
            .iter()
            .map(|(t, c)| format!("{t}.{c}"))
            .collect();
        vec![format!("point for geometry(Point): {}", points.join(", "))]
    }
}

/// Payload's pipeline (the config sanitizer, the Postgres adapter's schema builder and its
/// bundled drizzle-kit), run by node from the copy `scripts/test` installs in `.tmp/node`.
struct Oracle(Script);

impl Oracle {
    fn find(test: &str) -> Option<Oracle> {
        Script::find(
            test,
            "payload-sql.mjs",
            "@payloadcms/db-postgres/package.json",
            "Payload's schema builder",
        )
        .map(Oracle)
    }

    /// The statements `payload migrate:create` would write for `config` on an empty database.
    fn migration(&self, config: &str) -> Result<String, String> {
        self.0.run(&["--no-warnings"], config)
    }
}

/// The comparison itself, on two hand-written databases: it must allow schemagen's documented
/// differences only, and name every other difference once.
#[test]
fn comparison_names_every_difference_and_allows_only_documented_ones() {
    let test = "comparison_names_every_difference_and_allows_only_documented_ones";
    let Some(pg) = pg::cluster(test) else {
        return;
    };
    let payload = r#"
CREATE TABLE "posts" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" varchar,
	"stars" numeric,
	"loc" geometry(Point) DEFAULT 'SRID=4326;POINT(13.4 52.5)',
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
CREATE TABLE "payload_kv" ("id" serial PRIMARY KEY NOT NULL, "key" varchar NOT NULL);
CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);
ALTER TABLE "posts" ADD COLUMN "author_id" integer;
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
CREATE INDEX "posts_loc_idx" ON "posts" USING btree ("loc");
CREATE INDEX "posts_created_at_idx" ON "posts" USING btree ("created_at");
"#;
    let mut allowed = Allowed {
        checks: BTreeMap::from([(
            "public.posts".to_string(),
            BTreeSet::from(["posts_stars_check".to_string()]),
        )]),
        points: BTreeSet::from([("posts".to_string(), "loc".to_string())]),
        payload_only: BTreeSet::from(["public.payload_kv".to_string()]),
    };
    let payload = allowed.without_postgis(payload);
    let ours = payload
        .replace(
            "\"created_at\" timestamp(3) with time zone DEFAULT now() NOT NULL",
            "\"created_at\" timestamp(3) with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL",
        )
        .replace("\"posts_author_id_users_id_fk\"", "\"posts_author_fk\"")
        .replace(
            "CREATE INDEX \"posts_created_at_idx\" ON \"posts\" USING btree (\"created_at\");",
            "",
        )
        .replace(
            "CREATE TABLE \"payload_kv\" (\"id\" serial PRIMARY KEY NOT NULL, \"key\" varchar NOT NULL);",
            "CREATE TABLE \"stray\" (\"id\" integer);",
        )
        + r#"
ALTER TABLE "posts" ADD CONSTRAINT "posts_stars_check" CHECK ("stars" >= 1);
ALTER TABLE "posts" ADD CONSTRAINT "posts_title_check" CHECK (char_length("title") > 0);
"#;
    let dir = TempDir::new("payload-oracle-compare");
    let read = |db: &str, sql: &str| {
        pg.create_database(db).unwrap();
        pg::apply(&pg, db, &[("0001.sql", sql)], dir.path()).unwrap();
        pg::read_catalog(&pg, db).unwrap()
    };
    let theirs = read("theirs", &payload);
    assert_eq!(
        compare(&theirs, &read("same", &payload), &mut allowed),
        Ok(" (0 enums, 3 tables, 9 columns, 4 constraints, 5 indexes); allowed: point for geometry(Point): posts.loc".into())
    );
    let report = compare(&theirs, &read("ours", &ours), &mut allowed).unwrap_err();
    let expected = [
        "table public.posts: column created_at is `timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP` where Payload has `timestamp(3) with time zone NOT NULL DEFAULT now()`",
        "table public.posts: constraint posts_author_fk should be named posts_author_id_users_id_fk (as Payload does): `FOREIGN KEY (author_id) REFERENCES public.users(id) ON DELETE SET NULL`",
        "table public.posts: constraint posts_title_check only schemagen made: `CHECK ((char_length((title)::text) > 0))`",
        "table public.posts: index posts_created_at_idx missing (Payload: `INDEX USING btree (created_at)`)",
        "table public.stray: only schemagen made it",
    ];
    let lines: Vec<&str> = report.lines().map(str::trim).collect();
    assert_eq!(lines, expected, "\n{report}");
}

/// The YAML becomes the Payload config a Payload team writes: schemagen's own keys and the
/// keys Payload holds as functions left out, files joined, an admin collection added when the
/// system has no auth collection.
#[test]
fn yaml_becomes_the_payload_config_a_payload_team_writes() {
    let files = [
        r#"
flavor: payload
idType: uuid
localization: { locales: [en, de] }
collections:
  - slug: posts
    access: { owner: author }
    renamedFrom: articles
    fields:
      - { name: body, type: richText, hooks: { beforeChange: [] }, defaultValue: { access: kept } }
"#,
        "flavor: payload\nglobals:\n  - { slug: footer, fields: [] }\nseed: []\n",
    ];
    let files: Vec<Node> = files
        .iter()
        .map(|text| schemagen::load::parse_text(text, 0).expect("the YAML parses"))
        .collect();
    assert!(payload_config::is_pure_payload(&files));
    let config = payload_config::to_config(&files);
    assert_eq!(
        config,
        serde_json::json!({
            "idType": "uuid",
            "localization": { "locales": ["en", "de"] },
            "collections": [
                { "slug": "posts", "fields": [{ "name": "body", "type": "json", "defaultValue": { "access": "kept" } }] },
                { "slug": "oracle-admins", "auth": true, "fields": [] }
            ],
            "globals": [{ "slug": "footer", "fields": [] }],
            "admin": { "user": "oracle-admins" }
        })
    );
}
