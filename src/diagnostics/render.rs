//! Two renderers of the same diagnostics: for people and for machines.

use super::{clip_message, visible, Diagnostic, Severity};
use crate::source::SourceMap;
use std::fmt::Write;

/// `error[E0101]: message` / `  --> file:line:column` / the source line / `  = help: ...`.
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "{level}[{}]: {}",
            d.code,
            visible(&clip_message(&d.message))
        );
        if let Some(span) = d.span.filter(|s| s.line == 0) {
            // About a file as a whole (it could not be read): no line to point at.
            let _ = writeln!(out, "  --> {}", sources.path(span.file));
        }
        if let Some(span) = d.span.filter(|s| s.line > 0) {
            let _ = writeln!(
                out,
                "  --> {}:{}:{}",
                sources.path(span.file),
                span.line,
                span.column
            );
            if let Some(line) = sources.line(span.file, span.line) {
                let (text, column) =
                    super::clip_chars(line, span.column.saturating_sub(1) as usize);
                let text = visible(&text);
                let gutter = span.line.to_string();
                let pad = " ".repeat(gutter.len());
                let caret = " ".repeat(column);
                let _ = writeln!(out, "{pad} |\n{gutter} | {text}\n{pad} | {caret}^");
            }
        }
        for (span, note) in &d.related {
            let _ = writeln!(
                out,
                "  = note: {}: {}:{}:{}",
                visible(note),
                sources.path(span.file),
                span.line,
                span.column
            );
        }
        if let Some(path) = &d.path {
            let _ = writeln!(out, "  = at: {}", visible(path));
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out.push('\n');
    }
    out
}

/// The human report with ANSI colours for a terminal: the level and code, the location, the
/// caret and the help, as rustc colours them. Only the escapes are added, so the text reads
/// the same without them.
pub fn paint(report: &str) -> String {
    use anstyle::{AnsiColor, Style};
    let bold = Style::new().bold();
    let paint =
        |style: Style, text: &str| format!("{}{text}{}", style.render(), style.render_reset());
    let mut out = String::with_capacity(report.len() * 2);
    for line in report.split_inclusive('\n') {
        let (text, newline) = line.strip_suffix('\n').map_or((line, ""), |t| (t, "\n"));
        let painted = if let Some((head, rest)) = text
            .split_once("]: ")
            .filter(|(head, _)| head.starts_with("error[") || head.starts_with("warning["))
        {
            let colour = if head.starts_with("error") {
                AnsiColor::Red
            } else {
                AnsiColor::Yellow
            };
            let head = paint(bold.fg_color(Some(colour.into())), &format!("{head}]:"));
            format!("{head} {}", paint(bold, rest))
        } else if let Some(rest) = text.strip_prefix("  --> ") {
            format!(
                "  {} {rest}",
                paint(bold.fg_color(Some(AnsiColor::Blue.into())), "-->")
            )
        } else if text.trim_start().starts_with('|') && text.trim_end().ends_with('^') {
            let (gutter, caret) = text.split_at(text.len() - 1);
            format!(
                "{gutter}{}",
                paint(bold.fg_color(Some(AnsiColor::Red.into())), caret)
            )
        } else if let Some(rest) = text.strip_prefix("  = help:") {
            format!(
                "  = {}{rest}",
                paint(bold.fg_color(Some(AnsiColor::Cyan.into())), "help:")
            )
        } else {
            text.to_string()
        };
        out.push_str(&painted);
        out.push_str(newline);
    }
    out
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
