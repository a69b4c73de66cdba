//! The embedded templates are laid out by Rust code (fast) unless a project overrides them
//! (then minijinja renders the project's text). Here every embedded template is "overridden"
//! by its own text, so minijinja renders it: each fixture, seed system and scenario must
//! come out byte for byte as the Rust layouts write it.

mod support;

use schemagen::config::Config;
use schemagen::render::{embedded_template, postgres, rust, typescript};
use std::path::{Path, PathBuf};

/// A templates folder holding every embedded template's own text.
fn verbatim_templates() -> support::TempDir {
    let dir = support::TempDir::new("native-layouts");
    let names = postgres::TEMPLATES
        .iter()
        .chain(rust::TEMPLATES)
        .chain(typescript::TEMPLATES)
        .map(|(name, _)| *name);
    for name in names {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, embedded_template(name).unwrap()).unwrap();
    }
    dir
}

fn folders(root: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders
}

/// Renders `config` with the Rust layouts and with minijinja; the two trees must be equal.
fn assert_layouts_match(config: &Config, templates: &Path) -> schemagen::write::Tree {
    let native = schemagen::generate(config);
    let report = schemagen::diagnostics::render::human(&native.diagnostics, &native.sources);
    assert!(
        !native.has_errors(),
        "{}:\n{report}",
        config.schemas.display()
    );
    let interpreted = schemagen::generate(&Config {
        templates: Some(templates.to_path_buf()),
        ..config.clone()
    });
    assert_eq!(native.files.len(), interpreted.files.len());
    for (path, contents) in &native.files {
        let by_template = &interpreted.files[path];
        if contents != by_template {
            let diff = similar::TextDiff::from_lines(by_template, contents);
            panic!(
                "{}: {path} differs from its template's rendering:\n{}",
                config.schemas.display(),
                diff.unified_diff().header("template", "layout")
            );
        }
    }
    native.files
}

#[test]
fn every_fixture_and_seed_system_renders_as_its_templates_do() {
    let templates = verbatim_templates();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut projects = folders(&root.join("tests/fixtures/ok"));
    projects.push(root.to_path_buf());
    for project in projects {
        // The project's own schemagen.yaml decides options (`identifiers: shorten`).
        let mut sources = schemagen::load::SourceMap::default();
        let mut diags = schemagen::diagnostics::Diagnostics::default();
        let config = Config {
            schemas: project.join("schemas"),
            out: project.join("no-history"),
            ..schemagen::config::load(&project, &mut sources, &mut diags)
        };
        assert_layouts_match(&config, templates.path());
    }
}

#[test]
fn every_scenario_version_renders_as_its_templates_do() {
    // Later versions plan on top of earlier ones: ALTERs, drops and tails, not only CREATEs.
    let templates = verbatim_templates();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut migrations = String::new();
    for scenario in folders(&root) {
        let scratch = support::TempDir::new("native-layouts-scenario");
        for version in folders(&scenario).into_iter().filter(|v| is_version(v)) {
            let config = Config {
                schemas: version.clone(),
                out: scratch.join("generated"),
                accept_data_loss: true,
                ..Config::default()
            };
            let files = assert_layouts_match(&config, templates.path());
            schemagen::write::write_tree(&config.out, &files).unwrap();
            let sql = files.iter().filter(|(path, _)| path.ends_with(".sql"));
            sql.for_each(|(_, text)| migrations.push_str(text));
        }
    }
    // Every branch of the migration template was taken somewhere above.
    for branch in [
        "destructive.\n",
        "-- If a statement fails",
        "SET lock_timeout",
        "-- New enum values are committed",
        "-- Skipped when this block already committed",
        "-- WARNING: destructive:",
        "-- WARNING W",
        "-- Every step ran",
        " PARTITION BY ",
    ] {
        assert!(
            migrations.contains(branch),
            "no scenario renders {branch:?}"
        );
    }
}

fn is_version(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name.starts_with('v') && name[1..].parse::<u32>().is_ok()
}

#[test]
fn a_template_that_differs_from_its_layout_is_caught() {
    // The check above can fail: a one-character change to a template shows as a difference.
    let templates = verbatim_templates();
    let path = templates.join("typescript/types.ts.jinja");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("?: {{ f.ty }};", "?: {{ f.ty }} ;")).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config {
        schemas: root.join("schemas"),
        out: root.join("tests/no-history"),
        ..Config::default()
    };
    let caught = std::panic::catch_unwind(|| assert_layouts_match(&config, templates.path()));
    assert!(caught.is_err());
}

#[test]
fn a_system_laid_out_in_chunks_renders_as_its_templates_do() {
    // The layouts write a large system's tables in chunks on every core (`render::par_layout`:
    // 32 tables a chunk, 8 chunks a window); the template renders it in one pass. 300 tables
    // make ten chunks in two windows, so every join between them is compared byte for byte.
    let templates = verbatim_templates();
    let scratch = support::TempDir::new("native-layouts-chunks");
    let system = scratch.join("schemas/chunked");
    std::fs::create_dir_all(&system).unwrap();
    let mut yaml = String::from("flavor: prisma\nenums:\n  Status: [ACTIVE, ARCHIVED]\nmodels:\n");
    for i in 0..300 {
        yaml.push_str(&format!(
            "  Model{i}:\n    map: model_{i}\n    fields: |\n      id String @id @default(uuid()) @db.Uuid\n      \
             status Status @default(ACTIVE)\n      tags String[]\n      note String?\n      \
             createdAt DateTime @default(now()) @map(\"created_at\")\n"
        ));
        if i > 0 {
            yaml.push_str(&format!(
                "      parentId String? @map(\"parent_id\") @db.Uuid\n      \
                 parent Model{}? @relation(fields: [parentId], references: [id])\n",
                i - 1
            ));
        }
        if i + 1 < 300 {
            yaml.push_str(&format!("      children Model{}[]\n", i + 1));
        }
    }
    std::fs::write(system.join("models.yaml"), yaml).unwrap();
    let config = Config {
        schemas: scratch.join("schemas"),
        out: scratch.join("generated"),
        ..Config::default()
    };
    let files = assert_layouts_match(&config, templates.path());
    assert!(files["chunked/types.ts"].contains("export type Model299Update"));
    assert!(files["chunked/models.rs"].contains("pub struct Model299 {"));
}
