import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WritError } from '../../../errors/index.ts';
import { imapError } from './imap-errors.ts';

const CONTEXT = { operation: 'move', mailbox: 'alice@example.test', folder: 'INBOX', connected: true };

function failure(fields: Record<string, unknown>): Error {
  return Object.assign(new Error('Command failed'), fields);
}

test('a dropped or refused connection is retryable WRIT_CONNECTOR_FAILED', () => {
  for (const code of ['NoConnection', 'EConnectionClosed', 'ECONNREFUSED', 'ECONNRESET', 'CONNECT_TIMEOUT', 'ETIMEOUT']) {
    const error = imapError(failure({ code }), CONTEXT);
    assert.equal(error.code, 'WRIT_CONNECTOR_FAILED', code);
    assert.equal(error.retryable, true, code);
  }
  const unusable = imapError(new Error('whatever'), { ...CONTEXT, connected: false });
  assert.equal(unusable.code, 'WRIT_CONNECTOR_FAILED');
  assert.equal(unusable.retryable, true);
});

test('NO and BAD are decided by response code, never by text', () => {
  const refused = imapError(failure({ responseStatus: 'NO', serverResponseCode: 'NOPERM', responseText: 'try again later' }), CONTEXT);
  assert.equal(refused.code, 'WRIT_CONNECTOR_REFUSED');
  assert.equal(refused.retryable, false);
  assert.deepEqual(
    { serverCode: refused.details?.serverCode, mailbox: refused.details?.mailbox, folder: refused.details?.folder },
    { serverCode: 'NOPERM', mailbox: 'alice@example.test', folder: 'INBOX' },
  );
  for (const serverResponseCode of ['UNAVAILABLE', 'INUSE', 'LIMIT']) {
    const transient = imapError(failure({ responseStatus: 'NO', serverResponseCode }), CONTEXT);
    assert.equal(transient.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(transient.retryable, true);
  }
  assert.equal(imapError(failure({ responseStatus: 'NO', serverResponseCode: 'TRYCREATE' }), CONTEXT).code, 'WRIT_NOT_FOUND');
  assert.equal(imapError(failure({ responseStatus: 'NO', mailboxMissing: true }), CONTEXT).code, 'WRIT_NOT_FOUND');
  assert.equal(imapError(failure({ responseStatus: 'BAD' }), CONTEXT).code, 'WRIT_CONNECTOR_REFUSED');
});

test('a refused login is WRIT_CONNECTOR_REFUSED; an unknown failure is not retried; WritErrors pass through', () => {
  const login = imapError(failure({ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' }), { ...CONTEXT, operation: 'login' });
  assert.equal(login.code, 'WRIT_CONNECTOR_REFUSED');
  assert.equal(login.retryable, false);
  const bug = imapError(new TypeError('x is undefined'), CONTEXT);
  assert.equal(bug.code, 'WRIT_CONNECTOR_FAILED');
  assert.equal(bug.retryable, false);
  const own = new WritError('WRIT_CONFLICT', 'mine');
  assert.equal(imapError(own, CONTEXT), own);
});
