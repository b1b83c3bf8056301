/**
 * The MailSystem contract, run against every connector on a real store (a Maildir on disk,
 * a Dovecot started here): a campaign among ordinary mail is found, quarantined, verified
 * gone, restored, and every step can be repeated without effect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../../src/errors/index.ts';
import type { MessageHit, QuarantineRecord, QuarantineRequest } from '../../src/mail/systems/index.ts';
import { CAMPAIGN, campaignMessage, ordinaryMessage, sha256 } from './fixtures.ts';
import { SYSTEMS, collect, type SystemUnderTest } from './systems.ts';

const USERS = ['alice', 'bob', 'carol', 'dave'];
const ORDINARY_PER_MAILBOX = 4;

interface World {
  /** Mailboxes that received the campaign (all but the last). */
  targets: string[];
  campaignCount: number;
  ordinaryCount: number;
}

/** Ordinary mail everywhere; the campaign in every INBOX but the last, and a variant in alice's Archive. */
async function seed(sut: SystemUnderTest): Promise<World> {
  const { system, mailboxes } = sut;
  const targets = mailboxes.slice(0, -1);
  for (const [m, mailbox] of mailboxes.entries()) {
    for (let i = 0; i < ORDINARY_PER_MAILBOX; i += 1) await system.deliver(mailbox, ordinaryMessage(mailbox, m * 10 + i));
    if (targets.includes(mailbox)) await system.deliver(mailbox, campaignMessage(mailbox));
  }
  const archived = await system.deliver(targets[0]!, campaignMessage(targets[0]!, 1), 'Archive');
  assert.match(archived.messageId ?? '', /^<20250301\.8f3a\.v1\./);
  return { targets, campaignCount: targets.length + 1, ordinaryCount: mailboxes.length * ORDINARY_PER_MAILBOX };
}

function requestsFor(hits: readonly MessageHit[], prefix: string): QuarantineRequest[] {
  return hits.map((hit) => ({ hit, idempotencyKey: `${prefix}:${hit.mailbox}:${hit.folder}:${hit.locator}` }));
}

const ORDINARY_MAIL = { headers: { 'Message-ID': '@example.test>' } };

