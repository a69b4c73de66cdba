//! A migration's file name, derived from its steps: short, snake_case, deterministic.
//!
//! `init` for the first migration; the one change it makes when there is one
//! (`add_users_bio`, `drop_posts`); `create_x` / `drop_x` / `alter_x` when every step
//! touches one table or enum; `update` otherwise. Comments never name a migration.

use super::{Change, Migration};
use heck::ToSnakeCase;

const MAX_LEN: usize = 48;

pub(super) fn migration_name(migration: &Migration) -> String {
    if migration.initial {
        return "init".into();
    }
    let main: Vec<&Change> = migration
        .steps
        .iter()
        .map(|s| &s.change)
        .filter(|c| c.label() != "Comment" && !c.is_follow_up())
        .collect();
    let name = match main.as_slice() {
        [] => common_subject(migration.steps.iter().map(|s| &s.change))
            .map(|subject| format!("comment_{subject}")),
        [only] => Some(single(only)),
        _ => common_subject(main.iter().copied()).map(|subject| {
            let verb = if main
                .iter()
                .any(|c| matches!(c, Change::CreateTable(_) | Change::CreateEnum(_)))
            {
                "create"
            } else if main.iter().any(|c| matches!(c, Change::DropTable(_))) {
                "drop"
            } else {
                "alter"
            };
            format!("{verb}_{subject}")
        }),
    };
    name.map(|n| tidy(&n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "update".into())
}

/// The table or enum a step is about (by database name, without its schema).
fn subject(change: &Change) -> Option<&str> {
    Some(match change {
        Change::CreateSchema(_) | Change::CreateExtension(_) => return None,
        Change::Access(change) => return change.table().map(|t| t.name.as_str()),
        Change::CreateEnum(e) => &e.db_name.name,
        Change::RecreateEnum { next, .. } => &next.db_name.name,
        Change::AddEnumValue { enum_name, .. }
        | Change::DropEnum(enum_name)
        | Change::CommentOnType { enum_name, .. } => &enum_name.name,
        Change::CreateTable(t) => &t.name,
        Change::DropTable(table)
        | Change::CreatePartition { table, .. }
        | Change::DropPartition { table, .. }
        | Change::AddColumn { table, .. }
        | Change::DropColumn { table, .. }
        | Change::AlterColumnType { table, .. }
        | Change::SetNotNull { table, .. }
        | Change::FinishNotNull { table, .. }
        | Change::ValidateConstraint { table, .. }
        | Change::AttachPrimaryKey { table, .. }
        | Change::DropNotNull { table, .. }
        | Change::SetDefault { table, .. }
        | Change::DropDefault { table, .. }
        | Change::DropSequence { table, .. }
        | Change::AddIdentity { table, .. }
        | Change::DropIdentity { table, .. }
        | Change::AddPrimaryKey { table, .. }
        | Change::DropPrimaryKey { table, .. }
        | Change::CreateIndex { table, .. }
        | Change::DropIndex { table, .. }
        | Change::AddForeignKey { table, .. }
        | Change::DropForeignKey { table, .. }
        | Change::AddCheck { table, .. }
        | Change::DropCheck { table, .. }
        | Change::CommentOnTable { table, .. }
        | Change::CommentOnColumn { table, .. }
        | Change::SetSchema { table, .. }
        | Change::RenameColumn { table, .. }
        | Change::RenameIndex { table, .. }
        | Change::RenameConstraint { table, .. }
        | Change::RenameSequence { table, .. } => &table.name,
        // Named after what the table or enum becomes.
        Change::RenameTable { to, .. } | Change::RenameEnum { to, .. } => to,
        Change::SetEnumSchema { enum_name, .. } | Change::RenameEnumValue { enum_name, .. } => {
            &enum_name.name
        }
    })
}

fn common_subject<'a>(mut changes: impl Iterator<Item = &'a Change>) -> Option<String> {
    let first = subject(changes.next()?)?;
    changes
        .all(|c| subject(c) == Some(first))
        .then(|| first.to_string())
}

