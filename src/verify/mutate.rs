//! Weakened copies of a system's migrations, one change each: the mutation test of `verify`.
//!
//! Each [`Mutant`] is the migrations with one access statement changed the way a hand edit,
//! a bad merge or a careless fix would change it: a policy dropped, its predicate made `true`,
//! compared with another column or setting, `=` made NULL-tolerant, widened to every command,
//! made restrictive, its role list widened; ENABLE or FORCE removed; `GRANT ALL … TO PUBLIC`.
//! Pure text in, text out, in file and statement order, so the list is the same every run.
//! Whether a mutant changes behaviour is argued by the test that runs them, not here.

use crate::db::script;
use crate::ir::access::{Context, RuleKind};
use crate::ir::{QualifiedName, System, Table};
use crate::render::postgres::rls::{qualified, quote_literal};
use crate::render::quote_ident;

/// The ways a statement is weakened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    DropPolicy,
    UsingTrue,
    CheckTrue,
    NoEnable,
    NoForce,
    OtherColumn,
    OtherSetting,
    NotDistinct,
    ForAll,
    Restrictive,
    AnotherRole,
    AnyRole,
    GrantAllToPublic,
}

impl Operator {
    pub const ALL: [Operator; 13] = [
        Operator::DropPolicy,
        Operator::UsingTrue,
        Operator::CheckTrue,
        Operator::NoEnable,
        Operator::NoForce,
        Operator::OtherColumn,
        Operator::OtherSetting,
        Operator::NotDistinct,
        Operator::ForAll,
        Operator::Restrictive,
        Operator::AnotherRole,
        Operator::AnyRole,
        Operator::GrantAllToPublic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operator::DropPolicy => "drop policy",
            Operator::UsingTrue => "USING (true)",
            Operator::CheckTrue => "WITH CHECK (true)",
            Operator::NoEnable => "no ENABLE",
            Operator::NoForce => "no FORCE",
            Operator::OtherColumn => "another column",
            Operator::OtherSetting => "another setting",
            Operator::NotDistinct => "= to IS NOT DISTINCT FROM",
            Operator::ForAll => "FOR ALL",
            Operator::Restrictive => "AS RESTRICTIVE",
            Operator::AnotherRole => "another role",
            Operator::AnyRole => "any role",
            Operator::GrantAllToPublic => "GRANT ALL TO PUBLIC",
        }
    }
}

/// One weakened copy of the migrations.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// `<migration>: <policy or table>: <operator>`, unique within a system.
    pub name: String,
    pub operator: Operator,
    pub table: QualifiedName,
    /// The policy changed (`None` for ENABLE, FORCE and GRANT).
    pub policy: Option<String>,
    /// Index of the migration changed.
    pub migration: usize,
    /// The statement before and after (after is empty when it was removed).
    pub before: String,
    pub after: String,
    /// For [`Operator::NotDistinct`]: the left operand of the rewritten `=` (always a column).
    pub operand: Option<String>,
    pub migrations: Vec<(String, String)>,
}

/// Every mutant of `migrations`, in file and statement order.
pub fn mutants(system: &System, migrations: &[(String, String)]) -> Vec<Mutant> {
    let mut out = Vec::new();
    for (index, (name, sql)) in migrations.iter().enumerate() {
        let file = name.rsplit('/').next().unwrap_or(name);
        for statement in script::statements(sql) {
            for change in changes(system, &statement.sql) {
                let mut copy = migrations.to_vec();
                copy[index].1 = sql.replacen(&statement.sql, &change.after, 1);
                out.push(Mutant {
                    name: format!("{file}: {}: {}", change.site, change.operator.name()),
                    operator: change.operator,
                    table: change.table,
                    policy: change.policy,
                    migration: index,
                    before: statement.sql.clone(),
                    after: change.after,
                    operand: change.operand,
                    migrations: copy,
                });
            }
        }
    }
    out
}

/// One change of one statement, before it is placed in the migrations.
struct Change {
    operator: Operator,
    site: String,
    table: QualifiedName,
    policy: Option<String>,
    after: String,
    operand: Option<String>,
}

fn changes(system: &System, statement: &str) -> Vec<Change> {
    let code = code_of(statement);
    if code.starts_with("CREATE POLICY ") {
        return policy_changes(system, code);
    }
    let Some(table) = table_of_statement(system, code) else {
        return Vec::new();
    };
    let t = qualified(&table.db_name);
    let change = |operator, after: String| Change {
        operator,
        site: table.db_name.name.clone(),
        table: table.db_name.clone(),
        policy: None,
        after,
        operand: None,
    };
    if code == format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY") {
        return vec![change(Operator::NoEnable, String::new())];
    }
    if code == format!("ALTER TABLE {t} FORCE ROW LEVEL SECURITY") {
        return vec![change(Operator::NoForce, String::new())];
    }
    if code.starts_with("GRANT SELECT, INSERT, UPDATE, DELETE ON ") {
        return vec![change(
            Operator::GrantAllToPublic,
            format!("GRANT ALL ON {t} TO PUBLIC"),
        )];
    }
    Vec::new()
}

