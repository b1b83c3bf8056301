import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../errors/index.ts';
import { compilePeopleConfig, loadPeopleConfig } from './people-config.ts';
import { safeReturnTo } from './oidc-sign-in.ts';
import { normalizeRoles, parseRoleMap } from './roles.ts';
import { UserDirectory } from './users.ts';

test('role maps parse from configuration; a bad entry names the variable', () => {
  assert.deepEqual(parseRoleMap('soc=analyst+approver, admins=admin ,soc=viewer', 'WRIT_OIDC_ROLE_MAP'), { soc: ['viewer', 'analyst', 'approver'], admins: ['admin'] });
  assert.deepEqual(parseRoleMap('', 'X'), {});
  assert.throws(() => parseRoleMap('soc=analyst+root', 'WRIT_OIDC_ROLE_MAP'), (e) => isWritError(e, 'WRIT_CONFIG_INVALID') && /WRIT_OIDC_ROLE_MAP/.test(e.message) && /soc=analyst\+root/.test(e.message));
  assert.throws(() => parseRoleMap('=admin', 'WRIT_USER_ROLES'), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
  assert.deepEqual(normalizeRoles(['admin', 'viewer', 'nope', 'admin']), ['viewer', 'admin']);
});

test('people configuration from the environment: SSO is all or nothing, cookies are Secure behind https', () => {
  const none = loadPeopleConfig({}, 'http://127.0.0.1:8080');
  assert.equal(none.oidc, null);
  assert.equal(none.cookieSecure, false);
  assert.throws(() => loadPeopleConfig({ WRIT_OIDC_ISSUER: 'https://id.example.test' }, 'http://x'), (e) => isWritError(e, 'WRIT_CONFIG_INVALID') && /WRIT_OIDC_CLIENT_ID/.test(e.message));
  assert.throws(() => loadPeopleConfig({ WRIT_SESSION_TTL_MS: '5' }, 'http://x'), (e) => isWritError(e, 'WRIT_CONFIG_INVALID') && /WRIT_SESSION_TTL_MS/.test(e.message));
  const sso = loadPeopleConfig(
    { WRIT_OIDC_ISSUER: 'https://id.example.test', WRIT_OIDC_CLIENT_ID: 'writ', WRIT_OIDC_REDIRECT_URL: 'https://writ.example.test/auth/callback', WRIT_OIDC_ROLE_MAP: 'soc=analyst', WRIT_USER_ROLES: 'ana=admin' },
    'http://127.0.0.1:8080',
  );
  assert.equal(sso.cookieSecure, true);
  assert.equal(sso.oidc?.redirectUrl.href, 'https://writ.example.test/auth/callback');
  const users = new UserDirectory(undefined as never, sso, Date.now);
  assert.deepEqual(users.rolesFor('ana', ['soc', 'unmapped']), ['analyst', 'admin'], 'configured roles plus mapped groups');
  assert.deepEqual(users.rolesFor('bob', []), [], 'no mapping, no role');
  assert.throws(() => compilePeopleConfig({ sessionTtlMs: 10 }), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
});

test('after sign-in the browser only ever returns to a path on this site', () => {
  assert.equal(safeReturnTo('/cases/abc?x=1'), '/cases/abc?x=1');
  for (const evil of ['//evil.test/x', '/\\evil.test', 'https://evil.test', 'javascript:alert(1)', '/ok\nSet-Cookie:x', '', undefined]) assert.equal(safeReturnTo(evil), '/', String(evil));
});
