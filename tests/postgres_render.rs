//! The PostgreSQL target on hand-built systems: every column type, default kind, index form,
//! foreign key action, check, comment, namespace and enum change, snapshotted as the SQL
//! files a build would write; then the file rules (history kept, numbering, idempotence).

mod support {
    pub mod ir;
}

use schemagen::ir::{DefaultValue, IndexMethod, Literal, ReferentialAction as Action, System};
use schemagen::plan::plan;
use schemagen::render::{postgres, History, Templates};
use support::ir::*;

fn templates() -> Templates {
    Templates::new(None).expect("the embedded templates compile")
}

/// Render `next` on top of `history` (whose snapshot is the previous system).
fn build(history: &History, next: &System) -> Vec<(String, String)> {
    let migration = plan(history.schema.as_ref(), next);
    postgres::render(next, history, &migration, &templates()).expect("renders")
}

/// The history a build leaves behind, as `history::read` would read it back.
fn history_of(files: &[(String, String)]) -> History {
    let mut history = History::default();
    for (path, contents) in files {
        if path == "migrations/schemagen.sum" {
            history.sum = Some(contents.clone());
        } else if let Some(record) = path.strip_prefix("undo/") {
            let name = record.replace(".json", ".sql");
            history.undo.insert(name, contents.clone());
        } else if let Some(name) = path.strip_prefix("migrations/") {
            history
                .migrations
                .push((name.to_string(), contents.clone()));
        } else if path == "schema.json" {
            history.schema =
                Some(schemagen::ir::snapshot::from_str(contents).expect("the snapshot reads back"));
            history.snapshot = Some(contents.clone());
        }
    }
    history
}

fn new_migration<'a>(before: &History, files: &'a [(String, String)]) -> (&'a str, &'a str) {
    let (path, sql) = files
        .iter()
        .find(|(path, _)| {
            path.starts_with("migrations/")
                && !before
                    .migrations
                    .iter()
                    .any(|(n, _)| path.ends_with(n.as_str()))
        })
        .expect("a new migration");
    (path, sql)
}

fn literal_array(items: Vec<Literal>) -> DefaultValue {
    DefaultValue::Literal(Literal::Array(items))
}

