import type { Capability } from '../../actions/index.ts';
import { WritError } from '../../errors/index.ts';
import { targetKey, type ActionRecord, type Connector, type ConnectorJournal, type ExecutionOutcome, type Grant, type GrantService, type VerifyOutcome } from '../../kernel/index.ts';
import type { Store } from '../../store/index.ts';
import type { ConnectorOperation, Evidence, ExecuteOutcome, IdentityConnector } from '../connector-contract.ts';
import { operationFor, retireOperationFor } from '../connector-routing.ts';
import type { Identity } from '../inventory/identity-schema.ts';
import type { PlanAction } from '../plans/proposal.ts';
import type { PostgresRoleResult } from '../postgres/postgres-role-connector.ts';
import type { RedisAclResult } from '../redis/redis-acl-connector.ts';
import type { IdentityStore } from '../store/identity-store.ts';
import type { SecretReceipt, SecretSink } from './secret-sink.ts';

/** Any identity system connector (PostgreSQL roles, Redis ACL users, signed webhooks, …). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type IdentitySystem = IdentityConnector<ConnectorOperation<any>, any>;

/** One connector operation and what it returned, as kept in the action's result. */
export interface RecordedOperation {
  op: ConnectorOperation;
  result: unknown;
}

/** What the kernel records as an identity action's result: references and fingerprints only. */
export interface IdentityActionResult {
  identity: string;
  /** The identity's `system.connector` and `system.target` when the action ran. */
  system: string;
  target: string;
  operations: RecordedOperation[];
  /** rotate_secret: the new secret's fingerprint, and where the sink put it. */
  newSecretFingerprint?: string;
  delivery?: SecretReceipt;
  /** rotate_secret: the identity's fingerprints before the rotation (retired with the old secret). */
  previousFingerprints?: string[];
  gracePeriodSeconds?: number;
  /** rotate_secret: `scheduled` when the old secret lives on until it is retired; `done` when retired at once. */
  retirement?: 'scheduled' | 'done' | 'none';
}

/** How a rotation's pending retirement stands (kept by the rotation tracker). */
export interface RetirementState {
  status: 'pending' | 'retiring' | 'retired' | 'failed';
  graceEndsAt: number;
  retireResult: { result: IdentityActionResult; evidence: Record<string, unknown> } | null;
}

export interface IdentityKernelConnectorOptions {
  store: Store;
  identities: IdentityStore;
  /** By `system.connector` name: `postgres`, `redis`, `webhook`, … */
  systems: Readonly<Record<string, IdentitySystem | undefined>>;
  sink: SecretSink;
  grants: GrantService;
  /** Remembers a rotation per action, so a re-run after a crash does not rotate twice. */
  journal: ConnectorJournal;
  /** Called when a rotation leaves the old secret valid for a grace period (temporary access). */
  onGracePeriod?: (action: ActionRecord, graceEndsAt: number) => Promise<void>;
  /** Where a scheduled retirement stands, for read-back. */
  retirement?: (actionId: string) => Promise<RetirementState | undefined>;
  now?: () => number;
}

/** The operation each reversible operation's undo performs (for reading the undo back). */
const INVERSE: Readonly<Record<string, string>> = { disable_login: 'enable_login', enable_login: 'disable_login', disable_user: 'enable_user', enable_user: 'disable_user' };

const CAPABILITIES: readonly Capability[] = ['identity.revoke', 'identity.disable', 'identity.enable', 'identity.rotate', 'identity.session'];

/**
 * The kernel's identity connector: carries out catalogue actions on identities by routing
 * them, by the identity's `system.connector`, to the real PostgreSQL, Redis and webhook
 * connectors ({@link operationFor}). The registry redeems the grant before `execute` and
 * `undo`; the second half of a coordinated rotation ({@link retire}) redeems its own.
 *
 * - `revoke_token`: the credential dies for good: login disabled and sessions ended, and the
 *   secret replaced by a random one nobody receives (PostgreSQL), or every password removed
 *   (Redis). A revoked token cannot be brought back, as the catalogue says.
 * - `disable_account` / `enable_account`: login off / on; each undoes the other.
 * - `rotate_secret`: a new secret, handed to the {@link SecretSink} and nowhere else. With a
 *   grace period the old one stays valid (temporary access) until {@link retire}; without,
 *   it dies at once (and sessions opened with it end).
 * - `shorten_session_lifetime`: PostgreSQL ends the role's sessions older than the cap; a
 *   webhook receiver is asked to apply the cap. Redis has no session lifetime: refused.
 */
