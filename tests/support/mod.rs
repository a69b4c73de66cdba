//! Shared by the tests that prove generated output with real tools (Postgres, tsc, cargo):
//! which schemas to render, temp folders, and the rule for a missing tool — a failure in CI
//! (`CI` set), a loud skip on a developer's machine.
#![allow(dead_code)] // each test file uses its own part of this module

pub mod cli;
pub mod compare;
pub mod node;
pub mod payload;
pub mod pg;
pub mod prisma_engine;
pub mod prisma_schema;
pub mod squawk;

use schemagen::config::Config;
use schemagen::Run;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `CI` set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// A tool the test needs is missing: panics in CI, otherwise says so loudly and returns, so
/// the caller can `return` (the test then passes without having checked anything).
pub fn missing_tool(test: &str, problem: &str) {
    if in_ci() {
        panic!("{test}: {problem}\n(CI is set, so a missing tool fails the test instead of skipping it)");
    }
    // Straight to stderr: the test harness captures `eprintln!` of passing tests, and a skip
    // nobody sees is a pass nobody earned.
    let message = format!(
        "\n*** SKIPPED {test}: {problem}\n*** (`scripts/test` installs what is missing; in CI this is a failure)\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
}

/// `SCHEMAGEN_TSC`, else the copy `scripts/test` installs, else `tsc` on PATH.
pub fn find_tsc() -> Option<PathBuf> {
    if let Some(tsc) = std::env::var_os("SCHEMAGEN_TSC") {
        return Some(tsc.into());
    }
    let local = repo_root().join(".tmp/node/node_modules/.bin/tsc");
    if local.is_file() {
        return Some(local);
    }
    on_path("tsc")
}

/// A folder under the system temp dir, removed on drop (a failing test unwinds, so it is
/// removed then too). Named `schemagen-*`, which `scripts/test` counts after the run.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static SEQUENCE: AtomicU32 = AtomicU32::new(0);
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("schemagen-test-{}-{n}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One set of systems to render: the project's own `schemas/`, an `ok` fixture, or a
/// scenario version.
pub struct Case {
    /// `schemas`, `fixture-<case>` or `scenario-<name>-<version>`; unique, usable in paths.
    pub label: String,
    /// Everything but the output folder.
    base: Config,
}

impl Case {
    /// `schemas` rendered with the options of the `schemagen.yaml` beside it, if any.
    pub fn new(label: String, schemas: PathBuf) -> Case {
        let mut sources = schemagen::load::SourceMap::default();
        let mut diags = schemagen::diagnostics::Diagnostics::default();
        let dir = schemas.parent().unwrap_or(&schemas);
        let options = schemagen::config::load(dir, &mut sources, &mut diags);
        let base = Config { schemas, ..options };
        Case { label, base }
    }

    /// The folder holding the case's systems, one sub-folder each.
    pub fn schemas(&self) -> &Path {
        &self.base.schemas
    }

    /// The config to render this case against the history in `out`.
    pub fn config(&self, out: &Path) -> Config {
        Config {
            out: out.to_path_buf(),
            ..self.base.clone()
        }
    }
}

/// Every case whose output must be accepted by the real tools: the systems under the
/// project's `schemas/`, every `tests/fixtures/ok/*` case, and the last version of every
/// scenario under `tests/scenarios/`.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    // The project's own `schemagen.yaml` still decides targets and templates for `schemas/`.
    let mut sources = schemagen::load::SourceMap::default();
    let mut diags = schemagen::diagnostics::Diagnostics::default();
    let project = schemagen::config::load(repo_root(), &mut sources, &mut diags);
    let project = Config {
        schemas: repo_root().join(&project.schemas),
        ..project
    };
    if project.schemas.is_dir() {
        cases.push(Case {
            label: "schemas".into(),
            base: project,
        });
    }
    for case in subfolders(&repo_root().join("tests/fixtures/ok")) {
        cases.push(Case::new(
            format!("fixture-{}", file_name(&case)),
            case.join("schemas"),
        ));
    }
    for scenario in scenarios() {
        if let Some(last) = versions(&scenario).pop() {
            let label = format!("scenario-{}-{}", file_name(&scenario), file_name(&last));
            cases.push(Case::new(label, last));
        }
    }
    cases
}

/// The systems the export tests judge by another stack's own tool (Prisma's engine,
/// drizzle-kit): the seed systems, the Prisma oracle's own systems and the `ok` fixtures.
/// Each costs that tool seconds, so CI takes a fixed sample of the fixtures (one in four,
/// and the hostile ones whose names the targets cannot quote); `SCHEMAGEN_EXPORT=full` takes
/// them all. Also returns how many systems the cases must hold at least, so that a test
/// whose systems are no longer found fails instead of passing on none.
pub fn export_cases() -> (Vec<Case>, usize) {
    let full = std::env::var("SCHEMAGEN_EXPORT").is_ok_and(|v| v == "full");
    let always = ["fixture-hostile_text", "fixture-raw_sql_tricky"];
    let own = repo_root().join("tests/oracle/systems");
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|case| !case.label.starts_with("scenario-"))
        .enumerate()
        .filter(|(i, case)| {
            full || !case.label.starts_with("fixture-")
                || i % 4 == 0
                || always.contains(&case.label.as_str())
        })
        .map(|(_, case)| case)
        .chain([Case::new("oracle".into(), own)])
        .collect();
    (cases, if full { 40 } else { 15 })
}

