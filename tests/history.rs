//! Migration history you can trust, through the command line: the checksum file stops `check`
//! and `build` on a tampered history (naming the file, writing nothing), `migrate hash`
//! accepts a deliberate edit, `migrate new` adds a hand-written slot that planning continues
//! after, and `migrate undo` takes back the newest migration with its `schema.json`.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

const V1: &str =
    "flavor: prisma\nmodels:\n  User:\n    fields: |\n      id   Int    @id\n      name String\n";
const EMAIL: &str = "      email String?\n";
const EMAIL_REQUIRED: &str = "      email String @default(\"\")\n";

struct Project {
    dir: support::TempDir,
}

impl Project {
    /// A project whose `app` system was built twice: 0001_init, then 0002_add_user_email.
    fn built(name: &str) -> Self {
        let dir = support::TempDir::new(&format!("history-{name}"));
        std::fs::create_dir_all(dir.join("schemas/app")).unwrap();
        let project = Project { dir };
        project.schema(V1);
        project.ok(&["build"]);
        project.schema(&format!("{V1}{EMAIL}"));
        project.ok(&["build"]);
        project
    }

    fn schema(&self, yaml: &str) {
        std::fs::write(self.dir.join("schemas/app/app.yaml"), yaml).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    }

    /// Exit 1; what it printed.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        stderr(&out)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join("generated/app").join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Every file of the output folder and its siblings (a staging folder would show).
    fn tree(&self) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(&self.dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && !e.path().starts_with(self.dir.join("schemas")))
            // The build stamp (and its sections beside it) is no output: a build that stopped
            // early keeps it, others drop it.
            .filter(|e| {
                let name = e.file_name().to_string_lossy();
                !name.starts_with(schemagen::write::stamp::FILE)
            })
            .map(|e| {
                let rel = e.path().strip_prefix(&self.dir).unwrap();
                (rel.display().to_string(), std::fs::read(e.path()).unwrap())
            })
            .collect()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn migrations(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Each way of tampering with a committed migration stops `check` and `build` with its code
/// and the file's name, and `build` writes nothing, even with a schema change waiting.
#[test]
fn tampering_stops_check_and_build_naming_the_file() {
    let m2 = "0002_add_user_email.sql";
    type Tamper = fn(&Project);
    let cases: [(&str, &str, &str, Tamper); 4] = [
        ("edited", "E0340", m2, |p| {
            let sql = p.read("migrations/0002_add_user_email.sql") + "DROP TABLE \"User\";\n";
            std::fs::write(p.path("migrations/0002_add_user_email.sql"), sql).unwrap();
        }),
        ("deleted", "E0341", m2, |p| {
            std::fs::remove_file(p.path("migrations/0002_add_user_email.sql")).unwrap();
        }),
        ("renamed", "E0343", "0005_add_user_email.sql", |p| {
            let from = p.path("migrations/0002_add_user_email.sql");
            std::fs::rename(from, p.path("migrations/0005_add_user_email.sql")).unwrap();
        }),
        ("unlisted", "E0342", "0003_mine.sql", |p| {
            std::fs::write(p.path("migrations/0003_mine.sql"), "SELECT 1;\n").unwrap();
        }),
    ];
    for (name, code, file, tamper) in cases {
        let project = Project::built(name);
        tamper(&project);
        project.schema(&format!("{V1}{EMAIL}      bio String?\n"));
        let before = project.tree();
        for command in ["check", "build"] {
            let report = project.fails(&[command]);
            assert!(
                report.contains(&format!("[{code}]")),
                "{name} {command}: {report}"
            );
            assert!(
                report.contains(file),
                "{name} {command} names {file}: {report}"
            );
            assert!(report.contains("help:"), "{name} {command}: {report}");
        }
        assert!(project.tree() == before, "{name}: build wrote something");
    }
}

#[test]
fn swapping_two_migrations_is_reported_as_a_reorder() {
    let project = Project::built("swap");
    let (one, two) = (
        project.read("migrations/0001_init.sql"),
        project.read("migrations/0002_add_user_email.sql"),
    );
    std::fs::write(project.path("migrations/0001_init.sql"), two).unwrap();
    std::fs::write(project.path("migrations/0002_add_user_email.sql"), one).unwrap();
    let report = project.fails(&["check"]);
    assert_eq!(report.matches("[E0343]").count(), 2, "{report}");
}

#[test]
fn deleting_an_unapplied_migration_by_hand_is_detected_and_undo_is_offered() {
    let project = Project::built("hand-delete");
    std::fs::remove_file(project.path("migrations/0002_add_user_email.sql")).unwrap();
    let report = project.fails(&["build"]);
    assert!(
        report.contains("[E0341]") && report.contains("schemagen migrate undo app"),
        "{report}"
    );
}

#[test]
fn migrate_hash_accepts_a_deliberate_edit() {
    let project = Project::built("hash");
    let file = project.path("migrations/0002_add_user_email.sql");
    let edited = project.read("migrations/0002_add_user_email.sql") + "-- reviewed\n";
    std::fs::write(&file, &edited).unwrap();
    project.fails(&["check"]);
    project.ok(&["migrate", "hash", "app"]);
    project.ok(&["check"]);
    project.ok(&["build"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    let sum = project.read("migrations/schemagen.sum");
    assert!(sum.contains(&format!(
        "0002_add_user_email.sql {}",
        schemagen::history::checksum(&edited)
    )));
}

#[test]
fn a_hand_written_migration_is_listed_and_planning_continues_after_it() {
    let project = Project::built("new");
    let snapshot = project.read("schema.json");
    let out = project.ok(&["migrate", "new", "backfill_email"]);
    assert!(
        stderr(&out).contains("0003_backfill_email.sql"),
        "{}",
        stderr(&out)
    );
    let header = project.read("migrations/0003_backfill_email.sql");
    assert!(header.contains("backfill"), "{header}");
    assert_eq!(
        project.read("schema.json"),
        snapshot,
        "schema.json does not change"
    );
    project.ok(&["check"]);

    let sql = header + "UPDATE \"User\" SET \"email\" = '' WHERE \"email\" IS NULL;\n";
    std::fs::write(project.path("migrations/0003_backfill_email.sql"), &sql).unwrap();
    project.fails(&["build"]);
    project.ok(&["migrate", "hash"]);
    project.schema(&format!("{V1}{EMAIL_REQUIRED}"));
    project.ok(&["build"]);
    assert_eq!(
        migrations(&project),
        [
            "0001_init.sql",
            "0002_add_user_email.sql",
            "0003_backfill_email.sql",
            "0004_alter_user.sql",
            "schemagen.sum"
        ]
    );
    assert_eq!(project.read("migrations/0003_backfill_email.sql"), sql);
    project.ok(&["check"]);
}

#[test]
fn undo_restores_the_previous_snapshot_and_the_next_build_plans_the_same_migration() {
    let project = Project::built("undo");
    let before = project.tree();
    project.schema(&format!("{V1}{EMAIL_REQUIRED}"));
    project.ok(&["build"]);
    let after = project.tree();
    assert!(project.path("migrations/0003_alter_user.sql").is_file());

    project.ok(&["migrate", "undo", "app"]);
    let undone = project.tree();
    for (path, contents) in &before {
        // The code targets follow the YAML, not the history; everything else is as before.
        if !path.ends_with("models.rs") && !path.ends_with("types.ts") {
            assert!(
                undone.get(path) == Some(contents),
                "{path} is not as before"
            );
        }
    }
    assert_eq!(
        undone.len(),
        before.len(),
        "the migration and its record are gone"
    );

    project.ok(&["build"]);
    assert!(project.tree() == after, "the same migration, byte for byte");
}

#[test]
fn undo_walks_back_to_nothing_then_refuses() {
    let project = Project::built("undo-all");
    project.ok(&["migrate", "new", "fix"]);
    let snapshot = project.read("schema.json");
    project.ok(&["migrate", "undo"]);
    assert_eq!(
        project.read("schema.json"),
        snapshot,
        "a hand-written migration changes no schema"
    );
    project.ok(&["migrate", "undo"]);
    project.ok(&["migrate", "undo"]);
    assert!(!project.path("schema.json").exists());
    assert!(!project.path("migrations/schemagen.sum").exists());
    let report = project.fails(&["migrate", "undo"]);
    assert!(report.contains("[E0345]"), "{report}");
    project.ok(&["build"]);
    assert_eq!(migrations(&project), ["0001_init.sql", "schemagen.sum"]);
}

#[test]
fn undo_refuses_without_a_record_or_over_an_edited_snapshot() {
    let project = Project::built("undo-refused");
    let snapshot = project.read("schema.json");
    // A nullable column (`"text?"`) made required by hand.
    let edited = snapshot.replacen("?\"", "\"", 1);
    assert_ne!(edited, snapshot, "no nullable column to edit");
    std::fs::write(project.path("schema.json"), edited).unwrap();
    let report = project.fails(&["migrate", "undo"]);
    assert!(report.contains("[E0347]"), "{report}");

    std::fs::write(project.path("schema.json"), &snapshot).unwrap();
    std::fs::remove_file(project.path("undo/0002_add_user_email.json")).unwrap();
    let before = project.tree();
    let report = project.fails(&["migrate", "undo"]);
    assert!(
        report.contains("[E0346]") && report.contains("0002_add_user_email.sql"),
        "{report}"
    );
    assert!(project.tree() == before);
}

#[test]
fn a_hand_written_migration_needs_a_built_system() {
    let project = Project::built("new-unbuilt");
    std::fs::remove_dir_all(project.dir.join("generated/app")).unwrap();
    std::fs::create_dir_all(project.dir.join("generated/app")).unwrap();
    let report = project.fails(&["migrate", "new", "early", "app"]);
    assert!(report.contains("[E0348]"), "{report}");
    let usage = project.run(&["migrate", "new", "Bad-Name", "app"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn a_system_built_before_the_checksum_file_adopts_it_silently() {
    let project = Project::built("adopt");
    let sum = project.read("migrations/schemagen.sum");
    std::fs::remove_file(project.path("migrations/schemagen.sum")).unwrap();
    let out = project.ok(&["build"]);
    assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
    assert_eq!(project.read("migrations/schemagen.sum"), sum);
    project.ok(&["check"]);
}
