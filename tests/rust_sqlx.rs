//! `rust: { sqlx: true }` meets sqlx and PostgreSQL: every seed system is rendered with the sqlx
//! derives and migrated into a database of its own, its synthetic rows (verify's, two per table)
//! put in; then one crate (`examples/sqlx-consumer`) reads every table's rows into the generated
//! structs with `query_as` (`FromRow`, the enums' `sqlx::Type`), deletes them, inserts them back
//! binding every field, and reads them again: the same rows must come back.

mod support;

use schemagen::config::Config;
use schemagen::ir::{System, Table};
use schemagen::verify::{self, Database};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use support::TempDir;

const TEST: &str = "every_seed_table_round_trips_through_sqlx";

/// Reused across runs (and beside rust-consumer's), so only the first run compiles sqlx.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::repo_root().join("target"))
        .join("sqlx-consumer")
}

#[test]
fn every_seed_table_round_trips_through_sqlx() {
    let Some(pg) = support::pg::cluster(TEST) else {
        return;
    };
    let out = TempDir::new("sqlx-out");
    let case = support::cases()
        .into_iter()
        .next()
        .expect("the seed systems");
    assert_eq!(case.label, "schemas");
    let mut config = case.config(out.path());
    config.options.sqlx = true;
    let run = support::generate(&case.label, &Config { ..config });
    let code_dir = TempDir::new("sqlx-code");
    let mut code = String::from("#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {\n    let mut failures: Vec<String> = Vec::new();\n");
    let mut modules = String::new();
    let mut tables = 0;
    for system in &run.systems {
        let database = format!("sqlx_{}", system.name);
        pg.create_database(&database).unwrap();
        fill(&pg, &database, system, &run);
        let models = &run.files[&format!("{}/models.rs", system.name)];
        assert!(
            models.contains("sqlx::FromRow"),
            "{}: no sqlx derives",
            system.name
        );
        let file = code_dir.join(format!("{}.rs", system.name));
        std::fs::write(&file, models).unwrap();
        let _ = writeln!(
            modules,
            "#[allow(dead_code)]\nmod {} {{\n    include!({:?});\n}}",
            system.name,
            file.display().to_string()
        );
        let url = format!(
            "postgres://postgres@localhost:{}/{database}?host={}",
            pg.port(),
            pg.socket_dir().display()
        );
        let _ = writeln!(
            code,
            "    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect({url:?}).await.expect(\"connecting\");\n    \
             sqlx::raw_sql(\"SET session_replication_role = replica\").execute(&mut conn).await.expect(\"replica\");"
        );
        for (table, struct_name, fields) in structs(system, models) {
            code.push_str(&round_trip(&system.name, table, &struct_name, &fields));
            tables += 1;
        }
    }
    code.push_str("    for f in &failures { eprintln!(\"{f}\"); }\n    println!(\"round trips failed: {}\", failures.len());\n    std::process::exit(i32::from(!failures.is_empty()));\n}\n");
    let source = code_dir.join("main.rs");
    std::fs::write(&source, format!("{modules}\n{code}")).unwrap();

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--locked", "--quiet", "--manifest-path"])
        .arg(support::repo_root().join("examples/sqlx-consumer/Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir())
        .env("SCHEMAGEN_SQLX_CODE", &source)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("round trips failed: 0"),
        "{tables} tables through sqlx:\n{stdout}\n{stderr}"
    );
    assert!(tables > 50, "only {tables} tables");
}

/// Migrates `database` and puts in the rows verify synthesizes (verify rolls its own back).
fn fill(pg: &schemagen::cluster::Cluster, database: &str, system: &System, run: &schemagen::Run) {
    let migrations = verify::migrations_in(&run.files, &system.name);
    let url = Database::Url(pg.connection_string(database));
    let report = verify::verify(system, &migrations, &url)
        .unwrap_or_else(|d| panic!("{}: verify failed to run: {}", system.name, d.message));
    assert!(
        !report.seed_sql.is_empty(),
        "{}: no synthetic rows",
        system.name
    );
    let rows = format!(
        "SET session_replication_role = replica;\n{}",
        report.seed_sql.concat()
    );
    pg.execute(database, &rows).unwrap();
}

/// Each table with its struct's name and field identifiers, read from the generated module:
/// the tables' structs come last, in table order, one field per column in column order.
fn structs<'a>(system: &'a System, models: &str) -> Vec<(&'a Table, String, Vec<String>)> {
    let mut parsed: Vec<(String, Vec<String>)> = Vec::new();
    for line in models.lines() {
        if let Some(name) = line
            .strip_prefix("pub struct ")
            .and_then(|l| l.strip_suffix(" {"))
        {
            parsed.push((name.to_string(), Vec::new()));
        } else if let Some(field) = line.strip_prefix("    pub ") {
            let ident = field.split(':').next().unwrap().to_string();
            parsed
                .last_mut()
                .expect("a field inside a struct")
                .1
                .push(ident);
        }
    }
    let first = parsed.len() - system.tables.len();
    system
        .tables
        .iter()
        .zip(parsed.split_off(first))
        .map(|(table, (name, fields))| {
            assert_eq!(
                fields.len(),
                table.columns.len(),
                "{name}: one field per column"
            );
            (table, name, fields)
        })
        .collect()
}

/// Read, delete, insert back binding every field, read again; a failure is collected.
fn round_trip(system: &str, table: &Table, struct_name: &str, fields: &[String]) -> String {
    let name = format!(
        "{}.{}",
        schemagen::render::quote_ident(&table.db_name.schema),
        schemagen::render::quote_ident(&table.db_name.name)
    );
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| schemagen::render::quote_ident(&c.db_name))
        .collect();
    let params: Vec<String> = (1..=columns.len()).map(|n| format!("${n}")).collect();
    let insert = format!(
        "INSERT INTO {name} ({}) VALUES ({})",
        columns.join(", "),
        params.join(", ")
    );
    let binds: String = fields.iter().map(|f| format!(".bind(&row.{f})")).collect();
    let ty = format!("{system}::{struct_name}");
    format!(
        r#"    {{
        let label = "{system}.{struct_name}";
        match sqlx::query_as::<_, {ty}>({select:?}).fetch_all(&mut conn).await {{
            Err(e) => failures.push(format!("{{label}}: reading: {{e}}")),
            Ok(before) if before.is_empty() => failures.push(format!("{{label}}: no rows")),
            Ok(before) => {{
                sqlx::query({delete:?}).execute(&mut conn).await.expect("delete");
                for row in &before {{
                    if let Err(e) = sqlx::query({insert:?}){binds}.execute(&mut conn).await {{
                        failures.push(format!("{{label}}: inserting: {{e}}"));
                    }}
                }}
                match sqlx::query_as::<_, {ty}>({select:?}).fetch_all(&mut conn).await {{
                    Ok(after) if after.len() == before.len() && before.iter().all(|r| after.contains(r)) => {{}}
                    Ok(after) => failures.push(format!("{{label}}: wrote {{before:?}}, read {{after:?}}")),
                    Err(e) => failures.push(format!("{{label}}: reading again: {{e}}")),
                }}
            }}
        }}
    }}
"#,
        select = format!("SELECT * FROM {name}"),
        delete = format!("DELETE FROM {name}"),
    )
}
