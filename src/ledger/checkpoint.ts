import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import { HASH_SIZE } from './merkle.ts';

/**
 * Signed log heads in the C2SP formats: c2sp.org/tlog-checkpoint for the body and
 * c2sp.org/signed-note with Ed25519 (signature type 0x01) for the signatures, so any
 * witness or verifier of that ecosystem (Go's sumdb/note, Sigstore, ...) can check them.
 */

export interface NoteSigner {
  name: string;
  privateKey: KeyObject;
}

export interface NoteVerifier {
  name: string;
  /** The 4-byte key ID: SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4]. */
  keyHash: Buffer;
  publicKey: KeyObject;
}

export interface NoteSignature {
  name: string;
  keyHash: Buffer;
  signature: Buffer;
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
}

export interface ParsedCheckpoint extends Checkpoint {
  /** The signed note text: the checkpoint lines, each ending in "\n". */
  body: string;
  signatures: NoteSignature[];
}

const ED25519 = 0x01;
const EM_DASH = '\u2014';
/** signed-note: verifiers MUST accept at least 16; a bound keeps hostile input cheap. */
const MAX_SIGNATURES = 100;

/** The checkpoint note text: origin, decimal size, base64 root hash, each line ending "\n". */
export function checkpointBody(origin: string, size: number, rootHash: Buffer): string {
  if (origin.length === 0 || /[\u0000-\u001f]/.test(origin) || hasLoneSurrogate(origin)) {
    throw new WritError('WRIT_INPUT_INVALID', 'a checkpoint origin must be one non-empty line of text');
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new WritError('WRIT_INPUT_INVALID', `checkpoint size ${size} is not a non-negative integer`);
  }
  if (!Buffer.isBuffer(rootHash) || rootHash.length !== HASH_SIZE) {
    throw new WritError('WRIT_INPUT_INVALID', 'a checkpoint root hash must be 32 bytes');
  }
  return `${origin}\n${size}\n${rootHash.toString('base64')}\n`;
}

/** Signs `body` and returns the signed note: body, blank line, one signature line. */
export function signNote(body: string, signer: NoteSigner): string {
  const bad = noteTextProblem(body);
  if (bad) throw new WritError('WRIT_INPUT_INVALID', `cannot sign the note: ${bad}`);
  assertKeyName(signer.name);
  const publicKey = ed25519PublicKey(signer.privateKey, 'signer');
  const keyHash = keyId(signer.name, rawPublicKey(publicKey));
  const signature = sign(null, Buffer.from(body, 'utf8'), signer.privateKey);
  return `${body}\n${EM_DASH} ${signer.name} ${Buffer.concat([keyHash, signature]).toString('base64')}\n`;
}

/** The verifier key text `<name>+<8 hex key ID>+<base64(0x01 ‖ public key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  assertKeyName(name);
  const raw = rawPublicKey(ed25519PublicKey(publicKey, 'verifier'));
  const encoded = Buffer.concat([Buffer.from([ED25519]), raw]).toString('base64');
  return `${name}+${keyId(name, raw).toString('hex')}+${encoded}`;
}

/** Parses and checks a verifier key (its key ID must match its name and key). */
export function parseVerifierKey(text: string): NoteVerifier {
  const invalid = (why: string): WritError =>
    new WritError('WRIT_INPUT_INVALID', `verifier key is malformed: ${why}`);
  // The name holds no "+", so the first two split it; base64 may contain "+" itself.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw invalid('expected <name>+<key id>+<key>');
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const key64 = text.slice(second + 1);
  if (!isKeyName(name)) throw invalid('the key name is empty or contains a space or "+"');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw invalid('the key ID is not 8 lowercase hex digits');
  const key = strictBase64(key64);
  if (!key || key.length !== 33 || key[0] !== ED25519) throw invalid('the key is not a base64 Ed25519 key');
  const raw = key.subarray(1);
  const keyHash = keyId(name, raw);
  if (keyHash.toString('hex') !== idHex) throw invalid('the key ID does not match the name and key');
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    return { name, keyHash, publicKey };
  } catch {
    throw invalid('the key is not a valid Ed25519 public key');
  }
}

