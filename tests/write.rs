//! The write stage: whole-tree swaps, untouched unchanged files, refusal to clobber, check diffs.

mod support;

use schemagen::write::{self, Tree, MARKER, MARKER_TEXT};
use std::path::Path;
use support::TempDir;

fn temp_dir(name: &str) -> TempDir {
    TempDir::new(&format!("write-{name}"))
}

fn tree(files: &[(&str, &str)]) -> Tree {
    let mut tree: Tree = files
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    tree.insert(MARKER.into(), MARKER_TEXT.into());
    tree
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn build_replaces_the_tree_and_keeps_unchanged_files_untouched() {
    let scratch = temp_dir("replace");
    let out = scratch.join("generated");
    let first = tree(&[("a/keep.sql", "same\n"), ("a/old.ts", "old\n")]);
    let summary = write::write_tree(&out, &first).unwrap();
    assert_eq!(
        (summary.written, summary.unchanged, summary.removed),
        (3, 0, 0)
    );

    let old_time = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(out.join("a/keep.sql"))
        .unwrap()
        .set_modified(old_time)
        .unwrap();

    let second = tree(&[("a/keep.sql", "same\n"), ("a/new.rs", "new\n")]);
    let summary = write::write_tree(&out, &second).unwrap();
    assert_eq!(
        (summary.written, summary.unchanged, summary.removed),
        (1, 2, 1)
    );
    assert_eq!(
        write::read_tree(&out).unwrap(),
        second,
        "the tree on disk is exactly the rendered one"
    );
    assert_eq!(
        mtime(&out.join("a/keep.sql")),
        old_time,
        "an unchanged file keeps its modification time"
    );
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec!["generated"],
        "no staging folder is left behind"
    );
}

#[test]
fn a_build_with_nothing_to_change_writes_nothing() {
    let scratch = temp_dir("noop");
    let out = scratch.join("generated");
    let files = tree(&[("x.sql", "select 1;\n")]);
    write::write_tree(&out, &files).unwrap();
    let before = mtime(&out);
    let summary = write::write_tree(&out, &files).unwrap();
    assert_eq!((summary.written, summary.removed), (0, 0));
    assert_eq!(mtime(&out), before, "the folder itself was not swapped");
}

#[test]
fn a_folder_not_made_by_schemagen_is_never_replaced() {
    let out = temp_dir("foreign");
    std::fs::write(out.join("precious.txt"), "user data").unwrap();
    let err = write::write_tree(&out, &tree(&[("x.sql", "")])).unwrap_err();
    assert!(err.to_string().contains("not made by schemagen"), "{err}");
    assert_eq!(err.code.as_str(), "E0414");
    assert_eq!(
        std::fs::read_to_string(out.join("precious.txt")).unwrap(),
        "user data"
    );
}

#[test]
fn check_reports_stale_missing_and_extra_files_as_unified_diffs() {
    let scratch = temp_dir("check");
    let out = scratch.join("generated");
    write::write_tree(
        &out,
        &tree(&[("s/a.sql", "one\ntwo\n"), ("s/gone.ts", "x\n")]),
    )
    .unwrap();
    assert!(write::diff_tree(
        &out,
        &tree(&[("s/a.sql", "one\ntwo\n"), ("s/gone.ts", "x\n")])
    )
    .unwrap()
    .is_empty());

    let diffs =
        write::diff_tree(&out, &tree(&[("s/a.sql", "one\n2\n"), ("s/new.rs", "y\n")])).unwrap();
    let all = diffs.concat();
    assert_eq!(diffs.len(), 3, "{all}");
    assert!(all.contains("-two\n+2\n"), "{all}");
    assert!(
        all.contains("+++ /dev/null"),
        "a file build would delete shows as deleted:\n{all}"
    );
    assert!(
        all.contains("--- /dev/null"),
        "a file build would create shows as new:\n{all}"
    );
}

#[test]
fn a_swap_cut_between_two_renames_is_rolled_back_by_the_next_build() {
    // Where the file system has no atomic exchange, the swap is two renames; a kill between
    // them leaves no output folder, the old tree in `.generated.old` and the new one staged.
    let scratch = temp_dir("two-renames");
    let out = scratch.join("generated");
    let old = tree(&[("a.sql", "old\n")]);
    write::write_tree(&out, &old).unwrap();
    std::fs::rename(&out, scratch.join(".generated.old")).unwrap();
    std::fs::create_dir_all(scratch.join(".generated.new/a")).unwrap();

    let report = write::leftovers_diagnostic(&out).expect("check reports the leftovers");
    assert_eq!(report.code.as_str(), "E0412");
    assert!(report.message.contains("is missing"), "{}", report.message);

    let done = write::repair(&out).unwrap();
    assert_eq!(done.len(), 2, "{done:?}");
    assert_eq!(write::read_tree(&out).unwrap(), old);
    assert!(write::leftovers(&out).is_empty());
    assert!(write::leftovers_diagnostic(&out).is_none());
}
