import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifierKey, verifyStore } from '../../src/ledger/index.ts';
import { ENGINES, tempDir, withStore } from '../support/engines.ts';
import { TEST_ORIGIN } from '../support/ledger.ts';

const PROCESSES = 4;
const EACH = 60;

for (const engine of ENGINES) {
  test(`${engine}: appends from ${PROCESSES} processes are totally ordered, gap-free and verify`, async () => {
    await withStore(engine, async (store, database) => {
      const dir = tempDir();
      try {
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const keyPath = join(dir.path, 'key.pem');
        writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
        const script = join(import.meta.dirname, '../fixtures/ledger-appender.ts');
        const exits = await Promise.all(
          Array.from({ length: PROCESSES }, () => {
            const child = spawn(process.execPath, ['--import', 'tsx', script, database.url, keyPath, String(EACH)], { stdio: 'inherit' });
            return new Promise<number | null>((resolve) => child.once('exit', resolve));
          }),
        );
        assert.deepEqual(exits, Array(PROCESSES).fill(0));
        const rows = await store.db.selectFrom('ledger_entries').select(['seq', 'actor', 'body']).orderBy('seq').execute();
        assert.equal(rows.length, PROCESSES * EACH);
        rows.forEach((row, index) => assert.equal(row.seq, index, 'no gaps'));
        const perActor = new Map<string, number[]>();
        for (const row of rows) {
          const i = (JSON.parse(row.body) as { payload: { i: number } }).payload.i;
          perActor.set(row.actor, [...(perActor.get(row.actor) ?? []), i]);
        }
        assert.equal(perActor.size, PROCESSES, 'every process appended');
        for (const sequence of perActor.values()) assert.deepEqual(sequence, [...Array(EACH).keys()], 'each process sees its own appends in order');
        const report = await verifyStore(store, verifierKey(TEST_ORIGIN, publicKey));
        assert.equal(report.entries, PROCESSES * EACH);
        assert.ok(report.checkpoints >= PROCESSES, 'checkpoints signed by several processes all verify');
      } finally {
        dir.remove();
      }
    });
  });
}
