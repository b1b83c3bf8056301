import { performance } from 'node:perf_hooks';
import { inclusionProof, verifierKey, verifyStore } from '../src/ledger/index.ts';
import type { Store } from '../src/store/index.ts';
import { createTestDatabase } from '../test/support/engines.ts';
import { makeLedger } from '../test/support/ledger.ts';
import type { Engine } from '../src/store/index.ts';

const payload = (i: number) => ({ kind: 'bench.action', actor: 'workflow:bench', subjects: { case: `case-${i % 97}`, action: `act-${i}` }, payload: { decision: 'auto', policies: ['p1', 'p2'], confidence: 0.97, i } });

async function timed<T>(body: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await body();
  return [value, (performance.now() - start) / 1000];
}

/** Appends/s single and batched, verify entries/s, and proof latency, on one engine. */
export async function benchLedgerEngine(engine: Engine, options: { single: number; batched: number; batchSize: number }): Promise<Record<string, number>> {
  const database = await createTestDatabase(engine);
  const store: Store = await database.open();
  try {
    const { ledger } = makeLedger(store, { checkpointIntervalMs: 1000 });
    const [, singleSeconds] = await timed(async () => {
      for (let i = 0; i < options.single; i++) await ledger.appendNow([payload(i)]);
    });
    const [, batchedSeconds] = await timed(async () => {
      for (let i = 0; i < options.batched; i += options.batchSize) {
        await ledger.appendNow(Array.from({ length: options.batchSize }, (_, j) => payload(i + j)));
      }
    });
    return {
      [`${engine}_appends_per_s_single`]: Math.round(options.single / singleSeconds),
      [`${engine}_appends_per_s_batched`]: Math.round(options.batched / batchedSeconds),
    };
  } finally {
    await store.close();
    await database.drop();
  }
}

/** Verify speed and inclusion-proof latency on a ledger of `size` entries (SQLite). */
export async function benchLedgerScale(size: number): Promise<Record<string, number>> {
  const database = await createTestDatabase('sqlite');
  const store = await database.open();
  try {
    const { ledger, publicKey } = makeLedger(store, { checkpointIntervalMs: 3_600_000 });
    const batch = 5000;
    for (let i = 0; i < size; i += batch) {
      await ledger.appendNow(Array.from({ length: Math.min(batch, size - i) }, (_, j) => payload(i + j)));
    }
    await ledger.checkpoint();
    const [, verifySeconds] = await timed(() => verifyStore(store, verifierKey(ledger.origin, publicKey)));
    const latencies: number[] = [];
    for (let i = 0; i < 500; i++) {
      const seq = Math.floor(Math.random() * size);
      const start = performance.now();
      await inclusionProof(ledger, seq);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    return {
      ledger_size: size,
      verify_entries_per_s: Math.round(size / verifySeconds),
      proof_ms_median: round(latencies[Math.floor(latencies.length / 2)]!),
      proof_ms_p99: round(latencies[Math.floor(latencies.length * 0.99)]!),
    };
  } finally {
    await store.close();
    await database.drop();
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
