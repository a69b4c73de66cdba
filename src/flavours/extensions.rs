//! The top-level `extensions:` list every flavour accepts: the PostgreSQL extensions a system
//! uses (`pg_trgm` for `gin_trgm_ops`, `citext`, `pgcrypto`, `postgis`). The planner creates
//! each with `CREATE EXTENSION IF NOT EXISTS` before anything that may use it; any file of a
//! system may declare one, and the system gets them all.

use super::read::{expect_scalar, expect_seq};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::load::Node;

/// The extension names of one `extensions:` list, as written; bad names are reported.
pub fn read(node: &Node, diags: &mut Diagnostics) -> Vec<String> {
    let items = expect_seq(node, "extensions", diags).unwrap_or_default();
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let name = expect_scalar(item, "extensions", diags)?;
            if is_extension_name(&name) {
                return Some(name);
            }
            diags.push(
                Diagnostic::error(
                    Code::BadExtension,
                    item.span,
                    format!("`{name}` is not an extension name"),
                )
                .at_path(format!("extensions[{i}]"))
                .with_help(
                    "name the extension as `CREATE EXTENSION` does, e.g. pg_trgm, citext, pgcrypto, \
                     postgis, uuid-ossp (see `SELECT name FROM pg_available_extensions`)",
                ),
            );
            None
        })
        .collect()
}

/// Lowercase letters, digits, `_` and `-`, starting with a letter, at most 63 bytes: what
/// the extensions Postgres ships and the common third-party ones are called.
fn is_extension_name(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}
