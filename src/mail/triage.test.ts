import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMessage } from './testing/fixtures.ts';

const BIN = resolve(fileURLToPath(new URL('../../bin/writ.js', import.meta.url)));
let dir = '';

function writ(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // run from inside the fixture folder with no environment pointing anywhere: triage must need nothing
  const r = spawnSync(process.execPath, [BIN, 'triage', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      out.push(`${p}:${s.size}:${s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

const campaignText = (name: string) =>
  `Hello ${name},\n\nYour mailbox storage is full. Messages will be deleted unless you act. Our records show the quota was exceeded on several occasions this month and the archive job could not complete. Please review the attached notice and confirm your details with the help desk so that delivery can continue without interruption.\n`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'writ-triage-'));
  mkdirSync(join(dir, 'inbox', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'inbox', 'phish.eml'), buildMessage({
    from: 'PayPal Service <service@billing-notice.example>',
    subject: 'Action required: account suspended',
    html: '<p>Dear customer, verify your account within 24 hours.</p><a href="http://paypal-verify.example/x">https://www.paypal.com/</a>',
  }));
  writeFileSync(join(dir, 'inbox', 'ordinary.eml'), buildMessage({ from: 'Dana <dana@lists.example.org>', subject: 'Re: notes', text: 'Looks good to me, merged.' }));
  writeFileSync(join(dir, 'inbox', 'copy-1.eml'), buildMessage({ from: 'IT <it1@mail1.example>', subject: 'Mailbox', text: campaignText('Ann') }));
  writeFileSync(join(dir, 'inbox', 'nested', 'copy-2.eml'), buildMessage({ from: 'IT <it2@mail2.example>', subject: 'Mailbox', text: campaignText('Bob') }));
  writeFileSync(join(dir, 'inbox', 'empty.eml'), '');
  writeFileSync(join(dir, 'inbox', 'garbage.eml'), Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 0x80]));
  writeFileSync(join(dir, 'inbox', 'notes.txt'), 'not mail, not scanned');
  writeFileSync(join(dir, 'inbox', 'evil\u001b[31mname.eml'), buildMessage({ text: 'hi' }));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('--json: one object per .eml file with file, verdict, confidence, campaign and reasons', () => {
  const before = snapshot(dir);
  const r = writ(['--json', join(dir, 'inbox')]);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 7, 'every .eml, nested ones included; notes.txt ignored');
  for (const row of rows) {
    for (const key of ['file', 'verdict', 'confidence', 'campaign', 'reasons']) assert.ok(key in row, key);
    assert.ok(['safe', 'malicious', 'uncertain'].includes(row.verdict as string));
    assert.ok(typeof row.confidence === 'number' && row.confidence >= 0 && row.confidence <= 1);
    assert.ok(Array.isArray(row.reasons));
  }
  const by = (name: string) => rows.find((row) => (row.file as string).endsWith(name))!;
  assert.equal(by('phish.eml').verdict, 'malicious');
  assert.equal(by('ordinary.eml').verdict, 'safe');
  assert.equal(by('empty.eml').verdict, 'uncertain');
  assert.match((by('empty.eml').reasons as string[])[0]!, /^parse:empty/);
  assert.equal(by('copy-1.eml').campaign, by('copy-2.eml').campaign, 'near-duplicates share a campaign');
  assert.notEqual(by('copy-1.eml').campaign, by('phish.eml').campaign);
  assert.deepEqual(snapshot(dir), before, 'no side effects: nothing written, nothing touched');
});

test('an unreadable path gets its own line with the error; the run continues; exit code 1', () => {
  const r = writ(['--json', join(dir, 'missing.eml'), join(dir, 'inbox', 'ordinary.eml')]);
  assert.equal(r.status, 1);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 2);
  assert.match(rows[0]!.error as string, /ENOENT/);
  assert.equal(rows[0]!.verdict, 'uncertain');
  assert.equal(rows[1]!.verdict, 'safe');
});

test('the table is readable and terminal-safe', () => {
  const r = writ([join(dir, 'inbox')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^VERDICT\s+CONF\s+P\(MAL\)\s+CAMPAIGN\s+FILE\s+TOP REASON$/);
  assert.match(lines.at(-1)!, /^7 file\(s\): 1 malicious, \d+ uncertain, \d+ safe$/);
  assert.doesNotMatch(r.stdout, /\u001b/, 'escape sequences from file names never reach the terminal');
  assert.match(r.stdout, /evil\?\[31mname\.eml/);
});

test('--config and --org-domain feed the options; a bad config is a clear error', () => {
  const config = join(dir, 'mail.json');
  writeFileSync(config, JSON.stringify({ knownBad: { domains: ['lists.example.org'] } }));
  const r = writ(['--json', '--config', config, '--org-domain', 'acme-corp.com', join(dir, 'inbox', 'ordinary.eml')]);
  assert.equal(r.status, 0, r.stderr);
  const row = JSON.parse(r.stdout) as { verdict: string; reasons: string[] };
  assert.equal(row.verdict, 'malicious');
  assert.match(row.reasons[0]!, /^known-bad:domain/);
  writeFileSync(config, JSON.stringify({ thresholds: { autoContain: 2 } }));
  const bad = writ(['--config', config, join(dir, 'inbox', 'ordinary.eml')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /WRIT_INPUT_INVALID/);
  rmSync(config);
});
