import { parse } from 'tldts';
import { domainToUnicode } from 'node:url';
import { FREEMAIL_DOMAINS, USER_CONTENT_DOMAINS, type Brand } from './brands.ts';
import type { LookalikeTechnique } from '../types.ts';

export interface HostInfo {
  host: string;
  /** Registrable domain; private suffixes (web.app, github.io) count as suffixes. '' when none. */
  domain: string;
  /** The registrable domain without its suffix, e.g. `paypal` for paypal.co.uk. */
  label: string;
  suffix: string;
  isIp: boolean;
}

const EMPTY: HostInfo = Object.freeze({ host: '', domain: '', label: '', suffix: '', isIp: false });
const hostCache = new Map<string, HostInfo>();

/** Splits a host name into its registrable parts (tldts, private suffixes honoured). Cached. */
export function hostInfo(hostOrUrl: string): HostInfo {
  const key = hostOrUrl.toLowerCase();
  const cached = hostCache.get(key);
  if (cached) return cached;
  const r = parse(key, { allowPrivateDomains: true, extractHostname: true });
  const info: HostInfo = r.hostname
    ? {
        host: r.hostname,
        domain: r.domain ?? '',
        label: r.domainWithoutSuffix ?? '',
        suffix: r.publicSuffix ?? '',
        isIp: r.isIp === true,
      }
    : EMPTY;
  if (hostCache.size > 20_000) hostCache.clear(); // bounded memory across long runs
  hostCache.set(key, info);
  return info;
}

export function domainOfAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '';
  return hostInfo(address.slice(at + 1)).domain;
}

/**
 * Characters from other scripts that render like Latin letters. A short table, not the
 * full Unicode confusables list: it covers the letters attackers use in practice.
 */
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', с: 'c', ԁ: 'd', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', ӏ: 'l', м: 'm', н: 'h', о: 'o',
  р: 'p', ԛ: 'q', ѕ: 's', т: 't', у: 'y', х: 'x', ԝ: 'w', ѵ: 'v', ո: 'n', ս: 'u', ց: 'g', ɑ: 'a', ɡ: 'g', ɩ: 'i', ı: 'i',
  ł: 'l', ø: 'o', ð: 'd', ß: 'ss', ʏ: 'y', α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't',
  υ: 'u', χ: 'x', ω: 'w', ϲ: 'c', ϳ: 'j',
};

/** ASCII sequences that read alike; applied after the table, to both sides of a comparison. */
const ASCII_ALIKE: [RegExp, string][] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
  [/0/g, 'o'],
  [/[1i|!]/g, 'l'],
  [/5/g, 's'],
  [/\$/g, 's'],
];

/** A visual skeleton: two strings with the same skeleton look alike to a reader. */
export function skeleton(text: string): string {
  let out = text.toLowerCase();
  // almost every label is ASCII: only others need decomposing and the confusables table
  if (/[^\u0000-\u007f]/.test(out)) {
    let folded = '';
    for (const ch of out.normalize('NFKD').replace(/\p{M}/gu, '')) folded += CONFUSABLES[ch] ?? ch;
    out = folded;
  }
  for (const [re, to] of ASCII_ALIKE) out = out.replace(re, to);
  return out;
}

const LATIN = /\p{Script=Latin}/u;
const LOOKALIKE_SCRIPTS = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/u;

/** A label that mixes Latin with Cyrillic, Greek or Armenian letters (a classic IDN homograph). */
export function isMixedScript(label: string): boolean {
  return LATIN.test(label) && LOOKALIKE_SCRIPTS.test(label);
}

/** True when a and b differ by at most one insertion, deletion, substitution or transposition. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

const CC_SUFFIX = /^(?:[a-z]{2}|(?:co|com|net|org|gov|ac)\.[a-z]{2})$/;

/**
 * The brand really owns this registrable domain. As a sender, mailboxes anyone can open
 * (freemail, tenants, groups) never count as the brand.
 */
export function brandOwns(brand: Brand, info: HostInfo, asSender = false): boolean {
  if (asSender && (FREEMAIL_DOMAINS.has(info.domain) || USER_CONTENT_DOMAINS.has(info.domain))) return false;
  if (brand.domains.includes(info.domain)) return true;
  return brand.ccTlds === true && brand.tokens.includes(info.label) && CC_SUFFIX.test(info.suffix);
}

export function ownedByOrganisation(domain: string, organisationDomains: readonly string[]): boolean {
  return organisationDomains.some((o) => domain === o || domain.endsWith(`.${o}`));
}

export interface LookalikeMatch {
  target: string;
  targetKind: 'organisation' | 'brand';
  technique: LookalikeTechnique;
}

function labelParts(host: string, registrable: string): string[] {
  // The labels to the left of the suffix, split on dots and hyphens: paypal.com.secure-login.xyz
  // gives paypal, com, secure, login and the registrable label.
  const cut = registrable ? host.length - registrable.length : host.length;
  const left = host.slice(0, Math.max(0, cut));
  const label = registrable.split('.')[0] ?? '';
  return `${left}${label}`.split(/[.\-_]+/).filter(Boolean);
}

