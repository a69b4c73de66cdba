//! `schemagen import payload`: a Payload 3 config (`payload.config.ts`, `.js`, `.mjs`) →
//! Payload-style YAML, one file (`payload.yaml`) holding the collections in the config's
//! order, which is the order Payload builds tables and numbers index names in.
//!
//! There is no TypeScript parser here: node runs `payload/driver.mjs` (embedded) in the config's
//! folder, which loads the config with the project's own `payload` package as Payload's CLI
//! does, and prints the config *as the team wrote it* (after its plugins, before Payload's
//! sanitizer adds timestamps, auth and upload fields and its own collections, which the
//! Payload flavour adds itself) as JSON. Functions cannot cross JSON: the driver lists each by
//! its path and the import reports it (W0820). The JSON is then written as YAML key by key,
//! keeping the keys the Payload flavour reads or accepts (`flavours::payload::keys`) and
//! reporting the others (W0821), and compiled by the flavour as a check.

use super::Import;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::payload::keys;
use crate::ir::Span;
use crate::load::{Key, Node, SourceMap, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The script node runs; see its header.
const DRIVER: &str = include_str!("payload/driver.mjs");

/// The one file an import writes.
const FILE: &str = "payload.yaml";

/// Reads the config at `config` with the project's Payload and imports it as `system`.
pub fn import(config: &Path, system: &str) -> Import {
    match read_config(config) {
        Ok(read) => from_driver(&read, &config.display().to_string(), system),
        Err(d) => Import {
            diagnostics: vec![*d],
            ..Import::default()
        },
    }
}

/// What the driver printed for a config that loaded.
fn read_config(config: &Path) -> Result<Node, Box<Diagnostic>> {
    let refuse = |code: Code, message: String, help: &str| {
        Box::new(
            Diagnostic::global(code, message)
                .at_path(config.display().to_string())
                .with_help(help.to_string()),
        )
    };
    let Some(config) = std::fs::canonicalize(config).ok().filter(|p| p.is_file()) else {
        return Err(refuse(
            Code::ImportPayloadConfig,
            format!("cannot read the Payload config {}", config.display()),
            "name the project's config file, e.g. `--config src/payload.config.ts`",
        ));
    };
    let output = run_driver(&config)
        .map_err(|(message, help)| refuse(Code::ImportPayloadNode, message, help))?;
    // JSON is YAML: read by our loader, the config keeps its key order.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .and_then(|line| crate::load::parse_text(line, 0).ok());
    let Some(printed) = printed else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(refuse(
            Code::ImportPayloadRefused,
            format!("node could not read the config: {}", first_lines(&stderr)),
            "run `npx payload info` in the project to see whether Payload itself loads it",
        ));
    };
    let Some(error) = printed.get("error") else {
        return Ok(printed);
    };
    let text = |key: &str| error.get(key).and_then(Node::as_str).unwrap_or_default();
    let message = text("message").to_string();
    let loading = format!("Payload could not load the config: {message}");
    Err(match text("kind") {
        "payload-missing" => refuse(
            Code::ImportPayloadPackage,
            message,
            "run `npm install` in the project first: the import uses the project's own `payload` and never installs anything",
        ),
        "no-build-config" => refuse(Code::ImportPayloadRefused, message, MODULE_HINT),
        _ if message.contains("ERR_REQUIRE") => refuse(Code::ImportPayloadRefused, loading, MODULE_HINT),
        _ => refuse(
            Code::ImportPayloadRefused,
            loading,
            "fix what Payload reports (`npx payload info` shows the same), then import again",
        ),
    })
}

/// node running the driver on `config`, in its project's folder (as Payload's CLI runs);
/// `Err` is a message and a hint.
fn run_driver(config: &Path) -> Result<std::process::Output, (String, &'static str)> {
    let node = on_path("node").ok_or((
        "no `node` on PATH: the config is read by the project's own Payload, which runs on Node"
            .to_string(),
        "install Node.js 20 or later (the version the project runs on) and put `node` on PATH",
    ))?;
    let scratch = Scratch::new().map_err(|e| {
        (
            format!("cannot write the driver script: {e}"),
            "check that the temp folder (TMPDIR) is writable",
        )
    })?;
    Command::new(node)
        .arg("--no-warnings")
        .arg(&scratch.driver)
        .arg(config)
        .current_dir(project_folder(config))
        .output()
        .map_err(|e| {
            (
                format!("cannot run node: {e}"),
                "check that `node` on PATH runs",
            )
        })
}

