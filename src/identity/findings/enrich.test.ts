import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Fingerprinter } from '../../secrets/index.ts';
import { isWritError } from '../../errors/index.ts';
import { Inventory } from '../inventory/inventory.ts';
import { AuthLog, parseAuthEvent } from './auth-log.ts';
import { assessAuthEvent, haversineKm } from './anomaly-detector.ts';
import { enrichFinding } from './enrich.ts';
import { parseGitleaksReport } from './gitleaks-parser.ts';
import { parseAnomalousUseEvent, parseCompromisedTokenUse } from './usage-events.ts';

const fingerprinter = new Fingerprinter(randomBytes(32));
const NOW = new Date('2025-03-01T12:00:00Z');
const ctx = { fingerprinter, now: () => NOW };
const SECRET = `sk_live_${randomBytes(12).toString('hex')}`;

function inventory(): Inventory {
  const inv = new Inventory(fingerprinter);
  inv.putInput({
    id: 'billing-api-key',
    kind: 'api_key',
    owner: { team: 'payments', contact: 'payments@example.com' },
    class: 'customer_facing_production',
    environment: 'production',
    system: { connector: 'webhook', target: 'stripe-proxy' },
    lifetime: { kind: 'long_lived' },
    keyIds: ['key-live-1'],
    secretFingerprints: [fingerprinter.of(SECRET)],
    dependents: [{ kind: 'job', ref: 'checkout' }, { kind: 'identity', ref: 'svc-refunds' }],
  });
  inv.putInput({
    id: 'svc-refunds',
    kind: 'service_account',
    owner: { team: 'payments' },
    class: 'internal_batch',
    environment: 'production',
    system: { connector: 'postgres', target: 'refunds' },
    lifetime: { kind: 'long_lived' },
    dependents: [{ kind: 'job', ref: 'refund-batch' }],
  });
  return inv;
}

function leak(secret: string): string {
  return JSON.stringify([{ RuleID: 'stripe-access-token', Secret: secret, File: 'app.py', StartLine: 3, Commit: 'c0ffee', Match: `k="${secret}"` }]);
}

test('a leaked secret matched by fingerprint is confirmed and carries owner, class, chain and auth history', () => {
  const inv = inventory();
  const log = new AuthLog();
  log.record(parseAuthEvent({ time: '2025-02-28T08:00:00Z', key_id: 'key-live-1', outcome: 'success', source: { ip: '10.1.2.3' } }), inv);
  log.record(parseAuthEvent({ time: '2025-01-01T08:00:00Z', identity_id: 'billing-api-key', outcome: 'success' }), inv);
  log.record(parseAuthEvent({ time: '2025-02-28T09:00:00Z', system: 'postgres', principal: 'refunds', outcome: 'failure' }), inv);
  log.record(parseAuthEvent({ time: '2025-02-28T09:00:00Z', principal: 'nobody', outcome: 'failure' }), inv);
  assert.equal(log.unattributed, 1);

  const [finding] = parseGitleaksReport(leak(SECRET), ctx);
  const e = enrichFinding(finding!, { inventory: inv, authLog: log, now: () => NOW });
  assert.equal(e.match.status, 'matched');
  assert.equal(e.match.by, 'secret_fingerprint');
  assert.equal(e.identity?.id, 'billing-api-key');
  assert.deepEqual(e.owner, { team: 'payments', contact: 'payments@example.com' });
  assert.equal(e.identityClass, 'customer_facing_production');
  assert.equal(e.chain?.blastRadius, 3);
  assert.equal(e.confirmed, true);
  assert.equal(e.routing.queue, 'identity_response');
  assert.equal(e.authHistory.length, 1, 'only the last 7 days');
  assert.equal(e.authHistory[0]?.source.ip, '10.1.2.3');
  assert.ok(!JSON.stringify(e).includes(SECRET));
});

test('no match goes to the owner-less queue; a vanished identity says so; several matches go to an analyst', () => {
  const inv = inventory();
  const [unknown] = parseGitleaksReport(leak('some-other-secret-value'), ctx);
  const e1 = enrichFinding(unknown!, { inventory: inv });
  assert.equal(e1.match.status, 'unmatched');
  assert.equal(e1.routing.queue, 'owner_less');
  assert.equal(e1.confirmed, false);

  const gone = parseAnomalousUseEvent({ type: 'anomalous_use', reason: 'unusual_source', time: NOW.toISOString(), principal: { identity_id: 'svc-deleted' }, source: { ip: '203.0.113.9' } }, ctx);
  const e2 = enrichFinding(gone, { inventory: inv });
  assert.equal(e2.match.status, 'identity_missing');
  assert.equal(e2.routing.queue, 'owner_less');
  assert.match(e2.routing.reason, /svc-deleted, which is not in the inventory/);

  inv.putInput({
    id: 'billing-api-key-copy',
    kind: 'api_key',
    owner: { team: 'payments' },
    class: 'customer_facing_production',
    environment: 'staging',
    system: { connector: 'webhook', target: 'stripe-proxy-staging' },
    lifetime: { kind: 'long_lived' },
    keyIds: ['key-live-1'],
  });
  const byKey = parseCompromisedTokenUse({ type: 'compromised_token_use', time: NOW.toISOString(), key_id: 'key-live-1', source: { ip: '198.51.100.7' }, feed: 'intel-feed' }, ctx);
  const e3 = enrichFinding(byKey, { inventory: inv });
  assert.equal(e3.match.status, 'ambiguous');
  assert.deepEqual(e3.match.candidates, ['billing-api-key', 'billing-api-key-copy']);
  assert.equal(e3.routing.queue, 'analyst');
});

