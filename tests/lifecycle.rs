//! The proof of issue 9: one system per flavour taken through everyday schema changes
//! (`tests/scenarios/<flavour>-lifecycle/v01 …`) on ONE database that holds rows all along.
//!
//! Per version, as a team would run it: the version's hand-written migrations
//! (`vNN/handwritten/*.sql`, added as `schemagen migrate new` does and applied), then
//! `build` on top of the accumulated history, then the new migration applied to the database,
//! then the version's rows (`vNN/rows.sql`, which must add rows to every table). Around each
//! generated migration every row of every table is fingerprinted by primary key: each must
//! come through, under its new table and column names where a rename was declared, with the
//! same values, except where the schema accepted the loss (`acceptDataLoss:`), a renamed enum
//! value, or a NULL filled when the column became required. At the end the database must be
//! the one a fresh build of the last version makes (catalog, grants, policies, RLS), and
//! squawk must find none of its lock-safety rules in any incremental migration.

mod support;

use schemagen::cluster::Cluster;
use schemagen::db::Db;
use schemagen::ir::{QualifiedName, System, Table};
use schemagen::plan::{Change, Migration};
use schemagen::render::quote_ident;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::pg::{apply, cluster, read_catalog};
use support::TempDir;

const DATABASE: &str = "lifecycle";

#[test]
fn prisma_lifecycle_keeps_every_row() {
    lifecycle("prisma-lifecycle");
}

/// Every row of every table: table (`schema.name`) → primary key (its values as JSON) →
/// column → value.
type Fingerprint = BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>;

fn lifecycle(scenario: &str) {
    let Some(pg) = cluster(scenario) else {
        return;
    };
    pg.create_database(DATABASE).unwrap();
    // Migrations run through psql, as a deploy would; reads and rows go through one session.
    let mut db = Db::connect(&pg.connection_string(DATABASE)).unwrap();
    let dir = support::repo_root().join("tests/scenarios").join(scenario);
    let (out, scratch) = (
        TempDir::new(scenario),
        TempDir::new(&format!("{scenario}-sql")),
    );
    let mut judged = Vec::new();
    let mut previous: Option<System> = None;
    let mut granted = false;
    for version in support::versions(&dir) {
        let label = format!("{scenario}/{}", support::file_name(&version));
        let step = Step {
            pg: &pg,
            label: &label,
            version: &version,
            out: out.path(),
            scratch: scratch.path(),
        };
        step.run_handwritten(previous.as_ref());
        let before = previous.as_ref().map(|s| fingerprint(&mut db, s));
        let (system, migration, new) = step.build(&mut db);
        if let Some(before) = before {
            let after = fingerprint(&mut db, &system);
            assert_rows_kept(&label, &before, &after, &migration, &system);
            judged.push((label.clone(), new));
        }
        step.insert_rows(&mut db, &system);
        granted |= access_catalog(&pg, DATABASE)
            .iter()
            .any(|row| row[0].starts_with("grant ") && row[0].ends_with("app_user INSERT"));
        previous = Some(system);
    }
    assert!(judged.len() >= 11, "{scenario}: at least 12 versions");
    // The access rule that went took its grants with it (the fresh build below has none).
    assert!(
        granted,
        "{scenario}: no version grants the application role anything"
    );
    assert!(
        judged.iter().any(|(_, (_, sql))| sql.contains("REVOKE")),
        "{scenario}: no migration revokes"
    );
    let last = support::versions(&dir).pop().unwrap();
    assert_same_as_fresh_build(&pg, &last, scratch.path());
    assert_no_lock_rule_fires(scenario, &judged);
}

/// One version of a scenario, applied to the database.
struct Step<'a> {
    pg: &'a Cluster,
    label: &'a str,
    version: &'a Path,
    out: &'a Path,
    scratch: &'a Path,
}

