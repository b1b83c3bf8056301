import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildHttpServer, type HttpServerOptions } from '../../src/api/index.ts';
import { openApp, type App } from '../../src/app/index.ts';
import { jobHandlers } from '../../src/app/job-handlers.ts';
import { loadConfig } from '../../src/config/index.ts';
import { Worker } from '../../src/jobs/index.ts';
import { compilePeopleConfig, createPeople, type People, type PeopleConfig, type Role } from '../../src/people/index.ts';
import type { Engine, Store } from '../../src/store/index.ts';
import { createTestDatabase, tempDir } from '../support/engines.ts';
import { ordinaryMessage, phishMessage } from '../support/kernel.ts';

/** How a test request authenticates: a person's session or an automation's token. */
export type As = { cookie: string; csrf: string; actor: string } | { bearer: string; actor: string };

export interface ApiWorld {
  app: App;
  store: Store;
  server: ReturnType<typeof buildHttpServer>;
  people: People;
  /** A signed-in person (a session made directly, as a completed sign-in would). */
  person(subject: string, roles: Role[]): Promise<As & { cookie: string; csrf: string }>;
  /** An automation's API token, created by an admin through the people service. */
  automation(name: string, roles: Role[], options?: { owner?: string; principalType?: 'workflow' | 'agent' }): Promise<As & { bearer: string }>;
  request(as: As | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Runs queued jobs (approved actions) until none is left. */
  drain(): Promise<number>;
  /** Kinds of every ledger entry, in order. */
  kinds(): Promise<string[]>;
}

export interface WorldOptions {
  people?: Partial<PeopleConfig>;
  server?: Omit<HttpServerOptions, 'people'>;
  mailboxes?: string[];
  env?: NodeJS.ProcessEnv;
  /** The people service's clock (token and session expiry). */
  now?: () => number;
  /** The server's logger (to read what it logs). */
  logger?: App['logger'];
}

export async function withApi(engine: Engine, body: (world: ApiWorld) => Promise<void>, options: WorldOptions = {}): Promise<void> {
  const database = await createTestDatabase(engine);
  const dir = tempDir('writ-api-');
  const app = await openApp(
    loadConfig({ WRIT_DATA_DIR: join(dir.path, 'data'), WRIT_DATABASE_URL: database.url, WRIT_LOG_LEVEL: 'silent', WRIT_CHECKPOINT_INTERVAL_MS: '0', WRIT_INCIDENT_MAX_MS: '86400000', ...options.env }),
  );
  const people = createPeople(app.store, app.ledger, compilePeopleConfig(options.people), { cacheMs: 0, ...(options.now ? { now: options.now } : {}) });
  const server = buildHttpServer(options.logger ? { ...app, logger: options.logger } : app, { consoleDir: null, checkResponses: true, rateLimit: false, ...options.server, people });
  for (const [i, mailbox] of (options.mailboxes ?? []).entries()) {
    await app.mail.deliver(mailbox, phishMessage(1));
    await app.mail.deliver(mailbox, ordinaryMessage(i));
  }
  await app.kernel.policies.current();
  const worker = new Worker(app.jobs, jobHandlers(app), { concurrency: 1, pollMs: 20, logger: app.logger, redact: (t) => t });
  const world: ApiWorld = {
    app,
    store: app.store,
    server,
    people,
    async person(subject, roles) {
      const { id, session } = await app.store.transaction((trx) => people.sessions.create(trx, { subject, roles, method: 'test' }));
      return { cookie: id, csrf: session.csrfToken, actor: `user:${subject}` };
    },
    async automation(name, roles, opts = {}) {
      const { secret, token } = await people.tokens.create({ name, roles, owner: opts.owner ?? 'user:admin', ttlMs: 86_400_000, ...(opts.principalType ? { principalType: opts.principalType } : {}) }, 'user:admin');
      return { bearer: secret, actor: `${token.principalType}:${token.name}` };
    },
    request(as, request) {
      const headers: Record<string, string> = { ...(request.headers as Record<string, string> | undefined) };
      if (as && 'bearer' in as) headers.authorization = `Bearer ${as.bearer}`;
      if (as && 'cookie' in as) {
        headers.cookie = `writ_session=${as.cookie}`;
        if (request.method && request.method !== 'GET' && headers['x-csrf-token'] === undefined) headers['x-csrf-token'] = as.csrf;
      }
      return server.inject({ ...request, headers });
    },
    drain: () => worker.runUntilIdle(),
    async kinds() {
      return (await app.store.db.selectFrom('ledger_entries').select('kind').orderBy('seq').execute()).map((r) => r.kind);
    },
  };
  try {
    await body(world);
  } finally {
    await server.close();
    await app.close();
    await database.drop();
    dir.remove();
  }
}

/** The problem+json body of a response, checked to be one. */
export function problem(response: LightMyRequestResponse): { code: string; status: number; detail: string; [k: string]: unknown } {
  if (!/^application\/problem\+json/.test(String(response.headers['content-type']))) {
    throw new Error(`expected problem+json, got ${String(response.headers['content-type'])}: ${response.body.slice(0, 300)}`);
  }
  return response.json();
}
