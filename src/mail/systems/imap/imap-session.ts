/**
 * One admin connection to one mailbox, over imapflow. imapflow answers many failed
 * commands with `false` and reports the error only to its logger; this wrapper captures
 * that error and throws it as a `WritError`, so a refusal is never mistaken for "nothing
 * found" and a dropped connection is always retryable.
 */
import { ImapFlow, type FetchMessageObject, type SearchObject } from 'imapflow';
import { WritError } from '../../../errors/index.ts';
import { imapError } from './imap-errors.ts';
import type { CompiledImapOptions } from './imap-options.ts';

export interface SelectedFolder {
  path: string;
  uidValidity: string;
  readOnly: boolean;
}

export interface MessageSummary {
  uid: number;
  messageId: string | undefined;
  from: string;
  subject: string;
  size: number;
  flags: ReadonlySet<string>;
  /** INTERNALDATE in ms; a MOVE or COPY keeps it. */
  received: number | undefined;
  /** The raw message, when asked for. */
  raw: Buffer | undefined;
}

export class ImapSession {
  readonly mailbox: string;
  readonly #client: ImapFlow;
  #lastError: unknown;
  #selected: SelectedFolder | undefined;
  #folders: { paths: string[]; delimiter: string } | undefined;
  readonly #deferred = new Map<string, number[]>();

