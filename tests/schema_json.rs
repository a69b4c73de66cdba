//! `schema.json`'s format (`ir::snapshot`) is faithful and reads every older snapshot: each
//! committed snapshot (the seed systems' `generated/*/schema.json`, the fixtures' kept
//! histories, written in the pretty format of session 4 and before) loads, and written and
//! read back is the same IR; so is every case the tests render (seed systems, `ok` fixtures,
//! scenarios), from its compiled IR, and any IR the property test makes up. Session 5's
//! compact snapshots of eleven fixtures (`tests/schema_json/session5/`) read as the same IR
//! as the fixtures' snapshots in this format.

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use schemagen::ir::{
    snapshot, Check, Column, ColumnType, DefaultValue, Enum, EnumValue, ForeignKey, Index,
    IndexMethod, IndexPart, Literal, PrimaryKey, QualifiedName, ReferentialAction, ScalarType,
    SortOrder, System, Table,
};
use std::path::PathBuf;

/// Every committed `schema.json` below `generated/` and `tests/fixtures/`.
fn committed_snapshots() -> Vec<PathBuf> {
    let root = support::repo_root();
    let mut found: Vec<PathBuf> = ["generated", "tests/fixtures"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name())
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.file_name().is_some_and(|n| n == "schema.json"))
        .collect();
    found.sort();
    found
}

/// What `schema.json` keeps of a system: seed rows, renames and consent are not schema.
fn schema_part(system: &System) -> System {
    System {
        seed: Vec::new(),
        renames: Vec::new(),
        accept_data_loss: Vec::new(),
        ..system.clone()
    }
}

fn round_trip(system: &System) -> (String, System) {
    let text = snapshot::to_string(system).unwrap();
    let read = snapshot::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    (text, read)
}

#[test]
fn every_committed_snapshot_reads_and_survives_the_compact_format() {
    let files = committed_snapshots();
    assert!(files.len() >= 10, "snapshots not found: {files:?}");
    let mut pretty = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let system = snapshot::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not read: {e}", path.display()));
        assert!(!system.tables.is_empty(), "{}", path.display());
        let (compact, read) = round_trip(&system);
        assert_eq!(
            read,
            system,
            "{} changed in the compact format",
            path.display()
        );
        // Equality ignores spans: the database names, compared field by field, are what matter.
        let names = |s: &System| -> Vec<String> {
            s.tables
                .iter()
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .map(move |c| format!("{:?}.{}", t.db_name, c.db_name))
                })
                .collect()
        };
        assert_eq!(names(&read), names(&system), "{}", path.display());
        if text.contains("\"nullable\": false") {
            pretty += 1;
            assert!(
                compact.len() * 2 < text.len(),
                "{} barely shrank",
                path.display()
            );
        }
    }
    assert!(
        pretty >= 5,
        "the committed snapshots no longer hold the old format"
    );
}

#[test]
fn every_rendered_case_survives_the_compact_format() {
    let scratch = support::TempDir::new("schema-json");
    for case in support::cases() {
        let run = support::generate(&case.label, &case.config(&scratch.join("none")));
        for system in &run.systems {
            let (text, read) = round_trip(system);
            assert_eq!(read, schema_part(system), "{}: {}", case.label, system.name);
            assert_eq!(
                snapshot::to_string(&read).unwrap(),
                text,
                "{}: not stable",
                case.label
            );
        }
    }
}

#[test]
fn session_5_snapshots_read_as_the_same_ir_as_this_format() {
    let dir = support::repo_root().join("tests/schema_json/session5");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (case, system) = stem.split_once("__").unwrap();
        let old = std::fs::read_to_string(&path).unwrap();
        assert!(
            old.contains(r#"{"kind":"#),
            "{stem}: not session 5's format"
        );
        let snap = support::repo_root().join(format!(
            "tests/fixtures/ok/{case}/snapshots/{system}__schema.json.snap"
        ));
        let snap = std::fs::read_to_string(&snap).unwrap();
        // insta's header, then the snapshot.
        let current = snap.splitn(3, "---\n").nth(2).unwrap();
        let read = |text: &str| {
            snapshot::from_str(text).unwrap_or_else(|e| panic!("{stem} does not read: {e}"))
        };
        assert_eq!(read(&old), read(current), "{stem}");
        assert!(current.len() * 4 < old.len() * 3, "{stem} barely shrank");
    }
}

