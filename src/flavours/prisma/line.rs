//! One line of a Prisma model body → a small syntax tree that remembers byte offsets.
//!
//! Grammar (the subset of `schema.prisma` a model body uses):
//! ```text
//! line      = field | block | ε            (a trailing `// comment` is ignored)
//! field     = Ident Type ('?' | '[]')? attribute*
//! block     = '@@' Name args?
//! attribute = '@' Name args?               Name = Ident ('.' Ident)*
//! args      = '(' (arg (',' arg)*)? ','? ')'
//! arg       = (Ident ':')? expr
//! expr      = String | Number | Name args? | '[' (expr (',' expr)*)? ','? ']'
//! ```
//! `true`/`false` are identifiers, as in Prisma; `field(sort: Desc)` is a call.

use std::borrow::Cow;

/// A piece of text and the byte offset in the line where it starts. The text is borrowed
/// from the line (a model body has some 20 words per field: no String each); owned only
/// where it is not the line's bytes (a string with escapes, `a . b`, a blanked comment).
#[derive(Debug, Clone, PartialEq)]
pub struct Word<'a> {
    pub text: Cow<'a, str>,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    Empty,
    Field(FieldLine<'a>),
    /// `@@index(...)`, `@@map(...)`: `name` without the `@@`, `at` on the first `@`.
    Block(Attribute<'a>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldLine<'a> {
    pub name: Word<'a>,
    pub ty: Word<'a>,
    pub optional: bool,
    pub list: bool,
    pub attributes: Vec<Attribute<'a>>,
}

/// `@name(args)`; `at` is the offset of the first `@`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute<'a> {
    pub name: Word<'a>,
    pub args: Vec<Arg<'a>>,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg<'a> {
    pub name: Option<Word<'a>>,
    pub value: Expr<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind<'a> {
    Str(Cow<'a, str>),
    /// As written: `-1`, `3.14`.
    Number(Cow<'a, str>),
    /// An identifier or a dotted name: `Desc`, `true`, `Cascade`.
    Ident(Cow<'a, str>),
    /// `uuid()`, `dbgenerated("...")`, `publishedAt(sort: Desc)`.
    Call(Cow<'a, str>, Vec<Arg<'a>>),
    List(Vec<Expr<'a>>),
}

/// A word owned, so that a line parsed from a temporary text (a body with its `/* … */`
/// comments blanked) can outlive it.
fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

impl Word<'_> {
    pub fn into_owned(self) -> Word<'static> {
        Word {
            text: owned(self.text),
            at: self.at,
        }
    }
}

impl Line<'_> {
    pub fn into_owned(self) -> Line<'static> {
        match self {
            Line::Empty => Line::Empty,
            Line::Field(f) => Line::Field(FieldLine {
                name: f.name.into_owned(),
                ty: f.ty.into_owned(),
                optional: f.optional,
                list: f.list,
                attributes: f
                    .attributes
                    .into_iter()
                    .map(Attribute::into_owned)
                    .collect(),
            }),
            Line::Block(a) => Line::Block(a.into_owned()),
        }
    }
}

impl Attribute<'_> {
    pub fn into_owned(self) -> Attribute<'static> {
        Attribute {
            name: self.name.into_owned(),
            args: self.args.into_iter().map(Arg::into_owned).collect(),
            at: self.at,
        }
    }
}

impl Arg<'_> {
    fn into_owned(self) -> Arg<'static> {
        Arg {
            name: self.name.map(Word::into_owned),
            value: self.value.into_owned(),
        }
    }
}

impl Expr<'_> {
    fn into_owned(self) -> Expr<'static> {
        let kind = match self.kind {
            ExprKind::Str(s) => ExprKind::Str(owned(s)),
            ExprKind::Number(n) => ExprKind::Number(owned(n)),
            ExprKind::Ident(i) => ExprKind::Ident(owned(i)),
            ExprKind::Call(name, args) => {
                ExprKind::Call(owned(name), args.into_iter().map(Arg::into_owned).collect())
            }
            ExprKind::List(items) => {
                ExprKind::List(items.into_iter().map(Expr::into_owned).collect())
            }
        };
        Expr { kind, at: self.at }
    }
}

impl Expr<'_> {
    /// What the expression is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ExprKind::Str(_) => "a string",
            ExprKind::Number(_) => "a number",
            ExprKind::Ident(_) => "a name",
            ExprKind::Call(..) => "a function call",
            ExprKind::List(_) => "a list",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub at: usize,
    pub message: String,
}

