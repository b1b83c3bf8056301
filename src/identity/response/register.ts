import { join } from 'node:path';
import type { JobHandler, JobQueue } from '../../jobs/index.ts';
import type { Kernel } from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Store } from '../../store/index.ts';
import type { SecretFingerprinter } from '../inventory/fingerprint-index.ts';
import { PostgresRoleConnector } from '../postgres/postgres-role-connector.ts';
import { RedisAclConnector } from '../redis/redis-acl-connector.ts';
import { IdentityStore } from '../store/identity-store.ts';
import { ResponseRecords } from '../store/response-records.ts';
import { SignedWebhookConnector } from '../webhook/signed-webhook-connector.ts';
import type { DependentProbe } from './gates.ts';
import { loadIdentityConfig, type IdentityConfig } from './identity-config.ts';
import { IdentityResponse } from './identity-response.ts';
import { IdentityKernelConnector, type IdentitySystem } from './kernel-connector.ts';
import { PLAN_ADVANCE_JOB, PlanRunner } from './plan-runner.ts';
import { ROTATION_CHECK_JOB, RotationTracker } from './rotations.ts';
import { FileSecretSink, type SecretSink } from './secret-sink.ts';

/** What the identity response needs from the app (the `App` of src/app fits it). */
export interface IdentityHost {
  store: Store;
  ledger: Ledger;
  jobs: JobQueue;
  kernel: Kernel;
  fingerprinter: SecretFingerprinter;
  config: { dataDir: string; tenants: { default: string } };
}

export interface RegisterIdentityOptions {
  /** Identity systems by `system.connector` name (`postgres`, `redis`, `webhook`). */
  systems: Readonly<Record<string, IdentitySystem | undefined>>;
  /** Where rotated secrets go (default: files under `$WRIT_DATA_DIR/identity-secrets`). */
  sink?: SecretSink;
  /** Tells whether a dependent moved to a new secret / is healthy on it; else attestations decide. */
  probe?: DependentProbe;
  playbookOwner?: string;
  stagedWindowMs?: number;
  rotationGraceSeconds?: number;
  sessionLifetimeSeconds?: number;
  pollMs?: number;
  /** The clock (tests move it by hand); defaults to Date.now. */
  now?: () => number;
}

const registered = new WeakMap<object, IdentityResponse>();

/**
 * Wires identity response into an app: registers the identity connector on the kernel (for
 * `identity.revoke`, `identity.disable`, `identity.enable`, `identity.rotate`,
 * `identity.session`) and returns the intake service. Call once per app; the job handlers
 * ({@link identityJobHandlers}) find the same service.
 */
export function registerIdentityResponse(app: IdentityHost, options: RegisterIdentityOptions): IdentityResponse {
  const existing = registered.get(app);
  if (existing) return existing;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 10_000;
  const identities = new IdentityStore(app.store, app.ledger, app.fingerprinter, { now });
  const records = new ResponseRecords(app.store);
  const rotations = new RotationTracker(app.store, app.ledger, app.jobs, app.kernel, { pollMs, now });
  const connector = new IdentityKernelConnector({
    store: app.store,
    identities,
    systems: options.systems,
    sink: options.sink ?? new FileSecretSink(join(app.config.dataDir, 'identity-secrets')),
    grants: app.kernel.grants,
    journal: app.kernel.journal,
    onGracePeriod: (action, graceEndsAt) => rotations.open(action, graceEndsAt),
    retirement: (actionId) => rotations.get(actionId),
    now,
  });
  rotations.attach(connector);
  app.kernel.connectors.register(connector);
  const runner = new PlanRunner({
    store: app.store,
    ledger: app.ledger,
    jobs: app.jobs,
    kernel: app.kernel,
    identities,
    records,
    rotations,
    ...(options.probe ? { probe: options.probe } : {}),
    ...(options.playbookOwner ? { owner: options.playbookOwner } : {}),
    pollMs,
    now,
  });
  const response = new IdentityResponse({
    store: app.store,
    ledger: app.ledger,
    jobs: app.jobs,
    kernel: app.kernel,
    fingerprinter: app.fingerprinter,
    identities,
    records,
    runner,
    rotations,
    defaultTenant: app.config.tenants.default,
    ...(options.stagedWindowMs === undefined ? {} : { stagedWindowMs: options.stagedWindowMs }),
    ...(options.rotationGraceSeconds === undefined ? {} : { rotationGraceSeconds: options.rotationGraceSeconds }),
    ...(options.sessionLifetimeSeconds === undefined ? {} : { sessionLifetimeSeconds: options.sessionLifetimeSeconds }),
    now,
    onClose: async () => {
      registered.delete(app);
      await Promise.all(Object.values(options.systems).map((s) => s?.close().catch(() => undefined)));
    },
  });
  registered.set(app, response);
  return response;
}

