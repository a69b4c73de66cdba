//! SQL scripts as Postgres reads them: statements split where `psql` would split them, and
//! grouped into the transaction segments a migration runs in.
//!
//! A migration file is run statement by statement (as `psql -f` does), never as one string:
//! `CREATE INDEX CONCURRENTLY` and `ALTER TYPE … ADD VALUE` must not share an implicit
//! transaction with other statements, and a failure must name the statement that failed.

/// One statement of a script, without its trailing `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    /// 1-based line of the statement's first character in the script.
    pub line: usize,
}

/// Consecutive statements that commit together: a `BEGIN … COMMIT` block, or one statement
/// run on its own (autocommit), such as `CREATE INDEX CONCURRENTLY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Whether the statements are wrapped in `BEGIN`/`COMMIT` (which `statements` leaves out).
    pub transaction: bool,
    pub statements: Vec<Statement>,
}

/// Splits `sql` at top-level semicolons. Quotes (`'…'`, `E'…'`, `"…"`), dollar quotes
/// (`$$…$$`, `$tag$…$tag$`), `--` comments and nested `/* */` comments are skipped over;
/// statements that hold nothing but comments and whitespace are dropped.
pub fn statements(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i, mut line, mut start_line) = (0, 0, 1, 1);
    let mut has_code = false;
    while i < bytes.len() {
        let c = bytes[i];
        let skipped_to = match c {
            b'\'' => Some(quoted(bytes, i, b'\'', escapes_backslash(bytes, i))),
            b'"' => Some(quoted(bytes, i, b'"', false)),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                Some(memchr(bytes, i, b'\n').unwrap_or(bytes.len()))
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => Some(block_comment(bytes, i)),
            b'$' => dollar_quoted(bytes, i),
            _ => None,
        };
        let is_comment = matches!(c, b'-' | b'/') && skipped_to.is_some();
        if let Some(end) = skipped_to {
            if !is_comment && !has_code {
                has_code = true;
                start_line = line;
            }
            line += bytes[i..end].iter().filter(|b| **b == b'\n').count();
            i = end;
            continue;
        }
        match c {
            b';' => {
                if has_code {
                    out.push(Statement {
                        sql: sql[start..i].trim().to_string(),
                        line: start_line,
                    });
                }
                has_code = false;
                start = i + 1;
            }
            b'\n' => line += 1,
            c if !c.is_ascii_whitespace() && !has_code => {
                has_code = true;
                start_line = line;
            }
            _ => {}
        }
        i += 1;
    }
    if has_code {
        out.push(Statement {
            sql: sql[start..].trim().to_string(),
            line: start_line,
        });
    }
    out
}

/// Groups statements into segments: `BEGIN` … `COMMIT` (or `END`) is one transactional segment;
/// every statement outside such a block is a segment of its own. An unterminated block ends
/// at the end of the script, as a transactional segment (committing it is the caller's call).
pub fn segments(statements: Vec<Statement>) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut block: Option<Vec<Statement>> = None;
    for statement in statements {
        let keyword = first_word(&statement.sql);
        match (&mut block, keyword.as_str()) {
            (None, "BEGIN" | "START") => block = Some(Vec::new()),
            (Some(_), "COMMIT" | "END") => out.push(Segment {
                transaction: true,
                statements: block.take().unwrap_or_default(),
            }),
            (Some(inner), _) => inner.push(statement),
            (None, _) => out.push(Segment {
                transaction: false,
                statements: vec![statement],
            }),
        }
    }
    if let Some(inner) = block {
        out.push(Segment {
            transaction: true,
            statements: inner,
        });
    }
    out
}

/// The first keyword of a statement, upper-cased, after any leading comments.
pub fn first_word(sql: &str) -> String {
    let mut rest = sql.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if rest.starts_with("/*") {
            let end = block_comment(rest.as_bytes(), 0);
            rest = rest[end..].trim_start();
        } else {
            break;
        }
    }
    rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

