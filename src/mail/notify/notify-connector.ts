import type { Capability } from '../../actions/index.ts';
import { WritError } from '../../errors/index.ts';
import type { ActionRecord, Connector, ConnectorJournal, ExecutionOutcome, Grant, VerifyOutcome } from '../../kernel/index.ts';
import { uniqueRecipients, type Delivery, type Notifier, type RecipientReason } from './notifier.ts';
import { NOTIFICATION_TEMPLATES, renderNotification, type NotificationFacts, type NotificationTemplate, type RenderedNotification } from './templates.ts';

/** Thrown inside a journalled step so a deferral is not recorded: the next attempt tries again. */
class Deferred extends Error {
  constructor(readonly deferred: RecipientReason[]) {
    super('deferred');
  }
}

/**
 * `notify_reporter` as a connector. The message is rendered once and journalled, then sent
 * to each recipient in turn, and each recipient's outcome is journalled as it is known: a
 * retry after a crash or an outage sends to nobody who was already served, and sends the
 * same words. Recipients a server refuses are evidence; a recipient it defers (4xx) makes
 * the attempt fail retryably once the others are done; if every recipient is refused the
 * action fails for good with the reasons.
 */
export class NotifyConnector implements Connector {
  readonly name: string;
  readonly capabilities: readonly Capability[] = ['mail.notify'];

  constructor(
    private readonly notifier: Notifier,
    private readonly journal: ConnectorJournal,
    private readonly facts: (action: ActionRecord) => Promise<NotificationFacts>,
    private readonly domain = 'writ.local',
  ) {
    if (!/^[a-z0-9.-]+$/i.test(domain)) throw new WritError('WRIT_CONFIG_INVALID', `notify: message-id domain "${domain}" is not a host name`);
    this.name = `notify:${notifier.kind}`;
  }

  async execute(action: ActionRecord, _grant: Grant): Promise<ExecutionOutcome> {
    if (action.type !== 'notify_reporter') {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name} cannot ${action.type}`, { retryable: false });
    }
    const { recipients, template } = action.params as { recipients?: unknown; template?: unknown };
    if (!Array.isArray(recipients) || recipients.length === 0 || !recipients.every((r) => typeof r === 'string')) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name}: action ${action.id} has no recipients`, { retryable: false });
    }
    if (!NOTIFICATION_TEMPLATES.includes(template as NotificationTemplate)) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name}: unknown template ${String(template)}`, { retryable: false });
    }
    const message = await this.journal.remember<RenderedNotification>(action.id, 'message', async () => renderNotification(template as NotificationTemplate, await this.facts(action)));
    const messageId = `<${action.id.replace(/[^A-Za-z0-9._-]/g, '-')}@${this.domain}>`;

    const accepted: string[] = [];
    const rejected: RecipientReason[] = [];
    const deferred: RecipientReason[] = [];
    for (const recipient of uniqueRecipients(recipients as string[])) {
      let delivery: Delivery;
      try {
        delivery = await this.journal.remember<Delivery>(action.id, `delivery:${recipient.toLowerCase()}`, async () => {
          const sent = await this.notifier.send([recipient], message, messageId);
          if (sent.deferred && sent.deferred.length > 0) throw new Deferred(sent.deferred);
          return sent;
        });
      } catch (error) {
        if (error instanceof Deferred) {
          deferred.push(...error.deferred);
          continue;
        }
        // The server is unreachable: stop here; whoever was served is journalled.
        throw error;
      }
      accepted.push(...delivery.accepted);
      rejected.push(...delivery.rejected);
    }

    const details = { message_id: messageId, accepted, rejected, deferred };
    if (deferred.length > 0) {
      throw new WritError('WRIT_CONNECTOR_FAILED', `${deferred.length} recipient(s) deferred, to be retried: ${describe(deferred)} (${accepted.length} delivered, ${rejected.length} refused)`, { retryable: true, details });
    }
    if (accepted.length === 0) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `every recipient was refused: ${describe(rejected)}`, { retryable: false, details });
    }
    return {
      result: { template, accepted: accepted.length, rejected: rejected.length },
      evidence: { message_id: messageId, accepted, rejected, subject: message.subject },
    };
  }

  /** A sent notification cannot be read back from someone else's server; the record of acceptance is the evidence. */
  async verify(action: ActionRecord): Promise<VerifyOutcome> {
    const accepted = action.result?.evidence.accepted;
    const count = Array.isArray(accepted) ? accepted.length : 0;
    return { satisfied: count > 0, evidence: { note: 'a sent notification cannot be read back; accepted by the server for the recipients listed', action: action.id, accepted: count } };
  }

  async undo(original: ActionRecord): Promise<ExecutionOutcome> {
    throw new WritError('WRIT_CONNECTOR_REFUSED', `a notification cannot be unsent (${original.id})`, { retryable: false });
  }
}

function describe(list: readonly RecipientReason[]): string {
  const shown = list.slice(0, 10).map((r) => `${r.recipient} (${r.reason})`);
  if (list.length > 10) shown.push(`and ${list.length - 10} more`);
  return shown.join(', ');
}
