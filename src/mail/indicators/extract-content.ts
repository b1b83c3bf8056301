import type { Email } from 'postal-mime';
import type { IndicatorSource, LureCategory, UrlIndicator } from '../types.ts';
import { extensionOf, inspectAttachment, pdfUris } from './attachments.ts';
import { outOfTime, provenance, recordLimit, type ExtractContext } from './context.ts';
import { scanHtml, type HtmlScan } from './html.ts';
import { findLures, normaliseForMatching } from './lure.ts';
import { decodeQrCached } from './qr.ts';
import { domainShownInText, findTextUrls, parseUrl } from './urls.ts';

/** What the content stages hand on besides indicators: text for similarity. */
export interface ContentResult {
  /** Visible text of the message (plain part, else HTML), for near-duplicate detection. */
  bodyText: string;
}

const MAX_TEXT_CHARS = 200_000;
const MAX_ANCHORS = 1000;
const MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024;

class UrlCollector {
  private readonly seen = new Map<string, UrlIndicator>();
  constructor(private readonly ctx: ExtractContext) {}

  add(raw: string, source: IndicatorSource, extractor: string, location: string, text?: string): void {
    const parsed = parseUrl(raw);
    if (!parsed) return;
    const shown = text === undefined ? '' : domainShownInText(text);
    const textMismatch = shown !== '' && !parsed.flags.includes('script-scheme') && shown !== parsed.domain;
    const existing = this.seen.get(parsed.url);
    if (existing) {
      // keep the most telling appearance: a deceptive anchor outranks a plain mention
      if (textMismatch && !existing.textMismatch) Object.assign(existing, { text: text?.slice(0, 300), textMismatch });
      return;
    }
    if (this.seen.size >= this.ctx.options.limits.maxUrls) {
      recordLimit(this.ctx, 'urls', this.ctx.options.limits.maxUrls, this.seen.size + 1);
      return;
    }
    const indicator: UrlIndicator = {
      kind: 'url',
      url: parsed.url,
      host: parsed.host,
      domain: parsed.domain,
      isIp: parsed.isIp,
      flags: parsed.flags,
      ...(text === undefined ? {} : { text: text.slice(0, 300) }),
      textMismatch,
      provenance: provenance(this.ctx, extractor, source, location),
    };
    this.seen.set(parsed.url, indicator);
    this.ctx.indicators.push(indicator);
  }
}

const toBuffer = (content: ArrayBuffer | Uint8Array | string): Buffer =>
  typeof content === 'string'
    ? Buffer.from(content, 'base64')
    : content instanceof Uint8Array
      ? Buffer.from(content.buffer, content.byteOffset, content.byteLength)
      : Buffer.from(content);

function scanHtmlInto(html: string, urls: UrlCollector, ctx: ExtractContext, source: IndicatorSource, where: string): HtmlScan {
  const max = ctx.options.limits.maxHtmlChars;
  if (html.length > max) recordLimit(ctx, 'html', max, html.length);
  const scan = scanHtml(html.length > max ? html.slice(0, max) : html, {
    maxAnchors: MAX_ANCHORS,
    maxInlineImages: ctx.options.limits.maxImages,
    maxInlineImageBytes: MAX_INLINE_IMAGE_BYTES,
  });
  for (const a of scan.anchors) urls.add(a.href, source, 'urls.html-anchor', `${where} a[${a.index}]`, a.text);
  for (const o of scan.otherUrls) urls.add(o.url, source, `urls.html-${o.tag}`, `${where} ${o.tag}`);
  if (scan.hasForm || scan.hasPasswordInput) {
    const detail = scan.hasPasswordInput ? 'an HTML form asking for a password' : 'an HTML form';
    ctx.indicators.push({ kind: 'anomaly', code: 'credential-form', detail, provenance: provenance(ctx, 'html.form', source, where) });
  }
  if (scan.hasScript) {
    ctx.indicators.push({ kind: 'anomaly', code: 'script', detail: 'script or event handler in HTML', provenance: provenance(ctx, 'html.script', source, where) });
  }
  return scan;
}

