//! Property: any system schemagen accepts has migrations PostgreSQL applies, Rust that
//! compiles and TypeScript that `tsc --strict` accepts.
//!
//! Systems come from a small grammar per flavour: models (with names that are keywords
//! somewhere: `Order`, `Type`, `Self`, `Option`), scalar fields of every kind, optional,
//! unique and indexed, and a relation to an earlier model. Cases are batched: one cluster
//! (a fresh database per case), one `cargo check` of every `models.rs`, one `tsc` run. The
//! runner is seeded, so CI checks the same cases every time (`SCHEMAGEN_PROPTEST_CASES`,
//! default 24, runs more; `SCHEMAGEN_PROPTEST_SEED` picks other ones).

mod support;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::TempDir;

const MODEL_NAMES: &[&str] = &[
    "Order", "User", "Group", "Type", "Item", "Self", "Match", "Option", "Account", "Table",
];
const FIELD_NAMES: &[&str] = &[
    "type",
    "order",
    "select",
    "name",
    "class",
    "async",
    "value",
    "from",
    "ref",
    "key",
    "default",
    "constructor",
];

/// One model: its fields (name index, type index, optional, unique, indexed) and the earlier
/// model it refers to, counted back from it.
#[derive(Debug, Clone)]
struct Model {
    fields: Vec<(usize, usize, bool, bool, bool)>,
    parent: Option<usize>,
}

#[derive(Debug, Clone)]
struct System {
    flavour: usize,
    names: Vec<&'static str>,
    models: Vec<Model>,
}

fn types(flavour: usize) -> &'static [&'static str] {
    match flavour {
        0 => &[
            "String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes",
        ],
        1 => &[
            "text", "textarea", "number", "checkbox", "date", "email", "json", "code",
        ],
        _ => &[
            "string",
            "number",
            "integer",
            "boolean",
            "timestamp",
            "geopoint",
            "bytes",
            "map",
            "array<string>",
        ],
    }
}

