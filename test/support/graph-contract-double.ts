/**
 * GraphContractDouble: a local stand-in for Microsoft Graph's mail endpoints and the Entra
 * ID token endpoint, built to their documented request and response shapes, because the
 * real service cannot run here. It is a contract double, not Graph: it implements what the
 * Writ connector uses, enforces the limits Graph documents, and records what it receives.
 *
 * Served on 127.0.0.1 (a free port):
 * - `POST /{tenant}/oauth2/v2.0/token`: client credentials, checked (client id, secret,
 *   grant type, scope `<origin>/.default`); bearer tokens with a configurable lifetime.
 * - under `/v1.0`: `GET /users` (`$select`, `$top`, `@odata.nextLink`);
 *   `/users/{id|upn}/mailFolders[/{id|well-known}[/childFolders|/messages]]` (GET with
 *   `$filter=displayName eq '…'`, POST to create; 409 `ErrorFolderExists`);
 *   `GET /users/{id}/messages` (`$filter` on `internetMessageId` / `from/emailAddress/address`,
 *   `$search` KQL on subject/body/from with word matching and the 1,000-result cap, not
 *   combinable with `$filter`, `$select`, `$expand` of the size property, `$top` 1-1000,
 *   paging by `$skip`); `GET …/messages/{id}`, `GET …/messages/{id}/$value` (the MIME);
 *   `POST …/messages/{id}/move` (201); `POST …/mailFolders/{id}/messages` (base64 MIME, a draft).
 * - ids: messages have a REST id that changes on every move and an immutable id that does
 *   not; a request gets immutable ids only with `Prefer: IdType="ImmutableId"`.
 *
 * Enforced per mailbox, answering 429 with Retry-After (seconds): at most 4 requests in
 * flight, a request budget per sliding window (Graph: 10,000 per 10 minutes; small in
 * tests), and a Retry-After once given. Every request lands in `log`; breaches land in
 * `violations` (more than 4 in flight, over budget, a request while a Retry-After it was
 * told is pending, a missing/expired token, a missing Prefer header, the client secret
 * seen outside the token endpoint). Faults: a mailbox that answers 403 to moves,
 * injected failures (e.g. a transient 503), move answers lost after the move took effect,
 * revoked tokens, and the whole server stopped and started again with its state intact.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { firstHeader, readHeaders } from '../../src/mail/systems/message-headers.ts';

export interface GraphContractDoubleOptions {
  /** Mailbox owners' user principal names (also their mail addresses). */
  users: readonly string[];
  /** Directory users without a mailbox (no mail address). */
  usersWithoutMailbox?: readonly string[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  mailboxConcurrency?: number;
  budget?: { requests: number; windowMs: number };
  /** Delay before each mailbox request is answered, so concurrency can build up. */
  latencyMs?: number;
  /** A request this soon after a 429 was sent may have been in flight already: not a violation. */
  retryAfterGraceMs?: number;
  /** Graph's cap on `$search` results. */
  searchCap?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  mailbox: string | undefined;
  arrivedAt: number;
  status?: number;
  auth: 'valid' | 'missing' | 'unknown' | 'expired';
  prefer: string | undefined;
}

export type ViolationKind = 'concurrency' | 'budget' | 'retry-after' | 'no-token' | 'expired-token' | 'no-prefer' | 'secret-leak';
export interface Violation {
  kind: ViolationKind;
  mailbox: string | undefined;
  at: number;
}
export interface Throttle {
  mailbox: string;
  reason: 'concurrency' | 'budget' | 'retry-after' | 'injected';
  at: number;
  retryAfterSeconds: number;
}
export interface Fault {
  mailbox?: string;
  method?: string;
  path?: RegExp;
  status: number;
  retryAfterSeconds?: number;
  count: number;
}

