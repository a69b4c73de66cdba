//! Drift detection (`schemagen::catalog`) against real PostgreSQL: a database built from a
//! seed system's migrations matches them; each kind of hand-made change is named, and the
//! printed reconciling SQL, applied to the live database, removes every difference.

mod support;

use schemagen::catalog::{self, diff, expected, Scope};
use schemagen::cluster::Cluster;
use schemagen::db::Db;

const SEEDS: [&str; 5] = [
    "alphadome",
    "botcafe",
    "collective_writing",
    "contentpilot",
    "mitche",
];

fn migrations(system: &str) -> Vec<(String, String)> {
    let out = support::repo_root().join("generated");
    schemagen::history::read(&out, system)
        .unwrap_or_else(|e| panic!("reading {system}'s migrations: {e}"))
        .migrations
}

/// A database named `system` in `pg`, built from the system's migrations.
fn built(pg: &Cluster, system: &str) -> Db {
    pg.create_database(system).expect("create database");
    let mut db = Db::connect(&pg.connection_string(system)).expect("connect");
    for (name, sql) in migrations(system) {
        expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{system} {name}: {e}"));
    }
    db
}

fn drift(db: &mut Db, system: &str) -> Vec<diff::Drift> {
    catalog::drift(db, &migrations(system), None, &Scope::default())
        .unwrap_or_else(|e| panic!("{system}: {e}"))
}

fn lines(drifts: &[diff::Drift]) -> Vec<String> {
    drifts
        .iter()
        .filter(|d| d.shown)
        .map(diff::Drift::line)
        .collect()
}

#[test]
fn a_database_built_from_the_migrations_has_no_drift() {
    let Some(pg) = support::pg::cluster("a_database_built_from_the_migrations_has_no_drift") else {
        return;
    };
    for system in SEEDS {
        let started = std::time::Instant::now();
        let mut db = built(&pg, system);
        eprintln!("{system}: built in {:?}", started.elapsed());
        let catalog = catalog::read(&mut db, &Scope::default()).expect("read");
        assert!(
            !catalog.tables.is_empty(),
            "{system}: {}",
            catalog.summary()
        );
        eprintln!("{system}: {}", catalog.summary());
        let started = std::time::Instant::now();
        let drifts = drift(&mut db, system);
        eprintln!("{system}: drift in {:?}", started.elapsed());
        assert!(
            drifts.is_empty(),
            "{system}:\n{}",
            lines(&drifts).join("\n")
        );
    }
}

/// Changes made by hand to a mitche database holding rows, each with the line `diff` must print.
const HAND_CHANGES: [(&str, &str); 12] = [
    (
        "ALTER TABLE public.conversations ALTER COLUMN title TYPE varchar(200)",
        "~ column public.conversations.title: type character varying(200), expected text",
    ),
    (
        "ALTER TABLE public.conversations ALTER COLUMN message_count SET DEFAULT 1",
        "~ column public.conversations.message_count: default 1, expected 0",
    ),
    (
        "DROP POLICY conversations_delete ON public.conversations",
        "- policy conversations_delete on public.conversations: missing",
    ),
    (
        "CREATE INDEX conversations_title_idx ON public.conversations (lower(title)) WHERE title IS NOT NULL",
        "+ index public.conversations.conversations_title_idx: INDEX USING btree (lower((title)::text)) WHERE (title IS NOT NULL) not in the migrations",
    ),
    (
        "REVOKE DELETE ON public.conversations FROM mitche_app",
        "~ grants on table public.conversations to mitche_app: INSERT, SELECT, UPDATE, expected DELETE, INSERT, SELECT, UPDATE",
    ),
    (
        "GRANT TRUNCATE ON public.conversations TO PUBLIC",
        "~ grants on table public.conversations to PUBLIC: TRUNCATE, expected none",
    ),
    (
        "ALTER TABLE public.conversations NO FORCE ROW LEVEL SECURITY",
        "~ table public.conversations: FORCE row level security off, expected on",
    ),
    (
        "ALTER TYPE public.conversations_status ADD VALUE 'muted' BEFORE 'archived'",
        "~ enum public.conversations_status: values (active, muted, archived, locked), expected (active, archived, locked)",
    ),
    (
        "ALTER TABLE public.requests ALTER COLUMN urgency DROP DEFAULT;
         ALTER TYPE public.requests_urgency RENAME TO requests_urgency_old;
         CREATE TYPE public.requests_urgency AS ENUM ('low', 'medium', 'critical');
         ALTER TABLE public.requests ALTER COLUMN urgency TYPE public.requests_urgency
           USING urgency::text::public.requests_urgency;
         ALTER TABLE public.requests ALTER COLUMN urgency SET DEFAULT 'medium';
         DROP TYPE public.requests_urgency_old",
        "~ enum public.requests_urgency: values (low, medium, critical), expected (low, medium, high, critical)",
    ),
    (
        "ALTER TABLE public.conversations DROP CONSTRAINT conversations_request_id_fkey,
         ADD CONSTRAINT conversations_request_id_fkey FOREIGN KEY (request_id)
           REFERENCES public.requests (id) ON DELETE CASCADE",
        "~ constraint public.conversations.conversations_request_id_fkey: FOREIGN KEY (request_id) REFERENCES public.requests(id) ON DELETE CASCADE, expected FOREIGN KEY (request_id) REFERENCES public.requests(id) ON DELETE SET NULL",
    ),
    (
        "COMMENT ON TABLE public.conversations IS 'chats'",
        "~ table public.conversations: comment \"chats\", expected \"none\"",
    ),
    (
        "ALTER TABLE public.conversations ADD COLUMN notes text DEFAULT 'kept'",
        "+ column public.conversations.notes: not in the migrations",
    ),
];