/// Whether a line of a model body may hold a field: not blank, not a comment, not `@@`.
pub fn may_be_field(text: &str) -> bool {
    let text = text.trim_start();
    !(text.is_empty() || text.starts_with("//") || text.starts_with("@@"))
}

/// Parses one line of a model body.
pub fn parse_line(text: &str) -> Result<Line<'_>, ParseError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    p.skip_space();
    if p.at_end() {
        return Ok(Line::Empty);
    }
    let line = if p.text[p.pos..].starts_with("@@") {
        Line::Block(p.attribute("@@")?)
    } else {
        Line::Field(p.field()?)
    };
    p.skip_space();
    if !p.at_end() {
        return Err(p.error("unexpected text after the end of the line"));
    }
    Ok(line)
}

/// Parses the part of a field line after its name (map form `name: Type @attr`).
pub fn parse_field_rest<'a>(name: Word<'a>, text: &'a str) -> Result<FieldLine<'a>, ParseError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    p.skip_space();
    let field = p.field_after_name(name)?;
    p.skip_space();
    if !p.at_end() {
        return Err(p.error("unexpected text after the end of the line"));
    }
    Ok(field)
}

/// The bytes a name continues with (letters, digits, `_`), looked up: asked of every byte
/// of every name in every model body.
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// Values nested in one another (lists, calls) a line may hold: far more than any schema
/// needs, and few enough that the recursive parser never comes near the end of its stack.
const MAX_NESTING: usize = 64;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// How many values the one being read is nested in.
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// End of the line, or the start of a `//` comment.
    fn at_end(&self) -> bool {
        self.pos >= self.text.len() || self.text[self.pos..].starts_with("//")
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            at: self.pos.min(self.text.len()),
            message: message.into(),
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), ParseError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.error(format!("expected {what}{}", self.found())))
        }
    }

    /// `, found `x`` for messages, naming the next character.
    fn found(&self) -> String {
        match self.text[self.pos..].chars().next() {
            Some(c) if !self.at_end() => format!(", found `{c}`"),
            _ => ", found the end of the line".into(),
        }
    }

    fn ident(&mut self, what: &str) -> Result<Word<'a>, ParseError> {
        self.skip_space();
        let start = self.pos;
        let end = self.name_end();
        if end == start {
            return Err(self.error(format!("expected {what}{}", self.found())));
        }
        self.pos = end;
        Ok(Word {
            text: Cow::Borrowed(&self.text[start..end]),
            at: start,
        })
    }

    /// Where the identifier at the current position ends (the position itself if none starts
    /// there): a letter or `_`, then letters, digits and `_`.
    fn name_end(&self) -> usize {
        let rest = &self.text.as_bytes()[self.pos.min(self.text.len())..];
        if !rest
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            return self.pos;
        }
        let len = rest
            .iter()
            .position(|&b| !NAME_BYTES[b as usize])
            .unwrap_or(rest.len());
        self.pos + len
    }

    /// `Ident ('.' Ident)*`: attribute names such as `db.VarChar`.
    fn dotted(&mut self, what: &str) -> Result<Word<'a>, ParseError> {
        let mut word = self.ident(what)?;
        if self.peek() != Some(b'.') {
            return Ok(word); // one word, as most names are
        }
        while self.peek() == Some(b'.') {
            self.pos += 1;
            self.ident("a name after `.`")?;
        }
        let written = &self.text[word.at..self.pos];
        // A space may follow a `.` (`db. VarChar`): the name is the words without it.
        let space = |c: char| matches!(c, ' ' | '\t' | '\r');
        word.text = match written.contains(space) {
            false => Cow::Borrowed(written),
            true => Cow::Owned(written.chars().filter(|&c| !space(c)).collect()),
        };
        Ok(word)
    }

    fn field(&mut self) -> Result<FieldLine<'a>, ParseError> {
        let name = self.ident("a field name")?;
        self.field_after_name(name)
    }

    fn field_after_name(&mut self, name: Word<'a>) -> Result<FieldLine<'a>, ParseError> {
        self.skip_space();
        if self.at_end() {
            return Err(self.error(format!("the field `{}` has no type", name.text)));
        }
        let ty = self.ident("a type")?;
        if self.peek() == Some(b'(') {
            return Err(self.error(format!(
                "`{}(...)` types are not supported: give the field a Prisma scalar type",
                ty.text
            )));
        }
        let mut list = false;
        let mut optional = false;
        if self.text[self.pos..].starts_with("[]") {
            self.pos += 2;
            list = true;
        }
        if self.peek() == Some(b'?') {
            if list {
                return Err(self.error("a list cannot be optional: write `Type[]`"));
            }
            self.pos += 1;
            optional = true;
        }
        let attributes = self.attributes()?;
        Ok(FieldLine {
            name,
            ty,
            optional,
            list,
            attributes,
        })
    }

    /// `@attr(...)*` up to the end of the line.
    fn attributes(&mut self) -> Result<Vec<Attribute<'a>>, ParseError> {
        let mut attributes = Vec::new();
        loop {
            self.skip_space();
            if self.at_end() {
                return Ok(attributes);
            }
            if self.peek() != Some(b'@') {
                return Err(self.error(format!(
                    "expected an attribute starting with `@`{}",
                    self.found()
                )));
            }
            if self.text[self.pos..].starts_with("@@") {
                return Err(self.error("`@@` attributes go on a line of their own"));
            }
            attributes.push(self.attribute("@")?);
        }
    }

    /// At `sigil` (`@` or `@@`): the attribute, positioned at its first `@`.
    fn attribute(&mut self, sigil: &str) -> Result<Attribute<'a>, ParseError> {
        let at = self.pos;
        self.pos += sigil.len();
        if matches!(self.peek(), Some(b' ' | b'\t')) {
            return Err(self.error("expected an attribute name right after `@`"));
        }
        let name = self.dotted("an attribute name")?;
        // Arguments must follow the name directly: `@default (x)` is not Prisma either.
        let args = if self.peek() == Some(b'(') {
            self.args()?
        } else {
            Vec::new()
        };
        Ok(Attribute { name, args, at })
    }

    /// At `(`: the argument list up to `)`.
    fn args(&mut self) -> Result<Vec<Arg<'a>>, ParseError> {
        self.expect(b'(', "`(`")?;
        // Most attributes have one argument: room for it, so that none grows and shrinks.
        let mut args = Vec::with_capacity(1);
        loop {
            if self.eat(b')') {
                break;
            }
            args.push(self.arg()?);
            if !self.eat(b',') {
                self.expect(b')', "`,` or `)`")?;
                break;
            }
        }
        // Kept with every field until lowering; most attributes have one argument.
        args.shrink_to_fit();
        Ok(args)
    }

    fn arg(&mut self) -> Result<Arg<'a>, ParseError> {
        self.skip_space();
        let start = self.pos;
        // Only a name followed by `:` is an argument's name: looked for without copying it.
        let name_end = self.name_end();
        if name_end > start {
            self.pos = name_end;
            if self.eat(b':') {
                let name = Word {
                    text: Cow::Borrowed(&self.text[start..name_end]),
                    at: start,
                };
                let value = self.expr()?;
                return Ok(Arg {
                    name: Some(name),
                    value,
                });
            }
        }
        self.pos = start;
        Ok(Arg {
            name: None,
            value: self.expr()?,
        })
    }

    fn expr(&mut self) -> Result<Expr<'a>, ParseError> {
        self.skip_space();
        if self.depth == MAX_NESTING {
            return Err(self.error(format!(
                "values are nested more than {MAX_NESTING} levels deep here"
            )));
        }
        self.depth += 1;
        let expr = self.nested_expr();
        self.depth -= 1;
        expr
    }

    fn nested_expr(&mut self) -> Result<Expr<'a>, ParseError> {
        let at = self.pos;
        let kind = match self.peek() {
            Some(b'"') => ExprKind::Str(self.string()?),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(b']') {
                        break;
                    }
                    items.push(self.expr()?);
                    if !self.eat(b',') {
                        self.expect(b']', "`,` or `]`")?;
                        break;
                    }
                }
                ExprKind::List(items)
            }
            Some(b'-' | b'0'..=b'9') => ExprKind::Number(self.number()?),
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                let name = self.dotted("a name")?;
                if self.peek() == Some(b'(') {
                    ExprKind::Call(name.text, self.args()?)
                } else {
                    ExprKind::Ident(name.text)
                }
            }
            _ => return Err(self.error(format!("expected a value{}", self.found()))),
        };
        Ok(Expr { kind, at })
    }

    fn number(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > from
        };
        if !digits(self) {
            return Err(self.error("expected a digit"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("expected a digit after `.`"));
            }
        }
        if self
            .peek()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        {
            return Err(self.error("a number cannot be followed by a letter"));
        }
        Ok(Cow::Borrowed(&self.text[start..self.pos]))
    }

    /// At `"`: a string with Prisma's escapes (`\"`, `\\`, `\n`, `\t`, `\r`, `\uXXXX`).
    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let start = self.pos;
        self.pos += 1;
        // Most strings hold no escape: copied whole.
        let rest = &self.text[self.pos..];
        if let Some(end) = rest
            .find(['"', '\\'])
            .filter(|&i| rest.as_bytes()[i] == b'"')
        {
            self.pos += end + 1;
            return Ok(Cow::Borrowed(&rest[..end]));
        }
        let mut out = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(Cow::Owned(out));
                }
                '\\' => {
                    let Some((j, e)) = chars.next() else { break };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'u' => {
                            let hex: String = chars.by_ref().take(4).map(|(_, c)| c).collect();
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(c) if hex.len() == 4 => out.push(c),
                                _ => {
                                    self.pos += j;
                                    return Err(self.error("`\\u` needs four hex digits"));
                                }
                            }
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
        self.pos = start;
        Err(self.error("this string is never closed: add the closing `\"`"))
    }
}

