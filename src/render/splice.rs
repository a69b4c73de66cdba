//! A build after a change copies, from the files the last build wrote, the section of each
//! table the change did not touch, instead of laying it out again: `models.rs`, `types.ts`
//! and `README.md` are laid out table by table, and at 10,000 models a one-column change
//! rendered all three whole (a sixth of the build).
//!
//! A render records where each table's sections lie in those files ([`Sections`]); `write`
//! keeps that beside the build stamp (`write::stamp`, never an output). The next build gets
//! it back as a [`Previous`] only when it was recorded by the same binary, configuration and
//! templates, and a file's copies are kept only when the file on disk is still exactly what
//! was recorded (its sum, taken after the copies were read from it by range). A section is
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
use std::fmt::Write as _;
use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

impl FileSections {
    /// The sections of `text`, laid out table by table (`tables`), each table's reading the
    /// `shared` names beyond it.
    pub(crate) fn of(text: &str, shared: u128, tables: Vec<TableSections>) -> FileSections {
        FileSections {
            sum: sum(text),
            shared,
            tables,
        }
    }
}

/// One table's sections in a file: the type name it was laid out under and where each of
/// its (at most two) sections lies; `None` for a section the table has not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSections {
    pub name: String,
    pub ranges: [Option<Range<usize>>; 2],
}

/// What the last build recorded for a system, and the folder of the files it recorded
/// sections of. Each file is opened when its target renders and read a run of sections at a
/// time ([`Copies::copy`]), never whole: held beside the text copied into, the three
/// previous files raised a 10,000-model change build's peak by ~15 MiB (docs/benchmarks.md, session 12).
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

    /// The previous file `file`, opened now, when its recorded sections may be used (as many
    /// tables as `history` read, the same `shared` names). Whether it holds what was recorded
    /// (its sum) is checked after copying from it ([`Copies::intact`]).
    fn file(&self, file: &str, shared: u128, history: &History) -> Option<(Source, &FileSections)> {
        let (_, sections) = self.sections.files.iter().find(|(f, _)| f == file)?;
        if sections.tables.len() != history.copied.len() || sections.shared != shared {
            return None;
        }
        Some((Source::open(&self.dir.join(file))?, sections))
    }
}

/// A previous file, open: read a range at a time, and summed in blocks.
struct Source {
    file: File,
    len: u64,
}

impl Source {
    /// `path` when it is a regular file no larger than an output may be.
    fn open(path: &Path) -> Option<Source> {
        // Checked before opening, and opened non-blocking: a FIFO put there must not hang
        // the build (as `load::read_text` reads).
        std::fs::metadata(path).ok()?.is_file().then_some(())?;
        let flags = rustix::fs::OFlags::NONBLOCK.bits() as i32;
        let file = File::options()
            .read(true)
            .custom_flags(flags)
            .open(path)
            .ok()?;
        let metadata = file.metadata().ok()?;
        let len = metadata.len();
        (metadata.is_file() && len <= crate::load::MAX_OUTPUT_FILE_BYTES)
            .then_some(Source { file, len })
    }

    /// The file's [`sum`], read a block at a time.
    fn sum(&self) -> Option<u128> {
        let mut sum = Xxh3Default::new();
        let mut block = vec![0; 1 << 16];
        let mut at = 0;
        loop {
            let n = self.file.read_at(&mut block, at).ok()?;
            if n == 0 {
                return Some(sum.digest128());
            }
            sum.update(&block[..n]);
            at += n as u64;
        }
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

    /// `lay_out(copies)`, given what the render of `file` may copy when the names shared by
    /// every table are the recorded ones (`shared`; the previous file is opened only then).
    /// Laid out again without copies unless the file held what was recorded: its sum is
    /// taken after the copies were read, so an edit made since the last build, or while this
    /// one copied, is never copied (copies first, then the sum: the file is read twice, but
    /// never held whole beside the text copied into).
    pub(crate) fn lay_out<T>(
        &self,
        file: &str,
        shared: u128,
        lay_out: impl Fn(Option<&Copies>) -> T,
    ) -> T {
        let Some(copies) = self.copies(file, shared) else {
            return lay_out(None);
        };
        let laid = lay_out(Some(&copies));
        if !copies.intact() {
            return lay_out(None);
        }
        let handed = copies.handed.load(Ordering::Relaxed);
        self.copied.fetch_add(handed, Ordering::Relaxed);
        laid
    }

    fn copies(&self, file: &str, shared: u128) -> Option<Copies<'_>> {
        let (source, sections) = self.previous?.file(file, shared, self.history)?;
        Some(Copies {
            source,
            sections,
            from: &self.from,
            handed: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
        })
    }
}

