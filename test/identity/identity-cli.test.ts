import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/engines.ts';
import { runWrit } from '../support/cli.ts';
import { PG_ADMIN_URL, pgAdmin, pgCanLogin, pgSandbox } from './support.ts';

test('writ identity import/list/show/remove and writ finding ingest --run: a leaked token is revoked from the command line', async () => {
  const dir = tempDir();
  const box = await pgSandbox();
  try {
    const role = await box.createRole();
    const env = { WRIT_DATA_DIR: join(dir.path, 'data'), WRIT_TENANT: 'acme', WRIT_PG_ADMIN_URL: PG_ADMIN_URL, WRIT_PG_PROBE_DATABASE: box.database };

    // The inventory names secrets only by Writ's keyed fingerprint; the secret goes in on stdin, never argv.
    const fingerprint = runWrit(['identity', 'fingerprint'], env, `${role.password}\n`);
    assert.equal(fingerprint.status, 0, fingerprint.stderr);
    const fp = fingerprint.stdout.trim();
    assert.match(fp, /^fp:[0-9a-f]{32}$/);

    const inventory = join(dir.path, 'inventory.yaml');
    writeFileSync(
      inventory,
      `identities:
  - id: checkout-token
    kind: token
    owner: { team: checkout, contact: checkout@example.com }
    class: customer_facing_production
    environment: production
    system: { connector: postgres, target: ${role.name} }
    lifetime: { kind: long_lived }
    secretFingerprints: [${fp}]
  - id: reports-key
    kind: api_key
    owner: { team: data }
    class: internal_batch
    environment: production
    system: { connector: redis, target: reports }
    lifetime: { kind: long_lived }
    dependents: [{ kind: identity, ref: checkout-token }, { kind: job, ref: nightly }]
`,
    );
    const imported = runWrit(['identity', 'import', inventory, '--as', 'user:ines'], env);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /2 created, 0 updated, 0 unchanged/);

    const list = runWrit(['identity', 'list'], env);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['checkout-token', 'reports-key']);

    const shown = runWrit(['identity', 'show', 'reports-key'], env);
    assert.equal(shown.status, 0, shown.stderr);
    const description = JSON.parse(shown.stdout) as { blastRadius: number; chain: { nodes: Array<{ key: string }> }; record: { identity: { id: string } } };
    assert.equal(description.record.identity.id, 'reports-key');
    assert.equal(description.blastRadius, 2);
    assert.deepEqual(description.chain.nodes.map((n) => n.key), ['identity:checkout-token', 'job:nightly']);

    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, `[{"RuleID": "x", "Secret": "${role.password}"`);
    const refused = runWrit(['finding', 'ingest', bad, '--format', 'gitleaks'], env);
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr.trim(), 'WRIT_INPUT_INVALID: gitleaks report: not valid JSON');
    const unknownFormat = runWrit(['finding', 'ingest', bad, '--format', 'nessus'], env);
    assert.notEqual(unknownFormat.status, 0);
    assert.match(unknownFormat.stderr, /--format must be one of gitleaks, trufflehog, github, anomaly, compromised/);

    const report = join(dir.path, 'gitleaks.json');
    writeFileSync(report, JSON.stringify([{ RuleID: 'postgres-dsn', Secret: role.password, File: 'deploy/.env', StartLine: 2 }]));
    const ingested = runWrit(['finding', 'ingest', report, '--format', 'gitleaks', '--run', '--location', 'https://github.com/example/public'], env);
    assert.equal(ingested.status, 0, ingested.stderr);
    const out = JSON.parse(ingested.stdout) as { findings: Array<{ status: string; strategy: string; caseId: string; proposed: Array<{ action: string; decision: string; actionId: string }> }>; jobsRun: number };
    assert.equal(out.findings[0]?.strategy, 'revoke_now');
    assert.equal(out.findings[0]?.proposed[0]?.decision, 'auto');
    assert.ok(out.jobsRun >= 1);
    assert.ok(!ingested.stdout.includes(role.password));
    const action = runWrit(['action', 'show', out.findings[0]!.proposed[0]!.actionId], env);
    assert.equal((JSON.parse(action.stdout) as { status: string }).status, 'executed', action.stdout);
    const login = await pgCanLogin(role.name, role.password, box.database);
    assert.equal(login.ok ? 'accepted' : login.code, '28000', 'the leaked token no longer logs in');
    assert.equal(await pgAdmin(async (c) => (await c.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role.name])).rows[0]!.rolcanlogin), false);

    const removed = runWrit(['identity', 'remove', 'reports-key', '--reason', 'replaced by workload identity'], env);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(runWrit(['identity', 'list'], env).stdout.trim().split('\n').length, 1);
    assert.match(runWrit(['identity', 'list', '--removed'], env).stdout, /reports-key.*REMOVED/);
  } finally {
    await box.cleanup();
    dir.remove();
  }
});
