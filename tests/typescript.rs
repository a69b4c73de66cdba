//! Generated TypeScript counts only when `tsc --strict` accepts it: every rendered `types.ts`
//! (the project's systems, the `ok` fixtures, the scenarios) is type-checked in one run.

mod support;

use std::process::Command;
use support::TempDir;

const TEST: &str = "every_rendered_types_ts_passes_tsc_strict";

#[test]
fn every_rendered_types_ts_passes_tsc_strict() {
    let Some(tsc) = support::find_tsc() else {
        support::missing_tool(
            TEST,
            "no TypeScript compiler: set SCHEMAGEN_TSC, run `scripts/test` (installs it into .tmp/node) or put tsc on PATH",
        );
        return;
    };
    let dir = TempDir::new("typescript");
    let mut files = Vec::new();
    for case in support::cases() {
        let out = TempDir::new(&case.label);
        let run = support::generate(&case.label, &case.config(out.path()));
        for system in &run.systems {
            for (path, contents) in support::system_files(&run, &system.name, |p| p == "types.ts") {
                let file = dir.path().join(&case.label).join(&system.name).join(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, contents).unwrap();
                files.push(file);
            }
        }
    }
    assert!(
        !files.is_empty(),
        "no types.ts was rendered: nothing to check"
    );

    // A project file, because `types: []` (no ambient @types from wherever tsc is installed)
    // has no command-line spelling; the flags that matter are repeated on the command line.
    let relative: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    let project = serde_json::json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "noUnusedLocals": true, "noUnusedParameters": true,
            // Each file is a module on its own.
            "target": "es2022", "module": "esnext", "moduleDetection": "force", "types": []
        },
        "files": relative,
    });
    std::fs::write(dir.path().join("tsconfig.json"), project.to_string()).unwrap();
    let output = Command::new(&tsc)
        .args([
            "-p",
            ".",
            "--strict",
            "--noEmit",
            "--noUnusedLocals",
            "--pretty",
            "false",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tsc.display()));
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tsc rejected the generated TypeScript ({} files):\n{}",
        files.len(),
        report
    );
    eprintln!("tsc --strict accepted {} types.ts files", files.len());
}
