import { randomUUID } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import { normalizeRoles, type Role } from './roles.ts';
import { randomSecret, sha256Hex } from './secret-values.ts';

/** How an automation appears to the kernel: a playbook-like workflow, or an outside AI agent. */
export const TOKEN_PRINCIPAL_TYPES = ['workflow', 'agent'] as const;
export type TokenPrincipalType = (typeof TOKEN_PRINCIPAL_TYPES)[number];

/** Roles a token may never hold: approving and administering are for people. */
export const PEOPLE_ONLY_ROLES: readonly Role[] = ['approver', 'admin'];

export const TOKEN_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const PREFIX = 'writ_pat_';
const TOKEN_SHAPE = /^writ_pat_[A-Za-z0-9_-]{43}$/;

export interface ApiToken {
  id: string;
  name: string;
  principalType: TokenPrincipalType;
  roles: Role[];
  /** The person accountable for the automation (`user:<subject>`); they cannot approve what it proposes. */
  owner: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
  lastUsedAt: number | null;
}

export interface NewApiToken {
  name: string;
  roles: Role[];
  principalType?: TokenPrincipalType;
  owner: string;
  ttlMs: number;
}

export type TokenCheck = { ok: true; token: ApiToken } | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'revoked'; tokenId?: string };

/**
 * API tokens for automations: 256 random bits shown once, kept only as SHA-256, scoped to
 * roles, expiring, revocable. Creation and revocation are ledgered with the actor in the
 * same transaction as the change.
 */
export class ApiTokens {
  readonly #cache = new Map<string, { token: ApiToken; until: number }>();
  readonly #touched = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly options: { maxTtlMs: number; now: () => number; cacheMs?: number },
  ) {}

  /** Returns the token's secret (the only time it exists outside the caller) and its record. */
  async create(input: NewApiToken, actor: string): Promise<{ secret: string; token: ApiToken }> {
    if (!TOKEN_NAME.test(input.name)) throw new WritError('WRIT_INPUT_INVALID', 'a token name is 1-63 lower-case letters, digits, ".", "_" or "-"');
    const roles = normalizeRoles(input.roles);
    if (roles.length === 0) throw new WritError('WRIT_INPUT_INVALID', 'a token needs at least one role');
    const forbidden = roles.filter((r) => PEOPLE_ONLY_ROLES.includes(r));
    if (forbidden.length > 0) throw new WritError('WRIT_INPUT_INVALID', `a token cannot hold ${forbidden.join(', ')}: approving and administering are for people`);
    if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 60_000 || input.ttlMs > this.options.maxTtlMs) {
      throw new WritError('WRIT_INPUT_INVALID', `a token lives between a minute and ${Math.floor(this.options.maxTtlMs / 86_400_000)} days (WRIT_API_TOKEN_MAX_TTL_MS)`);
    }
    if (!/^user:.+/.test(input.owner)) throw new WritError('WRIT_INPUT_INVALID', 'a token is owned by a person: user:<subject>');
    const secret = `${PREFIX}${randomSecret()}`;
    const now = this.options.now();
    const id = randomUUID();
    const principalType = input.principalType ?? 'workflow';
    await this.store.transaction(async (trx) => {
      const clash = await trx.selectFrom('api_tokens').select('id').where('name', '=', input.name).executeTakeFirst();
      if (clash) throw new WritError('WRIT_CONFLICT', `a token named ${input.name} exists (names are never reused, so the ledger's actors stay unambiguous)`);
      await trx
        .insertInto('api_tokens')
        .values({ id, name: input.name, token_hash: sha256Hex(secret), principal_type: principalType, roles: JSON.stringify(roles), owner: input.owner, created_by: actor, created_at: now, expires_at: now + input.ttlMs, revoked_at: null, revoked_by: null, last_used_at: null })
        .execute();
      await this.ledger.append(trx, [
        { kind: 'token.created', actor, payload: { token: id, name: input.name, principal: `${principalType}:${input.name}`, roles, owner: input.owner, expires_at: new Date(now + input.ttlMs).toISOString() } },
      ]);
    });
    await this.ledger.afterCommit();
    return { secret, token: (await this.get(id))! };
  }

  /** Checks a presented secret. Never throws for a bad one: the caller decides how to refuse. */
  async check(secret: string): Promise<TokenCheck> {
    if (!TOKEN_SHAPE.test(secret)) return { ok: false, reason: 'malformed' };
    const hash = sha256Hex(secret);
    const now = this.options.now();
    const cached = this.#cache.get(hash);
    let token = cached && cached.until > now ? cached.token : undefined;
    if (!token) {
      const row = await this.store.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' };
      token = toToken(row);
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(hash, { token, until: now + (this.options.cacheMs ?? 2000) });
    }
    if (token.revokedAt !== null) return { ok: false, reason: 'revoked', tokenId: token.id };
    if (token.expiresAt <= now) return { ok: false, reason: 'expired', tokenId: token.id };
    await this.touch(token.id, now);
    return { ok: true, token };
  }

  async revoke(id: string, actor: string): Promise<ApiToken> {
    await this.store.transaction(async (trx) => {
      const row = await trx.selectFrom('api_tokens').select(['id', 'name', 'revoked_at']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new WritError('WRIT_NOT_FOUND', `no token ${id}`);
      if (row.revoked_at !== null) throw new WritError('WRIT_CONFLICT', `token ${row.name} is already revoked`);
      await trx.updateTable('api_tokens').set({ revoked_at: this.options.now(), revoked_by: actor }).where('id', '=', id).execute();
      await this.ledger.append(trx, [{ kind: 'token.revoked', actor, payload: { token: id, name: row.name } }]);
    });
    await this.ledger.afterCommit();
    this.#cache.clear();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const row = await this.store.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toToken(row);
  }

  async list(): Promise<ApiToken[]> {
    const rows = await this.store.db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').limit(1000).execute();
    return rows.map(toToken);
  }

  /** Records use at most once a minute per token, so reads stay reads. */
  private async touch(id: string, now: number): Promise<void> {
    if ((this.#touched.get(id) ?? 0) > now - 60_000) return;
    this.#touched.set(id, now);
    await this.store.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}

function toToken(row: {
  id: string;
  name: string;
  principal_type: string;
  roles: string;
  owner: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}): ApiToken {
  return {
    id: row.id,
    name: row.name,
    principalType: row.principal_type === 'agent' ? 'agent' : 'workflow',
    roles: normalizeRoles(JSON.parse(row.roles) as unknown[]),
    owner: row.owner,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    lastUsedAt: row.last_used_at,
  };
}
