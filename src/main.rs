//! The command line: parse arguments, run the pipeline, turn the outcome into an exit code.

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use schemagen::config::{self, Config};
use schemagen::diagnostics::render as report;
use schemagen::{write, Run};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// mimalloc instead of glibc's malloc: a build allocates per column and per line, and glibc's
/// malloc and free were 30% of a build's instructions; its per-thread arenas also kept memory the
/// render threads could not reuse (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "schemagen",
    version,
    about = "YAML collections → PostgreSQL migrations, Rust and TypeScript"
)]
struct Cli {
    /// Print only problems: no progress or summary lines
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Colour diagnostics: on a terminal (auto, unless NO_COLOR is set), always, or never
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// `--quiet`, and whether diagnostics are coloured: set once from the command line.
static QUIET: AtomicBool = AtomicBool::new(false);
static COLOR: AtomicBool = AtomicBool::new(false);

/// A progress or summary line on stderr, unless `--quiet`.
macro_rules! note {
    ($($arg:tt)*) => {
        if !QUIET.load(Ordering::Relaxed) {
            eprintln!($($arg)*);
        }
    };
}

/// `auto`: stderr is a terminal and `NO_COLOR` is unset or empty (no-color.org).
fn colour_wanted(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
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
    /// Start a project in the current folder: a starter system, schemagen.yaml, a CI workflow
    /// running `schemagen check`, and JSON Schemas for editor completion
    Init(InitArgs),
    /// Build every system into the output folder (migrations, Rust, TypeScript)
    Build(BuildArgs),
    /// Exit 1 and print a diff when the output folder is not what `build` would write
    Check(CheckArgs),
    /// Parse and validate the schemas only
    Validate(ValidateArgs),
    /// Prove the access rules against a real Postgres (a throwaway cluster unless --database-url)
    Verify(VerifyArgs),
    /// Apply the newest migration(s) to a throwaway database full of synthetic rows, and report
    /// per statement what it did (locks, rewrites, errors) and per table the rows before and after
    Rehearse(RehearseArgs),
    /// Compare a live database with what the system's migrations produce (drift), and print
    /// the SQL that would reconcile it
    Diff(DiffArgs),
    /// Migrations on disk (new, undo, hash) and against a live database (deploy, status, resolve,
    /// baseline)
    #[command(subcommand)]
    Migrate(Migrate),
    /// Write the JSON Schemas of the three flavours and of schemagen.yaml, for editors' YAML
    /// completion (`# yaml-language-server: $schema=…` in each file)
    JsonSchema(JsonSchemaArgs),
    /// Print a shell completion script, e.g. `schemagen completions bash >
    /// ~/.local/share/bash-completion/completions/schemagen`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `schemagen man > ~/.local/share/man/man1/schemagen.1`
    Man,
    /// Write a system's YAML from another stack's schema (a schema.prisma, a database, a
    /// Payload config)
    #[command(subcommand)]
    Import(Import),
    /// Rewrite systems' YAML in another flavour: in place (swapped in only when the new YAML
    /// builds the same database), or into --out DIR
    Convert(ConvertArgs),
    /// Write another stack's own schema files from a system (a schema.prisma, a Drizzle
    /// schema.ts, Payload collection configs, firestore.rules), once, to port it; what the
    /// target cannot say goes to extras.sql with a warning
    Export(ExportArgs),
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// The flavour to write
    #[arg(long, value_enum)]
    to: ImportFlavour,
    /// The systems to convert [default: every system]
    systems: Vec<String>,
    /// Folder of systems (one sub-folder each) [default: schemas, or as schemagen.yaml says]
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    #[command(flatten)]
    out: ImportOut,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The stack to write for
    #[arg(long, value_enum)]
    to: ExportTarget,
    /// The systems to export [default: every system]
    systems: Vec<String>,
    /// The folder to write into, one sub-folder per system [default: export/<target> in the
    /// project]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Folder of systems (one sub-folder each) [default: schemas, or as schemagen.yaml says]
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportTarget {
    Prisma,
    Drizzle,
    Payload,
    Firestore,
}

#[derive(Subcommand)]
enum Import {
    /// A schema.prisma file, or the folder of a multi-file Prisma schema → Prisma-style YAML,
    /// one YAML file per .prisma file, in <out>/<system>/
    Prisma(ImportPrismaArgs),
    /// A live database's tables, types, keys, indexes, checks, enums and comments → YAML,
    /// one file per Postgres schema, in <out>/<system>/
    Postgres(ImportPostgresArgs),
    /// A Payload 3 config (payload.config.ts), read by the project's own `payload` package
    /// with node → Payload-style YAML, <out>/<system>/payload.yaml
    Payload(ImportPayloadArgs),
}

#[derive(clap::Args)]
struct ImportPayloadArgs {
    /// The project's Payload config (.ts, .js or .mjs); its project needs `npm install` done
    #[arg(long, value_name = "PATH")]
    config: PathBuf,
    /// The system's name [default: the folder of the project's package.json]
    #[arg(long, value_name = "NAME")]
    system: Option<String>,
    #[command(flatten)]
    out: ImportOut,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImportFlavour {
    Prisma,
    Payload,
    Firestore,
}

impl ImportFlavour {
    fn target(self) -> schemagen::convert::Target {
        use schemagen::convert::Target;
        match self {
            ImportFlavour::Prisma => Target::Prisma,
            ImportFlavour::Payload => Target::Payload,
            ImportFlavour::Firestore => Target::Firestore,
        }
    }
}

#[derive(clap::Args)]
struct ImportPostgresArgs {
    /// The database, as a URL (postgresql://user@host/db) or libpq key=value string
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: String,
    /// The system's name
    #[arg(long, value_name = "NAME")]
    system: String,
    /// Import the tables of this Postgres schema (repeat for several) [default: every schema
    /// but Postgres' own, `auth` and schemagen's history]
    #[arg(long = "schema", value_name = "NAME")]
    schemas: Vec<String>,
    /// The flavour of the YAML: Prisma-style, or that YAML converted (`schemagen convert`)
    #[arg(long, value_enum, default_value_t = ImportFlavour::Prisma)]
    flavour: ImportFlavour,
    /// Leave out what has no YAML form (row level security and grants, other types), with a
    /// warning each, instead of refusing the import
    #[arg(long)]
    skip_unsupported: bool,
    #[command(flatten)]
    out: ImportOut,
}

#[derive(clap::Args)]
struct ImportPrismaArgs {
    /// The schema.prisma file, or the folder of a multi-file schema
    #[arg(value_name = "FILE|DIR")]
    input: PathBuf,
    /// The system's name [default: the file's stem (the folder's name for a folder, or for
    /// a file named schema.prisma)]
    #[arg(long, value_name = "NAME")]
    system: Option<String>,
    /// Leave out what has no YAML form (views, other extensions), with a warning and a YAML
    /// comment each, instead of refusing the import
    #[arg(long)]
    skip_unsupported: bool,
    #[command(flatten)]
    out: ImportOut,
}

#[derive(clap::Args)]
struct ImportOut {
    /// The schemas folder the system's folder is written into [default: schemas, or as
    /// schemagen.yaml says]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::Args)]
struct JsonSchemaArgs {
    /// The folder to write them into [default: .schemagen/json-schema in the project]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// The systems to validate [default: every system]
    systems: Vec<String>,
    #[command(flatten)]
    paths: Paths,
}

#[derive(Subcommand)]
enum Migrate {
    #[command(flatten)]
    Files(MigrateFiles),
    #[command(flatten)]
    Database(MigrateDatabase),
}

/// Commands on the migrations on disk.
#[derive(Subcommand)]
enum MigrateFiles {
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

/// Commands against a live database.
#[derive(Subcommand)]
enum MigrateDatabase {
    /// Apply the pending migrations of a system, recording each in the history table
    Deploy(DatabaseArgs),
    /// One line per migration (applied, pending, failed, in progress, interrupted, modified,
    /// missing); exit 0 when the database is at the head, 1 otherwise
    Status(DatabaseArgs),
    /// Record what you did about a failed or interrupted migration
    Resolve(ResolveArgs),
    /// Adopt a database that already has the schema: record the migrations up to NAME as
    /// applied without running them, after checking that the database matches the schema at
    /// NAME (as `schemagen diff --up-to NAME` compares)
    Baseline(BaselineArgs),
}

impl Migrate {
    fn paths(&self) -> &Paths {
        match self {
            Migrate::Files(MigrateFiles::New(args)) => &args.system.paths,
            Migrate::Files(MigrateFiles::Undo(args) | MigrateFiles::Hash(args)) => &args.paths,
            Migrate::Database(command) => &command.database().paths,
        }
    }
}

impl MigrateDatabase {
    fn database(&self) -> &DatabaseArgs {
        match self {
            MigrateDatabase::Deploy(args) | MigrateDatabase::Status(args) => args,
            MigrateDatabase::Resolve(resolve) => &resolve.database,
            MigrateDatabase::Baseline(baseline) => &baseline.database,
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
struct DatabaseArgs {
    /// The system [required when the output folder holds more than one]
    system: Option<String>,
    /// The database, as a URL (postgresql://user@host/db) or libpq key=value string
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: String,
    /// The schema of the history table `schemagen_migrations` [default: schemagen, or
    /// `historySchema` in schemagen.yaml]
    #[arg(long, value_name = "SCHEMA")]
    history_schema: Option<String>,
    /// How long to wait for another deploy to finish before refusing
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    wait: u64,
    #[command(flatten)]
    paths: Paths,
}

#[derive(clap::Args)]
#[group(required = true, multiple = false, id = "resolution")]
struct Resolution {
    /// You finished the migration by hand: deploy goes on with the next one
    #[arg(long, value_name = "NAME")]
    applied: Option<String>,
    /// You undid whatever part of it committed: the next deploy runs it again from its start
    #[arg(long, value_name = "NAME")]
    rolled_back: Option<String>,
}

#[derive(clap::Args)]
struct ResolveArgs {
    #[command(flatten)]
    resolution: Resolution,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(clap::Args)]
struct BaselineArgs {
    /// The migration the database's schema is at (e.g. `0002_update`)
    name: String,
    #[command(flatten)]
    database: DatabaseArgs,
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
struct InitArgs {
    /// The flavour of the starter system
    #[arg(long, value_enum, default_value_t = StarterFlavour::Prisma)]
    flavour: StarterFlavour,
    /// The starter system's name (its folder under schemas/)
    #[arg(value_parser = system_name, default_value = schemagen::init::DEFAULT_SYSTEM)]
    name: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum StarterFlavour {
    Prisma,
    Payload,
    Firestore,
}

fn system_name(name: &str) -> Result<String, String> {
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    let first = name.starts_with(|c: char| c.is_ascii_lowercase());
    if first && name.len() <= 60 && name.chars().all(valid) {
        Ok(name.to_string())
    } else {
        Err("use a lowercase letter, then up to 59 lowercase letters, digits, `_` and `-`".into())
    }
}

#[derive(clap::Args)]
struct BuildArgs {
    /// The systems to act on [default: every system]; the others' output is left as it is
    systems: Vec<String>,
    /// Build migrations that lose data (drops, lossy type changes, drops that look like
    /// undeclared renames); each loss is still reported
    #[arg(long)]
    accept_data_loss: bool,
    #[command(flatten)]
    paths: Paths,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Also rehearse every system's newest migration on rows (see `schemagen rehearse`)
    #[arg(long)]
    rehearse: bool,
    #[command(flatten)]
    build: BuildArgs,
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
    /// Prove the database at --database-url as it is (e.g. staging), without migrating it:
    /// it must be at the system's latest migration; everything verify does is rolled back
    #[arg(long, requires = "database_url")]
    existing: bool,
    /// Print the proof as a pgTAP suite (the matrix goes to stderr), or the matrix as Markdown
    #[arg(long, value_name = "FORMAT")]
    emit: Option<Emit>,
    #[command(flatten)]
    paths: Paths,
}

/// What `verify --emit` writes.
#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    /// A pgTAP suite for `pg_prove` or `supabase test db` (one system)
    Pgtap,
    /// The access matrix as GitHub Markdown, a section per system (declared vs actual)
    Markdown,
}

/// mimalloc's `mi_option_purge_delay` (the 16th option of `mi_option_e` in its `mimalloc.h`, v2
/// and v3 alike); the `mimalloc` crate's bindings do not name it.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Freed pages go back to the system 10 ms after they are freed, not mimalloc 3's 1 s: a build
/// is over in less, so no freed page was ever given back, and the peak RSS was every page ever
/// touched (validate at 10,000 models: 171–181 → 150 MiB, the same CPU; docs/benchmarks.md,
/// session 9). 10 ms is mimalloc 2's default; 0 gives each free an `madvise` of its own.
fn return_freed_memory_soon() {
    // SAFETY: an option setter of the allocator linked in; it takes any value, at any time.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
}

/// Schema text up to which a build's heap is faulted in 2 MiB at a time (~2,000 models of the
/// benchmark: peak RSS 43 MiB on 4 KiB pages, 76 MiB on huge pages).
const HUGE_PAGES_UP_TO: u64 = 2 << 20;

/// Transparent huge pages back on for the compile of small schemas: their heap is some tens of
/// MiB, gone within a tenth of a second, and a 4 KiB page's first touch costs ~2 µs in the
/// kernel where a 2 MiB page is zeroed in ~0.1 ms (1,000 models: ~6,700 faults, a quarter of
/// the build's CPU; docs/benchmarks.md, session 13). A large build stays on 4 KiB pages.
fn huge_pages_if_small(config: &Config) {
    let Ok(systems) = schemagen::load::discover_systems(&config.schemas) else {
        return;
    };
    let mut bytes = 0;
    for path in systems.iter().flat_map(|(_, files)| files) {
        bytes += std::fs::metadata(path).map_or(0, |m| m.len());
        if bytes > HUGE_PAGES_UP_TO {
            return;
        }
    }
    let _ = rustix::thread::disable_transparent_huge_pages(false);
    // Nothing freed goes back before the exit: giving back part of a huge page splits it.
    // SAFETY: as in `return_freed_memory_soon`.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

fn main() -> ExitCode {
    // No transparent huge pages but for a small build (`huge_pages_if_small`): mimalloc asks for
    // them, and the kernel then zeroes 2 MiB at each first touch; a large build spent a third of
    // the front half's CPU there, and its peak RSS rose with the pages touched only in part
    // (docs/benchmarks.md, session 7).
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    return_freed_memory_soon();
    let cli = Cli::parse();
    QUIET.store(cli.quiet, Ordering::Relaxed);
    COLOR.store(colour_wanted(cli.color), Ordering::Relaxed);
    clean_up_on_interrupt();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Not when an interrupt stopped the server under the command: that is no error.
            if CLEANING_UP.try_lock().is_ok() {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(1)
        }
    };
    // A command whose server an interrupt stopped fails; let the clean-up finish and exit.
    drop(CLEANING_UP.lock());
    code
}

/// Held by the interrupt handler from the signal to the exit.
static CLEANING_UP: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Ctrl-C, SIGTERM or a closed terminal: stop the throwaway clusters `verify`, `rehearse` and
/// `drift` start and remove their folders (no destructor runs on a signal), then exit as the
/// signal would have. Anything else a command was doing is safe to cut: writes are atomic.
fn clean_up_on_interrupt() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _held_until_exit = CLEANING_UP.lock();
            schemagen::cluster::stop_all_running();
            std::process::exit(128 + signal);
        }
    });
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let paths = match &cli.command {
        Command::Init(args) => return init(args),
        Command::Import(command) => return import(command),
        Command::Convert(args) => return convert(args),
        Command::Export(args) => return export(args),
        Command::JsonSchema(args) => return json_schema(args),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "schemagen", &mut std::io::stdout());
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Build(b) | Command::Check(CheckArgs { build: b, .. }) => &b.paths,
        Command::Rehearse(r) => &r.paths,
        Command::Diff(d) => &d.paths,
        Command::Validate(v) => &v.paths,
        Command::Verify(v) => &v.paths,
        Command::Migrate(m) => m.paths(),
    };
    let Some(mut config) = settings(paths) else {
        return Ok(ExitCode::from(1));
    };
    match &cli.command {
        Command::Build(b) | Command::Check(CheckArgs { build: b, .. }) => {
            config.accept_data_loss = b.accept_data_loss;
            config.systems = b.systems.clone();
        }
        Command::Validate(v) => config.systems = v.systems.clone(),
        _ => {}
    }
    if let Some(code) = mind_leftovers(&cli.command, &config, paths.format) {
        return Ok(code);
    }
    match &cli.command {
        Command::Diff(args) => diff(&config, args),
        Command::Migrate(command) => migrate(command, &config),
        Command::Validate(_) => validate(&config, paths.format, started),
        Command::Build(_) => build(&config, paths.format, started),
        Command::Check(args) => check(&config, args.rehearse, paths.format),
        Command::Rehearse(args) => {
            let systems = match &args.system {
                Some(name) => vec![name.clone()],
                None => schemagen::history::systems(&config.out),
            };
            let options = schemagen::rehearse::Options {
                rows: args.rows,
                from: args.from.clone(),
            };
            let reports = rehearse(&config, &systems, &options, paths.format)?;
            if let Format::Json = paths.format {
                println!("{}", rehearse_json(&reports));
            }
            Ok(passed(
                reports.iter().all(schemagen::rehearse::Report::passed),
            ))
        }
        Command::Verify(args) => {
            let run = schemagen::generate(&config);
            print_diagnostics(&run.diagnostics, &run.sources, paths.format);
            if run.has_errors() {
                return Ok(ExitCode::from(1));
            }
            verify(&run, args)
        }
        Command::Init(_)
        | Command::Import(_)
        | Command::Convert(_)
        | Command::Export(_)
        | Command::JsonSchema(_)
        | Command::Completions { .. }
        | Command::Man => {
            unreachable!("they return above, needing no project")
        }
    }
}

fn passed(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `schemagen json-schema`: the schemas into `--out`, or the project's `.schemagen/json-schema`.
fn json_schema(args: &JsonSchemaArgs) -> anyhow::Result<ExitCode> {
    let out = match &args.out {
        Some(dir) => dir.clone(),
        None => project_dir().join(schemagen::init::JSON_SCHEMA_DIR),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in schemagen::flavours::json_schema::all() {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        note!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The project folder (see `config::find_project`), or the current folder outside any.
fn project_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    config::find_project(&cwd).unwrap_or_default()
}

/// The one JSON document `build`, `check` and `validate` print with `--format json`: whether
/// the command succeeded, every diagnostic, and what the command adds (`fields`).
fn json_document(command: &str, ok: bool, run: &Run, fields: serde_json::Value) -> String {
    let mut document = serde_json::json!({
        "command": command,
        "ok": ok,
        "diagnostics": report::json_value(&run.diagnostics, &run.sources),
        "allowedWarnings": run.allowed_warnings,
    });
    if let (Some(document), serde_json::Value::Object(fields)) = (document.as_object_mut(), fields)
    {
        document.extend(fields);
    }
    serde_json::to_string_pretty(&document).expect("JSON prints")
}

/// Human output: the diagnostics on stderr. JSON output waits for the command's document.
fn report_human(run: &Run, format: Format) {
    if let Format::Human = format {
        print_diagnostics(&run.diagnostics, &run.sources, format);
        if !run.allowed_warnings.is_empty() {
            let counts: Vec<String> = run
                .allowed_warnings
                .iter()
                .map(|(code, n)| format!("{code} ×{n}"))
                .collect();
            note!(
                "allowed by schemagen.yaml (allowWarnings): {}",
                counts.join(", ")
            );
        }
    }
}

fn validate(config: &Config, format: Format, started: Instant) -> anyhow::Result<ExitCode> {
    huge_pages_if_small(config);
    let run = schemagen::compile(config);
    report_human(&run, format);
    let ok = !run.has_errors();
    let tables: usize = run.systems.iter().map(|s| s.tables.len()).sum();
    match format {
        Format::Human if ok => note!(
            "valid: {}, {} ({:.0?})",
            count(run.systems.len(), "system"),
            count(tables, "table"),
            started.elapsed()
        ),
        Format::Human => {}
        Format::Json => {
            let summary = serde_json::json!({ "summary": {
                "systems": system_names(&run), "tables": tables,
            }});
            println!("{}", json_document("validate", ok, &run, summary));
        }
    }
    // Freeing the IR one allocation at a time would only delay the exit (4 % of the
    // instructions at 10,000 models, on one core): the process's memory goes back whole.
    std::mem::forget(run);
    Ok(passed(ok))
}

fn system_names(run: &Run) -> Vec<&str> {
    run.systems.iter().map(|s| s.name.as_str()).collect()
}

/// With systems named on the command line, the others' output stays as it is on disk: their
/// files join the rendered tree unchanged, so `build` keeps them and `check` finds them equal.
fn keep_unselected(config: &Config, files: &mut write::Tree) -> anyhow::Result<()> {
    if config.systems.is_empty() {
        return Ok(());
    }
    let current = write::read_tree(&config.out)
        .with_context(|| format!("reading {}", config.out.display()))?;
    for (path, text) in current {
        let selected = match path.split_once('/') {
            Some((system, _)) => config.systems.iter().any(|s| s == system),
            None => true,
        };
        if !selected {
            files.entry(path).or_insert(text);
        }
    }
    Ok(())
}

/// What a killed build left beside the output, dealt with before the history in it is read:
/// `build` repairs it (saying so), `check` reports it and fails.
fn mind_leftovers(command: &Command, config: &Config, format: Format) -> Option<ExitCode> {
    let sources = schemagen::load::SourceMap::default();
    match command {
        Command::Build(_) => match write::repair(&config.out) {
            Ok(done) => {
                done.iter().for_each(|note| eprintln!("{note}"));
                None
            }
            Err(e) => {
                let e = write::WriteError::repair_failed(&config.out, e);
                print_diagnostics(&[e.diagnostic()], &sources, format);
                Some(ExitCode::from(1))
            }
        },
        Command::Check(_) => {
            let leftovers = write::leftovers_diagnostic(&config.out)?;
            print_diagnostics(&[leftovers], &sources, format);
            Some(ExitCode::from(1))
        }
        _ => None,
    }
}

/// The run `build` and `check` act on: reported, and `None` (after the one JSON document
/// saying so) when it has errors; the systems not named on the command line keep their output.
fn generated(
    config: &Config,
    command: &str,
    format: Format,
    environment: Option<&str>,
) -> anyhow::Result<Option<Run>> {
    huge_pages_if_small(config);
    let mut run = schemagen::generate_after(config, environment);
    report_human(&run, format);
    if run.has_errors() {
        if let Format::Json = format {
            let document = json_document(command, false, &run, serde_json::json!({}));
            println!("{document}");
        }
        return Ok(None);
    }
    keep_unselected(config, &mut run.files)?;
    Ok(Some(run))
}

fn build(config: &Config, format: Format, started: Instant) -> anyhow::Result<ExitCode> {
    // With a stamp to compare with, every input is summed first: the build may stop there.
    // Without one (a first build, an empty folder), only the environment: the schemas are
    // summed from the texts the build read, beside the write (`stamp::schemas_read`).
    let stamped = write::stamp::exists(&config.out);
    let inputs = stamped.then(|| stamp_inputs(config)).flatten();
    if let Some(files) = unchanged_since_stamp(config, inputs.as_ref(), format) {
        note!(
            "built {} into {}: 0 written, {files} unchanged, 0 removed, as the last build left them ({:.0?})",
            count(schemagen::history::systems(&config.out).len(), "system"),
            config.out.display(),
            started.elapsed()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let environment = match &inputs {
        Some(inputs) => Some(inputs.environment.clone()),
        None => (!stamped).then(|| stamp_environment(config)).flatten(),
    };
    let Some(run) = generated(config, "build", format, environment.as_deref())? else {
        return Ok(ExitCode::from(1));
    };
    // Where its tables lie, for the next build to copy from: kept for a build of every
    // system (the sections say nothing of the others).
    let sections_environment = environment.as_deref().filter(|_| config.systems.is_empty());
    // Only a build of every system with nothing to say may let the next one stop early.
    let whole = config.systems.is_empty() && run.diagnostics.is_empty();
    let stamp_environment = environment
        .as_deref()
        .filter(|_| whole && run.allowed_warnings.is_empty());
    // The stamp's sums and the sections' text are made on a second core while the tree is
    // written: after the swap only two small files are left to write.
    let (written, (stamp, sections)) = std::thread::scope(|scope| {
        let stamp = scope.spawn(|| {
            let stamp = stamp_environment.and_then(|environment| {
                let schemas = match &inputs {
                    Some(inputs) => inputs.schemas.clone(),
                    None => write::stamp::schemas_read(config, &run.sources)?,
                };
                let inputs = write::stamp::Inputs {
                    environment: environment.to_string(),
                    schemas,
                };
                Some((inputs, write::stamp::outputs(&run.files)))
            });
            let sections = sections_environment
                .map(|environment| write::stamp::sections_text(environment, &run.sections));
            (stamp, sections)
        });
        let written = write::write_tree(&config.out, &run.files);
        (written, stamp.join().expect("the stamp's sum panicked"))
    });
    let summary = match written {
        Ok(summary) => summary,
        Err(e) => {
            print_diagnostics(&[e.diagnostic()], &run.sources, format);
            return Ok(ExitCode::from(1));
        }
    };
    if let Some((inputs, outputs)) = stamp {
        write::stamp::record(&config.out, &inputs, &outputs);
    }
    if let Some(sections) = sections {
        write::stamp::record_sections_text(&config.out, &sections);
    }
    match format {
        Format::Human => note!(
            "built {} into {}: {} written, {} unchanged, {} removed ({:.0?})",
            count(run.systems.len(), "system"),
            config.out.display(),
            summary.written,
            summary.unchanged,
            summary.removed,
            started.elapsed()
        ),
        Format::Json => {
            let summary = serde_json::json!({ "summary": {
                "systems": system_names(&run),
                "out": config.out.display().to_string(),
                "written": summary.written,
                "unchanged": summary.unchanged,
                "removed": summary.removed,
            }});
            println!("{}", json_document("build", true, &run, summary));
        }
    }
    // Everything is written, synced, swapped in and reported: freeing the IR and every
    // rendered file one allocation at a time would only delay the exit, and so would the
    // allocator's collection at exit (mimalloc gives each freed span back with an `madvise`
    // of its own: 0.1 s at 10,000 models). The process's memory goes back to the system whole.
    std::mem::forget(run);
    exit_at_once()
}

/// Ends the process now, as a return from `main` with success would, minus the exit handlers.
fn exit_at_once() -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` ends the process without running exit handlers or destructors; nothing
    // is left to run: every file is written and synced, every line printed and flushed.
    unsafe { libc::_exit(0) }
}

/// `schemagen init`: creates the starter project in the current folder.
fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    use schemagen::flavours::Flavour;
    let flavour = match args.flavour {
        StarterFlavour::Prisma => Flavour::Prisma,
        StarterFlavour::Payload => Flavour::Payload,
        StarterFlavour::Firestore => Flavour::Firestore,
    };
    let files = schemagen::init::starter(flavour, &args.name);
    if let Err(d) = schemagen::init::create(Path::new(""), &files) {
        print_diagnostics(&[*d], &Default::default(), Format::Human);
        return Ok(ExitCode::from(1));
    }
    for (path, _) in &files {
        note!("created {}", path.display());
    }
    use schemagen::init::{Ignore, IGNORE_STAMP};
    match schemagen::init::ignore_stamp(Path::new("")) {
        Ok(Ignore::Created) => note!("created .gitignore"),
        Ok(Ignore::AlreadyIgnored) => {}
        Ok(Ignore::AddByHand) | Err(_) => {
            note!("add `{IGNORE_STAMP}` to .gitignore: the build stamp is per machine")
        }
    }
    note!(
        "next: `schemagen build`, then `schemagen migrate deploy --database-url URL` to apply \
         the migration; edit schemas/{}/models.yaml and build again",
        args.name
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(run: &Run, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    use schemagen::verify;
    let format = args.paths.format;
    if matches!(args.emit, Some(Emit::Pgtap)) && args.system.is_none() && run.systems.len() > 1 {
        let names: Vec<&str> = run.systems.iter().map(|s| s.name.as_str()).collect();
        let d = schemagen::diagnostics::Diagnostic::global(
            schemagen::diagnostics::Code::EmitOneSystem,
            format!(
                "`verify --emit pgtap` writes one system's suite, and the project has {}",
                names.len()
            ),
        )
        .with_help(format!(
            "name the system: `schemagen verify --emit pgtap <SYSTEM>`; systems: {}",
            names.join(", ")
        ));
        print_diagnostics(&[d], &run.sources, format);
        return Ok(ExitCode::from(2));
    }
    let outcome = verify::verify_run(
        run,
        args.system.as_deref(),
        args.database_url.as_deref(),
        args.existing,
    );
    let unexplained: Vec<_> = run
        .systems
        .iter()
        .filter(|s| args.system.as_deref().is_none_or(|name| s.name == name))
        .flat_map(verify::unexplained_sql_rules)
        .collect();
    let reports = match outcome {
        Ok(reports) => {
            // In JSON the reports carry them as FAIL notes; stdout holds one document.
            if let Format::Human = format {
                print_diagnostics(&unexplained, &run.sources, format);
            }
            reports
        }
        Err(d) => {
            print_diagnostics(&[d], &run.sources, format);
            return Ok(ExitCode::from(1));
        }
    };
    match (args.emit, args.paths.format) {
        (Some(Emit::Pgtap), _) => {
            for report in &reports {
                eprint!("{}", verify::human(report));
                if !report.declares_access {
                    // A suite of no probes would pass and prove nothing.
                    return Ok(ExitCode::from(1));
                }
                let system = run.systems.iter().find(|s| s.name == report.system);
                print!(
                    "{}",
                    verify::pgtap::suite(system.expect("a verified system"), report)
                );
            }
        }
        (Some(Emit::Markdown), _) => {
            let sections: Vec<String> = reports.iter().map(verify::markdown::section).collect();
            print!("{}", sections.join("\n"));
        }
        (None, Format::Human) => reports.iter().for_each(|r| print!("{}", verify::human(r))),
        (None, Format::Json) => {
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
/// `migrate new | undo | hash | deploy | status | resolve | baseline`.
fn migrate(command: &Migrate, config: &Config) -> anyhow::Result<ExitCode> {
    match command {
        Migrate::Files(command) => migrate_files(command, config),
        Migrate::Database(command) => migrate_database(command, config),
    }
}

/// `migrate new | undo | hash`: changes to the migrations on disk (`schemagen::history::migrate`).
fn migrate_files(command: &MigrateFiles, config: &Config) -> anyhow::Result<ExitCode> {
    use schemagen::history::{self, migrate};
    let (named, format) = match command {
        MigrateFiles::New(args) => (args.system.system.as_deref(), args.system.paths.format),
        MigrateFiles::Undo(args) | MigrateFiles::Hash(args) => {
            (args.system.as_deref(), args.paths.format)
        }
    };
    // A named system need not be built yet: `migrate new` says so itself (E0348).
    let picked = match named {
        Some(name) => Ok(name.to_string()),
        None => schemagen::migrate::pick_system(&config.out, None),
    };
    let system = match picked {
        Ok(system) => system,
        Err(d) => {
            print_diagnostics(&[d], &Default::default(), format);
            return Ok(ExitCode::from(1));
        }
    };
    let history = history::read(&config.out, &system)
        .with_context(|| format!("reading the migrations of {system}"))?;
    let place = migrate::Place {
        out_dir: &config.out,
        system: &system,
    };
    let mut sources = schemagen::load::SourceMap::default();
    let outcome = match command {
        MigrateFiles::New(args) => migrate::new(&history, &place, &args.name, &mut sources).map(
            |(file, changes)| {
                let note = format!(
                    "wrote {system}/migrations/{file}: put the SQL in it, then run `schemagen migrate hash {system}`"
                );
                (note, changes)
            },
        ),
        MigrateFiles::Undo(_) => migrate::undo(&history, &place, &mut sources).map(|(file, changes)| {
            let note = format!(
                "removed {system}/migrations/{file} and rewound schema.json to the schema before it \
                 (a database that applied it keeps its changes: undo only what ran nowhere)"
            );
            (note, changes)
        }),
        MigrateFiles::Hash(_) => {
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
            print_diagnostics(&diagnostics, &sources, format);
            Ok(ExitCode::from(1))
        }
    }
}

/// Rehearses the migrations on disk of each system, each in a throwaway cluster of its own;
/// human reports are printed as they come.
fn rehearse(
    config: &Config,
    systems: &[String],
    options: &schemagen::rehearse::Options,
    format: Format,
) -> anyhow::Result<Vec<schemagen::rehearse::Report>> {
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
    Ok(reports)
}

fn rehearse_json(reports: &[schemagen::rehearse::Report]) -> serde_json::Value {
    serde_json::Value::Array(
        reports
            .iter()
            .map(schemagen::rehearse::report::json)
            .collect(),
    )
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
        None => match schemagen::history::systems(&config.out).as_slice() {
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

/// `schemagen check`: exit 1 when the output folder is not what `build` would write. Human
/// output prints the diff on stdout; JSON output puts it inside its one document.
/// The sum of what a build of `config` reads, for the build stamp (`write::stamp`), taken
/// before anything is compiled, so an edit during the build is seen by the next one.
fn stamp_inputs(config: &Config) -> Option<write::stamp::Inputs> {
    write::stamp::inputs(config, &project_dir().join(config::FILE_NAME))
}

/// The environment's part of [`stamp_inputs`].
fn stamp_environment(config: &Config) -> Option<String> {
    write::stamp::environment(config, &project_dir().join(config::FILE_NAME))
}

/// The number of output files when the build stamp says the last build read these inputs and
/// the outputs are still what it wrote (human output only; a JSON run reports in full).
fn unchanged_since_stamp(
    config: &Config,
    inputs: Option<&write::stamp::Inputs>,
    format: Format,
) -> Option<usize> {
    let human = matches!(format, Format::Human) && config.systems.is_empty();
    write::stamp::fresh(&config.out, inputs.filter(|_| human)?)
}

fn check(config: &Config, and_rehearse: bool, format: Format) -> anyhow::Result<ExitCode> {
    let inputs = stamp_inputs(config).filter(|_| !and_rehearse);
    if let Some(files) = unchanged_since_stamp(config, inputs.as_ref(), format) {
        let out = config.out.display();
        note!("{out} is up to date ({files} files, as the last build left them)");
        return Ok(ExitCode::SUCCESS);
    }
    let environment = inputs.as_ref().map(|inputs| inputs.environment.as_str());
    let Some(run) = generated(config, "check", format, environment)? else {
        return Ok(ExitCode::from(1));
    };
    let diffs = write::diff_tree(&config.out, &run.files)
        .with_context(|| format!("reading {}", config.out.display()))?;
    let out = config.out.display();
    if let Format::Human = format {
        if diffs.is_empty() {
            note!("{out} is up to date ({} files)", run.files.len());
        } else {
            diffs.iter().for_each(|diff| print!("{diff}"));
            eprintln!(
                "{} files in {out} are stale: run `schemagen build`",
                diffs.len()
            );
        }
    }
    let fresh = diffs.is_empty();
    let reports = if fresh && and_rehearse {
        let systems: Vec<String> = run.systems.iter().map(|s| s.name.clone()).collect();
        let options = schemagen::rehearse::Options::default();
        rehearse(config, &systems, &options, format)?
    } else {
        Vec::new()
    };
    let ok = fresh && reports.iter().all(schemagen::rehearse::Report::passed);
    if let Format::Json = format {
        let stale: Vec<_> = diffs
            .iter()
            .map(|diff| serde_json::json!({ "path": diff_path(diff), "diff": diff }))
            .collect();
        let mut fields = serde_json::json!({
            "stale": stale,
            "summary": { "systems": system_names(&run), "files": run.files.len(), "stale": diffs.len() },
        });
        if and_rehearse {
            fields["rehearse"] = rehearse_json(&reports);
        }
        println!("{}", json_document("check", ok, &run, fields));
    }
    Ok(passed(ok))
}

/// The output path a unified diff is about (`+++ b/generated/x`, or `--- a/…` for a removal).
fn diff_path(diff: &str) -> &str {
    let mut lines = diff.lines();
    let old = lines.next().and_then(|l| l.strip_prefix("--- a/"));
    let new = lines.next().and_then(|l| l.strip_prefix("+++ b/"));
    new.or(old).unwrap_or_default()
}

/// `migrate deploy | status | resolve | baseline`: the command logic is in `schemagen::migrate`.
fn migrate_database(command: &MigrateDatabase, config: &Config) -> anyhow::Result<ExitCode> {
    use schemagen::migrate::{self, records::Outcome};
    let args = command.database();
    let format = args.paths.format;
    let system = match migrate::pick_system(&config.out, args.system.as_deref()) {
        Ok(system) => system,
        Err(d) => {
            print_diagnostics(&[d], &Default::default(), format);
            return Ok(ExitCode::from(1));
        }
    };
    let schema = args
        .history_schema
        .clone()
        .or_else(|| config.history_schema.clone())
        .unwrap_or_else(|| migrate::DEFAULT_HISTORY_SCHEMA.to_string());
    let target = migrate::Target {
        system,
        out_dir: config.out.clone(),
        history: migrate::records::Table::new(&schema),
        wait: std::time::Duration::from_secs(args.wait),
    };
    let mut db = match schemagen::db::Db::connect(&args.database_url) {
        Ok(db) => db,
        Err(e) => {
            let d = schemagen::diagnostics::Diagnostic::global(
                schemagen::diagnostics::Code::DatabaseError,
                format!("cannot connect to the database: {e}"),
            )
            .with_help("check --database-url (or DATABASE_URL)");
            print_diagnostics(&[d], &Default::default(), format);
            return Ok(ExitCode::from(1));
        }
    };
    let human = matches!(format, Format::Human);
    let report = match command {
        MigrateDatabase::Deploy(_) => migrate::deploy(&mut db, &target, &mut |event| {
            if human {
                print_event(&target.system, &event);
            }
        }),
        MigrateDatabase::Status(_) => migrate::status(&mut db, &target),
        MigrateDatabase::Resolve(r) => {
            let (name, outcome) = match (&r.resolution.applied, &r.resolution.rolled_back) {
                (Some(name), _) => (name, Outcome::Applied),
                (_, Some(name)) => (name, Outcome::RolledBack),
                _ => unreachable!("clap requires one of --applied, --rolled-back"),
            };
            migrate::resolve(&mut db, &target, name, outcome)
        }
        MigrateDatabase::Baseline(b) => migrate::baseline(&mut db, &target, &b.name),
    };
    match format {
        Format::Human => {
            print!(
                "{}",
                migrate::human(&report, matches!(command, MigrateDatabase::Status(_)))
            );
            print_diagnostics(&report.diagnostics, &report.sources, format);
        }
        Format::Json => println!("{}", migrate::json(&report)),
    }
    let ok =
        !report.failed() && (!matches!(command, MigrateDatabase::Status(_)) || report.at_head());
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `import prisma | postgres | payload`: converts, reports, and writes the system's YAML when nothing
/// stops it.
fn import(command: &Import) -> anyhow::Result<ExitCode> {
    use schemagen::import;
    let (imported, system, out, from) = match command {
        Import::Prisma(args) => {
            let system = args
                .system
                .clone()
                .unwrap_or_else(|| import_system_name(&args.input));
            let imported = import::prisma::import(&args.input, &system, args.skip_unsupported);
            let from = args.input.display().to_string();
            (imported, system, &args.out, from)
        }
        Import::Postgres(args) => {
            let mut imported = import::postgres::import(
                &args.database_url,
                &args.schemas,
                &args.system,
                args.skip_unsupported,
            );
            // Prisma-style says every table; another flavour is that YAML converted.
            if args.flavour != ImportFlavour::Prisma && !imported.has_errors() {
                print_diagnostics(&imported.diagnostics, &imported.sources, args.out.format);
                imported = import::in_flavour(&imported, &args.system, args.flavour.target());
            }
            let from = "the database".to_string();
            (imported, args.system.clone(), &args.out, from)
        }
        Import::Payload(args) => {
            let system = args
                .system
                .clone()
                .unwrap_or_else(|| import::payload::system_name(&args.config));
            let imported = import::payload::import(&args.config, &system);
            let from = args.config.display().to_string();
            (imported, system, &args.out, from)
        }
    };
    print_diagnostics(&imported.diagnostics, &imported.sources, out.format);
    if imported.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let Some(schemas) = import_folder(out) else {
        return Ok(ExitCode::from(1));
    };
    match import::write_system(&schemas, &system, &imported.files) {
        Ok(written) => {
            let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            eprintln!(
                "imported {from} into system `{system}`: {}",
                written.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(d) => {
            print_diagnostics(&[*d], &Default::default(), out.format);
            Ok(ExitCode::from(1))
        }
    }
}

/// `convert --to FLAVOUR`: each system compiled, converted, checked to build the same
/// database, and written (in place, or into `--out`); nothing of a system that fails.
fn convert(args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    use schemagen::convert;
    let paths = Paths {
        schemas: args.schemas.clone(),
        out: None,
        templates: None,
        format: args.out.format,
    };
    let Some(mut config) = settings(&paths) else {
        return Ok(ExitCode::from(1));
    };
    config.systems = args.systems.clone();
    let run = schemagen::compile(&config);
    print_diagnostics(&run.diagnostics, &run.sources, args.out.format);
    if run.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let target = args.to.target();
    let mut ok = true;
    for system in &run.systems {
        let dir = config.schemas.join(&system.name);
        let converted = convert::convert(system, &run.sources, &dir, target);
        print_diagnostics(&converted.diagnostics, &converted.sources, args.out.format);
        if converted.has_errors() {
            ok = false;
            continue;
        }
        match convert::write(
            &dir,
            &system.name,
            &converted.files,
            args.out.out.as_deref(),
        ) {
            Ok(written) => {
                let written: Vec<String> =
                    written.iter().map(|p| p.display().to_string()).collect();
                eprintln!(
                    "converted system `{}` to {}-style: {}",
                    system.name,
                    target.name(),
                    written.join(", ")
                );
            }
            Err(d) => {
                print_diagnostics(&[*d], &Default::default(), args.out.format);
                ok = false;
            }
        }
    }
    Ok(passed(ok))
}

/// `prisma/schema.prisma` → `prisma`; `blog.prisma` → `blog`; a folder → its name.
fn import_system_name(input: &std::path::Path) -> String {
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("app");
    let named_schema = input.is_file() && stem == "schema";
    let name = if named_schema {
        let parent = input.parent().and_then(|p| p.file_name());
        parent.and_then(|p| p.to_str()).unwrap_or("app")
    } else {
        stem
    };
    name.to_string()
}

/// `export --to TARGET`: compiles the systems, renders the target's files and writes them
/// through the same staging folder and swap as `build`.
fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    use schemagen::render::export::{self, Target};
    let paths = Paths {
        schemas: args.schemas.clone(),
        out: None,
        templates: None,
        format: args.format,
    };
    let Some(mut config) = settings(&paths) else {
        return Ok(ExitCode::from(1));
    };
    config.systems = args.systems.clone();
    let target = match args.to {
        ExportTarget::Prisma => Target::Prisma,
        ExportTarget::Drizzle => Target::Drizzle,
        ExportTarget::Payload => Target::Payload,
        ExportTarget::Firestore => Target::Firestore,
    };
    let (mut run, yaml) = schemagen::compile_keeping_yaml(&config);
    if run.has_errors() {
        print_diagnostics(&run.diagnostics, &run.sources, args.format);
        return Ok(ExitCode::from(1));
    }
    let exported = match export::export_with_yaml(&run.systems, &yaml, target) {
        Ok(exported) => exported,
        Err(d) => {
            run.diagnostics.push(*d);
            print_diagnostics(&run.diagnostics, &run.sources, args.format);
            return Ok(ExitCode::from(1));
        }
    };
    run.diagnostics.extend(exported.diagnostics);
    print_diagnostics(&run.diagnostics, &run.sources, args.format);
    if run.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| project_dir().join("export").join(target.name()));
    let mut files = exported.files;
    files.insert(write::MARKER.into(), write::MARKER_TEXT.into());
    match write::write_tree(&out, &files) {
        Ok(summary) => {
            note!(
                "exported {} to {} in {}: {} written, {} unchanged",
                count(run.systems.len(), "system"),
                target.name(),
                out.display(),
                summary.written,
                summary.unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            print_diagnostics(&[e.diagnostic()], &run.sources, args.format);
            Ok(ExitCode::from(1))
        }
    }
}

/// Where imported systems go: `--out`, else the config's schemas folder.
fn import_folder(out: &ImportOut) -> Option<PathBuf> {
    if let Some(dir) = &out.out {
        return Some(dir.clone());
    }
    let paths = Paths {
        schemas: None,
        out: None,
        templates: None,
        format: out.format,
    };
    settings(&paths).map(|config| config.schemas)
}

/// A deploy's progress, as it happens.
fn print_event(system: &str, event: &schemagen::migrate::Event) {
    use schemagen::migrate::Event;
    use std::io::Write;
    match event {
        Event::Starting { name, resumed_after: 0 } => print!("{system}: applying {name} ... "),
        Event::Starting { name, resumed_after } => print!(
            "{system}: resuming {name} after segment {resumed_after} (an earlier deploy committed it) ... "
        ),
        Event::Failed { .. } => println!("failed"),
        Event::Applied(done) => println!(
            "applied ({}, {}, {} ms)",
            count(done.segments, "segment"),
            count(done.statements, "statement"),
            done.millis
        ),
    }
    let _ = std::io::stdout().flush();
}

/// `1 segment`, `3 segments`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The project's `schemagen.yaml` (when there is one) with the command-line flags over it;
/// `None` after reporting an invalid config. The project is the nearest folder, from the
/// current one upwards, with a `schemagen.yaml` or a `schemas/` folder.
fn settings(paths: &Paths) -> Option<Config> {
    let mut sources = schemagen::load::SourceMap::default();
    let mut diags = schemagen::diagnostics::Diagnostics::default();
    let mut config = config::load(&project_dir(), &mut sources, &mut diags);
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
        Format::Human if COLOR.load(Ordering::Relaxed) => {
            eprint!("{}", report::human_in_colour(diagnostics, sources))
        }
        Format::Human => eprint!("{}", report::human(diagnostics, sources)),
        Format::Json => println!("{}", report::json(diagnostics, sources)),
    }
}