// Long names count anywhere in a label (securepaypal), five letters only at a label's start
// (apple-id, not pineapple), shorter ones only as a whole label part (dhl-express, not adhl).
function containsToken(parts: string[], joined: string, token: string): boolean {
  const t = token.replace(/\s+/g, '');
  if (t.length >= 6) return joined.includes(t);
  if (t.length === 5) return parts.some((p) => p.startsWith(t));
  return parts.includes(t);
}

interface Target {
  domain: string;
  label: string;
  skeleton: string;
  kind: 'organisation' | 'brand';
}

interface LookalikeIndex {
  targets: Target[];
  results: Map<string, LookalikeMatch | null>;
}

let indexes = new WeakMap<readonly Brand[], WeakMap<readonly string[], LookalikeIndex>>();

/** Forgets cached host and lookalike results (benchmarks measure a cold start with it). */
export function clearDomainCaches(): void {
  hostCache.clear();
  indexes = new WeakMap();
}

/** Target labels and their skeletons are computed once per configuration, results once per host. */
function lookalikeIndex(organisationDomains: readonly string[], brands: readonly Brand[]): LookalikeIndex {
  let byOrg = indexes.get(brands);
  if (!byOrg) indexes.set(brands, (byOrg = new WeakMap()));
  let index = byOrg.get(organisationDomains);
  if (!index) {
    const targets: Target[] = [];
    const add = (domain: string, kind: Target['kind']) => {
      const label = hostInfo(domain).label;
      if (label.length >= 4) targets.push({ domain, label, skeleton: skeleton(label), kind });
    };
    for (const o of organisationDomains) add(o, 'organisation');
    for (const b of brands) for (const d of b.domains) add(d, 'brand');
    index = { targets, results: new Map() };
    byOrg.set(organisationDomains, index);
  }
  return index;
}

/**
 * Is this host imitating one of the organisation's domains or a known brand? Hosts the
 * organisation or the brand owns are never lookalikes. Checks, in order: homoglyph
 * skeletons, mixed-script labels, one edit away (labels of six letters or more, where a
 * single typo is unlikely to be another real word), and the name inside a foreign domain.
 */
export function findLookalike(
  host: string,
  organisationDomains: readonly string[],
  brands: readonly Brand[],
): LookalikeMatch | null {
  const index = lookalikeIndex(organisationDomains, brands);
  const key = host.toLowerCase();
  const cached = index.results.get(key);
  if (cached !== undefined) return cached;
  const result = computeLookalike(key, organisationDomains, brands, index.targets);
  if (index.results.size > 20_000) index.results.clear();
  index.results.set(key, result);
  return result;
}

function computeLookalike(
  host: string,
  organisationDomains: readonly string[],
  brands: readonly Brand[],
  targets: Target[],
): LookalikeMatch | null {
  const info = hostInfo(host);
  if (!info.domain || info.isIp) return null;
  if (ownedByOrganisation(info.domain, organisationDomains)) return null;
  if (brands.some((b) => brandOwns(b, info))) return null;

  const unicodeHost = info.host.includes('xn--') ? domainToUnicode(info.host) : info.host;
  const unicodeLabel = unicodeHost.slice(0, Math.max(0, unicodeHost.length - info.suffix.length - 1)).split('.').pop() ?? '';
  const labelSkeleton = skeleton(unicodeLabel);
  const mixed = isMixedScript(unicodeLabel);

  for (const t of targets) {
    if (t.label !== unicodeLabel && t.skeleton === labelSkeleton) {
      return { target: t.domain, targetKind: t.kind, technique: mixed ? 'mixed-script' : 'homoglyph' };
    }
  }
  if (mixed) return { target: '', targetKind: 'brand', technique: 'mixed-script' };
  for (const t of targets) {
    if (t.label.length >= 6 && t.label !== info.label && withinOneEdit(t.label, info.label)) {
      return { target: t.domain, targetKind: t.kind, technique: 'edit-distance' };
    }
  }
  const parts = labelParts(info.host, info.domain);
  const joined = parts.join('');
  for (const o of organisationDomains) {
    const label = hostInfo(o).label;
    if (label.length >= 4 && containsToken(parts, joined, label)) return { target: o, targetKind: 'organisation', technique: 'brand-in-name' };
  }
  for (const b of brands) {
    for (const token of b.tokens) {
      if (containsToken(parts, joined, token)) return { target: b.domains[0] ?? b.name, targetKind: 'brand', technique: 'brand-in-name' };
    }
  }
  return null;
}

/** Words of a display name, lower case, accents removed, punctuation as spaces. */
export function normaliseName(name: string): string {
  const ascii = !/[^\u0000-\u007f]/.test(name);
  const folded = ascii ? name.toLowerCase() : name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return ` ${(ascii ? folded.replace(/[^a-z0-9]+/g, ' ') : folded.replace(/[^\p{L}\p{N}]+/gu, ' ')).trim()} `;
}

/** The brand a display name claims, if any ("PayPal Service" claims PayPal). */
export function brandInDisplayName(name: string, brands: readonly Brand[]): Brand | null {
  const words = normaliseName(name);
  if (words.trim() === '') return null;
  for (const b of brands) {
    for (const token of b.tokens) if (words.includes(` ${token} `)) return b;
  }
  return null;
}
