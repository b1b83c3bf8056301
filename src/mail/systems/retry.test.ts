import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WritError } from '../../errors/index.ts';
import { backoffDelay, compileRetryPolicy, withRetry } from './retry.ts';

const FAST = compileRetryPolicy({ attempts: 4, baseDelayMs: 1, maxDelayMs: 4 });

test('withRetry: retries a retryable WritError until it succeeds', async () => {
  let calls = 0;
  const result = await withRetry(FAST, async (attempt) => {
    calls += 1;
    if (attempt < 3) throw new WritError('WRIT_CONNECTOR_FAILED', 'connection lost');
    return 'done';
  });
  assert.equal(result, 'done');
  assert.equal(calls, 3);
});

test('withRetry: gives up after the last attempt, and never retries what is not retryable', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(FAST, async () => {
      calls += 1;
      throw new WritError('WRIT_CONNECTOR_FAILED', 'still down');
    }),
    /still down/,
  );
  assert.equal(calls, 4);
  for (const error of [new WritError('WRIT_CONNECTOR_REFUSED', 'no'), new Error('plain bug'), new WritError('WRIT_CONNECTOR_FAILED', 'bug', { retryable: false })]) {
    calls = 0;
    await assert.rejects(
      withRetry(FAST, async () => {
        calls += 1;
        throw error;
      }),
    );
    assert.equal(calls, 1);
  }
});

test('backoff grows exponentially, is capped, and keeps at least half of its step', () => {
  const policy = compileRetryPolicy({ attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 });
  for (let i = 0; i < 50; i += 1) {
    const first = backoffDelay(policy, 1);
    const third = backoffDelay(policy, 3);
    const tenth = backoffDelay(policy, 10);
    assert.ok(first >= 50 && first <= 100);
    assert.ok(third >= 200 && third <= 400);
    assert.ok(tenth >= 500 && tenth <= 1000);
  }
  assert.throws(() => compileRetryPolicy({ attempts: 0 }), RangeError);
  assert.throws(() => compileRetryPolicy({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});
