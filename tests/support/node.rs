//! Another stack's own tool, run by node from the copy `scripts/test` installs in `.tmp/node`
//! (Prisma's schema engine, Payload's schema builder, drizzle-kit): one script from
//! `tests/oracle/`, fed on stdin, answering on stdout.
#![allow(dead_code)]

use super::TempDir;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct Script {
    node: PathBuf,
    name: &'static str,
    /// Holds a copy of the script next to a `node_modules` link: ES modules resolve their
    /// imports from where the importing file lives (NODE_PATH does not apply to them).
    dir: TempDir,
}

impl Script {
    /// `tests/oracle/<name>`, when node and `package` (a path below `node_modules`, e.g.
    /// `@prisma/schema-engine-wasm/package.json`) are there; otherwise the missing-tool rule.
    pub fn find(test: &str, name: &'static str, package: &str, tool: &str) -> Option<Script> {
        let modules = super::repo_root().join(".tmp/node/node_modules");
        let Some(node) = super::on_path("node") else {
            super::missing_tool(test, &format!("no `node` on PATH to run {tool} with"));
            return None;
        };
        if !modules.join(package).is_file() {
            let package = package.trim_end_matches("/package.json");
            super::missing_tool(
                test,
                &format!("no {package} in .tmp/node: run `scripts/test`, which installs it"),
            );
            return None;
        }
        let dir = TempDir::new(name.trim_end_matches(".mjs"));
        let script = super::repo_root().join("tests/oracle").join(name);
        std::fs::copy(&script, dir.path().join(name))
            .unwrap_or_else(|e| panic!("copying {}: {e}", script.display()));
        std::os::unix::fs::symlink(&modules, dir.path().join("node_modules"))
            .unwrap_or_else(|e| panic!("linking {}: {e}", modules.display()));
        Some(Script { node, name, dir })
    }

    /// The script's stdout for `input`; its error message (without node's stack trace) when
    /// it fails.
    pub fn run(&self, node_flags: &[&str], input: &str) -> Result<String, String> {
        self.run_with_args(node_flags, &[], input)
    }

    /// [`Script::run`] with arguments for the script.
    pub fn run_with_args(
        &self,
        node_flags: &[&str],
        args: &[&str],
        input: &str,
    ) -> Result<String, String> {
        let mut child = Command::new(&self.node)
            .args(node_flags)
            .arg(self.name)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.node.display()))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        std::io::Write::write_all(&mut stdin, input.as_bytes())
            .map_err(|e| format!("writing to node: {e}"))?;
        drop(stdin);
        let output = child
            .wait_with_output()
            .map_err(|e| format!("waiting for node: {e}"))?;
        if !output.status.success() {
            return Err(message(&String::from_utf8_lossy(&output.stderr)));
        }
        String::from_utf8(output.stdout).map_err(|e| format!("node wrote no UTF-8: {e}"))
    }
}

/// The tool's message: from the line that starts with `Error` (after node's excerpt of the
/// source it threw in), or from the start, up to the stack trace.
fn message(stderr: &str) -> String {
    let until_trace = |lines: &mut dyn Iterator<Item = &str>| -> Vec<String> {
        lines
            .take_while(|line| !line.trim_start().starts_with("at "))
            .map(str::to_string)
            .collect()
    };
    let from_error = until_trace(&mut stderr.lines().skip_while(|l| !l.starts_with("Error")));
    let lines = if from_error.is_empty() {
        until_trace(&mut stderr.lines())
    } else {
        from_error
    };
    if lines.is_empty() {
        stderr.to_string()
    } else {
        lines.join("\n")
    }
}
