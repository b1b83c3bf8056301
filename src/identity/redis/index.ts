export {
  RedisAclConnector,
  REDIS_OPERATIONS,
  sha256Hex,
  type RedisAclOperation,
  type RedisOperationKind,
  type RedisAclResult,
  type RedisAclConnectorOptions,
} from './redis-acl-connector.ts';
