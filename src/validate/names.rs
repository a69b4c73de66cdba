//! Names Postgres or the code targets would refuse, or would read differently than written:
//! empty database names, control and invisible characters, schemas and roles Postgres keeps
//! for itself, system names that cannot name a folder and a comment line, and the number of
//! tables one system may hold.

use super::Identifiers;
use crate::diagnostics::{is_invisible, Code, Diagnostic, Diagnostics};
use crate::ir::{Span, System};
use std::fmt::Display;

/// A product limit, not Postgres's: far above the 50,000 models schemagen is built to handle
/// (measured by `scripts/bench`), low enough that a generated system stays reviewable.
pub const MAX_TABLES: usize = 100_000;

pub fn identifiers_usable(identifiers: &Identifiers<'_>, diags: &mut Diagnostics) {
    identifiers.iter().for_each(|(name, span, what)| {
        if name.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::EmptyIdentifier,
                    span,
                    format!("the {what} would have an empty database name"),
                )
                .at_path(what.path())
                .with_help(
                    "a name of only punctuation, emoji or non-Latin letters can convert to \
                     nothing: give it a database name (`@map`, `map:`, `dbName`)",
                ),
            );
        }
    });
}

/// Control characters (newline, NUL, carriage return) and invisible formatting characters
/// (U+202E RIGHT-TO-LEFT OVERRIDE and its kin, zero-width spaces) make a name that reads one
/// way and is another, or that breaks a comment line of the generated code.
pub fn names_visible(system: &System, identifiers: &Identifiers<'_>, diags: &mut Diagnostics) {
    // Paths are formatted only for a name that holds one: almost every name is fine.
    let mut check = |name: &str, span: Span, what: &dyn Display, path: &dyn Fn() -> String| {
        // Printable ASCII holds nothing invisible: the common case, decided a byte at a time.
        if name.bytes().all(|b| matches!(b, b' '..=b'~')) {
            return;
        }
        let Some(c) = name.chars().find(|&c| is_invisible(c)) else {
            return;
        };
        diags.push(
            Diagnostic::error(
                Code::InvisibleCharacter,
                span,
                format!(
                    "the {what} `{}` holds the invisible character U+{:04X}",
                    name.escape_debug(),
                    c as u32
                ),
            )
            .at_path(path())
            .with_help(
                "write the name with visible characters only; a control or direction character \
                 in a name reads differently than it is, and breaks the generated code",
            ),
        );
    };
    identifiers.iter().for_each(|(name, span, what)| {
        check(name, span, &what, &|| what.path());
    });
    for t in &system.tables {
        check(&t.name, t.span, &"model name", &|| t.name.clone());
        for c in &t.columns {
            let path = || format!("{}.{}", t.name, c.name);
            check(&c.name, c.span, &"field name", &path);
        }
    }
    for e in &system.enums {
        check(&e.name, e.span, &"enum name", &|| e.name.clone());
        for v in &e.values {
            let path = || format!("{}.{}", e.name, v.name);
            check(&v.name, v.span, &"enum value", &path);
            check(&v.db_name, v.span, &"enum value", &path);
        }
    }
}

/// `pg_catalog`, `pg_toast`, `information_schema` and every `pg_*` name belong to Postgres:
/// `CREATE SCHEMA pg_x` fails ("unacceptable schema name").
pub fn schemas_not_reserved(identifiers: &Identifiers<'_>, diags: &mut Diagnostics) {
    for (name, span, what) in identifiers.schemas() {
        if !is_reserved_schema(name) {
            continue;
        }
        diags.push(
            Diagnostic::error(
                Code::ReservedSchema,
                span,
                format!("the schema `{name}` belongs to Postgres"),
            )
            .at_path(what.path())
            .with_help(
                "Postgres reserves `pg_*` and `information_schema` for itself: put the tables in \
                 `public` or a schema of your own",
            ),
        );
    }
}