/// The system's table a table-level statement names (`… ON "s"."t" …` or `ALTER TABLE "s"."t" …`).
fn table_of_statement<'a>(system: &'a System, code: &str) -> Option<&'a Table> {
    system.tables.iter().find(|t| {
        let name = qualified(&t.db_name);
        code.starts_with(&format!("ALTER TABLE {name} "))
            || code.ends_with(&format!(" ON {name} TO {}", last_word(code)))
    })
}

fn last_word(code: &str) -> &str {
    code.rsplit(' ').next().unwrap_or("")
}

fn policy_changes(system: &System, code: &str) -> Vec<Change> {
    let Some(table) = system
        .tables
        .iter()
        .find(|t| code.contains(&format!(" ON {} FOR ", qualified(&t.db_name))))
    else {
        return Vec::new();
    };
    let policy = code
        .strip_prefix("CREATE POLICY \"")
        .and_then(|r| r.split_once('"'))
        .map_or_else(String::new, |(name, _)| name.to_string());
    let using = clause(code, "USING (");
    let check = clause(code, "WITH CHECK (");
    let predicate = using.or(check).unwrap_or_default().to_string();
    let mut out: Vec<(Operator, String, Option<String>)> =
        vec![(Operator::DropPolicy, String::new(), None)];
    if let Some(using) = using {
        out.push((
            Operator::UsingTrue,
            replace_clause(code, "USING (", using, "true"),
            None,
        ));
    }
    if let Some(check) = check {
        out.push((
            Operator::CheckTrue,
            replace_clause(code, "WITH CHECK (", check, "true"),
            None,
        ));
    }
    if let Some(p) = other_column(table, &predicate) {
        out.push((Operator::OtherColumn, code.replace(&predicate, &p), None));
    }
    if let Some(p) = other_setting(system, &predicate) {
        out.push((Operator::OtherSetting, code.replace(&predicate, &p), None));
    }
    for (operand, p) in not_distinct(&predicate) {
        out.push((
            Operator::NotDistinct,
            code.replace(&predicate, &p),
            Some(operand),
        ));
    }
    if let Some(command) = [" FOR SELECT", " FOR INSERT", " FOR UPDATE", " FOR DELETE"]
        .into_iter()
        .find(|c| code.contains(&format!("{c}\n")) || code.ends_with(c))
    {
        out.push((
            Operator::ForAll,
            code.replacen(command, " FOR ALL", 1),
            None,
        ));
        out.push((
            Operator::Restrictive,
            code.replacen(command, &format!(" AS RESTRICTIVE{command}"), 1),
            None,
        ));
    }
    for (operator, p) in widen_roles(system, &predicate) {
        out.push((operator, code.replace(&predicate, &p), None));
    }
    out.into_iter()
        .filter(|(_, after, _)| after != code)
        .map(|(operator, after, operand)| Change {
            operator,
            site: policy.clone(),
            table: table.db_name.clone(),
            policy: Some(policy.clone()),
            after,
            operand,
        })
        .collect()
}

/// The parts of a `CREATE POLICY` statement: its command (`SELECT`, …), USING and WITH CHECK.
pub fn policy_parts(statement: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let code = code_of(statement);
    let command = ["SELECT", "INSERT", "UPDATE", "DELETE", "ALL"]
        .into_iter()
        .find(|c| code.contains(&format!(" FOR {c}\n")) || code.ends_with(&format!(" FOR {c}")))?;
    Some((
        command,
        clause(code, "USING ("),
        clause(code, "WITH CHECK ("),
    ))
}

/// The statement without the `-- comment` lines the splitter keeps in front of it.
pub fn code_of(statement: &str) -> &str {
    let mut rest = statement;
    while rest.starts_with("--") {
        rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    rest
}

/// The text inside `<opening>…)` (parentheses, quotes and identifiers balanced).
fn clause<'a>(code: &'a str, opening: &str) -> Option<&'a str> {
    let start = code.find(&format!("\n  {opening}"))? + opening.len() + 3;
    let end = closing(code.as_bytes(), start)?;
    Some(&code[start..end])
}

/// The index of the `)` that closes a parenthesis opened just before `start`.
fn closing(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 1;
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'(') => depth += 1,
            (None, b')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn replace_clause(code: &str, opening: &str, inner: &str, with: &str) -> String {
    code.replacen(
        &format!("{opening}{inner})"),
        &format!("{opening}{with})"),
        1,
    )
}

/// The first column the predicate compares (`"col" = …`, `"col" IN …`, `"col" IS …`)
/// replaced by the first other column of the same type.
fn other_column(table: &Table, predicate: &str) -> Option<String> {
    for column in &table.columns {
        let token = format!("{} ", quote_ident(&column.db_name));
        let Some(at) = bare_token(predicate, &token) else {
            continue;
        };
        let other = table
            .columns
            .iter()
            .find(|c| c.db_name != column.db_name && c.ty == column.ty)?;
        let mut out = predicate.to_string();
        out.replace_range(
            at..at + token.len(),
            &format!("{} ", quote_ident(&other.db_name)),
        );
        return Some(out);
    }
    None
}

