import { createHash } from 'node:crypto';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { WritError } from '../../errors/index.ts';
import {
  buildEvidence,
  issueSecret,
  type ConnectorOperation,
  type Evidence,
  type EvidenceCheck,
  type ExecuteOutcome,
  type IdentityConnector,
  type OperationTraits,
} from '../connector-contract.ts';
import type { SecretFingerprinter } from '../inventory/fingerprint-index.ts';

export const REDIS_OPERATIONS = ['disable_user', 'enable_user', 'rotate_password', 'retire_passwords', 'reset_passwords'] as const;
export type RedisOperationKind = (typeof REDIS_OPERATIONS)[number];

/**
 * - `disable_user`: `ACL SETUSER u off`, then `CLIENT KILL USER u` (Redis keeps already
 *   authenticated connections alive after `off`, so they are killed).
 * - `enable_user`: `on` (the restore of `disable_user`).
 * - `rotate_password`: `params.mode` `replace` (default: `resetpass >new`, the old password
 *   stops working at once) or `add` (`>new`, both work: the first half of a coordinated
 *   rotation). `params.endSessions: true` also kills the user's connections.
 * - `retire_passwords`: removes every password but `params.keep` (the `storedHashRef` a
 *   rotation returned): the second half of a coordinated rotation. Refuses, changing
 *   nothing, if that password is not there (it would lock the user out).
 * - `reset_passwords`: `resetpass` and kill connections: no password works any more.
 */
export type RedisAclOperation = ConnectorOperation<RedisOperationKind>;

export interface RedisAclResult {
  user: string;
  operation: RedisOperationKind;
  at: string;
  wasEnabled?: boolean;
  clientsKilled?: number;
  mode?: 'replace' | 'add';
  /** Fingerprint of the new password (the value is in `newSecret`). */
  newSecretFingerprint?: string;
  /** Keyed fingerprint of the new password's ACL hash: names it for retire, verify and undo. */
  storedHashRef?: string;
  /** Keyed fingerprints of the ACL hashes before the change. */
  previousHashRefs?: string[];
  passwordsRemoved?: number;
}

export interface RedisAclConnectorOptions {
  /** Admin connection: a user allowed `ACL` and `CLIENT` (e.g. `+acl +client`). */
  redis: Pick<RedisOptions, 'host' | 'port' | 'username' | 'password' | 'tls' | 'db'>;
  fingerprinter: SecretFingerprinter;
  /** Users never to touch besides `default` and the admin itself. */
  protectedUsers?: readonly string[];
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

interface AclUser {
  flags: string[];
  /** SHA-256 hex of each password, as Redis stores them. */
  passwords: string[];
}

/** Redis ACL users as identities. Every change is read back before it is reported. */
export class RedisAclConnector implements IdentityConnector<RedisAclOperation, RedisAclResult> {
  readonly name = 'redis';
  readonly #options: Readonly<Required<Omit<RedisAclConnectorOptions, 'protectedUsers'>> & { protectedUsers: ReadonlySet<string> }>;
  #client: Redis | undefined;

