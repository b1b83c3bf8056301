import { WritError } from '../../errors/index.ts';
import { walkDependencyChain, type DependencyChain, type WalkOptions } from './dependency-chain.ts';
import { FingerprintIndex, type IndexMatch, type SecretFingerprinter } from './fingerprint-index.ts';
import { identityInputSchema, type Identity, type IdentityInput } from './identity-schema.ts';
import { describeIssue, formatPath } from '../input-issues.ts';

/**
 * The identities Writ knows, with their fingerprint index kept in step. In memory: the
 * kernel persists identities in its store and rebuilds an inventory from them.
 */
export class Inventory {
  readonly index: FingerprintIndex;
  readonly #identities = new Map<string, Identity>();
  readonly #bySystemTarget = new Map<string, string>();

  constructor(fingerprinter: SecretFingerprinter, identities: Iterable<Identity> = []) {
    this.index = new FingerprintIndex(fingerprinter);
    for (const identity of identities) this.put(identity);
  }

  /** Validates raw input (API body, one YAML entry) and stores it; one-line error otherwise. */
  putInput(input: IdentityInput | Record<string, unknown>): Identity {
    const parsed = identityInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WritError(
        'WRIT_INPUT_INVALID',
        `identity, field ${issue ? formatPath(issue.path) || '(identity)' : '(identity)'}: ${issue ? describeIssue(issue, input) : 'is invalid'}`,
      );
    }
    return this.put(parsed.data);
  }

  /** Adds or replaces an identity (already validated) and re-indexes it. */
  put(identity: Identity): Identity {
    this.remove(identity.id);
    const stored = structuredClone(identity);
    this.#identities.set(stored.id, stored);
    for (const fp of stored.secretFingerprints) this.index.addFingerprint(stored.id, fp);
    for (const keyId of stored.keyIds) this.index.addKeyId(stored.id, keyId);
    this.#bySystemTarget.set(systemKey(stored.system.connector, stored.system.target), stored.id);
    return stored;
  }

  remove(identityId: string): boolean {
    const existing = this.#identities.get(identityId);
    if (!existing) return false;
    this.#identities.delete(identityId);
    this.index.removeIdentity(identityId);
    const key = systemKey(existing.system.connector, existing.system.target);
    if (this.#bySystemTarget.get(key) === identityId) this.#bySystemTarget.delete(key);
    return true;
  }

  get(identityId: string): Identity | undefined {
    return this.#identities.get(identityId);
  }

  require(identityId: string): Identity {
    const identity = this.#identities.get(identityId);
    if (!identity) throw new WritError('WRIT_NOT_FOUND', `identity ${identityId} is not in the inventory`);
    return identity;
  }

  list(): Identity[] {
    return [...this.#identities.values()];
  }

  get size(): number {
    return this.#identities.size;
  }

  /** The identity a connector manages under this target (a role name, an ACL user). */
  findBySystemTarget(connector: string, target: string): Identity | undefined {
    const id = this.#bySystemTarget.get(systemKey(connector, target));
    return id === undefined ? undefined : this.#identities.get(id);
  }

  /** Identities matched by secret fingerprints or key ids (see {@link FingerprintIndex.match}). */
  match(fingerprints: readonly string[], keyIds: readonly string[]): IndexMatch[] {
    return this.index.match(fingerprints, keyIds);
  }

  /**
   * Records a newly issued secret (after a verified rotation) and, when given, forgets the
   * retired one. Only fingerprints are stored.
   */
  recordRotation(identityId: string, change: { addFingerprint: string; removeFingerprint?: string; at: string }): Identity {
    const identity = this.require(identityId);
    const fingerprints = identity.secretFingerprints.filter((fp) => fp !== change.removeFingerprint);
    if (!fingerprints.includes(change.addFingerprint)) fingerprints.push(change.addFingerprint);
    return this.put({ ...identity, secretFingerprints: fingerprints, lastRotatedAt: change.at });
  }

  dependencyChain(identityId: string, options?: WalkOptions): DependencyChain {
    this.require(identityId);
    return walkDependencyChain(identityId, (id) => this.#identities.get(id), options);
  }
}

function systemKey(connector: string, target: string): string {
  return `${connector}\u0000${target}`;
}
