import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../support/engines.ts';
import { PHISHING_WORKFLOW } from '../support/kernel.ts';
import { problem, withApi } from './support.ts';

for (const engine of ENGINES) {
  test(`${engine}: oversized bodies, wrong types, unknown fields, bad JSON and unknown routes are problem+json with stable codes; nothing changes`, async () => {
    await withApi(
      engine,
      async (w) => {
        w.server.get('/boom', async () => {
          throw new Error('internals: password=hunter2 at /srv/writ/db');
        });
        const boom = await w.server.inject({ method: 'GET', url: '/boom' });
        assert.equal(boom.statusCode, 500);
        assert.equal(problem(boom).code, 'WRIT_INTERNAL');
        assert.ok(!boom.body.includes('hunter2') && !boom.body.includes('/srv'), 'an unknown error never leaks its message');
        const ana = await w.person('ana', ['analyst', 'approver']);
        const before = (await w.kinds()).length;
        const cases = async () => (await w.store.db.selectFrom('cases').select('id').execute()).length;

        const big = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'x'.repeat(9000) } });
        assert.equal(big.statusCode, 413);
        assert.equal(problem(big).code, 'WRIT_LIMIT_EXCEEDED');

        const wrongType = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 123, severity: 'high' } });
        assert.equal(wrongType.statusCode, 400);
        const p = problem(wrongType);
        assert.equal(p.code, 'WRIT_INPUT_INVALID');
        assert.match(p.detail, /^body\.title: /);
        assert.equal((p.errors as Array<{ path: string }>)[0]!.path, 'body.title');

        const coerced = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'x', severity: 'high', queue: 7 } });
        assert.equal(coerced.statusCode, 400, 'JSON bodies are not coerced: 7 is not a queue name');

        const badEnum = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: { title: 'x', severity: 'apocalyptic' } });
        assert.equal(badEnum.statusCode, 400);

        const badJson = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: '{"title": ', headers: { 'content-type': 'application/json' } });
        assert.equal(badJson.statusCode, 400);
        assert.equal(problem(badJson).code, 'WRIT_INPUT_INVALID');

        const proto = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: '{"title":"x","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } });
        assert.equal(proto.statusCode, 400, 'prototype poisoning is refused');

        const media = await w.request(ana, { method: 'POST', url: '/api/v1/cases', payload: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        assert.equal(media.statusCode, 415);
        assert.equal(problem(media).code, 'WRIT_INPUT_INVALID');

        const badQuery = await w.request(ana, { method: 'GET', url: '/api/v1/cases?limit=lots' });
        assert.equal(badQuery.statusCode, 400);
        assert.match(problem(badQuery).detail, /^query\.limit/);
        const unknownQuery = await w.request(ana, { method: 'GET', url: '/api/v1/cases?sudo=1' });
        assert.equal(unknownQuery.statusCode, 400);
        const badCursor = await w.request(ana, { method: 'GET', url: '/api/v1/cases?cursor=bm90LWEtY3Vyc29y' });
        assert.equal(badCursor.statusCode, 400);

        const nowhere = await w.request(ana, { method: 'GET', url: '/api/v1/nowhere' });
        assert.equal(nowhere.statusCode, 404);
        assert.equal(problem(nowhere).code, 'WRIT_NOT_FOUND');
        const missing = await w.request(ana, { method: 'GET', url: '/api/v1/cases/case-missing' });
        assert.equal(missing.statusCode, 404);
        assert.equal(problem(missing).code, 'WRIT_NOT_FOUND');

        // An approval body that tries to choose the approver is refused outright.
        const bot = await w.automation('phishing-playbook', ['analyst'], { owner: PHISHING_WORKFLOW.owner });
        const proposed = await w.request(bot, {
          method: 'POST',
          url: '/api/v1/actions',
          payload: { type: 'purge_campaign', target: { type: 'campaign', id: 'camp-1' }, params: { campaignId: 'camp-1', mailboxes: ['a@example.test'], mode: 'quarantine' }, context: { confidence: 0.8, uncertainty: 0.15 } },
        });
        assert.equal(proposed.statusCode, 201, proposed.body);
        const action = proposed.json() as { id: string; actionHash: string; decision: string };
        assert.equal(action.decision, 'approve');
        const smuggled = await w.request(ana, { method: 'POST', url: `/api/v1/actions/${action.id}/approve`, payload: { actionHash: action.actionHash, approver: 'user:someone-else' } });
        assert.equal(smuggled.statusCode, 400);
        assert.match(problem(smuggled).detail, /approver/);
        const claimed = await w.request(bot, {
          method: 'POST',
          url: '/api/v1/actions',
          payload: { type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'a@example.test', messageId: '<m@x>' }, principal: { type: 'user', id: 'ana' } },
        });
        assert.equal(claimed.statusCode, 400, 'the proposer is the caller, never a body field');
        const reversible = await w.request(bot, {
          method: 'POST',
          url: '/api/v1/actions',
          payload: { type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'a@example.test', messageId: '<m@x>' }, context: { confidence: 0.99, reversible: true } },
        });
        assert.equal(reversible.statusCode, 400, 'facts the kernel computes cannot be claimed');
        const unknownType = await w.request(bot, { method: 'POST', url: '/api/v1/actions', payload: { type: 'launch_missiles', target: { type: 'host', id: 'h' }, params: {} } });
        assert.equal(unknownType.statusCode, 400);
        assert.equal(problem(unknownType).code, 'WRIT_ACTION_UNKNOWN');
        const badParams = await w.request(bot, { method: 'POST', url: '/api/v1/actions', payload: { type: 'quarantine_message', target: { type: 'message', id: 'm' }, params: { mailbox: 'a@example.test' } } });
        assert.equal(badParams.statusCode, 400);
        assert.equal(problem(badParams).code, 'WRIT_ACTION_PARAMS_INVALID');

        assert.equal(await cases(), 0, 'no case was opened by any of it');
        const kinds = (await w.kinds()).slice(before);
        assert.deepEqual(
          kinds.filter((k) => !['token.created', 'action.proposed', 'policy.decided'].includes(k)),
          [],
          'only the one valid proposal (and the token) reached the ledger',
        );
        assert.equal(kinds.filter((k) => k === 'action.proposed').length, 1);
      },
      { server: { bodyLimit: 8 * 1024 } },
    );
  });
}
