//! `migrations/schemagen.sum`, in the manner of `atlas.sum`: a first line that hashes the
//! whole listing (so two branches that each add a migration conflict in version control,
//! and a hand edit of the file shows), then `name checksum` per migration, in order.
//!
//! `build` and `check` verify it before planning: a committed migration that was edited,
//! deleted, renamed, or a migration file the sum does not list, stops the run.

use super::{checksum, History};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Span;
use crate::source::SourceMap;
use std::collections::BTreeMap;

pub const FILE: &str = "schemagen.sum";

/// The sum of `migrations` (file name, contents), in the order given.
pub fn render<'a>(migrations: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    render_checksums(
        migrations
            .into_iter()
            .map(|(name, sql)| (name, checksum(sql))),
    )
}

/// [`render`] from each migration's name and [`checksum`], already taken.
pub fn render_checksums<'a>(migrations: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let listing: String = migrations
        .into_iter()
        .map(|(name, sum)| format!("{name} {sum}\n"))
        .collect();
    format!("{}\n{listing}", checksum(&listing))
}

/// What is wrong with the migrations on disk, measured against the sum beside them
/// (`sum_path` names it in diagnostics). A system built before the sum existed has none:
/// nothing to check, and the next build writes it.
pub fn verify(
    history: &History,
    system: &str,
    sum_path: &str,
    sources: &mut SourceMap,
) -> Vec<Diagnostic> {
    let Some(text) = &history.sum else {
        return Vec::new();
    };
    let file = sources.add(sum_path.to_string(), text.clone());
    let Some(listed) = parse(text) else {
        return vec![corrupt(system, sum_path)];
    };
    let at = |line: usize| Span {
        file,
        line: line as u32,
        column: 1,
    };
    let on_disk: BTreeMap<&str, String> = history
        .migrations
        .iter()
        .zip(history.checksums())
        .map(|((name, _), sum)| (name.as_str(), sum.clone()))
        .collect();
    let listed_by_hash: BTreeMap<&str, &str> = listed.iter().map(|e| (e.hash, e.name)).collect();
    let listed_names: BTreeMap<&str, &Entry> = listed.iter().map(|e| (e.name, e)).collect();
    // Files on disk that the sum does not list, by contents: where a missing entry went.
    let unlisted: BTreeMap<&str, &str> = on_disk
        .iter()
        .filter(|(name, _)| !listed_names.contains_key(*name))
        .map(|(name, hash)| (hash.as_str(), *name))
        .collect();
    let mut problems = Vec::new();
    for entry in &listed {
        match on_disk.get(entry.name) {
            Some(hash) if hash == entry.hash => {}
            Some(hash) => problems.push(match listed_by_hash.get(hash.as_str()) {
                Some(other) => renamed(system, entry.name, other, at(entry.line)),
                None => edited(system, entry.name, at(entry.line)),
            }),
            None => match unlisted.get(entry.hash) {
                Some(now) => problems.push(renamed(system, now, entry.name, at(entry.line))),
                None => problems.push(missing(system, entry.name, at(entry.line))),
            },
        }
    }
    for (hash, name) in &unlisted {
        let moved = listed_by_hash
            .get(hash)
            .is_some_and(|old| !on_disk.contains_key(old));
        if !moved {
            problems.push(unlisted_file(system, name, sum_path));
        }
    }
    problems
}

/// One `name checksum` line of the sum, and its line number in the file.
struct Entry<'a> {
    name: &'a str,
    hash: &'a str,
    line: usize,
}

/// The listing, when every line reads and the first line is the checksum of the rest.
fn parse(text: &str) -> Option<Vec<Entry<'_>>> {
    let (total, listing) = text.split_once('\n')?;
    if checksum(listing) != total {
        return None;
    }
    listing
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let (name, hash) = line.split_once(' ')?;
            Some(Entry {
                name,
                hash,
                line: i + 2,
            })
        })
        .collect()
}

/// The way out particular to the problem, then the one every history problem shares.
fn hint(system: &str, first: &str) -> String {
    format!(
        "{first}; if the change is deliberate and the migration has not been applied to any \
         database, run `schemagen migrate hash {system}` to record the files as they are now"
    )
}

fn edited(system: &str, name: &str, at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::MigrationEdited,
        at,
        format!("{system}: migration {name} was edited after it was written"),
    )
    .at_path(format!("{system}/migrations/{name}"))
    .with_help(hint(
        system,
        "databases that applied it will not see the edit: restore the file from version control \
         and put the change in a new migration (`schemagen migrate new NAME`)",
    ))
}