fn v1() -> System {
    let mut status = enumeration("Status", ["draft", "it's \"quoted\"", "published"]);
    status.comment = Some("Publication state".into());
    let mut level = enumeration("Level", ["low", "mid", "high"]);
    level.db_name.schema = "audit".into();
    let level_type = || schemagen::ir::ScalarType::Enum {
        name: Box::new(level.db_name.clone()),
    };
    let everything = table(
        "everything",
        [
            col("id", Identity { big: true }),
            col("text", Text)
                .default(string("it's \"q\" \\ back"))
                .comment("It's a comment"),
            col("vc", Varchar { length: Some(255) }).optional(),
            col("vc_any", Varchar { length: None }).optional(),
            col("ch", Char { length: Some(2) }).default(string("US")),
            col("small", SmallInt).default(number("-1")),
            col("int", Integer).default(number("42")),
            col("big", BigInt).default(number("9007199254740993")),
            col(
                "num",
                Numeric {
                    precision: Some(65),
                    scale: Some(30),
                },
            )
            .default(number("1.50")),
            col(
                "num_p",
                Numeric {
                    precision: Some(10),
                    scale: None,
                },
            )
            .optional(),
            col(
                "num_any",
                Numeric {
                    precision: None,
                    scale: None,
                },
            )
            .optional(),
            col("real", Real).default(number("0.5")),
            col("dbl", Double).default(number("1e3")),
            col("flag", Boolean).default(DefaultValue::Literal(Literal::Bool(true))),
            col("uid", Uuid).default(DefaultValue::GenRandomUuid),
            col("tstz", Timestamptz { precision: Some(6) }).default(DefaultValue::Now),
            col("tstz_any", Timestamptz { precision: None }).optional(),
            col("ts", Timestamp { precision: Some(3) }).default(DefaultValue::Now),
            col("d", Date).default(DefaultValue::Sql("CURRENT_DATE".into())),
            col("t", Time { precision: None }).optional(),
            col("t3", Time { precision: Some(3) }).optional(),
            col("j", Json).default(DefaultValue::Literal(Literal::Json(
                r#"{"a": [1, "it's"]}"#.into(),
            ))),
            col("jb", Jsonb).default(DefaultValue::Literal(Literal::Json("{}".into()))),
            col("bytes", Bytea).optional(),
            col("status", enum_type("Status")).default(DefaultValue::EnumValue("draft".into())),
            col("statuses", enum_type("Status"))
                .array()
                .default(literal_array(vec![Literal::String("draft".into())])),
            col("tags", Text).array().default(literal_array(vec![])),
            col("scores", Integer).array().default(literal_array(vec![
                Literal::Number("1".into()),
                Literal::Number("2".into()),
            ])),
            col("location", GeoPoint).optional(),
            col("client_id", Text).default(DefaultValue::Client("cuid".into())),
        ],
    )
    .check("everything_small_check", "small > -10")
    .check("everything_num_check", "num >= 0 AND big <> 7")
    .comment("Every column type, with a 'quoted' comment")
    .index(index(
        "everything_status_tstz_idx",
        [part("status"), desc("tstz")],
    ))
    .index(index("everything_text_key", [part("text")]).unique());
    let serials = table(
        "serials",
        [
            col("id", Serial { big: false }),
            col("big", Serial { big: true }),
        ],
    );
    let events = table(
        "events",
        [
            col("id", BigInt),
            col("everything_id", BigInt),
            col("level", level_type()).default(DefaultValue::EnumValue("mid".into())),
            col("payload", Jsonb),
        ],
    )
    .in_schema("audit")
    .index(index("events_everything_id_key", [part("everything_id")]).unique())
    .index(
        index(
            "events_payload_idx",
            [with_opclass("payload", "jsonb_path_ops")],
        )
        .using(IndexMethod::Gin),
    )
    .index(
        index(
            "events_kind_idx",
            [expression("payload->>'kind'"), desc("id")],
        )
        .partial("level = 'high'"),
    )
    .index(index("events_level_idx", [part("level")]).using(IndexMethod::Hash))
    .index(
        index(
            "events_payload_ops_idx",
            [with_opclass("payload", "pg_catalog.jsonb_ops")],
        )
        .using(IndexMethod::Gin),
    )
    .index(
        index("events_id_brin", [part("id")])
            .using(IndexMethod::Brin)
            .concurrently(),
    )
    .fk(fk(
        "events_everything_id_fkey",
        ["everything_id"],
        "everything",
        ["id"],
    )
    .actions(Action::Cascade, Action::NoAction));
    let links = table(
        "we\"ird links",
        [
            col("id", Integer),
            col("a", BigInt).optional(),
            col("b", BigInt).default(number("1")),
            col("c", BigInt),
            col("event_id", BigInt).optional(),
            col("self", Integer).optional(),
        ],
    )
    .pk("we\"ird links_pkey", ["id"])
    .fk(fk("links_a_fkey", ["a"], "everything", ["id"]).actions(Action::SetNull, Action::Cascade))
    .fk(fk("links_b_fkey", ["b"], "everything", ["id"])
        .actions(Action::SetDefault, Action::Restrict))
    .fk(fk("links_c_fkey", ["c"], "everything", ["id"]).actions(Action::Restrict, Action::SetNull))
    .fk(fk("links_event_fkey", ["event_id"], "events", ["id"]).to_schema("audit"))
    .fk(fk("links_self_fkey", ["self"], "we\"ird links", ["id"]));
    let mut events = events;
    events.columns[0].comment = Some("Line one\nline two".into());
    system([status, level], [everything, serials, events, links])
}

