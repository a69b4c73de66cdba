//! The build stamp (`write::stamp`): a build or `check` with nothing to change stops after
//! reading, and any change to what a build reads or left behind is still seen (an input, a
//! template, the configuration, the binary, a hand-edited, added or removed output).

mod support;

use std::path::Path;
use std::process::Command;
use support::cli::{finish, Ran};
use support::TempDir;

/// What the early stop prints instead of a build's or check's own summary.
const STOPPED_EARLY: &str = "as the last build left them";

fn project(name: &str) -> TempDir {
    support::cli::blog_project(&format!("no-op-{name}"))
}

fn run_with(binary: &Path, dir: &Path, args: &[&str]) -> Ran {
    // A binary copied a moment ago may still be open for writing in a child another test
    // thread forked meanwhile (until it execs): ETXTBSY, which passes.
    for _ in 0..50 {
        match Command::new(binary).args(args).current_dir(dir).output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            output => return finish(output.unwrap()),
        }
    }
    panic!("{} stayed busy", binary.display());
}

fn run(dir: &Path, args: &[&str]) -> Ran {
    run_with(Path::new(env!("CARGO_BIN_EXE_schemagen")), dir, args)
}

/// Builds, and says whether the build stopped early; panics when it fails.
fn build(dir: &Path, args: &[&str]) -> bool {
    let ran = run(dir, &[&["build"], args].concat());
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.all().contains(STOPPED_EARLY)
}

/// A project built twice: the second build stopped early.
fn built(name: &str) -> TempDir {
    let dir = project(name);
    assert!(!build(&dir, &[]), "a first build cannot stop early");
    assert!(build(&dir, &[]), "a second build did not stop early");
    dir
}

