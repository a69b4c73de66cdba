//! Generated SQL counts only when real PostgreSQL accepts it and builds what the IR describes.
//!
//! Every system (the project's `schemas/`, each `ok` fixture, each scenario) is rendered into
//! a fresh folder, its migrations are applied in order to a fresh database, and the catalog is
//! read back and compared with the IR, fact by fact. All mismatches of a system are reported
//! at once. Scenarios apply version after version against the previous version's output.

mod support;

use schemagen::cluster::{self, Cluster};
use schemagen::ir::{ColumnType, IndexPart, PartitionBound, ScalarType, SortOrder, System};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use support::pg::{apply, cluster, json_list, USER_SCHEMAS};
use support::TempDir;

#[test]
fn cluster_runs_files_and_queries_and_reports_sql_errors() {
    let Some(pg) = cluster("cluster_runs_files_and_queries_and_reports_sql_errors") else {
        return;
    };
    pg.create_database("with space").unwrap();
    let rows = pg
        .query(
            "with space",
            "SELECT 1, 'a,b', E'two\\nlines', NULL, 'say \"hi\"'",
        )
        .unwrap();
    assert_eq!(rows, vec![vec!["1", "a,b", "two\nlines", "", "say \"hi\""]]);

    let dir = TempDir::new("cluster");
    let file = dir.path().join("broken.sql");
    std::fs::write(
        &file,
        "CREATE TABLE a (id int);\nCREATE TABLE b (id nosuchtype);\nCREATE TABLE c (id int);\n",
    )
    .unwrap();
    let err = pg.run_file("with space", &file).unwrap_err();
    let cluster::Error::Sql { message, .. } = &err else {
        panic!("expected a SQL error, got {err}");
    };
    assert!(message.contains("broken.sql:2:"), "{message}");
    assert!(
        message.contains("type \"nosuchtype\" does not exist"),
        "{message}"
    );
    // ON_ERROR_STOP: nothing after the failing statement ran.
    let tables = pg
        .query(
            "with space",
            "SELECT relname FROM pg_class WHERE relname IN ('a', 'c') ORDER BY 1",
        )
        .unwrap();
    assert_eq!(tables, vec![vec!["a"]]);
}