/// Enum values added (middle and end) and removed, columns added, retyped, made optional
/// and required, defaults changed, indexes and checks replaced, comments changed, a table
/// in a new schema.
fn v2() -> System {
    let mut next = v1();
    next.enums[0] = {
        let mut status = enumeration(
            "Status",
            [
                "draft",
                "review",
                "it's \"quoted\"",
                "published",
                "archived",
            ],
        );
        status.comment = Some("Publication state".into());
        status
    };
    next.enums[1].values.remove(0);
    let everything = next.tables[0]
        .clone()
        .with_column(col("bio", Text).optional().comment("Shown on the profile"))
        .with_column(col("rank", Integer).default(number("0")))
        .map_column("int", |c| schemagen::ir::Column {
            ty: schemagen::ir::ColumnType::scalar(Text),
            default: Some(string("42")),
            ..c
        })
        .map_column("small", |c| schemagen::ir::Column {
            ty: schemagen::ir::ColumnType::scalar(Integer),
            ..c
        })
        .map_column("vc", |c| schemagen::ir::Column {
            nullable: false,
            default: Some(string("")),
            ..c
        })
        .map_column("flag", |c| c.optional())
        .map_column("status", |c| {
            c.default(DefaultValue::EnumValue("review".into()))
        })
        .map_column("text", |c| schemagen::ir::Column { comment: None, ..c })
        .comment("Every column type")
        .index(index("everything_uid_key", [part("uid")]).unique());
    let mut everything = everything;
    everything.checks.remove(0);
    everything.checks.push(schemagen::ir::Check {
        db_name: "everything_rank_check".into(),
        expression: "rank BETWEEN 0 AND 100".into(),
        span: Default::default(),
    });
    everything.indexes[0] = index("everything_status_tstz_idx", [desc("status"), desc("tstz")]);
    next.tables[0] = everything;
    next.tables[1] = next.tables[1].clone().map_column("id", |c| {
        col("id", Identity { big: false }).comment(c.db_name.as_str())
    });
    let invoices = table(
        "invoices",
        [
            col("id", Uuid).default(DefaultValue::GenRandomUuid),
            col(
                "total",
                Numeric {
                    precision: Some(12),
                    scale: Some(2),
                },
            ),
        ],
    )
    .in_schema("billing")
    .fk(fk(
        "invoices_everything_fkey",
        ["id"],
        "everything",
        ["uid"],
    ));
    next.tables.push(invoices);
    next.namespaces = vec!["audit".into(), "billing".into()];
    next
}

/// Tables and columns dropped, a foreign key's action changed, an enum dropped with the
/// column that used it.
fn v3() -> System {
    let mut next = v2();
    next.tables
        .retain(|t| t.db_name.name != "we\"ird links" && t.db_name.name != "serials");
    next.tables[0] = next.tables[0].clone().without_column("bio");
    next.tables[1].foreign_keys[0].on_delete = Action::Restrict;
    next.tables[1] = next.tables[1]
        .clone()
        .map_column("level", |c| schemagen::ir::Column {
            ty: schemagen::ir::ColumnType::scalar(Text),
            default: Some(string("mid")),
            ..c
        });
    next.tables[1]
        .indexes
        .retain(|i| i.db_name != "events_kind_idx");
    next.enums.pop();
    next
}

/// `CREATE INDEX CONCURRENTLY` never inside `BEGIN … COMMIT`; every block closed; new enum
/// values committed before the block that follows them.
fn assert_transactions_well_formed(sql: &str) {
    let mut open = false;
    let mut adds_values = false;
    for line in sql.lines() {
        match line {
            "BEGIN;" => {
                assert!(!open, "nested BEGIN");
                open = true;
            }
            "COMMIT;" => {
                assert!(open, "COMMIT without BEGIN");
                open = false;
                adds_values = false;
            }
            _ if line.starts_with("CREATE INDEX CONCURRENTLY")
                || line.starts_with("CREATE UNIQUE INDEX CONCURRENTLY") =>
            {
                assert!(!open, "inside a transaction: {line}")
            }
            _ if line.contains(" ADD VALUE ") => adds_values = true,
            _ if line.starts_with("--") || line.is_empty() => {}
            _ => assert!(!adds_values, "shares a transaction with ADD VALUE: {line}"),
        }
    }
    assert!(!open, "unterminated transaction");
}

