import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../../errors/index.ts';
import { importInventory, importInventoryCsv, importInventoryYaml } from './inventory-import.ts';

const FP_A = 'fp:0123456789abcdef0123456789abcdef';
const FP_B = 'fp:fedcba9876543210fedcba9876543210';

const YAML = `
identities:
  - id: svc-billing-db
    name: Billing database role
    kind: database_role
    owner: { team: payments, contact: payments-oncall@example.com }
    class: customer_facing_production
    environment: production
    system: { connector: postgres, target: billing_app }
    lifetime: { kind: long_lived }
    lastRotatedAt: 2025-01-10T08:00:00Z
    recoveryTime: 15m
    dependents:
      - { kind: job, ref: invoice-run, name: Nightly invoices }
      - { kind: identity, ref: svc-reporting }
    keyIds: [billing-key-1]
    secretFingerprints: [${FP_A}]
  - id: ci-deploy-token
    kind: token
    owner: { team: platform }
    class: ci_cd
    environment: production
    system: { connector: webhook, target: deploy-bot }
    lifetime: { kind: ephemeral, maxTtl: PT1H }
`;

function expectInvalid(run: () => unknown, pattern: RegExp): string {
  try {
    run();
  } catch (error) {
    assert.ok(isWritError(error, 'WRIT_INPUT_INVALID'), `expected WRIT_INPUT_INVALID, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'error is one line');
    return error.message;
  }
  assert.fail('expected an error');
}

test('YAML inventory: parses identities, normalises durations and defaults', () => {
  const [billing, ci] = importInventoryYaml(YAML);
  assert.ok(billing && ci);
  assert.equal(billing.id, 'svc-billing-db');
  assert.equal(billing.recoveryTimeSeconds, 900);
  assert.equal(billing.lifetime.maxTtlSeconds, null);
  assert.deepEqual(billing.owner, { team: 'payments', contact: 'payments-oncall@example.com' });
  assert.deepEqual(billing.dependents[0], { kind: 'job', ref: 'invoice-run', name: 'Nightly invoices' });
  assert.deepEqual(billing.secretFingerprints, [FP_A]);
  assert.equal(ci.name, 'ci-deploy-token');
  assert.equal(ci.lifetime.maxTtlSeconds, 3600);
  assert.deepEqual(ci.dependents, []);
  assert.equal(ci.lastRotatedAt, null);
});

test('YAML inventory: a plain list works too, and an empty document is no identities', () => {
  assert.equal(importInventoryYaml(`- id: a\n  kind: api_key\n  owner: {team: t}\n  class: internal_batch\n  environment: dev\n  system: {connector: redis, target: a}\n  lifetime: {kind: long_lived}\n`).length, 1);
  assert.deepEqual(importInventoryYaml(''), []);
});

test('YAML inventory errors name the entry, its line and the field', () => {
  const bad = YAML.replace('class: ci_cd', 'class: pipeline');
  expectInvalid(() => importInventoryYaml(bad, { source: 'inv.yaml' }), /^inv\.yaml entry 2 \(line 18\), field class: must be one of: customer_facing_production, /);
  expectInvalid(() => importInventoryYaml(YAML.replace('owner: { team: platform }', 'owner: {}')), /entry 2 .*field owner\.team: is required/);
  expectInvalid(() => importInventoryYaml(YAML.replace('maxTtl: PT1H', 'note: x')), /entry 2 .*field lifetime(\.maxTtl)?: /);
  expectInvalid(() => importInventoryYaml(YAML.replace('recoveryTime: 15m', 'recoveryTime: soon')), /entry 1 .*field recoveryTime: must be a duration/);
  expectInvalid(() => importInventoryYaml(YAML.replace('id: ci-deploy-token', 'id: svc-billing-db')), /entry 2 .*field id: repeats the id of entry 1/);
  expectInvalid(() => importInventoryYaml(YAML.replace('keyIds:', 'keyId:')), /entry 1 .*has unknown field\(s\): keyId/);
  expectInvalid(() => importInventoryYaml('identities: [a: b: c'), /YAML syntax error \(\w+\) at line 1, column \d+$/);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) bomb.push(`l${i}: &l${i} [${Array(9).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
  expectInvalid(() => importInventoryYaml(`${bomb.join('\n')}\nidentities: [*l7]\n`), /too many YAML aliases$/);
});

test('a raw secret where a fingerprint belongs is refused without echoing it', () => {
  const secret = 'AKIAEXAMPLESECRETVALUE1234567890';
  const message = expectInvalid(
    () => importInventoryYaml(YAML.replace(`secretFingerprints: [${FP_A}]`, `secretFingerprints: [${secret}]`)),
    /field secretFingerprints\[0\]: has an invalid format/,
  );
  assert.ok(!message.includes(secret));
});

const CSV_HEADER = 'id,kind,ownerTeam,ownerContact,class,environment,systemConnector,systemTarget,lifetime,maxTtl,recoveryTime,dependents,keyIds,secretFingerprints';

test('CSV inventory: list cells and dependents', () => {
  const csv = `${CSV_HEADER}\nbatch-etl,service_account,data,data@example.com,internal_batch,production,postgres,etl,long_lived,,4h,"job:nightly-etl; pipeline:reports",k1;k2,${FP_A};${FP_B}\n`;
  const [etl] = importInventoryCsv(csv);
  assert.ok(etl);
  assert.deepEqual(etl.dependents, [{ kind: 'job', ref: 'nightly-etl' }, { kind: 'pipeline', ref: 'reports' }]);
  assert.deepEqual(etl.keyIds, ['k1', 'k2']);
  assert.deepEqual(etl.secretFingerprints, [FP_A, FP_B]);
  assert.equal(etl.recoveryTimeSeconds, 14_400);
  assert.equal(importInventory(csv, 'x.CSV').length, 1);
});

test('CSV inventory errors name the row, its line and the column', () => {
  const good = 'a,api_key,t,,internal_batch,dev,redis,a,long_lived,,,,,';
  expectInvalid(() => importInventoryCsv(`${CSV_HEADER}\n${good}\nb,api_key,,,internal_batch,dev,redis,b,long_lived,,,,,\n`, { source: 'inv.csv' }), /^inv\.csv row 2 \(line 3\), field ownerTeam: is required$/);
  expectInvalid(() => importInventoryCsv(`${CSV_HEADER}\nb,api_key,t,,internal_batch,dev,redis,b,ephemeral,,,,,\n`), /row 1 .*field maxTtl: is required for an ephemeral identity/);
  expectInvalid(() => importInventoryCsv(`${CSV_HEADER}\nb,api_key,t,,internal_batch,dev,redis,b,long_lived,,,jobnightly,,\n`), /row 1 .*field dependents: item 1 must read kind:ref/);
  expectInvalid(() => importInventoryCsv(`${CSV_HEADER}\nb,api_key,t,,internal_batch,dev,redis,b,long_lived,,,robot:x,,\n`), /row 1 .*field dependents: must be one of: job/);
  expectInvalid(() => importInventoryCsv(`${CSV_HEADER},secretFingerprint\n${good},x\n`), /header: unknown column "secretFingerprint"/);
  expectInvalid(() => importInventoryCsv(`id,kind\na,api_key\n`), /header: missing column "ownerTeam"/);
  expectInvalid(() => importInventoryCsv(`${CSV_HEADER}\n${good}\n"unterminated,x\n`), /CSV syntax error \(\w+\)/);
  expectInvalid(() => importInventory('', 'inventory.json'), /unknown inventory format/);
});
