import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inclusionProof, Ledger, verifierKey } from '../../src/ledger/index.ts';
import { Fingerprinter, Redactor } from '../../src/secrets/index.ts';
import { verifyCheckpoint, verifyInclusion } from '../../src/console/src/ledger-verify.ts';
import { withStore } from '../support/engines.ts';

/** An Ed25519 key whose verifier-key base64 holds a "+", as about one key in ten does. */
function keyWithPlus() {
  for (;;) {
    const pair = generateKeyPairSync('ed25519');
    const text = verifierKey('writ.test/ledger', pair.publicKey);
    if (text.split('+').length > 3) return { ...pair, text };
  }
}

test("the console's in-browser checks accept the server's proofs and checkpoints, and refuse altered ones", async () => {
  await withStore('sqlite', async (store) => {
    const { privateKey, publicKey, text: key } = keyWithPlus();
    const ledger = new Ledger(store, { origin: 'writ.test/ledger', signer: { name: 'writ.test/ledger', privateKey, publicKey }, redactor: new Redactor(new Fingerprinter(randomBytes(32))), checkpointIntervalMs: 0 });
    for (let i = 0; i < 13; i++) await ledger.appendNow([{ kind: 'test.entry', actor: 'user:ana', payload: { i } }]);
    const checkpoint = (await ledger.checkpoint())!;
    const signed = await verifyCheckpoint(checkpoint.note, key);
    assert.deepEqual(signed.verdict, { ok: true });
    assert.equal(signed.signatureChecked, true, 'Node has Ed25519 in WebCrypto, as Chromium does');
    assert.equal(signed.size, 13);
    for (const seq of [0, 5, 12]) {
      const proof = await inclusionProof(ledger, seq, 13);
      assert.deepEqual(await verifyInclusion(proof), { ok: true }, `entry ${seq}`);
      assert.equal(proof.root, signed.root);
    }
    const proof = await inclusionProof(ledger, 5, 13);
    const leaf = Buffer.from(proof.leaf, 'base64').toString('utf8').replace('"i":5', '"i":6');
    assert.equal((await verifyInclusion({ ...proof, leaf: Buffer.from(leaf).toString('base64') })).ok, false, 'an altered entry does not prove');
    assert.equal((await verifyInclusion({ ...proof, path: proof.path.slice(1) })).ok, false, 'a shortened path does not prove');
    assert.equal((await verifyInclusion({ ...proof, leaf_index: 6 })).ok, false, 'the entry is proved at its own index only');
    const other = keyWithPlus().text;
    assert.equal((await verifyCheckpoint(checkpoint.note, other)).verdict.ok, false, 'another key does not verify it');
    const forged = checkpoint.note.replace(/\n(\d+)\n/, (_, n: string) => `\n${Number(n) + 1}\n`);
    assert.deepEqual((await verifyCheckpoint(forged, key)).verdict, { ok: false, reason: 'the signature does not verify' });
  });
});
