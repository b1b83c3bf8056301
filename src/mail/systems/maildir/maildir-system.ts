/**
 * The embedded default mail system: real Maildir++ folders on disk, no server.
 *
 * Moves are single `rename(2)` calls within one mailbox directory, so a message is always
 * in exactly one place: before the rename in its folder, after it in quarantine. A crash
 * at any point leaves a state the next call recognises (the unique file name is kept
 * across the move, so the message is found again wherever it is).
 */
import { readFileSync } from 'node:fs';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError } from '../../../errors/index.ts';
import { compileCriteria, contentMatches, headersMatch, type CompiledCriteria } from '../criteria.ts';
import { groupBy, mapAll } from '../concurrency.ts';
import type {
  MailSystem,
  MessageCriteria,
  MessageHit,
  MessageRef,
  QuarantineOutcome,
  QuarantineRecord,
  QuarantineRequest,
  RestoreOutcome,
  SearchOptions,
} from '../mail-system.ts';
import { firstAddress, firstHeader, normaliseMessageId, readHeaders } from '../message-headers.ts';
import {
  IdempotencyKeys,
  asWritError,
  checkRecord,
  precheck,
  sha256Hex,
  unwrapQuarantine,
  unwrapRestore,
} from '../quarantine-requests.ts';
import {
  INBOX,
  ensureFolder,
  findMessage,
  folderDir,
  isFsError,
  isWithin,
  listFolders,
  listMailboxDirs,
  listMessages,
  mailboxDir,
  uniqueName,
  uniquePart,
  type MessageFile,
} from './maildir-layout.ts';

export interface MaildirOptions {
  /** The directory holding one Maildir per mailbox. */
  root: string;
  /** Default `Quarantine` (the `.Quarantine` directory), the folder name Dovecot would show. */
  quarantineFolder?: string;
}

export type CompiledMaildirOptions = Readonly<Required<MaildirOptions>>;

export function compileMaildirOptions(options: MaildirOptions): CompiledMaildirOptions {
  const { root, quarantineFolder = 'Quarantine' } = options;
  if (typeof root !== 'string' || root === '') throw new WritError('WRIT_CONFIG_INVALID', 'maildir root must be a directory path');
  if (quarantineFolder === INBOX) throw new WritError('WRIT_CONFIG_INVALID', 'the quarantine folder cannot be INBOX');
  folderDir(root, 'x', quarantineFolder);
  return Object.freeze({ root, quarantineFolder });
}

export class MaildirSystem implements MailSystem {
  readonly kind = 'maildir';
  readonly options: CompiledMaildirOptions;
  readonly #keys = new IdempotencyKeys();

  constructor(options: MaildirOptions) {
    this.options = compileMaildirOptions(options);
  }

  listMailboxes(): Promise<string[]> {
    return listMailboxDirs(this.options.root);
  }

  async *search(criteria: MessageCriteria, options: SearchOptions = {}): AsyncGenerator<MessageHit, void, undefined> {
    const compiled = compileCriteria(criteria);
    const mailboxes = options.mailboxes ?? (await this.listMailboxes());
    for (const mailbox of mailboxes) {
      // A mailbox that was asked for but cannot be read fails the search: never a silent partial answer.
      if (!(await exists(join(mailboxDir(this.options.root, mailbox), 'cur')))) {
        throw new WritError('WRIT_NOT_FOUND', 'no such mailbox', { details: { mailbox } });
      }
    }
    // Files are read synchronously (from the page cache that is several times faster than
    // one async read per file), in slices that give the event loop back every few ms.
    let slice = performance.now();
    for (const mailbox of mailboxes) {
      for (const folder of await listFolders(this.options.root, mailbox)) {
        if (isWithin(folder, this.options.quarantineFolder)) continue;
        for (const file of await listMessages(folderDir(this.options.root, mailbox, folder))) {
          const hit = await examine(compiled, { mailbox, folder, file });
          if (hit !== undefined) yield hit;
          if (performance.now() - slice > SLICE_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            slice = performance.now();
          }
        }
      }
    }
  }

  async countRemaining(criteria: MessageCriteria, options?: SearchOptions): Promise<number> {
    let count = 0;
    for await (const _ of this.search(criteria, options)) count += 1;
    return count;
  }

  async quarantine(hit: MessageRef, options: { idempotencyKey: string }): Promise<QuarantineRecord> {
    const [outcome] = await this.quarantineAll([{ hit, idempotencyKey: options.idempotencyKey }]);
    return unwrapQuarantine(outcome);
  }

  async quarantineAll(requests: readonly QuarantineRequest[]): Promise<QuarantineOutcome[]> {
    const invalid = precheck(requests, this.#keys, this.options.quarantineFolder);
    // Requests for one mailbox run in order; mailboxes run side by side.
    const byMailbox = groupBy([...requests.entries()], ([, request]) => request.hit.mailbox);
    const outcomes = new Array<QuarantineOutcome>(requests.length);
    await mapAll([...byMailbox.values()], 8, async (group) => {
      for (const [index, request] of group) {
        const error = invalid[index];
        outcomes[index] = error !== undefined ? { ok: false, request, error } : await this.#quarantineOne(request);
      }
    });
    return outcomes;
  }

  async #quarantineOne(request: QuarantineRequest): Promise<QuarantineOutcome> {
    const { hit, idempotencyKey } = request;
    try {
      if (!(await exists(join(mailboxDir(this.options.root, hit.mailbox), 'cur')))) {
        throw new WritError('WRIT_NOT_FOUND', 'no such mailbox', { details: { mailbox: hit.mailbox } });
      }
      const quarantine = await ensureFolder(this.options.root, hit.mailbox, this.options.quarantineFolder);
      const moved = await moveOnce(folderDir(this.options.root, hit.mailbox, hit.folder), quarantine, hit.locator);
      const file = await findMessage(quarantine, hit.locator);
      if (file === undefined) {
        throw new WritError('WRIT_NOT_FOUND', 'the message is neither in its folder nor in quarantine', {
          details: { mailbox: hit.mailbox, folder: hit.folder, locator: hit.locator },
        });
      }
      const raw = await readFile(file.path);
      const record: QuarantineRecord = {
        idempotencyKey,
        mailbox: hit.mailbox,
        originalFolder: hit.folder,
        messageId: normaliseMessageId(firstHeader(readHeaders(raw), 'message-id')),
        quarantineFolder: this.options.quarantineFolder,
        locator: hit.locator,
        sha256: sha256Hex(raw),
      };
      return { ok: true, request, record, moved };
    } catch (error) {
      return { ok: false, request, error: asWritError(error) };
    }
  }

