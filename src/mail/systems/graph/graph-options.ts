import { WritError } from '../../../errors/index.ts';
import { compileRetryPolicy, type RetryPolicy } from '../retry.ts';

/** Graph's Outlook limits per app and mailbox (learn.microsoft.com/graph/throttling-limits#outlook-service-limits). */
export const GRAPH_MAILBOX_CONCURRENCY = 4;
export const GRAPH_MAILBOX_BUDGET = Object.freeze({ requests: 10_000, windowMs: 10 * 60_000 });

export interface GraphOptions {
  /** The Entra ID tenant (id or domain) whose token endpoint issues the app-only token. */
  tenantId: string;
  /** The app registration's client id; it needs the Mail.ReadWrite and User.Read.All application permissions. */
  clientId: string;
  /** The app's client secret. It has no default, is never logged, and never appears in an error. */
  clientSecret: string;
  /** Default `https://login.microsoftonline.com` (another for national clouds or a test double). */
  authorityUrl?: string;
  /** Default `https://graph.microsoft.com/v1.0`. */
  graphBaseUrl?: string;
  /** Default `<origin of graphBaseUrl>/.default`. */
  scope?: string;
  /** The mailboxes to work on (user principal names); default every user of the directory that has a mail address. */
  mailboxes?: readonly string[] | (() => Promise<readonly string[]>);
  /** A top-level folder, created in a mailbox the first time it is needed; default `Quarantine`. */
  quarantineFolder?: string;
  /** Graph requests in flight at once across all mailboxes; default 16. */
  concurrency?: number;
  /** Requests in flight at once per mailbox; default and maximum 4 (Graph's limit). */
  mailboxConcurrency?: number;
  /** Requests per mailbox per sliding window; default Graph's 10,000 per 10 minutes. Lower it to share a mailbox's budget with other apps' work. */
  mailboxBudget?: { requests: number; windowMs: number };
  /**
   * How subject, body and display-name criteria are looked for. `kql` (default): Graph's
   * `$search`, which matches whole words and phrases (as Outlook's search box does) and
   * returns at most 1,000 messages a mailbox; every candidate is then checked on the exact
   * substring meaning of the contract. `scan`: every message of the mailbox is listed (and
   * downloaded for body criteria), so substrings inside words are found too, at far more
   * requests.
   */
  textSearch?: 'kql' | 'scan';
  /** Messages per page when listing (`$top`, 1-1000); default 250. */
  pageSize?: number;
  /** Back-off for failures that are not throttling (a 5xx, a dropped connection); the unit of retry is one message's move, or one mailbox's search. */
  retry?: Partial<RetryPolicy>;
  /** Throttled answers (429, or 503 with Retry-After) one request may get before it gives up; default 8. */
  throttleRetries?: number;
  /** A Retry-After (or a budget wait) longer than this fails the request as retryable instead of holding the work; default 5 minutes. */
  maxWaitMs?: number;
  /** One request's timeout; default 60 s. */
  requestTimeoutMs?: number;
}

export interface CompiledGraphOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenUrl: string;
  readonly graphBaseUrl: string;
  readonly scope: string;
  readonly mailboxes: (() => Promise<readonly string[]>) | undefined;
  readonly quarantineFolder: string;
  readonly concurrency: number;
  readonly mailboxConcurrency: number;
  readonly mailboxBudget: Readonly<{ requests: number; windowMs: number }>;
  readonly textSearch: 'kql' | 'scan';
  readonly pageSize: number;
  readonly retry: RetryPolicy;
  readonly throttleRetries: number;
  readonly maxWaitMs: number;
  readonly requestTimeoutMs: number;
}

