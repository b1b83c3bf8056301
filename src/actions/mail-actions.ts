import { z } from 'zod';
import { defineAction } from './define-action.ts';

const mailbox = z.string().min(1).max(320);
const messageId = z.string().min(1).max(998);
const campaignId = z.string().min(1).max(200);
const mailboxes = z.array(mailbox).min(1).max(100_000);
/** A block must expire: a list that only grows blocks legitimate mail years later. */
const MAX_BLOCK_SECONDS = 90 * 24 * 3600;

const INDICATOR_KINDS = ['sender', 'domain', 'url', 'attachment_sha256'] as const;
const indicator = z.strictObject({
  kind: z.enum(INDICATOR_KINDS),
  value: z.string().min(1).max(2048),
});

/** Each indicator kind has its own shape; a hash that is not 64 hex digits blocks nothing. */
function checkIndicator(value: { kind: (typeof INDICATOR_KINDS)[number]; value: string }, ctx: z.RefinementCtx): void {
  const ok =
    value.kind === 'attachment_sha256'
      ? /^[0-9a-f]{64}$/i.test(value.value)
      : value.kind === 'domain'
        ? /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value.value)
        : value.kind === 'sender'
          ? /^[^\s@]+@[^\s@]+$/.test(value.value)
          : URL.canParse(value.value);
  if (!ok) ctx.addIssue({ code: 'custom', path: ['value'], message: `not a valid ${value.kind}` });
}

const uniqueCount = (items: readonly string[]): number => new Set(items.map((s) => s.toLowerCase())).size;

const messageParams = z.strictObject({ mailbox, messageId });

export const quarantineMessage = defineAction({
  name: 'quarantine_message',
  description: 'Move one message out of a mailbox into quarantine.',
  params: messageParams,
  targets: ['message'],
  capability: 'mail.quarantine',
  domain: 'mail',
  disruptive: true,
  reversible: true,
  undo: { action: 'restore_message', params: (p) => ({ mailbox: p.mailbox, messageId: p.messageId }) },
  baseRisk: 'medium',
  blastRadius: () => 1,
});

export const restoreMessage = defineAction({
  name: 'restore_message',
  description: 'Return a quarantined message to its mailbox.',
  params: messageParams,
  targets: ['message'],
  capability: 'mail.restore',
  domain: 'mail',
  disruptive: true,
  rollback: true,
  reversible: true,
  undo: { action: 'quarantine_message', params: (p) => ({ mailbox: p.mailbox, messageId: p.messageId }) },
  baseRisk: 'medium',
  blastRadius: () => 1,
});

export const purgeCampaign = defineAction({
  name: 'purge_campaign',
  description: 'Remove every message of a campaign from the listed mailboxes (retro-hunt result).',
  params: z.strictObject({
    campaignId,
    mailboxes,
    /** `quarantine` keeps a copy that can be restored; `delete` does not. */
    mode: z.enum(['quarantine', 'delete']),
  }),
  targets: ['campaign'],
  capability: 'mail.purge',
  domain: 'mail',
  disruptive: true,
  reversible: (p) => p.mode === 'quarantine',
  undo: { action: 'restore_campaign', params: (p) => ({ campaignId: p.campaignId, mailboxes: p.mailboxes }) },
  baseRisk: 'high',
  blastRadius: (p) => uniqueCount(p.mailboxes),
});

export const restoreCampaign = defineAction({
  name: 'restore_campaign',
  description: 'Return the quarantined messages of a campaign to the listed mailboxes.',
  params: z.strictObject({ campaignId, mailboxes }),
  targets: ['campaign'],
  capability: 'mail.restore',
  domain: 'mail',
  disruptive: true,
  rollback: true,
  reversible: true,
  undo: {
    action: 'purge_campaign',
    params: (p) => ({ campaignId: p.campaignId, mailboxes: p.mailboxes, mode: 'quarantine' }),
  },
  baseRisk: 'medium',
  blastRadius: (p) => uniqueCount(p.mailboxes),
});

export const blockIndicator = defineAction({
  name: 'block_indicator',
  description: "Put a sender, domain, URL or attachment hash on the mail system's block list, with an expiry.",
  params: indicator
    .extend({ expiresInSeconds: z.number().int().min(60).max(MAX_BLOCK_SECONDS) })
    .superRefine(checkIndicator),
  targets: ['tenant'],
  capability: 'mail.block',
  domain: 'mail',
  disruptive: true,
  reversible: true,
  undo: { action: 'unblock_indicator', params: (p) => ({ kind: p.kind, value: p.value }) },
  baseRisk: 'medium',
  // A block list filters mail for everyone the tenant's mail system serves.
  blastRadius: (_p, facts) => facts.mailboxes,
});

export const unblockIndicator = defineAction({
  name: 'unblock_indicator',
  description: 'Remove an indicator from the block list before it expires.',
  params: indicator.superRefine(checkIndicator),
  targets: ['tenant'],
  capability: 'mail.block',
  domain: 'mail',
  disruptive: true,
  rollback: true,
  reversible: true,
  // Re-blocking needs an expiry only a person or playbook can choose.
  undo: { action: 'block_indicator' },
  baseRisk: 'medium',
  blastRadius: (_p, facts) => facts.mailboxes,
});

const recipients = (max: number) => z.array(z.email()).min(1).max(max);

export const notifyReporter = defineAction({
  name: 'notify_reporter',
  description: 'Tell the people who reported a message what was found.',
  params: z.strictObject({
    recipients: recipients(1000),
    template: z.enum(['received', 'malicious', 'safe', 'simulation', 'uncertain']),
  }),
  targets: ['message', 'case'],
  capability: 'mail.notify',
  domain: 'notification',
  // A note to the reporter changes no system's state.
  disruptive: false,
  reversible: false,
  baseRisk: 'low',
  blastRadius: (p) => uniqueCount(p.recipients),
});

export const notifyExternal = defineAction({
  name: 'notify_external',
  description: 'Send a notice outside the organisation (a registrar, a partner, a regulator).',
  params: z.strictObject({
    recipients: recipients(20),
    template: z.enum(['abuse_report', 'partner_notice', 'regulator_notice']),
  }),
  targets: ['case'],
  capability: 'mail.notify',
  domain: 'notification',
  disruptive: false,
  reversible: false,
  baseRisk: 'medium',
  blastRadius: (p) => uniqueCount(p.recipients),
});
