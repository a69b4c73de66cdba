//! ARCHITECTURE.md cannot rot: every path its code map names must exist.

use std::path::Path;

#[test]
fn every_path_in_the_code_map_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cell = line.split('|').nth(1).unwrap_or_default();
        for path in cell.split('`').skip(1).step_by(2) {
            assert!(
                root.join(path).exists(),
                "ARCHITECTURE.md names `{path}`, which does not exist"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} paths found: did the table format change?"
    );
}
