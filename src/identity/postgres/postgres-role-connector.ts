import pg from 'pg';
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
import { computeScramVerifier } from './scram.ts';
import { probeLogin } from './login-probe.ts';
import { pgFailure } from './pg-failure.ts';

export const POSTGRES_OPERATIONS = ['rotate_password', 'disable_login', 'enable_login', 'terminate_sessions'] as const;
export type PostgresOperationKind = (typeof POSTGRES_OPERATIONS)[number];

/**
 * - `rotate_password`: a new password (as a SCRAM verifier computed here); sessions already
 *   open keep running, new logins need the new password.
 * - `disable_login`: `NOLOGIN`, then every session of the role is terminated.
 * - `enable_login`: `LOGIN` (the restore of `disable_login`).
 * - `terminate_sessions`: ends the role's sessions, or with `params.startedBefore` (ISO)
 *   only those opened before then (the "revoke old" step after a rotation).
 */
export type PostgresRoleOperation = ConnectorOperation<PostgresOperationKind>;

export interface PostgresRoleResult {
  role: string;
  operation: PostgresOperationKind;
  /** ISO 8601, when the change was committed. */
  at: string;
  loginWasEnabled?: boolean;
  sessionsTerminated?: number;
  /** rotate_password: fingerprint of the new password (the value is in `newSecret`). */
  newSecretFingerprint?: string;
  /** rotate_password: keyed fingerprint of the verifier now stored, for read-back. */
  storedVerifierRef?: string;
  /** rotate_password: keyed fingerprint of the verifier before, when it could be read. */
  previousVerifierRef?: string | null;
  /** rotate_password: sessions opened before the rotation that are still running. */
  sessionsOpenBeforeRotation?: number;
}

export interface PostgresRoleConnectorOptions {
  /** Admin connection: a superuser, or a role with CREATEROLE (then passwords cannot be read back). */
  admin: pg.ClientConfig;
  fingerprinter: SecretFingerprinter;
  /** Where the login probe connects; defaults to the admin's host, port and database. */
  probe?: { host?: string; port?: number; database?: string };
  /** Roles never to touch, besides superusers, `pg_*` roles and the admin itself. */
  protectedRoles?: readonly string[];
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

interface CompiledOptions {
  admin: pg.ClientConfig;
  fingerprinter: SecretFingerprinter;
  probe: { host: string; port: number; database: string };
  protectedRoles: ReadonlySet<string>;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export function compilePostgresOptions(o: PostgresRoleConnectorOptions): Readonly<CompiledOptions> {
  const parsed = o.admin.connectionString ? new URL(o.admin.connectionString) : undefined;
  const host = o.probe?.host ?? o.admin.host ?? parsed?.hostname ?? '127.0.0.1';
  const port = o.probe?.port ?? o.admin.port ?? (parsed?.port ? Number(parsed.port) : 5432);
  const database = o.probe?.database ?? o.admin.database ?? (parsed?.pathname.slice(1) || 'postgres');
  return Object.freeze({
    admin: { ...o.admin },
    fingerprinter: o.fingerprinter,
    probe: { host, port, database },
    protectedRoles: new Set(o.protectedRoles ?? []),
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    statementTimeoutMs: o.statementTimeoutMs ?? 5000,
    lockTimeoutMs: o.lockTimeoutMs ?? 2000,
  });
}

interface RoleState {
  name: string;
  superuser: boolean;
  canLogin: boolean;
  isSelf: boolean;
  /** The stored verifier, or null when this admin may not read `pg_authid`. */
  verifier: string | null;
  sessions: number;
}

/** PostgreSQL roles as identities. Every change is read back before it is reported. */
export class PostgresRoleConnector implements IdentityConnector<PostgresRoleOperation, PostgresRoleResult> {
  readonly name = 'postgres';
  readonly #o: Readonly<CompiledOptions>;
  readonly #pool: pg.Pool;

