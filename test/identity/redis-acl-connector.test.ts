import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { isWritError, WritError } from '../../src/errors/index.ts';
import { RedisAclConnector, type RedisAclConnectorOptions } from '../../src/identity/index.ts';
import { randomName, redisAdmin, redisCanLogin, redisLogin, REDIS_HOST, REDIS_PORT, testFingerprinter } from './support.ts';

/*
 * Redis checks every AUTH against the user's ACL passwords, so these tests prove revocation by
 * real logins: after the operation, `AUTH <user> <old password>` on a new connection is answered
 * WRONGPASS by the server, and connections already authenticated are killed (or, for the
 * coordinated rotation, deliberately kept).
 */

const fingerprinter = testFingerprinter();

async function sandbox(): Promise<{ createUser(): Promise<{ name: string; password: string }>; cleanup(): Promise<void>; admin: ReturnType<typeof redisAdmin> }> {
  const admin = redisAdmin();
  await admin.connect();
  const users: string[] = [];
  return {
    admin,
    async createUser() {
      const name = randomName('writ_nhi');
      const password = randomBytes(18).toString('base64url');
      users.push(name);
      await admin.call('ACL', 'SETUSER', name, 'on', `>${password}`, '~writ:*', '+@read', '+@write', '+ping');
      return { name, password };
    },
    async cleanup() {
      for (const user of users) await admin.call('ACL', 'DELUSER', user);
      admin.disconnect();
    },
  };
}

function connector(options: Partial<RedisAclConnectorOptions> = {}): RedisAclConnector {
  return new RedisAclConnector({ redis: { host: REDIS_HOST, port: REDIS_PORT }, fingerprinter, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<WritError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WritError, String(error));
    return error;
  }
  assert.fail('expected a WritError');
}

