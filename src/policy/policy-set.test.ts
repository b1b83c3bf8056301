import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTION_GROUPS, listActionTypes } from '../actions/index.ts';
import { isWritError } from '../errors/index.ts';
import { cedar } from './cedar.ts';
import { DEFAULT_POLICY_DIR, loadPolicyDir, readPolicySources } from './policy-loader.ts';
import { compilePolicySet, diffPolicySets, policySetVersion, type PolicySources } from './policy-set.ts';
import { defaultSources, sourcesWith, tempPolicyDir } from './test-support.ts';

function refusal(sources: PolicySources): string[] {
  try {
    compilePolicySet(sources);
  } catch (error) {
    assert.ok(isWritError(error, 'WRIT_POLICY_INVALID'), String(error));
    assert.doesNotMatch(error.message, /\n/);
    return error.details?.errors as string[];
  }
  assert.fail('expected the policy set to be refused');
}

describe('policy set loading', () => {
  it('loads the shipped defaults: every policy has an id, a tier or floor, and a comment', () => {
    const set = loadPolicyDir(DEFAULT_POLICY_DIR);
    assert.ok(set.policies.length >= 25);
    assert.deepEqual(set.tenants, []);
    for (const p of set.policies) {
      assert.ok(p.description.length > 10, `${p.id} needs a comment saying why`);
      if (p.effect === 'permit') assert.notEqual(p.level, 'deny');
    }
    assert.match(set.version, /^[0-9a-f]{64}$/);
  });

  it("refuses a policy Cedar's validator rejects, with Cedar's message, file and line", () => {
    const errors = refusal(
      sourcesWith({ 'extra.cedar': '// typo\n@id("typo") @tier("auto")\npermit (principal, action, resource)\nwhen { context.confidnce > 3 };\n' }),
    );
    // Said once, although Cedar reports it for each of the actions the policy applies to.
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /^extra\.cedar:4 policy "typo": .*attribute `confidnce` in context .*not found.*did you mean `confidence`.*\(and \d+ more like it/);
  });

  it("refuses a syntax error with Cedar's parse message", () => {
    const errors = refusal(sourcesWith({ 'extra.cedar': '@id("x") @tier("auto")\npermit (principal, action\n' }));
    assert.match(errors[0] ?? '', /^extra\.cedar:\d+: .*unexpected end of input/);
  });

  it('reports every structural problem at once', () => {
    const errors = refusal(
      sourcesWith({
        'extra.cedar': [
          'permit (principal, action, resource);',
          '@id("no-tier") permit (principal, action, resource);',
          '@id("bad-floor") @floor("maybe") forbid (principal, action, resource);',
          '@id("tier-on-forbid") @tier("auto") forbid (principal, action, resource);',
          '@id("mail-containment-approve") @tier("auto") permit (principal, action, resource);',
          '@id("sneaky") @tier("approve") forbid (principal, action, resource);',
        ].join('\n'),
      }),
    );
    const text = errors.join('\n');
    assert.match(text, /extra\.cedar:1: every policy needs @id/);
    assert.match(text, /"no-tier": a permit needs @tier/);
    assert.match(text, /"bad-floor": @floor must be/);
    assert.match(text, /"tier-on-forbid": @tier belongs on a permit/);
    assert.match(text, /"mail-containment-approve": the id is already used at/);
  });

  it('refuses policies that could observe an unknown context field without erroring', () => {
    const errors = refusal(
      sourcesWith({
        'extra.cedar': [
          '@id("has-guard") @floor("dual") forbid (principal, action, resource) when { context has blast_radius && context.blast_radius > 5 };',
          '@id("whole-context") @tier("auto") permit (principal, action, resource) when { context == {} };',
        ].join('\n'),
      }),
    );
    const text = errors.join('\n');
    assert.match(text, /"has-guard": tests `context has blast_radius`/);
    assert.match(text, /"whole-context": uses `context` other than as `context\.<field>`/);
  });

  it('allows `principal has` (principal attributes come from the directory, not the request)', () => {
    compilePolicySet(
      sourcesWith({ 'extra.cedar': '@id("roles") @tier("auto") permit (principal is User, action == Action::"open_case", resource) when { principal has roles && principal.roles.contains("ir") };' }),
    );
  });

  it('refuses templates, misplaced files and an empty set', () => {
    assert.match(refusal(sourcesWith({ 'extra.cedar': '@id("t") @tier("auto") permit (principal == ?principal, action, resource);' })).join(), /templates/);
    assert.match(refusal(sourcesWith({ 'nested/x.cedar': '' })).join(), /base directory or in tenants/);
    assert.match(refusal({ schema: defaultSources().schema, files: {} }).join(), /no policies/);
  });

  it('refuses a schema that lacks a catalogue action', () => {
    const base = defaultSources();
    const schema = base.schema.replace(/action export_evidence[^;]*;/s, '');
    assert.match(refusal({ schema, files: base.files }).join(), /schema: action export_evidence is missing/);
  });

  it('reads tenant overlays from tenants/<tenant>/', () => {
    const dir = tempPolicyDir({ 'tenants/bank/strict.cedar': '// Two people for every purge.\n@id("bank-purge-dual") @floor("dual")\nforbid (principal, action == Action::"purge_campaign", resource);\n' });
    const set = loadPolicyDir(dir);
    assert.deepEqual(set.tenants, ['bank']);
    const overlay = set.policies.find((p) => p.id === 'bank-purge-dual');
    assert.equal(overlay?.tenant, 'bank');
    assert.equal(overlay?.file, 'tenants/bank/strict.cedar');
    assert.equal(overlay?.line, 2);
    assert.equal(overlay?.description, 'Two people for every purge.');
  });

  it('refuses a missing directory with a one-line input error', () => {
    assert.throws(() => loadPolicyDir('/nonexistent/writ-policies'), (e) => isWritError(e, 'WRIT_INPUT_INVALID') && /not found/.test(e.message));
  });
});