#[test]
fn what_a_snapshot_leaves_out_reads_back_derived() {
    let text = r#"{"name":"s","tables":[{"name":"User","db_name":"users","columns":{
        "id":"uuid",
        "tags":"text[]?",
        "createdAt":{"db_name":"created_at","ty":"timestamp(3)","default":{"fn":"now()"}}},
        "primary_key":["id"],
        "foreign_keys":[{"columns":["id"],"referenced_table":{"schema":"auth","name":"users"},"referenced_columns":["id"]}],
        "indexes":[{"parts":["tags",{"desc":"created_at"}]},{"db_name":"by_day","parts":[{"kind":"expression","sql":"date(created_at)"}]}]}]}"#;
    let system = snapshot::from_str(text).unwrap();
    let table = &system.tables[0];
    assert_eq!(table.db_name, QualifiedName::public("users"));
    assert_eq!(table.columns[0].db_name, "id");
    assert!(table.columns[1].ty.array && table.columns[1].nullable);
    assert_eq!(table.columns[2].db_name, "created_at");
    assert_eq!(table.columns[2].default, Some(DefaultValue::Now));
    assert_eq!(table.primary_key.as_ref().unwrap().db_name, "users_pkey");
    assert_eq!(table.foreign_keys[0].db_name, "users_id_fkey");
    assert_eq!(table.foreign_keys[0].referenced_table.schema, "auth");
    assert_eq!(table.indexes[0].db_name, "users_tags_created_at_idx");
    assert_eq!(table.indexes[1].db_name, "by_day");
    let (written, read) = round_trip(&system);
    assert_eq!(read, system);
    assert!(
        written.contains(
            r#""createdAt":{"db_name":"created_at","ty":"timestamp(3)","default":{"fn":"now()"}}"#
        ),
        "{written}"
    );
    assert!(written.contains(r#""tags":"text[]?""#), "{written}");
    // The comparison above can fail: a database name dropped by mistake is seen.
    let broken = written.replace(r#""db_name":"created_at","#, "");
    assert_ne!(snapshot::from_str(&broken).unwrap(), system);
    let broken = written.replace(r#""db_name":"by_day","#, "");
    assert_ne!(snapshot::from_str(&broken).unwrap(), system);
}

#[test]
fn one_changed_column_is_one_changed_line() {
    let case = support::cases()
        .into_iter()
        .find(|c| c.label == "fixture-prisma_scalars")
        .expect("the prisma_scalars fixture");
    let scratch = support::TempDir::new("schema-json-diff");
    let run = support::generate(&case.label, &case.config(&scratch.join("none")));
    let system = &run.systems[0];
    let before = snapshot::to_string(system).unwrap();
    let mut changed = system.clone();
    let column = &mut changed.tables[0].columns[1];
    column.nullable = !column.nullable;
    column.default = Some(DefaultValue::Literal(Literal::String("x\"y".into())));
    let after = snapshot::to_string(&changed).unwrap();
    let differ = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(before.lines().count(), after.lines().count());
    assert_eq!(differ, 1, "{before}\n{after}");
}

/// Names a team may write (and some no one should): quotes, backslashes, control characters,
/// non-ASCII, and the characters the type notation uses (`.`, `[]`, `?`, `:`, `(`).
fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "id",
        "User",
        "users",
        "created_at",
        "a\"b",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "nul\u{0}",
        "bell\u{7}",
        "del\u{7f}",
        "é",
        "名前",
        "😀",
        "a.b",
        "x[]",
        "why?",
        "enum:x",
        "f(1)",
        "public",
        "auth",
        "_",
        " ",
    ])
    .prop_map(str::to_string)
}

fn qualified() -> impl Strategy<Value = QualifiedName> {
    (
        prop::sample::select(vec!["public", "public", "auth", "a.b", "x y"]),
        name(),
    )
        .prop_map(|(schema, name)| QualifiedName::new(schema, name))
}

