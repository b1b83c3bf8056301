import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { WritError } from '../errors/index.ts';
import type { ReportIntake } from './report-intake.ts';

export interface ReportMailboxOptions {
  host: string;
  port: number;
  secure?: boolean;
  user: string;
  password: string;
  /** Where reports arrive (default INBOX) and where handled ones are moved (default Processed). */
  folder?: string;
  processedFolder?: string;
  tenant: string;
  /** Reports taken per poll (bounded work per cycle). */
  batch?: number;
  logger?: Logger;
}

/**
 * Reads the reporting mailbox over IMAP: each message there is a user's report (a report
 * button's message with the original attached, or a forward). Each is handed to intake with
 * a receipt id from UIDVALIDITY and UID, then moved to the processed folder; a poll cut off
 * between the two sees the receipt again and does not count it twice.
 */
export class ReportMailboxPoller {
  private readonly options: Required<Omit<ReportMailboxOptions, 'logger'>> & { logger?: Logger };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly intake: ReportIntake,
    options: ReportMailboxOptions,
  ) {
    this.options = { secure: false, folder: 'INBOX', processedFolder: 'Processed', batch: 100, ...options };
    Object.defineProperty(this.options, 'password', { enumerable: false });
  }

  /** One pass over the folder. Returns how many reports were taken. */
  async pollOnce(): Promise<number> {
    const o = this.options;
    const client = new ImapFlow({ host: o.host, port: o.port, secure: o.secure, auth: { user: o.user, pass: o.password }, logger: false, socketTimeout: 30_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new WritError('WRIT_CONNECTOR_FAILED', `reporting mailbox ${o.user}@${o.host}:${o.port} unreachable: ${(error as { code?: string }).code ?? 'connection failed'}`, { retryable: true });
    }
    let taken = 0;
    try {
      const list = await client.list();
      if (!list.some((f) => f.path === o.processedFolder)) await client.mailboxCreate(o.processedFolder);
      const lock = await client.getMailboxLock(o.folder);
      try {
        const box = client.mailbox;
        const validity = box && typeof box === 'object' ? String(box.uidValidity) : '0';
        const uids = ((await client.search({ all: true }, { uid: true })) || []).slice(0, o.batch);
        for (const uid of uids) {
          const message = await client.fetchOne(String(uid), { source: true, envelope: true }, { uid: true });
          if (!message || !message.source) continue;
          const reporter = message.envelope?.from?.[0]?.address ?? message.envelope?.sender?.[0]?.address;
          if (reporter) {
            try {
              await this.intake.receive({ raw: message.source, reporter, channel: 'imap', tenant: o.tenant, wrapped: true, receiptId: `imap:${o.user}:${o.folder}:${validity}:${uid}` });
            } catch (error) {
              // A report that cannot be taken (empty, no sender) is set aside, not retried forever.
              o.logger?.warn({ uid, err: (error as Error).message }, 'report could not be taken; moved aside');
            }
          }
          await client.messageMove(String(uid), o.processedFolder, { uid: true });
          taken += 1;
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return taken;
  }

  /** Polls every `intervalMs` until stopped; errors are logged and the next poll tries again. */
  start(intervalMs: number): void {
    const tick = () => {
      this.running = this.pollOnce()
        .catch((error: unknown) => this.options.logger?.warn({ err: (error as Error).message }, 'reporting mailbox poll failed'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
  }
}
