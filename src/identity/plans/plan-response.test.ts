import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Fingerprinter } from '../../secrets/index.ts';
import { Inventory } from '../inventory/inventory.ts';
import { IDENTITY_CLASSES, IDENTITY_KINDS, type Identity, type IdentityClass, type IdentityKind } from '../inventory/identity-schema.ts';
import { walkDependencyChain } from '../inventory/dependency-chain.ts';
import { enrichFinding } from '../findings/enrich.ts';
import { parseGitleaksReport } from '../findings/gitleaks-parser.ts';
import { parseAnomalousUseEvent, parseCompromisedTokenUse } from '../findings/usage-events.ts';
import { parseGithubSecretScanningAlert } from '../findings/github-secret-scanning.ts';
import type { IdentityFinding } from '../findings/finding.ts';
import { planForEnriched, planResponse } from './plan-response.ts';
import { REVOKING_ACTIONS, type ResponsePlan } from './proposal.ts';

const fingerprinter = new Fingerprinter(randomBytes(32));
const NOW = new Date('2025-03-01T12:00:00Z');
const ctx = { fingerprinter, now: () => NOW };
const SECRET = 'leaked-secret-value-0123456789';

function identity(over: Partial<Identity> & { id?: string } = {}): Identity {
  return {
    id: 'cred',
    name: 'cred',
    kind: 'token',
    owner: { team: 'payments', contact: 'payments@example.com' },
    class: 'customer_facing_production',
    environment: 'production',
    system: { connector: 'postgres', target: 'cred_role' },
    lifetime: { kind: 'long_lived', maxTtlSeconds: null },
    lastRotatedAt: null,
    recoveryTimeSeconds: null,
    dependents: [],
    keyIds: [],
    secretFingerprints: [fingerprinter.of(SECRET)],
    ...over,
  };
}

function leak(secret = SECRET): IdentityFinding {
  return parseGitleaksReport(JSON.stringify([{ RuleID: 'generic-api-key', Secret: secret, File: 'a.env', StartLine: 1 }]), ctx)[0]!;
}

function plan(id: Identity, finding: IdentityFinding = leak(), options: Partial<Parameters<typeof planResponse>[3]> = {}): ResponsePlan {
  const chain = walkDependencyChain(id.id, (k) => (k === id.id ? id : undefined));
  return planResponse(finding, id, chain, { now: NOW, ...options });
}

const actions = (p: ResponsePlan) => p.steps.map((s) => s.proposal?.action ?? `gate:${s.gate?.check}`);

test('confirmed leak of a customer-facing production token with no dependents: revoke now, no human', () => {
  const p = plan(identity({ keyIds: ['tok-1'] }));
  assert.equal(p.strategy, 'revoke_now');
  assert.deepEqual(actions(p), ['revoke_token', 'notify_external']);
  assert.equal(p.requiresHumanApproval, false);
  const revoke = p.proposals[0]!;
  assert.deepEqual(revoke.target, { type: 'identity', id: 'cred' });
  assert.deepEqual(revoke.params, { identity: 'cred', tokenId: 'tok-1' });
  assert.deepEqual(revoke.context, { blast_radius: 0, dependents: 0, identity_class: 'customer_facing_production', reversible: false, confidence: 0.95, severity: 'high' });
  assert.deepEqual(p.steps[0]?.after, []);
  assert.equal(p.steps[0]?.notBefore, undefined);
});

test('a database role is disabled (reversible), not revoked', () => {
  const p = plan(identity({ kind: 'database_role' }));
  assert.equal(p.proposals[0]?.action, 'disable_account');
  assert.equal(p.proposals[0]?.context.reversible, true);
  assert.deepEqual(p.proposals[0]?.params, { identity: 'cred' });
});

