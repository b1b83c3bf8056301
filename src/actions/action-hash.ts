import { createHash } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import { canonicalize } from '../ledger/canonical-json.ts';
import type { TargetKind } from './action-type.ts';
import { getActionType, validateParams } from './catalogue.ts';

export interface ActionTarget {
  type: TargetKind;
  id: string;
}

/** What an approval and a grant are bound to: exactly this action, on this target, in this case. */
export interface ActionForHash {
  type: string;
  target: ActionTarget;
  params: unknown;
  caseId?: string;
}

/**
 * Hex SHA-256 of the RFC 8785 canonical JSON of `{type, target, params, caseId?}`.
 * The action is validated first: a hash of parameters nobody checked would let an
 * approval cover something no schema allows. Any change of parameter, target or case
 * changes the hash, which is what voids an approval.
 * @throws WritError WRIT_ACTION_UNKNOWN, WRIT_ACTION_PARAMS_INVALID
 */
export function canonicalActionHash(action: ActionForHash): string {
  const type = getActionType(action.type);
  const params = validateParams(type.name, action.params);
  const target = action.target as Partial<ActionTarget> | undefined;
  if (typeof target?.id !== 'string' || target.id.length === 0 || !type.targets.includes(target.type as TargetKind)) {
    throw new WritError(
      'WRIT_ACTION_PARAMS_INVALID',
      `${type.name}: target: expected {type: ${type.targets.join('|')}, id: non-empty string}`,
      { details: { action: type.name, field: 'target' } },
    );
  }
  if (action.caseId !== undefined && (typeof action.caseId !== 'string' || action.caseId.length === 0)) {
    throw new WritError('WRIT_ACTION_PARAMS_INVALID', `${type.name}: caseId: expected a non-empty string`, {
      details: { action: type.name, field: 'caseId' },
    });
  }
  const body = {
    type: type.name,
    target: { type: target.type, id: target.id },
    params,
    ...(action.caseId === undefined ? {} : { caseId: action.caseId }),
  };
  return createHash('sha256').update(canonicalize(body), 'utf8').digest('hex');
}
