/**
 * A retro-hunt in one mailbox over `GET /users/{id}/messages` (every folder), narrowed on
 * the server as far as Graph allows, then checked on the client with the contract's exact
 * meaning (the same checks the Maildir connector applies), so the server's looser or
 * stricter matching never changes what counts as a hit:
 * - a Message-ID → `$filter=internetMessageId eq '<id>'` (exact);
 * - a From that is a whole address → `$filter=from/emailAddress/address eq '…'`;
 * - subject, body, or a From name, with `textSearch: 'kql'` → `$search="subject:\"…\""`
 *   (Graph's word search; at most 1,000 results, so a mailbox that reaches the cap fails the
 *   search instead of answering part of it);
 * - anything else (headers, a predicate alone, or `textSearch: 'scan'`) → every message.
 * The MIME is downloaded only when headers, body or a predicate must be checked.
 */
import { WritError } from '../../../errors/index.ts';
import { mapAll } from '../concurrency.ts';
import { contentMatches, headersMatch, type CompiledCriteria } from '../criteria.ts';
import type { MessageHit } from '../mail-system.ts';
import { firstAddress, firstHeader, normaliseMessageId, readHeaders } from '../message-headers.ts';
import { odataString, segment, type GraphClient } from './graph-client.ts';
import type { MailboxFolders } from './graph-folders.ts';
import { MESSAGE_SELECT, SIZE_EXPAND, getMime, messageSize, type GraphMessage } from './graph-messages.ts';

/** Graph's documented cap on a message `$search`. */
export const SEARCH_RESULT_CAP = 1000;

export interface SearchSettings {
  quarantineFolder: string;
  textSearch: 'kql' | 'scan';
  pageSize: number;
  mailboxConcurrency: number;
}

export interface SearchPlan {
  query: Record<string, string>;
  /** Whether the query uses `$search` (capped at 1,000 results). */
  capped: boolean;
  /** Whether each candidate's MIME must be read to decide. */
  needsMime: boolean;
}

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/;

export function planSearch(criteria: CompiledCriteria, settings: Pick<SearchSettings, 'textSearch' | 'pageSize'>): SearchPlan {
  const query: Record<string, string> = { $select: MESSAGE_SELECT, $expand: SIZE_EXPAND, $top: String(settings.pageSize) };
  const needsMime = criteria.headers.length > 0 || criteria.body !== null || criteria.matches !== null;
  if (criteria.messageId !== null) return { query: { ...query, $filter: `internetMessageId eq ${odataString(criteria.messageId)}` }, capped: false, needsMime };
  if (criteria.from !== null && ADDRESS.test(criteria.from)) {
    return { query: { ...query, $filter: `from/emailAddress/address eq ${odataString(criteria.from)}` }, capped: false, needsMime };
  }
  if (settings.textSearch === 'kql') {
    const clause = kqlClause('subject', criteria.subject) ?? kqlClause('body', criteria.body) ?? kqlClause('from', criteria.from);
    if (clause !== undefined) return { query: { ...query, $search: `"${clause}"` }, capped: true, needsMime };
  }
  return { query, capped: false, needsMime };
}

/** `subject:\"…\"`: a KQL property restriction on a phrase, escaped for the OData `$search` string. Undefined when the needle cannot be quoted. */
function kqlClause(property: string, needle: string | null): string | undefined {
  if (needle === null || /["\\]/.test(needle) || needle.trim() === '') return undefined;
  return `${property}:\\"${needle.trim()}\\"`;
}

export async function searchMailbox(client: GraphClient, folders: MailboxFolders, criteria: CompiledCriteria, settings: SearchSettings): Promise<MessageHit[]> {
  const mailbox = folders.mailbox;
  await folders.inbox(); // fails for a mailbox that does not exist, before anything else
  const plan = planSearch(criteria, settings);
  const hits: MessageHit[] = [];
  let seen = 0;
  for await (const page of client.pages<GraphMessage>({
    method: 'GET',
    path: `/users/${segment(mailbox)}/messages`,
    query: plan.query,
    mailbox,
    operation: 'search messages',
  })) {
    seen += page.length;
    if (plan.capped && seen >= SEARCH_RESULT_CAP) {
      throw new WritError('WRIT_LIMIT_EXCEEDED', `Graph's search stops at ${SEARCH_RESULT_CAP} messages and ${mailbox} has that many candidates; narrow the criteria (a sender or Message-ID) or search with textSearch "scan"`, {
        details: { mailbox },
      });
    }
    const found = await mapAll(page, settings.mailboxConcurrency, async (message) => examine(client, folders, criteria, plan, settings, message));
    for (const hit of found) if (hit !== undefined) hits.push(hit);
  }
  return hits;
}

async function examine(
  client: GraphClient,
  folders: MailboxFolders,
  criteria: CompiledCriteria,
  plan: SearchPlan,
  settings: SearchSettings,
  message: GraphMessage,
): Promise<MessageHit | undefined> {
  if (message.parentFolderId === undefined) return undefined;
  if (!plan.needsMime && !metadataMatches(criteria, message)) return undefined;
  const folder = await folders.pathOf(message.parentFolderId);
  const quarantine = settings.quarantineFolder;
  if (folder === quarantine || folder.startsWith(`${quarantine}/`)) return undefined;
  let raw: Buffer | undefined;
  if (plan.needsMime) {
    raw = await getMime(client, folders.mailbox, message.id);
    if (!headersMatch(criteria, readHeaders(raw)) || !(await contentMatches(criteria, raw))) return undefined;
  }
  const headers = raw === undefined ? undefined : readHeaders(raw);
  return {
    mailbox: folders.mailbox,
    folder,
    locator: message.id,
    messageId: normaliseMessageId(message.internetMessageId) ?? (headers === undefined ? null : normaliseMessageId(firstHeader(headers, 'message-id'))),
    from: (message.from?.emailAddress?.address ?? (headers === undefined ? '' : firstAddress(firstHeader(headers, 'from')))).toLowerCase(),
    subject: message.subject ?? (headers === undefined ? '' : (firstHeader(headers, 'subject') ?? '')),
    size: raw?.length ?? messageSize(message) ?? 0,
  };
}

/** The contract's meaning on Graph's fields: the exact Message-ID; From and Subject as case-insensitive substrings. */
function metadataMatches(criteria: CompiledCriteria, message: GraphMessage): boolean {
  if (criteria.messageId !== null && normaliseMessageId(message.internetMessageId) !== criteria.messageId) return false;
  if (criteria.from !== null) {
    const sender = message.from?.emailAddress;
    if (!`${sender?.name ?? ''} <${sender?.address ?? ''}>`.toLowerCase().includes(criteria.from)) return false;
  }
  return criteria.subject === null || (message.subject ?? '').toLowerCase().includes(criteria.subject);
}
