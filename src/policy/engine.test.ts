import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isWritError } from '../errors/index.ts';
import { cedar } from './cedar.ts';
import { PolicyEngine } from './engine.ts';
import { DEFAULT_POLICY_DIR, loadPolicyDir } from './policy-loader.ts';
import { compilePolicySet, type PolicyInfo } from './policy-set.ts';
import { heldSetCount } from './preparsed-sets.ts';
import { defaultSources, request, sourcesWith } from './test-support.ts';
import { computeTier } from './tiering.ts';
import type { DecisionKind } from './tiers.ts';

const defaults = loadPolicyDir(DEFAULT_POLICY_DIR);
const engine = new PolicyEngine(defaults);
after(() => engine.close());

function policy(id: string, effect: 'permit' | 'forbid', level: DecisionKind): PolicyInfo {
  return { id, effect, level, tenant: null, file: 'x.cedar', line: 1, description: '', source: '', json: {} as PolicyInfo['json'] };
}

describe('tiering', () => {
  it('grants the least strict tier of the satisfied permits', () => {
    const t = computeTier([{ policy: policy('a', 'permit', 'approve') }, { policy: policy('b', 'permit', 'auto') }]);
    assert.equal(t.decision, 'auto');
    assert.deepEqual(t.determining.map((p) => p.id), ['b']);
  });

  it('raises to the highest floor among applying forbids and cites the forbid that holds it', () => {
    const t = computeTier([
      { policy: policy('p', 'permit', 'auto') },
      { policy: policy('f1', 'forbid', 'approve') },
      { policy: policy('f2', 'forbid', 'dual') },
    ]);
    assert.equal(t.decision, 'dual');
    assert.deepEqual(t.determining.map((p) => p.id), ['p', 'f2']);
  });

  it('denies by default, and a floorless forbid wins over any permit', () => {
    assert.equal(computeTier([]).decision, 'deny');
    assert.deepEqual(computeTier([]).determining, []);
    assert.equal(computeTier([{ policy: policy('f', 'forbid', 'approve') }]).decision, 'deny');
    const t = computeTier([{ policy: policy('p', 'permit', 'auto') }, { policy: policy('f', 'forbid', 'deny') }]);
    assert.equal(t.decision, 'deny');
    assert.deepEqual(t.determining.map((p) => p.id), ['f']);
  });

  it('lets an erroring permit grant nothing and counts an erroring forbid as applying', () => {
    const t = computeTier([
      { policy: policy('p-auto', 'permit', 'auto'), error: 'record does not have the attribute `confidence`' },
      { policy: policy('p-approve', 'permit', 'approve') },
      { policy: policy('f-dual', 'forbid', 'dual'), error: 'record does not have the attribute `blast_radius`' },
    ]);
    assert.equal(t.decision, 'dual');
    assert.deepEqual(t.determining.map((p) => p.id), ['p-approve', 'f-dual']);
    assert.equal(computeTier([{ policy: policy('p', 'permit', 'auto'), error: 'x' }]).decision, 'deny');
  });

  it('orders suggest above dual: a suggest floor keeps Writ from executing', () => {
    const t = computeTier([{ policy: policy('p', 'permit', 'dual') }, { policy: policy('f', 'forbid', 'suggest') }]);
    assert.equal(t.decision, 'suggest');
  });
});

describe('cedar-wasm behaviour the engine relies on', () => {
  it('lists every satisfied policy and every erroring one by id once forbids are rewritten as permits', () => {
    const policies = {
      grant: '@tier("auto") permit (principal, action, resource);',
      floor: '@floor("dual") forbid (principal, action, resource) when { context.origin == "ai" };',
      needs: '@tier("auto") permit (principal, action, resource) when { context.confidence > 1 };',
    };
    const call = {
      principal: { type: 'Workflow', id: 'w' },
      action: { type: 'Action', id: 'quarantine_message' },
      resource: { type: 'Message', id: 'm' },
      context: { origin: 'ai' },
      entities: [],
    };
    const asWritten = cedar.isAuthorized({ ...call, policies: { staticPolicies: policies } });
    assert.equal(asWritten.type, 'success');
    // As written, the satisfied forbid hides the satisfied permit: not enough to tier on.
    if (asWritten.type === 'success') assert.deepEqual(asWritten.response.diagnostics.reason, ['floor']);
    const rewritten = { ...policies, floor: policies.floor.replace('forbid', 'permit') };
    const answer = cedar.isAuthorized({ ...call, policies: { staticPolicies: rewritten } });
    assert.equal(answer.type, 'success');
    if (answer.type === 'success') {
      assert.deepEqual([...answer.response.diagnostics.reason].sort(), ['floor', 'grant']);
      assert.deepEqual(answer.response.diagnostics.errors.map((e) => e.policyId), ['needs']);
    }
  });
});

