/**
 * Checks the server's evidence in the browser, trusting only the verifier key: each entry's
 * RFC 9162 inclusion proof against the checkpoint's root, and the checkpoint's Ed25519
 * signature (C2SP signed note). Nothing here asks the server whether it is telling the truth.
 */

export interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  leaf: string;
  path: string[];
  root: string;
  checkpoint: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const b64 = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 9162 §2.1.3.2. */
export async function verifyInclusion(proof: InclusionProof): Promise<Verdict> {
  const { leaf_index: index, tree_size: size } = proof;
  if (index >= size) return { ok: false, reason: 'leaf index beyond the tree' };
  let fn = index;
  let sn = size - 1;
  let r = await sha256(new Uint8Array([0]), b64(proof.leaf));
  for (const text of proof.path) {
    const p = b64(text);
    if (sn === 0) return { ok: false, reason: 'proof longer than the tree allows' };
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(new Uint8Array([1]), p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(new Uint8Array([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { ok: false, reason: 'proof shorter than the tree requires' };
  return equal(r, b64(proof.root)) ? { ok: true } : { ok: false, reason: 'the path does not lead to the root' };
}

export interface CheckpointCheck {
  verdict: Verdict;
  origin: string;
  size: number;
  root: string;
  /** False when this browser has no Ed25519 in WebCrypto: the signature was not checked here. */
  signatureChecked: boolean;
}

/** Parses the signed note and checks its signature with the verifier key `name+hash+base64`. */
export async function verifyCheckpoint(note: string, verifierKey: string): Promise<CheckpointCheck> {
  const split = note.lastIndexOf('\n\n');
  const body = note.slice(0, split + 1);
  const [origin = '', sizeText = '', root = ''] = body.split('\n');
  const base = { origin, size: Number(sizeText), root, signatureChecked: false };
  // name+hash+base64: the name has no "+", the hash is hex, and the base64 key may hold "+".
  const first = verifierKey.indexOf('+');
  const second = verifierKey.indexOf('+', first + 1);
  const name = first > 0 ? verifierKey.slice(0, first) : '';
  const keyHashHex = second > first ? verifierKey.slice(first + 1, second) : '';
  const keyText = second > first ? verifierKey.slice(second + 1) : '';
  if (split < 0 || !name || !keyHashHex || !keyText) return { ...base, verdict: { ok: false, reason: 'malformed checkpoint or key' } };
  const key = b64(keyText);
  if (key[0] !== 1 || key.length !== 33) return { ...base, verdict: { ok: false, reason: 'not an Ed25519 verifier key' } };
  const lines = note.slice(split + 2).split('\n').filter((l) => l !== '');
  const mine = lines.map((l) => /^\u2014 (\S+) (\S+)$/u.exec(l)).find((m) => m && m[1] === name);
  if (!mine) return { ...base, verdict: { ok: false, reason: `no signature by ${name}` } };
  const blob = b64(mine[2]!);
  const hex = [...blob.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (hex !== keyHashHex) return { ...base, verdict: { ok: false, reason: 'signed by another key' } };
  let publicKey: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
  try {
    publicKey = await crypto.subtle.importKey('raw', key.slice(1), { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return { ...base, verdict: { ok: true } };
  }
  const valid = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, blob.slice(4), new TextEncoder().encode(body));
  return { ...base, signatureChecked: true, verdict: valid ? { ok: true } : { ok: false, reason: 'the signature does not verify' } };
}
