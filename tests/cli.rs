//! The command line as users and CI meet it: exit codes, messages, build → edit → check.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schemagen-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("schemas/blog")).unwrap();
    std::fs::write(
        dir.join("schemas/blog/models.yaml"),
        "flavor: prisma\nmodels:\n  Post:\n    map: posts\n    fields: |\n      id    Int    @id @default(autoincrement())\n      title String @db.VarChar(200)\n",
    )
    .unwrap();
    dir
}

fn schemagen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn usage_errors_exit_with_2() {
    let out = schemagen(&std::env::temp_dir(), &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn build_then_check_then_an_edit_makes_check_fail_with_a_diff() {
    let dir = project("cycle");
    let build = schemagen(&dir, &["build"]);
    assert!(build.status.success(), "{}", text(&build.stderr));
    assert!(dir
        .join("generated/blog/migrations/0001_init.sql")
        .is_file());

    let check = schemagen(&dir, &["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );

    let file = dir.join("schemas/blog/models.yaml");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("VarChar(200)", "VarChar(300)");
    std::fs::write(&file, edited).unwrap();
    let check = schemagen(&dir, &["check"]);
    assert_eq!(check.status.code(), Some(1));
    let diff = text(&check.stdout);
    assert!(
        diff.contains("+++ b/generated/blog/migrations/0002_"),
        "a new migration is shown:\n{diff}"
    );
    assert!(
        diff.contains("VARCHAR(300)"),
        "the diff shows the change:\n{diff}"
    );

    let rebuild = schemagen(&dir, &["build"]);
    assert!(rebuild.status.success());
    assert_eq!(
        schemagen(&dir, &["check"]).status.code(),
        Some(0),
        "build leaves check clean"
    );
}

#[test]
fn invalid_schema_exits_1_points_at_the_line_and_writes_nothing() {
    let dir = project("invalid");
    std::fs::write(
        dir.join("schemas/blog/models.yaml"),
        "flavor: prisma\nmodels:\n  Post:\n    fields: |\n      id    Int    @id\n      title Strin\n",
    )
    .unwrap();
    let out = schemagen(&dir, &["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("schemas/blog/models.yaml:6:"),
        "file:line:column of the bad line:\n{err}"
    );
    assert!(err.contains("Post.title"), "the model.field path:\n{err}");
    assert!(err.contains("String"), "a did-you-mean hint:\n{err}");
    assert!(!dir.join("generated").exists(), "nothing is written");
}

#[test]
fn json_diagnostics_carry_code_file_line_and_column() {
    let dir = project("json");
    std::fs::write(
        dir.join("schemas/blog/models.yaml"),
        "flavor: prisma\nmodel: {}\n",
    )
    .unwrap();
    let out = schemagen(&dir, &["validate", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &json[0];
    assert_eq!(first["code"], "E0005");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 1);
    assert!(first["help"].as_str().unwrap().contains("models"));
}

#[test]
fn a_destructive_change_builds_with_a_warning() {
    let dir = project("destructive");
    assert!(schemagen(&dir, &["build"]).status.success());
    let file = dir.join("schemas/blog/models.yaml");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("      title String @db.VarChar(200)\n", "");
    std::fs::write(&file, edited).unwrap();
    let out = schemagen(&dir, &["build"]);
    assert!(out.status.success(), "a warning does not fail the build");
    let err = text(&out.stderr);
    assert!(
        err.contains("warning[W0301]") && err.contains("title"),
        "the data loss is named:\n{err}"
    );
    let migrations = std::fs::read_dir(dir.join("generated/blog/migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(migrations, 2, "the drop is a new migration");
}

#[test]
fn a_missing_schemas_folder_is_reported() {
    let dir = project("missing");
    let out = schemagen(&dir, &["validate", "--schemas", "nowhere"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[E0001]: cannot read the schemas folder nowhere"));
}

#[test]
fn a_bad_config_is_reported() {
    let dir = project("config");
    std::fs::write(dir.join("schemagen.yaml"), "targets: [postgres, kotlin]\n").unwrap();
    let out = schemagen(&dir, &["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error[E0401]: unknown target `kotlin`") && err.contains("schemagen.yaml:1:"),
        "{err}"
    );
    assert!(!dir.join("generated").exists());
}

#[test]
fn templates_can_be_overridden_and_a_broken_override_is_reported() {
    let dir = project("templates");
    std::fs::create_dir_all(dir.join("custom/typescript")).unwrap();
    let name = "typescript/types.ts.jinja";
    let embedded =
        schemagen::render::embedded_template(name).expect("the TypeScript template is embedded");
    std::fs::write(
        dir.join("custom").join(name),
        format!("// house header\n{embedded}"),
    )
    .unwrap();
    let out = schemagen(&dir, &["build", "--templates", "custom"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ts = std::fs::read_to_string(dir.join("generated/blog/types.ts")).unwrap();
    assert!(
        ts.starts_with("// house header"),
        "the override is used:\n{ts}"
    );

    std::fs::write(dir.join("custom").join(name), "{{ no_such_variable }}").unwrap();
    let out = schemagen(&dir, &["build", "--templates", "custom"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("error[E0402]"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn two_branches_adding_the_same_migration_number_are_caught() {
    let dir = project("branches");
    assert!(schemagen(&dir, &["build"]).status.success());
    let file = dir.join("schemas/blog/models.yaml");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("VarChar(200)", "VarChar(300)");
    std::fs::write(&file, edited).unwrap();
    assert!(schemagen(&dir, &["build"]).status.success());
    // Another team's branch added its own 0002 on top of the same 0001; git merged both files.
    let migrations = dir.join("generated/blog/migrations");
    std::fs::write(
        migrations.join("0002_add_posts_summary.sql"),
        "ALTER TABLE posts ADD COLUMN summary text;\n",
    )
    .unwrap();

    let out = schemagen(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error[E0301]") && err.contains("0002_add_posts_summary.sql"),
        "{err}"
    );
    assert!(err.contains("same number"), "{err}");
}
