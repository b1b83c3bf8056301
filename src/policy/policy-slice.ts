import type { PolicyInfo } from './policy-set.ts';

/**
 * Whether a policy's scope can match requests for this action and principal type.
 *
 * Cedar joins the scope to the conditions with `&&` and the scope itself never errors, so a
 * policy whose scope cannot match is neither satisfied nor erroring: leaving it out of the
 * evaluated set cannot change the decision. Anything this function cannot rule out is kept.
 */
export function scopeCanMatch(
  policy: PolicyInfo,
  action: string,
  ancestors: ReadonlySet<string>,
  principalType: string,
): boolean {
  return actionCanMatch(policy, action, ancestors) && principalCanMatch(policy, principalType);
}

function actionCanMatch(policy: PolicyInfo, action: string, ancestors: ReadonlySet<string>): boolean {
  const scope = policy.json.action;
  if (scope.op === 'All') return true;
  if (scope.op === '==') return 'entity' in scope ? entityId(scope.entity) === action : true;
  const targets = 'entities' in scope ? scope.entities : [scope.entity];
  // `in` is reflexive: an action is in itself and in every group above it.
  return targets.some((entity) => ancestors.has(entityId(entity)));
}

function principalCanMatch(policy: PolicyInfo, principalType: string): boolean {
  const scope = policy.json.principal;
  if (scope.op === 'is') return scope.entity_type === principalType;
  if (scope.op === '==' && 'entity' in scope) return entityType(scope.entity) === principalType;
  // `All`, and `in` (membership may cross types), can match any principal.
  return true;
}

type EntityRef = { __entity: { type: string; id: string } } | { type: string; id: string };

function entityId(entity: EntityRef): string {
  return '__entity' in entity ? entity.__entity.id : entity.id;
}

function entityType(entity: EntityRef): string {
  return '__entity' in entity ? entity.__entity.type : entity.type;
}
