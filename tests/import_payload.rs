//! `schemagen import payload --config PATH` judged by Payload itself. Each config is a real
//! Payload 3 config file in a temp project (ES module, `node_modules` linked to the copy
//! `scripts/test` installs in `.tmp/node`), read by the project's own `payload`:
//!
//! - configs made from Payload-style YAML (`examples/payload-website`, the seed `botcafe`) come
//!   back as the same IR: every table, column, key, index and enum (access rules aside: a
//!   Payload config holds those as functions, which the import reports);
//! - a config with hooks, access functions, validate, function defaults, admin components and
//!   a plugin (`tests/fixtures/import/payload/functions/payload.config.ts`) is imported with
//!   each function reported by path, and its YAML builds the database Payload's own builder
//!   (`tests/oracle/payload-sql.mjs`, on the original file) makes, with the differences
//!   `tests/payload_oracle.rs` argues allowed and nothing else;
//! - a dropped field is caught by both comparisons; missing node, a project without
//!   `payload` and a broken config are refused with their codes.

mod support;

use schemagen::ir::System;
use schemagen::load::Node;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::{finish, Ran};
use support::compare::{compare, Allowances};
use support::node::Script;
use support::{pg, TempDir};

fn modules() -> PathBuf {
    support::repo_root().join(".tmp/node/node_modules")
}

/// node and the pinned payload are there; otherwise the missing-tool rule.
fn payload_installed(test: &str) -> bool {
    if support::on_path("node").is_none() {
        support::missing_tool(test, "no `node` on PATH to run Payload with");
        return false;
    }
    if !modules()
        .join("@payloadcms/db-postgres/package.json")
        .is_file()
    {
        support::missing_tool(
            test,
            "no payload in .tmp/node: run `scripts/test`, which installs it",
        );
        return false;
    }
    true
}

/// A Payload project in a temp folder: `package.json` (an ES module, as Payload 3 requires),
/// `node_modules` linked to `.tmp/node`'s, and the config file.
fn project(label: &str, config_name: &str, config: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(label);
    std::fs::write(dir.join("package.json"), "{ \"type\": \"module\" }\n").unwrap();
    std::os::unix::fs::symlink(modules(), dir.join("node_modules")).unwrap();
    let path = dir.join(config_name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

/// Every `richText` field as `json`, as the oracle gives it to Payload (both are `jsonb`; a
/// richText field needs an editor package, which is not installed here).
fn without_rich_text(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(without_rich_text),
        Value::Object(map) => {
            if map.get("type").is_some_and(|t| t == "richText") {
                map.insert("type".into(), "json".into());
            }
            for (key, item) in map.iter_mut() {
                if key != "defaultValue" {
                    without_rich_text(item);
                }
            }
        }
        _ => {}
    }
}

/// The `payload.config.mjs` a Payload team has for a Payload-style system's YAML: the config
/// `tests/payload_oracle.rs` gives Payload's builder, as a module calling `buildConfig`.
fn config_module(files: &[Node]) -> String {
    let mut config = schemagen::render::export::payload::Config::of(files).to_json();
    without_rich_text(&mut config);
    let map = config.as_object_mut().expect("a config is a map");
    let id_type = map.remove("idType").unwrap_or_else(|| "serial".into());
    format!(
        "import {{ buildConfig }} from 'payload'
import {{ postgresAdapter }} from '@payloadcms/db-postgres'

export default buildConfig({{
  secret: 'import-test',
  db: postgresAdapter({{ idType: {id_type}, pool: {{ connectionString: 'postgres://none.invalid/db' }} }}),
  ...{},
}})
",
        serde_json::to_string_pretty(&config).unwrap()
    )
}

fn parse_system(dir: &Path) -> Vec<Node> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| schemagen::load::parse_text(&std::fs::read_to_string(p).unwrap(), 0).unwrap())
        .collect()
}

/// The system compiled from `schemas` (no errors allowed).
fn compile(label: &str, schemas: &Path, name: &str) -> System {
    let out = TempDir::new(label);
    let config = support::Case::new(label.into(), schemas.to_path_buf()).config(out.path());
    let run = schemagen::compile(&config);
    if run.has_errors() {
        let report = schemagen::diagnostics::render::human(&run.diagnostics, &run.sources);
        panic!("{label} does not build:\n{report}");
    }
    let system = run.systems.into_iter().find(|s| s.name == name);
    system.unwrap_or_else(|| panic!("{label}: no system {name}"))
}

