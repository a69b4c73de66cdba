//! schemagen: YAML collection definitions → PostgreSQL migrations, Rust and TypeScript.
//!
//! The whole pipeline, one stage per module, in the order data flows:
//! load → flavours → IR → validate → plan → render → write.

pub mod catalog;
pub mod cluster;
pub mod config;
pub mod convert;
pub mod db;
pub mod diagnostics;
pub mod flavours;
pub mod history;
pub mod import;
pub mod init;
pub mod ir;
pub mod load;
pub mod migrate;
pub mod plan;
pub mod rehearse;
pub mod render;
pub mod source;
pub mod synth;
pub mod terminal;
pub mod validate;
pub mod verify;
pub mod write;

use config::Config;
use diagnostics::{Code, Diagnostic, Diagnostics};
use ir::System;
use rayon::prelude::*;
use source::SourceMap;

/// The result of a run: the systems, the rendered tree (when asked for and error-free),
/// and every diagnostic, sorted.
#[derive(Debug, Default)]
pub struct Run {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Warnings `allowWarnings` set aside, by code: counted for the summary, not shown.
    pub allowed_warnings: std::collections::BTreeMap<Code, usize>,
    pub systems: Vec<System>,
    pub files: write::Tree,
    /// Where each system's tables lie in the files laid out table by table, for the next
    /// build to copy the unchanged ones from (`write::stamp::record_sections`).
    pub sections: Vec<render::splice::Sections>,
}

impl Run {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diagnostics::Severity::Error)
    }
}

/// load → flavours → validate, for every system under `config.schemas`.
pub fn compile(config: &Config) -> Run {
    let mut run = Run::default();
    let mut diags = Diagnostics::default();
    run.systems = compile_into(config, &mut run.sources, &mut diags, None);
    run.diagnostics = diags.into_sorted();
    set_aside_allowed(&mut run, config);
    run
}

/// [`compile`], keeping each system's parsed YAML beside its IR (same order): for
/// `export --to payload`, which writes the Payload flavour's structure (arrays, blocks, tabs,
/// versions) that the IR does not keep.
pub fn compile_keeping_yaml(config: &Config) -> (Run, Vec<load::SystemFiles>) {
    let mut run = Run::default();
    let mut diags = Diagnostics::default();
    let mut yaml = Vec::new();
    run.systems = compile_into(config, &mut run.sources, &mut diags, Some(&mut yaml));
    run.diagnostics = diags.into_sorted();
    set_aside_allowed(&mut run, config);
    (run, yaml)
}

fn set_aside_allowed(run: &mut Run, config: &Config) {
    run.diagnostics.retain(|d| {
        let allowed = config.allowed_warnings.contains(&d.code);
        if allowed {
            *run.allowed_warnings.entry(d.code).or_default() += 1;
        }
        !allowed
    });
}

fn compile_into(
    config: &Config,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    mut keep_yaml: Option<&mut Vec<load::SystemFiles>>,
) -> Vec<System> {
    let systems = match load::discover_systems(&config.schemas) {
        Ok(systems) => systems,
        Err(e) => {
            diags.push(
                Diagnostic::global(
                    Code::Io,
                    format!(
                        "cannot read the schemas folder {}: {e}",
                        config.schemas.display()
                    ),
                )
                .with_help(
                    "run schemagen in a project (a folder with schemagen.yaml or schemas/, or \
                     below one), start one with `schemagen init`, or pass --schemas DIR",
                ),
            );
            return Vec::new();
        }
    };
    let systems = selected(config, systems, diags);
    if systems.is_empty() && config.systems.is_empty() {
        diags.push(
            Diagnostic::global(
                Code::Io,
                format!("no YAML schema files in {}", config.schemas.display()),
            )
            .with_help(
                "put each system's YAML files in a folder of its own under the schemas folder",
            ),
        );
    }
    systems
        .iter()
        .map(|(name, paths)| {
            let files = load::load_system(name, paths, sources, diags);
            let mut system = flavours::lower(&files, diags);
            // The YAML trees are freed before validation (unless kept): they are a tenth of
            // the front half's peak at 10,000 models.
            // Freed file by file on every core: a tree is some thousand allocations.
            match keep_yaml.as_deref_mut() {
                Some(yaml) => yaml.push(files),
                None => files.files.into_par_iter().for_each(drop),
            }
            if config.shorten_identifiers {
                ir::shorten::shorten_identifiers(&mut system);
            }
            validate::validate(&system, diags);
            system
        })
        .collect()
}

/// The systems `config.systems` names (all when it names none), each name checked; and W0401
/// for YAML files lying directly in the schemas folder, which form a system named after it.
fn selected(
    config: &Config,
    systems: Vec<(String, Vec<std::path::PathBuf>)>,
    diags: &mut Diagnostics,
) -> Vec<(String, Vec<std::path::PathBuf>)> {
    for (name, paths) in &systems {
        if paths
            .iter()
            .any(|p| p.parent() == Some(config.schemas.as_path()))
        {
            diags.push(
                Diagnostic::global(
                    Code::LooseSchemaFiles,
                    format!(
                        "YAML files directly in {} form a system named `{name}`",
                        config.schemas.display()
                    ),
                )
                .with_help(format!(
                    "put each system in a folder of its own: {}/<system>/*.yaml",
                    config.schemas.display()
                )),
            );
        }
    }
    let names: Vec<&str> = systems.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in config
        .systems
        .iter()
        .filter(|w| !names.contains(&w.as_str()))
    {
        let d = Diagnostic::global(
            Code::UnknownSystem,
            format!("no system `{wanted}` in {}", config.schemas.display()),
        );
        diags.push(match flavours::read::closest(wanted, &names) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("systems: {}", names.join(", "))),
        });
    }
    if config.systems.is_empty() {
        return systems;
    }
    systems
        .into_iter()
        .filter(|(name, _)| config.systems.contains(name))
        .collect()
}

