//! Diagnostics are data: a stable code, a message, where, and a hint.
//! Stages collect them and go on, so one run reports every problem.
//! Rendering them for people or machines lives in [`render`].

pub mod codes;
pub mod render;

use crate::ir::Span;
pub use codes::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where it is; `None` only for problems that belong to no file.
    pub span: Option<Span>,
    /// The element path, e.g. `ContentItem.title` or `mood-entries.fields.tags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Other places that explain this one ("first defined here").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            span: Some(span),
            path: None,
            help: None,
            related: Vec::new(),
        }
    }
    /// A diagnostic about the project as a whole, not a place in a file.
    pub fn global(code: Code, message: impl Into<String>) -> Self {
        Self {
            span: None,
            ..Self::error(code, Span::default(), message)
        }
    }
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_related(mut self, span: Span, note: impl Into<String>) -> Self {
        self.related.push((span, note.into()));
        self
    }
}

/// Control characters (newline, NUL, carriage return) and invisible formatting characters
/// (U+202E RIGHT-TO-LEFT OVERRIDE and its kin, zero-width spaces): text holding them reads
/// differently than it is.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` with every invisible character spelled as an escape (`\n`, `\u{202e}`), for a
/// terminal that would otherwise act on it.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_invisible(c) && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        // A tab is harmless on a terminal and keeps a source line's caret aligned.
        if is_invisible(c) && c != '\t' {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The most characters of schema text a diagnostic echoes: a long line (a 50 MB one-liner)
/// is clipped around the place it points at.
pub const MAX_EXCERPT_CHARS: usize = 120;

/// `text` on one line, clipped to [`MAX_EXCERPT_CHARS`] around byte offset `at`, with `…` where
/// it was cut.
pub fn clip(text: &str, at: usize) -> String {
    let at_char = text[..at.min(text.len())].chars().count();
    let (excerpt, _) = clip_chars(text, at_char);
    excerpt
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` clipped to [`MAX_EXCERPT_CHARS`] around character `at_char`, and where that character
/// is in the clipped text (both counted in characters).
pub fn clip_chars(text: &str, at_char: usize) -> (String, usize) {
    let total = text.chars().count();
    if total <= MAX_EXCERPT_CHARS {
        return (text.to_string(), at_char);
    }
    let start = at_char
        .saturating_sub(MAX_EXCERPT_CHARS / 2)
        .min(total - MAX_EXCERPT_CHARS);
    let end = start + MAX_EXCERPT_CHARS;
    let mut out = String::new();
    let mut at = at_char - start;
    if start > 0 {
        out.push('…');
        at += 1;
    }
    out.extend(text.chars().skip(start).take(end - start));
    if end < total {
        out.push('…');
    }
    (out, at)
}

/// A message at most [`MAX_MESSAGE_CHARS`] long: its head and tail around a `…`, so a value a
/// message quotes (a 50 MB scalar) is never echoed whole.
pub fn clip_message(message: &str) -> std::borrow::Cow<'_, str> {
    let total = message.chars().count();
    if total <= MAX_MESSAGE_CHARS {
        return std::borrow::Cow::Borrowed(message);
    }
    let half = MAX_MESSAGE_CHARS / 2;
    let head: String = message.chars().take(half).collect();
    let tail: String = message.chars().skip(total - half).collect();
    std::borrow::Cow::Owned(format!("{head}…{tail}"))
}

pub const MAX_MESSAGE_CHARS: usize = 1000;

/// The diagnostics of a run, in the order they were found; sorted before rendering.
#[derive(Debug, Default)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    /// Sorted by stage, then file, line, column and code: stable whatever the order found, and
    /// a cause (a file that is not YAML) comes before what follows from it (a model that file
    /// would have declared, unknown in another file).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by_key(|d| {
            let pos = d.span.map(|s| (s.file, s.line, s.column));
            (d.code.stage(), pos, d.code, d.message.clone())
        });
        self.0
    }
}
