//! Lowering tests: YAML text in, IR out.

use super::*;
use crate::source::SourceMap;

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
fn ten_thousand_collections_lower() {
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
    let loaded = load(&files);
    let (system, diags) = lower_loaded(&loaded);
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(3)]);
    // The collection, its array and its `_rels` table.
    assert_eq!(system.tables.len(), 30_000);
    assert_eq!(system.enums.len(), 10_000);
}

/// A column as Payload's migrations spell it: `name type`.
fn payload_sql(c: &crate::ir::Column) -> String {
    let ty = match &c.ty.scalar {
        ScalarType::Serial { .. } => "serial".to_string(),
        ScalarType::Integer => "integer".into(),
        ScalarType::Varchar { .. } => "varchar".into(),
        ScalarType::Text => "text".into(),
        ScalarType::Numeric { .. } => "numeric".into(),
        ScalarType::Boolean => "boolean".into(),
        ScalarType::Jsonb => "jsonb".into(),
        ScalarType::Timestamptz { .. } => "timestamp(3) with time zone".into(),
        ScalarType::Enum { name } => format!("\"{}\"", name.name),
        other => format!("{other:?}"),
    };
    format!("{} {ty}", c.db_name)
}

/// Names and columns of the `pages` tables in the initial migration that Payload generated for
/// its website template (templates/with-vercel-website/src/migrations/20260409_155721_initial.ts),
/// less what the fixture leaves out (FormBlock, drafts' `_status`, the slug field). NOT NULL is not
/// compared: drafts make Payload drop it on these tables.
#[test]
fn website_template_names_match_payloads_migration() {
    let yaml =
        include_str!("../../../tests/fixtures/ok/payload_website_template/schemas/site/pages.yaml");
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let expected: &[(&str, &[&str])] = &[
        (
            "pages",
            &[
                "id serial",
                "title varchar",
                "hero_type \"enum_pages_hero_type\"",
                "hero_rich_text jsonb",
                "hero_media_id integer",
                "meta_title varchar",
                "meta_image_id integer",
                "meta_description varchar",
                "published_at timestamp(3) with time zone",
                "updated_at timestamp(3) with time zone",
                "created_at timestamp(3) with time zone",
            ],
        ),
        (
            "pages_hero_links",
            &[
                "_order integer",
                "_parent_id integer",
                "id varchar",
                "link_type \"enum_pages_hero_links_link_type\"",
                "link_new_tab boolean",
                "link_url varchar",
                "link_label varchar",
                "link_appearance \"enum_pages_hero_links_link_appearance\"",
            ],
        ),
        (
            "pages_blocks_cta",
            &[
                "_order integer",
                "_parent_id integer",
                "_path text",
                "id varchar",
                "rich_text jsonb",
                "block_name varchar",
            ],
        ),
        (
            "pages_blocks_cta_links",
            &[
                "_order integer",
                "_parent_id varchar",
                "id varchar",
                "link_type \"enum_pages_blocks_cta_links_link_type\"",
                "link_new_tab boolean",
                "link_url varchar",
                "link_label varchar",
                "link_appearance \"enum_pages_blocks_cta_links_link_appearance\"",
            ],
        ),
        (
            "pages_blocks_content",
            &[
                "_order integer",
                "_parent_id integer",
                "_path text",
                "id varchar",
                "block_name varchar",
            ],
        ),
        (
            "pages_blocks_content_columns",
            &[
                "_order integer",
                "_parent_id varchar",
                "id varchar",
                "size \"enum_pages_blocks_content_columns_size\"",
                "rich_text jsonb",
                "enable_link boolean",
                "link_type \"enum_pages_blocks_content_columns_link_type\"",
                "link_new_tab boolean",
                "link_url varchar",
                "link_label varchar",
                "link_appearance \"enum_pages_blocks_content_columns_link_appearance\"",
            ],
        ),
        (
            "pages_blocks_media_block",
            &[
                "_order integer",
                "_parent_id integer",
                "_path text",
                "id varchar",
                "media_id integer",
                "block_name varchar",
            ],
        ),
        (
            "pages_blocks_archive",
            &[
                "_order integer",
                "_parent_id integer",
                "_path text",
                "id varchar",
                "intro_content jsonb",
                "populate_by \"enum_pages_blocks_archive_populate_by\"",
                "relation_to \"enum_pages_blocks_archive_relation_to\"",
                "limit numeric",
                "block_name varchar",
            ],
        ),
        (
            "pages_rels",
            &[
                "id serial",
                "order integer",
                "parent_id integer",
                "path varchar",
                "pages_id integer",
                "posts_id integer",
                "categories_id integer",
            ],
        ),
    ];
    for (table, columns) in expected {
        let t = system
            .tables
            .iter()
            .find(|t| t.db_name.name == *table)
            .unwrap_or_else(|| panic!("no table {table}"));
        let actual: Vec<String> = t.columns.iter().map(payload_sql).collect();
        assert_eq!(actual, *columns, "columns of {table}");
    }

    let mut names: Vec<&str> = system
        .tables
        .iter()
        .filter(|t| t.db_name.name.starts_with("pages"))
        .flat_map(|t| {
            t.indexes
                .iter()
                .map(|i| i.db_name.as_str())
                .chain(t.foreign_keys.iter().map(|f| f.db_name.as_str()))
        })
        .chain(system.enums.iter().map(|e| e.db_name.name.as_str()))
        .collect();
    names.sort_unstable();
    let mut expected_names = vec![
        "enum_pages_hero_links_link_type",
        "enum_pages_hero_links_link_appearance",
        "enum_pages_blocks_cta_links_link_type",
        "enum_pages_blocks_cta_links_link_appearance",
        "enum_pages_blocks_content_columns_size",
        "enum_pages_blocks_content_columns_link_type",
        "enum_pages_blocks_content_columns_link_appearance",
        "enum_pages_blocks_archive_populate_by",
        "enum_pages_blocks_archive_relation_to",
        "enum_pages_hero_type",
        "pages_hero_links_parent_id_fk",
        "pages_blocks_cta_links_parent_id_fk",
        "pages_blocks_cta_parent_id_fk",
        "pages_blocks_content_columns_parent_id_fk",
        "pages_blocks_content_parent_id_fk",
        "pages_blocks_media_block_media_id_media_id_fk",
        "pages_blocks_media_block_parent_id_fk",
        "pages_blocks_archive_parent_id_fk",
        "pages_hero_media_id_media_id_fk",
        "pages_meta_image_id_media_id_fk",
        "pages_rels_parent_fk",
        "pages_rels_pages_fk",
        "pages_rels_posts_fk",
        "pages_rels_categories_fk",
        "pages_hero_links_order_idx",
        "pages_hero_links_parent_id_idx",
        "pages_blocks_cta_links_order_idx",
        "pages_blocks_cta_links_parent_id_idx",
        "pages_blocks_cta_order_idx",
        "pages_blocks_cta_parent_id_idx",
        "pages_blocks_cta_path_idx",
        "pages_blocks_content_columns_order_idx",
        "pages_blocks_content_columns_parent_id_idx",
        "pages_blocks_content_order_idx",
        "pages_blocks_content_parent_id_idx",
        "pages_blocks_content_path_idx",
        "pages_blocks_media_block_order_idx",
        "pages_blocks_media_block_parent_id_idx",
        "pages_blocks_media_block_path_idx",
        "pages_blocks_media_block_media_idx",
        "pages_blocks_archive_order_idx",
        "pages_blocks_archive_parent_id_idx",
        "pages_blocks_archive_path_idx",
        "pages_hero_hero_media_idx",
        "pages_meta_meta_image_idx",
        "pages_updated_at_idx",
        "pages_created_at_idx",
        "pages_rels_order_idx",
        "pages_rels_parent_idx",
        "pages_rels_path_idx",
        "pages_rels_pages_id_idx",
        "pages_rels_posts_id_idx",
        "pages_rels_categories_id_idx",
    ];
    expected_names.sort_unstable();
    assert_eq!(names, expected_names);
}

