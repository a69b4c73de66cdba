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
    Check(CheckArgs),
    /// Parse and validate the schemas only
    Validate(Paths),
    /// Prove the access rules against a real Postgres (a throwaway cluster unless --database-url)
    Verify(VerifyArgs),
    /// Apply the newest migration(s) to a throwaway database full of synthetic rows, and report
    /// per statement what it did (locks, rewrites, errors) and per table the rows before and after
    Rehearse(RehearseArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Also rehearse every system's newest migration on rows (see `schemagen rehearse`)
    #[arg(long)]
    rehearse: bool,
    #[command(flatten)]
    paths: Paths,
}

#[derive(clap::Args)]
struct RehearseArgs {
    /// The system to rehearse [default: every system]
    system: Option<String>,
    /// Rehearse this migration and every one after it [default: the newest]
    #[arg(long, value_name = "NAME")]
    from: Option<String>,
    /// Synthetic rows per table
    #[arg(long, value_name = "N", default_value_t = schemagen::rehearse::DEFAULT_ROWS)]
    rows: u64,
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
        Command::Build(p) | Command::Validate(p) => p,
        Command::Check(c) => &c.paths,
        Command::Verify(v) => &v.paths,
        Command::Rehearse(r) => &r.paths,
    };
    let Some(config) = settings(paths) else {
        return Ok(ExitCode::from(1));
    };
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
    if let Command::Rehearse(args) = &cli.command {
        let systems = match &args.system {
            Some(name) => vec![name.clone()],
            None => built_systems(&config.out)?,
        };
        let options = schemagen::rehearse::Options {
            rows: args.rows,
            from: args.from.clone(),
        };
        return rehearse(&config, &systems, &options, paths.format);
    }
    let run = schemagen::generate(&config);
    if !reported_clean(&run, paths.format) {
        return Ok(ExitCode::from(1));
    }
    match &cli.command {
        Command::Build(_) => build(&config, run, started),
        Command::Verify(args) => verify(&run, args),
        Command::Check(args) => {
            let code = check(&config, &run)?;
            if code != ExitCode::SUCCESS || !args.rehearse {
                return Ok(code);
            }
            let options = schemagen::rehearse::Options::default();
            rehearse(&config, &system_names(&run), &options, args.paths.format)
        }
        _ => unreachable!("handled above"),
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

fn system_names(run: &Run) -> Vec<String> {
    run.systems.iter().map(|s| s.name.clone()).collect()
}

/// The systems a build left migrations for in `out`, sorted.
fn built_systems(out: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))? {
        let path = entry?.path();
        if path.join("migrations").is_dir() {
            names.extend(path.file_name().map(|n| n.to_string_lossy().into_owned()));
        }
    }
    names.sort();
    Ok(names)
}

/// Rehearses the migrations on disk of each system, each in a throwaway cluster of its own.
fn rehearse(
    config: &Config,
    systems: &[String],
    options: &schemagen::rehearse::Options,
    format: Format,
) -> anyhow::Result<ExitCode> {
    use schemagen::rehearse;
    let mut reports = Vec::new();
    for system in systems {
        let history = schemagen::history::read(&config.out, system)
            .with_context(|| format!("reading the migrations of {system}"))?;
        let report = rehearse::rehearse(system, &history.migrations, options)
            .map_err(|e| anyhow::anyhow!("{system}: {e}"))?;
        if let Format::Human = format {
            print!("{}", rehearse::report::human(&report));
        }
        reports.push(report);
    }
    if let Format::Json = format {
        let all: Vec<_> = reports.iter().map(rehearse::report::json).collect();
        println!("{}", serde_json::Value::Array(all));
    }
    Ok(if reports.iter().all(rehearse::Report::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