pub fn is_reserved_schema(name: &str) -> bool {
    name.starts_with("pg_") || name == "information_schema"
}

/// The application role is created by name and its name is quoted in `GRANT`s: Postgres
/// reserves `pg_*` and a few words for itself.
pub fn app_role_usable(system: &System, diags: &mut Diagnostics) {
    let Some(settings) = &system.access.settings else {
        return;
    };
    let role = settings.app_role.as_str();
    let problem = if role.is_empty() {
        "is empty".to_string()
    } else if role.starts_with("pg_") {
        "starts with `pg_`, which Postgres reserves for its own roles".to_string()
    } else if RESERVED_ROLES.contains(&role.to_ascii_lowercase().as_str()) {
        format!("`{role}` is a word Postgres reserves, not a role name")
    } else if let Some(c) = role.chars().find(|&c| is_invisible(c)) {
        format!("holds the invisible character U+{:04X}", c as u32)
    } else if role.len() > super::MAX_IDENTIFIER_BYTES {
        format!(
            "is {} bytes, over Postgres's limit of {}",
            role.len(),
            super::MAX_IDENTIFIER_BYTES
        )
    } else {
        return;
    };
    diags.push(
        Diagnostic::error(
            Code::BadRoleName,
            settings.span,
            format!(
                "the application role `{}` {problem}",
                role.escape_debug()
            ),
        )
        .at_path("access.app_role")
        .with_help("name the role the application connects as with letters, digits and `_`, e.g. `app_user`"),
    );
}

/// `CREATE ROLE` refuses these (they mean something else in a role position).
const RESERVED_ROLES: &[&str] = &[
    "public",
    "none",
    "current_user",
    "current_role",
    "session_user",
];

/// The system name becomes a folder of `generated/`, part of marker schema names and a line of
/// the generated code's header comment: letters, digits, `_`, `-` and `.`, not leading with a dot.
pub fn system_name_usable(system: &System, diags: &mut Diagnostics) {
    let name = &system.name;
    let usable = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !name.is_empty() && !name.starts_with('.') && name.chars().all(usable) {
        return;
    }
    let message = format!(
        "the system folder `{}` has a name schemagen cannot use",
        name.escape_debug()
    );
    diags.push(Diagnostic::global(Code::BadSystemName, message).with_help(
        "rename the folder with ASCII letters, digits, `_`, `-` and `.`: it names the output \
         folder, database objects and a comment line of the generated code",
    ));
}

pub fn tables_within_limit(system: &System, diags: &mut Diagnostics) {
    if system.tables.len() <= MAX_TABLES {
        return;
    }
    let first_over = &system.tables[MAX_TABLES];
    diags.push(
        Diagnostic::error(
            Code::TooManyTables,
            first_over.span,
            format!(
                "system {} has {} tables, over the limit of {MAX_TABLES} per system",
                system.name,
                system.tables.len()
            ),
        )
        .at_path(first_over.name.clone())
        .with_help("split the schema into several systems (one folder each)"),
    );
}

/// Payload keeps only ASCII letters of a name (`aééé` becomes table `a`), as its Postgres
/// adapter does; schemagen keeps that spelling so its tables match a database Payload made,
/// and says so. A name whose database name holds fewer letters and digits than it, all of them
/// ASCII while the name had others, lost some.
pub fn names_keep_their_letters(system: &System, diags: &mut Diagnostics) {
    let mut warn = |name: &str, db_name: &str, span: Span, path: String| {
        diags.push(
            Diagnostic::error(
                Code::NameLosesLetters,
                span,
                format!("`{name}` is stored as `{db_name}`: its letters outside ASCII are dropped"),
            )
            .at_path(path)
            .with_help(
                "this is the name Payload itself gives it; to keep the letters apart, give it a \
                 database name (`dbName`)",
            ),
        );
    };
    for t in &system.tables {
        if loses_letters(&t.name, &t.db_name.name) {
            warn(&t.name, &t.db_name.name, t.span, t.name.clone());
        }
        for c in t
            .columns
            .iter()
            .filter(|c| loses_letters(&c.name, &c.db_name))
        {
            warn(
                &c.name,
                &c.db_name,
                c.span,
                format!("{}.{}", t.name, c.name),
            );
        }
    }
}

