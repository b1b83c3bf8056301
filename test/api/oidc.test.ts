import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchBrowser, freePort, startTestProvider } from './oidc-provider.ts';
import { ENGINES } from '../support/engines.ts';
import { withApi } from './support.ts';

const PEOPLE = {
  ana: { name: 'Ana Analyst', email: 'ana@example.test', groups: ['soc', 'staff'] },
  ivan: { name: 'Ivan Intern', email: 'ivan@example.test', groups: ['staff'] },
};

for (const engine of ENGINES) test(`${engine}: single sign-on against a real OpenID provider: code + PKCE, groups become roles, sessions are HttpOnly and SameSite, login CSRF and replays are refused`, async () => {
  const port = await freePort();
  const writ = `http://127.0.0.1:${port}`;
  const provider = await startTestProvider(`${writ}/auth/callback`, PEOPLE);
  try {
    await withApi(
      engine,
      async (w) => {
        await w.server.listen({ host: '127.0.0.1', port });
        const browser = new FetchBrowser();
        const start = await browser.get(`${writ}/auth/login?returnTo=${encodeURIComponent('/cases/abc')}`);
        assert.equal(start.status, 302);
        const authorize = new URL(start.headers.get('location')!);
        assert.equal(authorize.origin, provider.issuer);
        assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
        assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
        const callback = await browser.signInAtProvider(authorize.href, 'ana', writ);

        // The same callback, from a browser that did not start this sign-in (login CSRF): refused.
        const stranger = new FetchBrowser();
        const forced = await stranger.get(callback);
        assert.equal(forced.status, 302);
        assert.equal(forced.headers.get('location'), '/?signin=failed');
        assert.equal(stranger.cookie(writ, 'writ_session'), undefined);

        // A tampered state is refused too (and the flow is single use, so start again).
        const tampered = new URL(callback);
        tampered.searchParams.set('state', 'forged-state');
        const bad = await browser.get(tampered.href);
        assert.equal(bad.headers.get('location'), '/?signin=failed');
        const retry = await browser.get(`${writ}/auth/login?returnTo=${encodeURIComponent('/cases/abc')}`);
        const callback2 = await browser.signInAtProvider(retry.headers.get('location')!, 'ana', writ);
        const done = await browser.get(callback2);
        assert.equal(done.status, 302);
        assert.equal(done.headers.get('location'), '/cases/abc', 'back where the person started');
        const setCookie = browser.setCookies.find((c) => c.startsWith('writ_session='))!;
        assert.match(setCookie, /HttpOnly/i);
        assert.match(setCookie, /SameSite=Lax/i);
        assert.match(setCookie, /Path=\//);
        const session = browser.cookie(writ, 'writ_session')!;
        assert.equal(session.length, 43);
        const replay = await browser.get(callback2);
        assert.equal(replay.headers.get('location'), '/?signin=failed', 'a used callback cannot sign in again');

        const me = await browser.get(`${writ}/api/v1/me`);
        assert.equal(me.status, 200);
        const who = (await me.json()) as { actor: string; name: string; roles: string[]; csrfToken: string; permissions: string[] };
        assert.deepEqual([who.actor, who.name, who.roles], ['user:ana', 'Ana Analyst', ['analyst', 'approver']], 'the soc group maps to analyst and approver');
        assert.ok(who.permissions.includes('action.approve') && !who.permissions.includes('token.create'));
        const row = await w.store.db.selectFrom('sessions').select('id_hash').executeTakeFirstOrThrow();
        assert.notEqual(row.id_hash, session, 'the database keeps only a hash of the session id');

        const logins = await w.store.db.selectFrom('ledger_entries').select(['kind', 'actor', 'body']).where('kind', 'in', ['auth.login', 'security.login_failed']).orderBy('seq').execute();
        assert.deepEqual(logins.map((l) => l.kind), ['security.login_failed', 'security.login_failed', 'auth.login', 'security.login_failed']);
        assert.equal(logins[2]!.actor, 'user:ana');
        assert.match(logins[2]!.body, /"groups":\["soc","staff"\]/);
        assert.ok(!logins.map((l) => l.body).join().includes(provider.clientSecret), 'the client secret never reaches the ledger');

        const noCsrf = await browser.send(`${writ}/auth/logout`, { method: 'POST' });
        assert.equal(noCsrf.status, 403);
        const out = await browser.send(`${writ}/auth/logout`, { method: 'POST', headers: { 'x-csrf-token': who.csrfToken } });
        assert.equal(out.status, 200);
        const outBody = (await out.json()) as { signedOut: boolean; endSessionUrl: string };
        assert.equal(outBody.signedOut, true);
        assert.ok(outBody.endSessionUrl.startsWith(provider.issuer), "the provider's session can be ended too");
        assert.equal((await fetch(`${writ}/api/v1/me`, { headers: { cookie: `writ_session=${session}` } })).status, 401, 'the session is gone on the server, not just in the browser');
        assert.ok((await w.kinds()).includes('auth.logout'));

        // Someone the mapping gives no role signs in, and may do nothing but ask who they are.
        const intern = new FetchBrowser();
        const go = await intern.get(`${writ}/auth/login`);
        await intern.get(await intern.signInAtProvider(go.headers.get('location')!, 'ivan', writ));
        const ivan = (await (await intern.get(`${writ}/api/v1/me`)).json()) as { roles: string[]; permissions: string[] };
        assert.deepEqual([ivan.roles, ivan.permissions], [[], ['self.read']]);
        assert.equal((await intern.get(`${writ}/api/v1/cases`)).status, 403);
        const users = await w.people.users.list();
        assert.deepEqual(users.map((u) => [u.subject, u.roles]), [['ana', ['analyst', 'approver']], ['ivan', []]]);
      },
      {
        people: {
          oidc: {
            issuer: new URL(provider.issuer),
            clientId: provider.clientId,
            clientSecret: provider.clientSecret,
            redirectUrl: new URL(`${writ}/auth/callback`),
            scopes: 'openid profile email groups',
            groupsClaim: 'groups',
            roleMap: { soc: ['analyst', 'approver'] },
          },
        },
      },
    );
  } finally {
    await provider.close();
  }
});

test('with Secure cookies the session cookie is __Host- prefixed and Secure, and only that cookie signs anyone in', async () => {
  const port = await freePort();
  const writ = `http://127.0.0.1:${port}`;
  const provider = await startTestProvider(`${writ}/auth/callback`, PEOPLE);
  try {
    await withApi(
      'sqlite',
      async (w) => {
        await w.server.listen({ host: '127.0.0.1', port });
        const browser = new FetchBrowser();
        const start = await browser.get(`${writ}/auth/login`);
        assert.match(start.headers.getSetCookie().join(), /writ_login=.*; Secure/i, 'the sign-in cookie is Secure too');
        await browser.get(await browser.signInAtProvider(start.headers.get('location')!, 'ana', writ));
        const cookie = browser.setCookies.find((c) => c.startsWith('__Host-writ_session='));
        assert.ok(cookie, browser.setCookies.join('\n'));
        assert.match(cookie, /; Secure/i);
        assert.match(cookie, /Path=\//);
        assert.doesNotMatch(cookie, /Domain=/i, '__Host- cookies carry no Domain');
        const id = browser.cookie(writ, '__Host-writ_session')!;
        assert.equal((await fetch(`${writ}/api/v1/me`, { headers: { cookie: `__Host-writ_session=${id}` } })).status, 200);
        assert.equal((await fetch(`${writ}/api/v1/me`, { headers: { cookie: `writ_session=${id}` } })).status, 401, 'the unprefixed name is not accepted');
      },
      {
        people: {
          cookieSecure: true,
          oidc: { issuer: new URL(provider.issuer), clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUrl: new URL(`${writ}/auth/callback`), scopes: 'openid profile email groups', groupsClaim: 'groups', roleMap: { soc: ['analyst'] } },
        },
      },
    );
  } finally {
    await provider.close();
  }
});
