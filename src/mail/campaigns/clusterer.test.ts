import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseMessage, compileMailOptions, type Analysis } from '../index.ts';
import { buildMessage, seededRandom } from '../testing/fixtures.ts';
import { CampaignClusterer } from './clusterer.ts';
import { campaignKeys } from './keys.ts';
import { minhash, similarity } from './minhash.ts';

const options = compileMailOptions({ now: () => new Date(0) });

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango'.split(' ');
function paragraph(seed: number, n = 120): string {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
}

async function campaignCopy(recipient: string, n: number): Promise<Analysis> {
  // one campaign: same text with the recipient's name and a tracking number changed, each copy its own link token
  return analyseMessage(
    buildMessage({
      from: `Billing <billing${n}@sender${n}.example>`,
      to: recipient,
      subject: `Invoice ${1000 + n}`,
      text: `Hello ${recipient},\n\n${paragraph(7)}\n\nReference ${n * 7919}. Open https://landing${n}.example/t/${n}\n`,
    }),
    options,
  );
}

test('MinHash estimates similarity: near copies high, unrelated texts low, short texts not compared', () => {
  const a = paragraph(1);
  const b = `${a} one more line`;
  assert.ok(similarity(minhash(a), minhash(b)) > 0.8);
  assert.ok(similarity(minhash(a), minhash(paragraph(2))) < 0.3);
  assert.deepEqual(minhash('too short'), []);
  assert.equal(similarity([], minhash(a)), 0);
});

test('near-duplicate bodies join one campaign, whatever their links and senders', async () => {
  const clusterer = new CampaignClusterer();
  const ids = [];
  for (let n = 0; n < 5; n++) ids.push(clusterer.add(await campaignCopy(`user${n}@org.example`, n)).campaignId);
  assert.equal(new Set(ids).size, 1);
  const other = clusterer.add(await analyseMessage(buildMessage({ text: paragraph(99) }), options));
  assert.notEqual(other.campaignId, ids[0]);
  assert.equal(clusterer.get(ids[0]!)?.size, 5);
});

test('a shared landing page, attachment or reply-to joins messages with different bodies', async () => {
  const clusterer = new CampaignClusterer();
  const first = await analyseMessage(buildMessage({ text: `${paragraph(10)} https://kit.example/login/portal?u=1` }), options);
  const second = await analyseMessage(buildMessage({ text: `${paragraph(11)} https://kit.example/login/portal?u=2` }), options);
  const a = clusterer.add(first);
  const b = clusterer.add(second);
  assert.equal(b.campaignId, a.campaignId);
  assert.deepEqual(b.matchedBy, ['url:kit.example/login/portal']);
});

test('common sites and brand home pages never join campaigns; images are not keys', async () => {
  const a = await analyseMessage(buildMessage({ html: '<a href="https://www.paypal.com/">PayPal</a><a href="https://www.w3.org/">w3</a>' }), options);
  assert.deepEqual(campaignKeys(a), []);
});

test('the same message reported twice is counted, not added', async () => {
  const clusterer = new CampaignClusterer();
  const m = await campaignCopy('x@org.example', 1);
  const first = clusterer.add(m);
  const again = clusterer.add(m);
  assert.equal(again.campaignId, first.campaignId);
  assert.deepEqual(again.matchedBy, ['same-message']);
  assert.equal(clusterer.get(first.campaignId)?.size, 1);
  assert.equal(clusterer.get(first.campaignId)?.reports, 2);
});

test('a message bridging two campaigns merges them into the older; the younger id resolves', () => {
  const clusterer = new CampaignClusterer();
  const a = clusterer.add({ fingerprint: 'm1', keys: ['url:a.example/x'], minhash: [] });
  const b = clusterer.add({ fingerprint: 'm2', keys: ['url:b.example/y'], minhash: [] });
  assert.notEqual(a.campaignId, b.campaignId);
  const bridge = clusterer.add({ fingerprint: 'm3', keys: ['url:a.example/x', 'url:b.example/y'], minhash: [] });
  assert.equal(bridge.campaignId, a.campaignId);
  assert.deepEqual(bridge.merged, [b.campaignId]);
  assert.equal(clusterer.resolve(b.campaignId), a.campaignId);
  assert.equal(clusterer.get(b.campaignId)?.size, 3);
  assert.equal(clusterer.campaigns().length, 1);
});

test('ids are deterministic and the state survives a JSON round trip', async () => {
  const messages = [];
  for (let n = 0; n < 4; n++) messages.push(await campaignCopy(`u${n}@org.example`, n));
  messages.push(await analyseMessage(buildMessage({ text: paragraph(50) }), options));
  const one = new CampaignClusterer();
  const two = new CampaignClusterer();
  const idsOne = messages.map((m) => one.add(m).campaignId);
  const idsTwo = messages.map((m) => two.add(m).campaignId);
  assert.deepEqual(idsOne, idsTwo);
  assert.match(idsOne[0]!, /^cmp_[0-9a-f]{16}$/);

  const restored = CampaignClusterer.fromJSON(JSON.parse(JSON.stringify(one.toJSON())));
  assert.deepEqual(restored.toJSON(), one.toJSON());
  const next = await campaignCopy('late@org.example', 9);
  assert.equal(restored.add(next).campaignId, one.add(next).campaignId);
  assert.throws(() => CampaignClusterer.fromJSON({ version: 2 }), { code: 'WRIT_INPUT_INVALID' });
});
