/**
 * The app-only token for Graph: OAuth 2.0 client credentials against the Entra ID token
 * endpoint (`POST {authority}/{tenant}/oauth2/v2.0/token`), cached until shortly before it
 * expires, fetched once for all concurrent callers, and dropped when Graph refuses it.
 * The client secret goes into the form body only; the token and the secret stay in
 * private fields and never reach an error, a log or a serialisation.
 */
import { WritError } from '../../../errors/index.ts';
import { withRetry } from '../retry.ts';
import { graphNetworkError } from './graph-errors.ts';
import { closedError } from './graph-limits.ts';
import type { CompiledGraphOptions } from './graph-options.ts';

interface CachedToken {
  value: string;
  /** performance.now() after which the token is refreshed before use. */
  refreshAt: number;
}

export class GraphTokenProvider {
  readonly #options: CompiledGraphOptions;
  readonly #signal: AbortSignal;
  #cached: CachedToken | undefined;
  #pending: Promise<string> | undefined;
  /** Tokens fetched so far (for diagnostics and tests). */
  issued = 0;

  constructor(options: CompiledGraphOptions, signal: AbortSignal) {
    this.#options = options;
    this.#signal = signal;
  }

  async get(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && performance.now() < cached.refreshAt) return cached.value;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets `token` if it is the cached one (Graph answered 401 with it), so the next `get` fetches a new one. */
  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  #fetch(): Promise<string> {
    return withRetry(this.#options.retry, () => this.#request());
  }

  async #request(): Promise<string> {
    if (this.#signal.aborted) throw closedError();
    const context = { operation: 'token' };
    const form = new URLSearchParams({
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret,
      scope: this.#options.scope,
      grant_type: 'client_credentials',
    });
    const sentAt = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.any([this.#signal, AbortSignal.timeout(this.#options.requestTimeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw graphNetworkError(error, context);
    }
    const body = parseJson(text);
    if (!response.ok) {
      const code = typeof body?.error === 'string' ? body.error : undefined;
      const details = { operation: 'token', status: response.status, ...(code === undefined ? {} : { oauthError: code }) };
      if (response.status === 429 || response.status >= 500) {
        throw new WritError('WRIT_CONNECTOR_FAILED', `the Entra ID token endpoint is unavailable (${response.status})`, { details });
      }
      throw new WritError('WRIT_CONNECTOR_REFUSED', `the Entra ID token endpoint refused the app's credentials (${code ?? response.status})`, { details });
    }
    const value = body?.access_token;
    const expiresIn = Number(body?.expires_in);
    if (typeof value !== 'string' || value === '' || !(expiresIn > 0) || String(body?.token_type).toLowerCase() !== 'bearer') {
      throw new WritError('WRIT_CONNECTOR_REFUSED', 'the Entra ID token endpoint answered without a bearer token', { details: { operation: 'token' } });
    }
    const lifetimeMs = expiresIn * 1000;
    // Refreshed a little early (a minute, or a quarter of a short lifetime), so no request carries a token that expires in flight.
    this.#cached = { value, refreshAt: sentAt + lifetimeMs - Math.min(60_000, lifetimeMs / 4) };
    this.issued += 1;
    return value;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
