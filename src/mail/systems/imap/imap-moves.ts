/**
 * Moving one message between two folders of a mailbox exactly once, over a connection
 * that may drop at any moment, with no state kept outside the server.
 *
 * The message is found by its UID while that is valid (same UIDVALIDITY), otherwise by its
 * Message-ID. Before the UID MOVE it is marked with the keyword `$WritMoving`; the mark is
 * cleared at the destination afterwards (one STORE per folder when the mailbox's work is
 * done). A server may implement MOVE as copy then expunge (Dovecot's Maildir does), so a
 * crash can leave a copy in both folders. A marked source copy whose twin (same bytes, same
 * arrival time) is already at the destination is such a half-done move: it is finished by
 * dropping the source copy. An unmarked copy is a genuine second copy and is moved too.
 * Re-running after any interruption therefore moves nothing twice and loses nothing.
 */
import { WritError } from '../../../errors/index.ts';
import { normaliseMessageId } from '../message-headers.ts';
import { sha256Hex } from '../quarantine-requests.ts';
import type { ImapSession, MessageSummary } from './imap-session.ts';

export const MOVING_KEYWORD = '$WritMoving';

export interface MoveSpec {
  from: string;
  to: string;
  /** `<uidValidity>:<uid>` in `from`, as last seen. */
  locator: string;
  messageId: string | null;
  /** When given, only a copy with these bytes is the message (restore checks this). */
  sha256?: string;
}

export interface MoveResult {
  /** `<uidValidity>:<uid>` in `to`. */
  locator: string;
  raw: Buffer;
  /** False when an earlier call had already moved it. */
  moved: boolean;
}

export function formatLocator(uidValidity: string, uid: number): string {
  return `${uidValidity}:${uid}`;
}

export function parseLocator(locator: string): { uidValidity: string; uid: number } | undefined {
  const match = /^(\d+):(\d+)$/.exec(locator);
  if (match === null) return undefined;
  return { uidValidity: match[1] ?? '', uid: Number(match[2]) };
}

export async function moveExactlyOnce(session: ImapSession, spec: MoveSpec): Promise<MoveResult> {
  await session.folders(); // one LIST per session; later SELECTs then need none of their own
  const message = await locateInSource(session, spec);
  if (message === undefined) return alreadyMoved(session, spec);
  if (message.flags.has(MOVING_KEYWORD)) {
    const finished = await finishHalfDoneMove(session, spec, message);
    if (finished !== undefined) return finished;
    await session.select(spec.from, false);
  }
  return moveNow(session, spec, message);
}

/** The message (with its bytes) if it is still in the source folder. */
async function locateInSource(session: ImapSession, spec: MoveSpec): Promise<Located | undefined> {
  const folder = await session.select(spec.from, false);
  if (folder === undefined) return undefined;
  const known = parseLocator(spec.locator);
  if (known === undefined || known.uidValidity !== folder.uidValidity) {
    // The folder was recreated (new UIDVALIDITY): fall back to the Message-ID.
    const copies = await copiesOf(session, spec, spec.sha256);
    return copies.find((c) => c.flags.has(MOVING_KEYWORD)) ?? copies[0];
  }
  const message = withRaw((await session.summaries([known.uid], true)).find((m) => m.uid === known.uid));
  if (message !== undefined && spec.sha256 !== undefined && sha256Hex(message.raw) !== spec.sha256) {
    throw new WritError('WRIT_CONFLICT', 'the message changed since it was recorded; not moving it', {
      details: { mailbox: session.mailbox, folder: spec.from },
    });
  }
  return message;
}

/**
 * The source copy carries the mark of an earlier attempt. If its twin already sits at the
 * destination, the server died between its copy and its expunge: finish by dropping the
 * source copy. The twin has the same bytes and arrival time (a MOVE keeps both), and
 * usually the mark too, though a server may lose keywords in that crash (Dovecot's Maildir
 * does for a folder's first keyword).
 */
