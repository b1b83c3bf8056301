import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withApi } from './support.ts';

interface Sse {
  next(predicate: (e: { event: string; id?: string; data: unknown }) => boolean, timeoutMs?: number): Promise<{ event: string; id?: string; data: unknown }>;
  done: Promise<void>;
  cancel(): Promise<void>;
}

/** Reads a server-sent event stream from a fetch response. */
function readSse(response: Response): Sse {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const queue: Array<{ event: string; id?: string; data: unknown }> = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) break;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        if (fields.event) queue.push({ event: fields.event, ...(fields.id ? { id: fields.id } : {}), data: fields.data ? JSON.parse(fields.data) : null });
        waiters.splice(0).forEach((w) => w());
      }
    }
    waiters.splice(0).forEach((w) => w());
  })();
  return {
    async next(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex(predicate);
        if (index >= 0) return queue.splice(0, index + 1).pop()!;
        if (Date.now() > deadline) throw new Error(`no matching event; saw ${JSON.stringify(queue)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    done,
    cancel: () => reader.cancel(),
  };
}

test('server-sent events push new ledger entries (kind and subjects, never payloads), resume from Last-Event-ID, are bounded, and end cleanly on shutdown', async () => {
  await withApi(
    'sqlite',
    async (w) => {
      const url = await w.server.listen({ host: '127.0.0.1', port: 0 });
      const bot = await w.automation('watcher', ['viewer', 'analyst']);
      const headers = { authorization: `Bearer ${bot.bearer}` };
      const anonymous = await fetch(`${url}/api/v1/events`);
      assert.equal(anonymous.status, 401);
      const response = await fetch(`${url}/api/v1/events`, { headers });
      assert.equal(response.status, 200);
      assert.match(String(response.headers.get('content-type')), /^text\/event-stream/);
      const stream = readSse(response);
      const ready = await stream.next((e) => e.event === 'ready');
      const head = (ready.data as { head: number }).head;

      const opened = await fetch(`${url}/api/v1/cases`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Secret-free title', facts: { note: 'payload detail' } }) });
      assert.equal(opened.status, 201);
      const caseId = ((await opened.json()) as { id: string }).id;
      const event = await stream.next((e) => e.event === 'ledger' && (e.data as { kind: string }).kind === 'case.opened');
      const data = event.data as Record<string, unknown>;
      assert.equal(data.case, caseId);
      assert.equal(data.actor, 'workflow:watcher');
      assert.ok(!('payload' in data), 'payloads stay in the ledger');
      assert.ok(Number(event.id) > head);

      // A second stream resumes from an earlier point and gets the entries it missed.
      const resumed = await fetch(`${url}/api/v1/events`, { headers: { ...headers, 'last-event-id': String(head) } });
      const replay = readSse(resumed);
      const missed = await replay.next((e) => e.event === 'ledger');
      assert.equal((missed.data as { seq: number }).seq, head);
      const third = await fetch(`${url}/api/v1/events`, { headers });
      assert.equal(third.status, 429, 'streams per process are bounded');
      assert.match(String(third.headers.get('content-type')), /^application\/problem\+json/);
      assert.equal(((await third.json()) as { code: string }).code, 'WRIT_LIMIT_EXCEEDED');

      await w.server.close();
      await stream.done;
      await replay.done;
      assert.ok(true, 'both streams ended when the server shut down');
    },
    { server: { events: { pollMs: 50, maxClients: 2 } } },
  );
});
