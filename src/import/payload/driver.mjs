// `schemagen import payload`: reads a Payload 3 config with the project's own `payload`
// package and prints it as one JSON object on stdout. Embedded in the schemagen binary,
// written to a temp file and run by node in the config's project folder (its package.json's),
// where Payload's CLI runs. `payload` is resolved from the config's own folder.
//
//   node driver.mjs /abs/path/payload.config.ts
//
// The config is loaded as Payload's own CLI loads it (payload's bin.js: tsx's `tsImport`,
// from the copy of tsx payload depends on; the project's .env files through payload's
// `loadEnv`). What is printed is the config the team wrote, after its plugins ran and before
// Payload's sanitizer added its own fields and collections (the Payload flavour adds those
// itself): `import 'payload'` from the project is answered by a shim whose `buildConfig`
// records its argument, then calls Payload's. The sanitizer still runs, so a config Payload
// refuses is refused here with Payload's message.
//
// Output: { config, functions, configKeys, adapter } or { error: { kind, message } }.
// Functions cannot cross JSON: each is left out and its path listed in `functions`
// (`collections.posts.hooks.beforeChange`), except `admin.condition`, kept as its source
// text (its presence decides NOT NULL).
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER = 'true';
process.env.DISABLE_PAYLOAD_HMR = 'true';

const configPath = path.resolve(process.argv[2]);
const say = (value) => process.stdout.write(JSON.stringify(value) + '\n');
const fail = (kind, message) => {
  say({ error: { kind, message } });
  process.exit(0);
};

let payloadEntry;
try {
  payloadEntry = createRequire(configPath).resolve('payload');
} catch {
  fail('payload-missing', `no \`payload\` package resolves from ${path.dirname(configPath)}`);
}
const fromPayload = createRequire(payloadEntry);

// The shim: Payload's exports, with a `buildConfig` that records the config it is given.
const realUrl = pathToFileURL(payloadEntry).href;
const shim =
  'data:text/javascript,' +
  encodeURIComponent(`
import * as real from ${JSON.stringify(realUrl)};
export * from ${JSON.stringify(realUrl)};
export async function buildConfig(config) {
  const sorted = [...(config.plugins ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  let after = config;
  for (const plugin of sorted) after = await plugin(after);
  globalThis.__schemagenConfig = globalThis.__schemagenSnapshot(after);
  return real.buildConfig({ ...after, plugins: [] });
}`);
const hooks =
  'data:text/javascript,' +
  encodeURIComponent(`
let shim;
export async function initialize(data) { shim = data.shim; }
export async function resolve(specifier, context, next) {
  if (specifier === 'payload' && context.parentURL !== shim) return { url: shim, shortCircuit: true };
  return next(specifier, context);
}`);

const functions = new Set();
globalThis.__schemagenSnapshot = (config) => ({
  config: Object.fromEntries(
    ['collections', 'globals', 'blocks', 'localization']
      .filter((key) => config[key] !== undefined)
      .map((key) => [key, snapshot(config[key], key)]),
  ),
  configKeys: Object.keys(config).filter((key) => config[key] !== undefined),
  adapter: adapterOf(config.db),
});

try {
  const env = path.join(path.dirname(payloadEntry), 'bin', 'loadEnv.js');
  (await import(pathToFileURL(env).href)).loadEnv();
} catch {
  // An older payload without it: the environment stays as it is.
}
process.env.NODE_ENV ??= 'production'; // after the .env files, as the CLI reads them: no type generation

// tsx first, then the shim's hook: hooks registered last run first, so `payload` is answered
// before tsx resolves it.
try {
  const tsx = await import(pathToFileURL(fromPayload.resolve('tsx/esm/api')).href);
  tsx.register();
} catch {
  // No tsx beside payload: .js and .mjs configs still load.
}
register(hooks, { data: { shim } });

let loaded;
try {
  loaded = await import(pathToFileURL(configPath).href);
  loaded = await (loaded.default ?? loaded);
} catch (error) {
  fail('config', String(error?.stack ?? error).split('\n    at ')[0]);
}
if (!globalThis.__schemagenConfig) {
  fail('no-build-config', 'the config never called `buildConfig` from `payload`');
}
if (!loaded || !Array.isArray(loaded.collections)) {
  fail('config', 'the config module exported no Payload config (`export default buildConfig({...})`)');
}
say({ ...globalThis.__schemagenConfig, functions: [...functions] });
process.exit(0); // a handle the config left open (a pool, a timer) must not keep node running

/// The adapter's name and id type: the one its `init` holds (as Payload's own `init` makes it,
/// connecting to nothing), else the one its `defaultIDType` implies.
function adapterOf(db) {
  if (!db || typeof db !== 'object') return null;
  let idType = db.defaultIDType === 'number' ? 'serial' : db.defaultIDType === 'text' ? 'uuid' : null;
  try {
    const quiet = () => {};
    const logger = { info: quiet, debug: quiet, warn: quiet, error: quiet, trace: quiet, fatal: quiet };
    logger.child = () => logger;
    const made = db.init({ payload: { config: {}, logger, collections: {}, blocks: {} } });
    if (typeof made?.idType === 'string') idType = made.idType;
  } catch {
    // An adapter whose init needs more: the default id type stands.
  }
  return { name: typeof db.name === 'string' ? db.name : null, idType };
}

/// `value` as JSON data; functions listed by path and left out.
function snapshot(value, at, key = '') {
  if (typeof value === 'function') {
    if (key === 'condition' && at.endsWith('.admin.condition')) return value.toString();
    functions.add(at);
    return undefined;
  }
  if (value === null || ['string', 'boolean'].includes(typeof value)) return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object') return undefined;
  if (value instanceof Date) return value.toISOString();
  if (key === 'editor') {
    functions.add(at); // a rich text editor: an object of functions and React components
    return undefined;
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => snapshot(item, itemPath(at, item, i), ''));
    const kept = items.filter((item) => item !== undefined);
    return kept.length === 0 && value.length > 0 ? undefined : kept;
  }
  const out = {};
  let dropped = 0;
  for (const [k, v] of Object.entries(value)) {
    const item = snapshot(v, `${at}.${k}`, k);
    if (item === undefined) dropped += 1;
    else out[k] = item;
  }
  return dropped > 0 && Object.keys(out).length === 0 ? undefined : out;
}

/// A list item's path: by slug or name where it has one; a list of functions by the list's.
function itemPath(at, item, i) {
  if (typeof item === 'function') return at;
  if (item && typeof item === 'object') {
    const id = item.slug ?? item.name;
    if (typeof id === 'string') return `${at}.${id}`;
  }
  return `${at}[${i}]`;
}
