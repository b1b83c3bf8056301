import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { WritError } from '../../../errors/index.ts';
import { compileImapOptions, type ImapOptions } from './imap-options.ts';

const BASE: ImapOptions = { host: '127.0.0.1', port: 143, masterUser: 'admin', masterPassword: 's3cret', mailboxes: ['a@x'] };

test('options: defaults filled in and frozen; the master password has no default; errors never echo it', async () => {
  const options = compileImapOptions(BASE);
  assert.equal(options.concurrency, 8);
  assert.equal(options.quarantineFolder, 'Quarantine');
  assert.equal(options.masterSeparator, '*');
  assert.equal(options.secure, false);
  assert.equal(compileImapOptions({ ...BASE, port: 993 }).secure, true);
  assert.deepEqual(await options.mailboxes(), ['a@x']);
  assert.ok(Object.isFrozen(options));
  assert.equal(options.masterPassword, 's3cret');
  assert.ok(!JSON.stringify(options).includes('s3cret') && !inspect(options, { depth: 5 }).includes('s3cret'), 'the secret never prints');
  for (const bad of [{ masterPassword: '' }, { host: '' }, { port: 0 }, { concurrency: 0 }, { quarantineFolder: 'inbox' }, { mailboxes: 'a@x' }]) {
    assert.throws(
      () => compileImapOptions({ ...BASE, ...bad } as ImapOptions),
      (e) => e instanceof WritError && e.code === 'WRIT_CONFIG_INVALID' && !e.message.includes('s3cret'),
      JSON.stringify(bad),
    );
  }
});
