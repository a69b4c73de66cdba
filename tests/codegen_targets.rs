//! The Rust and TypeScript targets, rendered from hand-built IR systems and snapshotted.
//! Each snapshot is also compiled (rustc with serde, serde_json, uuid, chrono and rust_decimal;
//! `tsc --strict --noEmit`) by the compile tests; here we pin the exact text.

mod support;

use schemagen::diagnostics::Code;
use schemagen::ir::{
    Column, ColumnType, DefaultValue, Enum, EnumValue, ForeignKey, Index, IndexMethod, IndexPart,
    Literal, PrimaryKey, QualifiedName, ReferentialAction, ScalarType, SortOrder, Span, System,
    Table,
};
use schemagen::render::{rust, typescript, Templates};

// ---- a small IR builder -------------------------------------------------------------------

fn system(name: &str, enums: Vec<Enum>, tables: Vec<Table>) -> System {
    System {
        name: name.into(),
        namespaces: Vec::new(),
        enums,
        tables,
        access: Default::default(),
        ..Default::default()
    }
}

fn table(name: &str, db_name: &str, columns: Vec<Column>) -> Table {
    Table {
        partition: None,
        name: name.into(),
        db_name: QualifiedName::public(db_name),
        columns,
        primary_key: None,
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        comment: None,
        span: Span::default(),
    }
}

fn enumeration(name: &str, db_name: &str, values: &[(&str, &str)]) -> Enum {
    Enum {
        name: name.into(),
        db_name: QualifiedName::public(db_name),
        values: values
            .iter()
            .map(|(name, db_name)| EnumValue {
                name: (*name).into(),
                db_name: (*db_name).into(),
                span: Span::default(),
            })
            .collect(),
        comment: None,
        span: Span::default(),
    }
}

/// A column whose logical and database names are the same.
fn col(name: &str, scalar: ScalarType) -> Column {
    mapped(name, name, scalar)
}

fn mapped(name: &str, db_name: &str, scalar: ScalarType) -> Column {
    Column {
        name: name.into(),
        db_name: db_name.into(),
        ty: ColumnType::scalar(scalar),
        nullable: false,
        default: None,
        comment: None,
        span: Span::default(),
    }
}

trait ColumnExt {
    fn nullable(self) -> Self;
    fn array(self) -> Self;
    fn default(self, default: DefaultValue) -> Self;
    fn comment(self, comment: &str) -> Self;
}

impl ColumnExt for Column {
    fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }
    fn array(mut self) -> Self {
        self.ty.array = true;
        self
    }
    fn default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }
    fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

fn in_schema(mut table: Table, schema: &str) -> Table {
    table.db_name.schema = schema.into();
    table
}

fn commented_table(mut table: Table, comment: &str) -> Table {
    table.comment = Some(comment.into());
    table
}

fn primary_key(mut table: Table, columns: &[&str]) -> Table {
    table.primary_key = Some(PrimaryKey {
        db_name: format!("{}_pkey", table.db_name.name),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        span: Span::default(),
    });
    table
}

fn unique(mut table: Table, columns: &[&str]) -> Table {
    table.indexes.push(Index {
        db_name: format!("{}_{}_key", table.db_name.name, columns.join("_")),
        parts: columns
            .iter()
            .map(|c| IndexPart::Column {
                name: c.to_string(),
                order: SortOrder::Asc,
                opclass: None,
            })
            .collect(),
        unique: true,
        method: IndexMethod::Btree,
        predicate: None,
        concurrently: false,
        span: Span::default(),
    });
    table
}

fn foreign_key(
    mut table: Table,
    columns: &[&str],
    referenced: &str,
    referenced_columns: &[&str],
) -> Table {
    table.foreign_keys.push(ForeignKey {
        db_name: format!("{}_{}_fkey", table.db_name.name, columns.join("_")),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        referenced_table: QualifiedName::public(referenced),
        referenced_columns: referenced_columns.iter().map(|c| c.to_string()).collect(),
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
        span: Span::default(),
    });
    table
}

fn enum_type(db_name: &str) -> ScalarType {
    ScalarType::Enum {
        name: Box::new(QualifiedName::public(db_name)),
    }
}

