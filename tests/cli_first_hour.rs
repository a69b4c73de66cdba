//! The command line a new user meets in the first hour: machine-readable output that is one
//! JSON document, `--quiet`, colour, acting on some systems, completions and the man page,
//! verify's matrix as Markdown, and the messages that once misled (an `--out` that is a file,
//! template overrides that override nothing, YAML loose in `schemas/`).
//!
//! Where each message issue 15 found misleading is held to its fix:
//! - `--out` at a file named E0301 without the path: E0403 here;
//! - a misspelled relation target gave E0109 before "unknown model": `err/prisma_misspelled_relation_target`;
//! - `flavour:` had no "did you mean `flavor`": `err/flavour_spelled_british`;
//! - a pasted `model User { … }` had no hint: `err/prisma_whole_model_pasted`;
//! - YAML directly in `schemas/` became a system `schemas`: W0401 here;
//! - `--templates` nowhere and misnamed overrides were ignored: E0404 here;
//! - run from a subfolder, "cannot read the schemas folder": `init.rs` (the project is found upward);
//! - `verify` on a non-empty database said "type already exists": E0722 in `verify_existing.rs`;
//! - `verify` without rules said "ok: 0 probes": "nothing to prove" here and in `access_verify.rs`;
//! - `raw("gin_trgm_ops")` failed for want of `pg_trgm`: `extensions.rs`;
//! - `include!` of a generated `models.rs` failed (E0753): `examples/rust-consumer`, `rust_compile.rs`.

mod support;

use std::path::Path;
use std::process::Command;
use support::cli::{finish, Ran};
use support::TempDir;

const BLOG: &str = "flavor: prisma\nmodels:\n  Post:\n    map: posts\n    fields: |\n      id    Int    @id @default(autoincrement())\n      title String @db.VarChar(200)\n";
const SHOP: &str = "flavor: prisma\nmodels:\n  Item:\n    map: items\n    fields: |\n      id   Int    @id @default(autoincrement())\n      name String\n";

fn schemagen(dir: &Path, args: &[&str]) -> Ran {
    schemagen_with(dir, args, &[])
}

fn schemagen_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_schemagen"));
    command.args(args).current_dir(dir).env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    finish(command.output().expect("run schemagen"))
}

/// A project with two systems, `blog` and `shop`.
fn project(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    for (system, yaml) in [("blog", BLOG), ("shop", SHOP)] {
        std::fs::create_dir_all(dir.path().join("schemas").join(system)).unwrap();
        std::fs::write(
            dir.path().join("schemas").join(system).join("models.yaml"),
            yaml,
        )
        .unwrap();
    }
    dir
}

fn json(ran: &Ran) -> serde_json::Value {
    serde_json::from_str(&ran.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", ran.stdout))
}

#[test]
fn build_and_check_print_one_json_document_with_a_summary_and_the_diff_inside() {
    let dir = project("json");
    let build = schemagen(dir.path(), &["build", "--format", "json"]);
    assert_eq!(build.code, 0, "{}", build.all());
    let doc = json(&build);
    assert_eq!(doc["ok"], true);
    assert_eq!(
        doc["summary"]["systems"],
        serde_json::json!(["blog", "shop"])
    );
    assert!(doc["summary"]["written"].as_u64().unwrap() > 0, "{doc}");

    let fresh = schemagen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(fresh.code, 0, "{}", fresh.all());
    assert_eq!(json(&fresh)["stale"], serde_json::json!([]));

    let file = dir.path().join("schemas/blog/models.yaml");
    std::fs::write(&file, BLOG.replace("VarChar(200)", "VarChar(300)")).unwrap();
    let stale = schemagen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    let doc = json(&stale);
    assert_eq!(doc["ok"], false);
    let paths: Vec<&str> = doc["stale"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"generated/blog/schema.json"), "{paths:?}");
    assert!(
        doc["stale"][0]["diff"].as_str().unwrap().contains("@@"),
        "{doc}"
    );

    std::fs::write(&file, "flavor: prisma\nmodel: {}\n").unwrap();
    let broken = schemagen(dir.path(), &["check", "--format", "json"]);
    assert_eq!(broken.code, 1);
    assert_eq!(json(&broken)["diagnostics"][0]["code"], "E0005");
}

