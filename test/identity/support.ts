import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Fingerprinter } from '../../src/secrets/index.ts';
import { PG_ADMIN_URL } from '../support/engines.ts';

export { PG_ADMIN_URL };
export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

export function testFingerprinter(): Fingerprinter {
  return new Fingerprinter(randomBytes(32));
}

export function randomName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function pgAdmin<T>(body: (client: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/**
 * A dedicated database and login roles with random names for one test; everything is
 * dropped by `cleanup()` (sessions terminated first).
 */
export async function pgSandbox(): Promise<{
  database: string;
  createRole(options?: { password?: string; login?: boolean; superuser?: boolean; createrole?: boolean }): Promise<{ name: string; password: string }>;
  cleanup(): Promise<void>;
}> {
  const database = randomName('writ_nhi_db');
  const roles: string[] = [];
  await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
  return {
    database,
    async createRole(options = {}) {
      const name = randomName('writ_nhi');
      const password = options.password ?? randomBytes(18).toString('base64url');
      roles.push(name);
      await pgAdmin(async (c) => {
        // The server hashes the plaintext itself (password_encryption = scram-sha-256), so a later
        // SCRAM check of the stored verifier is checked against the server's own hashing.
        await c.query(
          `CREATE ROLE ${pg.escapeIdentifier(name)} ${options.login === false ? 'NOLOGIN' : 'LOGIN'}${options.superuser ? ' SUPERUSER' : ''}${options.createrole ? ' CREATEROLE' : ''} PASSWORD ${pg.escapeLiteral(password)}`,
        );
        await c.query(`GRANT CONNECT ON DATABASE ${database} TO ${pg.escapeIdentifier(name)}`);
      });
      return { name, password };
    },
    async cleanup() {
      await pgAdmin(async (c) => {
        for (const role of roles) {
          await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
        }
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        for (const role of roles) await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
      });
    },
  };
}

export type LoginOutcome = { ok: true; client: pg.Client } | { ok: false; code: string | undefined };

/** Logs in over TCP as `user` with `password`; the caller ends a returned client. */
export async function pgLogin(user: string, password: string, database: string): Promise<LoginOutcome> {
  const client = new pg.Client({ host: PG_HOST, port: PG_PORT, database, user, password, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return { ok: true, client };
  } catch (error) {
    await client.end().catch(() => {});
    return { ok: false, code: (error as { code?: string }).code };
  }
}

/** Logs in, runs `select 1`, logs out: true when the login worked. */
export async function pgCanLogin(user: string, password: string, database: string): Promise<LoginOutcome & { ok: boolean }> {
  const outcome = await pgLogin(user, password, database);
  if (outcome.ok) {
    await outcome.client.query('select 1');
    await outcome.client.end();
  }
  return outcome;
}

export async function storedVerifier(role: string): Promise<string> {
  return pgAdmin(async (c) => (await c.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0]!.rolpassword);
}

/**
 * Whether this server checks passwords on TCP from 127.0.0.1: log in as a fresh LOGIN role
 * with a wrong password. On this machine pg_hba says `host all all 127.0.0.1/32 trust`, so
 * it does not, and tests fall back to the server's stored SCRAM verifier for password proofs.
 */
export async function pgChecksPasswords(database: string, role: string): Promise<boolean> {
  const outcome = await pgCanLogin(role, `wrong-${randomBytes(8).toString('hex')}`, database);
  return !outcome.ok;
}

export function redisAdmin(): Redis {
  const r = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  return r;
}

/**
 * A new connection that sends `AUTH user password` itself: the connection succeeds or the
 * server's answer (WRONGPASS…) is returned.
 */
export async function redisLogin(user: string, password: string): Promise<{ ok: true; client: Redis } | { ok: false; code: string }> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.call('AUTH', user, password);
    await client.ping();
    return { ok: true, client };
  } catch (error) {
    client.disconnect();
    return { ok: false, code: String((error as Error).message).split(' ', 1)[0] ?? 'ERR' };
  }
}

export async function redisCanLogin(user: string, password: string): Promise<boolean> {
  const outcome = await redisLogin(user, password);
  if (outcome.ok) outcome.client.disconnect();
  return outcome.ok;
}
