import nodemailer, { type Transporter } from 'nodemailer';
import { WritError } from '../../errors/index.ts';
import { composeNotification } from './compose.ts';
import { isPlainAddress, uniqueRecipients, type Delivery, type Notifier, type RecipientReason } from './notifier.ts';
import { compileSmtpOptions, type CompiledSmtpOptions, type SmtpOptions } from './smtp-options.ts';
import { oneLine, type RenderedNotification } from './templates.ts';

/** What nodemailer attaches to its errors (see nodemailer's `NodemailerError`). */
interface SmtpFailure {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
  rejectedErrors?: Array<{ recipient?: string; response?: string }>;
}

/** Failures of the connection itself, whatever reply code they may carry. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EABORT', 'EPROTOCOL', 'EPROXY', 'EMAXLIMIT']);

type Outcome = { kind: 'accepted' } | { kind: 'rejected' | 'deferred'; reason: string };

/**
 * SMTP through nodemailer, over one pooled connection. Each recipient gets its own copy
 * in its own transaction, so a refusal is per recipient: a 5xx reply is `rejected`, a 4xx
 * one `deferred`; neither is thrown. A connection that cannot be made (refused, timed out,
 * TLS failed) is a retryable `WRIT_CONNECTOR_FAILED`; a sender or login the server refuses
 * for good is `WRIT_CONNECTOR_REFUSED` (not retryable: the configuration must change).
 * Server replies are flattened to one line before they are reported.
 */
export class SmtpNotifier implements Notifier {
  readonly kind = 'smtp';
  /** True private: the password is in here, and never in an inspected or logged object. */
  readonly #options: CompiledSmtpOptions;
  readonly #transport: Transporter;

  constructor(options: SmtpOptions) {
    this.#options = compileSmtpOptions(options);
    const { host, port, secure, auth, timeoutMs, starttls, ca } = this.#options;
    this.#transport = nodemailer.createTransport({
      pool: true,
      maxConnections: 1,
      maxMessages: 100,
      host,
      port,
      secure,
      ...(auth ? { auth: { user: auth.user, pass: auth.password } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      requireTLS: !secure && starttls === 'required',
      ignoreTLS: !secure && starttls === 'never',
      tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
  }

  async send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery> {
    const delivery: Required<Delivery> = { accepted: [], rejected: [], deferred: [], messageId };
    const queue = uniqueRecipients(recipients);
    for (const [index, recipient] of queue.entries()) {
      if (!isPlainAddress(recipient)) {
        delivery.rejected.push({ recipient, reason: 'not a valid address' });
        continue;
      }
      let outcome: Outcome;
      try {
        outcome = await this.sendOne(recipient, message, messageId);
      } catch (error) {
        // Nothing decided yet: the whole send failed and is worth retrying as it is.
        const decided = delivery.accepted.length + delivery.rejected.length + delivery.deferred.length;
        if (decided === 0 || !(error instanceof WritError) || !error.retryable) throw error;
        const reason = `not tried: ${error.message}`;
        delivery.deferred.push(...queue.slice(index).map((r): RecipientReason => ({ recipient: r, reason })));
        break;
      }
      if (outcome.kind === 'accepted') delivery.accepted.push(recipient);
      else delivery[outcome.kind].push({ recipient, reason: outcome.reason });
    }
    return delivery;
  }

  private async sendOne(recipient: string, message: RenderedNotification, messageId: string): Promise<Outcome> {
    const raw = await composeNotification({ from: this.#options.from, to: recipient, message, messageId });
    try {
      const info = await this.#transport.sendMail({
        envelope: { from: this.#options.envelopeFrom, to: [recipient] },
        raw,
        // Bounds one message as a whole, whatever each step's timeout allows.
        signal: AbortSignal.timeout(this.#options.timeoutMs * 3),
      });
      const accepted = (info.accepted as Array<string | { address: string }>).map((a) => (typeof a === 'string' ? a : a.address).toLowerCase());
      return accepted.includes(recipient.toLowerCase()) ? { kind: 'accepted' } : { kind: 'rejected', reason: oneLine(info.response ?? 'not accepted') || 'not accepted' };
    } catch (error) {
      return this.classify(error as SmtpFailure, recipient);
    }
  }

  /** Per-recipient refusals become outcomes; anything about the server or the session is thrown. */
  private classify(e: SmtpFailure, recipient: string): Outcome {
    const where = `SMTP ${this.#options.host}:${this.#options.port}`;
    const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
    const reason = oneLine(e.rejectedErrors?.find((r) => r.recipient?.toLowerCase() === recipient.toLowerCase())?.response ?? e.response ?? e.code ?? 'refused') || 'refused';
    const permanent = e.permanent ?? (reply !== undefined && reply >= 500 && reply < 600 && reply !== 503);
    if (reply === undefined || reply === 421 || (e.code !== undefined && CONNECTION_CODES.has(e.code))) {
      throw new WritError('WRIT_CONNECTOR_FAILED', `${where} unavailable: ${e.code ?? 'no reply'}${reply ? ` (${reason})` : ''}`, { retryable: true, details: { smtp: e.code ?? null } });
    }
    if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.command === 'MAIL FROM') {
      const what = e.command === 'MAIL FROM' ? `refused the sender ${this.#options.envelopeFrom}` : 'refused the login';
      throw new WritError(permanent ? 'WRIT_CONNECTOR_REFUSED' : 'WRIT_CONNECTOR_FAILED', `${where} ${what}: ${reason}`, { retryable: !permanent });
    }
    // RCPT TO or DATA: this recipient's transaction.
    return { kind: permanent ? 'rejected' : 'deferred', reason };
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