/** Parses a signed checkpoint without verifying it. Throws WRIT_LEDGER_INVALID when malformed. */
export function parseCheckpoint(noteText: string): ParsedCheckpoint {
  const { body, signatures } = splitNote(noteText);
  const lines = body.slice(0, -1).split('\n');
  const [origin, sizeText, root64] = lines;
  if (origin === undefined || sizeText === undefined || root64 === undefined || lines.some((l) => l === '')) {
    throw malformed('a checkpoint needs origin, size and root hash lines, none empty');
  }
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw malformed(`tree size "${sizeText.slice(0, 40)}" is not a decimal integer without leading zeros`);
  }
  const rootHash = strictBase64(root64);
  if (!rootHash || rootHash.length !== HASH_SIZE) throw malformed('the root hash is not base64 of 32 bytes');
  return { origin, size: Number(sizeText), rootHash, body, signatures };
}

/**
 * Verifies a signed checkpoint against one trusted verifier key. Signatures by other keys
 * are ignored (witness cosignatures, key rotation), as signed-note requires; the note is
 * rejected unless a signature by this key is present and every one of them verifies.
 */
export function verifyCheckpoint(noteText: string, verifierKeyText: string): Checkpoint {
  const verifier = parseVerifierKey(verifierKeyText);
  const checkpoint = parseCheckpoint(noteText);
  const mine = checkpoint.signatures.filter((s) => s.name === verifier.name && s.keyHash.equals(verifier.keyHash));
  if (mine.length === 0) {
    const names = [...new Set(checkpoint.signatures.map((s) => s.name))].join(', ');
    throw new WritError(
      'WRIT_LEDGER_INVALID',
      `checkpoint is not signed by the trusted key ${verifier.name}+${verifier.keyHash.toString('hex')} (signed by: ${names})`,
    );
  }
  const message = Buffer.from(checkpoint.body, 'utf8');
  for (const s of mine) {
    if (s.signature.length !== 64 || !verify(null, message, verifier.publicKey, s.signature)) {
      throw new WritError('WRIT_LEDGER_INVALID', `checkpoint signature by ${verifier.name} does not verify`);
    }
  }
  return { origin: checkpoint.origin, size: checkpoint.size, rootHash: checkpoint.rootHash };
}

// ---------------------------------------------------------------------------------------

function splitNote(noteText: string): { body: string; signatures: NoteSignature[] } {
  if (typeof noteText !== 'string') throw malformed('a note must be text');
  // The text ends at the last blank line; everything after it is signature lines.
  const split = noteText.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line separates the text from the signatures');
  const body = noteText.slice(0, split + 1);
  const problem = noteTextProblem(body);
  if (problem) throw malformed(problem);
  const block = noteText.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end in a newline');
  const blockProblem = noteTextProblem(block);
  if (blockProblem) throw malformed(blockProblem);
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
    const name = match?.[1];
    const blob = match?.[2] === undefined ? undefined : strictBase64(match[2]);
    if (name === undefined || !isKeyName(name) || !blob || blob.length < 5) {
      throw malformed('a signature line is not "— <key name> <base64 signature>"');
    }
    return { name, keyHash: blob.subarray(0, 4), signature: blob.subarray(4) };
  });
  return { body, signatures };
}

/** Why `text` cannot be signed-note text, or undefined when it can. */
function noteTextProblem(text: string): string | undefined {
  if (text.length === 0 || !text.endsWith('\n')) return 'the note text must end in a newline';
  if (hasLoneSurrogate(text)) return 'the note is not valid Unicode';
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) return 'the note contains a control character';
  return undefined;
}

function keyId(name: string, rawKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519]))
    .update(rawKey)
    .digest()
    .subarray(0, 4);
}

function isKeyName(name: string): boolean {
  // signed-note: non-empty, no Unicode spaces, no "+".
  return name.length > 0 && !/[\s+]/u.test(name) && !hasLoneSurrogate(name) && !/[\u0000-\u001f]/.test(name);
}

function assertKeyName(name: string): void {
  if (!isKeyName(name)) {
    throw new WritError('WRIT_INPUT_INVALID', 'a note key name must be non-empty, without spaces or "+"');
  }
}

function ed25519PublicKey(key: KeyObject, role: string): KeyObject {
  if (key?.asymmetricKeyType !== 'ed25519') {
    throw new WritError('WRIT_INPUT_INVALID', `the ${role} key is not an Ed25519 key`);
  }
  return key.type === 'private' ? createPublicKey(key) : key;
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x ?? '', 'base64url');
}

/** Standard padded base64 (RFC 4648 §4) that round-trips exactly; undefined otherwise. */
function strictBase64(text: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function hasLoneSurrogate(text: string): boolean {
  return /\p{Cs}/u.test(text);
}

function malformed(why: string): WritError {
  return new WritError('WRIT_LEDGER_INVALID', `checkpoint is malformed: ${why}`);
}
