//! Opt-in deterministic shortening of identifiers over Postgres's 63 bytes
//! (`identifiers: shorten` in schemagen.yaml). Without it an over-long name is an error (E0202).
//!
//! A shortened name keeps its head and ends in `_` + an 8-digit hash of the full name, so it
//! is stable across runs and machines and two long names with the same head stay distinct.
//! Every reference is renamed with it: foreign keys, keys, index columns, enum column types,
//! seed rows, and whole-word occurrences in raw SQL (checks, partial-index predicates, index
//! expressions).

use super::{IndexPart, ScalarType, System, MAX_IDENTIFIER_BYTES};
use std::collections::HashMap;

/// `name` when it fits in 63 bytes; otherwise its head and a stable hash of the whole.
pub fn fit(name: String) -> String {
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name;
    }
    let mut cut = MAX_IDENTIFIER_BYTES - 9;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{:08x}", &name[..cut], fnv1a(name.as_bytes()))
}

/// FNV-1a, 32 bits: tiny and stable across platforms and releases (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash: u32, b| {
        (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// Shortens every over-long name in `system` and every reference to it.
pub fn shorten_identifiers(system: &mut System) {
    let mut renamed_types = HashMap::new();
    for e in &mut system.enums {
        let short = fit(e.db_name.name.clone());
        if short != e.db_name.name {
            renamed_types.insert(e.db_name.clone(), short.clone());
            e.db_name.name = short;
        }
    }
    let mut renamed_tables = HashMap::new();
    let mut renamed_columns = HashMap::new();
    for t in &mut system.tables {
        let original = t.db_name.clone();
        let mut columns = HashMap::new();
        for c in &mut t.columns {
            if let ScalarType::Enum { name } = &mut c.ty.scalar {
                if let Some(short) = renamed_types.get(name) {
                    name.name = short.clone();
                }
            }
            let short = fit(c.db_name.clone());
            if short != c.db_name {
                columns.insert(std::mem::replace(&mut c.db_name, short.clone()), short);
            }
        }
        rename_within_table(t, &columns);
        let short = fit(t.db_name.name.clone());
        if short != t.db_name.name {
            t.db_name.name = short.clone();
            renamed_tables.insert(original.clone(), short);
        }
        if !columns.is_empty() {
            renamed_columns.insert(original, columns);
        }
    }
    for t in &mut system.tables {
        for fk in &mut t.foreign_keys {
            if let Some(columns) = renamed_columns.get(&fk.referenced_table) {
                rename_all(&mut fk.referenced_columns, columns);
            }
            if let Some(short) = renamed_tables.get(&fk.referenced_table) {
                fk.referenced_table.name = short.clone();
            }
        }
    }
    for seed in &mut system.seed {
        if let Some(columns) = renamed_columns.get(&seed.table) {
            rename_all(&mut seed.columns, columns);
        }
        if let Some(short) = renamed_tables.get(&seed.table) {
            seed.table.name = short.clone();
        }
    }
}

/// Constraint and index names, and this table's own column references.
fn rename_within_table(t: &mut super::Table, columns: &HashMap<String, String>) {
    if let Some(pk) = &mut t.primary_key {
        pk.db_name = fit(std::mem::take(&mut pk.db_name));
        rename_all(&mut pk.columns, columns);
    }
    for fk in &mut t.foreign_keys {
        fk.db_name = fit(std::mem::take(&mut fk.db_name));
        rename_all(&mut fk.columns, columns);
    }
    for check in &mut t.checks {
        check.db_name = fit(std::mem::take(&mut check.db_name));
        check.expression = rename_in_sql(&check.expression, columns);
    }
    for index in &mut t.indexes {
        index.db_name = fit(std::mem::take(&mut index.db_name));
        if let Some(predicate) = &mut index.predicate {
            *predicate = rename_in_sql(predicate, columns);
        }
        for part in &mut index.parts {
            match part {
                IndexPart::Column { name, .. } => {
                    if let Some(short) = columns.get(name) {
                        *name = short.clone();
                    }
                }
                IndexPart::Expression { sql } => *sql = rename_in_sql(sql, columns),
            }
        }
    }
}

fn rename_all(names: &mut [String], renamed: &HashMap<String, String>) {
    for name in names {
        if let Some(short) = renamed.get(name.as_str()) {
            *name = short.clone();
        }
    }
}

/// Replaces whole-word occurrences of renamed columns in raw SQL. Names over 63 bytes are
/// far too long to be keywords or other identifiers, so a whole-word match is unambiguous.
fn rename_in_sql(sql: &str, renamed: &HashMap<String, String>) -> String {
    if renamed.is_empty() {
        return sql.to_string();
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find(is_word) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !is_word(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        out.push_str(renamed.get(word).map_or(word, String::as_str));
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_get_a_stable_hash_and_short_ones_stay() {
        assert_eq!(fit("users".into()), "users");
        let long =
            "creator_programs_mentorship_program_configuration_mentor_matching_preference_criteria";
        let short = fit(long.into());
        assert_eq!(short.len(), MAX_IDENTIFIER_BYTES);
        assert_eq!(short, fit(long.into()), "stable");
        assert_ne!(
            short,
            fit(format!("{long}_2")),
            "distinct heads stay distinct"
        );
        assert!(short.starts_with("creator_programs_mentorship_program_configuration_"));
    }

    #[test]
    fn raw_sql_is_renamed_by_whole_words_only() {
        let renamed = HashMap::from([("a_very_long_column".to_string(), "short".to_string())]);
        let sql =
            "a_very_long_column >= 0 AND \"a_very_long_column_2\" > 1 AND x_a_very_long_column = 2";
        assert_eq!(
            rename_in_sql(sql, &renamed),
            "short >= 0 AND \"a_very_long_column_2\" > 1 AND x_a_very_long_column = 2"
        );
    }
}
