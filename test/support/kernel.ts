import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JobQueue, type JobHandler } from '../../src/jobs/index.ts';
import { createKernel, type Kernel } from '../../src/kernel/index.ts';
import { MailConnector, type SerializableCriteria } from '../../src/mail/containment/index.ts';
import { MaildirSystem } from '../../src/mail/systems/index.ts';
import type { Store } from '../../src/store/index.ts';
import { tempDir } from './engines.ts';
import { makeLedger } from './ledger.ts';

/** A clock tests move by hand, so expiry is shown without waiting. */
export class TestClock {
  constructor(public t = Date.UTC(2026, 10, 22, 9, 0, 0)) {}
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export function phishMessage(n: number, campaign = 'Payroll update'): string {
  return [
    'From: "IT Service Desk" <helpdesk@examp1e-support.test>',
    'To: staff@example.test',
    `Subject: ${campaign}: action required`,
    `Message-ID: <campaign-${n}@examp1e-support.test>`,
    'Date: Sun, 22 Nov 2026 08:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Your password expires today. Verify at https://examp1e-support.test/login now.',
    '',
  ].join('\r\n');
}

export function ordinaryMessage(n: number): string {
  return [
    'From: Colleague <colleague@example.test>',
    'To: staff@example.test',
    `Subject: Lunch on Thursday ${n}`,
    `Message-ID: <ordinary-${n}@example.test>`,
    'Date: Sun, 22 Nov 2026 07:00:00 +0000',
    '',
    'Shall we meet at noon?',
    '',
  ].join('\r\n');
}

export interface KernelWorld {
  kernel: Kernel;
  queue: JobQueue;
  mail: MaildirSystem;
  clock: TestClock;
  key: string;
  campaigns: Map<string, SerializableCriteria[]>;
  /** Runs queued jobs (due by the test clock) until none is left. */
  drain(): Promise<number>;
  dispose(): Promise<void>;
}

export async function makeKernelWorld(store: Store, mailboxes = ['alice@example.test', 'bob@example.test', 'carol@example.test']): Promise<KernelWorld> {
  const clock = new TestClock();
  const { ledger, key } = makeLedger(store, { checkpointIntervalMs: 0 });
  const queue = new JobQueue(store, { leaseMs: 60_000, maxAttempts: 3, backoffBaseMs: 1, now: clock.now });
  const kernel = createKernel(store, ledger, queue, { grantKey: randomBytes(32), grantTtlMs: 5 * 60_000, approvalTtlMs: 3_600_000, incidentMaxMs: 86_400_000, now: clock.now, tenants: { acme: { regulated: false }, bank: { regulated: true } } });
  const dir = tempDir('writ-maildir-');
  const mail = new MaildirSystem({ root: join(dir.path, 'maildir') });
  for (const [i, mailbox] of mailboxes.entries()) {
    await mail.deliver(mailbox, phishMessage(1));
    await mail.deliver(mailbox, ordinaryMessage(i));
  }
  const campaigns = new Map<string, SerializableCriteria[]>([['camp-1', [{ subject: 'Payroll update: action required', from: 'examp1e-support.test' }]]]);
  kernel.connectors.register(new MailConnector(mail, kernel.journal, { criteria: async (id) => campaigns.get(id) }));
  const handlers = kernel.jobHandlers();
  return {
    kernel,
    queue,
    mail,
    clock,
    key,
    campaigns,
    async drain() {
      let ran = 0;
      for (let round = 0; round < 50; round++) {
        const jobs = await queue.lease('test', 10);
        if (jobs.length === 0) return ran;
        for (const job of jobs) {
          const handler = handlers.get(job.kind) as JobHandler;
          try {
            let completed = false;
            const result = await handler(job.payload, { job, stopping: false, complete: async (fx) => { completed = true; return queue.complete(job, fx); } });
            if (!completed) await queue.complete(job, async () => result);
          } catch (error) {
            await queue.fail(job, error);
          }
          ran += 1;
        }
      }
      return ran;
    },
    async dispose() {
      kernel.close();
      await mail.close();
      dir.remove();
    },
  };
}

export const PHISHING_WORKFLOW = { type: 'workflow' as const, id: 'phishing-playbook', owner: 'user:olivia' };
