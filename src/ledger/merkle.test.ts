import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  Frontier,
  assembleConsistency,
  assembleInclusion,
  consistencyPlan,
  emptyRoot,
  inclusionPlan,
  leafHash,
  nodeHash,
  rootFromNodes,
  rootPlan,
  verifyConsistency,
  verifyInclusion,
  type NodeKey,
} from './merkle.ts';
import { isWritError } from '../errors/index.ts';

// ---- A reference written straight from the RFC 9162 text, deliberately naive ----------

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** k: the largest power of two smaller than n. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** §2.1.1 MTH(D[n]). */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return sha256(Buffer.from([0]), d[0] as Buffer);
  const k = splitPoint(d.length);
  return sha256(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}

/** §2.1.3.1 PATH(m, D[n]). */
function refPath(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = splitPoint(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), mth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}

/** §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
function refProof(m: number, d: Buffer[]): Buffer[] {
  const sub = (m: number, d: Buffer[], b: boolean): Buffer[] => {
    if (m === d.length) return b ? [] : [mth(d)];
    const k = splitPoint(d.length);
    return m <= k
      ? [...sub(m, d.slice(0, k), b), mth(d.slice(k))]
      : [...sub(m - k, d.slice(k), false), mth(d.slice(0, k))];
  };
  return sub(m, d, true);
}

// ---- Fixtures -------------------------------------------------------------------------

const MAX = 70;
const data = Array.from({ length: MAX }, (_, i) => Buffer.from(`entry ${i}`));
const leaves = data.map((d) => leafHash(d));

/** Grows one tree to MAX, keeping every node a store would persist and every root. */
function buildStore(): { nodes: Map<string, Buffer>; roots: Buffer[]; frontiers: Frontier[] } {
  const nodes = new Map<string, Buffer>();
  const roots: Buffer[] = [emptyRoot()];
  const frontiers: Frontier[] = [new Frontier()];
  const f = new Frontier();
  leaves.forEach((leaf, i) => {
    nodes.set(`0/${i}`, leaf);
    for (const n of f.push(leaf)) {
      assert.ok(n.level >= 1);
      assert.ok(!nodes.has(`${n.level}/${n.index}`), 'a node is completed once');
      nodes.set(`${n.level}/${n.index}`, n.hash);
    }
    roots.push(f.root());
    frontiers.push(Frontier.fromJSON(f.size, f.toJSON()));
  });
  return { nodes, roots, frontiers };
}

const store = buildStore();
const get = (k: NodeKey): Buffer => {
  const hash = store.nodes.get(`${k.level}/${k.index}`);
  assert.ok(hash, `missing node ${k.level}/${k.index}`);
  return hash;
};

function flip(path: Buffer[], i: number): Buffer[] {
  return path.map((h, j) => {
    if (j !== i) return h;
    const copy = Buffer.from(h);
    copy[0] = (copy[0] as number) ^ 8;
    return copy;
  });
}

// ---- Tests ----------------------------------------------------------------------------

