//! What the two tests that judge Payload-style systems by Payload's own schema builder share
//! (`tests/payload_oracle.rs`: the YAML's config as JSON; `tests/export_payload.rs`: the
//! exported TypeScript): the systems to judge, the oracle, and the differences schemagen makes
//! on purpose ([`Allowed`], docs/flavours/payload.md "Where schemagen differs").
#![allow(dead_code)]

use super::compare::Allowances;
use super::node::Script;
use schemagen::ir::{ScalarType, System};
use schemagen::load::Node;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The auth collection the oracle adds to a config that has none (`tests/oracle/payload-sql.mjs`).
pub const ORACLE_ADMINS: &str = "oracle-admins";

/// Every case holding Payload-style systems: the project's `schemas/`, the `payload_*` fixtures
/// and the examples with a `schemas/` folder.
pub fn cases() -> Vec<super::Case> {
    let examples = super::subfolders(&super::repo_root().join("examples"))
        .into_iter()
        .filter(|dir| dir.join("schemas").is_dir())
        .map(|dir| {
            let label = format!("example-{}", super::file_name(&dir));
            super::Case::new(label, dir.join("schemas"))
        });
    super::cases()
        .into_iter()
        .filter(|case| case.label == "schemas" || case.label.starts_with("fixture-payload_"))
        .chain(examples)
        .collect()
}

/// The systems below `schemas` whose files are all Payload-style, each with its parsed files.
pub fn systems(schemas: &Path) -> Vec<(String, Vec<Node>)> {
    let systems = schemagen::load::discover_systems(schemas)
        .unwrap_or_else(|e| panic!("reading {}: {e}", schemas.display()));
    let parse = |path: &PathBuf| {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        schemagen::load::parse_text(&text, 0)
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message))
    };
    systems
        .into_iter()
        .map(|(name, paths)| (name, paths.iter().map(parse).collect::<Vec<_>>()))
        .filter(|(_, files)| schemagen::render::export::payload::is_payload_style(files))
        .collect()
}

/// Payload's pipeline (the config sanitizer, the Postgres adapter's schema builder and its
/// bundled drizzle-kit), run by node from the copy `scripts/test` installs in `.tmp/node`.
pub struct Oracle(Script);

impl Oracle {
    pub fn find(test: &str) -> Option<Oracle> {
        Script::find(
            test,
            "payload-sql.mjs",
            "@payloadcms/db-postgres/package.json",
            "Payload's schema builder",
        )
        .map(Oracle)
    }

    /// The statements `payload migrate:create` would write on an empty database for each
    /// config (a `.json` file, or the compiled `index.js` of an export), in one node process:
    /// path → its statements, or Payload's message.
    pub fn migrations(
        &self,
        modules: &[PathBuf],
    ) -> Result<BTreeMap<PathBuf, Result<String, String>>, String> {
        let paths: Vec<String> = modules.iter().map(|p| p.display().to_string()).collect();
        let args: Vec<&str> = std::iter::once("--modules")
            .chain(paths.iter().map(String::as_str))
            .collect();
        let out = self.0.run_with_args(&["--no-warnings"], &args, "")?;
        let mut found = BTreeMap::new();
        let mut current: Option<(PathBuf, String)> = None;
        for line in out.lines() {
            if let Some(path) = line.strip_prefix("-- module: ") {
                if let Some((p, sql)) = current.take() {
                    found.insert(p, Ok(sql));
                }
                current = Some((PathBuf::from(path), String::new()));
            } else if let Some(rest) = line.strip_prefix("-- module failed: ") {
                if let Some((p, sql)) = current.take() {
                    found.insert(p, Ok(sql));
                }
                let (path, message) = rest.split_once(": ").unwrap_or((rest, ""));
                found.insert(PathBuf::from(path), Err(message.to_string()));
            } else if let Some((_, sql)) = current.as_mut() {
                sql.push_str(line);
                sql.push('\n');
            }
        }
        if let Some((p, sql)) = current.take() {
            found.insert(p, Ok(sql));
        }
        Ok(found)
    }
}

/// Payload's own collections: admin state, not the team's data, which schemagen makes only when
/// the YAML opts in (`payloadTables: true`, which makes `payload_kv`).
const PAYLOAD_TABLES: &[&str] = &[
    "payload_kv",
    "payload_locked_documents",
    "payload_locked_documents_rels",
    "payload_preferences",
    "payload_preferences_rels",
    "payload_migrations",
];
/// The jobs queue Payload adds for scheduled publishing: never made (docs/flavours/payload.md).
const PAYLOAD_JOBS: &[&str] = &["payload_jobs", "payload_jobs_log"];

/// The differences schemagen makes on purpose (docs/flavours/payload.md), for one system.
#[derive(Debug, Default)]
pub struct Allowed {
    /// `public.<table>` → the CHECK constraints its `min`/`max`/`minLength`/`maxLength` make.
    pub checks: BTreeMap<String, BTreeSet<String>>,
    /// `(table, column)` of every `point` field: Payload's is PostGIS `geometry(Point)`, which
    /// a plain Postgres lacks; Payload's SQL gets `point` (and GiST for its btree index) instead.
    pub points: BTreeSet<(String, String)>,
    /// Tables only Payload makes: its own collections, and the admin user collection the
    /// oracle adds to a config without an auth collection.
    pub payload_only: BTreeSet<String>,
}

