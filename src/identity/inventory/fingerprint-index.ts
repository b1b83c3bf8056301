import { WritError } from '../../errors/index.ts';
import { FINGERPRINT_PATTERN } from './identity-schema.ts';

/**
 * What the index needs from `Fingerprinter` (src/secrets): a keyed, deterministic
 * fingerprint `fp:…` of a secret. Typed structurally so that callers pass the real one.
 */
export interface SecretFingerprinter {
  of(secret: string | Buffer): string;
}

export type IndexMatchBy = 'secret_fingerprint' | 'key_id';

export interface IndexMatch {
  identityId: string;
  by: IndexMatchBy;
}

/**
 * Maps secret fingerprints and public key ids to identity ids. Secrets given to it are
 * fingerprinted on the way in and dropped; the index holds no secret, only `fp:…`
 * strings (keyed HMACs) and key ids, so it can be stored, logged and shown.
 */
export class FingerprintIndex {
  readonly #fingerprinter: SecretFingerprinter;
  readonly #byFingerprint = new Map<string, Set<string>>();
  readonly #byKeyId = new Map<string, Set<string>>();
  readonly #ofIdentity = new Map<string, { fingerprints: Set<string>; keyIds: Set<string> }>();

  constructor(fingerprinter: SecretFingerprinter) {
    this.#fingerprinter = fingerprinter;
  }

  /** The fingerprint of a secret, with this index's key. The secret is not kept. */
  fingerprint(secret: string | Buffer): string {
    return this.#fingerprinter.of(secret);
  }

  /** Registers a secret by its fingerprint (e.g. a connector's freshly issued credential). */
  addSecret(identityId: string, secret: string | Buffer): string {
    const fingerprint = this.fingerprint(secret);
    this.addFingerprint(identityId, fingerprint);
    return fingerprint;
  }

  addFingerprint(identityId: string, fingerprint: string): void {
    if (!FINGERPRINT_PATTERN.test(fingerprint)) {
      throw new WritError('WRIT_INPUT_INVALID', `fingerprint for identity ${identityId} is not of the form fp:…`);
    }
    link(this.#byFingerprint, fingerprint, identityId);
    this.#entry(identityId).fingerprints.add(fingerprint);
  }

  addKeyId(identityId: string, keyId: string): void {
    link(this.#byKeyId, keyId, identityId);
    this.#entry(identityId).keyIds.add(keyId);
  }

  /** Forgets one fingerprint (e.g. the old secret after a verified rotation). */
  removeFingerprint(identityId: string, fingerprint: string): void {
    unlink(this.#byFingerprint, fingerprint, identityId);
    this.#ofIdentity.get(identityId)?.fingerprints.delete(fingerprint);
  }

  /** Forgets everything known about an identity. */
  removeIdentity(identityId: string): void {
    const entry = this.#ofIdentity.get(identityId);
    if (!entry) return;
    for (const fp of entry.fingerprints) unlink(this.#byFingerprint, fp, identityId);
    for (const keyId of entry.keyIds) unlink(this.#byKeyId, keyId, identityId);
    this.#ofIdentity.delete(identityId);
  }

  /** Identity ids whose registered secret has this fingerprint. */
  lookupFingerprint(fingerprint: string): string[] {
    return [...(this.#byFingerprint.get(fingerprint) ?? [])].sort();
  }

  lookupKeyId(keyId: string): string[] {
    return [...(this.#byKeyId.get(keyId) ?? [])].sort();
  }

  /** Fingerprints the secret and looks it up; the secret is not kept. */
  lookupSecret(secret: string | Buffer): string[] {
    return this.lookupFingerprint(this.fingerprint(secret));
  }

  /**
   * Every identity matched by any of the fingerprints or key ids, secret fingerprints
   * first (they prove possession of the secret; a key id only names the credential).
   */
  match(fingerprints: readonly string[], keyIds: readonly string[]): IndexMatch[] {
    const out = new Map<string, IndexMatch>();
    for (const fp of fingerprints) {
      for (const id of this.lookupFingerprint(fp)) out.set(id, { identityId: id, by: 'secret_fingerprint' });
    }
    for (const keyId of keyIds) {
      for (const id of this.lookupKeyId(keyId)) if (!out.has(id)) out.set(id, { identityId: id, by: 'key_id' });
    }
    return [...out.values()];
  }

  get size(): { fingerprints: number; keyIds: number } {
    return { fingerprints: this.#byFingerprint.size, keyIds: this.#byKeyId.size };
  }

  #entry(identityId: string): { fingerprints: Set<string>; keyIds: Set<string> } {
    let entry = this.#ofIdentity.get(identityId);
    if (!entry) {
      entry = { fingerprints: new Set(), keyIds: new Set() };
      this.#ofIdentity.set(identityId, entry);
    }
    return entry;
  }
}

function link(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function unlink(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
