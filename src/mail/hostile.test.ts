import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyseMessage, compileMailOptions, VERDICTS, type Analysis } from './index.ts';
import { buildMessage } from './testing/fixtures.ts';
import { zipArchive } from './testing/zip.ts';

// Every hostile input is generated here; none is stored. Each must come back as a routed
// result (uncertain, with a recorded reason), never as a throw, a hang or a blown heap.

const options = compileMailOptions({ now: () => new Date('2025-01-01T00:00:00Z') });

function routed(a: Analysis, code: string): void {
  assert.equal(a.verdict.verdict, 'uncertain', `expected uncertain, got ${a.verdict.verdict}`);
  assert.ok(a.verdict.reasons.some((r) => r.code === code), `expected reason ${code}, got ${a.verdict.reasons.map((r) => r.code).join(', ')}`);
}

test('an empty file is routed with parse:empty', async () => {
  const a = await analyseMessage(Buffer.alloc(0), options);
  routed(a, 'parse:empty');
  assert.equal(a.indicators.length, 0);
});

test('a 100 MB attachment hits the size limit, keeps its headers, and costs little time or memory', async () => {
  const head = Buffer.from(
    'From: Big Sender <big@example.org>\r\nSubject: huge\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  );
  const raw = Buffer.concat([head, Buffer.alloc(100 * 1024 * 1024, 'A'), Buffer.from('\r\n--b--\r\n')]);
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  const a = await analyseMessage(raw, options);
  assert.ok(Date.now() - started < 5000, 'oversized message analysed quickly');
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 50 * 1024 * 1024, 'the body was not copied into the heap');
  routed(a, 'limit:size');
  assert.deepEqual(a.limits[0], { limit: 'size', max: options.limits.maxBytes, observed: raw.length });
  assert.equal(a.from, 'big@example.org', 'header-only analysis still knows the sender');
  assert.equal(a.subject, 'huge');
});

test('10,000 parts are refused before parsing', async () => {
  const parts = Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
  const raw = Buffer.from(`From: a@example.org\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`);
  const started = Date.now();
  const a = await analyseMessage(raw, options);
  assert.ok(Date.now() - started < 2000);
  routed(a, 'limit:parts');
  assert.ok(a.limits.some((l) => l.limit === 'parts' && l.observed > 500));
});

test('deep nesting is stopped at the depth limit', async () => {
  let head = 'From: a@example.org\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n';
  let tail = '';
  for (let i = 1; i < 100; i++) {
    head += `--b${i - 1}\r\nContent-Type: multipart/mixed; boundary=b${i}\r\n\r\n`;
    tail = `--b${i - 1}--\r\n${tail}`;
  }
  const raw = Buffer.from(`${head}--b99\r\nContent-Type: text/plain\r\n\r\nbottom\r\n--b99--\r\n${tail}`);
  const a = await analyseMessage(raw, options);
  routed(a, 'limit:depth');
  assert.equal(a.from, 'a@example.org');
});

test('an oversized header block hits the header limit', async () => {
  const raw = Buffer.from(`From: a@example.org\r\nX-Filler: ${'x'.repeat(2 * 1024 * 1024)}\r\nSubject: s\r\n\r\nbody\r\n`);
  const a = await analyseMessage(raw, options);
  routed(a, 'limit:headers');
});

test('a zip bomb is flagged from its directory without being inflated', async () => {
  const inflated = Buffer.alloc(64 * 1024 * 1024); // 64 MB of zeros, about 64 KB deflated
  const bomb = zipArchive([{ name: 'report.txt', data: inflated, deflate: true }]);
  assert.ok(bomb.length < 1024 * 1024);
  const raw = buildMessage({ subject: 'archive', text: 'see attached', attachments: [{ filename: 'report.zip', contentType: 'application/zip', content: bomb }] });
  const heapBefore = process.memoryUsage().heapUsed;
  const a = await analyseMessage(raw, options);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 100 * 1024 * 1024, 'the archive was never inflated');
  const att = a.indicators.find((i) => i.kind === 'attachment');
  assert.ok(att?.kind === 'attachment' && att.risky.includes('archive-bomb'), 'archive-bomb label');
});

test('invalid UTF-8 is decoded with replacement characters and recorded, not thrown', async () => {
  const raw = Buffer.concat([
    Buffer.from('From: a@example.org\r\nSubject: bytes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello '),
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe]),
    Buffer.from(' world\r\n'),
  ]);
  const a = await analyseMessage(raw, options);
  assert.ok(VERDICTS.includes(a.verdict.verdict));
  assert.ok(a.indicators.some((i) => i.kind === 'anomaly' && i.code === 'invalid-encoding'));
});