const NON_ASCII = /[^\u0000-\u007f]/;
const LOOKALIKE_LETTER = /[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0530-\u058f]/;
const STYLED_LETTERS = /[\u{1d400}-\u{1d7ff}]/gu;
// Invisible characters *inside* a Latin word ("Pay\u200bPal") split it for filters but not
// for readers. Elsewhere they are formatting: byte-order marks before quoted lines, joiners
// in emoji sequences, soft hyphens in long German words.
const ZERO_WIDTH = /\p{Script=Latin}[\u200b\u200c\u200d\u2060\ufeff]+(?=\p{Script=Latin})/gu;
const LETTER_RUN = /\p{L}{3,40}/gu;
const LATIN_LETTER = /\p{Script=Latin}/u;
const CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;

/** The first word that mixes Latin with Cyrillic or Greek letters; runs are cut at 40 letters, so one pass. */
function mixedScriptWord(text: string): string | null {
  for (const w of text.match(LETTER_RUN) ?? []) if (LATIN_LETTER.test(w) && CYRILLIC_OR_GREEK.test(w)) return w;
  return null;
}

function textAnomalies(text: string, source: IndicatorSource, ctx: ExtractContext): void {
  let replacement = 0;
  for (let at = text.indexOf('\ufffd'); at >= 0; at = text.indexOf('\ufffd', at + 1)) replacement++;
  if (replacement > 0) {
    ctx.indicators.push({ kind: 'anomaly', code: 'invalid-encoding', detail: `${replacement} undecodable characters`, provenance: provenance(ctx, 'text.encoding', source) });
  }
  if (!NON_ASCII.test(text)) return; // everything below looks for characters outside ASCII
  const zeroWidth = text.match(ZERO_WIDTH)?.length ?? 0;
  if (zeroWidth >= 3) {
    ctx.indicators.push({ kind: 'anomaly', code: 'zero-width', detail: `${zeroWidth} invisible characters inside the text`, provenance: provenance(ctx, 'text.obfuscation', source) });
  }
  // the mixed-word pattern is costly; most text has no Cyrillic or Greek letter to mix in
  // 𝗕𝗼𝗹𝗱 or 𝑖𝑡𝑎𝑙𝑖𝑐 "letters" from the mathematical block read as words to people but not to filters
  const styled = text.includes('\ud835') ? (text.match(STYLED_LETTERS)?.length ?? 0) : 0;
  if (styled >= 3) {
    ctx.indicators.push({ kind: 'anomaly', code: 'styled-letters', detail: `${styled} mathematical-alphabet letters posing as text`, provenance: provenance(ctx, 'text.obfuscation', source) });
  }
  const mixed = LOOKALIKE_LETTER.test(text) ? mixedScriptWord(text.slice(0, 50_000)) : null;
  if (mixed) {
    ctx.indicators.push({ kind: 'anomaly', code: 'mixed-script', detail: `word mixing Latin and Cyrillic/Greek letters: ${mixed}`, provenance: provenance(ctx, 'text.obfuscation', source) });
  }
}

// Lures sit near the top of a message; the rest of a long body costs time and adds nothing.
const MAX_LURE_CHARS = 64 * 1024;

