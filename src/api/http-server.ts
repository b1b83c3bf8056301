import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import { sql } from 'kysely';
import { z } from 'zod';
import type { App } from '../app/index.ts';
import { WritError } from '../errors/index.ts';
import { createPeople, loadPeopleConfig, type People } from '../people/index.ts';
import { accessHook } from './access-hook.ts';
import { DEFAULT_CONSOLE_DIR, registerConsole } from './console-static.ts';
import { IncidentElevation } from './elevation.ts';
import { EventHub, type EventHubOptions } from './events-hub.ts';
import { sendProblem } from './problems.ts';
import type { RouteContext } from './route-context.ts';
import { addRoute } from './route-kit.ts';
import { zodSwaggerTransform, zodValidatorCompiler } from './zod-schemas.ts';
import { register as actionRoutes } from './routes/actions.ts';
import { register as caseRoutes } from './routes/cases.ts';
import { register as domainRoutes } from './routes/domain-reads.ts';
import { register as incidentRoutes } from './routes/incidents.ts';
import { register as ledgerRoutes } from './routes/ledger.ts';
import { register as peopleRoutes } from './routes/people.ts';
import { register as policyRoutes } from './routes/policies.ts';

export interface HttpServerOptions {
  /** Reports whether background workers are running, for readiness. */
  workersRunning?: () => boolean;
  /** People, sessions, tokens and access policy; default: from the environment (WRIT_OIDC_*, WRIT_USER_ROLES, …). */
  people?: People;
  /** The built console; null serves none. Default `dist/console`. */
  consoleDir?: string | null;
  /** Requests per client address per window; false turns limiting off (benchmarks). */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  events?: EventHubOptions;
  /** Check every response against its schema (tests). */
  checkResponses?: boolean;
  /** JSON body limit (default 1 MiB); reports have their own (default 25 MiB). */
  bodyLimit?: number;
  reportLimit?: number;
  now?: () => number;
}

/**
 * The HTTP surface: `/api/v1` (OpenAPI 3.1 at /api/v1/openapi.json), single sign-on under
 * `/auth`, health under `/healthz` and `/readyz`, and the console under `/`. Every API route
 * names one action, authorised per request by the Cedar access policy; every state change
 * goes through the kernel and is ledgered with the authenticated actor. Errors leave as
 * RFC 9457 problem+json with a stable code; unknown errors never leak their message.
 */
export function buildHttpServer(app: App, options: HttpServerOptions = {}) {
  const {
    workersRunning,
    consoleDir = DEFAULT_CONSOLE_DIR,
    rateLimit = { max: 1200, timeWindowMs: 60_000 },
    checkResponses = false,
    bodyLimit = 1024 * 1024,
    reportLimit = 25 * 1024 * 1024,
    now = Date.now,
  } = options;
  const people = options.people ?? createPeople(app.store, app.ledger, loadPeopleConfig(process.env, `http://${app.config.http.host}:${app.config.http.port}`));
  const server = Fastify({ loggerInstance: app.logger.child({ component: 'http' }), logController: new LogController({ disableRequestLogging: true }), bodyLimit, return503OnClosing: true });
  server.decorateRequest('caller', null);
  server.setValidatorCompiler(zodValidatorCompiler);
  server.setSerializerCompiler(() => (data) => JSON.stringify(data));
  server.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));

  const events = new EventHub(app.store, options.events);
  server.addHook('preClose', async () => events.close());
  const ctx: RouteContext = { app, people, kit: { checkResponses }, elevation: new IncidentElevation(app.kernel.incidents, app.config.tenants.default, now), events, now, reportLimit };

  void server.register(fastifyCookie);
  void server.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  if (rateLimit !== false) {
    void server.register(fastifyRateLimit, { global: true, max: rateLimit.max, timeWindow: rateLimit.timeWindowMs });
  }
  void server.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Writ', version: '1', description: 'Governed response automation: cases, proposals and decisions, approvals, incidents, policies, the ledger.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token (writ_pat_…) for automations' },
          session: { type: 'apiKey', in: 'cookie', name: 'writ_session', description: 'Session from single sign-on; state changes also need the x-csrf-token header' },
        },
      },
    },
    transform: zodSwaggerTransform as never,
  });

  let fallback: ReturnType<typeof registerConsole>['fallback'] = () => false;
  void server.register(async (api) => {
    api.addHook('onRequest', accessHook(app, people, ctx.elevation));
    api.addHook('onSend', async (request, reply) => {
      if (/^\/(api|auth)\//.test(request.url) && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    });
    systemRoutes(api, ctx, workersRunning);
    peopleRoutes(api, ctx);
    caseRoutes(api, ctx);
    actionRoutes(api, ctx);
    incidentRoutes(api, ctx);
    policyRoutes(api, ctx);
    ledgerRoutes(api, ctx);
    domainRoutes(api, ctx);
  });
  void server.register(async (site) => {
    fallback = registerConsole(site, consoleDir).fallback;
  });
  server.setNotFoundHandler((request, reply) => {
    if (fallback(request, reply)) return reply;
    return sendProblem(new WritError('WRIT_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply);
  });
  return server;
}

function systemRoutes(server: FastifyInstance, ctx: RouteContext, workersRunning: (() => boolean) | undefined): void {
  const { app, kit } = ctx;
  addRoute(server, kit, {
    method: 'GET',
    url: '/healthz',
    action: null,
    summary: 'Liveness',
    tags: ['system'],
    response: z.object({ status: z.literal('ok') }),
    handle: async () => ({ status: 'ok' as const }),
  });
  addRoute(server, kit, {
    method: 'GET',
    url: '/readyz',
    action: null,
    summary: 'Readiness: the database answers and the workers run',
    tags: ['system'],
    response: z.object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), z.string()) }),
    handle: async ({ reply }) => {
      const checks: Record<string, string> = {};
      try {
        await sql`select 1`.execute(app.store.db);
        checks.database = 'ok';
      } catch {
        checks.database = 'unavailable';
      }
      if (workersRunning) checks.workers = workersRunning() ? 'ok' : 'stopped';
      const ready = Object.values(checks).every((v) => v === 'ok');
      if (!ready) {
        void reply.status(503).send({ status: 'not_ready', checks });
        return reply as never;
      }
      return { status: 'ready' as const, checks };
    },
  });
  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/openapi.json',
    action: null,
    summary: 'This API, as an OpenAPI 3.1 document',
    tags: ['system'],
    response: z.record(z.string(), z.unknown()),
    handle: async () => server.swagger() as unknown as Record<string, unknown>,
  });
}
