/**
 * Time to contain a campaign: retro-hunt every mailbox, quarantine every hit, read back
 * that none is left. On Dovecot (IMAP, master-user login, default concurrency 8) for 50
 * and, optionally, 1,000 mailboxes (targets < 5 s and < 60 s), and on the embedded
 * Maildir (50 mailboxes of 300 messages).
 *
 * Run alone: node --import tsx bench/mail-systems.ts [--thousand] [--concurrency=N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImapSystem, MaildirSystem, type MailSystem } from '../src/mail/systems/index.ts';
import { startDovecot } from '../test/support/dovecot.ts';
import { CAMPAIGN, campaignMessage, ordinaryMessage } from '../test/mail/fixtures.ts';

export interface MailBenchOptions {
  /** Also run the 1,000-mailbox case (about a minute of set-up and run). */
  thousand?: boolean;
  /** Ordinary messages per mailbox around the campaign; default 20. */
  ordinaryPerMailbox?: number;
  /** IMAP connections at once; default the connector's own default (8). */
  concurrency?: number;
  log?: (line: string) => void;
}

export async function benchMailSystems(options: MailBenchOptions = {}): Promise<Record<string, number>> {
  const { thousand = false, ordinaryPerMailbox = 20, concurrency, log = () => undefined } = options;
  const results: Record<string, number> = {};
  for (const mailboxes of thousand ? [50, 1000] : [50]) {
    Object.assign(results, await benchImap(mailboxes, ordinaryPerMailbox, concurrency, log));
  }
  Object.assign(results, await benchMaildir(50, 300, log));
  return results;
}

async function benchImap(
  count: number,
  ordinary: number,
  concurrency: number | undefined,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const users = Array.from({ length: count }, (_, i) => `bench${String(i).padStart(4, '0')}@example.test`);
  const dovecot = await startDovecot({ users });
  try {
    // Seed by writing the Maildirs Dovecot serves (the same layout), which is much faster than APPEND.
    await seed(new MaildirSystem({ root: dovecot.mailRoot }), users, ordinary);
    dovecot.adoptMail();
    const system = new ImapSystem({
      host: dovecot.host,
      port: dovecot.port,
      masterUser: dovecot.masterUser,
      masterPassword: dovecot.masterPassword,
      mailboxes: users,
      ...(concurrency === undefined ? {} : { concurrency }),
    });
    try {
      const cold = await contain(system, count);
      log(`imap ${count} mailboxes, ${system.options.concurrency} connections: contained in ${cold.total} ms on fresh server indexes`);
      const restoreStart = performance.now();
      const restored = await system.restoreAll(cold.records);
      if (!restored.every((o) => o.ok)) throw new Error('restore failed');
      const restoreMs = Math.round(performance.now() - restoreStart);
      const warm = await contain(system, count);
      log(`imap ${count} mailboxes: contained again in ${warm.total} ms (search ${warm.search}, quarantine ${warm.quarantine}, verify ${warm.verify})`);
      return {
        [`imap.${count}.contain_cold_ms`]: cold.total,
        [`imap.${count}.contain_ms`]: warm.total,
        [`imap.${count}.search_ms`]: warm.search,
        [`imap.${count}.quarantine_ms`]: warm.quarantine,
        [`imap.${count}.verify_ms`]: warm.verify,
        [`imap.${count}.restore_ms`]: restoreMs,
        [`imap.${count}.connections`]: system.options.concurrency,
      };
    } finally {
      await system.close();
    }
  } finally {
    await dovecot.stop();
  }
}

async function benchMaildir(count: number, perMailbox: number, log: (line: string) => void): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'writ-bench-maildir-'));
  try {
    const users = Array.from({ length: count }, (_, i) => `bench${i}@example.test`);
    const system = new MaildirSystem({ root });
    await seed(system, users, perMailbox - 1);
    const result = await contain(system, count);
    log(`maildir ${count}x${perMailbox} messages: contained in ${result.total} ms (search ${result.search})`);
    return { [`maildir.${count}x${perMailbox}.search_ms`]: result.search, [`maildir.${count}x${perMailbox}.contain_ms`]: result.total };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function seed(system: MaildirSystem, users: readonly string[], ordinary: number): Promise<void> {
  for (const [u, user] of users.entries()) {
    const writes = [system.deliver(user, campaignMessage(user))];
    for (let i = 0; i < ordinary; i += 1) writes.push(system.deliver(user, ordinaryMessage(user, u * ordinary + i), i % 4 === 3 ? 'Archive' : 'INBOX'));
    await Promise.all(writes);
  }
}

async function contain(system: MailSystem, expected: number) {
  const t0 = performance.now();
  const hits = [];
  for await (const hit of system.search({ messageId: CAMPAIGN.messageId })) hits.push(hit);
  const t1 = performance.now();
  const outcomes = await system.quarantineAll(hits.map((hit) => ({ hit, idempotencyKey: `bench:${hit.mailbox}:${hit.locator}` })));
  const t2 = performance.now();
  const remaining = await system.countRemaining({ messageId: CAMPAIGN.messageId });
  const t3 = performance.now();
  const records = outcomes.flatMap((o) => (o.ok ? [o.record] : []));
  if (hits.length !== expected || records.length !== expected || remaining !== 0) {
    throw new Error(`containment incomplete: ${hits.length} found, ${records.length} quarantined, ${remaining} remaining`);
  }
  const ms = (a: number, b: number): number => Math.round(b - a);
  return { records, search: ms(t0, t1), quarantine: ms(t1, t2), verify: ms(t2, t3), total: ms(t0, t3) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const concurrency = process.argv.find((arg) => arg.startsWith('--concurrency='))?.split('=')[1];
  const results = await benchMailSystems({
    thousand: process.argv.includes('--thousand'),
    ...(concurrency === undefined ? {} : { concurrency: Number(concurrency) }),
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(results, null, 2));
}
