import type { DependencyChain } from '../inventory/dependency-chain.ts';
import type { Identity, IdentityClass } from '../inventory/identity-schema.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { AuthEvent, AuthLog } from './auth-log.ts';
import type { IdentityFinding } from './finding.ts';

export type MatchBy = 'secret_fingerprint' | 'key_id' | 'identity_id' | 'principal';
export type MatchStatus = 'matched' | 'ambiguous' | 'unmatched' | 'identity_missing';
export type Queue = 'identity_response' | 'analyst' | 'owner_less';

export interface EnrichedFinding {
  finding: IdentityFinding;
  match: {
    status: MatchStatus;
    by?: MatchBy;
    identityId?: string;
    /** Every identity the strongest clue pointed at (more than one: ambiguous). */
    candidates: string[];
  };
  /** Snapshot of the matched identity at enrichment time. */
  identity?: Identity;
  owner?: Identity['owner'];
  identityClass?: IdentityClass;
  chain?: DependencyChain;
  /** Recent authentications of the identity, newest first. */
  authHistory: AuthEvent[];
  /**
   * The exposure or compromise is established, not suspected: the leaked value's
   * fingerprint is one of the identity's own, the source verified the secret live, or a
   * known-compromised credential was used.
   */
  confirmed: boolean;
  routing: { queue: Queue; reason: string };
}

export interface EnrichOptions {
  inventory: Inventory;
  authLog?: AuthLog;
  now?: () => Date;
  /** Auth history window (default 7 days) and size (default 20). */
  historyWindowMs?: number;
  historyLimit?: number;
}

/**
 * Matches a finding to an identity — by secret fingerprint, then key id, then the
 * identity id or principal the source named — and attaches owner, class, dependency
 * chain and recent auth history. A finding that matches nothing, or names an identity
 * the inventory no longer has, is routed to the owner-less queue; one whose strongest
 * clue fits several identities goes to an analyst.
 */
export function enrichFinding(finding: IdentityFinding, options: EnrichOptions): EnrichedFinding {
  const { inventory } = options;
  const cred = finding.writ.credential;
  const levels: Array<{ by: MatchBy; ids: string[] }> = [
    { by: 'secret_fingerprint', ids: unique(cred.fingerprints.flatMap((fp) => inventory.index.lookupFingerprint(fp))) },
    { by: 'key_id', ids: unique(cred.keyIds.flatMap((k) => inventory.index.lookupKeyId(k))) },
    { by: 'identity_id', ids: cred.identityId && inventory.get(cred.identityId) ? [cred.identityId] : [] },
    {
      by: 'principal',
      ids: (() => {
        if (!cred.principal?.system) return [];
        const found = inventory.findBySystemTarget(cred.principal.system, cred.principal.name);
        return found ? [found.id] : [];
      })(),
    },
  ];
  const level = levels.find((l) => l.ids.length > 0);
  const base = { finding, authHistory: [] as AuthEvent[] };

  if (!level) {
    const missing = cred.identityId !== undefined;
    return {
      ...base,
      match: { status: missing ? 'identity_missing' : 'unmatched', candidates: [] },
      confirmed: false,
      routing: {
        queue: 'owner_less',
        reason: missing
          ? `names identity ${cred.identityId}, which is not in the inventory`
          : finding.writ.secretWithheld && cred.keyIds.length === 0
            ? 'the source withheld the secret and named no key id, so no identity could be matched'
            : 'no identity in the inventory has this secret fingerprint, key id or principal',
      },
    };
  }
  if (level.ids.length > 1) {
    return {
      ...base,
      match: { status: 'ambiguous', by: level.by, candidates: level.ids },
      confirmed: false,
      routing: { queue: 'analyst', reason: `${level.by.replace('_', ' ')} matches ${level.ids.length} identities` },
    };
  }

  const identity = inventory.require(level.ids[0]!);
  const nowMs = (options.now?.() ?? new Date()).getTime();
  const authHistory = options.authLog?.recent(identity.id, {
    sinceMs: nowMs - (options.historyWindowMs ?? 7 * 86_400_000),
    limit: options.historyLimit ?? 20,
  }) ?? [];
  const confirmed =
    finding.writ.kind === 'compromised_token_use' ||
    (finding.writ.kind === 'secret_exposure' && (level.by === 'secret_fingerprint' || finding.writ.verified));
  return {
    ...base,
    match: { status: 'matched', by: level.by, identityId: identity.id, candidates: [identity.id] },
    identity: structuredClone(identity),
    owner: { ...identity.owner },
    identityClass: identity.class,
    chain: inventory.dependencyChain(identity.id),
    authHistory,
    confirmed,
    routing: { queue: 'identity_response', reason: `matched ${identity.id} by ${level.by.replace('_', ' ')}` },
  };
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)].sort();
}