/// A user, a request and a conversation, so the changes and the reconciling SQL meet rows.
const ROWS: &str = "
INSERT INTO public.users (id, display_name, anonymous_handle, notifications)
  VALUES ('u1', 'Ada', 'anon', '{}');
INSERT INTO public.requests (id, author_id, title, description, category, urgency)
  VALUES ('r1', 'u1', 'Soup', 'Needs soup', 'food', 'critical');
INSERT INTO public.conversations (id, type, created_by_id, request_id, title, status)
  VALUES ('c1', 'request', 'u1', 'r1', 'About soup', 'archived')";

#[test]
fn hand_made_changes_are_named_and_the_reconciling_sql_removes_them() {
    let test = "hand_made_changes_are_named_and_the_reconciling_sql_removes_them";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let mut db = built(&pg, "mitche");
    db.execute(ROWS).expect("rows");
    for (change, _) in HAND_CHANGES {
        db.execute(change)
            .unwrap_or_else(|e| panic!("{change}: {e}"));
    }
    let drifts = drift(&mut db, "mitche");
    let found = lines(&drifts);
    let missing: Vec<&str> = HAND_CHANGES
        .iter()
        .map(|(_, line)| *line)
        .filter(|line| !found.iter().any(|f| f == line))
        .collect();
    assert!(
        missing.is_empty(),
        "not reported:\n{}\n\nreported:\n{}",
        missing.join("\n"),
        found.join("\n")
    );
    assert_eq!(found.len(), HAND_CHANGES.len(), "{}", found.join("\n"));

    let sql = diff::reconcile(&drifts).expect("SQL");
    expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    // Only the extra column is left: dropping it loses data, so its line is commented out.
    let left = lines(&drift(&mut db, "mitche"));
    assert_eq!(
        left,
        ["+ column public.conversations.notes: not in the migrations"],
        "{sql}"
    );
    assert!(
        sql.contains(
            "-- DESTRUCTIVE: loses data; uncomment only if that is intended.\n\
                          -- ALTER TABLE \"public\".\"conversations\" DROP COLUMN \"notes\";"
        ),
        "{sql}"
    );
    // The rows came through: the re-typed column and both rebuilt enums kept their values.
    let row = db
        .rows("SELECT c.title, c.status::text, r.urgency::text FROM public.conversations c JOIN public.requests r ON r.id = c.request_id")
        .expect("rows");
    let row: Vec<String> = row[0]
        .iter()
        .map(|v| v.clone().unwrap_or_default())
        .collect();
    assert_eq!(row, ["About soup", "archived", "critical"]);
}

fn schemagen(args: &[&str]) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(args)
        .current_dir(support::repo_root())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemagen");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