interface Folder {
  id: string;
  displayName: string;
  parentId: string | null;
  wellKnown?: string;
}
interface Message {
  immutableId: string;
  restId: string;
  folderId: string;
  raw: Buffer;
  internetMessageId: string | null;
  subject: string;
  fromName: string;
  fromAddress: string;
  bodyWords: string[];
  received: string;
  moves: number;
}
interface Mailbox {
  id: string;
  upn: string;
  folders: Map<string, Folder>;
  messages: Map<string, Message>;
  inFlight: number;
  maxInFlight: number;
  arrivals: number[];
  throttledUntil: number;
  throttleSentAt: number;
  denyMove: boolean;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}
const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}): Reply =>
  new Reply(status, { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID() } } }, headers);

const WELL_KNOWN: readonly [string, string][] = [
  ['inbox', 'Inbox'],
  ['drafts', 'Drafts'],
  ['sentitems', 'Sent Items'],
  ['deleteditems', 'Deleted Items'],
  ['junkemail', 'Junk Email'],
  ['archive', 'Archive'],
];
const SIZE_EXPAND = /^singleValueExtendedProperties\(\$filter=id eq 'Integer 0x0?E08'\)$/i;
const ID = /^AA[A-Za-z0-9_-]{6,}={0,2}$/;