impl Step<'_> {
    fn apply(&self, path: &str, sql: &str) {
        apply(self.pg, DATABASE, &[(path, sql)], self.scratch).unwrap_or_else(|e| {
            panic!(
                "{}: a migration failed on the database with rows:\n{e}",
                self.label
            )
        });
    }

    /// `schemagen migrate new NAME` for each `handwritten/NAME.sql` of the version (the file
    /// numbered after the last migration and listed in the checksum file), then applied.
    fn run_handwritten(&self, previous: Option<&System>) {
        let files = sql_files(&self.version.join("handwritten"));
        if files.is_empty() {
            return;
        }
        let system = &previous
            .expect("a hand-written migration follows a build")
            .name;
        for (name, body) in files {
            let history = schemagen::history::read(self.out, system).unwrap();
            let file = format!("{:04}_{name}", history.migrations.len() + 1);
            let sql = format!("-- Hand-written migration {file} of {system}.\n{body}");
            let dir = self.out.join(system).join("migrations");
            std::fs::write(dir.join(&file), &sql).unwrap();
            let mut all = history.migrations.clone();
            all.push((file.clone(), sql.clone()));
            let sum =
                schemagen::history::sum::render(all.iter().map(|(n, s)| (n.as_str(), s.as_str())));
            std::fs::write(dir.join(schemagen::history::sum::FILE), sum).unwrap();
            self.apply(&format!("migrations/{file}"), &sql);
        }
    }

    /// `schemagen build` of the version on top of the history, its new migration applied;
    /// returns the system, the plan the migration was rendered from, and the migration.
    fn build(&self, db: &mut Db) -> (System, Migration, (String, String)) {
        let config = schemagen::config::Config {
            schemas: self.version.to_path_buf(),
            out: self.out.to_path_buf(),
            ..Default::default()
        };
        let run = support::generate(self.label, &config);
        assert_eq!(run.systems.len(), 1, "{}: one system", self.label);
        let system = run.systems[0].clone();
        let history = schemagen::history::read(self.out, &system.name).unwrap();
        let migration = schemagen::plan::plan_checked(history.schema.as_ref(), &system, false).0;
        let written: BTreeSet<String> = history
            .migrations
            .iter()
            .map(|(n, _)| format!("migrations/{n}"))
            .collect();
        let new: Vec<(String, String)> = support::system_files(&run, &system.name, |p| {
            p.starts_with("migrations/") && p.ends_with(".sql") && !written.contains(p)
        })
        .into_iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
        assert_eq!(
            new.len(),
            1,
            "{}: every version adds one migration",
            self.label
        );
        self.fail_and_rerun(db, &new[0]);
        self.apply(&new[0].0, &new[0].1);
        schemagen::write::write_tree(self.out, &run.files).unwrap();
        (system, migration, new[0].clone())
    }

    /// Where the version has `break.sql`: rows that make the migration fail after its main
    /// block committed are put in, the migration must fail, `fix.sql` repairs the data, and the
    /// caller runs the whole file again, as the README tells a team to.
    fn fail_and_rerun(&self, db: &mut Db, (path, sql): &(String, String)) {
        let Ok(breaking) = std::fs::read_to_string(self.version.join("break.sql")) else {
            return;
        };
        db.execute(&breaking).unwrap();
        let failed = apply(self.pg, DATABASE, &[(path, sql)], self.scratch);
        assert!(failed.is_err(), "{}: break.sql broke nothing", self.label);
        let committed = db
            .value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'schemagen\\_pending\\_%'")
            .unwrap();
        assert_eq!(
            committed.as_deref(),
            Some("1"),
            "{}: it failed after the main block",
            self.label
        );
        let fix = std::fs::read_to_string(self.version.join("fix.sql")).unwrap();
        db.execute(&fix).unwrap();
    }

    /// The version's `rows.sql`, which must add rows to every table.
    fn insert_rows(&self, db: &mut Db, system: &System) {
        let rows = std::fs::read_to_string(self.version.join("rows.sql"))
            .unwrap_or_else(|e| panic!("{}: rows.sql: {e}", self.label));
        let before = row_counts(db, system);
        db.execute(&rows)
            .unwrap_or_else(|e| panic!("{}: rows.sql: {e}", self.label));
        for ((table, before), after) in before.iter().zip(row_counts(db, system).values()) {
            assert!(
                after > before,
                "{}: rows.sql adds no row to {table}",
                self.label
            );
        }
    }
}

