// `writ policy …` run as a user would: its own process, exit codes and output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POLICY_DIR, loadPolicyDir } from './policy-loader.ts';
import { tempPolicyDir } from './test-support.ts';

const BIN = fileURLToPath(new URL('../../bin/writ.js', import.meta.url));

function writ(args: string[], cwd = tmpdir()) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, WRIT_LOG_LEVEL: 'silent' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function requestFile(body: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'writ-request-')), 'request.json');
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

const quarantine = {
  principal: { type: 'workflow', id: 'phishing-containment' },
  action: 'quarantine_message',
  resource: { type: 'message', id: 'msg-1' },
  tenant: 'acme',
  context: { confidence: 0.95, uncertainty: 0.05, origin: 'rule' },
};

describe('writ policy', () => {
  it('check: exit 0 on the defaults, exit 1 with the Cedar error on a broken set', () => {
    const ok = writ(['policy', 'check', DEFAULT_POLICY_DIR]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: \d+ policies \(no tenant overlays\), version [0-9a-f]{64}/);

    const dir = tempPolicyDir({ 'typo.cedar': '// Typo.\n@id("typo") @tier("auto")\npermit (principal, action == Action::"open_case", resource) when { context.severty == "low" };\n' });
    const bad = writ(['policy', 'check', dir]);
    assert.equal(bad.status, 1);
    const lines = bad.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^WRIT_POLICY_INVALID: typo\.cedar:3 policy "typo": .*attribute `severty`.*did you mean `severity`/);
  });

  it('test: prints a table and exits non-zero on any mismatch', () => {
    const ok = writ(['policy', 'test', DEFAULT_POLICY_DIR]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^RESULT\s+FILE\s+CASE\s+EXPECTED\s+ACTUAL/);
    assert.match(ok.stdout, /\n\d+ passed, 0 failed \(policy version [0-9a-f]{64}\)\n$/);

    const dir = tempPolicyDir({
      'fixtures/zz-wrong.json': JSON.stringify({ cases: [{ name: 'wrong on purpose', request: quarantine, expect: { decision: 'deny' } }] }),
    });
    const bad = writ(['policy', 'test', dir]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /FAIL\s+zz-wrong\.json\s+wrong on purpose\s+deny\s+auto \[mail-quarantine-confident-auto\]/);
    assert.match(bad.stdout, /, 1 failed/);
  });

  it('explain --json prints decision, policies, version and explanation from the shipped defaults, whatever the cwd', () => {
    const out = writ(['policy', 'explain', '--request', requestFile(quarantine), '--json'], mkdtempSync(join(tmpdir(), 'writ-cwd-')));
    assert.equal(out.status, 0, out.stderr);
    const parsed = JSON.parse(out.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['decision', 'policies', 'version', 'explanation']);
    assert.equal(parsed.decision, 'auto');
    assert.deepEqual(parsed.policies, ['mail-quarantine-confident-auto']);
    assert.equal(parsed.version, loadPolicyDir(DEFAULT_POLICY_DIR).version);
    assert.match(String(parsed.explanation), /^auto: /);
  });

  it('explain --policies uses another directory, tenant overlays included', () => {
    const dir = tempPolicyDir({
      'tenants/acme/hold.cedar': '// Acme holds every quarantine for a person.\n@id("acme-hold") @floor("approve")\nforbid (principal, action == Action::"quarantine_message", resource);\n',
    });
    const out = writ(['policy', 'explain', '--request', requestFile(quarantine), '--policies', dir]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^decision: approve\npolicies: mail-quarantine-confident-auto, acme-hold\n/);
  });

  it('explain refuses malformed JSON, a missing file and a request without context, in one line', () => {
    for (const [args, pattern] of [
      [['--request', requestFile('{"principal": ')], /^WRIT_INPUT_INVALID: .* is not JSON/],
      [['--request', '/nonexistent/request.json'], /^WRIT_INPUT_INVALID: cannot read \/nonexistent\/request\.json: ENOENT/],
      [['--request', requestFile({ ...quarantine, context: undefined })], /^WRIT_INPUT_INVALID: invalid decision request: context: required/],
    ] as const) {
      const out = writ(['policy', 'explain', ...args]);
      assert.equal(out.status, 1, out.stdout);
      assert.match(out.stderr, pattern);
      assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
    }
  });

  it('drift lists requests whose decisions differ between tenants', () => {
    const dir = tempPolicyDir({
      'tenants/bank/strict.cedar': '// Two people for every purge.\n@id("bank-purge-dual") @floor("dual")\nforbid (principal, action == Action::"purge_campaign", resource);\n',
    });
    const out = writ(['policy', 'drift', '--policies', dir]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^REQUEST\s+\(base\)\s+bank\n/);
    assert.match(out.stdout, /mail\.json#a purge on a less confident verdict needs approval\s+approve\s+dual/);
    assert.doesNotMatch(out.stdout, /quarantine by a rule/);

    const json = writ(['policy', 'drift', '--policies', dir, '--requests', requestFile(quarantine), '--all', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { scopes: string[]; rows: Array<{ decisions: Record<string, string>; differs: boolean }> };
    assert.deepEqual(report.scopes, ['(base)', 'bank']);
    assert.deepEqual(report.rows.map((r) => [r.decisions, r.differs]), [[{ '(base)': 'auto', bank: 'auto' }, false]]);

    const none = writ(['policy', 'drift']);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /no tenant overlays/);
  });
});
