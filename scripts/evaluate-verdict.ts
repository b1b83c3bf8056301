/**
 * Evaluates the fitted verdict model on the held-out test/ split of the shared mail corpus,
 * twice: messages as received, and with transport, authentication, list and date headers
 * stripped. Prints Markdown (the tables in docs/triage.md come from here).
 *
 *   node --import tsx scripts/evaluate-verdict.ts [CORPUS_DIR] [--contain P] [--close P] [--min-evidence N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL, type MailOptions } from '../src/mail/index.ts';
import { MIN_CONTAIN_EVIDENCE } from '../src/mail/verdict/decide.ts';
import { analyseCorpus, corpusRoot, loadCorpus, type Scored } from './mail-corpus.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const root = corpusRoot(positional[0]);
const thresholds = {
  autoContain: flag('--contain') ?? DEFAULT_MODEL.thresholds.autoContain,
  autoClose: flag('--close') ?? DEFAULT_MODEL.thresholds.autoClose,
};
const minEvidence = flag('--min-evidence') ?? MIN_CONTAIN_EVIDENCE;
const options: MailOptions = { thresholds, minContainEvidence: minEvidence };

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : pct(a / b));

/** The largest true rate consistent with seeing `k` events in `n` trials (one-sided 95 %, exact). */
function upperBound95(k: number, n: number): number {
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    // P(X ≤ k | n, mid)
    let term = (1 - mid) ** n;
    let cdf = term;
    for (let j = 1; j <= k; j++) {
      term *= ((n - j + 1) / j) * (mid / (1 - mid));
      cdf += term;
    }
    if (cdf > 0.05) lo = mid;
    else hi = mid;
  }
  return hi;
}

const evidenceCount = (r: Scored) => Object.entries(r.analysis.features).filter(([f, x]) => x > 0 && (DEFAULT_MODEL.weights[f] ?? 0) > 0).length;

function report(title: string, rows: Scored[]): string {
  const out: string[] = [`### ${title}`, ''];
  const phish = rows.filter((r) => r.label === 1);
  const ham = rows.filter((r) => r.label === 0);
  const v = (r: Scored) => r.analysis.verdict.verdict;
  const tpContain = phish.filter((r) => v(r) === 'malicious').length;
  const fpContain = ham.filter((r) => v(r) === 'malicious').length;
  const hamClosed = ham.filter((r) => v(r) === 'safe').length;
  const phishClosed = phish.filter((r) => v(r) === 'safe').length;
  const uncertain = rows.filter((r) => v(r) === 'uncertain').length;
  out.push(`Thresholds: auto-contain at P ≥ ${thresholds.autoContain} with at least ${minEvidence} pieces of evidence, auto-close at P ≤ ${thresholds.autoClose}. ${phish.length} phishing, ${ham.length} legitimate.`, '');
  out.push('| | precision | recall | wrong |', '|---|---|---|---|');
  out.push(`| auto-contain (malicious) | ${ratio(tpContain, tpContain + fpContain)} | ${ratio(tpContain, phish.length)} of phishing contained | ${fpContain} legitimate contained = ${ratio(fpContain, ham.length)} (95 % upper bound ${pct(upperBound95(fpContain, ham.length))}) |`);
  out.push(`| auto-close (safe) | ${ratio(hamClosed, hamClosed + phishClosed)} | ${ratio(hamClosed, ham.length)} of legitimate closed | ${phishClosed} phishing closed = ${ratio(phishClosed, phish.length)} |`);
  out.push('', `Needing an analyst (uncertain): ${uncertain} of ${rows.length} = ${pct(uncertain / rows.length)}; no analyst needed: ${pct(1 - uncertain / rows.length)}.`, '');

  out.push('| group | n | contained | closed | analyst |', '|---|---|---|---|---|');
  for (const group of [...new Set(rows.map((r) => r.group))].sort()) {
    const g = rows.filter((r) => r.group === group);
    const c = (label: string) => pct(g.filter((r) => v(r) === label).length / g.length);
    out.push(`| ${group} | ${g.length} | ${c('malicious')} | ${c('safe')} | ${c('uncertain')} |`);
  }

  out.push('', 'Reliability (calibrated P(malicious) against the observed share of phishing):', '');
  out.push('| P bin | n | mean P | observed |', '|---|---|---|---|');
  let brier = 0;
  let loss = 0;
  for (let b = 0; b < 10; b++) {
    const lo = b / 10;
    const hi = (b + 1) / 10;
    const bin = rows.filter((r) => r.analysis.verdict.probability >= lo && (b === 9 ? r.analysis.verdict.probability <= hi : r.analysis.verdict.probability < hi));
    if (bin.length === 0) continue;
    const mean = bin.reduce((s, r) => s + r.analysis.verdict.probability, 0) / bin.length;
    const observed = bin.filter((r) => r.label === 1).length / bin.length;
    out.push(`| ${lo.toFixed(1)}–${hi.toFixed(1)} | ${bin.length} | ${mean.toFixed(3)} | ${observed.toFixed(3)} |`);
  }
  for (const r of rows) {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, r.analysis.verdict.probability));
    brier += (p - r.label) ** 2;
    loss -= r.label === 1 ? Math.log(p) : Math.log(1 - p);
  }
  out.push('', `Brier score ${(brier / rows.length).toFixed(4)}, log-loss ${(loss / rows.length).toFixed(4)}.`, '');

  out.push('Operating points (model only, before rules), contained share at other thresholds:', '');
  out.push('| auto-contain at | phishing contained | legitimate contained |', '|---|---|---|');
  for (const t of [0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
    const eligible = (r: Scored) => r.analysis.verdict.probability >= t && evidenceCount(r) >= minEvidence;
    out.push(`| ${t} | ${ratio(phish.filter(eligible).length, phish.length)} | ${ratio(ham.filter(eligible).length, ham.length)} |`);
  }
  out.push('');
  return out.join('\n');
}

