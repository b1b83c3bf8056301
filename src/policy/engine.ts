import { WritError } from '../errors/index.ts';
import { explainDecision } from './explain.ts';
import {
  CEDAR_TYPE,
  evaluateInCedar,
  Installation,
  runPrograms,
  type Evaluation,
  type PrincipalFacts,
} from './installation.ts';
import { compilePolicySet, type CompiledPolicySet, type PolicySources } from './policy-set.ts';
import { Unsupported } from './policy-program.ts';
import { releaseSet } from './preparsed-sets.ts';
import { normalizeRequest, PRINCIPAL_TYPES } from './request.ts';
import { computeTier, type Match } from './tiering.ts';
import type { DecisionKind } from './tiers.ts';

export type { PrincipalFacts };

export interface DecideOptions {
  principal?: PrincipalFacts;
}

export interface MatchedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  level: DecisionKind;
  /** Present when Cedar could not evaluate it (typically: it needs an unknown field). */
  error?: string;
}

export interface PolicyDecision {
  decision: DecisionKind;
  /** The permits that grant the decision and the forbids that raised it or deny it. */
  policies: string[];
  /** The version of the policy set that decided. */
  version: string;
  explanation: string;
  /** The tenant overlay that applied, or null when only the base did. */
  overlay: string | null;
  /** Context fields the request left unknown. */
  unknown: string[];
  /** Every policy that was satisfied or could not be evaluated, for the record. */
  matched: MatchedPolicy[];
}

export interface PolicyEngineOptions {
  /**
   * Evaluate only the policies whose scope can match the action and principal type (default).
   * `false` evaluates the tenant's whole set each time: slower, same decisions, kept so tests
   * can prove exactly that.
   */
  slicing?: boolean;
  /**
   * Evaluate simple policies in JS (policy-program.ts) and only the rest in Cedar (default).
   * `false` sends every policy to Cedar.
   */
  fastPath?: boolean;
}

const finalizer = new FinalizationRegistry<string[]>((held) => {
  for (const name of held.splice(0)) releaseSet(name);
});

/**
 * Decides proposed actions under one policy set at a time. `replace` swaps the set whole
 * or not at all; each decision names the version that made it.
 */
export class PolicyEngine {
  #current: Installation;
  readonly #slicing: boolean;
  readonly #fastPath: boolean;
  #closed = false;

  constructor(set: CompiledPolicySet, options: PolicyEngineOptions = {}) {
    this.#slicing = options.slicing ?? true;
    this.#fastPath = options.fastPath ?? true;
    this.#current = this.#install(set);
  }

  get version(): string {
    return this.#current.set.version;
  }

  get policySet(): CompiledPolicySet {
    return this.#current.set;
  }

  /**
   * Puts a new policy set in force. Sources are compiled (validated) first; if that or
   * pre-parsing fails, the error is thrown and the set in force stays.
   * @throws WritError WRIT_POLICY_INVALID
   */
  replace(next: CompiledPolicySet | PolicySources): void {
    if (this.#closed) throw new WritError('WRIT_INTERNAL', 'the policy engine is closed');
    const set = 'version' in next ? next : compilePolicySet(next);
    const installation = this.#install(set);
    const old = this.#current;
    this.#current = installation;
    finalizer.unregister(old);
    old.release();
  }

  /** Pre-parses every slice now rather than on first use (the first decision of each kind is slower). */
  warm(): void {
    this.#current.warm();
  }

  /** Frees the pre-parsed sets; the engine cannot decide afterwards. */
  close(): void {
    this.#closed = true;
    finalizer.unregister(this.#current);
    this.#current.release();
  }

  /**
   * Decides one request under the request tenant's effective set (base plus its overlay).
   * @throws WritError WRIT_INPUT_INVALID, WRIT_ACTION_UNKNOWN
   */
  decide(request: unknown, options: DecideOptions = {}): PolicyDecision {
    const tenant = (request as { tenant?: unknown } | null)?.tenant;
    const overlay = typeof tenant === 'string' && this.#current.set.tenants.includes(tenant) ? tenant : null;
    return this.decideIn(overlay, request, options);
  }

  /**
   * Decides as if only the base and the named overlay (null: the base alone) were in force,
   * whatever the request's tenant: how `writ policy drift` compares tenants.
   */
  decideIn(overlay: string | null, request: unknown, options: DecideOptions = {}): PolicyDecision {
    if (this.#closed) throw new WritError('WRIT_INTERNAL', 'the policy engine is closed');
    const installation = this.#current;
    if (overlay !== null && !installation.set.tenants.includes(overlay)) {
      throw new WritError('WRIT_INPUT_INVALID', `no policy overlay for tenant "${overlay}"`);
    }
    const { request: req, cedarContext, unknown } = normalizeRequest(request);
    const principalType = CEDAR_TYPE[req.principal.type] ?? req.principal.type;
    const slice = installation.slice(overlay, req.action, principalType);
    const call: Evaluation = {
      principal: { type: principalType, id: req.principal.id },
      action: req.action,
      resource: { type: CEDAR_TYPE[req.resource.type] ?? req.resource.type, id: req.resource.id },
      context: cedarContext,
      facts: options.principal,
    };
    let matches: Match[];
    try {
      matches = runPrograms(slice, installation, call);
      if (slice.cedar !== null) matches.push(...evaluateInCedar(installation, slice.cedar, call));
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      const whole = installation.whole(slice);
      matches = whole === null ? [] : evaluateInCedar(installation, whole, call);
    }
    // File order reads better in the record and the explanation than evaluation order.
    matches.sort((a, b) => installation.rank(a.policy) - installation.rank(b.policy));
    const tiering = computeTier(matches);
    return {
      decision: tiering.decision,
      policies: tiering.determining.map((p) => p.id),
      version: installation.set.version,
      explanation: explainDecision(req, tiering, matches, unknown),
      overlay,
      unknown,
      matched: matches.map(({ policy, error }) => ({
        id: policy.id,
        effect: policy.effect,
        level: policy.level,
        ...(error === undefined ? {} : { error }),
      })),
    };
  }

  #install(set: CompiledPolicySet): Installation {
    const held: string[] = [];
    const installation = new Installation(set, this.#slicing, this.#fastPath, held);
    try {
      // Build the base slices now: the first decisions are not slowed, and a set cedar-wasm
      // cannot pre-parse is refused here, before it is in force.
      for (const action of set.actionAncestors.keys()) {
        for (const type of PRINCIPAL_TYPES) installation.slice(null, action, CEDAR_TYPE[type] ?? type);
      }
    } catch (error) {
      installation.release();
      throw error;
    }
    finalizer.register(this, held, installation);
    return installation;
  }
}
