//! Database names as Payload's Postgres adapter makes them.
//!
//! Payload runs every slug and field name through the npm package `to-snake-case`, whose rules
//! are not heck's: a name that contains a separator (`_ - . :`) is *not* split at its capitals
//! (`_verificationToken` → `_verificationtoken`), and a run of capitals is split into single
//! letters (`thumbnailURL` → `thumbnail_u_r_l`). Real Payload databases carry those names, so
//! [`snake_case`] reproduces them rather than "fixing" them.

use std::collections::HashSet;

const PG_MAX: usize = crate::ir::MAX_IDENTIFIER_BYTES;
/// Payload's cap for the index and foreign key names it generates (leaves room for `_N`).
const GENERATED_MAX: usize = PG_MAX - 3;

/// `to-snake-case` as Payload calls it.
pub fn snake_case(name: &str) -> String {
    let spaced = if name.chars().any(char::is_whitespace) {
        name.to_lowercase()
    } else if name.chars().any(|c| matches!(c, '_' | '-' | '.' | ':')) {
        replace_separators(name).to_lowercase()
    } else if has_camel(name) {
        split_capitals(name).to_lowercase()
    } else {
        name.to_lowercase()
    };
    replace_separators(&spaced)
        .trim()
        .replace(char::is_whitespace, "_")
}

/// JavaScript's `\W`: anything but ASCII letters, digits and `_`.
fn is_js_non_word(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || c == '_')
}

/// `/[\W_]+(.|$)/g → ' ' + next`: every run of separators becomes one space (none at the end).
fn replace_separators(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if is_js_non_word(c) || c == '_' {
            while chars.peek().is_some_and(|&n| is_js_non_word(n) || n == '_') {
                chars.next();
            }
            if let Some(next) = chars.next() {
                out.push(' ');
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn has_camel(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).any(|w| {
        (w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
            || (w[0].is_ascii_uppercase() && w[1].is_ascii_lowercase())
    })
}

/// `/(.)([A-Z]+)/g → prev + ' ' + each capital, lowercased, space-separated`.
fn split_capitals(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let prev = chars[i];
        let run = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        if run > 0 {
            out.push(prev);
            for c in &chars[i + 1..=i + run] {
                out.push(' ');
                out.push(c.to_ascii_lowercase());
            }
            i += run + 1;
        } else {
            out.push(prev);
            i += 1;
        }
    }
    out
}

/// What Postgres keeps of a name longer than 63 bytes (it truncates silently, on a char boundary).
pub fn pg_truncate(name: &str) -> String {
    if name.len() <= PG_MAX {
        return name.to_string();
    }
    let mut end = PG_MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// The name Postgres gives a constraint it names itself (`<table>_pkey`, `<table>_<column>_check`):
/// the longer of the two parts is shortened until the whole fits (makeObjectName).
pub fn pg_object_name(table: &str, column: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(column.is_some());
    let avail = PG_MAX.saturating_sub(overhead);
    let (mut a, mut b) = (table.len(), column.map_or(0, str::len));
    while a + b > avail {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    let cut = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    match column {
        Some(column) => format!("{}_{}_{label}", cut(table, a), cut(column, b)),
        None => format!("{}_{label}", cut(table, a)),
    }
}

/// The index and foreign key names already taken in the whole system: Payload numbers a
/// second `x_idx` as `x_1_idx` (buildIndexName, buildForeignKeyName).
#[derive(Debug, Default)]
pub struct Registry {
    indexes: HashSet<String>,
    foreign_keys: HashSet<String>,
}

impl Registry {
    /// `buildIndexName`: `<name>[_N][_idx]`, the name cut to fit 60 bytes, numbered when taken.
    pub fn index(&mut self, name: &str, append_suffix: bool) -> String {
        Self::unique(
            &mut self.indexes,
            name,
            if append_suffix { "_idx" } else { "" },
        )
    }

    /// `buildForeignKeyName`: `<name>[_N]_fk`, cut and numbered like index names.
    pub fn foreign_key(&mut self, name: &str) -> String {
        Self::unique(&mut self.foreign_keys, name, "_fk")
    }

    fn unique(taken: &mut HashSet<String>, name: &str, suffix: &str) -> String {
        for number in 0.. {
            let suffix = match number {
                0 => suffix.to_string(),
                n => format!("_{n}{suffix}"),
            };
            let mut candidate = format!("{name}{suffix}");
            if candidate.len() > GENERATED_MAX {
                let mut end = GENERATED_MAX.saturating_sub(suffix.len()).min(name.len());
                while !name.is_char_boundary(end) {
                    end -= 1;
                }
                candidate = format!("{}{suffix}", &name[..end]);
            }
            if taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unbounded range always yields a free number")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_to_snake_case() {
        assert_eq!(snake_case("mood-entries"), "mood_entries");
        assert_eq!(snake_case("moodScore"), "mood_score");
        assert_eq!(snake_case("thumbnailURL"), "thumbnail_u_r_l");
        assert_eq!(snake_case("enableAPIKey"), "enable_a_p_i_key");
        assert_eq!(snake_case("_verificationToken"), "verificationtoken");
        assert_eq!(snake_case("my-fieldName"), "my_fieldname");
        assert_eq!(snake_case("users"), "users");
        assert_eq!(snake_case("Mixed Case"), "mixed_case");
        assert_eq!(snake_case("focalX"), "focal_x");
    }

    #[test]
    fn generated_names_are_cut_and_numbered() {
        let mut r = Registry::default();
        assert_eq!(r.index("posts_title", true), "posts_title_idx");
        assert_eq!(r.index("posts_title", true), "posts_title_1_idx");
        let long = "a".repeat(70);
        let name = r.index(&long, true);
        assert_eq!(name.len(), 60);
        assert!(name.ends_with("a_idx"));
        assert_eq!(r.foreign_key("posts_rels_parent"), "posts_rels_parent_fk");
    }

    #[test]
    fn postgres_names_fit() {
        assert_eq!(pg_object_name("users", None, "pkey"), "users_pkey");
        let long = "t".repeat(70);
        assert_eq!(pg_object_name(&long, None, "pkey").len(), 63);
        assert_eq!(
            pg_object_name(&long, Some("score"), "check"),
            format!("{}_score_check", "t".repeat(51))
        );
        assert_eq!(pg_truncate(&long).len(), 63);
    }
}
