//! Two renderers of the same diagnostics: for people, laid out by annotate-snippets (the
//! layout rustc and ruff print), and for machines (JSON).

use super::{clip_message, is_invisible, Diagnostic, Severity, MAX_EXCERPT_CHARS};
use crate::ir::Span;
use crate::source::SourceMap;
use annotate_snippets::{AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};
use std::ops::Range;

/// `error[E0101]: message`, `--> file:line:column`, the source line with the span's token
/// underlined, related places with their labels, then `= at: path` and `= help: …`.
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    report(diagnostics, sources, &Renderer::plain())
}

/// [`human`] in colour, for a terminal: the same text with ANSI escapes added.
pub fn human_in_colour(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    report(diagnostics, sources, &Renderer::styled())
}

fn report(diagnostics: &[Diagnostic], sources: &SourceMap, renderer: &Renderer) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&renderer.render(&[group(d, sources)]));
        out.push_str("\n\n");
    }
    out
}

/// One diagnostic as one annotate-snippets group.
fn group<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> Group<'a> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level
        .primary_title(visible(&clip_message(&d.message)))
        .id(d.code.to_string());
    let mut elements = Vec::new();
    if let Some(span) = d.span {
        elements.extend(place(span, None, sources));
    }
    for (span, note) in &d.related {
        elements.extend(place(*span, Some(note), sources));
    }
    if let Some(path) = &d.path {
        elements.push(Level::NOTE.with_name("at").message(visible(path)).into());
    }
    if let Some(help) = &d.help {
        elements.push(Level::HELP.message(visible(help)).into());
    }
    title.elements(elements)
}

/// Where a span is: the line with the token at the span underlined (`^` for the diagnostic's
/// own place, `-` and the note for a related one) under its `file:line:column`; only the
/// location when there is no line to show.
fn place<'a>(span: Span, note: Option<&'a String>, sources: &'a SourceMap) -> Vec<Element<'a>> {
    let path = sources.path(span.file);
    if span.line == 0 {
        // About a file as a whole (it could not be read): no line to point at.
        return vec![Origin::path(path).into()];
    }
    let at = span.column.saturating_sub(1) as usize;
    let shown = sources
        .line(span.file, span.line)
        .filter(|_| at <= MAX_SHOWN_PREFIX);
    let Some(line) = shown else {
        let origin = Origin::path(path).line(span.line as usize);
        return vec![origin.char_column(span.column as usize).into()];
    };
    let (text, range) = excerpt(line, at);
    let kind = match note {
        None => AnnotationKind::Primary,
        Some(_) => AnnotationKind::Context,
    };
    let annotation = kind.span(range).label(note.map(|n| visible(n)));
    let snippet = Snippet::source(text)
        .path(path)
        .line_start(span.line as usize)
        .annotation(annotation);
    vec![snippet.into()]
}

/// A span further into its line than this many characters is shown by its location alone:
/// the line is no source a person wrote (a 50 MB one-liner), and laying it out would cost
/// its length for each diagnostic on it.
const MAX_SHOWN_PREFIX: usize = 10_000;

/// The line up to a little past the token at character `at`, every invisible character
/// replaced by one visible stand-in (so columns stay those of the file), and the byte range
/// of that token. annotate-snippets cuts what is wider than the terminal around the token.
fn excerpt(line: &str, at: usize) -> (String, Range<usize>) {
    let chars: Vec<char> = line.chars().take(at + MAX_EXCERPT_CHARS).collect();
    let end = at + token_chars(chars.get(at..).unwrap_or_default());
    let mut text = String::with_capacity(chars.len());
    let mut range = usize::MAX..usize::MAX;
    for (i, &c) in chars.iter().enumerate() {
        if i == at {
            range.start = text.len();
        }
        if i == end {
            range.end = text.len();
        }
        text.push(stand_in(c));
    }
    range.start = range.start.min(text.len());
    range.end = range.end.min(text.len());
    (text, range)
}

/// A visible character in place of an invisible one: the control pictures (`␀`, `␛`) as
/// rustc prints them, `�` for formatting characters (right-to-left override, zero-width
/// space). A tab stays: annotate-snippets lines the underline up with it.
fn stand_in(c: char) -> char {
    match c {
        '\t' => c,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if is_invisible(c) => '\u{fffd}',
        c => c,
    }
}

