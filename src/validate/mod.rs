//! Checks on the IR as a whole, after every flavour has lowered its files.
//! Each check is a named function; all of them run, so one pass reports every problem.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{QualifiedName, Span, System, MAX_IDENTIFIER_BYTES};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

mod keys;
mod names;
mod raw_sql;
pub(crate) mod types;

pub fn validate(system: &System, diags: &mut Diagnostics) {
    let identifiers = Identifiers::new(system);
    let misfits_reported = types::misfit_defaults_reported(diags);
    let checks: &[&Check] = &[
        &|d| identifiers_fit(&identifiers, d),
        &|d| relation_names_unique(system, d),
        &|d| columns_unique(system, d),
        &|d| tables_have_primary_keys(system, d),
        &|d| foreign_keys_match(system, d),
        &|d| index_options_fit_method(system, d),
        &|d| keys_cover_partition_columns(system, d),
        &|d| keys::key_columns_required(system, d),
        &|d| keys::foreign_keys_reference_a_key(system, d),
        &|d| keys::referential_actions_possible(system, d),
        &|d| names::system_name_usable(system, d),
        &|d| names::tables_within_limit(system, d),
        &|d| names::identifiers_usable(&identifiers, d),
        &|d| names::names_visible(system, &identifiers, d),
        &|d| names::literals_without_nul(system, d),
        &|d| names::schemas_not_reserved(&identifiers, d),
        &|d| names::app_role_usable(system, d),
        &|d| names::context_settings_settable(system, d),
        &|d| types::type_arguments_in_range(system, d),
        &|d| types::enum_labels_fit(system, d),
        &|d| types::indexes_have_an_operator_class(system, d),
        &|d| names::names_keep_their_letters(system, d),
        &|d| types::defaults_fit_their_type(system, &misfits_reported, d),
        &|d| types::seed_values_fit(system, d),
        &|d| raw_sql::raw_sql_is_one_expression(system, d),
    ];
    // The checks run side by side (both cores); their diagnostics are kept in this order.
    let found: Vec<Diagnostics> = checks
        .par_iter()
        .map(|check| {
            let mut found = Diagnostics::default();
            check(&mut found);
            found
        })
        .collect();
    for found in found {
        diags.extend(found);
    }
}

/// One named check, its findings pushed to the diagnostics it is given.
type Check<'a> = dyn Fn(&mut Diagnostics) + Sync + 'a;

/// What a database identifier names (`column of Post.title`, `index of Post`). Kept as parts
/// and formatted only when a diagnostic needs it: validation runs over every column of every
/// table, and almost all of them are fine.
#[derive(Clone, Copy)]
struct Named<'a> {
    /// `table of`, `enum`, `schema`, ...: the words before the element path.
    kind: &'static str,
    of: &'a str,
    field: Option<&'a str>,
}

impl<'a> Named<'a> {
    fn new(kind: &'static str, of: &'a str) -> Self {
        Named {
            kind,
            of,
            field: None,
        }
    }

    /// The element path: `Post.title`, or the model name.
    fn path(&self) -> String {
        match self.field {
            Some(field) => format!("{}.{field}", self.of),
            None => self.of.to_string(),
        }
    }
}

impl std::fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.path())
    }
}

/// A database identifier, where it came from and what it names.
type Identifier<'a> = (&'a str, Span, Named<'a>);

/// Every database identifier the system creates, listed on demand: four checks read them all,
/// and a list of them was 18 MB at 10,000 models, built on one core before any check started.
struct Identifiers<'a> {
    system: &'a System,
    /// Where each Postgres schema is first declared (by an enum or a table): its place.
    schema_spans: BTreeMap<&'a str, Span>,
}

impl<'a> Identifiers<'a> {
    fn new(system: &'a System) -> Self {
        let mut schema_spans: BTreeMap<&str, Span> = BTreeMap::new();
        let tables = system.tables.iter().map(|t| (&t.db_name.schema, t.span));
        let declarations = system.enums.iter().map(|e| (&e.db_name.schema, e.span));
        // Only the schemas other than `public` are placed (`namespaces`): usually none.
        let placed = !system.namespaces.is_empty();
        for (schema, span) in declarations.chain(tables).filter(|_| placed) {
            schema_spans.entry(schema.as_str()).or_insert(span);
        }
        Identifiers {
            system,
            schema_spans,
        }
    }