#[test]
fn naming_systems_builds_and_checks_only_those_and_keeps_the_others() {
    let dir = project("some");
    let build = schemagen(dir.path(), &["build", "shop"]);
    assert_eq!(build.code, 0, "{}", build.all());
    assert!(dir.path().join("generated/shop/models.rs").is_file());
    assert!(
        !dir.path().join("generated/blog").exists(),
        "blog was not asked for"
    );

    assert_eq!(schemagen(dir.path(), &["build", "blog"]).code, 0);
    assert!(
        dir.path().join("generated/shop/models.rs").is_file(),
        "shop is kept"
    );
    assert_eq!(schemagen(dir.path(), &["check"]).code, 0);

    // A stale blog does not fail a check of shop alone.
    let file = dir.path().join("schemas/blog/models.yaml");
    std::fs::write(&file, BLOG.replace("VarChar(200)", "VarChar(300)")).unwrap();
    assert_eq!(schemagen(dir.path(), &["check", "shop"]).code, 0);
    assert_eq!(schemagen(dir.path(), &["check", "blog"]).code, 1);
    assert_eq!(schemagen(dir.path(), &["validate", "blog", "shop"]).code, 0);

    let unknown = schemagen(dir.path(), &["build", "shpo"]);
    assert_eq!(unknown.code, 1, "{}", unknown.all());
    assert!(
        unknown.stderr.contains("error[E0852]: no system `shpo`")
            && unknown.stderr.contains("did you mean `shop`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn emit_pgtap_asks_for_one_system_in_a_project_of_several() {
    let dir = project("emit");
    let both = schemagen(dir.path(), &["verify", "--emit", "pgtap"]);
    assert_eq!(both.code, 2, "{}", both.all());
    assert!(
        both.stderr
            .contains("error[E0853]: `verify --emit pgtap` writes one system's suite")
            && both.stderr.contains("systems: blog, shop"),
        "{}",
        both.stderr
    );
    assert_eq!(both.stdout, "", "no suite is printed");

    // blog declares no access rules: a suite of no probes would prove nothing.
    if schemagen::cluster::find_server_bin().is_err() {
        support::missing_tool(
            "emit_pgtap_asks_for_one_system_in_a_project_of_several",
            "no PostgreSQL server binaries",
        );
        return;
    }
    let none = schemagen(dir.path(), &["verify", "--emit", "pgtap", "blog"]);
    assert_eq!(none.code, 1, "{}", none.all());
    assert!(none.stderr.contains("nothing to prove"), "{}", none.stderr);
    assert_eq!(none.stdout, "", "no suite is printed");
}

#[test]
fn quiet_keeps_problems_only_and_colour_follows_the_flag_and_no_color() {
    let dir = project("quiet");
    let loud = schemagen(dir.path(), &["build"]);
    assert!(loud.stderr.contains("built 2 systems"), "{}", loud.stderr);
    let quiet = schemagen(dir.path(), &["build", "--quiet"]);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.all(), "", "nothing to say");

    std::fs::write(
        dir.path().join("schemas/blog/models.yaml"),
        "flavor: prisma\nmodel: {}\n",
    )
    .unwrap();
    let quiet = schemagen(dir.path(), &["-q", "validate"]);
    assert!(quiet.stderr.contains("error[E0005]"), "problems still show");
    let escape = "\u{1b}[";
    let plain = schemagen(dir.path(), &["validate"]);
    assert!(!plain.stderr.contains(escape), "not a terminal: no colour");
    let coloured = schemagen(dir.path(), &["validate", "--color", "always"]);
    assert!(coloured.stderr.contains(escape), "{}", coloured.stderr);
    let without_escapes = coloured
        .stderr
        .split(escape)
        .map(|part| part.split_once('m').map_or(part, |(_, rest)| rest))
        .collect::<String>();
    assert_eq!(without_escapes, plain.stderr, "colour adds escapes only");
    let never = schemagen_with(dir.path(), &["validate", "--color", "never"], &[]);
    assert!(!never.stderr.contains(escape));
    let no_color = schemagen_with(dir.path(), &["validate"], &[("NO_COLOR", "1")]);
    assert!(!no_color.stderr.contains(escape));
}

#[test]
fn completions_and_the_man_page_are_printed() {
    let dir = TempDir::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = schemagen(dir.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.all());
        assert!(
            out.stdout.contains("schemagen") && out.stdout.contains("json-schema"),
            "{shell}"
        );
    }
    let man = schemagen(dir.path(), &["man"]);
    assert_eq!(man.code, 0, "{}", man.all());
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH schemagen"),
        "{}",
        man.stdout
    );
}