/// `NAME.sql` files of `dir` (none when it does not exist), in name order.
fn sql_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .map(|p| (support::file_name(&p), std::fs::read_to_string(&p).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn qualified(name: &QualifiedName) -> String {
    format!("{}.{}", name.schema, name.name)
}

fn from_sql(name: &QualifiedName) -> String {
    format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
}

/// One query over every table of `system`, as a JSON object keyed by `schema.name`: one
/// psql run instead of one per table.
fn per_table(db: &mut Db, system: &System, value: impl Fn(&Table) -> String) -> String {
    let fields: Vec<String> = system
        .tables
        .iter()
        .map(|t| {
            format!(
                "'{}', ({})",
                qualified(&t.db_name).replace('\'', "''"),
                value(t)
            )
        })
        .collect();
    let sql = format!("SELECT json_build_object({})::text", fields.join(", "));
    db.value(&sql).unwrap().unwrap()
}

fn row_counts(db: &mut Db, system: &System) -> BTreeMap<String, usize> {
    let json = per_table(db, system, |t| {
        format!("SELECT count(*) FROM {}", from_sql(&t.db_name))
    });
    serde_json::from_str(&json).unwrap()
}

fn fingerprint(db: &mut Db, system: &System) -> Fingerprint {
    let json = per_table(db, system, |table| {
        let key = table
            .primary_key
            .as_ref()
            .expect("every table has a primary key");
        let id: Vec<String> = key
            .columns
            .iter()
            .map(|c| format!("t.{}", quote_ident(c)))
            .collect();
        format!(
            "SELECT coalesce(json_object_agg(json_build_array({})::text, row_to_json(t)), '{{}}') FROM {} t",
            id.join(", "),
            from_sql(&table.db_name)
        )
    });
    serde_json::from_str(&json).unwrap()
}

/// What a migration renamed, by the names before it: tables (`schema.name` → `schema.name`),
/// columns (old table, old column → new column) and enum values (old → new).
#[derive(Default)]
struct Renames {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<(String, String), String>,
    values: BTreeSet<(String, String)>,
}

impl Renames {
    /// Read off the plan's steps, in order (each names its table as it is at that point).
    fn of(migration: &Migration, before: &Fingerprint) -> Renames {
        let mut renames = Renames {
            tables: before.keys().map(|t| (t.clone(), t.clone())).collect(),
            ..Default::default()
        };
        for step in &migration.steps {
            match &step.change {
                Change::SetSchema { table, schema } => {
                    renames.retarget(table, format!("{schema}.{}", table.name))
                }
                Change::RenameTable { table, to } => {
                    renames.retarget(table, format!("{}.{to}", table.schema))
                }
                Change::RenameColumn { table, from, to } => {
                    let old = renames.old_name(table);
                    renames.columns.insert((old, from.clone()), to.clone());
                }
                Change::RenameEnumValue { from, to, .. } => {
                    renames.values.insert((from.clone(), to.clone()));
                }
                _ => {}
            }
        }
        renames
    }

    fn old_name(&self, now: &QualifiedName) -> String {
        let now = qualified(now);
        let found = self.tables.iter().find(|(_, current)| **current == now);
        found.map_or(now, |(old, _)| old.clone())
    }

    fn retarget(&mut self, table: &QualifiedName, to: String) {
        let old = self.old_name(table);
        self.tables.insert(old, to);
    }
}

fn assert_rows_kept(
    label: &str,
    before: &Fingerprint,
    after: &Fingerprint,
    migration: &Migration,
    system: &System,
) {
    let lost = lost_data(before, after, migration, system);
    assert!(
        lost.is_empty(),
        "{label}: data lost that nothing accepted:\n  {}",
        lost.join("\n  ")
    );
}

/// What of the rows before the migration is not there after it, value for value, but for
/// the changes the schema declared or accepted.
fn lost_data(
    before: &Fingerprint,
    after: &Fingerprint,
    migration: &Migration,
    system: &System,
) -> Vec<String> {
    let accepted: BTreeSet<&str> = system
        .accept_data_loss
        .iter()
        .map(|a| a.path.as_str())
        .collect();
    let renames = Renames::of(migration, before);
    let mut lost = Vec::new();
    for (table, rows) in before {
        let now = &renames.tables[table];
        let Some(kept) = after.get(now) else {
            if !accepted.contains(table.as_str()) {
                lost.push(format!(
                    "table {table} is gone with its {} rows",
                    rows.len()
                ));
            }
            continue;
        };
        let columns = system
            .tables
            .iter()
            .find(|t| qualified(&t.db_name) == *now)
            .unwrap();
        if kept.len() != rows.len() {
            lost.push(format!(
                "{table}: {} rows before, {} after (as {now})",
                rows.len(),
                kept.len()
            ));
        }
        for (id, row) in rows {
            let Some(row_now) = kept.get(id) else {
                lost.push(format!("{table}: row {id} is gone"));
                continue;
            };
            for (column, value) in row {
                let column_now = renames
                    .columns
                    .get(&(table.clone(), column.clone()))
                    .unwrap_or(column);
                let path = format!("{table}.{column}");
                let required = columns.column(column_now).is_some_and(|c| !c.nullable);
                let fine = match row_now.get(column_now) {
                    None => accepted.contains(path.as_str()),
                    Some(v) if v == value => true,
                    Some(_) if value.is_null() && required => true,
                    Some(v) => {
                        accepted.contains(path.as_str())
                            || renames
                                .values
                                .iter()
                                .any(|(from, to)| value == from && v == to)
                    }
                };
                if !fine {
                    let now = row_now
                        .get(column_now)
                        .map_or("(no column)".into(), Value::to_string);
                    lost.push(format!("{path} of row {id}: {value} became {now}"));
                }
            }
        }
    }
    lost
}

/// The database the migrations made equals a fresh build of `last` applied to an empty one:
/// catalog, grants, row-level security and policies.
fn assert_same_as_fresh_build(pg: &Cluster, last: &Path, scratch: &Path) {
    let out = TempDir::new("lifecycle-fresh");
    let config = schemagen::config::Config {
        schemas: last.to_path_buf(),
        out: out.path().to_path_buf(),
        ..Default::default()
    };
    let run = support::generate("fresh build", &config);
    let files = support::system_files(&run, &run.systems[0].name, |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    });
    pg.create_database("fresh").unwrap();
    apply(pg, "fresh", &files, scratch).unwrap();
    let (migrated, fresh) = (
        read_catalog(pg, DATABASE).unwrap(),
        read_catalog(pg, "fresh").unwrap(),
    );
    assert_eq!(migrated.schemas, fresh.schemas);
    assert_eq!(migrated.enums, fresh.enums);
    assert_eq!(migrated.comments, fresh.comments);
    // ADD COLUMN appends, where a fresh build creates the columns in declaration order: the
    // one difference Postgres leaves no way to avoid. The columns themselves must be equal.
    let tables = |catalog: support::pg::Catalog| {
        let mut tables = catalog.tables;
        tables.values_mut().for_each(|t| t.column_order.clear());
        format!("{tables:#?}")
    };
    assert_eq!(tables(migrated), tables(fresh));
    assert_eq!(access_catalog(pg, DATABASE), access_catalog(pg, "fresh"));
}

/// What the catalog reader leaves out: sequences (and their type, which bounds the ids), grants,
/// row-level security and policies.
fn access_catalog(pg: &Cluster, database: &str) -> Vec<Vec<String>> {
    let sql = format!(
        "SELECT 'sequence ' || n.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, NULL)
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {0}
         UNION ALL
         SELECT 'rls ' || n.nspname || '.' || c.relname || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND {0}
         UNION ALL
         SELECT 'policy ' || schemaname || '.' || tablename || '.' || policyname || ' ' || cmd || ' '
                || coalesce(qual, '') || ' ' || coalesce(with_check, '')
         FROM pg_policies
         UNION ALL
         SELECT 'grant ' || table_schema || '.' || table_name || ' ' || grantee || ' ' || privilege_type
         FROM information_schema.role_table_grants
         WHERE grantee <> current_user AND table_schema NOT IN ('pg_catalog', 'information_schema')
         ORDER BY 1",
        support::pg::USER_SCHEMAS
    );
    pg.query(database, &sql).unwrap()
}

/// squawk over every incremental migration the scenario's builds wrote.
fn assert_no_lock_rule_fires(scenario: &str, migrations: &[(String, (String, String))]) {
    let Some(squawk) = support::squawk::find(scenario) else {
        return;
    };
    let dir = TempDir::new(&format!("{scenario}-squawk"));
    let files: Vec<PathBuf> = migrations
        .iter()
        .flat_map(|(label, (path, sql))| {
            let name = format!(
                "{}-{}",
                label.replace('/', "-"),
                support::file_name(Path::new(path))
            );
            support::squawk::judge(dir.path(), name.trim_end_matches(".sql"), sql)
        })
        .collect();
    let fired = support::squawk::lint(&squawk, &files);
    let summary: Vec<String> = fired
        .iter()
        .map(|(rule, at)| format!("{rule}: {}", at.join(", ")))
        .collect();
    eprintln!(
        "{scenario}: squawk judged {} files; fired:\n  {}",
        files.len(),
        summary.join("\n  ")
    );
    let broken: Vec<&String> = summary
        .iter()
        .filter(|line| {
            support::squawk::LOCK_RULES
                .iter()
                .any(|r| line.starts_with(&format!("{r}:")))
        })
        .collect();
    assert!(
        broken.is_empty(),
        "{scenario}: lock-safety rules fired: {broken:#?}"
    );
}

#[test]
fn payload_lifecycle_keeps_every_row() {
    lifecycle("payload-lifecycle");
}

#[test]
fn firestore_lifecycle_keeps_every_row() {
    lifecycle("firestore-lifecycle");
}

/// The row check itself catches what it is there for: a changed value, a missing row or
/// column, a dropped table, unless the schema accepted that loss.
#[test]
fn the_row_check_catches_lost_data() {
    let schemas = support::repo_root().join("tests/scenarios/prisma-lifecycle/v01");
    let config = schemagen::config::Config {
        schemas,
        ..Default::default()
    };
    let mut system = schemagen::compile(&config).systems.remove(0);
    let table = |rows: &[(&str, Value)]| -> Fingerprint {
        let rows = rows
            .iter()
            .map(|(id, row)| (id.to_string(), serde_json::from_value(row.clone()).unwrap()));
        BTreeMap::from([("public.accounts".to_string(), rows.collect())])
    };
    let ada = serde_json::json!({"id": 1, "email": "ada@example.com", "phone": null});
    let before = table(&[("[1]", ada.clone())]);
    let migration = Migration {
        initial: false,
        steps: Vec::new(),
    };
    let lost = |after: &Fingerprint, system: &System| lost_data(&before, after, &migration, system);
    assert!(lost(&before, &system).is_empty());
    let changed = table(&[(
        "[1]",
        serde_json::json!({"id": 1, "email": "bob@example.com", "phone": null}),
    )]);
    assert_eq!(lost(&changed, &system).len(), 1, "a changed value");
    assert_eq!(
        lost(&table(&[]), &system).len(),
        2,
        "a missing row (and the count)"
    );
    assert_eq!(
        lost(&Fingerprint::new(), &system).len(),
        1,
        "a dropped table"
    );
    let no_email = table(&[("[1]", serde_json::json!({"id": 1, "phone": null}))]);
    assert_eq!(lost(&no_email, &system).len(), 1, "a dropped column");
    system.accept_data_loss.push(schemagen::ir::AcceptedLoss {
        path: "public.accounts.email".into(),
        span: Default::default(),
    });
    assert!(lost(&no_email, &system).is_empty(), "an accepted drop");
    assert!(
        lost(&changed, &system).is_empty(),
        "an accepted lossy change"
    );
}
