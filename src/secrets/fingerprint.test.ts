import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Fingerprinter, loadOrCreateFingerprintKey } from './index.ts';
import { isWritError } from '../errors/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'writ-fingerprint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY = Buffer.alloc(32, 7);

test('a fingerprint is fp: + the first 32 hex digits of HMAC-SHA256(key, secret)', () => {
  const fp = new Fingerprinter(KEY);
  const expected = createHmac('sha256', KEY).update('hunter2').digest('hex').slice(0, 32);
  assert.equal(fp.of('hunter2'), `fp:${expected}`);
  assert.equal(fp.of(Buffer.from('hunter2')), fp.of('hunter2'), 'text and its UTF-8 bytes agree');
  assert.notEqual(fp.of('hunter2'), fp.of('hunter3'));
  assert.match(fp.of(''), /^fp:[0-9a-f]{32}$/);
});

test('fingerprints depend on the key, so a published one cannot be brute-forced without it', () => {
  const other = new Fingerprinter(Buffer.alloc(32, 8));
  assert.notEqual(new Fingerprinter(KEY).of('123456'), other.of('123456'));
  // Not the plain SHA-256 a dictionary would be built from.
  assert.ok(!new Fingerprinter(KEY).of('123456').includes('8d969eef6ecad3c29a3a629280e686cf'));
});

test('the key is never shown', () => {
  const key = Buffer.from('a1'.repeat(32), 'hex');
  const fp = new Fingerprinter(key);
  for (const shown of [JSON.stringify({ fp }), inspect(fp, { showHidden: true, depth: 5 }), String(fp)]) {
    assert.ok(!shown.includes('a1a1a1'), shown);
    assert.ok(!shown.includes(key.toString('base64').slice(0, 12)), shown);
  }
  key.fill(0); // the Fingerprinter keeps its own copy
  assert.equal(fp.of('x'), new Fingerprinter(Buffer.from('a1'.repeat(32), 'hex')).of('x'));
});

test('keys shorter than 32 bytes are refused', () => {
  assert.throws(() => new Fingerprinter(Buffer.alloc(16)), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
});

test('loadOrCreateFingerprintKey creates 32 random bytes as base64, mode 0600, and reloads them', () => {
  const path = join(dir, 'keys', 'fingerprint.key');
  const key = loadOrCreateFingerprintKey(path, { create: true });
  assert.equal(key.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').toString('hex'), key.toString('hex'));
  assert.deepEqual(loadOrCreateFingerprintKey(path, { create: false }), key);
  assert.notDeepEqual(loadOrCreateFingerprintKey(join(dir, 'keys', 'second.key'), { create: true }), key);
});

test('loadOrCreateFingerprintKey errors are WRIT_KEY_UNREADABLE naming the path', () => {
  const cases: Array<[string, string | null, RegExp]> = [
    ['absent.key', null, /does not exist/],
    ['empty.key', '', /is empty/],
    ['not-base64.key', 'this is not base64!\n', /not base64/],
    ['short.key', `${Buffer.alloc(16, 1).toString('base64')}\n`, /16 bytes, at least 32/],
  ];
  for (const [name, content, reason] of cases) {
    const path = join(dir, name);
    if (content !== null) writeFileSync(path, content);
    assert.throws(
      () => loadOrCreateFingerprintKey(path, { create: false }),
      (e) => isWritError(e, 'WRIT_KEY_UNREADABLE') && e.message.includes(path) && reason.test(e.message),
      name,
    );
  }
  const directory = join(dir, 'is-a-directory.key');
  mkdirSync(directory);
  assert.throws(() => loadOrCreateFingerprintKey(directory, { create: true }), (e) => isWritError(e, 'WRIT_KEY_UNREADABLE') && /EISDIR/.test(e.message));
});
