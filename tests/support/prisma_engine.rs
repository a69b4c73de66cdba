//! Prisma's own schema engine (`tests/oracle/prisma-diff.mjs`, run offline by node): the
//! migration `prisma migrate` would write for a `schema.prisma` on an empty database.
#![allow(dead_code)]

use super::node::Script;

pub struct Engine(Script);

impl Engine {
    /// The engine, or `None` after the missing-tool rule.
    pub fn find(test: &str) -> Option<Engine> {
        Script::find(
            test,
            "prisma-diff.mjs",
            "@prisma/schema-engine-wasm/package.json",
            "Prisma's schema engine",
        )
        .map(Engine)
    }

    /// The migration `prisma migrate` would write for `schema` on an empty database.
    pub fn migration(&self, schema: &str) -> Result<String, String> {
        let flags = ["--experimental-wasm-modules", "--no-warnings"];
        self.0.run(&flags, &for_the_engine(schema))
    }
}

/// The schema as the engine (Prisma 7) takes it: connection URLs move to `prisma.config.ts`
/// there, and generators do not change the database; only the `postgresqlExtensions` preview
/// feature does, when the datasource lists extensions.
pub fn for_the_engine(text: &str) -> String {
    let mut out = String::new();
    let (mut in_generator, mut in_datasource) = (false, false);
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("generator ") {
            in_generator = !trimmed.trim_end().ends_with('}');
            continue;
        }
        if in_generator {
            in_generator = !trimmed.starts_with('}');
            continue;
        }
        if trimmed.starts_with("datasource ") {
            in_datasource = true;
        } else if trimmed.starts_with('}') {
            in_datasource = false;
        }
        let key = trimmed.split(['=', ' ']).next().unwrap_or_default();
        if in_datasource && matches!(key, "url" | "directUrl" | "shadowDatabaseUrl") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if text
        .lines()
        .any(|l| l.trim_start().starts_with("extensions"))
    {
        out.insert_str(
            0,
            "generator client {\n  provider        = \"prisma-client-js\"\n  previewFeatures = [\"postgresqlExtensions\"]\n}\n",
        );
    }
    out
}