describe('policy versions and diffs', () => {
  it('gives equal sources an equal version, whatever the line endings or file order', () => {
    const a = defaultSources();
    const reversed = Object.fromEntries(Object.entries(a.files).reverse().map(([k, v]) => [k, v.replace(/\n/g, '\r\n')]));
    assert.equal(policySetVersion({ schema: a.schema, files: reversed }), policySetVersion(a));
    assert.notEqual(policySetVersion(sourcesWith({ 'mail.cedar': `${a.files['mail.cedar']}\n// note\n` })), policySetVersion(a));
  });

  it('exposes the canonical sources, which compile back to the same version', () => {
    const set = loadPolicyDir(DEFAULT_POLICY_DIR);
    assert.equal(compilePolicySet(set.sources).version, set.version);
    assert.deepEqual(set.sources, readPolicySources(DEFAULT_POLICY_DIR));
  });

  it('lists added, removed and changed policy ids; comments and layout are not changes', () => {
    const base = defaultSources();
    const mail = base.files['mail.cedar'] ?? '';
    const before = compilePolicySet(base);
    const after = compilePolicySet(
      sourcesWith({
        'mail.cedar': mail
          .replace('context.blast_radius > 50', 'context.blast_radius > 40')
          .replace('// Any other proposal', '//   Reworded comment.\n// Any other proposal')
          .replace(/\n\/\/ A rule with a very confident verdict[\s\S]*?uncertainty <= 50 };\n/, '\n'),
        'extra.cedar': '// New.\n@id("new-one") @tier("approve") permit (principal, action == Action::"reopen_case", resource);\n',
      }),
    );
    assert.deepEqual(diffPolicySets(before, after), {
      added: ['new-one'],
      removed: ['mail-block-confident-auto'],
      changed: ['mail-purge-wide-dual'],
      schemaChanged: false,
    });
    assert.deepEqual(diffPolicySets(before, before), { added: [], removed: [], changed: [], schemaChanged: false });
  });
});

describe('Writ schema', () => {
  const schema = cedar.schemaToJson(defaultSources().schema);
  assert.equal(schema.type, 'success');
  const actions = schema.type === 'success' ? (schema.json['']?.actions ?? {}) : {};

  it('declares one Cedar action per catalogue action, in exactly its catalogue groups', () => {
    for (const type of listActionTypes()) {
      const declared = actions[type.name];
      assert.ok(declared?.appliesTo, `schema lacks ${type.name}`);
      const groups = (declared.memberOf ?? []).map((m) => m.id).sort();
      assert.deepEqual(groups, [...type.groups].sort(), type.name);
      const resources = declared.appliesTo.resourceTypes.map((t) => t.toLowerCase()).sort();
      assert.deepEqual(resources, [...type.targets].sort(), `${type.name} resource types`);
    }
  });

  it('declares the groups and nothing outside the catalogue', () => {
    const names = new Set([...listActionTypes().map((t) => t.name), ...ACTION_GROUPS]);
    assert.deepEqual(Object.keys(actions).sort(), [...names].sort());
  });
});
