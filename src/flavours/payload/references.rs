//! `blockReferences`: blocks named by slug, defined once in the config's `blocks` (any file of
//! the system). Payload builds them exactly as inline blocks (traverseFields.ts:
//! `field.blockReferences ?? field.blocks`, a slug looked up in `payload.blocks`).

use super::fields::{Block, Field, Kind};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::flavours::read::closest;

/// Fills every block named by slug below `fields` from the config-level `blocks`.
pub(super) fn resolve(fields: &mut [Field], config: &[Block], diags: &mut Diagnostics) {
    for field in fields {
        match &mut field.kind {
            Kind::Array { fields } | Kind::Group { fields } => resolve(fields, config, diags),
            Kind::Blocks { blocks } => {
                blocks.retain_mut(|block| fill(block, config, diags));
                for block in blocks {
                    resolve(&mut block.fields, config, diags);
                }
            }
            _ => {}
        }
    }
}

/// A block named by slug takes the config block's `dbName` and fields; `false` for a slug
/// the config does not define (reported).
fn fill(block: &mut Block, config: &[Block], diags: &mut Diagnostics) -> bool {
    if !block.by_slug {
        return true;
    }
    let Some(defined) = config.iter().find(|b| b.slug == block.slug) else {
        let known: Vec<&str> = config.iter().map(|b| b.slug.as_str()).collect();
        let mut d = Diagnostic::error(
            Code::UnknownBlock,
            block.span,
            format!(
                "`blockReferences` names `{}`, which the config's `blocks` do not define",
                block.slug
            ),
        )
        .at_path(block.path.clone());
        d = match closest(&block.slug, &known) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(
                "define it under the file-level `blocks:` (any file of this system), or inline",
            ),
        };
        diags.push(d);
        return false;
    };
    block.db_name = defined.db_name.clone();
    block.fields = defined.fields.clone();
    block.by_slug = false;
    true
}