for (const factory of SYSTEMS) {
  test(`${factory.name}: search finds the campaign by every criterion, and nothing else`, async () => {
    const sut = await factory.create(USERS);
    try {
      const { system } = sut;
      const world = await seed(sut);
      assert.deepEqual(await system.listMailboxes(), [...sut.mailboxes].sort());

      const bySender = await collect(system.search({ from: CAMPAIGN.sender }));
      assert.equal(bySender.length, world.campaignCount);
      assert.deepEqual(new Set(bySender.map((h) => h.mailbox)), new Set(world.targets));
      assert.deepEqual(bySender.map((h) => h.folder).sort(), [...world.targets.map(() => 'INBOX'), 'Archive'].sort());
      for (const hit of bySender) {
        assert.equal(hit.from, CAMPAIGN.sender);
        assert.equal(hit.subject, CAMPAIGN.subject, 'the encoded-word subject is decoded');
        assert.ok(hit.size > 200);
      }

      const byId = await collect(system.search({ messageId: CAMPAIGN.messageId }));
      assert.equal(byId.length, world.targets.length, 'the Message-ID matches exactly: the archived variant differs');
      assert.ok(byId.every((h) => h.messageId === CAMPAIGN.messageId && h.folder === 'INBOX'));
      assert.equal((await collect(system.search({ messageId: CAMPAIGN.messageId.slice(1, -1) }))).length, world.targets.length);
      assert.equal((await collect(system.search({ messageId: '<20250301.8f3a' }))).length, 0, 'no substring match on Message-ID');

      assert.equal((await collect(system.search({ subject: 'bestätigung' }))).length, world.campaignCount);
      assert.equal((await collect(system.search({ headers: { 'X-Campaign-Ref': 'PR-2025-03' } }))).length, world.campaignCount);
      assert.equal((await collect(system.search({ body: `login.${CAMPAIGN.urlDomain}/confirm` }))).length, world.campaignCount);
      const indicator = Buffer.from(`https://login.${CAMPAIGN.urlDomain}/`);
      assert.equal(
        (await collect(system.search({ subject: 'Gehaltsabrechnung', matches: (raw) => raw.includes(indicator) }))).length,
        world.campaignCount,
      );
      assert.equal((await collect(system.search({ from: CAMPAIGN.sender, matches: () => false }))).length, 0);

      const decoys = await collect(system.search({ subject: 'salary statement' }));
      assert.equal(decoys.length, sut.mailboxes.length, 'one decoy per mailbox, the campaign is not among them');
      assert.ok(decoys.every((h) => h.from === 'payroll@example.test'));

      const onlyBob = await collect(system.search({ from: CAMPAIGN.sender }, { mailboxes: [sut.mailboxes[1]!] }));
      assert.deepEqual(onlyBob.map((h) => h.mailbox), [sut.mailboxes[1]]);
      assert.equal(await system.countRemaining(ORDINARY_MAIL), world.ordinaryCount);

      await assert.rejects(collect(system.search({})), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      // A mailbox that cannot be searched fails the search (Maildir: not found; IMAP: the login is refused).
      await assert.rejects(
        collect(system.search({ from: CAMPAIGN.sender }, { mailboxes: [sut.mailboxes[0]!, 'nobody@example.test'] })),
        (e) => isWritError(e, 'WRIT_NOT_FOUND') || isWritError(e, 'WRIT_CONNECTOR_REFUSED'),
      );
      await assert.rejects(collect(system.search({ subject: '  ' })), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
    } finally {
      await sut.dispose();
    }
  });

  test(`${factory.name}: quarantine moves every hit, read-back finds none, restore puts them back; every step repeats without effect`, async () => {
    const sut = await factory.create(USERS);
    try {
      const { system } = sut;
      const world = await seed(sut);
      const hits = await collect(system.search({ from: CAMPAIGN.sender }));
      const requests = requestsFor(hits, 'case-1');

      const first = await system.quarantineAll(requests);
      assert.equal(first.length, hits.length);
      const records: QuarantineRecord[] = [];
      for (const [i, outcome] of first.entries()) {
        assert.ok(outcome.ok, `request ${i} failed: ${outcome.ok ? '' : outcome.error.message}`);
        assert.equal(outcome.moved, true);
        assert.equal(outcome.request, requests[i]);
        const hit = hits[i]!;
        assert.equal(outcome.record.mailbox, hit.mailbox);
        assert.equal(outcome.record.originalFolder, hit.folder);
        assert.equal(outcome.record.messageId, hit.messageId);
        assert.equal(outcome.record.quarantineFolder, 'Quarantine');
        assert.equal(outcome.record.idempotencyKey, requests[i]!.idempotencyKey);
        const delivered = hit.folder === 'Archive' ? campaignMessage(hit.mailbox, 1) : campaignMessage(hit.mailbox);
        assert.equal(outcome.record.sha256, sha256(delivered), 'the record fingerprints the exact bytes');
        records.push(outcome.record);
      }
      assert.equal(await system.countRemaining({ from: CAMPAIGN.sender }), 0, 'verification by read-back');
      assert.equal(await system.countRemaining(ORDINARY_MAIL), world.ordinaryCount, 'ordinary mail untouched');
      for (const mailbox of sut.mailboxes) {
        assert.equal(sut.quarantined(mailbox), hits.filter((h) => h.mailbox === mailbox).length);
      }

      // The same requests again (a retried action): nothing moves, the records are equal.
      const again = await system.quarantineAll(requests);
      for (const [i, outcome] of again.entries()) {
        assert.ok(outcome.ok);
        assert.equal(outcome.moved, false);
        assert.deepEqual(outcome.record, records[i]);
      }
      assert.deepEqual(await system.quarantine(hits[0]!, { idempotencyKey: requests[0]!.idempotencyKey }), records[0]);
      for (const mailbox of sut.mailboxes) {
        assert.equal(sut.quarantined(mailbox), hits.filter((h) => h.mailbox === mailbox).length, 'no second copy');
      }

      const restored = await system.restoreAll(records);
      for (const [i, outcome] of restored.entries()) {
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
        assert.equal(outcome.moved, true);
        assert.equal(outcome.restored.folder, records[i]!.originalFolder);
      }
      const back = await collect(system.search({ from: CAMPAIGN.sender }));
      assert.deepEqual(back.map((h) => `${h.mailbox}/${h.folder}`).sort(), hits.map((h) => `${h.mailbox}/${h.folder}`).sort());
      for (const mailbox of sut.mailboxes) assert.equal(sut.quarantined(mailbox), 0);

      const restoredAgain = await system.restoreAll(records);
      assert.ok(restoredAgain.every((o) => o.ok && !o.moved));
      assert.equal(await system.countRemaining({ from: CAMPAIGN.sender }), hits.length, 'no duplicates after a repeated restore');
      assert.deepEqual(await system.restore(records[0]!), restoredAgain[0]?.ok === true ? restoredAgain[0].restored : undefined);

      // A new containment after the restore (new keys) quarantines again.
      const second = await system.quarantineAll(requestsFor(back, 'case-2'));
      assert.ok(second.every((o) => o.ok && o.moved));
      assert.equal(await system.countRemaining({ from: CAMPAIGN.sender }), 0);
    } finally {
      await sut.dispose();
    }
  });

  test(`${factory.name}: bad requests fail alone and change nothing`, async () => {
    const sut = await factory.create(USERS);
    try {
      const { system } = sut;
      await seed(sut);
      const hits = await collect(system.search({ messageId: CAMPAIGN.messageId }));
      const [a, b] = hits;
      assert.ok(a !== undefined && b !== undefined);

      // A locator no message has, in each system's format (IMAP: uidvalidity:uid; Maildir: a file name).
      const ghostLocator = /^\d+:\d+$/.test(a.locator) ? a.locator.replace(/\d+$/, '999999') : 'no-such-message';
      const ghost = { ...a, locator: ghostLocator, messageId: '<nothing-here@example.test>' };
      const outcomes = await system.quarantineAll([
        { hit: ghost, idempotencyKey: 'k-ghost' },
        { hit: a, idempotencyKey: 'k-a' },
        { hit: { ...b, mailbox: '' }, idempotencyKey: 'k-bad' },
      ]);
      assert.ok(!outcomes[0]!.ok && isWritError(outcomes[0]!.error, 'WRIT_NOT_FOUND'));
      assert.ok(outcomes[1]!.ok && outcomes[1]!.moved);
      assert.ok(!outcomes[2]!.ok && isWritError(outcomes[2]!.error, 'WRIT_INPUT_INVALID'));

      await assert.rejects(system.quarantine(b, { idempotencyKey: 'k-a' }), (e) => isWritError(e, 'WRIT_CONFLICT'), 'a key names one message');
      await assert.rejects(system.quarantine(b, { idempotencyKey: '' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      const held = outcomes[1]!.ok ? outcomes[1]!.record : undefined;
      assert.ok(held !== undefined);
      const inQuarantine = { mailbox: held.mailbox, folder: 'Quarantine', locator: held.locator, messageId: held.messageId };
      await assert.rejects(system.quarantine(inQuarantine, { idempotencyKey: 'k-q' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      await assert.rejects(system.restore({ ...held, originalFolder: 'Quarantine' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      assert.equal(sut.quarantined(held.mailbox), 1, 'a quarantined message is never moved onto itself');
      assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), hits.length - 1);

      const record = outcomes[1]!.ok ? outcomes[1]!.record : undefined;
      assert.ok(record !== undefined);
      const forged = { ...record, sha256: sha256('something else') };
      await assert.rejects(system.restore(forged), (e) => isWritError(e, 'WRIT_CONFLICT'), 'bytes that differ from the record are not restored');
      assert.equal(sut.quarantined(record.mailbox), 1, 'still held');
      await assert.rejects(system.restore({ ...record, sha256: 'nope' }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      await system.restore(record);
      assert.equal(sut.quarantined(record.mailbox), 0);
    } finally {
      await sut.dispose();
    }
  });
}
