//! One catalog comparison for every test that judges schemagen's database by another tool's
//! (Prisma's engine, Payload's schema builder, the `export` round trips): the two catalogs
//! are compared object by object, as Postgres spells them, and every difference is one line.
//! What a test allows on purpose is its [`Allowances`]; everything else is a problem.
#![allow(dead_code)]

use super::pg::{Catalog, Table};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The differences one comparison accepts, each with the note the log shows. Every method
/// allows nothing by default.
pub trait Allowances {
    /// The other tool, as the report names it ("Prisma").
    fn tool(&self) -> &'static str;
    /// The heading of the accepted differences in the log ("allowed").
    fn label(&self) -> &'static str {
        "allowed"
    }
    /// Whether the user schemas (`public` and others) are compared; Payload's builder names none.
    fn compares_schemas(&self) -> bool {
        true
    }
    /// Whether database comments are compared (those the other tool made must be ours too).
    fn compares_comments(&self) -> bool {
        true
    }
    /// A table only the other tool made.
    fn theirs_only_table(&self, _name: &str) -> Option<String> {
        None
    }
    /// An enum only the other tool made (it goes with a table of its own).
    fn theirs_only_enum(&self, _name: &str) -> bool {
        false
    }
    /// A table only schemagen made.
    fn ours_only_table(&self, _name: &str, _table: &Table) -> Option<String> {
        None
    }
    /// A column, constraint or index only schemagen made (`&mut`: allowances may be counted).
    fn ours_only_object(
        &mut self,
        _table: &str,
        _kind: &str,
        _object: &str,
        _definition: &str,
    ) -> Option<String> {
        None
    }
    /// An object both made, schemagen's spelled `ours`.
    fn changed_object(
        &self,
        _table: &str,
        _kind: &str,
        _object: &str,
        _ours: &str,
    ) -> Option<String> {
        None
    }
    /// A table schemagen partitions (by `ours`) where the other tool does not.
    fn partitioned(&self, _table: &str, _ours: &str) -> Option<String> {
        None
    }
    /// Notes on differences allowed for the whole system, added to the log.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Every difference between `theirs` (the other tool's catalog) and `ours`, as one readable