/// How many characters the underline covers from the span on: a word (`Strin`, `mood-entries`)
/// with the brackets right after it (`@db.VarChar(20)`, `reference(users)`), a bracketed
/// or quoted value, or else one character; none at the end of the line.
fn token_chars(rest: &[char]) -> usize {
    let is_word = |c: &char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '$');
    let word = rest.iter().take_while(|c| is_word(c)).count();
    match rest.get(word) {
        _ if rest.is_empty() => 0,
        Some('(' | '<' | '[' | '{' | '"' | '\'') => {
            word + bracketed(&rest[word..]).unwrap_or(if word == 0 { 1 } else { 0 })
        }
        _ => word.max(1),
    }
}

/// The length of the bracketed or quoted text `rest` starts with, up to its closing
/// bracket or quote (quotes inside brackets are skipped whole); `None` when it does not close
/// on this line.
fn bracketed(rest: &[char]) -> Option<usize> {
    let mut open = Vec::new();
    let mut quote = None;
    let mut escaped = false;
    for (i, &c) in rest.iter().enumerate() {
        match (quote, c) {
            // `\"` inside double quotes is a quote character, not the end (`"{\"a\": 1}"`).
            (Some('"'), _) if escaped => escaped = false,
            (Some('"'), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => open.push(')'),
            (None, '<') => open.push('>'),
            (None, '[') => open.push(']'),
            (None, '{') => open.push('}'),
            (None, c) if open.last() == Some(&c) => {
                open.pop();
            }
            _ => {}
        }
        if quote.is_none() && open.is_empty() {
            return Some(i + 1);
        }
    }
    None
}

/// `text` with every invisible character spelled as an escape.
fn visible(text: &str) -> String {
    super::visible(text).into_owned()
}

/// One JSON array; each entry has `file`, `line` and `column` resolved from the span.
pub fn json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    serde_json::to_string_pretty(&json_value(diagnostics, sources)).expect("json")
}

/// The JSON array [`json`] prints, as a value to put inside a larger document.
pub fn json_value(diagnostics: &[Diagnostic], sources: &SourceMap) -> serde_json::Value {
    let entries: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).expect("diagnostics serialize");
            let obj = v.as_object_mut().expect("diagnostic is an object");
            obj.remove("span");
            let related: Vec<_> = d
                .related
                .iter()
                .map(|(s, note)| {
                    serde_json::json!({"file": sources.path(s.file), "line": s.line, "column": s.column, "note": note})
                })
                .collect();
            obj.insert("related".into(), related.into());
            if let Some(span) = d.span {
                obj.insert("file".into(), sources.path(span.file).into());
            }
            // A diagnostic about a whole file has no line (line 0): it says so by leaving it out.
            if let Some(span) = d.span.filter(|s| s.line > 0) {
                obj.insert("line".into(), span.line.into());
                obj.insert("column".into(), span.column.into());
            }
            v
        })
        .collect();
    serde_json::Value::Array(entries)
}

#[cfg(test)]
mod tests {
    use super::{excerpt, token_chars};

    fn underlined(line: &str, at: usize) -> String {
        let (text, range) = excerpt(line, at);
        text[range].to_string()
    }

    #[test]
    fn the_underline_covers_the_token_at_the_span() {
        let line = r#"  title  Strin?  @db.VarChar(200) @default("a (b"), [x, {y: 1}] <"#;
        assert_eq!(underlined(line, 9), "Strin");
        assert_eq!(underlined(line, 17), "@db.VarChar(200)");
        assert_eq!(underlined(line, 34), r#"@default("a (b")"#);
        let escaped = r#"  data  Json  @default("{\"open\": ") @db.JsonB"#;
        assert_eq!(underlined(escaped, 23), r#""{\"open\": ""#);
        assert_eq!(underlined(line, 52), "[x, {y: 1}]");
        assert_eq!(underlined(line, 14), "?", "punctuation: one character");
        assert_eq!(
            underlined(line, 64),
            "<",
            "an unclosed bracket: one character"
        );
        assert_eq!(underlined(line, 65), "", "the end of the line");
        assert_eq!(
            token_chars(&"reference(users".chars().collect::<Vec<_>>()),
            9
        );
    }

    #[test]
    fn invisible_characters_are_shown_without_moving_the_columns() {
        let (text, range) = excerpt("a\u{202e}b\0 name", 5);
        assert_eq!(text, "a\u{fffd}b\u{2400} name");
        assert_eq!(&text[range], "name");
    }
}