/// Writes `yaml` as the system's only file under a temp schemas folder and compiles it.
fn compile_yaml(label: &str, name: &str, yaml: &str) -> System {
    let schemas = TempDir::new(label);
    std::fs::create_dir_all(schemas.join(name)).unwrap();
    std::fs::write(schemas.join(name).join("payload.yaml"), yaml).unwrap();
    compile(label, schemas.path(), name)
}

/// Tables (in order) and enums the same, element by element, as `schema.json` holds them;
/// `Err` names each difference. Access rules are not compared (see the header).
fn same_ir(original: &System, imported: &System) -> Result<(), String> {
    let elements = |system: &System| -> Vec<(String, Value)> {
        let tables = system.tables.iter().map(|t| {
            let name = format!("table {}.{}", t.db_name.schema, t.db_name.name);
            (name, serde_json::to_value(t).unwrap())
        });
        let enums = system.enums.iter().map(|e| {
            let name = format!("enum {}", e.db_name.name);
            (name, serde_json::to_value(e).unwrap())
        });
        tables.chain(enums).collect()
    };
    let (theirs, ours) = (elements(original), elements(imported));
    let ours_by_name: BTreeMap<&String, &Value> = ours.iter().map(|(n, v)| (n, v)).collect();
    let theirs_by_name: BTreeMap<&String, &Value> = theirs.iter().map(|(n, v)| (n, v)).collect();
    let mut problems = Vec::new();
    for (name, value) in &theirs {
        match ours_by_name.get(name) {
            None => problems.push(format!("{name}: missing from the import")),
            Some(ours) if *ours != value => problems.push(format!(
                "{name}: differs\n    original: {value}\n    imported: {ours}"
            )),
            Some(_) => {}
        }
    }
    for (name, _) in &ours {
        if !theirs_by_name.contains_key(name) {
            problems.push(format!("{name}: only in the import"));
        }
    }
    let order = |list: &[(String, Value)]| list.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if problems.is_empty() && order(&theirs) != order(&ours) {
        problems.push("the tables come in another order".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn codes(imported: &schemagen::import::Import) -> BTreeSet<&'static str> {
    imported
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

const SAME_IR: &str = "systems_written_as_payload_configs_come_back_as_the_same_ir";

#[test]
fn systems_written_as_payload_configs_come_back_as_the_same_ir() {
    if !payload_installed(SAME_IR) {
        return;
    }
    let root = support::repo_root();
    let cases = [
        ("website", root.join("examples/payload-website/schemas")),
        ("botcafe", root.join("schemas")),
    ];
    for (name, schemas) in cases {
        let files = parse_system(&schemas.join(name));
        let (_project, config) = project(name, "payload.config.mjs", &config_module(&files));
        let imported = schemagen::import::payload::import(&config, name);
        let report =
            schemagen::diagnostics::render::human(&imported.diagnostics, &imported.sources);
        // A config without functions: only its `secret` is left out (the flavour's own
        // warnings, e.g. botcafe's W0111, are the original YAML's too).
        let import_codes: BTreeSet<&str> = codes(&imported)
            .into_iter()
            .filter(|c| c.starts_with("W08") || c.starts_with('E'))
            .collect();
        assert_eq!(import_codes, BTreeSet::from(["W0822"]), "{name}:\n{report}");
        let yaml = &imported.files[0].1;
        let original = compile(&format!("{name}-original"), &schemas, name);
        let back = compile_yaml(&format!("{name}-imported"), name, yaml);
        if let Err(problems) = same_ir(&original, &back) {
            panic!("{name}: the import is not the original YAML's IR:\n{problems}\n\n{yaml}");
        }
        eprintln!(
            "{name}: {} tables, {} enums come back the same",
            back.tables.len(),
            back.enums.len()
        );
        if name == "website" {
            // The comparison catches a dropped field (a localized one: its column is in
            // `media_locales`).
            let line = yaml
                .lines()
                .find(|l| l.contains("name: caption"))
                .expect("media has a caption field");
            let dropped = yaml.replacen(&format!("{line}\n"), "", 1);
            let broken = compile_yaml("website-dropped", name, &dropped);
            let problems = same_ir(&original, &broken).expect_err("a dropped field is caught");
            assert!(
                problems.contains("table public.media_locales: differs"),
                "{problems}"
            );
        }
    }
}

const FUNCTIONS: &str =
    "a_config_with_functions_builds_the_database_payload_builds_and_reports_each_function";

#[test]
fn a_config_with_functions_builds_the_database_payload_builds_and_reports_each_function() {
    if !payload_installed(FUNCTIONS) {
        return;
    }
    let Some(oracle) = Script::find(
        FUNCTIONS,
        "payload-sql.mjs",
        "@payloadcms/db-postgres/package.json",
        "Payload's schema builder",
    ) else {
        return;
    };
    let Some(pg) = pg::cluster(FUNCTIONS) else {
        return;
    };
    let fixture =
        support::repo_root().join("tests/fixtures/import/payload/functions/payload.config.ts");
    // In `src/`, as Payload's templates keep it: node runs in the project (package.json's folder).
    let (dir, config) = project(
        "functions",
        "src/payload.config.ts",
        &std::fs::read_to_string(&fixture).unwrap(),
    );
    let ran = import(
        &dir,
        &[
            "--config",
            "src/payload.config.ts",
            "--system",
            "blog",
            "--out",
            "schemas",
        ],
        None,
    );
    assert_eq!(ran.code, 0, "{}", ran.all());
    let reported: BTreeSet<&str> = ran
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning[W0820]: "))
        .filter_map(|l| l.split(':').next())
        .collect();
    let functions = [
        "collections.users.access.admin",
        "collections.users.access.read",
        "collections.users.fields.role.access.update",
        "collections.media.upload.adminThumbnail",
        "collections.posts.admin.preview",
        "collections.posts.access.read",
        "collections.posts.access.create",
        "collections.posts.hooks.beforeChange",
        "collections.posts.hooks.afterRead",
        "collections.posts.fields.title.validate",
        "collections.posts.fields.slug.hooks.beforeValidate",
        "collections.posts.fields.publishedAt.defaultValue",
        "collections.posts.fields.author.filterOptions",
        "collections.posts.fields.category.label",
        "globals.settings.hooks.afterChange",
    ];
    assert_eq!(reported, BTreeSet::from(functions), "{}", ran.stderr);
    for also in [
        "warning[W0821]: localization.locales.de.rtl",
        "warning[W0822]: config keys not carried: secret, admin, plugins, onInit",
    ] {
        assert!(ran.stderr.contains(also), "{also}:\n{}", ran.stderr);
    }
    let yaml = std::fs::read_to_string(dir.join("schemas/blog/payload.yaml")).unwrap();
    assert!(yaml.starts_with(
        "# yaml-language-server: $schema=../../.schemagen/json-schema/payload.json\n"
    ));
    // The plugin's collection is there, and the condition that keeps `author` nullable.
    assert!(
        yaml.contains("  - slug: redirects\n") && yaml.contains("condition: "),
        "{yaml}"
    );

    let request = serde_json::json!({ "configFile": config }).to_string();
    let payload_sql = oracle
        .run(&["--no-warnings"], &request)
        .expect("Payload builds its database");
    let scratch = TempDir::new("functions-sql");
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).unwrap();
        pg::apply(&pg, db, sql, scratch.path()).unwrap();
        pg::read_catalog(&pg, db).unwrap()
    };
    let theirs = read("payload", &[("payload.sql", &payload_sql)]);
    let ours_of = |label: &str, yaml: &str, db: &str| {
        let schemas = TempDir::new(label);
        std::fs::create_dir_all(schemas.join("blog")).unwrap();
        std::fs::write(schemas.join("blog/payload.yaml"), yaml).unwrap();
        let out = TempDir::new(&format!("{label}-out"));
        let case = support::Case::new(label.into(), schemas.to_path_buf());
        let run = support::generate(label, &case.config(out.path()));
        let migrations = support::system_files(&run, "blog", |p| {
            p.starts_with("migrations/") && p.ends_with(".sql")
        });
        let system = run.systems.iter().find(|s| s.name == "blog").unwrap();
        (read(db, &migrations), PayloadOwn::for_system(system))
    };
    let (ours, mut allowed) = ours_of("functions-yaml", &yaml, "imported");
    match compare(&theirs, &ours, &mut allowed) {
        Ok(summary) => eprintln!("the imported YAML makes Payload's database{summary}"),
        Err(report) => panic!("the imported YAML does not make Payload's database:\n{report}\n\n{yaml}\n\n{payload_sql}"),
    }
    // The comparison catches a dropped field.
    let dropped = yaml.replacen(", { name: to, type: text }", "", 1);
    assert_ne!(dropped, yaml);
    let (broken, mut allowed) = ours_of("functions-dropped", &dropped, "dropped");
    let report = compare(&theirs, &broken, &mut allowed).expect_err("a dropped field is caught");
    assert!(
        report.contains("table public.redirects: column to missing"),
        "{report}"
    );
}

/// What `tests/payload_oracle.rs` argues schemagen may differ in (docs/flavours/payload.md,
/// "Where schemagen differs"), as far as this config reaches: Payload's own collections
/// (admin state, made only with `payloadTables: true`) and the CHECKs bounds make.
struct PayloadOwn {
    checks: BTreeSet<String>,
}

const PAYLOAD_TABLES: &[&str] = &[
    "payload_kv",
    "payload_locked_documents",
    "payload_locked_documents_rels",
    "payload_preferences",
    "payload_preferences_rels",
    "payload_migrations",
];

impl PayloadOwn {
    fn for_system(system: &System) -> PayloadOwn {
        let checks = system
            .tables
            .iter()
            .flat_map(|t| t.checks.iter().map(|c| c.db_name.clone()));
        PayloadOwn {
            checks: checks.collect(),
        }
    }
}

impl Allowances for PayloadOwn {
    fn tool(&self) -> &'static str {
        "Payload"
    }
    fn compares_schemas(&self) -> bool {
        false
    }
    fn compares_comments(&self) -> bool {
        false
    }
    fn theirs_only_table(&self, name: &str) -> Option<String> {
        let table = name.trim_start_matches("public.");
        PAYLOAD_TABLES
            .contains(&table)
            .then(|| format!("Payload's {table}"))
    }
    fn ours_only_object(
        &mut self,
        _table: &str,
        kind: &str,
        object: &str,
        definition: &str,
    ) -> Option<String> {
        let bound =
            kind == "constraint" && definition.starts_with("CHECK") && self.checks.contains(object);
        bound.then(|| format!("check {object}"))
    }
}

