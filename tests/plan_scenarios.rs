//! Planner scenarios: version 1 → 2 → 3 of hand-built systems; each test asserts the steps'
//! kinds, order, destructiveness and transaction grouping.

mod support {
    pub mod ir;
}

use schemagen::ir::{
    DefaultValue, Partition, PartitionBound, PartitionMethod, Partitioning, ReferentialAction,
    System,
};
use schemagen::plan::{plan, Change, ConstraintForm, Migration, Transaction, ValuePosition};
use support::ir::*;

/// `Label comment`, with ` [destructive]` and the transaction mode when not shared.
fn summary(migration: &Migration) -> Vec<String> {
    migration
        .steps
        .iter()
        .map(|s| {
            let mut line = format!("{} {}", s.change.label(), s.comment);
            if s.destructive {
                line.push_str(" [destructive]");
            }
            match s.transaction {
                Transaction::Shared => {}
                Transaction::CommitFirst => line.push_str(" [commit first]"),
                Transaction::Outside => line.push_str(" [outside]"),
                Transaction::Own => line.push_str(" [own]"),
            }
            line
        })
        .collect()
}

fn v1() -> System {
    system(
        [enumeration("Role", ["USER", "ADMIN"])],
        [
            table(
                "users",
                [
                    col("id", Serial { big: false }),
                    col("email", Text),
                    col("role", enum_type("Role")).default(DefaultValue::EnumValue("USER".into())),
                    col("created_at", Timestamp { precision: Some(3) }).default(DefaultValue::Now),
                ],
            )
            .index(index("users_email_key", [part("email")]).unique()),
            table(
                "posts",
                [
                    col("id", Serial { big: false }),
                    col("title", Text),
                    col("author_id", Integer),
                    col("views", Integer).default(number("0")),
                ],
            )
            .fk(fk("posts_author_id_fkey", ["author_id"], "users", ["id"])
                .actions(ReferentialAction::Cascade, ReferentialAction::Cascade))
            .check("posts_views_check", "views >= 0"),
        ],
    )
}

fn v2() -> System {
    let mut v2 = v1();
    v2.enums[0] = enumeration("Role", ["USER", "MODERATOR", "ADMIN", "GUEST"]);
    v2.tables[0] = v2.tables[0]
        .clone()
        .with_column(col("bio", Text).optional().comment("Shown on the profile"));
    v2.tables[1] = v2.tables[1]
        .clone()
        .map_column("title", |c| {
            ColumnExt::default(
                Column {
                    ty: ColumnType::scalar(Varchar { length: Some(255) }),
                    ..c
                },
                string("untitled"),
            )
        })
        .index(index("posts_title_idx", [part("title")]).concurrently());
    let tags = table(
        "tags",
        [
            col("id", Uuid).default(DefaultValue::GenRandomUuid),
            col("label", Text),
        ],
    )
    .in_schema("meta")
    .comment("Free-form labels");
    v2.tables.push(tags);
    v2.namespaces = vec!["meta".into()];
    v2
}

fn v3() -> System {
    let mut v3 = v2();
    v3.enums[0] = enumeration("Role", ["USER", "MODERATOR", "ADMIN"]);
    v3.tables[0] = v3.tables[0].clone().without_column("bio");
    v3.tables[1].foreign_keys[0].on_delete = ReferentialAction::Restrict;
    v3.tables.pop();
    v3
}

use schemagen::ir::{Column, ColumnType};

