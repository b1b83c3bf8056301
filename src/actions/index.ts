/**
 * The action catalogue: every state-changing thing Writ can do, with its parameter
 * schema, target kind, undo, risk, connector capability and blast radius.
 */
export {
  ACTION_GROUPS,
  RISK_CLASSES,
  TARGET_KINDS,
  raiseRisk,
  riskRank,
  type ActionGroup,
  type ActionType,
  type BlastFacts,
  type Capability,
  type ReversibilityKind,
  type RiskClass,
  type TargetKind,
  type UndoSpec,
} from './action-type.ts';
export { ACTION_NAMES, actionContext, getActionType, isActionName, listActionTypes, validateParams } from './catalogue.ts';
export { canonicalActionHash, type ActionForHash, type ActionTarget } from './action-hash.ts';