fn loses_letters(name: &str, db_name: &str) -> bool {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).count();
    !name.is_ascii()
        && name.chars().any(|c| c.is_alphanumeric() && !c.is_ascii())
        && db_name.is_ascii()
        && !db_name.is_empty()
        && letters(db_name) < letters(name)
}

/// Postgres text cannot hold a NUL (`invalid byte sequence for encoding "UTF8": 0x00`): a
/// comment, an access setting or a rule value holding one makes its migration fail.
pub fn literals_without_nul(system: &System, diags: &mut Diagnostics) {
    use crate::ir::access::{Context, RuleKind};
    let mut texts: Vec<(&str, Span, String)> = Vec::new();
    for t in &system.tables {
        texts.extend(t.comment.as_deref().map(|c| (c, t.span, t.name.clone())));
        // The path is formatted only for a comment that holds a NUL: one per column otherwise.
        for c in &t.columns {
            let with_nul = c.comment.as_deref().filter(|text| text.contains('\0'));
            texts.extend(with_nul.map(|text| (text, c.span, format!("{}.{}", t.name, c.name))));
        }
    }
    for e in &system.enums {
        texts.extend(e.comment.as_deref().map(|c| (c, e.span, e.name.clone())));
    }
    if let Some(settings) = &system.access.settings {
        let names: Vec<&str> = match &settings.context {
            Context::Settings { tenant, user, role } => vec![tenant, user, role],
            Context::Supabase {
                tenant_claim,
                role_claim,
            } => vec![tenant_claim, role_claim],
        };
        texts.extend(
            names
                .into_iter()
                .map(|n| (n, settings.span, "access".to_string())),
        );
    }
    for entry in &system.access.tables {
        for rule in &entry.rules {
            let values = match &rule.kind {
                RuleKind::Public { values, .. } => values,
                RuleKind::Role { roles, .. } | RuleKind::Member { roles, .. } => roles,
                _ => continue,
            };
            let path = format!("{}.access", entry.table.name);
            texts.extend(values.iter().map(|v| (v.as_str(), rule.span, path.clone())));
        }
    }
    for (text, span, path) in texts.into_iter().filter(|(t, ..)| t.contains('\0')) {
        diags.push(
            Diagnostic::error(
                Code::InvisibleCharacter,
                span,
                format!(
                    "`{}` holds a NUL character, which Postgres text cannot hold",
                    text.escape_debug()
                ),
            )
            .at_path(path)
            .with_help("remove the NUL (`\\0`) from the text"),
        );
    }
}

/// The application sets the context with `set_config(name, …)`, which refuses a name without a
/// prefix (`tenant`) as unrecognized, while `current_setting(name, true)` reads NULL for it: the
/// policies would quietly deny every row.
pub fn context_settings_settable(system: &System, diags: &mut Diagnostics) {
    use crate::ir::access::Context;
    let Some(settings) = &system.access.settings else {
        return;
    };
    let Context::Settings { tenant, user, role } = &settings.context else {
        return;
    };
    for (key, name) in [("tenant", tenant), ("user", user), ("role", role)] {
        let (prefix, rest) = name.split_once('.').unwrap_or(("", ""));
        if !prefix.is_empty() && !rest.is_empty() {
            continue;
        }
        diags.push(
            Diagnostic::error(
                Code::BadAccessRule,
                settings.span,
                format!("the access setting `{key}: {name}` is not a custom setting name"),
            )
            .at_path(format!("access.{key}"))
            .with_help(
                "Postgres lets an application set only prefixed names (`app.current_org_id`): \
                 without a prefix `set_config` fails and every policy reads NULL",
            ),
        );
    }
}
