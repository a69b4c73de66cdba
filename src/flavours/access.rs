//! Access rules, the same YAML in every flavour (Payload-style `access`, Firestore-style
//! `rules`, a Prisma-style model's `access`), and the system's access settings (a top-level
//! `access:` key in any one file of the system). See `docs/access.md`.
//!
//! Reading keeps the names the user wrote; [`resolve`] turns them into database names once
//! every flavour has lowered, so rules may name fields and models of any flavour.

use super::read;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::access::{
    short_name, Access, Command, Condition, Context, FieldPath, FieldRef, Hop, Rule, RuleKind,
    Settings, SqlExpect, TableAccess, TableRef,
};
use crate::ir::{
    Index, IndexMethod, IndexPart, QualifiedName, ScalarType, SortOrder, Span, System, Table,
};
use crate::load::Node;
use std::collections::HashMap;

pub(crate) const TABLE_KEYS: &[&str] = &[
    "shared",
    "tenant",
    "owner",
    "encrypted",
    "all",
    "read",
    "select",
    "write",
    "insert",
    "update",
    "delete",
];
const RULE_KINDS: &[&str] = &["tenant", "owner", "public", "role", "member", "sql"];
pub(crate) const RULE_KEYS: &[&str] = &[
    "tenant",
    "owner",
    "public",
    "role",
    "member",
    "sql",
    "values",
    "bypass",
    "via",
    "key",
    "user",
    "role_field",
    "roles",
    "expect",
];
const EXPECT_KEYS: &[&str] = &["readable", "owner", "tenant", "role"];
pub(crate) const SETTINGS_KEYS: &[&str] = &[
    "context", "tenant", "user", "role", "app_role", "tenancy", "tables",
];

/// Reads a model's or collection's `access:` (or `rules:`) node into `access`.
/// `table` is the database name of the table the rules police.
///
/// The one line each flavour adds where it lowers a model with an `access` key:
/// `super::access::read_table(node, &table.db_name, &format!("{name}.access"), &mut system.access, diags);`
pub fn read_table(
    node: &Node,
    table: &QualifiedName,
    path: &str,
    access: &mut Access,
    diags: &mut Diagnostics,
) {
    let mut entry = TableAccess {
        table: table.clone(),
        shared: false,
        rules: Vec::new(),
        encrypted: Vec::new(),
        span: node.span,
    };
    if node.as_str() == Some("shared") {
        entry.shared = true;
    } else if let Some(entries) = read::expect_map(node, path, diags) {
        read::check_keys(entries, TABLE_KEYS, path, diags);
        for (key, value) in entries {
            let path = format!("{path}.{}", key.name);
            match key.name.as_str() {
                "shared" => entry.shared = read::expect_bool(value, &path, diags).unwrap_or(false),
                "tenant" | "owner" => {
                    if let Some(rule) = read_rule_kind(&key.name, value, node, &path, diags) {
                        entry.rules.push(rule_for(&Command::ALL, rule, key.span));
                    }
                }
                "encrypted" => entry.encrypted = read_fields(value, &path, diags),
                group => {
                    let commands = commands_of(group);
                    for rule_node in rules_of(value) {
                        if let Some(kind) = read_rule(rule_node, &path, diags) {
                            entry.rules.push(rule_for(commands, kind, rule_node.span));
                        }
                    }
                }
            }
        }
        if entry.shared && !entry.rules.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::BadAccessRule,
                    node.span,
                    "a table cannot be both shared and policed by rules",
                )
                .at_path(path)
                .with_help("remove `shared: true`, or remove the rules"),
            );
        }
    }
    // A second declaration for the same table is reported by `resolve`, once all are read.
    access.tables.push(entry);
}