fn scalar() -> impl Strategy<Value = ScalarType> {
    let length = prop::option::of(0..70_000u32);
    let precision = prop::option::of(any::<u8>());
    prop_oneof![
        prop::sample::select(vec![
            ScalarType::Text,
            ScalarType::Citext,
            ScalarType::SmallInt,
            ScalarType::Integer,
            ScalarType::BigInt,
            ScalarType::Serial { big: false },
            ScalarType::Serial { big: true },
            ScalarType::Identity { big: false },
            ScalarType::Identity { big: true },
            ScalarType::Real,
            ScalarType::Double,
            ScalarType::Boolean,
            ScalarType::Uuid,
            ScalarType::Date,
            ScalarType::Json,
            ScalarType::Jsonb,
            ScalarType::Bytea,
            ScalarType::GeoPoint,
        ]),
        length
            .clone()
            .prop_map(|length| ScalarType::Varchar { length }),
        length
            .clone()
            .prop_map(|length| ScalarType::Char { length }),
        (length.clone(), length)
            .prop_map(|(precision, scale)| ScalarType::Numeric { precision, scale }),
        precision
            .clone()
            .prop_map(|precision| ScalarType::Timestamptz { precision }),
        precision
            .clone()
            .prop_map(|precision| ScalarType::Timestamp { precision }),
        precision.prop_map(|precision| ScalarType::Time { precision }),
        qualified().prop_map(|name| ScalarType::Enum {
            name: Box::new(name),
        }),
    ]
}

fn literal() -> impl Strategy<Value = Literal> {
    let number = prop::sample::select(vec![
        "0",
        "-0",
        "7",
        "-12",
        "007",
        "1.50",
        "1e400",
        "+3",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "",
        "NaN",
    ]);
    let leaf = prop_oneof![
        name().prop_map(Literal::String),
        number.prop_map(|n| Literal::Number(n.into())),
        any::<bool>().prop_map(Literal::Bool),
        name().prop_map(Literal::Json),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(Literal::Array)
    })
}

fn default() -> impl Strategy<Value = DefaultValue> {
    prop_oneof![
        literal().prop_map(DefaultValue::Literal),
        name().prop_map(DefaultValue::EnumValue),
        Just(DefaultValue::Now),
        Just(DefaultValue::GenRandomUuid),
        name().prop_map(DefaultValue::Client),
        name().prop_map(DefaultValue::Sql),
    ]
}

fn column() -> impl Strategy<Value = Column> {
    let db_name = prop::option::of(name());
    let comment = prop::option::of(name());
    (
        name(),
        db_name,
        scalar(),
        any::<(bool, bool)>(),
        prop::option::of(default()),
        comment,
    )
        .prop_map(
            |(name, db_name, scalar, (array, nullable), default, comment)| Column {
                db_name: db_name.unwrap_or_else(|| name.clone()),
                name,
                ty: ColumnType { scalar, array },
                nullable,
                default,
                comment,
                span: Default::default(),
            },
        )
}

fn action() -> impl Strategy<Value = ReferentialAction> {
    prop::sample::select(vec![
        ReferentialAction::NoAction,
        ReferentialAction::Restrict,
        ReferentialAction::Cascade,
        ReferentialAction::SetNull,
        ReferentialAction::SetDefault,
    ])
}

fn part() -> impl Strategy<Value = IndexPart> {
    let order = prop::sample::select(vec![SortOrder::Asc, SortOrder::Desc]);
    prop_oneof![
        (name(), order, prop::option::of(name())).prop_map(|(name, order, opclass)| {
            IndexPart::Column {
                name,
                order,
                opclass,
            }
        }),
        name().prop_map(|sql| IndexPart::Expression { sql }),
    ]
}

