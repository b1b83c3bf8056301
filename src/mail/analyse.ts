import { createHash } from 'node:crypto';
import { minhash } from './campaigns/minhash.ts';
import { outOfTime, sanitiseLine, type ExtractContext } from './indicators/context.ts';
import { extractIndicators } from './indicators/extract.ts';
import { compileMailOptions, type CompiledMailOptions, type MailOptions } from './options.ts';
import { parseMessage } from './parse/parse-message.ts';
import type { Analysis } from './types.ts';
import { decide } from './verdict/decide.ts';
import { computeFeatures } from './verdict/features.ts';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Parses one raw message, extracts its indicators, and reaches a verdict. Pure apart from
 * the clock: no network, no files, no database. Never throws for anything in the message
 * (hostile, broken, oversized): such a message comes back with its limits and errors
 * recorded and a verdict that routes it to a person. Throws WRIT_INPUT_INVALID for bad options.
 */
export async function analyseMessage(raw: Buffer | Uint8Array, options: MailOptions | CompiledMailOptions = {}): Promise<Analysis> {
  const opts = compileMailOptions(options);
  const started = performance.now();
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const parsed = await parseMessage(buf, opts.limits);
  const ctx: ExtractContext = {
    options: opts,
    at: opts.now().toISOString(),
    deadline: Date.now() - (performance.now() - started) + opts.limits.maxTimeMs,
    indicators: [],
    limits: [...parsed.limits],
    errors: [...parsed.errors],
  };
  const email = parsed.email;
  let bodyText = '';
  if (email) {
    const complete = parsed.complete && !outOfTime(ctx);
    bodyText = extractIndicators(email, ctx, complete).bodyText;
  }
  const features = computeFeatures(ctx.indicators, email?.subject);
  const verdict = decide({ features, indicators: ctx.indicators, limits: ctx.limits, errors: ctx.errors }, opts);
  const messageId = sanitiseLine(email?.messageId ?? '', 300).trim();
  const subject = sanitiseLine(email?.subject ?? '', 300);
  const from = ctx.indicators.find((i) => i.kind === 'address' && i.role === 'from');
  const fromAddress = from?.kind === 'address' ? from.address : '';
  return {
    sha256: sha256(buf),
    fingerprint: fingerprint(buf, messageId, fromAddress, subject, bodyText),
    size: buf.length,
    messageId,
    subject,
    from: fromAddress,
    date: sanitiseLine(email?.date ?? '', 100),
    indicators: ctx.indicators,
    features: features.values,
    limits: ctx.limits,
    errors: ctx.errors,
    similarity: { minhash: minhash(bodyText) },
    verdict,
    elapsedMs: Math.round((performance.now() - started) * 100) / 100,
  };
}

/**
 * The same message reported twice (or delivered to many mailboxes and reported from
 * several) has the same fingerprint, though transport headers differ between copies.
 */
function fingerprint(raw: Buffer, messageId: string, from: string, subject: string, body: string): string {
  if (!messageId && !body) return `raw:${sha256(raw).slice(0, 32)}`;
  // Whitespace differs between a delivered copy and one attached to a report (line endings,
  // the last newline before a MIME boundary); the words do not.
  const bodyDigest = sha256(body.replace(/\s+/g, ' ').trim());
  return `msg:${sha256(['v1', messageId.toLowerCase(), from, subject, bodyDigest].join('\n')).slice(0, 32)}`;
}