/// One entry of an enum's values: `NAME @map("db_name")`, or `@@map(...)` / `@@schema(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum EnumLine<'a> {
    Empty,
    Value(Word<'a>, Vec<Attribute<'a>>),
    Block(Attribute<'a>),
}

pub fn parse_enum_line(text: &str) -> Result<EnumLine<'_>, ParseError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    p.skip_space();
    if p.at_end() {
        return Ok(EnumLine::Empty);
    }
    if p.text[p.pos..].starts_with("@@") {
        let block = p.attribute("@@")?;
        p.skip_space();
        if !p.at_end() {
            return Err(p.error("unexpected text after the end of the line"));
        }
        return Ok(EnumLine::Block(block));
    }
    let name = p.ident("an enum value")?;
    let attributes = p.attributes()?;
    Ok(EnumLine::Value(name, attributes))
}

/// `text` with every `/* … */` block comment replaced by spaces, line breaks kept, so the
/// lines and columns of everything else stay where they were. Prisma accepts block comments
/// between fields and after a field; here they may stand anywhere a space may. `//` line
/// comments and strings are skipped, so `"/*"` in a default stays text. An unclosed
/// comment is an error at its `/*` (a byte offset into `text`).
pub fn blank_block_comments(text: &str) -> Result<Cow<'_, str>, usize> {
    if !text.contains("/*") {
        return Ok(Cow::Borrowed(text)); // the common case: nothing to blank, nothing copied
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let (mut in_string, mut in_line_comment) = (false, false);
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            '\n' => (in_string, in_line_comment) = (false, false),
            _ if in_line_comment => {}
            '\\' if in_string => {
                out.push(c);
                if let Some((_, escaped)) = chars.next_if(|&(_, n)| n != '\n') {
                    out.push(escaped);
                }
                continue;
            }
            '"' => in_string = !in_string,
            '/' if !in_string && next == Some('/') => in_line_comment = true,
            '/' if !in_string && next == Some('*') => {
                blank_comment(at, &mut chars, &mut out)?;
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    Ok(Cow::Owned(out))
}

/// At the `/` of `/*`: pushes a space for every character up to and including `*/`.
fn blank_comment(
    start: usize,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    out: &mut String,
) -> Result<(), usize> {
    chars.next(); // the `*`
    out.push_str("  ");
    while let Some((_, c)) = chars.next() {
        if c == '*' && chars.next_if(|&(_, n)| n == '/').is_some() {
            out.push_str("  ");
            return Ok(());
        }
        out.push(if c == '\n' { '\n' } else { ' ' });
    }
    Err(start)
}

/// A `/// doc comment` line's text, if the line is one.
pub fn doc_comment(text: &str) -> Option<&str> {
    text.trim_start().strip_prefix("///").map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> FieldLine<'_> {
        match parse_line(text) {
            Ok(Line::Field(f)) => f,
            other => panic!("not a field: {other:?}"),
        }
    }

    fn err(text: &str) -> ParseError {
        parse_line(text).expect_err("should not parse")
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("id String @default({})", "[".repeat(200_000));
        assert!(err(&deep).message.contains("nested more than 64 levels"));
        let fits = format!("id String @default({}1{})", "[".repeat(63), "]".repeat(63));
        assert!(parse_line(&fits).is_ok());
    }

    #[test]
    fn reads_a_field_with_attributes_and_offsets() {
        let f = field("  id   String  @id @default(uuid()) @db.Uuid // the key");
        assert_eq!((&*f.name.text, f.name.at), ("id", 2));
        assert_eq!((&*f.ty.text, f.ty.at), ("String", 7));
        assert!(!f.optional && !f.list);
        let names: Vec<_> = f.attributes.iter().map(|a| (&*a.name.text, a.at)).collect();
        assert_eq!(names, [("id", 15), ("default", 19), ("db.Uuid", 36)]);
        assert_eq!(
            f.attributes[1].args[0].value.kind,
            ExprKind::Call("uuid".into(), vec![])
        );
    }

    #[test]
    fn words_are_borrowed_from_the_line_unless_rewritten() {
        let f = field(r#"a String @db. VarChar(10) @default("x\"y") @map("a_b")"#);
        let [varchar, default, map] = &f.attributes[..] else {
            panic!()
        };
        // `db. VarChar` is not the line's bytes: the name is written out without the space.
        assert_eq!(varchar.name.text, Cow::<str>::Owned("db.VarChar".into()));
        assert_eq!(default.args[0].value.kind, ExprKind::Str("x\"y".into()));
        assert!(matches!(
            default.args[0].value.kind,
            ExprKind::Str(Cow::Owned(_))
        ));
        assert!(matches!(
            map.args[0].value.kind,
            ExprKind::Str(Cow::Borrowed("a_b"))
        ));
        assert!(matches!(f.name.text, Cow::Borrowed("a")));
        // A line parsed from a temporary text keeps every word once owned.
        let text = String::from(r#"b Int @default(dbgenerated("1")) @db.Integer"#);
        let owned = parse_line(&text).map(Line::into_owned);
        drop(text);
        let Ok(Line::Field(b)) = owned else { panic!() };
        assert_eq!(
            (&*b.name.text, &*b.attributes[1].name.text),
            ("b", "db.Integer")
        );
        let ExprKind::Call(name, args) = &b.attributes[0].args[0].value.kind else {
            panic!()
        };
        assert_eq!(
            (&**name, &args[0].value.kind),
            ("dbgenerated", &ExprKind::Str("1".into()))
        );
    }

    #[test]
    fn name_bytes_are_ascii_letters_digits_and_underscore() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b == b'_';
            assert_eq!(NAME_BYTES[b as usize], expected, "byte {b}");
        }
    }

    #[test]
    fn reads_optional_and_list_types() {
        assert!(field("a String?").optional);
        assert!(field("a String[]").list);
        assert_eq!(
            err("a String[]?").message,
            "a list cannot be optional: write `Type[]`"
        );
    }

    #[test]
    fn reads_named_arguments_lists_and_calls() {
        let f = field(
            r#"org Org @relation("Owner", fields: [orgId, b], references: [id], onDelete: Cascade)"#,
        );
        let args = &f.attributes[0].args;
        assert_eq!(args[0].name, None);
        assert_eq!(args[0].value.kind, ExprKind::Str("Owner".into()));
        assert_eq!(args[1].name.as_ref().unwrap().text, "fields");
        let ExprKind::List(items) = &args[1].value.kind else {
            panic!()
        };
        assert_eq!(items[1].kind, ExprKind::Ident("b".into()));
        assert_eq!(items[1].at, 43);
        assert_eq!(args[3].value.kind, ExprKind::Ident("Cascade".into()));
    }

    #[test]
    fn reads_block_attributes_with_sort_and_type() {
        let Ok(Line::Block(a)) = parse_line("  @@index([a, b(sort: Desc)], type: Gin)") else {
            panic!()
        };
        assert_eq!((&*a.name.text, a.at), ("index", 2));
        let ExprKind::List(items) = &a.args[0].value.kind else {
            panic!()
        };
        let ExprKind::Call(name, args) = &items[1].kind else {
            panic!()
        };
        assert_eq!(name, "b");
        assert_eq!(args[0].name.as_ref().unwrap().text, "sort");
        assert_eq!(a.args[1].value.kind, ExprKind::Ident("Gin".into()));
    }

    #[test]
    fn reads_strings_with_escapes_and_comment_markers() {
        let f = field(r#"a String @default("say \"hi\" // not a comment\u00e9\\")"#);
        assert_eq!(
            f.attributes[0].args[0].value.kind,
            ExprKind::Str("say \"hi\" // not a comment\u{e9}\\".into())
        );
    }

    #[test]
    fn reads_numbers_and_trailing_commas() {
        let f = field("a Decimal @default(-1.50) @db.Decimal(10, 2,)");
        assert_eq!(
            f.attributes[0].args[0].value.kind,
            ExprKind::Number("-1.50".into())
        );
        assert_eq!(f.attributes[1].args.len(), 2);
    }

    #[test]
    fn blank_and_comment_lines_are_empty() {
        assert_eq!(parse_line("   "), Ok(Line::Empty));
        assert_eq!(parse_line("  // note"), Ok(Line::Empty));
        assert_eq!(doc_comment("  /// Shown to users"), Some("Shown to users"));
    }

    #[test]
    fn reports_bad_lines_where_they_go_wrong() {
        assert_eq!(err("id").message, "the field `id` has no type");
        let e = err("id String @default(uuid()");
        assert_eq!(
            (e.at, e.message.as_str()),
            (25, "expected `,` or `)`, found the end of the line")
        );
        let e = err("id String @default(\"abc)");
        assert_eq!(
            (e.at, e.message.as_str()),
            (19, "this string is never closed: add the closing `\"`")
        );
        assert_eq!(err("id String id").at, 10);
        assert_eq!(
            err("id String @ id").message,
            "expected an attribute name right after `@`"
        );
        assert_eq!(
            err("id String @@id").message,
            "`@@` attributes go on a line of their own"
        );
        assert_eq!(
            err("a Int @default(1x)").message,
            "a number cannot be followed by a letter"
        );
        assert_eq!(
            err("a Int @default(:)").message,
            "expected a value, found `:`"
        );
        assert_eq!(err("1a Int").message, "expected a field name, found `1`");
        assert_eq!(
            err("@@index([a) ").message,
            "expected `,` or `]`, found `)`"
        );
    }

    #[test]
    fn block_comments_become_spaces_and_keep_positions() {
        let text = "a Int /* x\n y */ @id\n/* \u{e9} */b String @default(\"/*\") // /*";
        let blanked = blank_block_comments(text).unwrap();
        assert_eq!(
            blanked,
            "a Int     \n      @id\n       b String @default(\"/*\") // /*"
        );
        assert_eq!(blanked.lines().count(), text.lines().count());
        assert_eq!(blank_block_comments("a Int\n  /* open"), Err(8));
        assert_eq!(
            blank_block_comments(r#"a String @default("\" /*")"#).as_deref(),
            Ok(r#"a String @default("\" /*")"#)
        );
    }

    #[test]
    fn reads_enum_lines() {
        let Ok(EnumLine::Value(name, attrs)) = parse_enum_line(r#"  ONLY_ME @map("only_me") // x"#)
        else {
            panic!()
        };
        assert_eq!((&*name.text, name.at, attrs[0].at), ("ONLY_ME", 2, 10));
        assert!(matches!(
            parse_enum_line("@@map(\"levels\")"),
            Ok(EnumLine::Block(_))
        ));
        assert_eq!(parse_enum_line(" // c"), Ok(EnumLine::Empty));
        assert!(parse_enum_line("A B").is_err());
    }

    #[test]
    fn reads_the_rest_of_a_map_form_field() {
        let name = Word {
            text: "id".into(),
            at: 0,
        };
        let f = parse_field_rest(name, "String @id").unwrap();
        assert_eq!((&*f.ty.text, f.attributes[0].at), ("String", 7));
    }

    #[test]
    fn never_panics_on_odd_input() {
        // A small deterministic generator over the characters the grammar cares about.
        let alphabet: Vec<char> = "a Z_0-9.@()[],:?\"\\/é€u\t".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let len = (seed % 24) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let _ = parse_line(&text);
            let _ = parse_enum_line(&text);
            if let Err(e) = parse_line(&text) {
                assert!(
                    e.at <= text.len() && text.is_char_boundary(e.at),
                    "{text:?}"
                );
            }
        }
    }
}
