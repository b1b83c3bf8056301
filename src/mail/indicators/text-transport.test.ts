import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLures, normaliseForMatching } from './lure.ts';
import { parseAuthenticationResults, parseReceived, parseReceivedSpf, stripComments } from './transport.ts';
import { findSimulationMarkers } from './simulation.ts';

const lures = (text: string) => Object.fromEntries([...findLures(normaliseForMatching(text))].map(([k, v]) => [k, [...v].sort()]));

test('lure phrases by category, across languages, accents and look-alike letters', () => {
  assert.deepEqual(lures('URGENT: verify your account within 24 hours!'), {
    urgency: ['urgent', 'within 24 hours'],
    credentials: ['verify your account'],
  });
  assert.deepEqual(lures('Parabéns! Você ganhou um prêmio'), { reward: ['parabens', 'premio', 'voce ganhou'] });
  assert.deepEqual(lures('Ihr Konto wurde gesperrt'), { threat: ['konto wurde gesperrt'] });
  assert.deepEqual(lures('Vеrify your accоunt'), { credentials: ['verify your account'] }, 'Cyrillic е and о inside Latin words');
  assert.deepEqual(lures('𝗖𝗼𝗻𝗴𝗿𝗮𝘁𝘀, 𝘆𝗼𝘂 𝘄𝗼𝗻'), { reward: ['congrats', 'you won'] }, 'mathematical bold letters');
  assert.deepEqual(lures('The kernel build passed; please review the patch.'), {});
});

test('a phrase inside a longer phrase counts once', () => {
  assert.deepEqual(lures('Your account has been suspended'), { threat: ['account has been suspended'] });
});

test('Authentication-Results: methods, results and the domain each speaks for', () => {
  const results = parseAuthenticationResults(
    'mx.example.com; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=bounce.example.org; dkim=pass (signature was verified) header.d=example.org; dmarc=fail action=none header.from=example.org; compauth=fail reason=000',
  );
  assert.deepEqual(results, [
    { method: 'spf', result: 'pass', domain: 'bounce.example.org' },
    { method: 'dkim', result: 'pass', domain: 'example.org' },
    { method: 'dmarc', result: 'fail', domain: 'example.org' },
    { method: 'compauth', result: 'fail', domain: '' },
  ]);
  assert.deepEqual(parseAuthenticationResults('spf=none (x (nested) y) smtp.helo=h.example;dkim=none header.i=@sig.example'), [
    { method: 'spf', result: 'none', domain: 'h.example' },
    { method: 'dkim', result: 'none', domain: 'sig.example' },
  ]);
  assert.equal(stripComments('a (b (c) d) e'), 'a  e');
  assert.deepEqual(parseReceivedSpf('Pass (protection.example: domain of x.example designates 192.0.2.1) envelope-from=<a@x.example>'), { method: 'spf', result: 'pass', domain: 'x.example' });
});

test('Received hops: from, by, connecting IP and date', () => {
  assert.deepEqual(parseReceived('from mail.example.org (mail.example.org [198.51.100.4]) by mx.example.net (Postfix) with ESMTPS id 1; Tue, 4 Mar 2025 09:00:00 +0000'), {
    from: 'mail.example.org',
    by: 'mx.example.net',
    ip: '198.51.100.4',
    date: 'Tue, 4 Mar 2025 09:00:00 +0000',
  });
  assert.equal(parseReceived('from h (h [IPv6:2001:db8::1]) by mx; date').ip, '2001:db8::1');
});

test('simulation markers: a vendor alone is not the organisation\'s own; declared vendors and private markers are', () => {
  const headers = [{ key: 'x-phishtest', value: 'KnowBe4' }, { key: 'x-acme-sim', value: 's3cret' }];
  assert.deepEqual(findSimulationMarkers(headers, new Set(), []), [{ vendor: 'knowbe4', own: false, marker: 'x-phishtest' }]);
  assert.deepEqual(findSimulationMarkers(headers, new Set(['knowbe4']), []), [{ vendor: 'knowbe4', own: true, marker: 'x-phishtest' }]);
  assert.deepEqual(findSimulationMarkers(headers, new Set(), [{ header: 'x-acme-sim', value: 'wrong' }]).filter((m) => m.own), []);
  assert.deepEqual(findSimulationMarkers(headers, new Set(), [{ header: 'x-acme-sim', value: 's3cret' }]).filter((m) => m.own), [
    { vendor: 'organisation', own: true, marker: 'x-acme-sim' },
  ]);
});
