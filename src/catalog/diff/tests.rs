//! The comparison and the reconciling SQL on catalogs built by hand (no database).
use super::*;

fn catalog_with_enum(labels: &[&str]) -> Catalog {
    let mut catalog = Catalog::default();
    catalog.schemas.insert("public".into(), Default::default());
    let labels = labels.iter().map(|l| l.to_string()).collect();
    let spelled = "public.mood".to_string();
    let value = Enum {
        spelled: spelled.clone(),
        labels,
        comment: None,
    };
    catalog.enums.insert(Name::new("public", "mood"), value);
    let column = Column {
        name: "mood".into(),
        data_type: spelled,
        not_null: true,
        default: Some("'calm'::public.mood".into()),
        ..Column::default()
    };
    let table = Table {
        columns: vec![column],
        ..Table::default()
    };
    catalog.tables.insert(Name::new("public", "days"), table);
    catalog
}

#[test]
fn missing_enum_values_are_added_in_place_before_the_transaction() {
    let live = catalog_with_enum(&["calm", "sad"]);
    let expected = catalog_with_enum(&["happy", "calm", "tense", "sad"]);
    let sql = reconcile(&compare(&live, &expected)).unwrap();
    assert_eq!(
        sql.lines().skip(1).collect::<Vec<_>>(),
        [
            "ALTER TYPE \"public\".\"mood\" ADD VALUE 'happy' BEFORE 'calm';",
            "ALTER TYPE \"public\".\"mood\" ADD VALUE 'tense' AFTER 'calm';",
        ]
    );
}

#[test]
fn removed_or_reordered_enum_values_rebuild_the_type_and_convert_its_columns() {
    let live = catalog_with_enum(&["sad", "calm", "extra"]);
    let expected = catalog_with_enum(&["calm", "sad"]);
    let sql = reconcile(&compare(&live, &expected)).unwrap();
    let alter = "ALTER TABLE \"public\".\"days\" ALTER COLUMN \"mood\"";
    let expected_sql = format!(
        "BEGIN;\n\
         ALTER TYPE \"public\".\"mood\" RENAME TO \"mood_schemagen_old\";\n\
         CREATE TYPE \"public\".\"mood\" AS ENUM ('calm', 'sad');\n\
         {alter} DROP DEFAULT;\n\
         {alter} TYPE \"public\".\"mood\" USING \"mood\"::text::\"public\".\"mood\";\n\
         {alter} SET DEFAULT 'calm'::public.mood;\n\
         DROP TYPE \"public\".\"mood_schemagen_old\";\n\
         COMMIT;\n"
    );
    assert!(sql.ends_with(&expected_sql), "{sql}");
}

#[test]
fn names_and_comments_cannot_break_out_of_the_sql() {
    let live = catalog_with_enum(&["calm"]);
    let mut expected = live.clone();
    let table = expected.tables.values_mut().next().unwrap();
    table.comment = Some("it's \\ fine'; DROP TABLE x; --".into());
    let evil = "x\"; DROP TABLE y; --";
    table.policies.insert(
        evil.into(),
        Policy {
            command: "SELECT".into(),
            permissive: true,
            roles: vec!["PUBLIC".into(), "app\"role".into()],
            using: Some("true".into()),
            with_check: None,
        },
    );
    let sql = reconcile(&compare(&live, &expected)).unwrap();
    assert!(
        sql.contains("CREATE POLICY \"x\"\"; DROP TABLE y; --\" ON \"public\".\"days\" AS PERMISSIVE FOR SELECT TO PUBLIC, \"app\"\"role\" USING (true);"),
        "{sql}"
    );
    assert!(
        sql.contains(
            "COMMENT ON TABLE \"public\".\"days\" IS E'it\\'s \\\\ fine\\'; DROP TABLE x; --';"
        ),
        "{sql}"
    );
}

#[test]
fn foreign_keys_go_before_what_they_need_and_data_loss_stays_commented() {
    let fk = |definition: &str| Constraint {
        kind: 'f',
        definition: definition.into(),
        validated: true,
        inherited: false,
    };
    let mut live = catalog_with_enum(&["calm"]);
    let mut expected = live.clone();
    let days = Name::new("public", "days");
    let live_days = live.tables.get_mut(&days).unwrap();
    live_days.columns.push(Column {
        name: "note".into(),
        data_type: "text".into(),
        ..Column::default()
    });
    live_days.constraints.insert(
        "days_fk".into(),
        fk("FOREIGN KEY (a) REFERENCES public.t(id)"),
    );
    let expected_days = expected.tables.get_mut(&days).unwrap();
    expected_days.constraints.insert(
        "days_fk".into(),
        fk("FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE"),
    );
    let drifts = compare(&live, &expected);
    let lines: Vec<String> = drifts.iter().map(Drift::line).collect();
    assert_eq!(
        lines,
        [
            "+ column public.days.note: not in the migrations",
            "~ constraint public.days.days_fk: FOREIGN KEY (a) REFERENCES public.t(id), \
             expected FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE",
        ]
    );
    let alter = "ALTER TABLE \"public\".\"days\"";
    assert_eq!(
        reconcile(&drifts).unwrap().lines().skip(1).collect::<Vec<_>>(),
        [
            "BEGIN;".to_string(),
            format!("{alter} DROP CONSTRAINT \"days_fk\";"),
            "-- DESTRUCTIVE: loses data; uncomment only if that is intended.".into(),
            format!("-- {alter} DROP COLUMN \"note\";"),
            format!("{alter} ADD CONSTRAINT \"days_fk\" FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE;"),
            "COMMIT;".into(),
        ]
    );
    assert!(!in_sync(&drifts));
    assert!(compare(&expected, &expected).is_empty());
}

#[test]
fn a_column_grant_is_drift_and_is_revoked_by_column() {
    let expected = catalog_with_enum(&["calm"]);
    let mut live = expected.clone();
    let days = Name::new("public", "days");
    let column = &mut live.tables.get_mut(&days).unwrap().columns[0];
    column
        .grants
        .entry("PUBLIC".into())
        .or_default()
        .insert("UPDATE".into(), false);
    let drifts = compare(&live, &expected);
    let lines: Vec<String> = drifts.iter().map(Drift::line).collect();
    assert_eq!(
        lines,
        ["~ grants on column public.days.mood to PUBLIC: UPDATE, expected none"]
    );
    let sql = reconcile(&drifts).unwrap();
    assert!(
        sql.contains(r#"REVOKE UPDATE ("mood") ON "public"."days" FROM PUBLIC;"#),
        "{sql}"
    );
}
