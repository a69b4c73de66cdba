//! What the code targets (Rust, TypeScript) share: case conversion to plain ASCII
//! identifiers, names that stay unique after conversion (`user_profile` and `UserProfile` both
//! want `UserProfile`), doc comment lines, and the one error they can meet.
//!
//! Collisions are settled by declaration order, so output depends on nothing but the IR: the
//! first comer keeps its name, later ones get a suffix and a doc line saying why.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Column, QualifiedName, ScalarType, System, Table};
use heck::{ToSnakeCase, ToUpperCamelCase};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;

/// `UpperCamelCase`, for types and enum variants.
pub fn camel(name: &str) -> String {
    identifier(ascii_words(name).to_upper_camel_case(), "Unnamed")
}

/// `snake_case`, for fields.
pub fn snake(name: &str) -> String {
    identifier(ascii_words(name).to_snake_case(), "unnamed")
}

/// Non-ASCII characters become word breaks: not every Unicode letter may start or continue
/// an identifier in Rust or TypeScript, and the database name is kept anyway.
fn ascii_words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii() { c } else { ' ' })
        .collect()
}

/// Case conversion leaves only ASCII letters, digits and underscores; an identifier may
/// still not start with a digit, and may be empty (a name of punctuation only).
fn identifier(converted: String, fallback: &str) -> String {
    match converted.chars().next() {
        None => fallback.into(),
        Some(c) if c.is_ascii_digit() => format!("_{converted}"),
        Some(_) => converted,
    }
}

/// A type as its pieces, `open` + `name` + `close` (`Option<` `String` `>`): laid out piece by
/// piece, so a nullable or array column's type is never built as a `String` of its own; a
/// template sees the whole text.
#[derive(Debug, Clone, Copy)]
pub struct Wrapped<'a> {
    pub open: &'static str,
    pub name: &'a str,
    pub close: &'static str,
}

impl Wrapped<'_> {
    pub fn push_to(&self, out: &mut String) {
        out.push_str(self.open);
        out.push_str(self.name);
        out.push_str(self.close);
    }
}

impl std::fmt::Display for Wrapped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.open)?;
        f.write_str(self.name)?;
        f.write_str(self.close)
    }
}

impl serde::Serialize for Wrapped<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The names already given out in one scope (a module, a struct's fields, an enum's variants).
#[derive(Debug, Default)]
pub struct Scope {
    /// The reserved names borrowed, the claimed ones owned.
    taken: FxHashSet<Cow<'static, str>>,
}

impl Scope {
    /// A scope where `reserved` (names the output already uses) are never handed out.
    pub fn with_reserved(reserved: &[&'static str]) -> Self {
        let mut scope = Self::default();
        scope.reset(reserved);
        scope
    }

    /// Empty again but for `reserved`, keeping its room: a struct's fields are claimed in a
    /// scope of their own, one struct after another.
    pub fn reset(&mut self, reserved: &[&'static str]) {
        self.taken.clear();
        self.taken
            .extend(reserved.iter().map(|r| Cow::Borrowed(*r)));
    }

    /// Room for `names` more: a module's names (three a table in TypeScript) claimed into a
    /// set grown by rehashing touched its pages twice over.
    pub fn reserve(&mut self, names: usize) {
        self.taken.reserve(names);
    }

    /// `base` if free, else `base + suffix`, else `base + suffix + 2`, `3`, …
    pub fn claim(&mut self, base: &str, suffix: &str) -> String {
        self.claim_cow(base, suffix).into_owned()
    }

    /// [`Scope::claim`], borrowing `base` when it is free (the common case: one copy, the
    /// scope's, instead of two per column).
    pub fn claim_cow<'b>(&mut self, base: &'b str, suffix: &str) -> Cow<'b, str> {
        if !self.taken.contains(base) {
            self.taken.insert(Cow::Owned(base.to_string()));
            return Cow::Borrowed(base);
        }
        Cow::Owned(self.claim_group(base, suffix, &[""]))
    }

    /// Like [`Scope::claim`], for a name that brings companions (`Post` with `PostInsert` and
    /// `PostUpdate`): the first candidate whose every companion is free wins them all.
    pub fn claim_group(&mut self, base: &str, suffix: &str, companions: &[&str]) -> String {
        let candidates = std::iter::once(base.to_string())
            .chain(std::iter::once_with(|| format!("{base}{suffix}")))
            .chain((2..).map(|n| format!("{base}{suffix}{n}")));
        for candidate in candidates {
            let names: Vec<String> = companions
                .iter()
                .map(|c| format!("{candidate}{c}"))
                .collect();
            if names.iter().all(|n| !self.taken.contains(n.as_str())) {
                self.taken.extend(names.into_iter().map(Cow::Owned));
                return candidate;
            }
        }
        unreachable!("the numbered candidates never run out")
    }
}