export function compileGraphOptions(options: GraphOptions): CompiledGraphOptions {
  const {
    tenantId,
    clientId,
    clientSecret,
    authorityUrl = 'https://login.microsoftonline.com',
    graphBaseUrl = 'https://graph.microsoft.com/v1.0',
    scope,
    mailboxes,
    quarantineFolder = 'Quarantine',
    concurrency = 16,
    mailboxConcurrency = GRAPH_MAILBOX_CONCURRENCY,
    mailboxBudget = GRAPH_MAILBOX_BUDGET,
    textSearch = 'kql',
    pageSize = 250,
    retry,
    throttleRetries = 8,
    maxWaitMs = 5 * 60_000,
    requestTimeoutMs = 60_000,
  } = options;
  const invalid = (message: string): never => {
    throw new WritError('WRIT_CONFIG_INVALID', `graph: ${message}`);
  };
  if (typeof tenantId !== 'string' || !/^[A-Za-z0-9.-]+$/.test(tenantId)) invalid('tenantId must be a tenant id or domain');
  if (typeof clientId !== 'string' || clientId === '') invalid('clientId is required');
  if (typeof clientSecret !== 'string' || clientSecret === '') invalid('clientSecret is required (it has no default)');
  const authority = secureBase(authorityUrl, 'authorityUrl', invalid);
  const base = secureBase(graphBaseUrl, 'graphBaseUrl', invalid);
  if (scope !== undefined && (typeof scope !== 'string' || scope === '')) invalid('scope must be a non-empty string');
  if (typeof quarantineFolder !== 'string' || quarantineFolder.trim() === '' || quarantineFolder.includes('/') || quarantineFolder.toUpperCase() === 'INBOX') {
    invalid('quarantineFolder must be a top-level folder name other than INBOX, without "/"');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) invalid('concurrency must be a positive integer');
  if (!Number.isInteger(mailboxConcurrency) || mailboxConcurrency < 1 || mailboxConcurrency > GRAPH_MAILBOX_CONCURRENCY) {
    invalid(`mailboxConcurrency must be 1-${GRAPH_MAILBOX_CONCURRENCY} (Graph's limit per mailbox)`);
  }
  const { requests, windowMs } = mailboxBudget;
  if (!Number.isInteger(requests) || requests < mailboxConcurrency || !(windowMs > 0)) {
    invalid('mailboxBudget needs requests >= mailboxConcurrency and a positive windowMs');
  }
  if (textSearch !== 'kql' && textSearch !== 'scan') invalid('textSearch must be "kql" or "scan"');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) invalid('pageSize must be 1-1000');
  if (!Number.isInteger(throttleRetries) || throttleRetries < 0) invalid('throttleRetries must be a non-negative integer');
  if (!(maxWaitMs > 0) || !(requestTimeoutMs > 0)) invalid('maxWaitMs and requestTimeoutMs must be positive');
  let source: (() => Promise<readonly string[]>) | undefined;
  if (typeof mailboxes === 'function') source = mailboxes;
  else if (Array.isArray(mailboxes)) source = async () => mailboxes;
  else if (mailboxes !== undefined) invalid('mailboxes must be a list or a function returning one');
  const compiled = {
    tenantId,
    clientId,
    tokenUrl: `${authority}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`,
    graphBaseUrl: base,
    scope: scope ?? `${new URL(base).origin}/.default`,
    mailboxes: source,
    quarantineFolder,
    concurrency,
    mailboxConcurrency,
    mailboxBudget: Object.freeze({ requests, windowMs }),
    textSearch,
    pageSize,
    retry: compileRetryPolicy(retry),
    throttleRetries,
    maxWaitMs,
    requestTimeoutMs,
  };
  // Not enumerable: logging or serialising the options never shows the secret.
  Object.defineProperty(compiled, 'clientSecret', { value: clientSecret, enumerable: false });
  return Object.freeze(compiled as CompiledGraphOptions);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An https URL (http only on loopback, for a local double), without a trailing slash, query or fragment. */
function secureBase(value: unknown, field: string, invalid: (message: string) => never): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    return invalid(`${field} must be a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    invalid(`${field} must use https (plain http is accepted on loopback only)`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') invalid(`${field} must not carry a query, fragment or credentials`);
  return url.href.replace(/\/+$/, '');
}
