import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { isWritError, WritError } from '../../src/errors/index.ts';
import { PostgresRoleConnector, scramVerifierAccepts } from '../../src/identity/index.ts';
import { PG_ADMIN_URL, pgAdmin, pgCanLogin, pgChecksPasswords, pgLogin, pgSandbox, randomName, storedVerifier, testFingerprinter } from './support.ts';

/*
 * What these tests prove, on this machine's PostgreSQL 15 (pg_hba: `host all all 127.0.0.1/32 trust`,
 * `local all all trust`; there is no path on which the server checks a password):
 *
 * - NOLOGIN is enforced even under trust: a real TCP login as the role is refused by the server
 *   with SQLSTATE 28000, and its open session is killed (57P01 on its next query).
 * - A rotation replaces the server's stored SCRAM verifier: the verifier PostgreSQL itself computed
 *   from the old password (CREATE ROLE … PASSWORD) accepted the old password before, and the stored
 *   verifier no longer does after; it accepts the new one. This is the exact check (RFC 5802
 *   StoredKey) the server runs on a `scram-sha-256` pg_hba line; the SCRAM code is itself checked
 *   against RFC 7677's exchange in src/identity/postgres/scram.test.ts.
 * - Under trust a login with the old password would still succeed (any password would); the
 *   connector's evidence says so in its notes. If the server does check passwords (another
 *   machine), the tests also assert the real login with the old password fails with 28P01.
 */

const fingerprinter = testFingerprinter();

function connector(options: Partial<ConstructorParameters<typeof PostgresRoleConnector>[0]> = {}): PostgresRoleConnector {
  return new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter, ...options });
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

