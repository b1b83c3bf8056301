/**
 * Policy as code: Cedar policies decide each proposed action's tier
 * (auto | approve | dual | suggest | deny). See tiering.ts for how tiers are computed
 * and why unknown context never loosens a decision.
 */
export { DECISIONS, FLOORS, TIERS, strictness, type DecisionKind, type Floor, type Tier } from './tiers.ts';
export {
  CONTEXT_FIELDS,
  IDENTITY_CLASSES,
  MODES,
  ORIGINS,
  PRINCIPAL_TYPES,
  RESOURCE_TYPES,
  SEVERITIES,
  normalizeRequest,
  toPermille,
  type DecisionContext,
  type DecisionRequest,
  type NormalizedRequest,
} from './request.ts';
export {
  canonicalSources,
  compilePolicySet,
  diffPolicySets,
  policySetVersion,
  type CompiledPolicySet,
  type PolicyInfo,
  type PolicySetDiff,
  type PolicySources,
} from './policy-set.ts';
export { DEFAULT_POLICY_DIR, DEFAULT_SCHEMA_FILE, loadPolicyDir, readPolicySources, type ReadPolicyOptions } from './policy-loader.ts';
export {
  PolicyEngine,
  type DecideOptions,
  type MatchedPolicy,
  type PolicyDecision,
  type PolicyEngineOptions,
  type PrincipalFacts,
} from './engine.ts';
export { computeTier, type Match, type Tiering } from './tiering.ts';
export { runPolicyTests, readFixtureFile, type FixtureResult, type PolicyFixtureCase, type PolicyTestReport } from './fixtures.ts';
export { BASE_SCOPE, policyDrift, readJsonFile, readRequests, type DriftReport, type DriftRow, type NamedRequest } from './drift.ts';
