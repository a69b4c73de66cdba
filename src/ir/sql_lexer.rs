//! The one small lexer every raw SQL field of a schema passes through: partial-index
//! `where:`, CHECK expressions, index `expression:`, access `sql:` rules and
//! `dbgenerated(...)` defaults are SQL by design and are pasted into migrations as written,
//! so each must be exactly one expression that cannot end its statement early.
//!
//! It knows just enough of PostgreSQL's lexical rules to find where strings, quoted
//! identifiers, dollar quotes and comments begin and end (`scan.l`): `'…'` with `''`, `E'…'`
//! with backslash escapes, `"…"` with `""`, `$$…$$` and `$tag$…$tag$`. Outside them it refuses
//! a `;`, a comment, a `,` at the top level, brackets that do not pair up and a NUL. It is not a
//! parser: anything else that is not SQL is left for Postgres to refuse, inside its statement.

/// Where the text is pasted, which decides what may follow it in the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside parentheses or at the end of its statement (`CHECK (…)`, `WHERE …`, `USING (…)`).
    Expression,
    /// After `DEFAULT` in a column definition, where column constraints may follow.
    Default,
}

/// Why a text is not one expression, and the byte offset where that shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub offset: usize,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Empty,
    Semicolon,
    Comment,
    TopLevelComma,
    Nul,
    /// An opening quote or bracket that is never closed (`'`, `"`, `$tag$`, `(`, `[`).
    Unclosed(String),
    /// A closing bracket without its opening one, or closing another kind.
    Unopened(char),
    /// A plain string whose end moves when `standard_conforming_strings` is off (`'a\'`).
    BackslashQuote,
    /// A column constraint keyword after a default (`0 NOT NULL`, `0 REFERENCES t`).
    Constraint(String),
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Empty => f.write_str("it is empty"),
            What::Semicolon => f.write_str("a `;` would end the statement"),
            What::Comment => f.write_str("a comment (`--` or `/*`) would swallow what follows it"),
            What::TopLevelComma => f.write_str("a `,` outside brackets would start another item"),
            What::Nul => f.write_str("it holds a NUL character"),
            What::Unclosed(open) => write!(f, "`{open}` is never closed"),
            What::Unopened(close) => write!(f, "`{close}` closes nothing"),
            What::BackslashQuote => f.write_str(
                "a backslash before a quote in a plain string reads differently when \
                 standard_conforming_strings is off",
            ),
            What::Constraint(word) => write!(
                f,
                "`{word}` after the default would add a column constraint"
            ),
        }
    }
}

