import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Fingerprinter } from '../../secrets/index.ts';
import { isWritError, WritError } from '../../errors/index.ts';
import { parseGitleaksReport } from './gitleaks-parser.ts';
import { parseTrufflehogJsonl } from './trufflehog-parser.ts';
import { parseGithubSecretScanningAlert, verifyGithubWebhookSignature } from './github-secret-scanning.ts';
import { createHmac } from 'node:crypto';

const fingerprinter = new Fingerprinter(randomBytes(32));
const ctx = { fingerprinter, now: () => new Date('2025-03-01T12:00:00Z') };

/** Our own fixture, in the shape gitleaks 8 writes with `--report-format json`. */
function gitleaksLeak(secret: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RuleID: 'stripe-access-token',
    Description: 'Stripe Access Token',
    StartLine: 12,
    EndLine: 12,
    StartColumn: 18,
    EndColumn: 50,
    Match: `STRIPE_KEY = "${secret}"`,
    Secret: secret,
    File: 'config/payments.py',
    SymlinkFile: '',
    Commit: '3f9c2a7d1e5b4c6a8f0d2e4b6c8a0f1e3d5b7c9a',
    Entropy: 4.52,
    Author: 'Dev Eloper',
    Email: 'dev@example.com',
    Date: '2025-02-27T09:15:00Z',
    Message: 'add payment config',
    Tags: [],
    Fingerprint: '3f9c2a7d1e5b4c6a8f0d2e4b6c8a0f1e3d5b7c9a:config/payments.py:stripe-access-token:12',
    ...extra,
  };
}