test('key id and principal matches; an unverified key-id match is not confirmed', () => {
  const inv = inventory();
  const anomaly = parseAnomalousUseEvent(
    { type: 'anomalous_use', reason: 'impossible_travel', time: NOW.toISOString(), principal: { name: 'refunds', system: 'postgres' }, source: { ip: '203.0.113.9', country: 'BR' }, confidence: 70, extra_field: true },
    ctx,
  );
  assert.deepEqual(anomaly.unmapped, { ignored_fields: ['extra_field'] });
  const e = enrichFinding(anomaly, { inventory: inv });
  assert.equal(e.match.by, 'principal');
  assert.equal(e.identity?.id, 'svc-refunds');
  assert.equal(e.confirmed, false);

  const compromised = parseCompromisedTokenUse({ type: 'compromised_token_use', time: NOW.toISOString(), token: SECRET, source: {} }, ctx);
  const e2 = enrichFinding(compromised, { inventory: inv });
  assert.equal(e2.match.by, 'secret_fingerprint');
  assert.equal(e2.confirmed, true);
  assert.ok(!JSON.stringify(compromised).includes(SECRET));
});

test('usage events: malformed input is a one-line error; the principal must be identifiable', () => {
  assert.throws(
    () => parseAnomalousUseEvent({ type: 'anomalous_use', reason: 'teleport', time: NOW.toISOString(), principal: {}, source: {} }, ctx),
    (e) => isWritError(e, 'WRIT_INPUT_INVALID') && e.message === 'anomalous-use event, field reason: must be one of: unusual_source, impossible_travel',
  );
  assert.throws(
    () => parseAnomalousUseEvent({ type: 'anomalous_use', reason: 'unusual_source', time: NOW.toISOString(), principal: { name: 'x' }, source: {} }, ctx),
    (e) => isWritError(e, 'WRIT_INPUT_INVALID') && /field principal: must name/.test(e.message),
  );
  assert.throws(
    () => parseCompromisedTokenUse({ type: 'compromised_token_use', time: 'yesterday', token: 'x' }, ctx),
    (e) => isWritError(e, 'WRIT_INPUT_INVALID') && /field time: /.test(e.message),
  );
});

test('anomaly detector: unusual source after enough history, impossible travel between logins', () => {
  const base = Date.parse('2025-02-20T00:00:00Z');
  const history = Array.from({ length: 6 }, (_, i) =>
    parseAuthEvent({ time: base + i * 3_600_000, identity_id: 'svc-refunds', outcome: 'success', source: { ip: '10.0.0.5', asn: 64500, lat: 52.52, lon: 13.4, country: 'DE' } }),
  );
  const last = history[history.length - 1]!.time;
  const sameSource = parseAuthEvent({ time: last + 600_000, identity_id: 'svc-refunds', outcome: 'success', source: { ip: '10.0.0.6', asn: 64500, lat: 52.5, lon: 13.4 } });
  assert.deepEqual(assessAuthEvent(sameSource, history, ctx), []);

  // Berlin to São Paulo (~10 000 km) in 30 minutes, from a new network.
  const jump = parseAuthEvent({ time: last + 1_800_000, identity_id: 'svc-refunds', outcome: 'success', source: { ip: '203.0.113.9', asn: 64999, lat: -23.55, lon: -46.63, country: 'BR' } });
  const found = assessAuthEvent(jump, history, ctx);
  assert.deepEqual(found.map((f) => f.finding_info.types[1]), ['unusual_source', 'impossible_travel']);
  assert.equal(found[1]?.severity, 'High');
  assert.equal(found[1]?.evidences.length, 2);
  assert.equal(found[0]?.writ.credential.identityId, 'svc-refunds');

  assert.deepEqual(assessAuthEvent(jump, history.slice(0, 2).map((h) => ({ ...h, source: { ip: h.source.ip! } })), ctx), [], 'too little history, no geo');
  assert.deepEqual(assessAuthEvent({ ...jump, outcome: 'failure' }, history, ctx), [], 'failed logins are not uses');
  assert.ok(Math.abs(haversineKm({ lat: 52.52, lon: 13.4 }, { lat: 48.85, lon: 2.35 }) - 878) < 5);
});
