import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { MaildirSystem } from '../systems/index.ts';
import { MailboxNotifier } from './mailbox-notifier.ts';
import { renderNotification } from './templates.ts';

async function withMaildir(body: (system: MaildirSystem, root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'writ-notify-'));
  const system = new MaildirSystem({ root });
  try {
    await body(system, root);
  } finally {
    await system.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Every message file in a mailbox's INBOX, read straight from disk. */
function inbox(root: string, mailbox: string): Buffer[] {
  const files: Buffer[] = [];
  for (const sub of ['new', 'cur']) {
    const dir = join(root, mailbox, sub);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) files.push(readFileSync(join(dir, name)));
  }
  return files;
}

test('delivers the rendered message into each recipient\'s mailbox, addressed to them alone', async () => {
  await withMaildir(async (system, root) => {
    for (const mailbox of ['ann@example.test', 'bob@example.test', 'cat@example.test']) await system.deliver(mailbox, `From: x@example.test\nSubject: hello\nMessage-ID: <seed-${mailbox}>\n\nhi\n`);
    const notifier = new MailboxNotifier(system, 'Security Operations <soc@example.test>');
    const message = renderNotification('malicious', { reportedSubject: 'Pay now\r\nBcc: cat@example.test', caseId: 'case-9', contained: 2 });

    const delivery = await notifier.send(['ann@example.test', 'BOB@example.test', 'nobody@example.test'], message, '<n1@writ.local>');
    assert.deepEqual(delivery, { accepted: ['ann@example.test', 'BOB@example.test'], rejected: [{ recipient: 'nobody@example.test', reason: 'no such mailbox' }], messageId: '<n1@writ.local>' });

    for (const [mailbox, to] of [['ann@example.test', 'ann@example.test'], ['bob@example.test', 'BOB@example.test']] as const) {
      const files = inbox(root, mailbox);
      assert.equal(files.length, 2, `${mailbox}: the seed and the notification`);
      const parsed = await Promise.all(files.map((f) => PostalMime.parse(f)));
      const note = parsed.find((p) => p.messageId === '<n1@writ.local>');
      assert.ok(note, mailbox);
      assert.equal(note.subject, message.subject);
      assert.equal(note.text?.trimEnd(), message.text);
      assert.equal(note.from?.address, 'soc@example.test');
      assert.deepEqual(note.to?.map((t) => t.address), [to], 'nobody sees the other reporters');
      assert.equal(note.headers.filter((h) => h.key === 'bcc').length, 0);
    }
    assert.equal(inbox(root, 'cat@example.test').length, 1, 'an address written into the subject receives nothing');
  });
});

test('does not deliver twice: a copy already in the mailbox (same Message-ID) is counted, not repeated', async () => {
  await withMaildir(async (system, root) => {
    await system.deliver('ann@example.test', 'Subject: seed\n\nx\n');
    const notifier = new MailboxNotifier(system, 'soc@example.test');
    const message = renderNotification('safe', { reportedSubject: 'Lunch' });
    await notifier.send(['ann@example.test'], message, '<n2@writ.local>');
    const again = await notifier.send(['ann@example.test', 'ann@example.test'], message, '<n2@writ.local>');
    assert.deepEqual(again.accepted, ['ann@example.test']);
    assert.equal(inbox(root, 'ann@example.test').length, 2, 'still the seed and one notification');
    assert.equal(await system.countRemaining({ messageId: '<n2@writ.local>' }), 1);

    await notifier.send(['ann@example.test'], message, '<n3@writ.local>');
    assert.equal(inbox(root, 'ann@example.test').length, 3, 'another Message-ID is another notification');
  });
});

test('refuses a sender that is not one address', async () => {
  await withMaildir(async (system) => {
    assert.throws(() => new MailboxNotifier(system, 'soc@example.test\nBcc: x@example.test'), /from must be an address/);
  });
});
