//! A build after a change copies, from the files the last build wrote, the section of each
//! table the change did not touch, instead of laying it out again: `models.rs`, `types.ts`
//! and `README.md` are laid out table by table, and at 10,000 models a one-column change
//! rendered all three whole (a sixth of the build).
//!
//! A render records where each table's sections lie in those files ([`Sections`]); `write`
//! keeps that beside the build stamp (`write::stamp`, never an output). The next build gets
//! it back as a [`Previous`] only when it was recorded by the same binary, configuration and
//! templates, and each file on disk is still exactly what was recorded (its sum). A section is
//! then copied only when everything it was laid out from is unchanged:
//! - its table: the history read the previous `schema.json` against the next one and found
//!   the table's text in both (`History::copied`); the snapshot writes every field of a
//!   table but its span, so equal text is an equal table. The recorded sections must belong
//!   to that snapshot: the sum of the snapshot the recording render's IR writes must be the
//!   sum of the `schema.json` the history read (an empty plan keeps an older one on disk);
//! - what it reads beyond its table: the name its type was given (struct and type names are
//!   claimed across all tables, so a new table can rename another's), and the names of the
//!   enum types and of the point type (see each target's `shared_names`). The diagram reads
//!   nothing beyond its table.
//!
//! Everything else (the headers, the enums, the `Database` type's frame, the diagram's join
//! lines) is laid out every time: it is small and reads the whole system.

use crate::history::History;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use xxhash_rust::xxh3::{xxh3_128, Xxh3Default};

/// Where one system's tables lie in its files, as a render laid them out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sections {
    pub system: String,
    /// The sum of the `schema.json` text of the IR rendered (`snapshot::written`): the tables
    /// are numbered as in it.
    pub snapshot: u128,
    /// Each file laid out table by table: `models.rs`, `types.ts`, `README.md`.
    pub files: Vec<(String, FileSections)>,
}

/// One file's sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSections {
    /// The sum of the file's text ([`sum`]).
    pub sum: u128,
    /// The sum of the names outside the tables that any table's section reads.
    pub shared: u128,
    /// Per table, in IR order.
    pub tables: Vec<TableSections>,
}

/// One table's sections in a file: the type name it was laid out under and where each of
/// its (at most two) sections lies; `None` for a section the table has not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSections {
    pub name: String,
    pub ranges: [Option<Range<usize>>; 2],
}

/// What the last build recorded for a system, and the folder of the files it recorded
/// sections of. Each file is read when its target renders and dropped when that target is
/// done: the three previous files held through the whole render raised a 10,000-model change
/// build's peak by 16 MB.
#[derive(Debug, Default)]
pub struct Previous {
    pub sections: Sections,
    pub dir: std::path::PathBuf,
}

/// The sum files and snapshots are compared by: a cache key, like the stamp's (xxh3-128).
pub fn sum(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// A sum of names, each framed by its length so no two lists sum alike.
pub(crate) fn names_sum<'a>(names: impl IntoIterator<Item = &'a str>) -> u128 {
    let mut sum = Xxh3Default::new();
    for name in names {
        sum.update(&(name.len() as u64).to_le_bytes());
        sum.update(name.as_bytes());
    }
    sum.digest128()
}

impl Previous {
    /// Whether the recording render's tables are the previous snapshot's, the one `history`
    /// read (an empty plan keeps an older `schema.json` on disk).
    fn of(&self, history: &History) -> bool {
        let snapshot = history.snapshot.as_deref();
        snapshot.is_some_and(|text| self.sections.snapshot == sum(text))
    }

    /// The previous file `file`, read now, when its recorded sections may be used (as many
    /// tables as `history` read, the same `shared` names) and it holds exactly what was
    /// recorded (its sum): a file edited since is laid out whole.
    fn file(&self, file: &str, shared: u128, history: &History) -> Option<(String, &FileSections)> {
        let (_, sections) = self.sections.files.iter().find(|(f, _)| f == file)?;
        if sections.tables.len() != history.copied.len() || sections.shared != shared {
            return None;
        }
        let limit = crate::load::MAX_OUTPUT_FILE_BYTES;
        let text = crate::load::read_text(&self.dir.join(file), limit).ok()?;
        (sum(&text) == sections.sum).then_some((text, sections))
    }
}

