import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isWritError } from '../../src/errors/index.ts';
import { IdentityStore } from '../../src/identity/index.ts';
import { verifyStore } from '../../src/ledger/index.ts';
import { Fingerprinter } from '../../src/secrets/index.ts';
import { ENGINES, withStore } from '../support/engines.ts';
import { makeLedger } from '../support/ledger.ts';

const fp = new Fingerprinter(randomBytes(32));
const SECRET = `sk_live_${randomBytes(16).toString('hex')}`;

const YAML = `
identities:
  - id: svc-billing-db
    kind: database_role
    owner: { team: payments, contact: payments@example.com }
    class: customer_facing_production
    environment: production
    system: { connector: postgres, target: billing_app }
    lifetime: { kind: long_lived }
    dependents:
      - { kind: job, ref: invoice-run }
      - { kind: identity, ref: svc-reporting }
    keyIds: [billing-key-1]
    secretFingerprints: [${fp.of(SECRET)}]
  - id: svc-reporting
    kind: service_account
    owner: { team: data }
    class: internal_batch
    environment: production
    system: { connector: redis, target: reporting }
    lifetime: { kind: long_lived }
    dependents: [{ kind: pipeline, ref: dashboards }, { kind: identity, ref: svc-billing-db }]
`;

const CSV = `id,kind,ownerTeam,ownerContact,class,environment,systemConnector,systemTarget,lifetime,maxTtl,recoveryTime,dependents,keyIds,secretFingerprints
ci-deploy,token,platform,,ci_cd,production,webhook,deploy-bot,ephemeral,1h,,job:deploy,ci-key-7,
`;