/// Keeps the first access entry of each table and reports the others.
fn drop_duplicates(access: &mut Access, diags: &mut Diagnostics) {
    let mut first: HashMap<QualifiedName, Span> = HashMap::new();
    access.tables.retain(|entry| match first.get(&entry.table) {
        Some(span) => {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    entry.span,
                    format!("the access of {} is declared twice", entry.table.name),
                )
                .with_related(*span, "first declared here")
                .with_help("keep the rules in one place: the model's `access`, or `access.tables`"),
            );
            false
        }
        None => {
            first.insert(entry.table.clone(), entry.span);
            true
        }
    });
}

/// Reads a file's top-level `access:` node: the system's access settings.
pub fn read_settings(node: &Node, path: &str, access: &mut Access, diags: &mut Diagnostics) {
    if let Some(first) = &access.settings {
        diags.push(
            Diagnostic::error(
                Code::DuplicateDefinition,
                node.span,
                "the system's access settings are declared twice",
            )
            .at_path(path)
            .with_related(first.span, "first declared here")
            .with_help("keep the top-level `access:` key in one file of the system"),
        );
        return;
    }
    let Some(entries) = read::expect_map(node, path, diags) else {
        return;
    };
    read::check_keys(entries, SETTINGS_KEYS, path, diags);
    let text = |key: &str, diags: &mut Diagnostics| {
        node.get(key)
            .and_then(|n| read::expect_scalar(n, &format!("{path}.{key}"), diags))
    };
    let supabase = match node.get("context") {
        None => false,
        Some(n) => match n.as_str() {
            Some("settings") => false,
            Some("supabase") => true,
            _ => {
                diags.push(
                    Diagnostic::error(
                        Code::BadAccessRule,
                        n.span,
                        "unknown access context",
                    )
                    .at_path(format!("{path}.context"))
                    .with_help("use `settings` (Postgres settings read with current_setting) or `supabase` (auth.uid(), auth.jwt())"),
                );
                false
            }
        },
    };
    let context = if supabase {
        if let Some(user) = node.get("user") {
            diags.push(
                Diagnostic::error(
                    Code::BadAccessRule,
                    user.span,
                    "with the supabase context the user is always auth.uid()",
                )
                .at_path(format!("{path}.user"))
                .with_help("remove `user`"),
            );
        }
        Context::Supabase {
            tenant_claim: text("tenant", diags).unwrap_or_else(|| "org_id".into()),
            role_claim: text("role", diags).unwrap_or_else(|| "user_role".into()),
        }
    } else {
        let Context::Settings { tenant, user, role } = Context::default() else {
            unreachable!("the default context reads settings")
        };
        Context::Settings {
            tenant: text("tenant", diags).unwrap_or(tenant),
            user: text("user", diags).unwrap_or(user),
            role: text("role", diags).unwrap_or(role),
        }
    };
    let defaults = Settings::default();
    access.settings = Some(Settings {
        context,
        app_role: text("app_role", diags).unwrap_or(defaults.app_role),
        tenancy: node
            .get("tenancy")
            .and_then(|n| read::expect_bool(n, &format!("{path}.tenancy"), diags))
            .unwrap_or(false),
        span: node.span,
    });
}

/// Reads the `tables:` map of a file's top-level `access:` node: rules for tables that have
/// no place of their own for them (the join tables of implicit many-to-many relations), or
/// kept apart from the model. Runs after lowering, when every table's database name is known.
pub fn read_named_tables(node: &Node, system: &mut System, diags: &mut Diagnostics) {
    let Some(tables) = node.get("tables") else {
        return;
    };
    let Some(entries) = read::expect_map(tables, "access.tables", diags) else {
        return;
    };
    for (key, value) in entries {
        let found = system
            .tables
            .iter()
            .find(|t| t.name == key.name || t.db_name.name == key.name)
            .map(|t| t.db_name.clone());
        let path = format!("access.tables.{}", key.name);
        match found {
            Some(table) => read_table(value, &table, &path, &mut system.access, diags),
            None => {
                let names: Vec<&str> = system.tables.iter().map(|t| t.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    Code::UnknownModel,
                    key.span,
                    format!("`{}` is not a table of the system", key.name),
                )
                .at_path(path);
                if let Some(near) = read::closest(&key.name, &names) {
                    d = d.with_help(format!("did you mean `{near}`?"));
                }
                diags.push(d);
            }
        }
    }
}