test('hash primitives follow RFC 9162 §2.1.1 domain separation', () => {
  assert.equal(emptyRoot().toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.deepEqual(leafHash(Buffer.from('x')), sha256(Buffer.from([0]), Buffer.from('x')));
  const [a, b] = [leaves[0] as Buffer, leaves[1] as Buffer];
  assert.deepEqual(nodeHash(a, b), sha256(Buffer.from([1]), a, b));
  assert.notDeepEqual(nodeHash(a, b), nodeHash(b, a));
});

test('Frontier root equals the reference MTH for every size 0..70, and round-trips', () => {
  for (let n = 0; n <= MAX; n++) {
    assert.deepEqual(store.roots[n], mth(data.slice(0, n)), `size ${n}`);
    const f = store.frontiers[n] as Frontier;
    assert.equal(f.size, n);
    assert.deepEqual(f.root(), store.roots[n]);
    assert.deepEqual(rootFromNodes(n, get), store.roots[n]);
    assert.equal(rootPlan(n).length, f.toJSON().length);
  }
  // A restored frontier continues exactly where the original was.
  const restored = Frontier.fromJSON(37, (store.frontiers[37] as Frontier).toJSON());
  for (let i = 37; i < MAX; i++) restored.push(leaves[i] as Buffer);
  assert.deepEqual(restored.root(), store.roots[MAX]);
});

test('Frontier.push reports exactly the perfect subtrees it completes', () => {
  const f = new Frontier();
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) seen.push(f.push(leaves[i] as Buffer).map((n) => `${n.level}/${n.index}`).join(' '));
  assert.deepEqual(seen, ['', '1/0', '', '1/1 2/0', '', '1/2', '', '1/3 2/1 3/0']);
  // Every node at level ≥ 1 matches the reference MTH of the leaves it covers.
  for (const [key, hash] of store.nodes) {
    const [level, index] = key.split('/').map(Number) as [number, number];
    const width = 2 ** level;
    assert.deepEqual(hash, mth(data.slice(index * width, (index + 1) * width)), key);
  }
});

test('Frontier rejects inconsistent state', () => {
  const bad = (fn: () => unknown, code: 'WRIT_LEDGER_INVALID' | 'WRIT_LEDGER_RANGE' | 'WRIT_INPUT_INVALID') =>
    assert.throws(fn, (e) => isWritError(e, code));
  bad(() => Frontier.fromJSON(5, [(leaves[0] as Buffer).toString('hex')]), 'WRIT_LEDGER_INVALID'); // popcount(5) = 2
  bad(() => Frontier.fromJSON(1, ['zz']), 'WRIT_LEDGER_INVALID');
  bad(() => Frontier.fromJSON(0, ['00'.repeat(32)]), 'WRIT_LEDGER_INVALID');
  bad(() => new Frontier(-1, []), 'WRIT_LEDGER_RANGE');
  bad(() => new Frontier(1.5, []), 'WRIT_LEDGER_RANGE');
  bad(() => new Frontier().push(Buffer.alloc(31)), 'WRIT_INPUT_INVALID');
});

test('inclusion proofs equal RFC PATH for every index of every size 1..70, and verify', () => {
  for (let n = 1; n <= MAX; n++) {
    const root = store.roots[n] as Buffer;
    for (let m = 0; m < n; m++) {
      const path = assembleInclusion(m, n, get);
      assert.deepEqual(path, refPath(m, data.slice(0, n)), `PATH(${m}, ${n})`);
      // The plan names exactly the nodes assembly reads.
      const read: string[] = [];
      assembleInclusion(m, n, (k) => (read.push(`${k.level}/${k.index}`), get(k)));
      assert.deepEqual(read, inclusionPlan(m, n).map((k) => `${k.level}/${k.index}`));
      assert.ok(verifyInclusion(leaves[m] as Buffer, m, n, path, root), `verify ${m}/${n}`);
    }
  }
});