  async restore(record: QuarantineRecord): Promise<MessageRef> {
    const [outcome] = await this.restoreAll([record]);
    return unwrapRestore(outcome);
  }

  async restoreAll(records: readonly QuarantineRecord[]): Promise<RestoreOutcome[]> {
    return mapAll(records, 8, async (record): Promise<RestoreOutcome> => {
      try {
        checkRecord(record);
        const quarantine = folderDir(this.options.root, record.mailbox, record.quarantineFolder);
        const original = folderDir(this.options.root, record.mailbox, record.originalFolder);
        const held = await findMessage(quarantine, record.locator);
        if (held !== undefined && sha256Hex(await readFile(held.path)) !== record.sha256) {
          throw new WritError('WRIT_CONFLICT', 'the quarantined message changed since it was quarantined; not restoring it', {
            details: { mailbox: record.mailbox, locator: record.locator },
          });
        }
        if (held !== undefined) await ensureFolder(this.options.root, record.mailbox, record.originalFolder);
        const moved = await moveOnce(quarantine, original, record.locator);
        if ((await findMessage(original, record.locator)) === undefined) {
          throw new WritError('WRIT_NOT_FOUND', 'the message is neither in quarantine nor back in its folder', {
            details: { mailbox: record.mailbox, folder: record.originalFolder, locator: record.locator },
          });
        }
        const restored = { mailbox: record.mailbox, folder: record.originalFolder, locator: record.locator, messageId: record.messageId };
        return { ok: true, record, restored, moved };
      } catch (error) {
        return { ok: false, record, error: asWritError(error) };
      }
    });
  }

  async deliver(mailbox: string, raw: Buffer | string, folder = INBOX): Promise<MessageRef> {
    const dir = await ensureFolder(this.options.root, mailbox, folder);
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const unique = uniqueName();
    // The Maildir delivery protocol: write into tmp/, then rename into new/.
    await writeFile(join(dir, 'tmp', unique), bytes, { flag: 'wx' });
    await rename(join(dir, 'tmp', unique), join(dir, 'new', unique));
    return { mailbox, folder, locator: unique, messageId: normaliseMessageId(firstHeader(readHeaders(bytes), 'message-id')) };
  }

  async close(): Promise<void> {
    // Nothing held open.
  }

  /** Where a mailbox lives on disk (for tools and tests). */
  mailboxPath(mailbox: string): string {
    return mailboxDir(this.options.root, mailbox);
  }
}

const SLICE_MS = 8;

async function examine(
  criteria: CompiledCriteria,
  entry: { mailbox: string; folder: string; file: MessageFile },
): Promise<MessageHit | undefined> {
  let raw: Buffer;
  try {
    raw = readFileSync(entry.file.path);
  } catch (error) {
    // Moved or flagged by someone else since the listing (a new name); it is found under its new name next time.
    if (isFsError(error, 'ENOENT')) return undefined;
    throw error;
  }
  const headers = readHeaders(raw);
  if (!headersMatch(criteria, headers)) return undefined;
  if ((criteria.body !== null || criteria.matches !== null) && !(await contentMatches(criteria, raw))) return undefined;
  return {
    mailbox: entry.mailbox,
    folder: entry.folder,
    locator: uniquePart(entry.file.name),
    messageId: normaliseMessageId(firstHeader(headers, 'message-id')),
    from: firstAddress(firstHeader(headers, 'from')),
    subject: firstHeader(headers, 'subject') ?? '',
    size: raw.length,
  };
}

/**
 * Moves the message `unique` from `fromDir` to `toDir` (same subdir, same name) unless it
 * is already there. Returns whether this call moved it. Never overwrites: if both places
 * hold it (an interrupted copy by some other tool), the source copy is dropped only when
 * it is byte-identical to the one already at the destination.
 */
async function moveOnce(fromDir: string, toDir: string, unique: string): Promise<boolean> {
  const source = await findMessage(fromDir, unique);
  if (source === undefined) return false;
  const existing = await findMessage(toDir, unique);
  if (existing !== undefined) {
    const [a, b] = await Promise.all([readFile(source.path), readFile(existing.path)]);
    if (!a.equals(b)) {
      throw new WritError('WRIT_CONFLICT', 'a different message with the same file name is already at the destination', {
        details: { locator: unique },
      });
    }
    await unlink(source.path);
    return false;
  }
  try {
    await rename(source.path, join(toDir, source.subdir, source.name));
    return true;
  } catch (error) {
    // Renamed away by someone else in the meantime (a client setting a flag, or a parallel call).
    if (isFsError(error, 'ENOENT') && (await exists(source.path)) === false) return moveOnce(fromDir, toDir, unique);
    if (isFsError(error, 'EXDEV')) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', 'the quarantine folder is on another file system; Maildir moves must be renames', {
        cause: error,
      });
    }
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
