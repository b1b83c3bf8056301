import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../../errors/index.ts';
import { compileCriteria, contentMatches, headersMatch } from './criteria.ts';
import type { MessageCriteria } from './mail-system.ts';
import { readHeaders } from './message-headers.ts';

const RAW = Buffer.from(
  [
    'From: "Payroll" <payroll@paypa1-hr.example>',
    'Subject: =?utf-8?q?Best=C3=A4tigung?=',
    'Message-ID: <Case.Sensitive@mailer.example>',
    'X-Campaign-Ref: pr-2025-03',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('Please sign in at https://login.paypa1-hr.example/').toString('base64'),
    '',
  ].join('\r\n'),
);

test('empty or malformed criteria are refused before anything is searched', () => {
  const bad: MessageCriteria[] = [{}, { subject: '' }, { from: '   ' }, { messageId: '<>' }, { headers: { 'Bad Name': 'x' } }, { headers: { 'X-A': '' } }];
  for (const criteria of bad) {
    assert.throws(() => compileCriteria(criteria), (e) => isWritError(e, 'WRIT_INPUT_INVALID'), JSON.stringify(criteria));
  }
  assert.throws(() => compileCriteria({ matches: 'yes' as unknown as () => boolean }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
});

test('header criteria: case-insensitive substrings of decoded values; the Message-ID exact', () => {
  const headers = readHeaders(RAW);
  const match = (criteria: Parameters<typeof compileCriteria>[0]): boolean => headersMatch(compileCriteria(criteria), headers);
  assert.equal(match({ from: 'PAYPA1-HR.example' }), true);
  assert.equal(match({ from: 'Payroll' }), true, 'the display name counts');
  assert.equal(match({ subject: 'bestätigung' }), true);
  assert.equal(match({ headers: { 'x-campaign-ref': 'PR-2025' } }), true);
  assert.equal(match({ messageId: 'Case.Sensitive@mailer.example' }), true);
  assert.equal(match({ messageId: '<case.sensitive@mailer.example>' }), false, 'Message-IDs compare exactly');
  assert.equal(match({ messageId: '<Case.Sensitive@mailer' }), false);
  assert.equal(match({ from: 'paypa1-hr.example', subject: 'invoice' }), false, 'every field must match');
  assert.equal(match({ headers: { 'x-missing': 'a' } }), false);
});

test('content criteria: the decoded body, and the predicate over the raw bytes', async () => {
  assert.equal(await contentMatches(compileCriteria({ body: 'LOGIN.paypa1-hr.example' }), RAW), true, 'base64 is decoded');
  assert.equal(await contentMatches(compileCriteria({ body: 'unrelated' }), RAW), false);
  let seen: Buffer | undefined;
  assert.equal(await contentMatches(compileCriteria({ matches: (raw) => ((seen = raw), true) }), RAW), true);
  assert.equal(seen, RAW);
  assert.equal(await contentMatches(compileCriteria({ subject: 'x', matches: () => false }), RAW), false);
});
