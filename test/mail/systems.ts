/**
 * Every mail system the contract tests run against, each on a real store: Maildir in a
 * temporary folder, IMAP on a Dovecot the test starts; Graph, which cannot run here, on
 * its local contract double. A behaviour exists on all or none.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GraphSystem, ImapSystem, MaildirSystem, type GraphOptions, type ImapOptions, type MailSystem } from '../../src/mail/systems/index.ts';
import { startDovecot, type Dovecot } from '../support/dovecot.ts';
import { GraphContractDouble } from '../support/graph-contract-double.ts';
import { tempDir } from '../support/engines.ts';

export interface SystemUnderTest {
  system: MailSystem;
  mailboxes: string[];
  /** Messages held in a mailbox's quarantine folder, read from the store directly. */
  quarantined(mailbox: string): number;
  dispose(): Promise<void>;
}

export interface SystemFactory {
  name: string;
  create(users: readonly string[]): Promise<SystemUnderTest>;
}

export const SYSTEMS: readonly SystemFactory[] = [
  {
    name: 'maildir',
    async create(users) {
      const dir = tempDir('writ-maildir-');
      const system = new MaildirSystem({ root: dir.path });
      const mailboxes = users.map(qualify);
      return {
        system,
        mailboxes,
        quarantined: (mailbox) => countFiles(join(dir.path, mailbox, '.Quarantine')),
        dispose: async () => {
          await system.close();
          dir.remove();
        },
      };
    },
  },
  {
    name: 'imap',
    async create(users) {
      const dovecot = await startDovecot({ users });
      const system = new ImapSystem(imapOptionsFor(dovecot));
      return {
        system,
        mailboxes: dovecot.users,
        quarantined: (mailbox) => countFiles(join(dovecot.mailRoot, mailbox, '.Quarantine')),
        dispose: async () => {
          await system.close();
          await dovecot.stop();
        },
      };
    },
  },
  {
    name: 'graph',
    async create(users) {
      const double = await GraphContractDouble.start({ users: users.map(qualify) });
      const system = new GraphSystem(graphOptionsFor(double));
      return {
        system,
        mailboxes: users.map(qualify),
        quarantined: (mailbox) => double.messagesIn(mailbox, 'Quarantine').length,
        dispose: async () => {
          await system.close();
          await double.stop();
        },
      };
    },
  },
];

export function graphOptionsFor(double: GraphContractDouble, extra: Partial<GraphOptions> = {}): GraphOptions {
  return {
    tenantId: double.tenantId,
    clientId: double.clientId,
    clientSecret: double.clientSecret,
    authorityUrl: double.authorityUrl,
    graphBaseUrl: double.graphBaseUrl,
    retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 400 },
    ...extra,
  };
}

export function imapOptionsFor(dovecot: Dovecot, extra: Partial<ImapOptions> = {}): ImapOptions {
  return {
    host: dovecot.host,
    port: dovecot.port,
    masterUser: dovecot.masterUser,
    masterPassword: dovecot.masterPassword,
    mailboxes: () => Promise.resolve(dovecot.users),
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 500 },
    ...extra,
  };
}

/** Message files in a Maildir folder (cur/ and new/). */
export function countFiles(folderDir: string): number {
  let count = 0;
  for (const sub of ['cur', 'new']) {
    try {
      count += readdirSync(join(folderDir, sub)).filter((name) => !name.startsWith('.')).length;
    } catch {
      // folder not created yet
    }
  }
  return count;
}

export function qualify(user: string): string {
  return user.includes('@') ? user : `${user}@example.test`;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
