//! `schemagen import prisma`: a real `schema.prisma` (one file, or a folder of them) →
//! Prisma-style YAML, one YAML file per source file.
//!
//! The flavour's promise is that a model body is pasted verbatim from `schema.prisma`, so the
//! import is mostly splitting the file into its blocks faithfully: model and enum bodies are
//! copied line by line (comments included) into `fields: |` / `values: |` blocks, `///`
//! above a block becomes its `comment:`, comments between blocks become YAML comments. The
//! YAML is then compiled by the Prisma flavour itself, and whatever it reports is reported at
//! the `.prisma` line and column it came from: there is no second Prisma field parser here.
//! What has no YAML form (views, composite types, `relationMode = "prisma"`, an extension
//! other than citext, a provider other than PostgreSQL) is reported as E0802/E0803/E0801.

use super::Import;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
use crate::flavours::prisma::line::{self, ExprKind, Line};
use crate::ir::Span;
use crate::load::{LoadedFile, SourceMap, SystemFiles};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Imports `input` (a `.prisma` file or a folder of them) as system `system`. With
/// `skip_unsupported`, what has no YAML form is left out (a YAML comment says what and a
/// warning reports it) instead of stopping the import.
pub fn import(input: &Path, system: &str, skip_unsupported: bool) -> Import {
    let mut out = Import::default();
    let mut diags = Diagnostics::default();
    let paths = match prisma_files(input) {
        Ok(paths) if !paths.is_empty() => paths,
        Ok(_) => {
            diags.push(no_input(input, "holds no `.prisma` file"));
            out.diagnostics = diags.into_sorted();
            return out;
        }
        Err(e) => {
            diags.push(no_input(input, &format!("cannot be read: {e}")));
            out.diagnostics = diags.into_sorted();
            return out;
        }
    };
    let mut converted = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                diags.push(no_input(path, &format!("cannot be read: {e}")));
                continue;
            }
        };
        let file = out.sources.add(path.display().to_string(), text);
        let name = yaml_name(input, path);
        let source = Source {
            file,
            path: out.sources.path(file),
            text: out.sources.text(file),
        };
        let mut yaml = Yaml::default();
        convert(&source, skip_unsupported, &mut yaml, &mut diags);
        converted.push((name, yaml));
    }
    compile_check(system, &converted, &mut diags);
    out.files = converted
        .into_iter()
        .map(|(name, yaml)| (name, yaml.text))
        .collect();
    out.diagnostics = diags.into_sorted();
    out
}

fn no_input(path: &Path, what: &str) -> Diagnostic {
    Diagnostic::global(Code::ImportInput, format!("{} {what}", path.display()))
        .with_help("give a `schema.prisma` file, or the folder of a multi-file Prisma schema")
}