#[test]
fn v1_creates_enums_then_tables_then_indexes_then_foreign_keys() {
    let migration = plan(None, &v1());
    assert!(migration.initial);
    assert_eq!(migration.name(), "init");
    assert_eq!(
        summary(&migration),
        [
            "CreateEnum create enum public.Role",
            "CreateTable create table public.users",
            "CreateTable create table public.posts",
            "CreateIndex create index users_email_key on public.users",
            "AddForeignKey add foreign key posts_author_id_fkey from public.posts to public.users",
        ]
    );
    let Change::CreateTable(posts) = &migration.steps[2].change else {
        panic!("expected CREATE TABLE posts");
    };
    assert_eq!(posts.name, "posts");
    // The step names the table; its SQL holds the columns and checks, not the foreign key.
    let templates = schemagen::render::Templates::new(None).unwrap();
    let sql = schemagen::render::postgres::render_migration(&v1(), "init", &migration, &templates)
        .unwrap();
    let create = sql
        .split("CREATE TABLE \"public\".\"posts\"")
        .nth(1)
        .and_then(|rest| rest.split(");").next())
        .expect("CREATE TABLE posts");
    assert!(
        create.contains("CHECK ("),
        "checks stay in CREATE TABLE: {create}"
    );
    assert!(
        !create.contains("FOREIGN KEY") && !create.contains("REFERENCES"),
        "foreign keys are steps of their own: {create}"
    );
}

#[test]
fn v1_to_v2_adds_values_first_and_builds_concurrent_indexes_outside_transactions() {
    let migration = plan(Some(&v1()), &v2());
    assert_eq!(
        summary(&migration),
        [
            "AlterEnum add value MODERATOR to enum public.Role [commit first]",
            "AlterEnum add value GUEST to enum public.Role [commit first]",
            "CreateSchema create schema meta",
            "CreateTable create table meta.tags",
            "AlterTable add column public.users.bio",
            "AlterTable narrow the type of public.posts.title: values that do not fit make it fail",
            "AlterTable set the default of public.posts.title",
            "Comment comment on column public.users.bio",
            "Comment comment on table meta.tags",
            // The tail: after every shared step, built while posts takes writes.
            "CreateIndex create index posts_title_idx on public.posts [outside]",
        ]
    );
    let positions: Vec<&ValuePosition> = migration
        .steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::AddEnumValue { position, .. } => Some(position),
            _ => None,
        })
        .collect();
    assert_eq!(
        positions,
        [&ValuePosition::Before("ADMIN".into()), &ValuePosition::Last]
    );
    assert_eq!(migration.name(), "update");
}

#[test]
fn v2_to_v3_drops_dependents_first_and_recreates_the_shrunk_enum() {
    let migration = plan(Some(&v2()), &v3());
    assert_eq!(
        summary(&migration),
        [
            "DropForeignKey drop foreign key posts_author_id_fkey of public.posts",
            "AlterTable drop column public.users.bio and its data [destructive]",
            "DropTable drop table meta.tags and its rows [destructive]",
            "AlterEnum recreate enum public.Role without value(s) GUEST: rows holding them make it fail [destructive]",
            "AddForeignKey add foreign key posts_author_id_fkey from public.posts to public.users",
            "AlterTable validate posts_author_id_fkey on the rows of public.posts [own]",
        ]
    );
    let Change::AddForeignKey { form, .. } = &migration.steps[4].change else {
        panic!("expected the foreign key");
    };
    assert_eq!(*form, ConstraintForm::NotValid, "posts has rows");
    let warnings = migration.warnings("app");
    assert_eq!(warnings.len(), 3);
    assert_eq!(
        warnings[0].message,
        "app: the new migration will drop column public.users.bio and its data"
    );
    let Change::RecreateEnum { usages, .. } = &migration.steps[3].change else {
        panic!("expected the enum rebuild");
    };
    assert_eq!(usages.len(), 1);
    assert!(usages[0].had_default);
    assert_eq!(
        usages[0].restore_default,
        Some(DefaultValue::EnumValue("USER".into()))
    );
}

#[test]
fn an_unchanged_schema_plans_nothing() {
    for version in [v1(), v2(), v3()] {
        assert!(plan(Some(&version), &version).is_empty());
    }
}

