//! Declared renames in the planner: each kind renames in place and the renamed object is then
//! diffed like a kept one; declarations that do not resolve and undeclared renames are errors.

mod support {
    pub mod ir;
}

use schemagen::diagnostics::Code;
use schemagen::ir::rename::{Rename, Target};
use schemagen::ir::{DefaultValue, Span, System};
use schemagen::plan::{plan, plan_checked, Migration};
use support::ir::*;

fn summary(migration: &Migration) -> Vec<String> {
    migration
        .steps
        .iter()
        .map(|s| {
            let flag = if s.destructive { " [destructive]" } else { "" };
            format!("{} {}{flag}", s.change.label(), s.comment)
        })
        .collect()
}

fn renamed(
    mut system: System,
    renames: impl IntoIterator<Item = (Target, &'static str)>,
) -> System {
    system.renames = renames
        .into_iter()
        .map(|(target, from)| Rename::new(target, from, Span::default()))
        .collect();
    system
}

fn column(table: &str, column: &str) -> Target {
    Target::Column {
        table: table.into(),
        column: column.into(),
    }
}

/// Codes of the errors `build` would stop with.
fn errors(prev: &System, next: &System) -> Vec<Code> {
    plan_checked(Some(prev), next, false)
        .1
        .iter()
        .map(|d| d.code)
        .collect()
}

fn users_table() -> schemagen::ir::Table {
    table(
        "users",
        [
            col("id", Serial { big: false }),
            col("bio", Varchar { length: Some(50) }).optional(),
        ],
    )
    .index(index("users_bio_idx", [part("bio")]))
}

fn users() -> System {
    system([], [users_table()])
}

#[test]
fn a_renamed_column_keeps_its_data_and_still_gets_its_other_changes() {
    let mut next = users();
    next.tables[0] = next.tables[0]
        .clone()
        .map_column("bio", |c| schemagen::ir::Column {
            name: "about".into(),
            db_name: "about".into(),
            ty: schemagen::ir::ColumnType::scalar(Text),
            ..c
        });
    next.tables[0].indexes[0] = index("users_about_idx", [part("about")]);
    let next = renamed(next, [(column("users", "about"), "bio")]);
    assert_eq!(
        summary(&plan(Some(&users()), &next)),
        [
            "RenameColumn rename column public.users.bio to about",
            "RenameIndex rename index users_bio_idx of public.users to users_about_idx",
            "AlterTable widen the type of public.users.about",
        ]
    );
    assert!(errors(&users(), &next).is_empty());
    // Without the declaration: a drop and an add, which `build` refuses as a suspected rename.
    let mut undeclared = next.clone();
    undeclared.renames.clear();
    assert_eq!(errors(&users(), &undeclared), [Code::SuspectedRename]);
    assert!(plan_checked(Some(&users()), &undeclared, true).1.is_empty());
}

fn blog() -> System {
    let posts = table("posts", [col("id", Integer), col("author_id", Integer)]).fk(fk(
        "posts_author_id_fkey",
        ["author_id"],
        "users",
        ["id"],
    ));
    system([], [users_table(), posts])
}

#[test]
fn a_renamed_table_renames_its_key_indexes_and_sequence_and_keeps_what_references_it() {
    let mut next = blog();
    next.tables[0].name = "people".into();
    next.tables[0].db_name.name = "people".into();
    next.tables[0].primary_key.as_mut().unwrap().db_name = "people_pkey".into();
    next.tables[0].indexes[0].db_name = "people_bio_idx".into();
    next.tables[1].foreign_keys[0].referenced_table.name = "people".into();
    let next = renamed(next, [(Target::Table("people".into()), "users")]);
    assert_eq!(
        summary(&plan(Some(&blog()), &next)),
        [
            "RenameTable rename table public.users to people",
            "RenameSequence rename sequence users_id_seq of public.people to people_id_seq",
            "RenameConstraint rename primary key users_pkey of public.people to people_pkey",
            "RenameIndex rename index users_bio_idx of public.people to people_bio_idx",
        ]
    );
    // Once written, the declaration is harmless: the next build plans nothing.
    assert!(plan(Some(&next), &next).is_empty());
    assert!(errors(&next, &next).is_empty());
}

#[test]
fn a_table_moved_to_another_schema_is_set_schema_after_the_schema_exists() {
    let mut next = users();
    next.tables[0] = next.tables[0].clone().in_schema("archive");
    next.namespaces = vec!["archive".into()];
    let moved = renamed(next.clone(), [(Target::Table("users".into()), "users")]);
    assert_eq!(
        summary(&plan(Some(&users()), &moved)),
        [
            "CreateSchema create schema archive",
            "SetSchema move table public.users to schema archive",
        ]
    );
    // Undeclared, the same table in another schema is a drop and a create: suspected.
    assert_eq!(errors(&users(), &next), [Code::SuspectedRename]);
}

fn statuses() -> System {
    system(
        [enumeration("Status", ["DRAFT", "LIVE"])],
        [table(
            "posts",
            [
                col("id", Integer),
                col("status", enum_type("Status")).default(DefaultValue::EnumValue("LIVE".into())),
            ],
        )],
    )
}

#[test]
fn an_enum_and_its_values_are_renamed_before_new_values_are_added() {
    let mut next = system(
        [enumeration("State", ["DRAFT", "PUBLISHED", "ARCHIVED"])],
        [table(
            "posts",
            [
                col("id", Integer),
                col("status", enum_type("State"))
                    .default(DefaultValue::EnumValue("PUBLISHED".into())),
            ],
        )],
    );
    next = renamed(
        next,
        [
            (Target::Enum("State".into()), "Status"),
            (
                Target::EnumValue {
                    enum_name: "State".into(),
                    value: "PUBLISHED".into(),
                },
                "LIVE",
            ),
        ],
    );
    assert_eq!(
        summary(&plan(Some(&statuses()), &next)),
        [
            "RenameEnum rename enum public.Status to State",
            "RenameEnumValue rename value LIVE of enum public.State to PUBLISHED",
            "AlterEnum add value ARCHIVED to enum public.State",
        ]
    );
    // Undeclared: a new enum with the same values and an old one dropped.
    let mut undeclared = next.clone();
    undeclared.renames.clear();
    undeclared.enums[0].values.pop();
    undeclared.enums[0].values[1].db_name = "LIVE".into();
    assert_eq!(errors(&statuses(), &undeclared), [Code::SuspectedRename]);
}

#[test]
fn declarations_that_do_not_resolve_are_errors() {
    let prev = users();
    let mut next = users();
    next.tables[0].columns[1].name = "about".into();
    next.tables[0].columns[1].db_name = "about".into();
    let typo = renamed(next.clone(), [(column("users", "about"), "biography")]);
    assert!(errors(&prev, &typo).contains(&Code::UnknownRenameSource));
    let twice = renamed(
        next.clone().tap(|n| {
            let mut extra = n.tables[0].columns[1].clone();
            extra.name = "notes".into();
            extra.db_name = "notes".into();
            n.tables[0].columns.push(extra);
        }),
        [
            (column("users", "about"), "bio"),
            (column("users", "notes"), "bio"),
        ],
    );
    assert!(errors(&prev, &twice).contains(&Code::DuplicateRename));
    // Both names already in the previous schema: which one becomes which is unclear.
    let mut both = users();
    both.tables[0].columns.push(col("about", Text).optional());
    let ambiguous = renamed(next, [(column("users", "about"), "bio")]);
    assert_eq!(errors(&both, &ambiguous), [Code::AmbiguousRename]);
    // An implied declaration (a flavour's, on behalf of another) is skipped, not reported.
    let mut implied = typo.clone();
    implied.renames[0].implied = true;
    assert_eq!(errors(&prev, &implied), [Code::SuspectedRename]);
}

#[test]
fn only_lossless_pairs_are_suspected() {
    let with = |ty| {
        let mut s = users();
        s.tables[0].columns[1] = col("about", ty).optional();
        s.tables[0].indexes.clear();
        s
    };
    let mut prev = users();
    prev.tables[0].indexes.clear();
    // varchar(50) → text keeps every value; → integer or varchar(20) does not.
    assert_eq!(errors(&prev, &with(Text)), [Code::SuspectedRename]);
    assert_eq!(
        errors(&prev, &with(Varchar { length: Some(50) })),
        [Code::SuspectedRename]
    );
    assert!(errors(&prev, &with(Integer)).is_empty());
    assert!(errors(&prev, &with(Varchar { length: Some(20) })).is_empty());
}

trait Tap: Sized {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
impl Tap for System {}
