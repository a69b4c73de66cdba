use super::*;

#[test]
fn yaml_names_follow_the_source_files() {
    let file = Path::new("/p/schema.prisma");
    assert_eq!(yaml_name(file, file), "schema.yaml");
    let nested = Path::new("/p/models/user.prisma");
    assert_eq!(yaml_name(Path::new("/p"), nested), "models_user.yaml");
}

#[test]
fn a_body_keeps_its_lines_and_maps_each_back_to_its_source_line() {
    let text = "model A {\n\tid Int @id // key\n\t\tname String\n}\n";
    let source = Source {
        file: 0,
        path: "a.prisma",
        text,
    };
    let mut yaml = Yaml::default();
    let mut diags = Diagnostics::default();
    convert(&source, false, &mut yaml, &mut diags);
    assert!(diags.is_empty());
    assert!(
        yaml.text.ends_with(
            "models:\n  A:\n    fields: |\n      id Int @id // key\n        name String\n"
        ),
        "{}",
        yaml.text
    );
    let lines: Vec<&str> = yaml.text.lines().collect();
    let name = lines
        .iter()
        .position(|l| l.contains("name String"))
        .unwrap();
    // `name` is at YAML column 9 and at column 3 (after two tabs) in the .prisma file.
    let span = Span {
        file: 0,
        line: name as u32 + 1,
        column: 9,
    };
    let back = back_to_prisma(span, &[&yaml.origin]);
    assert_eq!((back.line, back.column), (3, 3));
}

#[test]
fn an_indented_first_line_gets_an_indentation_indicator() {
    let text = "enum E {\n    A\n  B\n}\n";
    let mut yaml = Yaml::default();
    convert(
        &Source {
            file: 0,
            path: "a.prisma",
            text,
        },
        false,
        &mut yaml,
        &mut Diagnostics::default(),
    );
    assert!(
        yaml.text.contains("    values: |2\n        A\n      B\n"),
        "{}",
        yaml.text
    );
    let root = crate::load::parse_text(&yaml.text, 0).unwrap();
    let values = root
        .get("enums")
        .and_then(|e| e.get("E"))
        .and_then(|e| e.get("values"));
    assert_eq!(values.and_then(|v| v.as_str()), Some("  A\nB\n"));
}
