import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { isWritError } from '../../errors/index.ts';
import { MemoryReplayGuard, generateWebhookSecret, signWebhook, verifyWebhookSignature, webhookHeaders } from './webhook-signature.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');

function rejected(run: () => unknown, reason: string): void {
  assert.throws(run, (e) => isWritError(e, 'WRIT_UNAUTHENTICATED') && e.details?.reason === reason && !e.message.includes('\n'));
}

test('signature is HMAC-SHA256 over "<id>.<timestamp>.<body>" with the whsec_ key bytes (Standard Webhooks v1)', () => {
  const key = Buffer.alloc(32, 7);
  const secret = `whsec_${key.toString('base64')}`;
  const expected = createHmac('sha256', key).update('msg_1.1700000000.{"a":1}').digest('base64');
  assert.equal(signWebhook('msg_1', 1_700_000_000, '{"a":1}', secret), `v1,${expected}`);
  assert.throws(() => signWebhook('msg.1', 1, '', secret), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  assert.throws(() => signWebhook('msg_1', 1, '', 'plain-secret'), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
  assert.throws(() => signWebhook('msg_1', 1, '', 'whsec_c2hvcnQ='), (e) => isWritError(e, 'WRIT_CONFIG_INVALID'));
});

test('verify accepts a fresh message once, and refuses tampering, staleness and replay', () => {
  const secret = generateWebhookSecret();
  const body = '{"type":"writ.identity.revoke_token","data":{"target":"svc"}}';
  const headers = webhookHeaders('msg_abc', body, secret, NOW);
  const guard = new MemoryReplayGuard();
  assert.deepEqual(verifyWebhookSignature({ headers, body, secret, replayGuard: guard, nowMs: NOW + 10_000 }), { id: 'msg_abc', timestamp: NOW / 1000 });
  rejected(() => verifyWebhookSignature({ headers, body, secret, replayGuard: guard, nowMs: NOW + 20_000 }), 'replayed');
  rejected(() => verifyWebhookSignature({ headers, body: body.replace('svc', 'svd'), secret, nowMs: NOW }), 'bad_signature');
  rejected(() => verifyWebhookSignature({ headers, body, secret: generateWebhookSecret(), nowMs: NOW }), 'bad_signature');
  rejected(() => verifyWebhookSignature({ headers: { ...headers, 'webhook-id': 'msg_other' }, body, secret, nowMs: NOW }), 'bad_signature');
  rejected(() => verifyWebhookSignature({ headers, body, secret, nowMs: NOW + 301_000 }), 'timestamp_out_of_tolerance');
  rejected(() => verifyWebhookSignature({ headers, body, secret, nowMs: NOW - 301_000 }), 'timestamp_out_of_tolerance');
  rejected(() => verifyWebhookSignature({ headers: { 'webhook-id': 'msg_abc' }, body, secret, nowMs: NOW }), 'missing_header');
  rejected(() => verifyWebhookSignature({ headers: { ...headers, 'webhook-timestamp': '12.5' }, body, secret, nowMs: NOW }), 'bad_timestamp');
});

test('a forged request does not consume the id; header names are case-insensitive; rotation accepts either key', () => {
  const oldSecret = generateWebhookSecret();
  const newSecret = generateWebhookSecret();
  const body = '{}';
  const good = webhookHeaders('msg_x', body, newSecret, NOW);
  const guard = new MemoryReplayGuard();
  rejected(() => verifyWebhookSignature({ headers: { ...good, 'webhook-signature': 'v1,AAAA' }, body, secret: newSecret, replayGuard: guard, nowMs: NOW }), 'bad_signature');
  const upper = { 'Webhook-Id': good['webhook-id'], 'WEBHOOK-TIMESTAMP': good['webhook-timestamp'], 'Webhook-Signature': `v1,bm9wZQ== ${good['webhook-signature']}` };
  assert.equal(verifyWebhookSignature({ headers: upper, body, secret: [oldSecret, newSecret], replayGuard: guard, nowMs: NOW }).id, 'msg_x');
});

test('the replay guard forgets ids once their window has passed, and stays bounded', () => {
  const guard = new MemoryReplayGuard({ maxEntries: 10 });
  assert.equal(guard.claim('a', 1000, 0), true);
  assert.equal(guard.claim('a', 1000, 500), false);
  assert.equal(guard.claim('a', 3000, 1500), true, 'expired entries can be claimed again');
  for (let i = 0; i < 50; i++) guard.claim(`id${i}`, 10_000 + i, 2000);
  assert.ok(guard.size <= 10);
});
