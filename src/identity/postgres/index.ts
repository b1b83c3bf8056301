export {
  PostgresRoleConnector,
  compilePostgresOptions,
  POSTGRES_OPERATIONS,
  type PostgresRoleOperation,
  type PostgresOperationKind,
  type PostgresRoleResult,
  type PostgresRoleConnectorOptions,
} from './postgres-role-connector.ts';
export { computeScramVerifier, parseScramVerifier, scramVerifierAccepts, type ScramVerifier } from './scram.ts';
