/**
 * A bounded, linear scan of an HTML body: links with their visible text, forms, scripts,
 * meta refreshes and inline images. Not a DOM: it reads tags in one pass with regular
 * expressions that cannot backtrack, so hostile HTML costs time in proportion to its length.
 */

export interface HtmlAnchor {
  href: string;
  text: string;
  index: number;
}

export interface HtmlScan {
  anchors: HtmlAnchor[];
  /** Other link targets: form actions, iframes, meta refresh, area maps. */
  otherUrls: { url: string; tag: string }[];
  hasForm: boolean;
  hasPasswordInput: boolean;
  hasScript: boolean;
  /** Inline images (data: URIs) for QR decoding. */
  inlineImages: { mimeType: string; data: Buffer }[];
  /** Visible text (tags removed, entities decoded). */
  text: string;
}

interface Tag {
  start: number;
  end: number;
  comment: boolean;
  closing: boolean;
  name: string;
  /** The attribute text, at most MAX_ATTRIBUTES characters. */
  attrs: string;
}

const MAX_ATTRIBUTES = 4000;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isLetter(c) || (c >= 48 && c <= 57);

/**
 * The next tag or comment at or after `from`, read as a browser's tokenizer reads it: a
 * quote runs to its partner, a comment to "-->", and nothing is ever re-read, so the whole
 * document costs one pass however it is broken (unclosed quotes and comments included).
 */
function nextTag(html: string, from: number): Tag | null {
  for (let i = html.indexOf('<', from); i >= 0; i = html.indexOf('<', i + 1)) {
    if (html.startsWith('<!--', i)) {
      const close = html.indexOf('-->', i + 4);
      return { start: i, end: close < 0 ? html.length : close + 3, comment: true, closing: false, name: '', attrs: '' };
    }
    let j = i + 1;
    const closing = html[j] === '/';
    if (closing) j++;
    if (!isLetter(html.charCodeAt(j))) continue;
    let k = j + 1;
    while (k < html.length && k - j < 21 && isAlnum(html.charCodeAt(k))) k++;
    let p = k;
    while (p < html.length) {
      const ch = html[p];
      if (ch === '>') break;
      if (ch === '"' || ch === "'") {
        const partner = html.indexOf(ch, p + 1);
        p = partner < 0 ? html.length : partner + 1;
      } else {
        p++;
      }
    }
    return { start: i, end: Math.min(html.length, p + 1), comment: false, closing, name: html.slice(j, k).toLowerCase(), attrs: html.slice(k, Math.min(p, k + MAX_ATTRIBUTES)) };
  }
  return null;
}

const ATTR = /([a-zA-Z_:][-a-zA-Z0-9_:.]{0,40})\s*(?:=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})'|([^\s"'=<>`]{1,2000})))?/g;
const INTERESTING = new Set(['a', 'area', 'iframe', 'embed', 'form', 'input', 'meta', 'img']);
const EVENT_HANDLER = /\son[a-z]{3,20}\s*=/i;
const SKIP_CONTENT = new Set(['script', 'style', 'head', 'title', 'noscript']);
const BLOCK = new Set(['p', 'div', 'br', 'tr', 'td', 'li', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'section', 'article']);

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '\u00ad', zwnj: '\u200c', zwj: '\u200d' };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});?/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

function attributes(source: string): Map<string, string> {
  const out = new Map<string, string>();
  ATTR.lastIndex = 0;
  for (let m = ATTR.exec(source); m !== null; m = ATTR.exec(source)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

export function scanHtml(html: string, options: { maxAnchors: number; maxInlineImages: number; maxInlineImageBytes: number }): HtmlScan {
  const scan: HtmlScan = { anchors: [], otherUrls: [], hasForm: false, hasPasswordInput: false, hasScript: false, inlineImages: [], text: '' };
  const textParts: string[] = [];
  let anchor: { href: string; parts: string[] } | null = null;
  let skipping = '';
  let last = 0;
  let anchorCount = 0;
  for (let tag = nextTag(html, 0); tag !== null; tag = nextTag(html, tag.end)) {
    if (!skipping && tag.start > last) {
      const chunk = html.slice(last, tag.start);
      textParts.push(chunk);
      anchor?.parts.push(chunk);
    }
    last = tag.end;
    if (tag.comment) continue;
    const { name, closing } = tag;
    if (skipping) {
      if (closing && name === skipping) skipping = '';
      continue;
    }
    if (closing) {
      if (name === 'a' && anchor) {
        if (scan.anchors.length < options.maxAnchors) {
          scan.anchors.push({ href: anchor.href, text: collapse(decodeEntities(anchor.parts.join(''))).slice(0, 300), index: anchorCount });
        }
        anchorCount++;
        anchor = null;
      }
      continue;
    }
    if (BLOCK.has(name)) textParts.push('\n');
    const attrSource = tag.attrs;
    if (name === 'script') scan.hasScript = true;
    if (SKIP_CONTENT.has(name) && !attrSource.trimEnd().endsWith('/')) {
      skipping = name;
      continue;
    }
    if (!attrSource) continue;
    if (!scan.hasScript && EVENT_HANDLER.test(attrSource)) scan.hasScript = true;
    // attributes are parsed only for the few tags whose attributes matter
    if (!INTERESTING.has(name)) continue;
    const attrs = attributes(attrSource);
    switch (name) {
      case 'a': {
        const href = attrs.get('href');
        if (href) anchor = { href: href.trim(), parts: [] };
        break;
      }
      case 'area':
      case 'iframe':
      case 'embed': {
        const url = attrs.get('href') ?? attrs.get('src');
        if (url) scan.otherUrls.push({ url, tag: name });
        break;
      }
      case 'form':
        scan.hasForm = true;
        if (attrs.get('action')) scan.otherUrls.push({ url: attrs.get('action')!, tag: 'form' });
        break;
      case 'input':
        if ((attrs.get('type') ?? '').toLowerCase() === 'password') scan.hasPasswordInput = true;
        break;
      case 'meta': {
        const content = attrs.get('content') ?? '';
        if ((attrs.get('http-equiv') ?? '').toLowerCase() === 'refresh') {
          const target = /url\s*=\s*['"]?([^'"\s>]+)/i.exec(content);
          if (target?.[1]) scan.otherUrls.push({ url: target[1], tag: 'meta-refresh' });
        }
        break;
      }
      case 'img': {
        const src = attrs.get('src') ?? '';
        if (scan.inlineImages.length < options.maxInlineImages && /^data:image\/(png|jpe?g);base64,/i.test(src)) {
          const comma = src.indexOf(',');
          const b64 = src.slice(comma + 1);
          if ((b64.length * 3) / 4 <= options.maxInlineImageBytes) {
            scan.inlineImages.push({ mimeType: src.slice(5, src.indexOf(';')).toLowerCase(), data: Buffer.from(b64, 'base64') });
          }
        }
        break;
      }
    }
  }
  if (!skipping && last < html.length) textParts.push(html.slice(last));
  scan.text = decodeEntities(textParts.join(' ')).replace(/[ \t\r\f\v]+/g, ' ').replace(/\n\s*/g, '\n');
  return scan;
}
