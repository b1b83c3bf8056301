import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { WritError } from '../../../errors/index.ts';
import { compileGraphOptions, type GraphOptions } from './graph-options.ts';

const BASE: GraphOptions = { tenantId: 'contoso.example', clientId: 'app-1', clientSecret: 'Zq8~s3cret' };

test('options: Graph defaults filled in and frozen; the client secret has no default and never prints', () => {
  const options = compileGraphOptions(BASE);
  assert.equal(options.tokenUrl, 'https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token');
  assert.equal(options.graphBaseUrl, 'https://graph.microsoft.com/v1.0');
  assert.equal(options.scope, 'https://graph.microsoft.com/.default');
  assert.equal(options.mailboxConcurrency, 4);
  assert.deepEqual(options.mailboxBudget, { requests: 10_000, windowMs: 600_000 });
  assert.equal(options.quarantineFolder, 'Quarantine');
  assert.equal(options.textSearch, 'kql');
  assert.equal(options.mailboxes, undefined, 'the directory is asked by default');
  assert.ok(Object.isFrozen(options));
  assert.equal(options.clientSecret, 'Zq8~s3cret');
  assert.ok(!JSON.stringify(options).includes('s3cret') && !inspect(options, { depth: 5 }).includes('s3cret'));

  const sovereign = compileGraphOptions({ ...BASE, authorityUrl: 'https://login.microsoftonline.us/', graphBaseUrl: 'https://graph.microsoft.us/v1.0/' });
  assert.equal(sovereign.tokenUrl, 'https://login.microsoftonline.us/contoso.example/oauth2/v2.0/token');
  assert.equal(sovereign.scope, 'https://graph.microsoft.us/.default');
  assert.equal(compileGraphOptions({ ...BASE, graphBaseUrl: 'http://127.0.0.1:8080/v1.0' }).graphBaseUrl, 'http://127.0.0.1:8080/v1.0', 'plain http on loopback, for a local double');
});

test('options: invalid settings are refused without echoing the secret', () => {
  const bad: Partial<GraphOptions>[] = [
    { clientSecret: '' },
    { clientId: '' },
    { tenantId: 'a/b' },
    { graphBaseUrl: 'http://graph.example.test/v1.0' },
    { authorityUrl: 'https://user:pw@login.example.test' },
    { mailboxConcurrency: 5 },
    { mailboxConcurrency: 0 },
    { mailboxBudget: { requests: 2, windowMs: 1000 } },
    { concurrency: 0 },
    { pageSize: 1001 },
    { quarantineFolder: 'inbox' },
    { quarantineFolder: 'Held/Phish' },
    { textSearch: 'fuzzy' as 'kql' },
  ];
  for (const change of bad) {
    assert.throws(
      () => compileGraphOptions({ ...BASE, ...change }),
      (e) => e instanceof WritError && e.code === 'WRIT_CONFIG_INVALID' && !e.message.includes('s3cret'),
      JSON.stringify(change),
    );
  }
});
