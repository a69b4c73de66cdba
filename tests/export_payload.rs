//! `schemagen export --to payload`, judged by Payload itself: every Payload-style system the
//! Payload oracle knows (`schemas/botcafe`, the `payload_*` fixtures, `examples/payload-website`),
//! and one whose strings would break out of a TypeScript literal if not escaped, is exported; all the exports are type-checked together by `tsc --strict` against Payload's
//! own types and compiled to JavaScript; one node process feeds each compiled `index.ts`
//! (`collections`, `globals`, `blocks`, `localization`, `idType`) to Payload's schema builder
//! (`tests/oracle/payload-sql.mjs --modules`); Payload's SQL then the export's `extras.sql`,
//! applied to PostgreSQL, must build the catalog schemagen's migrations build, with only the
//! differences `tests/payload_oracle.rs` argues (Payload's own tables, `geometry(Point)`; the
//! CHECKs of bounds are not allowed here: extras.sql adds them). One export is then broken on
//! purpose (a field renamed) and must be caught. CI judges a sample of the fixtures;
//! `SCHEMAGEN_EXPORT=full` all of them.

mod support;

use schemagen::cluster::Cluster;
use schemagen::diagnostics::Severity;
use schemagen::ir::System;
use schemagen::render::export::payload::Config;
use schemagen::render::export::{self, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::compare::compare;
use support::payload::{Allowed, Oracle};
use support::pg;
use support::TempDir;

const TEST: &str = "every_payload_export_type_checks_and_makes_the_database_schemagen_makes";

/// One exported system and what it is judged against.
struct Exported {
    label: String,
    /// Its folder below `src/` and `js/`.
    folder: String,
    system: System,
    has_auth: bool,
    migrations: Vec<(String, String)>,
    extras: Option<String>,
}

#[test]
fn every_payload_export_type_checks_and_makes_the_database_schemagen_makes() {
    let Some(oracle) = Oracle::find(TEST) else {
        return;
    };
    let Some(tsc) = support::find_tsc() else {
        support::missing_tool(TEST, "no tsc (`scripts/test` installs it into .tmp/node)");
        return;
    };
    let Some(pg) = pg::cluster(TEST) else {
        return;
    };
    let work = TempDir::new("export-payload");
    let (mut cases, at_least) = sample();
    let hostile = TempDir::new("export-payload-hostile");
    cases.push(hostile_case(&hostile));
    let mut exported = export_all(cases, &work.join("src"));
    assert!(
        exported.len() >= at_least,
        "only {} Payload-style systems were exported: are they still found?",
        exported.len()
    );
    let victim = exported
        .iter()
        .find(|e| e.label == BROKEN)
        .expect("the system to break is exported");
    let broken = break_one(&work.join("src"), victim);
    exported.push(broken);

    let type_errors = compile(&tsc, &work);
    let modules: Vec<PathBuf> = exported
        .iter()
        .map(|e| work.join("js").join(&e.folder).join("index.js"))
        .collect();
    let mut sql = oracle
        .migrations(&modules)
        .unwrap_or_else(|e| panic!("Payload's builder did not run: {e}"));

    let mut failures = Vec::new();
    let mut caught = None;
    for (n, (e, module)) in exported.iter().zip(&modules).enumerate() {
        let errors = type_errors.get(&e.folder).map(String::as_str);
        let payload = sql
            .remove(module)
            .unwrap_or_else(|| Err("no answer".into()));
        let verdict = judge(&pg, &format!("db{n}"), e, errors, payload);
        match (e.label.ends_with("(broken)"), verdict) {
            (false, Ok(summary)) => {
                eprintln!("{}: the export makes the same database{summary}", e.label)
            }
            (false, Err(report)) => failures.push(format!("{}:\n{report}", e.label)),
            (true, verdict) => caught = Some(verdict),
        }
    }
    eprintln!("exported {} systems to Payload", exported.len() - 1);
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    let report = caught
        .expect("the broken export was judged")
        .expect_err("a renamed field must not pass");
    let renamed = ["column title missing", "column title_broken only schemagen"];
    assert!(
        report.contains("title_broken") && report.contains("title"),
        "the broken export failed, but not on the renamed field ({renamed:?}):\n{report}"
    );
    eprintln!("the broken export was caught:\n{report}");
}

/// The system whose export is broken on purpose: its first field (`title`) is renamed.
const BROKEN: &str = "fixture-payload_scalars / app";

/// The cases to export: the project's and the examples' systems, and the `payload_*`
/// fixtures — in CI one in four of them and `payload_scalars` (each costs Postgres two
/// databases), all of them with `SCHEMAGEN_EXPORT=full`. Also how many systems they hold at
/// least, so that a filter that stopped matching fails instead of passing on none.
fn sample() -> (Vec<support::Case>, usize) {
    let full = std::env::var("SCHEMAGEN_EXPORT").is_ok_and(|v| v == "full");
    let cases = support::payload::cases()
        .into_iter()
        .enumerate()
        .filter(|(i, case)| {
            full || !case.label.starts_with("fixture-")
                || i % 4 == 0
                || BROKEN.starts_with(&format!("{} /", case.label))
        })
        .map(|(_, case)| case)
        .collect();
    (cases, if full { 21 } else { 8 })
}

/// A system whose strings hold what would break out of a TypeScript string or comment: quotes,
/// backslashes, `${`, `*/`, line breaks and U+2028. Its export must type-check and make the
/// same database (the default reaches Payload's SQL through the compiled string).
fn hostile_case(dir: &Path) -> support::Case {
    let yaml = r#"flavor: payload
collections:
  - slug: notes
    labels: { singular: "it's \\ a ${note}", plural: "notes */ \u2028 end" }
    admin: { description: "'; process.exit(1); '" }
    fields:
      - name: title
        type: text
        label: "`${process.exit(1)}` \\' \n // */"
        defaultValue: "a 'quoted' \\ ${x} `tick` */ \u2028"
      - name: mood
        type: select
        options: [{ label: "O'Brien \\ ${x}", value: calm }, { label: "x\n*/", value: tense }]
"#;
    write(&dir.join("schemas/hostile/notes.yaml"), yaml);
    support::Case::new("hostile".into(), dir.join("schemas"))
}

/// Every Payload-style system of `cases`, exported into `src/<folder>/`.
fn export_all(cases: Vec<support::Case>, src: &Path) -> Vec<Exported> {
    let mut exported = Vec::new();
    for case in cases {
        let names: Vec<String> = support::payload::systems(case.schemas())
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        if names.is_empty() {
            continue;
        }
        let out = TempDir::new(&case.label);
        let mut config = case.config(out.path());
        config.systems = names;
        let run = support::generate(&case.label, &config);
        let (compiled, yaml) = schemagen::compile_keeping_yaml(&config);
        let files = export::export_with_yaml(&compiled.systems, &yaml, Target::Payload)
            .unwrap_or_else(|d| panic!("{}: the export refused: {}", case.label, d.message));
        let refusals: Vec<&str> = files
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message.as_str())
            .collect();
        assert!(refusals.is_empty(), "{}: {refusals:#?}", case.label);
        for (system, files_of) in compiled.systems.iter().zip(&yaml) {
            let folder = format!("s{}", exported.len());
            let prefix = format!("{}/", system.name);
            for (path, contents) in &files.files {
                if let Some(path) = path.strip_prefix(&prefix) {
                    write(&src.join(&folder).join(path), contents);
                }
            }
            let roots: Vec<_> = files_of.files.iter().map(|f| f.root.clone()).collect();
            let migrations = support::system_files(&run, &system.name, |p| {
                p.starts_with("migrations/") && p.ends_with(".sql")
            });
            exported.push(Exported {
                label: format!("{} / {}", case.label, system.name),
                folder,
                system: system.clone(),
                has_auth: support::payload::has_auth(&Config::of(&roots).collections),
                migrations: migrations
                    .into_iter()
                    .map(|(p, c)| (p.to_string(), c.to_string()))
                    .collect(),
                extras: files.files.get(&format!("{prefix}extras.sql")).cloned(),
            });
        }
    }
    exported
}

