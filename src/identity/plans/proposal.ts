import type { IdentityClass } from '../inventory/identity-schema.ts';

/** Action catalogue names a plan may propose (the kernel's catalogue defines their parameters). */
export const PLAN_ACTIONS = [
  'revoke_token',
  'disable_account',
  'rotate_secret',
  'shorten_session_lifetime',
  'notify_external',
  'open_case',
] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** Actions that kill the credential outright. Never proposed while dependents remain. */
export const REVOKING_ACTIONS: ReadonlySet<PlanAction> = new Set(['revoke_token', 'disable_account']);

/**
 * Whether an action can be undone by the connector. Conservative: a revoked token or a
 * rotated secret cannot be brought back (the old secret is not retained); a disabled
 * account can be re-enabled.
 */
export const REVERSIBLE: Readonly<Record<PlanAction, boolean>> = {
  revoke_token: false,
  disable_account: true,
  rotate_secret: false,
  shorten_session_lifetime: true,
  notify_external: false,
  open_case: true,
};

/** Severity as the policy engine takes it (OCSF informational maps to low, fatal to critical). */
export type PolicySeverity = 'low' | 'medium' | 'high' | 'critical';

/**
 * What the policy engine sees about a proposal: a subset of its decision context
 * (src/policy/request.ts), with the same names, ranges and enumerations.
 */
export interface ProposalContext {
  /** Distinct dependents reachable from the identity: what breaks if it dies. */
  blast_radius: number;
  /** Direct dependents of the identity. */
  dependents: number;
  /** Null when no identity matched. */
  identity_class: IdentityClass | null;
  reversible: boolean;
  /** 0–1. */
  confidence: number;
  severity: PolicySeverity;
}

/** One proposed action, as handed to the policy engine. */
export interface Proposal {
  action: PlanAction;
  /** The identity acted on, or the case a case action opens (`new:<finding uid>`). */
  target: { type: 'identity' | 'case'; id: string };
  /** Parameters as the action catalogue (src/actions) defines them. */
  params: Record<string, unknown>;
  context: ProposalContext;
}

/**
 * - `owner_rotated`: the owner rotated the credential before the deadline (read back: a new
 *   fingerprint or rotation time in the inventory, or the connector's verify);
 * - `dependents_updated`: every dependent uses the new secret;
 * - `dependents_healthy`: every dependent is healthy on it.
 */
export type GateCheck = 'owner_rotated' | 'dependents_updated' | 'dependents_healthy';

export interface PlanStep {
  /** `s1`, `s2`, … unique within the plan. */
  id: string;
  /** An action to authorise and execute, or a gate: a check that must pass before what follows. */
  kind: 'action' | 'gate';
  proposal?: Proposal;
  gate?: { check: GateCheck; subjects: string[]; description: string; deadline?: string };
  /** Steps that must have completed (actions verified, gates passed) first. */
  after: string[];
  /** Do not run before this time (ISO 8601): the deadline of a staged plan. */
  notBefore?: string;
  /** Skip this step when that gate has passed (the owner rotated in time). */
  skipIfPassed?: string;
  /** `rotate_secret` only: retire the old secret only once these gates have passed. */
  retireOldAfter?: string[];
  /** The identity's class demands a human decision whatever the confidence (break-glass, DR, partner). */
  humanApproval: boolean;
}

export const PLAN_STRATEGIES = [
  'revoke_now',
  'staged',
  'coordinated_rotation',
  'rotate',
  'contain_and_investigate',
  'owner_less_case',
  'analyst_review',
  'no_action',
] as const;
export type PlanStrategy = (typeof PLAN_STRATEGIES)[number];

export interface ResponsePlan {
  strategy: PlanStrategy;
  identityId?: string;
  /** At least one step needs a human whatever policy would otherwise allow. */
  requiresHumanApproval: boolean;
  /** Why this plan, one reason per line, for the analyst and the ledger. */
  rationale: string[];
  steps: PlanStep[];
  /** The proposals of the action steps, in step order. */
  proposals: Proposal[];
}
