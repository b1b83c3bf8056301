/**
 * HTTP API read latency: p50/p99 at 200 concurrent clients (autocannon) with many cases in
 * the store (100,000 by default). Target: p99 < 50 ms. Each client authenticates with an API
 * token, so authentication and the per-request Cedar authorisation are in every number.
 * Run alone: `node --import tsx bench/api.ts [cases]`.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildHttpServer } from '../src/api/index.ts';
import { openApp, type App } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { compilePeopleConfig, createPeople } from '../src/people/index.ts';
import { createTestDatabase, tempDir } from '../test/support/engines.ts';
import type { Engine } from '../src/store/index.ts';

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface BenchApiOptions {
  cases?: number;
  engine?: Engine;
  connections?: number;
  durationSec?: number;
}

const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const QUEUES = ['tier1', 'tier2', 'identity', 'incident-review'];

/** Inserts `count` cases straight into the store (a fifth open), as years of operation would leave them. */
async function seedCases(app: App, count: number): Promise<string[]> {
  const now = Date.now();
  const ids: string[] = [];
  const batch = 400;
  for (let start = 0; start < count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const open = i % 5 === 0;
      const created = now - (count - i) * 60_000;
      const id = `case-${randomUUID()}`;
      ids.push(id);
      rows.push({
        id,
        type: i % 3 === 0 ? 'identity' : 'phishing',
        title: `Case ${i}: reported message from supplier ${i % 997}`,
        tenant: 'default',
        status: open ? ('open' as const) : ('closed' as const),
        severity: SEVERITIES[i % 4]!,
        queue: QUEUES[i % 4]!,
        sla_due_at: created + (i % 3 === 0 ? 2 : 4) * 3_600_000,
        opened_by: 'workflow:phishing-playbook',
        criteria: JSON.stringify(['no_pending_actions', 'disruptive_actions_verified']),
        facts: JSON.stringify({ indicators: [{ kind: 'sender', value: `sender${i}@example.test`, source: 'From header' }] }),
        closed_at: open ? null : created + 1_800_000,
        closed_by: open ? null : 'user:ana',
        close_mode: open ? null : ('evidence' as const),
        close_reason: null,
        created_at: created,
        updated_at: created,
      });
    }
    await app.store.db.insertInto('cases').values(rows).execute();
  }
  return ids;
}

export async function benchApi(options: BenchApiOptions = {}): Promise<Record<string, number>> {
  const { cases = 100_000, engine = 'sqlite', connections = 200, durationSec = 10 } = options;
  const database = await createTestDatabase(engine);
  const dir = tempDir('writ-bench-api-');
  const app = await openApp(loadConfig({ WRIT_DATA_DIR: join(dir.path, 'data'), WRIT_DATABASE_URL: database.url, WRIT_LOG_LEVEL: 'silent', WRIT_WORKERS: '0' }));
  try {
    const ids = await seedCases(app, cases);
    const people = createPeople(app.store, app.ledger, compilePeopleConfig());
    const { secret } = await people.tokens.create({ name: 'bench-reader', roles: ['viewer'], owner: 'user:bench', ttlMs: 86_400_000 }, 'user:bench');
    const server = buildHttpServer(app, { people, consoleDir: null, rateLimit: false });
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    const headers = { authorization: `Bearer ${secret}` };
    const run = async (name: string, request: Record<string, unknown>) => {
      // The load generator runs in a worker thread of its own, so it does not share the server's event loop.
      await autocannon({ url, connections, duration: 2, headers, workers: 1, ...request });
      const result = await autocannon({ url, connections, duration: durationSec, headers, workers: 1, ...request });
      if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} answers were not 2xx`);
      process.stderr.write(`bench api: ${name}: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${Math.round(result.requests.average)} req/s\n`);
      return { [`${name}_p50_ms`]: result.latency.p50, [`${name}_p99_ms`]: result.latency.p99, [`${name}_rps`]: Math.round(result.requests.average) };
    };
    try {
      // One case from the middle of the table. (autocannon's `requests` mode, which could rotate
      // through many cases, costs the load generator itself ~3x and would measure autocannon.)
      const middle = ids[Math.floor(ids.length / 2)]!;
      return {
        cases,
        connections,
        ...(await run('queue_page', { path: '/api/v1/cases?status=open&limit=50' })),
        // The machine's HTTP ceiling: no authentication, no database.
        ...(await run('healthz_baseline', { path: '/healthz' })),
        ...(await run('queue_by_severity', { path: '/api/v1/cases?status=open&sort=severity&limit=50' })),
        ...(await run('case_get', { path: `/api/v1/cases/${middle}` })),
      };
    } finally {
      await server.close();
    }
  } finally {
    await app.close();
    await database.drop();
    dir.remove();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(await benchApi(count === undefined ? {} : { cases: count }));
}
