import type { FastifyInstance, FastifyReply } from 'fastify';
import type {} from '@fastify/cookie';
import { z } from 'zod';
import { WritError, isWritError } from '../../errors/index.ts';
import { ROLES, TOKEN_NAME, TOKEN_PRINCIPAL_TYPES, safeReturnTo } from '../../people/index.ts';
import { API_ACTIONS } from '../api-actions.ts';
import { sessionCookieName } from '../access-hook.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { idParams, role, tokenView } from '../schemas.ts';

const LOGIN_COOKIE = 'writ_login';

/** Sign-in and sign-out (OIDC), who am I, API tokens and people. */
export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit, people } = ctx;
  const secure = people.config.cookieSecure;
  const sessionCookie = sessionCookieName(secure);
  const tags = ['people'];
  const noSso = () => new WritError('WRIT_NOT_FOUND', 'single sign-on is not configured (WRIT_OIDC_ISSUER, WRIT_OIDC_CLIENT_ID)');

  addRoute(server, kit, {
    method: 'GET',
    url: '/auth/login',
    action: null,
    summary: 'Start single sign-on: redirects to the OpenID provider (authorization code + PKCE)',
    tags: ['auth'],
    rateLimit: { max: 30, timeWindow: 60_000 },
    query: z.strictObject({ returnTo: z.string().max(512).optional() }),
    status: 302,
    response: z.null(),
    handle: async ({ query, reply }) => {
      if (!people.oidc) throw noSso();
      const { flowId, url } = await people.oidc.begin(safeReturnTo(query.returnTo));
      void reply.setCookie(LOGIN_COOKIE, flowId, { httpOnly: true, sameSite: 'lax', secure, path: '/auth', maxAge: 600 });
      return redirect(reply, url.href);
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/auth/callback',
    action: null,
    summary: "The OpenID provider's redirect back: checks state, PKCE and nonce, maps groups to roles, opens a session",
    tags: ['auth'],
    rateLimit: { max: 30, timeWindow: 60_000 },
    query: z.record(z.string(), z.string()),
    status: 302,
    response: z.null(),
    handle: async ({ request, reply }) => {
      if (!people.oidc) throw noSso();
      const flowId = request.cookies[LOGIN_COOKIE];
      void reply.clearCookie(LOGIN_COOKIE, { path: '/auth' });
      try {
        const signedIn = await people.oidc.finish(flowId, request.url.split('?')[1] ?? '');
        void reply.setCookie(sessionCookie, signedIn.sessionId, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: Math.floor(people.config.sessionTtlMs / 1000) });
        return redirect(reply, signedIn.returnTo);
      } catch (error) {
        if (!isWritError(error, 'WRIT_UNAUTHENTICATED')) throw error;
        await app.ledger.appendNow([{ kind: 'security.login_failed', actor: 'anonymous', payload: { method: 'oidc', reason: error.message, ip: request.ip } }]);
        return redirect(reply, '/?signin=failed');
      }
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/auth/logout',
    action: 'self.read',
    summary: "Sign out: ends the session (and says where to end the provider's session)",
    tags: ['auth'],
    response: z.object({ signedOut: z.boolean(), endSessionUrl: z.string().nullable() }),
    handle: async ({ caller, reply }) => {
      if (caller.kind !== 'person') return { signedOut: false, endSessionUrl: null };
      await app.store.transaction(async (trx) => {
        await people.sessions.destroy(trx, caller.session.id);
        await app.ledger.append(trx, [{ kind: 'auth.logout', actor: caller.actor, payload: { method: caller.session.method } }]);
      });
      await app.ledger.afterCommit();
      void reply.clearCookie(sessionCookie, { path: '/', httpOnly: true, sameSite: 'lax', secure });
      const end = people.oidc ? await people.oidc.endSessionUrl(new URL('/', people.oidc.settings.redirectUrl)) : undefined;
      return { signedOut: true, endSessionUrl: end?.href ?? null };
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/me',
    action: 'self.read',
    summary: 'Who you are, your roles (with any an active incident grants), what you may do, and your CSRF token',
    tags,
    response: z.object({
      actor: z.string(),
      kind: z.enum(['person', 'automation']),
      name: z.string().nullable(),
      roles: z.array(role),
      elevated: z.array(role),
      permissions: z.array(z.string()),
      csrfToken: z.string().nullable(),
      sessionExpiresAt: z.number().nullable(),
      signInAvailable: z.boolean(),
    }),
    handle: async ({ caller }) => {
      if (caller.kind === 'anonymous') throw new WritError('WRIT_UNAUTHENTICATED', 'not signed in');
      const type = caller.kind === 'person' ? 'Person' : 'Automation';
      const id = caller.kind === 'person' ? caller.subject : caller.actor;
      const permissions = API_ACTIONS.filter((action) => people.access.decide({ type, id, roles: caller.roles, action }).allowed);
      const user = caller.kind === 'person' ? await people.users.get(caller.subject) : undefined;
      return {
        actor: caller.actor,
        kind: caller.kind,
        name: user?.name ?? (caller.kind === 'automation' ? caller.token.name : null),
        roles: caller.roles,
        elevated: caller.elevated,
        permissions,
        csrfToken: caller.kind === 'person' ? caller.session.csrfToken : null,
        sessionExpiresAt: caller.kind === 'person' ? caller.session.expiresAt : null,
        signInAvailable: people.oidc !== null,
      };
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/tokens',
    action: 'token.list',
    summary: 'API tokens (never their secrets)',
    tags,
    response: z.object({ items: z.array(tokenView) }),
    handle: async () => ({ items: await people.tokens.list() }),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/tokens',
    action: 'token.create',
    summary: 'Create an API token for an automation: the secret is in this response only; Writ keeps its SHA-256',
    tags,
    status: 201,
    body: z.strictObject({
      name: z.string().regex(TOKEN_NAME, 'lower-case letters, digits, ".", "_" or "-", up to 63'),
      roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
      principalType: z.enum(TOKEN_PRINCIPAL_TYPES).default('workflow'),
      ttlDays: z.number().int().min(1).max(3650).default(30),
      /** The person accountable for it (default: you); they cannot approve what it proposes. */
      owner: z.string().regex(/^user:.+/, 'user:<subject>').max(300).optional(),
    }),
    response: z.object({ secret: z.string(), token: tokenView }),
    handle: async ({ body, caller, reply }) => {
      void reply.header('cache-control', 'no-store');
      return people.tokens.create({ name: body.name, roles: body.roles, principalType: body.principalType, ttlMs: body.ttlDays * 86_400_000, owner: body.owner ?? caller.actor }, caller.actor);
    },
  });

  addRoute(server, kit, {
    method: 'DELETE',
    url: '/api/v1/tokens/:id',
    action: 'token.revoke',
    summary: 'Revoke an API token at once',
    tags,
    params: idParams,
    response: tokenView,
    handle: async ({ params, caller }) => people.tokens.revoke(params.id, caller.actor),
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/users',
    action: 'user.list',
    summary: 'People who have signed in, with the roles and groups of their last sign-in',
    tags,
    response: z.object({ items: z.array(z.object({ subject: z.string(), name: z.string().nullable(), email: z.string().nullable(), roles: z.array(role), groups: z.array(z.string()), lastLoginAt: z.number().nullable() })) }),
    handle: async () => ({ items: await people.users.list() }),
  });
}

function redirect(reply: FastifyReply, location: string): null {
  void reply.header('location', location).header('cache-control', 'no-store');
  return null;
}