#[test]
fn tables_referencing_each_other_are_created_and_dropped_in_any_order() {
    let a = table("a", [col("id", Integer), col("b_id", Integer).optional()]).fk(fk(
        "a_b_id_fkey",
        ["b_id"],
        "b",
        ["id"],
    ));
    let b = table("b", [col("id", Integer), col("a_id", Integer).optional()]).fk(fk(
        "b_a_id_fkey",
        ["a_id"],
        "a",
        ["id"],
    ));
    let both = system([], [a, b]);
    let create = summary(&plan(None, &both));
    assert_eq!(
        create,
        [
            "CreateTable create table public.a",
            "CreateTable create table public.b",
            "AddForeignKey add foreign key a_b_id_fkey from public.a to public.b",
            "AddForeignKey add foreign key b_a_id_fkey from public.b to public.a",
        ]
    );
    let drop = summary(&plan(Some(&both), &system([], [])));
    assert_eq!(
        drop,
        [
            "DropForeignKey drop foreign key a_b_id_fkey of public.a",
            "DropForeignKey drop foreign key b_a_id_fkey of public.b",
            "DropTable drop table public.a and its rows [destructive]",
            "DropTable drop table public.b and its rows [destructive]",
        ]
    );
}

#[test]
fn a_changed_primary_key_rebuilds_the_foreign_keys_that_rely_on_it() {
    let users = table("users", [col("id", Integer), col("org", Integer)]);
    let posts = table("posts", [col("id", Integer), col("author", Integer)]).fk(fk(
        "posts_author_fkey",
        ["author"],
        "users",
        ["id"],
    ));
    let before = system([], [users.clone(), posts.clone()]);
    let after = system(
        [],
        [
            users
                .pk("users_pkey", ["id", "org"])
                .index(index("users_id_key", [part("id")]).unique()),
            posts,
        ],
    );
    assert_eq!(
        summary(&plan(Some(&before), &after)),
        [
            "DropForeignKey drop foreign key posts_author_fkey of public.posts",
            "AlterTable drop primary key users_pkey of public.users",
            // users has rows: its new keys are built concurrently in the tail, and the
            // foreign key that needs them waits for them there.
            "CreateIndex build the unique index of primary key users_pkey on public.users [outside]",
            "AlterTable add primary key users_pkey to public.users [own]",
            "CreateIndex create index users_id_key on public.users [outside]",
            "AddForeignKey add foreign key posts_author_fkey from public.posts to public.users [own]",
            "AlterTable validate posts_author_fkey on the rows of public.posts [own]",
        ]
    );
}

#[test]
fn a_type_change_moves_the_default_around_it_and_widening_is_safe() {
    let before = system(
        [],
        [table(
            "t",
            [
                col("id", Integer),
                col("n", SmallInt).default(number("1")),
                col("s", Varchar { length: Some(10) }),
            ],
        )],
    );
    let after = system(
        [],
        [table(
            "t",
            [
                col("id", Integer),
                col("n", BigInt).default(number("1")),
                col("s", Text),
            ],
        )],
    );
    assert_eq!(
        summary(&plan(Some(&before), &after)),
        [
            "AlterTable drop the default of public.t.n before changing its type",
            "AlterTable widen the type of public.t.n",
            "AlterTable set the default of public.t.n",
            "AlterTable widen the type of public.t.s",
        ]
    );
}

#[test]
fn nullability_identity_and_serial_changes() {
    let before = system(
        [],
        [table(
            "t",
            [
                col("id", Integer),
                col("a", Serial { big: false }),
                col("b", Text).optional(),
                col("c", Integer),
            ],
        )],
    );
    let after = system(
        [],
        [table(
            "t",
            [
                col("id", Identity { big: false }),
                col("a", Integer),
                col("b", Text),
                col("c", Serial { big: false }),
            ],
        )],
    );
    assert_eq!(
        summary(&plan(Some(&before), &after)),
        [
            "AlterTable make public.t.id an identity column",
            "AlterTable drop the default of public.t.a",
            "AlterTable drop the sequence that filled public.t.a",
            "AlterTable make public.t.b required (fails while rows hold NULL)",
            "AlterTable set the default of public.t.c",
            "AlterTable check that no row of public.t.b holds NULL [own]",
            "AlterTable make public.t.b NOT NULL without a scan [own]",
        ]
    );
    let big = system(
        [],
        [table(
            "t",
            [
                col("id", Integer),
                col("a", Serial { big: true }),
                col("b", Text).optional(),
                col("c", Integer),
            ],
        )],
    );
    assert_eq!(
        summary(&plan(Some(&before), &big)),
        ["AlterTable widen the type of public.t.a"],
        "a serial that grows keeps its sequence"
    );
}

