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
    Build(BuildArgs),
    /// Exit 1 and print a diff when the output folder is not what `build` would write
    Check(BuildArgs),
    /// Parse and validate the schemas only
    Validate(Paths),
    /// Prove the access rules against a real Postgres (a throwaway cluster unless --database-url)
    Verify(VerifyArgs),
    /// The migrations on disk: add a hand-written one, take back the newest, accept edits
    #[command(subcommand)]
    Migrate(Migrate),
}

#[derive(Subcommand)]
enum Migrate {
    /// Add an empty hand-written migration (e.g. a data backfill), numbered after the newest;
    /// schema.json does not change
    New(NewArgs),
    /// Remove the newest migration and rewind schema.json to the schema before it. Only for a
    /// migration no database has applied: files cannot tell whether one did
    Undo(SystemArgs),
    /// Record the migrations as they are now in migrations/schemagen.sum (after a deliberate
    /// edit of a migration that no database has applied)
    Hash(SystemArgs),
}

impl Migrate {
    fn system_args(&self) -> &SystemArgs {
        match self {
            Migrate::New(args) => &args.system,
            Migrate::Undo(args) | Migrate::Hash(args) => args,
        }
    }
}

#[derive(clap::Args)]
struct SystemArgs {
    /// The system [default: the only one in the output folder]
    system: Option<String>,
    #[command(flatten)]
    paths: Paths,
}

#[derive(clap::Args)]
struct NewArgs {
    /// The migration's name: lowercase letters, digits and `_` (e.g. backfill_user_email)
    #[arg(value_parser = migration_name)]
    name: String,
    #[command(flatten)]
    system: SystemArgs,
}

fn migration_name(name: &str) -> Result<String, String> {
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if !name.is_empty() && name.len() <= 60 && name.chars().all(valid) {
        Ok(name.to_string())
    } else {
        Err("use 1 to 60 lowercase letters, digits and `_`".into())
    }
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Build migrations that lose data (drops, lossy type changes, drops that look like
    /// undeclared renames); each loss is still reported
    #[arg(long)]
    accept_data_loss: bool,
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
        Command::Build(b) | Command::Check(b) => &b.paths,
        Command::Validate(p) => p,
        Command::Verify(v) => &v.paths,
        Command::Migrate(m) => &m.system_args().paths,
    };
    let Some(mut config) = settings(paths) else {
        return Ok(ExitCode::from(1));
    };
    if let Command::Build(b) | Command::Check(b) = &cli.command {
        config.accept_data_loss = b.accept_data_loss;
    }
    if let Command::Migrate(command) = &cli.command {
        return migrate(command, &config);
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

/// A `migrate` command: works on the files of one system's history, never on the schemas.
fn migrate(command: &Migrate, config: &Config) -> anyhow::Result<ExitCode> {
    use schemagen::history::{self, migrate};
    let args = command.system_args();
    let system = pick_system(&config.out, args.system.as_deref())?;
    let history = history::read(&config.out, &system)
        .with_context(|| format!("reading the migrations of {system}"))?;
    let place = migrate::Place {
        out_dir: &config.out,
        system: &system,
    };
    let mut sources = schemagen::load::SourceMap::default();
    let outcome = match command {
        Migrate::New(args) => migrate::new(&history, &place, &args.name, &mut sources).map(
            |(file, changes)| {
                let note = format!(
                    "wrote {system}/migrations/{file}: put the SQL in it, then run `schemagen migrate hash {system}`"
                );
                (note, changes)
            },
        ),
        Migrate::Undo(_) => migrate::undo(&history, &place, &mut sources).map(|(file, changes)| {
            let note = format!(
                "removed {system}/migrations/{file} and rewound schema.json to the schema before it \
                 (a database that applied it keeps its changes: undo only what ran nowhere)"
            );
            (note, changes)
        }),
        Migrate::Hash(_) => {
            let note = format!("recorded the {} migrations of {system} in schemagen.sum", history.migrations.len());
            Ok((note, migrate::hash(&history, &place)))
        }
    };
    match outcome {
        Ok((note, changes)) => {
            write::change_tree(&config.out, &changes)
                .with_context(|| format!("writing {}", config.out.display()))?;
            eprintln!("{note}");
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &sources, args.paths.format);
            Ok(ExitCode::from(1))
        }
    }
}

/// The system a `migrate` command names, or the only one built into `out`.
fn pick_system(out: &std::path::Path, named: Option<&str>) -> anyhow::Result<String> {
    let mut systems: Vec<String> = std::fs::read_dir(out)
        .with_context(|| format!("reading {}: run `schemagen build` first", out.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    systems.sort();
    match named {
        Some(name) if systems.iter().any(|s| s == name) => Ok(name.to_string()),
        Some(name) => anyhow::bail!(
            "no system {name} in {} (there: {})",
            out.display(),
            systems.join(", ")
        ),
        None if systems.len() == 1 => Ok(systems.remove(0)),
        None => anyhow::bail!(
            "name the system (in {}: {})",
            out.display(),
            systems.join(", ")
        ),
    }
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
