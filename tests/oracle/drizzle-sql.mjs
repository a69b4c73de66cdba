// drizzle-kit's own migration SQL for a Drizzle schema module read from stdin, offline: the
// schema is written next to this script (where `node_modules` resolves), imported, turned into
// drizzle-kit's snapshot and diffed against an empty one, as `drizzle-kit generate` does.
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
writeFileSync("schema.mjs", Buffer.concat(chunks));
const schema = await import(pathToFileURL(`${process.cwd()}/schema.mjs`).href);
const statements = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema));
process.stdout.write(statements.map((s) => (s.trimEnd().endsWith(";") ? s : `${s};`)).join("\n") + "\n");
