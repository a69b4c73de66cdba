//! Every diagnostic code is documented in docs/diagnostics.md.

use schemagen::diagnostics::Code;

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md"))
        .unwrap();
    for code in Code::ALL {
        let heading = format!("## {}:", code.as_str());
        assert!(
            doc.contains(&heading),
            "docs/diagnostics.md has no section `{heading}`"
        );
    }
}

#[test]
fn codes_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for code in Code::ALL {
        assert!(
            seen.insert(code.as_str()),
            "code {} is used twice",
            code.as_str()
        );
    }
}
