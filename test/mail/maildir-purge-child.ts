// Child process for maildir-crash.test.ts: purges the campaign from a Maildir root until killed.
import { MaildirSystem } from '../../src/mail/systems/index.ts';
import { CAMPAIGN } from './fixtures.ts';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: maildir-purge-child.ts ROOT');
const system = new MaildirSystem({ root });
const hits = [];
for await (const hit of system.search({ messageId: CAMPAIGN.messageId })) hits.push(hit);
process.stdout.write(`searched ${hits.length}\n`);
await system.quarantineAll(hits.map((hit) => ({ hit, idempotencyKey: hit.mailbox })));
process.stdout.write('done\n');
