/**
 * Bounded concurrency for connectors: at most N operations at once overall, one at a
 * time per key (a mailbox), and fan-out helpers that never leave a promise floating.
 */

/** At most `limit` holders at once; waiters are served in arrival order. */
export class Semaphore {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('Semaphore limit must be a positive integer');
    this.#limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#held >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#held += 1;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#held -= 1;
      else next();
    }
  }
}

/** One task at a time per key; different keys run independently. */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight, yielding results as they finish.
 * The first failure stops new work and is thrown once the running tasks have settled;
 * leaving the loop early also waits for them.
 */
export async function* mapConcurrent<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R, void, undefined> {
  const iterator = items[Symbol.iterator]();
  const finished: PromiseSettledResult<R>[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let nextIndex = 0;
  let stopped = false;
  const launch = (): void => {
    while (!stopped && running < limit) {
      const step = iterator.next();
      if (step.done === true) {
        stopped = true;
        return;
      }
      running += 1;
      const index = nextIndex++;
      Promise.resolve()
        .then(() => fn(step.value, index))
        .then(
          (value) => finished.push({ status: 'fulfilled', value }),
          (reason: unknown) => finished.push({ status: 'rejected', reason }),
        )
        .finally(() => {
          running -= 1;
          wake?.();
        });
    }
  };
  const settle = async (): Promise<void> => {
    if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  };
  try {
    launch();
    while (running > 0 || finished.length > 0) {
      await settle();
      const result = finished.shift();
      if (result === undefined) continue;
      if (result.status === 'rejected') throw result.reason;
      yield result.value;
      launch();
    }
  } finally {
    stopped = true;
    while (running > 0) await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** Like `mapConcurrent`, collected in input order. */
export async function mapAll<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  for await (const [index, value] of mapConcurrent(items.entries(), limit, async ([index, item]) => [index, await fn(item, index)] as const)) {
    results[index] = value;
  }
  return results;
}

/** Groups items by a key, keeping the order of first appearance. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}