/// `schemagen import payload ARGS` in `dir`; `path` replaces PATH when given.
fn import(dir: &Path, args: &[&str], path: Option<&str>) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_schemagen"));
    command
        .args(["import", "payload"])
        .args(args)
        .current_dir(dir);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    finish(command.output().expect("run schemagen"))
}

#[test]
fn no_node_no_payload_or_a_broken_config_is_refused_with_a_hint() {
    let test = "no_node_no_payload_or_a_broken_config_is_refused_with_a_hint";
    let dir = TempDir::new("import-payload-refused");
    let out = ["--out", "schemas"];
    let missing = import(
        &dir,
        &[&["--config", "payload.config.ts"][..], &out].concat(),
        None,
    );
    refused_in(&missing, &dir, "E0820", "--config src/payload.config.ts");
    std::fs::write(dir.join("payload.config.ts"), "export default {}\n").unwrap();
    let no_node = import(
        &dir,
        &[&["--config", "payload.config.ts"][..], &out].concat(),
        Some(""),
    );
    refused_in(&no_node, &dir, "E0821", "install Node.js");
    if !payload_installed(test) {
        return;
    }
    // No node_modules: nothing resolves `payload`, and nothing is installed.
    let no_payload = import(
        &dir,
        &[&["--config", "payload.config.ts"][..], &out].concat(),
        None,
    );
    refused_in(&no_payload, &dir, "E0822", "`npm install` in the project");
    let (project_dir, _) = project(
        "import-payload-broken",
        "payload.config.ts",
        "throw new Error('no DATABASE_URI set')\n",
    );
    let broken = import(
        &project_dir,
        &["--config", "payload.config.ts", "--out", "schemas"],
        None,
    );
    refused_in(&broken, &project_dir, "E0823", "no DATABASE_URI set");
    std::fs::write(
        project_dir.join("plain.config.mjs"),
        "export default { collections: [] }\n",
    )
    .unwrap();
    let plain = import(
        &project_dir,
        &["--config", "plain.config.mjs", "--out", "schemas"],
        None,
    );
    refused_in(&plain, &project_dir, "E0823", "never called `buildConfig`");
}

fn refused_in(ran: &Ran, dir: &Path, code: &str, text: &str) {
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert!(
        ran.stderr.contains(&format!("error[{code}]")) && ran.stderr.contains(text),
        "{code} {text}:\n{}",
        ran.stderr
    );
    assert!(!dir.join("schemas").exists(), "nothing is written");
}