    /// The Postgres schemas the system creates.
    fn schemas(&self) -> impl Iterator<Item = Identifier<'a>> + '_ {
        self.system.namespaces.iter().map(|ns| {
            let span = self
                .schema_spans
                .get(ns.as_str())
                .copied()
                .unwrap_or_default();
            (ns.as_str(), span, Named::new("schema", ns))
        })
    }

    /// In a fixed order: schemas, enum types, then each table's own identifiers. Read with
    /// `for_each` (internal iteration): through `next`, the chained lists cost ~95 instructions
    /// an identifier, more than the checks themselves.
    fn iter(&self) -> impl Iterator<Item = Identifier<'a>> + '_ {
        let system = self.system;
        let enums = system.enums.iter().map(|e| {
            let named = Named::new("enum type of", &e.name);
            (e.db_name.name.as_str(), e.span, named)
        });
        self.schemas()
            .chain(enums)
            .chain(system.tables.iter().flat_map(table_identifiers))
    }
}

/// A table's name, then its columns', key's, foreign keys', indexes', checks' and partitions'.
fn table_identifiers(t: &crate::ir::Table) -> impl Iterator<Item = Identifier<'_>> {
    let of = move |kind| Named::new(kind, &t.name);
    let columns = t.columns.iter().map(move |c| {
        let named = Named {
            field: Some(&c.name),
            ..of("column of")
        };
        (c.db_name.as_str(), c.span, named)
    });
    let primary_key = t.primary_key.iter().map(move |pk| {
        let named = of("primary key of");
        (pk.db_name.as_str(), pk.span, named)
    });
    let foreign_keys = t.foreign_keys.iter().map(move |fk| {
        let named = of("foreign key of");
        (fk.db_name.as_str(), fk.span, named)
    });
    let indexes = t
        .indexes
        .iter()
        .map(move |i| (i.db_name.as_str(), i.span, of("index of")));
    let checks = t.checks.iter().map(move |c| {
        let named = of("check constraint of");
        (c.db_name.as_str(), c.span, named)
    });
    let partitions =
        partitions(t).map(move |(p, span)| (p.db_name.as_str(), span, of("partition of")));
    std::iter::once((t.db_name.name.as_str(), t.span, of("table of")))
        .chain(columns)
        .chain(primary_key)
        .chain(foreign_keys)
        .chain(indexes)
        .chain(checks)
        .chain(partitions)
}

fn identifiers_fit(identifiers: &Identifiers<'_>, diags: &mut Diagnostics) {
    identifiers.iter().for_each(|(name, span, what)| {
        if name.len() > MAX_IDENTIFIER_BYTES {
            diags.push(
                Diagnostic::error(
                    Code::IdentifierTooLong,
                    span,
                    format!(
                        "the {what} would be named `{name}`: {} bytes, over Postgres's limit of {MAX_IDENTIFIER_BYTES}",
                        name.len()
                    ),
                )
                .at_path(what.path())
                .with_help(
                    "Postgres would silently truncate it; give it a shorter database name (`@map`, `map:`, \
                     `dbName`, `table:`/`column:`), or set `identifiers: shorten` in schemagen.yaml for a \
                     stable hashed short name",
                ),
            );
        }
    });
}

/// Tables, indexes and constraints share one namespace per Postgres schema (pg_class);
/// enum types share pg_type with tables.
fn relation_names_unique(system: &System, diags: &mut Diagnostics) {
    // The map holds each name's place in `relations`, not its span and words: at 1,000
    // models its 4,000 names fill 8,192 buckets, and every byte of a bucket is a fresh page.
    let count = relations(system).count();
    let mut seen: HashMap<(&str, &str), u32> =
        HashMap::with_capacity_and_hasher(count, Default::default());
    let mut clashes = Vec::new();
    for (n, (schema, name, ..)) in relations(system).enumerate() {
        match seen.get(&(schema, name)) {
            Some(&first) => clashes.push((n, first as usize)),
            None => _ = seen.insert((schema, name), n as u32),
        }
    }
    if clashes.is_empty() {
        return;
    }
    // Only with a clash are the names listed, once: each looked up again would be quadratic.
    let relations: Vec<_> = relations(system).collect();
    for (n, first) in clashes {
        let (schema, name, span, what) = relations[n];
        let (_, _, first_span, first_what) = relations[first];
        diags.push(
            Diagnostic::error(
                Code::DuplicateName,
                span,
                format!("the {what} and the {first_what} are both named `{schema}.{name}`"),
            )
            .with_related(first_span, format!("the {first_what} is declared here"))
            .with_help("give one of them another database name"),
        );
    }
}

