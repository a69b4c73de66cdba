use super::*;
use crate::diagnostics::Severity;

fn parse(text: &str) -> Node {
    crate::load::parse_text(text, 0).expect("parses")
}

/// Every output is read back by our own loader as the tree it was written from.
#[test]
fn yaml_reads_back_as_the_tree_it_was_written_from() {
    let tricky = r##"{"flavor":"payload","collections":[{"slug":"posts","labels":{"singular":"Post: one","plural":"#posts"},
      "fields":[{"name":"title","type":"text","required":true,"defaultValue":"yes"},
        {"name":"n","type":"number","defaultValue":1.0,"min":-2,"max":1e3},
        {"name":"empty","type":"text","defaultValue":""},
        {"name":"quote","type":"text","defaultValue":"it's \"quoted\"\nand\ttabbed \u2028 ü"},
        {"name":"odd","type":"json","defaultValue":{"a":[1,[2,{"b":null}]],"k: v":"- x","true":"null"}},
        {"name":"spaces","type":"text","defaultValue":" lead  double trail "},
        {"name":"long","type":"select","options":["aaaaaaaaaaaaaaaaaaaa","bbbbbbbbbbbbbbbbbbbbbbbb","cccccccccccccccccccccccc","dddddddddddddddddddddd","eeeeeeeee"]},
        {"name":"nested","type":"array","fields":[{"name":"deep","type":"group","fields":[{"name":"x","type":"text","admin":{"condition":"(data) => data.a === 'b' && data.c"}}]}]}]}],
      "globals":[],"blocks":[{}]}"##;
    let tree = parse(tricky);
    let text = yaml::document(&tree);
    assert_eq!(parse(&text).to_json(), tree.to_json(), "\n{text}");
    assert!(
        text.contains(
            "\n      - { name: title, type: text, required: true, defaultValue: \"yes\" }\n"
        ),
        "{text}"
    );
}

fn driver_output() -> Node {
    parse(
        r#"{"config":{"localization":{"locales":[{"code":"en","label":"English","rtl":false},"de"],"defaultLocale":"en","filterAvailableLocales":"x"},
      "collections":[{"slug":"posts","admin":{"useAsTitle":"title"},"access":{"read":true},
        "fields":[{"name":"title","type":"text","required":true,"admin":{"condition":"() => true"}},
                  {"name":"body","type":"richText","localized":true},
                  {"type":"row","fields":[{"name":"a","type":"number","min":1,"someUnknownKey":3}]}],
        "auth":{"useAPIKey":true,"cookies":{"secure":true},"fancy":1}}]},
      "configKeys":["secret","db","collections","localization","admin","onInit"],
      "adapter":{"name":"postgres","idType":"uuid"},
      "functions":["collections.posts.hooks.beforeChange","collections.posts.fields.title.validate"]}"#,
    )
}

/// The config becomes the flavour's YAML: every carried key kept in order, every function
/// and every key the flavour does not read reported by path, and the YAML builds.
#[test]
fn a_config_becomes_yaml_and_everything_left_out_is_reported() {
    let imported = from_driver(&driver_output(), "payload.config.ts", "blog");
    let errors: Vec<_> = imported
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let (name, yaml) = &imported.files[0];
    assert_eq!(name, "payload.yaml");
    assert_eq!(
        yaml,
        "# yaml-language-server: $schema=../../.schemagen/json-schema/payload.json
# Imported from payload.config.ts by `schemagen import payload`.
flavor: payload
idType: uuid
localization:
  locales: [{ code: en, label: English }, de]
  defaultLocale: en
collections:
  - slug: posts
    admin: { useAsTitle: title }
    fields:
      - { name: title, type: text, required: true, admin: { condition: \"() => true\" } }
      - { name: body, type: richText, localized: true }
      - type: row
        fields: [{ name: a, type: number, min: 1 }]
    auth: { useAPIKey: true, cookies: { secure: true } }
"
    );
    let reported: Vec<(String, Option<String>)> = imported
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_string(), d.path.clone()))
        .collect();
    let expect = |code: &str, path: Option<&str>| (code.to_string(), path.map(str::to_string));
    for wanted in [
        expect("W0820", Some("collections.posts.hooks.beforeChange")),
        expect("W0820", Some("collections.posts.fields.title.validate")),
        expect("W0821", Some("collections.posts.access")),
        expect(
            "W0821",
            Some("collections.posts.fields[2].fields.a.someUnknownKey"),
        ),
        expect("W0821", Some("collections.posts.auth.fancy")),
        expect("W0821", Some("localization.locales.en.rtl")),
        expect("W0821", Some("localization.filterAvailableLocales")),
        expect("W0822", None),
    ] {
        assert!(
            reported.contains(&wanted),
            "{wanted:?} not in {reported:#?}"
        );
    }
    assert_eq!(reported.len(), 8, "{reported:#?}");
}

#[test]
fn an_adapter_other_than_postgres_is_reported_and_ids_are_serial() {
    let read = parse(
        r#"{"config":{"collections":[]},"configKeys":["db"],"adapter":{"name":"mongoose","idType":null},"functions":[]}"#,
    );
    let imported = from_driver(&read, "payload.config.ts", "blog");
    let codes: Vec<&str> = imported
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["W0823"]);
    assert!(!imported.files[0].1.contains("idType"));
}

#[test]
fn uuidv7_ids_are_written_as_uuid_with_a_warning() {
    let read = parse(
        r#"{"config":{"collections":[]},"configKeys":["db"],"adapter":{"name":"postgres","idType":"uuidv7"},"functions":[]}"#,
    );
    let imported = from_driver(&read, "payload.config.ts", "blog");
    let codes: Vec<&str> = imported
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["W0823"]);
    assert!(imported.files[0].1.contains("\nidType: uuid\n"));
}

#[test]
fn the_system_is_named_after_the_project_folder() {
    let dir = std::env::temp_dir().join(format!("schemagen-unit-{}-My Site", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("package.json"), "{}").unwrap();
    std::fs::write(dir.join("src/payload.config.ts"), "").unwrap();
    let name = system_name(&dir.join("src/payload.config.ts"));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(name.ends_with("-my_site"), "{name}");
    assert!(name.starts_with("schemagen-unit-"), "{name}");
}