/** The real identity systems from configuration (each only when its admin credentials are set). */
export function identitySystemsFromConfig(config: IdentityConfig, fingerprinter: SecretFingerprinter): Record<string, IdentitySystem> {
  const systems: Record<string, IdentitySystem> = {};
  const timeout = config.connectorTimeoutMs;
  if (config.postgres) {
    systems.postgres = new PostgresRoleConnector({
      admin: { connectionString: config.postgres.url },
      fingerprinter,
      ...(config.postgres.probeDatabase ? { probe: { database: config.postgres.probeDatabase } } : {}),
      protectedRoles: config.postgres.protectedRoles,
      connectTimeoutMs: timeout,
      statementTimeoutMs: timeout,
    });
  }
  if (config.redis) {
    const { protectedUsers, tls, ...redis } = config.redis;
    systems.redis = new RedisAclConnector({ redis: { ...redis, ...(tls ? { tls: {} } : {}) }, fingerprinter, protectedUsers, connectTimeoutMs: timeout, commandTimeoutMs: timeout });
  }
  if (config.webhook) systems.webhook = new SignedWebhookConnector({ url: config.webhook.url, secret: config.webhook.secret, timeoutMs: timeout });
  return systems;
}

/**
 * The identity response an app already has, or one registered now from the environment
 * (`WRIT_PG_ADMIN_URL`, `WRIT_REDIS_ADMIN_URL`, `WRIT_IDENTITY_*`; see identity-config.ts).
 */
export function identityResponseFor(app: IdentityHost, env: NodeJS.ProcessEnv = process.env): IdentityResponse {
  const existing = registered.get(app);
  if (existing) return existing;
  const config = loadIdentityConfig(env, app.config.dataDir);
  return registerIdentityResponse(app, {
    systems: identitySystemsFromConfig(config, app.fingerprinter),
    sink: new FileSecretSink(config.secretDir),
    stagedWindowMs: config.stagedWindowMs,
    rotationGraceSeconds: config.rotationGraceSeconds,
    pollMs: config.pollMs,
    ...(config.playbookOwner ? { playbookOwner: config.playbookOwner } : {}),
  });
}

/**
 * The job kinds identity response runs, for src/app/job-handlers.ts to merge:
 * `identity.plan.advance` (a plan's next look: deadlines, gates, approvals) and
 * `identity.rotation.check` (temporary access ends at its grace period or case close).
 * Give it the service {@link registerIdentityResponse} returned, or the app it was registered on.
 */
export function identityJobHandlers(source: IdentityHost | IdentityResponse): Map<string, JobHandler> {
  const response = () => (source instanceof IdentityResponse ? source : identityResponseFor(source));
  return new Map<string, JobHandler>([
    [
      PLAN_ADVANCE_JOB,
      async (payload) => {
        const plan = await response().advance((payload as { planId: string }).planId);
        return { status: plan.status };
      },
    ],
    [
      ROTATION_CHECK_JOB,
      async (payload) => {
        const view = await response().rotations.check((payload as { actionId: string }).actionId);
        return { status: view?.status ?? 'unknown' };
      },
    ],
  ]);
}