  constructor(options: RedisAclConnectorOptions) {
    this.#options = Object.freeze({
      redis: { ...options.redis },
      fingerprinter: options.fingerprinter,
      protectedUsers: new Set(['default', options.redis.username ?? 'default', ...(options.protectedUsers ?? [])]),
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      commandTimeoutMs: options.commandTimeoutMs ?? 5000,
    });
  }

  traits(op: RedisAclOperation): OperationTraits {
    switch (op.kind) {
      case 'disable_user':
        return { reversible: true, revokes: true, issuesSecret: false };
      case 'enable_user':
        return { reversible: true, revokes: false, issuesSecret: false };
      case 'rotate_password':
        return mode(op) === 'add'
          ? { reversible: true, revokes: false, issuesSecret: true }
          : { reversible: false, revokes: true, issuesSecret: true };
      case 'retire_passwords':
      case 'reset_passwords':
        return { reversible: false, revokes: true, issuesSecret: false };
    }
  }

  async execute(op: RedisAclOperation): Promise<ExecuteOutcome<RedisAclResult>> {
    checkKind(op);
    const user = op.target;
    if (op.kind === 'rotate_password') mode(op);
    if (op.kind === 'retire_passwords' && typeof op.params?.keep !== 'string') {
      throw new WritError('WRIT_INPUT_INVALID', 'redis retire_passwords: params.keep must be the storedHashRef of the password to keep');
    }
    const before = await this.#guard(op);
    const base = { user, operation: op.kind, at: new Date().toISOString() };
    switch (op.kind) {
      case 'disable_user': {
        await this.#setuser(op, before, ['off'], 'the user is still enabled');
        const result: RedisAclResult = { ...base, wasEnabled: before.flags.includes('on'), clientsKilled: await this.#killAfter(op, 'the user is off (new AUTH is refused)') };
        return { result, evidence: await this.verify(op, result) };
      }
      case 'enable_user': {
        await this.#setuser(op, before, ['on'], 'the user is still disabled');
        const result: RedisAclResult = { ...base, wasEnabled: before.flags.includes('on') };
        return { result, evidence: await this.verify(op, result) };
      }
      case 'rotate_password': {
        const m = mode(op);
        const { value, handoff } = issueSecret(this.#options.fingerprinter);
        await this.#setuser(op, before, m === 'add' ? [`>${value}`] : ['resetpass', `>${value}`], 'the old password still works');
        const result: RedisAclResult = {
          ...base,
          mode: m,
          newSecretFingerprint: handoff.fingerprint,
          storedHashRef: this.#ref(sha256Hex(value)),
          previousHashRefs: before.passwords.map((h) => this.#ref(h)),
          ...(op.params?.endSessions === true ? { clientsKilled: await this.#kill(op) } : {}),
        };
        return { result, evidence: await this.verify(op, result), newSecret: handoff };
      }
      case 'retire_passwords': {
        const keep = op.params?.keep as string;
        if (!before.passwords.some((h) => this.#ref(h) === keep)) {
          throw new WritError('WRIT_CONNECTOR_REFUSED', `redis retire_passwords on ${user}: the password to keep is not set, so retiring the others would lock the user out; nothing was changed`, {
            details: { connector: 'redis', operation: op.kind, target: user, applied: false, oldCredentialIntact: true },
          });
        }
        const drop = before.passwords.filter((h) => this.#ref(h) !== keep);
        if (drop.length > 0) await this.#setuser(op, before, drop.map((h) => `!${h}`), 'the old passwords still work');
        const result: RedisAclResult = {
          ...base,
          storedHashRef: keep,
          previousHashRefs: before.passwords.map((h) => this.#ref(h)),
          passwordsRemoved: drop.length,
          ...(op.params?.endSessions === true ? { clientsKilled: await this.#kill(op) } : {}),
        };
        return { result, evidence: await this.verify(op, result) };
      }
      case 'reset_passwords': {
        await this.#setuser(op, before, ['resetpass'], 'the old passwords still work');
        const result: RedisAclResult = { ...base, previousHashRefs: before.passwords.map((h) => this.#ref(h)), clientsKilled: await this.#killAfter(op, 'every password is removed') };
        return { result, evidence: await this.verify(op, result) };
      }
    }
  }

  async verify(op: RedisAclOperation, result?: RedisAclResult): Promise<Evidence> {
    checkKind(op);
    const acl = await this.#getuser(op);
    if (!acl) return buildEvidence(this.name, op, [{ name: 'user_exists', ok: false, detail: `ACL user ${op.target} does not exist` }]);
    const refs = acl.passwords.map((h) => this.#ref(h));
    const checks: EvidenceCheck[] = [];
    const enabled = acl.flags.includes('on');
    switch (op.kind) {
      case 'disable_user': {
        checks.push({ name: 'user_disabled', ok: !enabled, detail: `ACL flags: ${acl.flags.join(' ')}` });
        const clients = await this.#clients(op);
        checks.push({ name: 'no_connections', ok: clients === 0, detail: `${clients} connection(s) authenticated as ${op.target}` });
        break;
      }
      case 'enable_user':
        checks.push({ name: 'user_enabled', ok: enabled, detail: `ACL flags: ${acl.flags.join(' ')}` });
        break;
      case 'rotate_password': {
        const added = result?.storedHashRef !== undefined && refs.includes(result.storedHashRef);
        checks.push({ name: 'new_password_set', ok: added, detail: added ? 'the new password is among the ACL passwords' : 'the new password is not among the ACL passwords' });
        const stale = refs.filter((r) => result?.previousHashRefs?.includes(r)).length;
        if ((result?.mode ?? mode(op)) === 'replace') {
          checks.push({ name: 'old_passwords_gone', ok: stale === 0 && refs.length === 1, detail: `${stale} previous password(s) still set, ${refs.length} in all` });
        } else {
          checks.push({ name: 'old_passwords_kept', ok: stale === (result?.previousHashRefs?.length ?? 0), detail: `${stale} previous password(s) still valid alongside the new one, until retire_passwords` });
        }
        break;
      }
      case 'retire_passwords': {
        const keep = (result?.storedHashRef ?? op.params?.keep) as string | undefined;
        checks.push({ name: 'kept_password_set', ok: keep !== undefined && refs.includes(keep), detail: `${refs.length} password(s) set` });
        checks.push({ name: 'others_gone', ok: refs.every((r) => r === keep), detail: `${refs.filter((r) => r !== keep).length} other password(s) still set` });
        break;
      }
      case 'reset_passwords': {
        checks.push({ name: 'no_passwords', ok: acl.passwords.length === 0 && !acl.flags.includes('nopass'), detail: `${acl.passwords.length} password(s), flags: ${acl.flags.join(' ')}` });
        const clients = await this.#clients(op);
        checks.push({ name: 'no_connections', ok: clients === 0, detail: `${clients} connection(s) authenticated as ${op.target}` });
        break;
      }
    }
    return buildEvidence(this.name, op, checks);
  }

  async undo(op: RedisAclOperation, result?: RedisAclResult): Promise<ExecuteOutcome<RedisAclResult>> {
    checkKind(op);
    if (op.kind === 'disable_user') {
      if (result?.wasEnabled === false) throw new WritError('WRIT_CONNECTOR_REFUSED', `redis undo disable_user on ${op.target}: the user was disabled before; nothing to restore`);
      return this.execute({ ...op, kind: 'enable_user' });
    }
    if (op.kind === 'enable_user') return this.execute({ ...op, kind: 'disable_user' });
    if (op.kind === 'rotate_password' && mode(op) === 'add' && result?.storedHashRef) {
      const before = await this.#guard(op);
      const hash = before.passwords.find((h) => this.#ref(h) === result.storedHashRef);
      if (hash) await this.#setuser(op, before, [`!${hash}`], 'the added password still works');
      const undone: RedisAclResult = { user: op.target, operation: op.kind, at: new Date().toISOString(), passwordsRemoved: hash ? 1 : 0, previousHashRefs: before.passwords.map((h) => this.#ref(h)) };
      const acl = await this.#getuser(op);
      const gone = !acl?.passwords.some((h) => this.#ref(h) === result.storedHashRef);
      return { result: undone, evidence: buildEvidence(this.name, op, [{ name: 'added_password_removed', ok: gone, detail: gone ? 'the password added by the rotation is no longer set' : 'the added password is still set' }]) };
    }
    throw new WritError('WRIT_CONNECTOR_REFUSED', `redis ${op.kind} on ${op.target} cannot be undone (removed passwords are not retained)`);
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.quit().catch(() => client.disconnect());
  }

  #ref(aclHash: string): string {
    return this.#options.fingerprinter.of(`redis-acl-sha256:${aclHash}`);
  }

  async #guard(op: RedisAclOperation): Promise<AclUser> {
    const user = op.target;
    if (user === '' || /\s/.test(user)) throw new WritError('WRIT_INPUT_INVALID', `redis ${op.kind}: user name must be non-empty without spaces`);
    if (this.#options.protectedUsers.has(user)) throw new WritError('WRIT_CONNECTOR_REFUSED', `redis ${op.kind}: user ${user} is protected; nothing was changed`);
    const acl = await this.#getuser(op);
    // ACL SETUSER creates missing users: never let an operation conjure one.
    if (!acl) throw new WritError('WRIT_NOT_FOUND', `redis ${op.kind}: ACL user ${user} does not exist; nothing was changed`);
    return acl;
  }

  /** One atomic ACL SETUSER; on failure reads the user back and says what state it is in. */
  async #setuser(op: RedisAclOperation, before: AclUser, rules: string[], unchanged: string): Promise<void> {
    try {
      await (await this.#redis()).call('ACL', 'SETUSER', op.target, ...rules);
    } catch (error) {
      const after = await this.#getuser(op).catch(() => undefined);
      const same = after !== undefined && sameUser(before, after);
      const state = after === undefined
        ? `${unchanged} as far as can be told: ACL SETUSER is atomic and failed, and the user could not be read back`
        : same
          ? `nothing changed: ${unchanged} (read back)`
          : 'the user changed although the command failed; check it';
      throw redisFailure(op, error, state, { applied: false, oldCredentialIntact: same ? true : 'unknown' });
    }
  }

  async #getuser(op: RedisAclOperation): Promise<AclUser | undefined> {
    const reply = await this.#command(op, ['ACL', 'GETUSER', op.target]);
    if (reply === null) return undefined;
    const fields = toRecord(reply);
    return {
      flags: Array.isArray(fields.flags) ? fields.flags.map(String) : [],
      passwords: Array.isArray(fields.passwords) ? fields.passwords.map(String) : [],
    };
  }

  /** Kills the user's connections after a change that already took effect; a failure says so. */
  async #killAfter(op: RedisAclOperation, applied: string): Promise<number> {
    try {
      return await this.#kill(op);
    } catch (error) {
      const e = error as WritError;
      throw new WritError(e.code, `redis ${op.kind} on user ${op.target}: ${applied}, but killing its open connections failed; retry, the operation is idempotent`, {
        details: { ...e.details, applied: 'partial' },
        retryable: true,
      });
    }
  }

  async #kill(op: RedisAclOperation): Promise<number> {
    return Number(await this.#command(op, ['CLIENT', 'KILL', 'USER', op.target]));
  }

  async #clients(op: RedisAclOperation): Promise<number> {
    const list = String(await this.#command(op, ['CLIENT', 'LIST']));
    return list.split('\n').filter((line) => line.split(' ').includes(`user=${op.target}`)).length;
  }

  async #command(op: RedisAclOperation, args: [string, ...string[]]): Promise<unknown> {
    try {
      return await (await this.#redis()).call(...args);
    } catch (error) {
      throw redisFailure(op, error, 'no change was made by this step', { applied: false });
    }
  }

  async #redis(): Promise<Redis> {
    if (this.#client && this.#client.status === 'ready') return this.#client;
    this.#client?.disconnect();
    const client = new Redis({
      ...this.#options.redis,
      lazyConnect: true,
      connectTimeout: this.#options.connectTimeoutMs,
      commandTimeout: this.#options.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      // The connector needs ACL and CLIENT only; INFO (the ready check) may be forbidden to it.
      enableReadyCheck: false,
      connectionName: 'writ-identity-connector',
    });
    client.on('error', () => {});
    this.#client = client;
    await client.connect();
    return client;
  }
}

function redisFailure(op: RedisAclOperation, error: unknown, state: string, details: Record<string, unknown>): WritError {
  // A reply error is the server's answer; its first word is Redis's error code (NOPERM, ERR…).
  const reply = error instanceof ReplyError;
  const code = reply ? (error as Error).message.split(' ', 1)[0] ?? 'ERR' : ((error as { code?: string }).code ?? 'CLIENT');
  const text = `redis ${op.kind} on user ${op.target} failed (${code}); ${state}`;
  // No `cause`, and not the server's message: ioredis attaches the command's arguments to
  // reply errors, and ACL SETUSER's arguments (and Redis's message about them) hold the new password.
  const all = { connector: 'redis', operation: op.kind, target: op.target, code, ...details };
  if (reply && (code === 'NOPERM' || code === 'NOAUTH' || code === 'WRONGPASS')) return new WritError('WRIT_CONNECTOR_REFUSED', text, { details: all });
  // Not a reply: the connection or a timeout failed on our side; worth a retry.
  return new WritError('WRIT_CONNECTOR_FAILED', text, { details: all, retryable: !reply || code === 'LOADING' || code === 'BUSY' });
}

function checkKind(op: ConnectorOperation): asserts op is RedisAclOperation {
  if (!(REDIS_OPERATIONS as readonly string[]).includes(op.kind)) {
    throw new WritError('WRIT_INPUT_INVALID', `redis: unknown operation ${op.kind}; expected one of ${REDIS_OPERATIONS.join(', ')}`);
  }
}

function mode(op: RedisAclOperation): 'replace' | 'add' {
  const m = op.params?.mode ?? 'replace';
  if (m !== 'replace' && m !== 'add') throw new WritError('WRIT_INPUT_INVALID', 'redis rotate_password: params.mode must be replace or add');
  return m;
}

function sameUser(a: AclUser, b: AclUser): boolean {
  return a.flags.join(' ') === b.flags.join(' ') && [...a.passwords].sort().join() === [...b.passwords].sort().join();
}

function toRecord(reply: unknown): Record<string, unknown> {
  if (!Array.isArray(reply)) return typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
