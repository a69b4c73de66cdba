//! Seed rows that give their serial id and rows that leave it to the sequence, applied to a
//! database that already holds rows: every seed row arrives (none is dropped by `ON CONFLICT
//! DO NOTHING` because a defaulted id drew a value a given one holds), re-running the seed
//! adds nothing, and the application's next insert does not collide with a seeded id.

mod support;

use schemagen::config::Config;
use support::TempDir;

const SCHEMA: &str = "flavor: prisma
models:
  Account:
    fields: |
      id    Int    @id @default(autoincrement())
      email String @unique

      @@map(\"accounts\")
seed:
  Account:
    - { email: defaulted-first@example.com }
    - { id: 4, email: four@example.com }
    - { id: 5, email: five@example.com }
    - { email: defaulted-last@example.com }
";

#[test]
fn given_and_defaulted_ids_all_arrive_in_a_table_with_rows() {
    let Some(pg) = support::pg::cluster("seed_ids") else {
        return;
    };
    let scratch = TempDir::new("seed-ids");
    let schemas = scratch.join("schemas");
    std::fs::create_dir_all(schemas.join("app")).unwrap();
    std::fs::write(schemas.join("app/app.yaml"), SCHEMA).unwrap();
    let config = Config {
        schemas,
        out: scratch.join("generated"),
        ..Config::default()
    };
    let run = schemagen::generate(&config);
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    let migrations = support::system_files(&run, "app", |p| {
        p.starts_with("migrations/") && p.ends_with(".sql")
    });
    let seed = support::system_files(&run, "app", |p| p == "seed.sql");

    pg.create_database("app").unwrap();
    support::pg::apply(&pg, "app", &migrations, &scratch).unwrap();
    // The application's own rows, through the sequence: ids 1 to 3, so the sequence's next
    // values are the ids the seed gives.
    pg.execute(
        "app",
        "INSERT INTO accounts (email) VALUES ('app-1@example.com'), ('app-2@example.com'), ('app-3@example.com')",
    )
    .unwrap();
    support::pg::apply(&pg, "app", &seed, &scratch).unwrap();
    support::pg::apply(&pg, "app", &seed, &scratch).unwrap();
    // The application goes on inserting: its next id must be free (re-running the seed drew
    // two ids for the rows it skipped, so which one is not fixed).
    pg.execute(
        "app",
        "INSERT INTO accounts (email) VALUES ('app-4@example.com')",
    )
    .unwrap();

    let rows = pg
        .query(
            "app",
            "SELECT CASE WHEN email = 'app-4@example.com' THEN 'next' ELSE id::text END, email \
             FROM accounts",
        )
        .unwrap();
    let mut rows: Vec<(String, String)> = rows
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    rows.sort();
    let mut expected: Vec<(String, String)> = [
        ("1", "app-1@example.com"),
        ("2", "app-2@example.com"),
        ("3", "app-3@example.com"),
        ("4", "four@example.com"),
        ("5", "five@example.com"),
        ("6", "defaulted-first@example.com"),
        ("7", "defaulted-last@example.com"),
        ("next", "app-4@example.com"),
    ]
    .into_iter()
    .map(|(id, email)| (id.to_string(), email.to_string()))
    .collect();
    expected.sort();
    assert_eq!(rows, expected);
}
