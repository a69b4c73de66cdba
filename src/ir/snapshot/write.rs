//! The writer of `schema.json` (the format is described in the parent module): one `String`
//! sized once, every name and SQL text through [`string`], the JSON escaper.

use super::{default_index_name, default_name, Written};
use crate::ir::{
    Check, Column, ColumnType, DefaultValue, Enum, EnumValue, ForeignKey, Index, IndexPart,
    Literal, PrimaryKey, QualifiedName, ReferentialAction, ScalarType, SortOrder, System, Table,
};
use std::fmt::Write as _;

/// The text of `schema.json` for `system`, with where each table lies in it.
pub(super) fn system(system: &System) -> serde_json::Result<Written> {
    let System {
        name,
        namespaces,
        extensions,
        enums,
        tables,
        access,
        seed: _,
        renames: _,
        accept_data_loss: _,
    } = system;
    let mut w = Writer {
        out: String::with_capacity(estimated_len(system)),
    };
    let mut root = w.open('{', 0);
    w.field(&mut root, "name");
    string(&mut w.out, name);
    if !namespaces.is_empty() {
        w.field(&mut root, "namespaces");
        strings(&mut w.out, namespaces);
    }
    if !extensions.is_empty() {
        w.field(&mut root, "extensions");
        strings(&mut w.out, extensions);
    }
    if !enums.is_empty() {
        w.field(&mut root, "enums");
        let mut list = w.open('[', root.depth);
        for e in enums {
            w.next(&mut list);
            w.enumeration(e, list.depth);
        }
        w.close(list, ']');
    }
    let mut table_ranges = Vec::with_capacity(tables.len());
    let mut list_range = None;
    if !tables.is_empty() {
        w.field(&mut root, "tables");
        let open = w.out.len();
        let mut list = w.open('[', root.depth);
        for table in tables {
            w.next(&mut list);
            let start = w.out.len();
            w.table(table, list.depth);
            table_ranges.push(start..w.out.len());
        }
        w.close(list, ']');
        list_range = Some(open..w.out.len());
    }
    if !access.is_empty() {
        w.field(&mut root, "access");
        let mut block = w.open('{', root.depth);
        if let Some(settings) = &access.settings {
            w.field(&mut block, "settings");
            w.out.push_str(&serde_json::to_string(settings)?);
        }
        if !access.tables.is_empty() {
            w.field(&mut block, "tables");
            let mut list = w.open('[', block.depth);
            for table in &access.tables {
                w.next(&mut list);
                w.out.push_str(&serde_json::to_string(table)?);
            }
            w.close(list, ']');
        }
        w.close(block, '}');
    }
    w.close(root, '}');
    w.out.push('\n');
    Ok(Written {
        text: w.out,
        tables: table_ranges,
        list: list_range,
    })
}

/// About the length of `system`'s snapshot, a line of ~64 bytes per element: the buffer is
/// allocated once, not grown by doubling and copied; room it does not use is never touched,
/// so it costs no memory.
fn estimated_len(system: &System) -> usize {
    let tables = system.tables.iter().map(|t| {
        let elements = t.columns.len() + t.indexes.len() + t.foreign_keys.len() + t.checks.len();
        256 + 64 * elements
    });
    let enums = system.enums.iter().map(|e| 128 + 32 * e.values.len());
    (1 << 12) + tables.sum::<usize>() + enums.sum::<usize>()
}

struct Writer {
    out: String,
}

/// An open container laid out one member per line.
struct Block {
    /// The depth of its members.
    depth: usize,
    empty: bool,
}

impl Writer {
    fn open(&mut self, bracket: char, depth: usize) -> Block {
        self.out.push(bracket);
        Block {
            depth: depth + 1,
            empty: true,
        }
    }

    /// Starts the next member's line.
    fn next(&mut self, block: &mut Block) {
        if !block.empty {
            self.out.push(',');
        }
        block.empty = false;
        self.out.push('\n');
        self.indent(block.depth);
    }

    fn field(&mut self, block: &mut Block, key: &str) {
        self.next(block);
        key_of(&mut self.out, key);
    }

    fn close(&mut self, block: Block, bracket: char) {
        if !block.empty {
            self.out.push('\n');
            self.indent(block.depth - 1);
        }
        self.out.push(bracket);
    }

