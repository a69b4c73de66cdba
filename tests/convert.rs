//! `schemagen convert`: every seed system converted to Prisma-style builds to the same IR.

mod support;

use schemagen::config::Config;
use schemagen::convert::{self, Target};
use schemagen::diagnostics::render::human;

const SEEDS: [&str; 5] = [
    "alphadome",
    "botcafe",
    "collective_writing",
    "contentpilot",
    "mitche",
];

fn compile(system: &str) -> schemagen::Run {
    let config = Config {
        schemas: support::repo_root().join("schemas"),
        systems: vec![system.to_string()],
        ..Config::at(support::repo_root())
    };
    let run = schemagen::compile(&config);
    assert!(
        !run.has_errors(),
        "{}",
        human(&run.diagnostics, &run.sources)
    );
    run
}

#[test]
fn seed_systems_convert_to_prisma() {
    let mut failures = Vec::new();
    for system in SEEDS {
        let run = compile(system);
        let converted = convert::convert(&run.systems[0], &run.sources, Target::Prisma);
        if converted.has_errors() {
            failures.push(format!(
                "{system}:\n{}",
                human(&converted.diagnostics, &converted.sources)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
