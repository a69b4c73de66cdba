//! Rendering: pure functions from the IR (and the migration plan) to file contents.
//! Nothing here touches the file system; templates only lay out what Rust decided.

mod code;
pub mod diagram;
pub mod export;
pub mod postgres;
pub mod rust;
pub mod splice;
pub mod typescript;

use crate::diagnostics::{Code, Diagnostic};
pub use crate::history::History;
use crate::ir::System;
use crate::plan::Migration;
use minijinja::{Environment, UndefinedBehavior};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The targets `build` can render; a project picks them in `schemagen.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Postgres,
    Rust,
    Typescript,
    /// `README.md`: the ER diagram (Mermaid).
    Diagram,
}

impl Target {
    pub const ALL: &'static [Target] = &[
        Target::Postgres,
        Target::Rust,
        Target::Typescript,
        Target::Diagram,
    ];
    pub const NAMES: &'static [&'static str] = &["postgres", "rust", "typescript", "diagram"];
}

/// How the code targets render, from `schemagen.yaml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// `rust: { sqlx: true }`: the Rust structs derive `sqlx::FromRow`, the enums `sqlx::Type`.
    pub sqlx: bool,
}

/// The embedded templates, each `(name, source)`; a project may override any by name.
/// The source of an embedded template, by name (e.g. `typescript/types.ts.jinja`): the starting point of an override.
pub fn embedded_template(name: &str) -> Option<&'static str> {
    embedded()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| source)
}

fn embedded() -> impl Iterator<Item = (&'static str, &'static str)> {
    postgres::TEMPLATES
        .iter()
        .chain(rust::TEMPLATES)
        .chain(typescript::TEMPLATES)
        .copied()
}

pub struct Templates {
    env: Environment<'static>,
    /// The templates minijinja renders: those a project overrides. The embedded ones are laid
    /// out by Rust code that writes the same bytes (per column, minijinja costs
    /// many times more; `tests/native_layouts.rs` holds the two equal).
    interpreted: BTreeSet<&'static str>,
}

impl Templates {
    /// The embedded templates, with files from `override_dir` (same relative names) taking precedence.
    pub fn new(override_dir: Option<&Path>) -> Result<Self, Box<Diagnostic>> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.add_filter("ident", |s: String| quote_ident(&s));
        if let Some(dir) = override_dir {
            check_overrides(dir)?;
        }
        let mut interpreted = BTreeSet::new();
        for (name, source) in embedded() {
            // Whatever carries the name is read (a FIFO or a folder is refused, not skipped).
            let custom = override_dir
                .map(|dir| dir.join(name))
                .filter(|p| p.symlink_metadata().is_ok());
            let source = match custom {
                Some(path) => {
                    interpreted.insert(name);
                    crate::load::read_text(&path, crate::load::MAX_FILE_BYTES).map_err(|e| {
                        Diagnostic::global(
                            e.code(),
                            format!("cannot read the template {}: {e}", path.display()),
                        )
                        .with_help(e.help())
                    })?
                }
                None => source.to_string(),
            };
            env.add_template_owned(name, source)
                .map_err(|e| template_error(name, &e))?;
        }
        Ok(Self { env, interpreted })
    }

    /// The template `name` with `view`: `layout(view)` writes what the embedded template
    /// would, so minijinja runs only when a project overrides it.
    pub fn render_with<V: serde::Serialize>(
        &self,
        name: &str,
        view: V,
        layout: impl FnOnce(&V) -> String,
    ) -> Result<String, Box<Diagnostic>> {
        if self.interpreted.contains(name) {
            self.render(name, view)
        } else {
            Ok(layout(&view))
        }
    }

    /// Whether a project overrides the template `name` (then minijinja renders it from the
    /// whole view; otherwise the target lays its text out table by table, on every core).
    pub fn overrides(&self, name: &str) -> bool {
        self.interpreted.contains(name)
    }

    pub fn render(
        &self,
        name: &str,
        context: impl serde::Serialize,
    ) -> Result<String, Box<Diagnostic>> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e))?;
        template
            .render(context)
            .map_err(|e| template_error(name, &e))
    }
}

