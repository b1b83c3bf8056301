import { createHash } from 'node:crypto';
import { WritError } from '../errors/index.ts';

/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and verification.
 *
 * Sizes and indices are plain numbers; they are handled with arithmetic, never with
 * JavaScript's 32-bit bitwise operators, so any safe integer (< 2^53) works.
 */

export const HASH_SIZE = 32;

/** A perfect subtree: level L, index i covers leaves [i·2^L, (i+1)·2^L). Level 0 = leaf hashes. */
export interface NodeKey {
  level: number;
  index: number;
}

export interface NodeRef extends NodeKey {
  hash: Buffer;
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}): the root of the empty tree. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/**
 * The right edge of the tree: the roots of the perfect subtrees covering [0, size), largest
 * first (one per set bit of `size`). Enough to append in O(log n) and to compute the root
 * without reading the whole tree.
 */
export class Frontier {
  #size: number;
  readonly #hashes: Buffer[];

  constructor(size = 0, hashes: Buffer[] = []) {
    if (!isSize(size)) throw range(`frontier size ${size} is not a non-negative safe integer`);
    if (hashes.length !== popcount(size)) {
      throw new WritError(
        'WRIT_LEDGER_INVALID',
        `a frontier of size ${size} needs ${popcount(size)} hashes, got ${hashes.length}`,
      );
    }
    for (const h of hashes) {
      if (!isHash(h)) throw new WritError('WRIT_LEDGER_INVALID', 'a frontier hash is not 32 bytes');
    }
    this.#size = size;
    this.#hashes = hashes.map((h) => Buffer.from(h));
  }

  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash; returns the interior nodes (level ≥ 1) this append completed. */
  push(leaf: Buffer): NodeRef[] {
    if (!isHash(leaf)) throw new WritError('WRIT_INPUT_INVALID', 'a leaf hash must be 32 bytes');
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw range('the tree is at its maximum size');
    const leafIndex = this.#size;
    const completed: NodeRef[] = [];
    let hash: Buffer = Buffer.from(leaf);
    let level = 0;
    // Each trailing 1 bit of the old size is a same-sized left sibling waiting to be merged.
    for (let rest = leafIndex; rest % 2 === 1; rest = (rest - 1) / 2) {
      const left = this.#hashes.pop() as Buffer;
      hash = nodeHash(left, hash);
      level += 1;
      completed.push({ level, index: Math.floor(leafIndex / 2 ** level), hash });
    }
    this.#hashes.push(hash);
    this.#size = leafIndex + 1;
    return completed;
  }

  /** RFC 9162 MTH of the leaves pushed so far. */
  root(): Buffer {
    const last = this.#hashes.length - 1;
    if (last < 0) return emptyRoot();
    let root = this.#hashes[last] as Buffer;
    for (let i = last - 1; i >= 0; i--) root = nodeHash(this.#hashes[i] as Buffer, root);
    return root;
  }

  /** The subtree roots as hex, largest first; pair with `size` to persist. */
  toJSON(): string[] {
    return this.#hashes.map((h) => h.toString('hex'));
  }

  static fromJSON(size: number, hex: string[]): Frontier {
    if (!Array.isArray(hex) || !hex.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/i.test(h))) {
      throw new WritError('WRIT_LEDGER_INVALID', 'a stored frontier hash is not 64 hex digits');
    }
    return new Frontier(size, hex.map((h) => Buffer.from(h, 'hex')));
  }
}

// ---------------------------------------------------------------------------------------
// Proof planning and assembly. A proof element is the MTH of a subtree D[a:b); subtrees
// on the right edge are not perfect, so each element is planned as the perfect subtrees
// that compose it. A store fetches every planned node in one query, then assembles.

type Range = readonly [start: number, end: number];

/** Perfect subtrees whose hashes an RFC 9162 inclusion proof for `leafIndex` needs. */
export function inclusionPlan(leafIndex: number, treeSize: number): NodeKey[] {
  return inclusionRanges(leafIndex, treeSize).flatMap(([a, b]) => decompose(a, b));
}

/** Perfect subtrees whose hashes an RFC 9162 consistency proof from `oldSize` needs. */
export function consistencyPlan(oldSize: number, newSize: number): NodeKey[] {
  return consistencyRanges(oldSize, newSize).flatMap(([a, b]) => decompose(a, b));
}

/** RFC 9162 §2.1.3.1 PATH(leafIndex, D[treeSize]), from stored perfect-subtree hashes. */
export function assembleInclusion(leafIndex: number, treeSize: number, get: (k: NodeKey) => Buffer): Buffer[] {
  return inclusionRanges(leafIndex, treeSize).map(([a, b]) => rangeHash(a, b, get));
}

/** RFC 9162 §2.1.4.1 PROOF(oldSize, D[newSize]), from stored perfect-subtree hashes. */
export function assembleConsistency(oldSize: number, newSize: number, get: (k: NodeKey) => Buffer): Buffer[] {
  return consistencyRanges(oldSize, newSize).map(([a, b]) => rangeHash(a, b, get));
}

