import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PolicyEngine } from './engine.ts';
import { policyDrift, readRequests, BASE_SCOPE } from './drift.ts';
import { runPolicyTests } from './fixtures.ts';
import { DEFAULT_POLICY_DIR, loadPolicyDir } from './policy-loader.ts';
import { tempPolicyDir } from './test-support.ts';

describe('policy fixtures', () => {
  it('the shipped fixtures all pass and exercise every shipped policy', () => {
    const report = runPolicyTests(DEFAULT_POLICY_DIR);
    const failures = report.results.filter((r) => !r.ok).map((r) => `${r.file} "${r.name}": expected ${r.expected}, got ${r.actual}`);
    assert.deepEqual(failures, []);
    assert.ok(report.results.length >= 50);
    assert.deepEqual(report.uncovered, []);
    assert.equal(report.version, loadPolicyDir(DEFAULT_POLICY_DIR).version);
  });

  it('every shipped policy is named as deciding in some fixture', () => {
    const report = runPolicyTests(DEFAULT_POLICY_DIR);
    const deciding = new Set(report.results.flatMap((r) => (r.actual.match(/\[(.*)\]/)?.[1] ?? '').split(', ')));
    for (const p of loadPolicyDir(DEFAULT_POLICY_DIR).policies) assert.ok(deciding.has(p.id), `${p.id} never decides in a fixture`);
  });

  it('reports a mismatch, and a malformed fixture file, as failing rows', () => {
    const dir = tempPolicyDir({
      'fixtures/wrong.json': JSON.stringify({
        cases: [
          {
            name: 'claims a quarantine by AI is auto',
            request: {
              principal: { type: 'workflow', id: 'w' },
              action: 'quarantine_message',
              resource: { type: 'message', id: 'm' },
              tenant: 't',
              context: { confidence: 0.99, uncertainty: 0.01, origin: 'ai' },
            },
            expect: { decision: 'auto' },
          },
          {
            name: 'expects the right decision but the wrong policies',
            request: {
              principal: { type: 'workflow', id: 'w' },
              action: 'open_case',
              resource: { type: 'case', id: 'c' },
              tenant: 't',
              context: {},
            },
            expect: { decision: 'auto', policies: ['case-analyst-auto'] },
          },
        ],
      }),
      'fixtures/broken.json': '{"cases": [{"name": "no request"',
    });
    const report = runPolicyTests(dir);
    const failed = report.results.filter((r) => !r.ok);
    assert.deepEqual(
      failed.map((r) => [r.file, r.name, r.actual]),
      [
        ['broken.json', '(file)', 'unreadable'],
        ['wrong.json', 'claims a quarantine by AI is auto', 'approve [ai-origin-never-auto, mail-containment-approve]'],
        ['wrong.json', 'expects the right decision but the wrong policies', 'auto [case-workflow-record-auto]'],
      ],
    );
    assert.equal(report.failed, 3);
  });
});

describe('policy drift', () => {
  it('shows where tenants decide differently for the same request', () => {
    const dir = tempPolicyDir({
      'tenants/bank/strict.cedar': '// Two people for every purge.\n@id("bank-purge-dual") @floor("dual")\nforbid (principal, action == Action::"purge_campaign", resource);\n',
      'tenants/retail/loose.cedar': '// Quarantining purges by a rule run at once, however confident.\n@id("retail-purge-auto") @tier("auto")\npermit (principal is Workflow, action == Action::"purge_campaign", resource)\nwhen { context.origin == "rule" && context.reversible };\n',
    });
    const engine = new PolicyEngine(loadPolicyDir(dir));
    try {
      const report = policyDrift(engine, readRequests(join(dir, 'fixtures')));
      assert.deepEqual(report.scopes, [BASE_SCOPE, 'bank', 'retail']);
      const purge = report.rows.find((r) => r.name === 'mail.json#a purge on a less confident verdict needs approval');
      assert.deepEqual(purge?.decisions, { [BASE_SCOPE]: 'approve', bank: 'dual', retail: 'auto' });
      assert.equal(purge?.differs, true);
      const quarantine = report.rows.find((r) => r.name === 'mail.json#confident phishing quarantine by a rule is auto');
      assert.equal(quarantine?.differs, false);
      // Fixtures that expect a refusal are not requests to compare.
      assert.ok(!report.rows.some((r) => r.name.includes('without context')));
      assert.deepEqual(
        report.rows.filter((r) => r.differs).map((r) => r.name.replace('mail.json#', '')),
        [
          'a purge on a less confident verdict needs approval',
          'major incident: a rule purges a critical campaign at once',
          'major incident, regulated tenant: deletion still needs approval',
          'major incident, regulated tenant: a quarantining purge stays auto',
          'major incident, unknown regulated flag: approval before deletion',
          "an outside agent's purge waits for a person",
          'a confident playbook purges a small campaign into quarantine at once',
          'a purge that deletes is not automatic',
        ],
      );
    } finally {
      engine.close();
    }
  });

  it('reads a single request file and an array of requests', () => {
    const dir = tempPolicyDir();
    const one = { principal: { type: 'user', id: 'u' }, action: 'close_case', resource: { type: 'case', id: 'c' }, tenant: 't', context: {} };
    writeFileSync(join(dir, 'one.json'), JSON.stringify(one));
    writeFileSync(join(dir, 'many.json'), JSON.stringify([one, one]));
    assert.deepEqual(readRequests(join(dir, 'one.json')).map((r) => r.name), ['one.json']);
    assert.deepEqual(readRequests(join(dir, 'many.json')).map((r) => r.name), ['many.json#1', 'many.json#2']);
  });
});
