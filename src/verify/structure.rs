//! The structural proof: the database's row-level security flags (ENABLE and FORCE), its
//! policies and every privilege of every role on the system's schemas, tables, columns and
//! sequences must be what the access rules render, object for object.
//!
//! The expected side is built, not imagined: the migrations are applied to an empty database
//! (the same tables), every access decision they made is taken back, and the system's own
//! access statements (`render::postgres::rls`, rendered from the IR as a fresh build would)
//! are applied instead. Both sides are then read by the one catalog reader, so policies
//! compare as Postgres normalises them (`pg_get_expr`), never as text we wrote.

use crate::catalog::{self, diff::policy_text, Catalog, Grants, Scope};
use crate::db::Db;
use crate::ir::System;
use crate::render::postgres::rls;
use crate::render::postgres::sql::string_literal;
use std::collections::{BTreeMap, BTreeSet};

/// One way the database differs from the rules: which object, what about it, both sides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// `table public.users`, `column public.users.email`, `schema public`, `sequence …`.
    pub object: String,
    /// `row level security`, `policy users_select`, `grants to PUBLIC`.
    pub what: String,
    pub expected: String,
    pub actual: String,
}

/// The expected side, read twice from one scratch database.
pub struct Expected {
    /// As the migrations leave it: what an existing database must match, access aside.
    pub migrations: Catalog,
    /// With the access the rules render in place of the migrations' own.
    pub rules: Catalog,
}

/// Builds [`Expected`] in the empty database `scratch`: `roles` first (they belong to the
/// cluster, and a grant to a missing role fails), the migrations, a read; then every access
/// decision taken back, the rules' statements, a second read.
pub fn expected(
    scratch: &mut Db,
    system: &System,
    migrations: &[(String, String)],
    roles: &BTreeSet<String>,
) -> Result<Expected, String> {
    let scope = Scope::default();
    catalog::expected::create_roles(scratch, roles)?;
    for (name, sql) in migrations {
        catalog::expected::apply(scratch, sql)
            .map_err(|e| format!("migration {name} (expected side): {e}"))?;
    }
    let migrations = read(scratch, &scope)?;
    scratch
        .execute(&reset_access(&scope))
        .map_err(|e| format!("taking back the migrations' access (expected side): {e}"))?;
    let statements = rls::statements(system).join("\n");
    catalog::expected::apply(scratch, &statements)
        .map_err(|e| format!("the access statements the rules render failed: {e}"))?;
    let rules = read(scratch, &scope)?;
    Ok(Expected { migrations, rules })
}

fn read(db: &mut Db, scope: &Scope) -> Result<Catalog, String> {
    catalog::read(db, scope).map_err(|e| format!("reading the expected catalog: {e}"))
}

/// A block that leaves the system's schemas, tables and sequences as a fresh database has
/// them: RLS off, no policy, no privilege but the owner's (and, on schema `public`,
/// Postgres 15's default `USAGE` for everyone). Revoking a table's privileges revokes its
/// column privileges too.
fn reset_access(scope: &Scope) -> String {
    let skipped: Vec<String> = scope
        .skip_schemas
        .iter()
        .map(|s| string_literal(s))
        .collect();
    let schemas = format!(
        "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND n.nspname <> ALL (ARRAY[{}]::text[])",
        skipped.join(", ")
    );
    format!(
        r#"DO $$
DECLARE
  r record;
  everyone text;
BEGIN
  SELECT string_agg(quote_ident(rolname), ', ') || ', PUBLIC' INTO everyone
  FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user;
  everyone := coalesce(everyone, 'PUBLIC');
  FOR r IN SELECT c.oid::regclass AS t, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p', 'S') AND {schemas} LOOP
    IF r.relkind = 'S' THEN
      EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM %s', r.t, everyone);
    ELSE
      EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY', r.t);
      EXECUTE format('REVOKE ALL ON TABLE %s FROM %s', r.t, everyone);
    END IF;
  END LOOP;
  FOR r IN SELECT p.polname, p.polrelid::regclass AS t FROM pg_policy p
           JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE {schemas} LOOP
    EXECUTE format('DROP POLICY %I ON %s', r.polname, r.t);
  END LOOP;
  FOR r IN SELECT n.nspname FROM pg_namespace n WHERE {schemas} LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %s', r.nspname, everyone);
  END LOOP;
  IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') THEN
    GRANT USAGE ON SCHEMA public TO PUBLIC;
  END IF;
END $$"#
    )
}