#[test]
fn reordered_enum_values_are_rebuilt_without_loss_and_dropped_enums_go_last() {
    let before = system(
        [
            enumeration("Mood", ["SAD", "HAPPY"]),
            enumeration("Old", ["X"]),
        ],
        [table(
            "t",
            [
                col("id", Integer),
                col("mood", enum_type("Mood")).array(),
                col("old", enum_type("Old")),
            ],
        )],
    );
    let after = system(
        [enumeration("Mood", ["HAPPY", "SAD"])],
        [table(
            "t",
            [
                col("id", Integer),
                col("mood", enum_type("Mood")).array(),
                col("old", Text),
            ],
        )],
    );
    assert_eq!(
        summary(&plan(Some(&before), &after)),
        [
            "AlterEnum recreate enum public.Mood to reorder its values",
            "AlterTable widen the type of public.t.old",
            "DropEnum drop enum public.Old",
        ]
    );
}

fn partitioned(months: &[&str]) -> Partitioning {
    let month = |m: &&str| Partition {
        db_name: format!("logs_{}", m.replace('-', "_")),
        bound: PartitionBound::Range {
            from: format!("{m}-01"),
            to: format!("{m}-28"),
        },
    };
    let default = Partition {
        db_name: "logs_default".into(),
        bound: PartitionBound::Default,
    };
    Partitioning {
        method: PartitionMethod::Range,
        columns: vec!["at".into()],
        partitions: months.iter().map(month).chain([default]).collect(),
        span: Default::default(),
    }
}

#[test]
fn partitioning_a_table_recreates_it_and_months_come_and_go_as_partitions() {
    let logs = |partition: Option<Partitioning>| {
        let mut logs =
            table("logs", [col("id", Integer), col("at", Date)]).pk("logs_pkey", ["id", "at"]);
        logs.partition = partition;
        let notes = table(
            "notes",
            [
                col("id", Integer),
                col("log_id", Integer),
                col("log_at", Date),
            ],
        )
        .fk(fk(
            "notes_log_fkey",
            ["log_id", "log_at"],
            "logs",
            ["id", "at"],
        ));
        system([], [logs, notes])
    };
    let plain = logs(None);
    let january = logs(Some(partitioned(&["2025-01"])));
    assert_eq!(
        summary(&plan(Some(&plain), &january)),
        [
            // The key notes rely on goes with the table, so their foreign key goes first.
            "DropForeignKey drop foreign key notes_log_fkey of public.notes",
            "DropTable drop table public.logs and its rows [destructive]",
            "CreateTable create table public.logs",
            "CreatePartition create partition logs_2025_01 of public.logs",
            "CreatePartition create partition logs_default of public.logs",
            "AddForeignKey add foreign key notes_log_fkey from public.notes to public.logs",
            "AlterTable validate notes_log_fkey on the rows of public.notes [own]",
        ]
    );
    let february = logs(Some(partitioned(&["2025-02"])));
    let migration = plan(Some(&january), &february);
    assert_eq!(
        summary(&migration),
        [
            "DropPartition drop partition logs_2025_01 of public.logs and its rows [destructive]",
            "CreatePartition create partition logs_2025_02 of public.logs",
        ]
    );
    let Change::CreatePartition { from_default, .. } = &migration.steps[1].change else {
        panic!("{:?}", migration.steps[1]);
    };
    assert_eq!(from_default, &Some(("logs_default".into(), "at".into())));
    assert!(plan(Some(&february), &february).is_empty());
}

