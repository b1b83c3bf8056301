import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ELEVATABLE_ROLES } from '../../people/index.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { idParams, incidentView, tenant } from '../schemas.ts';

export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit, elevation } = ctx;
  const tags = ['incidents'];

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/incidents/active',
    action: 'incident.read',
    summary: "The tenant's major incident in force, if any (scope, expiry, elevated access)",
    tags,
    query: z.strictObject({ tenant: tenant.optional() }),
    response: z.object({ incident: incidentView.nullable(), now: z.number() }),
    handle: async ({ query }) => ({ incident: (await app.kernel.incidents.active(query.tenant ?? app.config.tenants.default)) ?? null, now: ctx.now() }),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/incidents/:id',
    action: 'incident.read',
    summary: 'An incident, active or ended',
    tags,
    params: idParams,
    response: incidentView,
    handle: async ({ params }) => app.kernel.incidents.get(params.id),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/incidents',
    action: 'incident.declare',
    summary: 'Declare a major incident: broader authority with an expiry, rolled back automatically',
    tags,
    status: 201,
    body: z.strictObject({
      justification: z.string().trim().min(10).max(2000),
      scope: z.strictObject({ summary: z.string().trim().min(1).max(500), systems: z.array(z.string().min(1).max(200)).max(100).optional() }),
      durationMinutes: z.number().int().min(1).max(30 * 24 * 60),
      /** Temporary roles for named people (`user:<subject>`), ended with the incident. */
      elevate: z.array(z.strictObject({ user: z.string().regex(/^user:.+/, 'user:<subject>').max(300), role: z.enum(ELEVATABLE_ROLES as [string, ...string[]]) })).max(50).optional(),
      tenant: tenant.optional(),
    }),
    response: incidentView,
    handle: async ({ body, caller }) => {
      const declared = await app.kernel.incidents.declare({
        tenant: body.tenant ?? app.config.tenants.default,
        commander: caller.actor,
        justification: body.justification,
        scope: { summary: body.scope.summary, ...(body.scope.systems ? { systems: body.scope.systems } : {}), elevatedAccess: body.elevate ?? [] },
        durationMs: body.durationMinutes * 60_000,
      });
      elevation.forget();
      return declared;
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/incidents/:id/end',
    action: 'incident.end',
    summary: 'End an incident now: its grants and elevated access are revoked and a review case opens',
    tags,
    params: idParams,
    response: incidentView,
    handle: async ({ params, caller }) => {
      const ended = await app.kernel.incidents.end(params.id, caller.actor, 'closed');
      elevation.forget();
      return ended;
    },
  });
}