test('tampered inclusion proofs are rejected', () => {
  const some = store.roots[MAX] as Buffer;
  for (let n = 1; n <= MAX; n++) {
    const root = store.roots[n] as Buffer;
    for (let m = 0; m < n; m++) {
      const leaf = leaves[m] as Buffer;
      const path = assembleInclusion(m, n, get);
      const no = (why: string, ...args: Parameters<typeof verifyInclusion>) =>
        assert.equal(verifyInclusion(...args), false, `${why}: leaf ${m} of ${n}`);
      path.forEach((_, i) => no(`bit flip in [${i}]`, leaf, m, n, flip(path, i), root));
      if (m > 0) no('index - 1', leaf, m - 1, n, path, root);
      no('index + 1', leaf, m + 1, n, path, root);
      if ((m ^ 2) !== m) no('index ^ 2', leaf, m ^ 2, n, path, root);
      no('size * 2', leaf, m, n * 2, path, root);
      if (Math.floor(n / 2) > m) no('size / 2', leaf, m, Math.floor(n / 2), path, root);
      no('wrong leaf', leaves[(m + 1) % MAX] as Buffer, m, n, path, root);
      no('empty root', leaf, m, n, path, emptyRoot());
      if (!some.equals(root)) no('other root', leaf, m, n, path, some);
      no('extended', leaf, m, n, [...path, root], root);
      no('extended with a leaf', leaf, m, n, [...path, leaf], root);
      no('prefixed', leaf, m, n, [root, ...path], root);
      if (path.length > 0) no('truncated', leaf, m, n, path.slice(0, -1), root);
      if (path.length > 1) no('inserted', leaf, m, n, [path[0] as Buffer, some, ...path.slice(1)], root);
      if (path.length > 0) no('short hash', leaf, m, n, path.map((h) => h.subarray(0, 31)), root);
    }
  }
  // Arguments that cannot describe a tree.
  const leaf = leaves[0] as Buffer;
  assert.equal(verifyInclusion(leaf, 0, 0, [], emptyRoot()), false);
  assert.equal(verifyInclusion(leaf, -1, 1, [], leaf), false);
  assert.equal(verifyInclusion(leaf, 0.5, 1, [], leaf), false);
  assert.equal(verifyInclusion(leaf, 0, 1, [], leaf), true);
  assert.equal(verifyInclusion(Buffer.alloc(0), 0, 1, [], Buffer.alloc(0)), false);
});

test('consistency proofs equal RFC PROOF for every pair 1 ≤ m ≤ n ≤ 70, and verify', () => {
  for (let n = 1; n <= MAX; n++) {
    for (let m = 1; m <= n; m++) {
      const proof = assembleConsistency(m, n, get);
      assert.deepEqual(proof, refProof(m, data.slice(0, n)), `PROOF(${m}, ${n})`);
      const read: string[] = [];
      assembleConsistency(m, n, (k) => (read.push(`${k.level}/${k.index}`), get(k)));
      assert.deepEqual(read, consistencyPlan(m, n).map((k) => `${k.level}/${k.index}`));
      assert.ok(verifyConsistency(m, n, store.roots[m] as Buffer, store.roots[n] as Buffer, proof), `${m} -> ${n}`);
    }
    // The empty tree is consistent with every tree; no proof needed.
    assert.deepEqual(assembleConsistency(0, n, get), []);
    assert.ok(verifyConsistency(0, n, emptyRoot(), store.roots[n] as Buffer, []));
  }
});

test('tampered consistency proofs are rejected', () => {
  const some = sha256(Buffer.from('some other hash'));
  for (let n = 2; n <= MAX; n++) {
    for (let m = 1; m < n; m++) {
      const [r1, r2] = [store.roots[m] as Buffer, store.roots[n] as Buffer];
      const proof = assembleConsistency(m, n, get);
      const no = (why: string, ...args: Parameters<typeof verifyConsistency>) =>
        assert.equal(verifyConsistency(...args), false, `${why}: ${m} -> ${n}`);
      proof.forEach((_, i) => no(`bit flip in [${i}]`, m, n, r1, r2, flip(proof, i)));
      no('old size - 1', m - 1, n, r1, r2, proof);
      no('old size + 1', m + 1, n, r1, r2, proof);
      if ((m ^ 2) !== m) no('old size ^ 2', m ^ 2, n, r1, r2, proof);
      no('new size * 2', m, n * 2, r1, r2, proof);
      no('new size / 2', m, Math.floor(n / 2), r1, r2, proof);
      no('wrong old root', m, n, some, r2, proof);
      no('wrong new root', m, n, r1, some, proof);
      no('swapped roots', m, n, r2, r1, proof);
      no('empty proof', m, n, r1, r2, []);
      no('extended', m, n, r1, r2, [...proof, r1]);
      no('extended with new root', m, n, r1, r2, [...proof, r2]);
      no('prefixed with old root', m, n, r1, r2, [r1, ...proof]);
      no('prefixed with new root', m, n, r1, r2, [r2, ...proof]);
      no('prefixed with proof[0]', m, n, r1, r2, [proof[0] as Buffer, ...proof]);
      no('truncated', m, n, r1, r2, proof.slice(0, -1));
    }
  }
  const r = store.roots[3] as Buffer;
  assert.equal(verifyConsistency(3, 3, r, r, []), true);
  assert.equal(verifyConsistency(3, 3, r, store.roots[4] as Buffer, []), false);
  assert.equal(verifyConsistency(3, 3, r, r, [r]), false);
  assert.equal(verifyConsistency(0, 3, r, r, []), false, 'size 0 must have the empty root');
  assert.equal(verifyConsistency(0, 3, emptyRoot(), r, [r]), false);
  assert.equal(verifyConsistency(4, 3, r, r, [r]), false);
});