/// `Ok` when `sql` is one expression for `place`, as far as tokens tell.
pub fn check(sql: &str, place: Place) -> Result<(), Problem> {
    let fail = |offset, what| Err(Problem { offset, what });
    if sql.trim().is_empty() {
        return fail(0, What::Empty);
    }
    // Postgres refuses a NUL anywhere in a statement, strings included.
    if let Some(at) = sql.find('\0') {
        return fail(at, What::Nul);
    }
    let bytes = sql.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    // The last two words at the top level, for `NOT NULL` after a default.
    let mut words: [&str; 2] = ["", ""];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match b {
            b'\'' => i = plain_string(bytes, i)?,
            b'"' => i = quoted(bytes, i, b'"').ok_or(unclosed(i, "\""))?,
            b'$' => i = dollar(sql, i)?,
            b'-' if next == Some(b'-') => return fail(i, What::Comment),
            b'/' if next == Some(b'*') => return fail(i, What::Comment),
            b';' => return fail(i, What::Semicolon),
            b',' if open.is_empty() => return fail(i, What::TopLevelComma),
            b'(' | b'[' => {
                open.push((b, i));
                i += 1;
            }
            b')' | b']' => {
                let opener = if b == b')' { b'(' } else { b'[' };
                match open.pop() {
                    Some((o, _)) if o == opener => i += 1,
                    _ => return fail(i, What::Unopened(b as char)),
                }
            }
            b'0'..=b'9' => i = word_end(bytes, i),
            _ if starts_word(b) => {
                let end = word_end(bytes, i);
                let word = &sql[i..end];
                if bytes.get(end) == Some(&b'\'') && word.eq_ignore_ascii_case("e") {
                    i = escape_string(bytes, end).ok_or(unclosed(i, "E'"))?;
                    continue;
                }
                if open.is_empty() && place == Place::Default {
                    if let Some(what) = constraint(words, word) {
                        return fail(i, what);
                    }
                    words = [words[1], word];
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    match open.pop() {
        Some((b, at)) => fail(at, What::Unclosed((b as char).to_string())),
        None => Ok(()),
    }
}

fn unclosed(offset: usize, open: &str) -> Problem {
    Problem {
        offset,
        what: What::Unclosed(open.to_string()),
    }
}

/// Keywords that can only start a column constraint, never continue an expression.
const CONSTRAINT_WORDS: &[&str] = &[
    "constraint",
    "check",
    "default",
    "unique",
    "primary",
    "references",
    "generated",
];

fn constraint(before: [&str; 2], word: &str) -> Option<What> {
    let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    let keyword = CONSTRAINT_WORDS.iter().any(|k| is(word, k))
        // `x IS NOT NULL` is an expression; `0 NOT NULL` is a constraint.
        || (is(word, "null") && is(before[1], "not") && !is(before[0], "is"));
    keyword.then(|| What::Constraint(word.to_string()))
}

/// Identifiers and keywords start with a letter, `_` or any non-ASCII character.
fn starts_word(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// The end of a word or number: letters, digits, `_`, `$` (inside identifiers) and `.` in numbers.
fn word_end(bytes: &[u8], start: usize) -> usize {
    let number = bytes[start].is_ascii_digit();
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        let continues = b.is_ascii_alphanumeric()
            || b == b'_'
            || b == b'$'
            || b >= 0x80
            || (number && b == b'.');
        if !continues {
            break;
        }
        i += 1;
    }
    i
}

/// The end of a `'…'` string. It must end at the same quote whether or not the server treats
/// backslashes as escapes: else a `;` we read inside it could be outside for the server.
fn plain_string(bytes: &[u8], start: usize) -> Result<usize, Problem> {
    let standard = quoted(bytes, start, b'\'').ok_or(unclosed(start, "'"))?;
    if escape_string(bytes, start) != Some(standard) {
        return Err(Problem {
            offset: start,
            what: What::BackslashQuote,
        });
    }
    Ok(standard)
}

/// The end (one past the closing quote) of a string or identifier quoted by `quote`, doubled inside.
fn quoted(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// The end of an `E'…'` string (`start` at its quote), where a backslash escapes the next byte.
fn escape_string(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// After a `$`: a dollar-quoted string (`$$…$$`, `$tag$…$tag$`), a parameter (`$1`), or a lone `$`.
fn dollar(sql: &str, start: usize) -> Result<usize, Problem> {
    let bytes = sql.as_bytes();
    let tag_end = (start + 1..bytes.len()).find(|&i| {
        let b = bytes[i];
        !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
    });
    let starts_like_tag = bytes
        .get(start + 1)
        .is_some_and(|&b| b == b'$' || starts_word(b));
    match tag_end {
        Some(end) if starts_like_tag && bytes[end] == b'$' => {
            let tag = &sql[start..=end];
            let body = end + 1;
            sql[body..]
                .find(tag)
                .map(|at| body + at + tag.len())
                .ok_or(unclosed(start, tag))
        }
        _ => Ok(word_end(bytes, start)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what(sql: &str) -> Option<What> {
        check(sql, Place::Expression).err().map(|p| p.what)
    }

    #[test]
    fn legal_expressions_pass() {
        for sql in [
            "price > 0",
            "status IN ('a;b', 'it''s', E'\\';x')",
            "to_tsvector('english', title)",
            "(a + (b * 2)) > c[1]",
            "name <> $$x; -- y$$",
            "name <> $body$ ); $$ $body$",
            "\"odd;\"\"name\" IS NOT NULL",
            "regexp_like(email, '^\\S+@\\S+$')",
            "a$b > 1.5e3",
            "count / 2 = 1",
            "x = U&'d\\0061t'",
        ] {
            assert_eq!(check(sql, Place::Expression), Ok(()), "{sql}");
        }
        for sql in [
            "gen_random_uuid()",
            "now() + interval '1 day'",
            "x IS NOT NULL",
            "NULL",
        ] {
            assert_eq!(check(sql, Place::Default), Ok(()), "{sql}");
        }
    }

    #[test]
    fn statement_enders_are_refused_where_they_start() {
        let sql = "true; DROP TABLE x; --";
        assert_eq!(
            check(sql, Place::Expression),
            Err(Problem {
                offset: 4,
                what: What::Semicolon
            })
        );
        assert_eq!(what("true -- x"), Some(What::Comment));
        assert_eq!(what("true /* x */"), Some(What::Comment));
        assert_eq!(what("a, b"), Some(What::TopLevelComma));
        assert_eq!(what("x = '\0'"), Some(What::Nul));
        assert_eq!(what("x\0"), Some(What::Nul));
    }

    #[test]
    fn unbalanced_quotes_and_brackets_are_refused() {
        assert_eq!(what("x = 'open"), Some(What::Unclosed("'".into())));
        assert_eq!(what("x = E'\\'"), Some(What::Unclosed("E'".into())));
        assert_eq!(what("\"open"), Some(What::Unclosed("\"".into())));
        assert_eq!(what("$a$ x $b$"), Some(What::Unclosed("$a$".into())));
        assert_eq!(what("(a"), Some(What::Unclosed("(".into())));
        assert_eq!(what("true) OR (true"), Some(What::Unopened(')')));
        assert_eq!(what("(a]"), Some(What::Unopened(']')));
    }

    #[test]
    fn a_string_must_end_the_same_with_and_without_backslash_escapes() {
        // With standard_conforming_strings off, the server reads `'\' , '` as one string and
        // `;DROP…` as a statement.
        assert_eq!(
            what("'\\' , ';DROP TABLE x;--'"),
            Some(What::BackslashQuote)
        );
        assert_eq!(what("x = 'C:\\\\'"), None);
    }

    #[test]
    fn a_default_cannot_carry_constraints() {
        let of = |sql| check(sql, Place::Default).err().map(|p| p.what);
        assert_eq!(of("0 NOT NULL"), Some(What::Constraint("NULL".into())));
        assert_eq!(
            of("0 references t"),
            Some(What::Constraint("references".into()))
        );
        assert_eq!(
            of("0 PRIMARY KEY"),
            Some(What::Constraint("PRIMARY".into()))
        );
        assert_eq!(of("0, extra int"), Some(What::TopLevelComma));
        assert_eq!(of("coalesce(null, 0)"), None);
    }
}
