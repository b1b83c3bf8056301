import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphNetworkError, graphStatusError, parseGraphErrorBody, parseRetryAfter } from './graph-errors.ts';

const CONTEXT = { operation: 'move message', mailbox: 'alice@example.test' };

test('Graph answers map by status and error code, never by text', () => {
  const body = parseGraphErrorBody(JSON.stringify({ error: { code: 'ErrorAccessDenied', message: 'try again later', innerError: { 'request-id': 'r-1' } } }));
  const refused = graphStatusError(403, body, CONTEXT);
  assert.deepEqual([refused.code, refused.retryable, refused.details?.graphCode, refused.details?.requestId], ['WRIT_CONNECTOR_REFUSED', false, 'ErrorAccessDenied', 'r-1']);
  for (const status of [429, 500, 502, 503, 504]) {
    const transient = graphStatusError(status, {}, CONTEXT, 2000);
    assert.deepEqual([transient.code, transient.retryable], ['WRIT_CONNECTOR_FAILED', true], String(status));
  }
  assert.equal(graphStatusError(429, {}, CONTEXT, 2000).details?.retryAfterMs, 2000);
  assert.equal(graphStatusError(404, { code: 'ErrorItemNotFound' }, CONTEXT).code, 'WRIT_NOT_FOUND');
  assert.equal(graphStatusError(400, { code: 'ErrorInvalidIdMalformed' }, CONTEXT).code, 'WRIT_NOT_FOUND', 'a malformed id names no message');
  assert.equal(graphStatusError(400, { code: 'BadRequest' }, CONTEXT).code, 'WRIT_CONNECTOR_REFUSED');
  assert.equal(graphStatusError(409, { code: 'ErrorFolderExists' }, CONTEXT).code, 'WRIT_CONFLICT');
  assert.equal(graphStatusError(413, {}, CONTEXT).code, 'WRIT_LIMIT_EXCEEDED');
  assert.equal(graphStatusError(401, {}, CONTEXT).code, 'WRIT_CONNECTOR_REFUSED');
  assert.deepEqual(parseGraphErrorBody('<html>proxy error</html>'), {});
});

test('a request without an answer is retryable and keeps only the socket code', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 (token=abc)'), { code: 'ECONNREFUSED' });
  const error = graphNetworkError(new TypeError('fetch failed', { cause }), CONTEXT);
  assert.deepEqual([error.code, error.retryable, error.details?.errorCode], ['WRIT_CONNECTOR_FAILED', true, 'ECONNREFUSED']);
  assert.equal(error.cause, undefined, 'nothing of the request travels with the error');
  assert.ok(!error.message.includes('token='));
});

test('Retry-After: delta-seconds or an HTTP date', () => {
  assert.equal(parseRetryAfter('7'), 7000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
});