fn commands_of(group: &str) -> &'static [Command] {
    match group {
        "read" | "select" => &[Command::Select],
        "write" => &[Command::Insert, Command::Update, Command::Delete],
        "insert" => &[Command::Insert],
        "update" => &[Command::Update],
        "delete" => &[Command::Delete],
        _ => &Command::ALL,
    }
}

fn rule_for(commands: &[Command], kind: RuleKind, span: Span) -> Rule {
    Rule {
        commands: commands.to_vec(),
        kind,
        span,
    }
}

/// A group's rules: a list of rule maps, or a single one.
fn rules_of(node: &Node) -> Vec<&Node> {
    match node.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![node],
    }
}

fn read_fields(node: &Node, path: &str, diags: &mut Diagnostics) -> Vec<FieldRef> {
    let items = match node.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![node],
    };
    items
        .into_iter()
        .filter_map(|n| read::expect_scalar(n, path, diags).map(|f| FieldRef::new(f, n.span)))
        .collect()
}

/// One rule map: exactly one kind key (`tenant`, `owner`, ...) with its modifiers.
fn read_rule(node: &Node, path: &str, diags: &mut Diagnostics) -> Option<RuleKind> {
    let entries = read::expect_map(node, path, diags)?;
    read::check_keys(entries, RULE_KEYS, path, diags);
    let kinds: Vec<_> = entries
        .iter()
        .filter(|(k, _)| RULE_KINDS.contains(&k.name.as_str()))
        .collect();
    let [(key, value)] = kinds.as_slice() else {
        diags.push(
            Diagnostic::error(
                Code::BadAccessRule,
                node.span,
                format!(
                    "a rule needs exactly one of {}, found {}",
                    RULE_KINDS.join(", "),
                    kinds.len()
                ),
            )
            .at_path(path)
            .with_help("write one rule per list item, e.g. `- owner: authorId`"),
        );
        return None;
    };
    if let (Some(expect), false) = (node.get("expect"), key.name == "sql") {
        diags.push(
            Diagnostic::error(
                Code::BadSqlExpect,
                expect.span,
                format!("`expect:` belongs to raw `sql` rules; verify reads what this `{}` rule allows from the rule itself", key.name),
            )
            .at_path(format!("{path}.expect"))
            .with_help("remove `expect:`"),
        );
    }
    read_rule_kind(
        &key.name,
        value,
        node,
        &format!("{path}.{}", key.name),
        diags,
    )
}

/// A sql rule's `expect:`: a map of conditions that must all hold (see [`Condition`]).
fn read_expect(node: Option<&Node>, path: &str, diags: &mut Diagnostics) -> SqlExpect {
    let Some(node) = node else {
        return SqlExpect(None);
    };
    let path = format!("{path}.expect");
    let bad = |diags: &mut Diagnostics, message: &str| {
        diags.push(
            Diagnostic::error(Code::BadSqlExpect, node.span, message)
                .at_path(path.clone())
                .with_help("e.g. `expect: { readable: projectId }`, or `{ readable: projectId, owner: projectId.ownerId }`; keys: readable, owner, tenant, role"),
        );
        SqlExpect(None)
    };
    let Some(entries) = node.as_map() else {
        return bad(diags, "`expect:` must be a map of conditions");
    };
    if entries.is_empty() {
        return bad(
            diags,
            "`expect:` names no condition: say when the SQL holds",
        );
    }
    read::check_keys(entries, EXPECT_KEYS, &path, diags);
    let mut conditions = Vec::new();
    for (key, value) in entries {
        let at = format!("{path}.{}", key.name);
        let written = |diags: &mut Diagnostics| read::expect_scalar(value, &at, diags);
        let condition = match key.name.as_str() {
            "readable" => written(diags).map(|f| {
                Condition::Readable(Hop {
                    field: FieldRef::new(f, value.span),
                    ..Hop::default()
                })
            }),
            "owner" => written(diags).map(|p| Condition::Owner(field_path(&p, value.span))),
            "tenant" => written(diags).map(|p| Condition::Tenant(field_path(&p, value.span))),
            "role" => Some(Condition::Role(
                read_fields(value, &at, diags)
                    .into_iter()
                    .map(|f| f.field)
                    .collect(),
            )),
            _ => None,
        };
        conditions.extend(condition);
    }
    SqlExpect(Some(conditions))
}

