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
        qualified().prop_map(|name| ScalarType::Enum { name }),
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
