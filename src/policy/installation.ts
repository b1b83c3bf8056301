import { WritError } from '../errors/index.ts';
import { cedar, describeCedarError, type EntityJson, type PolicyJson } from './cedar.ts';
import type { CompiledPolicySet, PolicyInfo } from './policy-set.ts';
import { compileProgram, EvaluationError, type EntityValue, type PolicyProgram, type ProgramEnv } from './policy-program.ts';
import { scopeCanMatch } from './policy-slice.ts';
import { acquireSet, releaseSet } from './preparsed-sets.ts';
import { PRINCIPAL_TYPES } from './request.ts';
import type { Match } from './tiering.ts';

/*
 * An installed policy set, cut into slices (the policies one action and principal type can
 * meet, per tenant overlay), and the evaluation of a slice: simple policies by their compiled
 * programs, the rest by cedar-wasm over a pre-parsed set.
 */

/** Request type names to Cedar entity types. */
export const CEDAR_TYPE: Record<string, string> = {
  workflow: 'Workflow',
  advisor: 'Advisor',
  agent: 'Agent',
  user: 'User',
  message: 'Message',
  campaign: 'Campaign',
  identity: 'Identity',
  host: 'Host',
  case: 'Case',
  tenant: 'Tenant',
};

/**
 * Attributes of the principal from Writ's own directory (the playbook registry, the user
 * list). The decision request carries none; policies see them only when given here.
 */
export interface PrincipalFacts {
  /** The catalogue actions a workflow or agent may propose. */
  actions?: readonly string[];
  roles?: readonly string[];
}

/** The policies one kind of request can meet, split by who evaluates them. */
export interface Slice {
  programs: Array<{ policy: PolicyInfo; program: PolicyProgram }>;
  /** Pre-parsed set of the policies left to Cedar; null when there are none. */
  cedar: string | null;
  /** Every policy of the slice, for when the fast path declines a request. */
  all: Record<string, PolicyJson>;
  allName?: string | null;
}

/** One installed policy set and the slices made from it so far. */
export class Installation {
  readonly byId: ReadonlyMap<string, PolicyInfo>;
  readonly #rank: ReadonlyMap<PolicyInfo, number>;
  readonly #slices = new Map<string, Slice>();
  readonly #actionEntity = new Map<string, EntityJson>();
  readonly #rewritten = new Map<string, PolicyJson>();
  readonly #programs = new Map<string, PolicyProgram | null>();

  constructor(
    readonly set: CompiledPolicySet,
    readonly slicing: boolean,
    readonly fastPath: boolean,
    /** Names of the pre-parsed sets this installation holds; shared with the finalizer. */
    readonly held: string[],
  ) {
    this.byId = new Map(set.policies.map((p) => [p.id, p]));
    this.#rank = new Map(set.policies.map((p, i) => [p, i]));
    for (const policy of set.policies) {
      // Forbids evaluated as permits, so Cedar reports every satisfied policy (see tiering.ts).
      this.#rewritten.set(policy.id, { ...policy.json, effect: 'permit' });
      this.#programs.set(policy.id, fastPath ? compileProgram(policy.json) : null);
    }
    for (const [action, ancestors] of set.actionAncestors) {
      const parents = [...ancestors].filter((a) => a !== action).map((id) => ({ type: 'Action', id }));
      this.#actionEntity.set(action, { uid: { type: 'Action', id: action }, attrs: {}, parents });
    }
  }

  /** Position in the set (file order). */
  rank(policy: PolicyInfo): number {
    return this.#rank.get(policy) ?? 0;
  }

  actionEntity(action: string): EntityJson {
    const entity = this.#actionEntity.get(action);
    if (entity === undefined) throw new WritError('WRIT_ACTION_UNKNOWN', `the policy schema has no action "${action}"`);
    return entity;
  }

