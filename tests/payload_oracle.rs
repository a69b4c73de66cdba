//! The Payload flavour's promise: a team arriving from Payload gets exactly the database
//! Payload's Postgres adapter makes, so it switches without a data migration.
//!
//! The oracle is Payload's own pipeline (`tests/oracle/payload-sql.mjs`, run offline by node,
//! one process for all systems: the config sanitizer, the adapter's schema builder and its
//! bundled drizzle-kit). Every Payload-style system (`schemas/`, `tests/fixtures/ok/payload_*`, `examples/*/schemas`) is
//! turned into its Payload config; Payload's SQL goes into one database, schemagen's
//! migrations into another, and the two catalogs are compared object by object, as Postgres
//! spells them. The differences allowed are schemagen's documented ones (docs/flavours/
//! payload.md, "Where schemagen differs"), each listed in [`Allowed`].

mod support;

use schemagen::cluster::Cluster;
use schemagen::ir::System;
use schemagen::load::Node;
use schemagen::render::export::payload::Config;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::compare::compare;
use support::payload::{Allowed, Oracle};
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
    let configs = TempDir::new("payload-oracle-configs");
    let systems = judged_systems(configs.path());
    let paths: Vec<PathBuf> = systems.iter().map(|s| s.config_path.clone()).collect();
    let mut answers = oracle
        .migrations(&paths)
        .unwrap_or_else(|e| panic!("Payload's builder did not run: {e}"));
    let mut failures = Vec::new();
    for (n, judged) in systems.iter().enumerate() {
        let payload = answers
            .remove(&judged.config_path)
            .unwrap_or_else(|| Err("no answer".into()));
        match check_system(&pg, &format!("db{n}"), judged, payload) {
            Ok(allowed) => eprintln!("{}: same as Payload's database{allowed}", judged.label),
            Err(report) => failures.push(format!("{}:\n{report}", judged.label)),
        }
    }
    let checked: Vec<&str> = systems.iter().map(|s| s.label.as_str()).collect();
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

/// One Payload-style system, its config written for the oracle, and schemagen's side.
struct Judged {
    label: String,
    /// Where a failed comparison keeps its inputs.
    folder: String,
    config_path: PathBuf,
    config_text: String,
    has_auth: bool,
    system: System,
    migrations: Vec<(String, String)>,
}

/// Every Payload-style system: its config (the product's translation of its YAML) written
/// into `configs` as JSON, and its IR and migrations from schemagen.
fn judged_systems(configs: &Path) -> Vec<Judged> {
    let mut judged = Vec::new();
    for case in support::payload::cases() {
        let systems = support::payload::systems(case.schemas());
        if systems.is_empty() {
            continue;
        }
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for (name, files) in systems {
            let label = format!("{} / {name}", case.label);
            let system = run.systems.iter().find(|s| s.name == name);
            let system = system.unwrap_or_else(|| panic!("{label}: schemagen made no system"));
            let migrations = support::system_files(&run, &name, |p| {
                p.starts_with("migrations/") && p.ends_with(".sql")
            });
            let config = Config::of(&files);
            let config_text =
                serde_json::to_string_pretty(&config.to_json()).expect("JSON serializes");
            let config_path = configs.join(format!("{}.json", judged.len()));
            std::fs::write(&config_path, &config_text).expect("writing a config");
            judged.push(Judged {
                folder: format!("{}-{name}", case.label),
                label,
                config_path,
                config_text,
                has_auth: support::payload::has_auth(&config.collections),
                system: system.clone(),
                migrations: migrations
                    .into_iter()
                    .map(|(p, c)| (p.to_string(), c.to_string()))
                    .collect(),
            });
        }
    }
    judged
}

/// One system: Payload's database against schemagen's. `Ok` carries the allowed differences
/// (for the log); `Err` every other difference, plus where the config and Payload's SQL were kept.
fn check_system(
    pg: &Cluster,
    database: &str,
    judged: &Judged,
    payload_sql: Result<String, String>,
) -> Result<String, String> {
    let payload_sql = payload_sql.map_err(|e| {
        let kept = keep(&judged.folder, &judged.config_text, "");
        format!("  Payload refused the config ({kept}):\n{e}")
    })?;
    let mut allowed = Allowed::for_system(&judged.system, judged.has_auth, true);
    let payload_sql = allowed.without_postgis(&payload_sql);
    let scratch = TempDir::new(database);
    let theirs = format!("{database}_payload");
    let ours = format!("{database}_schemagen");
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).map_err(|e| e.to_string())?;
        pg::apply(pg, db, sql, scratch.path())?;
        pg::read_catalog(pg, db)
    };
    let migrations: Vec<(&str, &str)> = judged
        .migrations
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let report = read(&theirs, &[("payload.sql", &payload_sql)]).and_then(|payload| {
        let schemagen = read(&ours, &migrations)?;
        compare(&payload, &schemagen, &mut allowed)
    });
    report.map_err(|report| {
        let kept = keep(&judged.folder, &judged.config_text, &payload_sql);
        format!("{report}  (the config and Payload's SQL: {kept})")
    })
}

/// Writes the inputs of a failed comparison where a developer can read them.
fn keep(folder: &str, config: &str, sql: &str) -> String {
    support::keep(
        "payload_oracle",
        folder,
        &[("config.json", config), ("payload.sql", sql)],
    )
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
/// keys Payload holds as code left out (never inside a `defaultValue`), files joined in order.
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
        "flavor: payload\nglobals:\n  - { slug: footer, fields: [] }\nseed: []\nidType: serial\n",
    ];
    let files: Vec<Node> = files
        .iter()
        .map(|text| schemagen::load::parse_text(text, 0).expect("the YAML parses"))
        .collect();
    assert!(schemagen::render::export::payload::is_payload_style(&files));
    let config = Config::of(&files);
    assert_eq!(
        config.to_json(),
        serde_json::json!({
            "idType": "uuid",
            "localization": { "locales": ["en", "de"] },
            "collections": [
                { "slug": "posts", "fields": [{ "name": "body", "type": "richText", "defaultValue": { "access": "kept" } }] },
            ],
            "globals": [{ "slug": "footer", "fields": [] }],
            "blocks": []
        })
    );
    assert!(!support::payload::has_auth(&config.collections));
}
