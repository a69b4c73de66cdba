//! Hostile and mistaken inputs, generated in loops: raw SQL that would end its statement, in
//! every raw SQL field of every flavour; names hiding invisible characters; and the limits on
//! YAML and on a system's size. Each must be refused with its own code and a message in our
//! words, or accepted when it is legal (tests/raw_sql.rs applies the legal ones to Postgres).

mod support;

use schemagen::config::Config;
use schemagen::Run;
use support::TempDir;

/// load → flavours → validate, for one system `app` made of `files`.
fn compile(label: &str, files: &[(&str, String)], shorten: bool) -> Run {
    let dir = TempDir::new(label);
    let system = dir.path().join("app");
    std::fs::create_dir_all(&system).unwrap();
    for (name, text) in files {
        std::fs::write(system.join(name), text).unwrap();
    }
    schemagen::compile(&Config {
        schemas: dir.path().to_path_buf(),
        shorten_identifiers: shorten,
        ..Default::default()
    })
}

fn report(run: &Run) -> String {
    schemagen::diagnostics::render::human(&run.diagnostics, &run.sources)
}

fn has(run: &Run, code: &str) -> bool {
    run.diagnostics.iter().any(|d| d.code.as_str() == code)
}

/// SQL that ends its statement, swallows the rest or leaves a quote or bracket open.
const ENDERS: &[&str] = &[
    "true; DROP TABLE victim",
    "true -- the rest of the line",
    "true /* the rest",
    "true) OR (true",
    "(true",
    "true]",
    "title = 'open",
    "\"open = 1",
    "title = $$open",
    "title = $a$ open $b$",
    "title = E'\\'; DROP TABLE victim; --",
    // With standard_conforming_strings off the server reads `'\' , '` as one string.
    "title IN ('\\' , ';DROP TABLE victim;--')",
    "true, false",
];

/// Expressions that look dangerous and are one expression each.
const LEGAL: &[&str] = &[
    "title <> 'a; DROP TABLE victim; --'",
    "title <> 'it''s; fine'",
    "title <> $$ ); -- $$",
    "title <> $tag$ $$ ; $tag$",
    "title <> E'\\'; --'",
    "(length(title) > (1 + (2 * 3)))",
    "\"title\" IS NOT NULL",
];

/// The five raw SQL places of the Prisma flavour, with `sql` in the given one.
fn prisma(place: &str, sql: &str) -> String {
    // JSON strings are YAML double-quoted scalars; a Prisma string escapes `\` and `"`.
    let yaml = serde_json::to_string(sql).unwrap();
    let prisma = sql.replace('\\', "\\\\").replace('"', "\\\"");
    let default = match place {
        "default" => format!("@default(dbgenerated(\"{prisma}\"))"),
        _ => String::new(),
    };
    let extra = match place {
        "check" => format!("    checks:\n      guarded: {yaml}\n"),
        "where" => format!(
            "    indexes:\n      - name: partial\n        columns: [title]\n        where: {yaml}\n"
        ),
        "expression" => format!("    indexes:\n      - name: expr\n        expression: {yaml}\n"),
        "access" => format!("    access:\n      read:\n        - sql: {yaml}\n"),
        _ => String::new(),
    };
    format!(
        "flavor: prisma\nmodels:\n  Post:\n    fields: |\n      id    Int    @id\n      title String\n      rank  Int    {default}\n{extra}"
    )
}

fn payload(sql: &str) -> String {
    let yaml = serde_json::to_string(sql).unwrap();
    format!(
        "flavor: payload\ncollections:\n  - slug: posts\n    fields:\n      - {{ name: title, type: text }}\n    access:\n      read:\n        - sql: {yaml}\n"
    )
}

fn firestore(sql: &str) -> String {
    let yaml = serde_json::to_string(sql).unwrap();
    format!(
        "flavor: firestore\ncollections:\n  posts:\n    fields:\n      title: string\n    access:\n      read:\n        - sql: {yaml}\n"
    )
}

