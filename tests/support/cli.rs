//! The schemagen binary, run the way a user runs it: `build` into a folder, and `migrate …`
//! against a database.

use super::TempDir;
use std::path::Path;
use std::process::{Command, Output};

/// A project folder with one small Prisma-style system (`schemas/blog`), removed when the
/// test ends (or fails); `name` tells the temp folders of tests apart.
pub fn blog_project(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    std::fs::create_dir_all(dir.join("schemas/blog")).unwrap();
    std::fs::write(
        dir.join("schemas/blog/models.yaml"),
        "flavor: prisma\nmodels:\n  Post:\n    map: posts\n    fields: |\n      id    Int    @id @default(autoincrement())\n      title String @db.VarChar(200)\n",
    )
    .unwrap();
    dir
}

/// What a run printed, and its exit code.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn finish(output: Output) -> Ran {
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `schemagen migrate ARGS --out OUT`, in `out` (no schemagen.yaml there), on the database at `url`.
pub fn migrate_command(out: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_schemagen"));
    command
        .arg("migrate")
        .args(args)
        .arg("--out")
        .arg(out)
        .env("DATABASE_URL", url)
        .current_dir(out);
    command
}

pub fn migrate(out: &Path, url: &str, args: &[&str]) -> Ran {
    finish(
        migrate_command(out, url, args)
            .output()
            .expect("run schemagen"),
    )
}

/// Writes `yaml` as the only file of `system` under `schemas` and builds it into `out`; the
/// build must succeed.
pub fn build(schemas: &Path, out: &Path, system: &str, yaml: &str) {
    std::fs::create_dir_all(schemas.join(system)).unwrap();
    std::fs::write(schemas.join(system).join("models.yaml"), yaml).unwrap();
    let built = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(["build", "--schemas"])
        .arg(schemas)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}
