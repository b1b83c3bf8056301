import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Fingerprinter } from '../../secrets/index.ts';
import { isWritError } from '../../errors/index.ts';
import { Inventory } from './inventory.ts';
import { FingerprintIndex } from './fingerprint-index.ts';

const fingerprinter = new Fingerprinter(randomBytes(32));

function input(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    kind: 'api_key',
    owner: { team: 'payments' },
    class: 'customer_facing_production',
    environment: 'production',
    system: { connector: 'redis', target: `user-${id}` },
    lifetime: { kind: 'long_lived' },
    ...extra,
  };
}

test('the index maps a secret to its identity by fingerprint, without keeping the secret', () => {
  const secret = `sk_live_${randomBytes(16).toString('hex')}`;
  const index = new FingerprintIndex(fingerprinter);
  const fp = index.addSecret('billing-key', secret);
  index.addKeyId('billing-key', 'AKIA0000EXAMPLE');
  assert.match(fp, /^fp:[0-9a-f]{32}$/);
  assert.deepEqual(index.lookupSecret(secret), ['billing-key']);
  assert.deepEqual(index.lookupSecret(`${secret}x`), []);
  assert.deepEqual(index.lookupKeyId('AKIA0000EXAMPLE'), ['billing-key']);
  assert.deepEqual(index.match([fp], ['AKIA0000EXAMPLE']), [{ identityId: 'billing-key', by: 'secret_fingerprint' }]);
  assert.ok(!inspect(index, { depth: 10, showHidden: true }).includes(secret));
  assert.ok(!JSON.stringify(index).includes(secret));
  index.removeIdentity('billing-key');
  assert.deepEqual(index.lookupSecret(secret), []);
  assert.deepEqual(index.size, { fingerprints: 0, keyIds: 0 });
});

test('a fingerprint shared by two identities matches both (the caller sees the ambiguity)', () => {
  const index = new FingerprintIndex(fingerprinter);
  const fp = fingerprinter.of('shared-secret');
  index.addFingerprint('a', fp);
  index.addFingerprint('b', fp);
  assert.deepEqual(index.lookupFingerprint(fp), ['a', 'b']);
  index.removeFingerprint('a', fp);
  assert.deepEqual(index.lookupFingerprint(fp), ['b']);
  assert.throws(() => index.addFingerprint('a', 'not-a-fingerprint'), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
});

test('inventory keeps the index in step with puts, replacements, rotations and removals', () => {
  const oldFp = fingerprinter.of('old');
  const inv = new Inventory(fingerprinter);
  inv.putInput(input('k1', { secretFingerprints: [oldFp], keyIds: ['kid-1'] }));
  assert.deepEqual(inv.match([oldFp], []).map((m) => m.identityId), ['k1']);
  assert.equal(inv.findBySystemTarget('redis', 'user-k1')?.id, 'k1');

  const newFp = fingerprinter.of('new');
  const rotated = inv.recordRotation('k1', { addFingerprint: newFp, removeFingerprint: oldFp, at: '2025-02-01T00:00:00.000Z' });
  assert.deepEqual(rotated.secretFingerprints, [newFp]);
  assert.deepEqual(inv.match([oldFp], []), []);
  assert.deepEqual(inv.match([newFp], []).map((m) => m.identityId), ['k1']);

  inv.putInput(input('k1', { system: { connector: 'redis', target: 'renamed' } }));
  assert.equal(inv.findBySystemTarget('redis', 'user-k1'), undefined);
  assert.deepEqual(inv.match([newFp], ['kid-1']), []);

  assert.equal(inv.remove('k1'), true);
  assert.equal(inv.size, 0);
  assert.throws(() => inv.require('k1'), (e) => isWritError(e, 'WRIT_NOT_FOUND'));
  assert.throws(() => inv.putInput({ id: 'x' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID') && /field kind: is required/.test(e.message));
});

test('the inventory walks the dependency chain of a stored identity', () => {
  const inv = new Inventory(fingerprinter, []);
  inv.putInput(input('a', { dependents: [{ kind: 'identity', ref: 'b' }, { kind: 'job', ref: 'j' }] }));
  inv.putInput(input('b', { dependents: [{ kind: 'pipeline', ref: 'p' }] }));
  const chain = inv.dependencyChain('a');
  assert.equal(chain.blastRadius, 3);
  assert.equal(chain.dependentCount, 2);
});
