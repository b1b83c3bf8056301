/**
 * The governance kernel: nothing changes state in any system without passing it.
 * Proposals are decided by policy, approved where the tier demands, executed under a
 * single-use grant, verified by read-back, undone through governed rollbacks, and
 * every step is ledgered.
 */
export { createKernel, type Kernel, type KernelOptions } from './kernel.ts';
export { ActionService, EXECUTE_JOB, principalKey, toActionView, type ActionView, type Principal, type Proposal, type ProposalContext, type Origin, type TenantFacts } from './actions-service.ts';
export { CaseService, CASE_TYPES, type CaseView, type ClosureCriterion, type CriterionResult, type NewCase } from './cases.ts';
export { IncidentService, INCIDENT_EXPIRY_JOB, type Incident, type Declaration, type IncidentScope } from './incidents.ts';
export { GrantService, type IssuedGrant, type GrantScope } from './grants.ts';
export { ConnectorRegistry, targetKey, type ActionRecord, type Connector, type ExecutionOutcome, type Grant, type VerifyOutcome } from './connector.ts';
export { ConnectorJournal } from './connector-journal.ts';
export { PolicyDeployments, type Deployment } from './policy-deployments.ts';
export { exportEvidence, type EvidenceBundle } from './evidence.ts';