fn render_rust(system: &System) -> String {
    rust::render(system, &Templates::new(None).unwrap()).unwrap()
}

fn render_typescript(system: &System) -> String {
    typescript::render(system, &Templates::new(None).unwrap()).unwrap()
}

// ---- systems ------------------------------------------------------------------------------

/// Every scalar type, plain, nullable and as arrays; defaults of every kind; comments.
fn every_type() -> System {
    let mut status = enumeration(
        "ContentStatus",
        "content_status",
        &[
            ("DRAFT", "DRAFT"),
            ("PUBLISHED", "published"),
            ("inReview", "in_review"),
        ],
    );
    status.comment = Some("Where an item is in its life.\nOnly `published` is public.".into());
    let scalars = vec![
        col("text", ScalarType::Text),
        col("varchar", ScalarType::Varchar { length: Some(80) }),
        col("char", ScalarType::Char { length: None }),
        col("smallInt", ScalarType::SmallInt),
        col("integer", ScalarType::Integer),
        col("bigInt", ScalarType::BigInt),
        col("serial", ScalarType::Serial { big: false }),
        col("bigSerial", ScalarType::Serial { big: true }),
        col("identity", ScalarType::Identity { big: false }),
        col("bigIdentity", ScalarType::Identity { big: true }),
        col(
            "numeric",
            ScalarType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
        ),
        col("real", ScalarType::Real),
        col("double", ScalarType::Double),
        col("boolean", ScalarType::Boolean),
        col("uuid", ScalarType::Uuid),
        col(
            "timestamptz",
            ScalarType::Timestamptz { precision: Some(3) },
        ),
        col("timestamp", ScalarType::Timestamp { precision: None }),
        col("date", ScalarType::Date),
        col("time", ScalarType::Time { precision: None }),
        col("json", ScalarType::Json),
        col("jsonb", ScalarType::Jsonb),
        col("bytea", ScalarType::Bytea),
        col("status", enum_type("content_status")),
        col("location", ScalarType::GeoPoint),
    ];
    let nullable = scalars
        .iter()
        .map(|c| {
            mapped(
                &format!("{}Nullable", c.name),
                &format!("{}_nullable", c.db_name),
                c.ty.scalar.clone(),
            )
            .nullable()
        })
        .collect();
    let arrays = [
        col("tags", ScalarType::Text).array(),
        col("scores", ScalarType::Integer).array(),
        col("statuses", enum_type("content_status")).array(),
        col("readings", ScalarType::Double).array().nullable(),
        col("route", ScalarType::GeoPoint).array(),
        col("blobs", ScalarType::Bytea).array(),
    ];
    let defaults = vec![
        mapped("id", "id", ScalarType::Uuid).default(DefaultValue::GenRandomUuid),
        mapped(
            "createdAt",
            "created_at",
            ScalarType::Timestamptz { precision: None },
        )
        .default(DefaultValue::Now)
        .comment("Set by the database on insert."),
        mapped("slug", "slug", ScalarType::Text).default(DefaultValue::Client("cuid()".into())),
        col("views", ScalarType::Integer)
            .default(DefaultValue::Literal(Literal::Number("0".into()))),
        col("state", enum_type("content_status")).default(DefaultValue::EnumValue("DRAFT".into())),
        col("search", ScalarType::Text).default(DefaultValue::Sql("''::text".into())),
        col("title", ScalarType::Text)
            .comment("The headline.\n\nShown in lists; a `*/` here must not end the comment."),
        col("subtitle", ScalarType::Text)
            .nullable()
            .comment("Shown under the title, e.g.\n\n    let x: i32 = \"not code\";\n\n```rust\nnot code either\n```"),
    ];
    system(
        "every_type",
        vec![status],
        vec![
            commented_table(
                table("Scalars", "scalars", scalars),
                "One column per scalar type.",
            ),
            table("NullableScalars", "nullable_scalars", nullable),
            table("Arrays", "arrays", arrays.into()),
            table("Post", "posts", defaults),
        ],
    )
}

