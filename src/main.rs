//! The command line: parse arguments, run the pipeline, turn the outcome into an exit code.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use schemagen::config::{self, Config};
use schemagen::diagnostics::render as report;
use schemagen::{write, Run};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "schemagen",
    version,
    about = "YAML collections → PostgreSQL migrations, Rust and TypeScript"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Paths {
    /// Folder of systems (one sub-folder each) [default: schemas, or as schemagen.yaml says]
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Output folder [default: generated, or as schemagen.yaml says]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Folder of templates that override the embedded ones, by relative name
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build every system into the output folder (migrations, Rust, TypeScript)
    Build(Paths),
    /// Exit 1 and print a diff when the output folder is not what `build` would write
    Check(Paths),
    /// Parse and validate the schemas only
    Validate(Paths),
    /// Prove the access rules against a real Postgres (a throwaway cluster unless --database-url)
    Verify(VerifyArgs),
    /// Compare a live database with what the system's migrations produce (drift), and print
    /// the SQL that would reconcile it
    Diff(DiffArgs),
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The system whose migrations are expected [default: the only one in the output folder]
    system: Option<String>,
    /// The live database [default: $DATABASE_URL]
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Compare with the schema as it was after this migration (e.g. `0002_update`)
    #[arg(long, value_name = "MIGRATION")]
    up_to: Option<String>,
    #[command(flatten)]
    paths: Paths,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The system to verify [default: every system]
    system: Option<String>,
    /// An empty database to verify in, instead of a throwaway local cluster
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    #[command(flatten)]
    paths: Paths,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let paths = match &cli.command {
        Command::Build(p) | Command::Check(p) | Command::Validate(p) => p,
        Command::Verify(v) => &v.paths,
        Command::Diff(d) => &d.paths,
    };
    let Some(config) = settings(paths) else {
        return Ok(ExitCode::from(1));
    };
    if let Command::Diff(args) = &cli.command {
        return diff(&config, args);
    }
    if let Command::Validate(_) = cli.command {
        let run = schemagen::compile(&config);
        if !reported_clean(&run, paths.format) {
            return Ok(ExitCode::from(1));
        }
        let tables: usize = run.systems.iter().map(|s| s.tables.len()).sum();
        let elapsed = started.elapsed();
        eprintln!(
            "valid: {} systems, {tables} tables ({elapsed:.0?})",
            run.systems.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let run = schemagen::generate(&config);
    if !reported_clean(&run, paths.format) {
        return Ok(ExitCode::from(1));
    }
    match &cli.command {
        Command::Build(_) => build(&config, run, started),
        Command::Verify(args) => verify(&run, args),
        _ => check(&config, &run),
    }
}

/// Prints the run's diagnostics; whether it may go on (no errors).
fn reported_clean(run: &Run, format: Format) -> bool {
    print_diagnostics(&run.diagnostics, &run.sources, format);
    !run.has_errors()
}

fn build(config: &Config, run: Run, started: Instant) -> anyhow::Result<ExitCode> {
    let summary = write::write_tree(&config.out, &run.files)
        .with_context(|| format!("writing {}", config.out.display()))?;
    eprintln!(
        "built {} systems into {}: {} written, {} unchanged, {} removed ({:.0?})",
        run.systems.len(),
        config.out.display(),
        summary.written,
        summary.unchanged,
        summary.removed,
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(run: &Run, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    use schemagen::verify;
    let reports = verify::verify_run(run, args.system.as_deref(), args.database_url.as_deref())
        .map_err(anyhow::Error::msg)?;
    match args.paths.format {
        Format::Human => reports.iter().for_each(|r| print!("{}", verify::human(r))),
        Format::Json => {
            let all: Vec<_> = reports.iter().map(verify::json).collect();
            println!("{}", serde_json::Value::Array(all));
        }
    }
    Ok(if reports.iter().all(verify::Report::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `schemagen diff`: 0 no drift, 1 drift (or a failure to compare), 2 usage.
fn diff(config: &Config, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let url = args
        .database_url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok());
    let Some(url) = url.filter(|u| !u.is_empty()) else {
        eprintln!("error: give the live database with --database-url URL or DATABASE_URL");
        return Ok(ExitCode::from(2));
    };
    let system = match &args.system {
        Some(name) => name.clone(),
        None => match systems_in(&config.out).as_slice() {
            [only] => only.clone(),
            many => {
                eprintln!(
                    "error: name the system to compare; systems in {}: {}",
                    config.out.display(),
                    many.join(", ")
                );
                return Ok(ExitCode::from(2));
            }
        },
    };
    let drifts =
        schemagen::catalog::drift_at_url(&url, &config.out, &system, args.up_to.as_deref())
            .map_err(anyhow::Error::msg)?;
    use schemagen::catalog::diff;
    match args.paths.format {
        Format::Human => print!("{}", diff::human(&system, &drifts)),
        Format::Json => println!("{}", diff::json(&system, &drifts)),
    }
    Ok(if diff::in_sync(&drifts) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The systems an output folder holds migrations for, sorted.
fn systems_in(out: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("migrations").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn check(config: &Config, run: &Run) -> anyhow::Result<ExitCode> {
    let diffs = write::diff_tree(&config.out, &run.files)
        .with_context(|| format!("reading {}", config.out.display()))?;
    if diffs.is_empty() {
        eprintln!(
            "{} is up to date ({} files)",
            config.out.display(),
            run.files.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for diff in &diffs {
        print!("{diff}");
    }
    eprintln!(
        "{} files in {} are stale: run `schemagen build`",
        diffs.len(),
        config.out.display()
    );
    Ok(ExitCode::from(1))
}

/// `schemagen.yaml` (when there is one) with the command-line flags over it; `None` after
/// reporting an invalid config.
fn settings(paths: &Paths) -> Option<Config> {
    let mut sources = schemagen::load::SourceMap::default();
    let mut diags = schemagen::diagnostics::Diagnostics::default();
    let mut config = config::load(std::path::Path::new("."), &mut sources, &mut diags);
    if !diags.is_empty() {
        print_diagnostics(&diags.into_sorted(), &sources, paths.format);
        return None;
    }
    if let Some(dir) = &paths.schemas {
        config.schemas = dir.clone();
    }
    if let Some(dir) = &paths.out {
        config.out = dir.clone();
    }
    if let Some(dir) = &paths.templates {
        config.templates = Some(dir.clone());
    }
    Some(config)
}

fn print_diagnostics(
    diagnostics: &[schemagen::diagnostics::Diagnostic],
    sources: &schemagen::load::SourceMap,
    format: Format,
) {
    if diagnostics.is_empty() {
        return;
    }
    match format {
        Format::Human => eprint!("{}", report::human(diagnostics, sources)),
        Format::Json => println!("{}", report::json(diagnostics, sources)),
    }
}