/// How a Payload 3 config is written, for a config that did not load as one.
const MODULE_HINT: &str = "the config must `export default buildConfig({...})` with `buildConfig` imported from 'payload', in an ES module project (`\"type\": \"module\"` in package.json, as Payload 3 requires)";

/// A temp folder holding the driver script, removed on drop.
struct Scratch {
    dir: PathBuf,
    driver: PathBuf,
}

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "schemagen-import-payload-{}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        let driver = dir.join("driver.mjs");
        std::fs::write(&driver, DRIVER)?;
        Ok(Scratch { dir, driver })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn first_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take_while(|l| !l.trim_start().starts_with("at "))
        .take(5)
        .collect();
    if lines.is_empty() {
        "it printed nothing".into()
    } else {
        lines.join("\n")
    }
}

/// The YAML for what the driver printed (`from` names the config in the header); public for
/// the unit tests.
pub fn from_driver(read: &Node, from: &str, system: &str) -> Import {
    let mut diags = Diagnostics::default();
    for path in seq(read.get("functions")).iter().filter_map(Node::as_str) {
        diags.push(
            Diagnostic::global(
                Code::ImportPayloadFunction,
                format!("{path}: a function, not carried into the YAML"),
            )
            .at_path(path)
            .with_help(function_help(path)),
        );
    }
    runtime_keys(read, &mut diags);
    let mut root = vec![entry("flavor", text("payload"))];
    if let Some(id_type) = id_type(read.get("adapter"), &mut diags) {
        root.push(entry("idType", text(id_type)));
    }
    let config = read.get("config");
    if let Some(localization) = config.and_then(|c| c.get("localization")) {
        root.push(entry(
            "localization",
            localization_yaml(localization, &mut diags),
        ));
    }
    for (key, level) in [
        ("blocks", Level::Block),
        ("collections", Level::Collection),
        ("globals", Level::Global),
    ] {
        if let Some(items) = config.and_then(|c| c.get(key)).and_then(Node::as_seq) {
            root.push(entry(key, list(items, level, key, &mut diags)));
        }
    }
    let yaml = format!(
        "# yaml-language-server: $schema=../../.schemagen/json-schema/payload.json\n# Imported from {from} by `schemagen import payload`.\n{}",
        yaml::document(&node(Value::Map(root)))
    );
    let files = vec![(FILE.to_string(), yaml)];
    let mut sources = SourceMap::default();
    crate::convert::compile(system, &files, &mut sources, &mut diags);
    Import {
        files,
        sources,
        diagnostics: diags.into_sorted(),
    }
}

fn node(value: Value) -> Node {
    Node {
        value,
        span: Span::default(),
    }
}

fn text(s: &str) -> Node {
    node(Value::Str(s.to_string()))
}

fn entry(key: &str, value: Node) -> (Key, Node) {
    let key = Key {
        name: key.to_string(),
        span: Span::default(),
    };
    (key, value)
}

fn seq(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or_default()
}

/// What to do about a function, by where it sat.
fn function_help(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or_default();
    let why = if path.contains(".hooks.") {
        "hooks run in Payload's server; keep that logic in the application (or a trigger in a hand-written migration)"
    } else if path.contains(".access.") || last == "access" {
        "Payload's access functions are not row-level rules; write `access:` rules (docs/access.md) to have the database enforce them"
    } else if last == "defaultValue" {
        "a function default makes no column default in Payload either: the database is the same; keep it in the application"
    } else if last == "validate" {
        "validation runs in Payload; `min`/`max`/`minLength`/`maxLength` become CHECKs, anything else stays in the application"
    } else if path.contains(".admin.") || last == "editor" {
        "admin components and editors belong to Payload's admin panel, not to the database"
    } else {
        "it shapes no table or column; keep it in the application"
    };
    why.to_string()
}