test('internal batch: staged — owner alerted, owner gate with deadline, revoke at the deadline unless it passed', () => {
  const p = plan(identity({ class: 'internal_batch' }), leak(), { stagedWindowMs: 4 * 3_600_000 });
  assert.equal(p.strategy, 'staged');
  assert.deepEqual(actions(p), ['notify_external', 'gate:owner_rotated', 'revoke_token']);
  const [notify, gate, revoke] = p.steps;
  assert.equal(gate?.gate?.deadline, '2025-03-01T16:00:00.000Z');
  assert.deepEqual(gate?.after, [notify?.id]);
  assert.equal(revoke?.notBefore, '2025-03-01T16:00:00.000Z');
  assert.equal(revoke?.skipIfPassed, gate?.id);
  assert.equal(p.requiresHumanApproval, false, 'the deadline revoke needs nobody');
});

test('shared long-lived secret with dependents: coordinated rotation, never a revoke', () => {
  const id = identity({ dependents: [{ kind: 'job', ref: 'checkout' }, { kind: 'integration', ref: 'crm' }] });
  const p = plan(id);
  assert.equal(p.strategy, 'coordinated_rotation');
  assert.deepEqual(actions(p), ['shorten_session_lifetime', 'notify_external', 'rotate_secret', 'gate:dependents_updated', 'gate:dependents_healthy']);
  const rotate = p.steps[2]!;
  assert.deepEqual(rotate.proposal?.params, { identity: 'cred', gracePeriodSeconds: 3600 });
  assert.deepEqual(rotate.retireOldAfter, [p.steps[3]!.id, p.steps[4]!.id]);
  assert.deepEqual(p.steps[3]?.gate?.subjects, ['job:checkout', 'integration:crm']);
  assert.equal(rotate.proposal?.context.blast_radius, 2);
  assert.ok(!p.proposals.some((x) => REVOKING_ACTIONS.has(x.action)));
});

test('internal batch with dependents: staged, and the deadline fallback is a coordinated rotation', () => {
  const p = plan(identity({ class: 'internal_batch', dependents: [{ kind: 'job', ref: 'etl' }] }));
  assert.equal(p.strategy, 'staged');
  assert.deepEqual(actions(p), ['notify_external', 'gate:owner_rotated', 'rotate_secret', 'gate:dependents_updated', 'gate:dependents_healthy']);
  for (const step of p.steps.slice(2)) {
    assert.equal(step.skipIfPassed, 's2');
    assert.ok(step.notBefore);
  }
});

test('ephemeral token: revoke; break-glass, DR and partner: human approval even at full confidence', () => {
  assert.equal(plan(identity({ class: 'internal_batch', lifetime: { kind: 'ephemeral', maxTtlSeconds: 3600 } })).strategy, 'revoke_now');
  for (const cls of ['break_glass', 'disaster_recovery', 'partner_integration'] as const) {
    const compromised = parseCompromisedTokenUse({ type: 'compromised_token_use', time: NOW.toISOString(), token: SECRET }, ctx);
    const p = plan(identity({ class: cls, kind: 'service_account' }), compromised);
    assert.equal(p.requiresHumanApproval, true, cls);
    assert.ok(p.steps.every((s) => s.kind === 'gate' || s.humanApproval), cls);
    assert.equal(p.strategy, 'rotate');
    assert.deepEqual(actions(p), ['notify_external', 'rotate_secret']);
    assert.equal(p.proposals[1]?.context.confidence, 0.95);
    assert.equal(p.proposals[1]?.context.severity, 'critical');
  }
  const partner = plan(identity({ class: 'partner_integration' }));
  assert.equal(partner.proposals[0]?.params.template, 'partner_notice');
});

test('suspicion, not confirmation: the softer first step and a case', () => {
  const anomaly = parseAnomalousUseEvent({ type: 'anomalous_use', reason: 'unusual_source', time: NOW.toISOString(), principal: { identity_id: 'cred' }, source: { ip: '203.0.113.1' } }, ctx);
  const p = plan(identity({ kind: 'oauth_app' }), anomaly);
  assert.equal(p.strategy, 'contain_and_investigate');
  assert.deepEqual(actions(p), ['shorten_session_lifetime', 'notify_external', 'open_case']);
  assert.deepEqual(p.proposals[0]?.params, { identity: 'cred', maxLifetimeSeconds: 900 });
  assert.equal(p.proposals[0]?.context.confidence, 0.6);
  assert.deepEqual(p.proposals[2]?.target.type, 'case');
  assert.equal(p.proposals[2]?.params.caseType, 'identity');
  // A pattern match on a value that is not the identity's own secret is not confirmed either.
  assert.equal(plan(identity({ kind: 'api_key' }), leak('something-else-entirely')).strategy, 'contain_and_investigate');
});

