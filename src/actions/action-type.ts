import type { z } from 'zod';

/** What kind of thing an action acts on; also the policy resource type. */
export const TARGET_KINDS = ['message', 'campaign', 'identity', 'host', 'case', 'tenant'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Ordered from least to most risky; comparisons use the index. */
export const RISK_CLASSES = ['low', 'medium', 'high', 'critical'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

/**
 * Groups an action belongs to. They become Cedar action groups, so a policy can say
 * `action in Action::"disruptive"` instead of listing actions.
 */
export const ACTION_GROUPS = [
  'mail',
  'identity',
  'host',
  'case',
  'notification',
  'disruptive',
  'irreversible',
  'rollback',
] as const;
export type ActionGroup = (typeof ACTION_GROUPS)[number];

/** The connector capability an executor needs to hold for the action. */
export type Capability =
  | 'mail.quarantine'
  | 'mail.purge'
  | 'mail.restore'
  | 'mail.block'
  | 'mail.notify'
  | 'identity.revoke'
  | 'identity.disable'
  | 'identity.enable'
  | 'identity.rotate'
  | 'identity.session'
  | 'host.isolate'
  | 'case.write'
  | 'evidence.export';

/**
 * Facts the caller knows about the target that the parameters do not carry.
 * Absent means unknown: a blast radius that needs it is then unknown too.
 */
export interface BlastFacts {
  /** How many things depend on the target identity or host. */
  dependents?: number;
  /** How many mailboxes the tenant's mail system serves (a block list reaches them all). */
  mailboxes?: number;
}

/**
 * - `reversible`: always has an undo;
 * - `irreversible`: never has one (a sent notification, a revoked token);
 * - `conditional`: depends on the parameters (a purge that quarantines can be undone, a delete cannot).
 */
export type ReversibilityKind = 'reversible' | 'irreversible' | 'conditional';

export interface UndoSpec {
  /** The catalogue action that undoes this one. */
  action: string;
  /**
   * The undo's parameters, when they follow from this action's own. Absent when only the
   * executor knows them (the previous queue, the previous session lifetime) and records them.
   */
  params?: (params: Record<string, unknown>) => Record<string, unknown>;
}

export interface ActionType {
  readonly name: string;
  readonly description: string;
  /** Strict: unknown keys are rejected, so a hash never covers fields nobody validated. */
  readonly params: z.ZodType<Record<string, unknown>>;
  /** The kind of target; the first of `targets`. */
  readonly target: TargetKind;
  /** Every target kind accepted (a reporter can be notified about a message or a case). */
  readonly targets: readonly [TargetKind, ...TargetKind[]];
  readonly capability: Capability;
  /** Changes a system other than Writ's own case records. */
  readonly disruptive: boolean;
  readonly groups: readonly ActionGroup[];
  readonly reversibility: ReversibilityKind;
  readonly undo: UndoSpec | null;
  /** Risk before irreversibility is taken into account. */
  readonly baseRisk: RiskClass;
  /** Whether these parameters can be undone. */
  isReversible(params: Record<string, unknown>): boolean;
  /** Risk for these parameters: an irreversible action ranks one class above its base. */
  riskClass(params: Record<string, unknown>): RiskClass;
  /**
   * How many mailboxes, systems or people the action touches. `undefined` when it depends on
   * a fact the caller did not give: leave `blast_radius` out of the policy context then, which
   * keeps the decision strict, rather than guessing low.
   */
  blastRadius(params: Record<string, unknown>, facts?: BlastFacts): number | undefined;
}

export function riskRank(risk: RiskClass): number {
  return RISK_CLASSES.indexOf(risk);
}

/** One class up, capped at critical. */
export function raiseRisk(risk: RiskClass): RiskClass {
  return RISK_CLASSES[Math.min(riskRank(risk) + 1, RISK_CLASSES.length - 1)] ?? 'critical';
}