/// The objects that share a name space per Postgres schema: enum types and tables first
/// (so a clash is reported at the later index or key), then keys, indexes and partitions.
/// An iterator, read twice, not a list: the list of 1,000 models was ~100 fresh pages.
fn relations(system: &System) -> impl Iterator<Item = (&str, &str, Span, Named<'_>)> {
    let enums = system.enums.iter().map(|e| {
        let name = &e.db_name;
        (
            name.schema.as_str(),
            name.name.as_str(),
            e.span,
            Named::new("enum", &e.name),
        )
    });
    let tables = system.tables.iter().map(|t| {
        let name = &t.db_name;
        (
            name.schema.as_str(),
            name.name.as_str(),
            t.span,
            Named::new("table", &t.name),
        )
    });
    let parts = system.tables.iter().flat_map(|t| {
        let schema = t.db_name.schema.as_str();
        let named = t
            .primary_key
            .iter()
            .map(|pk| (&pk.db_name, pk.span, "primary key of"))
            .chain(t.indexes.iter().map(|i| (&i.db_name, i.span, "index of")))
            .chain(partitions(t).map(|(p, span)| (&p.db_name, span, "partition of")));
        named
            .map(move |(name, span, kind)| (schema, name.as_str(), span, Named::new(kind, &t.name)))
    });
    enums.chain(tables).chain(parts)
}

/// The partitions of a table, each with where its partitioning is declared.
fn partitions(t: &crate::ir::Table) -> impl Iterator<Item = (&crate::ir::Partition, Span)> {
    t.partition
        .iter()
        .flat_map(|p| p.partitions.iter().map(move |part| (part, p.span)))
}

fn columns_unique(system: &System, diags: &mut Diagnostics) {
    // One map for every table, emptied for each: no allocation per table.
    let mut seen: HashMap<&str, Span> = HashMap::default();
    for t in &system.tables {
        seen.clear();
        for c in &t.columns {
            if let Some(first) = seen.insert(&c.db_name, c.span) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateDefinition,
                        c.span,
                        format!("table {} has two columns named `{}`", t.name, c.db_name),
                    )
                    .at_path(format!("{}.{}", t.name, c.name))
                    .with_related(first, "the other column is declared here")
                    .with_help("rename one of the fields or give it another database name"),
                );
            }
        }
    }
}

/// Every table has a primary key, or, as Prisma allows, a unique index over required
/// columns that identifies each row instead (a model keyed only by `@unique`).
fn tables_have_primary_keys(system: &System, diags: &mut Diagnostics) {
    let unprotected = |t: &&crate::ir::Table| t.primary_key.is_none() && !has_required_unique(t);
    for t in system.tables.iter().filter(unprotected) {
        diags.push(
            Diagnostic::error(
                Code::MissingPrimaryKey,
                t.span,
                format!("table {} has no primary key", t.name),
            )
            .at_path(t.name.clone())
            .with_help(
                "mark a field as the id (`@id`), declare a composite id, or make a required \
                 field `@unique`",
            ),
        );
    }
}

/// A full unique index over columns that are all NOT NULL (a NULL never collides).
fn has_required_unique(t: &crate::ir::Table) -> bool {
    use crate::ir::IndexPart;
    t.indexes.iter().any(|i| {
        i.unique
            && i.predicate.is_none()
            && i.parts.iter().all(|p| match p {
                IndexPart::Column { name, .. } => t.column(name).is_some_and(|c| !c.nullable),
                IndexPart::Expression { .. } => false,
            })
    })
}

