import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Db, Store } from '../store/index.ts';

/** What a grant authorises: one action (by its hash), on one target, in one case. */
export interface GrantScope {
  actionId: string;
  actionHash: string;
  target: string;
  caseId: string | null;
  incidentId?: string | null;
}

export interface IssuedGrant extends GrantScope {
  id: string;
  expiresAt: number;
  /** The bearer token a connector must be handed; signed, single use. */
  token: string;
}

interface GrantClaims {
  gid: string;
  act: string;
  h: string;
  tgt: string;
  cas: string | null;
  exp: number;
}

export interface GrantServiceOptions {
  key: Buffer;
  ttlMs: number;
  now?: () => number;
}

/**
 * Short-lived, single-use grants. The token is HMAC-signed claims; the database row is
 * what makes it live (issued, not used, not revoked). Redeeming checks the signature,
 * the expiry, that the token is for exactly this action hash and target, and consumes it
 * atomically, so a replayed grant is refused. Every refusal is ledgered as a security event.
 */
export class GrantService {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly options: GrantServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Issues a grant inside the caller's transaction, and ledgers it. */
  async issue(trx: Db, scope: GrantScope, actor: string): Promise<IssuedGrant> {
    const id = randomUUID();
    const issuedAt = this.now();
    const expiresAt = issuedAt + this.options.ttlMs;
    await trx
      .insertInto('grants')
      .values({
        id,
        action_id: scope.actionId,
        action_hash: scope.actionHash,
        target: scope.target,
        case_id: scope.caseId,
        incident_id: scope.incidentId ?? null,
        issued_at: issuedAt,
        expires_at: expiresAt,
        used_at: null,
        revoked_at: null,
        revoke_reason: null,
      })
      .execute();
    await this.ledger.append(trx, [
      {
        kind: 'grant.issued',
        actor,
        subjects: { action: scope.actionId, case: scope.caseId ?? undefined },
        payload: { grant: id, action_hash: scope.actionHash, target: scope.target, expires_at: new Date(expiresAt).toISOString() },
      },
    ]);
    const claims: GrantClaims = { gid: id, act: scope.actionId, h: scope.actionHash, tgt: scope.target, cas: scope.caseId, exp: expiresAt };
    return { ...scope, id, expiresAt, token: this.sign(claims) };
  }

  /**
   * Verifies and consumes a grant for `expected`. Throws WRIT_GRANT_INVALID (after
   * ledgering a security event) for a forged, foreign, expired, revoked or replayed grant.
   */
  async redeem(token: string, expected: { actionId: string; actionHash: string; target: string }, connector: string): Promise<GrantClaims> {
    const refuse = async (reason: string, grantId?: string): Promise<never> => {
      await this.ledger.appendNow([
        {
          kind: 'security.grant_refused',
          actor: `connector:${connector}`,
          subjects: { action: expected.actionId },
          payload: { reason, grant: grantId ?? null, target: expected.target },
        },
      ]);
      throw new WritError('WRIT_GRANT_INVALID', `grant refused: ${reason}`);
    };
    if (!token) return refuse('no grant was presented');
    const claims = this.open(token);
    if (!claims) return refuse('the token is malformed or its signature is not ours (forged)');
    if (claims.act !== expected.actionId || claims.h !== expected.actionHash || claims.tgt !== expected.target) {
      return refuse('the grant is for a different action, parameters or target (foreign)', claims.gid);
    }
    const now = this.now();
    if (claims.exp <= now) return refuse('the grant has expired', claims.gid);
    const updated = await this.store.db
      .updateTable('grants')
      .set({ used_at: now })
      .where('id', '=', claims.gid)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      const row = await this.store.db.selectFrom('grants').selectAll().where('id', '=', claims.gid).executeTakeFirst();
      if (!row) return refuse('no such grant was issued (forged)', claims.gid);
      if (row.revoked_at !== null) return refuse(`the grant was revoked (${row.revoke_reason ?? 'revoked'})`, claims.gid);
      if (row.used_at !== null) return refuse('the grant was already used (replay)', claims.gid);
      return refuse('the grant has expired', claims.gid);
    }
    return claims;
  }

  /** Revokes every live grant of a case (when it closes) or an incident (when it ends). */
  async revokeFor(trx: Db, scope: { caseId?: string; incidentId?: string }, reason: string, actor: string): Promise<number> {
    let query = trx.updateTable('grants').set({ revoked_at: this.now(), revoke_reason: reason }).where('revoked_at', 'is', null).where('used_at', 'is', null);
    if (scope.caseId) query = query.where('case_id', '=', scope.caseId);
    else if (scope.incidentId) query = query.where('incident_id', '=', scope.incidentId);
    else throw new WritError('WRIT_INTERNAL', 'revokeFor needs a case or an incident');
    const result = await query.executeTakeFirst();
    const count = Number(result.numUpdatedRows);
    if (count > 0) {
      await this.ledger.append(trx, [
        { kind: 'grant.revoked', actor, subjects: { case: scope.caseId }, payload: { count, reason, incident: scope.incidentId ?? null } },
      ]);
    }
    return count;
  }

  private sign(claims: GrantClaims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  private open(token: string): GrantClaims | undefined {
    if (typeof token !== 'string' || token.length > 4096) return undefined;
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as GrantClaims;
      return typeof claims.gid === 'string' && typeof claims.exp === 'number' ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.options.key).update(body).digest('base64url');
  }
}
