//! `schemagen export --to prisma`, judged by Prisma's own schema engine: for every system of
//! `support::export_cases` (the seed systems, the oracle's own systems, the `ok` fixtures: a
//! sample in CI, all 50 systems with `SCHEMAGEN_EXPORT=full`), the exported
//! `schema.prisma` is accepted by the engine, and its migration followed by the exported
//! `extras.sql` builds exactly the database schemagen's migrations build (nothing allowed).
//! Then the round trip: `import prisma` of the export gives back the system's IR, up to what
//! the export reported it could not say.

mod support;

use schemagen::cluster::Cluster;
use schemagen::diagnostics::{Code, Diagnostic, Severity};
use schemagen::ir::System;
use schemagen::render::export::{self, Target};
use std::collections::BTreeSet;
use support::compare::{compare, Exact};
use support::pg;
use support::prisma_engine::Engine;
use support::TempDir;

const TEST: &str = "every_exported_schema_prisma_makes_the_database_schemagen_makes";

#[test]
fn every_exported_schema_prisma_makes_the_database_schemagen_makes() {
    let Some(engine) = Engine::find(TEST) else {
        return;
    };
    let Some(pg) = pg::cluster(TEST) else {
        return;
    };
    support::judge_exports("Prisma", |system, database, migrations| {
        check_system(&engine, &pg, database, system, migrations)
    });
}

/// The seed systems, every `ok` fixture, and the oracle's own Prisma-style systems.
fn all_cases() -> Vec<support::Case> {
    let own = support::repo_root().join("tests/oracle/systems");
    support::cases()
        .into_iter()
        .filter(|case| !case.label.starts_with("scenario-"))
        .chain([support::Case::new("oracle".into(), own)])
        .collect()
}

/// Prisma's database for the export, plus extras.sql, against the one `migrations` make.
fn check_system(
    engine: &Engine,
    pg: &Cluster,
    database: &str,
    system: &System,
    migrations: &[(&str, &str)],
) -> Result<String, String> {
    let exported = export::export(std::slice::from_ref(system), Target::Prisma)
        .map_err(|d| format!("  the export refused: {}", d.message))?;
    if let Some(refusal) = exported
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
    {
        // The refusals: names Prisma's own SQL would break on (raw_sql_tricky's `odd;"name`,
        // hostile_text's enum value `it's "fine"`).
        return match refusal.code {
            Code::ExportName if refusal.message.contains(['"', '\'']) => {
                Ok(format!(" — refused, as it must be: {}", refusal.message))
            }
            _ => Err(format!("  the export refused: {}", refusal.message)),
        };
    }
    let file = |name: &str| exported.files.get(&format!("{}/{name}", system.name));
    let schema = file("schema.prisma").ok_or("  no schema.prisma")?;
    let prisma_sql = engine.migration(schema).map_err(|e| {
        format!(
            "  Prisma's engine refused the export ({}):\n{e}",
            keep(database, schema, "")
        )
    })?;
    let scratch = TempDir::new(database);
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).map_err(|e| e.to_string())?;
        pg::apply(pg, db, sql, scratch.path())?;
        pg::read_catalog(pg, db)
    };
    let mut theirs = vec![("prisma.sql", prisma_sql.as_str())];
    if let Some(extras) = file("extras.sql") {
        theirs.push(("extras.sql", extras));
    }
    let report = read(&format!("{database}_prisma"), &theirs).and_then(|prisma| {
        let ours = read(&format!("{database}_schemagen"), migrations)?;
        compare(&prisma, &ours, &mut Exact("Prisma + extras.sql"))
    });
    report.map_err(|report| format!("{report}  (kept: {})", keep(database, schema, &prisma_sql)))
}

/// Writes the inputs of a failed comparison where a developer can read them.
fn keep(folder: &str, schema: &str, sql: &str) -> String {
    support::keep(
        "export_prisma",
        folder,
        &[("schema.prisma", schema), ("prisma.sql", sql)],
    )
}

