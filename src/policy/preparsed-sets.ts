import { createHash } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import { canonicalize } from '../ledger/canonical-json.ts';
import { cedar, describeCedarError, type PolicyJson } from './cedar.ts';

/**
 * Reference-counted policy sets pre-parsed inside cedar-wasm.
 *
 * cedar-wasm keeps pre-parsed sets in its own (thread-local) memory under a name and has no
 * call to drop one. Naming a set by the hash of its content lets engines and versions that
 * share a slice share its memory; when the last user releases it, the name is overwritten
 * with an empty set, which frees the parsed policies.
 */
const users = new Map<string, number>();

/** Pre-parses (once) and returns the name to evaluate against. */
export function acquireSet(policies: Readonly<Record<string, PolicyJson>>): string {
  const name = `writ:${createHash('sha256').update(canonicalize(policies), 'utf8').digest('hex')}`;
  const count = users.get(name) ?? 0;
  if (count === 0) {
    const answer = cedar.preparsePolicySet(name, { staticPolicies: { ...policies } });
    if (answer.type === 'failure') {
      throw new WritError('WRIT_POLICY_INVALID', answer.errors.map((e) => describeCedarError(e)).join('; '));
    }
  }
  users.set(name, count + 1);
  return name;
}

export function releaseSet(name: string): void {
  const count = users.get(name) ?? 0;
  if (count > 1) {
    users.set(name, count - 1);
    return;
  }
  users.delete(name);
  cedar.preparsePolicySet(name, { staticPolicies: {} });
}

/** How many distinct sets are held: lets tests show that replaced sets are released. */
export function heldSetCount(): number {
  return users.size;
}
