//! Database names: Firestore's camelCase becomes Postgres's snake_case, deterministically.

use heck::{ToLowerCamelCase, ToSnakeCase};

/// `lastMessageAt` → `last_message_at`, `communityEvents` → `community_events`.
pub fn snake(name: &str) -> String {
    name.to_snake_case()
}

/// The generated-code name of a column that has no field of its own (`conversation_id` → `conversationId`).
pub fn camel(db_name: &str) -> String {
    db_name.to_lower_camel_case()
}

/// The two key columns of the join table that keeps the array-of-references field `field` of
/// the collection table `owner`, pointing at the table `target`: `<owner>_id` and `<target>_id`
/// in the singular, or `<field>_id` where both would be the same (a collection referring to
/// itself). The flavour names them and `convert` recognises them by this one rule.
pub fn join_columns(owner: &str, target: &str, field: &str) -> (String, String) {
    let owner_column = format!("{}_id", singular(owner));
    let target_column = format!("{}_id", singular(target));
    if target_column != owner_column {
        return (owner_column, target_column);
    }
    let item = singular(field);
    let target_column = if item.ends_with("_id") {
        item
    } else {
        format!("{item}_id")
    };
    (owner_column, target_column)
}

/// A simple English singular of the last word of a snake_case name, enough for collection
/// names (`conversations` → `conversation`, `community_events` → `community_event`,
/// `categories` → `category`). Irregular plurals stay as they are.
pub fn singular(name: &str) -> String {
    let (head, word) = name.rsplit_once('_').map_or(("", name), |(h, w)| (h, w));
    let one = if let Some(stem) = word.strip_suffix("ies").filter(|s| !s.is_empty()) {
        format!("{stem}y")
    } else if ["sses", "shes", "ches", "xes"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        word[..word.len() - 2].to_string()
    } else if word.len() > 1
        && word.ends_with('s')
        && !["ss", "us", "is"].iter().any(|e| word.ends_with(e))
    {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    };
    if head.is_empty() {
        one
    } else {
        format!("{head}_{one}")
    }
}

pub use crate::ir::shorten::fit;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases_camel_names() {
        assert_eq!(snake("lastMessageAt"), "last_message_at");
        assert_eq!(snake("participantIds"), "participant_ids");
        assert_eq!(snake("userAchievements"), "user_achievements");
    }

    #[test]
    fn singular_of_common_plurals() {
        assert_eq!(singular("conversations"), "conversation");
        assert_eq!(singular("community_events"), "community_event");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("analytics"), "analytic");
        assert_eq!(singular("staff"), "staff");
    }
}
