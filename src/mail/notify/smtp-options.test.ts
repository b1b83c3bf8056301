import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isWritError } from '../../errors/index.ts';
import { SmtpNotifier } from './smtp-notifier.ts';
import { compileSmtpOptions, senderAddress, smtpOptionsFromUrl, type SmtpOptions } from './smtp-options.ts';

const base: SmtpOptions = { host: 'mail.example.test', port: 587, from: 'Security Operations <soc@example.test>' };

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isWritError(error, 'WRIT_CONFIG_INVALID'), String(error));
    return error.message;
  }
  assert.fail('expected WRIT_CONFIG_INVALID');
}

test('defaults: opportunistic STARTTLS without credentials, required with them, 15 s timeouts, frozen', () => {
  const plain = compileSmtpOptions(base);
  assert.equal(plain.starttls, 'opportunistic');
  assert.equal(plain.timeoutMs, 15_000);
  assert.equal(plain.envelopeFrom, 'soc@example.test');
  assert.equal(plain.auth, null);
  assert.ok(Object.isFrozen(plain));
  const authed = compileSmtpOptions({ ...base, user: 'writ', password: 's3cret' });
  assert.equal(authed.starttls, 'required');
  assert.deepEqual(authed.auth, { user: 'writ', password: 's3cret' });
  assert.equal(compileSmtpOptions({ ...base, secure: true, port: 465, user: 'writ', password: 's3cret' }).secure, true);
});

test('a secret never defaults to empty, and credentials never travel in clear', () => {
  assert.match(configError(() => compileSmtpOptions({ ...base, user: 'writ' })), /user and password go together/);
  assert.match(configError(() => compileSmtpOptions({ ...base, password: 'orphan' })), /user and password go together/);
  assert.match(configError(() => compileSmtpOptions({ ...base, user: 'writ', password: 'p', starttls: 'never' })), /only sent over TLS/);
  assert.match(configError(() => compileSmtpOptions({ ...base, user: 'writ', password: 'p', starttls: 'opportunistic' })), /only sent over TLS/);
  const message = configError(() => compileSmtpOptions({ ...base, user: 'writ', password: 'hunter2', starttls: 'never' }));
  assert.doesNotMatch(message, /hunter2/, 'the password is never in an error');
});

test('host, port, timeout and sender are checked', () => {
  assert.match(configError(() => compileSmtpOptions({ ...base, host: '' })), /host/);
  assert.match(configError(() => compileSmtpOptions({ ...base, host: 'a b' })), /host/);
  assert.match(configError(() => compileSmtpOptions({ ...base, port: 0 })), /port/);
  assert.match(configError(() => compileSmtpOptions({ ...base, port: 70_000 })), /port/);
  assert.match(configError(() => compileSmtpOptions({ ...base, timeoutMs: 0 })), /timeoutMs/);
  for (const from of ['', 'not an address', 'a@b.test, c@d.test', 'soc@example.test\r\nBcc: x@y.test', 'Evil <a@b.test>\nX: y', 'group: a@b.test;']) {
    assert.match(configError(() => compileSmtpOptions({ ...base, from })), /from must be an address/, JSON.stringify(from));
  }
});

test('senderAddress takes a bare address or a display name with one address', () => {
  assert.equal(senderAddress('soc@example.test'), 'soc@example.test');
  assert.equal(senderAddress('Security Operations <soc@example.test>'), 'soc@example.test');
  assert.equal(senderAddress('"Security, Ops" <soc@example.test>'), 'soc@example.test');
  assert.equal(senderAddress('<a@b.test> <c@d.test>'), null);
});

test('URLs: smtp and smtps, default ports, percent-decoded credentials, starttls parameter', () => {
  const url = smtpOptionsFromUrl('smtp://writ%40corp:p%40ss%3Aword@relay.example.test:2525?starttls=required', { from: 'soc@example.test' });
  assert.deepEqual(url, { from: 'soc@example.test', host: 'relay.example.test', port: 2525, secure: false, user: 'writ@corp', password: 'p@ss:word', starttls: 'required' });
  assert.deepEqual(compileSmtpOptions(url).auth, { user: 'writ@corp', password: 'p@ss:word' });
  assert.equal(smtpOptionsFromUrl('smtp://relay.example.test', { from: 'a@b.test' }).port, 25);
  const tls = smtpOptionsFromUrl('smtps://u:p@relay.example.test', { from: 'a@b.test', timeoutMs: 5000 });
  assert.equal(tls.port, 465);
  assert.equal(tls.secure, true);
  assert.equal(tls.timeoutMs, 5000);
  assert.equal(smtpOptionsFromUrl('smtp://[::1]:25', { from: 'a@b.test' }).host, '::1');
  assert.match(configError(() => smtpOptionsFromUrl('http://relay.example.test', { from: 'a@b.test' })), /unsupported scheme/);
  assert.match(configError(() => smtpOptionsFromUrl('smtp://relay.example.test/x', { from: 'a@b.test' })), /path/);
  assert.match(configError(() => smtpOptionsFromUrl('smtp://relay.example.test?tls=no', { from: 'a@b.test' })), /unknown URL parameter tls/);
  assert.match(configError(() => compileSmtpOptions(smtpOptionsFromUrl('smtp://relay.example.test?starttls=maybe', { from: 'a@b.test' }))), /starttls must be/);
  assert.match(configError(() => smtpOptionsFromUrl('not a url', { from: 'a@b.test' })), /cannot be parsed/);
});

test('a notifier never shows its password: not when inspected, not when serialised', async () => {
  const notifier = new SmtpNotifier({ ...base, user: 'writ', password: 'hunter2-in-memory' });
  try {
    assert.doesNotMatch(inspect(notifier, { depth: 10 }), /hunter2-in-memory/);
    assert.doesNotMatch(JSON.stringify(notifier), /hunter2-in-memory/);
  } finally {
    await notifier.close();
  }
});
