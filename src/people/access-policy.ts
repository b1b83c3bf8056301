import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { WritError } from '../errors/index.ts';
import type { Role } from './roles.ts';

/** The shipped API access policies and their schema. */
export const API_POLICY_DIR = fileURLToPath(new URL('../../policies/api', import.meta.url));

export interface AccessRequest {
  /** `Person` for someone signed in, `Automation` for an API token. */
  type: 'Person' | 'Automation';
  id: string;
  roles: readonly Role[];
  /** The route's action, e.g. `case.read`. */
  action: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** The policies that permitted it, or the forbids that refused it. */
  policies: string[];
}

/**
 * Authorises API requests with Cedar. The policy set is validated against its schema
 * (strict) and pre-parsed once; each request is then one evaluation against the
 * pre-parsed set, with the caller as an entity carrying its roles.
 */
export class AccessPolicy {
  /** Every route action the schema declares (not the groups). */
  readonly actions: ReadonlySet<string>;
  readonly #setName: string;
  readonly #actionParents: ReadonlyMap<string, Array<{ type: string; id: string }>>;
  /**
   * Decisions by (principal type, roles, action): the only inputs the policies can see, so a
   * remembered answer is the answer Cedar would give again. Bounded by the role combinations.
   */
  readonly #decided = new Map<string, AccessDecision>();

  private constructor(setName: string, parents: Map<string, Array<{ type: string; id: string }>>, actions: Set<string>) {
    this.#setName = setName;
    this.#actionParents = parents;
    this.actions = actions;
  }

  /**
   * Reads `DIR/*.cedar` and `DIR/api.cedarschema`.
   * @throws WritError WRIT_POLICY_INVALID with Cedar's messages when the set does not validate
   */
  static load(dir: string = API_POLICY_DIR): AccessPolicy {
    const schema = readFileSync(join(dir, 'api.cedarschema'), 'utf8');
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.cedar'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    return AccessPolicy.fromSources(schema, text);
  }

  static fromSources(schema: string, text: string): AccessPolicy {
    const fail = (errors: Array<{ message: string }>) => new WritError('WRIT_POLICY_INVALID', `API access policies: ${errors.map((e) => e.message).join('; ')}`);
    const parts = cedar.policySetTextToParts(text);
    if (parts.type === 'failure') throw fail(parts.errors);
    const policies: Record<string, string> = {};
    for (const source of parts.policies) {
      const json = cedar.policyToJson(source);
      if (json.type === 'failure') throw fail(json.errors);
      const id = json.json.annotations?.id;
      if (!id || policies[id] !== undefined) throw fail([{ message: `every policy needs a unique @id (found ${id ?? 'none'})` }]);
      policies[id] = source;
    }
    const validation = cedar.validate({ schema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
    if (validation.type === 'failure') throw fail(validation.errors);
    if (validation.validationErrors.length > 0) throw fail(validation.validationErrors.map((e) => ({ message: `${e.policyId}: ${e.error.message}` })));
    const json = cedar.schemaToJson(schema);
    if (json.type === 'failure') throw fail(json.errors);
    const declared = json.json['']?.actions ?? {};
    const parents = new Map<string, Array<{ type: string; id: string }>>();
    const actions = new Set<string>();
    for (const [name, action] of Object.entries(declared)) {
      parents.set(name, (action.memberOf ?? []).map((m) => ({ type: 'Action', id: m.id })));
      if ((action.appliesTo?.principalTypes?.length ?? 0) > 0) actions.add(name);
    }
    const name = `writ-api:${createHash('sha256').update(JSON.stringify(policies)).digest('hex')}`;
    const parsed = cedar.preparsePolicySet(name, { staticPolicies: policies });
    if (parsed.type === 'failure') throw fail(parsed.errors);
    return new AccessPolicy(name, parents, actions);
  }

  decide(request: AccessRequest): AccessDecision {
    const key = `${request.type}\u0000${[...request.roles].sort().join(',')}\u0000${request.action}`;
    const known = this.#decided.get(key);
    if (known) return known;
    const decision = this.evaluate(request);
    if (this.#decided.size > 10_000) this.#decided.clear();
    this.#decided.set(key, decision);
    return decision;
  }

  /** One Cedar evaluation against the pre-parsed set. */
  evaluate(request: AccessRequest): AccessDecision {
    const parents = this.#actionParents.get(request.action);
    if (!parents || !this.actions.has(request.action)) throw new WritError('WRIT_INTERNAL', `the API access schema has no action "${request.action}"`);
    const principal = { type: request.type, id: request.id };
    const answer = cedar.statefulIsAuthorized({
      principal,
      action: { type: 'Action', id: request.action },
      resource: { type: 'Api', id: 'v1' },
      context: {},
      entities: [
        { uid: principal, attrs: { roles: [...request.roles] }, parents: [] },
        { uid: { type: 'Action', id: request.action }, attrs: {}, parents },
      ],
      preparsedPolicySetId: this.#setName,
    });
    if (answer.type === 'failure') throw new WritError('WRIT_INTERNAL', `access evaluation failed: ${answer.errors.map((e) => e.message).join('; ')}`);
    return Object.freeze({ allowed: answer.response.decision === 'allow', policies: Object.freeze([...answer.response.diagnostics.reason].sort()) as string[] });
  }
}