test('an encoded CR/LF in a header is reported as injection and never reaches the output', async () => {
  const injected = Buffer.from('Hello\r\nBcc: victim@example.net').toString('base64');
  const raw = Buffer.from(`From: "=?utf-8?b?${Buffer.from('Evil\r\nX-Injected: yes').toString('base64')}?=" <evil@example.org>\r\nSubject: =?utf-8?b?${injected}?=\r\n\r\nbody\r\n`);
  const a = await analyseMessage(raw, options);
  assert.ok(a.indicators.some((i) => i.kind === 'anomaly' && i.code === 'header-injection' && i.provenance.location === 'Subject'));
  assert.ok(a.indicators.some((i) => i.kind === 'anomaly' && i.code === 'header-injection' && i.provenance.location === 'From'));
  assert.doesNotMatch(a.subject, /[\r\n]/);
  for (const i of a.indicators) if (i.kind === 'address') assert.doesNotMatch(i.displayName, /[\r\n]/);
  assert.notEqual(a.verdict.verdict, 'safe', 'a header injection is never closed unseen');
});

test('malformed MIME: unterminated boundaries, missing headers and garbage still give a verdict', async () => {
  const samples = [
    'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\nContent-Type: text/html\r\n\r\n<a href="http://x.example/">',
    'this is not a message at all',
    'From:\r\nSubject:\r\nContent-Type: multipart/alternative\r\n\r\n--\r\n--\r\n',
    '\r\n\r\n\r\n',
    'Content-Transfer-Encoding: base64\r\n\r\n!!!!not base64!!!!',
    'Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n\u00ff\u00fe body',
  ];
  for (const s of samples) {
    const a = await analyseMessage(Buffer.from(s, 'latin1'), options);
    assert.ok(VERDICTS.includes(a.verdict.verdict), s.slice(0, 30));
  }
});

test('the time limit is recorded and the message routed when exceeded', async () => {
  const slow = compileMailOptions({ limits: { maxTimeMs: 1 }, now: () => new Date(0) });
  const html = `<html><body>${'<a href="https://site.example/p">x</a>'.repeat(20_000)}</body></html>`;
  const a = await analyseMessage(buildMessage({ html }), slow);
  routed(a, 'limit:time');
});

test('IDN homoglyph domains are flagged as lookalikes of the brand they imitate', async () => {
  const raw = buildMessage({
    from: 'PayPal <service@xn--pypal-4ve.com>',
    html: '<a href="https://xn--pypal-4ve.com/signin">Sign in</a>',
    text: 'Verify your account',
  });
  const a = await analyseMessage(raw, options);
  const looks = a.indicators.filter((i) => i.kind === 'lookalike');
  assert.ok(looks.some((l) => l.kind === 'lookalike' && l.on === 'from' && l.target === 'paypal.com' && l.technique === 'mixed-script'));
  assert.ok(looks.some((l) => l.kind === 'lookalike' && l.on === 'url'));
});

test('HTML built to make regular expressions backtrack is scanned in linear time', async () => {
  const variants = [
    '<a href="'.repeat(100_000),
    '<!--'.repeat(200_000),
    `<a ${'x="'.repeat(50_000)}`,
    `<${'a'.repeat(500_000)}`,
  ];
  for (const html of variants) {
    const started = Date.now();
    const a = await analyseMessage(buildMessage({ html }), options);
    assert.ok(Date.now() - started < 3000, `scan took ${Date.now() - started} ms`);
    assert.ok(VERDICTS.includes(a.verdict.verdict));
  }
});

test('property: any bytes give a verdict with a probability in [0, 1], never a throw', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4000 }), async (bytes) => {
      const a = await analyseMessage(Buffer.from(bytes), options);
      return VERDICTS.includes(a.verdict.verdict) && a.verdict.probability >= 0 && a.verdict.probability <= 1;
    }),
    { numRuns: 150, seed: 1 },
  );
});

test('property: MIME-shaped random structure never throws', async () => {
  const token = fc.constantFrom('--b', '--b--', 'Content-Type: multipart/mixed; boundary=b', 'Content-Type: text/html', 'Content-Transfer-Encoding: base64', '', '<a href="http://x.example/">y</a>', '=?utf-8?q?=0D=0A?=', 'From: <>', '\u0000');
  await fc.assert(
    fc.asyncProperty(fc.array(token, { maxLength: 200 }), async (lines) => {
      const a = await analyseMessage(Buffer.from(lines.join('\r\n')), options);
      return VERDICTS.includes(a.verdict.verdict);
    }),
    { numRuns: 150, seed: 2 },
  );
});
