import nodemailer, { type Transporter } from 'nodemailer';
import { WritError } from '../../errors/index.ts';
import type { MailSystem } from '../systems/index.ts';
import type { RenderedNotification } from './templates.ts';

export interface Delivery {
  accepted: string[];
  rejected: Array<{ recipient: string; reason: string }>;
  messageId: string;
}

/** Sends one notification to its recipients. `messageId` is stable per action, so a retry is recognisable. */
export interface Notifier {
  readonly kind: string;
  send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery>;
  close(): Promise<void>;
}

export interface SmtpOptions {
  host: string;
  port: number;
  secure?: boolean;
  user?: string;
  password?: string;
  from: string;
  /** Fail a send that takes longer (connection, greeting, each command), default 15 s. */
  timeoutMs?: number;
}

/**
 * SMTP through nodemailer. A recipient the server refuses is reported per recipient, not
 * thrown; a connection failure is a retryable connector failure.
 */
export class SmtpNotifier implements Notifier {
  readonly kind = 'smtp';
  private readonly transport: Transporter;

  constructor(private readonly options: SmtpOptions) {
    const timeout = options.timeoutMs ?? 15_000;
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // Loopback test servers and internal relays may not offer TLS.
      ignoreTLS: options.secure !== true && !options.user,
    });
  }

  async send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery> {
    try {
      const info = await this.transport.sendMail({ from: this.options.from, to: [...recipients], subject: message.subject, text: message.text, messageId });
      const rejected = (info.rejected as Array<string | { address: string }>).map((r) => (typeof r === 'string' ? r : r.address));
      const errors = (info as { rejectedErrors?: Array<{ recipient?: string; response?: string }> }).rejectedErrors ?? [];
      return {
        accepted: (info.accepted as Array<string | { address: string }>).map((a) => (typeof a === 'string' ? a : a.address)),
        rejected: rejected.map((recipient) => ({ recipient, reason: errors.find((e) => e.recipient === recipient)?.response ?? 'rejected' })),
        messageId,
      };
    } catch (error) {
      const e = error as { code?: string; responseCode?: number; response?: string; rejected?: string[] };
      // Every recipient refused: the server answered, so it is a refusal, not an outage.
      if (e.code === 'EENVELOPE' && e.responseCode !== undefined && e.responseCode >= 500) {
        return { accepted: [], rejected: recipients.map((recipient) => ({ recipient, reason: e.response ?? 'rejected' })), messageId };
      }
      throw new WritError('WRIT_CONNECTOR_FAILED', `SMTP ${this.options.host}:${this.options.port} failed: ${e.code ?? (error as Error).message}`, { retryable: true });
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * Delivers notifications into the recipients' mailboxes of a mail system (the embedded
 * Maildir world). A recipient with no mailbox there is reported as rejected; a copy already
 * delivered (same Message-ID) is not delivered twice.
 */
export class MailboxNotifier implements Notifier {
  readonly kind = 'mailbox';

  constructor(
    private readonly system: MailSystem,
    private readonly from: string,
  ) {}

  async send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery> {
    const known = new Set(await this.system.listMailboxes());
    const accepted: string[] = [];
    const rejected: Delivery['rejected'] = [];
    for (const recipient of recipients) {
      if (!known.has(recipient)) {
        rejected.push({ recipient, reason: 'no such mailbox' });
        continue;
      }
      const already = await this.system.countRemaining({ messageId }, { mailboxes: [recipient] });
      if (already === 0) {
        const raw = [`From: ${this.from}`, `To: ${recipient}`, `Subject: ${message.subject}`, `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, 'Content-Type: text/plain; charset=utf-8', 'MIME-Version: 1.0', '', message.text, ''].join('\r\n');
        await this.system.deliver(recipient, raw);
      }
      accepted.push(recipient);
    }
    return { accepted, rejected, messageId };
  }

  async close(): Promise<void> {}
}
