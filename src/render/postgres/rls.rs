//! Access model → row-level security SQL: the application role and its GRANTs,
//! ENABLE + FORCE ROW LEVEL SECURITY, one policy per table and command, and the
//! pgcrypto helpers for encrypted columns. Pure: the IR in, statements out.
//!
//! Every predicate is NULL-safe: a missing or empty setting makes the comparison NULL,
//! which a policy treats as false, so an unset context sees and writes nothing.

use crate::ir::access::short_name;
use crate::ir::access::{Command, Context, Rule, RuleKind, Settings, TableAccess};
use crate::ir::{QualifiedName, ScalarType, System, Table};
use crate::plan::AccessChange;
use crate::render::quote_ident;
use rustc_hash::FxHashMap;

/// One policy of one table, before it is SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub table: QualifiedName,
    pub command: Command,
    pub using: Option<String>,
    pub check: Option<String>,
}

impl Policy {
    pub fn create_sql(&self) -> String {
        let mut sql = format!(
            "CREATE POLICY {} ON {} FOR {}",
            quote_ident(&self.name),
            qualified(&self.table),
            self.command.sql()
        );
        if let Some(using) = &self.using {
            sql.push_str(&format!("\n  USING ({using})"));
        }
        if let Some(check) = &self.check {
            sql.push_str(&format!("\n  WITH CHECK ({check})"));
        }
        sql.push(';');
        sql
    }
    pub fn drop_sql(&self) -> String {
        format!(
            "DROP POLICY IF EXISTS {} ON {};",
            quote_ident(&self.name),
            qualified(&self.table)
        )
    }
}

/// All access statements of a system, in the order they must run after its tables exist.
/// A system with its tables indexed by database name, built once per rendering, so that
/// member rules (which look up their member table) keep rendering linear in the system's size.
pub struct Indexed<'a> {
    pub system: &'a System,
    /// Fx, not SipHash: looked up for every table of a first migration, by trusted names.
    tables: FxHashMap<&'a QualifiedName, &'a Table>,
}

impl<'a> Indexed<'a> {
    pub fn new(system: &'a System) -> Self {
        let tables = system.tables.iter().map(|t| (&t.db_name, t)).collect();
        Indexed { system, tables }
    }

    pub(super) fn table(&self, name: &QualifiedName) -> Option<&'a Table> {
        self.tables.get(name).copied()
    }
}

pub fn statements(system: &System) -> Vec<String> {
    let access = &system.access;
    if access.is_empty() {
        return Vec::new();
    }
    let settings = access.settings();
    let mut out = Vec::new();
    if matches!(settings.context, Context::Supabase { .. }) {
        out.push(supabase_auth_stand_ins());
    }
    out.push(create_role(&settings.app_role));
    let tables: Vec<QualifiedName> = system.tables.iter().map(|t| t.db_name.clone()).collect();
    out.extend(grants(&tables, &settings.app_role));
    if access.tables.iter().any(|t| !t.encrypted.is_empty()) {
        out.extend(encryption_functions());
    }
    let indexed = Indexed::new(system);
    // Like the planner: RLS only where there are rules (an entry may only encrypt columns).
    for entry in access
        .tables
        .iter()
        .filter(|t| !t.shared && !t.rules.is_empty())
    {
        let Some(table) = indexed.table(&entry.table) else {
            continue;
        };
        out.extend(enable_sql(&entry.table));
        out.extend(
            policies_of(&indexed, table, entry)
                .iter()
                .map(Policy::create_sql),
        );
    }
    out
}

/// The SQL of one access step of a migration.
pub fn step_sql(indexed: &Indexed, change: &AccessChange) -> String {
    let system = indexed.system;
    let lines: Vec<String> = match change {
        AccessChange::Grant { role, tables } => {
            let mut out = Vec::new();
            if matches!(system.access.settings().context, Context::Supabase { .. }) {
                out.push(supabase_auth_stand_ins());
            }
            out.push(create_role(role));
            out.extend(grants(tables, role));
            out
        }
        AccessChange::Revoke {
            role,
            tables,
            schemas,
        } => revokes(tables, schemas, role),
        AccessChange::EnableRowSecurity(table) => enable_sql(table).to_vec(),
        AccessChange::DisableRowSecurity(table) => disable_sql(table).to_vec(),
        AccessChange::CreatePolicies { access, table } => policies_of(indexed, table, access)
            .iter()
            .map(Policy::create_sql)
            .collect(),
        AccessChange::DropPolicies(table) => Command::ALL
            .iter()
            .map(|&c| {
                format!(
                    "DROP POLICY IF EXISTS {} ON {};",
                    quote_ident(&policy_name(&table.name, c)),
                    qualified(table)
                )
            })
            .collect(),
        AccessChange::EncryptionFunctions => encryption_functions(),
    };
    lines.join("\n")
}

