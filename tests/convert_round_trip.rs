//! Round trips between flavours, judged on the IR: a system converted to flavour B and back
//! to its own flavour A compiles to the same IR (logical names, database names, order,
//! access rules, seed rows), or a step stops with the code naming what B cannot say. The
//! matrix of `docs/convert.md` is the table below: each cell is checked, none is claimed.

mod support;

use schemagen::config::Config;
use schemagen::convert::{self, Target};
use schemagen::diagnostics::render::human;
use schemagen::diagnostics::Code;
use schemagen::ir::System;
use std::path::{Path, PathBuf};
use support::TempDir;

/// One step's result: the converted files, or the codes that refused it.
type Step = Result<Vec<(String, String)>, Vec<Code>>;

fn compile(schemas: &Path, system: &str) -> (schemagen::Run, PathBuf) {
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
    (run, schemas.join(system))
}

fn step(schemas: &Path, system: &str, target: Target) -> Step {
    let (run, dir) = compile(schemas, system);
    let converted = convert::convert(&run.systems[0], &run.sources, &dir, target);
    if converted.has_errors() {
        let mut codes: Vec<Code> = converted.diagnostics.iter().map(|d| d.code).collect();
        codes.sort();
        codes.dedup();
        assert!(
            !codes.contains(&Code::ConvertNotSame),
            "{system} → {}: the writer made YAML of another database:\n{}",
            target.name(),
            human(&converted.diagnostics, &converted.sources)
        );
        return Err(codes);
    }
    Ok(converted.files)
}

