import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isWritError } from '../../src/errors/index.ts';
import { PostgresRoleConnector, SignedWebhookConnector, scramVerifierAccepts } from '../../src/identity/index.ts';
import type { Fingerprinter } from '../../src/secrets/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ENGINES, withStore } from '../support/engines.ts';
import { databaseText, ledgerKinds, makeIdentityWorld, type IdentityWorld, type WorldOptions } from './response-world.ts';
import { PG_ADMIN_URL, pgAdmin, pgSandbox, storedVerifier } from './support.ts';

/*
 * Bad input and failing systems: a clear error or a routed case, and never a half-applied change.
 */

async function withWorld(engine: (typeof ENGINES)[number], options: WorldOptions, body: (store: Store, world: IdentityWorld) => Promise<void>): Promise<void> {
  await withStore(engine, async (store) => {
    const world = await makeIdentityWorld(store, options);
    try {
      await body(store, world);
    } finally {
      await world.dispose();
    }
  });
}

const none = () => ({});

function inventory(id: string, cls: string, connector: string, target: string, fp: string, extra = '', kind = 'token'): string {
  return `
identities:
  - id: ${id}
    kind: ${kind}
    owner: { team: platform, contact: platform@example.com }
    class: ${cls}
    environment: production
    system: { connector: ${connector}, target: ${target} }
    lifetime: { kind: long_lived }
    secretFingerprints: [${fp}]
${extra}`;
}

async function canLoginFlag(role: string): Promise<boolean> {
  return pgAdmin(async (c) => (await c.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role])).rows[0]!.rolcanlogin);
}

async function counts(store: Store): Promise<{ findings: number; cases: number; actions: number; ledger: number }> {
  const n = async (table: 'identity_findings' | 'cases' | 'actions' | 'ledger_entries') => Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { findings: await n('identity_findings'), cases: await n('cases'), actions: await n('actions'), ledger: await n('ledger_entries') };
}

