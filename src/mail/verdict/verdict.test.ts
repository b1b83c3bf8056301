import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseMessage, compileMailOptions, DEFAULT_MODEL, FEATURE_NAMES, parseModel, score } from '../index.ts';
import { buildMessage, seededRandom } from '../testing/fixtures.ts';
import { chooseThresholds, fitLogistic, fitPlatt, foldOf, logOdds, outOfFold, type Dataset } from './fit.ts';

function synthetic(n: number, seed: number): Dataset {
  // feature 0 raises the odds, feature 1 is noise, feature 2 would lower them (and must be clipped to 0)
  const rnd = seededRandom(seed);
  const data: Dataset = { x: [], y: [] };
  for (let i = 0; i < n; i++) {
    const x = [rnd() < 0.5 ? 1 : 0, rnd() < 0.5 ? 1 : 0, rnd() < 0.5 ? 1 : 0];
    const z = -1 + 2.5 * x[0]! - 1.5 * x[2]!;
    data.x.push(x);
    data.y.push(rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return data;
}

test('the fit recovers a real effect, ignores noise and never learns a negative weight', () => {
  const fit = fitLogistic(synthetic(4000, 1), 0.1);
  assert.ok(fit.weights[0]! > 2 && fit.weights[0]! < 3, `w0 ${fit.weights[0]}`);
  assert.ok(fit.weights[1]! < 0.3);
  assert.equal(fit.weights[2], 0);
  assert.ok(fit.weights.every((w) => w >= 0));
});

test('the fit is deterministic and respects the weight bound', () => {
  const data = synthetic(500, 2);
  assert.deepEqual(fitLogistic(data, 0.3), fitLogistic(data, 0.3));
  assert.ok(fitLogistic(data, 0, { maxWeight: 1 }).weights.every((w) => w <= 1));
});

test('Platt scaling calibrates scores: predicted rates match observed ones', () => {
  const data = synthetic(4000, 3);
  const names = data.y.map((_, i) => `m${i}`);
  const oof = outOfFold(data, names, 5, 0.1);
  const platt = fitPlatt(oof, data.y);
  const p = oof.map((z) => 1 / (1 + Math.exp(-(platt.a * z + platt.b))));
  const mean = p.reduce((s, v) => s + v, 0) / p.length;
  const observed = data.y.reduce<number>((s, v) => s + v, 0) / data.y.length;
  assert.ok(Math.abs(mean - observed) < 0.02);
  assert.ok(platt.a > 0);
});

test('folds come from names, not positions', () => {
  assert.equal(foldOf('train/ham/abc.eml', 5), foldOf('train/ham/abc.eml', 5));
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < 1000; i++) counts[foldOf(`file-${i}`, 5)]!++;
  assert.ok(counts.every((c) => c > 150));
});

test('thresholds: contain above the allowed share of legitimate scores, close to fit the analyst share', () => {
  const p = [0.1, 0.1, 0.1, 0.2, 0.3, 0.95, 0.9, 0.97, 0.99, 0.6];
  const y = [0, 0, 0, 0, 0, 1, 1, 1, 1, 0] as (0 | 1)[];
  const t = chooseThresholds(p, y, p.map(() => true), { maxFalseContain: 0, maxAnalystShare: 0.2, closeCeiling: 0.5 });
  assert.equal(t.autoContain, 0.601, 'just above the highest legitimate score');
  assert.ok(t.autoClose >= 0.2 && t.autoClose < 0.3, `close ${t.autoClose}`);
});

test('the shipped model: valid, non-negative, named features only, and no era-encoding inputs', () => {
  const model = parseModel(DEFAULT_MODEL);
  for (const [name, w] of Object.entries(model.weights)) {
    assert.ok((FEATURE_NAMES as readonly string[]).includes(name), `unknown feature ${name}`);
    assert.ok(w >= 0);
  }
  for (const name of FEATURE_NAMES) assert.doesNotMatch(name, /dkim|arc|spf|dmarc|auth|received|date|list|mailer|html$|length|tld|shortener|year/i);
  assert.ok(model.thresholds.autoClose < model.thresholds.autoContain);
  assert.throws(() => parseModel({ ...model, weights: { 'lure.urgency': -1 } }), { code: 'WRIT_INPUT_INVALID' });
});

test('score: contributions explain the log-odds', () => {
  const model = parseModel({ ...DEFAULT_MODEL, weights: { a: 1, b: 2 }, intercept: -1, calibration: { a: 1, b: 0 } });
  const s = score(model, { a: 1, b: 0.5, c: 9 });
  assert.equal(s.logOdds, 1);
  assert.deepEqual(s.contributions.map((c) => c.feature), ['a', 'b']);
  assert.equal(s.probability, 1 / (1 + Math.exp(-1)));
  assert.equal(logOdds({ weights: [1, 2], intercept: -1 }, [1, 0.5]), 1);
});

// Rules, on a model whose weights are known.
const model = parseModel({ ...DEFAULT_MODEL, weights: { 'lure.urgency': 2, 'lure.credentials': 2, 'sender.display_brand': 2 }, intercept: -3, calibration: { a: 1, b: 0 }, thresholds: { autoContain: 0.7, autoClose: 0.1 } });
const base = { model, now: () => new Date(0), organisationDomains: ['acme-corp.com'] };
const LURING = { subject: 'x', text: 'Urgent: verify your account now' };

test('two pieces of evidence contain; one does not, however strong', async () => {
  const two = await analyseMessage(buildMessage({ ...LURING, from: 'PayPal <a@b.example>' }), compileMailOptions(base));
  assert.equal(two.verdict.verdict, 'malicious');
  const strongOne = parseModel({ ...model, weights: { 'lure.credentials': 9 } });
  const one = await analyseMessage(buildMessage(LURING), compileMailOptions({ ...base, model: strongOne }));
  assert.ok(one.verdict.probability > 0.9);
  assert.equal(one.verdict.verdict, 'uncertain');
  assert.ok(one.verdict.reasons.some((r) => r.code === 'review:single-evidence'));
  const relaxed = await analyseMessage(buildMessage(LURING), compileMailOptions({ ...base, model: strongOne, minContainEvidence: 1 }));
  assert.equal(relaxed.verdict.verdict, 'malicious');
});

test('known-bad lists contain; they win over everything else', async () => {
  const opts = compileMailOptions({ ...base, knownBad: { domains: ['kit.example'] } });
  const a = await analyseMessage(buildMessage({ text: 'hello https://login.kit.example/x' }), opts);
  assert.equal(a.verdict.verdict, 'malicious');
  assert.equal(a.verdict.decidedBy, 'rule');
  assert.equal(a.verdict.confidence, 1);
  assert.equal(a.verdict.reasons[0]?.code, 'known-bad:domain');
  const bySha = compileMailOptions({ ...base, knownBad: { sha256: ['2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'] } });
  const b = await analyseMessage(buildMessage({ text: 'x', attachments: [{ filename: 'h.txt', contentType: 'text/plain', content: Buffer.from('hello') }] }), bySha);
  assert.equal(b.verdict.reasons[0]?.code, 'known-bad:sha256');
});

test("the organisation's own simulation is safe; another vendor's marker is not trusted", async () => {
  const sim = buildMessage({ ...LURING, from: 'PayPal <a@b.example>', headers: [['X-PHISHTEST', 'campaign 42']] });
  const own = await analyseMessage(sim, compileMailOptions({ ...base, simulations: { ownVendors: ['knowbe4'] } }));
  assert.equal(own.verdict.verdict, 'safe');
  assert.equal(own.verdict.reasons[0]?.code, 'simulation:own');
  const foreign = await analyseMessage(sim, compileMailOptions(base));
  assert.equal(foreign.verdict.verdict, 'malicious');
  assert.ok(foreign.verdict.reasons.some((r) => r.code === 'simulation:other'));
  const plain = await analyseMessage(buildMessage({ text: 'hello', headers: [['X-PHISHTEST', '1']] }), compileMailOptions(base));
  assert.equal(plain.verdict.verdict, 'uncertain', 'a foreign marker keeps a report from closing unseen');
});

test('an authenticated known-good sender is closed; an unauthenticated claim to it is not', async () => {
  const opts = compileMailOptions({ ...base, knownGood: { domains: ['partner.example'] } });
  const signed = buildMessage({ from: 'p@partner.example', text: 'Urgent', headers: [['Authentication-Results', 'mx.acme-corp.com; dmarc=pass header.from=partner.example']] });
  const a = await analyseMessage(signed, opts);
  assert.equal(a.verdict.verdict, 'safe');
  assert.ok(a.verdict.reasons.some((r) => r.code === 'known-good:sender'));
  const unsigned = await analyseMessage(buildMessage({ from: 'p@partner.example', text: 'Urgent' }), opts);
  assert.ok(!unsigned.verdict.reasons.some((r) => r.code === 'known-good:sender'));
});

test('links through shorteners or open hosting keep a report from closing unseen', async () => {
  const a = await analyseMessage(buildMessage({ text: 'see https://bit.ly/3abc' }), compileMailOptions(base));
  assert.equal(a.verdict.verdict, 'uncertain');
  assert.equal(a.verdict.reasons[0]?.code, 'review:hidden-destination');
  const b = await analyseMessage(buildMessage({ text: 'see https://git.example.org/x' }), compileMailOptions(base));
  assert.equal(b.verdict.verdict, 'safe');
});

test('thresholds are configuration; bad options are refused', async () => {
  const strict = compileMailOptions({ ...base, thresholds: { autoClose: 0.01 } });
  const a = await analyseMessage(buildMessage({ text: 'plain words' }), strict);
  assert.equal(a.verdict.verdict, 'uncertain');
  assert.throws(() => compileMailOptions({ thresholds: { autoContain: 0.2, autoClose: 0.3 } }), { code: 'WRIT_INPUT_INVALID' });
  assert.throws(() => compileMailOptions({ limits: { maxParts: -1 } }), { code: 'WRIT_INPUT_INVALID' });
  assert.throws(() => compileMailOptions({ bogus: 1 } as never), { code: 'WRIT_INPUT_INVALID' });
});