/// The previous build's sections of one file that a render may copy, and the file, open
/// (closed when the render of that file is done).
pub(crate) struct Copies<'a> {
    source: Source,
    sections: &'a FileSections,
    from: &'a [Option<usize>],
    /// Sections handed out.
    handed: AtomicUsize,
    /// Set when a copy could not be read as text.
    failed: AtomicBool,
}

impl<'a> Copies<'a> {
    /// Where the previous text of section `kind` of the next table `table`, named `name`
    /// now, lies in the previous file: `None` unless that table is a copy of a previous one
    /// laid out under the same name.
    pub(crate) fn section(&self, table: usize, name: &str, kind: usize) -> Option<Range<usize>> {
        let previous = self.sections.tables.get((*self.from.get(table)?)?)?;
        if previous.name != name {
            return None;
        }
        let range = previous.ranges[kind].clone()?;
        (range.end as u64 <= self.source.len).then_some(())?;
        self.handed.fetch_add(1, Ordering::Relaxed);
        Some(range)
    }

    /// The previous file's text in `range` appended to `out`: one read for a run of
    /// sections (consecutive tables' lie one after another). When it cannot be read as text,
    /// nothing is appended, and [`Before::lay_out`] lays the file out again.
    pub(crate) fn copy(&self, out: &mut String, range: Range<usize>) {
        let mut bytes = vec![0; range.len()];
        let read = self
            .source
            .file
            .read_exact_at(&mut bytes, range.start as u64);
        match read.ok().and_then(|()| String::from_utf8(bytes).ok()) {
            Some(text) => out.push_str(&text),
            None => self.failed.store(true, Ordering::Relaxed),
        }
    }

    /// Whether every copy was read, from a file that still holds what was recorded.
    fn intact(&self) -> bool {
        !self.failed.load(Ordering::Relaxed) && self.source.sum() == Some(self.sections.sum)
    }
}

/// [`Copies::section`] when there may be nothing to copy from.
pub(crate) fn section(
    copies: Option<&Copies<'_>>,
    table: usize,
    name: &str,
    kind: usize,
) -> Option<Range<usize>> {
    copies?.section(table, name, kind)
}

/// Sections to copy, gathered while they lie one after another in the previous file, so a
/// run of them is one read ([`Copies::copy`]).
pub(crate) struct Run<'c> {
    copies: Option<&'c Copies<'c>>,
    pending: Option<Range<usize>>,
}

impl<'c> Run<'c> {
    pub(crate) fn new(copies: Option<&'c Copies<'c>>) -> Self {
        Run {
            copies,
            pending: None,
        }
    }

    /// `range` copied into `out` after the sections pending, or with them.
    pub(crate) fn push(&mut self, out: &mut String, range: Range<usize>) {
        match &mut self.pending {
            Some(pending) if pending.end == range.start => pending.end = range.end,
            _ => {
                self.flush(out);
                self.pending = Some(range);
            }
        }
    }

    /// The sections pending copied into `out`: before anything else is written there.
    pub(crate) fn flush(&mut self, out: &mut String) {
        if let (Some(copies), Some(range)) = (self.copies, self.pending.take()) {
            copies.copy(out, range);
        }
    }
}

