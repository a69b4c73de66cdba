//! `schemagen export --to drizzle`, judged by drizzle-kit's own migration generator
//! (`tests/oracle/drizzle-sql.mjs`, offline): for every system of `support::export_cases` (the
//! seed systems, the Prisma oracle's systems, the `ok` fixtures: a sample in CI, all with
//! `SCHEMAGEN_EXPORT=full`), the exported `schema.ts` is
//! loaded by drizzle-orm, drizzle-kit writes its migration, and that migration followed by the
//! exported `extras.sql` builds exactly the database schemagen's migrations build (nothing
//! allowed).

mod support;

use schemagen::cluster::Cluster;
use schemagen::diagnostics::{Code, Severity};
use schemagen::ir::System;
use schemagen::render::export::{self, Target};
use support::compare::{compare, Exact};
use support::node::Script;
use support::pg;
use support::TempDir;

const TEST: &str = "every_exported_drizzle_schema_makes_the_database_schemagen_makes";

#[test]
fn every_exported_drizzle_schema_makes_the_database_schemagen_makes() {
    let Some(kit) = Script::find(
        TEST,
        "drizzle-sql.mjs",
        "drizzle-kit/package.json",
        "drizzle-kit",
    ) else {
        return;
    };
    let Some(pg) = pg::cluster(TEST) else {
        return;
    };
    support::judge_exports("Drizzle", |system, database, migrations| {
        check_system(&kit, &pg, database, system, migrations)
    });
}

/// drizzle-kit's database for the export, plus extras.sql, against the one `migrations` make.
fn check_system(
    kit: &Script,
    pg: &Cluster,
    database: &str,
    system: &System,
    migrations: &[(&str, &str)],
) -> Result<String, String> {
    let exported = export::export(std::slice::from_ref(system), Target::Drizzle)
        .map_err(|d| format!("  the export refused: {}", d.message))?;
    if let Some(refusal) = exported
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
    {
        // raw_sql_tricky's `odd;"name`, which drizzle-kit's own SQL breaks on.
        return match refusal.code {
            Code::ExportName if refusal.message.contains('"') => {
                Ok(format!(" — refused, as it must be: {}", refusal.message))
            }
            _ => Err(format!("  the export refused: {}", refusal.message)),
        };
    }
    let file = |name: &str| exported.files.get(&format!("{}/{name}", system.name));
    let schema = file("schema.ts").ok_or("  no schema.ts")?;
    let drizzle_sql = kit.run(&["--no-warnings"], schema).map_err(|e| {
        format!(
            "  drizzle-kit refused the export ({}):\n{e}",
            keep(database, schema, "")
        )
    })?;
    let scratch = TempDir::new(database);
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).map_err(|e| e.to_string())?;
        pg::apply(pg, db, sql, scratch.path())?;
        pg::read_catalog(pg, db)
    };
    let mut theirs: Vec<(&str, &str)> = file("extensions.sql")
        .map(|sql| ("extensions.sql", sql.as_str()))
        .into_iter()
        .collect();
    theirs.push(("drizzle.sql", drizzle_sql.as_str()));
    if let Some(extras) = file("extras.sql") {
        theirs.push(("extras.sql", extras));
    }
    let report = read(&format!("{database}_drizzle"), &theirs).and_then(|drizzle| {
        let ours = read(&format!("{database}_schemagen"), migrations)?;
        compare(&drizzle, &ours, &mut Exact("drizzle-kit + extras.sql"))
    });
    report.map_err(|report| format!("{report}  (kept: {})", keep(database, schema, &drizzle_sql)))
}

/// Writes the inputs of a failed comparison where a developer can read them.
fn keep(folder: &str, schema: &str, sql: &str) -> String {
    support::keep(
        "export_drizzle",
        folder,
        &[("schema.ts", schema), ("drizzle.sql", sql)],
    )
}