/// `ownerId`, or `projectId.ownerId` through the foreign key field `projectId`.
fn field_path(written: &str, span: Span) -> FieldPath {
    match written.split_once('.') {
        Some((hop, field)) => FieldPath {
            hop: Some(Hop {
                field: FieldRef::new(hop, span),
                ..Hop::default()
            }),
            field: FieldRef::new(field, span),
        },
        None => FieldPath {
            hop: None,
            field: FieldRef::new(written, span),
        },
    }
}

/// The rule of kind `kind` whose main value is `value`; modifiers are read from `rule`.
fn read_rule_kind(
    kind: &str,
    value: &Node,
    rule: &Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<RuleKind> {
    let field = |diags: &mut Diagnostics| {
        read::expect_scalar(value, path, diags).map(|f| FieldRef::new(f, value.span))
    };
    let modifier = |key: &str, diags: &mut Diagnostics| {
        rule.get(key)
            .and_then(|n| read::expect_scalar(n, path, diags).map(|f| FieldRef::new(f, n.span)))
    };
    let list = |key: &str, diags: &mut Diagnostics| -> Vec<String> {
        rule.get(key).map_or_else(Vec::new, |n| {
            read_fields(n, path, diags)
                .into_iter()
                .map(|f| f.field)
                .collect()
        })
    };
    Some(match kind {
        "tenant" => RuleKind::Tenant {
            field: field(diags)?,
        },
        "owner" => RuleKind::Owner {
            field: field(diags)?,
        },
        "public" => RuleKind::Public {
            field: field(diags)?,
            values: list("values", diags),
        },
        "role" => RuleKind::Role {
            roles: read_fields(value, path, diags)
                .into_iter()
                .map(|f| f.field)
                .collect(),
            bypass: rule
                .get("bypass")
                .and_then(|n| read::expect_bool(n, path, diags))
                .unwrap_or(false),
        },
        "member" => {
            let name = read::expect_scalar(value, path, diags)?;
            let (Some(via), Some(user)) = (modifier("via", diags), modifier("user", diags)) else {
                diags.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        rule.span,
                        "a member rule needs `via` and `user`",
                    )
                    .at_path(path)
                    .with_help("e.g. `- member: ProjectCollaborator` with `via: projectId` (its field pointing to this row) and `user: userId`"),
                );
                return None;
            };
            RuleKind::Member {
                table: TableRef {
                    name,
                    db_name: QualifiedName::public(""),
                    span: value.span,
                },
                via,
                // Resolved later: the field named by `key`, else what `via` references.
                key: modifier("key", diags).map(|f| f.field).unwrap_or_default(),
                user,
                role_field: modifier("role_field", diags),
                roles: list("roles", diags),
            }
        }
        _ => RuleKind::Sql {
            expression: read::expect_scalar(value, path, diags)?,
            expect: read_expect(rule.get("expect"), path, diags),
        },
    })
}

