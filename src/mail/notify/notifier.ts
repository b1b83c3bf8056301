import type { RenderedNotification } from './templates.ts';

export interface RecipientReason {
  recipient: string;
  /** The server's reply or Writ's reason, flattened to one line. */
  reason: string;
}

export interface Delivery {
  /** Recipients the server took the message for. */
  accepted: string[];
  /** Refused for good (a 5xx reply, no such mailbox, not an address): retrying will not help. */
  rejected: RecipientReason[];
  /**
   * Not delivered yet, but worth another attempt: deferred by the server (4xx) or not tried
   * because the connection failed part-way. Absent or empty when every recipient was decided.
   */
  deferred?: RecipientReason[];
  messageId: string;
}

/**
 * Sends one notification to its recipients, one copy each, addressed to that recipient
 * alone (reporters never see who else reported). `messageId` is stable per action, so a
 * retry is recognisable. Throws a retryable `WRIT_CONNECTOR_FAILED` when nothing could be
 * sent because the system was unreachable.
 */
export interface Notifier {
  readonly kind: string;
  send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery>;
  close(): Promise<void>;
}

/**
 * A bare address (`local@domain`), nothing a mail header or an SMTP command could be split
 * on. The action catalogue validates recipients already; this keeps a notifier safe on its own.
 */
const ADDRESS = /^[^\s<>()[\]\\,;:"@\u0000-\u001f\u007f]{1,64}@[^\s<>()[\]\\,;:"@\u0000-\u001f\u007f]{1,255}$/u;

export function isPlainAddress(value: string): boolean {
  return typeof value === 'string' && ADDRESS.test(value) && !value.endsWith('.');
}

/** Each address once (compared case-insensitively), first spelling kept, order kept. */
export function uniqueRecipients(recipients: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of recipients) {
    const recipient = String(raw).trim();
    const key = recipient.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(recipient);
  }
  return out;
}
