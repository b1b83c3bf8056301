import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { actionsFor } from '../read-models/actions-query.ts';
import { campaignView, listCampaigns } from '../read-models/campaign-view.ts';
import { listEntries } from '../read-models/ledger-query.ts';
import { computeMetrics } from '../read-models/metrics.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { actionWithApprovals, cursor, idParams, ledgerEntryView, limit, page, tenant } from '../schemas.ts';

/** Campaigns, identities, reports (intake placeholder), metrics and live events. */
export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit } = ctx;

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/campaigns',
    action: 'campaign.list',
    summary: 'Campaigns, most recently updated first',
    tags: ['campaigns'],
    query: z.strictObject({ tenant: tenant.optional(), limit: limit(), cursor }),
    response: page(z.object({ id: z.string(), tenant: z.string(), name: z.string(), createdAt: z.number(), updatedAt: z.number() })),
    handle: async ({ query }) => listCampaigns(app, query),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/campaigns/:id',
    action: 'campaign.read',
    summary: 'A campaign: every mailbox its purges name, what was quarantined, and a live read-back of what remains',
    tags: ['campaigns'],
    params: idParams,
    response: z.object({
      campaign: z.object({ id: z.string(), tenant: z.string(), name: z.string(), criteria: z.unknown(), indicators: z.unknown(), createdAt: z.number(), updatedAt: z.number() }),
      actions: z.array(actionWithApprovals),
      cases: z.array(z.string()),
      mailboxes: z.array(z.object({ mailbox: z.string(), quarantined: z.number(), remaining: z.number().nullable(), state: z.enum(['contained', 'exposed', 'clean', 'unknown']) })),
      containment: z.enum(['contained', 'awaiting_approval', 'in_progress', 'exposed', 'not_started']),
      checkedAt: z.number(),
    }),
    handle: async ({ params }) => campaignView(app, params.id, ctx.now()),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/identities/:id',
    action: 'identity.read',
    summary: 'An identity as Writ has acted on it: the actions that targeted it and its ledger timeline',
    tags: ['identities'],
    params: idParams,
    response: z.object({ id: z.string(), actions: z.array(actionWithApprovals), timeline: z.array(ledgerEntryView) }),
    handle: async ({ params }) => ({
      id: params.id,
      actions: await actionsFor(app.store.db, { target: { kind: 'identity', id: params.id } }, ctx.now()),
      timeline: (await listEntries(app.store.db, { identityId: params.id, limit: 500 })).items,
    }),
  });

  server.addContentTypeParser(['message/rfc822', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: ctx.reportLimit }, (_request, body, done) => done(null, body));
  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/reports',
    action: 'report.submit',
    summary: 'Upload a user-reported message (.eml as message/rfc822): deduplicated, triaged, clustered into a campaign, handed to the playbook',
    description: '`wrapped=true` when the body is the report itself carrying the original as an attachment (as report buttons send it). The upload is ledgered with the uploader; triage records its verdict.',
    tags: ['signals'],
    status: 202,
    bodyLimit: ctx.reportLimit,
    query: z.strictObject({ reporter: z.string().min(3).max(320), wrapped: z.enum(['true', 'false']).default('false'), tenant: tenant.optional() }),
    response: z.object({
      reportId: z.string(),
      duplicate: z.boolean(),
      reportCount: z.number(),
      status: z.string(),
      verdict: z.enum(['safe', 'malicious', 'uncertain']),
      confidence: z.number(),
      campaignId: z.string().nullable(),
      reasons: z.array(z.string()),
    }),
    handle: async ({ request, query, caller }) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) throw new WritError('WRIT_INPUT_INVALID', 'send the message as the body, with content-type message/rfc822');
      if (!/^[\x21-\x7e]+:/m.test(raw.subarray(0, 4096).toString('latin1'))) throw new WritError('WRIT_MAIL_INVALID', 'the body does not start with mail headers');
      const tenantId = query.tenant ?? app.config.tenants.default;
      const outcome = await app.intake.receive({ raw, reporter: query.reporter, channel: 'upload', tenant: tenantId, wrapped: query.wrapped === 'true' });
      await app.ledger.appendNow([
        { kind: 'report.uploaded', actor: caller.actor, subjects: { campaign: outcome.campaignId ?? undefined }, payload: { report: outcome.reportId, duplicate: outcome.duplicate, tenant: tenantId, size: raw.length } },
      ]);
      return outcome;
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/metrics',
    action: 'metrics.read',
    summary: 'Analyst queue (now and over time), share resolved without an analyst, time to contain, approvals waiting, overrides, rollbacks',
    tags: ['metrics'],
    query: z.strictObject({ hours: z.coerce.number().int().min(1).max(24 * 30).default(24) }),
    response: z.object({
      generatedAt: z.number(),
      windowHours: z.number(),
      queue: z.object({ open: z.number(), breached: z.number(), bySeverity: z.record(z.string(), z.number()) }),
      queueOverTime: z.array(z.object({ at: z.number(), open: z.number() })),
      resolution: z.object({ closed: z.number(), withoutAnalyst: z.number(), share: z.number().nullable() }),
      approvalsWaiting: z.number(),
      overrides: z.object({ total: z.number(), inWindow: z.number() }),
      rollbacks: z.object({ total: z.number(), inWindow: z.number() }),
      timeToContain: z.object({ count: z.number(), medianMs: z.number().nullable(), p90Ms: z.number().nullable() }),
      decisions: z.record(z.string(), z.number()),
    }),
    handle: async ({ query }) => computeMetrics(app.store.db, ctx.now(), query.hours),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/events',
    action: 'events.read',
    summary: 'Server-sent events: each new ledger entry (kind, actor, subjects; never its payload). Resumes from Last-Event-ID.',
    tags: ['events'],
    response: z.string().describe('text/event-stream'),
    handle: async ({ request, reply }) => {
      await ctx.events.open(request, reply);
      return reply as never;
    },
  });
}
