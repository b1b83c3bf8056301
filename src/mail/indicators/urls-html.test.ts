import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities, scanHtml } from './html.ts';
import { domainShownInText, findTextUrls, parseUrl } from './urls.ts';

const opts = { maxAnchors: 100, maxInlineImages: 4, maxInlineImageBytes: 1_000_000 };

test('URLs in text, trailing punctuation trimmed, balanced parentheses kept', () => {
  assert.deepEqual(findTextUrls('See https://example.com/a. And (www.example.org/b), or https://en.example/wiki/X_(y).', 10), [
    'https://example.com/a',
    'www.example.org/b',
    'https://en.example/wiki/X_(y)',
  ]);
  assert.equal(findTextUrls('x https://a.example/1 https://a.example/2 https://a.example/3', 2).length, 2, 'bounded');
});

test('parseUrl flags what hides a destination', () => {
  assert.deepEqual(parseUrl('http://paypal.com@evil.example/x')?.flags, ['userinfo']);
  const ip = parseUrl('http://3232235777/login');
  assert.equal(ip?.host, '192.168.1.1', 'decimal IPs are normalised');
  assert.ok(ip?.flags.includes('ip-host') && ip.flags.includes('credential-path'));
  assert.ok(parseUrl('https://bit.ly/abc')?.flags.includes('shortener'));
  assert.ok(parseUrl('https://storage.googleapis.com/bucket/x.html')?.flags.includes('cloud-hosted'));
  assert.ok(parseUrl('https://xn--pypal-4ve.com/')?.flags.includes('punycode'));
  assert.ok(parseUrl('https://pаypal.com/')?.flags.includes('punycode'), 'an IDN typed in Unicode is punycoded');
  assert.deepEqual(parseUrl('javascript:alert(1)')?.flags, ['script-scheme']);
  assert.equal(parseUrl('mailto:a@example.com'), null);
  assert.equal(parseUrl('cid:image001'), null);
  assert.equal(parseUrl('https://exa mple.com/'), null);
});

test('the domain a link text shows', () => {
  assert.equal(domainShownInText('https://www.paypal.com/signin'), 'paypal.com');
  assert.equal(domainShownInText('  login.microsoftonline.com '), 'microsoftonline.com');
  assert.equal(domainShownInText('Click here'), '');
  assert.equal(domainShownInText('invoice.pdf'), '');
});

test('anchors keep their visible text; forms, scripts, refreshes and inline images are found', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
  const scan = scanHtml(
    `<html><head><title>t</title><style>a{}</style></head><body>
     <a href="https://evil.example/x"><b>https://bank.example</b></a>
     <A HREF='https://ok.example/'>Read &amp; more</A>
     <!-- <a href="https://commented.example/">hidden</a> -->
     <form action="https://collect.example"><input type="password"></form>
     <img src="data:image/png;base64,${png}" onerror="x()">
     <meta http-equiv="refresh" content="0; url=https://refresh.example/">
     <script>var a = '<a href="https://in-script.example">';</script>
     Visible words</body></html>`,
    opts,
  );
  assert.deepEqual(scan.anchors.map((a) => [a.href, a.text]), [
    ['https://evil.example/x', 'https://bank.example'],
    ['https://ok.example/', 'Read & more'],
  ]);
  assert.deepEqual(scan.otherUrls.map((u) => u.tag).sort(), ['form', 'meta-refresh']);
  assert.ok(scan.hasForm && scan.hasPasswordInput && scan.hasScript);
  assert.equal(scan.inlineImages.length, 1);
  assert.match(scan.text, /Visible words/);
  assert.doesNotMatch(scan.text, /in-script|commented|a\{\}/);
});

test('entities decode, including numeric ones and unknown ones left as they are', () => {
  assert.equal(decodeEntities('&lt;a&gt; &#112;&#x61;y &nbsp;&bogus;'), '<a> pay  &bogus;');
});

test('broken HTML: unclosed quotes, comments and tags end the scan instead of restarting it', () => {
  for (const html of ['<a href="x', '<!-- never closed <a href="https://x.example">x</a>', '<a href=https://x.example>text', '<<<<>>>>', '<a\u0000 href="https://x.example">x</a>']) {
    const scan = scanHtml(html, opts);
    assert.ok(Array.isArray(scan.anchors));
  }
  const started = Date.now();
  scanHtml(`${'<a title="'.repeat(50_000)}`, opts);
  scanHtml(`${'<div a=\''.repeat(50_000)}`, opts);
  assert.ok(Date.now() - started < 1000);
});
