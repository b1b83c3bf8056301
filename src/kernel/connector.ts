import type { Capability } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';
import type { GrantService } from './grants.ts';

/** An action as a connector sees it: validated, hashed, approved where needed. */
export interface ActionRecord {
  id: string;
  caseId: string | null;
  tenant: string;
  type: string;
  target: { type: string; id: string };
  params: Record<string, unknown>;
  actionHash: string;
  /** Undo parameters recorded when this action executed (for rollback). */
  undo: Record<string, unknown> | null;
  /** What the connector returned when this action executed, if it has. */
  result: { result: Record<string, unknown>; evidence: Record<string, unknown> } | null;
}

export interface ExecutionOutcome {
  /** What happened, for the record. Never secret values. */
  result: Record<string, unknown>;
  /** What the connector read back or observed to show it. */
  evidence: Record<string, unknown>;
  /** How to undo it, if it can be undone: parameters for the undo action. */
  undo?: Record<string, unknown>;
}

export interface VerifyOutcome {
  /** True when reading the system back shows the action's effect holds. */
  satisfied: boolean;
  evidence: Record<string, unknown>;
}

/** A grant handed to a connector: the signed token; the connector redeems it before acting. */
export interface Grant {
  token: string;
}

/**
 * The executor's contract with every system Writ acts on. Implementations must be
 * idempotent per action id: the executor may call again after a crash.
 */
export interface Connector {
  readonly name: string;
  readonly capabilities: readonly Capability[];
  execute(action: ActionRecord, grant: Grant): Promise<ExecutionOutcome>;
  verify(action: ActionRecord): Promise<VerifyOutcome>;
  /** Reverses `action` (which executed earlier); the grant is the rollback action's own. */
  undo(action: ActionRecord, grant: Grant, rollback: ActionRecord): Promise<ExecutionOutcome>;
}

/**
 * Holds the connectors and hands out only guarded ones: every `execute` and `undo` first
 * redeems its grant (signature, scope, expiry, single use), so no connector acts without one.
 */
export class ConnectorRegistry {
  private readonly byCapability = new Map<Capability, Connector>();

  constructor(private readonly grants: GrantService) {}

  register(connector: Connector): void {
    const guarded = guard(connector, this.grants);
    for (const capability of connector.capabilities) this.byCapability.set(capability, guarded);
  }

  for(capability: Capability): Connector {
    const connector = this.byCapability.get(capability);
    if (!connector) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `no connector is configured for ${capability}`, { retryable: false });
    }
    return connector;
  }

  has(capability: Capability): boolean {
    return this.byCapability.has(capability);
  }
}

function guard(inner: Connector, grants: GrantService): Connector {
  const redeem = (grant: Grant | undefined, scoped: ActionRecord) => {
    return grants.redeem(typeof grant?.token === 'string' ? grant.token : '', { actionId: scoped.id, actionHash: scoped.actionHash, target: targetKey(scoped) }, inner.name);
  };
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    async execute(action, grant) {
      await redeem(grant, action);
      return inner.execute(action, grant);
    },
    verify: (action) => inner.verify(action),
    async undo(action, grant, rollback) {
      await redeem(grant, rollback);
      return inner.undo(action, grant, rollback);
    },
  };
}

/** How a grant names its target. */
export function targetKey(action: { target: { type: string; id: string } }): string {
  return `${action.target.type}:${action.target.id}`;
}
