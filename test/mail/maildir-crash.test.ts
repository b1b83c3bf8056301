/**
 * The Maildir connector killed (SIGKILL) in the middle of a purge: every message is in
 * exactly one place, and a re-run finishes the purge without duplicates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MaildirSystem } from '../../src/mail/systems/index.ts';
import { tempDir } from '../support/engines.ts';
import { CAMPAIGN, campaignMessage, ordinaryMessage } from './fixtures.ts';
import { collect, countFiles } from './systems.ts';

const MAILBOXES = 300;

test('maildir: a purge killed mid-way leaves every message in exactly one place, and a re-run completes it', async () => {
  const dir = tempDir('writ-maildir-crash-');
  try {
    const system = new MaildirSystem({ root: dir.path });
    const mailboxes = Array.from({ length: MAILBOXES }, (_, i) => `u${i}@example.test`);
    for (const [i, mailbox] of mailboxes.entries()) {
      await system.deliver(mailbox, ordinaryMessage(mailbox, i));
      await system.deliver(mailbox, campaignMessage(mailbox));
    }
    const quarantined = (): number => mailboxes.reduce((sum, m) => sum + countFiles(join(dir.path, m, '.Quarantine')), 0);

    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'mail', 'maildir-purge-child.ts'), dir.path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    while (quarantined() < 10) await new Promise((r) => setTimeout(r, 1));
    child.kill('SIGKILL');
    await exited;

    const cutAt = quarantined();
    assert.ok(cutAt > 0 && cutAt < MAILBOXES, `killed mid-purge (${cutAt} of ${MAILBOXES})`);
    for (const mailbox of mailboxes) {
      const inbox = readdirSync(join(dir.path, mailbox, 'new')).length + readdirSync(join(dir.path, mailbox, 'cur')).length;
      assert.equal(inbox + countFiles(join(dir.path, mailbox, '.Quarantine')), 2, `${mailbox}: every message in exactly one place`);
      assert.equal(readdirSync(join(dir.path, mailbox, 'tmp')).length, 0);
    }

    const hits = await collect(system.search({ messageId: CAMPAIGN.messageId }));
    assert.equal(hits.length, MAILBOXES - cutAt);
    const outcomes = await system.quarantineAll(hits.map((hit) => ({ hit, idempotencyKey: hit.mailbox })));
    assert.ok(outcomes.every((o) => o.ok && o.moved));
    assert.equal(quarantined(), MAILBOXES);
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 0);
    assert.equal(await system.countRemaining({ headers: { 'Message-ID': 'ordinary.' } }), MAILBOXES);
  } finally {
    dir.remove();
  }
});
