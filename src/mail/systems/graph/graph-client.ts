/**
 * One way to call Graph: every request carries the app's bearer token and
 * `Prefer: IdType="ImmutableId"` (so message ids survive moves), goes through the
 * mailbox's limits, and comes back as JSON, bytes or a `WritError`.
 *
 * Who retries what:
 * - throttling (429, or 503 with Retry-After) is retried here, after the mailbox has been
 *   blocked for the Retry-After (or a back-off when none was given): Graph did not run
 *   the request, so repeating it is safe for every method;
 * - a 401 is retried once with a fresh token;
 * - anything else that may pass (a 5xx, a dropped connection) is thrown as a retryable
 *   `WritError` for the caller, which re-reads the mailbox's state before it repeats a
 *   move, so an answer lost after the move took effect never moves anything twice.
 */
import { randomUUID } from 'node:crypto';
import { WritError } from '../../../errors/index.ts';
import type { Semaphore } from '../concurrency.ts';
import { backoffDelay } from '../retry.ts';
import { graphNetworkError, graphStatusError, parseGraphErrorBody, parseRetryAfter, type GraphErrorContext } from './graph-errors.ts';
import { MailboxLimits } from './graph-limits.ts';
import type { CompiledGraphOptions } from './graph-options.ts';
import { GraphTokenProvider } from './graph-token.ts';

export interface GraphCall {
  method: 'GET' | 'POST';
  /** A path under the Graph base URL (`/users/…`), or an `@odata.nextLink` Graph returned. */
  path: string;
  query?: Readonly<Record<string, string>>;
  /** A JSON body (POST). */
  json?: unknown;
  /** A text body with its content type (POST of MIME). */
  text?: { body: string; contentType: string };
  /** The mailbox the request touches (its limits apply); undefined for the directory. */
  mailbox: string | undefined;
  operation: string;
}

interface Answer {
  status: number;
  body: Buffer;
  retryAfterMs: number | undefined;
  token: string;
}

export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

export class GraphClient {
  readonly #options: CompiledGraphOptions;
  readonly #signal: AbortSignal;
  readonly tokens: GraphTokenProvider;
  readonly #limits: MailboxLimits;
  /** Requests sent so far (for diagnostics and tests). */
  sent = 0;

  constructor(options: CompiledGraphOptions, global: Semaphore, signal: AbortSignal) {
    this.#options = options;
    this.#signal = signal;
    this.tokens = new GraphTokenProvider(options, signal);
    this.#limits = new MailboxLimits(options, global, signal);
  }

  async json<T>(call: GraphCall): Promise<T> {
    const body = await this.#call(call, 'application/json');
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch (cause) {
      throw new WritError('WRIT_CONNECTOR_FAILED', `Graph ${call.operation} answered with malformed JSON`, { cause, retryable: false });
    }
  }

  async bytes(call: GraphCall): Promise<Buffer> {
    return this.#call(call, '*/*');
  }

  /** Every page of a collection, following `@odata.nextLink` (as a whole URL, the way Graph asks). */
  async *pages<T>(call: GraphCall): AsyncGenerator<T[], void, undefined> {
    let next: GraphCall | undefined = call;
    while (next !== undefined) {
      const page: GraphPage<T> = await this.json<GraphPage<T>>(next);
      if (!Array.isArray(page.value)) {
        throw new WritError('WRIT_CONNECTOR_FAILED', `Graph ${call.operation} answered without a collection`, { retryable: false });
      }
      yield page.value;
      const link = page['@odata.nextLink'];
      next = typeof link === 'string' ? { method: 'GET', path: link, mailbox: call.mailbox, operation: call.operation } : undefined;
    }
  }

  async #call(call: GraphCall, accept: string): Promise<Buffer> {
    const context: GraphErrorContext = { operation: call.operation, ...(call.mailbox === undefined ? {} : { mailbox: call.mailbox }) };
    const url = this.#url(call);
    const key = call.mailbox?.toLowerCase() ?? '';
    let throttled = 0;
    let refreshed = false;
    for (;;) {
      const answer = await this.#limits.run(key, () => this.#send(call, url, accept, key, context, throttled));
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      const error = parseGraphErrorBody(answer.body.toString('utf8'));
      if (answer.status === 401 && !refreshed) {
        refreshed = true;
        this.tokens.invalidate(answer.token);
        continue;
      }
      const throttling = answer.status === 429 || (answer.status === 503 && answer.retryAfterMs !== undefined);
      // A 503 to a POST may or may not have taken effect: the caller re-reads state after the block.
      if (throttling && throttled < this.#options.throttleRetries && (answer.status === 429 || call.method === 'GET')) {
        throttled += 1;
        continue;
      }
      throw graphStatusError(answer.status, error, context, answer.retryAfterMs);
    }
  }

  async #send(call: GraphCall, url: string, accept: string, key: string, context: GraphErrorContext, throttled: number): Promise<Answer> {
    const token = await this.tokens.get();
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      prefer: 'IdType="ImmutableId"',
      accept,
      'client-request-id': randomUUID(),
    };
    let body: string | undefined;
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.text !== undefined) {
      headers['content-type'] = call.text.contentType;
      body = call.text.body;
    }
    this.sent += 1;
    let response: Response;
    let bytes: Buffer;
    try {
      response = await fetch(url, {
        method: call.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.any([this.#signal, AbortSignal.timeout(this.#options.requestTimeoutMs)]),
      });
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw graphNetworkError(error, context);
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (response.status === 429 || (response.status === 503 && retryAfterMs !== undefined)) {
      // Blocked before this request's slot is released, so no queued request slips through.
      this.#limits.block(key, retryAfterMs ?? backoffDelay(this.#options.retry, throttled + 1));
    }
    return { status: response.status, body: bytes, retryAfterMs, token };
  }

  #url(call: GraphCall): string {
    const base = this.#options.graphBaseUrl;
    if (/^https?:\/\//i.test(call.path)) {
      // A nextLink is followed only under the configured base: the app's token goes nowhere else.
      if (!call.path.startsWith(`${base}/`)) {
        throw new WritError('WRIT_CONNECTOR_REFUSED', `Graph ${call.operation} returned a next link outside the Graph base URL; not following it`, {
          details: { operation: call.operation },
        });
      }
      return call.path;
    }
    const query = Object.entries(call.query ?? {})
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join('&');
    return `${base}${call.path}${query === '' ? '' : `?${query}`}`;
  }
}

/** A path segment for an id or a user principal name. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** An OData string literal: single quotes, an inner quote doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