/// Turns the logical names in `system.access` into database names, adds an index for each
/// tenant and owner column that lacks one, and checks that a system with tenancy polices
/// every table. Runs once, after every flavour has lowered.
pub fn resolve(system: &mut System, diags: &mut Diagnostics) {
    if system.access.is_empty() {
        return;
    }
    let mut access = std::mem::take(&mut system.access);
    drop_duplicates(&mut access, diags);
    let by_db: HashMap<&QualifiedName, usize> = system
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.db_name, i))
        .collect();
    let by_name = TableNames::new(system);
    let mut indexes: Vec<(usize, String)> = Vec::new();
    let mut encrypted: Vec<(usize, String)> = Vec::new();
    for entry in &mut access.tables {
        let Some(&index) = by_db.get(&entry.table) else {
            continue;
        };
        let table = &system.tables[index];
        for rule in &mut entry.rules {
            resolve_rule(rule, table, system, &by_name, diags);
            if let RuleKind::Tenant { field } | RuleKind::Owner { field } = &rule.kind {
                if !field.column.is_empty() {
                    indexes.push((index, field.column.clone()));
                }
            }
        }
        for field in &mut entry.encrypted {
            resolve_field(field, table, diags);
            if !field.column.is_empty() {
                encrypted.push((index, field.column.clone()));
            }
        }
    }
    for (index, column) in indexes {
        add_index_unless_covered(&mut system.tables[index], &column);
    }
    for (index, column) in encrypted {
        // pgp_sym_encrypt returns bytea; the plaintext never reaches the table.
        if let Some(c) = system.tables[index]
            .columns
            .iter_mut()
            .find(|c| c.db_name == column)
        {
            c.ty.scalar = ScalarType::Bytea;
            c.default = None;
        }
    }
    if access.declares_tenancy() {
        every_table_policed(system, &access, diags);
    }
    system.access = access;
}

/// Tables by the names rules may use: the logical name first, else the database table name
/// (the first table declared with it). Built once, so resolving stays linear.
struct TableNames<'a> {
    logical: HashMap<&'a str, usize>,
    database: HashMap<&'a str, usize>,
}

impl<'a> TableNames<'a> {
    fn new(system: &'a System) -> Self {
        let mut names = TableNames {
            logical: HashMap::new(),
            database: HashMap::new(),
        };
        for (i, t) in system.tables.iter().enumerate() {
            names.logical.insert(t.name.as_str(), i);
            names.database.entry(t.db_name.name.as_str()).or_insert(i);
        }
        names
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.logical
            .get(name)
            .or_else(|| self.database.get(name))
            .copied()
    }
}

fn resolve_rule(
    rule: &mut Rule,
    table: &Table,
    system: &System,
    by_name: &TableNames,
    diags: &mut Diagnostics,
) {
    match &mut rule.kind {
        RuleKind::Tenant { field } | RuleKind::Owner { field } => {
            resolve_field(field, table, diags)
        }
        RuleKind::Public { field, values } => {
            resolve_field(field, table, diags);
            if let Some(column) = table.column(&field.column) {
                public_values(field, column, values, system, &table.name, diags);
            }
        }
        RuleKind::Member {
            table: member,
            via,
            key,
            user,
            role_field,
            roles,
        } => {
            let found = by_name.find(&member.name).map(|i| &system.tables[i]);
            let Some(member_table) = found else {
                let names: Vec<&str> = by_name.logical.keys().copied().collect();
                let mut d = Diagnostic::error(
                    Code::UnknownModel,
                    member.span,
                    format!(
                        "the member rule of {} names `{}`, which is not a model of the system",
                        table.name, member.name
                    ),
                )
                .at_path(format!("{}.access", table.name));
                if let Some(near) = read::closest(&member.name, &names) {
                    d = d.with_help(format!("did you mean `{near}`?"));
                }
                diags.push(d);
                return;
            };
            member.db_name = member_table.db_name.clone();
            resolve_field(via, member_table, diags);
            resolve_field(user, member_table, diags);
            if let Some(role_field) = role_field {
                resolve_field(role_field, member_table, diags);
                if let Some(column) = member_table.column(&role_field.column) {
                    let enum_values = enum_of(column, system);
                    for role in roles.iter_mut() {
                        if let Some(values) = enum_values {
                            if let Some(v) = values.iter().find(|v| v.name == *role) {
                                *role = v.db_name.clone();
                            }
                        }
                    }
                }
            }
            if key.is_empty() {
                *key = member_key(member_table, &via.column, table).unwrap_or_default();
            } else {
                let mut field = FieldRef::new(key.as_str(), via.span);
                resolve_field(&mut field, table, diags);
                *key = field.column;
            }
            if key.is_empty() && !via.column.is_empty() {
                diags.push(
                    Diagnostic::error(
                        Code::BadAccessRule,
                        via.span,
                        format!("{}.{} does not refer to {} by a foreign key, and {} has no single-column primary key", member_table.name, via.field, table.name, table.name),
                    )
                    .at_path(format!("{}.access", table.name))
                    .with_help("point `via` at the member table's field that references this table"),
                );
            }
        }
        RuleKind::Sql { expect, .. } => {
            for condition in expect.0.iter_mut().flatten() {
                resolve_condition(condition, table, system, diags);
            }
        }
        RuleKind::Role { .. } => {}
    }
}