/// What a render may copy from: the previous build's files (when recorded, and unchanged on
/// disk), and per next table the previous table it is a copy of.
pub(crate) struct Before<'a> {
    previous: Option<&'a Previous>,
    history: &'a History,
    /// Per next table: the previous table it is a copy of (`History::copied` turned around).
    from: Vec<Option<usize>>,
    /// Sections copied so far.
    copied: AtomicUsize,
}

impl<'a> Before<'a> {
    pub(crate) fn new(previous: Option<&'a Previous>, history: &'a History, tables: usize) -> Self {
        // The previous snapshot is summed once here, not by each target.
        let previous = previous.filter(|p| p.of(history));
        let mut from = vec![None; if previous.is_some() { tables } else { 0 }];
        for (before, next) in history.copied.iter().enumerate() {
            if let Some(slot) = next.and_then(|next| from.get_mut(next)) {
                *slot = Some(before);
            }
        }
        Before {
            previous,
            history,
            from,
            copied: AtomicUsize::new(0),
        }
    }

    /// How many sections [`Copies::section`] has handed out.
    pub(crate) fn copied(&self) -> usize {
        self.copied.load(Ordering::Relaxed)
    }

    /// What the render of `file` may copy, if the names shared by every table are the
    /// recorded ones (`shared`); the previous file is read only then.
    pub(crate) fn copies(&self, file: &str, shared: u128) -> Option<Copies<'_>> {
        let (text, sections) = self.previous?.file(file, shared, self.history)?;
        Some(Copies {
            text,
            sections,
            from: &self.from,
            copied: &self.copied,
        })
    }
}

/// The previous build's sections of one file that a render may copy, with its text (freed
/// when the render of that file is done).
pub(crate) struct Copies<'a> {
    text: String,
    sections: &'a FileSections,
    from: &'a [Option<usize>],
    copied: &'a AtomicUsize,
}

impl<'a> Copies<'a> {
    /// The previous text of section `kind` of the next table `table`, named `name` now:
    /// `None` unless that table is a copy of a previous one laid out under the same name.
    pub(crate) fn section(&self, table: usize, name: &str, kind: usize) -> Option<&str> {
        let previous = self.sections.tables.get((*self.from.get(table)?)?)?;
        if previous.name != name {
            return None;
        }
        let text = self.text.get(previous.ranges[kind].clone()?)?;
        self.copied.fetch_add(1, Ordering::Relaxed);
        Some(text)
    }
}

/// [`Copies::section`] when there may be nothing to copy from.
pub(crate) fn section<'c>(
    copies: Option<&'c Copies<'_>>,
    table: usize,
    name: &str,
    kind: usize,
) -> Option<&'c str> {
    copies?.section(table, name, kind)
}

/// Where each item's section lies, from `start` and the items' `lengths` in order.
pub(crate) fn ranges(start: usize, lengths: &[usize]) -> impl Iterator<Item = Range<usize>> + '_ {
    lengths.iter().scan(start, |at, &len| {
        let range = *at..*at + len;
        *at += len;
        Some(range)
    })
}

impl Sections {
    /// The text kept beside the stamp: a line per system, per file, and per table (its name,
    /// then each section as `start+length` or `-`). Names hold no tab nor line break (they
    /// are identifiers); a system whose would is left out.
    pub fn to_text(all: &[Sections]) -> String {
        let mut out = String::new();
        for system in all.iter().filter(|s| s.writable()) {
            push_line(&mut out, &["system", &system.system, &hex(system.snapshot)]);
            for (file, sections) in &system.files {
                let tables = sections.tables.len().to_string();
                let line = [
                    "file",
                    file,
                    &hex(sections.sum),
                    &hex(sections.shared),
                    &tables,
                ];
                push_line(&mut out, &line);
                for table in &sections.tables {
                    out.push_str(&table.name);
                    for range in &table.ranges {
                        out.push('\t');
                        match range {
                            Some(r) => out.push_str(&format!("{}+{}", r.start, r.len())),
                            None => out.push('-'),
                        }
                    }
                    out.push('\n');
                }
            }
        }
        out
    }