  constructor(options: PostgresRoleConnectorOptions) {
    this.#o = compilePostgresOptions(options);
    this.#pool = new pg.Pool({
      ...this.#o.admin,
      max: 4,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      connectionTimeoutMillis: this.#o.connectTimeoutMs,
      statement_timeout: this.#o.statementTimeoutMs,
      lock_timeout: this.#o.lockTimeoutMs,
      query_timeout: this.#o.statementTimeoutMs + 1000,
      application_name: 'writ-identity-connector',
    });
    // An idle client's error (server restart) must not crash the process.
    this.#pool.on('error', () => {});
  }

  traits(op: PostgresRoleOperation): OperationTraits {
    switch (op.kind) {
      case 'rotate_password':
        return { reversible: false, revokes: true, issuesSecret: true };
      case 'disable_login':
        return { reversible: true, revokes: true, issuesSecret: false };
      case 'enable_login':
        return { reversible: true, revokes: false, issuesSecret: false };
      case 'terminate_sessions':
        return { reversible: false, revokes: false, issuesSecret: false };
    }
  }

  async execute(op: PostgresRoleOperation): Promise<ExecuteOutcome<PostgresRoleResult>> {
    checkKind(op);
    const role = op.target;
    const cutoff = op.kind === 'terminate_sessions' ? startedBefore(op) : undefined;
    const before = await this.#guard(op);
    switch (op.kind) {
      case 'rotate_password':
        return this.#rotate(op, before);
      case 'disable_login': {
        await this.#run(op, `ALTER ROLE ${ident(role)} NOLOGIN`, [], before, 'login is still as it was');
        let terminated: number;
        try {
          terminated = await this.#terminate(op, role, undefined);
        } catch (error) {
          const e = error as WritError;
          throw new WritError(e.code, `postgres disable_login on role ${role}: NOLOGIN is applied (new logins are refused) but ending its open sessions failed; retry, the operation is idempotent`, {
            cause: error,
            details: { ...e.details, applied: 'partial' },
            retryable: true,
          });
        }
        const result: PostgresRoleResult = { role, operation: op.kind, at: now(), loginWasEnabled: before.canLogin, sessionsTerminated: terminated };
        return { result, evidence: await this.verify(op, result) };
      }
      case 'enable_login': {
        await this.#run(op, `ALTER ROLE ${ident(role)} LOGIN`, [], before, 'login is still disabled');
        const result: PostgresRoleResult = { role, operation: op.kind, at: now(), loginWasEnabled: before.canLogin };
        return { result, evidence: await this.verify(op, result) };
      }
      case 'terminate_sessions': {
        const terminated = await this.#terminate(op, role, cutoff);
        const result: PostgresRoleResult = { role, operation: op.kind, at: now(), sessionsTerminated: terminated };
        return { result, evidence: await this.verify(op, result) };
      }
    }
  }

