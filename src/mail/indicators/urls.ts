import { hostInfo } from './domains.ts';

/** What a URL looks like, without ever fetching it. */
export interface ParsedUrl {
  url: string;
  host: string;
  domain: string;
  isIp: boolean;
  /** `userinfo`, `ip-host`, `script-scheme`, `credential-path`, `shortener`, `cloud-hosted`, `punycode`, `port`. */
  flags: string[];
}

const TEXT_URL = /\b(?:https?:\/\/|www\.)[^\s<>"'`\u0000-\u001f\u007f\u00a0]{2,2048}/gi;
const TRAILING = /[.,;:!?'"*_~\])}>]+$/;

/** URLs written out in plain text (http(s)://... or www....). */
export function findTextUrls(text: string, max: number): string[] {
  const out: string[] = [];
  TEXT_URL.lastIndex = 0;
  for (let m = TEXT_URL.exec(text); m !== null && out.length < max; m = TEXT_URL.exec(text)) {
    let url = m[0];
    // keep a closing parenthesis that closes one opened inside the URL (Wikipedia-style)
    while (TRAILING.test(url)) {
      const last = url[url.length - 1];
      if (last === ')' && (url.match(/\(/g)?.length ?? 0) >= (url.match(/\)/g)?.length ?? 0)) break;
      url = url.slice(0, -1);
    }
    if (url.length > 8) out.push(url);
  }
  return out;
}

/** Well-known link shorteners: the real target is hidden from the reader. */
const SHORTENERS = new Set([
  'bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at', 'rb.gy',
  'tiny.cc', 'bl.ink', 's.id', 'v.gd', 'qrco.de', 'linktr.ee', 't.ly', 'shorturl.gg',
]);

/**
 * Hosting where anyone can publish a page or file under the provider's name: storage
 * buckets, serverless apps, site builders, form services. The link's owner is unknown.
 */
const CLOUD_HOSTED = /(?:^|\.)(?:storage\.googleapis\.com|firebasestorage\.googleapis\.com|blob\.core\.windows\.net|web\.core\.windows\.net|r2\.dev|workers\.dev|pages\.dev|web\.app|firebaseapp\.com|appspot\.com|run\.app|cloudfunctions\.net|amazonaws\.com|netlify\.app|vercel\.app|glitch\.me|herokuapp\.com|000webhostapp\.com|weebly\.com|wixsite\.com|godaddysites\.com|sites\.google\.com|forms\.gle|ipfs\.io|dweb\.link|github\.io|surge\.sh|onrender\.com)$/;

/** Words in a URL's host or path that point at a sign-in or account-verification page. */
const CREDENTIAL_PATH =
  /(?:^|[^a-z])(?:log-?in|sign-?in|signon|verif(?:y|ication)|validat(?:e|ion)|account|secure|webscr|auth(?:enticate)?|password|passwd|credential|unlock|wallet|recover|banking|update-?info|confirm)(?:[^a-z]|$)/;

/**
 * Parses one URL found in a message. Returns null for things that are not web links
 * (mailto:, cid:, tel:, anchors). `javascript:` and `data:` links are kept and flagged.
 */
export function parseUrl(raw: string): ParsedUrl | null {
  const trimmed = raw.trim();
  const lowered = trimmed.slice(0, 16).toLowerCase();
  if (lowered.startsWith('javascript:') || lowered.startsWith('data:') || lowered.startsWith('vbscript:')) {
    return { url: trimmed.slice(0, 200), host: '', domain: '', isIp: false, flags: ['script-scheme'] };
  }
  const candidate = lowered.startsWith('www.') ? `http://${trimmed}` : trimmed;
  if (!/^https?:\/\//i.test(candidate)) return null;
  let u: URL;
  try {
    u = new URL(candidate);
  } catch {
    return null;
  }
  // WHATWG URL has already turned IDNs into punycode and decimal/hex IPs into dotted form.
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) return null;
  const info = hostInfo(host);
  const flags: string[] = [];
  if (u.username || u.password) flags.push('userinfo');
  if (info.isIp) flags.push('ip-host');
  if (host.includes('xn--')) flags.push('punycode');
  if (u.port) flags.push('port');
  if (SHORTENERS.has(info.domain) || SHORTENERS.has(host)) flags.push('shortener');
  if (CLOUD_HOSTED.test(host) || (host === 'docs.google.com' && u.pathname.startsWith('/forms'))) flags.push('cloud-hosted');
  const pathAndHost = `${host.slice(0, Math.max(0, host.length - info.domain.length))} ${u.pathname}`.toLowerCase();
  if (CREDENTIAL_PATH.test(pathAndHost)) flags.push('credential-path');
  return { url: u.href.slice(0, 2048), host, domain: info.isIp ? host : info.domain, isIp: info.isIp, flags };
}

/** The domain a piece of link text shows to the reader, if it looks like a URL or host name. */
export function domainShownInText(text: string): string {
  const m = /^\s*(?:https?:\/\/)?(?:[^\s/@]+@)?((?:[a-z0-9\u00a1-\uffff-]+\.)+[a-z\u00a1-\uffff]{2,})(?:[:/?#]\S*)?\s*$/i.exec(text);
  if (!m?.[1]) return '';
  const info = hostInfo(m[1]);
  // "Click.Here" or "file.pdf" are not domains: require a real public suffix
  return info.domain && info.suffix && !/^(pdf|docx?|xlsx?|html?|zip|png|jpe?g|txt)$/i.test(info.suffix) ? info.domain : '';
}
