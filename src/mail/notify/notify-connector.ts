import type { Capability } from '../../actions/index.ts';
import { WritError } from '../../errors/index.ts';
import type { ActionRecord, Connector, ConnectorJournal, ExecutionOutcome, Grant, VerifyOutcome } from '../../kernel/index.ts';
import type { Delivery, Notifier } from './notifier.ts';
import { renderNotification, type NotificationFacts, type NotificationTemplate } from './templates.ts';

/**
 * `notify_reporter` as a connector: renders the template and sends it once per action
 * (the delivery is journalled; a retry after a crash does not send again once recorded).
 * Recipients a server refuses are evidence; if every recipient is refused the action fails.
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
    this.name = `notify:${notifier.kind}`;
  }

  async execute(action: ActionRecord, _grant: Grant): Promise<ExecutionOutcome> {
    if (action.type !== 'notify_reporter') {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name} cannot ${action.type}`, { retryable: false });
    }
    const { recipients, template } = action.params as { recipients: string[]; template: NotificationTemplate };
    const message = renderNotification(template, await this.facts(action));
    const delivery = await this.journal.remember<Delivery>(action.id, 'delivery', () => this.notifier.send(recipients, message, `<${action.id}@${this.domain}>`));
    if (delivery.accepted.length === 0) {
      throw new WritError('WRIT_CONNECTOR_REFUSED', `every recipient was refused: ${delivery.rejected.map((r) => `${r.recipient} (${r.reason})`).join(', ')}`, { retryable: false });
    }
    return {
      result: { template, accepted: delivery.accepted.length, rejected: delivery.rejected.length },
      evidence: { message_id: delivery.messageId, accepted: delivery.accepted, rejected: delivery.rejected, subject: message.subject },
    };
  }

  async verify(action: ActionRecord): Promise<VerifyOutcome> {
    return { satisfied: true, evidence: { note: 'a sent notification cannot be read back', action: action.id } };
  }

  async undo(original: ActionRecord): Promise<ExecutionOutcome> {
    throw new WritError('WRIT_CONNECTOR_REFUSED', `a notification cannot be unsent (${original.id})`, { retryable: false });
  }
}