/** How far the era alone carries: "has an Authentication-Results, DKIM or ARC header" as a classifier. */
function eraBaseline(items: ReturnType<typeof loadCorpus>): string {
  const hasAuth = (raw: Buffer) => {
    const end = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
    return /^(authentication-results|dkim-signature|arc-seal):/im.test(raw.subarray(0, end < 0 ? raw.length : end).toString('latin1'));
  };
  let phishWith = 0;
  let hamWith = 0;
  for (const item of items) {
    const raw = readFileSync(join(root, item.file));
    if (hasAuth(raw)) item.label === 1 ? phishWith++ : hamWith++;
  }
  const phish = items.filter((i) => i.label === 1).length;
  const ham = items.length - phish;
  return [
    '### The era trap, measured',
    '',
    `"Has an Authentication-Results, DKIM-Signature or ARC-Seal header" marks ${pct(phishWith / phish)} of test phishing and ${pct(hamWith / ham)} of test legitimate mail (${pct(
      items.filter((i) => i.group !== 'modern-list' && i.label === 0).length / ham,
    )} of the legitimate test mail is from 2002): that one header alone would separate most of the classes. None of the model's features reads these headers; after stripping, they are gone from both classes.`,
    '',
  ].join('\n');
}

const items = loadCorpus('test', root);
process.stderr.write(`evaluating on ${items.length} test messages…\n`);
const asReceived = await analyseCorpus(items, options, false, root);
const stripped = await analyseCorpus(items, options, true, root);
const placeholders = items.filter((i) => readFileSync(join(root, i.file)).includes('phishing@pot')).length;
const changed = asReceived.filter((r, i) => r.analysis.verdict.verdict !== stripped[i]!.analysis.verdict.verdict).length;
const out = [
  '## Verdict evaluation on test/',
  '',
  `Model fitted by scripts/fit-verdict-model.ts on ${JSON.stringify(DEFAULT_MODEL.fitted.messages)} training messages. The honeypot's "phishing@pot" placeholder (in ${placeholders} of these test files) is replaced by a valid address before analysis.`,
  '',
  report('As received', asReceived),
  report('Transport, authentication, list and date headers stripped', stripped),
  `Verdicts that differ between the two: ${changed} of ${items.length}.`,
  '',
  eraBaseline(items),
];
process.stdout.write(`${out.join('\n')}\n`);
