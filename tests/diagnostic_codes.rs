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
    (
        "E0021",
        "a 64 MiB file: input_files::a_file_over_the_limit_is_refused_whatever_its_size_says",
    ),
    ("E0401", "schemagen.yaml: cli::a_bad_config_is_reported"),
    ("E0410", "the output folder: write_kill::a_read_only_output_folder_leaves_the_old_tree_and_says_so"),
    ("E0411", "the output folder: write_kill::a_full_disk_leaves_the_old_tree_and_says_so"),
    ("E0412", "the output folder: write_kill::a_build_aborted_at_any_step_leaves_the_old_tree_or_the_new_one"),
    ("E0413", "the output folder: write_kill::a_full_disk_leaves_the_old_tree_and_says_so"),
    ("E0414", "the output folder: write::a_folder_not_made_by_schemagen_is_never_replaced"),
    (
        "E0402",
        "a template override: cli::templates_can_be_overridden_and_a_broken_override_is_reported",
    ),
    ("E0403", "an --out that is a file: cli_first_hour::an_out_that_is_a_file_is_named_as_such"),
    ("E0404", "a templates folder: cli_first_hour::template_overrides_that_override_nothing_are_refused"),
    ("E0850", "schemagen init: init::init_never_overwrites_a_file"),
    ("E0852", "a system named on the command line: cli_first_hour::naming_systems_builds_and_checks_only_those_and_keeps_the_others"),
    ("W0401", "a warning, not an error: cli_first_hour::yaml_loose_in_the_schemas_folder_is_warned_about"),
    ("E0853", "verify --emit pgtap: cli_first_hour::emit_pgtap_asks_for_one_system_in_a_project_of_several"),
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
    ("E0720", "a live database: verify_existing::a_database_behind_the_migrations_or_a_plain_role_is_refused"),
    ("E0721", "a live database: verify_existing::a_database_behind_the_migrations_or_a_plain_role_is_refused"),
    ("E0722", "a live database: verify_existing::without_existing_a_database_that_is_not_empty_is_refused_pointing_to_existing"),
    ("E0723", "a failing migration: access_verify::a_failing_migration_is_a_setup_failure"),
    ("E0724", "verify, not build: access_verify::a_sql_rule_is_held_to_its_expect"),
    ("E0800", "a .prisma file: import_prisma::other_providers_and_broken_files_are_refused"),
    ("E0801", "a .prisma file: import_prisma::other_providers_and_broken_files_are_refused"),
    ("E0802", "a .prisma file: import_prisma::what_has_no_yaml_form_is_reported_at_its_prisma_line"),
    ("E0803", "a .prisma file: import_prisma::what_has_no_yaml_form_is_reported_at_its_prisma_line"),
    ("E0804", "a second import: import_prisma::a_folder_becomes_one_yaml_file_per_prisma_file_and_builds"),
    ("E0806", "import postgres: import_postgres::unreachable_databases_are_refused"),
    ("E0807", "a live database: import_postgres::access_is_reported_and_the_import_refused_without_skip_unsupported"),
    ("E0820", "import payload: import_payload::no_node_no_payload_or_a_broken_config_is_refused_with_a_hint"),
    ("E0821", "import payload: import_payload::no_node_no_payload_or_a_broken_config_is_refused_with_a_hint"),
    ("E0822", "import payload: import_payload::no_node_no_payload_or_a_broken_config_is_refused_with_a_hint"),
    ("E0823", "import payload: import_payload::no_node_no_payload_or_a_broken_config_is_refused_with_a_hint"),
    ("W0820", "import payload: import_payload::a_config_with_functions_builds_the_database_payload_builds_and_reports_each_function"),
    ("W0821", "import payload: import_payload::a_config_with_functions_builds_the_database_payload_builds_and_reports_each_function"),
    ("W0822", "import payload: import_payload::a_config_with_functions_builds_the_database_payload_builds_and_reports_each_function"),
    ("W0823", "import payload: import::payload::tests::an_adapter_other_than_postgres_is_reported_and_ids_are_serial"),
    ("E0808", "a seed system: convert::what_prisma_style_cannot_say_stops_the_conversion_with_its_path"),
    ("E0809", "seed systems: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0810", "a broken conversion: convert::yaml_that_would_build_another_database_is_caught_before_anything_is_written"),
    ("E0811", "a system with renames: convert::pending_renames_stop_the_conversion"),
    ("E0871", "export: export_cli::names_prisma_cannot_quote_and_tables_payload_cannot_name_are_refused"),
    ("E0882", "export payload: export_cli::names_prisma_cannot_quote_and_tables_payload_cannot_name_are_refused"),
    ("W0882", "export payload: export_cli::export_payload_writes_collection_configs_and_reports_each_loss"),
    ("W0883", "export payload: export_cli::export_payload_writes_collection_configs_and_reports_each_loss"),
    ("W0884", "export payload: export_cli::export_payload_writes_collection_configs_and_reports_each_loss"),
    ("E0812", "seed systems to firestore: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0813", "seed systems to firestore: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0814", "seed systems to firestore: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0815", "seed systems to firestore: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0816", "seed systems to firestore: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0817", "seed systems to payload: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0818", "seed systems to payload: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("E0819", "seed systems to payload: convert_round_trip::seed_systems_round_trip_through_every_flavour_or_stop_with_the_code"),
    ("W0870", "export: export_cli::export_prisma_writes_schema_prisma_and_extras_and_reports_each_loss"),
    ("W0871", "export: export_cli::export_prisma_writes_schema_prisma_and_extras_and_reports_each_loss"),
    ("W0872", "export: export_cli::export_prisma_writes_schema_prisma_and_extras_and_reports_each_loss"),
    ("W0873", "export: export_cli::access_types_and_partitioning_are_reported_by_their_codes"),
    ("W0874", "export: export_cli::access_types_and_partitioning_are_reported_by_their_codes"),
    ("W0875", "export: export_cli::access_types_and_partitioning_are_reported_by_their_codes"),
    ("W0879", "export drizzle: export_cli::export_drizzle_writes_schema_ts_extensions_and_extras_and_reports_each_loss"),
    ("W0880", "export drizzle: export_cli::export_drizzle_writes_schema_ts_extensions_and_extras_and_reports_each_loss"),
    ("W0876", "export firestore: export_firestore::access_rules_become_firestore_conditions_and_the_rest_is_reported"),
    ("W0877", "export firestore: export_firestore::access_rules_become_firestore_conditions_and_the_rest_is_reported"),
    ("W0878", "export firestore: export_firestore::access_rules_become_firestore_conditions_and_the_rest_is_reported"),
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