fn write(dir: &Path, system: &str, files: &[(String, String)]) {
    let folder = dir.join(system);
    std::fs::create_dir_all(&folder).unwrap();
    for (name, text) in files {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn ir(schemas: &Path, system: &str) -> System {
    compile(schemas, system).0.systems.remove(0)
}

/// What A → B → A gave.
#[derive(Debug, PartialEq)]
enum Trip {
    /// The IR came back whole.
    Same,
    /// The same database, with these logical names changed (`old → new`) or these tables'
    /// indexes or foreign keys in another order.
    Renamed(Vec<String>),
    /// The step to B stopped with these codes.
    ToRefused(Vec<Code>),
    /// B was written, the step back to A stopped with these codes.
    BackRefused(Vec<Code>),
}

/// A → `via` → `back`, with the IR compared at the end.
fn round_trip(schemas: &Path, system: &str, via: Target, back: Target) -> Trip {
    let there = match step(schemas, system, via) {
        Ok(files) => files,
        Err(codes) => return Trip::ToRefused(codes),
    };
    let b = TempDir::new("convert-trip-b");
    write(&b, system, &there);
    let again = match step(&b, system, back) {
        Ok(files) => files,
        Err(codes) => return Trip::BackRefused(codes),
    };
    let a = TempDir::new("convert-trip-a");
    write(&a, system, &again);
    let original = ir(schemas, system);
    let returned = ir(&a, system);
    assert_eq!(original.seed, returned.seed, "{system}: seed rows differ");
    if original == returned {
        return Trip::Same;
    }
    // Only logical names may differ (they reach generated code, not the database).
    let (x, y) = (json(&erased(&original)), json(&erased(&returned)));
    let first = x.lines().zip(y.lines()).find(|(p, q)| p != q);
    assert!(
        first.is_none() && x.len() == y.len(),
        "{system} → {} → {}: another IR, first difference {first:?}",
        via.name(),
        back.name()
    );
    Trip::Renamed(renamed(&original, &returned))
}

/// The IR without the logical names of tables, columns and enums, and with each table's
/// indexes and foreign keys by name (their order is not the database's).
fn erased(system: &System) -> System {
    let mut system = system.clone();
    for t in &mut system.tables {
        t.name.clear();
        t.columns.iter_mut().for_each(|c| c.name.clear());
        t.indexes.sort_by(|a, b| a.db_name.cmp(&b.db_name));
        t.foreign_keys.sort_by(|a, b| a.db_name.cmp(&b.db_name));
    }
    system.enums.iter_mut().for_each(|e| e.name.clear());
    system
}

/// `old → new` for every table and column whose logical name changed.
fn renamed(a: &System, b: &System) -> Vec<String> {
    let mut out = Vec::new();
    for (x, y) in a.tables.iter().zip(&b.tables) {
        if x.name != y.name {
            out.push(format!("{} → {}", x.name, y.name));
        }
        let order = |t: &schemagen::ir::Table| -> Vec<String> {
            let indexes = t.indexes.iter().map(|i| i.db_name.clone());
            indexes
                .chain(t.foreign_keys.iter().map(|f| f.db_name.clone()))
                .collect()
        };
        if order(x) != order(y) {
            out.push(format!("{}: order of indexes or foreign keys", x.name));
        }
        for (c, d) in x.columns.iter().zip(&y.columns) {
            if c.name != d.name {
                out.push(format!("{}.{} → {}", x.name, c.name, d.name));
            }
        }
    }
    out
}

fn json(system: &System) -> String {
    serde_json::to_string_pretty(system).unwrap()
}

fn seeds() -> PathBuf {
    support::repo_root().join("schemas")
}

use Code::*;
use Target::*;

#[test]
fn seed_systems_round_trip_through_every_flavour_or_stop_with_the_code() {
    let same = || Trip::Same;
    // Each refusal names the tables (E0812–E0819) and ends with E0809 for the system.
    let refused = |codes: &[Code]| Trip::ToRefused([&[ConvertTarget], codes].concat());
    // Prisma's and Payload's serial or cuid keys, varchar and numeric columns, checks and
    // `enum_*` types have no Firestore-style form.
    let firestore = [
        ConvertFirestoreKey,
        ConvertFirestoreColumn,
        ConvertFirestoreConstraint,
        ConvertFirestoreIndex,
        ConvertFirestoreEnum,
    ];
    // botcafe's arrays, `_rels` and `hasMany` tables are child tables the Payload writer
    // does not rebuild; the Prisma-style systems' keys are no Payload ids.
    let payload = [
        ConvertPayloadTable,
        ConvertPayloadColumn,
        ConvertPayloadConstraint,
    ];
    #[rustfmt::skip]
    let matrix: Vec<(&str, Target, Target, Trip)> = vec![
        ("alphadome", Prisma, Prisma, same()),
        ("alphadome", Firestore, Prisma, refused(&firestore[..4])),
        ("alphadome", Payload, Prisma, refused(&payload)),
        ("botcafe", Prisma, Payload, Trip::BackRefused([&[ConvertTarget], &payload[..]].concat())),
        ("botcafe", Firestore, Payload, refused(&[ConvertFirestoreKey, ConvertFirestoreColumn, ConvertFirestoreConstraint, ConvertFirestoreEnum])),
        ("botcafe", Payload, Payload, refused(&payload)),
        ("collective_writing", Prisma, Prisma, same()),
        ("collective_writing", Firestore, Prisma, refused(&firestore)),
        ("collective_writing", Payload, Prisma, refused(&payload[..1])),
        ("contentpilot", Prisma, Prisma, Trip::Renamed(vec!["_ContentItemToContentTag → ContentItemToContentTag".into()])),
        ("contentpilot", Firestore, Prisma, refused(&firestore)),
        ("contentpilot", Payload, Prisma, refused(&payload[..1])),
        ("mitche", Prisma, Firestore, Trip::ToRefused(vec![ConvertLoss])),
        ("mitche", Firestore, Firestore, same()),
        ("mitche", Payload, Firestore, refused(&payload[..1])),
    ];
    let mut wrong = Vec::new();
    for (system, via, back, expected) in matrix {
        let got = round_trip(&seeds(), system, via, back);
        if got != expected {
            wrong.push(format!(
                "{system} → {} → {}: expected {expected:?}, got {got:?}",
                via.name(),
                back.name()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// mitche keeps locations as geopoints, which Prisma-style has no type for, and NOT NULL
/// arrays, which Prisma makes nullable (both E0808); without them, Firestore → Prisma →
/// Firestore gives back subcollections, join tables, flattened maps, enums and rules.
#[test]
fn a_firestore_system_round_trips_through_prisma() {
    let dir = TempDir::new("convert-mitche");
    let files: Vec<(String, String)> = std::fs::read_dir(seeds().join("mitche"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let point = |l: &str| {
                l.contains("geopoint")
                    || ["- [location]", "- [venue.location]"]
                        .iter()
                        .any(|p| l.trim_start().starts_with(p))
            };
            let kept: Vec<&str> = text.lines().filter(|l| !point(l)).collect();
            let mut text = kept.join("\n") + "\n";
            for item in [
                "string",
                "number",
                "integer",
                "boolean",
                "timestamp",
                "bytes",
                "map",
            ] {
                let array = format!("array<{item}>");
                text = text
                    .replace(&array, &format!("{array}?"))
                    .replace("??", "?");
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, text)
        })
        .collect();
    write(&dir, "mitche", &files);
    assert_eq!(round_trip(&dir, "mitche", Prisma, Firestore), Trip::Same);
}

/// The check `convert` runs before writing, shown catching a deliberately wrong Firestore
/// writer: one field renamed (so its column is), one reference's `onDelete` dropped.
#[test]
fn a_firestore_conversion_that_changes_the_database_is_caught() {
    let (run, dir) = compile(&seeds(), "mitche");
    let system = &run.systems[0];
    let converted = convert::convert(system, &run.sources, &dir, Firestore);
    assert!(!converted.has_errors());
    let edits = [
        ("messageCount:", "messageTotal:"),
        (", onDelete: cascade", ""),
    ];
    let caught = support::broken_conversion_is_caught(system, &converted.files, &edits);
    assert!(
        caught.message.contains("drop foreign key"),
        "{}",
        caught.message
    );
}

/// A Payload-style system of the shape Payload derives (no arrays, blocks or `hasMany`
/// relationships): through Prisma-style and back, slugs, group paths, selects and
/// relationships come back, and so does the IR.
const BLOG: &[(&str, &str)] = &[
    (
        "content.yaml",
        "flavor: payload
boundsChecks: false
collections:
  - slug: authors
    fields:
      - { name: name, type: text, required: true }
      - { name: bio, type: textarea }
  - slug: blog-posts
    access:
      read: { public: published }
    fields:
      - { name: title, type: text, required: true, unique: true }
      - { name: views, type: number, defaultValue: 0, min: 0 }
      - { name: published, type: checkbox, required: true }
      - { name: status, type: select, options: [draft, live], defaultValue: draft, required: true }
      - { name: author, type: relationship, relationTo: authors }
      - { name: publishedAt, type: date, index: true }
      - { name: meta, type: json }
      - name: seo
        type: group
        fields:
          - { name: metaTitle, type: text }
          - { name: tone, type: select, options: [plain, bold], enumName: seo_tone }
seed:
  authors:
    - { id: 1, name: Ada }
",
    ),
    (
        "tags.yaml",
        "flavor: payload
idType: uuid
collections:
  - slug: tags
    timestamps: false
    fields:
      - { name: label, type: text, required: true, index: true }
      - { name: post, type: relationship, relationTo: blog-posts }
",
    ),
];

#[test]
fn a_payload_system_round_trips_through_prisma() {
    let dir = TempDir::new("convert-blog");
    let files: Vec<(String, String)> = BLOG
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    write(&dir, "blog", &files);
    assert_eq!(round_trip(&dir, "blog", Prisma, Payload), Trip::Same);
    assert_eq!(round_trip(&dir, "blog", Payload, Payload), Trip::Same);
    assert_eq!(
        round_trip(&dir, "blog", Firestore, Payload),
        Trip::ToRefused(vec![
            ConvertTarget,
            ConvertFirestoreKey,
            ConvertFirestoreColumn,
            ConvertFirestoreConstraint,
            ConvertFirestoreEnum
        ])
    );
}

/// The flavour every YAML file of a system folder is written in, if they share one.
fn flavour_of(dir: &Path) -> Option<Target> {
    let mut flavours = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(dir) {
        let path = entry.unwrap().into_path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let flavour = text.lines().find_map(|l| l.strip_prefix("flavor:"));
            flavours.insert(flavour.map(|f| f.trim().to_string()));
        }
    }
    match flavours.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(f)] if f == "prisma" => Some(Prisma),
        [Some(f)] if f == "payload" => Some(Payload),
        [Some(f)] if f == "firestore" => Some(Firestore),
        _ => None,
    }
}

/// Every one-flavour system of `tests/fixtures/ok`, through every flavour and back: the
/// same database (only logical names may move, and those are listed), or a refusal by code;
/// never YAML that builds another database (E0810, asserted in `step`).
#[test]
fn every_ok_fixture_round_trips_or_stops_with_a_code() {
    let root = support::repo_root().join("tests/fixtures/ok");
    let (mut same, mut renamed, mut refused) = (0, 0, 0);
    for case in std::fs::read_dir(&root).unwrap() {
        let schemas = case.unwrap().path().join("schemas");
        let Ok(systems) = std::fs::read_dir(&schemas) else {
            continue;
        };
        for system in systems {
            let system = system.unwrap();
            let name = system.file_name().to_string_lossy().into_owned();
            let Some(origin) = flavour_of(&system.path()) else {
                continue;
            };
            let config = Config {
                schemas: schemas.clone(),
                systems: vec![name.clone()],
                ..Config::at(support::repo_root())
            };
            if schemagen::compile(&config).has_errors() {
                continue; // a fixture that shows a refusal (e.g. E0202 with its config)
            }
            for via in [Prisma, Firestore, Payload] {
                match round_trip(&schemas, &name, via, origin) {
                    Trip::Same => same += 1,
                    Trip::Renamed(_) => renamed += 1,
                    Trip::ToRefused(codes) | Trip::BackRefused(codes) => {
                        let known = codes.iter().all(|c| c.as_str().starts_with("E08"));
                        assert!(known, "{name} → {}: {codes:?}", via.name());
                        refused += 1;
                    }
                }
            }
        }
    }
    // 21 same IR, 3 same database, 93 refused when written; fixtures added later only add.
    assert!(
        same >= 21 && renamed >= 3,
        "same {same}, renamed {renamed}, refused {refused}"
    );
    eprintln!("fixtures: {same} same IR, {renamed} same database, {refused} refused");
}
