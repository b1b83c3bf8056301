import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { isWritError } from '../../errors/index.ts';
import { SecretHandoff } from '../connector-contract.ts';
import { FileSecretSink, MemorySecretSink } from './secret-sink.ts';

const delivery = (actionId: string) => ({ identityId: 'team/billing:cache', actionId, caseId: 'case-1', fingerprint: 'fp:0123456789abcdef' });

test('the file sink writes each secret alone into a 0600 file under 0700 folders, takes it from the handoff, and never overwrites', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'writ-sink-'));
  try {
    const sink = new FileSecretSink(join(dir, 'identity-secrets'));
    await sink.check();
    const handoff = new SecretHandoff('s3cr3t-value-one', 'fp:0123456789abcdef');
    const receipt = await sink.put(delivery('a-1'), handoff);
    assert.equal(handoff.taken, true, 'the handoff was emptied');
    assert.equal(readFileSync(receipt.ref, 'utf8'), 's3cr3t-value-one');
    assert.equal(statSync(receipt.ref).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'identity-secrets')).mode & 0o777, 0o700);
    const folder = join(dir, 'identity-secrets', 'team%2Fbilling%3Acache');
    assert.equal(statSync(folder).mode & 0o777, 0o700, 'an id with "/" stays one folder');
    assert.ok(!JSON.stringify(receipt).includes('s3cr3t'));
    // A retried rotation (same action) issues another secret: both files exist, neither overwritten.
    const second = await sink.put(delivery('a-1'), new SecretHandoff('s3cr3t-value-two', 'fp:fedcba9876543210'));
    assert.notEqual(second.ref, receipt.ref);
    assert.equal(readFileSync(receipt.ref, 'utf8'), 's3cr3t-value-one');
    assert.equal(readdirSync(folder).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the file sink refuses before a rotation when it cannot write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'writ-sink-'));
  try {
    // A file where the folder should be: no user, root included, can write under it.
    writeFileSync(join(dir, 'occupied'), 'not a directory');
    const sink = new FileSecretSink(join(dir, 'occupied', 'identity-secrets'));
    await assert.rejects(sink.check(), (e) => isWritError(e, 'WRIT_CONNECTOR_REFUSED') && /not writable \(ENOTDIR\); nothing was rotated/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the memory sink hands out the newest secret and hides values from inspection', async () => {
  const sink = new MemorySecretSink();
  await sink.put(delivery('a-1'), new SecretHandoff('first-value', 'fp:1111111111111111'));
  await sink.put(delivery('a-2'), new SecretHandoff('second-value', 'fp:2222222222222222'));
  assert.equal(sink.latest('team/billing:cache')?.value, 'second-value');
  assert.equal(sink.count('team/billing:cache'), 2);
  assert.ok(!inspect(sink).includes('first-value') && !inspect(sink).includes('second-value'));
  assert.ok(!JSON.stringify({ sink }).includes('-value'));
});
