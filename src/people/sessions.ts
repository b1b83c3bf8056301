import type { Db, Store } from '../store/index.ts';
import { normalizeRoles, type Role } from './roles.ts';
import { randomSecret, sha256Hex } from './secret-values.ts';

export interface Session {
  subject: string;
  roles: Role[];
  /** Sent back in `x-csrf-token` with every state-changing request made with this session. */
  csrfToken: string;
  method: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * Browser sessions. The cookie holds 256 random bits; the database holds only their SHA-256,
 * so a copy of the database signs nobody in. Each session has its own CSRF token.
 */
export class Sessions {
  readonly #cache = new Map<string, { session: Session; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly options: { ttlMs: number; now: () => number; cacheMs?: number },
  ) {}

  /** Creates a session inside the caller's transaction; returns the cookie value. */
  async create(trx: Db, input: { subject: string; roles: Role[]; method: string }): Promise<{ id: string; session: Session }> {
    const id = randomSecret();
    const now = this.options.now();
    const session: Session = { subject: input.subject, roles: normalizeRoles(input.roles), csrfToken: randomSecret(), method: input.method, createdAt: now, expiresAt: now + this.options.ttlMs };
    await trx
      .insertInto('sessions')
      .values({ id_hash: sha256Hex(id), subject: session.subject, roles: JSON.stringify(session.roles), csrf_token: session.csrfToken, method: session.method, created_at: now, expires_at: session.expiresAt })
      .execute();
    // Expired sessions are swept as new ones are made.
    await trx.deleteFrom('sessions').where('expires_at', '<=', now).execute();
    return { id, session };
  }

  async get(id: string): Promise<Session | undefined> {
    if (id.length !== 43) return undefined;
    const hash = sha256Hex(id);
    const now = this.options.now();
    const cached = this.#cache.get(hash);
    let session = cached && cached.until > now ? cached.session : undefined;
    if (!session) {
      const row = await this.store.db.selectFrom('sessions').selectAll().where('id_hash', '=', hash).executeTakeFirst();
      if (!row) return undefined;
      session = { subject: row.subject, roles: normalizeRoles(JSON.parse(row.roles) as unknown[]), csrfToken: row.csrf_token, method: row.method, createdAt: row.created_at, expiresAt: row.expires_at };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(hash, { session, until: now + (this.options.cacheMs ?? 2000) });
    }
    return session.expiresAt > now ? session : undefined;
  }

  /** Ends one session (sign-out); returns whether it existed. */
  async destroy(trx: Db, id: string): Promise<boolean> {
    const hash = sha256Hex(id);
    this.#cache.delete(hash);
    const result = await trx.deleteFrom('sessions').where('id_hash', '=', hash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
