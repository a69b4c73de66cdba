//! The generated TypeScript `Database` type meets supabase-js: a small app's queries
//! (`tests/oracle/supabase-client.ts`: selects, an embedded relation, filters, enum values,
//! inserts and updates) type-check with `createClient<Database>()` under `tsc --strict`, and
//! its mistakes (a wrong column, a wrong enum value, a wrong table) are each rejected.

mod support;

use std::process::Command;
use support::TempDir;

const TEST: &str = "the_database_type_checks_with_supabase_js_and_rejects_mistakes";

/// The README's 30-second example.
const BLOG: &str = r#"flavor: prisma
enums:
  Status: [DRAFT, PUBLISHED]
models:
  Post:
    map: posts
    fields: |
      id        String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
      title     String   @db.VarChar(200)
      status    Status   @default(DRAFT)
      tags      String[]
      authorId  String   @map("author_id") @db.Uuid
      author    User     @relation(fields: [authorId], references: [id], onDelete: Cascade)
      createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)
  User:
    map: users
    fields: |
      id    String @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
      email String @unique
      posts Post[]
"#;

#[test]
fn the_database_type_checks_with_supabase_js_and_rejects_mistakes() {
    let Some(tsc) = support::find_tsc() else {
        support::missing_tool(
            TEST,
            "no TypeScript compiler: run `scripts/test`, which installs it",
        );
        return;
    };
    let modules = support::repo_root().join(".tmp/node/node_modules");
    if !modules.join("@supabase/supabase-js/package.json").is_file() {
        support::missing_tool(
            TEST,
            "no @supabase/supabase-js in .tmp/node: run `scripts/test`, which installs it",
        );
        return;
    }
    let dir = TempDir::new("supabase-js");
    let schemas = dir.join("schemas/blog");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(schemas.join("models.yaml"), BLOG).unwrap();
    let run = support::generate("blog", &schemagen::config::Config::at(dir.path()));
    let types = &run.files["blog/types.ts"];
    std::fs::write(dir.join("types.ts"), types).unwrap();
    std::os::unix::fs::symlink(&modules, dir.join("node_modules")).unwrap();

    // The app as written, and the same app with every `@ts-expect-error` taken away.
    let client =
        std::fs::read_to_string(support::repo_root().join("tests/oracle/supabase-client.ts"))
            .unwrap();
    let mistakes: Vec<usize> = client
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with("// @ts-expect-error"))
        .map(|(n, _)| n + 2)
        .collect();
    assert_eq!(mistakes.len(), 5, "the mistakes the app makes");
    let bare: String = client
        .lines()
        .map(
            |line| match line.trim_start().starts_with("// @ts-expect-error") {
                true => "\n".to_string(),
                false => format!("{line}\n"),
            },
        )
        .collect();
    std::fs::write(dir.join("client.ts"), &client).unwrap();
    std::fs::write(dir.join("bare.ts"), bare).unwrap();
    let project = serde_json::json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "target": "es2022", "module": "esnext",
            "moduleResolution": "bundler", "lib": ["es2022", "dom"], "skipLibCheck": true, "types": []
        },
        "files": ["client.ts", "bare.ts"],
    });
    std::fs::write(dir.join("tsconfig.json"), project.to_string()).unwrap();
    let output = Command::new(&tsc)
        .args(["-p", ".", "--pretty", "false"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tsc.display()));
    let report = String::from_utf8_lossy(&output.stdout).into_owned();

    // Errors only in the bare copy, and exactly on the lines the directives guarded.
    let errors: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("): error TS"))
        .collect();
    assert!(
        errors.iter().all(|e| e.starts_with("bare.ts(")),
        "tsc --strict rejects the app (or a directive met no error):\n{report}"
    );
    let lines: Vec<usize> = errors
        .iter()
        .filter_map(|e| e.strip_prefix("bare.ts(")?.split(',').next()?.parse().ok())
        .collect();
    assert_eq!(
        lines, mistakes,
        "each mistake, and nothing else, is rejected:\n{report}"
    );
}