const newId = (prefix: string, bytes = 18): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;
const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class GraphContractDouble {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly log: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  readonly throttles: Throttle[] = [];
  readonly tokenRequests: { at: number; ok: boolean; error?: string }[] = [];
  readonly faults: Fault[] = [];
  latencyMs: number;
  port = 0;
  #server: Server | undefined;
  readonly #options: Required<Omit<GraphContractDoubleOptions, 'users' | 'usersWithoutMailbox' | 'latencyMs'>>;
  readonly #mailboxes = new Map<string, Mailbox>();
  readonly #directory: { id: string; upn: string; mail: string | null }[] = [];
  readonly #tokens = new Map<string, number>();
  #inFlightTotal = 0;
  maxInFlightTotal = 0;
  #loseMoveAnswers = 0;
  #moveWaiters: { count: number; resolve: () => void }[] = [];
  movesDone = 0;

  private constructor(options: GraphContractDoubleOptions) {
    this.tenantId = options.tenantId ?? 'contoso.example';
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? `s3cret~${randomBytes(12).toString('base64url')}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.#options = {
      tenantId: this.tenantId,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
      mailboxConcurrency: options.mailboxConcurrency ?? 4,
      budget: options.budget ?? { requests: 10_000, windowMs: 600_000 },
      retryAfterGraceMs: options.retryAfterGraceMs ?? 100,
      searchCap: options.searchCap ?? 1000,
    };
    for (const upn of options.users) {
      const mailbox = this.#createMailbox(upn);
      this.#directory.push({ id: mailbox.id, upn, mail: upn });
    }
    for (const upn of options.usersWithoutMailbox ?? []) this.#directory.push({ id: randomUUID(), upn, mail: null });
  }

  static async start(options: GraphContractDoubleOptions): Promise<GraphContractDouble> {
    const double = new GraphContractDouble(options);
    await double.start();
    return double;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** What the connector takes as `authorityUrl` and `graphBaseUrl`. */
  get authorityUrl(): string {
    return this.origin;
  }
  get graphBaseUrl(): string {
    return `${this.origin}/v1.0`;
  }

  /** Listens (again, on the same port after `stop`), with every mailbox as it was. */
  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops answering at once: open connections are cut, requests in progress lose their answers. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  // ---- faults ----

  denyMoves(mailbox: string): void {
    this.#mailbox(mailbox).denyMove = true;
  }
  /** The next `count` matching requests get `status` (with Retry-After when given). */
  inject(fault: Omit<Fault, 'count'> & { count?: number }): void {
    this.faults.push({ count: 1, ...fault });
  }
  /** Throttles a mailbox for `seconds` from now (its next request is told Retry-After). */
  throttle(mailbox: string, seconds: number): void {
    const box = this.#mailbox(mailbox);
    box.throttledUntil = performance.now() + seconds * 1000;
    box.throttleSentAt = 0; // no 429 told yet: requests until the first one are not violations
  }
  /** The next `count` moves take effect, but their answers are lost (the connection is cut). */
  loseMoveAnswers(count: number): void {
    this.#loseMoveAnswers += count;
  }
  revokeTokens(): void {
    this.#tokens.clear();
  }
  whenMoves(count: number): Promise<void> {
    if (this.movesDone >= count) return Promise.resolve();
    return new Promise((resolve) => this.#moveWaiters.push({ count, resolve }));
  }

  // ---- state, read and written directly ----

  /** Puts a message straight into a mailbox's top-level folder (no HTTP, no limits): for large test worlds. */
  async put(mailbox: string, raw: string | Buffer, folder = 'INBOX'): Promise<string> {
    const box = this.#mailbox(mailbox);
    const target = [...box.folders.values()].find((f) => (folder === 'INBOX' ? f.wellKnown === 'inbox' : f.parentId === this.#root(box).id && f.displayName === folder));
    if (target === undefined) throw new Error(`no folder ${folder} in ${mailbox}`);
    return (await this.#store(box, target.id, Buffer.isBuffer(raw) ? raw : Buffer.from(raw))).immutableId;
  }

  /** Messages in a top-level folder (`INBOX` is the inbox) of a mailbox. */
  messagesIn(mailbox: string, folder: string): { id: string; internetMessageId: string | null; moves: number; raw: Buffer }[] {
    const box = this.#mailbox(mailbox);
    const target = [...box.folders.values()].find((f) => (folder === 'INBOX' ? f.wellKnown === 'inbox' : f.parentId === this.#root(box).id && f.displayName === folder));
    if (target === undefined) return [];
    return [...box.messages.values()].filter((m) => m.folderId === target.id).map((m) => ({ id: m.immutableId, internetMessageId: m.internetMessageId, moves: m.moves, raw: m.raw }));
  }
  maxInFlight(mailbox: string): number {
    return this.#mailbox(mailbox).maxInFlight;
  }
  requestsFor(mailbox: string): RecordedRequest[] {
    const upn = this.#mailbox(mailbox).upn;
    return this.log.filter((r) => r.mailbox === upn);
  }
  /** The largest number of accepted requests for a mailbox inside any window of `windowMs`. */
  busiestWindow(mailbox: string, windowMs: number): number {
    const times = this.requestsFor(mailbox)
      .filter((r) => r.status !== 429)
      .map((r) => r.arrivedAt);
    let best = 0;
    for (let i = 0, j = 0; i < times.length; i += 1) {
      while ((times[j] ?? Infinity) <= (times[i] ?? 0) - windowMs) j += 1;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.origin);
    let reply: Reply | 'drop';
    try {
      if (req.method === 'POST' && url.pathname === `/${this.tenantId}/oauth2/v2.0/token`) reply = this.#token(req, body);
      else if (url.pathname.startsWith('/v1.0/')) reply = await this.#graph(req, res, url, body);
      else reply = fail(404, 'NotFound', 'no such endpoint');
    } catch (error) {
      reply = fail(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
    }
    if (reply === 'drop') {
      res.destroy();
      return;
    }
    const entry = (res as ServerResponse & { entry?: RecordedRequest }).entry;
    if (entry !== undefined) entry.status = reply.status;
    const payload = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
    const contentType = Buffer.isBuffer(reply.body) ? 'message/rfc822' : 'application/json';
    res.writeHead(reply.status, { 'content-type': contentType, 'request-id': randomUUID(), ...reply.headers });
    res.end(payload);
  }

  #token(req: IncomingMessage, body: string): Reply {
    const form = new URLSearchParams(body);
    const refuse = (status: number, error: string): Reply => {
      this.tokenRequests.push({ at: performance.now(), ok: false, error });
      return new Reply(status, { error, error_description: `${error}: the request was refused`, error_codes: [status === 401 ? 7000215 : 900144] });
    };
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return refuse(400, 'invalid_request');
    if (form.get('grant_type') !== 'client_credentials') return refuse(400, 'unsupported_grant_type');
    if (form.get('client_id') !== this.clientId) return refuse(400, 'unauthorized_client');
    if (form.get('client_secret') !== this.clientSecret) return refuse(401, 'invalid_client');
    if (form.get('scope') !== `${this.origin}/.default`) return refuse(400, 'invalid_scope');
    const token = randomBytes(24).toString('base64url');
    const lifetime = this.#options.tokenLifetimeSeconds;
    this.#tokens.set(token, Date.now() + lifetime * 1000);
    this.tokenRequests.push({ at: performance.now(), ok: true });
    return new Reply(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
  }

  async #graph(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<Reply | 'drop'> {
    const now = performance.now();
    const parts = url.pathname.slice('/v1.0/'.length).split('/').map(decodeURIComponent);
    const box = parts[0] === 'users' && parts[1] !== undefined ? this.#findMailbox(parts[1]) : undefined;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = bearer === undefined ? undefined : this.#tokens.get(bearer);
    const auth: RecordedRequest['auth'] = bearer === undefined ? 'missing' : expiry === undefined ? 'unknown' : expiry <= Date.now() ? 'expired' : 'valid';
    const prefer = [req.headers.prefer].flat().join(', ') || undefined;
    const entry: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.search, mailbox: box?.upn, arrivedAt: now, auth, prefer };
    this.log.push(entry);
    (res as ServerResponse & { entry?: RecordedRequest }).entry = entry;
    const violate = (kind: ViolationKind): void => void this.violations.push({ kind, mailbox: box?.upn, at: now });
    if (`${req.url}${JSON.stringify(req.headers)}${body}`.includes(this.clientSecret)) violate('secret-leak');
    if (auth === 'missing') violate('no-token');
    if (auth === 'expired') violate('expired-token');
    if (auth !== 'valid') return fail(401, 'InvalidAuthenticationToken', auth === 'expired' ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure.');
    if (prefer === undefined || !/IdType="ImmutableId"/.test(prefer)) violate('no-prefer');
    const immutable = prefer !== undefined && /IdType="ImmutableId"/.test(prefer);

    this.#inFlightTotal += 1;
    this.maxInFlightTotal = Math.max(this.maxInFlightTotal, this.#inFlightTotal);
    res.once('close', () => (this.#inFlightTotal -= 1));
    if (box !== undefined) {
      const throttled = this.#limit(box, now, violate);
      res.once('close', () => (box.inFlight -= 1));
      if (throttled !== undefined) return throttled;
      const fault = this.faults.find((f) => f.count > 0 && (f.mailbox === undefined || f.mailbox === box.upn) && (f.method === undefined || f.method === req.method) && (f.path === undefined || f.path.test(url.pathname)));
      if (fault !== undefined) {
        fault.count -= 1;
        const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
        if (fault.status === 429) this.#throttleSent(box, fault.retryAfterSeconds ?? 1, 'injected');
        return fail(fault.status, fault.status === 503 ? 'ServiceUnavailable' : 'InjectedFault', 'injected by the test', headers);
      }
      if (this.latencyMs > 0) await sleep(this.latencyMs);
    }
    return this.#route(req.method ?? 'GET', parts, url.searchParams, body, box, immutable, req.headers['content-type']);
  }

  /** Graph's per-mailbox limits: a 429 with Retry-After, or undefined when the request may proceed. */
  #limit(box: Mailbox, now: number, violate: (kind: ViolationKind) => void): Reply | undefined {
    box.inFlight += 1;
    box.maxInFlight = Math.max(box.maxInFlight, box.inFlight);
    const { requests, windowMs } = this.#options.budget;
    const tooMany = (reason: Throttle['reason'], seconds: number): Reply => {
      this.#throttleSent(box, seconds, reason);
      return fail(429, 'ApplicationThrottled', reason === 'concurrency' ? 'Application is over its MailboxConcurrency limit.' : 'Application is over its IncomingBytes or request limit.', {
        'retry-after': String(seconds),
      });
    };
    if (box.inFlight > this.#options.mailboxConcurrency) {
      violate('concurrency');
      return tooMany('concurrency', 1);
    }
    if (now < box.throttledUntil) {
      if (box.throttleSentAt > 0 && now >= box.throttleSentAt + this.#options.retryAfterGraceMs) violate('retry-after');
      return tooMany('retry-after', Math.max(1, Math.ceil((box.throttledUntil - now) / 1000)));
    }
    while (box.arrivals.length > 0 && (box.arrivals[0] ?? now) <= now - windowMs) box.arrivals.shift();
    if (box.arrivals.length >= requests) {
      violate('budget');
      return tooMany('budget', Math.max(1, Math.ceil(((box.arrivals[0] ?? now) + windowMs - now) / 1000)));
    }
    box.arrivals.push(now);
    return undefined;
  }

  #throttleSent(box: Mailbox, seconds: number, reason: Throttle['reason']): void {
    const now = performance.now();
    // The grace counts from the first 429 of a throttling period; later 429s in it do not restart it.
    if (box.throttleSentAt === 0 || now >= box.throttledUntil) box.throttleSentAt = now;
    box.throttledUntil = Math.max(box.throttledUntil, now + seconds * 1000);
    this.throttles.push({ mailbox: box.upn, reason, at: now, retryAfterSeconds: seconds });
  }

  async #route(method: string, parts: string[], query: URLSearchParams, body: string, box: Mailbox | undefined, immutable: boolean, contentType: string | undefined): Promise<Reply | 'drop'> {
    const known = ['$select', '$filter', '$search', '$top', '$skip', '$skiptoken', '$expand', 'includeHiddenFolders'];
    const unknown = [...query.keys()].find((k) => !known.includes(k));
    if (unknown !== undefined) return fail(400, 'BadRequest', `Query option '${unknown}' is not supported.`);
    if (parts[0] !== 'users') return fail(400, 'BadRequest', 'Unsupported segment.');
    if (parts.length === 1) return method === 'GET' ? this.#listUsers(query) : fail(405, 'MethodNotAllowed', 'Method not allowed.');
    if (box === undefined) return fail(404, 'ErrorInvalidUser', `The requested user '${parts[1] ?? ''}' is invalid.`);
    const [, , collection, id, sub, action] = parts;
    const route = `${method} ${collection ?? ''}${id === undefined ? '' : '/{id}'}${sub === undefined ? '' : `/${sub}`}${action === undefined ? '' : `/${action}`}`;
    const message = (): Message | Reply => this.#message(box, id ?? '');
    const folder = (): Folder | Reply => this.#folder(box, id ?? '');
    switch (route) {
      case 'GET mailFolders':
        return this.#listFolders(box, this.#root(box).id, query);
      case 'POST mailFolders':
        return this.#createFolder(box, this.#root(box).id, body);
      case 'GET mailFolders/{id}': {
        const f = folder();
        return f instanceof Reply ? f : new Reply(200, select(folderJson(box, f), query));
      }
      case 'GET mailFolders/{id}/childFolders':
      case 'POST mailFolders/{id}/childFolders': {
        const f = folder();
        if (f instanceof Reply) return f;
        return method === 'GET' ? this.#listFolders(box, f.id, query) : this.#createFolder(box, f.id, body);
      }
      case 'GET mailFolders/{id}/messages':
      case 'GET messages': {
        const f = sub === undefined ? undefined : folder();
        if (f instanceof Reply) return f;
        return this.#listMessages(box, f?.id, query, immutable, `/v1.0/${parts.map(encodeURIComponent).join('/')}`);
      }
      case 'POST mailFolders/{id}/messages': {
        const f = folder();
        if (f instanceof Reply) return f;
        if (!String(contentType).startsWith('text/plain')) return fail(400, 'RequestBodyRead', 'MIME content must be sent as text/plain base64.');
        const raw = Buffer.from(body, 'base64');
        if (raw.length === 0 || raw.toString('base64') !== body.replace(/\s+/g, '')) return fail(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
        const created = await this.#store(box, f.id, raw);
        return new Reply(201, messageJson(created, immutable));
      }
      case 'GET messages/{id}': {
        const m = message();
        return m instanceof Reply ? m : new Reply(200, select(messageJson(m, immutable), query));
      }
      case 'GET messages/{id}/$value': {
        const m = message();
        return m instanceof Reply ? m : new Reply(200, m.raw);
      }
      case 'POST messages/{id}/move':
        return this.#move(box, message(), body, immutable);
      default:
        return fail(400, 'BadRequest', `Unsupported request ${route}.`);
    }
  }

  #listUsers(query: URLSearchParams): Reply {
    const top = Number(query.get('$top') ?? '100');
    if (!Number.isInteger(top) || top < 1 || top > 999) return fail(400, 'Request_UnsupportedQuery', 'Invalid page size specified.');
    const skip = Number(query.get('$skiptoken') ?? '0');
    const users = this.#directory.slice(skip, skip + top).map((u) => select({ id: u.id, userPrincipalName: u.upn, mail: u.mail, displayName: u.upn.split('@')[0] }, query));
    return new Reply(200, page(users, skip + top < this.#directory.length ? this.#next('/v1.0/users', query, '$skiptoken', skip + top) : undefined));
  }

  #listFolders(box: Mailbox, parentId: string, query: URLSearchParams): Reply {
    const filter = parseFilter(query.get('$filter'), ['displayName']);
    if (filter instanceof Reply) return filter;
    const wanted = filter.get('displayName')?.toLowerCase();
    const children = [...box.folders.values()].filter((f) => f.parentId === parentId && (wanted === undefined || f.displayName.toLowerCase() === wanted));
    const top = Number(query.get('$top') ?? '10');
    const skip = Number(query.get('$skip') ?? '0');
    const value = children.slice(skip, skip + top).map((f) => select(folderJson(box, f), query));
    return new Reply(200, page(value, skip + top < children.length ? this.#next(`/v1.0/users/${box.id}/mailFolders`, query, '$skip', skip + top) : undefined));
  }

  #createFolder(box: Mailbox, parentId: string, body: string): Reply {
    const displayName = (JSON.parse(body || '{}') as { displayName?: unknown }).displayName;
    if (typeof displayName !== 'string' || displayName.trim() === '') return fail(400, 'ErrorInvalidFolderName', 'The folder name is invalid.');
    if ([...box.folders.values()].some((f) => f.parentId === parentId && f.displayName.toLowerCase() === displayName.toLowerCase())) {
      return fail(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const created: Folder = { id: newId('AQMkAD', 12), displayName, parentId };
    box.folders.set(created.id, created);
    return new Reply(201, folderJson(box, created));
  }

  #listMessages(box: Mailbox, folderId: string | undefined, query: URLSearchParams, immutable: boolean, path: string): Reply {
    const search = query.get('$search');
    if (search !== null && query.has('$filter')) return fail(400, 'ErrorInvalidUrlQuery', 'The query parameter $filter is not supported with $search.');
    const filter = parseFilter(query.get('$filter'), ['internetMessageId', 'from/emailAddress/address']);
    if (filter instanceof Reply) return filter;
    const expand = query.get('$expand');
    if (expand !== null && !SIZE_EXPAND.test(expand)) return fail(400, 'BadRequest', 'Unsupported $expand.');
    const top = Number(query.get('$top') ?? '10');
    if (!Number.isInteger(top) || top < 1 || top > 1000) return fail(400, 'ErrorInvalidUrlQuery', '$top must be between 1 and 1000.');
    let matching = [...box.messages.values()].filter((m) => folderId === undefined || m.folderId === folderId);
    const messageId = filter.get('internetMessageId');
    if (messageId !== undefined) matching = matching.filter((m) => m.internetMessageId === messageId);
    const address = filter.get('from/emailAddress/address')?.toLowerCase();
    if (address !== undefined) matching = matching.filter((m) => m.fromAddress === address);
    if (search !== null) {
      const predicate = parseSearch(search);
      if (predicate instanceof Reply) return predicate;
      matching = matching.filter(predicate).sort((a, b) => b.received.localeCompare(a.received)).slice(0, this.#options.searchCap);
    }
    const skip = Number(query.get('$skip') ?? '0');
    const value = matching.slice(skip, skip + top).map((m) => {
      const json = select(messageJson(m, immutable), query);
      return expand === null ? json : { ...json, singleValueExtendedProperties: [{ id: 'Integer 0xe08', value: String(m.raw.length) }] };
    });
    return new Reply(200, page(value, skip + top < matching.length ? this.#next(path, query, '$skip', skip + top) : undefined));
  }

  #move(box: Mailbox, found: Message | Reply, body: string, immutable: boolean): Reply | 'drop' {
    if (found instanceof Reply) return found;
    if (box.denyMove) return fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    const destinationId = (JSON.parse(body || '{}') as { destinationId?: unknown }).destinationId;
    const destination = typeof destinationId === 'string' ? this.#folder(box, destinationId) : undefined;
    if (destination === undefined || destination instanceof Reply) return fail(400, 'ErrorInvalidIdMalformed', 'destinationId is not a valid folder.');
    found.folderId = destination.id;
    found.restId = newId('AAMkAG'); // a REST id changes with every move; the immutable id does not
    found.moves += 1;
    this.movesDone += 1;
    for (const waiter of this.#moveWaiters.filter((w) => this.movesDone >= w.count)) waiter.resolve();
    if (this.#loseMoveAnswers > 0) {
      this.#loseMoveAnswers -= 1;
      return 'drop';
    }
    return new Reply(201, messageJson(found, immutable));
  }

  #message(box: Mailbox, id: string): Message | Reply {
    if (!ID.test(id)) return fail(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const found = box.messages.get(id) ?? [...box.messages.values()].find((m) => m.restId === id);
    return found ?? fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }

  #folder(box: Mailbox, id: string): Folder | Reply {
    const named = id === 'msgfolderroot' ? this.#root(box) : [...box.folders.values()].find((f) => f.wellKnown === id.toLowerCase());
    if (named !== undefined) return named;
    if (!/^AQMkAD/.test(id)) return fail(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    return box.folders.get(id) ?? fail(404, 'ErrorItemNotFound', 'The specified folder was not found in the store.');
  }

  async #store(box: Mailbox, folderId: string, raw: Buffer): Promise<Message> {
    const headers = readHeaders(raw);
    const from = firstHeader(headers, 'from') ?? '';
    const address = (/<([^<>\s]+)>/.exec(from)?.[1] ?? /[^\s<>",;]+@[^\s<>",;]+/.exec(from)?.[0] ?? '').toLowerCase();
    const parsed = await PostalMime.parse(raw);
    const message: Message = {
      immutableId: newId('AAkALg'),
      restId: newId('AAMkAG'),
      folderId,
      raw,
      internetMessageId: firstHeader(headers, 'message-id')?.trim() ?? null,
      subject: firstHeader(headers, 'subject') ?? '',
      fromName: from.replace(/<[^>]*>/, '').replace(/"/g, '').trim(),
      fromAddress: address,
      bodyWords: words(`${parsed.text ?? ''} ${parsed.html ?? ''}`),
      received: new Date(Date.now() + box.messages.size).toISOString(),
      moves: 0,
    };
    box.messages.set(message.immutableId, message);
    return message;
  }

  #next(path: string, query: URLSearchParams, name: string, value: number): string {
    const next = new URLSearchParams(query);
    next.set(name, String(value));
    return `${this.origin}${path}?${[...next].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
  }

  #createMailbox(upn: string): Mailbox {
    const box: Mailbox = { id: randomUUID(), upn, folders: new Map(), messages: new Map(), inFlight: 0, maxInFlight: 0, arrivals: [], throttledUntil: 0, throttleSentAt: 0, denyMove: false };
    const root: Folder = { id: newId('AQMkAD', 12), displayName: 'Top of Information Store', parentId: null, wellKnown: 'msgfolderroot' };
    box.folders.set(root.id, root);
    for (const [wellKnown, displayName] of WELL_KNOWN) {
      const folder: Folder = { id: newId('AQMkAD', 12), displayName, parentId: root.id, wellKnown };
      box.folders.set(folder.id, folder);
    }
    this.#mailboxes.set(upn.toLowerCase(), box);
    this.#mailboxes.set(box.id, box);
    return box;
  }

  #root(box: Mailbox): Folder {
    return [...box.folders.values()].find((f) => f.wellKnown === 'msgfolderroot')!;
  }
  #findMailbox(idOrUpn: string): Mailbox | undefined {
    return this.#mailboxes.get(idOrUpn.toLowerCase()) ?? this.#mailboxes.get(idOrUpn);
  }
  #mailbox(upn: string): Mailbox {
    const box = this.#findMailbox(upn);
    if (box === undefined) throw new Error(`no mailbox ${upn} in the double`);
    return box;
  }
}