#[test]
fn migration_names_follow_the_steps() {
    let users = table("users", [col("id", Integer)]);
    let before = system([], [users.clone()]);
    let bio = system(
        [],
        [users
            .clone()
            .with_column(col("bio", Text).optional().comment("About"))],
    );
    assert_eq!(plan(Some(&before), &bio).name(), "add_users_bio");
    let two = system(
        [],
        [users
            .clone()
            .with_column(col("bio", Text))
            .with_column(col("age", Integer))],
    );
    assert_eq!(plan(Some(&before), &two).name(), "alter_users");
    let posts = table("Posts", [col("id", Integer)]).index(index("Posts_x_idx", [part("id")]));
    assert_eq!(
        plan(Some(&before), &system([], [users.clone(), posts])).name(),
        "create_posts"
    );
    assert_eq!(plan(Some(&before), &system([], [])).name(), "drop_users");
    let comment = system([], [users.comment("People")]);
    assert_eq!(plan(Some(&before), &comment).name(), "comment_users");
}

#[test]
fn ten_thousand_tables_plan_in_linear_time() {
    let tables: Vec<_> = (0..10_000)
        .map(|i| {
            table(
                &format!("t{i}"),
                [
                    col("id", Integer),
                    col("name", Text),
                    col("parent", Integer).optional(),
                ],
            )
            .fk(fk(
                &format!("t{i}_parent_fkey"),
                ["parent"],
                &format!("t{}", i / 2),
                ["id"],
            ))
            .index(index(&format!("t{i}_name_idx"), [part("name")]))
        })
        .collect();
    let big = System {
        name: "big".into(),
        namespaces: Vec::new(),
        enums: Vec::new(),
        tables,
        access: Default::default(),
        ..Default::default()
    };
    assert_eq!(plan(None, &big).steps.len(), 30_000);
    assert!(plan(Some(&big), &big).is_empty());
}

#[test]
fn now_spelled_anew_is_no_step_but_another_default_is() {
    let stamped = |default: DefaultValue| {
        let created = col("created_at", Timestamptz { precision: Some(3) }).default(default);
        system([], [table("t", [col("id", Integer), created])])
    };
    let then = stamped(DefaultValue::Now);
    // Payload's spelling of the same function: the database fills the column alike.
    let now = stamped(DefaultValue::Sql("now()".into()));
    assert!(plan(Some(&then), &now).is_empty());
    assert!(plan(Some(&now), &then).is_empty());
    let later = stamped(DefaultValue::Sql("clock_timestamp()".into()));
    assert_eq!(
        summary(&plan(Some(&then), &later)),
        ["AlterTable set the default of public.t.created_at"]
    );
}

// The planner visits only the tables that changed, and those an equal table depends on
// (`plan::diff`): these cases change what a table's column list does not show, or change
// another table, and each must still plan its steps. Twenty equal tables surround them, so
// a skip that is too eager has tables to skip.

/// `a` (keyed), `b` (its foreign key to `a`), `c` (an enum column with a partial index that
/// compares it with a value), then twenty tables nobody changes.
fn many(a_key: &str) -> System {
    let mut tables = vec![
        table("a", [col("id", Integer), col("code", Text)]).pk(a_key, ["id"]),
        table("b", [col("id", Integer), col("a_id", Integer)]).fk(fk(
            "b_a_id_fkey",
            ["a_id"],
            "a",
            ["id"],
        )),
        table("c", [col("id", Integer), col("mood", enum_type("Mood"))])
            .index(index("c_sad_idx", [part("id")]).partial("mood = 'SAD'")),
    ];
    tables.extend((0..20).map(|i| table(&format!("t{i}"), [col("id", Integer), col("x", Text)])));
    let mut system = system([enumeration("Mood", ["HAPPY", "SAD", "MEH"])], []);
    system.tables = tables;
    system
}

