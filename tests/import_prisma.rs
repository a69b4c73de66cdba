//! `schemagen import prisma` as a user runs it: what has no YAML form is refused at its
//! `.prisma` line and column (or left out with `--skip-unsupported`), a folder of `.prisma`
//! files becomes one YAML file each, the result builds, and an import never overwrites a
//! system. (Public schemas imported and compared with Prisma's engine: tests/prisma_oracle.rs.)

mod support;

use std::path::Path;
use std::process::Command;
use support::cli::{finish, Ran};
use support::TempDir;

fn import(dir: &Path, args: &[&str]) -> Ran {
    let output = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(["import", "prisma"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run schemagen");
    finish(output)
}

fn build(dir: &Path) -> Ran {
    let output = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(["build", "--schemas", "schemas", "--out", "generated"])
        .current_dir(dir)
        .output()
        .expect("run schemagen");
    finish(output)
}

const UNSUPPORTED: &str = r#"datasource db {
  provider     = "postgresql"
  extensions   = [citext, pg_trgm]
  relationMode = "prisma"
}

model Post {
  id    Int    @id
  title String @db.Citext
  blob  Unsupported("tsvector")
}

view PostTitles {
  title String @unique
}

type Address {
  street String
}
"#;

#[test]
fn what_has_no_yaml_form_is_reported_at_its_prisma_line() {
    let dir = TempDir::new("import-unsupported");
    std::fs::write(dir.path().join("blog.prisma"), UNSUPPORTED).unwrap();
    let ran = import(dir.path(), &["blog.prisma"]);
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert!(!dir.path().join("schemas").exists(), "nothing is written");
    insta::assert_snapshot!(
        "unsupported",
        ran.stderr.replace(&*dir.path().to_string_lossy(), "<dir>")
    );
}

#[test]
fn skip_unsupported_leaves_out_views_and_types_and_says_so() {
    let dir = TempDir::new("import-skip");
    let schema = UNSUPPORTED
        .replace("  blob  Unsupported(\"tsvector\")\n", "")
        .replace("  relationMode = \"prisma\"\n", "");
    std::fs::write(dir.path().join("blog.prisma"), schema).unwrap();
    let ran = import(dir.path(), &["blog.prisma", "--skip-unsupported"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    for warning in [
        "warning[E0802]",
        "warning[E0803]",
        "view `PostTitles` was left out",
    ] {
        assert!(ran.stderr.contains(warning), "{warning}: {}", ran.stderr);
    }
    let yaml = std::fs::read_to_string(dir.path().join("schemas/blog/blog.yaml")).unwrap();
    assert!(
        yaml.contains("# not imported: view `PostTitles` (line 11)"),
        "{yaml}"
    );
    assert!(
        yaml.contains("# not imported: composite type `Address` (line 15)"),
        "{yaml}"
    );
    assert!(
        yaml.contains("# not imported: the `pg_trgm` extension (line 3)"),
        "{yaml}"
    );
    let built = build(dir.path());
    assert_eq!(built.code, 0, "{}", built.all());
    let sql = std::fs::read_to_string(dir.path().join("generated/blog/migrations/0001_init.sql"))
        .unwrap();
    assert!(
        sql.contains("CREATE EXTENSION IF NOT EXISTS \"citext\""),
        "{sql}"
    );
}

#[test]
fn a_folder_becomes_one_yaml_file_per_prisma_file_and_builds() {
    let dir = TempDir::new("import-folder");
    let input = dir.path().join("prisma/schema");
    std::fs::create_dir_all(input.join("models")).unwrap();
    std::fs::write(input.join("main.prisma"), "datasource db {\n  provider = \"postgresql\"\n}\n\n/// Who writes\nenum Role {\n  WRITER\n  EDITOR @map(\"editor\")\n}\n").unwrap();
    std::fs::write(
        input.join("models/post.prisma"),
        "/* Posts live here */\nmodel Post {\n  id       Int    @id @default(autoincrement())\n  authorId Int\n  author   Author @relation(fields: [authorId], references: [id])\n  @@index(authorId)\n}\n",
    )
    .unwrap();
    std::fs::write(
        input.join("models/author.prisma"),
        "model Author {\n  id    Int    @id @default(autoincrement())\n  role  Role\n  posts Post[]\n}\n",
    )
    .unwrap();
    let ran = import(dir.path(), &["prisma/schema", "--system", "blog"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("schemas/blog"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["main.yaml", "models_author.yaml", "models_post.yaml"]
    );
    let main = std::fs::read_to_string(dir.path().join("schemas/blog/main.yaml")).unwrap();
    assert!(main.contains("  Role:\n    comment: \"Who writes\"\n    values: |\n      WRITER\n      EDITOR @map(\"editor\")\n"), "{main}");
    let post = std::fs::read_to_string(dir.path().join("schemas/blog/models_post.yaml")).unwrap();
    assert!(post.contains("# Posts live here\n  Post:\n"), "{post}");
    let built = build(dir.path());
    assert_eq!(built.code, 0, "{}", built.all());

    // A second import into the same system would overwrite it: refused.
    let again = import(dir.path(), &["prisma/schema", "--system", "blog"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("error[E0804]"), "{}", again.stderr);
}

#[test]
fn other_providers_and_broken_files_are_refused() {
    let dir = TempDir::new("import-refused");
    std::fs::write(
        dir.path().join("shop.prisma"),
        "datasource db {\n  provider = \"mysql\"\n}\n\nmodel Item {\n  id Int @id\n",
    )
    .unwrap();
    let ran = import(dir.path(), &["shop.prisma"]);
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("error[E0801]"), "{}", ran.stderr);
    assert!(ran.stderr.contains("shop.prisma:2:14"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("model `Item` is never closed"),
        "{}",
        ran.stderr
    );
    let missing = import(dir.path(), &["nothing.prisma"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("error[E0800]"),
        "{}",
        missing.stderr
    );
}