fn single(change: &Change) -> String {
    let on = |table: &str, column: &str| format!("{table}_{column}");
    match change {
        Change::CreateSchema(s) => format!("create_schema_{s}"),
        Change::CreateExtension(e) => format!("create_extension_{e}"),
        Change::CreateEnum(e) => format!("create_{}", e.db_name.name),
        Change::AddEnumValue {
            enum_name, value, ..
        } => format!("add_{}_{value}", enum_name.name),
        Change::RecreateEnum { next, .. } => format!("alter_{}", next.db_name.name),
        Change::DropEnum(e) => format!("drop_{}", e.name),
        Change::CreateTable(t) => format!("create_{}", t.name),
        Change::DropTable(t) => format!("drop_{}", t.name),
        Change::CreatePartition { partition, .. } => format!("create_{}", partition.db_name),
        Change::DropPartition { name, .. } => format!("drop_{name}"),
        Change::AddColumn { table, column } => format!("add_{}", on(&table.name, &column.db_name)),
        Change::DropColumn { table, column } => format!("drop_{}", on(&table.name, column)),
        Change::AlterColumnType { table, next, .. } => {
            format!("alter_{}", on(&table.name, &next.db_name))
        }
        Change::SetDefault { table, column } => {
            format!("alter_{}", on(&table.name, &column.db_name))
        }
        Change::SetNotNull { table, column, .. }
        | Change::FinishNotNull { table, column, .. }
        | Change::DropNotNull { table, column }
        | Change::DropDefault { table, column }
        | Change::DropSequence { table, column }
        | Change::AddIdentity { table, column }
        | Change::DropIdentity { table, column } => format!("alter_{}", on(&table.name, column)),
        Change::AddPrimaryKey { table, .. }
        | Change::DropPrimaryKey { table, .. }
        | Change::AttachPrimaryKey { table, .. } => {
            format!("alter_{}_primary_key", table.name)
        }
        Change::CreateIndex { index, .. } => format!("add_{}", index.db_name),
        Change::AddForeignKey { key, .. } => format!("add_{}", key.db_name),
        Change::AddCheck { check, .. } => format!("add_{}", check.db_name),
        Change::ValidateConstraint { name, .. } => format!("validate_{name}"),
        Change::DropIndex { name, .. }
        | Change::DropForeignKey { name, .. }
        | Change::DropCheck { name, .. } => format!("drop_{name}"),
        Change::CommentOnTable { table, .. } => format!("comment_{}", table.name),
        Change::CommentOnColumn { table, column, .. } => {
            format!("comment_{}", on(&table.name, column))
        }
        Change::CommentOnType { enum_name, .. } => format!("comment_{}", enum_name.name),
        Change::Access(change) => change.name(),
        Change::SetSchema { table, schema } => format!("move_{}_to_{schema}", table.name),
        Change::SetEnumSchema { enum_name, schema } => {
            format!("move_{}_to_{schema}", enum_name.name)
        }
        Change::RenameTable { table, to } => format!("rename_{}_to_{to}", table.name),
        Change::RenameEnum { enum_name, to } => format!("rename_{}_to_{to}", enum_name.name),
        Change::RenameColumn { table, from, to } => {
            format!("rename_{}_to_{to}", on(&table.name, from))
        }
        Change::RenameEnumValue {
            enum_name,
            from,
            to,
            ..
        } => format!("rename_{}_to_{to}", on(&enum_name.name, from)),
        Change::RenameIndex { from, to, .. }
        | Change::RenameConstraint { from, to, .. }
        | Change::RenameSequence { from, to, .. } => format!("rename_{from}_to_{to}"),
    }
}

/// snake_case, ASCII letters, digits and single underscores only, at most [`MAX_LEN`] bytes.
fn tidy(name: &str) -> String {
    let snake = name.to_snake_case();
    let mut out = String::with_capacity(snake.len());
    for c in snake.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    if out.len() > MAX_LEN {
        out.truncate(MAX_LEN);
    }
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn names_are_tidy_snake_case() {
        assert_eq!(tidy("add_User_authorId"), "add_user_author_id");
        assert_eq!(tidy("add_users_bio"), "add_users_bio");
        assert_eq!(tidy("drop_\"weird name\"!"), "drop_weird_name");
        assert_eq!(tidy("add_été"), "add_t");
        assert_eq!(tidy(&"x".repeat(100)).len(), 48);
    }
}
