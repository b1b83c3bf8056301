import PostalMime, { type Email } from 'postal-mime';
import type { MailLimits } from '../options.ts';
import type { LimitHit } from '../types.ts';
import { fewDelimiters, findHeaderEnd, prescan, type Prescan } from './prescan.ts';

export interface ParseOutcome {
  /** The parsed message; header-only when a limit stopped the full parse; null when nothing could be read. */
  email: Email | null;
  /** The whole message was parsed (not just its headers). */
  complete: boolean;
  limits: LimitHit[];
  errors: string[];
}

const parserOptions = (limits: MailLimits) => ({
  maxNestingDepth: limits.maxDepth,
  maxHeadersSize: limits.maxHeaderBytes,
  maxRfc822NestingDepth: Math.min(limits.maxDepth, 10),
  attachmentEncoding: 'arraybuffer' as const,
});

/** Parses just the top-level header block, so an oversized message still has a sender and subject. */
async function parseHeadersOnly(raw: Buffer, limits: MailLimits): Promise<Email | null> {
  const end = findHeaderEnd(raw, limits.maxHeaderBytes);
  // keep under the parser's own header bound, or the fallback would fail the same way
  const cap = Math.max(1024, limits.maxHeaderBytes - 1024);
  const block = raw.subarray(0, end < 0 || end > cap ? Math.min(raw.length, cap) : end);
  try {
    return await PostalMime.parse(Buffer.concat([block, Buffer.from('\r\n\r\n')]), parserOptions(limits));
  } catch {
    return null;
  }
}

/**
 * Parses a raw message with postal-mime inside the configured limits. Never throws for
 * content: a message over a limit is parsed header-only and the limit is recorded; a
 * message the parser rejects is recorded as an error.
 */
export async function parseMessage(raw: Buffer, limits: MailLimits): Promise<ParseOutcome> {
  if (raw.length === 0) return { email: null, complete: false, limits: [], errors: ['empty: the file has no content'] };
  if (raw.length > limits.maxBytes) {
    return {
      email: await parseHeadersOnly(raw, limits),
      complete: false,
      limits: [{ limit: 'size', max: limits.maxBytes, observed: raw.length }],
      errors: [],
    };
  }
  // the full prescan only runs when a quick count says the part limit might be in reach
  let scanned: Prescan | undefined;
  const scan = () => (scanned ??= prescan(raw));
  if (!fewDelimiters(raw, limits.maxParts) && scan().partEstimate > limits.maxParts) {
    return {
      email: await parseHeadersOnly(raw, limits),
      complete: false,
      limits: [{ limit: 'parts', max: limits.maxParts, observed: scan().partEstimate }],
      errors: [],
    };
  }
  try {
    const email = await PostalMime.parse(raw, parserOptions(limits));
    const hits: LimitHit[] = [];
    if (email.attachments.length > limits.maxParts) hits.push({ limit: 'parts', max: limits.maxParts, observed: email.attachments.length });
    return { email, complete: true, limits: hits, errors: [] };
  } catch (error) {
    // The parser rejects only for its depth and header-size bounds or for broken input; which
    // one is decided from what the prescan measured, not from the error's wording.
    const hits: LimitHit[] = [];
    if (scan().depthBound > limits.maxDepth) hits.push({ limit: 'depth', max: limits.maxDepth, observed: scan().depthBound });
    else if (scan().headerBytesEstimate > limits.maxHeaderBytes) hits.push({ limit: 'headers', max: limits.maxHeaderBytes, observed: scan().headerBytesEstimate });
    const errors = hits.length > 0 ? [] : [`parse: ${firstLine(error)}`];
    return { email: await parseHeadersOnly(raw, limits), complete: false, limits: hits, errors };
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n', 1)[0] ?? '').slice(0, 200);
}