test('out-of-range plans throw WRIT_LEDGER_RANGE', () => {
  const range = (fn: () => unknown) => assert.throws(fn, (e) => isWritError(e, 'WRIT_LEDGER_RANGE'));
  range(() => inclusionPlan(5, 5));
  range(() => inclusionPlan(0, 0));
  range(() => inclusionPlan(-1, 5));
  range(() => assembleInclusion(7, 3, get));
  range(() => consistencyPlan(6, 5));
  range(() => consistencyPlan(-1, 5));
  range(() => assembleConsistency(2.5, 5, get));
  range(() => rootFromNodes(-1, get));
  range(() => inclusionPlan(0, 2 ** 53));
});

test('plans stay logarithmic for large trees', () => {
  const n = 2 ** 40 + 12345;
  assert.ok(inclusionPlan(n - 1, n).length <= 2 * 41);
  assert.ok(inclusionPlan(0, n).length <= 2 * 41);
  assert.ok(consistencyPlan(2 ** 39 + 7, n).length <= 2 * 41);
  for (const k of consistencyPlan(2 ** 39 + 7, n)) assert.ok((k.index + 1) * 2 ** k.level <= n);
});

// ---- Published known answers: the RFC 6962 test tree used by Certificate Transparency's
// reference implementations (transparency-dev/merkle testonly/constants.go, proof/verify_test.go).

const hex = (s: string) => Buffer.from(s, 'hex');
const KNOWN_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const KNOWN_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);

test('published RFC 6962 known answers: roots, inclusion and consistency proofs', () => {
  const f = new Frontier();
  const nodes = new Map<string, Buffer>();
  KNOWN_LEAVES.forEach((d, i) => {
    nodes.set(`0/${i}`, leafHash(d));
    for (const n of f.push(leafHash(d))) nodes.set(`${n.level}/${n.index}`, n.hash);
    assert.deepEqual(f.root(), KNOWN_ROOTS[i], `root of size ${i + 1}`);
  });
  const known = (k: NodeKey) => nodes.get(`${k.level}/${k.index}`) as Buffer;
  const inclusion: Array<[number, number, string[]]> = [
    [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
    [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  ];
  for (const [m, n, expected] of inclusion) {
    assert.deepEqual(assembleInclusion(m, n, known), expected.map(hex), `inclusion ${m}/${n}`);
    assert.ok(verifyInclusion(leafHash(KNOWN_LEAVES[m] as Buffer), m, n, expected.map(hex), KNOWN_ROOTS[n - 1] as Buffer));
  }
  const consistency: Array<[number, number, string[]]> = [
    [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
    [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  ];
  for (const [m, n, expected] of consistency) {
    assert.deepEqual(assembleConsistency(m, n, known), expected.map(hex), `consistency ${m} -> ${n}`);
    assert.ok(verifyConsistency(m, n, KNOWN_ROOTS[m - 1] as Buffer, KNOWN_ROOTS[n - 1] as Buffer, expected.map(hex)));
  }
});
