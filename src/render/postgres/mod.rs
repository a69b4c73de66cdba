//! PostgreSQL target: migrations and the schema snapshot they lead to.
//! (Placeholder: the full renderer lands with the Postgres target work.)

pub mod rls;

use super::{History, Templates};
use crate::diagnostics::Diagnostic;
use crate::ir::System;
use crate::plan::Migration;

pub const TEMPLATES: &[(&str, &str)] = &[];

/// Paths relative to the system's folder → contents: every migration (the history kept
/// as it was, plus a new one when the plan has steps) and `schema.json`.
pub fn render(
    system: &System,
    history: &History,
    _migration: &Migration,
    _templates: &Templates,
) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    let mut files: Vec<(String, String)> = history
        .migrations
        .iter()
        .map(|(name, sql)| (format!("migrations/{name}"), sql.clone()))
        .collect();
    let snapshot = serde_json::to_string_pretty(system).expect("the IR serializes") + "\n";
    files.push(("schema.json".into(), snapshot));
    Ok(files)
}
