import type { PolicyInfo } from './policy-set.ts';
import { strictness, stricter, type DecisionKind } from './tiers.ts';

/**
 * # Tiering: from Cedar's allow/deny to auto | approve | dual | suggest | deny
 *
 * A permit carries `@tier(t)`: the least strict tier it grants (it grants every stricter
 * tier too). A forbid carries `@floor(f)`: it excludes every tier less strict than f;
 * a forbid without a floor excludes everything (deny).
 *
 * The decision is the least strict tier that some satisfied permit grants and no applying
 * forbid excludes, i.e. `max(min tier of satisfied permits, max floor of applying forbids)`,
 * with `deny` when no permit is satisfied (default deny) or a floorless forbid applies
 * (forbid wins).
 *
 * One Cedar evaluation gives everything: the engine evaluates a copy of the set in which
 * every forbid is rewritten as a permit under the same id, so Cedar's `reason` lists every
 * satisfied policy of either effect and `errors` every policy that failed, by id. (Evaluated
 * as written, a satisfied forbid would hide the satisfied permits.)
 *
 * Unknown context is kept strict: an unknown field is absent from the Cedar context, so a
 * policy that needs it errors. An erroring forbid counts as applying (its floor holds), and
 * an erroring permit grants nothing. A policy that evaluates without error never read an
 * unknown field, so it behaves the same for every value the field could take; the decision
 * is therefore at least as strict as the one for any completion of the context.
 */
export interface Match {
  policy: PolicyInfo;
  /** Cedar's message when the policy could not be evaluated. */
  error?: string;
}

export interface Tiering {
  decision: DecisionKind;
  /**
   * The permits granting the least strict tier, and the forbids whose floor is the decision
   * (each alone holds it at that tier); for a deny, the floorless forbids that apply.
   */
  determining: PolicyInfo[];
  /** The least strict tier granted by permits, before forbids; `deny` when none. */
  granted: DecisionKind;
}

export function computeTier(matches: readonly Match[]): Tiering {
  let granted: DecisionKind = 'deny';
  let floor: DecisionKind = 'auto';
  for (const { policy, error } of matches) {
    if (policy.effect === 'permit') {
      if (error === undefined && strictness(policy.level) < strictness(granted)) granted = policy.level;
    } else {
      floor = stricter(floor, policy.level);
    }
  }
  const decision = stricter(granted, floor);
  const applying = matches.map((m) => m.policy).filter((p) => p.effect === 'forbid');
  if (decision === 'deny') {
    // Cite the floorless forbids; a default deny (no permit satisfied) has no policy to cite.
    return { decision, determining: applying.filter((p) => p.level === 'deny'), granted };
  }
  const permits = matches
    .filter((m) => m.policy.effect === 'permit' && m.error === undefined && m.policy.level === granted)
    .map((m) => m.policy);
  // A forbid whose floor is the decision holds it there on its own, whatever permits grant.
  const holding = decision === 'auto' ? [] : applying.filter((p) => p.level === decision);
  return { decision, determining: [...permits, ...holding], granted };
}
