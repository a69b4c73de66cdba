//! `schemagen convert`, judged by the pipeline itself: every seed system converted to
//! Prisma-style builds, from an empty history, the same migration SQL as the original; a second
//! conversion changes nothing (A → Prisma → Prisma is a fixed point); and where a flavour
//! cannot carry a system, the conversion stops with the diagnostic naming what would be lost.

mod support;

use schemagen::config::Config;
use schemagen::convert::{self, Converted, Target};
use schemagen::diagnostics::render::human;
use schemagen::diagnostics::Code;
use std::path::Path;
use support::TempDir;

fn compile(schemas: &Path, system: &str) -> schemagen::Run {
    let config = Config {
        schemas: schemas.to_path_buf(),
        systems: vec![system.to_string()],
        ..Config::at(support::repo_root())
    };
    let run = schemagen::compile(&config);
    assert!(
        !run.has_errors(),
        "{system}: {}",
        human(&run.diagnostics, &run.sources)
    );
    run
}

fn convert(schemas: &Path, system: &str, target: Target) -> Converted {
    let run = compile(schemas, system);
    convert::convert(&run.systems[0], &run.sources, &schemas.join(system), target)
}

/// The first migration and `seed.sql` a fresh build of the system writes, and `schema.json`
/// (the IR, logical names included) when `with_ir`.
fn fresh_build(schemas: &Path, system: &str, with_ir: bool) -> Vec<(String, String)> {
    let out = TempDir::new("convert-out");
    let config = Config {
        schemas: schemas.to_path_buf(),
        out: out.to_path_buf(),
        systems: vec![system.to_string()],
        ..Config::at(support::repo_root())
    };
    let run = support::generate(system, &config);
    support::system_files(&run, system, |p| {
        p.ends_with(".sql") || with_ir && p.ends_with("schema.json")
    })
    .into_iter()
    .map(|(p, c)| (p.to_string(), c.to_string()))
    .collect()
}

fn write(dir: &Path, system: &str, files: &[(String, String)]) {
    let folder = dir.join(system);
    std::fs::create_dir_all(&folder).unwrap();
    for (name, text) in files {
        std::fs::write(folder.join(name), text).unwrap();
    }
}

fn seeds() -> std::path::PathBuf {
    support::repo_root().join("schemas")
}

/// The IR a `schema.json` holds, with the one logical name convert moves (see below) put back.
fn same_ir(text: &str) -> schemagen::ir::System {
    let mut system = schemagen::ir::snapshot::from_str(text).unwrap();
    for table in &mut system.tables {
        if table.name == "ContentItemToContentTag" {
            table.name = "_ContentItemToContentTag".into();
        }
    }
    system
}

#[test]
fn seed_systems_converted_to_prisma_build_the_same_migrations() {
    // Prisma-style systems keep their IR whole, logical names included; botcafe
    // (Payload-style) gets Prisma identifiers for names like `bots.collaborators`, which
    // reach no SQL.
    for (system, same_names) in [
        ("alphadome", true),
        ("botcafe", false),
        ("collective_writing", true),
        ("contentpilot", true),
    ] {
        let converted = convert(&seeds(), system, Target::Prisma);
        assert!(
            !converted.has_errors(),
            "{system}: {}",
            human(&converted.diagnostics, &converted.sources)
        );
        let dir = TempDir::new("convert");
        write(&dir, system, &converted.files);
        let original = fresh_build(&seeds(), system, same_names);
        let rebuilt = fresh_build(&dir, system, same_names);
        assert!(!original.is_empty(), "{system}: no migration");
        assert_eq!(original.len(), rebuilt.len(), "{system}: other files");
        for ((name, a), (_, b)) in original.iter().zip(&rebuilt) {
            if name.ends_with("schema.json") {
                assert_eq!(same_ir(a), same_ir(b), "{system}: {name} differs");
                continue;
            }
            // Prisma's implicit many-to-many join table becomes an explicit model, and
            // `_ContentItemToContentTag` is no Prisma identifier: the one logical name that moves.
            let b = &b.replace(
                "\"ContentItemToContentTag\"",
                "\"_ContentItemToContentTag\"",
            );
            let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            assert!(
                a == b,
                "{system}: {name} differs after convert --to prisma, first at {first:?}"
            );
        }
        // Converting the converted system again changes nothing.
        let again = convert(&dir, system, Target::Prisma);
        assert!(!again.has_errors(), "{system}: second conversion failed");
        assert_eq!(again.files, converted.files, "{system}: not a fixed point");
    }
}