fn foreign_keys_match(system: &System, diags: &mut Diagnostics) {
    let tables: HashMap<&QualifiedName, &crate::ir::Table> =
        system.tables.iter().map(|t| (&t.db_name, t)).collect();
    for t in &system.tables {
        for fk in &t.foreign_keys {
            let Some(target) = tables.get(&fk.referenced_table) else {
                diags.push(
                    Diagnostic::error(
                        Code::ForeignKeyMismatch,
                        fk.span,
                        format!(
                            "foreign key {} references table {}.{}, which the system does not define",
                            fk.db_name, fk.referenced_table.schema, fk.referenced_table.name
                        ),
                    )
                    .at_path(t.name.clone()),
                );
                continue;
            };
            for (col, referenced) in fk.columns.iter().zip(&fk.referenced_columns) {
                let (Some(a), Some(b)) = (t.column(col), target.column(referenced)) else {
                    diags.push(
                        Diagnostic::error(
                            Code::ForeignKeyMismatch,
                            fk.span,
                            format!(
                                "foreign key {} names a column that does not exist",
                                fk.db_name
                            ),
                        )
                        .at_path(t.name.clone()),
                    );
                    continue;
                };
                if !same_key_type(&a.ty, &b.ty) {
                    diags.push(
                        Diagnostic::error(
                            Code::ForeignKeyMismatch,
                            a.span,
                            format!(
                                "{}.{} refers to {}.{}, but their types differ",
                                t.name, a.name, target.name, b.name
                            ),
                        )
                        .at_path(format!("{}.{}", t.name, a.name))
                        .with_help(
                            "give both fields the same type (and the same `@db.*` native type)",
                        ),
                    );
                }
            }
        }
    }
}

/// A referencing column matches its key when the types agree, serial and identity
/// counting as the integer they hold, and `text` and `varchar` of any length as one string
/// type: Postgres compares them with the same equality operator, so it accepts a foreign
/// key between them (as Prisma does).
fn same_key_type(a: &crate::ir::ColumnType, b: &crate::ir::ColumnType) -> bool {
    use crate::ir::ScalarType::*;
    let base = |s: &crate::ir::ScalarType| match s {
        Serial { big: false } | Identity { big: false } => Integer,
        Serial { big: true } | Identity { big: true } => BigInt,
        Varchar { .. } => Text,
        other => other.clone(),
    };
    a.array == b.array && base(&a.scalar) == base(&b.scalar)
}

/// Only btree indexes can be ordered or unique (Postgres's `amcanorder` and `amcanunique`);
/// any other method makes `CREATE INDEX` fail at migration time, so say it now.
fn index_options_fit_method(system: &System, diags: &mut Diagnostics) {
    use crate::ir::{IndexMethod, IndexPart, SortOrder};
    for t in &system.tables {
        for index in t.indexes.iter().filter(|i| i.method != IndexMethod::Btree) {
            let descending = index.parts.iter().any(|p| {
                matches!(
                    p,
                    IndexPart::Column {
                        order: SortOrder::Desc,
                        ..
                    }
                )
            });
            let asked = match (index.unique, descending) {
                (true, _) => "unique",
                (false, true) => "ordered (DESC)",
                (false, false) => continue,
            };
            diags.push(
                Diagnostic::error(
                    Code::IndexMethodMismatch,
                    index.span,
                    format!(
                        "index {} uses {} and is {asked}, which only btree indexes can be",
                        index.db_name,
                        index.method.sql()
                    ),
                )
                .at_path(format!("{}.indexes.{}", t.name, index.db_name))
                .with_help("drop the sort order or `unique`, or use the default btree method"),
            );
        }
    }
}

/// Postgres enforces uniqueness per partition only, so it requires every primary key and
/// unique index of a partitioned table to hold all partition columns; say it before
/// `CREATE TABLE` fails.
fn keys_cover_partition_columns(system: &System, diags: &mut Diagnostics) {
    use crate::ir::IndexPart;
    for t in &system.tables {
        let Some(partition) = &t.partition else {
            continue;
        };
        let primary_key = t
            .primary_key
            .iter()
            .map(|pk| ("primary key", &pk.db_name, pk.span, pk.columns.clone()));
        let unique = t.indexes.iter().filter(|i| i.unique).map(|i| {
            let columns = i
                .parts
                .iter()
                .filter_map(|p| match p {
                    IndexPart::Column { name, .. } => Some(name.clone()),
                    IndexPart::Expression { .. } => None,
                })
                .collect();
            ("unique index", &i.db_name, i.span, columns)
        });
        for (kind, name, span, columns) in primary_key.chain(unique) {
            let missing: Vec<&str> = partition
                .columns
                .iter()
                .filter(|c| !columns.contains(c))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    Code::PartitionKeyNotCovered,
                    span,
                    format!(
                        "the {kind} {name} of partitioned table {} leaves out partition column {}",
                        t.name,
                        missing.join(", ")
                    ),
                )
                .at_path(t.name.clone())
                .with_related(partition.span, "the partitioning is declared here")
                .with_help(
                    "Postgres checks uniqueness within each partition only: add the partition \
                     columns to the key (e.g. `@@id([id, createdAt])`)",
                ),
            );
        }
    }
}
