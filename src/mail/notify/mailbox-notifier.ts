import { WritError } from '../../errors/index.ts';
import type { MailSystem } from '../systems/index.ts';
import { composeNotification } from './compose.ts';
import { uniqueRecipients, type Delivery, type Notifier } from './notifier.ts';
import { senderAddress } from './smtp-options.ts';
import type { RenderedNotification } from './templates.ts';

/**
 * Delivers notifications into the recipients' mailboxes of a mail system (the embedded
 * Maildir world). A recipient with no mailbox there is reported as rejected; a copy already
 * delivered (same Message-ID, found by reading the mailbox back) is not delivered twice.
 * Mailbox names match case-insensitively, as addresses do.
 */
export class MailboxNotifier implements Notifier {
  readonly kind = 'mailbox';

  constructor(
    private readonly system: MailSystem,
    private readonly from: string,
  ) {
    if (senderAddress(from) === null) throw new WritError('WRIT_CONFIG_INVALID', 'notifier: from must be an address, optionally with a display name');
  }

  async send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery> {
    const mailboxes = new Map((await this.system.listMailboxes()).map((m) => [m.toLowerCase(), m]));
    const accepted: string[] = [];
    const rejected: Delivery['rejected'] = [];
    for (const recipient of uniqueRecipients(recipients)) {
      const mailbox = mailboxes.get(recipient.toLowerCase());
      if (mailbox === undefined) {
        rejected.push({ recipient, reason: 'no such mailbox' });
        continue;
      }
      const already = await this.system.countRemaining({ messageId }, { mailboxes: [mailbox] });
      if (already === 0) {
        await this.system.deliver(mailbox, await composeNotification({ from: this.from, to: recipient, message, messageId, newline: '\n' }));
      }
      accepted.push(recipient);
    }
    return { accepted, rejected, messageId };
  }

  async close(): Promise<void> {}
}
