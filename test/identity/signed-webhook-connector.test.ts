import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isWritError, WritError } from '../../src/errors/index.ts';
import { MemoryReplayGuard, SignedWebhookConnector, generateWebhookSecret, verifyWebhookSignature } from '../../src/identity/index.ts';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { type: string; data: Record<string, unknown> };
}

/**
 * A receiver on 127.0.0.1 that does what the documentation asks of one: verify the signature
 * over the raw body, the timestamp and the id (answering a replay as already handled, without
 * acting again), then act.
 */
async function receiver(secret: string, behave: (r: Received) => { status: number; body?: unknown } | 'hang' = () => ({ status: 200, body: { state: 'applied' } })) {
  const guard = new MemoryReplayGuard();
  const accepted: Received[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        verifyWebhookSignature({ headers: req.headers, body: raw, secret, replayGuard: guard });
      } catch (error) {
        const reason = String((error as WritError).details?.reason);
        rejected.push(reason);
        if (reason === 'replayed') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"duplicate"}');
        return void res.writeHead(401).end();
      }
      const received = { headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] };
      accepted.push(received);
      const answer = behave(received);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/writ`;
  return {
    url,
    accepted,
    rejected,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<WritError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WritError, String(error));
    return error;
  }
  assert.fail('expected a WritError');
}

test('execute, verify and undo are signed deliveries the receiver accepts', async () => {
  const secret = generateWebhookSecret();
  const rx = await receiver(secret, (r) => ({ status: 200, body: { state: r.body.type === 'writ.identity.undo' ? 'undone' : 'applied' } }));
  const conn = new SignedWebhookConnector({ url: rx.url, secret });
  try {
    const op = { kind: 'revoke_token', target: 'partner-api-key-7', params: { tokenId: 'kid-7' }, ref: 'grant-123' };
    const { result, evidence } = await conn.execute(op);
    assert.equal(evidence.ok, true, JSON.stringify(evidence));
    assert.equal(result.receiverState, 'applied');
    assert.match(result.deliveryId, /^msg_[0-9a-f]{32}$/);
    const first = rx.accepted[0]!;
    assert.equal(first.headers['webhook-id'], result.deliveryId);
    assert.match(String(first.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(first.body.data, { target: 'partner-api-key-7', params: { tokenId: 'kid-7' }, ref: 'grant-123' });
    assert.equal(first.body.type, 'writ.identity.revoke_token');
    assert.ok(!JSON.stringify({ result, evidence }).includes(secret.slice(6)), 'the signing secret appears nowhere');

    const verified = await conn.verify(op, result);
    assert.equal(verified.ok, true);
    assert.equal(rx.accepted[1]?.body.type, 'writ.identity.verify');
    const undone = await conn.undo(op, result);
    assert.equal(undone.result.receiverState, 'undone');
    assert.deepEqual(rx.accepted[2]?.body.data, { delivery_id: result.deliveryId, operation: 'revoke_token', target: 'partner-api-key-7' });
  } finally {
    await rx.close();
  }
});

test('a retry reuses the webhook-id, and the receiver treats it as a replay: handled once, not acted on twice', async () => {
  const secret = generateWebhookSecret();
  const rx = await receiver(secret);
  const conn = new SignedWebhookConnector({ url: rx.url, secret });
  try {
    const op = { kind: 'disable_account', target: 'svc-x', ref: 'grant-9' };
    const a = await conn.execute(op);
    const b = await conn.execute(op);
    assert.equal(a.result.deliveryId, b.result.deliveryId);
    assert.equal(rx.accepted.length, 1, 'acted on once');
    assert.deepEqual(rx.rejected, ['replayed']);
    assert.equal(b.result.receiverState, 'duplicate');

    // A captured request replayed by someone else, and a tampered one.
    const captured = rx.accepted[0]!;
    const headers = { 'content-type': 'application/json', 'webhook-id': String(captured.headers['webhook-id']), 'webhook-timestamp': String(captured.headers['webhook-timestamp']), 'webhook-signature': String(captured.headers['webhook-signature']) };
    await fetch(rx.url, { method: 'POST', headers, body: captured.raw });
    const tampered = await fetch(rx.url, { method: 'POST', headers: { ...headers, 'webhook-id': 'msg_fresh' }, body: captured.raw });
    assert.equal(tampered.status, 401);
    assert.deepEqual(rx.rejected, ['replayed', 'replayed', 'bad_signature']);
    assert.equal(rx.accepted.length, 1);
  } finally {
    await rx.close();
  }
});

test('receiver failures: 5xx retryable with unknown outcome, 4xx refused with nothing applied, silence times out', async () => {
  const secret = generateWebhookSecret();
  let mode: 'fail' | 'refuse' | 'hang' | 'no-verify' = 'fail';
  const rx = await receiver(secret, (r) => {
    if (mode === 'hang') return 'hang';
    if (mode === 'no-verify') return r.body.type === 'writ.identity.verify' ? { status: 404 } : { status: 202 };
    return { status: mode === 'fail' ? 503 : 422 };
  });
  const conn = new SignedWebhookConnector({ url: rx.url, secret, timeoutMs: 300 });
  try {
    const failed = await rejection(conn.execute({ kind: 'rotate_secret', target: 'svc-y' }));
    assert.equal(failed.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(failed.retryable, true);
    assert.equal(failed.details?.applied, 'unknown');

    mode = 'refuse';
    const refused = await rejection(conn.execute({ kind: 'rotate_secret', target: 'svc-y' }));
    assert.equal(refused.code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal(refused.details?.applied, false);
    assert.match(refused.message, /applied nothing, so the credential is as it was/);

    mode = 'hang';
    const slow = await rejection(conn.execute({ kind: 'rotate_secret', target: 'svc-y' }));
    assert.equal(slow.code, 'WRIT_CONNECTOR_FAILED');
    assert.match(slow.message, /timed out after 300 ms/);

    mode = 'no-verify';
    const done = await conn.execute({ kind: 'revoke_token', target: 'svc-y' });
    assert.equal(done.evidence.ok, false, 'accepted (202) is not applied');
    const evidence = await conn.verify({ kind: 'revoke_token', target: 'svc-y' }, done.result);
    assert.equal(evidence.ok, false);
    assert.match(evidence.checks[0]!.detail, /offers no read-back/);
  } finally {
    await rx.close();
  }
  assert.throws(() => new SignedWebhookConnector({ url: 'ftp://x', secret }), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
  assert.throws(() => new SignedWebhookConnector({ url: 'http://x', secret: 'not-a-secret' }), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
});