/// `auth.jwt()` and `auth.uid()` as Supabase defines them, created only where they are missing
/// (a plain Postgres in development or CI); on Supabase the real ones are left alone.
pub fn supabase_auth_stand_ins() -> String {
    "DO $$ BEGIN
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE SCHEMA IF NOT EXISTS auth;
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS
      'SELECT coalesce(nullif(current_setting(''request.jwt.claims'', true), ''''), ''{}'')::jsonb';
    GRANT USAGE ON SCHEMA auth TO PUBLIC;
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
      'SELECT nullif(auth.jwt() ->> ''sub'', '''')::uuid';
  END IF;
END $$;"
        .into()
}

/// The application role, created when missing (roles belong to the cluster, not the database).
/// The body is dollar-quoted with a tag the role name cannot end early (`app$$user`).
pub fn create_role(role: &str) -> String {
    let body = format!(
        " BEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {}) THEN\n    CREATE ROLE {} NOLOGIN;\n  END IF;\nEND ",
        super::sql::string_literal(role),
        quote_ident(role)
    );
    let tag = super::sql::dollar_tag(&body);
    format!("DO {tag}{body}{tag};")
}

/// The application role may use every schema, table and sequence of the system; the
/// policies, not the GRANTs, decide which rows.
pub fn grants(tables: &[QualifiedName], role: &str) -> Vec<String> {
    let role = quote_ident(role);
    let mut schemas: Vec<&str> = tables.iter().map(|t| t.schema.as_str()).collect();
    schemas.sort_unstable();
    schemas.dedup();
    let mut out: Vec<String> = schemas
        .iter()
        .map(|s| format!("GRANT USAGE ON SCHEMA {} TO {role};", quote_ident(s)))
        .collect();
    out.extend(tables.iter().map(|t| {
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {role};",
            qualified(t)
        )
    }));
    out.extend(schemas.iter().map(|s| {
        format!(
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {role};",
            quote_ident(s)
        )
    }));
    out
}

/// The reverse of [`grants`]: tables first, then the sequences and schemas.
pub fn revokes(tables: &[QualifiedName], schemas: &[String], role: &str) -> Vec<String> {
    let role = quote_ident(role);
    let mut out: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "REVOKE SELECT, INSERT, UPDATE, DELETE ON {} FROM {role};",
                qualified(t)
            )
        })
        .collect();
    for schema in schemas.iter().map(|s| quote_ident(s)) {
        out.push(format!(
            "REVOKE USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} FROM {role};"
        ));
        out.push(format!("REVOKE USAGE ON SCHEMA {schema} FROM {role};"));
    }
    out
}

/// FORCE makes the policies apply to the table's owner too (migrations run as the owner).
pub fn enable_sql(table: &QualifiedName) -> [String; 2] {
    let t = qualified(table);
    [
        format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;"),
        format!("ALTER TABLE {t} FORCE ROW LEVEL SECURITY;"),
    ]
}

pub fn disable_sql(table: &QualifiedName) -> [String; 2] {
    let t = qualified(table);
    [
        format!("ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY;"),
        format!("ALTER TABLE {t} DISABLE ROW LEVEL SECURITY;"),
    ]
}

/// `encrypt_secret(plaintext, key)` and `decrypt_secret(stored, key)`: the key is an argument,
/// never part of the schema.
pub fn encryption_functions() -> Vec<String> {
    vec![
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;".into(),
        "CREATE OR REPLACE FUNCTION encrypt_secret(plaintext text, key text) RETURNS bytea\n  LANGUAGE sql STRICT VOLATILE\n  AS $$ SELECT pgp_sym_encrypt(plaintext, key) $$;".into(),
        "CREATE OR REPLACE FUNCTION decrypt_secret(stored bytea, key text) RETURNS text\n  LANGUAGE sql STRICT STABLE\n  AS $$ SELECT pgp_sym_decrypt(stored, key) $$;".into(),
    ]
}

/// One policy per command that has rules; a command without rules gets none, so RLS denies it.
fn policies_of(indexed: &Indexed, table: &Table, entry: &TableAccess) -> Vec<Policy> {
    let settings = indexed.system.access.settings();
    Command::ALL
        .iter()
        .filter_map(|&command| {
            let rules: Vec<&Rule> = entry
                .rules
                .iter()
                .filter(|r| r.commands.contains(&command))
                .collect();
            let predicate = predicate(&rules, table, indexed, &settings)?;
            let (using, check) = match command {
                Command::Select | Command::Delete => (Some(predicate), None),
                Command::Insert => (None, Some(predicate)),
                Command::Update => (Some(predicate.clone()), Some(predicate)),
            };
            Some(Policy {
                name: policy_name(&table.db_name.name, command),
                table: table.db_name.clone(),
                command,
                using,
                check,
            })
        })
        .collect()
}

pub fn policy_name(table: &str, command: Command) -> String {
    short_name(&format!("{table}_{}", command.name()))
}

