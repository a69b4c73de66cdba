//! Every diagnostic code is documented in docs/diagnostics.md.

use schemagen::diagnostics::Code;

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md"))
        .unwrap();
    for code in Code::ALL {
        let heading = format!("## {}:", code.as_str());
        assert!(
            doc.contains(&heading),
            "docs/diagnostics.md has no section `{heading}`"
        );
    }
}

#[test]
fn codes_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for code in Code::ALL {
        assert!(
            seen.insert(code.as_str()),
            "code {} is used twice",
            code.as_str()
        );
    }
}

/// Codes that no schema folder alone can produce, and the test that covers each instead.
const COVERED_ELSEWHERE: &[(&str, &str)] = &[
    (
        "E0001",
        "an unreadable schemas folder: cli::a_missing_schemas_folder_is_reported",
    ),
    (
        "E0009",
        "a 10 MB YAML list: hostile_input::yaml_limits_speak_in_our_words_with_their_values",
    ),
    (
        "E0014",
        "a sparse 64 MiB file: hostile_input::a_file_over_the_size_limit_is_refused_by_its_size",
    ),
    (
        "E0218",
        "100,001 tables: hostile_input::a_system_over_the_table_limit_is_refused",
    ),
    (
        "E0301",
        "a broken history: postgres_render::migrations_without_their_snapshot_are_refused",
    ),
    (
        "W0330",
        "a plan warning: safe_sql::a_per_row_default_on_a_table_with_rows_is_warned_and_still_applies",
    ),
    (
        "E0345",
        "migrate undo: history::undo_walks_back_to_nothing_then_refuses",
    ),
    (
        "E0346",
        "migrate undo: history::undo_refuses_without_a_record_or_over_an_edited_snapshot",
    ),
    (
        "E0347",
        "migrate undo: history::undo_refuses_without_a_record_or_over_an_edited_snapshot",
    ),
    (
        "E0348",
        "migrate new: history::a_hand_written_migration_needs_a_built_system",
    ),
    ("E0401", "schemagen.yaml: cli::a_bad_config_is_reported"),
    (
        "E0402",
        "a template override: cli::templates_can_be_overridden_and_a_broken_override_is_reported",
    ),
    ("E0701", "a live database: migrate::edited_deleted_or_out_of_order_files_stop_a_deploy_before_it_runs_anything"),
    ("E0702", "a live database: migrate::edited_deleted_or_out_of_order_files_stop_a_deploy_before_it_runs_anything"),
    ("E0703", "a live database: migrate::a_failed_migration_is_recorded_and_resolved_both_ways"),
    ("E0704", "a live database: migrate::a_failed_migration_is_recorded_and_resolved_both_ways"),
    ("E0705", "a live database: migrate::two_deploys_at_once_cannot_both_run"),
    ("E0706", "a live database: migrate::edited_deleted_or_out_of_order_files_stop_a_deploy_before_it_runs_anything"),
    ("E0707", "a live database: migrate::a_failed_migration_is_recorded_and_resolved_both_ways"),
    ("E0708", "no database: migrate::no_system_or_no_database_is_a_diagnostic_not_a_crash"),
    ("E0709", "an output folder: migrate::no_system_or_no_database_is_a_diagnostic_not_a_crash"),
    ("E0710", "migrate baseline: migrate_baseline::a_hand_made_change_or_an_unknown_name_is_refused_and_nothing_is_recorded"),
    ("E0711", "migrate baseline: migrate_baseline::a_seed_database_is_adopted_at_the_migration_it_matches_and_deploy_goes_on"),
    ("E0712", "migrate baseline: migrate_baseline::a_hand_made_change_or_an_unknown_name_is_refused_and_nothing_is_recorded"),
];

#[test]
fn every_code_has_an_err_fixture_or_a_named_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/err");
    let mut reported = String::new();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|e| e == "snap") {
            reported.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    for code in Code::ALL {
        let code = code.as_str();
        let in_fixture = reported.contains(&format!("[{code}]"));
        let elsewhere = COVERED_ELSEWHERE.iter().any(|(c, _)| *c == code);
        assert!(
            in_fixture || elsewhere,
            "no tests/fixtures/err case reports {code}: add a folder for it"
        );
        assert!(
            !(in_fixture && elsewhere),
            "{code} has a fixture now: remove it from COVERED_ELSEWHERE"
        );
    }
}