export class IdentityKernelConnector implements Connector {
  readonly name = 'identity';
  readonly capabilities = CAPABILITIES;
  private readonly now: () => number;

  constructor(private readonly options: IdentityKernelConnectorOptions) {
    this.now = options.now ?? Date.now;
  }

  async execute(action: ActionRecord, _grant: Grant): Promise<ExecutionOutcome> {
    const identity = await this.identityOf(action);
    const system = this.system(identity.system.connector, identity.id);
    const base = { identity: identity.id, system: identity.system.connector, target: identity.system.target };
    switch (action.type) {
      case 'disable_account':
      case 'enable_account': {
        const { operations, evidence } = await run(system, [route(action, identity)]);
        return { result: { ...base, operations }, evidence, undo: { identity: identity.id } };
      }
      case 'revoke_token': {
        const { operations, evidence } = await run(system, this.revokeOperations(action, identity));
        return { result: { ...base, operations }, evidence };
      }
      case 'rotate_secret':
        return this.rotate(action, identity, system, base);
      case 'shorten_session_lifetime': {
        const max = Number(action.params.maxLifetimeSeconds);
        const op: ConnectorOperation =
          identity.system.connector === 'postgres'
            ? { kind: 'terminate_sessions', target: identity.system.target, ref: action.id, params: { startedBefore: new Date(this.now() - max * 1000).toISOString() } }
            : identity.system.connector === 'webhook'
              ? { kind: 'shorten_session_lifetime', target: identity.system.target, ref: action.id, params: { maxLifetimeSeconds: max } }
              : refuse(`the ${identity.system.connector} connector has no session lifetime to shorten for ${identity.id}; nothing was changed`);
        const { operations, evidence } = await run(system, [op]);
        return { result: { ...base, operations }, evidence };
      }
      default:
        return refuse(`the identity connector cannot carry out ${action.type}`);
    }
  }

  async verify(action: ActionRecord): Promise<VerifyOutcome> {
    const stored = action.result?.result as IdentityActionResult | undefined;
    if (!stored?.operations) return { satisfied: false, evidence: { reason: `action ${action.id} has no recorded execution to read back` } };
    const system = this.options.systems[stored.system];
    if (!system) return { satisfied: false, evidence: { reason: `no ${stored.system} connector is configured to read ${stored.target} back` } };
    const checks: Evidence[] = [];
    if (action.type === 'rotate_secret' && stored.retirement === 'scheduled') {
      const state = await this.options.retirement?.(action.id);
      if (!state || state.status !== 'retired' || !state.retireResult) {
        return {
          satisfied: false,
          evidence: { reason: `the old secret stays valid until it is retired (grace period ends ${new Date(state?.graceEndsAt ?? 0).toISOString()}); status ${state?.status ?? 'unknown'}` },
        };
      }
      // The rotation is read back through its retirement: the new secret is the only one left.
      if (stored.system === 'postgres') checks.push(await system.verify(stored.operations[0]!.op, stored.operations[0]!.result));
      for (const recorded of state.retireResult.result.operations) checks.push(await system.verify(recorded.op, recorded.result));
    } else {
      for (const recorded of stored.operations) checks.push(await system.verify(recorded.op, recorded.result));
    }
    return { satisfied: checks.length > 0 && checks.every((e) => e.ok), evidence: combine(checks) };
  }

  async undo(original: ActionRecord, _grant: Grant, rollback: ActionRecord): Promise<ExecutionOutcome> {
    const stored = original.result?.result as IdentityActionResult | undefined;
    if ((original.type !== 'disable_account' && original.type !== 'enable_account') || !stored?.operations?.[0]) {
      return refuse(`${original.type} on ${original.target.id} cannot be undone by the identity connector`);
    }
    const system = this.system(stored.system, stored.identity);
    const recorded = stored.operations[0];
    const out = (await system.undo({ ...recorded.op, ref: rollback.id }, recorded.result)) as ExecuteOutcome<unknown>;
    const op = { ...recorded.op, kind: INVERSE[recorded.op.kind] ?? recorded.op.kind, ref: rollback.id };
    return {
      result: { identity: stored.identity, system: stored.system, target: stored.target, operations: [{ op, result: out.result }] } satisfies IdentityActionResult,
      evidence: combine([out.evidence]),
      undo: { identity: stored.identity },
    };
  }