test('disable_user: the old password is refused, live connections are killed, undo restores', async () => {
  const box = await sandbox();
  const conn = connector();
  try {
    const user = await box.createUser();
    const live = await redisLogin(user.name, user.password);
    assert.ok(live.ok);

    const { result, evidence } = await conn.execute({ kind: 'disable_user', target: user.name });
    assert.equal(evidence.ok, true, JSON.stringify(evidence));
    assert.equal(result.wasEnabled, true);
    assert.equal(result.clientsKilled, 1);
    await assert.rejects(live.client.ping(), 'the authenticated connection was killed');
    live.client.disconnect();
    const again = await redisLogin(user.name, user.password);
    assert.deepEqual(again.ok ? 'accepted' : again.code, 'WRONGPASS', 'AUTH with the old password fails');

    const undone = await conn.undo({ kind: 'disable_user', target: user.name }, result);
    assert.equal(undone.evidence.ok, true);
    assert.equal(await redisCanLogin(user.name, user.password), true);
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('rotate_password (replace): the old password stops working at once; the new one is returned once', async () => {
  const box = await sandbox();
  const conn = connector();
  try {
    const user = await box.createUser();
    const { result, evidence, newSecret } = await conn.execute({ kind: 'rotate_password', target: user.name });
    assert.equal(evidence.ok, true, JSON.stringify(evidence));
    assert.ok(newSecret);
    const printed = JSON.stringify({ result, evidence, newSecret });
    const password = newSecret.take();
    assert.ok(!printed.includes(password));
    assert.equal(fingerprinter.of(password), result.newSecretFingerprint);
    assert.equal(await redisCanLogin(user.name, user.password), false, 'old password: WRONGPASS');
    assert.equal(await redisCanLogin(user.name, password), true, 'new password works');
    assert.equal((await rejection(conn.undo({ kind: 'rotate_password', target: user.name }, result))).code, 'WRIT_CONNECTOR_REFUSED');
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('coordinated rotation: add the new password, move the dependent, retire the old; the dependent never fails', async () => {
  const box = await sandbox();
  const conn = connector();
  try {
    const user = await box.createUser();
    const dependentOld = await redisLogin(user.name, user.password);
    assert.ok(dependentOld.ok);
    await dependentOld.client.set('writ:health', 'ok');

    const add = await conn.execute({ kind: 'rotate_password', target: user.name, params: { mode: 'add' } });
    assert.equal(add.evidence.ok, true, JSON.stringify(add.evidence));
    const password = add.newSecret!.take();
    assert.equal(await redisCanLogin(user.name, user.password), true, 'old still valid during the window');
    assert.equal(await redisCanLogin(user.name, password), true, 'new valid');
    assert.equal(await dependentOld.client.get('writ:health'), 'ok', 'the dependent keeps working');

    // The dependent moves to the new secret (as it would after reading it from the secret store).
    const dependentNew = await redisLogin(user.name, password);
    assert.ok(dependentNew.ok);
    dependentOld.client.disconnect();

    const retire = await conn.execute({ kind: 'retire_passwords', target: user.name, params: { keep: add.result.storedHashRef } });
    assert.equal(retire.evidence.ok, true, JSON.stringify(retire.evidence));
    assert.equal(retire.result.passwordsRemoved, 1);
    assert.equal(await redisCanLogin(user.name, user.password), false, 'old password retired');
    assert.equal(await redisCanLogin(user.name, password), true);
    assert.equal(await dependentNew.client.get('writ:health'), 'ok', 'the dependent on the new secret never noticed');
    dependentNew.client.disconnect();

    // Retiring around a password that is not there would lock the user out: refused, nothing changed.
    const refused = await rejection(conn.execute({ kind: 'retire_passwords', target: user.name, params: { keep: 'fp:0000000000000000deadbeef00000000' } }));
    assert.equal(refused.code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal(refused.details?.oldCredentialIntact, true);
    assert.equal(await redisCanLogin(user.name, password), true);
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('undo of an added password removes only that password', async () => {
  const box = await sandbox();
  const conn = connector();
  try {
    const user = await box.createUser();
    const op = { kind: 'rotate_password' as const, target: user.name, params: { mode: 'add' } };
    const add = await conn.execute(op);
    const password = add.newSecret!.take();
    const undone = await conn.undo(op, add.result);
    assert.equal(undone.evidence.ok, true);
    assert.equal(await redisCanLogin(user.name, password), false);
    assert.equal(await redisCanLogin(user.name, user.password), true);
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('a rotation the server refuses changes nothing, leaves the old password working and says so', async () => {
  const box = await sandbox();
  // An admin that may read ACLs and list clients but not change users.
  const adminName = randomName('writ_nhi_admin');
  const adminPassword = randomBytes(18).toString('base64url');
  await box.admin.call('ACL', 'SETUSER', adminName, 'on', `>${adminPassword}`, '+acl|getuser', '+client|list', '+client|kill', '+ping');
  const conn = connector({ redis: { host: REDIS_HOST, port: REDIS_PORT, username: adminName, password: adminPassword } });
  try {
    const user = await box.createUser();
    const error = await rejection(conn.execute({ kind: 'rotate_password', target: user.name }));
    assert.equal(error.code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal(error.details?.code, 'NOPERM');
    assert.equal(error.details?.applied, false);
    assert.equal(error.details?.oldCredentialIntact, true);
    assert.match(error.message, /nothing changed: the old password still works \(read back\)/);
    assert.equal(await redisCanLogin(user.name, user.password), true, 'the old password still works');
    const acl = (await box.admin.call('ACL', 'GETUSER', user.name)) as unknown[];
    assert.equal((acl[acl.indexOf('passwords') + 1] as unknown[]).length, 1, 'no password was added');
  } finally {
    await conn.close();
    await box.admin.call('ACL', 'DELUSER', adminName);
    await box.cleanup();
  }
});

test('a server that never answers is a retryable failure; the real user is untouched', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const box = await sandbox();
  const conn = connector({ redis: { host: '127.0.0.1', port }, connectTimeoutMs: 300, commandTimeoutMs: 300 });
  try {
    const user = await box.createUser();
    const error = await rejection(conn.execute({ kind: 'disable_user', target: user.name }));
    assert.equal(error.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(error.retryable, true);
    assert.equal(await redisCanLogin(user.name, user.password), true);
  } finally {
    await conn.close();
    for (const s of sockets) s.destroy();
    silent.close();
    await box.cleanup();
  }
});

test('protected and missing users are refused, and a missing user is not created', async () => {
  const box = await sandbox();
  const conn = connector();
  try {
    assert.equal((await rejection(conn.execute({ kind: 'disable_user', target: 'default' }))).code, 'WRIT_CONNECTOR_REFUSED');
    const ghost = randomName('writ_nhi_ghost');
    assert.equal((await rejection(conn.execute({ kind: 'rotate_password', target: ghost }))).code, 'WRIT_NOT_FOUND');
    assert.equal(await box.admin.call('ACL', 'GETUSER', ghost), null);
    assert.ok(isWritError(await rejection(conn.execute({ kind: 'rotate_password', target: 'x', params: { mode: 'both' } })), 'WRIT_INPUT_INVALID'));
  } finally {
    await conn.close();
    await box.cleanup();
  }
});
