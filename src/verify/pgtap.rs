//! `schemagen verify --emit pgtap`: the access proof as a pgTAP suite, for teams that run
//! their database tests with `pg_prove` or `supabase test db`.
//!
//! The suite is the verify matrix written down: the same synthetic rows, the same probes run
//! through the same `schemagen_verify.probe` function, each compared with what the declared
//! rules expect. Cells verify shows but does not judge (a raw `sql` rule without `expect:`) are
//! left out. Everything runs in one transaction that is rolled back: the system's tables are
//! emptied first, so the counts see the synthetic rows alone whatever the database holds.

use super::{Action, Actual, Privilege, Report, PROBE_FUNCTION};
use crate::ir::System;
use crate::render::postgres::rls::{qualified, quote_literal};
use std::fmt::Write;

/// What a probe's raw result (`rows <n>` or `error <sqlstate> <message>`) means for its kind of
/// action: `allow`, `deny`, `rows <n>`, or the result itself when it is none of those. The
/// same reading as `probe::outcome`, in SQL, so the suite judges without schemagen.
const OUTCOME_FUNCTION: &str = r#"CREATE OR REPLACE FUNCTION schemagen_verify.outcome(kind text, result text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN result LIKE 'rows %' THEN CASE
      WHEN kind = 'every' THEN result
      WHEN kind IN ('truncate', 'references', 'trigger') THEN 'allow'
      WHEN result = 'rows 0' THEN 'deny'
      ELSE 'allow' END
    WHEN kind IN ('truncate', 'references', 'trigger') AND result LIKE 'error 42501%' THEN 'deny'
    WHEN result LIKE 'error 42501%' AND result LIKE '%row-level security%' THEN 'deny'
    -- The policy let the row through; a foreign key or a key collision stopped it: integrity.
    WHEN kind IN ('update', 'delete') AND result LIKE 'error 23%' THEN 'allow'
    -- TRUNCATE of a referenced table is refused after the privilege check.
    WHEN kind = 'truncate' AND result LIKE 'error 0A000%' THEN 'allow'
    ELSE result
  END
$$;"#;

/// The whole suite for one verified system.
pub fn suite(system: &System, report: &Report) -> String {
    let judged: Vec<_> = report
        .cells
        .iter()
        .filter_map(|cell| Some((cell, cell.expected.as_ref()?)))
        .collect();
    let app_role = system.access.settings().app_role;
    let mut out = format!(
        "-- The access proof of the `{name}` system as a pgTAP suite: `schemagen verify --emit pgtap {name}`.\n\
         -- Run it as a superuser on a database at the system's latest migration (`pg_prove -d DB FILE`,\n\
         -- `supabase test db`). Everything it does is rolled back, the emptied tables included.\n\
         BEGIN;\n\
         SET LOCAL lock_timeout = '10s';\n\
         CREATE EXTENSION IF NOT EXISTS pgtap;\n\
         SELECT plan({});\n\n",
        judged.len() + 1,
        name = system.name,
    );
    let _ = write!(
        out,
        "-- The application role the policies must hold (created for the suite when missing).\n\
         SELECT set_config('schemagen.app_role', {role}, true);\n\
         DO $$\n\
         BEGIN\n  \
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = current_setting('schemagen.app_role')) THEN\n    \
             EXECUTE format('CREATE ROLE %I NOLOGIN', current_setting('schemagen.app_role'));\n  \
           END IF;\n\
         END $$;\n\
         SELECT ok(NOT (rolsuper OR rolbypassrls), 'the application role ' || rolname || ' is subject to row level security')\n  \
           FROM pg_roles WHERE rolname = {role};\n\n\
         {PROBE_FUNCTION}\n{OUTCOME_FUNCTION}\n\n",
        role = quote_literal(&app_role),
    );
    if !system.tables.is_empty() {
        let tables: Vec<String> = system
            .tables
            .iter()
            .map(|t| qualified(&t.db_name))
            .collect();
        let _ = writeln!(
            out,
            "-- Two synthetic rows per table, for two tenants and two users, on empty tables.\n\
             TRUNCATE {} CASCADE;",
            tables.join(", ")
        );
    }
    for sql in &report.seed_sql {
        out.push_str(sql);
    }
    out.push('\n');
    for (cell, expected) in judged {
        let description = format!("{}: {} ({})", cell.table, cell.action.name(), cell.scenario);
        let _ = writeln!(
            out,
            "SELECT is(schemagen_verify.outcome({}, {}), {}, {});",
            quote_literal(kind(cell.action)),
            cell.call,
            quote_literal(&expected_text(expected)),
            quote_literal(&description)
        );
    }
    out.push_str("\nSELECT * FROM finish();\nROLLBACK;\n");
    out
}

/// The kind of action, as `schemagen_verify.outcome` reads results by it.
fn kind(action: Action) -> &'static str {
    match action {
        Action::Row(command) => command.name(),
        Action::Every(_) => "every",
        Action::Privilege(Privilege::Truncate) => "truncate",
        Action::Privilege(Privilege::References) => "references",
        Action::Privilege(Privilege::Trigger) => "trigger",
    }
}

fn expected_text(expected: &Actual) -> String {
    match expected {
        Actual::Allowed => "allow".into(),
        Actual::Denied => "deny".into(),
        Actual::Rows(n) => format!("rows {n}"),
        Actual::Error(e) => format!("error {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::access::Command;

    #[test]
    fn kinds_name_the_commands_outcome_reads() {
        assert_eq!(kind(Action::Row(Command::Delete)), "delete");
        assert_eq!(kind(Action::Every(Command::Select)), "every");
        assert_eq!(kind(Action::Privilege(Privilege::Trigger)), "trigger");
    }
}