test('owner-less, ambiguous and closed findings', () => {
  const f = leak('unknown-secret-value');
  const owner = planResponse(f, undefined, undefined, { now: NOW });
  assert.equal(owner.strategy, 'owner_less_case');
  assert.deepEqual(owner.proposals.map((x) => [x.action, x.target.type, x.context.identity_class]), [['open_case', 'case', null]]);

  const inv = new Inventory(fingerprinter);
  for (const id of ['a', 'b']) {
    inv.putInput({ id, kind: 'api_key', owner: { team: 't' }, class: 'internal_batch', environment: 'p', system: { connector: 'redis', target: id }, lifetime: { kind: 'long_lived' }, secretFingerprints: [fingerprinter.of(SECRET)] });
  }
  const ambiguous = planForEnriched(enrichFinding(leak(), { inventory: inv }), { now: NOW });
  assert.equal(ambiguous.strategy, 'analyst_review');

  const resolved = parseGithubSecretScanningAlert(
    { action: 'resolved', alert: { number: 1, secret_type: 'x', resolution: 'revoked', secret: SECRET }, repository: { full_name: 'a/b' } },
    ctx,
  );
  assert.equal(plan(identity(), resolved).strategy, 'no_action');
});

test('pure: the same inputs give the same plan', () => {
  const id = identity({ class: 'internal_batch', dependents: [{ kind: 'job', ref: 'x' }] });
  assert.deepEqual(plan(id), plan(id));
});

test('property: never a revoke while dependents remain; human classes always flagged', () => {
  const arb = fc.record({
    kind: fc.constantFrom<IdentityKind>(...IDENTITY_KINDS),
    cls: fc.constantFrom<IdentityClass>(...IDENTITY_CLASSES),
    ephemeral: fc.boolean(),
    dependents: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 }),
    findingKind: fc.constantFrom('leak_match', 'leak_other', 'anomaly', 'compromised'),
    confidence: fc.integer({ min: 0, max: 100 }),
  });
  fc.assert(
    fc.property(arb, (a) => {
      const id = identity({
        kind: a.kind,
        class: a.cls,
        lifetime: a.ephemeral ? { kind: 'ephemeral', maxTtlSeconds: 600 } : { kind: 'long_lived', maxTtlSeconds: null },
        dependents: a.dependents.map((ref) => ({ kind: 'job' as const, ref })),
      });
      const finding =
        a.findingKind === 'leak_match'
          ? leak()
          : a.findingKind === 'leak_other'
            ? leak('another-secret-value')
            : a.findingKind === 'compromised'
              ? parseCompromisedTokenUse({ type: 'compromised_token_use', time: NOW.toISOString(), token: SECRET }, ctx)
              : parseAnomalousUseEvent({ type: 'anomalous_use', reason: 'impossible_travel', time: NOW.toISOString(), principal: { identity_id: 'cred' }, source: {}, confidence: a.confidence }, ctx);
      const p = plan(id, finding);
      if (a.dependents.length > 0) assert.ok(!p.proposals.some((x) => REVOKING_ACTIONS.has(x.action)), JSON.stringify(a));
      if (['break_glass', 'disaster_recovery', 'partner_integration'].includes(a.cls)) assert.equal(p.requiresHumanApproval, true);
      for (const x of p.proposals) {
        assert.ok(x.context.confidence >= 0 && x.context.confidence <= 1);
        assert.equal(x.context.blast_radius, a.dependents.length);
      }
      const ids = new Set(p.steps.map((s) => s.id));
      for (const s of p.steps) for (const dep of [...s.after, ...(s.retireOldAfter ?? [])]) assert.ok(ids.has(dep));
    }),
    { numRuns: 500 },
  );
});
