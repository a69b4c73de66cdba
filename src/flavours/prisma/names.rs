//! Prisma's default constraint and index names, shortened the way Prisma shortens them.
//!
//! Verified against prisma-engines `psl/psl-core/src/datamodel_connector/constraint_names.rs`:
//! names are built from *database* names (table and columns), and a name that would
//! reach Postgres's 63-byte limit has its `<table>_<columns>` part cut (on a char
//! boundary) so that, with the suffix, it is at most 63 bytes.

/// Postgres's identifier limit, Prisma's `max_identifier_length()` for Postgres.
const LIMIT: usize = crate::ir::MAX_IDENTIFIER_BYTES;

/// `<table>_pkey`.
pub fn primary_key(table: &str) -> String {
    let mut base = String::with_capacity(table.len() + "_pkey".len());
    base.push_str(table);
    with_suffix(base, "_pkey")
}

/// `<table>_<columns>_key`: `@unique` / `@@unique`, made as unique indexes.
pub fn unique(table: &str, columns: &[&str]) -> String {
    with_suffix(joined(table, columns, "_key"), "_key")
}

/// `<table>_<columns>_idx`: `@@index`.
pub fn index(table: &str, columns: &[&str]) -> String {
    with_suffix(joined(table, columns, "_idx"), "_idx")
}

/// `<table>_<columns>_fkey`, on the referencing table and columns.
pub fn foreign_key(table: &str, columns: &[&str]) -> String {
    with_suffix(joined(table, columns, "_fkey"), "_fkey")
}

/// `<table>_<columns joined by _>`, with room for the suffix: pushed into one allocation,
/// not formatted (`format!` and `join` cost ~1,000 instructions a name, three names a model).
fn joined(table: &str, columns: &[&str], suffix: &str) -> String {
    // Each column with the `_` before it, and one `_` more for a list without columns.
    let columns_len: usize = columns.iter().map(|c| c.len() + 1).sum();
    let mut base = String::with_capacity(table.len() + columns_len + 1 + suffix.len());
    base.push_str(table);
    base.push('_');
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            base.push('_');
        }
        base.push_str(column);
    }
    base
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
/// model names sorted, cut to 63 characters. Verified against prisma-engines
/// `RelationName::generated` (psl/parser-database) and the schema engine's
/// `push_relation_tables` (sql_schema_calculator.rs).
pub fn join_table(relation_name: Option<&str>, a: &str, b: &str) -> String {
    let name = match relation_name {
        Some(name) => format!("_{name}"),
        None => format!("_{a}To{b}"),
    };
    name.chars().take(LIMIT).collect()
}

/// The join table's primary key on (A, B). Prisma 6 names it `<table>_AB_pkey`; the cut
/// follows `push_relation_tables`' rule for its other names (keep 63 minus the suffix, in characters).
pub fn join_primary_key(table: &str) -> String {
    join_suffixed(table, "_AB_pkey")
}

/// The join table's index on B: `<table>_B_index` (`push_relation_tables`).
pub fn join_index(table: &str) -> String {
    join_suffixed(table, "_B_index")
}

/// The join table's foreign keys: `<table>_A_fkey` / `<table>_B_fkey`, the table name cut to
/// 56 bytes first (`push_relation_tables`: 63 - `_fkey` - 2).
pub fn join_foreign_key(table: &str, column: &str) -> String {
    let mut cut = (LIMIT - "_fkey".len() - 2).min(table.len());
    while !table.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{column}_fkey", &table[..cut])
}

fn join_suffixed(table: &str, suffix: &str) -> String {
    let kept: String = table.chars().take(LIMIT - suffix.len()).collect();
    kept + suffix
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
        // No columns (`@@index([])`, reported elsewhere): the `_` before them stays.
        assert_eq!(index("t", &[]), "t__idx");
        assert_eq!(join_table(None, "Post", "Tag"), "_PostToTag");
        assert_eq!(join_table(Some("Likes"), "Post", "User"), "_Likes");
        assert_eq!(join_primary_key("_PostToTag"), "_PostToTag_AB_pkey");
        assert_eq!(join_index("_PostToTag"), "_PostToTag_B_index");
        assert_eq!(join_foreign_key("_PostToTag", "A"), "_PostToTag_A_fkey");
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
    fn long_join_table_names_are_cut_like_prisma() {
        let table = join_table(Some(&"R".repeat(70)), "A", "B");
        assert_eq!(table.len(), 63);
        assert_eq!(
            join_primary_key(&table),
            format!("_{}_AB_pkey", "R".repeat(54))
        );
        assert_eq!(join_index(&table), format!("_{}_B_index", "R".repeat(54)));
        assert_eq!(
            join_foreign_key(&table, "B"),
            format!("_{}_B_fkey", "R".repeat(55))
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
