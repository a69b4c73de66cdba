//! A report for people (one line per migration, then where the database stands) and as JSON.

use super::records::Outcome;
use super::{Line, Report, State};
use crate::diagnostics::render;
use std::fmt::Write;

/// The lines of every migration (`status`), or only the summary (`deploy`, `resolve`, whose
/// progress was printed as it happened).
pub fn human(report: &Report, every_line: bool) -> String {
    let mut out = String::new();
    if every_line {
        let width = report.lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
        for line in &report.lines {
            let text = format!(
                "{:<11}  {:<width$}  {}",
                line.state.label(),
                line.name,
                detail(line)
            );
            let _ = writeln!(out, "{}", text.trim_end());
        }
    }
    if let Some(resolved) = &report.resolved {
        let _ = writeln!(out, "{}: {resolved}", report.system);
    }
    if let Some(last) = report.baselined.last() {
        let _ = writeln!(
            out,
            "{}: the database matches the schema at {last}: recorded {} as applied without running {}",
            report.system,
            report.baselined.join(", "),
            if report.baselined.len() == 1 { "it" } else { "them" }
        );
    }
    if report.lines.is_empty() && report.failed() {
        return out;
    }
    let _ = writeln!(out, "{}", summary(report));
    out
}

/// `app: 2 applied, 1 pending (history in schemagen.schemagen_migrations): …`
fn summary(report: &Report) -> String {
    let mut counts: Vec<(State, usize)> = Vec::new();
    for line in &report.lines {
        match counts.iter_mut().find(|(s, _)| *s == line.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((line.state, 1)),
        }
    }
    counts.sort_by_key(|(state, _)| *state as u8);
    let counts: Vec<String> = counts
        .iter()
        .map(|(state, n)| format!("{n} {}", state.label()))
        .collect();
    let counts = if counts.is_empty() {
        "no migrations".to_string()
    } else {
        counts.join(", ")
    };
    let verdict = match (report.at_head(), report.head()) {
        (true, Some(head)) => format!("the database is at the head ({head})"),
        (true, None) => "nothing to apply".to_string(),
        (false, _) => "the database is NOT at the head".to_string(),
    };
    format!(
        "{}: {counts} (history in {}): {verdict}",
        report.system, report.history
    )
}

fn detail(line: &Line) -> String {
    let Some(record) = &line.record else {
        return if line.out_of_order {
            "sorts before migrations the database already has: deploy refuses".into()
        } else {
            String::new()
        };
    };
    let segments = format!(
        "{} of {} segments committed",
        record.segments_applied, record.segments_total
    );
    let resolved = match (&record.resolved_by, &record.resolved_at) {
        (Some(by), Some(at)) => format!(", resolved by {by} at {at}"),
        _ => String::new(),
    };
    match line.state {
        State::Applied if record.baselined() => format!(
            "{} ({}: recorded, not run)",
            record.finished_at.as_deref().unwrap_or_default(),
            record.deployed_by
        ),
        State::Applied => format!(
            "{} ({} statements{resolved})",
            record.finished_at.as_deref().unwrap_or_default(),
            record.statements_applied
        ),
        State::Pending => format!("rolled back{resolved}: deploy runs it again from its start"),
        State::Failed => match &record.failure {
            Some(f) => format!(
                "line {}: {} (SQLSTATE {}); {segments}",
                f.line,
                f.message,
                f.sqlstate.as_deref().unwrap_or("none")
            ),
            None => segments,
        },
        State::InProgress => format!("{segments}; a deploy is running it"),
        State::Interrupted => format!(
            "{segments}, started {}; `migrate deploy` resumes after them",
            record.started_at
        ),
        State::Modified => format!(
            "the file changed since the database {} it (checksum {} recorded)",
            if record.outcome == Outcome::Applied {
                "applied"
            } else {
                "started"
            },
            &record.checksum[..record.checksum.len().min(12)]
        ),
        State::Missing => "the database has it, the file is gone".into(),
    }
}

/// One JSON object: the system, whether the database is at the head, every migration's
/// line, what this run deployed or resolved, and the diagnostics.
pub fn json(report: &Report) -> String {
    let diagnostics: serde_json::Value =
        serde_json::from_str(&render::json(&report.diagnostics, &report.sources))
            .expect("diagnostics render as JSON");
    let value = serde_json::json!({
        "system": report.system,
        "history": report.history,
        "at_head": report.at_head(),
        "head": report.head(),
        "migrations": report.lines,
        "deployed": report.deployed,
        "resolved": report.resolved,
        "baselined": report.baselined,
        "diagnostics": diagnostics,
    });
    serde_json::to_string_pretty(&value).expect("json")
}