/// Export prisma → `import prisma` → compile: the IR comes back, for every Prisma-style system.
/// Differences are listed by IR path; the ones allowed are what the export reported it could
/// not say (each by its warning) and what `import prisma` names differently by design.
#[test]
fn export_prisma_then_import_prisma_gives_back_the_ir() {
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    for case in all_cases() {
        let systems = schemagen::load::discover_systems(case.schemas()).unwrap_or_default();
        let out = TempDir::new(&case.label);
        let run = schemagen::compile(&case.config(out.path()));
        for (name, paths) in systems {
            if !all_prisma(&paths) {
                continue;
            }
            let system = run
                .systems
                .iter()
                .find(|s| s.name == name)
                .expect("compiled");
            let label = format!("{} / {name}", case.label);
            match round_trip(system) {
                Ok(allowed) => eprintln!("{label}: same IR{allowed}"),
                Err(report) => failures.push(format!("{label}:\n{report}")),
            }
            checked.push(label);
        }
    }
    eprintln!("round trips: {checked:?}");
    assert!(
        checked.len() >= 10,
        "only {checked:?}: are the Prisma-style systems still found?"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn all_prisma(paths: &[std::path::PathBuf]) -> bool {
    paths.iter().all(|p| {
        std::fs::read_to_string(p).is_ok_and(|t| t.lines().any(|l| l.trim() == "flavor: prisma"))
    })
}

/// One system there and back; `Ok` lists the allowed differences.
fn round_trip(system: &System) -> Result<String, String> {
    let exported = export::export(std::slice::from_ref(system), Target::Prisma)
        .map_err(|d| d.message.clone())?;
    let Some(schema) = exported
        .files
        .get(&format!("{}/schema.prisma", system.name))
    else {
        // Refused (E0871): the test above checks that it must be.
        return Ok(" — not exported (E0871)".into());
    };
    let scratch = TempDir::new("round-trip");
    let file = scratch.path().join("schema.prisma");
    std::fs::write(&file, schema).unwrap();
    let imported = schemagen::import::prisma::import(&file, &system.name, false);
    if imported.has_errors() {
        let report =
            schemagen::diagnostics::render::human(&imported.diagnostics, &imported.sources);
        return Err(format!("  the import refused the export:\n{report}"));
    }
    let schemas = scratch.path().join("schemas");
    schemagen::import::write_system(&schemas, &system.name, &imported.files)
        .map_err(|d| d.message)?;
    let config = schemagen::config::Config {
        schemas,
        ..schemagen::config::Config::at(scratch.path())
    };
    let run = schemagen::compile(&config);
    if run.has_errors() {
        let report = schemagen::diagnostics::render::human(&run.diagnostics, &run.sources);
        return Err(format!("  the imported YAML does not build:\n{report}"));
    }
    let back = &run.systems[0];
    let (expected, lost) = without_what_was_reported(system, &reported(&exported.diagnostics));
    let mut differences = Vec::new();
    json_differences(
        "",
        &serde_json::to_value(&expected).unwrap(),
        &serde_json::to_value(back).unwrap(),
        &mut differences,
    );
    if differences.is_empty() {
        Ok(if lost.is_empty() {
            String::new()
        } else {
            format!("; reported and in extras.sql: {}", lost.join(", "))
        })
    } else {
        Err(differences.iter().map(|p| format!("  {p}\n")).collect())
    }
}

/// The system as schema.prisma says it: without what the export reported it could not say
/// (access rules, checks, indexes, partitioning, each by its warning), and with what has no
/// database meaning and no Prisma form normalized (`concurrently`, asked of old schemas only;
/// comment line breaks, which `///` lines keep as `\n`). Returns the names of what went.
fn without_what_was_reported(
    system: &System,
    reported: &BTreeSet<(Code, String)>,
) -> (System, Vec<String>) {
    let mut lost = Vec::new();
    let mut said = system.clone();
    let is = |code: Code, path: String| reported.contains(&(code, path));
    if is(Code::ExportAccess, system.name.clone()) {
        said.access = Default::default();
        lost.push("access".to_string());
    }
    let lines = |c: &mut Option<String>| {
        if let Some(text) = c {
            *text = text.replace("\r\n", "\n").replace('\r', "\n");
        }
    };
    for e in &mut said.enums {
        lines(&mut e.comment);
    }
    for table in &mut said.tables {
        let at = |what: &str| format!("{}.{what}", table.name);
        let before = (table.checks.len(), table.indexes.len());
        table
            .checks
            .retain(|c| !is(Code::ExportCheck, at(&c.db_name)));
        table
            .indexes
            .retain(|i| !is(Code::ExportIndex, at(&i.db_name)));
        lost.extend((before.0 > table.checks.len()).then(|| format!("{} checks", table.name)));
        lost.extend((before.1 > table.indexes.len()).then(|| format!("{} indexes", table.name)));
        if is(Code::ExportPartition, table.name.clone()) {
            table.partition = None;
            lost.push(format!("{} partitioning", table.name));
        }
        for index in &mut table.indexes {
            index.concurrently = false;
        }
        lines(&mut table.comment);
        for column in &mut table.columns {
            lines(&mut column.comment);
        }
    }
    (said, lost)
}

/// Paths (`tables[3].checks`) where two JSON documents differ, deepest first found.
fn json_differences(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let null = Value::Null;
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                json_differences(
                    &at,
                    x.get(key).unwrap_or(&null),
                    y.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (a, b)) in x.iter().zip(y).enumerate() {
                json_differences(&format!("{path}[{i}]"), a, b, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} became {b}")),
        _ => {}
    }
}

/// The export's warnings for one system, as `(code, path)`.
fn reported(diagnostics: &[Diagnostic]) -> BTreeSet<(Code, String)> {
    diagnostics
        .iter()
        .map(|d| (d.code, d.path.clone().unwrap_or_default()))
        .collect()
}
