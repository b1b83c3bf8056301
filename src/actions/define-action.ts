import type { z } from 'zod';
import { WritError } from '../errors/index.ts';
import {
  raiseRisk,
  type ActionGroup,
  type ActionType,
  type BlastFacts,
  type Capability,
  type ReversibilityKind,
  type RiskClass,
  type TargetKind,
} from './action-type.ts';

type Domain = 'mail' | 'identity' | 'host' | 'case' | 'notification';

export interface ActionSpec<S extends z.ZodType<Record<string, unknown>>> {
  name: string;
  description: string;
  params: S;
  targets: readonly [TargetKind, ...TargetKind[]];
  capability: Capability;
  domain: Domain;
  disruptive: boolean;
  /** Undoes another action (restore, enable, release): policies can govern rollbacks as a group. */
  rollback?: boolean;
  /** `true`/`false`, or a predicate when it depends on the parameters. */
  reversible: boolean | ((params: z.infer<S>) => boolean);
  undo?: { action: string; params?: (params: z.infer<S>) => Record<string, unknown> };
  baseRisk: RiskClass;
  blastRadius: (params: z.infer<S>, facts: BlastFacts) => number | undefined;
}

/**
 * Builds an action type from its spec. Derived facts (groups, risk for given parameters)
 * are computed here once, so no two actions compute them differently.
 */
export function defineAction<S extends z.ZodType<Record<string, unknown>>>(spec: ActionSpec<S>): ActionType {
  const reversibility: ReversibilityKind =
    typeof spec.reversible === 'function' ? 'conditional' : spec.reversible ? 'reversible' : 'irreversible';
  const groups: ActionGroup[] = [spec.domain];
  if (spec.disruptive) groups.push('disruptive');
  if (reversibility === 'irreversible') groups.push('irreversible');
  if (spec.rollback === true) groups.push('rollback');

  const parse = (params: Record<string, unknown>): z.infer<S> => parseParams(spec.name, spec.params, params);
  const isReversible = (params: Record<string, unknown>): boolean => {
    const parsed = parse(params);
    return typeof spec.reversible === 'function' ? spec.reversible(parsed) : spec.reversible;
  };
  const undoParams = spec.undo?.params;

  return Object.freeze({
    name: spec.name,
    description: spec.description,
    params: spec.params,
    target: spec.targets[0],
    targets: Object.freeze([...spec.targets]) as unknown as readonly [TargetKind, ...TargetKind[]],
    capability: spec.capability,
    disruptive: spec.disruptive,
    groups: Object.freeze(groups),
    reversibility,
    undo:
      spec.undo === undefined
        ? null
        : Object.freeze({
            action: spec.undo.action,
            ...(undoParams === undefined ? {} : { params: (p: Record<string, unknown>) => undoParams(parse(p)) }),
          }),
    baseRisk: spec.baseRisk,
    isReversible,
    riskClass: (params: Record<string, unknown>) => (isReversible(params) ? spec.baseRisk : raiseRisk(spec.baseRisk)),
    blastRadius: (params: Record<string, unknown>, facts: BlastFacts = {}) => spec.blastRadius(parse(params), facts),
  });
}

/** Validates against a strict schema; the error names the first bad field in one line. */
export function parseParams<S extends z.ZodType<Record<string, unknown>>>(
  action: string,
  schema: S,
  params: unknown,
): z.infer<S> {
  const result = schema.safeParse(params);
  if (result.success) {
    // An optional field given as undefined is the same as one left out; JSON has no undefined.
    return Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined)) as z.infer<S>;
  }
  const issue = result.error.issues[0];
  const path = issue === undefined ? [] : issue.path.map(String);
  let field = ['params', ...path].join('.');
  let message = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') {
    field = [field, ...issue.keys.slice(0, 1)].join('.');
    message = 'unknown field';
  }
  throw new WritError('WRIT_ACTION_PARAMS_INVALID', `${action}: ${field}: ${message}`, {
    details: { action, field },
  });
}