/// E0404 unless `dir` is a folder whose every file overrides an embedded template: a missing
/// folder or a misnamed file (`rust/models.rs.j2`) would otherwise be ignored without a word.
fn check_overrides(dir: &Path) -> Result<(), Box<Diagnostic>> {
    let names: Vec<&str> = embedded().map(|(name, _)| name).collect();
    let valid = names.join(", ");
    if !dir.is_dir() {
        return Err(Box::new(
            Diagnostic::global(
                Code::TemplateOverride,
                format!("the templates folder {} is not a folder", dir.display()),
            )
            .with_help(format!(
                "point --templates (or `templates:` in schemagen.yaml) at a folder holding \
                 overrides by relative name: {valid}"
            )),
        ));
    }
    let unknown: Vec<String> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| {
            let relative = e.path().strip_prefix(dir).ok()?;
            let name: Vec<_> = relative.iter().map(|c| c.to_string_lossy()).collect();
            Some(name.join("/"))
        })
        .filter(|name| !names.contains(&name.as_str()))
        .collect();
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let help = match crate::flavours::read::closest(first, &names) {
        Some(near) => format!("did you mean `{near}`? Templates: {valid}"),
        None => format!("name each override as the template it replaces: {valid}"),
    };
    Err(Box::new(
        Diagnostic::global(
            Code::TemplateOverride,
            format!(
                "{} in the templates folder {} override{} no template",
                unknown.join(", "),
                dir.display(),
                if unknown.len() == 1 { "s" } else { "" }
            ),
        )
        .with_help(help),
    ))
}

fn template_error(name: &str, err: &minijinja::Error) -> Box<Diagnostic> {
    let mut message = format!("template `{name}`: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    Box::new(Diagnostic::global(Code::TemplateError, message))
}

/// A Postgres identifier, always quoted, with embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    push_ident(&mut quoted, name);
    quoted
}

/// [`quote_ident`] appended to `out`: one allocation fewer per identifier, which a large
/// system renders hundreds of thousands of.
pub fn push_ident(out: &mut String, name: &str) {
    out.push('"');
    // Most names hold no quote: one byte scan (memchr), then the name whole.
    if !name.as_bytes().contains(&b'"') {
        out.push_str(name);
        out.push('"');
        return;
    }
    let mut rest = name;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..=at]);
        out.push('"');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// `n` in decimal appended to `out`, as `{n}` formats it, without the formatting machinery
