//! The docs cannot rot: every complete YAML example in README.md and docs/ (a ```yaml block
//! that starts with `flavor:`) must build without errors, and every rendered output must come
//! out of it. A block that is meant to fail says so on its first line: `# error: E0xxx`.

use schemagen::diagnostics::Diagnostics;
use schemagen::load::{self, LoadedFile, SystemFiles};
use std::path::{Path, PathBuf};

fn markdown_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    files.extend(
        walkdir::WalkDir::new(root.join("docs"))
            .into_iter()
            .filter_map(Result::ok)
            .map(walkdir::DirEntry::into_path)
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    files.sort();
    files
}

/// (line, text) of each ```yaml block that is a whole schema file.
fn yaml_examples(markdown: &str) -> Vec<(usize, String)> {
    let mut examples = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, "```yaml") => current = Some((n + 2, String::new())),
            (Some(_), "```") => {
                let (start, text) = current.take().unwrap();
                let body = text.trim_start_matches(['#', ' ']);
                if text.starts_with("flavor:")
                    || (text.starts_with("# error:") && body.contains("flavor:"))
                {
                    examples.push((start, text));
                }
            }
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

fn codes_of(text: &str) -> Vec<String> {
    let mut diags = Diagnostics::default();
    let root = match load::parse_text(text, 0) {
        Ok(root) => root,
        Err(d) => return vec![d.code.to_string()],
    };
    let files = SystemFiles {
        name: "example".into(),
        files: vec![LoadedFile { id: 0, root }],
    };
    let system = schemagen::flavours::lower(&files, &mut diags);
    schemagen::validate::validate(&system, &mut diags);
    diags
        .into_sorted()
        .iter()
        .filter(|d| d.severity == schemagen::diagnostics::Severity::Error)
        .map(|d| d.code.to_string())
        .collect()
}

#[test]
fn every_yaml_example_in_the_docs_builds_or_fails_as_it_says() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in markdown_files() {
        let markdown = std::fs::read_to_string(&file).unwrap();
        for (line, text) in yaml_examples(&markdown) {
            checked += 1;
            let codes = codes_of(&text);
            let expected = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# error: "))
                .map(str::trim);
            let ok = match expected {
                Some(code) => codes.iter().any(|c| c == code),
                None => codes.is_empty(),
            };
            if !ok {
                problems.push(format!(
                    "{}:{line}: expected {}, got {codes:?}",
                    file.display(),
                    expected.unwrap_or("no error")
                ));
            }
        }
    }
    assert!(checked >= 5, "only {checked} examples found");
    assert!(
        problems.is_empty(),
        "{} of {checked} doc examples are wrong:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
