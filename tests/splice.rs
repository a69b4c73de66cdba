//! A build after a change copies each untouched table's sections of `models.rs`, `types.ts`
//! and `README.md` from the files the last build left (`render::splice`): the files are
//! always what a full render writes. Random systems (tables whose names collide once
//! converted, enums, points, relations, join tables, two schemas) take two random changes one
//! after the other, each build copying from the one before; and each condition for copying
//! is shown to turn copying off: a file edited since, sections recorded in another
//! environment or an older format, a template override.

mod support;

use schemagen::history::History;
use schemagen::ir::{
    snapshot, Column, ColumnType, DefaultValue, Enum, EnumValue, ForeignKey, Index, IndexMethod,
    IndexPart, Literal, PrimaryKey, QualifiedName, ReferentialAction, ScalarType, SortOrder,
    System, Table,
};
use schemagen::plan::Migration;
use schemagen::render::splice::Sections;
use schemagen::render::{render_system_after, Options, Rendered, Target, Templates};
use schemagen::write::stamp;
use std::collections::BTreeMap;
use std::path::Path;
use support::TempDir;

const TARGETS: &[Target] = &[Target::Rust, Target::Typescript, Target::Diagram];
const ENVIRONMENT: &str = "the environment";

/// A small seeded generator (splitmix64): the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Logical names that collide once converted to type names (`user`, `User`, `users`…), or
/// with what the files declare themselves (`Json`, `Self`, `GeoPoint`, an enum's name).
const TABLE_NAMES: &[&str] = &[
    "user", "User", "users", "user_row", "UserRow", "post", "Post", "order", "Json", "Database",
    "Self", "status", "Status", "tag", "GeoPoint", "kind", "String",
];
const ENUM_NAMES: &[&str] = &["status", "Status", "kind", "role", "user", "tag", "Post"];
const COLUMN_NAMES: &[&str] = &[
    "id",
    "name",
    "type",
    "self",
    "userId",
    "user_id",
    "created_at",
    "note",
    "where",
    "2fa",
];
const SCHEMAS: &[&str] = &["public", "audit"];

/// Unique database names for what a system gains (tables, enums, columns).
struct Fresh(usize);

impl Fresh {
    fn name(&mut self, prefix: &str) -> String {
        self.0 += 1;
        format!("{prefix}{}", self.0)
    }
}

fn column(rng: &mut Rng, fresh: &mut Fresh, enums: &[Enum]) -> Column {
    let name = rng.pick(COLUMN_NAMES).to_string();
    let scalar = match rng.below(8) {
        0 => ScalarType::Text,
        1 => ScalarType::Integer,
        2 => ScalarType::BigInt,
        3 => ScalarType::Uuid,
        4 => ScalarType::Numeric {
            precision: Some(10),
            scale: Some(2),
        },
        5 => ScalarType::GeoPoint,
        _ if enums.is_empty() => ScalarType::Boolean,
        _ => ScalarType::Enum {
            name: Box::new(enums[rng.below(enums.len())].db_name.clone()),
        },
    };
    Column {
        db_name: if rng.chance(30) {
            fresh.name("c")
        } else {
            name.clone()
        },
        name,
        ty: ColumnType {
            scalar,
            array: rng.chance(15),
        },
        nullable: rng.chance(40),
        default: rng
            .chance(20)
            .then(|| DefaultValue::Literal(Literal::Number("1".into()))),
        comment: rng.chance(15).then(|| "a note\n```\ncode */".to_string()),
        span: Default::default(),
    }
}

