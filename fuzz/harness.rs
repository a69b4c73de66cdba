//! The fuzz input and what is checked about it; shared by the fuzz target and by
//! `tests/fuzz_replay.rs`, which replays every kept finding in an ordinary test.
//!
//! Input: chunks separated by a NUL byte, at most [`MAX_CHUNKS`]. A chunk's first byte picks
//! what the rest is: a YAML file as it is, a YAML file of one flavour (its `flavor:` line is
//! prepended), or the previous `schema.json`. The files form one system, which goes through
//! load → flavours → validate → plan → render twice: it must not panic or hang, and the two
//! runs must agree byte for byte (files and diagnostics).
#![allow(dead_code)] // the fuzz target decodes, the replay test also encodes

use std::path::Path;

pub const MAX_CHUNKS: usize = 6;
const FLAVOURS: [&str; 3] = ["prisma", "payload", "firestore"];

/// The system's YAML files and the previous `schema.json`, if any.
pub fn decode(data: &[u8]) -> (Vec<Vec<u8>>, Option<Vec<u8>>) {
    let mut files = Vec::new();
    let mut previous = None;
    for chunk in data.split(|&b| b == 0).take(MAX_CHUNKS) {
        let Some((&selector, body)) = chunk.split_first() else {
            continue;
        };
        match selector % 5 {
            0 => files.push(body.to_vec()),
            4 => previous = Some(body.to_vec()),
            n => {
                let mut file = format!("flavor: {}\n", FLAVOURS[n as usize - 1]).into_bytes();
                file.extend_from_slice(body);
                files.push(file);
            }
        }
    }
    (files, previous)
}

/// The input [`decode`] turns back into these YAML files (at most [`MAX_CHUNKS`] of them):
/// a file's `flavor:` line moves into its chunk's first byte. The seed corpus is made so
/// (`scripts/fuzz corpus` does the same in Python).
pub fn encode(files: &[&str]) -> Vec<u8> {
    let chunks: Vec<Vec<u8>> = files
        .iter()
        .take(MAX_CHUNKS)
        .map(|text| {
            let flavour = text
                .lines()
                .find_map(|l| l.strip_prefix("flavor:"))
                .map(str::trim);
            let selector = FLAVOURS
                .iter()
                .position(|f| Some(*f) == flavour)
                .map_or(0, |i| i as u8 + 1);
            let body: String = if selector == 0 {
                text.to_string()
            } else {
                text.lines()
                    .filter(|l| !l.starts_with("flavor:"))
                    .map(|l| format!("{l}\n"))
                    .collect()
            };
            let mut chunk = vec![selector];
            chunk.extend(body.bytes().filter(|&b| b != 0));
            chunk
        })
        .collect();
    chunks.join(&0)
}

/// Runs the pipeline on `data` in the scratch folder `dir` (emptied first) and checks it.
pub fn run(data: &[u8], dir: &Path) {
    let (files, previous) = decode(data);
    let _ = std::fs::remove_dir_all(dir);
    let system = dir.join("schemas").join("app");
    std::fs::create_dir_all(&system).expect("scratch folder");
    for (i, file) in files.iter().enumerate() {
        std::fs::write(system.join(format!("f{i}.yaml")), file).expect("scratch file");
    }
    let out = dir.join("generated");
    if let Some(previous) = previous {
        std::fs::create_dir_all(out.join("app")).expect("scratch folder");
        std::fs::write(out.join("app").join("schema.json"), previous).expect("scratch file");
    }
    let config = schemagen::config::Config {
        schemas: dir.join("schemas"),
        out,
        ..Default::default()
    };
    let first = schemagen::generate(&config);
    let second = schemagen::generate(&config);
    assert_eq!(
        first.diagnostics, second.diagnostics,
        "diagnostics differ run to run"
    );
    assert_eq!(first.files, second.files, "output differs run to run");
    if !first.has_errors() {
        assert!(
            first.files.keys().any(|p| p.ends_with("schema.json")),
            "an accepted system rendered no schema.json"
        );
    }
    // Every diagnostic can be shown: rendering resolves its spans in the sources.
    let _ = schemagen::diagnostics::render::human(&first.diagnostics, &first.sources);
}