#[test]
fn what_prisma_style_cannot_say_stops_the_conversion_with_its_path() {
    // mitche (Firestore-style) stores locations as Postgres `point`, which Prisma has no type for.
    let converted = convert(&seeds(), "mitche", Target::Prisma);
    let lost: Vec<&str> = converted
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ConvertLoss)
        .filter_map(|d| d.path.as_deref())
        .collect();
    assert!(lost.contains(&"users.location"), "{lost:?}");
    assert!(
        lost.contains(&"community_events.venue_location"),
        "{lost:?}"
    );
    assert!(converted.has_errors());
}

#[test]
fn payload_and_firestore_targets_refuse_tables_they_cannot_name() {
    // Each refused table is named by its own error; E0809 closes the list.
    for (system, target, table, code) in [
        (
            "contentpilot",
            Target::Payload,
            "users",
            Code::ConvertPayloadTable,
        ),
        (
            "contentpilot",
            Target::Firestore,
            "campaigns.currency",
            Code::ConvertFirestoreColumn,
        ),
        (
            "mitche",
            Target::Payload,
            "users",
            Code::ConvertPayloadTable,
        ),
        (
            "botcafe",
            Target::Firestore,
            "bots",
            Code::ConvertFirestoreKey,
        ),
    ] {
        let converted = convert(&seeds(), system, target);
        let found = converted
            .diagnostics
            .iter()
            .any(|d| d.code == code && d.path.as_deref() == Some(table));
        assert!(
            found,
            "{system} → {}: {}",
            target.name(),
            human(&converted.diagnostics, &converted.sources)
        );
        let summary = converted
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::ConvertTarget);
        assert_eq!(summary.count(), 1, "{system} → {}", target.name());
        assert!(converted.has_errors());
    }
}

#[test]
fn yaml_that_would_build_another_database_is_caught_before_anything_is_written() {
    let run = compile(&seeds(), "contentpilot");
    let system = &run.systems[0];
    let dir = seeds().join("contentpilot");
    let converted = convert::convert(system, &run.sources, &dir, Target::Prisma);
    assert!(!converted.has_errors());
    // The check `convert` runs, shown catching a deliberately broken conversion: one default
    // lost, one column's type changed.
    let edits = [
        (" @default(0)", ""),
        ("@db.VarChar(255)", "@db.VarChar(200)"),
    ];
    support::broken_conversion_is_caught(system, &converted.files, &edits);
    // The unbroken files pass the same check.
    let mut sources = Default::default();
    let mut diags = Default::default();
    convert::same_database(system, &converted.files, &mut sources, &mut diags);
    assert!(diags.is_empty());
}

#[test]
fn pending_renames_stop_the_conversion() {
    let dir = TempDir::new("convert-renames");
    let yaml = "flavor: prisma\nmodels:\n  Post:\n    renamedFrom: Article\n    fields: |\n      id Int @id\n";
    write(&dir, "blog", &[("blog.yaml".into(), yaml.into())]);
    let converted = convert(&dir, "blog", Target::Prisma);
    let codes: Vec<Code> = converted.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::ConvertRenames), "{codes:?}");
}

#[test]
fn the_cli_converts_in_place_and_the_next_build_writes_no_migration() {
    let project = TempDir::new("convert-cli");
    let schemas = project.join("schemas");
    let out = project.join("generated");
    copy_dir(&seeds().join("botcafe"), &schemas.join("botcafe"));
    copy_dir(
        &support::repo_root().join("generated/botcafe"),
        &out.join("botcafe"),
    );
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .args(args)
            .arg("--schemas")
            .arg(&schemas)
            .current_dir(project.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), stderr)
    };
    let (ok, stderr) = run(&["convert", "--to", "prisma", "botcafe"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("converted system `botcafe` to prisma-style"));
    let chat = std::fs::read_to_string(schemas.join("botcafe/chat.yaml")).unwrap();
    assert!(chat.starts_with("flavor: prisma\n"), "{chat}");
    // No staging folder is left beside the system.
    let names: Vec<String> = std::fs::read_dir(&schemas)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["botcafe"]);
    let config = Config {
        schemas: schemas.clone(),
        out: out.clone(),
        ..Config::at(project.path())
    };
    let build = support::generate("converted botcafe", &config);
    let migrations: Vec<&str> = support::system_files(&build, "botcafe", |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    })
    .into_iter()
    .map(|(p, _)| p)
    .collect();
    let before = std::fs::read_dir(out.join("botcafe/migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(migrations.len(), before, "a new migration: {migrations:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