    fn indent(&mut self, depth: usize) {
        self.out.extend(std::iter::repeat_n(' ', depth));
    }

    fn enumeration(&mut self, e: &Enum, depth: usize) {
        let Enum {
            name,
            db_name,
            values,
            comment,
            span: _,
        } = e;
        let mut block = self.open('{', depth);
        self.names(&mut block, name, db_name);
        self.field(&mut block, "values");
        let mut list = self.open('[', block.depth);
        for value in values {
            self.next(&mut list);
            enum_value(&mut self.out, value);
        }
        self.close(list, ']');
        self.comment(&mut block, comment);
        self.close(block, '}');
    }

    fn table(&mut self, table: &Table, depth: usize) {
        let Table {
            name,
            db_name,
            columns,
            primary_key,
            foreign_keys,
            indexes,
            checks,
            partition,
            comment,
            span: _,
        } = table;
        let table_name = db_name.name.as_str();
        let mut block = self.open('{', depth);
        self.names(&mut block, name, db_name);
        self.field(&mut block, "columns");
        let mut map = self.open('{', block.depth);
        for c in columns {
            self.next(&mut map);
            column(&mut self.out, c);
        }
        self.close(map, '}');
        if let Some(pk) = primary_key {
            self.field(&mut block, "primary_key");
            primary(&mut self.out, pk, table_name);
        }
        self.list(&mut block, "foreign_keys", foreign_keys, |out, fk| {
            foreign(out, fk, table_name)
        });
        self.list(&mut block, "indexes", indexes, |out, i| {
            index(out, i, table_name)
        });
        self.list(&mut block, "checks", checks, check);
        if let Some(partition) = partition {
            self.field(&mut block, "partition");
            let json = serde_json::to_string(partition).expect("a partitioning serializes");
            self.out.push_str(&json);
        }
        self.comment(&mut block, comment);
        self.close(block, '}');
    }

    /// A table's or enum's `"name"`, and its `"db_name"` unless that is the name in `public`.
    fn names(&mut self, block: &mut Block, name: &str, db_name: &QualifiedName) {
        self.field(block, "name");
        string(&mut self.out, name);
        if !is_public_named(db_name, name) {
            self.field(block, "db_name");
            qualified(&mut self.out, db_name);
        }
    }

    fn comment(&mut self, block: &mut Block, comment: &Option<String>) {
        if let Some(comment) = comment {
            self.field(block, "comment");
            string(&mut self.out, comment);
        }
    }

    /// `"key":[` one element per line `]`, left out when there are none.
    fn list<T>(
        &mut self,
        block: &mut Block,
        key: &str,
        items: &[T],
        mut element: impl FnMut(&mut String, &T),
    ) {
        if items.is_empty() {
            return;
        }
        self.field(block, key);
        let mut list = self.open('[', block.depth);
        for item in items {
            self.next(&mut list);
            element(&mut self.out, item);
        }
        self.close(list, ']');
    }
}

/// `"name":` then the column: its type alone when that is all it has.
fn column(out: &mut String, column: &Column) {
    let Column {
        name,
        db_name,
        ty,
        nullable,
        default,
        comment,
        span: _,
    } = column;
    string(out, name);
    out.push(':');
    let notation = has_notation(ty);
    if db_name == name && default.is_none() && comment.is_none() && notation {
        type_notation(out, ty, *nullable);
        return;
    }
    let mut first = true;
    out.push('{');
    if db_name != name {
        inline_key(out, &mut first, "db_name");
        string(out, db_name);
    }
    inline_key(out, &mut first, "ty");
    if notation {
        type_notation(out, ty, *nullable);
    } else {
        out.push_str(&serde_json::to_string(ty).expect("a type serializes"));
        if *nullable {
            inline_key(out, &mut first, "nullable");
            out.push_str("true");
        }
    }
    if let Some(default) = default {
        inline_key(out, &mut first, "default");
        default_value(out, default);
    }
    if let Some(comment) = comment {
        inline_key(out, &mut first, "comment");
        string(out, comment);
    }
    out.push('}');
}

