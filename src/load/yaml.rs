//! YAML text → a tree of [`Node`]s, each with its position.
//!
//! serde-saphyr does the parsing (panic-free, with alias and depth budgets); we ask it
//! for every value as `Spanned` and keep the untyped tree with the positions, so each
//! flavour can report unknown keys, wrong shapes and YAML mis-parses at the exact line and
//! column.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Span;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: always a string (numbers and booleans are read as their text).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    /// What the node is, for messages: "a map", "a list", "a string", ...
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A scalar as text (`true`, `42`, `1.5`, `text`); `None` for null, lists and maps.
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::Float(f) => Some(Cow::Owned(f.to_string())),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }
    /// The node as a JSON value (for `json` defaults); a float JSON cannot hold becomes null.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
    /// The value under `key` when this node is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }
}

/// YAML nesting a schema may use: room for Firestore subcollections about 120 levels deep
/// (each level nests two maps), far below what would exhaust the stack.
pub const MAX_DEPTH: usize = 256;
/// YAML nodes (keys, values, list items) in one file: a system of 50,000 models in one file
/// takes about 2.5 million; 64 MiB of YAML cannot hold many more.
pub const MAX_NODES: usize = 5_000_000;

/// YAML events (values, starts and ends of maps and lists) kept for anchors (`&name`).
pub const MAX_ANCHORED_EVENTS: usize = 10_000;

/// Stack for parsing one file: the parser recurses once per level of nesting, and a test
/// thread's 2 MiB would overflow below [`MAX_DEPTH`] in a debug build.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Files parsed at once by [`parse_all`]: the machines this runs on have two cores or more.
const PARSE_THREADS: usize = 2;

/// Runs `job(0..count)`, [`PARSE_THREADS`] jobs at a time, each thread with a big stack for
/// [`parse_here`]; the results in index order (so diagnostics keep file order).
pub(super) fn on_parse_threads<T: Send>(count: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= count {
                return done;
            }
            done.push((i, job(i)));
        }
    };
    let mut done: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..PARSE_THREADS.min(count))
            .filter_map(|_| big_stack().spawn_scoped(scope, work).ok())
            .collect();
        // No thread could start: parse here (a debug build may then overflow on deep YAML).
        let here = if workers.is_empty() {
            work()
        } else {
            Vec::new()
        };
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .chain(here)
            .collect()
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, result)| result).collect()
}

fn big_stack() -> std::thread::Builder {
    std::thread::Builder::new()
        .name("yaml".into())
        .stack_size(PARSE_STACK_BYTES)
}

pub(super) fn parse(text: &str, file: u32) -> Result<Node, Box<Diagnostic>> {
    std::thread::scope(|scope| {
        big_stack()
            .spawn_scoped(scope, || parse_here(text, file))
            .map_or_else(
                |_| parse_here(text, file),
                |parser| {
                    parser
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                },
            )
    })
}

pub(super) fn parse_here(text: &str, file: u32) -> Result<Node, Box<Diagnostic>> {
    let mut options = serde_saphyr::options::Options::default();
    // YAML 1.2 booleans only: an enum value `NO` or `ON` stays a string.
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    // A `!tag` would otherwise be dropped without a word.
    options.reject_unsupported_tags = true;
    options.with_snippet = false;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    // Every node is at most two events (start and end): the node limit is the one that speaks.
    budget.max_events = 2 * MAX_NODES + 16;
    // Anchored YAML is copied for each alias: a schema reuses small pieces (a field set), and
    // a bomb of nested anchors is stopped within a second instead of after a million copies.
    budget.max_recorded_anchor_events = MAX_ANCHORED_EVENTS;
    options.budget = Some(budget);
    match serde_saphyr::from_str_with_options::<Parsed>(text, options) {
        Ok(Parsed(mut root)) => {
            in_file(&mut root, file);
            Ok(root)
        }
        Err(err) => Err(Box::new(syntax_error(&err, file))),
    }
}

fn syntax_error(err: &serde_saphyr::Error, file: u32) -> Diagnostic {
    // A position of 0 means "unknown": the file's start is the nearest true place.
    let (line, column) = err.location().map_or((1, 1), |l| {
        (l.line().max(1) as u32, l.column().max(1) as u32)
    });
    let span = Span { file, line, column };
    let (code, message, help) = translate(innermost(err));
    let mut d = Diagnostic::error(code, span, message);
    if let Some(help) = help {
        d = d.with_help(help);
    }
    d
}

/// The error an alias or snippet wrapper carries.
fn innermost(mut err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    use serde_saphyr::Error;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = err {
        err = error;
    }
    err
}