#[test]
fn the_diff_command_exits_0_in_sync_1_on_drift_2_without_a_database() {
    let test = "the_diff_command_exits_0_in_sync_1_on_drift_2_without_a_database";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let mut db = built(&pg, "alphadome");
    let url = pg.connection_string("alphadome");
    let (code, out, err) = schemagen(&["diff", "alphadome", "--database-url", &url]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        out,
        "alphadome: no drift: the database matches the migrations\n"
    );

    db.execute(
        "ALTER TABLE alphadome.bot_tenants ALTER COLUMN client_name TYPE varchar(80);
         DROP POLICY bot_tenants_delete ON alphadome.bot_tenants;
         CREATE INDEX bot_tenants_name_idx ON alphadome.bot_tenants (client_name)",
    )
    .expect("hand changes");
    let (code, out, err) = schemagen(&["diff", "alphadome", "--database-url", &url]);
    eprintln!("$ schemagen diff alphadome --database-url …\n{out}{err}");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains(
            "~ column alphadome.bot_tenants.client_name: type character varying(80), expected text"
        ),
        "{out}"
    );
    assert!(
        out.contains("- policy bot_tenants_delete on alphadome.bot_tenants: missing"),
        "{out}"
    );
    assert!(
        out.contains("DROP INDEX \"alphadome\".\"bot_tenants_name_idx\";"),
        "{out}"
    );

    let (code, out, _) = schemagen(&[
        "diff",
        "alphadome",
        "--database-url",
        &url,
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["drift"].as_array().map(Vec::len), Some(3), "{json}");
    assert!(
        json["sql"]
            .as_str()
            .is_some_and(|s| s.contains("CREATE POLICY")),
        "{json}"
    );

    // At the first migration the database is ahead: the second migration's objects are extra.
    let (code, out, _) = schemagen(&[
        "diff",
        "alphadome",
        "--database-url",
        &url,
        "--up-to",
        "0001_init",
    ]);
    assert_eq!(code, Some(1));
    assert!(out.contains("not in the migrations"), "{out}");

    let (code, _, err) = schemagen(&["diff", "alphadome"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--database-url"), "{err}");

    // What `migrate baseline` asks: does a database match the schema at a given migration?
    pg.create_database("at_first").expect("create database");
    let mut first = Db::connect(&pg.connection_string("at_first")).expect("connect");
    let all = migrations("alphadome");
    expected::apply(&mut first, &all[0].1).expect("first migration");
    let at = |db: &mut Db, name| catalog::drift(db, &all, name, &Scope::default()).unwrap();
    assert!(diff::in_sync(&at(&mut first, Some("0001_init"))));
    assert!(!diff::in_sync(&at(&mut first, None)));
    let unknown = catalog::drift(&mut first, &all, Some("0009_nope"), &Scope::default());
    assert_eq!(
        unknown.unwrap_err(),
        "no migration named `0009_nope`; migrations: 0001_init, 0002_update"
    );
}

/// Whole objects dropped or added by hand in a collective_writing database with rows.
const WHOLE_OBJECTS: [(&str, &str); 10] = [
    (
        "DROP TABLE public.activity_log_2025_02",
        "- partition public.activity_log_2025_02: missing",
    ),
    (
        "DROP TABLE public.comment_reactions",
        "- table public.comment_reactions: missing",
    ),
    (
        "ALTER TABLE public.votes DROP CONSTRAINT votes_weight_non_negative,
         ADD CONSTRAINT votes_weight_non_negative CHECK (weight >= 0) NOT VALID",
        "~ constraint public.votes.votes_weight_non_negative: NOT VALID, expected validated",
    ),
    (
        "DROP INDEX public.users_username_key",
        "- index public.users.users_username_key: missing",
    ),
    (
        "GRANT SELECT ON public.polls TO app_user WITH GRANT OPTION",
        "~ grants on table public.polls to app_user: DELETE, INSERT, SELECT WITH GRANT OPTION, UPDATE, expected DELETE, INSERT, SELECT, UPDATE",
    ),
    (
        "ALTER TABLE public.polls DISABLE ROW LEVEL SECURITY",
        "~ table public.polls: row level security off, expected on",
    ),
    (
        "CREATE TYPE public.mood AS ENUM ('calm')",
        "+ enum public.mood: not in the migrations",
    ),
    ("CREATE SCHEMA scratch", "+ schema scratch: not in the migrations"),
    // Its types and functions are the extension's own: only the extension itself is named.
    (
        "CREATE EXTENSION citext SCHEMA scratch",
        "+ extension citext: not in the migrations",
    ),
    (
        "CREATE TABLE scratch.notes (id int PRIMARY KEY); INSERT INTO scratch.notes VALUES (1)",
        "+ table scratch.notes: not in the migrations",
    ),
];

#[test]
fn dropped_tables_and_partitions_come_back_and_extra_tables_stay() {
    let test = "dropped_tables_and_partitions_come_back_and_extra_tables_stay";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let mut db = built(&pg, "collective_writing");
    db.execute(
        "INSERT INTO public.users (id, updated_at) VALUES ('u1', now());
         INSERT INTO public.activity_log (id, action, entity_type, created_at)
           VALUES ('a1', 'wrote', 'contribution', '2025-01-15')",
    )
    .expect("rows");
    for (change, _) in WHOLE_OBJECTS {
        db.execute(change)
            .unwrap_or_else(|e| panic!("{change}: {e}"));
    }
    let drifts = drift(&mut db, "collective_writing");
    let found = lines(&drifts);
    let expected: Vec<&str> = WHOLE_OBJECTS.iter().map(|(_, line)| *line).collect();
    let mut sorted = found.clone();
    sorted.sort();
    let mut wanted: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    wanted.sort();
    assert_eq!(sorted, wanted, "{}", found.join("\n"));

    let sql = diff::reconcile(&drifts).expect("SQL");
    expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let left = lines(&drift(&mut db, "collective_writing"));
    assert_eq!(
        left,
        [
            "+ schema scratch: not in the migrations",
            "+ table scratch.notes: not in the migrations"
        ],
        "{sql}"
    );
    assert!(
        sql.contains("-- DROP TABLE \"scratch\".\"notes\";"),
        "{sql}"
    );
    assert!(sql.contains("-- DROP SCHEMA \"scratch\";"), "{sql}");
    let kept = db
        .value("SELECT count(*) FROM public.activity_log")
        .unwrap();
    assert_eq!(kept.as_deref(), Some("1"));
}

/// Sequences: a table with a `serial` key comes back with its sequence; a sequence's grants
/// and options count, its current value does not.
#[test]
fn sequences_come_back_with_their_tables_and_their_grants_count() {
    let test = "sequences_come_back_with_their_tables_and_their_grants_count";
    let Some(pg) = support::pg::cluster(test) else {
        return;
    };
    let mut db = built(&pg, "botcafe");
    let before = catalog::read(&mut db, &Scope::default()).expect("read");
    let sequence = catalog::Name::new("public", "bots_texts_id_seq");
    assert!(
        before.sequences[&sequence].owned_by.is_some(),
        "{:?}",
        before.sequences.keys()
    );
    db.execute(
        "DROP TABLE public.bots_texts;
         REVOKE ALL ON SEQUENCE public.access_control_rels_id_seq FROM botcafe_app;
         ALTER SEQUENCE public.api_keys_texts_id_seq INCREMENT BY 5;
         SELECT nextval('public.access_control_permissions_id_seq')",
    )
    .expect("hand changes");
    let drifts = drift(&mut db, "botcafe");
    let found = lines(&drifts);
    assert_eq!(
        found,
        [
            "~ grants on sequence public.access_control_rels_id_seq to botcafe_app: none, expected SELECT, USAGE",
            "~ sequence public.api_keys_texts_id_seq: AS integer INCREMENT BY 5 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE, expected AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE",
            "- table public.bots_texts: missing",
        ]
    );
    let sql = diff::reconcile(&drifts).expect("SQL");
    expected::apply(&mut db, &sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let left = drift(&mut db, "botcafe");
    assert!(diff::in_sync(&left), "{}\n{sql}", lines(&left).join("\n"));
    let after = catalog::read(&mut db, &Scope::default()).expect("read");
    assert_eq!(after, before, "{sql}");
}
