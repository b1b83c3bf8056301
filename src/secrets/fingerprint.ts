import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { WritError } from '../errors/index.ts';
import { readOrCreateKeyFile, unreadable } from './key-file.ts';

export const FINGERPRINT_KEY_BYTES = 32;

/**
 * Names a secret without revealing it: `fp:` + the first 32 hex digits (128 bits) of
 * HMAC-SHA256(key, secret). Keyed, so a fingerprint of a low-entropy password in a published
 * ledger cannot be brute-forced offline; the same key lets an identity inventory match a
 * leaked value to the identity that holds it.
 */
export class Fingerprinter {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length < FINGERPRINT_KEY_BYTES) {
      throw new WritError('WRIT_INPUT_INVALID', `a fingerprint key must be at least ${FINGERPRINT_KEY_BYTES} bytes`);
    }
    this.#key = Buffer.from(key);
  }

  of(secret: string | Buffer): string {
    const digest = createHmac('sha256', this.#key).update(secret).digest('hex');
    return `fp:${digest.slice(0, 32)}`;
  }

  // The key lives in a private field; these keep it out of logs and JSON all the same.
  toJSON(): string {
    return 'Fingerprinter';
  }

  [inspect.custom](): string {
    return 'Fingerprinter [key hidden]';
  }
}

const WHAT = 'fingerprint key';

/** Loads the fingerprint key (base64 in a file), creating 32 random bytes (mode 0600) when asked. */
export function loadOrCreateFingerprintKey(path: string, options: { create: boolean }): Buffer {
  const text = readOrCreateKeyFile(path, {
    create: options.create,
    what: WHAT,
    generate: () => `${randomBytes(FINGERPRINT_KEY_BYTES).toString('base64')}\n`,
  });
  const encoded = text.trim();
  if (encoded.length === 0) throw unreadable(WHAT, path, 'is empty');
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw unreadable(WHAT, path, 'is not base64');
  }
  if (key.length < FINGERPRINT_KEY_BYTES) {
    throw unreadable(WHAT, path, `holds ${key.length} bytes, at least ${FINGERPRINT_KEY_BYTES} are needed`);
  }
  return key;
}