/// The `.prisma` files to import, in sorted order: the file itself, or every one below the folder.
fn prisma_files(input: &Path) -> std::io::Result<Vec<PathBuf>> {
    if std::fs::metadata(input)?.is_file() {
        return Ok(vec![input.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        let prisma = entry.path().extension().is_some_and(|e| e == "prisma");
        if entry.file_type().is_file() && prisma {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// `schema.prisma` → `schema.yaml`; `models/user.prisma` in a folder → `models_user.yaml`.
fn yaml_name(input: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(input).unwrap_or(path);
    let relative = if relative.as_os_str().is_empty() {
        Path::new(path.file_name().unwrap_or_default())
    } else {
        relative
    };
    let stem = relative.with_extension("");
    let parts: Vec<String> = stem
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("{}.yaml", parts.join("_"))
}

struct Source<'a> {
    file: u32,
    path: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn span(&self, line: usize, column: usize) -> Span {
        Span {
            file: self.file,
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }
}

/// YAML text being written, and for each of its lines the `.prisma` line it came from.
#[derive(Default)]
struct Yaml {
    text: String,
    /// Per YAML line, the `.prisma` line it came from.
    origin: Vec<Option<Origin>>,
}

/// Where a YAML line came from: the `.prisma` file, its 0-based line, and how many columns
/// the text moved right (negative: left).
#[derive(Debug, Clone, Copy)]
struct Origin {
    file: u32,
    line: usize,
    moved: i64,
}

impl Yaml {
    fn line(&mut self, text: &str, origin: Option<Origin>) {
        self.text.push_str(text);
        self.text.push('\n');
        self.origin.push(origin);
    }

    fn comment(&mut self, indent: usize, text: &str) {
        for line in text.lines() {
            let line = format!("{:indent$}# {}", "", line.trim_end());
            self.line(line.trim_end(), None);
        }
    }
}

/// A top-level block: `model User { … }`.
struct Block<'a> {
    keyword: &'a str,
    name: &'a str,
    /// 0-based line of the keyword, and the column of the name.
    line: usize,
    name_column: usize,
    /// `///` lines right above it.
    doc: Vec<&'a str>,
    /// 0-based line numbers of the lines between the braces.
    body: std::ops::Range<usize>,
}

/// Splits one `.prisma` file into its blocks and writes the YAML.
fn convert(source: &Source<'_>, skip: bool, yaml: &mut Yaml, diags: &mut Diagnostics) {
    let lines: Vec<&str> = source.text.lines().collect();
    // The file with its block comments blanked, to find where blocks start and end.
    let code = line::blank_block_comments(source.text).unwrap_or_else(|at| {
        let line = source.text[..at].matches('\n').count();
        let column = source.text[..at]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count());
        diags.push(
            Diagnostic::error(
                Code::ImportInput,
                source.span(line, column),
                "this `/*` comment is never closed",
            )
            .with_help("close it with `*/`, as Prisma requires"),
        );
        source.text.into()
    });
    let code: Vec<&str> = code.lines().collect();
    let header = format!(
        "# Imported from {} by `schemagen import prisma`.",
        source.path
    );
    yaml.line(&header, None);
    yaml.line("flavor: prisma", None);
    let mut enums = Vec::new();
    let mut models = Vec::new();
    let mut doc = Vec::new();
    let mut comments = String::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = code[i].trim();
        let original = lines[i].trim();
        if let Some(text) = original.strip_prefix("///") {
            doc.push(text.trim());
            i += 1;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with("//") {
            // A comment (line or block), or a blank line: kept above what follows.
            if !original.is_empty() {
                let _ = writeln!(comments, "{}", comment_text(original));
            }
            doc.clear();
            i += 1;
            continue;
        }
        let Some(block) = block_at(&code, i, std::mem::take(&mut doc), source, diags) else {
            i += 1;
            continue;
        };
        i = block.body.end + 1;
        let leading = std::mem::take(&mut comments);
        match block.keyword {
            "model" => models.push((block, leading)),
            "enum" => enums.push((block, leading)),
            "datasource" => {
                yaml.comment(0, &leading);
                datasource(&block, &lines, &code, source, skip, yaml, diags);
            }
            "generator" => {
                yaml.comment(0, &leading);
                yaml.comment(
                    0,
                    &format!(
                        "generator {}: Prisma Client settings, not part of the database",
                        block.name
                    ),
                );
            }
            _ => unsupported_block(&block, source, skip, yaml, diags),
        }
    }
    if !enums.is_empty() {
        yaml.line("enums:", None);
        for (block, leading) in &enums {
            write_block(block, leading, "values", &lines, source, yaml);
        }
    }
    if !models.is_empty() {
        yaml.line("models:", None);
        for (block, leading) in &models {
            write_block(block, leading, "fields", &lines, source, yaml);
        }
    }
    yaml.comment(0, &comments);
}

/// `// text` and `/* text */` → `text` (a YAML comment is written from it).
fn comment_text(line: &str) -> &str {
    let line = line.trim_start_matches('/').trim_start_matches('*');
    line.trim_end_matches('/').trim_end_matches('*').trim()
}

/// At a line of code: the block it opens, up to its closing `}`, or a diagnostic.
fn block_at<'a>(
    code: &[&'a str],
    start: usize,
    doc: Vec<&'a str>,
    source: &Source<'_>,
    diags: &mut Diagnostics,
) -> Option<Block<'a>> {
    let text = code[start];
    let indent = text.len() - text.trim_start().len();
    let mut words = text.trim().splitn(2, char::is_whitespace);
    let keyword = words.next().unwrap_or_default();
    let rest = words.next().unwrap_or_default().trim_start();
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_len);
    const KEYWORDS: &[&str] = &["model", "enum", "view", "type", "datasource", "generator"];
    let opens = KEYWORDS.contains(&keyword) && !name.is_empty();
    let after = after.trim();
    if !opens || !after.starts_with('{') {
        diags.push(
            Diagnostic::error(
                Code::ImportInput,
                source.span(start, indent),
                "expected a block such as `model Name {`",
            )
            .with_help("the file must be a schema Prisma accepts: run `prisma validate` on it"),
        );
        return None;
    }
    let after_keyword = &text[indent + keyword.len()..];
    let name_byte = text.len() - after_keyword.trim_start().len();
    let name_column = text[..name_byte].chars().count();
    // `model A {}` on one line: an empty body.
    let end = if after[1..].trim_start().starts_with('}') {
        start
    } else {
        let close = (start + 1..code.len()).find(|&l| code[l].trim_start().starts_with('}'));
        match close {
            Some(close) => close,
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::ImportInput,
                        source.span(start, indent),
                        format!("{keyword} `{name}` is never closed"),
                    )
                    .with_help("add the closing `}` on a line of its own"),
                );
                return None;
            }
        }
    };
    Some(Block {
        keyword,
        name,
        line: start,
        name_column,
        doc,
        body: (start + 1).min(end)..end,
    })
}

