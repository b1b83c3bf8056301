/**
 * Cross-checks against an independent, published implementation: Sigstore's JavaScript
 * verifier (@sigstore/verify), which checks Rekor's RFC 6962 inclusion proofs and its
 * C2SP signed-note checkpoints. Its tlog functions are internal (not re-exported from the
 * package index), hence the deep imports; they are pure and run offline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { verifyMerkleInclusion } from '@sigstore/verify/dist/tlog/merkle.js';
import { verifyCheckpoint as sigstoreVerifyCheckpoint } from '@sigstore/verify/dist/tlog/checkpoint.js';
import { Frontier, assembleInclusion, leafHash, type NodeKey } from './merkle.ts';
import { checkpointBody, parseVerifierKey, signNote, verifierKey } from './checkpoint.ts';

type SigstoreEntry = Parameters<typeof verifyMerkleInclusion>[0];
type SigstoreCheckpoint = Parameters<typeof verifyMerkleInclusion>[1];
type SigstoreTLog = Parameters<typeof sigstoreVerifyCheckpoint>[1][number];

/** The shape @sigstore/verify reads from a Rekor entry; other bundle fields are unused. */
function entry(body: Buffer, index: number, size: number, root: Buffer, hashes: Buffer[], envelope = ''): SigstoreEntry {
  return {
    canonicalizedBody: body,
    inclusionProof: {
      logIndex: String(index),
      treeSize: String(size),
      rootHash: root,
      hashes,
      checkpoint: { envelope },
    },
  } as unknown as SigstoreEntry;
}

const MAX = 70;
const data = Array.from({ length: MAX }, (_, i) => Buffer.from(`cross-check entry ${i}`));
const nodes = new Map<string, Buffer>();
const roots: Buffer[] = [];
{
  const f = new Frontier();
  data.forEach((d, i) => {
    nodes.set(`0/${i}`, leafHash(d));
    for (const n of f.push(leafHash(d))) nodes.set(`${n.level}/${n.index}`, n.hash);
    roots.push(f.root());
  });
}
const get = (k: NodeKey) => nodes.get(`${k.level}/${k.index}`) as Buffer;

test('@sigstore/verify accepts our inclusion proofs for every index of every size 1..70', () => {
  for (let n = 1; n <= MAX; n++) {
    const root = roots[n - 1] as Buffer;
    const checkpoint = { logSize: BigInt(n), logHash: root } as unknown as SigstoreCheckpoint;
    for (let m = 0; m < n; m++) {
      const path = assembleInclusion(m, n, get);
      // It hashes the leaf itself (0x00 ‖ body), so this also checks our leaf hashing.
      assert.doesNotThrow(() => verifyMerkleInclusion(entry(data[m] as Buffer, m, n, root, path), checkpoint), `${m}/${n}`);
    }
  }
});

test('@sigstore/verify rejects tampered versions of our proofs (the cross-check can fail)', () => {
  const n = 45;
  const root = roots[n - 1] as Buffer;
  const checkpoint = { logSize: BigInt(n), logHash: root } as unknown as SigstoreCheckpoint;
  const path = assembleInclusion(17, n, get);
  const flipped = path.map((h, i) => (i === 2 ? Buffer.from(h.map((b, j) => (j === 0 ? b ^ 1 : b))) : h));
  assert.throws(() => verifyMerkleInclusion(entry(data[17] as Buffer, 17, n, root, flipped), checkpoint));
  assert.throws(() => verifyMerkleInclusion(entry(data[17] as Buffer, 18, n, root, path), checkpoint));
  assert.throws(() => verifyMerkleInclusion(entry(data[18] as Buffer, 17, n, root, path), checkpoint));
});

test('@sigstore/verify accepts our signed checkpoints and rejects a forged one', () => {
  const origin = 'writ.test/ledger';
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const n = 70;
  const note = signNote(checkpointBody(origin, n, roots[n - 1] as Buffer), { name: origin, privateKey });
  // Sigstore finds the log by the signature's 4-byte key hint; ours is the C2SP key ID.
  const tlog = {
    logID: parseVerifierKey(verifierKey(origin, publicKey)).keyHash,
    baseURL: `https://${origin}`,
    publicKey,
    validFor: { start: new Date(0), end: new Date(8.64e15) },
  } as SigstoreTLog;
  const result = sigstoreVerifyCheckpoint(entry(Buffer.alloc(0), 0, n, Buffer.alloc(0), [], note), [tlog]);
  assert.equal(result.origin, origin);
  assert.equal(result.logSize, BigInt(n));
  assert.deepEqual(result.logHash, roots[n - 1]);

  const forged = note.replace(`\n${n}\n`, `\n${n + 1}\n`);
  assert.throws(() => sigstoreVerifyCheckpoint(entry(Buffer.alloc(0), 0, n, Buffer.alloc(0), [], forged), [tlog]));
});
