import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { composeNotification } from './compose.ts';
import { NOTIFICATION_TEMPLATES, defang, oneLine, renderNotification, type NotificationTemplate } from './templates.ts';

const HOSTILE_SUBJECTS = [
  'Invoice\r\nBcc: everyone@example.com',
  'Invoice\nContent-Type: text/html\n\n<script>alert(1)</script>',
  'Invoice\rX-Injected: 1',
  'Invoice\u0085NEL\u2028LS\u2029PS\u000bVT\u000cFF\u0000NUL',
  'Invoice =?UTF-8?Q?=0D=0ABcc:_x@example.com?=',
];

test('each template says what happened, quotes the reported subject and carries the case reference', () => {
  const facts = { reportedSubject: 'Quarterly bonus', caseId: 'case-42', contained: 7, organisation: 'Acme' };
  const expected: Record<NotificationTemplate, { subject: RegExp; text: RegExp }> = {
    received: { subject: /^We received your report: Quarterly bonus$/, text: /looking at it/ },
    malicious: { subject: /^Your report was phishing: Quarterly bonus$/, text: /was malicious\. We removed 7 copies of it from mailboxes\. If you clicked a link/ },
    safe: { subject: /^Your report was checked: Quarterly bonus$/, text: /it is safe; no action is needed/ },
    simulation: { subject: /^Well spotted: Quarterly bonus was a phishing exercise$/, text: /phishing-awareness exercise/ },
    uncertain: { subject: /^Your report is under review: Quarterly bonus$/, text: /An analyst is reviewing it/ },
  };
  const subjects = new Set<string>();
  for (const template of NOTIFICATION_TEMPLATES) {
    const { subject, text } = renderNotification(template, facts);
    assert.match(subject, expected[template].subject, template);
    assert.match(text, expected[template].text, template);
    assert.match(text, /"Quarterly bonus"/, `${template} quotes the subject`);
    assert.match(text, /\nReference: case-42\n/, `${template} carries the case`);
    assert.match(text, /\n-- \nSecurity Operations, Acme \(sent by Writ/, `${template} signs off`);
    subjects.add(subject);
  }
  assert.equal(subjects.size, NOTIFICATION_TEMPLATES.length, 'every outcome reads differently');
});

test('the malicious template counts copies correctly and leaves out a count it does not have', () => {
  assert.match(renderNotification('malicious', { reportedSubject: 's', contained: 1 }).text, /We removed 1 copy of it/);
  assert.match(renderNotification('malicious', { reportedSubject: 's', contained: 0 }).text, /We removed 0 copies/);
  for (const contained of [undefined, -1, 1.5, Number.NaN]) {
    assert.doesNotMatch(renderNotification('malicious', { reportedSubject: 's', ...(contained === undefined ? {} : { contained }) }).text, /removed/, String(contained));
  }
  const plain = renderNotification('safe', { reportedSubject: '' });
  assert.equal(plain.subject, 'Your report was checked: (no subject)');
  assert.doesNotMatch(plain.text, /Reference:/);
  assert.match(plain.text, /\n-- \nSecurity Operations \(sent by Writ/);
});

test('an unknown template is a programming error, not a blank mail', () => {
  assert.throws(() => renderNotification('pwned' as NotificationTemplate, { reportedSubject: 's' }), TypeError);
});

test('no CR, LF or other line break from an untrusted subject reaches the rendered subject', () => {
  for (const reportedSubject of HOSTILE_SUBJECTS) {
    for (const template of NOTIFICATION_TEMPLATES) {
      const { subject, text } = renderNotification(template, { reportedSubject, caseId: 'c\r\nX-Case: 1' });
      assert.doesNotMatch(subject, /[\r\n\u0000-\u001f\u007f-\u009f\u2028\u2029]/, `${template}: ${JSON.stringify(reportedSubject)}`);
      assert.doesNotMatch(text, /\nBcc:|\nX-Injected|\nContent-Type|\nX-Case/, template);
    }
  }
});

test('composed messages carry exactly one subject line, and no header the reporter\'s phish wrote', async () => {
  for (const reportedSubject of HOSTILE_SUBJECTS) {
    const message = renderNotification('malicious', { reportedSubject });
    const raw = await composeNotification({ from: 'Security <soc@example.test>', to: 'ann@example.test', message, messageId: '<a1@writ.local>' });
    const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
    const names = head.split('\r\n').filter((line) => !/^[ \t]/.test(line)).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
    assert.deepEqual(names.filter((n) => !['from', 'to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', 'auto-submitted', 'x-auto-response-suppress'].includes(n)), [], JSON.stringify(reportedSubject));
    assert.equal(names.filter((n) => n === 'subject').length, 1);
    const parsed = await PostalMime.parse(raw);
    assert.equal(parsed.subject, message.subject);
    assert.deepEqual(parsed.to?.map((t) => t.address), ['ann@example.test']);
    assert.equal(parsed.messageId, '<a1@writ.local>');
    assert.equal(parsed.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-generated');
  }
});

test('non-ASCII subjects survive the round trip through MIME encoding', async () => {
  const message = renderNotification('uncertain', { reportedSubject: 'Überweisung für Zoë — 請求書 😀' });
  const raw = await composeNotification({ from: 'soc@example.test', to: 'zoe@example.test', message, messageId: '<u@writ.local>' });
  assert.ok(raw.every((byte) => byte < 0x80), 'the message is 7-bit clean');
  const parsed = await PostalMime.parse(raw);
  assert.equal(parsed.subject, 'Your report is under review: Überweisung für Zoë — 請求書 😀');
  assert.equal(parsed.text?.trimEnd(), message.text);
});

test('oneLine flattens, strips invisible and bidirectional characters, and cuts on a code point', () => {
  assert.equal(oneLine('  a\r\n\tb\u202ec\u200bd\ufeffe  '), 'a b c d e');
  const long = oneLine('😀'.repeat(500));
  assert.equal(Array.from(long).length, 200);
  assert.ok(long.endsWith('…'));
  assert.doesNotMatch(long, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
});

test('links and host names in a quoted subject are defanged, ordinary text is left alone', () => {
  assert.equal(defang('Verify at https://login.evil-example.com/x now'), 'Verify at hxxps://login[.]evil-example[.]com/x now');
  assert.equal(defang('HTTP://EVIL.COM'), 'HxxP://EVIL[.]COM');
  assert.equal(defang('see 192.168.10.1 or ftp://files.example.org'), 'see 192[.]168[.]10[.]1 or fxp://files[.]example[.]org');
  assert.equal(defang('reply to ceo@acme.co.uk'), 'reply to ceo@acme[.]co[.]uk');
  assert.equal(defang('Invoice 2.5 due, e.g. today. Thanks'), 'Invoice 2.5 due, e.g. today. Thanks');
  const { subject, text } = renderNotification('malicious', { reportedSubject: 'Reset at https://evil.example/reset' });
  for (const rendered of [subject, text]) {
    assert.doesNotMatch(rendered, /https?:\/\/|evil\.example/);
    assert.match(rendered, /hxxps:\/\/evil\[\.\]example\/reset/);
  }
});
