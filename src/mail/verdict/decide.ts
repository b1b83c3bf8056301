import type { CompiledMailOptions } from '../options.ts';
import type { Indicator, LimitHit, Reason, Verdict, VerdictLabel } from '../types.ts';
import type { FeatureValues } from './features.ts';
import { score } from './model.ts';

/**
 * Limits whose hit means the content was not fully seen. Such a message is never closed
 * as safe; it can still be contained, because every model weight is non-negative: what
 * was seen is a lower bound on the evidence. Image bounds are recorded but do not route,
 * or every large photo would need an analyst.
 */
export const ROUTING_LIMITS: ReadonlySet<string> = new Set(['size', 'parts', 'depth', 'headers', 'time', 'html', 'urls']);

const MAX_REASONS = 5;

/**
 * By default the model contains a message only on at least this many distinct features:
 * one phrase, one odd link, one unusual header is never enough to purge mail from every
 * mailbox (options.minContainEvidence).
 */
export const MIN_CONTAIN_EVIDENCE = 2;

function fromDomainOf(indicators: readonly Indicator[]): string {
  const from = indicators.find((i) => i.kind === 'address' && i.role === 'from');
  return from?.kind === 'address' ? from.domain : '';
}

/** DMARC or aligned DKIM passed for the From domain, per the topmost Authentication-Results. */
function authenticatedFrom(indicators: readonly Indicator[], fromDomain: string): boolean {
  if (!fromDomain) return false;
  return indicators.some(
    (i) => i.kind === 'auth' && i.index === 0 && i.provenance.location === 'Authentication-Results' && i.result === 'pass' &&
      (i.method === 'dmarc' || i.method === 'dkim') && (i.domain === fromDomain || i.domain.endsWith(`.${fromDomain}`)),
  );
}

/** The topmost authentication result says the From domain was forged. */
function failedFrom(indicators: readonly Indicator[]): string {
  const top = indicators.filter((i) => i.kind === 'auth' && i.index === 0 && i.provenance.location === 'Authentication-Results');
  const dmarc = top.find((i) => i.kind === 'auth' && i.method === 'dmarc');
  if (dmarc?.kind === 'auth' && dmarc.result === 'fail') return 'dmarc=fail';
  const spfFail = top.some((i) => i.kind === 'auth' && i.method === 'spf' && (i.result === 'fail' || i.result === 'softfail'));
  const dkimPass = top.some((i) => i.kind === 'auth' && i.method === 'dkim' && i.result === 'pass');
  return spfFail && !dkimPass ? 'spf=fail without a passing DKIM signature' : '';
}

/** Why a report the model would close still deserves a look, or null. */
function reviewSignal(indicators: readonly Indicator[], foreignSimulation: boolean): Reason | null {
  for (const i of indicators) {
    if (i.kind === 'url' && (i.flags.includes('shortener') || i.flags.includes('cloud-hosted'))) {
      const how = i.flags.includes('shortener') ? 'a link shortener' : 'hosting anyone can publish on';
      return { code: 'review:hidden-destination', detail: `link through ${how}: ${i.host}` };
    }
    if (i.kind === 'anomaly' && i.code === 'header-injection') return { code: 'review:header-injection', detail: i.detail };
  }
  return foreignSimulation ? { code: 'review:simulation-marker', detail: 'carries another organisation\'s simulation marker' } : null;
}

export interface DecideInput {
  features: FeatureValues;
  indicators: readonly Indicator[];
  limits: readonly LimitHit[];
  errors: readonly string[];
}

/**
 * The verdict: the model's calibrated probability against the thresholds, then the rules
 * that override it, each leaving its reason. Rules, in order of precedence:
 * known-bad → malicious; incomplete analysis → never safe; the organisation's own
 * simulation → safe; a forged organisation sender → never safe; an authenticated
 * known-good sender → safe unless the model would contain.
 */
