//! `schemagen.yaml`: optional project settings. Command-line flags win over it.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read;
use crate::load::SourceMap;
use crate::render::Target;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "schemagen.yaml";

/// The keys `schemagen.yaml` accepts (also the source of its JSON Schema).
pub const KEYS: &[&str] = &[
    "schemas",
    "out",
    "targets",
    "templates",
    "identifiers",
    "historySchema",
    "allowWarnings",
    "rust",
];

/// The keys of `rust:`.
pub const RUST_KEYS: &[&str] = &["sqlx"];

/// The values of `identifiers:`.
pub const IDENTIFIER_POLICIES: &[&str] = &["error", "shorten"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub schemas: PathBuf,
    pub out: PathBuf,
    pub targets: Vec<Target>,
    /// A folder whose templates override the embedded ones of the same name.
    pub templates: Option<PathBuf>,
    /// `identifiers: shorten`: names over 63 bytes get a stable hash suffix instead of an error.
    pub shorten_identifiers: bool,
    /// `--accept-data-loss`: build migrations that lose data (each still reported, W0301),
    /// and plan drops that look like undeclared renames as drops.
    pub accept_data_loss: bool,
    /// `historySchema`: the schema of `migrate`'s history table (default `schemagen`).
    pub history_schema: Option<String>,
    /// The systems named on the command line (`build SYSTEM…`); empty for every system.
    pub systems: Vec<String>,
    /// `allowWarnings`: schema warnings the team has read and accepted; counted, not shown.
    pub allowed_warnings: Vec<Code>,
    /// How the code targets render (`rust: { sqlx: true }`).
    pub options: crate::render::Options,
}

impl Default for Config {
    fn default() -> Self {
        Self::at(Path::new(""))
    }
}

impl Config {
    /// The defaults for the project in `dir`: `dir/schemas` into `dir/generated`.
    pub fn at(dir: &Path) -> Self {
        Self {
            schemas: dir.join("schemas"),
            out: dir.join("generated"),
            targets: Target::ALL.to_vec(),
            templates: None,
            shorten_identifiers: false,
            accept_data_loss: false,
            history_schema: None,
            systems: Vec::new(),
            allowed_warnings: Vec::new(),
            options: crate::render::Options::default(),
        }
    }
}

/// The project folder: the nearest of `cwd` and its parents that holds `schemagen.yaml` or a
/// `schemas/` folder, spelled relative to `cwd` (empty for `cwd` itself, `../..` two up) so
/// messages name paths the way the user would type them.
pub fn find_project(cwd: &Path) -> Option<PathBuf> {
    let is_project = |dir: &Path| dir.join(FILE_NAME).is_file() || dir.join("schemas").is_dir();
    let depth = cwd.ancestors().position(is_project)?;
    Some((0..depth).map(|_| "..").collect())
}

