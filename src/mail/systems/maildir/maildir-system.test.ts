import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWritError } from '../../../errors/index.ts';
import type { MessageHit } from '../mail-system.ts';
import { MaildirSystem } from './maildir-system.ts';

const MESSAGE = (id: string, subject = 'Invoice overdue') =>
  `From: Billing <billing@evil.example>\r\nSubject: ${subject}\r\nMessage-ID: <${id}@evil.example>\r\n\r\nPay now.\r\n`;

async function withMaildir(body: (system: MaildirSystem, root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'writ-maildir-unit-'));
  try {
    await body(new MaildirSystem({ root }), root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function hits(system: MaildirSystem, subject = 'Invoice'): Promise<MessageHit[]> {
  const found: MessageHit[] = [];
  for await (const hit of system.search({ subject })) found.push(hit);
  return found;
}

test('maildir: real Maildir++ on disk: new/ on delivery, .Folder/ with maildirfolder, .Quarantine/ keeps the file name', async () => {
  await withMaildir(async (system, root) => {
    const inbox = await system.deliver('alice@example.test', MESSAGE('m1'));
    const archived = await system.deliver('alice@example.test', MESSAGE('m2'), 'Archive.2024');
    assert.deepEqual(readdirSync(join(root, 'alice@example.test', 'new')), [inbox.locator]);
    assert.deepEqual(readdirSync(join(root, 'alice@example.test', 'tmp')), []);
    assert.ok(existsSync(join(root, 'alice@example.test', '.Archive.2024', 'maildirfolder')));
    assert.deepEqual(readdirSync(join(root, 'alice@example.test', '.Archive.2024', 'new')), [archived.locator]);
    assert.equal(inbox.messageId, '<m1@evil.example>');
    assert.deepEqual(await system.listMailboxes(), ['alice@example.test']);

    const record = await system.quarantine((await hits(system)).find((h) => h.folder === 'INBOX')!, { idempotencyKey: 'k1' });
    assert.deepEqual(readdirSync(join(root, 'alice@example.test', '.Quarantine', 'new')), [inbox.locator]);
    assert.deepEqual(readdirSync(join(root, 'alice@example.test', 'new')), []);
    assert.equal(record.locator, inbox.locator);
    // Quarantine and folders beneath it are never searched.
    await system.deliver('alice@example.test', MESSAGE('m3'), 'Quarantine.Old');
    assert.deepEqual((await hits(system)).map((h) => h.folder), ['Archive.2024']);
  });
});

test('maildir: a message a client flagged (renamed into cur/ with :2,S) after the search is still quarantined, flags kept', async () => {
  await withMaildir(async (system, root) => {
    const delivered = await system.deliver('bob@example.test', MESSAGE('m1'));
    const [hit] = await hits(system);
    const dir = join(root, 'bob@example.test');
    renameSync(join(dir, 'new', delivered.locator), join(dir, 'cur', `${delivered.locator}:2,S`));
    const record = await system.quarantine(hit!, { idempotencyKey: 'k' });
    assert.deepEqual(readdirSync(join(dir, '.Quarantine', 'cur')), [`${delivered.locator}:2,S`]);
    await system.restore(record);
    assert.deepEqual(readdirSync(join(dir, 'cur')), [`${delivered.locator}:2,S`]);
  });
});

test('maildir: a message found in both places (an interrupted copy) ends in exactly one; a different file of the same name is a conflict', async () => {
  await withMaildir(async (system, root) => {
    const a = await system.deliver('carol@example.test', MESSAGE('a'));
    const b = await system.deliver('carol@example.test', MESSAGE('b'));
    const found = await hits(system);
    const dir = join(root, 'carol@example.test');
    await system.deliver('carol@example.test', MESSAGE('setup'), 'Quarantine');
    copyFileSync(join(dir, 'new', a.locator), join(dir, '.Quarantine', 'new', a.locator));
    writeFileSync(join(dir, '.Quarantine', 'new', b.locator), MESSAGE('impostor'));

    const outcomes = await system.quarantineAll(found.map((hit) => ({ hit, idempotencyKey: hit.locator })));
    const byLocator = new Map(outcomes.map((o) => [o.request.hit.locator, o]));
    const first = byLocator.get(a.locator);
    assert.ok(first?.ok && first.moved === false);
    assert.ok(!existsSync(join(dir, 'new', a.locator)) && existsSync(join(dir, '.Quarantine', 'new', a.locator)));
    const second = byLocator.get(b.locator);
    assert.ok(second !== undefined && !second.ok && isWritError(second.error, 'WRIT_CONFLICT'));
    assert.equal(readFileSync(join(dir, 'new', b.locator), 'utf8'), MESSAGE('b'), 'nothing overwritten');
    assert.equal(readFileSync(join(dir, '.Quarantine', 'new', b.locator), 'utf8'), MESSAGE('impostor'));
  });
});

test('maildir: concurrent quarantines of one message move it once and agree on the record', async () => {
  await withMaildir(async (system) => {
    await system.deliver('dave@example.test', MESSAGE('m1'));
    const [hit] = await hits(system);
    const outcomes = (await Promise.all(Array.from({ length: 5 }, () => system.quarantineAll([{ hit: hit!, idempotencyKey: 'same' }])))).flat();
    assert.equal(outcomes.filter((o) => o.ok && o.moved).length, 1);
    const records = outcomes.map((o) => (o.ok ? o.record : undefined));
    for (const record of records) assert.deepEqual(record, records[0]);
  });
});

test('maildir: restore recreates a folder deleted in the meantime', async () => {
  await withMaildir(async (system, root) => {
    await system.deliver('erin@example.test', MESSAGE('m1'), 'Projects');
    const [hit] = await hits(system);
    const record = await system.quarantine(hit!, { idempotencyKey: 'k' });
    rmSync(join(root, 'erin@example.test', '.Projects'), { recursive: true });
    const restored = await system.restore(record);
    assert.equal(restored.folder, 'Projects');
    assert.equal((await hits(system))[0]?.folder, 'Projects');
  });
});

test('maildir: names that would leave the root are refused; unknown mailboxes and messages are not found, and nothing is created', async () => {
  await withMaildir(async (system, root) => {
    await system.deliver('frank@example.test', MESSAGE('m1'));
    const [hit] = await hits(system);
    const cases = [
      { hit: { ...hit!, mailbox: '../outside' }, code: 'WRIT_INPUT_INVALID' },
      { hit: { ...hit!, folder: '../../outside' }, code: 'WRIT_INPUT_INVALID' },
      { hit: { ...hit!, folder: '.hidden' }, code: 'WRIT_INPUT_INVALID' },
      { hit: { ...hit!, locator: '../../new/x' }, code: 'WRIT_NOT_FOUND' },
      { hit: { ...hit!, mailbox: 'nobody@example.test' }, code: 'WRIT_NOT_FOUND' },
    ] as const;
    const outcomes = await system.quarantineAll(cases.map((c, i) => ({ hit: c.hit, idempotencyKey: `k${i}` })));
    for (const [i, outcome] of outcomes.entries()) {
      assert.ok(!outcome.ok && isWritError(outcome.error, cases[i]!.code), `case ${i}`);
    }
    assert.deepEqual(readdirSync(root), ['frank@example.test']);
    await assert.rejects(async () => {
      for await (const _ of system.search({ subject: 'x' }, { mailboxes: ['../x'] })) break;
    }, (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  });
});