/** MTH(D[size]) from stored perfect-subtree hashes (the nodes of `rootPlan(size)`). */
export function rootFromNodes(size: number, get: (k: NodeKey) => Buffer): Buffer {
  if (!isSize(size)) throw range(`tree size ${size} is not a non-negative safe integer`);
  return size === 0 ? emptyRoot() : rangeHash(0, size, get);
}

/** The perfect subtrees whose hashes `rootFromNodes(size)` reads. */
export function rootPlan(size: number): NodeKey[] {
  if (!isSize(size)) throw range(`tree size ${size} is not a non-negative safe integer`);
  return decompose(0, size);
}

function inclusionRanges(leafIndex: number, treeSize: number): Range[] {
  if (!isSize(treeSize) || !isSize(leafIndex) || leafIndex >= treeSize) {
    throw range(`leaf ${leafIndex} is outside a tree of size ${treeSize}`);
  }
  // PATH(m, D[lo:hi]) unrolled from the root down; collected leaf-side first.
  const path: Range[] = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (leafIndex < lo + k) {
      path.push([lo + k, hi]);
      hi = lo + k;
    } else {
      path.push([lo, lo + k]);
      lo += k;
    }
  }
  return path.reverse();
}

function consistencyRanges(oldSize: number, newSize: number): Range[] {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) {
    throw range(`cannot prove size ${oldSize} consistent with size ${newSize}`);
  }
  // Nothing to prove: the empty tree and an identical tree are consistent with everything.
  if (oldSize === 0 || oldSize === newSize) return [];
  // SUBPROOF(m, D[lo:hi], b) unrolled; collected top-down, returned leaf-side first.
  const proof: Range[] = [];
  let m = oldSize;
  let lo = 0;
  let hi = newSize;
  let whole = true; // b: the old tree is D[0:m] itself, whose root the verifier already has
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      proof.push([lo + k, hi]);
      hi = lo + k;
    } else {
      proof.push([lo, lo + k]);
      lo += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push([lo, hi]);
  return proof.reverse();
}

/** Perfect subtrees covering [start, end), largest first (start aligned as in RFC trees). */
function decompose(start: number, end: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let at = start;
  while (at < end) {
    let size = largestPowerOfTwoAtMost(end - at);
    while (at % size !== 0) size /= 2;
    keys.push({ level: Math.log2(size), index: at / size });
    at += size;
  }
  return keys;
}

function rangeHash(start: number, end: number, get: (k: NodeKey) => Buffer): Buffer {
  const hashes = decompose(start, end).map((key) => {
    const hash = get(key);
    if (!isHash(hash)) {
      throw new WritError('WRIT_LEDGER_INVALID', `stored node ${key.level}/${key.index} is missing or not 32 bytes`);
    }
    return hash;
  });
  let hash = hashes[hashes.length - 1] as Buffer;
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i] as Buffer, hash);
  return hash;
}

// ---------------------------------------------------------------------------------------
// Verification, step by step as RFC 9162 §2.1.3.2 and §2.1.4.2 write it. Returns false for
// any malformed input rather than throwing: the caller asks a yes/no question.

export function verifyInclusion(
  leaf: Buffer,
  leafIndex: number,
  treeSize: number,
  path: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!isSize(leafIndex) || !isSize(treeSize) || !isHash(leaf) || !isHash(root) || !path.every(isHash)) {
    return false;
  }
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Buffer,
  newRoot: Buffer,
  path: readonly Buffer[],
): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || !isHash(oldRoot) || !isHash(newRoot) || !path.every(isHash)) {
    return false;
  }
  if (oldSize > newSize) return false;
  // Outside RFC 9162's 0 < first < second: nothing to prove, so the path must be empty.
  if (oldSize === newSize) return path.length === 0 && oldRoot.equals(newRoot);
  if (oldSize === 0) return path.length === 0 && oldRoot.equals(emptyRoot());
  if (path.length === 0) return false;
  const proof = isPowerOfTwo(oldSize) ? [oldRoot, ...path] : [...path];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0] as Buffer;
  let sr = fr;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(oldRoot) && sr.equals(newRoot) && sn === 0;
}

// ---------------------------------------------------------------------------------------

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(h: unknown): h is Buffer {
  return Buffer.isBuffer(h) && h.length === HASH_SIZE;
}

function odd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function popcount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = half(rest)) count += rest % 2;
  return count;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && popcount(n) === 1;
}

/** The k of RFC 9162: the largest power of two strictly below n (n > 1). */
function largestPowerOfTwoBelow(n: number): number {
  return largestPowerOfTwoAtMost(n - 1);
}

function largestPowerOfTwoAtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

function range(message: string): WritError {
  return new WritError('WRIT_LEDGER_RANGE', message);
}
