import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Ledger, verifierKey } from '../../src/ledger/index.ts';
import { Fingerprinter, Redactor } from '../../src/secrets/index.ts';
import type { Store } from '../../src/store/index.ts';

export const TEST_ORIGIN = 'writ.test/ledger';

/** A ledger over `store` with a fresh signing key; `key` is its verifier key text. */
export function makeLedger(store: Store, options: { checkpointIntervalMs?: number } = {}) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const fingerprinter = new Fingerprinter(randomBytes(32));
  const ledger = new Ledger(store, {
    origin: TEST_ORIGIN,
    signer: { name: TEST_ORIGIN, privateKey, publicKey },
    redactor: new Redactor(fingerprinter),
    checkpointIntervalMs: options.checkpointIntervalMs ?? 0,
  });
  return { ledger, key: verifierKey(TEST_ORIGIN, publicKey), fingerprinter, privateKey, publicKey };
}
