// Test oracle: the SQL `payload migrate:create` would write for a Payload config, computed
// offline by Payload's own code (npm `payload` and `@payloadcms/db-postgres`, 3.x).
//
// Two ways in:
//   node payload-sql.mjs < config.json
//     a config as JSON on stdin: Payload's own keys (`collections`, `globals`, `blocks`,
//     `localization`, ...; no functions, which JSON cannot carry and the schema does not
//     need) plus `idType`, the adapter's option. Prints the statements of the migration's `up`.
//   node payload-sql.mjs --modules A/index.js B/config.json ...
//     many configs in one process (Payload loads once): ES or CommonJS modules exporting
//     `collections`, `globals`, `blocks`, `localization` and `idType` (what `schemagen export
//     --to payload` writes, compiled by tsc), or `.json` files holding a config as above.
//     Prints, per path, a line `-- module: <path>` then its statements, or a line
//     `-- module failed: <path>: <message>`.
//   node payload-sql.mjs < {"configFile": PATH}
//     a whole config file (a `payload.config.ts`), loaded as Payload's CLI loads it (tsx's
//     `tsImport`), functions and all: `tests/import_payload.rs` judges `import payload` by it.
//
// Two stand-ins, neither of which changes a table: a `richText` field is given as `json` (both
// are `jsonb`; richText needs an editor package), and a config without an auth collection gets
// one named `oracle-admins` (Payload requires an admin user collection and would otherwise add
// its default `users`, which may clash with a system's own `users`).
//
// The pipeline is Payload's: `buildConfig` (the config sanitizer: timestamps, auth and upload
// fields, versions, folders, query presets, Payload's own collections), the Postgres adapter's
// `init` (buildRawSchema → drizzle tables, no connection), then drizzle-kit's
// `generateDrizzleJson` and `generateMigration` from the empty snapshot, as `createMigration`
// does. The one stand-in is the `payload` object the adapter reads: its config, collections
// (with the custom id type Payload's `init` finds) and blocks, built here as `init` builds them.
process.env.NODE_ENV = 'production'; // no type generation, no dependency checker
process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER = 'true';

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConfig } from 'payload';
import { postgresAdapter } from '@payloadcms/db-postgres';

const ORACLE_ADMINS = 'oracle-admins';

const silent = () => {};
const logger = { info: silent, debug: silent, trace: silent, warn: (m) => process.stderr.write(`payload: ${JSON.stringify(m)}\n`), error: (m) => process.stderr.write(`payload: ${JSON.stringify(m)}\n`), fatal: silent, level: 'warn', child: () => logger };

const args = process.argv.slice(2);
if (args[0] === '--modules') {
  for (const path of args.slice(1)) {
    try {
      const statements = await migration(await fromJson(await load(path)));
      process.stdout.write(`-- module: ${path}\n${statements}`);
    } catch (e) {
      const message = String(e?.message ?? e).split('\n').join(' ');
      process.stdout.write(`-- module failed: ${path}: ${message}\n`);
    }
  }
} else {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const config = input.configFile ? await fromFile(input.configFile) : await fromJson(input);
  process.stdout.write(await migration(config));
}

// A config file as Payload's CLI loads it.
async function fromFile(path) {
  const { tsImport } = await import('tsx/esm/api');
  const loaded = await tsImport(pathToFileURL(path).href, import.meta.url);
  return await (loaded.default ?? loaded);
}

// A config from a `.json` file, or from the exports of a module.
async function load(path) {
  if (path.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8'));
  const module = await import(pathToFileURL(resolve(path)).href);
  const { collections, globals, blocks, localization, idType } = module.default ?? module;
  return { collections, globals, blocks, localization, idType };
}

// Payload's sanitized config from a config given as JSON.
async function fromJson(input) {
  const { idType = 'serial', ...rest } = input;
  const collections = [...(rest.collections ?? [])];
  const admin = {};
  if (!collections.some((c) => c.auth)) {
    collections.push({ slug: ORACLE_ADMINS, auth: true, fields: [] });
    admin.user = ORACLE_ADMINS;
  }
  return buildConfig({
    secret: 'oracle',
    telemetry: false,
    // Connection settings are never used: nothing here connects.
    db: postgresAdapter({ pool: { connectionString: 'postgres://oracle.invalid/none' }, idType }),
    ...withoutRichText({ ...rest, collections }),
    admin,
  });
}

// The statements of the migration for one sanitized config, one per line.
async function migration(config) {
  // What BasePayload.init sets before it calls the adapter.
  const payload = { config, logger, collections: {}, blocks: {} };
  for (const collection of config.collections) {
    payload.collections[collection.slug] = { config: collection, customIDType: customIdType(collection.fields) };
  }
  for (const block of config.blocks ?? []) payload.blocks[block.slug] = block;

  const adapter = config.db.init({ payload });
  adapter.payload = payload;
  payload.db = adapter;
  await adapter.init();

  const { generateDrizzleJson, generateMigration } = adapter.requireDrizzleKit();
  const after = await generateDrizzleJson(adapter.schema);
  const statements = await generateMigration(adapter.defaultDrizzleSnapshot, after);
  return statements.map((s) => s.trim()).join('\n') + '\n';
}

// The config with every `richText` field as `json` (a field's `defaultValue` is data: untouched).
function withoutRichText(value) {
  if (Array.isArray(value)) return value.map(withoutRichText);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === 'defaultValue' ? item : withoutRichText(item);
  }
  if (out.type === 'richText') out.type = 'json';
  return out;
}

// A top-level field `id` (also inside rows, collapsibles and unnamed tabs) of type text or
// number, as Payload's init finds it: arrays, blocks, groups and named tabs hide theirs.
function customIdType(fields) {
  for (const field of fields) {
    if (['array', 'blocks', 'group'].includes(field.type) && field.name) continue;
    if (field.type === 'tabs') {
      const found = customIdType(field.tabs.filter((t) => !t.name).flatMap((t) => t.fields));
      if (found) return found;
      continue;
    }
    if (field.fields && !field.name) {
      const found = customIdType(field.fields);
      if (found) return found;
      continue;
    }
    if (field.name === 'id') return field.type;
  }
  return undefined;
}