/// (a sized type's length, six a table in a large system).
pub(crate) fn push_number(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Everything one system renders to, as paths relative to the output folder.
pub fn render_system(
    system: &System,
    history: &History,
    migration: &Migration,
    targets: &[Target],
    templates: &Templates,
    options: Options,
) -> Result<BTreeMap<String, String>, Box<Diagnostic>> {
    let rendered = render_system_after(
        system, history, migration, targets, templates, options, None,
    )?;
    Ok(rendered.files)
}

/// What one system renders to, and where its tables lie in the files laid out table by table.
pub struct Rendered {
    pub files: BTreeMap<String, String>,
    pub sections: splice::Sections,
    /// How many tables' sections were copied rather than laid out.
    pub copied: usize,
}

/// [`render_system`] after the build that left `previous`: each table whose sections may be
/// copied from it ([`splice`]) is copied rather than laid out again.
pub fn render_system_after(
    system: &System,
    history: &History,
    migration: &Migration,
    targets: &[Target],
    templates: &Templates,
    options: Options,
    previous: Option<&splice::Previous>,
) -> Result<Rendered, Box<Diagnostic>> {
    let plan = || Some(migration);
    render_system_planning(system, history, targets, templates, options, previous, plan)
        .expect("a plan given")
}

/// [`render_system_after`] of the migration `plan` returns, started before it returns: only
/// the Postgres target's migration waits for the plan; the code targets (and the snapshot)
/// render while the system is planned. `None`, and nothing rendered, when `plan` returns
/// none (it refused the system); `plan` runs whatever the targets.
pub fn render_system_planning<M: std::borrow::Borrow<Migration> + Send>(
    system: &System,
    history: &History,
    targets: &[Target],
    templates: &Templates,
    options: Options,
    previous: Option<&splice::Previous>,
    plan: impl FnOnce() -> Option<M> + Send,
) -> Option<Result<Rendered, Box<Diagnostic>>> {
    // The sum of the snapshot this IR writes: taken before the Postgres target takes it.
    let next_snapshot = history.next_snapshot.lock().ok();
    let snapshot = next_snapshot
        .as_ref()
        .and_then(|t| t.as_deref().map(splice::sum));
    drop(next_snapshot);
    let before = splice::Before::new(previous, history, system.tables.len());
    let code: Vec<Target> = targets
        .iter()
        .copied()
        .filter(|&t| t != Target::Postgres)
        .collect();
    // Targets are independent, and each lays its tables out in chunks on rayon's pool
    // ([`par_layout`]): work-stealing keeps both cores busy to the end, so no target is the
    // long pole, and every chunk's text lands in table order whatever the timing.
    let (postgres, code) = rayon::join(
        || match targets.contains(&Target::Postgres) {
            true => postgres::render_planning(system, history, templates, plan),
            false => plan().map(|_| Ok(Vec::new())),
        },
        || {
            let copying = Copying {
                templates,
                options,
                before: &before,
            };
            let rendered: Vec<_> = code
                .par_iter()
                .map(|&target| render_code_target(target, system, &copying))
                .collect();
            rendered
        },
    );
    let mut postgres = Some(postgres?.map(|files| {
        let whole = |(path, contents)| (path, contents, None);
        files.into_iter().map(whole).collect()
    }));
    let mut code = code.into_iter();
    // In the order of `targets`: the first target's error is the one reported.
    let rendered = targets.iter().filter_map(|&target| match target {
        // A target named twice renders the same files: once is enough.
        Target::Postgres => postgres.take(),
        _ => code.next(),
    });
    let mut files = BTreeMap::new();
    let mut sections = Vec::new();
    for target_files in rendered {
        let target_files = match target_files {
            Ok(target_files) => target_files,
            Err(d) => return Some(Err(d)),
        };
        for (path, contents, laid) in target_files {
            if let Some(laid) = laid {
                sections.push((path.clone(), laid));
            }
            files.insert(format!("{}/{path}", system.name), contents);
        }
    }
    // No snapshot was written ahead (no previous one): the Postgres target wrote this IR's.
    let snapshot = snapshot.or_else(|| {
        let path = format!("{}/schema.json", system.name);
        files.get(&path).map(|text| splice::sum(text))
    });
    let sections = splice::Sections {
        system: system.name.clone(),
        snapshot: snapshot.unwrap_or_default(),
        // Without the snapshot's sum no later build could match the tables up.
        files: if snapshot.is_some() {
            sections
        } else {
            Vec::new()
        },
    };
    let copied = before.copied();
    Some(Ok(Rendered {
        files,
        sections,
        copied,
    }))
}

/// How the code targets render, and what they may copy from.
struct Copying<'a> {
    templates: &'a Templates,
    options: Options,
    before: &'a splice::Before<'a>,
}

/// Tables (or steps) per chunk of [`par_layout`]: enough text per task (tens of kB) that
/// joining the chunks costs little, small enough for both cores to share a schema's tables.
const CHUNK: usize = 32;

/// Chunks laid out before their texts are appended (see [`par_layout_with`]): enough tasks
/// for every core, while the texts waiting to be appended stay small (~0.5 MB).
const WINDOW: usize = 8;

