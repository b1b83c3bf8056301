import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readOrCreateKeyFile, unreadable } from '../secrets/index.ts';

export interface SigningKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const WHAT = 'signing key';

/**
 * The ledger's Ed25519 checkpoint key, a PKCS#8 PEM file. With `create`, an absent file is
 * generated (mode 0600, parent directory made); an unreadable, empty, non-PEM or
 * non-Ed25519 file is WRIT_KEY_UNREADABLE naming the path and never the key's bytes.
 */
export function loadOrCreateSigningKey(path: string, options: { create: boolean }): SigningKeyPair {
  const pem = readOrCreateKeyFile(path, {
    create: options.create,
    what: WHAT,
    generate: () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  });
  if (pem.trim().length === 0) throw unreadable(WHAT, path, 'is empty');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
    throw unreadable(WHAT, path, 'is encrypted; the ledger needs an unencrypted PKCS#8 key');
  }
  if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) {
    throw unreadable(WHAT, path, 'is not a PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----")');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message is dropped on purpose: it is no help and could echo input.
    throw unreadable(WHAT, path, 'holds a PEM block that is not a valid private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw unreadable(WHAT, path, `holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key, expected ed25519`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