/// A table whose keys and indexes have Postgres's default names half of the time.
fn table() -> impl Strategy<Value = Table> {
    let pk = prop::option::of((prop::collection::vec(name(), 1..3), any::<bool>()));
    let fk = (
        prop::collection::vec(name(), 0..3),
        qualified(),
        prop::collection::vec(name(), 1..3),
        action(),
        action(),
        any::<bool>(),
    );
    let method = prop::sample::select(vec![
        IndexMethod::Btree,
        IndexMethod::Gin,
        IndexMethod::Brin,
    ]);
    let index = (
        prop::collection::vec(part(), 1..3),
        any::<(bool, bool, bool)>(),
        method,
        prop::option::of(name()),
    );
    let comment = prop::option::of(name());
    (
        name(),
        qualified(),
        any::<bool>(),
        prop::collection::vec(column(), 0..5),
        pk,
        prop::collection::vec(fk, 0..2),
        prop::collection::vec(index, 0..3),
        prop::collection::vec((name(), name()), 0..2),
        comment,
    )
        .prop_map(
            |(name, db_name, same, columns, pk, fks, indexes, checks, comment)| {
                let db_name = if same {
                    QualifiedName::public(name.clone())
                } else {
                    db_name
                };
                let t = db_name.name.clone();
                let named = |derived: bool, columns: &[String], suffix: &str| {
                    if derived {
                        format!("{t}_{}_{suffix}", columns.join("_"))
                    } else {
                        format!("{t}_custom")
                    }
                };
                Table {
                    primary_key: pk.map(|(columns, derived)| PrimaryKey {
                        db_name: if derived {
                            format!("{t}_pkey")
                        } else {
                            "pk".into()
                        },
                        columns,
                        span: Default::default(),
                    }),
                    foreign_keys: fks
                        .into_iter()
                        .map(
                            |(
                                columns,
                                referenced_table,
                                referenced_columns,
                                on_delete,
                                on_update,
                                derived,
                            )| ForeignKey {
                                db_name: named(derived, &columns, "fkey"),
                                columns,
                                referenced_table,
                                referenced_columns,
                                on_delete,
                                on_update,
                                span: Default::default(),
                            },
                        )
                        .collect(),
                    indexes: indexes
                        .into_iter()
                        .map(
                            |(parts, (unique, concurrently, derived), method, predicate)| {
                                let columns: Vec<String> = parts
                                    .iter()
                                    .map(|p| match p {
                                        IndexPart::Column { name, .. } => name.clone(),
                                        IndexPart::Expression { sql } => sql.clone(),
                                    })
                                    .collect();
                                Index {
                                    db_name: named(
                                        derived,
                                        &columns,
                                        if unique { "key" } else { "idx" },
                                    ),
                                    parts,
                                    unique,
                                    method,
                                    predicate,
                                    concurrently,
                                    span: Default::default(),
                                }
                            },
                        )
                        .collect(),
                    checks: checks
                        .into_iter()
                        .map(|(db_name, expression)| Check {
                            db_name,
                            expression,
                            span: Default::default(),
                        })
                        .collect(),
                    name,
                    db_name,
                    columns,
                    comment,
                    partition: None,
                    span: Default::default(),
                }
            },
        )
}

fn enumeration() -> impl Strategy<Value = Enum> {
    let value = (name(), prop::option::of(name())).prop_map(|(name, db_name)| EnumValue {
        db_name: db_name.unwrap_or_else(|| name.clone()),
        name,
        span: Default::default(),
    });
    (
        name(),
        qualified(),
        any::<bool>(),
        prop::collection::vec(value, 0..4),
        prop::option::of(name()),
    )
        .prop_map(|(name, db_name, same, values, comment)| Enum {
            db_name: if same {
                QualifiedName::public(name.clone())
            } else {
                db_name
            },
            name,
            values,
            comment,
            span: Default::default(),
        })
}

fn system() -> impl Strategy<Value = System> {
    (
        name(),
        prop::collection::vec(name(), 0..2),
        prop::collection::vec(enumeration(), 0..3),
        prop::collection::vec(table(), 0..4),
    )
        .prop_map(|(name, namespaces, enums, tables)| System {
            name,
            namespaces: namespaces.clone(),
            extensions: namespaces,
            enums,
            tables,
            ..System::default()
        })
}

