// Test oracle: the SQL `payload migrate:create` would write for a Payload config, computed
// offline by Payload's own code (npm `payload` and `@payloadcms/db-postgres`, 3.x).
//
// Reads a config as JSON on stdin: Payload's own keys (`collections`, `globals`, `blocks`,
// `localization`, `admin`, ...; no functions, which JSON cannot carry and the schema does not
// need) plus `idType`, the adapter's option. Prints the statements of the migration's `up` on
// stdout, each ending in `;`. Given `{ "configFile": PATH }` instead, it reads that config file
// (a `payload.config.ts`), loaded as Payload's CLI loads it (tsx's `tsImport`):
// `tests/import_payload.rs` judges `import payload` by the original, functions and all.
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
import { pathToFileURL } from 'node:url';
import { buildConfig } from 'payload';
import { postgresAdapter } from '@payloadcms/db-postgres';

const silent = () => {};
const logger = { info: silent, debug: silent, trace: silent, warn: (m) => process.stderr.write(`payload: ${JSON.stringify(m)}\n`), error: (m) => process.stderr.write(`payload: ${JSON.stringify(m)}\n`), fatal: silent, level: 'warn', child: () => logger };

const input = JSON.parse(readFileSync(0, 'utf8'));
const config = input.configFile ? await fromFile(input.configFile) : await fromJson(input);

async function fromJson(input) {
  const { idType = 'serial', ...rest } = input;
  return buildConfig({
    secret: 'oracle',
    telemetry: false,
    // Connection settings are never used: nothing here connects.
    db: postgresAdapter({ pool: { connectionString: 'postgres://oracle.invalid/none' }, idType }),
    ...rest,
  });
}

async function fromFile(path) {
  const { tsImport } = await import('tsx/esm/api');
  const loaded = await tsImport(pathToFileURL(path).href, import.meta.url);
  return await (loaded.default ?? loaded);
}

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
process.stdout.write(statements.map((s) => s.trim()).join('\n') + '\n');

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
