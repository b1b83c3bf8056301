import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/index.ts';
import { JobQueue } from '../../src/jobs/index.ts';
import { tempDir } from '../support/engines.ts';
import { runWrit, spawnWrit } from '../support/cli.ts';

test('writ serve: health, readiness, runs queued work, and drains on SIGTERM', async () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  const child = spawnWrit(['serve', '--port', '0'], { WRIT_DATA_DIR: data, WRIT_JOB_POLL_MS: '20' });
  try {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!/serving on (http:\/\/\S+)/.test(output)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `serve did not start: ${output}`);
      await sleep(50);
    }
    const url = /serving on (http:\/\/\S+)/.exec(output)![1]!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds to loopback by default');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', workers: 'ok' } });
    const missing = await fetch(`${url}/nope`);
    assert.equal(missing.status, 404);

    const store = await openStore({ url: `sqlite:${join(data, 'writ.db')}` });
    try {
      const queue = new JobQueue(store, { leaseMs: 5000, maxAttempts: 3, backoffBaseMs: 10 });
      const id = await store.transaction((trx) => queue.enqueue(trx, { kind: 'system.ping', payload: { hello: 'world' }, idempotencyKey: 'ping-1' }));
      while ((await queue.get(id))?.status !== 'done') {
        assert.ok(Date.now() < deadline, 'the ping job completes');
        await sleep(50);
      }
      const kinds = (await store.db.selectFrom('ledger_entries').select('kind').orderBy('seq').execute()).map((r) => r.kind);
      assert.deepEqual(kinds, ['playbook.deployed', 'policy.deployed', 'system.ping'], 'the playbook and policies in use are recorded at start; the job recorded its effect');
    } finally {
      await store.close();
    }
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    const verify = runWrit(['ledger', 'verify'], { WRIT_DATA_DIR: data });
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^ok: 3 entries/, 'the playbook and policies recorded at start, and the ping');
    assert.doesNotMatch(verify.stdout, /await the next checkpoint/, 'shutdown signed a final checkpoint');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    dir.remove();
  }
});
