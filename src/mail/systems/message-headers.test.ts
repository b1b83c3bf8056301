import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEncodedWords, firstAddress, firstHeader, normaliseMessageId, readHeaders } from './message-headers.ts';

test('readHeaders unfolds continuation lines, lower-cases names, keeps repeats, stops at the blank line', () => {
  const raw = Buffer.from(
    'Received: from a\r\n\tby b\r\nReceived: from c\r\nSubject: one\r\n  two\r\nX-Empty:\r\n\r\nSubject: in the body\r\n',
  );
  const headers = readHeaders(raw);
  assert.deepEqual(headers.get('received'), ['from a by b', 'from c']);
  assert.equal(firstHeader(headers, 'Subject'), 'one two');
  assert.equal(firstHeader(headers, 'x-empty'), '');
  assert.equal(headers.get('subject')?.length, 1, 'the body is not read as headers');
});

test('readHeaders accepts bare LF line ends', () => {
  assert.equal(firstHeader(readHeaders(Buffer.from('Subject: a\n b\n\nbody')), 'subject'), 'a b');
});

test('encoded words: B and Q, charsets, adjacent words joined, bad ones left as they are', () => {
  assert.equal(decodeEncodedWords('=?utf-8?B?w7xiZXI=?= alles'), 'über alles');
  assert.equal(decodeEncodedWords('=?iso-8859-1?q?caf=E9_cr=E8me?='), 'café crème');
  assert.equal(decodeEncodedWords('=?utf-8?q?Gehaltsabrechnung=3A_Best=C3=A4tigung?=  =?utf-8?q?_erforderlich?='), 'Gehaltsabrechnung: Bestätigung erforderlich');
  assert.equal(decodeEncodedWords('=?no-such-charset?q?x?='), '=?no-such-charset?q?x?=');
  assert.equal(decodeEncodedWords('plain text'), 'plain text');
});

test('normaliseMessageId: brackets added, whitespace and surrounding text dropped, empty is null', () => {
  assert.equal(normaliseMessageId('abc@example.test'), '<abc@example.test>');
  assert.equal(normaliseMessageId('  <abc@example.test>  (comment)'), '<abc@example.test>');
  assert.equal(normaliseMessageId('<a\r\n bc@x>'), '<abc@x>');
  assert.equal(normaliseMessageId('<>'), null);
  assert.equal(normaliseMessageId(undefined), null);
});

test('firstAddress: angle-bracket form, bare form, lower-cased, none', () => {
  assert.equal(firstAddress('"Pay, Roll" <Payroll@Evil.Example>, b@c.d'), 'payroll@evil.example');
  assert.equal(firstAddress('someone@example.test (Someone)'), 'someone@example.test');
  assert.equal(firstAddress('undisclosed-recipients:;'), '');
  assert.equal(firstAddress(undefined), '');
});
