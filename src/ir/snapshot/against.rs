//! A previous snapshot read against the next one's text: what the two texts share is not
//! read again.
//!
//! A build after a small change reads the previous `schema.json` (12 MB at 10,000 models)
//! only to plan against it, and writes the next one anyway. The two texts are compared from
//! the start and from the end (a `memcmp`); each next table whose text lies wholly in the
//! shared head or tail stands, in the previous snapshot, at the same place with the same
//! bytes, and is taken as a copy of the next table instead of being parsed. Only what lies
//! between (the changed tables) and the little outside the tables' list are read.
//!
//! Why a copy is what reading would give: the writer is canonical and the reader reads what
//! it wrote back as the same IR (`any_system_survives_the_format` in `tests/schema_json.rs`),
//! so a table's text as this writer writes it reads back as that table; spans are left out,
//! as a read leaves them. A snapshot an older version wrote (session 4's pretty format,
//! session 5's compact one) shares no table's bytes with this writer's text and is read
//! whole, as [`super::from_str`] reads it. So no format version is needed: the bytes tell,
//! and a version field would not prove that the bytes are this writer's.
//!
//! Why the middle reads as the whole would: the head ends just after a whole table (or the
//! list's `[`) and the tail starts at a whole table (or the list's `]`), places where a JSON
//! reader is between two tokens. The middle stands in for what lies there in the previous
//! text; it is read with the neighbouring tables replaced by `null` (`[null` + middle +
//! `null]`), which is valid JSON exactly when the previous text with the middle in place is,
//! and gives the same tables between them.

use super::{fill_derived_names, read_tables, Split, Written};
use crate::ir::{Span, System, Table};
use serde_json::value::RawValue;

/// A previous snapshot as [`from_str_against`] read it.
#[derive(Debug)]
pub struct Read {
    /// What [`super::from_str`] reads from the same text.
    pub system: System,
    /// For each table of `system`, the index of the next system's table it is a copy of (both
    /// snapshots hold the same bytes for it), or `None` when it was read from the text.
    pub copied: Vec<Option<usize>>,
}

/// The previous snapshot `text`, read knowing `next` and its snapshot `written`
/// ([`super::written`]): the same system [`super::from_str`] reads, the tables both texts
/// share copied from `next` rather than parsed.
pub fn from_str_against(text: &str, next: &System, written: &Written) -> serde_json::Result<Read> {
    // Anything unexpected (the middle not JSON, say) is left to the whole read, so its
    // errors are the whole read's.
    let shared = shared(text, written);
    if let Some(read) = shared.and_then(|s| read_shared(text, next, written, &s).ok()) {
        return Ok(read);
    }
    let system = super::from_str(text)?;
    let copied = vec![None; system.tables.len()];
    Ok(Read { system, copied })
}

/// The previous system: the middle of `text` read, the tables around it copied.
fn read_shared(
    text: &str,
    next: &System,
    written: &Written,
    shared: &Shared,
) -> serde_json::Result<Read> {
    let (before, after) = (shared.head > 0, shared.tail < next.tables.len());
    let probe = format!(
        "[{}{}{}]",
        if before { "null" } else { "" },
        &text[shared.middle.clone()],
        if after { "null" } else { "" },
    );
    let raw: Vec<&RawValue> = serde_json::from_str(&probe)?;
    // The stand-ins read as the first and last elements, or the probe would not be JSON.
    let middle = read_tables(&raw[usize::from(before)..raw.len() - usize::from(after)])?;
    let mut system = outside_tables(written)?;
    let (head, tail) = (&next.tables[..shared.head], &next.tables[shared.tail..]);
    let mut copied = Vec::with_capacity(head.len() + middle.len() + tail.len());
    copied.extend((0..shared.head).map(Some));
    copied.extend(middle.iter().map(|_| None));
    copied.extend((shared.tail..next.tables.len()).map(Some));
    system.tables = head
        .iter()
        .map(as_read)
        .chain(middle)
        .chain(tail.iter().map(as_read))
        .collect();
    fill_derived_names(&mut system);
    Ok(Read { system, copied })
}

