import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../../../errors/index.ts';
import { Semaphore } from '../concurrency.ts';
import { MailboxLimits } from './graph-limits.ts';

const never = new AbortController().signal;

function limits(options: Partial<ConstructorParameters<typeof MailboxLimits>[0]> = {}, global = 100): MailboxLimits {
  return new MailboxLimits({ mailboxConcurrency: 4, mailboxBudget: { requests: 1000, windowMs: 1000 }, maxWaitMs: 10_000, ...options }, new Semaphore(global), never);
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('limits: at most N in flight per mailbox, mailboxes independent, all within the global bound', async () => {
  const gate = limits({ mailboxConcurrency: 3 }, 5);
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let total = 0;
  let peakTotal = 0;
  const send = async (mailbox: string): Promise<void> => {
    inFlight.set(mailbox, (inFlight.get(mailbox) ?? 0) + 1);
    total += 1;
    peak.set(mailbox, Math.max(peak.get(mailbox) ?? 0, inFlight.get(mailbox) ?? 0));
    peakTotal = Math.max(peakTotal, total);
    await tick(5);
    inFlight.set(mailbox, (inFlight.get(mailbox) ?? 1) - 1);
    total -= 1;
  };
  await Promise.all(['a', 'b', 'c'].flatMap((m) => Array.from({ length: 10 }, () => gate.run(m, () => send(m)))));
  assert.deepEqual([...peak.values()], [3, 3, 3], 'each mailbox reaches its 3, never more');
  assert.ok(peakTotal <= 5 && peakTotal >= 4, `the global bound of 5 holds (${peakTotal})`);
});

test('limits: the budget spreads requests over the window, counted from each answer', async () => {
  const gate = limits({ mailboxBudget: { requests: 4, windowMs: 200 } });
  const sentAt: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: 8 }, () => gate.run('a', async () => void sentAt.push(performance.now() - start))));
  sentAt.sort((x, y) => x - y);
  assert.ok(sentAt[3]! < 100, 'the first four at once');
  assert.ok(sentAt[4]! >= 199, `the fifth one window later (${Math.round(sentAt[4]!)} ms)`);
});

test('limits: a block holds the mailbox only; a wait beyond maxWaitMs fails as retryable, saying how long', async () => {
  const gate = limits({ maxWaitMs: 500 });
  gate.block('a', 150);
  const start = performance.now();
  let other = 0;
  await Promise.all([gate.run('a', async () => undefined), gate.run('b', async () => void (other = performance.now() - start))]);
  assert.ok(performance.now() - start >= 149, 'a waited for its block');
  assert.ok(other < 100, 'b did not');
  gate.block('a', 5000);
  await assert.rejects(gate.run('a', async () => 'sent'), (e) => isWritError(e, 'WRIT_CONNECTOR_FAILED') && e.retryable && Number(e.details?.retryAfterMs) > 4000);
});
