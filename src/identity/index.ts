/**
 * Non-human identity response: the inventory and its fingerprint index, findings in one
 * OCSF-modelled shape with enrichment, class-aware response plans, and the connectors
 * that act on PostgreSQL roles, Redis ACL users and signed webhooks.
 */
export * from './inventory/index.ts';
export * from './findings/index.ts';
export * from './plans/index.ts';
export {
  SecretHandoff,
  generateSecret,
  issueSecret,
  buildEvidence,
  type ConnectorOperation,
  type Evidence,
  type EvidenceCheck,
  type ExecuteOutcome,
  type IdentityConnector,
  type OperationTraits,
} from './connector-contract.ts';
export * from './postgres/index.ts';
export * from './redis/index.ts';
export * from './webhook/index.ts';
export { operationFor, retireOperationFor } from './connector-routing.ts';
export * from './store/index.ts';
export * from './response/index.ts';