fn model() -> impl Strategy<Value = Model> {
    let field = (
        0..FIELD_NAMES.len(),
        0..9usize,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    (
        prop::collection::vec(field, 1..5),
        prop::option::of(1..3usize),
    )
        .prop_map(|(mut fields, parent)| {
            // One field of a name per model.
            fields.sort_by_key(|f| f.0);
            fields.dedup_by_key(|f| f.0);
            Model { fields, parent }
        })
}

fn system() -> impl Strategy<Value = System> {
    (0..3usize, 1..5usize).prop_flat_map(|(flavour, count)| {
        (
            prop::sample::subsequence(MODEL_NAMES.to_vec(), count),
            prop::collection::vec(model(), count),
        )
            .prop_map(move |(names, models)| System {
                flavour,
                names,
                models,
            })
    })
}

/// The earlier model `model` refers to, if any.
fn parent_of(system: &System, i: usize) -> Option<usize> {
    system.models[i].parent.and_then(|back| i.checked_sub(back))
}

fn yaml(system: &System) -> String {
    match system.flavour {
        0 => prisma(system),
        1 => payload(system),
        _ => firestore(system),
    }
}

fn prisma(system: &System) -> String {
    let types = types(0);
    let mut out = String::from("flavor: prisma\nmodels:\n");
    for (i, model) in system.models.iter().enumerate() {
        out.push_str(&format!(
            "  {}:\n    fields: |\n      id Int @id @default(autoincrement())\n",
            system.names[i]
        ));
        let mut indexes = Vec::new();
        for &(name, ty, optional, unique, index) in &model.fields {
            let ty = types[ty % types.len()];
            // Prisma has no unique or index on Json and Bytes... nor does Postgres on json.
            let keyable = !matches!(ty, "Json" | "Bytes");
            out.push_str(&format!(
                "      {} {ty}{}{}\n",
                FIELD_NAMES[name],
                if optional { "?" } else { "" },
                if unique && keyable { " @unique" } else { "" }
            ));
            if index && keyable {
                indexes.push(FIELD_NAMES[name]);
            }
        }
        if let Some(p) = parent_of(system, i) {
            out.push_str(&format!(
                "      link{i}Id Int?\n      link{i} {}? @relation(fields: [link{i}Id], references: [id])\n",
                system.names[p]
            ));
        }
        for (j, _) in system
            .models
            .iter()
            .enumerate()
            .filter(|(j, _)| parent_of(system, *j) == Some(i))
        {
            out.push_str(&format!("      back{j} {}[]\n", system.names[j]));
        }
        for field in indexes {
            out.push_str(&format!("      @@index([{field}])\n"));
        }
    }
    out
}

fn slug(name: &str) -> String {
    name.to_lowercase()
}

fn payload(system: &System) -> String {
    let types = types(1);
    let mut out = String::from("flavor: payload\ncollections:\n");
    for (i, model) in system.models.iter().enumerate() {
        out.push_str(&format!(
            "  - slug: {}\n    fields:\n",
            slug(system.names[i])
        ));
        for &(name, ty, optional, unique, index) in &model.fields {
            let ty = types[ty % types.len()];
            out.push_str(&format!(
                "      - {{ name: {}, type: {ty}, required: {}, unique: {}, index: {} }}\n",
                FIELD_NAMES[name],
                !optional,
                unique && ty != "json",
                index && ty != "json"
            ));
        }
        if let Some(p) = parent_of(system, i) {
            out.push_str(&format!(
                "      - {{ name: link{i}, type: relationship, relationTo: {} }}\n",
                slug(system.names[p])
            ));
        }
    }
    out
}

fn firestore(system: &System) -> String {
    let types = types(2);
    let mut out = String::from("flavor: firestore\ncollections:\n");
    for (i, model) in system.models.iter().enumerate() {
        out.push_str(&format!("  {}:\n    fields:\n", slug(system.names[i])));
        for &(name, ty, optional, _, _) in &model.fields {
            let ty = types[ty % types.len()];
            out.push_str(&format!(
                "      {}: \"{ty}{}\"\n",
                FIELD_NAMES[name],
                if optional { "?" } else { "" }
            ));
        }
        if let Some(p) = parent_of(system, i) {
            out.push_str(&format!(
                "      link{i}: reference({})?\n",
                slug(system.names[p])
            ));
        }
    }
    out
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The generated systems, each rendered: (label, YAML, rendered files) of the accepted ones,
/// and how many were refused.
fn accepted_cases(scratch: &Path) -> (Vec<(String, String, schemagen::write::Tree)>, usize) {
    let cases = env_number("SCHEMAGEN_PROPTEST_CASES", 24);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&env_number("SCHEMAGEN_PROPTEST_SEED", 12).to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = system();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for n in 0..cases {
        let system = strategy.new_tree(&mut runner).unwrap().current();
        let label = format!("case{n:03}");
        let yaml = yaml(&system);
        let schemas = scratch.join(&label).join("schemas");
        std::fs::create_dir_all(schemas.join(&label)).unwrap();
        std::fs::write(schemas.join(&label).join("models.yaml"), &yaml).unwrap();
        let config = schemagen::config::Config {
            schemas,
            out: scratch.join(&label).join("generated"),
            ..Default::default()
        };
        let run = schemagen::generate(&config);
        if run.has_errors() {
            refused += 1;
            continue;
        }
        accepted.push((label, yaml, run.files));
    }
    (accepted, refused)
}

#[test]
fn accepted_systems_apply_to_postgres_and_compile_in_rust_and_typescript() {
    let scratch = TempDir::new("proptest");
    let (cases, refused) = accepted_cases(&scratch);
    assert!(
        cases.len() * 2 > cases.len() + refused,
        "most generated systems should be accepted ({} of {}): the grammar drifted",
        cases.len(),
        cases.len() + refused
    );
    apply_to_postgres(&cases, &scratch);
    compile_rust(&cases, &scratch);
    compile_typescript(&cases, &scratch);
    eprintln!(
        "property_systems: {} systems accepted and proven, {refused} refused",
        cases.len()
    );
}

fn files(tree: &schemagen::write::Tree, keep: impl Fn(&str) -> bool) -> Vec<(&str, &str)> {
    tree.iter()
        .filter(|(p, _)| keep(p))
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect()
}

fn apply_to_postgres(cases: &[(String, String, schemagen::write::Tree)], scratch: &Path) {
    let Some(pg) = support::pg::cluster("property_systems") else {
        return;
    };
    for (label, yaml, tree) in cases {
        let migrations = files(tree, |p| p.contains("/migrations/") && p.ends_with(".sql"));
        pg.create_database(label).unwrap();
        if let Err(e) = support::pg::apply(&pg, label, &migrations, &scratch.join(label)) {
            panic!("{label}: PostgreSQL refused the migration:\n{e}\nschema:\n{yaml}");
        }
    }
}

fn compile_rust(cases: &[(String, String, schemagen::write::Tree)], scratch: &Path) {
    let generated = scratch.join("rust");
    for (_, _, tree) in cases {
        for (path, contents) in files(tree, |p| p.ends_with("/models.rs")) {
            let file = generated.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, contents).unwrap();
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::repo_root().join("target"))
        .join("rust-consumer");
    let output = Command::new(cargo)
        .args([
            "check",
            "--locked",
            "--quiet",
            "--message-format",
            "short",
            "--manifest-path",
        ])
        .arg(support::repo_root().join("examples/rust-consumer/Cargo.toml"))
        .arg("--target-dir")
        .arg(target)
        .env("SCHEMAGEN_GENERATED_DIR", &generated)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo check rejected generated Rust:\n{}\nschemas:\n{}",
        String::from_utf8_lossy(&output.stderr),
        schemas_of(cases)
    );
}

fn compile_typescript(cases: &[(String, String, schemagen::write::Tree)], scratch: &Path) {
    let Some(tsc) = support::find_tsc() else {
        support::missing_tool(
            "property_systems",
            "no TypeScript compiler (see tests/typescript.rs)",
        );
        return;
    };
    let dir = scratch.join("typescript");
    let mut relative = Vec::new();
    for (_, _, tree) in cases {
        for (path, contents) in files(tree, |p| p.ends_with("/types.ts")) {
            std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            std::fs::write(dir.join(path), contents).unwrap();
            relative.push(path.to_string());
        }
    }
    let project = serde_json::json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "noUnusedLocals": true, "noUnusedParameters": true,
            "target": "es2022", "module": "esnext", "moduleDetection": "force", "types": []
        },
        "files": relative,
    });
    std::fs::write(dir.join("tsconfig.json"), project.to_string()).unwrap();
    let output = Command::new(&tsc)
        .args(["-p", ".", "--pretty", "false"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "tsc rejected generated TypeScript:\n{}{}\nschemas:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        schemas_of(cases)
    );
}

fn schemas_of(cases: &[(String, String, schemagen::write::Tree)]) -> String {
    cases
        .iter()
        .map(|(label, yaml, _)| format!("--- {label}\n{yaml}"))
        .collect()
}
