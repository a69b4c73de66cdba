//! Prisma's default constraint and index names, shortened the way Prisma shortens them.
//!
//! Verified against prisma-engines `psl/psl-core/src/datamodel_connector/constraint_names.rs`:
//! names are built from *database* names (table and columns), and a name that would
//! reach Postgres's 63-byte limit has its `<table>_<columns>` part cut (on a char
//! boundary) so that, with the suffix, it is at most 63 bytes.

/// Postgres's identifier limit, Prisma's `max_identifier_length()` for Postgres.
const LIMIT: usize = 63;

/// `<table>_pkey`.
pub fn primary_key(table: &str) -> String {
    with_suffix(table.to_string(), "_pkey")
}

/// `<table>_<columns>_key`: `@unique` / `@@unique`, made as unique indexes.
pub fn unique(table: &str, columns: &[&str]) -> String {
    with_suffix(joined(table, columns), "_key")
}

/// `<table>_<columns>_idx`: `@@index`.
pub fn index(table: &str, columns: &[&str]) -> String {
    with_suffix(joined(table, columns), "_idx")
}

/// `<table>_<columns>_fkey`, on the referencing table and columns.
pub fn foreign_key(table: &str, columns: &[&str]) -> String {
    with_suffix(joined(table, columns), "_fkey")
}

fn joined(table: &str, columns: &[&str]) -> String {
    format!("{table}_{}", columns.join("_"))
}

/// Prisma cuts when the base is `>= limit - suffix` bytes long (so a base of exactly
/// that length is "cut" to itself): the result never exceeds 63 bytes.
fn with_suffix(mut base: String, suffix: &str) -> String {
    let keep = LIMIT - suffix.len();
    if base.len() >= keep {
        let mut cut = keep;
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        base.truncate(cut);
    }
    base.push_str(suffix);
    base
}

/// Implicit many-to-many join table: `_<relation name>`, or `_<A>To<B>` with the two
/// model names sorted. Verified against prisma-engines `RelationName::generated` (psl/parser-database)
/// and Prisma 6 migrations (`_AToB_AB_pkey`, `_AToB_B_index`, `_AToB_A_fkey`).
pub fn join_table(relation_name: Option<&str>, a: &str, b: &str) -> String {
    match relation_name {
        Some(name) => format!("_{name}"),
        None => format!("_{a}To{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prisma_conventions() {
        assert_eq!(primary_key("content_items"), "content_items_pkey");
        assert_eq!(unique("User", &["email"]), "User_email_key");
        assert_eq!(unique("t", &["a", "b"]), "t_a_b_key");
        assert_eq!(
            index("ContentItem", &["organizationId", "status"]),
            "ContentItem_organizationId_status_idx"
        );
        assert_eq!(foreign_key("Post", &["authorId"]), "Post_authorId_fkey");
        assert_eq!(join_table(None, "Post", "Tag"), "_PostToTag");
        assert_eq!(join_table(Some("Likes"), "Post", "User"), "_Likes");
    }

    #[test]
    fn long_names_are_cut_to_63_bytes() {
        let table = "a".repeat(70);
        assert_eq!(primary_key(&table), format!("{}_pkey", "a".repeat(58)));
        let columns = ["organization_id", "user_id", "created_at", "updated_at"];
        let name = index("organization_memberships", &columns);
        assert_eq!(
            name,
            "organization_memberships_organization_id_user_id_created_at_idx"
        );
        assert_eq!(name.len(), 63);
        assert_eq!(foreign_key(&"b".repeat(58), &["c"]).len(), 63);
        // Exactly at the threshold: nothing is lost, the suffix is added.
        assert_eq!(
            primary_key(&"t".repeat(58)),
            format!("{}_pkey", "t".repeat(58))
        );
    }

    #[test]
    fn cuts_fall_on_char_boundaries() {
        let table = "é".repeat(40); // 80 bytes
        let name = primary_key(&table);
        assert!(name.len() <= 63);
        assert_eq!(name, format!("{}_pkey", "é".repeat(29)));
    }
}
