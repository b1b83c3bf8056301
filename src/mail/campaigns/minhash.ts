/**
 * MinHash signatures of a body's word shingles: two bodies whose signatures agree in a
 * fraction f of positions have a Jaccard similarity of about f. Integer hashing only, so a
 * signature is the same on every machine.
 */
export const SIGNATURE_SIZE = 64;
const SHINGLE = 3;
// The opening of a body decides similarity; beyond it, hashing costs time for little gain.
const MAX_TOKENS = 1000;
/** Fewer shingles than this and a body is too short to call anything a near duplicate of it. */
export const MIN_SHINGLES = 8;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(h: number): number {
  // murmur3 finaliser: spreads the bits of h so h2 is independent enough of h1
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Tokens of a body with the parts that differ between copies of one campaign replaced:
 * links, addresses and numbers (tracking ids, amounts) become placeholders. Works on
 * whitespace-separated chunks, so no pattern ever rescans a word (regular expressions for
 * "an address anywhere" backtrack over every long word).
 */
const PLAIN_WORD = /^[a-z]+$/;
const LINK = /^\W*(?:https?:|www\.)/;
const DIGITS = /\d+/g;
const WORDS = /[\p{L}\p{N}]+/gu;

export function similarityTokens(text: string): string[] {
  const chunks = text.slice(0, 16 * MAX_TOKENS).toLowerCase().split(/\s+/);
  const out: string[] = [];
  for (const chunk of chunks) {
    if (out.length >= MAX_TOKENS) break;
    if (chunk === '') continue;
    if (PLAIN_WORD.test(chunk)) out.push(chunk);
    else if (chunk.includes('@')) out.push('email');
    else if (LINK.test(chunk)) out.push('url');
    else for (const w of chunk.replace(DIGITS, '0').match(WORDS) ?? []) out.push(w);
  }
  return out.slice(0, MAX_TOKENS);
}

const EMPTY = 0xffffffff;
const BIN_BITS = 6; // 64 bins
const VALUE_LIMIT = 2 ** (32 - BIN_BITS);

/**
 * The signature, or [] when the text is too short to compare. One-permutation hashing:
 * each shingle's hash picks a bin (low bits) and competes for that bin's minimum (high
 * bits); empty bins borrow from the next filled bin to the right, offset by the distance,
 * so that two signatures agree on a bin with probability about their Jaccard similarity.
 * Cost: one hash per shingle.
 */
export function minhash(text: string): number[] {
  const tokens = similarityTokens(text);
  if (tokens.length < SHINGLE + MIN_SHINGLES - 1) return [];
  const th = tokens.map(fnv1a);
  const sig = new Array<number>(SIGNATURE_SIZE).fill(EMPTY);
  const distinct = new Set<number>();
  for (let i = 0; i + SHINGLE <= th.length; i++) {
    const h = mix((th[i]! ^ Math.imul(th[i + 1]!, 0x9e3779b1) ^ Math.imul(th[i + 2]!, 0x85ebca77)) >>> 0);
    if (distinct.size < MIN_SHINGLES) distinct.add(h);
    const bin = h & (SIGNATURE_SIZE - 1);
    const value = h >>> BIN_BITS;
    if (value < sig[bin]!) sig[bin] = value;
  }
  if (distinct.size < MIN_SHINGLES) return [];
  for (let b = 0; b < SIGNATURE_SIZE; b++) {
    if (sig[b] !== EMPTY) continue;
    for (let d = 1; d < SIGNATURE_SIZE; d++) {
      const v = sig[(b + d) % SIGNATURE_SIZE]!;
      if (v !== EMPTY && v < VALUE_LIMIT) {
        sig[b] = (v + d * VALUE_LIMIT) >>> 0;
        break;
      }
    }
  }
  return sig;
}

/** Estimated Jaccard similarity of two signatures (0 when either is empty). */
export function similarity(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || a.length !== b.length) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