function page(value: unknown[], next: string | undefined): Record<string, unknown> {
  return { value, ...(next === undefined ? {} : { '@odata.nextLink': next }) };
}

function select(json: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const fields = query.get('$select')?.split(',').map((f) => f.trim());
  if (fields === undefined) return json;
  return Object.fromEntries(Object.entries(json).filter(([key]) => key === 'id' || key.startsWith('@odata') || fields.includes(key)));
}

function folderJson(box: Mailbox, folder: Folder): Record<string, unknown> {
  const children = [...box.folders.values()].filter((f) => f.parentId === folder.id).length;
  const items = [...box.messages.values()].filter((m) => m.folderId === folder.id).length;
  return { id: folder.id, displayName: folder.displayName, parentFolderId: folder.parentId ?? newId('AQMkAD', 12), childFolderCount: children, unreadItemCount: items, totalItemCount: items, isHidden: false };
}

function messageJson(m: Message, immutable: boolean): Record<string, unknown> {
  const sender = { emailAddress: { name: m.fromName || m.fromAddress, address: m.fromAddress } };
  return {
    '@odata.etag': `W/"${m.moves}"`,
    id: immutable ? m.immutableId : m.restId,
    receivedDateTime: m.received,
    subject: m.subject,
    internetMessageId: m.internetMessageId,
    parentFolderId: m.folderId,
    from: sender,
    sender,
    isDraft: true,
    bodyPreview: m.bodyWords.slice(0, 20).join(' '),
  };
}