/// Reads `dir/schemagen.yaml` when there is one; paths in it, and the defaults, are relative
/// to `dir`.
pub fn load(dir: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> Config {
    let path = dir.join(FILE_NAME);
    let text = match crate::load::read_text_if_exists(&path, crate::load::MAX_FILE_BYTES) {
        Ok(Some(text)) => text,
        Ok(None) => return Config::default(),
        Err(err) => {
            diags.push(crate::load::unreadable(
                path.display().to_string(),
                err,
                sources,
            ));
            return Config::at(dir);
        }
    };
    let file = sources.add(path.display().to_string(), text);
    let root = match crate::load::parse_text(sources.text(file), file) {
        Ok(root) => root,
        Err(d) => {
            diags.push(*d);
            return Config::at(dir);
        }
    };
    let mut config = Config::at(dir);
    let Some(entries) = read::expect_map(&root, "schemagen.yaml", diags) else {
        return config;
    };
    read::check_keys(entries, KEYS, "schemagen.yaml", diags);
    for (key, node) in entries {
        let path = format!("schemagen.yaml.{}", key.name);
        match key.name.as_str() {
            "schemas" => {
                config.schemas =
                    dir.join(read::expect_scalar(node, &path, diags).unwrap_or_default())
            }
            "out" => {
                config.out = dir.join(read::expect_scalar(node, &path, diags).unwrap_or_default())
            }
            "templates" => {
                config.templates = read::expect_scalar(node, &path, diags).map(|t| dir.join(t))
            }
            "historySchema" => config.history_schema = read::expect_scalar(node, &path, diags),
            "allowWarnings" => {
                let items = read::expect_seq(node, &path, diags).unwrap_or_default();
                config.allowed_warnings = items
                    .iter()
                    .filter_map(|item| allowable_warning(item, &path, diags))
                    .collect();
            }
            "rust" => {
                if let Some(rust) = read::expect_map(node, &path, diags) {
                    read::check_keys(rust, RUST_KEYS, &path, diags);
                    for (key, value) in rust {
                        if key.name == "sqlx" {
                            let path = format!("{path}.sqlx");
                            config.options.sqlx =
                                read::expect_bool(value, &path, diags).unwrap_or_default();
                        }
                    }
                }
            }
            "identifiers" => match read::expect_scalar(node, &path, diags).as_deref() {
                Some("shorten") => config.shorten_identifiers = true,
                Some("error") | None => {}
                Some(other) => diags.push(
                    Diagnostic::error(
                        Code::BadConfig,
                        node.span,
                        format!("unknown identifiers policy `{other}`"),
                    )
                    .at_path(path.clone())
                    .with_help(
                        "use `error` (the default: over-long names are errors) or `shorten`",
                    ),
                ),
            },
            "targets" => {
                let items = read::expect_seq(node, &path, diags).unwrap_or_default();
                config.targets = items
                    .iter()
                    .filter_map(|item| {
                        let name = read::expect_scalar(item, &path, diags)?;
                        let target = Target::ALL
                            .iter()
                            .zip(Target::NAMES)
                            .find(|(_, n)| **n == name);
                        if target.is_none() {
                            diags.push(
                                Diagnostic::error(
                                    Code::BadConfig,
                                    item.span,
                                    format!("unknown target `{name}`"),
                                )
                                .at_path(path.clone())
                                .with_help(format!("known targets: {}", Target::NAMES.join(", "))),
                            );
                        }
                        target.map(|(t, _)| *t)
                    })
                    .collect();
            }
            _ => {}
        }
    }
    config
}

/// A code `allowWarnings` may name: a warning about the schema itself, which every build
/// repeats. Not an error, nor a W03xx warning about one migration's data or locks: those are
/// shown once, when the migration is planned, and must be read then.
fn can_be_allowed(code: Code) -> bool {
    code.severity() == crate::diagnostics::Severity::Warning && code.stage() != 3
}

/// Every code `allowWarnings` accepts (also in schemagen.yaml's JSON Schema).
pub fn allowable_warnings() -> Vec<&'static str> {
    Code::ALL
        .iter()
        .filter(|c| can_be_allowed(**c))
        .map(|c| c.as_str())
        .collect()
}

fn allowable_warning(
    item: &crate::load::Node,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<Code> {
    let name = read::expect_scalar(item, path, diags)?;
    let problem = match Code::ALL.iter().find(|c| c.as_str() == name) {
        Some(code) if can_be_allowed(*code) => return Some(*code),
        Some(code) if code.severity() == crate::diagnostics::Severity::Error => {
            format!("{name} is an error: errors cannot be allowed")
        }
        Some(_) => format!("{name} is about one migration's data or locks: it cannot be allowed"),
        None => format!("`{name}` is no diagnostic code"),
    };
    diags.push(
        Diagnostic::error(Code::BadConfig, item.span, problem)
            .at_path(path.to_string())
            .with_help(format!(
                "warnings that can be allowed: {}",
                allowable_warnings().join(", ")
            )),
    );
    None
}
