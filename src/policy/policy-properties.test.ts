/**
 * Generated requests against a rich policy set (the defaults, 170+ generated policies as in
 * the benchmark, hand-written corner cases and two tenant overlays):
 * - the fast path with slicing decides exactly as plain Cedar over the tenant's whole set;
 * - leaving context fields unknown never makes a decision less strict.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { benchPolicySources } from '../../bench/policy.ts';
import { ACTION_NAMES, getActionType } from '../actions/index.ts';
import { PolicyEngine, type PolicyDecision, type PrincipalFacts } from './engine.ts';
import { compilePolicySet } from './policy-set.ts';
import { IDENTITY_CLASSES, MODES, ORIGINS, PRINCIPAL_TYPES, SEVERITIES } from './request.ts';
import { strictness, type DecisionKind } from './tiers.ts';

const CORNER_CASES = `
// Corner cases for the fast path: clause order, ||, !, scope equality, conditions on the action.
@id("t-when-unless") @tier("approve")
permit (principal, action in Action::"identity", resource) when { context.confidence > 500 } unless { context.dependents > 2 };
@id("t-or") @floor("approve")
forbid (principal, action in Action::"host", resource) when { context.severity == "critical" || context.blast_radius > 100 };
@id("t-not") @tier("auto")
permit (principal is User, action in Action::"case", resource) when { !(context.mode == "major_incident") && context.origin == "human" };
@id("t-eq-principal") @tier("auto")
permit (principal == Workflow::"p-1", action, resource) when { context.confidence >= 990 };
@id("t-resource") @floor("suggest")
forbid (principal, action, resource == Host::"r-7");
@id("t-action-in-condition") @tier("dual")
permit (principal, action, resource) when { action in [Action::"purge_campaign", Action::"rotate_secret"] && context.uncertainty < 200 };
@id("t-roles") @tier("auto")
permit (principal is User, action == Action::"isolate_host", resource)
when { principal has roles && principal.roles.contains("incident_commander") && context.mode == "major_incident" };
// Left to Cedar by the fast path.
@id("t-arith") @floor("dual")
forbid (principal, action in Action::"identity", resource) when { context.dependents + context.blast_radius > 50 };
@id("t-ite") @tier("approve")
permit (principal is Agent, action, resource) when { if context.regulated then context.confidence > 900 else context.confidence > 700 };
@id("t-in-principal") @tier("suggest")
permit (principal in Workflow::"p-2", action, resource);
@id("t-like") @floor("approve")
forbid (principal, action in Action::"identity", resource) when { context.identity_class like "*glass" };
`;

const base = benchPolicySources();
const set = compilePolicySet({
  schema: base.schema,
  files: {
    ...base.files,
    'corner-cases.cedar': CORNER_CASES,
    'tenants/bank/strict.cedar': '// Non-regulated mail work needs two people at the bank.\n@id("bank-unless") @floor("dual")\nforbid (principal, action in Action::"mail", resource) unless { context.regulated };\n',
    'tenants/retail/loose.cedar': '// Retail purges confidently.\n@id("retail-purge") @tier("auto")\npermit (principal is Workflow, action == Action::"purge_campaign", resource) when { context.confidence >= 900 };\n',
  },
});

const fast = new PolicyEngine(set);
const cedarSliced = new PolicyEngine(set, { fastPath: false });
const reference = new PolicyEngine(set, { slicing: false, fastPath: false });
after(() => {
  fast.close();
  cedarSliced.close();
  reference.close();
});

const contextArb = fc.record(
  {
    confidence: fc.constantFrom(0, 0.5, 0.7, 0.899, 0.9, 0.95, 0.99, 1),
    uncertainty: fc.constantFrom(0, 0.02, 0.05, 0.1, 0.19, 0.5, 1),
    blast_radius: fc.constantFrom(0, 1, 10, 50, 51, 120, 5000),
    dependents: fc.constantFrom(0, 1, 3),
    identity_class: fc.constantFrom(...IDENTITY_CLASSES),
    reversible: fc.boolean(),
    regulated: fc.boolean(),
    origin: fc.constantFrom(...ORIGINS),
    mode: fc.constantFrom(...MODES),
    severity: fc.constantFrom(...SEVERITIES),
  },
  { requiredKeys: [] },
);

const factsArb: fc.Arbitrary<PrincipalFacts | undefined> = fc.option(
  fc.record(
    { actions: fc.subarray([...ACTION_NAMES]), roles: fc.subarray(['incident_commander', 'analyst']) },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const requestArb = fc
  .record({
    action: fc.constantFrom(...ACTION_NAMES),
    target: fc.nat(),
    principalType: fc.constantFrom(...PRINCIPAL_TYPES),
    principalId: fc.constantFrom('p-1', 'p-2', 'p-3', 'playbook-4'),
    resourceId: fc.constantFrom('r-1', 'r-7'),
    tenant: fc.constantFrom('acme', 'bank', 'retail'),
    context: contextArb,
  })
  .map((r) => {
    const targets = getActionType(r.action).targets;
    return {
      principal: { type: r.principalType, id: r.principalId },
      action: r.action,
      resource: { type: targets[r.target % targets.length] ?? targets[0], id: r.resourceId },
      tenant: r.tenant,
      context: r.context as Record<string, unknown>,
    };
  });

/** What must agree: the decision, the policies that made it, and which policies matched or errored. */
function outcome(d: PolicyDecision): unknown {
  return {
    decision: d.decision,
    policies: d.policies,
    matched: d.matched.map((m) => `${m.id}:${m.error === undefined ? 'satisfied' : 'error'}`),
  };
}