fn missing(system: &str, name: &str, at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::MigrationMissing,
        at,
        format!("{system}: migration {name} is listed in {FILE} but the file is gone"),
    )
    .at_path(format!("{system}/migrations/{name}"))
    .with_help(hint(
        system,
        &format!(
            "restore it from version control; to drop a migration that was never applied, run \
             `schemagen migrate undo {system}`, which also rewinds schema.json"
        ),
    ))
}

fn renamed(system: &str, name: &str, listed_as: &str, at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::MigrationRenamed,
        at,
        format!(
            "{system}: migration {name} holds what {FILE} lists as {listed_as}: it was renamed or reordered"
        ),
    )
    .at_path(format!("{system}/migrations/{name}"))
    .with_help(hint(
        system,
        &format!(
            "migrations run in name order and databases record them by name: give it back the \
             name {listed_as}"
        ),
    ))
}

fn unlisted_file(system: &str, name: &str, sum_path: &str) -> Diagnostic {
    Diagnostic::global(
        Code::MigrationUnlisted,
        format!("{system}: migration {name} is not listed in {sum_path}"),
    )
    .at_path(format!("{system}/migrations/{name}"))
    .with_help(hint(
        system,
        &format!(
            "write hand-made migrations with `schemagen migrate new NAME {system}`, which lists \
             them; if the file is not yours, delete it"
        ),
    ))
}

fn corrupt(system: &str, sum_path: &str) -> Diagnostic {
    Diagnostic::global(
        Code::SumCorrupt,
        format!(
            "{system}: {sum_path} does not match its own first line: it was edited by hand or \
             holds a merge conflict"
        ),
    )
    .at_path(format!("{system}/migrations/{FILE}"))
    .with_help(format!(
        "if two branches each added a migration, keep the migrations, {FILE} and schema.json of \
         the branch merged first, take yours out with `schemagen migrate undo {system}` before \
         merging (or delete it), and build again; otherwise restore {FILE} from version control, \
         or run `schemagen migrate hash {system}` to record the files as they are now"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(sum: Option<String>, files: &[(&str, &str)]) -> History {
        History {
            migrations: files
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            sum,
            ..History::default()
        }
    }

    fn codes(h: &History) -> Vec<Code> {
        verify(
            h,
            "app",
            "out/app/migrations/schemagen.sum",
            &mut SourceMap::default(),
        )
        .iter()
        .map(|d| d.code)
        .collect()
    }

    const FILES: &[(&str, &str)] = &[("0001_init.sql", "one"), ("0002_b.sql", "two")];

    fn sum() -> Option<String> {
        Some(render(FILES.iter().copied()))
    }

    #[test]
    fn the_sum_lists_every_file_under_a_checksum_of_the_listing() {
        let text = sum().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], format!("0001_init.sql {}", checksum("one")));
        assert_eq!(lines[0], checksum(&format!("{}\n{}\n", lines[1], lines[2])));
    }

    #[test]
    fn untouched_and_unsummed_histories_pass() {
        assert!(codes(&history(sum(), FILES)).is_empty());
        assert!(codes(&history(None, FILES)).is_empty());
    }

    #[test]
    fn each_kind_of_tampering_has_its_code() {
        let edited = history(sum(), &[("0001_init.sql", "one"), ("0002_b.sql", "2")]);
        assert_eq!(codes(&edited), [Code::MigrationEdited]);
        let missing = history(sum(), &[("0001_init.sql", "one")]);
        assert_eq!(codes(&missing), [Code::MigrationMissing]);
        let added = history(sum(), &[FILES[0], FILES[1], ("0003_c.sql", "three")]);
        assert_eq!(codes(&added), [Code::MigrationUnlisted]);
        let renamed = history(sum(), &[("0001_init.sql", "one"), ("0003_b.sql", "two")]);
        assert_eq!(codes(&renamed), [Code::MigrationRenamed]);
        let swapped = history(sum(), &[("0001_init.sql", "two"), ("0002_b.sql", "one")]);
        assert_eq!(
            codes(&swapped),
            [Code::MigrationRenamed, Code::MigrationRenamed]
        );
        let mut corrupt = sum().unwrap();
        corrupt.push_str("0003_c.sql abc\n");
        assert_eq!(codes(&history(Some(corrupt), FILES)), [Code::SumCorrupt]);
    }
}
