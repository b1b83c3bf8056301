/**
 * Decision tiers, from least to most strict:
 * - `auto`: Writ executes now;
 * - `approve`: one human approves, then Writ executes;
 * - `dual`: two distinct humans (neither the requester) approve, then Writ executes;
 * - `suggest`: Writ does not execute; a human carries it out;
 * - `deny`: nobody does it.
 */
export const DECISIONS = ['auto', 'approve', 'dual', 'suggest', 'deny'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/** What a permit may grant (`@tier`). */
export const TIERS = ['auto', 'approve', 'dual', 'suggest'] as const;
export type Tier = (typeof TIERS)[number];

/** What a forbid may require at least (`@floor`); a forbid without a floor denies. */
export const FLOORS = ['approve', 'dual', 'suggest'] as const;
export type Floor = (typeof FLOORS)[number];

export function strictness(decision: DecisionKind): number {
  return DECISIONS.indexOf(decision);
}

export function stricter(a: DecisionKind, b: DecisionKind): DecisionKind {
  return strictness(a) >= strictness(b) ? a : b;
}

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

export function isFloor(value: unknown): value is Floor {
  return typeof value === 'string' && (FLOORS as readonly string[]).includes(value);
}
