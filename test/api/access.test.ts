import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ENGINES } from '../support/engines.ts';
import { problem, withApi, type ApiWorld } from './support.ts';

const securityKinds = async (w: ApiWorld) => (await w.kinds()).filter((k) => k.startsWith('security.'));
const countCases = async (w: ApiWorld) => (await w.store.db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

for (const engine of ENGINES) {
  test(`${engine}: requests without credentials, or with forged, malformed, expired or revoked tokens are refused (401); token refusals are ledgered`, async () => {
    let clock = Date.UTC(2026, 10, 22, 9);
    await withApi(
      engine,
      async (w) => {
        const anonymous = await w.request(null, { method: 'GET', url: '/api/v1/cases' });
        assert.equal(anonymous.statusCode, 401);
        assert.equal(problem(anonymous).code, 'WRIT_UNAUTHENTICATED');
        assert.deepEqual(await securityKinds(w), [], 'a request with no credentials is routine, not an incident');

        const forged = await w.request({ bearer: `writ_pat_${'A'.repeat(43)}`, actor: 'x' }, { method: 'GET', url: '/api/v1/cases' });
        assert.equal(forged.statusCode, 401);
        assert.match(problem(forged).detail, /forged/);
        const malformed = await w.server.inject({ method: 'GET', url: '/api/v1/cases', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
        assert.equal(malformed.statusCode, 401);

        const bot = await w.automation('triage-bot', ['analyst']);
        assert.equal((await w.request(bot, { method: 'GET', url: '/api/v1/cases' })).statusCode, 200);
        clock += 86_400_001;
        const expired = await w.request(bot, { method: 'GET', url: '/api/v1/cases' });
        assert.equal(expired.statusCode, 401);
        assert.match(problem(expired).detail, /expired/);

        const other = await w.automation('report-relay', ['analyst']);
        const admin = await w.person('root', ['admin']);
        const id = (await w.people.tokens.list()).find((t) => t.name === 'report-relay')!.id;
        const revoked = await w.request(admin, { method: 'DELETE', url: `/api/v1/tokens/${id}` });
        assert.equal(revoked.statusCode, 200, revoked.body);
        assert.ok(revoked.json().revokedAt);
        const after = await w.request(other, { method: 'POST', url: '/api/v1/cases', payload: { title: 'after revocation' } });
        assert.equal(after.statusCode, 401);
        assert.match(problem(after).detail, /revoked/);
        assert.equal(await countCases(w), 0, 'nothing changed');

        const refusals = await w.store.db.selectFrom('ledger_entries').select(['actor', 'body']).where('kind', '=', 'security.auth_refused').orderBy('seq').execute();
        assert.deepEqual(
          refusals.map((r) => (JSON.parse(r.body) as { payload: { reason: string } }).payload.reason),
          ['forged or unknown token', 'malformed credentials', 'expired token', 'revoked token'],
        );
        assert.equal(refusals[2]!.actor.startsWith('token:'), true, 'an expired token is named by id, never by secret');
        const bodies = (await w.store.db.selectFrom('ledger_entries').select('body').execute()).map((r) => r.body).join('\n');
        assert.ok(!bodies.includes(bot.bearer) && !bodies.includes(other.bearer), 'no token secret is in the ledger');
        const stored = await w.store.db.selectFrom('api_tokens').select('token_hash').execute();
        assert.ok(stored.every((t) => /^[0-9a-f]{64}$/.test(t.token_hash)), 'tokens are kept only as SHA-256');
        const listed = await w.request(admin, { method: 'GET', url: '/api/v1/tokens' });
        assert.ok(!listed.body.includes(bot.bearer), 'the list never shows a secret');
      },
      { now: () => clock },
    );
  });

  test(`${engine}: an analyst calling an admin route, or a token reaching for what people alone may do, is refused (403) and ledgered; nothing changes`, async () => {
    await withApi(engine, async (w) => {
      const ana = await w.person('ana', ['analyst']);
      const attempt = await w.request(ana, { method: 'POST', url: '/api/v1/tokens', payload: { name: 'sneaky', roles: ['analyst'] } });
      assert.equal(attempt.statusCode, 403);
      const p = problem(attempt);
      assert.equal(p.code, 'WRIT_FORBIDDEN');
      assert.match(p.detail, /user:ana may not token\.create/);
      assert.equal((await w.people.tokens.list()).length, 0, 'no token was created');
      const denied = await w.store.db.selectFrom('ledger_entries').select(['actor', 'body']).where('kind', '=', 'security.access_denied').execute();
      assert.equal(denied.length, 1);
      assert.equal(denied[0]!.actor, 'user:ana');
      assert.equal((JSON.parse(denied[0]!.body) as { payload: { action: string } }).payload.action, 'token.create');

      const admin = await w.person('root', ['admin']);
      const made = await w.request(admin, { method: 'POST', url: '/api/v1/tokens', payload: { name: 'soar', roles: ['analyst', 'incident_commander'] } });
      assert.equal(made.statusCode, 201, made.body);
      const { secret, token } = made.json() as { secret: string; token: { owner: string; roles: string[] } };
      assert.match(secret, /^writ_pat_/);
      assert.equal(token.owner, 'user:root', 'the creator is accountable for it');
      const approving = await w.request(admin, { method: 'POST', url: '/api/v1/tokens', payload: { name: 'approver-bot', roles: ['approver'] } });
      assert.equal(approving.statusCode, 400);
      assert.match(problem(approving).detail, /approving and administering are for people/);
      const minting = await w.request({ bearer: secret, actor: 'workflow:soar' }, { method: 'POST', url: '/api/v1/tokens', payload: { name: 'child', roles: ['analyst'] } });
      assert.equal(minting.statusCode, 403, 'a token cannot mint tokens');
      const adminApproves = await w.request(admin, { method: 'POST', url: '/api/v1/actions/x/approve', payload: { actionHash: 'a'.repeat(64) } });
      assert.equal(adminApproves.statusCode, 403, 'administration grants no approval power');
      assert.equal((await w.kinds()).filter((k) => k === 'security.access_denied').length, 3);
      assert.ok((await w.kinds()).includes('token.created'));
    });
  });

  test(`${engine}: a state change made with a session cookie needs the session's CSRF token; a refusal changes nothing and is ledgered`, async () => {
    await withApi(engine, async (w) => {
      const ana = await w.person('ana', ['analyst']);
      const missing = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'Payroll phish' }, headers: { 'x-csrf-token': '' } });
      assert.equal(missing.statusCode, 403);
      assert.match(problem(missing).detail, /x-csrf-token/);
      const bob = await w.person('bob', ['analyst']);
      const foreign = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'Payroll phish' }, headers: { 'x-csrf-token': bob.csrf } });
      assert.equal(foreign.statusCode, 403, "another session's token does not do");
      assert.equal(await countCases(w), 0);
      assert.deepEqual(await securityKinds(w), ['security.csrf_refused', 'security.csrf_refused']);
      const ok = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'Payroll phish' } });
      assert.equal(ok.statusCode, 201);
      assert.equal((await w.request(ana, { method: 'GET', url: '/api/v1/cases' })).statusCode, 200, 'reads need no token');
      const bot = await w.automation('bot', ['analyst']);
      assert.equal((await w.request(bot, { method: 'POST', url: '/api/v1/cases', payload: { title: 'from a bot' } })).statusCode, 201, 'bearer tokens are not ambient credentials: no CSRF token needed');
    });
  });

  test(`${engine}: an active major incident grants its named responders their extra roles until it ends`, async () => {
    await withApi(engine, async (w) => {
      const ic = await w.person('irene', ['incident_commander', 'viewer']);
      const ana = await w.person('ana', ['viewer']);
      const beforeMe = (await w.request(ana, { method: 'GET', url: '/api/v1/me' })).json() as { permissions: string[]; elevated: string[] };
      assert.ok(!beforeMe.permissions.includes('case.open'));
      assert.equal((await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'during' } })).statusCode, 403);
      const bad = await w.request(ic, { method: 'POST', url: '/api/v1/incidents', payload: { justification: 'credential phishing wave', scope: { summary: 'finance' }, durationMinutes: 60, elevate: [{ user: 'user:ana', role: 'admin' }] } });
      assert.equal(bad.statusCode, 400, 'an incident never hands out admin rights');
      const declared = await w.request(ic, { method: 'POST', url: '/api/v1/incidents', payload: { justification: 'credential phishing wave against finance', scope: { summary: 'finance phishing' }, durationMinutes: 60, elevate: [{ user: 'user:ana', role: 'analyst' }] } });
      assert.equal(declared.statusCode, 201, declared.body);
      const me = (await w.request(ana, { method: 'GET', url: '/api/v1/me' })).json() as { permissions: string[]; elevated: string[]; roles: string[] };
      assert.deepEqual(me.elevated, ['analyst']);
      assert.ok(me.permissions.includes('case.open'));
      assert.equal((await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'during the incident' } })).statusCode, 201);
      const active = (await w.request(ana, { method: 'GET', url: '/api/v1/incidents/active' })).json() as { incident: { id: string; declaredBy: string } };
      assert.equal(active.incident.declaredBy, 'user:irene');
      const ended = await w.request(ic, { method: 'POST', url: `/api/v1/incidents/${active.incident.id}/end` });
      assert.equal(ended.statusCode, 200, ended.body);
      assert.ok(ended.json().reviewCaseId, 'a post-incident review opened');
      assert.equal((await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'after' } })).statusCode, 403, 'the extra role ended with the incident');
    });
  });
}