fn with_b(change: impl FnOnce(schemagen::ir::Table) -> schemagen::ir::Table) -> System {
    let mut next = many("a_pkey");
    next.tables[1] = change(next.tables[1].clone());
    next
}

#[test]
fn a_kept_table_with_the_same_columns_plans_its_comment_index_and_check() {
    let before = many("a_pkey");
    let cases: [(System, &[&str]); 4] = [
        (
            with_b(|b| b.comment("Bees")),
            &["Comment comment on table public.b"],
        ),
        (
            with_b(|b| b.map_column("a_id", |c| c.comment("The a"))),
            &["Comment comment on column public.b.a_id"],
        ),
        (
            with_b(|b| b.index(index("b_a_id_idx", [part("a_id")]))),
            &["CreateIndex create index b_a_id_idx on public.b [outside]"],
        ),
        (
            with_b(|b| b.check("b_id_check", "id > 0")),
            &[
                "AlterTable add check b_id_check to public.b",
                "AlterTable validate b_id_check on the rows of public.b [own]",
            ],
        ),
    ];
    for (after, expected) in cases {
        assert_eq!(summary(&plan(Some(&before), &after)), expected);
    }
    assert!(plan(Some(&before), &many("a_pkey")).is_empty());
}

#[test]
fn an_equal_table_is_planned_when_what_it_references_or_uses_changes() {
    // `a`'s key is built again under another name: `b`, equal on both sides, loses its
    // foreign key to it for the time of the change.
    let rekeyed = plan(Some(&many("a_pkey")), &many("a_key"));
    assert_eq!(
        summary(&rekeyed),
        [
            "DropForeignKey drop foreign key b_a_id_fkey of public.b",
            "AlterTable drop primary key a_pkey of public.a",
            "CreateIndex build the unique index of primary key a_key on public.a [outside]",
            "AlterTable add primary key a_key to public.a [own]",
            "AddForeignKey add foreign key b_a_id_fkey from public.b to public.a [own]",
            "AlterTable validate b_a_id_fkey on the rows of public.b [own]",
        ]
    );
    // `Mood` loses a value: `c`, equal on both sides, has its column moved to the new type,
    // and its index that compares with an enum constant built again around the rebuild.
    let mut shrunk = many("a_pkey");
    shrunk.enums[0] = enumeration("Mood", ["HAPPY", "SAD"]);
    let migration = plan(Some(&many("a_pkey")), &shrunk);
    assert_eq!(
        summary(&migration),
        [
            "DropIndex drop index c_sad_idx of public.c",
            "AlterEnum recreate enum public.Mood without value(s) MEH: rows holding them make it fail [destructive]",
            "CreateIndex create index c_sad_idx on public.c [outside]",
        ]
    );
    let Change::RecreateEnum { usages, .. } = &migration.steps[1].change else {
        panic!("expected the enum rebuild");
    };
    assert_eq!(usages.len(), 1, "c.mood is moved to the new type");
    assert_eq!(usages[0].column, "mood");
}

#[test]
fn a_migration_rendered_with_another_schema_is_refused_not_a_panic() {
    let templates = schemagen::render::Templates::new(None).expect("the embedded templates");
    let migration = plan(None, &v1());
    let other = system([], [table("elsewhere", [col("id", Integer)])]);
    let refused =
        schemagen::render::postgres::render_migration(&other, "0001_init", &migration, &templates)
            .expect_err("the tables it creates are not in that schema");
    assert!(
        refused.message.contains("creates table public.users"),
        "{}",
        refused.message
    );
    let rendered =
        schemagen::render::postgres::render_migration(&v1(), "0001_init", &migration, &templates);
    assert!(rendered.is_ok_and(|sql| sql.contains("CREATE TABLE \"public\".\"users\"")));
}