  /**
   * The second half of a coordinated rotation: every secret but the new one stops working
   * (Redis: the other ACL passwords are removed and the user's connections killed, so
   * dependents reconnect with the new one; PostgreSQL: sessions opened before the rotation
   * end). Runs under a grant the kernel issued for the rotation action, redeemed here.
   */
  async retire(action: ActionRecord, grant: Grant): Promise<{ result: IdentityActionResult; evidence: Record<string, unknown> }> {
    await this.options.grants.redeem(grant.token, { actionId: action.id, actionHash: action.actionHash, target: targetKey(action) }, this.name);
    const stored = action.result?.result as IdentityActionResult | undefined;
    const rotation = stored?.operations?.[0];
    if (!stored || !rotation) return refuse(`action ${action.id} recorded no rotation to retire`);
    const system = this.system(stored.system, stored.identity);
    const holder = { id: stored.identity, system: { connector: stored.system, target: stored.target } } as Identity;
    let op = retireOperationFor(holder, rotation.result as PostgresRoleResult | RedisAclResult, action.id);
    if (stored.system === 'redis') op = { ...op, params: { ...op.params, endSessions: true } };
    const { operations, evidence } = await run(system, [op]);
    await this.options.store.transaction((trx) =>
      this.options.identities.recordRotation(trx, stored.identity, { removeFingerprints: stored.previousFingerprints ?? [], at: this.now(), actor: `connector:${this.name}` }),
    );
    return { result: { identity: stored.identity, system: stored.system, target: stored.target, operations }, evidence };
  }

  private async rotate(action: ActionRecord, identity: Identity, system: IdentitySystem, base: Pick<IdentityActionResult, 'identity' | 'system' | 'target'>): Promise<ExecutionOutcome> {
    const grace = Number(action.params.gracePeriodSeconds ?? 0);
    const retirable = identity.system.connector === 'postgres' || identity.system.connector === 'redis';
    let op = route(action, identity);
    // Without a grace period the old secret dies now, and so do connections opened with it.
    if (grace === 0 && identity.system.connector === 'redis') op = { ...op, params: { ...op.params, endSessions: true } };
    // The rotation and its hand-over to the sink happen once per action: a re-run after a
    // crash finds them in the journal instead of issuing (and orphaning) a second secret.
    const issued = await this.options.journal.remember(action.id, 'rotation', async () => {
      // A secret nobody can receive is an outage: make sure the sink can take it before rotating.
      await this.options.sink.check?.();
      const out = (await system.execute(op)) as ExecuteOutcome<unknown>;
      let delivery: SecretReceipt | undefined;
      if (out.newSecret) {
        const fingerprint = out.newSecret.fingerprint;
        try {
          delivery = await this.options.sink.put({ identityId: identity.id, actionId: action.id, caseId: action.caseId, fingerprint }, out.newSecret);
        } catch (error) {
          const old = grace > 0 ? 'the old secret still works for now' : 'the old secret no longer works';
          throw new WritError('WRIT_CONNECTOR_FAILED', `${identity.id} was rotated (new secret ${fingerprint}) but the ${this.options.sink.name} secret sink could not store it (${(error as Error).message}); ${old}; rotate again once the sink works`, {
            retryable: false,
            details: { identity: identity.id, applied: true, newSecretFingerprint: fingerprint },
          });
        }
      }
      return { result: out.result, evidence: out.evidence, newSecretFingerprint: out.newSecret?.fingerprint ?? null, delivery: delivery ?? null };
    });
    const operations: RecordedOperation[] = [{ op, result: issued.result }];
    const evidence: Evidence[] = [issued.evidence];
    const delivery = issued.delivery ?? undefined;
    const newFingerprint = issued.newSecretFingerprint ?? undefined;
    // On a re-run the inventory may already list the new secret: it is not a previous one.
    const previous = identity.secretFingerprints.filter((fp) => fp !== newFingerprint);
    const at = this.now();
    if (grace === 0 && identity.system.connector === 'postgres') {
      const retire = retireOperationFor(identity, issued.result as PostgresRoleResult, action.id);
      const ended = (await system.execute(retire)) as ExecuteOutcome<unknown>;
      operations.push({ op: retire, result: ended.result });
      evidence.push(ended.evidence);
    }
    const scheduled = grace > 0 && retirable;
    await this.options.store.transaction((trx) =>
      this.options.identities.recordRotation(trx, identity.id, {
        ...(newFingerprint ? { addFingerprint: newFingerprint } : {}),
        removeFingerprints: scheduled ? [] : previous,
        at,
        actor: `connector:${this.name}`,
      }),
    );
    if (scheduled) await this.options.onGracePeriod?.(action, at + grace * 1000);
    const result: IdentityActionResult = {
      ...base,
      operations,
      ...(newFingerprint ? { newSecretFingerprint: newFingerprint } : {}),
      ...(delivery ? { delivery } : {}),
      previousFingerprints: previous,
      gracePeriodSeconds: grace,
      retirement: scheduled ? 'scheduled' : retirable ? 'done' : 'none',
    };
    return { result: { ...result }, evidence: combine(evidence) };
  }