/// `layout(out, index, item)` for every item, appended to `out` in item order: on one thread
/// for a few items, else in chunks on every core, each chunk's text (sized from `size`, the
/// bytes an item takes about) joined in order. The bytes do not depend on the timing.
pub(crate) fn par_layout<T: Sync, E: Send>(
    out: &mut String,
    items: &[T],
    size: usize,
    layout: impl Fn(&mut String, usize, &T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    par_layout_with(
        out,
        items,
        size,
        || (),
        |out, (), i, item| layout(out, i, item),
    )
}

/// [`par_layout`] with a scratch state per chunk (`state()`), such as a cache of names.
pub(crate) fn par_layout_with<'a, T: Sync, S, E: Send>(
    out: &mut String,
    items: &'a [T],
    size: usize,
    state: impl Fn() -> S + Sync,
    layout: impl Fn(&mut String, &mut S, usize, &'a T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    par_layout_copying(out, items, size, state, layout, None, |_| None).map(drop)
}

/// A chunk's text and the length of each item's section in it.
type Laid = (String, Vec<usize>);

/// [`par_layout_with`], but an item whose section `copy(index)` finds in the previous build's
/// file (`from`, [`splice::Copies`]) is copied from there, not laid out, each run of
/// consecutive copies with one read; a chunk of nothing but copies is appended straight
/// from the file. Returns the length of each item's section, in order.
pub(crate) fn par_layout_copying<'a, T: Sync, S, E: Send>(
    out: &mut String,
    items: &'a [T],
    size: usize,
    state: impl Fn() -> S + Sync,
    layout: impl Fn(&mut String, &mut S, usize, &'a T) -> Result<(), E> + Sync,
    from: Option<&splice::Copies>,
    copy: impl FnMut(usize) -> Option<std::ops::Range<usize>>,
) -> Result<Vec<usize>, E> {
    // Asked once an item: whatever `copy` counts is counted once.
    let copies: Vec<Option<std::ops::Range<usize>>> = (0..items.len()).map(copy).collect();
    let serial = |out: &mut String, lengths: &mut Vec<usize>, first: usize, chunk: &'a [T]| {
        let mut scratch = None;
        let mut run = splice::Run::new(from);
        for (i, item) in (first..).zip(chunk) {
            if let Some(range) = &copies[i] {
                lengths.push(range.len());
                run.push(out, range.clone());
                continue;
            }
            run.flush(out);
            let start = out.len();
            layout(out, scratch.get_or_insert_with(&state), i, item)?;
            lengths.push(out.len() - start);
        }
        run.flush(out);
        Ok(())
    };
    let mut lengths = Vec::with_capacity(items.len());
    if items.len() <= CHUNK {
        out.reserve(items.len() * size);
        serial(out, &mut lengths, 0, items)?;
        return Ok(lengths);
    }
    // A window of chunks at a time, each window's texts appended before the next starts: a
    // large file is then never held twice (its chunks and the file), only one window of it.
    for (w, window) in items.chunks(CHUNK * WINDOW).enumerate() {
        let first = |n: usize| (w * WINDOW + n) * CHUNK;
        let chunks: Vec<Result<Option<Laid>, E>> = window
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(n, chunk)| {
                let all_copies = copies[first(n)..][..chunk.len()]
                    .iter()
                    .all(Option::is_some);
                if all_copies {
                    return Ok(None);
                }
                let mut text = String::with_capacity(chunk.len() * size);
                let mut chunk_lengths = Vec::with_capacity(chunk.len());
                serial(&mut text, &mut chunk_lengths, first(n), chunk)?;
                Ok(Some((text, chunk_lengths)))
            })
            .collect();
        // In order: the error reported is the first item's, as in one pass.
        for (n, chunk) in chunks.into_iter().enumerate() {
            match chunk? {
                Some((text, chunk_lengths)) => {
                    out.push_str(&text);
                    lengths.extend(chunk_lengths);
                }
                None => {
                    let count = window[n * CHUNK..].len().min(CHUNK);
                    serial(out, &mut lengths, first(n), &window[n * CHUNK..][..count])?;
                }
            }
        }
    }
    Ok(lengths)
}

/// A file (its path relative to the system's folder), and where its tables lie in it when
/// it was laid out table by table.
type TargetFile = (String, String, Option<splice::FileSections>);

/// One code target's files, as paths relative to the system's folder, each with its
/// sections when it was laid out table by table.
fn render_code_target(
    target: Target,
    system: &System,
    copying: &Copying,
) -> Result<Vec<TargetFile>, Box<Diagnostic>> {
    let templates = copying.templates;
    Ok(match target {
        Target::Postgres => unreachable!("the Postgres target waits for the plan"),
        Target::Rust => {
            let (text, laid) =
                rust::render_after(system, templates, copying.options, copying.before)?;
            vec![("models.rs".into(), text, laid)]
        }
        Target::Typescript => {
            let (text, laid) = typescript::render_after(system, templates, copying.before)?;
            vec![("types.ts".into(), text, laid)]
        }
        Target::Diagram => {
            let (text, laid) = diagram::render_after(system, copying.before);
            vec![("README.md".into(), text, Some(laid))]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::quote_ident;

    #[test]
    fn numbers_are_written_as_format_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u32::MAX - 1, u32::MAX] {
            let mut out = String::from("x");
            super::push_number(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn identifiers_are_quoted_and_escaped() {
        assert_eq!(quote_ident("users"), "\"users\"");
        assert_eq!(quote_ident("we\"ird name"), "\"we\"\"ird name\"");
        assert_eq!(quote_ident("\"\"x\""), "\"\"\"\"\"x\"\"\"");
        assert_eq!(quote_ident(""), "\"\"");
    }
}