#[test]
fn migrations_v1_v2_v3_render_as_snapshotted() {
    let start = History::default();
    let first = build(&start, &v1());
    let (path, sql) = new_migration(&start, &first);
    assert_eq!(path, "migrations/0001_init.sql");
    assert_transactions_well_formed(sql);
    insta::assert_snapshot!("v1_init", sql);

    let after_first = history_of(&first);
    let second = build(&after_first, &v2());
    let (path, sql) = new_migration(&after_first, &second);
    assert_eq!(path, "migrations/0002_update.sql");
    assert_transactions_well_formed(sql);
    assert!(sql.contains("ADD VALUE"));
    insta::assert_snapshot!("v2_update", sql);

    let after_second = history_of(&second);
    let third = build(&after_second, &v3());
    let (path, sql) = new_migration(&after_second, &third);
    assert_eq!(path, "migrations/0003_update.sql");
    assert_transactions_well_formed(sql);
    insta::assert_snapshot!("v3_update", sql);

    // The history is kept verbatim: every earlier migration is still there, unchanged.
    for (path, contents) in first
        .iter()
        .chain(&second)
        .filter(|(p, _)| p.starts_with("migrations/") && p.ends_with(".sql"))
    {
        assert!(
            third.contains(&(path.clone(), contents.clone())),
            "{path} changed"
        );
    }
}

#[test]
fn an_unchanged_schema_keeps_history_and_snapshot_byte_identical() {
    let first = build(&History::default(), &v1());
    let history = history_of(&first);
    assert_eq!(build(&history, &v1()), first);
    // A change the database does not see (a logical name) writes no migration and keeps
    // the snapshot the migrations lead to.
    let mut renamed = v1();
    renamed.tables[0].name = "Everything".into();
    assert_eq!(build(&history, &renamed), first);
}

#[test]
fn the_snapshot_is_the_next_system_and_reads_back_equal() {
    let files = build(&History::default(), &v1());
    let history = history_of(&files);
    assert_eq!(history.schema, Some(v1()));
}

#[test]
fn a_small_change_is_named_after_it_and_numbered_after_the_highest() {
    let users = table("users", [col("id", Integer)]);
    let before = system([], [users.clone()]);
    let history = History {
        schema: Some(before),
        migrations: vec![
            ("0001_init.sql".into(), "-- one\n".into()),
            ("0007_manual.sql".into(), "-- seven\n".into()),
        ],
        ..History::default()
    };
    let next = system([], [users.with_column(col("bio", Text).optional())]);
    let files = build(&history, &next);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "migrations/0001_init.sql",
            "migrations/0007_manual.sql",
            "migrations/0008_add_users_bio.sql",
            "migrations/schemagen.sum",
            "undo/0008_add_users_bio.json",
            "schema.json"
        ]
    );
    insta::assert_snapshot!("add_users_bio", &files[2].1);
}

#[test]
fn migrations_without_their_snapshot_are_refused() {
    let history = History {
        schema: None,
        migrations: vec![("0001_init.sql".into(), "-- one\n".into())],
        ..History::default()
    };
    let migration = plan(None, &v1());
    let err = postgres::render(&v1(), &history, &migration, &templates()).unwrap_err();
    assert_eq!(err.code, schemagen::diagnostics::Code::MigrationHistory);
    assert!(err.help.is_some());
}

#[test]
fn names_with_newlines_cannot_escape_sql_comments() {
    let mut weird = table("t\nDROP TABLE x; --", [col("id", Integer)]);
    weird.primary_key = None;
    let before = system([], [weird]);
    let history = History {
        schema: Some(before),
        migrations: vec![("0001_init.sql".into(), String::new())],
        ..History::default()
    };
    let files = build(&history, &system([], []));
    let sql = &files[1].1;
    assert!(
        sql.contains(
            "-- WARNING: destructive: drop table public.t DROP TABLE x; -- and its rows\n"
        ),
        "{sql}"
    );
    assert!(
        sql.contains("DROP TABLE \"public\".\"t\nDROP TABLE x; --\";"),
        "{sql}"
    );
}