/// serde-saphyr's errors in our words: the limits as ours (with their values), never the
/// parser's API ("set DuplicateKeyPolicy in Options", "use from_str_multiple").
fn translate(err: &serde_saphyr::Error) -> (Code, String, Option<&'static str>) {
    use serde_saphyr::budget::BudgetBreach;
    use serde_saphyr::Error;
    match err {
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => (
                Code::YamlTooDeep,
                format!("the YAML nests deeper than the limit of {MAX_DEPTH} levels"),
                Some("flatten the structure; a schema this deep is usually generated by mistake"),
            ),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => (
                Code::YamlTooManyNodes,
                format!(
                    "the file holds more than {MAX_NODES} YAML nodes (keys, values, list items), \
                     the limit for one schema file"
                ),
                Some("split the system's models over several files in its folder"),
            ),
            other => (
                Code::YamlTooComplex,
                too_complex(other),
                Some(TOO_COMPLEX_HELP),
            ),
        },
        Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => (
            Code::YamlTooComplex,
            "aliases (`*name`) expand to more YAML than a schema file may hold".into(),
            Some(TOO_COMPLEX_HELP),
        ),
        Error::DuplicateMappingKey { key, .. } => (
            Code::DuplicateKey,
            match key {
                Some(key) => format!("the key `{key}` appears twice in this map"),
                None => "a key appears twice in this map".into(),
            },
            Some("YAML keeps one value per key: remove or rename one of them"),
        ),
        Error::MultipleDocuments { .. } => (
            Code::MultipleDocuments,
            "the file holds a second YAML document (after a `---` line)".into(),
            Some(
                "a schema file holds one document: move what follows `---` into a file of its own",
            ),
        ),
        Error::UnsupportedTag { tag, .. } => (
            Code::UnknownYamlTag,
            format!("unknown YAML tag `{tag}`"),
            Some("schemagen reads plain YAML: remove the tag (quote the value if it is text)"),
        ),
        other => syntax_message(other),
    }
}

const TOO_COMPLEX_HELP: &str =
    "write the schema out plainly: aliases and anchors are limited against YAML bombs";

fn too_complex(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach;
    match breach {
        BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } => {
            "the file uses more aliases (`*name`) than a schema file may".into()
        }
        BudgetBreach::Anchors { .. } => {
            "the file defines more anchors (`&name`) than a schema file may".into()
        }
        BudgetBreach::ScalarBytes { .. } => {
            "the file's text values are larger than a schema file may hold".into()
        }
        BudgetBreach::MergeKeys { .. } => {
            "the file uses more merge keys (`<<`) than a schema file may".into()
        }
        BudgetBreach::Documents { .. } => {
            "the file holds more YAML documents than a schema file may".into()
        }
        BudgetBreach::RecordedAnchorEvents { .. } | BudgetBreach::RecordedAnchorBytes { .. } => {
            format!(
                "anchors (`&name`) hold more than {MAX_ANCHORED_EVENTS} YAML values in all, the \
                 limit for one schema file"
            )
        }
        _ => "the file's YAML is over a limit for one schema file".into(),
    }
}

/// Any other error: serde-saphyr's message for users, without its position prefix.
fn syntax_message(err: &serde_saphyr::Error) -> (Code, String, Option<&'static str>) {
    use serde_saphyr::MessageFormatter;
    let full = serde_saphyr::UserMessageFormatter
        .format_message(err)
        .into_owned();
    let first = full.lines().next().unwrap_or("invalid YAML");
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let message = message
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("line ") && head.contains(" column "))
        .map_or(message, |(_, m)| m);
    let help = message
        .contains("mapping values are not allowed")
        .then_some(
            "a plain YAML value cannot contain `: ` (as in `@relation(fields: [..])`); \
         paste Prisma field lines into a block scalar (`fields: |`), or quote the value",
        );
    (Code::YamlSyntax, crate::diagnostics::clip(message, 0), help)
}

fn span_of<T>(s: &Spanned<T>, file: u32) -> Span {
    Span {
        file,
        line: s.referenced.line() as u32,
        column: s.referenced.column() as u32,
    }
}

/// Gives every span of the tree its file: [`Parsed`] cannot know it.
fn in_file(node: &mut Node, file: u32) {
    node.span.file = file;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| in_file(n, file)),
        Value::Map(entries) => {
            for (key, value) in entries {
                key.span.file = file;
                in_file(value, file);
            }
        }
        _ => {}
    }
}

/// A [`Node`] read straight from serde-saphyr (with file 0: see [`in_file`]). Each level is
/// asked for as `Spanned` for its position and its children are `Parsed` in turn, so the
/// tree is built once, in its final shape. A tree of `Spanned` values converted afterwards
/// held each map's entries first with two serde-saphyr locations each, then again as
/// [`Node`]s: 10,000 models touched ~1,160 more fresh pages while loading (~4.5 MB).
struct Parsed(Node);

impl<'de> Deserialize<'de> for Parsed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<ParsedValue>::deserialize(deserializer)?;
        let span = span_of(&spanned, 0);
        Ok(Parsed(Node {
            value: spanned.value.0,
            span,
        }))
    }
}

/// A node's value, its children already [`Parsed`]; its position is the `Spanned` around it.
struct ParsedValue(Value);

impl<'de> Deserialize<'de> for ParsedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(ParsedValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Str(v.to_string()), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Parsed(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, Parsed(value))) = map.next_entry::<Spanned<String>, Parsed>()? {
            let key = Key {
                span: span_of(&key, 0),
                name: key.value,
            };
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}
