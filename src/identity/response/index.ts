/**
 * Identity response through the governance kernel: findings in, an `identity` case with a
 * class-aware plan, each step proposed as the identity playbook, executed by the identity
 * connector under a grant, read back, and closed on evidence.
 */
export { registerIdentityResponse, identityResponseFor, identityJobHandlers, identitySystemsFromConfig, type IdentityHost, type RegisterIdentityOptions } from './register.ts';
export { IdentityResponse, dedupKeyOf, type FindingOutcome, type IngestInput, type ProposedStep } from './identity-response.ts';
export { IdentityKernelConnector, type IdentityActionResult, type IdentitySystem, type RecordedOperation } from './kernel-connector.ts';
export { PlanRunner, PLAN_ADVANCE_JOB } from './plan-runner.ts';
export { RotationTracker, ROTATION_CHECK_JOB, type RotationView } from './rotations.ts';
export { FileSecretSink, MemorySecretSink, type SecretSink, type SecretDelivery, type SecretReceipt } from './secret-sink.ts';
export { evaluateGate, type DependentProbe, type GateOutcome } from './gates.ts';
export { FINDING_FORMATS, parseFindings, isFindingFormat, type FindingFormat } from './finding-formats.ts';
export { loadIdentityConfig, type IdentityConfig } from './identity-config.ts';
export { RESPONSE_WORKFLOW_ID, DEADLINE_WORKFLOW_ID, RESPONSE_ACTIONS, DEADLINE_ACTIONS, responsePrincipal, deadlinePrincipal, kernelProposal } from './principals.ts';
