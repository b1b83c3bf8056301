import { WritError } from '../errors/index.ts';
import type { ActionType, BlastFacts } from './action-type.ts';
import { closeCase, exportEvidence, openCase, reopenCase, routeCase } from './case-actions.ts';
import { parseParams } from './define-action.ts';
import { isolateHost, releaseHost } from './host-actions.ts';
import {
  disableAccount,
  enableAccount,
  restoreSessionLifetime,
  revokeToken,
  rotateSecret,
  shortenSessionLifetime,
} from './identity-actions.ts';
import {
  blockIndicator,
  notifyExternal,
  notifyReporter,
  purgeCampaign,
  quarantineMessage,
  restoreCampaign,
  restoreMessage,
  unblockIndicator,
} from './mail-actions.ts';

const ALL: readonly ActionType[] = [
  quarantineMessage,
  restoreMessage,
  purgeCampaign,
  restoreCampaign,
  blockIndicator,
  unblockIndicator,
  notifyReporter,
  notifyExternal,
  revokeToken,
  disableAccount,
  enableAccount,
  rotateSecret,
  shortenSessionLifetime,
  restoreSessionLifetime,
  isolateHost,
  releaseHost,
  openCase,
  routeCase,
  closeCase,
  reopenCase,
  exportEvidence,
];

const BY_NAME: ReadonlyMap<string, ActionType> = new Map(ALL.map((a) => [a.name, a]));

/** The names of every action type, in catalogue order. */
export const ACTION_NAMES: readonly string[] = Object.freeze(ALL.map((a) => a.name));

export function listActionTypes(): readonly ActionType[] {
  return ALL;
}

export function isActionName(name: unknown): name is string {
  return typeof name === 'string' && BY_NAME.has(name);
}

/** @throws WritError WRIT_ACTION_UNKNOWN */
export function getActionType(name: string): ActionType {
  const found = BY_NAME.get(name);
  if (found === undefined) {
    throw new WritError('WRIT_ACTION_UNKNOWN', `unknown action type "${String(name)}"`, { details: { action: name } });
  }
  return found;
}

/**
 * Checks parameters against the action's strict schema and returns them as parsed.
 * @throws WritError WRIT_ACTION_UNKNOWN, WRIT_ACTION_PARAMS_INVALID (one line naming the field)
 */
export function validateParams(name: string, params: unknown): Record<string, unknown> {
  return parseParams(name, getActionType(name).params, params);
}

/**
 * The policy context facts the catalogue can derive from an action's parameters:
 * `reversible`, and `blast_radius` when it is known (left out when it needs facts the caller
 * lacks, so the policy decision treats it as unknown).
 * @throws WritError WRIT_ACTION_UNKNOWN, WRIT_ACTION_PARAMS_INVALID
 */
export function actionContext(name: string, params: unknown, facts: BlastFacts = {}): { reversible: boolean; blast_radius?: number } {
  const type = getActionType(name);
  const parsed = validateParams(name, params);
  const blast = type.blastRadius(parsed, facts);
  return { reversible: type.isReversible(parsed), ...(blast === undefined ? {} : { blast_radius: blast }) };
}
