import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';

/**
 * The identity response's settings, read from the environment once, validated, and handed
 * to {@link registerIdentityResponse} (nothing below reads `process.env`). Connector admin
 * credentials are optional: a system without them is simply not acted on (its actions fail
 * with a clear "no connector is configured" and the case goes to an analyst).
 */
export interface IdentityConfig {
  postgres?: { url: string; probeDatabase?: string; protectedRoles: string[] };
  redis?: { host: string; port: number; username?: string; password?: string; db?: number; tls: boolean; protectedUsers: string[] };
  webhook?: { url: string; secret: string };
  connectorTimeoutMs: number;
  /** Where rotated secrets are written, one 0600 file each. */
  secretDir: string;
  stagedWindowMs: number;
  rotationGraceSeconds: number;
  pollMs: number;
  /** The person who owns the identity playbook (`user:…`): they cannot approve its proposals. */
  playbookOwner?: string;
}

const list = z.string().default('').transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  WRIT_PG_ADMIN_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  WRIT_PG_PROBE_DATABASE: z.string().min(1).optional(),
  WRIT_PG_PROTECTED_ROLES: list,
  WRIT_REDIS_ADMIN_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  WRIT_REDIS_PROTECTED_USERS: list,
  WRIT_IDENTITY_WEBHOOK_URL: z.string().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
  WRIT_IDENTITY_WEBHOOK_SECRET_FILE: z.string().min(1).optional(),
  WRIT_IDENTITY_WEBHOOK_SECRET: z.string().min(1).optional(),
  WRIT_IDENTITY_CONNECTOR_TIMEOUT_MS: int(100, 120_000).default(5000),
  WRIT_IDENTITY_SECRET_DIR: z.string().min(1).optional(),
  WRIT_IDENTITY_STAGED_WINDOW_MS: int(60_000, 30 * 86_400_000).default(86_400_000),
  WRIT_IDENTITY_ROTATION_GRACE_S: int(0, 7 * 86_400).default(3600),
  WRIT_IDENTITY_POLL_MS: int(100, 3_600_000).default(10_000),
  WRIT_IDENTITY_PLAYBOOK_OWNER: z.string().regex(/^user:\S+$/, 'must read user:NAME').optional(),
});

export function loadIdentityConfig(env: NodeJS.ProcessEnv, dataDir: string): IdentityConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WritError('WRIT_CONFIG_INVALID', `${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  let webhook: IdentityConfig['webhook'];
  if (e.WRIT_IDENTITY_WEBHOOK_URL) {
    const secret = e.WRIT_IDENTITY_WEBHOOK_SECRET_FILE ? readSecretFile(e.WRIT_IDENTITY_WEBHOOK_SECRET_FILE) : e.WRIT_IDENTITY_WEBHOOK_SECRET;
    // Never default a secret: a webhook without one is a configuration error.
    if (!secret) throw new WritError('WRIT_CONFIG_INVALID', 'WRIT_IDENTITY_WEBHOOK_URL is set but neither WRIT_IDENTITY_WEBHOOK_SECRET_FILE nor WRIT_IDENTITY_WEBHOOK_SECRET is');
    webhook = { url: e.WRIT_IDENTITY_WEBHOOK_URL, secret };
  }
  return {
    ...(e.WRIT_PG_ADMIN_URL ? { postgres: { url: e.WRIT_PG_ADMIN_URL, ...(e.WRIT_PG_PROBE_DATABASE ? { probeDatabase: e.WRIT_PG_PROBE_DATABASE } : {}), protectedRoles: e.WRIT_PG_PROTECTED_ROLES } } : {}),
    ...(e.WRIT_REDIS_ADMIN_URL ? { redis: { ...parseRedisUrl(e.WRIT_REDIS_ADMIN_URL), protectedUsers: e.WRIT_REDIS_PROTECTED_USERS } } : {}),
    ...(webhook ? { webhook } : {}),
    connectorTimeoutMs: e.WRIT_IDENTITY_CONNECTOR_TIMEOUT_MS,
    secretDir: e.WRIT_IDENTITY_SECRET_DIR ?? join(dataDir, 'identity-secrets'),
    stagedWindowMs: e.WRIT_IDENTITY_STAGED_WINDOW_MS,
    rotationGraceSeconds: e.WRIT_IDENTITY_ROTATION_GRACE_S,
    pollMs: e.WRIT_IDENTITY_POLL_MS,
    ...(e.WRIT_IDENTITY_PLAYBOOK_OWNER ? { playbookOwner: e.WRIT_IDENTITY_PLAYBOOK_OWNER } : {}),
  };
}

function parseRedisUrl(text: string): Omit<NonNullable<IdentityConfig['redis']>, 'protectedUsers'> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WritError('WRIT_CONFIG_INVALID', 'WRIT_REDIS_ADMIN_URL: not a valid URL');
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new WritError('WRIT_CONFIG_INVALID', 'WRIT_REDIS_ADMIN_URL: the path must be a database number');
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    tls: url.protocol === 'rediss:',
  };
}

function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new WritError('WRIT_CONFIG_INVALID', `WRIT_IDENTITY_WEBHOOK_SECRET_FILE: cannot read ${path} (${(error as { code?: string }).code ?? 'error'})`);
  }
}