/// Every difference in access between `actual` and `expected`, schemas first, then tables
/// (with their columns) and sequences, each in name order. Owners are not compared, with one
/// exception: the application role must own no table (an owner may disable RLS or drop the
/// policies, and passes them all where FORCE is off).
pub fn compare(actual: &Catalog, expected: &Catalog, app_role: &str) -> Vec<Difference> {
    let mut out = Vec::new();
    for name in keys(&actual.schemas, &expected.schemas) {
        let object = format!("schema {name}");
        let grants = |c: &Catalog| c.schemas.get(name).map(|s| s.grants.clone());
        compare_grants(&object, grants(actual), grants(expected), &mut out);
    }
    for name in keys(&actual.tables, &expected.tables) {
        let object = format!("table {name}");
        match (actual.tables.get(name), expected.tables.get(name)) {
            (Some(have), Some(want)) => {
                if have.owner == app_role {
                    let expected = format!("a role other than the application role {app_role}");
                    out.push(difference(&object, "owner", expected, app_role.to_string()));
                }
                compare_table(&object, have, want, &mut out)
            }
            (have, _) => out.push(Difference {
                object,
                what: "table".into(),
                expected: present(have.is_none()),
                actual: present(have.is_some()),
            }),
        }
    }
    for name in keys(&actual.sequences, &expected.sequences) {
        let object = format!("sequence {name}");
        let grants = |c: &Catalog| c.sequences.get(name).map(|s| s.grants.clone());
        compare_grants(&object, grants(actual), grants(expected), &mut out);
    }
    out
}

fn compare_table(
    object: &str,
    have: &catalog::Table,
    want: &catalog::Table,
    out: &mut Vec<Difference>,
) {
    let on_off = |b: bool| if b { "on" } else { "off" }.to_string();
    let flags = [
        (
            "row level security (ENABLE)",
            have.rls_enabled,
            want.rls_enabled,
        ),
        (
            "row level security (FORCE)",
            have.rls_forced,
            want.rls_forced,
        ),
    ];
    for (what, actual, expected) in flags {
        if actual != expected {
            out.push(difference(object, what, on_off(expected), on_off(actual)));
        }
    }
    for name in keys(&have.policies, &want.policies) {
        let text = |t: &catalog::Table| t.policies.get(name).map_or("none".into(), policy_text);
        let (actual, expected) = (text(have), text(want));
        if actual != expected {
            out.push(difference(
                object,
                &format!("policy {name}"),
                expected,
                actual,
            ));
        }
    }
    compare_grants(
        object,
        Some(have.grants.clone()),
        Some(want.grants.clone()),
        out,
    );
    let columns: BTreeMap<&str, (Option<&Grants>, Option<&Grants>)> = want
        .columns
        .iter()
        .map(|c| (c.name.as_str(), (None, Some(&c.grants))))
        .collect();
    let mut columns = columns;
    for column in &have.columns {
        columns.entry(&column.name).or_default().0 = Some(&column.grants);
    }
    let table = object.trim_start_matches("table ");
    for (column, (actual, expected)) in columns {
        compare_grants(
            &format!("column {table}.{column}"),
            actual.cloned(),
            expected.cloned(),
            out,
        );
    }
}

/// One difference per grantee whose privileges differ; `None` reads as no privileges.
fn compare_grants(
    object: &str,
    actual: Option<Grants>,
    expected: Option<Grants>,
    out: &mut Vec<Difference>,
) {
    let (actual, expected) = (actual.unwrap_or_default(), expected.unwrap_or_default());
    for grantee in keys(&actual, &expected) {
        let (have, want) = (
            privileges(actual.get(grantee)),
            privileges(expected.get(grantee)),
        );
        if have != want {
            out.push(difference(
                object,
                &format!("grants to {grantee}"),
                want,
                have,
            ));
        }
    }
}

/// `SELECT, UPDATE WITH GRANT OPTION`, or `none`.
fn privileges(granted: Option<&BTreeMap<String, bool>>) -> String {
    let items: Vec<String> = granted
        .into_iter()
        .flatten()
        .map(|(privilege, option)| match option {
            true => format!("{privilege} WITH GRANT OPTION"),
            false => privilege.clone(),
        })
        .collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn difference(object: &str, what: &str, expected: String, actual: String) -> Difference {
    Difference {
        object: object.to_string(),
        what: what.to_string(),
        expected,
        actual,
    }
}

fn present(yes: bool) -> String {
    if yes { "present" } else { "absent" }.into()
}

/// The keys of both maps, sorted, each once.
fn keys<'a, K: Ord, A, B>(a: &'a BTreeMap<K, A>, b: &'a BTreeMap<K, B>) -> BTreeSet<&'a K> {
    a.keys().chain(b.keys()).collect()
}