fn memchr(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|b| *b == needle)
        .map(|p| from + p)
}

/// `E'…'` (or `e'…'`) strings take backslash escapes; plain ones do not
/// (`standard_conforming_strings` is on since Postgres 9.1).
fn escapes_backslash(bytes: &[u8], quote: usize) -> bool {
    quote > 0
        && matches!(bytes[quote - 1], b'E' | b'e')
        && (quote < 2 || !(bytes[quote - 2].is_ascii_alphanumeric() || bytes[quote - 2] == b'_'))
}

/// The index just past the closing quote of the quoted text starting at `open`; a doubled
/// quote stands for one. An unterminated quote runs to the end.
fn quoted(bytes: &[u8], open: usize, quote: u8, backslash: bool) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash => i += 2,
            c if c == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past the end of a (nested) `/* … */` comment starting at `open`.
fn block_comment(bytes: &[u8], open: usize) -> usize {
    let (mut depth, mut i) = (0usize, open);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past the end of a dollar-quoted string starting at `open`, or `None` when the `$` starts
/// no dollar quote (a parameter `$1`, or part of an identifier such as `a$b`).
fn dollar_quoted(bytes: &[u8], open: usize) -> Option<usize> {
    if open > 0 && (bytes[open - 1].is_ascii_alphanumeric() || bytes[open - 1] == b'_') {
        return None;
    }
    let tag_end = open
        + 1
        + bytes[open + 1..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))?;
    if bytes[tag_end] != b'$' || bytes.get(open + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &bytes[open..=tag_end];
    let body = tag_end + 1;
    let close = bytes[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map_or(bytes.len(), |p| body + p + tag.len());
    Some(close)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        statements(sql).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let sql = "CREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s; fine');\n\
                   -- a comment; with a semicolon\n\
                   /* block; /* nested; */ still; */ SELECT E'\\';';\n\
                   DO $body$ BEGIN RAISE NOTICE 'x;y'; END $body$;\n\
                   SELECT $$a;b$$, $1;";
        assert_eq!(
            texts(sql),
            [
                "CREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s; fine')",
                "-- a comment; with a semicolon\n/* block; /* nested; */ still; */ SELECT E'\\';'",
                "DO $body$ BEGIN RAISE NOTICE 'x;y'; END $body$",
                "SELECT $$a;b$$, $1",
            ]
        );
    }

    #[test]
    fn lines_count_from_the_first_code_not_the_comments_before_it() {
        let sql = "-- header\n\nBEGIN;\n\n-- CreateTable\nCREATE TABLE t (\n  id INT\n);\nCOMMIT;\n-- trailing comment only\n";
        let found: Vec<(String, usize)> = statements(sql)
            .into_iter()
            .map(|s| (first_word(&s.sql), s.line))
            .collect();
        assert_eq!(
            found,
            [
                ("BEGIN".to_string(), 3),
                ("CREATE".to_string(), 6),
                ("COMMIT".to_string(), 9)
            ]
        );
    }

    #[test]
    fn segments_follow_begin_and_commit() {
        let sql = "ALTER TYPE t ADD VALUE 'x';\nBEGIN;\nCREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\nCOMMIT;\n\
                   CREATE INDEX CONCURRENTLY i ON a (id);\nBEGIN;\nALTER TABLE a ADD COLUMN c INT;";
        let shape: Vec<(bool, usize)> = segments(statements(sql))
            .iter()
            .map(|s| (s.transaction, s.statements.len()))
            .collect();
        assert_eq!(shape, [(false, 1), (true, 2), (false, 1), (true, 1)]);
    }

    #[test]
    fn unterminated_quotes_and_comments_do_not_panic() {
        for sql in [
            "SELECT 'abc",
            "SELECT \"abc",
            "/* abc",
            "SELECT $x$ abc",
            "$",
            "E'",
            "$$",
        ] {
            let _ = statements(sql);
        }
    }
}