  private constructor(options: CompiledImapOptions, mailbox: string) {
    this.mailbox = mailbox;
    const capture = (entry: unknown): void => {
      if (typeof entry === 'object' && entry !== null && 'err' in entry) this.#lastError = entry.err;
    };
    this.#client = new ImapFlow({
      host: options.host,
      port: options.port,
      secure: options.secure,
      tls: { ...options.tls },
      auth: { user: `${mailbox}${options.masterSeparator}${options.masterUser}`, pass: options.masterPassword },
      // imapflow reports failed commands here; nothing is printed, secrets included.
      logger: { debug: () => undefined, info: () => undefined, warn: capture, error: capture },
      disableAutoIdle: true,
      // No CONDSTORE/QRESYNC: nothing here uses them, and each ENABLE is a round trip per login.
      disableAutoEnable: true,
      connectionTimeout: options.connectTimeoutMs,
      greetingTimeout: options.connectTimeoutMs,
      socketTimeout: options.socketTimeoutMs,
    });
    // Without a listener an 'error' event would crash the process; failures surface through commands.
    this.#client.on('error', (error: unknown) => {
      this.#lastError = error;
    });
  }

  static async open(options: CompiledImapOptions, mailbox: string): Promise<ImapSession> {
    const session = new ImapSession(options, mailbox);
    try {
      await session.#client.connect();
    } catch (error) {
      session.#client.close();
      throw session.#error(error, 'login');
    }
    return session;
  }

  /** Selectable folders (IMAP paths), and the hierarchy delimiter. */
  async folders(): Promise<{ paths: string[]; delimiter: string }> {
    if (this.#folders !== undefined) return this.#folders;
    const listed = await this.#run('list', undefined, () => this.#client.list());
    const paths = listed.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent')).map((f) => f.path);
    this.#folders = { paths, delimiter: listed[0]?.delimiter ?? '.' };
    return this.#folders;
  }

  /** Selects a folder (EXAMINE when read-only); undefined when it does not exist. */
  async select(path: string, readOnly: boolean): Promise<SelectedFolder | undefined> {
    const current = this.#selected;
    if (current !== undefined && current.path === path && (readOnly || !current.readOnly)) return current;
    this.#selected = undefined;
    try {
      const opened = await this.#run('select', path, () => this.#client.mailboxOpen(path, { readOnly }));
      this.#selected = { path: opened.path, uidValidity: String(opened.uidValidity), readOnly };
      return this.#selected;
    } catch (error) {
      if (error instanceof WritError && error.code === 'WRIT_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** UIDs in the selected folder matching `query`. */
  async search(query: SearchObject): Promise<number[]> {
    return this.#run('search', this.#selected?.path, () => this.#client.search(query, { uid: true }));
  }

  /** Envelope, flags and arrival time of messages in the selected folder; with their bytes when `withSource`. */
  async summaries(uids: readonly number[], withSource = false): Promise<MessageSummary[]> {
    if (uids.length === 0) return [];
    const query = { uid: true, envelope: true, size: true, flags: true, internalDate: true, source: withSource };
    const fetched = await this.#run('fetch', this.#selected?.path, () => this.#client.fetchAll(uids.join(','), query, { uid: true }));
    return fetched.map(summarise);
  }

  async addFlag(uid: number, flag: string): Promise<void> {
    await this.#run('store', this.#selected?.path, () => this.#client.messageFlagsAdd(String(uid), [flag], { uid: true }));
  }

  async removeFlag(uid: number, flag: string): Promise<void> {
    await this.#run('store', this.#selected?.path, () => this.#client.messageFlagsRemove(String(uid), [flag], { uid: true }));
  }

  /** UID MOVE of one message; where it landed when the server says so (UIDPLUS COPYUID). */
  async move(uid: number, destination: string): Promise<{ uidValidity: string; uid: number } | undefined> {
    const result = await this.#run('move', this.#selected?.path, () => this.#client.messageMove(String(uid), destination, { uid: true }));
    const landed = result.uidMap?.get(uid);
    return landed === undefined || result.uidValidity === undefined ? undefined : { uidValidity: String(result.uidValidity), uid: landed };
  }

  /** Remembers to remove a flag later, in one STORE per folder (see `flushDeferred`). */
  deferFlagRemoval(folder: string, uid: number, flag: string): void {
    const key = `${flag}\n${folder}`;
    const uids = this.#deferred.get(key) ?? [];
    uids.push(uid);
    this.#deferred.set(key, uids);
  }

  async flushDeferred(): Promise<void> {
    for (const [key, uids] of this.#deferred) {
      const [flag = '', folder = ''] = key.split('\n');
      const selected = await this.select(folder, false);
      if (selected !== undefined) await this.#run('store', folder, () => this.#client.messageFlagsRemove(uids.join(','), [flag], { uid: true }));
      this.#deferred.delete(key);
    }
  }

  /** Removes one message from the selected folder (\Deleted + UID EXPUNGE). */
  async expunge(uid: number): Promise<void> {
    await this.#run('expunge', this.#selected?.path, () => this.#client.messageDelete(String(uid), { uid: true }));
  }

  async ensureFolder(path: string): Promise<void> {
    const { paths } = await this.folders();
    if (paths.includes(path)) return;
    await this.#run('create', path, () => this.#client.mailboxCreate(path));
    this.#folders = undefined;
    await this.folders();
  }

  async append(path: string, raw: Buffer): Promise<{ uidValidity: string; uid: number }> {
    const appended = await this.#run('append', path, () => this.#client.append(path, raw));
    if (appended.uid === undefined || appended.uidValidity === undefined) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', 'the IMAP server did not report the new UID (UIDPLUS missing)', {
        details: { mailbox: this.mailbox, folder: path },
      });
    }
    return { uidValidity: String(appended.uidValidity), uid: appended.uid };
  }

  /** Logs out when possible; either way the socket is closed when this resolves. */
  async close(): Promise<void> {
    if (this.#client.usable) {
      try {
        await this.#client.logout();
      } catch {
        // closed below
      }
    }
    this.#client.close();
  }

  async #run<T>(operation: string, folder: string | undefined, command: () => Promise<T | false | undefined>): Promise<T> {
    this.#lastError = undefined;
    let result: T | false | undefined;
    try {
      result = await command();
    } catch (error) {
      throw this.#error(error, operation, folder);
    }
    if (result === false || result === undefined) {
      throw this.#error(this.#lastError ?? new Error(`${operation} returned no result`), operation, folder);
    }
    return result;
  }

  #error(error: unknown, operation: string, folder?: string): WritError {
    return imapError(error, { operation, mailbox: this.mailbox, ...(folder === undefined ? {} : { folder }), connected: this.#client.usable });
  }
}

function summarise(message: FetchMessageObject): MessageSummary {
  const from = message.envelope?.from?.[0]?.address ?? '';
  return {
    uid: message.uid,
    messageId: message.envelope?.messageId,
    from: from.toLowerCase(),
    subject: message.envelope?.subject ?? '',
    size: message.size ?? 0,
    flags: message.flags ?? new Set<string>(),
    received: message.internalDate === undefined ? undefined : new Date(message.internalDate).getTime(),
    raw: message.source,
  };
}