/// Names that are keywords, not identifiers, or collide once converted.
fn odd_names() -> System {
    let enums = vec![
        enumeration(
            "status",
            "status",
            &[
                ("in-progress", "in-progress"),
                ("IN_PROGRESS", "IN_PROGRESS"),
                ("1st", "1st"),
                ("self", "self"),
                ("", ""),
                ("say \"hi\"", "say \"hi\""),
            ],
        ),
        enumeration("Empty", "empty", &[]),
    ];
    let tables = vec![
        table(
            "user_profile",
            "user_profile",
            vec![col("id", ScalarType::Integer)],
        ),
        table(
            "UserProfile",
            "UserProfile",
            vec![
                col("userId", ScalarType::Integer),
                col("user_id", ScalarType::Integer),
                col("type", ScalarType::Text),
                col("self", ScalarType::Text),
                col("match", ScalarType::Text),
                col("gen", ScalarType::Text),
                col("async", ScalarType::Text),
                col("default", ScalarType::Text),
                mapped("displayName", "display name", ScalarType::Text),
                mapped("x2ndLine", "2nd-line", ScalarType::Text),
                mapped("größe", "größe", ScalarType::Integer),
                mapped("$$", "$$", ScalarType::Boolean),
                col("status", enum_type("status")),
            ],
        ),
        table("status", "status_log", vec![col("at", ScalarType::Date)]),
        table(
            "option",
            "option",
            vec![col("value", ScalarType::Text).nullable()],
        ),
        table("type", "type", vec![col("self", ScalarType::Text)]),
        table(
            "post_insert",
            "post_insert",
            vec![col("id", ScalarType::Integer)],
        ),
        table("post", "post", vec![col("id", ScalarType::Integer)]),
        table("Json", "json", vec![col("doc", ScalarType::Jsonb)]),
        table(
            "GeoPoint",
            "geo_point",
            vec![col("at", ScalarType::GeoPoint)],
        ),
        in_schema(
            table("AuthUser", "users", vec![col("id", ScalarType::Uuid)]),
            "auth",
        ),
        table("User", "users", vec![col("id", ScalarType::Uuid)]),
        // Names of things the generated code or its derives refer to.
        table("result", "result", vec![col("ok", ScalarType::Boolean)]),
        table("box", "box", vec![col("ok", ScalarType::Boolean)]),
        table("clone", "clone", vec![col("ok", ScalarType::Boolean)]),
        table(
            "Serialize",
            "serialize",
            vec![col("ok", ScalarType::Boolean)],
        ),
        table(
            "Formatter",
            "formatter",
            vec![col("ok", ScalarType::Boolean)],
        ),
        table("uuid", "uuid", vec![col("ok", ScalarType::Boolean)]),
        table("self", "self", vec![col("ok", ScalarType::Boolean)]),
    ];
    system("odd_names", enums, tables)
}

/// Foreign keys, one-to-many and one-to-one: Supabase's `Relationships`.
fn relations() -> System {
    let id = || col("id", ScalarType::Uuid).default(DefaultValue::GenRandomUuid);
    let users = primary_key(
        table("User", "users", vec![id(), col("email", ScalarType::Text)]),
        &["id"],
    );
    let profile = table(
        "Profile",
        "profiles",
        vec![
            mapped("userId", "user_id", ScalarType::Uuid),
            col("bio", ScalarType::Text).nullable(),
        ],
    );
    let profile = foreign_key(
        primary_key(profile, &["user_id"]),
        &["user_id"],
        "users",
        &["id"],
    );
    let post = table(
        "Post",
        "posts",
        vec![
            id(),
            mapped("authorId", "author_id", ScalarType::Uuid),
            mapped("editorId", "editor_id", ScalarType::Uuid).nullable(),
        ],
    );
    let post = foreign_key(primary_key(post, &["id"]), &["author_id"], "users", &["id"]);
    let post = foreign_key(post, &["editor_id"], "users", &["id"]);
    let pin = table(
        "Pin",
        "pins",
        vec![id(), mapped("postId", "post_id", ScalarType::Uuid)],
    );
    let pin = foreign_key(
        unique(primary_key(pin, &["id"]), &["post_id"]),
        &["post_id"],
        "posts",
        &["id"],
    );
    system("relations", vec![], vec![users, profile, post, pin])
}

