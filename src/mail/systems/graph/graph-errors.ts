/**
 * Graph failures as Writ errors, decided on the HTTP status and Graph's error code, never
 * on message text:
 * - throttled (429) or unavailable (5xx), or the connection failed → WRIT_CONNECTOR_FAILED, retryable;
 * - no such user, message or folder (404, or a malformed id) → WRIT_NOT_FOUND;
 * - a conflict (409, e.g. the folder exists) → WRIT_CONFLICT;
 * - refused (401 after a fresh token, 403, any other 4xx) → WRIT_CONNECTOR_REFUSED;
 * - too large (413) → WRIT_LIMIT_EXCEEDED.
 * Nothing from the request (its token, its body) is ever put into the error.
 */
import { WritError, isWritError } from '../../../errors/index.ts';

export interface GraphErrorContext {
  operation: string;
  mailbox?: string;
}

/** What Graph says in an error body: `{ "error": { "code", "message", "innerError": { "request-id" } } }`. */
export interface GraphErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/** Codes that name a missing thing although the status is 400. */
const NOT_FOUND_CODES = new Set(['ErrorInvalidIdMalformed', 'ErrorItemNotFound', 'ErrorInvalidUser', 'ResourceNotFound', 'MailboxNotEnabledForRESTAPI']);

export function parseGraphErrorBody(text: string): GraphErrorBody {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } };
    const error = parsed.error;
    if (typeof error !== 'object' || error === null) return {};
    const requestId = error.innerError?.['request-id'];
    return {
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(typeof error.message === 'string' ? { message: error.message.slice(0, 200) } : {}),
      ...(typeof requestId === 'string' ? { requestId } : {}),
    };
  } catch {
    return {};
  }
}

export function graphStatusError(status: number, body: GraphErrorBody, context: GraphErrorContext, retryAfterMs?: number): WritError {
  const where = context.mailbox === undefined ? '' : ` on ${context.mailbox}`;
  const details: Record<string, unknown> = {
    ...(context.mailbox === undefined ? {} : { mailbox: context.mailbox }),
    operation: context.operation,
    status,
    ...(body.code === undefined ? {} : { graphCode: body.code }),
    ...(body.requestId === undefined ? {} : { requestId: body.requestId }),
    ...(body.message === undefined ? {} : { serverText: body.message }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  const label = `Graph ${context.operation}${where}`;
  if (status === 429) return new WritError('WRIT_CONNECTOR_FAILED', `${label} is throttled`, { details });
  if (status >= 500) return new WritError('WRIT_CONNECTOR_FAILED', `${label} is temporarily unavailable (${status})`, { details });
  if (status === 404 || (body.code !== undefined && NOT_FOUND_CODES.has(body.code))) {
    return new WritError('WRIT_NOT_FOUND', `${label}: not found (${body.code ?? status})`, { details });
  }
  if (status === 409) return new WritError('WRIT_CONFLICT', `${label} conflicts with the mailbox's state (${body.code ?? status})`, { details });
  if (status === 413) return new WritError('WRIT_LIMIT_EXCEEDED', `${label} is too large for Graph`, { details });
  if (status === 401) return new WritError('WRIT_CONNECTOR_REFUSED', `${label} was not authorised: the app's token was refused`, { details });
  return new WritError('WRIT_CONNECTOR_REFUSED', `Graph refused ${context.operation}${where} (${body.code ?? status})`, { details });
}

/** A request that got no answer: refused, reset, timed out. Retryable; the cause keeps only the error's name and code. */
export function graphNetworkError(error: unknown, context: GraphErrorContext): WritError {
  if (isWritError(error)) return error;
  const where = context.mailbox === undefined ? '' : ` on ${context.mailbox}`;
  const name = error instanceof Error ? error.name : typeof error;
  const code = networkCode(error);
  return new WritError('WRIT_CONNECTOR_FAILED', `Graph ${context.operation}${where} got no answer (${code ?? name})`, {
    details: { ...(context.mailbox === undefined ? {} : { mailbox: context.mailbox }), operation: context.operation, errorCode: code ?? name },
  });
}

/** The socket-level code under undici's `TypeError: fetch failed` (`cause.code`), if any. */
function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `Retry-After` in ms: delta-seconds (what Graph sends) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