#[test]
fn every_system_migrates_to_the_catalog_its_ir_describes() {
    let Some(pg) = cluster("every_system_migrates_to_the_catalog_its_ir_describes") else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in support::cases() {
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for system in &run.systems {
            let label = format!("{} / {}", case.label, system.name);
            let database = format!("db{checked}");
            checked += 1;
            pg.create_database(&database).unwrap();
            let migrations = support::system_files(&run, &system.name, is_migration);
            let problems = apply(&pg, &database, &migrations, out.path())
                .and_then(|()| compare(&pg, &database, system))
                .and_then(|()| seed(&pg, &database, &run, system, out.path()));
            if let Err(report) = problems {
                failures.push(format!("{label}:\n{report}"));
            }
        }
    }
    eprintln!("checked {checked} systems against PostgreSQL");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Each scenario's versions in turn, all rendered into one output folder as `build` would:
/// version N's new migrations are applied on top of version N-1's database, and the result
/// must match version N's IR. Earlier migrations must come through untouched.
#[test]
fn scenarios_migrate_version_by_version() {
    let Some(pg) = cluster("scenarios_migrate_version_by_version") else {
        return;
    };
    let mut failures = Vec::new();
    let mut databases = 0;
    for scenario in support::scenarios() {
        let name = support::file_name(&scenario);
        let out = TempDir::new(&name);
        let scratch = TempDir::new(&format!("{name}-sql"));
        // system → (database, migrations already applied: name → contents)
        let mut applied: std::collections::BTreeMap<String, (String, Vec<(String, String)>)> =
            Default::default();
        for version in support::versions(&scenario) {
            let label = format!("{name}/{}", support::file_name(&version));
            let config = schemagen::config::Config {
                schemas: version.clone(),
                out: out.path().to_path_buf(),
                ..Default::default()
            };
            let run = support::generate(&label, &config);
            for system in &run.systems {
                let (database, done) = applied.entry(system.name.clone()).or_insert_with(|| {
                    databases += 1;
                    let database = format!("scenario{databases}");
                    pg.create_database(&database).unwrap();
                    (database, Vec::new())
                });
                let migrations = support::system_files(&run, &system.name, is_migration);
                let report = history_kept(done, &migrations).and_then(|()| {
                    apply(&pg, database, &migrations[done.len()..], scratch.path())
                        .and_then(|()| compare(&pg, database, system))
                });
                if let Err(report) = report {
                    failures.push(format!("{label} / {}:\n{report}", system.name));
                }
                *done = migrations
                    .iter()
                    .map(|(p, s)| (p.to_string(), s.to_string()))
                    .collect();
            }
            let summary = schemagen::write::write_tree(out.path(), &run.files);
            summary.unwrap_or_else(|e| panic!("{label}: writing the output: {e}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Months added to a partitioned table's span take their rows out of the default partition,
/// which keeps the others; a month dropped from the span goes with its rows.
#[test]
fn new_months_take_their_rows_from_the_default_partition() {
    let Some(pg) = cluster("new_months_take_their_rows_from_the_default_partition") else {
        return;
    };
    let scenario = support::repo_root().join("tests/scenarios/log-partitions");
    let (out, scratch) = (TempDir::new("months"), TempDir::new("months-sql"));
    pg.create_database("months").unwrap();
    let mut applied = 0;
    let mut migrate = |version: &str| {
        let config = schemagen::config::Config {
            schemas: scenario.join(version),
            out: out.path().to_path_buf(),
            ..Default::default()
        };
        let run = support::generate(version, &config);
        let migrations = support::system_files(&run, "log", is_migration);
        apply(&pg, "months", &migrations[applied..], scratch.path()).unwrap();
        applied = migrations.len();
        schemagen::write::write_tree(out.path(), &run.files).unwrap();
    };
    migrate("v2");
    pg.execute(
        "months",
        "INSERT INTO activity_log (action, created_at) VALUES
         ('january', '2025-01-15'), ('late march', '2025-03-31 23:59'), ('may', '2025-05-01')",
    )
    .unwrap();
    migrate("v3");
    let rows = pg
        .query(
            "months",
            "SELECT tableoid::regclass::text, action FROM activity_log ORDER BY created_at",
        )
        .unwrap();
    assert_eq!(
        rows,
        [
            ["activity_log_2025_03", "late march"],
            ["activity_log_default", "may"]
        ]
    );
}

fn is_migration(path: &str) -> bool {
    path.starts_with("migrations/") && path.ends_with(".sql")
}

/// A new version may add migrations, never rewrite or drop the ones a database already ran.
fn history_kept(done: &[(String, String)], now: &[(&str, &str)]) -> Result<(), String> {
    for (i, (path, sql)) in done.iter().enumerate() {
        match now.get(i) {
            Some((p, s)) if p == path && s == sql => {}
            Some((p, _)) if p == path => return Err(format!("  {path} was rewritten")),
            _ => return Err(format!("  {path} is gone from the migrations")),
        }
    }
    Ok(())
}

/// Applies `seed.sql` (when the system has seed rows) twice, as a deploy that re-runs it
/// would: the second run must be harmless, and each table must hold exactly its seed rows.
fn seed(
    pg: &Cluster,
    database: &str,
    run: &schemagen::Run,
    system: &System,
    scratch: &std::path::Path,
) -> Result<(), String> {
    let files = support::system_files(run, &system.name, |path| path == "seed.sql");
    if files.is_empty() != system.seed.is_empty() {
        return Err("  seed.sql must be rendered exactly when the system has seed rows".into());
    }
    apply(pg, database, &files, scratch)?;
    apply(pg, database, &files, scratch)?;
    let mut report = String::new();
    for seed in &system.seed {
        let table = format!(
            "{}.{}",
            schemagen::render::quote_ident(&seed.table.schema),
            schemagen::render::quote_ident(&seed.table.name)
        );
        let rows = pg
            .query(database, &format!("SELECT count(*) FROM {table}"))
            .map_err(|e| format!("  counting {table}: {e}"))?;
        let count = rows
            .first()
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or_default();
        if count != seed.rows.len().to_string() {
            writeln!(
                report,
                "  {table} holds {count} rows after seeding twice, the seed has {}",
                seed.rows.len()
            )
            .unwrap();
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// Compares the catalog with the IR; the report lists every fact one has and the other lacks.
fn compare(pg: &Cluster, database: &str, system: &System) -> Result<(), String> {
    let expected = expected_facts(system);
    let actual = catalog_facts(pg, database)?;
    let mut report = String::new();
    for fact in expected.difference(&actual) {
        writeln!(report, "  missing in the database:  {fact}").unwrap();
    }
    for fact in actual.difference(&expected) {
        writeln!(report, "  unexpected in the database: {fact}").unwrap();
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// What the IR says the database holds, one line per fact, in the same words as
/// [`catalog_facts`].
fn expected_facts(system: &System) -> BTreeSet<String> {
    let mut facts = BTreeSet::new();
    for schema in &system.namespaces {
        facts.insert(format!("schema {schema}"));
    }
    for e in &system.enums {
        let values: Vec<&str> = e.values.iter().map(|v| v.db_name.as_str()).collect();
        facts.insert(format!(
            "enum {}.{} ({})",
            e.db_name.schema,
            e.db_name.name,
            values.join(", ")
        ));
        if let Some(comment) = &e.comment {
            let (schema, name) = (&e.db_name.schema, &e.db_name.name);
            facts.insert(format!("comment on enum {schema}.{name}: {comment:?}"));
        }
    }
    for table in &system.tables {
        let t = format!("{}.{}", table.db_name.schema, table.db_name.name);
        facts.insert(format!("table {t}"));
        if let Some(comment) = &table.comment {
            facts.insert(format!("comment on table {t}: {comment:?}"));
        }
        let key_columns = table.primary_key.iter().flat_map(|pk| &pk.columns);
        let key_columns: BTreeSet<&String> = key_columns.collect();
        for column in &table.columns {
            // Postgres makes key, serial and identity columns NOT NULL whatever was declared.
            let always_not_null = matches!(
                column.ty.scalar,
                ScalarType::Serial { .. } | ScalarType::Identity { .. }
            );
            let not_null =
                !column.nullable || always_not_null || key_columns.contains(&column.db_name);
            let default = match column.ty.scalar {
                ScalarType::Identity { .. } => " IDENTITY BY DEFAULT",
                ScalarType::Serial { .. } => " DEFAULT",
                _ if column.has_database_default() => " DEFAULT",
                _ => "",
            };
            facts.insert(format!(
                "column {t}.{} {}{}{default}",
                column.db_name,
                expected_type(&column.ty),
                if not_null { " NOT NULL" } else { "" },
            ));
            if let Some(comment) = &column.comment {
                facts.insert(format!(
                    "comment on column {t}.{}: {comment:?}",
                    column.db_name
                ));
            }
        }
        if let Some(partitioning) = &table.partition {
            facts.insert(format!(
                "partitioned table {t} BY {} ({})",
                partitioning.method.sql(),
                partitioning.columns.join(", ")
            ));
            for partition in &partitioning.partitions {
                let default = if partition.bound == PartitionBound::Default {
                    " DEFAULT"
                } else {
                    ""
                };
                facts.insert(format!(
                    "partition {}.{} of {}{default}",
                    table.db_name.schema, partition.db_name, table.db_name.name
                ));
            }
        }
        if let Some(pk) = &table.primary_key {
            facts.insert(format!(
                "primary key {t} {} ({})",
                pk.db_name,
                pk.columns.join(", ")
            ));
        }
        for fk in &table.foreign_keys {
            facts.insert(format!(
                "foreign key {t} {} ({}) -> {}.{} ({}) ON DELETE {} ON UPDATE {}",
                fk.db_name,
                fk.columns.join(", "),
                fk.referenced_table.schema,
                fk.referenced_table.name,
                fk.referenced_columns.join(", "),
                fk.on_delete.sql(),
                fk.on_update.sql(),
            ));
        }
        for check in &table.checks {
            facts.insert(format!("check {t} {}", check.db_name));
        }
        for index in &table.indexes {
            let parts: Vec<String> = index
                .parts
                .iter()
                .map(|part| match part {
                    IndexPart::Column {
                        name,
                        order: SortOrder::Asc,
                        ..
                    } => name.clone(),
                    IndexPart::Column {
                        name,
                        order: SortOrder::Desc,
                        ..
                    } => format!("{name} DESC"),
                    IndexPart::Expression { .. } => "(expression)".into(),
                })
                .collect();
            facts.insert(index_fact(
                &t,
                &index.db_name,
                index.unique,
                index.method.sql(),
                &parts,
                index.predicate.is_some(),
            ));
        }
    }
    facts
}

fn index_fact(
    table: &str,
    name: &str,
    unique: bool,
    method: &str,
    parts: &[String],
    partial: bool,
) -> String {
    format!(
        "index {table} {name}{} USING {method} ({}){}",
        if unique { " UNIQUE" } else { "" },
        parts.join(", "),
        if partial { " WHERE ..." } else { "" },
    )
}

/// The type as Postgres' `format_type` spells it; enums as `enum <schema>.<name>`, which is
/// what [`catalog_facts`] reports for them (format_type's qualification depends on search_path).
fn expected_type(ty: &ColumnType) -> String {
    let scalar = match &ty.scalar {
        ScalarType::Text => "text".to_string(),
        ScalarType::Citext => "citext".into(),
        ScalarType::Varchar { length: Some(n) } => format!("character varying({n})"),
        ScalarType::Varchar { length: None } => "character varying".into(),
        ScalarType::Char { length: Some(n) } => format!("character({n})"),
        ScalarType::Char { length: None } => "character(1)".into(),
        ScalarType::SmallInt => "smallint".into(),
        ScalarType::Integer
        | ScalarType::Serial { big: false }
        | ScalarType::Identity { big: false } => "integer".into(),
        ScalarType::BigInt
        | ScalarType::Serial { big: true }
        | ScalarType::Identity { big: true } => "bigint".into(),
        ScalarType::Numeric {
            precision: Some(p),
            scale,
        } => format!("numeric({p},{})", scale.unwrap_or(0)),
        ScalarType::Numeric {
            precision: None, ..
        } => "numeric".into(),
        ScalarType::Real => "real".into(),
        ScalarType::Double => "double precision".into(),
        ScalarType::Boolean => "boolean".into(),
        ScalarType::Uuid => "uuid".into(),
        ScalarType::Timestamptz { precision } => {
            format!("timestamp{} with time zone", precision_suffix(*precision))
        }
        ScalarType::Timestamp { precision } => format!(
            "timestamp{} without time zone",
            precision_suffix(*precision)
        ),
        ScalarType::Date => "date".into(),
        ScalarType::Time { precision } => {
            format!("time{} without time zone", precision_suffix(*precision))
        }
        ScalarType::Json => "json".into(),
        ScalarType::Jsonb => "jsonb".into(),
        ScalarType::Bytea => "bytea".into(),
        ScalarType::Enum { name } => format!("enum {}.{}", name.schema, name.name),
        ScalarType::GeoPoint => "point".into(),
    };
    if ty.array {
        scalar + "[]"
    } else {
        scalar
    }
}

fn precision_suffix(precision: Option<u8>) -> String {
    precision.map(|p| format!("({p})")).unwrap_or_default()
}

/// What the database holds, in the words of [`expected_facts`].
fn catalog_facts(pg: &Cluster, database: &str) -> Result<BTreeSet<String>, String> {
    let query = |sql: &str| {
        pg.query(database, &sql.replace("$USER_SCHEMAS", USER_SCHEMAS))
            .map_err(|e| format!("  reading the catalog: {e}"))
    };
    let mut facts = BTreeSet::new();
    let schemas = query(
        "SELECT n.nspname FROM pg_namespace n WHERE n.nspname <> 'public' AND $USER_SCHEMAS",
    )?;
    for row in schemas {
        facts.insert(format!("schema {}", row[0]));
    }
    let enums = query(
        "SELECT n.nspname, t.typname, json_agg(e.enumlabel ORDER BY e.enumsortorder)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
         WHERE $USER_SCHEMAS GROUP BY 1, 2",
    )?;
    for row in enums {
        facts.insert(format!(
            "enum {}.{} ({})",
            row[0],
            row[1],
            json_list(&row[2]).join(", ")
        ));
    }
    let tables = query(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND $USER_SCHEMAS",
    )?;
    for row in tables {
        facts.insert(format!("table {}.{}", row[0], row[1]));
    }
    let columns = query(
        "SELECT n.nspname, c.relname, a.attname,
                CASE WHEN et.typtype = 'e'
                     THEN 'enum ' || en.nspname || '.' || et.typname || CASE WHEN t.typcategory = 'A' THEN '[]' ELSE '' END
                     ELSE format_type(a.atttypid, a.atttypmod) END,
                a.attnotnull, a.atthasdef, a.attidentity
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
         JOIN pg_namespace en ON en.oid = et.typnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
           AND $USER_SCHEMAS",
    )?;
    for row in columns {
        let default = match (row[5].as_str(), row[6].as_str()) {
            (_, "d") => " IDENTITY BY DEFAULT",
            (_, "a") => " IDENTITY ALWAYS",
            ("t", _) => " DEFAULT",
            _ => "",
        };
        let not_null = if row[4] == "t" { " NOT NULL" } else { "" };
        facts.insert(format!(
            "column {}.{}.{} {}{not_null}{default}",
            row[0], row[1], row[2], row[3]
        ));
    }
    let constraints = query(
        "SELECT n.nspname, c.relname, k.conname, k.contype,
                (SELECT json_agg(a.attname ORDER BY i) FROM unnest(k.conkey) WITH ORDINALITY u(num, i)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num),
                rn.nspname, r.relname,
                (SELECT json_agg(a.attname ORDER BY i) FROM unnest(k.confkey) WITH ORDINALITY u(num, i)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num),
                k.confdeltype, k.confupdtype
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class r ON r.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
         WHERE k.contype IN ('p', 'f', 'c') AND NOT c.relispartition AND $USER_SCHEMAS",
    )?;
    for row in constraints {
        let t = format!("{}.{}", row[0], row[1]);
        let fact = match row[3].as_str() {
            "p" => format!(
                "primary key {t} {} ({})",
                row[2],
                json_list(&row[4]).join(", ")
            ),
            "f" => format!(
                "foreign key {t} {} ({}) -> {}.{} ({}) ON DELETE {} ON UPDATE {}",
                row[2],
                json_list(&row[4]).join(", "),
                row[5],
                row[6],
                json_list(&row[7]).join(", "),
                referential_action(&row[8]),
                referential_action(&row[9]),
            ),
            _ => format!("check {t} {}", row[2]),
        };
        facts.insert(fact);
    }
    // Key columns only (not INCLUDE ones); the primary key's index is the primary key fact.
    let indexes = query(
        "SELECT n.nspname, c.relname, i.relname, x.indisunique, am.amname, x.indpred IS NOT NULL,
                (SELECT json_agg(CASE WHEN x.indkey[k] = 0 THEN '(expression)' ELSE a.attname END
                                 || CASE WHEN x.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END ORDER BY k)
                 FROM generate_series(0, x.indnkeyatts - 1) k
                 LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k])
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT x.indisprimary AND NOT c.relispartition AND $USER_SCHEMAS",
    )?;
    for row in indexes {
        let t = format!("{}.{}", row[0], row[1]);
        facts.insert(index_fact(
            &t,
            &row[2],
            row[3] == "t",
            &row[4],
            &json_list(&row[6]),
            row[5] == "t",
        ));
    }
    let comments = query(
        "SELECT CASE WHEN a.attname IS NULL THEN 'table' ELSE 'column' END, n.nspname, c.relname || coalesce('.' || a.attname, ''), d.description
         FROM pg_description d
         JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND $USER_SCHEMAS
         UNION ALL
         SELECT 'enum', n.nspname, t.typname, d.description
         FROM pg_description d
         JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typtype = 'e' AND $USER_SCHEMAS",
    )?;
    for row in comments {
        facts.insert(format!(
            "comment on {} {}.{}: {:?}",
            row[0], row[1], row[2], row[3]
        ));
    }
    // Partitions are child tables the IR lists under their parent: their columns, keys and
    // indexes are the parent's, so only their existence and the parent's key are facts.
    let partitioned = query(
        "SELECT n.nspname, c.relname, p.partstrat,
                (SELECT json_agg(a.attname ORDER BY i) FROM unnest(p.partattrs::int2[]) WITH ORDINALITY u(num, i)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.num)
         FROM pg_partitioned_table p
         JOIN pg_class c ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE $USER_SCHEMAS",
    )?;
    for row in partitioned {
        let method = match row[2].as_str() {
            "r" => "RANGE",
            "l" => "LIST",
            _ => "HASH",
        };
        facts.insert(format!(
            "partitioned table {}.{} BY {method} ({})",
            row[0],
            row[1],
            json_list(&row[3]).join(", ")
        ));
    }
    let partitions = query(
        "SELECT n.nspname, c.relname, parent.relname, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_inherits h ON h.inhrelid = c.oid JOIN pg_class parent ON parent.oid = h.inhparent
         WHERE c.relispartition AND c.relkind IN ('r', 'p') AND $USER_SCHEMAS",
    )?;
    for row in partitions {
        let default = if row[3] == "t" { " DEFAULT" } else { "" };
        facts.insert(format!(
            "partition {}.{} of {}{default}",
            row[0], row[1], row[2]
        ));
    }
    Ok(facts)
}

fn referential_action(code: &str) -> &'static str {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
}

/// The comparison itself, on hand-written SQL and IR: it must accept a faithful database and
/// name every difference in an unfaithful one.
#[test]
fn catalog_comparison_finds_every_kind_of_difference() {
    let Some(pg) = cluster("catalog_comparison_finds_every_kind_of_difference") else {
        return;
    };
    let system: System = serde_json::from_str(HAND_WRITTEN_IR).expect("the IR parses");
    let dir = TempDir::new("hand-written");
    pg.create_database("faithful").unwrap();
    apply(
        &pg,
        "faithful",
        &[("0001.sql", HAND_WRITTEN_SQL)],
        dir.path(),
    )
    .unwrap();
    assert_eq!(compare(&pg, "faithful", &system), Ok(()));

    let unfaithful = HAND_WRITTEN_SQL
        .replace("'ARCHIVED'", "'archived'")
        .replace("\"title\" varchar(200) NOT NULL", "\"title\" varchar(100)")
        .replace("ON DELETE CASCADE", "ON DELETE SET NULL")
        .replace("\"published_at\" DESC", "\"published_at\"")
        .replace("CHECK (views >= 0)", "CHECK (views >= 0) NOT VALID")
        .replace("'Where a post is'", "'Where a post goes'");
    pg.create_database("unfaithful").unwrap();
    apply(&pg, "unfaithful", &[("0001.sql", &unfaithful)], dir.path()).unwrap();
    let report = compare(&pg, "unfaithful", &system).unwrap_err();
    for expected in [
        "missing in the database:  enum app.status (DRAFT, ARCHIVED)",
        "unexpected in the database: enum app.status (DRAFT, archived)",
        "missing in the database:  column app.posts.title character varying(200) NOT NULL",
        "unexpected in the database: column app.posts.title character varying(100)",
        "ON DELETE SET NULL",
        "unexpected in the database: index app.posts posts_live_idx USING btree (author_id, published_at) WHERE ...",
        "unexpected in the database: comment on enum app.status: \"Where a post goes\"",
    ] {
        assert!(report.contains(expected), "no `{expected}` in:\n{report}");
    }
    assert_eq!(report.lines().count(), 10, "{report}");
}

const HAND_WRITTEN_SQL: &str = r#"
CREATE SCHEMA "app";
CREATE TYPE "app"."status" AS ENUM ('DRAFT', 'ARCHIVED');
CREATE TABLE "app"."users" (
    "id" bigint GENERATED BY DEFAULT AS IDENTITY,
    "email" text NOT NULL,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "users_email_key" ON "app"."users" ("email");
CREATE TABLE "app"."posts" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid(),
    "author_id" bigint NOT NULL,
    "title" varchar(200) NOT NULL,
    "status" "app"."status" NOT NULL DEFAULT 'DRAFT',
    "tags" text[],
    "published_at" timestamp(3) with time zone,
    "views" integer NOT NULL DEFAULT 0,
    CONSTRAINT "posts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "posts_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "app"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "posts_views_check" CHECK (views >= 0)
);
CREATE INDEX "posts_live_idx" ON "app"."posts" ("author_id", "published_at" DESC) WHERE "published_at" IS NOT NULL;
CREATE INDEX "posts_search_idx" ON "app"."posts" USING gin (to_tsvector('english', "title"));
COMMENT ON TYPE "app"."status" IS 'Where a post is';
COMMENT ON TABLE "app"."posts" IS 'Posts, "quoted"';
COMMENT ON COLUMN "app"."posts"."title" IS 'Shown
on two lines';
"#;

const HAND_WRITTEN_IR: &str = r#"{
  "name": "hand",
  "namespaces": ["app"],
  "enums": [{"name": "Status", "db_name": {"schema": "app", "name": "status"},
             "values": [{"name": "DRAFT", "db_name": "DRAFT"}, {"name": "Archived", "db_name": "ARCHIVED"}],
             "comment": "Where a post is"}],
  "tables": [
    {"name": "User", "db_name": {"schema": "app", "name": "users"},
     "columns": [
       {"name": "id", "db_name": "id", "ty": {"scalar": {"kind": "identity", "big": true}}, "nullable": false},
       {"name": "email", "db_name": "email", "ty": {"scalar": {"kind": "text"}}, "nullable": false}],
     "primary_key": {"db_name": "users_pkey", "columns": ["id"]},
     "indexes": [{"db_name": "users_email_key", "parts": [{"kind": "column", "name": "email"}], "unique": true}]},
    {"name": "Post", "db_name": {"schema": "app", "name": "posts"}, "comment": "Posts, \"quoted\"",
     "columns": [
       {"name": "id", "db_name": "id", "ty": {"scalar": {"kind": "uuid"}}, "nullable": false,
        "default": {"kind": "gen_random_uuid"}},
       {"name": "authorId", "db_name": "author_id", "ty": {"scalar": {"kind": "big_int"}}, "nullable": false},
       {"name": "title", "db_name": "title", "ty": {"scalar": {"kind": "varchar", "length": 200}}, "nullable": false,
        "comment": "Shown\non two lines"},
       {"name": "status", "db_name": "status",
        "ty": {"scalar": {"kind": "enum", "name": {"schema": "app", "name": "status"}}}, "nullable": false,
        "default": {"kind": "enum_value", "value": "DRAFT"}},
       {"name": "tags", "db_name": "tags", "ty": {"scalar": {"kind": "text"}, "array": true}, "nullable": true},
       {"name": "publishedAt", "db_name": "published_at", "ty": {"scalar": {"kind": "timestamptz", "precision": 3}},
        "nullable": true},
       {"name": "views", "db_name": "views", "ty": {"scalar": {"kind": "integer"}}, "nullable": false,
        "default": {"kind": "literal", "value": {"type": "number", "value": "0"}}}],
     "primary_key": {"db_name": "posts_pkey", "columns": ["id"]},
     "foreign_keys": [{"db_name": "posts_author_id_fkey", "columns": ["author_id"],
                       "referenced_table": {"schema": "app", "name": "users"}, "referenced_columns": ["id"],
                       "on_delete": "cascade", "on_update": "cascade"}],
     "indexes": [
       {"db_name": "posts_live_idx", "unique": false, "predicate": "published_at IS NOT NULL",
        "parts": [{"kind": "column", "name": "author_id"}, {"kind": "column", "name": "published_at", "order": "desc"}]},
       {"db_name": "posts_search_idx", "unique": false, "method": "gin",
        "parts": [{"kind": "expression", "sql": "to_tsvector('english', title)"}]}],
     "checks": [{"db_name": "posts_views_check", "expression": "views >= 0"}]}
  ]
}"#;

/// [`expected_type`] spells every IR type the way `format_type` does (else every system using
/// the type would fail for the harness' fault, not the renderer's).
#[test]
fn every_scalar_type_is_spelled_as_postgres_spells_it() {
    use schemagen::ir::{Column, QualifiedName, Table};
    let Some(pg) = cluster("every_scalar_type_is_spelled_as_postgres_spells_it") else {
        return;
    };
    let mood = QualifiedName::public("mood");
    let types: Vec<(&str, ColumnType)> = vec![
        ("text", ColumnType::scalar(ScalarType::Text)),
        (
            "varchar(20)",
            ColumnType::scalar(ScalarType::Varchar { length: Some(20) }),
        ),
        (
            "varchar",
            ColumnType::scalar(ScalarType::Varchar { length: None }),
        ),
        (
            "char(3)",
            ColumnType::scalar(ScalarType::Char { length: Some(3) }),
        ),
        (
            "char",
            ColumnType::scalar(ScalarType::Char { length: None }),
        ),
        ("smallint", ColumnType::scalar(ScalarType::SmallInt)),
        ("integer", ColumnType::scalar(ScalarType::Integer)),
        ("bigint", ColumnType::scalar(ScalarType::BigInt)),
        (
            "serial",
            ColumnType::scalar(ScalarType::Serial { big: false }),
        ),
        (
            "bigserial",
            ColumnType::scalar(ScalarType::Serial { big: true }),
        ),
        (
            "integer GENERATED BY DEFAULT AS IDENTITY",
            ColumnType::scalar(ScalarType::Identity { big: false }),
        ),
        (
            "bigint GENERATED BY DEFAULT AS IDENTITY",
            ColumnType::scalar(ScalarType::Identity { big: true }),
        ),
        (
            "numeric(10,2)",
            ColumnType::scalar(ScalarType::Numeric {
                precision: Some(10),
                scale: Some(2),
            }),
        ),
        (
            "numeric(10)",
            ColumnType::scalar(ScalarType::Numeric {
                precision: Some(10),
                scale: None,
            }),
        ),
        (
            "numeric",
            ColumnType::scalar(ScalarType::Numeric {
                precision: None,
                scale: None,
            }),
        ),
        ("real", ColumnType::scalar(ScalarType::Real)),
        ("double precision", ColumnType::scalar(ScalarType::Double)),
        ("boolean", ColumnType::scalar(ScalarType::Boolean)),
        ("uuid", ColumnType::scalar(ScalarType::Uuid)),
        (
            "timestamptz",
            ColumnType::scalar(ScalarType::Timestamptz { precision: None }),
        ),
        (
            "timestamptz(3)",
            ColumnType::scalar(ScalarType::Timestamptz { precision: Some(3) }),
        ),
        (
            "timestamp",
            ColumnType::scalar(ScalarType::Timestamp { precision: None }),
        ),
        (
            "timestamp(6)",
            ColumnType::scalar(ScalarType::Timestamp { precision: Some(6) }),
        ),
        ("date", ColumnType::scalar(ScalarType::Date)),
        (
            "time",
            ColumnType::scalar(ScalarType::Time { precision: None }),
        ),
        (
            "time(2)",
            ColumnType::scalar(ScalarType::Time { precision: Some(2) }),
        ),
        ("json", ColumnType::scalar(ScalarType::Json)),
        ("jsonb", ColumnType::scalar(ScalarType::Jsonb)),
        ("bytea", ColumnType::scalar(ScalarType::Bytea)),
        (
            "\"mood\"",
            ColumnType::scalar(ScalarType::Enum {
                name: Box::new(mood.clone()),
            }),
        ),
        ("point", ColumnType::scalar(ScalarType::GeoPoint)),
        ("text[]", ColumnType::array_of(ScalarType::Text)),
        (
            "varchar(5)[]",
            ColumnType::array_of(ScalarType::Varchar { length: Some(5) }),
        ),
        (
            "timestamptz(3)[]",
            ColumnType::array_of(ScalarType::Timestamptz { precision: Some(3) }),
        ),
        (
            "\"mood\"[]",
            ColumnType::array_of(ScalarType::Enum {
                name: Box::new(mood.clone()),
            }),
        ),
    ];
    let columns: Vec<Column> = types
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| Column {
            name: format!("c{i}"),
            db_name: format!("c{i}"),
            ty: ty.clone(),
            nullable: true,
            default: None,
            comment: None,
            span: Default::default(),
        })
        .collect();
    let system = System {
        name: "types".into(),
        namespaces: Vec::new(),
        enums: vec![schemagen::ir::Enum {
            name: "Mood".into(),
            db_name: mood,
            values: vec![schemagen::ir::EnumValue {
                name: "ok".into(),
                db_name: "ok".into(),
                span: Default::default(),
            }],
            comment: None,
            span: Default::default(),
        }],
        tables: vec![Table {
            partition: None,
            name: "all_types".into(),
            db_name: QualifiedName::public("all_types"),
            columns,
            primary_key: None,
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            comment: None,
            span: Default::default(),
        }],
        access: Default::default(),
        ..Default::default()
    };
    let definitions: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, (sql, _))| format!("c{i} {sql}"))
        .collect();
    let sql = format!(
        "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE all_types (\n  {}\n);\n",
        definitions.join(",\n  ")
    );
    let dir = TempDir::new("types");
    pg.create_database("types").unwrap();
    apply(&pg, "types", &[("types.sql", &sql)], dir.path()).unwrap();
    assert_eq!(compare(&pg, "types", &system), Ok(()));
}