/// A copy of `of`'s export with its first collection's first field renamed to `<name>_broken`
/// (a name nothing else refers to, so Payload accepts it): a wrong export the judge must catch.
fn break_one(src: &Path, of: &Exported) -> Exported {
    let folder = format!("{}_broken", of.folder);
    copy_tree(&src.join(&of.folder), &src.join(&folder));
    let collections = src.join(&folder).join("collections");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&collections)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let first = files
        .iter()
        .find(|f| std::fs::read_to_string(f).unwrap().contains("{ name: '"))
        .expect("a collection with a field");
    let text = std::fs::read_to_string(first).unwrap();
    let at = text.find("{ name: '").unwrap() + "{ name: '".len();
    let end = at + text[at..].find('\'').unwrap();
    let broken = format!("{}_broken{}", &text[..end], &text[end..]);
    std::fs::write(first, broken).unwrap();
    Exported {
        label: format!("{} (broken)", of.label),
        folder,
        system: of.system.clone(),
        has_auth: of.has_auth,
        migrations: of.migrations.clone(),
        extras: None,
    }
}

/// Type-checks every export with `tsc --strict` against Payload's types and compiles it to
/// CommonJS in `js/`; returns the type errors by export folder.
fn compile(tsc: &Path, work: &Path) -> BTreeMap<String, String> {
    let modules = support::repo_root().join(".tmp/node/node_modules");
    std::os::unix::fs::symlink(&modules, work.join("node_modules")).unwrap();
    let tsconfig = serde_json::json!({
        "compilerOptions": {
            "strict": true,
            "target": "es2022",
            "module": "commonjs",
            "moduleResolution": "node10",
            "skipLibCheck": true,
            "types": [],
            "rootDir": "src",
            "outDir": "js"
        },
        "include": ["src/**/*.ts"]
    });
    write(&work.join("tsconfig.json"), &tsconfig.to_string());
    let output = Command::new(tsc)
        .args(["-p", "tsconfig.json", "--pretty", "false"])
        .current_dir(work)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", tsc.display()));
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let mut folder = "(tsc)";
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines() {
        // An error's first line names its file; the lines below it are indented.
        if !line.starts_with(' ') {
            folder = line
                .strip_prefix("src/")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or("(tsc)");
        }
        let found = errors.entry(folder.to_string()).or_default();
        found.push_str(line);
        found.push('\n');
    }
    if let Some(general) = errors.get("(tsc)") {
        panic!("tsc failed outside the exports:\n{general}");
    }
    errors
}