#[test]
fn json_schema_writes_one_schema_per_flavour_and_for_the_config() {
    let dir = TempDir::new("json-schema");
    let out = schemagen(dir.path(), &["json-schema", "--out", "editor"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for name in ["prisma", "payload", "firestore", "schemagen"] {
        let text = std::fs::read_to_string(dir.path().join("editor").join(format!("{name}.json")))
            .unwrap();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(schema["$schema"]
            .as_str()
            .unwrap()
            .contains("json-schema.org"));
    }
}

#[test]
fn an_out_that_is_a_file_is_named_as_such() {
    let dir = project("out-file");
    std::fs::write(dir.path().join("notes.txt"), "mine\n").unwrap();
    let out = schemagen(dir.path(), &["build", "--out", "notes.txt"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr
            .contains("error[E0403]: the output folder notes.txt is a file"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("E0301"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn template_overrides_that_override_nothing_are_refused() {
    let dir = project("templates");
    let missing = schemagen(dir.path(), &["build", "--templates", "nowhere"]);
    assert_eq!(missing.code, 1, "{}", missing.all());
    assert!(
        missing.stderr.contains("error[E0404]"),
        "{}",
        missing.stderr
    );

    std::fs::create_dir_all(dir.path().join("custom/rust")).unwrap();
    std::fs::write(dir.path().join("custom/rust/models.rs.j2"), "// mine\n").unwrap();
    let misnamed = schemagen(dir.path(), &["build", "--templates", "custom"]);
    assert_eq!(misnamed.code, 1, "{}", misnamed.all());
    assert!(
        misnamed.stderr.contains("rust/models.rs.j2")
            && misnamed
                .stderr
                .contains("did you mean `rust/models.rs.jinja`?"),
        "{}",
        misnamed.stderr
    );
    assert!(!dir.path().join("generated").exists());
}

#[test]
fn yaml_loose_in_the_schemas_folder_is_warned_about() {
    let dir = TempDir::new("loose");
    std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
    std::fs::write(dir.path().join("schemas/models.yaml"), BLOG).unwrap();
    let out = schemagen(dir.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains(
            "warning[W0401]: YAML files directly in schemas form a system named `schemas`"
        ) && out.stderr.contains("schemas/<system>/*.yaml"),
        "{}",
        out.stderr
    );
}

/// A system with an owner rule on a table whose database name holds a `|`.
const NOTES: &str = "flavor: prisma\naccess:\n  user: app.current_user_id\nmodels:\n  Note:\n    map: \"note|s\"\n    fields: |\n      id      Int    @id @default(autoincrement())\n      ownerId String @db.Uuid\n      body    String\n    access:\n      owner: ownerId\n";

/// The cells of each row of every Markdown table in `text`, as a reader sees them.
fn markdown_rows(text: &str) -> Vec<Vec<String>> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut rows: Vec<Vec<String>> = Vec::new();
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => rows.last_mut().unwrap().push(String::new()),
            Event::Text(t) | Event::Code(t) if !rows.is_empty() => {
                if let Some(cell) = rows.last_mut().unwrap().last_mut() {
                    cell.push_str(&t);
                }
            }
            _ => {}
        }
    }
    rows
}

#[test]
fn verify_emits_the_access_matrix_as_a_markdown_table() {
    if schemagen::cluster::find_server_bin().is_err() {
        support::missing_tool(
            "verify_emits_the_access_matrix_as_a_markdown_table",
            "no PostgreSQL server binaries",
        );
        return;
    }
    let dir = project("markdown");
    std::fs::create_dir_all(dir.path().join("schemas/notes")).unwrap();
    std::fs::write(dir.path().join("schemas/notes/models.yaml"), NOTES).unwrap();
    // Markdown, unlike a pgTAP suite, takes every system: a section each.
    let out = schemagen(dir.path(), &["verify", "--emit", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for system in ["blog", "notes", "shop"] {
        assert!(
            out.stdout.contains(&format!("## Access: {system}\n")),
            "{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("Nothing to prove"), "blog has no rules");
    let rows = markdown_rows(&out.stdout);
    let header = &rows[0];
    assert_eq!(header[..3], ["table", "command", "own"], "{}", out.stdout);
    assert!(rows.len() > 5, "{}", out.stdout);
    for row in &rows {
        assert_eq!(
            row.len(),
            header.len(),
            "a cell too many or too few: {row:?}"
        );
    }
    let select = rows
        .iter()
        .find(|r| r[0] == "Note" && r[1] == "select")
        .unwrap();
    assert_eq!(select[2], "allow", "{select:?}");
    assert!(select[3..].iter().any(|c| c == "deny"), "{select:?}");
    assert!(
        out.stdout.contains("**ok**: 0 structural differences"),
        "{}",
        out.stdout
    );
}
