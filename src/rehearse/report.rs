//! The rehearsal as a terminal reads it (a table per migration) and as JSON.

use super::{Migration, Outcome, Report, Statement, TableRows};
use serde_json::json;

pub fn human(report: &Report) -> String {
    let rows: u64 = report.filled.iter().map(|f| f.rows).sum();
    let base = match report.base.last() {
        Some(name) => format!("the database at {name}"),
        None => "an empty database".to_string(),
    };
    let mut out = format!(
        "rehearse {}: {} on {base}, {} tables filled with {rows} rows\n",
        report.system,
        names(&report.migrations),
        report.filled.len()
    );
    for filled in report.filled.iter().filter(|f| f.error.is_some()) {
        out.push_str(&format!(
            "note: no synthetic rows for {}: {}\n",
            filled.table,
            filled.error.as_deref().unwrap_or_default()
        ));
    }
    for migration in &report.migrations {
        out.push('\n');
        out.push_str(&migration_text(migration));
    }
    let failed: Vec<&str> = report
        .migrations
        .iter()
        .filter(|m| !m.passed())
        .map(|m| m.name.as_str())
        .collect();
    out.push_str(&if failed.is_empty() {
        format!(
            "\nok: {} applied on rows, nothing lost that was not accepted\n",
            names(&report.migrations)
        )
    } else {
        format!("\nFAILED: {}\n", failed.join(", "))
    });
    out
}

fn names(migrations: &[Migration]) -> String {
    let names: Vec<&str> = migrations.iter().map(|m| m.name.as_str()).collect();
    names.join(", ")
}

fn migration_text(migration: &Migration) -> String {
    let mut lines = vec![vec![
        "line".to_string(),
        "statement".into(),
        "result".into(),
        "lock".into(),
        "rewrite".into(),
        "time".into(),
    ]];
    for s in &migration.statements {
        lines.push(vec![
            s.line.to_string(),
            s.summary.clone(),
            outcome_word(s).into(),
            lock_text(s),
            if s.rewritten.is_empty() {
                String::new()
            } else {
                "rewritten".into()
            },
            if s.outcome == Outcome::NotRun {
                String::new()
            } else {
                format!("{:.1?}", s.duration)
            },
        ]);
    }
    let mut out = format!(
        "{}\n{}",
        migration.name,
        crate::terminal::columns(&lines, "  ")
    );
    let mut tables = vec![vec![
        "table".to_string(),
        "rows before".into(),
        "after".into(),
        String::new(),
    ]];
    for t in &migration.tables {
        tables.push(vec![
            t.table.clone(),
            count(t.before),
            count(t.after),
            table_note(t).into(),
        ]);
    }
    out.push_str(&crate::terminal::columns(&tables, "  "));
    for s in &migration.statements {
        if let Outcome::Failed(e) = &s.outcome {
            out.push_str(&format!(
                "FAILED {}:{}: {}\n  {e}\n",
                migration.name, s.line, s.summary
            ));
        }
        if s.unaccepted_loss() {
            out.push_str(&format!(
                "LOSS {}:{}: drops {} without `{}` above it\n",
                migration.name,
                s.line,
                s.dropped.join(", "),
                super::DESTRUCTIVE
            ));
        }
    }
    for t in migration.tables.iter().filter(|t| t.lost() && !t.accepted) {
        out.push_str(&format!(
            "LOSS {}: {} rows {} → {}, and no statement marked destructive touched it\n",
            migration.name,
            t.table,
            count(t.before),
            count(t.after)
        ));
    }
    out
}

fn outcome_word(s: &Statement) -> &'static str {
    match s.outcome {
        Outcome::Applied if !s.dropped.is_empty() && s.destructive => "applied (accepted loss)",
        Outcome::Applied if !s.dropped.is_empty() => "applied (LOSS)",
        Outcome::Applied => "applied",
        Outcome::Failed(_) => "FAILED",
        Outcome::RolledBack => "rolled back",
        Outcome::NotRun => "not run",
    }
}

fn lock_text(s: &Statement) -> String {
    let Some((mode, tables)) = &s.lock else {
        return String::new();
    };
    let more = match tables.len() {
        0 | 1 => String::new(),
        n => format!(" +{}", n - 1),
    };
    let sampled = if s.sampled { " (sampled)" } else { "" };
    format!("{mode} on {}{more}{sampled}", tables[0])
}

fn table_note(t: &TableRows) -> &'static str {
    match (t.before, t.after) {
        (None, Some(_)) => "new",
        (Some(_), None) if t.accepted => "dropped (accepted)",
        (Some(_), None) => "dropped: LOSS",
        _ if t.lost() && t.accepted => "fewer rows (accepted)",
        _ if t.lost() => "fewer rows: LOSS",
        _ => "",
    }
}

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

pub fn json(report: &Report) -> serde_json::Value {
    json!({
        "system": report.system,
        "passed": report.passed(),
        "base": report.base,
        "filled": report.filled.iter().map(|f| json!({
            "table": f.table, "rows": f.rows, "error": f.error,
        })).collect::<Vec<_>>(),
        "migrations": report.migrations.iter().map(migration_json).collect::<Vec<_>>(),
    })
}

fn migration_json(m: &Migration) -> serde_json::Value {
    json!({
        "name": m.name,
        "passed": m.passed(),
        "statements": m.statements.iter().map(|s| {
            let (result, error) = match &s.outcome {
                Outcome::Applied => ("applied", None),
                Outcome::NotRun => ("not run", None),
                Outcome::RolledBack => ("rolled back", None),
                Outcome::Failed(e) => ("failed", Some(json!({
                    "sqlstate": e.code, "message": e.message, "detail": e.detail, "hint": e.hint,
                }))),
            };
            json!({
                "line": s.line,
                "statement": s.summary,
                "result": result,
                "error": error,
                "lock": s.lock.as_ref().map(|(mode, tables)| json!({"mode": mode, "tables": tables, "sampled": s.sampled})),
                "rewritten": s.rewritten,
                "dropped": s.dropped,
                "destructive": s.destructive,
                "ms": s.duration.as_secs_f64() * 1000.0,
            })
        }).collect::<Vec<_>>(),
        "tables": m.tables.iter().map(|t| json!({
            "table": t.table, "before": t.before, "after": t.after,
            "lost": t.lost(), "accepted": t.accepted,
        })).collect::<Vec<_>>(),
    })
}
