//! A build killed at any point leaves `generated/` exactly the old tree or exactly the new
//! one; `check` then reports the leftover, and the next `build` repairs it. A build that
//! cannot write (a full disk, a read-only folder) leaves the old tree and says so.
//!
//! Kills come two ways: at chosen steps of the write (`SCHEMAGEN_WRITE_FAULT=abort:N`, the
//! process aborts as a kill would: every staged file, the swap, the cleanup), and with
//! SIGKILL after delays spread over a whole build. `SCHEMAGEN_KILL_TEST=all` tries every step
//! instead of a spread of them.

mod support;

use schemagen::write::{self, Tree};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;
use support::TempDir;

const SYSTEMS: usize = 40;
const MODELS_PER_SYSTEM: usize = 25;

/// A system of `MODELS_PER_SYSTEM` models; `version` 2 adds a field to each.
fn system_yaml(version: u32) -> String {
    let mut yaml = String::from("flavor: prisma\nmodels:\n");
    for m in 0..MODELS_PER_SYSTEM {
        yaml.push_str(&format!(
            "  Model{m}:\n    fields: |\n      id    Int    @id @default(autoincrement())\n      \
             name  String @db.VarChar(100)\n      count Int    @default(0)\n"
        ));
        if version >= 2 {
            yaml.push_str("      note  String?\n");
        }
    }
    yaml
}