  slice(overlay: string | null, action: string, principal: string): Slice {
    const key = this.slicing ? `${overlay ?? ''}\u0000${action}\u0000${principal}` : overlay ?? '';
    const cached = this.#slices.get(key);
    if (cached !== undefined) return cached;
    const ancestors = this.set.actionAncestors.get(action) ?? new Set([action]);
    const slice: Slice = { programs: [], cedar: null, all: {} };
    const left: Record<string, PolicyJson> = {};
    for (const policy of this.set.policies) {
      if (policy.tenant !== null && policy.tenant !== overlay) continue;
      if (this.slicing && !scopeCanMatch(policy, action, ancestors, principal)) continue;
      const rewritten = this.#rewritten.get(policy.id) ?? policy.json;
      slice.all[policy.id] = rewritten;
      const program = this.#programs.get(policy.id) ?? null;
      if (program === null) left[policy.id] = rewritten;
      else slice.programs.push({ policy, program });
    }
    slice.cedar = this.#acquire(left);
    this.#slices.set(key, slice);
    return slice;
  }

  /** The pre-parsed set holding the whole slice (made on first need). */
  whole(slice: Slice): string | null {
    if (slice.allName === undefined) slice.allName = this.#acquire(slice.all);
    return slice.allName;
  }

  #acquire(policies: Record<string, PolicyJson>): string | null {
    if (Object.keys(policies).length === 0) return null;
    const name = acquireSet(policies);
    this.held.push(name);
    return name;
  }

  warm(): void {
    for (const overlay of [null, ...this.set.tenants]) {
      for (const action of this.set.actionAncestors.keys()) {
        for (const type of PRINCIPAL_TYPES) this.slice(overlay, action, CEDAR_TYPE[type] ?? type);
      }
    }
  }

  release(): void {
    for (const name of this.held.splice(0)) releaseSet(name);
  }
}

export interface Evaluation {
  principal: { type: string; id: string };
  action: string;
  resource: { type: string; id: string };
  context: Record<string, string | number | boolean>;
  facts: PrincipalFacts | undefined;
}

export function runPrograms(slice: Slice, installation: Installation, call: Evaluation): Match[] {
  if (slice.programs.length === 0) return [];
  const env: ProgramEnv = {
    principal: call.principal,
    action: call.action,
    ancestors: installation.set.actionAncestors.get(call.action) ?? new Set([call.action]),
    resource: call.resource,
    context: call.context,
    principalAttrs: call.facts === undefined ? undefined : principalAttrs(call.facts),
  };
  const matches: Match[] = [];
  for (const { policy, program } of slice.programs) {
    try {
      if (program(env)) matches.push({ policy });
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      matches.push({ policy, error: error.message });
    }
  }
  return matches;
}

export function evaluateInCedar(installation: Installation, setName: string, call: Evaluation): Match[] {
  const entities: EntityJson[] = [installation.actionEntity(call.action)];
  if (call.facts !== undefined) {
    entities.push({ uid: call.principal, attrs: cedarPrincipalAttrs(call.facts), parents: [] });
  }
  const answer = cedar.statefulIsAuthorized({
    principal: call.principal,
    action: { type: 'Action', id: call.action },
    resource: call.resource,
    context: call.context,
    entities,
    preparsedPolicySetId: setName,
  });
  if (answer.type === 'failure') {
    throw new WritError('WRIT_INTERNAL', `policy evaluation failed: ${answer.errors.map((e) => describeCedarError(e)).join('; ')}`);
  }
  const matches: Match[] = [];
  for (const id of answer.response.diagnostics.reason) {
    const policy = installation.byId.get(id);
    if (policy !== undefined) matches.push({ policy });
  }
  for (const { policyId, error } of answer.response.diagnostics.errors) {
    const policy = installation.byId.get(policyId);
    if (policy !== undefined) matches.push({ policy, error: error.message });
  }
  return matches;
}

/** The principal's attributes as the fast path reads them. */
function principalAttrs(facts: PrincipalFacts): Record<string, EntityValue[] | string[] | undefined> {
  return {
    actions: facts.actions?.map((id) => ({ type: 'Action', id })),
    roles: facts.roles === undefined ? undefined : [...facts.roles],
  };
}

/** The same attributes in Cedar's entity JSON (absent ones left out, entity references escaped). */
function cedarPrincipalAttrs(facts: PrincipalFacts): EntityJson['attrs'] {
  const attrs: EntityJson['attrs'] = {};
  if (facts.actions !== undefined) attrs.actions = facts.actions.map((id) => ({ __entity: { type: 'Action', id } }));
  if (facts.roles !== undefined) attrs.roles = [...facts.roles];
  return attrs;
}
