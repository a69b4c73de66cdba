//! `acceptDataLoss:`: a top-level list, the same in every flavour, of the data losses the
//! schema consents to, each a database path exactly as E0310 prints it (`public.users.bio`).
//! The planner matches them; an entry that names nothing in the plan is harmless (the
//! migration that lost it was already written), so it may be deleted after the build.

use super::read;
use crate::diagnostics::Diagnostics;
use crate::ir::AcceptedLoss;
use crate::load::Node;

/// Reads one file's `acceptDataLoss:` list.
pub fn read(node: &Node, diags: &mut Diagnostics) -> Vec<AcceptedLoss> {
    let path = "acceptDataLoss";
    read::expect_seq(node, path, diags)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            let text = read::expect_scalar(item, path, diags)?;
            Some(AcceptedLoss {
                path: text.trim().to_string(),
                span: item.span,
            })
        })
        .collect()
}