/// The enums' type names, claimed in declaration order, and each one's by the enum's
/// database name (how a column's type names it).
pub struct EnumNames<'a> {
    /// In `system.enums` order.
    pub names: Vec<String>,
    by_db_name: FxHashMap<&'a QualifiedName, usize>,
}

impl<'a> EnumNames<'a> {
    pub fn claim(scope: &mut Scope, system: &'a System) -> Self {
        let names = system
            .enums
            .iter()
            .map(|e| scope.claim(&camel(&e.name), "Enum"))
            .collect();
        let by_db_name = system
            .enums
            .iter()
            .enumerate()
            .map(|(i, e)| (&e.db_name, i))
            .collect();
        Self { names, by_db_name }
    }

    pub fn get(&self, db_name: &QualifiedName) -> Option<&str> {
        self.by_db_name
            .get(db_name)
            .map(|&i| self.names[i].as_str())
    }
}

/// Doc comment lines: the comment as written, and a note when the item could not keep the
/// name its logical name converts to (so a surprising `UsersRow` explains itself).
pub fn doc_lines(comment: Option<&str>, name: &str, logical: &str) -> Vec<String> {
    // A line ends at `\n`, `\r\n` or a lone `\r`, as editors show it.
    let mut lines: Vec<String> = comment
        .map(|c| c.replace("\r\n", "\n").replace('\r', "\n"))
        .iter()
        .flat_map(|c| c.lines())
        .map(|l| visible_in_comment(l.trim_end()))
        .collect();
    // Columns pass no logical name: no case conversion for them (one per column adds up).
    let wanted = (!logical.is_empty()).then(|| camel(logical));
    if let Some(wanted) = wanted.filter(|wanted| name != wanted) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!(
            "Named `{name}`: `{wanted}` (from `{logical}`) is already in use."
        ));
    }
    lines
}

/// A comment line as the code targets can hold it: rustc refuses a bare carriage return in a
/// doc comment and (deny by default) a text direction character; other invisible characters
/// would make the line read differently. Each becomes its escape (`\u{202e}`).
fn visible_in_comment(line: &str) -> String {
    crate::diagnostics::visible(line).into_owned()
}

/// A column whose enum type the system does not define (validation should have said so).
pub fn unknown_enum(table: &Table, column: &Column) -> Box<Diagnostic> {
    let name = match &column.ty.scalar {
        ScalarType::Enum { name } => format!("{}.{}", name.schema, name.name),
        _ => String::new(),
    };
    Box::new(
        Diagnostic::error(
            Code::UnknownType,
            column.span,
            format!(
                "column `{}` has the enum type `{name}`, which this system does not define",
                column.db_name
            ),
        )
        .at_path(format!("{}.{}", table.name, column.name))
        .with_help("declare the enum in the same system, or give the field another type"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_yields_ascii_identifiers() {
        assert_eq!(camel("content_status"), "ContentStatus");
        assert_eq!(camel("mood-entries"), "MoodEntries");
        assert_eq!(camel("1st-place"), "_1stPlace");
        assert_eq!(camel("größe"), "GrE");
        assert_eq!(camel("!!"), "Unnamed");
        assert_eq!(snake("!!"), "unnamed");
        assert_eq!(snake("createdAt"), "created_at");
        assert_eq!(snake("HTTPStatus"), "http_status");
        assert_eq!(snake("a_é_b"), "a_b");
    }

    #[test]
    fn first_comer_keeps_the_name() {
        let mut scope = Scope::with_reserved(&["Option"]);
        assert_eq!(scope.claim("UserProfile", "Row"), "UserProfile");
        assert_eq!(scope.claim("UserProfile", "Row"), "UserProfileRow");
        assert_eq!(scope.claim("UserProfile", "Row"), "UserProfileRow2");
        assert_eq!(scope.claim("Option", "Row"), "OptionRow");
        assert_eq!(scope.claim("Draft", ""), "Draft");
        assert_eq!(scope.claim("Draft", ""), "Draft2");
    }

    #[test]
    fn companions_are_claimed_together() {
        let mut scope = Scope::default();
        assert_eq!(
            scope.claim_group("PostInsert", "Row", &["", "Insert"]),
            "PostInsert"
        );
        // `Post` would need `PostInsert`, already the first table's.
        assert_eq!(scope.claim_group("Post", "Row", &["", "Insert"]), "PostRow");
        assert_eq!(scope.claim("PostRowInsert", ""), "PostRowInsert2");
    }
}