/// Config-level keys the YAML has no place for (the admin panel, email, plugins, ...).
fn runtime_keys(read: &Node, diags: &mut Diagnostics) {
    const CARRIED: &[&str] = &["collections", "globals", "blocks", "localization", "db"];
    let others: Vec<&str> = seq(read.get("configKeys"))
        .iter()
        .filter_map(Node::as_str)
        .filter(|k| !CARRIED.contains(k))
        .collect();
    if !others.is_empty() {
        diags.push(
            Diagnostic::global(
                Code::ImportPayloadRuntime,
                format!(
                    "config keys not carried: {} (they configure Payload's runtime, not the database)",
                    others.join(", ")
                ),
            )
            .with_help("nothing to do for the database: plugins ran before the import read the config, so the collections and fields they add are in the YAML"),
        );
    }
}

/// `idType: uuid` for an adapter with uuid ids; nothing for serial (the default).
fn id_type(adapter: Option<&Node>, diags: &mut Diagnostics) -> Option<&'static str> {
    let field = |key: &str| adapter.and_then(|a| a.get(key)).and_then(Node::as_str);
    let (name, id) = (field("name"), field("idType"));
    let warn = |message: String, help: &str| {
        Diagnostic::global(Code::ImportPayloadAdapter, message)
            .at_path("db")
            .with_help(help.to_string())
    };
    match (name, id) {
        (Some("postgres"), Some("serial")) => None,
        (Some("postgres"), Some("uuid")) => Some("uuid"),
        (Some("postgres"), Some("uuidv7")) => {
            diags.push(warn(
                "the adapter's `idType: 'uuidv7'` is written as `idType: uuid`: the ids are uuids, but schemagen's default `gen_random_uuid()` is one Payload's column lacks (Payload makes v7 ids in the application)".into(),
                "drop the default in a hand-written migration if the database must match Payload's exactly; rows are unaffected",
            ));
            Some("uuid")
        }
        _ => {
            let adapter = name.map_or("unreadable".to_string(), |n| format!("`{n}`"));
            diags.push(warn(
                format!("the config's database adapter is {adapter}, not `postgresAdapter` with a known `idType`: ids are taken to be serial"),
                "schemagen builds Payload's Postgres database; write `idType: uuid` at the top of the YAML if the ids are uuids",
            ));
            None
        }
    }
}

/// The kinds of map the YAML holds, each with the keys the flavour reads.
#[derive(Clone, Copy)]
enum Level {
    Collection,
    Global,
    Block,
    Field,
    Tab,
    Index,
}

/// Keys the flavour reads that mean something else in schemagen than in a Payload config
/// (`access`: row-level rules, not Payload's functions), or that only schemagen writes.
const NEVER: &[&str] = &["access", "renamedFrom"];

/// The keys the flavour reads on a map of `level` (a field's depend on its type).
fn allowed_keys(map: &Node, level: Level) -> Vec<&'static str> {
    let ty = map.get("type").and_then(Node::as_str).unwrap_or_default();
    let named = map.get("name").is_some();
    let keys: &[&str] = match level {
        Level::Collection => keys::COLLECTION,
        Level::Global => crate::flavours::payload::GLOBAL_KEYS,
        Level::Block => keys::BLOCK,
        Level::Tab => keys::TAB,
        Level::Index => keys::INDEX,
        Level::Field => match ty {
            "row" | "collapsible" => keys::LAYOUT,
            "group" if !named => keys::LAYOUT,
            "tabs" => keys::TABS,
            "ui" => keys::UI,
            _ => {
                return keys::FIELD
                    .iter()
                    .chain(keys::extra_keys(ty))
                    .copied()
                    .filter(|k| !NEVER.contains(k))
                    .collect()
            }
        },
    };
    keys.iter()
        .copied()
        .filter(|k| !NEVER.contains(k))
        .collect()
}