/// Where each item's section lies, from `start` and the items' `lengths` in order.
pub(crate) fn ranges(start: usize, lengths: &[usize]) -> impl Iterator<Item = Range<usize>> + '_ {
    // `map`, not `scan`: its length is known, so a list collected from it is sized once.
    let mut at = start;
    lengths.iter().map(move |&len| {
        let range = at..at + len;
        at += len;
        range
    })
}

impl Sections {
    /// The text kept beside the stamp: a line per system, per file, and per table (its name,
    /// then each section as `start+length` or `-`). Names hold no tab nor line break (they
    /// are identifiers); a system whose would is left out.
    pub fn to_text(all: &[Sections]) -> String {
        // Sized once for a line per table (its name and two ranges of at most 42 bytes):
        // grown by doubling, the text of 1,000 models touched ~40 pages more.
        let tables = all
            .iter()
            .flat_map(|s| &s.files)
            .flat_map(|(_, f)| &f.tables);
        let mut out =
            String::with_capacity(4096 + tables.map(|t| t.name.len() + 86).sum::<usize>());
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
                            Some(r) => {
                                let _ = write!(out, "{}+{}", r.start, r.len());
                            }
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

    /// A previous file of its own below the temp folder, removed when dropped.
    struct Written(std::path::PathBuf);

    impl Written {
        fn new(name: &str, text: &str) -> Written {
            let pid = std::process::id();
            let path = std::env::temp_dir().join(format!("schemagen-unit-splice-{pid}-{name}"));
            std::fs::write(&path, text).unwrap();
            Written(path)
        }
    }

    impl Drop for Written {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Two tables' sections of `text`, recorded with its sum: `A` at 0..4, `B` at 4..8.
    fn recorded(text: &str) -> FileSections {
        let table = |name: &str, range| TableSections {
            name: name.into(),
            ranges: [Some(range), None],
        };
        FileSections {
            sum: sum(text),
            shared: 0,
            tables: vec![table("A", 0..4), table("B", 4..8)],
        }
    }

    fn copies<'a>(
        file: &Written,
        sections: &'a FileSections,
        from: &'a [Option<usize>],
    ) -> Copies<'a> {
        Copies {
            source: Source::open(&file.0).unwrap(),
            sections,
            from,
            handed: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
        }
    }

    #[test]
    fn a_run_of_sections_is_copied_and_trusted_while_the_file_holds_its_sum() {
        let file = Written::new("run", "AAAABBBB");
        let sections = recorded("AAAABBBB");
        let copies = copies(&file, &sections, &[Some(0), Some(1)]);
        assert_eq!(
            copies.section(0, "B", 0),
            None,
            "laid out under another name"
        );
        let mut out = String::from(">");
        let mut run = Run::new(Some(&copies));
        run.push(&mut out, copies.section(0, "A", 0).unwrap());
        run.push(&mut out, copies.section(1, "B", 0).unwrap());
        assert_eq!(out, ">", "nothing read while the run goes on");
        run.flush(&mut out);
        assert_eq!(out, ">AAAABBBB");
        assert!(copies.intact());
        // Edited while (or after) it was copied from, to the same length.
        std::fs::write(&file.0, "AAAABBBb").unwrap();
        assert!(!copies.intact());
    }

    #[test]
    fn a_copy_that_cannot_be_read_as_text_is_not_trusted() {
        let file = Written::new("short", "AAAABBBB");
        let sections = recorded("AAAABBBB");
        let copies = copies(&file, &sections, &[Some(0), Some(1)]);
        std::fs::write(&file.0, "AAAA").unwrap();
        let mut out = String::new();
        copies.copy(&mut out, 4..8);
        assert_eq!(out, "");
        std::fs::write(&file.0, "AAAABBBB").unwrap();
        assert!(!copies.intact(), "a failed read is remembered");
        let file = Written::new("binary", "AAAA\u{e9}BBB");
        let sections = recorded("AAAA\u{e9}BBB");
        let copies = self::copies(&file, &sections, &[Some(0), Some(1)]);
        copies.copy(&mut out, 4..5);
        assert_eq!(out, "", "half a character");
        assert!(!copies.intact());
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
