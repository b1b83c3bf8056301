import { z } from 'zod';
import type { Inventory } from '../inventory/inventory.ts';
import { validate } from './parse-support.ts';

/** Where an authentication came from. */
export const sourceSchema = z.object({
  ip: z.string().min(1).max(64).optional(),
  asn: z.number().int().nonnegative().optional(),
  country: z.string().min(2).max(64).optional(),
  city: z.string().max(128).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  user_agent: z.string().max(512).optional(),
});
export type AuthSource = z.output<typeof sourceSchema>;

const timeSchema = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).transform((t) => (typeof t === 'number' ? t : Date.parse(t)));

/**
 * One authentication by a non-human identity, as ingested from a system's log (a
 * PostgreSQL `log_connections` line, a Redis ACL log entry, a cloud sign-in log). The
 * identity is named directly, or by key id, or by the principal name on a system.
 */
export const authEventSchema = z.object({
  time: timeSchema,
  identity_id: z.string().min(1).optional(),
  key_id: z.string().min(1).optional(),
  system: z.string().min(1).optional(),
  principal: z.string().min(1).optional(),
  outcome: z.enum(['success', 'failure']),
  source: sourceSchema.default({}),
});
export type AuthEventInput = z.input<typeof authEventSchema>;

export interface AuthEvent {
  /** Epoch ms. */
  time: number;
  identityId?: string;
  keyId?: string;
  system?: string;
  principal?: string;
  outcome: 'success' | 'failure';
  source: AuthSource;
}

export function parseAuthEvent(input: unknown, where = 'auth event'): AuthEvent {
  const e = validate(authEventSchema, input, where);
  return {
    time: e.time,
    outcome: e.outcome,
    source: e.source,
    ...(e.identity_id === undefined ? {} : { identityId: e.identity_id }),
    ...(e.key_id === undefined ? {} : { keyId: e.key_id }),
    ...(e.system === undefined ? {} : { system: e.system }),
    ...(e.principal === undefined ? {} : { principal: e.principal }),
  };
}

export interface AuthLogOptions {
  /** Events kept per identity, newest kept (default 1000). */
  maxPerIdentity?: number;
}

/**
 * Recent authentications per identity: a bounded, in-memory history for enrichment and
 * anomaly checks. Events that name no known identity are counted, not kept.
 */
export class AuthLog {
  readonly #byIdentity = new Map<string, AuthEvent[]>();
  readonly #max: number;
  #unattributed = 0;

  constructor(options: AuthLogOptions = {}) {
    this.#max = options.maxPerIdentity ?? 1000;
  }

  /** Attributes the event to an identity (directly, by key id, or by system + principal) and keeps it. */
  record(event: AuthEvent, inventory: Inventory): string | undefined {
    const identityId = attribute(event, inventory);
    if (identityId === undefined) {
      this.#unattributed++;
      return undefined;
    }
    let list = this.#byIdentity.get(identityId);
    if (!list) this.#byIdentity.set(identityId, (list = []));
    const stored = { ...event, identityId };
    // Keep time order; logs mostly arrive in order, so search from the end.
    let at = list.length;
    while (at > 0 && list[at - 1]!.time > stored.time) at--;
    list.splice(at, 0, stored);
    if (list.length > this.#max) list.splice(0, list.length - this.#max);
    return identityId;
  }

  /** Newest first, at most `limit`, no older than `sinceMs`. */
  recent(identityId: string, options: { sinceMs?: number; limit?: number } = {}): AuthEvent[] {
    const list = this.#byIdentity.get(identityId) ?? [];
    const out: AuthEvent[] = [];
    for (let i = list.length - 1; i >= 0 && out.length < (options.limit ?? 50); i--) {
      const e = list[i]!;
      if (options.sinceMs !== undefined && e.time < options.sinceMs) break;
      out.push(e);
    }
    return out;
  }

  get unattributed(): number {
    return this.#unattributed;
  }
}

function attribute(event: AuthEvent, inventory: Inventory): string | undefined {
  if (event.identityId !== undefined) return inventory.get(event.identityId) ? event.identityId : undefined;
  if (event.keyId !== undefined) {
    const ids = inventory.index.lookupKeyId(event.keyId);
    if (ids.length === 1) return ids[0];
  }
  if (event.system !== undefined && event.principal !== undefined) {
    return inventory.findBySystemTarget(event.system, event.principal)?.id;
  }
  return undefined;
}