fn table(rng: &mut Rng, fresh: &mut Fresh, enums: &[Enum], others: &[QualifiedName]) -> Table {
    let db_name = QualifiedName {
        schema: rng.pick(SCHEMAS).to_string(),
        name: fresh.name("t"),
    };
    let mut columns: Vec<Column> = (0..1 + rng.below(4))
        .map(|_| column(rng, fresh, enums))
        .collect();
    let join = others.len() >= 2 && rng.chance(15);
    if join {
        columns.truncate(2);
        while columns.len() < 2 {
            columns.push(column(rng, fresh, enums));
        }
    }
    let db = |c: &Column| c.db_name.clone();
    let reference = |rng: &mut Rng, column: &Column| ForeignKey {
        db_name: fresh_fk(&db_name, column),
        columns: vec![db(column)],
        referenced_table: others[rng.below(others.len())].clone(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
        span: Default::default(),
    };
    let foreign_keys: Vec<ForeignKey> = if join {
        columns.iter().map(|c| reference(rng, c)).collect()
    } else if !others.is_empty() && rng.chance(50) {
        let at = rng.below(columns.len());
        vec![reference(rng, &columns[at])]
    } else {
        Vec::new()
    };
    let primary_key = rng.chance(70).then(|| PrimaryKey {
        db_name: format!("{}_pkey", db_name.name),
        columns: vec![db(&columns[0])],
        span: Default::default(),
    });
    let indexes = if rng.chance(30) {
        let at = rng.below(columns.len());
        vec![Index {
            db_name: format!("{}_key", db_name.name),
            parts: vec![IndexPart::Column {
                name: db(&columns[at]),
                order: SortOrder::Asc,
                opclass: None,
            }],
            unique: true,
            method: IndexMethod::Btree,
            predicate: None,
            concurrently: false,
            span: Default::default(),
        }]
    } else {
        Vec::new()
    };
    Table {
        name: rng.pick(TABLE_NAMES).to_string(),
        db_name,
        columns,
        primary_key,
        foreign_keys,
        indexes,
        checks: Vec::new(),
        partition: None,
        comment: rng.chance(20).then(|| "rows of it".to_string()),
        span: Default::default(),
    }
}

fn fresh_fk(table: &QualifiedName, column: &Column) -> String {
    format!("{}_{}_fkey", table.name, column.db_name)
}

fn enumeration(rng: &mut Rng, fresh: &mut Fresh) -> Enum {
    let values = (0..rng.below(3))
        .map(|_| {
            let name = fresh.name("v");
            EnumValue {
                db_name: name.clone(),
                name,
                span: Default::default(),
            }
        })
        .collect();
    Enum {
        name: rng.pick(ENUM_NAMES).to_string(),
        db_name: QualifiedName {
            schema: rng.pick(SCHEMAS).to_string(),
            name: fresh.name("e"),
        },
        values,
        comment: None,
        span: Default::default(),
    }
}

/// A few dozen tables.
fn system(rng: &mut Rng, fresh: &mut Fresh) -> System {
    let enums: Vec<Enum> = (0..rng.below(4)).map(|_| enumeration(rng, fresh)).collect();
    let mut tables: Vec<Table> = Vec::new();
    for _ in 0..20 + rng.below(30) {
        let others: Vec<QualifiedName> = tables.iter().map(|t| t.db_name.clone()).collect();
        tables.push(table(rng, fresh, &enums, &others));
    }
    System {
        name: "random".into(),
        enums,
        tables,
        ..System::default()
    }
}

/// One change: a column added, dropped or renamed, a table added, dropped, renamed (its type
/// name may now collide, or stop colliding) or moved to the other schema, an enum given a
/// value, renamed (its type name changes in every table using it), added before the others,
/// or a point column added (the point type appears).
fn change(rng: &mut Rng, fresh: &mut Fresh, system: &mut System) -> &'static str {
    let at = rng.below(system.tables.len());
    let enums = system.enums.clone();
    let others: Vec<QualifiedName> = system.tables.iter().map(|t| t.db_name.clone()).collect();
    let table = &mut system.tables[at];
    match rng.below(13) {
        0 => {
            table.columns.push(column(rng, fresh, &enums));
            "add a column"
        }
        1 if table.columns.len() > 1 => {
            let gone = table.columns.remove(rng.below(table.columns.len()));
            table
                .foreign_keys
                .retain(|fk| !fk.columns.contains(&gone.db_name));
            table.indexes.clear();
            table.primary_key = None;
            "drop a column"
        }
        2 => {
            let c = rng.below(table.columns.len());
            table.columns[c].name = rng.pick(COLUMN_NAMES).to_string();
            "rename a column"
        }
        3 => {
            let new = self::table(rng, fresh, &enums, &others);
            system.tables.insert(at, new);
            "add a table"
        }
        4 => {
            system.tables.remove(at);
            "drop a table"
        }
        5 => {
            table.name = rng.pick(TABLE_NAMES).to_string();
            "rename a table"
        }
        6 => {
            // The enum and point types claim their names after the tables.
            let taken: Vec<&str> = enums.iter().map(|e| e.name.as_str()).collect();
            table.name = rng.pick(&[&taken[..], &["GeoPoint"]].concat()).to_string();
            "rename a table as an enum or the point type"
        }
        7 => {
            let other = SCHEMAS.iter().find(|s| **s != table.db_name.schema);
            table.db_name.schema = other.unwrap().to_string();
            "move a table"
        }
        8 if !system.enums.is_empty() => {
            let e = rng.below(system.enums.len());
            let name = fresh.name("v");
            system.enums[e].values.push(EnumValue {
                db_name: name.clone(),
                name,
                span: Default::default(),
            });
            "add an enum value"
        }
        9 | 11 if !system.enums.is_empty() => {
            let e = rng.below(system.enums.len());
            system.enums[e].name = if rng.chance(50) {
                fresh.name("Kind")
            } else {
                rng.pick(&[ENUM_NAMES, TABLE_NAMES].concat()).to_string()
            };
            "rename an enum"
        }
        10 => {
            let mut point = column(rng, fresh, &enums);
            point.ty.scalar = ScalarType::GeoPoint;
            table.columns.push(point);
            "add a point column"
        }
        _ => {
            let new = enumeration(rng, fresh);
            system.enums.insert(0, new);
            "add an enum"
        }
    }
}