#[test]
fn a_build_with_nothing_to_change_stops_after_reading_and_check_agrees() {
    let dir = built("again");
    let stamp = dir.join("generated/.schemagen-stamp");
    let before = std::fs::metadata(&stamp).unwrap().modified().unwrap();
    assert!(build(&dir, &[]));
    assert_eq!(
        std::fs::metadata(&stamp).unwrap().modified().unwrap(),
        before,
        "the stamp was rewritten"
    );
    let check = run(&dir, &["check"]);
    assert_eq!(check.code, 0, "{}", check.all());
    assert!(check.all().contains(STOPPED_EARLY), "{}", check.all());
    // The stamp is no output: a full check (JSON) neither lists nor diffs it.
    let json = run(&dir, &["check", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.all());
    assert!(!json.stdout.contains("schemagen-stamp"), "{}", json.stdout);
}

#[test]
fn every_changed_input_is_seen() {
    let dir = built("inputs");
    let models = dir.join("schemas/blog/models.yaml");
    let text = std::fs::read_to_string(&models).unwrap();
    std::fs::write(&models, text.replace("title String", "title String?")).unwrap();
    assert!(!build(&dir, &[]), "an edited schema file");
    assert!(build(&dir, &[]));

    std::fs::write(
        dir.join("schemas/blog/more.yaml"),
        "flavor: prisma\nmodels:\n  Tag:\n    fields: |\n      id Int @id\n",
    )
    .unwrap();
    assert!(!build(&dir, &[]), "a new schema file");
    assert!(build(&dir, &[]));

    std::fs::write(
        dir.join("schemagen.yaml"),
        "targets: [postgres, typescript]\n",
    )
    .unwrap();
    assert!(!build(&dir, &[]), "a changed schemagen.yaml");
    assert!(!dir.join("generated/blog/models.rs").exists());
    assert!(build(&dir, &[]));

    let templates = dir.join("templates/typescript");
    std::fs::create_dir_all(&templates).unwrap();
    assert!(
        !build(&dir, &["--templates", "templates"]),
        "another option"
    );
    assert!(build(&dir, &["--templates", "templates"]));
    let embedded = support::repo_root().join("templates/typescript/types.ts.jinja");
    let template = std::fs::read_to_string(embedded).unwrap();
    std::fs::write(
        templates.join("types.ts.jinja"),
        format!("// overridden\n{template}"),
    )
    .unwrap();
    assert!(
        !build(&dir, &["--templates", "templates"]),
        "a new template"
    );
    let types = std::fs::read_to_string(dir.join("generated/blog/types.ts")).unwrap();
    assert!(types.starts_with("// overridden"), "{types}");
    assert!(build(&dir, &["--templates", "templates"]));
}

#[test]
fn a_first_build_of_several_systems_stamps_what_the_next_one_reads() {
    // A first build sums the schema texts it read (no stamp to compare with before it); the
    // next build sums the files before compiling: the two sums must agree, system after system.
    let dir = project("systems");
    let blog = std::fs::read_to_string(dir.join("schemas/blog/models.yaml")).unwrap();
    for (system, file, model) in [
        ("shop", "a.yaml", "Order"),
        ("shop", "b.yaml", "Item"),
        ("wiki", "models.yaml", "Page"),
    ] {
        std::fs::create_dir_all(dir.join("schemas").join(system)).unwrap();
        let text = blog
            .replace("Post", model)
            .replace("posts", &model.to_lowercase());
        std::fs::write(dir.join("schemas").join(system).join(file), text).unwrap();
    }
    assert!(!build(&dir, &[]), "a first build cannot stop early");
    assert!(
        build(&dir, &[]),
        "the stamp of a first build of three systems did not hold"
    );
}

#[test]
fn another_binary_is_a_new_build() {
    let dir = built("binary");
    // A copy is a new file: the same version, but no way to tell it renders alike.
    let copy = dir.join("schemagen-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_schemagen"), &copy).unwrap();
    let ran = run_with(&copy, &dir, &["build"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    assert!(!ran.all().contains(STOPPED_EARLY), "{}", ran.all());
    assert!(run_with(&copy, &dir, &["build"])
        .all()
        .contains(STOPPED_EARLY));
    assert!(!build(&dir, &[]), "back to the first binary");
}

#[test]
fn hand_edited_added_and_removed_outputs_are_seen() {
    let dir = built("outputs");
    let types = dir.join("generated/blog/types.ts");
    let original = std::fs::read_to_string(&types).unwrap();
    // Same size, same folder: only the contents tell.
    let edited = original.replacen("posts", "pasts", 1);
    assert_eq!(edited.len(), original.len());
    std::fs::write(&types, &edited).unwrap();
    let check = run(&dir, &["check"]);
    assert_eq!(check.code, 1, "{}", check.all());
    assert!(
        check.stdout.contains("-  posts") || check.stdout.contains("pasts"),
        "{}",
        check.all()
    );
    assert!(!build(&dir, &[]));
    assert_eq!(std::fs::read_to_string(&types).unwrap(), original);

    std::fs::write(dir.join("generated/blog/notes.txt"), "mine\n").unwrap();
    assert_eq!(run(&dir, &["check"]).code, 1);
    assert!(!build(&dir, &[]));
    assert!(!dir.join("generated/blog/notes.txt").exists());

    std::fs::remove_file(&types).unwrap();
    assert_eq!(run(&dir, &["check"]).code, 1);
    assert!(!build(&dir, &[]));
    assert!(types.exists());
    assert!(build(&dir, &[]));
}

#[test]
fn only_a_whole_build_without_diagnostics_leaves_a_stamp() {
    let dir = project("partial");
    assert!(!build(&dir, &["blog"]));
    assert!(
        !dir.join("generated/.schemagen-stamp").exists(),
        "a build of named systems"
    );
    assert!(!build(&dir, &["blog"]));

    // A warning (W0401: YAML directly in the schemas folder) is shown by every build.
    std::fs::write(
        dir.join("schemas/loose.yaml"),
        "flavor: prisma\nmodels:\n  Tag:\n    fields: |\n      id Int @id\n",
    )
    .unwrap();
    for _ in 0..2 {
        let ran = run(&dir, &["build"]);
        assert_eq!(ran.code, 0, "{}", ran.all());
        assert!(ran.stderr.contains("W0401"), "{}", ran.all());
    }
    assert!(!dir.join("generated/.schemagen-stamp").exists());
}