describe('sliced, fast-path decisions equal plain Cedar over the whole set', () => {
  it('the rich set really uses both the fast path and Cedar', () => {
    assert.ok(set.policies.length > 200);
    assert.ok(set.policies.some((p) => p.id === 't-arith'));
  });

  it('decides alike on generated requests', () => {
    const seen = new Set<DecisionKind>();
    let errors = 0;
    fc.assert(
      fc.property(requestArb, factsArb, (req, principal) => {
        const options = principal === undefined ? {} : { principal };
        const expected = reference.decide(req, options);
        seen.add(expected.decision);
        if (expected.matched.some((m) => m.error !== undefined)) errors += 1;
        assert.deepEqual(outcome(fast.decide(req, options)), outcome(expected));
        assert.deepEqual(outcome(cedarSliced.decide(req, options)), outcome(expected));
      }),
      { numRuns: 2500, seed: 20241122 },
    );
    // Not vacuous: every tier came up, and so did erroring policies.
    assert.deepEqual([...seen].sort(), ['approve', 'auto', 'deny', 'dual', 'suggest']);
    assert.ok(errors > 100, `only ${errors} requests had erroring policies`);
  });
});

describe('unknown context never makes a decision less strict', () => {
  const fullContextArb = contextArb.filter((c) => Object.keys(c).length === 10);

  it('dropping any fields (or setting them to null) gives an equal or stricter decision', () => {
    let stricter = 0;
    fc.assert(
      fc.property(requestArb, fullContextArb, fc.subarray(['confidence', 'uncertainty', 'blast_radius', 'dependents', 'identity_class', 'reversible', 'regulated', 'origin', 'mode', 'severity']), fc.boolean(), factsArb, (req, context, drop, asNull, principal) => {
        const options = principal === undefined ? {} : { principal };
        const known = fast.decide({ ...req, context }, options);
        const partial: Record<string, unknown> = { ...context };
        for (const field of drop) {
          if (asNull) partial[field] = null;
          else delete partial[field];
        }
        const unknown = fast.decide({ ...req, context: partial }, options);
        assert.ok(
          strictness(unknown.decision) >= strictness(known.decision),
          `${known.decision} with everything known became ${unknown.decision} without ${drop.join(', ')}`,
        );
        if (strictness(unknown.decision) > strictness(known.decision)) stricter += 1;
      }),
      { numRuns: 2500, seed: 7 },
    );
    assert.ok(stricter > 100, `unknowns tightened only ${stricter} decisions: the property is too weak to mean much`);
  });
});
