//! `verify --emit markdown`: the access matrix as a GitHub Markdown section, for a pull
//! request, a CI job summary or a file beside the diagram.

use super::{actual_text, expected_text, matrix, Cell, Report};

/// `## Access: <system>`, one table row per table and command, one column per scenario: what
/// Postgres did, and where it differs from what the rules declare, `✗` and the declared
/// outcome; then the structural differences, the notes and the verdict.
pub fn section(report: &Report) -> String {
    let mut out = format!("## Access: {}\n\n", escape(&report.system));
    if !report.declares_access {
        out.push_str("Nothing to prove: the system declares no access rules.\n");
        return out;
    }
    out.push_str(
        "What PostgreSQL did in each scenario, proven by `schemagen verify` on synthetic rows; \
         `✗` marks a cell that differs from what the rules declare, `?` one a raw `sql` rule \
         without `expect:` decides.\n\n",
    );
    out.push_str(&table(report));
    out.push_str(&findings(report));
    out.push_str(&format!(
        "**{}**: {} structural differences, {} probes, {} mismatches\n",
        if report.passed() { "ok" } else { "FAILED" },
        report.structure.len(),
        report.cells.len(),
        report.mismatches().count(),
    ));
    out
}

/// The matrix: a row per table and command, a column per scenario.
fn table(report: &Report) -> String {
    let mut header = vec!["table".to_string(), "command".to_string()];
    header.extend(report.scenarios.iter().map(|s| escape(s)));
    let mut out = row(&header);
    out.push_str(&row(&vec!["---".to_string(); header.len()]));
    for (table, action, cells) in matrix(report) {
        let mut line = vec![escape(table), action.name().to_string()];
        line.extend(
            cells
                .into_iter()
                .map(|c| c.map_or_else(|| "-".into(), cell)),
        );
        out.push_str(&row(&line));
    }
    out.push('\n');
    out
}

/// The structural differences and the notes, as a list (nothing when there are none).
fn findings(report: &Report) -> String {
    let mut list = String::new();
    for d in &report.structure {
        let (object, what) = (escape(&d.object), escape(&d.what));
        let (expected, actual) = (escape(&d.expected), escape(&d.actual));
        list.push_str(&format!(
            "- structure of {object}: {what}: expected {expected}, actual {actual}\n"
        ));
    }
    for note in &report.notes {
        list.push_str(&format!("- note: {}\n", escape(note)));
    }
    if !list.is_empty() {
        list.push('\n');
    }
    list
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

/// A cell: the outcome, and on a mismatch what the rules declare.
fn cell(c: &Cell) -> String {
    let actual = escape(&actual_text(&c.actual));
    if c.is_mismatch() {
        let declared = escape(&expected_text(c.expected.as_ref()));
        format!("**{actual}** ✗ (declared {declared})")
    } else if c.expected.is_none() {
        format!("{actual} ?")
    } else {
        actual
    }
}

/// Text as Markdown shows it literally inside a table cell: every character Markdown or
/// HTML reads (a `|` would end the cell) escaped with a backslash, line breaks as spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Action, Actual, Cell, Report};
    use crate::ir::access::Command;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    fn cell(table: &str, action: Action, scenario: &str, expected: Option<Actual>) -> Cell {
        Cell {
            table: table.into(),
            action,
            scenario: scenario.into(),
            expected,
            actual: Actual::Allowed,
            call: String::new(),
        }
    }

    /// The rows of the first Markdown table in `text`, each cell as the text a reader sees.
    fn parsed_rows(text: &str) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut in_cell = false;
        for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => {
                    rows.last_mut().unwrap().push(String::new());
                    in_cell = true;
                }
                Event::End(TagEnd::TableCell) => in_cell = false,
                Event::Text(t) | Event::Code(t) if in_cell => {
                    let row = rows.last_mut().unwrap();
                    row.last_mut().unwrap().push_str(&t);
                }
                _ => {}
            }
        }
        rows
    }

    #[test]
    fn the_matrix_reads_back_as_a_markdown_table_with_names_escaped() {
        let select = Action::Row(Command::Select);
        let report = Report {
            system: "app".into(),
            declares_access: true,
            scenarios: vec!["own".into(), "other | tenant".into()],
            cells: vec![
                cell("public.we|ird_*name*", select, "own", Some(Actual::Allowed)),
                // The rules say deny; Postgres allowed: the failing case.
                cell(
                    "public.we|ird_*name*",
                    select,
                    "other | tenant",
                    Some(Actual::Denied),
                ),
                cell("public.notes", select, "own", None),
            ],
            ..Default::default()
        };
        let text = super::section(&report);
        let rows = parsed_rows(&text);
        assert_eq!(
            rows,
            [
                vec!["table", "command", "own", "other | tenant"],
                vec![
                    "public.we|ird_*name*",
                    "select",
                    "allow",
                    "allow ✗ (declared deny)"
                ],
                vec!["public.notes", "select", "allow ?", "-"],
            ],
            "{text}"
        );
        assert!(text.contains("**FAILED**: 0 structural differences, 3 probes, 1 mismatches"));

        let nothing = Report {
            system: "blog".into(),
            ..Default::default()
        };
        let text = super::section(&nothing);
        assert!(
            parsed_rows(&text).is_empty() && text.contains("Nothing to prove"),
            "{text}"
        );
    }
}