export function decide(input: DecideInput, options: CompiledMailOptions): Verdict {
  const { autoContain, autoClose } = options.thresholds;
  const s = score(options.model, input.features.values);
  const p = s.probability;
  const modelReasons: Reason[] = s.contributions
    .filter((c) => c.contribution > 0)
    .map((c) => ({
      code: c.feature,
      detail: input.features.evidence[c.feature as keyof FeatureValues['evidence']] ?? c.feature,
      contribution: Math.round(c.contribution * 1000) / 1000,
    }));
  const evidence = s.contributions.filter((c) => c.contribution > 0).length;
  const modelLabel: VerdictLabel = p >= autoContain && evidence >= options.minContainEvidence ? 'malicious' : p <= autoClose ? 'safe' : 'uncertain';
  let label = modelLabel;
  let decidedBy = 'model' as Verdict['decidedBy'];
  const ruleReasons: Reason[] = [];
  if (p >= autoContain && evidence < options.minContainEvidence) {
    ruleReasons.push({ code: 'review:single-evidence', detail: `${evidence} piece(s) of evidence; containment needs ${options.minContainEvidence}` });
  }
  const rule = (to: VerdictLabel, reason: Reason) => {
    ruleReasons.push(reason);
    if (to !== label) decidedBy = 'rule';
    label = to;
  };

  const ind = input.indicators;
  const knownBad = ind.filter((i) => i.kind === 'list-match' && i.list === 'known-bad');
  const routed = input.limits.filter((l) => ROUTING_LIMITS.has(l.limit));
  const ownSimulation = ind.find((i) => i.kind === 'simulation' && i.own);
  const otherSimulation = ind.find((i) => i.kind === 'simulation' && !i.own);
  const fromDomain = fromDomainOf(ind);
  const orgSender = fromDomain !== '' && options.organisationDomains.some((o) => fromDomain === o || fromDomain.endsWith(`.${o}`));
  const forged = orgSender ? failedFrom(ind) : '';
  const goodSender =
    authenticatedFrom(ind, fromDomain) &&
    ind.some((i) => i.kind === 'list-match' && i.list === 'known-good' && (i.what === 'domain' || i.what === 'address') &&
      i.provenance.location === 'From');

  if (knownBad.length > 0) {
    for (const k of knownBad.slice(0, 3)) if (k.kind === 'list-match') rule('malicious', { code: `known-bad:${k.what}`, detail: `on the known-bad list: ${k.value}` });
  } else if (routed.length > 0 || input.errors.length > 0) {
    for (const l of routed) rule(label === 'malicious' ? 'malicious' : 'uncertain', { code: `limit:${l.limit}`, detail: `${l.limit} limit ${l.max} exceeded (${l.observed}); analysis incomplete` });
    for (const e of input.errors.slice(0, 2)) {
      const colon = e.indexOf(': ');
      const kind = colon > 0 ? e.slice(0, colon) : 'error';
      rule(label === 'malicious' ? 'malicious' : 'uncertain', { code: `parse:${kind}`, detail: colon > 0 ? e.slice(colon + 2) : e });
    }
  } else if (ownSimulation?.kind === 'simulation') {
    rule('safe', { code: 'simulation:own', detail: `the organisation's own phishing simulation (${ownSimulation.vendor}, ${ownSimulation.marker})` });
  } else if (forged) {
    rule(label === 'malicious' ? 'malicious' : 'uncertain', { code: 'auth:organisation-spoof', detail: `claims the organisation's domain ${fromDomain} but ${forged}` });
  } else if (goodSender) {
    rule(label === 'malicious' ? 'uncertain' : 'safe', { code: 'known-good:sender', detail: `authenticated sender ${fromDomain} is on the known-good list` });
  }
  // Signals too tied to the era of the available training mail to be weighted, yet real:
  // they never contain anything, they only keep a report from being closed unseen.
  if (label === 'safe' && decidedBy === 'model') {
    const review = reviewSignal(ind, otherSimulation !== undefined && !ownSimulation);
    if (review) rule('uncertain', review);
  }
  if (otherSimulation?.kind === 'simulation' && !ownSimulation) {
    ruleReasons.push({ code: 'simulation:other', detail: `carries the ${otherSimulation.vendor} simulation marker ${otherSimulation.marker}, not declared as the organisation's own` });
  }

  if (label === 'safe' && ruleReasons.length === 0 && modelReasons.length === 0) {
    ruleReasons.push({ code: 'model:no-evidence', detail: 'no indicator of phishing found' });
  }
  const certain = decidedBy === 'rule' && (label === 'malicious' || label === 'safe');
  const confidence = certain ? 1 : label === 'safe' ? 1 - p : p;
  return {
    verdict: label,
    probability: round(p),
    confidence: round(confidence),
    decidedBy,
    reasons: [...ruleReasons, ...modelReasons].slice(0, MAX_REASONS),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
