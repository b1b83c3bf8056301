import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILT_IN_BRANDS } from './brands.ts';
import { brandInDisplayName, brandOwns, findLookalike, hostInfo, isMixedScript, skeleton, withinOneEdit } from './domains.ts';

const org = Object.freeze(['acme-corp.com']);
const brands = BUILT_IN_BRANDS;

test('registrable domains honour public and private suffixes', () => {
  assert.equal(hostInfo('login.example.co.uk').domain, 'example.co.uk');
  assert.equal(hostInfo('evil.web.app').domain, 'evil.web.app', 'a private suffix: each app is its own domain');
  assert.equal(hostInfo('192.0.2.7').isIp, true);
  assert.equal(hostInfo('').domain, '');
});

test('skeletons equate look-alike spellings', () => {
  assert.equal(skeleton('paypa1'), skeleton('paypal'));
  assert.equal(skeleton('rnicrosoft'), skeleton('microsoft'));
  assert.equal(skeleton('аpple'), skeleton('apple'), 'Cyrillic а');
  assert.notEqual(skeleton('example'), skeleton('sample'));
});

test('one edit away, and no further', () => {
  assert.ok(withinOneEdit('amazon', 'amazom'));
  assert.ok(withinOneEdit('amazon', 'amzaon'), 'transposition');
  assert.ok(withinOneEdit('amazon', 'amazonn'));
  assert.ok(!withinOneEdit('amazon', 'amzn'));
});

test('lookalikes: homoglyph, IDN mixed script, typo and brand-in-name; owners never', () => {
  assert.deepEqual(findLookalike('paypa1.com', org, brands), { target: 'paypal.com', targetKind: 'brand', technique: 'homoglyph' });
  assert.equal(findLookalike('xn--pypal-4ve.com', org, brands)?.technique, 'mixed-script');
  assert.equal(findLookalike('xn--pypal-4ve.com', org, brands)?.target, 'paypal.com');
  assert.deepEqual(findLookalike('acme-c0rp.com', org, brands), { target: 'acme-corp.com', targetKind: 'organisation', technique: 'homoglyph' });
  assert.equal(findLookalike('acme-corps.com', org, brands)?.technique, 'edit-distance');
  assert.equal(findLookalike('paypal.com.secure-check.example', org, brands)?.technique, 'brand-in-name');
  assert.equal(findLookalike('www.paypal.com', org, brands), null);
  assert.equal(findLookalike('amazon.co.uk', org, brands), null, 'country-code domains of the brand');
  assert.equal(findLookalike('mail.acme-corp.com', org, brands), null);
  assert.equal(findLookalike('pineapple.example', org, brands), null, 'a five-letter name counts only at the start of a label');
  assert.equal(findLookalike('example.org', org, brands), null);
});

test('mixed-script labels are recognised', () => {
  assert.ok(isMixedScript('pаypal'));
  assert.ok(!isMixedScript('paypal'));
  assert.ok(!isMixedScript('пример'));
});

test('display names claim brands as words, and freemail or tenants never own a brand as sender', () => {
  assert.equal(brandInDisplayName('PayPal Service', brands)?.name, 'PayPal');
  assert.equal(brandInDisplayName('Microsoft 365 Team', brands)?.name, 'Microsoft');
  assert.equal(brandInDisplayName('Chase Miller', brands), null);
  const microsoft = brands.find((b) => b.name === 'Microsoft')!;
  assert.ok(brandOwns(microsoft, hostInfo('outlook.com')));
  assert.ok(!brandOwns(microsoft, hostInfo('outlook.com'), true), 'a brand does not write from freemail');
  assert.ok(!brandOwns(microsoft, hostInfo('tenant.onmicrosoft.com'), true), 'a tenant is not the brand');
});
