//! Undo records: what `schemagen migrate undo` needs to rewind `schema.json` past a migration.
//!
//! Each migration written from now on gets `undo/<migration>.json` beside `migrations/`: the
//! lines of `schema.json` that the migration changed, as they were before. A full copy of the
//! previous snapshot per migration would cost the snapshot's size each time (47 MB on the
//! 10,000-model benchmark); a record costs what changed (see ARCHITECTURE.md).

use crate::ir::snapshot::{common_prefix, common_prefix_rev};
use serde::{Deserialize, Serialize};

pub const DIR: &str = "undo";

/// The record file of a migration: `0002_add_email.sql` → `undo/0002_add_email.json`.
pub fn path(migration: &str) -> String {
    format!("{DIR}/{}.json", migration.trim_end_matches(".sql"))
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The migration wrote the first `schema.json`: undoing it removes the file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub first: bool,
    /// Where `schema.json` differs from the one before, in file order; empty for a
    /// hand-written migration, which changes no schema.
    pub changes: Vec<Change>,
}

/// At line `at` (from 0) of the new `schema.json`, the lines `now` replaced `before`.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: usize,
    pub now: Vec<String>,
    pub before: Vec<String>,
}

impl Record {
    /// The record of a migration that turned snapshot `before` (`None`: there was none) into `after`.
    pub fn between<'a>(before: Option<&'a str>, after: &'a str) -> Self {
        let Some(before) = before else {
            return Record {
                first: true,
                changes: Vec::new(),
            };
        };
        // Most migrations change a few lines of a long file: diff only what lies between the
        // common head and tail. Patience diff, not Myers: Myers slows down with the number of
        // changes (a change to every table of a large system took a minute), patience does not.
        // Head and tail are found on the bytes (a `memcmp`), and only the middle is split into
        // lines: at 10,000 tables, two 12 MB snapshots were split into 340,000 lines each.
        let (head_bytes, tail_bytes) = common_lines(before, after);
        let head = bytecount(&before.as_bytes()[..head_bytes]);
        let lines = |text: &'a str| -> Vec<&'a str> {
            text[head_bytes..text.len() - tail_bytes]
                .split_inclusive('\n')
                .collect()
        };
        let (old_mid, new_mid) = (&lines(before)[..], &lines(after)[..]);
        let owned = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect();
        // A snapshot rewritten in a newer format shares (almost) no line with the one before;
        // diffing it would find nothing to keep and take minutes at 10,000 tables (patience
        // falls back to Myers where no line is unique to both sides): one change, whole.
        if shares_few_lines(old_mid, new_mid) {
            let change = Change {
                at: head,
                now: owned(new_mid),
                before: owned(old_mid),
            };
            return Record {
                first: false,
                changes: vec![change],
            };
        }
        let changes = similar::capture_diff_slices(similar::Algorithm::Patience, old_mid, new_mid)
            .iter()
            .map(|op| op.as_tag_tuple())
            .filter(|(tag, _, _)| *tag != similar::DiffTag::Equal)
            .map(|(_, was, is)| Change {
                at: head + is.start,
                now: owned(&new_mid[is]),
                before: owned(&old_mid[was]),
            })
            .collect();
        Record {
            first: false,
            changes,
        }
    }

    /// The `schema.json` before the migration, from the one after it (`None`: there was
    /// none); `Err` with the line where `after` is not what the migration left.
    pub fn rewind(&self, after: &str) -> Result<Option<String>, usize> {
        if self.first {
            return Ok(None);
        }
        let lines: Vec<&str> = after.split_inclusive('\n').collect();
        let mut before = String::with_capacity(after.len());
        let mut next = 0;
        for change in &self.changes {
            let end = change.at + change.now.len();
            let found = lines.get(change.at..end).filter(|_| change.at >= next);
            if found.is_none_or(|found| !found.iter().eq(change.now.iter())) {
                return Err(change.at + 1);
            }
            lines[next..change.at]
                .iter()
                .for_each(|l| before.push_str(l));
            change.before.iter().for_each(|l| before.push_str(l));
            next = end;
        }
        lines[next..].iter().for_each(|l| before.push_str(l));
        Ok(Some(before))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a record serializes") + "\n"
    }
}

/// The lengths in bytes of the longest head and tail made of whole lines that `before` and
/// `after` share (not overlapping): the lines `split_inclusive('\n')` gives, compared pairwise
/// from either end.
fn common_lines(before: &str, after: &str) -> (usize, usize) {
    let (b, a) = (before.as_bytes(), after.as_bytes());
    if b == a {
        return (b.len(), 0);
    }
    let same = common_prefix(b, a);
    // Back to the start of the line the difference is in.
    let head = b[..same]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let room = b.len().min(a.len()) - head;
    let same = common_prefix_rev(&b[head..], &a[head..]).min(room);
    let starts_line = |s: &[u8], at: usize| at == 0 || s[at - 1] == b'\n';
    if starts_line(b, b.len() - same) && starts_line(a, a.len() - same) {
        return (head, same);
    }
    // Inside the shared tail the bytes agree, so a line starts at the same place in both: the
    // tail begins after its first newline (or is empty).
    let region = &b[b.len() - same..];
    let tail = region
        .iter()
        .position(|&c| c == b'\n')
        .map_or(0, |i| same - i - 1);
    (head, tail)
}

