//! Lowering tests: YAML text in, IR out.

use super::*;
use crate::load::SourceMap;

fn load(files: &[&str]) -> Vec<LoadedFile> {
    let mut sources = SourceMap::default();
    files
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let id = sources.add(format!("f{i}.yaml"), text.to_string());
            LoadedFile {
                id,
                root: crate::load::parse_text(text, id).expect("valid YAML"),
            }
        })
        .collect()
}

fn lower_loaded(loaded: &[LoadedFile]) -> (System, Vec<Diagnostic>) {
    let refs: Vec<&LoadedFile> = loaded.iter().collect();
    let mut diags = Diagnostics::default();
    let mut catalog = Catalog::default();
    let state = declare(&refs, &mut catalog, &mut diags);
    let mut system = System::default();
    lower(state, &catalog, &mut system, &mut diags);
    (system, diags.into_sorted())
}

fn lower_yaml(files: &[&str]) -> (System, Vec<Diagnostic>) {
    lower_loaded(&load(files))
}

#[test]
fn columns_point_at_their_field_lines() {
    let yaml = "flavor: payload\ncollections:\n  - slug: posts\n    fields:\n      - name: title\n        type: text\n      - { name: group, type: group, fields: [{ name: inner, type: number }] }\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let t = &system.tables[0];
    let at = |db: &str| t.column(db).map(|c| (c.span.line, c.span.column));
    assert_eq!(at("title"), Some((5, 9)));
    assert_eq!(at("group_inner"), Some((7, 46)));
    assert_eq!((t.span.line, t.span.column), (3, 5));
}

#[test]
fn a_relationship_to_a_collection_of_another_file_resolves() {
    let a = "flavor: payload\ncollections:\n  - slug: posts\n    fields:\n      - { name: author, type: relationship, relationTo: people }\n";
    let b = "flavor: payload\nidType: uuid\ncollections:\n  - slug: people\n    fields: []\n";
    let (system, diags) = lower_yaml(&[a, b]);
    assert!(diags.is_empty(), "{diags:?}");
    let author = system.tables[0].column("author_id").unwrap();
    // The column takes the type of the target's key, declared by the other file.
    assert_eq!(author.ty, ColumnType::scalar(ScalarType::Uuid));
}

#[test]
fn index_names_clashing_across_collections_are_numbered_in_order() {
    // `a_b` + `c` and `a` + `b_c` both make `a_b_c_idx`; Payload numbers the second.
    let yaml = "flavor: payload\ncollections:\n  - slug: a_b\n    timestamps: false\n    fields: [{ name: c, type: text, index: true }]\n  - slug: a\n    timestamps: false\n    fields: [{ name: b_c, type: text, index: true }]\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let names: Vec<&str> = system
        .tables
        .iter()
        .flat_map(|t| t.indexes.iter().map(|i| i.db_name.as_str()))
        .collect();
    assert_eq!(names, ["a_b_c_idx", "a_b_c_1_idx"]);
}

#[test]
fn ten_thousand_collections_lower_quickly() {
    // Ten files (YAML's node budget is per file), relating across files through the catalog.
    let files: Vec<String> = (0..10)
        .map(|f| {
            let mut yaml = String::from("flavor: payload\ncollections:\n");
            for i in f * 1_000..(f + 1) * 1_000 {
                let next = (i + 1) % 10_000;
                yaml.push_str(&format!(
                    "  - slug: c{i}\n    fields:\n      - {{ name: next, type: relationship, relationTo: c{next}, required: true }}\n      - {{ name: many, type: relationship, relationTo: [c{next}, c{i}], hasMany: true }}\n      - {{ name: kind, type: select, options: [a, b], index: true }}\n      - {{ name: rows, type: array, fields: [{{ name: v, type: number, min: 0 }}] }}\n"
                ));
            }
            yaml
        })
        .collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    // Timed: declaring and lowering (parsing YAML is the loader's work).
    let loaded = load(&files);
    let started = std::time::Instant::now();
    let (system, diags) = lower_loaded(&loaded);
    let elapsed = started.elapsed();
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(3)]);
    // The collection, its array and its `_rels` table.
    assert_eq!(system.tables.len(), 30_000);
    assert_eq!(system.enums.len(), 10_000);
    // Generous for unoptimised test builds on a shared machine; linear work takes far less.
    assert!(elapsed.as_secs() < 10, "took {elapsed:?}");
}