/// The loop both export proofs share: every system of [`export_cases`] built, then judged by
/// `check` (the system, a database name of its own, its migrations); fails naming every
/// system whose export did not make the database its migrations make.
pub fn judge_exports(
    target: &str,
    mut check: impl FnMut(&schemagen::ir::System, &str, &[(&str, &str)]) -> Result<String, String>,
) {
    let (cases, at_least) = export_cases();
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    for case in cases {
        let out = TempDir::new(&case.label);
        let run = generate(&case.label, &case.config(out.path()));
        for system in &run.systems {
            let label = format!("{} / {}", case.label, system.name);
            let database = format!("db{}", checked.len());
            checked.push(label.clone());
            let migrations = system_files(&run, &system.name, |p| {
                p.starts_with("migrations/") && p.ends_with(".sql")
            });
            match check(system, &database, &migrations) {
                Ok(summary) => eprintln!("{label}: the export makes the same database{summary}"),
                Err(report) => failures.push(format!("{label}:\n{report}")),
            }
        }
    }
    eprintln!("exported {} systems to {target}", checked.len());
    assert!(
        checked.len() >= at_least,
        "only {checked:?} were exported: are the systems still found?"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// `tests/scenarios/*`, sorted.
pub fn scenarios() -> Vec<PathBuf> {
    subfolders(&repo_root().join("tests/scenarios"))
}

/// A scenario's `v1`, `v2`, … folders in version order (`v10` after `v9`).
pub fn versions(scenario: &Path) -> Vec<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = subfolders(scenario)
        .into_iter()
        .filter_map(|dir| {
            let n = file_name(&dir).strip_prefix('v')?.parse().ok()?;
            Some((n, dir))
        })
        .collect();
    versions.sort();
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// Renders a case into memory (`out` only supplies the migration history); panics with the
/// diagnostics when it does not build, since every case here is meant to.
pub fn generate(label: &str, config: &Config) -> Run {
    let run = schemagen::generate(config);
    if run.has_errors() {
        let report = schemagen::diagnostics::render::human(&run.diagnostics, &run.sources);
        panic!("{label} does not build:\n{report}");
    }
    run
}

/// The rendered files of one system whose path (below the system folder) satisfies `keep`,
/// in path order.
pub fn system_files<'a>(
    run: &'a Run,
    system: &str,
    keep: impl Fn(&str) -> bool,
) -> Vec<(&'a str, &'a str)> {
    let prefix = format!("{system}/");
    run.files
        .iter()
        .filter_map(|(path, contents)| Some((path.strip_prefix(&prefix)?, contents.as_str())))
        .filter(|(path, _)| keep(path))
        .collect()
}

pub fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Looks a program up on PATH.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// `convert`'s check (`same_database`) on a deliberately broken conversion: `files` with each
/// `(from, to)` edit made once per file. Asserts the check refuses it with one E0810 and
/// returns that diagnostic for the caller to judge further.
pub fn broken_conversion_is_caught(
    system: &schemagen::ir::System,
    files: &[(String, String)],
    edits: &[(&str, &str)],
) -> schemagen::diagnostics::Diagnostic {
    let broken: Vec<(String, String)> = files
        .iter()
        .map(|(name, text)| {
            let text = edits
                .iter()
                .fold(text.clone(), |text, (from, to)| text.replacen(from, to, 1));
            (name.clone(), text)
        })
        .collect();
    assert_ne!(broken, files);
    let mut sources = Default::default();
    let mut diags = Default::default();
    schemagen::convert::same_database(system, &broken, &mut sources, &mut diags);
    let diags = diags.into_sorted();
    let report = schemagen::diagnostics::render::human(&diags, &sources);
    assert_eq!(diags.len(), 1, "{report}");
    assert_eq!(diags[0].code, schemagen::diagnostics::Code::ConvertNotSame);
    assert!(diags[0].message.contains("would change the database"));
    diags.into_iter().next().unwrap()
}

/// Writes the inputs of a failed comparison (`files`, name and text) into
/// `<CARGO_TARGET_TMPDIR>/<test>/<folder>` where a developer can read them; says where, or why not.
pub fn keep(test: &str, folder: &str, files: &[(&str, &str)]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(test)
        .join(folder);
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        files
            .iter()
            .try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
    });
    match written {
        Ok(()) => dir.display().to_string(),
        Err(e) => format!("not kept: {e}"),
    }
}