/// A model or an enum: its comment, and its body as a block scalar under `key`.
fn write_block(
    block: &Block<'_>,
    leading: &str,
    key: &str,
    lines: &[&str],
    source: &Source<'_>,
    yaml: &mut Yaml,
) {
    yaml.comment(2, leading);
    let header = Some(Origin {
        file: source.file,
        line: block.line,
        moved: 2 - block.name_column as i64,
    });
    yaml.line(&format!("  {}:", yaml_key(block.name)), header);
    if !block.doc.is_empty() {
        let comment = serde_json::to_string(&block.doc.join("\n")).expect("a string");
        yaml.line(&format!("    comment: {comment}"), None);
    }
    let body = &lines[block.body.clone()];
    let expanded: Vec<String> = body.iter().map(|l| expand_leading_tabs(l)).collect();
    let common = expanded
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    // YAML takes a block's indentation from its first line: say it when that line is indented more.
    let first_indented = expanded
        .iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.len() - l.trim_start().len() > common);
    let indicator = if first_indented { "|2" } else { "|" };
    yaml.line(&format!("    {key}: {indicator}"), None);
    for (offset, (original, line)) in body.iter().zip(&expanded).enumerate() {
        if line.trim().is_empty() {
            yaml.line("", None);
            continue;
        }
        let text = format!("      {}", &line[common..]);
        let moved = leading_chars(&text) as i64 - leading_chars(original) as i64;
        let origin = Some(Origin {
            file: source.file,
            line: block.body.start + offset,
            moved,
        });
        yaml.line(text.trim_end(), origin);
    }
}

fn leading_chars(text: &str) -> usize {
    text.chars().take_while(|c| c.is_whitespace()).count()
}

/// Leading tabs as two spaces each: YAML does not indent with tabs.
fn expand_leading_tabs(line: &str) -> String {
    let rest = line.trim_start_matches([' ', '\t']);
    let lead = &line[..line.len() - rest.len()];
    format!("{}{rest}", lead.replace('\t', "  "))
}

/// A model or enum name as a YAML key: the few that YAML would read as something else quoted.
fn yaml_key(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "y" | "n" | "yes" | "no" | "on" | "off"
    ) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

/// The datasource: its provider must be PostgreSQL; `extensions` and `relationMode` are read.
fn datasource(
    block: &Block<'_>,
    lines: &[&str],
    code: &[&str],
    source: &Source<'_>,
    skip: bool,
    yaml: &mut Yaml,
    diags: &mut Diagnostics,
) {
    yaml.comment(
        0,
        &format!(
            "datasource {}: the connection lives outside the schema (--database-url)",
            block.name
        ),
    );
    for l in block.body.clone() {
        let Some((key, value)) = code[l].split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let column = lines[l].find(value).unwrap_or(0);
        let at = source.span(l, column);
        match key {
            "provider" if !matches!(value, "\"postgresql\"" | "\"postgres\"") => diags.push(
                Diagnostic::error(
                    Code::ImportProvider,
                    at,
                    format!("the datasource's provider is {value}: schemagen makes PostgreSQL databases"),
                )
                .at_path(format!("datasource {}", block.name))
                .with_help("import a schema whose datasource says `provider = \"postgresql\"`"),
            ),
            "relationMode" if value.contains("prisma") => {
                let what = "`relationMode = \"prisma\"` (relations without foreign keys)";
                let why = "schemagen always creates the foreign keys of relations; remove the \
                           line to import the schema with them";
                no_yaml_form(what, why, at, skip, yaml, diags);
            }
            "extensions" => extensions(value, at, skip, yaml, diags),
            _ => {}
        }
    }
}