/// The full pipeline up to rendered files: compile, then plan and render each system
/// against the history already in `config.out`. Nothing is written.
pub fn generate(config: &Config) -> Run {
    generate_after(config, None)
}

/// [`generate`] by a binary whose environment (binary, configuration, templates) sums to
/// `environment` (`write::stamp::Inputs`): the tables a change left alone are copied from the
/// files the last build in that environment left, not laid out again (`render::splice`).
pub fn generate_after(config: &Config, environment: Option<&str>) -> Run {
    let mut run = Run::default();
    let mut diags = Diagnostics::default();
    let systems = compile_into(config, &mut run.sources, &mut diags, None);
    if config.out.exists() && !config.out.is_dir() {
        diags.push(
            Diagnostic::global(
                Code::OutNotAFolder,
                format!("the output folder {} is a file", config.out.display()),
            )
            .with_help(
                "point --out (or `out:` in schemagen.yaml) at a folder; build creates it when missing",
            ),
        );
    }
    if !diags.has_errors() {
        (run.files, run.sections) =
            render_all(config, environment, &systems, &mut run.sources, &mut diags);
    }
    run.systems = systems;
    run.diagnostics = diags.into_sorted();
    set_aside_allowed(&mut run, config);
    run
}

fn render_all(
    config: &Config,
    environment: Option<&str>,
    systems: &[System],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> (write::Tree, Vec<render::splice::Sections>) {
    let mut files = write::Tree::new();
    let mut sections = Vec::new();
    let templates = match render::Templates::new(config.templates.as_deref()) {
        Ok(t) => t,
        Err(d) => {
            diags.push(*d);
            return (files, sections);
        }
    };
    let mut recorded = environment
        .map(|env| write::stamp::recorded_sections(&config.out, env))
        .unwrap_or_default();
    files.insert(write::MARKER.into(), write::MARKER_TEXT.into());
    for system in systems {
        let mut history = match history::read_against(&config.out, system) {
            Ok(h) => h,
            Err(e) => {
                diags.push(Diagnostic::global(
                    Code::MigrationHistory,
                    format!("cannot read the previous output of {}: {e}", system.name),
                ));
                continue;
            }
        };
        let conflicts = history.same_numbers();
        if !conflicts.is_empty() {
            for (a, b) in conflicts {
                diags.push(
                    Diagnostic::global(
                        Code::MigrationHistory,
                        format!("{}: migrations {a} and {b} have the same number", system.name),
                    )
                    .with_help(
                        "two branches each added a migration: keep the one already merged with its schema.json \
                         and schemagen.sum, delete the other (and its undo record), and run `schemagen build` \
                         to plan that change again on top",
                    ),
                );
            }
            continue;
        }
        // A tampered history stops this system before planning: a plan on top of it could
        // be wrong, and nothing may be written. (Two migrations with one number, above, come
        // from a merge and explain the sum's complaints, so they are reported alone.)
        let sum_path = config
            .out
            .join(&system.name)
            .join("migrations")
            .join(history::sum::FILE);
        let tampered = history::sum::verify(
            &history,
            &system.name,
            &sum_path.display().to_string(),
            sources,
        );
        if !tampered.is_empty() {
            tampered.into_iter().for_each(|d| diags.push(d));
            continue;
        }
        // The previous schema goes to the planner, which drops it once planned: it is as large
        // as the next one, and not kept while the targets render (its text stays, for the
        // undo record).
        let planned_against = match history.snapshot {
            Some(_) => history.schema.take(),
            None => None,
        };
        let mut problems = Vec::new();
        let plan = || {
            let accept = config.accept_data_loss;
            plan_system(system, &history, planned_against, accept, &mut problems)
        };
        // The previous files are read by the targets that copy from them, each while it renders.
        let previous = recorded
            .iter()
            .position(|s| s.system == system.name)
            .map(|at| write::stamp::previous(&config.out, recorded.swap_remove(at)));
        // The targets render while the system is planned (only the migration waits for
        // the plan); what they rendered is dropped unseen when the plan refuses the system.
        let rendered = render::render_system_planning(
            system,
            &history,
            &config.targets,
            &templates,
            config.options,
            previous.as_ref(),
            plan,
        );
        problems.into_iter().for_each(|d| diags.push(d));
        match rendered {
            // Refused: nothing of this system is rendered, so `build` writes nothing and exits 1.
            None => {}
            Some(Ok(rendered)) => {
                files.extend(rendered.files);
                sections.push(rendered.sections);
            }
            Some(Err(d)) => diags.push(*d),
        }
    }
    (files, sections)
}

/// The migration from `system`'s history to it, planned against `previous` (or the history's
/// own schema), its problems added to `problems`; `None` when they refuse the system (a
/// declared rename that cannot be, data loss not accepted): nothing of it may be written.
fn plan_system(
    system: &System,
    history: &history::History,
    previous: Option<System>,
    accept_data_loss: bool,
    problems: &mut Vec<Diagnostic>,
) -> Option<plan::Migration> {
    let against = previous.as_ref().or(history.schema.as_ref());
    let (migration, rename_errors) =
        plan::plan_knowing(against, system, accept_data_loss, &history.copied);
    // The steps own what they need.
    drop(previous);
    if !rename_errors.is_empty() {
        // Renames come first: declaring one changes which losses the plan still has.
        problems.extend(rename_errors);
        return None;
    }
    let found = migration.diagnostics(system, accept_data_loss);
    let refused = found
        .iter()
        .any(|d| d.severity == diagnostics::Severity::Error);
    problems.extend(found);
    (!refused).then_some(migration)
}