fn resolve_condition(
    condition: &mut Condition,
    table: &Table,
    system: &System,
    diags: &mut Diagnostics,
) {
    let path = match condition {
        Condition::Readable(hop) => {
            resolve_hop(hop, table, diags);
            return;
        }
        Condition::Owner(path) | Condition::Tenant(path) => path,
        Condition::Role(_) => return,
    };
    let target = match &mut path.hop {
        None => Some(table),
        Some(hop) => {
            resolve_hop(hop, table, diags);
            let name = hop.table.as_ref();
            name.and_then(|n| system.tables.iter().find(|t| &t.db_name == n))
        }
    };
    if let Some(target) = target {
        resolve_field(&mut path.field, target, diags);
    }
}

/// Fills in where a foreign key field leads: it must be the single column of a foreign key.
fn resolve_hop(hop: &mut Hop, table: &Table, diags: &mut Diagnostics) {
    resolve_field(&mut hop.field, table, diags);
    if hop.field.column.is_empty() {
        return;
    }
    let key = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == [hop.field.column.as_str()]);
    match key {
        Some(fk) => {
            hop.table = Some(fk.referenced_table.clone());
            hop.key = fk.referenced_columns.first().cloned().unwrap_or_default();
        }
        None => diags.push(
            Diagnostic::error(
                Code::SqlExpectPath,
                hop.field.span,
                format!(
                    "{}.{} is not a foreign key of its own: `expect:` can only follow one to the row it points at",
                    table.name, hop.field.field
                ),
            )
            .at_path(format!("{}.access", table.name))
            .with_help("name the field that holds the reference: in a Prisma-style model the scalar (`projectId`), not the relation field (`project`)"),
        ),
    }
}

/// The column of `table` that the member table's `via` column refers to.
fn member_key(member: &Table, via: &str, table: &Table) -> Option<String> {
    member
        .foreign_keys
        .iter()
        .find(|fk| fk.referenced_table == table.db_name && fk.columns == [via])
        .and_then(|fk| fk.referenced_columns.first().cloned())
        .or_else(|| match table.primary_key.as_ref()?.columns.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        })
}

fn enum_of<'a>(
    column: &crate::ir::Column,
    system: &'a System,
) -> Option<&'a [crate::ir::EnumValue]> {
    match &column.ty.scalar {
        ScalarType::Enum { name } => system
            .enums
            .iter()
            .find(|e| e.db_name == **name)
            .map(|e| e.values.as_slice()),
        _ => None,
    }
}

