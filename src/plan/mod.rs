//! Planning: the previous schema and the next one → the ordered steps of a migration.
//! (Placeholder: the planner lands with the Postgres target work.)

use crate::ir::System;

/// One migration: steps in the order they must run.
#[derive(Debug, Default)]
pub struct Migration {
    pub steps: Vec<()>,
}

impl Migration {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

pub fn plan(_previous: Option<&System>, _next: &System) -> Migration {
    Migration::default()
}