/// Whether the type has a one-string notation: every type but a scale without a precision
/// and an enum whose schema or name is not a plain identifier (it could hold `.`, `[]`, `?`).
fn has_notation(ty: &ColumnType) -> bool {
    match &ty.scalar {
        ScalarType::Numeric {
            precision: None,
            scale: Some(_),
        } => false,
        ScalarType::Enum { name } => plain(&name.schema) && plain(&name.name),
        _ => true,
    }
}

fn plain(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The type as one string: `varchar(200)`, `numeric(12,2)`, `enum:Status`, `text[]`, and `?`
/// at the end for a nullable column (`super::parse_type` reads it).
fn type_notation(out: &mut String, ty: &ColumnType, nullable: bool) {
    out.push('"');
    let number = |out: &mut String, n: Option<u32>| {
        if let Some(n) = n {
            let _ = write!(out, "({n})");
        }
    };
    match &ty.scalar {
        ScalarType::Varchar { length } => {
            out.push_str("varchar");
            number(out, *length);
        }
        ScalarType::Char { length } => {
            out.push_str("char");
            number(out, *length);
        }
        ScalarType::Numeric { precision, scale } => {
            out.push_str("numeric");
            match (precision, scale) {
                (Some(p), Some(s)) => {
                    let _ = write!(out, "({p},{s})");
                }
                _ => number(out, *precision),
            }
        }
        ScalarType::Timestamptz { precision } => {
            out.push_str("timestamptz");
            number(out, precision.map(u32::from));
        }
        ScalarType::Timestamp { precision } => {
            out.push_str("timestamp");
            number(out, precision.map(u32::from));
        }
        ScalarType::Time { precision } => {
            out.push_str("time");
            number(out, precision.map(u32::from));
        }
        ScalarType::Enum { name } => {
            out.push_str("enum:");
            if name.schema != "public" {
                out.push_str(&name.schema);
                out.push('.');
            }
            out.push_str(&name.name);
        }
        plain_type => {
            let (name, _) = super::PLAIN_TYPES
                .iter()
                .find(|(_, t)| t == plain_type)
                .expect("every other type is in PLAIN_TYPES");
            out.push_str(name);
        }
    }
    if ty.array {
        out.push_str("[]");
    }
    if nullable {
        out.push('?');
    }
    out.push('"');
}

fn default_value(out: &mut String, default: &DefaultValue) {
    let (tag, value) = match default {
        DefaultValue::Literal(literal) => return literal_value(out, literal),
        DefaultValue::EnumValue(value) => ("enum", value.as_str()),
        DefaultValue::Now => ("fn", "now()"),
        DefaultValue::GenRandomUuid => ("fn", "gen_random_uuid()"),
        DefaultValue::Client(call) => ("client", call.as_str()),
        DefaultValue::Sql(sql) => ("sql", sql.as_str()),
    };
    tagged(out, tag, value);
}

/// A literal as JSON: strings, booleans, lists as themselves, an integer bare when it reads
/// back as the same text, other numbers and JSON documents tagged.
fn literal_value(out: &mut String, literal: &Literal) {
    match literal {
        Literal::String(s) => string(out, s),
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Number(n) if bare_integer(n) => out.push_str(n),
        Literal::Number(n) => tagged(out, "number", n),
        Literal::Json(json) => tagged(out, "json", json),
        Literal::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                literal_value(out, item);
            }
            out.push(']');
        }
    }
}

/// An integer JSON reads back as the same text: no sign but `-`, no leading zero, no `-0`,
/// within 64 bits (serde_json reads integers as `u64`/`i64`).
fn bare_integer(n: &str) -> bool {
    let digits = n.strip_prefix('-').unwrap_or(n);
    let canonical = match digits.as_bytes() {
        [b'0'] => digits.len() == n.len(),
        [first, ..] => *first != b'0' && digits.bytes().all(|b| b.is_ascii_digit()),
        [] => false,
    };
    canonical && (n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok())
}

fn tagged(out: &mut String, tag: &str, value: &str) {
    out.push('{');
    key_of(out, tag);
    string(out, value);
    out.push('}');
}

fn enum_value(out: &mut String, value: &EnumValue) {
    let EnumValue {
        name,
        db_name,
        span: _,
    } = value;
    if db_name == name {
        return string(out, name);
    }
    out.push_str("{\"name\":");
    string(out, name);
    out.push_str(",\"db_name\":");
    string(out, db_name);
    out.push('}');
}