/// Any IR the format can hold, written and read back, is the same IR; the text is JSON that
/// any reader decodes to the same strings (`serde_json::Value`), and writing it again gives
/// the same bytes. Seeded, so CI checks the same cases every time.
#[test]
fn any_system_survives_the_format() {
    let config = Config {
        cases: 512,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner
        .run(&system(), |system| {
            let (text, read) = round_trip(&system);
            prop_assert_eq!(&read, &system, "{}", text);
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            for table in &system.tables {
                prop_assert!(value["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["name"] == table.name.as_str()));
            }
            prop_assert_eq!(snapshot::to_string(&read).unwrap(), text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn names_are_escaped_as_json_escapes_them() {
    let hostile = [
        "a\"b",
        "back\\slash",
        "tab\there",
        "nul\u{0}x",
        "\u{1f}",
        "\u{7f}é名😀",
        "\r\u{8}\u{c}",
    ];
    let mut system = System {
        name: "s".into(),
        ..System::default()
    };
    let columns = hostile.iter().map(|n| Column {
        name: n.to_string(),
        db_name: n.to_string(),
        ty: ColumnType::scalar(ScalarType::Text),
        nullable: false,
        default: Some(DefaultValue::Literal(Literal::String(n.to_string()))),
        comment: None,
        span: Default::default(),
    });
    system.tables.push(Table {
        name: "t".into(),
        db_name: QualifiedName::public("t"),
        columns: columns.collect(),
        primary_key: None,
        foreign_keys: vec![],
        indexes: vec![],
        checks: vec![],
        partition: None,
        comment: None,
        span: Default::default(),
    });
    let (text, read) = round_trip(&system);
    assert_eq!(read, system);
    for n in hostile {
        let json = serde_json::to_string(n).unwrap();
        assert!(
            text.contains(&format!("{json}:{{\"ty\":\"text\",\"default\":{json}}}")),
            "{n:?} in {text}"
        );
    }
}

/// The example in docs/schema-json.md is what the writer writes for it, so the page cannot rot.
#[test]
fn the_documented_example_is_written_as_documented() {
    let page = std::fs::read_to_string(support::repo_root().join("docs/schema-json.md")).unwrap();
    let example = page
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a json block");
    let system = snapshot::from_str(example).unwrap();
    assert_eq!(
        system.tables[0].foreign_keys[0].db_name,
        "orders_customer_id_fkey"
    );
    assert_eq!(snapshot::to_string(&system).unwrap(), example);
}

// ---------------------------------------------------------------------------------------
// A previous snapshot read against the next one's text (`snapshot::from_str_against`): the
// tables both texts share are copied, not parsed, and the result is the whole read's.

/// The previous `text` read against `next`: the read, and what the whole read gives.
fn read_both(text: &str, next: &System) -> (snapshot::Read, System) {
    let written = snapshot::written(next).unwrap();
    assert_eq!(written.text, snapshot::to_string(next).unwrap());
    let read =
        snapshot::from_str_against(text, next, &written).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    (read, snapshot::from_str(text).unwrap())
}

fn copies(read: &snapshot::Read) -> usize {
    read.copied.iter().flatten().count()
}

/// The plans of `next` against the whole read and against the read that copied, with their
/// diagnostics, as text (spans and all).
fn plans(read: &snapshot::Read, whole: &System, next: &System) -> (String, String) {
    let full = schemagen::plan::plan_checked(Some(whole), next, false);
    let known = schemagen::plan::plan_knowing(Some(&read.system), next, false, &read.copied);
    (format!("{full:#?}"), format!("{known:#?}"))
}

/// Every rendered case (compiled IR: spans everywhere) read against its own snapshot: every
/// table is copied, and the copies are what reading gives, spans left out (`{:?}` shows them).
#[test]
fn a_snapshot_read_against_itself_copies_every_table_as_read() {
    let scratch = support::TempDir::new("schema-json-against");
    let mut tables = 0;
    for case in support::cases() {
        let run = support::generate(&case.label, &case.config(&scratch.join("none")));
        for system in &run.systems {
            let text = snapshot::to_string(system).unwrap();
            let (read, whole) = read_both(&text, system);
            assert_eq!(copies(&read), system.tables.len(), "{}", case.label);
            assert_eq!(
                format!("{:?}", read.system),
                format!("{whole:?}"),
                "{}",
                case.label
            );
            tables += system.tables.len();
        }
    }
    assert!(tables > 100, "{tables} tables");
}

/// One table changed in the middle of a compiled system: only it is read, and the plan is the
/// whole read's (one step, not nothing).
#[test]
fn one_changed_table_is_the_only_one_read_and_plans_as_a_whole_read() {
    let case = support::cases()
        .into_iter()
        .find(|c| c.label == "fixture-prisma_scalars")
        .expect("the prisma_scalars fixture");
    let scratch = support::TempDir::new("schema-json-one-table");
    let run = support::generate(&case.label, &case.config(&scratch.join("none")));
    let before = schema_part(&run.systems[0]);
    let changed = before.tables.len() / 2;
    assert!(before.tables.len() >= 3, "{}", before.tables.len());
    let mut next = before.clone();
    let column = &mut next.tables[changed].columns[1];
    column.nullable = !column.nullable;
    let (read, whole) = read_both(&snapshot::to_string(&before).unwrap(), &next);
    assert_eq!(copies(&read), before.tables.len() - 1);
    assert_eq!(read.copied[changed], None);
    assert_eq!(format!("{:?}", read.system), format!("{whole:?}"));
    let (full, known) = plans(&read, &whole, &next);
    assert_eq!(known, full);
    let migration = schemagen::plan::plan_knowing(Some(&read.system), &next, false, &read.copied);
    assert_eq!(migration.0.steps.len(), 1, "{known}");
}

/// Snapshots of older formats (session 4's pretty one, committed under `tests/fixtures/`;
/// session 5's compact one) share no table's text with this writer's: they are read whole,
/// even against the very system they hold.
#[test]
fn an_older_format_is_read_whole() {
    let session5 = support::repo_root().join("tests/schema_json/session5");
    let mut older: Vec<PathBuf> = std::fs::read_dir(session5)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    older.extend(committed_snapshots().into_iter().filter(|p| {
        std::fs::read_to_string(p)
            .unwrap()
            .contains("\"nullable\": false")
    }));
    assert!(older.len() >= 15, "{older:?}");
    for path in older {
        let text = std::fs::read_to_string(&path).unwrap();
        let next = snapshot::from_str(&text).unwrap();
        let (read, whole) = read_both(&text, &next);
        assert_eq!(copies(&read), 0, "{}", path.display());
        assert_eq!(read.system, whole, "{}", path.display());
        // The same system in this format: every table copied.
        let (read, _) = read_both(&snapshot::to_string(&next).unwrap(), &next);
        assert_eq!(copies(&read), next.tables.len(), "{}", path.display());
    }
}

/// What lies between the shared head and tail is read as the whole read would, or the whole
/// read's error is reported: a broken middle is never taken for tables.
#[test]
fn a_middle_that_is_not_tables_is_the_whole_reads_error() {
    let table = |name: &str| {
        format!(r#"{{"name":"{name}","columns":{{"id":"uuid"}},"primary_key":["id"]}}"#)
    };
    let system = snapshot::from_str(&format!(
        r#"{{"name":"s","tables":[{},{},{}]}}"#,
        table("A"),
        table("B"),
        table("C")
    ))
    .unwrap();
    let text = snapshot::to_string(&system).unwrap();
    let b = &text[text.find("{\n   \"name\":\"B\"").unwrap()..];
    let b = &b[..b.find("\n  }").unwrap() + 4];
    for broken in [
        "",
        "null",
        "{}",
        "1,2",
        "\"B\"",
        "{\"name\":\"B\"",
        "],\"x\":[",
    ] {
        let old = text.replace(b, broken);
        let written = snapshot::written(&system).unwrap();
        let read = snapshot::from_str_against(&old, &system, &written).map(|r| r.system);
        let whole = snapshot::from_str(&old);
        assert_eq!(
            format!("{read:?}"),
            format!("{whole:?}"),
            "{broken:?} in\n{old}"
        );
        assert!(whole.is_err(), "{broken:?}");
    }
    // A table dropped from the middle reads as two tables.
    let old = text.replace(&format!("{b},\n  "), "");
    let (read, whole) = read_both(&old, &system);
    assert_eq!(read.system, whole);
    assert_eq!(read.copied, [Some(0), Some(2)]);
}

/// Random previous systems and next systems made from them by a few changes (a column made
/// nullable, tables dropped, added, replaced, renamed, an enum changed): the read against the
/// next text is the whole read (spans and all), and plans the same steps and diagnostics.
/// Seeded, so CI checks the same cases every time.
#[test]
fn a_read_against_the_next_snapshot_plans_as_a_whole_read() {
    let config = Config {
        cases: 256,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[9; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let change = (0..6u8, any::<prop::sample::Index>(), table(), enumeration());
    let pair = (
        system(),
        prop::collection::vec(table(), 0..6),
        prop::collection::vec(change, 0..4),
    );
    let copied = std::cell::Cell::new(0);
    runner
        .run(&pair, |(mut previous, more, changes)| {
            previous.tables.extend(more);
            let mut next = previous.clone();
            for (kind, at, table, enumeration) in changes {
                apply(&mut next, kind, at, table, enumeration);
            }
            let text = snapshot::to_string(&previous).unwrap();
            let (read, whole) = read_both(&text, &next);
            prop_assert_eq!(format!("{:?}", read.system), format!("{whole:?}"));
            let (full, known) = plans(&read, &whole, &next);
            prop_assert_eq!(known, full);
            copied.set(copied.get() + copies(&read));
            Ok(())
        })
        .unwrap();
    // The shortcut is taken, not only ever declined.
    assert!(copied.get() > 500, "{} tables copied", copied.get());
}

/// One change to `system` (see the test above).
fn apply(system: &mut System, kind: u8, at: prop::sample::Index, table: Table, e: Enum) {
    let tables = &mut system.tables;
    if tables.is_empty() {
        tables.push(table);
        return;
    }
    let i = at.index(tables.len());
    match kind {
        0 => match tables[i].columns.first_mut() {
            Some(column) => column.nullable = !column.nullable,
            None => tables[i].columns.extend(table.columns),
        },
        1 => drop(tables.remove(i)),
        2 => tables.insert(i, table),
        3 => tables[i] = table,
        4 => tables[i].db_name.name.push('2'),
        _ => system.enums.push(e),
    }
}
