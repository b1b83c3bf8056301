import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app/index.ts';
import { WritError } from '../errors/index.ts';
import type {} from '@fastify/cookie';
import { equalSecrets, normalizeRoles, type People, type TokenCheck } from '../people/index.ts';
import type { ApiAction } from './api-actions.ts';
import type { Caller } from './caller.ts';
import type { IncidentElevation } from './elevation.ts';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-writ_session' : 'writ_session';
}

/**
 * Authenticates, checks CSRF and authorises every request to a route that names an action,
 * before its body is read: a bearer token (automations) or a session cookie (people).
 * State-changing requests made with a cookie must echo the session's CSRF token in
 * `x-csrf-token`. The route's action is then decided by the Cedar access policy. Forged,
 * expired or revoked tokens, CSRF failures and refused actions are ledgered as security
 * events with the actor (or `anonymous`).
 */
export function accessHook(app: App, people: People, elevation: IncidentElevation) {
  const cookieName = sessionCookieName(people.config.cookieSecure);
  const refuse = async (request: FastifyRequest, kind: string, actor: string, payload: Record<string, unknown>) => {
    await app.ledger.appendNow([
      { kind, actor, payload: { ...payload, method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0], ip: request.ip } },
    ]);
  };

  return async function authorise(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const action = request.routeOptions.config?.action as ApiAction | undefined;
    if (action === undefined) return;
    const caller = await authenticate(request);
    if (caller.kind === 'person' && !SAFE_METHODS.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (typeof presented !== 'string' || !equalSecrets(presented, caller.session.csrfToken)) {
        await refuse(request, 'security.csrf_refused', caller.actor, { reason: presented === undefined ? 'no CSRF token' : 'wrong CSRF token', action });
        throw new WritError('WRIT_FORBIDDEN', `state-changing requests made with a session need the ${CSRF_HEADER} header from GET /api/v1/me`);
      }
    }
    const decision = people.access.decide({
      type: caller.kind === 'person' ? 'Person' : 'Automation',
      id: caller.kind === 'person' ? caller.subject : caller.actor,
      roles: caller.roles,
      action,
    });
    if (!decision.allowed) {
      await refuse(request, 'security.access_denied', caller.actor, { action, roles: caller.roles, policies: decision.policies });
      throw new WritError('WRIT_FORBIDDEN', `${caller.actor} may not ${action} (roles: ${caller.roles.join(', ') || 'none'})`, { details: { action, roles: caller.roles } });
    }
    request.caller = caller;
  };

  async function authenticate(request: FastifyRequest): Promise<Caller> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const check: TokenCheck = match ? await people.tokens.check(match[1]!) : { ok: false, reason: 'malformed' };
      if (!check.ok) {
        const reason = check.reason === 'unknown' ? 'forged or unknown token' : check.reason === 'malformed' ? 'malformed credentials' : `${check.reason} token`;
        await refuse(request, 'security.auth_refused', check.tokenId ? `token:${check.tokenId}` : 'anonymous', { reason, token: check.tokenId ?? null });
        throw new WritError('WRIT_UNAUTHENTICATED', `the bearer token was refused (${reason})`);
      }
      const token = check.token;
      return { kind: 'automation', actor: `${token.principalType}:${token.name}`, roles: token.roles, elevated: [], token };
    }
    const id = request.cookies?.[cookieName];
    const session = id ? await people.sessions.get(id) : undefined;
    if (!id || !session) throw new WritError('WRIT_UNAUTHENTICATED', 'sign in (GET /auth/login) or send an API token (Authorization: Bearer …)');
    const actor = `user:${session.subject}`;
    const elevated = (await elevation.rolesFor(actor)).filter((r) => !session.roles.includes(r));
    return { kind: 'person', subject: session.subject, actor, roles: normalizeRoles([...session.roles, ...elevated]), elevated, session: { ...session, id } };
  }
}
