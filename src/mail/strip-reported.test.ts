import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseMessage, compileMailOptions, extractReportedMessage, stripTransportHeaders } from './index.ts';
import { buildMessage } from './testing/fixtures.ts';

test('stripping removes transport, authentication, list and date headers and the mbox line, nothing else', () => {
  const raw = Buffer.from(
    [
      'From someone@example.org  Wed Oct  9 10:51:41 2002',
      'Received: from a by b;',
      '  Wed, 9 Oct 2002 10:51:09 +0100',
      'Authentication-Results: mx; dkim=pass',
      'ARC-Seal: i=1; cv=none',
      'DKIM-Signature: v=1; d=example.org;',
      '\tb=abc',
      'List-Id: <dev.lists.example.org>',
      'Precedence: list',
      'Date: Wed, 9 Oct 2002 10:51:09 +0100',
      'From: Someone <someone@example.org>',
      'Subject: kept',
      'Reply-To: list@lists.example.org',
      '',
      'Received: this line is body text and stays',
    ].join('\r\n'),
  );
  const out = stripTransportHeaders(raw).toString('latin1');
  assert.equal(out, ['From: Someone <someone@example.org>', 'Subject: kept', 'Reply-To: list@lists.example.org', '', 'Received: this line is body text and stays'].join('\r\n'));
});

test('the original message is extracted from a report that attaches it', async () => {
  const original = buildMessage({ from: 'Attacker <a@evil.example>', subject: 'Verify now', text: 'verify your account' });
  const report = buildMessage({
    from: 'Employee <e@acme-corp.com>',
    subject: 'Phishing report',
    text: 'I think this is phishing',
    attachments: [{ filename: 'original.eml', contentType: 'message/rfc822', content: original }],
  });
  const extracted = await extractReportedMessage(report);
  assert.ok(extracted);
  const a = await analyseMessage(extracted, compileMailOptions({ now: () => new Date(0) }));
  assert.equal(a.from, 'a@evil.example');
  assert.equal(a.subject, 'Verify now');
  assert.equal(await extractReportedMessage(buildMessage({ text: 'forwarded inline, no attachment' })), null);
  assert.equal(await extractReportedMessage(Buffer.alloc(0)), null);
});