/// report (`Err`), or the summary with the allowed differences (`Ok`).
pub fn compare(
    theirs: &Catalog,
    ours: &Catalog,
    allowed: &mut dyn Allowances,
) -> Result<String, String> {
    let tool = allowed.tool();
    let mut problems = String::new();
    let mut extras = Vec::new();
    let mut problem = |line: String| writeln!(problems, "  {line}").unwrap();

    if allowed.compares_schemas() {
        for schema in theirs.schemas.difference(&ours.schemas) {
            problem(format!("schema {schema}: missing"));
        }
        for schema in ours.schemas.difference(&theirs.schemas) {
            problem(format!("schema {schema}: only schemagen made it"));
        }
    }
    for (name, values) in &theirs.enums {
        match ours.enums.get(name) {
            None if allowed.theirs_only_enum(name) => {}
            None => problem(format!(
                "enum {name}: missing ({tool}: {})",
                values.join(", ")
            )),
            Some(v) if v != values => problem(format!(
                "enum {name}: values {} where {tool} has {}",
                v.join(", "),
                values.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in ours.enums.keys().filter(|n| !theirs.enums.contains_key(*n)) {
        problem(format!("enum {name}: only schemagen made it"));
    }

    for (name, their_table) in &theirs.tables {
        let Some(table) = ours.tables.get(name) else {
            match allowed.theirs_only_table(name) {
                Some(note) => extras.push(note),
                None => problem(format!("table {name}: missing")),
            }
            continue;
        };
        if table.partitioned_by != their_table.partitioned_by {
            let note = match (&table.partitioned_by, &their_table.partitioned_by) {
                (Some(key), None) => allowed.partitioned(name, key),
                _ => None,
            };
            match note {
                Some(note) => extras.push(note),
                None => problem(format!(
                    "table {name}: partitioned by {:?} where {tool} has {:?}",
                    table.partitioned_by, their_table.partitioned_by
                )),
            }
        }
        let parts = [
            ("column", &their_table.columns, &table.columns),
            ("constraint", &their_table.constraints, &table.constraints),
            ("index", &their_table.indexes, &table.indexes),
        ];
        for (kind, theirs, ours) in parts {
            let objects = Objects {
                table: name,
                kind,
                theirs,
                ours,
            };
            for line in objects.compare(allowed, &mut extras) {
                problem(format!("table {name}: {line}"));
            }
        }
        // Only the columns both have: a missing or extra one is reported above already.
        let common = |order: &[String], other: &BTreeMap<String, String>| -> Vec<String> {
            order
                .iter()
                .filter(|c| other.contains_key(*c))
                .cloned()
                .collect()
        };
        let (their_order, our_order) = (
            common(&their_table.column_order, &table.columns),
            common(&table.column_order, &their_table.columns),
        );
        if their_order != our_order {
            problem(format!(
                "table {name}: columns in the order {} where {tool} has {}",
                our_order.join(", "),
                their_order.join(", ")
            ));
        }
    }
    for (name, table) in ours
        .tables
        .iter()
        .filter(|(n, _)| !theirs.tables.contains_key(*n))
    {
        match allowed.ours_only_table(name, table) {
            Some(note) => extras.push(note),
            None => problem(format!("table {name}: only schemagen made it")),
        }
    }

    let mut comments = 0;
    if allowed.compares_comments() {
        for comment in theirs.comments.difference(&ours.comments) {
            problem(format!("comment {comment}: missing"));
        }
        comments = ours.comments.difference(&theirs.comments).count();
    }
    extras.extend(allowed.notes());
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut summary = format!(" ({})", theirs.summary());
    if !extras.is_empty() {
        write!(summary, "; {}: {}", allowed.label(), extras.join(", ")).unwrap();
    }
    if comments > 0 {
        write!(summary, "; {comments} comments").unwrap();
    }
    Ok(summary)
}

/// One table's columns, constraints or indexes in the two databases.
struct Objects<'a> {
    table: &'a str,
    kind: &'a str,
    theirs: &'a BTreeMap<String, String>,
    ours: &'a BTreeMap<String, String>,
}

impl Objects<'_> {
    /// The differences; an object that differs from the other tool's only by its name is
    /// reported as a rename.
    fn compare(&self, allowed: &mut dyn Allowances, extras: &mut Vec<String>) -> Vec<String> {
        let (tool, kind, table) = (allowed.tool(), self.kind, self.table);
        let mut problems = Vec::new();
        let mut only_ours: BTreeMap<&str, &str> = self
            .ours
            .iter()
            .filter(|(object, _)| !self.theirs.contains_key(*object))
            .map(|(object, definition)| (object.as_str(), definition.as_str()))
            .collect();
        for (object, definition) in self.theirs {
            match self.ours.get(object) {
                Some(d) if d == definition => {}
                Some(d) => match allowed.changed_object(table, kind, object, d) {
                    Some(note) => extras.push(note),
                    None => problems.push(format!(
                        "{kind} {object} is `{d}` where {tool} has `{definition}`"
                    )),
                },
                None => match only_ours.iter().find(|(_, d)| *d == definition) {
                    Some((&ours_name, _)) => {
                        only_ours.remove(ours_name);
                        problems.push(format!(
                            "{kind} {ours_name} should be named {object} (as {tool} does): `{definition}`"
                        ));
                    }
                    None => {
                        problems.push(format!("{kind} {object} missing ({tool}: `{definition}`)"))
                    }
                },
            }
        }
        for (object, definition) in only_ours {
            match allowed.ours_only_object(table, kind, object, definition) {
                Some(note) => extras.push(note),
                None => problems.push(format!(
                    "{kind} {object} only schemagen made: `{definition}`"
                )),
            }
        }
        problems
    }
}

/// Nothing allowed: the two databases must be the same.
pub struct Exact(pub &'static str);

impl Allowances for Exact {
    fn tool(&self) -> &'static str {
        self.0
    }
}