describe('policy engine on the shipped defaults', () => {
  it('runs a confident rule-driven quarantine at once, and says why', () => {
    const d = engine.decide(request());
    assert.equal(d.decision, 'auto');
    assert.deepEqual(d.policies, ['mail-quarantine-confident-auto']);
    assert.equal(d.version, defaults.version);
    assert.match(d.explanation, /^auto: .*Permit "mail-quarantine-confident-auto" grants auto: A rule-driven playbook/);
    assert.ok(d.unknown.includes('severity'));
  });

  it('never runs an AI-origin disruptive proposal at once', () => {
    const d = engine.decide(request({ context: { confidence: 0.99, uncertainty: 0.01, origin: 'ai', blast_radius: 1 } }));
    assert.equal(d.decision, 'approve');
    assert.ok(d.policies.includes('ai-origin-never-auto'));
  });

  it('needs approval for an external notification and dual control for a break-glass disable', () => {
    const notify = engine.decide(
      request({ action: 'notify_external', resource: { type: 'case', id: 'c' }, context: { confidence: 1, uncertainty: 0, origin: 'rule' } }),
    );
    assert.equal(notify.decision, 'approve');
    const disable = engine.decide(
      request({
        action: 'disable_account',
        resource: { type: 'identity', id: 'bg-admin' },
        context: { confidence: 1, uncertainty: 0, origin: 'rule', identity_class: 'break_glass', dependents: 0 },
      }),
    );
    assert.equal(disable.decision, 'dual');
    assert.deepEqual(disable.policies, ['identity-approve', 'identity-critical-class-dual']);
  });

  it('explains an unknown field that kept a forbid in force', () => {
    const d = engine.decide(
      request({
        action: 'revoke_token',
        resource: { type: 'identity', id: 'k' },
        context: { confidence: 0.99, uncertainty: 0.01, origin: 'rule', identity_class: 'customer_facing_production' },
      }),
    );
    assert.equal(d.decision, 'deny');
    assert.deepEqual(d.policies, ['identity-shared-credential-no-revoke']);
    assert.match(d.explanation, /could not be evaluated \(record does not have the attribute `dependents`\), so it counts as applying and denies it/);
    assert.ok(d.matched.some((m) => m.id === 'identity-revoke-leaked-production-token-auto' && m.error !== undefined));
  });

  it('explains a default deny', () => {
    const d = engine.decide(request({ principal: { type: 'advisor', id: 'advisor' }, action: 'close_case', resource: { type: 'case', id: 'c' } }));
    assert.equal(d.decision, 'deny');
    assert.deepEqual(d.policies, []);
    assert.match(d.explanation, /No policy permits it, and Writ denies by default/);
  });

  it("uses the principal's declared actions when the directory gives them", () => {
    assert.equal(engine.decide(request(), { principal: { actions: ['open_case'] } }).decision, 'deny');
    assert.equal(engine.decide(request(), { principal: { actions: ['quarantine_message'] } }).decision, 'auto');
  });

  it('refuses malformed requests and an unknown overlay', () => {
    assert.throws(() => engine.decide({ action: 'quarantine_message' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
    assert.throws(() => engine.decideIn('nobody', request()), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  });
});

describe('tenant overlays', () => {
  const set = compilePolicySet(
    sourcesWith({
      'tenants/bank/strict.cedar': '// Two people for every purge.\n@id("bank-purge-dual") @floor("dual")\nforbid (principal, action == Action::"purge_campaign", resource);\n',
    }),
  );
  const purge = request({
    action: 'purge_campaign',
    resource: { type: 'campaign', id: 'c' },
    // Not confident enough for the automatic purge: the base asks one person.
    context: { confidence: 0.8, uncertainty: 0.2, origin: 'rule', blast_radius: 10, regulated: false, reversible: true },
  });

  it("adds a tenant's overlay on top of the base for that tenant only", () => {
    const e = new PolicyEngine(set);
    try {
      assert.equal(e.decide({ ...purge, tenant: 'bank' }).decision, 'dual');
      assert.equal(e.decide({ ...purge, tenant: 'bank' }).overlay, 'bank');
      assert.equal(e.decide({ ...purge, tenant: 'acme' }).decision, 'approve');
      assert.equal(e.decideIn(null, { ...purge, tenant: 'bank' }).decision, 'approve');
    } finally {
      e.close();
    }
  });
});

describe('replacing the policy set', () => {
  it('keeps the set in force when the new one is invalid, and swaps whole when valid', () => {
    const e = new PolicyEngine(defaults);
    try {
      const before = e.decide(request());
      assert.throws(
        () => e.replace(sourcesWith({ 'mail.cedar': '@id("x") @tier("auto") permit (principal, action, resource) when { context.nope };' })),
        (err) => isWritError(err, 'WRIT_POLICY_INVALID'),
      );
      assert.equal(e.version, defaults.version);
      assert.deepEqual(e.decide(request()), before);

      const stricter = sourcesWith({
        'extra.cedar': '// Hold every quarantine for a person.\n@id("hold") @floor("approve") forbid (principal, action == Action::"quarantine_message", resource);\n',
      });
      e.replace(stricter);
      assert.notEqual(e.version, defaults.version);
      const after = e.decide(request());
      assert.equal(after.decision, 'approve');
      assert.equal(after.version, e.version);
      assert.ok(after.policies.includes('hold'));
    } finally {
      e.close();
    }
  });

  it('releases the pre-parsed sets it no longer needs', () => {
    const baseline = heldSetCount();
    const e = new PolicyEngine(defaults, { fastPath: false });
    const held = heldSetCount();
    assert.ok(held > baseline);
    e.replace(sourcesWith({ 'extra.cedar': '// More.\n@id("more") @tier("suggest") permit (principal, action == Action::"reopen_case", resource);\n' }));
    e.replace(defaultSources());
    assert.equal(heldSetCount(), held);
    e.close();
    assert.equal(heldSetCount(), baseline);
    assert.throws(() => e.decide(request()), (err) => isWritError(err, 'WRIT_INTERNAL'));
  });
});