/// The column list alone when the key has Postgres's name for it, `<table>_pkey`.
fn primary(out: &mut String, pk: &PrimaryKey, table: &str) {
    let PrimaryKey {
        db_name,
        columns,
        span: _,
    } = pk;
    if db_name.strip_suffix("_pkey") == Some(table) {
        return strings(out, columns);
    }
    out.push_str("{\"db_name\":");
    string(out, db_name);
    out.push_str(",\"columns\":");
    strings(out, columns);
    out.push('}');
}

fn foreign(out: &mut String, fk: &ForeignKey, table: &str) {
    let ForeignKey {
        db_name,
        columns,
        referenced_table,
        referenced_columns,
        on_delete,
        on_update,
        span: _,
    } = fk;
    let mut first = true;
    out.push('{');
    if *db_name != default_name(table, columns.iter().map(String::as_str), "fkey") {
        inline_key(out, &mut first, "db_name");
        string(out, db_name);
    }
    inline_key(out, &mut first, "columns");
    strings(out, columns);
    inline_key(out, &mut first, "referenced_table");
    qualified(out, referenced_table);
    inline_key(out, &mut first, "referenced_columns");
    strings(out, referenced_columns);
    for (key, action) in [("on_delete", on_delete), ("on_update", on_update)] {
        if *action != ReferentialAction::NoAction {
            inline_key(out, &mut first, key);
            string(out, action_name(*action));
        }
    }
    out.push('}');
}

/// The action as serde names it (`set_null`).
fn action_name(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::NoAction => "no_action",
        ReferentialAction::Restrict => "restrict",
        ReferentialAction::Cascade => "cascade",
        ReferentialAction::SetNull => "set_null",
        ReferentialAction::SetDefault => "set_default",
    }
}

fn index(out: &mut String, index: &Index, table: &str) {
    let Index {
        db_name,
        parts,
        unique,
        method,
        predicate,
        concurrently,
        span: _,
    } = index;
    let mut first = true;
    out.push('{');
    if default_index_name(table, index).as_ref() != Some(db_name) {
        inline_key(out, &mut first, "db_name");
        string(out, db_name);
    }
    inline_key(out, &mut first, "parts");
    out.push('[');
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        index_part(out, part);
    }
    out.push(']');
    if *unique {
        inline_key(out, &mut first, "unique");
        out.push_str("true");
    }
    if *method != Default::default() {
        inline_key(out, &mut first, "method");
        string(out, method.sql());
    }
    if let Some(predicate) = predicate {
        inline_key(out, &mut first, "predicate");
        string(out, predicate);
    }
    if *concurrently {
        inline_key(out, &mut first, "concurrently");
        out.push_str("true");
    }
    out.push('}');
}

/// A column in ascending order without an operator class is its name; descending, `{"desc":
/// name}`; anything else the tagged form.
fn index_part(out: &mut String, part: &IndexPart) {
    match part {
        IndexPart::Column {
            name,
            order,
            opclass: None,
        } => match order {
            SortOrder::Asc => string(out, name),
            SortOrder::Desc => tagged(out, "desc", name),
        },
        other => out.push_str(&serde_json::to_string(other).expect("an index part serializes")),
    }
}

fn check(out: &mut String, check: &Check) {
    out.push_str("{\"db_name\":");
    string(out, &check.db_name);
    out.push_str(",\"expression\":");
    string(out, &check.expression);
    out.push('}');
}

fn is_public_named(name: &QualifiedName, logical: &str) -> bool {
    name.schema == "public" && name.name == logical
}

/// The bare name in `public`, else `{"schema", "name"}`.
fn qualified(out: &mut String, name: &QualifiedName) {
    if name.schema == "public" {
        return string(out, &name.name);
    }
    out.push_str("{\"schema\":");
    string(out, &name.schema);
    out.push_str(",\"name\":");
    string(out, &name.name);
    out.push('}');
}

fn strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, item);
    }
    out.push(']');
}

fn inline_key(out: &mut String, first: &mut bool, key: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    key_of(out, key);
}

/// `"key":`; keys are this module's constants, which need no escaping.
fn key_of(out: &mut String, key: &str) {
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, … or
/// `\u00XX` (as serde_json writes them); everything else, non-ASCII included, as it is.
pub(super) fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}