/** `prop eq 'literal'` clauses joined by `and`, for the properties allowed here. */
function parseFilter(filter: string | null, allowed: readonly string[]): Map<string, string> | Reply {
  const clauses = new Map<string, string>();
  if (filter === null) return clauses;
  const clause = /\s*([A-Za-z/]+)\s+eq\s+'((?:[^']|'')*)'\s*(?:and\s+|$)/y;
  let match: RegExpExecArray | null;
  while (clause.lastIndex < filter.length && (match = clause.exec(filter)) !== null) {
    const [, property = '', literal = ''] = match;
    if (!allowed.includes(property)) return fail(400, 'ErrorInvalidProperty', `Could not find a property named '${property}'.`);
    clauses.set(property, literal.replace(/''/g, "'"));
  }
  if (clause.lastIndex !== filter.length || clauses.size === 0) return fail(400, 'BadRequest', 'Invalid filter clause.');
  return clauses;
}

/** `"prop:\"phrase\""` or `"prop:word"` (KQL on subject, body or from; words matched in order, whole words only). */
function parseSearch(search: string): ((m: Message) => boolean) | Reply {
  const match = /^"(?:(subject|body|from):)?(?:\\"((?:[^"\\]|\\.)*)\\"|([^"\\\s]+))"$/.exec(search);
  if (match === null) return fail(400, 'BadRequest', 'Syntax error in $search.');
  const [, property, phrase, word] = match;
  const needle = words((phrase ?? word ?? '').replace(/\\(.)/g, '$1'));
  if (needle.length === 0) return fail(400, 'BadRequest', 'Empty $search.');
  const contains = (haystack: string[]): boolean => haystack.some((_, i) => needle.every((w, j) => haystack[i + j] === w));
  return (m) => {
    const fields = { subject: words(m.subject), body: m.bodyWords, from: words(`${m.fromName} ${m.fromAddress}`) };
    return property === undefined ? Object.values(fields).some(contains) : contains(fields[property as keyof typeof fields]);
  };
}
