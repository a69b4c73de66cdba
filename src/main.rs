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
    let (paths, command) = match &cli.command {
        Command::Build(p) => (p, "build"),
        Command::Check(p) => (p, "check"),
        Command::Validate(p) => (p, "validate"),
        Command::Verify(v) => (&v.paths, "verify"),
    };
    let mut sources = schemagen::load::SourceMap::default();
    let mut config_diags = schemagen::diagnostics::Diagnostics::default();
    let config = settings(paths, &mut sources, &mut config_diags);
    let mut run = if command == "validate" {
        schemagen::compile(&config)
    } else {
        schemagen::generate(&config)
    };
    if !config_diags.is_empty() {
        // Config problems are reported with the rest, against their own source map.
        print_diagnostics(&config_diags.into_sorted(), &sources, paths.format);
        return Ok(ExitCode::from(1));
    }
    print_diagnostics(&run.diagnostics, &run.sources, paths.format);
    if run.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let elapsed = started.elapsed();
    match command {
        "validate" => {
            let tables: usize = run.systems.iter().map(|s| s.tables.len()).sum();
            eprintln!(
                "valid: {} systems, {tables} tables ({:.0?})",
                run.systems.len(),
                elapsed
            );
            Ok(ExitCode::SUCCESS)
        }
        "build" => {
            let files = std::mem::take(&mut run.files);
            let summary = write::write_tree(&config.out, &files)
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
        "verify" => match &cli.command {
            Command::Verify(v) => verify(&run, v),
            _ => unreachable!("the command is verify"),
        },
        _ => check(&config, &run),
    }
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

fn settings(
    paths: &Paths,
    sources: &mut schemagen::load::SourceMap,
    diags: &mut schemagen::diagnostics::Diagnostics,
) -> Config {
    let mut config = config::load(std::path::Path::new("."), sources, diags);
    if let Some(dir) = &paths.schemas {
        config.schemas = dir.clone();
    }
    if let Some(dir) = &paths.out {
        config.out = dir.clone();
    }
    if let Some(dir) = &paths.templates {
        config.templates = Some(dir.clone());
    }
    config
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
