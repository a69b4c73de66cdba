//! Lowering tests: YAML text in, IR out.

use super::*;
use crate::load::SourceMap;

fn lower_yaml(files: &[&str]) -> (System, Vec<Diagnostic>) {
    let mut sources = SourceMap::default();
    let loaded: Vec<LoadedFile> = files
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let id = sources.add(format!("f{i}.yaml"), text.to_string());
            LoadedFile {
                id,
                root: crate::load::parse_text(text, id).expect("valid YAML"),
            }
        })
        .collect();
    let refs: Vec<&LoadedFile> = loaded.iter().collect();
    let mut diags = Diagnostics::default();
    let mut catalog = Catalog::default();
    let state = declare(&refs, &mut catalog, &mut diags);
    let mut system = System::default();
    lower(state, &catalog, &mut system, &mut diags);
    (system, diags.into_sorted())
}

#[test]
fn block_form_spans_follow_the_block() {
    let yaml = "flavor: prisma\nmodels:\n  User:\n    fields: |\n      id    String @id\n\n      // comment\n      email String @unique\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let t = &system.tables[0];
    let spans: Vec<_> = t
        .columns
        .iter()
        .map(|c| (c.span.line, c.span.column))
        .collect();
    assert_eq!(spans, [(5, 7), (8, 7)]);
    let pk = t.primary_key.as_ref().unwrap();
    assert_eq!((pk.span.line, pk.span.column), (5, 20));
    assert_eq!((t.indexes[0].span.line, t.indexes[0].span.column), (8, 20));
}

#[test]
fn block_form_spans_survive_leading_blank_lines_and_deeper_indentation() {
    let yaml = "flavor: prisma\nmodels:\n  User:\n    fields: |-\n\n        // first a comment\n        id    Int @id\n          name String\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let spans: Vec<_> = system.tables[0]
        .columns
        .iter()
        .map(|c| (c.span.line, c.span.column))
        .collect();
    assert_eq!(spans, [(7, 9), (8, 11)]);
}