/// Where `token` stands alone (not after `.`, so not `m."col"`).
fn bare_token(predicate: &str, token: &str) -> Option<usize> {
    predicate
        .match_indices(token)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || !matches!(predicate.as_bytes()[i - 1], b'.' | b'"'))
}

/// The first setting the predicate reads, replaced by another of the system's settings
/// (tenant → user, user → tenant, role → user).
fn other_setting(system: &System, predicate: &str) -> Option<String> {
    let swaps: Vec<(String, String)> = match system.access.settings().context {
        Context::Settings { tenant, user, role } => {
            let read = |s: &str| format!("current_setting({}, true)", quote_literal(s));
            vec![
                (read(&tenant), read(&user)),
                (read(&user), read(&tenant)),
                (read(&role), read(&user)),
            ]
        }
        Context::Supabase {
            tenant_claim,
            role_claim,
        } => {
            let claim = |c: &str| format!("auth.jwt() ->> {}", quote_literal(c));
            vec![
                (claim(&tenant_claim), claim("sub")),
                (
                    "auth.uid()".into(),
                    format!("(NULLIF({}, ''))::uuid", claim(&tenant_claim)),
                ),
                (claim(&role_claim), claim("sub")),
            ]
        }
    };
    let (from, to) = swaps
        .into_iter()
        .filter_map(|(from, to)| Some((predicate.find(&from)?, from, to)))
        .min_by_key(|(at, _, _)| *at)
        .map(|(_, from, to)| (from, to))?;
    Some(predicate.replace(&from, &to))
}

/// Each `<column> = …` of the predicate made `IS NOT DISTINCT FROM`, one at a time, with the
/// column it compares.
fn not_distinct(predicate: &str) -> Vec<(String, String)> {
    predicate
        .match_indices(" = ")
        .map(|(at, _)| {
            let operand = predicate[..at]
                .rsplit([' ', '('])
                .next()
                .unwrap_or_default()
                .to_string();
            let mut p = predicate.to_string();
            p.replace_range(at..at + 3, " IS NOT DISTINCT FROM ");
            (operand, p)
        })
        .collect()
}

/// The role list of a role rule widened: by another role the system names (when there is
/// one), and to any role at all.
fn widen_roles(system: &System, predicate: &str) -> Vec<(Operator, String)> {
    let role = match system.access.settings().context {
        Context::Settings { role, .. } => {
            format!(
                "NULLIF(current_setting({}, true), '')",
                quote_literal(&role)
            )
        }
        Context::Supabase { role_claim, .. } => {
            format!("NULLIF(auth.jwt() ->> {}, '')", quote_literal(&role_claim))
        }
    };
    let opening = format!("{role} IN (");
    let Some(at) = predicate.find(&opening) else {
        return Vec::new();
    };
    let start = at + opening.len();
    let Some(end) = closing(predicate.as_bytes(), start) else {
        return Vec::new();
    };
    let list = &predicate[start..end];
    let mut out = Vec::new();
    if let Some(another) = named_roles(system)
        .into_iter()
        .find(|r| !list.contains(&quote_literal(r)))
    {
        let mut p = predicate.to_string();
        p.insert_str(end, &format!(", {}", quote_literal(&another)));
        out.push((Operator::AnotherRole, p));
    }
    let mut p = predicate.to_string();
    p.replace_range(at..=end, &format!("{role} IS NOT NULL"));
    out.push((Operator::AnyRole, p));
    out
}

/// Every role a role rule of the system names, sorted.
pub fn named_roles(system: &System) -> Vec<String> {
    let mut roles: Vec<String> = system
        .access
        .tables
        .iter()
        .flat_map(|t| &t.rules)
        .filter_map(|r| match &r.kind {
            RuleKind::Role { roles, .. } => Some(roles.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clause_ends_at_its_own_parenthesis() {
        let code = "CREATE POLICY \"p\" ON \"s\".\"t\" FOR UPDATE\n  USING ((\"a\" = 1 OR \"b\" IN (')')))\n  WITH CHECK (\"a\" = 1)";
        assert_eq!(
            clause(code, "USING ("),
            Some("(\"a\" = 1 OR \"b\" IN (')'))")
        );
        assert_eq!(clause(code, "WITH CHECK ("), Some("\"a\" = 1"));
    }

    #[test]
    fn not_distinct_rewrites_one_comparison_at_a_time() {
        let p = "EXISTS (SELECT 1 FROM \"s\".\"m\" m WHERE m.\"via\" = \"s\".\"t\".\"id\" AND m.\"user\" = x)";
        let out = not_distinct(p);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, "m.\"via\"");
        assert_eq!(out[1].0, "m.\"user\"");
        assert!(out[1].1.contains("m.\"user\" IS NOT DISTINCT FROM x"));
        assert!(out[1].1.contains("m.\"via\" = "));
    }

    #[test]
    fn a_bare_column_is_not_a_member_column() {
        assert_eq!(
            bare_token("m.\"user\" = 1 AND \"user\" = 2", "\"user\" "),
            Some(17)
        );
    }
}