/// Where the previous text shares the next one's tables.
struct Shared {
    /// The next tables before `head` lie in the shared head.
    head: usize,
    /// The next tables from `tail` on lie in the shared tail.
    tail: usize,
    /// The previous text between them (the next tables `head..tail`, as they were).
    middle: std::ops::Range<usize>,
}

/// `None` when the two texts do not share everything outside the tables' list (an older
/// format, another system): the previous text is then read whole.
fn shared(text: &str, written: &Written) -> Option<Shared> {
    let (old, new) = (text.as_bytes(), written.text.as_bytes());
    let list = written.list.clone()?;
    // The shared head and tail may overlap (texts alike but for a repeated part, or equal).
    let same_head = common_prefix(old, new);
    let same_tail = common_prefix_rev(old, new);
    let tables = &written.tables;
    let head = tables.partition_point(|t| t.end <= same_head);
    let tail = tables
        .partition_point(|t| t.start < new.len() - same_tail)
        .max(head);
    // Just after the last shared table of the head (or the list's `[`), and at the first of
    // the tail (or the list's `]`).
    let from = head
        .checked_sub(1)
        .map_or(list.start + 1, |t| tables[t].end);
    let to = tables.get(tail).map_or(list.end - 1, |t| t.start);
    let after = new.len() - to;
    if from > same_head || after > same_tail || from + after > old.len() {
        return None;
    }
    let middle = from..old.len() - after;
    // Both ends lie where the texts agree on what came before (or after) them, so they are
    // on character boundaries of the previous text as of the next.
    text.get(middle.clone())?;
    Some(Shared { head, tail, middle })
}

/// The snapshot's fields other than its tables, read from the next text (the previous one
/// holds the same bytes there) with the tables' list left empty.
fn outside_tables(written: &Written) -> serde_json::Result<System> {
    let list = written.list.clone().expect("shared() found the list");
    let text = &written.text;
    let without = format!("{}[]{}", &text[..list.start], &text[list.end..]);
    let Split { system, .. } = serde_json::from_str(&without)?;
    Ok(system)
}

/// A copy of `table` as reading its text gives it back: without the places it was declared
/// at. (Destructured, so a field cannot be forgotten here.)
fn as_read(table: &Table) -> Table {
    let Table {
        name,
        db_name,
        columns,
        primary_key,
        foreign_keys,
        indexes,
        checks,
        partition,
        comment,
        span: _,
    } = table;
    Table {
        name: name.clone(),
        db_name: db_name.clone(),
        columns: unplaced(columns, |c| &mut c.span),
        primary_key: primary_key.clone().map(|mut pk| {
            pk.span = Span::default();
            pk
        }),
        foreign_keys: unplaced(foreign_keys, |k| &mut k.span),
        indexes: unplaced(indexes, |i| &mut i.span),
        checks: unplaced(checks, |c| &mut c.span),
        partition: partition.clone().map(|mut p| {
            p.span = Span::default();
            p
        }),
        comment: comment.clone(),
        span: Span::default(),
    }
}

/// Copies of `items`, each with the span `span` points to cleared.
fn unplaced<T: Clone>(items: &[T], span: impl Fn(&mut T) -> &mut Span) -> Vec<T> {
    items
        .iter()
        .map(|item| {
            let mut item = item.clone();
            *span(&mut item) = Span::default();
            item
        })
        .collect()
}

/// How many leading bytes `a` and `b` share, compared a block at a time.
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let mut at = 0;
    while at + BLOCK <= a.len().min(b.len()) && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..]
        .iter()
        .zip(&b[at..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many trailing bytes `a` and `b` share, compared a block at a time.
pub(crate) fn common_prefix_rev(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let (mut at, (la, lb)) = (0, (a.len(), b.len()));
    while at + BLOCK <= la.min(lb) && a[la - at - BLOCK..la - at] == b[lb - at - BLOCK..lb - at] {
        at += BLOCK;
    }
    at + a[..la - at]
        .iter()
        .rev()
        .zip(b[..lb - at].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}