/// Checks a public rule's values against its column and turns enum values into their database names.
fn public_values(
    field: &FieldRef,
    column: &crate::ir::Column,
    values: &mut [String],
    system: &System,
    table: &str,
    diags: &mut Diagnostics,
) {
    let problem = match (&column.ty.scalar, enum_of(column, system)) {
        (ScalarType::Boolean, _) if values.is_empty() => None,
        (ScalarType::Boolean, _) => Some("a boolean column needs no `values`".to_string()),
        (_, Some(known)) => {
            let mut bad = None;
            for value in values.iter_mut() {
                match known
                    .iter()
                    .find(|v| v.name == *value || v.db_name == *value)
                {
                    Some(v) => *value = v.db_name.clone(),
                    None => bad = Some(format!("`{value}` is not a value of the enum")),
                }
            }
            bad.or_else(|| {
                values
                    .is_empty()
                    .then(|| "name the public `values` of the enum".into())
            })
        }
        (
            ScalarType::Text
            | ScalarType::Citext
            | ScalarType::Varchar { .. }
            | ScalarType::Char { .. },
            _,
        ) if !values.is_empty() => None,
        _ => Some(
            "a public rule needs a boolean column, or an enum or text column with `values`".into(),
        ),
    };
    if let Some(problem) = problem {
        diags.push(
            Diagnostic::error(
                Code::BadAccessRule,
                field.span,
                format!("public rule on {table}.{}: {problem}", field.field),
            )
            .at_path(format!("{table}.access"))
            .with_help("e.g. `- public: visibility` with `values: [PUBLIC]`, or `- public: isPublished` on a boolean"),
        );
    }
}

/// Fills `field.column` from the field's logical name (or its database name).
fn resolve_field(field: &mut FieldRef, table: &Table, diags: &mut Diagnostics) {
    let found = table
        .columns
        .iter()
        .find(|c| c.name == field.field)
        .or_else(|| table.column(&field.field));
    match found {
        Some(c) => field.column = c.db_name.clone(),
        None => {
            let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            let mut d = Diagnostic::error(
                Code::UnknownField,
                field.span,
                format!("{} has no field `{}`", table.name, field.field),
            )
            .at_path(format!("{}.access", table.name));
            d = match read::closest(&field.field, &names) {
                Some(near) => d.with_help(format!("did you mean `{near}`?")),
                None => d.with_help(format!("fields of {}: {}", table.name, names.join(", "))),
            };
            diags.push(d);
        }
    }
}

/// Tenant and owner columns are in every policy's predicate: without an index each query scans.
fn add_index_unless_covered(table: &mut Table, column: &str) {
    let leads = |parts: &[IndexPart]| matches!(parts.first(), Some(IndexPart::Column { name, .. }) if name == column);
    let covered = table
        .indexes
        .iter()
        .any(|i| leads(&i.parts) && i.predicate.is_none())
        || table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.first().is_some_and(|c| c == column));
    if covered {
        return;
    }
    table.indexes.push(Index {
        db_name: short_name(&format!("{}_{column}_idx", table.db_name.name)),
        parts: vec![IndexPart::Column {
            name: column.to_string(),
            order: SortOrder::Asc,
            opclass: None,
        }],
        unique: false,
        method: IndexMethod::Btree,
        predicate: None,
        concurrently: false,
        span: table.span,
    });
}

fn every_table_policed(system: &System, access: &Access, diags: &mut Diagnostics) {
    let entries: HashMap<&QualifiedName, &TableAccess> =
        access.tables.iter().map(|t| (&t.table, t)).collect();
    for table in &system.tables {
        let policed = entries
            .get(&table.db_name)
            .is_some_and(|t| t.shared || !t.rules.is_empty());
        if !policed {
            diags.push(
                Diagnostic::error(
                    Code::MissingAccessRule,
                    table.span,
                    format!("table {} has no access rule in a system with tenants", table.name),
                )
                .at_path(table.name.clone())
                .with_help("give it `access: { tenant: <field> }` (or other rules), or mark it `access: shared` if every tenant may see all of it"),
            );
        }
    }
}