/// One export: type errors, Payload's answer, then the two databases compared.
fn judge(
    pg: &Cluster,
    database: &str,
    e: &Exported,
    type_errors: Option<&str>,
    payload: Result<String, String>,
) -> Result<String, String> {
    if let Some(errors) = type_errors {
        return Err(format!("  tsc --strict refused the export:\n{errors}"));
    }
    let payload = payload.map_err(|m| format!("  Payload refused the export: {m}"))?;
    let mut allowed = Allowed::for_system(&e.system, e.has_auth, false);
    let payload = allowed.without_postgis(&payload);
    let scratch = TempDir::new(database);
    let read = |db: &str, sql: &[(&str, &str)]| {
        pg.create_database(db).map_err(|e| e.to_string())?;
        pg::apply(pg, db, sql, scratch.path())?;
        pg::read_catalog(pg, db)
    };
    let mut theirs = vec![("payload.sql", payload.as_str())];
    if let Some(extras) = &e.extras {
        theirs.push(("extras.sql", extras));
    }
    let ours: Vec<(&str, &str)> = e
        .migrations
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    read(&format!("{database}_payload"), &theirs).and_then(|payload| {
        let schemagen = read(&format!("{database}_schemagen"), &ours)?;
        compare(&payload, &schemagen, &mut allowed)
    })
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}
