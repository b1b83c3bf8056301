import type { AuthMethod } from '../types.ts';

/**
 * Authentication-Results (RFC 8601) and Received headers. These are reported as
 * indicators and used by rules (a spoof of the organisation's own domain), but kept out
 * of the fitted model: in the available corpus their mere presence tells the year a
 * message was sent, not whether it is phishing.
 */

export interface AuthResult {
  method: AuthMethod;
  result: string;
  domain: string;
}

const METHODS = new Set<AuthMethod>(['spf', 'dkim', 'dmarc', 'arc', 'compauth']);
const property = (name: string) => new RegExp(`(?:^|\\s)${name.replace('.', '\\.')}\\s*=\\s*(\\S+)`, 'i');
const PROPERTY = {
  'header.from': property('header.from'),
  'header.d': property('header.d'),
  'header.i': property('header.i'),
  'smtp.mailfrom': property('smtp.mailfrom'),
  'smtp.helo': property('smtp.helo'),
};

/** Removes (comments), including nested ones, in one pass. */
export function stripComments(value: string): string {
  let depth = 0;
  let out = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

function domainOf(value: string): string {
  const v = value.replace(/^["<]+|[">;,]+$/g, '');
  const at = v.lastIndexOf('@');
  return (at >= 0 ? v.slice(at + 1) : v).toLowerCase();
}

/** The results one Authentication-Results header states. */
export function parseAuthenticationResults(value: string): AuthResult[] {
  const out: AuthResult[] = [];
  for (const segment of stripComments(value.slice(0, 8192)).split(';')) {
    const m = /^\s*([a-z]+)\s*=\s*([a-z]+)/i.exec(segment);
    if (!m) continue;
    const method = m[1]!.toLowerCase() as AuthMethod;
    if (!METHODS.has(method)) continue;
    const props = segment.slice(m[0].length);
    const pick = (name: keyof typeof PROPERTY) => PROPERTY[name].exec(props)?.[1];
    const domain =
      method === 'dmarc' || method === 'compauth'
        ? pick('header.from')
        : method === 'dkim'
          ? (pick('header.d') ?? pick('header.i'))
          : (pick('smtp.mailfrom') ?? pick('smtp.helo'));
    out.push({ method, result: m[2]!.toLowerCase(), domain: domain ? domainOf(domain) : '' });
  }
  return out;
}

/** Received-SPF: the first word is the result. */
export function parseReceivedSpf(value: string): AuthResult | null {
  const m = /^\s*([a-z]+)/i.exec(value);
  if (!m) return null;
  const mailfrom = /envelope-from=["<]?([^\s;">]+)/i.exec(value)?.[1] ?? /domain of (\S+)/i.exec(value)?.[1] ?? '';
  return { method: 'spf', result: m[1]!.toLowerCase(), domain: mailfrom ? domainOf(mailfrom) : '' };
}

export interface ReceivedHop {
  from: string;
  by: string;
  ip: string;
  date: string;
}

const BRACKETED_IPV4 = /\[(\d{1,3}(?:\.\d{1,3}){3})\]/;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;
const IPV6 = /\[(?:IPv6:)?([0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})\]/i;

export function parseReceived(value: string): ReceivedHop {
  const v = value.slice(0, 4096).replace(/\s+/g, ' ');
  const semicolon = v.lastIndexOf(';');
  const date = semicolon >= 0 ? v.slice(semicolon + 1).trim() : '';
  const from = /\bfrom\s+([^\s;()]+)/i.exec(v)?.[1] ?? '';
  const by = /\bby\s+([^\s;()]+)/i.exec(v)?.[1] ?? '';
  // the connecting address is usually bracketed in the from clause: from host (rdns [1.2.3.4])
  const byAt = v.search(/\bby\s/i);
  const fromClause = byAt > 0 ? v.slice(0, byAt) : v;
  const ip = BRACKETED_IPV4.exec(fromClause)?.[1] ?? IPV4.exec(fromClause)?.[0] ?? IPV6.exec(fromClause)?.[1] ?? '';
  return { from: from.toLowerCase(), by: by.toLowerCase(), ip, date };
}
