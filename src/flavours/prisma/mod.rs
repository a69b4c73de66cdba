//! Prisma-style YAML: models whose fields read like `schema.prisma` lines.
//! (Placeholder: the parser lands with the Prisma flavour work.)

use super::Catalog;
use crate::diagnostics::Diagnostics;
use crate::ir::System;
use crate::load::LoadedFile;

/// What `declare` learned, handed to `lower`.
pub struct State<'a> {
    files: Vec<&'a LoadedFile>,
}

pub fn declare<'a>(
    files: &[&'a LoadedFile],
    _catalog: &mut Catalog,
    _diags: &mut Diagnostics,
) -> State<'a> {
    State {
        files: files.to_vec(),
    }
}

pub fn lower(state: State<'_>, _catalog: &Catalog, _system: &mut System, _diags: &mut Diagnostics) {
    let _ = state.files;
}