function expectInvalid(run: () => unknown, pattern: RegExp): WritError {
  try {
    run();
  } catch (error) {
    assert.ok(isWritError(error, 'WRIT_INPUT_INVALID'), String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'));
    return error;
  }
  assert.fail('expected WRIT_INPUT_INVALID');
}

test('gitleaks: a leak becomes a Detection Finding with the secret fingerprinted and dropped', () => {
  const secret = `sk_live_${randomBytes(12).toString('hex')}`;
  const [f] = parseGitleaksReport(JSON.stringify([gitleaksLeak(secret)]), { ...ctx, location: 'https://git.example.com/shop' });
  assert.ok(f);
  assert.equal(f.class_uid, 2004);
  assert.equal(f.category_uid, 2);
  assert.equal(f.type_uid, 200401);
  assert.equal(f.severity, 'High');
  assert.equal(f.status, 'New');
  assert.deepEqual(f.writ.credential.fingerprints, [fingerprinter.of(secret)]);
  assert.equal(f.writ.secretWithheld, false);
  assert.equal(f.writ.verified, false);
  assert.equal(f.finding_info.analytic?.name, 'stripe-access-token');
  assert.equal(f.finding_info.src_url, 'https://git.example.com/shop');
  assert.equal(f.metadata.uid, '3f9c2a7d1e5b4c6a8f0d2e4b6c8a0f1e3d5b7c9a:config/payments.py:stripe-access-token:12');
  assert.deepEqual(f.evidences[0]?.data, { file: 'config/payments.py', line: 12, commit: '3f9c2a7d1e5b4c6a8f0d2e4b6c8a0f1e3d5b7c9a', end_line: 12, entropy: 4.52 });
  const text = JSON.stringify(f);
  assert.ok(!text.includes(secret), 'no raw secret in the finding');
  assert.ok(!text.includes('add payment config'), 'commit message not kept');
  // The same report parsed twice gives the same uid (dedup across re-deliveries).
  assert.equal(parseGitleaksReport(JSON.stringify([gitleaksLeak(secret)]), ctx)[0]?.finding_info.uid, f.finding_info.uid);
});

test('gitleaks: clean reports, redacted secrets and unknown fields', () => {
  assert.deepEqual(parseGitleaksReport('[]', ctx), []);
  assert.deepEqual(parseGitleaksReport('null', ctx), []);
  const [redacted] = parseGitleaksReport(JSON.stringify([gitleaksLeak('REDACTED')]), ctx);
  assert.equal(redacted?.writ.secretWithheld, true);
  assert.deepEqual(redacted?.writ.credential.fingerprints, []);
  const [extra] = parseGitleaksReport(JSON.stringify([gitleaksLeak('abc123', { Link: 'https://x/y#L12', FutureField: { nested: 'sk_live_zzz' } })]), ctx);
  assert.deepEqual(extra?.unmapped, { ignored_fields: ['FutureField'] });
  assert.equal(extra?.finding_info.src_url, 'https://x/y#L12');
  assert.ok(!JSON.stringify(extra).includes('sk_live_zzz'), 'unknown values are not kept');
});

test('gitleaks: malformed reports are one-line errors naming entry and field, never the secret', () => {
  expectInvalid(() => parseGitleaksReport('{"RuleID":', ctx), /^gitleaks report: not valid JSON$/);
  expectInvalid(() => parseGitleaksReport('{}', ctx), /^gitleaks report: expected a JSON array of leaks$/);
  const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const e = expectInvalid(
    () => parseGitleaksReport(JSON.stringify([gitleaksLeak('x'), gitleaksLeak(secret, { StartLine: 'twelve' })]), ctx),
    /^gitleaks report entry 2, field StartLine: expected number$/,
  );
  assert.ok(!e.message.includes(secret));
  expectInvalid(() => parseGitleaksReport(JSON.stringify([{ ...gitleaksLeak('x'), Secret: undefined }]), ctx), /entry 1, field Secret: is required/);
});

test('trufflehog: JSON lines, verified and unverified, log lines skipped', () => {
  const keyId = 'AKIAIOSFODNN7EXAMPLE';
  const awsSecret = `wJalrXUtnFEMI/K7MDENG/${randomBytes(8).toString('hex')}`;
  const lines = [
    JSON.stringify({ level: 'info-0', ts: '2025-03-01T11:59:00Z', logger: 'trufflehog', msg: 'running source' }),
    JSON.stringify({
      SourceMetadata: { Data: { Git: { commit: 'abc123', file: 'deploy/.env', email: 'ops <ops@example.com>', repository: 'https://github.com/example/infra.git', timestamp: '2025-02-28 10:00:00 +0000', line: 3 } } },
      SourceID: 1,
      SourceType: 16,
      SourceName: 'trufflehog - git',
      DetectorType: 2,
      DetectorName: 'AWS',
      DecoderName: 'PLAIN',
      Verified: true,
      Raw: keyId,
      RawV2: `${keyId}:${awsSecret}`,
      Redacted: keyId,
      ExtraData: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/ci', secret_hint: awsSecret },
      StructuredData: null,
    }),
    '',
    JSON.stringify({ SourceMetadata: null, DetectorName: 'Slack', Verified: false, Raw: 'xoxb-not-really', Redacted: 'xoxb-****', NewThing: 1 }),
  ].join('\n');
  const [aws, slack] = parseTrufflehogJsonl(lines, ctx);
  assert.ok(aws && slack);
  assert.equal(aws.writ.verified, true);
  assert.equal(aws.severity, 'Critical');
  assert.equal(aws.confidence_score, 95);
  assert.deepEqual(aws.writ.credential.keyIds, [keyId]);
  assert.deepEqual(aws.writ.credential.fingerprints, [fingerprinter.of(keyId), fingerprinter.of(`${keyId}:${awsSecret}`)]);
  assert.deepEqual(aws.resources.map((r) => r.type), ['repository', 'file']);
  assert.ok(!JSON.stringify(aws).includes(awsSecret), 'neither RawV2 nor ExtraData leak the secret');
  assert.equal(slack.writ.verified, false);
  assert.deepEqual(slack.writ.credential.keyIds, [], 'a masked Redacted value is no key id');
  assert.deepEqual(slack.unmapped, { ignored_fields: ['NewThing'] });
});

test('trufflehog: a malformed line names its line number', () => {
  expectInvalid(() => parseTrufflehogJsonl('{"DetectorName":"AWS","Verified":true,"Raw":"x"}\n{oops', ctx), /^trufflehog output line 2: not valid JSON$/);
  expectInvalid(() => parseTrufflehogJsonl('\n{"DetectorName":"AWS","Verified":"yes","Raw":"x"}', ctx), /^trufflehog output line 2, field Verified: expected boolean$/);
  expectInvalid(() => parseTrufflehogJsonl('[1]', ctx), /line 1: expected a JSON object/);
});

/** Our own fixture, in the documented `secret_scanning_alert` webhook shape. */
function githubAlert(action: string, alert: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action,
    alert: {
      number: 42,
      created_at: '2025-02-28T10:00:00Z',
      updated_at: '2025-02-28T10:05:00Z',
      url: 'https://api.github.com/repos/example/shop/secret-scanning/alerts/42',
      html_url: 'https://github.com/example/shop/security/secret-scanning/42',
      locations_url: 'https://api.github.com/repos/example/shop/secret-scanning/alerts/42/locations',
      resolution: null,
      resolved_at: null,
      resolved_by: null,
      resolution_comment: null,
      secret_type: 'stripe_api_key',
      secret_type_display_name: 'Stripe API Key',
      validity: 'active',
      push_protection_bypassed: false,
      publicly_leaked: true,
      multi_repo: false,
      ...alert,
    },
    repository: { id: 1296269, full_name: 'example/shop', private: false, html_url: 'https://github.com/example/shop' },
    organization: { login: 'example' },
    sender: { login: 'github', id: 9919 },
    installation: { id: 1 },
  };
}

