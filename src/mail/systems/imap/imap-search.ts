/**
 * A retro-hunt in one mailbox: server-side SEARCH in every folder but quarantine, then the
 * checks IMAP cannot do (the exact Message-ID, the raw-message predicate) on the candidates.
 */
import type { SearchObject } from 'imapflow';
import type { CompiledCriteria } from '../criteria.ts';
import type { MessageHit } from '../mail-system.ts';
import { normaliseMessageId } from '../message-headers.ts';
import { formatLocator } from './imap-moves.ts';
import type { ImapSession } from './imap-session.ts';

const FETCH_CHUNK = 200;

export function toSearchObject(criteria: CompiledCriteria): SearchObject {
  const query: SearchObject = {};
  const header: Record<string, string> = {};
  if (criteria.messageId !== null) header['Message-ID'] = criteria.messageId;
  for (const [name, needle] of criteria.headers) header[name] = needle;
  if (Object.keys(header).length > 0) query.header = header;
  if (criteria.from !== null) query.from = criteria.from;
  if (criteria.subject !== null) query.subject = criteria.subject;
  if (criteria.body !== null) query.body = criteria.body;
  if (Object.keys(query).length === 0) query.all = true;
  return query;
}

export async function searchMailbox(session: ImapSession, criteria: CompiledCriteria, quarantineFolder: string): Promise<MessageHit[]> {
  const { paths, delimiter } = await session.folders();
  const query = toSearchObject(criteria);
  const hits: MessageHit[] = [];
  for (const folder of paths) {
    if (folder === quarantineFolder || folder.startsWith(`${quarantineFolder}${delimiter}`)) continue;
    const selected = await session.select(folder, true);
    if (selected === undefined) continue;
    const uids = await session.search(query);
    const predicate = criteria.matches;
    // In chunks, so a broad search with a predicate never holds a whole folder's bytes at once.
    for (let start = 0; start < uids.length; start += FETCH_CHUNK) {
      let candidates = await session.summaries(uids.slice(start, start + FETCH_CHUNK), predicate !== null);
      if (criteria.messageId !== null) candidates = candidates.filter((c) => normaliseMessageId(c.messageId) === criteria.messageId);
      if (predicate !== null) candidates = candidates.filter((c) => c.raw !== undefined && predicate(c.raw) === true);
      for (const c of candidates) {
        hits.push({
          mailbox: session.mailbox,
          folder,
          locator: formatLocator(selected.uidValidity, c.uid),
          messageId: normaliseMessageId(c.messageId),
          from: c.from,
          subject: c.subject,
          size: c.size,
        });
      }
    }
  }
  return hits;
}
