/**
 * Search-and-quarantine over IMAP through an admin (master user) login to each mailbox.
 *
 * Work is cut per mailbox: one connection per mailbox at a time, at most `concurrency`
 * connections overall, and a mailbox's share of the work is retried with back-off when
 * the connection fails. Every step is idempotent by the server's own state (see
 * imap-moves.ts), so a retry, or a re-run after the process or the server died, resumes
 * without moving anything twice. A mailbox that refuses yields failed outcomes; the rest
 * of the batch goes on.
 */
import { WritError } from '../../../errors/index.ts';
import { KeyedMutex, Semaphore, groupBy, mapAll, mapConcurrent } from '../concurrency.ts';
import { compileCriteria } from '../criteria.ts';
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
import { firstHeader, normaliseMessageId, readHeaders } from '../message-headers.ts';
import { IdempotencyKeys, asWritError, checkRecord, precheck, sha256Hex, unwrapQuarantine, unwrapRestore } from '../quarantine-requests.ts';
import { withRetry } from '../retry.ts';
import { formatLocator, moveExactlyOnce } from './imap-moves.ts';
import { compileImapOptions, type CompiledImapOptions, type ImapOptions } from './imap-options.ts';
import { searchMailbox } from './imap-search.ts';
import { ImapSession } from './imap-session.ts';

export class ImapSystem implements MailSystem {
  readonly kind = 'imap';
  readonly options: CompiledImapOptions;
  readonly #slots: Semaphore;
  readonly #perMailbox = new KeyedMutex();
  readonly #keys = new IdempotencyKeys();
  readonly #open = new Set<ImapSession>();
  #closed = false;

  constructor(options: ImapOptions) {
    this.options = compileImapOptions(options);
    this.#slots = new Semaphore(this.options.concurrency);
  }

  async listMailboxes(): Promise<string[]> {
    return [...new Set(await this.options.mailboxes())].sort();
  }

  async *search(criteria: MessageCriteria, options: SearchOptions = {}): AsyncGenerator<MessageHit, void, undefined> {
    const compiled = compileCriteria(criteria);
    const mailboxes = options.mailboxes ?? (await this.listMailboxes());
    const perMailbox = mapConcurrent(mailboxes, this.options.concurrency, (mailbox) =>
      this.#withMailbox(mailbox, (session) => searchMailbox(session, compiled, this.options.quarantineFolder)),
    );
    for await (const hits of perMailbox) yield* hits;
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
    const quarantineFolder = this.options.quarantineFolder;
    return this.#perMailboxBatch(
      requests,
      (request) => request.hit.mailbox,
      invalid,
      async (session, request): Promise<QuarantineOutcome> => {
        const { hit, idempotencyKey } = request;
        const result = await moveExactlyOnce(session, { from: hit.folder, to: quarantineFolder, locator: hit.locator, messageId: hit.messageId });
        const record: QuarantineRecord = {
          idempotencyKey,
          mailbox: hit.mailbox,
          originalFolder: hit.folder,
          messageId: normaliseMessageId(firstHeader(readHeaders(result.raw), 'message-id')),
          quarantineFolder,
          locator: result.locator,
          sha256: sha256Hex(result.raw),
        };
        return { ok: true, request, record, moved: result.moved };
      },
      (request, error) => ({ ok: false, request, error }),
    );
  }

  async restore(record: QuarantineRecord): Promise<MessageRef> {
    const [outcome] = await this.restoreAll([record]);
    return unwrapRestore(outcome);
  }

  async restoreAll(records: readonly QuarantineRecord[]): Promise<RestoreOutcome[]> {
    const invalid = records.map((record) => {
      try {
        checkRecord(record);
        return undefined;
      } catch (error) {
        return asWritError(error);
      }
    });
    return this.#perMailboxBatch(
      records,
      (record) => record.mailbox,
      invalid,
      async (session, record): Promise<RestoreOutcome> => {
        const result = await moveExactlyOnce(session, {
          from: record.quarantineFolder,
          to: record.originalFolder,
          locator: record.locator,
          messageId: record.messageId,
          sha256: record.sha256,
        });
        const restored = { mailbox: record.mailbox, folder: record.originalFolder, locator: result.locator, messageId: record.messageId };
        return { ok: true, record, restored, moved: result.moved };
      },
      (record, error) => ({ ok: false, record, error }),
    );
  }

  async deliver(mailbox: string, raw: Buffer | string, folder = 'INBOX'): Promise<MessageRef> {
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    // Not retried: an APPEND whose answer was lost may have been stored, and a retry would duplicate it.
    return this.#withMailbox(
      mailbox,
      async (session) => {
        if (folder !== 'INBOX') await session.ensureFolder(folder);
        const { uidValidity, uid } = await session.append(folder, bytes);
        return { mailbox, folder, locator: formatLocator(uidValidity, uid), messageId: normaliseMessageId(firstHeader(readHeaders(bytes), 'message-id')) };
      },
      false,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#open].map((session) => session.close()));
  }

  /**
   * Runs `work` for each item, grouped by mailbox: a mailbox's items go through one
   * connection in order. A retryable failure (the connection) retries the mailbox's
   * remaining items with back-off; any other failure fails that item only.
   */
  async #perMailboxBatch<I, O>(
    items: readonly I[],
    mailboxOf: (item: I) => string,
    invalid: readonly (WritError | undefined)[],
    work: (session: ImapSession, item: I) => Promise<O>,
    failed: (item: I, error: WritError) => O,
  ): Promise<O[]> {
    const outcomes = new Array<O>(items.length);
    const valid: [number, I][] = [];
    items.forEach((item, index) => {
      const error = invalid[index];
      if (error === undefined) valid.push([index, item]);
      else outcomes[index] = failed(item, error);
    });
    const groups = [...groupBy(valid, ([, item]) => mailboxOf(item)).entries()];
    await mapAll(groups, this.options.concurrency, async ([mailbox, group]) => {
      const pending = new Map(group);
      try {
        await this.#withMailbox(mailbox, async (session) => {
          for (const [index, item] of pending) {
            try {
              outcomes[index] = await work(session, item);
            } catch (error) {
              const writError = asWritError(error);
              if (writError.retryable) throw writError;
              outcomes[index] = failed(item, writError);
            }
            pending.delete(index);
          }
        });
      } catch (error) {
        for (const [index, item] of pending) outcomes[index] = failed(item, asWritError(error));
      }
    });
    return outcomes;
  }

  /** A session on `mailbox`: one at a time per mailbox, `concurrency` overall, retried with back-off. */
  async #withMailbox<T>(mailbox: string, work: (session: ImapSession) => Promise<T>, retry = true): Promise<T> {
    if (typeof mailbox !== 'string' || mailbox === '' || mailbox.includes(this.options.masterSeparator)) {
      throw new WritError('WRIT_INPUT_INVALID', 'mailbox name is not valid for this IMAP server', { details: { mailbox } });
    }
    const once = (): Promise<T> =>
      this.#perMailbox.run(mailbox, () =>
        this.#slots.run(async () => {
          if (this.#closed) throw new WritError('WRIT_CONNECTOR_REFUSED', 'the IMAP connector is closed');
          const session = await ImapSession.open(this.options, mailbox);
          this.#open.add(session);
          try {
            const result = await work(session);
            // Clearing in-flight marks is tidying: a mark left behind is harmless.
            await session.flushDeferred().catch(() => undefined);
            return result;
          } finally {
            this.#open.delete(session);
            await session.close();
          }
        }),
      );
    return retry ? withRetry(this.options.retry, once) : once();
  }
}
