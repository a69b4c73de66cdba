//! The ER diagrams count only when Mermaid's own parser reads them: every `README.md` the
//! project's systems, the `ok` fixtures and the scenarios render is split into its Mermaid
//! blocks, and every block goes through `mermaid.parse` (npm, offline) in one node run.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use support::TempDir;

const TEST: &str = "every_rendered_diagram_is_read_by_mermaid";

#[test]
fn every_rendered_diagram_is_read_by_mermaid() {
    let Some(mermaid) = Mermaid::find(TEST) else {
        return;
    };
    let mut diagrams: Vec<(String, String)> = Vec::new();
    for case in support::cases() {
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for system in &run.systems {
            for (_, readme) in support::system_files(&run, &system.name, |p| p == "README.md") {
                for (n, block) in mermaid_blocks(readme).into_iter().enumerate() {
                    let label = format!("{}/{} diagram {}", case.label, system.name, n + 1);
                    diagrams.push((label, block));
                }
            }
        }
    }
    assert!(
        diagrams.len() > 40,
        "only {} diagrams were rendered: the diagram target is not on",
        diagrams.len()
    );
    let texts: Vec<&str> = diagrams.iter().map(|(_, text)| text.as_str()).collect();
    let refused: Vec<String> = diagrams
        .iter()
        .zip(mermaid.parse(&texts))
        .filter_map(|((label, text), error)| Some(format!("{label}: {}\n{text}", error?)))
        .collect();
    assert!(
        refused.is_empty(),
        "Mermaid refuses {} diagram(s):\n{}",
        refused.len(),
        refused.join("\n\n")
    );
}

/// The oracle is no rubber stamp: a relation with a cardinality Mermaid has no symbol for, and
/// an entity name it would read as a keyword, are refused.
#[test]
fn mermaid_refuses_a_broken_diagram() {
    let Some(mermaid) = Mermaid::find("mermaid_refuses_a_broken_diagram") else {
        return;
    };
    let good = "erDiagram\n    \"users\" {\n        uuid id PK\n    }\n    \"users\" ||..o{ \"posts\" : \"author_id\"\n";
    let broken_relation = good.replace("||..o{", "||..o");
    let keyword_entity = good.replace("\"users\" ||", "one ||");
    let results = mermaid.parse(&[good, &broken_relation, &keyword_entity]);
    assert_eq!(results[0], None, "the good diagram is refused");
    assert!(results[1].is_some(), "a broken relation is read");
    assert!(results[2].is_some(), "an unquoted keyword entity is read");
}

/// The text of every ```` ```mermaid ```` block of a Markdown file.
fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line) {
            (None, "```mermaid") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed mermaid block:\n{markdown}");
    blocks
}

/// Mermaid's parser, run by node from the copy `scripts/test` installs in `.tmp/node`.
struct Mermaid {
    node: PathBuf,
    /// The script beside a `node_modules` link: ES modules resolve imports from where they live.
    dir: TempDir,
}

impl Mermaid {
    fn find(test: &str) -> Option<Mermaid> {
        let modules = support::repo_root().join(".tmp/node/node_modules");
        let Some(node) = support::on_path("node") else {
            support::missing_tool(test, "no `node` on PATH to run Mermaid's parser with");
            return None;
        };
        if !modules.join("mermaid/package.json").is_file() {
            support::missing_tool(
                test,
                "no mermaid in .tmp/node: run `scripts/test`, which installs it",
            );
            return None;
        }
        let dir = TempDir::new("mermaid");
        let script = support::repo_root().join("tests/oracle/mermaid-parse.mjs");
        std::fs::copy(&script, dir.path().join("mermaid-parse.mjs")).unwrap();
        std::os::unix::fs::symlink(&modules, dir.path().join("node_modules")).unwrap();
        Some(Mermaid { node, dir })
    }

    /// Per diagram, `None` when Mermaid reads it as an `erDiagram`, else its error.
    fn parse(&self, diagrams: &[&str]) -> Vec<Option<String>> {
        let mut child = Command::new(&self.node)
            .args(["--no-warnings", "mermaid-parse.mjs"])
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.node.display()));
        let input = serde_json::to_vec(diagrams).unwrap();
        let mut stdin = child.stdin.take().expect("stdin is piped");
        std::io::Write::write_all(&mut stdin, &input).unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "mermaid-parse.mjs failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let results: Vec<Option<String>> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(results.len(), diagrams.len(), "one result per diagram");
        results
    }
}