function addLures(text: string, source: IndicatorSource, location: string, ctx: ExtractContext, seen: Set<string>): void {
  const found = findLures(normaliseForMatching(text.slice(0, MAX_LURE_CHARS)));
  for (const [category, phrases] of found) {
    for (const phrase of phrases) {
      const key = `${location}|${category}|${phrase}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.indicators.push({ kind: 'lure', category: category as LureCategory, phrase, provenance: provenance(ctx, 'text.lure', source, location) });
    }
  }
}

/** Body text, HTML, attachments and QR codes. Stops between stages when time runs out. */
export function extractContentIndicators(email: Email, ctx: ExtractContext): ContentResult {
  const urls = new UrlCollector(ctx);
  const lureSeen = new Set<string>();
  const images: { data: Buffer; type: 'png' | 'jpeg'; location: string; sha256?: string }[] = [];

  addLures(email.subject ?? '', 'header', 'Subject', ctx, lureSeen);
  if (email.subject) textAnomalies(email.subject, 'header', ctx);
  const plain = (email.text ?? '').slice(0, MAX_TEXT_CHARS);
  if (plain) {
    for (const u of findTextUrls(plain, ctx.options.limits.maxUrls)) urls.add(u, 'body', 'urls.text', 'text/plain');
    addLures(plain, 'body', 'body', ctx, lureSeen);
    textAnomalies(plain, 'body', ctx);
  }
  let htmlText = '';
  if (email.html && !outOfTime(ctx)) {
    const scan = scanHtmlInto(email.html, urls, ctx, 'html', 'text/html');
    htmlText = scan.text.slice(0, MAX_TEXT_CHARS);
    for (const u of findTextUrls(htmlText, ctx.options.limits.maxUrls)) urls.add(u, 'html', 'urls.html-text', 'text/html');
    addLures(htmlText, 'html', 'body', ctx, lureSeen);
    textAnomalies(htmlText, 'html', ctx);
    for (const [i, img] of scan.inlineImages.entries()) {
      images.push({ data: img.data, type: img.mimeType === 'image/png' ? 'png' : 'jpeg', location: `text/html img[data:${i}]` });
    }
  }

  const maxScan = ctx.options.limits.maxAttachmentScanBytes;
  for (const [i, att] of email.attachments.entries()) {
    if (i >= ctx.options.limits.maxParts || outOfTime(ctx)) break;
    const content = toBuffer(att.content);
    const filename = (att.filename ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 255);
    const where = `attachment[${i}]${filename ? ` ${filename}` : ''}`;
    const facts = inspectAttachment(content, filename, maxScan);
    ctx.indicators.push({
      kind: 'attachment',
      filename,
      declaredType: att.mimeType,
      trueType: facts.trueType,
      sha256: facts.sha256,
      size: content.length,
      risky: facts.risky,
      typeMismatch: facts.typeMismatch,
      provenance: provenance(ctx, 'attachments.inspect', 'attachment', where),
    });
    const ext = extensionOf(filename);
    if (facts.trueType === 'html' || facts.trueType === 'svg' || ((ext === 'htm' || ext === 'html') && facts.trueType === 'text')) {
      const html = content.subarray(0, maxScan).toString('utf8');
      const scan = scanHtmlInto(html, urls, ctx, 'attachment', where);
      addLures(scan.text, 'attachment', where, ctx, lureSeen);
    } else if (facts.trueType === 'pdf') {
      for (const u of pdfUris(content.subarray(0, maxScan), ctx.options.limits.maxUrls)) urls.add(u, 'attachment', 'urls.pdf-uri', where);
    } else if (facts.trueType === 'png' || facts.trueType === 'jpeg') {
      images.push({ data: content, type: facts.trueType, location: where, sha256: facts.sha256 });
    }
  }

  if (ctx.options.qr) decodeImages(images, urls, ctx);
  return { bodyText: plain.length >= htmlText.length / 2 ? plain : htmlText };
}

function decodeImages(
  images: { data: Buffer; type: 'png' | 'jpeg'; location: string; sha256?: string }[],
  urls: UrlCollector,
  ctx: ExtractContext,
): void {
  const max = ctx.options.limits.maxImages;
  if (images.length > max) recordLimit(ctx, 'images', max, images.length);
  for (const img of images.slice(0, max)) {
    if (outOfTime(ctx)) return;
    const qr = decodeQrCached(img.data, img.type, ctx.options.limits.maxImagePixels, img.sha256);
    if (qr.skipped === 'too-large') recordLimit(ctx, 'image-pixels', ctx.options.limits.maxImagePixels, ctx.options.limits.maxImagePixels + 1);
    if (!qr.text) continue;
    const before = ctx.indicators.length;
    urls.add(qr.text, 'qr', 'qr.jsqr', img.location);
    if (ctx.indicators.length === before) {
      ctx.indicators.push({ kind: 'anomaly', code: 'qr-code', detail: `QR code: ${qr.text.slice(0, 120)}`, provenance: provenance(ctx, 'qr.jsqr', 'qr', img.location) });
    }
  }
}
