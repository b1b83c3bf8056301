import type { Capability } from '../../actions/index.ts';
import { WritError } from '../../errors/index.ts';
import type { ActionRecord, Connector, ConnectorJournal, ExecutionOutcome, Grant, VerifyOutcome } from '../../kernel/index.ts';
import type { MailSystem, MessageCriteria, MessageRef, QuarantineRecord } from '../systems/index.ts';

/** Where a campaign's search criteria come from (the campaign store, or a test's map). */
export interface CampaignDirectory {
  /** Each entry is one search (its fields AND-ed); a message matching any entry is in the campaign. */
  criteria(campaignId: string): Promise<SerializableCriteria[] | undefined>;
}

/** Criteria that can be stored and replayed: no predicate. */
export type SerializableCriteria = Omit<MessageCriteria, 'matches'>;

/**
 * The kernel's connector for a mail system (Maildir by default, IMAP, Graph): quarantine one
 * message, purge a campaign into quarantine, undo either, and verify by read-back that no
 * matching message remains outside quarantine. Found messages are journalled before they
 * are moved, so a run cut off midway resumes on the same messages and moves nothing twice.
 */
export class MailConnector implements Connector {
  readonly name: string;
  readonly capabilities: readonly Capability[] = ['mail.quarantine', 'mail.purge', 'mail.restore'];

  constructor(
    private readonly system: MailSystem,
    private readonly journal: ConnectorJournal,
    private readonly campaigns: CampaignDirectory,
  ) {
    this.name = `mail:${system.kind}`;
  }

  async execute(action: ActionRecord, _grant: Grant): Promise<ExecutionOutcome> {
    switch (action.type) {
      case 'quarantine_message': {
        const { mailbox, messageId } = action.params as { mailbox: string; messageId: string };
        return this.quarantine(action, [{ messageId }], [mailbox], { mailbox, messageId });
      }
      case 'purge_campaign': {
        const { campaignId, mailboxes, mode } = action.params as { campaignId: string; mailboxes: string[]; mode: string };
        if (mode !== 'quarantine') {
          throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name} purges into quarantine only, so every purge can be undone; mode "${mode}" is refused`, { retryable: false });
        }
        const criteria = await this.requireCriteria(campaignId);
        return this.quarantine(action, criteria, mailboxes, { campaignId, mailboxes });
      }
      default:
        throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name} restores only by rolling back the action that quarantined (${action.type} alone has no quarantine record)`, { retryable: false });
    }
  }

  async undo(original: ActionRecord, _grant: Grant, _rollback: ActionRecord): Promise<ExecutionOutcome> {
    const records = (original.result?.evidence as { records?: QuarantineRecord[] } | undefined)?.records ?? [];
    const outcomes = await this.system.restoreAll(records);
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      throw new WritError('WRIT_CONNECTOR_FAILED', `${failed.length} of ${records.length} messages could not be restored: ${failed[0]!.ok ? '' : failed[0]!.error.message}`);
    }
    return {
      result: { restored: outcomes.length, moved: outcomes.filter((o) => o.ok && o.moved).length },
      evidence: { restored: outcomes.map((o) => (o.ok ? { mailbox: o.restored.mailbox, folder: o.restored.folder, messageId: o.restored.messageId } : null)) },
    };
  }

  async verify(action: ActionRecord): Promise<VerifyOutcome> {
    const target = await this.criteriaOf(action);
    let remaining = 0;
    for (const criteria of target.criteria) remaining += await this.system.countRemaining(criteria, { mailboxes: target.mailboxes });
    return { satisfied: remaining === 0, evidence: { remaining, mailboxes: target.mailboxes.length, checked_at: new Date().toISOString() } };
  }

  private async criteriaOf(action: ActionRecord): Promise<{ criteria: SerializableCriteria[]; mailboxes: string[] }> {
    if (action.type === 'quarantine_message') {
      const { mailbox, messageId } = action.params as { mailbox: string; messageId: string };
      return { criteria: [{ messageId }], mailboxes: [mailbox] };
    }
    const { campaignId, mailboxes } = action.params as { campaignId: string; mailboxes: string[] };
    return { criteria: await this.requireCriteria(campaignId), mailboxes };
  }

  private async requireCriteria(campaignId: string): Promise<SerializableCriteria[]> {
    const criteria = await this.campaigns.criteria(campaignId);
    if (!criteria || criteria.length === 0) throw new WritError('WRIT_CONNECTOR_REFUSED', `campaign ${campaignId} has no search criteria`, { retryable: false });
    return criteria;
  }

  private async quarantine(action: ActionRecord, searches: SerializableCriteria[], mailboxes: string[], undo: Record<string, unknown>): Promise<ExecutionOutcome> {
    const hits = await this.journal.remember<MessageRef[]>(action.id, 'hits', async () => {
      const found = new Map<string, MessageRef>();
      for (const criteria of searches) {
        for await (const hit of this.system.search(criteria, { mailboxes })) {
          found.set(`${hit.mailbox}\u0000${hit.folder}\u0000${hit.locator}`, { mailbox: hit.mailbox, folder: hit.folder, locator: hit.locator, messageId: hit.messageId });
        }
      }
      return [...found.values()];
    });
    const outcomes = await this.system.quarantineAll(hits.map((hit, i) => ({ hit, idempotencyKey: `${action.id}:${i}` })));
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      // Retried under a new grant; moves already done are not repeated.
      throw new WritError('WRIT_CONNECTOR_FAILED', `${failed.length} of ${hits.length} messages could not be quarantined (first: ${failed[0]!.ok ? '' : failed[0]!.error.message})`);
    }
    const records = outcomes.flatMap((o) => (o.ok ? [o.record] : []));
    return {
      result: { found: hits.length, moved: outcomes.filter((o) => o.ok && o.moved).length, mailboxes: new Set(hits.map((h) => h.mailbox)).size },
      evidence: { records },
      undo,
    };
  }
}
