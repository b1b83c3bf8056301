import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex, Semaphore, groupBy, mapAll, mapConcurrent } from './concurrency.ts';

function tracker(): { enter(): void; leave(): void; readonly max: number } {
  let now = 0;
  let max = 0;
  return {
    enter: () => void (max = Math.max(max, ++now)),
    leave: () => void now--,
    get max() {
      return max;
    },
  };
}

test('Semaphore: never more than the limit at once, every task runs', async () => {
  const semaphore = new Semaphore(3);
  const t = tracker();
  const done = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      semaphore.run(async () => {
        t.enter();
        await sleep(i % 3);
        t.leave();
        return i;
      }),
    ),
  );
  assert.equal(t.max, 3);
  assert.deepEqual(done, Array.from({ length: 20 }, (_, i) => i));
  assert.throws(() => new Semaphore(0), RangeError);
});

test('Semaphore: a failing task releases its slot', async () => {
  const semaphore = new Semaphore(1);
  await assert.rejects(semaphore.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await semaphore.run(async () => 'next'), 'next');
});

test('KeyedMutex: one task per key at a time, other keys in parallel, failures do not block the queue', async () => {
  const mutex = new KeyedMutex();
  const perKey = new Map<string, ReturnType<typeof tracker>>();
  const overall = tracker();
  const task = (key: string, fail = false) =>
    mutex.run(key, async () => {
      const t = perKey.get(key) ?? tracker();
      perKey.set(key, t);
      t.enter();
      overall.enter();
      await sleep(2);
      t.leave();
      overall.leave();
      if (fail) throw new Error(`fail ${key}`);
      return key;
    });
  const results = await Promise.allSettled([task('a'), task('a', true), task('a'), task('b'), task('b'), task('c')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  for (const t of perKey.values()) assert.equal(t.max, 1);
  assert.equal(overall.max, 3);
});

test('mapConcurrent: bounded, yields as tasks finish, and all tasks run', async () => {
  const t = tracker();
  const seen: number[] = [];
  for await (const value of mapConcurrent([30, 1, 1, 1, 1], 2, async (ms, i) => {
    t.enter();
    await sleep(ms);
    t.leave();
    return i;
  })) {
    seen.push(value);
  }
  assert.equal(t.max, 2);
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
  assert.notEqual(seen[0], 0, 'the slow first item does not hold back the others');
});

test('mapConcurrent: a failure stops new work and is thrown after running tasks settle', async () => {
  const started: number[] = [];
  let settled = 0;
  const run = async () => {
    for await (const _ of mapConcurrent([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('one failed');
      await sleep(10);
      settled += 1;
      return i;
    })) {
      // consume
    }
  };
  await assert.rejects(run(), /one failed/);
  assert.ok(started.length < 6, 'no new work after the failure');
  assert.equal(settled, started.length - 1, 'the task in flight finished before the error surfaced');
});

test('mapConcurrent: leaving the loop early waits for the tasks in flight', async () => {
  let finished = 0;
  for await (const _ of mapConcurrent([1, 2, 3], 3, async () => {
    await sleep(5);
    finished += 1;
  })) {
    break;
  }
  assert.equal(finished, 3);
});

test('mapAll keeps input order; groupBy keeps first-appearance order', async () => {
  assert.deepEqual(await mapAll([3, 1, 2], 3, async (ms) => (await sleep(ms), ms * 10)), [30, 10, 20]);
  assert.deepEqual([...groupBy(['b1', 'a1', 'b2'], (s) => s[0]!).entries()], [['b', ['b1', 'b2']], ['a', ['a1']]]);
});