async function finishHalfDoneMove(session: ImapSession, spec: MoveSpec, message: Located): Promise<MoveResult | undefined> {
  if (spec.messageId === null) return undefined;
  const destination = await session.select(spec.to, false);
  if (destination === undefined) return undefined;
  const twins = (await copiesOf(session, spec, sha256Hex(message.raw))).filter((c) => c.received === message.received);
  const twin = twins.find((c) => c.flags.has(MOVING_KEYWORD)) ?? twins.at(-1);
  if (twin === undefined) return undefined;
  if (twin.flags.has(MOVING_KEYWORD)) session.deferFlagRemoval(spec.to, twin.uid, MOVING_KEYWORD);
  await session.select(spec.from, false);
  await session.expunge(message.uid);
  return { locator: formatLocator(destination.uidValidity, twin.uid), raw: twin.raw, moved: false };
}

async function moveNow(session: ImapSession, spec: MoveSpec, message: Located): Promise<MoveResult> {
  await session.ensureFolder(spec.to);
  await session.addFlag(message.uid, MOVING_KEYWORD);
  let landed: { uidValidity: string; uid: number } | undefined;
  try {
    landed = await session.move(message.uid, spec.to);
  } catch (error) {
    if (error instanceof WritError && !error.retryable) {
      // Refused: leave the message as it was (best effort; a mark left behind is harmless).
      await session.removeFlag(message.uid, MOVING_KEYWORD).catch(() => undefined);
    }
    throw error;
  }
  if (landed === undefined) {
    // No COPYUID from the server: find the marked copy.
    const destination = await session.select(spec.to, false);
    const copy = (await copiesOf(session, spec, sha256Hex(message.raw))).find((c) => c.flags.has(MOVING_KEYWORD));
    if (destination === undefined || copy === undefined) {
      throw new WritError('WRIT_CONNECTOR_FAILED', 'the moved message cannot be found at its destination', { details: { mailbox: session.mailbox } });
    }
    landed = { uidValidity: destination.uidValidity, uid: copy.uid };
  }
  session.deferFlagRemoval(spec.to, landed.uid, MOVING_KEYWORD);
  return { locator: formatLocator(landed.uidValidity, landed.uid), raw: message.raw, moved: true };
}

/** Not in the source any more: it is at the destination already (from an earlier run), or gone. */
async function alreadyMoved(session: ImapSession, spec: MoveSpec): Promise<MoveResult> {
  const destination = spec.messageId === null ? undefined : await session.select(spec.to, false);
  const copies = destination === undefined ? [] : await copiesOf(session, spec, spec.sha256);
  const copy = copies.find((c) => c.flags.has(MOVING_KEYWORD)) ?? copies[0];
  if (destination === undefined || copy === undefined) {
    throw new WritError('WRIT_NOT_FOUND', `the message is in neither ${spec.from} nor ${spec.to}`, {
      details: { mailbox: session.mailbox, folder: spec.from, messageId: spec.messageId },
    });
  }
  if (copy.flags.has(MOVING_KEYWORD)) session.deferFlagRemoval(spec.to, copy.uid, MOVING_KEYWORD);
  return { locator: formatLocator(destination.uidValidity, copy.uid), raw: copy.raw, moved: false };
}

type Located = MessageSummary & { raw: Buffer };

function withRaw(message: MessageSummary | undefined): Located | undefined {
  return message?.raw === undefined ? undefined : (message as Located);
}

/** Copies of the message in the selected folder (same Message-ID; same bytes when `sha256` is given), lowest UID first. */
async function copiesOf(session: ImapSession, spec: MoveSpec, sha256: string | undefined): Promise<Located[]> {
  if (spec.messageId === null) return [];
  const uids = await session.search({ header: { 'Message-ID': spec.messageId } });
  return (await session.summaries(uids, true))
    .filter((s) => normaliseMessageId(s.messageId) === spec.messageId)
    .flatMap((s) => {
      const located = withRaw(s);
      return located !== undefined && (sha256 === undefined || sha256Hex(located.raw) === sha256) ? [located] : [];
    })
    .sort((a, b) => a.uid - b.uid);
}
