//! The command line as users and CI meet it: exit codes, messages, build → edit → check.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::TempDir;

/// A project folder, removed when the test ends (or fails).
fn project(name: &str) -> TempDir {
    support::cli::blog_project(&format!("cli-{name}"))
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
    assert_eq!(json["ok"], false);
    let first = &json["diagnostics"][0];
    assert_eq!(first["code"], "E0005");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 1);
    assert!(first["help"].as_str().unwrap().contains("models"));
}

/// Every file under `dir`, with its contents: what a refused build must leave untouched.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

fn drop_title(dir: &Path) {
    let file = dir.join("schemas/blog/models.yaml");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("      title String @db.VarChar(200)\n", "");
    std::fs::write(&file, edited).unwrap();
}

/// The `.sql` files of the blog system (the folder also holds `schemagen.sum`).
fn migration_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("generated/blog/migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count()
}

#[test]
fn a_destructive_change_is_refused_until_accepted_by_the_flag() {
    let dir = project("destructive");
    assert!(schemagen(&dir, &["build"]).status.success());
    drop_title(&dir);
    let before = tree(&dir.join("generated"));
    for command in ["build", "check"] {
        let out = schemagen(&dir, &[command]);
        assert_eq!(out.status.code(), Some(1), "{command} refuses the loss");
        let err = text(&out.stderr);
        assert!(
            err.contains("error[E0310]: blog: the new migration drops column public.posts.title")
                && err.contains("schemas/blog/models.yaml:3:3")
                && err.contains("--accept-data-loss")
                && err.contains("acceptDataLoss"),
            "{command}: the loss is named, placed and how to proceed said:\n{err}"
        );
    }
    assert_eq!(
        tree(&dir.join("generated")),
        before,
        "a refused build writes nothing"
    );
    let out = schemagen(&dir, &["build", "--accept-data-loss"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning[W0301]") && err.contains("title"),
        "the data loss is still named:\n{err}"
    );
    assert_eq!(migration_count(&dir), 2, "the drop is a new migration");
    let check = schemagen(&dir, &["check"]);
    assert!(check.status.success(), "{}", text(&check.stderr));
}

/// The code targets render while the system is planned, and the plan runs whatever the
/// targets: a change it refuses is refused when no target renders the migration.
#[test]
fn a_refused_plan_writes_nothing_whatever_the_targets() {
    let dir = project("refused-code-only");
    assert!(schemagen(&dir, &["build"]).status.success());
    std::fs::write(dir.join("schemagen.yaml"), "targets: [typescript, rust]\n").unwrap();
    drop_title(&dir);
    let before = tree(&dir.join("generated"));
    let out = schemagen(&dir, &["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("error[E0310]"));
    assert_eq!(
        tree(&dir.join("generated")),
        before,
        "a refused build writes nothing"
    );
}

#[test]
fn a_destructive_change_is_accepted_by_the_schema_naming_it() {
    let dir = project("acknowledged");
    assert!(schemagen(&dir, &["build"]).status.success());
    drop_title(&dir);
    let file = dir.join("schemas/blog/models.yaml");
    let mut text_of = std::fs::read_to_string(&file).unwrap();
    // Another loss's path accepts nothing here.
    text_of.push_str("acceptDataLoss:\n  - public.posts.body\n");
    std::fs::write(&file, &text_of).unwrap();
    let out = schemagen(&dir, &["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    std::fs::write(
        &file,
        text_of.replace("public.posts.body", "public.posts.title"),
    )
    .unwrap();
    let out = schemagen(&dir, &["build"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning[W0301]"));
    assert_eq!(migration_count(&dir), 2);
    let sql = std::fs::read_dir(dir.join("generated/blog/migrations"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .find(|sql| sql.contains("DROP COLUMN"))
        .unwrap();
    assert!(sql.contains("-- WARNING: destructive: drop column public.posts.title"));
    // Once written, the entry names nothing in the plan: harmless, and may be deleted.
    let out = schemagen(&dir, &["check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(
        &file,
        text_of.replace("acceptDataLoss:\n  - public.posts.body\n", ""),
    )
    .unwrap();
    assert!(schemagen(&dir, &["check"]).status.success());
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

/// A field renamed without saying so: `build` and `check` stop (E0302) and write nothing;
/// `@renamedFrom` makes it a RENAME COLUMN; `--accept-data-loss` plans the drop as asked.
#[test]
fn an_undeclared_rename_stops_the_build_until_declared_or_accepted() {
    let dir = project("rename");
    assert!(schemagen(&dir, &["build"]).status.success());
    let file = dir.join("schemas/blog/models.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let edit = |line: &str| {
        let edited = original.replace("      title String @db.VarChar(200)\n", line);
        std::fs::write(&file, edited).unwrap();
    };
    let migrations = || {
        let dir = dir.join("generated/blog/migrations");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    };
    edit("      headline String @db.VarChar(200)\n");
    for command in ["build", "check"] {
        let out = schemagen(&dir, &[command]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        let err = text(&out.stderr);
        assert!(
            err.contains("error[E0302]") && err.contains("@renamedFrom(\"title\")"),
            "{command} names the rename to declare:\n{err}"
        );
    }
    assert_eq!(migrations(), ["0001_init.sql"], "nothing written");

    edit("      headline String @db.VarChar(200) @renamedFrom(\"title\")\n");
    let out = schemagen(&dir, &["build"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sql = std::fs::read_to_string(dir.join("generated/blog/migrations").join(&migrations()[1]))
        .unwrap();
    assert!(sql.contains(r#"ALTER TABLE "public"."posts" RENAME COLUMN "title" TO "headline";"#));
    assert!(!sql.contains("DROP"), "{sql}");
    // Deleting the declaration afterwards changes nothing.
    edit("      headline String @db.VarChar(200)\n");
    assert!(schemagen(&dir, &["check"]).status.success());

    edit("      subtitle String @db.VarChar(200)\n");
    assert_eq!(schemagen(&dir, &["build"]).status.code(), Some(1));
    let out = schemagen(&dir, &["build", "--accept-data-loss"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning[W0301]"));
    assert_eq!(migrations().len(), 3, "the drop and add is a new migration");
}

/// Ctrl-C in the middle of `rehearse`: the throwaway server is stopped and its folder removed
/// before the command exits with 130, as a shell reports an interrupted program.
#[test]
fn an_interrupted_rehearsal_leaves_no_server_and_no_folder() {
    if let Err(e) = schemagen::cluster::find_server_bin() {
        support::missing_tool("an_interrupted_rehearsal", &e.to_string());
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(["rehearse", "--quiet", "--rows", "1000000", "botcafe"])
        .current_dir(support::repo_root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The cluster folder is named after the process that started it (src/cluster).
    let folder = std::env::temp_dir().join(format!("schemagen-pg-{}-0", child.id()));
    let pid_file = folder.join("data/postmaster.pid");
    let started = std::time::Instant::now();
    let server = loop {
        let pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok());
        if let Some(pid) = pid {
            break pid;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("rehearse ended ({status}) before its server started");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(300),
            "no server after 5 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };

    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();

    assert_eq!(status.code(), Some(130), "{status}");
    assert!(!folder.exists(), "{} was left behind", folder.display());
    // Gone, or a zombie its new parent has yet to reap.
    let state = std::fs::read_to_string(format!("/proc/{server}/stat")).unwrap_or_default();
    let state = state.rsplit(") ").next().unwrap_or("").chars().next();
    assert!(
        matches!(state, None | Some('Z')),
        "the server (pid {server}) still runs"
    );
}

/// `allowWarnings`: an accepted schema warning is counted, not shown; an error, a migration's
/// warning or an unknown code cannot be allowed.
#[test]
fn allowed_warnings_are_counted_not_shown_and_only_schema_warnings_can_be_allowed() {
    let dir = project("allow");
    std::fs::write(
        dir.join("schemas/blog/teams.yaml"),
        "flavor: prisma\nmodels:\n  Team:\n    fields: |\n      id      Int      @id\n      members Member[]\n  Member:\n    fields: |\n      id     Int  @id\n      teamId Int\n      team   Team @relation(fields: [teamId], references: [id], onDelete: SetNull)\n",
    )
    .unwrap();
    let warned = schemagen(&dir, &["build"]);
    assert_eq!(warned.status.code(), Some(0), "{}", text(&warned.stderr));
    assert!(text(&warned.stderr).contains("warning[W0111]"));

    std::fs::write(dir.join("schemagen.yaml"), "allowWarnings: [W0111]\n").unwrap();
    let allowed = schemagen(&dir, &["build"]);
    let stderr = text(&allowed.stderr);
    assert_eq!(allowed.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("warning[W0111]"), "{stderr}");
    assert!(
        stderr.contains("allowed by schemagen.yaml (allowWarnings): W0111 ×1"),
        "{stderr}"
    );
    let json = schemagen(&dir, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["allowedWarnings"]["W0111"], 1, "{document}");

    std::fs::write(
        dir.join("schemagen.yaml"),
        "allowWarnings: [E0101, W0301, W011]\n",
    )
    .unwrap();
    let refused = schemagen(&dir, &["build"]);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    for problem in [
        "E0101 is an error: errors cannot be allowed",
        "W0301 is about one migration's data or locks",
        "`W011` is no diagnostic code",
    ] {
        assert!(stderr.contains(problem), "{problem}\n{stderr}");
    }
}