fn bytecount(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&c| c == b'\n').count()
}

/// Whether fewer than a tenth of `new`'s lines are among `old`'s (in linear time).
fn shares_few_lines(old: &[&str], new: &[&str]) -> bool {
    let old: std::collections::HashSet<&str> = old.iter().copied().collect();
    let shared = new.iter().filter(|line| old.contains(*line)).count();
    shared * 10 < new.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n";
    const AFTER: &str = "{\n  \"a\": 1,\n  \"b\": 20,\n  \"c\": 3,\n  \"d\": 4\n}\n";

    #[test]
    fn a_record_rewinds_to_the_exact_bytes_before() {
        let record = Record::between(Some(BEFORE), AFTER);
        assert_eq!(record.rewind(AFTER), Ok(Some(BEFORE.to_string())));
        let read_back: Record = serde_json::from_str(&record.to_json()).unwrap();
        assert_eq!(read_back, record);
    }

    #[test]
    fn changes_at_either_end_and_in_several_places_rewind() {
        let afters = [
            format!("//\n{BEFORE}"),
            format!("{BEFORE}//\n"),
            BEFORE.replace("1", "10").replace("3", "30"),
            String::new(),
        ];
        for after in &afters {
            let record = Record::between(Some(BEFORE), after);
            assert_eq!(
                record.rewind(after),
                Ok(Some(BEFORE.to_string())),
                "{after}"
            );
        }
        assert_eq!(
            Record::between(Some(""), AFTER).rewind(AFTER),
            Ok(Some(String::new()))
        );
    }

    #[test]
    fn a_record_keeps_only_what_changed() {
        let record = Record::between(Some(BEFORE), AFTER);
        let kept: usize = record.changes.iter().map(|c| c.now.len()).sum();
        assert_eq!(kept, 3, "{record:?}");
    }

    #[test]
    fn the_first_snapshot_rewinds_to_none_and_an_edited_snapshot_is_refused() {
        assert_eq!(Record::between(None, AFTER).rewind(AFTER), Ok(None));
        let record = Record::between(Some(BEFORE), AFTER);
        let edited = AFTER.replace("20", "21");
        assert_eq!(record.rewind(&edited), Err(3));
        assert_eq!(record.rewind("{}\n"), Err(3));
    }

    #[test]
    fn a_snapshot_in_a_new_format_is_one_change_and_rewinds() {
        let after: String = BEFORE.lines().map(|l| format!("{}\n", l.trim())).collect();
        let record = Record::between(Some(BEFORE), &after);
        assert_eq!(record.changes.len(), 1, "{record:?}");
        assert_eq!(record.rewind(&after), Ok(Some(BEFORE.to_string())));
    }

    /// The head and tail as lines, the way `between` found them before it compared bytes.
    fn common_lines_by_line(before: &str, after: &str) -> (usize, usize) {
        let old: Vec<&str> = before.split_inclusive('\n').collect();
        let new: Vec<&str> = after.split_inclusive('\n').collect();
        let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let tail = old[head..]
            .iter()
            .rev()
            .zip(new[head..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let bytes = |lines: &[&str]| lines.iter().map(|l| l.len()).sum::<usize>();
        (bytes(&old[..head]), bytes(&old[old.len() - tail..]))
    }

    proptest::proptest! {
        #[test]
        fn head_and_tail_on_bytes_are_the_whole_lines_both_share(
            before in "[ab\n]{0,12}",
            after in "[ab\n]{0,12}",
        ) {
            if before != after {
                proptest::prop_assert_eq!(
                    common_lines(&before, &after),
                    common_lines_by_line(&before, &after)
                );
            }
        }
    }

    #[test]
    fn head_and_tail_cross_the_block_size() {
        let lines: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let changed = lines.replace("line 1500\n", "line 1500!\n");
        assert_eq!(
            common_lines(&lines, &changed),
            common_lines_by_line(&lines, &changed)
        );
        let record = Record::between(Some(&lines), &changed);
        assert_eq!(record.changes.len(), 1);
        assert_eq!(record.changes[0].at, 1500);
        assert_eq!(record.rewind(&changed), Ok(Some(lines)));
    }

    #[test]
    fn a_hand_written_migration_rewinds_to_the_same_snapshot() {
        let record = Record::default();
        assert_eq!(record.rewind(AFTER), Ok(Some(AFTER.to_string())));
    }
}