/// `extensions = [citext, pg_trgm(map: "…")]`: citext is created by the first migration that
/// uses `@db.Citext`; the others have no YAML form yet.
fn extensions(value: &str, at: Span, skip: bool, yaml: &mut Yaml, diags: &mut Diagnostics) {
    // The flavour's own expression parser reads the list, as the argument of a block attribute.
    let text = format!("@@x({value})");
    let Ok(Line::Block(attr)) = line::parse_line(&text) else {
        return;
    };
    let Some(ExprKind::List(items)) = attr.args.first().map(|a| &a.value.kind) else {
        return;
    };
    for item in items {
        let name = match &item.kind {
            ExprKind::Ident(name) | ExprKind::Call(name, _) => &**name,
            _ => continue,
        };
        if name == "citext" {
            yaml.comment(
                0,
                "extension citext: created by the first migration with a `@db.Citext` column",
            );
            continue;
        }
        let at = Span {
            column: at.column + item.at as u32 - "@@x(".len() as u32,
            ..at
        };
        let what = format!("the `{name}` extension");
        let why = "schemagen creates only the extensions its column types need (citext); \
                   create it before the first migration, or leave it out";
        no_yaml_form(&what, why, at, skip, yaml, diags);
    }
}

/// A view or a composite type: no YAML form.
fn unsupported_block(
    block: &Block<'_>,
    source: &Source<'_>,
    skip: bool,
    yaml: &mut Yaml,
    diags: &mut Diagnostics,
) {
    let at = source.span(block.line, 0);
    let (code, what, why) = match block.keyword {
        "view" => (
            Code::ImportView,
            format!("view `{}`", block.name),
            "`prisma migrate` does not create views either (they are written by hand in a \
             migration); schemagen has no view form yet: keep its SQL in a hand-written migration \
             (`schemagen migrate new`)",
        ),
        _ => (
            Code::ImportNoYamlForm,
            format!("composite type `{}`", block.name),
            "composite types exist for MongoDB only; a PostgreSQL schema has none",
        ),
    };
    report(code, &what, why, at, skip, yaml, diags);
}

fn no_yaml_form(
    what: &str,
    why: &str,
    at: Span,
    skip: bool,
    yaml: &mut Yaml,
    diags: &mut Diagnostics,
) {
    report(Code::ImportNoYamlForm, what, why, at, skip, yaml, diags);
}

/// Reports what cannot be imported: an error, or with `--skip-unsupported` a warning and a
/// YAML comment where it would have been.
fn report(
    code: Code,
    what: &str,
    why: &str,
    at: Span,
    skip: bool,
    yaml: &mut Yaml,
    diags: &mut Diagnostics,
) {
    let mut d = Diagnostic::error(code, at, format!("{what} has no schemagen YAML form"))
        .at_path(what.to_string())
        .with_help(format!(
            "{why}; or import with `--skip-unsupported` to leave it out"
        ));
    if skip {
        d.severity = Severity::Warning;
        d.message = format!("{what} was left out: it has no schemagen YAML form");
        yaml.comment(0, &format!("not imported: {what} (line {})", at.line));
    }
    diags.push(d);
}

/// Compiles the YAML with the Prisma flavour and validation, and reports what they find at
/// the `.prisma` positions the lines came from.
fn compile_check(system: &str, converted: &[(String, Yaml)], diags: &mut Diagnostics) {
    let mut scratch = SourceMap::default();
    let mut files = Vec::with_capacity(converted.len());
    let mut found = Diagnostics::default();
    for (name, yaml) in converted {
        let id = scratch.add(name.clone(), yaml.text.clone());
        match crate::load::parse_text(&yaml.text, id) {
            Ok(root) => files.push(LoadedFile { id, root }),
            Err(d) => found.push(*d),
        }
    }
    let files = SystemFiles {
        name: system.to_string(),
        files,
    };
    let lowered = crate::flavours::lower(&files, &mut found);
    crate::validate::validate(&lowered, &mut found);
    let origins: Vec<&[Option<Origin>]> =
        converted.iter().map(|(_, y)| y.origin.as_slice()).collect();
    for mut d in found.into_sorted() {
        d.span = d.span.map(|s| back_to_prisma(s, &origins));
        for (span, _) in &mut d.related {
            *span = back_to_prisma(*span, &origins);
        }
        diags.push(d);
    }
}

/// A YAML position → the `.prisma` position its line came from (the YAML's own lines, which
/// no `.prisma` line made, point at the start of the first source file).
fn back_to_prisma(span: Span, origins: &[&[Option<Origin>]]) -> Span {
    let origin = origins
        .get(span.file as usize)
        .and_then(|lines| lines.get((span.line as usize).checked_sub(1)?))
        .copied()
        .flatten();
    match origin {
        Some(Origin { file, line, moved }) => Span {
            file,
            line: line as u32 + 1,
            column: (i64::from(span.column) - moved).max(1) as u32,
        },
        None => Span {
            file: 0,
            line: 1,
            column: 1,
        },
    }
}

#[cfg(test)]
mod tests;
