// Test oracle: the SQL `prisma migrate` would write for a schema.prisma, computed offline by
// Prisma's own schema engine (npm @prisma/schema-engine-wasm). Reads the schema on stdin,
// prints the migration script on stdout. Run with `node --experimental-wasm-modules`.
//
// The engine wants a database driver adapter; a diff from "empty" to a datamodel only asks
// the server's version, so this stub answers that one query and refuses everything else.
import { SchemaEngine } from '@prisma/schema-engine-wasm';
import { readFileSync } from 'node:fs';

const schema = readFileSync(0, 'utf8');
const ok = (value) => ({ ok: true, value });
const refuse = (what) => async () => { throw new Error(`the oracle has no database (${what})`); };

const connection = {
  provider: 'postgres',
  adapterName: '@prisma/adapter-pg',
  queryRaw: async (query) => {
    if (!query.sql.includes('server_version_num')) throw new Error(`unexpected query: ${query.sql}`);
    // exists (Boolean = 5), version() (Text = 7), numeric_version (Int32 = 0)
    return ok({ columnNames: ['exists', 'version', 'numeric_version'], columnTypes: [5, 7, 0], rows: [[true, 'PostgreSQL 15.0', 150000]] });
  },
  executeRaw: refuse('executeRaw'),
  executeScript: refuse('executeScript'),
  startTransaction: refuse('startTransaction'),
  getConnectionInfo: () => ok({ schemaName: 'public', supportsRelationJoins: true }),
  dispose: async () => {},
};
const adapter = {
  provider: 'postgres',
  adapterName: '@prisma/adapter-pg',
  connect: async () => ok(connection),
  connectToShadowDb: async () => ok(connection),
  dispose: async () => {},
};

const files = [{ path: 'schema.prisma', content: schema }];
const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
const result = await engine.diff({
  from: { tag: 'empty' },
  to: { tag: 'schemaDatamodel', files },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout);
