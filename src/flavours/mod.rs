//! Flavours: each reads its own YAML shape and lowers it into the IR.
//! Nothing outside this folder knows that flavours exist.
//!
//! Lowering runs in two passes so that files of different flavours can refer to
//! each other: every flavour first *declares* its collections in a shared
//! [`Catalog`] (which also catches two files defining the same one), then *lowers*
//! them to tables, resolving references through the catalog.

pub mod access;
pub mod consent;
pub mod extensions;
pub mod firestore;
pub mod json_schema;
pub mod payload;
pub mod prisma;
pub mod read;
pub mod renames;
pub mod seed;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{ColumnType, QualifiedName, Span, System};
use crate::load::{LoadedFile, SystemFiles};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flavour {
    Prisma,
    Payload,
    Firestore,
}

impl Flavour {
    pub const NAMES: &'static [&'static str] = &["prisma", "payload", "firestore"];

    fn parse(name: &str) -> Option<Self> {
        match name {
            "prisma" => Some(Self::Prisma),
            "payload" => Some(Self::Payload),
            "firestore" => Some(Self::Firestore),
            _ => None,
        }
    }
}

/// What every flavour can see of every other flavour's collections.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Hashed, not ordered: a model is declared on one core, and a B-tree insert per model was
    /// a tenth of that serial step at 10,000 models. [`Catalog::names`] sorts.
    entries: FxHashMap<String, Declared>,
}

/// A declared collection (model, collection or table), by the name users refer to it with.
#[derive(Debug, Clone)]
pub struct Declared {
    pub name: String,
    pub flavour: Flavour,
    pub table: QualifiedName,
    /// Primary key columns: database name and type, in key order.
    pub primary_key: Vec<(String, ColumnType)>,
    pub span: Span,
}

impl Catalog {
    /// Room for `additional` more declarations.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
    }

    /// Adds a declaration, and says whether it was the first of its name; a second one with
    /// the same name is an error naming both places.
    pub fn declare(&mut self, declared: Declared, diags: &mut Diagnostics) -> bool {
        if let Some(first) = self.entries.get(&declared.name) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    declared.span,
                    format!("`{}` is defined twice", declared.name),
                )
                .at_path(declared.name.clone())
                .with_related(first.span, "first defined here")
                .with_help("rename or remove one of the two definitions"),
            );
            return false;
        }
        self.entries.insert(declared.name.clone(), declared);
        true
    }

    pub fn get(&self, name: &str) -> Option<&Declared> {
        self.entries.get(name)
    }

    /// Every declared name, sorted (for "did you mean", which takes the first nearest).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self.entries.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.into_iter()
    }
}

/// Lowers one system's files into the IR. Files are grouped by their `flavor:` key.
pub fn lower(files: &SystemFiles, diags: &mut Diagnostics) -> System {
    let mut groups: BTreeMap<Flavour, Vec<&LoadedFile>> = BTreeMap::new();
    for file in &files.files {
        if let Some(flavour) = flavour_of(file, diags) {
            groups.entry(flavour).or_default().push(file);
        }
    }

    let mut catalog = Catalog::default();
    let mut prisma_state = None;
    let mut firestore_state = None;
    let mut payload_state = None;
    for (flavour, files) in &groups {
        match flavour {
            Flavour::Prisma => prisma_state = Some(prisma::declare(files, &mut catalog, diags)),
            Flavour::Payload => payload_state = Some(payload::declare(files, &mut catalog, diags)),
            Flavour::Firestore => {
                firestore_state = Some(firestore::declare(files, &mut catalog, diags))
            }
        }
    }

    let mut system = System {
        name: files.name.clone(),
        ..System::default()
    };
    for file in &files.files {
        if let Some(node) = file.root.get("access") {
            access::read_settings(node, "access", &mut system.access, diags);
        }
    }
    if let Some(state) = prisma_state {
        prisma::lower(state, &catalog, &mut system, diags);
    }
    if let Some(state) = payload_state {
        payload::lower(state, &catalog, &mut system, diags);
    }
    if let Some(state) = firestore_state {
        firestore::lower(state, &catalog, &mut system, diags);
    }
    for file in &files.files {
        if let Some(node) = file.root.get("access") {
            access::read_named_tables(node, &mut system, diags);
        }
    }
    access::resolve(&mut system, diags);
    seed::read_all(
        files.files.iter().filter_map(|f| f.root.get("seed")),
        &mut system,
        diags,
    );
    for node in files
        .files
        .iter()
        .filter_map(|f| f.root.get("acceptDataLoss"))
    {
        system.accept_data_loss.extend(consent::read(node, diags));
    }
    let mut extensions: Vec<String> = files
        .files
        .iter()
        .filter_map(|f| f.root.get("extensions"))
        .flat_map(|node| extensions::read(node, diags))
        .collect();
    extensions.sort();
    extensions.dedup();
    system.extensions = extensions;
    system.namespaces = namespaces_of(&system);
    system
}

fn flavour_of(file: &LoadedFile, diags: &mut Diagnostics) -> Option<Flavour> {
    let Some(node) = file.root.get("flavor") else {
        diags.push(no_flavour(file));
        return None;
    };
    let name = node.as_str().unwrap_or_default();
    let flavour = Flavour::parse(name);
    if flavour.is_none() {
        let mut d = Diagnostic::error(
            Code::UnknownFlavour,
            node.span,
            format!("unknown flavor `{name}`"),
        )
        .at_path("flavor");
        d = match read::closest(name, Flavour::NAMES) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!("known flavours: {}", Flavour::NAMES.join(", "))),
        };
        diags.push(d);
    }
    flavour
}

/// E0003 for a file without `flavor:`, pointing at a key that looks like a misspelling of it
/// (`flavour:`, `flavr:`) when there is one.
fn no_flavour(file: &LoadedFile) -> Diagnostic {
    let near = file
        .root
        .as_map()
        .unwrap_or_default()
        .iter()
        .find(|(key, _)| read::closest(&key.name, &["flavor"]).is_some());
    match near {
        Some((key, _)) => Diagnostic::error(
            Code::UnknownFlavour,
            key.span,
            format!(
                "the file has no `flavor` key; `{}` looks like a misspelling of it",
                key.name
            ),
        )
        .with_help("did you mean `flavor`? (spelled as Prisma and Payload spell it)"),
        None => Diagnostic::error(
            Code::UnknownFlavour,
            file.root.span,
            "the file has no `flavor` key",
        )
        .with_help(format!(
            "start the file with `flavor: <{}>`",
            Flavour::NAMES.join("|")
        )),
    }
}

fn namespaces_of(system: &System) -> Vec<String> {
    let mut names: Vec<String> = system
        .tables
        .iter()
        .map(|t| &t.db_name.schema)
        .chain(system.enums.iter().map(|e| &e.db_name.schema))
        .filter(|s| s.as_str() != "public")
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}
