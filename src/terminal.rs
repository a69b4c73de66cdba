//! Text laid out for a terminal: the reports of `verify` and `rehearse`.

/// Left-aligned columns two spaces apart, each line after `indent`, trailing blanks trimmed.
/// Widths count characters, so `✗` and accented names line up.
pub fn columns(lines: &[Vec<String>], indent: &str) -> String {
    let width = lines.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..width)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(text, w)| format!("{text:<w$}"))
            .collect();
        out.push_str(indent);
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_by_characters() {
        let lines = vec![
            vec!["table".to_string(), "ok".to_string()],
            vec!["café".to_string(), "✗".to_string()],
        ];
        assert_eq!(super::columns(&lines, "  "), "  table  ok\n  café   ✗\n");
        assert_eq!(super::columns(&[], ""), "");
    }
}