  async verify(op: PostgresRoleOperation, result?: PostgresRoleResult): Promise<Evidence> {
    checkKind(op);
    const state = await this.#state(op, op.target);
    if (!state) return buildEvidence(this.name, op, [{ name: 'role_exists', ok: false, detail: `role ${op.target} does not exist` }]);
    const checks: EvidenceCheck[] = [];
    const notes: string[] = [];
    switch (op.kind) {
      case 'disable_login': {
        checks.push({ name: 'login_disabled', ok: !state.canLogin, detail: `pg_roles.rolcanlogin is ${state.canLogin}` });
        checks.push({ name: 'no_sessions', ok: state.sessions === 0, detail: `${state.sessions} session(s) of the role in pg_stat_activity` });
        const probe = await probeLogin(op.target, this.#o.probe, this.#o.connectTimeoutMs);
        checks.push({ name: 'login_refused', ok: probe.outcome !== 'accepted' && probe.outcome !== 'error', detail: probe.detail });
        if (probe.outcome === 'refused_password') notes.push('the probe was refused at the password check, before the server looked at NOLOGIN; login_disabled is the proof of NOLOGIN');
        break;
      }
      case 'enable_login': {
        checks.push({ name: 'login_enabled', ok: state.canLogin, detail: `pg_roles.rolcanlogin is ${state.canLogin}` });
        const probe = await probeLogin(op.target, this.#o.probe, this.#o.connectTimeoutMs);
        checks.push({ name: 'login_not_refused_for_role', ok: probe.outcome !== 'refused_not_permitted', detail: probe.detail });
        break;
      }
      case 'terminate_sessions': {
        const cutoff = startedBefore(op);
        const left = await this.#sessions(op, op.target, cutoff);
        checks.push({ name: 'sessions_gone', ok: left === 0, detail: `${left} matching session(s) remain${cutoff ? ` (opened before ${cutoff})` : ''}` });
        break;
      }
      case 'rotate_password': {
        if (state.verifier === null) {
          checks.push({ name: 'stored_verifier_is_new', ok: false, detail: 'the admin role cannot read pg_authid: no read-back of the password is possible' });
        } else {
          const ref = this.#o.fingerprinter.of(state.verifier);
          const expected = result?.storedVerifierRef;
          checks.push({
            name: 'stored_verifier_is_new',
            ok: expected !== undefined && ref === expected,
            detail: expected === undefined ? 'no rotation result to compare with' : ref === expected ? 'pg_authid holds the verifier Writ set' : 'pg_authid holds a different verifier than Writ set',
          });
          if (result?.previousVerifierRef) {
            checks.push({ name: 'old_verifier_gone', ok: ref !== result.previousVerifierRef, detail: ref !== result.previousVerifierRef ? 'the previous verifier is no longer stored' : 'the previous verifier is still stored' });
          }
        }
        const probe = await probeLogin(op.target, this.#o.probe, this.#o.connectTimeoutMs);
        if (probe.outcome === 'accepted') {
          notes.push(`a login as ${op.target} with a random wrong password was accepted at ${this.#o.probe.host}:${this.#o.probe.port}: pg_hba does not check passwords there, so no password, old or new, is needed on that path`);
        } else if (probe.outcome === 'refused_password') {
          notes.push('the server rejects a wrong password on the probe path, so the old password no longer logs in there');
        }
        break;
      }
    }
    return buildEvidence(this.name, op, checks, notes);
  }

  async undo(op: PostgresRoleOperation, result?: PostgresRoleResult): Promise<ExecuteOutcome<PostgresRoleResult>> {
    checkKind(op);
    switch (op.kind) {
      case 'disable_login':
        if (result?.loginWasEnabled === false) {
          throw new WritError('WRIT_CONNECTOR_REFUSED', `postgres undo disable_login on ${op.target}: the role could not log in before, so there is nothing to restore`);
        }
        return this.execute({ ...op, kind: 'enable_login' });
      case 'enable_login':
        return this.execute({ ...op, kind: 'disable_login' });
      default:
        throw new WritError('WRIT_CONNECTOR_REFUSED', `postgres ${op.kind} on ${op.target} cannot be undone (the old secret is not retained; ended sessions stay ended)`);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #rotate(op: PostgresRoleOperation, before: RoleState): Promise<ExecuteOutcome<PostgresRoleResult>> {
    const role = op.target;
    const fp = this.#o.fingerprinter;
    const { value, handoff } = issueSecret(fp);
    const verifier = computeScramVerifier(value);
    const rotatedAt = now();
    await this.#run(op, `ALTER ROLE ${ident(role)} PASSWORD ${pg.escapeLiteral(verifier)}`, [], before, 'the old password still works');
    const sessions = await this.#sessions(op, role, rotatedAt);
    const result: PostgresRoleResult = {
      role,
      operation: op.kind,
      at: rotatedAt,
      newSecretFingerprint: handoff.fingerprint,
      storedVerifierRef: fp.of(verifier),
      previousVerifierRef: before.verifier === null ? null : fp.of(before.verifier),
      sessionsOpenBeforeRotation: sessions,
    };
    return { result, evidence: await this.verify(op, result), newSecret: handoff };
  }

  /** Runs one change; on failure reads the role back and says whether anything changed. */
  async #run(op: PostgresRoleOperation, sql: string, values: unknown[], before: RoleState, unchanged: string): Promise<void> {
    try {
      await this.#pool.query(sql, values);
    } catch (error) {
      const after = await this.#state(op, op.target).catch(() => undefined);
      const rotation = op.kind === 'rotate_password';
      // For a rotation the proof is the stored verifier; without read access it is unknown.
      const provenSame =
        after !== undefined &&
        after.canLogin === before.canLogin &&
        (rotation ? before.verifier !== null && after.verifier === before.verifier : true);
      const state = after === undefined
        ? 'the role could not be read back, so its state is unknown'
        : provenSame
          ? `nothing changed: ${unchanged} (read back)`
          : rotation && before.verifier === null
            ? `${unchanged} as far as can be told: ALTER ROLE failed, and this admin cannot read pg_authid to prove it`
            : 'the role changed although the statement failed; check it';
      throw pgFailure(op, error, state, { applied: false, oldCredentialIntact: provenSame ? true : 'unknown' });
    }
  }

  async #terminate(op: PostgresRoleOperation, role: string, before: string | undefined): Promise<number> {
    const res = await this.#query<{ n: string }>(
      op,
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, $3)) AS n
         FROM pg_stat_activity
        WHERE usename = $1 AND pid <> pg_backend_pid() AND ($2::timestamptz IS NULL OR backend_start < $2::timestamptz)`,
      [role, before ?? null, Math.max(100, this.#o.statementTimeoutMs - 1000)],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  async #sessions(op: PostgresRoleOperation, role: string, before: string | undefined): Promise<number> {
    const res = await this.#query<{ n: string }>(
      op,
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE usename = $1 AND pid <> pg_backend_pid() AND ($2::timestamptz IS NULL OR backend_start < $2::timestamptz)`,
      [role, before ?? null],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  async #state(op: PostgresRoleOperation, role: string): Promise<RoleState | undefined> {
    const res = await this.#query<{ rolname: string; rolsuper: boolean; rolcanlogin: boolean; is_self: boolean }>(
      op,
      'SELECT rolname, rolsuper, rolcanlogin, rolname = current_user AS is_self FROM pg_roles WHERE rolname = $1',
      [role],
    );
    const row = res.rows[0];
    if (!row) return undefined;
    let verifier: string | null = null;
    try {
      const secret = await this.#pool.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
      verifier = secret.rows[0]?.rolpassword ?? '';
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw pgFailure(op, error, 'nothing was changed', { applied: false });
    }
    return { name: row.rolname, superuser: row.rolsuper, canLogin: row.rolcanlogin, isSelf: row.is_self, verifier, sessions: await this.#sessions(op, role, undefined) };
  }