/// `users` and `media` of Payload's Postgres template against the initial migration Payload
/// generated for it (templates/with-postgres/src/migrations/20260409_155734_initial.ts).
#[test]
fn postgres_template_users_and_media_match_payloads_migration() {
    let yaml = "flavor: payload\ncollections:\n  - slug: users\n    auth: true\n    fields: []\n  - slug: media\n    upload: true\n    fields:\n      - { name: alt, type: text, required: true }\n";
    let (system, diags) = lower_yaml(&[yaml]);
    assert!(diags.is_empty(), "{diags:?}");
    let sql = |table: &str| -> Vec<String> {
        let t = system
            .tables
            .iter()
            .find(|t| t.db_name.name == table)
            .unwrap();
        t.columns
            .iter()
            .map(|c| {
                let mut s = payload_sql(c);
                if let Some(crate::ir::DefaultValue::Sql(sql)) = &c.default {
                    s.push_str(&format!(" DEFAULT {sql}"));
                }
                if let Some(crate::ir::DefaultValue::Literal(crate::ir::Literal::Number(n))) =
                    &c.default
                {
                    s.push_str(&format!(" DEFAULT {n}"));
                }
                if !c.nullable && c.db_name != "id" {
                    s.push_str(" NOT NULL");
                }
                s
            })
            .collect()
    };
    assert_eq!(
        sql("users_sessions"),
        [
            "_order integer NOT NULL",
            "_parent_id integer NOT NULL",
            "id varchar",
            "created_at timestamp(3) with time zone",
            "expires_at timestamp(3) with time zone NOT NULL",
        ]
    );
    assert_eq!(
        sql("users"),
        [
            "id serial",
            "updated_at timestamp(3) with time zone DEFAULT now() NOT NULL",
            "created_at timestamp(3) with time zone DEFAULT now() NOT NULL",
            "email varchar NOT NULL",
            "reset_password_token varchar",
            "reset_password_expiration timestamp(3) with time zone",
            "salt varchar",
            "hash varchar",
            // Not in the template's migration, which predates Payload 3.90: the date that
            // throttles reset requests (`forgotPassword.minRequestInterval`, default 15 s).
            "reset_password_requested_at timestamp(3) with time zone",
            "login_attempts numeric DEFAULT 0",
            "lock_until timestamp(3) with time zone",
        ]
    );
    assert_eq!(
        sql("media"),
        [
            "id serial",
            "alt varchar NOT NULL",
            "updated_at timestamp(3) with time zone DEFAULT now() NOT NULL",
            "created_at timestamp(3) with time zone DEFAULT now() NOT NULL",
            "url varchar",
            "thumbnail_u_r_l varchar",
            "filename varchar",
            "mime_type varchar",
            "filesize numeric",
            "width numeric",
            "height numeric",
            "focal_x numeric",
            "focal_y numeric",
        ]
    );
    let names: Vec<(&str, bool)> = system
        .tables
        .iter()
        .flat_map(|t| t.indexes.iter().map(|i| (i.db_name.as_str(), i.unique)))
        .collect();
    assert_eq!(
        names,
        [
            ("users_updated_at_idx", false),
            ("users_created_at_idx", false),
            ("users_email_idx", true),
            ("users_sessions_order_idx", false),
            ("users_sessions_parent_id_idx", false),
            ("media_updated_at_idx", false),
            ("media_created_at_idx", false),
            ("media_filename_idx", true),
        ]
    );
    let fks: Vec<&str> = system
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(|f| f.db_name.as_str()))
        .collect();
    assert_eq!(fks, ["users_sessions_parent_id_fk"]);
}