  /** Disable, then destroy the secret: nothing that held it can come back, even if login is re-enabled. */
  private revokeOperations(action: ActionRecord, identity: Identity): ConnectorOperation[] {
    const target = identity.system.target;
    switch (identity.system.connector) {
      case 'postgres':
        return [route(action, identity), { kind: 'rotate_password', target, ref: action.id }];
      case 'redis':
        return [route(action, identity), { kind: 'reset_passwords', target, ref: action.id }];
      default:
        return [route(action, identity)];
    }
  }

  private async identityOf(action: ActionRecord): Promise<Identity> {
    const id = String(action.params.identity ?? '');
    if (action.target.type !== 'identity' || action.target.id !== id) {
      return refuse(`action ${action.id} targets ${action.target.type}:${action.target.id} but names identity ${id}; nothing was changed`);
    }
    const record = await this.options.identities.record(id);
    if (!record) throw new WritError('WRIT_NOT_FOUND', `identity ${id} is not in the inventory; nothing was changed`, { retryable: false });
    if (record.deletedAt !== null) {
      throw new WritError('WRIT_NOT_FOUND', `identity ${id} no longer exists: it was removed from the inventory at ${new Date(record.deletedAt).toISOString()} (${record.deletedReason ?? 'no reason given'}); nothing was changed`, {
        retryable: false,
      });
    }
    return record.identity;
  }

  private system(name: string, identityId: string): IdentitySystem {
    const system = this.options.systems[name];
    if (!system) return refuse(`no ${name} connector is configured, so ${identityId} cannot be acted on; nothing was changed`);
    return system;
  }
}

function route(action: ActionRecord, identity: Identity): ConnectorOperation {
  return operationFor({ action: action.type as PlanAction, params: action.params }, identity, action.id);
}

/** Runs operations in order; the first failure stops the rest and propagates (the kernel retries or fails the action). */
async function run(system: IdentitySystem, ops: readonly ConnectorOperation[]): Promise<{ operations: RecordedOperation[]; evidence: Record<string, unknown> }> {
  const operations: RecordedOperation[] = [];
  const evidence: Evidence[] = [];
  for (const op of ops) {
    const out = (await system.execute(op)) as ExecuteOutcome<unknown>;
    // A revoke's throwaway secret is taken and dropped: nobody ever receives it.
    out.newSecret?.take();
    operations.push({ op, result: out.result });
    evidence.push(out.evidence);
  }
  return { operations, evidence: combine(evidence) };
}

function combine(items: readonly Evidence[]): Record<string, unknown> {
  return { ok: items.length > 0 && items.every((e) => e.ok), readBack: items };
}

function refuse(message: string): never {
  throw new WritError('WRIT_CONNECTOR_REFUSED', message, { retryable: false });
}