/// A project of `SYSTEMS` systems at `version`.
fn write_schemas(root: &Path, version: u32) {
    let yaml = system_yaml(version);
    for s in 0..SYSTEMS {
        let dir = root.join("schemas").join(format!("system{s:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("models.yaml"), &yaml).unwrap();
    }
}

fn schemagen(root: &Path, command: &str) -> Command {
    let mut run = Command::new(env!("CARGO_BIN_EXE_schemagen"));
    run.arg(command)
        .arg("--schemas")
        .arg(root.join("schemas"))
        .arg("--out")
        .arg(root.join("generated"))
        .env_remove("SCHEMAGEN_WRITE_FAULT");
    run
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What was beside `generated/` but `schemas/`: leftovers of an interrupted build.
fn leftovers(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "schemas" && n != "generated")
        .collect();
    names.sort();
    names
}

/// The project after `build` at version 1 (the old tree), with version 2's schemas in place,
/// and the tree a version 2 build writes (the new one).
struct Project {
    dir: TempDir,
    old: Tree,
    new: Tree,
}

impl Project {
    fn new(label: &str) -> Project {
        let dir = TempDir::new(label);
        let root = dir.path();
        write_schemas(root, 1);
        let built = schemagen(root, "build").output().unwrap();
        assert!(built.status.success(), "{}", text(&built));
        let old = write::read_tree(&root.join("generated")).unwrap();
        write_schemas(root, 2);
        let config = schemagen::config::Config {
            schemas: root.join("schemas"),
            out: root.join("generated"),
            ..Default::default()
        };
        let run = schemagen::generate(&config);
        assert!(!run.has_errors(), "{:?}", run.diagnostics);
        assert_ne!(old, run.files);
        Project {
            dir,
            old,
            new: run.files,
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn out(&self) -> PathBuf {
        self.root().join("generated")
    }

    /// Which tree `generated/` holds; panics on anything else.
    fn outcome(&self, after: &str) -> &'static str {
        let tree = write::read_tree(&self.out()).unwrap();
        if tree == self.old {
            "old"
        } else if tree == self.new {
            "new"
        } else {
            let differ: Vec<&String> = self
                .new
                .keys()
                .chain(tree.keys())
                .filter(|p| tree.get(*p) != self.new.get(*p) && tree.get(*p) != self.old.get(*p))
                .take(5)
                .collect();
            panic!("after {after}, generated/ is neither the old tree nor the new one: {differ:?}")
        }
    }

    /// `check` reports the leftover (or the stale tree), `build` repairs and writes the new
    /// tree, and the old tree is put back for the next kill.
    fn repair_and_reset(&self, after: &str) {
        let had_leftovers = !leftovers(self.root()).is_empty();
        let stale = had_leftovers || self.outcome(after) == "old";
        let check = schemagen(self.root(), "check").output().unwrap();
        let expected = if stale { 1 } else { 0 };
        assert_eq!(
            check.status.code(),
            Some(expected),
            "after {after}: {}",
            text(&check)
        );
        if had_leftovers {
            assert!(
                text(&check).contains("E0412"),
                "after {after}: {}",
                text(&check)
            );
        }
        let build = schemagen(self.root(), "build").output().unwrap();
        assert!(build.status.success(), "after {after}: {}", text(&build));
        assert_eq!(self.outcome(&format!("the build after {after}")), "new");
        assert_eq!(
            leftovers(self.root()),
            Vec::<String>::new(),
            "after {after}"
        );
        write::write_tree(&self.out(), &self.old).unwrap();
    }
}

#[test]
fn a_build_aborted_at_any_step_leaves_the_old_tree_or_the_new_one() {
    let project = Project::new("kill-steps");
    // One step per staged file, then the swap, then the removal of the old tree.
    let files = project.new.len() as u64;
    let last = files + 2;
    let every = std::env::var("SCHEMAGEN_KILL_TEST").is_ok_and(|v| v == "all");
    let mut points: Vec<u64> = if every {
        (1..=last).collect()
    } else {
        (0..10).map(|i| 1 + i * (files - 1) / 9).collect()
    };
    points.extend([files + 1, last]);
    points.dedup();
    let (mut old, mut new) = (0, 0);
    for &n in &points {
        let after = format!("an abort at step {n} of {last}");
        let run = schemagen(project.root(), "build")
            .env("SCHEMAGEN_WRITE_FAULT", format!("abort:{n}"))
            .output()
            .unwrap();
        assert!(!run.status.success(), "{after}: the build was not stopped");
        let outcome = project.outcome(&after);
        // Before the swap the old tree stands; once swapped, the new one does.
        let expected = if n <= files + 1 { "old" } else { "new" };
        assert_eq!(outcome, expected, "{after}");
        if outcome == "old" {
            old += 1;
        } else {
            new += 1;
        }
        assert!(
            !leftovers(project.root()).is_empty(),
            "{after}: no leftover"
        );
        project.repair_and_reset(&after);
    }
    eprintln!(
        "write_kill: {} aborts over {last} steps ({files} files): {old} left the old tree, {new} the new one, all repaired",
        points.len()
    );
}

#[test]
fn a_build_killed_after_any_delay_leaves_the_old_tree_or_the_new_one() {
    let project = Project::new("kill-timed");
    // How long a whole build takes here, to spread the kills over it (not an assertion).
    let started = Instant::now();
    let full = schemagen(project.root(), "build").output().unwrap();
    assert!(full.status.success(), "{}", text(&full));
    let span = started.elapsed();
    write::write_tree(&project.out(), &project.old).unwrap();

    let kills = 10;
    let mut outcomes = std::collections::BTreeMap::new();
    for i in 0..kills {
        // Up to a little past a whole build: the last kills may come after it finished.
        let delay = span.mul_f64(f64::from(i) / f64::from(kills - 2));
        let mut child = schemagen(project.root(), "build").spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; the build may have finished already
        child.wait().unwrap();
        let after = format!("a SIGKILL after {delay:?}");
        *outcomes.entry(project.outcome(&after)).or_insert(0) += 1;
        project.repair_and_reset(&after);
    }
    eprintln!("write_kill: {kills} SIGKILLs over a {span:?} build: {outcomes:?}");
}

#[test]
fn a_full_disk_leaves_the_old_tree_and_says_so() {
    let project = Project::new("full");
    for n in [
        1,
        project.new.len() as u64 / 2,
        project.new.len() as u64 + 1,
    ] {
        let run = schemagen(project.root(), "build")
            .env("SCHEMAGEN_WRITE_FAULT", format!("fail:{n}"))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{}", text(&run));
        assert!(text(&run).contains("E0411"), "{}", text(&run));
        assert!(text(&run).contains("no space left"), "{}", text(&run));
        assert_eq!(project.outcome(&format!("a full disk at step {n}")), "old");
        assert_eq!(leftovers(project.root()), Vec::<String>::new());
    }
    // Past the swap, only removing the replaced tree can fail: the new tree stands, the old
    // one is left over, and the run says so (the next build removes it).
    let n = project.new.len() as u64 + 2;
    let run = schemagen(project.root(), "build")
        .env("SCHEMAGEN_WRITE_FAULT", format!("fail:{n}"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("E0413"), "{}", text(&run));
    assert_eq!(project.outcome("a failed cleanup"), "new");
    assert_eq!(leftovers(project.root()), [".generated.new"]);
    project.repair_and_reset("a failed cleanup");
}

#[test]
fn a_read_only_output_folder_leaves_the_old_tree_and_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new("read-only");
    let folder = project.out().join("system07").join("migrations");
    let mode = |m| std::fs::Permissions::from_mode(m);
    std::fs::set_permissions(&folder, mode(0o555)).unwrap();
    let mut build = schemagen(project.root(), "build");
    // /proc/self belongs to the process's effective user.
    if std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0 {
        // Root may write anywhere: run the build as an account that may not.
        if !as_nobody(&mut build, project.root()) {
            return;
        }
    }
    let run = build.output().unwrap();
    std::fs::set_permissions(&folder, mode(0o755)).unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("E0410"), "{}", text(&run));
    assert!(text(&run).contains("system07/migrations"), "{}", text(&run));
    assert_eq!(project.outcome("a read-only folder"), "old");
    assert_eq!(leftovers(project.root()), Vec::<String>::new());
}

/// Makes `command` run as `nobody` (via `setpriv`), with the project given to it; false
/// (after a loud skip outside CI) when there is no `setpriv`.
fn as_nobody(command: &mut Command, root: &Path) -> bool {
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(setpriv) = setpriv else {
        support::missing_tool("read-only output as root", "no setpriv to drop root with");
        return false;
    };
    let (uid, gid) = (65534, 65534);
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        std::os::unix::fs::lchown(entry.path(), Some(uid), Some(gid)).unwrap();
    }
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let mut wrapped = Command::new(setpriv);
    wrapped
        .args([
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
            "--clear-groups".into(),
        ])
        .arg(program)
        .args(args)
        .env_remove("SCHEMAGEN_WRITE_FAULT");
    *command = wrapped;
    true
}
