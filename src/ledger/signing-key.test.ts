import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey } from './signing-key.ts';
import { isWritError } from '../errors/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'writ-signing-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** WRIT_KEY_UNREADABLE naming the path, with the expected reason, leaking none of `secretText`. */
function unreadable(path: string, reason: RegExp, secretText = '') {
  return (e: unknown): boolean => {
    assert.ok(isWritError(e, 'WRIT_KEY_UNREADABLE'), String(e));
    assert.ok(e.message.includes(path), `message names the path: ${e.message}`);
    assert.match(e.message, reason);
    for (const line of secretText.split('\n').filter((l) => l.length > 8 && !l.startsWith('-----'))) {
      assert.ok(!e.message.includes(line), 'message must not echo key material');
      assert.ok(!JSON.stringify(e.details).includes(line));
    }
    return true;
  };
}

test('creates an Ed25519 key with mode 0600, parent directories included, then reloads it', () => {
  const path = join(dir, 'nested', 'deeper', 'ledger.pem');
  const created = loadOrCreateSigningKey(path, { create: true });
  assert.equal(created.privateKey.asymmetricKeyType, 'ed25519');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.match(readFileSync(path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);

  const loaded = loadOrCreateSigningKey(path, { create: false });
  const spki = (k: typeof loaded) => k.publicKey.export({ format: 'der', type: 'spki' });
  assert.deepEqual(spki(loaded), spki(created), 'the same key comes back');
  const message = Buffer.from('checkpoint');
  assert.ok(verify(null, message, created.publicKey, sign(null, message, loaded.privateKey)));
  // Loading with create: true does not replace an existing key.
  assert.deepEqual(spki(loadOrCreateSigningKey(path, { create: true })), spki(created));
});

test('an absent file without create is WRIT_KEY_UNREADABLE', () => {
  const path = join(dir, 'absent.pem');
  assert.throws(() => loadOrCreateSigningKey(path, { create: false }), unreadable(path, /does not exist/));
});

test('an empty file is WRIT_KEY_UNREADABLE', () => {
  const path = join(dir, 'empty.pem');
  writeFileSync(path, '\n  \n');
  assert.throws(() => loadOrCreateSigningKey(path, { create: true }), unreadable(path, /is empty/));
});

test('a file that is not PEM is WRIT_KEY_UNREADABLE', () => {
  const path = join(dir, 'not-pem.pem');
  const content = 'MC4CAQAwBQYDK2VwBCIEIJ7jbyk0lUFYMVAqtAfW2V1g6jd7bLY2u0S3xHkJkS7s\n';
  writeFileSync(path, content);
  assert.throws(() => loadOrCreateSigningKey(path, { create: false }), unreadable(path, /not a PKCS#8 PEM/, content));
});

test('an encrypted PEM is WRIT_KEY_UNREADABLE', () => {
  const path = join(dir, 'encrypted.pem');
  const pem = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })
    .toString();
  writeFileSync(path, pem);
  assert.throws(() => loadOrCreateSigningKey(path, { create: false }), unreadable(path, /is encrypted/, pem));
});

test('a PEM of another key type is WRIT_KEY_UNREADABLE', () => {
  for (const [type, options] of [['rsa', { modulusLength: 1024 }], ['ec', { namedCurve: 'P-256' }]] as const) {
    const path = join(dir, `${type}.pem`);
    const pem = generateKeyPairSync(type as 'rsa', options as { modulusLength: number })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    writeFileSync(path, pem);
    assert.throws(() => loadOrCreateSigningKey(path, { create: false }), unreadable(path, new RegExp(`holds a ${type} key, expected ed25519`), pem));
  }
});

test('a damaged PEM is WRIT_KEY_UNREADABLE without echoing its content', () => {
  const path = join(dir, 'damaged.pem');
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const damaged = pem.replace(/\n(.{10})/, '\nAAAAAAAAAA');
  writeFileSync(path, damaged);
  assert.throws(() => loadOrCreateSigningKey(path, { create: false }), unreadable(path, /not a valid private key/, damaged));
});

test('an unreadable path is WRIT_KEY_UNREADABLE', () => {
  // A directory cannot be read as a file, even by root (chmod 000 would not stop root).
  const path = join(dir, 'a-directory.pem');
  mkdirSync(path);
  assert.throws(() => loadOrCreateSigningKey(path, { create: true }), unreadable(path, /cannot be read \(EISDIR\)/));
  // A parent that is a file: the key cannot be created.
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'x');
  assert.throws(() => loadOrCreateSigningKey(join(blocker, 'k.pem'), { create: true }), unreadable(join(blocker, 'k.pem'), /ENOTDIR/));
});