for (const engine of ENGINES) {
  test(`${engine}: the inventory is stored with its fingerprint index; re-imports count changes; removal leaves a tombstone`, async () => {
    await withStore(engine, async (store) => {
      let t = Date.UTC(2026, 10, 22, 9);
      const { ledger, key } = makeLedger(store);
      const identities = new IdentityStore(store, ledger, fp, { now: () => t });
      const first = await identities.importText(YAML, 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' });
      assert.deepEqual(first, { created: ['svc-billing-db', 'svc-reporting'], updated: [], unchanged: [] });
      assert.deepEqual((await identities.importText(CSV, 'more.csv', { tenant: 'acme', actor: 'user:ines' })).created, ['ci-deploy']);
      assert.deepEqual(await identities.importText(YAML, 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' }), { created: [], updated: [], unchanged: ['svc-billing-db', 'svc-reporting'] });
      const changed = YAML.replace('owner: { team: data }', 'owner: { team: analytics }');
      assert.deepEqual((await identities.importText(changed, 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' })).updated, ['svc-reporting']);

      // The index, in the database: a fingerprint and a key id each find their identity.
      assert.deepEqual(await identities.lookup(fp.of(SECRET)), [{ identityId: 'svc-billing-db', by: 'fp' }]);
      assert.deepEqual(await identities.lookup('ci-key-7'), [{ identityId: 'ci-deploy', by: 'key_id' }]);
      const inventory = await identities.inventory('acme');
      assert.deepEqual(inventory.index.lookupSecret(SECRET), ['svc-billing-db']);
      assert.equal(await identities.inventory('acme'), inventory, 'unchanged inventory: the cached one');
      assert.equal((await identities.inventory('other')).size, 0, 'tenants do not see each other');

      // Dependency chain, blast radius and reverse dependencies, with the cycle walked once.
      const described = await identities.describe('svc-billing-db');
      assert.equal(described.blastRadius, 3);
      assert.deepEqual(described.chain?.nodes.map((n) => n.key), ['job:invoice-run', 'identity:svc-reporting', 'pipeline:dashboards']);
      assert.equal(described.chain?.cycles.length, 1);
      assert.deepEqual(described.dependedOnBy, ['svc-reporting']);

      await assert.rejects(identities.importText(YAML, 'inventory.yaml', { tenant: 'globex', actor: 'user:x' }), (e) => isWritError(e, 'WRIT_CONFLICT') && /belongs to tenant acme/.test(e.message));
      await assert.rejects(identities.put({ id: 'x', kind: 'api_key' }, { tenant: 'acme', actor: 'user:x' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID') && /field owner: is required/.test(e.message));
      await assert.rejects(identities.importText(YAML.replace(fp.of(SECRET), SECRET), 'bad.yaml', { tenant: 'acme', actor: 'user:x' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID') && !e.message.includes(SECRET));

      t += 1000;
      await assert.rejects(identities.remove('svc-billing-db', { actor: 'user:ines', reason: ' ' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      const removed = await identities.remove('svc-billing-db', { actor: 'user:ines', reason: 'migrated to IAM auth' });
      assert.equal(removed.deletedAt, t);
      assert.equal(await identities.get('svc-billing-db'), undefined);
      assert.equal((await identities.record('svc-billing-db'))?.deletedReason, 'migrated to IAM auth');
      assert.deepEqual(await identities.lookup(fp.of(SECRET)), [], 'a removed identity leaves the index');
      assert.equal((await identities.inventory('acme')).get('svc-billing-db'), undefined, 'the cached inventory was rebuilt');
      assert.deepEqual((await identities.list({ tenant: 'acme' })).map((r) => r.identity.id), ['ci-deploy', 'svc-reporting']);
      assert.equal((await identities.list({ tenant: 'acme', includeRemoved: true })).length, 3);
      await assert.rejects(identities.remove('svc-billing-db', { actor: 'user:ines', reason: 'again' }), (e) => isWritError(e, 'WRIT_NOT_FOUND'));
      // Re-importing brings it back.
      assert.deepEqual((await identities.importText(YAML, 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' })).updated, ['svc-billing-db', 'svc-reporting']);
      assert.equal((await identities.get('svc-billing-db'))?.id, 'svc-billing-db');

      const kinds = (await store.db.selectFrom('ledger_entries').select('kind').execute()).map((r) => r.kind);
      assert.equal(kinds.filter((k) => k === 'identity.inventory_imported').length, 4, 'every import that changed something, and none that did not');
      assert.ok(kinds.includes('identity.removed'));
      assert.equal((await verifyStore(store, key)).entries, 5, 'four imports and a removal, all verifying');
      const everything = JSON.stringify(await store.db.selectFrom('identities').selectAll().execute()) + JSON.stringify(await store.db.selectFrom('ledger_entries').selectAll().execute());
      assert.ok(!everything.includes(SECRET));
    });
  });

  test(`${engine}: authentication events are attributed and kept; rotations move fingerprints and lastRotatedAt`, async () => {
    await withStore(engine, async (store) => {
      const { ledger } = makeLedger(store);
      const identities = new IdentityStore(store, ledger, fp, { now: () => Date.UTC(2026, 10, 22, 9) });
      await identities.importText(YAML, 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' });
      const base = Date.UTC(2026, 10, 20);
      const { stored, attributed } = await identities.recordAuthEvents(
        [
          { time: base, identityId: 'svc-billing-db', outcome: 'success', source: { ip: '10.0.0.1' } },
          { time: base + 2000, keyId: 'billing-key-1', outcome: 'success', source: { ip: '10.0.0.2' } },
          { time: base + 1000, system: 'redis', principal: 'reporting', outcome: 'failure', source: {} },
          { time: base + 3000, system: 'postgres', principal: 'nobody', outcome: 'success', source: {} },
        ],
        'acme',
      );
      assert.equal(stored, 4);
      assert.deepEqual(attributed, ['svc-billing-db', 'svc-billing-db', 'svc-reporting', undefined]);
      const recent = await identities.recentAuth('svc-billing-db');
      assert.deepEqual(recent.map((e) => e.source.ip), ['10.0.0.2', '10.0.0.1'], 'newest first');
      assert.equal((await identities.recentAuth('svc-billing-db', { sinceMs: base + 1 })).length, 1);

      const next = fp.of('the-new-secret');
      await store.transaction((trx) => identities.recordRotation(trx, 'svc-billing-db', { addFingerprint: next, removeFingerprints: [fp.of(SECRET)], at: base, actor: 'connector:identity' }));
      await ledger.afterCommit();
      const rotated = await identities.get('svc-billing-db');
      assert.deepEqual(rotated?.secretFingerprints, [next]);
      assert.equal(rotated?.lastRotatedAt, new Date(base).toISOString());
      assert.deepEqual(await identities.lookup(fp.of(SECRET)), []);
      assert.deepEqual((await identities.inventory('acme')).index.lookupFingerprint(next), ['svc-billing-db']);
    });
  });
}
