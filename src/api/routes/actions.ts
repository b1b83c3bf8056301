import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import type { TargetKind } from '../../actions/index.ts';
import { principalOf } from '../caller.ts';
import { actionById, awaitingApproval } from '../read-models/actions-query.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { actionWithApprovals, cursor, idParams, limit, page, proposalContext, targetSchema, tenant } from '../schemas.ts';

export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit } = ctx;
  const tags = ['actions'];
  const fresh = async (id: string) => {
    const view = await actionById(app.store.db, id, ctx.now());
    if (!view) throw new WritError('WRIT_NOT_FOUND', `no action ${id}`);
    return view;
  };

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/actions',
    action: 'action.propose',
    summary: 'Propose an action; the policy decides it at once (auto, approve, dual, suggest or deny)',
    description:
      'The proposer is the caller: a person proposes as `user:<subject>` (origin human), a token as the automation it stands for. ' +
      'The kernel computes reversibility, blast radius, mode and the regulated flag; the body cannot claim them (nor the facts they rest on).',
    tags,
    status: 201,
    body: z.strictObject({
      type: z.string().min(1).max(100),
      target: targetSchema,
      params: z.record(z.string(), z.unknown()),
      caseId: z.string().min(1).max(200).optional(),
      tenant: tenant.optional(),
      context: proposalContext.optional(),
      /** Only an automation relaying an AI's advice says `ai`; a person is always `human`. */
      origin: z.enum(['rule', 'ai']).optional(),
    }),
    response: actionWithApprovals,
    handle: async ({ body, caller }) => {
      if (body.caseId) await app.kernel.cases.get(body.caseId);
      const view = await app.kernel.actions.propose({
        principal: principalOf(caller),
        type: body.type,
        target: { type: body.target.type as TargetKind, id: body.target.id },
        params: body.params,
        tenant: body.tenant ?? app.config.tenants.default,
        ...(body.caseId ? { caseId: body.caseId } : {}),
        ...(body.context ? { context: body.context } : {}),
        ...(body.origin && caller.kind === 'automation' ? { origin: body.origin } : {}),
      });
      return fresh(view.id);
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/actions/:id',
    action: 'action.read',
    summary: 'An action: its decision, the policies that made it, its status and the approvals given',
    tags,
    params: idParams,
    response: actionWithApprovals,
    handle: async ({ params }) => fresh(params.id),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/actions/:id/approve',
    action: 'action.approve',
    summary: 'Approve exactly the action hash you reviewed (separation of duties is enforced by the kernel)',
    description: 'The approver is the signed-in person, never a value from the body. The requester and the owner of the proposing automation cannot approve; dual control needs two distinct people.',
    tags,
    params: idParams,
    body: z.strictObject({ actionHash: z.string().regex(/^[0-9a-f]{64}$/, 'the 64 hex digits shown with the action'), reason: z.string().trim().min(1).max(2000).optional() }),
    response: actionWithApprovals,
    handle: async ({ params, body, caller }) => {
      await app.kernel.actions.approve(params.id, caller.actor, body.actionHash, body.reason);
      return fresh(params.id);
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/actions/:id/reject',
    action: 'action.reject',
    summary: 'Reject an action awaiting approval, with a reason',
    tags,
    params: idParams,
    body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
    response: actionWithApprovals,
    handle: async ({ params, body, caller }) => {
      await app.kernel.actions.reject(params.id, caller.actor, body.reason);
      return fresh(params.id);
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/actions/:id/amend',
    action: 'action.amend',
    summary: 'Change the parameters of your own proposal before it runs: the hash changes and earlier approvals no longer count',
    tags,
    params: idParams,
    body: z.strictObject({ params: z.record(z.string(), z.unknown()) }),
    response: actionWithApprovals,
    handle: async ({ params, body, caller }) => {
      await app.kernel.actions.amend(params.id, caller.actor, body.params);
      return fresh(params.id);
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/actions/:id/rollback',
    action: 'action.rollback',
    summary: 'Propose the undo of an executed action; the rollback is itself decided, approved and ledgered',
    tags,
    status: 201,
    params: idParams,
    body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
    response: actionWithApprovals,
    handle: async ({ params, body, caller }) => {
      const view = await app.kernel.actions.rollback(params.id, principalOf(caller), body.reason);
      return fresh(view.id);
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/approvals',
    action: 'approval.list',
    summary: 'Actions waiting for approval, oldest first',
    tags: ['approvals'],
    query: z.strictObject({ tenant: tenant.optional(), limit: limit(), cursor }),
    response: page(actionWithApprovals),
    handle: async ({ query }) => awaitingApproval(app.store.db, query, ctx.now()),
  });
}
