/**
 * Quarantine and restore of one message, idempotent by the mailbox's own state.
 *
 * Ids are immutable (`Prefer: IdType="ImmutableId"`), so a message keeps its id across
 * moves and is looked up where it is now: already in the destination, it is not moved
 * again; still in its folder, it is fingerprinted (sha256 of its MIME) and moved. A move
 * is one Graph operation, so there is no half-done state; an answer lost after the move
 * took effect is found out by the next attempt's lookup. When the id is not known (the
 * message was gone, or the id came from elsewhere), the message is looked for by its
 * Internet Message-ID in the destination folder.
 */
import { WritError } from '../../../errors/index.ts';
import type { MessageRef, QuarantineRecord } from '../mail-system.ts';
import { normaliseMessageId } from '../message-headers.ts';
import { sha256Hex } from '../quarantine-requests.ts';
import type { GraphClient } from './graph-client.ts';
import type { MailboxFolders } from './graph-folders.ts';
import { findInFolder, getMessage, getMime, moveMessage, type GraphMessage } from './graph-messages.ts';

/** One mailbox's folders for the length of a batch, with the quarantine folder resolved once. */
export class MailboxWork {
  readonly client: GraphClient;
  readonly folders: MailboxFolders;
  readonly quarantineFolder: string;
  #quarantine: Promise<string> | undefined;

  constructor(client: GraphClient, folders: MailboxFolders, quarantineFolder: string) {
    this.client = client;
    this.folders = folders;
    this.quarantineFolder = quarantineFolder;
  }

  get mailbox(): string {
    return this.folders.mailbox;
  }

  /** The quarantine folder's id, created (`POST /users/{id}/mailFolders`) the first time it is needed. */
  quarantineId(): Promise<string> {
    this.#quarantine ??= this.folders.ensure(this.quarantineFolder).catch((error: unknown) => {
      this.#quarantine = undefined;
      throw error;
    });
    return this.#quarantine;
  }
}

export interface MoveOutcome<T> {
  value: T;
  moved: boolean;
}

export async function quarantineMessage(work: MailboxWork, hit: MessageRef, idempotencyKey: string): Promise<MoveOutcome<QuarantineRecord>> {
  const { client, mailbox } = work;
  const quarantineId = await work.quarantineId();
  const record = (message: GraphMessage, raw: Buffer): QuarantineRecord => ({
    idempotencyKey,
    mailbox,
    originalFolder: hit.folder,
    messageId: normaliseMessageId(message.internetMessageId) ?? hit.messageId,
    quarantineFolder: work.quarantineFolder,
    locator: message.id,
    sha256: sha256Hex(raw),
  });
  const message = await getMessage(client, mailbox, hit.locator);
  if (message === undefined) {
    // Not under that id: look for it in quarantine by its Message-ID (an earlier run's move).
    const held = hit.messageId === null ? [] : await findInFolder(client, mailbox, quarantineId, hit.messageId);
    const copy = held[0];
    if (copy === undefined) {
      throw new WritError('WRIT_NOT_FOUND', `the message is neither in ${hit.folder} nor in ${work.quarantineFolder}`, {
        details: { mailbox, folder: hit.folder, messageId: hit.messageId },
      });
    }
    return { value: record(copy, await getMime(client, mailbox, copy.id)), moved: false };
  }
  const raw = await getMime(client, mailbox, message.id);
  if (message.parentFolderId === quarantineId) return { value: record(message, raw), moved: false };
  const landed = await moveMessage(client, mailbox, message.id, quarantineId);
  return { value: record({ ...message, id: landed.id }, raw), moved: true };
}

export async function restoreMessage(work: MailboxWork, record: QuarantineRecord): Promise<MoveOutcome<MessageRef>> {
  const { client, mailbox, folders } = work;
  const restored = (locator: string): MessageRef => ({ mailbox, folder: record.originalFolder, locator, messageId: record.messageId });
  const [quarantineId, originalId] = await Promise.all([folders.find(record.quarantineFolder), folders.find(record.originalFolder)]);
  const message = await getMessage(client, mailbox, record.locator);
  if (message === undefined) {
    // Not under that id: already back under another one? Only a copy with the recorded bytes counts.
    const candidates = record.messageId === null || originalId === undefined ? [] : await findInFolder(client, mailbox, originalId, record.messageId);
    for (const candidate of candidates) {
      if (sha256Hex(await getMime(client, mailbox, candidate.id)) === record.sha256) return { value: restored(candidate.id), moved: false };
    }
    throw new WritError('WRIT_NOT_FOUND', `the message is neither in ${record.quarantineFolder} nor back in ${record.originalFolder}`, {
      details: { mailbox, folder: record.originalFolder, messageId: record.messageId },
    });
  }
  if (originalId !== undefined && message.parentFolderId === originalId) return { value: restored(message.id), moved: false };
  if (quarantineId === undefined || message.parentFolderId !== quarantineId) {
    throw new WritError('WRIT_CONFLICT', 'the message was moved out of quarantine to another folder; not moving it', {
      details: { mailbox, folder: record.originalFolder },
    });
  }
  if (sha256Hex(await getMime(client, mailbox, message.id)) !== record.sha256) {
    throw new WritError('WRIT_CONFLICT', 'the quarantined message changed since it was quarantined; not restoring it', {
      details: { mailbox, locator: record.locator },
    });
  }
  const destination = originalId ?? (await folders.ensure(record.originalFolder));
  const landed = await moveMessage(client, mailbox, message.id, destination);
  return { value: restored(landed.id), moved: true };
}