fn templates() -> Templates {
    Templates::new(None).unwrap()
}

/// The three files of `system`, rendered with `history`, copying from `previous`.
fn render(
    system: &System,
    history: &History,
    templates: &Templates,
    previous: Option<&schemagen::render::splice::Previous>,
) -> Rendered {
    let migration = Migration::default();
    let options = Options::default();
    render_system_after(
        system, history, &migration, TARGETS, templates, options, previous,
    )
    .unwrap()
}

/// What a first build knows: no previous snapshot; the next one is `system`'s.
fn first_history(system: &System) -> History {
    History {
        next_snapshot: std::sync::Mutex::new(Some(snapshot::to_string(system).unwrap())),
        ..History::default()
    }
}

/// What a build of `next` after one of `previous` knows: the previous snapshot read against
/// the next one, as `history::read_against` reads it.
fn history_after(previous: &System, next: &System) -> History {
    let text = snapshot::to_string(previous).unwrap();
    let written = snapshot::written(next).unwrap();
    let read = snapshot::from_str_against(&text, next, &written).unwrap();
    History {
        snapshot: Some(text),
        copied: read.copied,
        next_snapshot: std::sync::Mutex::new(Some(written.text)),
        ..History::default()
    }
}

/// `rendered` written into `out` as a build leaves it: the files, and their sections.
fn write(out: &Path, rendered: &Rendered) {
    for (path, text) in &rendered.files {
        let path = out.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    stamp::record_sections(out, ENVIRONMENT, std::slice::from_ref(&rendered.sections));
}

/// What the next build in `environment` gets back from `out`.
fn previous_in(out: &Path, environment: &str) -> Option<schemagen::render::splice::Previous> {
    let mut recorded = stamp::recorded_sections(out, environment);
    (!recorded.is_empty()).then(|| stamp::previous(out, recorded.remove(0)))
}

/// The files that differ between two renders, each with its first differing line.
fn differences(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    a.iter()
        .filter(|(path, text)| b.get(*path) != Some(text))
        .map(|(path, text)| {
            let other = b.get(path).map_or("", String::as_str);
            let line = text
                .lines()
                .zip(other.lines())
                .find(|(x, y)| x != y)
                .map_or_else(String::new, |(x, y)| format!("{x:?} vs {y:?}"));
            format!("{path}: {line}")
        })
        .collect()
}

/// Every case: a previous build, then two changes, each built copying from the build before;
/// each build's files are the full render's. Counted, not stopped at the first difference,
/// so a broken condition says how many cases catch it.
#[test]
fn a_change_build_writes_what_a_full_render_writes() {
    const CASES: u64 = 256;
    let templates = templates();
    let mut failures = Vec::new();
    let (mut copied, mut laid_out) = (0, 0);
    for case in 0..CASES {
        let mut rng = Rng(case);
        let mut fresh = Fresh(0);
        let mut system = system(&mut rng, &mut fresh);
        let out = TempDir::new(&format!("splice-{case}"));
        let first = render(&system, &first_history(&system), &templates, None);
        write(&out, &first);
        let mut changes = Vec::new();
        for _ in 0..2 {
            let before = system.clone();
            changes.push(change(&mut rng, &mut fresh, &mut system));
            let history = history_after(&before, &system);
            let previous = previous_in(&out, ENVIRONMENT);
            let spliced = render(&system, &history, &templates, previous.as_ref());
            let full = render(&system, &History::default(), &templates, None);
            let differ = differences(&spliced.files, &full.files);
            if !differ.is_empty() {
                failures.push(format!("case {case} ({changes:?}): {differ:?}"));
                break;
            }
            copied += spliced.copied;
            laid_out += spliced.sections.files.iter().map(sections).sum::<usize>() - spliced.copied;
            write(&out, &spliced);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CASES} cases differ from a full render:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The shortcut is taken, not only ever declined (a change to an enum copies no table:
    // the history compares no table after it).
    assert!(copied > laid_out, "{copied} copied, {laid_out} laid out");
}

/// How many sections a file has.
fn sections((_, file): &(String, schemagen::render::splice::FileSections)) -> usize {
    let ranges = file.tables.iter().flat_map(|t| &t.ranges);
    ranges.filter(|r| r.is_some()).count()
}

/// A previous build of a system, and the next system (one column added to its first table).
fn built(name: &str) -> (TempDir, System, History) {
    let mut rng = Rng(7);
    let mut fresh = Fresh(0);
    let previous = system(&mut rng, &mut fresh);
    let out = TempDir::new(name);
    let first = render(&previous, &first_history(&previous), &templates(), None);
    write(&out, &first);
    let mut next = previous.clone();
    next.tables[0]
        .columns
        .push(column(&mut rng, &mut fresh, &[]));
    let history = history_after(&previous, &next);
    (out, next, history)
}

/// The last table's struct in `models.rs` gains a comment of the same length as a word it
/// loses: a file edited in place.
fn edit_models(out: &Path) -> String {
    let path = out.join("random/models.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.rfind("pub struct").unwrap();
    let edited = format!(
        "{}pub  struc{}",
        &text[..at],
        &text[at + "pub struct".len()..]
    );
    std::fs::write(&path, &edited).unwrap();
    edited
}

#[test]
fn a_file_edited_since_the_last_build_is_laid_out_whole() {
    let (out, next, history) = built("splice-edited");
    let intact = previous_in(&out, ENVIRONMENT).unwrap();
    let intact = render(&next, &history, &templates(), Some(&intact));
    edit_models(&out);
    let previous = previous_in(&out, ENVIRONMENT).unwrap();
    let spliced = render(&next, &history, &templates(), Some(&previous));
    let full = render(&next, &History::default(), &templates(), None);
    assert_eq!(
        differences(&spliced.files, &full.files),
        Vec::<String>::new()
    );
    // The other two files were copied from, `models.rs` not (one struct a table but the changed one).
    assert_eq!(spliced.copied, intact.copied - (next.tables.len() - 1));
}

/// The control for the test above: an edit the sections were recorded with (as a binary that
/// lays the struct out so would record it) is copied, so that test would see a copy.
#[test]
fn an_edit_recorded_as_written_would_be_copied() {
    let (out, next, history) = built("splice-recorded-edit");
    let edited = edit_models(&out);
    let mut sections = stamp::recorded_sections(&out, ENVIRONMENT);
    let models = &mut sections[0].files.iter_mut().find(|(f, _)| f == "models.rs");
    models.as_mut().unwrap().1.sum = schemagen::render::splice::sum(&edited);
    stamp::record_sections(&out, ENVIRONMENT, &sections);
    let previous = previous_in(&out, ENVIRONMENT).unwrap();
    let spliced = render(&next, &history, &templates(), Some(&previous));
    assert!(spliced.files["random/models.rs"].contains("pub  struc"));
}

#[test]
fn sections_of_another_environment_or_format_are_none() {
    let (out, next, history) = built("splice-environment");
    assert!(previous_in(&out, "another binary").is_none());
    let path = out.join(stamp::SECTIONS);
    let text = std::fs::read_to_string(&path).unwrap();
    let older = text.replacen("schemagen sections:", "schemagen sections (older):", 1);
    std::fs::write(&path, older).unwrap();
    assert!(previous_in(&out, ENVIRONMENT).is_none());
    std::fs::remove_file(&path).unwrap();
    assert!(previous_in(&out, ENVIRONMENT).is_none());
    // With nothing to copy from, the build renders whole.
    let whole = render(&next, &history, &templates(), None);
    assert_eq!(whole.copied, 0);
}

#[test]
fn sections_of_another_snapshot_are_not_copied() {
    // The previous `schema.json` is not the one the sections were recorded with (an empty
    // plan keeps an older snapshot on disk): the tables may not be numbered alike.
    let (out, next, mut history) = built("splice-snapshot");
    let previous = previous_in(&out, ENVIRONMENT).unwrap();
    let snapshot = history.snapshot.take().unwrap();
    history.snapshot = Some(snapshot.replacen('{', "{ ", 1));
    let spliced = render(&next, &history, &templates(), Some(&previous));
    assert_eq!(spliced.copied, 0);
}

#[test]
fn an_overridden_template_is_rendered_by_it() {
    let (out, next, history) = built("splice-override");
    let dir = TempDir::new("splice-templates");
    let name = "rust/models.rs.jinja";
    let source = schemagen::render::embedded_template(name).unwrap();
    std::fs::create_dir_all(dir.join("rust")).unwrap();
    std::fs::write(dir.join(name), format!("// overridden\n{source}")).unwrap();
    let overriding = Templates::new(Some(&dir)).unwrap();
    let previous = previous_in(&out, ENVIRONMENT).unwrap();
    let native = render(&next, &history, &templates(), Some(&previous));
    let spliced = render(&next, &history, &overriding, Some(&previous));
    let full = render(&next, &History::default(), &overriding, None);
    assert_eq!(
        differences(&spliced.files, &full.files),
        Vec::<String>::new()
    );
    assert!(spliced.files["random/models.rs"].starts_with("// overridden"));
    // The files the template does not lay out are still copied.
    assert_eq!(spliced.copied, native.copied - (next.tables.len() - 1));
    assert!(!spliced.sections.files.iter().any(|(f, _)| f == "models.rs"));
}

/// The sections text `Sections` writes reads back for every system the test makes.
#[test]
fn recorded_sections_read_back() {
    let mut rng = Rng(3);
    let system = system(&mut rng, &mut Fresh(0));
    let rendered = render(&system, &first_history(&system), &templates(), None);
    let all = vec![rendered.sections];
    assert_eq!(Sections::from_text(&Sections::to_text(&all)), Some(all));
}

/// A table renamed as an enum's type (or the point type) takes the name: the enum's type is
/// renamed in every struct and type using it, though their tables are unchanged.
#[test]
fn a_type_renamed_by_a_table_is_renamed_where_unchanged_tables_use_it() {
    let mut fresh = Fresh(0);
    let mut rng = Rng(11);
    let status = Enum {
        name: "status".into(),
        db_name: QualifiedName::public("status"),
        values: Vec::new(),
        comment: None,
        span: Default::default(),
    };
    let mut previous = System {
        name: "random".into(),
        enums: vec![status.clone()],
        ..System::default()
    };
    for _ in 0..40 {
        let mut t = table(&mut rng, &mut fresh, std::slice::from_ref(&status), &[]);
        let mut kind = column(&mut rng, &mut fresh, &[]);
        kind.ty.scalar = ScalarType::Enum {
            name: Box::new(status.db_name.clone()),
        };
        let mut place = column(&mut rng, &mut fresh, &[]);
        place.ty.scalar = ScalarType::GeoPoint;
        t.columns.extend([kind, place]);
        t.name = fresh.name("post");
        previous.tables.push(t);
    }
    for name in ["Status", "GeoPoint"] {
        let out = TempDir::new("splice-shared");
        let first = render(&previous, &first_history(&previous), &templates(), None);
        write(&out, &first);
        let mut next = previous.clone();
        next.tables[0].name = name.into();
        let history = history_after(&previous, &next);
        let previous = previous_in(&out, ENVIRONMENT).unwrap();
        let spliced = render(&next, &history, &templates(), Some(&previous));
        let full = render(&next, &History::default(), &templates(), None);
        assert_eq!(
            differences(&spliced.files, &full.files),
            Vec::<String>::new()
        );
        // The diagram reads no type name: every other table's sections are copied there.
        assert!(spliced.copied >= 2 * (next.tables.len() - 1), "{name}");
    }
}