  /** Refuses roles out of scope before touching anything. */
  async #guard(op: PostgresRoleOperation): Promise<RoleState> {
    const role = op.target;
    if (role === '' || Buffer.byteLength(role) > 63) throw new WritError('WRIT_INPUT_INVALID', `postgres ${op.kind}: role name must be 1–63 bytes`);
    if (role.startsWith('pg_') || this.#o.protectedRoles.has(role)) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `postgres ${op.kind}: role ${role} is protected; nothing was changed`);
    }
    const state = await this.#state(op, role);
    if (!state) throw new WritError('WRIT_NOT_FOUND', `postgres ${op.kind}: role ${role} does not exist; nothing was changed`);
    if (state.superuser || state.isSelf) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `postgres ${op.kind}: role ${role} is ${state.isSelf ? "the connector's own role" : 'a superuser'}; nothing was changed`);
    }
    return state;
  }

  async #query<T extends pg.QueryResultRow>(op: PostgresRoleOperation, sql: string, values: unknown[]): Promise<pg.QueryResult<T>> {
    try {
      return await this.#pool.query<T>(sql, values);
    } catch (error) {
      throw pgFailure(op, error, 'no change was made by this step', { applied: false });
    }
  }
}

function checkKind(op: ConnectorOperation): asserts op is PostgresRoleOperation {
  if (!(POSTGRES_OPERATIONS as readonly string[]).includes(op.kind)) {
    throw new WritError('WRIT_INPUT_INVALID', `postgres: unknown operation ${op.kind}; expected one of ${POSTGRES_OPERATIONS.join(', ')}`);
  }
}

function startedBefore(op: PostgresRoleOperation): string | undefined {
  const value = op.params?.startedBefore;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new WritError('WRIT_INPUT_INVALID', `postgres ${op.kind}: params.startedBefore must be an ISO 8601 time`);
  }
  return new Date(value).toISOString();
}

function ident(name: string): string {
  return pg.escapeIdentifier(name);
}

function now(): string {
  return new Date().toISOString();
}
