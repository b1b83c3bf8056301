import type { Email } from 'postal-mime';
import type { AddressIndicator, Indicator, ListMatchIndicator, LookalikeIndicator } from '../types.ts';
import { provenance, type ExtractContext } from './context.ts';
import { brandInDisplayName, brandOwns, findLookalike, hostInfo } from './domains.ts';
import { extractContentIndicators } from './extract-content.ts';
import { extractHeaderIndicators } from './extract-headers.ts';

export { type ExtractContext } from './context.ts';

/**
 * Runs every extractor over a parsed message and appends indicators to `ctx.indicators`.
 * `complete` is false for a header-only parse: content stages are then skipped.
 */
export function extractIndicators(email: Email, ctx: ExtractContext, complete: boolean): { bodyText: string } {
  extractHeaderIndicators(email, ctx);
  const content = complete ? extractContentIndicators(email, ctx) : { bodyText: '' };
  addLookalikes(ctx);
  addListMatches(ctx);
  return content;
}

const EMAIL_IN_NAME = /[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})/i;

function addLookalikes(ctx: ExtractContext): void {
  const { organisationDomains, brands } = ctx.options;
  const found: LookalikeIndicator[] = [];
  const checked = new Set<string>();
  const check = (host: string, on: LookalikeIndicator['on'], ind: Indicator) => {
    const key = `${on}|${host}`;
    if (!host || checked.has(key)) return;
    checked.add(key);
    const match = findLookalike(host, organisationDomains, brands);
    if (match) {
      found.push({ kind: 'lookalike', domain: hostInfo(host).domain || host, ...match, on, provenance: { ...ind.provenance, extractor: 'domains.lookalike' } });
    }
  };
  for (const ind of ctx.indicators) {
    if (ind.kind === 'address' && (ind.role === 'from' || ind.role === 'reply-to')) {
      check(ind.address.slice(ind.address.lastIndexOf('@') + 1), ind.role, ind);
      if (ind.role === 'from') displayNameChecks(ind, ctx, found);
    } else if (ind.kind === 'url' && ind.host && !ind.isIp) {
      check(ind.host, 'url', ind);
    }
  }
  ctx.indicators.push(...found);

  function displayNameChecks(from: AddressIndicator, c: ExtractContext, out: LookalikeIndicator[]): void {
    if (!from.displayName) return;
    const fromHost = hostInfo(from.address.slice(from.address.lastIndexOf('@') + 1));
    const brand = brandInDisplayName(from.displayName, brands);
    if (brand && !brandOwns(brand, fromHost, true)) {
      out.push({
        kind: 'lookalike',
        domain: from.domain,
        target: brand.name,
        targetKind: 'brand',
        technique: 'brand-in-name',
        on: 'display-name',
        provenance: provenance(c, 'domains.display-name', 'header', 'From'),
      });
    }
    const shown = EMAIL_IN_NAME.exec(from.displayName);
    if (shown?.[1] && hostInfo(shown[1]).domain !== from.domain) {
      c.indicators.push({
        kind: 'anomaly',
        code: 'display-name-address',
        detail: `display name shows ${shown[0].slice(0, 100)} but the address is at ${from.domain || 'no domain'}`,
        provenance: provenance(c, 'headers.display-name', 'header', 'From'),
      });
    }
  }
}

function hostMatches(host: string, list: ReadonlySet<string>): string {
  // a listed domain covers its subdomains: evil.example lists login.evil.example
  let h = host;
  for (;;) {
    if (list.has(h)) return h;
    const dot = h.indexOf('.');
    if (dot < 0) return '';
    h = h.slice(dot + 1);
  }
}

function addListMatches(ctx: ExtractContext): void {
  const out: ListMatchIndicator[] = [];
  const seen = new Set<string>();
  for (const [name, list] of [
    ['known-bad', ctx.options.knownBad],
    ['known-good', ctx.options.knownGood],
  ] as const) {
    const emit = (what: ListMatchIndicator['what'], value: string, ind: Indicator) => {
      const key = `${name}|${what}|${value}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ kind: 'list-match', list: name, what, value, provenance: { ...ind.provenance, extractor: `lists.${name}` } });
    };
    if (list.domains.size + list.urls.size + list.sha256.size + list.addresses.size === 0) continue;
    for (const ind of ctx.indicators) {
      if (ind.kind === 'address') {
        if (list.addresses.has(ind.address)) emit('address', ind.address, ind);
        const d = hostMatches(ind.address.slice(ind.address.lastIndexOf('@') + 1), list.domains);
        if (d) emit('domain', d, ind);
      } else if (ind.kind === 'url') {
        const d = ind.host ? hostMatches(ind.host, list.domains) : '';
        if (d) emit('domain', d, ind);
        const lowered = ind.url.toLowerCase();
        for (const u of list.urls) if (lowered.startsWith(u)) emit('url', u, ind);
      } else if (ind.kind === 'attachment' && list.sha256.has(ind.sha256)) {
        emit('sha256', ind.sha256, ind);
      }
    }
  }
  ctx.indicators.push(...out);
}