// ---- snapshots ----------------------------------------------------------------------------

#[test]
fn rust_every_type() {
    insta::assert_snapshot!(render_rust(&every_type()));
}

#[test]
fn typescript_every_type() {
    insta::assert_snapshot!(render_typescript(&every_type()));
}

#[test]
fn rust_odd_names() {
    insta::assert_snapshot!(render_rust(&odd_names()));
}

#[test]
fn typescript_odd_names() {
    insta::assert_snapshot!(render_typescript(&odd_names()));
}

#[test]
fn rust_relations() {
    insta::assert_snapshot!(render_rust(&relations()));
}

#[test]
fn typescript_relations() {
    insta::assert_snapshot!(render_typescript(&relations()));
}

#[test]
fn rust_empty_system() {
    insta::assert_snapshot!(render_rust(&system("empty", vec![], vec![])));
}

#[test]
fn typescript_empty_system() {
    insta::assert_snapshot!(render_typescript(&system("empty", vec![], vec![])));
}

// ---- behaviour ----------------------------------------------------------------------------

#[test]
fn an_undefined_enum_is_a_diagnostic_not_a_panic() {
    let broken = system(
        "broken",
        vec![],
        vec![table(
            "Post",
            "posts",
            vec![col("status", enum_type("nowhere"))],
        )],
    );
    let templates = Templates::new(None).unwrap();
    for error in [
        rust::render(&broken, &templates).unwrap_err(),
        typescript::render(&broken, &templates).unwrap_err(),
    ] {
        assert_eq!(error.code, Code::UnknownType);
        assert_eq!(error.path.as_deref(), Some("Post.status"));
        assert!(
            error.message.contains("public.nowhere"),
            "{}",
            error.message
        );
    }
}

#[test]
fn output_follows_ir_order() {
    let tables = |names: &[&str]| {
        names
            .iter()
            .map(|n| table(n, n, vec![col("id", ScalarType::Integer)]))
            .collect::<Vec<_>>()
    };
    let forward = system("s", vec![], tables(&["zebra", "apple"]));
    let rust = render_rust(&forward);
    assert!(rust.find("pub struct Zebra").unwrap() < rust.find("pub struct Apple").unwrap());
    let ts = render_typescript(&forward);
    assert!(ts.find("type Zebra ").unwrap() < ts.find("type Apple ").unwrap());
}

#[test]
fn a_large_system_renders() {
    let columns: Vec<Column> = (0..10)
        .map(|i| col(&format!("field{i}"), ScalarType::Text).nullable())
        .collect();
    let tables = (0..10_000)
        .map(|i| table(&format!("model{i}"), &format!("model{i}"), columns.clone()))
        .collect();
    let large = system("large", vec![], tables);
    let rust = render_rust(&large);
    let ts = render_typescript(&large);
    assert!(rust.contains("pub struct Model9999 {") && ts.contains("type Model9999Update = {"));
}

#[test]
fn a_project_template_overrides_the_embedded_one_by_name() {
    let dir = support::TempDir::new("codegen-templates");
    std::fs::create_dir_all(dir.join("typescript")).unwrap();
    std::fs::write(
        dir.join("typescript/types.ts.jinja"),
        "{% for t in tables %}{{ t.name }}:{% for f in t.fields %} {{ f.key }}{% endfor %};{% endfor %}",
    )
    .unwrap();
    let templates = Templates::new(Some(&dir));
    drop(dir);
    let system = relations();
    let templates = templates.unwrap();
    let ts = typescript::render(&system, &templates).unwrap();
    assert_eq!(
        ts,
        "User: id email;Profile: user_id bio;Post: id author_id editor_id;Pin: id post_id;"
    );
    // The Rust template was not overridden.
    assert!(rust::render(&system, &templates)
        .unwrap()
        .contains("pub struct Profile {"));
}

#[test]
fn embedded_templates_are_named_by_their_path_under_templates() {
    // A project overrides a template by putting a file at the same relative path.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for (name, source) in rust::TEMPLATES.iter().chain(typescript::TEMPLATES) {
        assert_eq!(
            std::fs::read_to_string(root.join(name)).unwrap(),
            *source,
            "{name}"
        );
    }
}
