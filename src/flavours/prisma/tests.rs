//! Lowering tests: YAML text in, IR out.

use super::*;
use crate::source::SourceMap;

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

fn at(span: Span) -> (u32, u32) {
    (span.line, span.column)
}

#[test]
fn every_element_points_where_it_is_written() {
    let yaml = r#"flavor: prisma
enums:
  Role: [USER, ADMIN]
  Level:
    values: |
      LOW
      HIGH @map("high")
models:
  User:
    fields: |
      id    Int    @id
      role  Role   @default(USER)
      posts Post[]
  Post:
    fields: |
      id       Int  @id
      authorId Int
      author   User @relation(fields: [authorId], references: [id])

      @@index([authorId])
    indexes:
      - columns: [authorId]
        unique: true
    checks:
      post_id_positive: "id > 0"
  Note:
    fields:
      id: Int @id
      text: String @unique
"#;
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let role = &system.enums[0];
    assert_eq!(at(role.span), (3, 3));
    assert_eq!(at(role.values[1].span), (3, 16));
    let level = &system.enums[1];
    assert_eq!(at(level.values[1].span), (7, 7));
    assert_eq!(level.values[1].db_name, "high");
    let post = &system.tables[1];
    assert_eq!(at(post.span), (14, 3));
    assert_eq!(at(post.foreign_keys[0].span), (18, 21));
    assert_eq!(at(post.indexes[0].span), (20, 7));
    assert_eq!(at(post.indexes[1].span), (22, 9));
    assert_eq!(at(post.checks[0].span), (25, 7));
    let note = &system.tables[2];
    assert_eq!(at(note.columns[1].span), (29, 7));
    assert_eq!(at(note.indexes[0].span), (29, 20));
}

#[test]
fn names_over_63_bytes_are_cut_like_prisma() {
    let yaml = "flavor: prisma\nmodels:\n  OrganizationMembershipInvitation:\n    fields: |\n      id Int @id\n      organizationIdentifier Int\n      invitedByUserIdentifier Int\n      @@index([organizationIdentifier, invitedByUserIdentifier])\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let name = &system.tables[0].indexes[0].db_name;
    assert_eq!(
        name,
        "OrganizationMembershipInvitation_organizationIdentifier_inv_idx"
    );
    assert_eq!(name.len(), 63);
}

#[test]
fn relations_to_other_flavours_use_the_catalog() {
    let yaml = "flavor: prisma\nmodels:\n  Post:\n    fields: |\n      id      Int     @id\n      mediaId String? @db.Uuid\n      media   media?  @relation(fields: [mediaId], references: [id])\n";
    let mut sources = SourceMap::default();
    let id = sources.add("f.yaml".into(), yaml.into());
    let file = LoadedFile {
        id,
        root: crate::load::parse_text(yaml, id).unwrap(),
    };
    let mut diags = Diagnostics::default();
    let mut catalog = Catalog::default();
    let state = declare(&[&file], &mut catalog, &mut diags);
    catalog.declare(
        Declared {
            name: "media".into(),
            flavour: Flavour::Payload,
            table: QualifiedName::new("cms", "media"),
            primary_key: vec![(
                "id".into(),
                crate::ir::ColumnType::scalar(crate::ir::ScalarType::Uuid),
            )],
            span: Span::default(),
        },
        &mut diags,
    );
    let mut system = System::default();
    lower(state, &catalog, &mut system, &mut diags);
    assert!(diags.is_empty());
    let fk = &system.tables[0].foreign_keys[0];
    assert_eq!(fk.referenced_table, QualifiedName::new("cms", "media"));
    assert_eq!(
        (fk.db_name.as_str(), fk.on_delete),
        ("Post_mediaId_fkey", crate::ir::ReferentialAction::SetNull)
    );
    assert!(catalog
        .get("Post")
        .is_some_and(|d| d.primary_key[0].0 == "id"));
}

#[test]
fn ten_thousand_models_lower() {
    let mut yaml = String::from("flavor: prisma\nmodels:\n");
    for i in 0..10_000 {
        let next = (i + 1) % 10_000;
        yaml.push_str(&format!(
            "  M{i}:\n    fields: |\n      id     Int @id @default(autoincrement())\n      nextId Int @unique\n      next   M{next} @relation(\"R{i}\", fields: [nextId], references: [id])\n      prev   M{prev}? @relation(\"R{prev}\")\n      tags   Tag[]\n      @@index([nextId])\n",
            prev = (i + 9_999) % 10_000
        ));
    }
    yaml.push_str("  Tag:\n    fields: |\n      id Int @id\n");
    for i in 0..10_000 {
        yaml.push_str(&format!("      m{i} M{i}[]\n"));
    }
    let root = crate::load::parse_text(&yaml, 0).expect("valid YAML");
    let file = LoadedFile { id: 0, root };
    let mut diags = Diagnostics::default();
    let mut catalog = Catalog::default();
    let state = declare(&[&file], &mut catalog, &mut diags);
    let mut system = System::default();
    lower(state, &catalog, &mut system, &mut diags);
    let diags = diags.into_sorted();
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(3)]);
    assert_eq!(system.tables.len(), 10_001 + 10_000);
}

#[test]
fn columns_count_characters_not_bytes() {
    let yaml = "flavor: prisma\nmodels:\n  Café:\n    fields: |\n      id Int @id\n      naive String @default(\"é\") @unique\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    // `      naive String @default("é") @unique`: `@unique` is the 34th character.
    assert_eq!(at(system.tables[0].indexes[0].span), (6, 34));
    assert_eq!(system.tables[0].indexes[0].db_name, "Café_naive_key");
}

/// Relations are read and paired on every core: what is wrong with them is still reported in
/// the order the models and fields are written, each at its own place.
#[test]
fn relation_errors_of_many_models_come_in_declaration_order() {
    let yaml = r#"flavor: prisma
models:
  A:
    fields: |
      id  Int @id
      b   B   @relation(fields: [bId], references: [nope])
      bId Int
  B:
    fields: |
      id Int @id
      as A[]
      c  C   @relation(fields: [missing], references: [id])
  C:
    fields: |
      id Int @id
      bs B[]
  D:
    fields: |
      id Int @id
      e  Nope
  E:
    fields: |
      id Int @id
      c  C
  F:
    fields: |
      id Int @id
      x  A   @relation(fields: [xId], references: [id])
      xId Int
      y  A   @relation(fields: [yId], references: [id])
      yId Int
"#;
    let (_, diags) = lower_yaml(&[yaml]);
    let found: Vec<_> = diags
        .iter()
        .map(|d| (d.code, d.span.map(at), d.path.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (Code::UnknownField, Some((6, 53)), Some("A.b")),
            (Code::UnknownField, Some((12, 33)), Some("B.c")),
            (Code::UnknownType, Some((20, 10)), Some("D.e")),
            (Code::MissingOppositeRelation, Some((24, 7)), Some("E.c")),
            (Code::AmbiguousRelation, Some((28, 7)), Some("F.x")),
            (Code::AmbiguousRelation, Some((30, 7)), Some("F.y")),
        ]
    );
}
