import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WritError } from '../../errors/index.ts';

/**
 * Signed webhooks, following the Standard Webhooks specification (v1, symmetric):
 *
 * ```
 * POST <endpoint>
 * content-type: application/json
 * webhook-id: msg_<id>              unique per message, the same on every retry; no "."
 * webhook-timestamp: 1718000000     Unix seconds when this attempt was signed
 * webhook-signature: v1,<base64>    HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")
 * ```
 *
 * The key is the bytes of the secret `whsec_<base64>` after the prefix. Several signatures
 * may be sent, separated by spaces (`v1,abc v1,def`), while a key is being rotated; one
 * valid signature suffices. A receiver must: check the signature over the exact raw body
 * (never a re-serialised JSON), in constant time; refuse a timestamp more than the
 * tolerance (default 5 minutes) from its clock; and refuse a `webhook-id` it has already
 * accepted within that window (replay). {@link verifyWebhookSignature} does all three.
 * The sender reuses the `webhook-id` when it retries, so a receiver should answer a
 * `replayed` rejection as it answered the original (2xx, "already handled") and not act
 * again: retries stay idempotent and a captured request replayed by someone else does nothing.
 */
export const WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

const SECRET_PREFIX = 'whsec_';
const ID_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/** A new signing secret, `whsec_` + 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export function webhookKey(secret: string | Buffer): Buffer {
  if (Buffer.isBuffer(secret)) return secret;
  if (!secret.startsWith(SECRET_PREFIX)) throw new WritError('WRIT_CONFIG_INVALID', 'webhook secret must start with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length < 24) throw new WritError('WRIT_CONFIG_INVALID', 'webhook secret must hold at least 24 bytes');
  return key;
}

/** `v1,<base64>` for one message. */
export function signWebhook(id: string, timestamp: number, body: string | Buffer, secret: string | Buffer): string {
  if (!ID_PATTERN.test(id)) throw new WritError('WRIT_INPUT_INVALID', 'webhook id must be 1–256 of A-Z a-z 0-9 _ -');
  const mac = createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The three headers for one delivery attempt. */
export function webhookHeaders(id: string, body: string | Buffer, secret: string | Buffer, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(id, timestamp, body, secret),
  };
}

/** Remembers accepted message ids for as long as their timestamps stay within tolerance. */
export interface WebhookReplayGuard {
  /** True the first time `id` is claimed before `expiresAtMs`; false for a replay. */
  claim(id: string, expiresAtMs: number, nowMs: number): boolean;
}

/**
 * In-memory replay guard for one receiving process. Bounded: when full, the entries
 * closest to expiry are dropped first (a replay of such a message is then caught only by
 * the timestamp tolerance). Several processes need a shared guard (a database table).
 */
export class MemoryReplayGuard implements WebhookReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? 100_000;
  }

  claim(id: string, expiresAtMs: number, nowMs: number): boolean {
    const until = this.#seen.get(id);
    if (until !== undefined && until > nowMs) return false;
    if (this.#seen.size >= this.#max) this.#prune(nowMs);
    this.#seen.set(id, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #prune(nowMs: number): void {
    for (const [id, until] of this.#seen) if (until <= nowMs) this.#seen.delete(id);
    if (this.#seen.size < this.#max) return;
    const oldest = [...this.#seen.entries()].sort((a, b) => a[1] - b[1]).slice(0, Math.ceil(this.#max / 10));
    for (const [id] of oldest) this.#seen.delete(id);
  }
}

export type WebhookRejection = 'missing_header' | 'bad_timestamp' | 'timestamp_out_of_tolerance' | 'bad_signature' | 'replayed';

export interface VerifyWebhookOptions {
  /** Request headers (names in any case; Node's lower-cased headers work as they are). */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body exactly as received. */
  body: string | Buffer;
  /** The signing secret, or several while rotating. */
  secret: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Omit only if replays are harmless to the receiver. */
  replayGuard?: WebhookReplayGuard;
  toleranceSeconds?: number;
  nowMs?: number;
}

/**
 * Verifies a signed webhook (see the format above). Returns the message id and
 * timestamp; throws `WRIT_UNAUTHENTICATED` with `details.reason` (a {@link WebhookRejection})
 * otherwise. The replay guard is consulted only after the signature is valid, so forged
 * requests cannot fill it.
 */
export function verifyWebhookSignature(options: VerifyWebhookOptions): { id: string; timestamp: number } {
  const header = (name: string): string | undefined => {
    for (const [key, value] of Object.entries(options.headers)) {
      if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
    }
    return undefined;
  };
  const id = header(WEBHOOK_HEADERS.id);
  const ts = header(WEBHOOK_HEADERS.timestamp);
  const sig = header(WEBHOOK_HEADERS.signature);
  if (!id || !ts || !sig) reject('missing_header', 'webhook-id, webhook-timestamp and webhook-signature are required');
  if (!ID_PATTERN.test(id) || !/^\d{1,12}$/.test(ts)) reject('bad_timestamp', 'webhook-id or webhook-timestamp is malformed');
  const timestamp = Number(ts);
  const nowMs = options.nowMs ?? Date.now();
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(nowMs / 1000 - timestamp) > tolerance) reject('timestamp_out_of_tolerance', `timestamp is more than ${tolerance}s from now`);

  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret as string | Buffer];
  const given = sig
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(signWebhook(id, timestamp, options.body, secret).slice(3), 'base64');
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
  if (!valid) reject('bad_signature', 'no valid v1 signature');
  if (options.replayGuard && !options.replayGuard.claim(id, (timestamp + tolerance) * 1000, nowMs)) {
    reject('replayed', `message ${id} was already received`);
  }
  return { id, timestamp };
}

function reject(reason: WebhookRejection, message: string): never {
  throw new WritError('WRIT_UNAUTHENTICATED', `webhook rejected: ${message}`, { details: { reason } });
}
