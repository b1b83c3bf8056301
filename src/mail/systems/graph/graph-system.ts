/**
 * Search-and-quarantine over Microsoft Graph with an app-only token (client credentials).
 *
 * Limits are Graph's own, enforced on this side (graph-limits.ts): at most 4 requests in
 * flight per mailbox, 10,000 per 10 minutes per mailbox, nothing sent to a mailbox while a
 * Retry-After is pending, and a bound on requests in flight overall. Work is cut per
 * mailbox: a mailbox's search is retried as a whole; a quarantine or restore is retried
 * per message, and each attempt starts by reading where the message is, so a retry or a
 * re-run after a crash moves nothing twice. A mailbox that refuses (403) fails its own
 * requests; the rest of the batch goes on.
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
import { IdempotencyKeys, asWritError, checkRecord, precheck, unwrapQuarantine, unwrapRestore } from '../quarantine-requests.ts';
import { withRetry } from '../retry.ts';
import { GraphClient, segment } from './graph-client.ts';
import { INBOX, MailboxFolders } from './graph-folders.ts';
import { closedError } from './graph-limits.ts';
import { createFromMime } from './graph-messages.ts';
import { MailboxWork, quarantineMessage, restoreMessage } from './graph-moves.ts';
import { compileGraphOptions, type CompiledGraphOptions, type GraphOptions } from './graph-options.ts';
import { searchMailbox } from './graph-search.ts';

interface UserJson {
  id: string;
  userPrincipalName?: string | null;
  mail?: string | null;
}

export class GraphSystem implements MailSystem {
  readonly kind = 'graph';
  readonly options: CompiledGraphOptions;
  readonly #client: GraphClient;
  readonly #closing = new AbortController();
  readonly #keys = new IdempotencyKeys();
  /** One move at a time per message in this process (two batches naming the same message). */
  readonly #perMessage = new KeyedMutex();

  constructor(options: GraphOptions) {
    this.options = compileGraphOptions(options);
    this.#client = new GraphClient(this.options, new Semaphore(this.options.concurrency), this.#closing.signal);
  }

  /** Requests sent and tokens fetched so far (diagnostics). */
  get stats(): { requests: number; tokens: number } {
    return { requests: this.#client.sent, tokens: this.#client.tokens.issued };
  }

  async listMailboxes(): Promise<string[]> {
    this.#open();
    if (this.options.mailboxes !== undefined) return [...new Set(await this.options.mailboxes())].sort();
    const names = new Set<string>();
    for await (const page of this.#client.pages<UserJson>({
      method: 'GET',
      path: '/users',
      query: { $select: 'id,userPrincipalName,mail', $top: '999' },
      mailbox: undefined,
      operation: 'list users',
    })) {
      // Users without a mail address have no mailbox to search.
      for (const user of page) if (user.mail && user.userPrincipalName) names.add(user.userPrincipalName);
    }
    return [...names].sort();
  }

  async *search(criteria: MessageCriteria, options: SearchOptions = {}): AsyncGenerator<MessageHit, void, undefined> {
    const compiled = compileCriteria(criteria);
    const mailboxes = options.mailboxes ?? (await this.listMailboxes());
    const settings = this.options;
    const perMailbox = mapConcurrent(mailboxes, this.options.concurrency, (mailbox) =>
      withRetry(this.options.retry, () => {
        this.#open();
        return searchMailbox(this.#client, new MailboxFolders(this.#client, checkMailbox(mailbox)), compiled, settings);
      }),
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
    return this.#perMailboxBatch(
      requests,
      (request) => request.hit.mailbox,
      invalid,
      (request) => `${request.hit.mailbox}\n${request.hit.locator}`,
      async (work, request): Promise<QuarantineOutcome> => {
        const { value, moved } = await quarantineMessage(work, request.hit, request.idempotencyKey);
        return { ok: true, request, record: value, moved };
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
      (record) => `${record.mailbox}\n${record.locator}`,
      async (work, record): Promise<RestoreOutcome> => {
        const { value, moved } = await restoreMessage(work, record);
        return { ok: true, record, restored: value, moved };
      },
      (record, error) => ({ ok: false, record, error }),
    );
  }

  /** Creates the message from its MIME in `folder` (Graph has no APPEND: it is stored as a draft). Not retried: a lost answer may have created it. */
  async deliver(mailbox: string, raw: Buffer | string, folder = INBOX): Promise<MessageRef> {
    this.#open();
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const folders = new MailboxFolders(this.#client, checkMailbox(mailbox));
    const created = await createFromMime(this.#client, mailbox, await folders.ensure(folder), bytes);
    return { mailbox, folder, locator: created.id, messageId: normaliseMessageId(firstHeader(readHeaders(bytes), 'message-id')) };
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }

  /**
   * Runs `work` for each item, grouped by mailbox: mailboxes side by side, a mailbox's items
   * up to its concurrency. A retryable failure is retried per item with back-off; what
   * still fails, fails that item only.
   */
  async #perMailboxBatch<I, O>(
    items: readonly I[],
    mailboxOf: (item: I) => string,
    invalid: readonly (WritError | undefined)[],
    keyOf: (item: I) => string,
    work: (mailbox: MailboxWork, item: I) => Promise<O>,
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
      const folders = new MailboxFolders(this.#client, mailbox);
      const mailboxWork = new MailboxWork(this.#client, folders, this.options.quarantineFolder);
      await mapAll(group, this.options.mailboxConcurrency, async ([index, item]) => {
        try {
          checkMailbox(mailbox);
          outcomes[index] = await this.#perMessage.run(keyOf(item), () =>
            withRetry(this.options.retry, () => {
              this.#open();
              return work(mailboxWork, item);
            }),
          );
        } catch (error) {
          outcomes[index] = failed(item, asWritError(error));
        }
      });
    });
    return outcomes;
  }

  #open(): void {
    if (this.#closing.signal.aborted) throw closedError();
  }
}

function checkMailbox(mailbox: string): string {
  if (typeof mailbox !== 'string' || mailbox === '' || mailbox.includes('/') || segment(mailbox).length > 512) {
    throw new WritError('WRIT_INPUT_INVALID', 'mailbox name is not valid for Graph', { details: { mailbox } });
  }
  return mailbox;
}
