import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CASE_TYPES, exportEvidence } from '../../kernel/index.ts';
import { actionsFor } from '../read-models/actions-query.ts';
import { CASE_SORTS, listCases } from '../read-models/cases-query.ts';
import { listEntries } from '../read-models/ledger-query.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { actionWithApprovals, caseView, criterionResult, cursor, idParams, inclusionProofView, ledgerEntryView, limit, page, severity, tenant } from '../schemas.ts';

export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit } = ctx;
  const tags = ['cases'];

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/cases',
    action: 'case.list',
    summary: 'List cases (the analyst queue): filter by status, queue, severity; order by SLA, severity or age',
    tags,
    query: z.strictObject({
      status: z.enum(['open', 'closed']).optional(),
      queue: z.string().max(200).optional(),
      severity: severity.optional(),
      tenant: tenant.optional(),
      type: z.string().max(64).optional(),
      sort: z.enum(CASE_SORTS).default('sla'),
      limit: limit(),
      cursor,
    }),
    response: page(caseView),
    handle: async ({ query }) => listCases(app.store.db, query),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/cases',
    action: 'case.open',
    summary: 'Open a case',
    tags,
    status: 201,
    body: z.strictObject({
      title: z.string().trim().min(1).max(500),
      type: z.enum(Object.keys(CASE_TYPES) as [string, ...string[]]).default('general'),
      severity: severity.default('medium'),
      queue: z.string().min(1).max(200).optional(),
      tenant: tenant.optional(),
      facts: z.record(z.string(), z.unknown()).optional(),
    }),
    response: caseView,
    handle: async ({ body, caller }) =>
      app.kernel.cases.open({
        type: body.type,
        title: body.title,
        tenant: body.tenant ?? app.config.tenants.default,
        severity: body.severity,
        openedBy: caller.actor,
        ...(body.queue ? { queue: body.queue } : {}),
        ...(body.facts ? { facts: body.facts } : {}),
      }),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/cases/:id',
    action: 'case.read',
    summary: 'A case with its actions (decisions, policy reasons, approvals) and its closure criteria',
    tags,
    params: idParams,
    response: z.object({ case: caseView, actions: z.array(actionWithApprovals) }),
    handle: async ({ params }) => ({ case: await app.kernel.cases.get(params.id), actions: await actionsFor(app.store.db, { caseId: params.id }, ctx.now()) }),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/cases/:id/closure',
    action: 'case.read',
    summary: 'Evaluate the closure criteria by reading the affected systems back (changes nothing)',
    tags,
    params: idParams,
    response: z.object({ closable: z.boolean(), criteria: z.array(criterionResult) }),
    handle: async ({ params }) => {
      const criteria = await app.kernel.cases.evaluate(params.id);
      return { closable: criteria.every((c) => c.met), criteria };
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/cases/:id/close',
    action: 'case.close',
    summary: 'Close a case on verified evidence, or with an override and its justification (recorded as an override)',
    tags,
    params: idParams,
    body: z.strictObject({ override: z.string().trim().min(10, 'an override needs a justification of at least 10 characters').max(2000).optional() }),
    response: caseView,
    handle: async ({ params, body, caller }) => app.kernel.cases.close(params.id, caller.actor, body.override === undefined ? {} : { override: body.override }),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/cases/:id/evidence',
    action: 'evidence.export',
    summary: "The case's evidence bundle: every ledger entry about it with an inclusion proof against one signed checkpoint, and its artefacts",
    tags,
    params: idParams,
    response: z.object({
      format: z.literal('writ.evidence.v1'),
      generated_at: z.string(),
      case: z.unknown(),
      verifier_key: z.string(),
      checkpoint: z.string(),
      entries: z.array(inclusionProofView),
      artefacts: z.object({ actions: z.array(z.unknown()) }),
    }),
    handle: async ({ params }) => exportEvidence(app.store, app.ledger, app.kernel.cases, app.kernel.actions, params.id),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/cases/:id/ledger',
    action: 'ledger.read',
    summary: "The case's ledger timeline",
    tags,
    params: idParams,
    query: z.strictObject({ after: z.coerce.number().int().min(-1).optional(), limit: limit(1000, 200) }),
    response: z.object({ items: z.array(ledgerEntryView), next: z.number().nullable() }),
    handle: async ({ params, query }) => {
      await app.kernel.cases.get(params.id);
      return listEntries(app.store.db, { caseId: params.id, limit: query.limit, ...(query.after === undefined ? {} : { after: query.after }) });
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/cases/:id/grants',
    action: 'grant.list',
    summary: "The grants issued for the case's actions: scope, expiry, use and revocation (never the token)",
    tags,
    params: idParams,
    response: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          actionId: z.string(),
          actionHash: z.string(),
          target: z.string(),
          incidentId: z.string().nullable(),
          issuedAt: z.number(),
          expiresAt: z.number(),
          usedAt: z.number().nullable(),
          revokedAt: z.number().nullable(),
          revokeReason: z.string().nullable(),
        }),
      ),
    }),
    handle: async ({ params }) => {
      await app.kernel.cases.get(params.id);
      const rows = await app.store.db.selectFrom('grants').selectAll().where('case_id', '=', params.id).orderBy('issued_at').limit(1000).execute();
      return {
        items: rows.map((g) => ({
          id: g.id,
          actionId: g.action_id,
          actionHash: g.action_hash,
          target: g.target,
          incidentId: g.incident_id,
          issuedAt: g.issued_at,
          expiresAt: g.expires_at,
          usedAt: g.used_at,
          revokedAt: g.revoked_at,
          revokeReason: g.revoke_reason,
        })),
      };
    },
  });
}