for (const engine of ENGINES) {
  test(`${engine}: malformed scanner reports are refused whole, with one clear line that never quotes the secret, and change nothing`, async () => {
    await withWorld(engine, { systems: none }, async (store, world) => {
      const secret = `ghp_${randomBytes(18).toString('hex')}`;
      const before = await counts(store);
      const cases: Array<[string, string, RegExp]> = [
        ['gitleaks', `[{"RuleID": "x", "Secret": "${secret}", "File": "a"`, /^gitleaks report: not valid JSON$/],
        ['gitleaks', JSON.stringify({ leaks: [] }), /gitleaks report: expected a JSON array of leaks/],
        ['gitleaks', JSON.stringify([{ RuleID: 'aws', Secret: secret, File: 'ok.env' }, { RuleID: 'aws', Secret: secret }]), /^gitleaks report entry 2, field File: is required$/],
        ['gitleaks', JSON.stringify([{ RuleID: 'aws', Secret: 42, File: 'a' }]), /entry 1, field Secret: expected string/],
        ['trufflehog', `${JSON.stringify({ DetectorName: 'AWS', Verified: true, Raw: secret })}\n{"DetectorName": "AWS", "Verified": "yes", "Raw": "${secret}"}`, /^trufflehog output line 2, field Verified: expected boolean$/],
        ['trufflehog', `not json ${secret}`, /^trufflehog output line 1: not valid JSON$/],
        ['github', JSON.stringify({ action: 'created', alert: { number: 0, secret_type: 'x', secret }, repository: { full_name: 'a/b' } }), /GitHub secret scanning alert, field alert\.number: must be greater than 0/],
        ['github', JSON.stringify({ action: 'created', repository: { full_name: 'a/b' } }), /field alert: is required/],
        ['anomaly', JSON.stringify({ type: 'anomalous_use', reason: 'unusual_source', time: '2026-01-01T00:00:00Z', principal: {}, source: {} }), /field principal: must name identity_id, key_id, or name with system/],
        ['compromised', JSON.stringify({ type: 'compromised_token_use', time: 'yesterday', token: secret }), /compromised-token event, field time: /],
        ['nessus', '{}', /unknown finding format "nessus"/],
      ];
      for (const [format, body, expected] of cases) {
        await assert.rejects(world.response.ingest({ format, body, tenant: 'acme' }), (e) => {
          assert.ok(isWritError(e, 'WRIT_INPUT_INVALID'), `${format}: ${String(e)}`);
          assert.match(e.message, expected);
          assert.ok(!e.message.includes(secret), 'the error does not quote the secret');
          assert.ok(!e.message.includes('\n'));
          return true;
        });
      }
      assert.deepEqual(await counts(store), before, 'no finding, case, action or ledger entry for a refused report');
      assert.ok(!(await databaseText(store)).includes(secret));
    });
  });

  test(`${engine}: findings with unknown fields are accepted; the fields are listed by name and their values are kept nowhere`, async () => {
    await withWorld(engine, { systems: none }, async (store, world) => {
      const leaked = `xoxb-${randomBytes(12).toString('hex')}`;
      const stowaway = `stowaway-${randomBytes(12).toString('hex')}`;
      const [one] = await world.response.ingest({ format: 'trufflehog', tenant: 'acme', body: JSON.stringify({ DetectorName: 'Slack', Verified: false, Raw: leaked, SecretValue: stowaway, Newfangled: { token: stowaway } }) });
      const [two] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: JSON.stringify([{ RuleID: 'slack', Secret: `${leaked}-2`, File: 'a.env', Password: stowaway }]) });
      assert.ok(one && two);
      const rows = await store.db.selectFrom('identity_findings').select(['id', 'body']).execute();
      const ignored = rows.map((r) => (JSON.parse(r.body) as { unmapped?: { ignored_fields: string[] } }).unmapped?.ignored_fields);
      assert.deepEqual(ignored.sort(), [['Newfangled', 'SecretValue'], ['Password']].sort());
      assert.equal(one.status, 'routed', 'no identity holds this secret: an owner-less case');
      const text = await databaseText(store);
      assert.ok(!text.includes(stowaway), 'unknown fields are named, their values never stored');
      assert.ok(!text.includes(leaked));
      assert.ok((await ledgerKinds(store)).includes('identity.finding_received'));
    });
  });

  test(`${engine}: an unknown credential opens a case in the owner-less queue; a removed identity is said to no longer exist`, async () => {
    await withWorld(engine, { systems: none }, async (store, world) => {
      const [unknown] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: JSON.stringify([{ RuleID: 'aws', Secret: 'AKIA-not-ours-0123456789', File: 'x' }]) });
      assert.ok(unknown);
      assert.equal(unknown.strategy, 'owner_less_case');
      assert.equal(unknown.queue, 'owner_less');
      const kase = await world.kernel.cases.get(unknown.caseId!);
      assert.equal(kase.type, 'identity');
      assert.equal(kase.queue, 'owner_less');
      assert.deepEqual(await world.kernel.actions.forCase(kase.id), [], 'nothing to act on, nothing proposed');

      await world.response.identities.importText(inventory('legacy-batch', 'internal_batch', 'postgres', 'legacy_role', world.fingerprinter.of('legacy-secret')), 'inv.yaml', { tenant: 'acme', actor: 'user:ines' });
      await world.response.identities.remove('legacy-batch', { actor: 'user:ines', reason: 'decommissioned in Q3' });
      const [gone] = await world.response.ingest({ format: 'compromised', tenant: 'acme', body: JSON.stringify({ type: 'compromised_token_use', time: '2026-11-20T10:00:00Z', principal: { identity_id: 'legacy-batch' }, source: { ip: '203.0.113.9' } }) });
      assert.ok(gone);
      assert.equal(gone.status, 'routed');
      assert.equal(gone.queue, 'owner_less');
      assert.match(gone.reason, /names identity legacy-batch, which no longer exists: it was removed from the inventory at .* \(decommissioned in Q3\)/);
      const goneCase = await world.kernel.cases.get(gone.caseId!);
      assert.equal(goneCase.queue, 'owner_less');
      assert.match(JSON.stringify(goneCase.facts), /no longer exists/);
      assert.deepEqual(await world.kernel.actions.forCase(goneCase.id), []);
      assert.equal((await store.db.selectFrom('identity_findings').select('match_status').where('case_id', '=', goneCase.id).executeTakeFirstOrThrow()).match_status, 'identity_missing');
    });
  });

  test(`${engine}: a repeated finding of the same secret joins the open response instead of starting another`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: (fp) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter: fp, probe: { database: box.database } }) }) }, async (store, world) => {
        const role = await box.createRole();
        await world.response.identities.importText(inventory('ci-deploy-token', 'ci_cd', 'postgres', role.name, world.fingerprinter.of(role.password)), 'inv.yaml', { tenant: 'acme', actor: 'user:ines' });
        const report = (file: string) => JSON.stringify([{ RuleID: 'generic-api-key', Secret: role.password, File: file, StartLine: 1 }]);
        const [first] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: report('a.env') });
        const [again] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: report('a.env') });
        const [elsewhere] = await world.response.ingest({ format: 'trufflehog', tenant: 'acme', body: JSON.stringify({ DetectorName: 'Postgres', Verified: true, Raw: role.password, SourceMetadata: { Data: { Github: { repository: 'https://github.com/example/other', file: 'b.env' } } } }) });
        assert.ok(first && again && elsewhere);
        assert.equal(first.status, 'responding');
        assert.equal(again.status, 'duplicate');
        assert.equal(elsewhere.status, 'duplicate', 'the same secret found by another scanner in another repository is the same response');
        assert.equal(again.caseId, first.caseId);
        assert.equal(elsewhere.planId, first.planId);
        assert.equal((await store.db.selectFrom('cases').selectAll().execute()).length, 1);
        assert.equal((await world.kernel.actions.forCase(first.caseId!)).filter((a) => a.type === 'revoke_token').length, 1, 'one revoke, not three');
        assert.equal((await store.db.selectFrom('identity_findings').select('repeats').executeTakeFirstOrThrow()).repeats, 3);
        assert.equal((await ledgerKinds(store)).filter((k) => k === 'identity.finding_repeated').length, 2);
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: an identity removed between proposal and execution: the action fails saying so, nothing changes, the case goes to an analyst`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: (fp) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter: fp, probe: { database: box.database } }) }) }, async (store, world) => {
        const role = await box.createRole();
        await world.response.identities.importText(inventory('ci-deploy-token', 'ci_cd', 'postgres', role.name, world.fingerprinter.of(role.password)), 'inv.yaml', { tenant: 'acme', actor: 'user:ines' });
        const [outcome] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: JSON.stringify([{ RuleID: 'k', Secret: role.password, File: 'a' }]) });
        const step = outcome!.proposed.find((p) => p.action === 'revoke_token')!;
        assert.equal(step.decision, 'approve', 'a CI/CD token is revoked on one approval');
        await world.response.identities.remove('ci-deploy-token', { actor: 'user:ines', reason: 'moved to OIDC federation' });
        await world.kernel.actions.approve(step.actionId, 'user:ana', (await world.kernel.actions.get(step.actionId)).actionHash);
        await world.drain();
        const failed = await world.kernel.actions.get(step.actionId);
        assert.equal(failed.status, 'failed');
        assert.match(failed.error ?? '', /identity ci-deploy-token no longer exists: it was removed from the inventory .*moved to OIDC federation.*; nothing was changed/);
        assert.equal(await canLoginFlag(role.name), true, 'nothing was changed');
        await world.later(10_000);
        const { plan } = await world.response.plan(outcome!.planId!);
        assert.equal(plan.status, 'stalled');
        assert.match(plan.note ?? '', /no longer exists/);
        assert.equal((await world.kernel.cases.get(outcome!.caseId!)).queue, 'analyst', 'routed (a governed route_case) to an analyst');
        assert.ok((await ledgerKinds(store)).includes('identity.plan_stalled'));
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: a rotation that times out leaves the old credential working, says so, and routes the case`, async () => {
    const box = await pgSandbox();
    const blocker = new pg.Client({ connectionString: PG_ADMIN_URL });
    await blocker.connect();
    try {
      await withWorld(
        engine,
        { systems: (fp) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter: fp, probe: { database: box.database }, lockTimeoutMs: 300 }) }) },
        async (store, world) => {
          const role = await box.createRole();
          await world.response.identities.importText(
            inventory('orders-db-token', 'customer_facing_production', 'postgres', role.name, world.fingerprinter.of(role.password), '    dependents: [{ kind: job, ref: order-sync }]\n', 'api_key'),
            'inv.yaml',
            { tenant: 'acme', actor: 'user:ines' },
          );
          const [outcome] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: JSON.stringify([{ RuleID: 'k', Secret: role.password, File: 'a' }]) });
          assert.equal(outcome!.strategy, 'coordinated_rotation');
          const step = outcome!.proposed.find((p) => p.action === 'rotate_secret')!;
          // Another session holds the role's row: ALTER ROLE waits, then gives up at lock_timeout.
          await blocker.query('BEGIN');
          await blocker.query(`ALTER ROLE ${pg.escapeIdentifier(role.name)} CONNECTION LIMIT 5`);
          await world.kernel.actions.approve(step.actionId, 'user:ana', (await world.kernel.actions.get(step.actionId)).actionHash);
          await world.drain();
          await world.later(10_000);
          await world.later(10_000);
          const failed = await world.kernel.actions.get(step.actionId);
          assert.equal(failed.status, 'failed');
          assert.match(failed.error ?? '', /rotate_password on role .* failed \(55P03: .*\); nothing changed: the old password still works \(read back\)/);
          const attempts = (await ledgerKinds(store, { action: step.actionId })).filter((k) => k === 'action.attempt_failed' || k === 'action.failed');
          assert.deepEqual(attempts, ['action.attempt_failed', 'action.attempt_failed', 'action.failed'], 'retried as transient, then failed for good');
          await blocker.query('ROLLBACK');
          assert.equal(scramVerifierAccepts(await storedVerifier(role.name), role.password), true, 'the old credential still works');
          assert.equal(world.sink.count('orders-db-token'), 0, 'no new secret was issued');
          // The plan's next look (its poll) sees the failure; look now rather than wait for it.
          await world.response.advance(outcome!.planId!);
          await world.drain();
          const { plan } = await world.response.plan(outcome!.planId!);
          assert.equal(plan.status, 'stalled');
          assert.equal((await world.kernel.cases.get(outcome!.caseId!)).queue, 'analyst');
        },
      );
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
      await box.cleanup();
    }
  });

  test(`${engine}: a webhook receiver that never answers: the revoke fails as unknown-outcome after retries and the case is routed`, async () => {
    let calls = 0;
    const ids = new Set<string>();
    const silent: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        calls += 1;
        ids.add(String((init?.headers as Record<string, string>)['webhook-id']));
        // AbortSignal.timeout's timer does not hold the process open; this one does, until the abort.
        const hold = setTimeout(() => {}, 10_000);
        init?.signal?.addEventListener('abort', () => {
          clearTimeout(hold);
          reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
        });
      });
    const systems = (_fp: Fingerprinter) => ({ webhook: new SignedWebhookConnector({ url: 'https://iam.example.test/hooks/writ', secret: `whsec_${randomBytes(24).toString('base64')}`, timeoutMs: 50, fetch: silent }) });
    await withWorld(engine, { systems }, async (store, world) => {
      await world.response.identities.importText(inventory('partner-portal-key', 'customer_facing_production', 'webhook', 'acct-991', world.fingerprinter.of('portal-secret-value')), 'inv.yaml', { tenant: 'acme', actor: 'user:ines' });
      const [outcome] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: JSON.stringify([{ RuleID: 'k', Secret: 'portal-secret-value', File: 'a' }]) });
      const step = outcome!.proposed.find((p) => p.action === 'revoke_token')!;
      assert.equal(step.decision, 'auto');
      await world.drain();
      await world.later(10_000);
      await world.later(10_000);
      const failed = await world.kernel.actions.get(step.actionId);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /timed out after 50 ms; whether the receiver acted is unknown/);
      assert.equal(calls, 3, 'three attempts');
      assert.equal(ids.size, 1, 'each with the same webhook-id, so the receiver can deduplicate');
      await world.response.advance(outcome!.planId!);
      await world.drain();
      assert.equal((await world.response.plan(outcome!.planId!)).plan.status, 'stalled');
      assert.equal((await world.kernel.cases.get(outcome!.caseId!)).queue, 'analyst');
      assert.ok((await ledgerKinds(store)).includes('action.failed'));
    });
  });
}