/// Every raw SQL field of every flavour, holding `sql`: (label, file name, YAML).
fn every_place(sql: &str) -> Vec<(String, &'static str, String)> {
    let mut out: Vec<(String, &'static str, String)> =
        ["check", "where", "expression", "default", "access"]
            .iter()
            .map(|place| (format!("prisma {place}"), "app.yaml", prisma(place, sql)))
            .collect();
    out.push(("payload access".into(), "app.yaml", payload(sql)));
    out.push(("firestore access".into(), "app.yaml", firestore(sql)));
    out
}

#[test]
fn every_raw_sql_field_refuses_what_would_end_its_statement() {
    let mut missed = Vec::new();
    for (n, sql) in ENDERS.iter().enumerate() {
        for (label, file, yaml) in every_place(sql) {
            let run = compile(&format!("ender{n}"), &[(file, yaml)], false);
            if !has(&run, "E0208") {
                missed.push(format!("{label}: {sql}\n{}", report(&run)));
            }
        }
    }
    assert!(missed.is_empty(), "not refused:\n{}", missed.join("\n"));
}

#[test]
fn legal_expressions_that_look_dangerous_are_accepted_everywhere() {
    let mut refused = Vec::new();
    for (n, sql) in LEGAL.iter().enumerate() {
        for (label, file, yaml) in every_place(sql) {
            let run = compile(&format!("legal{n}"), &[(file, yaml)], false);
            if run.has_errors() {
                refused.push(format!("{label}: {sql}\n{}", report(&run)));
            }
        }
    }
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
}

#[test]
fn a_default_cannot_smuggle_in_a_column_constraint() {
    for sql in [
        "0 NOT NULL",
        "0 REFERENCES victim (id)",
        "0 PRIMARY KEY",
        "0 CHECK (false)",
    ] {
        let run = compile("constraint", &[("app.yaml", prisma("default", sql))], false);
        assert!(has(&run, "E0208"), "{sql}:\n{}", report(&run));
    }
    let run = compile(
        "is-not-null",
        &[("app.yaml", prisma("default", "NULL"))],
        false,
    );
    assert!(!run.has_errors(), "{}", report(&run));
}

/// Characters that make a name read differently than it is.
const INVISIBLE: &[char] = &[
    '\n', '\r', '\0', '\t', '\u{202E}', '\u{2066}', '\u{200B}', '\u{FEFF}',
];

#[test]
fn names_hiding_invisible_characters_are_refused_in_every_flavour() {
    let mut missed = Vec::new();
    for c in INVISIBLE {
        let name = serde_json::to_string(&format!("no{c}tes")).unwrap();
        let field = serde_json::to_string(&format!("ti{c}tle")).unwrap();
        let files = [
            format!("flavor: firestore\ncollections:\n  {name}:\n    fields:\n      {field}: string\n"),
            format!("flavor: payload\ncollections:\n  - slug: {name}\n    fields:\n      - {{ name: {field}, type: text }}\n"),
        ];
        for yaml in files {
            let run = compile("invisible", &[("app.yaml", yaml.clone())], false);
            let found = run
                .diagnostics
                .iter()
                .filter(|d| d.code.as_str() == "E0219")
                .count();
            // The collection and the field, each named once.
            if found < 2 {
                missed.push(format!("U+{:04X} in\n{yaml}\n{}", *c as u32, report(&run)));
            }
            // Line breaks and tabs lay the report out; any other one would be the name's.
            let raw = !matches!(c, '\n' | '\t') && report(&run).contains(*c);
            assert!(!raw, "the report echoes U+{:04X} raw", *c as u32);
        }
    }
    assert!(missed.is_empty(), "not refused:\n{}", missed.join("\n"));
}

#[test]
fn yaml_limits_speak_in_our_words_with_their_values() {
    // More nodes than the limit: a list of 5,000,001 numbers (10 MB).
    let list = format!("flavor: firestore\nx: [{}1]\n", "1,".repeat(5_000_000));
    let run = compile("nodes", &[("app.yaml", list)], false);
    let text = report(&run);
    assert!(has(&run, "E0009"), "{text}");
    assert!(
        text.contains("5000000"),
        "the limit's value is in the message: {text}"
    );
    assert!(
        text.len() < 2_000,
        "a 10 MB line is clipped, not echoed: {} bytes",
        text.len()
    );

    // Deeper than the limit, and just within it: the parser's own stack holds.
    let nested = |depth: usize| format!("flavor: firestore\nx:\n  {}x\n", "- ".repeat(depth));
    let deep = compile("deep", &[("app.yaml", nested(300))], false);
    assert!(has(&deep, "E0008"), "{}", report(&deep));
    assert!(report(&deep).contains("256"), "{}", report(&deep));
    let within = compile("within", &[("app.yaml", nested(250))], false);
    assert!(!has(&within, "E0008"), "{}", report(&within));

    // None of the parser's own words reach the user.
    let leaky = [
        (
            "dup",
            "flavor: firestore\ncollections: {}\ncollections: {}\n",
        ),
        ("docs", "flavor: firestore\n---\nflavor: firestore\n"),
        ("tag", "flavor: !custom firestore\n"),
    ];
    for (label, yaml) in leaky {
        let text = report(&compile(label, &[("app.yaml", yaml.to_string())], false));
        for internal in ["Options", "from_str", "budget", "Policy", "breach"] {
            assert!(!text.contains(internal), "{label}: `{internal}` in\n{text}");
        }
    }
}

#[test]
fn firestore_subcollections_a_hundred_levels_deep_compile() {
    let mut yaml = String::from("flavor: firestore\ncollections:\n");
    let mut indent = String::from("  ");
    for level in 0..100 {
        yaml.push_str(&format!(
            "{indent}c{level}:\n{indent}  fields:\n{indent}    title: string\n"
        ));
        yaml.push_str(&format!("{indent}  subcollections:\n"));
        indent.push_str("    ");
    }
    yaml.push_str(&format!(
        "{indent}leaf:\n{indent}  fields:\n{indent}    title: string\n"
    ));
    // A hundred nested names exceed 63 bytes: `identifiers: shorten` keeps them apart.
    let run = compile("subcollections", &[("app.yaml", yaml)], true);
    assert!(!run.has_errors(), "{}", report(&run));
    assert_eq!(run.systems[0].tables.len(), 101);
}

#[test]
fn fifty_thousand_models_compile() {
    // In Firestore's style each model is eight YAML nodes: 400,000 in all, past the parser's
    // default budget of 250,000 that used to cap a system at about 41,000 models.
    let mut yaml = String::from("flavor: firestore\ncollections:\n");
    for i in 0..50_000 {
        yaml.push_str(&format!(
            "  m{i}:\n    fields:\n      title: string\n      n: number\n"
        ));
    }
    let run = compile("fifty-thousand", &[("app.yaml", yaml)], false);
    assert!(!run.has_errors(), "{}", report(&run));
    assert_eq!(run.systems[0].tables.len(), 50_000);
}

#[test]
fn a_system_over_the_table_limit_is_refused() {
    use schemagen::diagnostics::Diagnostics;
    use schemagen::load::{LoadedFile, SystemFiles};
    // One table lowered from YAML, copied under new names past the limit: the check is about
    // the count, and 100,001 models through the parser would only make the test slow.
    let yaml = "flavor: firestore\ncollections:\n  m: { fields: { t: string } }\n";
    let files = SystemFiles {
        name: "big".into(),
        files: vec![LoadedFile {
            id: 0,
            root: schemagen::load::parse_text(yaml, 0).unwrap(),
        }],
    };
    let mut diags = Diagnostics::default();
    let mut system = schemagen::flavours::lower(&files, &mut diags);
    let table = system.tables.pop().unwrap();
    system.tables = (0..=100_000)
        .map(|i| {
            let mut t = table.clone();
            t.name = format!("m{i}");
            t.db_name.name = format!("m{i}");
            t.primary_key.as_mut().unwrap().db_name = format!("m{i}_pkey");
            t
        })
        .collect();
    schemagen::validate::validate(&system, &mut diags);
    let found: Vec<_> = diags
        .iter()
        .map(|d| (d.code.as_str(), &d.message))
        .collect();
    assert!(
        found
            == [(
                "E0218",
                &"system big has 100001 tables, over the limit of 100000 per system".to_string()
            )],
        "{found:?}"
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_by_its_size() {
    let dir = TempDir::new("too-large");
    let system = dir.path().join("app");
    std::fs::create_dir_all(&system).unwrap();
    // A sparse file: its size says 64 MiB + 1 without writing them.
    let file = std::fs::File::create(system.join("huge.yaml")).unwrap();
    file.set_len(schemagen::load::MAX_FILE_BYTES + 1).unwrap();
    let run = schemagen::compile(&Config {
        schemas: dir.path().to_path_buf(),
        ..Default::default()
    });
    let text = report(&run);
    assert!(has(&run, "E0021"), "{text}");
    assert!(
        text.contains("67108864"),
        "the limit's value is in the message: {text}"
    );
    assert!(
        !text.contains(":0:0"),
        "a file-level diagnostic has no line: {text}"
    );
}