test('GitHub secret scanning: created and resolved map to the same finding uid', () => {
  const created = parseGithubSecretScanningAlert(JSON.stringify(githubAlert('created')), ctx);
  assert.equal(created.activity_name, 'Create');
  assert.equal(created.severity, 'Critical');
  assert.equal(created.writ.verified, true);
  assert.equal(created.writ.secretWithheld, true, 'webhooks carry no secret');
  assert.equal(created.metadata.uid, 'example/shop#42');
  assert.equal(created.time, Date.parse('2025-02-28T10:05:00Z'));
  assert.deepEqual(created.unmapped, { ignored_fields: ['installation'] });
  const resolved = parseGithubSecretScanningAlert(githubAlert('resolved', { resolution: 'revoked', resolved_at: '2025-02-28T11:00:00Z' }), ctx);
  assert.equal(resolved.finding_info.uid, created.finding_info.uid);
  assert.equal(resolved.activity_id, 3);
  assert.equal(resolved.status, 'Resolved');
  const inactive = parseGithubSecretScanningAlert(githubAlert('validated', { validity: 'inactive' }), ctx);
  assert.equal(inactive.severity, 'Low');
});

test('GitHub secret scanning: a merged REST alert secret is fingerprinted; bad payloads are refused', () => {
  const secret = `sk_live_${randomBytes(12).toString('hex')}`;
  const f = parseGithubSecretScanningAlert(githubAlert('created', { secret }), ctx);
  assert.deepEqual(f.writ.credential.fingerprints, [fingerprinter.of(secret)]);
  assert.ok(!JSON.stringify(f).includes(secret));
  expectInvalid(() => parseGithubSecretScanningAlert({ action: 'created', alert: { number: 1 }, repository: { full_name: 'a/b' } }, ctx), /^GitHub secret scanning alert, field alert\.secret_type: is required$/);
  expectInvalid(() => parseGithubSecretScanningAlert('not json', ctx), /not valid JSON/);
});

test('GitHub webhook signature (X-Hub-Signature-256) is checked over the raw body', () => {
  const body = JSON.stringify(githubAlert('created'));
  const header = `sha256=${createHmac('sha256', 'hook-secret').update(body).digest('hex')}`;
  assert.equal(verifyGithubWebhookSignature(body, header, 'hook-secret'), true);
  assert.equal(verifyGithubWebhookSignature(`${body} `, header, 'hook-secret'), false);
  assert.equal(verifyGithubWebhookSignature(body, header, 'other'), false);
  assert.equal(verifyGithubWebhookSignature(body, undefined, 'hook-secret'), false);
});

test('property: no parser output or error ever contains the raw secret', () => {
  const secretArb = fc.string({ minLength: 12, maxLength: 60, unit: 'grapheme-ascii' }).filter((s) => s.trim().length >= 12 && !s.endsWith('...'));
  fc.assert(
    fc.property(secretArb, fc.boolean(), (secret, breakIt) => {
      const leak = gitleaksLeak(secret, breakIt ? { EndLine: secret } : {});
      const outputs: string[] = [];
      for (const run of [
        () => parseGitleaksReport(JSON.stringify([leak]), ctx),
        () => parseTrufflehogJsonl(JSON.stringify({ DetectorName: 'Generic', Verified: false, Raw: secret, RawV2: breakIt ? 5 : secret }), ctx),
        () => parseGithubSecretScanningAlert(githubAlert('created', { secret, number: breakIt ? secret : 1 }), ctx),
      ]) {
        try {
          outputs.push(JSON.stringify(run()));
        } catch (error) {
          outputs.push(String((error as Error).message), JSON.stringify((error as WritError).details ?? {}));
        }
      }
      for (const out of outputs) assert.ok(!out.includes(secret), out);
    }),
    { numRuns: 200 },
  );
});
