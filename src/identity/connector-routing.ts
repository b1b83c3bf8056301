import { WritError } from '../errors/index.ts';
import type { ConnectorOperation } from './connector-contract.ts';
import type { Identity } from './inventory/identity-schema.ts';
import type { Proposal } from './plans/proposal.ts';
import type { PostgresRoleOperation, PostgresRoleResult } from './postgres/postgres-role-connector.ts';
import type { RedisAclOperation, RedisAclResult } from './redis/redis-acl-connector.ts';

/**
 * The connector operation that carries out a proposed action on an identity, chosen by
 * the identity's `system.connector`:
 *
 * | action                      | postgres           | redis                                     | webhook          |
 * |-----------------------------|--------------------|-------------------------------------------|------------------|
 * | revoke_token, disable_account | disable_login    | disable_user                              | the action name  |
 * | enable_account              | enable_login       | enable_user                               | the action name  |
 * | rotate_secret               | rotate_password    | rotate_password, mode `add` when a grace period lets the old one live, else `replace` | the action name |
 *
 * A coordinated rotation's second half (retire the old secret) is {@link retireOperationFor}.
 */
export function operationFor(proposal: Pick<Proposal, 'action' | 'params'>, identity: Identity, ref?: string): ConnectorOperation {
  const target = identity.system.target;
  const base = { target, ...(ref === undefined ? {} : { ref }) };
  const connector = identity.system.connector;
  const action = proposal.action as string;
  if (connector === 'webhook') return { ...base, kind: action, params: { ...proposal.params } };
  const kill = action === 'revoke_token' || action === 'disable_account';
  if (connector === 'postgres') {
    if (kill) return { ...base, kind: 'disable_login' } satisfies PostgresRoleOperation;
    if (action === 'enable_account') return { ...base, kind: 'enable_login' } satisfies PostgresRoleOperation;
    if (action === 'rotate_secret') return { ...base, kind: 'rotate_password' } satisfies PostgresRoleOperation;
  }
  if (connector === 'redis') {
    if (kill) return { ...base, kind: 'disable_user' } satisfies RedisAclOperation;
    if (action === 'enable_account') return { ...base, kind: 'enable_user' } satisfies RedisAclOperation;
    if (action === 'rotate_secret') {
      const grace = Number(proposal.params.gracePeriodSeconds ?? 0);
      return { ...base, kind: 'rotate_password', params: { mode: grace > 0 ? 'add' : 'replace' } } satisfies RedisAclOperation;
    }
  }
  throw new WritError('WRIT_CONNECTOR_REFUSED', `the ${connector} connector cannot carry out ${action} for ${identity.id}`, {
    details: { connector, action, identity: identity.id },
  });
}

/**
 * The second half of a coordinated rotation, once the dependents are on the new secret
 * and healthy: on PostgreSQL, end the sessions opened before the rotation (the role has
 * one password, already replaced; old sessions are what is left of the old credential);
 * on Redis, remove every password but the new one.
 */
export function retireOperationFor(identity: Identity, rotation: PostgresRoleResult | RedisAclResult, ref?: string): ConnectorOperation {
  const base = { target: identity.system.target, ...(ref === undefined ? {} : { ref }) };
  if (identity.system.connector === 'postgres') {
    return { ...base, kind: 'terminate_sessions', params: { startedBefore: (rotation as PostgresRoleResult).at } } satisfies PostgresRoleOperation;
  }
  if (identity.system.connector === 'redis') {
    const keep = (rotation as RedisAclResult).storedHashRef;
    if (!keep) throw new WritError('WRIT_INPUT_INVALID', `retire for ${identity.id}: the rotation result names no new password`);
    return { ...base, kind: 'retire_passwords', params: { keep } } satisfies RedisAclOperation;
  }
  throw new WritError('WRIT_CONNECTOR_REFUSED', `the ${identity.system.connector} connector has no retire step for ${identity.id}`);
}