    fn writable(&self) -> bool {
        let plain = |s: &str| !s.contains(['\t', '\n', '\r']);
        plain(&self.system)
            && self.files.iter().all(|(file, sections)| {
                plain(file) && sections.tables.iter().all(|t| plain(&t.name))
            })
    }

    /// The systems [`Sections::to_text`] wrote; `None` for anything else.
    pub fn from_text(text: &str) -> Option<Vec<Sections>> {
        let mut lines = text.lines().peekable();
        let mut all = Vec::new();
        while let Some(line) = lines.next() {
            let ["system", name, snapshot] = fields(line)? else {
                return None;
            };
            let mut system = Sections {
                system: name.to_string(),
                snapshot: unhex(snapshot)?,
                files: Vec::new(),
            };
            while let Some(line) = lines.next_if(|l| l.starts_with("file\t")) {
                let ["file", file, sum, shared, tables] = fields(line)? else {
                    return None;
                };
                let count: usize = tables.parse().ok()?;
                let mut sections = FileSections {
                    sum: unhex(sum)?,
                    shared: unhex(shared)?,
                    tables: Vec::with_capacity(count),
                };
                for _ in 0..count {
                    sections.tables.push(table(lines.next()?)?);
                }
                system.files.push((file.to_string(), sections));
            }
            all.push(system);
        }
        Some(all)
    }
}

fn table(line: &str) -> Option<TableSections> {
    let [name, first, second] = fields(line)?;
    Some(TableSections {
        name: name.to_string(),
        ranges: [range(first)?, range(second)?],
    })
}

/// `start+length` as a range, `-` as none; `None` for anything else.
fn range(field: &str) -> Option<Option<Range<usize>>> {
    if field == "-" {
        return Some(None);
    }
    let (start, len) = field.split_once('+')?;
    let (start, len): (usize, usize) = (start.parse().ok()?, len.parse().ok()?);
    Some(Some(start..start.checked_add(len)?))
}

/// The `N` tab-separated fields of `line`; `None` for another number.
fn fields<const N: usize>(line: &str) -> Option<[&str; N]> {
    line.split('\t').collect::<Vec<_>>().try_into().ok()
}

fn push_line(out: &mut String, fields: &[&str]) {
    out.push_str(&fields.join("\t"));
    out.push('\n');
}

fn hex(n: u128) -> String {
    format!("{n:032x}")
}

fn unhex(text: &str) -> Option<u128> {
    (text.len() == 32).then_some(())?;
    u128::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sections {
        let table = |name: &str, a: Option<Range<usize>>, b| TableSections {
            name: name.into(),
            ranges: [a, b],
        };
        Sections {
            system: "blog".into(),
            snapshot: 7,
            files: vec![
                (
                    "models.rs".into(),
                    FileSections {
                        sum: u128::MAX,
                        shared: 3,
                        tables: vec![table("Post", Some(10..20), None), table("User", None, None)],
                    },
                ),
                (
                    "README.md".into(),
                    FileSections {
                        sum: 1,
                        shared: 0,
                        tables: vec![table("", Some(0..0), Some(5..9))],
                    },
                ),
            ],
        }
    }

    #[test]
    fn sections_read_back_as_written() {
        let all = vec![sample(), Sections::default()];
        assert_eq!(Sections::from_text(&Sections::to_text(&all)), Some(all));
    }

    #[test]
    fn a_damaged_text_reads_as_none() {
        let text = Sections::to_text(&[sample()]);
        let short = &text[..text.len() - 6];
        assert_eq!(Sections::from_text(short), None);
        assert_eq!(Sections::from_text(&text.replace("10+10", "10-10")), None);
        assert_eq!(Sections::from_text("system\tx\n"), None);
    }

    #[test]
    fn a_system_whose_names_hold_a_tab_is_not_written() {
        let mut odd = sample();
        odd.files[0].1.tables[0].name = "A\tB".into();
        assert_eq!(Sections::to_text(&[odd]), "");
    }
}
