//! A collection's access rules → Payload `access` functions, where a rule has one obvious
//! form: an owner rule is the query "the field holds the user's id", a public rule "the field
//! is true / one of these values" (on create, the same said of the new document's `data`).
//! A command without rules is denied (`() => false`), as row level security denies it. Tenant,
//! role, member and raw `sql` rules name settings of the database session that a Payload
//! request does not carry: the command they govern is written as `() => false` (safe, never
//! wider than the rule) and W0882 names the rule. The policies themselves are in extras.sql.

use super::ts::{property, string, Kind};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::access::{Command, FieldRef, Rule, RuleKind};
use crate::ir::{System, Table};

/// The `access` entries (operation, function) of collection or global `slug`; `None` when it
/// has no rules, or is `shared` (Payload's default, any signed-in user, is the nearest).
pub fn functions(
    system: &System,
    slug: &str,
    kind: Kind,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, String)>> {
    let operations: &[(&str, Command)] = match kind {
        Kind::Collection => &[
            ("read", Command::Select),
            ("create", Command::Insert),
            ("update", Command::Update),
            ("delete", Command::Delete),
        ],
        Kind::Global => &[("read", Command::Select), ("update", Command::Update)],
        Kind::Block => return None,
    };
    let table = system.tables.iter().find(|t| t.name == slug)?;
    let rules = system
        .access
        .tables
        .iter()
        .find(|a| a.table == table.db_name && !a.shared)?;
    let mut unsaid: Vec<&Rule> = Vec::new();
    let functions = operations
        .iter()
        .map(|(operation, command)| {
            let applying: Vec<&Rule> = rules
                .rules
                .iter()
                .filter(|r| r.commands.contains(command))
                .collect();
            let terms: Option<Vec<Term>> = applying.iter().map(|r| term(table, r)).collect();
            let code = match terms {
                Some(terms) if !terms.is_empty() => function(*command, &terms),
                Some(_) => "() => false".to_string(),
                None => {
                    let lost = applying.iter().filter(|r| term(table, r).is_none());
                    for rule in lost {
                        if !unsaid.iter().any(|r| std::ptr::eq(*r, *rule)) {
                            unsaid.push(rule);
                        }
                    }
                    "() => false".to_string()
                }
            };
            (operation.to_string(), code)
        })
        .collect();
    for rule in unsaid {
        diags.push(unsaid_rule(slug, rule));
    }
    Some(functions)
}

/// One rule as a Payload condition on a document field.
enum Term {
    /// The field holds the signed-in user's id.
    Owner(Vec<String>),
    /// The field is true, or one of the values.
    Public(Vec<String>, Vec<String>),
}

fn term(table: &Table, rule: &Rule) -> Option<Term> {
    // The Payload field path of the column (a rule may name the column itself).
    let path = |field: &FieldRef| -> Vec<String> {
        let column = table.columns.iter().find(|c| c.db_name == field.column);
        let name = column.map_or(field.field.as_str(), |c| c.name.as_str());
        name.split('.').map(str::to_string).collect()
    };
    match &rule.kind {
        RuleKind::Owner { field } => Some(Term::Owner(path(field))),
        RuleKind::Public { field, values } => Some(Term::Public(path(field), values.clone())),
        RuleKind::Tenant { .. }
        | RuleKind::Role { .. }
        | RuleKind::Member { .. }
        | RuleKind::Sql { .. } => None,
    }
}

/// The function for one operation: a query for read, update and delete (the documents it
/// may touch), a test of the new document's `data` for create.
fn function(command: Command, terms: &[Term]) -> String {
    let needs_user = terms.iter().any(|t| matches!(t, Term::Owner(_)));
    if command == Command::Insert {
        let tests: Vec<String> = terms.iter().map(data_test).collect();
        let args = if needs_user {
            "{ req: { user }, data }"
        } else {
            "{ data }"
        };
        return format!("({args}) => {}", tests.join(" || "));
    }
    let (owned, public): (Vec<&Term>, Vec<&Term>) =
        terms.iter().partition(|t| matches!(t, Term::Owner(_)));
    let owned: Vec<String> = owned.into_iter().map(query).collect();
    let public: Vec<String> = public.into_iter().map(query).collect();
    // Several conditions are typed `Where`: TypeScript would infer a union of object types
    // that `Where` does not accept.
    match (owned.as_slice(), public.as_slice()) {
        ([], [one]) => format!("() => ({one})"),
        ([], many) => format!("(): Where => ({{ or: [{}] }})", many.join(", ")),
        ([one], []) => format!("({{ req: {{ user }} }}) => (user ? {one} : false)"),
        (many, []) => format!(
            "({{ req: {{ user }} }}): Where | false => (user ? {{ or: [{}] }} : false)",
            many.join(", ")
        ),
        (owned, public) => format!(
            "({{ req: {{ user }} }}): Where => (user ? {{ or: [{}, {}] }} : {{ or: [{}] }})",
            public.join(", "),
            owned.join(", "),
            public.join(", ")
        ),
    }
}

fn query(term: &Term) -> String {
    let (path, condition) = match term {
        Term::Owner(path) => (path, "equals: user.id".to_string()),
        Term::Public(path, values) if values.is_empty() => (path, "equals: true".to_string()),
        Term::Public(path, values) => {
            let values: Vec<String> = values.iter().map(|v| string(v)).collect();
            (path, format!("in: [{}]", values.join(", ")))
        }
    };
    format!("{{ {}: {{ {condition} }} }}", property(&path.join(".")))
}

fn data_test(term: &Term) -> String {
    let value = |path: &[String]| -> String {
        let steps: Vec<String> = path.iter().map(|p| format!("?.[{}]", string(p))).collect();
        format!("data{}", steps.concat())
    };
    match term {
        Term::Owner(path) => format!("(Boolean(user) && {} === user?.id)", value(path)),
        Term::Public(path, values) if values.is_empty() => format!("{} === true", value(path)),
        Term::Public(path, values) => {
            let values: Vec<String> = values.iter().map(|v| string(v)).collect();
            format!("[{}].includes({})", values.join(", "), value(path))
        }
    }
}

fn unsaid_rule(slug: &str, rule: &Rule) -> Diagnostic {
    let kind = match &rule.kind {
        RuleKind::Tenant { .. } => "tenant",
        RuleKind::Role { .. } => "role",
        RuleKind::Member { .. } => "member",
        RuleKind::Sql { .. } => "sql",
        RuleKind::Owner { .. } | RuleKind::Public { .. } => "owner",
    };
    let commands: Vec<&str> = rule.commands.iter().map(|c| c.name()).collect();
    Diagnostic::error(
        Code::ExportPayloadAccessRule,
        rule.span,
        format!(
            "export payload: the {kind} rule of {slug} ({}) has no Payload access function of one obvious form: those operations are written as `() => false`",
            commands.join(", ")
        ),
    )
    .at_path(slug.to_string())
    .with_help("write the access function by hand (the rule's row level security is in extras.sql)")
}
