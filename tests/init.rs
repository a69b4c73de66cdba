//! The first hour: `schemagen init` in each flavour, then `build` (from a subfolder: the project
//! is found upwards) and `migrate deploy` on a real database, as the README tells a new user.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::{finish, Ran};
use support::TempDir;

fn schemagen(dir: &Path, args: &[&str]) -> Ran {
    finish(
        Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .args(args)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run schemagen"),
    )
}

#[test]
fn each_flavour_starts_a_project_that_builds_and_deploys() {
    const TEST: &str = "each_flavour_starts_a_project_that_builds_and_deploys";
    let Some(pg) = support::pg::cluster(TEST) else {
        return;
    };
    for flavour in ["prisma", "payload", "firestore"] {
        let dir = TempDir::new(&format!("init-{flavour}"));
        let init = schemagen(dir.path(), &["init", "--flavour", flavour]);
        assert_eq!(init.code, 0, "{flavour}: {}", init.all());
        let models = std::fs::read_to_string(dir.path().join("schemas/app/models.yaml")).unwrap();
        assert!(models.contains(&format!("flavor: {flavour}")), "{models}");
        assert!(dir.path().join("schemagen.yaml").is_file());
        let workflow =
            std::fs::read_to_string(dir.path().join(".github/workflows/schemagen.yml")).unwrap();
        assert!(workflow.contains("schemagen check"), "{workflow}");

        // Run from inside the system's folder: the project is the nearest folder upwards.
        let build = schemagen(&dir.path().join("schemas/app"), &["build"]);
        assert_eq!(build.code, 0, "{flavour}: {}", build.all());
        let migration = dir.path().join("generated/app/migrations/0001_init.sql");
        assert!(migration.is_file(), "{flavour}: no {}", migration.display());
        assert_eq!(schemagen(dir.path(), &["check"]).code, 0);
        type_check(dir.path(), flavour);

        pg.create_database(flavour).unwrap();
        let url = pg.connection_string(flavour);
        let deploy = schemagen(dir.path(), &["migrate", "deploy", "--database-url", &url]);
        assert_eq!(deploy.code, 0, "{flavour}: {}", deploy.all());
        let status = schemagen(dir.path(), &["migrate", "status", "--database-url", &url]);
        assert_eq!(status.code, 0, "{flavour}: {}", status.all());
        let tables = pg
            .query(
                flavour,
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            )
            .unwrap();
        assert!(
            tables[0][0].parse::<u32>().unwrap() >= 2,
            "{flavour}: {tables:?}"
        );
    }
}

/// The build stamp is kept out of version control: `init` writes a `.gitignore` where none is,
/// and leaves an existing one as it is, saying what to add.
#[test]
fn init_ignores_the_build_stamp_without_touching_an_existing_gitignore() {
    let fresh = TempDir::new("init-ignore-fresh");
    assert_eq!(schemagen(fresh.path(), &["init"]).code, 0);
    let ignore = std::fs::read_to_string(fresh.path().join(".gitignore")).unwrap();
    assert_eq!(ignore, "/generated/.schemagen-stamp*\n");

    let existing = TempDir::new("init-ignore-existing");
    std::fs::write(existing.path().join(".gitignore"), "node_modules/\n").unwrap();
    let init = schemagen(existing.path(), &["init"]);
    assert_eq!(init.code, 0, "{}", init.all());
    assert!(
        init.all()
            .contains("add `/generated/.schemagen-stamp*` to .gitignore"),
        "{}",
        init.all()
    );
    let ignore = std::fs::read_to_string(existing.path().join(".gitignore")).unwrap();
    assert_eq!(
        ignore, "node_modules/\n",
        "init changed a file it did not create"
    );
}

/// `SCHEMAGEN_TSC`, else the copy `scripts/test` installs, else `tsc` on PATH.
fn find_tsc() -> Option<PathBuf> {
    if let Some(tsc) = std::env::var_os("SCHEMAGEN_TSC") {
        return Some(tsc.into());
    }
    let local = support::repo_root().join(".tmp/node/node_modules/.bin/tsc");
    if local.is_file() {
        return Some(local);
    }
    support::on_path("tsc")
}

/// The starter's `types.ts` passes `tsc --strict` (a loud skip without tsc, outside CI).
fn type_check(project: &Path, flavour: &str) {
    let Some(tsc) = find_tsc() else {
        support::missing_tool(
            "each_flavour_starts_a_project_that_builds_and_deploys",
            "no TypeScript compiler: the starters' types.ts were not type-checked",
        );
        return;
    };
    let config = serde_json::json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "noUnusedLocals": true, "noUnusedParameters": true,
            "target": "es2022", "module": "esnext", "moduleDetection": "force", "types": []
        },
        "files": ["generated/app/types.ts"],
    });
    std::fs::write(project.join("tsconfig.json"), config.to_string()).unwrap();
    let out = Command::new(&tsc)
        .args(["-p", ".", "--pretty", "false"])
        .current_dir(project)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tsc.display()));
    assert!(
        out.status.success(),
        "{flavour}: tsc rejected the starter's types.ts:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn init_never_overwrites_a_file() {
    let dir = TempDir::new("init-twice");
    std::fs::write(dir.path().join("schemagen.yaml"), "# mine\n").unwrap();
    let init = schemagen(dir.path(), &["init"]);
    assert_eq!(init.code, 1, "{}", init.all());
    assert!(
        init.stderr.contains("error[E0850]") && init.stderr.contains("schemagen.yaml"),
        "{}",
        init.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("schemagen.yaml")).unwrap(),
        "# mine\n"
    );
    assert!(
        !dir.path().join("schemas").exists(),
        "nothing else was written"
    );

    let other = TempDir::new("init-system");
    assert_eq!(schemagen(other.path(), &["init", "blog"]).code, 0);
    assert!(other.path().join("schemas/blog/models.yaml").is_file());
    let again = schemagen(other.path(), &["init", "blog"]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again.stderr.contains("schemas/blog/models.yaml"),
        "{}",
        again.stderr
    );
}

#[test]
fn outside_a_project_the_error_says_how_to_start_one() {
    let dir = TempDir::new("no-project");
    let out = schemagen(dir.path(), &["validate"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("error[E0001]") && out.stderr.contains("schemagen init"),
        "{}",
        out.stderr
    );
}