test('disable_login: the old credential no longer logs in, open sessions are ended, undo restores login', async () => {
  const box = await pgSandbox();
  const conn = connector({ probe: { database: box.database } });
  try {
    const role = await box.createRole();
    const open = await pgLogin(role.name, role.password, box.database);
    assert.ok(open.ok, 'the role can log in before');
    const session = open.client;
    await session.query('select 1');

    const { result, evidence, newSecret } = await conn.execute({ kind: 'disable_login', target: role.name, ref: 'case-1' });
    assert.equal(newSecret, undefined);
    assert.equal(result.loginWasEnabled, true);
    assert.equal(result.sessionsTerminated, 1);
    assert.equal(evidence.ok, true, JSON.stringify(evidence));
    assert.equal(evidence.ref, 'case-1');
    assert.deepEqual(evidence.checks.map((c) => [c.name, c.ok]), [['login_disabled', true], ['no_sessions', true], ['login_refused', true]]);

    await assert.rejects(session.query('select 1'), 'the open session was terminated');
    await session.end().catch(() => {});
    const after = await pgCanLogin(role.name, role.password, box.database);
    assert.equal(after.ok, false, 'the old credential no longer logs in');
    assert.equal(after.ok ? undefined : after.code, '28000', 'refused by the server: role is not permitted to log in');

    assert.equal((await conn.verify({ kind: 'disable_login', target: role.name })).ok, true);

    const undone = await conn.undo({ kind: 'disable_login', target: role.name }, result);
    assert.equal(undone.evidence.ok, true, JSON.stringify(undone.evidence));
    assert.equal((await pgCanLogin(role.name, role.password, box.database)).ok, true, 'login restored');
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('rotate_password: the server stops accepting the old password, sessions already open keep working until retired', async () => {
  const box = await pgSandbox();
  const conn = connector({ probe: { database: box.database } });
  try {
    const role = await box.createRole();
    const checksPasswords = await pgChecksPasswords(box.database, role.name);
    const before = await storedVerifier(role.name);
    assert.equal(scramVerifierAccepts(before, role.password), true, "the server's own verifier accepts the old password");

    const dependent = await pgLogin(role.name, role.password, box.database);
    assert.ok(dependent.ok);

    const { result, evidence, newSecret } = await conn.execute({ kind: 'rotate_password', target: role.name });
    assert.ok(newSecret, 'the new secret is handed over once');
    assert.equal(newSecret.fingerprint, result.newSecretFingerprint);
    assert.equal(evidence.ok, true, JSON.stringify(evidence));
    assert.equal(result.sessionsOpenBeforeRotation, 1);
    const printed = JSON.stringify({ result, evidence, newSecret });
    const password = newSecret.take();
    assert.throws(() => newSecret.take(), (e) => isWritError(e, 'WRIT_CONFLICT'));
    assert.ok(!printed.includes(password), 'the new password is in no result or evidence');
    assert.equal(fingerprinter.of(password), result.newSecretFingerprint);

    const after = await storedVerifier(role.name);
    assert.equal(scramVerifierAccepts(after, role.password), false, 'the stored verifier refuses the old password');
    assert.equal(scramVerifierAccepts(after, password), true, 'and accepts the new one');
    if (checksPasswords) {
      const old = await pgCanLogin(role.name, role.password, box.database);
      assert.equal(old.ok ? 'accepted' : old.code, '28P01', 'a real login with the old password fails');
    } else {
      assert.ok(evidence.notes.some((n) => /pg_hba does not check passwords/.test(n)), 'the evidence says the probe path trusts');
    }
    assert.equal((await pgCanLogin(role.name, password, box.database)).ok, true, 'the new password logs in');

    // Coordinated rotation: the dependent's pooled session survives the rotation…
    await dependent.client.query('select 1');
    const fresh = await pgLogin(role.name, password, box.database);
    assert.ok(fresh.ok);
    // …until the retire step ends the sessions opened before the rotation, and only those.
    const retire = await conn.execute({ kind: 'terminate_sessions', target: role.name, params: { startedBefore: result.at } });
    assert.equal(retire.result.sessionsTerminated, 1);
    assert.equal(retire.evidence.ok, true, JSON.stringify(retire.evidence));
    await assert.rejects(dependent.client.query('select 1'));
    await fresh.client.query('select 1');
    await fresh.client.end();
    await dependent.client.end().catch(() => {});

    await assert.rejects(conn.undo({ kind: 'rotate_password', target: role.name }, result), (e) => isWritError(e, 'WRIT_CONNECTOR_REFUSED'));
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('a rotation that times out on a lock changes nothing, leaves the old password working and says so', async () => {
  const box = await pgSandbox();
  const conn = connector({ probe: { database: box.database }, lockTimeoutMs: 300 });
  const blocker = new pg.Client({ connectionString: PG_ADMIN_URL });
  await blocker.connect();
  try {
    const role = await box.createRole();
    const before = await storedVerifier(role.name);
    // Another transaction holds the role's pg_authid row: ALTER ROLE must wait for it.
    await blocker.query('BEGIN');
    await blocker.query(`ALTER ROLE ${pg.escapeIdentifier(role.name)} CONNECTION LIMIT 5`);

    const error = await rejection(conn.execute({ kind: 'rotate_password', target: role.name }));
    assert.equal(error.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(error.retryable, true);
    assert.equal(error.details?.sqlstate, '55P03');
    assert.equal(error.details?.applied, false);
    assert.equal(error.details?.oldCredentialIntact, true);
    assert.match(error.message, /nothing changed: the old password still works \(read back\)/);
    assert.ok(!error.message.includes('\n'));

    await blocker.query('ROLLBACK');
    const after = await storedVerifier(role.name);
    assert.equal(after, before, 'the stored verifier is untouched');
    assert.equal(scramVerifierAccepts(after, role.password), true, 'the old password still verifies');
    assert.equal((await pgCanLogin(role.name, role.password, box.database)).ok, true, 'and still logs in');
  } finally {
    await blocker.end().catch(() => {});
    await conn.close();
    await box.cleanup();
  }
});

test('out-of-scope targets are refused before anything changes; an unreachable server is a retryable failure', async () => {
  const box = await pgSandbox();
  const conn = connector({ probe: { database: box.database }, protectedRoles: [] });
  try {
    const su = await box.createRole({ superuser: true });
    const e1 = await rejection(conn.execute({ kind: 'disable_login', target: su.name }));
    assert.equal(e1.code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal((await pgCanLogin(su.name, su.password, box.database)).ok, true, 'the superuser is untouched');

    assert.equal((await rejection(conn.execute({ kind: 'disable_login', target: randomName('writ_nhi_missing') }))).code, 'WRIT_NOT_FOUND');
    assert.equal((await rejection(conn.execute({ kind: 'disable_login', target: 'pg_monitor' }))).code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal((await rejection(conn.execute({ kind: 'disable_login', target: 'postgres' }))).code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal((await rejection(conn.execute({ kind: 'drop_role' as 'disable_login', target: 'x' }))).code, 'WRIT_INPUT_INVALID');
    const plain = await box.createRole();
    assert.equal((await rejection(conn.execute({ kind: 'terminate_sessions', target: plain.name, params: { startedBefore: 'soon' } }))).code, 'WRIT_INPUT_INVALID');

    const down = new PostgresRoleConnector({ admin: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' }, fingerprinter, connectTimeoutMs: 500 });
    const e2 = await rejection(down.execute({ kind: 'disable_login', target: 'anyone' }));
    assert.equal(e2.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(e2.retryable, true);
    await down.close();
  } finally {
    await conn.close();
    await box.cleanup();
  }
});

test('an admin that cannot read pg_authid still rotates, and the evidence says there is no read-back', async () => {
  const box = await pgSandbox();
  const admin = await box.createRole({ createrole: true });
  const conn = new PostgresRoleConnector({ admin: { host: '127.0.0.1', port: 5432, user: admin.name, password: admin.password, database: box.database }, fingerprinter });
  try {
    const role = await box.createRole();
    const { evidence, newSecret } = await conn.execute({ kind: 'rotate_password', target: role.name });
    assert.equal(evidence.ok, false);
    assert.match(evidence.checks.find((c) => c.name === 'stored_verifier_is_new')?.detail ?? '', /cannot read pg_authid/);
    assert.equal(scramVerifierAccepts(await storedVerifier(role.name), newSecret!.take()), true, 'the rotation happened all the same');
    assert.equal((await rejection(conn.execute({ kind: 'disable_login', target: admin.name }))).code, 'WRIT_CONNECTOR_REFUSED', "never its own role");
  } finally {
    await conn.close();
    await pgAdmin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [admin.name]));
    await box.cleanup();
  }
});
