import { BUILT_IN_BRANDS, UBIQUITOUS_DOMAINS } from '../indicators/brands.ts';
import { brandInDisplayName, brandOwns, hostInfo } from '../indicators/domains.ts';
import type { Indicator, LureCategory } from '../types.ts';

/**
 * The named inputs of the verdict model. Each is evidence *for* phishing with a mechanism
 * that does not depend on when a message was written: a deceptive link, a brand claimed
 * by a stranger, pressure to act. Deliberately absent, because in the available corpus they
 * tell the year rather than the intent: presence or results of DKIM, ARC, SPF, DMARC and
 * Authentication-Results; Received hops; dates; list headers; X-Mailer; HTML as such;
 * message length; link shorteners and new top-level domains. Transport facts still appear
 * as indicators and feed explicit rules, not the fitted weights.
 */
export const FEATURE_NAMES = [
  'sender.display_brand',
  'sender.display_address',
  'sender.lookalike',
  'sender.malformed',
  'sender.brand_links_elsewhere',
  'reply_to.other_domain',
  'url.text_mismatch',
  'url.ip_host',
  'url.lookalike',
  'url.userinfo',
  'url.credential_path',
  'url.script_scheme',
  'html.credential_form',
  'html.script',
  'text.obfuscation',
  'lure.urgency',
  'lure.credentials',
  'lure.payment',
  'lure.threat',
  'lure.reward',
  'lure.delivery',
  'lure.greeting',
  'lure.subject',
  'subject.shouting',
  'subject.brand_mismatch',
  'attachment.risky',
  'attachment.type_mismatch',
  'qr.url',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface FeatureValues {
  values: Record<FeatureName, number>;
  /** A one-line example of what triggered each non-zero feature. */
  evidence: Partial<Record<FeatureName, string>>;
}

const MAX_COUNT = 5;
const countValue = (n: number) => Math.log1p(Math.min(n, MAX_COUNT));

/** Turns a message's indicators into feature values. Pure; order-independent. */
export function computeFeatures(indicators: readonly Indicator[], subject?: string): FeatureValues {
  const values = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as Record<FeatureName, number>;
  const evidence: Partial<Record<FeatureName, string>> = {};
  const set = (name: FeatureName, value: number, why: string) => {
    if (value <= 0) return;
    values[name] = value;
    evidence[name] ??= why;
  };
  const from = indicators.find((i) => i.kind === 'address' && i.role === 'from');
  const fromDomain = from?.kind === 'address' ? from.domain : '';
  const lures = new Map<LureCategory, Set<string>>();
  const subjectLures = new Set<string>();

  for (const i of indicators) {
    switch (i.kind) {
      case 'lookalike':
        if (i.on === 'display-name') set('sender.display_brand', 1, `display name claims ${i.target}, sent from ${i.domain || 'no domain'}`);
        else if (i.on === 'url') set('url.lookalike', 1, `link to ${i.domain} imitates ${i.target || 'a known name'} (${i.technique})`);
        else set('sender.lookalike', 1, `${i.on} domain ${i.domain} imitates ${i.target || 'a known name'} (${i.technique})`);
        break;
      case 'anomaly':
        if (i.code === 'display-name-address') set('sender.display_address', 1, i.detail);
        else if (i.code === 'malformed-from') set('sender.malformed', 1, i.detail);
        else if (i.code === 'credential-form') set('html.credential_form', 1, i.detail);
        else if (i.code === 'script') set('html.script', 1, i.detail);
        else if (i.code === 'zero-width' || i.code === 'mixed-script' || i.code === 'styled-letters') set('text.obfuscation', 1, i.detail);
        else if (i.code === 'qr-code') set('qr.url', 1, i.detail);
        break;
      case 'address':
        if (i.role === 'reply-to' && i.domain && fromDomain && i.domain !== fromDomain) {
          set('reply_to.other_domain', 1, `replies go to ${i.domain}, not ${fromDomain}`);
        }
        break;
      case 'url':
        if (i.textMismatch) set('url.text_mismatch', 1, `link text "${(i.text ?? '').slice(0, 60)}" leads to ${i.domain}`);
        if (i.isIp) set('url.ip_host', 1, `link to a bare IP address ${i.host}`);
        if (i.flags.includes('userinfo')) set('url.userinfo', 1, `link hides its host behind user info: ${i.url.slice(0, 80)}`);
        if (i.flags.includes('script-scheme')) set('url.script_scheme', 1, `script or data link: ${i.url.slice(0, 60)}`);
        if (i.flags.includes('credential-path') && i.domain !== fromDomain) {
          set('url.credential_path', 1, `sign-in style link to ${i.host}`);
        }
        if (i.provenance.source === 'qr') set('qr.url', 1, `QR code links to ${i.domain || i.url.slice(0, 60)}`);
        break;
      case 'lure': {
        if (i.provenance.location === 'Subject') {
          subjectLures.add(i.phrase);
        } else {
          let s = lures.get(i.category);
          if (!s) lures.set(i.category, (s = new Set()));
          s.add(i.phrase);
        }
        break;
      }
      case 'attachment':
        if (i.risky.length > 0) set('attachment.risky', 1, `${i.filename || 'attachment'}: ${i.risky.join(', ')}`);
        if (i.typeMismatch) set('attachment.type_mismatch', 1, `${i.filename || 'attachment'} is really ${i.trueType}`);
        break;
      default:
        break;
    }
  }
  for (const [category, phrases] of lures) {
    const name = category === 'greeting' ? 'lure.greeting' : (`lure.${category}` as FeatureName);
    const value = category === 'greeting' ? 1 : countValue(phrases.size);
    set(name, value, `${category} language: ${[...phrases].slice(0, 3).map((p) => `"${p}"`).join(', ')}`);
  }
  set('lure.subject', countValue(subjectLures.size), `subject: ${[...subjectLures].slice(0, 3).map((p) => `"${p}"`).join(', ')}`);
  linkFeatures(indicators, fromDomain, set);
  if (subject !== undefined && isShouting(subject)) set('subject.shouting', 1, `subject in capitals or with "!!": ${subject.slice(0, 60)}`);
  if (subject) {
    const brand = brandInDisplayName(subject, BUILT_IN_BRANDS);
    if (brand && !(fromDomain && brandOwns(brand, hostInfo(fromDomain), true))) {
      set('subject.brand_mismatch', 1, `subject names ${brand.name}, sender is ${fromDomain || 'unknown'}`);
    }
  }
  return { values, evidence };
}

/**
 * A sender at a brand's own domain whose links go nowhere near that brand: the brand's
 * address was borrowed (spoofed, or a look-alike the brand list does not know).
 */
function linkFeatures(indicators: readonly Indicator[], fromDomain: string, set: (n: FeatureName, v: number, why: string) => void): void {
  const domains = new Set<string>();
  for (const i of indicators) if (i.kind === 'url' && i.domain && !UBIQUITOUS_DOMAINS.has(i.domain)) domains.add(i.domain);
  if (domains.size === 0 || !fromDomain) return;
  const fromInfo = hostInfo(fromDomain);
  const brand = BUILT_IN_BRANDS.find((b) => brandOwns(b, fromInfo, true));
  if (brand && ![...domains].some((d) => brandOwns(brand, hostInfo(d)))) {
    set('sender.brand_links_elsewhere', 1, `sent as ${fromDomain} (${brand.name}) but links go to ${[...domains].slice(0, 2).join(', ')}`);
  }
}

/** Mostly capital letters (ten or more letters), or a run of exclamation marks. */
export function isShouting(subject: string): boolean {
  if (/!!/.test(subject)) return true;
  const letters = subject.match(/\p{L}/gu) ?? [];
  if (letters.length < 10) return false;
  const upper = letters.filter((c) => c !== c.toLowerCase() && c === c.toUpperCase()).length;
  return upper / letters.length > 0.6;
}

export function featureVector(values: Record<string, number>, names: readonly string[]): number[] {
  return names.map((n) => values[n] ?? 0);
}