/// Tenant rules are restrictive (ANDed); owner, public, member, sql and widening roles are
/// permissive (ORed); a bypassing role overrides the whole predicate.
fn predicate(
    rules: &[&Rule],
    table: &Table,
    indexed: &Indexed,
    settings: &Settings,
) -> Option<String> {
    let mut restrictive = Vec::new();
    let mut permissive = Vec::new();
    let mut bypass = Vec::new();
    for rule in rules {
        let sql = rule_sql(&rule.kind, table, indexed, settings);
        match &rule.kind {
            RuleKind::Tenant { .. } => restrictive.push(sql),
            RuleKind::Role { bypass: true, .. } => bypass.push(sql),
            _ => permissive.push(sql),
        }
    }
    if !permissive.is_empty() {
        restrictive.push(group(permissive, " OR "));
    }
    if bypass.is_empty() {
        return (!restrictive.is_empty()).then(|| restrictive.join(" AND "));
    }
    // OR binds loosest: a lone condition needs no parentheses; several ANDed get them to read well.
    if !restrictive.is_empty() {
        bypass.push(group(restrictive, " AND "));
    }
    Some(bypass.join(" OR "))
}

fn group(mut parts: Vec<String>, separator: &str) -> String {
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    format!("({})", parts.join(separator))
}

fn rule_sql(kind: &RuleKind, table: &Table, indexed: &Indexed, settings: &Settings) -> String {
    let system = indexed.system;
    match kind {
        RuleKind::Tenant { field } => {
            let value = cast(
                &tenant_value(&settings.context),
                &field.column,
                table,
                system,
            );
            format!("{} = {value}", quote_ident(&field.column))
        }
        RuleKind::Owner { field } => {
            let value = cast(&user_value(&settings.context), &field.column, table, system);
            format!("{} = {value}", quote_ident(&field.column))
        }
        RuleKind::Public { field, values } if values.is_empty() => {
            format!("{} IS TRUE", quote_ident(&field.column))
        }
        RuleKind::Public { field, values } => {
            format!("{} IN ({})", quote_ident(&field.column), literals(values))
        }
        RuleKind::Role { roles, .. } => {
            format!("{} IN ({})", role_value(&settings.context), literals(roles))
        }
        RuleKind::Member {
            table: member,
            via,
            key,
            user,
            role_field,
            roles,
        } => {
            let member_table = indexed.table(&member.db_name);
            let user_value = member_table.map_or_else(
                || user_value(&settings.context),
                |m| cast(&user_value(&settings.context), &user.column, m, system),
            );
            let mut sql = format!(
                "EXISTS (SELECT 1 FROM {} m WHERE m.{} = {}.{} AND m.{} = {user_value}",
                qualified(&member.db_name),
                quote_ident(&via.column),
                qualified(&table.db_name),
                quote_ident(key),
                quote_ident(&user.column),
            );
            if let Some(role_field) = role_field.as_ref().filter(|_| !roles.is_empty()) {
                sql.push_str(&format!(
                    " AND m.{} IN ({})",
                    quote_ident(&role_field.column),
                    literals(roles)
                ));
            }
            sql.push(')');
            sql
        }
        RuleKind::Sql { expression, .. } => format!("({expression})"),
    }
}

/// The current tenant as text, NULL when unset (or set to '').
fn tenant_value(context: &Context) -> String {
    match context {
        Context::Settings { tenant, .. } => setting(tenant),
        Context::Supabase { tenant_claim, .. } => {
            format!("NULLIF(auth.jwt() ->> {}, '')", quote_literal(tenant_claim))
        }
    }
}

fn user_value(context: &Context) -> String {
    match context {
        Context::Settings { user, .. } => setting(user),
        Context::Supabase { .. } => "auth.uid()::text".into(),
    }
}

fn role_value(context: &Context) -> String {
    match context {
        Context::Settings { role, .. } => setting(role),
        Context::Supabase { role_claim, .. } => {
            format!("NULLIF(auth.jwt() ->> {}, '')", quote_literal(role_claim))
        }
    }
}

/// `current_setting(name, true)` is NULL when never set and '' after a RESET: both mean "none".
fn setting(name: &str) -> String {
    format!("NULLIF(current_setting({}, true), '')", quote_literal(name))
}

/// The text value cast to the column's type, so that the comparison uses the column's index.
fn cast(value: &str, column: &str, table: &Table, system: &System) -> String {
    match table
        .column(column)
        .and_then(|c| cast_type(&c.ty.scalar, system))
    {
        Some(ty) => format!("({value})::{ty}"),
        None => value.to_string(),
    }
}

fn cast_type(scalar: &ScalarType, system: &System) -> Option<String> {
    Some(match scalar {
        ScalarType::Text
        | ScalarType::Citext
        | ScalarType::Varchar { .. }
        | ScalarType::Char { .. } => return None,
        ScalarType::Uuid => "uuid".into(),
        ScalarType::SmallInt => "smallint".into(),
        ScalarType::Integer
        | ScalarType::Serial { big: false }
        | ScalarType::Identity { big: false } => "integer".into(),
        ScalarType::BigInt
        | ScalarType::Serial { big: true }
        | ScalarType::Identity { big: true } => "bigint".into(),
        ScalarType::Enum { name } if system.enums.iter().any(|e| e.db_name == **name) => {
            qualified(name)
        }
        ScalarType::Numeric { .. } => "numeric".into(),
        ScalarType::Boolean => "boolean".into(),
        _ => return None,
    })
}

pub fn qualified(name: &QualifiedName) -> String {
    format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
}

pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn literals(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote_literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}