impl Allowed {
    /// For `system`; `has_auth`: whether its config has an auth collection (else the oracle
    /// adds its own); `checks`: whether schemagen's CHECKs of bounds are allowed (the export
    /// adds them in extras.sql, so it allows none).
    pub fn for_system(system: &System, has_auth: bool, checks: bool) -> Allowed {
        let mut allowed = Allowed::default();
        for table in &system.tables {
            let key = format!("{}.{}", table.db_name.schema, table.db_name.name);
            if checks {
                let checks = table.checks.iter().map(|c| c.db_name.clone()).collect();
                allowed.checks.insert(key, checks);
            }
            for column in &table.columns {
                if column.ty.scalar == ScalarType::GeoPoint {
                    let place = (table.db_name.name.clone(), column.db_name.clone());
                    allowed.points.insert(place);
                }
            }
        }
        if !has_auth {
            let admins = ORACLE_ADMINS.replace('-', "_");
            let tables = [
                format!("public.{admins}"),
                format!("public.{admins}_sessions"),
            ];
            allowed.payload_only.extend(tables);
        }
        let opted_in = system.tables.iter().any(|t| t.db_name.name == "payload_kv");
        let internal = PAYLOAD_TABLES.iter().filter(|_| !opted_in);
        let internal = internal.chain(PAYLOAD_JOBS).map(|t| format!("public.{t}"));
        allowed.payload_only.extend(internal);
        allowed
    }

    /// Payload's SQL with `point` for `geometry(Point)` (and its default), and a GiST index
    /// where it has btree (a `point` has no btree operator class).
    pub fn without_postgis(&self, sql: &str) -> String {
        let mut table = String::new();
        let mut out = String::with_capacity(sql.len());
        for line in sql.lines() {
            if let Some(rest) = line.strip_prefix("CREATE TABLE \"") {
                table = rest.split('"').next().unwrap_or_default().to_string();
            }
            let mut line = line.replace(" geometry(Point)", " point");
            if let Some(spelled) = point_default(&line) {
                line = spelled;
            }
            let on_point = self.points.iter().any(|(t, c)| {
                line.contains(&format!("ON \"{t}\" USING btree (\"{c}\")"))
                    || (t == &table && line.contains(&format!("\"{c}\" point")))
            });
            if on_point {
                line = line.replace("USING btree", "USING gist");
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// Whether a config's collections (JSON) include an auth collection.
pub fn has_auth(collections: &[Node]) -> bool {
    collections.iter().any(|c| {
        !matches!(
            c.get("auth").map(|a| &a.value),
            None | Some(schemagen::load::Value::Bool(false))
        )
    })
}

/// A PostGIS default `'SRID=4326;POINT(x y)'` as a Postgres point `'(x,y)'`.
fn point_default(line: &str) -> Option<String> {
    let start = line.find("'SRID=4326;POINT(")?;
    let end = start + line[start..].find(")'")? + 2;
    let inner = &line[start + "'SRID=4326;POINT(".len()..end - 2];
    let (x, y) = inner.split_once(' ')?;
    Some(format!("{}'({x},{y})'{}", &line[..start], &line[end..]))
}

impl Allowances for Allowed {
    fn tool(&self) -> &'static str {
        "Payload"
    }

    /// Payload's builder puts everything in `public` and writes no comments.
    fn compares_schemas(&self) -> bool {
        false
    }

    fn compares_comments(&self) -> bool {
        false
    }

    fn theirs_only_table(&self, name: &str) -> Option<String> {
        self.payload_only
            .contains(name)
            .then(|| format!("Payload's {name}"))
    }

    /// Enums of Payload's own tables (`enum_payload_jobs_…`) go with them.
    fn theirs_only_enum(&self, name: &str) -> bool {
        self.payload_only.iter().any(|t| {
            let table = t.trim_start_matches("public.");
            name.starts_with(&format!("public.enum_{table}_"))
        })
    }

    /// A CHECK schemagen alone made is fine when it comes from `min`/`max` bounds.
    fn ours_only_object(
        &mut self,
        table: &str,
        kind: &str,
        object: &str,
        definition: &str,
    ) -> Option<String> {
        let bound = kind == "constraint"
            && definition.starts_with("CHECK")
            && self.checks.get(table).is_some_and(|c| c.contains(object));
        bound.then(|| format!("check {object}"))
    }

    fn notes(&self) -> Vec<String> {
        if self.points.is_empty() {
            return Vec::new();
        }
        let points: Vec<String> = self
            .points
            .iter()
            .map(|(t, c)| format!("{t}.{c}"))
            .collect();
        vec![format!("point for geometry(Point): {}", points.join(", "))]
    }
}