test('rate limits answer 429 as problem+json; every response carries the security headers and a strict CSP', async () => {
  await withApi(
    'sqlite',
    async (w) => {
      const ana = await w.person('ana', ['viewer']);
      const first = await w.request(ana, { method: 'GET', url: '/api/v1/cases' });
      assert.equal(first.statusCode, 200);
      const csp = String(first.headers['content-security-policy']);
      for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) assert.ok(csp.includes(directive), `${directive} in ${csp}`);
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
      assert.equal(first.headers['x-content-type-options'], 'nosniff');
      assert.equal(first.headers['referrer-policy'], 'no-referrer');
      assert.equal(first.headers['cache-control'], 'no-store', 'API answers are never cached');
      const denied = await w.request(null, { method: 'GET', url: '/api/v1/cases' });
      assert.ok(String(denied.headers['content-security-policy']).includes("default-src 'self'"), 'refusals carry the headers too');
      let last = denied;
      for (let i = 0; i < 5; i++) last = await w.request(ana, { method: 'GET', url: '/api/v1/cases' });
      assert.equal(last.statusCode, 429);
      assert.equal(problem(last).code, 'WRIT_LIMIT_EXCEEDED');
      assert.ok(last.headers['retry-after']);
    },
    { server: { rateLimit: { max: 4, timeWindowMs: 60_000 } } },
  );
});

test('no secret reaches a log line: tokens, session ids and CSRF tokens stay out even at trace level', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  await withApi(
    'sqlite',
    async (w) => {
      const admin = await w.person('root', ['admin']);
      const made = await w.request(admin, { method: 'POST', url: '/api/v1/tokens', payload: { name: 'logged', roles: ['analyst'] } });
      const { secret } = made.json() as { secret: string };
      assert.equal(made.headers['cache-control'], 'no-store', 'the one answer holding a secret is never cached');
      assert.equal((await w.request({ bearer: secret, actor: 'x' }, { method: 'GET', url: '/api/v1/cases' })).statusCode, 200);
      assert.equal((await w.request({ bearer: `${secret.slice(0, -4)}AAAA`, actor: 'x' }, { method: 'GET', url: '/api/v1/cases' })).statusCode, 401);
      assert.equal((await w.request(admin, { method: 'POST', url: '/api/v1/cases', payload: { title: 'x' } })).statusCode, 403);
      const text = lines.join('');
      for (const value of [secret, secret.slice(0, -4), admin.cookie, admin.csrf]) assert.ok(!text.includes(value), 'a secret was logged');
    },
    { logger },
  );
});