/// `value` with only the keys the flavour reads at `level`, recursively; the others reported.
fn keep(value: &Node, level: Level, path: &str, diags: &mut Diagnostics) -> Node {
    let Some(entries) = value.as_map() else {
        return value.clone(); // a slug in `blockReferences`, or a shape the flavour reports
    };
    let allowed = allowed_keys(value, level);
    let mut out = Vec::with_capacity(entries.len());
    for (key, item) in entries {
        let here = format!("{path}.{}", key.name);
        if !allowed.contains(&key.name.as_str()) {
            not_read(&here, &key.name, diags);
            continue;
        }
        let kept = match (key.name.as_str(), item.as_seq()) {
            ("fields", Some(items)) => list(items, Level::Field, &here, diags),
            ("tabs", Some(items)) => list(items, Level::Tab, &here, diags),
            ("blocks" | "blockReferences", Some(items)) => list(items, Level::Block, &here, diags),
            ("indexes", Some(items)) => list(items, Level::Index, &here, diags),
            ("auth", None) => sub_keys(item, keys::AUTH, &here, diags),
            ("upload", None) => sub_keys(item, keys::UPLOAD, &here, diags),
            _ => item.clone(),
        };
        out.push((key.clone(), kept));
    }
    node(Value::Map(out))
}

fn not_read(path: &str, key: &str, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::global(
            Code::ImportPayloadKey,
            format!("{path}: `{key}` is not read by the Payload flavour, left out"),
        )
        .at_path(path)
        .with_help("docs/flavours/payload.md lists the keys of each level; a key that shapes the database and is missing there is a gap to report"),
    );
}

/// Items by slug or name in their path (`collections.posts.fields.title`), else by index.
fn list(items: &[Node], level: Level, path: &str, diags: &mut Diagnostics) -> Node {
    let kept = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = item
                .get("slug")
                .or_else(|| item.get("name"))
                .and_then(Node::as_str);
            let here = id.map_or_else(|| format!("{path}[{i}]"), |id| format!("{path}.{id}"));
            keep(item, level, &here, diags)
        })
        .collect();
    node(Value::Seq(kept))
}

/// A map (`auth`, `upload`, a locale) whose keys are checked against `allowed`, its values copied.
fn sub_keys(value: &Node, allowed: &[&str], path: &str, diags: &mut Diagnostics) -> Node {
    let Some(entries) = value.as_map() else {
        return value.clone(); // `auth: true`
    };
    let mut out = Vec::with_capacity(entries.len());
    for (key, item) in entries {
        if allowed.contains(&key.name.as_str()) {
            out.push((key.clone(), item.clone()));
        } else {
            not_read(&format!("{path}.{}", key.name), &key.name, diags);
        }
    }
    node(Value::Map(out))
}

/// `localization`: the locales (codes, or code and label) and the default; the rest reported.
fn localization_yaml(localization: &Node, diags: &mut Diagnostics) -> Node {
    let Some(entries) = localization.as_map() else {
        return localization.clone();
    };
    let mut out = Vec::new();
    for (key, item) in entries {
        let here = format!("localization.{}", key.name);
        let kept = match key.name.as_str() {
            "locales" => {
                let locales = seq(Some(item)).iter().map(|locale| {
                    let code = locale.get("code").and_then(Node::as_str).unwrap_or("?");
                    sub_keys(locale, &["code", "label"], &format!("{here}.{code}"), diags)
                });
                node(Value::Seq(locales.collect()))
            }
            "defaultLocale" | "fallback" => item.clone(),
            _ => {
                not_read(&here, &key.name, diags);
                continue;
            }
        };
        out.push((key.clone(), kept));
    }
    node(Value::Map(out))
}

/// `package.json`'s folder (the project) of the config, as a system name: lowercase letters,
/// digits, `-` and `_`.
pub fn system_name(config: &Path) -> String {
    let config = std::fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf());
    let project = project_folder(&config);
    let name = project
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("payload");
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "app_");
    }
    out
}

/// The project a config belongs to: the nearest folder above it with a `package.json`, else
/// the config's folder. Payload's CLI runs there, and reads the `.env` files there.
fn project_folder(config: &Path) -> PathBuf {
    let folder = config.parent().unwrap_or(Path::new("."));
    let project = folder
        .ancestors()
        .find(|dir| dir.join("package.json").is_file());
    project.unwrap_or(folder).to_path_buf()
}

pub mod yaml;

#[cfg(test)]
mod tests;
