//! Reading attribute arguments, and the diagnostics every attribute shares.

use super::line::{Attribute, Expr, ExprKind};
use super::Src;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::closest;

/// The most parameters an attribute has (`@relation`'s).
const MAX_PARAMS: usize = 6;

/// The arguments of an attribute by parameter: `params[0]` is the positional one (slots past
/// `params` stay empty: an array, not a Vec per attribute read). Unknown, repeated or extra
/// arguments are reported.
pub(super) fn args<'a>(
    attr: &'a Attribute<'_>,
    params: &[&str],
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> [Option<&'a Expr<'a>>; MAX_PARAMS] {
    debug_assert!(params.len() <= MAX_PARAMS, "{params:?}");
    let mut out = [None; MAX_PARAMS];
    for (i, arg) in attr.args.iter().enumerate() {
        let slot = match &arg.name {
            None if i == 0 && !params[0].is_empty() => Some(0),
            None => None,
            Some(name) => params.iter().position(|p| !p.is_empty() && *p == name.text),
        };
        let Some(slot) = slot else {
            let (message, help) = match &arg.name {
                Some(name) => {
                    let known: Vec<&str> =
                        params.iter().copied().filter(|p| !p.is_empty()).collect();
                    (
                        format!("`@{}` has no argument `{}`", attr.name.text, name.text),
                        match closest(&name.text, &known) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => format!("its arguments: {}", known.join(", ")),
                        },
                    )
                }
                None if params[0].is_empty() => (
                    format!("`@{}` takes no unnamed argument", attr.name.text),
                    "name it, e.g. `map: \"...\"`".to_string(),
                ),
                None => (
                    format!("`@{}` takes one unnamed argument", attr.name.text),
                    "name the others, e.g. `map: \"...\"`".to_string(),
                ),
            };
            let at = arg.name.as_ref().map_or(arg.value.at, |w| w.at);
            diags.push(
                Diagnostic::error(Code::BadAttributeArgument, src.span(at), message)
                    .at_path(path.to_string())
                    .with_help(help),
            );
            continue;
        };
        if out[slot].is_some() {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(arg.value.at),
                    format!("`@{}` is given `{}` twice", attr.name.text, params[slot]),
                )
                .at_path(path.to_string()),
            );
        }
        out[slot] = Some(&arg.value);
    }
    out
}

/// The one string argument of `@map("...")`, `@@schema("...")`.
pub(super) fn string_arg(
    attr: &Attribute,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let args = args(attr, &["name"], src, path, diags);
    match args[0] {
        Some(e) => string_value(e, attr, src, path, diags),
        None => {
            diags.push(bad_argument(
                attr,
                src,
                path,
                format!("`@{}` needs a name in double quotes", attr.name.text),
                "e.g. `@map(\"created_at\")`",
            ));
            None
        }
    }
}

pub(super) fn string_value(
    expr: &Expr,
    attr: &Attribute,
    src: &Src,
    path: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match &expr.kind {
        ExprKind::Str(s) if !s.is_empty() => Some(s.to_string()),
        ExprKind::Ident(word) => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    format!("`{word}` needs double quotes"),
                )
                .at_path(path.to_string())
                .with_help(format!("write `@{}(\"{word}\")`", attr.name.text)),
            );
            None
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::BadAttributeArgument,
                    src.span(expr.at),
                    format!(
                        "expected a name in double quotes, found {}",
                        expr.kind_name()
                    ),
                )
                .at_path(path.to_string())
                .with_help(format!("e.g. `@{}(\"name\")`", attr.name.text)),
            );
            None
        }
    }
}

pub(super) fn bad_argument(
    attr: &Attribute,
    src: &Src,
    path: &str,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic::error(Code::BadAttributeArgument, src.span(attr.at), message)
        .at_path(path.to_string())
        .with_help(help)
}

pub(super) fn unknown_attribute(
    attr: &Attribute,
    src: &Src,
    path: &str,
    known: &[&str],
    block: bool,
) -> Diagnostic {
    let written = format!("{}{}", if block { "@@" } else { "@" }, attr.name.text);
    let d = Diagnostic::error(
        Code::UnknownAttribute,
        src.span(attr.at),
        format!("unknown attribute `{written}`"),
    )
    .at_path(path.to_string());
    match closest(&written, known) {
        Some(near) => d.with_help(format!("did you mean `{near}`?")),
        None => d.with_help(format!("supported here: {}", known.join(", "))),
    }
}
